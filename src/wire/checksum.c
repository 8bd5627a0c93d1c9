/* checksum.c — the Internet checksum, the IPv4 pseudo-header and incremental updates.
 *
 * Read RFC 1071 §1-2 (the one's-complement sum and why it can be computed in any word size and
 * byte order, then folded), RFC 9293 §3.1 (the TCP pseudo-header; UDP's in RFC 768 is the same)
 * and RFC 1624 §3 (eqn. 3, the incremental update that never produces the -0 of eqn. 2). */
#include "checksum.h"

#include "wire.h"

/* Fold a 64-bit accumulator into 32 bits with end-around carry. 2^32 = 1 (mod 2^16 - 1), so this
 * keeps the one's-complement value that the final 16-bit fold will see. */
static uint32_t fold64(uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

/* Sum big-endian 32-bit words (RFC 1071 §2 (B): wider words give the same folded result). Each
 * add of a 32-bit word into 64 bits cannot overflow for fewer than 2^32 words, and the caller
 * below never passes more than that at once. weir_get32 compiles to one load + byte swap. */
static uint64_t sum_words(const uint8_t *p, size_t len, uint64_t acc)
{
    while (len >= 16) {
        acc += weir_get32(p);
        acc += weir_get32(p + 4);
        acc += weir_get32(p + 8);
        acc += weir_get32(p + 12);
        p += 16;
        len -= 16;
    }
    while (len >= 4) {
        acc += weir_get32(p);
        p += 4;
        len -= 4;
    }
    /* The tail: a 16-bit word, then an odd byte which is the high byte of a zero-padded word. */
    if (len >= 2) {
        acc += weir_get16(p);
        p += 2;
        len -= 2;
    }
    if (len == 1)
        acc += (uint32_t)p[0] << 8;
    return acc;
}

uint32_t weir_cksum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    /* Chunks of 1 GiB keep the 64-bit accumulator far from overflow on any size_t. Only the last
     * chunk may be odd, as the contract for the whole call says. */
    const size_t chunk = (size_t)1 << 30;
    while (len > chunk) {
        acc = fold64(sum_words(p, chunk, acc));
        p += chunk;
        len -= chunk;
    }
    return fold64(sum_words(p, len, acc));
}

uint16_t weir_cksum_finish(uint32_t sum)
{
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint32_t weir_cksum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t length)
{
    /* src(4) dst(4) zero(1) protocol(1) length(2), as 16-bit words; at most six 16-bit values, so
     * no overflow of 32 bits. */
    return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + protocol + length;
}

uint16_t weir_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word)
{
    /* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
    uint32_t sum = (uint32_t)(uint16_t)~cksum + (uint16_t)~old_word + new_word;
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t weir_cksum_update32(uint16_t cksum, uint32_t old_val, uint32_t new_val)
{
    cksum = weir_cksum_update16(cksum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
    return weir_cksum_update16(cksum, (uint16_t)old_val, (uint16_t)new_val);
}
