#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/ai_bench.sh - the AI chat's figures, never a test:
#  1. bench/ai_bench.c (-O2): the extractive composer's p50 against a reference in the same run;
#  2. ask end to end against a real fastio-server (built in build/): `fastio ripley ask` with an
#     attached file, N times, p50 of the wall time, next to `fastio files info` on the same file
#     (a plain authenticated API call through the same CLI) measured in the same run;
#  3. the same question over the index (intelligence on, no attachment).
# Usage: bench/ai_bench.sh [N asks, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30}
mkdir -p build-bench
gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc/common -Isrc/server/intel \
    $(pkg-config --cflags jansson) -o build-bench/ai_bench bench/ai_bench.c \
    src/server/intel/compose.c src/common/buf.c $(pkg-config --libs jansson) -lm
build-bench/ai_bench

SRV=build/fastio-server CLI=build/fastio
DATA=$(mktemp -d /tmp/fastio-aibench-XXXXXX)
export HOME=$DATA XDG_CONFIG_HOME=$DATA/cfg XDG_STATE_HOME=$DATA/state
$SRV --data "$DATA/srv" --listen 127.0.0.1:0 --sync none >"$DATA/out" 2>"$DATA/log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do grep -q listening "$DATA/out" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$DATA/out")
F() { $CLI --api-base "$URL" --token "$(cat "$DATA/srv/owner.key")" --format json "$@"; }
ORG=$(F org create "Bench Org" --domain bench-org | jq -r .org.id)
F workspace create "Bench" --org "$ORG" --folder-name bench-ws --intelligence false >/dev/null
for i in $(seq 1 40); do
    echo "Section $i of the handbook covers shipping, invoices and the warehouse inventory."
    echo "Orders placed before noon ship the same day from the Lisbon warehouse."
    echo
done >"$DATA/handbook.txt"
echo "Enterprise customers can request a full refund within thirty days of purchase." >>"$DATA/handbook.txt"
F upload file --workspace bench-ws "$DATA/handbook.txt" >/dev/null
NODE=$(F files info --workspace bench-ws /handbook.txt | jq -r .nodes[0].id)
ms() { date +%s%N; }
: >"$DATA/ask" ; : >"$DATA/ref"
for i in $(seq 1 "$N"); do
    t0=$(ms); F files info --workspace bench-ws "$NODE" >/dev/null; t1=$(ms)
    F ripley ask --workspace bench-ws --files-attach "$NODE" \
        "How many days do enterprise customers have for a refund?" >"$DATA/a.json"; t2=$(ms)
    [ "$(jq -r .state "$DATA/a.json")" = complete ] || { echo "ask $i failed"; cat "$DATA/a.json"; exit 1; }
    echo $(( (t1 - t0) / 1000 )) >>"$DATA/ref"
    echo $(( (t2 - t1) / 1000 )) >>"$DATA/ask"
done
# 3. the same question over the index (whole workspace, intelligence on)
F workspace update bench-ws --intelligence true >/dev/null
for _ in $(seq 1 400); do
    [ "$(F files info --workspace bench-ws "$NODE" | jq -r .nodes[0].ai.state)" = indexed ] && break
    sleep 0.05
done
: >"$DATA/idx"
for i in $(seq 1 "$N"); do
    t0=$(ms)
    F ripley ask --workspace bench-ws "How many days do enterprise customers have for a refund?" >"$DATA/b.json"
    t1=$(ms)
    [ "$(jq -r .state "$DATA/b.json")" = complete ] || { echo "index ask $i failed"; exit 1; }
    echo $(( (t1 - t0) / 1000 )) >>"$DATA/idx"
done
p50() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
R=$(p50 "$DATA/ref"); A=$(p50 "$DATA/ask"); I=$(p50 "$DATA/idx")
printf 'reference: fastio files info (CLI, same server)   p50 %6.1f ms (%d runs)\n' "$(echo "$R/1000" | bc -l)" "$N"
printf 'fastio ripley ask --files-attach, end to end       p50 %6.1f ms (%d runs)\n' "$(echo "$A/1000" | bc -l)" "$N"
printf 'fastio ripley ask (whole workspace, index)         p50 %6.1f ms (%d runs)\n' "$(echo "$I/1000" | bc -l)" "$N"
printf 'ask / reference at p50: attachments %.2fx, index %.2fx\n' "$(echo "$A/$R" | bc -l)" "$(echo "$I/$R" | bc -l)"
jq -r .response "$DATA/a.json"
