#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check_man.sh BUILD_DIR - the generated man pages (D-113): each renders with `man -l` and
# groff with no warning (and passes `mandoc -Tlint` at warning level when mandoc is installed);
# fastio(1) holds every group of `fastio --help` and every command of the command table with
# each of its flags, and every global flag; fastio-server(8) every option of
# `fastio-server --help`; libfastio(3) every function libfastio.so exports.
set -euo pipefail
build=${1:?usage: check_man.sh BUILD_DIR}
man_dir=$build/man
fastio=${FASTIO_CLI_BIN:-$build/fastio}
server=${FASTIO_SERVER_BIN:-$build/fastio-server}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failures=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
fail() { failures=$((failures + 1)); echo "not ok - $1"; }

for page in fastio.1 fastio-server.8 libfastio.3; do
    f=$man_dir/$page
    [ -s "$f" ] || { fail "$page was not generated"; continue; }
    # man -l: what a person runs; its formatter's warnings go to stderr
    if MANWIDTH=80 man -l "$f" >"$tmp/$page.txt" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
        [ -s "$tmp/$page.txt" ]; then
        ok "man -l $page renders without a warning"
    else
        fail "man -l $page: $(head -c 600 "$tmp/err")"
    fi
    if groff -k -man -ww -z "$f" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
        ok "groff -ww $page: no warning"
    else
        fail "groff -ww $page: $(head -c 600 "$tmp/err")"
    fi
    if command -v mandoc >/dev/null 2>&1; then
        if mandoc -Tlint -W warning "$f" >"$tmp/err" 2>&1 && [ ! -s "$tmp/err" ]; then
            ok "mandoc -Tlint $page: no warning"
        else
            fail "mandoc -Tlint $page: $(head -c 600 "$tmp/err")"
        fi
    fi
done
# the rendered pages with hyphens as plain ASCII, for the checks below (files, not pipes into
# grep -q, which would end the writer early under pipefail)
for page in fastio.1 fastio-server.8 libfastio.3; do
    [ -f "$tmp/$page.txt" ] && sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g' "$tmp/$page.txt" >"$tmp/$page.clean"
done
C1=$tmp/fastio.1.clean C8=$tmp/fastio-server.8.clean C3=$tmp/libfastio.3.clean
roff=$man_dir/fastio.1

# ---- fastio(1) against `fastio --help` and the command table ---------------------------------
groups=$("$fastio" --help | awk '/^COMMANDS/ { on = 1; next } /^[A-Z]/ { on = 0 }
    on && NF >= 2 && $1 ~ /^[a-z-]+$/ { print $1 }')
missing=""
for g in $groups; do
    grep -qF ".SS \"fastio $g\"" "$roff" && grep -qE "^ +$g( |$)" "$C1" || missing+=" $g"
done
[ -n "$groups" ] && [ -z "$missing" ] && ok "every group of 'fastio --help' is in fastio(1) ($(echo $groups | wc -w))" ||
    fail "groups missing from fastio(1):$missing"
"$fastio" __doc json >"$tmp/doc.json"
missing="" n=0
while IFS=$'\t' read -r group cmd; do
    n=$((n + 1))
    grep -qF ".SS \"fastio $group $cmd\"" "$roff" || missing+=" '$group $cmd'"
done < <(jq -r '.[] | [.group, .command] | @tsv' "$tmp/doc.json")
[ "$n" -gt 50 ] && [ -z "$missing" ] && ok "every command of the table has its section in fastio(1) ($n)" ||
    fail "commands missing from fastio(1):$missing"
# each command's flags, in its own section of the rendered page
missing=""
while IFS=$'\t' read -r group cmd flags; do
    section=$(awk -v h="   fastio $group $cmd" '$0 == h { on = 1; next } on && /^   [^ ]/ { exit } on' "$C1")
    for fl in $flags; do
        grep -qE -- "(^|[ ,])--$fl( |$)" <<<"$section" || missing+=" $group/$cmd/--$fl"
    done
done < <(jq -r '.[] | [.group, .command, ([.options[] | select(.kind == "value" or .kind == "flag") | .name] | join(" "))] | @tsv' "$tmp/doc.json")
[ -z "$missing" ] && ok "every flag of every command is in its section of fastio(1)" || fail "flags missing:$missing"
gflags=$("$fastio" --help | awk '/^GLOBAL OPTIONS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
    grep -oE '^    (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+')
missing=""
for g in $gflags; do grep -qE -- "^ +(-[a-z], )?$g( |$)" "$C1" || missing+=" $g"; done
[ -n "$gflags" ] && [ -z "$missing" ] && ok "every global flag of 'fastio --help' is in fastio(1)" || fail "global flags missing:$missing"
for s in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" ENVIRONMENT "EXIT STATUS" "SEE ALSO"; do
    grep -qx "$s" "$C1" || fail "fastio(1) has no $s section"
done

# ---- fastio-server(8) against `fastio-server --help` -------------------------------------------
sflags=$("$server" --help | grep -oE '^    (-[a-z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+')
missing=""
for o in $sflags; do grep -qE -- "^ +(-[a-z], )?$o( |$)" "$C8" || missing+=" $o"; done
[ "$(echo $sflags | wc -w)" -gt 10 ] && [ -z "$missing" ] &&
    ok "every option of 'fastio-server --help' is in fastio-server(8) ($(echo $sflags | wc -w))" ||
    fail "server options missing:$missing"

# ---- libfastio(3) against the library's exports ------------------------------------------------
lib=$(find "$build" -maxdepth 1 -name 'libfastio.so' -print -quit)
if [ -n "$lib" ]; then
    missing="" n=0
    for s in $(nm -D --defined-only "$lib" | awk '$3 ~ /^fastio_/ { print $3 }'); do
        n=$((n + 1))
        grep -qE "\\b$s\\(" "$C3" || missing+=" $s"
    done
    [ "$n" -gt 50 ] && [ -z "$missing" ] && ok "every exported function is in libfastio(3) ($n)" ||
        fail "functions missing from libfastio(3):$missing"
else
    fail "no libfastio.so in $build"
fi

echo "$pass passed, $failures failed"
[ "$failures" -eq 0 ]
