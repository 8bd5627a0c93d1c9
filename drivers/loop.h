/* loop.h — the event loop of the network tools: one weir_stack, a few devices, a few extra fds.
 *
 * The stack is sans-IO; this loop is the IO. Each iteration it
 *   1. sleeps in poll() until a device or an extra fd is ready, or until the stack's next deadline
 *      (weir_stack_next_deadline(), CLOCK_MONOTONIC in µs; at most 1 s, so the tool's stop flag
 *      and time limit are looked at at least once a second);
 *   2. hands frames that the fault injector held back and whose time has come to where they go;
 *   3. reads up to a batch of frames from each ready device and hands each to weir_netif_input();
 *   4. runs the stack's timers: weir_stack_poll(now);
 *   5. calls the callbacks of the extra fds that are ready (the tool's stdin/stdout, say);
 *   6. calls the tool's `after` callback, where it drains weir_stack_next_event() and does its
 *      application work;
 * until the tool calls weir_loop_stop(), its stop flag is set or the time limit passes.
 *
 * A device is any fd where one read() is one frame and one write() sends one frame (a TUN/TAP fd,
 * a SOCK_SEQPACKET socketpair in a test). The stack writes to it through weir_loop_transmit_fn():
 * a write that fails with EAGAIN (or ENOBUFS) is a dropped frame — counted, since TCP recovers —
 * and any other write error is counted and reported once on the loop's log.
 *
 * Each device can be impaired in both directions by the seeded fault injector of fault.h (loss,
 * duplication, reordering, delay, corruption): frames that must wait sit in a small delay queue
 * per direction, released by time. Each device can also have a capture tap (pcap_writer.h) that
 * records frames as the STACK sees them: incoming frames after the fault injector, outgoing ones
 * before it — so a lost frame is in the capture if weir sent it, and absent if weir never got it.
 * Capture timestamps are wall-clock time, so tcpdump shows real dates.
 *
 * No global state. The loop installs no signal handlers: a tool that wants Ctrl-C to stop cleanly
 * owns a `volatile sig_atomic_t` flag, sets it in its own handler and passes its address as
 * `stop_flag` (poll() returns EINTR, so the flag is seen at once). */
#ifndef WEIR_DRIVERS_LOOP_H
#define WEIR_DRIVERS_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fault.h"
#include "pcap_writer.h"
#include "weir/netif.h"
#include "weir/stack.h"

/* Limits: a tool has one or two devices and a handful of fds. */
#define WEIR_LOOP_MAX_DEVICES 4
#define WEIR_LOOP_MAX_FDS 8
#define WEIR_LOOP_BATCH 32        /* frames read from one device per iteration */
#define WEIR_LOOP_DELAY_SLOTS 256 /* frames held back per device and direction */
#define WEIR_LOOP_MAX_SLEEP_US 1000000u

typedef struct weir_loop weir_loop;

/* Called once per iteration, after input and timers: drain the stack's events, do the work. */
typedef void (*weir_loop_after_fn)(void *ctx, weir_loop *loop, uint64_t now_us);
/* An extra fd is ready; `revents` as poll() returned them (POLLIN, POLLOUT, POLLHUP, ...). */
typedef void (*weir_loop_fd_fn)(void *ctx, weir_loop *loop, int fd, short revents, uint64_t now_us);

typedef struct weir_loop_config {
    weir_stack *stack;        /* required; not owned */
    weir_loop_after_fn after; /* optional */
    void *after_ctx;
    uint64_t time_limit_us;           /* weir_loop_run() returns after this long; 0 = no limit */
    volatile sig_atomic_t *stop_flag; /* optional: the tool's flag, set by its signal handler */
    FILE *log;                        /* where device errors are reported once (NULL: nowhere) */
    const char *log_prefix;           /* starts each log line ("weir nc"); NULL: "weir" */
} weir_loop_config;

typedef struct weir_loop_device_config {
    int fd;                      /* not owned: the caller closes it after weir_loop_destroy() */
    const char *name;            /* for messages ("tun weir0") */
    size_t max_frame;            /* largest frame to read: the MTU plus any link header */
    weir_fault_config fault_in;  /* impairment of frames from the device to the stack */
    weir_fault_config fault_out; /* impairment of frames from the stack to the device */
    uint64_t seed;               /* of the fault injector (each direction gets its own stream) */
    weir_pcap_writer *pcap;      /* capture tap, borrowed (the caller closes it); NULL = none */
} weir_loop_device_config;

/* No faults, no capture, fd -1. */
void weir_loop_device_config_init(weir_loop_device_config *cfg);

/* NULL on a bad config or out of memory. */
weir_loop *weir_loop_create(const weir_loop_config *cfg);
/* Frees the loop (frames still held back are dropped); fds and pcap writers are not closed. */
void weir_loop_destroy(weir_loop *l);

/* Add a device. Returns its index (>= 0), or WEIR_EINVAL (bad config, or faults out of range),
 * WEIR_ENOBUFS (too many devices), WEIR_ENOMEM. */
int weir_loop_add_device(weir_loop *l, const weir_loop_device_config *cfg);
/* The transmit function and context to put into the weir_netif_config of device `dev`. */
weir_transmit_fn weir_loop_transmit_fn(void);
void *weir_loop_device_ctx(weir_loop *l, int dev);
/* After weir_netif_add(): frames read from device `dev` go to netif `netif`. */
int weir_loop_bind_netif(weir_loop *l, int dev, int netif);

/* Watch an extra fd: `fn` is called when poll() reports one of `events` (or an error/hangup).
 * Returns an id (>= 0) or WEIR_ENOBUFS / WEIR_EINVAL. events == 0 pauses the fd: it is left out of
 * poll() altogether, so a hung-up fd cannot wake the loop while the tool does not want it. */
int weir_loop_add_fd(weir_loop *l, int fd, short events, weir_loop_fd_fn fn, void *ctx);
int weir_loop_set_fd_events(weir_loop *l, int id, short events);
int weir_loop_remove_fd(weir_loop *l, int id);

/* Why weir_loop_run() returned. */
typedef enum weir_loop_result {
    WEIR_LOOP_FAILED = -1,     /* a device failed (weir_loop_error() says how) */
    WEIR_LOOP_STOPPED = 0,     /* weir_loop_stop() */
    WEIR_LOOP_TIME_LIMIT = 1,  /* time_limit_us passed */
    WEIR_LOOP_INTERRUPTED = 2, /* *stop_flag became non-zero */
} weir_loop_result;

weir_loop_result weir_loop_run(weir_loop *l);
/* Ask weir_loop_run() to return after the current iteration. */
void weir_loop_stop(weir_loop *l);
/* Do not sleep in the next poll(): the tool has more work that no fd will announce. */
void weir_loop_wake(weir_loop *l);
/* The time of the current iteration (CLOCK_MONOTONIC, µs): the `now` the stack was given. */
uint64_t weir_loop_now(const weir_loop *l);
/* Read CLOCK_MONOTONIC in µs (what the loop uses for the stack's time). */
uint64_t weir_loop_clock_us(void);
/* After WEIR_LOOP_FAILED: one line saying what failed. */
const char *weir_loop_error(const weir_loop *l);

typedef struct weir_loop_device_stats {
    uint64_t frames_in, bytes_in;   /* read from the device */
    uint64_t frames_out, bytes_out; /* written to the device */
    uint64_t tx_dropped;            /* writes that failed with EAGAIN/ENOBUFS: dropped frames */
    uint64_t tx_errors;             /* other write errors (the first is logged) */
    uint64_t lost[2];               /* [0] in, [1] out: dropped by the fault injector */
    uint64_t duplicated[2], reordered[2], corrupted[2];
    uint64_t delay_drops[2]; /* a full delay queue: frame dropped */
} weir_loop_device_stats;
int weir_loop_get_device_stats(const weir_loop *l, int dev, weir_loop_device_stats *out);

#endif
