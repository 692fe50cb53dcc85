#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# conformance_client.sh - the client that @modelcontextprotocol/conformance's client scenarios
# run: the suite appends the scenario server's URL and names the scenario in
# MCP_CONFORMANCE_SCENARIO. Every scenario is played with the fastio CLI's MCP client
# (libfastio fastio/mcp.h); FASTIO_CLI_BIN names the binary.
set -euo pipefail
url="${!#}"
cli="${FASTIO_CLI_BIN:?FASTIO_CLI_BIN must name the fastio binary}"
case "${MCP_CONFORMANCE_SCENARIO:-}" in
initialize)
    # initialize, notifications/initialized, tools/list, then the session ends
    exec "$cli" --format json mcp tools --url "$url" --timeout 20 ;;
tools_call)
    exec "$cli" --format json mcp call --url "$url" --timeout 20 add_numbers a=5 b=3 ;;
sse-retry)
    # the tool's event stream is closed after a priming event; the client must come back with
    # GET + Last-Event-ID after the stream's retry: delay
    "$cli" --format json mcp tools --url "$url" --timeout 20 >/dev/null
    exec "$cli" --format json mcp call --url "$url" --timeout 20 test_reconnection ;;
*)
    echo "conformance_client.sh: scenario '${MCP_CONFORMANCE_SCENARIO:-}' is not played" >&2
    exit 3 ;;
esac
