/* siphash.h — SipHash-2-4 (Aumasson & Bernstein), the keyed hash behind ISNs (RFC 6528) and
 * the connection table, so neither can be predicted or flooded by a peer. */
#ifndef WEIR_SIPHASH_H
#define WEIR_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t weir_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif
