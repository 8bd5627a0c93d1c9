/* weir_conns.c — what an idle established connection costs (benchmark 3).
 *
 *   weir_conns [--n 10000] [--max-seconds 120] [--batch 256] [--check]
 *
 * Opens --n connections from a client stack to a server stack in one process, accepts every one
 * of them, and reports how much the process's resident memory grew (VmRSS before and after) per
 * connection and per socket (each connection is two sockets, one per stack) — the same way
 * bench/run.sh measures the kernel's slab cost per socket. It also reports the stacks' own
 * accounting (weir_stats.mem_in_use), which excludes the C library allocator's overhead.
 *
 * One memlink joins the stacks. The server listens on one port per 60,000 connections (80, 81,
 * ...): the client's ephemeral ports (1024..65535) are shared between connections to different
 * server ports (RFC 6056 §2.2: only the four-tuple must be unique), so one client address
 * reaches a million connections. Connection setup is not what is measured, so time is virtual: it advances
 * 10 µs per loop turn (no timer is ever due). The run gives up after --max-seconds of wall time
 * and reports how many connections it reached (why=time_limit). A stack whose socket table cannot
 * be made that large ends it at once (why=max_sockets_refused); --check does only that much. The baseline is taken after the stacks
 * exist and the benchmark's own handle arrays are touched, so the delta is what connections cost.
 * Prints progress and a `result` line (bench_util.h). */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "weir_pair.h"

enum {
    CONNS_PORT = 80,
    CONNS_PER_PORT = 60000,
    CONNS_MAX_PORTS = 64,
    CONNS_TURN_US = 10,
    CONNS_SETTLE_TURNS = 100, /* turns after the last connection, for the last ACKs to land */
};
#define CONNS_MAX_N (UINT64_C(1) << 24)

typedef struct conns_options {
    uint64_t n, batch;
    double max_seconds;
    bool check; /* only create the stacks: can they hold n connections at all? */
} conns_options;

typedef struct conns_run {
    const conns_options *opt;
    bench_pair pair;
    int listener[CONNS_MAX_PORTS];
    uint32_t listeners;
    int *client_socks, *server_socks; /* [n] */
    uint64_t opened, connected, accepted, errors;
    uint64_t now_us;
    uint64_t wall_start_ns;
    double next_progress;
} conns_run;

/* ---- one turn ----------------------------------------------------------------------------- */

/* Keep at most --batch handshakes in flight, so the link queues stay small. */
static int open_more(conns_run *r)
{
    weir_stack *s = r->pair.stack[BENCH_CLIENT];
    bench_pair_set_time(&r->pair, r->now_us);
    while (r->opened < r->opt->n && r->opened - r->connected < r->opt->batch) {
        uint16_t port = (uint16_t)(CONNS_PORT + r->opened / CONNS_PER_PORT);
        int sock = weir_tcp_socket(s);
        if (sock < 0)
            return sock;
        weir_endpoint srv = {.ip = bench_pair_ip(0, BENCH_SERVER), .port = port};
        int rc = weir_tcp_connect(s, sock, srv);
        if (rc != 0)
            return rc;
        r->client_socks[r->opened++] = sock;
    }
    return 0;
}

static void drain_client(conns_run *r)
{
    weir_event ev;
    /* Coalesced per socket: at most one pending event per handle, so n + 1 bounds the loop. */
    for (uint64_t k = 0; k <= r->opt->n && weir_stack_next_event(r->pair.stack[0], &ev); k++) {
        if (ev.type == WEIR_EV_CONNECTED)
            r->connected++;
        else if (ev.type == WEIR_EV_ERROR)
            r->errors++;
    }
}

static int listener_index(const conns_run *r, int sock)
{
    for (uint32_t i = 0; i < r->listeners; i++)
        if (r->listener[i] == sock)
            return (int)i;
    return -1;
}

static void drain_server(conns_run *r)
{
    weir_stack *s = r->pair.stack[BENCH_SERVER];
    weir_event ev;
    for (uint64_t k = 0; k <= r->opt->n && weir_stack_next_event(s, &ev); k++) {
        if (ev.type == WEIR_EV_ERROR)
            r->errors++;
        int l = listener_index(r, ev.sock);
        if (l < 0)
            continue;
        /* Take everything queued: the listener raises ACCEPTABLE once for the lot. */
        while (r->accepted < r->opt->n) {
            weir_endpoint peer;
            int sock = weir_tcp_accept(s, r->listener[l], &peer);
            if (sock < 0)
                break;
            r->server_socks[r->accepted++] = sock;
        }
    }
}

static void progress(conns_run *r)
{
    double t = bench_seconds(r->wall_start_ns, bench_now_ns());
    if (t < r->next_progress)
        return;
    r->next_progress = t + 10;
    printf("weir_conns: %" PRIu64 " of %" PRIu64 " established after %.0f s (RSS %ld kB)\n",
           r->accepted, r->opt->n, t, bench_vmrss_kb());
    fflush(stdout);
}

/* Returns NULL when all n are established on both sides, else why it stopped. */
static const char *run_loop(conns_run *r)
{
    uint64_t settle = 0;
    /* Each turn completes handshakes or advances time; 100 turns per connection is generous. */
    for (uint64_t turn = 0; turn < 100u * r->opt->n + 1000u; turn++) {
        if (bench_seconds(r->wall_start_ns, bench_now_ns()) > r->opt->max_seconds)
            return "time_limit";
        int rc = open_more(r);
        if (rc != 0)
            return weir_err_name(rc);
        r->now_us += CONNS_TURN_US;
        bench_pair_step(&r->pair, r->now_us);
        drain_client(r);
        drain_server(r);
        if (r->errors != 0)
            return "connection_error";
        progress(r);
        bool done = r->connected == r->opt->n && r->accepted == r->opt->n;
        settle = done && !bench_pair_links_busy(&r->pair) ? settle + 1 : 0;
        if (settle > CONNS_SETTLE_TURNS)
            return NULL;
    }
    return "loop_turn_limit";
}

/* ---- setup and report ---------------------------------------------------------------------- */

static int setup(conns_run *r)
{
    uint64_t n = r->opt->n;
    bench_pair_config cfg;
    bench_pair_config_init(&cfg);
    cfg.links = 1;
    cfg.queue_limit = (uint32_t)(4u * r->opt->batch + 1024u);
    weir_stack_config *sc = &cfg.stack;
    sc->max_sockets = (uint32_t)(n + 64u);
    sc->max_connections = (uint32_t)(n + 64u);
    sc->ephemeral_lo = 1024;
    sc->ephemeral_hi = 65535;
    int rc = bench_pair_create(&r->pair, &cfg);
    if (rc != 0)
        return rc;
    weir_stack *srv = r->pair.stack[BENCH_SERVER];
    r->listeners = (uint32_t)((n + CONNS_PER_PORT - 1) / CONNS_PER_PORT);
    uint64_t backlog = 2u * r->opt->batch < 65535u ? 2u * r->opt->batch : 65535u;
    for (uint32_t i = 0; i < r->listeners; i++) {
        int l = weir_tcp_socket(srv);
        if (l < 0)
            return l;
        r->listener[i] = l;
        rc = weir_tcp_bind(srv, l, (weir_endpoint){.ip = 0, .port = (uint16_t)(CONNS_PORT + i)});
        if (rc == 0)
            rc = weir_tcp_listen(srv, l, (int)backlog);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static uint64_t stack_mem(const conns_run *r)
{
    weir_stats a, b;
    weir_stats_get(r->pair.stack[0], &a);
    weir_stats_get(r->pair.stack[1], &b);
    return a.mem_in_use + b.mem_in_use;
}

static bool parse_option(conns_options *o, const char *name, const char *val)
{
    if (strcmp(name, "--n") == 0)
        return bench_parse_count(val, &o->n) && o->n >= 1 && o->n <= CONNS_MAX_N &&
               o->n <= (uint64_t)CONNS_MAX_PORTS * CONNS_PER_PORT;
    if (strcmp(name, "--batch") == 0)
        return bench_parse_count(val, &o->batch) && o->batch >= 1 && o->batch <= 65536;
    if (strcmp(name, "--max-seconds") == 0)
        return bench_parse_double(val, &o->max_seconds) && o->max_seconds > 0;
    return false;
}

static void parse_options(int argc, char **argv, conns_options *o)
{
    *o = (conns_options){.n = 10000, .batch = 256, .max_seconds = 120};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            o->check = true;
        else if (i + 1 >= argc)
            bench_usage("weir_conns", "%s needs a value", argv[i]);
        else if (!parse_option(o, argv[i], argv[i + 1]))
            bench_usage("weir_conns", "bad option or value: %s %s", argv[i], argv[i + 1]);
        else
            i++;
    }
}

/* Set up, open the connections and report. Returns true when all --n were established. */
static bool measure(conns_run *r)
{
    const conns_options *opt = r->opt;
    /* Touch the benchmark's own arrays now, so that they are part of the baseline. */
    memset(r->client_socks, 0xff, opt->n * sizeof(int));
    memset(r->server_socks, 0xff, opt->n * sizeof(int));
    r->wall_start_ns = bench_now_ns();
    int rc = setup(r);
    long rss0 = bench_vmrss_kb();
    uint64_t mem0 = rc == 0 ? stack_mem(r) : 0;
    const char *failure = rc != 0 ? weir_err_name(rc) : opt->check ? NULL : run_loop(r);
    /* A socket handle's slot is 16 bits today, so a stack refuses a larger table: say so
     * plainly rather than as a bare WEIR_EINVAL. */
    if (rc == WEIR_EINVAL && opt->n + 64u > 65535u)
        failure = "max_sockets_refused";
    long rss1 = bench_vmrss_kb();
    uint64_t mem1 = rc == 0 ? stack_mem(r) : 0;
    double secs = bench_seconds(r->wall_start_ns, bench_now_ns());
    uint64_t reached = r->connected < r->accepted ? r->connected : r->accepted;
    double per_conn = reached ? (double)(rss1 - rss0) * 1024.0 / (double)reached : 0.0;
    double stack_per_conn = reached ? (double)(mem1 - mem0) / (double)reached : 0.0;
    if (failure != NULL)
        fprintf(stderr, "weir_conns: gave up at %" PRIu64 " of %" PRIu64 " connections: %s\n",
                reached, opt->n, failure);
    bench_result("name=weir_conns ok=%d n=%" PRIu64 " reached=%" PRIu64 " seconds=%.1f"
                 " rss_before_kb=%ld rss_after_kb=%ld bytes_per_conn=%.0f bytes_per_socket=%.0f"
                 " stack_bytes_per_socket=%.0f why=%s",
                 failure == NULL, opt->n, reached, secs, rss0, rss1, per_conn, per_conn / 2.0,
                 stack_per_conn / 2.0, failure != NULL ? failure : "none");
    bench_pair_destroy(&r->pair);
    return failure == NULL;
}

int main(int argc, char **argv)
{
    conns_options opt;
    parse_options(argc, argv, &opt);
    conns_run r = {.opt = &opt, .now_us = 1};
    r.client_socks = calloc(opt.n, sizeof(int));
    r.server_socks = calloc(opt.n, sizeof(int));
    bool ok = r.client_socks != NULL && r.server_socks != NULL && measure(&r);
    free(r.client_socks);
    free(r.server_socks);
    return ok ? 0 : 1;
}
