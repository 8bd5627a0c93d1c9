/* test_sim_matrix.c — the seeded loss × delay × buffer × congestion-control matrix, and the goodput
 * table kept in docs/SIM_GOODPUT.md.
 *
 * Every cell of the matrix is two weir stacks on an in-memory link with random loss (both
 * directions) and a fixed one-way delay. Stack A connects to B, sends a bulk stream, half-closes
 * and reads B's small reply; B reads the bulk to its end, replies, and closes. A run passes when
 * both streams arrived byte for byte (content, not only count), both sides saw EOF, every
 * connection record is gone after TIME-WAIT and the stacks' memory is back where it started.
 * Goodput is the bulk's payload over the virtual time from connect() to B reading its last byte;
 * the table shows the median over the seeds. The link has no bandwidth limit, so goodput measures
 * what the engine makes of the window, the RTT and the losses: slow start, delayed ACKs, loss
 * recovery and RTO backoff. Everything runs in virtual time, so the same binary and seeds give the
 * same table on any machine: a change in the table is a change in the engine.
 *
 * Only the public API (include/weir) and drivers/ are used. Every loop is bounded by virtual time
 * and by an iteration count; a failing run prints its cell, its seed and the command that repeats
 * it. No test here asserts a goodput: the numbers are a report (never a timing threshold).
 *
 * Usage: test_sim_matrix [--quick] [--seeds N] [--first-seed S] [--seed S] [--cc cubic|newreno]
 *                        [--delay 0.1|5|50] [--buffer 16K|256K|4M] [--loss PCT] [--verbose]
 *                        [--table FILE]
 * Defaults: 5 seeds from 1; --quick: 1 seed and a quarter of the bytes (the ctest entry). The
 * filters restrict the matrix to the cells they name; --table writes the goodput table.
 * cmocka runs one test per table row (cc, delay, buffer: every loss level and seed), then a
 * determinism test.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "fault.h"
#include "memlink.h"
#include "weir/weir.h"

enum {
    SIM_PORT = 80,
    SIM_CHUNK = 16384,
    SIM_MAX_ITERATIONS = 1000000,  /* loop turns per run; the longest run needs about 1000 */
    SIM_MAX_SAME_INSTANT = 100000, /* loop turns without time advancing: a livelock */
    SIM_MSG = 2048,
    SIM_MAX_SEEDS = 64,
    /* Frames in flight per direction: more than a 4 MB window holds, so that the only losses are
     * the random ones the cell asks for (the memlink's default, 1024, would tail-drop). */
    SIM_QUEUE_LIMIT = 8192,
    /* Retransmissions before giving up, as a user on a known-lossy link would set them: at 30%
     * loss each way a retransmission and its ACK both get through with p = 0.49, so the default
     * of 15 (p ~ 2e-5 of giving up per episode) ends some runs with ETIMEDOUT; 40 makes it
     * ~1e-12. SYN retries likewise (default 7: p ~ 5e-3 per handshake). */
    SIM_MAX_RETRIES = 40,
    SIM_SYN_RETRIES = 40,
};
#define SIM_TIME_LIMIT_US (UINT64_C(6) * 3600u * 1000000u) /* virtual: 6 hours */
#define SIM_MSL_US (UINT64_C(2) * 1000000u)                /* TIME-WAIT lasts 4 s of virtual time */
#define SIM_IP_A 0x0A000001u                               /* 10.0.0.1 */
#define SIM_IP_B 0x0A000002u                               /* 10.0.0.2 */

/* Lets the compiler check the format strings of run_failf(). */
#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the matrix ----------------------------------------------------------------------------- */

static const unsigned LOSS_PCT[] = {0, 1, 2, 5, 10, 20, 30};

typedef struct delay_level {
    const char *label; /* in ms, as --delay takes it */
    uint64_t us;       /* one way */
} delay_level;
static const delay_level DELAYS[] = {{"0.1", 100}, {"5", 5000}, {"50", 50000}};

typedef struct buffer_level {
    const char *label;
    uint32_t bytes; /* send_buffer = recv_buffer; window scaling offered by default */
} buffer_level;
static const buffer_level BUFFERS[] = {{"16K", 16384}, {"256K", 262144}, {"4M", 4194304}};

typedef struct cc_level {
    const char *label;
    weir_tcp_cc cc;
} cc_level;
static const cc_level CCS[] = {{"cubic", WEIR_TCP_CC_CUBIC}, {"newreno", WEIR_TCP_CC_NEWRENO}};

#define N_LOSS COUNT_OF(LOSS_PCT)
#define N_DELAY COUNT_OF(DELAYS)
#define N_BUFFER COUNT_OF(BUFFERS)
#define N_CC COUNT_OF(CCS)
#define N_ROWS (N_CC * N_DELAY * N_BUFFER)

/* One cell: indexes into the four tables. */
typedef struct cell {
    size_t cc, delay, buffer, loss;
} cell;

/* The bulk size: CPU time grows with segments sent (retransmissions included), virtual time with
 * loss; these keep the full matrix near 15 s of CPU in a plain build (3 min under ASan). Large
 * enough that a cell averages over many losses. --quick divides by 4. */
static uint64_t cell_bulk_bytes(const cell *c, bool quick)
{
    unsigned loss = LOSS_PCT[c->loss];
    uint64_t bytes = loss <= 5 ? 2000000 : loss <= 10 ? 1000000 : loss <= 20 ? 500000 : 250000;
    return quick ? bytes / 4 : bytes;
}

/* The reply from B: a couple of segments, enough to need its own retransmissions. */
enum { SIM_REPLY_BYTES = 3000 };

/* ---- options and results ------------------------------------------------------------------- */

typedef struct sim_options {
    uint64_t first_seed;
    uint32_t seeds;
    bool quick;
    bool verbose;
    const char *table_path;
    /* Filters: SIZE_MAX when the whole dimension runs. */
    size_t only_cc, only_delay, only_buffer, only_loss;
} sim_options;

/* What one run yields. */
typedef struct run_result {
    bool ok;
    double goodput_mbps; /* bulk payload bits per virtual microsecond */
    uint64_t frame_hash; /* FNV-1a over every frame sent, in order: the determinism fingerprint */
    uint64_t end_us;     /* virtual time when the run ended (all records gone) */
    uint64_t turns;      /* event-loop turns: what the bounds below are measured against */
    uint64_t retransmits;
} run_result;

typedef struct cell_result {
    bool ran;
    uint32_t runs, failures;
    double goodput[SIM_MAX_SEEDS];
} cell_result;

typedef struct sim_suite sim_suite;

/* One cmocka test: one table row. */
typedef struct row_test {
    sim_suite *suite;
    size_t cc, delay, buffer;
    char name[64];
} row_test;

struct sim_suite {
    sim_options opt;
    cell_result cells[N_CC][N_DELAY][N_BUFFER][N_LOSS];
    row_test rows[N_ROWS];
    /* The longest run, in loop turns and in virtual time: how close the bounds are. */
    uint64_t max_turns, max_end_us;
};

/* ---- the byte streams ------------------------------------------------------------------------ */

static uint64_t mix64(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Bytes pos..pos+len of the stream named `key`. Addressable, so the receiver regenerates what it
 * expects at any offset without a copy; each 8-byte word is one hash (the same stream as
 * test_sim.c's, computed a word at a time because a megabyte per run is hashed twice). */
static void stream_fill(uint64_t key, uint64_t pos, uint8_t *out, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t p = pos + i;
        uint64_t w = mix64(key ^ (p >> 3) * UINT64_C(0xD6E8FEB86659FD93));
        for (unsigned b = (unsigned)(p & 7); b < 8 && i < len; b++, i++)
            out[i] = (uint8_t)(w >> (b * 8));
    }
}

/* ---- one endpoint's application ------------------------------------------------------------ */

typedef struct app {
    const char *name; /* "A" or "B" */
    weir_stack *stack;
    int netif;
    weir_fault_rng rng; /* the stack's randomness */
    int listener;       /* B only, -1 when none */
    int sock;           /* the connection, -1 before connect/accept and after close */
    uint64_t send_key, recv_key;
    uint64_t to_send, sent;
    uint64_t to_recv, received;
    bool send_after_eof; /* B: the reply answers the whole bulk, so it waits for its end */
    bool connected, shut, eof, closed;
    uint64_t last_byte_us; /* when the last byte of the incoming stream was read */
    uint64_t mem_baseline; /* stats.mem_in_use before any socket existed */
} app;

typedef struct sim_run {
    cell c;
    uint64_t seed;
    const sim_options *opt;
    weir_memlink *link;
    app side[2]; /* 0 = A (client, link end 0), 1 = B (server, link end 1) */
    uint64_t now;
    uint64_t turns;
    uint64_t frame_hash;
    char fail[SIM_MSG]; /* first failure; empty when the run is good */
} sim_run;

/* The netif's transmit context: hashes each frame, then hands it to the link. */
typedef struct tx_tap {
    sim_run *run;
    void *link_end;
} tx_tap;

static void run_failf(sim_run *r, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void run_failf(sim_run *r, const char *fmt, ...)
{
    if (r->fail[0] != '\0')
        return; /* keep the first, it is the cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fail, sizeof(r->fail), fmt, ap);
    va_end(ap);
}

static void sim_random(void *ctx, void *buf, size_t len)
{
    weir_fault_rng *rng = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t x = weir_fault_rng_next(rng);
        size_t n = len < sizeof(x) ? len : sizeof(x);
        memcpy(p, &x, n);
        p += n;
        len -= n;
    }
}

static int tap_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    tx_tap *t = ctx;
    uint64_t h = t->run->frame_hash;
    for (size_t i = 0; i < len; i++)
        h = (h ^ frame[i]) * UINT64_C(0x100000001B3);
    t->run->frame_hash = (h ^ len) * UINT64_C(0x100000001B3);
    return weir_memlink_transmit_fn()(t->link_end, frame, len);
}

static void link_receive(void *ctx, const uint8_t *frame, size_t len, uint64_t now_us)
{
    app *a = ctx;
    int rc = weir_netif_input(a->stack, a->netif, frame, len, now_us);
    (void)rc; /* bad frames are counted drops, never errors; misuse cannot happen here */
}

/* ---- application logic --------------------------------------------------------------------- */

static void app_shutdown_when_sent(sim_run *r, app *a)
{
    if (a->sock < 0 || a->sent != a->to_send || a->shut)
        return;
    int rc = weir_tcp_shutdown(a->stack, a->sock);
    if (rc < 0)
        run_failf(r, "%s: weir_tcp_shutdown: %s", a->name, weir_err_name(rc));
    a->shut = true;
}

static void app_pump_send(sim_run *r, app *a)
{
    if (a->send_after_eof && !a->eof)
        return;
    uint8_t buf[SIM_CHUNK];
    while (a->sock >= 0 && a->sent < a->to_send) {
        uint64_t left = a->to_send - a->sent;
        size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
        stream_fill(a->send_key, a->sent, buf, n);
        int rc = weir_tcp_send(a->stack, a->sock, buf, n);
        if (rc == WEIR_EAGAIN || rc == 0)
            return; /* WRITABLE will say when there is room */
        if (rc < 0 || (size_t)rc > n) {
            run_failf(r, "%s: weir_tcp_send(%zu bytes) returned %d (%s) after %" PRIu64 " bytes",
                      a->name, n, rc, rc < 0 ? weir_err_name(rc) : "too many", a->sent);
            return;
        }
        a->sent += (uint64_t)rc;
    }
    app_shutdown_when_sent(r, a);
}

/* Checks `n` received bytes at the current offset against the stream; false on a mismatch. */
static bool app_check_bytes(sim_run *r, app *a, const uint8_t *got, size_t n)
{
    uint8_t want[SIM_CHUNK];
    if (n > sizeof(want) || a->received + n > a->to_recv) {
        run_failf(
            r, "%s: received %zu bytes at offset %" PRIu64 ", beyond the %" PRIu64 "-byte stream",
            a->name, n, a->received, a->to_recv);
        return false;
    }
    stream_fill(a->recv_key, a->received, want, n);
    if (memcmp(got, want, n) == 0)
        return true;
    size_t i = 0; /* memcmp says a byte differs; the bound only keeps the analyzer sure */
    while (i + 1 < n && got[i] == want[i])
        i++;
    run_failf(r, "%s: byte %" PRIu64 " of the stream is 0x%02x, expected 0x%02x", a->name,
              a->received + i, got[i], want[i]);
    return false;
}

static void app_on_eof(sim_run *r, app *a)
{
    a->eof = true;
    if (a->received != a->to_recv)
        run_failf(r, "%s: end of stream after %" PRIu64 " of %" PRIu64 " bytes", a->name,
                  a->received, a->to_recv);
}

static void app_pump_recv(sim_run *r, app *a)
{
    uint8_t buf[SIM_CHUNK];
    while (a->sock >= 0 && !a->eof) {
        int rc = weir_tcp_recv(a->stack, a->sock, buf, sizeof(buf));
        if (rc == WEIR_EAGAIN)
            return;
        if (rc < 0) {
            run_failf(r, "%s: weir_tcp_recv: %s after %" PRIu64 " of %" PRIu64 " bytes", a->name,
                      weir_err_name(rc), a->received, a->to_recv);
            return;
        }
        if (rc == 0) {
            app_on_eof(r, a);
            return;
        }
        if (!app_check_bytes(r, a, buf, (size_t)rc))
            return;
        a->received += (uint64_t)rc;
        if (a->received == a->to_recv)
            a->last_byte_us = r->now;
    }
}

/* Close once both directions are done: ours shut down, theirs read to the end. */
static void app_maybe_close(sim_run *r, app *a)
{
    if (a->sock < 0 || !a->eof || !a->shut)
        return;
    int rc = weir_tcp_close(a->stack, a->sock);
    if (rc < 0)
        run_failf(r, "%s: weir_tcp_close: %s", a->name, weir_err_name(rc));
    a->sock = -1;
    a->closed = true;
}

static void app_accept(sim_run *r, app *a)
{
    weir_endpoint peer;
    int s = weir_tcp_accept(a->stack, a->listener, &peer);
    if (s == WEIR_EAGAIN)
        return;
    if (s < 0) {
        run_failf(r, "%s: weir_tcp_accept: %s", a->name, weir_err_name(s));
        return;
    }
    if (a->sock >= 0 || peer.ip != SIM_IP_A) {
        run_failf(r, "%s: unexpected second connection or peer 0x%08" PRIx32, a->name, peer.ip);
        weir_tcp_abort(a->stack, s);
        return;
    }
    a->sock = s;
    a->connected = true;
    /* One connection is all this test wants: closing the listener must not disturb it. */
    int rc = weir_tcp_close(a->stack, a->listener);
    if (rc < 0)
        run_failf(r, "%s: closing the listener: %s", a->name, weir_err_name(rc));
    a->listener = -1;
    app_pump_recv(r, a); /* data may already be waiting */
}

static void app_on_event(sim_run *r, app *a, const weir_event *ev)
{
    if (r->opt->verbose)
        printf("  t=%.6f %s event %s sock %d err %d\n", (double)r->now / 1e6, a->name,
               weir_event_name(ev->type), ev->sock, ev->err);
    if (ev->type == WEIR_EV_ACCEPTABLE && ev->sock == a->listener) {
        app_accept(r, a);
    } else if (a->sock < 0 || ev->sock != a->sock) {
        return; /* stale: for a handle we already released */
    } else if (ev->type == WEIR_EV_ERROR) {
        run_failf(r,
                  "%s: connection error %s after sending %" PRIu64 "/%" PRIu64
                  " and receiving %" PRIu64 "/%" PRIu64,
                  a->name, weir_err_name(ev->err), a->sent, a->to_send, a->received, a->to_recv);
        return;
    } else if (ev->type == WEIR_EV_READABLE || ev->type == WEIR_EV_PEER_CLOSED) {
        app_pump_recv(r, a);
    } else if (ev->type == WEIR_EV_CONNECTED) {
        a->connected = true;
    }
    /* CONNECTED, WRITABLE, or the EOF that releases B's reply: sending is cheap to retry. */
    app_pump_send(r, a);
    app_maybe_close(r, a);
}

static void drain_events(sim_run *r, app *a)
{
    weir_event ev;
    /* Events are coalesced per socket, so a handful per turn is normal; a flood is a bug. */
    for (int n = 0; weir_stack_next_event(a->stack, &ev); n++) {
        if (n > 100000) {
            run_failf(r, "%s: more than 100000 events in one turn", a->name);
            return;
        }
        app_on_event(r, a, &ev);
    }
}

/* ---- setup ---------------------------------------------------------------------------------- */

static void tcp_config_for_cell(weir_tcp_config *t, const cell *c)
{
    t->congestion_control = CCS[c->cc].cc;
    t->send_buffer = BUFFERS[c->buffer].bytes;
    t->recv_buffer = BUFFERS[c->buffer].bytes;
    t->recv_buffer_max = 0;      /* the window scale fits the cell's buffer, */
    t->recv_buffer_auto_max = 0; /* and no auto-tuning past it: the buffer is the variable */
    t->window_scale = true;
    t->max_retries = SIM_MAX_RETRIES;
    t->syn_retries = SIM_SYN_RETRIES;
    t->msl_us = SIM_MSL_US;
}

static bool app_create(sim_run *r, app *a, int end, uint32_t ip, tx_tap *tap)
{
    weir_fault_rng_seed(&a->rng, mix64(r->seed * 2 + (uint64_t)end) ^ UINT64_C(0x5EED));
    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.random = sim_random;
    cfg.random_ctx = &a->rng;
    tcp_config_for_cell(&cfg.tcp, &r->c);
    int rc = weir_stack_create(&cfg, &a->stack);
    if (rc != 0) {
        run_failf(r, "%s: weir_stack_create: %s", a->name, weir_err_name(rc));
        return false;
    }
    tap->run = r;
    tap->link_end = weir_memlink_end(r->link, end);
    weir_netif_config nc = {
        .name = end == 0 ? "memA" : "memB",
        .medium = WEIR_MEDIUM_IP,
        .mtu = 1500,
        .ip = ip,
        .prefix_len = 24,
        .transmit = tap_transmit,
        .transmit_ctx = tap,
    };
    a->netif = weir_netif_add(a->stack, &nc);
    if (a->netif < 0) {
        run_failf(r, "%s: weir_netif_add: %s", a->name, weir_err_name(a->netif));
        return false;
    }
    weir_memlink_set_receiver(r->link, end, link_receive, a);
    weir_stats st;
    weir_stats_get(a->stack, &st);
    a->mem_baseline = st.mem_in_use;
    return true;
}

static bool start_connection(sim_run *r)
{
    app *A = &r->side[0], *B = &r->side[1];
    int l = weir_tcp_socket(B->stack);
    int rc = l < 0 ? l : weir_tcp_bind(B->stack, l, (weir_endpoint){SIM_IP_B, SIM_PORT});
    if (rc == 0)
        rc = weir_tcp_listen(B->stack, l, 4);
    if (rc != 0) {
        run_failf(r, "B: socket/bind/listen: %s", weir_err_name(rc));
        return false;
    }
    B->listener = l;
    int s = weir_tcp_socket(A->stack);
    rc = s < 0 ? s : weir_tcp_bind(A->stack, s, (weir_endpoint){0, 0});
    if (rc == 0)
        rc = weir_tcp_connect(A->stack, s, (weir_endpoint){SIM_IP_B, SIM_PORT});
    if (rc != 0) {
        run_failf(r, "A: socket/bind/connect: %s", weir_err_name(rc));
        return false;
    }
    A->sock = s;
    return true;
}

static weir_memlink *link_for_cell(const cell *c, uint64_t seed)
{
    weir_memlink_config lc;
    weir_memlink_config_init(&lc);
    lc.seed = mix64(seed);
    lc.queue_limit = SIM_QUEUE_LIMIT;
    weir_fault_config f = {.loss = LOSS_PCT[c->loss] / 100.0,
                           .delay_min_us = DELAYS[c->delay].us,
                           .delay_max_us = DELAYS[c->delay].us};
    lc.fault[0] = lc.fault[1] = f;
    return weir_memlink_create(&lc);
}

/* ---- diagnostics --------------------------------------------------------------------------- */

/* The command line that repeats one run. */
static void repro_command(const sim_run *r, char *out, size_t cap)
{
    snprintf(out, cap,
             "test_sim_matrix --cc %s --delay %s --buffer %s --loss %u --seed %" PRIu64 "%s "
             "--verbose",
             CCS[r->c.cc].label, DELAYS[r->c.delay].label, BUFFERS[r->c.buffer].label,
             LOSS_PCT[r->c.loss], r->seed, r->opt->quick ? " --quick" : "");
}

static void describe_app(app *a)
{
    weir_stats st;
    weir_stats_get(a->stack, &st);
    printf("  %s: sent %" PRIu64 "/%" PRIu64 " recv %" PRIu64 "/%" PRIu64
           " connected=%d shut=%d eof=%d closed=%d tcp_conns=%" PRIu32 " retransmits=%" PRIu64
           " rto_expired=%" PRIu64 " timeout_drops=%" PRIu64 "\n",
           a->name, a->sent, a->to_send, a->received, a->to_recv, a->connected, a->shut, a->eof,
           a->closed, st.tcp_conns, st.counters[WEIR_CTR_TCP_RETRANSMITS],
           st.counters[WEIR_CTR_TCP_RTO_EXPIRED], st.counters[WEIR_CTR_TCP_TIMEOUT_DROPS]);
    weir_tcp_info info;
    if (a->sock >= 0 && weir_tcp_get_info(a->stack, a->sock, &info) == 0)
        printf("     state %s snd_una=%" PRIu32 " snd_nxt=%" PRIu32 " snd_wnd=%" PRIu32
               " rcv_nxt=%" PRIu32 " rcv_wnd=%" PRIu32 " cwnd=%" PRIu32 " ssthresh=%" PRIu32
               " rto=%" PRIu32 "us backoff=%" PRIu32 " send_queued=%" PRIu32 " recv_queued=%" PRIu32
               "\n",
               weir_tcp_state_name(info.state), info.snd_una - info.iss, info.snd_nxt - info.iss,
               info.snd_wnd, info.rcv_nxt - info.irs, info.rcv_wnd, info.cwnd, info.ssthresh,
               info.rto_us, info.backoff, info.send_queued, info.recv_queued);
}

static void report_failure(sim_run *r)
{
    char repro[256];
    repro_command(r, repro, sizeof(repro));
    printf("FAIL cc=%s delay=%sms buffer=%s loss=%u%% seed=%" PRIu64 " t=%.6fs: %s\n",
           CCS[r->c.cc].label, DELAYS[r->c.delay].label, BUFFERS[r->c.buffer].label,
           LOSS_PCT[r->c.loss], r->seed, (double)r->now / 1e6, r->fail);
    for (int i = 0; i < 2; i++)
        if (r->side[i].stack != NULL)
            describe_app(&r->side[i]);
    weir_memlink_stats ls;
    weir_memlink_get_stats(r->link, &ls);
    printf("  link A->B sent %" PRIu64 " lost %" PRIu64 "; B->A sent %" PRIu64 " lost %" PRIu64
           "\n  reproduce: %s\n",
           ls.sent[0], ls.lost[0], ls.sent[1], ls.lost[1], repro);
}

/* ---- the run ------------------------------------------------------------------------------- */

static bool run_done(sim_run *r)
{
    for (int i = 0; i < 2; i++) {
        if (!r->side[i].closed)
            return false;
        weir_stats st;
        weir_stats_get(r->side[i].stack, &st);
        if (st.tcp_conns + st.tcp_time_wait != 0)
            return false;
    }
    return true;
}

static uint64_t next_wakeup(const sim_run *r)
{
    uint64_t a = weir_stack_next_deadline(r->side[0].stack);
    uint64_t b = weir_stack_next_deadline(r->side[1].stack);
    uint64_t l = weir_memlink_next_deadline(r->link);
    uint64_t m = a < b ? a : b;
    return m < l ? m : l;
}

/* Moves r->now to `next`; false (with the reason) when the run is over its bounds. */
static bool advance_clock(sim_run *r, uint64_t next, uint64_t *same_instant)
{
    if (next == UINT64_MAX) {
        run_failf(r, "stalled: nothing scheduled on either stack or the link, but not done");
        return false;
    }
    if (next > SIM_TIME_LIMIT_US) {
        run_failf(r, "no end within %" PRIu64 " s of virtual time (next deadline %.6f s)",
                  SIM_TIME_LIMIT_US / 1000000u, (double)next / 1e6);
        return false;
    }
    if (next > r->now) {
        r->now = next;
        *same_instant = 0;
    } else if (++*same_instant > SIM_MAX_SAME_INSTANT) {
        run_failf(r, "livelock: %d turns at t=%.6f s without time advancing", SIM_MAX_SAME_INSTANT,
                  (double)r->now / 1e6);
        return false;
    }
    return true;
}

static void event_loop(sim_run *r)
{
    app *A = &r->side[0], *B = &r->side[1];
    uint64_t same_instant = 0;
    for (; r->fail[0] == '\0' && !run_done(r); r->turns++) {
        if (r->turns >= SIM_MAX_ITERATIONS) {
            run_failf(r, "no end after %d loop turns", SIM_MAX_ITERATIONS);
            return;
        }
        if (!advance_clock(r, next_wakeup(r), &same_instant))
            return;
        /* The link stamps what the stacks send with its clock, so set it before they run. */
        weir_memlink_set_time(r->link, r->now);
        weir_memlink_deliver(r->link, r->now);
        weir_stack_poll(A->stack, r->now);
        weir_stack_poll(B->stack, r->now);
        drain_events(r, A);
        drain_events(r, B);
    }
}

static void check_outcome(sim_run *r)
{
    for (int i = 0; i < 2 && r->fail[0] == '\0'; i++) {
        app *a = &r->side[i];
        if (a->received != a->to_recv || !a->eof || a->sent != a->to_send)
            run_failf(r,
                      "%s: sent %" PRIu64 "/%" PRIu64 ", received %" PRIu64 "/%" PRIu64 ", eof=%d",
                      a->name, a->sent, a->to_send, a->received, a->to_recv, a->eof);
        weir_stats st;
        weir_stats_get(a->stack, &st);
        if (st.tcp_conns + st.tcp_time_wait != 0)
            run_failf(r, "%s: %" PRIu32 " connection and %" PRIu32 " TIME-WAIT records alive after TIME-WAIT",
                      a->name, st.tcp_conns, st.tcp_time_wait);
        if (st.mem_in_use != a->mem_baseline)
            run_failf(r,
                      "%s: stack memory in use %" PRIu64 " bytes after everything closed, %" PRIu64
                      " before the first socket",
                      a->name, st.mem_in_use, a->mem_baseline);
    }
    weir_memlink_stats ls;
    weir_memlink_get_stats(r->link, &ls);
    if (ls.queue_drops[0] + ls.queue_drops[1] != 0)
        run_failf(r, "the link tail-dropped %" PRIu64 " frames: raise SIM_QUEUE_LIMIT",
                  ls.queue_drops[0] + ls.queue_drops[1]);
}

/* Sizes and keys: the bulk size is the cell's, the keys come from the seed. */
static void init_apps(sim_run *r)
{
    app *A = &r->side[0], *B = &r->side[1];
    A->name = "A";
    B->name = "B";
    A->sock = B->sock = A->listener = B->listener = -1;
    A->to_send = B->to_recv = cell_bulk_bytes(&r->c, r->opt->quick);
    B->to_send = A->to_recv = SIM_REPLY_BYTES;
    B->send_after_eof = true;
    weir_fault_rng g;
    weir_fault_rng_seed(&g, r->seed ^ UINT64_C(0xA11CE));
    A->send_key = B->recv_key = weir_fault_rng_next(&g);
    B->send_key = A->recv_key = weir_fault_rng_next(&g);
}

static void collect_result(sim_run *r, run_result *out)
{
    const app *B = &r->side[1];
    out->ok = r->fail[0] == '\0';
    out->frame_hash = r->frame_hash;
    out->end_us = r->now;
    out->turns = r->turns;
    /* connect() is called at t = 0; a 0 us transfer cannot happen (the delay is at least 0.1 ms) */
    out->goodput_mbps =
        B->last_byte_us > 0 ? (double)B->to_recv * 8.0 / (double)B->last_byte_us : 0.0;
    out->retransmits = 0;
    for (int i = 0; i < 2; i++) {
        if (r->side[i].stack == NULL)
            continue;
        weir_stats st;
        weir_stats_get(r->side[i].stack, &st);
        out->retransmits += st.counters[WEIR_CTR_TCP_RETRANSMITS];
    }
}

/* One (cell, seed): true when it passed. A failure is reported on stdout with its command line. */
static bool sim_run_one(const sim_options *opt, const cell *c, uint64_t seed, run_result *out)
{
    sim_run *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->c = *c;
    r->seed = seed;
    r->opt = opt;
    r->frame_hash = UINT64_C(0xCBF29CE484222325);
    init_apps(r);
    r->link = link_for_cell(c, seed);
    assert_non_null(r->link);
    tx_tap taps[2];
    if (app_create(r, &r->side[0], 0, SIM_IP_A, &taps[0]) &&
        app_create(r, &r->side[1], 1, SIM_IP_B, &taps[1]) && start_connection(r))
        event_loop(r);
    if (r->fail[0] == '\0')
        check_outcome(r);
    collect_result(r, out);
    if (!out->ok)
        report_failure(r);
    if (opt->verbose)
        printf("run %s/%sms/%s/%u%% seed %" PRIu64 ": %s, goodput %.3f Mbit/s, end %.3f s, "
               "%" PRIu64 " turns, %" PRIu64 " retransmits\n",
               CCS[c->cc].label, DELAYS[c->delay].label, BUFFERS[c->buffer].label,
               LOSS_PCT[c->loss], seed, out->ok ? "ok" : "FAILED", out->goodput_mbps,
               (double)out->end_us / 1e6, out->turns, out->retransmits);
    weir_stack_destroy(r->side[0].stack);
    weir_stack_destroy(r->side[1].stack);
    weir_memlink_destroy(r->link);
    free(r);
    return out->ok;
}

/* ---- the table ------------------------------------------------------------------------------ */

static void sort_doubles(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* The median resists one seed's unlucky RTO storm better than the mean. */
static double cell_median(const cell_result *cr)
{
    double v[SIM_MAX_SEEDS];
    size_t n = cr->runs;
    memcpy(v, cr->goodput, n * sizeof(v[0]));
    sort_doubles(v, n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* `v` to 3 significant digits, digits placed by integer arithmetic so that no libm or locale
 * rounding can make two identical runs print differently. */
static void format_sig3(double v, char *out, size_t cap)
{
    if (!(v > 0)) {
        snprintf(out, cap, "0");
        return;
    }
    int exp10 = 0; /* v * 10^exp10 lands in [100, 1000) */
    while (v >= 1000) {
        v /= 10;
        exp10--;
    }
    while (v < 100) {
        v *= 10;
        exp10++;
    }
    uint64_t m = (uint64_t)(v + 0.5);
    if (m == 1000) {
        m = 100;
        exp10--;
    }
    if (exp10 <= 0) {
        snprintf(out, cap, "%" PRIu64 "%.*s", m, -exp10, "000000000000000000");
        return;
    }
    /* exp10 decimals: "0.0123" for m = 123, exp10 = 4 */
    char digits[32];
    snprintf(digits, sizeof(digits), "%0*" PRIu64, exp10 + 1, m);
    size_t len = strlen(digits), point = len - (size_t)exp10;
    snprintf(out, cap, "%.*s.%s", (int)point, digits, digits + point);
}

/* The file explains itself: what was run, how to read it, how to regenerate it. Nothing in it
 * may depend on the machine or the date, or every regeneration would be a diff. */
static void write_header(FILE *f, const sim_options *opt)
{
    fprintf(f, "# Simulated goodput\n\n"
               "Written by `tests/sim/test_sim_matrix` (regenerate: `make sim-table`, about 15 s); "
               "do not edit by\nhand. A change here is a change in the engine's behaviour: review "
               "it like code.\n\n");
    fprintf(f,
            "Two weir stacks on the in-memory link (MTU 1500, no bandwidth limit), all in "
            "virtual time, so\nthe figures are the same on any machine. Per cell: A connects, "
            "sends a bulk stream and\nhalf-closes; B reads it to the end, replies with %d "
            "bytes and closes; every byte is checked.\nGoodput = bulk bytes / virtual time from "
            "connect() to B reading the last byte, in Mbit/s,\nthe median of %" PRIu32
            " seed(s) (first seed %" PRIu64 "), to 3 significant digits.\n\n",
            SIM_REPLY_BYTES, opt->seeds, opt->first_seed);
    fprintf(f,
            "Loss is random and independent, the same in both directions; delay is one-way "
            "(RTT = 2 x delay).\nBuffer = send_buffer = recv_buffer (window scaling on, no "
            "auto-tuning). max_retries = syn_retries\n= %d (a lossy-link setting; the default "
            "15 may give up at 30%% loss); other settings default.\nBulk bytes per run, by "
            "loss:\n",
            SIM_MAX_RETRIES);
    for (size_t l = 0; l < N_LOSS; l++) {
        cell c = {.loss = l};
        fprintf(f, "%u%%: %" PRIu64 "%s", LOSS_PCT[l], cell_bulk_bytes(&c, opt->quick),
                l + 1 < N_LOSS ? ", " : ".\n\n");
    }
    fprintf(f, "Reading it: from 10%% loss up a run's goodput is set by how many retransmission "
               "timeouts it\nmeets (the 200 ms minimum RTO is a thousand round trips at 0.1 ms), "
               "so those cells are bimodal\nacross seeds and move with any engine change: read "
               "them as orders of magnitude.\n\n");
}

static void write_row(FILE *f, const sim_suite *s, size_t cc, size_t d, size_t b)
{
    fprintf(f, "| %s | %s ms | %s |", CCS[cc].label, DELAYS[d].label, BUFFERS[b].label);
    for (size_t l = 0; l < N_LOSS; l++) {
        const cell_result *cr = &s->cells[cc][d][b][l];
        char v[32] = "-";
        if (cr->failures > 0)
            snprintf(v, sizeof(v), "FAIL");
        else if (cr->runs > 0)
            format_sig3(cell_median(cr), v, sizeof(v));
        fprintf(f, " %s |", v);
    }
    fprintf(f, "\n");
}

/* A filtered run (--cc, --delay, ...) writes only the rows it ran. */
static bool row_ran(const sim_suite *s, size_t cc, size_t d, size_t b)
{
    for (size_t l = 0; l < N_LOSS; l++)
        if (s->cells[cc][d][b][l].ran)
            return true;
    return false;
}

static void write_table(FILE *f, const sim_suite *s)
{
    write_header(f, &s->opt);
    fprintf(f, "| cc | delay | buffer |");
    for (size_t l = 0; l < N_LOSS; l++)
        fprintf(f, " %u%% |", LOSS_PCT[l]);
    fprintf(f, "\n|---|---|---|");
    for (size_t l = 0; l < N_LOSS; l++)
        fprintf(f, "---:|");
    fprintf(f, "\n");
    for (size_t cc = 0; cc < N_CC; cc++)
        for (size_t d = 0; d < N_DELAY; d++)
            for (size_t b = 0; b < N_BUFFER; b++)
                if (row_ran(s, cc, d, b))
                    write_row(f, s, cc, d, b);
}

/* ---- cmocka glue ---------------------------------------------------------------------------- */

static bool selected(size_t only, size_t i) { return only == SIZE_MAX || only == i; }

/* One table row: every selected loss level, every seed. */
static void row_delivers_every_byte(void **state)
{
    row_test *t = *state;
    sim_suite *s = t->suite;
    uint32_t failures = 0;
    for (size_t l = 0; l < N_LOSS; l++) {
        if (!selected(s->opt.only_loss, l))
            continue;
        cell c = {t->cc, t->delay, t->buffer, l};
        cell_result *cr = &s->cells[t->cc][t->delay][t->buffer][l];
        cr->ran = true;
        for (uint32_t i = 0; i < s->opt.seeds; i++) {
            run_result rr;
            if (!sim_run_one(&s->opt, &c, s->opt.first_seed + i, &rr))
                cr->failures++;
            cr->goodput[cr->runs++] = rr.goodput_mbps;
            s->max_turns = rr.turns > s->max_turns ? rr.turns : s->max_turns;
            s->max_end_us = rr.end_us > s->max_end_us ? rr.end_us : s->max_end_us;
        }
        failures += cr->failures;
    }
    if (failures > 0)
        fail_msg("%s: %" PRIu32 " runs failed (see FAIL lines above)", t->name, failures);
}

/* Same seed, same inputs, same `now` sequence => byte-identical frames (DESIGN.md §2), hence the
 * same table. Two cells per congestion control: a clean fast one and the lossiest slow one. */
static void same_seed_gives_identical_runs(void **state)
{
    sim_suite *s = *state;
    for (size_t cc = 0; cc < N_CC; cc++) {
        const cell cells[] = {{cc, 1, 1, 3}, {cc, N_DELAY - 1, 0, N_LOSS - 1}};
        for (size_t i = 0; i < COUNT_OF(cells); i++) {
            run_result a, b;
            bool ok_a = sim_run_one(&s->opt, &cells[i], s->opt.first_seed, &a);
            bool ok_b = sim_run_one(&s->opt, &cells[i], s->opt.first_seed, &b);
            if (!ok_a || !ok_b)
                fail_msg("cc %s cell %zu: seed %" PRIu64 " failed (see FAIL lines above)",
                         CCS[cc].label, i, s->opt.first_seed);
            if (a.frame_hash != b.frame_hash || a.end_us != b.end_us ||
                a.goodput_mbps != b.goodput_mbps || a.retransmits != b.retransmits)
                fail_msg("cc %s cell %zu: two runs of seed %" PRIu64
                         " differ (frame hash %016" PRIx64 " vs %016" PRIx64 ", end %" PRIu64
                         " vs %" PRIu64 " us)",
                         CCS[cc].label, i, s->opt.first_seed, a.frame_hash, b.frame_hash, a.end_us,
                         b.end_us);
        }
    }
}

/* ---- command line ---------------------------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s == '\0')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

/* Does `arg` name `label` (case-insensitive, with or without the `unit` suffix)? */
static bool label_matches(const char *arg, const char *label, const char *unit)
{
    size_t len = strlen(label);
    return arg != NULL && strncasecmp(arg, label, len) == 0 &&
           (arg[len] == '\0' || strcasecmp(arg + len, unit) == 0);
}

/* The index a filter option names in its dimension, SIZE_MAX when none: read from the matrix
 * tables themselves, so the options cannot drift from them. */
static size_t parse_dimension(const char *opt, const char *arg)
{
    for (size_t i = 0; strcmp(opt, "--loss") == 0 && i < N_LOSS; i++) {
        char label[16];
        snprintf(label, sizeof(label), "%u", LOSS_PCT[i]);
        if (label_matches(arg, label, "%"))
            return i;
    }
    for (size_t i = 0; strcmp(opt, "--delay") == 0 && i < N_DELAY; i++)
        if (label_matches(arg, DELAYS[i].label, "ms"))
            return i;
    for (size_t i = 0; strcmp(opt, "--buffer") == 0 && i < N_BUFFER; i++)
        if (label_matches(arg, BUFFERS[i].label, "B"))
            return i;
    for (size_t i = 0; strcmp(opt, "--cc") == 0 && i < N_CC; i++)
        if (label_matches(arg, CCS[i].label, ""))
            return i;
    return SIZE_MAX;
}

static int usage(const char *opt, const char *value)
{
    fprintf(stderr,
            "test_sim_matrix: unknown option or bad value: %s %s\nusage: test_sim_matrix [--quick] "
            "[--seeds N] [--first-seed S] "
            "[--seed S]\n    [--cc cubic|newreno] [--delay 0.1|5|50] [--buffer 16K|256K|4M] "
            "[--loss 0|1|2|5|10|20|30]\n    [--verbose] [--table FILE]\n",
            opt, value != NULL ? value : "");
    return 2;
}

/* Parses one option at argv[*i] into `o`; false on anything unknown or out of range. */
static bool parse_option(sim_options *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    uint64_t n;
    size_t *filter = strcmp(a, "--cc") == 0       ? &o->only_cc
                     : strcmp(a, "--delay") == 0  ? &o->only_delay
                     : strcmp(a, "--buffer") == 0 ? &o->only_buffer
                     : strcmp(a, "--loss") == 0   ? &o->only_loss
                                                  : NULL;
    if (strcmp(a, "--verbose") == 0)
        o->verbose = true;
    else if (strcmp(a, "--quick") == 0)
        o->quick = true;
    else if (filter != NULL && (*filter = parse_dimension(a, v)) != SIZE_MAX)
        (*i)++;
    else if (strcmp(a, "--seeds") == 0 && parse_u64(v, &n) && n > 0 && n <= SIM_MAX_SEEDS)
        o->seeds = (uint32_t)n, (*i)++;
    else if (strcmp(a, "--first-seed") == 0 && parse_u64(v, &n))
        o->first_seed = n, (*i)++;
    else if (strcmp(a, "--seed") == 0 && parse_u64(v, &n))
        o->first_seed = n, o->seeds = 1, (*i)++;
    else if (strcmp(a, "--table") == 0 && v != NULL)
        o->table_path = v, (*i)++;
    else
        return false;
    return true;
}

static size_t build_row_tests(sim_suite *s, struct CMUnitTest *tests)
{
    size_t count = 0;
    for (size_t cc = 0; cc < N_CC; cc++)
        for (size_t d = 0; d < N_DELAY; d++)
            for (size_t b = 0; b < N_BUFFER; b++) {
                if (!selected(s->opt.only_cc, cc) || !selected(s->opt.only_delay, d) ||
                    !selected(s->opt.only_buffer, b))
                    continue;
                row_test *t = &s->rows[count];
                *t = (row_test){.suite = s, .cc = cc, .delay = d, .buffer = b};
                snprintf(t->name, sizeof(t->name), "%s_delay%sms_buffer%s", CCS[cc].label,
                         DELAYS[d].label, BUFFERS[b].label);
                tests[count] = (struct CMUnitTest){
                    .name = t->name, .test_func = row_delivers_every_byte, .initial_state = t};
                count++;
            }
    return count;
}

static bool write_table_file(const sim_suite *s)
{
    FILE *f = fopen(s->opt.table_path, "w");
    if (f == NULL) {
        fprintf(stderr, "test_sim_matrix: cannot write %s\n", s->opt.table_path);
        return false;
    }
    write_table(f, s);
    if (fclose(f) != 0) {
        fprintf(stderr, "test_sim_matrix: writing %s failed\n", s->opt.table_path);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    sim_suite *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return 1;
    s->opt = (sim_options){.first_seed = 1,
                           .only_cc = SIZE_MAX,
                           .only_delay = SIZE_MAX,
                           .only_buffer = SIZE_MAX,
                           .only_loss = SIZE_MAX};
    for (int i = 1; i < argc; i++) {
        if (!parse_option(&s->opt, argc, argv, &i)) {
            free(s);
            return usage(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
        }
    }
    if (s->opt.seeds == 0)
        s->opt.seeds = s->opt.quick ? 1 : 5; /* --seeds / --seed win over --quick's default */
    struct CMUnitTest tests[N_ROWS + 1];
    size_t count = build_row_tests(s, tests);
    bool whole_matrix = count == N_ROWS && s->opt.only_loss == SIZE_MAX;
    if (whole_matrix)
        tests[count++] = (struct CMUnitTest){.name = "same_seed_gives_identical_runs",
                                             .test_func = same_seed_gives_identical_runs,
                                             .initial_state = s};
    int failed = _cmocka_run_group_tests("sim_matrix", tests, count, NULL, NULL);
    printf("\n");
    write_table(stdout, s);
    printf("\nlongest run: %" PRIu64
           " loop turns (limit %d), %.1f s of virtual time (limit %" PRIu64 " s)\n",
           s->max_turns, SIM_MAX_ITERATIONS, (double)s->max_end_us / 1e6,
           SIM_TIME_LIMIT_US / 1000000u);
    if (s->opt.table_path != NULL && !write_table_file(s))
        failed = 1;
    free(s);
    return failed;
}
