/* arp.h — ARP for IPv4 over Ethernet (RFC 826). */
#ifndef WEIR_WIRE_ARP_H
#define WEIR_WIRE_ARP_H

#include "wire.h"

#define WEIR_ARP_LEN 28
#define WEIR_ARP_REQUEST 1
#define WEIR_ARP_REPLY 2

typedef struct weir_arp_repr {
    uint16_t operation;
    uint8_t sender_mac[6];
    uint32_t sender_ip;
    uint8_t target_mac[6];
    uint32_t target_ip;
} weir_arp_repr;

/* Only htype 1 / ptype 0x0800 / hlen 6 / plen 4 is accepted (else WEIR_WIRE_BAD_FIELD); operation
 * must be request or reply. Trailing padding is allowed. */
weir_wire_status weir_arp_parse(const uint8_t *buf, size_t len, weir_arp_repr *out);
/* Returns 28 or -status (an operation other than request/reply: -WEIR_WIRE_BAD_REPR). */
int weir_arp_emit(const weir_arp_repr *r, uint8_t *buf, size_t cap);

#endif
