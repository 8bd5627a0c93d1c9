/* udp.c — UDP datagrams: ports, length, checksum over the IPv4 pseudo-header.
 *
 * Read RFC 768 (the whole of it: the checksum is optional, zero means "not computed", and a
 * computed zero is sent as all ones) and RFC 1122 §4.1.3.4 (a host must verify a non-zero
 * checksum and silently drop a datagram that fails). */
#include "udp.h"

#include <string.h>

#include "checksum.h"
#include "ipv4.h"

#define UDP_MAX_LEN 0xffff

weir_wire_status weir_udp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                                bool verify_checksum, weir_udp_repr *out)
{
    if (len < WEIR_UDP_HEADER_LEN)
        return WEIR_WIRE_TRUNCATED;
    /* The length field, not the IP payload length, bounds the datagram; anything after it is
     * ignored (RFC 768 does not forbid it, and some stacks pad). */
    size_t udp_len = weir_get16(buf + 4);
    if (udp_len < WEIR_UDP_HEADER_LEN || udp_len > len)
        return WEIR_WIRE_BAD_LENGTH;
    uint16_t cksum = weir_get16(buf + 6);
    if (verify_checksum && cksum != 0) {
        uint32_t sum = weir_cksum_pseudo_ipv4(src_ip, dst_ip, WEIR_IP_PROTO_UDP, (uint16_t)udp_len);
        if (weir_cksum_finish(weir_cksum_add(sum, buf, udp_len)) != 0)
            return WEIR_WIRE_BAD_CHECKSUM;
    }
    out->src_port = weir_get16(buf);
    out->dst_port = weir_get16(buf + 2);
    out->payload = buf + WEIR_UDP_HEADER_LEN;
    out->payload_len = udp_len - WEIR_UDP_HEADER_LEN;
    return WEIR_WIRE_OK;
}

int weir_udp_emit(const weir_udp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                  size_t cap)
{
    return weir_udp_emit_csum(r, src_ip, dst_ip, buf, cap, true);
}

int weir_udp_emit_csum(const weir_udp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                       size_t cap, bool checksum)
{
    if (r->payload_len > UDP_MAX_LEN - WEIR_UDP_HEADER_LEN)
        return -WEIR_WIRE_BAD_REPR;
    size_t total = WEIR_UDP_HEADER_LEN + r->payload_len;
    if (cap < total)
        return -WEIR_WIRE_NO_ROOM;
    /* Payload first, with memmove, so that a payload built in place at buf + 8 survives. */
    if (r->payload_len > 0)
        memmove(buf + WEIR_UDP_HEADER_LEN, r->payload, r->payload_len);
    weir_put16(buf, r->src_port);
    weir_put16(buf + 2, r->dst_port);
    weir_put16(buf + 4, (uint16_t)total);
    weir_put16(buf + 6, 0);
    if (!checksum)
        return (int)total;
    uint32_t sum = weir_cksum_pseudo_ipv4(src_ip, dst_ip, WEIR_IP_PROTO_UDP, (uint16_t)total);
    uint16_t cksum = weir_cksum_finish(weir_cksum_add(sum, buf, total));
    /* RFC 768: zero would mean "no checksum", so a computed zero goes out as its other
     * one's-complement spelling. */
    weir_put16(buf + 6, cksum == 0 ? 0xffff : cksum);
    return (int)total;
}
