/* test_tcp_addr.c — segments from addresses that name no single host (RFC 1122 §3.2.1.3) never
 * reach the engine: RFC 9293 §3.9.2.3 (MUST-63) "An incoming SYN with an invalid source address
 * MUST be ignored either by TCP or by the IP layer". weir does it in the IP layer (bad_source in
 * src/ip/ipv4.c, tests/ip/test_ip_addr.c); here, what a listener and a closed port see of it.
 * MUST-46 (connect() to such an address): test_tcp_api.c, connect_to_bad_addresses_is_einval. */
#include "harness.h"

/* Sources that name no single host, from the stack's point of view (10.0.0.1/24, one link). */
static const uint32_t bad_sources[] = {
    0x0a0000ffu, /* 10.0.0.255: our subnet's directed broadcast */
    0xffffffffu, /* the limited broadcast */
    0xe0000001u, /* 224.0.0.1: multicast */
    0xf0000001u, /* 240.0.0.1: class E */
    0x00000000u, /* 0.0.0.0 */
    0x00010203u, /* 0.1.2.3 */
    0x7f000001u, /* 127.0.0.1 from a link that is no loopback */
};
#define N_BAD (sizeof bad_sources / sizeof bad_sources[0])

static void syn_from_no_single_host_opens_nothing(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    for (size_t i = 0; i < N_BAD; i++) {
        weir_tcp_repr r = {.flags = H_SYN, .seq = H_PEER_ISN, .window = H_WIN};
        h_inject_from(h, bad_sources[i], &r);
    }
    h_expect_none(h); /* no SYN-ACK */
    assert_int_equal(h_dropped(h, WEIR_DROP_IP_BAD_SOURCE), N_BAD);
    assert_int_equal(h_stats(h).tcp_conns, 1); /* the listener alone */
    assert_false(h_saw_edge(h, WEIR_TCP_LISTEN, WEIR_TCP_SYN_RECEIVED));
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_PASSIVE_OPENS), 0);
    /* The peer's SYN is answered: the listener was never disturbed. */
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    h_finish(h);
}

/* No segment at all from such a source draws an answer: a closed port sends no RST. */
static void segment_from_no_single_host_to_a_closed_port_draws_no_rst(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lport = 81;
    for (size_t i = 0; i < N_BAD; i++) {
        weir_tcp_repr syn = {.flags = H_SYN, .seq = 1, .window = H_WIN};
        h_inject_from(h, bad_sources[i], &syn);
        weir_tcp_repr ack = {.flags = H_ACK, .seq = 1, .ack = 1, .window = H_WIN};
        h_inject_from(h, bad_sources[i], &ack);
    }
    h_expect_none(h);
    assert_int_equal(h_dropped(h, WEIR_DROP_IP_BAD_SOURCE), 2 * N_BAD);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RST_SENT), 0);
    /* From the peer, the same SYN is refused with a RST. */
    h_send_abs(h, H_SYN, 1, 0, H_WIN, NULL, 0);
    h_expect_abs(h, H_RST | H_ACK, 0, 2, 0);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(syn_from_no_single_host_opens_nothing),
        H_TEST(segment_from_no_single_host_to_a_closed_port_draws_no_rst),
    };
    return cmocka_run_group_tests_name("tcp_addr", tests, NULL, NULL);
}
