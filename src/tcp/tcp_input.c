/* tcp_input.c — SEGMENT ARRIVES (RFC 9293 §3.10.7), as a pipeline of small steps.
 *
 * Read §3.10.7 side by side with this file. A segment for no connection gets §3.10.7.1; LISTEN
 * and SYN-SENT have their own functions (§3.10.7.2, §3.10.7.3); every other state runs the
 * steps of §3.10.7.4 in the RFC's order — sequence check, RST, (security), SYN, ACK, URG, text,
 * FIN — each returning CONTINUE, DROP (counted), or DONE. RFC 5961 (challenge ACKs, the ACK
 * check of §5) is built in and switched by weir_tcp_config.rfc5961. */
#include <string.h>

#include "tcp/tcp_conn.h"
#include "tcp/tcp_tw.h"
#include "wire/ipv4.h"

typedef enum step_result {
    STEP_CONTINUE, /* go on with the next step */
    STEP_DONE,     /* processing finished: send what tcp_output decides */
    STEP_GONE,     /* the record was freed: touch nothing */
} step_result;

/* Everything about the segment being processed, on the C stack (no per-segment globals). */
typedef struct seg_ctx {
    const weir_tcp_repr *seg;
    uint32_t src_ip, dst_ip;
    const uint8_t *frame;
    size_t frame_len;
    uint32_t seq;        /* after trimming to the window */
    const uint8_t *data; /* after trimming */
    uint32_t data_len;
    bool syn, fin, rst, ack, urg;
    bool dup_noted; /* a D-SACK was noted for this segment's old data */
    uint8_t ip_ecn; /* the IP header's ECN field (RFC 3168 §5) */
    bool isn_given; /* a SYN that ended TIME-WAIT: the new connection's ISN is `isn` */
    uint32_t isn;
} seg_ctx;

static uint32_t seg_len(const seg_ctx *x)
{
    return x->data_len + (x->syn ? 1u : 0u) + (x->fin ? 1u : 0u);
}

static step_result drop(weir_stack *s, const seg_ctx *x, weir_drop_reason r)
{
    weir_drop(s, r, x->frame, x->frame_len);
    return STEP_DONE;
}

static step_result drop_and_ack(weir_stack *s, tcp_conn *c, const seg_ctx *x, weir_drop_reason r)
{
    c->ack_now = true;
    c->ack_plain = true; /* an answer to a bad segment is a bare ACK, whatever the policy */
    return drop(s, x, r);
}

/* RFC 5961 §3.2/§4: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, which a genuine peer answers with an
 * exact RST or by ignoring, and a blind attacker cannot use. */
static step_result challenge_ack(weir_stack *s, tcp_conn *c, const seg_ctx *x, weir_drop_reason r)
{
    weir_count(s, WEIR_CTR_TCP_CHALLENGE_ACKS);
    return drop_and_ack(s, c, x, r);
}

static uint16_t default_snd_mss(const weir_stack *s, const tcp_conn *c)
{
    int n = weir_ip_route(s, c->tuple.remote_ip);
    uint16_t mtu = n >= 0 ? s->netifs[n].mtu : 576;
    return (uint16_t)(mtu - 40);
}

uint16_t tcp_our_mss(const weir_stack *s, const tcp_conn *c)
{
    if (c->user_mss)
        return c->user_mss;
    return s->cfg.tcp.mss ? s->cfg.tcp.mss : default_snd_mss(s, c);
}

uint16_t tcp_syn_mss(const tcp_conn *c, uint16_t mss) { return c->noopt ? 536 : mss; }

/* The MSS a SYN-ACK advertises. RFC 9293 §3.7.1 has each side state the largest segment it
 * can receive; stating less is allowed, and syn_ack_mss_clamp states no more than the peer's
 * own MSS, so both directions use one size (the FreeBSD of the gsoc-* scripts answers so). */
static uint16_t syn_ack_mss(const weir_stack *s, const tcp_conn *c, const weir_tcp_repr *syn)
{
    uint16_t ours = tcp_our_mss(s, c);
    if (s->cfg.tcp.syn_ack_mss_clamp && syn->opt.has_mss && syn->opt.mss >= 64 &&
        syn->opt.mss < ours)
        return syn->opt.mss;
    return ours;
}

/* RFC 7323 §2.3: the smallest shift that lets the largest receive buffer be offered — the
 * largest it may become, auto-tuning included, since the shift is fixed from the SYN on. */
uint8_t tcp_wscale_for(const weir_stack *s, const tcp_conn *c)
{
    uint32_t space =
        s->cfg.tcp.recv_buffer_max > c->rcv_cap ? s->cfg.tcp.recv_buffer_max : c->rcv_cap;
    uint32_t auto_max = c->rcv_auto ? s->cfg.tcp.recv_buffer_auto_max : 0;
    if (auto_max > space)
        space = auto_max;
    uint8_t shift = 0;
    while (space > 65535 && shift < 14) {
        space >>= 1;
        shift++;
    }
    return shift;
}

/* What the peer's SYN (or SYN-ACK) agreed to. An option is on only when both sides sent it: for
 * an active open our SYN offered what the configuration enables; a passive open answers only what
 * the peer offered (RFC 7323 §2.2, §3.2; RFC 2018 §2). */
static void negotiate_options(const weir_stack *s, tcp_conn *c, const weir_tcp_repr *seg)
{
    const weir_tcp_config *t = &s->cfg.tcp;
    /* WEIR_TCP_OPT_NOOPT: our SYN offers nothing (or our SYN-ACK answers with nothing), so
     * nothing is on, whatever the peer's SYN says. */
    bool ours = !c->noopt;
    c->ws_on = ours && t->window_scale && seg->opt.has_wscale;
    /* RFC 7323 §2.3: a shift above 14 is used as 14. */
    c->snd_wscale = c->ws_on ? (seg->opt.wscale > 14 ? 14 : seg->opt.wscale) : 0;
    c->rcv_wscale = c->ws_on ? tcp_wscale_for(s, c) : 0;
    c->ts_on = ours && t->timestamps && seg->opt.has_timestamps;
    if (c->ts_on) {
        c->ts_recent = seg->opt.ts_val;
        c->ts_recent_s = (uint32_t)(s->now_us / 1000000u);
    }
    c->sack_on = ours && t->sack && seg->opt.sack_permitted;
}

/* RFC 3168 §6.1.1: ECN is agreed on the SYNs, the peer's given by `flags` (called before the
 * state moves on). An ECN-setup SYN has ECE and CWR, an ECN-setup SYN-ACK ECE alone. In SYN-SENT
 * our SYN asked (ecn on), and the peer's SYN-ACK agrees, or in a simultaneous open its own
 * ECN-setup SYN does (as FreeBSD); a SYN to a listener is agreed to by any setting but off. */
static void ecn_negotiate(const weir_stack *s, tcp_conn *c, uint8_t flags)
{
    bool we_asked = c->state == WEIR_TCP_SYN_SENT;
    uint8_t setup =
        (flags & WEIR_TCP_FLAG_ACK) ? WEIR_TCP_FLAG_ECE : WEIR_TCP_FLAG_ECE | WEIR_TCP_FLAG_CWR;
    bool willing =
        we_asked ? s->cfg.tcp.ecn == WEIR_TCP_ECN_ON : s->cfg.tcp.ecn != WEIR_TCP_ECN_OFF;
    if (willing && (flags & (WEIR_TCP_FLAG_ECE | WEIR_TCP_FLAG_CWR)) == setup)
        c->ecn = TCP_ECN_OK;
}

/* Initial window: RFC 6928's 10 segments by default, else RFC 5681 (3.1). */
uint32_t tcp_initial_window(const weir_stack *s, uint32_t mss)
{
    return s->cfg.tcp.initial_window ? s->cfg.tcp.initial_window * mss
           : mss > 2190              ? 2 * mss
           : mss > 1095              ? 3 * mss
                                     : 4 * mss;
}

/* The MSS option (MUST-14..16): without one, assume 536; never more than our MTU allows. */
static void apply_syn_options(const weir_stack *s, tcp_conn *c, const weir_tcp_repr *seg)
{
    negotiate_options(s, c, seg);
    uint16_t peer = seg->opt.has_mss ? seg->opt.mss : 536;
    uint16_t ours = default_snd_mss(s, c);
    if (c->user_mss && c->user_mss < ours)
        ours = c->user_mss; /* TCP_MAXSEG caps what we send too */
    c->snd_mss = peer < ours ? peer : ours;
    if (c->snd_mss < 64)
        c->snd_mss = 64; /* a hostile MSS of 0 or 1 must not make us send byte-sized segments */
    /* RFC 6691: the MSS counts payload after the fixed header; every segment's timestamp option
     * comes out of it. */
    if (c->ts_on)
        c->snd_mss -= 12;
    uint32_t m = c->snd_mss;
    if (s->cfg.tcp.round_rcv_buffer_to_mss && !c->rcv.buf) {
        uint64_t rounded = ((uint64_t)c->rcv_cap + m - 1) / m * m;
        if (rounded <= (1u << 30))
            c->rcv_cap = (uint32_t)rounded;
    }
    c->cc_ops->init(&c->cc, m, tcp_initial_window(s, m));
}

/* SND.WND from a segment: scaled, except on a SYN (RFC 7323 §2.2). */
static void take_window(tcp_conn *c, const seg_ctx *x)
{
    bool syn = x->seg->flags & WEIR_TCP_FLAG_SYN;
    c->snd_wnd = syn ? x->seg->window : (uint32_t)x->seg->window << c->snd_wscale;
    c->snd_wl1 = x->seg->seq;
    c->snd_wl2 = x->seg->ack;
    if (c->snd_wnd > c->max_snd_wnd)
        c->max_snd_wnd = c->snd_wnd;
}

/* ------------------------------------------------------------------------------------------ */
/* §3.10.7.1 CLOSED: no connection. Any RST is dropped; anything else is answered with a RST,
 * so the peer learns at once that nobody is here. */
static void closed_input(weir_stack *s, const seg_ctx *x)
{
    weir_drop(s, WEIR_DROP_TCP_NO_SOCKET, x->frame, x->frame_len);
    tcp_send_rst_reply(s, 0, x->src_ip, x->dst_ip, x->seg);
}

/* §3.10.7.2 LISTEN. */
static void listen_input(weir_stack *s, tcp_conn *l, const seg_ctx *x)
{
    /* First, check for a RST: an incoming RST is ignored. */
    if (x->rst) {
        weir_drop(s, WEIR_DROP_TCP_LISTEN_RST, x->frame, x->frame_len);
        return;
    }
    /* Second, check for an ACK: nothing here could have been acknowledged; reset it. */
    if (x->ack) {
        weir_drop(s, WEIR_DROP_TCP_LISTEN_NO_SYN, x->frame, x->frame_len);
        tcp_send_rst_reply(s, 0, x->src_ip, x->dst_ip, x->seg);
        return;
    }
    /* Third, check for a SYN (the security-compartment check of §3.10.7.2 does not apply: weir
     * has no compartments). */
    if (!x->syn) {
        weir_drop(s, WEIR_DROP_TCP_LISTEN_NO_SYN, x->frame, x->frame_len);
        return;
    }
    /* The backlog bounds half-open plus unaccepted connections: a SYN flood costs a bounded
     * amount. Dropped silently, like Linux, so the peer retries rather than fails. */
    tcp_conn *c = l->lq->children < l->lq->backlog ? tcp_conn_new(s) : NULL;
    if (!c) {
        weir_drop(s, WEIR_DROP_TCP_LISTEN_OVERFLOW, x->frame, x->frame_len);
        return;
    }
    tcp_state_clone_listener(c);
    c->tuple = (weir_tuple){.local_ip = x->dst_ip,
                            .remote_ip = x->src_ip,
                            .local_port = x->seg->dst_port,
                            .remote_port = x->seg->src_port};
    c->listener = l;
    l->lq->children++;
    c->nodelay = l->nodelay;
    c->cork = l->cork;
    c->pacing = l->pacing;
    c->noopt = l->noopt;
    c->tos = l->tos;
    c->keepalive = l->keepalive;
    c->snd_cap = l->snd_cap;
    c->rcv_cap = l->rcv_cap;
    c->rcv_auto = l->rcv_auto;
    c->user_mss = l->user_mss;
    c->keepidle_s = l->keepidle_s;
    c->keepintvl_s = l->keepintvl_s;
    c->keepcnt = l->keepcnt;
    c->user_timeout_ms = l->user_timeout_ms;
    c->soft_errors_off = l->soft_errors_off;
    c->connect_timeout_ms = l->connect_timeout_ms;
    c->cc_ops = l->cc_ops;
    /* Set RCV.NXT to SEG.SEQ+1, IRS to SEG.SEQ; select an ISS; send <SEQ=ISS><ACK=RCV.NXT>
     * <CTL=SYN,ACK>; SND.NXT = ISS+1, SND.UNA = ISS. Data on the SYN is not acknowledged (it
     * will be sent again), as no application has accepted the connection yet. */
    c->irs = x->seg->seq;
    c->rcv_nxt = c->rcv_up = c->irs + 1;
    c->rcv_adv = c->rcv_nxt;
    c->rcv_mss = tcp_syn_mss(c, syn_ack_mss(s, c, x->seg));
    c->iss = x->isn_given ? x->isn : tcp_isn(s, &c->tuple);
    c->snd_una = c->snd_nxt = c->snd_max = c->snd_up = c->iss;
    c->snd_buf_seq = c->iss + 1;
    c->ts_offset = tcp_ts_offset(s, &c->tuple);
    c->ts_first = tcp_ts_now(s, c);
    apply_syn_options(s, c, x->seg);
    ecn_negotiate(s, c, x->seg->flags);
    take_window(c, x);
    weir_count(s, WEIR_CTR_TCP_PASSIVE_OPENS);
    tcp_set_state(s, c, WEIR_TCP_SYN_RECEIVED, "SYN received on a listening port");
    tcp_arm_connect_timeout(s, c);
    tcp_output(s, c);
}

/* Keep a SYN's data for later (see syn_sent_input): written in place, recorded as an island. */
static void hold_syn_text(weir_stack *s, tcp_conn *c, const seg_ctx *x)
{
    uint32_t len = x->data_len < c->rcv_cap ? x->data_len : c->rcv_cap;
    if (len == 0 || tcp_ring_reserve(s, &c->rcv, c->rcv.len + len, c->rcv_cap) != 0)
        return;
    if (tcp_ooo_insert(s, &c->ooo, c->rcv_nxt, c->rcv_nxt + len))
        tcp_ring_write_at(&c->rcv, c->rcv.len, x->data, len);
}

/* ------------------------------------------------------------------------------------------ */
/* §3.10.7.3 SYN-SENT. */
static step_result syn_sent_input(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    const weir_tcp_repr *seg = x->seg;
    bool ack_ok = false;
    /* First, check the ACK bit: SEG.ACK =< ISS or > SND.NXT acknowledges nothing we sent:
     * reset it (unless it is a RST) and drop. */
    if (x->ack) {
        if (seq_leq(seg->ack, c->iss) || seq_gt(seg->ack, c->snd_max)) {
            if (!x->rst)
                tcp_send_rst_reply(s, c->tos, x->src_ip, x->dst_ip, seg);
            return drop(s, x, WEIR_DROP_TCP_SYN_SENT_BAD_ACK);
        }
        ack_ok = seq_lt(c->snd_una, seg->ack) && seq_leq(seg->ack, c->snd_max);
    }
    /* Second, check the RST bit: with an acceptable ACK the peer refused us (RFC 5961 §3.2:
     * only then is a RST valid in SYN-SENT); without one, drop it. */
    if (x->rst) {
        if (!ack_ok)
            return drop(s, x, WEIR_DROP_TCP_RST_UNACCEPTABLE);
        weir_count(s, WEIR_CTR_TCP_RST_RECEIVED);
        bool detached = c->handle < 0;
        tcp_fail(s, c, WEIR_ECONNREFUSED, "connection refused (RST in SYN-SENT)");
        tcp_conn_reap(s, c);
        return detached ? STEP_GONE : STEP_DONE;
    }
    /* Fourth, check the SYN bit. */
    if (!x->syn)
        return drop(s, x, WEIR_DROP_TCP_SYN_SENT_NO_SYN);
    c->irs = seg->seq;
    c->rcv_nxt = c->rcv_up = c->irs + 1;
    c->rcv_adv = c->rcv_nxt;
    apply_syn_options(s, c, seg);
    c->last_ack_sent = c->rcv_nxt;
    if (ack_ok) {
        /* SND.UNA = SEG.ACK; our SYN is acknowledged: ESTABLISHED, send <SEQ=SND.NXT>
         * <ACK=RCV.NXT><CTL=ACK> — the third segment of the handshake. */
        if (c->rtt_measuring && seq_geq(seg->ack, c->rtt_seq))
            tcp_rtt_sample(s, c, (uint32_t)s->now_us - c->rtt_start, 1);
        c->rtt_measuring = false;
        c->snd_una = seg->ack;
        c->backoff = 0;
        tcp_timer_stop(s, c, WEIR_TIMER_RETRANSMIT);
        take_window(c, x);
        ecn_negotiate(s, c, seg->flags);
        tcp_set_state(s, c, WEIR_TCP_ESTABLISHED, "SYN-ACK received: our SYN is acknowledged");
        c->ack_now = true;
        tcp_on_established(s, c);
        /* Data or a FIN riding on the SYN-ACK is processed from step six on (§3.10.7.3). */
        x->seq = seg->seq + 1;
        x->syn = false;
        return STEP_CONTINUE;
    }
    /* Simultaneous open (MUST-10): both sides sent SYN. Enter SYN-RECEIVED and send
     * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. Text on the SYN is "queued for processing after the
     * ESTABLISHED state has been reached": it waits in the reassembler as an island at RCV.NXT,
     * not yet acknowledged. */
    hold_syn_text(s, c, x);
    take_window(c, x);
    ecn_negotiate(s, c, seg->flags); /* our SYN-ACK then says ECE */
    tcp_set_state(s, c, WEIR_TCP_SYN_RECEIVED, "SYN received in SYN-SENT: simultaneous open");
    c->snd_nxt = c->iss; /* resend our SYN, now with an ACK */
    tcp_timer_stop(s, c, WEIR_TIMER_RETRANSMIT);
    return STEP_DONE;
}

/* ------------------------------------------------------------------------------------------ */
/* §3.10.7.4 step one: check the sequence number. */

/* RCV.WND: what we last advertised, counted from RCV.NXT. The buffer may hold more, but the
 * peer was told this edge, and an attacker's RST or data beyond it must not be taken
 * (RFC 5961 §3.2 check 1). The BSD policy takes the free buffer instead, for a full TCB: its
 * syncache (a passive SYN-RECEIVED) and TIME-WAIT records keep the advertised window. */
static uint32_t rcv_window_now(const weir_stack *s, const tcp_conn *c)
{
    uint32_t advertised = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    uint32_t free_space = tcp_rcv_free(c);
    bool full_tcb =
        c->state != WEIR_TCP_TIME_WAIT && !(c->state == WEIR_TCP_SYN_RECEIVED && !c->active_open);
    if (s->cfg.tcp.rcv_window_is_buffer && full_tcb && free_space > advertised)
        return free_space;
    return advertised;
}

static bool acceptable(const tcp_conn *c, uint32_t seq, uint32_t len, uint32_t wnd)
{
    /* The four cases of the acceptability test (§3.10.7.4, figure 12). */
    if (len == 0)
        return wnd == 0 ? seq == c->rcv_nxt : seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd);
    if (wnd == 0)
        return false;
    return seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
           seq_in(seq + len - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

/* Keep only the part of the segment inside the window: "segments with higher beginning
 * sequence numbers SHOULD be held for later processing" — they are, in the reassembler. */
static void trim_to_window(const tcp_conn *c, seg_ctx *x, uint32_t wnd)
{
    if (seq_lt(x->seq, c->rcv_nxt)) {
        uint32_t skip = c->rcv_nxt - x->seq;
        if (x->syn) {
            x->syn = false;
            skip--;
            x->seq++;
        }
        if (skip > x->data_len) { /* only a FIN is left beyond the old data */
            skip = x->data_len;
        }
        x->data += skip;
        x->data_len -= skip;
        x->seq += skip;
    }
    uint32_t right = c->rcv_nxt + wnd;
    if (seq_gt(x->seq + x->data_len, right)) {
        x->data_len = seq_gt(right, x->seq) ? right - x->seq : 0;
        x->fin = false; /* the FIN lies beyond the window: it comes again */
    }
}

/* RFC 2883: data we already had is reported once, as the first SACK block of the next ACK. */
static bool note_duplicate(weir_stack *s, tcp_conn *c, uint32_t left, uint32_t right)
{
    if (!c->sack_on || !s->cfg.tcp.dsack || !seq_lt(left, right) || !tcp_ooo_get(s, &c->ooo))
        return false;
    c->ooo->dsack_pending = true;
    c->ooo->dsack_left = left;
    c->ooo->dsack_right = right;
    return true;
}

/* The part of the segment's data below RCV.NXT was received before. */
static void note_old_data(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    uint32_t start = x->seq + (x->syn ? 1u : 0u);
    if (x->data_len > 0 && seq_lt(start, c->rcv_nxt))
        x->dup_noted = note_duplicate(s, c, start, seq_min(start + x->data_len, c->rcv_nxt));
}

/* RFC 7323 §3.2: once both SYNs carried timestamps, "the TSopt MUST be sent in every non-<RST>
 * segment", and "if a non-<RST> segment is received without a TSopt, a TCP SHOULD silently drop
 * the segment" — never abort the connection for it (MUST). drop_missing_timestamps off accepts
 * it, as Linux does. */
static bool lacks_timestamps(const weir_stack *s, const tcp_conn *c, const seg_ctx *x)
{
    return s->cfg.tcp.drop_missing_timestamps && c->ts_on && !x->seg->opt.has_timestamps &&
           !x->rst && c->state >= WEIR_TCP_SYN_RECEIVED;
}

/* RFC 7323 §5.3 R1 (PAWS): a segment whose TSval is older than TS.Recent is an old duplicate
 * — in a fast connection its sequence number may have wrapped into the window — and is dropped
 * with an ACK. A RST is exempt (§5.3 R1 names only non-RST segments); so is everything once
 * TS.Recent is more than 24 days old (§5.5: the peer's clock may have wrapped since). */
static bool paws_rejects(weir_stack *s, tcp_conn *c, const seg_ctx *x)
{
    const weir_tcp_options *o = &x->seg->opt;
    if (!c->ts_on || !o->has_timestamps || x->rst || c->state < WEIR_TCP_SYN_RECEIVED ||
        seq_geq(o->ts_val, c->ts_recent))
        return false;
    uint32_t idle_s = (uint32_t)(s->now_us / 1000000u) - c->ts_recent_s;
    if (idle_s > 24u * 24 * 3600) {
        c->ts_recent = o->ts_val; /* too old to compare with: start afresh */
        return false;
    }
    return true;
}

static step_result check_sequence(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    const weir_tcp_repr *seg = x->seg;
    /* TIME-WAIT: "The only thing that can arrive in this state is a retransmission of the
     * remote FIN. Acknowledge it, and restart the 2 MSL timeout" (§3.10.7.4, eighth step). Its
     * sequence number is already below RCV.NXT, so it is recognized here, before the test
     * would turn it away with a plain ACK. */
    if (c->state == WEIR_TCP_TIME_WAIT && x->fin && !x->rst &&
        seg->seq + x->data_len + 1 == c->rcv_nxt) {
        weir_count(s, WEIR_CTR_TCP_TIME_WAIT_RESTARTS);
        c->ack_now = true;
        tcp_enter_time_wait(s, c, "retransmitted FIN in TIME-WAIT");
        return STEP_DONE;
    }
    /* TIME-WAIT: anything but the exact bare ACK we expect (or a RST, RFC 1337, or a SYN, step
     * four) is answered with an ACK of the state we keep, so a confused peer resynchronizes; the
     * connection itself is over. Linux's tcp_timewait_state_process() and FreeBSD's tcp_twcheck()
     * behave the same way. */
    if (c->state == WEIR_TCP_TIME_WAIT && !x->rst && !x->syn) {
        if (!x->ack)
            return drop(s, x, WEIR_DROP_TCP_NO_ACK);
        if (!(x->data_len == 0 && !x->fin && seg->seq == c->rcv_nxt))
            return drop_and_ack(s, c, x, WEIR_DROP_TCP_SEQ_UNACCEPTABLE);
    }
    /* SYN-RECEIVED: the peer's SYN again means our SYN-ACK was lost; answer with the SYN-ACK
     * itself (as Linux does) rather than the bare ACK of the general rule. */
    if (c->state == WEIR_TCP_SYN_RECEIVED && x->syn && !x->ack && !x->rst && seg->seq == c->irs) {
        c->snd_nxt = c->iss;
        return STEP_DONE;
    }
    /* SYN-RECEIVED after a simultaneous open: the peer's SYN,ACK repeats the SYN we already
     * have. Figure 7 (line 6) shows it completing the open, so its SYN is trimmed as old and
     * its ACK goes on to step five. */
    if (c->state == WEIR_TCP_SYN_RECEIVED && x->syn && x->ack && seg->seq == c->irs) {
        x->syn = false;
        x->seq++;
    }
    if (lacks_timestamps(s, c, x))
        return drop(s, x, WEIR_DROP_TCP_NO_TSOPT);
    if (paws_rejects(s, c, x))
        return drop_and_ack(s, c, x, WEIR_DROP_TCP_PAWS);
    uint32_t wnd = rcv_window_now(s, c);
    uint32_t len = seg_len(x);
    if (!acceptable(c, x->seq, len, wnd)) {
        /* A zero window still takes valid ACKs, URGs and RSTs: keep the control, lose the text,
         * and answer with our window so the sender's probe learns it is still zero (§3.8.6.1). */
        if (wnd == 0 && x->seq == c->rcv_nxt) {
            if (x->data_len > 0 || x->fin)
                c->ack_now = true;
            x->data_len = 0;
            x->fin = false;
            return STEP_CONTINUE;
        }
        if (x->rst)
            return drop(s, x, WEIR_DROP_TCP_RST_UNACCEPTABLE);
        if (seq_leq(x->seq + len, c->rcv_nxt)) {
            weir_count(s, WEIR_CTR_TCP_DUP_SEGMENTS);
            note_old_data(s, c, x);
        }
        /* A retransmission that ends exactly at RCV.NXT (typically the peer's FIN again) is
         * all old, but its ACK field is news: "tailor" it to nothing and go on to the ACK
         * step (§3.10.7.4 allows this; BSD's todrop and Linux's tcp_sequence() do the same),
         * answering with an ACK. */
        if (len > 0 && x->seq + len == c->rcv_nxt && !x->syn) {
            x->seq = c->rcv_nxt;
            x->data_len = 0;
            x->fin = false;
            c->ack_now = true;
            return STEP_CONTINUE;
        }
        /* Not acceptable: send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and drop (§3.10.7.4). */
        return drop_and_ack(s, c, x, WEIR_DROP_TCP_SEQ_UNACCEPTABLE);
    }
    if (!x->rst)
        note_old_data(s, c, x);
    trim_to_window(c, x, wnd);
    return STEP_CONTINUE;
}

/* Step two: check the RST bit. */
static step_result reset_connection(weir_stack *s, tcp_conn *c)
{
    weir_count(s, WEIR_CTR_TCP_RST_RECEIVED);
    bool detached = c->handle < 0;
    switch (c->state) {
    case WEIR_TCP_SYN_RECEIVED:
        if (!c->active_open) {
            /* From a passive OPEN: "return this connection to LISTEN". The listener goes on;
             * this child record ends without troubling the application. */
            tcp_set_state(s, c, WEIR_TCP_CLOSED, "RST in SYN-RECEIVED: back to LISTEN");
            tcp_conn_reap(s, c);
            return detached ? STEP_GONE : STEP_DONE;
        }
        tcp_fail(s, c, WEIR_ECONNREFUSED, "connection refused (RST in SYN-RECEIVED)");
        break;
    default:
        /* RFC 9293 says only "enter CLOSED" for CLOSING and LAST-ACK; the application still
         * learns of the reset, as from Linux's tcp_reset() and FreeBSD. */
        tcp_fail(s, c, WEIR_ECONNRESET, "connection reset by peer");
        break;
    }
    tcp_conn_reap(s, c);
    return detached ? STEP_GONE : STEP_DONE;
}

static step_result check_rst(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    if (!x->rst)
        return STEP_CONTINUE;
    /* RFC 1337: a RST must not cut TIME-WAIT short (TIME-WAIT assassination). */
    if (c->state == WEIR_TCP_TIME_WAIT)
        return drop(s, x, WEIR_DROP_TCP_RST_TIME_WAIT);
    /* RFC 5961 §3.2: reset only on an exact match with RCV.NXT; an in-window RST gets a
     * challenge ACK. Without RFC 5961, any in-window RST resets (RFC 793). */
    if (s->cfg.tcp.rfc5961 && x->seg->seq != c->rcv_nxt)
        return challenge_ack(s, c, x, WEIR_DROP_TCP_RST_CHALLENGED);
    return reset_connection(s, c);
}

/* Step four: check the SYN bit (synchronized states, and SYN-RECEIVED). */
static step_result check_syn(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    if (!x->syn)
        return STEP_CONTINUE;
    if (c->state == WEIR_TCP_SYN_RECEIVED && !c->active_open) {
        /* "If the connection was initiated with a passive OPEN, return this connection to
         * the LISTEN state and return": the half-open child ends, the listener goes on. */
        bool detached = c->handle < 0;
        tcp_set_state(s, c, WEIR_TCP_CLOSED, "new SYN in SYN-RECEIVED: back to LISTEN");
        tcp_conn_reap(s, c);
        return detached ? STEP_GONE : STEP_DONE;
    }
    /* RFC 5961 §4 / RFC 9293: a SYN in a synchronized state gets a challenge ACK; a peer that
     * really restarted answers it with a RST that matches exactly. TIME-WAIT included while the
     * application still holds the handle: only the compact record, once it has let go, lets a
     * new incarnation in (RFC 6191, tcp_tw.c). That split is what the FreeBSD conformance
     * scripts (rcv-syn-time-wait-using-shutdown-*) call the standard behaviour. */
    if (s->cfg.tcp.rfc5961)
        return challenge_ack(s, c, x, WEIR_DROP_TCP_SYN_CHALLENGED);
    /* Without RFC 5961 (RFC 793): reset the connection. */
    tcp_send_rst_for(s, c);
    bool detached = c->handle < 0;
    tcp_fail(s, c, WEIR_ECONNRESET, "SYN in a synchronized state");
    tcp_conn_reap(s, c);
    return detached ? STEP_GONE : STEP_DONE;
}

/* Step five helpers. */

static void ack_send_buffer(weir_stack *s, tcp_conn *c, uint32_t ack)
{
    uint32_t acked_end = seq_min(ack, tcp_data_end_seq(c));
    if (!seq_gt(acked_end, c->snd_buf_seq))
        return;
    uint32_t n = acked_end - c->snd_buf_seq;
    tcp_ring_consume(&c->snd, n);
    c->snd_buf_seq += n;
    c->bytes_acked += n;
    tcp_ring_release_if_empty(s, &c->snd);
    if (!c->fin_queued)
        weir_sock_notify(s, c->handle, WEIR_EV_WRITABLE, 0);
}

/* The sender was using its window, so an ACK says the window can grow (RFC 7661: an
 * application-limited sender learns nothing about the path). In slow start, using half of it
 * counts: the window doubles each round trip, so half of it was the whole of it a round ago.
 * With slow_start_twice_flight, Linux's form of the same idea: slow start goes on while cwnd is
 * below twice the largest flight of the round (RFC 5681 allows either; it asks only that cwnd
 * grow by at most SMSS-based steps per ACK). */
static bool cwnd_limited(const weir_stack *s, const tcp_conn *c)
{
    uint32_t in_flight = tcp_in_flight(c);
    bool slow_start = c->cc.cwnd < c->cc.ssthresh;
    if (slow_start && s->cfg.tcp.slow_start_twice_flight
            ? c->cc.cwnd < 2ull * c->round_max_flight
            : slow_start && 2ull * in_flight >= c->cc.cwnd)
        return true;
    return in_flight + c->snd_mss > c->cc.cwnd;
}

/* RFC 7323 §4.1 (RTTM): the TSecr of an ACK echoes the TSval of a segment we sent, so now minus
 * TSecr is an RTT — of whichever transmission the peer took, which is why Karn's ambiguity does
 * not arise (RFC 6298 §3). Echoes that cannot be ours give no sample: 0 (what a peer sends when it
 * has nothing to echo), one from the future, one from before this connection began. Our TSval
 * ticks each millisecond, so the sample is counted from the start of the tick the segment was
 * stamped in: an upper bound (exact when sends fall on a tick), erring towards a longer RTO. */
static bool ts_rtt_sample(const weir_stack *s, const tcp_conn *c, const weir_tcp_repr *seg,
                          uint32_t *rtt_us)
{
    if (!c->ts_on || !seg->opt.has_timestamps || seg->opt.ts_ecr == 0)
        return false;
    uint32_t now = tcp_ts_now(s, c);
    uint32_t ms = now - seg->opt.ts_ecr;
    if ((int32_t)ms < 0 || ms > now - c->ts_first)
        return false;
    uint64_t us = (uint64_t)ms * 1000 + s->now_us % 1000;
    if (us > UINT32_MAX)
        return false;
    *rtt_us = (uint32_t)us;
    return true;
}

/* RTT sampling for an ACK that advances SND.UNA (from prior_una). With timestamps every such ACK
 * is a sample (RFC 7323 §4.1), weighted by RFC 7323 Appendix G: ExpectedSamples =
 * ceil(FlightSize / (2 * SMSS)) per window (2 for delayed ACKs). The timed segment (µs exact,
 * Karn-clean, RFC 6298 §3) is preferred when this ACK covers it; without timestamps it is the
 * only sample. A valid sample recomputes the RTO, which ends a backoff. */
static void sample_rtt(weir_stack *s, tcp_conn *c, const weir_tcp_repr *seg, uint32_t prior_una)
{
    uint32_t ts_us = 0;
    bool ts_ok = ts_rtt_sample(s, c, seg, &ts_us);
    uint32_t samples = 1;
    if (ts_ok) {
        uint32_t flight = c->snd_max - prior_una, per = 2u * c->snd_mss;
        samples = (flight + per - 1) / per;
    }
    if (c->rtt_measuring && seq_geq(seg->ack, c->rtt_seq)) {
        tcp_rtt_sample(s, c, (uint32_t)s->now_us - c->rtt_start, samples);
        c->rtt_measuring = false;
    } else if (ts_ok) {
        tcp_rtt_sample(s, c, ts_us, samples);
    }
}

/* SND.UNA moves to the ACK (§3.10.7.4, fifth step): RTT sample, send buffer, timers. The window
 * arithmetic is the caller's: NewReno's below for connections without SACK, tcp_sack.c's
 * otherwise. */
static void new_ack(weir_stack *s, tcp_conn *c, const weir_tcp_repr *seg)
{
    uint32_t ack = seg->ack;
    sample_rtt(s, c, seg, c->snd_una);
    c->snd_una = ack;
    if (!seq_gt(c->snd_up, ack))
        c->snd_up = ack; /* no urgent data unacknowledged: SND.UP follows SND.UNA (tcp_conn.h) */
    if (seq_lt(c->snd_nxt, ack))
        c->snd_nxt = ack; /* after a go-back-N rewind, the peer may have had more already */
    ack_send_buffer(s, c, ack);
    c->backoff = 0;
    c->dupacks = 0;
    c->tlp_sent = false;
    /* RFC 6298 (5.2)/(5.3): stop the timer when everything is acknowledged, else restart it
     * (as a tail loss probe when one is allowed). */
    if (c->snd_una == c->snd_max) {
        tcp_timer_stop(s, c, WEIR_TIMER_RETRANSMIT);
        c->tlp_armed = false;
    } else {
        tcp_arm_retransmit(s, c);
    }
}

static bool is_dup_ack(const tcp_conn *c, const seg_ctx *x)
{
    /* RFC 5681 §2 "DUPLICATE ACKNOWLEDGMENT", plus a non-zero window: answers to zero-window
     * probes repeat SND.UNA too, but say nothing about loss. Condition (e), an unchanged window,
     * is waived for an ACK carrying SACK blocks (RFC 6675 §2: such an ACK reports what arrived):
     * Linux opens its window while it buffers out-of-order data, so its duplicate ACKs would
     * otherwise never count and every loss would wait for the RTO. */
    bool same_window = ((uint32_t)x->seg->window << c->snd_wscale) == c->snd_wnd;
    bool reports_sack = c->sack_on && x->seg->opt.sack_count > 0;
    return x->seg->ack == c->snd_una && x->data_len == 0 && !x->fin && !x->syn &&
           (same_window || reports_sack) && x->seg->window != 0 && c->snd_una != c->snd_max;
}

static bool our_fin_acked(const tcp_conn *c)
{
    return c->fin_sent && seq_gt(c->snd_una, c->fin_seq);
}

/* Text that arrived on a SYN in SYN-SENT becomes readable once the connection is established. */
static void deliver_held_text(weir_stack *s, tcp_conn *c)
{
    uint32_t old = c->rcv_nxt;
    c->rcv_nxt = tcp_ooo_merge(s, &c->ooo, c->rcv_nxt);
    if (c->rcv_nxt == old)
        return;
    c->rcv.len += c->rcv_nxt - old;
    c->bytes_received += c->rcv_nxt - old;
    weir_sock_notify(s, c->handle, WEIR_EV_READABLE, 0);
    tcp_arm_delayed_ack(s, c);
}

/* SYN-RECEIVED: the ACK of our SYN completes the handshake. */
static step_result ack_in_syn_received(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    uint32_t ack = x->seg->ack;
    if (!(seq_lt(c->snd_una, ack) && seq_leq(ack, c->snd_max))) {
        /* "If the segment acknowledgment is not acceptable, form a reset segment
         * <SEQ=SEG.ACK><CTL=RST> and send it." */
        tcp_send_rst_reply(s, c->tos, x->src_ip, x->dst_ip, x->seg);
        return drop(s, x, WEIR_DROP_TCP_ACK_UNACCEPTABLE);
    }
    take_window(c, x);
    if (!s->cfg.tcp.time_syn_ack)
        c->rtt_measuring = false;
    tcp_set_state(s, c, WEIR_TCP_ESTABLISHED, "ACK of our SYN received: handshake complete");
    tcp_on_established(s, c);
    deliver_held_text(s, c);
    return STEP_CONTINUE;
}

/* Step five: check the ACK field. */
static step_result check_ack(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    /* "if the ACK bit is off, drop the segment and return" (§3.10.7.4, fifth step). */
    if (!x->ack)
        return drop(s, x, WEIR_DROP_TCP_NO_ACK);
    uint32_t ack = x->seg->ack;
    /* RFC 5961 §5: only ACKs in [SND.UNA - MAX.SND.WND, SND.NXT] are acceptable; others get
     * a challenge ACK, so blind data injection needs the right ACK too. */
    if (s->cfg.tcp.rfc5961 && c->state != WEIR_TCP_SYN_RECEIVED &&
        (seq_lt(ack, c->snd_una - c->max_snd_wnd) || seq_gt(ack, c->snd_max)))
        return challenge_ack(s, c, x, WEIR_DROP_TCP_ACK_UNACCEPTABLE);
    if (c->state == WEIR_TCP_SYN_RECEIVED) {
        step_result r = ack_in_syn_received(s, c, x);
        if (r != STEP_CONTINUE)
            return r;
    }
    if (c->state == WEIR_TCP_TIME_WAIT)
        return STEP_CONTINUE; /* only a FIN retransmission matters here (step one) */
    /* "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the
     * segment, and return." SND.NXT here is the highest ever sent (it rewinds on timeout). */
    if (seq_gt(ack, c->snd_max))
        return drop_and_ack(s, c, x, WEIR_DROP_TCP_ACK_UNSENT);
    /* Any acceptable ACK proves the peer alive: probes so far were answered (MUST-37: keep
     * probing a zero window for as long as the peer keeps acknowledging). */
    c->probes = 0;
    uint32_t prior_una = c->snd_una, prior_nxt = c->snd_nxt;
    bool limited = cwnd_limited(s, c);
    if (seq_gt(ack, c->snd_una))
        new_ack(s, c, x->seg);
    bool dup = c->snd_una == prior_una && is_dup_ack(c, x);
    if (tcp_sb_active(c))
        tcp_sack_on_ack(s, c, x->seg, prior_una, limited, dup);
    else
        tcp_newreno_on_ack(s, c, prior_una, prior_nxt, dup, limited);
    /* Window update (§3.10.7.4, fifth step): only from a segment newer than the last one that set
     * it, so an old reordered segment cannot shrink it. */
    if (seq_leq(c->snd_una, ack) && (seq_lt(c->snd_wl1, x->seg->seq) ||
                                     (c->snd_wl1 == x->seg->seq && seq_leq(c->snd_wl2, ack)))) {
        bool opened = c->snd_wnd == 0 && x->seg->window > 0;
        take_window(c, x);
        if (opened) {
            c->persist_shift = 0;
            tcp_timer_stop(s, c, WEIR_TIMER_PERSIST);
        }
    }
    switch (c->state) {
    case WEIR_TCP_FIN_WAIT_1:
        if (our_fin_acked(c)) {
            tcp_set_state(s, c, WEIR_TCP_FIN_WAIT_2, "our FIN is acknowledged");
            if (c->app_closed) /* nobody will read: bound the wait for the peer's FIN */
                tcp_timer_set(s, c, WEIR_TIMER_FIN_WAIT_2, s->now_us + 2 * s->cfg.tcp.msl_us);
        }
        break;
    case WEIR_TCP_CLOSING:
        if (our_fin_acked(c))
            tcp_enter_time_wait(s, c, "our FIN is acknowledged after simultaneous close");
        break;
    case WEIR_TCP_LAST_ACK:
        if (our_fin_acked(c)) {
            bool detached = c->handle < 0;
            tcp_set_state(s, c, WEIR_TCP_CLOSED, "the ACK of our FIN: connection closed");
            weir_sock_notify(s, c->handle, WEIR_EV_CLOSED, 0);
            tcp_conn_reap(s, c);
            return detached ? STEP_GONE : STEP_DONE;
        }
        break;
    default:
        break;
    }
    return STEP_CONTINUE;
}

/* Step six: check the URG bit (§3.10.7.4): "If the URG bit is set, RCV.UP <- max(RCV.UP,SEG.UP),
 * and signal the user that the remote side has urgent data if the urgent pointer (RCV.UP) is in
 * advance of the data consumed." SEG.UP is an offset from SEG.SEQ to the octet after the urgent
 * data (MUST-62); it may lie past this segment and past the window (urgent data of any length,
 * MUST-31: a sender's pointer field stops at 65535 and moves on with later segments), so it is
 * taken as it is — the sequence check already bounds SEG.SEQ, hence the pointer. The application
 * hears of it (WEIR_EV_URGENT) when the pointer moves ahead of both RCV.UP and the data it has
 * read: urgent data that was not pending is, or the pointer advanced (MUST-32). A pointer that
 * recedes, repeats, or points into data already read changes nothing, which is the robustness to
 * invalid pointers §3.8.5 asks for. SEG.UP = 0 is not special (BSD ignores it; Linux and the RFC
 * do not): it names SEG.SEQ, news only when unread bytes before it were not yet urgent.
 * weir_tcp_info.urgent_unread reports RCV.UP less the read position (MUST-33). The urgent bytes
 * stay in line (RFC 6093 advises it; no byte is taken out of band, as BSD's SO_OOBINLINE). Once
 * the peer's FIN is in (CLOSE-WAIT and on), URG is ignored, as the step says. */
static step_result check_urg(weir_stack *s, tcp_conn *c, const seg_ctx *x)
{
    if (!x->urg || !(c->state == WEIR_TCP_ESTABLISHED || c->state == WEIR_TCP_FIN_WAIT_1 ||
                     c->state == WEIR_TCP_FIN_WAIT_2))
        return STEP_CONTINUE;
    uint32_t up = x->seg->seq + x->seg->urgent;
    if (seq_gt(up, c->rcv_up) && seq_gt(up, tcp_rcv_read_seq(c))) {
        c->rcv_up = up;
        if (!c->rcv_shut) /* nobody will read it */
            weir_sock_notify(s, c->handle, WEIR_EV_URGENT, 0);
    }
    return STEP_CONTINUE;
}

/* Step seven: process the segment text. */
static bool accepts_text(weir_tcp_state st)
{
    return st == WEIR_TCP_ESTABLISHED || st == WEIR_TCP_FIN_WAIT_1 || st == WEIR_TCP_FIN_WAIT_2;
}

/* In-order data after a silence: the peer is (re)starting slow start and every ACK we hold back
 * halves its growth, so the next segments are ACKed at once (Linux's quick-ACK mode). The budget
 * is what the window lets the peer send in two round trips' worth of ACK-every-other-segment,
 * at least 2 and at most the configured number. */
static void note_data_arrival(weir_stack *s, tcp_conn *c)
{
    bool silence = !c->data_seen || (uint64_t)(tcp_now_ms(s) - c->last_data_rx_ms) * 1000u > c->rto;
    if (silence && s->cfg.tcp.quick_acks > 0) {
        uint32_t budget = tcp_rcv_window(c) / (2u * (c->snd_mss ? c->snd_mss : 536u));
        if (budget < 2)
            budget = 2;
        if (budget > s->cfg.tcp.quick_acks)
            budget = s->cfg.tcp.quick_acks;
        if (budget > c->quick_acks)
            c->quick_acks = (uint8_t)budget;
    }
    c->data_seen = true;
    c->last_data_rx_ms = tcp_now_ms(s);
}

/* Out of order, or filling (part of) a hole: ACK at once (RFC 5681 §4.2). In order: at once in
 * quick-ACK mode, else at least every 2*RMSS bytes (SHLD-19) and within the delayed-ACK time
 * (MUST-40). */
static void schedule_ack(weir_stack *s, tcp_conn *c, bool immediate, uint32_t len)
{
    if (immediate || s->cfg.tcp.delayed_ack_us == 0 || (c->quick_acks > 0 && !c->interactive)) {
        c->ack_now = true;
        s->ack_at_once |= immediate;
        return;
    }
    /* A full-sized segment is the MSS we advertised less the timestamp option it carries; the BSD
     * policy counts every segment as full. */
    uint32_t full = c->rcv_mss - (c->ts_on ? 12u : 0u);
    /* FreeBSD's DELAY_ACK() delays only segments of at most one MSS: a larger one (a peer's
     * TSO burst coalesced on the way) is ACKed at once. The MSS here bounds the segments the
     * peer sends: the one we advertised, not snd_mss, which bounds ours and follows the MSS
     * the peer advertised. Options are not taken off it, as FreeBSD's t_maxseg has none taken
     * off (since FreeBSD 11): a timestamped segment as long as the MSS is still delayed. */
    if (s->cfg.tcp.ack_every_second_segment && len > c->rcv_mss) {
        c->ack_now = true;
        return;
    }
    c->rcv_unacked += s->cfg.tcp.ack_every_second_segment ? full : len;
    if (c->rcv_unacked >= 2u * full)
        c->ack_now = true;
    else
        tcp_arm_delayed_ack(s, c);
}

/* Out-of-order data overlapping an island we already hold: its first overlap is a duplicate. */
static bool note_island_duplicate(weir_stack *s, tcp_conn *c, uint32_t left, uint32_t right)
{
    for (unsigned i = 0; i < tcp_ooo_count(c->ooo); i++) {
        uint32_t l = seq_max(left, c->ooo->left[i]), r = seq_min(right, c->ooo->right[i]);
        if (seq_lt(l, r))
            return note_duplicate(s, c, l, r);
    }
    return false;
}

static step_result process_text(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    if (x->data_len == 0)
        return STEP_CONTINUE;
    if (!accepts_text(c->state)) /* CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: after a FIN */
        return drop(s, x, WEIR_DROP_TCP_DATA_AFTER_FIN);
    if (c->app_closed) {
        /* Nobody will ever read this: tell the peer at once (RFC 1122 §4.2.2.13). The reset
         * answers this segment, so it takes §3.10.7.1's form, <SEQ=SEG.ACK><CTL=RST>: SEG.ACK is
         * exactly the peer's RCV.NXT, which a peer checking RFC 5961 §3.2 requires of a RST (our
         * SND.NXT is one beyond it when the peer never got our FIN), as Linux and FreeBSD do. */
        bool detached = c->handle < 0;
        weir_drop(s, WEIR_DROP_TCP_DATA_AFTER_CLOSE, x->frame, x->frame_len);
        tcp_send_rst_reply(s, c->tos, x->src_ip, x->dst_ip, x->seg);
        tcp_fail(s, c, WEIR_ECONNABORTED, "data arrived after close: reset");
        tcp_conn_reap(s, c);
        return detached ? STEP_GONE : STEP_DONE;
    }
    uint32_t offset = x->seq - c->rcv_nxt;
    uint32_t room = tcp_rcv_room(c);
    if (offset >= room)
        return drop_and_ack(s, c, x, WEIR_DROP_TCP_SEQ_UNACCEPTABLE);
    if (x->data_len > room - offset) { /* only text on a SYN-ACK can get here untrimmed */
        x->data_len = room - offset;
        x->fin = false;
    }
    if (tcp_ring_reserve(s, &c->rcv, c->rcv.len + offset + x->data_len, c->rcv.len + room) != 0)
        return drop(s, x, WEIR_DROP_TCP_OOO_FULL); /* out of memory: the peer will resend */
    if (offset > 0) {
        note_island_duplicate(s, c, x->seq, x->seq + x->data_len);
        if (!tcp_ooo_insert(s, &c->ooo, x->seq, x->seq + x->data_len)) {
            c->ack_now = true;
            return drop(s, x, WEIR_DROP_TCP_OOO_FULL);
        }
        tcp_ring_write_at(&c->rcv, c->rcv.len + offset, x->data, x->data_len);
        weir_count(s, WEIR_CTR_TCP_OOO_SEGMENTS);
        schedule_ack(s, c, true, x->data_len);
        return STEP_CONTINUE;
    }
    bool fills_hole = tcp_ooo_count(c->ooo) > 0;
    if (!c->rcv_shut)
        note_data_arrival(s, c); /* before the window shrinks: Linux sizes quick ACKs by the
                                    window it last offered */
    if (!x->dup_noted)           /* RFC 2883 §4.1.2 */
        x->dup_noted = note_island_duplicate(s, c, x->seq, x->seq + x->data_len);
    tcp_ring_write_at(&c->rcv, c->rcv.len, x->data, x->data_len);
    uint32_t old = c->rcv_nxt;
    c->rcv_nxt = tcp_ooo_merge(s, &c->ooo, c->rcv_nxt + x->data_len);
    uint32_t delivered = c->rcv_nxt - old;
    c->rcv.len += delivered;
    c->bytes_received += delivered;
    if (c->rcv_shut) { /* nobody will read it, and no reply will carry the ACK */
        tcp_discard_received(s, c);
        c->ack_now = true;
        return STEP_CONTINUE;
    }
    weir_sock_notify(s, c->handle, WEIR_EV_READABLE, 0);
    /* Filling a hole, or repeating data we had (its D-SACK must not wait): ACK at once. */
    schedule_ack(s, c, fills_hole || x->dup_noted, x->data_len);
    return STEP_CONTINUE;
}

/* Step eight: check the FIN bit. */
static void process_fin(weir_stack *s, tcp_conn *c)
{
    /* Advance RCV.NXT over the FIN (it takes one sequence number) and acknowledge it. */
    c->rcv_nxt++;
    c->fin_received = true;
    if (c->ooo) {
        c->ooo->fin_pending = false;
        tcp_ooo_tidy(s, &c->ooo);
    }
    /* In ESTABLISHED our own FIN may follow as soon as the application reads the end of stream
     * and can carry this ACK: the delay_fin_ack policy gives it the delayed-ACK time to, once
     * data has flowed (before that Linux's ACK timeout is still zero: the ACK goes at once). */
    if (s->cfg.tcp.delay_fin_ack && c->state == WEIR_TCP_ESTABLISHED && c->data_seen &&
        s->cfg.tcp.delayed_ack_us > 0) {
        tcp_arm_delayed_ack(s, c);
    } else {
        c->ack_now = true;
    }
    weir_sock_notify(s, c->handle, WEIR_EV_PEER_CLOSED, 0);
    weir_sock_notify(s, c->handle, WEIR_EV_READABLE, 0); /* recv() now reports end of stream */
    switch (c->state) {
    case WEIR_TCP_SYN_RECEIVED:
    case WEIR_TCP_ESTABLISHED:
        tcp_set_state(s, c, WEIR_TCP_CLOSE_WAIT, "FIN received: the peer has finished sending");
        break;
    case WEIR_TCP_FIN_WAIT_1:
        if (our_fin_acked(c))
            tcp_enter_time_wait(s, c, "FIN received and our FIN is acknowledged");
        else
            tcp_set_state(s, c, WEIR_TCP_CLOSING,
                          "FIN received before the ACK of ours: "
                          "simultaneous close");
        break;
    case WEIR_TCP_FIN_WAIT_2:
        tcp_enter_time_wait(s, c, "FIN received in FIN-WAIT-2");
        break;
    case WEIR_TCP_TIME_WAIT:
        tcp_enter_time_wait(s, c, "FIN again in TIME-WAIT");
        break;
    default: /* CLOSE-WAIT, CLOSING, LAST-ACK: remain */
        break;
    }
}

static step_result check_fin(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    if (x->fin && !c->fin_received) {
        uint32_t fin_seq = x->seq + x->data_len;
        if (fin_seq == c->rcv_nxt) {
            process_fin(s, c);
        } else if (seq_gt(fin_seq, c->rcv_nxt) && tcp_ooo_get(s, &c->ooo)) {
            /* Beyond a hole: remember it, and take it when the hole fills (out of memory, the
             * peer sends it again). */
            c->ooo->fin_pending = true;
            c->ooo->fin_seq = fin_seq;
        }
    } else if (c->ooo && c->ooo->fin_pending && c->ooo->fin_seq == c->rcv_nxt &&
               !c->fin_received) {
        process_fin(s, c);
    }
    return STEP_DONE;
}

/* The synchronized states (and SYN-RECEIVED): the steps of §3.10.7.4 in order. */
/* RFC 7323 §4.3 (2): remember the TSval of an acceptable segment that covers the edge we last
 * acknowledged, to echo it in our next ACK. */
static void update_ts_recent(const weir_stack *s, tcp_conn *c, const seg_ctx *x)
{
    if (c->ts_on && x->seg->opt.has_timestamps && seq_leq(x->seg->seq, c->last_ack_sent) &&
        seq_geq(x->seg->opt.ts_val, c->ts_recent)) {
        c->ts_recent = x->seg->opt.ts_val;
        c->ts_recent_s = (uint32_t)(s->now_us / 1000000u);
    }
}

/* RFC 3168 on an acceptable segment of an ECN connection, after its ACK was processed.
 * Receiver (§6.1.3): a CWR ends our ECN-Echo; a CE mark starts it, and is ACKed at once so that
 * the sender hears of the congestion within an RTT. Sender (§6.1.2): an ECN-Echo is congestion
 * as a loss is, without the retransmission: ssthresh and cwnd are reduced as for a loss (the
 * module's beta: 1/2 for NewReno, 0.7 for CUBIC, RFC 9438 §4.6), at most once per window of
 * data and not during fast recovery, which already reduced; the next new data carries CWR. */
static void ecn_input(weir_stack *s, tcp_conn *c, const seg_ctx *x)
{
    uint8_t flags = x->seg->flags;
    if (flags & WEIR_TCP_FLAG_CWR)
        c->ecn &= (uint8_t)~TCP_ECN_ECHO;
    if (x->ip_ecn == WEIR_IP_ECN_CE) {
        weir_count(s, WEIR_CTR_TCP_ECN_CE_RECEIVED);
        c->ecn |= TCP_ECN_ECHO;
        c->ack_now = true;
        s->ack_at_once = true;
    }
    /* Checked on every ACK, so ecn_high is never far behind (no wrap): the window is over. */
    if ((c->ecn & TCP_ECN_REDUCED) && seq_geq(c->snd_una, c->ecn_high))
        c->ecn &= (uint8_t)~TCP_ECN_REDUCED;
    if (!x->ack || !(flags & WEIR_TCP_FLAG_ECE) || (c->ecn & TCP_ECN_REDUCED) || c->in_recovery)
        return;
    weir_count(s, WEIR_CTR_TCP_ECN_REDUCTIONS);
    c->cc_ops->on_loss(&c->cc, tcp_flight_size(c), s->now_us);
    c->cc_ops->on_recovery_end(&c->cc, s->now_us);
    c->ecn |= TCP_ECN_REDUCED | TCP_ECN_SEND_CWR;
    c->ecn_high = c->snd_max;
}

static step_result synchronized_input(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    step_result r = check_sequence(s, c, x);
    if (r == STEP_CONTINUE)
        update_ts_recent(s, c, x);
    if (r == STEP_CONTINUE)
        r = check_rst(s, c, x);
    /* Third, the security check: weir has no security compartments (RFC 9293 §3.10.7.4). */
    if (r == STEP_CONTINUE)
        r = check_syn(s, c, x);
    if (r == STEP_CONTINUE)
        r = check_ack(s, c, x);
    if (r == STEP_CONTINUE && (c->ecn & TCP_ECN_OK))
        ecn_input(s, c, x);
    if (r == STEP_CONTINUE)
        r = check_urg(s, c, x);
    if (r == STEP_CONTINUE)
        r = process_text(s, c, x);
    if (r == STEP_CONTINUE)
        r = check_fin(s, c, x);
    return r;
}

/* After SYN-SENT turned into ESTABLISHED, the rest of the segment goes through steps six on. */
static step_result after_syn_sent(weir_stack *s, tcp_conn *c, seg_ctx *x)
{
    step_result r = check_urg(s, c, x);
    if (r == STEP_CONTINUE)
        r = process_text(s, c, x);
    if (r == STEP_CONTINUE)
        r = check_fin(s, c, x);
    return r;
}

void tcp_input(weir_stack *s, int netif, uint32_t src_ip, uint32_t dst_ip, const weir_tcp_repr *seg,
               const uint8_t *frame, size_t frame_len, uint8_t ip_ecn)
{
    (void)netif;
    s->ack_at_once = false;
    seg_ctx x = {.seg = seg,
                 .ip_ecn = ip_ecn,
                 .src_ip = src_ip,
                 .dst_ip = dst_ip,
                 .frame = frame,
                 .frame_len = frame_len,
                 .seq = seg->seq,
                 .data = seg->payload,
                 .data_len = (uint32_t)seg->payload_len};
    x.syn = seg->flags & WEIR_TCP_FLAG_SYN;
    x.fin = seg->flags & WEIR_TCP_FLAG_FIN;
    x.rst = seg->flags & WEIR_TCP_FLAG_RST;
    x.ack = seg->flags & WEIR_TCP_FLAG_ACK;
    x.urg = seg->flags & WEIR_TCP_FLAG_URG;
    if (x.syn && x.rst) { /* no stack sends this; it only probes for bugs */
        weir_drop(s, WEIR_DROP_TCP_BAD_FLAGS, frame, frame_len);
        return;
    }
    /* SYN and FIN together are legal: RFC 9293 §3.10.7.2 has a listener process "any other
     * control or text" combined with the SYN in SYN-RECEIVED (T/TCP, RFC 1644, sent them so).
     * Port scanners send them to fingerprint a stack; drop_synfin ignores them in every state,
     * before any lookup, so no SYN-ACK, challenge ACK or RST answers — as FreeBSD's
     * net.inet.tcp.drop_synfin: FreeBSD 4's tcp_input() tested it before the PCB lookup, as
     * here (later releases in the LISTEN path), and the freebsd-net/tcp-testsuite scripts
     * expect the silence in LISTEN, SYN-SENT and TIME-WAIT. */
    if (x.syn && x.fin && s->cfg.tcp.drop_synfin) {
        weir_drop(s, WEIR_DROP_TCP_SYN_FIN, frame, frame_len);
        return;
    }
    weir_tuple t = {.local_ip = dst_ip,
                    .remote_ip = src_ip,
                    .local_port = seg->dst_port,
                    .remote_port = seg->src_port};
    tcp_tw *tw;
    tcp_conn *c = tcp_table_demux(s, &t, &tw);
    if (!c) {
        if (tw) {
            if (weir_tracing(s))
                tcp_trace_tw_segment(s, tw, WEIR_TRACE_SEGMENT_IN, seg, src_ip, dst_ip);
            if (tcp_tw_input(s, tw, seg, frame, frame_len, &x.isn) == TCP_TW_CONSUMED)
                return;
            x.isn_given = true; /* RFC 6191: the record is gone, a listener may take the SYN */
        }
        tcp_conn *l = tcp_table_listener(s, dst_ip, seg->dst_port);
        if (weir_tracing(s))
            tcp_trace_segment(s, l, WEIR_TRACE_SEGMENT_IN, seg, src_ip, dst_ip, false);
        if (l)
            listen_input(s, l, &x);
        else
            closed_input(s, &x);
        return;
    }
    if (weir_tracing(s))
        tcp_trace_segment(s, c, WEIR_TRACE_SEGMENT_IN, seg, src_ip, dst_ip, false);
    c->segs_in++;
    step_result r;
    if (c->state == WEIR_TCP_SYN_SENT) {
        r = syn_sent_input(s, c, &x);
        if (r == STEP_CONTINUE)
            r = after_syn_sent(s, c, &x);
    } else {
        r = synchronized_input(s, c, &x);
    }
    if (r == STEP_GONE)
        return;
    if (c->keepalive && c->state >= WEIR_TCP_ESTABLISHED)
        tcp_arm_keepalive(s, c);
    tcp_output(s, c);
    tcp_conn_reap(s, c);
}
