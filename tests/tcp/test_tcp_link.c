/* test_tcp_link.c — back-pressure from the link (weir_tx_ready_fn in netif.h): while the
 * interface says it is full, data stays in the send buffer and ACKs stay owed, nothing is lost
 * or retransmitted, and everything goes out once the link takes frames again — on the next ACK,
 * or WEIR_TCP_LINK_RETRY_US later when no ACK will come. */
#include "harness.h"

#include <string.h>

/* An active connection with `n` bytes queued while the link was full. */
static harness *established_with_held_data(size_t n)
{
    harness *h = h_new();
    h_established_active(h);
    h->link_busy = true;
    h_app_send(h, n);
    return h;
}

static void a_full_link_holds_data_that_was_never_sent(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint64_t segments_out = h_counter(h, WEIR_CTR_TCP_SEGMENTS_OUT);
    h->link_busy = true;
    h_app_send(h, 3000);
    h_expect_none(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_SEGMENTS_OUT), segments_out); /* none built */
    assert_int_equal(h_counter(h, WEIR_CTR_FRAMES_OUT_FAILED), 0);            /* none lost */
    assert_true(h_counter(h, WEIR_CTR_TCP_LINK_HELD) > 0);
    h->link_busy = false;
    h_finish(h);
}

static void with_nothing_in_flight_the_held_data_retries_after_the_retry_interval(void **state)
{
    (void)state;
    harness *h = established_with_held_data(1000);
    uint64_t t = h->now;
    assert_int_equal(h_deadline(h), t + WEIR_TCP_LINK_RETRY_US);
    h_advance_to(h, t + WEIR_TCP_LINK_RETRY_US); /* still full: held again, retried again */
    h_expect_none(h);
    t = h->now;
    assert_int_equal(h_deadline(h), t + WEIR_TCP_LINK_RETRY_US);
    h->link_busy = false;
    h_advance_to(h, t + WEIR_TCP_LINK_RETRY_US);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_expect_none(h);
    assert_int_equal(h_info(h).retransmits, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_PERSIST_PROBES), 0); /* a retry, not a probe */
    h_finish(h);
}

static void an_ack_for_data_in_flight_sends_what_was_held(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    uint16_t mss = h_info(h).snd_mss;
    h_app_send(h, mss);
    h_expect(h, H_ACK, 1, 1, mss);
    h->link_busy = true;
    h_app_send(h, 2u * mss);
    h_expect_none(h);
    uint64_t rto_deadline = h_deadline(h);
    assert_true(rto_deadline > h->now + WEIR_TCP_LINK_RETRY_US); /* the RTO, no retry timer */
    h->link_busy = false;
    h_send(h, H_ACK, 1, 1 + mss, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1 + mss, 1, mss);
    h_expect(h, H_ACK, 1 + 2u * mss, 1, mss);
    h_expect_none(h);
    assert_int_equal(h_info(h).retransmits, 0);
    h_finish(h);
}

static void after_an_rto_a_full_link_is_retried_soon_not_at_the_next_rto(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_app_send(h, 1000);
    h_expect(h, H_ACK, 1, 1, 1000);
    h->link_busy = true;
    h_run_to_deadline(h); /* the RTO: go back to SND.UNA, but the link is full */
    h_expect_none(h);
    uint64_t t = h->now;
    assert_int_equal(h_deadline(h), t + WEIR_TCP_LINK_RETRY_US); /* nothing in flight now */
    h->link_busy = false;
    h_advance_to(h, t + WEIR_TCP_LINK_RETRY_US);
    h_expect(h, H_ACK, 1, 1, 1000); /* the retransmission */
    h_expect_none(h);
    h_finish(h);
}

static void acks_held_by_a_full_link_coalesce_into_one(void **state)
{
    (void)state;
    static uint8_t data[4 * 1460];
    h_pattern(data, sizeof data, 0);
    harness *h = h_new_delayed_acks();
    h_established_passive(h);
    uint16_t mss = h_info(h).rcv_mss;
    h->link_busy = true;
    for (uint32_t i = 0; i < 4; i++) /* two ACKs' worth: every second full segment */
        h_send(h, H_ACK, 1 + i * mss, 1, H_WIN, data + (size_t)i * mss, mss);
    h_expect_none(h);
    uint64_t t = h->now;
    assert_int_equal(h_deadline(h), t + WEIR_TCP_LINK_RETRY_US); /* the delayed ACK, early */
    h->link_busy = false;
    h_advance_to(h, t + WEIR_TCP_LINK_RETRY_US);
    h_expect(h, H_ACK, 1, 1 + 4u * mss, 0); /* one ACK for all four */
    h_expect_none(h);
    uint8_t buf[4 * 1460];
    assert_int_equal(h_app_recv(h, buf, sizeof buf), (int)sizeof buf);
    assert_memory_equal(buf, data, sizeof buf);
    h_finish(h);
}

static void a_held_ack_goes_out_on_the_next_data_segment(void **state)
{
    (void)state;
    static uint8_t data[1460];
    harness *h = h_new_delayed_acks();
    h_established_passive(h);
    uint16_t mss = h_info(h).rcv_mss;
    h->link_busy = true;
    h_send(h, H_ACK, 1, 1, H_WIN, data, mss);
    h_send(h, H_ACK, 1 + mss, 1, H_WIN, data, mss);
    h_expect_none(h);
    h->link_busy = false;
    h_app_send(h, 100); /* the reply carries the owed ACK */
    h_expect(h, H_ACK, 1, 1 + 2u * mss, 100);
    h_expect_none(h);
    h_advance(h, WEIR_TCP_LINK_RETRY_US);
    h_expect_none(h); /* the ACK went: no second one from the retry */
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(a_full_link_holds_data_that_was_never_sent),
        H_TEST(with_nothing_in_flight_the_held_data_retries_after_the_retry_interval),
        H_TEST(an_ack_for_data_in_flight_sends_what_was_held),
        H_TEST(after_an_rto_a_full_link_is_retried_soon_not_at_the_next_rto),
        H_TEST(acks_held_by_a_full_link_coalesce_into_one),
        H_TEST(a_held_ack_goes_out_on_the_next_data_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
