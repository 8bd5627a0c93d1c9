#!/usr/bin/env bash
# ecn_with_kernel — ECN (RFC 3168) with the Linux kernel as the peer. The kernel asks for it
# (net.ipv4.tcp_ecn=1 in the test's namespace) and connects to `weir nc -l`, which agrees by
# default (weir_tcp_config.ecn passive). weir then sends 1 MB, which must arrive intact, and its
# capture must show the handshake (SYN: ECE+CWR; SYN-ACK: ECE alone) and every data segment
# from weir marked ECT(0), and no pure ACK of weir's marked (§6.1.4: they are not ECN-capable).
. "$(dirname "$0")/lib.sh"
interop_init ecn_with_kernel "$@"
need socat
need tshark

ns sysctl -q -w net.ipv4.tcp_ecn=1 || skip "cannot set net.ipv4.tcp_ecn in the namespace"
head -c 1000000 /dev/urandom >"$TMP/data"
bg_input weir 30 "$TMP/data" "$WEIR" nc -l --pcap "$TMP/ecn.pcap" 7000
wait_for "weir's device" 10 device_has_address weir0 198.18.0.1

rc=0
ns timeout 30 socat -u TCP:198.18.0.2:7000 "CREATE:$TMP/got" </dev/null 2>"$TMP/kernel.err" || rc=$?
[ "$rc" -eq 0 ] || fail "socat exited $rc"
bg_wait weir || fail "weir nc -l exited $?"
[ "$(sha "$TMP/got")" = "$(sha "$TMP/data")" ] ||
    fail "the kernel got $(stat -c %s "$TMP/got") bytes that differ from the 1000000 weir sent"

# count FILTER — frames in weir's capture that match the display filter.
count() {
    tshark -r "$TMP/ecn.pcap" -Y "$1" 2>/dev/null | wc -l
}
weir=ip.src==198.18.0.2
kernel=ip.src==198.18.0.1
[ "$(count "$kernel && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.flags.ece==1 && tcp.flags.cwr==1")" -eq 1 ] ||
    fail "the kernel's SYN did not ask for ECN (ECE and CWR): is tcp_ecn=1 in effect?"
[ "$(count "$weir && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.flags.ece==1 && tcp.flags.cwr==0")" -eq 1 ] ||
    fail "weir's SYN-ACK did not agree with ECE alone"
data=$(count "$weir && tcp.len>0")
ect=$(count "$weir && tcp.len>0 && ip.dsfield.ecn==2")
[ "$data" -gt 0 ] && [ "$ect" -eq "$data" ] ||
    fail "$ect of weir's $data data segments are ECT(0)"
[ "$(count "$weir && tcp.len==0 && ip.dsfield.ecn!=0")" -eq 0 ] ||
    fail "a segment of weir's without data is marked ECN-capable"
pass "ECN agreed with the kernel, 1 MB sent as $data ECT(0) segments"
