/* tcp_newreno.c — loss recovery on connections without SACK: fast retransmit and NewReno
 * (RFC 5681 §3.2, RFC 6582), with three refinements that keep a lossy path from multiplying
 * retransmissions (a lost retransmission resent after an RTT, the reduction from
 * min(FlightSize, cwnd), and the span after a timeout repaired hole by hole once the receiver
 * shows it holds the rest). tcp_input.c's fifth step calls tcp_newreno_on_ack() for every
 * acceptable ACK of such a connection, after SND.UNA has moved; SACK connections go to
 * tcp_sack.c instead. */
#include "tcp/tcp_conn.h"

/* NewReno recovery resends the segment at SND.UNA: on the third duplicate ACK and on each
 * partial ACK. */
static void recovery_retransmit_head(weir_stack *s, tcp_conn *c)
{
    tcp_retransmit_head(s, c);
    c->head_rexmit_us = (uint32_t)s->now_us;
}

/* A duplicate ACK in NewReno recovery arriving more than an RTT (plus a quarter, RACK's
 * reordering allowance, RFC 8985 §6.2) after the head was sent again was caused by a segment sent
 * after that retransmission: the retransmission was lost too. RFC 6582 leaves this case to the
 * RTO (§4), but meanwhile every duplicate ACK inflates cwnd and sends a new segment, so SND.MAX
 * runs a whole RTO's worth of ACK clock past a hole that nothing repairs; the RTO then restarts
 * from SND.UNA and go-back-N resends megabytes the receiver already holds, each later hole in
 * that span waiting for an RTO of its own (duplicate ACKs below `recover` after a timeout are
 * ignored, §4). Resending the head once per RTT while the ACK clock proves the path works is the
 * NewReno counterpart of RACK's lost-retransmission detection (RFC 8985 §6.2 step 2, which needs
 * SACK). */
static bool head_retransmission_lost(const tcp_conn *c, uint64_t now_us)
{
    return c->srtt != 0 &&
           (uint32_t)now_us - c->head_rexmit_us > (uint64_t)c->srtt + c->srtt / 4;
}

/* NewReno (RFC 6582 §3.2, step 3) for an ACK that moves SND.UNA during fast recovery. A full
 * ACK (covering `recover`) ends recovery with cwnd = min(ssthresh, FlightSize + SMSS); a partial
 * ACK says the next segment was lost too: resend it at once, deflate cwnd by what was
 * acknowledged (adding one SMSS back when at least one was), and stay in recovery — instead of
 * waiting for three more duplicate ACKs or the RTO for every further hole. */
static void recovery_ack(weir_stack *s, tcp_conn *c, uint32_t acked)
{
    if (seq_geq(c->snd_una, c->recover)) {
        c->in_recovery = false;
        c->cc_ops->on_recovery_end(&c->cc, s->now_us);
        uint32_t flight = tcp_flight_size(c);
        uint32_t cap = (flight > c->snd_mss ? flight : c->snd_mss) + c->snd_mss;
        if (c->cc.cwnd > cap)
            c->cc.cwnd = cap;
        return;
    }
    weir_count(s, WEIR_CTR_TCP_PARTIAL_ACKS);
    recovery_retransmit_head(s, c);
    c->cc.cwnd = c->cc.cwnd > acked ? c->cc.cwnd - acked : 0;
    if (acked >= c->snd_mss)
        c->cc.cwnd += c->snd_mss;
    if (c->cc.cwnd < c->snd_mss)
        c->cc.cwnd = c->snd_mss;
}

/* The FlightSize a loss found by duplicate ACKs reduces from (RFC 5681 (4), RFC 9438 §4.6): at
 * most cwnd. After a NewReno recovery, SND.NXT - SND.UNA still counts everything the inflated
 * window sent beyond the holes, most of it already at the receiver, and cwnd has just come down
 * to ssthresh; a loss found right then would otherwise raise ssthresh (here by several times,
 * and each larger window loses more segments). Taking the smaller of the two is what Linux does
 * (its ssthresh functions take cwnd), and it is "no more than" the RFCs' value. */
static uint32_t loss_flight(const tcp_conn *c)
{
    uint32_t flight = tcp_flight_size(c);
    return flight < c->cc.cwnd ? flight : c->cc.cwnd;
}

/* RFC 5681 §3.2: the third duplicate ACK retransmits the first unacknowledged segment and
 * halves the window; further duplicates inflate it while the hole is repaired. */
static void dup_ack(weir_stack *s, tcp_conn *c)
{
    weir_count(s, WEIR_CTR_TCP_DUP_ACKS);
    /* RFC 6582 §3.2 step 2: after a timeout, duplicate ACKs for data sent before it are the
     * go-back-N retransmissions arriving twice, not a new loss. */
    bool stale = c->recover_after_rto && seq_leq(c->snd_una, c->recover);
    if (++c->dupacks == 3 && !c->in_recovery && !stale) {
        c->cc_ops->on_loss(&c->cc, loss_flight(c), s->now_us);
        weir_count(s, WEIR_CTR_TCP_FAST_RECOVERIES);
        c->fast_recoveries++;
        c->in_recovery = true;
        c->recover = c->snd_max;
        c->recover_after_rto = false;
        c->rtt_measuring = false;
        recovery_retransmit_head(s, c);
        c->cc.cwnd = c->cc.ssthresh + 3u * c->snd_mss;
    } else if (c->in_recovery) {
        c->cc.cwnd += c->snd_mss;
        if (head_retransmission_lost(c, s->now_us)) {
            weir_count(s, WEIR_CTR_TCP_LOST_RETRANSMITS);
            recovery_retransmit_head(s, c);
        }
    }
}

/* After a timeout, go-back-N resends from SND.UNA (RFC 5681 §3.1 via RFC 6298 (5.4)). An ACK
 * beyond what has been resent so far (SEG.ACK > SND.NXT) shows that the receiver holds the
 * segments after that hole, and most likely those after the next one too: resending them all as
 * the window grows is what multiplied retransmissions on lossy paths (every later hole of the
 * span resent a window of data the receiver had). From here on the span up to `recover` is
 * repaired as NewReno repairs a window (RFC 6582 §3.2 step 3): the head now and again on each
 * partial ACK, nothing else resent. cwnd and ssthresh stay the timeout's; a full ACK ends it as
 * any recovery. When the ACK only covers what was resent, the receiver had nothing beyond and
 * go-back-N goes on. */
static bool rto_span_held_by_receiver(const tcp_conn *c, uint32_t prior_nxt)
{
    return c->recover_after_rto && !c->in_recovery && seq_gt(c->snd_una, prior_nxt) &&
           seq_lt(c->snd_una, c->recover);
}

/* An ACK on a connection without SACK: NewReno (RFC 5681, RFC 6582). */
void tcp_newreno_on_ack(weir_stack *s, tcp_conn *c, uint32_t prior_una, uint32_t prior_nxt,
                        bool dup, bool limited)
{
    uint32_t acked = c->snd_una - prior_una;
    if (acked == 0) {
        if (dup)
            dup_ack(s, c);
        return;
    }
    if (rto_span_held_by_receiver(c, prior_nxt)) {
        c->in_recovery = true;
        c->snd_nxt = c->snd_max;
        recovery_retransmit_head(s, c);
        return;
    }
    if (c->in_recovery && c->recover_after_rto && acked <= c->snd_mss &&
        seq_lt(c->snd_una, c->recover)) {
        /* The span after a timeout, repaired NewReno's way: this partial ACK covers only the
         * head we resent, so the receiver did not hold the next segment either (its
         * out-of-order store is bounded): back to go-back-N from here. */
        c->in_recovery = false;
        c->snd_nxt = c->snd_una;
        return;
    }
    if (c->in_recovery)
        recovery_ack(s, c, acked);
    else
        tcp_cc_on_ack(c->cc_ops, &c->cc, acked, limited, c->srtt, s->now_us,
                      s->cfg.tcp.slow_start_whole_ack);
}
