/* test_tcp_time_wait.c — TIME-WAIT as a compact record (tcp_tw.h): once the application has let
 * go, the record answers like the full TCB did (RFC 9293 §3.10.7.4: ACK a retransmitted FIN and
 * restart 2*MSL, ACK anything else; RFC 1337: ignore a RST; RFC 7323 §5.3: PAWS), ends early for
 * a SYN of a new incarnation (RFC 6191), and costs no connection record. */
#include "harness.h"

#include "tcp/tcp_tw.h"

#define MSL_US 1000000u

static harness *time_wait_harness(void)
{
    harness *h = h_new_config();
    h->cfg.tcp.msl_us = MSL_US;
    h_start(h);
    h_time_wait_released(h);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    assert_int_equal(h_stats(h).tcp_conns, 1); /* only the listener is a connection record */
    return h;
}

static void record_is_at_most_64_bytes(void **state)
{
    (void)state;
    assert_true(sizeof(tcp_tw) <= 64);
    harness *h = time_wait_harness();
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIME_WAIT_COMPACTED), 1);
    h_finish(h);
}

static void retransmitted_fin_is_acked_and_restarts_2msl(void **state)
{
    (void)state;
    harness *h = time_wait_harness();
    uint64_t entered = h->now;
    h_advance_to(h, entered + MSL_US);
    h_send(h, H_FIN | H_ACK, 1, 2, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIME_WAIT_RESTARTS), 1);
    uint64_t restarted = h->now;
    h_advance_to(h, entered + 2 * MSL_US);
    assert_int_equal(h_stats(h).tcp_time_wait, 1); /* the first 2*MSL is over, not the new one */
    h_advance_to(h, restarted + 2 * MSL_US - 1);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    h_advance_to(h, restarted + 2 * MSL_US);
    assert_int_equal(h_stats(h).tcp_time_wait, 0);
    h_expect_none(h);
    h_finish(h);
}

static void rst_is_ignored_and_other_segments_get_an_ack(void **state)
{
    (void)state;
    harness *h = time_wait_harness();
    h_send(h, H_RST, 2, 0, 0, NULL, 0);
    h_expect_none(h);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_RST_TIME_WAIT), 1);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    h_send(h, H_ACK | H_PSH, 2, 2, H_WIN, (const uint8_t *)"late", 4);
    h_expect(h, H_ACK, 2, 2, 0);
    h_send(h, H_ACK, 2, 2, H_WIN, NULL, 0); /* the bare ACK expected: nothing to say */
    h_expect_none(h);
    h_send(h, 0, 2, 0, H_WIN, NULL, 0); /* no ACK bit */
    h_expect_none(h);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_NO_ACK), 1);
    h_finish(h);
}

/* RFC 6191: a SYN whose sequence number is not beyond the old connection's may be an old
 * duplicate (challenge ACK, TIME-WAIT stays); one beyond it opens a new connection through the
 * listener, its ISN a window past the old SND.NXT. */
static void syn_beyond_the_old_connection_reopens(void **state)
{
    (void)state;
    harness *h = time_wait_harness();
    h_send(h, H_SYN, 1, 0, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    uint32_t old_snd_nxt = h->iss + 2;
    h_send(h, H_SYN, 5000, 0, H_WIN, NULL, 0);
    const h_seg *g = h_expect_abs(h, H_SYN | H_ACK, old_snd_nxt + 65537, h->irs + 5001, 0);
    assert_non_null(g);
    assert_int_equal(h_stats(h).tcp_time_wait, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIME_WAIT_REOPENED), 1);
    assert_int_equal(h_stats(h).tcp_conns, 2); /* the listener and the new child */
    h_finish(h);
}

static void list_shows_it_and_drop_removes_it(void **state)
{
    (void)state;
    harness *h = time_wait_harness();
    weir_tcp_conn_summary sum[4];
    int n = weir_tcp_list(h->s, sum, 4);
    assert_int_equal(n, 2);
    assert_int_equal(sum[1].state, WEIR_TCP_TIME_WAIT);
    assert_int_equal(sum[1].sock, -1);
    assert_int_equal(weir_tcp_drop(h->s, sum[1].local, sum[1].remote), 0);
    assert_int_equal(h_stats(h).tcp_time_wait, 0);
    assert_int_equal(weir_tcp_drop(h->s, sum[1].local, sum[1].remote), WEIR_ENOENT);
    h_finish(h);
}

/* max_time_wait bounds the records: a new one ends the oldest early, counted. */
static void the_oldest_record_goes_when_the_limit_is_reached(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.msl_us = MSL_US;
    h->cfg.max_time_wait = 1;
    h_start(h);
    for (int i = 0; i < 2; i++) {
        h->pport = (uint16_t)(H_PEER_PORT + i);
        h_time_wait_released(h);
        h_flush(h);
        if (h->lsock >= 0) {
            assert_int_equal(weir_tcp_close(h->s, h->lsock), 0);
            h->lsock = -1;
        }
    }
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIME_WAIT_EVICTED), 1);
    h_finish(h);
}

/* A segment from the peer with a timestamp (seq relative to irs, ack to iss). */
static void ts_seg(harness *h, uint8_t flags, uint32_t rseq, uint32_t rack, uint32_t ts_val)
{
    weir_tcp_repr r = {.flags = flags, .seq = h->irs + rseq, .ack = h->iss + rack, .window = H_WIN};
    r.opt.has_timestamps = true;
    r.opt.ts_val = ts_val;
    if (flags & H_SYN) {
        r.opt.has_mss = true;
        r.opt.mss = 1460;
    }
    h_inject(h, &r);
}

/* With timestamps, the record's ACK goes on with our TSval clock and echoes TS.Recent; an old
 * TSval is a PAWS drop with an ACK. */
static void timestamps_continue_and_paws_applies(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.msl_us = MSL_US;
    h_start(h);
    h_listen(h);
    ts_seg(h, H_SYN, 0, 0, 1000);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_true(g.opt.has_timestamps);
    h->iss = g.seq;
    ts_seg(h, H_ACK, 1, 1, 1001);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    assert_int_equal(weir_tcp_close(h->s, h->sock), 0);
    h->sock = -1;
    const h_seg *fin = h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    uint32_t fin_tsval = fin->opt.ts_val;
    ts_seg(h, H_FIN | H_ACK, 1, 2, 2000);
    h_expect(h, H_ACK, 2, 2, 0);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    h_advance_to(h, h->now + 500000);
    ts_seg(h, H_FIN | H_ACK, 1, 2, 2500); /* a retransmitted FIN: below RCV.NXT */
    const h_seg *ack = h_expect(h, H_ACK, 2, 2, 0);
    assert_true(ack->opt.has_timestamps);
    assert_int_equal(ack->opt.ts_ecr, 2000); /* TS.Recent moves only with in-window segments */
    assert_int_equal(ack->opt.ts_val - fin_tsval, 500); /* the same 1 ms clock, same offset */
    ts_seg(h, H_ACK, 2, 2, 1500); /* older than TS.Recent */
    h_expect(h, H_ACK, 2, 2, 0);
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_PAWS), 1);
    ts_seg(h, H_ACK, 2, 2, 3000); /* the expected bare ACK: TS.Recent follows it */
    h_expect_none(h);
    ts_seg(h, H_SYN, 5000, 0, 2999); /* RFC 6191: an older TSval is an old duplicate */
    ack = h_expect(h, H_ACK, 2, 2, 0);
    assert_int_equal(ack->opt.ts_ecr, 3000);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    h_finish(h);
}

/* time_wait_reuse: with one ephemeral port, a second connection to the same peer must wait for
 * the first one's TIME-WAIT (EADDRINUSE) until that record, timestamped, is a second old; then
 * connect() takes its four-tuple with an ISN a window past the old SND.NXT. */
static void connect_reuses_a_timestamped_time_wait_tuple_after_a_second(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.msl_us = 10 * MSL_US;
    h->cfg.tcp.time_wait_reuse = true;
    h->cfg.ephemeral_lo = h->cfg.ephemeral_hi = 50000;
    h_start(h);
    h_syn_sent(h);
    weir_tcp_repr r = {.flags = H_SYN | H_ACK, .seq = h->irs, .ack = h->iss + 1, .window = H_WIN};
    r.opt.has_timestamps = true;
    r.opt.ts_val = 100;
    h_inject(h, &r);
    h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(weir_tcp_close(h->s, h->sock), 0);
    h->sock = -1;
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    r = (weir_tcp_repr){.flags = H_FIN | H_ACK, .seq = h->irs + 1, .ack = h->iss + 2, .window = H_WIN};
    r.opt.has_timestamps = true;
    r.opt.ts_val = 200;
    h_inject(h, &r);
    h_expect(h, H_ACK, 2, 2, 0);
    assert_int_equal(h_stats(h).tcp_time_wait, 1);
    uint32_t old_snd_nxt = h->iss + 2;
    int again = weir_tcp_socket(h->s);
    h_track(h, again);
    weir_endpoint peer = {H_PEER_IP, H_PEER_PORT};
    assert_int_equal(weir_tcp_connect(h->s, again, peer), WEIR_EADDRINUSE);
    h_advance(h, 1000000);
    assert_int_equal(weir_tcp_connect(h->s, again, peer), 0);
    h_expect_abs(h, H_SYN, old_snd_nxt + 65537, 0, 0);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIME_WAIT_REUSED), 1);
    assert_int_equal(h_stats(h).tcp_time_wait, 0);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(record_is_at_most_64_bytes),
        H_TEST(retransmitted_fin_is_acked_and_restarts_2msl),
        H_TEST(rst_is_ignored_and_other_segments_get_an_ack),
        H_TEST(syn_beyond_the_old_connection_reopens),
        H_TEST(list_shows_it_and_drop_removes_it),
        H_TEST(the_oldest_record_goes_when_the_limit_is_reached),
        H_TEST(timestamps_continue_and_paws_applies),
        H_TEST(connect_reuses_a_timestamped_time_wait_tuple_after_a_second),
    };
    return cmocka_run_group_tests_name("tcp_time_wait", tests, NULL, NULL);
}
