#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_search.sh - "fastio files search" and "fastio search workspace" (api §4.2, §8.5) against a
# real fastio-server: content search with intelligence on (table and json), scopes, snippet
# lengths, the unified buckets and --only, name search with intelligence off, usage errors, a
# non-member refused; and "fastio ingest --intelligence --wait-indexed --once" waiting until the
# indexer is done (its log says ai.state indexed). Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server

fio org create "Search Org" --domain search-org
fio --format json workspace create "Search WS" --org search-org --folder-name search-ws --intelligence true
expect_rc 0 "workspace with intelligence"
SRC="$T_DATA.src"
mkdir -p "$SRC/sub"
printf 'Meeting notes: the harbour crane needs new cables before winter.\n' >"$SRC/notes.txt"
printf 'Shopping list: apples, pears, cables for the garage.\n' >"$SRC/list.txt"
printf 'Harbour tide tables for the spring season.\n' >"$SRC/sub/tides.md"
fio upload file --workspace search-ws "$SRC/notes.txt" "$SRC/list.txt"
expect_rc 0 "upload two files"
fio --format json files create-folder --workspace search-ws docs
DOCS=$(printf '%s' "$OUT" | jq -r .node.id)
fio upload file --workspace search-ws "$SRC/sub/tides.md" --folder "$DOCS"
expect_rc 0 "upload into a folder"

# wait (bounded by a count of looks) until all three are indexed
for _ in $(seq 1 300); do
    n=$(sqlite3 "$T_DATA/meta.db" "SELECT COUNT(*) FROM intel_nodes WHERE state = 'indexed'")
    [ "$n" = 3 ] && break
    sleep 0.1
done
[ "$n" = 3 ] && ok "three files indexed" || bad "three files indexed ($n)"

fio --format json files search --workspace search-ws cables
expect_rc 0 "files search"
expect_jq '.files | length' 2 "two files mention cables"
expect_jq '.search_metadata.intelligence_enabled' true "search_metadata says intelligence"
expect_jq '[.files[] | .match_source] | unique | .[0]' keyword "match_source keyword"
fio --format table files search --workspace "Search WS" "harbour crane"
expect_rc 0 "table output (workspace by name)"
expect_out_contains "notes.txt" "table lists the file"
expect_out_contains "crane" "table shows the snippet"
first=$(printf '%s\n' "$OUT" | sed -n 3p)
[[ "$first" == notes.txt* ]] && ok "best hit first" || bad "best hit first ($first)"
fio --format json files search --workspace search-ws harbour --folder-scope "$DOCS"
expect_jq '.files | length' 1 "folder scope keeps one file"
expect_jq '[.files[] | .name][0]' tides.md "the file under the folder"
expect_jq '.search_metadata.scoped' true "scoped"
NOTES=$(sqlite3 "$T_DATA/meta.db" "SELECT id FROM nodes WHERE name = 'notes.txt'")
fio --format json files search --workspace search-ws cables --scope "$NOTES"
expect_jq '.files | keys[0]' "$NOTES" "file scope"
fio --format json files search --workspace search-ws cables --output terse --limit 1
expect_jq '.files | length' 1 "limit 1"
expect_jq '.has_more' true "has_more with limit 1"
fio files search --workspace search-ws x
expect_rc 1 "a one-character query is refused by the server"
fio files search --workspace search-ws cables --output huge
expect_rc 2 "a bad --output is a usage error"

fio --format json search workspace search-ws cables
expect_rc 0 "unified search"
expect_jq '.buckets.files.items | length' 2 "files bucket"
expect_jq '.buckets.comments.status' ok "comments bucket"
fio --format json search workspace search-ws cables --only files
expect_jq '.buckets | keys | join(",")' files "--only files"
fio --format table search workspace search-ws cables
expect_rc 0 "unified table"
expect_err_contains "files: 2" "bucket counts on stderr"
fio search workspace search-ws cables --only everything
expect_rc 2 "a bad --only is a usage error"

USER2=$(new_user)
fio_as "$USER2" files search --workspace search-ws cables
expect_rc 1 "a non-member cannot search"

fio workspace update search-ws --intelligence false
expect_rc 0 "intelligence off"
fio --format json files search --workspace search-ws cables
expect_jq '.files | length' 0 "content no longer searched"
fio --format table files search --workspace search-ws TIDES
expect_out_contains "tides.md" "names are searched"
expect_err_contains "intelligence is off" "the table says names were searched"

# ingest waits for the indexer (issue 13 with the ingest daemon's --wait-indexed)
ING="$T_DATA.ingest"
mkdir -p "$ING"
printf 'Ingested report about lighthouses.\n' >"$ING/report.txt"
fio ingest "$ING" --org search-org --workspace "Ingest WS" --intelligence --wait-indexed --once \
    --state-dir "$T_DATA.ingstate"
expect_rc 0 "ingest --wait-indexed --once"
expect_err_contains "ai.state indexed" "ingest waited until indexed"
fio --format json files search --workspace "Ingest WS" lighthouses
expect_jq '.files | length' 1 "the ingested file is searchable at once"

finish
