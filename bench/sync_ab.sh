#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/sync_ab.sh - cost of the completion fdatasync: one Release build (build-bench/, made by
# bench/run.sh), two fastio-servers side by side (--sync complete and --sync none), every
# iteration times the raw loopback copy and then one upload of the same SIZE_MB file to each
# (one warm-up discarded, RUNS measured, uploaded file deleted and purged after each run); prints
# median/min/max MB/s; bench/ballast.c runs right before every timed command (see there). A
# benchmark, never a test. Usage: bench/sync_ab.sh [RUNS] [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}; SIZE_MB=${2:-1024}
B="$(pwd)/build-bench"
[ -x "$B/fastio-server" ] && [ -x "$B/tcpcopy" ] && [ -x "$B/ballast" ] || { echo "run bench/run.sh first (build-bench/)"; exit 1; }
T=$(mktemp -d /tmp/fastio-syncab-XXXXXX)
declare -A PORT KEY SPID
cleanup() { for v in "${!SPID[@]}"; do kill "${SPID[$v]}" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
f() { local v=$1; shift; HOME="$T/$v/home" XDG_STATE_HOME="$T/$v/state" "$B/fastio" --api-base "http://127.0.0.1:${PORT[$v]}/current" --token "${KEY[$v]}" "$@"; }
for v in complete none; do
    mkdir -p "$T/$v/data" "$T/$v/home"
    "$B/fastio-server" --data "$T/$v/data" --listen 127.0.0.1:0 --kdf-iterations 1000 --sync "$v" >"$T/$v/out" 2>"$T/$v/err" &
    SPID[$v]=$!
    p=""
    for _ in $(seq 1 200); do
        p=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/current.*/\1/p' "$T/$v/out" | head -n1)
        [ -n "$p" ] && break; sleep 0.05
    done
    [ -n "$p" ] || { echo "server did not start"; exit 1; }
    PORT[$v]=$p; KEY[$v]=$(tr -d '\r\n' <"$T/$v/data/owner.key")
    f "$v" -q org create "Bench Org" --domain bench-org
    f "$v" -q workspace create "Bench" --org bench-org --folder-name bench
done
SRC="$T/big.bin"; head -c $((SIZE_MB * 1048576)) /dev/urandom >"$SRC"; N=$((SIZE_MB * 1048576))
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), ${SIZE_MB} MiB, ${RUNS} runs + 1 warm-up"
: >"$T/res"
for i in $(seq 0 "$RUNS"); do
    rm -f "$T/raw.bin"; "$B/ballast" "$T" $((SIZE_MB + 64))
    s=$("$B/tcpcopy" "$SRC" "$T/raw.bin"); rm -f "$T/raw.bin"
    line="raw $(awk -v s="$s" -v n=$N 'BEGIN{printf "%.0f", n/s/1e6}')"
    for v in complete none; do
        "$B/ballast" "$T" $((SIZE_MB + 64))
        t0=$(date +%s.%N); f "$v" -q upload file --workspace bench "$SRC"; t1=$(date +%s.%N)
        node=$(f "$v" --format json files list --workspace bench | jq -r '.nodes[] | select(.name == "big.bin") | .id' | head -1)
        f "$v" -q files delete --workspace bench "$node"; f "$v" -q files purge --workspace bench "$node"
        line="$line $v $(awk -v a="$t0" -v b="$t1" -v n=$N 'BEGIN{printf "%.0f", n/(b-a)/1e6}')"
    done
    [ "$i" = 0 ] || echo "$line" >>"$T/res"
done
for k in raw complete none; do
    awk -v k=$k '{for (j = 1; j < NF; j += 2) if ($j == k) print $(j + 1)}' "$T/res" | sort -g |
        awk -v k=$k '{a[NR] = $1} END {printf "%-10s median %5d  min %5d  max %5d MB/s\n", k, a[int((NR + 1) / 2)], a[1], a[NR]}'
done
