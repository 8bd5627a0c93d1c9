/* dns.h — DNS messages (RFC 1035 §4): building a query and strictly parsing the answer to it.
 *
 * Read RFC 1035 §3.1 (names: labels of 1..63 octets, 255 octets in all), §4.1 (the message
 * layout) and §4.1.4 (compression), then RFC 9267 (how DNS parsers in small stacks went wrong
 * and the checks that prevent it), RFC 2181 §8 and §10.1 (TTLs; one CNAME per name) and RFC 4343
 * (names compare case-insensitively, ASCII only).
 *
 * The codec answers one question: "is this datagram the answer to the A (or other type) query I
 * sent, and what does it say?". It is pure like the rest of src/wire: no state, no allocation;
 * every length is checked before it is read, every write is checked against `cap`. */
#ifndef WEIR_WIRE_DNS_H
#define WEIR_WIRE_DNS_H

#include "wire.h"

#define WEIR_DNS_PORT 53
#define WEIR_DNS_HEADER_LEN 12
#define WEIR_DNS_LABEL_MAX 63      /* RFC 1035 §2.3.4 */
#define WEIR_DNS_NAME_MAX 255      /* encoded: length octets + labels + the root's zero octet */
#define WEIR_DNS_NAME_TEXT_MAX 253 /* the same name in dotted text, without a trailing dot */
/* The largest query we build: header, the longest name, QTYPE and QCLASS. */
#define WEIR_DNS_QUERY_MAX (WEIR_DNS_HEADER_LEN + WEIR_DNS_NAME_MAX + 4)
#define WEIR_DNS_MAX_ADDRS 8         /* A records kept per answer; the rest are counted */
#define WEIR_DNS_MAX_CNAME_HOPS 8    /* CNAMEs followed from the asked name */
#define WEIR_DNS_MAX_POINTER_HOPS 16 /* compression pointers followed within one name */

enum {
    WEIR_DNS_TYPE_A = 1,
    WEIR_DNS_TYPE_NS = 2,
    WEIR_DNS_TYPE_CNAME = 5,
    WEIR_DNS_TYPE_SOA = 6,
    WEIR_DNS_TYPE_AAAA = 28,
    WEIR_DNS_CLASS_IN = 1,
};

enum {
    WEIR_DNS_RCODE_NOERROR = 0,
    WEIR_DNS_RCODE_FORMERR = 1,
    WEIR_DNS_RCODE_SERVFAIL = 2,
    WEIR_DNS_RCODE_NXDOMAIN = 3,
    WEIR_DNS_RCODE_NOTIMP = 4,
    WEIR_DNS_RCODE_REFUSED = 5,
};

/* What a response means, or why building a query failed. The builder returns -status. */
typedef enum weir_dns_status {
    WEIR_DNS_OK = 0,       /* an answer: at least one A record at the end of the CNAME chain */
    WEIR_DNS_NXDOMAIN,     /* RCODE 3: the name (or the end of its chain) does not exist */
    WEIR_DNS_SERVFAIL,     /* RCODE 2: the server could not resolve it */
    WEIR_DNS_REFUSED,      /* RCODE 5: the server will not answer us */
    WEIR_DNS_RCODE_OTHER,  /* any other non-zero RCODE (FORMERR, NOTIMP, …): see out->rcode */
    WEIR_DNS_TRUNCATED,    /* TC set: the answer did not fit in a datagram (no TCP here) */
    WEIR_DNS_NO_ANSWER,    /* NOERROR, but no record of the type asked at the end of the chain */
    WEIR_DNS_MALFORMED,    /* the bytes break a rule of RFC 1035 / RFC 9267: drop it */
    WEIR_DNS_MISMATCH,     /* well-formed enough, but not the answer to our query (wrong ID,
                            * not a response, other question): spoofed or stale, keep waiting */
    WEIR_DNS_NAME_INVALID, /* build/parse: the name asked is not a valid host name */
    WEIR_DNS_NO_ROOM,      /* build: `cap` is too small */
    WEIR_DNS_TIMEOUT,      /* resolver only: every try went unanswered */
    WEIR_DNS_PENDING,      /* resolver only: still waiting */
    WEIR_DNS_IDLE,         /* resolver only: not started */
} weir_dns_status;

const char *weir_dns_status_name(weir_dns_status st);

/* The answer to one question, as far as it can be trusted: only records on the CNAME chain that
 * starts at the asked name are used; everything else is counted in `ignored`. */
typedef struct weir_dns_result {
    uint8_t rcode;                      /* RFC 1035 §4.1.1 RCODE as received */
    uint8_t cname_hops;                 /* CNAMEs followed from the asked name */
    uint16_t nanswers;                  /* records of the asked type at the chain's end */
    uint16_t naddrs;                    /* qtype A: the first of them, kept in addrs[] */
    uint32_t addrs[WEIR_DNS_MAX_ADDRS]; /* host byte order, in answer-section order */
    uint16_t ignored;                   /* answer records not on the chain (not trusted) */
    uint32_t ttl;                       /* seconds: minimum over the CNAMEs and A records
                                         * used; 0 if none was used */
    size_t canonical_len;               /* strlen(canonical_name) */
    char canonical_name[WEIR_DNS_NAME_TEXT_MAX + 1]; /* end of the chain: dotted, case as
                                                      * received, no trailing dot */
} weir_dns_result;

/* Writes a standard query (opcode 0, RD set, one question of class IN) for `name` — dotted
 * text, an optional trailing dot — into buf. Returns its length, or -WEIR_DNS_NAME_INVALID /
 * -WEIR_DNS_NO_ROOM, in which case nothing has been written. */
int weir_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype);

/* Parses `msg` as the answer to the query (expect_id, qname, qtype, class IN). Checks, in order:
 * - header length (MALFORMED); ID, QR = 1, opcode 0, QDCOUNT = 1 (MISMATCH);
 * - the question: MALFORMED if it cannot be read, MISMATCH if it is not ours;
 * - TC (TRUNCATED: nothing after the question is read);
 * - the section counts against the bytes present, every record of every section, no bytes left
 *   over (MALFORMED);
 * - the CNAME chain from the asked name (a loop, an ambiguous alias or more than
 *   WEIR_DNS_MAX_CNAME_HOPS is MALFORMED), then RCODE (NXDOMAIN, SERVFAIL, REFUSED,
 *   RCODE_OTHER) or the records at the chain's end (OK, NO_ANSWER).
 * *out is written for OK, NO_ANSWER and the RCODE results only: a message that is not an
 * authentic answer leaves it untouched. qname must be a name weir_dns_build_query accepts
 * (WEIR_DNS_NAME_INVALID otherwise). Any qtype may be asked (records of it at the chain's end are
 * counted in nanswers); only A records, which must have RDLENGTH 4, are decoded into addrs[]. */
weir_dns_status weir_dns_parse_response(const uint8_t *msg, size_t len, uint16_t expect_id,
                                        const char *qname, uint16_t qtype, weir_dns_result *out);

#endif
