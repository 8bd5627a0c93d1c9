/* loop.c — the tools' event loop: poll(), devices, the stack's timers, the tool (see loop.h).
 *
 * Time is CLOCK_MONOTONIC in microseconds, read once per iteration after poll() returns; every
 * frame handed over and every timer run in that iteration uses that one `now`, as the stack's
 * contract asks. The sleep is ppoll() with a microsecond timeout, so a delayed-ACK or a reorder
 * deadline is met without spinning.
 *
 * Impairment follows memlink.c: the fault injector decides, the loop carries it out. A frame
 * that must wait goes into a min-heap keyed by (due time, arrival order) whose frames live in a
 * pool of fixed slots allocated the first time one is needed, so an unimpaired loop allocates
 * nothing for it. A full queue drops the frame (counted), as a real link's full buffer would.
 *
 * Re-entrancy: handing a frame to the stack can make it transmit at once (an ACK), which comes
 * back here through loop_transmit(). The two directions therefore never share a buffer: each has
 * its own delay queue and its own scratch buffer for a corrupted copy. */
#define _GNU_SOURCE

#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tun.h"
#include "weir/err.h"

enum { DIR_IN = 0, DIR_OUT = 1 };

typedef struct delay_entry {
    uint64_t due_us;
    uint64_t seq; /* arrival order: frames due at the same time leave in the order they came */
    uint32_t slot;
    uint32_t len;
} delay_entry;

typedef struct delay_queue {
    uint8_t *pool; /* WEIR_LOOP_DELAY_SLOTS frames of `stride` bytes; NULL until first used */
    delay_entry heap[WEIR_LOOP_DELAY_SLOTS];
    uint32_t free_slot[WEIR_LOOP_DELAY_SLOTS];
    uint32_t count, free_count;
    uint64_t next_seq;
} delay_queue;

typedef struct loop_device {
    weir_loop *loop;
    bool used;
    int fd;
    int netif; /* -1 until weir_loop_bind_netif() */
    char name[48];
    size_t stride; /* max_frame */
    bool impaired[2];
    weir_fault_config fault[2];
    weir_fault_rng rng[2];
    delay_queue delay[2];
    uint8_t *scratch[2]; /* a corrupted copy, one per direction */
    uint8_t *rx;         /* WEIR_LOOP_BATCH frames of `stride` bytes */
    size_t rx_len[WEIR_LOOP_BATCH];
    weir_pcap_writer *pcap;
    bool tx_error_logged;
    weir_loop_device_stats stats;
} loop_device;

typedef struct loop_fd {
    bool used;
    int fd;
    short events;
    weir_loop_fd_fn fn;
    void *ctx;
} loop_fd;

struct weir_loop {
    weir_loop_config cfg;
    loop_device dev[WEIR_LOOP_MAX_DEVICES];
    loop_fd fds[WEIR_LOOP_MAX_FDS];
    uint64_t now_us;
    bool stop;
    bool wake;
    char error[256];
};

/* ---- clocks ---------------------------------------------------------------------------------- */

static uint64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t weir_loop_clock_us(void) { return clock_us(CLOCK_MONOTONIC); }

uint64_t weir_loop_now(const weir_loop *l) { return l != NULL ? l->now_us : 0; }

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ---- messages -------------------------------------------------------------------------------- */

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void set_error(weir_loop *l, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void set_error(weir_loop *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->error, sizeof(l->error), fmt, ap);
    va_end(ap);
}

const char *weir_loop_error(const weir_loop *l)
{
    return l != NULL && l->error[0] != '\0' ? l->error : "no error";
}

static const char *log_prefix(const weir_loop *l)
{
    return l->cfg.log_prefix != NULL ? l->cfg.log_prefix : "weir";
}

/* ---- creation -------------------------------------------------------------------------------- */

void weir_loop_device_config_init(weir_loop_device_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->fd = -1;
}

weir_loop *weir_loop_create(const weir_loop_config *cfg)
{
    if (cfg == NULL || cfg->stack == NULL)
        return NULL;
    weir_loop *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    l->cfg = *cfg;
    l->now_us = weir_loop_clock_us();
    return l;
}

static void free_device(loop_device *d)
{
    for (int dir = 0; dir < 2; dir++) {
        free(d->delay[dir].pool);
        free(d->scratch[dir]);
    }
    free(d->rx);
    memset(d, 0, sizeof(*d));
}

void weir_loop_destroy(weir_loop *l)
{
    if (l == NULL)
        return;
    for (int i = 0; i < WEIR_LOOP_MAX_DEVICES; i++)
        if (l->dev[i].used)
            free_device(&l->dev[i]);
    free(l);
}

static bool fault_active(const weir_fault_config *f)
{
    return f->loss > 0 || f->duplicate > 0 || f->reorder > 0 || f->corrupt > 0 ||
           f->delay_max_us > 0;
}

static void setup_impairment(loop_device *d, const weir_loop_device_config *cfg)
{
    d->fault[DIR_IN] = cfg->fault_in;
    d->fault[DIR_OUT] = cfg->fault_out;
    for (int dir = 0; dir < 2; dir++) {
        d->impaired[dir] = fault_active(&d->fault[dir]);
        /* One stream per direction, as memlink does: what one direction draws never shifts the
         * other's decisions. */
        weir_fault_rng_seed(&d->rng[dir],
                            cfg->seed ^ ((uint64_t)dir * UINT64_C(0xD1B54A32D192ED03)));
    }
}

int weir_loop_add_device(weir_loop *l, const weir_loop_device_config *cfg)
{
    if (l == NULL || cfg == NULL || cfg->fd < 0 || cfg->max_frame == 0 ||
        cfg->max_frame > UINT32_MAX || !weir_fault_config_valid(&cfg->fault_in) ||
        !weir_fault_config_valid(&cfg->fault_out))
        return WEIR_EINVAL;
    int idx = -1;
    for (int i = 0; i < WEIR_LOOP_MAX_DEVICES && idx < 0; i++)
        if (!l->dev[i].used)
            idx = i;
    if (idx < 0)
        return WEIR_ENOBUFS;
    loop_device *d = &l->dev[idx];
    memset(d, 0, sizeof(*d));
    d->loop = l;
    d->fd = cfg->fd;
    d->netif = -1;
    d->stride = cfg->max_frame;
    d->pcap = cfg->pcap;
    snprintf(d->name, sizeof(d->name), "%s", cfg->name != NULL ? cfg->name : "device");
    setup_impairment(d, cfg);
    d->rx = malloc(WEIR_LOOP_BATCH * d->stride);
    for (int dir = 0; dir < 2; dir++)
        d->scratch[dir] = d->impaired[dir] ? malloc(d->stride) : NULL;
    d->used = true;
    if (d->rx == NULL || (d->impaired[DIR_IN] && d->scratch[DIR_IN] == NULL) ||
        (d->impaired[DIR_OUT] && d->scratch[DIR_OUT] == NULL)) {
        free_device(d);
        return WEIR_ENOMEM;
    }
    return idx;
}

static loop_device *device_at(const weir_loop *l, int dev)
{
    if (l == NULL || dev < 0 || dev >= WEIR_LOOP_MAX_DEVICES || !l->dev[dev].used)
        return NULL;
    return (loop_device *)&l->dev[dev];
}

void *weir_loop_device_ctx(weir_loop *l, int dev) { return device_at(l, dev); }

int weir_loop_bind_netif(weir_loop *l, int dev, int netif)
{
    loop_device *d = device_at(l, dev);
    if (d == NULL || netif < 0)
        return WEIR_EINVAL;
    d->netif = netif;
    return 0;
}

int weir_loop_get_device_stats(const weir_loop *l, int dev, weir_loop_device_stats *out)
{
    const loop_device *d = device_at(l, dev);
    if (d == NULL || out == NULL)
        return WEIR_EINVAL;
    *out = d->stats;
    return 0;
}

/* ---- extra fds ------------------------------------------------------------------------------- */

int weir_loop_add_fd(weir_loop *l, int fd, short events, weir_loop_fd_fn fn, void *ctx)
{
    if (l == NULL || fd < 0 || fn == NULL)
        return WEIR_EINVAL;
    for (int i = 0; i < WEIR_LOOP_MAX_FDS; i++) {
        if (!l->fds[i].used) {
            l->fds[i] = (loop_fd){.used = true, .fd = fd, .events = events, .fn = fn, .ctx = ctx};
            return i;
        }
    }
    return WEIR_ENOBUFS;
}

static loop_fd *fd_at(weir_loop *l, int id)
{
    if (l == NULL || id < 0 || id >= WEIR_LOOP_MAX_FDS || !l->fds[id].used)
        return NULL;
    return &l->fds[id];
}

int weir_loop_set_fd_events(weir_loop *l, int id, short events)
{
    loop_fd *f = fd_at(l, id);
    if (f == NULL)
        return WEIR_EINVAL;
    f->events = events;
    return 0;
}

int weir_loop_remove_fd(weir_loop *l, int id)
{
    loop_fd *f = fd_at(l, id);
    if (f == NULL)
        return WEIR_EINVAL;
    memset(f, 0, sizeof(*f));
    return 0;
}

void weir_loop_stop(weir_loop *l)
{
    if (l != NULL)
        l->stop = true;
}

void weir_loop_wake(weir_loop *l)
{
    if (l != NULL)
        l->wake = true;
}

/* ---- the delay queue: a min-heap on (due, seq) over a pool of slots ------------------------- */

static bool entry_before(const delay_entry *a, const delay_entry *b)
{
    return a->due_us != b->due_us ? a->due_us < b->due_us : a->seq < b->seq;
}

static void heap_swap(delay_entry *h, uint32_t i, uint32_t j)
{
    delay_entry t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void heap_push(delay_queue *q, delay_entry e)
{
    uint32_t i = q->count++;
    q->heap[i] = e;
    while (i > 0 && entry_before(&q->heap[i], &q->heap[(i - 1) / 2])) {
        heap_swap(q->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static delay_entry heap_pop(delay_queue *q)
{
    delay_entry top = q->heap[0];
    q->heap[0] = q->heap[--q->count];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->count && entry_before(&q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->count && entry_before(&q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            return top;
        heap_swap(q->heap, i, m);
        i = m;
    }
}

static bool delay_pool_ready(delay_queue *q, size_t stride)
{
    if (q->pool != NULL)
        return true;
    q->pool = malloc((size_t)WEIR_LOOP_DELAY_SLOTS * stride);
    if (q->pool == NULL)
        return false;
    for (uint32_t i = 0; i < WEIR_LOOP_DELAY_SLOTS; i++)
        q->free_slot[i] = WEIR_LOOP_DELAY_SLOTS - 1 - i;
    q->free_count = WEIR_LOOP_DELAY_SLOTS;
    return true;
}

/* Hold a copy of the frame until `due_us`; false when there is no room (the frame is dropped). */
static bool delay_hold(loop_device *d, int dir, const uint8_t *frame, size_t len, uint64_t due_us)
{
    delay_queue *q = &d->delay[dir];
    if (len > d->stride || !delay_pool_ready(q, d->stride) || q->free_count == 0)
        return false;
    uint32_t slot = q->free_slot[--q->free_count];
    memcpy(q->pool + (size_t)slot * d->stride, frame, len);
    heap_push(q, (delay_entry){
                     .due_us = due_us, .seq = q->next_seq++, .slot = slot, .len = (uint32_t)len});
    return true;
}

static uint64_t delay_next_due(const loop_device *d)
{
    uint64_t due = UINT64_MAX;
    for (int dir = 0; dir < 2; dir++)
        if (d->delay[dir].count > 0)
            due = min_u64(due, d->delay[dir].heap[0].due_us);
    return due;
}

/* ---- moving frames --------------------------------------------------------------------------- */

static void capture(loop_device *d, const uint8_t *frame, size_t len)
{
    if (d->pcap != NULL)
        weir_pcap_write(d->pcap, clock_us(CLOCK_REALTIME), frame, len);
}

static void log_tx_error(loop_device *d, int err)
{
    weir_loop *l = d->loop;
    if (d->tx_error_logged || l->cfg.log == NULL)
        return;
    d->tx_error_logged = true;
    fprintf(l->cfg.log, "%s: %s: write failed: %s (later write errors are only counted)\n",
            log_prefix(l), d->name, strerror(err));
}

static int write_frame(loop_device *d, const uint8_t *frame, size_t len)
{
    int rc = weir_tun_write(d->fd, frame, len);
    if (rc == 0) {
        d->stats.frames_out++;
        d->stats.bytes_out += len;
        return 0;
    }
    if (rc == -EAGAIN || rc == -ENOBUFS || rc == -ENOMEM) {
        d->stats.tx_dropped++; /* the device queue is full: a lost frame, TCP resends it */
        return WEIR_ENOBUFS;
    }
    d->stats.tx_errors++;
    log_tx_error(d, -rc);
    return WEIR_ENETUNREACH;
}

/* The frame goes where it was heading, now: into the stack, or out of the device. */
static int pass(loop_device *d, int dir, const uint8_t *frame, size_t len)
{
    if (dir == DIR_OUT)
        return write_frame(d, frame, len);
    capture(d, frame, len);
    if (d->netif < 0)
        return 0; /* not bound yet: nobody to hand it to */
    weir_netif_input(d->loop->cfg.stack, d->netif, frame, len, d->loop->now_us);
    return 0;
}

/* A copy of the frame with one bit flipped, in this direction's scratch buffer. */
static const uint8_t *corrupted_copy(loop_device *d, int dir, const uint8_t *frame, size_t len,
                                     size_t bit)
{
    if (len > d->stride)
        return frame;
    uint8_t *c = d->scratch[dir];
    memcpy(c, frame, len);
    c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    d->stats.corrupted[dir]++;
    return c;
}

/* Carry out the fault injector's verdict for one frame (or just pass it when unimpaired). */
static int impair(loop_device *d, int dir, const uint8_t *frame, size_t len)
{
    if (!d->impaired[dir])
        return pass(d, dir, frame, len);
    weir_fault_verdict v;
    weir_fault_decide(&d->fault[dir], &d->rng[dir], len, &v);
    if (v.drop) {
        d->stats.lost[dir]++;
        return 0;
    }
    d->stats.duplicated[dir] += v.copies > 1;
    d->stats.reordered[dir] += v.reordered;
    int rc = 0;
    for (unsigned i = 0; i < v.copies; i++) {
        const uint8_t *bytes = frame;
        if (i == 0 && v.corrupt)
            bytes = corrupted_copy(d, dir, frame, len, v.corrupt_bit);
        if (v.delay_us[i] == 0) {
            rc = pass(d, dir, bytes, len);
        } else if (!delay_hold(d, dir, bytes, len, d->loop->now_us + v.delay_us[i])) {
            d->stats.delay_drops[dir]++;
        }
    }
    return rc;
}

/* The stack's transmit function: capture what weir sent, then impair and write it. */
static int loop_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    loop_device *d = ctx;
    if (d == NULL || !d->used || frame == NULL || len == 0)
        return WEIR_EINVAL;
    capture(d, frame, len);
    return impair(d, DIR_OUT, frame, len);
}

weir_transmit_fn weir_loop_transmit_fn(void) { return loop_transmit; }

/* Frames held back whose time has come, in (due, arrival) order. Frames held back during this
 * call (a reply to a released frame) are due later than `now`, so the loop ends. */
static void release_due(loop_device *d, uint64_t now)
{
    for (int dir = 0; dir < 2; dir++) {
        delay_queue *q = &d->delay[dir];
        while (q->count > 0 && q->heap[0].due_us <= now) {
            delay_entry e = heap_pop(q);
            pass(d, dir, q->pool + (size_t)e.slot * d->stride, e.len);
            q->free_slot[q->free_count++] = e.slot; /* after the stack is done with the bytes */
        }
    }
}

static bool read_device(loop_device *d)
{
    int n = weir_tun_read_batch(d->fd, d->rx, d->stride, d->rx_len, WEIR_LOOP_BATCH);
    if (n < 0) {
        const char *why = n == -EBADFD  ? "the device was deleted"
                          : n == -EPIPE ? "the other end closed"
                                        : strerror(-n);
        set_error(d->loop, "%s: read failed: %s", d->name, why);
        return false;
    }
    /* One input burst (RFC 9293 MUST-59): TCP ACKs the batch's in-order data once, at its end. */
    weir_stack *s = d->loop->cfg.stack;
    (void)weir_netif_input_begin(s);
    for (int i = 0; i < n; i++) {
        d->stats.frames_in++;
        d->stats.bytes_in += d->rx_len[i];
        impair(d, DIR_IN, d->rx + (size_t)i * d->stride, d->rx_len[i]);
    }
    (void)weir_netif_input_end(s);
    return true;
}

/* ---- the loop -------------------------------------------------------------------------------- */

/* When to wake up at the latest: the stack's deadline, a held-back frame, the time limit, and
 * never more than WEIR_LOOP_MAX_SLEEP_US from now. UINT64_MAX from the stack means "nothing". */
static uint64_t wake_time(const weir_loop *l, uint64_t now, uint64_t end)
{
    uint64_t t = min_u64(weir_stack_next_deadline(l->cfg.stack), end);
    for (int i = 0; i < WEIR_LOOP_MAX_DEVICES; i++)
        if (l->dev[i].used)
            t = min_u64(t, delay_next_due(&l->dev[i]));
    return min_u64(t, now + WEIR_LOOP_MAX_SLEEP_US);
}

typedef struct poll_set {
    struct pollfd pfd[WEIR_LOOP_MAX_DEVICES + WEIR_LOOP_MAX_FDS];
    int index[WEIR_LOOP_MAX_DEVICES + WEIR_LOOP_MAX_FDS]; /* device index, or fd id */
    int devices;                                          /* the first `devices` are devices */
    int count;
} poll_set;

static void build_poll_set(const weir_loop *l, poll_set *ps)
{
    ps->count = 0;
    for (int i = 0; i < WEIR_LOOP_MAX_DEVICES; i++) {
        if (!l->dev[i].used)
            continue;
        ps->pfd[ps->count] = (struct pollfd){.fd = l->dev[i].fd, .events = POLLIN};
        ps->index[ps->count++] = i;
    }
    ps->devices = ps->count;
    for (int i = 0; i < WEIR_LOOP_MAX_FDS; i++) {
        if (!l->fds[i].used || l->fds[i].events == 0)
            continue; /* paused: see weir_loop_add_fd() */
        ps->pfd[ps->count] = (struct pollfd){.fd = l->fds[i].fd, .events = l->fds[i].events};
        ps->index[ps->count++] = i;
    }
}

static bool sleep_in_poll(weir_loop *l, poll_set *ps, uint64_t end)
{
    uint64_t now = weir_loop_clock_us();
    uint64_t until = l->wake ? now : wake_time(l, now, end);
    l->wake = false;
    uint64_t us = until > now ? until - now : 0;
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
                          .tv_nsec = (long)(us % 1000000u) * 1000};
    int rc = ppoll(ps->pfd, (nfds_t)ps->count, &ts, NULL);
    if (rc >= 0)
        return true;
    if (errno == EINTR) {
        ps->count = 0; /* a signal: nothing is ready; the caller looks at the stop flag */
        return true;
    }
    set_error(l, "poll failed: %s", strerror(errno));
    return false;
}

static void call_fd_callbacks(weir_loop *l, const poll_set *ps)
{
    for (int k = ps->devices; k < ps->count; k++) {
        if (ps->pfd[k].revents == 0)
            continue;
        loop_fd *f = fd_at(l, ps->index[k]);
        /* An earlier callback may have removed or replaced this one. */
        if (f != NULL && f->fd == ps->pfd[k].fd)
            f->fn(f->ctx, l, f->fd, ps->pfd[k].revents, l->now_us);
    }
}

static bool iterate(weir_loop *l, uint64_t end)
{
    poll_set ps;
    build_poll_set(l, &ps);
    if (!sleep_in_poll(l, &ps, end))
        return false;
    l->now_us = weir_loop_clock_us();
    for (int i = 0; i < WEIR_LOOP_MAX_DEVICES; i++)
        if (l->dev[i].used)
            release_due(&l->dev[i], l->now_us);
    for (int k = 0; k < ps.devices && k < ps.count; k++)
        if (ps.pfd[k].revents != 0 && !read_device(&l->dev[ps.index[k]]))
            return false;
    weir_stack_poll(l->cfg.stack, l->now_us);
    call_fd_callbacks(l, &ps);
    if (l->cfg.after != NULL)
        l->cfg.after(l->cfg.after_ctx, l, l->now_us);
    return true;
}

weir_loop_result weir_loop_run(weir_loop *l)
{
    if (l == NULL)
        return WEIR_LOOP_FAILED;
    l->stop = false;
    l->error[0] = '\0';
    uint64_t start = weir_loop_clock_us();
    uint64_t end = l->cfg.time_limit_us != 0 ? start + l->cfg.time_limit_us : UINT64_MAX;
    for (;;) {
        l->now_us = weir_loop_clock_us();
        if (l->stop)
            return WEIR_LOOP_STOPPED;
        if (l->cfg.stop_flag != NULL && *l->cfg.stop_flag != 0)
            return WEIR_LOOP_INTERRUPTED;
        if (l->now_us >= end)
            return WEIR_LOOP_TIME_LIMIT;
        if (!iterate(l, end))
            return WEIR_LOOP_FAILED;
    }
}
