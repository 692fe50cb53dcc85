#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TLS (D-118): a self-signed certificate made here with `openssl req`; the server serves HTTPS
# with --tls-cert/--tls-key (libmicrohttpd + GnuTLS), curl verifies it with --cacert, owner.url
# names https, plain HTTP on that port gets no answer, a key that does not match is refused at
# start; listening beyond loopback without TLS prints a warning, with TLS it does not.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

command -v openssl >/dev/null || { echo "openssl is needed (scripts/deps.sh)"; exit 1; }
C="$T_DATA.tls"
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/key.pem" -out "$C/cert.pem" -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/other.pem" -out "$C/other-cert.pem" -days 2 \
    -subj "/CN=other" 2>/dev/null
trap 'rm -rf "$C"; cleanup' EXIT

start_raw --data "$T_DATA" --listen 127.0.0.1:0 --kdf-iterations 1000 --tls-cert "$C/cert.pem" \
    --tls-key "$C/key.pem" || { echo "TLS server did not start: $(cat "$T_DATA.errlog")"; exit 1; }
expect_eq "$SCHEME" https "the listening line says https"
OUT=$(curl -sS --cacert "$C/cert.pem" "https://127.0.0.1:$PORT/current/ping/")
expect_jq .result true "GET /ping/ over HTTPS, certificate verified with --cacert"
KEY=$(tr -d '\r\n' <"$T_DATA/owner.key")
OUT=$(curl -sS --cacert "$C/cert.pem" -H "Authorization: Bearer $KEY" "https://localhost:$PORT/current/user/me/details/")
expect_jq .result true "an authenticated call over HTTPS (by the name localhost)"
expect_eq "$(tr -d '\r\n' <"$T_DATA/owner.url")" "https://127.0.0.1:$PORT/current" "owner.url names https"
set +e
curl -sS -o /dev/null --max-time 10 "http://127.0.0.1:$PORT/current/ping/" 2>/dev/null
plain=$?
curl -sS -o /dev/null --max-time 10 --cacert "$C/other-cert.pem" "https://127.0.0.1:$PORT/current/ping/" 2>/dev/null
wrongca=$?
set -e
if [ "$plain" != 0 ]; then ok "plain HTTP to the TLS port fails (curl exit $plain)"; else bad "plain HTTP answered"; fi
if [ "$wrongca" = 60 ]; then ok "another CA does not verify the certificate (curl exit 60)"; else bad "wrong CA: curl exit $wrongca"; fi
if grep -q "without TLS" "$T_DATA.errlog"; then bad "a loopback TLS server warned"; else ok "no warning on loopback with TLS"; fi
stop_server

# A key that is not the certificate's: the server does not start (exit != 0, a message).
set +e
ERR=$(timeout 20 "$FASTIO_SERVER_BIN" --data "$T_DATA" --listen 127.0.0.1:0 --tls-cert "$C/cert.pem" --tls-key "$C/other.pem" 2>&1 >/dev/null)
RC=$?
ERR2=$(timeout 20 "$FASTIO_SERVER_BIN" --data "$T_DATA" --listen 127.0.0.1:0 --tls-cert "$C/cert.pem" 2>&1 >/dev/null)
RC2=$?
set -e
if [ "$RC" != 0 ] && [[ "$ERR" == *"TLS"* ]]; then ok "a mismatched key is refused at start"; else OUT=""; bad "mismatched key (exit $RC): $ERR"; fi
if [ "$RC2" = 2 ] && [[ "$ERR2" == *"--tls-cert and --tls-key go together"* ]]; then ok "--tls-cert without --tls-key: exit 2"; else RC=$RC2; ERR=$ERR2; bad "cert without key"; fi

# Beyond loopback: plain HTTP warns on stderr, TLS does not.
start_raw --data "$T_DATA" --listen 0.0.0.0:0 --kdf-iterations 1000 || { echo "no 0.0.0.0 server: $(cat "$T_DATA.errlog")"; exit 1; }
if grep -q "warning: listening on 0.0.0.0 without TLS" "$T_DATA.errlog"; then ok "0.0.0.0 without TLS: a warning on stderr"; else bad "no warning: $(cat "$T_DATA.errlog")"; fi
stop_server
start_raw --data "$T_DATA" --listen 0.0.0.0:0 --kdf-iterations 1000 --tls-cert "$C/cert.pem" --tls-key "$C/key.pem" || { echo "no TLS 0.0.0.0 server"; exit 1; }
if grep -q "without TLS" "$T_DATA.errlog"; then bad "TLS server warned"; else ok "0.0.0.0 with TLS: no warning"; fi
OUT=$(curl -sS --cacert "$C/cert.pem" "https://127.0.0.1:$PORT/current/ping/")
expect_jq .result true "the 0.0.0.0 TLS server answers"
stop_server
finish
