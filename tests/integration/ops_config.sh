#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fastio-server --config FILE (D-115): a file sets the port, the data directory and limits and the
# server honours them; the command line overrides the file; an unknown key or a bad value stops
# the server with FILE:LINE and exit status 2; --print-config lists every option of --help and is
# itself a valid config file.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

CFG="$T_DATA/server.conf"
PORT_WANT=$(free_port)
mkdir -p "$T_DATA/x"
cat >"$CFG" <<CONF
# a test configuration
data = $T_DATA/x/cfgdata
listen = 127.0.0.1:$PORT_WANT
kdf-iterations = 1000     # fast sign-ups
rate-limit = 50
max-sessions = 7
min-chunk-size = 2048
max-chunk-size = 3M
access-log = "$T_DATA/x/cfg.log"
sync = none
sendfile = true
CONF

start_raw --config "$CFG" || { echo "server did not start: $(cat "$T_DATA.errlog" "$T_DATA/x/cfg.log" 2>/dev/null)"; exit 1; }
expect_eq "$PORT" "$PORT_WANT" "the server listens on the port of the config file"
BASE="http://127.0.0.1:$PORT/current"
if [ -s "$T_DATA/x/cfgdata/owner.key" ]; then ok "data directory from the config file"; else bad "no owner.key in the configured data dir"; fi
KEY=$(tr -d '\r\n' <"$T_DATA/x/cfgdata/owner.key")
curl -sS -D "$T_DATA.h" -o /dev/null "$BASE/ping/"
expect_eq "$(header x-ve-limit-max "$T_DATA.h")" "50" "rate-limit from the config file"
OUT=$(curl -sS -H "Authorization: Bearer $KEY" "$BASE/upload/limits/")
expect_jq .sessions 7 "max-sessions from the config file"
expect_jq .chunk_size_min 2048 "min-chunk-size from the config file"
expect_jq .chunk_size 3145728 "max-chunk-size (3M) from the config file"
expect_jq .sync none "sync from the config file"
if grep -q '"path":"/ping/"' "$T_DATA/x/cfg.log"; then ok "access-log (quoted value) from the config file"; else bad "no access log line in the configured file"; fi
stop_server

# The command line overrides the file.
start_raw --config "$CFG" --rate-limit 9 --listen 127.0.0.1:0 || { echo "restart failed: $(cat "$T_DATA.errlog")"; exit 1; }
BASE="http://127.0.0.1:$PORT/current"
curl -sS -D "$T_DATA.h" -o /dev/null "$BASE/ping/"
expect_eq "$(header x-ve-limit-max "$T_DATA.h")" "9" "--rate-limit on the command line wins over the file"
if [ "$PORT" != "$PORT_WANT" ]; then ok "--listen on the command line wins over the file"; else bad "listen not overridden"; fi
stop_server

# bad_config DESCRIPTION EXPECTED-STDERR-TEXT CONTENT (a printf format): the server refuses to
# start (not a pipeline: the counters of lib.sh live in this shell)
bad_config() {
    local desc=$1 want=$2 f="$T_DATA/bad.conf"
    # shellcheck disable=SC2059
    printf "$3" >"$f"
    set +e
    ERR=$(timeout 20 "$FASTIO_SERVER_BIN" --config "$f" --data "$T_DATA/x/baddata" --listen 127.0.0.1:0 2>&1 >/dev/null)
    RC=$?
    set -e
    OUT=""
    if [ "$RC" = 2 ] && [[ "$ERR" == *"$want"* ]]; then ok "$desc"; else bad "$desc (want exit 2 and '$want')"; fi
}
bad_config "unknown key: FILE:LINE and the key" "bad.conf:3: unknown key 'ratelimit'" '# comment\n\nratelimit = 5\n'
bad_config "value out of range: FILE:LINE, key, range and value" "bad.conf:1: threads wants a whole number in 1..64, got '0'" 'threads = 0\n'
bad_config "a flag wants true or false" "bad.conf:2: sendfile wants true or false, got 'maybe'" 'listen = 127.0.0.1:1\nsendfile = maybe\n'
bad_config "a choice lists the words" "bad.conf:1: sync wants complete, chunk or none, got 'fast'" 'sync = fast\n'
bad_config "a line without '='" "bad.conf:1: expected 'key = value'" 'threads 4\n'
bad_config "a key set twice" "bad.conf:2: 'threads' is set twice" 'threads = 2\nthreads = 3\n'
bad_config "config inside a config file" "bad.conf:1: config cannot be used in a config file" 'config = /etc/other.conf\n'
bad_config "a bad size" "bad.conf:1: user-quota wants a size" 'user-quota = 10X\n'
bad_config "min above max chunk size" "--min-chunk-size (4096) is above --max-chunk-size (1024)" 'min-chunk-size = 4096\nmax-chunk-size = 1K\n'
set +e
ERR=$(timeout 20 "$FASTIO_SERVER_BIN" --config "$T_DATA/none.conf" 2>&1 >/dev/null); RC=$?
set -e
if [ "$RC" = 2 ] && [[ "$ERR" == *"cannot read config file $T_DATA/none.conf"* ]]; then ok "a missing config file"; else bad "missing config file"; fi

# One table: every long option of --help is a key of --print-config (but --config itself and the
# print/help/version switches), and --print-config's output is a valid config file.
"$FASTIO_SERVER_BIN" --help | sed -n 's/^    --\([a-z0-9-]*\).*/\1/p' | grep -v -x -e config -e print-config -e help -e version | sort >"$T_DATA.helpkeys"
"$FASTIO_SERVER_BIN" --print-config >"$T_DATA/printed.conf"
sed -n 's/^#\([a-z0-9-]*\) = .*/\1/p' "$T_DATA/printed.conf" | sort >"$T_DATA.cfgkeys"
if [ -s "$T_DATA.helpkeys" ] && diff "$T_DATA.helpkeys" "$T_DATA.cfgkeys" >/dev/null; then ok "every --help option is a config key ($(wc -l <"$T_DATA.helpkeys") keys)"; else bad "help and config keys differ: $(diff "$T_DATA.helpkeys" "$T_DATA.cfgkeys" | head -5)"; fi
start_raw --config "$T_DATA/printed.conf" --data "$T_DATA/x/printed" --listen 127.0.0.1:0 --kdf-iterations 1000 && { ok "the --print-config output is a valid config file"; stop_server; } || bad "--print-config output refused: $(cat "$T_DATA.errlog")"

finish
