/* ipv4.c — IPv4 header parse and emit.
 *
 * Read RFC 791 §3.1 (header format: IHL in 32-bit words, total length in bytes, flags and the
 * fragment offset in 8-byte units) and RFC 1122 §3.2.1 (what a host must check before accepting a
 * datagram). Options are skipped by IHL and never interpreted: RFC 7126 recommends dropping or
 * ignoring them, and the IP layer above decides which. */
#include "ipv4.h"

#include "checksum.h"

#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1fff
#define IPV4_MAX_TOTAL_LEN 0xffff

weir_wire_status weir_ipv4_parse(const uint8_t *buf, size_t len, bool verify_checksum,
                                 weir_ipv4_repr *out)
{
    if (len < WEIR_IPV4_MIN_HEADER)
        return WEIR_WIRE_TRUNCATED;
    if ((buf[0] >> 4) != 4)
        return WEIR_WIRE_BAD_VERSION;
    size_t header_len = (size_t)(buf[0] & 0x0f) * 4;
    if (header_len < WEIR_IPV4_MIN_HEADER || header_len > len)
        return WEIR_WIRE_BAD_HEADER_LEN;
    /* A total length beyond the buffer means the datagram was cut short on the way; one below the
     * header is nonsense. Bytes past it are link padding (Ethernet's 60-byte minimum). */
    size_t total_len = weir_get16(buf + 2);
    if (total_len < header_len || total_len > len)
        return WEIR_WIRE_BAD_LENGTH;
    if (verify_checksum && weir_cksum_finish(weir_cksum_add(0, buf, header_len)) != 0)
        return WEIR_WIRE_BAD_CHECKSUM;

    uint16_t frag = weir_get16(buf + 6);
    out->tos = buf[1];
    out->ident = weir_get16(buf + 4);
    /* The reserved flag bit (RFC 3514's joke aside) is ignored, as RFC 1122 asks of unused bits. */
    out->dont_fragment = (frag & IPV4_FLAG_DF) != 0;
    out->more_fragments = (frag & IPV4_FLAG_MF) != 0;
    out->frag_offset = (uint16_t)((frag & IPV4_FRAG_OFFSET_MASK) * 8);
    out->ttl = buf[8];
    out->protocol = buf[9];
    out->src = weir_get32(buf + 12);
    out->dst = weir_get32(buf + 16);
    out->header_len = header_len;
    out->payload = buf + header_len;
    out->payload_len = total_len - header_len;
    return WEIR_WIRE_OK;
}

int weir_ipv4_emit_header(const weir_ipv4_repr *r, uint8_t *buf, size_t cap)
{
    return weir_ipv4_emit_header_csum(r, buf, cap, true);
}

int weir_ipv4_emit_header_csum(const weir_ipv4_repr *r, uint8_t *buf, size_t cap, bool checksum)
{
    /* frag_offset is in bytes but travels in 8-byte units in 13 bits. */
    if (r->payload_len > IPV4_MAX_TOTAL_LEN - WEIR_IPV4_MIN_HEADER || (r->frag_offset & 7) != 0)
        return -WEIR_WIRE_BAD_REPR;
    if (cap < WEIR_IPV4_MIN_HEADER)
        return -WEIR_WIRE_NO_ROOM;
    uint16_t frag = (uint16_t)(r->frag_offset / 8);
    if (r->dont_fragment)
        frag |= IPV4_FLAG_DF;
    if (r->more_fragments)
        frag |= IPV4_FLAG_MF;
    buf[0] = 0x45; /* version 4, IHL 5: we never send options */
    buf[1] = r->tos;
    weir_put16(buf + 2, (uint16_t)(WEIR_IPV4_MIN_HEADER + r->payload_len));
    weir_put16(buf + 4, r->ident);
    weir_put16(buf + 6, frag);
    buf[8] = r->ttl;
    buf[9] = r->protocol;
    weir_put16(buf + 10, 0);
    weir_put32(buf + 12, r->src);
    weir_put32(buf + 16, r->dst);
    if (checksum)
        weir_put16(buf + 10, weir_cksum_finish(weir_cksum_add(0, buf, WEIR_IPV4_MIN_HEADER)));
    return WEIR_IPV4_MIN_HEADER;
}
