#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# spdx.sh [FILE...] - add the line "SPDX-License-Identifier: MIT" (in the file's comment syntax)
# to every source that lacks it: line 1, or line 2 after a "#!" line. Idempotent: a file that has
# the line in its first 5 lines is left alone. Without arguments: every source of the repository
# (scripts/spdx-files.sh says which). Prints the files it changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/spdx-files.sh

if [ "$#" -gt 0 ]; then
    files=("$@")
else
    mapfile -t files < <(spdx_files)
fi
for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "spdx: no such file: $f" >&2; exit 1; }
    spdx_has "$f" && continue
    line=$(spdx_comment "$f")
    tmp=$(mktemp "$f.spdx.XXXXXX")
    if head -c 2 -- "$f" | grep -q '^#!'; then
        { head -n 1 -- "$f"; printf '%s\n' "$line"; tail -n +2 -- "$f"; } >"$tmp"
    else
        { printf '%s\n' "$line"; cat -- "$f"; } >"$tmp"
    fi
    chmod --reference="$f" "$tmp"
    mv -- "$tmp" "$f"
    echo "$f"
done
