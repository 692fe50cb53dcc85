#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_tmux.sh - what a person sees in a terminal (issue 16 "Done when"): fastio runs inside a
# tmux session of a known size against a real fastio-server, and the test reads the screen with
# capture-pane. An upload slowed by the server (test faults: every request stalls) must show
# the progress bar (verb, bar, bytes, rate) while it runs and erase it afterwards; a folder
# listing must fit 80 columns with human sizes; Ctrl-C (send-keys C-c) must end a transfer
# with exit 130.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "cli_tmux: tmux is missing (scripts/deps.sh installs it)"; exit 1; }
start_server --enable-test-faults --min-chunk-size 65536

fio org create "Tty Org" --domain tty-org
fio workspace create Tty --org tty-org --folder-name tty
expect_rc 0 "workspace created"
W="$T_DATA/tty"
mkdir -p "$W"
head -c 12000000 /dev/urandom >"$W/big.bin"
echo "small" >"$W/small-notes.txt"

# one tmux server (socket) per pane: a new session on a socket whose server is still shutting
# down fails with "server exited unexpectedly"
PANES=0
T=(tmux -S "$T_DATA/tmux.0")
tmux_cleanup() {
    for s in "$T_DATA"/tmux.*; do tmux -S "$s" kill-server 2>/dev/null || true; done
    cleanup
}
trap tmux_cleanup EXIT
# run CMD in a fresh COLSx30 window; its exit status is printed as EXIT=n. The pane's shell
# traps SIGINT (so Ctrl-C reaches fastio and the shell lives on to print the status); a trapped
# signal goes back to its default in the command it runs.
start_pane() {
    local cols=$1; shift
    "${T[@]}" kill-server 2>/dev/null || true
    PANES=$((PANES + 1))
    T=(tmux -S "$T_DATA/tmux.$PANES")
    "${T[@]}" -f /dev/null new-session -d -x "$cols" -y 30 \
        "trap : INT; env HOME='$T_HOME' TERM=xterm-256color $* ; echo EXIT=\$?; sleep 60"
}
screen() { "${T[@]}" capture-pane -p 2>/dev/null || true; }
wait_screen() { # PATTERN TENTHS: wait until the screen matches
    for _ in $(seq 1 "$2"); do
        screen | grep -q -E "$1" && return 0
        sleep 0.1
    done
    return 1
}
FIO="'$FASTIO_CLI_BIN' --api-base '$BASE' --token '$KEY'"

# 1. the progress bar, while the server stalls every request 300 ms
curl -fsS -X POST "$BASE/test/faults/" -d stall=100 -d stall_ms=300 >/dev/null
start_pane 100 "$FIO --format table upload file --workspace tty '$W/big.bin'"
if wait_screen 'Uploading .*MiB / 11\.4 MiB' 150; then
    ok "progress bar shown while uploading"
    frame=$(screen | grep -E 'Uploading' | head -n1)
    [[ "$frame" == *"MB/s"* || "$frame" == *"kB/s"* || "$frame" == *"-- MB/s"* ]] &&
        ok "progress line shows a rate" || bad "rate missing in: $frame"
    [ "${#frame}" -le 100 ] && ok "progress line fits 100 columns" || bad "progress line too long"
else
    OUT=$(screen)
    bad "no progress bar on the screen"
fi
if wait_screen 'EXIT=' 300; then
    final=$(screen)
    grep -q 'EXIT=0' <<<"$final" && ok "upload exits 0 in the terminal" || { OUT=$final; bad "upload exit"; }
    grep -q -E 'Uploading .*ETA' <<<"$final" && { OUT=$final; bad "progress bar left on screen"; } ||
        ok "progress bar erased at the end"
else
    OUT=$(screen)
    bad "upload did not finish"
fi
curl -fsS -X POST "$BASE/test/faults/" >/dev/null

# 2. a listing fits 80 columns, human sizes, default columns
fio upload file --workspace tty "$W/small-notes.txt"
start_pane 80 "$FIO files list --workspace tty /"
if wait_screen 'EXIT=' 100; then
    s=$(screen)
    long=$(awk 'length($0) > 80' <<<"$s" | wc -l)
    [ "$long" = 0 ] && ok "files list fits 80 columns" || { OUT=$s; bad "lines over 80 columns"; }
    grep -q -E '11(\.4)? MiB' <<<"$s" && ok "human size shown (11 MiB)" || { OUT=$s; bad "human size"; }
    grep -q -i 'name' <<<"$s" && ok "a header row" || { OUT=$s; bad "header row"; }
else
    OUT=$(screen)
    bad "files list did not finish"
fi

# 3. Ctrl-C in the terminal ends a transfer with 130
curl -fsS -X POST "$BASE/test/faults/" -d stall=100 -d stall_ms=400 >/dev/null
start_pane 100 "$FIO --format table upload file --force --workspace tty '$W/big.bin'"
if wait_screen 'Uploading' 150; then
    "${T[@]}" send-keys C-c
    if wait_screen 'EXIT=' 100; then
        grep -q 'EXIT=130' <<<"$(screen)" && ok "Ctrl-C exits 130" || { OUT=$(screen); bad "Ctrl-C exit"; }
    else
        OUT=$(screen)
        bad "Ctrl-C did not end the upload"
    fi
else
    OUT=$(screen)
    bad "second upload showed no progress"
fi
curl -fsS -X POST "$BASE/test/faults/" >/dev/null
finish
