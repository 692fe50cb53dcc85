#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Behind a reverse proxy (D-118): X-Forwarded-For is honoured only from a --trusted-proxy peer
# (the rightmost address that is not a trusted proxy is the client: rate limit and log use it),
# and ignored from any other peer; trusted proxies are not counted by --max-connections-per-ip;
# --max-chunk-size is advertised in /upload/limits/ and a larger chunk is refused (413) before
# its bytes are read. Peers: 127.0.0.2 (curl --interface) is the trusted proxy, 127.0.0.1 is not.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

start_server --trusted-proxy 127.0.0.2/32,10.9.0.0/16 --rate-limit 3 --max-connections-per-ip 2 \
    --min-chunk-size 1024 --max-chunk-size 4K
LOG="$T_DATA/server.log"

# ping FROM XFF...: status of GET /ping/ from source address FROM with the given X-Forwarded-For
# fields (one header each)
ping_as() {
    local from=$1; shift
    local h=()
    for x in "$@"; do h+=(-H "X-Forwarded-For: $x"); done
    curl -sS -o /dev/null -D "$T_DATA.h" -w '%{http_code}' --interface "$from" "${h[@]}" "$BASE/ping/?from=$from"
}
if ! curl -sS -o /dev/null --interface 127.0.0.2 "$BASE/ping/?probe=1" 2>/dev/null; then
    echo "SKIP: cannot use 127.0.0.2 as a source address here"; finish; exit 0
fi
# (the probe above counted for 127.0.0.2 itself: it sent no X-Forwarded-For)

# --- from the trusted proxy: each forwarded client has its own window
c1=$(ping_as 127.0.0.2 203.0.113.1); c2=$(ping_as 127.0.0.2 203.0.113.1); c3=$(ping_as 127.0.0.2 203.0.113.1)
expect_eq "$c1 $c2 $c3" "200 200 200" "trusted proxy: 3 requests of client 203.0.113.1 pass"
expect_eq "$(header x-ve-limit-avail "$T_DATA.h")" 0 "the window of 203.0.113.1 is used up"
expect_eq "$(ping_as 127.0.0.2 203.0.113.1)" 429 "trusted proxy: the 4th of 203.0.113.1 gets 429"
expect_eq "$(ping_as 127.0.0.2 203.0.113.2)" 200 "trusted proxy: another client (203.0.113.2) has its own window"
expect_eq "$(header x-ve-limit-avail "$T_DATA.h")" 2 "203.0.113.2 has 2 left"
# A client cannot escape by prepending a fake address: the rightmost untrusted one counts.
expect_eq "$(ping_as 127.0.0.2 '198.51.100.77, 203.0.113.2')" 200 "a spoofed left address is ignored"
expect_eq "$(header x-ve-limit-avail "$T_DATA.h")" 1 "... and 203.0.113.2's window is charged"
# Addresses of trusted proxies in the chain are skipped (a second proxy hop 10.9.0.5).
expect_eq "$(ping_as 127.0.0.2 '203.0.113.2, 10.9.0.5')" 200 "a trusted hop in the chain is skipped"
expect_eq "$(header x-ve-limit-avail "$T_DATA.h")" 0 "... the client left of it is charged"
# Two X-Forwarded-For fields are one list.
expect_eq "$(ping_as 127.0.0.2 203.0.113.3 10.9.0.6)" 200 "two X-Forwarded-For fields are read as one list"
if grep -q '"ip":"203.0.113.3"' "$LOG"; then ok "the log names the forwarded client"; else bad "no log line with 203.0.113.3"; fi

# --- from an untrusted peer: X-Forwarded-For is ignored, the peer's own address counts
u1=$(ping_as 127.0.0.1 203.0.113.50); u2=$(ping_as 127.0.0.1 203.0.113.51); u3=$(ping_as 127.0.0.1 203.0.113.52)
expect_eq "$u1 $u2 $u3" "200 200 200" "untrusted peer: 3 requests"
expect_eq "$(ping_as 127.0.0.1 203.0.113.53)" 429 "untrusted peer: a new X-Forwarded-For does not get a new window"
if grep -q '"ip":"203.0.113.5' "$LOG"; then bad "an untrusted X-Forwarded-For reached the log"; else ok "the log shows the untrusted peer's own address"; fi

# --- per-address connections: 127.0.0.1 holds 2 idle connections (the limit); a third from it
# is closed at once, while the trusted proxy 127.0.0.2 is not limited by that.
exec 7<>/dev/tcp/127.0.0.1/"$PORT"
exec 8<>/dev/tcp/127.0.0.1/"$PORT"
code=$(curl -sS -o /dev/null -w '%{http_code}' --interface 127.0.0.1 "$BASE/system/status/" 2>/dev/null || true)
if [ "$code" != 200 ]; then ok "a third connection from 127.0.0.1 is refused (got '$code')"; else bad "per-address limit not applied"; fi
code=$(curl -sS -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -H "X-Forwarded-For: 203.0.113.99" "$BASE/system/status/")
expect_eq "$code" 200 "the trusted proxy still connects"
exec 7>&- 8>&-
ok_after=""
for _ in $(seq 1 100); do
    ok_after=$(curl -sS -o /dev/null -w '%{http_code}' --interface 127.0.0.1 -H "Authorization: Bearer $KEY" "$BASE/user/me/details/" 2>/dev/null || true)
    [ "$ok_after" = 200 ] && break
    sleep 0.05
done
expect_eq "$ok_after" 200 "closed connections give their slots back"

stop_server

# --- --max-chunk-size: advertised and enforced (a server without the small rate limit)
start_server --min-chunk-size 1024 --max-chunk-size 1M
LOG="$T_DATA/server.log"
OUT=$(curl -fsS -H "Authorization: Bearer $KEY" "$BASE/upload/limits/")
expect_jq .chunk_size 1048576 "--max-chunk-size 1M is chunk_size in /upload/limits/"
fio --format json org create "Proxy Org" --domain proxy-org
fio --format json workspace create "Proxy WS" --org proxy-org
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
UP=$(curl -fsS -H "Authorization: Bearer $KEY" -X POST "$BASE/upload/" -d name=big.bin -d size=3000000 \
     -d action=create -d instance_id="$WS" -d folder_id=root -d profile_type=workspace | jq -r .id)
head -c 1048577 /dev/urandom >"$T_DATA.c1"
OUT=$(curl -sS -w '\n%{http_code}' -H "Authorization: Bearer $KEY" -X POST \
      "$BASE/upload/$UP/chunk/?order=1&size=1048577" -F "chunk=@$T_DATA.c1")
code=${OUT##*$'\n'}; OUT=${OUT%$'\n'*}
expect_eq "$code" 413 "a chunk one byte over the maximum is refused with 413"
expect_jq '.error.text | test("at most 1048576 bytes")' true "the error names the limit"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" -X POST "$BASE/upload/" -d name=b2.bin \
       -d size=3000000 -d chunk_size=2097152 -d action=create -d instance_id="$WS" -d folder_id=root -d profile_type=workspace)
expect_eq "$code" 400 "a session asking for chunk_size above the maximum is refused"
head -c 5000000 /dev/urandom >"$T_DATA.f5m"
fio --format json upload file "$T_DATA.f5m" --workspace "$WS"
expect_rc 0 "the CLI uploads 5 MB in chunks that fit the advertised maximum"
n=$(jq -r 'select(.method == "POST" and (.path | test("/chunk/$")) and .status == 200) | .path' "$LOG" | wc -l)
if [ "$n" -ge 5 ]; then ok "the upload took $n chunks of at most 1 MiB"; else bad "only $n chunks"; fi
stop_server
finish
