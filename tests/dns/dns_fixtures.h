/* dns_fixtures.h — DNS messages for the codec and resolver tests.
 *
 * The fixtures that matter most are written out byte by byte, laid out as RFC 1035 §4.1 draws
 * them, so that a reader can check them against the RFC without running anything. The malformed
 * variants are made by copying one of those and changing the bytes the test is about; a tiny
 * builder (fx_msg) writes the few messages with many records. Hand-made, not captured: the
 * names are under example.com/example.net (RFC 2606), the addresses in 192.0.2.0/24 and
 * 198.51.100.0/24 (RFC 5737). */
#ifndef TEST_DNS_FIXTURES_H
#define TEST_DNS_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FX_ID 0x1a2b
#define FX_SERVER 0xc0000235u /* 192.0.2.53 */

/* The tables are laid out by hand, one field or one record per line. */
/* clang-format off */

/* The query weir_dns_build_query(…, 0x1a2b, "www.example.com", A) must write. */
static const uint8_t fx_query_www[] = {
    0x1a, 0x2b,             /* ID */
    0x01, 0x00,             /* QR 0, opcode 0, AA 0, TC 0, RD 1 | RA 0, Z 0, RCODE 0 */
    0x00, 0x01,             /* QDCOUNT 1 */
    0x00, 0x00,             /* ANCOUNT */
    0x00, 0x00,             /* NSCOUNT */
    0x00, 0x00,             /* ARCOUNT */
    0x03, 'w', 'w', 'w',    /* QNAME @12 */
    0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
    0x03, 'c', 'o', 'm',
    0x00,
    0x00, 0x01,             /* QTYPE A */
    0x00, 0x01,             /* QCLASS IN */
};

/* The answer to it, no compression: www.example.com A 192.0.2.1, TTL 300. */
static const uint8_t fx_answer_plain[] = {
    0x1a, 0x2b, 0x81, 0x80, /* ID | QR 1, RD 1, RA 1, NOERROR */
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* QD 1, AN 1, NS 0, AR 0 */
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
    0x00, 0x01, 0x00, 0x01, /* question: A IN; answer @33 */
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
    0x00, 0x01, 0x00, 0x01, /* TYPE A, CLASS IN */
    0x00, 0x00, 0x01, 0x2c, /* TTL 300 */
    0x00, 0x04,             /* RDLENGTH 4 */
    192, 0, 2, 1,           /* RDATA */
};

/* The same answer as a real server writes it: the owner is a pointer to the question (0xc00c),
 * and a second address, 192.0.2.2 with TTL 60, follows. */
static const uint8_t fx_answer_compressed[] = {
    0x1a, 0x2b, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
    0x00, 0x01, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 192, 0, 2, 1, /* @33 */
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 192, 0, 2, 2, /* @49 */
};
#define FX_COMPRESSED_AN1 33 /* offset of the first answer record */
#define FX_COMPRESSED_AN2 49

/* www.example.com CNAME web.example.net (TTL 600), web.example.net CNAME edge.example.net
 * (TTL 120), edge.example.net A 198.51.100.7 (TTL 30), plus an unrelated A record for
 * other.example.com that must be ignored. Compressed the way BIND does it. */
static const uint8_t fx_answer_cname_chain[] = {
    0x1a, 0x2b, 0x81, 0x80, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
    /* @12 question */
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
    0x00, 0x01, 0x00, 0x01,
    /* @33 www.example.com CNAME, RDLENGTH 17: "web" @45, "example" @49, "net" @57, root */
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x11,
    0x03, 'w', 'e', 'b', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'n', 'e', 't', 0x00,
    /* @62 web.example.net (-> @45) CNAME, RDLENGTH 7: "edge" @74, pointer to example.net @49 */
    0xc0, 0x2d, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x07,
    0x04, 'e', 'd', 'g', 'e', 0xc0, 0x31,
    /* @81 edge.example.net (-> @74) A 198.51.100.7 */
    0xc0, 0x4a, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x04, 198, 51, 100, 7,
    /* @97 other.example.com (-> example.com @16) A 192.0.2.99: not on the chain */
    0x05, 'o', 't', 'h', 'e', 'r', 0xc0, 0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e,
    0x00, 0x04, 192, 0, 2, 99,
};

/* NXDOMAIN for www.example.com with the zone's SOA in the authority section (RFC 2308). */
static const uint8_t fx_answer_nxdomain[] = {
    0x1a, 0x2b, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
    0x00, 0x01, 0x00, 0x01,
    /* @33 example.com SOA ns.example.com. admin.example.com. 1 7200 900 1209600 300 */
    0xc0, 0x10, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x21,
    0x02, 'n', 's', 0xc0, 0x10,                /* MNAME */
    0x05, 'a', 'd', 'm', 'i', 'n', 0xc0, 0x10, /* RNAME */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x03, 0x84,
    0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01, 0x2c,
};

/* clang-format on */

/* ---- a builder for the messages with many records -------------------------------------- */

typedef struct fx_msg {
    uint8_t b[4096];
    size_t n;
} fx_msg;

static inline void fx_u8(fx_msg *m, uint8_t v) { m->b[m->n++] = v; }
static inline void fx_u16(fx_msg *m, uint16_t v)
{
    fx_u8(m, (uint8_t)(v >> 8));
    fx_u8(m, (uint8_t)v);
}
static inline void fx_u32(fx_msg *m, uint32_t v)
{
    fx_u16(m, (uint16_t)(v >> 16));
    fx_u16(m, (uint16_t)v);
}
static inline void fx_bytes(fx_msg *m, const void *p, size_t len)
{
    memcpy(m->b + m->n, p, len);
    m->n += len;
}
/* A dotted name, uncompressed, with its root octet. */
static inline void fx_name(fx_msg *m, const char *dotted)
{
    while (*dotted) {
        size_t l = 0;
        while (dotted[l] && dotted[l] != '.')
            l++;
        fx_u8(m, (uint8_t)l);
        fx_bytes(m, dotted, l);
        dotted += l;
        if (*dotted == '.')
            dotted++;
    }
    fx_u8(m, 0);
}
static inline void fx_header(fx_msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                             uint16_t ns, uint16_t ar)
{
    m->n = 0;
    fx_u16(m, id);
    fx_u16(m, flags);
    fx_u16(m, qd);
    fx_u16(m, an);
    fx_u16(m, ns);
    fx_u16(m, ar);
}
static inline void fx_question(fx_msg *m, const char *name, uint16_t type)
{
    fx_name(m, name);
    fx_u16(m, type);
    fx_u16(m, 1);
}
/* The fixed part of a record after its owner name. */
static inline void fx_rr_fixed(fx_msg *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
    fx_u16(m, type);
    fx_u16(m, 1);
    fx_u32(m, ttl);
    fx_u16(m, rdlen);
}
static inline void fx_a(fx_msg *m, const char *owner, uint32_t ttl, uint32_t addr)
{
    fx_name(m, owner);
    fx_rr_fixed(m, 1, ttl, 4);
    fx_u32(m, addr);
}
static inline void fx_cname(fx_msg *m, const char *owner, uint32_t ttl, const char *target)
{
    fx_name(m, owner);
    size_t at = m->n;
    fx_rr_fixed(m, 5, ttl, 0);
    size_t start = m->n;
    fx_name(m, target);
    uint16_t rdlen = (uint16_t)(m->n - start);
    m->b[at + 8] = (uint8_t)(rdlen >> 8);
    m->b[at + 9] = (uint8_t)rdlen;
}

#endif
