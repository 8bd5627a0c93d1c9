/* arp.c — ARP packets for IPv4 over Ethernet.
 *
 * Read RFC 826 ("Packet format" and "Packet Reception"): we accept only the one combination we
 * resolve — hardware type 1 (Ethernet), protocol 0x0800 (IPv4), address sizes 6 and 4 — and only
 * requests and replies. RFC 5227 (gratuitous ARP, probes) needs nothing more from this layer. */
#include "arp.h"

#include <string.h>

#define ARP_HTYPE_ETHERNET 1
#define ARP_PTYPE_IPV4 0x0800
#define ARP_HLEN_ETHERNET 6
#define ARP_PLEN_IPV4 4

static bool arp_operation_ok(uint16_t op) { return op == WEIR_ARP_REQUEST || op == WEIR_ARP_REPLY; }

weir_wire_status weir_arp_parse(const uint8_t *buf, size_t len, weir_arp_repr *out)
{
    /* Bytes past 28 are Ethernet padding up to the 60-byte minimum frame: ignored. */
    if (len < WEIR_ARP_LEN)
        return WEIR_WIRE_TRUNCATED;
    if (weir_get16(buf) != ARP_HTYPE_ETHERNET || weir_get16(buf + 2) != ARP_PTYPE_IPV4 ||
        buf[4] != ARP_HLEN_ETHERNET || buf[5] != ARP_PLEN_IPV4)
        return WEIR_WIRE_BAD_FIELD;
    uint16_t op = weir_get16(buf + 6);
    if (!arp_operation_ok(op))
        return WEIR_WIRE_BAD_FIELD;
    out->operation = op;
    memcpy(out->sender_mac, buf + 8, 6);
    out->sender_ip = weir_get32(buf + 14);
    memcpy(out->target_mac, buf + 18, 6);
    out->target_ip = weir_get32(buf + 24);
    return WEIR_WIRE_OK;
}

int weir_arp_emit(const weir_arp_repr *r, uint8_t *buf, size_t cap)
{
    if (!arp_operation_ok(r->operation))
        return -WEIR_WIRE_BAD_REPR;
    if (cap < WEIR_ARP_LEN)
        return -WEIR_WIRE_NO_ROOM;
    weir_put16(buf, ARP_HTYPE_ETHERNET);
    weir_put16(buf + 2, ARP_PTYPE_IPV4);
    buf[4] = ARP_HLEN_ETHERNET;
    buf[5] = ARP_PLEN_IPV4;
    weir_put16(buf + 6, r->operation);
    memcpy(buf + 8, r->sender_mac, 6);
    weir_put32(buf + 14, r->sender_ip);
    memcpy(buf + 18, r->target_mac, 6);
    weir_put32(buf + 24, r->target_ip);
    return WEIR_ARP_LEN;
}
