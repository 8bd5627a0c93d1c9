#!/usr/bin/env bash
# kernel_to_nc — `weir nc -l PORT` accepts a connection from the kernel and writes the 1 MB it
# receives to stdout; the kernel closes, weir closes in turn and exits 0.
. "$(dirname "$0")/lib.sh"
interop_init kernel_to_nc "$@"
need socat

head -c 1000000 /dev/urandom >"$TMP/data"
bg_input weir 30 /dev/null "$WEIR" nc -l 7000
wait_for "weir's device" 10 device_has_address weir0 198.18.0.1

rc=0
ns timeout 30 socat -u "OPEN:$TMP/data,rdonly" TCP:198.18.0.2:7000 2>"$TMP/kernel.err" || rc=$?
[ "$rc" -eq 0 ] || fail "socat exited $rc"
bg_wait weir || fail "weir nc -l exited $?"

[ "$(sha "$TMP/weir.out")" = "$(sha "$TMP/data")" ] ||
    fail "weir wrote $(stat -c %s "$TMP/weir.out") bytes that differ from the 1000000 sent"
pass "1 MB from the kernel"
