#!/usr/bin/env bash
# bulk_both_ways — 50 MB from weir to the kernel and 50 MB from the kernel to weir at the same
# time over one connection; both arrive intact (SHA-256) and both ends close cleanly.
. "$(dirname "$0")/lib.sh"
interop_init bulk_both_ways "$@"
bulk_exchange 50000000 100
pass "$BULK_SUMMARY"
