#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_completions.sh - `fastio completions bash|zsh|fish` (D-112): every script loads in its
# shell and completes groups, two-word commands, flags after positionals, and the values of
# list-valued flags; every group and command of the command table (`fastio __doc json`) and
# every global flag of `fastio --help` is in them. zsh and fish (scripts/deps.sh) are run for
# real: zsh with its completion builtins replaced by recorders, fish with `complete -C`.
source "$(dirname "$0")/lib.sh"
F=$FASTIO_CLI_BIN
T=$T_DATA
mkdir -p "$T"

for sh in bash zsh fish; do
    set +e
    "$F" completions "$sh" >"$T/c.$sh" 2>"$T/err"
    RC=$?
    set -e
    OUT=""; ERR=$(cat "$T/err")
    expect_rc 0 "fastio completions $sh"
done
set +e
OUT=$("$F" completions tcsh 2>&1); RC=$?
set -e
expect_rc 2 "an unknown shell is a usage error"

# ---- bash --------------------------------------------------------------------------------------
OUT=$(bash -c "source <('$F' completions bash) && complete -p fastio" 2>&1) && RC=0 || RC=$?
expect_rc 0 "the bash script loads from a process substitution"
expect_out_contains "complete -o default -F _fastio fastio" "complete -p fastio shows the function"

# comp WORDS...: COMPREPLY for the last word, sorted, space-separated
cat >"$T/comp.bash" <<EOS
source "$T/c.bash"
comp() { COMP_WORDS=("\$@"); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _fastio
         [ \${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "\${COMPREPLY[@]}" | sort | tr '\n' ' '; }
EOS
bcomp() { OUT=$(bash -c "source '$T/comp.bash'; comp $*" 2>&1) && RC=0 || RC=$?; }
expect_bash() { bcomp "$1"; if [ "$OUT" = "$2" ]; then ok "bash: $1 -> $2"; else bad "bash: $1 -> '$OUT', want '$2'"; fi; }
expect_bash "fastio au" "auth "
expect_bash "fastio auth api-key ''" "create delete get list update "
expect_bash "fastio --format json files l" "list lock "
expect_bash "fastio files lock r" "release run "
expect_bash "fastio --format ''" "csv json markdown table "
expect_bash "fastio files list --sort-dir ''" "asc desc "
expect_bash "fastio completions ''" "bash fish zsh "
expect_bash "fastio sync ./a ./b --del" "--delete "
expect_bash "fastio upload file ./x --pare" "--parents "
expect_bash "fastio -q --profile p workspace li" "list "
# a value flag's value is not taken for a command word; a positional ends the command words
expect_bash "fastio files list --workspace auth --for" "--format "
expect_bash "fastio files list somedir ''" ""
# --flag=value reaches the function as '--flag' '=' 'value' (COMP_WORDBREAKS)
expect_bash "fastio --format = j" "json "
expect_bash "fastio --format = ''" "csv json markdown table "
expect_bash "fastio --format = json files l" "list lock "
# compgen over the bash tables: the group names
OUT=$(bash -c "source '$T/c.bash'; compgen -W \"\${_fastio_sub[fastio]}\" -- up")
[ "$OUT" = upload ] && ok "compgen on the group table" || bad "compgen gave '$OUT'"

# ---- everything of the table and of --help is in the scripts ------------------------------------
"$F" __doc json >"$T/doc.json"
missing=""
while IFS=$'\t' read -r group cmd; do
    first=${cmd%% *}
    subs=$(bash -c "source '$T/c.bash'; echo \" \${_fastio_sub[fastio]} | \${_fastio_sub[fastio $group]} \"")
    case "$subs" in *" $group "*"| "*) ;; *) missing+=" group:$group" ;; esac
    case "$subs" in *"| "*" $first "*|*"| $first "*) ;; *) missing+=" $group/$first" ;; esac
    if [ "$cmd" != "$first" ]; then
        second=${cmd#* }
        s2=$(bash -c "source '$T/c.bash'; echo \" \${_fastio_sub[fastio $group $first]} \"")
        case "$s2" in *" $second "*) ;; *) missing+=" $group/$cmd" ;; esac
    fi
    if [ "$cmd" = "$first" ]; then
        grep -qF "__fastio_at 'fastio $group'\" -a '$first'" "$T/c.fish" || missing+=" fish:$group/$cmd"
    else
        grep -qF "__fastio_at 'fastio $group $first'\" -a '${cmd#* }'" "$T/c.fish" ||
            missing+=" fish:$group/$cmd"
    fi
done < <(jq -r '.[] | [.group, .command] | @tsv' "$T/doc.json")
[ -z "$missing" ] && ok "every command of the table completes (bash and fish)" || bad "missing:$missing"
# flags: every flag of every command is under its key
missing=""
while IFS=$'\t' read -r group cmd flag; do
    grep -qF -- "--$flag" <(bash -c "source '$T/c.bash'; echo \"\${_fastio_opts[fastio $group $cmd]}\"") ||
        missing+=" $group/$cmd/--$flag"
done < <(jq -r '.[] | . as $c | .options[] | select(.kind == "value" or .kind == "flag") |
                [$c.group, $c.command, .name] | @tsv' "$T/doc.json" | awk 'NR % 7 == 1')
[ -z "$missing" ] && ok "flags of the table are in the bash tables (every 7th checked)" || bad "missing:$missing"
# the group list of `fastio --help` and its global flags
groups=$("$F" --help | awk '/^COMMANDS/ { on = 1; next } /^[A-Z]/ { on = 0 } on && NF >= 2 && $1 ~ /^[a-z-]+$/ { print $1 }')
missing=""
for g in $groups; do grep -qF "'fastio $g'" "$T/c.bash" || missing+=" $g"; done
[ -n "$groups" ] && [ -z "$missing" ] && ok "every group of 'fastio --help' is completed" || bad "groups missing:$missing"
gflags=$("$F" --help | awk '/^GLOBAL OPTIONS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
    grep -oE '^    (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+')
allg=$(bash -c "source '$T/c.bash'; echo \" \${_fastio_opts[fastio]} \"")
missing=""
for g in $gflags; do case "$allg" in *" $g "*) ;; *) missing+=" $g" ;; esac; done
[ -n "$gflags" ] && [ -z "$missing" ] && ok "every global flag of 'fastio --help' is completed" || bad "global flags missing:$missing"

# ---- zsh ---------------------------------------------------------------------------------------
if command -v zsh >/dev/null 2>&1; then
    OUT=$(zsh -n "$T/c.zsh" 2>&1) && RC=0 || RC=$?
    expect_rc 0 "zsh -n accepts the zsh script"
    cat >"$T/comp.zsh" <<EOS
compdef() { print -r -- "compdef \$*"; }
compadd() { [[ \$1 == -- ]] && shift; print -r -- "compadd: \$*"; }
_describe() { print -r -- "describe: \${(P)\${4}}"; }
_files() { print -r -- "files"; }
source "$T/c.zsh"
comp() { words=("\$@"); CURRENT=\${#words}; _fastio; }
EOS
    zcomp() { OUT=$(zsh -f -c "source '$T/comp.zsh'; comp $*" 2>&1 | grep -v '^compdef ') && RC=0 || RC=$?; }
    OUT=$(zsh -f -c "source '$T/comp.zsh'" 2>&1)
    expect_out_contains "compdef _fastio fastio" "zsh: sourcing registers _fastio for fastio"
    zcomp "fastio auth api-key ''"
    expect_out_contains "describe: create:Create an API key" "zsh: two-word commands with summaries"
    zcomp "fastio files list --sort-dir ''"
    [ "$OUT" = "compadd: asc desc" ] && ok "zsh: choices of a flag" || bad "zsh: choices '$OUT'"
    zcomp "fastio upload file ./x --"
    expect_out_contains "--parents" "zsh: flags after a positional"
    zcomp "fastio sync ./a ''"
    [ "$OUT" = files ] && ok "zsh: a positional completes files" || bad "zsh: '$OUT'"
else
    grep -q '^#compdef fastio$' "$T/c.zsh" && grep -q 'compdef _fastio fastio' "$T/c.zsh" &&
        ok "zsh not installed: the script has #compdef and compdef (structure only)" ||
        bad "zsh script structure"
fi

# ---- fish --------------------------------------------------------------------------------------
if command -v fish >/dev/null 2>&1; then
    OUT=$(fish --no-execute "$T/c.fish" 2>&1) && RC=0 || RC=$?
    expect_rc 0 "fish --no-execute accepts the fish script"
    fcomp() { OUT=$(fish --no-config -c "source '$T/c.fish'; complete -C '$1'" 2>&1 | cut -f1 | sort | tr '\n' ' ') && RC=0 || RC=$?; }
    expect_fish() { fcomp "$1"; if [ "$OUT" = "$2" ]; then ok "fish: $1 -> $2"; else bad "fish: $1 -> '$OUT', want '$2'"; fi; }
    expect_fish "fastio au" "auth "
    expect_fish "fastio auth api-key " "create delete get list update "
    expect_fish "fastio --format js" "json "
    expect_fish "fastio files list --sort-dir " "asc desc "
    expect_fish "fastio upload file ./x --pare" "--parents "
    mkdir -p "$T/fdir" && touch "$T/fdir/aa.txt"
    OUT=$(cd "$T" && fish --no-config -c "source '$T/c.fish'; complete -C 'fastio sync fd'" 2>&1)
    [ "$OUT" = "fdir/" ] && ok "fish: a default command's argument completes files" || bad "fish: sync fd -> '$OUT'"
    OUT=$(cd "$T" && fish --no-config -c "source '$T/c.fish'; complete -C 'fastio fd'" 2>&1)
    [ -z "$OUT" ] && ok "fish: no file names where only a group fits" || bad "fish: 'fastio fd' -> '$OUT'"
    OUT=$(fish --no-config -c "source '$T/c.fish'; complete -C 'fastio auth api-key c'" 2>&1)
    expect_out_contains $'create\tCreate an API key' "fish: commands with descriptions"
else
    grep -q "^complete -c fastio" "$T/c.fish" && ok "fish not installed: complete rules present (structure only)" ||
        bad "fish script structure"
fi

finish
