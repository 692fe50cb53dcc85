#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-spdx.sh - fail when a source of the repository (scripts/spdx-files.sh) lacks the line
# "SPDX-License-Identifier: MIT" in its first 5 lines; `bash scripts/spdx.sh` adds it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/spdx-files.sh

missing=0
while IFS= read -r f; do
    [ -f "$f" ] || continue # deleted in the work tree, not yet in the index
    if ! spdx_has "$f"; then
        echo "$f"
        missing=$((missing + 1))
    fi
done < <(spdx_files)
if [ "$missing" -ne 0 ]; then
    echo "check-spdx: $missing source(s) without '$SPDX_TAG' (run: bash scripts/spdx.sh)" >&2
    exit 1
fi
echo "check-spdx: ok"
