/* ipv4.c — IPv4 input and output for a host (RFC 791, RFC 1122 §3).
 *
 * Input validates the header (src/wire), checks the packet is for us, and hands TCP segments to the
 * engine. Output builds the header in front of the payload the caller wrote into the stack's
 * scratch buffer, so a segment is assembled once and copied only by the driver. */
#include <string.h>

#include "core/core.h"
#include "ip/ip.h"
#include "tcp/tcp_conn.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

static uint32_t prefix_mask(uint8_t len) { return len == 0 ? 0 : 0xffffffffu << (32 - len); }

bool weir_ip_is_local(const weir_stack *s, uint32_t addr)
{
    for (int i = 0; i < WEIR_MAX_NETIFS; i++)
        if (s->netifs[i].used && s->netifs[i].ip == addr)
            return true;
    return false;
}

/* Longest prefix wins among connected subnets and static routes (a connected subnet beats a
 * route of the same length). */
static int route_lookup(const weir_stack *s, uint32_t dst, uint32_t *next_hop)
{
    int best = -1, best_len = -1;
    uint32_t hop = dst;
    for (int i = 0; i < WEIR_MAX_NETIFS; i++) {
        const weir_netif_slot *n = &s->netifs[i];
        uint32_t m = prefix_mask(n->prefix_len);
        if (n->used && (dst & m) == (n->ip & m) && n->prefix_len > best_len) {
            best = i;
            best_len = n->prefix_len;
        }
    }
    for (int r = 0; r < WEIR_MAX_ROUTES; r++) {
        if (!s->routes[r].used || s->routes[r].prefix_len <= best_len)
            continue;
        uint32_t m = prefix_mask(s->routes[r].prefix_len);
        if ((dst & m) != s->routes[r].dst)
            continue;
        int via = route_lookup(s, s->routes[r].gateway, NULL);
        if (via < 0 || best_len >= (int)s->routes[r].prefix_len)
            continue;
        best = via;
        best_len = s->routes[r].prefix_len;
        hop = s->routes[r].gateway;
    }
    if (best < 0) {
        /* No route at all: a point-to-point link (TUN) reaches everything beyond it. */
        for (int i = 0; i < WEIR_MAX_NETIFS && best < 0; i++)
            if (s->netifs[i].used && s->netifs[i].medium == WEIR_MEDIUM_IP)
                best = i;
    }
    if (next_hop)
        *next_hop = hop;
    return best;
}

/* The route cache: every segment is routed (TCP routes before it writes its checksum, in case
 * the interface computes it), and the lookup walks every interface and route. The answer only
 * changes when an interface or a route does, and then the whole cache is emptied, so a cached
 * answer is always the one route_lookup() would give. Direct-mapped by a fold of the
 * destination: destinations that collide only take turns, at the uncached cost. */
static uint32_t route_cache_index(uint32_t dst)
{
    return (dst ^ (dst >> 8) ^ (dst >> 16) ^ (dst >> 24)) & (WEIR_ROUTE_CACHE - 1);
}

static weir_route_cache_entry *route_cache_slot(weir_stack *s, uint32_t dst)
{
    return &s->route_cache[route_cache_index(dst)];
}

/* For callers holding a const stack: a cached answer if there is one, else the lookup (not
 * cached; the packets that follow fill the entry through weir_ip_route_via). */
int weir_ip_route(const weir_stack *s, uint32_t dst)
{
    const weir_route_cache_entry *e = &s->route_cache[route_cache_index(dst)];
    return e->valid && e->dst == dst ? e->netif : route_lookup(s, dst, NULL);
}

int weir_ip_route_via(weir_stack *s, uint32_t dst, uint32_t *next_hop)
{
    weir_route_cache_entry *e = route_cache_slot(s, dst);
    if (!e->valid || e->dst != dst) {
        e->netif = route_lookup(s, dst, &e->next_hop);
        e->dst = dst;
        e->valid = true;
    }
    if (next_hop)
        *next_hop = e->next_hop;
    return e->netif;
}

void weir_ip_route_cache_flush(weir_stack *s) { memset(s->route_cache, 0, sizeof s->route_cache); }

void weir_ip_negative_advice(weir_stack *s, uint32_t dst)
{
    uint32_t next_hop;
    int netif = weir_ip_route_via(s, dst, &next_hop);
    if (netif >= 0)
        weir_arp_forget(s, netif, next_hop);
}

bool weir_ip_is_broadcast(const weir_netif_slot *n, uint32_t ip)
{
    if (ip == 0xffffffffu)
        return true;
    if (n->prefix_len >= 31)
        return false; /* RFC 3021: /31 and /32 have no broadcast address */
    uint32_t m = prefix_mask(n->prefix_len);
    return (ip & m) == (n->ip & m) && (ip & ~m) == ~m;
}

/* RFC 1122 §3.2.1.3: the forms of address that name no single host. A host never answers
 * one, takes one as a source (§3.2.1.3 (a)-(g), §3.2.2, RFC 9293 MUST-63), nor opens a
 * connection to one (MUST-46):
 *   0/8         "this network": a source only while a host learns its address (§3.2.1.3 (a),
 *               (b)); weir never does that;
 *   127/8       loopback, which "MUST NOT appear outside a host" (g). weir has no loopback
 *               device: an interface numbered in 127/8 is the embedder's, and only it carries
 *               these (netif < 0: any of ours, for callers that do not know the interface);
 *   224/4       multicast (RFC 1112), never a source and never a TCP peer;
 *   240/4       reserved class E (RFC 1112 §4), which holds 255.255.255.255, the limited
 *               broadcast (c);
 *   directed    the broadcast address of any of our subnets (d)-(f), whichever interface the
 *               packet came on or would leave by. */
static bool loopback_netif(const weir_netif_slot *n) { return n->used && (n->ip >> 24) == 127; }

bool weir_ip_not_single_host(const weir_stack *s, int netif, uint32_t addr)
{
    uint32_t net8 = addr >> 24;
    if (net8 == 0 || (addr >> 28) >= 0xe)
        return true;
    if (net8 == 127) {
        if (netif >= 0)
            return !loopback_netif(&s->netifs[netif]);
        for (int i = 0; i < WEIR_MAX_NETIFS; i++)
            if (loopback_netif(&s->netifs[i]))
                return false;
        return true;
    }
    /* A directed broadcast has every host bit set, and a subnet with one (at most /30) has at
     * least two host bits: most unicast addresses are told apart here, for every packet. */
    if ((addr & 3u) != 3u)
        return false;
    for (int i = 0; i < WEIR_MAX_NETIFS; i++)
        if (s->netifs[i].used && weir_ip_is_broadcast(&s->netifs[i], addr))
            return true;
    return false;
}

static bool on_link(const weir_stack *s, uint32_t addr)
{
    for (int i = 0; i < WEIR_MAX_NETIFS; i++) {
        const weir_netif_slot *n = &s->netifs[i];
        uint32_t m = prefix_mask(n->prefix_len);
        if (n->used && (addr & m) == (n->ip & m))
            return true;
    }
    return false;
}

int weir_route_add(weir_stack *s, uint32_t dst, uint8_t prefix_len, uint32_t gateway)
{
    if (!s || prefix_len > 32 || (dst & ~prefix_mask(prefix_len)) != 0 || gateway == 0)
        return WEIR_EINVAL;
    if (!on_link(s, gateway))
        return WEIR_ENETUNREACH; /* routes through routes are not followed */
    int slot = -1;
    for (int r = 0; r < WEIR_MAX_ROUTES; r++) {
        if (s->routes[r].used && s->routes[r].dst == dst && s->routes[r].prefix_len == prefix_len) {
            slot = r;
            break;
        }
        if (!s->routes[r].used && slot < 0)
            slot = r;
    }
    if (slot < 0)
        return WEIR_ENOBUFS;
    s->routes[slot].used = true;
    s->routes[slot].dst = dst;
    s->routes[slot].prefix_len = prefix_len;
    s->routes[slot].gateway = gateway;
    weir_ip_route_cache_flush(s);
    return 0;
}

int weir_route_del(weir_stack *s, uint32_t dst, uint8_t prefix_len)
{
    if (!s)
        return WEIR_EINVAL;
    for (int r = 0; r < WEIR_MAX_ROUTES; r++) {
        if (s->routes[r].used && s->routes[r].dst == dst && s->routes[r].prefix_len == prefix_len) {
            s->routes[r].used = false;
            weir_ip_route_cache_flush(s);
            return 0;
        }
    }
    return WEIR_ENOENT;
}

uint8_t *weir_ip_payload_buf(weir_stack *s, size_t *cap)
{
    *cap = s->tx_cap > WEIR_IPV4_MIN_HEADER ? s->tx_cap - WEIR_IPV4_MIN_HEADER : 0;
    return s->tx_buf ? s->tx_buf + WEIR_LINK_HEADROOM + WEIR_IPV4_MIN_HEADER : NULL;
}

int weir_ip_send(weir_stack *s, uint32_t src, uint32_t dst, uint8_t protocol, size_t payload_len)
{
    uint32_t next_hop;
    int idx = weir_ip_route_via(s, dst, &next_hop);
    return weir_ip_send_via(s, idx, next_hop, src, dst, protocol, 0, payload_len);
}

int weir_ip_send_via(weir_stack *s, int idx, uint32_t next_hop, uint32_t src, uint32_t dst,
                     uint8_t protocol, uint8_t tos, size_t payload_len)
{
    if (idx < 0) {
        weir_drop(s, WEIR_DROP_IP_NO_ROUTE, NULL, 0);
        return WEIR_ENETUNREACH;
    }
    weir_netif_slot *n = &s->netifs[idx];
    size_t total = WEIR_IPV4_MIN_HEADER + payload_len;
    if (total > n->mtu)
        return WEIR_EMSGSIZE;
    /* RFC 6864: our packets are atomic (DF set), so the ID only has to differ from its recent
     * predecessors; a counter from a random start does, without asking the embedder's random
     * source (a system call in hosted programs) for every packet. */
    weir_ipv4_repr ip = {.src = src,
                         .dst = dst,
                         .protocol = protocol,
                         .ttl = s->cfg.ip_ttl,
                         .tos = tos,
                         .ident = s->ip_ident++,
                         .dont_fragment = true,
                         .payload_len = payload_len};
    uint8_t *pkt = s->tx_buf + WEIR_LINK_HEADROOM;
    bool checksum = !weir_netif_csum_offloaded(s, idx, WEIR_NETIF_CSUM_IPV4);
    if (weir_ipv4_emit_header_csum(&ip, pkt, s->tx_cap, checksum) < 0)
        return WEIR_EINVAL;
    if (weir_tracing(s)) {
        weir_trace_event ev = {.kind = WEIR_TRACE_FRAME_OUT, .netif = idx, .frame = pkt,
                               .frame_len = total, .sock = -1};
        weir_trace_emit(s, &ev);
    }
    return weir_link_output(s, idx, next_hop, pkt, total);
}

static weir_drop_reason ip_drop_reason(weir_wire_status st)
{
    switch (st) {
    case WEIR_WIRE_BAD_VERSION:
        return WEIR_DROP_IP_BAD_VERSION;
    case WEIR_WIRE_BAD_HEADER_LEN:
        return WEIR_DROP_IP_BAD_HEADER_LEN;
    case WEIR_WIRE_BAD_LENGTH:
        return WEIR_DROP_IP_BAD_TOTAL_LEN;
    case WEIR_WIRE_BAD_CHECKSUM:
        return WEIR_DROP_IP_BAD_CHECKSUM;
    default:
        return WEIR_DROP_IP_TRUNCATED;
    }
}

static weir_drop_reason tcp_drop_reason(weir_wire_status st)
{
    switch (st) {
    case WEIR_WIRE_BAD_HEADER_LEN:
        return WEIR_DROP_TCP_BAD_HEADER_LEN;
    case WEIR_WIRE_BAD_CHECKSUM:
        return WEIR_DROP_TCP_BAD_CHECKSUM;
    case WEIR_WIRE_BAD_OPTION:
        return WEIR_DROP_TCP_BAD_OPTION;
    default:
        return WEIR_DROP_TCP_TRUNCATED;
    }
}

/* A source we must never answer, for every protocol: no single host (weir_ip_not_single_host:
 * broadcast, multicast, reserved, 0/8, loopback off a loopback interface) or one of our own
 * addresses. RFC 9293 §3.9.2.3 (MUST-63): "An incoming SYN with an invalid source address MUST
 * be ignored either by TCP or by the IP layer"; done here, so UDP and ICMP never answer one
 * either (RFC 1122 §3.2.1.3, §3.2.2). */
static bool bad_source(const weir_stack *s, int netif, uint32_t src)
{
    return weir_ip_not_single_host(s, netif, src) || weir_ip_is_local(s, src);
}

static void tcp_packet_input(weir_stack *s, int netif, const weir_ipv4_repr *ip,
                             const uint8_t *pkt, size_t len, bool verify)
{
    weir_tcp_repr seg;
    weir_wire_status st =
        weir_tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, verify, &seg);
    if (st != WEIR_WIRE_OK) {
        weir_drop(s, tcp_drop_reason(st), pkt, len);
        return;
    }
    if (seg.src_port == 0 || seg.dst_port == 0) {
        weir_drop(s, WEIR_DROP_TCP_BAD_PORT, pkt, len);
        return;
    }
    weir_count(s, WEIR_CTR_TCP_SEGMENTS_IN);
    tcp_input(s, netif, ip->src, ip->dst, &seg, pkt, len, ip->tos & WEIR_IP_ECN_MASK);
}

/* `offload`: the WEIR_NETIF_CSUM_* bits whose checksums the link has verified already. */
static void ip_input(weir_stack *s, int netif, const uint8_t *pkt, size_t len, unsigned offload)
{
    weir_ipv4_repr ip;
    weir_wire_status st = weir_ipv4_parse(pkt, len, !(offload & WEIR_NETIF_CSUM_IPV4), &ip);
    if (st != WEIR_WIRE_OK) {
        weir_drop(s, ip_drop_reason(st), pkt, len);
        return;
    }
    if (!weir_ip_is_local(s, ip.dst)) {
        weir_drop(s, WEIR_DROP_IP_NOT_FOR_US, pkt, len);
        return;
    }
    if (bad_source(s, netif, ip.src)) {
        weir_drop(s, WEIR_DROP_IP_BAD_SOURCE, pkt, len);
        return;
    }
    if (ip.more_fragments || ip.frag_offset != 0) {
        weir_frag_input(s, netif, &ip, pkt, len);
        return;
    }
    weir_count(s, WEIR_CTR_IP_PACKETS_IN);
    switch (ip.protocol) {
    case WEIR_IP_PROTO_TCP:
        tcp_packet_input(s, netif, &ip, pkt, len, !(offload & WEIR_NETIF_CSUM_TCP));
        break;
    case WEIR_IP_PROTO_ICMP:
        weir_icmp_input(s, &ip, pkt, len);
        break;
    case WEIR_IP_PROTO_UDP:
        weir_udp_input(s, &ip, pkt, len, !(offload & WEIR_NETIF_CSUM_UDP));
        break;
    default:
        weir_drop(s, WEIR_DROP_IP_UNKNOWN_PROTOCOL, pkt, len);
        weir_icmp_send_unreachable(s, WEIR_ICMP_UNREACH_PROTOCOL, &ip, pkt, len);
        break;
    }
}

void weir_ip_input(weir_stack *s, int netif, const uint8_t *pkt, size_t len)
{
    ip_input(s, netif, pkt, len, s->netifs[netif].csum_offload);
}

void weir_ip_input_reassembled(weir_stack *s, int netif, const uint8_t *pkt, size_t len)
{
    ip_input(s, netif, pkt, len, 0);
}
