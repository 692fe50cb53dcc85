#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_transfer.sh - the transfer commands of the fastio CLI against a real fastio-server:
# upload/download round trips compared with cmp at the single-request and chunk boundaries,
# many files at once, --preserve-tree, streams from stdin, text, versions and version-restore,
# the upload-session commands, missing local files and partial-failure exit codes.
# Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server --min-chunk-size 65536
export XDG_STATE_HOME="$T_HOME/.local/state"
W="$T_DATA.work"
mkdir -p "$W/src" "$W/dst"
trap 'rm -rf "$W"; cleanup' EXIT

fio --format json org create "Transfer Org" --domain xfer-org
fio --format json workspace create "Transfer WS" --org xfer-org
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
[ -n "$WS" ] && [ "$WS" != null ] && ok "workspace for transfers" || bad "workspace create"

# --- help
fio upload file --help; expect_rc 0 "upload file --help"
expect_out_contains "--preserve-tree" "help documents --preserve-tree"
fio download file --help; expect_out_contains "-o, --output" "help shows the -o alias"

# --- round trips at the boundaries: 0, 1, single-request limit +-1, 8 MiB chunk +-1, several chunks
MIB=1048576
for size in 0 1 $((4 * MIB - 1)) $((4 * MIB)) $((4 * MIB + 1)) $((8 * MIB - 1)) $((8 * MIB)) \
            $((8 * MIB + 1)) $((24 * MIB + 7)); do
    f="$W/src/f-$size.bin"
    head -c "$size" /dev/urandom >"$f"
    fio --format json upload file --workspace "$WS" "$f"
    node=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
    if [ "$RC" != 0 ] || [ -z "$node" ] || [ "$node" = null ]; then bad "upload $size bytes"; continue; fi
    expect_jq '.files[0].size' "$size" "upload $size bytes reports its size"
    rm -f "$W/dst/f-$size.bin"
    fio --format json download file --workspace "$WS" "$node" -o "$W/dst/"
    if [ "$RC" = 0 ] && cmp -s "$f" "$W/dst/f-$size.bin"; then ok "round trip $size bytes"; else bad "round trip $size bytes"; fi
done

# -o with a file name; nothing outside the directory
fio --format json upload file --workspace "$WS" "$W/src/f-1.bin"
node=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
fio download file --workspace "$WS" "$node" -o "$W/dst/renamed.bin"
expect_rc 0 "download -o FILE"
cmp -s "$W/src/f-1.bin" "$W/dst/renamed.bin" && ok "-o FILE writes that file" || bad "-o FILE content"
fio download file --workspace "$WS" "$node" -o "$W/nodir/x.bin"
expect_rc 1 "-o into a missing directory fails"

# --- unicode name
U="$W/src/naïve résumé ✓.txt"
printf 'unicode\n' >"$U"
fio --format json upload file --workspace "$WS" "$U"
expect_rc 0 "upload a unicode name"
expect_jq '.files[0].name' "naïve résumé ✓.txt" "unicode name kept"
node=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
fio download file --workspace "$WS" "$node" -o "$W/dst/"
cmp -s "$U" "$W/dst/naïve résumé ✓.txt" && ok "unicode round trip" || bad "unicode round trip"

# --- many files in one run, downloaded back with download batch
mkdir -p "$W/many" "$W/many-dst"
for i in $(seq 1 40); do head -c $(( (i * 7919) % 150000 + 1 )) /dev/urandom >"$W/many/m$i.bin"; done
fio --format json files create-folder --workspace "$WS" Many
MANY=$(printf '%s' "$OUT" | jq -r .node.id)
fio --format json upload file --workspace "$WS" --folder "$MANY" "$W"/many/*.bin --parallel 8
expect_rc 0 "upload 40 files at once"
expect_jq '.succeeded' 40 "all 40 stored"
mapfile -t NODES < <(printf '%s' "$OUT" | jq -r '.files[].node_id')
fio --format json download batch --workspace "$WS" "${NODES[@]}" -o "$W/many-dst"
expect_rc 0 "download batch of 40"
expect_jq '.succeeded' 40 "batch reports 40"
# --- a folder as one zip with --zip (streamed into a .partial, renamed into place; without
# --zip a folder becomes a directory tree: cli_download_tree.sh)
fio --format json download folder --workspace "$WS" "$MANY" --zip -o "$W/many.zip"
expect_rc 0 "download folder"
[ -s "$W/many.zip" ] && [ ! -e "$W/many.zip.partial" ] && ok "zip renamed into place" || bad "zip not in place"
[ "$(head -c 2 "$W/many.zip")" = "PK" ] && ok "a zip file" || bad "not a zip file"
if command -v unzip >/dev/null 2>&1; then
    n=$(unzip -Z1 "$W/many.zip" | grep -c '^m[0-9]*\.bin$')
    [ "$n" = 40 ] && ok "the zip lists the 40 files" || bad "the zip lists $n files"
    unzip -tqq "$W/many.zip" >/dev/null 2>&1 && ok "unzip -t accepts the zip" || bad "unzip -t refused the zip"
fi
mkdir -p "$W/zipdir"
fio download folder --workspace "$WS" "$MANY" --zip -o "$W/zipdir"
expect_rc 0 "download folder into a directory"
[ -s "$W/zipdir/Many.zip" ] && ok "named after the folder" || bad "zip not named after the folder"
fio download folder --workspace "$WS" root --zip -o "$W/zipdir"
expect_rc 0 "download folder root"
[ -s "$W/zipdir/$WS.zip" ] && ok "the workspace root as <workspace>.zip" || bad "no zip of the root"
fio download folder --workspace "$WS" "${NODES[0]}" --zip -o "$W/zipdir/notafolder.zip"
expect_rc 1 "download folder of a file fails"
[ ! -e "$W/zipdir/notafolder.zip" ] && [ ! -e "$W/zipdir/notafolder.zip.partial" ] && ok "nothing written for a file node" || bad "a zip of a file node"
same=0
for i in $(seq 1 40); do cmp -s "$W/many/m$i.bin" "$W/many-dst/m$i.bin" && same=$((same + 1)); done
[ "$same" = 40 ] && ok "40 files byte-identical" || bad "only $same of 40 identical"

# --- --preserve-tree
mkdir -p "$W/tree/a/b" "$W/tree/c"
echo one >"$W/tree/top.txt"; echo two >"$W/tree/a/x.txt"; echo three >"$W/tree/a/b/y.txt"; echo four >"$W/tree/c/z.txt"
fio --format json upload file --workspace "$WS" --preserve-tree "$W/tree" "$W/tree"
expect_rc 0 "upload a tree"
expect_jq '.succeeded' 4 "tree: 4 files"
YF=$(printf '%s' "$OUT" | jq -r '.files[] | select(.name == "y.txt") | .folder_id')
fio --format json files info --workspace "$WS" "$YF"
expect_jq '.nodes[0].name' b "y.txt went into folder b"
fio --format json files info --workspace "$WS" "$(printf '%s' "$OUT" | jq -r '.nodes[0].parent')"
expect_jq '.nodes[0].name' a "folder b is inside a"
fio upload file --workspace "$WS" --preserve-tree "$W/tree/a" "$W/tree/c/z.txt"
expect_rc 1 "a path outside --preserve-tree is refused"
fio upload file --workspace "$WS" "$W/tree"
expect_rc 1 "a directory without --preserve-tree is refused"
expect_err_contains "--preserve-tree" "the error suggests --preserve-tree"

# --- stream from stdin (unknown size) and text
head -c $((5 * MIB + 3)) /dev/urandom >"$W/src/stream.bin"
set +e
OUT=$("$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" --format json upload stream --workspace "$WS" - --name streamed.bin <"$W/src/stream.bin" 2>"$T_DATA.err"); RC=$?
set -e; ERR=$(cat "$T_DATA.err")
expect_rc 0 "upload stream from stdin"
expect_jq '.files[0].size' $((5 * MIB + 3)) "stream size reported"
node=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
fio download file --workspace "$WS" "$node" -o "$W/dst/"
cmp -s "$W/src/stream.bin" "$W/dst/streamed.bin" && ok "stream round trip" || bad "stream round trip"
fio upload stream --workspace "$WS" -
expect_rc 2 "stdin without --name is a usage error"
fio --format json upload stream --workspace "$WS" "$W/src/stream.bin" --name capped.bin --max-size 1000
expect_rc 1 "a stream over --max-size is refused"
fio --format json upload text --workspace "$WS" --name note.txt "hello, text ✓"
expect_rc 0 "upload text"
node=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
fio download file --workspace "$WS" "$node" -o "$W/dst/"
[ "$(cat "$W/dst/note.txt")" = "hello, text ✓" ] && ok "text round trip" || bad "text round trip"

# --- versions and version-restore
printf 'version one\n' >"$W/src/doc.txt"
fio --format json upload file --workspace "$WS" "$W/src/doc.txt"
DOC=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
cp "$W/src/doc.txt" "$W/src/doc-v1.txt"
printf 'version two, longer\n' >"$W/src/doc.txt"
fio --format json upload file --workspace "$WS" "$W/src/doc.txt"
expect_jq '.files[0].node_id' "$DOC" "same name uploads a new version of the same node"
fio --format json files versions --workspace "$WS" "$DOC"
expect_rc 0 "files versions"
expect_jq '.versions | length' 2 "two versions"
V1=$(printf '%s' "$OUT" | jq -r '.versions[] | select(.current == false) | .version_id' | head -n1)
fio --format json download file --workspace "$WS" "$DOC" --version "$V1" -o "$W/dst/old.txt"
expect_rc 0 "download --version"
expect_jq '.files[0].version_id' "$V1" "the result names the version"
[ ! -e "$W/dst/old.txt.partial" ] && ok "no .partial left after --version" || bad ".partial left after --version"
cmp -s "$W/src/doc-v1.txt" "$W/dst/old.txt" && ok "old version bytes" || bad "old version bytes"
fio --format json files version-restore --workspace "$WS" "$DOC" "$V1"
expect_rc 0 "files version-restore"
rm -f "$W/dst/doc.txt"
fio download file --workspace "$WS" "$DOC" -o "$W/dst/"
cmp -s "$W/src/doc-v1.txt" "$W/dst/doc.txt" && ok "restored version is current" || bad "restored version content"
fio download file --workspace "$WS" "$DOC" --version 3nosuchversion0000000000000 -o "$W/dst/"
expect_rc 1 "an unknown version fails"

# --- upload sessions: limits, status, cancel, list-sessions, cancel-all
fio --format json upload limits
expect_rc 0 "upload limits"
expect_jq '.chunk_size_min' 65536 "limits show the server's smallest chunk"
UP=$(curl -fsS -H "Authorization: Bearer $KEY" -X POST "$BASE/upload/" -d name=pending.bin -d size=200000 \
     -d action=create -d instance_id="$WS" -d folder_id=root -d profile_type=workspace | jq -r .id)
fio --format json upload status "$UP"
expect_rc 0 "upload status"
expect_jq '.session.status' ready "a new session is ready"
fio --format json upload list-sessions
expect_rc 0 "upload list-sessions"
expect_jq "[.sessions[] | select(.id == \"$UP\")] | length" 1 "the session is listed"
fio upload cancel "$UP"
expect_rc 0 "upload cancel"
fio --format json upload status "$UP"
if [ "$RC" = 1 ] || [ "$(printf '%s' "$OUT" | jq -r .session.status)" != ready ]; then ok "a cancelled session is gone"; else bad "cancelled session still ready"; fi
UP2=$(curl -fsS -H "Authorization: Bearer $KEY" -X POST "$BASE/upload/" -d name=p2.bin -d size=200000 \
      -d action=create -d instance_id="$WS" -d folder_id=root -d profile_type=workspace | jq -r .id)
fio --format json upload cancel-all
expect_rc 0 "upload cancel-all"
fio --format json upload status "$UP2"
if [ "$RC" = 1 ] || [ "$(printf '%s' "$OUT" | jq -r .session.status)" != ready ]; then ok "cancel-all cancelled it"; else bad "cancel-all left it ready"; fi
fio upload status nosuchupload
expect_rc 1 "status of an unknown session fails"

# --- missing local files and partial failures
fio upload file --workspace "$WS" "$W/src/does-not-exist.bin"
expect_rc 1 "a missing local file exits 1"
expect_err_contains "No such file or directory" "the error names the cause"
expect_err_contains "does-not-exist.bin" "the error names the file"
fio --format json upload file --workspace "$WS" "$W/src/does-not-exist.bin" "$W/src/f-1.bin"
expect_rc 1 "one missing of two: exit 1 without --allow-partial"
fio --format json upload file --workspace "$WS" "$W/src/does-not-exist.bin" "$W/src/f-1.bin" --allow-partial
expect_rc 0 "--allow-partial: exit 0 when some were stored"
expect_jq '.failed' 1 "--allow-partial reports the failure"
expect_jq '.succeeded' 1 "--allow-partial stores the rest"
fio --format json upload file --workspace "$WS" "$W/src/does-not-exist.bin" --allow-partial
expect_rc 1 "--allow-partial with nothing stored exits 1"
fio --format json upload file --workspace no-such-workspace "$W/src/f-1.bin"
expect_rc 1 "an unknown workspace fails"
fio --format json download batch --workspace "$WS" "${NODES[0]}" 2nosuchnode000000000000000 -o "$W/dst"
expect_rc 1 "download batch with one bad node exits 1"
expect_jq '.succeeded' 1 "the good node is still downloaded"

# --- -q prints nothing
fio -q upload file --workspace "$WS" "$W/src/f-1.bin"
expect_rc 0 "-q upload"
[ -z "$OUT$ERR" ] && ok "-q prints nothing" || bad "-q printed something"

finish
