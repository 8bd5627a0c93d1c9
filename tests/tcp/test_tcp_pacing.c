/* test_tcp_pacing.c — WEIR_TCP_OPT_PACING: data segments spaced at cwnd / SRTT × 2 in slow start
 * instead of leaving as one burst; the option's values, its default from weir_tcp_config.pacing,
 * an accepted socket inheriting it, and turning it off releasing what waits. */
#include "harness.h"

/* An active connection whose handshake measured H_RTT (10 ms), pacing per the config. */
static harness *paced_connection(bool pacing)
{
    harness *h = h_new_config();
    h->cfg.tcp.pacing = pacing;
    h_start(h);
    h_established_active(h);
    assert_int_equal(h_info(h).srtt_us, H_RTT);
    return h;
}

/* In slow start the gap is mss × SRTT / (cwnd × 2): with the initial window of 10 segments,
 * SRTT / 20. */
static void pacing_spreads_the_initial_window_over_half_an_rtt(void **state)
{
    (void)state;
    harness *h = paced_connection(true);
    weir_tcp_info info = h_info(h);
    uint32_t mss = info.snd_mss;
    uint32_t segs = info.cwnd / mss;
    assert_int_equal(segs, 10);
    uint64_t gap = (uint64_t)mss * H_RTT * 100u / ((uint64_t)info.cwnd * 200u + 1u);
    assert_true(gap >= H_RTT / 20 - 1 && gap <= H_RTT / 20); /* 500 µs, to the µs below */
    uint64_t t0 = h->now;
    h_app_send(h, (size_t)segs * mss);
    for (uint32_t i = 0; i < segs; i++) {
        if (i > 0) {
            h_expect_none(h); /* nothing before its time */
            assert_int_equal(h_deadline(h), h->now + gap);
            h_advance(h, gap);
        }
        const h_seg *g = h_expect(h, H_ACK, 1 + i * mss, 1, mss);
        assert_int_equal(g->t, t0 + i * gap);
    }
    h_expect_none(h);
    assert_int_equal(h_info(h).retransmits, 0);
    h_finish(h);
}

static void without_pacing_the_initial_window_leaves_at_once(void **state)
{
    (void)state;
    harness *h = paced_connection(false);
    uint32_t mss = h_info(h).snd_mss;
    uint64_t t0 = h->now;
    h_app_send(h, 10u * mss);
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(h_expect(h, H_ACK, 1 + i * mss, 1, mss)->t, t0);
    h_finish(h);
}

static void turning_pacing_off_sends_what_waited(void **state)
{
    (void)state;
    harness *h = paced_connection(true);
    uint32_t mss = h_info(h).snd_mss;
    h_app_send(h, 3u * mss);
    h_expect(h, H_ACK, 1, 1, mss);
    h_expect_none(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_PACING, 0), 0);
    h_expect(h, H_ACK, 1 + mss, 1, mss);
    h_expect(h, H_ACK, 1 + 2u * mss, 1, mss);
    h_expect_none(h);
    h_finish(h);
}

static void the_option_takes_0_or_1_and_reads_back(void **state)
{
    (void)state;
    harness *h = paced_connection(false);
    int v = -1;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_PACING, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_PACING, 2), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_PACING, -1), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_PACING, 1), 0);
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_PACING, &v), 0);
    assert_int_equal(v, 1);
    h_finish(h);
}

static void an_accepted_socket_paces_as_its_listener(void **state)
{
    (void)state;
    harness *h = h_new(); /* weir_tcp_config.pacing off */
    h_listen(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->lsock, WEIR_TCP_OPT_PACING, 1), 0);
    h_send(h, H_SYN, 0, 0, h->peer_win, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    h->iss = g.seq;
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 1, h->peer_win, NULL, 0);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    int v = 0;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_PACING, &v), 0);
    assert_int_equal(v, 1);
    uint32_t mss = h_info(h).snd_mss;
    h_app_send(h, 2u * mss);
    h_expect(h, H_ACK, 1, 1, mss);
    h_expect_none(h); /* the second waits for its time */
    h_run_to_deadline(h);
    h_expect(h, H_ACK, 1 + mss, 1, mss);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(pacing_spreads_the_initial_window_over_half_an_rtt),
        H_TEST(without_pacing_the_initial_window_leaves_at_once),
        H_TEST(turning_pacing_off_sends_what_waited),
        H_TEST(the_option_takes_0_or_1_and_reads_back),
        H_TEST(an_accepted_socket_paces_as_its_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
