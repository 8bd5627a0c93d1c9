/* test_sim.c — two weir stacks talking over a seeded, impaired in-memory link, in virtual time.
 *
 * For every (scenario, seed): stack A connects to a listener on stack B; each side sends a
 * pseudo-random byte stream of a seed-chosen size (20–200 KB), reads everything the other sent,
 * half-closes, and closes once it has seen the peer's end of stream. The run passes when every byte
 * arrived exactly, both sides saw EOF, every connection record is gone after TIME-WAIT, frames the
 * link corrupted were all dropped as integrity failures, and the stacks' memory is back where it
 * started. Only the public API (include/weir) and drivers/ are used: this is what an embedder sees.
 *
 * Every loop is bounded by virtual time and by an iteration count, so an engine bug ends the run
 * with a message naming the seed, the scenario, the byte counts and the connection states — never
 * a hang. Reproduce one run with:  test_sim --scenario NAME --seed N --verbose [--pcap FILE]
 * --pcap records what stack A sends and receives (its trace hook) in the last run: use it with
 * --seed and --scenario, then open the file in Wireshark or tshark.
 *
 * Usage: test_sim [--seeds N] [--first-seed S] [--scenario NAME] [--seed N] [--max-kb K]
 *                 [--verbose] [--pcap FILE]
 * cmocka runs one test per scenario (all seeds each), then a determinism test.
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

#include <cmocka.h>

#include "fault.h"
#include "memlink.h"
#include "pcap_writer.h"
#include "weir/weir.h"

enum {
    SIM_MIN_BYTES = 20000,
    SIM_PORT = 80,
    SIM_CHUNK = 16384,
    SIM_MAX_ITERATIONS = 4000000,  /* loop turns per run */
    SIM_MAX_SAME_INSTANT = 100000, /* loop turns without time advancing: a livelock */
    SIM_MSG = 2048,
};
#define SIM_TIME_LIMIT_US (UINT64_C(1800) * 1000000u) /* virtual: 30 minutes */
#define SIM_MSL_US (UINT64_C(2) * 1000000u)           /* TIME-WAIT lasts 4 s of virtual time */
#define SIM_IP_A 0x0A000001u                          /* 10.0.0.1 */
#define SIM_IP_B 0x0A000002u                          /* 10.0.0.2 */

/* ---- scenarios ------------------------------------------------------------------------------ */

typedef struct scenario {
    const char *name;
    weir_fault_config fault; /* applied to both directions */
} scenario;

/* A 1 ms one-way delay everywhere: enough for RTT, RTO and delayed ACKs to interact. The
 * combined scenario adds jitter, which reorders on its own. */
#define DELAY_1MS .delay_min_us = 1000, .delay_max_us = 1000
static const scenario SCENARIOS[] = {
    {"clean", {DELAY_1MS}},
    {"loss1", {.loss = 0.01, DELAY_1MS}},
    {"loss5", {.loss = 0.05, DELAY_1MS}},
    {"loss10", {.loss = 0.10, DELAY_1MS}},
    {"dup5", {.duplicate = 0.05, DELAY_1MS}},
    {"reorder5", {.reorder = 0.05, .reorder_delay_us = 3000, DELAY_1MS}},
    {"corrupt5", {.corrupt = 0.05, DELAY_1MS}},
    {"combined",
     {.loss = 0.05,
      .duplicate = 0.05,
      .reorder = 0.05,
      .corrupt = 0.05,
      .delay_min_us = 700,
      .delay_max_us = 1500,
      .reorder_delay_us = 3000}},
};
#define SCENARIO_COUNT (sizeof(SCENARIOS) / sizeof(SCENARIOS[0]))

/* ---- options and per-scenario results -------------------------------------------------------- */

typedef struct sim_options {
    uint64_t first_seed;
    uint32_t seeds;
    uint32_t max_bytes;
    const char *only_scenario; /* NULL: all */
    bool verbose;
    const char *pcap_path; /* NULL: no capture */
} sim_options;

typedef struct scenario_result {
    const scenario *sc;
    uint32_t runs, failures;
    uint64_t bytes; /* application bytes delivered, both directions */
    uint64_t virt_us_total, virt_us_max;
    uint64_t retransmits;
    uint64_t lost, duplicated, reordered, corrupted, integrity_drops, checksum_drops;
    bool ran;
} scenario_result;

typedef struct sim_suite {
    sim_options opt;
    scenario_result results[SCENARIO_COUNT];
} sim_suite;

/* ---- the byte streams ------------------------------------------------------------------------ */

static uint64_t mix64(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Byte `pos` of the stream named `key`: addressable, so the receiver regenerates what it expects
 * at any offset without keeping a copy. */
static void stream_fill(uint64_t key, uint64_t pos, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t p = pos + i;
        out[i] = (uint8_t)(mix64(key ^ (p >> 3) * UINT64_C(0xD6E8FEB86659FD93)) >> ((p & 7) * 8));
    }
}

/* On a mismatch: where in the stream do the bytes we got come from? "data from offset Y" says a
 * segment landed at the wrong place; "not stream data" points at a buffer bug. Writes into msg. */
static const char *locate_in_stream(uint64_t key, uint64_t stream_len, const uint8_t *got,
                                    size_t got_len, uint64_t at, char *msg, size_t cap)
{
    enum { PROBE = 12 };
    if (got_len < PROBE) {
        snprintf(msg, cap, "too few bytes to locate");
        return msg;
    }
    uint8_t cand[PROBE];
    for (uint64_t off = 0; off + PROBE <= stream_len; off++) {
        stream_fill(key, off, cand, PROBE);
        if (memcmp(cand, got, PROBE) == 0) {
            snprintf(msg, cap, "the stream's bytes from offset %" PRIu64 ", %+" PRId64, off,
                     (int64_t)(off - at));
            return msg;
        }
    }
    snprintf(msg, cap, "not stream data: %02x %02x %02x %02x ...", got[0], got[1], got[2], got[3]);
    return msg;
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
    bool connected, shut, eof, closed;
    int error;             /* first connection error seen, 0 if none */
    uint64_t mem_baseline; /* stats.mem_in_use before any socket existed */
} app;

typedef struct sim_run {
    uint64_t seed;
    const scenario *sc;
    const sim_options *opt;
    weir_memlink *link;
    app side[2]; /* 0 = A (client, link end 0), 1 = B (server, link end 1) */
    uint64_t now;
    uint64_t frame_hash;    /* FNV-1a over every frame transmitted, in order: determinism check */
    weir_pcap_writer *pcap; /* --pcap: stack A's frames */
    char fail[SIM_MSG];     /* first failure; empty when the run is good */
} sim_run;

/* The netif's transmit context: hashes each frame, then hands it to the link. */
typedef struct tx_tap {
    sim_run *run;
    void *link_end;
} tx_tap;

/* Lets the compiler check the format strings of run_failf(). */
#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

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

static void app_pump_send(sim_run *r, app *a)
{
    uint8_t buf[SIM_CHUNK];
    while (a->sock >= 0 && a->sent < a->to_send) {
        size_t n =
            a->to_send - a->sent < sizeof(buf) ? (size_t)(a->to_send - a->sent) : sizeof(buf);
        stream_fill(a->send_key, a->sent, buf, n);
        int rc = weir_tcp_send(a->stack, a->sock, buf, n);
        if (rc == WEIR_EAGAIN || rc == 0)
            return; /* WRITABLE will say when there is room */
        if (rc < 0) {
            run_failf(r, "%s: weir_tcp_send: %s after %" PRIu64 " bytes", a->name,
                      weir_err_name(rc), a->sent);
            return;
        }
        if ((size_t)rc > n) {
            run_failf(r, "%s: weir_tcp_send accepted %d of %zu bytes", a->name, rc, n);
            return;
        }
        a->sent += (uint64_t)rc;
    }
    if (a->sock >= 0 && a->sent == a->to_send && !a->shut) {
        int rc = weir_tcp_shutdown(a->stack, a->sock);
        if (rc < 0)
            run_failf(r, "%s: weir_tcp_shutdown: %s", a->name, weir_err_name(rc));
        a->shut = true;
    }
}

static void app_pump_recv(sim_run *r, app *a)
{
    uint8_t buf[SIM_CHUNK], want[SIM_CHUNK];
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
            a->eof = true;
            if (a->received != a->to_recv)
                run_failf(r, "%s: end of stream after %" PRIu64 " of %" PRIu64 " bytes", a->name,
                          a->received, a->to_recv);
            return;
        }
        size_t n = (size_t)rc;
        if (n > sizeof(buf) || a->received + n > a->to_recv) {
            run_failf(r,
                      "%s: received %zu bytes at offset %" PRIu64 ", beyond the %" PRIu64
                      "-byte stream",
                      a->name, n, a->received, a->to_recv);
            return;
        }
        stream_fill(a->recv_key, a->received, want, n);
        if (memcmp(buf, want, n) != 0) {
            size_t i = 0;
            while (buf[i] == want[i])
                i++;
            uint64_t at = a->received + i;
            char where[96];
            run_failf(r, "%s: byte %" PRIu64 " of the stream is 0x%02x, expected 0x%02x (%s)",
                      a->name, at, buf[i], want[i],
                      locate_in_stream(a->recv_key, a->to_recv, buf + i, n - i, at, where,
                                       sizeof(where)));
            return;
        }
        a->received += n;
    }
}

/* Close once both directions are done: ours shut down, theirs read to the end. */
static void app_maybe_close(sim_run *r, app *a)
{
    if (a->sock < 0 || !a->eof || !a->shut || a->sent != a->to_send)
        return;
    int rc = weir_tcp_close(a->stack, a->sock);
    if (rc < 0)
        run_failf(r, "%s: weir_tcp_close: %s", a->name, weir_err_name(rc));
    a->sock = -1;
    a->closed = true;
}

static void app_on_event(sim_run *r, app *a, const weir_event *ev)
{
    if (r->opt->verbose)
        printf("  t=%.6f %s event %s sock %d err %d\n", (double)r->now / 1e6, a->name,
               weir_event_name(ev->type), ev->sock, ev->err);
    if (ev->type == WEIR_EV_ACCEPTABLE && ev->sock == a->listener) {
        weir_endpoint peer;
        int s = weir_tcp_accept(a->stack, a->listener, &peer);
        if (s == WEIR_EAGAIN)
            return;
        if (s < 0) {
            run_failf(r, "%s: weir_tcp_accept: %s", a->name, weir_err_name(s));
            return;
        }
        if (a->sock >= 0) {
            run_failf(r, "%s: a second connection was accepted", a->name);
            weir_tcp_abort(a->stack, s);
            return;
        }
        if (peer.ip != SIM_IP_A)
            run_failf(r, "%s: accepted a peer 0x%08" PRIx32 ", expected 10.0.0.1", a->name,
                      peer.ip);
        a->sock = s;
        a->connected = true;
        /* One connection is all this test wants: closing the listener must not disturb it. */
        int rc = weir_tcp_close(a->stack, a->listener);
        if (rc < 0)
            run_failf(r, "%s: closing the listener: %s", a->name, weir_err_name(rc));
        a->listener = -1;
        app_pump_send(r, a);
        app_pump_recv(r, a); /* data may already be waiting */
        app_maybe_close(r, a);
        return;
    }
    if (a->sock < 0 || ev->sock != a->sock)
        return; /* stale: for a handle we already released */
    switch (ev->type) {
    case WEIR_EV_CONNECTED:
        a->connected = true;
        app_pump_send(r, a);
        break;
    case WEIR_EV_WRITABLE:
        app_pump_send(r, a);
        break;
    case WEIR_EV_READABLE:
    case WEIR_EV_PEER_CLOSED:
        app_pump_recv(r, a);
        break;
    case WEIR_EV_ERROR:
        a->error = ev->err;
        run_failf(r,
                  "%s: connection error %s after sending %" PRIu64 "/%" PRIu64
                  " and receiving %" PRIu64 "/%" PRIu64,
                  a->name, weir_err_name(ev->err), a->sent, a->to_send, a->received, a->to_recv);
        break;
    case WEIR_EV_SOFT_ERROR: /* a lossy link resends; the transfer goes on */
    case WEIR_EV_CLOSED:
    case WEIR_EV_ACCEPTABLE:
    case WEIR_EV_URGENT: /* no urgent data in these transfers */
        break;
    }
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

/* ---- setup and teardown -------------------------------------------------------------------- */

static bool app_create(sim_run *r, app *a, int end, uint32_t ip, tx_tap *tap)
{
    weir_fault_rng_seed(&a->rng, mix64(r->seed * 2 + (uint64_t)end) ^ UINT64_C(0x5EED));
    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.random = sim_random;
    cfg.random_ctx = &a->rng;
    cfg.trace = NULL;
    if (end == 0 && r->pcap != NULL) {
        cfg.trace = weir_pcap_trace;
        cfg.trace_ctx = r->pcap;
    }
    cfg.tcp.msl_us = SIM_MSL_US;
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
    if (l < 0) {
        run_failf(r, "B: weir_tcp_socket: %s", weir_err_name(l));
        return false;
    }
    B->listener = l;
    int rc = weir_tcp_bind(B->stack, l, (weir_endpoint){.ip = SIM_IP_B, .port = SIM_PORT});
    if (rc == 0)
        rc = weir_tcp_listen(B->stack, l, 4);
    if (rc != 0) {
        run_failf(r, "B: bind/listen: %s", weir_err_name(rc));
        return false;
    }
    int s = weir_tcp_socket(A->stack);
    if (s < 0) {
        run_failf(r, "A: weir_tcp_socket: %s", weir_err_name(s));
        return false;
    }
    A->sock = s;
    rc = weir_tcp_bind(A->stack, s, (weir_endpoint){.ip = 0, .port = 0});
    if (rc == 0)
        rc = weir_tcp_connect(A->stack, s, (weir_endpoint){.ip = SIM_IP_B, .port = SIM_PORT});
    if (rc != 0) {
        run_failf(r, "A: bind/connect: %s", weir_err_name(rc));
        return false;
    }
    return true;
}

/* ---- diagnostics --------------------------------------------------------------------------- */

static void describe_app(const sim_run *r, app *a, char *out, size_t cap)
{
    (void)r;
    weir_stats st;
    weir_stats_get(a->stack, &st);
    int n = snprintf(out, cap,
                     "  %s: sent %" PRIu64 "/%" PRIu64 " recv %" PRIu64 "/%" PRIu64
                     " connected=%d shut=%d eof=%d closed=%d tcp_conns=%" PRIu32
                     " retransmits=%" PRIu64 " rto_expired=%" PRIu64 "\n",
                     a->name, a->sent, a->to_send, a->received, a->to_recv, a->connected, a->shut,
                     a->eof, a->closed, st.tcp_conns, st.counters[WEIR_CTR_TCP_RETRANSMITS],
                     st.counters[WEIR_CTR_TCP_RTO_EXPIRED]);
    if (n < 0 || (size_t)n >= cap)
        return;
    /* Every drop reason that fired: usually the quickest pointer to the engine step at fault. */
    int m = snprintf(out + n, cap - (size_t)n, "     drops:");
    for (int d = 0; d < WEIR_DROP_COUNT && m >= 0 && (size_t)(n + m) < cap; d++) {
        n += m;
        m = st.drops[d] ? snprintf(out + n, cap - (size_t)n, " %s=%" PRIu64,
                                   weir_drop_name((weir_drop_reason)d), st.drops[d])
                        : 0;
    }
    if (m < 0 || (size_t)(n + m) >= cap - 1)
        return;
    n += m;
    out[n++] = '\n';
    out[n] = '\0';
    weir_tcp_info info;
    if (a->sock >= 0 && weir_tcp_get_info(a->stack, a->sock, &info) == 0) {
        snprintf(out + n, cap - (size_t)n,
                 "     state %s snd_una=%" PRIu32 " snd_nxt=%" PRIu32 " snd_wnd=%" PRIu32
                 " rcv_nxt=%" PRIu32 " rcv_wnd=%" PRIu32 " cwnd=%" PRIu32 " rto=%" PRIu32
                 "us backoff=%" PRIu32 " send_queued=%" PRIu32 " recv_queued=%" PRIu32 "\n",
                 weir_tcp_state_name(info.state), info.snd_una - info.iss, info.snd_nxt - info.iss,
                 info.snd_wnd, info.rcv_nxt - info.irs, info.rcv_wnd, info.cwnd, info.rto_us,
                 info.backoff, info.send_queued, info.recv_queued);
    }
}

static void report_failure(sim_run *r)
{
    char a[1536] = "", b[1536] = "";
    if (r->side[0].stack)
        describe_app(r, &r->side[0], a, sizeof(a));
    if (r->side[1].stack)
        describe_app(r, &r->side[1], b, sizeof(b));
    weir_memlink_stats ls;
    weir_memlink_get_stats(r->link, &ls);
    printf("FAIL scenario=%s seed=%" PRIu64 " t=%.6fs: %s\n%s%s"
           "  link A->B sent %" PRIu64 " lost %" PRIu64 " dup %" PRIu64 " reord %" PRIu64
           " corrupt %" PRIu64 "; B->A sent %" PRIu64 " lost %" PRIu64 " dup %" PRIu64
           " reord %" PRIu64 " corrupt %" PRIu64 "\n"
           "  reproduce: test_sim --scenario %s --seed %" PRIu64 " --verbose\n",
           r->sc->name, r->seed, (double)r->now / 1e6, r->fail, a, b, ls.sent[0], ls.lost[0],
           ls.duplicated[0], ls.reordered[0], ls.corrupted[0], ls.sent[1], ls.lost[1],
           ls.duplicated[1], ls.reordered[1], ls.corrupted[1], r->sc->name, r->seed);
}

/* Drops a single flipped bit can cause: anything an integrity or header check catches. The
 * checksums catch every single-bit error, but a stack may look at version, lengths or addresses
 * first; none of these drops happens on a link that does not corrupt. */
static uint64_t integrity_drops(const weir_stats *st)
{
    static const weir_drop_reason reasons[] = {
        WEIR_DROP_IP_TRUNCATED,     WEIR_DROP_IP_BAD_VERSION,     WEIR_DROP_IP_BAD_HEADER_LEN,
        WEIR_DROP_IP_BAD_TOTAL_LEN, WEIR_DROP_IP_BAD_CHECKSUM,    WEIR_DROP_IP_BAD_SOURCE,
        WEIR_DROP_IP_NOT_FOR_US,    WEIR_DROP_IP_FRAGMENT,        WEIR_DROP_IP_UNKNOWN_PROTOCOL,
        WEIR_DROP_ICMP_MALFORMED,   WEIR_DROP_ICMP_BAD_CHECKSUM,  WEIR_DROP_ICMP_UNHANDLED,
        WEIR_DROP_UDP_MALFORMED,    WEIR_DROP_UDP_BAD_CHECKSUM,   WEIR_DROP_UDP_NO_SOCKET,
        WEIR_DROP_TCP_TRUNCATED,    WEIR_DROP_TCP_BAD_HEADER_LEN, WEIR_DROP_TCP_BAD_CHECKSUM,
    };
    uint64_t n = 0;
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        n += st->drops[reasons[i]];
    return n;
}

static uint64_t checksum_drops(const weir_stats *st)
{
    return st->drops[WEIR_DROP_IP_BAD_CHECKSUM] + st->drops[WEIR_DROP_TCP_BAD_CHECKSUM];
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

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a < b ? a : b;
    return m < c ? m : c;
}

static void event_loop(sim_run *r)
{
    app *A = &r->side[0], *B = &r->side[1];
    uint64_t same_instant = 0;
    for (uint64_t turn = 0;; turn++) {
        if (r->fail[0] != '\0' || run_done(r))
            return;
        if (turn >= SIM_MAX_ITERATIONS) {
            run_failf(r, "no end after %d loop turns", SIM_MAX_ITERATIONS);
            return;
        }
        uint64_t next = min3(weir_stack_next_deadline(A->stack), weir_stack_next_deadline(B->stack),
                             weir_memlink_next_deadline(r->link));
        if (next == UINT64_MAX) {
            run_failf(r, "stalled: nothing scheduled on either stack or the link, but not done");
            return;
        }
        if (next > SIM_TIME_LIMIT_US) {
            run_failf(r, "no end within %" PRIu64 " s of virtual time (next deadline %.6f s)",
                      SIM_TIME_LIMIT_US / 1000000u, (double)next / 1e6);
            return;
        }
        if (next <= r->now) {
            if (++same_instant > SIM_MAX_SAME_INSTANT) {
                run_failf(r, "livelock: %d turns at t=%.6f s without time advancing",
                          SIM_MAX_SAME_INSTANT, (double)r->now / 1e6);
                return;
            }
        } else {
            r->now = next;
            same_instant = 0;
        }
        /* The link stamps what the stacks send with its clock, so set it before they run. */
        weir_memlink_set_time(r->link, r->now);
        weir_memlink_deliver(r->link, r->now);
        weir_stack_poll(A->stack, r->now);
        weir_stack_poll(B->stack, r->now);
        drain_events(r, A);
        drain_events(r, B);
    }
}

static void check_outcome(sim_run *r, uint64_t corrupted_to[2])
{
    for (int i = 0; i < 2 && r->fail[0] == '\0'; i++) {
        app *a = &r->side[i];
        if (a->received != a->to_recv || !a->eof)
            run_failf(r, "%s: received %" PRIu64 "/%" PRIu64 ", eof=%d", a->name, a->received,
                      a->to_recv, a->eof);
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
        /* Every frame the link corrupted on its way to this side must have been dropped by an
         * integrity check, and nothing else may have tripped one. */
        uint64_t drops = integrity_drops(&st);
        if (drops != corrupted_to[i])
            run_failf(r,
                      "%s: %" PRIu64 " integrity drops (%" PRIu64 " bad checksums) but the link "
                      "corrupted %" PRIu64 " frames to it",
                      a->name, drops, checksum_drops(&st), corrupted_to[i]);
    }
}

/* One (scenario, seed). Fills `res` (accumulating) and returns the frame hash; prints a failure
 * report and counts it when the run fails. */
static uint64_t sim_run_one(const sim_options *opt, const scenario *sc, uint64_t seed,
                            scenario_result *res)
{
    sim_run *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->seed = seed;
    r->sc = sc;
    r->opt = opt;
    r->frame_hash = UINT64_C(0xCBF29CE484222325);
    tx_tap taps[2];
    app *A = &r->side[0], *B = &r->side[1];
    A->name = "A";
    B->name = "B";
    A->sock = B->sock = A->listener = B->listener = -1;

    /* Sizes and stream keys come from the seed, so every seed is a different conversation. */
    weir_fault_rng g;
    weir_fault_rng_seed(&g, seed ^ UINT64_C(0xA11CE));
    uint32_t span = opt->max_bytes > SIM_MIN_BYTES ? opt->max_bytes - SIM_MIN_BYTES + 1 : 1;
    A->to_send = B->to_recv = SIM_MIN_BYTES + weir_fault_rng_next(&g) % span;
    B->to_send = A->to_recv = SIM_MIN_BYTES + weir_fault_rng_next(&g) % span;
    A->send_key = B->recv_key = weir_fault_rng_next(&g);
    B->send_key = A->recv_key = weir_fault_rng_next(&g);

    weir_memlink_config lc;
    weir_memlink_config_init(&lc);
    lc.seed = mix64(seed) ^ (uint64_t)(sc - SCENARIOS);
    lc.fault[0] = lc.fault[1] = sc->fault;
    r->link = weir_memlink_create(&lc);
    assert_non_null(r->link);

    if (opt->pcap_path != NULL) {
        weir_pcap_error perr;
        r->pcap = weir_pcap_open(opt->pcap_path, WEIR_PCAP_RAW_IP, 0, &perr);
        if (r->pcap == NULL)
            printf("test_sim: no capture: %s\n", perr.msg);
    }
    if (opt->verbose)
        printf("run scenario=%s seed=%" PRIu64 ": A sends %" PRIu64 ", B sends %" PRIu64 "\n",
               sc->name, seed, A->to_send, B->to_send);
    if (app_create(r, A, 0, SIM_IP_A, &taps[0]) && app_create(r, B, 1, SIM_IP_B, &taps[1]) &&
        start_connection(r))
        event_loop(r);

    weir_memlink_stats ls;
    weir_memlink_get_stats(r->link, &ls);
    uint64_t corrupted_to[2] = {ls.corrupted[1], ls.corrupted[0]};
    if (r->fail[0] == '\0')
        check_outcome(r, corrupted_to);

    res->runs++;
    if (r->fail[0] != '\0') {
        res->failures++;
        report_failure(r);
    }
    res->bytes += A->received + B->received;
    res->virt_us_total += r->now;
    if (r->now > res->virt_us_max)
        res->virt_us_max = r->now;
    for (int i = 0; i < 2; i++) {
        if (r->side[i].stack) {
            weir_stats st;
            weir_stats_get(r->side[i].stack, &st);
            res->retransmits += st.counters[WEIR_CTR_TCP_RETRANSMITS];
            res->integrity_drops += integrity_drops(&st);
            res->checksum_drops += checksum_drops(&st);
        }
        res->lost += ls.lost[i];
        res->duplicated += ls.duplicated[i];
        res->reordered += ls.reordered[i];
        res->corrupted += ls.corrupted[i];
    }
    uint64_t hash = r->frame_hash;
    weir_stack_destroy(A->stack);
    weir_stack_destroy(B->stack);
    weir_memlink_destroy(r->link);
    if (r->pcap != NULL && !weir_pcap_close(r->pcap))
        printf("test_sim: writing %s failed\n", opt->pcap_path);
    free(r);
    return hash;
}

/* ---- cmocka glue ---------------------------------------------------------------------------- */

typedef struct scenario_test {
    sim_suite *suite;
    size_t index;
} scenario_test;

static void scenario_runs_byte_exact(void **state)
{
    scenario_test *t = *state;
    sim_suite *suite = t->suite;
    scenario_result *res = &suite->results[t->index];
    res->sc = &SCENARIOS[t->index];
    res->ran = true;
    for (uint32_t i = 0; i < suite->opt.seeds; i++)
        sim_run_one(&suite->opt, res->sc, suite->opt.first_seed + i, res);
    if (res->failures > 0)
        fail_msg("scenario %s: %" PRIu32 " of %" PRIu32 " seeds failed (see FAIL lines above)",
                 res->sc->name, res->failures, res->runs);
    /* Each run already checks that every corrupted frame was dropped by some integrity check. A
     * flip can land in a length or version field that is checked before the checksum, so "by
     * the checksum" is asserted over the whole scenario: most flips must end there. */
    if (res->corrupted > 0 && res->checksum_drops * 2 < res->corrupted)
        fail_msg("scenario %s: the link corrupted %" PRIu64 " frames but only %" PRIu64
                 " bad checksums were counted",
                 res->sc->name, res->corrupted, res->checksum_drops);
    if (res->sc->fault.corrupt == 0 && res->integrity_drops > 0)
        fail_msg("scenario %s: %" PRIu64 " integrity drops on a link that corrupts nothing",
                 res->sc->name, res->integrity_drops);
}

/* Same seed, same inputs, same `now` sequence => byte-identical frames (DESIGN.md §2). */
static void same_seed_gives_identical_frames(void **state)
{
    sim_suite *suite = *state;
    const scenario *sc = &SCENARIOS[SCENARIO_COUNT - 1]; /* combined: every draw matters */
    for (uint64_t seed = suite->opt.first_seed; seed < suite->opt.first_seed + 3; seed++) {
        scenario_result r1, r2;
        memset(&r1, 0, sizeof(r1));
        memset(&r2, 0, sizeof(r2));
        uint64_t h1 = sim_run_one(&suite->opt, sc, seed, &r1);
        uint64_t h2 = sim_run_one(&suite->opt, sc, seed, &r2);
        if (h1 != h2 || r1.virt_us_total != r2.virt_us_total || r1.retransmits != r2.retransmits)
            fail_msg("seed %" PRIu64 ": two runs differ (frame hash %016" PRIx64 " vs %016" PRIx64
                     ", end %.6f s vs %.6f s, retransmits %" PRIu64 " vs %" PRIu64 ")",
                     seed, h1, h2, (double)r1.virt_us_total / 1e6, (double)r2.virt_us_total / 1e6,
                     r1.retransmits, r2.retransmits);
    }
}

static void print_summary(const sim_suite *suite)
{
    printf("\n%-9s %5s %5s %11s %9s %9s %8s %7s %6s %6s %7s %9s %9s\n", "scenario", "seeds", "fail",
           "bytes", "avg virt", "max virt", "retrans", "lost", "dup", "reord", "corrupt",
           "integ.drp", "cksum.drp");
    for (size_t i = 0; i < SCENARIO_COUNT; i++) {
        const scenario_result *r = &suite->results[i];
        if (!r->ran)
            continue;
        printf("%-9s %5" PRIu32 " %5" PRIu32 " %11" PRIu64 " %8.2fs %8.2fs %8" PRIu64 " %7" PRIu64
               " %6" PRIu64 " %6" PRIu64 " %7" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
               r->sc->name, r->runs, r->failures, r->bytes,
               r->runs ? (double)r->virt_us_total / 1e6 / r->runs : 0.0,
               (double)r->virt_us_max / 1e6, r->retransmits, r->lost, r->duplicated, r->reordered,
               r->corrupted, r->integrity_drops, r->checksum_drops);
    }
    printf("\n");
}

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

static int usage(const char *why)
{
    fprintf(stderr,
            "test_sim: %s\nusage: test_sim [--seeds N] [--first-seed S] [--seed S] "
            "[--scenario NAME] [--max-kb K] [--verbose] [--pcap FILE]\nscenarios:",
            why);
    for (size_t i = 0; i < SCENARIO_COUNT; i++)
        fprintf(stderr, " %s", SCENARIOS[i].name);
    fprintf(stderr, "\n");
    return 2;
}

int main(int argc, char **argv)
{
    sim_suite *suite = calloc(1, sizeof(*suite));
    if (suite == NULL)
        return 1;
    suite->opt.first_seed = 1;
    suite->opt.seeds = 100; /* 8 scenarios x 100 seeds: about 20 s under ASan */
    suite->opt.max_bytes = 200000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--verbose") == 0) {
            suite->opt.verbose = true;
        } else if (strcmp(a, "--seeds") == 0 && parse_u64(v, &n) && n > 0 && n <= 1000000) {
            suite->opt.seeds = (uint32_t)n, i++;
        } else if (strcmp(a, "--first-seed") == 0 && parse_u64(v, &n)) {
            suite->opt.first_seed = n, i++;
        } else if (strcmp(a, "--seed") == 0 && parse_u64(v, &n)) {
            suite->opt.first_seed = n, suite->opt.seeds = 1, i++;
        } else if (strcmp(a, "--max-kb") == 0 && parse_u64(v, &n) && n >= 20 && n <= 100000) {
            suite->opt.max_bytes = (uint32_t)(n * 1000), i++;
        } else if (strcmp(a, "--pcap") == 0 && v != NULL) {
            suite->opt.pcap_path = v, i++;
        } else if (strcmp(a, "--scenario") == 0 && v != NULL) {
            suite->opt.only_scenario = v, i++;
        } else {
            free(suite);
            return usage(a);
        }
    }

    scenario_test st[SCENARIO_COUNT];
    struct CMUnitTest tests[SCENARIO_COUNT + 1];
    size_t count = 0;
    for (size_t i = 0; i < SCENARIO_COUNT; i++) {
        if (suite->opt.only_scenario && strcmp(suite->opt.only_scenario, SCENARIOS[i].name) != 0)
            continue;
        st[i] = (scenario_test){suite, i};
        tests[count] = (struct CMUnitTest){.name = SCENARIOS[i].name,
                                           .test_func = scenario_runs_byte_exact,
                                           .initial_state = &st[i]};
        count++;
    }
    if (count == 0) {
        free(suite);
        return usage("unknown scenario");
    }
    if (suite->opt.only_scenario == NULL)
        tests[count++] = (struct CMUnitTest){.name = "same_seed_gives_identical_frames",
                                             .test_func = same_seed_gives_identical_frames,
                                             .initial_state = suite};
    int failed = _cmocka_run_group_tests("sim", tests, count, NULL, NULL);
    print_summary(suite);
    free(suite);
    return failed;
}
