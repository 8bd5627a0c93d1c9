/* tcp_tw.c — what a compact TIME-WAIT record does (tcp_tw.h): RFC 9293 §3.10.7.4 for segments
 * that reach it, RFC 6191 for a new SYN, RFC 1337 for a RST, and its 2*MSL expiry.
 *
 * The answers are the full engine's for a connection in TIME-WAIT, written for the twelve
 * numbers the record keeps; tests/tcp/test_tcp_time_wait.c runs the same scenarios against both. */
#include "tcp/tcp_tw.h"

#include "tcp/seq.h"
#include "tcp/tcp_conn.h"

static tcp_tw_verdict drop(weir_stack *s, weir_drop_reason r, const uint8_t *frame, size_t len)
{
    weir_drop(s, r, frame, len);
    return TCP_TW_CONSUMED;
}

static tcp_tw_verdict drop_and_ack(weir_stack *s, const tcp_tw *tw, weir_drop_reason r,
                                   const uint8_t *frame, size_t len)
{
    weir_drop(s, r, frame, len);
    tcp_tw_send_ack(s, tw);
    return TCP_TW_CONSUMED;
}

/* RFC 6191 §2: a SYN may end TIME-WAIT when it cannot be an old duplicate. When both the old
 * and the new incarnation use timestamps: its TSval is newer than TS.Recent, or equal with a
 * newer sequence number; otherwise its sequence number is beyond the old one's (RFC 1122
 * §4.2.2.13). "Beyond" is past RCV.NXT, as Linux and FreeBSD test it (the RFC's "greater than
 * the FIN's number" would also take SEQ = RCV.NXT). */
static bool syn_is_new_incarnation(const weir_stack *s, const tcp_tw *tw, const weir_tcp_repr *seg)
{
    bool seq_newer = seq_gt(seg->seq, tw->rcv_nxt);
    if ((tw->flags & TCP_TW_TS_ON) && seg->opt.has_timestamps && s->cfg.tcp.timestamps)
        return seq_gt(seg->opt.ts_val, tw->ts_recent) ||
               (seg->opt.ts_val == tw->ts_recent && seq_newer);
    return seq_newer;
}

tcp_tw_verdict tcp_tw_input(weir_stack *s, tcp_tw *tw, const weir_tcp_repr *seg,
                            const uint8_t *frame, size_t frame_len, uint32_t *isn)
{
    bool syn = seg->flags & WEIR_TCP_FLAG_SYN, ack = seg->flags & WEIR_TCP_FLAG_ACK;
    bool fin = seg->flags & WEIR_TCP_FLAG_FIN, rst = seg->flags & WEIR_TCP_FLAG_RST;
    uint32_t data_len = (uint32_t)seg->payload_len;
    /* RFC 1337: a RST must not cut TIME-WAIT short (TIME-WAIT assassination). */
    if (rst)
        return drop(s, WEIR_DROP_TCP_RST_TIME_WAIT, frame, frame_len);
    if (syn) {
        if (!ack && syn_is_new_incarnation(s, tw, seg)) {
            *isn = tcp_tw_next_isn(tw);
            weir_count(s, WEIR_CTR_TCP_TIME_WAIT_REOPENED);
            tcp_tw_free(s, tw);
            return TCP_TW_REOPEN;
        }
        /* Else an old duplicate: stay, and say where we are (RFC 5961 §4's challenge ACK). */
        weir_count(s, WEIR_CTR_TCP_CHALLENGE_ACKS);
        return drop_and_ack(s, tw, WEIR_DROP_TCP_SYN_CHALLENGED, frame, frame_len);
    }
    /* "The only thing that can arrive in this state is a retransmission of the remote FIN.
     * Acknowledge it, and restart the 2 MSL timeout." */
    if (fin && seg->seq + data_len + 1 == tw->rcv_nxt) {
        weir_count(s, WEIR_CTR_TCP_TIME_WAIT_RESTARTS);
        tcp_tw_send_ack(s, tw);
        tcp_tw_restart(s, tw, s->now_us + 2 * s->cfg.tcp.msl_us);
        return TCP_TW_CONSUMED;
    }
    if (!ack)
        return drop(s, WEIR_DROP_TCP_NO_ACK, frame, frame_len);
    /* Anything but the exact bare ACK we expect is answered with an ACK of the state we keep,
     * so a confused peer resynchronizes (Linux's tcp_timewait_state_process, FreeBSD's
     * tcp_twcheck). */
    if (data_len > 0 || fin || seg->seq != tw->rcv_nxt)
        return drop_and_ack(s, tw, WEIR_DROP_TCP_SEQ_UNACCEPTABLE, frame, frame_len);
    if (tw->flags & TCP_TW_TS_ON && seg->opt.has_timestamps) {
        /* RFC 7323 §5.3 R1 (PAWS), then §4.3: TS.Recent follows the in-window segment. */
        if (seq_lt(seg->opt.ts_val, tw->ts_recent))
            return drop_and_ack(s, tw, WEIR_DROP_TCP_PAWS, frame, frame_len);
        tw->ts_recent = seg->opt.ts_val;
    }
    return TCP_TW_CONSUMED; /* the bare ACK: nothing to do */
}

/* The record's deadline in µs, from its low 32 bits: within 2*MSL of now, ahead or (when the
 * stack was polled late) behind. */
uint64_t tcp_tw_deadline(const weir_stack *s, const tcp_tw *tw)
{
    int64_t when = (int64_t)s->now_us + (int32_t)(tw->expires - (uint32_t)s->now_us);
    return when < 0 ? 0 : (uint64_t)when;
}

uint64_t tcp_tw_next_deadline(const weir_stack *s)
{
    const tcp_tw *tw = tcp_tw_oldest(s);
    return tw ? tcp_tw_deadline(s, tw) : UINT64_MAX;
}

static void trace_expiry(weir_stack *s, const tcp_tw *tw)
{
    weir_trace_event ev = tcp_tw_trace_event(tw);
    ev.kind = WEIR_TRACE_TIMER;
    ev.timer = WEIR_TIMER_TIME_WAIT;
    weir_trace_emit(s, &ev);
    ev.kind = WEIR_TRACE_STATE;
    ev.new_state = WEIR_TCP_CLOSED;
    ev.reason = "2*MSL elapsed in TIME-WAIT";
    weir_trace_emit(s, &ev);
}

void tcp_tw_expire(weir_stack *s)
{
    for (tcp_tw *tw = tcp_tw_oldest(s); tw && tcp_tw_deadline(s, tw) <= s->now_us;
         tw = tcp_tw_oldest(s)) {
        if (weir_tracing(s))
            trace_expiry(s, tw);
        tcp_tw_free(s, tw);
    }
}
