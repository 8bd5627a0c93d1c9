#!/usr/bin/env bash
# ping_weir — the kernel pings weir's address while `weir nc -l` runs: every echo is answered.
# Then SIGTERM stops weir nc, which must remove the device it created on its way out.
. "$(dirname "$0")/lib.sh"
interop_init ping_weir "$@"
need ping

bg_input weir 60 /dev/null "$WEIR" nc -l 7000
wait_for "weir's device" 10 device_has_address weir0 198.18.0.1

out=$(ns timeout 20 ping -n -c 5 -i 0.2 -W 2 198.18.0.2 2>&1) || fail "ping failed: $out"
echo "$out" | grep -q ' 5 received' || fail "not every echo was answered: $out"

kill -TERM "${BG_PID_OF[weir]}" 2>/dev/null || true
# timeout(1) passes SIGTERM on to weir; wait for weir itself to be gone.
wait_for "weir nc to stop" 10 bash -c "! ip netns pids $NS | grep -q ."
rc=0
bg_wait weir || rc=$?
[ "$rc" -eq 143 ] || fail "weir nc exited $rc after SIGTERM, expected 143"
ns ip link show weir0 >/dev/null 2>&1 && fail "weir0 still exists after weir nc was stopped"
pass "5/5 echoes answered; SIGTERM removes the device"
