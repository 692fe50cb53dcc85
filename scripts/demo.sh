#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Command 1 of the README: install what is missing, build, start fastio-server on its embedded
# default (data in ~/.local/share/fastio-server, 127.0.0.1:8787) and drive it with the fastio CLI
# through a short real session, printing each command and its output.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
bash scripts/deps.sh
echo "== building (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTIO_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
FASTIO="$ROOT/build/fastio"
SERVER="$ROOT/build/fastio-server"

started=""
if curl -fsS --max-time 2 http://127.0.0.1:8787/current/ping/ >/dev/null 2>&1; then
    echo "== a fastio-server is already answering on 127.0.0.1:8787; using it"
else
    echo "== starting fastio-server (embedded default: no flags)"
    LOG=$(mktemp /tmp/fastio-server-demo-XXXXXX.log)
    "$SERVER" >"$LOG" 2>&1 &
    started=$!
    trap '[ -n "$started" ] && kill "$started" 2>/dev/null; wait "$started" 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
        if curl -fsS --max-time 1 http://127.0.0.1:8787/current/ping/ >/dev/null 2>&1; then break; fi
        sleep 0.1
    done
    head -n 1 "$LOG"
fi

run() {
    echo
    printf '$ fastio'
    printf ' %q' "$@"
    printf '\n'
    "$FASTIO" --format table "$@"
}

STAMP=$(date +%s)
run system status
run auth status
run auth api-key create --name "demo key $STAMP"
run org create "Demo Org $STAMP" --domain "demo-$STAMP"
run workspace create "Demo Workspace" --org "demo-$STAMP" --folder-name "demo-ws-$STAMP" --intelligence false
run files create-folder --workspace "demo-ws-$STAMP" reports
run files create-folder --workspace "demo-ws-$STAMP" "meeting notes"
run files list --workspace "demo-ws-$STAMP"
run workspace list

# A 256 MiB file of random bytes: uploaded (progress bar on a terminal), downloaded back and
# compared byte for byte; the temporary directory is removed however the script ends.
TMPD=$(mktemp -d /tmp/fastio-demo-XXXXXX)
trap 'rm -rf "$TMPD"; [ -n "$started" ] && kill "$started" 2>/dev/null; wait "$started" 2>/dev/null || true' EXIT
echo
echo "== generating a 256 MiB random file in $TMPD"
head -c $((256 * 1024 * 1024)) /dev/urandom >"$TMPD/random-256MiB.bin"
run --format table upload file --workspace "demo-ws-$STAMP" "$TMPD/random-256MiB.bin" --folder /reports
mkdir "$TMPD/back"
# paths work wherever an id does (docs/cli.md "Paths and names")
run --format table download file --workspace "demo-ws-$STAMP" /reports/random-256MiB.bin -o "$TMPD/back/"
echo
echo "\$ cmp random-256MiB.bin back/random-256MiB.bin && sha256sum ..."
cmp "$TMPD/random-256MiB.bin" "$TMPD/back/random-256MiB.bin"
(cd "$TMPD" && sha256sum random-256MiB.bin back/random-256MiB.bin)
echo "== the bytes are identical"
rm -rf "$TMPD"
echo
echo "== done: the session above ran against $("$FASTIO" --format json system status >/dev/null && echo http://127.0.0.1:8787/current)"
