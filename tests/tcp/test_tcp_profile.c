/* test_tcp_profile.c — knobs of weir_tcp_config that reproduce a choice Linux or FreeBSD makes
 * where the RFCs leave room (docs/ARCHITECTURE.md "Profiles"), each tested both ways: weir's
 * default, then the system's behaviour with the knob on. */
#include "harness.h"

/* A passive connection with a 1000-byte MSS (SACK offered when `sack`), the knobs set by the
 * caller on h->cfg before. */
static void connect_mss_1000(harness *h, bool sack)
{
    h_start(h);
    h->peer_mss = 1000;
    h->peer_sack = sack;
    h_established_passive(h);
}

/* Connected (the knobs set on h->cfg), 1000 bytes sent and acknowledged with the window
 * closed, 500 more waiting: nothing goes until the persist timer. */
static void window_closed_with_data_waiting(harness *h)
{
    connect_mss_1000(h, false);
    h_app_send(h, 1000);
    h_expect(h, H_ACK | H_PSH, 1, 1, 1000);
    h_send(h, H_ACK, 1, 1001, 0, NULL, 0);
    h_app_send(h, 500);
    h_expect_none(h);
}

/* ---- persist_min_us / persist_max_us -------------------------------------------------------- */

/* The window closed with 500 bytes waiting; the peer answers every probe with the window still
 * closed. The probes back off from one RTO (RFC 9293 §3.8.6.1); with FreeBSD's bounds (here 5 s
 * and 12 s, tcp_persmin and a lowered tcp_persmax) each wait is the backed-off RTO held within
 * them. */
static void persist_waits_stay_within_the_configured_bounds(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.persist_min_us = 5000000;
    h->cfg.tcp.persist_max_us = 12000000;
    window_closed_with_data_waiting(h);
    uint64_t rto = h_info(h).rto_us;
    assert_true(rto < 5000000 / 4); /* so that the floor holds for the first three probes */
    for (unsigned k = 0; k < 8; k++) {
        uint64_t want = rto << k;
        want = want < 5000000 ? 5000000 : want > 12000000 ? 12000000 : want;
        uint64_t t = h->now;
        assert_int_equal(h_run_to_deadline(h), t + want);
        h_expect(h, H_ACK, 1001, 1, 1);
        h_send(h, H_ACK, 1, 1001, 0, NULL, 0);
        h_expect_none(h);
    }
    h_finish(h);
}

/* ---- slow_start_whole_ack ------------------------------------------------------------------ */

/* IW10 out, then one ACK for four segments (a receiver that ACKs every fourth): cwnd after it,
 * in segments. */
static uint32_t cwnd_after_stretch_ack(weir_tcp_cc cc, bool sack, bool whole_ack)
{
    harness *h = h_new_config();
    h->cfg.tcp.congestion_control = cc;
    h->cfg.tcp.tail_loss_probe = false;
    h->cfg.tcp.send_buffer = 1 << 20;
    h->cfg.tcp.slow_start_whole_ack = whole_ack;
    connect_mss_1000(h, sack);
    h_app_send(h, 30000);
    for (unsigned i = 0; i < 10; i++)
        h_expect(h, H_ACK, 1 + 1000 * i, 1, 1000);
    h_advance(h, 10000);
    h_send(h, H_ACK, 1, 4001, H_WIN, NULL, 0);
    uint32_t cwnd = h_info(h).cwnd / 1000;
    h_flush(h);
    h_finish(h);
    return cwnd;
}

/* RFC 3465's L: slow start adds at most 2*SMSS per ACK (12 segments); Linux's tcp_slow_start adds
 * all four (14), whichever module runs, with SACK or without. */
static void slow_start_whole_ack_counts_every_segment_of_a_stretch_ack(void **state)
{
    (void)state;
    for (int sack = 0; sack <= 1; sack++) {
        assert_int_equal(cwnd_after_stretch_ack(WEIR_TCP_CC_NEWRENO, sack, false), 12);
        assert_int_equal(cwnd_after_stretch_ack(WEIR_TCP_CC_NEWRENO, sack, true), 14);
        assert_int_equal(cwnd_after_stretch_ack(WEIR_TCP_CC_CUBIC, sack, false), 12);
        assert_int_equal(cwnd_after_stretch_ack(WEIR_TCP_CC_CUBIC, sack, true), 14);
    }
}

/* ---- window_probe_bare_ack ----------------------------------------------------------------- */

/* 1000 bytes acknowledged with the window closed and 500 more waiting: the persist timer probes
 * after one RTO, then after two (RFC 9293 §3.8.6.1, MUST-36), in either shape. */
static void zero_window_probe_is_new_data_or_a_bare_ack_below_snd_una(void **state)
{
    (void)state;
    for (int bare = 0; bare <= 1; bare++) {
        harness *h = h_new_config();
        h->cfg.tcp.window_probe_bare_ack = bare;
        window_closed_with_data_waiting(h);
        uint64_t rto = h_info(h).rto_us;
        for (uint64_t k = 1; k <= 2; k++) {
            uint64_t t = h->now;
            assert_int_equal(h_run_to_deadline(h), t + k * rto);
            if (bare) /* Linux: SEG.SEQ = SND.UNA-1, no data, as a keepalive */
                h_expect(h, H_ACK, 1000, 1, 0);
            else      /* weir: the next byte, beyond the window */
                h_expect(h, H_ACK, 1001, 1, 1);
            h_expect_none(h);
            h_send(h, H_ACK, 1, 1001, 0, NULL, 0); /* still closed */
            h_expect_none(h);
        }
        assert_int_equal(h_counter(h, WEIR_CTR_TCP_PERSIST_PROBES), 2);
        /* The peer's answer reopens the window: the 500 bytes go whole in both shapes. */
        h_send(h, H_ACK, 1, 1001, H_WIN, NULL, 0);
        const h_seg *g = h_expect(h, H_ACK | H_PSH, 1001, 1, 500);
        uint8_t want[500];
        h_pattern(want, sizeof want, 0); /* h_app_send starts its pattern at 0 each call */
        assert_memory_equal(g->data, want, sizeof want);
        h_send(h, H_ACK, 1, 1501, H_WIN, NULL, 0);
        h_advance(h, 100000000);
        h_expect_none(h);
        h_finish(h);
    }
}

/* ---- rto_min_is_granularity ----------------------------------------------------------------- */

/* The RTO after the handshake's sample (SRTT 10 ms, RTTVAR 5 ms), and when the first data
 * segment is retransmitted: one RTO after it went. */
static uint32_t rto_after_handshake(bool granularity, uint32_t rto_min_us)
{
    harness *h = h_new_config();
    h->cfg.tcp.rto_min_is_granularity = granularity;
    h->cfg.tcp.rto_min_us = rto_min_us;
    connect_mss_1000(h, false);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.srtt_us, H_RTT);
    assert_int_equal(info.rttvar_us, H_RTT / 2);
    h_app_send(h, 1000);
    uint64_t t = h->now;
    h_expect(h, H_ACK | H_PSH, 1, 1, 1000);
    assert_int_equal(h_run_to_deadline(h), t + info.rto_us);
    h_expect(h, H_ACK | H_PSH, 1, 1, 1000);
    h_send(h, H_ACK, 1, 1001, H_WIN, NULL, 0);
    h_flush(h);
    h_finish(h);
    return info.rto_us;
}

/* RFC 6298 (2.3) then (2.4): max(rto_min, SRTT + 4*RTTVAR) = 200 ms; with rto_min as (2.3)'s G,
 * SRTT + max(rto_min, 4*RTTVAR) = 210 ms, as Linux. Where 4*RTTVAR is above rto_min the two
 * agree (rto_min 1 ms: 10 + 20 ms). */
static void rto_min_is_granularity_keeps_the_rto_rto_min_above_srtt(void **state)
{
    (void)state;
    assert_int_equal(rto_after_handshake(false, 200000), 200000);
    assert_int_equal(rto_after_handshake(true, 200000), H_RTT + 200000);
    assert_int_equal(rto_after_handshake(false, 1000), H_RTT + 4 * (H_RTT / 2));
    assert_int_equal(rto_after_handshake(true, 1000), H_RTT + 4 * (H_RTT / 2));
}

/* ---- drop_synfin ---------------------------------------------------------------------------- */

/* A stack with drop_synfin as given, weir's defaults otherwise. */
static harness *synfin_harness(bool drop)
{
    harness *h = h_new_config();
    h->cfg.tcp.drop_synfin = drop;
    h_start(h);
    return h;
}

/* Without the knob, SYN,FIN with data to a listener is a SYN whose FIN and text wait for
 * SYN-RECEIVED (RFC 9293 §3.10.7.2): a SYN-ACK of the SYN alone. With it, nothing answers, no
 * child is made, and the listener still takes a plain SYN (FreeBSD's "dropping-enabled"). */
static void syn_fin_to_a_listener_is_answered_unless_drop_synfin(void **state)
{
    (void)state;
    for (int drop = 0; drop <= 1; drop++) {
        harness *h = synfin_harness(drop);
        h_listen(h);
        h_send(h, H_SYN | H_FIN, 0, 0, H_WIN, "abc", 3);
        if (!drop) {
            h_seg g;
            assert_true(h_pop(h, &g));
            assert_int_equal(g.flags, H_SYN | H_ACK);
            assert_int_equal(g.ack, H_PEER_ISN + 1);
            assert_int_equal(h_stats(h).tcp_conns, 2);
        } else {
            h_expect_none(h);
            assert_int_equal(h_dropped(h, WEIR_DROP_TCP_SYN_FIN), 1);
            assert_int_equal(h_stats(h).tcp_conns, 1); /* the listener alone */
            h->irs += 10;
            h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
            h_seg g;
            assert_true(h_pop(h, &g));
            assert_int_equal(g.flags, H_SYN | H_ACK);
            assert_int_equal(g.ack, h->irs + 1);
        }
        h_expect_none(h);
        assert_int_equal(h_stats(h).drops[WEIR_DROP_TCP_SYN_FIN], (uint64_t)drop);
        h_finish(h);
    }
}

/* In SYN-SENT a SYN,FIN is a simultaneous open (§3.10.7.3 fourth: SYN-RECEIVED, a SYN-ACK);
 * with drop_synfin it is ignored, the SYN is resent by its timer, and the peer's SYN-ACK then
 * completes the handshake as usual. */
static void syn_fin_in_syn_sent_is_a_simultaneous_open_unless_drop_synfin(void **state)
{
    (void)state;
    for (int drop = 0; drop <= 1; drop++) {
        harness *h = synfin_harness(drop);
        h_syn_sent(h);
        h_advance(h, H_RTT);
        h_send(h, H_SYN | H_FIN, 0, 0, H_WIN, "abc", 3);
        if (!drop) {
            h_expect(h, H_SYN | H_ACK, 0, 1, 0);
            h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
        } else {
            h_expect_none(h);
            h_assert_state(h, WEIR_TCP_SYN_SENT);
            assert_int_equal(h_dropped(h, WEIR_DROP_TCP_SYN_FIN), 1);
            uint64_t t = h->now - H_RTT;
            assert_int_equal(h_run_to_deadline(h), t + h->cfg.tcp.rto_initial_us);
            h_expect(h, H_SYN, 0, 0, 0);
            h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
            h_expect(h, H_ACK, 1, 1, 0);
            h_assert_state(h, WEIR_TCP_ESTABLISHED);
        }
        h_finish(h);
    }
}

/* Synchronized: a SYN in the window draws an RFC 5961 challenge ACK (§4), with the FIN
 * unprocessed; with drop_synfin nothing at all, and the connection carries on. */
static void syn_fin_when_established_draws_a_challenge_ack_unless_drop_synfin(void **state)
{
    (void)state;
    for (int drop = 0; drop <= 1; drop++) {
        harness *h = synfin_harness(drop);
        h_established_active(h);
        h_send(h, H_SYN | H_FIN, 1, 0, H_WIN, NULL, 0);
        if (!drop)
            h_expect(h, H_ACK, 1, 1, 0);
        h_expect_none(h);
        assert_int_equal(h_counter(h, WEIR_CTR_TCP_CHALLENGE_ACKS), drop ? 0u : 1u);
        assert_int_equal(h_dropped(h, WEIR_DROP_TCP_SYN_FIN), (unsigned)drop);
        h_assert_state(h, WEIR_TCP_ESTABLISHED);
        h_send(h, H_ACK | H_PSH, 1, 1, H_WIN, "x", 1);
        h_advance(h, h->cfg.tcp.delayed_ack_us);
        h_expect(h, H_ACK, 1, 2, 0);
        h_finish(h);
    }
}

/* TIME-WAIT, both kinds of record: the full one (the application holds the handle) answers a
 * SYN with a challenge ACK; the compact one takes a SYN beyond the old connection as a new
 * one (RFC 6191: a SYN-ACK through the listener). drop_synfin silences both and keeps the
 * record. */
static void syn_fin_in_time_wait_is_answered_unless_drop_synfin(void **state)
{
    (void)state;
    for (int drop = 0; drop <= 1; drop++) {
        harness *h = synfin_harness(drop);
        h_time_wait(h);
        h_send(h, H_SYN | H_FIN, 1, 0, H_WIN, NULL, 0);
        if (!drop)
            h_expect(h, H_ACK, 2, 2, 0);
        h_expect_none(h);
        h_assert_state(h, WEIR_TCP_TIME_WAIT);
        assert_int_equal(h_dropped(h, WEIR_DROP_TCP_SYN_FIN), (unsigned)drop);
        h_finish(h);

        h = synfin_harness(drop);
        h_time_wait_released(h);
        h_send(h, H_SYN | H_FIN, 5000, 0, H_WIN, NULL, 0);
        if (!drop) {
            h_seg g;
            assert_true(h_pop(h, &g));
            assert_int_equal(g.flags, H_SYN | H_ACK);
            assert_int_equal(g.ack, h->irs + 5001);
            assert_int_equal(h_stats(h).tcp_time_wait, 0);
        } else {
            assert_int_equal(h_stats(h).tcp_time_wait, 1);
            assert_int_equal(h_dropped(h, WEIR_DROP_TCP_SYN_FIN), 1);
        }
        h_expect_none(h);
        h_finish(h);
    }
}

/* To a closed port: RFC 9293 §3.10.7.1's RST, ACKing the SYN, the data and the FIN; with
 * drop_synfin, no answer (FreeBSD checked it before looking for a connection at all). */
static void syn_fin_to_a_closed_port_draws_a_rst_unless_drop_synfin(void **state)
{
    (void)state;
    for (int drop = 0; drop <= 1; drop++) {
        harness *h = synfin_harness(drop);
        h->lport = 81;
        h_send(h, H_SYN | H_FIN, 0, 0, H_WIN, "hello", 5);
        if (!drop)
            h_expect_abs(h, H_RST | H_ACK, 0, H_PEER_ISN + 1 + 5 + 1, 0);
        h_expect_none(h);
        assert_int_equal(h_dropped(h, WEIR_DROP_TCP_NO_SOCKET), drop ? 0u : 1u);
        assert_int_equal(h_dropped(h, WEIR_DROP_TCP_SYN_FIN), (unsigned)drop);
        h_finish(h);
    }
}

/* ---- window_update_quarter ----------------------------------------------------------------- */

/* A 40000-byte buffer holding 12000 unread bytes; the application reads 3000, then 7000 more.
 * Returns the window each read announced (0: no segment went). */
static void window_updates_after_reads(bool quarter, uint32_t announced[2])
{
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer = 40000;
    h->cfg.tcp.window_update_quarter = quarter;
    connect_mss_1000(h, false);
    static const uint8_t data[1000];
    for (uint32_t i = 0; i < 12; i++)
        h_send(h, H_ACK | H_PSH, 1 + 1000 * i, 1, H_WIN, data, sizeof data);
    h_advance(h, 100000); /* every ACK out, the delayed one included */
    h_flush(h);
    static const uint32_t reads[2] = {3000, 7000};
    for (int i = 0; i < 2; i++) {
        static uint8_t buf[7000];
        assert_int_equal(weir_tcp_recv(h->s, h->sock, buf, reads[i]), (int)reads[i]);
        h_seg g;
        announced[i] = h_pop(h, &g) ? g.window : 0;
        h_expect_none(h);
    }
    h_finish(h);
}

/* Read 3000 bytes: the window grew by 3 segments, so weir announces it (at least 2 segments,
 * MUST-39); FreeBSD waits for a quarter of the buffer (10000), which 7000 more reach. */
static void window_update_quarter_waits_for_a_quarter_of_the_buffer(void **state)
{
    (void)state;
    uint32_t got[2];
    window_updates_after_reads(false, got);
    assert_int_equal(got[0], 40000 - 12000 + 3000);
    window_updates_after_reads(true, got);
    assert_int_equal(got[0], 0);
    assert_int_equal(got[1], 40000 - 12000 + 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(slow_start_whole_ack_counts_every_segment_of_a_stretch_ack),
        H_TEST(zero_window_probe_is_new_data_or_a_bare_ack_below_snd_una),
        H_TEST(persist_waits_stay_within_the_configured_bounds),
        H_TEST(rto_min_is_granularity_keeps_the_rto_rto_min_above_srtt),
        H_TEST(syn_fin_to_a_listener_is_answered_unless_drop_synfin),
        H_TEST(syn_fin_in_syn_sent_is_a_simultaneous_open_unless_drop_synfin),
        H_TEST(syn_fin_when_established_draws_a_challenge_ack_unless_drop_synfin),
        H_TEST(syn_fin_in_time_wait_is_answered_unless_drop_synfin),
        H_TEST(syn_fin_to_a_closed_port_draws_a_rst_unless_drop_synfin),
        H_TEST(window_update_quarter_waits_for_a_quarter_of_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
