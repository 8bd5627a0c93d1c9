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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "weir_pair.h"

enum {
    LL_PORT = 5001,
    LL_CHUNK = 65536,
    LL_BYTES = 20 << 20,
    LL_BUFFER = 4 << 20,
    LL_DELAY_US = 5000,
    LL_MAX_TURNS = 20000000,
};
#define LL_TIME_LIMIT_US (UINT64_C(600) * 1000000u) /* virtual: 10 minutes */

typedef struct ll_run {
    bench_pair pair;
    int listener, client, server;
    uint64_t sent, received, now_us;
    bool shut, eof;
    int error;
    uint8_t chunk[LL_CHUNK];
} ll_run;

typedef struct ll_result {
    uint64_t received, retransmits, data_lost;
} ll_result;

static void ll_send(ll_run *r)
{
    weir_stack *s = r->pair.stack[BENCH_CLIENT];
    while (r->sent < LL_BYTES) {
        uint64_t left = LL_BYTES - r->sent;
        int rc = weir_tcp_send(s, r->client, r->chunk, left < LL_CHUNK ? (size_t)left : LL_CHUNK);
        if (rc == WEIR_EAGAIN || rc == 0)
            return;
        if (rc < 0) {
            r->error = rc;
            return;
        }
        r->sent += (uint64_t)rc;
    }
    if (!r->shut) {
        r->shut = true;
        r->error = weir_tcp_shutdown(s, r->client);
    }
}

static void ll_recv(ll_run *r)
{
    weir_stack *s = r->pair.stack[BENCH_SERVER];
    uint8_t buf[LL_CHUNK];
    while (r->server >= 0 && !r->eof) {
        int rc = weir_tcp_recv(s, r->server, buf, sizeof buf);
        if (rc == WEIR_EAGAIN)
            return;
        if (rc < 0) {
            r->error = rc;
            return;
        }
        r->eof = rc == 0;
        r->received += (uint64_t)rc;
    }
}

static void ll_drain(ll_run *r)
{
    weir_event ev;
    while (weir_stack_next_event(r->pair.stack[BENCH_CLIENT], &ev)) {
        if (ev.sock == r->client && ev.type == WEIR_EV_ERROR)
            r->error = ev.err;
        else if (ev.sock == r->client)
            ll_send(r);
    }
    while (weir_stack_next_event(r->pair.stack[BENCH_SERVER], &ev)) {
        if (ev.type == WEIR_EV_ACCEPTABLE && ev.sock == r->listener && r->server < 0)
            r->server = weir_tcp_accept(r->pair.stack[BENCH_SERVER], r->listener, NULL);
        else if (ev.sock == r->server && ev.type == WEIR_EV_ERROR)
            r->error = ev.err;
        ll_recv(r);
    }
}

static void ll_setup(ll_run *r, uint64_t seed, double loss, weir_tcp_cc cc)
{
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
    weir_stack *srv = r->pair.stack[BENCH_SERVER], *cli = r->pair.stack[BENCH_CLIENT];
    weir_endpoint where = {.ip = bench_pair_ip(0, BENCH_SERVER), .port = LL_PORT};
    r->listener = weir_tcp_socket(srv);
    assert_true(r->listener >= 0);
    assert_int_equal(weir_tcp_bind(srv, r->listener, where), 0);
    assert_int_equal(weir_tcp_listen(srv, r->listener, 1), 0);
    r->client = weir_tcp_socket(cli);
    r->server = -1;
    assert_true(r->client >= 0);
    bench_pair_set_time(&r->pair, r->now_us);
    assert_int_equal(weir_tcp_connect(cli, r->client, where), 0);
}

/* The event loop in virtual time: jump to whatever is due next. */
static void ll_loop(ll_run *r)
{
    for (int turn = 0; turn < LL_MAX_TURNS && !r->eof && r->error == 0; turn++) {
        uint64_t next = bench_pair_next_deadline(&r->pair);
        if (next == UINT64_MAX || r->now_us > LL_TIME_LIMIT_US)
            break;
        r->now_us = next > r->now_us ? next : r->now_us;
        bench_pair_step(&r->pair, r->now_us);
        ll_drain(r);
    }
}

static ll_result ll_transfer(uint64_t seed, double loss, weir_tcp_cc cc)
{
    ll_run *r = test_calloc(1, sizeof *r);
    assert_non_null(r);
    r->now_us = 1000000;
    ll_setup(r, seed, loss, cc);
    ll_loop(r);
    assert_int_equal(r->error, 0);
    weir_stats st;
    weir_stats_get(r->pair.stack[BENCH_CLIENT], &st);
    weir_memlink_stats ls;
    bench_pair_link_stats(&r->pair, &ls);
    ll_result out = {.received = r->received,
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cubic_without_sack_retransmits_about_what_the_link_lost),
        cmocka_unit_test(newreno_without_sack_retransmits_about_what_the_link_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
