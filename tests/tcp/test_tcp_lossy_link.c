/* test_tcp_lossy_link.c — loss recovery measured by what it costs: bulk transfers between two
 * stacks over a seeded lossy link (drivers/memlink + fault, as bench/weir_bulk uses them through
 * bench/weir_pair.c), in virtual time, counting the segments the sender retransmitted against the
 * frames the link dropped on the way to the receiver.
 *
 * Read RFC 6582 (NewReno), RFC 5681 §3.2 and RFC 9438 §4.6 first. Without SACK, every data
 * segment lost needs one retransmission, and a few more are unavoidable (a lost retransmission
 * is sent again; a timeout's go-back-N may resend a segment the receiver had). The bound below
 * allows a sixteenth more plus a handful. CUBIC without SACK used to spend several times the
 * losses (1649 retransmissions for 514 link losses on one 20 MB run) through a recovery stalled
 * on a lost retransmission, the RTO's go-back-N over the megabytes the inflated window had sent,
 * and a receiver whose out-of-order table (8 ranges) dropped everything past its eighth hole;
 * with only the table enlarged, the engine still spent 8-15% more than the losses.
 *
 * Every run must also deliver every byte. Counts, not times: nothing here depends on the speed of
 * the machine, and the same seed always gives the same counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "weir_pair.h"

enum {
    LL_PORT = 5001,
    LL_BYTES = 20 << 20,
    LL_BUFFER = 4 << 20,
    LL_DELAY_US = 5000,
    LL_MAX_TURNS = 20000000,
};
#define LL_TIME_LIMIT_US (UINT64_C(600) * 1000000u) /* virtual: 10 minutes */

typedef struct ll_result {
    uint64_t received, retransmits, data_lost;
} ll_result;

typedef struct ll_run {
    bench_pair pair;
    bench_flow flow; /* the applications and the virtual-time loop: bench/weir_pair.c */
} ll_run;

static ll_result ll_transfer(uint64_t seed, double loss, weir_tcp_cc cc)
{
    ll_run *r = test_calloc(1, sizeof *r);
    assert_non_null(r);
    bench_pair_config cfg;
    bench_pair_config_init(&cfg);
    cfg.seed = seed;
    cfg.fault.loss = loss;
    cfg.fault.delay_min_us = LL_DELAY_US;
    cfg.fault.delay_max_us = LL_DELAY_US;
    cfg.queue_limit = 2u * LL_BUFFER / 500u + 1024u; /* the link itself never drops */
    weir_tcp_config *t = &cfg.stack.tcp;
    t->send_buffer = t->recv_buffer = t->recv_buffer_max = LL_BUFFER;
    t->window_scale = true;
    t->sack = false;
    t->congestion_control = cc;
    assert_int_equal(bench_pair_create(&r->pair, &cfg), 0);
    r->flow.now_us = 1000000;
    assert_int_equal(bench_flow_listen(&r->flow, &r->pair, LL_PORT, LL_BYTES), 0);
    assert_int_equal(bench_flow_connect(&r->flow), 0);
    assert_null(bench_flow_run(&r->flow, LL_MAX_TURNS, LL_TIME_LIMIT_US));
    weir_stats st;
    weir_stats_get(r->pair.stack[BENCH_CLIENT], &st);
    weir_memlink_stats ls;
    bench_pair_link_stats(&r->pair, &ls);
    ll_result out = {.received = r->flow.received,
                     .retransmits = st.counters[WEIR_CTR_TCP_RETRANSMITS],
                     .data_lost = ls.lost[BENCH_CLIENT]};
    bench_pair_destroy(&r->pair);
    test_free(r);
    return out;
}

static void expect_retransmits_near_losses(weir_tcp_cc cc, double loss)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        ll_result res = ll_transfer(seed, loss, cc);
        print_message("seed %llu: %llu bytes, %llu data frames lost, %llu retransmitted\n",
                      (unsigned long long)seed, (unsigned long long)res.received,
                      (unsigned long long)res.data_lost, (unsigned long long)res.retransmits);
        assert_int_equal(res.received, LL_BYTES);
        assert_true(res.retransmits <= res.data_lost + res.data_lost / 16 + 4);
    }
}

static void cubic_without_sack_retransmits_about_what_the_link_lost(void **state)
{
    (void)state;
    expect_retransmits_near_losses(WEIR_TCP_CC_CUBIC, 0.02);
}

static void newreno_without_sack_retransmits_about_what_the_link_lost(void **state)
{
    (void)state;
    expect_retransmits_near_losses(WEIR_TCP_CC_NEWRENO, 0.02);
}

/* ---- sequence space: one connection past 2^31 and 2^32 bytes ------------------------------
 * SND.UNA runs 2^31 ahead of ISS after 2 GiB (a "greater than ISS" test turns false) and comes
 * round to ISS after 4 GiB (an "equal to ISS" test turns true): "our SYN is acknowledged" must be
 * told otherwise (tcp_syn_unacked). A connection used to stall for good at exactly 2^31 bytes.
 * A 64 kB MTU keeps the segment count, and the test's time, down. */

static void one_connection_carries_more_than_four_gibibytes(void **state)
{
    (void)state;
    ll_run *r = test_calloc(1, sizeof *r);
    assert_non_null(r);
    bench_pair_config cfg;
    bench_pair_config_init(&cfg);
    cfg.mtu = 65000;
    cfg.fault.delay_min_us = cfg.fault.delay_max_us = 20;
    weir_tcp_config *t = &cfg.stack.tcp;
    t->send_buffer = t->recv_buffer = t->recv_buffer_max = LL_BUFFER;
    assert_int_equal(bench_pair_create(&r->pair, &cfg), 0);
    const uint64_t bytes = (UINT64_C(1) << 32) + (UINT64_C(300) << 20);
    r->flow.now_us = 1000000;
    assert_int_equal(bench_flow_listen(&r->flow, &r->pair, LL_PORT, bytes), 0);
    assert_int_equal(bench_flow_connect(&r->flow), 0);
    assert_null(bench_flow_run(&r->flow, LL_MAX_TURNS, LL_TIME_LIMIT_US));
    assert_int_equal(r->flow.received, bytes);
    bench_pair_destroy(&r->pair);
    test_free(r);
}

/* ---- back-pressure on a lossy link ----------------------------------------------------------
 * A link whose transmit ring holds only BP_RING frames a side (weir_memlink_config.tx_ring): the
 * stacks hold data and ACKs while it is full (weir_tx_ready_fn), and loss recovery (fast
 * retransmit, RACK, TLP, RTO and its go-back-N) must still deliver every byte, in order and
 * intact, with the ring never overflowing into the link's queue. */

enum { BP_RING = 16, BP_BYTES = 4 << 20 };

static uint8_t stream_byte(uint64_t offset) { return (uint8_t)(offset * 131u + (offset >> 11)); }

static void bp_fill(uint8_t *buf, size_t n, uint64_t offset)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = stream_byte(offset + i);
}

static void bp_check(void *ctx, const uint8_t *buf, size_t n, uint64_t offset)
{
    bool *bad = ctx;
    for (size_t i = 0; i < n; i++)
        if (buf[i] != stream_byte(offset + i))
            *bad = true;
}

static void back_pressure_run(uint64_t seed, bool sack)
{
    ll_run *r = test_calloc(1, sizeof *r);
    assert_non_null(r);
    bench_pair_config cfg;
    bench_pair_config_init(&cfg);
    cfg.seed = seed;
    cfg.fault.loss = 0.02;
    cfg.fault.delay_min_us = 1000;
    cfg.fault.delay_max_us = 1000;
    cfg.tx_ring = BP_RING;
    weir_tcp_config *t = &cfg.stack.tcp;
    t->sack = sack;
    assert_int_equal(bench_pair_create(&r->pair, &cfg), 0);
    bool bad = false;
    r->flow.fill = bp_fill;
    r->flow.on_read = bp_check;
    r->flow.ctx = &bad;
    r->flow.now_us = 1000000;
    assert_int_equal(bench_flow_listen(&r->flow, &r->pair, LL_PORT, BP_BYTES), 0);
    assert_int_equal(bench_flow_connect(&r->flow), 0);
    assert_null(bench_flow_run(&r->flow, LL_MAX_TURNS, LL_TIME_LIMIT_US));
    weir_stats cl, sv;
    weir_stats_get(r->pair.stack[BENCH_CLIENT], &cl);
    weir_stats_get(r->pair.stack[BENCH_SERVER], &sv);
    weir_memlink_stats ls;
    bench_pair_link_stats(&r->pair, &ls);
    print_message("seed %llu sack %d: %llu held, %llu data frames lost, %llu retransmitted\n",
                  (unsigned long long)seed, sack,
                  (unsigned long long)cl.counters[WEIR_CTR_TCP_LINK_HELD],
                  (unsigned long long)ls.lost[BENCH_CLIENT],
                  (unsigned long long)cl.counters[WEIR_CTR_TCP_RETRANSMITS]);
    assert_int_equal(r->flow.received, BP_BYTES);
    assert_false(bad);
    assert_true(cl.counters[WEIR_CTR_TCP_LINK_HELD] > 0); /* the ring did fill */
    assert_int_equal(ls.queue_drops[BENCH_CLIENT] + ls.queue_drops[BENCH_SERVER], 0);
    assert_int_equal(cl.counters[WEIR_CTR_FRAMES_OUT_FAILED], 0);
    assert_int_equal(sv.counters[WEIR_CTR_FRAMES_OUT_FAILED], 0);
    bench_pair_destroy(&r->pair);
    test_free(r);
}

static void a_full_ring_on_a_lossy_link_still_delivers_every_byte(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        back_pressure_run(seed, true);
        back_pressure_run(seed, false);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_connection_carries_more_than_four_gibibytes),
        cmocka_unit_test(a_full_ring_on_a_lossy_link_still_delivers_every_byte),
        cmocka_unit_test(cubic_without_sack_retransmits_about_what_the_link_lost),
        cmocka_unit_test(newreno_without_sack_retransmits_about_what_the_link_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
