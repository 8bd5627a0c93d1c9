/* test_ip_addr.c — addresses that name no single host (RFC 1122 §3.2.1.3): never a source the
 * stack answers, for any protocol (RFC 9293 MUST-63, RFC 1122 §3.2.2), as decided by one
 * predicate, weir_ip_not_single_host (src/ip/ipv4.c).
 *
 * One stack with 10.0.0.1/24 (the fixture), sometimes a second interface; packets from sources
 * good and bad are built with the wire emitters and handed to weir_netif_input. */
#include <string.h>

#include "core/core.h"
#include "ip_fixture.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define LOCAL_IP FX_LOCAL_IP
#define PEER_IP 0x0a000002u

static int capture(void *ctx, const uint8_t *frame, size_t len)
{
    (void)frame;
    (void)len;
    unsigned *count = ctx;
    (*count)++;
    return 0;
}

/* A second IP interface; its transmissions are only counted in *sent. */
static int add_netif(fixture *f, const char *name, uint32_t ip, uint8_t prefix_len,
                     unsigned *sent)
{
    weir_netif_config nc = {.name = name, .medium = WEIR_MEDIUM_IP, .mtu = FX_MTU, .ip = ip,
                            .prefix_len = prefix_len, .transmit = capture, .transmit_ctx = sent};
    int n = weir_netif_add(f->s, &nc);
    assert_true(n >= 0);
    return n;
}

static void inject_udp(fixture *f, int netif, uint32_t src, uint32_t dst, uint16_t dport)
{
    uint8_t buf[64];
    weir_udp_repr u = {.src_port = 4000, .dst_port = dport, .payload = (const uint8_t *)"hi",
                       .payload_len = 2};
    int n = weir_udp_emit(&u, src, dst, buf, sizeof buf);
    assert_true(n > 0);
    fx_inject_ip_on(f, netif, src, dst, WEIR_IP_PROTO_UDP, buf, (size_t)n);
}

static void inject_echo_request(fixture *f, uint32_t src)
{
    uint8_t buf[64];
    weir_icmp_repr r = {.type = WEIR_ICMP_ECHO_REQUEST, .ident = 9, .seq = 3,
                        .payload = (const uint8_t *)"abc", .payload_len = 3};
    int n = weir_icmp_emit(&r, buf, sizeof buf);
    assert_true(n > 0);
    fx_inject_ip_on(f, f->netif, src, LOCAL_IP, WEIR_IP_PROTO_ICMP, buf, (size_t)n);
}

static void inject_syn(fixture *f, uint32_t src, uint16_t dport)
{
    uint8_t seg[64];
    weir_tcp_repr r = {.src_port = 40000, .dst_port = dport, .seq = 1000,
                       .flags = WEIR_TCP_FLAG_SYN, .window = 65535};
    int n = weir_tcp_emit(&r, src, LOCAL_IP, seg, sizeof seg);
    assert_true(n > 0);
    fx_inject_ip_on(f, f->netif, src, LOCAL_IP, WEIR_IP_PROTO_TCP, seg, (size_t)n);
}

/* The predicate itself, form by form, with a second subnet and a /31 (no broadcast, RFC 3021). */
static void not_single_host_names_every_form(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    unsigned sent = 0;
    add_netif(f, "t1", 0xc0a80701u, 24, &sent);      /* 192.168.7.1/24 */
    add_netif(f, "t2", 0xac100000u, 31, &sent);      /* 172.16.0.0/31 */
    const uint32_t bad[] = {
        0x00000000u, /* 0.0.0.0 */
        0x00010203u, /* 0.1.2.3: "this network" */
        0x7f000001u, /* 127.0.0.1: loopback, and no interface of ours is one */
        0x7fffffffu, /* 127.255.255.255 */
        0xe0000001u, /* 224.0.0.1: multicast */
        0xefffffffu, /* 239.255.255.255 */
        0xf0000001u, /* 240.0.0.1: class E */
        0xfffffffeu, /* 255.255.255.254 */
        0xffffffffu, /* the limited broadcast */
        0x0a0000ffu, /* 10.0.0.255: our first subnet's directed broadcast */
        0xc0a807ffu, /* 192.168.7.255: the second's */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!weir_ip_not_single_host(f->s, -1, bad[i]))
            fail_msg("0x%08x should name no single host", (unsigned)bad[i]);
        if (!weir_ip_not_single_host(f->s, f->netif, bad[i]))
            fail_msg("0x%08x should name no single host on t0", (unsigned)bad[i]);
    }
    const uint32_t good[] = {
        PEER_IP,     0x0a0000feu, /* 10.0.0.254 */
        0xc0a807feu,              /* 192.168.7.254 */
        0xac100001u,              /* 172.16.0.1: a /31 has no broadcast address */
        0x01000000u,              /* 1.0.0.0 */
        0x7effffffu,              /* 126.255.255.255 */
        0x80000001u,              /* 128.0.0.1 */
        0xdfffffffu,              /* 223.255.255.255, the last class C address */
        0x0b0000ffu,              /* 11.0.0.255: someone else's subnet, maybe a host */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (weir_ip_not_single_host(f->s, -1, good[i]))
            fail_msg("0x%08x is a host", (unsigned)good[i]);
    assert_int_equal(sent, 0);
    fx_free(f);
}

/* MUST-63 at the IP layer: a packet from any of those sources is a counted drop before any
 * protocol sees it: no SYN-ACK, no datagram delivered, no echo reply, no port unreachable. The
 * same packets from the peer are answered. */
static void bad_sources_are_dropped_for_every_protocol(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int l = weir_tcp_socket(f->s);
    assert_int_equal(weir_tcp_bind(f->s, l, (weir_endpoint){0, 80}), 0);
    assert_int_equal(weir_tcp_listen(f->s, l, 8), 0);
    int u = weir_udp_socket(f->s);
    assert_int_equal(weir_udp_bind(f->s, u, (weir_endpoint){0, 5353}), 0);
    const uint32_t bad[] = {0x0a0000ffu, 0xffffffffu, 0xe0000001u, 0xf0000001u,
                            0x00010203u, 0x7f000001u, LOCAL_IP};
    const size_t nbad = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i < nbad; i++) {
        inject_syn(f, bad[i], 80);
        inject_syn(f, bad[i], 81);           /* a closed port: no RST either */
        inject_udp(f, f->netif, bad[i], LOCAL_IP, 5353);
        inject_udp(f, f->netif, bad[i], LOCAL_IP, 9999); /* closed: no port unreachable */
        inject_echo_request(f, bad[i]);
    }
    assert_int_equal(f->count, 0);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_SOURCE), 5 * nbad);
    assert_false(fx_event(f, u, WEIR_EV_READABLE, NULL));
    assert_int_equal(fx_counter(f, WEIR_CTR_TCP_SEGMENTS_IN), 0);
    weir_stats st;
    weir_stats_get(f->s, &st);
    assert_int_equal(st.tcp_conns, 1); /* the listener alone: no child was made */

    /* The control: the peer is answered by every protocol. */
    inject_syn(f, PEER_IP, 80);
    inject_udp(f, f->netif, PEER_IP, LOCAL_IP, 5353);
    inject_echo_request(f, PEER_IP);
    assert_int_equal(f->count, 2); /* SYN-ACK, echo reply */
    assert_true(fx_event(f, u, WEIR_EV_READABLE, NULL));
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_SOURCE), 5 * nbad);
    fx_free(f);
}

/* The directed broadcast of any of our subnets, whichever interface the packet comes in on. */
static void directed_broadcast_of_another_interface_is_a_bad_source(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    unsigned sent = 0;
    add_netif(f, "t1", 0xc0a80701u, 24, &sent);
    int u = weir_udp_socket(f->s);
    assert_int_equal(weir_udp_bind(f->s, u, (weir_endpoint){0, 5353}), 0);
    inject_udp(f, f->netif, 0xc0a807ffu, LOCAL_IP, 5353);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_SOURCE), 1);
    assert_false(fx_event(f, u, WEIR_EV_READABLE, NULL));
    inject_udp(f, f->netif, 0xc0a807feu, LOCAL_IP, 5353); /* a host of that subnet */
    assert_true(fx_event(f, u, WEIR_EV_READABLE, NULL));
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_SOURCE), 1);
    fx_free(f);
}

/* 127/8 "MUST NOT appear outside a host": weir has no loopback device, so only an interface the
 * embedder numbered in 127/8 may carry such a source; from any other link it is a drop. */
static void loopback_source_only_on_a_loopback_interface(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    unsigned sent = 0;
    int lo = add_netif(f, "lo", 0x7f000001u, 8, &sent);
    int u = weir_udp_socket(f->s);
    assert_int_equal(weir_udp_bind(f->s, u, (weir_endpoint){0, 5353}), 0);
    inject_udp(f, f->netif, 0x7f000002u, LOCAL_IP, 5353); /* from the wire */
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_SOURCE), 1);
    assert_false(fx_event(f, u, WEIR_EV_READABLE, NULL));
    inject_udp(f, lo, 0x7f000002u, 0x7f000001u, 5353); /* on the loopback interface */
    assert_true(fx_event(f, u, WEIR_EV_READABLE, NULL));
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_SOURCE), 1);
    assert_false(weir_ip_not_single_host(f->s, lo, 0x7f000002u));
    assert_true(weir_ip_not_single_host(f->s, f->netif, 0x7f000002u));
    assert_false(weir_ip_not_single_host(f->s, -1, 0x7f000002u)); /* some interface is one */
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(not_single_host_names_every_form),
        cmocka_unit_test(bad_sources_are_dropped_for_every_protocol),
        cmocka_unit_test(directed_broadcast_of_another_interface_is_a_bad_source),
        cmocka_unit_test(loopback_source_only_on_a_loopback_interface),
    };
    return cmocka_run_group_tests_name("ip_addr", tests, NULL, NULL);
}
