/* resolver.h — a sans-IO stub resolver: one name, one server, A records, over UDP.
 *
 * Read RFC 1035 §7 (resolver behaviour; §7.3 on matching responses) and RFC 1123 §6.1.3.3
 * (retransmission with exponential backoff, bounded, then a soft error), then RFC 5452 on why
 * the ID and the source port must both be random: together they are what an off-path spoofer has
 * to guess. (RFC 1123 and RFC 5452 are not in ../shared/rfc.)
 *
 * The resolver does no I/O and keeps no clock: the caller owns the socket, passes `now` in
 * microseconds and supplies the random value. It is a fixed-size, caller-owned struct; nothing is
 * allocated. Driving it (error handling left out):
 *
 *     weir_dns_resolver r;
 *     weir_dns_resolver_init(&r, NULL);                       // 1 s, doubling, 3 tries
 *     weir_dns_resolver_start(&r, "example.com", dns_server, now(), random32());
 *     // bind a UDP socket to weir_dns_resolver_src_port(&r) — unless it already answered
 *     while (weir_dns_resolver_status(&r) == WEIR_DNS_PENDING) {
 *         weir_dns_datagram d;
 *         if (weir_dns_resolver_next_send(&r, now(), &d))
 *             sendto(d.dst_ip, d.dst_port, d.data, d.len);    // from port d.src_port
 *         if (weir_dns_resolver_status(&r) != WEIR_DNS_PENDING)
 *             break;                                          // the last try timed out
 *         wait_for_datagram_until(weir_dns_resolver_deadline(&r));
 *         if (got one)
 *             weir_dns_resolver_on_datagram(&r, buf, n, from_ip, from_port, to_port, now());
 *     }
 *     if (weir_dns_resolver_status(&r) == WEIR_DNS_OK)
 *         use(weir_dns_resolver_result(&r)->addrs, ->naddrs);
 *
 * There is no TCP fallback: a response with TC set ends the resolution with WEIR_DNS_TRUNCATED.
 * A stub asking for A records almost never meets one (it takes a long CNAME chain or dozens of
 * addresses to pass 512 octets), and TCP would need a connection the caller would have to run. */
#ifndef WEIR_DNS_RESOLVER_H
#define WEIR_DNS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dns.h"

#define WEIR_DNS_RESOLVER_TIMEOUT_US 1000000u /* the first try's timeout; each retry doubles it */
#define WEIR_DNS_RESOLVER_TRIES 3             /* transmissions in all */
#define WEIR_DNS_RESOLVER_MAX_TRIES 8
#define WEIR_DNS_RESOLVER_MAX_TIMEOUT_US 60000000u
/* RFC 6335 §6: the dynamic ports, 49152-65535, where the source port is drawn. */
#define WEIR_DNS_RESOLVER_PORT_MIN 49152u
#define WEIR_DNS_RESOLVER_PORT_COUNT 16384u

typedef struct weir_dns_resolver_config {
    uint64_t timeout_us; /* first timeout; 0 means WEIR_DNS_RESOLVER_TIMEOUT_US; capped at
                          * WEIR_DNS_RESOLVER_MAX_TIMEOUT_US */
    uint8_t tries;       /* 0 means WEIR_DNS_RESOLVER_TRIES; capped at ..._MAX_TRIES */
} weir_dns_resolver_config;

/* A datagram to send. `data` points into the resolver and stays valid until the next call. */
typedef struct weir_dns_datagram {
    const uint8_t *data;
    size_t len;
    uint32_t dst_ip;   /* host byte order: the server */
    uint16_t dst_port; /* 53 */
    uint16_t src_port; /* the port the resolver drew; replies are accepted only there */
} weir_dns_datagram;

/* What happened to the datagrams offered to on_datagram, for the caller's counters and logs. */
typedef struct weir_dns_resolver_stats {
    uint32_t sent;           /* transmissions, the first one included */
    uint32_t unexpected;     /* offered while nothing was outstanding */
    uint32_t wrong_endpoint; /* not from server:53, or not to our source port */
    uint32_t mismatched;     /* from the server, but not the answer to our query */
    uint32_t malformed;      /* from the server, our ID and question, but broken */
} weir_dns_resolver_stats;

/* Caller-owned; read it only through the functions below. */
typedef struct weir_dns_resolver {
    weir_dns_resolver_config cfg;
    weir_dns_status status; /* PENDING until an answer, an error or the last timeout */
    uint8_t tries_sent;
    uint16_t id;
    uint16_t src_port;
    uint32_t server_ip;
    uint64_t deadline_us; /* next transmission or the final timeout */
    uint64_t started_us, finished_us;
    size_t query_len;
    uint8_t query[WEIR_DNS_QUERY_MAX];
    char name[WEIR_DNS_NAME_TEXT_MAX + 2]; /* as given: up to 253 chars and a trailing dot */
    weir_dns_result result;
    weir_dns_resolver_stats stats;
} weir_dns_resolver;

/* Sets the configuration (NULL: the defaults) and leaves the resolver idle (WEIR_DNS_IDLE). */
void weir_dns_resolver_init(weir_dns_resolver *r, const weir_dns_resolver_config *cfg);

/* Starts resolving `name` through the server at server_ip (host byte order, port 53). A dotted-
 * quad literal ("192.0.2.1") is answered at once without a query: returns WEIR_DNS_OK. Otherwise
 * draws the transaction ID from the low 16 bits of `random_u32` and the source port from the high
 * ones, prepares the query and returns WEIR_DNS_PENDING: the first transmission is due at now_us.
 * An invalid name returns WEIR_DNS_NAME_INVALID and leaves the resolver idle. Restarting a
 * resolver that is still pending abandons the old query. */
weir_dns_status weir_dns_resolver_start(weir_dns_resolver *r, const char *name, uint32_t server_ip,
                                        uint64_t now_us, uint32_t random_u32);

/* Runs the timer: when a (re)transmission is due at now_us, fills *out and returns true; when
 * the last try has timed out, ends with WEIR_DNS_TIMEOUT. Returns false when there is nothing
 * to send. Call it after start and whenever now_us reaches weir_dns_resolver_deadline(). */
bool weir_dns_resolver_next_send(weir_dns_resolver *r, uint64_t now_us, weir_dns_datagram *out);

/* Offers a received UDP datagram. Only one from server_ip port 53 to our source port, carrying
 * our ID and our question, can end the resolution; anything else is counted and ignored, and the
 * resolver keeps waiting (a spoofer or a stale answer must not end it). Returns what the datagram
 * was: the final status (OK, NXDOMAIN, SERVFAIL, REFUSED, RCODE_OTHER, NO_ANSWER, TRUNCATED) when
 * it ended the resolution, MISMATCH or MALFORMED when it was ignored. */
weir_dns_status weir_dns_resolver_on_datagram(weir_dns_resolver *r, const uint8_t *data, size_t len,
                                              uint32_t from_ip, uint16_t from_port,
                                              uint16_t to_port, uint64_t now_us);

/* When to call next_send again; UINT64_MAX when the resolver is not pending. */
uint64_t weir_dns_resolver_deadline(const weir_dns_resolver *r);

/* PENDING while running; then the outcome (OK, an RCODE result, NO_ANSWER, TRUNCATED, TIMEOUT). */
weir_dns_status weir_dns_resolver_status(const weir_dns_resolver *r);

/* The answer: meaningful when the status is OK, NO_ANSWER or an RCODE result. */
const weir_dns_result *weir_dns_resolver_result(const weir_dns_resolver *r);

/* The source port drawn by start (0 for a literal): bind the socket there. */
uint16_t weir_dns_resolver_src_port(const weir_dns_resolver *r);

const weir_dns_resolver_stats *weir_dns_resolver_get_stats(const weir_dns_resolver *r);

#endif
