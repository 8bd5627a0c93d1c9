/* test_tcp_rst.c — resets and their defences: RST in every state (RFC 9293 §3.10.7.4 second
 * step, §3.5.2), RFC 5961 challenge ACKs for RST, SYN and unacceptable ACKs, RFC 1337 (no TIME-WAIT
 * assassination), and the replies for segments that find no connection or a listener
 * (§3.10.7.1, §3.10.7.2). */
#include "harness.h"

/* ---- SYN-SENT ------------------------------------------------------------------------------ */

static void syn_sent_rst_with_unacceptable_ack_is_ignored(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_send(h, H_RST | H_ACK, 0, 5, 0, NULL, 0); /* acknowledges something never sent */
    h_send(h, H_RST | H_ACK, 0, 0, 0, NULL, 0); /* SEG.ACK =< ISS */
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_SENT);
    assert_false(h_has_event(h, h->sock, WEIR_EV_ERROR));
    h_run_to_deadline(h);
    h_expect(h, H_SYN, 0, 0, 0); /* still trying */
    h_finish(h);
}

static void syn_sent_rst_without_ack_is_ignored(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_send(h, H_RST, 0, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_SENT);
    assert_false(h_has_event(h, h->sock, WEIR_EV_ERROR));
    h_finish(h);
}

static void syn_sent_syn_ack_with_bad_ack_draws_rst(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    /* Figure 8 line 4-5: the ACK field is wrong: <SEQ=SEG.ACK><CTL=RST>. */
    h_send(h, H_SYN | H_ACK, 0, 100, H_WIN, NULL, 0);
    h_expect(h, H_RST, 100, 0, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_SENT);
    /* The right SYN-ACK still completes the handshake. */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

/* ---- SYN-RECEIVED -------------------------------------------------------------------------- */

static void syn_received_rst_in_window_not_exact_draws_challenge_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    h_send(h, H_RST, 5, 0, 0, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0); /* RFC 5961 §3.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
    h_finish(h);
}

static void syn_received_unacceptable_ack_draws_rst(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    h_send(h, H_ACK, 1, 100, H_WIN, NULL, 0);
    h_expect(h, H_RST, 100, 0, 0); /* <SEQ=SEG.ACK><CTL=RST> */
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

static void syn_received_active_open_rst_is_refused(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0); /* simultaneous open */
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    h_send(h, H_RST, 1, 0, 0, NULL, 0);
    h_expect_none(h);
    /* MUST-11: it came from an active OPEN, so "connection refused". */
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNREFUSED);
    h_finish(h);
}

/* ---- ESTABLISHED --------------------------------------------------------------------------- */

static void established_rst_exact_seq_resets_with_econnreset(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_send(h, H_RST, 1, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    assert_int_equal(weir_tcp_recv(h->s, h->sock, (char[4]){0}, 4), WEIR_ECONNRESET);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RST_RECEIVED), 1);
    assert_int_equal(h_deadline(h), UINT64_MAX);
    h_finish(h);
}

static void established_rst_in_window_not_exact_draws_challenge_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_send(h, H_RST, 1000, 0, 0, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_CHALLENGE_ACKS), 1);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_RST_CHALLENGED), 1);
    assert_false(h_has_event(h, h->sock, WEIR_EV_ERROR));
    /* The genuine peer answers with the exact RST. */
    h_send(h, H_RST, 1, 0, 0, NULL, 0);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    h_finish(h);
}

static void established_rst_outside_window_is_dropped_silently(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint32_t wnd = h_info(h).rcv_wnd;
    h_send(h, H_RST, 1 + wnd, 0, 0, NULL, 0);  /* just past the right edge */
    h_send(h, H_RST, 0, 0, 0, NULL, 0);        /* just before RCV.NXT */
    h_send(h, H_RST, 0x80000000u, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_RST_UNACCEPTABLE), 3);
    h_finish(h);
}

static void established_rst_in_window_resets_when_rfc5961_off(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.rfc5961 = false;
    h_start(h);
    h_established_active(h);
    h_send(h, H_RST, 1000, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    h_finish(h);
}

/* ---- the closing states -------------------------------------------------------------------- */

static void fin_wait_1_rst_resets(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_1(h);
    h_send(h, H_RST, 1, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    assert_int_equal(h_deadline(h), UINT64_MAX); /* no FIN retransmission any more */
    h_finish(h);
}

static void fin_wait_2_rst_resets(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_2(h);
    h_send(h, H_RST, 1, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    h_finish(h);
}

static void fin_wait_2_rst_in_window_draws_challenge_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_2(h);
    h_send(h, H_RST, 50, 0, 0, NULL, 0);
    h_expect(h, H_ACK, 2, 1, 0);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_2);
    h_finish(h);
}

static void close_wait_rst_resets(void **state)
{
    (void)state;
    harness *h = h_new();
    h_close_wait(h);
    h_send(h, H_RST, 2, 0, 0, NULL, 0); /* after the FIN: RCV.NXT = 2 */
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    h_finish(h);
}

static void closing_rst_closes(void **state)
{
    (void)state;
    harness *h = h_new();
    h_closing(h);
    h_send(h, H_RST, 2, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    assert_int_equal(h_deadline(h), UINT64_MAX);
    h_finish(h);
}

static void last_ack_rst_closes(void **state)
{
    (void)state;
    harness *h = h_new();
    h_last_ack(h);
    h_send(h, H_RST, 2, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    assert_int_equal(h_deadline(h), UINT64_MAX);
    h_finish(h);
}

static void time_wait_rst_is_ignored_rfc1337(void **state)
{
    (void)state;
    harness *h = h_new();
    h_time_wait(h);
    uint64_t expiry = h_deadline(h);
    h_send(h, H_RST, 2, 0, 0, NULL, 0);
    h_send(h, H_RST | H_ACK, 2, 2, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_RST_TIME_WAIT), 2);
    assert_int_equal(h_deadline(h), expiry); /* not cut short, not extended */
    h_advance_to(h, expiry);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_finish(h);
}

/* ---- challenge ACKs for SYN and ACK (RFC 5961 §4, §5) -------------------------------------- */

static void established_syn_in_window_draws_challenge_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_app_send(h, 20);
    h_expect(h, H_ACK, 1, 1, 20);
    h_send(h, H_SYN, 500, 0, H_WIN, NULL, 0);
    /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
    h_expect(h, H_ACK, 21, 1, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_CHALLENGE_ACKS), 1);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RST_SENT), 0);
    h_finish(h);
}

static void established_syn_outside_window_draws_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_send(h, H_SYN, 0x90000000u, 0, H_WIN, NULL, 0); /* a new ISN, nowhere near */
    h_expect(h, H_ACK, 1, 1, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0); /* an old duplicate of the peer's SYN */
    h_expect(h, H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

static void established_syn_in_window_resets_when_rfc5961_off(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.rfc5961 = false;
    h_start(h);
    h_established_active(h);
    h_send(h, H_SYN, 500, 0, H_WIN, NULL, 0);
    h_expect(h, H_RST | H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    h_finish(h);
}

static void ack_of_unsent_data_draws_ack_and_segment_is_dropped(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint8_t data[10] = "0123456789";
    h_send(h, H_ACK, 1, 1000, H_WIN, data, sizeof data); /* SEG.ACK > SND.NXT */
    h_expect(h, H_ACK, 1, 1, 0);
    h_expect_none(h);
    char buf[16];
    assert_int_equal(weir_tcp_recv(h->s, h->sock, buf, sizeof buf), WEIR_EAGAIN);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

static void ack_older_than_max_window_draws_challenge_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h->peer_win = 1000;
    h_established_active(h);
    /* Three windows' worth, each acknowledged: SND.UNA = 3001, MAX.SND.WND = 1000. */
    for (uint32_t i = 0; i < 3; i++) {
        h_app_send(h, 1000);
        h_expect(h, H_ACK, 1 + 1000 * i, 1, 1000);
        h_send(h, H_ACK, 1, 1001 + 1000 * i, 1000, NULL, 0);
    }
    h_expect_none(h);
    uint8_t data[10] = "abcdefghij";
    /* SEG.ACK = 2000 < SND.UNA - MAX.SND.WND = 2001: challenge ACK, data dropped. */
    h_send(h, H_ACK, 1, 2000, 1000, data, sizeof data);
    h_expect(h, H_ACK, 3001, 1, 0);
    h_expect_none(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_CHALLENGE_ACKS), 1);
    char buf[16];
    assert_int_equal(weir_tcp_recv(h->s, h->sock, buf, sizeof buf), WEIR_EAGAIN);
    /* SEG.ACK = 2001 is old but acceptable: the data is taken. */
    h_send(h, H_ACK, 1, 2001, 1000, data, sizeof data);
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 10);
    h_advance(h, 40000);
    h_expect(h, H_ACK, 3001, 11, 0);
    h_finish(h);
}

/* ---- no connection (§3.10.7.1) and LISTEN (§3.10.7.2) ------------------------------------- */

static void closed_port_syn_draws_rst_ack_seq_zero(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lport = 81;
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
    const h_seg *g = h_expect_abs(h, H_RST | H_ACK, 0, H_PEER_ISN + 1, 0);
    assert_int_equal(g->sport, 81);
    assert_int_equal(g->dport, H_PEER_PORT);
    h_expect_none(h);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_NO_SOCKET), 1);
    assert_int_equal(h_stats(h).tcp_conns, 0);
    h_finish(h);
}

static void closed_port_syn_with_data_and_fin_acks_all_of_it(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lport = 81;
    h_send(h, H_SYN | H_FIN, 0, 0, H_WIN, "hello", 5);
    h_expect_abs(h, H_RST | H_ACK, 0, H_PEER_ISN + 1 + 5 + 1, 0);
    h_send(h, H_FIN, 10, 0, H_WIN, NULL, 0);
    h_expect_abs(h, H_RST | H_ACK, 0, H_PEER_ISN + 11, 0);
    h_finish(h);
}

static void closed_port_ack_draws_rst_seq_seg_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lport = 81;
    h_send_abs(h, H_ACK, 12345, 777777, H_WIN, "data", 4);
    h_expect_abs(h, H_RST, 777777, 0, 0); /* <SEQ=SEG.ACK><CTL=RST> */
    h_expect_none(h);
    h_finish(h);
}

static void closed_port_rst_draws_nothing(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lport = 81;
    h_send(h, H_RST, 0, 0, 0, NULL, 0);
    h_send(h, H_RST | H_ACK, 0, 5, 0, NULL, 0);
    h_expect_none(h);
    h_finish(h);
}

static void listen_ack_draws_rst(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    h_send_abs(h, H_ACK, 5000, 424242, H_WIN, NULL, 0);
    h_expect_abs(h, H_RST, 424242, 0, 0);
    h_send_abs(h, H_SYN | H_ACK, 5000, 99, H_WIN, NULL, 0);
    h_expect_abs(h, H_RST, 99, 0, 0);
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h_finish(h);
}

static void listen_rst_is_ignored(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    h_send(h, H_RST, 0, 0, 0, NULL, 0);
    h_send(h, H_RST | H_ACK, 0, 0, 0, NULL, 0);
    h_expect_none(h);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_LISTEN_RST), 2);
    assert_int_equal(h_stats(h).tcp_conns, 1);
    /* and the listener still works */
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_int_equal(g.ack, H_PEER_ISN + 1);
    h_finish(h);
}

static void listen_segment_without_syn_or_ack_is_dropped(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    h_send(h, H_FIN, 0, 0, H_WIN, NULL, 0);
    h_send(h, H_PSH, 0, 0, H_WIN, "x", 1);
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h_finish(h);
}

static void time_wait_syn_draws_ack_and_stays(void **state)
{
    (void)state;
    harness *h = h_new();
    h_time_wait(h);
    h_send(h, H_SYN, 0x40000000u, 0, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(syn_sent_rst_with_unacceptable_ack_is_ignored),
        H_TEST(syn_sent_rst_without_ack_is_ignored),
        H_TEST(syn_sent_syn_ack_with_bad_ack_draws_rst),
        H_TEST(syn_received_rst_in_window_not_exact_draws_challenge_ack),
        H_TEST(syn_received_unacceptable_ack_draws_rst),
        H_TEST(syn_received_active_open_rst_is_refused),
        H_TEST(established_rst_exact_seq_resets_with_econnreset),
        H_TEST(established_rst_in_window_not_exact_draws_challenge_ack),
        H_TEST(established_rst_outside_window_is_dropped_silently),
        H_TEST(established_rst_in_window_resets_when_rfc5961_off),
        H_TEST(fin_wait_1_rst_resets),
        H_TEST(fin_wait_2_rst_resets),
        H_TEST(fin_wait_2_rst_in_window_draws_challenge_ack),
        H_TEST(close_wait_rst_resets),
        H_TEST(closing_rst_closes),
        H_TEST(last_ack_rst_closes),
        H_TEST(time_wait_rst_is_ignored_rfc1337),
        H_TEST(established_syn_in_window_draws_challenge_ack),
        H_TEST(established_syn_outside_window_draws_ack),
        H_TEST(established_syn_in_window_resets_when_rfc5961_off),
        H_TEST(ack_of_unsent_data_draws_ack_and_segment_is_dropped),
        H_TEST(ack_older_than_max_window_draws_challenge_ack),
        H_TEST(closed_port_syn_draws_rst_ack_seq_zero),
        H_TEST(closed_port_syn_with_data_and_fin_acks_all_of_it),
        H_TEST(closed_port_ack_draws_rst_seq_seg_ack),
        H_TEST(closed_port_rst_draws_nothing),
        H_TEST(listen_ack_draws_rst),
        H_TEST(listen_rst_is_ignored),
        H_TEST(listen_segment_without_syn_or_ack_is_dropped),
        H_TEST(time_wait_syn_draws_ack_and_stays),
    };
    return cmocka_run_group_tests_name("tcp_rst", tests, NULL, NULL);
}
