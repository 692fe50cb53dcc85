#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# crash-loop.sh - kill -9 fastio-server under concurrent uploads, again and again, and check
# after every crash that the data is safe (docs/reliability.md "Invariants"):
#   I1  every upload the CLI saw acknowledged (exit 0, node id) is listed and downloads byte
#       for byte (its SHA-256 compared with the source's);
#   I2  every file node's content is on disk, as long as its version row says;
#   I3  PRAGMA integrity_check is ok and foreign_key_check is empty (read with the server down);
#   I4  no file was stored twice: no two live files of one name in a folder, and each
#       acknowledged node has exactly one version;
#   I5  after the restart's recovery no temporary file lacks a live session and no blob lacks
#       a version row.
# I6 (no reader sees a mixed content) is not checked here.
#
# Usage: scripts/crash-loop.sh [--cycles N] [--clients C] [--max-size BYTES] [--build DIR]
#   --cycles N       kill/restart cycles (default 3)
#   --clients C      concurrent upload loops (default 4)
#   --max-size B     largest file uploaded (default 3145728; sizes are random in 1..B)
#   --build DIR      where fastio-server and fastio are (default build; FASTIO_SERVER_BIN and
#                    FASTIO_CLI_BIN override)
#   --run-min S      seconds the uploads run before each kill, at least (default 1)
# The short run is part of scripts/test.sh (3 cycles); docs/reliability.md has the long run.
# Exit status 0 when every check of every cycle held; the first failure stops the loop.
set -euo pipefail
cd "$(dirname "$0")/.."

CYCLES=3
CLIENTS=4
MAX_SIZE=3145728
BUILD=build
RUN_MIN=1
while [ $# -gt 0 ]; do
    case "$1" in
    --cycles) CYCLES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --max-size) MAX_SIZE=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --run-min) RUN_MIN=$2; shift 2 ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "crash-loop: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for v in "$CYCLES" "$CLIENTS" "$MAX_SIZE" "$RUN_MIN"; do
    case "$v" in '' | *[!0-9]*) echo "crash-loop: numbers only, got '$v'" >&2; exit 2 ;; esac
done
[ "$CYCLES" -ge 1 ] && [ "$CLIENTS" -ge 1 ] && [ "$CLIENTS" -le 64 ] && [ "$MAX_SIZE" -ge 1 ] ||
    { echo "crash-loop: --cycles >= 1, --clients 1..64, --max-size >= 1" >&2; exit 2; }
SERVER=${FASTIO_SERVER_BIN:-$BUILD/fastio-server}
CLI=${FASTIO_CLI_BIN:-$BUILD/fastio}
[ -x "$SERVER" ] && [ -x "$CLI" ] ||
    { echo "crash-loop: build first (cmake --build $BUILD): $SERVER, $CLI" >&2; exit 2; }
for t in curl jq sqlite3 sha256sum; do
    command -v "$t" >/dev/null || { echo "crash-loop: needs $t (scripts/deps.sh)" >&2; exit 2; }
done

W=$(mktemp -d /tmp/fastio-crashloop-XXXXXX)
DATA="$W/data"
ACKED="$W/acked.list" # name sha256 node
mkdir -p "$DATA" "$W/src" "$W/dst"
: >"$ACKED"
SERVER_PID=""
LOOP_PIDS=()
cleanup() {
    stop_loops
    if [ -n "$SERVER_PID" ]; then kill -9 "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ "${KEEP:-0}" = 1 ]; then echo "crash-loop: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
fail() { echo "crash-loop: FAILED: $*" >&2; KEEP=1; exit 1; }

start_server() {
    local out="$W/server.stdout"
    : >"$out"
    "$SERVER" --data "$DATA" --listen 127.0.0.1:0 --kdf-iterations 1000 \
        --min-chunk-size 65536 --log-level warn --access-log "$W/server.log" >"$out" 2>&1 &
    SERVER_PID=$!
    PORT=""
    for _ in $(seq 1 400); do # bounded: 20 s (recovery runs before the listening line)
        PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/current.*/\1/p' "$out" | head -n1)
        [ -n "$PORT" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited at start: $(cat "$out")"
        sleep 0.05
    done
    [ -n "$PORT" ] || fail "server did not start in 20 s"
    BASE="http://127.0.0.1:$PORT/current"
    KEY=$(tr -d '\r\n' <"$DATA/owner.key")
}

cli() { "$CLI" --api-base "$BASE" --token "$KEY" "$@"; }

# One upload loop: new random files with unique names, each uploaded by its own CLI run; an
# upload that exits 0 with a node id is acknowledged. Ends when $W/stop exists.
upload_loop() {
    local id=$1 n=0
    export HOME="$W/home-$id" XDG_STATE_HOME="$W/home-$id/state"
    mkdir -p "$XDG_STATE_HOME"
    while [ ! -e "$W/stop" ] && [ "$n" -lt 100000 ]; do
        n=$((n + 1))
        local name="c${id}-${CYCLE}-${n}.bin" size
        size=$(( (RANDOM * 32768 + RANDOM) % MAX_SIZE + 1 ))
        head -c "$size" /dev/urandom >"$W/src/$name"
        # the CLI in the background with its pid on file, so stop_loops can end exactly it
        "$CLI" --api-base "$BASE" --token "$KEY" --format json upload file \
            --workspace "$WS" "$W/src/$name" >"$W/out-$id" 2>/dev/null </dev/null &
        echo $! >"$W/cli-$id.pid"
        if ! wait $!; then rm -f "$W/src/$name"; continue; fi
        local node
        node=$(jq -r '.files[0].node_id // empty' "$W/out-$id" 2>/dev/null || true)
        [ -n "$node" ] || continue
        echo "$name $(sha256sum "$W/src/$name" | cut -d' ' -f1) $node" >>"$ACKED"
        rm -f "$W/src/$name"
    done
}

stop_loops() {
    touch "$W/stop" 2>/dev/null || true
    # the CLIs of the loops would retry a dead server for a while: end them now
    local p f
    for p in "${LOOP_PIDS[@]}"; do
        kill -9 "$p" 2>/dev/null || true
    done
    for f in "$W"/cli-*.pid; do
        [ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
    for p in "${LOOP_PIDS[@]}"; do # disowned (no "Killed" notices): wait by polling
        for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    done
    LOOP_PIDS=()
}

db() { sqlite3 -batch -noheader "$DATA/meta.db" "$@"; }

check_offline() { # I3, with the server down
    local ic fk
    ic=$(db "PRAGMA integrity_check;")
    [ "$ic" = ok ] || fail "cycle $CYCLE I3: integrity_check: $ic"
    fk=$(db "PRAGMA foreign_key_check;")
    [ -z "$fk" ] || fail "cycle $CYCLE I3: foreign_key_check: $fk"
}

check_online() { # I1, I2, I4, I5 after the restart's recovery
    local f id sz row
    # I5: temporary files of live sessions only; blobs with a version row only
    for f in "$DATA"/tmp/*; do
        [ -e "$f" ] || continue
        id=$(basename "$f")
        row=$(db "SELECT COUNT(*) FROM upload_sessions WHERE id = '$id' AND status IN ('ready','uploading','assembling');")
        [ "$row" = 1 ] || fail "cycle $CYCLE I5: temporary file $id has no live session"
    done
    for f in "$DATA"/blobs/*; do
        [ -e "$f" ] || continue
        id=$(basename "$f")
        row=$(db "SELECT COUNT(*) FROM file_versions WHERE id = '$id';")
        [ "$row" = 1 ] || fail "cycle $CYCLE I5: blob $id has no version row"
    done
    # I2: every file node's current content is on disk, as long as its row says
    while read -r id sz; do
        [ -n "$id" ] || continue
        [ -f "$DATA/blobs/$id" ] || fail "cycle $CYCLE I2: version $id has no blob"
        [ "$(stat -c %s "$DATA/blobs/$id")" = "$sz" ] ||
            fail "cycle $CYCLE I2: blob $id is $(stat -c %s "$DATA/blobs/$id") bytes, its row says $sz"
    done < <(db "SELECT v.id, v.size FROM nodes n JOIN file_versions v ON v.id = n.version_id WHERE n.type = 'file';" | tr '|' ' ')
    # I4: no file stored twice
    row=$(db "SELECT COUNT(*) FROM (SELECT 1 FROM nodes WHERE type = 'file' AND trashed = 0 GROUP BY workspace_id, parent_id, name HAVING COUNT(*) > 1);")
    [ "$row" = 0 ] || fail "cycle $CYCLE I4: $row names stored twice in one folder"
    # I1 (+ I4's one version each): the acknowledged files of this run, byte for byte
    local name sum node got checked=0
    while read -r name sum node; do
        [ -n "$node" ] || continue
        row=$(db "SELECT COUNT(*) FROM node_versions WHERE node_id = '$node';")
        [ "$row" = 1 ] || fail "cycle $CYCLE I4: acknowledged $name ($node) has $row versions"
        rm -rf "$W/dst"; mkdir -p "$W/dst"
        cli download file --workspace "$WS" "$node" -o "$W/dst/" >/dev/null 2>"$W/dl.err" </dev/null ||
            fail "cycle $CYCLE I1: acknowledged $name ($node) does not download: $(cat "$W/dl.err")"
        got=$(sha256sum "$W/dst/$name" 2>/dev/null | cut -d' ' -f1)
        [ "$got" = "$sum" ] || fail "cycle $CYCLE I1: acknowledged $name ($node) reads back different bytes"
        checked=$((checked + 1))
    done <"$ACKED"
    echo "crash-loop: cycle $CYCLE: $checked acknowledged files verified, I1-I5 hold"
}

T0=$(date +%s)
CYCLE=0
start_server
WS=$(cli --format json org create "Crash Loop" --domain crash-loop-org >/dev/null 2>&1 &&
     cli --format json workspace create "Crash WS" --org crash-loop-org 2>/dev/null | jq -r .workspace.id)
[ -n "$WS" ] && [ "$WS" != null ] || fail "cannot create the workspace"
for CYCLE in $(seq 1 "$CYCLES"); do
    rm -f "$W/stop"
    before=$(wc -l <"$ACKED")
    for c in $(seq 1 "$CLIENTS"); do
        upload_loop "$c" &
        LOOP_PIDS+=($!)
        disown $!
    done
    # run at least RUN_MIN s and until one more upload is acknowledged (bounded: 60 s), then a
    # random 0-999 ms more, so the kill lands at a different point of the protocol each time
    sleep "$RUN_MIN"
    for _ in $(seq 1 600); do
        [ "$(wc -l <"$ACKED")" -gt "$before" ] && break
        sleep 0.1
    done
    sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    stop_loops
    check_offline
    start_server
    check_online
done
echo "crash-loop: $CYCLES cycles, $CLIENTS clients, $(wc -l <"$ACKED") acknowledged uploads," \
    "all verified, in $(( $(date +%s) - T0 )) s"
