#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# spdx-files.sh - sourced by spdx.sh and check-spdx.sh: the files that carry an SPDX line and
# how each kind writes it. Sources are the tracked and the new (not ignored) files of the
# repository: .c .h .sh .js .mjs .cmake and CMakeLists.txt; the fuzz corpora are data.

SPDX_TAG='SPDX-License-Identifier: MIT'

# spdx_files: one path per line, relative to the repository root (the current directory).
spdx_files() {
    git ls-files --cached --others --exclude-standard -- \
        '*.c' '*.h' '*.sh' '*.js' '*.mjs' '*.cmake' 'CMakeLists.txt' '*/CMakeLists.txt' |
        grep -v '^tests/fuzz/corpus/' | sort -u
}

# spdx_comment FILE: the header line in the comment syntax of FILE's kind.
spdx_comment() {
    case "$1" in
    *.c | *.h) printf '/* %s */\n' "$SPDX_TAG" ;;
    *.js | *.mjs) printf '// %s\n' "$SPDX_TAG" ;;
    *) printf '# %s\n' "$SPDX_TAG" ;;
    esac
}

# spdx_has FILE: true when one of the first 5 lines carries the tag.
spdx_has() {
    head -n 5 -- "$1" | grep -qF "$SPDX_TAG"
}
