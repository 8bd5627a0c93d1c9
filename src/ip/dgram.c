/* dgram.c — datagram sockets: UDP (RFC 768, RFC 1122 §4.1) and ICMP echo ("ping sockets").
 *
 * Both kinds are the same record: a local address and port (for a ping socket, the port is its
 * echo identifier), an optional connected peer, a bounded queue of received datagrams and a
 * pending error. A received datagram is copied once, into a queue node from the stack's
 * allocator; the queue is bounded in bytes (cfg.dgram_recv_buffer) and what does not fit is a
 * counted drop, as a full socket buffer is for the kernel.
 *
 * The socket list is searched linearly: datagram sockets are few (a resolver, a ping); TCP,
 * where there are many, has its hash table. Source ports are drawn at random for each bind
 * (RFC 6056 §3.3.1), which is what DNS needs against spoofed answers (RFC 5452). */
#include <string.h>

#include "ip/ip.h"
#include "weir/ping.h"
#include "weir/udp.h"
#include "wire/udp.h"

#define UDP_MAX_PAYLOAD 65507u /* 65535 - 20 (IPv4) - 8 (UDP) */

typedef struct dgram {
    struct dgram *next;
    uint32_t from_ip;
    uint16_t from_port; /* UDP source port; for an echo reply, its sequence number */
    uint8_t ttl;
    size_t len;
    uint8_t data[];
} dgram;

typedef struct dgram_sock {
    struct dgram_sock *next;
    weir_sock_kind kind;
    int handle;
    uint32_t local_ip;
    uint16_t local_port; /* 0 = not bound; the echo identifier of a ping socket */
    bool connected;
    uint32_t remote_ip;
    uint16_t remote_port;
    dgram *head, *tail;
    uint32_t queued_bytes;
    weir_dgram_sink_fn sink; /* the stack's own user, instead of the queue */
    weir_dgram_error_fn sink_error;
    void *sink_ctx;
    int error; /* pending WEIR_E* from an ICMP error, returned once */
} dgram_sock;

/* ---- the socket list ---- */

static dgram_sock *sock_of(weir_stack *s, int handle, weir_sock_kind kind)
{
    return weir_sock_obj(s, handle, kind);
}

static int open_socket(weir_stack *s, weir_sock_kind kind)
{
    if (!s)
        return WEIR_EINVAL;
    dgram_sock *d = weir_alloc(s, sizeof *d);
    if (!d)
        return WEIR_ENOMEM;
    int h = weir_sock_alloc_kind(s, kind, d);
    if (h < 0) {
        weir_free(s, d, sizeof *d);
        return h;
    }
    d->kind = kind;
    d->handle = h;
    d->next = s->dgrams;
    s->dgrams = d;
    return h;
}

static void drop_queue(weir_stack *s, dgram_sock *d)
{
    while (d->head) {
        dgram *g = d->head;
        d->head = g->next;
        weir_free(s, g, sizeof *g + g->len);
    }
    d->tail = NULL;
    d->queued_bytes = 0;
}

static void free_socket(weir_stack *s, dgram_sock *d)
{
    for (dgram_sock **p = &s->dgrams; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    drop_queue(s, d);
    weir_free(s, d, sizeof *d);
}

static int close_socket(weir_stack *s, int handle, weir_sock_kind kind)
{
    dgram_sock *d = sock_of(s, handle, kind);
    if (!d)
        return WEIR_EBADF;
    weir_sock_release(s, handle);
    free_socket(s, d);
    return 0;
}

void weir_dgram_destroy_all(weir_stack *s)
{
    while (s->dgrams) {
        dgram_sock *d = s->dgrams;
        weir_sock_release(s, d->handle);
        free_socket(s, d);
    }
}

static bool port_taken(const weir_stack *s, weir_sock_kind kind, uint32_t ip, uint16_t port)
{
    for (const dgram_sock *d = s->dgrams; d; d = d->next)
        if (d->kind == kind && d->local_port == port &&
            (d->local_ip == 0 || ip == 0 || d->local_ip == ip))
            return true;
    return false;
}

/* A random free port in the ephemeral range (RFC 6056 §3.3.1: a random draw each time). */
static int pick_port(weir_stack *s, weir_sock_kind kind, uint32_t ip, uint16_t *port)
{
    uint32_t lo = s->cfg.ephemeral_lo, span = (uint32_t)s->cfg.ephemeral_hi - lo + 1;
    uint32_t r;
    weir_random_bytes(s, &r, sizeof r);
    for (uint32_t i = 0; i < span; i++) {
        uint16_t p = (uint16_t)(lo + (r + i) % span);
        if (!port_taken(s, kind, ip, p)) {
            *port = p;
            return 0;
        }
    }
    return WEIR_EADDRINUSE;
}

static int take_error(dgram_sock *d)
{
    int e = d->error;
    d->error = 0;
    return e;
}

/* ---- receiving ---- */

static bool enqueue(weir_stack *s, dgram_sock *d, uint32_t from_ip, uint16_t from_port,
                    uint8_t ttl, const uint8_t *data, size_t len)
{
    if (d->queued_bytes + len > s->cfg.dgram_recv_buffer)
        return false;
    dgram *g = weir_alloc(s, sizeof *g + len);
    if (!g)
        return false;
    g->from_ip = from_ip;
    g->from_port = from_port;
    g->ttl = ttl;
    g->len = len;
    if (len > 0)
        memcpy(g->data, data, len);
    if (d->tail)
        d->tail->next = g;
    else
        d->head = g;
    d->tail = g;
    d->queued_bytes += (uint32_t)len;
    weir_sock_notify(s, d->handle, WEIR_EV_READABLE, 0);
    return true;
}

static dgram *dequeue(dgram_sock *d)
{
    dgram *g = d->head;
    if (!g)
        return NULL;
    d->head = g->next;
    if (!d->head)
        d->tail = NULL;
    d->queued_bytes -= (uint32_t)g->len;
    return g;
}

/* The socket a datagram to ip:port from src:sport belongs to: a connected socket only takes its
 * peer's datagrams; a socket bound to a specific address only that address's. */
static dgram_sock *udp_lookup(weir_stack *s, uint32_t ip, uint16_t port, uint32_t src,
                              uint16_t sport)
{
    for (dgram_sock *d = s->dgrams; d; d = d->next) {
        if (d->kind != WEIR_SOCK_UDP || d->local_port != port)
            continue;
        if (d->local_ip != 0 && d->local_ip != ip)
            continue;
        if (d->connected && (d->remote_ip != src || d->remote_port != sport))
            continue;
        return d;
    }
    return NULL;
}

void weir_udp_input(weir_stack *s, const weir_ipv4_repr *ip, const uint8_t *pkt, size_t len,
                    bool verify)
{
    weir_udp_repr u;
    weir_wire_status st =
        weir_udp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, verify, &u);
    if (st != WEIR_WIRE_OK) {
        weir_drop(s, st == WEIR_WIRE_BAD_CHECKSUM ? WEIR_DROP_UDP_BAD_CHECKSUM
                                                  : WEIR_DROP_UDP_MALFORMED,
                  pkt, len);
        return;
    }
    if (u.dst_port == 0 || u.src_port == 0) {
        weir_drop(s, WEIR_DROP_UDP_MALFORMED, pkt, len);
        return;
    }
    dgram_sock *d = udp_lookup(s, ip->dst, u.dst_port, ip->src, u.src_port);
    if (!d) {
        /* RFC 1122 §4.1.3.1: "If a datagram arrives addressed to a UDP port for which there is
         * no pending LISTEN call, UDP SHOULD send an ICMP Port Unreachable message." */
        weir_drop(s, WEIR_DROP_UDP_NO_SOCKET, pkt, len);
        weir_icmp_send_unreachable(s, WEIR_ICMP_UNREACH_PORT, ip, pkt, len);
        return;
    }
    if (d->sink) {
        weir_count(s, WEIR_CTR_UDP_DATAGRAMS_IN);
        d->sink(s, d->sink_ctx, ip->src, u.src_port, u.dst_port, u.payload, u.payload_len);
        return;
    }
    if (!enqueue(s, d, ip->src, u.src_port, ip->ttl, u.payload, u.payload_len)) {
        weir_drop(s, WEIR_DROP_UDP_RCVBUF_FULL, pkt, len);
        return;
    }
    weir_count(s, WEIR_CTR_UDP_DATAGRAMS_IN);
}

bool weir_ping_deliver(weir_stack *s, const weir_ipv4_repr *ip, const weir_icmp_repr *msg)
{
    for (dgram_sock *d = s->dgrams; d; d = d->next) {
        if (d->kind != WEIR_SOCK_PING || d->local_port != msg->ident)
            continue;
        if (!enqueue(s, d, ip->src, msg->seq, ip->ttl, msg->payload, msg->payload_len))
            weir_drop(s, WEIR_DROP_UDP_RCVBUF_FULL, NULL, 0);
        return true;
    }
    return false;
}

/* RFC 1122 §4.1.3.3: UDP MUST pass ICMP errors up to the application. Only a connected socket
 * can tell which of its datagrams the error is about, so only it is told (as Linux does). */
bool weir_dgram_icmp_error(weir_stack *s, const weir_icmp_error *e)
{
    bool hard;
    int err = weir_icmp_error_code(e, &hard);
    if (e->protocol == WEIR_IP_PROTO_UDP) {
        uint16_t sport = weir_get16(e->l4), dport = weir_get16(e->l4 + 2);
        for (dgram_sock *d = s->dgrams; d; d = d->next) {
            if (d->kind != WEIR_SOCK_UDP || d->local_port != sport || !d->connected ||
                d->remote_ip != e->dst || d->remote_port != dport)
                continue;
            if (d->sink) {
                if (d->sink_error)
                    d->sink_error(s, d->sink_ctx, err);
                return true;
            }
            d->error = err;
            weir_sock_notify(s, d->handle, WEIR_EV_ERROR, err);
            return true;
        }
        return false;
    }
    if (e->protocol == WEIR_IP_PROTO_ICMP && e->l4[0] == WEIR_ICMP_ECHO_REQUEST) {
        uint16_t ident = weir_get16(e->l4 + 4);
        for (dgram_sock *d = s->dgrams; d; d = d->next) {
            if (d->kind != WEIR_SOCK_PING || d->local_port != ident)
                continue;
            d->error = err;
            weir_sock_notify(s, d->handle, WEIR_EV_ERROR, err);
            return true;
        }
    }
    return false;
}

/* ---- sending ---- */

/* Our address for a packet to dst: the socket's own, or that of the interface the route picks. */
static int source_for(const weir_stack *s, uint32_t bound, uint32_t dst, uint32_t *src)
{
    if (bound != 0) {
        *src = bound;
        return 0;
    }
    int idx = weir_ip_route(s, dst);
    if (idx < 0)
        return WEIR_ENETUNREACH;
    *src = s->netifs[idx].ip;
    return 0;
}

static int ensure_bound(weir_stack *s, dgram_sock *d)
{
    if (d->local_port != 0)
        return 0;
    return pick_port(s, WEIR_SOCK_UDP, d->local_ip, &d->local_port);
}

/* ---- the UDP API ---- */

int weir_udp_socket(weir_stack *s) { return open_socket(s, WEIR_SOCK_UDP); }

int weir_udp_bind(weir_stack *s, int sock, weir_endpoint local)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_UDP);
    if (!d)
        return WEIR_EBADF;
    if (d->local_port != 0)
        return WEIR_EINVAL; /* already bound */
    if (local.ip != 0 && !weir_ip_is_local(s, local.ip))
        return WEIR_EINVAL;
    if (local.port == 0) {
        d->local_ip = local.ip;
        return pick_port(s, WEIR_SOCK_UDP, local.ip, &d->local_port);
    }
    if (port_taken(s, WEIR_SOCK_UDP, local.ip, local.port))
        return WEIR_EADDRINUSE;
    d->local_ip = local.ip;
    d->local_port = local.port;
    return 0;
}

int weir_udp_connect(weir_stack *s, int sock, weir_endpoint remote)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_UDP);
    if (!d)
        return WEIR_EBADF;
    if (remote.ip == 0 || remote.port == 0)
        return WEIR_EINVAL;
    int rc = ensure_bound(s, d);
    if (rc)
        return rc;
    d->connected = true;
    d->remote_ip = remote.ip;
    d->remote_port = remote.port;
    d->error = 0;
    return 0;
}

int weir_udp_sendto(weir_stack *s, int sock, const void *data, size_t len,
                    const weir_endpoint *to)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_UDP);
    if (!d)
        return WEIR_EBADF;
    if ((!data && len > 0) || len > UDP_MAX_PAYLOAD)
        return len > UDP_MAX_PAYLOAD ? WEIR_EMSGSIZE : WEIR_EINVAL;
    if (d->error)
        return take_error(d);
    weir_endpoint dst = to ? *to : (weir_endpoint){d->remote_ip, d->remote_port};
    if (!to && !d->connected)
        return WEIR_ENOTCONN;
    if (dst.ip == 0 || dst.port == 0)
        return WEIR_EINVAL;
    int rc = ensure_bound(s, d);
    uint32_t src = 0;
    if (rc == 0)
        rc = source_for(s, d->local_ip, dst.ip, &src);
    if (rc)
        return rc;
    size_t cap;
    uint8_t *out = weir_ip_payload_buf(s, &cap);
    if (!out || WEIR_UDP_HEADER_LEN + len > cap)
        return WEIR_EMSGSIZE; /* we set DF and never fragment */
    weir_udp_repr u = {.src_port = d->local_port, .dst_port = dst.port, .payload = data,
                       .payload_len = len};
    uint32_t hop;
    int netif = weir_ip_route_via(s, dst.ip, &hop);
    bool checksum = !weir_netif_csum_offloaded(s, netif, WEIR_NETIF_CSUM_UDP);
    int n = weir_udp_emit_csum(&u, src, dst.ip, out, cap, checksum);
    if (n < 0)
        return WEIR_EMSGSIZE;
    rc = weir_ip_send_via(s, netif, hop, src, dst.ip, WEIR_IP_PROTO_UDP, 0, (size_t)n);
    if (rc)
        return rc;
    weir_count(s, WEIR_CTR_UDP_DATAGRAMS_OUT);
    return (int)len;
}

/* Take the oldest datagram of `d`: its data (up to cap bytes) into buf and its header into
 * *out. Returns the bytes copied, a pending error (once) or WEIR_EAGAIN. */
static int take_datagram(weir_stack *s, dgram_sock *d, void *buf, size_t cap, dgram *out)
{
    if (d->error)
        return take_error(d);
    dgram *g = dequeue(d);
    if (!g)
        return WEIR_EAGAIN;
    size_t n = g->len < cap ? g->len : cap;
    if (n > 0)
        memcpy(buf, g->data, n);
    *out = *g; /* the header fields; data[] is not copied */
    weir_free(s, g, sizeof *g + g->len);
    if (d->head)
        weir_sock_notify(s, d->handle, WEIR_EV_READABLE, 0);
    return (int)n;
}

int weir_udp_recvfrom(weir_stack *s, int sock, void *buf, size_t cap, weir_endpoint *from)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_UDP);
    if (!d)
        return WEIR_EBADF;
    if (!buf && cap > 0)
        return WEIR_EINVAL;
    dgram g = {0};
    int n = take_datagram(s, d, buf, cap, &g);
    if (n >= 0 && from) {
        from->ip = g.from_ip;
        from->port = g.from_port;
    }
    return n;
}

int weir_udp_local(weir_stack *s, int sock, weir_endpoint *out)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_UDP);
    if (!d)
        return WEIR_EBADF;
    if (!out)
        return WEIR_EINVAL;
    out->ip = d->local_ip;
    out->port = d->local_port;
    return 0;
}

int weir_udp_close(weir_stack *s, int sock) { return close_socket(s, sock, WEIR_SOCK_UDP); }

int weir_udp_set_sink(weir_stack *s, int sock, weir_dgram_sink_fn fn, weir_dgram_error_fn on_error,
                      void *ctx)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_UDP);
    if (!d)
        return WEIR_EBADF;
    d->sink = fn;
    d->sink_error = on_error;
    d->sink_ctx = ctx;
    return 0;
}

/* ---- the ping API ---- */

int weir_ping_socket(weir_stack *s)
{
    int h = open_socket(s, WEIR_SOCK_PING);
    if (h < 0)
        return h;
    dgram_sock *d = sock_of(s, h, WEIR_SOCK_PING);
    /* Identifiers: a counter from a random start, skipping those in use. */
    if (s->next_ping_ident == 0)
        weir_random_bytes(s, &s->next_ping_ident, sizeof s->next_ping_ident);
    for (uint32_t i = 0; i < 65536; i++) {
        uint16_t id = s->next_ping_ident++;
        if (id != 0 && !port_taken(s, WEIR_SOCK_PING, 0, id)) {
            d->local_port = id;
            return h;
        }
    }
    close_socket(s, h, WEIR_SOCK_PING);
    return WEIR_ENOBUFS;
}

int weir_ping_send(weir_stack *s, int sock, uint32_t dst, uint16_t seq, const void *data,
                   size_t len)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_PING);
    if (!d)
        return WEIR_EBADF;
    if ((!data && len > 0) || dst == 0)
        return WEIR_EINVAL;
    uint32_t src;
    int rc = source_for(s, 0, dst, &src);
    if (rc)
        return rc;
    size_t cap;
    uint8_t *out = weir_ip_payload_buf(s, &cap);
    weir_icmp_repr m = {.type = WEIR_ICMP_ECHO_REQUEST, .ident = d->local_port, .seq = seq,
                        .payload = data, .payload_len = len};
    int n = out ? weir_icmp_emit(&m, out, cap) : -1;
    if (n < 0)
        return WEIR_EMSGSIZE;
    rc = weir_ip_send(s, src, dst, WEIR_IP_PROTO_ICMP, (size_t)n);
    if (rc)
        return rc;
    weir_count(s, WEIR_CTR_ICMP_ECHO_REQUESTS);
    return 0;
}

int weir_ping_recv(weir_stack *s, int sock, weir_ping_reply *reply, void *buf, size_t cap)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_PING);
    if (!d)
        return WEIR_EBADF;
    if (!reply || (!buf && cap > 0))
        return WEIR_EINVAL;
    dgram g = {0};
    int n = take_datagram(s, d, buf, cap, &g);
    if (n < 0)
        return n;
    *reply = (weir_ping_reply){.from = g.from_ip, .seq = g.from_port, .ttl = g.ttl, .len = g.len};
    return 0;
}

int weir_ping_ident(weir_stack *s, int sock)
{
    dgram_sock *d = sock_of(s, sock, WEIR_SOCK_PING);
    return d ? d->local_port : WEIR_EBADF;
}

int weir_ping_close(weir_stack *s, int sock) { return close_socket(s, sock, WEIR_SOCK_PING); }
