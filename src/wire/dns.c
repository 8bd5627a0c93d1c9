/* dns.c — DNS query building and strict response parsing (see dns.h for the contract).
 *
 * Read first: RFC 1035 §4.1.1 (header bits), §4.1.2-4.1.3 (question and resource records),
 * §4.1.4 (compression) and §7.3 (what a resolver checks in a response); RFC 9267 §2-§6, whose
 * checks are all here: pointers only backwards, label types 0b01/0b10 refused, labels <= 63 and
 * names <= 255 octets, every RDLENGTH and every section count checked against the bytes present.
 *
 * Every name is decoded into a flat, uncompressed copy (at most 255 octets) before it is used,
 * and compared case-insensitively in that form (RFC 4343). Decoding is the only place that
 * follows pointers, so the pointer rules live in one function. */
#include "dns.h"

#include <string.h>

#define FLAG_QR 0x8000u
#define FLAG_TC 0x0200u
#define FLAG_RD 0x0100u
#define OPCODE_SHIFT 11
#define OPCODE_MASK 0xfu
#define RCODE_MASK 0xfu

#define QUESTION_FIXED_LEN 4 /* QTYPE, QCLASS */
#define RR_FIXED_LEN 10      /* TYPE, CLASS, TTL, RDLENGTH */
/* The smallest record: the root name (one zero octet) as its owner, then 10 fixed octets. Used to
 * refuse counts the data cannot possibly hold before any record is read (RFC 9267 §6). */
#define RR_MIN_LEN (1 + RR_FIXED_LEN)

#define LABEL_TYPE_MASK 0xc0u
#define LABEL_TYPE_NORMAL 0x00u
#define LABEL_TYPE_POINTER 0xc0u
#define POINTER_OFFSET_MASK 0x3fffu

/* RFC 2181 §8: a TTL with the top bit set is to be read as zero. */
#define TTL_MAX 0x7fffffffu

const char *weir_dns_status_name(weir_dns_status st)
{
    /* A switch, not a table: a caller passing a negated build result must not index past it. */
    switch (st) {
    case WEIR_DNS_OK:
        return "ok";
    case WEIR_DNS_NXDOMAIN:
        return "nxdomain";
    case WEIR_DNS_SERVFAIL:
        return "servfail";
    case WEIR_DNS_REFUSED:
        return "refused";
    case WEIR_DNS_RCODE_OTHER:
        return "rcode_other";
    case WEIR_DNS_TRUNCATED:
        return "truncated";
    case WEIR_DNS_NO_ANSWER:
        return "no_answer";
    case WEIR_DNS_MALFORMED:
        return "malformed";
    case WEIR_DNS_MISMATCH:
        return "mismatch";
    case WEIR_DNS_NAME_INVALID:
        return "name_invalid";
    case WEIR_DNS_NO_ROOM:
        return "no_room";
    case WEIR_DNS_TIMEOUT:
        return "timeout";
    case WEIR_DNS_PENDING:
        return "pending";
    case WEIR_DNS_IDLE:
        return "idle";
    }
    return "unknown";
}

/* ---- names in text ---------------------------------------------------------------------- */

/* The characters a name we ask for may contain: the host name syntax of RFC 952 / RFC 1123
 * §2.1 (letters, digits, hyphen) plus the underscore of service labels (_dmarc, RFC 2782 SRV
 * names). DNS itself allows any octet in a label, but a stub resolver for host names has no use
 * for them, and refusing them means a text name and its wire form can never disagree: no dot
 * inside a label, no NUL, no space or escape sequence that a log or a caller would read
 * differently. The same rule decides whether a CNAME target can be handed back as text. */
static bool is_name_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Dotted text -> uncompressed wire form in out[WEIR_DNS_NAME_MAX]. Returns the encoded length
 * (including the root's zero octet) or 0 if the name is invalid: empty, an empty label ("a..b",
 * ".a", a lone "."), a label over 63 octets, a character outside is_name_char, or more than 255
 * octets encoded. One trailing dot is allowed and means the same name. */
static size_t encode_name(const char *name, uint8_t out[WEIR_DNS_NAME_MAX])
{
    if (name == NULL || name[0] == '\0')
        return 0;
    size_t n = 0; /* octets written to out */
    const char *p = name;
    for (;;) {
        size_t label = 0;
        while (p[label] != '\0' && p[label] != '.') {
            if (!is_name_char((uint8_t)p[label]) || label == WEIR_DNS_LABEL_MAX)
                return 0;
            label++;
        }
        if (label == 0)
            return 0;
        /* Room for the length octet, the label and, at least, the root octet after it. */
        if (n + 1 + label + 1 > WEIR_DNS_NAME_MAX)
            return 0;
        out[n] = (uint8_t)label;
        memcpy(out + n + 1, p, label);
        n += 1 + label;
        p += label;
        if (*p == '\0' || (p[0] == '.' && p[1] == '\0'))
            break;
        p++; /* the dot */
    }
    out[n++] = 0;
    return n;
}

/* ---- names on the wire ------------------------------------------------------------------ */

static uint8_t ascii_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

/* Two uncompressed wire names, compared as RFC 4343 says: ASCII letters without regard to case,
 * every other octet exactly. Length octets are <= 63, never letters, so they compare exactly. */
static bool wire_names_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/* Decodes the (possibly compressed) name at msg[off] into its uncompressed form in
 * out[WEIR_DNS_NAME_MAX], *out_len octets. *end is where the name ends in place: after its root
 * octet, or after its first pointer. Returns false for anything RFC 1035 / RFC 9267 forbids:
 * - a label type 0b01 or 0b10 (RFC 1035 §4.1.4 reserves them; RFC 6891 retired the one use);
 * - a label or a pointer running past the message;
 * - a pointer that does not point strictly backwards: its target must lie before the start of
 *   the stretch of labels being read (the name itself at first, then the previous target) —
 *   so targets strictly decrease, loops cannot be built and the walk always ends — and after the
 *   header, which holds no names;
 * - a pointer whose target is not a label (a zero octet or another pointer): RFC 9267 §2 asks
 *   small implementations not to support nested pointers, and no real encoder writes them;
 * - more than WEIR_DNS_MAX_POINTER_HOPS pointers (a second bound, cheap insurance);
 * - a decoded name over 255 octets, counting the root octet (RFC 9267 §3). */
static bool decode_name(const uint8_t *msg, size_t len, size_t off, uint8_t out[WEIR_DNS_NAME_MAX],
                        size_t *out_len, size_t *end)
{
    size_t pos = off;
    size_t limit = off; /* a pointer must point below this */
    size_t n = 0;
    unsigned hops = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= len)
            return false;
        uint8_t b = msg[pos];
        if ((b & LABEL_TYPE_MASK) == LABEL_TYPE_POINTER) {
            if (len - pos < 2 || ++hops > WEIR_DNS_MAX_POINTER_HOPS)
                return false;
            size_t target = weir_get16(msg + pos) & POINTER_OFFSET_MASK;
            if (target < WEIR_DNS_HEADER_LEN || target >= limit)
                return false;
            /* target < limit <= pos < len, so msg[target] is inside the message. */
            if (msg[target] == 0 || msg[target] > WEIR_DNS_LABEL_MAX)
                return false;
            if (!jumped)
                *end = pos + 2;
            jumped = true;
            limit = target;
            pos = target;
            continue;
        }
        if ((b & LABEL_TYPE_MASK) != LABEL_TYPE_NORMAL)
            return false;
        if (b == 0)
            break;
        if (len - pos - 1 < b || n + 1 + b + 1 > WEIR_DNS_NAME_MAX)
            return false;
        memcpy(out + n, msg + pos, 1 + (size_t)b);
        n += 1 + (size_t)b;
        pos += 1 + (size_t)b;
    }
    out[n++] = 0;
    if (!jumped)
        *end = pos + 1;
    *out_len = n;
    return true;
}

/* Uncompressed wire form -> dotted text without a trailing dot, in out[WEIR_DNS_NAME_TEXT_MAX + 1]
 * (NUL-terminated). The root name becomes "". Returns false if a label holds an octet outside
 * is_name_char: such a name has no unambiguous text form. */
static bool name_to_text(const uint8_t *wire, size_t wlen, char out[WEIR_DNS_NAME_TEXT_MAX + 1],
                         size_t *text_len)
{
    size_t t = 0;
    size_t i = 0;
    /* wlen <= 255 and the name ends with its root octet, so the text is at most 253 chars. */
    while (i < wlen && wire[i] != 0) {
        size_t label = wire[i++];
        if (t > 0)
            out[t++] = '.';
        for (size_t k = 0; k < label; k++) {
            if (!is_name_char(wire[i + k]))
                return false;
            out[t++] = (char)wire[i + k];
        }
        i += label;
    }
    out[t] = '\0';
    *text_len = t;
    return true;
}

/* ---- building a query ------------------------------------------------------------------- */

int weir_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
    uint8_t wire[WEIR_DNS_NAME_MAX];
    size_t nlen = encode_name(name, wire);
    if (nlen == 0)
        return -WEIR_DNS_NAME_INVALID;
    size_t total = WEIR_DNS_HEADER_LEN + nlen + QUESTION_FIXED_LEN;
    if (cap < total)
        return -WEIR_DNS_NO_ROOM;
    /* RFC 1035 §4.1.1: a standard query (QR 0, opcode 0) asking for recursion (RD), since a stub
     * resolver relies on its server to do the walking. */
    weir_put16(buf, id);
    weir_put16(buf + 2, FLAG_RD);
    weir_put16(buf + 4, 1);  /* QDCOUNT */
    weir_put16(buf + 6, 0);  /* ANCOUNT */
    weir_put16(buf + 8, 0);  /* NSCOUNT */
    weir_put16(buf + 10, 0); /* ARCOUNT */
    memcpy(buf + WEIR_DNS_HEADER_LEN, wire, nlen);
    weir_put16(buf + WEIR_DNS_HEADER_LEN + nlen, qtype);
    weir_put16(buf + WEIR_DNS_HEADER_LEN + nlen + 2, WEIR_DNS_CLASS_IN);
    return (int)total;
}

/* ---- resource records ------------------------------------------------------------------- */

/* One resource record, by offsets into the message (RFC 1035 §4.1.3). */
typedef struct dns_rr {
    size_t owner; /* where the owner name starts */
    uint16_t type, rclass;
    uint32_t ttl;
    size_t rdata, rdlen;
} dns_rr;

/* The RDATA formats this parser relies on are checked (RFC 9267 §5: the format must conform to
 * TYPE and CLASS): an A record is exactly 4 octets; a CNAME is exactly one name, which fills its
 * RDATA. Other types are opaque: RDLENGTH has already been checked against the message. */
static bool rdata_valid(const uint8_t *msg, size_t len, const dns_rr *rr)
{
    if (rr->type == WEIR_DNS_TYPE_A && rr->rclass == WEIR_DNS_CLASS_IN)
        return rr->rdlen == 4;
    if (rr->type == WEIR_DNS_TYPE_CNAME) {
        uint8_t name[WEIR_DNS_NAME_MAX];
        size_t nlen, end;
        /* Decode against the whole message (its pointers may reach anywhere before it), then
         * require that the name's in-place part ends exactly where the RDATA does. */
        return decode_name(msg, len, rr->rdata, name, &nlen, &end) && end == rr->rdata + rr->rdlen;
    }
    return true;
}

/* Reads the record at *pos, checks it, and moves *pos past it. */
static bool read_rr(const uint8_t *msg, size_t len, size_t *pos, dns_rr *rr)
{
    uint8_t owner[WEIR_DNS_NAME_MAX];
    size_t olen, end;
    if (!decode_name(msg, len, *pos, owner, &olen, &end))
        return false;
    if (len - end < RR_FIXED_LEN)
        return false;
    rr->owner = *pos;
    rr->type = weir_get16(msg + end);
    rr->rclass = weir_get16(msg + end + 2);
    rr->ttl = weir_get32(msg + end + 4);
    rr->rdlen = weir_get16(msg + end + 8);
    rr->rdata = end + RR_FIXED_LEN;
    if (rr->rdlen > len - rr->rdata)
        return false;
    if (!rdata_valid(msg, len, rr))
        return false;
    *pos = rr->rdata + rr->rdlen;
    return true;
}

/* Does the record's owner equal `name` (uncompressed wire form)? The record was validated by
 * read_rr, so its owner decodes. */
static bool owner_is(const uint8_t *msg, size_t len, const dns_rr *rr, const uint8_t *name,
                     size_t nlen)
{
    uint8_t owner[WEIR_DNS_NAME_MAX];
    size_t olen, end;
    return decode_name(msg, len, rr->owner, owner, &olen, &end) &&
           wire_names_equal(owner, olen, name, nlen);
}

static uint32_t rr_ttl(const dns_rr *rr) { return rr->ttl > TTL_MAX ? 0 : rr->ttl; }

/* ---- the response ----------------------------------------------------------------------- */

/* What the structural pass found out about the message. */
typedef struct dns_msg {
    const uint8_t *msg;
    size_t len;
    uint16_t flags;
    size_t answers; /* offset of the first answer record */
    uint16_t ancount;
} dns_msg;

/* Header checks that decide whether this is a response to our query at all. */
static weir_dns_status check_header(const uint8_t *msg, size_t len, uint16_t expect_id)
{
    if (len < WEIR_DNS_HEADER_LEN)
        return WEIR_DNS_MALFORMED;
    uint16_t flags = weir_get16(msg + 2);
    /* RFC 1035 §7.3: the ID ties a response to its query. A query (QR 0) or another opcode is
     * not the answer to our standard query either, whoever sent it. */
    if (weir_get16(msg) != expect_id || !(flags & FLAG_QR) ||
        ((flags >> OPCODE_SHIFT) & OPCODE_MASK) != 0)
        return WEIR_DNS_MISMATCH;
    /* We asked one question; a response to it repeats exactly that one (RFC 1035 §7.3). */
    if (weir_get16(msg + 4) != 1)
        return WEIR_DNS_MISMATCH;
    return WEIR_DNS_OK;
}

/* The question must be ours: same name (RFC 4343, case-insensitively), type and class IN. *pos
 * is left after it. */
static weir_dns_status check_question(const uint8_t *msg, size_t len, const uint8_t *asked,
                                      size_t asked_len, uint16_t qtype, size_t *pos)
{
    uint8_t name[WEIR_DNS_NAME_MAX];
    size_t nlen, end;
    if (!decode_name(msg, len, WEIR_DNS_HEADER_LEN, name, &nlen, &end) ||
        len - end < QUESTION_FIXED_LEN)
        return WEIR_DNS_MALFORMED;
    if (!wire_names_equal(name, nlen, asked, asked_len) || weir_get16(msg + end) != qtype ||
        weir_get16(msg + end + 2) != WEIR_DNS_CLASS_IN)
        return WEIR_DNS_MISMATCH;
    *pos = end + QUESTION_FIXED_LEN;
    return WEIR_DNS_OK;
}

/* Every record of the answer, authority and additional sections must be well formed and the
 * last one must end the message: RFC 9267 §6 wants the counts to match the data, so bytes left
 * over mean the counts lie. Authority and additional records are checked, never used. */
static bool check_records(dns_msg *m, size_t pos)
{
    m->answers = pos;
    m->ancount = weir_get16(m->msg + 6);
    size_t records = (size_t)m->ancount + weir_get16(m->msg + 8) + weir_get16(m->msg + 10);
    /* RFC 9267 §6: refuse counts the bytes cannot hold before reading any record. */
    if (m->len - pos < records * RR_MIN_LEN)
        return false;
    for (size_t i = 0; i < records; i++) {
        dns_rr rr;
        if (!read_rr(m->msg, m->len, &pos, &rr))
            return false;
    }
    return pos == m->len;
}

/* Finds the CNAME record (class IN) owned by `name` in the answer section. Returns 0 if there is
 * none, 1 with *found set, or -1 if there are several: RFC 2181 §10.1 allows one CNAME per name,
 * and with two we could not say which alias to trust. */
static int find_cname(const dns_msg *m, const uint8_t *name, size_t nlen, dns_rr *found)
{
    int count = 0;
    size_t pos = m->answers;
    for (uint16_t i = 0; i < m->ancount; i++) {
        dns_rr rr;
        if (!read_rr(m->msg, m->len, &pos, &rr))
            return -1;
        if (rr.type != WEIR_DNS_TYPE_CNAME || rr.rclass != WEIR_DNS_CLASS_IN ||
            !owner_is(m->msg, m->len, &rr, name, nlen))
            continue;
        if (++count > 1)
            return -1;
        *found = rr;
    }
    return count;
}

/* The chain of names being followed: the asked name (as the question spells it) and each CNAME
 * target, kept as offsets into the message and decoded again when needed, so that a chain costs
 * a few words on the stack rather than 255 octets per name. */
typedef struct dns_chain {
    size_t at[WEIR_DNS_MAX_CNAME_HOPS + 1];
    unsigned n;
} dns_chain;

static bool chain_contains(const dns_msg *m, const dns_chain *c, const uint8_t *name, size_t nlen)
{
    for (unsigned i = 0; i < c->n; i++) {
        uint8_t other[WEIR_DNS_NAME_MAX];
        size_t olen, end;
        if (decode_name(m->msg, m->len, c->at[i], other, &olen, &end) &&
            wire_names_equal(other, olen, name, nlen))
            return true;
    }
    return false;
}

/* Follows CNAMEs from the asked name to the end of the chain; leaves the final name in
 * name[*nlen] and counts the hops and the smallest TTL in *res. A loop, a chain longer than
 * WEIR_DNS_MAX_CNAME_HOPS or an ambiguous alias is MALFORMED: the answer cannot be trusted. */
static weir_dns_status follow_chain(const dns_msg *m, uint16_t qtype,
                                    uint8_t name[WEIR_DNS_NAME_MAX], size_t *nlen,
                                    weir_dns_result *res)
{
    dns_chain chain = {.at = {WEIR_DNS_HEADER_LEN}, .n = 1};
    size_t end;
    if (!decode_name(m->msg, m->len, WEIR_DNS_HEADER_LEN, name, nlen, &end))
        return WEIR_DNS_MALFORMED;
    /* Asking for the CNAME itself means the alias is the answer, not a pointer to follow. */
    if (qtype == WEIR_DNS_TYPE_CNAME)
        return WEIR_DNS_OK;
    for (;;) {
        dns_rr cname;
        int found = find_cname(m, name, *nlen, &cname);
        if (found < 0)
            return WEIR_DNS_MALFORMED;
        if (found == 0)
            return WEIR_DNS_OK;
        if (chain.n > WEIR_DNS_MAX_CNAME_HOPS)
            return WEIR_DNS_MALFORMED;
        if (!decode_name(m->msg, m->len, cname.rdata, name, nlen, &end) ||
            chain_contains(m, &chain, name, *nlen))
            return WEIR_DNS_MALFORMED;
        chain.at[chain.n++] = cname.rdata;
        res->cname_hops++;
        if (res->cname_hops == 1 || rr_ttl(&cname) < res->ttl)
            res->ttl = rr_ttl(&cname);
    }
}

/* Collects the records of the asked type owned by the final name; A records go into addrs[]. */
static void collect_answers(const dns_msg *m, uint16_t qtype, const uint8_t *name, size_t nlen,
                            weir_dns_result *res)
{
    size_t pos = m->answers;
    for (uint16_t i = 0; i < m->ancount; i++) {
        dns_rr rr;
        if (!read_rr(m->msg, m->len, &pos, &rr))
            return;
        if (rr.type != qtype || rr.rclass != WEIR_DNS_CLASS_IN ||
            !owner_is(m->msg, m->len, &rr, name, nlen))
            continue;
        if ((res->cname_hops == 0 && res->nanswers == 0) || rr_ttl(&rr) < res->ttl)
            res->ttl = rr_ttl(&rr);
        res->nanswers++;
        if (qtype == WEIR_DNS_TYPE_A && res->naddrs < WEIR_DNS_MAX_ADDRS)
            res->addrs[res->naddrs++] = weir_get32(m->msg + rr.rdata);
    }
}

static weir_dns_status rcode_status(uint8_t rcode)
{
    switch (rcode) {
    case WEIR_DNS_RCODE_NOERROR:
        return WEIR_DNS_OK;
    case WEIR_DNS_RCODE_NXDOMAIN:
        return WEIR_DNS_NXDOMAIN;
    case WEIR_DNS_RCODE_SERVFAIL:
        return WEIR_DNS_SERVFAIL;
    case WEIR_DNS_RCODE_REFUSED:
        return WEIR_DNS_REFUSED;
    default:
        return WEIR_DNS_RCODE_OTHER;
    }
}

weir_dns_status weir_dns_parse_response(const uint8_t *msg, size_t len, uint16_t expect_id,
                                        const char *qname, uint16_t qtype, weir_dns_result *out)
{
    uint8_t asked[WEIR_DNS_NAME_MAX];
    size_t asked_len = encode_name(qname, asked);
    if (asked_len == 0)
        return WEIR_DNS_NAME_INVALID;

    weir_dns_status st = check_header(msg, len, expect_id);
    if (st != WEIR_DNS_OK)
        return st;
    size_t pos;
    st = check_question(msg, len, asked, asked_len, qtype, &pos);
    if (st != WEIR_DNS_OK)
        return st;
    dns_msg m = {.msg = msg, .len = len, .flags = weir_get16(msg + 2)};
    /* RFC 1035 §4.1.1 / RFC 2181 §9: with TC set the message is incomplete and its counts may
     * not match what is present, so nothing after the question is read or trusted. */
    if (m.flags & FLAG_TC)
        return WEIR_DNS_TRUNCATED;
    if (!check_records(&m, pos))
        return WEIR_DNS_MALFORMED;

    /* The message is well formed and answers our question: build the result aside and copy it
     * out only when it is one, so that MALFORMED leaves *out untouched. */
    weir_dns_result res;
    memset(&res, 0, sizeof(res));
    res.rcode = (uint8_t)(m.flags & RCODE_MASK);
    uint8_t name[WEIR_DNS_NAME_MAX];
    size_t nlen;
    st = follow_chain(&m, qtype, name, &nlen, &res);
    if (st != WEIR_DNS_OK)
        return st;
    if (!name_to_text(name, nlen, res.canonical_name, &res.canonical_len))
        return WEIR_DNS_MALFORMED;
    st = rcode_status(res.rcode);
    /* With an error RCODE the chain is still reported (an NXDOMAIN is about its end), but no
     * address is taken from a message that says the name does not resolve. */
    if (st == WEIR_DNS_OK) {
        collect_answers(&m, qtype, name, nlen, &res);
        if (res.nanswers == 0)
            st = WEIR_DNS_NO_ANSWER;
    }
    res.ignored = (uint16_t)(m.ancount - res.cname_hops - res.nanswers);
    *out = res;
    return st;
}
