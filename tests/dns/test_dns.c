/* test_dns.c — the DNS codec (src/wire/dns.c): queries byte for byte as RFC 1035 §4.1 lays them
 * out, answers plain, compressed and through CNAME chains, and every RFC 9267 rule: pointers
 * only backwards, label and name lengths, counts and RDLENGTHs against the bytes present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns_fixtures.h"
#include "wire/dns.h"

#define WWW "www.example.com"
#define A WEIR_DNS_TYPE_A

/* ---- helpers ---------------------------------------------------------------------------- */

/* Parses a copy in a heap block of exactly `len` bytes, so that ASan reports any read past the
 * message (a static array would usually have readable neighbours). */
static weir_dns_status parse_exact_as(const uint8_t *msg, size_t len, const char *qname,
                                      weir_dns_result *res)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, msg, len);
    weir_dns_status st = weir_dns_parse_response(copy, len, FX_ID, qname, A, res);
    free(copy);
    return st;
}

static weir_dns_status parse_exact(const uint8_t *msg, size_t len, weir_dns_result *res)
{
    return parse_exact_as(msg, len, WWW, res);
}

static weir_dns_status parse_fx(const fx_msg *m, weir_dns_result *res)
{
    return parse_exact(m->b, m->n, res);
}

/* A name of `labels` labels of `len` letters each, dotted, in out (which must be big enough). */
static const char *long_name(char *out, int labels, int len)
{
    char *p = out;
    for (int l = 0; l < labels; l++) {
        if (l > 0)
            *p++ = '.';
        for (int i = 0; i < len; i++)
            *p++ = (char)('a' + (l + i) % 26);
    }
    *p = '\0';
    return out;
}

/* ---- building queries ------------------------------------------------------------------- */

static void query_is_laid_out_as_rfc1035_says(void **state)
{
    (void)state;
    uint8_t buf[512];
    int n = weir_dns_build_query(buf, sizeof(buf), FX_ID, WWW, A);
    assert_int_equal(n, sizeof(fx_query_www));
    assert_memory_equal(buf, fx_query_www, sizeof(fx_query_www));
}

static void trailing_dot_names_the_same_query(void **state)
{
    (void)state;
    uint8_t buf[512];
    assert_int_equal(weir_dns_build_query(buf, sizeof(buf), FX_ID, WWW ".", A),
                     sizeof(fx_query_www));
    assert_memory_equal(buf, fx_query_www, sizeof(fx_query_www));
}

static void query_carries_the_type_asked(void **state)
{
    (void)state;
    uint8_t buf[512];
    int n = weir_dns_build_query(buf, sizeof(buf), 7, "a", WEIR_DNS_TYPE_AAAA);
    static const uint8_t want[] = {0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 28, 0, 1};
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

static void empty_labels_are_name_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {"", ".", "..", "a..b", ".a", "a.b..", "a.b.."};
    uint8_t buf[512];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, bad[i], A),
                         -WEIR_DNS_NAME_INVALID);
    assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, NULL, A), -WEIR_DNS_NAME_INVALID);
}

static void label_of_64_octets_is_name_invalid(void **state)
{
    (void)state;
    char name[80];
    uint8_t buf[512];
    assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, long_name(name, 1, 63), A),
                     12 + 65 + 4);
    assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, long_name(name, 1, 64), A),
                     -WEIR_DNS_NAME_INVALID);
}

/* 3 labels of 63 and one of 61 encode to exactly 255 octets (253 characters of text); one more
 * character is too many. */
static void name_over_255_octets_is_name_invalid(void **state)
{
    (void)state;
    char name[300];
    uint8_t buf[512];
    long_name(name, 4, 63);
    name[63 * 3 + 3 + 61] = '\0';
    assert_int_equal(strlen(name), 253);
    assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, name, A), 12 + 255 + 4);
    name[253] = '.';
    name[254] = '\0'; /* the trailing dot adds nothing */
    assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, name, A), 12 + 255 + 4);
    long_name(name, 4, 63);
    name[63 * 3 + 3 + 62] = '\0';
    assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, name, A), -WEIR_DNS_NAME_INVALID);
}

static void characters_outside_letters_digits_hyphen_underscore_are_name_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {"a b.com", "a*.com", "a\\.b", "caf\xc3\xa9.fr",
                                "a\tb",    "a/b",    "a@b",   "a:80"};
    static const char *good[] = {"_dmarc.example.com", "xn--caf-dma.fr", "Host-1.EXAMPLE.com",
                                 "1.2.3.4.in-addr.arpa"};
    uint8_t buf[512];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(weir_dns_build_query(buf, sizeof(buf), 1, bad[i], A),
                         -WEIR_DNS_NAME_INVALID);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(weir_dns_build_query(buf, sizeof(buf), 1, good[i], A) > 0);
}

static void query_into_a_short_buffer_is_no_room_and_writes_nothing(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (size_t cap = 0; cap < sizeof(fx_query_www); cap++) {
        memset(buf, 0xa5, sizeof(buf));
        assert_int_equal(weir_dns_build_query(buf, cap, FX_ID, WWW, A), -WEIR_DNS_NO_ROOM);
        for (size_t i = 0; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0xa5);
    }
    memset(buf, 0xa5, sizeof(buf));
    assert_int_equal(weir_dns_build_query(buf, sizeof(fx_query_www), FX_ID, WWW, A),
                     sizeof(fx_query_www));
    for (size_t i = sizeof(fx_query_www); i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xa5);
}

/* ---- answers ---------------------------------------------------------------------------- */

static void plain_answer_gives_the_address_and_ttl(void **state)
{
    (void)state;
    weir_dns_result r;
    assert_int_equal(parse_exact(fx_answer_plain, sizeof(fx_answer_plain), &r), WEIR_DNS_OK);
    assert_int_equal(r.rcode, 0);
    assert_int_equal(r.naddrs, 1);
    assert_int_equal(r.nanswers, 1);
    assert_int_equal(r.addrs[0], 0xc0000201u);
    assert_int_equal(r.ttl, 300);
    assert_int_equal(r.cname_hops, 0);
    assert_int_equal(r.ignored, 0);
    assert_string_equal(r.canonical_name, WWW);
    assert_int_equal(r.canonical_len, strlen(WWW));
}

static void compressed_answer_gives_every_address_and_the_smallest_ttl(void **state)
{
    (void)state;
    weir_dns_result r;
    assert_int_equal(parse_exact(fx_answer_compressed, sizeof(fx_answer_compressed), &r),
                     WEIR_DNS_OK);
    assert_int_equal(r.naddrs, 2);
    assert_int_equal(r.addrs[0], 0xc0000201u);
    assert_int_equal(r.addrs[1], 0xc0000202u);
    assert_int_equal(r.ttl, 60);
    assert_string_equal(r.canonical_name, WWW);
}

static void cname_chain_is_followed_to_the_final_address(void **state)
{
    (void)state;
    weir_dns_result r;
    assert_int_equal(parse_exact(fx_answer_cname_chain, sizeof(fx_answer_cname_chain), &r),
                     WEIR_DNS_OK);
    assert_int_equal(r.cname_hops, 2);
    assert_int_equal(r.naddrs, 1);
    assert_int_equal(r.addrs[0], 0xc6336407u); /* 198.51.100.7 */
    assert_int_equal(r.ttl, 30);
    assert_string_equal(r.canonical_name, "edge.example.net");
    assert_int_equal(r.ignored, 1); /* other.example.com */
}

/* The records may come in any order: the chain is followed by name, not by position. */
static void cname_chain_in_reverse_order_is_followed(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 3, 0, 0);
    fx_question(&m, WWW, A);
    fx_a(&m, "c.example.net", 50, 0xc0000203u);
    fx_cname(&m, "b.example.net", 70, "c.example.net");
    fx_cname(&m, WWW, 90, "b.example.net");
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_OK);
    assert_int_equal(r.addrs[0], 0xc0000203u);
    assert_int_equal(r.cname_hops, 2);
    assert_int_equal(r.ttl, 50);
    assert_string_equal(r.canonical_name, "c.example.net");
}

static void names_match_regardless_of_case(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, "WwW.ExAmPlE.CoM", A);
    fx_cname(&m, "WWW.EXAMPLE.COM", 10, "Edge.Example.Net");
    fx_a(&m, "edge.EXAMPLE.net", 10, 0xc0000204u);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_OK);
    assert_int_equal(r.addrs[0], 0xc0000204u);
    assert_string_equal(r.canonical_name, "Edge.Example.Net"); /* case as received */
}

static void records_for_other_names_are_ignored_not_trusted(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 3, 0, 0);
    fx_question(&m, WWW, A);
    fx_a(&m, "evil.example.org", 10, 0x01020304u);
    fx_a(&m, "example.com", 10, 0x01020305u);
    fx_a(&m, WWW, 10, 0xc0000205u);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_OK);
    assert_int_equal(r.naddrs, 1);
    assert_int_equal(r.addrs[0], 0xc0000205u);
    assert_int_equal(r.ignored, 2);
}

/* Glue in the additional section is not an answer: only the answer section is believed. */
static void address_in_the_additional_section_is_not_trusted(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 0, 0, 1);
    fx_question(&m, WWW, A);
    fx_a(&m, WWW, 10, 0x01020304u);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_NO_ANSWER);
    assert_int_equal(r.naddrs, 0);
}

static void records_of_another_class_or_type_are_ignored(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 3, 0, 0);
    fx_question(&m, WWW, A);
    fx_name(&m, WWW); /* A in class CH (3): a 4-octet RDATA, but not an Internet address */
    fx_u16(&m, A);
    fx_u16(&m, 3);
    fx_u32(&m, 10);
    fx_u16(&m, 4);
    fx_u32(&m, 0x01020304u);
    fx_name(&m, WWW); /* AAAA */
    fx_rr_fixed(&m, WEIR_DNS_TYPE_AAAA, 10, 16);
    for (int i = 0; i < 16; i++)
        fx_u8(&m, (uint8_t)i);
    fx_a(&m, WWW, 10, 0xc0000206u);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_OK);
    assert_int_equal(r.naddrs, 1);
    assert_int_equal(r.addrs[0], 0xc0000206u);
    assert_int_equal(r.ignored, 2);
}

static void addresses_beyond_the_array_are_counted_not_stored(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 11, 0, 0);
    fx_question(&m, WWW, A);
    for (uint32_t i = 0; i < 11; i++)
        fx_a(&m, WWW, 100 - i, 0xc0000200u + i);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_OK);
    assert_int_equal(r.naddrs, WEIR_DNS_MAX_ADDRS);
    assert_int_equal(r.nanswers, 11);
    for (uint32_t i = 0; i < WEIR_DNS_MAX_ADDRS; i++)
        assert_int_equal(r.addrs[i], 0xc0000200u + i);
    assert_int_equal(r.ttl, 90); /* every record used counts, stored or not */
}

/* RFC 2181 §8: a TTL with the top bit set is read as zero. */
static void ttl_with_the_top_bit_set_counts_as_zero(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_plain)];
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[54] = 0x80; /* TTL @54..57 */
    weir_dns_result r;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_OK);
    assert_int_equal(r.ttl, 0);
}

static void other_qtypes_are_matched_and_counted(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
    fx_question(&m, WWW, WEIR_DNS_TYPE_AAAA);
    fx_name(&m, WWW);
    fx_rr_fixed(&m, WEIR_DNS_TYPE_AAAA, 10, 16);
    for (int i = 0; i < 16; i++)
        fx_u8(&m, (uint8_t)i);
    weir_dns_result r;
    assert_int_equal(weir_dns_parse_response(m.b, m.n, FX_ID, WWW, WEIR_DNS_TYPE_AAAA, &r),
                     WEIR_DNS_OK);
    assert_int_equal(r.nanswers, 1);
    assert_int_equal(r.naddrs, 0);
    /* The same bytes do not answer an A question. */
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MISMATCH);
}

static void cname_without_an_address_at_its_end_is_no_answer(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
    fx_question(&m, WWW, A);
    fx_cname(&m, WWW, 40, "web.example.net");
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_NO_ANSWER);
    assert_int_equal(r.cname_hops, 1);
    assert_int_equal(r.ttl, 40);
    assert_string_equal(r.canonical_name, "web.example.net");
}

/* An address for the asked name is not believed once the name is an alias for another. */
static void address_beside_a_cname_is_not_the_answer(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, WWW, A);
    fx_a(&m, WWW, 40, 0x01020304u);
    fx_cname(&m, WWW, 40, "web.example.net");
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_NO_ANSWER);
    assert_int_equal(r.ignored, 1);
}

static void empty_noerror_answer_is_no_answer(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 0, 0, 0);
    fx_question(&m, WWW, A);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_NO_ANSWER);
    assert_string_equal(r.canonical_name, WWW);
}

/* ---- CNAME chains that cannot be trusted ------------------------------------------------ */

static void cname_loop_is_malformed(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 3, 0, 0);
    fx_question(&m, WWW, A);
    fx_cname(&m, WWW, 10, "a.example.net");
    fx_cname(&m, "a.example.net", 10, "b.example.net");
    fx_cname(&m, "b.example.net", 10, "A.EXAMPLE.NET");
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

static void cname_back_to_the_asked_name_is_malformed(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, WWW, A);
    fx_cname(&m, WWW, 10, "a.example.net");
    fx_cname(&m, "a.example.net", 10, WWW);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

static void cname_to_itself_is_malformed(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
    fx_question(&m, WWW, A);
    fx_cname(&m, WWW, 10, WWW);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

/* www -> h1 -> … -> h<hops>, the last one with an address. */
static void build_chain(fx_msg *m, int hops)
{
    fx_header(m, FX_ID, 0x8180, 1, (uint16_t)(hops + 1), 0, 0);
    fx_question(m, WWW, A);
    char from[32] = WWW, to[32] = "h00.example.net";
    for (int i = 1; i <= hops; i++) {
        to[1] = (char)('0' + i / 10);
        to[2] = (char)('0' + i % 10);
        fx_cname(m, from, 10, to);
        memcpy(from, to, sizeof(to));
    }
    fx_a(m, from, 10, 0xc0000207u);
}

static void cname_chain_of_the_limit_is_followed_and_one_more_is_malformed(void **state)
{
    (void)state;
    fx_msg m;
    weir_dns_result r;
    build_chain(&m, WEIR_DNS_MAX_CNAME_HOPS);
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_OK);
    assert_int_equal(r.cname_hops, WEIR_DNS_MAX_CNAME_HOPS);
    assert_int_equal(r.addrs[0], 0xc0000207u);
    build_chain(&m, WEIR_DNS_MAX_CNAME_HOPS + 1);
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

/* RFC 2181 §10.1: one CNAME per name; with two, there is no telling which one to believe. */
static void two_cnames_for_one_name_are_malformed(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 3, 0, 0);
    fx_question(&m, WWW, A);
    fx_cname(&m, WWW, 10, "a.example.net");
    fx_cname(&m, WWW, 10, "b.example.net");
    fx_a(&m, "a.example.net", 10, 0xc0000208u);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

/* The canonical name is handed back as text; a dot inside a label would make it another name. */
static void cname_to_a_name_with_a_dot_inside_a_label_is_malformed(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
    fx_question(&m, WWW, A);
    fx_name(&m, WWW);
    fx_rr_fixed(&m, WEIR_DNS_TYPE_CNAME, 10, 13);
    fx_bytes(&m, "\013evil.com.co\000", 13);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

static void cname_rdata_longer_than_its_name_is_malformed(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
    fx_question(&m, WWW, A);
    fx_name(&m, WWW);
    fx_rr_fixed(&m, WEIR_DNS_TYPE_CNAME, 10, 4);
    fx_bytes(&m, "\001a\000x", 4);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
    /* And one whose name runs past its RDATA into the next bytes. */
    fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
    fx_question(&m, WWW, A);
    fx_name(&m, WWW);
    fx_rr_fixed(&m, WEIR_DNS_TYPE_CNAME, 10, 2);
    fx_bytes(&m, "\001a\000", 3);
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

/* ---- compression pointers (RFC 9267 §2) ------------------------------------------------- */

/* fx_answer_compressed with the first answer's owner pointer (@33) set to `target`. */
static weir_dns_status parse_with_owner_pointer(uint16_t pointer)
{
    uint8_t msg[sizeof(fx_answer_compressed)];
    memcpy(msg, fx_answer_compressed, sizeof(msg));
    msg[FX_COMPRESSED_AN1] = (uint8_t)(pointer >> 8);
    msg[FX_COMPRESSED_AN1 + 1] = (uint8_t)pointer;
    weir_dns_result r;
    return parse_exact(msg, sizeof(msg), &r);
}

static void pointer_to_an_earlier_name_is_followed(void **state)
{
    (void)state;
    assert_int_equal(parse_with_owner_pointer(0xc00c), WEIR_DNS_OK);
    /* to "example.com" @16: well formed, but another name, so the record is ignored */
    assert_int_equal(parse_with_owner_pointer(0xc010), WEIR_DNS_OK);
}

static void pointer_to_a_later_offset_is_rejected(void **state)
{
    (void)state;
    /* @49 is the second answer, which starts with a pointer: forward either way */
    assert_int_equal(parse_with_owner_pointer(0xc000 | FX_COMPRESSED_AN2), WEIR_DNS_MALFORMED);
    assert_int_equal(parse_with_owner_pointer(0xc000 | 60), WEIR_DNS_MALFORMED);
    assert_int_equal(parse_with_owner_pointer(0xffff), WEIR_DNS_MALFORMED); /* past the end */
}

/* The case only the backwards rule catches: a forward pointer to a complete, valid name. */
static void pointer_forward_to_a_valid_name_is_rejected(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, WWW, A);
    size_t first = m.n;
    fx_u16(&m, 0xc000); /* patched below to point at the second owner */
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 0xc0000201u);
    size_t second = m.n;
    fx_a(&m, WWW, 10, 0xc0000202u);
    m.b[first + 1] = (uint8_t)second;
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);

    /* The mirror image, the second owner pointing back at the first, is what encoders write. */
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, WWW, A);
    first = m.n;
    fx_a(&m, WWW, 10, 0xc0000201u);
    fx_u16(&m, (uint16_t)(0xc000 | first));
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 0xc0000202u);
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_OK);
    assert_int_equal(r.naddrs, 2);
}

/* A loop hidden where nothing decodes it (the opaque RDATA of an unknown type), entered from a
 * later owner name: the first pointer goes backwards, the one inside the loop must then point
 * below its own target, which it does not. */
static void pointer_loop_hidden_in_opaque_rdata_is_rejected(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, WWW, A);
    fx_name(&m, "blob.example.com");
    fx_rr_fixed(&m, 99, 10, 4);
    size_t loop = m.n;
    fx_bytes(&m, "\001a", 2);
    fx_u16(&m, (uint16_t)(0xc000 | loop)); /* back to its own label */
    fx_u16(&m, (uint16_t)(0xc000 | loop)); /* the next owner enters the loop */
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 1);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

static void pointer_to_itself_is_rejected(void **state)
{
    (void)state;
    assert_int_equal(parse_with_owner_pointer(0xc000 | FX_COMPRESSED_AN1), WEIR_DNS_MALFORMED);
}

static void pointer_into_the_header_is_rejected(void **state)
{
    (void)state;
    for (uint16_t off = 0; off < WEIR_DNS_HEADER_LEN; off++)
        assert_int_equal(parse_with_owner_pointer(0xc000 | off), WEIR_DNS_MALFORMED);
}

/* A pointer must land on a label: not on the root octet, not on another pointer (RFC 9267 §2
 * asks small stacks not to follow nested pointers), not in the middle of the fixed fields. */
static void pointer_to_a_pointer_or_a_zero_octet_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_compressed)];
    memcpy(msg, fx_answer_compressed, sizeof(msg));
    /* second answer's owner -> first answer's owner, which is a pointer */
    msg[FX_COMPRESSED_AN2 + 1] = FX_COMPRESSED_AN1;
    weir_dns_result r;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
    assert_int_equal(parse_with_owner_pointer(0xc000 | 28), WEIR_DNS_MALFORMED); /* root @28 */
    assert_int_equal(parse_with_owner_pointer(0xc000 | 29), WEIR_DNS_MALFORMED); /* QTYPE 0x00 */
}

/* RFC 9267's second figure: "test" followed by a pointer back to its own start — each pointer
 * on its own points backwards, yet following them never ends. Here as the question… */
static void pointer_loop_through_a_label_is_rejected(void **state)
{
    (void)state;
    static const uint8_t msg[] = {
        0x1a, 0x2b, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x04, 't',  'e',  's',  't',  0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
    };
    weir_dns_result r;
    assert_int_equal(weir_dns_parse_response(msg, sizeof(msg), FX_ID, "test", A, &r),
                     WEIR_DNS_MALFORMED);
    /* …and as an answer: label at @33 then a pointer back to @33. */
    uint8_t m2[sizeof(fx_answer_compressed)];
    memcpy(m2, fx_answer_compressed, sizeof(m2));
    /* turn the first answer into "\x01a" + pointer @33, dropping 2 bytes of TYPE for room is
     * not needed: the parser must refuse before it reaches them. */
    m2[33] = 0x01;
    m2[34] = 'a';
    m2[35] = 0xc0;
    m2[36] = 33;
    assert_int_equal(parse_exact(m2, sizeof(m2), &r), WEIR_DNS_MALFORMED);
}

/* Two names pointing at each other: A @X -> B, B @Y -> A. Whichever comes later points
 * forward from the other's point of view, so one of the two pointers is always refused. */
static void pointer_loop_between_two_names_is_rejected(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, WWW, A);
    size_t first = m.n; /* "\x01x" + pointer to second */
    fx_bytes(&m, "\x01x\xc0\x00", 4);
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 1);
    size_t second = m.n; /* "\x01y" + pointer to first */
    fx_bytes(&m, "\x01y\xc0\x00", 4);
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 2);
    m.b[first + 3] = (uint8_t)second;
    m.b[second + 3] = (uint8_t)first;
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

/* Nothing precedes the question but the header, so a pointer there is always refused. */
static void pointer_in_the_question_is_rejected(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_plain)];
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[12] = 0xc0;
    msg[13] = 0x0c;
    weir_dns_result r;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
}

/* A chain of pointers, each to an earlier one and each landing on a one-letter label: legal
 * step by step, but the name holds more than WEIR_DNS_MAX_POINTER_HOPS pointers. The chain lives
 * in the opaque RDATA of a record of type 99; a second record's owner points at its last link. */
static void too_many_pointers_in_one_name_are_rejected(void **state)
{
    (void)state;
    for (int links = WEIR_DNS_MAX_POINTER_HOPS - 1; links <= WEIR_DNS_MAX_POINTER_HOPS; links++) {
        fx_msg m;
        fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
        fx_question(&m, WWW, A);
        fx_name(&m, "blob.example.com");
        fx_rr_fixed(&m, 99, 10, (uint16_t)(links * 4));
        size_t prev = 24; /* "com" in the question */
        for (int i = 0; i < links; i++) {
            size_t here = m.n;
            fx_bytes(&m, "\001a", 2);
            fx_u16(&m, (uint16_t)(0xc000 | prev));
            prev = here;
        }
        fx_u16(&m, (uint16_t)(0xc000 | prev)); /* a.a.….a.com: links + 1 pointers */
        fx_rr_fixed(&m, A, 10, 4);
        fx_u32(&m, 3);
        weir_dns_result r;
        /* Legal, the record is for another name: no answer. One link more: refused. */
        weir_dns_status want =
            links + 1 > WEIR_DNS_MAX_POINTER_HOPS ? WEIR_DNS_MALFORMED : WEIR_DNS_NO_ANSWER;
        assert_int_equal(parse_fx(&m, &r), want);
    }
}

/* RFC 1035 §4.1.4 reserves the label types 0b01 and 0b10. */
static void label_types_01_and_10_are_rejected(void **state)
{
    (void)state;
    static const uint8_t types[] = {0x40, 0x41, 0x7f, 0x80, 0xbf};
    for (size_t i = 0; i < sizeof(types); i++) {
        uint8_t msg[sizeof(fx_answer_plain)];
        memcpy(msg, fx_answer_plain, sizeof(msg));
        msg[33] = types[i]; /* the answer's first length octet */
        weir_dns_result r;
        assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
    }
}

/* ---- lengths (RFC 9267 §3-§6) ----------------------------------------------------------- */

static void label_of_64_octets_is_malformed(void **state)
{
    (void)state;
    for (int len = 63; len <= 64; len++) {
        fx_msg m;
        fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
        fx_question(&m, WWW, A);
        fx_u8(&m, (uint8_t)len);
        for (int i = 0; i < len; i++)
            fx_u8(&m, 'x');
        fx_u8(&m, 0);
        fx_rr_fixed(&m, A, 10, 4);
        fx_u32(&m, 1);
        weir_dns_result r;
        assert_int_equal(parse_fx(&m, &r), len == 63 ? WEIR_DNS_NO_ANSWER : WEIR_DNS_MALFORMED);
    }
    /* In the question too. */
    char name[80];
    weir_dns_result r;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 0, 0, 0);
    fx_u8(&m, 64);
    fx_bytes(&m, long_name(name, 1, 64), 64);
    fx_u8(&m, 0);
    fx_u16(&m, A);
    fx_u16(&m, 1);
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

/* Names are counted decoded: 255 octets in all (RFC 9267 §3), whether the octets are in place
 * or reached through a pointer. */
static void name_over_255_octets_is_malformed(void **state)
{
    (void)state;
    char name[300];
    /* In place: four labels of 63 = 257 octets. */
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
    fx_question(&m, WWW, A);
    fx_name(&m, long_name(name, 4, 63));
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 1);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);

    /* Through a pointer: the question is a legal 3 x 63 + 61 name of exactly 255 octets; an
     * answer owner of one more label pointing at it decodes to 257. */
    long_name(name, 4, 63);
    name[63 * 3 + 3 + 61] = '\0';
    fx_header(&m, FX_ID, 0x8180, 1, 2, 0, 0);
    fx_question(&m, name, A);
    fx_u16(&m, 0xc00c); /* the asked name itself: fine */
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 7);
    fx_bytes(&m, "\x01z\xc0\x0c", 4);
    fx_rr_fixed(&m, A, 10, 4);
    fx_u32(&m, 8);
    assert_int_equal(parse_exact_as(m.b, m.n, name, &r), WEIR_DNS_MALFORMED);
    m.b[7] = 1; /* ANCOUNT 1, and drop the second record: now it parses */
    /* A branch, not an assert: it shows gcc -O3 that the subtraction cannot wrap (otherwise it
     * warns that the copy's malloc might be asked for more than PTRDIFF_MAX). */
    if (m.n < 4 + 10 + 4)
        fail();
    m.n -= 4 + 10 + 4;
    assert_int_equal(parse_exact_as(m.b, m.n, name, &r), WEIR_DNS_OK);
    assert_int_equal(r.canonical_len, 253);
}

static void counts_larger_than_the_data_are_malformed(void **state)
{
    (void)state;
    static const uint8_t offsets[] = {7, 9, 11}; /* low octet of ANCOUNT, NSCOUNT, ARCOUNT */
    for (size_t i = 0; i < sizeof(offsets); i++) {
        uint8_t msg[sizeof(fx_answer_plain)];
        memcpy(msg, fx_answer_plain, sizeof(msg));
        msg[offsets[i]] += 1;
        weir_dns_result r;
        assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
        msg[offsets[i] - 1] = 0xff; /* ~65000 records claimed in a 60-byte message */
        assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
    }
}

/* Counts must correspond to the data (RFC 9267 §6): bytes left over mean they lie. */
static void bytes_after_the_last_record_are_malformed(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_plain) + 1];
    memcpy(msg, fx_answer_plain, sizeof(fx_answer_plain));
    msg[sizeof(fx_answer_plain)] = 0;
    weir_dns_result r;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
    memcpy(msg, fx_answer_plain, sizeof(fx_answer_plain));
    msg[7] = 0; /* ANCOUNT 0: the answer record is now unaccounted for */
    assert_int_equal(parse_exact(msg, sizeof(fx_answer_plain), &r), WEIR_DNS_MALFORMED);
}

static void rdlength_past_the_end_is_malformed(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_nxdomain)];
    memcpy(msg, fx_answer_nxdomain, sizeof(msg));
    msg[44] = 0x22; /* the SOA's RDLENGTH @43..44, one past the end */
    weir_dns_result r;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
    msg[43] = 0xff;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
}

static void a_record_with_rdlength_other_than_4_is_malformed(void **state)
{
    (void)state;
    for (uint16_t rdlen = 0; rdlen <= 8; rdlen++) {
        fx_msg m;
        fx_header(&m, FX_ID, 0x8180, 1, 1, 0, 0);
        fx_question(&m, WWW, A);
        fx_name(&m, WWW);
        fx_rr_fixed(&m, A, 10, rdlen);
        for (uint16_t i = 0; i < rdlen; i++)
            fx_u8(&m, 1);
        weir_dns_result r;
        assert_int_equal(parse_fx(&m, &r), rdlen == 4 ? WEIR_DNS_OK : WEIR_DNS_MALFORMED);
    }
    /* Even in the additional section, where it would not be used. */
    fx_msg m;
    fx_header(&m, FX_ID, 0x8180, 1, 0, 0, 1);
    fx_question(&m, WWW, A);
    fx_name(&m, "ns.example.com");
    fx_rr_fixed(&m, A, 10, 5);
    fx_bytes(&m, "\x01\x02\x03\x04\x05", 5);
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_MALFORMED);
}

static void broken_name_in_the_authority_section_is_malformed(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_nxdomain)];
    memcpy(msg, fx_answer_nxdomain, sizeof(msg));
    msg[34] = 33; /* the SOA owner points at itself */
    weir_dns_result r;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
}

static void every_prefix_of_a_valid_answer_is_malformed(void **state)
{
    (void)state;
    const struct {
        const uint8_t *msg;
        size_t len;
    } fx[] = {
        {fx_answer_plain, sizeof(fx_answer_plain)},
        {fx_answer_compressed, sizeof(fx_answer_compressed)},
        {fx_answer_cname_chain, sizeof(fx_answer_cname_chain)},
        {fx_answer_nxdomain, sizeof(fx_answer_nxdomain)},
    };
    for (size_t f = 0; f < sizeof(fx) / sizeof(fx[0]); f++) {
        weir_dns_result r;
        assert_true(parse_exact(fx[f].msg, fx[f].len, &r) == WEIR_DNS_OK ||
                    parse_exact(fx[f].msg, fx[f].len, &r) == WEIR_DNS_NXDOMAIN);
        for (size_t len = 0; len < fx[f].len; len++)
            assert_int_equal(parse_exact(fx[f].msg, len, &r), WEIR_DNS_MALFORMED);
    }
}

/* ---- responses that are not ours -------------------------------------------------------- */

static void wrong_id_is_mismatch(void **state)
{
    (void)state;
    weir_dns_result r;
    assert_int_equal(
        weir_dns_parse_response(fx_answer_plain, sizeof(fx_answer_plain), FX_ID + 1, WWW, A, &r),
        WEIR_DNS_MISMATCH);
}

static void other_question_is_mismatch(void **state)
{
    (void)state;
    weir_dns_result r;
    assert_int_equal(weir_dns_parse_response(fx_answer_plain, sizeof(fx_answer_plain), FX_ID,
                                             "ww.example.com", A, &r),
                     WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_parse_response(fx_answer_plain, sizeof(fx_answer_plain), FX_ID,
                                             "www.example.com.evil", A, &r),
                     WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_parse_response(fx_answer_plain, sizeof(fx_answer_plain), FX_ID, WWW,
                                             WEIR_DNS_TYPE_AAAA, &r),
                     WEIR_DNS_MISMATCH);
    uint8_t msg[sizeof(fx_answer_plain)];
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[32] = 3; /* QCLASS CH */
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MISMATCH);
    /* The trailing dot of the asked name does not matter. */
    assert_int_equal(
        weir_dns_parse_response(fx_answer_plain, sizeof(fx_answer_plain), FX_ID, WWW ".", A, &r),
        WEIR_DNS_OK);
}

static void query_or_other_opcode_is_mismatch(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_plain)];
    weir_dns_result r;
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[2] &= 0x7f; /* QR 0: our own query reflected back */
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MISMATCH);
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[2] |= 0x10; /* opcode 2, STATUS */
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MISMATCH);
}

static void question_count_other_than_one_is_mismatch(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_plain)];
    weir_dns_result r;
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[5] = 0;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MISMATCH);
    msg[5] = 2;
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MISMATCH);
}

static void failed_parse_leaves_the_result_untouched(void **state)
{
    (void)state;
    weir_dns_result r, before;
    memset(&r, 0x5a, sizeof(r));
    memcpy(&before, &r, sizeof(r));
    uint8_t msg[sizeof(fx_answer_plain)];
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[59] = 5; /* RDLENGTH 5 */
    assert_int_equal(parse_exact(msg, sizeof(msg), &r), WEIR_DNS_MALFORMED);
    assert_memory_equal(&r, &before, sizeof(r));
    assert_int_equal(
        weir_dns_parse_response(fx_answer_plain, sizeof(fx_answer_plain), 1, WWW, A, &r),
        WEIR_DNS_MISMATCH);
    assert_memory_equal(&r, &before, sizeof(r));
}

static void invalid_asked_name_is_name_invalid(void **state)
{
    (void)state;
    weir_dns_result r;
    assert_int_equal(weir_dns_parse_response(fx_answer_plain, sizeof(fx_answer_plain), FX_ID,
                                             "www..example.com", A, &r),
                     WEIR_DNS_NAME_INVALID);
}

/* ---- RCODE and TC ----------------------------------------------------------------------- */

static void nxdomain_is_reported_with_its_rcode(void **state)
{
    (void)state;
    weir_dns_result r;
    assert_int_equal(parse_exact(fx_answer_nxdomain, sizeof(fx_answer_nxdomain), &r),
                     WEIR_DNS_NXDOMAIN);
    assert_int_equal(r.rcode, WEIR_DNS_RCODE_NXDOMAIN);
    assert_int_equal(r.naddrs, 0);
    assert_string_equal(r.canonical_name, WWW);
}

/* RFC 6604: NXDOMAIN is about the end of the chain; the chain itself is reported. */
static void nxdomain_after_a_cname_names_the_end_of_the_chain(void **state)
{
    (void)state;
    fx_msg m;
    fx_header(&m, FX_ID, 0x8183, 1, 1, 0, 0);
    fx_question(&m, WWW, A);
    fx_cname(&m, WWW, 10, "gone.example.net");
    weir_dns_result r;
    assert_int_equal(parse_fx(&m, &r), WEIR_DNS_NXDOMAIN);
    assert_string_equal(r.canonical_name, "gone.example.net");
}

static void each_rcode_has_its_result(void **state)
{
    (void)state;
    static const struct {
        uint8_t rcode;
        weir_dns_status st;
    } cases[] = {
        {0, WEIR_DNS_OK},           {1, WEIR_DNS_RCODE_OTHER}, {2, WEIR_DNS_SERVFAIL},
        {3, WEIR_DNS_NXDOMAIN},     {4, WEIR_DNS_RCODE_OTHER}, {5, WEIR_DNS_REFUSED},
        {15, WEIR_DNS_RCODE_OTHER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t msg[sizeof(fx_answer_plain)];
        memcpy(msg, fx_answer_plain, sizeof(msg));
        msg[3] = (uint8_t)(0x80 | cases[i].rcode);
        weir_dns_result r;
        assert_int_equal(parse_exact(msg, sizeof(msg), &r), cases[i].st);
        assert_int_equal(r.rcode, cases[i].rcode);
        /* No address is taken from a message that says the name does not resolve. */
        assert_int_equal(r.naddrs, cases[i].st == WEIR_DNS_OK ? 1 : 0);
    }
}

/* RFC 2181 §9: with TC set the records after the question may be missing while the counts
 * still claim them, so nothing after the question is read. The question must still be ours. */
static void tc_bit_is_truncated_even_when_records_are_cut(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_answer_compressed)];
    memcpy(msg, fx_answer_compressed, sizeof(msg));
    msg[2] |= 0x02;
    weir_dns_result r, before;
    memset(&r, 0x5a, sizeof(r));
    memcpy(&before, &r, sizeof(r));
    for (size_t len = FX_COMPRESSED_AN1; len <= sizeof(msg); len++)
        assert_int_equal(parse_exact(msg, len, &r), WEIR_DNS_TRUNCATED);
    assert_memory_equal(&r, &before, sizeof(r));
    /* A question cut short is not a question. */
    assert_int_equal(parse_exact(msg, FX_COMPRESSED_AN1 - 1, &r), WEIR_DNS_MALFORMED);
    /* TC on an answer to somebody else's question is still not ours. */
    assert_int_equal(parse_exact_as(msg, FX_COMPRESSED_AN1, "other.example.com", &r),
                     WEIR_DNS_MISMATCH);
}

/* ---- round trip and names --------------------------------------------------------------- */

static void built_query_answered_in_place_parses(void **state)
{
    (void)state;
    uint8_t buf[512];
    int n = weir_dns_build_query(buf, sizeof(buf), 0xbeef, "Mixed-Case_1.example.org.", A);
    assert_true(n > 0);
    buf[2] |= 0x80; /* QR */
    buf[7] = 1;     /* ANCOUNT */
    size_t len = (size_t)n;
    static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 203, 0, 113, 9};
    memcpy(buf + len, rr, sizeof(rr));
    len += sizeof(rr);
    weir_dns_result r;
    assert_int_equal(weir_dns_parse_response(buf, len, 0xbeef, "mixed-case_1.EXAMPLE.org", A, &r),
                     WEIR_DNS_OK);
    assert_int_equal(r.addrs[0], 0xcb007109u);
    assert_string_equal(r.canonical_name, "Mixed-Case_1.example.org");
}

static void every_status_has_its_own_name(void **state)
{
    (void)state;
    for (int a = WEIR_DNS_OK; a <= WEIR_DNS_IDLE; a++) {
        const char *na = weir_dns_status_name((weir_dns_status)a);
        assert_string_not_equal(na, "unknown");
        for (int b = a + 1; b <= WEIR_DNS_IDLE; b++)
            assert_string_not_equal(na, weir_dns_status_name((weir_dns_status)b));
    }
    assert_string_equal(weir_dns_status_name((weir_dns_status)-WEIR_DNS_NO_ROOM), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_is_laid_out_as_rfc1035_says),
        cmocka_unit_test(trailing_dot_names_the_same_query),
        cmocka_unit_test(query_carries_the_type_asked),
        cmocka_unit_test(empty_labels_are_name_invalid),
        cmocka_unit_test(label_of_64_octets_is_name_invalid),
        cmocka_unit_test(name_over_255_octets_is_name_invalid),
        cmocka_unit_test(characters_outside_letters_digits_hyphen_underscore_are_name_invalid),
        cmocka_unit_test(query_into_a_short_buffer_is_no_room_and_writes_nothing),
        cmocka_unit_test(plain_answer_gives_the_address_and_ttl),
        cmocka_unit_test(compressed_answer_gives_every_address_and_the_smallest_ttl),
        cmocka_unit_test(cname_chain_is_followed_to_the_final_address),
        cmocka_unit_test(cname_chain_in_reverse_order_is_followed),
        cmocka_unit_test(names_match_regardless_of_case),
        cmocka_unit_test(records_for_other_names_are_ignored_not_trusted),
        cmocka_unit_test(address_in_the_additional_section_is_not_trusted),
        cmocka_unit_test(records_of_another_class_or_type_are_ignored),
        cmocka_unit_test(addresses_beyond_the_array_are_counted_not_stored),
        cmocka_unit_test(ttl_with_the_top_bit_set_counts_as_zero),
        cmocka_unit_test(other_qtypes_are_matched_and_counted),
        cmocka_unit_test(cname_without_an_address_at_its_end_is_no_answer),
        cmocka_unit_test(address_beside_a_cname_is_not_the_answer),
        cmocka_unit_test(empty_noerror_answer_is_no_answer),
        cmocka_unit_test(cname_loop_is_malformed),
        cmocka_unit_test(cname_back_to_the_asked_name_is_malformed),
        cmocka_unit_test(cname_to_itself_is_malformed),
        cmocka_unit_test(cname_chain_of_the_limit_is_followed_and_one_more_is_malformed),
        cmocka_unit_test(two_cnames_for_one_name_are_malformed),
        cmocka_unit_test(cname_to_a_name_with_a_dot_inside_a_label_is_malformed),
        cmocka_unit_test(cname_rdata_longer_than_its_name_is_malformed),
        cmocka_unit_test(pointer_to_an_earlier_name_is_followed),
        cmocka_unit_test(pointer_to_a_later_offset_is_rejected),
        cmocka_unit_test(pointer_forward_to_a_valid_name_is_rejected),
        cmocka_unit_test(pointer_loop_hidden_in_opaque_rdata_is_rejected),
        cmocka_unit_test(pointer_to_itself_is_rejected),
        cmocka_unit_test(pointer_into_the_header_is_rejected),
        cmocka_unit_test(pointer_to_a_pointer_or_a_zero_octet_is_rejected),
        cmocka_unit_test(pointer_loop_through_a_label_is_rejected),
        cmocka_unit_test(pointer_loop_between_two_names_is_rejected),
        cmocka_unit_test(pointer_in_the_question_is_rejected),
        cmocka_unit_test(too_many_pointers_in_one_name_are_rejected),
        cmocka_unit_test(label_types_01_and_10_are_rejected),
        cmocka_unit_test(label_of_64_octets_is_malformed),
        cmocka_unit_test(name_over_255_octets_is_malformed),
        cmocka_unit_test(counts_larger_than_the_data_are_malformed),
        cmocka_unit_test(bytes_after_the_last_record_are_malformed),
        cmocka_unit_test(rdlength_past_the_end_is_malformed),
        cmocka_unit_test(a_record_with_rdlength_other_than_4_is_malformed),
        cmocka_unit_test(broken_name_in_the_authority_section_is_malformed),
        cmocka_unit_test(every_prefix_of_a_valid_answer_is_malformed),
        cmocka_unit_test(wrong_id_is_mismatch),
        cmocka_unit_test(other_question_is_mismatch),
        cmocka_unit_test(query_or_other_opcode_is_mismatch),
        cmocka_unit_test(question_count_other_than_one_is_mismatch),
        cmocka_unit_test(failed_parse_leaves_the_result_untouched),
        cmocka_unit_test(invalid_asked_name_is_name_invalid),
        cmocka_unit_test(nxdomain_is_reported_with_its_rcode),
        cmocka_unit_test(nxdomain_after_a_cname_names_the_end_of_the_chain),
        cmocka_unit_test(each_rcode_has_its_result),
        cmocka_unit_test(tc_bit_is_truncated_even_when_records_are_cut),
        cmocka_unit_test(built_query_answered_in_place_parses),
        cmocka_unit_test(every_status_has_its_own_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
