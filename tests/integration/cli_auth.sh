#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_auth.sh - the auth and configure commands of the fastio CLI against a real fastio-server:
# browser (PKCE) sign-in end to end with the CLI's loopback listener, the browser side driven by
# curl (GET the printed address, POST the consent form, follow the redirect to the listener); the
# paste flow; automatic refresh with rotation persisted; logout, signout, signup, scopes, OAuth
# sessions; configure profiles; file modes; no secret in -v logs. Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
# Access tokens live 2 s here, so every later command refreshes (within the 60 s skew).
start_server --oauth-access-ttl 2

CRED="$XDG_CONFIG_HOME/fastio-c/credentials.json"
CONF="$XDG_CONFIG_HOME/fastio-c/config.json"
EMAIL="pkce-user@example.test"
PW="pkce-pass-12345"
curl -fsS -X POST "$BASE/user/" --data-urlencode "email_address=$EMAIL" \
    --data-urlencode "password=$PW" -d tos_agree=true >/dev/null

# cli ARGS...: the CLI with --api-base but no --token (profile credentials); stdin from /dev/null
cli() {
    set +e
    OUT=$("$FASTIO_CLI_BIN" --api-base "$BASE" "$@" 2>"$T_DATA.err" </dev/null)
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
}

# wait_url FILE: the sign-in address the CLI printed on stderr (bounded wait)
wait_url() {
    local u=""
    for _ in $(seq 1 200); do
        u=$(grep -o 'http://[^ ]*auth_request_id=[A-Za-z0-9_-]*' "$1" 2>/dev/null | head -n1 || true)
        [ -n "$u" ] && break
        sleep 0.05
    done
    printf '%s' "$u"
}

# consent URL EMAIL PW: what a browser does; prints the redirect target (the CLI's callback)
consent() {
    local url=$1 rid
    rid=${url##*auth_request_id=}
    curl -fsS "$url" >/dev/null # the login-and-consent page
    curl -sS -o /dev/null -w '%{redirect_url}' -X POST "${url%%\?*}" \
        --data-urlencode "auth_request_id=$rid" -d consent=approve \
        --data-urlencode "email=$2" --data-urlencode "password=$3"
}

# --- browser sign-in with the loopback listener
LOGERR="$T_DATA.login.err"
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" --format json -v auth login --timeout 60 \
    >"$T_DATA.login.out" 2>"$LOGERR" </dev/null &
LPID=$!
set -e
URL=$(wait_url "$LOGERR")
[ -n "$URL" ] && ok "auth login prints the sign-in address" || bad "auth login prints the sign-in address"
CB=$(consent "$URL" "$EMAIL" "$PW")
[[ "$CB" == http://127.0.0.1:*/callback\?code=*state=* ]] && ok "consent redirects to the CLI's listener" \
    || { OUT=$CB; bad "consent redirects to the CLI's listener"; }
PAGE=$(curl -fsS --max-time 10 "$CB" || true)
[[ "$PAGE" == *"close this tab"* ]] && ok "the listener answers a close-this-tab page" || { OUT=$PAGE; bad "listener page"; }
set +e
wait "$LPID"
RC=$?
set -e
OUT=$(cat "$T_DATA.login.out"); ERR=$(cat "$LOGERR")
expect_rc 0 "auth login (PKCE, loopback) succeeds"
expect_jq '.auth_method' pkce "login reports pkce"
expect_jq '.email' "$EMAIL" "login reports the account"
[ "$(jq -r .profiles.default.auth_method "$CRED")" = pkce ] && ok "credentials store auth_method pkce" || bad "stored auth_method"
RT1=$(jq -r .profiles.default.refresh_token "$CRED")
AT1=$(jq -r .profiles.default.token "$CRED")
[[ "$RT1" == fio_r_* && "$AT1" == fio_o_* ]] && ok "access and refresh tokens stored" || bad "tokens stored"
[ "$(stat -c %a "$CRED")" = 600 ] && ok "credentials.json is 0600" || bad "credentials.json mode $(stat -c %a "$CRED")"
[ "$(stat -c %a "$(dirname "$CRED")")" = 700 ] && ok "config dir is 0700" || bad "config dir mode"
for s in "$RT1" "$AT1" "$PW"; do
    if grep -qF -- "$s" "$LOGERR" "$T_DATA.login.out"; then bad "login output leaks a secret"; else ok "login output and -v log hold no secret"; fi
done
if grep -q '"endpoint"' "$LOGERR"; then ok "-v writes log lines"; else bad "-v writes log lines"; fi

# a callback with a wrong state is refused and nothing is stored
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" --profile forged auth login --timeout 30 >/dev/null 2>"$T_DATA.forge.err" </dev/null &
FPID=$!
set -e
FURL=$(wait_url "$T_DATA.forge.err")
PORTCB=$(grep -o 'http://127.0.0.1:[0-9]*/callback' "$T_DATA.forge.err" | head -n1)
curl -sS --max-time 10 "$PORTCB?code=fio_c_fake&state=0000" >/dev/null || true
set +e; wait "$FPID"; RC=$?; set -e
ERR=$(cat "$T_DATA.forge.err")
expect_rc 1 "a redirect with the wrong state fails the login"
expect_err_contains "state" "the error names the state"
[ "$(jq -r '.profiles.forged // "none"' "$CRED")" = none ] && ok "nothing stored for a forged redirect" || bad "forged stored"
[ -n "$FURL" ] || bad "forged run printed no address"

# --- status and refresh (the access token lives 2 s)
sleep 3
cli --format json -v auth status
expect_rc 0 "auth status after expiry (refreshed)"
expect_jq '.auth_method' pkce "auth status shows pkce"
expect_jq '.email' "$EMAIL" "auth status shows the account"
RT2=$(jq -r .profiles.default.refresh_token "$CRED")
AT2=$(jq -r .profiles.default.token "$CRED")
[ "$RT2" != "$RT1" ] && [ "$AT2" != "$AT1" ] && ok "the rotated tokens were persisted" || bad "rotation persisted"
for s in "$RT1" "$RT2" "$AT1" "$AT2"; do
    if grep -qF -- "$s" "$T_DATA.err" <<<"$OUT"; then bad "-v log leaks a token"; else ok "-v log of a refresh holds no token"; fi
done
if grep -q 'oauth/token' "$T_DATA.err"; then ok "the refresh shows in the -v log"; else bad "refresh logged"; fi
[ "$(stat -c %a "$CRED")" = 600 ] && ok "credentials.json stays 0600 after a refresh" || bad "mode after refresh"

# concurrent processes share one refresh: the session survives (reuse would revoke it)
sleep 3
PIDS=()
for i in 1 2 3 4; do
    "$FASTIO_CLI_BIN" --api-base "$BASE" --format json auth status >"$T_DATA.c$i" 2>&1 </dev/null &
    PIDS+=($!)
done
CFAIL=0
for p in "${PIDS[@]}"; do wait "$p" || CFAIL=$((CFAIL + 1)); done
[ "$CFAIL" = 0 ] && ok "4 concurrent commands refresh once and all succeed" || { OUT=$(cat "$T_DATA".c*); bad "concurrent refresh ($CFAIL failed)"; }
cli --format json auth status
expect_rc 0 "the session is still alive after concurrent refreshes"

# the old refresh token is rejected and revokes the session
OLD=$(curl -sS -X POST "$BASE/oauth/token/" -d grant_type=refresh_token \
    --data-urlencode "refresh_token=$RT1" -d client_id=fastio-cli)
[[ "$OLD" == *invalid_grant* ]] && ok "reuse of a rotated refresh token is invalid_grant" || { OUT=$OLD; bad "reuse rejected"; }
sleep 3
cli --format json auth status
expect_rc 1 "after reuse detection the session is revoked"

# --- paste flow (--no-browser)
FIFO="$T_DATA.fifo"
mkfifo "$FIFO"
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" --format json --profile paste auth login --no-browser \
    >"$T_DATA.paste.out" 2>"$T_DATA.paste.err" <"$FIFO" &
PPID2=$!
set -e
exec 7>"$FIFO"
PURL=$(wait_url "$T_DATA.paste.err")
PCB=$(consent "$PURL" "$EMAIL" "$PW")
printf '%s\n' "$PCB" >&7 # paste the whole address the browser ended on
exec 7>&-
set +e; wait "$PPID2"; RC=$?; set -e
OUT=$(cat "$T_DATA.paste.out"); ERR=$(cat "$T_DATA.paste.err")
expect_rc 0 "auth login --no-browser (paste the address)"
expect_jq '.profile' paste "paste login stored in profile paste"
[ "$(jq -r .profiles.paste.auth_method "$CRED")" = pkce ] && ok "paste flow stores pkce" || bad "paste pkce"
cli --profile paste --format json auth status
expect_rc 0 "the pasted sign-in works"

# a bare code can be pasted too
set +e
rm -f "$FIFO"; mkfifo "$FIFO"
"$FASTIO_CLI_BIN" --api-base "$BASE" --format json --profile paste2 auth login --no-browser \
    >"$T_DATA.paste.out" 2>"$T_DATA.paste.err" <"$FIFO" &
PPID2=$!
set -e
exec 7>"$FIFO"
PURL=$(wait_url "$T_DATA.paste.err")
PCB=$(consent "$PURL" "$EMAIL" "$PW")
CODE=${PCB#*code=}; CODE=${CODE%%&*}
printf '%s\n' "$CODE" >&7
exec 7>&-
set +e; wait "$PPID2"; RC=$?; set -e
OUT=$(cat "$T_DATA.paste.out"); ERR=$(cat "$T_DATA.paste.err")
expect_rc 0 "auth login --no-browser (paste the bare code)"

# --- scopes, OAuth sessions (the paste profile is signed in with PKCE)
cli --profile paste --format json auth scopes
expect_rc 0 "auth scopes"
expect_jq '.auth_type' oauth "scopes: auth_type oauth"
expect_jq '.full_access' true "scopes: full access"
cli --profile paste --format json auth oauth list
expect_rc 0 "auth oauth list"
SID=$(printf '%s' "$OUT" | jq -r '[.sessions[] | select(.current)][0].id')
[ -n "$SID" ] && [ "$SID" != null ] && ok "oauth list marks the current session" || bad "current session"
cli --profile paste --format json auth oauth rename "$SID" --device-name "test laptop"
expect_rc 0 "auth oauth rename"
expect_jq '.session.device_name' "test laptop" "rename sets device_name"
cli --profile paste auth oauth rename "$SID"
expect_rc 2 "rename without a field is a usage error"
cli --profile paste --format json auth oauth details "$SID"
expect_rc 0 "auth oauth details"
expect_jq '.session.id' "$SID" "details shows the session"
cli --profile paste2 --format json auth oauth revoke-all --exclude-current
expect_rc 0 "auth oauth revoke-all --exclude-current"
cli --profile paste2 --format json auth status
expect_rc 0 "the current session survives revoke-all --exclude-current"
cli --profile paste --format json auth status
expect_rc 1 "the other session was revoked"
cli --profile paste2 --format json auth oauth list
SID2=$(printf '%s' "$OUT" | jq -r '.sessions[0].id')
cli --profile paste2 --format json auth oauth revoke "$SID2"
expect_rc 0 "auth oauth revoke"
cli --profile paste2 --format json auth status
expect_rc 1 "a revoked session no longer works"

# --- signup (then auto-login), signout, logout
set +e
OUT=$("$FASTIO_CLI_BIN" --api-base "$BASE" --format json --profile newbie auth signup \
    --email newbie@example.test --first-name New --password-stdin <<<"newbie-pass-123" 2>"$T_DATA.err")
RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 0 "auth signup"
expect_jq '.signed_up' true "signup reports signed_up"
expect_jq '.signed_in' true "signup signs in"
[ "$(jq -r .profiles.newbie.auth_method "$CRED")" = basic ] && ok "signup stores a basic token" || bad "signup stored"
cli --profile newbie --format json auth scopes
expect_rc 0 "scopes of a sign-in token"
expect_jq '.auth_type' jwt "scopes: auth_type jwt"
NTOK=$(jq -r .profiles.newbie.token "$CRED")
cli --profile newbie --format json auth signout
expect_rc 0 "auth signout"
[ "$(jq -r '.profiles.newbie // "none"' "$CRED")" = none ] && ok "signout clears the profile" || bad "signout local"
fio_as "$NTOK" auth status
expect_rc 1 "signout revoked the token on the server"
# logout is local only
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" --profile lo auth login --email newbie@example.test --password-stdin <<<"newbie-pass-123" >/dev/null 2>&1
set -e
LTOK=$(jq -r .profiles.lo.token "$CRED")
cli --profile lo auth logout
expect_rc 0 "auth logout"
[ "$(jq -r '.profiles.lo // "none"' "$CRED")" = none ] && ok "logout clears the profile" || bad "logout local"
fio_as "$LTOK" auth status
expect_rc 0 "logout does not revoke the token"

# --- configure
cli --format json configure init --name work --api-base "$BASE" --auth-method pkce
expect_rc 0 "configure init"
cli --format json configure init --name "bad name"
expect_rc 2 "configure init rejects a bad name"
cli --format json configure init --name other --api-base "http://127.0.0.1:1/current" --auth-method basic
expect_rc 0 "configure init (second)"
cli --format json configure list
expect_rc 0 "configure list"
expect_jq '[.profiles[] | select(.name == "work")][0].api_base' "$BASE" "list shows work's api_base"
expect_jq '[.profiles[] | select(.name == "paste2")][0].credentials' "token+refresh_token" "list shows stored credential kinds"
if printf '%s' "$OUT" | grep -q 'fio_[orc]_'; then bad "configure list leaks a token"; else ok "configure list shows no token"; fi
cli --format json configure set-default other
expect_rc 0 "configure set-default"
[ "$(jq -r .default_profile "$CONF")" = other ] && ok "default_profile saved" || bad "default saved"
cli --format json configure set-default nosuch
expect_rc 1 "set-default of an unknown profile fails"
cli --format json configure show work
expect_rc 0 "configure show"
expect_jq '.auth_method' pkce "show: auth_method"
"$FASTIO_CLI_BIN" --format json configure show >"$T_DATA.show" 2>/dev/null </dev/null
[ "$(jq -r .name "$T_DATA.show")" = other ] && ok "show without a name shows the default" || bad "show default"
cli --format json configure delete other
expect_rc 0 "configure delete"
expect_jq '.was_default' true "delete reports it was the default"
[ "$(jq -r '.profiles.other // "none"' "$CONF")" = none ] && ok "deleted from config.json" || bad "delete config"
[ "$(jq -r '.default_profile // "none"' "$CONF")" = none ] && ok "default falls back" || bad "default fallback"
[ "$(stat -c %a "$CONF")" = 600 ] && ok "config.json is 0600" || bad "config.json mode"
cli --format json configure delete other
expect_rc 1 "deleting an unknown profile fails"

# --- help of the new commands
for c in "auth login" "auth signout" "auth signup" "auth scopes" "auth oauth revoke-all" "configure init" "configure delete"; do
    # shellcheck disable=SC2086
    "$FASTIO_CLI_BIN" $c --help >"$T_DATA.help" 2>&1 && grep -q "EXAMPLES\|Examples\|examples" "$T_DATA.help" \
        && ok "help: $c" || { OUT=$(cat "$T_DATA.help"); bad "help: $c"; }
done

finish
