#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_locks.sh - the lock commands of the fastio CLI (api §7, §11.2) against a real fastio-server
# with --lock-time-scale 60: acquire / status / heartbeat / release, the "files lock" aliases, the
# official --context-type/--context-id spelling, a held lock naming its holder (exit 1), a wrong
# token, a write refused while locked, and expiry. Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server --lock-time-scale 60

fio --format json org create "Lock Org" --domain lock-org
ORG=$(printf '%s' "$OUT" | jq -r .org.id)
fio --format json workspace create "Lock WS" --org "$ORG" --folder-name lock-ws --intelligence false
expect_rc 0 "workspace create"
# a file: uploads are another issue's work, so a folder row is turned into a file
fio --format json files create-folder --workspace lock-ws notes.txt
NODE=$(printf '%s' "$OUT" | jq -r .node.id)
sqlite3 "$T_DATA/meta.db" "UPDATE nodes SET type = 'file' WHERE id = '$NODE'"
fio --format json files create-folder --workspace lock-ws adir
DIR=$(printf '%s' "$OUT" | jq -r .node.id)

fio lock --help; expect_rc 0 "lock group help"
fio lock acquire --help; expect_out_contains "--client-info" "acquire help documents flags"
fio lock acquire "$NODE"; expect_rc 2 "missing workspace is a usage error"
fio lock acquire --workspace lock-ws "$NODE" --duration 30; expect_rc 2 "duration below 60 is a usage error"
fio lock release --workspace lock-ws "$NODE"; expect_rc 2 "release without --lock-token is a usage error"
fio lock acquire --workspace lock-ws "$NODE" --client-info '[1'; expect_rc 2 "bad client-info JSON is a usage error"
fio lock acquire --workspace lock-ws "$DIR"; expect_rc 1 "a folder cannot be locked"

fio --format json lock acquire --workspace lock-ws "$NODE" --duration 600 --client-info '{"device_name":"cli-test"}'
expect_rc 0 "lock acquire"
TOKEN=$(printf '%s' "$OUT" | jq -r .lock.lock_token)
[[ "$TOKEN" == fio_l_* ]] && ok "acquire prints the lock token" || bad "acquire prints the lock token"
expect_jq '.lock.client_info.device_name' cli-test "acquire shows client_info"

fio --format json lock status --context-type workspace --context-id lock-ws "$NODE"
expect_rc 0 "lock status (--context-type/--context-id)"
expect_jq '.lock.locked' true "status: locked"
expect_jq '.lock.locked_by.email' owner@localhost "status names the holder"
if printf '%s' "$OUT" | grep -q -- "$TOKEN"; then bad "status leaks the token"; else ok "status does not show the token"; fi

fio --format json files lock status --workspace lock-ws "$NODE"
expect_rc 0 "files lock status alias"
expect_jq '.lock.locked' true "alias sees the lock"

USER2=$(new_user)
fio_as "$USER2" lock status --workspace lock-ws "$NODE"; expect_rc 1 "non-member cannot see the lock"
fio lock acquire --workspace lock-ws "$NODE"
expect_rc 1 "acquiring a held lock fails"
expect_err_contains "1660" "conflict carries code 1660"
expect_err_contains "locked by owner@localhost" "conflict names the holder"

fio files rename --workspace lock-ws "$NODE" other.txt
expect_rc 1 "rename without the token is refused"
expect_err_contains "locked" "refusal says the file is locked"

fio lock heartbeat --workspace lock-ws "$NODE" --lock-token fio_l_wrongwrongwrongwrongwrongwrongwrongwrong1
expect_rc 1 "heartbeat with a wrong token fails"
expect_err_contains "does not match" "wrong token is explained"
fio --format json lock heartbeat --workspace lock-ws "$NODE" --lock-token "$TOKEN"
expect_rc 0 "lock heartbeat"
expect_jq '.lock.locked' true "heartbeat keeps it locked"

fio --format json files lock release --workspace lock-ws "$NODE" --lock-token "$TOKEN"
expect_rc 0 "files lock release"
fio --format json lock status --workspace lock-ws "$NODE"
expect_jq '.lock.locked' false "released"
fio lock release --workspace lock-ws "$NODE" --lock-token "$TOKEN"
expect_rc 1 "releasing twice fails"

# expiry: 60 s at scale 60 is about one second
fio --format json files lock acquire --workspace lock-ws "$NODE" --duration 60
expect_rc 0 "files lock acquire alias"
sleep 1.3
fio --format json lock status --workspace lock-ws "$NODE"
expect_jq '.lock.locked' false "an expired lock frees itself"
fio --format json lock acquire --workspace lock-ws "$NODE" --duration 60
expect_rc 0 "the expired lock can be taken again"

# ---- lock run: download, run a command on the file, upload a new version, release ------------
# a real file (single-request upload)
api() { curl -sS -H "Authorization: Bearer $KEY" "$@"; }
LOG=$(printf 'start\n' | api -F name=log.txt -F action=create -F instance_id=lock-ws \
    -F folder_id=root -F profile_type=workspace -F 'chunk=@-;filename=log.txt' "$BASE/upload/" \
    | jq -r .new_file_id)
[[ "$LOG" != null && -n "$LOG" ]] && ok "uploaded log.txt" || bad "uploaded log.txt"
content() { api "$BASE/workspace/lock-ws/storage/$LOG/read/"; }
versions() { api "$BASE/workspace/lock-ws/storage/$LOG/versions/" | jq '.versions | length'; }

fio lock run --help; expect_out_contains "--wait" "run help documents --wait"
fio lock run --workspace lock-ws "$LOG"; expect_rc 2 "run without a command is a usage error"
fio lock run --workspace lock-ws "$LOG" -- sh -c 'echo one >> "$1"' sh
expect_rc 0 "lock run appends a line"
[ "$(content)" = "$(printf 'start\none')" ] && ok "the new version holds the line" || bad "the new version holds the line: $(content)"
[ "$(versions)" = 2 ] && ok "lock run stored one new version" || bad "lock run stored one new version: $(versions)"
fio --format json lock status --workspace lock-ws "$LOG"
expect_jq '.lock.locked' false "lock run released the lock"

fio lock run --workspace lock-ws "$LOG" -- sh -c 'echo bad >> "$1"; exit 3' sh
expect_rc 3 "lock run exits with the command's status"
[ "$(versions)" = 2 ] && ok "a failing command stores nothing" || bad "a failing command stores nothing"
fio --format json lock status --workspace lock-ws "$LOG"
expect_jq '.lock.locked' false "released after a failing command"
fio lock run --workspace lock-ws "$LOG" -- /nonexistent/cmd
expect_rc 127 "a command that cannot run: 127"

fio --format json lock acquire --workspace lock-ws "$LOG" --duration 600
HELD=$(printf '%s' "$OUT" | jq -r .lock.lock_token)
fio lock run --workspace lock-ws "$LOG" --wait 0 -- true
expect_rc 1 "lock run on a held lock with --wait 0 fails"
expect_err_contains "locked by owner@localhost" "and names the holder"
fio lock release --workspace lock-ws "$LOG" --lock-token "$HELD"

# concurrent runs serialise: each appends its line once, none is lost
for i in 1 2 3 4 5; do
    "$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" -q lock run --workspace lock-ws "$LOG" \
        --wait 120 -- sh -c "sleep 0.1; echo run$i >> \"\$1\"" sh </dev/null &
    PIDS[$i]=$!
done
ALL=0
for i in 1 2 3 4 5; do wait "${PIDS[$i]}" || ALL=1; done
[ "$ALL" = 0 ] && ok "5 concurrent lock runs succeed" || bad "5 concurrent lock runs succeed"
LINES=$(content | grep -c '^run[1-5]$' || true)
[ "$LINES" = 5 ] && ok "every concurrent run's line is there once" || bad "concurrent lines: $(content)"
[ "$(versions)" = 7 ] && ok "5 more versions" || bad "5 more versions: $(versions)"

# SIGTERM while the command runs: passed on, nothing stored, the lock released
"$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" -q lock run --workspace lock-ws "$LOG" \
    -- sh -c 'echo x >> "$1"; sleep 30' sh </dev/null &
RUNPID=$!
for _ in $(seq 1 100); do
    fio --format json lock status --workspace lock-ws "$LOG"
    [ "$(printf '%s' "$OUT" | jq -r .lock.locked)" = true ] && break
    sleep 0.05
done
sleep 0.3
kill -TERM "$RUNPID"
set +e; wait "$RUNPID"; RC=$?; set -e
expect_rc 143 "SIGTERM: exit 128+15"
fio --format json lock status --workspace lock-ws "$LOG"
expect_jq '.lock.locked' false "SIGTERM: the lock is released"
[ "$(versions)" = 7 ] && ok "SIGTERM: nothing stored" || bad "SIGTERM: nothing stored"

finish
