/* test_loop.c — the tools' event loop (drivers/loop.h) and the frame functions of drivers/tun.h
 * on a SOCK_SEQPACKET socketpair instead of a TUN device, so that no root is needed: one end is
 * the loop's device, the test plays the kernel at the other. A real stack answers ICMP echo
 * requests, which gives the loop a frame in and a reply out to carry.
 *
 * (It lives beside the interop tests because it tests their plumbing; it would sit as well in
 * tests/drivers.) */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "tun.h"
#include "weir/err.h"
#include "weir/netif.h"
#include "weir/stack.h"

#define WEIR_IP 0xC6120002u   /* 198.18.0.2 */
#define KERNEL_IP 0xC6120001u /* 198.18.0.1 */

typedef struct fixture {
    int sv[2]; /* sv[0]: the loop's device; sv[1]: the test, as the kernel */
    weir_stack *stack;
    weir_loop *loop;
    int dev;
    int after_calls;
    int stop_after; /* weir_loop_stop() from the after callback once this many calls were made */
    volatile sig_atomic_t stop_flag;
} fixture;

static void seeded_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len);
}

static void count_after(void *ctx, weir_loop *loop, uint64_t now_us)
{
    (void)now_us;
    fixture *fx = ctx;
    if (++fx->after_calls == fx->stop_after)
        weir_loop_stop(loop);
}

static void fixture_open(fixture *fx, const weir_loop_device_config *faults, uint64_t limit_us)
{
    memset(fx, 0, sizeof(*fx));
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fx->sv),
                     0);
    weir_stack_config sc;
    weir_stack_config_init(&sc);
    sc.random = seeded_random;
    assert_int_equal(weir_stack_create(&sc, &fx->stack), 0);
    weir_loop_config lc = {.stack = fx->stack,
                           .after = count_after,
                           .after_ctx = fx,
                           .time_limit_us = limit_us,
                           .stop_flag = &fx->stop_flag};
    fx->loop = weir_loop_create(&lc);
    assert_non_null(fx->loop);
    weir_loop_device_config dc;
    weir_loop_device_config_init(&dc);
    if (faults != NULL)
        dc = *faults;
    dc.fd = fx->sv[0];
    dc.name = "pair";
    dc.max_frame = 1500;
    fx->dev = weir_loop_add_device(fx->loop, &dc);
    assert_true(fx->dev >= 0);
    weir_netif_config nc = {.name = "pair",
                            .medium = WEIR_MEDIUM_IP,
                            .mtu = 1500,
                            .ip = WEIR_IP,
                            .prefix_len = 24,
                            .transmit = weir_loop_transmit_fn(),
                            .transmit_ctx = weir_loop_device_ctx(fx->loop, fx->dev)};
    int netif = weir_netif_add(fx->stack, &nc);
    assert_true(netif >= 0);
    assert_int_equal(weir_loop_bind_netif(fx->loop, fx->dev, netif), 0);
}

static void fixture_close(fixture *fx)
{
    weir_loop_destroy(fx->loop);
    weir_stack_destroy(fx->stack);
    close(fx->sv[0]);
    close(fx->sv[1]);
}

/* ---- a hand-made ICMP echo request ---------------------------------------------------------- */

static uint16_t checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* IPv4 + ICMP echo request from the "kernel" to weir with sequence number `seq`: 36 bytes. */
static size_t echo_request(uint8_t *buf, uint16_t seq)
{
    memset(buf, 0, 36);
    buf[0] = 0x45;
    put16(buf + 2, 36);
    put16(buf + 6, 0x4000); /* DF */
    buf[8] = 64;
    buf[9] = 1; /* ICMP */
    put32(buf + 12, KERNEL_IP);
    put32(buf + 16, WEIR_IP);
    put16(buf + 10, checksum(buf, 20));
    uint8_t *icmp = buf + 20;
    icmp[0] = 8; /* echo request */
    put16(icmp + 4, 0x1234);
    put16(icmp + 6, seq);
    static const uint8_t payload[8] = {'w', 'e', 'i', 'r', 'l', 'o', 'o', 'p'};
    memcpy(icmp + 8, payload, sizeof(payload));
    put16(icmp + 2, checksum(icmp, 16));
    return 36;
}

static void kernel_sends_echo(fixture *fx, uint16_t seq)
{
    uint8_t frame[64];
    size_t len = echo_request(frame, seq);
    assert_int_equal(weir_tun_write(fx->sv[1], frame, len), 0);
}

/* Read what weir sent; true and the ICMP sequence number if it is an echo reply. */
static bool kernel_gets_reply(fixture *fx, uint16_t *seq)
{
    uint8_t frame[1600];
    int n = weir_tun_read(fx->sv[1], frame, sizeof(frame));
    if (n < 28 || frame[9] != 1 || frame[20] != 0)
        return false;
    *seq = (uint16_t)(frame[26] << 8 | frame[27]);
    return true;
}

/* Run the loop for `calls` iterations (bounded by a 2 s time limit in the fixture). */
static weir_loop_result run_iterations(fixture *fx, int calls)
{
    fx->stop_after = fx->after_calls + calls;
    return weir_loop_run(fx->loop);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void echo_request_in_reply_out(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, NULL, 2000000);
    kernel_sends_echo(&fx, 7);
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    uint16_t seq = 0;
    assert_true(kernel_gets_reply(&fx, &seq));
    assert_int_equal(seq, 7);
    weir_loop_device_stats st;
    assert_int_equal(weir_loop_get_device_stats(fx.loop, fx.dev, &st), 0);
    assert_int_equal(st.frames_in, 1);
    assert_int_equal(st.bytes_in, 36);
    assert_int_equal(st.frames_out, 1);
    fixture_close(&fx);
}

static void a_batch_of_frames_is_read_in_one_iteration(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, NULL, 2000000);
    for (uint16_t i = 0; i < 10; i++)
        kernel_sends_echo(&fx, i);
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    for (uint16_t i = 0; i < 10; i++) {
        uint16_t seq = 0xffff;
        assert_true(kernel_gets_reply(&fx, &seq));
        assert_int_equal(seq, i); /* in order */
    }
    fixture_close(&fx);
}

static void time_limit_ends_the_run(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, NULL, 50000);
    uint64_t start = weir_loop_clock_us();
    assert_int_equal(weir_loop_run(fx.loop), WEIR_LOOP_TIME_LIMIT);
    uint64_t took = weir_loop_clock_us() - start;
    assert_true(took >= 50000);
    assert_true(took < 1000000); /* the sleep is cut to the limit, not to the 1 s cap */
    fixture_close(&fx);
}

static void stop_flag_interrupts_the_run(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, NULL, 2000000);
    fx.stop_flag = 1;
    assert_int_equal(weir_loop_run(fx.loop), WEIR_LOOP_INTERRUPTED);
    fixture_close(&fx);
}

static void reordered_reply_waits_for_its_delay(void **state)
{
    (void)state;
    weir_loop_device_config faults;
    weir_loop_device_config_init(&faults);
    faults.fault_out.reorder = 1.0;            /* every frame to the device held back ... */
    faults.fault_out.reorder_delay_us = 20000; /* ... by 20 ms */
    fixture fx;
    fixture_open(&fx, &faults, 2000000);
    kernel_sends_echo(&fx, 1);
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    uint16_t seq = 0;
    assert_false(kernel_gets_reply(&fx, &seq)); /* still held */
    uint64_t start = weir_loop_clock_us();
    /* The loop sleeps until the held frame is due: one iteration releases it. */
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    assert_true(kernel_gets_reply(&fx, &seq));
    assert_int_equal(seq, 1);
    assert_true(weir_loop_clock_us() - start < 1000000);
    weir_loop_device_stats st;
    weir_loop_get_device_stats(fx.loop, fx.dev, &st);
    assert_int_equal(st.reordered[1], 1);
    assert_int_equal(st.frames_out, 1);
    fixture_close(&fx);
}

static void lost_frames_are_counted_not_delivered(void **state)
{
    (void)state;
    weir_loop_device_config faults;
    weir_loop_device_config_init(&faults);
    faults.fault_in.loss = 1.0;
    fixture fx;
    fixture_open(&fx, &faults, 2000000);
    kernel_sends_echo(&fx, 1);
    kernel_sends_echo(&fx, 2);
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    uint16_t seq = 0;
    assert_false(kernel_gets_reply(&fx, &seq));
    weir_loop_device_stats st;
    weir_loop_get_device_stats(fx.loop, fx.dev, &st);
    assert_int_equal(st.frames_in, 2);
    assert_int_equal(st.lost[0], 2);
    fixture_close(&fx);
}

static void duplicated_request_gets_two_replies(void **state)
{
    (void)state;
    weir_loop_device_config faults;
    weir_loop_device_config_init(&faults);
    faults.fault_in.duplicate = 1.0;
    fixture fx;
    fixture_open(&fx, &faults, 2000000);
    kernel_sends_echo(&fx, 3);
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    uint16_t a = 0, b = 0;
    assert_true(kernel_gets_reply(&fx, &a));
    assert_true(kernel_gets_reply(&fx, &b));
    assert_int_equal(a, 3);
    assert_int_equal(b, 3);
    fixture_close(&fx);
}

static void full_device_queue_is_a_counted_drop(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, NULL, 2000000);
    int small = 4096;
    setsockopt(fx.sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    uint8_t frame[1000];
    memset(frame, 0x45, sizeof(frame));
    weir_transmit_fn tx = weir_loop_transmit_fn();
    void *ctx = weir_loop_device_ctx(fx.loop, fx.dev);
    int rc = 0;
    for (int i = 0; i < 10000 && rc == 0; i++) /* nobody reads the other end */
        rc = tx(ctx, frame, sizeof(frame));
    assert_int_equal(rc, WEIR_ENOBUFS);
    weir_loop_device_stats st;
    weir_loop_get_device_stats(fx.loop, fx.dev, &st);
    assert_int_equal(st.tx_dropped, 1);
    assert_int_equal(st.tx_errors, 0);
    assert_true(st.frames_out > 0);
    fixture_close(&fx);
}

static void closed_device_fails_the_run(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, NULL, 2000000);
    close(fx.sv[1]);
    fx.sv[1] = socket(AF_UNIX, SOCK_SEQPACKET, 0); /* keeps fixture_close simple */
    assert_int_equal(weir_loop_run(fx.loop), WEIR_LOOP_FAILED);
    assert_string_equal(weir_loop_error(fx.loop), "pair: read failed: the other end closed");
    fixture_close(&fx);
}

typedef struct fd_probe {
    int calls;
    short revents;
} fd_probe;

static void on_probe(void *ctx, weir_loop *loop, int fd, short revents, uint64_t now_us)
{
    (void)loop, (void)fd, (void)now_us;
    fd_probe *p = ctx;
    p->calls++;
    p->revents = revents;
}

static void extra_fd_is_called_only_while_watched(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, NULL, 2000000);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    assert_int_equal(write(pipefd[1], "x", 1), 1);
    fd_probe probe = {0};
    int id = weir_loop_add_fd(fx.loop, pipefd[0], 0, on_probe, &probe); /* paused */
    assert_true(id >= 0);
    weir_loop_wake(fx.loop);
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    assert_int_equal(probe.calls, 0);
    assert_int_equal(weir_loop_set_fd_events(fx.loop, id, POLLIN), 0);
    assert_int_equal(run_iterations(&fx, 1), WEIR_LOOP_STOPPED);
    assert_int_equal(probe.calls, 1);
    assert_true(probe.revents & POLLIN);
    assert_int_equal(weir_loop_remove_fd(fx.loop, id), 0);
    assert_int_equal(weir_loop_remove_fd(fx.loop, id), WEIR_EINVAL);
    close(pipefd[0]);
    close(pipefd[1]);
    fixture_close(&fx);
}

static void bad_configs_are_refused(void **state)
{
    (void)state;
    assert_null(weir_loop_create(NULL));
    weir_loop_config lc = {0};
    assert_null(weir_loop_create(&lc));
    fixture fx;
    fixture_open(&fx, NULL, 2000000);
    weir_loop_device_config dc;
    weir_loop_device_config_init(&dc);
    assert_int_equal(weir_loop_add_device(fx.loop, &dc), WEIR_EINVAL); /* fd -1 */
    dc.fd = fx.sv[0];
    dc.max_frame = 1500;
    dc.fault_in.loss = 2.0;
    assert_int_equal(weir_loop_add_device(fx.loop, &dc), WEIR_EINVAL);
    assert_int_equal(weir_loop_bind_netif(fx.loop, 3, 0), WEIR_EINVAL);
    assert_null(weir_loop_device_ctx(fx.loop, -1));
    fixture_close(&fx);
}

static void tun_names_are_checked(void **state)
{
    (void)state;
    assert_true(weir_tun_name_valid("weir0"));
    assert_true(weir_tun_name_valid("a23456789012345"));   /* 15 */
    assert_false(weir_tun_name_valid("a234567890123456")); /* 16 */
    assert_false(weir_tun_name_valid(""));
    assert_false(weir_tun_name_valid("."));
    assert_false(weir_tun_name_valid("a/b"));
    assert_false(weir_tun_name_valid("a b"));
    assert_false(weir_tun_name_valid("tun%d"));
    assert_false(weir_tun_name_valid("eth0:1"));
    assert_false(weir_tun_name_valid(NULL));
    weir_tun_error err;
    weir_tun_config cfg = {.name = "bad/name", .mode = WEIR_TUN_MODE_TUN};
    assert_null(weir_tun_open(&cfg, &err));
    assert_non_null(strstr(err.msg, "bad interface name"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(echo_request_in_reply_out),
        cmocka_unit_test(a_batch_of_frames_is_read_in_one_iteration),
        cmocka_unit_test(time_limit_ends_the_run),
        cmocka_unit_test(stop_flag_interrupts_the_run),
        cmocka_unit_test(reordered_reply_waits_for_its_delay),
        cmocka_unit_test(lost_frames_are_counted_not_delivered),
        cmocka_unit_test(duplicated_request_gets_two_replies),
        cmocka_unit_test(full_device_queue_is_a_counted_drop),
        cmocka_unit_test(closed_device_fails_the_run),
        cmocka_unit_test(extra_fd_is_called_only_while_watched),
        cmocka_unit_test(bad_configs_are_refused),
        cmocka_unit_test(tun_names_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
