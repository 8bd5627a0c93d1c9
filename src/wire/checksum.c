/* checksum.c — the Internet checksum, the IPv4 pseudo-header and incremental updates.
 *
 * Read RFC 1071 §1-2 (the one's-complement sum and why it can be computed in any word size and
 * byte order, then folded), RFC 9293 §3.1 (the TCP pseudo-header; UDP's in RFC 768 is the same)
 * and RFC 1624 §3 (eqn. 3, the incremental update that never produces the -0 of eqn. 2). */
#include "checksum.h"

#include <stdbool.h>
#include <string.h>

#include "wire.h"

/* Fold a 64-bit accumulator into 16 bits with end-around carry: 2^16 = 1 (mod 2^16 - 1), so each
 * fold keeps the one's-complement value. */
static uint32_t fold_to_16(uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    return (uint32_t)acc;
}

static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1; /* a constant once compiled */
}

/* One's-complement add of 64-bit words: the carry out of bit 63 is worth 2^64 = 1 (mod 2^16 - 1),
 * so it is counted and added back at the end (compilers turn this into add + adc). */
static inline void add64(uint64_t *acc, uint64_t *carries, uint64_t w)
{
    *acc += w;
    *carries += *acc < w;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w); /* any alignment; one plain load where that is allowed */
    return w;
}

/* On x86-64, a packet-sized sum takes half the time with AVX2 (measured on 1408 bytes: about
 * 31 ns against 58 ns for the 64-bit scalar loop below), and checksums are a fifth of a bulk
 * transfer's cycles. The code is GCC/Clang vector extensions, not intrinsics, so the wire layer
 * includes nothing new; whether the CPU has AVX2 is asked at run time (the build must run on
 * any x86-64), and everything else uses the portable loop. */
#if defined(__x86_64__) && defined(__GNUC__)
#define CKSUM_AVX2 1
enum { CKSUM_AVX2_MIN_LEN = 256 }; /* below this, the question costs more than it saves */

typedef uint64_t cksum_u64x4 __attribute__((vector_size(32)));

/* Sum whole 64-byte blocks: each 64-bit lane's low and high 32-bit halves go into separate
 * 64-bit accumulators, so no carry is ever lost (the caller passes at most 2^30 bytes: 2^25
 * additions of values below 2^32 per lane). Byte order as sum_native: the halves of a native
 * 64-bit word sum to the same one's-complement value as the word. */
__attribute__((target("avx2"))) static uint64_t sum_avx2_blocks(const uint8_t *p, size_t blocks)
{
    cksum_u64x4 lo0 = {0}, hi0 = {0}, lo1 = {0}, hi1 = {0};
    for (size_t i = 0; i < blocks; i++, p += 64) {
        cksum_u64x4 a, b;
        memcpy(&a, p, sizeof a); /* unaligned loads */
        memcpy(&b, p + 32, sizeof b);
        lo0 += a & 0xffffffffu;
        hi0 += a >> 32;
        lo1 += b & 0xffffffffu;
        hi1 += b >> 32;
    }
    cksum_u64x4 t = lo0 + hi0 + lo1 + hi1; /* each lane below 2^59: no overflow */
    return fold_to_16(t[0]) + fold_to_16(t[1]) + fold_to_16(t[2]) + fold_to_16(t[3]);
}

/* One load of the CPU model the compiler's runtime filled in at start-up (a constructor). Asked
 * before that, it says no, and the portable loop gives the same sum: no init call per packet. */
static bool cpu_has_avx2(void) { return __builtin_cpu_supports("avx2") != 0; }
#endif

/* Sum in the host's byte order (RFC 1071 §2 (B): the one's-complement sum is byte-order
 * independent up to a swap of the folded result, applied once at the end), 64 bits at a time
 * in two independent chains, so that the adds of one do not wait for the other's carries. The
 * carry counters cannot overflow: the caller passes at most 2^30 bytes. Returns a value to be
 * folded to 16 bits. */
static uint64_t sum_native(const uint8_t *p, size_t len)
{
    uint64_t s0 = 0, s1 = 0, c0 = 0, c1 = 0;
#ifdef CKSUM_AVX2
    if (len >= CKSUM_AVX2_MIN_LEN && cpu_has_avx2()) {
        size_t blocks = len / 64;
        s1 = sum_avx2_blocks(p, blocks); /* below 2^18: the chain below cannot carry out */
        p += blocks * 64;
        len -= blocks * 64;
    }
#endif
    while (len >= 32) {
        add64(&s0, &c0, load64(p));
        add64(&s1, &c1, load64(p + 8));
        add64(&s0, &c0, load64(p + 16));
        add64(&s1, &c1, load64(p + 24));
        p += 32;
        len -= 32;
    }
    while (len >= 8) {
        add64(&s0, &c0, load64(p));
        p += 8;
        len -= 8;
    }
    /* The tail, under 8 bytes, in 4-, 2- and 1-byte loads. Each piece starts at an even offset,
     * and a 16-bit word counts the same wherever it sits in the sum (2^16 = 1 mod 2^16 - 1), so
     * the pieces add as they are. An odd last byte is the first byte of a word padded with zero
     * (RFC 1071): the low byte of a native word on a little-endian host, the high one else. */
    uint64_t tail = 0;
    if (len & 4) {
        uint32_t w;
        memcpy(&w, p, sizeof w);
        tail += w;
        p += 4;
    }
    if (len & 2) {
        uint16_t w;
        memcpy(&w, p, sizeof w);
        tail += w;
        p += 2;
    }
    if (len & 1)
        tail += host_is_little_endian() ? *p : (uint64_t)*p << 8;
    add64(&s1, &c1, tail);
    add64(&s0, &c0, s1);
    /* Fold s0 to 32 bits first, so that adding the carry counts cannot overflow. */
    return (s0 & 0xffffffffu) + (s0 >> 32) + c0 + c1;
}

uint32_t weir_cksum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t acc = 0;
    /* Chunks of 1 GiB keep each accumulator far from overflow on any size_t (2^28 words of 32
     * bits per chunk). Only the last chunk may be odd, as the contract for the whole call says. */
    const size_t chunk = (size_t)1 << 30;
    while (len > chunk) {
        acc += fold_to_16(sum_native(p, chunk));
        p += chunk;
        len -= chunk;
    }
    uint32_t folded = fold_to_16(acc + sum_native(p, len));
    if (host_is_little_endian())
        folded = ((folded & 0xffu) << 8) | (folded >> 8);
    /* The caller's running sum stays unfolded (it may be a pseudo-header sum): add and fold back
     * into 32 bits with end-around carry. */
    uint64_t total = (uint64_t)sum + folded;
    return (uint32_t)((total & 0xffffffffu) + (total >> 32));
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
