/* weir_churn.c — connection churn between two weir stacks in one process (benchmark 2).
 *
 *   weir_churn [--conc 1] [--seconds 3] [--ports 4] [--msl-us 500000] [--max-connections 262144]
 *              [--seed 1] [--cycles N] [--csum-offload]
 *
 * --conc client slots each run cycles of: connect → send a 100-byte request → the server answers
 * with 100 bytes → the client closes after reading the answer, the server closes when it reads the
 * end of stream. The figure is cycles completed per second of wall time (CLOCK_MONOTONIC drives
 * both stacks, as in weir_bulk's real clock). One thread runs the client stack, the server stack
 * and both applications.
 *
 * TIME-WAIT: the client closes first, so its stack keeps a (compact) TIME-WAIT record for 2*MSL
 * per cycle. Both stacks run with time_wait_reuse, weir's net.ipv4.tcp_tw_reuse=1 (what
 * bench/run.sh sets for the kernel): a connect() may take a timestamped TIME-WAIT four-tuple
 * once it is a second old; --msl-us 500000 also ends TIME-WAIT after a second. The client's
 * ephemeral range is 1024..65535, as the kernel's is set in its namespace. A connect() that finds
 * no port (or no connection record) free is counted and retried on the next turn.
 *
 * --ports: the server listens on that many ports (8080 and up) and the client takes them in turn.
 * Towards one server port, a client address has 64512 four-tuples, and under the one-second
 * reuse rule each can serve one cycle a second: 64.5 k cycles/s is a ceiling for ANY stack with
 * tcp_tw_reuse semantics (weir reached it at --ports 1; the kernel, at ~20 k/s, is far below it,
 * so spreading over ports changes nothing for it). Four ports lift the ceiling to 258 k/s, so the
 * figure measures the stack rather than the size of one port range. *
 * --csum-offload declares both interfaces checksum-offloading (WEIR_NETIF_CSUM_ALL): the stacks
 * neither fill nor check IPv4 and TCP checksums, as the kernel does not on the loopback device
 * kernel_churn runs over (the in-memory link copies frames intact, as loopback does).
 *
 * --cycles N ends the run after N completed cycles (or --seconds, whichever comes first): a fixed
 * amount of work, for counting instructions per cycle under callgrind, e.g.
 *   valgrind --tool=callgrind build/bench/weir_churn --conc 16 --cycles 20000 --seconds 600
 * minus the same run with --cycles 0 (setup and teardown only), divided by N.
 * Prints a `result` line (bench_util.h). */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "weir_pair.h"

enum {
    CHURN_PORT = 8080,
    CHURN_MSG = 100,
    CHURN_MAX_CONC = 1024,
    CHURN_MAX_PORTS = 64,
    CHURN_EVENTS_PER_TURN = 100000,
};
#define CHURN_MAX_TURNS UINT64_C(1000000000)

typedef struct client_slot {
    int sock; /* -1: idle, to be opened */
    uint32_t got;
} client_slot;

typedef struct server_conn {
    int sock; /* -1: free entry */
    uint32_t got;
    bool replied;
} server_conn;

/* Socket handle -> index into the client's slots or the server's connections: an open-addressing
 * table (linear probing, deletion by backward shift), so that an event costs the same at 64
 * concurrent as at 1 instead of a scan of every slot. */
typedef struct sock_map {
    int *keys; /* -1: empty */
    uint32_t *vals;
    uint32_t mask;
} sock_map;

static bool sock_map_init(sock_map *m, uint32_t entries)
{
    uint32_t n = 16;
    while (n < 2 * entries + 2)
        n <<= 1;
    m->mask = n - 1;
    m->keys = malloc(n * sizeof(*m->keys));
    m->vals = calloc(n, sizeof(*m->vals));
    if (m->keys == NULL || m->vals == NULL)
        return false;
    for (uint32_t i = 0; i < n; i++)
        m->keys[i] = -1;
    return true;
}

static void sock_map_free(sock_map *m)
{
    free(m->keys);
    free(m->vals);
}

static uint32_t sock_map_home(const sock_map *m, int key)
{
    return ((uint32_t)key * UINT32_C(2654435761)) & m->mask;
}

/* The index of `key`'s entry, or of the empty one where it would go. */
static uint32_t sock_map_find(const sock_map *m, int key)
{
    uint32_t i = sock_map_home(m, key);
    while (m->keys[i] != key && m->keys[i] != -1)
        i = (i + 1) & m->mask;
    return i;
}

static bool sock_map_get(const sock_map *m, int key, uint32_t *val)
{
    uint32_t i = sock_map_find(m, key);
    *val = m->vals[i];
    return m->keys[i] == key;
}

static void sock_map_put(sock_map *m, int key, uint32_t val)
{
    uint32_t i = sock_map_find(m, key);
    m->keys[i] = key;
    m->vals[i] = val;
}

static void sock_map_del(sock_map *m, int key)
{
    uint32_t i = sock_map_find(m, key);
    if (m->keys[i] != key)
        return;
    /* Move back every later entry of the run that the hole would cut off from its home. */
    for (uint32_t j = (i + 1) & m->mask; m->keys[j] != -1; j = (j + 1) & m->mask) {
        uint32_t home = sock_map_home(m, m->keys[j]);
        if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = -1;
}

typedef struct churn_options {
    uint64_t conc, ports, max_connections, msl_us, seed;
    uint64_t cycles; /* with cycles_set: stop after this many cycles */
    bool cycles_set;
    bool csum_offload;
    double seconds;
} churn_options;

typedef struct churn_run {
    const churn_options *opt;
    bench_pair pair;
    int listeners[CHURN_MAX_PORTS]; /* [opt->ports] */
    uint64_t next_port;             /* the client's next server port, round robin */
    client_slot *slots; /* [conc] */
    server_conn *conns; /* [nconns]: the server's open connections */
    uint32_t nconns;
    sock_map client_socks, server_socks; /* handle -> index in slots / conns */
    uint64_t cycles, errors, connect_failures;
    uint64_t wall_start_ns;
    uint8_t request[CHURN_MSG], reply[CHURN_MSG];
} churn_run;

static weir_stack *client_stack(churn_run *r) { return r->pair.stack[BENCH_CLIENT]; }
static weir_stack *server_stack(churn_run *r) { return r->pair.stack[BENCH_SERVER]; }

/* ---- the client --------------------------------------------------------------------------- */

/* Start a new cycle in an idle slot. A full port range or connection table is not an error of
 * the benchmark: the slot stays idle and is retried next turn. */
static void client_open(churn_run *r, client_slot *sl)
{
    weir_stack *s = client_stack(r);
    int sock = weir_tcp_socket(s);
    if (sock < 0) {
        r->connect_failures++;
        return;
    }
    uint16_t port = (uint16_t)(CHURN_PORT + r->next_port++ % r->opt->ports);
    weir_endpoint srv = {.ip = bench_pair_ip(0, BENCH_SERVER), .port = port};
    int rc = weir_tcp_connect(s, sock, srv);
    if (rc != 0) {
        r->connect_failures++;
        weir_tcp_abort(s, sock);
        return;
    }
    sl->sock = sock;
    sl->got = 0;
    sock_map_put(&r->client_socks, sock, (uint32_t)(sl - r->slots));
}

static client_slot *client_find(churn_run *r, int sock)
{
    uint32_t i;
    return sock_map_get(&r->client_socks, sock, &i) ? &r->slots[i] : NULL;
}

static void client_finish(churn_run *r, client_slot *sl, bool ok)
{
    weir_stack *s = client_stack(r);
    if (ok) {
        weir_tcp_close(s, sl->sock);
        r->cycles++;
    } else {
        weir_tcp_abort(s, sl->sock);
        r->errors++;
    }
    sock_map_del(&r->client_socks, sl->sock);
    sl->sock = -1;
    client_open(r, sl);
}

static void client_read(churn_run *r, client_slot *sl)
{
    uint8_t buf[CHURN_MSG];
    /* The answer is 100 bytes: a handful of reads at most, bounded for safety. */
    for (int i = 0; i < 64 && sl->got < CHURN_MSG; i++) {
        int rc = weir_tcp_recv(client_stack(r), sl->sock, buf, sizeof(buf));
        if (rc == WEIR_EAGAIN)
            return;
        if (rc <= 0) {
            client_finish(r, sl, false);
            return;
        }
        sl->got += (uint32_t)rc;
    }
    if (sl->got >= CHURN_MSG)
        client_finish(r, sl, true);
}

static void on_client_event(churn_run *r, const weir_event *ev)
{
    client_slot *sl = client_find(r, ev->sock);
    if (sl == NULL)
        return; /* a handle we already closed */
    switch (ev->type) {
    case WEIR_EV_CONNECTED:
        if (weir_tcp_send(client_stack(r), sl->sock, r->request, CHURN_MSG) != CHURN_MSG)
            client_finish(r, sl, false);
        break;
    case WEIR_EV_READABLE:
    case WEIR_EV_PEER_CLOSED:
        client_read(r, sl);
        break;
    case WEIR_EV_ERROR:
        client_finish(r, sl, false);
        break;
    default:
        break;
    }
}

/* ---- the server --------------------------------------------------------------------------- */

static server_conn *server_find(churn_run *r, int sock)
{
    uint32_t i;
    return sock_map_get(&r->server_socks, sock, &i) ? &r->conns[i] : NULL;
}

static void server_drop(churn_run *r, server_conn *c, bool ok)
{
    if (ok)
        weir_tcp_close(server_stack(r), c->sock);
    else
        weir_tcp_abort(server_stack(r), c->sock);
    sock_map_del(&r->server_socks, c->sock);
    uint32_t i = (uint32_t)(c - r->conns);
    *c = r->conns[--r->nconns]; /* keep the array dense: the last entry fills the hole */
    if (i < r->nconns)
        sock_map_put(&r->server_socks, c->sock, i);
}

static void server_accept(churn_run *r, int listener)
{
    /* The backlog bounds how many wait; the table has room for every client slot twice over. */
    for (int i = 0; i < CHURN_MAX_CONC * 2 && r->nconns < 4u * r->opt->conc + 64u; i++) {
        weir_endpoint peer;
        int sock = weir_tcp_accept(server_stack(r), listener, &peer);
        if (sock < 0)
            return;
        sock_map_put(&r->server_socks, sock, r->nconns);
        r->conns[r->nconns++] = (server_conn){.sock = sock};
    }
}

static void server_read(churn_run *r, server_conn *c)
{
    uint8_t buf[CHURN_MSG];
    for (int i = 0; i < 64; i++) {
        int rc = weir_tcp_recv(server_stack(r), c->sock, buf, sizeof(buf));
        if (rc == WEIR_EAGAIN)
            return;
        if (rc <= 0) {
            server_drop(r, c, rc == 0);
            return;
        }
        c->got += (uint32_t)rc;
        if (c->got >= CHURN_MSG && !c->replied) {
            c->replied = true;
            if (weir_tcp_send(server_stack(r), c->sock, r->reply, CHURN_MSG) != CHURN_MSG) {
                server_drop(r, c, false);
                return;
            }
        }
    }
}

static void on_server_event(churn_run *r, const weir_event *ev)
{
    for (uint64_t i = 0; i < r->opt->ports; i++) {
        if (ev->sock == r->listeners[i]) {
            server_accept(r, ev->sock);
            return;
        }
    }
    server_conn *c = server_find(r, ev->sock);
    if (c == NULL)
        return;
    if (ev->type == WEIR_EV_ERROR) {
        server_drop(r, c, false);
        r->errors++;
    } else if (ev->type == WEIR_EV_READABLE || ev->type == WEIR_EV_PEER_CLOSED) {
        server_read(r, c);
    }
}

/* ---- the loop ----------------------------------------------------------------------------- */

static void drain_events(churn_run *r)
{
    weir_event ev;
    for (int n = 0; n < CHURN_EVENTS_PER_TURN && weir_stack_next_event(server_stack(r), &ev); n++)
        on_server_event(r, &ev);
    for (int n = 0; n < CHURN_EVENTS_PER_TURN && weir_stack_next_event(client_stack(r), &ev); n++)
        on_client_event(r, &ev);
}

static uint64_t real_now_us(const churn_run *r)
{
    return (bench_now_ns() - r->wall_start_ns) / 1000u + 1u;
}

static void run_loop(churn_run *r)
{
    uint64_t limit_us = (uint64_t)(r->opt->seconds * 1e6);
    for (uint64_t turn = 0; turn < CHURN_MAX_TURNS; turn++) {
        uint64_t now = real_now_us(r);
        if (now > limit_us || (r->opt->cycles_set && r->cycles >= r->opt->cycles))
            return;
        bench_pair_step(&r->pair, now);
        drain_events(r);
        for (uint64_t i = 0; i < r->opt->conc; i++)
            if (r->slots[i].sock < 0)
                client_open(r, &r->slots[i]);
    }
}

static int setup(churn_run *r)
{
    bench_pair_config cfg;
    bench_pair_config_init(&cfg);
    cfg.seed = r->opt->seed;
    cfg.queue_limit = 65536;
    cfg.csum_offload = r->opt->csum_offload ? WEIR_NETIF_CSUM_ALL : 0;
    weir_stack_config *sc = &cfg.stack;
    sc->max_sockets = 4u * CHURN_MAX_CONC + 64u + CHURN_MAX_PORTS;
    sc->max_connections = (uint32_t)r->opt->max_connections;
    sc->ephemeral_lo = 1024;
    sc->ephemeral_hi = 65535;
    sc->tcp.msl_us = r->opt->msl_us;
    sc->max_time_wait = (uint32_t)r->opt->max_connections;
    sc->tcp.time_wait_reuse = true; /* as net.ipv4.tcp_tw_reuse=1 for the kernel */
    int rc = bench_pair_create(&r->pair, &cfg);
    if (rc != 0)
        return rc;
    weir_stack *srv = server_stack(r);
    for (uint64_t i = 0; i < r->opt->ports; i++) {
        int l = weir_tcp_socket(srv);
        if (l < 0)
            return l;
        r->listeners[i] = l;
        weir_endpoint where = {.ip = bench_pair_ip(0, BENCH_SERVER),
                               .port = (uint16_t)(CHURN_PORT + i)};
        rc = weir_tcp_bind(srv, l, where);
        if (rc == 0)
            rc = weir_tcp_listen(srv, l, CHURN_MAX_CONC);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void parse_options(int argc, char **argv, churn_options *o)
{
    *o = (churn_options){
        .conc = 1, .ports = 4, .max_connections = 262144, .msl_us = 500000, .seed = 1, .seconds = 3};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        if (strcmp(a, "--csum-offload") == 0) {
            o->csum_offload = true;
            i--; /* a flag: no value */
            continue;
        }
        if (i + 1 >= argc)
            bench_usage("weir_churn", "%s needs a value", a);
        const char *v = argv[i + 1];
        bool ok = false;
        if (strcmp(a, "--conc") == 0)
            ok = bench_parse_count(v, &o->conc) && o->conc >= 1 && o->conc <= CHURN_MAX_CONC;
        else if (strcmp(a, "--ports") == 0)
            ok = bench_parse_count(v, &o->ports) && o->ports >= 1 && o->ports <= CHURN_MAX_PORTS;
        else if (strcmp(a, "--seconds") == 0)
            ok = bench_parse_double(v, &o->seconds) && o->seconds > 0 && o->seconds <= 600;
        else if (strcmp(a, "--msl-us") == 0)
            ok = bench_parse_count(v, &o->msl_us);
        else if (strcmp(a, "--max-connections") == 0)
            ok = bench_parse_count(v, &o->max_connections) && o->max_connections >= 16 &&
                 o->max_connections <= (UINT64_C(1) << 24);
        else if (strcmp(a, "--seed") == 0)
            ok = bench_parse_count(v, &o->seed);
        else if (strcmp(a, "--cycles") == 0)
            ok = o->cycles_set = bench_parse_count(v, &o->cycles);
        if (!ok)
            bench_usage("weir_churn", "bad option or value: %s %s", a, v);
    }
}

/* Set up, run for --seconds and report. Returns 0, or the setup's WEIR_E* code. */
static int measure(churn_run *r)
{
    const churn_options *opt = r->opt;
    memset(r->request, 'q', sizeof(r->request));
    memset(r->reply, 'a', sizeof(r->reply));
    for (uint64_t i = 0; i < opt->conc; i++)
        r->slots[i].sock = -1;
    r->wall_start_ns = bench_now_ns();
    int rc = setup(r);
    if (rc == 0)
        run_loop(r);
    double secs = bench_seconds(r->wall_start_ns, bench_now_ns());
    weir_stats cs = {0};
    if (rc == 0)
        weir_stats_get(client_stack(r), &cs);
    else
        fprintf(stderr, "weir_churn: setup failed: %s\n", weir_strerror(rc));
    double rate = secs > 0 ? (double)r->cycles / secs : 0.0;
    bench_result("name=weir_churn ok=%d conc=%" PRIu64 " ports=%" PRIu64 " cycles=%" PRIu64
                 " seconds=%.3f rate=%.0f errors=%" PRIu64 " connect_failures=%" PRIu64
                 " client_records_high=%" PRIu32 " msl_us=%" PRIu64 " csum_offload=%d",
                 rc == 0, opt->conc, opt->ports, r->cycles, secs, rate, r->errors,
                 r->connect_failures, cs.tcp_conns_high_water, opt->msl_us, opt->csum_offload);
    bench_pair_destroy(&r->pair);
    return rc;
}

int main(int argc, char **argv)
{
    churn_options opt;
    parse_options(argc, argv, &opt);
    churn_run *r = calloc(1, sizeof(*r));
    client_slot *slots = calloc(opt.conc, sizeof(*slots));
    server_conn *conns = calloc(4u * opt.conc + 64u, sizeof(*conns));
    sock_map client_socks = {0}, server_socks = {0};
    int rc = WEIR_ENOMEM;
    if (r != NULL && slots != NULL && conns != NULL &&
        sock_map_init(&client_socks, (uint32_t)opt.conc) &&
        sock_map_init(&server_socks, 4u * (uint32_t)opt.conc + 64u)) {
        *r = (churn_run){.opt = &opt, .slots = slots, .conns = conns,
                         .client_socks = client_socks, .server_socks = server_socks};
        rc = measure(r);
    }
    sock_map_free(&server_socks);
    sock_map_free(&client_socks);
    free(conns);
    free(slots);
    free(r);
    return rc == 0 ? 0 : 1;
}
