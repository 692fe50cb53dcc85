#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_ingest.sh - "fastio ingest" (issue 17) against a real fastio-server: a tree uploaded once
# and not again, workspaces per subdirectory with invitations sent once, the settle rule (a
# writer that appends slowly with the file open is never uploaded half; rename-into-place; a
# .ready marker), the after-actions, and exactly-once across kill -9: 500 files dropped while
# the daemon is killed with SIGKILL at least 10 times, then every file present exactly once
# (one node, one version) and byte-identical.
. "$(dirname "$0")/lib.sh"
start_server

STATE="$T_DATA/state"
IN="$T_DATA/in"
mkdir -p "$IN" "$STATE"
fio org create "Ingest Org" --domain ingest-org
expect_rc 0 "org created"

# ingest ARGS...: the daemon with --org; the state directory is $ING_STATE (default $STATE)
ingest() { fio ingest "$@" --org ingest-org --state-dir "${ING_STATE:-$STATE}"; }

# node id of NAME in folder FOLDER ("root" or an id) of workspace WS
node_of() {
    fio --format json files list --workspace "$1" --folder "$2" --all
    printf '%s' "$OUT" | jq -r --arg n "$3" '.nodes[] | select(.name == $n) | .id'
}
versions_of() {
    fio --format json files versions --workspace "$1" "$2"
    printf '%s' "$OUT" | jq -r '.versions | length'
}

# ---- 1. a tree, once; a second run sends nothing ----------------------------------------------
mkdir -p "$IN/reports/2026" "$IN/.hidden"
echo "alpha" >"$IN/a.txt"
echo "beta" >"$IN/reports/2026/b.txt"
head -c 6000000 /dev/urandom >"$IN/reports/big.bin"
echo "no" >"$IN/skip.part"
echo "no" >"$IN/.dot"
echo "no" >"$IN/.hidden/x.txt"
echo "no" >"$IN/tilde~"
ingest "$IN" --workspace Inbox --once --settle 0
expect_rc 0 "ingest --once exits 0"
n=$(printf '%s\n' "$OUT" | jq -s '[.[] | select(.outcome == "stored")] | length')
[ "$n" = 3 ] && ok "three files stored" || bad "three files stored (got $n)"
printf '%s\n' "$OUT" | grep -q -E 'part|hidden|\.dot|tilde' &&
    bad "ignored names were uploaded" || ok "dotfiles, .part and ~ names ignored"
ingest "$IN" --workspace Inbox --once --settle 0
expect_rc 0 "second run exits 0"
[ -z "$OUT" ] && ok "second run uploads nothing" || bad "second run uploads nothing"
reports=$(node_of inbox root reports)
y2026=$(node_of inbox "$reports" 2026)
b=$(node_of inbox "$y2026" b.txt)
[ -n "$b" ] && ok "relative path kept as folders (reports/2026/b.txt)" || bad "reports/2026/b.txt"
[ "$(versions_of inbox "$b")" = 1 ] && ok "one version after two runs" || bad "one version"
# a changed file goes up again, as a new version of the same node
echo "beta v2" >"$IN/reports/2026/b.txt"
ingest "$IN" --workspace Inbox --once --settle 0
[ "$(versions_of inbox "$b")" = 2 ] && ok "a changed file becomes version 2" || bad "version 2"

# ---- 2. a workspace per subdirectory; invitations once --------------------------------------
ING_STATE="$T_DATA/state2"
PS="$T_DATA/persub"
mkdir -p "$PS/alpha/deep" "$PS/beta"
echo 1 >"$PS/alpha/deep/one.txt"
echo 2 >"$PS/beta/two.txt"
echo 0 >"$PS/top.txt"
ingest "$PS" --workspace-per-subdir --invite carol@example.test,dave@example.test --once \
    --settle 0
expect_out_contains '"outcome":"skipped"' "a file directly in DIR is skipped with a reason"
for ws in alpha beta; do
    fio --format json workspace info "$ws"
    expect_rc 0 "workspace $ws created"
done
echo 3 >"$PS/beta/three.txt"
ingest "$PS" --workspace-per-subdir --invite carol@example.test,dave@example.test --once \
    --settle 0
fio --format json api workspace-invitations-list beta
printf '%s' "$OUT" >"$T_DATA/inv.json"
i1=$(jq '[.. | strings | select(. == "carol@example.test")] | length' "$T_DATA/inv.json")
[ "$i1" = 1 ] && ok "carol invited to beta once" || bad "carol invitations in beta: $i1"
sqlite3 "$T_DATA/state2/ingest.db" "SELECT count(*) FROM invites" >"$T_DATA/inv.count"
[ "$(cat "$T_DATA/inv.count")" = 4 ] && ok "4 invitations recorded (2 people x 2 workspaces)" ||
    bad "invitations recorded: $(cat "$T_DATA/inv.count")"

unset ING_STATE
# ---- 3. the daemon: slow appender, rename into place, .ready --------------------------------
D="$T_DATA/daemon"
mkdir -p "$D"
LOG="$T_DATA/daemon.log"
"$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" ingest "$D" --org ingest-org \
    --workspace Daemon --settle 1 --state-dir "$T_DATA/state3" >"$LOG" 2>"$T_DATA/daemon.err" &
DPID=$!
sleep 0.5
# holds the file open and writes every 1.5 s (longer than --settle): must wait for the close
(
    exec 3>"$D/slow.txt"
    for i in 1 2 3 4; do printf 'part %s of a slowly written file\n' "$i" >&3; sleep 1.5; done
    exec 3>&-
) &
WPID=$!
echo "renamed" >"$D/moved.txt.part"
mv "$D/moved.txt.part" "$D/moved.txt"
echo "needs marker" >"$D/marked.dat"
touch "$D/marked.dat.ready"
wait "$WPID"
want=$(stat -c %s "$D/slow.txt")
for _ in $(seq 1 100); do
    grep -q '"path":"slow.txt"' "$LOG" && break
    sleep 0.1
done
kill -TERM "$DPID"
set +e
wait "$DPID"
RC=$?
set -e
expect_rc 143 "SIGTERM stops the daemon (143)"
got=$(jq -r 'select(.path == "slow.txt") | .bytes' "$LOG")
[ "$got" = "$want" ] && ok "slow writer uploaded whole ($want bytes), once" ||
    bad "slow writer: uploaded '$got' bytes of $want"
grep -q '"path":"moved.txt","workspace"' "$LOG" && ok "rename into place uploaded" ||
    bad "rename into place"
grep -q 'part"' "$LOG" && bad ".part name uploaded" || ok ".part name never uploaded"
grep -q '"path":"marked.dat"' "$LOG" && ok ".ready marker" || bad ".ready marker"

# ---- 4. after-actions --------------------------------------------------------------------------
ING_STATE="$T_DATA/state4"
A="$T_DATA/after"
mkdir -p "$A/sub"
echo x >"$A/sub/del.txt"
ingest "$A" --workspace After --once --settle 0 --after delete
[ ! -e "$A/sub/del.txt" ] && ok "--after delete removes the source" || bad "--after delete"
echo y >"$A/sub/mv.txt"
ingest "$A" --workspace After --once --settle 0 --after "move:$T_DATA/done"
[ -f "$T_DATA/done/sub/mv.txt" ] && [ ! -e "$A/sub/mv.txt" ] &&
    ok "--after move:DIR keeps the relative path" || bad "--after move"
ingest "$A" --workspace After --once --after "move:$A/inside"
expect_rc 2 "--after move into the watched directory is refused"

unset ING_STATE
# ---- 5. exactly once across kill -9 -----------------------------------------------------------
K="$T_DATA/kill"
mkdir -p "$K/drop"
KLOG="$T_DATA/kill.log"
writer() {
    for i in $(seq 1 500); do
        f=$(printf 'f%03d.bin' "$i")
        size=$(((i * 7919) % 65536 + 1))
        [ $((i % 50)) -eq 0 ] && size=$((6 * 1024 * 1024 + i))
        if [ $((i % 2)) -eq 0 ]; then
            head -c "$size" /dev/urandom >"$K/drop/$f.part" && mv "$K/drop/$f.part" "$K/drop/$f"
        else
            head -c "$size" /dev/urandom >"$K/drop/$f"
        fi
        [ $((i % 25)) -eq 0 ] && sleep 0.4
    done
    return 0
}
writer &
WPID=$!
kills=0
while kill -0 "$WPID" 2>/dev/null || [ "$kills" -lt 10 ]; do
    "$FASTIO_CLI_BIN" --api-base "$BASE" --token "$KEY" ingest "$K" --org ingest-org \
        --workspace Killed --settle 1 --inflight-grace 3 --state-dir "$T_DATA/state5" >>"$KLOG" \
        2>>"$T_DATA/kill.err" &
    DPID=$!
    sleep "0.$((RANDOM % 9 + 3))"
    kill -KILL "$DPID" 2>/dev/null && kills=$((kills + 1))
    wait "$DPID" 2>/dev/null || true
    [ "$kills" -ge 60 ] && break
done
wait "$WPID"
[ "$kills" -ge 10 ] && ok "daemon killed with SIGKILL $kills times" || bad "kills: $kills"
ING_STATE="$T_DATA/state5" ingest "$K" --workspace Killed --once --settle 0 --inflight-grace 3
expect_rc 0 "final run after the kills exits 0"
drop=$(node_of killed root drop)
fio --format json files list --workspace killed --folder "$drop" --all
printf '%s' "$OUT" >"$T_DATA/nodes.json"
count=$(jq '[.nodes[] | select(.type == "file")] | length' "$T_DATA/nodes.json")
uniq=$(jq '[.nodes[].name] | unique | length' "$T_DATA/nodes.json")
[ "$count" = 500 ] && [ "$uniq" = 500 ] && ok "500 files present, once each" ||
    bad "files present: $count (unique names $uniq)"
multi=0
for id in $(jq -r '.nodes[].id' "$T_DATA/nodes.json"); do
    v=$(versions_of killed "$id")
    [ "$v" = 1 ] || multi=$((multi + 1))
done
[ "$multi" = 0 ] && ok "every node has exactly one version" || bad "$multi node(s) with != 1 version"
mkdir -p "$T_DATA/back"
# shellcheck disable=SC2046
fio download batch --workspace killed -o "$T_DATA/back" $(jq -r '.nodes[].id' "$T_DATA/nodes.json")
expect_rc 0 "all 500 downloaded"
if diff -r "$K/drop" "$T_DATA/back" >/dev/null; then
    ok "every file byte-identical"
else
    bad "files differ: $(diff -rq "$K/drop" "$T_DATA/back" | head -5)"
fi
finish
