/* test_tcp_urgent.c — urgent data (RFC 9293 §3.8.5; Appendix B MUST-30..33, MUST-62).
 *
 * Sending (WEIR_TCP_SEND_URGENT): SND.UP is the octet after the call's data (MUST-62); every
 * segment that starts before SND.UP carries URG and the pointer as an offset from its SEG.SEQ,
 * also when the pointer lies past the segment or past 65535 (any length, MUST-31); segments from
 * SND.UP on carry none; Nagle and cork do not hold urgent data; a closed window does not keep
 * the indication from the peer. Receiving: WEIR_EV_URGENT when a pointer first shows urgent data
 * ahead of what the application read, and again when it advances, never for a repeated one
 * (MUST-32); weir_tcp_info.urgent_unread counts down as the application reads (MUST-33); odd
 * pointers (0, past the window, after the peer's FIN) crash nothing and change nothing they
 * should not. The data stays in line throughout (RFC 6093). */
#include "harness.h"

#include <string.h>

static uint8_t payload[131072];

static void init_payload(void)
{
    h_pattern(payload, sizeof payload, 0);
}

static void send_urgent(harness *h, uint32_t from, uint32_t n)
{
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload + from, n, WEIR_TCP_SEND_URGENT),
                     (int)n);
}

static void send_plain(harness *h, uint32_t from, uint32_t n)
{
    assert_int_equal(weir_tcp_send(h->s, h->sock, payload + from, n), (int)n);
}

/* The next segment: flags (URG among them when expected, PSH ignored), relative seq and ack,
 * payload length, and the urgent pointer when URG is expected. */
#define expect_seg(h, flags, seq, ack, len, up)                                                    \
    expect_seg_at(__LINE__, (h), (flags), (seq), (ack), (len), (up))
static const h_seg *expect_seg_at(int line, harness *h, uint8_t flags, uint32_t seq, uint32_t ack,
                                  size_t len, uint16_t up)
{
    const h_seg *g = h_expect_at(__FILE__, line, h, flags, seq, ack, len);
    if ((flags & H_URG) && g->urgent != up)
        fail_msg("line %d: urgent pointer %u, expected %u", line, g->urgent, up);
    return g;
}

/* A segment from the peer with URG and pointer `up` (relative seq, ack 1: we sent nothing). */
static void peer_urg(harness *h, uint32_t seq, uint16_t up, const void *data, size_t len,
                     uint16_t win)
{
    weir_tcp_repr r = {.flags = H_ACK | H_URG,
                       .seq = h->irs + seq,
                       .ack = h->iss + 1,
                       .window = win,
                       .urgent = up,
                       .payload = data,
                       .payload_len = len};
    h_inject(h, &r);
}

static uint32_t urgent_unread(harness *h)
{
    return h_info(h).urgent_unread;
}

static int app_read(harness *h, size_t n)
{
    static uint8_t buf[65536];
    return weir_tcp_recv(h->s, h->sock, buf, n);
}

/* ---- sending ------------------------------------------------------------------------------- */

static void urgent_send_marks_the_octet_after_it_then_urg_stops(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    send_urgent(h, 0, 10);
    /* SND.UP = 11: the pointer is 10 from SEG.SEQ 1 (MUST-62), and the segment is pushed. */
    const h_seg *g = expect_seg(h, H_ACK | H_URG, 1, 1, 10, 10);
    assert_true(g->flags & H_PSH);
    assert_memory_equal(g->data, payload, 10); /* in line: every byte is in the stream */
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 11, H_WIN, NULL, 0);
    /* Urgent data acknowledged: what follows goes without URG. */
    send_plain(h, 10, 20);
    g = h_expect(h, H_ACK, 11, 1, 20);
    assert_int_equal(g->urgent, 0);
    h_finish(h);
}

static void pointer_past_the_segment_on_every_segment_before_it(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint32_t mss = h_info(h).snd_mss;
    assert_int_equal(mss, 1460);
    send_urgent(h, 0, 3000); /* SND.UP = 3001 */
    /* The first two segments end before SND.UP: their pointers lie past them (MUST-31). */
    expect_seg(h, H_ACK | H_URG, 1, 1, 1460, 3000);
    expect_seg(h, H_ACK | H_URG, 1461, 1, 1460, 1540);
    expect_seg(h, H_ACK | H_URG, 2921, 1, 80, 80);
    h_expect_none(h);
    h_finish(h);
}

/* Every segment before SND.UP says URG; its pointer is min(SND.UP - SEG.SEQ, 65535). */
static void expect_urgent_flight(harness *h, uint32_t snd_up, uint32_t *next, unsigned *capped,
                                 unsigned *exact)
{
    h_seg g;
    while (h_pop(h, &g)) {
        uint32_t want = snd_up - g.rseq;
        assert_true(g.flags & H_URG);
        assert_int_equal(g.urgent, want > 65535 ? 65535 : want);
        *capped += want > 65535;
        *exact += want <= 65535;
        *next = g.rseq + (uint32_t)g.len;
    }
}

static void pointer_beyond_65535_is_capped_then_exact(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.send_buffer = 131072;
    h_start(h);
    h_established_active(h);
    send_urgent(h, 0, 70000); /* SND.UP = 70001: too far for the 16-bit field */
    uint32_t next = 1;
    unsigned capped = 0, exact = 0;
    expect_urgent_flight(h, 70001, &next, &capped, &exact); /* the initial window */
    assert_int_equal(capped, 4); /* 1, 1461, 2921, 4381: more than 65535 from SND.UP */
    /* ACKs move the flight on; the pointer stays exact to the end. */
    for (int round = 0; round < 20 && next < 70001; round++) {
        h_advance(h, H_RTT);
        h_send(h, H_ACK, 1, next, H_WIN, NULL, 0);
        expect_urgent_flight(h, 70001, &next, &capped, &exact);
    }
    assert_int_equal(next, 70001);
    assert_int_equal(capped, 4);
    assert_true(exact > 40);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 70001, H_WIN, NULL, 0);
    h_finish(h);
}

static void second_urgent_send_advances_snd_up_and_retransmissions_carry_it(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    send_urgent(h, 0, 10);
    expect_seg(h, H_ACK | H_URG, 1, 1, 10, 10);
    send_urgent(h, 10, 10); /* SND.UP 11 -> 21, with the first 10 bytes still unacknowledged */
    expect_seg(h, H_ACK | H_URG, 11, 1, 10, 10);
    /* The retransmission of the first segment points at the new SND.UP, past itself. */
    h_run_to_deadline(h);
    h_seg g;
    do
        assert_true(h_pop(h, &g));
    while (g.rseq != 1);
    assert_true(g.flags & H_URG);
    assert_int_equal(g.urgent, 20);
    h_flush(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 21, H_WIN, NULL, 0);
    h_flush(h);
    h_finish(h);
}

static void segments_from_snd_up_on_carry_no_urg(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_NODELAY, 1), 0);
    send_urgent(h, 0, 10);
    expect_seg(h, H_ACK | H_URG, 1, 1, 10, 10);
    send_plain(h, 10, 20); /* starts at SND.UP: not urgent, though the urgent data is in flight */
    const h_seg *g = h_expect(h, H_ACK, 11, 1, 20);
    assert_int_equal(g->urgent, 0);
    /* A bare ACK (at SND.NXT, past SND.UP) carries none either. */
    h_send(h, H_ACK | H_PSH, 1, 1, H_WIN, "x", 1);
    h_advance(h, 1000000);
    h_expect(h, H_ACK, 31, 2, 0);
    h_send(h, H_ACK, 2, 31, H_WIN, NULL, 0);
    h_finish(h);
}

static void nagle_does_not_hold_urgent_data(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    send_plain(h, 0, 10);
    h_expect(h, H_ACK, 1, 1, 10);
    send_plain(h, 10, 10);
    h_expect_none(h); /* Nagle: 10 bytes unacknowledged */
    send_urgent(h, 20, 5);
    /* The held bytes go with the urgent ones, marked up to SND.UP = 26. */
    expect_seg(h, H_ACK | H_URG, 11, 1, 15, 15);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 26, H_WIN, NULL, 0);
    send_plain(h, 25, 10); /* idle again: Nagle sends; URG is over */
    const h_seg *g = h_expect(h, H_ACK, 26, 1, 10);
    assert_int_equal(g->urgent, 0);
    h_finish(h);
}

static void cork_and_send_more_do_not_hold_urgent_data(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_CORK, 1), 0);
    send_plain(h, 0, 40);
    h_expect_none(h); /* corked */
    send_urgent(h, 40, 1);
    const h_seg *g = expect_seg(h, H_ACK | H_URG, 1, 1, 41, 41);
    assert_true(g->flags & H_PSH);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 42, H_WIN, NULL, 0);
    /* MORE with URGENT: urgent wins, pushed. */
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload + 41, 3,
                                         WEIR_TCP_SEND_URGENT | WEIR_TCP_SEND_MORE),
                     3);
    g = expect_seg(h, H_ACK | H_URG, 42, 1, 3, 3);
    assert_true(g->flags & H_PSH);
    /* The cork holds plain data again. */
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 45, H_WIN, NULL, 0);
    send_plain(h, 44, 10);
    h_expect_none(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_CORK, 0), 0);
    h_expect(h, H_ACK, 45, 1, 10);
    h_finish(h);
}

static void closed_window_still_lets_the_pointer_through(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    send_plain(h, 0, 100);
    h_expect(h, H_ACK, 1, 1, 100);
    h_send(h, H_ACK, 1, 101, 0, NULL, 0); /* all acknowledged, window closed */
    send_urgent(h, 100, 1);               /* SND.UP = 102 */
    /* No data can go; a bare ACK tells the peer urgent data waits (§3.8.5's purpose). */
    expect_seg(h, H_ACK | H_URG, 101, 1, 0, 1);
    h_expect_none(h);
    /* The persist timer's probe carries the pointer too. */
    h_run_to_deadline(h);
    expect_seg(h, H_ACK | H_URG, 101, 1, 1, 1);
    h_send(h, H_ACK, 1, 102, H_WIN, NULL, 0);
    h_expect_none(h);
    h_finish(h);
}

static void urgent_data_queued_before_the_handshake_goes_marked(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    send_urgent(h, 0, 5); /* §3.10.2: queued; URG goes with the data once established */
    h_expect_none(h);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    expect_seg(h, H_ACK | H_URG, 1, 1, 5, 5);
    h_expect_none(h); /* the handshake's ACK rode on it */
    h_finish(h);
}

static void urgent_send_needs_data(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload, 0, WEIR_TCP_SEND_URGENT),
                     WEIR_EINVAL);
    assert_int_equal(weir_tcp_send_flags(h->s, h->sock, payload, 1, WEIR_TCP_SEND_URGENT | 0x40),
                     WEIR_EINVAL);
    h_expect_none(h);
    h_finish(h);
}

/* ---- receiving ----------------------------------------------------------------------------- */

static void event_on_the_first_pointer_and_on_each_advance_only(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    assert_int_equal(urgent_unread(h), 0);
    /* 50 bytes, urgent up to 100: the pointer is ahead of the data (MUST-31). */
    peer_urg(h, 1, 100, payload, 50, H_WIN);
    h_drain_events(h);
    assert_true(h->nevents >= 2);
    assert_int_equal(h->events[0].type, WEIR_EV_URGENT); /* before READABLE */
    h_expect_event(h, h->sock, WEIR_EV_URGENT);
    h_expect_event(h, h->sock, WEIR_EV_READABLE);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.urgent_unread, 100);
    assert_int_equal(info.recv_queued, 50);
    /* The same pointer from the next segment: no news, no event. */
    peer_urg(h, 51, 50, payload + 50, 50, H_WIN);
    h_expect_event(h, h->sock, WEIR_EV_READABLE);
    assert_false(h_has_event(h, h->sock, WEIR_EV_URGENT));
    /* A pointer that recedes: ignored. */
    peer_urg(h, 101, 0, payload + 100, 20, H_WIN);
    assert_false(h_has_event(h, h->sock, WEIR_EV_URGENT));
    assert_int_equal(urgent_unread(h), 100);
    /* It advances: told again. */
    peer_urg(h, 121, 30, payload + 120, 30, H_WIN);
    h_expect_event(h, h->sock, WEIR_EV_URGENT);
    assert_int_equal(urgent_unread(h), 150);
    /* Plain data: nothing urgent about it. */
    h_send(h, H_ACK, 151, 1, H_WIN, payload + 150, 10);
    assert_false(h_has_event(h, h->sock, WEIR_EV_URGENT));
    h_clear_events(h);
    h_finish(h);
}

static void unread_urgent_count_falls_as_the_application_reads(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    peer_urg(h, 1, 100, payload, 200, H_WIN); /* bytes 0..99 urgent, 100..199 not */
    h_expect_event(h, h->sock, WEIR_EV_URGENT);
    assert_int_equal(urgent_unread(h), 100);
    assert_int_equal(app_read(h, 60), 60);
    assert_int_equal(urgent_unread(h), 40);
    assert_int_equal(app_read(h, 40), 40);
    assert_int_equal(urgent_unread(h), 0); /* at the mark: "normal mode" again */
    assert_int_equal(app_read(h, 100), 100);
    assert_int_equal(urgent_unread(h), 0);
    /* Urgent data again after it was all read: a new event (MUST-32, "previously no pending
     * urgent data"). */
    h_clear_events(h);
    peer_urg(h, 201, 5, payload + 200, 5, H_WIN);
    h_expect_event(h, h->sock, WEIR_EV_URGENT);
    assert_int_equal(urgent_unread(h), 5);
    /* The end of the stream does not count as urgent data. */
    h_send(h, H_ACK | H_FIN, 206, 1, H_WIN, NULL, 0);
    assert_int_equal(urgent_unread(h), 5);
    assert_int_equal(app_read(h, 100), 5);
    assert_int_equal(urgent_unread(h), 0);
    assert_int_equal(app_read(h, 100), 0);
    h_clear_events(h);
    h_finish(h);
}

static void pointer_of_zero_at_the_read_position_changes_nothing(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    /* SEG.UP = 0 names SEG.SEQ itself: no urgent octet, and nothing unread before it. */
    peer_urg(h, 1, 0, payload, 10, H_WIN);
    h_expect_event(h, h->sock, WEIR_EV_READABLE);
    assert_false(h_has_event(h, h->sock, WEIR_EV_URGENT));
    assert_int_equal(urgent_unread(h), 0);
    assert_int_equal(app_read(h, 100), 10); /* the data is delivered as any */
    h_finish(h);
}

static void pointer_past_the_window_is_taken_and_read_down(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer = 4096;
    h->cfg.tcp.recv_buffer_auto_max = 0;
    h_start(h);
    h_established_passive(h);
    assert_true(h_info(h).rcv_wnd <= 4096);
    /* The pointer lies 65535 past SEG.SEQ, far beyond the window: a sender whose queue holds
     * that much urgent data says so (MUST-31). No crash, no overflow: counted as sent. */
    peer_urg(h, 1, 65535, payload, 10, H_WIN);
    h_expect_event(h, h->sock, WEIR_EV_URGENT);
    assert_int_equal(urgent_unread(h), 65535);
    assert_int_equal(app_read(h, 100), 10);
    assert_int_equal(urgent_unread(h), 65525);
    assert_int_equal(h_stats(h).drops_total, 0);
    h_finish(h);
}

static void urg_is_taken_with_a_zero_window(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer = 1000;
    h->cfg.tcp.recv_buffer_auto_max = 0;
    h_start(h);
    h_established_passive(h);
    h_send(h, H_ACK, 1, 1, H_WIN, payload, 1000); /* fills the window */
    h_expect(h, H_ACK, 1, 1001, 0);
    assert_int_equal(h_info(h).rcv_wnd, 0);
    h_clear_events(h);
    /* A probe with URG: its byte is not taken, its URG is (MUST-66). */
    peer_urg(h, 1001, 1, payload + 1000, 1, H_WIN);
    h_expect_event(h, h->sock, WEIR_EV_URGENT);
    assert_int_equal(urgent_unread(h), 1001);
    h_expect(h, H_ACK, 1, 1001, 0);
    h_clear_events(h);
    h_finish(h);
}

static void urg_after_the_peers_fin_is_ignored(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    h_send(h, H_ACK | H_FIN, 1, 1, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_CLOSE_WAIT);
    h_flush(h);
    h_clear_events(h);
    /* CLOSE-WAIT: "This should not occur since a FIN has been received ... Ignore the URG." */
    peer_urg(h, 2, 100, NULL, 0, H_WIN);
    assert_false(h_has_event(h, h->sock, WEIR_EV_URGENT));
    assert_int_equal(urgent_unread(h), 0);
    h_flush(h);
    h_finish(h);
}

static void no_event_once_the_application_shut_its_reading_side(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    assert_int_equal(weir_tcp_shutdown_read(h->s, h->sock), 0);
    peer_urg(h, 1, 10, payload, 10, H_WIN);
    assert_false(h_has_event(h, h->sock, WEIR_EV_URGENT));
    assert_int_equal(urgent_unread(h), 0); /* discarded counts as read */
    h_flush(h);
    h_finish(h);
}

int main(void)
{
    init_payload();
    const struct CMUnitTest tests[] = {
        H_TEST(urgent_send_marks_the_octet_after_it_then_urg_stops),
        H_TEST(pointer_past_the_segment_on_every_segment_before_it),
        H_TEST(pointer_beyond_65535_is_capped_then_exact),
        H_TEST(second_urgent_send_advances_snd_up_and_retransmissions_carry_it),
        H_TEST(segments_from_snd_up_on_carry_no_urg),
        H_TEST(nagle_does_not_hold_urgent_data),
        H_TEST(cork_and_send_more_do_not_hold_urgent_data),
        H_TEST(closed_window_still_lets_the_pointer_through),
        H_TEST(urgent_data_queued_before_the_handshake_goes_marked),
        H_TEST(urgent_send_needs_data),
        H_TEST(event_on_the_first_pointer_and_on_each_advance_only),
        H_TEST(unread_urgent_count_falls_as_the_application_reads),
        H_TEST(pointer_of_zero_at_the_read_position_changes_nothing),
        H_TEST(pointer_past_the_window_is_taken_and_read_down),
        H_TEST(urg_is_taken_with_a_zero_window),
        H_TEST(urg_after_the_peers_fin_is_ignored),
        H_TEST(no_event_once_the_application_shut_its_reading_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
