#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_spine.sh - every spine command of the fastio CLI against a real fastio-server: output in
# JSON, exit codes 0/1/2, errors on stderr with the API code, and the zero-configuration default
# (the local server's owner key). Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server

# --- system
fio --format json system ping
expect_rc 0 "system ping"
expect_jq '.ping' pong "ping answers pong"
fio --format json system status
expect_rc 0 "system status"
expect_jq '.database.journal_mode' wal "status reports WAL"

# --- help and usage errors
"$FASTIO_CLI_BIN" --help >/dev/null; RC=$?
expect_rc 0 "fastio --help"
fio --help; expect_out_contains "workspace" "--help lists command groups"
fio files --help; expect_rc 0 "group help"
fio files list --help; expect_rc 0 "command help"; expect_out_contains "--page-size" "command help documents flags"
fio nosuchgroup; expect_rc 2 "unknown group is a usage error"
fio files frobnicate; expect_rc 2 "unknown command is a usage error"
fio --format xml system ping; expect_rc 2 "bad --format is a usage error"
fio files list; expect_rc 2 "missing --workspace is a usage error"
fio files list --workspace x --page-size 7; expect_rc 2 "page size outside 100/250/500 is a usage error"

# --- auth
fio --format json auth status
expect_rc 0 "auth status"
expect_out_contains "owner@localhost" "auth status shows the account"
fio --format json auth api-key create --name "cli key"
expect_rc 0 "api-key create"
NEWKEY=$(printf '%s' "$OUT" | jq -r .api_key)
KEYID=$(printf '%s' "$OUT" | jq -r .key.id)
[ -n "$NEWKEY" ] && [ "$NEWKEY" != null ] && ok "api-key create prints the key once" || bad "api-key create prints the key"
fio --format json auth api-key list
expect_rc 0 "api-key list"
expect_jq "[.api_keys[] | select(.id == \"$KEYID\")] | length" 1 "api-key list shows the new key"
if printf '%s' "$OUT" | grep -q -- "$NEWKEY"; then bad "api-key list leaks the secret"; else ok "api-key list does not show secrets"; fi
fio --format json auth api-key get "$KEYID"
expect_rc 0 "api-key get"
expect_jq '.api_key.memo' "cli key" "api-key get shows the memo"
fio --format json auth api-key update "$KEYID" --name "renamed key" --expires "2099-01-01 00:00:00 UTC"
expect_rc 0 "api-key update"
expect_jq '.api_key.memo' "renamed key" "api-key update changes the memo"
expect_jq '.api_key.expires' "2099-01-01 00:00:00 UTC" "api-key update sets the expiry"
fio auth api-key update "$KEYID" --expires "2001-01-01 00:00:00 UTC"
expect_rc 1 "api-key update with a past expiry fails"
expect_err_contains "1605" "invalid-field code shown"
fio auth api-key update "$KEYID"
expect_rc 2 "api-key update without any field is a usage error"
fio_as "$NEWKEY" --format json auth status
expect_rc 0 "the new key authenticates"
fio auth api-key delete "$KEYID"
expect_rc 0 "api-key delete"
fio_as "$NEWKEY" auth status
expect_rc 1 "a deleted key no longer works"
expect_err_contains "1650" "auth error shows the API code"

# Basic login stores a token in the profile; later commands use it without --token.
curl -fsS -X POST "$BASE/user/" -d email_address=cli-login@example.test -d password=login-pass-123 >/dev/null
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" auth login --email cli-login@example.test --password-stdin <<<"login-pass-123" >/dev/null 2>"$T_DATA.err"
RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 0 "auth login --email --password-stdin"
set +e
OUT=$("$FASTIO_CLI_BIN" --api-base "$BASE" --format json auth status 2>"$T_DATA.err"); RC=$?
set -e
expect_rc 0 "stored login token is used"
expect_out_contains "cli-login@example.test" "status shows the logged-in account"
CRED="$XDG_CONFIG_HOME/fastio-c/credentials.json"
if [ -f "$CRED" ] && [ "$(stat -c %a "$CRED")" = 600 ] && [ "$(stat -c %a "$(dirname "$CRED")")" = 700 ]; then
    ok "credentials file 0600 in a 0700 directory"
else
    bad "credentials file modes"
fi
set +e
"$FASTIO_CLI_BIN" --api-base "$BASE" auth login --email cli-login@example.test --password-stdin <<<"wrong-password" >/dev/null 2>"$T_DATA.err"
RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 1 "login with a wrong password fails"
expect_err_contains "error:" "login failure is reported on stderr"

# --- org
fio --format json org create "CLI Org" --domain cli-org --description "made by the cli test"
expect_rc 0 "org create"
ORG=$(printf '%s' "$OUT" | jq -r .org.id)
fio --format json org info cli-org
expect_rc 0 "org info by domain"
expect_jq '.org.id' "$ORG" "org info returns the org"
fio --format json org update "$ORG" --name "CLI Org Renamed"
expect_rc 0 "org update"
expect_jq '.org.name' "CLI Org Renamed" "org update changes the name"
fio --format json org list
expect_rc 0 "org list"
expect_out_contains "$ORG" "org list shows the org"
fio org create "Dup" --domain cli-org
expect_rc 1 "org create with a taken domain fails"
expect_err_contains "1660" "conflict code shown"
fio org info 1234567890123456789
expect_rc 1 "org info of an unknown id fails"
expect_err_contains "1609" "not-found code shown"

# --- workspace
fio --format json workspace create "CLI WS" --org "$ORG" --folder-name cli-ws --intelligence false
expect_rc 0 "workspace create"
WS=$(printf '%s' "$OUT" | jq -r .workspace.id)
expect_jq '.workspace.intelligence' false "intelligence off"
fio --format json workspace info cli-ws
expect_rc 0 "workspace info by folder name"
expect_jq '.workspace.id' "$WS" "workspace info returns it"
fio --format json workspace update "$WS" --description "updated" --intelligence true
expect_rc 0 "workspace update"
expect_jq '.workspace.intelligence' true "intelligence toggled on"
fio --format json workspace list
expect_rc 0 "workspace list"
expect_out_contains "$WS" "workspace list shows it"
fio --format json workspace list --org "$ORG"
expect_rc 0 "workspace list --org"
expect_out_contains "$WS" "org workspace list shows it"

# --- files
fio --format json files create-folder --workspace "$WS" docs
expect_rc 0 "create-folder"
DOCS=$(printf '%s' "$OUT" | jq -r .node.id)
fio --format json files create-folder --workspace "$WS" docs
expect_rc 0 "create-folder again is idempotent"
expect_jq '.node.id' "$DOCS" "same folder returned"
fio --format json files create-folder --workspace "$WS" docs --force
expect_rc 0 "create-folder --force"
expect_jq '.node.name' "docs (2)" "force auto-renames"
fio --format json files create-folder --workspace "$WS" --parent "$DOCS" inner
expect_rc 0 "create-folder inside a folder"
INNER=$(printf '%s' "$OUT" | jq -r .node.id)
fio --format json files create-folder --workspace "$WS" "bad/name"
expect_rc 2 "a name with a slash is refused before sending (usage error)"
fio --format json files create-folder --workspace "$WS" archive
ARCH=$(printf '%s' "$OUT" | jq -r .node.id)
fio --format json files list --workspace "$WS"
expect_rc 0 "files list"
expect_jq '[.nodes[].name] | join(",")' "archive,docs,docs (2)" "root listing sorted by name"
fio --format json files info --workspace "$WS" "$DOCS"
expect_rc 0 "files info"
expect_out_contains "$DOCS" "files info shows the node"
fio --format json files info --workspace "$WS" "$DOCS" "$ARCH"
expect_rc 0 "files info with two ids (bulk)"
fio --format json files move --workspace "$WS" "$INNER" --to "$ARCH"
expect_rc 0 "files move"
expect_jq '.node.parent' "$ARCH" "moved under archive"
fio --format json files copy --workspace "$WS" "$ARCH" --to root
expect_rc 0 "files copy"
expect_jq '.node.name' "archive (2)" "copy with a folder conflict auto-renames"
fio --format json files rename --workspace "$WS" "$DOCS" documents
expect_rc 0 "files rename"
expect_jq '.node.name' documents "renamed"
fio --format json files delete --workspace "$WS" "$DOCS"
expect_rc 0 "files delete"
fio --format json files trash --workspace "$WS"
expect_rc 0 "files trash"
expect_jq '[.nodes[].id] | index("'"$DOCS"'") != null' true "trash lists the deleted folder"
fio --format json files restore --workspace "$WS" "$DOCS"
expect_rc 0 "files restore"
fio files delete --workspace "$WS" "$DOCS"
fio files purge --workspace "$WS" "$DOCS"
expect_rc 0 "files purge"
fio files info --workspace "$WS" "$DOCS"
expect_rc 1 "a purged node is gone"

# paging: 260 folders, --all follows next_cursor
fio --format json files create-folder --workspace "$WS" pages
PAGES=$(printf '%s' "$OUT" | jq -r .node.id)
for i in $(seq 1 260); do
    curl -fsS -X POST -H "Authorization: Bearer $KEY" --data "name=p$(printf %03d "$i")" "$BASE/workspace/$WS/storage/$PAGES/createfolder/" >/dev/null
done
fio --format json files list --workspace "$WS" --folder "$PAGES"
expect_rc 0 "first page"
expect_jq '.nodes | length' 100 "first page has 100 nodes"
CUR=$(printf '%s' "$OUT" | jq -r .next_cursor)
fio --format json files list --workspace "$WS" --folder "$PAGES" --cursor "$CUR"
expect_jq '.nodes[0].name' p101 "the cursor continues where the page ended"
fio --format json files list --workspace "$WS" --folder "$PAGES" --all
expect_rc 0 "files list --all"
expect_jq '.nodes | length' 260 "--all returns every node"
fio files list --workspace "$WS" --folder "$PAGES" --cursor "garbage!"
expect_rc 1 "a malformed cursor is refused"

# --- another account sees nothing
OTHER=$(new_user)
fio_as "$OTHER" workspace info "$WS"
expect_rc 1 "an outsider cannot read the workspace"
expect_err_contains "10545" "not-a-member code"
fio_as "$OTHER" files list --workspace "$WS"
expect_rc 1 "an outsider cannot list files"
fio_as "$OTHER" org info "$ORG"
expect_rc 1 "an outsider cannot read the org"

# --- table output and quiet mode
fio --format table files list --workspace "$WS"
expect_rc 0 "table output"
expect_out_contains "archive" "table shows names"
fio -q files list --workspace "$WS"
expect_rc 0 "quiet mode"
[ -z "$OUT" ] && ok "quiet prints nothing" || bad "quiet prints nothing"

# --- workspace delete needs --confirm
fio workspace delete "$WS"
expect_rc 2 "workspace delete without --confirm is a usage error"
fio workspace delete "$WS" --confirm wrong-name
expect_rc 1 "workspace delete with a wrong confirmation fails"
fio workspace delete "$WS" --confirm cli-ws
expect_rc 0 "workspace delete"
fio workspace info "$WS"
expect_rc 1 "deleted workspace is gone"

# --- zero configuration: with no token configured and a loopback API base, the CLI uses the
# local server's owner key from $XDG_DATA_HOME/fastio-server/owner.key.
mkdir -p "$XDG_DATA_HOME/fastio-server"
cp "$T_DATA/owner.key" "$XDG_DATA_HOME/fastio-server/owner.key"
cp "$T_DATA/owner.url" "$XDG_DATA_HOME/fastio-server/owner.url" # the key's server (D-089)
rm -f "$XDG_CONFIG_HOME/fastio-c/credentials.json"
set +e
OUT=$(FASTIO_API_BASE="http://127.0.0.1:$PORT/current" "$FASTIO_CLI_BIN" --format json auth status 2>"$T_DATA.err"); RC=$?
set -e
ERR=$(cat "$T_DATA.err")
expect_rc 0 "no token configured: the local owner key is used"
expect_out_contains "owner@localhost" "zero-config status shows the local owner"

finish
