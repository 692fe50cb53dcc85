#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_paths.sh - node arguments by path and workspaces by name (D-085) against a real
# fastio-server: upload into /a/b with --parents, list, info, move, download and delete by path,
# workspaces by id, folder_name and display name, and error messages that name what is missing.
source "$(dirname "$0")/lib.sh"
start_server

fio --format json org create "Paths Org" --domain paths-org
expect_rc 0 "org create"
fio --format json workspace create "Paths Team" --org paths-org --folder-name paths-team
expect_rc 0 "workspace create"
WSID=$(printf '%s' "$OUT" | jq -r .workspace.id)

SRC="$T_DATA/src"; mkdir -p "$SRC"
printf 'alpha\n' >"$SRC/a.txt"
printf 'beta\n' >"$SRC/b.txt"

# A missing folder is named, with the command that shows what is there.
fio upload file --workspace paths-team "$SRC/a.txt" --folder /reports/2026
expect_rc 1 "upload into a missing folder fails"
expect_err_contains "no folder 'reports' in /" "the error names the missing folder and where"
expect_err_contains "fastio files list --workspace paths-team /" "the error says how to look"
expect_err_contains "--parents" "the error mentions --parents"

# --parents creates /reports/2026; the workspace by display name.
fio --format json upload file --workspace "Paths Team" "$SRC/a.txt" --folder /reports/2026 --parents
expect_rc 0 "upload --parents into /reports/2026 (workspace by name)"
AID=$(printf '%s' "$OUT" | jq -r '.files[0].node_id')
fio --format json upload file --workspace paths-team "$SRC/b.txt" --folder reports/2026
expect_rc 0 "upload into an existing folder by relative path"

# The folder by path, positional and --folder; workspace by id.
fio --format json files list --workspace "$WSID" /reports/2026
expect_rc 0 "files list by path (workspace by id)"
expect_jq '[.nodes[].name] | sort | join(",")' "a.txt,b.txt" "the listing holds both files"
fio --format json files list --workspace paths-team --folder /reports
expect_jq '.nodes[0].name' "2026" "files list --folder PATH"
fio files list --workspace paths-team /reports/2026 --folder /reports
expect_rc 2 "a positional folder and --folder together is a usage error"

# info / move / download / delete by path
fio --format json files info --workspace paths-team /reports/2026/a.txt
expect_rc 0 "files info by path"
expect_jq '.nodes[0].id' "$AID" "the path resolves to the uploaded node"
fio files create-folder --workspace paths-team q3 --parent /plans/2027
expect_rc 1 "create-folder under a missing parent fails"
expect_err_contains "no folder 'plans' in /" "and names the missing folder"
fio --format json files create-folder --workspace paths-team q3 --parent /plans/2027 --parents
expect_rc 0 "create-folder --parents makes the parent chain"
fio --format json files list --workspace paths-team /plans/2027
expect_jq '.nodes[0].name' "q3" "the folder is at /plans/2027/q3"
fio --format json files create-folder --workspace paths-team archive --parent /reports
expect_rc 0 "create-folder with --parent PATH"
fio --format json files move --workspace paths-team /reports/2026/a.txt --to /reports/archive
expect_rc 0 "files move by paths"
fio --format json files list --workspace paths-team /reports/archive
expect_jq '.nodes[0].name' "a.txt" "the file is in the new folder"
fio --format json download file --workspace paths-team /reports/archive/a.txt -o "$T_DATA/got.txt"
expect_rc 0 "download file by path"
if cmp -s "$SRC/a.txt" "$T_DATA/got.txt"; then ok "downloaded bytes match"; else bad "downloaded bytes differ"; fi

# A bare name is looked up in the root; locks take paths too.
fio --format json upload text --workspace paths-team --name bare.txt "bare bytes"
expect_rc 0 "upload text into the root"
fio --format json download file --workspace paths-team bare.txt -o "$T_DATA/bare.txt"
expect_rc 0 "download file by a bare name"
[ "$(cat "$T_DATA/bare.txt")" = "bare bytes" ] && ok "the bare name found the root file" || bad "wrong bytes for bare.txt"
fio --format json lock acquire --workspace paths-team /reports/archive/a.txt
expect_rc 0 "lock acquire by path"
LT=$(printf '%s' "$OUT" | jq -r .lock.lock_token)
fio --format json lock status --context-type workspace --context-id paths-team /reports/archive/a.txt
expect_jq '.lock.locked' true "lock status by path (--context-id form)"
fio --format json lock release --workspace paths-team /reports/archive/a.txt --lock-token "$LT"
expect_rc 0 "lock release by path"

# Missing leaf, a file used as a folder, an unknown workspace name.
fio download file --workspace paths-team /reports/2026/nope.txt
expect_rc 1 "download of a missing path fails"
expect_err_contains "no file or folder 'nope.txt' in /reports/2026" "the error names the missing leaf"
fio files list --workspace paths-team /reports/2026/b.txt
expect_rc 1 "listing a file as a folder fails"
expect_err_contains "'b.txt' in /reports/2026 is a file, not a folder" "the error says it is a file"
fio --format json files list --workspace "paths team" /reports
expect_jq '.nodes[0].name' "2026" "a workspace name matches regardless of case"
fio --format json files list --workspace "Paths-Team" /reports
expect_jq '.nodes[0].name' "2026" "so does a folder_name in capitals"
fio files list --workspace "No Such Team" /
expect_rc 1 "unknown workspace name"
expect_err_contains "no workspace 'No Such Team'" "the error names the workspace"

# A name with spaces and non-ASCII characters; ".." and "." in paths.
fio --format json files create-folder --workspace paths-team "Été 2026 – notes" --parent /
expect_rc 0 "create a folder with spaces and accents"
fio --format json upload text --workspace paths-team --name "n.txt" --folder "/Été 2026 – notes" "x"
expect_rc 0 "upload text into it by path"
fio --format json files info --workspace paths-team "/reports/../Été 2026 – notes/./n.txt"
expect_jq '.nodes[0].name' "n.txt" "'..' and '.' are followed"
fio files list --workspace paths-team "/Été 2026 – notes/missing"
expect_err_contains "'/Été 2026 – notes'" "a path with spaces is quoted in the hint"

fio --format json files delete --workspace paths-team /reports/2026/b.txt
expect_rc 0 "files delete by path"
fio --format json files list --workspace paths-team /reports/2026
expect_jq '.nodes | length' "0" "the folder is empty after the delete"

# ids still work as they are, and the api group takes wire values untouched
fio --format json files info --workspace paths-team "$AID"
expect_jq '.nodes[0].name' "a.txt" "a node id works as before"
finish
