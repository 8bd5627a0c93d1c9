/* test_tcp_regressions.c — engine tests that once failed: each found a place where the engine
 * disagreed with the RFCs, and now guards the fix. The tests state the RFC's expectation.
 *
 *   test                                              area   RFC
 *   zero_window_probe_from_peer_is_acked              data   RFC 9293 §3.8.6.1 "must still send an
 *                                                     acknowledgment" (and §3.10.7.4 step 1)
 *   persist_probe_replies_do_not_trigger_fast_retransmit data RFC 9293 §3.8.6.1 / RFC 5681 §2
 *   persist_keeps_connection_open_while_probes_are_acked data RFC 9293 MUST-37
 *   segment_filling_the_last_hole_is_acked_at_once    data   RFC 9293 §3.8.6.3 -> RFC 5681 §4.2
 *   ack_at_least_every_2_rmss_bytes                   data   RFC 9293 SHLD-19
 *   simultaneous_open_peer_syn_ack_establishes        states RFC 9293 §3.5 figure 7 line 6
 */
#include "harness.h"

#include <string.h>

static uint8_t payload[65536];

/* ---- data ---------------------------------------------------------------------------------- */

static void zero_window_probe_from_peer_is_acked(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer = 2920;
    h->cfg.tcp.quick_acks = 0; /* the steady-state policy */
    h_start(h);
    h_established_passive(h);
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 1460);
    h_send(h, H_ACK, 1461, 1, H_WIN, payload + 1460, 1460);
    const h_seg *g = h_expect(h, H_ACK, 1, 2921, 0);
    assert_int_equal(g->window, 0);
    /* The peer's zero-window probe: one byte at RCV.NXT. "When the receiving TCP peer has a
     * zero window and a segment arrives, it must still send an acknowledgment showing its next
     * expected sequence number and current window (zero)." Without that ACK the peer's probes
     * are never answered and a lost window update is never repaired. */
    h_send(h, H_ACK, 2921, 1, H_WIN, payload + 2920, 1);
    g = h_expect(h, H_ACK, 1, 2921, 0);
    assert_int_equal(g->window, 0);
    h_finish(h);
}

/* The stack as sender facing a zero window: 1000 bytes sent and acknowledged, the window shut,
 * 500 more bytes waiting. */
static void zero_window_with_500_waiting(harness *h)
{
    h_established_active(h);
    h_app_send(h, 1000);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_send(h, H_ACK, 1, 1001, 0, NULL, 0);
    assert_int_equal(weir_tcp_send(h->s, h->sock, payload + 1000, 500), 500);
    h_expect_none(h);
}

static void persist_probe_replies_do_not_trigger_fast_retransmit(void **state)
{
    (void)state;
    harness *h = h_new();
    zero_window_with_500_waiting(h);
    /* The receiver refuses each probe (its window stays zero) and says so with an ACK. Those
     * ACKs are not evidence of loss: only the 1-byte probe may be outstanding, so nothing but
     * 1-byte probes may be sent while the window is zero. */
    for (int i = 0; i < 5; i++) {
        h_run_to_deadline(h);
        h_seg g;
        unsigned n = 0;
        while (h_pop(h, &g)) {
            n++;
            if (g.len > 1) {
                char f[16];
                fail_msg("probe round %d: sent [%s] seq=%u len=%zu into a zero window", i,
                         h_flags_str(g.flags, f), g.rseq, g.len);
            }
            assert_int_equal(g.rseq, 1001);
        }
        assert_true(n >= 1);
        h_send(h, H_ACK, 1, 1001, 0, NULL, 0);
        h_expect_none(h);
    }
    h_send(h, H_ACK, 1, 1001, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1001, 1, 500);
    h_finish(h);
}

static void persist_keeps_connection_open_while_probes_are_acked(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.max_retries = 3;
    h_start(h);
    zero_window_with_500_waiting(h);
    /* MUST-37: "As long as the receiving TCP peer continues to send acknowledgments in response
     * to the probe segments, the sending TCP peer MUST allow the connection to stay open." */
    for (int i = 0; i < 10; i++) {
        h_run_to_deadline(h);
        h_flush(h);
        if (h_state(h) != WEIR_TCP_ESTABLISHED)
            fail_msg("after %d answered probes the connection is %s (\"%s\")", i + 1,
                     weir_tcp_state_name(h_state(h)), h->trans[h->ntrans - 1].reason);
        h_send(h, H_ACK, 1, 1001, 0, NULL, 0);
    }
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_false(h_has_event(h, h->sock, WEIR_EV_ERROR));
    h_finish(h);
}

static void segment_filling_the_last_hole_is_acked_at_once(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    h_send(h, H_ACK, 101, 1, H_WIN, payload + 100, 100);
    h_expect(h, H_ACK, 1, 1, 0);
    /* RFC 5681 §4.2 (which RFC 9293 §3.8.6.3 points to): "an immediate ACK SHOULD be generated
     * when a segment arrives that fills in all or part of a gap". Filling part of a gap is ACKed
     * at once by the engine; filling the whole (last) gap waits for the delayed-ACK timer. */
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 100);
    h_expect(h, H_ACK, 1, 201, 0);
    h_finish(h);
}

static void ack_at_least_every_2_rmss_bytes(void **state)
{
    (void)state;
    harness *h = h_new_delayed_acks();
    h_established_passive(h);
    /* SHLD-19: "An ACK SHOULD be generated for at least every second full-sized segment or
     * 2*RMSS bytes of new data". Three 1000-byte segments are 3000 > 2*1460 bytes. */
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 1000);
    h_send(h, H_ACK, 1001, 1, H_WIN, payload + 1000, 1000);
    h_send(h, H_ACK, 2001, 1, H_WIN, payload + 2000, 1000);
    h_expect(h, H_ACK, 1, 3001, 0);
    h_finish(h);
}

/* ---- states -------------------------------------------------------------------------------- */

static void simultaneous_open_peer_syn_ack_establishes(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);                          /* figure 7 line 2 */
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0); /* line 3 */
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);    /* line 5 */
    h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
    /* Line 6: <SEQ=300><ACK=101><CTL=SYN,ACK> arrives; TCP Peer A enters ESTABLISHED. */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_expect_event(h, h->sock, WEIR_EV_CONNECTED);
    h_finish(h);
}

/* Found by the FreeBSD scripts: a segment larger than our MTU (coalesced by a receive offload, or
 * sent with TSO by a host on the same machine) was dropped as "frame too big". The MTU bounds what
 * we send; what arrives is bounded only by the IPv4 total length. */
static void segment_larger_than_the_mtu_is_accepted(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 32000);
    h_expect(h, H_ACK, 1, 32001, 0);
    assert_int_equal(h_info(h).recv_queued, 32000);
    h_finish(h);
}

int main(void)
{
    h_pattern(payload, sizeof payload, 0);
    const struct CMUnitTest tests[] = {
        H_TEST(zero_window_probe_from_peer_is_acked),
        H_TEST(persist_probe_replies_do_not_trigger_fast_retransmit),
        H_TEST(persist_keeps_connection_open_while_probes_are_acked),
        H_TEST(segment_filling_the_last_hole_is_acked_at_once),
        H_TEST(ack_at_least_every_2_rmss_bytes),
        H_TEST(simultaneous_open_peer_syn_ack_establishes),
        H_TEST(segment_larger_than_the_mtu_is_accepted),
    };
    return cmocka_run_group_tests_name("tcp_known_engine_bugs", tests, NULL, NULL);
}
