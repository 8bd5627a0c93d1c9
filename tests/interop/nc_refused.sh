#!/usr/bin/env bash
# nc_refused — connecting to a kernel port nobody listens on: the kernel answers RST, and
# `weir nc` exits 1 with one line saying the connection was refused.
. "$(dirname "$0")/lib.sh"
interop_init nc_refused "$@"

rc=0
ns timeout 30 "$WEIR" nc 198.18.0.1 5999 </dev/null >"$TMP/weir.out" 2>"$TMP/weir.err" || rc=$?
[ "$rc" -eq 1 ] || fail "weir nc exited $rc, expected 1"
grep -qx 'weir nc: 198.18.0.1:5999: connection refused' "$TMP/weir.err" ||
    fail "unexpected message: $(cat "$TMP/weir.err")"
pass "exit 1, connection refused"
