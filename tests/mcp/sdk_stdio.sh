#!/bin/bash
# SPDX-License-Identifier: MIT
# sdk_stdio.sh - the official MCP TypeScript SDK drives `fastio mcp` (stdio) against a real
# fastio-server (tests/mcp/sdk_stdio.mjs). Node 22 and the SDK are installed as tests/mcp/run.sh
# does (tests/mcp/lib.sh: same directory under the build tree, same versions).
# usage: sdk_stdio.sh BUILD_DIR SERVER_BIN CLI_BIN
# Exit 77 (CTest: skipped) only when npm cannot reach its registry to install them.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
. "$src/lib.sh"
server=$2
cli=$3

mcp_node "$1" "the MCP SDK" @modelcontextprotocol/sdk
mcp_server "$server"
mkdir -p "$data/home"
mcp_copy_scripts sdk_stdio.mjs
SDK_HOME=$data/home "$node" "$dir/sdk_stdio.mjs" "$cli" "http://127.0.0.1:$port/current" \
    "$(cat "$data/d/owner.key")"
