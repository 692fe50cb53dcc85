# SPDX-License-Identifier: MIT
# lib.sh - shared helpers for the CLI integration tests (cli_*.sh): start a real fastio-server on
# a free 127.0.0.1 port with a temporary data dir, run the fastio binary against it, assert.
# Every wait is bounded; the server is stopped and the data dir removed on exit.
set -euo pipefail

: "${FASTIO_SERVER_BIN:?run through ctest}"
: "${FASTIO_CLI_BIN:?run through ctest}"

T_PASS=0
T_FAIL=0
T_DATA=$(mktemp -d /tmp/fastio-clitest-XXXXXX)
T_HOME=$(mktemp -d /tmp/fastio-clihome-XXXXXX)
export HOME="$T_HOME" XDG_CONFIG_HOME="$T_HOME/.config" XDG_DATA_HOME="$T_HOME/.local/share"
unset FASTIO_TOKEN FASTIO_API_KEY FASTIO_API_BASE FASTIO_PROFILE NO_COLOR COLUMNS
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$T_DATA" "$T_HOME"
}
trap cleanup EXIT

# start_server [extra args...]: sets PORT, BASE, KEY
start_server() {
    local out="$T_DATA.stdout"
    "$FASTIO_SERVER_BIN" --data "$T_DATA" --listen 127.0.0.1:0 --kdf-iterations 1000 \
        --access-log "$T_DATA/server.log" "$@" >"$out" &
    SERVER_PID=$!
    PORT=""
    for _ in $(seq 1 200); do
        if grep -q "listening on" "$out" 2>/dev/null; then
            PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/current.*/\1/p' "$out" | head -n1)
            break
        fi
        sleep 0.05
    done
    rm -f "$out"
    [ -n "$PORT" ] || { echo "server did not start"; exit 1; }
    BASE="http://127.0.0.1:$PORT/current"
    KEY=$(tr -d '\r\n' <"$T_DATA/owner.key")
}

stop_server() {
    kill "$SERVER_PID"
    wait "$SERVER_PID"
    SERVER_PID=""
}

# fio ARGS...: the CLI against the test server with the owner key; output in $OUT, $ERR, $RC
fio() {
    set +e
    OUT=$("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" "$@" 2>"$T_DATA.err" </dev/null)
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
}

# fio_as TOKEN ARGS...
fio_as() {
    local tok=$1; shift
    set +e
    OUT=$("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$tok" "$@" 2>"$T_DATA.err" </dev/null)
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
}

ok() { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
bad() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $1"; echo "  rc=$RC"; echo "  out: ${OUT:0:600}"; echo "  err: ${ERR:0:600}"; }

# expect_rc N DESCRIPTION
expect_rc() { if [ "$RC" = "$1" ]; then ok "$2"; else bad "$2 (want exit $1)"; fi; }
# expect_jq FILTER EXPECTED DESCRIPTION  (filter applied to $OUT)
expect_jq() {
    local got
    got=$(printf '%s' "$OUT" | jq -r "$1" 2>/dev/null || echo "<jq failed>")
    if [ "$got" = "$2" ]; then ok "$3"; else bad "$3 (jq '$1' = '$got', want '$2')"; fi
}
# expect_err_contains TEXT DESCRIPTION
expect_err_contains() { if [[ "$ERR" == *"$1"* ]]; then ok "$2"; else bad "$2 (stderr lacks '$1')"; fi; }
expect_out_contains() { if [[ "$OUT" == *"$1"* ]]; then ok "$2"; else bad "$2 (stdout lacks '$1')"; fi; }

# new_user: sign up + sign in a fresh account with curl; prints the token
new_user() {
    local email="u$RANDOM$RANDOM@example.test" pw="pw-$RANDOM-$RANDOM-x"
    curl -fsS -X POST "$BASE/user/" --data-urlencode "email_address=$email" \
        --data-urlencode "password=$pw" >/dev/null
    curl -fsS -u "$email:$pw" "$BASE/user/auth/" | jq -r .auth_token
}

finish() {
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" -eq 0 ]
}

# verify_email TOKEN EMAIL: enter the newest verification code the server mailed to EMAIL
# (DATA/outbox or outbox/sent; D-081) with `fastio api user-email-validate`; exit status 0 when
# the server took it
verify_email() {
    local f code
    f=$(grep -l -s "^To: $2" "$T_DATA"/outbox/*.eml "$T_DATA"/outbox/sent/*.eml 2>/dev/null |
        xargs -r grep -l -s "email_token=" | xargs -r ls -t 2>/dev/null | head -n1)
    [ -n "$f" ] || return 1
    code=$(grep -o 'email_token=[0-9]\{6\}' "$f" | head -n1 | cut -d= -f2)
    [ -n "$code" ] || return 1
    "$FASTIO_CLI_BIN" --api-base "$BASE" --token "$1" api user-email-validate --email "$2" \
        --email-token "$code" >/dev/null </dev/null
}

# resume_setup ORG_TITLE DOMAIN WS_TITLE WHAT: the set-up of the kill-and-resume tests
# (cli_resume*.sh) after start_server: the CLI's upload journal under $T_HOME, a work directory
# $W (src/, dst/) removed at exit with any CLI still in $CLI_PID, and an org DOMAIN with a
# workspace whose id goes to $WS (ok WHAT when it is there).
resume_setup() {
    export XDG_STATE_HOME="$T_HOME/.local/state"
    W="$T_DATA.work"
    mkdir -p "$W/src" "$W/dst"
    CLI_PID=""
    trap '[ -n "$CLI_PID" ] && kill -9 "$CLI_PID" 2>/dev/null; rm -rf "$W"; cleanup' EXIT
    fio --format json org create "$1" --domain "$2"
    fio --format json workspace create "$3" --org "$2"
    WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
    [ -n "$WS" ] && [ "$WS" != null ] && ok "$4" || bad "workspace create"
}

# chunks_ok: the chunk POSTs the server answered 200 so far (its access log, $T_DATA/server.log)
chunks_ok() {
    jq -c 'select(.method == "POST" and (.path | test("/upload/[^/]+/chunk/?$")) and .status == 200)' \
        "$T_DATA/server.log" 2>/dev/null | wc -l
}
