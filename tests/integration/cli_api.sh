#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_api.sh - the "api" group of the fastio CLI, made from the endpoint rows at start-up: a row's
# path parameters are arguments, its other parameters options under their wire names, with the
# row's required flags, value checks and docs. Against a real fastio-server. Prints "N passed,
# N failed".
source "$(dirname "$0")/lib.sh"
start_server

# --- a row with no parameters, and help made from the rows
fio --format json api ping
expect_rc 0 "api ping"
expect_jq '.ping' pong "api ping answers pong"
fio api --help
expect_rc 0 "api group help"
expect_out_contains "org-create" "the group lists the rows"
if [[ "$OUT" == *" upload-chunk "* || "$OUT" == *" user-signin "* ]]; then
    bad "rows that send bytes or Basic credentials are not commands"
else
    ok "rows that send bytes or Basic credentials are not commands"
fi
fio api org-create --help
expect_rc 0 "api command help"
expect_out_contains "Unique short name" "an option's help is its row parameter's doc"
expect_out_contains "POST /org/create/" "the help names the row's method and path"

# --- the row's facts checked before anything is sent (exit 2)
fio api org-create --name "Api Org"
expect_rc 2 "a required row parameter is a required option"
expect_err_contains "--domain" "the missing option is named"
fio api workspace-create apiorg --name "Api WS" --folder-name api-ws --intelligence maybe \
    --perm-join "Member or above" --perm-member-manage "Admin or above"
expect_rc 2 "a bool parameter takes true or false"
fio api workspace-create apiorg --name "Api WS" --folder-name api-ws --intelligence false \
    --perm-join anyone --perm-member-manage "Admin or above"
expect_rc 2 "an enum parameter takes one of its choices"
expect_err_contains "Only Org Owners" "the choices come from the row"
fio api org-details
expect_rc 2 "a path parameter is a required argument"

# --- calls: path arguments and body options reach the server under the row's wire names
fio --format json api org-create --domain apiorg --name "Api Org" --billing-email b@api.example
expect_rc 0 "api org-create"
expect_jq '.org.domain' apiorg "the domain was sent"
fio --format json api org-details apiorg
expect_rc 0 "api org-details ORG_ID"
expect_jq '.org.name' "Api Org" "the path argument named the org"
fio --format json api workspace-create apiorg --name "Api WS" --folder-name api-ws \
    --intelligence false --perm-join "Member or above" --perm-member-manage "Admin or above"
expect_rc 0 "api workspace-create"
fio --format json api workspace-details api-ws
expect_rc 0 "api workspace-details"
expect_jq '.workspace.folder_name' api-ws "the workspace exists"
fio --format json api storage-create-folder api-ws root --name docs
expect_rc 0 "api storage-create-folder (two path arguments and a form field)"
expect_jq '.node.name' docs "the folder was created"
fio --format json api workspace-delete api-ws
expect_rc 2 "workspace-delete needs its confirm parameter"
fio --format json api workspace-delete api-ws --confirm api-ws
expect_rc 0 "api workspace-delete with confirm (a query parameter of a DELETE row)"
fio --format json api workspace-details api-ws
expect_rc 1 "the deleted workspace is gone"

finish
