/* test_ringlink.c — the two-thread ring link: argument checks, a full ring's back-pressure, and
 * two threads exchanging frames both ways at once with every byte and the order checked. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ringlink.h"
#include "weir/err.h"

static int send_frame(weir_ringlink *link, int end, const uint8_t *frame, size_t len)
{
    return weir_ringlink_transmit_fn()(weir_ringlink_end(link, end), frame, len);
}

static int ready(weir_ringlink *link, int end)
{
    return weir_ringlink_tx_ready_fn()(weir_ringlink_end(link, end));
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    assert_null(weir_ringlink_create(0, 1500));
    assert_null(weir_ringlink_create(1, 1500));
    assert_null(weir_ringlink_create(3, 1500));       /* not a power of two */
    assert_null(weir_ringlink_create(131072, 1500));  /* beyond 65536 */
    assert_null(weir_ringlink_create(8, 67));         /* below IPv4's minimum MTU */
    weir_ringlink *link = weir_ringlink_create(8, 100);
    assert_non_null(link);
    assert_null(weir_ringlink_end(link, 2));
    assert_null(weir_ringlink_end(link, -1));
    uint8_t frame[101] = {0};
    assert_int_equal(weir_ringlink_transmit_fn()(NULL, frame, 10), WEIR_EINVAL);
    assert_int_equal(send_frame(link, 0, NULL, 10), WEIR_EINVAL);
    assert_int_equal(send_frame(link, 0, frame, 0), WEIR_EINVAL);
    assert_int_equal(send_frame(link, 0, frame, 101), WEIR_EMSGSIZE);
    assert_int_equal(send_frame(link, 0, frame, 100), 0);
    assert_int_equal(weir_ringlink_tx_ready_fn()(NULL), 0);
    weir_ringlink_destroy(link);
    weir_ringlink_destroy(NULL);
}

typedef struct seen {
    uint8_t last[256];
    size_t len;
    int frames;
} seen;

static void remember(void *ctx, const uint8_t *frame, size_t len, uint64_t now_us)
{
    (void)now_us;
    seen *s = ctx;
    memcpy(s->last, frame, len);
    s->len = len;
    s->frames++;
}

static void a_full_ring_says_busy_and_refuses(void **state)
{
    (void)state;
    weir_ringlink *link = weir_ringlink_create(4, 1500);
    uint8_t frame[64];
    for (uint8_t i = 0; i < 4; i++) {
        assert_true(ready(link, 0));
        memset(frame, i, sizeof frame);
        assert_int_equal(send_frame(link, 0, frame, 10u + i), 0);
    }
    assert_false(ready(link, 0));
    assert_true(ready(link, 1)); /* the other direction is its own ring */
    assert_int_equal(send_frame(link, 0, frame, 10), WEIR_ENOBUFS);

    seen s = {0};
    assert_int_equal(weir_ringlink_receive(link, 0, remember, &s, 0, 8), 0); /* nothing for 0 */
    assert_int_equal(weir_ringlink_receive(link, 1, remember, &s, 0, 1), 1);
    assert_int_equal(s.len, 10);
    assert_int_equal(s.last[0], 0); /* oldest first */
    assert_true(ready(link, 0));    /* one slot free again */
    assert_int_equal(weir_ringlink_receive(link, 1, remember, &s, 0, 8), 3);
    assert_int_equal(s.len, 13);
    assert_int_equal(s.last[12], 3);

    weir_ringlink_stats st;
    weir_ringlink_get_stats(link, &st);
    assert_int_equal(st.sent[0], 4);
    assert_int_equal(st.full[0], 1);
    assert_int_equal(st.delivered[0], 4);
    assert_int_equal(st.sent[1], 0);
    weir_ringlink_destroy(link);
}

/* ---- two threads, both directions at once ------------------------------------------------ */

enum { FRAMES = 200000, MAX_LEN = 1500 };
#define TEST_SECONDS 60.0 /* a bound for a hang, far beyond the fraction of a second it takes */

typedef struct peer {
    weir_ringlink *link;
    int end;
    uint32_t next_expected; /* sequence number of the next frame from the other end */
    bool bad;               /* a frame out of order or with wrong bytes */
    uint32_t sent;
} peer;

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Frame n: its number, then bytes that depend on n and the position, length 4 + n % 1497. */
static size_t make_frame(uint32_t n, uint8_t *buf)
{
    size_t len = 4u + n % (MAX_LEN - 3u);
    memcpy(buf, &n, 4);
    for (size_t i = 4; i < len; i++)
        buf[i] = (uint8_t)(n * 31u + i);
    return len;
}

static void check_frame(void *ctx, const uint8_t *frame, size_t len, uint64_t now_us)
{
    (void)now_us;
    peer *p = ctx;
    uint8_t want[MAX_LEN];
    size_t want_len = make_frame(p->next_expected, want);
    if (len != want_len || memcmp(frame, want, len) != 0)
        p->bad = true;
    p->next_expected++;
}

static void *run_peer(void *arg)
{
    peer *p = arg;
    uint8_t buf[MAX_LEN];
    double start = seconds_now();
    while ((p->sent < FRAMES || p->next_expected < FRAMES) && !p->bad &&
           seconds_now() - start < TEST_SECONDS) {
        bool moved = weir_ringlink_receive(p->link, p->end, check_frame, p, 0, 64) > 0;
        while (p->sent < FRAMES && ready(p->link, p->end)) {
            size_t len = make_frame(p->sent, buf);
            if (send_frame(p->link, p->end, buf, len) != 0) {
                p->bad = true; /* ready said yes: only this thread fills this ring */
                break;
            }
            p->sent++;
            moved = true;
        }
        if (!moved)
            sched_yield();
    }
    return NULL;
}

static void two_threads_exchange_every_frame_in_order(void **state)
{
    (void)state;
    weir_ringlink *link = weir_ringlink_create(64, MAX_LEN);
    assert_non_null(link);
    peer a = {.link = link, .end = 0}, b = {.link = link, .end = 1};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run_peer, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, run_peer, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_false(a.bad);
    assert_false(b.bad);
    assert_int_equal(a.next_expected, FRAMES);
    assert_int_equal(b.next_expected, FRAMES);
    weir_ringlink_stats st;
    weir_ringlink_get_stats(link, &st);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(st.sent[i], FRAMES);
        assert_int_equal(st.delivered[i], FRAMES);
        assert_int_equal(st.full[i], 0);
    }
    weir_ringlink_destroy(link);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(a_full_ring_says_busy_and_refuses),
        cmocka_unit_test(two_threads_exchange_every_frame_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
