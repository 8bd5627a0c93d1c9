/* icmp.c — ICMPv4 messages: an 8-byte header (type, code, checksum, one 32-bit word whose meaning
 * depends on the type) and a body.
 *
 * Read RFC 792 (echo: identifier + sequence; destination unreachable and time exceeded: the word
 * is unused and the body quotes the offending IP header + 8 bytes) and RFC 1191 §4 (fragmentation
 * needed, type 3 code 4: next-hop MTU in the low 16 bits of that word). RFC 1122 §3.2.2 says what
 * a host must do with each; that is the IP layer's job, not this file's. */
#include "icmp.h"

#include <string.h>

#include "checksum.h"

#define ICMP_MAX_LEN 0xffff

/* How the second 32-bit word is used by this type/code. */
typedef enum icmp_word_use {
    ICMP_WORD_UNUSED,   /* unreachable (other codes), time exceeded: zero on emit */
    ICMP_WORD_MTU,      /* needfrag: unused(16) + next-hop MTU(16) */
    ICMP_WORD_IDENT_SEQ /* echo and every other type: identifier(16) + sequence(16) */
} icmp_word_use;

static icmp_word_use icmp_word_use_of(uint8_t type, uint8_t code)
{
    if (type == WEIR_ICMP_DEST_UNREACH)
        return code == WEIR_ICMP_UNREACH_NEEDFRAG ? ICMP_WORD_MTU : ICMP_WORD_UNUSED;
    if (type == WEIR_ICMP_TIME_EXCEEDED)
        return ICMP_WORD_UNUSED;
    /* Echo, timestamp, information and address-mask messages carry ident/seq here. For the
     * types we do not interpret (parameter problem's pointer, redirect's gateway) the raw word
     * still lands in ident:seq, so nothing is lost on a round trip. */
    return ICMP_WORD_IDENT_SEQ;
}

weir_wire_status weir_icmp_parse(const uint8_t *buf, size_t len, bool verify_checksum,
                                 weir_icmp_repr *out)
{
    if (len < WEIR_ICMP_HEADER_LEN)
        return WEIR_WIRE_TRUNCATED;
    /* The checksum covers the whole message, which is the whole IP payload. */
    if (verify_checksum && weir_cksum_finish(weir_cksum_add(0, buf, len)) != 0)
        return WEIR_WIRE_BAD_CHECKSUM;
    out->type = buf[0];
    out->code = buf[1];
    out->ident = 0;
    out->seq = 0;
    out->mtu = 0;
    switch (icmp_word_use_of(out->type, out->code)) {
    case ICMP_WORD_MTU:
        out->mtu = weir_get16(buf + 6);
        break;
    case ICMP_WORD_IDENT_SEQ:
        out->ident = weir_get16(buf + 4);
        out->seq = weir_get16(buf + 6);
        break;
    case ICMP_WORD_UNUSED:
        break;
    }
    out->payload = buf + WEIR_ICMP_HEADER_LEN;
    out->payload_len = len - WEIR_ICMP_HEADER_LEN;
    return WEIR_WIRE_OK;
}

int weir_icmp_emit(const weir_icmp_repr *r, uint8_t *buf, size_t cap)
{
    if (r->payload_len > ICMP_MAX_LEN - WEIR_ICMP_HEADER_LEN)
        return -WEIR_WIRE_BAD_REPR;
    size_t total = WEIR_ICMP_HEADER_LEN + r->payload_len;
    if (cap < total)
        return -WEIR_WIRE_NO_ROOM;
    /* Payload first, with memmove: the caller may have built it in place at buf + 8 (or quote
     * bytes from the same buffer), and the header must not clobber it before it is copied. */
    if (r->payload_len > 0)
        memmove(buf + WEIR_ICMP_HEADER_LEN, r->payload, r->payload_len);
    buf[0] = r->type;
    buf[1] = r->code;
    weir_put16(buf + 2, 0);
    weir_put32(buf + 4, 0);
    switch (icmp_word_use_of(r->type, r->code)) {
    case ICMP_WORD_MTU:
        weir_put16(buf + 6, r->mtu);
        break;
    case ICMP_WORD_IDENT_SEQ:
        weir_put16(buf + 4, r->ident);
        weir_put16(buf + 6, r->seq);
        break;
    case ICMP_WORD_UNUSED:
        break;
    }
    weir_put16(buf + 2, weir_cksum_finish(weir_cksum_add(0, buf, total)));
    return (int)total;
}
