/* stack.c — the stack instance: creation, the clock, interfaces, socket handles, the event queue,
 * memory accounting and the trace fan-out.
 *
 * Read DESIGN.md §2: time and randomness are inputs, nothing is global, bad input is a counted
 * drop. */
#include <string.h>

#include "core/core.h"
#include "dns/dns_query.h"
#include "ip/ip.h"
#include "port.h"
#include "tcp/tcp_conn.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

/* A handle is (generation << slot_bits | slot), a positive int: slot_bits is just wide enough
 * for max_sockets (at least 8), the generation takes the rest of the 31 bits. */
#define HANDLE_MIN_SLOT_BITS 8u
#define HANDLE_MAX_SOCKETS (UINT32_C(1) << 24) /* leaves a generation of 7 bits or more */
#define SLOT_NONE UINT32_MAX
/* TIME-WAIT records keep the low 32 bits of their deadline in µs (tcp_tw.h): 2*MSL must stay
 * well inside the 35 minutes a signed difference spans. */
#define WEIR_MAX_MSL_US (UINT64_C(600) * 1000000)

static void sock_table_init(weir_stack *s);
static void mem_cache_drain(weir_stack *s);

void weir_stack_config_init(weir_stack_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_sockets = 256;
    cfg->max_connections = 1024;
    cfg->ephemeral_lo = 49152;
    cfg->ephemeral_hi = 65535;
    cfg->ip_ttl = 64;
    cfg->dgram_recv_buffer = 65536;
    cfg->icmp_error_rate = 100;
    cfg->frag_max_datagrams = 4;
    cfg->frag_timeout_us = 30000000;
    cfg->arp_entries = 64;
    cfg->arp_reachable_us = 60000000;
    weir_tcp_config *t = &cfg->tcp;
    t->send_buffer = 65536;
    t->recv_buffer = 65535;
    t->recv_buffer_max = 0;
    t->recv_buffer_auto_max = 4u << 20;
    t->window_scale = true;
    t->timestamps = true;
    t->sack = true;
    t->dsack = true;
    t->prr = true;
    t->option_layout = WEIR_TCP_LAYOUT_LINUX;
    t->congestion_control = WEIR_TCP_CC_CUBIC;
    t->initial_window = 10;
    t->mss = 0;
    t->rto_initial_us = 1000000;
    t->rto_min_us = 200000;
    t->rto_max_us = 60000000;
    t->syn_retries = 7;
    t->max_retries = 15;
    t->ecn = WEIR_TCP_ECN_PASSIVE;
    t->r1_retries = 3;
    t->msl_us = 30000000;
    t->delayed_ack_us = 40000;
    t->quick_acks = 16;
    t->time_syn_ack = true;
    t->slow_start_after_idle = true;
    t->rack_loss_detection = true;
    t->drop_missing_timestamps = true;
    t->drop_synfin = false;
    t->tail_loss_probe = true;
    t->keepalive_idle_us = 7200ull * 1000000u;
    t->keepalive_interval_us = 75000000;
    t->keepalive_count = 9;
    t->nagle = true;
    t->nagle_whole_write = true;
    t->rfc5961 = true;
    t->isn_tick_ns = 4000;
}

/* Auto-tuning is off (0), or grows the buffer from recv_buffer up to at most 1 GiB (recv_buffer's
 * own limit: about the largest window a scale of 14 can say). A limit below the starting size is
 * a mistake, not "no growth": rejected, so that an embedder raising recv_buffer past the default
 * limit learns that auto-tuning needs a decision too (raise it, or 0). */
static bool recv_buffer_auto_max_valid(const weir_tcp_config *t)
{
    return t->recv_buffer_auto_max == 0 ||
           (t->recv_buffer_auto_max >= t->recv_buffer && t->recv_buffer_auto_max <= (1u << 30));
}

static bool config_valid(const weir_stack_config *cfg)
{
    const weir_tcp_config *t = &cfg->tcp;
    return cfg->random != NULL && cfg->max_sockets > 0 && cfg->max_sockets <= HANDLE_MAX_SOCKETS &&
           cfg->max_connections > 0 && cfg->ephemeral_lo > 0 &&
           cfg->ephemeral_lo <= cfg->ephemeral_hi && cfg->ip_ttl > 0 && t->send_buffer >= 1 &&
           t->recv_buffer >= 1 && (t->recv_buffer <= 65535 || t->window_scale) &&
           t->recv_buffer <= (1u << 30) && t->recv_buffer_max <= (1u << 30) &&
           recv_buffer_auto_max_valid(t) &&
           (t->option_layout == WEIR_TCP_LAYOUT_LINUX || t->option_layout == WEIR_TCP_LAYOUT_BSD) &&
           t->rto_min_us > 0 && t->rto_min_us <= t->rto_initial_us &&
           t->rto_initial_us <= t->rto_max_us && t->rto_slop_us <= t->rto_max_us &&
           t->persist_min_us <= (t->persist_max_us ? t->persist_max_us : t->rto_max_us) &&
           t->msl_us > 0 && t->msl_us <= WEIR_MAX_MSL_US && t->isn_tick_ns > 0 &&
           t->delayed_ack_us < 500000 /* MUST-40 */ && (t->mss == 0 || t->mss >= 64) &&
           t->keepalive_interval_us > 0 && t->user_timeout_us / 1000 <= WEIR_TCP_TIMEOUT_MAX_MS &&
           t->connect_timeout_us / 1000 <= WEIR_TCP_TIMEOUT_MAX_MS &&
           (unsigned)t->congestion_control < WEIR_TCP_CC_COUNT &&
           (t->tos & WEIR_IP_ECN_MASK) == 0 && t->ecn <= WEIR_TCP_ECN_PASSIVE &&
           cfg->frag_max_datagrams <= WEIR_MAX_FRAG_DATAGRAMS;
}

int weir_stack_create(const weir_stack_config *cfg, weir_stack **out)
{
    if (!cfg || !out || !config_valid(cfg))
        return WEIR_EINVAL;
    *out = NULL;
    const weir_allocator *a = cfg->allocator ? cfg->allocator : weir_port_default_allocator();
    if (!a->alloc || !a->free)
        return WEIR_EINVAL;
    weir_stack *s = a->alloc(a->ctx, sizeof *s);
    if (!s)
        return WEIR_ENOMEM;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->alloc = *a;
    s->stats.mem_in_use = s->stats.mem_high_water = sizeof *s;
    /* The secret first: the connection table derives its bucket key from it. */
    weir_random_bytes(s, s->isn_secret, sizeof s->isn_secret);
    weir_random_bytes(s, &s->ip_ident, sizeof s->ip_ident);
    weir_random_bytes(s, &s->next_ephemeral, sizeof s->next_ephemeral);
    s->socks = weir_alloc(s, sizeof(weir_sock_slot) * cfg->max_sockets);
    s->event_ring = weir_alloc(s, sizeof(uint32_t) * cfg->max_sockets);
    if (!s->socks || !s->event_ring || tcp_table_create(s) != 0) {
        weir_stack_destroy(s);
        return WEIR_ENOMEM;
    }
    sock_table_init(s);
    *out = s;
    return 0;
}

void weir_stack_destroy(weir_stack *s)
{
    if (!s)
        return;
    if (s->tcp)
        tcp_table_destroy(s);
    weir_dns_destroy_all(s);
    weir_dgram_destroy_all(s);
    weir_arp_destroy(s);
    weir_frag_destroy(s);
    weir_free(s, s->socks, sizeof(weir_sock_slot) * s->cfg.max_sockets);
    weir_free(s, s->event_ring, sizeof(uint32_t) * s->cfg.max_sockets);
    weir_free(s, s->tx_buf, s->tx_cap + WEIR_LINK_HEADROOM);
    weir_free(s, s->payload_buf, s->tx_cap);
    mem_cache_drain(s);
    weir_allocator a = s->alloc;
    a.free(a.ctx, s, sizeof *s);
}

/* ---- memory ---- */

/* Freed blocks are kept for reuse in a few bins of one exact size each (a record, a ring of its
 * first size, a table): churn frees and allocates the same few sizes over and over, and a bin
 * hands a block back in tens of instructions where malloc takes hundreds, warm in the cache.
 * Bounded in bytes (WEIR_MEM_CACHE_BYTES) and in block size; a bin that has emptied may take
 * another size. Off under AddressSanitizer, where a reused block would hide a use after free. */
#if defined(__has_feature)
#define WEIR_HAS_FEATURE(x) __has_feature(x)
#else
#define WEIR_HAS_FEATURE(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || WEIR_HAS_FEATURE(address_sanitizer)
#define MEM_CACHE_BYTES 0
#else
#define MEM_CACHE_BYTES ((size_t)(WEIR_MEM_CACHE_BYTES))
#endif
#define MEM_CACHE_MAX_BLOCK 4096

/* The bin of blocks of `size`; with `claim`, an empty bin relabelled if none has that size. */
static weir_mem_bin *mem_bin(weir_stack *s, size_t size, bool claim)
{
    weir_mem_bin *empty = NULL;
    for (int i = 0; i < WEIR_MEM_BINS; i++) {
        weir_mem_bin *b = &s->mem_bins[i];
        if (b->size == size)
            return b;
        if (!empty && b->count == 0)
            empty = b;
    }
    if (!claim || !empty)
        return NULL;
    empty->size = size;
    return empty;
}

static void *mem_cache_take(weir_stack *s, size_t size)
{
    if (s->mem_cached == 0)
        return NULL;
    weir_mem_bin *b = mem_bin(s, size, false);
    if (!b || !b->head)
        return NULL;
    void *p = b->head;
    memcpy(&b->head, p, sizeof b->head);
    b->count--;
    s->mem_cached -= size;
    return p;
}

static bool mem_cache_keep(weir_stack *s, void *ptr, size_t size)
{
    if (size < sizeof(void *) || size > MEM_CACHE_MAX_BLOCK ||
        s->mem_cached + size > MEM_CACHE_BYTES)
        return false;
    weir_mem_bin *b = mem_bin(s, size, true);
    if (!b)
        return false;
    memcpy(ptr, &b->head, sizeof b->head);
    b->head = ptr;
    b->count++;
    s->mem_cached += size;
    return true;
}

/* Give every kept block back to the allocator (the stack is going away). */
static void mem_cache_drain(weir_stack *s)
{
    for (int i = 0; i < WEIR_MEM_BINS; i++) {
        weir_mem_bin *b = &s->mem_bins[i];
        while (b->head) {
            void *p = b->head;
            memcpy(&b->head, p, sizeof b->head);
            s->alloc.free(s->alloc.ctx, p, b->size);
        }
        b->count = 0;
    }
    s->mem_cached = 0;
}

void *weir_alloc_uninit(weir_stack *s, size_t size)
{
    void *p = mem_cache_take(s, size);
    if (!p)
        p = s->alloc.alloc(s->alloc.ctx, size);
    if (!p)
        return NULL;
    s->stats.mem_in_use += size;
    if (s->stats.mem_in_use > s->stats.mem_high_water)
        s->stats.mem_high_water = s->stats.mem_in_use;
    return p;
}

void *weir_alloc(weir_stack *s, size_t size)
{
    void *p = weir_alloc_uninit(s, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void weir_free(weir_stack *s, void *ptr, size_t size)
{
    if (!ptr)
        return;
    s->stats.mem_in_use -= size;
    if (!mem_cache_keep(s, ptr, size))
        s->alloc.free(s->alloc.ctx, ptr, size);
}

void weir_random_bytes(weir_stack *s, void *buf, size_t len)
{
    s->cfg.random(s->cfg.random_ctx, buf, len);
}

/* ---- time ---- */

static void advance_clock(weir_stack *s, uint64_t now_us)
{
    if (now_us > s->now_us)
        s->now_us = now_us; /* time never goes backwards inside the stack */
}

void weir_stack_poll(weir_stack *s, uint64_t now_us)
{
    if (!s)
        return;
    advance_clock(s, now_us);
    weir_arp_timers(s);
    weir_frag_timers(s);
    weir_dns_timers(s);
    tcp_timers_run(s);
}

uint64_t weir_stack_next_deadline(const weir_stack *s)
{
    if (!s)
        return UINT64_MAX;
    uint64_t next = tcp_next_deadline(s);
    uint64_t arp = weir_arp_next_deadline(s), frag = weir_frag_next_deadline(s);
    uint64_t dns = weir_dns_next_deadline(s);
    if (arp < next)
        next = arp;
    if (dns < next)
        next = dns;
    return frag < next ? frag : next;
}

uint64_t weir_stack_now(const weir_stack *s) { return s ? s->now_us : 0; }

/* ---- interfaces ---- */

static bool netif_config_valid(const weir_netif_config *cfg)
{
    if (!cfg->transmit || cfg->mtu < 68 || cfg->prefix_len > 32 || cfg->ip == 0 ||
        (cfg->csum_offload & ~(unsigned)WEIR_NETIF_CSUM_ALL) != 0)
        return false;
    if (cfg->medium == WEIR_MEDIUM_IP)
        return true;
    static const uint8_t zero[6];
    /* Ethernet: a unicast hardware address of our own (the group bit clear, not all zeros). */
    return cfg->medium == WEIR_MEDIUM_ETHERNET && !(cfg->mac[0] & 1) &&
           memcmp(cfg->mac, zero, 6) != 0;
}

/* The scratch buffers grow to the largest MTU, with link headroom in front of tx_buf. */
static int grow_scratch(weir_stack *s, uint16_t mtu)
{
    if (mtu <= s->tx_cap)
        return 0;
    uint8_t *buf = weir_alloc(s, (size_t)mtu + WEIR_LINK_HEADROOM);
    uint8_t *payload = weir_alloc(s, mtu);
    if (!buf || !payload) {
        weir_free(s, buf, (size_t)mtu + WEIR_LINK_HEADROOM);
        weir_free(s, payload, mtu);
        return WEIR_ENOMEM;
    }
    weir_free(s, s->tx_buf, s->tx_cap + WEIR_LINK_HEADROOM);
    weir_free(s, s->payload_buf, s->tx_cap);
    s->tx_buf = buf;
    s->payload_buf = payload;
    s->tx_cap = mtu;
    return 0;
}

int weir_netif_add(weir_stack *s, const weir_netif_config *cfg)
{
    if (!s || !cfg || !netif_config_valid(cfg))
        return WEIR_EINVAL;
    int idx = -1;
    for (int i = 0; i < WEIR_MAX_NETIFS; i++) {
        if (!s->netifs[i].used) {
            idx = i;
            break;
        }
    }
    if (idx < 0)
        return WEIR_ENOBUFS;
    if (grow_scratch(s, cfg->mtu) != 0)
        return WEIR_ENOMEM;
    /* The neighbour table only exists once there is an Ethernet link to need it. */
    if (cfg->medium == WEIR_MEDIUM_ETHERNET && weir_arp_create(s) != 0)
        return WEIR_ENOMEM;
    weir_netif_slot *n = &s->netifs[idx];
    memset(n, 0, sizeof *n);
    n->used = true;
    if (cfg->name) {
        size_t len = strlen(cfg->name);
        if (len >= sizeof n->name)
            len = sizeof n->name - 1;
        memcpy(n->name, cfg->name, len);
    }
    n->medium = cfg->medium;
    memcpy(n->mac, cfg->mac, 6);
    n->mtu = cfg->mtu;
    n->ip = cfg->ip;
    n->prefix_len = cfg->prefix_len;
    n->transmit = cfg->transmit;
    n->transmit_ctx = cfg->transmit_ctx;
    n->csum_offload = cfg->csum_offload;
    n->tx_ready = cfg->tx_ready;
    s->any_tx_ready |= cfg->tx_ready != NULL;
    weir_ip_route_cache_flush(s); /* the new subnet may be a better route to anywhere */
    return idx;
}

static void trace_packet_in(weir_stack *s, int netif, const uint8_t *pkt, size_t len)
{
    if (weir_tracing(s)) {
        weir_trace_event ev = {.kind = WEIR_TRACE_FRAME_IN,
                               .netif = netif,
                               .frame = pkt,
                               .frame_len = len,
                               .sock = -1};
        weir_trace_emit(s, &ev);
    }
}

/* An IP packet, bare (TUN) or out of an Ethernet frame. */
static void packet_input(weir_stack *s, int netif, const uint8_t *pkt, size_t len)
{
    trace_packet_in(s, netif, pkt, len);
    if (len == 0) {
        weir_drop(s, WEIR_DROP_FRAME_EMPTY, pkt, len);
        return;
    }
    /* The MTU bounds what we send. A received packet may be larger (a TUN device with GRO, a
     * peer's TSO coalesced by a host): anything an IPv4 header can describe is taken. */
    if (len > WEIR_IPV4_MAX_DATAGRAM) {
        weir_drop(s, WEIR_DROP_FRAME_TOO_BIG, pkt, len);
        return;
    }
    weir_ip_input(s, netif, pkt, len);
}

/* Ethernet II: ours or broadcast; IPv4 goes up, ARP to the neighbour table. */
static void ethernet_input(weir_stack *s, int netif, const uint8_t *frame, size_t len)
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    weir_eth_repr eth;
    if (weir_eth_parse(frame, len, &eth) != WEIR_WIRE_OK) {
        weir_drop(s,
                  len < WEIR_ETH_HEADER_LEN ? WEIR_DROP_ETH_TRUNCATED : WEIR_DROP_ETH_UNKNOWN_TYPE,
                  frame, len);
        return;
    }
    if (memcmp(eth.dst, s->netifs[netif].mac, 6) != 0 && memcmp(eth.dst, broadcast, 6) != 0) {
        weir_drop(s, WEIR_DROP_ETH_NOT_FOR_US, frame, len);
        return;
    }
    switch (eth.ethertype) {
    case WEIR_ETHERTYPE_IPV4:
        packet_input(s, netif, eth.payload, eth.payload_len);
        return;
    case WEIR_ETHERTYPE_ARP:
        weir_arp_input(s, netif, frame, len, eth.payload, eth.payload_len);
        return;
    default:
        weir_drop(s, WEIR_DROP_ETH_UNKNOWN_TYPE, frame, len);
        return;
    }
}

int weir_netif_input(weir_stack *s, int netif, const uint8_t *frame, size_t len, uint64_t now_us)
{
    if (!s || (!frame && len > 0))
        return WEIR_EINVAL;
    advance_clock(s, now_us);
    weir_count(s, WEIR_CTR_FRAMES_IN);
    if (netif < 0 || netif >= WEIR_MAX_NETIFS || !s->netifs[netif].used) {
        weir_drop(s, WEIR_DROP_BAD_NETIF, frame, len);
        return WEIR_EINVAL;
    }
    if (s->netifs[netif].medium == WEIR_MEDIUM_ETHERNET)
        ethernet_input(s, netif, frame, len);
    else
        packet_input(s, netif, frame, len);
    return 0;
}

int weir_netif_input_begin(weir_stack *s)
{
    if (!s || s->input_burst == UINT32_MAX)
        return WEIR_EINVAL;
    s->input_burst++;
    return 0;
}

int weir_netif_input_end(weir_stack *s)
{
    if (!s || s->input_burst == 0)
        return WEIR_EINVAL;
    if (--s->input_burst == 0)
        tcp_send_deferred_acks(s);
    return 0;
}

/* ---- drops and trace ---- */

void weir_drop(weir_stack *s, weir_drop_reason r, const uint8_t *frame, size_t len)
{
    s->stats.drops[r]++;
    s->stats.drops_total++;
    if (weir_tracing(s)) {
        weir_trace_event ev = {.kind = WEIR_TRACE_DROP,
                               .drop = r,
                               .frame = frame,
                               .frame_len = len,
                               .sock = -1,
                               .reason = weir_drop_desc(r)};
        weir_trace_emit(s, &ev);
    }
}

void weir_trace_emit(weir_stack *s, weir_trace_event *ev)
{
    ev->now_us = s->now_us;
    s->cfg.trace(s->cfg.trace_ctx, ev);
}

void weir_stats_get(const weir_stack *s, weir_stats *out)
{
    if (!s || !out)
        return;
    *out = s->stats;
    out->mem_cached = s->mem_cached;
}

/* ---- socket handles and events ---- */

static uint32_t slot_mask(const weir_stack *s) { return (UINT32_C(1) << s->slot_bits) - 1; }

static uint32_t generation_mask(const weir_stack *s)
{
    return (UINT32_C(1) << (31 - s->slot_bits)) - 1; /* bit 31 stays 0: handles are positive */
}

static int make_handle(const weir_stack *s, uint32_t slot, uint32_t gen)
{
    return (int)((gen << s->slot_bits) | slot);
}

/* Size the handle fields for max_sockets and put every slot on the free FIFO, lowest first. */
static void sock_table_init(weir_stack *s)
{
    s->slot_bits = HANDLE_MIN_SLOT_BITS;
    while ((UINT32_C(1) << s->slot_bits) < s->cfg.max_sockets)
        s->slot_bits++;
    for (uint32_t i = 0; i < s->cfg.max_sockets; i++)
        s->socks[i].next_free = i + 1 < s->cfg.max_sockets ? i + 1 : SLOT_NONE;
    s->free_head = 0;
    s->free_tail = s->cfg.max_sockets - 1;
}

int weir_sock_alloc_kind(weir_stack *s, weir_sock_kind kind, void *obj)
{
    uint32_t i = s->free_head;
    if (i == SLOT_NONE)
        return WEIR_ENOBUFS;
    weir_sock_slot *k = &s->socks[i];
    s->free_head = k->next_free;
    if (s->free_head == SLOT_NONE)
        s->free_tail = SLOT_NONE;
    k->used = true;
    k->kind = (uint8_t)kind;
    k->obj = obj;
    k->pending = 0;
    k->pending_err = 0;
    k->pending_soft_err = 0;
    return make_handle(s, i, k->generation);
}

int weir_sock_alloc(weir_stack *s, tcp_conn *conn)
{
    return weir_sock_alloc_kind(s, WEIR_SOCK_TCP, conn);
}

uint32_t weir_sock_slot_index(const weir_stack *s, int handle) { return (uint32_t)handle & slot_mask(s); }

static weir_sock_slot *slot_of(weir_stack *s, int handle)
{
    if (!s || handle < 0)
        return NULL;
    uint32_t slot = (uint32_t)handle & slot_mask(s);
    uint32_t gen = (uint32_t)handle >> s->slot_bits;
    if (slot >= s->cfg.max_sockets)
        return NULL;
    weir_sock_slot *k = &s->socks[slot];
    return (k->used && k->generation == gen) ? k : NULL;
}

void *weir_sock_obj(weir_stack *s, int handle, weir_sock_kind kind)
{
    weir_sock_slot *k = slot_of(s, handle);
    return k && k->kind == kind ? k->obj : NULL;
}

tcp_conn *weir_sock_conn(weir_stack *s, int handle)
{
    return weir_sock_obj(s, handle, WEIR_SOCK_TCP);
}

void weir_sock_release(weir_stack *s, int handle)
{
    weir_sock_slot *k = slot_of(s, handle);
    if (!k)
        return;
    k->used = false;
    k->obj = NULL;
    k->pending = 0; /* a queued entry for this slot is skipped when popped */
    k->generation = (k->generation + 1) & generation_mask(s);
    uint32_t slot = (uint32_t)(k - s->socks);
    k->next_free = SLOT_NONE;
    if (s->free_tail == SLOT_NONE)
        s->free_head = slot;
    else
        s->socks[s->free_tail].next_free = slot;
    s->free_tail = slot;
}

/* A socket's undelivered events are one bit each in weir_sock_slot.pending, in the order they
 * are delivered (lowest bit first): CONNECTED before READABLE before PEER_CLOSED before CLOSED,
 * URGENT before READABLE, so an application learns that urgent data is pending before it reads
 * past it, and SOFT_ERROR before ERROR. Indexed by type: notify, which runs for every segment
 * that brings data, needs no search. */
static const uint16_t k_event_bit[] = {
    [WEIR_EV_CONNECTED] = 1u << 0, [WEIR_EV_ACCEPTABLE] = 1u << 1, [WEIR_EV_URGENT] = 1u << 2,
    [WEIR_EV_READABLE] = 1u << 3,  [WEIR_EV_WRITABLE] = 1u << 4,   [WEIR_EV_PEER_CLOSED] = 1u << 5,
    [WEIR_EV_CLOSED] = 1u << 6,    [WEIR_EV_SOFT_ERROR] = 1u << 7, [WEIR_EV_ERROR] = 1u << 8,
};
#define EVENT_TYPES (sizeof k_event_bit / sizeof k_event_bit[0] - 1)
_Static_assert(EVENT_TYPES == WEIR_EV_URGENT, "every event type has its place in the order");

static uint16_t event_bit(weir_event_type type)
{
    return (unsigned)type <= EVENT_TYPES ? k_event_bit[type] : 0;
}

/* The type whose bit is the lowest of `pending` (not 0). */
static weir_event_type first_event(uint16_t pending)
{
    uint16_t lowest = (uint16_t)(pending & -pending);
    unsigned type = 1;
    while (k_event_bit[type] != lowest)
        type++;
    return (weir_event_type)type;
}

void weir_sock_notify(weir_stack *s, int handle, weir_event_type type, int err)
{
    weir_sock_slot *k = slot_of(s, handle);
    if (!k)
        return;
    k->pending |= event_bit(type);
    if (type == WEIR_EV_ERROR)
        k->pending_err = (int16_t)err; /* WEIR_E* codes are small negatives */
    if (type == WEIR_EV_SOFT_ERROR)
        k->pending_soft_err = (int16_t)err;
    if (!k->queued) {
        uint32_t slot = (uint32_t)handle & slot_mask(s);
        uint32_t tail = (s->event_head + s->event_count) % s->cfg.max_sockets;
        s->event_ring[tail] = slot;
        s->event_count++;
        k->queued = true;
    }
}

bool weir_stack_next_event(weir_stack *s, weir_event *ev)
{
    if (!s || !ev)
        return false;
    while (s->event_count > 0) {
        uint32_t slot = s->event_ring[s->event_head];
        weir_sock_slot *k = &s->socks[slot];
        if (!k->used || k->pending == 0) {
            k->queued = false;
            s->event_head = (s->event_head + 1) % s->cfg.max_sockets;
            s->event_count--;
            continue;
        }
        weir_event_type type = first_event(k->pending);
        k->pending &= (uint16_t)~k_event_bit[type];
        ev->type = type;
        ev->sock = make_handle(s, slot, k->generation);
        ev->err = type == WEIR_EV_ERROR        ? k->pending_err
                  : type == WEIR_EV_SOFT_ERROR ? k->pending_soft_err
                                               : 0;
        if (k->pending == 0) {
            k->queued = false;
            s->event_head = (s->event_head + 1) % s->cfg.max_sockets;
            s->event_count--;
        }
        return true;
    }
    return false;
}
