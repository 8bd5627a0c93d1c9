#!/usr/bin/env bash
# bulk_lossy — the bulk exchange through weir's fault injector: 2 % of the frames lost and 1 %
# held back (reordered), each way, with a fixed seed. TCP must deliver every byte in order.
# 50 MB each way at once; about 35 s here: with Reno-style recovery (one loss repaired per round
# trip, the rest by RTO) 2 % loss keeps the window small. SACK-based recovery (issue 5) is what
# will make this fast.
. "$(dirname "$0")/lib.sh"
interop_init bulk_lossy "$@"
bulk_exchange "${BULK_LOSSY_BYTES:-50000000}" 120 --loss 2 --reorder 1 --seed 7
pass "$BULK_SUMMARY"
