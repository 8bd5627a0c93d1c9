/* wheel.h — a hierarchical timer wheel: O(1) schedule, move and cancel of intrusive timers.
 *
 * Why: the stack must find the due timers and the earliest deadline of every connection at each
 * poll. Scanning them all is O(connections); the wheel keeps them bucketed by deadline so that
 * the work is proportional to what is due (issue 5: a million connections).
 *
 * Shape (Varghese & Lauck's hierarchical wheel, with the level chosen as in Tokio's wheel):
 *   - one tick is 1 µs, the stack's own clock unit, so a timer is never early AND never late:
 *     advance(now) fires exactly the nodes whose deadline <= now;
 *   - WEIR_WHEEL_LEVELS levels of 64 slots; level k holds deadlines that agree with the wheel's
 *     time above bit 6(k+1) and differ from it in bits [6k, 6k+6). A slot of level k spans 64^k
 *     µs: level 0 is exact, level 2 spans 4 ms, level 4 16.8 s, level 5 17.9 min (2 h timers);
 *     11 levels cover the whole uint64 range, so there is no overflow list;
 *   - a 64-bit occupancy map per level finds the next non-empty slot in one bit scan, so a poll
 *     after hours costs O(levels + nodes moved), never O(elapsed ticks);
 *   - a node is moved down ("cascaded") only when its slot's time comes: at most one move per
 *     level over its life, and a timer that is rescheduled or cancelled before then (the usual
 *     fate of a TCP retransmission timer) is never moved at all.
 *
 * next_deadline() is never later than the earliest deadline: it returns the smallest deadline
 * ever linked into the earliest non-empty slot, which is exact unless that slot's earliest node
 * has since been cancelled or moved (then it is a lower bound, still inside that slot). Polling
 * at a stale value cascades the slot, after which the value is exact again: at most two polls in
 * a row fire nothing.
 *
 * Rules: no allocation and no globals. The wheel is a plain struct (about 11 kB on LP64) that the
 * caller embeds in its own record or obtains from its allocator; a weir_wheel_node (32 bytes on
 * LP64) is embedded in the record it times. A zeroed node is valid and not scheduled. */
#ifndef WEIR_WHEEL_H
#define WEIR_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEIR_WHEEL_LEVEL_BITS 6
#define WEIR_WHEEL_SLOTS 64  /* per level: one uint64 occupancy map */
#define WEIR_WHEEL_LEVELS 11 /* 11 * 6 >= 64: every uint64 deadline has a level */
/* Lists: every slot of every level, then two "due" lists for nodes scheduled at or before the
 * wheel's time (two, so that those re-armed while one is being fired wait for the next advance
 * instead of looping forever). */
#define WEIR_WHEEL_LISTS (WEIR_WHEEL_LEVELS * WEIR_WHEEL_SLOTS + 2)

/* A deadline that never comes: scheduling at it cancels (the stack's "timer off" value). */
#define WEIR_WHEEL_NEVER UINT64_MAX

typedef struct weir_wheel_node {
    struct weir_wheel_node *next, *prev; /* the slot's list; prev is NULL for the first */
    uint64_t deadline;                   /* absolute µs, as given to schedule */
    uint32_t list;                       /* 0: not scheduled; else 1 + the list index */
} weir_wheel_node;

/* The record that embeds `node` as its field `member`. */
#define WEIR_WHEEL_ENTRY(node, type, member)                                                       \
    ((type *)(void *)((char *)(node)-offsetof(type, member)))

typedef struct weir_wheel {
    uint64_t now;                            /* all deadlines <= now have fired */
    uint64_t occupied[WEIR_WHEEL_LEVELS];    /* bit s of level k: slot s is non-empty */
    uint32_t levels;                         /* bit k: occupied[k] != 0 */
    weir_wheel_node *head[WEIR_WHEEL_LISTS]; /* first node of each list */
    uint64_t min[WEIR_WHEEL_LISTS];          /* <= every deadline in the list; MAX if empty */
    size_t count;                            /* nodes scheduled */
    uint8_t due;                             /* which due list takes new overdue nodes */
    bool advancing;                          /* inside weir_wheel_advance */
} weir_wheel;

/* Called for each node that comes due, after it has been unscheduled: the callback may free its
 * record, schedule or cancel this node or any other, and call next_deadline. It must not call
 * advance (that call would return 0) or destroy. */
typedef void (*weir_wheel_fire_fn)(void *ctx, weir_wheel_node *node);

/* An empty wheel whose time is `now_us`. */
void weir_wheel_init(weir_wheel *w, uint64_t now_us);
/* Unschedule every node (each reads as not scheduled afterwards). O(nodes); not needed when the
 * records go away with the wheel. */
void weir_wheel_destroy(weir_wheel *w);

/* Arm `node` for `deadline_us`, moving it if it is already scheduled. A deadline at or before the
 * wheel's time fires at the next advance; WEIR_WHEEL_NEVER cancels. O(1). */
void weir_wheel_schedule(weir_wheel *w, weir_wheel_node *node, uint64_t deadline_us);
/* Unschedule `node`; nothing happens if it is not scheduled. O(1). */
void weir_wheel_cancel(weir_wheel *w, weir_wheel_node *node);

static inline bool weir_wheel_is_scheduled(const weir_wheel_node *node) { return node->list != 0; }
static inline uint64_t weir_wheel_deadline(const weir_wheel_node *node) { return node->deadline; }
static inline size_t weir_wheel_count(const weir_wheel *w) { return w->count; }
/* The wheel's time: the last advance's `now`; during a callback, the deadline being fired. */
static inline uint64_t weir_wheel_now(const weir_wheel *w) { return w->now; }

/* Fire, earliest first, every node whose deadline is <= now_us (an earlier now_us than the last
 * one counts as the last one). Nodes scheduled by a callback for a time in (wheel time, now_us]
 * fire in this call; for a time at or before the wheel time, at the next call (next_deadline
 * reports them). Returns the number of callbacks made. */
size_t weir_wheel_advance(weir_wheel *w, uint64_t now_us, weir_wheel_fire_fn fire, void *ctx);

/* A time never later than the earliest scheduled deadline (see above), or WEIR_WHEEL_NEVER when
 * nothing is scheduled. O(levels). */
uint64_t weir_wheel_next_deadline(const weir_wheel *w);

#endif
