/* weir_bulk.c — one bulk TCP transfer between two weir stacks in one process (bench/run.sh
 * benchmarks 1, 4 and 5).
 *
 *   weir_bulk [--bytes 2G] [--mtu 1500] [--buffer 4M] [--clock real|virtual] [--delay-us 0]
 *             [--loss P] [--cc cubic|newreno] [--no-sack] [--seed 1] [--max-seconds 30]
 *             [--csum-offload] [--rcv-buffer N] [--rcv-auto-max 4M] [--tx-ring 0]
 *             [--threads 1|2] [--ring-slots 256] [--pacing] [--burst]
 *
 * The client (side 0) connects to the server (side 1), writes --bytes and half-closes; the server
 * reads until end of stream. The figure is payload bytes delivered to the server's application
 * over the time from connect() to the last byte read.
 *
 * Two clocks, because two questions:
 *  - real (benchmark 1): CLOCK_MONOTONIC drives both stacks and the link, so the time a turn of
 *    the loop takes is the time the stacks see. The link adds no delay: the RTT the stacks
 *    measure is the real time between sending a segment and the loop handing its ACK back — tens
 *    of microseconds, as on a fast LAN — and RTO, delayed-ACK and TLP timers run in real time.
 *    Nothing is faked, so Gbit/s of wall time is the honest unit. One thread runs both stacks,
 *    so this is one core doing both ends' work — or, with --threads 2, each stack runs on a
 *    thread of its own (both cores, as the kernel's sender and receiver processes) and a
 *    ringlink of --ring-slots frames per direction joins them; its back-pressure (tx_ready)
 *    holds data in the send buffer while the ring is full.
 *  - virtual (benchmarks 4 and 5): time jumps to the next thing due (a frame's arrival after
 *    --delay-us, a timer), the link's faults are seeded, and a run is the same on every machine.
 *    The figure is Mbit/s of virtual time: what the protocol achieves over that link, not how
 *    fast the CPU is.
 * --csum-offload declares both interfaces checksum-offloading (WEIR_NETIF_CSUM_ALL), as a veth
 * with tx/rx checksumming on is: the in-memory link copies frames intact, so the stacks neither
 * fill nor check IPv4 and TCP checksums — the kernel's "offloads on, TSO/GSO/GRO off" setting.
 * --buffer sets both buffers, --rcv-buffer the receive buffer alone (where auto-tuning starts);
 * --rcv-auto-max is where auto-tuning stops (the stack's default, 4M, or the receive buffer if
 * larger; 0 = a fixed buffer, as before auto-tuning). The result's rcvbuf is the server's
 * receive buffer at the end. --tx-ring gives the single-threaded memlink back-pressure: busy
 * while that many frames of one end wait (0: never). --pacing turns on the stacks' pacing
 * (WEIR_TCP_OPT_PACING). --burst hands each turn's frames to a stack as one input burst
 * (weir_netif_input_begin/end, RFC 9293 MUST-59): one ACK per burst instead of one per two
 * segments, as a driver reading a batch from its device would.
 * Prints a `result` line (bench_util.h) and exits 0 when every byte arrived, 1 otherwise. */
#define _GNU_SOURCE

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "weir_pair.h"

enum {
    BULK_PORT = 5001,
    BULK_EVENTS_PER_TURN = 10000, /* events are coalesced per socket: a few per turn is normal */
    BULK_SAME_INSTANT = 1000000,  /* virtual clock: loop turns without time advancing */
};
#define BULK_MAX_TURNS UINT64_C(2000000000)
#define BULK_VIRTUAL_LIMIT_US (UINT64_C(3600) * 1000000u) /* an hour of virtual time */

typedef struct bulk_options {
    uint64_t bytes;
    uint64_t buffer;
    uint64_t rcv_buffer;   /* 0: --buffer */
    uint64_t rcv_auto_max; /* UINT64_MAX: the default */
    uint64_t delay_us;
    uint64_t seed;
    double loss;
    double max_seconds;
    uint32_t tx_ring;
    uint32_t threads;    /* 1: one loop runs both stacks; 2: a thread per stack (a ringlink) */
    uint32_t ring_slots; /* --threads 2: the ring's frames per direction */
    uint16_t mtu;
    bool virtual_clock;
    bool sack;
    bool csum_offload;
    bool pacing;
    bool burst;
    weir_tcp_cc cc;
} bulk_options;

typedef struct bulk_run {
    const bulk_options *opt;
    bench_pair pair;
    bench_flow flow; /* the two applications: weir_pair.c */
    uint64_t start_us;
    uint64_t wall_start_ns;
    atomic_bool done; /* --threads 2: the run is over (set by either thread) */
} bulk_run;

/* ---- setup ------------------------------------------------------------------------------ */

static int setup(bulk_run *r)
{
    const bulk_options *o = r->opt;
    bench_pair_config cfg;
    bench_pair_config_init(&cfg);
    cfg.mtu = o->mtu;
    cfg.seed = o->seed;
    cfg.fault.loss = o->loss;
    cfg.fault.delay_min_us = o->delay_us;
    cfg.fault.delay_max_us = o->delay_us;
    cfg.csum_offload = o->csum_offload ? WEIR_NETIF_CSUM_ALL : 0;
    /* Room for two full windows in flight: the link must never be the bottleneck or drop. */
    cfg.queue_limit = (uint32_t)(2u * o->buffer / 500u + 1024u);
    cfg.tx_ring = o->tx_ring;
    cfg.input_burst = o->burst;
    cfg.threaded_slots = o->threads == 2 ? o->ring_slots : 0;
    weir_tcp_config *t = &cfg.stack.tcp;
    t->send_buffer = (uint32_t)o->buffer;
    t->recv_buffer = (uint32_t)(o->rcv_buffer ? o->rcv_buffer : o->buffer);
    t->recv_buffer_max = t->recv_buffer;
    if (o->rcv_auto_max != UINT64_MAX)
        t->recv_buffer_auto_max = (uint32_t)o->rcv_auto_max;
    else if (t->recv_buffer_auto_max < t->recv_buffer)
        t->recv_buffer_auto_max = t->recv_buffer;
    t->window_scale = true;
    t->sack = o->sack;
    t->congestion_control = o->cc;
    t->pacing = o->pacing;
    int rc = bench_pair_create(&r->pair, &cfg);
    if (rc != 0)
        return rc;
    r->flow.now_us = r->start_us;
    rc = bench_flow_listen(&r->flow, &r->pair, BULK_PORT, o->bytes);
    memset(r->flow.chunk, 'w', sizeof r->flow.chunk);
    return rc != 0 ? rc : bench_flow_connect(&r->flow);
}

/* ---- the clocks ------------------------------------------------------------------------------ */

static uint64_t real_now_us(const bulk_run *r)
{
    return (bench_now_ns() - r->wall_start_ns) / 1000u + 1u;
}

/* The next virtual instant: the earliest thing due. 0 when nothing is scheduled at all. */
static uint64_t virtual_next_us(const bulk_run *r)
{
    uint64_t next = bench_pair_next_deadline(&r->pair);
    if (next == UINT64_MAX)
        return 0;
    return next > r->flow.now_us ? next : r->flow.now_us;
}

static bool out_of_time(const bulk_run *r)
{
    return bench_seconds(r->wall_start_ns, bench_now_ns()) > r->opt->max_seconds ||
           r->flow.now_us > BULK_VIRTUAL_LIMIT_US;
}

static const char *run_loop(bulk_run *r)
{
    bench_flow *f = &r->flow;
    uint64_t same_instant = 0;
    for (uint64_t turn = 0; turn < BULK_MAX_TURNS; turn++) {
        if (f->error != 0)
            return weir_err_name(f->error);
        if (f->eof)
            return NULL;
        /* A virtual loop needs no clock but this check, and turns far faster: every 1024th. */
        if ((!r->opt->virtual_clock || (turn & 1023u) == 0) && out_of_time(r))
            return "time limit";
        uint64_t next = r->opt->virtual_clock ? virtual_next_us(r) : real_now_us(r);
        if (next == 0)
            return "stalled: nothing scheduled";
        same_instant = next == f->now_us ? same_instant + 1 : 0;
        if (same_instant > BULK_SAME_INSTANT)
            return "livelock: time does not advance";
        f->now_us = next;
        bench_pair_step(&r->pair, f->now_us);
        bench_flow_drain(f, BULK_EVENTS_PER_TURN);
    }
    return "loop turn limit";
}

/* ---- two threads ----------------------------------------------------------------------------
 * Each stack runs on its own thread, as an application that gives each core a stack would: the
 * kernel's side of benchmark 1 has a sending and a receiving process too. Each thread owns its
 * stack (nothing of a stack is touched by the other thread) and a copy of the flow, of which it
 * uses its own side's fields; the ringlink between them is the only shared structure, with
 * `done`. */

enum { BULK_RING_BATCH = 256 }; /* frames taken from the ring per turn, at most */

typedef struct bulk_side {
    bulk_run *run;
    int side;
    bench_flow flow;
    const char *failure;
} bulk_side;

/* Why this side's loop should stop, or NULL to go on: an error, the end of the stream at the
 * server, or the wall-time limit. Sets *ok when the stop is the good end. */
static const char *side_stop(const bulk_side *t, uint64_t turn, bool *ok)
{
    const bench_flow *f = &t->flow;
    *ok = false;
    if (f->error != 0)
        return weir_err_name(f->error);
    if (t->side == BENCH_SERVER && f->eof) {
        *ok = true;
        return "done";
    }
    if ((turn & 1023u) == 0 &&
        bench_seconds(t->run->wall_start_ns, bench_now_ns()) > t->run->opt->max_seconds)
        return "time limit";
    return NULL;
}

static void *side_main(void *arg)
{
    bulk_side *t = arg;
    bulk_run *r = t->run;
    bench_flow *f = &t->flow;
    weir_stack *s = r->pair.stack[t->side];
    for (uint64_t turn = 0; !atomic_load_explicit(&r->done, memory_order_relaxed); turn++) {
        f->now_us = real_now_us(r);
        bench_pair_receive(&r->pair, t->side, f->now_us, BULK_RING_BATCH);
        weir_stack_poll(s, f->now_us);
        bench_flow_drain_side(f, t->side, BULK_EVENTS_PER_TURN);
        bool ok;
        const char *why = side_stop(t, turn, &ok);
        if (why != NULL) {
            t->failure = ok ? NULL : why;
            atomic_store_explicit(&r->done, true, memory_order_relaxed);
        }
    }
    return NULL;
}

/* Run both threads to the end; the flow's figures come back into r->flow. */
static const char *run_threaded(bulk_run *r)
{
    bulk_side *side = calloc(2, sizeof *side); /* each holds a 64 kB chunk: not on the stack */
    pthread_t thread[2];
    if (side == NULL)
        return "out of memory";
    atomic_init(&r->done, false);
    for (int i = 0; i < 2; i++) {
        side[i] = (bulk_side){.run = r, .side = i, .flow = r->flow};
        if (pthread_create(&thread[i], NULL, side_main, &side[i]) != 0) {
            atomic_store(&r->done, true);
            if (i == 1)
                pthread_join(thread[0], NULL);
            free(side);
            return "pthread_create failed";
        }
    }
    pthread_join(thread[0], NULL);
    pthread_join(thread[1], NULL);
    const bench_flow *c = &side[BENCH_CLIENT].flow, *sv = &side[BENCH_SERVER].flow;
    r->flow.sent = c->sent;
    r->flow.received = sv->received;
    r->flow.server = sv->server;
    r->flow.eof = sv->eof;
    r->flow.end_us = sv->end_us;
    r->flow.now_us = sv->now_us;
    r->flow.error = c->error != 0 ? c->error : sv->error;
    const char *failure = side[BENCH_CLIENT].failure != NULL ? side[BENCH_CLIENT].failure
                                                             : side[BENCH_SERVER].failure;
    free(side);
    return failure;
}

/* ---- the report ---------------------------------------------------------------------------- */

static void report(bulk_run *r, const char *failure, double wall)
{
    const bulk_options *o = r->opt;
    const bench_flow *f = &r->flow;
    uint64_t end = f->end_us ? f->end_us : f->now_us;
    double secs = (double)(end - r->start_us) / 1e6;
    double gbps = secs > 0 ? (double)f->received * 8.0 / secs / 1e9 : 0.0;
    weir_stats rx, tx;
    weir_stats_get(r->pair.stack[BENCH_SERVER], &rx);
    weir_stats_get(r->pair.stack[BENCH_CLIENT], &tx);
    weir_memlink_stats ls;
    bench_pair_link_stats(&r->pair, &ls);
    weir_ringlink_stats rs; /* a threaded run's link: frames refused because a ring was full */
    weir_ringlink_get_stats(r->pair.ring, &rs);
    /* What the sender saw of the path: the RTT its timers run on, and its window at the end. */
    weir_tcp_info info = {0}, rinfo = {0};
    if (f->client >= 0)
        (void)weir_tcp_get_info(r->pair.stack[BENCH_CLIENT], f->client, &info);
    if (f->server >= 0)
        (void)weir_tcp_get_info(r->pair.stack[BENCH_SERVER], f->server, &rinfo);
    if (failure != NULL)
        fprintf(stderr, "weir_bulk: stopped after %" PRIu64 " of %" PRIu64 " bytes: %s\n",
                f->received, o->bytes, failure);
    bench_result("name=weir_bulk ok=%d clock=%s mtu=%u buffer=%" PRIu64 " bytes=%" PRIu64
                 " seconds=%.6f gbps=%.3f mbps=%.2f wall=%.3f loss=%g delay_us=%" PRIu64
                 " cc=%s sack=%d data_segs=%" PRIu64 " ack_segs=%" PRIu64 " retransmits=%" PRIu64
                 " rto=%" PRIu64 " lost=%" PRIu64 " srtt_us=%" PRIu32 " cwnd=%" PRIu32
                 " csum_offload=%d rcvbuf=%" PRIu32 " threads=%u link_full=%" PRIu64 "/%" PRIu64
                 " link_held=%" PRIu64 "/%" PRIu64,
                 failure == NULL, o->virtual_clock ? "virtual" : "real", (unsigned)o->mtu,
                 o->buffer, f->received, secs, gbps, gbps * 1000.0, wall, o->loss, o->delay_us,
                 o->cc == WEIR_TCP_CC_NEWRENO ? "newreno" : "cubic", o->sack,
                 rx.counters[WEIR_CTR_TCP_SEGMENTS_IN], tx.counters[WEIR_CTR_TCP_SEGMENTS_IN],
                 tx.counters[WEIR_CTR_TCP_RETRANSMITS], tx.counters[WEIR_CTR_TCP_RTO_EXPIRED],
                 ls.lost[0] + ls.lost[1], info.srtt_us, info.cwnd, o->csum_offload,
                 rinfo.recv_buffer, (unsigned)o->threads, rs.full[0], rs.full[1],
                 tx.counters[WEIR_CTR_TCP_LINK_HELD], rx.counters[WEIR_CTR_TCP_LINK_HELD]);
}

/* ---- options ------------------------------------------------------------------------------- */

/* One option with a value; false when the name is unknown or the value bad. */
static bool parse_option(bulk_options *o, const char *name, const char *val)
{
    uint64_t v = 0;
    if (strcmp(name, "--bytes") == 0)
        return bench_parse_count(val, &o->bytes) && o->bytes > 0;
    if (strcmp(name, "--buffer") == 0)
        return bench_parse_count(val, &o->buffer) && o->buffer >= 4096 &&
               o->buffer <= (UINT64_C(1) << 30);
    if (strcmp(name, "--rcv-buffer") == 0)
        return bench_parse_count(val, &o->rcv_buffer) && o->rcv_buffer >= 4096 &&
               o->rcv_buffer <= (UINT64_C(1) << 30);
    if (strcmp(name, "--rcv-auto-max") == 0)
        return bench_parse_count(val, &o->rcv_auto_max) && o->rcv_auto_max <= (UINT64_C(1) << 30);
    if (strcmp(name, "--mtu") == 0) {
        if (!bench_parse_count(val, &v) || v < 576 || v > 65535)
            return false;
        o->mtu = (uint16_t)v;
        return true;
    }
    if (strcmp(name, "--threads") == 0) {
        if (!bench_parse_count(val, &v) || (v != 1 && v != 2))
            return false;
        o->threads = (uint32_t)v;
        return true;
    }
    if (strcmp(name, "--ring-slots") == 0) {
        if (!bench_parse_count(val, &v) || v < 2 || v > 65536 || (v & (v - 1)) != 0)
            return false;
        o->ring_slots = (uint32_t)v;
        return true;
    }
    if (strcmp(name, "--tx-ring") == 0) {
        if (!bench_parse_count(val, &v) || v > 65536)
            return false;
        o->tx_ring = (uint32_t)v;
        return true;
    }
    if (strcmp(name, "--delay-us") == 0)
        return bench_parse_count(val, &o->delay_us) && o->delay_us <= 10000000u;
    if (strcmp(name, "--seed") == 0)
        return bench_parse_count(val, &o->seed);
    if (strcmp(name, "--loss") == 0)
        return bench_parse_double(val, &o->loss) && o->loss >= 0 && o->loss < 0.5;
    if (strcmp(name, "--max-seconds") == 0)
        return bench_parse_double(val, &o->max_seconds) && o->max_seconds > 0;
    if (strcmp(name, "--clock") == 0) {
        o->virtual_clock = strcmp(val, "virtual") == 0;
        return o->virtual_clock || strcmp(val, "real") == 0;
    }
    if (strcmp(name, "--cc") == 0) {
        o->cc = strcmp(val, "newreno") == 0 ? WEIR_TCP_CC_NEWRENO : WEIR_TCP_CC_CUBIC;
        return strcmp(val, "newreno") == 0 || strcmp(val, "cubic") == 0;
    }
    return false;
}

static void parse_options(int argc, char **argv, bulk_options *o)
{
    *o = (bulk_options){.bytes = UINT64_C(2) << 30,
                        .buffer = UINT64_C(4) << 20,
                        .rcv_auto_max = UINT64_MAX,
                        .seed = 1,
                        .max_seconds = 30,
                        .mtu = 1500,
                        .threads = 1,
                        .ring_slots = 256,
                        .sack = true,
                        .cc = WEIR_TCP_CC_CUBIC};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-sack") == 0) {
            o->sack = false;
        } else if (strcmp(argv[i], "--csum-offload") == 0) {
            o->csum_offload = true;
        } else if (strcmp(argv[i], "--pacing") == 0) {
            o->pacing = true;
        } else if (strcmp(argv[i], "--burst") == 0) {
            o->burst = true;
        } else if (i + 1 >= argc) {
            bench_usage("weir_bulk", "%s needs a value (see the comment at the top)", argv[i]);
        } else if (!parse_option(o, argv[i], argv[i + 1])) {
            bench_usage("weir_bulk", "bad option or value: %s %s", argv[i], argv[i + 1]);
        } else {
            i++;
        }
    }
    if (o->threads == 2 && (o->virtual_clock || o->loss > 0 || o->delay_us > 0))
        bench_usage("weir_bulk", "--threads 2 runs on the real clock over a perfect link");
    uint64_t rcv = o->rcv_buffer ? o->rcv_buffer : o->buffer;
    if (o->rcv_auto_max != UINT64_MAX && o->rcv_auto_max != 0 && o->rcv_auto_max < rcv)
        bench_usage("weir_bulk", "--rcv-auto-max must be 0 or at least the receive buffer");
}

int main(int argc, char **argv)
{
    bulk_options opt;
    parse_options(argc, argv, &opt);
    bulk_run *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return 1;
    r->opt = &opt;
    r->wall_start_ns = bench_now_ns();
    r->start_us = opt.virtual_clock ? 1 : real_now_us(r);
    int rc = setup(r);
    const char *failure = rc != 0            ? weir_err_name(rc)
                          : opt.threads == 2 ? run_threaded(r)
                                             : run_loop(r);
    report(r, failure, bench_seconds(r->wall_start_ns, bench_now_ns()));
    bench_pair_destroy(&r->pair);
    free(r);
    return failure == NULL ? 0 : 1;
}
