/* test_tcp_loss.c — lost segments in the handshake, in data transfer and in the close, recovered
 * by retransmission: RFC 9293 §3.8.1 and RFC 6298 (the RTO, its backoff and Karn's rule),
 * §3.10.7.4 (duplicates in SYN-RECEIVED and TIME-WAIT), §3.10.8 (timeouts, MUST-20), RFC 5681
 * §3.2 (fast retransmit). */
#include "harness.h"

#include <string.h>

/* ---- handshake ----------------------------------------------------------------------------- */

static void lost_syn_is_retransmitted_after_1s_then_2s_4s_8s(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    uint64_t t0 = h->now;
    assert_int_equal(h_info(h).rto_us, 1000000); /* RFC 6298 (2.1): initial RTO 1 s */
    h_advance_to(h, t0 + 1000000 - 1);
    h_expect_none(h);
    uint64_t sent = t0, gap = 1000000;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(h_run_to_deadline(h), sent + gap); /* (5.5): double each time */
        h_expect(h, H_SYN, 0, 0, 0);                          /* same ISS */
        h_expect_none(h);
        sent += gap;
        gap *= 2;
    }
    assert_int_equal(h_info(h).backoff, 4);
    /* The SYN-ACK finally arrives: ESTABLISHED; Karn's rule left no RTT sample. */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.srtt_us, 0);
    assert_true(info.rto_us >= 3000000);
    assert_int_equal(info.backoff, 0);
    h_finish(h);
}

static void one_lost_syn_then_data_starts_with_rto_3s(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    h_run_to_deadline(h);
    h_expect(h, H_SYN, 0, 0, 0);
    h_advance(h, H_RTT);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0); /* answers which SYN? Karn: no sample */
    h_expect(h, H_ACK, 1, 1, 0);
    /* RFC 6298 (5.7): the timer expired awaiting the ACK of the SYN with an RTO under 3 s, so
     * the RTO is re-initialized to 3 s when data transmission begins. */
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.srtt_us, 0);
    assert_int_equal(info.rto_us, 3000000);
    h_app_send(h, 10);
    h_expect(h, H_ACK, 1, 1, 10);
    uint64_t t = h->now;
    assert_int_equal(h_run_to_deadline(h), t + 3000000);
    h_expect(h, H_ACK, 1, 1, 10);
    h_finish(h);
}

static void lost_syn_ack_peer_resends_syn_gets_syn_ack_again(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    h_advance(h, 300000);
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0); /* the same SYN again */
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);   /* the same SYN-ACK again */
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
    assert_int_equal(h_stats(h).tcp_conns, 2); /* no second child */
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    h_finish(h);
}

static void lost_syn_ack_is_retransmitted_by_timer(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    uint64_t t0 = h->now;
    h_advance_to(h, t0 + 1000000 - 1);
    h_expect_none(h);
    h_advance_to(h, t0 + 1000000);
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    h_expect_none(h);
    assert_int_equal(h_run_to_deadline(h), t0 + 3000000);
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_advance(h, 10000000);
    h_expect_none(h); /* the SYN-ACK timer is off */
    h_finish(h);
}

static void lost_handshake_ack_syn_ack_retransmitted_then_data_completes_it(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    /* The peer's ACK is lost: our SYN-ACK comes again after the RTO. */
    h_run_to_deadline(h);
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    /* The peer's first data segment carries the ACK of our SYN: it completes the handshake. */
    uint8_t data[100];
    h_pattern(data, sizeof data, 0);
    h_send(h, H_ACK | H_PSH, 1, 1, H_WIN, data, sizeof data);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    uint8_t buf[200];
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 100);
    assert_memory_equal(buf, data, 100);
    h_advance(h, 40000);
    h_expect(h, H_ACK, 1, 101, 0);
    h_advance(h, 10000000);
    h_expect_none(h); /* no more SYN-ACKs */
    h_finish(h);
}

static void syn_received_gives_up_and_listener_carries_on(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.syn_retries = 2;
    h_start(h);
    h_syn_received(h);
    uint64_t t0 = h->now;
    assert_int_equal(h_run_to_deadline(h), t0 + 1000000);
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    assert_int_equal(h_run_to_deadline(h), t0 + 3000000);
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    assert_int_equal(h_run_to_deadline(h), t0 + 7000000);
    h_expect_none(h);
    assert_true(h_saw_edge(h, WEIR_TCP_SYN_RECEIVED, WEIR_TCP_CLOSED));
    assert_int_equal(h_stats(h).tcp_conns, 1);
    assert_false(h_has_event(h, h->lsock, WEIR_EV_ERROR));
    weir_tcp_info li;
    assert_int_equal(weir_tcp_get_info(h->s, h->lsock, &li), 0);
    assert_int_equal(li.state, WEIR_TCP_LISTEN);
    h_finish(h);
}

/* ---- data ---------------------------------------------------------------------------------- */

static void lost_data_is_retransmitted_after_rto_with_same_seq(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint32_t rto = h_info(h).rto_us;
    assert_true(rto >= h->cfg.tcp.rto_min_us);
    h_app_send(h, 100);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 100);
    uint8_t first[100];
    memcpy(first, g->data, 100);
    uint64_t t = h->now;
    h_advance_to(h, t + rto - 1);
    h_expect_none(h);
    h_advance_to(h, t + rto);
    g = h_expect(h, H_ACK, 1, 1, 100);
    assert_memory_equal(g->data, first, 100);
    /* Backed off: the next one after 2*RTO. */
    h_advance_to(h, t + rto + 2 * (uint64_t)rto - 1);
    h_expect_none(h);
    h_advance_to(h, t + 3 * (uint64_t)rto);
    h_expect(h, H_ACK, 1, 1, 100);
    assert_int_equal(h_info(h).retransmits, 2);
    h_send(h, H_ACK, 1, 101, H_WIN, NULL, 0);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.snd_una, h->iss + 101);
    assert_int_equal(info.backoff, 0);
    h_advance(h, 100000000);
    h_expect_none(h);
    h_finish(h);
}

static void retry_limit_ends_connection_with_etimedout(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.max_retries = 3;
    h_start(h);
    h_established_active(h);
    uint64_t rto = h_info(h).rto_us;
    h_app_send(h, 10);
    h_expect(h, H_ACK, 1, 1, 10);
    uint64_t t = h->now;
    for (uint64_t k = 1; k <= 4; k *= 2) {
        t += k * rto;
        assert_int_equal(h_run_to_deadline(h), t);
        h_expect(h, H_ACK, 1, 1, 10);
        h_assert_state(h, WEIR_TCP_ESTABLISHED);
    }
    assert_int_equal(h_run_to_deadline(h), t + 8 * rto);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    assert_int_equal(weir_tcp_recv(h->s, h->sock, (char[4]){0}, 4), WEIR_ETIMEDOUT);
    assert_true(weir_tcp_send(h->s, h->sock, "x", 1) < 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIMEOUT_DROPS), 1);
    h_finish(h);
}

static void three_duplicate_acks_trigger_fast_retransmit(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h_start(h);
    h->peer_mss = 1000;
    h_established_active(h);
    assert_int_equal(h_info(h).snd_mss, 1000);
    h_app_send(h, 4000);
    for (uint32_t i = 0; i < 4; i++)
        h_expect(h, H_ACK, 1 + 1000 * i, 1, 1000);
    h_expect_none(h);
    /* The first segment is lost; the other three each draw a duplicate ACK. */
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 1000); /* at once, long before the RTO */
    h_expect_none(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_DUP_ACKS), 3);
    h_send(h, H_ACK, 1, 4001, H_WIN, NULL, 0);
    assert_int_equal(h_info(h).snd_una, h->iss + 4001);
    h_advance(h, 10000000);
    h_expect_none(h);
    h_finish(h);
}

/* ---- close --------------------------------------------------------------------------------- */

static void lost_fin_is_retransmitted_with_same_seq(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_1(h);
    uint64_t rto = h_info(h).rto_us;
    uint64_t t = h->now;
    h_advance_to(h, t + rto - 1);
    h_expect_none(h);
    h_advance_to(h, t + rto);
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_expect_none(h);
    assert_int_equal(h_run_to_deadline(h), t + 3 * rto);
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_1);
    h_send(h, H_ACK, 1, 2, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_2);
    h_advance(h, 100000000);
    h_expect_none(h);
    h_finish(h);
}

static void last_ack_retransmits_fin_until_acked(void **state)
{
    (void)state;
    harness *h = h_new();
    h_last_ack(h);
    uint64_t rto = h_info(h).rto_us;
    uint64_t t = h->now;
    assert_int_equal(h_run_to_deadline(h), t + rto);
    h_expect(h, H_FIN | H_ACK, 1, 2, 0);
    assert_int_equal(h_run_to_deadline(h), t + 3 * rto);
    h_expect(h, H_FIN | H_ACK, 1, 2, 0);
    h_assert_state(h, WEIR_TCP_LAST_ACK);
    h_send(h, H_ACK, 2, 2, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_event(h, h->sock, WEIR_EV_CLOSED);
    assert_int_equal(h_deadline(h), UINT64_MAX);
    h_finish(h);
}

static void time_wait_reacks_retransmitted_fin_and_restarts_2msl(void **state)
{
    (void)state;
    harness *h = h_new();
    h_time_wait(h);
    uint64_t two_msl = 2 * h->cfg.tcp.msl_us;
    uint64_t t0 = h->now;
    /* Our ACK of the peer's FIN was lost: the peer sends its FIN again. */
    h_advance(h, 10000000);
    uint64_t t1 = h->now;
    h_send(h, H_FIN | H_ACK, 1, 2, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    h_expect_none(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIME_WAIT_RESTARTS), 1);
    /* 2*MSL now counts from the retransmitted FIN. */
    assert_int_equal(h_deadline(h), t1 + two_msl);
    h_advance_to(h, t0 + two_msl);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_advance_to(h, t1 + two_msl - 1);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_advance_to(h, t1 + two_msl);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_none(h);
    h_finish(h);
}

static void close_wait_duplicate_fin_is_acked_again(void **state)
{
    (void)state;
    harness *h = h_new();
    h_close_wait(h);
    h_send(h, H_FIN | H_ACK, 1, 1, H_WIN, NULL, 0); /* our ACK of it was lost */
    h_expect(h, H_ACK, 1, 2, 0);
    h_assert_state(h, WEIR_TCP_CLOSE_WAIT);
    h_finish(h);
}

static void closing_retransmits_fin_until_acked(void **state)
{
    (void)state;
    harness *h = h_new();
    h_closing(h);
    uint64_t rto = h_info(h).rto_us;
    h_run_to_deadline(h);
    /* Our FIN again, now acknowledging the peer's FIN too. */
    h_expect(h, H_FIN | H_ACK, 1, 2, 0);
    h_assert_state(h, WEIR_TCP_CLOSING);
    (void)rto;
    h_send(h, H_ACK, 2, 2, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_finish(h);
}

/* ---- RTT (RFC 6298) -------------------------------------------------------------------------- */

static void retransmitted_syn_ack_after_established_is_reacked(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h); /* our third segment is lost ... */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0); /* ... so the peer sends its SYN-ACK again */
    h_expect(h, H_ACK, 1, 1, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

static void rtt_samples_follow_rfc6298(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.rto_min_us = 1000; /* so that the formula shows, not the floor */
    h_start(h);
    h_syn_sent(h);
    h_advance(h, 100000);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0);
    /* (2.2): SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR. */
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.srtt_us, 100000);
    assert_int_equal(info.rttvar_us, 50000);
    assert_int_equal(info.rto_us, 300000);
    h_app_send(h, 10);
    h_expect(h, H_ACK, 1, 1, 10);
    h_advance(h, 60000);
    h_send(h, H_ACK, 1, 11, H_WIN, NULL, 0);
    /* (2.3): RTTVAR = 3/4*50000 + 1/4*|100000-60000| = 47500; SRTT = 7/8*100000 + 1/8*60000 =
     * 95000; RTO = 95000 + 4*47500 = 285000. */
    info = h_info(h);
    assert_int_equal(info.rttvar_us, 47500);
    assert_int_equal(info.srtt_us, 95000);
    assert_int_equal(info.rto_us, 285000);
    h_finish(h);
}

/* rto_slop_us (FreeBSD's tcp_rexmit_slop) lengthens every RTO computed from a sample or backed
 * off, once and not doubled, and leaves the initial RTO alone; 0 is RFC 6298's timer exactly. */
static void check_rto_slop(uint32_t slop)
{
    harness *h = h_new_config();
    h->cfg.tcp.rto_min_us = 1000;
    h->cfg.tcp.rto_slop_us = slop;
    h_start(h);
    h_syn_sent(h);
    uint64_t t = h->now;
    assert_int_equal(h_info(h).rto_us, 1000000);
    assert_int_equal(h_run_to_deadline(h), t + 1000000); /* the initial RTO as configured */
    h_expect(h, H_SYN, 0, 0, 0);
    assert_int_equal(h_info(h).rto_us, 2000000 + slop);
    assert_int_equal(h_run_to_deadline(h), t + 3000000 + slop); /* 2 * RTO + slop */
    h_expect(h, H_SYN, 0, 0, 0);
    h_finish(h);

    h = h_new_config();
    h->cfg.tcp.rto_min_us = 1000;
    h->cfg.tcp.rto_slop_us = slop;
    h_start(h);
    h_syn_sent(h);
    h_advance(h, 100000);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0); /* R = 100 ms: RTO 300 ms */
    h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(h_info(h).rto_us, 300000 + slop);
    h_app_send(h, 10);
    h_expect(h, H_ACK, 1, 1, 10);
    t = h->now;
    assert_int_equal(h_run_to_deadline(h), t + 300000 + slop);
    h_expect(h, H_ACK, 1, 1, 10);
    assert_int_equal(h_run_to_deadline(h), t + 300000 + slop + 600000 + slop);
    h_expect(h, H_ACK, 1, 1, 10);
    h_finish(h);
}

static void rto_slop_lengthens_computed_and_backed_off_rtos_only(void **state)
{
    (void)state;
    check_rto_slop(0);
    check_rto_slop(200000);
}

static void karn_no_rtt_sample_from_a_retransmitted_segment(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    weir_tcp_info before = h_info(h);
    h_app_send(h, 10);
    h_expect(h, H_ACK, 1, 1, 10);
    h_run_to_deadline(h);
    h_expect(h, H_ACK, 1, 1, 10);
    h_advance(h, 100000); /* before the backed-off RTO fires again */
    h_expect_none(h);
    h_send(h, H_ACK, 1, 11, H_WIN, NULL, 0); /* ambiguous: for which transmission? */
    weir_tcp_info after = h_info(h);
    assert_int_equal(after.srtt_us, before.srtt_us);
    assert_int_equal(after.rttvar_us, before.rttvar_us);
    /* (5.5)/(5.7): the backed-off RTO stays until a new sample is taken. */
    assert_int_equal(after.rto_us, 2 * before.rto_us);
    h_app_send(h, 10);
    h_expect(h, H_ACK, 11, 1, 10);
    h_advance(h, 20000);
    h_send(h, H_ACK, 1, 21, H_WIN, NULL, 0);
    assert_int_not_equal(h_info(h).srtt_us, before.srtt_us);
    h_finish(h);
}

/* ---- RTT from timestamps (RFC 7323 §4, RFC 6298 §3) ---------------------------------------- */

/* An active connection that negotiated timestamps (no SACK, so no tail loss probe), with a 10 ms
 * RTT sample from the handshake: SRTT 10 ms, RTTVAR 5 ms, RTO 200 ms (the minimum). Returns the
 * TSval of our SYN, the first of the connection. */
static uint32_t ts_established(harness *h)
{
    h_syn_sent(h);
    uint32_t syn_tsval = h->last.opt.ts_val;
    assert_true(h->last.opt.has_timestamps);
    h_advance(h, H_RTT);
    weir_tcp_repr r = {.flags = H_SYN | H_ACK, .seq = h->irs, .ack = h->iss + 1, .window = H_WIN};
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    r.opt.has_timestamps = true;
    r.opt.ts_val = 5000;
    r.opt.ts_ecr = syn_tsval;
    h_inject(h, &r);
    h_expect(h, H_ACK, 1, 1, 0);
    h_clear_events(h);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.srtt_us, 10000);
    assert_int_equal(info.rto_us, 200000);
    return syn_tsval;
}

/* The peer's ACK (or data, with len > 0) with a timestamp echoing ts_ecr. */
static void ts_peer_seg(harness *h, uint32_t rseq, uint32_t rack, uint32_t ts_val, uint32_t ts_ecr,
                        size_t len)
{
    static const uint8_t data[64];
    weir_tcp_repr r = {.flags = H_ACK, .seq = h->irs + rseq, .ack = h->iss + rack, .window = H_WIN,
                       .payload = len ? data : NULL, .payload_len = len};
    r.opt.has_timestamps = true;
    r.opt.ts_val = ts_val;
    r.opt.ts_ecr = ts_ecr;
    h_inject(h, &r);
}

/* Send 10 bytes, let the RTO resend them (backing the RTO off to 400 ms); returns the TSval of
 * the retransmission. */
static uint32_t ts_send_and_time_out(harness *h)
{
    h_app_send(h, 10);
    h_expect(h, H_ACK, 1, 1, 10);
    h_run_to_deadline(h);
    uint32_t tsval = h_expect(h, H_ACK, 1, 1, 10)->opt.ts_val;
    assert_int_equal(h_info(h).rto_us, 400000);
    return tsval;
}

/* RFC 6298 §3: with timestamps the ACK of a retransmitted segment says which transmission it
 * answers, so it is an RTT sample (Karn's rule is for connections without them), and the RTO it
 * gives ends the backoff. RFC 7323 §4.1 (RTTM rule): a segment that does not advance SND.UNA —
 * here data from the peer echoing the same TSval — is no sample. */
static void timestamp_echo_samples_rtt_of_a_retransmission(void **state)
{
    (void)state;
    harness *h = h_new();
    ts_established(h);
    uint32_t tsval = ts_send_and_time_out(h);
    h_advance(h, 20000);
    ts_peer_seg(h, 1, 1, 5001, tsval, 5); /* SND.UNA stays: no sample */
    assert_int_equal(h_info(h).srtt_us, 10000);
    h_expect(h, H_ACK, 11, 6, 0);
    ts_peer_seg(h, 6, 11, 5002, tsval, 0);
    weir_tcp_info info = h_info(h);
    /* (2.3) with R' = 20 ms: RTTVAR = 3/4*5000 + 1/4*10000 = 6250, SRTT = 7/8*10000 + 1/8*20000
     * = 11250; RTO = max(200 ms, 11250 + 4*6250): no longer backed off. */
    assert_int_equal(info.rttvar_us, 6250);
    assert_int_equal(info.srtt_us, 11250);
    assert_int_equal(info.rto_us, 200000);
    h_finish(h);
}

/* Echoes that cannot be of our segments give no sample: zero (nothing to echo), one from the
 * future, one from before the connection's first TSval. The backed-off RTO stays, as without
 * timestamps (RFC 6298 (5.7)). */
static void timestamp_echo_that_cannot_be_ours_is_no_sample(void **state)
{
    (void)state;
    for (int which = 0; which < 3; which++) {
        harness *h = h_new();
        uint32_t first = ts_established(h);
        uint32_t tsval = ts_send_and_time_out(h);
        h_advance(h, 20000);
        uint32_t ecr = which == 0 ? 0 : which == 1 ? tsval + 1000 : first - 1;
        ts_peer_seg(h, 1, 11, 5001, ecr, 0);
        weir_tcp_info info = h_info(h);
        assert_int_equal(info.srtt_us, 10000);
        assert_int_equal(info.rttvar_us, 5000);
        assert_int_equal(info.rto_us, 400000);
        h_finish(h);
    }
}

/* RFC 7323 Appendix G: a window of ten full segments yields ExpectedSamples = ceil(10 * SMSS /
 * (2 * SMSS)) = 5 samples, so each moves the estimator a fifth as far as RFC 6298's one per RTT
 * would: alpha' = 1/40, beta' = 1/20. */
static void timestamp_samples_are_weighted_by_expected_samples_per_window(void **state)
{
    (void)state;
    harness *h = h_new();
    ts_established(h);
    assert_int_equal(h_info(h).snd_mss, 1448);
    h_app_send(h, 10 * 1448);
    uint32_t tsval = 0;
    for (uint32_t i = 0; i < 10; i++) {
        const h_seg *g = h_expect(h, H_ACK, 1 + i * 1448, 1, 1448);
        if (i == 0)
            tsval = g->opt.ts_val;
    }
    h_advance(h, 20000);
    ts_peer_seg(h, 1, 1 + 10 * 1448, 5001, tsval, 0);
    weir_tcp_info info = h_info(h);
    /* RTTVAR = 19/20*5000 + 1/20*10000 = 5250; SRTT = 39/40*10000 + 1/40*20000 = 10250. */
    assert_int_equal(info.rttvar_us, 5250);
    assert_int_equal(info.srtt_us, 10250);
    h_finish(h);
}

/* ---- tail loss probes (RFC 8985 §7) ------------------------------------------------------- */

/* A passive connection that negotiated SACK, with a 10 ms RTT sample from the handshake. */
static harness *sack_connection_rtt_10ms(void)
{
    harness *h = h_new();
    h->peer_mss = 1000;
    h->peer_sack = true;
    h_established_passive(h);
    assert_int_equal(h_info(h).srtt_us, 10000);
    return h;
}

static void tail_loss_probe_resends_the_last_segment_after_two_rtts(void **state)
{
    (void)state;
    harness *h = sack_connection_rtt_10ms();
    uint64_t t = h->now;
    h_app_send(h, 3000);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_expect(h, H_ACK, 1001, 1, 1000);
    h_expect(h, H_ACK | H_PSH, 2001, 1, 1000);
    /* No ACK comes: 2*SRTT + 2 ms later, the last segment again (not the first: the RTO's). */
    assert_int_equal(h_deadline(h), t + 22000);
    h_run_to_deadline(h);
    h_expect(h, H_ACK | H_PSH, 2001, 1, 1000);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TLP_PROBES), 1);
    /* One probe per tail: then the RTO (200 ms) resends the first segment. */
    assert_int_equal(h_deadline(h), t + 22000 + 200000);
    h_run_to_deadline(h);
    h_expect(h, H_ACK, 1, 1, 1000);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED), 1);
    h_finish(h);
}

static void tail_loss_probe_sends_new_data_when_there_is_some(void **state)
{
    (void)state;
    harness *h = sack_connection_rtt_10ms();
    h_app_send(h, 12000); /* ten segments fit the initial window, two wait for cwnd */
    for (uint32_t seq = 1; seq < 10001; seq += 1000)
        h_expect(h, H_ACK, seq, 1, 1000);
    h_expect_none(h);
    h_run_to_deadline(h);
    /* The probe is the next new segment, cwnd notwithstanding (RFC 8985 §7.3). */
    h_expect(h, H_ACK, 10001, 1, 1000);
    h_finish(h);
}

static void single_segment_in_flight_waits_for_a_delayed_ack_first(void **state)
{
    (void)state;
    harness *h = sack_connection_rtt_10ms();
    uint64_t t = h->now;
    h_app_send(h, 500);
    h_expect(h, H_ACK | H_PSH, 1, 1, 500);
    /* PTO = 2*SRTT + 200 ms (the peer may delay its ACK) = 220 ms > RTO 200 ms: the RTO. */
    assert_int_equal(h_deadline(h), t + 200000);
    h_finish(h);
}

static void no_tail_loss_probe_without_sack(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    h_app_send(h, 3000);
    h_flush(h);
    uint64_t t = h->now;
    assert_int_equal(h_deadline(h), t + h_info(h).rto_us);
    h_finish(h);
}

/* Found against Linux: it opens its window while it buffers out-of-order data, so its
 * duplicate ACKs all differ in window. With SACK blocks they still count (RFC 6675 §2), and the
 * third one triggers fast retransmit instead of a 200 ms RTO. */
static void duplicate_acks_with_sack_count_even_when_the_window_grows(void **state)
{
    (void)state;
    harness *h = sack_connection_rtt_10ms();
    h_app_send(h, 5000);
    for (uint32_t seq = 1; seq < 5001; seq += 1000)
        h_expect(h, H_ACK, seq, 1, 1000);
    for (int i = 0; i < 3; i++) {
        weir_tcp_repr r = {.flags = H_ACK, .seq = h->irs + 1, .ack = h->iss + 1,
                           .window = (uint16_t)(H_WIN - 3000 + 1000 * i)};
        r.opt.sack_count = 1;
        r.opt.sack[0].left = h->iss + 1001;
        r.opt.sack[0].right = h->iss + 2001 + 1000u * (uint32_t)i;
        h_inject(h, &r);
    }
    h_expect(h, H_ACK, 1, 1, 1000); /* fast retransmit, at once */
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_DUP_ACKS), 3);
    h_finish(h);
}

/* RFC 6582: in fast recovery, an ACK that covers the retransmission but not everything sent
 * before it (a partial ACK) means the next segment was lost too: it is resent at once, and
 * recovery goes on until `recover` is acknowledged. The resent head never carries unsent bytes
 * (found by the simulation: a short head pulled new data past SND.MAX and deadlocked both). */
static void partial_ack_resends_the_next_hole_at_once(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    uint16_t mss = h_info(h).snd_mss;
    h_app_send(h, 5u * mss);
    for (uint32_t i = 0; i < 5; i++)
        h_expect(h, H_ACK, 1 + i * mss, 1, mss);
    /* Segments 1 and 2 are lost; 3, 4 and 5 bring three duplicate ACKs. */
    for (int i = 0; i < 3; i++)
        h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 1, mss); /* fast retransmit of segment 1 */
    h_send(h, H_ACK, 1, 1 + mss, H_WIN, NULL, 0); /* partial: segment 2 is still missing */
    h_expect(h, H_ACK, 1 + mss, 1, mss);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_PARTIAL_ACKS), 1);
    h_send(h, H_ACK, 1, 1 + 5u * mss, H_WIN, NULL, 0); /* full ACK: recovery ends */
    /* RFC 6582 §3.2 step 3, option (1): min(ssthresh, max(FlightSize, SMSS) + SMSS); nothing
     * is in flight, so two segments (a burst guard), below ssthresh (2.5 segments). */
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.cwnd, 2u * mss);
    assert_true(info.ssthresh > info.cwnd);
    h_finish(h);
}

/* ---- NewReno recovery on a lossy path (no SACK) -------------------------------------------- */

/* A passive connection without SACK, a 10 ms RTT, `segs` full segments out (the initial window
 * is 10) and more queued behind them; returns the MSS. */
static uint16_t newreno_window_out(harness *h, uint32_t queued_segs)
{
    h_established_passive(h);
    uint16_t mss = h_info(h).snd_mss;
    h_app_send(h, queued_segs * mss);
    for (uint32_t i = 0; i < 10; i++)
        h_expect(h, H_ACK, 1 + i * mss, 1, mss);
    h_expect_none(h);
    return mss;
}

static void dup_acks_of(harness *h, uint32_t rack, int n)
{
    for (int i = 0; i < n; i++)
        h_send(h, H_ACK, 1, rack, H_WIN, NULL, 0);
}

static void dup_acks(harness *h, int n) { dup_acks_of(h, 1, n); }

/* The fast retransmission is lost too. Duplicate ACKs that arrive more than an RTT (and a
 * quarter) after it were caused by segments sent after it, so it did not arrive: it is sent again
 * then, not 200 ms later by the RTO (while each duplicate ACK sends new data past the hole). */
static void lost_fast_retransmission_is_resent_after_an_rtt_of_duplicate_acks(void **state)
{
    (void)state;
    harness *h = h_new();
    uint16_t mss = newreno_window_out(h, 10);
    dup_acks(h, 3);
    h_expect(h, H_ACK, 1, 1, mss);
    h_advance(h, 5000);
    dup_acks(h, 3); /* sent before the retransmission arrived: nothing to conclude */
    h_expect_none(h);
    h_advance(h, 8000); /* 13 ms > 1.25 * SRTT after the retransmission */
    dup_acks(h, 1);
    h_expect(h, H_ACK, 1, 1, mss);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_LOST_RETRANSMITS), 1);
    dup_acks(h, 1); /* the clock restarted with the new retransmission */
    h_expect_none(h);
    h_send(h, H_ACK, 1, 1 + 10u * mss, H_WIN, NULL, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED), 0);
    h_flush(h);
    h_finish(h);
}

/* RFC 5681 (4) sets ssthresh to "no more than" FlightSize / 2: a timeout during fast recovery
 * ends the same episode, and the reduction its loss made stands. Reducing again would start from
 * SND.MAX, which the inflated window has pushed past what the path holds (here 10 segments out
 * at the loss, 16 at the timeout). */
static void timeout_during_fast_recovery_keeps_the_recovery_ssthresh(void **state)
{
    (void)state;
    harness *h = h_new();
    uint16_t mss = newreno_window_out(h, 30);
    dup_acks(h, 9); /* segments 2..10 arrived; 1 was lost */
    h_expect(h, H_ACK, 1, 1, mss);
    uint32_t ssthresh = h_info(h).ssthresh;
    assert_int_equal(ssthresh, 10u * mss * 7 / 10); /* CUBIC, RFC 9438 §4.6 */
    h_flush(h); /* new segments sent by the inflated window */
    h_run_to_deadline(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED), 1);
    h_expect(h, H_ACK, 1, 1, mss);
    assert_int_equal(h_info(h).ssthresh, ssthresh);
    assert_int_equal(h_info(h).cwnd, mss);
    h_flush(h);
    h_finish(h);
}

/* After a timeout, go-back-N resends from SND.UNA. An ACK beyond the resent segment says the
 * receiver held what followed the hole: the next hole is resent alone, not a window of data the
 * receiver already has. */
static void ack_beyond_go_back_n_resends_only_the_next_hole(void **state)
{
    (void)state;
    harness *h = h_new();
    uint16_t mss = newreno_window_out(h, 10);
    h_run_to_deadline(h); /* segments 1 and 5 and every ACK were lost */
    h_expect(h, H_ACK, 1, 1, mss);
    h_expect_none(h);
    h_advance(h, 10000);
    h_send(h, H_ACK, 1, 1 + 4u * mss, H_WIN, NULL, 0); /* it had 2..4 */
    h_expect(h, H_ACK, 1 + 4u * mss, 1, mss);
    h_expect_none(h); /* not segment 6, which it has */
    h_advance(h, 10000);
    h_send(h, H_ACK, 1, 1 + 10u * mss, H_WIN, NULL, 0);
    h_expect_none(h);
    assert_int_equal(h_info(h).retransmits, 2);
    h_finish(h);
}

/* A loss found just after a recovery: SND.NXT - SND.UNA still counts what the inflated window
 * sent (11 segments here), while cwnd came down to ssthresh (7). ssthresh comes from the smaller,
 * as Linux's cwnd-based ssthresh does; from the flight it would rise after a loss. */
static void loss_right_after_recovery_reduces_from_cwnd_not_the_inflated_flight(void **state)
{
    (void)state;
    harness *h = h_new();
    uint16_t mss = newreno_window_out(h, 40);
    dup_acks(h, 9); /* 1 lost; 2..10 arrived: 6 new segments (11..16) go out */
    h_expect(h, H_ACK, 1, 1, mss);
    for (uint32_t i = 10; i < 16; i++)
        h_expect(h, H_ACK, 1 + i * mss, 1, mss);
    dup_acks(h, 5); /* 11 lost; 12..16 arrived: 17..21 go out */
    for (uint32_t i = 16; i < 21; i++)
        h_expect(h, H_ACK, 1 + i * mss, 1, mss);
    h_send(h, H_ACK, 1, 1 + 10u * mss, H_WIN, NULL, 0); /* full ACK: recovery ends */
    assert_int_equal(h_info(h).cwnd, 10u * mss * 7 / 10);
    dup_acks_of(h, 1 + 10u * mss, 3); /* 11 is missing: a new loss, 11 segments out */
    h_expect(h, H_ACK, 1 + 10u * mss, 1, mss);
    assert_int_equal(h_info(h).ssthresh, (10u * mss * 7 / 10) * 7 / 10);
    h_flush(h);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(lost_syn_is_retransmitted_after_1s_then_2s_4s_8s),
        H_TEST(one_lost_syn_then_data_starts_with_rto_3s),
        H_TEST(lost_syn_ack_peer_resends_syn_gets_syn_ack_again),
        H_TEST(lost_syn_ack_is_retransmitted_by_timer),
        H_TEST(lost_handshake_ack_syn_ack_retransmitted_then_data_completes_it),
        H_TEST(syn_received_gives_up_and_listener_carries_on),
        H_TEST(lost_data_is_retransmitted_after_rto_with_same_seq),
        H_TEST(retry_limit_ends_connection_with_etimedout),
        H_TEST(three_duplicate_acks_trigger_fast_retransmit),
        H_TEST(lost_fin_is_retransmitted_with_same_seq),
        H_TEST(last_ack_retransmits_fin_until_acked),
        H_TEST(time_wait_reacks_retransmitted_fin_and_restarts_2msl),
        H_TEST(close_wait_duplicate_fin_is_acked_again),
        H_TEST(closing_retransmits_fin_until_acked),
        H_TEST(retransmitted_syn_ack_after_established_is_reacked),
        H_TEST(rtt_samples_follow_rfc6298),
        H_TEST(rto_slop_lengthens_computed_and_backed_off_rtos_only),
        H_TEST(karn_no_rtt_sample_from_a_retransmitted_segment),
        H_TEST(timestamp_echo_samples_rtt_of_a_retransmission),
        H_TEST(timestamp_echo_that_cannot_be_ours_is_no_sample),
        H_TEST(timestamp_samples_are_weighted_by_expected_samples_per_window),
        H_TEST(tail_loss_probe_resends_the_last_segment_after_two_rtts),
        H_TEST(tail_loss_probe_sends_new_data_when_there_is_some),
        H_TEST(single_segment_in_flight_waits_for_a_delayed_ack_first),
        H_TEST(no_tail_loss_probe_without_sack),
        H_TEST(duplicate_acks_with_sack_count_even_when_the_window_grows),
        H_TEST(partial_ack_resends_the_next_hole_at_once),
        H_TEST(lost_fast_retransmission_is_resent_after_an_rtt_of_duplicate_acks),
        H_TEST(timeout_during_fast_recovery_keeps_the_recovery_ssthresh),
        H_TEST(ack_beyond_go_back_n_resends_only_the_next_hole),
        H_TEST(loss_right_after_recovery_reduces_from_cwnd_not_the_inflated_flight),
    };
    return cmocka_run_group_tests_name("tcp_loss", tests, NULL, NULL);
}
