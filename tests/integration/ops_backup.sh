#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fastio-server backup DEST and the restore procedure of docs/server.md (D-119), performed:
# files are uploaded while the backup runs, and other files are deleted and purged from the
# trash meanwhile (blob reclaim against the backup's copy); the backup is restored into a new
# data directory and a server started on it; every file acknowledged before the backup started
# is there and its bytes are the uploaded ones, and every file the copy holds verifies.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ops_lib.sh"

ORIG=$T_DATA
W="$T_DATA.work"
DEST="$T_DATA.backup"
NEW="$T_DATA.restored"
mkdir -p "$W/a" "$W/b" "$W/d" "$W/out"
trap 'touch "$W/stop" 2>/dev/null; rm -rf "$W" "$DEST" "$NEW" "$ORIG"; cleanup' EXIT

start_server --sync complete
fio --format json org create "Backup Org" --domain backup-org
fio --format json workspace create "Backup WS" --org backup-org
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
CLI=("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY")

# up FILE: upload to the root, prints the node id (exit status of the CLI)
up() { "${CLI[@]}" --format json upload file "$1" --workspace "$WS" </dev/null 2>>"$W/up.err" | jq -r '.files[0].node_id'; }

# --- set A: 40 files acknowledged before anything else; set D: 30 files deleted during the backup
for i in $(seq 1 40); do head -c $((1000 + RANDOM * 7)) /dev/urandom >"$W/a/a$i.bin"; [ -n "$(up "$W/a/a$i.bin")" ] || { echo "upload a$i failed"; exit 1; }; done
for i in $(seq 1 30); do head -c $((500 + RANDOM)) /dev/urandom >"$W/d/d$i.bin"; up "$W/d/d$i.bin" >"$W/d/d$i.id"; done
ok "70 files uploaded before the backup"

# --- uploads (set B) and deletions (set D) run while the backup is taken
(
    i=0
    while [ ! -e "$W/stop" ] && [ $i -lt 400 ]; do
        i=$((i + 1))
        head -c $((2000 + RANDOM)) /dev/urandom >"$W/b/b$i.bin"
        if [ -n "$(up "$W/b/b$i.bin")" ]; then echo "b$i.bin" >>"$W/b.acked"; fi
    done
) &
UPLOADER=$!
(
    for i in $(seq 1 30); do
        id=$(cat "$W/d/d$i.id")
        curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" -X DELETE "$BASE/workspace/$WS/storage/$id/delete/" || true
        curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" -X DELETE "$BASE/workspace/$WS/storage/trash/delete/" || true
    done
) &
DELETER=$!
for _ in $(seq 1 600); do [ "$(wc -l <"$W/b.acked" 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.05; done
cp "$W/b.acked" "$W/b.before" # acknowledged before the backup started
set +e
"$FASTIO_SERVER_BIN" backup --data "$T_DATA" "$DEST" >"$W/backup.out" 2>"$W/backup.err"
BRC=$?
set -e
RC=$BRC; OUT=$(cat "$W/backup.out"); ERR=$(cat "$W/backup.err")
expect_rc 0 "fastio-server backup while uploads and purges go on"
for _ in $(seq 1 600); do [ "$(wc -l <"$W/b.acked")" -ge $(($(wc -l <"$W/b.before") + 3)) ] && break; sleep 0.05; done
touch "$W/stop"
wait "$UPLOADER" "$DELETER" # (not a bare wait: the server is a job of this shell too)
echo "# $(wc -l <"$W/b.before") uploads acknowledged before the backup, $(wc -l <"$W/b.acked") in all; $(grep -c 'a backup is running' "$T_DATA/server.log" || true) reclaims deferred by the backup"
expect_eq "$(stat -c %a "$DEST") $(stat -c %a "$DEST/meta.db") $(stat -c %a "$DEST/owner.key")" "700 600 600" "the backup is private (0700, 0600)"
stop_server

# --- restore: the documented procedure (copy the backup to a new data directory, start on it)
cp -a "$DEST" "$NEW"
T_DATA=$NEW
start_server
T_DATA=$ORIG
CLI=("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY")
OUT=$("${CLI[@]}" --format json files list --workspace "$WS" --all)
printf '%s' "$OUT" | jq -r '.nodes[] | select(.type == "file") | .name' | sort >"$W/restored.names"
echo "# restored: $(wc -l <"$W/restored.names") files"

# verify NAME LOCALFILE: download NAME from the restored server and compare its bytes
verify() {
    rm -f "$W/out/$1"
    "${CLI[@]}" download file --workspace "$WS" "/$1" -o "$W/out/$1" -q </dev/null >/dev/null 2>>"$W/dl.err" && cmp -s "$W/out/$1" "$2"
}
missing=0; badbytes=0
for i in $(seq 1 40); do
    if ! grep -qx "a$i.bin" "$W/restored.names"; then missing=$((missing + 1)); continue; fi
    verify "a$i.bin" "$W/a/a$i.bin" || badbytes=$((badbytes + 1))
done
while read -r n; do
    if ! grep -qx "$n" "$W/restored.names"; then missing=$((missing + 1)); continue; fi
    verify "$n" "$W/b/$n" || badbytes=$((badbytes + 1))
done <"$W/b.before"
expect_eq "$missing $badbytes" "0 0" "every file acknowledged before the backup is restored with its bytes ($((40 + $(wc -l <"$W/b.before"))) files)"
# Whatever else the snapshot holds (uploads during the backup, files deleted after it) verifies.
extra=0; extrabad=0
while read -r n; do
    case "$n" in
    a*) continue ;;
    b*) src="$W/b/$n" ;;
    d*) src="$W/d/$n" ;;
    *) extrabad=$((extrabad + 1)); continue ;;
    esac
    grep -qx "$n" "$W/b.before" && continue
    extra=$((extra + 1))
    verify "$n" "$src" || extrabad=$((extrabad + 1))
done <"$W/restored.names"
expect_eq "$extrabad" 0 "the $extra other files of the snapshot (uploaded or deleted during the backup) verify too"
curl -fsS -o /dev/null -H "Authorization: Bearer $(tr -d '\r\n' <"$NEW/owner.key")" "$BASE/user/me/details/" && ok "the restored owner.key signs in" || bad "owner.key"
stop_server
T_DATA=$NEW # the harness's cleanup removes T_DATA; the original goes with $W's trap
finish
