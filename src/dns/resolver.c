/* resolver.c — the stub resolver's state machine (see resolver.h for how to drive it).
 *
 * Read RFC 1035 §7.2-7.3 and RFC 1123 §6.1.3.3 first. The states are few: IDLE, PENDING (a query
 * prepared; tries_sent says how many went out), and a final status. All decisions about bytes
 * are the codec's (src/wire/dns.c); this file decides only whom to believe and when to retry.
 *
 * Choices worth knowing:
 * - Every retry repeats the same query: same ID, same source port. An answer to an earlier try
 *   that arrives late is still the answer to our question (RFC 1035 §7.3: a resolver "should be
 *   able to use a response from any of the transmissions"), and accepting it is what lets a
 *   resolution succeed over a path slower than the first timeout. A fresh ID per try would
 *   either throw such answers away or have to accept every ID used so far, which hands a
 *   spoofer as many guesses as keeping one; it would also need a random value per try.
 * - Datagrams that are not the answer (wrong address or port, MISMATCH) and broken ones
 *   (MALFORMED) are counted and ignored, never fatal: either could be forged by someone who
 *   cannot see our query, and ending on them would let that someone cut the resolution short.
 * - The default 1 s first timeout is shorter than the 5 s RFC 1123 §6.1.3.3 suggests when no RTT
 *   is known; with doubling and 3 tries the whole attempt still lasts 7 s, about what a user of
 *   a stub resolver waits. Both are configurable. */
#include "resolver.h"

#include <string.h>

#include "wire/dns.h"

/* Dotted-quad digits: four decimal parts 0..255, no sign, no leading zero (so "010" is not read
 * as octal or decimal by guesswork), nothing else — the strict form inet_pton() accepts. */
static bool parse_ipv4_literal(const char *s, uint32_t *ip)
{
    uint32_t addr = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *s++ != '.')
            return false;
        if (*s < '0' || *s > '9')
            return false;
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            if (digits == 3 || (digits == 1 && v == 0))
                return false;
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (v > 255)
            return false;
        addr = addr << 8 | v;
    }
    if (*s != '\0')
        return false;
    *ip = addr;
    return true;
}

/* Copies a NUL-terminated string of known bounded length (a name weir_dns_build_query accepted,
 * at most 254 chars, or a literal) into dst[cap], truncating rather than overrunning. */
static void copy_name(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    while (n + 1 < cap && src[n] != '\0')
        n++;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void finish(weir_dns_resolver *r, weir_dns_status st, uint64_t now_us)
{
    r->status = st;
    r->finished_us = now_us;
    r->deadline_us = UINT64_MAX;
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void weir_dns_resolver_init(weir_dns_resolver *r, const weir_dns_resolver_config *cfg)
{
    memset(r, 0, sizeof(*r));
    r->cfg.timeout_us = WEIR_DNS_RESOLVER_TIMEOUT_US;
    r->cfg.tries = WEIR_DNS_RESOLVER_TRIES;
    if (cfg != NULL && cfg->timeout_us != 0)
        r->cfg.timeout_us = cfg->timeout_us < WEIR_DNS_RESOLVER_MAX_TIMEOUT_US
                                ? cfg->timeout_us
                                : WEIR_DNS_RESOLVER_MAX_TIMEOUT_US;
    if (cfg != NULL && cfg->tries != 0)
        r->cfg.tries =
            cfg->tries < WEIR_DNS_RESOLVER_MAX_TRIES ? cfg->tries : WEIR_DNS_RESOLVER_MAX_TRIES;
    r->status = WEIR_DNS_IDLE;
    r->deadline_us = UINT64_MAX;
}

/* Everything but the configuration goes back to zero: a restarted resolver remembers nothing of
 * the previous name, in particular not its ID or port. */
static void reset(weir_dns_resolver *r)
{
    weir_dns_resolver_config cfg = r->cfg;
    memset(r, 0, sizeof(*r));
    r->cfg = cfg;
    r->status = WEIR_DNS_IDLE;
    r->deadline_us = UINT64_MAX;
}

static void answer_literal(weir_dns_resolver *r, const char *name, uint32_t ip)
{
    weir_dns_result *res = &r->result;
    res->nanswers = 1;
    res->naddrs = 1;
    res->addrs[0] = ip;
    /* ttl stays 0: the address did not come from DNS and has nothing to expire. */
    copy_name(res->canonical_name, sizeof(res->canonical_name), name);
    res->canonical_len = strlen(res->canonical_name);
}

weir_dns_status weir_dns_resolver_start(weir_dns_resolver *r, const char *name, uint32_t server_ip,
                                        uint64_t now_us, uint32_t random_u32)
{
    reset(r);
    if (name == NULL)
        return WEIR_DNS_NAME_INVALID;
    r->started_us = now_us;
    uint32_t ip;
    if (parse_ipv4_literal(name, &ip)) {
        answer_literal(r, name, ip);
        finish(r, WEIR_DNS_OK, now_us);
        return WEIR_DNS_OK;
    }
    /* Both halves of `random_u32` are used, and only once: 16 bits of ID and 14 of port are what a
     * blind spoofer must guess together. 16384 ports divide 65536 evenly, so the draw is
     * uniform. */
    uint16_t id = (uint16_t)random_u32;
    int n = weir_dns_build_query(r->query, sizeof(r->query), id, name, WEIR_DNS_TYPE_A);
    if (n < 0)
        return (weir_dns_status)-n;
    r->query_len = (size_t)n;
    r->id = id;
    r->src_port = (uint16_t)(WEIR_DNS_RESOLVER_PORT_MIN +
                             ((random_u32 >> 16) % WEIR_DNS_RESOLVER_PORT_COUNT));
    r->server_ip = server_ip;
    copy_name(r->name, sizeof(r->name), name);
    r->status = WEIR_DNS_PENDING;
    r->deadline_us = now_us; /* the first try goes out at once */
    return WEIR_DNS_PENDING;
}

bool weir_dns_resolver_next_send(weir_dns_resolver *r, uint64_t now_us, weir_dns_datagram *out)
{
    if (r->status != WEIR_DNS_PENDING || now_us < r->deadline_us)
        return false;
    if (r->tries_sent >= r->cfg.tries) {
        finish(r, WEIR_DNS_TIMEOUT, now_us);
        return false;
    }
    /* RFC 1123 §6.1.3.3: exponential backoff. The timeout runs from this transmission, not from
     * the old deadline, so a caller that wakes up late does not get a shorter wait. */
    uint64_t timeout = r->cfg.timeout_us << r->tries_sent;
    r->tries_sent++;
    r->stats.sent++;
    r->deadline_us = add_saturating(now_us, timeout);
    out->data = r->query;
    out->len = r->query_len;
    out->dst_ip = r->server_ip;
    out->dst_port = WEIR_DNS_PORT;
    out->src_port = r->src_port;
    return true;
}

/* An answer comes from the address and port the query went to, and to the port it came from.
 * RFC 1035 §7.3 mentions servers that answer from another address; we do not take those, as
 * RFC 5452 advises: the server's address is one more thing a blind spoofer must match. */
static bool from_our_server(const weir_dns_resolver *r, uint32_t from_ip, uint16_t from_port,
                            uint16_t to_port)
{
    return from_ip == r->server_ip && from_port == WEIR_DNS_PORT && to_port == r->src_port;
}

weir_dns_status weir_dns_resolver_on_datagram(weir_dns_resolver *r, const uint8_t *data, size_t len,
                                              uint32_t from_ip, uint16_t from_port,
                                              uint16_t to_port, uint64_t now_us)
{
    if (r->status != WEIR_DNS_PENDING || r->tries_sent == 0) {
        r->stats.unexpected++;
        return WEIR_DNS_MISMATCH;
    }
    if (!from_our_server(r, from_ip, from_port, to_port)) {
        r->stats.wrong_endpoint++;
        return WEIR_DNS_MISMATCH;
    }
    /* The codec writes the result only for an authentic answer, so a rejected datagram cannot
     * disturb it. An answer that arrives after the last timeout expired but before the caller
     * ran next_send to notice is still taken: it is here and it is ours. */
    weir_dns_status st =
        weir_dns_parse_response(data, len, r->id, r->name, WEIR_DNS_TYPE_A, &r->result);
    switch (st) {
    case WEIR_DNS_MISMATCH:
        r->stats.mismatched++;
        return st;
    case WEIR_DNS_MALFORMED:
        r->stats.malformed++;
        return st;
    default:
        finish(r, st, now_us);
        return st;
    }
}

uint64_t weir_dns_resolver_deadline(const weir_dns_resolver *r)
{
    return r->status == WEIR_DNS_PENDING ? r->deadline_us : UINT64_MAX;
}

weir_dns_status weir_dns_resolver_status(const weir_dns_resolver *r) { return r->status; }

const weir_dns_result *weir_dns_resolver_result(const weir_dns_resolver *r) { return &r->result; }

uint16_t weir_dns_resolver_src_port(const weir_dns_resolver *r) { return r->src_port; }

const weir_dns_resolver_stats *weir_dns_resolver_get_stats(const weir_dns_resolver *r)
{
    return &r->stats;
}
