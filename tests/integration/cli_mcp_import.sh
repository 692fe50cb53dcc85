#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_mcp_import.sh - `fastio mcp` (stdio) honours the `wait` of upload web-import like
# fastio-server's /mcp (D-122, D-135), against a real fastio-server that may fetch from
# 127.0.0.1 (--import-allow) and a local HTTP source on 127.0.0.1 (python3's http.server): a
# waited import answers with its final state and the stored file has the source's bytes; a
# wait that ends first answers finished:false, with the same fields as the server's /mcp; a
# bad wait is refused as the server refuses it; a notifications/cancelled ends the wait at once
# (the call is not answered, the session goes on). No assertion depends on timing: the held
# source sends its last bytes only when the test releases it.
. "$(dirname "$0")/lib.sh"
start_server --import-allow 127.0.0.1/32
MCP="http://127.0.0.1:$PORT/mcp"
STDIO="$FASTIO_CLI_BIN --api-base $BASE --token $KEY mcp"

# The source: /fast.txt at once; /held.bin sends 100 of its 1000 bytes, then waits (at most
# 120 s) until the file "release" exists.
SRC="$T_DATA/src"
mkdir -p "$SRC"
python3 - "$SRC" <<'PY' &
import http.server, os, sys, time
root = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/fast.txt":
            body = b"imported over stdio\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/held.bin":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"h" * 100)
            self.wfile.flush()
            for _ in range(2400):
                if os.path.exists(os.path.join(root, "release")):
                    break
                time.sleep(0.05)
            self.wfile.write(b"h" * 900)
        else:
            self.send_error(404)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(root, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(root, "port.tmp"), os.path.join(root, "port"))
srv.serve_forever()
PY
SRC_PID=$!
trap 'touch "$SRC/release"; kill $SRC_PID 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 200); do [ -s "$SRC/port" ] && break; sleep 0.05; done
[ -s "$SRC/port" ] || { echo "the source did not start"; exit 1; }
URL="http://127.0.0.1:$(cat "$SRC/port")"

fio org create "Import Org" --domain import-org
fio workspace create Imports --org import-org --folder-name imports
expect_rc 0 "workspace created"
WS=imports

# a waited import over stdio: its final state, and the file holds the source's bytes
fio --format json mcp call --command "$STDIO" upload action=web-import source_url="$URL/fast.txt" \
    profile_id="$WS" file_name=fast.txt wait=60
expect_rc 0 "web-import with wait over stdio"
expect_jq '.structuredContent.finished' true "the stdio answer says the import finished"
expect_jq '.structuredContent.web_upload.status' complete "and gives its final status"
expect_err_contains "starting the import" "progress was reported while waiting"
NODE=$(printf '%s' "$OUT" | jq -r .structuredContent.web_upload.new_file_id)
fio download file --workspace "$WS" "$NODE" -o - --format json
[ "$OUT" = "imported over stdio" ] && ok "the imported file has the source's bytes" ||
    bad "the imported file has the source's bytes"

# without wait: the plain answer, at once
fio --format json mcp call --command "$STDIO" upload action=web-import source_url="$URL/held.bin" \
    profile_id="$WS" file_name=held0.bin
expect_rc 0 "web-import without wait over stdio"
expect_jq '.structuredContent.finished' null "no wait: the row's answer, without finished"

# a wait that ends before the import (held): finished false, like the server's /mcp
fio --format json mcp call --command "$STDIO" upload action=web-import source_url="$URL/held.bin" \
    profile_id="$WS" file_name=held1.bin wait=1
expect_rc 0 "web-import with a short wait over stdio"
expect_jq '.structuredContent.finished' false "stdio: the wait ended before the import"
STDIO_KEYS=$(printf '%s' "$OUT" | jq -c '.structuredContent | keys')
fio --format json mcp call --url "$MCP" --bearer "$KEY" upload action=web-import \
    source_url="$URL/held.bin" profile_id="$WS" file_name=held2.bin wait=1
expect_jq '.structuredContent.finished' false "/mcp: the wait ended before the import"
HTTP_KEYS=$(printf '%s' "$OUT" | jq -c '.structuredContent | keys')
[ "$STDIO_KEYS" = "$HTTP_KEYS" ] && ok "stdio and /mcp answer the same fields ($STDIO_KEYS)" ||
    bad "stdio and /mcp answer the same fields ($STDIO_KEYS vs $HTTP_KEYS)"

fio mcp call --command "$STDIO" upload action=web-import source_url="$URL/fast.txt" \
    profile_id="$WS" wait=301
expect_rc 1 "wait over 300 is refused over stdio"
expect_out_contains "wait must be 0-300 seconds" "with the server's message"

# cancellation: a raw session whose stdin stays open; the call waits up to 300 s for the held
# import, the client cancels it: no answer to it, the next request is answered
mkfifo "$T_DATA/in"
"$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" mcp <"$T_DATA/in" >"$T_DATA/out" \
    2>"$T_DATA/mcp.err" &
MPID=$!
exec 7>"$T_DATA/in"
printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"upload\",\"arguments\":{\"action\":\"web-import\",\"source_url\":\"$URL/held.bin\",\"profile_id\":\"$WS\",\"file_name\":\"held3.bin\",\"wait\":300}}}" \
    '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"reason":"test"}}' \
    '{"jsonrpc":"2.0","id":4,"method":"ping"}' >&7
for _ in $(seq 1 1200); do
    grep -q '"id":4' "$T_DATA/out" 2>/dev/null && break
    sleep 0.05
done
OUT=$(cat "$T_DATA/out")
RC=0
[ "$(jq -c 'select(.id == 4) | .result' "$T_DATA/out")" = "{}" ] &&
    ok "the request after the cancellation is answered" || bad "the request after the cancellation is answered"
[ "$(jq -c 'select(.id == 3)' "$T_DATA/out" | wc -l)" = 0 ] &&
    ok "the cancelled call is not answered" || bad "the cancelled call is not answered"
[ ! -e "$SRC/release" ] && ok "the import was still held when the answer came" ||
    bad "the import was still held when the answer came"
exec 7>&-
for _ in $(seq 1 200); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.05; done
set +e
wait "$MPID"
RC=$?
set -e
expect_rc 0 "fastio mcp ends with its input after the cancelled call"

# the held imports finish once the source lets them: a waited call sees it end
touch "$SRC/release"
fio --format json mcp call --command "$STDIO" upload action=web-import source_url="$URL/held.bin" \
    profile_id="$WS" file_name=held4.bin wait=60
expect_jq '.structuredContent.web_upload.status' complete "a released import is waited for to the end"
expect_jq '.structuredContent.web_upload.size' 1000 "with all its bytes"

finish
