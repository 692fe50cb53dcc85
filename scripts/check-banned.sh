#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fail when a banned C function appears in the tree (conventions.md "Tooling"): use snprintf into
# a buffer, strtoll with end-pointer checks, getrandom(2) for anything secret.
set -euo pipefail
cd "$(dirname "$0")/.."
BANNED='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|gets|atoi|atol|atoll|sscanf|rand|srand|system|popen)[[:space:]]*\('
dirs=()
for d in src include tests bench; do [ -d "$d" ] && dirs+=("$d"); done
set +e
hits=$(grep -RnE "$BANNED" --include='*.c' --include='*.h' "${dirs[@]}")
rc=$?
set -e
if [ "$rc" -gt 1 ]; then
    echo "check-banned: grep failed ($rc)" >&2
    exit 2
fi
if [ -n "$hits" ]; then
    printf '%s\n' "$hits"
    echo "check-banned: banned functions found (use snprintf, strtoll, getrandom ...)" >&2
    exit 1
fi
echo "check-banned: ok"
