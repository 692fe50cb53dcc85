#!/bin/bash
# SPDX-License-Identifier: MIT
# client_conformance.sh - @modelcontextprotocol/conformance's client scenarios (initialize,
# tools_call, sse-retry) against libfastio's MCP client, played by the fastio CLI through
# conformance_client.sh. Node 22 and the suite are installed as tests/mcp/run.sh does
# (tests/mcp/lib.sh: same directory under the build tree, same package versions), so either
# script reuses the other's install.
# usage: client_conformance.sh BUILD_DIR CLI_BIN
# Exit 77 (CTest: skipped) only when npm cannot reach its registry to install them.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
. "$src/lib.sh"
export FASTIO_CLI_BIN=$(realpath "$2")
mcp_node "$1" "the conformance suite" @modelcontextprotocol/conformance

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" # the suite writes results/ into the current directory
rc=0
for scenario in initialize tools_call sse-retry; do
    if ! "$node" "$dir/node_modules/@modelcontextprotocol/conformance/dist/index.js" client \
        --command "$src/conformance_client.sh" --scenario "$scenario" >"$work/$scenario.log" 2>&1; then
        echo "FAIL: conformance client scenario $scenario"
        cat "$work/$scenario.log"
        rc=1
    elif ! grep -q "OVERALL: PASSED" "$work/$scenario.log"; then
        echo "FAIL: conformance client scenario $scenario did not report OVERALL: PASSED"
        cat "$work/$scenario.log"
        rc=1
    else
        echo "ok: $scenario ($(grep -o 'Passed: [0-9]*/[0-9]*' "$work/$scenario.log"))"
    fi
done
exit $rc
