/* test_wheel.c — the timer wheel (src/core/wheel.h): order, never early, never late, cancel and
 * move, callbacks that change the wheel under it, jumps in time, and a randomized comparison with
 * a plain array. `test_wheel --bench N` times the operations with N nodes instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/wheel.h"

#define SEC 1000000ull
#define HOURS_2 (7200 * SEC)

/* ---- a seeded generator (splitmix64) ---- */

static uint64_t next_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rand_below(uint64_t *state, uint64_t n) { return n ? next_rand(state) % n : 0; }

/* ---- fixture: records that embed a node, and a log of what fired ---- */

#define RECS 64
#define LOG_CAP 4096

typedef struct rec {
    int id;
    weir_wheel_node node;
    int fired;
    uint64_t fired_at; /* the wheel's time in the callback */
} rec;

typedef struct fx fx;
typedef void (*hook_fn)(fx *f, rec *r);

struct fx {
    weir_wheel w;
    rec recs[RECS];
    int log[LOG_CAP];
    size_t nlog;
    uint64_t target; /* now_us of the advance in progress */
    hook_fn hook;    /* what a callback does after logging */
    uint64_t period; /* for the periodic hook */
};

static void on_fire(void *ctx, weir_wheel_node *node)
{
    fx *f = ctx;
    rec *r = WEIR_WHEEL_ENTRY(node, rec, node);
    assert_false(weir_wheel_is_scheduled(node));
    assert_true(weir_wheel_deadline(node) <= f->target); /* never early */
    r->fired++;
    r->fired_at = weir_wheel_now(&f->w);
    assert_true(f->nlog < LOG_CAP);
    f->log[f->nlog++] = r->id;
    if (f->hook)
        f->hook(f, r);
}

static size_t advance(fx *f, uint64_t now)
{
    f->target = now > weir_wheel_now(&f->w) ? now : weir_wheel_now(&f->w);
    return weir_wheel_advance(&f->w, now, on_fire, f);
}

static void arm(fx *f, int id, uint64_t deadline)
{
    weir_wheel_schedule(&f->w, &f->recs[id].node, deadline);
}

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    weir_wheel_init(&f->w, 0);
    for (int i = 0; i < RECS; i++)
        f->recs[i].id = i;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    free(*state);
    return 0;
}

/* ---- basic behaviour ---- */

static void zeroed_node_is_idle_and_empty_wheel_has_no_deadline(void **state)
{
    fx *f = *state;
    assert_false(weir_wheel_is_scheduled(&f->recs[0].node));
    assert_true(weir_wheel_next_deadline(&f->w) == WEIR_WHEEL_NEVER);
    assert_int_equal(advance(f, 1000), 0);
    assert_int_equal(weir_wheel_now(&f->w), 1000);
    weir_wheel_cancel(&f->w, &f->recs[0].node); /* cancelling an idle node is harmless */
    assert_int_equal(weir_wheel_count(&f->w), 0);
    assert_true(sizeof(weir_wheel_node) <= 32);
}

/* Deadlines on every level boundary, scheduled out of order, fire in order. */
static void fires_in_deadline_order(void **state)
{
    fx *f = *state;
    static const uint64_t when[] = {4096,          1,         64, 65,    HOURS_2, 63,       262144,
                                    4095,          262143,    2,  40000, 200000,  60 * SEC, 1 << 24,
                                    (1 << 24) - 1, 1ull << 40};
    size_t n = sizeof when / sizeof when[0];
    for (size_t i = 0; i < n; i++)
        arm(f, (int)i, when[i]);
    assert_int_equal(weir_wheel_count(&f->w), n);
    assert_int_equal(advance(f, 1ull << 41), n);
    for (size_t i = 1; i < n; i++)
        assert_true(f->recs[f->log[i - 1]].node.deadline <= f->recs[f->log[i]].node.deadline);
    assert_int_equal(weir_wheel_count(&f->w), 0);
}

/* From an awkward start time, each deadline fires at exactly its µs: not one before, not one
 * after, and next_deadline names it exactly. */
static void fires_exactly_at_its_deadline_never_before(void **state)
{
    fx *f = *state;
    static const uint64_t delta[] = {1,
                                     2,
                                     63,
                                     64,
                                     65,
                                     100,
                                     4096,
                                     40000,
                                     200000,
                                     SEC,
                                     60 * SEC,
                                     HOURS_2,
                                     HOURS_2 + 12345,
                                     1ull << 36,
                                     (1ull << 36) + 1};
    uint64_t t = 123456789;
    weir_wheel_init(&f->w, t);
    for (size_t i = 0; i < sizeof delta / sizeof delta[0]; i++) {
        uint64_t d = t + delta[i];
        arm(f, 0, d);
        assert_true(weir_wheel_next_deadline(&f->w) == d);
        assert_int_equal(advance(f, d - 1), 0);
        assert_true(weir_wheel_is_scheduled(&f->recs[0].node));
        assert_true(weir_wheel_next_deadline(&f->w) == d);
        assert_int_equal(advance(f, d), 1);
        assert_true(f->recs[0].fired_at == d); /* zero ticks late */
        t = d;
    }
}

/* A caller that polls exactly when told never sees a timer late and never wakes for nothing
 * while nothing is cancelled. */
static void polling_at_next_deadline_is_exact(void **state)
{
    fx *f = *state;
    uint64_t rng = 7;
    for (int i = 0; i < RECS; i++)
        arm(f, i, 1 + rand_below(&rng, 10 * SEC));
    int polls = 0;
    for (uint64_t d; (d = weir_wheel_next_deadline(&f->w)) != WEIR_WHEEL_NEVER; polls++) {
        assert_true(advance(f, d) > 0);
        assert_true(polls < RECS);
    }
    for (int i = 0; i < RECS; i++) {
        assert_int_equal(f->recs[i].fired, 1);
        assert_true(f->recs[i].fired_at == f->recs[i].node.deadline);
    }
}

static void cancel_prevents_firing(void **state)
{
    fx *f = *state;
    arm(f, 0, 100);
    arm(f, 1, 100);
    arm(f, 2, 5000);
    weir_wheel_cancel(&f->w, &f->recs[1].node);
    weir_wheel_cancel(&f->w, &f->recs[1].node); /* twice: no effect */
    weir_wheel_cancel(&f->w, &f->recs[2].node);
    assert_false(weir_wheel_is_scheduled(&f->recs[1].node));
    assert_int_equal(weir_wheel_count(&f->w), 1);
    assert_int_equal(advance(f, 10000), 1);
    assert_int_equal(f->recs[0].fired, 1);
    assert_int_equal(f->recs[1].fired + f->recs[2].fired, 0);
    arm(f, 3, 20000);
    weir_wheel_schedule(&f->w, &f->recs[3].node, WEIR_WHEEL_NEVER); /* "timer off" cancels */
    assert_false(weir_wheel_is_scheduled(&f->recs[3].node));
    assert_true(weir_wheel_next_deadline(&f->w) == WEIR_WHEEL_NEVER);
}

static void reschedule_moves_earlier_and_later(void **state)
{
    fx *f = *state;
    arm(f, 0, 1000000);
    arm(f, 0, 10); /* earlier */
    assert_int_equal(weir_wheel_count(&f->w), 1);
    assert_true(weir_wheel_next_deadline(&f->w) == 10);
    assert_int_equal(advance(f, 10), 1);
    arm(f, 1, 20);
    arm(f, 1, 5000); /* later */
    assert_int_equal(advance(f, 4999), 0);
    assert_int_equal(advance(f, 5000), 1);
    assert_true(f->recs[1].fired_at == 5000);
    assert_int_equal(advance(f, 2000000), 0); /* the first deadline was moved, not copied */
}

/* ---- callbacks that change the wheel ---- */

static void periodic(fx *f, rec *r) { arm(f, r->id, r->node.deadline + f->period); }

/* A timer re-armed from its own callback keeps firing, each time at its deadline, within one
 * advance that covers several periods. */
static void callback_reschedules_itself(void **state)
{
    fx *f = *state;
    f->hook = periodic;
    f->period = 1000;
    arm(f, 0, 1000);
    assert_int_equal(advance(f, 10500), 10);
    assert_true(f->recs[0].fired_at == 10000);
    assert_true(weir_wheel_next_deadline(&f->w) == 11000);
}

static void rearm_now(fx *f, rec *r)
{
    if (r->fired < 3)
        arm(f, r->id, weir_wheel_now(&f->w));
}

/* A callback that re-arms for "now" cannot keep advance busy: the node waits for the next call,
 * and next_deadline says it is due. */
static void callback_rearming_for_now_waits_for_next_advance(void **state)
{
    fx *f = *state;
    f->hook = rearm_now;
    arm(f, 0, 500);
    assert_int_equal(advance(f, 1000), 1);
    assert_true(weir_wheel_is_scheduled(&f->recs[0].node));
    assert_true(weir_wheel_next_deadline(&f->w) <= 1000);
    assert_int_equal(advance(f, 1000), 1);
    assert_int_equal(advance(f, 1000), 1);
    assert_int_equal(advance(f, 1000), 0);
    assert_int_equal(f->recs[0].fired, 3);
}

static void schedule_others(fx *f, rec *r)
{
    if (r->id != 0)
        return;
    arm(f, 1, 150); /* later but within this advance */
    arm(f, 2, 50);  /* in the past */
    arm(f, 3, 100); /* exactly now */
    arm(f, 4, 201); /* after this advance */
}

static void callback_schedules_other_nodes(void **state)
{
    fx *f = *state;
    f->hook = schedule_others;
    arm(f, 0, 100);
    assert_int_equal(advance(f, 200), 2); /* 0, then 1 at 150 */
    assert_true(f->recs[1].fired_at == 150);
    assert_true(weir_wheel_next_deadline(&f->w) <= 50); /* 2 and 3 are reported due */
    assert_int_equal(advance(f, 200), 2);
    assert_int_equal(f->recs[2].fired + f->recs[3].fired, 2);
    assert_true(weir_wheel_next_deadline(&f->w) == 201);
    assert_int_equal(advance(f, 201), 1);
    assert_int_equal(weir_wheel_count(&f->w), 0);
}

static void cancel_and_move_others(fx *f, rec *r)
{
    if (r->id != 0 && r->id != 1)
        return;
    /* Whichever of the two fires first cancels the other, which shares its slot. */
    weir_wheel_cancel(&f->w, &f->recs[r->id ^ 1].node);
    arm(f, 2, 900);                             /* was due in this advance: moved on */
    weir_wheel_cancel(&f->w, &f->recs[3].node); /* far away */
    arm(f, 4, weir_wheel_now(&f->w) + 1);       /* was far away: brought in */
}

static void callback_cancels_and_moves_other_nodes(void **state)
{
    fx *f = *state;
    f->hook = cancel_and_move_others;
    arm(f, 0, 300000);
    arm(f, 1, 300000);
    arm(f, 2, 300001);
    arm(f, 3, HOURS_2);
    arm(f, 4, HOURS_2);
    assert_int_equal(advance(f, 400000), 2); /* one of 0/1, then 4 */
    assert_int_equal(f->recs[0].fired + f->recs[1].fired, 1);
    assert_int_equal(f->recs[4].fired, 1);
    assert_true(f->recs[4].fired_at == 300001);
    assert_int_equal(f->recs[2].fired + f->recs[3].fired, 0);
    assert_true(weir_wheel_next_deadline(&f->w) <= 900); /* 2 was moved into the past */
    assert_int_equal(advance(f, 400000), 1);
    assert_int_equal(f->recs[2].fired, 1);
    assert_int_equal(weir_wheel_count(&f->w), 0);
}

static void advance_again(fx *f, rec *r)
{
    (void)r;
    assert_int_equal(weir_wheel_advance(&f->w, UINT64_MAX - 1, on_fire, f), 0);
}

static void advance_from_a_callback_does_nothing(void **state)
{
    fx *f = *state;
    f->hook = advance_again;
    arm(f, 0, 10);
    arm(f, 1, HOURS_2);
    assert_int_equal(advance(f, 10), 1);
    assert_true(weir_wheel_is_scheduled(&f->recs[1].node));
    assert_int_equal(weir_wheel_now(&f->w), 10);
}

/* ---- time ---- */

/* A poll after years, with timers spread over 2^40 µs and more: everything due fires, in order,
 * and the cost does not depend on the gap (2^62 ticks could never be walked one by one). */
static void big_jumps_in_time(void **state)
{
    fx *f = *state;
    uint64_t rng = 11;
    for (int i = 0; i < RECS; i++)
        arm(f, i, 1 + rand_below(&rng, 1ull << 40));
    assert_int_equal(advance(f, 1ull << 62), RECS);
    for (size_t i = 1; i < f->nlog; i++)
        assert_true(f->recs[f->log[i - 1]].fired_at <= f->recs[f->log[i]].fired_at);
    /* An empty wheel jumps too, and works at its new time. */
    assert_int_equal(advance(f, UINT64_MAX - 1000), 0);
    arm(f, 0, UINT64_MAX - 10);
    arm(f, 1, UINT64_MAX - 1);
    assert_int_equal(advance(f, UINT64_MAX - 11), 0);
    assert_int_equal(advance(f, UINT64_MAX - 2), 1);
    assert_true(weir_wheel_next_deadline(&f->w) == UINT64_MAX - 1);
    assert_int_equal(advance(f, UINT64_MAX - 1), 1);
}

static void deadlines_in_the_past_fire_at_next_advance(void **state)
{
    fx *f = *state;
    assert_int_equal(advance(f, SEC), 0);
    arm(f, 0, 5);
    arm(f, 1, 0);
    arm(f, 2, SEC); /* the wheel's own time has passed too */
    assert_true(weir_wheel_next_deadline(&f->w) == 0);
    assert_int_equal(advance(f, SEC), 3);
    assert_true(weir_wheel_next_deadline(&f->w) == WEIR_WHEEL_NEVER);
}

static void time_going_backwards_counts_as_the_last_time(void **state)
{
    fx *f = *state;
    arm(f, 0, 2000);
    assert_int_equal(advance(f, 1000), 0);
    assert_int_equal(advance(f, 500), 0);
    assert_int_equal(weir_wheel_now(&f->w), 1000);
    arm(f, 1, 700); /* behind the wheel: due */
    assert_int_equal(advance(f, 600), 1);
    assert_int_equal(f->recs[1].fired, 1);
}

/* Keepalive-sized timers among short ones: each fires exactly on time, and a caller polling at
 * next_deadline wakes once per distinct deadline. */
static void two_hour_deadlines(void **state)
{
    fx *f = *state;
    uint64_t t0 = 987654321;
    weir_wheel_init(&f->w, t0);
    arm(f, 0, t0 + HOURS_2);
    arm(f, 1, t0 + HOURS_2 + 75 * SEC);
    arm(f, 2, t0 + 200000);
    arm(f, 3, t0 + 40000);
    int polls = 0;
    for (uint64_t d; (d = weir_wheel_next_deadline(&f->w)) != WEIR_WHEEL_NEVER; polls++)
        assert_int_equal(advance(f, d), 1);
    assert_int_equal(polls, 4);
    for (int i = 0; i < 4; i++)
        assert_true(f->recs[i].fired_at == f->recs[i].node.deadline);
    assert_int_equal(f->log[0], 3);
    assert_int_equal(f->log[3], 1);
}

/* Cancelling the earliest node of a slot leaves its deadline behind as a lower bound: one poll
 * there fires nothing (it cascades the slot), then the bound is exact again. */
static void cancelled_minimum_costs_one_empty_poll(void **state)
{
    fx *f = *state;
    arm(f, 0, 300000); /* both in slot 1 of level 3 (2^18 us wide) */
    arm(f, 1, 301000);
    weir_wheel_cancel(&f->w, &f->recs[0].node);
    assert_true(weir_wheel_next_deadline(&f->w) == 300000);
    assert_int_equal(advance(f, 300000), 0);
    assert_true(weir_wheel_next_deadline(&f->w) == 301000);
    assert_int_equal(advance(f, 301000), 1);
    assert_true(f->recs[1].fired_at == 301000);
}

static void destroy_unschedules_everything(void **state)
{
    fx *f = *state;
    for (int i = 0; i < RECS; i++)
        arm(f, i, (uint64_t)i * 1000);
    weir_wheel_destroy(&f->w);
    for (int i = 0; i < RECS; i++)
        assert_false(weir_wheel_is_scheduled(&f->recs[i].node));
    assert_int_equal(weir_wheel_count(&f->w), 0);
    assert_true(weir_wheel_next_deadline(&f->w) == WEIR_WHEEL_NEVER);
}

/* ---- randomized comparison with a reference model ---- */

#define MODEL_N 1000
#define MODEL_OPS 100000

/* The model is the obvious one: an array of (scheduled, deadline); due means deadline <= now. */
typedef struct model {
    weir_wheel w;
    rec recs[MODEL_N];
    bool sched[MODEL_N];
    uint64_t dl[MODEL_N];
    bool overdue[MODEL_N];  /* scheduled at or before the wheel's time: fires at next advance */
    bool deferred[MODEL_N]; /* ... and that from inside a callback: may outlive this advance */
    uint64_t rng;
    uint64_t target;
    uint64_t last_fire_time;
    size_t scheduled_total, cancelled_total, fired_total;
    bool in_advance;
} model;

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - 2 - b ? UINT64_MAX - 2 : a + b;
}

/* Deadlines spread over every level, the past and the wheel's own time. */
static uint64_t model_deadline(model *m)
{
    uint64_t base = weir_wheel_now(&m->w);
    uint64_t r = rand_below(&m->rng, 1000);
    if (r < 80)
        return base - rand_below(&m->rng, base + 1);
    if (r < 120)
        return base;
    if (r < 420)
        return add_sat(base, 1 + rand_below(&m->rng, 64));
    if (r < 670)
        return add_sat(base, 1 + rand_below(&m->rng, 5000));
    if (r < 820)
        return add_sat(base, 1 + rand_below(&m->rng, SEC));
    if (r < 940)
        return add_sat(base, 1 + rand_below(&m->rng, HOURS_2));
    if (r < 995)
        return add_sat(base, 1 + rand_below(&m->rng, 1ull << 40));
    return UINT64_MAX - 1 - rand_below(&m->rng, 1000); /* the end of time */
}

static void model_schedule(model *m, size_t i, uint64_t d)
{
    if (m->sched[i])
        m->cancelled_total++;
    weir_wheel_schedule(&m->w, &m->recs[i].node, d);
    m->sched[i] = d != WEIR_WHEEL_NEVER;
    m->dl[i] = d;
    m->overdue[i] = d <= weir_wheel_now(&m->w);
    m->deferred[i] = m->overdue[i] && m->in_advance;
    if (m->sched[i])
        m->scheduled_total++;
}

static void model_cancel(model *m, size_t i)
{
    if (m->sched[i])
        m->cancelled_total++;
    weir_wheel_cancel(&m->w, &m->recs[i].node);
    m->sched[i] = false;
}

/* What a callback may do: move itself, arm another node, cancel another node. */
static void model_callback_acts(model *m, size_t i)
{
    uint64_t r = rand_below(&m->rng, 100);
    if (r < 20)
        model_schedule(m, i, model_deadline(m));
    else if (r < 35)
        model_schedule(m, (size_t)rand_below(&m->rng, MODEL_N), model_deadline(m));
    else if (r < 50)
        model_cancel(m, (size_t)rand_below(&m->rng, MODEL_N));
}

static void model_fire(void *ctx, weir_wheel_node *node)
{
    model *m = ctx;
    size_t i = (size_t)WEIR_WHEEL_ENTRY(node, rec, node)->id;
    uint64_t now = weir_wheel_now(&m->w);
    assert_true(m->sched[i]);
    assert_true(m->dl[i] == node->deadline);
    assert_true(node->deadline <= m->target); /* never early */
    /* Earliest first: the wheel's time never goes back, and a node not overdue fires exactly at
     * its deadline. */
    assert_true(now >= m->last_fire_time);
    assert_true(m->overdue[i] ? node->deadline <= now : node->deadline == now);
    m->last_fire_time = now;
    m->sched[i] = false;
    m->fired_total++;
    model_callback_acts(m, i);
}

static uint64_t model_true_min(const model *m)
{
    uint64_t min = WEIR_WHEEL_NEVER;
    for (size_t i = 0; i < MODEL_N; i++)
        if (m->sched[i] && m->dl[i] < min)
            min = m->dl[i];
    return min;
}

static size_t model_advance(model *m, uint64_t now)
{
    m->target = now > weir_wheel_now(&m->w) ? now : weir_wheel_now(&m->w);
    m->last_fire_time = 0;
    m->in_advance = true;
    size_t before = m->fired_total;
    size_t fired = weir_wheel_advance(&m->w, now, model_fire, m);
    m->in_advance = false;
    assert_int_equal(fired, m->fired_total - before);
    /* Everything due fired, except what a callback armed for a time already reached. */
    for (size_t i = 0; i < MODEL_N; i++)
        if (m->sched[i] && m->dl[i] <= m->target)
            assert_true(m->deferred[i]);
    return fired;
}

/* A caller that only polls when next_deadline says: at most two empty polls in a row (a stale
 * minimum of a due list, then of a slot). */
static void model_poll_until(model *m, uint64_t end)
{
    int empty = 0;
    for (int guard = 0; guard < 100000; guard++) {
        uint64_t d = weir_wheel_next_deadline(&m->w);
        if (d > end)
            break;
        empty = model_advance(m, d) ? 0 : empty + 1;
        assert_true(empty <= 2);
    }
    model_advance(m, end);
}

static void model_check(model *m)
{
    size_t count = 0;
    for (size_t i = 0; i < MODEL_N; i++)
        count += m->sched[i];
    assert_int_equal(weir_wheel_count(&m->w), count);
    assert_true(weir_wheel_next_deadline(&m->w) <= model_true_min(m));
    size_t i = (size_t)rand_below(&m->rng, MODEL_N);
    assert_true(weir_wheel_is_scheduled(&m->recs[i].node) == m->sched[i]);
}

static void model_step(model *m)
{
    uint64_t r = rand_below(&m->rng, 100);
    uint64_t now = weir_wheel_now(&m->w);
    if (r < 45) {
        model_schedule(m, (size_t)rand_below(&m->rng, MODEL_N), model_deadline(m));
    } else if (r < 58) {
        model_cancel(m, (size_t)rand_below(&m->rng, MODEL_N));
    } else if (r < 60) {
        model_schedule(m, (size_t)rand_below(&m->rng, MODEL_N), WEIR_WHEEL_NEVER);
    } else if (r < 85) {
        uint64_t span = r < 70 ? 64 : r < 80 ? 5000 : r < 84 ? SEC : 1ull << 34;
        model_advance(m, add_sat(now, rand_below(&m->rng, span)));
    } else {
        model_poll_until(m, add_sat(now, rand_below(&m->rng, r < 95 ? 10000 : 10 * SEC)));
    }
}

static void randomized_against_reference_model(void **state)
{
    (void)state;
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->rng = 0x5eed;
    weir_wheel_init(&m->w, 1000000);
    for (size_t i = 0; i < MODEL_N; i++)
        m->recs[i].id = (int)i;
    for (int op = 0; op < MODEL_OPS; op++) {
        model_step(m);
        model_check(m);
    }
    /* The end of time: everything left fires (callbacks may still arm more, so repeat). */
    for (int guard = 0; guard < 100 && weir_wheel_count(&m->w); guard++)
        model_advance(m, UINT64_MAX - 1);
    assert_int_equal(weir_wheel_count(&m->w), 0);
    /* Every arming that was not cancelled or replaced fired exactly once. */
    assert_int_equal(m->fired_total, m->scheduled_total - m->cancelled_total);
    free(m);
}

/* Many nodes, cancelled, moved and re-armed at random: each schedule that was not undone by a
 * cancel or a later schedule fires once. */
static void callbacks_equal_scheduled_minus_cancelled(void **state)
{
    fx *f = *state;
    uint64_t rng = 99;
    size_t armed = 0, undone = 0;
    for (int op = 0; op < 20000; op++) {
        int id = (int)rand_below(&rng, RECS);
        bool was = weir_wheel_is_scheduled(&f->recs[id].node);
        if (rand_below(&rng, 3) == 0) {
            weir_wheel_cancel(&f->w, &f->recs[id].node);
        } else {
            arm(f, id, weir_wheel_now(&f->w) + rand_below(&rng, 1ull << 30));
            armed++;
        }
        undone += was;
        if (op % 100 == 0) {
            f->nlog = 0;
            advance(f, weir_wheel_now(&f->w) + rand_below(&rng, 1ull << 24));
        }
    }
    f->nlog = 0;
    advance(f, UINT64_MAX - 1);
    size_t fired = 0;
    for (int i = 0; i < RECS; i++)
        fired += (size_t)f->recs[i].fired;
    assert_int_equal(fired, armed - undone);
}

/* ---- benchmark: test_wheel --bench N ---- */

static double now_ns(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void count_fire(void *ctx, weir_wheel_node *node)
{
    (void)node;
    (*(size_t *)ctx)++;
}

/* TCP-like deadlines: delayed ACKs (40 ms), RTOs (200 ms .. 1 s), keepalives (2 h). */
static uint64_t tcp_like_delta(uint64_t *rng)
{
    uint64_t r = rand_below(rng, 10);
    if (r < 3)
        return 40000;
    if (r < 8)
        return 200000 + rand_below(rng, 800000);
    return HOURS_2 + rand_below(rng, SEC);
}

static void bench_report(const char *what, double ns, size_t ops)
{
    printf("  %-52s %8.1f ns/op  (%zu ops)\n", what, ns / (double)ops, ops);
}

typedef struct bench {
    weir_wheel *w;
    weir_wheel_node *nodes;
    uint64_t *delta; /* first arming, from the wheel's time */
    uint64_t *moved; /* a second arming: an RTO restarted by an ACK */
    size_t n;
} bench;

static void bench_fill(bench *b)
{
    uint64_t now = weir_wheel_now(b->w);
    for (size_t i = 0; i < b->n; i++)
        weir_wheel_schedule(b->w, &b->nodes[i], now + b->delta[i]);
}

static void bench_schedule_move_cancel(bench *b)
{
    double t = now_ns();
    bench_fill(b);
    bench_report("schedule (TCP-like mix)", now_ns() - t, b->n);

    t = now_ns();
    uint64_t now = weir_wheel_now(b->w);
    for (size_t i = 0; i < b->n; i++)
        weir_wheel_schedule(b->w, &b->nodes[i], now + b->moved[i]);
    bench_report("reschedule (move an armed node)", now_ns() - t, b->n);

    t = now_ns();
    uint64_t sink = 0;
    for (int i = 0; i < 1000000; i++)
        sink += weir_wheel_next_deadline(b->w);
    bench_report("next_deadline (full wheel)", now_ns() - t, 1000000);

    t = now_ns();
    uint64_t min = UINT64_MAX;
    for (size_t i = 0; i < b->n; i++)
        min = b->delta[i] < min ? b->delta[i] : min;
    bench_report("for comparison: one O(N) scan of N deadlines", now_ns() - t, 1);

    t = now_ns();
    for (size_t i = 0; i < b->n; i++)
        weir_wheel_cancel(b->w, &b->nodes[i]);
    bench_report("cancel", now_ns() - t, b->n);
    printf("  (checksum %llu)\n", (unsigned long long)((sink ^ min) & 0xff));
}

/* Fire everything, by 1 ms polls over 2 h, then by one poll 3 h later: the cost per node fired
 * includes every cascade on the way down. */
static size_t bench_advance(bench *b)
{
    bench_fill(b);
    size_t fired = 0, polls = 0;
    uint64_t end = weir_wheel_now(b->w) + HOURS_2 + 2 * SEC;
    double t = now_ns();
    for (uint64_t now = weir_wheel_now(b->w); now <= end; now += 1000, polls++)
        weir_wheel_advance(b->w, now, count_fire, &fired);
    double took = now_ns() - t;
    bench_report("advance, 1 ms polls for 2 h: per node fired", took, fired);
    bench_report("advance, 1 ms polls for 2 h: per poll", took, polls);

    bench_fill(b);
    size_t jumped = 0;
    t = now_ns();
    weir_wheel_advance(b->w, weir_wheel_now(b->w) + 3 * 3600 * SEC, count_fire, &jumped);
    bench_report("advance, one jump of 3 h: per node fired", now_ns() - t, jumped);
    return fired == b->n && jumped == b->n ? 0 : 1;
}

static int bench_run(bench *b)
{
    uint64_t rng = 1;
    for (size_t i = 0; i < b->n; i++) {
        b->delta[i] = tcp_like_delta(&rng);
        b->moved[i] = 200000 + rand_below(&rng, 800000);
    }
    printf("timer wheel: %zu nodes of %zu bytes, wheel %zu bytes\n", b->n, sizeof *b->nodes,
           sizeof *b->w);
    weir_wheel_init(b->w, 1000000);
    /* Warm up (page in the nodes) so that the numbers are the steady state. */
    bench_fill(b);
    weir_wheel_destroy(b->w);
    bench_schedule_move_cancel(b);
    return (int)bench_advance(b);
}

static int run_bench(size_t n)
{
    bench b = {calloc(1, sizeof *b.w), calloc(n, sizeof *b.nodes), calloc(n, sizeof *b.delta),
               calloc(n, sizeof *b.moved), n};
    int rc = b.w && b.nodes && b.delta && b.moved ? bench_run(&b) : 1;
    free(b.moved);
    free(b.delta);
    free(b.nodes);
    free(b.w);
    return rc;
}

#define FX_TEST(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--bench") == 0)
        return run_bench((size_t)strtoull(argv[2], NULL, 10));
    const struct CMUnitTest tests[] = {
        FX_TEST(zeroed_node_is_idle_and_empty_wheel_has_no_deadline),
        FX_TEST(fires_in_deadline_order),
        FX_TEST(fires_exactly_at_its_deadline_never_before),
        FX_TEST(polling_at_next_deadline_is_exact),
        FX_TEST(cancel_prevents_firing),
        FX_TEST(reschedule_moves_earlier_and_later),
        FX_TEST(callback_reschedules_itself),
        FX_TEST(callback_rearming_for_now_waits_for_next_advance),
        FX_TEST(callback_schedules_other_nodes),
        FX_TEST(callback_cancels_and_moves_other_nodes),
        FX_TEST(advance_from_a_callback_does_nothing),
        FX_TEST(big_jumps_in_time),
        FX_TEST(deadlines_in_the_past_fire_at_next_advance),
        FX_TEST(time_going_backwards_counts_as_the_last_time),
        FX_TEST(two_hour_deadlines),
        FX_TEST(cancelled_minimum_costs_one_empty_poll),
        FX_TEST(destroy_unschedules_everything),
        FX_TEST(callbacks_equal_scheduled_minus_cancelled),
        cmocka_unit_test(randomized_against_reference_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
