/* siphash.h — SipHash (Aumasson & Bernstein): a keyed hash whose outputs a party without the key
 * can neither predict nor steer.
 *
 * SipHash-2-4, the paper's conservative choice, makes ISNs (RFC 6528), TSval offsets and the
 * ephemeral-port offset: values a peer sees and could learn from. SipHash-1-3 spreads four-tuples
 * over the connection table's buckets (tcp_table.c): there the output is only a bucket index the
 * peer never sees, and the job is to keep a flood of chosen tuples from piling into one chain —
 * what SipHash-1-3 does for Rust's HashMap, CPython's str hash and Linux's hsiphash tables, at
 * a bit over half the rounds. */
#ifndef WEIR_SIPHASH_H
#define WEIR_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t weir_siphash24(const uint8_t key[16], const void *data, size_t len);
uint64_t weir_siphash13(const uint8_t key[16], const void *data, size_t len);

/* A key read once, for the fixed-size fast path below. */
typedef struct weir_sipkey {
    uint64_t k0, k1;
} weir_sipkey;
void weir_sipkey_init(weir_sipkey *k, const uint8_t key[16]);

/* SipHash-1-3 of a 12-byte message given as its first 8 bytes and its last 4, each read little-
 * endian: equal to weir_siphash13() of those bytes, without the byte loops. */
uint64_t weir_siphash13_12(const weir_sipkey *k, uint64_t head, uint32_t tail);

#endif
