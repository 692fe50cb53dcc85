#!/usr/bin/env bash
# Fail when a banned C function appears in the tree (conventions.md "Tooling").
set -euo pipefail
cd "$(dirname "$0")/.."
BANNED='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|gets|atoi|atol|atoll|sscanf|rand|srand|system|popen)[[:space:]]*\('
if grep -RnE "$BANNED" --include='*.c' --include='*.h' src include tests bench 2>/dev/null \
    ; then
    echo "check-banned: banned functions found (use snprintf, strtoll, getrandom ...)" >&2
    exit 1
fi
echo "check-banned: ok"
