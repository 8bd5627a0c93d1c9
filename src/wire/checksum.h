/* checksum.h — the Internet checksum (RFC 1071), the IPv4 pseudo-header, and incremental update
 * (RFC 1624). */
#ifndef WEIR_WIRE_CHECKSUM_H
#define WEIR_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add `len` bytes to a running 32-bit one's-complement sum (not yet folded). Odd lengths are padded
 * with a zero byte, so only the last piece of a sum may have odd length. */
uint32_t weir_cksum_add(uint32_t sum, const void *data, size_t len);
/* Fold a running sum into 16 bits and complement it: the value to store in a checksum field. */
uint16_t weir_cksum_finish(uint32_t sum);
/* The running sum of the IPv4 pseudo-header (RFC 9293 §3.1) for TCP/UDP. */
uint32_t weir_cksum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t length);
/* RFC 1624 eqn. 3: the new checksum field after one 16-bit word changed from old_word to
 * new_word. */
uint16_t weir_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word);
/* RFC 1624 for a 32-bit field (two words). */
uint16_t weir_cksum_update32(uint16_t cksum, uint32_t old_val, uint32_t new_val);

#endif
