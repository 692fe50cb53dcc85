#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_resume.sh - `fastio upload file` killed with SIGKILL in the middle of a chunked upload and
# started again continues the same session: one unfinished session after the kill, the second
# run (same server process) sends only the chunks the server does not have (counted in the
# server's access log), completes that same session and the file
# downloads byte for byte. The kill is made to land mid-upload by a server-side stall on every
# request (--enable-test-faults, stall_ms), not by timing the client.
# Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server --min-chunk-size 65536 --enable-test-faults
resume_setup "Resume Org" resume-org "Resume WS" "workspace for the resume test"

LOG="$T_DATA/server.log"

# 32 MiB + 5 bytes: five chunks with the client's 8 MiB chunk size, the last one short
SIZE=$((32 * 1048576 + 5))
SRC="$W/src/resume.bin"
head -c "$SIZE" /dev/urandom >"$SRC"

# every request waits 400 ms in the server before it is handled
curl -fsS -X POST "$BASE/test/faults/" -d stall_ms=400 >/dev/null && ok "stall configured" || bad "faults"

before=$(chunks_ok)
"$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" -q upload file --workspace "$WS" "$SRC" \
    >"$W/run1.out" 2>"$W/run1.err" </dev/null &
CLI_PID=$!
# kill as soon as at least one chunk is stored (bounded wait: 30 s)
for _ in $(seq 1 600); do
    [ $(($(chunks_ok) - before)) -ge 1 ] && break
    kill -0 "$CLI_PID" 2>/dev/null || break
    sleep 0.05
done
first=$(($(chunks_ok) - before))
if kill -0 "$CLI_PID" 2>/dev/null; then
    kill -9 "$CLI_PID"
    wait "$CLI_PID" 2>/dev/null || true
    CLI_PID=""
    ok "upload killed with SIGKILL mid-way"
else
    CLI_PID=""
    bad "the upload ended before it could be killed"
fi
if [ "$first" -ge 1 ] && [ "$first" -lt 5 ]; then ok "some chunks stored before the kill ($first of 5)"; else bad "chunks before the kill: $first"; fi

# The same server process goes on (no restart): a request that was inside the injected stall
# when its client died may still hold its chunk's in-flight slot (its connection lingers until
# libmicrohttpd's timeout); the rerun's request for that chunk takes the slot over instead of
# getting 409, and the stale request can write nothing more (docs/decisions.md).
# the server's own counter: its stall was really applied (not a run with the switch off)
INJ=$(curl -fsS "$BASE/test/faults/" | jq -r '.faults.injected')
if [ "$INJ" -ge 1 ] 2>/dev/null; then ok "the server stalled $INJ requests"; else bad "faults injected: $INJ"; fi
curl -fsS -X POST "$BASE/test/faults/" -d stall_ms=0 >/dev/null && ok "stall removed" || bad "faults off"

# the interrupted session is there, alone
fio --format json upload list-sessions
expect_rc 0 "list-sessions after the kill"
nses=$(printf '%s' "$OUT" | jq '.sessions | length' 2>/dev/null || echo 0)
sid=$(printf '%s' "$OUT" | jq -r '.sessions[0].id' 2>/dev/null || echo "")
if [ "$nses" = 1 ]; then ok "one session after the kill"; else bad "sessions after the kill: $nses"; fi
expect_jq '.sessions[0].status != "stored"' true "it is unfinished"

# A chunk request of the killed client that was inside the stall may still finish (its bytes
# were already in the server's socket buffer). Wait until the server's answered-chunk count has
# not moved for 2 s (bounded: 20 s), so that neither `held` nor the rerun's count includes it.
last=-1; still=0
for _ in $(seq 1 100); do
    now=$(chunks_ok)
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; last=$now; fi
    [ "$still" -ge 10 ] && break
    sleep 0.2
done
# what the server holds now; the rerun must send exactly the others
held=$(curl -fsS -H "Authorization: Bearer $KEY" "$BASE/upload/$sid/details/" |
       jq '.session.chunks | length' 2>/dev/null || echo -1)
mid=$(chunks_ok)

fio --format json upload file --workspace "$WS" "$SRC"
expect_rc 0 "upload started again"
node=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
expect_jq '.files[0].status' stored "the resumed file is stored"
second=$(($(chunks_ok) - mid))
if [ "$held" -ge 1 ] && [ "$second" = $((5 - held)) ]; then
    ok "the second run sent only the missing chunks ($second, the server had $held)"
else
    bad "second run sent $second chunks, the server had $held of 5"
fi
# the same session was completed: its id appears in the complete request of the second run
if grep -q "/upload/$sid/complete" "$LOG"; then ok "the same session was completed"; else bad "session $sid not completed"; fi
fio --format json upload list-sessions
expect_jq '.sessions | length' 0 "no unfinished session left (list-sessions shows active ones)"
fio --format json upload status "$sid"
expect_jq '.session.status' stored "the one session is stored"

fio --format json download file --workspace "$WS" "$node" -o "$W/dst/"
if [ "$RC" = 0 ] && cmp -s "$SRC" "$W/dst/resume.bin"; then ok "download matches the source"; else bad "download differs"; fi

finish
