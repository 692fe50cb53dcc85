#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/ingest_bench.sh - "fastio ingest" (issue 17), never a test. Against a local fastio-server
# (--sync complete) on a free port, measured in this run:
#   1. files/s of a drop of N files (4-64 KiB, 8 folders) ingested by `fastio ingest --once`
#      (small files batched, the default) and `--once --no-batch` (a session per file), against
#      `fastio upload file --preserve-tree` of the same tree (the reference, batched), median of
#      RUNS interleaved runs, each into a fresh workspace;
#   2. the time from close-after-write to the daemon's "stored" line (p50, p99) for files
#      written one every 50 ms while the daemon runs (--settle 1: the settle time is included).
# Usage: bench/ingest_bench.sh [N_FILES] [RUNS]    (default 2000 3)
#        BUILD=DIR uses an existing build directory instead of building build-bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
N=${1:-2000}
RUNS=${2:-3}
B=${BUILD:-$ROOT/build-bench}
if [ -z "${BUILD:-}" ]; then
    echo "== building Release into build-bench/" >&2
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DFASTIO_TESTS=OFF \
        -DCMAKE_C_FLAGS="-Wno-error" >/dev/null
    cmake --build "$B" -j2 --target fastio_cli fastio_server >/dev/null
fi
W=$(mktemp -d /tmp/fastio-ingest-bench-XXXXXX)
export HOME="$W/home"
mkdir -p "$HOME"
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
"$B/fastio-server" --data "$W/data" --listen 127.0.0.1:0 --kdf-iterations 1000 >"$W/srv.out" 2>&1 &
SRV=$!
for _ in $(seq 1 100); do grep -q "listening on" "$W/srv.out" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/current.*/\1/p' "$W/srv.out" | head -n1)
KEY=$(tr -d '\r\n' <"$W/data/owner.key")
F=("$B/fastio" --api-base "http://127.0.0.1:$PORT/current" --token "$KEY")
"${F[@]}" org create "Bench Org" --domain bench-ingest >/dev/null

echo "== creating $N files" >&2
SRC="$W/src"
for i in $(seq 1 "$N"); do
    d="$SRC/d$((i % 8))"
    [ -d "$d" ] || mkdir -p "$d"
    head -c $(((i * 7919) % 61440 + 4096)) /dev/urandom >"$d/f$i.bin"
done
sync

ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A T
run=0
for r in $(seq 1 "$RUNS"); do
    for mode in reference batch sessions; do
        run=$((run + 1))
        ws="bench$run"
        t0=$(ms)
        case $mode in
        reference)
            "${F[@]}" workspace create "$ws" --org bench-ingest --folder-name "$ws" >/dev/null
            "${F[@]}" -q upload file --workspace "$ws" --preserve-tree "$SRC" "$SRC" >/dev/null ;;
        batch)
            "${F[@]}" ingest "$SRC" --org bench-ingest --workspace "$ws" --once --settle 0 \
                --state-dir "$W/st$run" >/dev/null 2>&1 ;;
        sessions)
            "${F[@]}" ingest "$SRC" --org bench-ingest --workspace "$ws" --once --settle 0 \
                --no-batch --state-dir "$W/st$run" >/dev/null 2>&1 ;;
        esac
        t1=$(ms)
        T[$mode]+="$((t1 - t0)) "
    done
done
echo "## 1. $N files (4-64 KiB), median of $RUNS runs"
ref=$(tr ' ' '\n' <<<"${T[reference]}" | grep . | median)
printf '%-44s %8s ms %8.0f files/s\n' "upload file --preserve-tree (reference)" "$ref" \
    "$(echo "$N * 1000 / $ref" | bc -l)"
for mode in batch sessions; do
    m=$(tr ' ' '\n' <<<"${T[$mode]}" | grep . | median)
    label=$([ "$mode" = batch ] && echo "ingest --once" || echo "ingest --once --no-batch")
    printf '%-44s %8s ms %8.0f files/s  %.2fx reference\n' "$label" "$m" \
        "$(echo "$N * 1000 / $m" | bc -l)" "$(echo "$ref / $m" | bc -l)"
done

echo "## 2. close-after-write to stored (daemon, --settle 1, one file every 50 ms)"
D="$W/drop"
mkdir -p "$D"
M=200
"${F[@]}" ingest "$D" --org bench-ingest --workspace latency --settle 1 \
    --state-dir "$W/stlat" 2>/dev/null | while IFS= read -r line; do
    p=$(jq -r .path <<<"$line")
    echo "$p $(ms)"
done >"$W/stored.txt" &
DAEMON=$!
sleep 1
for i in $(seq 1 "$M"); do
    head -c 16384 /dev/urandom >"$D/l$i.bin"
    echo "l$i.bin $(ms)" >>"$W/closed.txt"
    sleep 0.05
done
for _ in $(seq 1 600); do
    [ "$(wc -l <"$W/stored.txt")" -ge "$M" ] && break
    sleep 0.1
done
pkill -TERM -f "ingest $D" || true
wait "$DAEMON" 2>/dev/null || true
join <(sort "$W/closed.txt") <(sort "$W/stored.txt") | awk '{print $3 - $2}' | sort -n >"$W/lat.txt"
cnt=$(wc -l <"$W/lat.txt")
p50=$(awk -v n="$cnt" 'NR == int((n + 1) / 2) {print}' "$W/lat.txt")
p99=$(awk -v n="$cnt" 'NR == int(n * 0.99 + 0.999) {print}' "$W/lat.txt")
echo "$cnt files: p50 ${p50} ms, p99 ${p99} ms (settle 1000 ms included)"
