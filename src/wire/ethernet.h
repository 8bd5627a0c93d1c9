/* ethernet.h — Ethernet II frames (IEEE 802.3 with EtherType >= 0x0600). */
#ifndef WEIR_WIRE_ETHERNET_H
#define WEIR_WIRE_ETHERNET_H

#include "wire.h"

#define WEIR_ETH_HEADER_LEN 14
#define WEIR_ETHERTYPE_IPV4 0x0800
#define WEIR_ETHERTYPE_ARP 0x0806

typedef struct weir_eth_repr {
    uint8_t dst[6], src[6];
    uint16_t ethertype;
    const uint8_t *payload; /* parse: points into the frame */
    size_t payload_len;
} weir_eth_repr;

/* EtherType values below 0x0600 are 802.3 lengths, not Ethernet II: WEIR_WIRE_BAD_FIELD. */
weir_wire_status weir_eth_parse(const uint8_t *buf, size_t len, weir_eth_repr *out);
/* Writes the 14-byte header only; the payload is the caller's. Returns 14 or -status (an
 * EtherType below 0x0600: -WEIR_WIRE_BAD_REPR). */
int weir_eth_emit_header(const weir_eth_repr *r, uint8_t *buf, size_t cap);

#endif
