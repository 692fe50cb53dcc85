#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_tables.sh - what people see (D-086): files list as a table at 80 and 120 columns (default
# columns, human sizes, alignment by display width with CJK, emoji and combining accents, cut
# with "…"), --fields, CSV (RFC 4180) and markdown, the error cell of a failed upload, colours
# only on a terminal and never with NO_COLOR or --no-color. Output is compared with files in
# expected/ after ids and times (different on every run) are replaced by fixed text of the same
# width, so alignment is still checked.
source "$(dirname "$0")/lib.sh"
EXP="$(dirname "$0")/expected"
start_server

fio --format json org create "Tables Org" --domain tables-org
fio --format json workspace create "Tables" --org tables-org --folder-name tables
expect_rc 0 "workspace create"

SRC="$T_DATA/src"; mkdir -p "$SRC"
head -c 1536 /dev/zero >"$SRC/one and a half KiB.bin"
head -c 2621440 /dev/zero >"$SRC/big.bin"
printf 'x' >"$SRC/日本語のファイル名.txt"
printf 'xy' >"$SRC/😀 party.txt"
printf 'abc' >"$SRC/$(printf 'cafe\xcc\x81 combining.txt')"
printf '' >"$SRC/empty.txt"
printf 'q' >"$SRC/a,\"quoted\" name.txt"
printf 'l' >"$SRC/a rather long file name that will not fit into a narrow terminal at all.txt"
fio --format json upload file --workspace tables "$SRC"/*
expect_rc 0 "upload the sample files"
fio --format json files create-folder --workspace tables "Folder ü"
expect_rc 0 "create a folder"

# ids (29 characters) and times (16) become fixed text of the same width
norm() {
    sed -E -e 's/\b2[0-9a-z]{28}\b/NODE-ID-NODE-ID-NODE-ID-NODE/g' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2} UTC)?/YYYY-MM-DD hh:mm/g'
}

# compare NAME: $OUT (normalised) against expected/NAME
compare() {
    local got="$T_DATA/$1.got"
    printf '%s\n' "$OUT" | norm >"$got"
    if [ -n "${UPDATE_EXPECTED:-}" ]; then cp "$got" "$EXP/$1"; fi
    if diff -u "$EXP/$1" "$got" >"$T_DATA/$1.diff"; then
        ok "$1 matches the expected text"
    else
        bad "$1 differs from the expected text"; cat "$T_DATA/$1.diff"
    fi
}

for cols in 80 120; do
    export COLUMNS=$cols
    fio --format table files list --workspace tables --sort-by name
    expect_rc 0 "files list table at $cols columns"
    compare "files_list_$cols.txt"
    # every line fits the width, counted in display columns (wc -L counts wide characters as 2)
    w=$(printf '%s\n' "$OUT" | LC_ALL=C.UTF-8 wc -L)
    if [ "$w" -le "$cols" ]; then ok "no line is wider than $cols columns ($w)"; else bad "a line is $w columns wide (> $cols)"; fi
    fio --format table workspace info tables --fields name,folder_name,org_domain,intelligence
    compare "workspace_info_$cols.txt"
done
unset COLUMNS

# not a terminal and no COLUMNS: nothing is cut
fio --format table files list --workspace tables --sort-by name
if [[ "$OUT" == *"a rather long file name that will not fit into a narrow terminal at all.txt"* ]]; then
    ok "no truncation when stdout is not a terminal"; else bad "the long name was cut on a pipe"; fi
if [[ "$OUT" == *$'\033'* ]]; then bad "colour codes on a pipe"; else ok "no colour codes on a pipe"; fi

fio --format table files list --workspace tables --sort-by name --fields name,size,origin.type
compare "files_list_fields.txt"
fio --format csv files list --workspace tables --sort-by name --fields name,type,size
expect_rc 0 "csv output"
compare "files_list.csv"
if printf '%s' "$OUT" | head -n1 | grep -q $'\r$'; then ok "CSV lines end with CRLF"; else bad "CSV lines do not end with CRLF"; fi
fio --format markdown files list --workspace tables --sort-by name
compare "files_list.md"
fio --format md workspace list
expect_rc 0 "--format md is markdown"
expect_out_contains "| name | folder_name |" "markdown header of workspaces"
fio --format json files list --workspace tables --sort-by name --fields name,size
expect_jq '.[0] | keys | join(",")' "name,size" "--fields with json keeps only those fields"
fio --format yaml files list --workspace tables
expect_rc 2 "an unknown --format is a usage error"
expect_err_contains "json, table, csv or markdown" "the error lists the formats"

# The error cell shows the message, not JSON.
cd "$SRC"
fio --format table upload file --force --workspace tables big.bin no-such-file.txt --allow-partial
cd - >/dev/null
expect_rc 0 "partial upload (--allow-partial)"
compare "upload_error_cell.txt"

# Colours: only on a terminal (script(1) gives one), never with NO_COLOR or --no-color.
tty_run() { script -qec "$1" /dev/null </dev/null 2>/dev/null || true; }
CMD="$FASTIO_CLI_BIN --api-base $BASE --token $KEY --format table files list --workspace tables"
T=$(COLUMNS=120 tty_run "$CMD")
if [[ "$T" == *$'\033[1m'name* ]]; then ok "bold header on a terminal"; else RC=0 OUT=$T ERR= bad "no bold header on a terminal"; fi
T=$(COLUMNS=120 NO_COLOR=1 tty_run "$CMD")
if [[ "$T" == *$'\033['* ]]; then RC=0 OUT=$T ERR= bad "colours despite NO_COLOR"; else ok "NO_COLOR turns colours off"; fi
T=$(COLUMNS=120 tty_run "$CMD --no-color")
if [[ "$T" == *$'\033['* ]]; then RC=0 OUT=$T ERR= bad "colours despite --no-color"; else ok "--no-color turns colours off"; fi
T=$(tty_run "stty cols 70; $CMD")
w=$(printf '%s\n' "$T" | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' | LC_ALL=C.UTF-8 wc -L)
if [ "$w" -le 70 ]; then ok "fits a 70-column terminal (TIOCGWINSZ) ($w)"; else RC=0 OUT=$T ERR= bad "wider than the 70-column terminal ($w)"; fi
# What a person sees: a 100-column tmux pane (TIOCGWINSZ, no COLUMNS), captured as text.
if command -v tmux >/dev/null 2>&1; then
    SOCK="fastio-tables-$$"
    tmux -L "$SOCK" -f /dev/null new-session -d -x 100 -y 40 \
        "env -u COLUMNS NO_COLOR=1 $CMD --sort-by name; echo __DONE__; sleep 30"
    for _ in $(seq 1 100); do
        PANE=$(tmux -L "$SOCK" capture-pane -p 2>/dev/null || true)
        [[ "$PANE" == *__DONE__* ]] && break
        sleep 0.1
    done
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    OUT=$(printf '%s\n' "$PANE" | sed -e '/__DONE__/,$d' | sed -e 's/[[:space:]]*$//')
    RC=0
    compare "files_list_tmux100.txt"
else
    echo "ok - tmux not installed: the pane check is skipped"
fi
finish
