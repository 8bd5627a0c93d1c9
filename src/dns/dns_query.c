/* dns_query.c — the public name lookup (weir/dns.h): the sans-IO resolver (resolver.c) bound to a
 * UDP socket of the stack and to the stack's clock.
 *
 * Each lookup owns a UDP socket bound to the source port its resolver drew; datagrams for that
 * socket come straight here (weir_udp_set_sink) rather than into a queue, and the resolver
 * decides whether they answer the query. Retransmissions are timers of the stack: the lookup's
 * deadline is part of weir_stack_next_deadline(). */
#include <string.h>

#include "dns/dns_query.h"
#include "dns/resolver.h"
#include "ip/ip.h"
#include "weir/dns.h"
#include "weir/udp.h"

typedef struct dns_query {
    struct dns_query *next;
    int handle;
    int udp;            /* the socket, or -1 once the lookup has ended */
    int icmp_error;     /* the server is unreachable (ICMP): the lookup ended with this */
    weir_dns_resolver r;
} dns_query;

static dns_query *query_of(weir_stack *s, int handle)
{
    return weir_sock_obj(s, handle, WEIR_SOCK_DNS);
}

static void close_udp(weir_stack *s, dns_query *q)
{
    if (q->udp >= 0)
        weir_udp_close(s, q->udp);
    q->udp = -1;
}

/* The lookup ended (answer, error or last timeout): tell the application. */
static void finish(weir_stack *s, dns_query *q)
{
    close_udp(s, q);
    weir_sock_notify(s, q->handle, WEIR_EV_READABLE, 0);
}

static void send_due(weir_stack *s, dns_query *q)
{
    weir_dns_datagram d;
    if (weir_dns_resolver_next_send(&q->r, s->now_us, &d)) {
        weir_endpoint to = {d.dst_ip, d.dst_port};
        /* A failed send (no route yet, ARP pending) is just a lost datagram: the retry covers it. */
        weir_udp_sendto(s, q->udp, d.data, d.len, &to);
    }
    if (weir_dns_resolver_status(&q->r) != WEIR_DNS_PENDING)
        finish(s, q);
}

static void on_datagram(weir_stack *s, void *ctx, uint32_t from_ip, uint16_t from_port,
                        uint16_t to_port, const uint8_t *data, size_t len)
{
    dns_query *q = ctx;
    weir_dns_resolver_on_datagram(&q->r, data, len, from_ip, from_port, to_port, s->now_us);
    if (weir_dns_resolver_status(&q->r) != WEIR_DNS_PENDING)
        finish(s, q);
}

/* Port unreachable from the server (nothing listens on 53) or host unreachable: no answer will
 * come, so the lookup ends now instead of after every retry (RFC 1122 §4.1.3.3). */
static void on_icmp_error(weir_stack *s, void *ctx, int err)
{
    dns_query *q = ctx;
    if (q->udp < 0)
        return;
    q->icmp_error = err;
    finish(s, q);
}

/* A UDP socket on the port the resolver drew, connected to the server so that its ICMP errors
 * reach us; when the port is taken, draw again. */
static int open_socket(weir_stack *s, dns_query *q, const char *name, uint32_t server)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        uint32_t r;
        weir_random_bytes(s, &r, sizeof r);
        weir_dns_status st = weir_dns_resolver_start(&q->r, name, server, s->now_us, r);
        if (st == WEIR_DNS_OK)
            return 0; /* a literal address: no query */
        if (st != WEIR_DNS_PENDING)
            return WEIR_EINVAL;
        int u = weir_udp_socket(s);
        if (u < 0)
            return u;
        weir_endpoint local = {0, weir_dns_resolver_src_port(&q->r)};
        int rc = weir_udp_bind(s, u, local);
        if (rc == 0)
            rc = weir_udp_connect(s, u, (weir_endpoint){server, 53});
        if (rc == 0) {
            q->udp = u;
            return weir_udp_set_sink(s, u, on_datagram, on_icmp_error, q);
        }
        weir_udp_close(s, u);
        if (rc != WEIR_EADDRINUSE)
            return rc;
    }
    return WEIR_EADDRINUSE;
}

static void free_query(weir_stack *s, dns_query *q)
{
    for (dns_query **p = &s->dns; *p; p = &(*p)->next) {
        if (*p == q) {
            *p = q->next;
            break;
        }
    }
    close_udp(s, q);
    weir_sock_release(s, q->handle);
    weir_free(s, q, sizeof *q);
}

int weir_dns_resolve(weir_stack *s, const char *name, uint32_t server)
{
    if (!s || !name || server == 0)
        return WEIR_EINVAL;
    dns_query *q = weir_alloc(s, sizeof *q);
    if (!q)
        return WEIR_ENOMEM;
    q->udp = -1;
    q->handle = weir_sock_alloc_kind(s, WEIR_SOCK_DNS, q);
    if (q->handle < 0) {
        int rc = q->handle;
        weir_free(s, q, sizeof *q);
        return rc;
    }
    q->next = s->dns;
    s->dns = q;
    weir_dns_resolver_init(&q->r, NULL);
    int rc = open_socket(s, q, name, server);
    if (rc < 0) {
        free_query(s, q);
        return rc;
    }
    if (q->udp < 0)
        finish(s, q); /* answered at once */
    else
        send_due(s, q);
    return q->handle;
}

static int status_error(weir_dns_status st)
{
    switch (st) {
    case WEIR_DNS_OK:
        return 0;
    case WEIR_DNS_PENDING:
        return WEIR_EAGAIN;
    case WEIR_DNS_NXDOMAIN:
    case WEIR_DNS_NO_ANSWER:
        return WEIR_ENOENT;
    case WEIR_DNS_TIMEOUT:
        return WEIR_ETIMEDOUT;
    default:
        return WEIR_ESERVFAIL;
    }
}

int weir_dns_get_answer(weir_stack *s, int handle, weir_dns_answer *out)
{
    dns_query *q = query_of(s, handle);
    if (!q)
        return WEIR_EBADF;
    weir_dns_status st = weir_dns_resolver_status(&q->r);
    if (q->icmp_error) {
        if (out) {
            memset(out, 0, sizeof *out);
            out->detail = "UNREACHABLE";
        }
        return q->icmp_error;
    }
    if (st != WEIR_DNS_PENDING && out) {
        const weir_dns_result *res = weir_dns_resolver_result(&q->r);
        memset(out, 0, sizeof *out);
        int n = res->naddrs < WEIR_DNS_MAX_ADDRS ? (int)res->naddrs : WEIR_DNS_MAX_ADDRS;
        for (int i = 0; i < n; i++)
            out->addrs[i] = res->addrs[i];
        out->naddrs = st == WEIR_DNS_OK ? n : 0;
        out->ttl = res->ttl;
        size_t len = res->canonical_len < sizeof out->canonical - 1 ? res->canonical_len
                                                                    : sizeof out->canonical - 1;
        memcpy(out->canonical, res->canonical_name, len);
        out->detail = weir_dns_status_name(st);
    }
    return status_error(st);
}

int weir_dns_close(weir_stack *s, int handle)
{
    dns_query *q = query_of(s, handle);
    if (!q)
        return WEIR_EBADF;
    free_query(s, q);
    return 0;
}

void weir_dns_timers(weir_stack *s)
{
    for (dns_query *q = s->dns; q; q = q->next)
        if (q->udp >= 0 && weir_dns_resolver_deadline(&q->r) <= s->now_us)
            send_due(s, q);
}

uint64_t weir_dns_next_deadline(const weir_stack *s)
{
    uint64_t next = UINT64_MAX;
    for (const dns_query *q = s->dns; q; q = q->next) {
        uint64_t d = q->udp >= 0 ? weir_dns_resolver_deadline(&q->r) : UINT64_MAX;
        if (d < next)
            next = d;
    }
    return next;
}

void weir_dns_destroy_all(weir_stack *s)
{
    while (s->dns)
        free_query(s, s->dns);
}
