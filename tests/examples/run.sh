#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - the programs of examples/ and the README's two examples (built from README.md)
# against a real fastio-server (tests/integration/lib.sh starts it): each does what its comment
# says, checked through the CLI and the bytes on both sides. FASTIO_EXAMPLES_DIR: where they
# were built.
source "$(dirname "$0")/../integration/lib.sh"
: "${FASTIO_EXAMPLES_DIR:?run through ctest}"
X=$FASTIO_EXAMPLES_DIR
start_server

fio --format json org create "Examples Org" --domain examples-org
expect_rc 0 "org create"
fio --format json workspace create "Examples" --org examples-org --folder-name examples
expect_rc 0 "workspace create"
fio --format json files create-folder --workspace examples 2026 --parent /reports --parents
expect_rc 0 "create-folder /reports/2026"
fio --format json files list --workspace examples /reports
expect_jq '.nodes[0].name' "2026" "folders /reports/2026 made"

# run_ex NAME ARGS...: an example with the server and key in its environment; OUT, ERR, RC
run_ex() {
    local name=$1; shift
    set +e
    OUT=$(cd "$T_DATA" && FASTIO_API_BASE="$BASE" FASTIO_API_KEY="$KEY" "$X/$name" "$@" \
        2>"$T_DATA.err" </dev/null)
    RC=$?
    set -e
    ERR=$(cat "$T_DATA.err")
}

SRC="$T_DATA/src"; mkdir -p "$SRC"
head -c 3000000 /dev/urandom >"$SRC/big.bin"
printf 'line 1\n' >"$SRC/todo.txt"

# ---- upload_file: one call, into a folder by path --------------------------------------------
run_ex upload_file examples "$SRC/big.bin" /reports/2026
expect_rc 0 "upload_file into /reports/2026"
BIG_ID=$OUT
fio --format json files info --workspace examples /reports/2026/big.bin
expect_jq '.nodes[0].id' "$BIG_ID" "upload_file printed the node id of /reports/2026/big.bin"
mkdir -p "$T_DATA/dl"
fio download file --workspace examples /reports/2026/big.bin -o "$T_DATA/dl"
expect_rc 0 "download what upload_file stored"
if cmp -s "$SRC/big.bin" "$T_DATA/dl/big.bin"; then ok "the bytes came back"; else bad "bytes differ"; fi
run_ex upload_file examples "$SRC/todo.txt"
expect_rc 0 "upload_file into the top folder"
run_ex upload_file examples "$SRC/todo.txt" /nowhere
expect_rc 1 "upload_file into a missing folder fails"
expect_err_contains "'nowhere'" "and names the missing folder"
run_ex upload_file
expect_rc 2 "upload_file without arguments is a usage error"

# ---- list_folder: by path, every page ---------------------------------------------------------
run_ex list_folder examples /reports/2026
expect_rc 0 "list_folder /reports/2026"
expect_out_contains "file        3000000  big.bin" "lists big.bin with its size"
run_ex list_folder examples
expect_rc 0 "list_folder of the top folder"
expect_out_contains "folder" "lists /reports as a folder"
expect_out_contains "todo.txt" "and todo.txt"
# more than one page (the example asks for 100 a page): 120 files
for i in $(seq 1 120); do printf '%s\n' "$i" >"$SRC/n$i.txt"; done
mkdir -p "$SRC/many" && mv "$SRC"/n*.txt "$SRC/many/"
fio files create-folder --workspace examples many --parent /
fio upload file --workspace examples --folder /many "$SRC"/many/*.txt
expect_rc 0 "120 small files into /many"
run_ex list_folder examples /many
expect_rc 0 "list_folder /many"
n=$(printf '%s\n' "$OUT" | grep -c ' n[0-9]*\.txt$' || true)
if [ "$n" = 120 ]; then ok "list_folder read every page (120 lines)"; else bad "list_folder printed $n of 120"; fi
run_ex list_folder examples /reports/missing
expect_rc 1 "list_folder of a missing path fails"
expect_err_contains "'missing'" "and names what is missing"

# ---- locked_edit: lock, download, append, new version with the token, release ---------------
run_ex locked_edit examples /todo.txt "line 2"
expect_rc 0 "locked_edit appends a line"
rm -f "$T_DATA/dl/todo.txt"
fio download file --workspace examples /todo.txt -o "$T_DATA/dl"
if [ "$(cat "$T_DATA/dl/todo.txt")" = "$(printf 'line 1\nline 2')" ]; then
    ok "the file holds both lines"
else
    bad "todo.txt is '$(cat "$T_DATA/dl/todo.txt")'"
fi
fio --format json lock status --context-type workspace --context-id examples /todo.txt
expect_jq '.lock.locked' "false" "the lock was released"
fio --format json files info --workspace examples /todo.txt
TODO_ID=$(printf '%s' "$OUT" | jq -r '.nodes[0].id')
# While someone else holds the lock the example waits (up to 30 s) and writes nothing: the lock
# is taken here and released a second later, after which the example takes it and edits.
fio --format json lock acquire --workspace examples "$TODO_ID" --duration 60
expect_rc 0 "someone else takes the lock"
LTOK=$(printf '%s' "$OUT" | jq -r '.lock.lock_token')
( sleep 1; "$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" lock release --workspace examples \
    "$TODO_ID" --lock-token "$LTOK" >/dev/null 2>&1 ) &
REL=$!
run_ex locked_edit examples "$TODO_ID" "line 3"
wait "$REL" || true
expect_rc 0 "locked_edit waits for the lock and then edits (file by id)"
rm -f "$T_DATA/dl/todo.txt"
fio download file --workspace examples /todo.txt -o "$T_DATA/dl"
if [ "$(tail -n 1 "$T_DATA/dl/todo.txt")" = "line 3" ]; then ok "line 3 appended after the wait"; else bad "todo.txt ends '$(tail -n 1 "$T_DATA/dl/todo.txt")'"; fi
run_ex locked_edit examples /reports "x"
expect_rc 1 "locked_edit on a folder fails"

# ---- the README's example -----------------------------------------------------------------------
run_ex readme_example examples "$SRC/big.bin"
expect_rc 0 "README example runs"
expect_out_contains "libfastio " "prints the library version"
expect_out_contains "1 organization(s)" "lists the organization"
expect_out_contains "stored as " "uploads"
if cmp -s "$SRC/big.bin" "$T_DATA/downloaded-copy"; then ok "README example downloaded the same bytes"; else bad "README example's download differs"; fi

# ---- the README's MCP example: fastio-server's /mcp, listing the tools and calling one ---------
run_ex readme_mcp "http://127.0.0.1:$PORT/mcp"
expect_rc 0 "README MCP example runs"
n=$(printf '%s\n' "$OUT" | sed -n 's/^\([0-9][0-9]*\) tools$/\1/p')
[ -n "$n" ] && [ "$n" -gt 0 ] && ok "it lists the server's tools ($n)" || bad "no tool count in '$OUT'"
expect_out_contains "examples" "the workspace tool's answer names the workspace"
FASTIO_API_KEY_SAVED=$KEY; KEY=not-a-key
run_ex readme_mcp "http://127.0.0.1:$PORT/mcp"
KEY=$FASTIO_API_KEY_SAVED
expect_rc 1 "README MCP example with a bad key fails"
expect_err_contains "error: " "and says why"

# ---- ask: a question about the files of a workspace with intelligence on --------------------
fio --format json workspace create "Ask WS" --org examples-org --folder-name ask-ws --intelligence true
expect_rc 0 "workspace with intelligence"
printf 'Meeting notes.\nThe kraken migration finished on the ninth of March after three retries.\n' \
    >"$SRC/kraken.txt"
printf 'Unrelated: the cafeteria serves soup on Fridays.\n' >"$SRC/soup.txt"
fio upload file --workspace ask-ws "$SRC/kraken.txt" "$SRC/soup.txt"
expect_rc 0 "two text files uploaded"
state=""
for _ in $(seq 1 200); do # bounded: 20 s
    fio --format json files info --workspace ask-ws /kraken.txt
    state=$(printf '%s' "$OUT" | jq -r '.nodes[0].ai.state // empty')
    [ "$state" = indexed ] && break
    sleep 0.1
done
[ "$state" = indexed ] && ok "kraken.txt indexed" || bad "kraken.txt is '$state', not indexed"
run_ex ask ask-ws "When did the kraken migration finish?"
expect_rc 0 "ask answers"
expect_out_contains "ninth of March" "the answer quotes the passage"
expect_out_contains "[1] kraken.txt" "and cites the file it came from"
run_ex ask ask-ws "x"
expect_rc 1 "a one-character question is refused (2 characters at least)"
run_ex ask
expect_rc 2 "ask without arguments is a usage error"
finish
