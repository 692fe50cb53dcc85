#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/webimport.sh - URL import benchmark (issue 17; never a test): the server importing a
# SIZE file from a local HTTP server (bench/filesrv.c, sendfile) against `curl -o` of the same
# URL, and `curl -o` followed by an fdatasync of the file (the server's --sync complete makes the
# stored file durable before the job says complete). Interleaved runs, median (min-max), after
# one discarded warm-up of each. The import is timed from the POST to the first details answer
# that says complete, polled every 100 ms with one curl (light, so the poller does
# not slow the import on a small machine; the CLI's --wait polls more slowly).
# Goal (issue 17): import time <= curl time / 0.7.
# Usage: bench/webimport.sh [SIZE_MB (default 1024)] [RUNS (default 5)]
#        SYNC=none bench/webimport.sh   the server with --sync none (default complete)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SIZE_MB=${1:-1024}
RUNS=${2:-5}
SYNC=${SYNC:-complete}
for tool in curl jq gcc cmake; do command -v $tool >/dev/null || { echo "bench: needs $tool"; exit 1; }; done
B="$ROOT/build-bench"
echo "== building Release into build-bench/" >&2
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DFASTIO_TESTS=OFF -DCMAKE_C_FLAGS="-Wno-error" >/dev/null
cmake --build "$B" -j2 --target fastio_cli fastio_server >/dev/null
gcc -O2 -Wall -Wextra -Werror -o "$B/filesrv" bench/filesrv.c
W=$(mktemp -d /tmp/fastio-wibench-XXXXXX)
SRV_PID= FS_PID=
cleanup() {
    [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null || true
    [ -n "$FS_PID" ] && kill "$FS_PID" 2>/dev/null && wait "$FS_PID" 2>/dev/null || true
    rm -rf "$W"
    return 0
}
trap cleanup EXIT
echo "== source: $SIZE_MB MiB of random bytes" >&2
head -c $((SIZE_MB * 1048576)) /dev/urandom >"$W/src.bin"
"$B/filesrv" "$W/src.bin" "$W/fs.port" & FS_PID=$!
for _ in $(seq 50); do [ -s "$W/fs.port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$W/fs.port")/big.bin"
mkdir "$W/data"
"$B/fastio-server" --data "$W/data" --listen 127.0.0.1:0 --kdf-iterations 1000 \
    --import-allow 127.0.0.1/32 --log-level info --sync "$SYNC" >"$W/srv.out" 2>&1 & SRV_PID=$!
for _ in $(seq 100); do grep -q listening "$W/srv.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(grep -o 'http://[^ ]*/current' "$W/srv.out")
KEY=$(cat "$W/data/owner.key")
F() { "$B/fastio" --api-base "$BASE" --token "$KEY" "$@"; }
F org create "Bench" --domain wibench >/dev/null
F workspace create "Bench" --org wibench --folder-name wibench >/dev/null
now() { date +%s.%N; }
t_curl() {
    rm -f "$W/dest.bin"
    local a; a=$(now)
    curl -sS -o "$W/dest.bin" "$URL"
    echo "$(now) - $a" | bc
}
t_curl_sync() {
    rm -f "$W/dest.bin"
    local a; a=$(now)
    curl -sS -o "$W/dest.bin" "$URL" && sync -d "$W/dest.bin"
    echo "$(now) - $a" | bc
}
t_import() {
    local a id st; a=$(now)
    id=$(curl -sS -H "Authorization: Bearer $KEY" --data-urlencode "source_url=$URL" \
        -d profile_id=wibench -d file_name=big.bin "$BASE/web_upload/" | jq -r .id)
    for _ in $(seq 20000); do
        st=$(curl -sS -H "Authorization: Bearer $KEY" "$BASE/web_upload/$id/details/")
        case $st in
        *'"status": "complete"'* | *'"status":"complete"'*) break ;;
        *'"status": "failed"'* | *'"status":"failed"'* | *canceled*) echo "import failed: $st" >&2; exit 1 ;;
        esac
        sleep 0.1
    done
    echo "$(now) - $a" | bc
}
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f s (min %.2f, max %.2f)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
echo "== warm-up" >&2
t_curl >/dev/null; t_import >/dev/null
: >"$W/c"; : >"$W/cs"; : >"$W/i"
for r in $(seq "$RUNS"); do
    echo "== run $r/$RUNS" >&2
    t_curl >>"$W/c"; t_import >>"$W/i"; t_curl_sync >>"$W/cs"
done
c=$(stats <"$W/c"); cs=$(stats <"$W/cs"); i=$(stats <"$W/i")
cm=$(sort -n "$W/c" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
im=$(sort -n "$W/i" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
csm=$(sort -n "$W/cs" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "URL import of $SIZE_MB MiB from a local server (median of $RUNS, interleaved):"
echo "  curl -o                    $c"
echo "  curl -o + fdatasync        $cs"
echo "  fastio URL import          $i   (server --sync $SYNC)"
echo "  speed vs curl -o:          $(echo "scale=2; $cm / $im" | bc)x (goal >= 0.7)"
echo "  speed vs curl -o + sync:   $(echo "scale=2; $csm / $im" | bc)x"
echo "  the server's split of each timed import (fetch into the session file / store):"
grep -o 'stored [0-9]* bytes as [^ ]* (fetched in [0-9.]* s, stored in [0-9.]* s)' "$W/srv.out" |
    tail -n "$RUNS" | sed 's/^/    /'
