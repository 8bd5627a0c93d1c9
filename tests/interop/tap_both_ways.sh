#!/usr/bin/env bash
# tap_both_ways — the same exchange over a TAP device: Ethernet frames, ARP in both directions
# (the kernel resolves weir's MAC, weir resolves the kernel's), 5 MB each way intact. The capture
# is Ethernet and shows the ARP exchange.
. "$(dirname "$0")/lib.sh"
interop_init tap_both_ways "$@"
bulk_exchange 5000000 60 --tap weir0 --pcap "$TMP/tap.pcap"
if command -v tshark >/dev/null 2>&1; then
    arps=$(timeout 30 tshark -r "$TMP/tap.pcap" -Y arp 2>/dev/null | wc -l)
    [ "$arps" -ge 2 ] || fail "the capture has $arps ARP frames, expected a request and a reply"
fi
pass "$BULK_SUMMARY"
