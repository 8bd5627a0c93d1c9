/* weir_pair.h — two weir stacks in one process, a client (side 0) and a server (side 1), joined
 * by one or more in-memory links (drivers/memlink), as the benchmarks use them.
 *
 * Link i is a point-to-point subnet 10.(64 + i/256).(i%256).0/24: the client's interface there is
 * .1, the server's .2. One link is enough for a single connection; the connection-count benchmark
 * uses several so that the client has more than 64 k local ports (one port range per address).
 *
 * The pair owns no application: it moves frames and runs timers (bench_pair_step); each benchmark
 * drains the stacks' events and sends/receives itself. Time is the caller's: a real clock or a
 * virtual one, the pair does not care. Every function the stacks spend their time in is reached
 * through a distinct, never-inlined function here (input, poll and the driver's transmit, per
 * side), so that callgrind can attribute instructions to the client's and the server's stack and
 * subtract what the in-memory link costs. */
#ifndef WEIR_BENCH_PAIR_H
#define WEIR_BENCH_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "fault.h"
#include "memlink.h"
#include "ringlink.h"
#include "weir/weir.h"

/* A function callgrind must see as itself (bench/run.sh attributes instructions by name): GCC
 * would otherwise inline a one-line wrapper or fold identical twins such as the client's and the
 * server's into one (-fipa-icf); noipa forbids both. */
#if defined(__clang__)
#define BENCH_ATTRIBUTED __attribute__((noinline))
#else
#define BENCH_ATTRIBUTED __attribute__((noinline, noipa))
#endif

enum {
    BENCH_CLIENT = 0,
    BENCH_SERVER = 1,
    BENCH_PAIR_MAX_LINKS = 1024,
};

typedef struct bench_pair_config {
    uint16_t mtu;            /* of every link (1500) */
    uint32_t links;          /* 1..BENCH_PAIR_MAX_LINKS (1) */
    uint32_t queue_limit;    /* frames in flight per link direction (1024) */
    uint32_t tx_ring;        /* memlink back-pressure: frames per direction before the link
                                says busy (0: never busy; weir_memlink_config.tx_ring) */
    bool input_burst;        /* deliver each turn's frames to a stack as one input burst
                                (weir_netif_input_begin/end: one ACK per burst, MUST-59) */
    uint32_t threaded_slots; /* nonzero: one ringlink of this many slots per direction instead of
                                memlinks (links must be 1, no faults), so that each stack can
                                run on a thread of its own (bench_pair_receive) */
    weir_fault_config fault; /* impairment of both directions of every link (none) */
    uint64_t seed;           /* the link's faults and the stacks' randomness (1) */
    weir_stack_config stack; /* both stacks; `random` is filled in by the pair */
    unsigned csum_offload;   /* WEIR_NETIF_CSUM_* on every interface (0): the memlink copies
                                frames intact, so it may; refused with fault.corrupt > 0 */
} bench_pair_config;

void bench_pair_config_init(bench_pair_config *cfg);

/* One interface of one stack: the memlink's delivery context. */
typedef struct bench_end {
    weir_stack *stack;
    int netif;
} bench_end;

typedef struct bench_pair {
    weir_stack *stack[2];
    weir_fault_rng rng[2]; /* each stack's randomness: seeded, so a run can be repeated */
    uint32_t links;
    weir_memlink **link; /* [links] */
    weir_ringlink *ring; /* threaded_slots: the one link (then links is 0) */
    bench_end *end;      /* [links][2] */
    bool input_burst;    /* bench_pair_config.input_burst */
} bench_pair;

/* Returns 0, or a negative WEIR_E* code after printing what failed to stderr. On failure the pair
 * is left destroyed. */
int bench_pair_create(bench_pair *p, const bench_pair_config *cfg);
void bench_pair_destroy(bench_pair *p);

uint32_t bench_pair_ip(uint32_t link, int side);

/* Deliver every frame due at now_us on every link, then run both stacks' timers. */
void bench_pair_step(bench_pair *p, uint64_t now_us);

/* Stamp frames the applications send from now on with now_us (call before sending). */
void bench_pair_set_time(bench_pair *p, uint64_t now_us);

/* The earliest time anything is due: a frame on a link or a timer of either stack. */
uint64_t bench_pair_next_deadline(const bench_pair *p);

/* Frames still travelling on any link. */
bool bench_pair_links_busy(const bench_pair *p);

/* Threaded pairs: on side's thread, hand the stack of `side` up to `max` frames that arrived for
 * it. Returns how many. */
uint32_t bench_pair_receive(bench_pair *p, int side, uint64_t now_us, uint32_t max);

/* Sum of both directions of every link's counters. */
void bench_pair_link_stats(const bench_pair *p, weir_memlink_stats *out);

/* ---- one bulk transfer over the pair ------------------------------------------------------
 * The client sends `bytes` and half-closes; the server accepts one connection and reads until
 * the end of the stream. weir_bulk runs it on either clock; tests run it in virtual time with
 * bench_flow_run. The two applications are attributed functions (bench_flow_send and
 * bench_flow_recv) for bench/run.sh's callgrind row. */

enum { BENCH_FLOW_CHUNK = 65536 };

typedef struct bench_flow {
    bench_pair *pair;
    uint64_t bytes; /* to send */
    weir_endpoint where; /* the listener's address */
    int listener, client, server;
    uint64_t sent, received;
    uint64_t now_us; /* the stacks' time, the caller's to advance */
    uint64_t end_us; /* when the last byte was read */
    bool shut, eof;
    int error; /* the first error either application met, 0 if none */
    /* Optional: fill writes the stream's bytes from `offset` (else they are zeros); on_read sees
     * what the server read, at its stream offset. */
    void (*fill)(uint8_t *buf, size_t n, uint64_t offset);
    void (*on_read)(void *ctx, const uint8_t *buf, size_t n, uint64_t offset);
    /* Optional: set the listener's options before it listens (a non-zero return fails). */
    int (*before_listen)(void *ctx, weir_stack *server, int listener);
    void *ctx;
    uint8_t chunk[BENCH_FLOW_CHUNK];
} bench_flow;

/* A listener on the server's first address at `port` (before_listen may set its options: the
 * accepted socket inherits them), then the client's connect(). 0 or a WEIR_E* code. */
int bench_flow_listen(bench_flow *f, bench_pair *p, uint16_t port, uint64_t bytes);
int bench_flow_connect(bench_flow *f);

/* The two applications, run by the events (bench_flow_drain): the client fills its send buffer,
 * the server reads what there is. */
void bench_flow_send(bench_flow *f);
void bench_flow_recv(bench_flow *f);

/* Drain both stacks' events (at most max_events each), sending and reading as they allow. */
void bench_flow_drain(bench_flow *f, int max_events);
/* The same for one side's stack (BENCH_CLIENT or BENCH_SERVER): a threaded run gives each
 * thread its own copy of the flow, and each copy only uses its side's fields. */
void bench_flow_drain_side(bench_flow *f, int side, int max_events);

/* In virtual time: step to whatever is due next until the end of the stream, an error, nothing
 * scheduled, max_turns turns or the virtual time limit. NULL at the end of the stream, else why
 * it stopped. */
const char *bench_flow_run(bench_flow *f, uint64_t max_turns, uint64_t limit_us);

#endif
