/* test_tcp_urgent.c — urgent data (RFC 9293 §3.8.5; Appendix B MUST-30..33, MUST-62).
 *
 * Receiving: WEIR_EV_URGENT when a pointer first shows urgent data ahead of what the application
 * read, and again when it advances, never for a repeated one (MUST-32); weir_tcp_info.urgent_unread
 * counts down as the application reads (MUST-33); odd pointers (0, past the window, after the
 * peer's FIN) crash nothing and change nothing they should not. The data stays in line
 * throughout (RFC 6093). */
#include "harness.h"

#include <string.h>

static uint8_t payload[131072];

static void init_payload(void)
{
    h_pattern(payload, sizeof payload, 0);
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
