/* test_dns_query.c — the public name lookup (weir/dns.h) on the stack's UDP: the query on the
 * wire, the answer taken, forged answers ignored, retries and the final timeout, NXDOMAIN, and
 * IPv4 literals answered without a query. The strict parsing itself is tested in tests/dns. */
#include <string.h>

#include "ip_fixture.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define LOCAL_IP FX_LOCAL_IP
#define SERVER_IP 0x0a000035u
#define MTU FX_MTU

/* The query last sent: its UDP header and DNS message. */
static weir_udp_repr last_query(fixture *f)
{
    weir_ipv4_repr ip;
    assert_true(f->count > 0);
    assert_int_equal(weir_ipv4_parse(f->frames[f->count - 1], f->lens[f->count - 1], true, &ip),
                     WEIR_WIRE_OK);
    assert_int_equal(ip.dst, SERVER_IP);
    weir_udp_repr u;
    assert_int_equal(weir_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, true, &u),
                     WEIR_WIRE_OK);
    assert_int_equal(u.dst_port, 53);
    return u;
}

/* An answer to `q`: its header and question, with the given rcode and one A record (pointer to
 * the question's name) when addr is not 0. */
static void answer(fixture *f, const weir_udp_repr *q, uint16_t from_port, uint8_t rcode,
                   uint32_t addr)
{
    uint8_t msg[512];
    memcpy(msg, q->payload, q->payload_len);
    msg[2] = 0x81; /* QR, RD */
    msg[3] = (uint8_t)(0x80 | rcode); /* RA */
    msg[7] = addr ? 1 : 0; /* ANCOUNT */
    size_t n = q->payload_len;
    if (addr) {
        const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4,
                              (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
                              (uint8_t)addr};
        memcpy(msg + n, rr, sizeof rr);
        n += sizeof rr;
    }
    uint8_t pkt[MTU];
    weir_udp_repr u = {.src_port = from_port, .dst_port = q->src_port, .payload = msg,
                       .payload_len = n};
    int len = weir_udp_emit(&u, SERVER_IP, LOCAL_IP, pkt + 20, sizeof pkt - 20);
    weir_ipv4_repr ip = {.src = SERVER_IP, .dst = LOCAL_IP, .protocol = WEIR_IP_PROTO_UDP,
                         .ttl = 64, .payload_len = (size_t)len};
    weir_ipv4_emit_header(&ip, pkt, sizeof pkt);
    assert_int_equal(weir_netif_input(f->s, f->netif, pkt, 20 + (size_t)len, f->now), 0);
}

static bool readable(fixture *f, int h)
{
    weir_event ev;
    bool seen = false;
    while (weir_stack_next_event(f->s, &ev))
        seen |= ev.sock == h && ev.type == WEIR_EV_READABLE;
    return seen;
}

static void name_is_resolved_from_the_servers_answer(void **state)
{
    (void)state;
    fixture *f = fx_new(99);
    int h = weir_dns_resolve(f->s, "www.example.test", SERVER_IP);
    assert_true(h >= 0);
    assert_int_equal(f->count, 1);
    weir_udp_repr q = last_query(f);
    assert_true(q.src_port >= 49152);
    weir_dns_answer a;
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), WEIR_EAGAIN);
    answer(f, &q, 5353, 0, 0xc6120001u); /* from the wrong port: ignored */
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), WEIR_EAGAIN);
    answer(f, &q, 53, 0, 0xc6120001u);
    assert_true(readable(f, h));
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), 0);
    assert_int_equal(a.naddrs, 1);
    assert_int_equal(a.addrs[0], 0xc6120001u);
    assert_int_equal(a.ttl, 3600);
    assert_string_equal(a.canonical, "www.example.test");
    assert_int_equal(weir_stack_next_deadline(f->s), UINT64_MAX); /* no retry pending */
    assert_int_equal(weir_dns_close(f->s, h), 0);
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), WEIR_EBADF);
    fx_free(f);
}

static void unanswered_query_is_retried_then_times_out(void **state)
{
    (void)state;
    fixture *f = fx_new(99);
    int h = weir_dns_resolve(f->s, "slow.example.test", SERVER_IP);
    uint64_t start = f->now;
    for (int i = 0; i < 10 && !readable(f, h); i++) {
        f->now = weir_stack_next_deadline(f->s);
        assert_true(f->now != UINT64_MAX);
        weir_stack_poll(f->s, f->now);
    }
    assert_int_equal(f->count, 3); /* three tries */
    assert_int_equal(f->now - start, 7000000); /* 1 s + 2 s + 4 s */
    weir_dns_answer a;
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), WEIR_ETIMEDOUT);
    assert_int_equal(a.naddrs, 0);
    weir_dns_close(f->s, h);
    fx_free(f);
}

static void nonexistent_name_is_enoent(void **state)
{
    (void)state;
    fixture *f = fx_new(99);
    int h = weir_dns_resolve(f->s, "nope.example.test", SERVER_IP);
    weir_udp_repr q = last_query(f);
    answer(f, &q, 53, 3 /* NXDOMAIN */, 0);
    weir_dns_answer a;
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), WEIR_ENOENT);
    assert_non_null(a.detail);
    fx_free(f); /* the handle is freed with the stack */
}

static void literal_address_needs_no_query(void **state)
{
    (void)state;
    fixture *f = fx_new(99);
    int h = weir_dns_resolve(f->s, "198.18.0.1", SERVER_IP);
    assert_true(h >= 0);
    assert_int_equal(f->count, 0);
    assert_true(readable(f, h));
    weir_dns_answer a;
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), 0);
    assert_int_equal(a.addrs[0], 0xc6120001u);
    assert_int_equal(weir_dns_resolve(f->s, "bad..name", SERVER_IP), WEIR_EINVAL);
    assert_int_equal(weir_dns_resolve(f->s, "ok.name", 0), WEIR_EINVAL);
    fx_free(f);
}

static void port_unreachable_from_the_server_ends_the_lookup_at_once(void **state)
{
    (void)state;
    fixture *f = fx_new(99);
    int h = weir_dns_resolve(f->s, "www.example.test", SERVER_IP);
    assert_int_equal(f->count, 1);
    /* The server's kernel: nothing listens on port 53. */
    uint8_t icmp[64], pkt[128];
    weir_icmp_repr m = {.type = WEIR_ICMP_DEST_UNREACH, .code = WEIR_ICMP_UNREACH_PORT,
                        .payload = f->frames[0], .payload_len = 28};
    int n = weir_icmp_emit(&m, icmp, sizeof icmp);
    weir_ipv4_repr ip = {.src = SERVER_IP, .dst = LOCAL_IP, .protocol = WEIR_IP_PROTO_ICMP,
                         .ttl = 64, .payload_len = (size_t)n};
    weir_ipv4_emit_header(&ip, pkt, sizeof pkt);
    memcpy(pkt + 20, icmp, (size_t)n);
    assert_int_equal(weir_netif_input(f->s, f->netif, pkt, 20 + (size_t)n, f->now), 0);
    assert_true(readable(f, h));
    weir_dns_answer a;
    assert_int_equal(weir_dns_get_answer(f->s, h, &a), WEIR_ECONNREFUSED);
    assert_int_equal(weir_stack_next_deadline(f->s), UINT64_MAX); /* no retries left behind */
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(name_is_resolved_from_the_servers_answer),
        cmocka_unit_test(unanswered_query_is_retried_then_times_out),
        cmocka_unit_test(nonexistent_name_is_enoent),
        cmocka_unit_test(literal_address_needs_no_query),
        cmocka_unit_test(port_unreachable_from_the_server_ends_the_lookup_at_once),
    };
    return cmocka_run_group_tests_name("dns_query", tests, NULL, NULL);
}
