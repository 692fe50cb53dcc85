#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_profiles.sh - the official CLI's spellings and safe defaults around profiles (D-088,
# D-089): a bare `configure init`, FASTIO_PROFILE, `configure set-key` (key from stdin, never
# argv), a new profile that does not become the default silently, connection errors that name
# the profile and URL (and how to start fastio-server for a local URL), the local owner key
# offered only to the server it belongs to (owner.url), and Ctrl-C exiting 130 for every kind
# of command. The "black hole" below is a protocol fixture: a TCP listener that accepts and
# never answers, so a request is in flight when SIGINT arrives.
source "$(dirname "$0")/lib.sh"
EXTRA_PIDS=""
# the extra servers and the black hole are stopped whatever happens
trap 'for p in $EXTRA_PIDS; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
start_server

# run the CLI without --token/--api-base unless given: output in OUT, ERR, RC
raw() {
    set +e
    OUT=$("$FASTIO_CLI_BIN" "$@" 2>"$T_DATA.err" </dev/null)
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
}

# --- configure init: bare, not silently the default
raw --format json configure init
expect_rc 0 "a bare configure init"
expect_jq '.profile' default "a bare init creates the profile in use ('default')"
raw --format json configure init --name work --api-base "$BASE"
expect_rc 0 "configure init --name work"
expect_jq '.default' false "a new profile is not made the default"
expect_err_contains "not the default" "a note says it is not the default"
expect_err_contains "--profile work" "the note says how to use it"
raw --format json configure list
expect_jq '.default_profile' default "the default is still 'default'"

# --- FASTIO_PROFILE selects the profile (after --profile)
export FASTIO_PROFILE=work
raw --format json configure show
expect_jq '.name' work "FASTIO_PROFILE picks the profile"
raw --profile default --format json configure show
expect_jq '.name' default "--profile wins over FASTIO_PROFILE"

# --- set-key: stores an API key in the profile, read from stdin
set +e
OUT=$(printf '%s\n' "$KEY" | "$FASTIO_CLI_BIN" --format json configure set-key 2>"$T_DATA.err"); RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 0 "configure set-key (FASTIO_PROFILE=work, key on stdin)"
expect_jq '.profile' work "the key went to the profile in use"
CRED="$XDG_CONFIG_HOME/fastio-c/credentials.json"
[ "$(jq -r .profiles.work.api_key "$CRED")" = "$KEY" ] && ok "credentials.json holds the key" || bad "the key is not stored"
[ "$(stat -c %a "$CRED")" = 600 ] && ok "credentials.json is 0600" || bad "credentials.json mode $(stat -c %a "$CRED")"
if printf '%s%s' "$OUT" "$ERR" | grep -q -- "$KEY"; then bad "set-key echoed the key"; else ok "set-key never prints the key"; fi
raw --format json auth status
expect_rc 0 "the stored key authenticates (no --token)"
expect_out_contains "owner@localhost" "auth status with the profile's key"
raw -vv --format json auth status
expect_err_contains "profile 'work'" "-vv says the token came from the profile"
set +e
OUT=$(printf '\n' | "$FASTIO_CLI_BIN" configure set-key 2>"$T_DATA.err"); RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 1 "set-key without a key fails"
expect_err_contains "no key on standard input" "and says why"
unset FASTIO_PROFILE

# --- connection errors name the profile and URL; a local one says how to start the server
FREE=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
raw --api-base "http://127.0.0.1:$FREE/current" --token x system ping
expect_rc 1 "nothing listening: exit 1"
expect_err_contains "profile 'default' uses http://127.0.0.1:$FREE/current (from --api-base)" "the error names the profile, the URL and its source"
expect_err_contains "fastio-server" "the error says how to start the local server"
raw --api-base "http://127.0.0.1:$FREE/current" --token x upload text --workspace w --name a.txt "x"
expect_rc 1 "an upload with nothing listening: exit 1"
expect_err_contains "profile 'default' uses http://127.0.0.1:$FREE/current" "transfers name the profile and URL too"
raw --api-base "http://nohost.invalid/current" --token x system ping
expect_rc 1 "an unknown host: exit 1"
expect_err_contains "check the address" "a remote URL gets no local-server advice"
if [[ "$ERR" == *"start the local server"* ]]; then bad "local advice for a remote URL"; else ok "no local advice for a remote URL"; fi

# --- the owner key belongs to the URL it came from (owner.url)
stop_server
OWNDIR="$XDG_DATA_HOME/fastio-server"
OTHER="$T_DATA/other"; mkdir -p "$OTHER"
serve() { # serve DIR -> PID in SPID, port in SPORT
    local out="$T_DATA/serve.out"
    "$FASTIO_SERVER_BIN" --data "$1" --listen 127.0.0.1:0 --kdf-iterations 1000 >"$out" &
    SPID=$!
    SPORT=""
    for _ in $(seq 1 200); do
        SPORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/current.*/\1/p' "$out" | head -n1)
        [ -n "$SPORT" ] && [ -f "$1/owner.url" ] && break
        sleep 0.05
    done
    [ -n "$SPORT" ] || { echo "server did not start"; exit 1; }
}
serve "$OWNDIR"; APID=$SPID; APORT=$SPORT; EXTRA_PIDS="$EXTRA_PIDS $APID"
serve "$OTHER"; BPID=$SPID; BPORT=$SPORT; EXTRA_PIDS="$EXTRA_PIDS $BPID"
[ "$(cat "$OWNDIR/owner.url")" = "http://127.0.0.1:$APORT/current" ] && ok "the server writes owner.url" || bad "owner.url: $(cat "$OWNDIR/owner.url" 2>&1)"
[ "$(stat -c %a "$OWNDIR/owner.url")" = 600 ] && ok "owner.url is 0600" || bad "owner.url mode"
raw --profile none --api-base "http://127.0.0.1:$APORT/current" --format json auth status
expect_rc 0 "the local key is used for the server it belongs to"
raw --profile none -vv --api-base "http://localhost:$APORT/current" --format json auth status
expect_rc 0 "also as localhost"
raw --profile none -vv --api-base "http://127.0.0.1:$BPORT/current" --format json auth status
expect_rc 1 "another local server does not get the key"
expect_err_contains "not signed in" "it says how to sign in"
rm -f "$OWNDIR/owner.url"
raw --profile none --api-base "http://127.0.0.1:$APORT/current" --format json auth status
expect_rc 1 "without owner.url the key goes to port 8787 only"
kill "$BPID"; wait "$BPID" 2>/dev/null || true

# --- Ctrl-C: 130 for every kind of command (job control on, so background jobs get SIGINT)
python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64); s.settimeout(0.2)
print(s.getsockname()[1], flush=True)
held = []; end = time.time() + 60
while time.time() < end:
    try: held.append(s.accept()[0])
    except socket.timeout: pass
' >"$T_DATA/hole.port" &
HOLE=$!
EXTRA_PIDS="$EXTRA_PIDS $HOLE"
for _ in $(seq 1 100); do [ -s "$T_DATA/hole.port" ] && break; sleep 0.05; done
HP=$(cat "$T_DATA/hole.port")
printf 'x' >"$T_DATA/x.txt"
set -m
for cmd in "system ping" "workspace list" "files list --workspace w /a/b" "event poll 123 --wait 60" \
           "upload file --workspace w $T_DATA/x.txt" "download file --workspace w 2aaaaaaaaaaaaaaaaaaaaaaaaaaaa"; do
    # shellcheck disable=SC2086
    "$FASTIO_CLI_BIN" --api-base "http://127.0.0.1:$HP/current" --token x $cmd >/dev/null 2>&1 &
    P=$!
    sleep 0.4
    kill -INT "$P" 2>/dev/null || true
    set +e; wait "$P"; RC=$?; set -e
    OUT=""; ERR=""
    expect_rc 130 "Ctrl-C during '$cmd' exits 130"
done
set +m
kill "$HOLE" 2>/dev/null || true
kill "$APID"; wait "$APID" 2>/dev/null || true
finish
