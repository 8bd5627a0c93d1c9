#!/usr/bin/env bash
# weir_ping — weir pings the kernel: `weir ping -c 5` gets every reply and prints ping(8)'s
# statistics; an address nobody answers gives 100% loss and exit status 1.
. "$(dirname "$0")/lib.sh"
interop_init weir_ping "$@"

out=$(ns timeout 30 "$WEIR" ping -c 5 -i 0.2 198.18.0.1 2>&1) || fail "weir ping failed: $out"
echo "$out" | grep -q '^5 packets transmitted, 5 received, 0% packet loss' ||
    fail "not every echo was answered: $out"
echo "$out" | grep -Eq '^rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms$' ||
    fail "no RTT statistics: $out"
[ "$(echo "$out" | grep -c 'bytes from 198.18.0.1: icmp_seq=')" -eq 5 ] ||
    fail "expected five reply lines: $out"

rc=0
out=$(ns timeout 30 "$WEIR" ping -c 2 -i 0.2 -W 0.5 198.18.0.77 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "ping of a silent address exited $rc, expected 1: $out"
echo "$out" | grep -q '2 packets transmitted, 0 received, 100% packet loss' ||
    fail "no loss report: $out"
pass "5/5 replies with RTT statistics; a silent address is 100% loss, exit 1"
