#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# gen-man.sh PAGE OUT SOURCE_DIR VERSION DATE [PROGRAM] - write one man page (D-113), made
# from the same sources as the help it documents:
#   fastio.1         `fastio --help` (help2man.awk) with `fastio __doc man` (the command table)
#                    as its COMMAND REFERENCE section; PROGRAM is the fastio binary
#   fastio-server.8  `fastio-server --help` (help2man.awk); PROGRAM is the fastio-server binary
#   libfastio.3      the public headers' comments and declarations (headers2man.awk):
#                    fastio.h, transfer.h, lock.h, then every other header declaring a function
# Run by the build (CMakeLists.txt, target man); the test is tests/install/check_man.sh.
set -euo pipefail
page=$1 out=$2 src=$3 version=$4 date=$5 prog=${6:-}
here=$src/scripts/man
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(-v "date=$date" -v "source=fastio-c $version" -v "manual=fastio-c manual")
case "$page" in
fastio.1)
    "$prog" __doc man >"$tmp/ref"
    # (SEE_ALSO through the environment: awk -v would read its backslashes as escapes)
    "$prog" --help | SEE_ALSO='\fBfastio\-server\fR(8), \fBlibfastio\fR(3); docs/cli.md of fastio\-c' \
        awk "${common[@]}" -v name=fastio -v section=1 \
        -v insert_after=COMMANDS -v insert_file="$tmp/ref" \
        -f "$here/help2man.awk" >"$tmp/page"
    ;;
fastio-server.8)
    "$prog" --help | SEE_ALSO='\fBfastio\fR(1), \fBlibfastio\fR(3); docs/server.md of fastio\-c' \
        awk "${common[@]}" -v name=fastio-server -v section=8 \
        -f "$here/help2man.awk" >"$tmp/page"
    ;;
libfastio.3)
    hdrs=("$src/include/fastio/fastio.h" "$src/include/fastio/transfer.h" "$src/include/fastio/lock.h")
    for h in "$src"/include/fastio/*.h; do
        case "$h" in */fastio.h | */transfer.h | */lock.h) continue ;; esac
        grep -q '^FASTIO_API' "$h" && hdrs+=("$h")
    done
    awk "${common[@]}" -f "$here/headers2man.awk" "${hdrs[@]}" >"$tmp/page"
    ;;
*)
    echo "gen-man.sh: unknown page '$page'" >&2
    exit 2
    ;;
esac
[ -s "$tmp/page" ] || { echo "gen-man.sh: $page came out empty" >&2; exit 1; }
mv "$tmp/page" "$out"
