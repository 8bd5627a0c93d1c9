/* ipv4.h — IPv4 headers (RFC 791). Options are skipped by the header length, never trusted. */
#ifndef WEIR_WIRE_IPV4_H
#define WEIR_WIRE_IPV4_H

#include "wire.h"

#define WEIR_IPV4_MIN_HEADER 20
#define WEIR_IPV4_MAX_DATAGRAM 65535u /* the total-length field is 16 bits */
#define WEIR_IP_PROTO_ICMP 1
#define WEIR_IP_PROTO_TCP 6
#define WEIR_IP_PROTO_UDP 17
/* The TOS byte is the Differentiated Services field: DSCP in the high six bits (RFC 2474), ECN in
 * the low two (RFC 3168 §5). */
#define WEIR_IP_ECN_MASK 0x03u
#define WEIR_IP_ECN_ECT0 0x02u /* ECN-Capable Transport, ECT(0) */
#define WEIR_IP_ECN_CE 0x03u   /* Congestion Experienced */

typedef struct weir_ipv4_repr {
    uint32_t src, dst;       /* host order */
    uint8_t protocol;
    uint8_t ttl;
    uint8_t tos;             /* DSCP + ECN byte */
    uint16_t ident;
    bool dont_fragment;
    bool more_fragments;
    uint16_t frag_offset;    /* in bytes (the field times 8); emit: a multiple of 8 */
    size_t header_len;       /* parse: IHL*4; emit: ignored (always 20, no options) */
    const uint8_t *payload;  /* parse: points into the packet, total_len - header_len bytes */
    size_t payload_len;      /* emit: used for the total length field */
} weir_ipv4_repr;

/* Checks version, IHL (>= 5, within len), total length (>= IHL*4, <= len; bytes past it are
 * link-layer padding and ignored) and the header checksum when verify_checksum. Failures, in the
 * order checked: TRUNCATED (len < 20), BAD_VERSION, BAD_HEADER_LEN (IHL < 5 or IHL*4 > len),
 * BAD_LENGTH (total length < IHL*4 or > len), BAD_CHECKSUM. The reserved flag bit is ignored. */
weir_wire_status weir_ipv4_parse(const uint8_t *buf, size_t len, bool verify_checksum,
                                 weir_ipv4_repr *out);
/* Writes a 20-byte header with its checksum. Returns 20 or -status (payload_len too big for the
 * 16-bit total length, or frag_offset not a multiple of 8: -WEIR_WIRE_BAD_REPR). */
int weir_ipv4_emit_header(const weir_ipv4_repr *r, uint8_t *buf, size_t cap);
/* The same, leaving the checksum field 0 when !checksum (the interface computes it). */
int weir_ipv4_emit_header_csum(const weir_ipv4_repr *r, uint8_t *buf, size_t cap, bool checksum);

#endif
