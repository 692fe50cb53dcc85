#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check_install.sh - install the build into a temporary prefix and use it the way an outside
# project would: the expected files are there, libfastio.so exports only the public API, and a
# small program builds with `pkg-config fastio` against the shared and the static library and runs,
# and another with `find_package(fastio)` (tests/install/find_package); the installed fastio and
# fastio-server run from the prefix with no LD_LIBRARY_PATH (D-110).
#
# usage: check_install.sh BUILD_DIR [SANITIZE(ON|OFF)] [CC] [PKG_CONFIG]
#   SANITIZE=ON when the build used FASTIO_SANITIZE: the consumer is then compiled with the same
#   sanitizers, since an instrumented libfastio needs the ASan/UBSan runtime in the program.
set -euo pipefail

build_dir=${1:?usage: check_install.sh BUILD_DIR [SANITIZE] [CC] [PKG_CONFIG]}
sanitize=${2:-OFF}
cc=${3:-cc}
pkg_config=${4:-pkg-config}
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fastio-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failures=0
fail() { echo "check_install: FAIL: $*" >&2; failures=$((failures + 1)); }

# ---- install -----------------------------------------------------------------------------------
if ! cmake --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    echo "check_install: FAIL: cmake --install failed" >&2
    exit 1
fi

# GNUInstallDirs decides lib/ vs lib64/ vs lib/<multiarch>/: find the .pc wherever it went.
pc=$(find "$prefix" -path '*/pkgconfig/fastio.pc' -print -quit)
if [ -z "$pc" ]; then
    echo "check_install: FAIL: no pkgconfig/fastio.pc under $prefix" >&2
    find "$prefix" >&2
    exit 1
fi
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")

# ---- installed files ---------------------------------------------------------------------------
for h in fastio status endpoints export; do
    [ -f "$prefix/include/fastio/$h.h" ] || fail "missing include/fastio/$h.h"
done
[ -e "$libdir/libfastio.so" ] || fail "missing $libdir/libfastio.so"
compgen -G "$libdir/libfastio.so.*" >/dev/null || fail "missing versioned $libdir/libfastio.so.*"
[ -f "$libdir/libfastio.a" ] || fail "missing $libdir/libfastio.a"
for b in fastio fastio-server; do
    [ -x "$prefix/bin/$b" ] || fail "missing or not executable: bin/$b"
done

# ---- exported symbols: the public API only -----------------------------------------------------
# Internal names (fio_*, store_*, json helpers linked in ...) must stay hidden
# (-fvisibility=hidden + FASTIO_API): a stray export is an ABI promise nobody meant to make.
if [ -e "$libdir/libfastio.so" ]; then
    nm -D --defined-only "$libdir/libfastio.so" | awk 'NF >= 3 { print $3 }' >"$tmp/exports"
    [ -s "$tmp/exports" ] || fail "libfastio.so exports nothing"
    if grep -v '^fastio_' "$tmp/exports" >"$tmp/stray"; then
        fail "libfastio.so exports non-fastio_ symbols: $(tr '\n' ' ' <"$tmp/stray")"
    fi
fi

# ---- build and run a consumer --------------------------------------------------------------------
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror)
if [ "$sanitize" = ON ]; then
    cflags+=("-fsanitize=address,undefined" -fno-omit-frame-pointer)
fi
read -r -a pc_cflags <<<"$("$pkg_config" --cflags fastio)"
read -r -a pc_libs <<<"$("$pkg_config" --libs fastio)"
# For the archive: its Requires.private modules (libcurl, libcrypto), linked as shared libraries.
# Not `--static --libs`: that expands libcurl's own private dependencies (ldap, krb5, zstd, ...),
# which a system with only shared libcurl has no business needing.
mapfile -t private_mods < <("$pkg_config" --print-requires-private fastio | awk '{ print $1 }')
read -r -a pc_static_libs <<<"$("$pkg_config" --libs fastio "${private_mods[@]}")"

# The headers must come from the prefix, not from the source tree or /usr/local (-H lists every
# header opened; a leading ". " marks the ones consumer.c includes directly).
if "$cc" "${cflags[@]}" "${pc_cflags[@]}" -E -H "$here/consumer.c" -o /dev/null 2>"$tmp/incs"; then
    hdr=$(sed -n 's#^\. \(.*fastio/fastio\.h\)$#\1#p' "$tmp/incs")
    real_prefix=$(realpath "$prefix")
    case "$(realpath -m "${hdr:-none}")" in
    "$real_prefix"/*) ;;
    *) fail "fastio/fastio.h was not taken from $prefix (got '${hdr:-nothing}')" ;;
    esac
else
    cat "$tmp/incs" >&2
    fail "preprocessing consumer.c failed"
fi

# shared
if "$cc" "${cflags[@]}" "${pc_cflags[@]}" "$here/consumer.c" -o "$tmp/consumer_shared" \
        "${pc_libs[@]}"; then
    readelf -d "$tmp/consumer_shared" | grep -q 'NEEDED.*\[libfastio\.so\.' ||
        fail "consumer_shared does not depend on libfastio.so"
    LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$tmp/consumer_shared" ||
        fail "consumer_shared exited with $?"
else
    fail "could not build the consumer against libfastio.so"
fi

# static: -l:libfastio.a picks the archive although libfastio.so sits beside it.
static_libs=()
for f in "${pc_static_libs[@]}"; do
    if [ "$f" = -lfastio ]; then static_libs+=(-l:libfastio.a); else static_libs+=("$f"); fi
done
if "$cc" "${cflags[@]}" "${pc_cflags[@]}" "$here/consumer.c" -o "$tmp/consumer_static" \
        "${static_libs[@]}"; then
    if readelf -d "$tmp/consumer_static" | grep -q 'NEEDED.*libfastio'; then
        fail "consumer_static still depends on libfastio.so"
    fi
    "$tmp/consumer_static" || fail "consumer_static exited with $?"
else
    fail "could not build the consumer against libfastio.a"
fi

# ---- the CMake package: find_package(fastio) ---------------------------------------------------
cm_flags=""
[ "$sanitize" = ON ] && cm_flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
cmdir=$(find "$prefix" -path '*/cmake/fastio/fastioConfig.cmake' -print -quit)
[ -n "$cmdir" ] || fail "missing lib/cmake/fastio/fastioConfig.cmake"
[ -n "$cmdir" ] && { [ -f "$(dirname "$cmdir")/fastioConfigVersion.cmake" ] ||
    fail "missing fastioConfigVersion.cmake"; }
version=$("$prefix/bin/fastio" --version 2>/dev/null | awk '{ print $2 }') || true
if cmake -S "$here/find_package" -B "$tmp/fp-build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror $cm_flags" \
        -DCONSUMER_SRC="$here/consumer.c" -DEXPECTED_VERSION="${version:-unknown}" \
        >"$tmp/fp.log" 2>&1 &&
    cmake --build "$tmp/fp-build" >>"$tmp/fp.log" 2>&1; then
    # No LD_LIBRARY_PATH: CMake gave the program the prefix's lib directory as its RUNPATH.
    env -u LD_LIBRARY_PATH "$tmp/fp-build/consumer_cmake_shared" ||
        fail "consumer_cmake_shared (find_package, fastio::fastio) exited with $?"
    readelf -d "$tmp/fp-build/consumer_cmake_shared" | grep -q 'NEEDED.*\[libfastio\.so\.' ||
        fail "consumer_cmake_shared does not depend on libfastio.so"
    env -u LD_LIBRARY_PATH "$tmp/fp-build/consumer_cmake_static" ||
        fail "consumer_cmake_static (find_package, fastio::fastio_static) exited with $?"
    if readelf -d "$tmp/fp-build/consumer_cmake_static" | grep -q 'NEEDED.*libfastio'; then
        fail "consumer_cmake_static depends on libfastio.so"
    fi
else
    cat "$tmp/fp.log" >&2
    fail "the find_package(fastio) project did not configure or build"
fi
# A version the package is not compatible with is refused (0.x: same minor only).
mkdir -p "$tmp/fp-bad"
cat >"$tmp/fp-bad/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(bad LANGUAGES C)
find_package(fastio 9.0 REQUIRED)
CM
if cmake -S "$tmp/fp-bad" -B "$tmp/fp-bad/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
    fail "find_package(fastio 9.0) was accepted by a $version package"
fi

# ---- installed programs: they run from the prefix with no LD_LIBRARY_PATH -------------------
for b in fastio fastio-server; do
    if out=$(cd / && env -u LD_LIBRARY_PATH "$prefix/bin/$b" --version 2>&1); then
        case "$out" in
        "$b $version"*) ;;
        *) fail "$b --version printed '$out' (want '$b $version...')" ;;
        esac
    else
        fail "installed $b --version failed: $out"
    fi
    # RUNPATH: the prefix's own library directory, relative to the program.
    readelf -d "$prefix/bin/$b" | grep -q 'R\(UN\)\?PATH.*\$ORIGIN/\.\./' ||
        fail "bin/$b has no \$ORIGIN/../lib RUNPATH"
    if ldd "$prefix/bin/$b" 2>/dev/null | grep -q 'not found'; then
        fail "bin/$b has unresolved libraries: $(ldd "$prefix/bin/$b" | grep 'not found')"
    fi
done
[ -f "$prefix/share/doc/fastio-c/LICENSE" ] || fail "missing share/doc/fastio-c/LICENSE"
# the completion scripts, where bash-completion, zsh and fish look, as `fastio completions` prints
for pair in bash:bash-completion/completions/fastio zsh:zsh/site-functions/_fastio \
    fish:fish/vendor_completions.d/fastio.fish; do
    sh=${pair%%:*} f=$prefix/share/${pair#*:}
    if [ -s "$f" ]; then
        env -u LD_LIBRARY_PATH "$prefix/bin/fastio" completions "$sh" | cmp -s - "$f" ||
            fail "share/${pair#*:} differs from 'fastio completions $sh'"
    else
        fail "missing share/${pair#*:}"
    fi
done
# the man pages, where man finds them under the prefix
for p in man1/fastio.1 man8/fastio-server.8 man3/libfastio.3; do
    [ -s "$prefix/share/man/$p" ] || fail "missing share/man/$p"
done
if [ -s "$prefix/share/man/man1/fastio.1" ]; then
    MANPATH="$prefix/share/man" man -w fastio 2>/dev/null | grep -q "^$prefix/share/man/man1/fastio.1" ||
        fail "man -w fastio does not find the installed page with MANPATH=$prefix/share/man"
fi

if [ "$failures" -ne 0 ]; then
    echo "check_install: $failures check(s) failed" >&2
    exit 1
fi
echo "check_install: ok ($prefix -> $libdir)"
