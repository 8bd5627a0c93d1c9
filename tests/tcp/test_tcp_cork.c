/* test_tcp_cork.c — holding short segments on the application's word: WEIR_TCP_OPT_CORK (Linux's
 * TCP_CORK) and WEIR_TCP_SEND_MORE (MSG_MORE). RFC 9293 §3.7.4 lets a sender wait to fill
 * segments; Nagle (SHLD-7) is the case where it waits for an ACK, these are the cases where the
 * application says more is coming. What they must do: full segments go, a short tail waits — even
 * on an idle connection — until uncorking (under Nagle), NODELAY (a push), a FIN, the next send
 * without MORE, or WEIR_TCP_CORK_CEILING_US with nothing in flight; and bad values are refused. */
#include "harness.h"

#include <string.h>

static uint8_t payload[65536];

static void init_payload(void)
{
    h_pattern(payload, sizeof payload, 0);
}

static void cork(harness *h, int on)
{
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_CORK, on), 0);
}

static void send_bytes(harness *h, uint32_t from, uint32_t n, int flags)
{
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload + from, n, flags), (int)n);
}

static bool psh(const h_seg *g)
{
    return (g->flags & H_PSH) != 0;
}

/* ---- WEIR_TCP_OPT_CORK ---------------------------------------------------------------------- */

static void cork_holds_a_short_write_on_an_idle_connection_until_uncorked(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    cork(h, 1);
    send_bytes(h, 0, 40, 0);
    h_expect_none(h); /* nothing in flight: Nagle alone would have sent it */
    h_advance(h, 50000);
    send_bytes(h, 40, 40, 0);
    h_expect_none(h);
    h_advance(h, 10000);
    cork(h, 0);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 80);
    assert_true(psh(g));
    assert_memory_equal(g->data, payload, 80);
    h_finish(h);
}

static void cork_sends_full_segments_and_holds_the_tail(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint32_t mss = h_info(h).snd_mss;
    cork(h, 1);
    send_bytes(h, 0, mss + 100, 0);
    h_expect(h, H_ACK, 1, 1, mss);
    h_expect_none(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 1 + mss, H_WIN, NULL, 0);
    h_expect_none(h); /* the ACK does not release a corked tail */
    cork(h, 0);
    h_expect(h, H_ACK, 1 + mss, 1, 100);
    h_finish(h);
}

static void cork_ceiling_sends_the_tail_after_200ms_with_nothing_in_flight(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    cork(h, 1);
    uint64_t t = h->now;
    send_bytes(h, 0, 40, 0);
    assert_int_equal(h_deadline(h), t + WEIR_TCP_CORK_CEILING_US);
    h_advance_to(h, t + WEIR_TCP_CORK_CEILING_US - 1);
    h_expect_none(h);
    h_advance_to(h, t + WEIR_TCP_CORK_CEILING_US);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 40);
    assert_true(psh(g));
    h_finish(h);
}

static void nodelay_pushes_the_corked_queue_and_the_cork_stays(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    cork(h, 1);
    send_bytes(h, 0, 40, 0);
    h_expect_none(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_NODELAY, 1), 0);
    h_expect(h, H_ACK, 1, 1, 40);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 41, H_WIN, NULL, 0);
    /* The push covered what was queued; new data is corked again. */
    send_bytes(h, 40, 40, 0);
    h_expect_none(h);
    int v = -1;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_CORK, &v), 0);
    assert_int_equal(v, 1);
    cork(h, 0); /* with NODELAY on, uncorking sends at once */
    h_expect(h, H_ACK, 41, 1, 40);
    h_finish(h);
}

static void uncorking_leaves_the_tail_to_nagle(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    send_bytes(h, 0, 10, 0);
    h_expect(h, H_ACK, 1, 1, 10); /* in flight now */
    cork(h, 1);
    send_bytes(h, 10, 10, 0);
    h_expect_none(h);
    cork(h, 0);
    h_expect_none(h); /* Nagle: 10 bytes unacknowledged */
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 11, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 11, 1, 10);
    h_finish(h);
}

static void a_fin_is_never_corked(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    cork(h, 1);
    send_bytes(h, 0, 40, 0);
    h_expect_none(h);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    h_expect(h, H_ACK | H_FIN, 1, 1, 40);
    h_finish(h);
}

static void an_accepted_socket_inherits_its_listeners_cork(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->lsock, WEIR_TCP_OPT_CORK, 1), 0);
    h_send(h, H_SYN, 0, 0, h->peer_win, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    h->iss = g.seq;
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 1, h->peer_win, NULL, 0);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    int v = 0;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_CORK, &v), 0);
    assert_int_equal(v, 1);
    send_bytes(h, 0, 40, 0);
    h_expect_none(h);
    h_finish(h);
}

/* ---- WEIR_TCP_SEND_MORE --------------------------------------------------------------------- */

static void send_more_holds_the_tail_until_a_send_without_it(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_NODELAY, 1), 0);
    send_bytes(h, 0, 100, WEIR_TCP_SEND_MORE);
    h_expect_none(h); /* MORE holds it despite NODELAY */
    h_advance(h, 5000);
    send_bytes(h, 100, 160, WEIR_TCP_SEND_MORE);
    h_expect_none(h);
    h_advance(h, 5000);
    send_bytes(h, 260, 5, 0);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 265);
    assert_true(psh(g));
    assert_memory_equal(g->data, payload, 265);
    h_finish(h);
}

static void send_more_holds_for_the_call_only_an_ack_releases_it(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint32_t mss = h_info(h).snd_mss;
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_NODELAY, 1), 0);
    send_bytes(h, 0, 2 * mss + 100, WEIR_TCP_SEND_MORE);
    h_expect(h, H_ACK, 1, 1, mss);
    h_expect(h, H_ACK, 1 + mss, 1, mss);
    h_expect_none(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 1 + mss, H_WIN, NULL, 0);
    /* The ACK sends under the socket's own setting (NODELAY): the tail goes, without PSH since
     * the application said more would follow. */
    const h_seg *g = h_expect(h, H_ACK, 1 + 2 * mss, 1, 100);
    assert_false(psh(g));
    h_finish(h);
}

static void send_more_ceiling_sends_the_tail_with_psh(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint64_t t = h->now;
    send_bytes(h, 0, 40, WEIR_TCP_SEND_MORE);
    h_expect_none(h);
    assert_int_equal(h_run_to_deadline(h), t + WEIR_TCP_CORK_CEILING_US);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 40);
    assert_true(psh(g));
    h_finish(h);
}

/* ---- misuse --------------------------------------------------------------------------------- */

static void cork_refuses_values_other_than_0_and_1(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_CORK, 2), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_CORK, -1), WEIR_EINVAL);
    int v = -1;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_CORK, &v), 0);
    assert_int_equal(v, 0); /* unchanged */
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_CORK, NULL), WEIR_EINVAL);
    h_finish(h);
}

static void send_flags_refuses_unknown_flags_and_bad_handles(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    /* 4 is no flag (2 is WEIR_TCP_SEND_URGENT) */
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload, 10, 4), WEIR_EINVAL);
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload, 10, WEIR_TCP_SEND_MORE | 0x100),
                     WEIR_EINVAL);
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload, 10, -1), WEIR_EINVAL);
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, NULL, 10, WEIR_TCP_SEND_MORE),
                     WEIR_EINVAL);
    assert_int_equal(h_info(h).send_queued, 0); /* nothing was queued by the refused calls */
    h_expect_none(h);
    int stale = h->sock;
    assert_int_equal(weir_tcp_abort(h->s, h->sock), 0);
    h->sock = -1;
    h_flush(h);
    assert_int_equal(weir_tcp_send_flags(h->s, stale, payload, 10, WEIR_TCP_SEND_MORE),
                     WEIR_EBADF);
    assert_int_equal(weir_tcp_setopt(h->s, stale, WEIR_TCP_OPT_CORK, 1), WEIR_EBADF);
    h_finish(h);
}

int main(void)
{
    init_payload();
    const struct CMUnitTest tests[] = {
        H_TEST(cork_holds_a_short_write_on_an_idle_connection_until_uncorked),
        H_TEST(cork_sends_full_segments_and_holds_the_tail),
        H_TEST(cork_ceiling_sends_the_tail_after_200ms_with_nothing_in_flight),
        H_TEST(nodelay_pushes_the_corked_queue_and_the_cork_stays),
        H_TEST(uncorking_leaves_the_tail_to_nagle),
        H_TEST(a_fin_is_never_corked),
        H_TEST(an_accepted_socket_inherits_its_listeners_cork),
        H_TEST(send_more_holds_the_tail_until_a_send_without_it),
        H_TEST(send_more_holds_for_the_call_only_an_ack_releases_it),
        H_TEST(send_more_ceiling_sends_the_tail_with_psh),
        H_TEST(cork_refuses_values_other_than_0_and_1),
        H_TEST(send_flags_refuses_unknown_flags_and_bad_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
