#!/usr/bin/env bash
# nc_to_kernel — `weir nc HOST PORT` connects to a kernel listener and sends 1 MB; the kernel
# receives exactly those bytes, both ends see a clean close, weir exits 0. Also checks that
# --trace shows the handshake and that the --pcap capture is a file tshark reads.
. "$(dirname "$0")/lib.sh"
interop_init nc_to_kernel "$@"
need socat

head -c 1000000 /dev/urandom >"$TMP/data"
bg kernel 30 socat -u TCP-LISTEN:5000,reuseaddr "CREATE:$TMP/received"
wait_for "the kernel listener" 10 kernel_listening 5000

rc=0
ns timeout 30 "$WEIR" nc --trace --pcap "$TMP/nc.pcap" 198.18.0.1 5000 \
    <"$TMP/data" >"$TMP/weir.out" 2>"$TMP/weir.err" || rc=$?
[ "$rc" -eq 0 ] || fail "weir nc exited $rc"
bg_wait kernel || fail "socat exited $?"

[ "$(sha "$TMP/received")" = "$(sha "$TMP/data")" ] ||
    fail "the kernel received $(stat -c %s "$TMP/received") bytes that differ from the 1000000 sent"
[ ! -s "$TMP/weir.out" ] || fail "weir nc wrote to stdout, but the kernel sent nothing"
grep -q ' out .* > 198.18.0.1:5000 \[S\]' "$TMP/weir.err" || fail "--trace shows no SYN"
grep -q 'state SYN-SENT -> ESTABLISHED' "$TMP/weir.err" || fail "--trace shows no handshake"
if command -v tshark >/dev/null 2>&1; then
    syns=$(timeout 30 tshark -r "$TMP/nc.pcap" -Y 'tcp.flags.syn == 1' 2>/dev/null | wc -l)
    [ "$syns" -eq 2 ] || fail "the capture has $syns SYN segments, expected 2 (SYN and SYN-ACK)"
fi
ns ip link show weir0 >/dev/null 2>&1 && fail "weir0 still exists after weir nc exited"
pass "1 MB to the kernel, clean close, device removed"
