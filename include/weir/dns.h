/* weir/dns.h — name lookups: a stub resolver (RFC 1035) on weir's own UDP.
 *
 * weir_dns_resolve() starts a lookup of the A records of a name (following CNAME chains) at one
 * name server and returns a handle; WEIR_EV_READABLE on that handle says the result is ready. The
 * query goes from a random source port with a random ID (RFC 5452), is resent after 1 s, 2 s
 * (three tries), and the answer is checked strictly (RFC 1035, RFC 9267: compression pointers
 * only backwards, names and counts bounded by the data); anything else from the network is
 * ignored, so a forged or stale answer cannot end the lookup. An IPv4 literal ("198.18.0.1")
 * resolves at once, without a query. No cache, no TCP fallback for truncated answers. */
#ifndef WEIR_DNS_H
#define WEIR_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "weir/tcp.h" /* weir_stack */

#ifdef __cplusplus
extern "C" {
#endif

#define WEIR_DNS_MAX_ADDRS 8

typedef struct weir_dns_answer {
    uint32_t addrs[WEIR_DNS_MAX_ADDRS]; /* host order, in the server's order */
    int naddrs;
    uint32_t ttl;                  /* seconds: the smallest TTL along the chain */
    char canonical[256];           /* the name the addresses belong to, after CNAMEs */
    const char *detail;            /* how it ended, for messages: "NXDOMAIN", "TIMEOUT", ... */
} weir_dns_answer;

/* Start a lookup of `name` at `server` (port 53). Returns a handle >= 0, or WEIR_EINVAL (a name
 * that is not a valid host name), WEIR_ENOBUFS / WEIR_ENOMEM, or WEIR_ENETUNREACH. */
int weir_dns_resolve(weir_stack *s, const char *name, uint32_t server);
/* The outcome: 0 with at least one address; WEIR_EAGAIN while the lookup is running; WEIR_ENOENT
 * when the name does not exist or has no A record; WEIR_ETIMEDOUT after the last try;
 * WEIR_ESERVFAIL when the server failed, refused or truncated its answer; WEIR_ECONNREFUSED (or
 * WEIR_EHOSTUNREACH, ...) when ICMP says no name server is there. `out` (may be NULL) is
 * filled whenever the lookup has ended. */
int weir_dns_get_answer(weir_stack *s, int handle, weir_dns_answer *out);
/* Release the handle (a running lookup is abandoned). */
int weir_dns_close(weir_stack *s, int handle);

#ifdef __cplusplus
}
#endif
#endif
