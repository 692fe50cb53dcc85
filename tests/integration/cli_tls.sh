#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_tls.sh - the fastio CLI against a fastio-server serving HTTPS with a certificate of a
# private CA made here with openssl (D-125): without a CA file the CLI refuses the server (a
# verification message, a --ca-file hint, exit 1 like every network error); with the CA from
# --ca-file, FASTIO_CA_FILE or the profile's ca_file (configure init --ca-file) it signs in,
# lists, uploads a multi-chunk file through the transfer engine and downloads it back
# byte-identical; precedence flag > env > profile; an unreadable CA file fails before anything
# is sent; `mcp tools|call --url https://...` (Streamable HTTP and legacy SSE) and
# `mcp call --command` (the stdio server `fastio mcp`) with it; `sync`, one `ingest` pass and a
# PKCE sign-in with a token refresh with it.
# Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

command -v openssl >/dev/null || { echo "openssl is needed (scripts/deps.sh)"; exit 1; }
C="$T_DATA.tls"
W="$T_DATA.work"
mkdir -p "$C" "$W/src" "$W/dst" "$W/sync"
trap 'rm -rf "$C" "$W"; cleanup' EXIT
export XDG_STATE_HOME="$T_HOME/.local/state"

# A private CA, and the server's certificate signed by it (for 127.0.0.1 and localhost).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca-key.pem" -out "$C/ca.pem" -days 2 \
    -subj "/CN=fastio test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$C/key.pem" -out "$C/server.csr" \
    -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$C/ext.cnf"
openssl x509 -req -in "$C/server.csr" -CA "$C/ca.pem" -CAkey "$C/ca-key.pem" -CAcreateserial \
    -out "$C/cert.pem" -days 2 -extfile "$C/ext.cnf" 2>/dev/null
# Another CA, which did not sign the server's certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/other-key.pem" -out "$C/other-ca.pem" \
    -days 2 -subj "/CN=other CA" 2>/dev/null
CA="$C/ca.pem"
OTHER="$C/other-ca.pem"

# OAuth access tokens live 2 s: within the CLI's 60 s refresh skew, so a PKCE profile's next
# command refreshes (through the token store's own client, which needs the CA too).
start_raw --data "$T_DATA" --listen 127.0.0.1:0 --kdf-iterations 1000 --min-chunk-size 65536 \
    --access-log "$T_DATA/access.log" --oauth-access-ttl 2 \
    --tls-cert "$C/cert.pem" --tls-key "$C/key.pem" ||
    { echo "TLS server did not start: $(cat "$T_DATA.errlog")"; exit 1; }
BASE="https://127.0.0.1:$PORT/current"
MCP="https://127.0.0.1:$PORT/mcp"
KEY=$(tr -d '\r\n' <"$T_DATA/owner.key")

# cli ARGS...: the CLI with exactly ARGS (no implied --api-base/--token); $OUT, $ERR, $RC
cli() {
    set +e
    OUT=$("$FASTIO_CLI_BIN" "$@" 2>"$T_DATA.err" </dev/null)
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
}

# --- no CA file: the system bundle does not know the private CA
fio --format json org list
expect_rc 1 "without a CA file the server is refused (exit 1, a network error)"
expect_err_contains "TLS certificate verification failed" "the error says the certificate did not verify"
expect_err_contains "--ca-file PATH" "the hint suggests --ca-file"
fio --format json upload text --workspace x --name a.txt "hello"
expect_rc 1 "an upload without a CA file fails too"
expect_err_contains "TLS certificate verification failed" "... with the verification message"

# --- a CA that did not sign the server's certificate
fio --format json --ca-file "$OTHER" org list
expect_rc 1 "another CA does not verify the server"
expect_err_contains "TLS certificate verification failed" "... with the verification message"
expect_err_contains "$OTHER" "... and the hint names the CA file in use"

# --- a CA file that cannot be used fails before anything is sent
fio --ca-file "$C/missing.pem" org list
expect_rc 1 "a missing CA file: exit 1"
expect_err_contains "ca_file $C/missing.pem: cannot open it" "the message names the missing path"
fio --ca-file "$C/server.csr" org list
expect_rc 1 "a file without a certificate: exit 1"
expect_err_contains "holds no PEM certificate" "the message says it holds no certificate"
# every attempt so far failed in the TLS handshake or before it: the server logged no request
if ! grep -q '"method"' "$T_DATA/access.log" 2>/dev/null; then ok "no request reached the server"; else RC=-; OUT=$(head -c 600 "$T_DATA/access.log"); bad "a request reached the server"; fi

# --- --ca-file: the owner's key; an organization, a workspace, a multi-chunk upload and back
fio --format json --ca-file "$CA" org create "TLS Org" --domain tls-org
expect_rc 0 "org create over HTTPS with --ca-file"
fio --format json --ca-file "$CA" workspace create "TLS WS" --org tls-org --folder-name tls-ws
expect_rc 0 "workspace create with --ca-file"
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
F="$W/src/big.bin"
head -c $((9 * 1048576 + 5)) /dev/urandom >"$F"
fio --format json --ca-file "$CA" --log-file "$T_DATA.xfer.log" upload file --workspace "$WS" "$F"
expect_rc 0 "upload of a 9 MiB file (transfer engine) with --ca-file"
NODE=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
chunks=$(grep -c '"endpoint":"UPLOAD_CHUNK"' "$T_DATA.xfer.log" || true)
if [ "${chunks:-0}" -ge 2 ]; then ok "it went up in $chunks chunks over TLS"; else RC=-; OUT=$(head -c 600 "$T_DATA.xfer.log"); bad "chunks: $chunks"; fi
fio --format json --ca-file "$CA" download file --workspace "$WS" "$NODE" -o "$W/dst/"
expect_rc 0 "download with --ca-file"
cmp -s "$F" "$W/dst/big.bin" && ok "the downloaded bytes are the uploaded ones" || bad "bytes differ"
fio --format json --ca-file "$CA" files list --workspace "$WS" /
expect_out_contains "big.bin" "files list with --ca-file"

# --- FASTIO_CA_FILE: a user signs in with email and password, stored in a profile
EMAIL="tls-user@example.test"
PW="tls-pass-$RANDOM-x"
curl -fsS --cacert "$CA" -X POST "$BASE/user/" --data-urlencode "email_address=$EMAIL" \
    --data-urlencode "password=$PW" >/dev/null
set +e
OUT=$(printf '%s\n' "$PW" | FASTIO_CA_FILE="$CA" "$FASTIO_CLI_BIN" --api-base "$BASE" \
    --profile user --format json auth login --email "$EMAIL" --password-stdin 2>"$T_DATA.err")
RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 0 "auth login --email over HTTPS with FASTIO_CA_FILE"
FASTIO_CA_FILE="$CA" cli --profile user --format json auth status
expect_rc 0 "the stored token works with FASTIO_CA_FILE"
expect_out_contains "$EMAIL" "auth status names the user"
expect_jq .ca_file_source FASTIO_CA_FILE "auth status says where the CA file came from"
FASTIO_CA_FILE="$CA" cli --profile user --format json workspace list
expect_rc 0 "workspace list as the user with FASTIO_CA_FILE"
cli --profile user --format json workspace list
expect_rc 1 "the same profile without the CA is refused"
expect_err_contains "--ca-file" "... with the --ca-file hint"

# --- browser sign-in (PKCE) over HTTPS with FASTIO_CA_FILE, the browser side done by curl, then
# a refresh of the stored token
set +e
FASTIO_CA_FILE="$CA" "$FASTIO_CLI_BIN" --api-base "$BASE" --profile pk --format json auth login \
    --timeout 60 >"$T_DATA.login.out" 2>"$T_DATA.login.err" </dev/null &
LPID=$!
set -e
URL=""
for _ in $(seq 1 200); do
    URL=$(grep -o 'https://[^ ]*auth_request_id=[A-Za-z0-9_-]*' "$T_DATA.login.err" 2>/dev/null | head -n1 || true)
    [ -n "$URL" ] && break
    sleep 0.05
done
[ -n "$URL" ] && ok "auth login prints an https sign-in address" || { ERR=$(cat "$T_DATA.login.err"); bad "no sign-in address"; }
RID=${URL##*auth_request_id=}
curl -fsS --cacert "$CA" "$URL" >/dev/null
CB=$(curl -sS --cacert "$CA" -o /dev/null -w '%{redirect_url}' -X POST "${URL%%\?*}" \
    --data-urlencode "auth_request_id=$RID" -d consent=approve \
    --data-urlencode "email=$EMAIL" --data-urlencode "password=$PW")
curl -fsS --max-time 10 "$CB" >/dev/null || true
set +e
wait "$LPID"
RC=$?
set -e
OUT=$(cat "$T_DATA.login.out"); ERR=$(cat "$T_DATA.login.err")
expect_rc 0 "auth login (PKCE) over HTTPS with FASTIO_CA_FILE"
CRED="$XDG_CONFIG_HOME/fastio-c/credentials.json"
RT1=$(jq -r .profiles.pk.refresh_token "$CRED")
FASTIO_CA_FILE="$CA" cli --profile pk --format json -v auth status
expect_rc 0 "the PKCE profile's next command works (its token refreshed over HTTPS)"
if grep -q 'oauth/token' <<<"$ERR"; then ok "the refresh went to /oauth/token/"; else bad "no refresh in the -v log"; fi
RT2=$(jq -r .profiles.pk.refresh_token "$CRED")
[ "$RT2" != "$RT1" ] && [ "$RT2" != null ] && ok "the rotated refresh token was stored" || bad "no rotation stored"

# --- the profile's ca_file (configure init --ca-file), stored as an absolute path
( cd "$C" && "$FASTIO_CLI_BIN" --format json configure init --name user --ca-file ca.pem ) \
    >"$T_DATA.cfg.out" 2>/dev/null || true
OUT=$(cat "$T_DATA.cfg.out")
expect_jq .settings.ca_file "$CA" "configure init --ca-file stores the absolute path"
cli --profile user --format json workspace list
expect_rc 0 "workspace list with the profile's ca_file alone"
cli --profile user --format json configure show
expect_jq .ca_file "$CA" "configure show lists ca_file"
# an owner profile (api key) with the CA: upload and download through the profile alone
cli --format json configure init --name owner --api-base "$BASE" --ca-file "$CA"
set +e
printf '%s\n' "$KEY" | "$FASTIO_CLI_BIN" --profile owner configure set-key >/dev/null 2>&1
set -e
F2="$W/src/second.bin"
head -c $((8 * 1048576 + 3)) /dev/urandom >"$F2"
cli --profile owner --format json upload file --workspace "$WS" "$F2"
expect_rc 0 "a multi-chunk upload with the profile's ca_file"
N2=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
cli --profile owner --format json download file --workspace "$WS" "$N2" -o "$W/dst/"
expect_rc 0 "download with the profile's ca_file"
cmp -s "$F2" "$W/dst/second.bin" && ok "profile round trip: same bytes" || bad "profile round trip differs"

# --- precedence: --ca-file > FASTIO_CA_FILE > the profile's ca_file
cli --format json configure init --name owner --ca-file "$OTHER"
cli --profile owner --format json org list
expect_rc 1 "profile ca_file = another CA: refused"
FASTIO_CA_FILE="$CA" cli --profile owner --format json org list
expect_rc 0 "FASTIO_CA_FILE wins over the profile's ca_file"
FASTIO_CA_FILE="$OTHER" cli --profile owner --format json --ca-file "$CA" org list
expect_rc 0 "--ca-file wins over FASTIO_CA_FILE"
FASTIO_CA_FILE="$CA" cli --profile owner --format json --ca-file "$OTHER" org list
expect_rc 1 "--ca-file another CA wins over a good FASTIO_CA_FILE: refused"
FASTIO_CA_FILE="$CA" cli --profile owner -vv --format json org list
expect_err_contains "debug: TLS CAs $CA from FASTIO_CA_FILE" "-vv says where the CA file came from"
cli --format json configure init --name owner --ca-file ""
cli --profile owner --format json configure show
expect_jq '.ca_file // "none"' none "configure init --ca-file \"\" removes it"

# --- sync up a folder with --ca-file
printf 'one\n' >"$W/sync/one.txt"
printf 'two\n' >"$W/sync/two.txt"
fio --format json --ca-file "$CA" sync "$W/sync" tls-ws:/mirror
expect_rc 0 "sync with --ca-file"
fio --format json --ca-file "$CA" files list --workspace "$WS" /mirror
expect_out_contains "two.txt" "the synced files are there"

# --- the ingest daemon (one pass) with FASTIO_CA_FILE
mkdir -p "$W/in"
head -c 300000 /dev/urandom >"$W/in/drop.bin"
FASTIO_CA_FILE="$CA" fio --format json ingest "$W/in" --org tls-org --workspace Inbox --once \
    --settle 0 --state-dir "$T_DATA/ingest-state"
expect_rc 0 "ingest --once over HTTPS with FASTIO_CA_FILE"
fio --format json --ca-file "$CA" files list --workspace inbox / --all
expect_out_contains "drop.bin" "the ingested file is there"
fio --format json ingest "$W/in" --org tls-org --workspace Inbox --once --settle 0 \
    --state-dir "$T_DATA/ingest-state2"
expect_rc 1 "ingest without the CA: exit 1"
expect_err_contains "TLS certificate verification failed" "... with the verification message"

# --- MCP: Streamable HTTP over https, and the stdio server using the CA for its API calls
fio --format json mcp tools --url "$MCP" --bearer "$KEY"
expect_rc 1 "mcp tools --url https without a CA file: refused"
expect_err_contains "TLS certificate verification failed" "... with the verification message"
fio --format json --ca-file "$CA" mcp tools --url "$MCP" --bearer "$KEY"
expect_rc 0 "mcp tools --url https with --ca-file"
expect_out_contains '"name": "upload"' "the tools are listed"
FASTIO_CA_FILE="$CA" cli --format json mcp call --url "$MCP" --bearer "$KEY" auth action=status
expect_rc 0 "mcp call --url https with FASTIO_CA_FILE"
fio --format json --ca-file "$CA" mcp call --transport sse --url "https://127.0.0.1:$PORT/sse" \
    --bearer "$KEY" auth action=status
expect_rc 0 "mcp call over the legacy SSE transport (https) with --ca-file"
fio --format json mcp call --transport sse --url "https://127.0.0.1:$PORT/sse" --bearer "$KEY" \
    auth action=status
expect_rc 1 "... and refused without it"
expect_err_contains "TLS certificate verification failed" "... with the verification message"
STDIO="$FASTIO_CLI_BIN --api-base $BASE --token $KEY --ca-file $CA mcp"
fio --format json mcp call --command "$STDIO" files action=list workspace_id="$WS" folder_id=root
expect_rc 0 "the stdio MCP server (fastio mcp) reaches the HTTPS API with --ca-file"
expect_out_contains "big.bin" "... and lists the workspace"
STDIO="$FASTIO_CLI_BIN --api-base $BASE --token $KEY mcp"
fio --format json mcp call --command "$STDIO" files action=list workspace_id="$WS" folder_id=root
expect_out_contains "TLS certificate verification failed" "without a CA the stdio server's tool reports the TLS failure"

stop_server
finish
