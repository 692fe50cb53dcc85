#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh - transfer benchmark of fastio-c (issue 3), never a test. Builds a Release tree in
# build-bench/, starts a local fastio-server (--sync complete, the default) on a free port and
# prints, measured in this run and following docs/performance.md (random source created once,
# one discarded warm-up, reference and candidates interleaved, destination removed before each
# run, bench/ballast.c right before every timed command so that each starts on the same kind
# of guest memory, median of RUNS runs with min and max):
#   - raw loopback copy (bench/tcpcopy.c), without and with an fdatasync of the copy (the same
#     durability as the server's --sync complete), vs our upload and download of a SIZE file,
#     and how long the server took to complete the upload (its access log);
#   - the official CLI's way (one connection, 4 MiB chunks one after another: one curl process
#     with --next per chunk) vs ours, on loopback and through bench/delayproxy.c (20 ms each way);
#   - 2,000 files of 4-64 KiB (files/s);
#   - peak RSS of client (/usr/bin/time -v) and server (VmHWM) during a BIG upload.
# Usage: bench/run.sh [--quick]   (--quick: 256 MiB, 3 runs, 500 small files, 1 GiB RSS run)
#        BENCH_SECTIONS=34 bench/run.sh   runs only the listed sections (default 1234)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ $QUICK = 1 ]; then
    SIZE_MB=256; RUNS=3; SMALL=500; BIG_MB=1024; PROXY_MB=64
else
    SIZE_MB=1024; RUNS=7; SMALL=2000; BIG_MB=4096; PROXY_MB=256
fi
SECTIONS=${BENCH_SECTIONS:-1234}
want() { case "$SECTIONS" in *"$1"*) return 0 ;; esac; return 1; }
for tool in curl jq gcc cmake; do command -v $tool >/dev/null || { echo "bench: needs $tool (scripts/deps.sh)"; exit 1; }; done
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)"; exit 1; }

B="$ROOT/build-bench"
echo "== building Release into build-bench/" >&2
# -Wno-error: a benchmark build must not be blocked by another work-in-progress warning (the
# warnings gate is the test build, which keeps -Werror).
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DFASTIO_TESTS=OFF \
    -DCMAKE_C_FLAGS="-Wno-error" >/dev/null
cmake --build "$B" -j2 --target fastio_cli fastio_server >/dev/null
gcc -O2 -Wall -Wextra -Werror -o "$B/tcpcopy" bench/tcpcopy.c
gcc -O2 -Wall -Wextra -Werror -o "$B/ballast" bench/ballast.c
gcc -O2 -Wall -Wextra -Werror -pthread -o "$B/delayproxy" bench/delayproxy.c
FIO="$B/fastio"; SRV="$B/fastio-server"

T=$(mktemp -d /tmp/fastio-bench-XXXXXX)
SPID=""; PPID2=""; NPID=""
cleanup() {
    [ -n "$PPID2" ] && kill "$PPID2" 2>/dev/null || true
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
    [ -n "$NPID" ] && kill "$NPID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
export HOME="$T/home" XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config"
mkdir -p "$HOME"

# launch NAME SYNC [ARGS...]: a fastio-server with data in $T/NAME and output in $T/NAME.out/.err,
# with the bench org and workspace; sets L_PID L_PORT L_BASE L_KEY.
launch() {
    local name=$1 sync=$2 p=""; shift 2
    rm -rf "${T:?}/$name"; mkdir -p "$T/$name"
    "$SRV" --data "$T/$name" --listen 127.0.0.1:0 --kdf-iterations 1000 --sync "$sync" "$@" \
        >"$T/$name.out" 2>"$T/$name.err" &
    L_PID=$!
    for _ in $(seq 1 200); do
        p=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/current.*/\1/p' "$T/$name.out" | head -n1)
        [ -n "$p" ] && break; sleep 0.05
    done
    [ -n "$p" ] || { echo "bench: server did not start"; exit 1; }
    L_PORT=$p; L_BASE="http://127.0.0.1:$p/current"; L_KEY=$(tr -d '\r\n' <"$T/$name/owner.key")
    "$FIO" --api-base "$L_BASE" --token "$L_KEY" -q org create "Bench Org" --domain bench-org
    "$FIO" --api-base "$L_BASE" --token "$L_KEY" -q workspace create "Bench" --org bench-org --folder-name bench
}
start_server() { # the main server (--sync complete); sets PORT BASE KEY SPID
    launch data complete --access-log "$T/access.log"
    SPID=$L_PID; PORT=$L_PORT; BASE=$L_BASE; KEY=$L_KEY
}
stop_server() { kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""; }
# A second server, --sync none, for the upload row that is compared with the raw copy without
# fdatasync (same durability on both sides). Sets NBASE NKEY NPID.
start_server_none() {
    launch data-none none
    NPID=$L_PID; NBASE=$L_BASE; NKEY=$L_KEY
}
fion() { "$FIO" --api-base "$NBASE" --token "$NKEY" "$@"; }
stop_server_none() { kill "$NPID"; wait "$NPID" 2>/dev/null || true; NPID=""; }
fio() { "$FIO" --api-base "${API:-$BASE}" --token "$KEY" "$@"; }
now() { date +%s.%N; }
warm() { "$B/ballast" "$T/dst" $((SIZE_MB + 64)); } # see bench/ballast.c
# the server's time for the last /complete/ request, in ms (its access log)
complete_ms() { grep -a '/complete/' "$T/access.log" | tail -n 1 | jq -r '.us / 1000'; }
# stats FILE -> "median min max" of the numbers in FILE
stats() { sort -g "$1" | awk '{a[NR]=$1} END {printf "%.1f %.1f %.1f\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
purge_all() { # remove every file of the workspace (outside any timing)
    local ids
    ids=$(fio --format json files list --workspace bench --all | jq -r '.nodes[] | select(.type == "file") | .id')
    for id in $ids; do fio -q files delete --workspace bench "$id"; fio -q files purge --workspace bench "$id"; done
}

# Upload the official CLI's way: create, then one curl process sending the 4 MiB chunks one after
# another over one connection (--next per chunk), then complete and wait until stored.
official_upload() { # API NAME SIZE PARTSDIR
    local api=$1 name=$2 size=$3 parts=$4 id cfg="$T/curl.cfg" n=0 st
    id=$(curl -fsS -H "Authorization: Bearer $KEY" -X POST "$api/upload/" -d "name=$name" -d "size=$size" \
         -d action=create -d instance_id=bench -d folder_id=root -d profile_type=workspace | jq -r .id)
    : >"$cfg"
    for p in "$parts"/p*; do
        n=$((n + 1))
        [ $n -gt 1 ] && echo "next" >>"$cfg"
        printf 'url = "%s/upload/%s/chunk/?order=%d&size=%d"\nheader = "Authorization: Bearer %s"\nform = "chunk=@%s"\nsilent\nfail\noutput = "/dev/null"\n' \
            "$api" "$id" "$n" "$(stat -c %s "$p")" "$KEY" "$p" >>"$cfg"
    done
    curl -K "$cfg"
    curl -fsS -H "Authorization: Bearer $KEY" -X POST "$api/upload/$id/complete/" >/dev/null
    for _ in $(seq 1 600); do
        st=$(curl -fsS -H "Authorization: Bearer $KEY" "$api/upload/$id/details/" | jq -r .session.status)
        [ "$st" = stored ] && return 0
        sleep 0.01
    done
    echo "bench: official upload did not complete" >&2; return 1
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r); sizes: ${SIZE_MB} MiB, ${RUNS} runs$([ $QUICK = 1 ] && echo ' (--quick)')"
echo "== server durability policy: --sync complete (fdatasync + directory fsync when a file completes) unless a row says --sync none"
mkdir -p "$T/src" "$T/dst" "$T/parts"
head -c $((SIZE_MB * 1048576)) /dev/urandom >"$T/src/big.bin"
split -b 4194304 -a 4 "$T/src/big.bin" "$T/parts/p"
SIZE=$((SIZE_MB * 1048576))
start_server

if want 1; then
# ---- 1. loopback: raw copy vs our upload vs the official way; our download -------------------
start_server_none
: >"$T/r_raw"; : >"$T/r_raws"; : >"$T/r_up"; : >"$T/r_off"; : >"$T/r_down"; : >"$T/r_comp"
: >"$T/r_upn"; : >"$T/r_offn"
for i in $(seq 0 "$RUNS"); do # run 0 is the discarded warm-up
    rm -f "$T/dst/raw.bin"; warm
    s=$("$B/tcpcopy" "$T/src/big.bin" "$T/dst/raw.bin")
    rm -f "$T/dst/raw.bin"; warm
    ss=$("$B/tcpcopy" --sync "$T/src/big.bin" "$T/dst/raw.bin")
    rm -f "$T/dst/raw.bin"
    purge_all; warm
    t0=$(now); fio -q upload file --workspace bench "$T/src/big.bin"; t1=$(now)
    cms=$(complete_ms)
    node=$(fio --format json files list --workspace bench | jq -r '.nodes[] | select(.name == "big.bin") | .id')
    rm -f "$T/dst/big.bin"; warm
    t2=$(now); fio -q download file --workspace bench "$node" -o "$T/dst/"; t3=$(now)
    cmp -s "$T/src/big.bin" "$T/dst/big.bin" || { echo "bench: download differs"; exit 1; }
    rm -f "$T/dst/big.bin"
    purge_all; warm
    t4=$(now); official_upload "$BASE" off.bin "$SIZE" "$T/parts"; t5=$(now)
    warm
    t6=$(now); fion -q upload file --workspace bench "$T/src/big.bin"; t7=$(now)
    nn=$(fion --format json files list --workspace bench | jq -r '.nodes[] | select(.name == "big.bin") | .id')
    fion -q files delete --workspace bench "$nn"; fion -q files purge --workspace bench "$nn"
    warm
    t8=$(now); KEY=$NKEY official_upload "$NBASE" off.bin "$SIZE" "$T/parts"; t9=$(now)
    nn=$(fion --format json files list --workspace bench | jq -r '.nodes[] | select(.name == "off.bin") | .id')
    fion -q files delete --workspace bench "$nn"; fion -q files purge --workspace bench "$nn"
    [ "$i" = 0 ] && continue
    awk -v a="$t6" -v b="$t7" -v n=$SIZE 'BEGIN{print n/(b-a)/1e6}' >>"$T/r_upn"
    awk -v a="$t8" -v b="$t9" -v n=$SIZE 'BEGIN{print n/(b-a)/1e6}' >>"$T/r_offn"
    awk -v s="$s" -v n=$SIZE 'BEGIN{print n/s/1e6}' >>"$T/r_raw"
    awk -v s="$ss" -v n=$SIZE 'BEGIN{print n/s/1e6}' >>"$T/r_raws"
    awk -v a="$t0" -v b="$t1" -v n=$SIZE 'BEGIN{print n/(b-a)/1e6}' >>"$T/r_up"
    awk -v a="$t2" -v b="$t3" -v n=$SIZE 'BEGIN{print n/(b-a)/1e6}' >>"$T/r_down"
    awk -v a="$t4" -v b="$t5" -v n=$SIZE 'BEGIN{print n/(b-a)/1e6}' >>"$T/r_off"
    echo "$cms" >>"$T/r_comp"
done
read -r raw rawmin rawmax < <(stats "$T/r_raw")
read -r raws rawsmin rawsmax < <(stats "$T/r_raws")
read -r up upmin upmax < <(stats "$T/r_up")
read -r dn dnmin dnmax < <(stats "$T/r_down")
read -r off offmin offmax < <(stats "$T/r_off")
read -r cm cmmin cmmax < <(stats "$T/r_comp")
read -r upn upnmin upnmax < <(stats "$T/r_upn")
read -r offn offnmin offnmax < <(stats "$T/r_offn")
stop_server_none
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
printf '%-46s %9s %9s %9s %8s\n' "loopback, ${SIZE_MB} MiB (MB/s)" median min max ratio
printf '%-46s %9s %9s %9s %8s\n' "raw loopback copy (tcpcopy)" "$raw" "$rawmin" "$rawmax" "1.00"
printf '%-46s %9s %9s %9s %8s\n' "raw copy + fdatasync (tcpcopy --sync)" "$raws" "$rawsmin" "$rawsmax" "$(ratio "$raws" "$raw")"
printf '%-46s %9s %9s %9s %8s\n' "fastio upload file (--sync complete)" "$up" "$upmin" "$upmax" "$(ratio "$up" "$raw")"
printf '%-46s %9s %9s %9s %8s\n' "fastio upload file (server --sync none)" "$upn" "$upnmin" "$upnmax" "$(ratio "$upn" "$raw")"
printf '%-46s %9s %9s %9s %8s\n' "fastio download file" "$dn" "$dnmin" "$dnmax" "$(ratio "$dn" "$raw")"
printf '%-46s %9s %9s %9s %8s\n' "official way (curl --next, 4 MiB sequential)" "$off" "$offmin" "$offmax" "$(ratio "$off" "$raw")"
echo "  upload --sync complete / raw copy + fdatasync (same durability): $(ratio "$up" "$raws")x"
echo "  upload --sync none / raw copy (same durability): $(ratio "$upn" "$raw")x"
echo "  download / raw copy: $(ratio "$dn" "$raw")x"
printf '%-46s %9s %9s %9s %8s\n' "official way (server --sync none)" "$offn" "$offnmin" "$offnmax" "$(ratio "$offn" "$raw")"
echo "  ours / official way (upload, loopback, --sync complete): $(ratio "$up" "$off")x"
echo "  ours / official way (upload, loopback, --sync none): $(ratio "$upn" "$offn")x"
echo "  server time to complete the ${SIZE_MB} MiB upload (POST .../complete/): median $cm ms (min $cmmin, max $cmmax)"
fi

if want 2; then
# ---- 2. through the delay proxy (20 ms each way) ------------------------------------------------
PPORT=$((20000 + RANDOM % 20000))
"$B/delayproxy" "$PPORT" "$PORT" 20 &
PPID2=$!
sleep 0.2
PAPI="http://127.0.0.1:$PPORT/current"
head -c $((PROXY_MB * 1048576)) "$T/src/big.bin" >"$T/src/proxy.bin"
mkdir -p "$T/pparts"; split -b 4194304 -a 4 "$T/src/proxy.bin" "$T/pparts/p"
PSIZE=$((PROXY_MB * 1048576))
: >"$T/p_up"; : >"$T/p_off"
PRUNS=$([ $QUICK = 1 ] && echo 3 || echo 5)
for i in $(seq 0 "$PRUNS"); do
    purge_all
    t0=$(now); API=$PAPI fio -q upload file --workspace bench "$T/src/proxy.bin"; t1=$(now)
    purge_all
    t2=$(now); official_upload "$PAPI" poff.bin "$PSIZE" "$T/pparts"; t3=$(now)
    [ "$i" = 0 ] && continue
    awk -v a="$t0" -v b="$t1" -v n=$PSIZE 'BEGIN{print n/(b-a)/1e6}' >>"$T/p_up"
    awk -v a="$t2" -v b="$t3" -v n=$PSIZE 'BEGIN{print n/(b-a)/1e6}' >>"$T/p_off"
done
kill "$PPID2"; wait "$PPID2" 2>/dev/null || true; PPID2=""
read -r pup pupmin pupmax < <(stats "$T/p_up")
read -r poff poffmin poffmax < <(stats "$T/p_off")
printf '%-44s %9s %9s %9s\n' "delay proxy 20 ms each way, ${PROXY_MB} MiB (MB/s)" median min max
printf '%-44s %9s %9s %9s\n' "fastio upload file" "$pup" "$pupmin" "$pupmax"
printf '%-44s %9s %9s %9s\n' "official way (curl --next, 4 MiB sequential)" "$poff" "$poffmin" "$poffmax"
echo "  ours / official way (upload, 20 ms proxy): $(awk -v a="$pup" -v b="$poff" 'BEGIN{printf "%.2f", a/b}')x  ($PRUNS runs)"
fi

if want 3; then
# ---- 3. many small files -----------------------------------------------------------------------
mkdir -p "$T/small"
for i in $(seq 1 "$SMALL"); do head -c $(( (4 + (i * 37) % 61) * 1024 )) "$T/src/big.bin" >"$T/small/s$i.bin"; done
: >"$T/r_small"
SRUNS=$([ $QUICK = 1 ] && echo 3 || echo 5)
for i in $(seq 0 "$SRUNS"); do
    # a fresh, empty workspace per run (outside the timing): deleting and purging SMALL files
    # one CLI call at a time between runs took far longer than the uploads themselves
    fio -q workspace create "Small $i" --org bench-org --folder-name "small-$i"
    t0=$(now); fio -q upload file --workspace "small-$i" --parallel 16 "$T"/small/*.bin; t1=$(now)
    [ "$i" = 0 ] && continue
    awk -v a="$t0" -v b="$t1" -v n="$SMALL" 'BEGIN{print n/(b-a)}' >>"$T/r_small"
done
read -r sm smmin smmax < <(stats "$T/r_small")
echo "small files: $SMALL files of 4-64 KiB: median $sm files/s (min $smmin, max $smmax; $SRUNS runs)"
fi

# ---- 4. peak RSS during a big upload (fresh server) ---------------------------------------------
want 4 || exit 0
stop_server
rm -f "$T/src/proxy.bin" "$T/dst/"*; rm -rf "$T/parts" "$T/pparts" "$T/small"
start_server
head -c $((BIG_MB * 1048576)) /dev/urandom >"$T/src/huge.bin"
/usr/bin/time -v "$FIO" --api-base "$BASE" --token "$KEY" -q upload file --workspace bench "$T/src/huge.bin" 2>"$T/time.txt"
crss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time.txt")
srss=$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$SPID/status")
echo "peak RSS during a ${BIG_MB} MiB upload: client ${crss} kB, server ${srss}"
