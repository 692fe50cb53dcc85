#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_resume_multi.sh - issue 15 item 6: `fastio upload file` of several files killed with
# SIGKILL after some of them are stored, then run again, does not send the stored files again
# (each file ends with exactly one version) and every file downloads byte for byte; SIGINT
# during an upload exits 130 and the rerun resumes. The kill lands mid-run through a server-side
# stall on every request (--enable-test-faults, stall_ms), not by timing the client.
# Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server --min-chunk-size 65536 --enable-test-faults
resume_setup "Multi Org" multi-org "Multi WS" "workspace for the multi-file resume test"
JDIR="$XDG_STATE_HOME/fastio-c/uploads"

LOG="$T_DATA/server.log"
stall() { curl -fsS -X POST "$BASE/test/faults/" -d "stall_ms=$1" >/dev/null; }
# markers of the files a run has stored ("*.done" in the journal directory)
markers() { find "$JDIR" -maxdepth 1 -name '*.done' 2>/dev/null | wc -l; }
# versions of the file called $1 in the workspace root (0 when there is none)
versions_of() {
    local node
    node=$("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" --format json files list \
           --workspace "$WS" 2>/dev/null | jq -r --arg n "$1" '[.. | objects | select(.name? == $n) | .id][0] // empty')
    [ -z "$node" ] && { echo 0; return; }
    "$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" --format json files versions \
        --workspace "$WS" "$node" 2>/dev/null | jq '.versions | length' 2>/dev/null || echo -1
}

# three files of 12 MiB + a few bytes: two chunks each with the client's 8 MiB chunks
for f in a b c; do head -c $((12 * 1048576 + 7)) /dev/urandom >"$W/src/$f.bin"; done

# ---- (a) SIGKILL after the first file is stored, then a rerun ---------------------------------
stall 300 && ok "stall configured" || bad "faults"
"$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" -q upload file --force --workspace "$WS" --parallel 1 \
    "$W/src/a.bin" "$W/src/b.bin" "$W/src/c.bin" >"$W/run1.out" 2>"$W/run1.err" </dev/null &
CLI_PID=$!
# --parallel 1: b.bin starts once a.bin is stored; kill when a chunk of b.bin is answered
# (a.bin's two chunks and one more), so a.bin is stored and c.bin is not
before=$(chunks_ok)
for _ in $(seq 1 1200); do  # bounded: 60 s
    [ $(($(chunks_ok) - before)) -ge 3 ] && break
    kill -0 "$CLI_PID" 2>/dev/null || break
    sleep 0.05
done
if kill -0 "$CLI_PID" 2>/dev/null; then
    kill -9 "$CLI_PID"; wait "$CLI_PID" 2>/dev/null || true; CLI_PID=""
    ok "upload of three files killed with SIGKILL mid-run"
else
    CLI_PID=""; bad "the upload ended before it could be killed: $(cat "$W/run1.err")"
fi
stall 0
sleep 1
stored_before=0
for f in a b c; do [ "$(versions_of $f.bin)" -ge 1 ] && stored_before=$((stored_before + 1)); done
if [ "$stored_before" -ge 1 ] && [ "$stored_before" -lt 3 ]; then
    ok "$stored_before of 3 files stored before the kill"
else
    bad "files stored before the kill: $stored_before"
fi

fio --format json upload file --force --workspace "$WS" --parallel 1 "$W/src/a.bin" "$W/src/b.bin" "$W/src/c.bin"
expect_rc 0 "the rerun succeeds"
expect_jq '[.files[].status] | unique | join(",")' 'stored' "every file is reported stored"
RERUN=$OUT
expect_jq '[.files[] | select(.skipped == true) | .name] | join(",")' a.bin "a.bin is reported skipped (already uploaded)"
for f in a b c; do
    v=$(versions_of $f.bin)
    if [ "$v" = 1 ]; then ok "$f.bin has exactly one version"; else bad "$f.bin has $v versions"; fi
done
for i in 0 1 2; do
    node=$(printf '%s' "$RERUN" | jq -r ".files[$i].node_id")
    name=$(printf '%s' "$RERUN" | jq -r ".files[$i].name")
    fio --format json download file --workspace "$WS" "$node" -o "$W/dst/"
    if [ "$RC" = 0 ] && cmp -s "$W/src/$name" "$W/dst/$name"; then ok "$name downloads byte for byte"; else bad "$name differs"; fi
done
if [ "$(markers)" = 0 ]; then ok "no marker left after a run that stored every file"; else bad "markers left: $(markers)"; fi
# a later deliberate upload of the same files sends them again (a new version each)
fio --format json upload file --force --workspace "$WS" --parallel 1 "$W/src/a.bin"
expect_rc 0 "a new run of a completed upload"
v=$(versions_of a.bin)
if [ "$v" = 2 ]; then ok "a new run after a completed one sends the file again"; else bad "a.bin has $v versions"; fi

# ---- (b) SIGINT exits 130, SIGTERM 143; the rerun resumes the session -----------------------
# $1 = signal, $2 = file, $3 = chunks: start an upload of $2 under the stall, send $1 once $3
# chunks of it are answered; RC = the CLI's exit status
interrupt_upload() {
    local sig=$1 file=$2 n=$3 b
    stall 300
    b=$(chunks_ok)
    "$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" -q upload file --force --workspace "$WS" "$file" \
        >"$W/int.out" 2>"$W/int.err" </dev/null &
    CLI_PID=$!
    for _ in $(seq 1 1200); do  # bounded: 60 s
        [ $(($(chunks_ok) - b)) -ge "$n" ] && break
        kill -0 "$CLI_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -"$sig" "$CLI_PID" 2>/dev/null
    RC=0
    wait "$CLI_PID" || RC=$?
    CLI_PID=""
    stall 0
}
head -c $((32 * 1048576 + 5)) /dev/urandom >"$W/src/int.bin"
interrupt_upload INT "$W/src/int.bin" 1
expect_rc 130 "SIGINT during an upload exits 130"
fio --format json upload list-sessions
sid=$(printf '%s' "$OUT" | jq -r '.sessions[0].id' 2>/dev/null || echo "")
mid=$(chunks_ok)
fio --format json upload file --force --workspace "$WS" "$W/src/int.bin"
expect_rc 0 "the upload interrupted by SIGINT is run again"
node=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
second=$(($(chunks_ok) - mid))
if [ -n "$sid" ] && grep -q "/upload/$sid/complete" "$LOG"; then ok "the rerun completed the interrupted session"; else bad "session '$sid' not completed"; fi
if [ "$second" -lt 5 ]; then ok "the rerun sent $second of 5 chunks"; else bad "the rerun sent $second chunks"; fi
fio --format json download file --workspace "$WS" "$node" -o "$W/dst/"
if [ "$RC" = 0 ] && cmp -s "$W/src/int.bin" "$W/dst/int.bin"; then ok "int.bin downloads byte for byte"; else bad "int.bin differs"; fi
v=$(versions_of int.bin)
if [ "$v" = 1 ]; then ok "int.bin has exactly one version"; else bad "int.bin has $v versions"; fi

# 80 MiB + 5 bytes: eleven chunks, the last one short
head -c $((80 * 1048576 + 5)) /dev/urandom >"$W/src/term.bin"
interrupt_upload TERM "$W/src/term.bin" 2
expect_rc 143 "SIGTERM during an upload exits 143"

# ---- (c) the resumed run's rate counts only the bytes it sent --------------------------------
# the rerun goes on under the stall so that it lasts long enough (>= 1 s) for the one-decimal
# seconds of the summary line; it prints "uploaded 1 file, SIZE in S s (SENT sent, R MB/s)"
# a chunk request of the stopped client that was inside the stall may still be answered: wait
# until the answered-chunk count has not moved for 2 s (bounded: 20 s) so the rerun's count
# holds only its own
last=-1; still=0
for _ in $(seq 1 100); do
    now=$(chunks_ok)
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; last=$now; fi
    [ "$still" -ge 10 ] && break
    sleep 0.2
done
stall 300
mid=$(chunks_ok)
fio --format table upload file --force --workspace "$WS" "$W/src/term.bin"
stall 0
expect_rc 0 "the upload stopped by SIGTERM is run again"
second=$(($(chunks_ok) - mid))
line=$(printf '%s\n' "$ERR" | grep '^uploaded 1 file' || true)
secs=$(printf '%s' "$line" | grep -o 'in [0-9.]* s' | grep -o '[0-9.]*' || true)
rate=$(printf '%s' "$line" | grep -o '[0-9.]* MB/s' | grep -o '[0-9.]*' || true)
# bytes the rate claims against what was sent: at most $second chunks of 8 MiB (+ 10 % for
# rounding); the server held at least 2 of the 11 chunks, so that is under the 80 MiB file
# that the rate counted before (issue 15 item 6c)
claimed=$(awk -v r="${rate:-0}" -v s="${secs:-0}" 'BEGIN { printf "%d", r * s * 1e6 }')
limit=$((second * 8 * 1048576 * 11 / 10))
if [ -n "$rate" ] && [ "$second" -ge 1 ] && [ "$second" -le 9 ] && [ "$claimed" -le "$limit" ]; then
    ok "the resumed run's rate counts only its $second chunks ($line)"
else
    bad "summary '$line': rate x time = $claimed bytes, sent $second chunks (limit $limit)"
fi

finish
