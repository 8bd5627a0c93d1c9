/* memlink.c — an in-memory, virtual-time link between two stacks (see memlink.h).
 *
 * Each direction is a bounded min-heap of frames keyed by (delivery time, send sequence) — or,
 * for a direction without impairment, a FIFO ring in the same array: every frame there is due
 * at the link's time when sent, which never goes back, so send order IS (time, sequence) order
 * and the heap's log(n) sifting buys nothing. The sequence number is shared by both directions, so frames due at the same instant leave in the
 * order they were sent, whichever end sent them: delivery is a total order and a run is a pure
 * function of the seed and the caller's `now` sequence.
 *
 * Policy choices:
 *  - A full queue is a tail drop: transmit still returns 0 and queue_drops counts the frame, as a
 *    real link's full buffer drops silently. (A negative return would make the stack count a
 *    driver failure; TCP recovers from both the same way, by retransmission.)
 *  - Frames longer than the MTU are refused with WEIR_EMSGSIZE: that is a bug in the sender, not a
 *    network event, so it is loud. Empty or NULL frames and a NULL context get WEIR_EINVAL.
 *  - Each direction draws from its own generator (fault[i] with a stream derived from the seed),
 *    so the decisions for end 0's frames do not depend on how many frames end 1 sent.
 *  - weir_memlink_deliver() hands over only frames that were already queued when it was called.
 *    Replies transmitted from inside a receiver callback are stamped with `now + delay` and wait
 *    for the next call, even when due at once — that bounds one call and rules out ping-pong
 *    loops; weir_memlink_next_deadline() then reports `now` so the caller comes back.
 *  - Frame buffers come from a pool kept by the link: a delivered frame's buffer goes on a free
 *    list and the next transmit reuses it, so a link in steady state calls malloc() only while it
 *    grows to the most frames it has had in flight (benchmarks send hundreds of thousands of
 *    frames a second through it). Two size classes, so that ACKs do not each hold an MTU: up to
 *    MEMLINK_SMALL_FRAME bytes, and up to the MTU. The pool holds at most `pool_frames` buffers
 *    (in flight or free); a frame that finds none is a counted drop (pool_drops), as for a full
 *    queue. A direction without impairment skips the fault injector: its verdict is always
 *    "deliver once, at once", and its generator serves no one else. */
#include "memlink.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "weir/err.h"

/* A queue of more frames than this is a configuration mistake, not a link. Frames of up to
 * MEMLINK_SMALL_FRAME bytes (ACKs, SYNs, short requests) take buffers of that size. */
enum { MEMLINK_MAX_QUEUE = 1u << 22, MEMLINK_SMALL_FRAME = 256 };

typedef struct memlink_frame {
    uint64_t due_us;
    uint64_t seq;                /* send order, shared by both directions: ties leave in order */
    struct memlink_frame *next;  /* the pool's free list */
    size_t len;
    uint8_t size_class;          /* 0: MEMLINK_SMALL_FRAME bytes of data, 1: the MTU */
    uint8_t data[];
} memlink_frame;

/* One direction: frames sent by end `from`, heading for the other end. */
typedef struct memlink_queue {
    memlink_frame **heap; /* min-heap on (due_us, seq), or a FIFO ring; capacity queue_limit */
    uint32_t count;
    uint32_t head;        /* FIFO: the oldest frame's index (0 for a heap) */
    bool fifo;            /* no impairment: frames leave in the order they came */
    weir_fault_rng rng;
} memlink_queue;

/* What weir_memlink_end() hands out as the transmit context. */
typedef struct memlink_end {
    weir_memlink *link;
    int index;
    weir_memlink_deliver_fn receiver;
    void *receiver_ctx;
} memlink_end;

struct weir_memlink {
    weir_memlink_config cfg;
    memlink_queue queue[2]; /* queue[i]: frames sent by end i */
    memlink_end end[2];
    bool impaired[2];           /* cfg.fault[i] can change a frame's fate */
    memlink_frame *free_frames[2]; /* per size class */
    uint32_t pool_limit;        /* buffers allocated at most (in flight + free) */
    uint64_t now_us;
    uint64_t next_seq;
    bool delivering; /* guards against a receiver calling weir_memlink_deliver() re-entrantly */
    weir_memlink_stats stats;
};

void weir_memlink_config_init(weir_memlink_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->mtu = 1500;
    cfg->queue_limit = 1024;
}

static bool config_valid(const weir_memlink_config *cfg)
{
    return cfg != NULL && cfg->mtu > 0 && cfg->queue_limit > 0 &&
           cfg->tx_ring <= cfg->queue_limit && cfg->queue_limit <= MEMLINK_MAX_QUEUE &&
           weir_fault_config_valid(&cfg->fault[0]) && weir_fault_config_valid(&cfg->fault[1]);
}

weir_memlink *weir_memlink_create(const weir_memlink_config *cfg)
{
    if (!config_valid(cfg))
        return NULL;
    weir_memlink *link = calloc(1, sizeof(*link));
    if (link == NULL)
        return NULL;
    link->cfg = *cfg;
    link->pool_limit = cfg->pool_frames ? cfg->pool_frames : 2 * cfg->queue_limit;
    for (int i = 0; i < 2; i++) {
        link->impaired[i] = weir_fault_impairs(&cfg->fault[i]);
        link->queue[i].fifo = !link->impaired[i];
        link->queue[i].heap = calloc(cfg->queue_limit, sizeof(memlink_frame *));
        if (link->queue[i].heap == NULL) {
            weir_memlink_destroy(link);
            return NULL;
        }
        /* Distinct, reproducible streams per direction: splitmix64 inside the seeding scrambles
         * even adjacent seeds thoroughly. */
        weir_fault_rng_seed(&link->queue[i].rng,
                            cfg->seed ^ ((uint64_t)i * UINT64_C(0xD1B54A32D192ED03)));
        link->end[i].link = link;
        link->end[i].index = i;
    }
    return link;
}

void weir_memlink_destroy(weir_memlink *link)
{
    if (link == NULL)
        return;
    for (int i = 0; i < 2; i++) {
        memlink_queue *q = &link->queue[i];
        if (q->heap == NULL)
            continue;
        for (uint32_t k = 0; k < q->count; k++)
            free(q->heap[(q->head + k) % link->cfg.queue_limit]);
        free(q->heap);
    }
    for (int c = 0; c < 2; c++) {
        while (link->free_frames[c] != NULL) {
            memlink_frame *f = link->free_frames[c];
            link->free_frames[c] = f->next;
            free(f);
        }
    }
    free(link);
}

void weir_memlink_set_receiver(weir_memlink *link, int end, weir_memlink_deliver_fn fn, void *ctx)
{
    if (link == NULL || end < 0 || end > 1)
        return;
    link->end[end].receiver = fn;
    link->end[end].receiver_ctx = ctx;
}

void *weir_memlink_end(weir_memlink *link, int end)
{
    if (link == NULL || end < 0 || end > 1)
        return NULL;
    return &link->end[end];
}

/* ---- the heap ------------------------------------------------------------------------------ */

static bool frame_before(const memlink_frame *a, const memlink_frame *b)
{
    return a->due_us < b->due_us || (a->due_us == b->due_us && a->seq < b->seq);
}

static void heap_push(memlink_queue *q, memlink_frame *f)
{
    uint32_t i = q->count++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!frame_before(f, q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = f;
}

static memlink_frame *heap_pop(memlink_queue *q)
{
    memlink_frame *top = q->heap[0];
    memlink_frame *last = q->heap[--q->count];
    uint32_t i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= q->count)
            break;
        if (child + 1 < q->count && frame_before(q->heap[child + 1], q->heap[child]))
            child++;
        if (!frame_before(q->heap[child], last))
            break;
        q->heap[i] = q->heap[child];
        i = child;
    }
    if (q->count > 0)
        q->heap[i] = last;
    return top;
}

/* The queue of either kind (see the top): push, pop and peek the next frame to leave. */
static void queue_push(memlink_queue *q, memlink_frame *f, uint32_t cap)
{
    if (!q->fifo) {
        heap_push(q, f);
        return;
    }
    uint32_t tail = q->head + q->count++;
    q->heap[tail >= cap ? tail - cap : tail] = f;
}

static memlink_frame *queue_pop(memlink_queue *q, uint32_t cap)
{
    if (!q->fifo)
        return heap_pop(q);
    memlink_frame *f = q->heap[q->head];
    q->head = q->head + 1 == cap ? 0 : q->head + 1;
    q->count--;
    return f;
}

static const memlink_frame *queue_peek(const memlink_queue *q)
{
    return q->count ? q->heap[q->head] : NULL;
}

/* ---- the frame pool ------------------------------------------------------------------------ */

static size_t class_capacity(const weir_memlink *link, int size_class)
{
    return size_class == 0 ? MEMLINK_SMALL_FRAME : link->cfg.mtu;
}

/* A buffer for a frame of `len` bytes into *out: a free one of its class, else a new one while
 * the pool is below its limit (at the limit, a free buffer of the other class makes room).
 * Returns 0 with *out NULL when the pool is exhausted, WEIR_ENOMEM when malloc fails. */
static int frame_get(weir_memlink *link, size_t len, memlink_frame **out)
{
    int cls = len <= MEMLINK_SMALL_FRAME ? 0 : 1;
    memlink_frame *f = link->free_frames[cls];
    *out = NULL;
    if (f != NULL) {
        link->free_frames[cls] = f->next;
        *out = f;
        return 0;
    }
    weir_memlink_stats *st = &link->stats;
    if (st->pool_allocated >= link->pool_limit) {
        memlink_frame *other = link->free_frames[1 - cls];
        if (other == NULL)
            return 0;
        link->free_frames[1 - cls] = other->next;
        free(other);
        st->pool_allocated--;
    }
    f = malloc(sizeof(*f) + class_capacity(link, cls));
    if (f == NULL)
        return WEIR_ENOMEM;
    f->size_class = (uint8_t)cls;
    if (++st->pool_allocated > st->pool_high_water)
        st->pool_high_water = st->pool_allocated;
    *out = f;
    return 0;
}

static void frame_put(weir_memlink *link, memlink_frame *f)
{
    f->next = link->free_frames[f->size_class];
    link->free_frames[f->size_class] = f;
}

/* ---- transmit ------------------------------------------------------------------------------ */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* Queue one copy. Returns 0, or WEIR_ENOMEM. A full queue is a counted tail drop (returns 0). */
static int enqueue_copy(weir_memlink *link, int from, const uint8_t *frame, size_t len,
                        uint64_t delay_us, bool corrupt, size_t corrupt_bit)
{
    memlink_queue *q = &link->queue[from];
    if (q->count >= link->cfg.queue_limit) {
        link->stats.queue_drops[from]++;
        return 0;
    }
    memlink_frame *f;
    int err = frame_get(link, len, &f);
    if (f == NULL) {
        if (err == 0)
            link->stats.pool_drops[from]++;
        return err;
    }
    f->due_us = sat_add(link->now_us, delay_us);
    f->seq = link->next_seq++;
    f->len = len;
    memcpy(f->data, frame, len);
    if (corrupt) {
        f->data[corrupt_bit / 8] ^= (uint8_t)(1u << (corrupt_bit % 8));
        link->stats.corrupted[from]++;
    }
    queue_push(q, f, link->cfg.queue_limit);
    return 0;
}

static int memlink_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    memlink_end *end = ctx;
    if (end == NULL || frame == NULL || len == 0)
        return WEIR_EINVAL;
    weir_memlink *link = end->link;
    if (len > link->cfg.mtu)
        return WEIR_EMSGSIZE;

    int from = end->index;
    link->stats.sent[from]++;
    if (!link->impaired[from])
        return enqueue_copy(link, from, frame, len, 0, false, 0);
    weir_fault_verdict v;
    weir_fault_decide(&link->cfg.fault[from], &link->queue[from].rng, len, &v);
    if (v.drop) {
        link->stats.lost[from]++;
        return 0;
    }
    if (v.reordered)
        link->stats.reordered[from]++;
    int err = enqueue_copy(link, from, frame, len, v.delay_us[0], v.corrupt, v.corrupt_bit);
    if (err == 0 && v.copies == 2) {
        link->stats.duplicated[from]++;
        err = enqueue_copy(link, from, frame, len, v.delay_us[1], false, 0);
    }
    return err;
}

weir_transmit_fn weir_memlink_transmit_fn(void) { return memlink_transmit; }

static int memlink_tx_ready(void *ctx)
{
    const memlink_end *end = ctx;
    if (end == NULL)
        return 0;
    const weir_memlink *link = end->link;
    return link->cfg.tx_ring == 0 || link->queue[end->index].count < link->cfg.tx_ring;
}

weir_tx_ready_fn weir_memlink_tx_ready_fn(void) { return memlink_tx_ready; }

/* ---- delivery ------------------------------------------------------------------------------ */

void weir_memlink_set_time(weir_memlink *link, uint64_t now_us)
{
    /* Like the stack: time never goes backwards; an earlier value means "still the last one". */
    if (link != NULL && now_us > link->now_us)
        link->now_us = now_us;
}

/* The direction whose head leaves first, or -1 when nothing is due: due by `now` and queued
 * before the current deliver call began (seq < seq_limit). */
static int next_due(const weir_memlink *link, uint64_t seq_limit)
{
    int best = -1;
    const memlink_frame *best_f = NULL;
    for (int i = 0; i < 2; i++) {
        const memlink_frame *f = queue_peek(&link->queue[i]);
        if (f == NULL || f->due_us > link->now_us || f->seq >= seq_limit)
            continue;
        if (best_f == NULL || frame_before(f, best_f)) {
            best = i;
            best_f = f;
        }
    }
    return best;
}

void weir_memlink_deliver(weir_memlink *link, uint64_t now_us)
{
    if (link == NULL || link->delivering)
        return;
    weir_memlink_set_time(link, now_us);
    link->delivering = true;
    /* A frame queued during this call has seq >= seq_limit and a due time >= now, so it sorts
     * after every older frame that is due: stopping at it loses nothing that is due. */
    uint64_t seq_limit = link->next_seq;
    int from;
    while ((from = next_due(link, seq_limit)) >= 0) {
        /* Pop before calling out: the receiver's replies push onto these same heaps. */
        memlink_frame *f = queue_pop(&link->queue[from], link->cfg.queue_limit);
        memlink_end *to = &link->end[1 - from];
        link->stats.delivered[from]++;
        if (to->receiver != NULL)
            to->receiver(to->receiver_ctx, f->data, f->len, link->now_us);
        frame_put(link, f);
    }
    link->delivering = false;
}

uint64_t weir_memlink_next_deadline(const weir_memlink *link)
{
    uint64_t next = UINT64_MAX;
    if (link == NULL)
        return next;
    for (int i = 0; i < 2; i++) {
        const memlink_frame *f = queue_peek(&link->queue[i]);
        if (f != NULL && f->due_us < next)
            next = f->due_us;
    }
    return next;
}

void weir_memlink_get_stats(const weir_memlink *link, weir_memlink_stats *out)
{
    if (out == NULL)
        return;
    if (link == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = link->stats;
}
