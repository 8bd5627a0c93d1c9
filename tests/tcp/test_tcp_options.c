/* test_tcp_options.c — SYN option negotiation (RFC 7323 window scale and timestamps, RFC 2018
 * SACK), what each side may send afterwards, and SACK blocks from the reassembler. */
#include "harness.h"

#include <string.h>

static uint8_t payload[4096];

/* The peer's SYN or SYN-ACK with the options a modern stack offers. */
static void peer_syn(harness *h, uint8_t flags, uint8_t wscale, uint32_t ts_val)
{
    weir_tcp_repr r = {.flags = flags, .seq = h->irs, .ack = (flags & H_ACK) ? h->iss + 1 : 0,
                       .window = H_WIN};
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    r.opt.sack_permitted = true;
    r.opt.has_timestamps = true;
    r.opt.ts_val = ts_val;
    r.opt.has_wscale = true;
    r.opt.wscale = wscale;
    h_inject(h, &r);
}

/* Pop the stack's SYN-ACK and learn its ISS. */
static h_seg pop_syn_ack(harness *h)
{
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_int_equal(g.ack, h->irs + 1);
    h->iss = g.seq;
    return g;
}

/* A data or ACK segment from the peer with a timestamp. */
static void peer_seg_ack(harness *h, uint32_t rseq, uint32_t rack, uint16_t win, uint32_t ts_val,
                         const void *data, size_t len)
{
    weir_tcp_repr r = {.flags = H_ACK, .seq = h->irs + rseq, .ack = h->iss + rack, .window = win,
                       .payload = data, .payload_len = len};
    r.opt.has_timestamps = true;
    r.opt.ts_val = ts_val;
    r.opt.ts_ecr = 0;
    h_inject(h, &r);
}

static void peer_seg(harness *h, uint32_t rseq, uint16_t win, uint32_t ts_val, const void *data,
                     size_t len)
{
    peer_seg_ack(h, rseq, 1, win, ts_val, data, len);
}

static void syn_offers_every_enabled_option(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer_max = 15u << 20; /* Linux's tcp_rmem[2]: shift 8 */
    h_start(h);
    h_syn_sent(h);
    const weir_tcp_options *o = &h->last.opt;
    assert_true(o->has_mss);
    assert_int_equal(o->mss, 1460);
    assert_true(o->sack_permitted);
    assert_true(o->has_timestamps);
    assert_int_equal(o->ts_ecr, 0);
    assert_true(o->has_wscale);
    assert_int_equal(o->wscale, 8);
    /* A SYN's window is never scaled, but with auto-tuning it is the one the first scaled ACK
     * will offer, so that the edge does not retract: whole units of 256. */
    assert_int_equal(h->last.window, 255u << 8);
    h_finish(h);
}

static void options_switched_off_are_not_offered(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.sack = false;
    h->cfg.tcp.timestamps = false;
    h->cfg.tcp.window_scale = false;
    h_start(h);
    h_syn_sent(h);
    const weir_tcp_options *o = &h->last.opt;
    assert_true(o->has_mss);
    assert_false(o->sack_permitted || o->has_timestamps || o->has_wscale);
    h_finish(h);
}

static void syn_ack_answers_only_what_the_peer_offered(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h); /* the factory's SYN carries only MSS */
    const weir_tcp_options *o = &h->last.opt;
    assert_true(o->has_mss);
    assert_false(o->sack_permitted || o->has_timestamps || o->has_wscale);
    h_finish(h);
}

static void syn_ack_echoes_the_peer_timestamp(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    peer_syn(h, H_SYN, 7, 4242);
    h_seg g = pop_syn_ack(h);
    assert_true(g.opt.has_timestamps);
    assert_int_equal(g.opt.ts_ecr, 4242);
    assert_true(g.opt.sack_permitted);
    assert_true(g.opt.has_wscale);
    h_finish(h);
}

static void window_scale_above_14_is_used_as_14(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    peer_syn(h, H_SYN | H_ACK, 15, 100); /* RFC 7323 §2.3: treat as 14 */
    h_expect(h, H_ACK, 1, 1, 0);
    peer_seg(h, 1, 1, 101, NULL, 0); /* window field 1 means 1 << 14 bytes */
    assert_int_equal(h_info(h).snd_wnd, 1u << 14);
    h_finish(h);
}

/* The edge we advertise does not move back, though RCV.NXT moves by sizes that are no multiple
 * of the scale: free space is offered less one unit of slack and a promise still open is rounded
 * up, not down (Linux's tcp_select_window), and the bytes up to the new edge are taken. Rounded
 * down, the edge here would retract by 5 bytes, and a sender filling the first window would
 * have its last bytes cut off. */
static void scaled_window_edge_never_moves_back(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer = 262144;     /* shift 3: windows are said in units of 8 bytes */
    h->cfg.tcp.recv_buffer_auto_max = 0; /* (auto-tuning would need a larger shift) */
    h_start(h);
    h_syn_sent(h);
    peer_syn(h, H_SYN | H_ACK, 2, 100);
    h_expect(h, H_ACK, 1, 1, 0);
    peer_seg(h, 1, 1000, 101, payload, 8); /* free 262136, offered less 7 rounded down */
    const h_seg *g = h_expect(h, H_ACK, 1, 9, 0);
    uint32_t edge = 9 + ((uint32_t)g->window << 3);
    assert_int_equal(edge, 9 + 262128);
    peer_seg(h, 9, 1000, 102, payload, 3); /* promise 262125 left, free 262126 less 7: 262120 */
    g = h_expect(h, H_ACK, 1, 12, 0);
    uint32_t edge2 = 12 + ((uint32_t)g->window << 3);
    assert_true(edge2 >= edge);
    /* The whole advertised window is taken, up to its last byte. */
    uint32_t seq = 12;
    while (seq < edge2) {
        uint32_t n = edge2 - seq < 1400 ? edge2 - seq : 1400;
        peer_seg(h, seq, 1000, 103, payload, n);
        seq += n;
    }
    h_flush(h);
    assert_int_equal(h_info(h).bytes_received, edge2 - 1);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_OOO_SEGMENTS), 0);
    h_finish(h);
}

static void scaled_window_is_advertised_and_read_scaled(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer = 262144;
    h->cfg.tcp.recv_buffer_auto_max = 0; /* the shift from the buffer alone */
    h_start(h);
    h_syn_sent(h);
    uint8_t ours = h->last.opt.wscale;
    assert_int_equal(ours, 3); /* 262144 >> 3 = 32768 fits 16 bits */
    peer_syn(h, H_SYN | H_ACK, 2, 100);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 0);
    /* The free space less one unit of slack (tcp_rcv_window), in units of 8. */
    assert_int_equal(g->window, (262144 - 7) >> 3);
    peer_seg(h, 1, 1000, 101, NULL, 0);
    assert_int_equal(h_info(h).snd_wnd, 4000);
    h_finish(h);
}

static void timestamps_echo_the_latest_in_window_value(void **state)
{
    (void)state;
    harness *h = h_new_delayed_acks();
    h_syn_sent(h);
    peer_syn(h, H_SYN | H_ACK, 7, 1000);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 0);
    assert_true(g->opt.has_timestamps);
    assert_int_equal(g->opt.ts_ecr, 1000);
    uint32_t first_val = g->opt.ts_val;
    h_advance(h, 50000);
    h_pattern(payload, 2896, 0);
    peer_seg(h, 1, 1000, 1050, payload, 1448);
    peer_seg(h, 1449, 1000, 1051, payload + 1448, 1448);
    g = h_expect(h, H_ACK, 1, 2897, 0);
    /* RFC 7323 §4.3: ts_recent comes from the segment that covered the last ACK's edge. */
    assert_int_equal(g->opt.ts_ecr, 1050);
    assert_true(g->opt.ts_val - first_val >= 50); /* 1 ms ticks */
    h_finish(h);
}

/* RFC 7323 §3.2: with timestamps negotiated, a non-RST segment without them is silently dropped
 * (drop_missing_timestamps, the default) — no ACK, the data not taken, the connection kept; a
 * RST without them still counts. Off, the segment is processed, as Linux does. */
static int data_taken_without_timestamps(bool drop)
{
    harness *h = h_new_config();
    h->cfg.tcp.drop_missing_timestamps = drop;
    h->cfg.tcp.quick_acks = 0;
    h_start(h);
    h_syn_sent(h);
    peer_syn(h, H_SYN | H_ACK, 7, 1000);
    h_expect(h, H_ACK, 1, 1, 0);
    h_pattern(payload, 100, 0);
    h_send(h, H_ACK | H_PSH, 1, 1, H_WIN, payload, 100); /* no TSopt */
    uint8_t buf[200];
    int n = h_app_recv(h, buf, sizeof buf);
    if (drop) {
        h_expect_none(h); /* silently */
        assert_int_equal(h_dropped(h, WEIR_DROP_TCP_NO_TSOPT), 1);
        h_assert_state(h, WEIR_TCP_ESTABLISHED); /* MUST NOT abort */
        peer_seg(h, 1, 1000, 1001, payload, 100); /* the same data with its TSopt is taken */
        assert_int_equal(h_app_recv(h, buf, sizeof buf), 100);
    }
    h_finish(h);
    return n;
}

static void a_segment_without_the_negotiated_timestamps_is_dropped(void **state)
{
    (void)state;
    assert_int_equal(data_taken_without_timestamps(true), 0); /* nothing to read */
    assert_int_equal(data_taken_without_timestamps(false), 100);
}

static void a_rst_without_timestamps_still_resets(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    peer_syn(h, H_SYN | H_ACK, 7, 1000);
    h_expect(h, H_ACK, 1, 1, 0);
    h_send(h, H_RST, 1, 0, 0, NULL, 0); /* in window, no TSopt */
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_finish(h);
}

static void timestamps_cost_twelve_bytes_of_mss(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    peer_syn(h, H_SYN | H_ACK, 7, 1000);
    h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(h_info(h).snd_mss, 1448);
    h_app_send(h, 3000);
    h_expect(h, H_ACK, 1, 1, 1448);
    h_expect(h, H_ACK, 1449, 1, 1448);
    h_expect(h, H_ACK | H_PSH, 2897, 1, 104); /* the rest of a write that found it idle */
    h_expect_none(h);
    h_finish(h);
}

static void sack_blocks_report_holes_newest_first(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    peer_syn(h, H_SYN, 7, 1000);
    pop_syn_ack(h);
    peer_seg(h, 1, 1000, 1001, NULL, 0);
    h_expect_none(h);
    h_pattern(payload, 4000, 0);
    /* 1..100 missing; 101..200 arrives, then 301..400: two islands. */
    peer_seg(h, 101, 1000, 1002, payload + 100, 100);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(g->opt.sack_count, 1);
    assert_int_equal(g->opt.sack[0].left, h->irs + 101);
    assert_int_equal(g->opt.sack[0].right, h->irs + 201);
    peer_seg(h, 301, 1000, 1003, payload + 300, 100);
    g = h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(g->opt.sack_count, 2);
    assert_int_equal(g->opt.sack[0].left, h->irs + 301); /* the newest first (RFC 2018 §4) */
    assert_int_equal(g->opt.sack[1].left, h->irs + 101);
    /* The hole at the front fills: the first island joins, the ACK jumps, one block is left. */
    peer_seg(h, 1, 1000, 1004, payload, 100);
    g = h_expect(h, H_ACK, 1, 201, 0);
    assert_int_equal(g->opt.sack_count, 1);
    assert_int_equal(g->opt.sack[0].left, h->irs + 301);
    h_finish(h);
}

static void no_sack_blocks_without_sack_permitted(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h); /* the factory's SYN has no SACK-permitted */
    h_pattern(payload, 200, 0);
    h_send(h, H_ACK, 101, 1, H_WIN, payload, 100);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(g->opt.sack_count, 0);
    h_finish(h);
}

/* A passive connection that negotiated SACK (no timestamps: four blocks fit). */
static harness *sack_connection_on(harness *h)
{
    h_listen(h);
    weir_tcp_repr r = {.flags = H_SYN, .seq = h->irs, .window = H_WIN};
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    r.opt.sack_permitted = true;
    h_inject(h, &r);
    pop_syn_ack(h);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    return h;
}

static harness *sack_connection(void) { return sack_connection_on(h_new()); }

static void duplicate_below_rcv_nxt_is_reported_as_dsack(void **state)
{
    (void)state;
    harness *h = sack_connection();
    h_pattern(payload, 400, 0);
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 100);
    const h_seg *g = h_expect(h, H_ACK, 1, 101, 0); /* a quick ACK at the start */
    assert_int_equal(g->opt.sack_count, 0);
    h_send(h, H_ACK, 301, 1, H_WIN, payload + 300, 100); /* an island: immediate ACK */
    g = h_expect(h, H_ACK, 1, 101, 0);
    assert_int_equal(g->opt.sack_count, 1);
    /* 51..200 overlaps what we have (51..100): RFC 2883, D-SACK first, then the island. */
    h_send(h, H_ACK, 51, 1, H_WIN, payload + 50, 150);
    g = h_expect(h, H_ACK, 1, 201, 0);
    assert_int_equal(g->opt.sack_count, 2);
    assert_int_equal(g->opt.sack[0].left, h->irs + 51);
    assert_int_equal(g->opt.sack[0].right, h->irs + 101);
    assert_int_equal(g->opt.sack[1].left, h->irs + 301);
    /* An entirely old segment: answered at once, with the D-SACK only once. */
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 50);
    g = h_expect(h, H_ACK, 1, 201, 0);
    assert_int_equal(g->opt.sack[0].left, h->irs + 1);
    assert_int_equal(g->opt.sack[0].right, h->irs + 51);
    h_send(h, H_ACK, 201, 1, H_WIN, payload + 200, 100); /* fills the hole */
    g = h_expect(h, H_ACK, 1, 401, 0);
    assert_int_equal(g->opt.sack_count, 0);
    h_finish(h);
}

/* dsack off (FreeBSD before it had D-SACKs; Linux's tcp_dsack=0): the same duplicates are
 * answered at once as before, but the ACKs report only the island. */
static void without_dsack_duplicates_draw_acks_without_a_dsack_block(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.dsack = false;
    h_start(h);
    sack_connection_on(h);
    h_pattern(payload, 400, 0);
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 100);
    h_expect(h, H_ACK, 1, 101, 0);
    h_send(h, H_ACK, 301, 1, H_WIN, payload + 300, 100);
    h_expect(h, H_ACK, 1, 101, 0);
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 50); /* entirely old */
    const h_seg *g = h_expect(h, H_ACK, 1, 101, 0);
    assert_int_equal(g->opt.sack_count, 1);
    assert_int_equal(g->opt.sack[0].left, h->irs + 301);
    h_send(h, H_ACK, 51, 1, H_WIN, payload + 50, 150); /* partly old */
    g = h_expect(h, H_ACK, 1, 201, 0);
    assert_int_equal(g->opt.sack_count, 1);
    assert_int_equal(g->opt.sack[0].left, h->irs + 301);
    h_finish(h);
}

static void duplicate_of_an_island_is_reported_as_dsack(void **state)
{
    (void)state;
    harness *h = sack_connection();
    h_pattern(payload, 400, 0);
    h_send(h, H_ACK, 201, 1, H_WIN, payload + 200, 100);
    h_expect(h, H_ACK, 1, 1, 0);
    h_send(h, H_ACK, 251, 1, H_WIN, payload + 250, 100);
    const h_seg *g = h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(g->opt.sack_count, 2);
    assert_int_equal(g->opt.sack[0].left, h->irs + 251);
    assert_int_equal(g->opt.sack[0].right, h->irs + 301);
    assert_int_equal(g->opt.sack[1].left, h->irs + 201);
    assert_int_equal(g->opt.sack[1].right, h->irs + 351);
    h_flush(h);
    h_finish(h);
}

static void bsd_policy_acks_every_second_segment_of_any_size(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.ack_every_second_segment = true;
    h->cfg.tcp.quick_acks = 0; /* the steady-state policy */
    h_start(h);
    h_established_passive(h);
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 1);
    h_expect_none(h);
    h_send(h, H_ACK, 2, 1, H_WIN, payload, 2);
    h_expect(h, H_ACK, 1, 4, 0);
    h_send(h, H_ACK, 4, 1, H_WIN, payload, 4);
    h_expect_none(h);
    h_advance(h, 40000);
    h_expect(h, H_ACK, 1, 8, 0);
    /* FreeBSD's DELAY_ACK(): a segment longer than the MSS is ACKed at once. */
    h_send(h, H_ACK, 8, 1, H_WIN, payload, 2000);
    h_expect(h, H_ACK, 1, 2008, 0);
    h_finish(h);
}

/* The BSD policy's "at most one MSS" is about the segments the peer sends us: the MSS we
 * advertised, whatever the MSS the peer gave us for our own segments, and with no room taken off
 * for options (FreeBSD's t_maxseg). Here the peer offers 536 (we send 524-byte segments) and we
 * advertise 1460 (it sends 1448-byte ones with its timestamps). */
static void bsd_policy_full_segment_is_the_mss_we_advertised_less_options(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.ack_every_second_segment = true;
    h->cfg.tcp.quick_acks = 0; /* the steady-state policy */
    h_start(h);
    h_listen(h);
    weir_tcp_repr r = {.flags = H_SYN, .seq = h->irs, .window = H_WIN};
    r.opt.has_mss = true;
    r.opt.mss = 536;
    r.opt.has_timestamps = true;
    r.opt.ts_val = 100;
    h_inject(h, &r);
    h_seg g = pop_syn_ack(h);
    assert_int_equal(g.opt.mss, 1460);
    peer_seg_ack(h, 1, 1, H_WIN, 101, NULL, 0);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    assert_int_equal(h_info(h).snd_mss, 524);
    h_clear_events(h);
    h_pattern(payload, 4096, 0);
    peer_seg(h, 1, H_WIN, 102, payload, 1448); /* one full segment: delayed */
    h_expect_none(h);
    peer_seg(h, 1449, H_WIN, 103, payload, 1448); /* the second: ACKed */
    h_expect(h, H_ACK, 1, 2897, 0);
    peer_seg(h, 2897, H_WIN, 104, payload, 1460); /* as long as the MSS: delayed too */
    h_expect_none(h);
    h_advance(h, h->cfg.tcp.delayed_ack_us);
    h_expect(h, H_ACK, 1, 4357, 0);
    peer_seg(h, 4357, H_WIN, 105, payload, 1461); /* more than the MSS: at once */
    h_expect(h, H_ACK, 1, 5818, 0);
    h_finish(h);
}

/* The MSS a SYN-ACK advertises for a peer's SYN offering `peer_mss` (0: no MSS option). */
static uint16_t syn_ack_mss_for(bool clamp, uint16_t peer_mss)
{
    harness *h = h_new_config();
    h->cfg.tcp.syn_ack_mss_clamp = clamp;
    h_start(h);
    h_listen(h);
    weir_tcp_repr r = {.flags = H_SYN, .seq = h->irs, .window = H_WIN};
    r.opt.has_mss = peer_mss != 0;
    r.opt.mss = peer_mss;
    h_inject(h, &r);
    h_seg g = pop_syn_ack(h);
    assert_true(g.opt.has_mss);
    h_finish(h);
    return g.opt.mss;
}

/* RFC 9293 §3.7.1: the MSS option says what we can receive (1460 on this link); with
 * syn_ack_mss_clamp a SYN-ACK says no more than the peer's SYN did. */
static void syn_ack_mss_is_ours_unless_clamped_to_the_peers(void **state)
{
    (void)state;
    assert_int_equal(syn_ack_mss_for(false, 1100), 1460);
    assert_int_equal(syn_ack_mss_for(true, 1100), 1100);
    assert_int_equal(syn_ack_mss_for(true, 9000), 1460);
    assert_int_equal(syn_ack_mss_for(true, 0), 1460);
}

static void bsd_policy_repeats_an_unacknowledged_fin_on_acks(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.ack_repeats_fin = true;
    h_start(h);
    h_fin_wait_1(h); /* our FIN (seq 1) is out, not acknowledged */
    h_send(h, H_FIN | H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect(h, H_FIN | H_ACK, 1, 2, 0); /* the ACK of their FIN carries ours again */
    h_assert_state(h, WEIR_TCP_CLOSING);
    h_send(h, H_ACK, 2, 2, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_finish(h);
}

/* ---- WEIR_TCP_OPT_NOOPT -------------------------------------------------------------------- */

static bool no_options(const weir_tcp_options *o)
{
    return !o->has_mss && !o->has_wscale && !o->sack_permitted && !o->has_timestamps &&
           o->sack_count == 0;
}

/* connect() on a socket with NOOPT as given: the SYN popped, the ISS learned. */
static h_seg noopt_connect(harness *h, int noopt)
{
    h->sock = weir_tcp_socket(h->s);
    assert_true(h->sock >= 0);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_NOOPT, noopt), 0);
    assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){H_PEER_IP, h->pport}), 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN);
    h->iss = g.seq;
    h->lport = g.sport;
    return g;
}

/* FreeBSD's TCP_NOOPT: the SYN has no options, not even the MSS (RFC 9293 SHLD-5 lets a side
 * whose receive MSS is the default 536 leave it out; that is the MSS we take, and the peer must
 * assume, MUST-15). A SYN-ACK offering everything then agrees to nothing, since each option
 * needs both SYNs (RFC 7323 §2.2, §3.2; RFC 2018 §2); the peer's MSS still bounds our segments.
 * Without NOOPT, the same exchange negotiates all three. */
static void noopt_syn_has_no_options_and_nothing_is_negotiated(void **state)
{
    (void)state;
    for (int noopt = 0; noopt <= 1; noopt++) {
        harness *h = h_new_config();
        h->cfg.tcp.recv_buffer_max = 1u << 20;
        h_start(h);
        h_seg syn = noopt_connect(h, noopt);
        assert_int_equal(no_options(&syn.opt), noopt == 1);
        h_advance(h, H_RTT);
        peer_syn(h, H_SYN | H_ACK, 7, 100);
        const h_seg *g = h_expect(h, H_ACK, 1, 1, 0);
        assert_int_equal(no_options(&g->opt), noopt == 1);
        weir_tcp_info info = h_info(h);
        assert_int_equal(info.state, WEIR_TCP_ESTABLISHED);
        if (noopt) {
            assert_int_equal(info.options, 0);
            assert_int_equal(info.rcv_wscale, 0);
            assert_int_equal(info.snd_wscale, 0);
            assert_int_equal(info.snd_mss, 1460); /* the peer's, no timestamp bytes off */
            assert_int_equal(info.rcv_mss, 536);
        } else {
            assert_int_equal(info.options,
                             WEIR_TCPI_OPT_TIMESTAMPS | WEIR_TCPI_OPT_SACK | WEIR_TCPI_OPT_WSCALE);
            assert_int_equal(info.snd_mss, 1460 - 12);
            assert_int_equal(info.rcv_mss, 1460);
        }
        int v = -1;
        assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_NOOPT, &v), 0);
        assert_int_equal(v, noopt);
        /* Data goes out with the options negotiated: none, or the timestamps. */
        h_app_send(h, 100);
        g = h_expect(h, H_ACK | H_PSH, 1, 1, 100);
        assert_int_equal(no_options(&g->opt), noopt == 1);
        h_finish(h);
    }
}

/* A simultaneous open (RFC 9293 §3.10.7.3: a SYN in SYN-SENT) answers with a SYN-ACK, which
 * under NOOPT carries no options either, and agrees to none of the peer's. */
static void noopt_simultaneous_open_syn_ack_has_no_options(void **state)
{
    (void)state;
    for (int noopt = 0; noopt <= 1; noopt++) {
        harness *h = h_new();
        noopt_connect(h, noopt);
        peer_syn(h, H_SYN, 7, 100);
        const h_seg *g = h_expect(h, H_SYN | H_ACK, 0, 1, 0);
        assert_int_equal(no_options(&g->opt), noopt == 1);
        h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
        if (!noopt) /* timestamps are on: the ACK must carry them (RFC 7323 §3.2) */
            peer_seg(h, 1, H_WIN, 101, NULL, 0);
        h_assert_state(h, WEIR_TCP_ESTABLISHED);
        assert_int_equal(h_info(h).options == 0, noopt == 1);
        h_finish(h);
    }
}

/* A listener with NOOPT answers a SYN offering everything with a SYN-ACK carrying nothing (as
 * FreeBSD's syncache does under TF_NOOPT); the accepted child inherits the option and uses no
 * option on its data. The peer, told no MSS, sends at most 536 bytes a segment: two of them are
 * the two full segments after which an ACK goes at once (SHLD-19), not at the delayed-ACK
 * timer. */
static void noopt_listener_answers_with_a_bare_syn_ack_and_children_inherit_it(void **state)
{
    (void)state;
    for (int noopt = 0; noopt <= 1; noopt++) {
        harness *h = h_new_delayed_acks();
        h->lsock = weir_tcp_socket(h->s);
        assert_int_equal(weir_tcp_setopt(h->s, h->lsock, WEIR_TCP_OPT_NOOPT, noopt), 0);
        assert_int_equal(weir_tcp_bind(h->s, h->lsock, (weir_endpoint){H_LOCAL_IP, H_LISTEN_PORT}),
                         0);
        assert_int_equal(weir_tcp_listen(h->s, h->lsock, 8), 0);
        h->lport = H_LISTEN_PORT;
        peer_syn(h, H_SYN, 7, 100);
        h_seg g = pop_syn_ack(h);
        assert_int_equal(no_options(&g.opt), noopt == 1);
        if (noopt)
            h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
        else
            peer_seg(h, 1, H_WIN, 101, NULL, 0);
        weir_endpoint peer;
        h->sock = weir_tcp_accept(h->s, h->lsock, &peer);
        assert_true(h->sock >= 0);
        int v = -1;
        assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_NOOPT, &v), 0);
        assert_int_equal(v, noopt);
        weir_tcp_info info = h_info(h);
        assert_int_equal(info.options == 0, noopt == 1);
        if (noopt) {
            assert_int_equal(info.rcv_mss, 536);
            h_send(h, H_ACK, 1, 1, H_WIN, payload, 536);
            h_expect_none(h); /* one segment: the ACK waits */
            h_send(h, H_ACK, 537, 1, H_WIN, payload, 536);
            g = *h_expect(h, H_ACK, 1, 1073, 0);
            assert_true(no_options(&g.opt));
        } else {
            assert_int_equal(info.rcv_mss, 1460);
        }
        h_flush(h);
        h_finish(h);
    }
}

/* Like WEIR_TCP_OPT_MAXSEG it shapes the SYN: settable before connect/listen only; 0 or 1. */
static void noopt_is_set_before_open_only_and_takes_0_or_1(void **state)
{
    (void)state;
    harness *h = h_new();
    int sock = weir_tcp_socket(h->s);
    h_track(h, sock);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_NOOPT, 2), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_NOOPT, -1), WEIR_EINVAL);
    int v = -1;
    assert_int_equal(weir_tcp_getopt(h->s, sock, WEIR_TCP_OPT_NOOPT, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_NOOPT, 1), 0);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_NOOPT, 0), 0);
    assert_int_equal(weir_tcp_bind(h->s, sock, (weir_endpoint){H_LOCAL_IP, H_LISTEN_PORT}), 0);
    assert_int_equal(weir_tcp_listen(h->s, sock, 4), 0);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_NOOPT, 1), WEIR_ESTATE);
    h_syn_sent(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_NOOPT, 1), WEIR_ESTATE);
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_NOOPT, &v), 0);
    assert_int_equal(v, 0);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(a_segment_without_the_negotiated_timestamps_is_dropped),
        H_TEST(a_rst_without_timestamps_still_resets),
        H_TEST(syn_offers_every_enabled_option),
        H_TEST(options_switched_off_are_not_offered),
        H_TEST(syn_ack_answers_only_what_the_peer_offered),
        H_TEST(syn_ack_echoes_the_peer_timestamp),
        H_TEST(window_scale_above_14_is_used_as_14),
        H_TEST(scaled_window_is_advertised_and_read_scaled),
        H_TEST(scaled_window_edge_never_moves_back),
        H_TEST(timestamps_echo_the_latest_in_window_value),
        H_TEST(timestamps_cost_twelve_bytes_of_mss),
        H_TEST(sack_blocks_report_holes_newest_first),
        H_TEST(no_sack_blocks_without_sack_permitted),
        H_TEST(duplicate_below_rcv_nxt_is_reported_as_dsack),
        H_TEST(without_dsack_duplicates_draw_acks_without_a_dsack_block),
        H_TEST(duplicate_of_an_island_is_reported_as_dsack),
        H_TEST(bsd_policy_acks_every_second_segment_of_any_size),
        H_TEST(bsd_policy_repeats_an_unacknowledged_fin_on_acks),
        H_TEST(bsd_policy_full_segment_is_the_mss_we_advertised_less_options),
        H_TEST(syn_ack_mss_is_ours_unless_clamped_to_the_peers),
        H_TEST(noopt_syn_has_no_options_and_nothing_is_negotiated),
        H_TEST(noopt_simultaneous_open_syn_ack_has_no_options),
        H_TEST(noopt_listener_answers_with_a_bare_syn_ack_and_children_inherit_it),
        H_TEST(noopt_is_set_before_open_only_and_takes_0_or_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
