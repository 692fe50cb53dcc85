#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_logs.sh - the CLI's request log file (--log-file PATH, issue 4) against a real fastio-server:
# one valid JSON line per attempt with method/path/status/attempt/request_id, retries logged as
# attempts 1 and 2, no secret in the file (session token, API key, password, owner key), created
# 0600, an existing file's mode kept with a warning, a symlink at the path refused, independent of
# -v (both given: the same lines on stderr and in the file); transfers log too: one line per chunk,
# session and range request of 'upload file' / 'download file' (redacted, with -v and
# --log-file); an unknown host says "Could not resolve host" for uploads, downloads and ordinary
# commands alike. Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server --enable-test-faults

LOG="$T_DATA.requests.log"
EMAIL="logs-user@example.test"
PW="logs-pass-$RANDOM-$RANDOM-x"
curl -fsS -X POST "$BASE/user/" --data-urlencode "email_address=$EMAIL" \
    --data-urlencode "password=$PW" -d tos_agree=true >/dev/null

# cli [STDIN-TEXT] ARGS...: the CLI with --api-base and the profile's credentials; stdin from $IN
IN=""
cli() {
    set +e
    OUT=$(printf '%s' "$IN" | "$FASTIO_CLI_BIN" --api-base "$BASE" "$@" 2>"$T_DATA.err")
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
    IN=""
}

# --- Basic sign-in with the password on stdin, logged to a new file
rm -f "$LOG"
IN="$PW"$'\n'
cli --format json --log-file "$LOG" auth login --email "$EMAIL"
expect_rc 0 "auth login --email with --log-file succeeds"
[ -f "$LOG" ] && ok "log file created" || bad "log file created"
[ "$(stat -c %a "$LOG")" = 600 ] && ok "new log file is 0600" || bad "log file mode $(stat -c %a "$LOG")"
[ -z "$ERR" ] && ok "no -v: nothing on stderr" || bad "no -v: nothing on stderr"
TOKEN=$(jq -r .profiles.default.token "$XDG_CONFIG_HOME/fastio-c/credentials.json")
[ -n "$TOKEN" ] && [ "$TOKEN" != null ] && ok "session token stored" || bad "session token stored"

# --- more commands append: an API key is created (secret in the response), then used
cli --format json --log-file "$LOG" auth api-key create --name log-test
expect_rc 0 "api-key create with --log-file"
APIKEY=$(printf '%s' "$OUT" | jq -r '.api_key // empty')
[ -n "$APIKEY" ] && ok "api key returned" || bad "api key returned"
set +e
OUT=$("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$APIKEY" --format json auth status \
    --log-file "$LOG" 2>"$T_DATA.err" </dev/null)
RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 0 "--log-file accepted after the command, with an API key"

# --- retries: 503 on the next two requests; the CLI retries and logs each attempt
curl -fsS -X POST "$BASE/test/faults/" -d rate_503=100 -d max_faults=2 -d retry_after=1 >/dev/null
fio --format json --log-file "$LOG" -v workspace list
expect_rc 0 "workspace list succeeds after two 503s"
# the server's own counter: the switch was on and fired twice (not a run with faults off)
INJ=$(curl -fsS "$BASE/test/faults/" | jq -r '.faults.injected')
[ "$INJ" = 2 ] && ok "the server injected the two 503s" || bad "faults injected: $INJ"
curl -fsS -X POST "$BASE/test/faults/" -d rate_503=0 >/dev/null
LINES=$(wc -l <"$LOG")
[ "$LINES" -ge 6 ] && ok "one line per attempt appended ($LINES lines)" || bad "line count $LINES"
if jq -e . "$LOG" >/dev/null 2>&1 && [ "$(jq -c . "$LOG" | wc -l)" = "$LINES" ]; then
    ok "every line is one valid JSON object"
else
    bad "every line is one valid JSON object"
fi
MISSING=$(jq -c 'select((.method|type)!="string" or (.path|type)!="string" or
    (.status|type)!="number" or (.attempt|type)!="number" or
    ((.request_id|type)!="string" or (.request_id|length)!=32))' "$LOG" | wc -l)
[ "$MISSING" = 0 ] && ok "lines carry method, path, status, attempt, request_id" || bad "$MISSING lines lack fields"
jq -se 'any(.[]; .endpoint=="USER_SIGNIN" and .method=="GET" and .path=="/user/auth/" and .status==200)' "$LOG" \
    >/dev/null && ok "the sign-in attempt is logged" || bad "the sign-in attempt is logged"
N503=$(jq -c 'select(.status==503)' "$LOG" | wc -l)
RID=$(jq -r 'select(.status==503 and .attempt==1) | .request_id' "$LOG" | head -n1)
LAST=$(jq -r --arg r "$RID" 'select(.request_id==$r) | "\(.attempt) \(.status)"' "$LOG" | tail -n1)
[ "$N503" = 2 ] && [ "$LAST" = "3 200" ] && ok "retries logged: attempts 1, 2 (503) and 3 (200) share one request_id" \
    || bad "retries logged (503 lines $N503, last attempt of $RID: '$LAST')"
[ "$(grep -c '"request_id"' <<<"$ERR")" = 3 ] \
    && ok "-v with --log-file: the same attempts on stderr too" || bad "-v with --log-file: lines on stderr"
grep -qF "$RID" <<<"$ERR" && ok "stderr and file share the request id" || bad "stderr and file share the request id"

for s in "$TOKEN" "$APIKEY" "$PW" "$KEY"; do
    if grep -qF -- "$s" "$LOG"; then bad "log file holds a secret (${s:0:6}...)"; else ok "log file holds no secret (${s:0:6}...)"; fi
done

# --- transfers log every request: session create, each chunk, complete, details; ranges
XLOG="$T_DATA.transfer.log"
rm -f "$XLOG"
XW="$T_DATA.xfer"
mkdir -p "$XW/dst"
fio --format json org create "Log Org" --domain log-org
fio --format json workspace create "Log WS" --org log-org
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
head -c $((20 * 1024 * 1024 + 5)) /dev/urandom >"$XW/big.bin"   # 8 MiB chunks: 3 of them
fio --format json --log-file "$XLOG" -v upload file --workspace "$WS" "$XW/big.bin"
expect_rc 0 "upload file with -v and --log-file"
NODE=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
NCHUNK=$(jq -c 'select(.endpoint=="UPLOAD_CHUNK")' "$XLOG" | wc -l)
[ "$NCHUNK" = 3 ] && ok "one log line per chunk request (3)" || bad "chunk lines: $NCHUNK (want 3)"
jq -se 'any(.[]; .endpoint=="UPLOAD_CREATE" and .method=="POST" and .status==200)' "$XLOG" >/dev/null \
    && ok "the session create is logged" || bad "the session create is logged"
jq -se 'any(.[]; .endpoint=="UPLOAD_COMPLETE")' "$XLOG" >/dev/null \
    && ok "the session complete is logged" || bad "the session complete is logged"
jq -se '[.[] | select(.endpoint=="UPLOAD_CHUNK")] | all(.status==200 and .outcome=="FASTIO_OK"
        and (.path|test("^/upload/[^/]+/chunk/$")) and (.request_id|length)==32)' "$XLOG" >/dev/null \
    && ok "chunk lines carry path, status, outcome, request_id" || bad "chunk lines carry their fields"
[ "$(grep -c '"endpoint":"UPLOAD_CHUNK"' <<<"$ERR")" = 3 ] \
    && ok "-v: the chunk requests on stderr too" || bad "-v: chunk lines on stderr"
grep -qF -- "$KEY" "$XLOG" && bad "transfer log holds the token" || ok "transfer log holds no token"
grep -qiF -- "authorization" "$XLOG" && bad "transfer log holds a header" || ok "transfer log holds no header"
BEFORE=$(wc -l <"$XLOG")
fio --format json --log-file "$XLOG" download file --workspace "$WS" "$NODE" -o "$XW/dst/"
expect_rc 0 "download file with --log-file"
cmp -s "$XW/big.bin" "$XW/dst/big.bin" && ok "download round trip" || bad "download round trip"
NREAD=$(tail -n +$((BEFORE + 1)) "$XLOG" | jq -c 'select(.endpoint=="STORAGE_READ")' | wc -l)
[ "$NREAD" -ge 1 ] && ok "download range requests logged ($NREAD)" || bad "download range requests logged"
tail -n +$((BEFORE + 1)) "$XLOG" | jq -se 'any(.[]; .endpoint=="STORAGE_DETAILS")' >/dev/null \
    && ok "download details request logged" || bad "download details request logged"
rm -rf "$XW"

# --- an unknown host: the resolver's error for every command, transfers included
NX="http://nonexistent.invalid/current"
printf 'x' >"$T_DATA.one"
for cmd in "upload file --workspace w $T_DATA.one" "download file --workspace w 1234567890123456789" \
           "workspace list"; do
    set +e
    # shellcheck disable=SC2086
    OUT=$("$FASTIO_CLI_BIN" --api-base "$NX" --token "$KEY" $cmd 2>"$T_DATA.err" </dev/null)
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
    [ "$RC" != 0 ] && ok "unknown host fails: ${cmd%% --*}" || bad "unknown host fails: ${cmd%% --*}"
    expect_err_contains "Could not resolve host" "unknown host: ${cmd%% --*} says Could not resolve host"
    [[ "$ERR" == *"bad argument"* ]] && bad "no 'bad argument' for ${cmd%% --*}" || ok "no 'bad argument' for ${cmd%% --*}"
done

# --- an existing group-readable file: kept as is, with a warning; appended to
chmod 644 "$LOG"
fio --format json --log-file "$LOG" system ping
expect_rc 0 "existing 0644 log file accepted"
expect_err_contains "group or others can access it" "warns about a group-readable log file"
[ "$(stat -c %a "$LOG")" = 644 ] && ok "existing file mode kept" || bad "existing mode changed"
[ "$(wc -l <"$LOG")" -gt "$LINES" ] && ok "appended, not truncated" || bad "appended, not truncated"

# --- a symlink at the path is refused and its target untouched
TARGET="$T_DATA.target"
printf 'keep\n' >"$TARGET"
ln -sf "$TARGET" "$T_DATA.link"
fio --log-file "$T_DATA.link" system ping
expect_rc 1 "symlink at --log-file refused (exit 1)"
expect_err_contains "symbolic link" "the error names the symlink"
[ "$(cat "$TARGET")" = keep ] && ok "symlink target untouched" || bad "symlink target written"
[ -z "$OUT" ] && ok "nothing was run" || bad "nothing was run"

# --- usage and other refusals
fio --log-file
expect_rc 2 "--log-file without a value is a usage error"
fio --log-file "$T_DATA" system ping
expect_rc 1 "a directory is refused"
fio --log-file "$T_DATA/no/such/dir/log" system ping
expect_rc 1 "a path in a missing directory is refused"

finish
