#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TLS certificate reload on SIGHUP (D-141): a private CA signs certificate A (serial A1) and, with
# a new key, certificate B (serial B2). The server starts with A (openssl s_client sees serial
# A1); a rate-limited download starts; the files are replaced by B and SIGHUP sent; new
# handshakes get B (bounded poll) while the download started under A goes on and ends with
# the uploaded bytes. Then a garbage key, a key that is not the certificate's, a missing
# certificate and a garbage certificate: each SIGHUP logs a clear error naming the file and B
# is still served. GET /metrics shows B's notAfter and that A is freed once the download's
# connection closed; a valid pair (A) after the failures is taken again; 20 swaps under 4 clients
# opening connections lose no request.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

command -v openssl >/dev/null || { echo "openssl is needed (scripts/deps.sh)"; exit 1; }
C="$T_DATA.tls"
W="$T_DATA.work"
mkdir -p "$C" "$W"
DL_PID=""
ERR=""
trap '[ -n "$DL_PID" ] && kill "$DL_PID" 2>/dev/null; rm -rf "$C" "$W"; cleanup' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca-key.pem" -out "$C/ca.pem" -days 2 \
    -subj "/CN=fastio reload test CA" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$C/ext.cnf"
# leaf NAME SERIAL DAYS: NAME-key.pem and NAME-cert.pem signed by the CA
leaf() {
    openssl req -newkey rsa:2048 -nodes -keyout "$C/$1-key.pem" -out "$C/$1.csr" \
        -subj "/CN=localhost" 2>/dev/null
    openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca-key.pem" -set_serial "$2" \
        -out "$C/$1-cert.pem" -days "$3" -extfile "$C/ext.cnf" 2>/dev/null
}
leaf a 0xA1 2
leaf b 0xB2 30
CA="$C/ca.pem"
# install NAME: the live files the server was started with now hold NAME's pair (written
# beside and renamed, as certbot's files change under their names)
install_pair() {
    cp "$C/$1-cert.pem" "$C/live-cert.tmp" && mv -f "$C/live-cert.tmp" "$C/live-cert.pem"
    cp "$C/$1-key.pem" "$C/live-key.tmp" && mv -f "$C/live-key.tmp" "$C/live-key.pem"
}
install_pair a

LOG="$T_DATA/server.log"
start_raw --data "$T_DATA" --listen 127.0.0.1:0 --kdf-iterations 1000 --access-log "$LOG" \
    --tls-cert "$C/live-cert.pem" --tls-key "$C/live-key.pem" ||
    { echo "TLS server did not start: $(cat "$T_DATA.errlog")"; exit 1; }
BASE="https://127.0.0.1:$PORT/current"
KEY=$(tr -d '\r\n' <"$T_DATA/owner.key")

# served: the serial of the certificate a new handshake gets (empty when none)
served() {
    openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null |
        openssl x509 -noout -serial 2>/dev/null | sed -n 's/^serial=//p'
}
# reloads: how many SIGHUP certificate outcomes the log holds so far
reloads() { grep -c 'SIGHUP: TLS certificate' "$LOG" || true; }
# hup_and_wait: SIGHUP, then wait (bounded) until the log has one more outcome; prints it
hup_and_wait() {
    local before
    before=$(reloads)
    kill -HUP "$SERVER_PID"
    for _ in $(seq 1 200); do
        [ "$(reloads)" -gt "$before" ] && break
        sleep 0.05
    done
    { grep 'SIGHUP: TLS certificate' "$LOG" || true; } | tail -n1
}
# served_when SERIAL: poll (bounded, 10 s) until new handshakes get SERIAL; prints the last seen
served_when() {
    local got=""
    for _ in $(seq 1 100); do
        got=$(served)
        [ "$got" = "$1" ] && break
        sleep 0.1
    done
    printf '%s' "$got"
}
alive() { kill -0 "$SERVER_PID" 2>/dev/null && curl -fsS --cacert "$CA" "$BASE/ping/" >/dev/null; }

expect_eq "$(served)" A1 "at start the server serves certificate A (serial A1)"
grep -q 'TLS: serving certificate serial A1' "$LOG" && ok "the start is logged with A's serial" ||
    { OUT=$(tail -n3 "$LOG"); bad "no start line for A"; }

# --- a download in flight across the reload
FIO=("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" --ca-file "$CA" --format json)
WS=$("${FIO[@]}" org create "Reload Org" --domain reload-org </dev/null >/dev/null &&
    "${FIO[@]}" workspace create "Reload WS" --org reload-org </dev/null | jq -r .workspace.id)
F="$W/big.bin"
head -c $((24 * 1048576)) /dev/urandom >"$F"
NODE=$("${FIO[@]}" upload file --workspace "$WS" "$F" </dev/null | jq -r '.files[0].node_id')
[ -n "$NODE" ] && [ "$NODE" != null ] || { echo "upload failed"; exit 1; }
# 24 MiB at 2 MiB/s: about 12 s on the wire, long enough to span the reload below
curl -sS --cacert "$CA" --limit-rate 2M -H "Authorization: Bearer $KEY" \
    -o "$W/dl.bin" "$BASE/workspace/$WS/storage/$NODE/read/" 2>"$W/dl.err" &
DL_PID=$!
for _ in $(seq 1 200); do
    [ -s "$W/dl.bin" ] && break
    sleep 0.05
done
[ -s "$W/dl.bin" ] && ok "a download started under certificate A" || bad "the download did not start"

# --- renewal: B replaces A under the same names, SIGHUP
install_pair b
line=$(hup_and_wait)
got=$(served_when B2)
expect_eq "$got" B2 "after SIGHUP new handshakes get certificate B (serial B2)"
[[ "$line" == *"reloaded: now serving certificate serial B2"* ]] && ok "the reload is logged with B's serial" ||
    { OUT=$line; bad "reload log line"; }
[[ "$line" == *"(2 generation(s) held)"* ]] && ok "A is still held (the download pinned it)" ||
    { OUT=$line; bad "generations held at the reload"; }
if kill -0 "$DL_PID" 2>/dev/null; then ok "the download begun under A was still running when B was served"
else RC=-; OUT=$(cat "$W/dl.err"); bad "the download ended before the reload was checked (not a test of in-flight)"; fi
OUT=$(curl -sS --cacert "$CA" "$BASE/ping/")
expect_jq .result true "a new HTTPS request after the reload verifies against the CA"

# GET /metrics: B's notAfter
want=$(date -u -d "$(openssl x509 -in "$C/b-cert.pem" -noout -enddate | sed 's/^notAfter=//')" +%s)
got=$(curl -sS --cacert "$CA" "https://127.0.0.1:$PORT/metrics" |
    awk '$1 == "fastio_tls_cert_not_after_seconds" {print $2}')
expect_eq "$got" "$want" "fastio_tls_cert_not_after_seconds is B's notAfter"

set +e
wait "$DL_PID"
dlrc=$?
set -e
DL_PID=""
expect_eq "$dlrc" 0 "the download across the reload finished (curl exit 0)"
cmp -s "$F" "$W/dl.bin" && ok "its 24 MiB are the uploaded bytes" || { RC=-; OUT=$(ls -l "$W"); bad "bytes differ"; }
# Its connection closed: A is freed (bounded poll; the server sees the close on its own time).
held=""
for _ in $(seq 1 100); do
    held=$(curl -sS --cacert "$CA" "https://127.0.0.1:$PORT/metrics" |
        awk '$1 == "fastio_tls_certificates_held" {print $2}')
    [ "$held" = 1 ] && break
    sleep 0.1
done
expect_eq "$held" 1 "once the download's connection closed only B is held (fastio_tls_certificates_held)"

# --- broken pairs: each is refused, logged with the file and the reason, B stays
printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' >"$C/live-key.pem"
line=$(hup_and_wait)
[[ "$line" == *"NOT reloaded"*"live-key.pem: not an unencrypted PEM private key"*"still serving the previous certificate"* ]] &&
    ok "a garbage key: the error names the key file" || { OUT=$line; bad "garbage key log line"; }
expect_eq "$(served)" B2 "after a garbage key B is still served"

cp "$C/a-key.pem" "$C/live-key.pem"
line=$(hup_and_wait)
[[ "$line" == *"NOT reloaded: the key in $C/live-key.pem is not the key of the certificate in $C/live-cert.pem"* ]] &&
    ok "a key that is not the certificate's: said so" || { OUT=$line; bad "mismatch log line"; }
expect_eq "$(served)" B2 "after a mismatched key B is still served"

cp "$C/b-key.pem" "$C/live-key.pem"
rm -f "$C/live-cert.pem"
line=$(hup_and_wait)
[[ "$line" == *"NOT reloaded: cannot read $C/live-cert.pem: No such file or directory"* ]] &&
    ok "a missing certificate: said so" || { OUT=$line; bad "missing file log line"; }
expect_eq "$(served)" B2 "after a missing certificate B is still served"

head -c 3000 /dev/urandom | base64 >"$C/live-cert.pem"
line=$(hup_and_wait)
[[ "$line" == *"NOT reloaded: $C/live-cert.pem: not a PEM certificate chain"* ]] &&
    ok "a garbage certificate: said so" || { OUT=$line; bad "garbage cert log line"; }
expect_eq "$(served)" B2 "after a garbage certificate B is still served"
alive && ok "the server is alive and answers over HTTPS after four failed reloads" || bad "server gone"

# --- a valid pair again is taken (A: back to serial A1)
install_pair a
line=$(hup_and_wait)
got=$(served_when A1)
expect_eq "$got" A1 "a valid pair after the failures is served"
# --- reloads while handshakes go on: 20 swaps A <-> B under 4 clients making new connections
# (each checks the chain against the CA); every request must succeed, and afterwards only the
# served pair is held (under ASan this is the use-after-free check of the generations).
rm -f "$W/stop"
for k in 1 2 3 4; do
    (
        fails=0
        for _ in $(seq 1 400); do
            [ -e "$W/stop" ] && break
            curl -fsS --cacert "$CA" "$BASE/ping/" >/dev/null 2>&1 || fails=$((fails + 1))
        done
        echo "$fails" >"$W/fails.$k"
    ) &
done
swaps=0
for i in $(seq 1 20); do
    if [ $((i % 2)) = 1 ]; then install_pair b; else install_pair a; fi
    line=$(hup_and_wait)
    [[ "$line" == *"reloaded: now serving"* ]] && swaps=$((swaps + 1))
done
touch "$W/stop"
wait_fails=0
for k in 1 2 3 4; do
    for _ in $(seq 1 600); do [ -s "$W/fails.$k" ] && break; sleep 0.1; done
    wait_fails=$((wait_fails + $(cat "$W/fails.$k" 2>/dev/null || echo 1)))
done
expect_eq "$swaps" 20 "20 reloads under load, each logged as done"
expect_eq "$wait_fails" 0 "no request failed while the pair changed under 4 clients"
held=""
for _ in $(seq 1 100); do
    held=$(curl -sS --cacert "$CA" "https://127.0.0.1:$PORT/metrics" |
        awk '$1 == "fastio_tls_certificates_held" {print $2}')
    [ "$held" = 1 ] && break
    sleep 0.1
done
expect_eq "$held" 1 "after the clients are done only the served pair is held"
expect_eq "$(served)" A1 "the last swap (A) is served"
stop_server
finish
