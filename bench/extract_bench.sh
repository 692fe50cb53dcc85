#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/extract_bench.sh - builds bench/extract_bench.c (-O2, with the sources of
# src/server/intel and the buffer of src/common) and runs it; never a test.
# Usage: bench/extract_bench.sh [MiB of prose, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build-bench
gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc/common -Isrc/server/intel \
    -o build-bench/extract_bench bench/extract_bench.c src/server/intel/{extract,markup,office,passages,pdf,utf8}.c src/common/buf.c \
    $(pkg-config --cflags --libs poppler-glib libzip) -lpthread
exec build-bench/extract_bench "$@"
