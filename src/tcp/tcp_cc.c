/* tcp_cc.c — the congestion control registry, the undo shared by the modules, and NewReno.
 *
 * NewReno's window arithmetic is RFC 5681 §3.1 with appropriate byte counting (RFC 3465):
 * slow start adds what was acknowledged, at most 2*SMSS per ACK (L = 2, so a receiver that ACKs
 * every second segment does not halve the growth); congestion avoidance adds one SMSS per
 * window's worth of acknowledged bytes. A loss halves the flight (RFC 5681 (4)); the window in
 * recovery is the engine's (PRR), and recovery ends at ssthresh (RFC 6582 §3.2 step 3). */
#include "tcp/tcp_cc.h"

#include <stddef.h>

const tcp_cc_ops *tcp_cc_find(weir_tcp_cc which)
{
    switch (which) {
    case WEIR_TCP_CC_CUBIC:
        return &tcp_cc_cubic;
    case WEIR_TCP_CC_NEWRENO:
        return &tcp_cc_newreno;
    default:
        return NULL;
    }
}

void tcp_cc_save_prior(tcp_cc_state *cc) { cc->cwnd_prior = cc->cwnd; }

/* RFC 8985 §9 / Linux tcp_undo_cwnd_reduction: the window goes back to what it was, and
 * ssthresh to at least its old value, so slow start can regain the rest. */
void tcp_cc_undo(tcp_cc_state *cc, const tcp_cc_state *before)
{
    if (cc->cwnd_prior == 0)
        return; /* nothing was reduced, or it was undone already */
    if (cc->cwnd < before->cwnd)
        cc->cwnd = before->cwnd;
    if (cc->ssthresh < before->ssthresh)
        cc->ssthresh = before->ssthresh;
    cc->w_max = before->w_max;
    cc->cwnd_prior = 0;
}

bool tcp_cc_restart_window(tcp_cc_state *cc, uint32_t rw)
{
    if (cc->cwnd <= rw)
        return false;
    uint32_t three_quarters = cc->cwnd - cc->cwnd / 4;
    if (cc->ssthresh < three_quarters) /* none yet (UINT32_MAX) stays none */
        cc->ssthresh = three_quarters;
    cc->cwnd = rw;
    return true;
}

void tcp_cc_on_ack(const tcp_cc_ops *ops, tcp_cc_state *cc, uint32_t acked, bool cwnd_limited,
                   uint32_t srtt_us, uint64_t now_us, bool whole_ack)
{
    uint32_t piece = 2u * cc->mss; /* the modules' L */
    while (whole_ack && cwnd_limited && piece > 0 && acked > piece && cc->cwnd < cc->ssthresh) {
        ops->on_ack(cc, piece, cwnd_limited, srtt_us, now_us);
        acked -= piece;
    }
    ops->on_ack(cc, acked, cwnd_limited, srtt_us, now_us);
}

static uint32_t half_flight(const tcp_cc_state *cc, uint32_t flight)
{
    uint32_t half = flight / 2;
    return half > 2u * cc->mss ? half : 2u * cc->mss;
}

static void newreno_init(tcp_cc_state *cc, uint32_t mss, uint32_t initial_cwnd)
{
    *cc = (tcp_cc_state){.cwnd = initial_cwnd, .ssthresh = UINT32_MAX, .mss = mss};
}

static void newreno_on_ack(tcp_cc_state *cc, uint32_t acked, bool cwnd_limited, uint32_t srtt_us,
                           uint64_t now_us)
{
    (void)srtt_us;
    (void)now_us;
    if (!cwnd_limited)
        return;
    if (cc->cwnd < cc->ssthresh) {
        uint32_t limit = 2u * cc->mss;
        cc->cwnd += acked < limit ? acked : limit;
        return;
    }
    cc->ack_bytes += acked;
    if (cc->ack_bytes >= cc->cwnd) {
        cc->ack_bytes -= cc->cwnd;
        cc->cwnd += cc->mss;
    }
}

static void newreno_on_loss(tcp_cc_state *cc, uint32_t flight, uint64_t now_us)
{
    (void)now_us;
    tcp_cc_save_prior(cc);
    cc->ssthresh = half_flight(cc, flight);
}

static void newreno_on_recovery_end(tcp_cc_state *cc, uint64_t now_us)
{
    (void)now_us;
    cc->cwnd = cc->ssthresh;
    cc->ack_bytes = 0;
}

static void newreno_on_rto(tcp_cc_state *cc, uint32_t flight, uint64_t now_us)
{
    (void)now_us;
    tcp_cc_save_prior(cc);
    cc->ssthresh = half_flight(cc, flight);
    cc->cwnd = cc->mss;
    cc->ack_bytes = 0;
}

static void newreno_on_undo(tcp_cc_state *cc, const tcp_cc_state *before, uint64_t now_us)
{
    (void)now_us;
    tcp_cc_undo(cc, before);
}

static void newreno_on_idle_restart(tcp_cc_state *cc, uint32_t rw, uint64_t idle_us,
                                    uint64_t now_us)
{
    (void)idle_us;
    (void)now_us;
    if (tcp_cc_restart_window(cc, rw))
        cc->ack_bytes = 0;
}

const tcp_cc_ops tcp_cc_newreno = {
    .name = "newreno",
    .init = newreno_init,
    .on_ack = newreno_on_ack,
    .on_loss = newreno_on_loss,
    .on_recovery_end = newreno_on_recovery_end,
    .on_rto = newreno_on_rto,
    .on_undo = newreno_on_undo,
    .on_idle_restart = newreno_on_idle_restart,
};
