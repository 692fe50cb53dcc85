#!/usr/bin/env bash
# Command 2 of the README: install what is missing, build, and run the whole test suite twice:
# a normal build and an AddressSanitizer + UndefinedBehaviorSanitizer build. Also runs the
# banned-function check. Exit status is non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
bash scripts/check-banned.sh

run_suite() {
    local dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
    ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 600
}
echo "== build + tests (plain)"
run_suite build-test
echo "== build + tests (ASan + UBSan)"
run_suite build-asan -DFASTIO_SANITIZE=ON
echo "== all test suites passed"
