/* test_tcp_autotune.c — receive-buffer auto-tuning (weir_tcp_config.recv_buffer_auto_max): the
 * buffer grows to twice what the application reads per smoothed RTT, up to the limit, never
 * shrinks and never moves the advertised right edge left (RFC 9293 SHLD-14); the SYN's window
 * scale fits the limit (RFC 7323 §2.3); WEIR_TCP_OPT_RCVBUF turns it off for a socket.
 *
 * Two kinds of test. Segment by segment with the harness: a fake peer fills exactly the window
 * the stack advertises, once per RTT, and the application reads (or not) as each arrives; every
 * segment the stack sends is checked. And one whole transfer between two stacks over a long
 * in-memory link in virtual time (bench/weir_pair.c, as test_tcp_lossy_link), with every byte
 * checked. Sizes and edges are asserted, never times. */
#include "harness.h"

#include <string.h>

#include "weir_pair.h"

#define AUTO_MAX_DEFAULT (4u << 20)
#define SEG 1448u

/* ---- the window the stack offers ------------------------------------------------------------ */

/* The peer's side of a one-way transfer to the stack (active open, so h->sock reads). */
typedef struct flow {
    harness *h;
    uint8_t shift;     /* the stack's window scale, as the peer applies it (0: not agreed) */
    uint32_t next;     /* relative sequence number of the peer's next byte */
    uint32_t edge;     /* the right edge the stack advertised last (relative) */
    uint32_t received; /* bytes the application read, each one checked */
    uint32_t max_window;
    uint32_t max_buffer; /* weir_tcp_info.recv_buffer after the latest read (never less) */
} flow;

static uint8_t seg_buf[SEG], read_buf[1u << 20], want_buf[1u << 20];

/* Take every segment the stack sent: the right edge it advertises never moves left. */
static void take_acks(flow *f)
{
    h_seg g;
    while (h_pop(f->h, &g)) {
        assert_true(g.flags & H_ACK);
        uint32_t window = (uint32_t)g.window << f->shift;
        uint32_t edge = g.rack + window;
        if (edge < f->edge)
            fail_msg("right edge moved left: %u after %u (ack %u, window %u)", edge, f->edge,
                     g.rack, window);
        f->edge = edge;
        if (window > f->max_window)
            f->max_window = window;
    }
}

/* The application reads everything there is; each byte must be the stream's next one. */
static void app_read(flow *f)
{
    int n;
    while ((n = h_app_recv(f->h, read_buf, sizeof read_buf)) > 0) {
        h_pattern(want_buf, (size_t)n, f->received);
        assert_memory_equal(read_buf, want_buf, (size_t)n);
        f->received += (uint32_t)n;
    }
    weir_tcp_info info = h_info(f->h);
    if (info.recv_buffer < f->max_buffer)
        fail_msg("the receive buffer shrank: %u after %u", info.recv_buffer, f->max_buffer);
    f->max_buffer = info.recv_buffer;
    take_acks(f);
}

/* One round trip: the peer sends the window offered when the round began (what a window-
 * limited sender has in flight), the application reading each segment as it arrives
 * (keeps_up) or not at all; the ACKs reach the peer one RTT later. */
static void round_trip(flow *f, bool keeps_up)
{
    uint32_t end = f->edge;
    while (f->next < end) {
        uint32_t n = end - f->next < SEG ? end - f->next : SEG;
        h_pattern(seg_buf, n, f->next - 1);
        h_send(f->h, H_ACK, f->next, 1, H_WIN, seg_buf, n);
        f->next += n;
        if (keeps_up)
            app_read(f);
        else
            take_acks(f);
    }
    h_advance(f->h, H_RTT);
    take_acks(f);
}

/* Active open with a SYN-ACK one RTT later (so SRTT = H_RTT) that agrees to window scaling
 * (shift `peer_ws`) or not (-1). No timestamps: the peer's segments need no options. */
static flow flow_open(harness *h, int peer_ws)
{
    if (h->sock < 0)
        h_syn_sent(h);
    const h_seg *syn = &h->last;
    uint8_t ours = syn->opt.has_wscale ? syn->opt.wscale : 0;
    uint16_t syn_window = syn->window;
    h_advance(h, H_RTT);
    weir_tcp_repr r = {.flags = H_SYN | H_ACK, .seq = h->irs, .ack = h->iss + 1, .window = H_WIN};
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    r.opt.has_wscale = peer_ws >= 0;
    r.opt.wscale = (uint8_t)(peer_ws >= 0 ? peer_ws : 0);
    h_inject(h, &r);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_int_equal(h_info(h).srtt_us, H_RTT);
    flow f = {.h = h, .shift = peer_ws >= 0 ? ours : 0, .next = 1, .edge = 1 + syn_window};
    take_acks(&f);
    h_clear_events(h);
    return f;
}

static void finish(flow *f)
{
    /* Everything was read: the ring is freed, however large the buffer grew. */
    assert_int_equal(h_info(f->h).recv_queued, 0);
    assert_int_equal(h_info(f->h).recv_buffer_alloc, 0);
    assert_int_equal(f->received, f->next - 1);
    h_finish(f->h);
}

static void default_syn_offers_the_scale_auto_tuning_needs(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    assert_true(h->last.opt.has_wscale);
    assert_int_equal(h->last.opt.wscale, 7); /* 4 MiB >> 7 fits 16 bits, >> 6 does not */
    /* A SYN's window is never scaled, but it is what the first scaled ACK will say, so that
     * the edge does not retract: 511 units of 128. */
    assert_int_equal(h->last.window, 65408);
    assert_int_equal(h_info(h).recv_buffer, 65535);
    assert_int_equal(h_info(h).recv_buffer_alloc, 0);
    h_finish(h);
}

static void syn_ack_offers_the_scale_auto_tuning_needs(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    weir_tcp_repr r = {.flags = H_SYN, .seq = h->irs, .window = H_WIN};
    r.opt.has_wscale = true;
    r.opt.wscale = 2;
    h_inject(h, &r);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_true(g.opt.has_wscale);
    assert_int_equal(g.opt.wscale, 7);
    h_finish(h);
}

static void auto_tuning_off_offers_the_scale_of_the_buffer(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer_auto_max = 0; /* weir's default before auto-tuning */
    h_start(h);
    h_syn_sent(h);
    assert_true(h->last.opt.has_wscale);
    assert_int_equal(h->last.opt.wscale, 0);
    h_finish(h);
}

/* connect() from a socket whose WEIR_TCP_OPT_RCVBUF is set: the SYN it sends. */
static h_seg connect_with_rcvbuf(harness *h, int rcvbuf)
{
    h->sock = weir_tcp_socket(h->s);
    assert_true(h->sock >= 0);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_RCVBUF, rcvbuf), 0);
    assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){H_PEER_IP, h->pport}), 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN);
    return g;
}

/* RCVBUF: the application chose the size, so the scale is sized from it alone. */
static void rcvbuf_sizes_the_scale_from_the_buffer_alone(void **state)
{
    (void)state;
    harness *h = h_new();
    h_seg g = connect_with_rcvbuf(h, 131072);
    assert_int_equal(g.opt.wscale, 2); /* 131072 >> 1 = 65536 does not fit */
    h_finish(h);
}

static void config_rejects_a_bad_auto_max(void **state)
{
    (void)state;
    harness *h = h_new_config();
    weir_stack *s = NULL;
    weir_stack_config c = h->cfg;
    assert_int_equal(c.tcp.recv_buffer_auto_max, AUTO_MAX_DEFAULT);
    c.tcp.recv_buffer_auto_max = (1u << 30) + 1; /* beyond recv_buffer's own limit */
    assert_int_equal(weir_stack_create(&c, &s), WEIR_EINVAL);
    c.tcp.recv_buffer_auto_max = c.tcp.recv_buffer - 1; /* below where the buffer starts */
    assert_int_equal(weir_stack_create(&c, &s), WEIR_EINVAL);
    c = h->cfg;
    c.tcp.recv_buffer = 8u << 20; /* past the default limit: the limit must be chosen too */
    assert_int_equal(weir_stack_create(&c, &s), WEIR_EINVAL);
    assert_null(s);
    uint32_t good[] = {0, 8u << 20, 1u << 30};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        c.tcp.recv_buffer_auto_max = good[i];
        assert_int_equal(weir_stack_create(&c, &s), 0);
        weir_stack_destroy(s);
        s = NULL;
    }
    h_start(h);
    h_finish(h);
}

static void buffer_grows_while_the_reader_keeps_up(void **state)
{
    (void)state;
    harness *h = h_new();
    flow f = flow_open(h, 7);
    assert_int_equal(f.shift, 7);
    round_trip(&f, true);
    assert_int_equal(h_info(h).recv_buffer, 65535); /* not one whole RTT of reading seen yet */
    round_trip(&f, true);
    /* An RTT in which the application read a window: twice that. */
    assert_true(h_info(h).recv_buffer >= 2u * 65000);
    assert_true(f.max_window > 65535);
    /* The window follows the buffer, the reads follow the window: doubling (every other RTT
     * here, where the peer sends a round's window at once), up to the limit. */
    for (int i = 0; i < 16 && h_info(h).recv_buffer < AUTO_MAX_DEFAULT; i++)
        round_trip(&f, true);
    assert_int_equal(h_info(h).recv_buffer, AUTO_MAX_DEFAULT);
    round_trip(&f, true);
    round_trip(&f, true);
    assert_true(f.max_window > AUTO_MAX_DEFAULT / 2);
    assert_int_equal(f.max_buffer, AUTO_MAX_DEFAULT);
    assert_true(f.max_window <= AUTO_MAX_DEFAULT);
    int v = 0;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_RCVBUF, &v), 0);
    assert_int_equal(v, AUTO_MAX_DEFAULT);
    finish(&f);
}

static void buffer_never_exceeds_the_auto_max(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer_auto_max = 200000; /* no power of two: the limit itself is used */
    h_start(h);
    h_syn_sent(h);
    assert_int_equal(h->last.opt.wscale, 2);
    flow f = flow_open(h, 7);
    for (int i = 0; i < 8; i++)
        round_trip(&f, true);
    assert_int_equal(f.max_buffer, 200000);
    assert_int_equal(h_info(h).recv_buffer, 200000);
    assert_true(f.max_window <= 200000);
    finish(&f);
}

/* A reader that drains the whole buffer once a second is slow, however much it takes at once. */
static void buffer_stays_while_the_reader_is_slow(void **state)
{
    (void)state;
    harness *h = h_new();
    flow f = flow_open(h, 7);
    for (int i = 0; i < 6; i++) {
        round_trip(&f, false);
        h_advance(h, 1000000);
        app_read(&f);
    }
    assert_int_equal(f.max_buffer, 65535);
    assert_true(f.max_window <= 65535);
    finish(&f);
}

static void buffer_stays_when_rcvbuf_was_set(void **state)
{
    (void)state;
    harness *h = h_new();
    h_seg g = connect_with_rcvbuf(h, 131072);
    h->iss = g.seq;
    h->lport = g.sport;
    h->last = g;
    flow f = flow_open(h, 7); /* shift 2 would let it grow to 262140 */
    for (int i = 0; i < 6; i++)
        round_trip(&f, true);
    assert_int_equal(f.max_buffer, 131072);
    assert_true(f.max_window <= 131072);
    finish(&f);
}

/* Without window scaling no window beyond 65535 can be said: a larger buffer would be waste. */
static void buffer_stays_without_window_scaling(void **state)
{
    (void)state;
    harness *h = h_new();
    flow f = flow_open(h, -1);
    for (int i = 0; i < 6; i++)
        round_trip(&f, true);
    assert_int_equal(h_info(h).rcv_wscale, 0);
    assert_int_equal(f.max_buffer, 65535);
    assert_true(f.max_window <= 65535);
    finish(&f);
}

/* ---- a whole transfer over a long path ------------------------------------------------------ */

enum {
    LP_PORT = 5001,
    LP_BYTES = 16 << 20,
    LP_START = 65536,    /* the receive buffer it starts from */
    LP_DELAY_US = 25000, /* one way: an RTT of 50 ms */
    LP_MAX_TURNS = 10000000,
};

typedef struct lp_run {
    bench_pair pair;
    bench_flow flow; /* the applications and the virtual-time loop: bench/weir_pair.c */
    uint8_t shift; /* the server's window scale, from its SYN-ACK */
    uint32_t edge; /* the right edge the server advertised last (absolute) */
    bool edge_known, edge_moved_left;
    uint32_t max_buffer; /* largest recv_buffer the server's socket reported */
    int rcvbuf;          /* > 0: the listener's WEIR_TCP_OPT_RCVBUF */
    uint8_t want[BENCH_FLOW_CHUNK];
} lp_run;

/* The server's segments, from the trace hook: its advertised right edge never moves left. */
static void lp_trace(void *ctx, const weir_trace_event *ev)
{
    lp_run *r = ctx;
    const weir_segment_info *g = &ev->seg;
    if (ev->kind != WEIR_TRACE_SEGMENT_OUT || g->src_port != LP_PORT || (g->flags & WEIR_TH_RST))
        return;
    if (g->flags & WEIR_TH_SYN) {
        r->shift = g->has_wscale ? g->wscale : 0; /* the client offers scaling too */
        return;
    }
    uint32_t edge = g->ack + ((uint32_t)g->window << r->shift);
    if (r->edge_known && (int32_t)(edge - r->edge) < 0)
        r->edge_moved_left = true;
    r->edge = edge;
    r->edge_known = true;
}

static void lp_fill(uint8_t *buf, size_t n, uint64_t offset) { h_pattern(buf, n, (uint32_t)offset); }

/* Every byte read is the one sent there; the buffer's growth is sampled after each read. */
static void lp_on_read(void *ctx, const uint8_t *buf, size_t n, uint64_t offset)
{
    lp_run *r = ctx;
    h_pattern(r->want, n, (uint32_t)offset);
    if (memcmp(buf, r->want, n) != 0)
        fail_msg("wrong bytes at offset %llu", (unsigned long long)offset);
    weir_tcp_info info;
    if (weir_tcp_get_info(r->pair.stack[BENCH_SERVER], r->flow.server, &info) == 0 &&
        info.recv_buffer > r->max_buffer)
        r->max_buffer = info.recv_buffer;
}

static int lp_before_listen(void *ctx, weir_stack *server, int listener)
{
    const lp_run *r = ctx;
    return r->rcvbuf > 0 ? weir_tcp_setopt(server, listener, WEIR_TCP_OPT_RCVBUF, r->rcvbuf) : 0;
}

/* A 16 MB transfer from a client with a 4 MB send buffer to a server whose receive buffer
 * starts at 64 kB; rcvbuf > 0 sets the listener's WEIR_TCP_OPT_RCVBUF. */
static lp_run *lp_transfer(int rcvbuf)
{
    lp_run *r = test_calloc(1, sizeof *r);
    assert_non_null(r);
    bench_pair_config cfg;
    bench_pair_config_init(&cfg);
    cfg.fault.delay_min_us = cfg.fault.delay_max_us = LP_DELAY_US;
    cfg.queue_limit = 2u * AUTO_MAX_DEFAULT / 500u + 1024u; /* the link itself never drops */
    cfg.stack.trace = lp_trace;
    cfg.stack.trace_ctx = r;
    cfg.stack.tcp.send_buffer = AUTO_MAX_DEFAULT;
    cfg.stack.tcp.recv_buffer = LP_START;
    assert_int_equal(bench_pair_create(&r->pair, &cfg), 0);
    bench_flow *f = &r->flow;
    f->now_us = 1000000;
    f->fill = lp_fill;
    f->on_read = lp_on_read;
    f->before_listen = lp_before_listen;
    f->ctx = r;
    r->rcvbuf = rcvbuf;
    assert_int_equal(bench_flow_listen(f, &r->pair, LP_PORT, LP_BYTES), 0);
    assert_int_equal(bench_flow_connect(f), 0);
    weir_stack *srv = r->pair.stack[BENCH_SERVER];
    assert_null(bench_flow_run(f, LP_MAX_TURNS, UINT64_MAX));
    assert_int_equal(f->received, LP_BYTES);
    assert_false(r->edge_moved_left);
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(srv, f->server, &info), 0);
    assert_int_equal(info.recv_buffer_alloc, 0); /* drained: no ring held */
    return r;
}

static void lp_free(lp_run *r)
{
    bench_pair_destroy(&r->pair);
    test_free(r);
}

static void long_path_transfer_grows_the_buffer_and_delivers_every_byte(void **state)
{
    (void)state;
    lp_run *r = lp_transfer(0);
    assert_int_equal(r->shift, 7);
    print_message("receive buffer: %u -> %u bytes\n", (unsigned)LP_START, r->max_buffer);
    assert_true(r->max_buffer > LP_START);
    assert_true(r->max_buffer <= AUTO_MAX_DEFAULT);
    lp_free(r);
}

static void long_path_transfer_with_rcvbuf_keeps_the_buffer(void **state)
{
    (void)state;
    lp_run *r = lp_transfer(LP_START); /* the accepted socket inherits the listener's choice */
    assert_int_equal(r->shift, 1);
    assert_int_equal(r->max_buffer, LP_START);
    lp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(default_syn_offers_the_scale_auto_tuning_needs),
        H_TEST(syn_ack_offers_the_scale_auto_tuning_needs),
        H_TEST(auto_tuning_off_offers_the_scale_of_the_buffer),
        H_TEST(rcvbuf_sizes_the_scale_from_the_buffer_alone),
        H_TEST(config_rejects_a_bad_auto_max),
        H_TEST(buffer_grows_while_the_reader_keeps_up),
        H_TEST(buffer_never_exceeds_the_auto_max),
        H_TEST(buffer_stays_while_the_reader_is_slow),
        H_TEST(buffer_stays_when_rcvbuf_was_set),
        H_TEST(buffer_stays_without_window_scaling),
        cmocka_unit_test(long_path_transfer_grows_the_buffer_and_delivers_every_byte),
        cmocka_unit_test(long_path_transfer_with_rcvbuf_keeps_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
