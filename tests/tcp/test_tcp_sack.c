/* test_tcp_sack.c — loss recovery on SACK connections: the scoreboard (RFC 6675), RACK loss
 * detection and its reordering window (RFC 8985 §6), PRR (RFC 6937), the RTO that resends only
 * what was not SACKed (RFC 6675 §5.1), D-SACK undo (RFC 2883), and SACK block validation.
 *
 * Every connection here has a 10 ms RTT (from the handshake), MSS 1000 and NewReno, so that the
 * window arithmetic is easy to follow; CUBIC differs only in how much ssthresh drops. */
#include "harness.h"

#include <string.h>

/* The configuration every connection here uses; a test may edit it before sack_connection_on. */
static harness *sack_config(void)
{
    harness *h = h_new_config();
    h->cfg.tcp.congestion_control = WEIR_TCP_CC_NEWRENO;
    h->cfg.tcp.tail_loss_probe = false; /* the probes have tests of their own (test_tcp_loss) */
    h->cfg.tcp.send_buffer = 1 << 20;
    return h;
}

static harness *sack_connection_on(harness *h)
{
    h_start(h);
    h->peer_mss = 1000;
    h->peer_sack = true;
    h_established_passive(h);
    assert_int_equal(h_info(h).srtt_us, 10000);
    return h;
}

static harness *sack_connection_seeded(uint64_t seed)
{
    harness *h = sack_config();
    h->rng += seed;
    return sack_connection_on(h);
}

static harness *sack_connection(void) { return sack_connection_seeded(0); }

/* The peer's ACK of `ack` (relative to our ISS) with SACK blocks given as relative edges
 * {left0, right0, left1, right1, ...}. */
static void peer_sack(harness *h, uint32_t ack, unsigned nblocks, const uint32_t *edges)
{
    weir_tcp_repr r = {.flags = H_ACK, .seq = h->irs + 1, .ack = h->iss + ack, .window = H_WIN};
    r.opt.sack_count = (uint8_t)nblocks;
    for (unsigned i = 0; i < nblocks; i++) {
        r.opt.sack[i].left = h->iss + edges[2 * i];
        r.opt.sack[i].right = h->iss + edges[2 * i + 1];
    }
    h_inject(h, &r);
}

/* Send `n` full segments and check they all went out at once (initial window 10). */
static void send_segments(harness *h, unsigned n)
{
    h_app_send(h, 1000u * n);
    for (unsigned i = 0; i < n; i++)
        h_expect(h, H_ACK, 1 + 1000 * i, 1, 1000);
    h_expect_none(h);
}

/* RFC 6675: with SACK the sender knows every hole at once; all three are resent in the same
 * round trip, not one per round trip as NewReno would, and no timeout is needed. */
static void several_holes_are_repaired_in_one_round_trip(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 10);
    h_advance(h, 10000);
    /* Segments 1, 4 and 7 are lost: the peer reports each of the others as it arrives. */
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    peer_sack(h, 1, 2, (uint32_t[]){4001, 5001, 1001, 3001});
    h_expect(h, H_ACK, 1, 1, 1000); /* three segments above the hole: it is lost */
    peer_sack(h, 1, 2, (uint32_t[]){4001, 6001, 1001, 3001});
    peer_sack(h, 1, 3, (uint32_t[]){7001, 8001, 4001, 6001, 1001, 3001});
    h_expect(h, H_ACK, 3001, 1, 1000);
    peer_sack(h, 1, 3, (uint32_t[]){7001, 9001, 4001, 6001, 1001, 3001});
    peer_sack(h, 1, 3, (uint32_t[]){7001, 10001, 4001, 6001, 1001, 3001});
    h_expect(h, H_ACK, 6001, 1, 1000);
    h_expect_none(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_FAST_RECOVERIES), 1);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.ca_state, WEIR_TCP_CA_RECOVERY);
    assert_int_equal(info.sacked, 7000);
    assert_int_equal(info.lost, 0);         /* all three holes were sent again */
    assert_int_equal(info.in_flight, 3000); /* the three retransmissions */
    assert_int_equal(info.fast_recoveries, 1);
    assert_int_equal(info.min_rtt_us, 10000);
    assert_int_equal(info.reordering_seen, 0); /* holes are losses, not reordering */
    assert_int_equal(info.options, WEIR_TCPI_OPT_SACK);
    assert_int_equal(info.congestion_control, WEIR_TCP_CC_NEWRENO);
    assert_int_equal(h_info(h).ssthresh, 5000); /* NewReno: half of the 10000 in flight */
    /* The retransmissions arrive: everything is acknowledged, recovery ends at ssthresh. */
    h_advance(h, 10000);
    h_send(h, H_ACK, 1, 10001, H_WIN, NULL, 0);
    assert_int_equal(h_info(h).cwnd, 5000);
    assert_int_equal(h_info(h).ca_state, WEIR_TCP_CA_OPEN);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED), 0);
    assert_int_equal(h_info(h).retransmits, 3);
    h_finish(h);
}

/* RACK's highest delivered sequence number starts at SND.UNA whatever the ISN: an ISN in the
 * upper half of the sequence space once made the first SACK look like reordering (found by
 * the conformance scripts), widening the reordering window for the whole connection. */
static void an_isn_in_the_upper_half_is_no_reordering(void **state)
{
    (void)state;
    harness *h = NULL;
    for (uint64_t seed = 1; seed < 64; seed++) {
        h = sack_connection_seeded(seed * 7919);
        if (h->iss >= 0x80000000u)
            break;
        h_finish(h);
        h = NULL;
    }
    assert_non_null(h);
    send_segments(h, 4);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    peer_sack(h, 1, 1, (uint32_t[]){1001, 4001});
    h_expect(h, H_ACK, 1, 1, 1000); /* three SACKed, no reordering seen: lost at once */
    assert_int_equal(h_info(h).reordering_seen, 0);
    h_finish(h);
}

/* RFC 8985 §6.2: one segment SACKed above a hole may be reordering, not loss. RACK waits a
 * quarter of the minimum RTT beyond the RTT before it calls the hole lost (the reordering
 * timer), instead of waiting for two more duplicate ACKs that may never come. */
static void a_single_hole_is_resent_after_a_quarter_rtt(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 2);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    h_expect_none(h);
    uint64_t t = h->now;
    assert_int_equal(h_deadline(h), t + 2500); /* min_RTT / 4 */
    h_run_to_deadline(h);
    h_expect(h, H_ACK, 1, 1, 1000);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_REORDER_TIMEOUTS), 1);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RACK_LOST), 1);
    h_finish(h);
}

/* A SACK connection that detects loss as RFC 6675 alone does (rack_loss_detection off). */
static harness *rfc6675_sack_connection(void)
{
    harness *h = sack_config();
    h->cfg.tcp.rack_loss_detection = false;
    return sack_connection_on(h);
}

/* rack_loss_detection off (RFC 6675 §4 IsLost): a hole is lost once DupThresh (3) SACKed
 * segments lie above it, however few duplicate ACKs said so. With two above, nothing is resent
 * and no reordering timer waits (RACK would resend after a quarter RTT); the ACK that SACKs a
 * third resends the hole at once, on the second duplicate ACK. */
static void without_rack_a_hole_is_lost_after_three_sacked_segments(void **state)
{
    (void)state;
    harness *h = rfc6675_sack_connection();
    send_segments(h, 5);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    h_expect_none(h);
    assert_true(h_deadline(h) > h->now + 100000); /* the RTO only: no reordering timer */
    h_advance(h, 50000);
    h_expect_none(h);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 4001});
    h_expect(h, H_ACK, 1, 1, 1000);
    assert_int_equal(h_info(h).ca_state, WEIR_TCP_CA_RECOVERY);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_DUP_ACKS), 2);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_SACK_LOST), 1);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RACK_LOST), 0);
    h_finish(h);
}

/* RFC 6675 §4 NextSeg rule 3: in recovery, with nothing else deemed lost and no new data, a hole
 * below the highest SACK goes again although IsLost does not say so (only two segments, 2·SMSS,
 * are SACKed above it): resent on the next ACK that gives PRR room, never marked lost. */
static void without_rack_a_hole_below_the_highest_sack_goes_on_the_next_ack(void **state)
{
    (void)state;
    harness *h = rfc6675_sack_connection();
    send_segments(h, 6); /* 1:6001; 1:1001 and 2001:4001 lost */
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    peer_sack(h, 1, 2, (uint32_t[]){1001, 2001, 4001, 5001});
    h_expect_none(h);
    peer_sack(h, 1, 2, (uint32_t[]){1001, 2001, 4001, 6001}); /* 3 dup ACKs: 1:1001 lost */
    h_expect(h, H_ACK, 1, 1, 1000); /* rule 1: the segment deemed lost */
    h_expect_none(h);               /* PRR's room is spent */
    h_advance(h, 1000);
    peer_sack(h, 2001, 1, (uint32_t[]){4001, 6001}); /* the resend arrived */
    h_expect(h, H_ACK, 2001, 1, 1000); /* rule 3: the first hole below 6001 */
    /* RFC 6675 SetPipe: 2001:4001 is out once, and 2001:3001 once more, for its first copy was
     * never deemed lost. */
    assert_int_equal(h_info(h).in_flight, 3000);
    h_flush(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_SACK_LOST), 0); /* the holes were not deemed lost */
    h_finish(h);
}

/* RACK off (and the caller's knobs on h->cfg): ten segments out, then 10 ms (one RTT). */
static void ten_segments_out_without_rack(harness *h)
{
    h->cfg.tcp.rack_loss_detection = false;
    sack_connection_on(h);
    send_segments(h, 10);
    h_advance(h, 10000);
}

/* fack_loss_detection (FACK; Linux's tcp_fack before 4.15): one SACK far ahead marks lost every
 * hole DupThresh segments or more below it, here the seven below 9001:10001, where RFC 6675
 * waits for three SACKed segments above each. Recovery starts on that first duplicate ACK, and
 * PRR lets two of them go at once (pipe 2000 below ssthresh 5000). */
static void with_fack_one_sack_far_ahead_marks_the_holes_below_it_lost(void **state)
{
    (void)state;
    harness *h = sack_config();
    h->cfg.tcp.fack_loss_detection = true;
    ten_segments_out_without_rack(h);
    peer_sack(h, 1, 1, (uint32_t[]){9001, 10001});
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_SACK_LOST), 7);
    assert_int_equal(h_info(h).ca_state, WEIR_TCP_CA_RECOVERY);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_expect(h, H_ACK, 1001, 1, 1000);
    h_expect_none(h);
    h_finish(h);
}

/* The first half of gsoc-shivansh's fast-recovery script: ten segments, 1:1001, 3001:5001 and
 * 7001:8001 lost, recovery entered on the third duplicate ACK (RFC 6675 IsLost, NewReno:
 * ssthresh 5000), then an ACK of 3001 that leaves 8001:9001 SACKed. */
static harness *recovery_then_partial_ack(bool prr)
{
    harness *h = sack_config();
    h->cfg.tcp.prr = prr;
    ten_segments_out_without_rack(h);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    peer_sack(h, 1, 2, (uint32_t[]){1001, 3001, 8001, 9001});
    h_expect(h, H_ACK, 1, 1, 1000); /* the fast retransmit alone */
    h_expect_none(h);
    h_advance(h, 10000);
    peer_sack(h, 3001, 1, (uint32_t[]){8001, 9001});
    return h;
}

/* prr off (FreeBSD's fast recovery before PRR): the window is one segment on entry; a partial
 * ACK that covers two segments or more sets it to what recovery has out plus two segments
 * (tcp_sack_partialack), so two holes go; a duplicate ACK that SACKs more adds a segment while
 * the data above the highest SACK plus what was resent stays below ssthresh (1000 + 2000 <
 * 5000), so the next hole goes. */
static void without_prr_a_partial_ack_sends_two_and_a_dup_ack_one_more(void **state)
{
    (void)state;
    harness *h = recovery_then_partial_ack(false);
    h_expect(h, H_ACK, 3001, 1, 1000);
    h_expect(h, H_ACK, 4001, 1, 1000);
    h_expect_none(h);
    h_advance(h, 10000);
    peer_sack(h, 3001, 2, (uint32_t[]){5001, 7001, 8001, 9001});
    h_expect(h, H_ACK, 7001, 1, 1000);
    h_expect_none(h);
    h_finish(h);
}

/* The same with PRR (RFC 6937): after the partial ACK the pipe (6000) is still above ssthresh,
 * and the proportional share of what was delivered (2000 of 10000, times 5000) is already sent:
 * nothing goes until more is delivered. */
static void with_prr_the_same_partial_ack_sends_nothing_yet(void **state)
{
    (void)state;
    harness *h = recovery_then_partial_ack(true);
    h_expect_none(h);
    h_finish(h);
}

/* RFC 5827 (early_retransmit): the same single hole is resent on the SACK itself, two segments
 * out and nothing more to send; with a third segment's worth of new data waiting (which the
 * SACK lets out), it is not, and RACK's quarter RTT decides as by default. */
static void early_retransmit_resends_at_once_when_nothing_else_can_go(void **state)
{
    (void)state;
    harness *h = sack_config();
    h->cfg.tcp.early_retransmit = true;
    sack_connection_on(h);
    send_segments(h, 2);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    h_expect(h, H_ACK, 1, 1, 1000);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_REORDER_TIMEOUTS), 0);
    h_finish(h);

    h = sack_config();
    h->cfg.tcp.early_retransmit = true;
    h->cfg.tcp.initial_window = 2;
    sack_connection_on(h);
    h_app_send(h, 3000);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_expect(h, H_ACK, 1001, 1, 1000);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    h_expect(h, H_ACK, 2001, 1, 1000); /* new data first: no early retransmission */
    h_expect_none(h);
    h_run_to_deadline(h);
    h_expect(h, H_ACK, 1, 1, 1000); /* RACK's timer */
    h_finish(h);
}

/* early_retransmit_delayed (Linux's tcp_early_retrans=2): three segments out, the last two
 * SACKed. The resend waits max(SRTT/4, 2 ms) = 2.5 ms from the latest ACK, and an ACK that comes
 * meanwhile starts the wait again; RACK alone would have timed it from the transmission, and
 * early retransmission at once would not wait at all. Returns when the resend went, relative to
 * the first SACK. */
static uint64_t early_resend_time(bool early, bool delayed)
{
    harness *h = sack_config();
    h->cfg.tcp.early_retransmit = early;
    h->cfg.tcp.early_retransmit_delayed = delayed;
    sack_connection_on(h);
    send_segments(h, 3);
    h_advance(h, 10000);
    uint64_t t0 = h->now;
    peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    if (h_pending(h) == 0) {
        h_advance(h, 1000); /* the same SACK again, 1 ms later */
        peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    }
    if (h_pending(h) == 0)
        h_run_to_deadline(h);
    h_expect(h, H_ACK, 1, 1, 1000);
    uint64_t when = h->now - t0;
    h_finish(h);
    return when;
}

static void delayed_early_retransmit_waits_a_quarter_srtt_from_the_latest_ack(void **state)
{
    (void)state;
    assert_int_equal(early_resend_time(true, true), 1000 + 2500);
    assert_int_equal(early_resend_time(true, false), 0);
    assert_int_equal(early_resend_time(false, false), 2500); /* RACK: from the transmission */
}

/* resend_full_segments (FreeBSD): a partial ACK leaves half a segment, then the RTO fires. By
 * default the lost data goes out as it was first sent (the 500-byte rest); with the knob the rest
 * and the next lost segment go out joined into one full-sized segment, and the remainder after
 * it. */
static void the_rest_of_a_partly_acked_segment(bool full, uint32_t len[2])
{
    harness *h = sack_config();
    h->cfg.tcp.resend_full_segments = full;
    sack_connection_on(h);
    send_segments(h, 4);
    h_advance(h, 10000);
    h_send(h, H_ACK, 1, 2001, H_WIN, NULL, 0);
    h_send(h, H_ACK, 1, 2501, H_WIN, NULL, 0);
    h_expect_none(h);
    h_run_to_deadline(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED), 1);
    len[0] = h_expect(h, H_ACK, 2501, 1, full ? 1000 : 500)->len;
    h_expect_none(h); /* cwnd is one segment after the timeout */
    h_advance(h, 10000);
    h_send(h, H_ACK, 1, full ? 3501 : 3001, H_WIN, NULL, 0);
    len[1] = h_expect(h, H_ACK | H_PSH, full ? 3501 : 3001, 1, full ? 500 : 1000)->len;
    h_finish(h);
}

static void lost_data_is_resent_as_sent_or_in_full_segments(void **state)
{
    (void)state;
    uint32_t len[2];
    the_rest_of_a_partly_acked_segment(false, len);
    assert_int_equal(len[0], 500);
    assert_int_equal(len[1], 1000);
    the_rest_of_a_partly_acked_segment(true, len);
    assert_int_equal(len[0], 1000);
    assert_int_equal(len[1], 500);
}

/* A SACK block for the last byte of the fourth segment. By default the scoreboard takes that
 * byte as delivered (RFC 6675 is per byte), and RACK marks what was sent before it lost a
 * quarter RTT later. With sack_whole_segments (Linux) a block covering part of a segment counts
 * for nothing: no byte is SACKed and no reorder timer runs. */
static void a_sack_for_part_of_a_segment(bool whole, uint32_t *sacked, bool *reorder_timer)
{
    harness *h = sack_config();
    h->cfg.tcp.sack_whole_segments = whole;
    sack_connection_on(h);
    send_segments(h, 4);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){3999, 4001});
    h_expect_none(h);
    *sacked = h_info(h).sacked;
    *reorder_timer = h_deadline(h) == h->now + 2500;
    h_finish(h);
}

static void sack_blocks_count_by_byte_or_by_whole_segment(void **state)
{
    (void)state;
    uint32_t sacked;
    bool timer;
    a_sack_for_part_of_a_segment(false, &sacked, &timer);
    assert_int_equal(sacked, 2);
    assert_true(timer);
    a_sack_for_part_of_a_segment(true, &sacked, &timer);
    assert_int_equal(sacked, 0);
    assert_false(timer);
}

/* The hole was only reordered: it arrives before the timer. Nothing is resent, and RACK now
 * knows this path reorders (the segment was delivered below one delivered before). */
static void a_reordered_segment_is_not_resent(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 3);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    h_advance(h, 1000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    h_advance(h, 500);
    h_send(h, H_ACK, 1, 3001, H_WIN, NULL, 0);
    h_advance(h, 100000);
    h_expect_none(h);
    assert_int_equal(h_info(h).retransmits, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_FAST_RECOVERIES), 0);
    h_finish(h);
}

/* A retransmission lost as well: RACK sees a segment sent after it delivered and calls it lost
 * again after one RTT, where RFC 6675 alone would wait for the RTO. */
static void a_lost_retransmission_is_resent_without_a_timeout(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 10);
    h_app_send(h, 10000); /* more data queued for PRR to send */
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 4001}); /* three above the hole */
    h_expect(h, H_ACK, 1, 1, 1000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 10001});
    /* PRR lets new data out as the SACKs say segments left the network. */
    const h_seg *g = h_expect(h, H_ACK, 10001, 1, 1000);
    (void)g;
    h_flush(h);
    /* One RTT later the new segment is SACKed but not the retransmission. */
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 11001});
    h_expect(h, H_ACK, 1, 1, 1000);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED), 0);
    h_finish(h);
}

/* RFC 6675 §5.1: after a timeout the sender resends what was not SACKed — and only that. */
static void the_rto_resends_only_what_was_not_sacked(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 5);
    h_advance(h, 10000);
    /* Segments 2 and 4 arrive; 1, 3, 5 are lost and no more ACKs come. */
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    peer_sack(h, 1, 2, (uint32_t[]){3001, 4001, 1001, 2001});
    h_flush(h); /* RACK's own resends of 1 and 3, if any, are lost too */
    for (int i = 0; i < 20 && h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED) == 0; i++) {
        h_run_to_deadline(h);
        h_flush(h);
    }
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RTO_EXPIRED), 1);
    /* The RTO resent the first segment (cwnd = 1 MSS); its ACK lets the next holes go. */
    h_advance(h, 10000);
    peer_sack(h, 1001, 1, (uint32_t[]){3001, 4001});
    h_expect(h, H_ACK, 2001, 1, 1000);
    h_expect(h, H_ACK | H_PSH, 4001, 1, 1000);
    h_expect_none(h); /* 1001:2001 and 3001:4001 were SACKed: never resent */
    h_finish(h);
}

/* RFC 2883 §5: the retransmission was needless — the D-SACK shows the original arrived after
 * all. The window goes back to where it was before the reduction. */
static void a_dsack_for_every_retransmission_undoes_the_reduction(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 10);
    uint32_t cwnd_before = h_info(h).cwnd;
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 4001});
    h_expect(h, H_ACK, 1, 1, 1000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 10001});
    h_flush(h);
    h_send(h, H_ACK, 1, 10001, H_WIN, NULL, 0);
    assert_true(h_info(h).cwnd < cwnd_before);
    /* The duplicate of segment 1 arrives at the peer, which says so. */
    peer_sack(h, 10001, 1, (uint32_t[]){1, 1001});
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_DSACKS_RECEIVED), 1);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_SPURIOUS_UNDO), 1);
    assert_true(h_info(h).cwnd >= cwnd_before);
    h_finish(h);
}

/* An idle connection holds its record and nothing else (issue 5: at most 512 bytes): after a loss
 * recovery undone by a D-SACK (scoreboard, undo state) and after receiving out of order with a
 * duplicate (out-of-order table, D-SACK to report, receive ring), every allocation made on the
 * way is gone once all is acknowledged and read. */
static void an_idle_connection_holds_only_its_record(void **state)
{
    (void)state;
    harness *h = sack_connection();
    uint64_t idle = h_stats(h).mem_in_use;
    /* Sending: a recovery, undone. */
    send_segments(h, 10);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 4001});
    h_expect(h, H_ACK, 1, 1, 1000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 10001});
    h_flush(h);
    h_send(h, H_ACK, 1, 10001, H_WIN, NULL, 0);
    assert_true(h_stats(h).mem_in_use > idle); /* the undo state waits for the D-SACK */
    peer_sack(h, 10001, 1, (uint32_t[]){1, 1001});
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_SPURIOUS_UNDO), 1);
    assert_int_equal(h_stats(h).mem_in_use, idle);
    /* Receiving: a segment beyond a hole, the hole, and a duplicate of the first. */
    uint8_t data[2000];
    h_pattern(data, sizeof data, 0);
    h_send(h, H_ACK, 1001, 10001, H_WIN, data + 1000, 1000);
    h_send(h, H_ACK, 1, 10001, H_WIN, data, 1000);
    h_send(h, H_ACK, 1, 10001, H_WIN, data, 1000); /* reported as a D-SACK, then forgotten */
    h_flush(h);
    uint8_t got[2000];
    assert_int_equal(h_app_recv(h, got, sizeof got), 2000);
    assert_memory_equal(got, data, sizeof got);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_OOO_SEGMENTS), 1);
    assert_int_equal(h_stats(h).mem_in_use, idle);
    h_finish(h);
}

/* Blocks that lie outside SND.UNA..SND.MAX or are inverted are ignored (RFC 2018 §8's
 * receiver cannot have sent them); they mark nothing and make nothing look lost. */
static void invalid_sack_blocks_are_ignored(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 4);
    h_advance(h, 10000);
    peer_sack(h, 1, 2, (uint32_t[]){5001, 9001, 3001, 2001}); /* beyond SND.MAX; inverted */
    peer_sack(h, 1, 2, (uint32_t[]){2001, 3001, 1001, 70001});
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_SACK_BLOCKS_IGNORED), 3);
    h_advance(h, 5000);
    h_expect_none(h); /* only 2001:3001 was believed: one SACKed segment, no loss yet */
    h_finish(h);
}

/* Two SACKs (limited transmit sends a new segment for each, RFC 3042), then the ACK that covers
 * the SACKed segments and the one before them: cwnd afterwards, in segments. */
static uint32_t cwnd_after_ack_over_sacked_data(bool credit_delivered)
{
    harness *h = sack_config();
    h->cfg.tcp.cwnd_credit_delivered = credit_delivered;
    sack_connection_on(h);
    send_segments(h, 10);
    h_app_send(h, 2000); /* waits for the window */
    h_expect_none(h);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 2001});
    h_expect(h, H_ACK, 10001, 1, 1000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 3001});
    h_expect(h, H_ACK, 11001, 1, 1000);
    assert_int_equal(h_info(h).cwnd, 10000); /* SACKs alone grow nothing */
    h_send(h, H_ACK, 1, 3001, H_WIN, NULL, 0);
    uint32_t cwnd = h_info(h).cwnd / 1000;
    h_flush(h);
    h_finish(h);
    return cwnd;
}

/* RFC 5681 §3.1 counts the 3000 bytes SND.UNA moved (at most 2*SMSS by RFC 3465's L); with
 * cwnd_credit_delivered only the 1000 delivered for the first time count (Linux). */
static void slow_start_credit_for_an_ack_over_sacked_data(void **state)
{
    (void)state;
    assert_int_equal(cwnd_after_ack_over_sacked_data(false), 12);
    assert_int_equal(cwnd_after_ack_over_sacked_data(true), 11);
}

/* RFC 6937: while the flight is above ssthresh, PRR sends ssthresh/RecoverFS of what is
 * delivered: about one segment for every two SACKed with NewReno's halving. */
static void prr_sends_in_proportion_to_what_is_delivered(void **state)
{
    (void)state;
    harness *h = sack_connection();
    send_segments(h, 10);
    h_app_send(h, 20000);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){1001, 4001});
    h_expect(h, H_ACK, 1, 1, 1000); /* the fast retransmit: PRR's first segment */
    unsigned sent = 0;
    for (uint32_t right = 5001; right <= 10001; right += 1000) {
        peer_sack(h, 1, 1, (uint32_t[]){1001, right});
        h_seg g;
        while (h_pop(h, &g))
            sent++;
    }
    /* Six more segments delivered (3 + 6 = 9, RecoverFS 10, ssthresh 5): PRR allows
     * ceil(9 * 5 / 10) = 5 in all, the retransmission being the first. */
    assert_int_equal(sent, 4);
    h_finish(h);
}

/* Segments 1..6 lost, 7..9 SACKed one by one (limited transmit sends 11 and 12 for the first
 * two): the third SACK starts recovery. Returns the segments sent on that ACK and on the next,
 * which acknowledges the first retransmission. */
static void prr_segments_after_heavy_loss(bool ssrb_needs_progress, unsigned sent[2])
{
    harness *h = sack_config();
    h->cfg.tcp.prr_ssrb_needs_progress = ssrb_needs_progress;
    sack_connection_on(h);
    send_segments(h, 10);
    h_app_send(h, 10000);
    h_advance(h, 10000);
    peer_sack(h, 1, 1, (uint32_t[]){6001, 7001});
    h_expect(h, H_ACK, 10001, 1, 1000);
    peer_sack(h, 1, 1, (uint32_t[]){6001, 8001});
    h_expect(h, H_ACK, 11001, 1, 1000);
    peer_sack(h, 1, 1, (uint32_t[]){6001, 9001});
    /* ssthresh 6000 (half the flight); pipe 12000 - 3000 SACKed - 6000 lost = 3000. */
    assert_int_equal(h_info(h).ssthresh, 6000);
    sent[0] = h_pending(h);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_flush(h);
    h_send(h, H_ACK, 1, 1001, H_WIN, NULL, 0);
    sent[1] = h_pending(h);
    h_flush(h);
    h_finish(h);
}

/* Below ssthresh RFC 6937's PRR-SSRB sends what was delivered plus one segment on every ACK; with
 * prr_ssrb_needs_progress the extra segment waits for an ACK that moves SND.UNA without a new
 * loss, so the ACK that finds six losses sends one retransmission, not two. */
static void prr_slow_start_bound_with_and_without_progress(void **state)
{
    (void)state;
    unsigned sent[2];
    prr_segments_after_heavy_loss(false, sent);
    assert_int_equal(sent[0], 2);
    assert_int_equal(sent[1], 2);
    prr_segments_after_heavy_loss(true, sent);
    assert_int_equal(sent[0], 1);
    assert_int_equal(sent[1], 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(without_rack_a_hole_is_lost_after_three_sacked_segments),
        H_TEST(without_rack_a_hole_below_the_highest_sack_goes_on_the_next_ack),
        H_TEST(with_fack_one_sack_far_ahead_marks_the_holes_below_it_lost),
        H_TEST(without_prr_a_partial_ack_sends_two_and_a_dup_ack_one_more),
        H_TEST(with_prr_the_same_partial_ack_sends_nothing_yet),
        H_TEST(several_holes_are_repaired_in_one_round_trip),
        H_TEST(a_single_hole_is_resent_after_a_quarter_rtt),
        H_TEST(early_retransmit_resends_at_once_when_nothing_else_can_go),
        H_TEST(delayed_early_retransmit_waits_a_quarter_srtt_from_the_latest_ack),
        H_TEST(lost_data_is_resent_as_sent_or_in_full_segments),
        H_TEST(sack_blocks_count_by_byte_or_by_whole_segment),
        H_TEST(an_isn_in_the_upper_half_is_no_reordering),
        H_TEST(a_reordered_segment_is_not_resent),
        H_TEST(a_lost_retransmission_is_resent_without_a_timeout),
        H_TEST(the_rto_resends_only_what_was_not_sacked),
        H_TEST(a_dsack_for_every_retransmission_undoes_the_reduction),
        H_TEST(an_idle_connection_holds_only_its_record),
        H_TEST(invalid_sack_blocks_are_ignored),
        H_TEST(slow_start_credit_for_an_ack_over_sacked_data),
        H_TEST(prr_sends_in_proportion_to_what_is_delivered),
        H_TEST(prr_slow_start_bound_with_and_without_progress),
    };
    return cmocka_run_group_tests_name("tcp_sack", tests, NULL, NULL);
}
