/* tcp_cc_cubic.c — CUBIC congestion control (RFC 9438), in bytes and microseconds, integers only.
 *
 * The RFC states CUBIC in segments and seconds (§4.1); here windows are bytes (one segment is
 * SMSS bytes) and times are microseconds, and the cubic function is evaluated in binary fixed
 * point, so no floating point or libm is needed and nothing overflows for any uint32_t window and
 * any elapsed time (results saturate far above any window a uint32_t can hold).
 *
 * Constants (§4.1.1): C = 0.4 = 2/5, beta_cubic = 0.7 = 7/10, and so alpha_cubic =
 * 3 * (1 - beta) / (1 + beta) = 9/17 (§4.3).
 *
 * What the engine tells us and what we do:
 *   on_ack, cwnd < ssthresh    slow start as NewReno (RFC 5681 with RFC 3465 L = 2*SMSS). RFC 9438
 *                              §4.10 recommends HyStart++ but allows Reno's slow start.
 *   on_ack, otherwise          congestion avoidance: the larger of the cubic curve (§4.2, §4.4,
 *                              §4.5) and the Reno-friendly estimate W_est (§4.3).
 *   on_ack, !cwnd_limited      no growth, and the epoch is paused so the curve's clock does not
 *                              run while the application is the limit (§4.2, §5.8; see below).
 *   on_loss                    W_max with fast convergence (§4.7), ssthresh = flight * beta with a
 *                              2*SMSS floor (§4.6); cwnd is PRR's until recovery ends.
 *   on_recovery_end            cwnd = ssthresh, and the next ACK starts a new epoch.
 *   on_rto                     ssthresh as on a loss, cwnd = 1 SMSS; the first epoch after it uses
 *                              K = 0 and W_max = cwnd_epoch (§4.8).
 *   on_undo                    a spurious reduction: cwnd, ssthresh, W_max, K, the epoch start and
 *                              W_est as they were before it, if cwnd is still below them (§4.9.2).
 *   on_idle_restart            the restart window of RFC 5681 §4.1; a running epoch moves forward
 *                              by the idle time (§5.8), or ends when the window was cut.
 *
 * Application-limited periods (§5.8). An ACK with `cwnd_limited` false pauses a running epoch
 * (epoch_start_us = CUBIC_EPOCH_PAUSED). The next window-limited ACK re-anchors the curve at the
 * current cwnd: it picks the epoch start so that W_cubic(now) == cwnd on the same curve (same
 * W_max). This is the "shift epoch_start by the idle span" of Linux's tcp_cubic, derived from the
 * window instead of from a timestamp the state does not hold: the window did not grow while the
 * epoch was paused, so the point of the curve it had reached is where the curve resumes. It also
 * stays right if something else lowered cwnd meanwhile (RFC 7661 / RFC 5681 §4.1 after idle).
 * W_est and its byte counter are kept across a pause: a Reno sender does not grow either then. */
#include <stddef.h>

#include "tcp/tcp_cc.h"

/* beta_cubic = 7/10 (§4.6). */
#define CUBIC_BETA_NUM 7u
#define CUBIC_BETA_DEN 10u
/* (1 + beta_cubic) / 2 = 17/20: fast convergence lowers W_max by this (§4.7). */
#define CUBIC_FAST_CONV_NUM 17u
#define CUBIC_FAST_CONV_DEN 20u
/* alpha_cubic = 3 * (1 - beta) / (1 + beta) = 9/17 (§4.3). */
#define CUBIC_ALPHA_NUM 9u
#define CUBIC_ALPHA_DEN 17u
/* C = 2/5 segments per second cubed (§4.1.1, §5). */
#define CUBIC_C_NUM 2u
#define CUBIC_C_DEN 5u

#define USEC_PER_SEC 1000000u
/* epoch_start_us: 0 = no epoch (start one on the next ACK in avoidance); this value = an epoch
 * paused by an application-limited ACK (re-anchor it on the next window-limited one). */
#define CUBIC_EPOCH_NONE 0u
#define CUBIC_EPOCH_PAUSED UINT64_MAX
/* Beyond this distance from K, C * d^3 is at least 0.4 * 4096^3 > 2^34 bytes even with a 1-byte
 * SMSS: more than 1.5 times any uint32_t window, so the value saturates instead. */
#define CUBIC_MAX_OFFSET_US (4096ull * USEC_PER_SEC)

/* ---- integer helpers ---------------------------------------------------------------------- */

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    if (a != 0 && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static uint32_t clamp_u32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

static unsigned bit_length(uint64_t v)
{
    unsigned n = 0;
    while (v != 0) {
        v >>= 1;
        n++;
    }
    return n;
}

/* floor(cbrt(x)), bit by bit (Hacker's Delight, icbrt extended to 64 bits): each step decides one
 * bit of the root, keeping x = (the untouched low bits) + what is left after subtracting y^3. */
static uint64_t icbrt64(uint64_t x)
{
    uint64_t y = 0;
    for (int shift = 63; shift >= 0; shift -= 3) {
        y <<= 1;
        uint64_t b = 3 * y * (y + 1) + 1; /* (y+1)^3 - y^3 at this scale */
        if ((x >> shift) >= b) {
            x -= b << shift;
            y++;
        }
    }
    return y;
}

/* ---- the cubic function (§4.2) ------------------------------------------------------------- */

/* The time the cubic function takes to move by `bytes` from its plateau:
 * cbrt(bytes / (C * SMSS)) seconds, in µs. With bytes = W_max - cwnd_epoch this is K (Figure 2).
 * The radicand is scaled by 2^(3j), as large as fits in 64 bits (j <= 20), so the root comes out
 * in 2^-j seconds: ~60 µs resolution for a 200-segment W_max - cwnd_epoch, ~0.5 ms for 1 GiB of
 * 1460-byte segments (K = 82 s), ~2 ms in the worst case (4 GiB of 1-byte segments). */
static uint32_t cubic_time_to_grow_us(uint32_t bytes, uint32_t mss)
{
    if (bytes == 0 || mss == 0)
        return 0;
    uint64_t num = (uint64_t)bytes * CUBIC_C_DEN; /* bytes / C = bytes * 5/2, over 2*SMSS */
    uint64_t den = (uint64_t)mss * CUBIC_C_NUM;
    unsigned j = (64u - bit_length(num)) / 3u;
    if (j > 20)
        j = 20;
    uint64_t root = icbrt64((num << (3u * j)) / den); /* seconds * 2^j */
    uint64_t us = (root * USEC_PER_SEC) >> j;         /* root < 2^22: no overflow */
    return clamp_u32(us);
}

/* C * d^3 in bytes for a distance d (µs) from K, saturating. d goes to binary fixed point
 * (2^-16 s, finer than any ACK clock), and the cube is built in two steps that drop low bits so
 * that each product stays below 2^64: d^2 in 2^-12 s^2, d^3 in 2^-20 s^3 (under a byte lost). */
static uint64_t cubic_offset_bytes(uint64_t d_us, uint32_t mss)
{
    if (d_us >= CUBIC_MAX_OFFSET_US)
        return UINT64_MAX;
    uint64_t d = (d_us << 16) / USEC_PER_SEC; /* < 2^28 */
    uint64_t d2 = (d * d) >> 20;              /* < 2^36 */
    uint64_t d3 = (d2 * d) >> 8;              /* < 2^56 */
    return mul_sat(d3, (uint64_t)mss * CUBIC_C_NUM) / ((uint64_t)CUBIC_C_DEN << 20);
}

/* W_cubic(t) = C * (t - K)^3 + W_max (Figure 1), in bytes, t in µs since the epoch started. */
static uint64_t cubic_window(const tcp_cc_state *cc, uint64_t t_us)
{
    if (t_us >= cc->k_us)
        return add_sat(cc->w_max, cubic_offset_bytes(t_us - cc->k_us, cc->mss));
    uint64_t below = cubic_offset_bytes(cc->k_us - t_us, cc->mss);
    return below >= cc->w_max ? 0 : cc->w_max - below;
}

/* target (§4.2): W_cubic one RTT ahead, kept within [cwnd, 1.5 * cwnd] so the increase rate never
 * decreases and stays below slow start's. */
static uint64_t cubic_target(const tcp_cc_state *cc, uint64_t t_us, uint32_t srtt_us)
{
    uint64_t target = cubic_window(cc, add_sat(t_us, srtt_us));
    uint64_t ceiling = (uint64_t)cc->cwnd + cc->cwnd / 2;
    if (target < cc->cwnd)
        return cc->cwnd;
    return target > ceiling ? ceiling : target;
}

/* ---- epochs (congestion avoidance stages) -------------------------------------------------- */

/* Put the present moment on the curve at the current cwnd. Below W_max: the epoch starts now and
 * K is the time left to W_max (Figure 2 with cwnd_epoch = cwnd). At or above W_max: K = 0 and the
 * epoch started as long ago as the convex side of the curve takes to climb from W_max to cwnd. */
static void cubic_anchor_epoch(tcp_cc_state *cc, uint64_t now_us)
{
    uint64_t start;
    if (cc->cwnd <= cc->w_max) {
        cc->k_us = cubic_time_to_grow_us(cc->w_max - cc->cwnd, cc->mss);
        start = now_us;
    } else {
        uint32_t climbed_us = cubic_time_to_grow_us(cc->cwnd - cc->w_max, cc->mss);
        cc->k_us = 0;
        start = now_us > climbed_us ? now_us - climbed_us : 0;
    }
    /* 0 means "no epoch": a clock that starts at 0 loses one microsecond, nothing more. */
    cc->epoch_start_us = start == CUBIC_EPOCH_NONE ? 1 : start;
}

/* A new congestion avoidance stage (§4.2): remember cwnd_epoch, and start W_est there (§4.3).
 * With no W_max above the window (none yet, or cleared by a timeout, §4.8 and §4.10), W_max is
 * the window at the start of the stage and K = 0. */
static void cubic_start_epoch(tcp_cc_state *cc, uint64_t now_us)
{
    cc->cwnd_epoch = cc->cwnd;
    cc->w_est = cc->cwnd;
    cc->ack_bytes = 0;
    if (cc->w_max < cc->cwnd)
        cc->w_max = cc->cwnd;
    cubic_anchor_epoch(cc, now_us);
}

/* t (§4.2): time since the epoch started, never counting paused (application-limited) time,
 * which cubic_anchor_epoch has already taken out. */
static uint64_t cubic_elapsed_us(const tcp_cc_state *cc, uint64_t now_us)
{
    return now_us > cc->epoch_start_us ? now_us - cc->epoch_start_us : 0;
}

/* ---- the Reno-friendly region (§4.3) ------------------------------------------------------- */

/* cwnd_prior (§4.1.2): the window just before the last reduction, kept by tcp_cc_save_prior;
 * an undo clears it, and then W_max (restored with it) is the best stand-in. */
static uint32_t cubic_cwnd_prior(const tcp_cc_state *cc)
{
    return cc->cwnd_prior != 0 ? cc->cwnd_prior : cc->w_max;
}

/* W_est += alpha_cubic * segments_acked / cwnd (Figure 4), in bytes: W_est grows one SMSS each
 * time cwnd / alpha bytes have been acknowledged, counted in ack_bytes so that no fraction is
 * lost however large the window. alpha is 1 (Reno's own rate) once W_est reaches cwnd_prior. */
static void cubic_grow_w_est(tcp_cc_state *cc, uint32_t acked)
{
    uint64_t bytes_per_mss = cc->cwnd;
    if (cc->w_est < cubic_cwnd_prior(cc))
        bytes_per_mss = (uint64_t)cc->cwnd * CUBIC_ALPHA_DEN / CUBIC_ALPHA_NUM;
    if (bytes_per_mss == 0)
        bytes_per_mss = 1;
    uint64_t pending = (uint64_t)cc->ack_bytes + acked;
    uint64_t steps = pending / bytes_per_mss;
    cc->w_est = clamp_u32(add_sat(cc->w_est, mul_sat(steps, cc->mss)));
    cc->ack_bytes = clamp_u32(pending - steps * bytes_per_mss);
}

/* ---- window growth ------------------------------------------------------------------------- */

/* RFC 5681 §3.1 with RFC 3465: add what was acknowledged, at most L = 2*SMSS per ACK. */
static void cubic_slow_start(tcp_cc_state *cc, uint32_t acked)
{
    uint32_t limit = 2u * cc->mss;
    cc->cwnd = clamp_u32((uint64_t)cc->cwnd + (acked < limit ? acked : limit));
}

/* Concave (§4.4) and convex (§4.5) regions alike: cwnd += (target - cwnd) / cwnd per segment
 * acknowledged, i.e. (target - cwnd) * acked / cwnd bytes. The fraction of a byte that the
 * division drops is not lost for good: target is a point in time, so a window that lags it sees
 * a larger difference on the next ACK. One ACK never carries cwnd past target. */
static void cubic_grow_toward(tcp_cc_state *cc, uint64_t target, uint32_t acked)
{
    uint64_t gap = target - cc->cwnd; /* <= cwnd / 2 < 2^31 */
    uint64_t growth = gap * acked / cc->cwnd;
    if (growth > gap)
        growth = gap;
    cc->cwnd = clamp_u32(cc->cwnd + growth);
}

/* §4.2: on a new ACK in congestion avoidance, compute both W_cubic(t) and W_est and follow the
 * larger. W_est above the curve is the Reno-friendly region (§4.3): cwnd = W_est (never lowered:
 * the window may already be ahead of W_cubic(t) since it tracks W_cubic(t + RTT)). */
static void cubic_congestion_avoidance(tcp_cc_state *cc, uint32_t acked, uint32_t srtt_us,
                                       uint64_t now_us)
{
    if (cc->epoch_start_us == CUBIC_EPOCH_NONE)
        cubic_start_epoch(cc, now_us);
    else if (cc->epoch_start_us == CUBIC_EPOCH_PAUSED)
        cubic_anchor_epoch(cc, now_us);
    uint64_t t_us = cubic_elapsed_us(cc, now_us);
    cubic_grow_w_est(cc, acked);
    if (cubic_window(cc, t_us) < cc->w_est) {
        cc->cwnd = max_u32(cc->cwnd, cc->w_est);
        return;
    }
    cubic_grow_toward(cc, cubic_target(cc, t_us, srtt_us), acked);
}

/* ---- congestion events --------------------------------------------------------------------- */

/* §4.6 Figure 5: ssthresh = flight_size * beta_cubic, at least 2*SMSS. */
static uint32_t cubic_ssthresh(const tcp_cc_state *cc, uint32_t flight)
{
    uint64_t reduced = (uint64_t)flight * CUBIC_BETA_NUM / CUBIC_BETA_DEN;
    return max_u32(clamp_u32(reduced), 2u * cc->mss);
}

/* §4.7 fast convergence: a loss below the previous W_max means the flow's share is shrinking, so
 * W_max is lowered further to cwnd * (1 + beta) / 2, giving the bandwidth up sooner. (The RFC
 * asks to disable it for a lone flow; a host cannot tell, and Linux keeps it on by default.) */
static void cubic_update_w_max(tcp_cc_state *cc)
{
    cc->w_last_max = cc->w_max;
    if (cc->cwnd < cc->w_last_max)
        cc->w_max = clamp_u32((uint64_t)cc->cwnd * CUBIC_FAST_CONV_NUM / CUBIC_FAST_CONV_DEN);
    else
        cc->w_max = cc->cwnd;
}

static void cubic_end_epoch(tcp_cc_state *cc)
{
    cc->epoch_start_us = CUBIC_EPOCH_NONE;
    cc->ack_bytes = 0;
}

/* ---- the module ---------------------------------------------------------------------------- */

static void cubic_init(tcp_cc_state *cc, uint32_t mss, uint32_t initial_cwnd)
{
    *cc = (tcp_cc_state){.cwnd = initial_cwnd, .ssthresh = UINT32_MAX, .mss = mss};
}

static void cubic_on_ack(tcp_cc_state *cc, uint32_t acked, bool cwnd_limited, uint32_t srtt_us,
                         uint64_t now_us)
{
    if (!cwnd_limited) {
        /* §5.8: no growth, and the curve's clock stops until the window is the limit again. */
        if (cc->epoch_start_us != CUBIC_EPOCH_NONE)
            cc->epoch_start_us = CUBIC_EPOCH_PAUSED;
        return;
    }
    if (cc->cwnd < cc->ssthresh) {
        cubic_slow_start(cc, acked);
        return;
    }
    cubic_congestion_avoidance(cc, acked, srtt_us, now_us);
}

/* §4.6: loss detected by ACKs. W_max first (§4.7), then ssthresh; PRR takes cwnd to it. */
static void cubic_on_loss(tcp_cc_state *cc, uint32_t flight, uint64_t now_us)
{
    (void)now_us;
    tcp_cc_save_prior(cc);
    cubic_update_w_max(cc);
    cc->ssthresh = cubic_ssthresh(cc, flight);
    cubic_end_epoch(cc);
}

/* The avoidance stage after recovery starts at ssthresh; its epoch begins with the next ACK. */
static void cubic_on_recovery_end(tcp_cc_state *cc, uint64_t now_us)
{
    (void)now_us;
    cc->cwnd = cc->ssthresh;
    cubic_end_epoch(cc);
}

/* §4.8: cwnd as Reno (1 SMSS), ssthresh with beta_cubic as §4.6. W_max is cleared so that the
 * first avoidance stage after the timeout takes W_max = cwnd_epoch and K = 0 (the old value stays
 * in w_last_max, and in the caller's copy for an undo). */
static void cubic_on_rto(tcp_cc_state *cc, uint32_t flight, uint64_t now_us)
{
    (void)now_us;
    tcp_cc_save_prior(cc);
    cc->ssthresh = cubic_ssthresh(cc, flight);
    cc->w_last_max = cc->w_max;
    cc->w_max = 0;
    cc->cwnd = cc->mss;
    cubic_end_epoch(cc);
}

/* §4.9.2: once the loss proves spurious, and "if the current cwnd is lower than cwnd_prior",
 * restore what the reduction changed — W_max (and fast convergence's memory of it), K, the epoch
 * and W_est too, so the curve goes on as if the reduction had not happened. Otherwise (detected
 * long after, the window already regrown) keep the current values. Either way the saved state is
 * spent. */
static void cubic_on_undo(tcp_cc_state *cc, const tcp_cc_state *before, uint64_t now_us)
{
    (void)now_us;
    if (cc->cwnd_prior == 0)
        return; /* nothing was reduced, or it was undone already */
    if (cc->cwnd < cc->cwnd_prior) {
        uint32_t mss = cc->mss; /* the path's MSS is today's */
        *cc = *before;          /* every variable the reduction changed */
        cc->mss = mss;
    }
    cc->cwnd_prior = 0;
}

/* RFC 5681 §4.1 after an idle period: cwnd to the restart window, and slow start from there up to
 * the remembered 3/4 of the old window; the avoidance stage after it is a new epoch. When the
 * window is already that small, the epoch goes on, moved forward by the idle time, which §5.8 and
 * §4.2 keep out of t (as Linux's CA_EVENT_TX_START does). A paused epoch is re-anchored by the
 * next window-limited ACK anyway. */
static void cubic_on_idle_restart(tcp_cc_state *cc, uint32_t rw, uint64_t idle_us,
                                  uint64_t now_us)
{
    if (tcp_cc_restart_window(cc, rw)) {
        cubic_end_epoch(cc);
        return;
    }
    if (cc->epoch_start_us == CUBIC_EPOCH_NONE || cc->epoch_start_us == CUBIC_EPOCH_PAUSED)
        return;
    uint64_t moved = add_sat(cc->epoch_start_us, idle_us);
    cc->epoch_start_us = moved < now_us ? moved : now_us;
}

const tcp_cc_ops tcp_cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .on_loss = cubic_on_loss,
    .on_recovery_end = cubic_on_recovery_end,
    .on_rto = cubic_on_rto,
    .on_undo = cubic_on_undo,
    .on_idle_restart = cubic_on_idle_restart,
};
