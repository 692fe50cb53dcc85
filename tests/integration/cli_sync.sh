#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_sync.sh - "fastio sync" (issue 16 item 3) against a real fastio-server: a tree mirrored up
# and a second run sending nothing (no new versions), a changed file as a new version,
# --dry-run, --include / --exclude, --delete both ways, the mirror down and byte-identical, and
# a run cut short by SIGTERM that a rerun finishes without re-sending finished files.
. "$(dirname "$0")/lib.sh"
# faults: the interrupted run is slowed down by the server (stall_ms), not by timing the client
start_server --enable-test-faults --min-chunk-size 65536

fio org create "Sync Org" --domain sync-org
fio workspace create Team --org sync-org --folder-name team
expect_rc 0 "workspace created"

L="$T_DATA/local"
mkdir -p "$L/docs/deep" "$L/empty"
echo one >"$L/one.txt"
echo two >"$L/docs/two.txt"
echo three >"$L/docs/deep/three.md"
head -c 300000 /dev/urandom >"$L/docs/blob.bin"
echo tmp >"$L/docs/scratch.tmp"

versions_of() { # WS PATH
    fio --format json files versions --workspace "$1" "$2"
    printf '%s' "$OUT" | jq -r '.versions | length'
}

fio --format table sync "$L" team:/mirror --exclude '*.tmp' --dry-run
expect_rc 0 "dry run exits 0"
expect_out_contains "upload         docs/two.txt (new)" "dry run lists the uploads"
fio --format json files list --workspace team /
[ "$(printf '%s' "$OUT" | jq '[.nodes[] | select(.name == "mirror")] | length')" = 0 ] &&
    ok "dry run changed nothing (no /mirror)" || bad "dry run made /mirror"

fio --format json sync "$L" team:/mirror --exclude '*.tmp'
expect_rc 0 "sync up exits 0"
expect_jq '.to_send' 4 "four files sent"
fio --format table sync "$L" team:/mirror --exclude '*.tmp'
expect_rc 0 "second sync exits 0"
expect_err_contains "0 to upload" "second sync sends nothing"
[ "$(versions_of team /mirror/docs/two.txt)" = 1 ] && ok "unchanged file keeps one version" ||
    bad "unchanged file got a new version"
fio --format json files list --workspace team /mirror/docs
[ "$(printf '%s' "$OUT" | jq '[.nodes[] | select(.name == "scratch.tmp")] | length')" = 0 ] &&
    ok "--exclude kept scratch.tmp out" || bad "--exclude"

echo "two, changed" >"$L/docs/two.txt"
fio --format table sync "$L" team:/mirror --exclude '*.tmp'
expect_out_contains "docs/two.txt (changed)" "changed file sent"
[ "$(versions_of team /mirror/docs/two.txt)" = 2 ] && ok "changed file is version 2" ||
    bad "changed file version"

fio --format json sync "$L" team:/only-md --include '*.md'
expect_jq '.to_send' 1 "--include '*.md' sends only three.md"

rm "$L/one.txt"
fio --format table sync "$L" team:/mirror --exclude '*.tmp' --delete
expect_rc 0 "sync --delete exits 0"
expect_out_contains "delete remote  one.txt" "one.txt planned for deletion"
fio --format json files list --workspace team /mirror
[ "$(printf '%s' "$OUT" | jq '[.nodes[] | select(.name == "one.txt")] | length')" = 0 ] &&
    ok "--delete trashed the remote file" || bad "--delete up"

# down: a fresh directory, byte-identical, then nothing to do
C="$T_DATA/copy"
fio sync team:/mirror "$C"
expect_rc 0 "sync down exits 0"
if diff -r --exclude='*.tmp' --exclude=empty "$L" "$C" >/dev/null; then ok "down: byte-identical"; else
    bad "down differs: $(diff -rq "$L" "$C" | head -3)"; fi
fio --format table sync team:/mirror "$C"
expect_err_contains "0 to download" "second sync down downloads nothing"
echo "local edit" >"$C/docs/two.txt"
echo extra >"$C/extra.txt"
fio --format table sync team:/mirror "$C" --delete
expect_out_contains "download       docs/two.txt (changed)" "a locally changed file comes back"
[ ! -e "$C/extra.txt" ] && ok "--delete removed the local extra" || bad "--delete down"
cmp -s "$L/docs/two.txt" "$C/docs/two.txt" && ok "restored content" || bad "restored content"

# upload file skips what is already there (same name, size, CRC-32C); --force sends anyway
U="$T_DATA/up"
mkdir -p "$U/a"
echo "u1" >"$U/a/u1.txt"
echo "u2" >"$U/u2.txt"
fio --format json upload file --workspace team --folder /up --parents --preserve-tree "$U"
expect_jq '[.files[] | select(.status == "stored")] | length' 2 "first upload --preserve-tree stores 2"
fio --format json upload file --workspace team --folder /up --preserve-tree "$U"
expect_jq '[.files[] | select(.status == "unchanged")] | length' 2 "second upload: both unchanged"
[ "$(versions_of team /up/a/u1.txt)" = 1 ] && ok "no second version" || bad "second version made"
echo "u1 changed" >"$U/a/u1.txt"
fio --format json upload file --workspace team --folder /up --preserve-tree "$U"
expect_jq '[.files[] | select(.status == "stored")] | length' 1 "a changed file is sent"
fio --format json upload file --workspace team --folder /up --force "$U/u2.txt"
expect_jq '.files[0].status' stored "--force sends an unchanged file"
[ "$(versions_of team /up/u2.txt)" = 2 ] && ok "--force made version 2" || bad "--force version"

# usage
fio sync "$L" "$C"
expect_rc 2 "two local sides is a usage error"
fio sync team:/a team:/b
expect_rc 2 "two remote sides is a usage error"

# cut short and resumed: nothing finished is sent again
B="$T_DATA/big"
mkdir -p "$B"
for i in 1 2 3 4 5 6; do head -c 200000 /dev/urandom >"$B/small$i.bin"; done
head -c 3000000 /dev/urandom >"$B/large.bin"
curl -fsS -X POST "$BASE/test/faults/" -d stall=100 -d stall_ms=1000 >/dev/null
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" sync "$B" team:/big --parallel 1 \
    >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -TERM "$pid"
wait "$pid"
RC=$?
set -e
curl -fsS -X POST "$BASE/test/faults/" >/dev/null
expect_rc 143 "a sync interrupted by SIGTERM exits 143"
fio sync "$B" team:/big
expect_rc 0 "rerun finishes"
fio --format table sync "$B" team:/big
expect_err_contains "0 to upload" "then nothing is left to send"
multi=0
for f in small1 small2 small3 small4 small5 small6 large; do
    [ "$(versions_of team "/big/$f.bin")" = 1 ] || multi=$((multi + 1))
done
[ "$multi" = 0 ] && ok "no file was stored twice after the interruption" ||
    bad "$multi file(s) with a second version"
finish
