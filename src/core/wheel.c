/* wheel.c — the hierarchical timer wheel of wheel.h.
 *
 * The invariant everything rests on: a node in level k > 0 has a deadline that agrees with
 * w->now in every bit above 6(k+1) and whose level-k digit is larger than now's; a node in level
 * 0 has a deadline >= now in the same 64 µs block. Two consequences:
 *   - every node of a lower level is due before every node of a higher one, and inside a level
 *     the slots are in time order with no wrap-around: the earliest deadline is in the first
 *     occupied slot of the lowest non-empty level;
 *   - moving `now` forward to any time before the start of that slot keeps every node where it
 *     is, so a jump in time costs nothing by itself.
 * Advancing therefore walks from slot start to slot start: a level-0 slot fires (its nodes all
 * share one deadline), a higher slot is re-placed relative to its own start, which sends each of
 * its nodes at least one level down. */
#include "core/wheel.h"

#define LEVEL_MASK ((uint64_t)WEIR_WHEEL_SLOTS - 1)
#define WHEEL_SLOT_LISTS ((uint32_t)(WEIR_WHEEL_LEVELS * WEIR_WHEEL_SLOTS))
#define DUE_LIST(i) (WHEEL_SLOT_LISTS + (uint32_t)(i))

static unsigned lowest_bit(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

static unsigned highest_bit(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return 63u - (unsigned)__builtin_clzll(x);
#else
    unsigned n = 0;
    while (x >>= 1)
        n++;
    return n;
#endif
}

/* ---- lists ---- */

static bool is_slot_list(uint32_t list) { return list < WHEEL_SLOT_LISTS; }

static void link_node(weir_wheel *w, weir_wheel_node *n, uint32_t list)
{
    weir_wheel_node *first = w->head[list];
    n->prev = NULL;
    n->next = first;
    if (first) {
        first->prev = n;
    } else if (is_slot_list(list)) {
        w->occupied[list / WEIR_WHEEL_SLOTS] |= 1ull << (list % WEIR_WHEEL_SLOTS);
        w->levels |= 1u << (list / WEIR_WHEEL_SLOTS);
    }
    w->head[list] = n;
    n->list = list + 1;
    /* A list's minimum only ever goes down while it is non-empty: cancelling its earliest node
     * leaves a lower bound behind, which next_deadline may report (never too late). */
    if (n->deadline < w->min[list])
        w->min[list] = n->deadline;
    w->count++;
}

static void unlink_node(weir_wheel *w, weir_wheel_node *n)
{
    uint32_t list = n->list - 1;
    if (n->prev)
        n->prev->next = n->next;
    else
        w->head[list] = n->next;
    if (n->next)
        n->next->prev = n->prev;
    if (!w->head[list]) {
        w->min[list] = UINT64_MAX;
        if (is_slot_list(list)) {
            uint32_t level = list / WEIR_WHEEL_SLOTS;
            w->occupied[level] &= ~(1ull << (list % WEIR_WHEEL_SLOTS));
            if (!w->occupied[level])
                w->levels &= ~(1u << level);
        }
    }
    n->next = n->prev = NULL;
    n->list = 0;
    w->count--;
}

/* ---- placement ---- */

/* The level whose digit is the highest one where `deadline` and `now` differ (0 if equal). */
static unsigned level_of(uint64_t deadline, uint64_t now)
{
    return highest_bit((deadline ^ now) | 1) / WEIR_WHEEL_LEVEL_BITS;
}

/* Link a node whose deadline is >= w->now into the slot the invariant gives it. */
static void place(weir_wheel *w, weir_wheel_node *n)
{
    unsigned level = level_of(n->deadline, w->now);
    unsigned digit = (unsigned)((n->deadline >> (level * WEIR_WHEEL_LEVEL_BITS)) & LEVEL_MASK);
    link_node(w, n, level * WEIR_WHEEL_SLOTS + digit);
}

/* The time `now` has in common with every slot of `level`: its bits above that level. */
static uint64_t level_base(uint64_t now, unsigned level)
{
    unsigned shift = (level + 1) * WEIR_WHEEL_LEVEL_BITS;
    return shift >= 64 ? 0 : now & ~((1ull << shift) - 1);
}

/* The first occupied slot of the lowest non-empty level and the time its span starts. */
static bool earliest_slot(const weir_wheel *w, uint32_t *list, uint64_t *start)
{
    if (!w->levels)
        return false;
    unsigned level = lowest_bit(w->levels); /* the lowest non-empty level, without a scan */
    unsigned digit = lowest_bit(w->occupied[level]);
    *list = level * WEIR_WHEEL_SLOTS + digit;
    *start = level_base(w->now, level) | ((uint64_t)digit << (level * WEIR_WHEEL_LEVEL_BITS));
    return true;
}

/* ---- public ---- */

void weir_wheel_init(weir_wheel *w, uint64_t now_us)
{
    w->now = now_us;
    for (unsigned level = 0; level < WEIR_WHEEL_LEVELS; level++)
        w->occupied[level] = 0;
    w->levels = 0;
    for (uint32_t list = 0; list < WEIR_WHEEL_LISTS; list++) {
        w->head[list] = NULL;
        w->min[list] = UINT64_MAX;
    }
    w->count = 0;
    w->due = 0;
    w->advancing = false;
}

void weir_wheel_destroy(weir_wheel *w)
{
    for (uint32_t list = 0; list < WEIR_WHEEL_LISTS; list++)
        while (w->head[list])
            unlink_node(w, w->head[list]);
}

void weir_wheel_cancel(weir_wheel *w, weir_wheel_node *node)
{
    if (node->list)
        unlink_node(w, node);
}

void weir_wheel_schedule(weir_wheel *w, weir_wheel_node *node, uint64_t deadline_us)
{
    weir_wheel_cancel(w, node);
    if (deadline_us == WEIR_WHEEL_NEVER)
        return;
    node->deadline = deadline_us;
    /* Already due: the slots only hold the future, and during an advance a node re-armed for
     * "now" must not be fired again by the same advance (a callback that always re-arms would
     * never let it return). */
    if (deadline_us <= w->now)
        link_node(w, node, DUE_LIST(w->due));
    else
        place(w, node);
}

/* Fire every node of one list, unlinking each before its callback. Callbacks cannot add to this
 * list (see the callers), and cancelling one of its nodes simply takes it out: popping the head
 * until the list is empty is safe against both. */
static size_t fire_list(weir_wheel *w, uint32_t list, weir_wheel_fire_fn fire, void *ctx)
{
    size_t fired = 0;
    weir_wheel_node *n;
    while ((n = w->head[list]) != NULL) {
        unlink_node(w, n);
        fired++;
        fire(ctx, n);
    }
    return fired;
}

/* Nodes scheduled at or before the wheel's time since the last advance. New ones go to the other
 * due list while these fire. */
static size_t fire_overdue(weir_wheel *w, weir_wheel_fire_fn fire, void *ctx)
{
    uint32_t list = DUE_LIST(w->due);
    w->due ^= 1;
    return fire_list(w, list, fire, ctx);
}

/* Re-place every node of a slot relative to w->now, the slot's start: each lands lower. */
static void cascade(weir_wheel *w, uint32_t list)
{
    weir_wheel_node *n;
    while ((n = w->head[list]) != NULL) {
        unlink_node(w, n);
        place(w, n);
    }
}

size_t weir_wheel_advance(weir_wheel *w, uint64_t now_us, weir_wheel_fire_fn fire, void *ctx)
{
    if (w->advancing)
        return 0;
    if (now_us < w->now)
        now_us = w->now;
    w->advancing = true;
    size_t fired = fire_overdue(w, fire, ctx);
    uint32_t list;
    uint64_t start;
    /* A level-0 slot at w->now only takes nodes due exactly then from a cascade, never from a
     * callback (those go to a due list), so each slot is visited once per advance. */
    while (earliest_slot(w, &list, &start) && start <= now_us) {
        w->now = start; /* keeps the invariant: no slot starts earlier */
        if (list < WEIR_WHEEL_SLOTS)
            fired += fire_list(w, list, fire, ctx);
        else
            cascade(w, list);
    }
    w->now = now_us;
    w->advancing = false;
    return fired;
}

uint64_t weir_wheel_next_deadline(const weir_wheel *w)
{
    uint64_t next = w->min[DUE_LIST(0)];
    if (w->min[DUE_LIST(1)] < next)
        next = w->min[DUE_LIST(1)];
    uint32_t list;
    uint64_t start;
    /* The earliest slot holds the earliest deadline: its minimum beats every other slot's. */
    if (earliest_slot(w, &list, &start) && w->min[list] < next)
        next = w->min[list];
    return next;
}
