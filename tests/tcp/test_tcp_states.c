/* test_tcp_states.c — every edge of the RFC 9293 §3.3.2 state diagram (figure 5), each taken by
 * real segments from a named starting state, and the textbook sequence-number details of the
 * handshake and the close (§3.4, §3.5, §3.6). */
#include "harness.h"

/* ---- CLOSED -> LISTEN, CLOSED -> SYN-SENT ------------------------------------------------- */

static void closed_to_listen_on_passive_open(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h); /* asserts LISTEN through weir_tcp_get_info */
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h_finish(h);
}

static void closed_to_syn_sent_on_active_open_sends_syn_seq_iss(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    const h_seg *g = &h->last;
    weir_tcp_info info = h_info(h);
    assert_int_equal(g->seq, info.iss);      /* <SEQ=ISS><CTL=SYN> */
    assert_int_equal(g->flags, H_SYN);       /* no ACK: nothing to acknowledge yet */
    assert_true(g->opt.has_mss);             /* MUST-14: MSS option on every SYN */
    assert_int_equal(g->opt.mss, H_MTU - 40);
    assert_int_equal(info.snd_una, info.iss);
    assert_int_equal(info.snd_nxt, info.iss + 1);
    assert_true(h_saw_edge(h, WEIR_TCP_CLOSED, WEIR_TCP_SYN_SENT));
    h_expect_none(h);
    h_finish(h);
}

static void syn_advertises_receive_window(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    /* The SYN's window field is what we are willing to accept (RFC 9293 §3.1 "Window"); a 0
     * would forbid even data on the SYN-ACK. (Found by this suite, fixed in 9b81f40.) The
     * whole buffer, in the units of the scale offered for auto-tuning (7): 511 * 128. */
    assert_int_equal(h->last.window, 65408);
    h_finish(h);
}

/* ---- LISTEN -> SYN-RECEIVED, LISTEN -> CLOSED --------------------------------------------- */

static void listen_to_syn_received_on_syn_sends_syn_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    /* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, RCV.NXT = IRS+1 (§3.10.7.2). */
    assert_int_equal(h->last.flags, H_SYN | H_ACK);
    assert_int_equal(h->last.ack, H_PEER_ISN + 1);
    assert_true(h->last.opt.has_mss);
    assert_true(h_saw_edge(h, WEIR_TCP_LISTEN, WEIR_TCP_SYN_RECEIVED));
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_PASSIVE_OPENS), 1);
    /* The listener itself stays in LISTEN. */
    weir_tcp_info li;
    assert_int_equal(weir_tcp_get_info(h->s, h->lsock, &li), 0);
    assert_int_equal(li.state, WEIR_TCP_LISTEN);
    h_expect_none(h);
    h_finish(h);
}

static void listen_to_closed_on_close_then_port_is_closed(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    assert_int_equal(weir_tcp_close(h->s, h->lsock), 0);
    h->lsock = -1;
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 0);
    /* A SYN now finds a closed port: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_expect_abs(h, H_RST | H_ACK, 0, H_PEER_ISN + 1, 0);
    h_finish(h);
}

static void listen_close_resets_unaccepted_children(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    /* A second connection completes but is never accepted. */
    uint16_t first_port = h->pport;
    h->pport = first_port + 1;
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_int_equal(g.ack, H_PEER_ISN + 1);
    h->iss = g.seq;
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 3);
    assert_int_equal(weir_tcp_close(h->s, h->lsock), 0);
    h->lsock = -1;
    /* The unaccepted child is reset; the accepted one is the application's and lives on. */
    h_expect(h, H_RST | H_ACK, 1, 1, 0);
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h->pport = first_port;
    h_finish(h);
}

/* ---- SYN-SENT -> ESTABLISHED / SYN-RECEIVED / CLOSED --------------------------------------- */

static void syn_sent_to_established_on_syn_ack_sends_ack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_advance(h, H_RTT);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    /* Third segment of the handshake: <SEQ=ISS+1><ACK=IRS+1><CTL=ACK>. */
    h_expect(h, H_ACK, 1, 1, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_SENT, WEIR_TCP_ESTABLISHED));
    h_expect_event(h, h->sock, WEIR_EV_CONNECTED);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.irs, H_PEER_ISN);
    assert_int_equal(info.rcv_nxt, H_PEER_ISN + 1);
    assert_int_equal(info.snd_una, info.iss + 1);
    assert_int_equal(info.snd_nxt, info.iss + 1);
    assert_int_equal(info.snd_mss, 1460);
    h_finish(h);
}

static void syn_sent_simultaneous_open_sends_syn_ack_iss_rcv_nxt(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    /* Figure 7 line 3: the peer's own SYN crosses ours. MUST-10. */
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    /* Line 5: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, the same ISS as our SYN. */
    const h_seg *g = h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    assert_true(g->opt.has_mss);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_SENT, WEIR_TCP_SYN_RECEIVED));
    assert_false(h_has_event(h, h->sock, WEIR_EV_CONNECTED));
    /* The peer's ACK of our SYN completes it; an active open reports CONNECTED. */
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_RECEIVED, WEIR_TCP_ESTABLISHED));
    h_expect_event(h, h->sock, WEIR_EV_CONNECTED);
    h_finish(h);
}

static void syn_sent_close_goes_to_closed_silently(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    assert_int_equal(weir_tcp_close(h->s, h->sock), 0);
    h->sock = -1;
    h_expect_none(h); /* §3.10.4: "delete the TCB", nothing to tell the peer */
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_SENT, WEIR_TCP_CLOSED));
    assert_int_equal(h_stats(h).tcp_conns, 0);
    assert_int_equal(h_deadline(h), UINT64_MAX);
    /* The peer's late SYN-ACK now finds no connection: <SEQ=SEG.ACK><CTL=RST>. */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_expect(h, H_RST, 1, 0, 0);
    h_finish(h);
}

static void syn_sent_rst_with_acceptable_ack_is_refused(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_send(h, H_RST | H_ACK, 0, 1, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ECONNREFUSED);
    assert_int_equal(weir_tcp_recv(h->s, h->sock, (char[4]){0}, 4), WEIR_ECONNREFUSED);
    assert_int_equal(h_deadline(h), UINT64_MAX); /* no more SYN retransmissions */
    h_finish(h);
}

static void syn_sent_gives_up_after_syn_retries_with_etimedout(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.syn_retries = 3;
    h_start(h);
    h_syn_sent(h);
    uint64_t t0 = h->now;
    /* 1 s, 2 s, 4 s between transmissions (RFC 6298 (5.5)), then the limit after 8 s more. */
    static const uint64_t at[] = {1000000, 3000000, 7000000};
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(h_run_to_deadline(h), t0 + at[i]);
        h_expect(h, H_SYN, 0, 0, 0);
        h_assert_state(h, WEIR_TCP_SYN_SENT);
    }
    assert_int_equal(h_run_to_deadline(h), t0 + 15000000);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIMEOUT_DROPS), 1);
    h_finish(h);
}

/* ---- SYN-RECEIVED -> ESTABLISHED / FIN-WAIT-1 / CLOSED ------------------------------------ */

static void syn_received_to_established_on_ack_is_acceptable(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    assert_int_equal(weir_tcp_accept(h->s, h->lsock, NULL), WEIR_EAGAIN);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_RECEIVED, WEIR_TCP_ESTABLISHED));
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.snd_una, h->iss + 1);
    assert_int_equal(info.rcv_nxt, H_PEER_ISN + 1);
    h_finish(h);
}

static void syn_received_close_before_handshake_ack_sends_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0); /* simultaneous open */
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
    /* §3.10.4 CLOSE in SYN-RECEIVED with nothing to send: form a FIN, enter FIN-WAIT-1. */
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_1);
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_RECEIVED, WEIR_TCP_FIN_WAIT_1));
    /* The peer acknowledges SYN and FIN, then closes too. */
    h_send(h, H_ACK, 1, 2, H_WIN, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_2);
    h_send(h, H_FIN | H_ACK, 1, 2, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_finish(h);
}

static void syn_received_rst_returns_to_listen(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    h_send(h, H_RST, 1, 0, 0, NULL, 0);
    h_expect_none(h);
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_RECEIVED, WEIR_TCP_CLOSED));
    assert_int_equal(h_stats(h).tcp_conns, 1); /* just the listener */
    assert_false(h_has_event(h, h->lsock, WEIR_EV_ACCEPTABLE));
    assert_false(h_has_event(h, h->lsock, WEIR_EV_ERROR));
    weir_tcp_info li;
    assert_int_equal(weir_tcp_get_info(h->s, h->lsock, &li), 0);
    assert_int_equal(li.state, WEIR_TCP_LISTEN);
    /* The listener still accepts a new SYN on the same tuple (Figure 8 line 6). */
    h->irs = H_PEER_ISN + 100000;
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_int_equal(g.ack, h->irs + 1);
    h->iss = g.seq;
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

/* ---- ESTABLISHED -> FIN-WAIT-1 / CLOSE-WAIT ----------------------------------------------- */

static void established_to_fin_wait_1_on_close_sends_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    assert_int_equal(weir_tcp_close(h->s, h->sock), 0);
    h->sock = -1;
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_1);
    assert_true(h_saw_edge(h, WEIR_TCP_ESTABLISHED, WEIR_TCP_FIN_WAIT_1));
    h_finish(h);
}

static void established_to_fin_wait_1_on_shutdown(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_1(h);
    assert_true(h_saw_edge(h, WEIR_TCP_ESTABLISHED, WEIR_TCP_FIN_WAIT_1));
    h_finish(h);
}

static void established_to_close_wait_on_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_send(h, H_FIN | H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 2, 0); /* the FIN takes one sequence number; ACKed at once */
    h_assert_state(h, WEIR_TCP_CLOSE_WAIT);
    assert_true(h_saw_edge(h, WEIR_TCP_ESTABLISHED, WEIR_TCP_CLOSE_WAIT));
    h_expect_event(h, h->sock, WEIR_EV_PEER_CLOSED);
    char buf[8];
    assert_int_equal(weir_tcp_recv(h->s, h->sock, buf, sizeof buf), 0); /* end of stream */
    /* We may still send in CLOSE-WAIT. */
    h_app_send(h, 10);
    h_expect(h, H_ACK, 1, 2, 10);
    h_finish(h);
}

/* ---- FIN-WAIT-1 -> FIN-WAIT-2 / CLOSING / TIME-WAIT --------------------------------------- */

static void fin_wait_1_to_fin_wait_2_on_ack_of_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_2(h);
    assert_true(h_saw_edge(h, WEIR_TCP_FIN_WAIT_1, WEIR_TCP_FIN_WAIT_2));
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.snd_una, h->iss + 2); /* SYN + FIN */
    h_finish(h);
}

static void fin_wait_1_ack_not_covering_fin_stays(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_app_send(h, 100);
    h_expect(h, H_ACK, 1, 1, 100);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    h_expect(h, H_FIN | H_ACK, 101, 1, 0);
    h_send(h, H_ACK, 1, 101, H_WIN, NULL, 0); /* data acknowledged, FIN not yet */
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_1);
    h_send(h, H_ACK, 1, 102, H_WIN, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_2);
    h_finish(h);
}

static void fin_wait_1_simultaneous_close_to_closing(void **state)
{
    (void)state;
    harness *h = h_new();
    h_closing(h); /* the peer's FIN, not acknowledging ours, is ACKed <SEQ=ISS+2><ACK=IRS+2> */
    assert_true(h_saw_edge(h, WEIR_TCP_FIN_WAIT_1, WEIR_TCP_CLOSING));
    h_finish(h);
}

static void fin_wait_1_fin_ack_in_one_segment_to_time_wait(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_1(h);
    h_send(h, H_FIN | H_ACK, 1, 2, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    /* RFC 9293 processes the ACK first ("enter FIN-WAIT-2 and continue processing in that
     * state"), so FIN-WAIT-1 -> TIME-WAIT may pass through FIN-WAIT-2 within one segment. */
    assert_true(h_saw_edge(h, WEIR_TCP_FIN_WAIT_1, WEIR_TCP_TIME_WAIT) ||
                (h_saw_edge(h, WEIR_TCP_FIN_WAIT_1, WEIR_TCP_FIN_WAIT_2) &&
                 h_saw_edge(h, WEIR_TCP_FIN_WAIT_2, WEIR_TCP_TIME_WAIT)));
    h_finish(h);
}

/* ---- FIN-WAIT-2 -> TIME-WAIT, CLOSE-WAIT -> LAST-ACK, CLOSING -> TIME-WAIT ----------------- */

static void fin_wait_2_to_time_wait_on_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_time_wait(h);
    assert_true(h_saw_edge(h, WEIR_TCP_FIN_WAIT_2, WEIR_TCP_TIME_WAIT));
    char buf[8];
    assert_int_equal(weir_tcp_recv(h->s, h->sock, buf, sizeof buf), 0); /* end of stream */
    h_finish(h);
}

static void fin_wait_2_still_receives_data(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_2(h);
    uint8_t data[300];
    h_pattern(data, sizeof data, 0);
    h_send(h, H_ACK | H_PSH, 1, 2, H_WIN, data, sizeof data);
    h_advance(h, 40000);
    h_expect(h, H_ACK, 2, 301, 0);
    uint8_t buf[400];
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 300);
    assert_memory_equal(buf, data, 300);
    h_finish(h);
}

static void close_wait_to_last_ack_on_close_sends_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_last_ack(h);
    assert_true(h_saw_edge(h, WEIR_TCP_CLOSE_WAIT, WEIR_TCP_LAST_ACK));
    h_finish(h);
}

static void closing_to_time_wait_on_ack_of_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_closing(h);
    h_send(h, H_ACK, 2, 2, H_WIN, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    assert_true(h_saw_edge(h, WEIR_TCP_CLOSING, WEIR_TCP_TIME_WAIT));
    h_finish(h);
}

/* ---- LAST-ACK -> CLOSED, TIME-WAIT -> CLOSED ---------------------------------------------- */

static void last_ack_to_closed_on_ack_of_fin(void **state)
{
    (void)state;
    harness *h = h_new();
    h_last_ack(h);
    h_send(h, H_ACK, 2, 2, H_WIN, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    assert_true(h_saw_edge(h, WEIR_TCP_LAST_ACK, WEIR_TCP_CLOSED));
    h_expect_event(h, h->sock, WEIR_EV_CLOSED);
    assert_int_equal(h_deadline(h), UINT64_MAX);
    h_finish(h);
}

static void last_ack_after_close_frees_the_record(void **state)
{
    (void)state;
    harness *h = h_new();
    h_close_wait(h);
    assert_int_equal(weir_tcp_close(h->s, h->sock), 0);
    h->sock = -1;
    h_expect(h, H_FIN | H_ACK, 1, 2, 0);
    h_assert_state(h, WEIR_TCP_LAST_ACK);
    h_send(h, H_ACK, 2, 2, H_WIN, NULL, 0);
    h_expect_none(h);
    assert_true(h_saw_edge(h, WEIR_TCP_LAST_ACK, WEIR_TCP_CLOSED));
    assert_int_equal(h_stats(h).tcp_conns, 0);
    h_finish(h);
}

static void time_wait_to_closed_after_exactly_2msl(void **state)
{
    (void)state;
    harness *h = h_new();
    h_time_wait(h);
    uint64_t entered = h->now;
    uint64_t two_msl = 2 * h->cfg.tcp.msl_us;
    assert_int_equal(h_deadline(h), entered + two_msl);
    h_advance_to(h, entered + two_msl - 1);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_advance_to(h, entered + two_msl);
    h_assert_state(h, WEIR_TCP_CLOSED);
    assert_true(h_saw_edge(h, WEIR_TCP_TIME_WAIT, WEIR_TCP_CLOSED));
    h_expect_event(h, h->sock, WEIR_EV_CLOSED);
    h_expect_none(h);
    h_finish(h);
}

static void time_wait_after_close_frees_the_record_after_2msl(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.msl_us = 1000000;
    h_start(h);
    h_time_wait_released(h);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    uint64_t entered = h->now;
    /* No handle refers to it: a compact record instead of a connection (tcp_tw.h). */
    assert_int_equal(h_stats(h).tcp_conns, 1);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    h_advance_to(h, entered + 2000000 - 1);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    h_advance_to(h, entered + 2000000);
    assert_int_equal(h_stats(h).tcp_time_wait, 0);
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_finish(h);
}

/* ---- textbook numbers ---------------------------------------------------------------------- */

static void handshake_numbers_active_open(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    uint32_t iss = h_info(h).iss;
    assert_int_equal(h->last.seq, iss); /* SYN: seq = x */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    /* Third segment: seq = x+1 (the SYN took x), ack = y+1. Not seq = x. */
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(g->seq, iss + 1);
    assert_int_equal(g->ack, H_PEER_ISN + 1);
    /* The first data byte has the same sequence number as that ACK: ACKs take no space. */
    h_app_send(h, 5);
    g = h_expect(h, H_ACK, 1, 1, 5);
    assert_int_equal(g->seq, iss + 1);
    h_finish(h);
}

static void handshake_numbers_passive_open(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    assert_int_equal(h->last.ack, H_PEER_ISN + 1); /* SYN-ACK: ack = x+1 */
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);        /* third: seq = x+1, ack = y+1 */
    h_expect_none(h);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.iss, h->iss);
    assert_int_equal(info.irs, H_PEER_ISN);
    assert_int_equal(info.snd_nxt, h->iss + 1);
    assert_int_equal(info.rcv_nxt, H_PEER_ISN + 1);
    h_finish(h);
}

static void fin_consumes_one_sequence_number(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint8_t data[10];
    h_pattern(data, sizeof data, 0);
    /* 10 bytes + FIN at seq 1: the ACK is 1 + 10 + 1 = 12. */
    h_send(h, H_FIN | H_ACK | H_PSH, 1, 1, H_WIN, data, sizeof data);
    h_expect(h, H_ACK, 1, 12, 0);
    /* Our FIN at seq 1 is acknowledged by ack = 2. */
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    h_expect(h, H_FIN | H_ACK, 1, 12, 0);
    h_send(h, H_ACK, 12, 1, H_WIN, NULL, 0); /* ack = fin seq: does not cover the FIN */
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_LAST_ACK);
    h_send(h, H_ACK, 12, 2, H_WIN, NULL, 0); /* ack = fin seq + 1 */
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_finish(h);
}

static void data_ack_is_seq_plus_len(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    uint8_t data[100];
    h_pattern(data, sizeof data, 0);
    h_send(h, H_ACK | H_PSH, 1, 1, H_WIN, data, 100);
    h_expect(h, H_ACK, 1, 1 + 100, 0); /* quick ACKs while the data starts to flow */
    h_send(h, H_ACK | H_PSH, 101, 1, H_WIN, data, 37);
    h_expect(h, H_ACK, 1, 1 + 100 + 37, 0);
    h_expect_none(h);
    /* Our data: the peer's ack = our seq + len moves SND.UNA exactly there. */
    h_app_send(h, 250);
    h_expect(h, H_ACK, 1, 138, 250);
    h_send(h, H_ACK, 138, 251, H_WIN, NULL, 0);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.snd_una, h->iss + 251);
    assert_int_equal(info.bytes_sent, 250);
    assert_int_equal(info.bytes_received, 137);
    h_finish(h);
}

/* Pop the next segment, skipping one bare <SEQ=ISS+1><ACK=IRS+1><CTL=ACK> (a separate third
 * handshake segment is as correct as one carried by what follows). */
static void skip_bare_handshake_ack(harness *h)
{
    if (h_pending(h) >= 2) {
        h_seg g;
        unsigned saved_head = h->fhead;
        assert_true(h_pop(h, &g));
        if (!(g.flags == H_ACK && g.rseq == 1 && g.rack == 1 && g.len == 0)) {
            h->fhead = saved_head; /* not one: put it back */
            h->fcount++;
        }
    }
}

static void shutdown_in_syn_sent_sends_fin_after_handshake(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_SENT);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    skip_bare_handshake_ack(h);
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_1);
    h_expect_event(h, h->sock, WEIR_EV_CONNECTED);
    h_finish(h);
}

static void data_queued_in_syn_sent_goes_after_handshake(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_app_send(h, 100); /* §3.10.2: queued until ESTABLISHED */
    h_expect_none(h);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    skip_bare_handshake_ack(h);
    h_expect(h, H_ACK, 1, 1, 100);
    h_expect_none(h);
    h_finish(h);
}

static void syn_ack_with_data_is_delivered(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_send(h, H_SYN | H_ACK | H_PSH, 0, 1, H_WIN, "hello, weir", 11);
    /* The data starts at IRS+1; the ACK covers it (it may be delayed, at most 40 ms). */
    h_advance(h, 40000);
    h_expect(h, H_ACK, 1, 12, 0);
    h_expect_none(h);
    char buf[32];
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 11);
    assert_memory_equal(buf, "hello, weir", 11);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(closed_to_listen_on_passive_open),
        H_TEST(closed_to_syn_sent_on_active_open_sends_syn_seq_iss),
        H_TEST(syn_advertises_receive_window),
        H_TEST(listen_to_syn_received_on_syn_sends_syn_ack),
        H_TEST(listen_to_closed_on_close_then_port_is_closed),
        H_TEST(listen_close_resets_unaccepted_children),
        H_TEST(syn_sent_to_established_on_syn_ack_sends_ack),
        H_TEST(syn_sent_simultaneous_open_sends_syn_ack_iss_rcv_nxt),
        H_TEST(syn_sent_close_goes_to_closed_silently),
        H_TEST(syn_sent_rst_with_acceptable_ack_is_refused),
        H_TEST(syn_sent_gives_up_after_syn_retries_with_etimedout),
        H_TEST(syn_received_to_established_on_ack_is_acceptable),
        H_TEST(syn_received_close_before_handshake_ack_sends_fin),
        H_TEST(syn_received_rst_returns_to_listen),
        H_TEST(established_to_fin_wait_1_on_close_sends_fin),
        H_TEST(established_to_fin_wait_1_on_shutdown),
        H_TEST(established_to_close_wait_on_fin),
        H_TEST(fin_wait_1_to_fin_wait_2_on_ack_of_fin),
        H_TEST(fin_wait_1_ack_not_covering_fin_stays),
        H_TEST(fin_wait_1_simultaneous_close_to_closing),
        H_TEST(fin_wait_1_fin_ack_in_one_segment_to_time_wait),
        H_TEST(fin_wait_2_to_time_wait_on_fin),
        H_TEST(fin_wait_2_still_receives_data),
        H_TEST(close_wait_to_last_ack_on_close_sends_fin),
        H_TEST(closing_to_time_wait_on_ack_of_fin),
        H_TEST(last_ack_to_closed_on_ack_of_fin),
        H_TEST(last_ack_after_close_frees_the_record),
        H_TEST(time_wait_to_closed_after_exactly_2msl),
        H_TEST(time_wait_after_close_frees_the_record_after_2msl),
        H_TEST(handshake_numbers_active_open),
        H_TEST(handshake_numbers_passive_open),
        H_TEST(fin_consumes_one_sequence_number),
        H_TEST(data_ack_is_seq_plus_len),
        H_TEST(shutdown_in_syn_sent_sends_fin_after_handshake),
        H_TEST(data_queued_in_syn_sent_goes_after_handshake),
        H_TEST(syn_ack_with_data_is_delivered),
    };
    return cmocka_run_group_tests_name("tcp_states", tests, NULL, NULL);
}
