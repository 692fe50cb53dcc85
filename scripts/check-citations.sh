#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-citations.sh - every "api §x.y" citation must resolve inside the repository.
#
# Fails (exit 1) and lists file:line for:
#   - an "api §x.y" (or "api.md §x.y") citation in src/, include/ or tests/ whose number has
#     no heading in docs/api.md ("## 4.2 ..." or "### 4.2 ..."); the further numbers of a
#     list after one "api" ("api §3.2, §3.5", "api §3.2-§3.5", "api §7 / §11.2") count too;
#   - a reference to shared/docs/ (a file outside the repository) in docs/*.md or README.md;
#   - a `docs/reliability.md "Section"` or `reliability.md "Section"` citation (in src/, include/,
#     tests/, docs/*.md or README.md; the quoted text may continue on the next comment line)
#     whose Section is not part of a heading of docs/reliability.md, or a `reliability.md I4`
#     citation ("I1/I2/I4" lists too) whose invariant is not defined there (a list item
#     "- **I4** ..." or a heading starting "I4"). A bare `reliability.md` means docs/reliability.md.
# A shared/docs/ reference, or one to performance.md, conventions.md, architecture.md or
# fastio-api.md (documents outside this repository), fails anywhere: in docs, README.md and in
# src/, include/ and tests/ alike.
# Usage: bash scripts/check-citations.sh   (from anywhere; it works on its own repository)
set -euo pipefail
cd "$(dirname "$0")/.."

api=docs/api.md
if [ ! -f "$api" ]; then
    echo "check-citations: $api is missing" >&2
    exit 1
fi

# The section numbers docs/api.md has headings for, one per line.
declare -A section=()
while IFS= read -r n; do
    [ -n "$n" ] && section[$n]=1
done < <(grep -oE '^#{1,6}[[:space:]]+[0-9]+(\.[0-9]+)*' "$api" | grep -oE '[0-9]+(\.[0-9]+)*$')

fail=0
checked=0

# One line per citation run: file:line:text, e.g. "src/x.c:12:api §3.2, §3.5".
num='[0-9]+(\.[0-9]+)*'
sep='[[:space:]]*(,|/|-|–|and|or)[[:space:]]*'
runs=$(grep -rnIoE "api(\.md)? §$num($sep§$num)*" src include tests 2>/dev/null || true)
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    loc=${hit%%:api*}
    text=${hit#"$loc":}
    for n in $(printf '%s\n' "$text" | grep -oE "§$num" | tr -d '§'); do
        checked=$((checked + 1))
        if [ -z "${section[$n]:-}" ]; then
            echo "unresolved: $loc: api §$n (no heading \"$n\" in $api)"
            fail=1
        fi
    done
done <<< "$runs"

# References to the shared contract and other files outside the repository.
docs_refs=$(grep -nIE 'shared/docs/' docs/*.md README.md 2>/dev/null || true)
if [ -n "$docs_refs" ]; then
    while IFS= read -r hit; do
        echo "outside the repository: ${hit%%:*}:$(echo "$hit" | cut -d: -f2) cites shared/docs/"
    done <<< "$docs_refs"
    fail=1
fi
src_refs=$(grep -rnIE 'shared/docs/' src include tests 2>/dev/null || true)
if [ -n "$src_refs" ]; then
    while IFS= read -r hit; do
        echo "outside the repository: $(echo "$hit" | cut -d: -f1-2) cites shared/docs/ (the contract is $api)"
    done <<< "$src_refs"
    fail=1
fi

# Documents by name that live beside the contract digest, outside the repository (unless a
# file of that name has since been added under docs/): a failure wherever it is cited.
outside='\b(architecture|conventions|performance|reliability|fastio-api)\.md\b'
named=$( { grep -rnoIE "$outside" docs/*.md README.md 2>/dev/null || true; } | sed 's/^/D /')
named+=$'\n'$( { grep -rnoIE "$outside" src include tests 2>/dev/null || true; } | sed 's/^/S /')
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    kind=${hit%% *}
    hit=${hit#* }
    name=${hit##*:}
    [ -f "docs/$name" ] && continue
    loc=$(echo "$hit" | cut -d: -f1-2)
    # already reported above as a shared/docs/ reference
    case $'\n'"$docs_refs"$'\n'"$src_refs" in
    *$'\n'"$loc:"*"shared/docs/$name"*) continue ;;
    esac
    [ "$kind" = D ] || [ "$kind" = S ] || continue
    echo "outside the repository: $loc cites $name"
    fail=1
done <<< "$named"

# Citations of docs/reliability.md by section or invariant.
rel=docs/reliability.md
rel_checked=0
rel_hits=$( { grep -rlIE 'reliability\.md' src include tests docs README.md 2>/dev/null || true; } |
    grep -vx "$rel" || true)
if [ -n "$rel_hits" ] && [ ! -f "$rel" ]; then
    echo "unresolved: $rel is missing but cited" >&2
    fail=1
elif [ -n "$rel_hits" ]; then
    # Heading texts, one per line, and the invariant ids defined.
    rel_headings=$(sed -nE 's/^#{1,6}[[:space:]]+//p' "$rel")
    declare -A invariant=()
    while IFS= read -r id; do
        [ -n "$id" ] && invariant[$id]=1
    done < <(grep -oE '^([-*][[:space:]]+\*\*|#{1,6}[[:space:]]+)I[0-9]+' "$rel" | grep -oE 'I[0-9]+$')
    # One line per citation: "file:line<TAB>S<TAB>section", "...<TAB>I<TAB>I4",
    # "...<TAB>U<TAB>text" (a quote left open) or "...<TAB>B<TAB>" (bare: the whole document).
    # A citation that ends its line takes its section from the start of the next comment line.
    rel_cites=$(while IFS= read -r f; do
        awk -v file="$f" '
        function strip(x) {
            sub(/^[ \t]*(\/\*+|\*+|\/\/+|--|#+)?[ \t]*/, "", x)
            return x
        }
        { line[NR] = $0 }
        END {
            for (i = 1; i <= NR; i++) {
                s = line[i]
                while (match(s, /(docs\/)?reliability\.md/)) {
                    before = substr(s, 1, RSTART - 1)
                    rest = substr(s, RSTART + RLENGTH)
                    s = rest
                    if (before ~ /[A-Za-z0-9_\/.-]$/)
                        continue  # another path (shared/docs/reliability.md, x-reliability.md)
                    loc = file ":" i
                    r = rest
                    sub(/^[ \t]+/, "", r)
                    nextline = 0
                    if (r == "" && i < NR) {
                        r = strip(line[i + 1])
                        nextline = 1
                    }
                    if (substr(r, 1, 1) == "\"") {
                        q = substr(r, 2)
                        p = index(q, "\"")
                        if (p == 0 && i + nextline < NR) {
                            q = q " " strip(line[i + nextline + 1])
                            p = index(q, "\"")
                        }
                        if (p > 0)
                            printf "%s\tS\t%s\n", loc, substr(q, 1, p - 1)
                        else
                            printf "%s\tU\t%s\n", loc, q
                    } else if (match(r, /^I[0-9]+([\/,-][ ]*I[0-9]+)*/)) {
                        ids = substr(r, 1, RLENGTH)
                        while (match(ids, /I[0-9]+/)) {
                            printf "%s\tI\t%s\n", loc, substr(ids, RSTART, RLENGTH)
                            ids = substr(ids, RSTART + RLENGTH)
                        }
                    } else
                        printf "%s\tB\t\n", loc
                }
            }
        }' "$f"
    done <<< "$rel_hits")
    while IFS=$'\t' read -r loc kind what; do
        [ -n "$loc" ] || continue
        rel_checked=$((rel_checked + 1))
        case $kind in
        S)
            found=0
            while IFS= read -r h; do
                case $h in *"$what"*) found=1; break ;; esac
            done <<< "$rel_headings"
            if [ "$found" -eq 0 ]; then
                echo "unresolved: $loc: reliability.md \"$what\" (no heading containing it in $rel)"
                fail=1
            fi
            ;;
        I)
            if [ -z "${invariant[$what]:-}" ]; then
                echo "unresolved: $loc: reliability.md $what (no invariant $what in $rel)"
                fail=1
            fi
            ;;
        U)
            echo "unresolved: $loc: reliability.md \"$what (the quote is not closed)"
            fail=1
            ;;
        esac
    done <<< "$rel_cites"
fi

if [ "$fail" -ne 0 ]; then
    echo "check-citations: FAILED ($checked api citations, ${rel_checked:-0} reliability.md citations checked)" >&2
    exit 1
fi
echo "check-citations: ok ($checked citations resolve in $api, $rel_checked citations of $rel)"
