/* icmp.h — ICMPv4 (RFC 792): echo, destination unreachable, time exceeded, and the rest by type. */
#ifndef WEIR_WIRE_ICMP_H
#define WEIR_WIRE_ICMP_H

#include "wire.h"

#define WEIR_ICMP_HEADER_LEN 8
#define WEIR_ICMP_ECHO_REPLY 0
#define WEIR_ICMP_DEST_UNREACH 3
#define WEIR_ICMP_ECHO_REQUEST 8
#define WEIR_ICMP_TIME_EXCEEDED 11
#define WEIR_ICMP_PARAM_PROBLEM 12

/* Destination-unreachable codes. */
#define WEIR_ICMP_UNREACH_NET 0
#define WEIR_ICMP_UNREACH_HOST 1
#define WEIR_ICMP_UNREACH_PROTOCOL 2
#define WEIR_ICMP_UNREACH_PORT 3
#define WEIR_ICMP_UNREACH_NEEDFRAG 4

typedef struct weir_icmp_repr {
    uint8_t type, code;
    /* Echo: identifier and sequence. Unreachable/needfrag: next-hop MTU in `mtu`. The second
     * word of other unreachable codes and of time exceeded is unused: parsed as 0, sent as 0.
     * Any other type (parameter problem, redirect, timestamp …) carries the raw second word as
     * ident (high 16 bits) and seq (low 16 bits), so nothing is lost on a round trip. */
    uint16_t ident, seq;
    uint16_t mtu;
    const uint8_t *payload;  /* echo data, or the quoted IP header + 8 bytes for errors */
    size_t payload_len;
} weir_icmp_repr;

/* Checks the length (>= 8) and, when verify_checksum, the checksum over the whole message. */
weir_wire_status weir_icmp_parse(const uint8_t *buf, size_t len, bool verify_checksum,
                                 weir_icmp_repr *out);
/* Writes header and payload with the checksum. Returns the length or -status. */
int weir_icmp_emit(const weir_icmp_repr *r, uint8_t *buf, size_t cap);

#endif
