/* pkt_wire.h — raw IPv4/TCP packets for the interpreter (pkt_wire.c). */
#ifndef WEIR_TOOLS_PKT_WIRE_H
#define WEIR_TOOLS_PKT_WIRE_H

#include "pkt.h"

/* One TCP/IPv4 segment, host order, options in wire order (NOP/EOL bytes included). */
typedef struct pkt_seg {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t tos;
    uint32_t seq, ack;
    uint16_t flags;      /* PKT_* including PKT_AE */
    uint8_t reserved;    /* the three reserved header bits */
    uint16_t win, urg;
    int nopts;
    pkt_opt opts[PKT_MAX_OPTS];
    size_t opt_bytes;    /* parse: header length - 20 */
    const uint8_t *payload; /* parse: inside the frame */
    uint32_t len;        /* payload bytes (build: zero-filled) */
    bool payload_nonzero;
} pkt_seg;

enum {
    PKT_WIRE_OK = 0,
    PKT_WIRE_NOT_IPV4 = -1,
    PKT_WIRE_NOT_TCP = -2,
    PKT_WIRE_BAD = -3,
    PKT_WIRE_BAD_CSUM = -4,
};

/* Build IPv4 + TCP with checksums into buf; returns the length or -1 (options too long,
 * unsupported option, buffer too small). */
int pkt_wire_build(const pkt_seg *s, uint8_t *buf, size_t cap);
/* Parse and verify (IPv4 header checksum, TCP checksum). PKT_WIRE_OK or a negative code. */
int pkt_wire_parse(const uint8_t *buf, size_t len, pkt_seg *s);
const pkt_opt *pkt_seg_find_opt(const pkt_seg *s, pkt_opt_kind kind);

#endif
