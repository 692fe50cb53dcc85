#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Private data and log rotation (D-117): everything the server creates in its data directory is
# 0600 (files) or 0700 (directories), checked with stat after an upload, a mail and an upload in
# progress; SIGHUP reopens the --access-log file after it was moved away (logrotate's way).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

umask 022 # the server must not depend on the caller's umask
start_server --min-chunk-size 1024
fio --format json org create "Files Org" --domain files-org
fio --format json workspace create "Files WS" --org files-org
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
head -c 3000 /dev/urandom >"$T_DATA.f.bin"
fio --format json upload file "$T_DATA.f.bin" --workspace "$WS"
expect_rc 0 "a stored upload"
UP=$(curl -fsS -H "Authorization: Bearer $KEY" -X POST "$BASE/upload/" -d name=open.bin -d size=4096 \
     -d action=create -d instance_id="$WS" -d folder_id=root -d profile_type=workspace | jq -r .id)
new_user >/dev/null # mail in DATA/outbox

# mode PATH: octal permission bits
mode() { stat -c %a "$1"; }
n_files=0
n_dirs=0
while IFS= read -r -d '' f; do
    if [ -d "$f" ]; then
        n_dirs=$((n_dirs + 1))
        [ "$(mode "$f")" = 700 ] || { RC=-; OUT="$f"; ERR=$(mode "$f"); bad "directory not 0700"; }
    else
        n_files=$((n_files + 1))
        [ "$(mode "$f")" = 600 ] || { RC=-; OUT="$f"; ERR=$(mode "$f"); bad "file not 0600"; }
    fi
done < <(find "$T_DATA" -print0)
for p in meta.db meta.db-wal blobs tmp outbox owner.key server.log "tmp/$UP"; do
    [ -e "$T_DATA/$p" ] || { RC=-; OUT=$p; ERR=missing; bad "expected $p in the data directory"; }
done
blobs=$(find "$T_DATA/blobs" -type f | wc -l)
mails=$(find "$T_DATA/outbox" -name '*.eml' | wc -l)
if [ "$blobs" -ge 1 ] && [ "$mails" -ge 1 ]; then ok "checked $n_files files (meta.db, -wal, $blobs blob(s), $mails mail(s), the open upload's file, logs) 0600 and $n_dirs directories 0700"; else bad "no blob or mail to check"; fi

# --- SIGHUP reopens the log
mv "$T_DATA/server.log" "$T_DATA/server.log.1"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 100); do [ -e "$T_DATA/server.log" ] && break; sleep 0.05; done
curl -fsS -o /dev/null "$BASE/ping/?after=hup"
for _ in $(seq 1 100); do grep -q '"path":"/ping/"' "$T_DATA/server.log" 2>/dev/null && break; sleep 0.05; done
if grep -q '"path":"/ping/"' "$T_DATA/server.log" && grep -q 'log file reopened' "$T_DATA/server.log"; then ok "after SIGHUP new lines go to the new log file"; else bad "no new log file after SIGHUP"; fi
n_old=$(grep -c '"path":"/ping/"' "$T_DATA/server.log.1" || true)
if [ "$n_old" = 0 ]; then ok "the moved file gets no new lines"; else bad "old log got $n_old ping lines"; fi
expect_eq "$(mode "$T_DATA/server.log")" 600 "the reopened log is 0600"
if kill -0 "$SERVER_PID" 2>/dev/null; then ok "the server keeps running after SIGHUP"; else bad "server died on SIGHUP"; fi
stop_server
ok "clean stop after SIGHUP"
finish
