#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/intel_bench.sh - the intelligence index measured, never a test (docs/benchmarks.md
# "Intelligence"). Part 1 builds bench/intel_bench.c (Release, linked with the server's code) and
# runs it: indexing MB/s against a raw FTS5 insert, search p50/p99, hit@3 against whole-file
# BM25. Part 2 runs a real fastio-server: the time from the end of an upload to ai.state indexed
# for a 1 MiB text file (next to the upload's own time, same run), and the server's RSS before
# and after indexing TOTAL_MIB of text uploaded as 1 MiB files.
# Usage: bench/intel_bench.sh [files, default 10000] [KiB per file, default 10] [TOTAL_MIB, default 256]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-10000}
KIB=${2:-10}
TOTAL_MIB=${3:-256}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFASTIO_TESTS=OFF >/dev/null
cmake --build build-bench -j 2 --target intel_bench fastio_server >/dev/null
echo "== part 1: the index in-process ($FILES files of $KIB KiB)"
build-bench/intel_bench "$FILES" "$KIB"

echo "== part 2: a real server"
DATA=$(mktemp -d /tmp/intel-bench-srv-XXXXXX)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
build-bench/fastio-server --data "$DATA" --listen 127.0.0.1:0 --kdf-iterations 1000 \
    --rate-limit 0 >"$DATA/out" 2>"$DATA/err" &
PID=$!
for _ in $(seq 1 200); do grep -q listening "$DATA/out" 2>/dev/null && break; sleep 0.05; done
BASE=$(sed -n 's/.*\(http:[^ ]*current\).*/\1/p' "$DATA/out" | head -n1)
KEY=$(cat "$DATA/owner.key")
H="Authorization: Bearer $KEY"
curl -sf -H "$H" -d "name=Bench&domain=intel-bench" "$BASE/org/create/" >/dev/null
WS=$(curl -sf -H "$H" -d "name=Bench WS&folder_name=intel-bench-ws&perm_join=Member%20or%20above&perm_member_manage=Admin%20or%20above&intelligence=true" \
    "$BASE/org/intel-bench/create/workspace/" | jq -r .workspace.id)
# a 1 MiB text file of prose
python3 - "$DATA/one.txt" <<'PY'
import random, sys
random.seed(7)
words = [''.join(random.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(random.randint(2, 9))) for _ in range(5000)]
out, n = [], 0
while n < 1 << 20:
    s = ' '.join(random.choice(words) for _ in range(random.randint(8, 20))) + '.\n'
    out.append(s); n += len(s)
open(sys.argv[1], 'w').write(''.join(out)[: 1 << 20])
PY
now_ms() { date +%s%3N; }
upload() { # name -> node id
    curl -sf -H "$H" -F "name=$1" -F "size=$(stat -c %s "$DATA/one.txt")" -F action=create \
        -F "instance_id=$WS" -F folder_id=root -F profile_type=workspace -F "chunk=@$DATA/one.txt" \
        "$BASE/upload/" | jq -r .new_file_id
}
state() { sqlite3 "$DATA/meta.db" "SELECT state FROM intel_nodes WHERE node_id = '$1'"; }
UP=(); IX=()
for r in 1 2 3 4 5; do
    t0=$(now_ms); node=$(upload "one-$r.txt"); t1=$(now_ms)
    for _ in $(seq 1 20000); do [ "$(state "$node")" = indexed ] && break; sleep 0.005; done
    t2=$(now_ms)
    UP+=($((t1 - t0))); IX+=($((t2 - t1)))
done
med() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
echo "1 MiB text file: upload $(med "${UP[@]}") ms, then upload -> indexed $(med "${IX[@]}") ms (median of 5; polled every 5 ms)"
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
R0=$(rss)
t0=$(now_ms)
for i in $(seq 1 "$TOTAL_MIB"); do upload "bulk-$i.txt" >/dev/null; done
for _ in $(seq 1 100000); do
    n=$(sqlite3 "$DATA/meta.db" "SELECT COUNT(*) FROM intel_nodes WHERE state = 'indexed'")
    [ "$n" -ge $((TOTAL_MIB + 5)) ] && break; sleep 0.1
done
t1=$(now_ms)
R1=$(rss)
echo "indexing $TOTAL_MIB MiB of text through the server (upload + index): $((t1 - t0)) ms, $(awk -v m="$TOTAL_MIB" -v t=$((t1 - t0)) 'BEGIN {printf "%.1f", m * 1.048576 / (t / 1000)}') MB/s"
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
echo "server RSS: $((R0 / 1024)) MiB before, $((R1 / 1024)) MiB after: growth $(((R1 - R0) / 1024)) MiB; peak (VmHWM) $((HWM / 1024)) MiB, $(((HWM - R0) / 1024)) MiB above the start"
