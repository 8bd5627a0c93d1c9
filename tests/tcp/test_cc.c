/* test_cc.c — the congestion control modules alone, through their ops tables (tcp_cc.h).
 *
 * NewReno: RFC 5681 §3.1 with RFC 3465 byte counting (L = 2*SMSS), RFC 6582 recovery end.
 * CUBIC: RFC 9438, checked against its closed forms computed here in double precision (the module
 * itself is integer only). Time is virtual: every call takes now_us, and a "round" below is one
 * RTT of a window-limited bulk sender that gets one ACK per segment, spread evenly over the RTT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_cc.h"

#define MSS 1460u
#define SEG(n) ((uint32_t)(n)*MSS)
#define MS 1000ull
#define SEC 1000000ull

/* RFC 9438 §4.1.1 / §4.3 constants, for the closed forms. */
static const double cubic_c = 0.4;
static const double cubic_beta = 0.7;

/* ---- closed forms (doubles, test side only) ------------------------------------------------ */

/* Newton's method, so the test needs no libm. */
static double cube_root(double x)
{
    if (x <= 0.0)
        return 0.0;
    double y = x > 1.0 ? x : 1.0;
    for (int i = 0; i < 300; i++)
        y = (2.0 * y + x / (y * y)) / 3.0;
    return y;
}

/* K (Figure 2) in seconds for a loss at w_max segments with cwnd_epoch = beta * w_max. */
static double k_closed_form_s(double w_max_segs)
{
    return cube_root(w_max_segs * (1.0 - cubic_beta) / cubic_c);
}

/* W_cubic(t) (Figure 1) in bytes. */
static double w_cubic_bytes(double t_s, double k_s, double w_max_bytes, double mss)
{
    double d = t_s - k_s;
    return cubic_c * d * d * d * mss + w_max_bytes;
}

static double abs_diff(double a, double b) { return a > b ? a - b : b - a; }

/* ---- a virtual-time sender ----------------------------------------------------------------- */

typedef struct sim {
    const tcp_cc_ops *ops;
    tcp_cc_state cc;
    tcp_cc_state before; /* cc before the last reduction, as the engine keeps it for an undo */
    uint64_t now_us;
    uint32_t rtt_us;
} sim;

static sim sim_new(const tcp_cc_ops *ops, uint32_t cwnd, uint32_t rtt_us)
{
    sim s = {.ops = ops, .now_us = 5 * SEC, .rtt_us = rtt_us};
    ops->init(&s.cc, MSS, cwnd);
    return s;
}

static void sim_ack(sim *s, uint32_t acked)
{
    s->ops->on_ack(&s->cc, acked, true, s->rtt_us, s->now_us);
}

/* One RTT: one full-segment ACK per segment of the window the round started with. */
static void sim_round(sim *s)
{
    uint32_t acks = s->cc.cwnd / MSS;
    if (acks == 0)
        acks = 1;
    uint64_t start = s->now_us;
    for (uint32_t i = 1; i <= acks; i++) {
        s->now_us = start + (uint64_t)s->rtt_us * i / acks;
        sim_ack(s, MSS);
    }
}

static void sim_run_until(sim *s, uint64_t when_us)
{
    while (s->now_us < when_us)
        sim_round(s);
}

/* A loss found with the whole window in flight, and the end of its recovery. */
static void sim_loss(sim *s, uint32_t flight)
{
    s->before = s->cc;
    s->ops->on_loss(&s->cc, flight, s->now_us);
}

static void sim_rto(sim *s, uint32_t flight)
{
    s->before = s->cc;
    s->ops->on_rto(&s->cc, flight, s->now_us);
}

static void sim_loss_and_recovery(sim *s)
{
    sim_loss(s, s->cc.cwnd);
    s->ops->on_recovery_end(&s->cc, s->now_us);
}

/* A CUBIC sender in congestion avoidance just after a loss at w_max_segs; the epoch starts with
 * the first ACK, at *epoch_us. */
static sim cubic_after_loss(uint32_t w_max_segs, uint32_t rtt_us, uint64_t *epoch_us)
{
    sim s = sim_new(&tcp_cc_cubic, SEG(w_max_segs), rtt_us);
    sim_loss_and_recovery(&s);
    *epoch_us = s.now_us;
    return s;
}

/* ---- registry ------------------------------------------------------------------------------ */

static void find_returns_each_module_and_null_past_the_end(void **state)
{
    (void)state;
    assert_ptr_equal(tcp_cc_find(WEIR_TCP_CC_CUBIC), &tcp_cc_cubic);
    assert_ptr_equal(tcp_cc_find(WEIR_TCP_CC_NEWRENO), &tcp_cc_newreno);
    assert_null(tcp_cc_find(WEIR_TCP_CC_COUNT));
    assert_string_equal(tcp_cc_cubic.name, "cubic");
    assert_string_equal(tcp_cc_newreno.name, "newreno");
}

/* ---- NewReno ------------------------------------------------------------------------------- */

static void newreno_init_sets_window_and_no_ssthresh(void **state)
{
    (void)state;
    tcp_cc_state cc;
    memset(&cc, 0xa5, sizeof(cc));
    tcp_cc_newreno.init(&cc, MSS, SEG(10));
    assert_int_equal(cc.cwnd, SEG(10));
    assert_int_equal(cc.ssthresh, UINT32_MAX);
    assert_int_equal(cc.mss, MSS);
    assert_int_equal(cc.ack_bytes, 0);
    assert_int_equal(cc.cwnd_prior, 0);
}

static void newreno_slow_start_adds_acked_up_to_two_mss(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(10), 100 * MS);
    sim_ack(&s, 1000);
    assert_int_equal(s.cc.cwnd, SEG(10) + 1000);
    sim_ack(&s, SEG(2));
    assert_int_equal(s.cc.cwnd, SEG(12) + 1000);
    sim_ack(&s, SEG(5)); /* a stretch ACK: RFC 3465 L = 2 */
    assert_int_equal(s.cc.cwnd, SEG(14) + 1000);
    /* One round of per-segment ACKs doubles the window. */
    s = sim_new(&tcp_cc_newreno, SEG(10), 100 * MS);
    sim_round(&s);
    assert_int_equal(s.cc.cwnd, SEG(20));
}

static void newreno_avoidance_adds_one_mss_per_window_acked(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(20), 100 * MS);
    sim_loss_and_recovery(&s);
    assert_int_equal(s.cc.cwnd, SEG(10));
    assert_int_equal(s.cc.ssthresh, SEG(10));
    for (int i = 0; i < 9; i++)
        sim_ack(&s, MSS);
    assert_int_equal(s.cc.cwnd, SEG(10));
    sim_ack(&s, MSS);
    assert_int_equal(s.cc.cwnd, SEG(11));
    assert_int_equal(s.cc.ack_bytes, 0);
    /* Partial segments count by bytes: 11 MSS of bytes in 500-byte ACKs add one MSS. */
    uint32_t acked = 0;
    while (acked + 500 < SEG(11)) {
        sim_ack(&s, 500);
        acked += 500;
    }
    assert_int_equal(s.cc.cwnd, SEG(11));
    sim_ack(&s, 500);
    assert_int_equal(s.cc.cwnd, SEG(12));
    /* Ten rounds add ten segments. */
    for (int i = 0; i < 10; i++)
        sim_round(&s);
    assert_in_range(s.cc.cwnd, SEG(21), SEG(22));
}

static void newreno_loss_halves_flight_with_two_mss_floor(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(30), 100 * MS);
    s.ops->on_loss(&s.cc, SEG(20), s.now_us);
    assert_int_equal(s.cc.ssthresh, SEG(10)); /* from the flight, not cwnd */
    assert_int_equal(s.cc.cwnd, SEG(30));     /* cwnd is PRR's during recovery */
    assert_int_equal(s.cc.cwnd_prior, SEG(30));
    s.ops->on_loss(&s.cc, SEG(3), s.now_us);
    assert_int_equal(s.cc.ssthresh, SEG(2));
    s.ops->on_loss(&s.cc, 100, s.now_us);
    assert_int_equal(s.cc.ssthresh, SEG(2));
}

static void newreno_rto_sets_one_mss(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(30), 100 * MS);
    s.ops->on_rto(&s.cc, SEG(24), s.now_us);
    assert_int_equal(s.cc.cwnd, MSS);
    assert_int_equal(s.cc.ssthresh, SEG(12));
    assert_int_equal(s.cc.cwnd_prior, SEG(30));
    s.ops->on_rto(&s.cc, MSS, s.now_us);
    assert_int_equal(s.cc.ssthresh, SEG(2));
    /* Slow start again up to ssthresh. */
    sim_ack(&s, MSS);
    assert_int_equal(s.cc.cwnd, SEG(2));
}

static void newreno_recovery_end_sets_cwnd_to_ssthresh(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(40), 100 * MS);
    s.ops->on_loss(&s.cc, SEG(36), s.now_us);
    s.cc.cwnd = SEG(5); /* where PRR left it */
    s.ops->on_recovery_end(&s.cc, s.now_us);
    assert_int_equal(s.cc.cwnd, SEG(18));
    assert_int_equal(s.cc.ack_bytes, 0);
}

static void newreno_no_growth_when_not_cwnd_limited(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(10), 100 * MS);
    for (int i = 0; i < 50; i++)
        s.ops->on_ack(&s.cc, MSS, false, 100 * MS, s.now_us + (uint64_t)i * MS);
    assert_int_equal(s.cc.cwnd, SEG(10)); /* slow start */
    sim_loss_and_recovery(&s);
    uint32_t cwnd = s.cc.cwnd;
    for (int i = 0; i < 50; i++)
        s.ops->on_ack(&s.cc, MSS, false, 100 * MS, s.now_us + (uint64_t)i * MS);
    assert_int_equal(s.cc.cwnd, cwnd); /* congestion avoidance */
    assert_int_equal(s.cc.ack_bytes, 0);
}

static void newreno_undo_restores_window_and_ssthresh(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(20), 100 * MS);
    tcp_cc_state none = {0};
    tcp_cc_undo(&s.cc, &none); /* nothing reduced yet: no effect */
    assert_int_equal(s.cc.cwnd, SEG(20));
    assert_int_equal(s.cc.ssthresh, UINT32_MAX);
    sim_loss_and_recovery(&s);
    assert_int_equal(s.cc.cwnd, SEG(10));
    tcp_cc_undo(&s.cc, &s.before);
    assert_int_equal(s.cc.cwnd, SEG(20));
    assert_int_equal(s.cc.ssthresh, UINT32_MAX);
    /* After an RTO too, and a second undo changes nothing. */
    sim_loss(&s, SEG(20));
    s.ops->on_recovery_end(&s.cc, s.now_us);
    sim_rto(&s, SEG(10));
    assert_int_equal(s.cc.cwnd, MSS);
    tcp_cc_undo(&s.cc, &s.before);
    assert_int_equal(s.cc.cwnd, SEG(10));
    assert_int_equal(s.cc.ssthresh, SEG(10));
    s.cc.cwnd = SEG(3);
    tcp_cc_undo(&s.cc, &s.before);
    assert_int_equal(s.cc.cwnd, SEG(3));
}

/* ---- CUBIC: reductions --------------------------------------------------------------------- */

static void cubic_init_and_slow_start_as_newreno(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_cubic, SEG(10), 100 * MS);
    assert_int_equal(s.cc.cwnd, SEG(10));
    assert_int_equal(s.cc.ssthresh, UINT32_MAX);
    assert_int_equal(s.cc.w_max, 0);
    assert_int_equal(s.cc.epoch_start_us, 0);
    sim_ack(&s, 1000);
    assert_int_equal(s.cc.cwnd, SEG(10) + 1000);
    sim_ack(&s, SEG(5));
    assert_int_equal(s.cc.cwnd, SEG(12) + 1000);
    s = sim_new(&tcp_cc_cubic, SEG(10), 100 * MS);
    sim_round(&s);
    assert_int_equal(s.cc.cwnd, SEG(20));
    assert_int_equal(s.cc.epoch_start_us, 0); /* no epoch in slow start */
}

static void cubic_loss_multiplies_by_beta_with_two_mss_floor(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_cubic, SEG(100), 100 * MS);
    s.ops->on_loss(&s.cc, SEG(100), s.now_us);
    assert_int_equal(s.cc.ssthresh, SEG(70));
    assert_int_equal(s.cc.w_max, SEG(100));
    assert_int_equal(s.cc.cwnd, SEG(100)); /* PRR's during recovery */
    assert_int_equal(s.cc.cwnd_prior, SEG(100));
    s.ops->on_recovery_end(&s.cc, s.now_us);
    assert_int_equal(s.cc.cwnd, SEG(70));
    assert_int_equal(s.cc.epoch_start_us, 0);
    /* ssthresh follows the flight, not cwnd (§4.6 Figure 5). */
    s = sim_new(&tcp_cc_cubic, SEG(100), 100 * MS);
    s.ops->on_loss(&s.cc, SEG(50), s.now_us);
    assert_int_equal(s.cc.ssthresh, SEG(35));
    /* ... with a floor of 2 SMSS. */
    s.ops->on_loss(&s.cc, SEG(2), s.now_us);
    assert_int_equal(s.cc.ssthresh, SEG(2));
}

static void cubic_fast_convergence_lowers_w_max(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_cubic, SEG(100), 100 * MS);
    sim_loss_and_recovery(&s);
    assert_int_equal(s.cc.w_max, SEG(100));
    /* The next loss comes at 80 segments, below W_max: W_max = 80 * (1 + 0.7) / 2 = 68. */
    sim_run_until(&s, s.now_us + 1 * SEC);
    assert_in_range(s.cc.cwnd, SEG(71), SEG(100) - 1);
    s.cc.cwnd = SEG(80);
    s.ops->on_loss(&s.cc, SEG(80), s.now_us);
    assert_int_equal(s.cc.w_max, SEG(68));
    assert_int_equal(s.cc.w_last_max, SEG(100));
    assert_int_equal(s.cc.ssthresh, SEG(56));
    /* A loss at or above W_max just remembers cwnd. */
    s.ops->on_recovery_end(&s.cc, s.now_us);
    s.cc.cwnd = SEG(90);
    s.ops->on_loss(&s.cc, SEG(90), s.now_us);
    assert_int_equal(s.cc.w_max, SEG(90));
    assert_int_equal(s.cc.w_last_max, SEG(68));
}

static void cubic_rto_one_mss_then_epoch_with_k_zero(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_cubic, SEG(100), 100 * MS);
    sim_loss_and_recovery(&s);
    sim_run_until(&s, s.now_us + 2 * SEC);
    s.ops->on_rto(&s.cc, SEG(60), s.now_us);
    assert_int_equal(s.cc.cwnd, MSS);
    assert_int_equal(s.cc.ssthresh, SEG(42));
    assert_int_equal(s.cc.epoch_start_us, 0);
    /* Slow start back to ssthresh, then §4.8: K = 0, W_max = W_est = cwnd_epoch. */
    while (s.cc.cwnd < s.cc.ssthresh) {
        s.now_us += MS;
        sim_ack(&s, MSS);
    }
    uint32_t cwnd_epoch = s.cc.cwnd;
    assert_int_equal(cwnd_epoch, SEG(42));
    s.now_us += MS;
    sim_ack(&s, MSS);
    assert_int_equal(s.cc.cwnd_epoch, cwnd_epoch);
    assert_int_equal(s.cc.w_max, cwnd_epoch);
    assert_int_equal(s.cc.k_us, 0);
    assert_in_range(s.cc.w_est, cwnd_epoch, cwnd_epoch + MSS);
    /* From there the window only probes upward (convex). */
    uint32_t before = s.cc.cwnd;
    sim_run_until(&s, s.now_us + 5 * SEC);
    assert_true(s.cc.cwnd > before);
}

static void cubic_undo_restores_w_max(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_cubic, SEG(100), 100 * MS);
    sim_loss_and_recovery(&s);
    s.cc.cwnd = SEG(80);
    sim_loss(&s, SEG(80));
    s.ops->on_recovery_end(&s.cc, s.now_us);
    assert_int_equal(s.cc.w_max, SEG(68));
    assert_int_equal(s.cc.cwnd, SEG(56));
    tcp_cc_undo(&s.cc, &s.before);
    assert_int_equal(s.cc.w_max, SEG(100));
    assert_int_equal(s.cc.cwnd, SEG(80));
    assert_int_equal(s.cc.ssthresh, SEG(70));
}

/* RFC 9438 §4.9.2: a spurious fast retransmit undone puts back K, the epoch and W_est with the
 * window, so the curve goes on exactly as on the twin that never saw the loss. (Restoring only
 * cwnd, ssthresh and W_max started a new epoch from the window, a concave climb back to W_max
 * instead of where the curve had got to.) */
static void cubic_undo_resumes_the_curve_as_if_no_loss(void **state)
{
    (void)state;
    uint64_t epoch_us;
    sim s = cubic_after_loss(100, 100 * MS, &epoch_us);
    sim_run_until(&s, epoch_us + 3 * SEC);
    sim twin = s;
    sim_loss(&s, s.cc.cwnd);
    s.cc.cwnd = s.cc.ssthresh; /* PRR's doing, in the engine */
    s.now_us += 100 * MS;      /* a round trip later the D-SACK arrives */
    s.ops->on_undo(&s.cc, &s.before, s.now_us);
    assert_int_equal(s.cc.cwnd, twin.cc.cwnd);
    assert_int_equal(s.cc.ssthresh, twin.cc.ssthresh);
    assert_int_equal(s.cc.w_max, twin.cc.w_max);
    assert_int_equal(s.cc.w_last_max, twin.cc.w_last_max);
    assert_int_equal(s.cc.k_us, twin.cc.k_us);
    assert_int_equal(s.cc.epoch_start_us, twin.cc.epoch_start_us);
    assert_int_equal(s.cc.w_est, twin.cc.w_est);
    assert_int_equal(s.cc.cwnd_epoch, twin.cc.cwnd_epoch);
    assert_int_equal(s.cc.cwnd_prior, 0);
    twin.now_us = s.now_us;
    sim_run_until(&s, s.now_us + 2 * SEC);
    sim_run_until(&twin, twin.now_us + 2 * SEC);
    assert_int_equal(s.cc.cwnd, twin.cc.cwnd);
}

/* §4.9.2: found long after, with the window already above cwnd_prior, the undo keeps the current
 * values ("SHOULD continue to use the current and the most recent values"). */
static void cubic_undo_keeps_a_window_already_regrown(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_cubic, SEG(100), 100 * MS);
    sim_loss_and_recovery(&s);
    s.cc.cwnd = SEG(120);
    tcp_cc_state before = s.cc;
    s.ops->on_undo(&s.cc, &s.before, s.now_us);
    assert_int_equal(s.cc.cwnd, SEG(120));
    assert_int_equal(s.cc.ssthresh, before.ssthresh);
    assert_int_equal(s.cc.w_max, before.w_max);
    assert_int_equal(s.cc.epoch_start_us, before.epoch_start_us);
    assert_int_equal(s.cc.cwnd_prior, 0);
}

/* ---- restart after idle (RFC 5681 §4.1) ------------------------------------------------------ */

static void newreno_idle_restart_to_restart_window(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_newreno, SEG(40), 100 * MS);
    s.cc.ssthresh = SEG(20);
    s.ops->on_idle_restart(&s.cc, SEG(10), 2 * SEC, s.now_us);
    assert_int_equal(s.cc.cwnd, SEG(10)); /* RW = min(IW, cwnd) */
    assert_int_equal(s.cc.ssthresh, SEG(30)); /* 3/4 of the old window, to regain it */
    s.ops->on_idle_restart(&s.cc, SEG(16), 2 * SEC, s.now_us);
    assert_int_equal(s.cc.cwnd, SEG(10)); /* never raised */
    s = sim_new(&tcp_cc_newreno, SEG(40), 100 * MS);
    s.ops->on_idle_restart(&s.cc, SEG(10), 2 * SEC, s.now_us);
    assert_int_equal(s.cc.ssthresh, UINT32_MAX); /* no loss yet: still none */
}

/* §5.8: t excludes idle time. A window at or below the restart window is kept, and the curve
 * resumes after 30 s idle exactly as the twin that was never idle. */
static void cubic_idle_restart_keeps_idle_time_out_of_the_curve(void **state)
{
    (void)state;
    uint64_t epoch_us;
    sim s = cubic_after_loss(40, 100 * MS, &epoch_us);
    sim_run_until(&s, epoch_us + 1 * SEC);
    sim twin = s;
    s.now_us += 30 * SEC;
    s.ops->on_idle_restart(&s.cc, SEG(100), 30 * SEC, s.now_us);
    assert_int_equal(s.cc.cwnd, twin.cc.cwnd);
    assert_int_equal(s.cc.epoch_start_us, twin.cc.epoch_start_us + 30 * SEC);
    sim_round(&s);
    sim_round(&twin);
    assert_int_equal(s.cc.cwnd, twin.cc.cwnd);
}

/* A window above the restart window is cut to it: slow start regains 3/4 of it (or up to the
 * ssthresh it had, if higher), and avoidance after that is a new epoch (K from the window then
 * to W_max). */
static void cubic_idle_restart_cuts_the_window_and_ends_the_epoch(void **state)
{
    (void)state;
    uint64_t epoch_us;
    sim s = cubic_after_loss(100, 100 * MS, &epoch_us);
    sim_run_until(&s, epoch_us + 1 * SEC);
    uint32_t cwnd = s.cc.cwnd, w_max = s.cc.w_max, ssthresh = s.cc.ssthresh;
    s.now_us += 5 * SEC;
    s.ops->on_idle_restart(&s.cc, SEG(10), 5 * SEC, s.now_us);
    assert_int_equal(s.cc.cwnd, SEG(10));
    assert_int_equal(s.cc.ssthresh, ssthresh > cwnd - cwnd / 4 ? ssthresh : cwnd - cwnd / 4);
    assert_int_equal(s.cc.epoch_start_us, 0);
    assert_int_equal(s.cc.w_max, w_max);
}

/* ---- CUBIC: the window increase function --------------------------------------------------- */

static void cubic_k_matches_closed_form(void **state)
{
    (void)state;
    static const uint32_t w_max_segs[] = {4, 10, 100, 1000, 10000, 100000, 700000};
    for (size_t i = 0; i < sizeof(w_max_segs) / sizeof(w_max_segs[0]); i++) {
        uint64_t epoch_us;
        sim s = cubic_after_loss(w_max_segs[i], 100 * MS, &epoch_us);
        sim_ack(&s, MSS);
        assert_int_equal(s.cc.epoch_start_us, epoch_us);
        assert_int_equal(s.cc.cwnd_epoch, (uint64_t)SEG(w_max_segs[i]) * 7 / 10);
        double expected_us = k_closed_form_s(w_max_segs[i]) * 1e6;
        print_message("W_max %u segments: K = %u us (closed form %.0f us)\n", w_max_segs[i],
                      s.cc.k_us, expected_us);
        assert_true(abs_diff(s.cc.k_us, expected_us) <= expected_us * 0.01);
    }
}

/* After a loss the window follows W_cubic: back at W_max around t = K, and close to the closed
 * form all the way. The per-ACK rule steers toward W_cubic(t + RTT) and takes about an RTT to get
 * there, so cwnd(t) ~ W_cubic(t) itself. Allowed: a quarter of an RTT of the curve's slope, plus
 * 1 MSS for integer rounding. (Steering toward W_cubic(t) instead would lag a whole RTT.) */
static void cubic_window_returns_to_w_max_at_k(void **state)
{
    (void)state;
    const uint32_t segs = 1000;
    const uint32_t rtt_us = 100 * MS;
    uint64_t epoch_us;
    sim s = cubic_after_loss(segs, rtt_us, &epoch_us);
    double k_s = k_closed_form_s(segs);
    double w_max = SEG(segs);
    for (uint64_t step_us = SEC / 2; (double)step_us <= 1.5e6 * k_s; step_us += SEC / 2) {
        sim_run_until(&s, epoch_us + step_us);
        double at = (double)(s.now_us - epoch_us) / 1e6;
        double curve = w_cubic_bytes(at, k_s, w_max, MSS);
        double slope = abs_diff(w_cubic_bytes(at + 0.1, k_s, w_max, MSS), curve) / 0.1;
        double tolerance = slope * rtt_us / 1e6 / 4 + MSS;
        assert_true(abs_diff(s.cc.cwnd, curve) <= tolerance);
        if (at < k_s - 1.0)
            assert_true(s.cc.cwnd < SEG(segs));
        if (at > k_s + 1.0)
            assert_true(s.cc.cwnd > SEG(segs));
    }
    /* At t = K itself: within 1% of W_max (within one segment, in fact). */
    uint64_t epoch2_us;
    sim at_k = cubic_after_loss(segs, rtt_us, &epoch2_us);
    sim_run_until(&at_k, epoch2_us + (uint64_t)(k_s * 1e6));
    print_message("W_max %u segments, RTT 100 ms: cwnd at t = K (%.3f s) = %u bytes (%.2f%%)\n",
                  segs, k_s, at_k.cc.cwnd, 100.0 * at_k.cc.cwnd / SEG(segs));
    assert_true(abs_diff(at_k.cc.cwnd, SEG(segs)) <= MSS);
}

/* Concave before K (§4.4): each second adds less than the one before. Convex after K (§4.5):
 * each second adds more. Away from the plateau the per-second steps differ by many segments. */
static void cubic_growth_is_concave_then_convex(void **state)
{
    (void)state;
    const uint32_t segs = 1000;
    uint64_t epoch_us;
    sim s = cubic_after_loss(segs, 100 * MS, &epoch_us);
    double k_s = k_closed_form_s(segs);
    uint32_t last_growth = UINT32_MAX;
    uint32_t cwnd = s.cc.cwnd;
    int second = 1;
    for (; second + 1.0 < k_s; second++) {
        sim_run_until(&s, epoch_us + (uint64_t)second * SEC);
        uint32_t growth = s.cc.cwnd - cwnd;
        assert_true(growth < last_growth);
        last_growth = growth;
        cwnd = s.cc.cwnd;
    }
    /* Through the plateau, then the convex side. */
    second = (int)k_s + 2;
    sim_run_until(&s, epoch_us + (uint64_t)second * SEC);
    cwnd = s.cc.cwnd;
    last_growth = 0;
    for (second++; second < (int)(2.0 * k_s); second++) {
        sim_run_until(&s, epoch_us + (uint64_t)second * SEC);
        uint32_t growth = s.cc.cwnd - cwnd;
        assert_true(growth > last_growth);
        last_growth = growth;
        cwnd = s.cc.cwnd;
    }
    assert_true(s.cc.cwnd > SEG(segs));
}

/* §4.3: with a small window and a short RTT, Reno's one-segment-per-RTT line (scaled by
 * alpha_cubic = 9/17) is above the cubic curve, and cwnd follows W_est. Once W_est reaches the
 * window before the loss (cwnd_prior), alpha becomes 1. */
static void cubic_reno_friendly_region_tracks_w_est(void **state)
{
    (void)state;
    const uint32_t segs = 20;
    const uint32_t rtt_us = 2 * MS;
    const double alpha = 3.0 * (1.0 - cubic_beta) / (1.0 + cubic_beta);
    uint64_t epoch_us;
    sim s = cubic_after_loss(segs, rtt_us, &epoch_us);
    double k_s = k_closed_form_s(segs);
    double reno = SEG(14) / (double)MSS; /* Figure 4, in segments */
    int rounds = 0;
    while (s.cc.cwnd < SEG(segs)) {
        uint32_t acks = s.cc.cwnd / MSS;
        for (uint32_t i = 0; i < acks; i++)
            reno += alpha / reno;
        sim_round(&s);
        rounds++;
        double t = (double)(s.now_us - epoch_us) / 1e6;
        assert_true(abs_diff(s.cc.cwnd, reno * MSS) <= MSS);
        if (s.cc.w_est == SEG(14))
            continue; /* W_est's first step comes after 14 * 17/9 segments are acknowledged */
        assert_int_equal(s.cc.cwnd, s.cc.w_est);
        assert_true(s.cc.cwnd > w_cubic_bytes(t, k_s, SEG(segs), MSS) + MSS / 2.0);
    }
    /* 6 segments at 9/17 of a segment per round: about 11 rounds, not 6 (alpha = 1) or 17*6. */
    assert_in_range(rounds, 10, 13);
    /* alpha = 1 from here: one segment per round. */
    uint32_t at_prior = s.cc.cwnd;
    for (int i = 0; i < 10; i++)
        sim_round(&s);
    assert_in_range(s.cc.cwnd, at_prior + SEG(9), at_prior + SEG(11));
    assert_int_equal(s.cc.cwnd, s.cc.w_est);
}

/* ---- CUBIC: application-limited and idle periods (§5.8) ------------------------------------ */

static void cubic_no_growth_when_app_limited(void **state)
{
    (void)state;
    sim s = sim_new(&tcp_cc_cubic, SEG(10), 100 * MS);
    for (int i = 0; i < 50; i++)
        s.ops->on_ack(&s.cc, MSS, false, 100 * MS, s.now_us + (uint64_t)i * MS);
    assert_int_equal(s.cc.cwnd, SEG(10)); /* slow start */
    uint64_t epoch_us;
    s = cubic_after_loss(100, 100 * MS, &epoch_us);
    sim_run_until(&s, epoch_us + 1 * SEC);
    tcp_cc_state before = s.cc;
    for (int i = 0; i < 1000; i++) {
        s.now_us += 10 * MS;
        s.ops->on_ack(&s.cc, MSS, false, 100 * MS, s.now_us);
    }
    assert_int_equal(s.cc.cwnd, before.cwnd); /* congestion avoidance, over 10 s */
    assert_int_equal(s.cc.w_est, before.w_est);
    assert_int_equal(s.cc.ack_bytes, before.ack_bytes);
}

/* The growth in the round after a pause is no more than in the round before it (plus a segment
 * for rounding), however long the pause: t excludes it. Without that, the first ACKs after 30 s
 * would see W_cubic(t) far above the window and grow it by half in one round. */
static uint32_t growth_after_pause(uint32_t segs, uint64_t run_us, uint64_t pause_us,
                                   uint32_t *growth_before)
{
    uint64_t epoch_us;
    sim s = cubic_after_loss(segs, 100 * MS, &epoch_us);
    sim_run_until(&s, epoch_us + run_us);
    uint32_t cwnd = s.cc.cwnd;
    sim_round(&s);
    *growth_before = s.cc.cwnd - cwnd;
    /* The application runs dry: an ACK finds the window not full, then nothing for pause_us. */
    s.now_us += 10 * MS;
    s.ops->on_ack(&s.cc, MSS, false, s.rtt_us, s.now_us);
    s.now_us += pause_us;
    cwnd = s.cc.cwnd;
    sim_round(&s);
    return s.cc.cwnd - cwnd;
}

static void cubic_no_jump_after_idle(void **state)
{
    (void)state;
    uint32_t before;
    /* Concave region (1 s into an epoch with K = 9 s). */
    uint32_t after = growth_after_pause(1000, 1 * SEC, 30 * SEC, &before);
    print_message("concave: growth in the round before a 30 s pause %u, after %u\n", before, after);
    assert_true(before > MSS);
    assert_true(after <= before + MSS);
    assert_true(after + MSS >= before); /* the curve goes on where it was */
    /* Convex region (K + 5 s): probing goes on at its pace, not from the plateau again. */
    after = growth_after_pause(1000, 14 * SEC, 3600 * SEC, &before);
    print_message("convex: growth in the round before a 1 h pause %u, after %u\n", before, after);
    assert_true(before > MSS);
    assert_true(after <= before + MSS);
    assert_true(after + MSS >= before);
}

/* ---- CUBIC: extremes ----------------------------------------------------------------------- */

static void cubic_no_overflow_near_1gib_and_hours(void **state)
{
    (void)state;
    const uint32_t gib = 1u << 30;
    tcp_cc_state cc;
    tcp_cc_cubic.init(&cc, MSS, gib);
    uint64_t now = 1 * SEC;
    tcp_cc_cubic.on_loss(&cc, gib, now);
    tcp_cc_cubic.on_recovery_end(&cc, now);
    assert_int_equal(cc.cwnd, (uint32_t)((uint64_t)gib * 7 / 10));
    tcp_cc_cubic.on_ack(&cc, MSS, true, 100 * MS, now);
    double k_us = k_closed_form_s((double)gib / MSS) * 1e6;
    print_message("W_max 1 GiB of 1460-byte segments: K = %u us (closed form %.0f us)\n", cc.k_us,
                  k_us);
    assert_true(abs_diff(cc.k_us, k_us) <= k_us * 0.01);
    /* Three hours later: target is capped at 1.5 * cwnd, so an ACK of A bytes adds A / 2. */
    now += 3 * 3600 * SEC;
    uint32_t cwnd = cc.cwnd;
    tcp_cc_cubic.on_ack(&cc, 65536, true, 100 * MS, now);
    assert_int_equal(cc.cwnd, cwnd + 32768);
    /* A whole window acknowledged at once: at most +50%, and a 4 GiB window saturates. */
    for (int i = 0; i < 10; i++) {
        cwnd = cc.cwnd;
        now += 3600 * SEC;
        tcp_cc_cubic.on_ack(&cc, cwnd, true, 100 * MS, now);
        assert_true(cc.cwnd >= cwnd);
        assert_true((uint64_t)cc.cwnd <= (uint64_t)cwnd + cwnd / 2);
    }
    assert_int_equal(cc.cwnd, UINT32_MAX);

    /* A 1-byte SMSS makes the cube as large as it gets: K = 931 s for 1 GiB. */
    tcp_cc_cubic.init(&cc, 1, gib);
    now = 1 * SEC;
    tcp_cc_cubic.on_loss(&cc, gib, now);
    tcp_cc_cubic.on_recovery_end(&cc, now);
    tcp_cc_cubic.on_ack(&cc, 1, true, 100 * MS, now);
    k_us = k_closed_form_s(gib) * 1e6;
    assert_true(abs_diff(cc.k_us, k_us) <= k_us * 0.01);
    /* Concave and convex sides, hours apart: the window never shrinks, never wraps. */
    static const uint64_t at_s[] = {1, 60, 900, 931, 1000, 3600, 10 * 3600, 1000 * 3600};
    for (size_t i = 0; i < sizeof(at_s) / sizeof(at_s[0]); i++) {
        cwnd = cc.cwnd;
        tcp_cc_cubic.on_ack(&cc, 1000, true, 100 * MS, 1 * SEC + at_s[i] * SEC);
        assert_true(cc.cwnd >= cwnd);
        assert_true(cc.cwnd <= cwnd + 500);
    }
}

/* An epoch that starts at virtual time 0 works like any other. */
static void cubic_epoch_may_start_at_time_zero(void **state)
{
    (void)state;
    tcp_cc_state cc;
    tcp_cc_cubic.init(&cc, MSS, SEG(100));
    tcp_cc_cubic.on_loss(&cc, SEG(100), 0);
    tcp_cc_cubic.on_recovery_end(&cc, 0);
    tcp_cc_cubic.on_ack(&cc, MSS, true, 100 * MS, 0);
    assert_true(cc.epoch_start_us != 0);
    double k_us = k_closed_form_s(100) * 1e6;
    assert_true(abs_diff(cc.k_us, k_us) <= k_us * 0.01);
    uint32_t cwnd = cc.cwnd;
    tcp_cc_cubic.on_ack(&cc, MSS, true, 100 * MS, 1 * SEC);
    assert_true(cc.cwnd > cwnd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_returns_each_module_and_null_past_the_end),
        cmocka_unit_test(newreno_init_sets_window_and_no_ssthresh),
        cmocka_unit_test(newreno_slow_start_adds_acked_up_to_two_mss),
        cmocka_unit_test(newreno_avoidance_adds_one_mss_per_window_acked),
        cmocka_unit_test(newreno_loss_halves_flight_with_two_mss_floor),
        cmocka_unit_test(newreno_rto_sets_one_mss),
        cmocka_unit_test(newreno_recovery_end_sets_cwnd_to_ssthresh),
        cmocka_unit_test(newreno_no_growth_when_not_cwnd_limited),
        cmocka_unit_test(newreno_undo_restores_window_and_ssthresh),
        cmocka_unit_test(cubic_init_and_slow_start_as_newreno),
        cmocka_unit_test(cubic_loss_multiplies_by_beta_with_two_mss_floor),
        cmocka_unit_test(cubic_fast_convergence_lowers_w_max),
        cmocka_unit_test(cubic_rto_one_mss_then_epoch_with_k_zero),
        cmocka_unit_test(cubic_undo_restores_w_max),
        cmocka_unit_test(cubic_k_matches_closed_form),
        cmocka_unit_test(cubic_window_returns_to_w_max_at_k),
        cmocka_unit_test(cubic_growth_is_concave_then_convex),
        cmocka_unit_test(cubic_reno_friendly_region_tracks_w_est),
        cmocka_unit_test(cubic_no_growth_when_app_limited),
        cmocka_unit_test(cubic_no_jump_after_idle),
        cmocka_unit_test(cubic_no_overflow_near_1gib_and_hours),
        cmocka_unit_test(cubic_epoch_may_start_at_time_zero),
        cmocka_unit_test(cubic_undo_resumes_the_curve_as_if_no_loss),
        cmocka_unit_test(cubic_undo_keeps_a_window_already_regrown),
        cmocka_unit_test(newreno_idle_restart_to_restart_window),
        cmocka_unit_test(cubic_idle_restart_keeps_idle_time_out_of_the_curve),
        cmocka_unit_test(cubic_idle_restart_cuts_the_window_and_ends_the_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
