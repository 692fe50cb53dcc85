#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_mcp.sh - the "mcp" group of the fastio CLI (api §10) against a real fastio-server:
# `fastio mcp tools|call` over Streamable HTTP (/mcp), legacy SSE (/sse) and stdio (`fastio mcp`
# started by the client), key=value arguments (JSON when it parses, else a string) and --json,
# exit codes (a tool's isError is 1, usage errors 2), the profile's token never sent to an MCP URL,
# and `fastio mcp` alone on stdin/stdout (nothing but protocol on stdout).
# Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server
MCP="http://127.0.0.1:$PORT/mcp"

fio mcp --help; expect_out_contains "serve" "mcp group help lists serve"
fio mcp call --help; expect_out_contains "key=value" "call help documents key=value"
fio mcp tools; expect_rc 2 "tools without --url or --command is a usage error"
fio mcp call --url "$MCP" --bearer "$KEY" auth --json '[1]'; expect_rc 2 "--json must be an object"
fio mcp call --url "$MCP" --bearer "$KEY" auth novalue; expect_rc 2 "an argument without = is a usage error"
fio mcp tools --transport stdio; expect_rc 2 "stdio without --command is a usage error"

fio --format json mcp tools --url "$MCP" --bearer "$KEY"
expect_rc 0 "tools over Streamable HTTP"
expect_jq '[.[].name] | index("storage") != null' true "the catalogue has storage"
fio mcp tools --url "$MCP" --bearer "$KEY" --format table
expect_out_contains "workspace" "table output names the tools"

fio --format json mcp call --url "$MCP" --bearer "$KEY" auth action=status
expect_rc 0 "auth status over HTTP"
expect_jq '.structuredContent.authenticated' true "the bearer key is used"
# the CLI's own --token is not sent to the MCP URL: without --bearer the session is anonymous
fio --format json mcp call --url "$MCP" auth action=status
expect_jq '.structuredContent.authenticated' false "the profile token is not sent without --bearer"

# key=value: JSON values (false, numbers) and strings
fio --format json mcp call --url "$MCP" --bearer "$KEY" org action=create domain=mcpcli name="MCP CLI org"
expect_rc 0 "org create with key=value"
ORG=$(printf '%s' "$OUT" | jq -r .structuredContent.org.id)
fio --format json mcp call --url "$MCP" --bearer "$KEY" workspace action=create org_id="$ORG" \
    folder_name=mcp-cli name="MCP CLI ws" intelligence=false \
    --json '{"perm_join":"Member or above","perm_member_manage":"Member or above"}'
expect_rc 0 "workspace create with key=value and --json"
WS=$(printf '%s' "$OUT" | jq -r .structuredContent.workspace.id)

# the tool's own failure: its text printed, exit 1
fio mcp call --url "$MCP" --bearer "$KEY" storage action=no-such-action
expect_rc 1 "a tool error (isError) exits 1"
expect_out_contains "no-such-action" "the tool's error text is printed"
expect_err_contains "isError" "stderr says the tool reported an error"

# legacy SSE transport
fio --format json mcp call --transport sse --url "http://127.0.0.1:$PORT/sse" --bearer "$KEY" \
    workspace action=info workspace_id="$WS"
expect_rc 0 "workspace details over legacy SSE"
expect_jq '.structuredContent.workspace.folder_name' 'mcp-cli' "legacy SSE answer"

# stdio: the client starts `fastio mcp`, which uses the same server through libfastio
STDIO="$FASTIO_CLI_BIN --api-base $BASE --token $KEY mcp"
fio --format json mcp call --command "$STDIO" upload action=text workspace_id="$WS" name=a.txt \
    content="from the CLI over stdio"
expect_rc 0 "upload text over stdio"
fio --format json mcp call --command "$STDIO" files action=list workspace_id="$WS" folder_id=root
expect_out_contains "a.txt" "files (alias) lists the upload over stdio"
# the ai tool's ask over stdio (fastio_ai_ask in `fastio mcp`), about the file just uploaded
ANODE=$(printf '%s' "$OUT" | jq -r '.. | objects | select(.name? == "a.txt") | .id' | head -1)
fio --format json mcp call --command "$STDIO" ai action=ask workspace_id="$WS" \
    question="What is over stdio from the CLI?" subjects="[{\"type\":\"file\",\"id\":\"$ANODE\"}]"
expect_rc 0 "ai ask over stdio"
expect_jq '.structuredContent.state' complete "the answer is complete"
expect_jq '.structuredContent.citations[0].nodeId' "$ANODE" "the answer cites the file"
ACHAT=$(printf '%s' "$OUT" | jq -r .structuredContent.chat_id)
AMSG=$(printf '%s' "$OUT" | jq -r .structuredContent.message_id)
fio --format json mcp call --command "$STDIO" ai action=message-read workspace_id="$WS" \
    chat_id="$ACHAT" message_id="$AMSG"
expect_jq '.structuredContent.message.state' complete "ai message-read over stdio"
fio --format json mcp tools --command "$STDIO --tools upload"
expect_rc 0 "tools over stdio with --tools"
expect_jq 'length' 1 "--tools upload lists one tool"

# `fastio mcp` alone: a raw session on stdin/stdout, nothing but JSON-RPC lines on stdout
set +e
RAW=$(printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    'this is not json' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
    "$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" mcp 2>"$T_DATA.err")
RC=$?
set -e
OUT=$RAW
expect_rc 0 "fastio mcp ends with its input"
[ "$(printf '%s\n' "$RAW" | grep -c .)" = 3 ] && ok "three answers (initialize, parse error, tools/list)" || bad "three answers"
printf '%s\n' "$RAW" | jq -e . >/dev/null && ok "every stdout line is JSON" || bad "every stdout line is JSON"
[ "$(printf '%s\n' "$RAW" | sed -n 1p | jq -r .result.protocolVersion)" = 2024-11-05 ] && ok "older version accepted" || bad "older version accepted"
[ "$(printf '%s\n' "$RAW" | sed -n 2p | jq -r .error.code)" = -32700 ] && ok "parse error answered" || bad "parse error answered"

finish
