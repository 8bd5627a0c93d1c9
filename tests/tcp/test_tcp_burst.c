/* test_tcp_burst.c — RFC 9293 §3.10.7.4 MUST-58/59: "if the TCP endpoint is processing a series
 * of queued segments, it MUST process them all before sending any ACK segments". A driver that
 * holds several frames brackets them with weir_netif_input_begin/end; in-order data is then
 * ACKed once, at the end, while ACKs the sender counts (out-of-order data, holes) go at once. */
#include "harness.h"

enum { SEG = 1460 }; /* full-sized: the MSS we advertise */
static const uint8_t data[SEG];

/* A passive connection in the steady ACK policy (no quick ACKs). */
static harness *receiver(void)
{
    harness *h = h_new_delayed_acks();
    h_established_passive(h);
    return h;
}

static void send_segments(harness *h, uint32_t first, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        h_send(h, H_ACK, first + SEG * i, 1, H_WIN, data, sizeof data);
}

/* Six segments one by one: an ACK every second one (RFC 5681 §4.2). In a burst: one ACK for all
 * six, sent when the burst ends. */
static void a_burst_of_in_order_segments_draws_one_ack_at_its_end(void **state)
{
    (void)state;
    harness *h = receiver();
    send_segments(h, 1, 6);
    for (unsigned i = 1; i <= 3; i++)
        h_expect(h, H_ACK, 1, 1 + 2 * SEG * i, 0);
    h_expect_none(h);

    assert_int_equal(weir_netif_input_begin(h->s), 0);
    send_segments(h, 1 + 6 * SEG, 6);
    h_expect_none(h);
    assert_int_equal(weir_netif_input_end(h->s), 0);
    h_expect(h, H_ACK, 1, 1 + 12 * SEG, 0);
    h_expect_none(h);
    h_finish(h);
}

/* Out-of-order data is reported at once, burst or not, so the sender counts its duplicate ACKs;
 * so is the segment that fills the hole. */
static void out_of_order_data_is_acked_at_once_in_a_burst(void **state)
{
    (void)state;
    harness *h = receiver();
    assert_int_equal(weir_netif_input_begin(h->s), 0);
    send_segments(h, 1, 2);
    send_segments(h, 1 + 3 * SEG, 1); /* the third segment is missing */
    h_expect(h, H_ACK, 1, 1 + 2 * SEG, 0);
    send_segments(h, 1 + 4 * SEG, 1);
    h_expect(h, H_ACK, 1, 1 + 2 * SEG, 0);
    send_segments(h, 1 + 2 * SEG, 1); /* fills it */
    h_expect(h, H_ACK, 1, 1 + 5 * SEG, 0);
    assert_int_equal(weir_netif_input_end(h->s), 0);
    h_expect_none(h);
    h_finish(h);
}

/* Data the application sends during the burst carries the ACK; nothing is left at the end. */
static void data_sent_in_a_burst_carries_its_ack(void **state)
{
    (void)state;
    harness *h = receiver();
    assert_int_equal(weir_netif_input_begin(h->s), 0);
    send_segments(h, 1, 2);
    h_expect_none(h);
    h_app_send(h, 100);
    h_expect(h, H_ACK, 1, 1 + 2 * SEG, 100);
    assert_int_equal(weir_netif_input_end(h->s), 0);
    h_expect_none(h);
    h_finish(h);
}

/* Brackets nest (the ACK goes at the outermost end); an end without a begin is API misuse. */
static void bursts_nest_and_an_unmatched_end_is_refused(void **state)
{
    (void)state;
    harness *h = receiver();
    assert_int_equal(weir_netif_input_end(h->s), WEIR_EINVAL);
    assert_int_equal(weir_netif_input_begin(h->s), 0);
    assert_int_equal(weir_netif_input_begin(h->s), 0);
    send_segments(h, 1, 4);
    assert_int_equal(weir_netif_input_end(h->s), 0);
    h_expect_none(h);
    assert_int_equal(weir_netif_input_end(h->s), 0);
    h_expect(h, H_ACK, 1, 1 + 4 * SEG, 0);
    assert_int_equal(weir_netif_input_end(h->s), WEIR_EINVAL);
    assert_int_equal(weir_netif_input_begin(NULL), WEIR_EINVAL);
    h_finish(h);
}

/* A connection whose ACK waits and that a RST then ends, in the same burst: its record goes, and
 * the end of the burst does not touch it (the sanitizer build would catch it). */
static void a_connection_reset_during_the_burst_is_forgotten(void **state)
{
    (void)state;
    harness *h = receiver();
    assert_int_equal(weir_netif_input_begin(h->s), 0);
    send_segments(h, 1, 2);
    assert_int_equal(weir_tcp_abort(h->s, h->sock), 0);
    h->sock = -1;
    h_expect(h, H_RST | H_ACK, 1, 1 + 2 * SEG, 0);
    assert_int_equal(weir_netif_input_end(h->s), 0);
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 1); /* the listener */
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(a_burst_of_in_order_segments_draws_one_ack_at_its_end),
        H_TEST(out_of_order_data_is_acked_at_once_in_a_burst),
        H_TEST(data_sent_in_a_burst_carries_its_ack),
        H_TEST(bursts_nest_and_an_unmatched_end_is_refused),
        H_TEST(a_connection_reset_during_the_burst_is_forgotten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
