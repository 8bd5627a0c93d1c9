/* arp.c — Ethernet links: the neighbour table (ARP, RFC 826 with RFC 1122 §2.3.2.1–2) and the
 * last step of output, which puts an Ethernet header in front of an IP packet.
 *
 * The table is a fixed array (cfg.arp_entries) searched linearly: a host talks to a handful of
 * neighbours (its gateway, a few on-link peers). An entry is INCOMPLETE while we ask (a request
 * per second, three at most, with up to WEIR_ARP_PENDING packets held — RFC 1122 §2.3.2.2: "SHOULD
 * save (rather than discard) at least one (the latest) packet"), then REACHABLE for
 * cfg.arp_reachable_us. An answer is only merged into an entry we have, or taken when it is
 * addressed to us (RFC 826's "merge flag" rule), so a flood of ARP for other hosts cannot fill
 * the table. */
#include <string.h>

#include "ip/ip.h"
#include "wire/arp.h"
#include "wire/ethernet.h"

#define ARP_RETRY_US 1000000u
#define ARP_MAX_REQUESTS 3

typedef enum { ARP_FREE = 0, ARP_INCOMPLETE, ARP_REACHABLE } arp_state;

/* A packet waiting for its neighbour, with room for the Ethernet header in front. */
typedef struct arp_pending {
    struct arp_pending *next;
    size_t len;
    uint8_t frame[]; /* WEIR_LINK_HEADROOM bytes, then the IP packet */
} arp_pending;

typedef struct weir_arp_entry {
    uint8_t state;
    uint8_t requests;   /* sent while INCOMPLETE */
    uint8_t npending;
    int netif;
    uint32_t ip;
    uint8_t mac[6];
    uint64_t deadline;  /* INCOMPLETE: next request; REACHABLE: expiry */
    uint64_t used_at;   /* for eviction */
    arp_pending *pending;
} weir_arp_entry;

static const uint8_t k_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

int weir_arp_create(weir_stack *s)
{
    if (s->arp || s->cfg.arp_entries == 0)
        return 0;
    s->arp = weir_alloc(s, sizeof(weir_arp_entry) * s->cfg.arp_entries);
    return s->arp ? 0 : WEIR_ENOMEM;
}

static void free_pending(weir_stack *s, weir_arp_entry *e, bool count_drops)
{
    while (e->pending) {
        arp_pending *p = e->pending;
        e->pending = p->next;
        if (count_drops)
            weir_drop(s, WEIR_DROP_ARP_UNRESOLVED, p->frame + WEIR_LINK_HEADROOM, p->len);
        weir_free(s, p, sizeof *p + WEIR_LINK_HEADROOM + p->len);
    }
    e->npending = 0;
}

void weir_arp_destroy(weir_stack *s)
{
    if (!s->arp)
        return;
    for (uint32_t i = 0; i < s->cfg.arp_entries; i++)
        free_pending(s, &s->arp[i], false);
    weir_free(s, s->arp, sizeof(weir_arp_entry) * s->cfg.arp_entries);
    s->arp = NULL;
}

static weir_arp_entry *find(weir_stack *s, int netif, uint32_t ip)
{
    for (uint32_t i = 0; s->arp && i < s->cfg.arp_entries; i++) {
        weir_arp_entry *e = &s->arp[i];
        if (e->state != ARP_FREE && e->netif == netif && e->ip == ip)
            return e;
    }
    return NULL;
}

/* A free entry, else the least recently used one that holds no packets. */
static weir_arp_entry *claim(weir_stack *s)
{
    weir_arp_entry *victim = NULL;
    for (uint32_t i = 0; s->arp && i < s->cfg.arp_entries; i++) {
        weir_arp_entry *e = &s->arp[i];
        if (e->state == ARP_FREE)
            return e;
        if (e->npending == 0 && (!victim || e->used_at < victim->used_at))
            victim = e;
    }
    if (victim)
        memset(victim, 0, sizeof *victim);
    return victim;
}

/* ---- frames out ---- */

static int transmit(weir_stack *s, int netif, const uint8_t *frame, size_t len)
{
    weir_netif_slot *n = &s->netifs[netif];
    weir_count(s, WEIR_CTR_FRAMES_OUT);
    int rc = n->transmit(n->transmit_ctx, frame, len);
    if (rc < 0)
        weir_count(s, WEIR_CTR_FRAMES_OUT_FAILED);
    return rc < 0 ? rc : 0;
}

/* Write the Ethernet header into the headroom before `pkt` and send the frame. */
static int send_ethernet(weir_stack *s, int netif, const uint8_t dst[6], uint16_t type,
                         uint8_t *pkt, size_t len)
{
    weir_eth_repr eth = {.ethertype = type};
    memcpy(eth.dst, dst, 6);
    memcpy(eth.src, s->netifs[netif].mac, 6);
    uint8_t *frame = pkt - WEIR_ETH_HEADER_LEN;
    weir_eth_emit_header(&eth, frame, WEIR_ETH_HEADER_LEN);
    return transmit(s, netif, frame, len + WEIR_ETH_HEADER_LEN);
}

static int send_arp(weir_stack *s, int netif, uint16_t op, const uint8_t dst_mac[6],
                    uint32_t target_ip, const uint8_t target_mac[6])
{
    uint8_t buf[WEIR_ETH_HEADER_LEN + WEIR_ARP_LEN];
    weir_arp_repr a = {.operation = op, .sender_ip = s->netifs[netif].ip, .target_ip = target_ip};
    memcpy(a.sender_mac, s->netifs[netif].mac, 6);
    if (target_mac)
        memcpy(a.target_mac, target_mac, 6);
    weir_arp_emit(&a, buf + WEIR_ETH_HEADER_LEN, WEIR_ARP_LEN);
    weir_count(s, op == WEIR_ARP_REQUEST ? WEIR_CTR_ARP_REQUESTS_SENT : WEIR_CTR_ARP_REPLIES_SENT);
    return send_ethernet(s, netif, dst_mac, WEIR_ETHERTYPE_ARP, buf + WEIR_ETH_HEADER_LEN,
                         WEIR_ARP_LEN);
}

static void request(weir_stack *s, weir_arp_entry *e)
{
    e->requests++;
    e->deadline = s->now_us + ARP_RETRY_US;
    send_arp(s, e->netif, WEIR_ARP_REQUEST, k_broadcast, e->ip, NULL);
}

/* Hold a copy of the packet until the neighbour answers; the oldest goes when too many wait. */
static void hold(weir_stack *s, weir_arp_entry *e, const uint8_t *pkt, size_t len)
{
    if (e->npending == WEIR_ARP_PENDING) {
        arp_pending *old = e->pending;
        e->pending = old->next;
        e->npending--;
        weir_drop(s, WEIR_DROP_ARP_QUEUE_FULL, old->frame + WEIR_LINK_HEADROOM, old->len);
        weir_free(s, old, sizeof *old + WEIR_LINK_HEADROOM + old->len);
    }
    arp_pending *p = weir_alloc(s, sizeof *p + WEIR_LINK_HEADROOM + len);
    if (!p) {
        weir_drop(s, WEIR_DROP_ARP_QUEUE_FULL, pkt, len);
        return;
    }
    p->len = len;
    memcpy(p->frame + WEIR_LINK_HEADROOM, pkt, len);
    arp_pending **tail = &e->pending;
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
    e->npending++;
}

static void flush(weir_stack *s, weir_arp_entry *e)
{
    while (e->pending) {
        arp_pending *p = e->pending;
        e->pending = p->next;
        send_ethernet(s, e->netif, e->mac, WEIR_ETHERTYPE_IPV4, p->frame + WEIR_LINK_HEADROOM,
                      p->len);
        weir_free(s, p, sizeof *p + WEIR_LINK_HEADROOM + p->len);
    }
    e->npending = 0;
}

int weir_link_output(weir_stack *s, int netif, uint32_t next_hop, uint8_t *pkt, size_t len)
{
    weir_netif_slot *n = &s->netifs[netif];
    if (n->medium == WEIR_MEDIUM_IP)
        return transmit(s, netif, pkt, len);
    if (weir_ip_is_broadcast(n, next_hop))
        return send_ethernet(s, netif, k_broadcast, WEIR_ETHERTYPE_IPV4, pkt, len);
    if ((next_hop >> 28) == 0xe) { /* RFC 1112 §6.4: 01:00:5e + the low 23 bits */
        uint8_t mac[6] = {0x01, 0x00, 0x5e, (uint8_t)(next_hop >> 16 & 0x7f),
                          (uint8_t)(next_hop >> 8), (uint8_t)next_hop};
        return send_ethernet(s, netif, mac, WEIR_ETHERTYPE_IPV4, pkt, len);
    }
    weir_arp_entry *e = find(s, netif, next_hop);
    if (e && e->state == ARP_REACHABLE) {
        e->used_at = s->now_us;
        return send_ethernet(s, netif, e->mac, WEIR_ETHERTYPE_IPV4, pkt, len);
    }
    if (!e) {
        e = claim(s);
        if (!e) {
            weir_drop(s, WEIR_DROP_ARP_TABLE_FULL, pkt, len);
            return WEIR_ENOBUFS;
        }
        e->state = ARP_INCOMPLETE;
        e->netif = netif;
        e->ip = next_hop;
        e->used_at = s->now_us;
        hold(s, e, pkt, len);
        request(s, e);
        return 0;
    }
    hold(s, e, pkt, len); /* INCOMPLETE: the request is already out */
    return 0;
}

/* ---- frames in ---- */

static bool group_mac(const uint8_t mac[6]) { return mac[0] & 1; }

static void learn(weir_stack *s, weir_arp_entry *e, const uint8_t mac[6])
{
    memcpy(e->mac, mac, 6);
    e->state = ARP_REACHABLE;
    e->requests = 0;
    e->deadline = s->now_us + s->cfg.arp_reachable_us;
    e->used_at = s->now_us;
    flush(s, e);
}

void weir_arp_input(weir_stack *s, int netif, const uint8_t *frame, size_t len,
                    const uint8_t *arp, size_t arp_len)
{
    weir_arp_repr a;
    if (weir_arp_parse(arp, arp_len, &a) != WEIR_WIRE_OK) {
        weir_drop(s, WEIR_DROP_ARP_MALFORMED, frame, len);
        return;
    }
    weir_netif_slot *n = &s->netifs[netif];
    if (a.sender_ip == n->ip || group_mac(a.sender_mac) || a.sender_ip == 0) {
        weir_drop(s, WEIR_DROP_ARP_BAD_SENDER, frame, len);
        return;
    }
    /* RFC 826: merge into an entry we have; add one only when the packet is for us. */
    bool for_us = a.target_ip == n->ip;
    weir_arp_entry *e = find(s, netif, a.sender_ip);
    if (!e && for_us) {
        e = claim(s);
        if (e) {
            e->netif = netif;
            e->ip = a.sender_ip;
        }
    }
    if (e)
        learn(s, e, a.sender_mac);
    if (!for_us) {
        if (!e)
            weir_drop(s, WEIR_DROP_ARP_NOT_FOR_US, frame, len);
        return;
    }
    if (a.operation == WEIR_ARP_REQUEST)
        send_arp(s, netif, WEIR_ARP_REPLY, a.sender_mac, a.sender_ip, a.sender_mac);
}

/* ---- timers ---- */

void weir_arp_forget(weir_stack *s, int netif, uint32_t ip)
{
    weir_arp_entry *e = find(s, netif, ip);
    if (e && e->state == ARP_REACHABLE)
        memset(e, 0, sizeof *e); /* a REACHABLE entry holds no packets */
}

void weir_arp_timers(weir_stack *s)
{
    for (uint32_t i = 0; s->arp && i < s->cfg.arp_entries; i++) {
        weir_arp_entry *e = &s->arp[i];
        if (e->state == ARP_FREE || e->deadline > s->now_us)
            continue;
        if (e->state == ARP_INCOMPLETE && e->requests < ARP_MAX_REQUESTS) {
            request(s, e);
            continue;
        }
        /* Unanswered three times, or an answer grown old: forget it (and what waited). */
        free_pending(s, e, true);
        memset(e, 0, sizeof *e);
    }
}

uint64_t weir_arp_next_deadline(const weir_stack *s)
{
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; s->arp && i < s->cfg.arp_entries; i++)
        if (s->arp[i].state != ARP_FREE && s->arp[i].deadline < next)
            next = s->arp[i].deadline;
    return next;
}
