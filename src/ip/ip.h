/* ip.h — what the IPv4 layer's modules (ipv4.c, icmp.c, dgram.c) tell each other.
 *
 * ipv4.c parses a packet and hands its payload to the protocol; icmp.c answers echoes, sends
 * errors and routes received errors to whoever sent the packet they quote; dgram.c holds the UDP
 * and ping sockets. */
#ifndef WEIR_IP_IP_H
#define WEIR_IP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

/* ---- icmp.c ---- */
void weir_icmp_input(weir_stack *s, const weir_ipv4_repr *ip, const uint8_t *pkt, size_t len);
/* Send a destination-unreachable `code` about the packet `pkt` (whole IP packet as received),
 * unless the rules of RFC 1122 §3.2.2 forbid answering it or the rate limit is reached. */
void weir_icmp_send_unreachable(weir_stack *s, uint8_t code, const weir_ipv4_repr *ip,
                                const uint8_t *pkt, size_t len);

/* An ICMP error, reduced to what a transport needs: the quoted packet's addresses and the first
 * 8 bytes of its transport header. */
typedef struct weir_icmp_error {
    uint8_t type, code;
    uint16_t mtu;            /* next-hop MTU of a fragmentation-needed message, or 0 */
    uint32_t from;           /* the router or host that sent the error */
    uint32_t src, dst;       /* of the quoted packet: src is ours */
    uint8_t protocol;
    const uint8_t *l4;       /* the quoted transport header, at least 8 bytes */
} weir_icmp_error;

/* The socket error an ICMP error stands for (WEIR_E*), and whether RFC 1122 §4.2.3.9 /
 * RFC 9293 MUST-56 and SHLD-26 call it hard (the destination will not accept the traffic). */
int weir_icmp_error_code(const weir_icmp_error *e, bool *hard);

/* ---- arp.c ---- */
/* Allocate the neighbour table if it is not there yet (the first Ethernet interface). */
int weir_arp_create(weir_stack *s);
void weir_arp_destroy(weir_stack *s);
/* Send the IP packet pkt[0..len) out of `netif` toward next_hop: as it is on a point-to-point
 * link, behind an Ethernet header (resolving next_hop with ARP, holding the packet meanwhile)
 * on Ethernet. WEIR_LINK_HEADROOM bytes before pkt must be writable. */
int weir_link_output(weir_stack *s, int netif, uint32_t next_hop, uint8_t *pkt, size_t len);
/* An ARP packet (arp[0..arp_len)) in the Ethernet frame frame[0..len) from `netif`. */
void weir_arp_input(weir_stack *s, int netif, const uint8_t *frame, size_t len,
                    const uint8_t *arp, size_t arp_len);
void weir_arp_timers(weir_stack *s);
/* Negative advice: forget a resolved neighbour (the next packet to it asks again). An entry
 * still being resolved, or none, is left as it is. */
void weir_arp_forget(weir_stack *s, int netif, uint32_t ip);
uint64_t weir_arp_next_deadline(const weir_stack *s);

/* ---- frag.c ---- */
/* A fragment (MF set or offset non-zero) addressed to us. */
void weir_frag_input(weir_stack *s, int netif, const weir_ipv4_repr *ip, const uint8_t *pkt,
                     size_t len);
void weir_frag_timers(weir_stack *s);
uint64_t weir_frag_next_deadline(const weir_stack *s);
void weir_frag_destroy(weir_stack *s);

/* ---- dgram.c ---- */
/* verify: check the UDP checksum (false when the interface has, WEIR_NETIF_CSUM_UDP). */
void weir_udp_input(weir_stack *s, const weir_ipv4_repr *ip, const uint8_t *pkt, size_t len,
                    bool verify);
/* An echo reply: queue it for the ping socket with its identifier. True when one took it. */
bool weir_ping_deliver(weir_stack *s, const weir_ipv4_repr *ip, const weir_icmp_repr *msg);
/* An ICMP error quoting a UDP datagram or an echo request of ours. True when a socket took it. */
bool weir_dgram_icmp_error(weir_stack *s, const weir_icmp_error *e);
/* Hand a UDP socket's datagrams to `fn` instead of queueing them (the stack's own users: the DNS
 * resolver). Its handle then raises no events. */
typedef void (*weir_dgram_sink_fn)(weir_stack *s, void *ctx, uint32_t from_ip, uint16_t from_port,
                                   uint16_t to_port, const uint8_t *data, size_t len);
/* An ICMP error for a connected socket with a sink (WEIR_E* code). */
typedef void (*weir_dgram_error_fn)(weir_stack *s, void *ctx, int err);
int weir_udp_set_sink(weir_stack *s, int sock, weir_dgram_sink_fn fn, weir_dgram_error_fn on_error,
                      void *ctx);
/* Release every datagram socket (stack destruction). */
void weir_dgram_destroy_all(weir_stack *s);

#endif
