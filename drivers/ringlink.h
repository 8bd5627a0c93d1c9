/* ringlink.h — a link between two stacks that run on two threads.
 *
 * A stack is not shared between threads (DESIGN.md: no hidden threads, no locks), but an
 * application may run one stack per core. This link joins two such stacks, each owned by its
 * own thread: one bounded single-producer/single-consumer ring of frame slots per direction,
 * with C11 atomics and no locks. End i's thread transmits into ring i (its stack's transmit
 * callback) and takes what arrives in the other ring with weir_ringlink_receive(); no other
 * call may run concurrently with those two.
 *
 * The ring is the link's whole queue, as a NIC's descriptor ring is: weir_ringlink_tx_ready_fn()
 * says busy while it is full, so that TCP holds data instead of losing it (netif.h), and a frame
 * transmitted into a full ring anyway is refused with WEIR_ENOBUFS (counted by the stack as a
 * failed frame, and covered by retransmission). No faults, no delay: for impairment, use the
 * single-threaded memlink. */
#ifndef WEIR_DRIVERS_RINGLINK_H
#define WEIR_DRIVERS_RINGLINK_H

#include <stddef.h>
#include <stdint.h>

#include "weir/netif.h"

typedef struct weir_ringlink weir_ringlink;

/* Called for each frame that arrives at an end (e.g. a wrapper around weir_netif_input). The
 * frame is valid only during the call. */
typedef void (*weir_ringlink_deliver_fn)(void *ctx, const uint8_t *frame, size_t len,
                                         uint64_t now_us);

/* slots: frames one direction holds, a power of two from 2 to 65536. mtu: the largest frame,
 * 68 to 65535 bytes. NULL on a bad argument or out of memory. */
weir_ringlink *weir_ringlink_create(uint32_t slots, uint16_t mtu);
void weir_ringlink_destroy(weir_ringlink *link);

/* For end `end` (0 or 1): the transmit and tx_ready functions with this context go into that
 * end's weir_netif_config. NULL for a bad end. */
void *weir_ringlink_end(weir_ringlink *link, int end);
weir_transmit_fn weir_ringlink_transmit_fn(void);
weir_tx_ready_fn weir_ringlink_tx_ready_fn(void);

/* On end `end`'s thread: hand at most `max` frames that arrived at that end to `fn`, oldest
 * first, each slot freed for the sender as soon as fn returns. Returns how many were handed. */
uint32_t weir_ringlink_receive(weir_ringlink *link, int end, weir_ringlink_deliver_fn fn,
                               void *ctx, uint64_t now_us, uint32_t max);

/* Counters of frames sent by end i: taken into the ring, refused because it was full, and
 * delivered to the other end. Exact once both threads have stopped; while they run, each is a
 * value it recently had. */
typedef struct weir_ringlink_stats {
    uint64_t sent[2], full[2], delivered[2];
} weir_ringlink_stats;
void weir_ringlink_get_stats(const weir_ringlink *link, weir_ringlink_stats *out);

#endif
