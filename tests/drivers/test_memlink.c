/* test_memlink.c — the in-memory link: delivery order and times, each impairment carried out as
 * the fault injector decided, the queue limit and MTU, replies sent from inside a delivery, stats
 * and misuse. No stack is involved: the ends are recorders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memlink.h"
#include "weir/err.h"

enum { MAX_SEEN = 4096, FRAME_CAP = 1500 };

typedef struct seen_frame {
    uint64_t at_us;
    size_t len;
    uint8_t data[FRAME_CAP];
} seen_frame;

/* One end's receiver: records what arrived, and can answer from inside the callback. */
typedef struct recorder {
    seen_frame *frames;
    size_t count;
    weir_memlink *link;
    int end;             /* the end this recorder listens at */
    int replies_left;    /* answer this many arrivals with a 1-byte frame through the same end */
    bool nested_deliver; /* try to re-enter weir_memlink_deliver from the callback */
} recorder;

static void record(void *ctx, const uint8_t *frame, size_t len, uint64_t now_us)
{
    recorder *r = ctx;
    assert_true(r->count < MAX_SEEN);
    assert_true(len <= FRAME_CAP);
    seen_frame *f = &r->frames[r->count++];
    f->at_us = now_us;
    f->len = len;
    memcpy(f->data, frame, len);
    if (r->nested_deliver)
        weir_memlink_deliver(r->link, now_us + 1000000); /* must be ignored */
    if (r->replies_left > 0) {
        r->replies_left--;
        uint8_t reply = (uint8_t)(0xA0 + r->end);
        assert_int_equal(weir_memlink_transmit_fn()(weir_memlink_end(r->link, r->end), &reply, 1),
                         0);
    }
}

typedef struct fixture {
    weir_memlink *link;
    recorder rec[2];
} fixture;

static void fixture_open(fixture *fx, const weir_memlink_config *cfg)
{
    memset(fx, 0, sizeof(*fx));
    fx->link = weir_memlink_create(cfg);
    assert_non_null(fx->link);
    for (int i = 0; i < 2; i++) {
        fx->rec[i].frames = calloc(MAX_SEEN, sizeof(seen_frame));
        assert_non_null(fx->rec[i].frames);
        fx->rec[i].link = fx->link;
        fx->rec[i].end = i;
        weir_memlink_set_receiver(fx->link, i, record, &fx->rec[i]);
    }
}

static void fixture_close(fixture *fx)
{
    weir_memlink_destroy(fx->link);
    free(fx->rec[0].frames);
    free(fx->rec[1].frames);
}

static int send_at(weir_memlink *link, int end, const void *data, size_t len)
{
    return weir_memlink_transmit_fn()(weir_memlink_end(link, end), data, len);
}

static int send_byte(weir_memlink *link, int end, uint8_t b) { return send_at(link, end, &b, 1); }

static weir_memlink_config fixed_delay_config(uint64_t delay_us)
{
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    for (int i = 0; i < 2; i++)
        cfg.fault[i].delay_min_us = cfg.fault[i].delay_max_us = delay_us;
    return cfg;
}

static void config_init_gives_documented_defaults(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    memset(&cfg, 0xff, sizeof(cfg));
    weir_memlink_config_init(&cfg);
    assert_int_equal(cfg.mtu, 1500);
    assert_int_equal(cfg.queue_limit, 1024);
    assert_true(cfg.fault[0].loss == 0.0 && cfg.fault[1].corrupt == 0.0);
    assert_true(cfg.fault[0].delay_max_us == 0);
    weir_memlink_config_init(NULL);
}

static void bad_configs_are_refused(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    assert_null(weir_memlink_create(NULL));
    weir_memlink_config_init(&cfg);
    cfg.mtu = 0;
    assert_null(weir_memlink_create(&cfg));
    weir_memlink_config_init(&cfg);
    cfg.queue_limit = 0;
    assert_null(weir_memlink_create(&cfg));
    weir_memlink_config_init(&cfg);
    cfg.queue_limit = UINT32_MAX;
    assert_null(weir_memlink_create(&cfg));
    weir_memlink_config_init(&cfg);
    cfg.fault[1].loss = 2.0;
    assert_null(weir_memlink_create(&cfg));
    weir_memlink_config_init(&cfg);
    cfg.fault[0].delay_min_us = 5;
    cfg.fault[0].delay_max_us = 4;
    assert_null(weir_memlink_create(&cfg));
}

static void misuse_is_harmless(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    weir_memlink *link = weir_memlink_create(&cfg);
    assert_non_null(link);
    assert_null(weir_memlink_end(link, 2));
    assert_null(weir_memlink_end(link, -1));
    assert_null(weir_memlink_end(NULL, 0));
    weir_memlink_set_receiver(link, 5, record, NULL);
    weir_memlink_set_receiver(NULL, 0, record, NULL);
    uint8_t b = 1;
    weir_transmit_fn tx = weir_memlink_transmit_fn();
    assert_int_equal(tx(NULL, &b, 1), WEIR_EINVAL);
    assert_int_equal(tx(weir_memlink_end(link, 0), NULL, 1), WEIR_EINVAL);
    assert_int_equal(tx(weir_memlink_end(link, 0), &b, 0), WEIR_EINVAL);
    weir_memlink_deliver(NULL, 1);
    weir_memlink_set_time(NULL, 1);
    assert_true(weir_memlink_next_deadline(NULL) == UINT64_MAX);
    weir_memlink_stats st;
    weir_memlink_get_stats(NULL, &st);
    assert_true(st.sent[0] == 0);
    weir_memlink_get_stats(link, NULL);
    /* A frame for an end nobody listens at is carried and discarded. */
    assert_int_equal(tx(weir_memlink_end(link, 0), &b, 1), 0);
    weir_memlink_deliver(link, 0);
    weir_memlink_get_stats(link, &st);
    assert_true(st.delivered[0] == 1);
    weir_memlink_destroy(link);
    weir_memlink_destroy(NULL);
}

static void frames_travel_to_the_other_end(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    fixture fx;
    fixture_open(&fx, &cfg);
    const uint8_t a[] = {1, 2, 3}, b[] = {9, 8};
    assert_int_equal(send_at(fx.link, 0, a, sizeof(a)), 0);
    assert_int_equal(send_at(fx.link, 1, b, sizeof(b)), 0);
    assert_int_equal(fx.rec[0].count + fx.rec[1].count, 0); /* nothing before deliver */
    weir_memlink_deliver(fx.link, 0);
    assert_int_equal(fx.rec[1].count, 1);
    assert_int_equal(fx.rec[1].frames[0].len, sizeof(a));
    assert_memory_equal(fx.rec[1].frames[0].data, a, sizeof(a));
    assert_int_equal(fx.rec[0].count, 1);
    assert_memory_equal(fx.rec[0].frames[0].data, b, sizeof(b));
    assert_true(weir_memlink_next_deadline(fx.link) == UINT64_MAX);
    fixture_close(&fx);
}

static void delay_sets_the_delivery_time(void **state)
{
    (void)state;
    weir_memlink_config cfg = fixed_delay_config(100);
    fixture fx;
    fixture_open(&fx, &cfg);
    weir_memlink_set_time(fx.link, 1000);
    assert_int_equal(send_byte(fx.link, 0, 1), 0);
    weir_memlink_set_time(fx.link, 1050);
    assert_int_equal(send_byte(fx.link, 0, 2), 0);
    assert_true(weir_memlink_next_deadline(fx.link) == 1100);
    weir_memlink_deliver(fx.link, 1099);
    assert_int_equal(fx.rec[1].count, 0);
    weir_memlink_deliver(fx.link, 1100);
    assert_int_equal(fx.rec[1].count, 1);
    assert_true(fx.rec[1].frames[0].at_us == 1100);
    assert_true(weir_memlink_next_deadline(fx.link) == 1150);
    /* Time never runs backwards: an older `now` is the last one seen, and stamps use it. */
    weir_memlink_deliver(fx.link, 5);
    assert_int_equal(fx.rec[1].count, 1);
    weir_memlink_deliver(fx.link, 2000);
    assert_int_equal(fx.rec[1].count, 2);
    assert_true(fx.rec[1].frames[1].at_us == 2000); /* late delivery is stamped with the call */
    fixture_close(&fx);
}

static void delivery_is_in_time_order_and_ties_in_send_order(void **state)
{
    (void)state;
    weir_memlink_config cfg = fixed_delay_config(100);
    cfg.fault[1].delay_min_us = cfg.fault[1].delay_max_us = 50;
    fixture fx;
    fixture_open(&fx, &cfg);
    /* End 0 sends 0..9 at t=0 (due 100); end 1 sends 100..104 at t=50 (due 100 too): the tie
     * across directions is broken by send order, the rest by time. */
    for (uint8_t i = 0; i < 10; i++)
        send_byte(fx.link, 0, i);
    weir_memlink_set_time(fx.link, 50);
    for (uint8_t i = 0; i < 5; i++)
        send_byte(fx.link, 1, (uint8_t)(100 + i));
    weir_memlink_set_time(fx.link, 60);
    send_byte(fx.link, 1, 200); /* due 110 */
    weir_memlink_deliver(fx.link, 200);
    assert_int_equal(fx.rec[1].count, 10);
    for (uint8_t i = 0; i < 10; i++)
        assert_int_equal(fx.rec[1].frames[i].data[0], i);
    assert_int_equal(fx.rec[0].count, 6);
    for (uint8_t i = 0; i < 5; i++)
        assert_int_equal(fx.rec[0].frames[i].data[0], 100 + i);
    assert_int_equal(fx.rec[0].frames[5].data[0], 200);
    fixture_close(&fx);
}

static void random_delays_deliver_sorted_by_time(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.fault[0].delay_min_us = 0;
    cfg.fault[0].delay_max_us = 10000;
    cfg.seed = 77;
    fixture fx;
    fixture_open(&fx, &cfg);
    for (int i = 0; i < 1000; i++) {
        weir_memlink_set_time(fx.link, (uint64_t)i * 10);
        uint16_t tag = (uint16_t)i;
        send_at(fx.link, 0, &tag, sizeof(tag));
    }
    /* Step time so each frame is seen at its own due time. */
    uint64_t now = 0, last = 0;
    int steps = 0;
    while ((now = weir_memlink_next_deadline(fx.link)) != UINT64_MAX && steps++ < 100000)
        weir_memlink_deliver(fx.link, now);
    assert_int_equal(fx.rec[1].count, 1000);
    int out_of_send_order = 0;
    for (size_t i = 0; i < fx.rec[1].count; i++) {
        assert_true(fx.rec[1].frames[i].at_us >= last);
        last = fx.rec[1].frames[i].at_us;
        uint16_t tag, prev = 0;
        memcpy(&tag, fx.rec[1].frames[i].data, 2);
        if (i > 0)
            memcpy(&prev, fx.rec[1].frames[i - 1].data, 2);
        out_of_send_order += i > 0 && tag < prev;
    }
    assert_true(out_of_send_order > 100); /* delay jitter larger than the gap reorders */
    fixture_close(&fx);
}

static void duplication_delivers_two_copies(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.fault[0].duplicate = 1.0;
    fixture fx;
    fixture_open(&fx, &cfg);
    for (uint8_t i = 0; i < 20; i++)
        send_byte(fx.link, 0, i);
    weir_memlink_deliver(fx.link, 0);
    assert_int_equal(fx.rec[1].count, 40);
    for (uint8_t i = 0; i < 20; i++) {
        assert_int_equal(fx.rec[1].frames[2 * i].data[0], i);
        assert_int_equal(fx.rec[1].frames[2 * i + 1].data[0], i);
    }
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.sent[0] == 20 && st.duplicated[0] == 20 && st.delivered[0] == 40);
    assert_true(st.sent[1] == 0 && st.delivered[1] == 0);
    fixture_close(&fx);
}

static void loss_drops_frames_and_counts_them(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.fault[0].loss = 1.0;
    cfg.fault[1].loss = 0.3;
    cfg.seed = 5;
    fixture fx;
    fixture_open(&fx, &cfg);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(send_byte(fx.link, 0, 1), 0); /* a lost frame is still "sent" */
        assert_int_equal(send_byte(fx.link, 1, 2), 0);
    }
    weir_memlink_deliver(fx.link, 0);
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_int_equal(fx.rec[1].count, 0);
    assert_true(st.lost[0] == 1000 && st.sent[0] == 1000);
    assert_true(st.lost[1] > 200 && st.lost[1] < 400);
    assert_true(st.delivered[1] + st.lost[1] == 1000);
    assert_int_equal(fx.rec[0].count, st.delivered[1]);
    fixture_close(&fx);
}

static unsigned popcount8(uint8_t x)
{
    unsigned n = 0;
    for (; x; x &= (uint8_t)(x - 1))
        n++;
    return n;
}

static void corruption_flips_exactly_one_bit(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.fault[0].corrupt = 1.0;
    cfg.fault[0].duplicate = 1.0; /* the duplicate stays intact */
    cfg.seed = 9;
    fixture fx;
    fixture_open(&fx, &cfg);
    uint8_t frame[300];
    for (int n = 0; n < 200; n++) {
        size_t len = 1 + (size_t)n % sizeof(frame);
        for (size_t i = 0; i < len; i++)
            frame[i] = (uint8_t)(i * 7 + (size_t)n);
        assert_int_equal(send_at(fx.link, 0, frame, len), 0);
        weir_memlink_deliver(fx.link, 0);
        assert_int_equal(fx.rec[1].count, 2 * (size_t)n + 2);
        const seen_frame *bad = &fx.rec[1].frames[2 * n];
        const seen_frame *good = &fx.rec[1].frames[2 * n + 1];
        assert_int_equal(bad->len, len);
        unsigned flipped = 0;
        for (size_t i = 0; i < len; i++)
            flipped += popcount8((uint8_t)(bad->data[i] ^ frame[i]));
        assert_int_equal(flipped, 1);
        assert_memory_equal(good->data, frame, len);
    }
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.corrupted[0] == 200);
    fixture_close(&fx);
}

static void reorder_holds_a_frame_back(void **state)
{
    (void)state;
    weir_memlink_config cfg = fixed_delay_config(10);
    cfg.fault[0].reorder = 1.0;
    cfg.fault[0].reorder_delay_us = 500;
    fixture fx;
    fixture_open(&fx, &cfg);
    send_byte(fx.link, 0, 1);
    assert_true(weir_memlink_next_deadline(fx.link) == 510);
    /* The other direction is not held back and overtakes it. */
    send_byte(fx.link, 1, 2);
    assert_true(weir_memlink_next_deadline(fx.link) == 10);
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.reordered[0] == 1 && st.reordered[1] == 0);
    fixture_close(&fx);
}

static void queue_limit_tail_drops_silently(void **state)
{
    (void)state;
    weir_memlink_config cfg = fixed_delay_config(10);
    cfg.queue_limit = 4;
    fixture fx;
    fixture_open(&fx, &cfg);
    for (uint8_t i = 0; i < 6; i++)
        assert_int_equal(send_byte(fx.link, 0, i), 0);
    assert_int_equal(send_byte(fx.link, 1, 50), 0); /* the limit is per direction */
    weir_memlink_deliver(fx.link, 10);
    assert_int_equal(fx.rec[1].count, 4);
    assert_int_equal(fx.rec[1].frames[3].data[0], 3); /* the newest frames were dropped */
    assert_int_equal(fx.rec[0].count, 1);
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.queue_drops[0] == 2 && st.queue_drops[1] == 0 && st.sent[0] == 6);
    /* Room again once delivered. */
    assert_int_equal(send_byte(fx.link, 0, 9), 0);
    weir_memlink_deliver(fx.link, 20);
    assert_int_equal(fx.rec[1].count, 5);
    fixture_close(&fx);
}

static int tx_ready(weir_memlink *link, int end)
{
    return weir_memlink_tx_ready_fn()(weir_memlink_end(link, end));
}

static void a_full_tx_ring_says_busy_until_frames_leave(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.tx_ring = 2;
    fixture fx;
    fixture_open(&fx, &cfg);
    assert_true(tx_ready(fx.link, 0));
    assert_int_equal(send_byte(fx.link, 0, 1), 0);
    assert_true(tx_ready(fx.link, 0));
    assert_int_equal(send_byte(fx.link, 0, 2), 0);
    assert_false(tx_ready(fx.link, 0));
    assert_true(tx_ready(fx.link, 1)); /* per direction */
    assert_int_equal(send_byte(fx.link, 0, 3), 0); /* sent anyway: queued, up to queue_limit */
    weir_memlink_deliver(fx.link, 0);
    assert_int_equal(fx.rec[1].count, 3);
    assert_true(tx_ready(fx.link, 0));
    assert_int_equal(weir_memlink_tx_ready_fn()(NULL), 0);
    fixture_close(&fx);

    weir_memlink_config_init(&cfg); /* 0: never busy */
    fixture_open(&fx, &cfg);
    for (uint8_t i = 0; i < 8; i++)
        assert_int_equal(send_byte(fx.link, 0, i), 0);
    assert_true(tx_ready(fx.link, 0));
    fixture_close(&fx);

    cfg.tx_ring = cfg.queue_limit + 1; /* a ring larger than the queue is a mistake */
    assert_null(weir_memlink_create(&cfg));
}

static void frames_above_the_mtu_are_refused(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.mtu = 100;
    fixture fx;
    fixture_open(&fx, &cfg);
    uint8_t frame[101] = {0};
    assert_int_equal(send_at(fx.link, 0, frame, 101), WEIR_EMSGSIZE);
    assert_int_equal(send_at(fx.link, 0, frame, 100), 0);
    weir_memlink_deliver(fx.link, 0);
    assert_int_equal(fx.rec[1].count, 1);
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.sent[0] == 1); /* the refused frame never entered the link */
    fixture_close(&fx);
}

static void replies_from_a_callback_wait_for_the_next_call(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg); /* zero delay: a reply is due at once */
    fixture fx;
    fixture_open(&fx, &cfg);
    /* Both ends answer every frame forever: a ping-pong that must not spin inside one call. */
    fx.rec[0].replies_left = fx.rec[1].replies_left = 1000000;
    send_byte(fx.link, 0, 1);
    weir_memlink_deliver(fx.link, 7);
    assert_int_equal(fx.rec[1].count, 1);
    assert_int_equal(fx.rec[0].count, 0);
    assert_true(weir_memlink_next_deadline(fx.link) == 7); /* the reply is due now */
    weir_memlink_deliver(fx.link, 7);
    assert_int_equal(fx.rec[0].count, 1);
    assert_int_equal(fx.rec[0].frames[0].data[0], 0xA1);
    for (int i = 0; i < 100; i++)
        weir_memlink_deliver(fx.link, 8);
    assert_int_equal(fx.rec[0].count + fx.rec[1].count, 102);
    fixture_close(&fx); /* a reply is still in flight: destroy frees it */
}

static void nested_deliver_is_ignored(void **state)
{
    (void)state;
    weir_memlink_config cfg = fixed_delay_config(100);
    fixture fx;
    fixture_open(&fx, &cfg);
    fx.rec[1].nested_deliver = true;
    send_byte(fx.link, 0, 1);
    weir_memlink_set_time(fx.link, 1);
    send_byte(fx.link, 0, 2); /* due 101 */
    weir_memlink_deliver(fx.link, 100);
    assert_int_equal(fx.rec[1].count, 1); /* the nested call did not deliver frame 2 early */
    weir_memlink_deliver(fx.link, 101);
    assert_int_equal(fx.rec[1].count, 2);
    fixture_close(&fx);
}

/* Runs a fixed workload over an impaired link and returns what end 1 saw. */
static void run_impaired(uint64_t seed, recorder *out_rec, weir_memlink_stats *st)
{
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.seed = seed;
    cfg.fault[0].loss = 0.1;
    cfg.fault[0].duplicate = 0.1;
    cfg.fault[0].reorder = 0.1;
    cfg.fault[0].corrupt = 0.1;
    cfg.fault[0].delay_max_us = 300;
    weir_memlink *link = weir_memlink_create(&cfg);
    assert_non_null(link);
    out_rec->link = link;
    out_rec->end = 1;
    weir_memlink_set_receiver(link, 1, record, out_rec);
    uint8_t frame[64];
    for (int i = 0; i < 500; i++) {
        weir_memlink_set_time(link, (uint64_t)i * 20);
        memset(frame, i, sizeof(frame));
        assert_int_equal(send_at(link, 0, frame, sizeof(frame)), 0);
        weir_memlink_deliver(link, (uint64_t)i * 20);
    }
    weir_memlink_deliver(link, UINT64_MAX / 2);
    weir_memlink_get_stats(link, st);
    weir_memlink_destroy(link);
}

static void same_seed_same_run(void **state)
{
    (void)state;
    recorder a = {.frames = calloc(MAX_SEEN, sizeof(seen_frame))};
    recorder b = {.frames = calloc(MAX_SEEN, sizeof(seen_frame))};
    recorder c = {.frames = calloc(MAX_SEEN, sizeof(seen_frame))};
    assert_true(a.frames && b.frames && c.frames);
    weir_memlink_stats sa, sb, sc;
    run_impaired(1234, &a, &sa);
    run_impaired(1234, &b, &sb);
    run_impaired(4321, &c, &sc);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_true(a.frames[i].at_us == b.frames[i].at_us);
        assert_memory_equal(a.frames[i].data, b.frames[i].data, a.frames[i].len);
    }
    assert_memory_equal(&sa, &sb, sizeof(sa));
    assert_true(memcmp(&sa, &sc, sizeof(sa)) != 0);
    /* Books balance: every accepted frame was lost or delivered, duplicates add one each. */
    assert_true(sa.sent[0] == 500);
    assert_true(sa.delivered[0] == sa.sent[0] - sa.lost[0] + sa.duplicated[0]);
    assert_true(sa.lost[0] > 0 && sa.duplicated[0] > 0 && sa.reordered[0] > 0 &&
                sa.corrupted[0] > 0);
    free(a.frames);
    free(b.frames);
    free(c.frames);
}

/* ---- the frame pool ------------------------------------------------------------------------ */

static void delivered_frames_give_their_buffers_back(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    fixture fx;
    fixture_open(&fx, &cfg);
    for (int i = 0; i < 1000; i++) {
        uint8_t frame[40];
        memset(frame, i, sizeof(frame));
        assert_int_equal(send_at(fx.link, i % 2, frame, sizeof(frame)), 0);
        weir_memlink_deliver(fx.link, (uint64_t)i);
        recorder *r = &fx.rec[1 - i % 2];
        assert_memory_equal(r->frames[r->count - 1].data, frame, sizeof(frame));
    }
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.delivered[0] + st.delivered[1] == 1000);
    assert_int_equal(st.pool_allocated, 1); /* one buffer, reused a thousand times */
    assert_int_equal(st.pool_high_water, 1);
    fixture_close(&fx);
}

static void small_and_large_frames_use_buffers_of_their_size(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    fixture fx;
    fixture_open(&fx, &cfg);
    uint8_t big[1500], small[60];
    memset(big, 0xB1, sizeof(big));
    memset(small, 0x5A, sizeof(small));
    for (int round = 0; round < 3; round++) {
        assert_int_equal(send_at(fx.link, 0, big, sizeof(big)), 0);
        assert_int_equal(send_at(fx.link, 0, small, sizeof(small)), 0);
        weir_memlink_deliver(fx.link, (uint64_t)round);
    }
    assert_int_equal(fx.rec[1].count, 6);
    for (size_t i = 0; i < 6; i += 2) {
        assert_int_equal(fx.rec[1].frames[i].len, sizeof(big));
        assert_memory_equal(fx.rec[1].frames[i].data, big, sizeof(big));
        assert_int_equal(fx.rec[1].frames[i + 1].len, sizeof(small));
        assert_memory_equal(fx.rec[1].frames[i + 1].data, small, sizeof(small));
    }
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_int_equal(st.pool_allocated, 2); /* one of each class */
    fixture_close(&fx);
}

static void an_exhausted_pool_drops_and_counts(void **state)
{
    (void)state;
    weir_memlink_config cfg = fixed_delay_config(10);
    cfg.pool_frames = 3;
    fixture fx;
    fixture_open(&fx, &cfg);
    for (uint8_t i = 0; i < 4; i++)
        assert_int_equal(send_byte(fx.link, 0, i), 0); /* a drop is silent, as a full queue's */
    assert_int_equal(send_byte(fx.link, 1, 7), 0);     /* the pool serves both directions */
    weir_memlink_deliver(fx.link, 10);
    assert_int_equal(fx.rec[1].count, 3);
    assert_int_equal(fx.rec[1].frames[2].data[0], 2);
    assert_int_equal(fx.rec[0].count, 0);
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.pool_drops[0] == 1 && st.pool_drops[1] == 1 && st.queue_drops[0] == 0);
    assert_true(st.sent[0] == 4 && st.delivered[0] == 3);
    assert_int_equal(st.pool_allocated, 3);
    /* Delivered buffers serve again, without growing the pool. */
    for (uint8_t i = 0; i < 3; i++)
        assert_int_equal(send_byte(fx.link, 1, i), 0);
    weir_memlink_deliver(fx.link, 20);
    assert_int_equal(fx.rec[0].count, 3);
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.pool_drops[1] == 1 && st.pool_allocated == 3 && st.pool_high_water == 3);
    fixture_close(&fx);
}

static void at_the_pool_limit_a_free_buffer_of_the_other_size_makes_room(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.pool_frames = 2;
    fixture fx;
    fixture_open(&fx, &cfg);
    assert_int_equal(send_byte(fx.link, 0, 1), 0);
    assert_int_equal(send_byte(fx.link, 0, 2), 0);
    weir_memlink_deliver(fx.link, 0); /* two small buffers, both free now */
    uint8_t big[1000];
    memset(big, 0xEE, sizeof(big));
    assert_int_equal(send_at(fx.link, 0, big, sizeof(big)), 0);
    assert_int_equal(send_byte(fx.link, 0, 3), 0);
    assert_int_equal(send_byte(fx.link, 0, 4), 0); /* one large + one small in flight: full */
    weir_memlink_deliver(fx.link, 1);
    assert_int_equal(fx.rec[1].count, 4);
    assert_memory_equal(fx.rec[1].frames[2].data, big, sizeof(big));
    assert_int_equal(fx.rec[1].frames[3].data[0], 3);
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.pool_drops[0] == 1 && st.pool_allocated == 2 && st.pool_high_water == 2);
    fixture_close(&fx);
}

/* Without impairment each direction is a FIFO ring: order holds across the ring's end, both
 * directions still leave in send order, and a full ring tail-drops like the heap. */
static void an_unimpaired_link_keeps_send_order_around_its_ring(void **state)
{
    (void)state;
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    cfg.queue_limit = 4;
    fixture fx;
    fixture_open(&fx, &cfg);
    uint8_t next = 0, expect = 0;
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 3; i++)
            assert_int_equal(send_byte(fx.link, 0, next++), 0);
        weir_memlink_deliver(fx.link, (uint64_t)round);
        while (expect < next) {
            assert_int_equal(fx.rec[1].frames[expect].data[0], expect);
            expect++;
        }
    }
    assert_int_equal(fx.rec[1].count, 30);
    /* Interleaved ends: one total order. */
    assert_int_equal(send_byte(fx.link, 1, 100), 0);
    assert_int_equal(send_byte(fx.link, 0, 101), 0);
    assert_int_equal(send_byte(fx.link, 1, 102), 0);
    weir_memlink_set_time(fx.link, 50);
    assert_int_equal(send_byte(fx.link, 0, 103), 0);
    weir_memlink_deliver(fx.link, 50);
    assert_int_equal(fx.rec[0].frames[0].data[0], 100);
    assert_int_equal(fx.rec[0].frames[1].data[0], 102);
    assert_int_equal(fx.rec[1].frames[30].data[0], 101);
    assert_int_equal(fx.rec[1].frames[31].data[0], 103);
    /* Full: the fifth frame is dropped, the four before it leave in order. */
    for (uint8_t i = 0; i < 5; i++)
        assert_int_equal(send_byte(fx.link, 0, (uint8_t)(200 + i)), 0);
    weir_memlink_deliver(fx.link, 60);
    assert_int_equal(fx.rec[1].count, 36);
    for (int i = 0; i < 4; i++)
        assert_int_equal(fx.rec[1].frames[32 + i].data[0], 200 + i);
    weir_memlink_stats st;
    weir_memlink_get_stats(fx.link, &st);
    assert_true(st.queue_drops[0] == 1);
    assert_int_equal(send_byte(fx.link, 0, 7), 0); /* left in flight: destroy frees it */
    fixture_close(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_init_gives_documented_defaults),
        cmocka_unit_test(bad_configs_are_refused),
        cmocka_unit_test(misuse_is_harmless),
        cmocka_unit_test(frames_travel_to_the_other_end),
        cmocka_unit_test(delay_sets_the_delivery_time),
        cmocka_unit_test(delivery_is_in_time_order_and_ties_in_send_order),
        cmocka_unit_test(random_delays_deliver_sorted_by_time),
        cmocka_unit_test(duplication_delivers_two_copies),
        cmocka_unit_test(loss_drops_frames_and_counts_them),
        cmocka_unit_test(corruption_flips_exactly_one_bit),
        cmocka_unit_test(reorder_holds_a_frame_back),
        cmocka_unit_test(queue_limit_tail_drops_silently),
        cmocka_unit_test(a_full_tx_ring_says_busy_until_frames_leave),
        cmocka_unit_test(frames_above_the_mtu_are_refused),
        cmocka_unit_test(replies_from_a_callback_wait_for_the_next_call),
        cmocka_unit_test(nested_deliver_is_ignored),
        cmocka_unit_test(same_seed_same_run),
        cmocka_unit_test(an_unimpaired_link_keeps_send_order_around_its_ring),
        cmocka_unit_test(delivered_frames_give_their_buffers_back),
        cmocka_unit_test(small_and_large_frames_use_buffers_of_their_size),
        cmocka_unit_test(an_exhausted_pool_drops_and_counts),
        cmocka_unit_test(at_the_pool_limit_a_free_buffer_of_the_other_size_makes_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
