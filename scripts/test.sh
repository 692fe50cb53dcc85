#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Command 2 of the README: install what is missing, build, and run the whole test suite twice:
# a normal build and an AddressSanitizer + UndefinedBehaviorSanitizer build, then the threaded
# suites in a ThreadSanitizer build, the fuzz targets for a short run each, and a short crash loop
# (scripts/crash-loop.sh). Also runs the banned-function check, the SPDX-header check, the
# citation check and cppcheck. Exit status is non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
bash scripts/check-banned.sh
bash scripts/check-spdx.sh
bash scripts/check-citations.sh

# Static analysis (conventions.md "Tooling"). One configuration, the one the build uses
# (_GNU_SOURCE, GCC attributes), so cppcheck does not guess at #ifdef combinations. Directories,
# not file lists, so new files are covered. Findings are fixed; a false positive is silenced only
# by an inline "cppcheck-suppress <id>" comment that says why.
echo "== cppcheck"
# Suppressed everywhere, with reasons: readdirCalled (glibc's readdir is safe for distinct
# directory streams and readdir_r is deprecated); variableScope (declaring at the top of a
# block is an accepted style here).
cppcheck --enable=warning,style,performance,portability --std=c11 --library=posix \
    -D_GNU_SOURCE -D__GNUC__ --inline-suppr --error-exitcode=1 -q -j "$JOBS" \
    --suppress=readdirCalled --suppress=variableScope \
    -I include -I src/common $(find src/client src/server -type d -printf "-I %p ") -I src/cli \
    src/common src/client src/cli src/server

run_suite() {
    local dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
    ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 600
}
echo "== build + tests (plain, RelWithDebInfo: the quick start's build type, -O2 warnings included)"
run_suite build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== build + tests (ASan + UBSan)"
run_suite build-asan -DFASTIO_SANITIZE=ON
# ThreadSanitizer over the suites whose code runs threads: the chunk race, the transfer engine
# (CRC helper, download writer), the blob write-out thread, the slow-client guard, the activity
# long poll, the upload paths, the expiry sweep thread (test_quota), the MCP sessions, streams
# and live calls, the URL import workers, the indexing workers (test_intel_index), the AI
# chat workers with their cancels (test_ai_chat, test_ai_llm) and the job pool both of the
# latter run on (test_jobpool). Not
# combinable with ASan, hence its own build.
echo "== build + concurrency tests (ThreadSanitizer)"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DFASTIO_TSAN=ON >/dev/null
cmake --build build-tsan -j "$JOBS"
ctest --test-dir build-tsan --output-on-failure -j "$JOBS" --timeout 600 \
    -R 'upload_race|test_transfer|test_writeback|test_blob_local|test_slow_clients|test_activity|test_upload\.|test_lock_counter|test_quota|test_mcp_server|test_mcp_stream|mcp_conformance|test_web_import|test_intel_index|test_ai_chat|test_ai_llm|test_jobpool' \
    -E 'test_wake_200_memory_flat|mcp_lock_counter_400'
# excluded: test_wake_200_memory_flat times 200 wake-ups against 1 s (TSan's slowdown, not a
# race); mcp_lock_counter_400 takes 100 s under TSan and was the suite's long pole (the MCP
# sessions' threads stay covered by test_mcp_server's other cases and test_mcp_stream; the count
# of 400 is checked in the plain and ASan runs)
# Fuzzing (issue 15 "Keep it fixed"): the libFuzzer targets built with clang (ASan + UBSan +
# coverage in every object), each run for 6 s after its corpus replay (fuzz.<target>.run,
# tests/CMakeLists.txt; FASTIO_FUZZ_SECONDS). Only the fuzz targets are built here: with the
# crash loop below, under two minutes.
echo "== fuzz targets (clang, libFuzzer): corpus replay + 6 s run each"
FUZZ_TARGETS=()
for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    FUZZ_TARGETS+=("$n" "${n}_replay")
done
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DFASTIO_FUZZ=ON \
    -DFASTIO_FUZZ_SECONDS=6 >/dev/null
cmake --build build-fuzz -j "$JOBS" --target "${FUZZ_TARGETS[@]}"
ctest --test-dir build-fuzz --output-on-failure -j "$JOBS" -L fuzz --timeout 120
# Crash loop (docs/reliability.md "Crash loop"): kill -9 the server under concurrent uploads 3
# times, verify every acknowledged file and the invariants I1-I5 after each restart (~15 s).
echo "== crash loop (3 cycles)"
bash scripts/crash-loop.sh --cycles 3 --build build-test
echo "== all test suites passed"
