#!/bin/bash
# SPDX-License-Identifier: MIT
# harness_selftest.sh - the harness's own failure paths: a suite whose cases pass but whose server
# does not shut down cleanly (exit status 3 on SIGTERM, through a wrapper around fastio-server)
# must fail (IT_MAIN / IT_FIXTURE_MAIN: cmocka alone exits 0 after "FAILED GROUP TEARDOWN").
# Usage: harness_selftest.sh <integration test program> <case>
set -u
prog=$1 case=$2
tmp=$(mktemp -d /tmp/fastio-selftest-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/server" <<'WRAP'
#!/bin/bash
"$REAL_SERVER" "$@" &
pid=$!
trap 'kill -TERM $pid; wait $pid; exit 3' TERM
wait $pid
WRAP
chmod +x "$tmp/server"
fail=0
REAL_SERVER=$FASTIO_SERVER_BIN FASTIO_SERVER_BIN=$tmp/server "$prog" "$case" >"$tmp/out" 2>&1
rc=$?
grep -q "OK \] $case" "$tmp/out" || { echo "FAIL: the case itself did not pass"; fail=1; }
grep -q "GROUP TEARDOWN" "$tmp/out" || { echo "FAIL: no failed group teardown reported"; fail=1; }
[ "$rc" -ne 0 ] || { echo "FAIL: exit status 0 despite the unclean shutdown"; fail=1; }
# and with the real server the same run passes
"$prog" "$case" >"$tmp/out2" 2>&1 || { echo "FAIL: the plain run failed"; cat "$tmp/out2"; fail=1; }
[ $fail -eq 0 ] && echo "ok: unclean server shutdown fails the suite (exit $rc)"
exit $fail
