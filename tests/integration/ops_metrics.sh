#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HEAD on GET routes, and GET /metrics (D-116): the Prometheus text format 0.0.4 parses, the
# counters count what this test sent (the only client), the gauges show an open upload session,
# an expired one waiting for the sweep and mail in the outbox; --metrics local refuses forwarded
# requests, off answers 404, public serves them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

# A session expires after 2 s and the sweep runs hourly: it waits in the sweep's queue.
start_server --min-chunk-size 1024 --upload-ttl 2 --sweep-interval 3600
ROOT="http://127.0.0.1:$PORT"

# --- HEAD
code=$(curl -sS -o /dev/null -D "$T_DATA.h" -w '%{http_code} %{size_download}' -I "$BASE/ping/")
expect_eq "$code" "200 0" "HEAD /ping/ answers 200 without a body"
glen=$(curl -sS -o /dev/null -w '%{size_download}' "$BASE/ping/")
expect_eq "$(header content-length "$T_DATA.h")" "$glen" "HEAD carries the GET's Content-Length"
code=$(curl -sS -o /dev/null -w '%{http_code}' -I "$BASE/user/me/details/")
expect_eq "$code" 401 "HEAD on a GET route runs its checks (401 without a token)"
code=$(curl -sS -o /dev/null -w '%{http_code}' -I -u "owner@localhost:x" "$BASE/user/auth/")
expect_eq "$code" 405 "no HEAD on a GET that changes state (sign-in)"

# --- traffic to count: 3 GET /ping/ (+1 HEAD above), 1 unknown path, 1 upload, 1 open session
for _ in 1 2 3; do curl -fsS -o /dev/null "$BASE/ping/"; done
curl -sS -o /dev/null "$BASE/no/such/route/"
fio --format json org create "Metrics Org" --domain metrics-org
fio --format json workspace create "Metrics WS" --org metrics-org
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
head -c 5000 /dev/urandom >"$T_DATA.up.bin"
fio --format json upload file "$T_DATA.up.bin" --workspace "$WS"
expect_rc 0 "an upload for the byte counters"
curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" -X POST "$BASE/upload/" -d name=open.bin \
    -d size=4096 -d action=create -d instance_id="$WS" -d folder_id=root -d profile_type=workspace
new_user >/dev/null # a sign-up mails a verification code: the outbox holds it (no --smtp-url)

# metric NAME LABEL-SUBSTRING: the value of the first sample of NAME whose labels contain it
metric() { awk -v n="$1" -v l="$2" 'index($0, n) == 1 && (substr($0, length(n) + 1, 1) == "{" || substr($0, length(n) + 1, 1) == " ") && index($0, l) { print $NF; exit }' "$T_DATA.metrics"; }
scrape() { curl -sS -D "$T_DATA.mh" -o "$T_DATA.metrics" -w '%{http_code}' "$@" "$ROOT/metrics"; }

# Both sessions (the stored upload's and the open one) reach the sweep's queue once 2 s have
# passed (bounded poll, 20 s).
for _ in $(seq 1 100); do
    scrape >/dev/null
    [ "$(metric fastio_sweep_queue '')" = 2 ] && break
    sleep 0.2
done
code=$(scrape)
expect_eq "$code" 200 "GET /metrics from loopback (default --metrics local)"
expect_eq "$(header content-type "$T_DATA.mh")" "text/plain; version=0.0.4; charset=utf-8" "exposition format 0.0.4 content type"

# --- the format: names, labels and values; TYPE before samples; histograms consistent
if awk '
    /^# HELP / { next }
    /^# TYPE / { type[$3] = $4; next }
    /^#/ { print "bad comment: " $0; bad = 1; next }
    {
        if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*",?)*\})? [-+0-9.eE]+(Inf)?$/) { print "bad line: " $0; bad = 1; next }
        name = $0; sub(/[{ ].*/, "", name); base = name; sub(/_(bucket|sum|count)$/, "", base)
        if (!(name in type) && !(base in type)) { print "no TYPE for " name; bad = 1 }
        if (name ~ /_bucket$/) {
            key = $0; sub(/,le="[^"]*"\}.*/, "", key)
            v = $NF + 0
            if (key == lastkey && v < last) { print "bucket decreases: " $0; bad = 1 }
            lastkey = key; last = v
            if ($0 ~ /le="\+Inf"/) inf[key] = v
        }
        if (name ~ /_duration_seconds_count$/) { key = $0; sub(/_count\{/, "_bucket{", key); sub(/\} .*/, "", key); if (inf[key] != $NF + 0) { print "+Inf != count: " $0; bad = 1 } }
    }
    END { exit bad }' "$T_DATA.metrics"; then ok "every line is valid text format; histograms are cumulative and +Inf = count"; else bad "metrics format"; fi

expect_eq "$(metric fastio_http_requests_total 'route="/ping/",code="2xx"')" 5 "requests by route and class: 4 GET + 1 HEAD /ping/"
expect_eq "$(metric fastio_http_requests_total 'route="(unmatched)",code="4xx"')" 2 "an unknown path and the refused HEAD count as (unmatched) 4xx"
expect_eq "$(metric fastio_http_requests_total 'route="/user/me/details/",code="4xx"')" 1 "the 401 counts on its route"
expect_eq "$(metric fastio_http_request_duration_seconds_count 'route="/ping/",code="2xx"')" 5 "latency histogram count by route"
bin=$(metric fastio_http_request_bytes_total '')
if [ "${bin:-0}" -ge 5000 ]; then ok "request bytes count the upload's body ($bin)"; else bad "request bytes $bin < 5000"; fi
bout=$(metric fastio_http_response_bytes_total '')
if [ "${bout:-0}" -gt 0 ]; then ok "response bytes counted ($bout)"; else bad "no response bytes"; fi
expect_eq "$(metric fastio_upload_sessions_open '')" 1 "one open upload session"
expect_eq "$(metric fastio_sweep_queue '')" 2 "two expired sessions wait for the sweep"
expect_eq "$(metric fastio_url_import_queue 'state="pending"')" 0 "URL import queue (none pending)"
ob=$(metric fastio_outbox_queue '')
if [ "${ob:-0}" -ge 1 ]; then ok "the outbox queue holds the sign-up mail ($ob)"; else bad "outbox queue $ob"; fi
expect_eq "$(metric fastio_store_up '')" 1 "store gauges read"
expect_eq "$(metric fastio_internal_errors_total '')" 0 "no internal errors"
expect_eq "$(metric fastio_http_connections_cut_total '')" 0 "no connection cut yet"

# --- access control
code=$(scrape -H "X-Forwarded-For: 203.0.113.9")
expect_eq "$code" 403 "--metrics local: a request forwarded by a proxy is refused"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$ROOT/metrics")
expect_eq "$code" 405 "POST /metrics is 405"
stop_server

start_server --metrics off
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
expect_eq "$code" 404 "--metrics off: 404"
stop_server
# A connection that sends no header within --header-timeout is cut and counted.
start_server --metrics public --header-timeout 1
exec 7<>/dev/tcp/127.0.0.1/"$PORT"
for _ in $(seq 1 100); do
    curl -sS -o "$T_DATA.metrics" "http://127.0.0.1:$PORT/metrics"
    [ "$(metric fastio_http_connections_cut_total '')" = 1 ] && break
    sleep 0.1
done
exec 7>&-
expect_eq "$(metric fastio_http_connections_cut_total '')" 1 "a silent connection past --header-timeout is counted as cut"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: 203.0.113.9" "http://127.0.0.1:$PORT/metrics")
expect_eq "$code" 200 "--metrics public: served to anyone"
stop_server

finish
