# SPDX-License-Identifier: MIT
# ops_lib.sh - helpers of the operations tests (ops_*.sh), on top of lib.sh: start fastio-server
# with exactly the given arguments (config-file tests, TLS), pick a free port, read a header.

RC=""

# free_port: a port on 127.0.0.1 where nothing answers now (tries at most 50)
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# start_raw ARGS...: fastio-server with exactly ARGS (stdout in $T_DATA.out, stderr in
# $T_DATA.errlog); waits (bounded) for the listening line; sets SERVER_PID, PORT, SCHEME.
# Returns 1 when the server exited or did not listen within 10 s.
start_raw() {
    local out="$T_DATA.out"
    : >"$out"
    "$FASTIO_SERVER_BIN" "$@" >"$out" 2>"$T_DATA.errlog" &
    SERVER_PID=$!
    PORT=""
    for _ in $(seq 1 200); do
        if grep -q "listening on" "$out" 2>/dev/null; then
            PORT=$(sed -n 's/.*listening on https\{0,1\}:\/\/[^ ]*:\([0-9]*\)\/current.*/\1/p' "$out" | head -n1)
            SCHEME=$(sed -n 's/.*listening on \(https\{0,1\}\):.*/\1/p' "$out" | head -n1)
            break
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$PORT" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        return 1
    fi
    return 0
}

# header NAME FILE: the value of header NAME in a curl -D dump (last response)
header() { tr -d '\r' <"$2" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' 'tolower($1)==n {v=$2} END {print v}'; }

# expect_eq GOT WANT DESCRIPTION
expect_eq() { if [ "$1" = "$2" ]; then ok "$3"; else RC=-; OUT="got '$1'"; ERR="want '$2'"; bad "$3"; fi; }
