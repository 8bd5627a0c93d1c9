/* memlink.h — an in-memory link joining two stacks in one process, in virtual time.
 *
 * Each of the two ends (0 and 1) is a netif for one stack: plug weir_memlink_transmit_fn() and the
 * end's context into that stack's weir_netif_config. A frame transmitted at one end travels to the
 * other through the link's fault injector (loss, duplication, reordering, delay, corruption — all
 * seeded, so a run is reproducible) and is handed over by weir_memlink_deliver() when its delivery
 * time has come. The link never reads a clock: the caller's `now` drives it, as it drives stacks. */
#ifndef WEIR_DRIVERS_MEMLINK_H
#define WEIR_DRIVERS_MEMLINK_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "weir/netif.h"

typedef struct weir_memlink weir_memlink;

/* Called for each frame that arrives at an end (e.g. a wrapper around weir_netif_input). */
typedef void (*weir_memlink_deliver_fn)(void *ctx, const uint8_t *frame, size_t len,
                                        uint64_t now_us);

typedef struct weir_memlink_config {
    uint16_t mtu;             /* frames longer than this are refused by transmit (WEIR_EMSGSIZE) */
    uint32_t queue_limit;     /* frames in flight per direction; more are dropped (tail drop) */
    uint32_t pool_frames;     /* frame buffers the link may hold at once, both directions, in
                                 flight or free for reuse; a frame that finds none is dropped
                                 (pool_drops). 0: 2 * queue_limit, which never binds */
    uint32_t tx_ring;         /* back-pressure, as a NIC's transmit ring: while this many frames
                                 sent by an end wait in the link, weir_memlink_tx_ready_fn() says
                                 that end is busy. 0: never busy (the default) */
    weir_fault_config fault[2]; /* fault[i]: impairment of frames sent by end i */
    uint64_t seed;
} weir_memlink_config;

void weir_memlink_config_init(weir_memlink_config *cfg); /* mtu 1500, queue 1024, no faults */

/* Returns NULL on bad config or out of memory. */
weir_memlink *weir_memlink_create(const weir_memlink_config *cfg);
void weir_memlink_destroy(weir_memlink *link);

/* Say where frames arriving at end `end` go. */
void weir_memlink_set_receiver(weir_memlink *link, int end, weir_memlink_deliver_fn fn, void *ctx);

/* The transmit function and context to put into the stack's weir_netif_config for end `end`. The
 * link stamps each frame with the time of the last weir_memlink_deliver()/set_time call. */
weir_transmit_fn weir_memlink_transmit_fn(void);
/* The tx_ready function for weir_netif_config (same context as transmit): 0 while the end's
 * frames fill cfg.tx_ring. Frames transmitted anyway are queued (up to queue_limit). */
weir_tx_ready_fn weir_memlink_tx_ready_fn(void);
void *weir_memlink_end(weir_memlink *link, int end);

/* Advance the link's clock to now_us and deliver every frame whose time has come, in order.
 * Frames sent from inside a delivery callback (a stack's replies) wait for the next call, so one
 * call can never loop forever; weir_memlink_next_deadline() then returns `now`. */
void weir_memlink_deliver(weir_memlink *link, uint64_t now_us);
/* Earliest pending delivery time, UINT64_MAX when the link is empty. */
uint64_t weir_memlink_next_deadline(const weir_memlink *link);
/* Set the link clock without delivering (frames sent now are stamped with this time). */
void weir_memlink_set_time(weir_memlink *link, uint64_t now_us);

/* Counters, per direction (index = sending end), and the frame pool's size. */
typedef struct weir_memlink_stats {
    uint64_t sent[2], delivered[2], lost[2], duplicated[2], reordered[2], corrupted[2],
        queue_drops[2], pool_drops[2];
    uint32_t pool_allocated; /* frame buffers the link holds now (in flight or free) */
    uint32_t pool_high_water;
} weir_memlink_stats;
void weir_memlink_get_stats(const weir_memlink *link, weir_memlink_stats *out);

#endif
