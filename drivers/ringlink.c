/* ringlink.c — two stacks on two threads, joined by lock-free rings (see ringlink.h).
 *
 * Each direction is a Lamport ring: the producer alone writes `tail`, the consumer alone writes
 * `head`, each publishes with a release store and reads the other's with an acquire load, so a
 * slot's bytes are visible before its index is. Each side keeps a private copy of the other's
 * index and reloads it only when the copy says full (producer) or empty (consumer): the shared
 * lines move between cores once per batch, not once per frame. The two indexes live on separate
 * cache lines so that the two threads do not fight over one. Indexes run freely modulo 2^32;
 * the slot is index & (slots - 1). */
#include "ringlink.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "weir/err.h"

enum { RINGLINK_CACHE_LINE = 64, RINGLINK_MAX_SLOTS = 65536, RINGLINK_MIN_MTU = 68 };

/* A counter with one writer: a relaxed load and store, not a locked read-modify-write. */
static void count(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

typedef struct ringlink_dir {
    /* The producer's line: what it writes, and its copy of head. */
    alignas(RINGLINK_CACHE_LINE) _Atomic uint32_t tail;
    uint32_t head_seen;
    _Atomic uint64_t sent, full;
    /* The consumer's line. */
    alignas(RINGLINK_CACHE_LINE) _Atomic uint32_t head;
    uint32_t tail_seen;
    _Atomic uint64_t delivered;
    alignas(RINGLINK_CACHE_LINE) uint32_t *len; /* [slots] */
    uint8_t *data;                              /* [slots][slot_size] */
} ringlink_dir;

typedef struct ringlink_end {
    weir_ringlink *link;
    int index;
} ringlink_end;

struct weir_ringlink {
    ringlink_dir dir[2]; /* dir[i]: frames sent by end i */
    ringlink_end end[2];
    uint32_t slots, mask;
    uint16_t mtu;
    size_t slot_size;
};

static bool is_power_of_two(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

weir_ringlink *weir_ringlink_create(uint32_t slots, uint16_t mtu)
{
    if (slots < 2 || slots > RINGLINK_MAX_SLOTS || !is_power_of_two(slots) ||
        mtu < RINGLINK_MIN_MTU)
        return NULL;
    weir_ringlink *link = aligned_alloc(RINGLINK_CACHE_LINE, sizeof *link);
    if (link == NULL)
        return NULL;
    memset(link, 0, sizeof *link);
    link->slots = slots;
    link->mask = slots - 1;
    link->mtu = mtu;
    /* Whole cache lines per slot: neighbouring frames never share one between the threads. */
    link->slot_size = ((size_t)mtu + RINGLINK_CACHE_LINE - 1) & ~(size_t)(RINGLINK_CACHE_LINE - 1);
    for (int i = 0; i < 2; i++) {
        ringlink_dir *d = &link->dir[i];
        atomic_init(&d->tail, 0);
        atomic_init(&d->head, 0);
        atomic_init(&d->sent, 0);
        atomic_init(&d->full, 0);
        atomic_init(&d->delivered, 0);
        d->len = calloc(slots, sizeof *d->len);
        d->data = aligned_alloc(RINGLINK_CACHE_LINE, slots * link->slot_size);
        link->end[i] = (ringlink_end){.link = link, .index = i};
        if (d->len == NULL || d->data == NULL) {
            weir_ringlink_destroy(link);
            return NULL;
        }
    }
    return link;
}

void weir_ringlink_destroy(weir_ringlink *link)
{
    if (link == NULL)
        return;
    for (int i = 0; i < 2; i++) {
        free(link->dir[i].len);
        free(link->dir[i].data);
    }
    free(link);
}

void *weir_ringlink_end(weir_ringlink *link, int end)
{
    return link != NULL && (end == 0 || end == 1) ? &link->end[end] : NULL;
}

/* The producer's view: is there a free slot? Reloads head only when its copy says full. */
static bool has_room(const weir_ringlink *link, ringlink_dir *d, uint32_t tail)
{
    if (tail - d->head_seen < link->slots)
        return true;
    d->head_seen = atomic_load_explicit(&d->head, memory_order_acquire);
    return tail - d->head_seen < link->slots;
}

static int ringlink_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    ringlink_end *e = ctx;
    if (e == NULL || frame == NULL || len == 0)
        return WEIR_EINVAL;
    weir_ringlink *link = e->link;
    if (len > link->mtu)
        return WEIR_EMSGSIZE; /* a bug in the sender, not a network event: loud */
    ringlink_dir *d = &link->dir[e->index];
    uint32_t tail = atomic_load_explicit(&d->tail, memory_order_relaxed); /* ours */
    if (!has_room(link, d, tail)) {
        count(&d->full);
        return WEIR_ENOBUFS;
    }
    uint32_t slot = tail & link->mask;
    memcpy(d->data + slot * link->slot_size, frame, len);
    d->len[slot] = (uint32_t)len;
    atomic_store_explicit(&d->tail, tail + 1, memory_order_release); /* publish the bytes */
    count(&d->sent);
    return 0;
}

static int ringlink_tx_ready(void *ctx)
{
    ringlink_end *e = ctx;
    if (e == NULL)
        return 0;
    ringlink_dir *d = &e->link->dir[e->index];
    return has_room(e->link, d, atomic_load_explicit(&d->tail, memory_order_relaxed));
}

weir_transmit_fn weir_ringlink_transmit_fn(void) { return ringlink_transmit; }
weir_tx_ready_fn weir_ringlink_tx_ready_fn(void) { return ringlink_tx_ready; }

uint32_t weir_ringlink_receive(weir_ringlink *link, int end, weir_ringlink_deliver_fn fn,
                               void *ctx, uint64_t now_us, uint32_t max)
{
    if (link == NULL || (end != 0 && end != 1) || fn == NULL)
        return 0;
    ringlink_dir *d = &link->dir[1 - end]; /* frames the other end sent */
    uint32_t head = atomic_load_explicit(&d->head, memory_order_relaxed); /* ours */
    uint32_t handed = 0;
    while (handed < max) {
        if (head == d->tail_seen) {
            d->tail_seen = atomic_load_explicit(&d->tail, memory_order_acquire);
            if (head == d->tail_seen)
                break;
        }
        uint32_t slot = head & link->mask;
        fn(ctx, d->data + slot * link->slot_size, d->len[slot], now_us);
        head++;
        atomic_store_explicit(&d->head, head, memory_order_release); /* the slot is free */
        count(&d->delivered);
        handed++;
    }
    return handed;
}

void weir_ringlink_get_stats(const weir_ringlink *link, weir_ringlink_stats *out)
{
    memset(out, 0, sizeof *out);
    if (link == NULL)
        return;
    for (int i = 0; i < 2; i++) {
        const ringlink_dir *d = &link->dir[i];
        out->sent[i] = atomic_load_explicit(&d->sent, memory_order_relaxed);
        out->full[i] = atomic_load_explicit(&d->full, memory_order_relaxed);
        out->delivered[i] = atomic_load_explicit(&d->delivered, memory_order_relaxed);
    }
}
