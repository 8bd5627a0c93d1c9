/* test_tcp_ecn.c — Explicit Congestion Notification, RFC 3168 (RFC 9293 §3.8.2 SHLD-8): the
 * ECN-setup SYN and SYN-ACK (§6.1.1), ECT(0) on new data only (§6.1.4–6.1.6), CE echoed with
 * ECE until CWR (§6.1.3), and the sender's response: one window reduction per window of data,
 * CWR on the next new data (§6.1.2); weir_tcp_config.ecn off / on / passive. */
#include "harness.h"

#include "wire/ipv4.h"

#define ECE WEIR_TCP_FLAG_ECE
#define CWR WEIR_TCP_FLAG_CWR
#define ECN_SETUP (ECE | CWR)

static const uint8_t data[1000];

static uint8_t ecn_of(const h_seg *g) { return g->tos & WEIR_IP_ECN_MASK; }

/* A passive connection whose peer's SYN asks for ECN (ECE and CWR). */
static harness *passive_asked(uint8_t ecn)
{
    harness *h = h_new_config();
    h->cfg.tcp.ecn = ecn;
    h->cfg.tcp.tail_loss_probe = false;
    h_start(h);
    h_listen(h);
    h_send(h, H_SYN | ECN_SETUP, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    h->iss = g.seq;
    h->last = g;
    assert_int_equal(g.flags & ~(H_SYN | H_ACK), ecn == WEIR_TCP_ECN_OFF ? 0 : ECE);
    assert_int_equal(ecn_of(&g), 0); /* a SYN-ACK is never ECT (§6.1.1) */
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    h_clear_events(h);
    return h;
}

static bool ecn_negotiated(harness *h) { return (h_info(h).options & WEIR_TCPI_OPT_ECN) != 0; }

/* Passive (the default) and on answer an ECN-setup SYN with ECE alone; off answers without. */
static void an_ecn_setup_syn_is_agreed_to_unless_ecn_is_off(void **state)
{
    (void)state;
    static const uint8_t modes[] = {WEIR_TCP_ECN_PASSIVE, WEIR_TCP_ECN_ON, WEIR_TCP_ECN_OFF};
    for (unsigned i = 0; i < 3; i++) {
        harness *h = passive_asked(modes[i]);
        assert_int_equal(ecn_negotiated(h), modes[i] != WEIR_TCP_ECN_OFF);
        h_finish(h);
    }
    harness *h = h_new_config();
    assert_int_equal(h->cfg.tcp.ecn, WEIR_TCP_ECN_PASSIVE);
    h_start(h);
    h_finish(h);
}

/* Only "on" asks on its SYN; the SYN-ACK decides: ECE alone agrees, ECE with CWR (a reflected
 * SYN, §6.1.1) or nothing does not. Passive never asks. */
static void an_active_open_asks_only_when_ecn_is_on(void **state)
{
    (void)state;
    static const uint8_t answers[] = {ECE, ECN_SETUP, 0};
    for (unsigned i = 0; i < 3; i++) {
        harness *h = h_new_config();
        h->cfg.tcp.ecn = WEIR_TCP_ECN_ON;
        h_start(h);
        h->sock = weir_tcp_socket(h->s);
        assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){H_PEER_IP, h->pport}),
                         0);
        h_seg g;
        assert_true(h_pop(h, &g));
        assert_int_equal(g.flags, H_SYN | ECN_SETUP);
        assert_int_equal(ecn_of(&g), 0);
        h->iss = g.seq;
        h->lport = g.sport;
        h_advance(h, H_RTT);
        h_send(h, H_SYN | H_ACK | answers[i], 0, 1, H_WIN, NULL, 0);
        h_expect(h, H_ACK, 1, 1, 0);
        assert_int_equal(ecn_negotiated(h), answers[i] == ECE);
        h_finish(h);
    }
    harness *h = h_new();
    h_syn_sent(h);
    assert_int_equal(h->last.flags, H_SYN);
    h_finish(h);
}

/* Simultaneous open with ECN-setup SYNs both ways: agreed, and our SYN-ACK carries ECE (as
 * FreeBSD's, freebsd/snippets/syn-rcvd-via-syn-sent-ipv4-ecn11.pkt). */
static void a_simultaneous_open_of_two_ecn_setup_syns_agrees(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.ecn = WEIR_TCP_ECN_ON;
    h_start(h);
    h->sock = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){H_PEER_IP, h->pport}), 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    h->iss = g.seq;
    h->lport = g.sport;
    h_send(h, H_SYN | ECN_SETUP, 0, 0, H_WIN, NULL, 0);
    h_expect(h, H_SYN | H_ACK | ECE, 0, 1, 0);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_true(ecn_negotiated(h));
    h_finish(h);
}

/* New data goes ECT(0); a retransmission, a pure ACK and a window probe do not (§6.1.4–6.1.6).
 * Without ECN nothing is marked. */
static void only_new_data_is_ect(void **state)
{
    (void)state;
    harness *h = passive_asked(WEIR_TCP_ECN_PASSIVE);
    h_app_send(h, 1000);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 1000);
    assert_int_equal(ecn_of(g), WEIR_IP_ECN_ECT0);
    h_run_to_deadline(h); /* the RTO */
    g = h_expect(h, H_ACK, 1, 1, 1000);
    assert_int_equal(ecn_of(g), 0);
    h_send(h, H_ACK | H_PSH, 1, 1001, 0, data, 100); /* data, all acknowledged, window closed */
    g = h_expect(h, H_ACK, 1001, 101, 0);
    assert_int_equal(ecn_of(g), 0); /* a pure ACK */
    h_app_send(h, 10);
    h_run_to_deadline(h);
    g = h_expect(h, H_ACK, 1001, 101, 1); /* the zero-window probe */
    assert_int_equal(ecn_of(g), 0);
    h_finish(h);

    h = passive_asked(WEIR_TCP_ECN_OFF);
    h_app_send(h, 1000);
    assert_int_equal(ecn_of(h_expect(h, H_ACK, 1, 1, 1000)), 0);
    h_finish(h);
}

/* Receiver (§6.1.3): a CE-marked segment is ACKed at once with ECE, and every ACK carries ECE
 * until a segment with CWR arrives. */
static void ce_is_echoed_until_cwr(void **state)
{
    (void)state;
    harness *h = passive_asked(WEIR_TCP_ECN_PASSIVE);
    h->peer_tos = WEIR_IP_ECN_CE;
    h_send(h, H_ACK, 1, 1, H_WIN, data, 100);
    h->peer_tos = WEIR_IP_ECN_ECT0;
    h_expect(h, H_ACK | ECE, 1, 101, 0); /* at once, with ECE */
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_ECN_CE_RECEIVED), 1);
    h_send(h, H_ACK, 101, 1, H_WIN, data, 100);
    h_advance(h, 100000);
    h_expect(h, H_ACK | ECE, 1, 201, 0); /* still echoing: no CWR yet */
    h_send(h, H_ACK | CWR, 201, 1, H_WIN, data, 100);
    h_advance(h, 100000);
    h_expect(h, H_ACK, 1, 301, 0); /* CWR ended the echo */
    h_finish(h);
}

/* Sender (§6.1.2): an ACK with ECE halves the window as a loss would (NewReno's beta), the next
 * new segment carries CWR, and more ECEs within that window of data reduce nothing more. */
static void ece_reduces_once_per_window_and_the_next_data_says_cwr(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.congestion_control = WEIR_TCP_CC_NEWRENO;
    h->cfg.tcp.tail_loss_probe = false;
    h->cfg.tcp.send_buffer = 1 << 20;
    h_start(h);
    h->peer_mss = 1000;
    h_listen(h);
    h_send(h, H_SYN | ECN_SETUP, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    h->iss = g.seq;
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    h_clear_events(h);
    h_app_send(h, 30000);
    for (unsigned i = 0; i < 10; i++)
        h_expect(h, H_ACK, 1 + 1000 * i, 1, 1000);
    uint32_t cwnd = h_info(h).cwnd;
    h_send(h, H_ACK | ECE, 1, 2001, H_WIN, NULL, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_ECN_REDUCTIONS), 1);
    weir_tcp_info info = h_info(h);
    assert_true(info.ssthresh <= cwnd / 2 + 1000);
    assert_true(info.cwnd <= info.ssthresh);
    /* What the reduced window lets go: the first new segment carries CWR, the rest do not. */
    bool first = true;
    while (h_pop(h, &g)) {
        if (g.len == 0)
            continue;
        assert_int_equal((g.flags & CWR) != 0, first);
        first = false;
    }
    h_send(h, H_ACK | ECE, 1, 4001, H_WIN, NULL, 0); /* same window of data: no more */
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_ECN_REDUCTIONS), 1);
    h_flush(h);
    h_finish(h);
}

/* On a connection without ECN, ECE on an ACK means nothing. */
static void ece_without_ecn_is_ignored(void **state)
{
    (void)state;
    harness *h = passive_asked(WEIR_TCP_ECN_OFF);
    h_app_send(h, 3000);
    h_flush(h);
    uint32_t cwnd = h_info(h).cwnd;
    h_send(h, H_ACK | ECE, 1, 1001, H_WIN, NULL, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_ECN_REDUCTIONS), 0);
    assert_true(h_info(h).cwnd >= cwnd);
    h_flush(h);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(an_ecn_setup_syn_is_agreed_to_unless_ecn_is_off),
        H_TEST(an_active_open_asks_only_when_ecn_is_on),
        H_TEST(a_simultaneous_open_of_two_ecn_setup_syns_agrees),
        H_TEST(only_new_data_is_ect),
        H_TEST(ce_is_echoed_until_cwr),
        H_TEST(ece_reduces_once_per_window_and_the_next_data_says_cwr),
        H_TEST(ece_without_ecn_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
