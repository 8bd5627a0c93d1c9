/* weir/netif.h — the driver interface.
 *
 * A driver (TUN, TAP, the in-memory link, a capture tap, a fault injector) joins a stack through one
 * interface record: the stack calls `transmit` with each outgoing frame, and the driver hands each
 * incoming frame to weir_netif_input(). Nothing else crosses this line. */
#ifndef WEIR_NETIF_H
#define WEIR_NETIF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct weir_stack weir_stack;

typedef enum weir_medium {
    WEIR_MEDIUM_IP = 1,       /* frames are bare IPv4 packets (TUN, the in-memory link) */
    WEIR_MEDIUM_ETHERNET = 2, /* Ethernet II frames; neighbours found with ARP (TAP) */
} weir_medium;

/* Called by the stack for every outgoing frame. The bytes are valid only during the call.
 * Return 0, or a negative WEIR_E* code when the frame could not be queued (counted, and TCP's
 * retransmission covers the loss). Must not call back into the stack. */
typedef int (*weir_transmit_fn)(void *ctx, const uint8_t *frame, size_t len);

/* Optional back-pressure, as a NIC's transmit ring gives it: returns nonzero while the link can
 * take a frame now, 0 while its queue is full. Called with transmit_ctx before each TCP data
 * segment (new data and resends of lost data) and each pure ACK of the ACK clock. While it says
 * 0, TCP holds the data in the send buffer instead of handing the link a frame it would drop:
 * an ACK for data in flight sends it, and a connection with nothing in flight (or none an ACK
 * will come for, after a timeout) retries WEIR_TCP_LINK_RETRY_US later; an ACK held stays owed
 * and goes with the next segment, or that long later. SYNs, RSTs, window updates and
 * timer-driven retransmissions are never held. Must not call back into the stack. NULL: the
 * link always takes frames (it may still drop them, counted by the transmit error). */
typedef int (*weir_tx_ready_fn)(void *ctx);

/* Checksum offload (weir_netif_config.csum_offload), as a NIC or Linux's veth offers it and as
 * lwIP's CHECKSUM_GEN_x / CHECKSUM_CHECK_x and smoltcp's ChecksumCapabilities model it: for each
 * bit set, the link computes that checksum on transmit and has verified it on receive, so the
 * stack leaves the field of outgoing packets 0 and takes incoming ones without checking it.
 * Off by default. Only for links that guarantee integrity end to end (memory, a virtual NIC
 * that checks in hardware): on any other, a corrupted packet is delivered as good data. Never
 * combine it with the fault injector's corruption (drivers/fault.h). Fragments are reassembled
 * and checked by the stack whatever the bits say (a NIC cannot check a datagram's TCP or UDP
 * checksum from its fragments); ICMP checksums are always the stack's. Captures of such a link
 * show zero checksums on outgoing packets, as Linux captures on offloading devices do. */
enum {
    WEIR_NETIF_CSUM_IPV4 = 1u << 0, /* the IPv4 header checksum */
    WEIR_NETIF_CSUM_TCP = 1u << 1,
    WEIR_NETIF_CSUM_UDP = 1u << 2,
    WEIR_NETIF_CSUM_ALL = WEIR_NETIF_CSUM_IPV4 | WEIR_NETIF_CSUM_TCP | WEIR_NETIF_CSUM_UDP,
};

typedef struct weir_netif_config {
    const char *name;      /* for humans: "mem0", "tun0" (copied) */
    weir_medium medium;
    uint16_t mtu;          /* largest IP packet the link carries (the Ethernet header is extra) */
    uint8_t mac[6];        /* WEIR_MEDIUM_ETHERNET: our hardware address (unicast) */
    uint32_t ip;           /* our address on this interface, host order */
    uint8_t prefix_len;    /* on-link subnet */
    weir_transmit_fn transmit;
    void *transmit_ctx;
    unsigned csum_offload; /* WEIR_NETIF_CSUM_* bits the link handles; 0 = the stack does all */
    weir_tx_ready_fn tx_ready; /* optional back-pressure (NULL: none) */
} weir_netif_config;

/* Attach an interface. Returns its index (>= 0) or a negative WEIR_E* code (WEIR_EINVAL for an
 * unknown csum_offload bit, among others). */
int weir_netif_add(weir_stack *s, const weir_netif_config *cfg);

/* Hand one received frame to the stack; it is processed before the call returns (replies may be
 * transmitted from inside it). `now_us` is the current time, as for weir_stack_poll(). Bad frames
 * are counted drops, never errors: the return value is 0, or WEIR_EINVAL for API misuse. */
int weir_netif_input(weir_stack *s, int netif, const uint8_t *frame, size_t len, uint64_t now_us);

/* A burst of received frames. RFC 9293 §3.10.7.4 (MUST-58, MUST-59): "if the TCP endpoint is
 * processing a series of queued segments, it MUST process them all before sending any ACK
 * segments". A driver holding several frames (a batch read from a device, a ring drained)
 * brackets their weir_netif_input() calls with these two: an ACK that a connection owes for
 * in-order data then waits for the end of the burst, and one ACK covers them all (or rides on
 * data sent meanwhile). ACKs that report out-of-order data or a hole (the sender counts those,
 * RFC 5681 §4.2), and every other reply, still go at once. At most WEIR_INPUT_ACK_DEFER
 * connections wait; more ACK at once. Brackets nest: the ACKs go at the outermost end. end
 * without begin is WEIR_EINVAL. */
int weir_netif_input_begin(weir_stack *s);
int weir_netif_input_end(weir_stack *s);
#define WEIR_INPUT_ACK_DEFER 64

/* A route: packets to dst/prefix_len go through `gateway`, which must be on a connected subnet
 * (prefix_len 0 is the default route). Longest prefix wins; connected subnets need no route.
 * Returns 0, WEIR_EINVAL, WEIR_ENETUNREACH (gateway not on-link) or WEIR_ENOBUFS (table full);
 * a route to the same destination is replaced. Without any route, a packet for a destination
 * off every subnet goes out of the first point-to-point (WEIR_MEDIUM_IP) interface. */
int weir_route_add(weir_stack *s, uint32_t dst, uint8_t prefix_len, uint32_t gateway);
int weir_route_del(weir_stack *s, uint32_t dst, uint8_t prefix_len);

#ifdef __cplusplus
}
#endif
#endif
