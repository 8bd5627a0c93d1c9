/* fuzz_wire_dns.c — the DNS response parser (src/wire/dns.c) fed arbitrary bytes.
 *
 * Input: one selector octet, then the message. Selector bit 0: expect the ID the message carries
 * (so the fuzzer gets past the ID check) or a different one; bits 1-2: the type asked (A, CNAME,
 * AAAA, A). The name asked is always www.example.com, as in the seed corpus.
 *
 * Properties: the parser never reads outside the message (ASan; libFuzzer's buffer is exactly
 * sized) and always ends (no pointer or CNAME loop can hold it); it is deterministic; a message
 * that is not an authentic answer leaves the result untouched; an authentic one has at most
 * WEIR_DNS_MAX_ADDRS addresses, addresses only for type A, a canonical name of at most 253
 * printable host-name characters, at most WEIR_DNS_MAX_CNAME_HOPS hops, and accounts for every
 * answer record; a wrong ID is always MISMATCH; and a strict prefix of an accepted message
 * without TC is never accepted (the counts must match the bytes). */
#include "fuzz_common.h"
#include "wire/dns.h"

#define QNAME "www.example.com"

static const uint16_t qtypes[4] = {WEIR_DNS_TYPE_A, WEIR_DNS_TYPE_CNAME, WEIR_DNS_TYPE_AAAA,
                                   WEIR_DNS_TYPE_A};

static int authentic(weir_dns_status st)
{
    return st == WEIR_DNS_OK || st == WEIR_DNS_NO_ANSWER || st == WEIR_DNS_NXDOMAIN ||
           st == WEIR_DNS_SERVFAIL || st == WEIR_DNS_REFUSED || st == WEIR_DNS_RCODE_OTHER;
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

static void check_result(const uint8_t *msg, weir_dns_status st, uint16_t qtype,
                         const weir_dns_result *r)
{
    FUZZ_CHECK(r->naddrs <= WEIR_DNS_MAX_ADDRS);
    FUZZ_CHECK(r->naddrs <= r->nanswers);
    FUZZ_CHECK(qtype == WEIR_DNS_TYPE_A || r->naddrs == 0);
    FUZZ_CHECK(st != WEIR_DNS_OK || r->nanswers > 0);
    FUZZ_CHECK(st == WEIR_DNS_OK || r->nanswers == 0);
    FUZZ_CHECK(r->cname_hops <= WEIR_DNS_MAX_CNAME_HOPS);
    FUZZ_CHECK(r->rcode == (weir_get16(msg + 2) & 0xf));
    FUZZ_CHECK((uint32_t)r->ignored + r->cname_hops + r->nanswers == weir_get16(msg + 6));
    FUZZ_CHECK(r->ttl <= 0x7fffffffu);
    FUZZ_CHECK(r->canonical_len <= WEIR_DNS_NAME_TEXT_MAX);
    FUZZ_CHECK(r->canonical_len <= 255);
    FUZZ_CHECK(r->canonical_name[r->canonical_len] == '\0');
    FUZZ_CHECK(strlen(r->canonical_name) == r->canonical_len);
    for (size_t i = 0; i < r->canonical_len; i++)
        FUZZ_CHECK(host_char(r->canonical_name[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    uint16_t qtype = qtypes[(sel >> 1) & 3];
    uint16_t id = len >= 2 ? weir_get16(msg) : 0;
    uint16_t expect = (sel & 1) ? id : (uint16_t)(id ^ 0x8001);

    weir_dns_result r, again, canary;
    memset(&r, 0xa5, sizeof(r));
    memcpy(&canary, &r, sizeof(r));
    weir_dns_status st = weir_dns_parse_response(msg, len, expect, QNAME, qtype, &r);
    FUZZ_CHECK(strcmp(weir_dns_status_name(st), "unknown") != 0);
    FUZZ_CHECK(st != WEIR_DNS_NAME_INVALID && st != WEIR_DNS_NO_ROOM && st != WEIR_DNS_TIMEOUT &&
               st != WEIR_DNS_PENDING && st != WEIR_DNS_IDLE);
    if (len >= WEIR_DNS_HEADER_LEN && expect != id)
        FUZZ_CHECK(st == WEIR_DNS_MISMATCH);

    memset(&again, 0xa5, sizeof(again));
    FUZZ_CHECK(weir_dns_parse_response(msg, len, expect, QNAME, qtype, &again) == st);
    if (!authentic(st)) {
        FUZZ_CHECK(memcmp(&r, &canary, sizeof(r)) == 0);
        return 0;
    }
    FUZZ_CHECK(memcmp(&r, &again, sizeof(r)) == 0);
    check_result(msg, st, qtype, &r);

    /* Accepted without TC: every shorter message must be refused. Two cuts keep it cheap. */
    weir_dns_result cut;
    FUZZ_CHECK(weir_dns_parse_response(msg, len - 1, expect, QNAME, qtype, &cut) ==
               WEIR_DNS_MALFORMED);
    size_t at = WEIR_DNS_HEADER_LEN + (size_t)sel % (len - WEIR_DNS_HEADER_LEN);
    FUZZ_CHECK(weir_dns_parse_response(msg, at, expect, QNAME, qtype, &cut) == WEIR_DNS_MALFORMED);
    return 0;
}
