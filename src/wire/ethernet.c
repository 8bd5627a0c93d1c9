/* ethernet.c — Ethernet II framing: two MAC addresses and an EtherType.
 *
 * Read IEEE 802.3 §3.2.6 (a Length/Type value of 0x0600 or more is a type, below 1536 it is an
 * 802.3 length with an LLC header we do not speak) and RFC 894 (IP over Ethernet II). The FCS is
 * stripped by every driver we have, so it is never part of `len`. */
#include "ethernet.h"

#include <string.h>

/* The smallest value that is an EtherType rather than an 802.3 length. */
#define ETHERTYPE_MIN 0x0600

weir_wire_status weir_eth_parse(const uint8_t *buf, size_t len, weir_eth_repr *out)
{
    if (len < WEIR_ETH_HEADER_LEN)
        return WEIR_WIRE_TRUNCATED;
    uint16_t ethertype = weir_get16(buf + 12);
    if (ethertype < ETHERTYPE_MIN)
        return WEIR_WIRE_BAD_FIELD;
    memcpy(out->dst, buf, 6);
    memcpy(out->src, buf + 6, 6);
    out->ethertype = ethertype;
    /* Short frames are padded to 60 bytes by the sender; the upper layer's own length field says
     * how much of the payload is real, so we hand over everything. */
    out->payload = buf + WEIR_ETH_HEADER_LEN;
    out->payload_len = len - WEIR_ETH_HEADER_LEN;
    return WEIR_WIRE_OK;
}

int weir_eth_emit_header(const weir_eth_repr *r, uint8_t *buf, size_t cap)
{
    /* A length in the type field would make a frame that our own parser rejects. */
    if (r->ethertype < ETHERTYPE_MIN)
        return -WEIR_WIRE_BAD_REPR;
    if (cap < WEIR_ETH_HEADER_LEN)
        return -WEIR_WIRE_NO_ROOM;
    memcpy(buf, r->dst, 6);
    memcpy(buf + 6, r->src, 6);
    weir_put16(buf + 12, r->ethertype);
    return WEIR_ETH_HEADER_LEN;
}
