#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# spdx_scripts.sh SOURCE_DIR - scripts/spdx.sh and scripts/check-spdx.sh (D-110) on a scratch
# repository: the check fails while a source lacks the line, spdx.sh adds it in each kind's
# comment syntax (after a #! line, modes kept, ignored and corpus files left alone), a second
# run changes nothing, and the check then passes.
set -euo pipefail
src=${1:?usage: spdx_scripts.sh SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failures=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
fail() { failures=$((failures + 1)); echo "not ok - $1"; }

r=$tmp/repo
mkdir -p "$r/scripts" "$r/src" "$r/tests/fuzz/corpus/x" "$r/build" "$r/cmake"
cp "$src/scripts/spdx.sh" "$src/scripts/check-spdx.sh" "$src/scripts/spdx-files.sh" "$r/scripts/"
printf '/* a.c - a file */\nint a;\n' >"$r/src/a.c"
printf '#ifndef B_H\n#define B_H\n#endif\n' >"$r/src/b.h"
printf '#!/usr/bin/env bash\necho hi\n' >"$r/src/run.sh"
chmod 755 "$r/src/run.sh"
printf '// m.mjs\nexport {};\n' >"$r/src/m.mjs"
printf '#!/usr/bin/env node\nconsole.log(1);\n' >"$r/src/n.js"
printf 'set(X 1)\n' >"$r/cmake/x.cmake"
printf 'project(p C)\n' >"$r/CMakeLists.txt"
printf 'corpus bytes.c\n' >"$r/tests/fuzz/corpus/x/input.c"
printf 'int generated;\n' >"$r/build/gen.c"
printf '/build/\n' >"$r/.gitignore"
printf 'not a source\n' >"$r/README.md"
git -C "$r" init -q
git -C "$r" add -A >/dev/null 2>&1
# the scripts' own files already carry the line
if bash "$r/scripts/check-spdx.sh" >"$tmp/out" 2>&1; then
    fail "check-spdx passed with sources lacking the line"
else
    ok "check-spdx fails while sources lack the line"
fi
n=$(grep -c '^src/\|^cmake/\|^CMakeLists' "$tmp/out" || true)
[ "$n" = 7 ] && ok "it names the 7 files without the line" || fail "it named $n files: $(cat "$tmp/out")"

bash "$r/scripts/spdx.sh" >"$tmp/changed"
[ "$(wc -l <"$tmp/changed")" = 7 ] && ok "spdx.sh changed 7 files" || fail "spdx.sh changed: $(cat "$tmp/changed")"
first() { sed -n "${2:-1}p" "$r/$1"; }
[ "$(first src/a.c)" = "/* SPDX-License-Identifier: MIT */" ] && [ "$(first src/a.c 2)" = "/* a.c - a file */" ] &&
    ok ".c: a C comment on line 1, the file's text after it" || fail ".c: $(head -2 "$r/src/a.c")"
[ "$(first src/b.h)" = "/* SPDX-License-Identifier: MIT */" ] && ok ".h: a C comment" || fail ".h"
[ "$(first src/run.sh)" = "#!/usr/bin/env bash" ] && [ "$(first src/run.sh 2)" = "# SPDX-License-Identifier: MIT" ] &&
    ok ".sh: after the #! line" || fail ".sh: $(head -2 "$r/src/run.sh")"
[ "$(stat -c %a "$r/src/run.sh")" = 755 ] && ok "the mode is kept" || fail "mode $(stat -c %a "$r/src/run.sh")"
[ "$(first src/m.mjs)" = "// SPDX-License-Identifier: MIT" ] && ok ".mjs: a // comment" || fail ".mjs"
[ "$(first src/n.js 2)" = "// SPDX-License-Identifier: MIT" ] && ok ".js: after the #! line" || fail ".js"
[ "$(first cmake/x.cmake)" = "# SPDX-License-Identifier: MIT" ] && [ "$(first CMakeLists.txt)" = "# SPDX-License-Identifier: MIT" ] &&
    ok ".cmake and CMakeLists.txt: a # comment" || fail "cmake files"
[ "$(first tests/fuzz/corpus/x/input.c)" = "corpus bytes.c" ] && ok "fuzz corpus files are data: untouched" || fail "corpus changed"
[ "$(first build/gen.c)" = "int generated;" ] && ok "ignored files are untouched" || fail "ignored file changed"

bash "$r/scripts/spdx.sh" >"$tmp/changed2"
[ ! -s "$tmp/changed2" ] && ok "a second run changes nothing" || fail "second run changed: $(cat "$tmp/changed2")"
bash "$r/scripts/check-spdx.sh" >/dev/null 2>&1 && ok "check-spdx passes afterwards" || fail "check-spdx still fails"
# a new, not yet added file is checked too
printf 'int c;\n' >"$r/src/c.c"
bash "$r/scripts/check-spdx.sh" >/dev/null 2>&1 && fail "an untracked new source passed" || ok "an untracked new source is checked"

echo "$pass passed, $failures failed"
[ "$failures" -eq 0 ]
