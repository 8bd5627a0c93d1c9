/* core.h — the stack instance as the layers below see it.
 *
 * struct weir_stack is the only place state lives: interfaces, the socket handle table, the
 * connection table, the event queue, counters, the allocator, the trace hook and the cached
 * clock. The core is the only layer that sees all of them; src/ip and src/tcp reach each other
 * through the small functions declared here and in their own headers. */
#ifndef WEIR_CORE_H
#define WEIR_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weir/config.h"
#include "weir/netif.h"
#include "weir/stack.h"

struct tcp_conn;
struct weir_arp_entry;
struct weir_frag;
struct dns_query;
struct tcp_table;
struct dgram_sock;

/* Bytes kept free in front of every IP packet we build, for a link header (Ethernet). */
#define WEIR_LINK_HEADROOM 14

typedef struct weir_netif_slot {
    bool used;
    char name[16];
    weir_medium medium;
    uint8_t mac[6];
    uint16_t mtu;
    uint32_t ip;
    uint8_t prefix_len;
    weir_transmit_fn transmit;
    void *transmit_ctx;
    unsigned csum_offload; /* WEIR_NETIF_CSUM_* (netif.h): checksums the link handles */
    weir_tx_ready_fn tx_ready; /* NULL: the link always takes frames */
} weir_netif_slot;

/* What a socket handle refers to. */
typedef enum weir_sock_kind {
    WEIR_SOCK_TCP = 1,  /* struct tcp_conn (src/tcp) */
    WEIR_SOCK_UDP,      /* struct dgram_sock (src/ip/dgram.c) */
    WEIR_SOCK_PING,     /* struct dgram_sock: ICMP echo, like Linux's ping sockets */
    WEIR_SOCK_DNS,      /* struct dns_query (src/dns/dns_query.c) */
} weir_sock_kind;

/* One entry of the socket handle table. A handle is (generation << slot bits | slot); the
 * generation changes each time the slot is freed, so an old handle no longer matches. Free slots
 * wait in a FIFO, so a slot is reused only after every other free one: a stale handle would need
 * max_sockets * 2^generation_bits allocations to come back. */
typedef struct weir_sock_slot {
    void *obj;            /* the record of that kind */
    uint32_t generation;
    int16_t pending_err;      /* for WEIR_EV_ERROR */
    int16_t pending_soft_err; /* for WEIR_EV_SOFT_ERROR */
    uint32_t next_free;   /* free slots: the next one in the FIFO */
    bool used : 1;
    bool queued : 1;      /* on the event queue */
    uint8_t kind;         /* weir_sock_kind */
    uint16_t pending;     /* bit (1 << weir_event_type) per undelivered event */
} weir_sock_slot;
#if UINTPTR_MAX == UINT64_MAX
/* 2^24 handles at most: the table is part of the million-connection memory budget. */
_Static_assert(sizeof(weir_sock_slot) <= 24, "weir_sock_slot outgrew its budget");
#endif

/* A routing answer kept for the next packet to the same destination (src/ip/ipv4.c). */
#define WEIR_ROUTE_CACHE 4 /* entries, direct-mapped by destination; a power of two */
typedef struct weir_route_cache_entry {
    uint32_t dst, next_hop;
    int netif; /* the answer: an interface, or -1 (no route) */
    bool valid;
} weir_route_cache_entry;

/* Freed blocks of one size kept for reuse (stack.c), linked through their first bytes. */
#define WEIR_MEM_BINS 8
typedef struct weir_mem_bin {
    size_t size;
    void *head;
    uint32_t count;
} weir_mem_bin;

struct weir_stack {
    weir_stack_config cfg;
    weir_allocator alloc;
    weir_mem_bin mem_bins[WEIR_MEM_BINS]; /* not counted in stats.mem_in_use */
    size_t mem_cached;                    /* bytes in mem_bins, <= WEIR_MEM_CACHE_BYTES */
    uint64_t now_us;

    weir_netif_slot netifs[WEIR_MAX_NETIFS];
    bool any_tx_ready; /* some interface has a tx_ready: TCP must ask before it sends */
    struct {
        bool used;
        uint8_t prefix_len;
        uint32_t dst, gateway;
    } routes[WEIR_MAX_ROUTES];
    weir_route_cache_entry route_cache[WEIR_ROUTE_CACHE]; /* emptied when the above change */
    struct weir_arp_entry *arp; /* cfg.arp_entries neighbours (src/ip/arp.c) */
    struct weir_frag *frags[WEIR_MAX_FRAG_DATAGRAMS]; /* reassembly in progress (src/ip/frag.c) */
    uint8_t *tx_buf;          /* scratch for one outgoing frame: WEIR_LINK_HEADROOM, then IP */
    uint8_t *payload_buf;     /* scratch for gathering a segment's payload out of a ring */
    size_t tx_cap;            /* the largest interface MTU: IP bytes in tx_buf, payload_buf size */

    weir_sock_slot *socks;    /* cfg.max_sockets entries */
    uint32_t slot_bits;       /* handle = generation << slot_bits | slot */
    uint32_t free_head, free_tail; /* FIFO of free slots through next_free */
    uint32_t *event_ring;     /* slots with pending events, FIFO; capacity max_sockets */
    uint32_t event_head, event_count;

    struct tcp_table *tcp;
    /* weir_netif_input_begin/end: the depth of the bracket, and the connections whose in-order
     * ACK waits for its end (tcp_output.c; a record being freed leaves the list). */
    uint32_t input_burst;
    uint32_t acks_deferred;
    bool ack_at_once; /* the segment being processed asked for an immediate ACK (out of order, a
                         hole filled, a duplicate: RFC 5681 §4.2), which no burst defers */
    struct tcp_conn *ack_defer[WEIR_INPUT_ACK_DEFER];
    struct dgram_sock *dgrams; /* UDP and ping sockets (src/ip/dgram.c) */
    struct dns_query *dns;     /* name lookups in progress (src/dns/dns_query.c) */
    uint16_t next_ping_ident;
    uint64_t icmp_tokens_at;  /* ICMP error rate limit: token bucket refilled from this time */
    uint32_t icmp_tokens;

    uint8_t isn_secret[16];   /* RFC 6528 secret key, drawn once */
    uint16_t ip_ident;        /* next IPv4 identification: a counter from a random start */
    uint32_t next_ephemeral;  /* RFC 6056 Algorithm 3's counter, from a random start */

    weir_stats stats;
};

/* Memory through the embedder's allocator, with accounting (stats.mem_in_use / high water).
 * Small freed blocks are kept for reuse, up to WEIR_MEM_CACHE_BYTES (weir/config.h). */
void *weir_alloc(weir_stack *s, size_t size);          /* zeroed; NULL when out of memory */
void *weir_alloc_uninit(weir_stack *s, size_t size);   /* not zeroed: for buffers written first */
void weir_free(weir_stack *s, void *ptr, size_t size); /* NULL allowed */

static inline void weir_count(weir_stack *s, weir_counter c) { s->stats.counters[c]++; }
/* Count a drop and tell the trace hook; `frame` may be NULL. */
void weir_drop(weir_stack *s, weir_drop_reason r, const uint8_t *frame, size_t len);

static inline bool weir_tracing(const weir_stack *s) { return s->cfg.trace != NULL; }
void weir_trace_emit(weir_stack *s, weir_trace_event *ev); /* fills now_us */

/* Socket handles. */
int weir_sock_alloc_kind(weir_stack *s, weir_sock_kind kind, void *obj); /* or WEIR_ENOBUFS */
void *weir_sock_obj(weir_stack *s, int handle, weir_sock_kind kind); /* NULL: bad, stale, other kind */
int weir_sock_alloc(weir_stack *s, struct tcp_conn *conn);  /* a TCP handle or WEIR_ENOBUFS */
struct tcp_conn *weir_sock_conn(weir_stack *s, int handle); /* NULL for a bad/stale handle */
void weir_sock_release(weir_stack *s, int handle);
uint32_t weir_sock_slot_index(const weir_stack *s, int handle); /* the slot of a valid handle */
/* Queue an event for a handle (coalesced per socket). No-op for handle < 0. */
void weir_sock_notify(weir_stack *s, int handle, weir_event_type type, int err);

void weir_random_bytes(weir_stack *s, void *buf, size_t len);

/* IPv4 output: builds the header into the scratch buffer in front of the `payload_len` bytes the
 * caller already wrote at weir_ip_payload_buf(), routes and transmits. Returns 0 or WEIR_E*. */
uint8_t *weir_ip_payload_buf(weir_stack *s, size_t *cap);
int weir_ip_send(weir_stack *s, uint32_t src, uint32_t dst, uint8_t protocol, size_t payload_len);
/* The same once the caller has routed (weir_ip_route_via: netif >= 0, its next hop): the
 * transport layer routes first when it must know whether the interface computes its checksum.
 * `tos`: the packet's TOS byte (TCP's Differentiated Services field and ECN; 0 otherwise). */
int weir_ip_send_via(weir_stack *s, int netif, uint32_t next_hop, uint32_t src, uint32_t dst,
                     uint8_t protocol, uint8_t tos, size_t payload_len);
/* True when interface `netif` (>= 0) computes and verifies the checksum `what`
 * (WEIR_NETIF_CSUM_* of netif.h); false for -1 (no route: nothing goes out anyway). */
/* Whether interface `netif` takes a frame now (weir_tx_ready_fn); a bad index says yes, so that
 * the send fails where it reports why. */
static inline bool weir_netif_tx_ready(const weir_stack *s, int netif)
{
    const weir_netif_slot *n = netif >= 0 ? &s->netifs[netif] : NULL;
    return n == NULL || n->tx_ready == NULL || n->tx_ready(n->transmit_ctx) != 0;
}

static inline bool weir_netif_csum_offloaded(const weir_stack *s, int netif, unsigned what)
{
    return netif >= 0 && (s->netifs[netif].csum_offload & what) != 0;
}
/* The interface that would carry a packet to dst, or -1; *next_hop (may be NULL) gets the
 * gateway, or dst itself when it is on-link. Both answer from the route cache when they can;
 * weir_ip_route_via (the per-packet path) also fills it. */
int weir_ip_route_via(weir_stack *s, uint32_t dst, uint32_t *next_hop);
int weir_ip_route(const weir_stack *s, uint32_t dst);
/* Forget every cached routing answer: an interface or a route was added or removed. */
void weir_ip_route_cache_flush(weir_stack *s);
/* RFC 1122 §3.3.1.4 negative advice from a transport (RFC 9293 §3.8.3 R1): traffic to dst is not
 * getting through. The next hop's ARP entry is forgotten, so the next packet resolves it again. */
void weir_ip_negative_advice(weir_stack *s, uint32_t dst);
/* True when ip is the limited broadcast or the directed broadcast of n's subnet. */
bool weir_ip_is_broadcast(const weir_netif_slot *n, uint32_t ip);
/* True when addr names no single host (RFC 1122 §3.2.1.3): 0/8, 224/4, 240/4 (the limited
 * broadcast among them), the directed broadcast of any of our subnets, and 127/8 unless the
 * interface `netif` (any of ours when netif < 0) is itself numbered in 127/8. Never a source we
 * answer (MUST-63), never a TCP peer (MUST-46). */
bool weir_ip_not_single_host(const weir_stack *s, int netif, uint32_t addr);
/* True when addr is one of our interface addresses. */
bool weir_ip_is_local(const weir_stack *s, uint32_t addr);
void weir_ip_input(weir_stack *s, int netif, const uint8_t *pkt, size_t len);
/* A datagram reassembled from fragments: its transport checksum is checked whatever the
 * interface offloads (a NIC checks fragments one by one, never the datagram's TCP/UDP sum). */
void weir_ip_input_reassembled(weir_stack *s, int netif, const uint8_t *pkt, size_t len);

#endif
