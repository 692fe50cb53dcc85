#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_download_tree.sh - downloads as people expect them (D-087): a folder becomes a directory
# tree (a zip only with --zip), -o - writes to stdout, an existing file is never replaced
# silently (refused with exit 1; --overwrite, --skip-existing), files get 0666 less the umask.
source "$(dirname "$0")/lib.sh"
start_server

fio --format json org create "Tree Org" --domain tree-org
fio --format json workspace create "Tree" --org tree-org --folder-name tree
expect_rc 0 "workspace create"

SRC="$T_DATA/src/proj"; mkdir -p "$SRC/sub/deeper" "$SRC/empty"
printf 'alpha\n' >"$SRC/a.txt"
head -c 300000 /dev/urandom >"$SRC/sub/b.bin"
printf 'gamma\n' >"$SRC/sub/deeper/c.txt"
printf 'ünï\n' >"$SRC/sub/日本.txt"
fio --format json upload file --workspace tree --preserve-tree "$T_DATA/src"
expect_rc 0 "upload the tree (--preserve-tree DIR alone)"
expect_jq '.succeeded' 4 "four files stored"
fio --format json files create-folder --workspace tree empty --parent /proj
expect_rc 0 "an empty folder"

same_tree() { diff -r "$1" "$2" >/dev/null 2>&1; }

# a folder becomes a tree; -o that does not exist is created as the folder
cd "$T_DATA"
umask 022
fio --format json download folder --workspace tree /proj -o "$T_DATA/out"
expect_rc 0 "download folder as a tree"
expect_jq '.succeeded' 4 "four files downloaded"
if same_tree "$SRC" "$T_DATA/out"; then ok "the tree matches the source (empty folder included)"; else bad "trees differ: $(diff -r "$SRC" "$T_DATA/out" 2>&1 | head -3)"; fi
[ "$(stat -c %a "$T_DATA/out/sub/b.bin")" = 644 ] && ok "umask 022 gives 0644" || bad "mode $(stat -c %a "$T_DATA/out/sub/b.bin") under umask 022"
[ "$(stat -c %a "$T_DATA/out/sub/deeper")" = 755 ] && ok "directories 0755 under umask 022" || bad "directory mode $(stat -c %a "$T_DATA/out/sub/deeper")"

# an existing directory receives the contents; default is ./<folder name>
mkdir -p "$T_DATA/into"
fio --format json download folder --workspace tree /proj/sub -o "$T_DATA/into"
expect_rc 0 "download into an existing directory"
[ -f "$T_DATA/into/deeper/c.txt" ] && ok "an existing -o DIR receives the folder's contents" || bad "no $T_DATA/into/deeper/c.txt"
mkdir -p "$T_DATA/cwd" && cd "$T_DATA/cwd"
fio --format json download file --workspace tree /proj/sub
expect_rc 0 "download file of a folder path downloads its tree"
[ -f "$T_DATA/cwd/sub/日本.txt" ] && ok "default destination ./<folder name>" || bad "no ./sub/日本.txt"
cd "$T_DATA"

# the root folder ("/") is named after the workspace as given
mkdir -p "$T_DATA/rootdl" && cd "$T_DATA/rootdl"
fio --format json download folder --workspace Tree /
expect_rc 0 "download folder / (workspace by name)"
[ -f "$T_DATA/rootdl/Tree/proj/sub/deeper/c.txt" ] && ok "the whole workspace under ./Tree" || bad "no ./Tree/proj/sub/deeper/c.txt"
cd "$T_DATA"

# existing files: refused by default, nothing fetched; --skip-existing; --overwrite
printf 'local change\n' >"$T_DATA/out/a.txt"
fio --format json download folder --workspace tree /proj -o "$T_DATA/out"
expect_rc 1 "a second download into the same tree is refused"
expect_err_contains "exists" "the error names the existing file"
expect_err_contains "--overwrite" "the error says how to overwrite"
[ "$(cat "$T_DATA/out/a.txt")" = "local change" ] && ok "the local file is untouched" || bad "the local file was replaced"
fio --format json download folder --workspace tree /proj -o "$T_DATA/out" --skip-existing
expect_rc 0 "--skip-existing succeeds"
expect_jq '[.files[] | select(.status == "skipped")] | length' 4 "every existing file is skipped"
[ "$(cat "$T_DATA/out/a.txt")" = "local change" ] && ok "--skip-existing keeps the local file" || bad "--skip-existing replaced the file"
fio --format json download folder --workspace tree /proj -o "$T_DATA/out" --overwrite
expect_rc 0 "--overwrite succeeds"
if same_tree "$SRC" "$T_DATA/out"; then ok "--overwrite restores the tree"; else bad "tree differs after --overwrite"; fi
fio download folder --workspace tree /proj -o "$T_DATA/out" --overwrite --skip-existing
expect_rc 2 "--overwrite with --skip-existing is a usage error"

# download file: refuse an existing target, then --overwrite
fio --format json download file --workspace tree /proj/a.txt -o "$T_DATA/single.txt"
expect_rc 0 "download file"
fio --format json download file --workspace tree /proj/a.txt -o "$T_DATA/single.txt"
expect_rc 1 "download file onto an existing file is refused"
expect_err_contains "single.txt' exists" "the error names the file"
fio --format json download file --workspace tree /proj/a.txt -o "$T_DATA/single.txt" --overwrite
expect_rc 0 "download file --overwrite"

# the umask decides the mode
rm -f "$T_DATA/private.bin"
umask 077
fio --format json download file --workspace tree /proj/sub/b.bin -o "$T_DATA/private.bin"
umask 022
[ "$(stat -c %a "$T_DATA/private.bin")" = 600 ] && ok "umask 077 gives 0600" || bad "mode $(stat -c %a "$T_DATA/private.bin") under umask 077"
umask 002
fio --format json download file --workspace tree /proj/sub/b.bin -o "$T_DATA/group.bin"
umask 022
[ "$(stat -c %a "$T_DATA/group.bin")" = 664 ] && ok "umask 002 gives 0664" || bad "mode $(stat -c %a "$T_DATA/group.bin") under umask 002"

# -o -: the bytes on stdout, nothing else there
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" download file --workspace tree /proj/sub/b.bin -o - >"$T_DATA/stdout.bin" 2>"$T_DATA.err"
RC=$?
set -e
expect_rc 0 "download file -o -"
if cmp -s "$SRC/sub/b.bin" "$T_DATA/stdout.bin"; then ok "stdout holds exactly the file's bytes"; else bad "stdout differs from the file"; fi
if ls "${TMPDIR:-/tmp}"/fastio-dl-* >/dev/null 2>&1; then bad "a temporary directory was left behind"; else ok "no temporary files left"; fi
fio download folder --workspace tree /proj -o -
expect_rc 2 "-o - with a folder is a usage error"

# --zip: one zip file
fio --format json download folder --workspace tree /proj --zip -o "$T_DATA/proj.zip"
expect_rc 0 "download folder --zip"
if [ -f "$T_DATA/proj.zip" ] && [ "$(head -c 2 "$T_DATA/proj.zip")" = PK ]; then ok "--zip writes a zip"; else bad "no zip"; fi
fio --format json download folder --workspace tree /proj --zip -o "$T_DATA/proj.zip"
expect_rc 1 "--zip onto an existing file is refused"
mkdir -p "$T_DATA/zips"
fio --format json download folder --workspace tree /proj --zip -o "$T_DATA/zips"
expect_rc 0 "--zip into a directory"
[ -s "$T_DATA/zips/proj.zip" ] && ok "named <folder>.zip" || bad "no zips/proj.zip"
fio --format json download folder --workspace tree /proj --zip -o "$T_DATA/zips"
expect_rc 1 "--zip into a directory that has the zip is refused"
fio --format json download folder --workspace tree /proj --zip -o "$T_DATA/zips" --overwrite
expect_rc 0 "--zip --overwrite"
finish
