/* tcp_output.c — everything the engine sends: SYN, SYN-ACK, data, FIN, ACKs, RSTs.
 *
 * Read RFC 9293 §3.8.6 (managing the window: sender SWS avoidance, MUST-38; receiver SWS
 * avoidance, MUST-39; zero-window probing, MUST-36) and §3.7.4 (Nagle, SHOULD-7). tcp_output()
 * looks at the connection and sends what it may: it is called after every event that could
 * allow more to go out (new data, an ACK, a window update, a timer). */
#include <string.h>

#include "tcp/tcp_conn.h"
#include "tcp/tcp_tw.h"
#include "wire/ipv4.h"

uint32_t tcp_data_end_seq(const tcp_conn *c) { return c->snd_buf_seq + c->snd.len; }

uint32_t tcp_flight_size(const tcp_conn *c) { return c->snd_nxt - c->snd_una; }

uint32_t tcp_in_flight(const tcp_conn *c)
{
    return tcp_sb_active(c) ? tcp_sb_pipe(c) : tcp_flight_size(c);
}

/* Room the congestion window leaves beside what is in flight. */
static uint32_t cwnd_room(const tcp_conn *c)
{
    uint32_t in_flight = tcp_in_flight(c);
    return c->cc.cwnd > in_flight ? c->cc.cwnd - in_flight : 0;
}

uint32_t tcp_loss_ssthresh(const tcp_conn *c)
{
    uint32_t half = tcp_flight_size(c) / 2;
    return half > 2u * c->snd_mss ? half : 2u * c->snd_mss;
}

uint32_t tcp_unsent_bytes(const tcp_conn *c)
{
    uint32_t end = tcp_data_end_seq(c);
    return seq_lt(c->snd_nxt, end) ? end - seq_max(c->snd_nxt, c->snd_buf_seq) : 0;
}

/* The window to offer: the free receive buffer, never smaller than what we already promised
 * (shrinking is discouraged, SHLD-14), capped at what the header can say. Receiver SWS avoidance
 * (MUST-39) in the form Linux and the BSDs use: a window below min(buffer/2, MSS) is never
 * offered (0 instead, until that much is free); a large window is offered whole, however little
 * its edge moved. */
uint32_t tcp_rcv_window(const tcp_conn *c)
{
    uint32_t unit = (uint32_t)1 << c->rcv_wscale;
    uint32_t cap = (uint32_t)65535 << c->rcv_wscale; /* a multiple of unit */
    uint32_t slack = unit - 1;
    uint32_t free_space = tcp_rcv_free(c);
    uint32_t small = c->rcv_cap / 2 < c->rcv_mss ? c->rcv_cap / 2 : c->rcv_mss;
    uint32_t wnd = free_space < small ? 0 : free_space;
    uint32_t promised = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    /* Only multiples of the scale can be said (RFC 7323 §2.3), so the edge we advertise is
     * exactly the one we record. The part of an earlier promise still open is rarely a
     * multiple (RCV.NXT moves by segment sizes): rounded down, the edge would retract by up to
     * unit - 1 bytes (RFC 7323 §2.4), and a sender filling the old window would have its last
     * bytes cut off and the window behind them arrive out of order. So free space is offered
     * less one unit of slack, rounded down, and a promise is rounded up (as Linux's
     * tcp_select_window does) — which the slack keeps inside the buffer; only if it would not
     * fit (promises rounded up again and again while nothing is read) does the edge retract.
     * Each ACK's rounding adds (bytes since the last ACK) mod unit, so a window filled without
     * a read creeps past the buffer by a few percent (2.8% for 1448-byte segments and a scale
     * of 7). An auto-tuned connection, whose scale fits its largest buffer rather than the one
     * it has, meets this on every burst that arrives faster than the application reads; its
     * buffer size is a target that grows anyway, so it honours such promises up to an eighth
     * past the buffer (process_text takes data up to the edge advertised) and its edge never
     * moves left in practice. A connection with a fixed buffer keeps to it, and retracts. */
    wnd = wnd > slack ? (wnd - slack) & ~slack : 0;
    if (wnd < promised) {
        uint64_t up = ((uint64_t)promised + slack) & ~(uint64_t)slack;
        uint64_t room = (uint64_t)free_space + (c->rcv_auto ? c->rcv_cap / 8 : 0);
        wnd = up <= room ? (uint32_t)up : promised & ~slack;
    }
    return wnd < cap ? wnd : cap;
}

uint32_t tcp_ts_clock(const weir_stack *s, uint32_t offset)
{
    return (uint32_t)(s->now_us / 1000) + offset; /* 1 ms ticks, as Linux */
}

uint32_t tcp_ts_now(const weir_stack *s, const tcp_conn *c) { return tcp_ts_clock(s, c->ts_offset); }

size_t tcp_sack_blocks(const tcp_conn *c, weir_tcp_options *o)
{
    const tcp_ooo *ooo = c->ooo;
    if (!c->sack_on || !ooo || (ooo->count == 0 && !ooo->dsack_pending))
        return 0;
    /* RFC 2883: a duplicate goes first, as a D-SACK block. RFC 2018 §4: then the block holding the
     * newest segment, then the other recent ones; three fit beside a timestamp, four without. */
    unsigned max = c->ts_on ? 3 : 4;
    unsigned n = 0;
    weir_tcp_sack_block blocks[WEIR_TCP_MAX_SACK_BLOCKS];
    if (ooo->dsack_pending)
        blocks[n++] = (weir_tcp_sack_block){ooo->dsack_left, ooo->dsack_right};
    unsigned idx[WEIR_TCP_MAX_SACK_BLOCKS];
    unsigned k = tcp_ooo_recent(ooo, idx, max - n);
    for (unsigned i = 0; i < k; i++)
        blocks[n++] = (weir_tcp_sack_block){ooo->left[idx[i]], ooo->right[idx[i]]};
    if (o) {
        o->sack_count = (uint8_t)n;
        memcpy(o->sack, blocks, n * sizeof blocks[0]);
    }
    return 4 + 8 * (size_t)n;
}

void tcp_syn_options(const weir_stack *s, const tcp_conn *c, weir_tcp_options *o)
{
    const weir_tcp_config *t = &s->cfg.tcp;
    bool offer = c->state == WEIR_TCP_SYN_SENT; /* a SYN offers; a SYN-ACK answers */
    /* WEIR_TCP_OPT_NOOPT, FreeBSD's TF_NOOPT (tcp_output.c and the syncache put no option, the
     * MSS included, on its SYNs): the MSS we can receive is then the 536 the peer assumes
     * (rcv_mss, tcp_syn_mss), which SHLD-5 lets go unsaid; the rest is negotiated off. */
    if (c->noopt)
        return;
    o->has_mss = true; /* MUST-14, SHLD-5/MAY-3: always say our MSS on a SYN */
    o->mss = c->rcv_mss;
    if (offer ? t->window_scale : c->ws_on) {
        o->has_wscale = true;
        o->wscale = c->rcv_wscale;
    }
    o->sack_permitted = offer ? t->sack : c->sack_on;
    if (offer ? t->timestamps : c->ts_on) {
        o->has_timestamps = true;
        o->ts_val = tcp_ts_now(s, c);
        o->ts_ecr = offer ? 0 : c->ts_recent;
    }
}

/* The segment part of a trace event (who sent it is the caller's part). */
static void segment_event(weir_trace_event *ev, weir_trace_kind kind, const weir_tcp_repr *r,
                          uint32_t src_ip, uint32_t dst_ip, bool retransmission)
{
    ev->kind = kind;
    weir_segment_info *g = &ev->seg;
    g->src_ip = src_ip;
    g->dst_ip = dst_ip;
    g->src_port = r->src_port;
    g->dst_port = r->dst_port;
    g->seq = r->seq;
    g->ack = r->ack;
    g->flags = r->flags;
    g->window = r->window;
    g->urgent = r->urgent;
    g->payload_len = (uint32_t)r->payload_len;
    g->seg_len = (uint32_t)r->payload_len + !!(r->flags & WEIR_TCP_FLAG_SYN) +
                 !!(r->flags & WEIR_TCP_FLAG_FIN);
    g->has_mss = r->opt.has_mss;
    g->mss = r->opt.mss;
    g->has_wscale = r->opt.has_wscale;
    g->wscale = r->opt.wscale;
    g->sack_permitted = r->opt.sack_permitted;
    g->has_timestamps = r->opt.has_timestamps;
    g->ts_val = r->opt.ts_val;
    g->ts_ecr = r->opt.ts_ecr;
    g->sack_count = r->opt.sack_count;
    for (unsigned i = 0; i < r->opt.sack_count && i < 4; i++) {
        g->sack_left[i] = r->opt.sack[i].left;
        g->sack_right[i] = r->opt.sack[i].right;
    }
    g->retransmission = retransmission;
}

void tcp_trace_segment(weir_stack *s, tcp_conn *c, weir_trace_kind kind, const weir_tcp_repr *r,
                       uint32_t src_ip, uint32_t dst_ip, bool retransmission)
{
    weir_trace_event ev = {.sock = c ? c->handle : -1};
    segment_event(&ev, kind, r, src_ip, dst_ip, retransmission);
    if (c) {
        ev.tuple = c->tuple;
        ev.iss = c->iss;
        ev.irs = c->irs;
        ev.old_state = ev.new_state = c->state;
    } else {
        bool out = kind == WEIR_TRACE_SEGMENT_OUT;
        ev.tuple.local_ip = out ? src_ip : dst_ip;
        ev.tuple.remote_ip = out ? dst_ip : src_ip;
        ev.tuple.local_port = out ? r->src_port : r->dst_port;
        ev.tuple.remote_port = out ? r->dst_port : r->src_port;
    }
    weir_trace_emit(s, &ev);
}

void tcp_trace_tw_segment(weir_stack *s, const tcp_tw *tw, weir_trace_kind kind,
                          const weir_tcp_repr *r, uint32_t src_ip, uint32_t dst_ip)
{
    weir_trace_event ev = tcp_tw_trace_event(tw);
    segment_event(&ev, kind, r, src_ip, dst_ip, false);
    weir_trace_emit(s, &ev);
}

/* A data segment's payload (data_repr left r->payload NULL) is copied straight from the send
 * ring to its place behind the header, once the header's length is known (fill_ack sets the
 * options): one copy per segment instead of ring -> scratch -> packet. */
static bool gather_payload(const tcp_conn *c, weir_tcp_repr *r, uint8_t *buf, size_t cap)
{
    if (r->payload != NULL || r->payload_len == 0)
        return true;
    size_t header_len = weir_tcp_header_len(r);
    if (header_len > WEIR_TCP_MAX_HEADER_LEN || cap < header_len + r->payload_len)
        return false; /* cannot happen: snd_mss fits the MTU, and emit would refuse it too */
    tcp_ring_read_at(&c->snd, r->seq - c->snd_buf_seq, buf + header_len,
                     (uint32_t)r->payload_len);
    r->payload = buf + header_len;
    return true;
}

/* Emit one segment. The payload, if any, is copied from `payload`, or from the send ring when
 * that is NULL (gather_payload). */
/* Build and send one segment for a connection `c` or a TIME-WAIT record `tw` (the other NULL),
 * with `tos` as its IPv4 TOS byte: the connection's (WEIR_TCP_OPT_TOS), handed to IP unchanged
 * (RFC 9293 §3.9.1.9, SHLD-22). */
static int emit_for(weir_stack *s, tcp_conn *c, const tcp_tw *tw, uint8_t tos, uint32_t src,
                    uint32_t dst, weir_tcp_repr *r, bool retransmission)
{
    size_t cap;
    uint8_t *buf = weir_ip_payload_buf(s, &cap);
    if (!buf)
        return WEIR_ENETUNREACH;
    if (!gather_payload(c, r, buf, cap))
        return WEIR_EMSGSIZE;
    /* Routed first: the interface may compute the checksum itself (checksum offload). */
    uint32_t hop;
    int netif = weir_ip_route_via(s, dst, &hop);
    bool checksum = !weir_netif_csum_offloaded(s, netif, WEIR_NETIF_CSUM_TCP);
    int n = weir_tcp_emit_csum(r, src, dst, buf, cap, checksum);
    if (n < 0)
        return WEIR_EMSGSIZE;
    if (weir_tracing(s) && tw)
        tcp_trace_tw_segment(s, tw, WEIR_TRACE_SEGMENT_OUT, r, src, dst);
    else if (weir_tracing(s))
        tcp_trace_segment(s, c, WEIR_TRACE_SEGMENT_OUT, r, src, dst, retransmission);
    weir_count(s, WEIR_CTR_TCP_SEGMENTS_OUT);
    if (r->flags & WEIR_TCP_FLAG_RST)
        weir_count(s, WEIR_CTR_TCP_RST_SENT);
    if (c)
        c->segs_out++;
    return weir_ip_send_via(s, netif, hop, src, dst, WEIR_IP_PROTO_TCP, tos, (size_t)n);
}

/* RFC 3168 §6.1.4–6.1.6: on an ECN connection new data goes ECT(0) — not retransmissions, not
 * window probes (sent into a zero window), not pure ACKs, SYNs or RSTs — and the first one
 * after a reduction carries CWR (§6.1.2). */
static uint8_t ecn_mark(tcp_conn *c, weir_tcp_repr *r, bool retransmission)
{
    if (!c || !(c->ecn & TCP_ECN_OK) || r->payload_len == 0 || retransmission || c->snd_wnd == 0)
        return 0;
    if (c->ecn & TCP_ECN_SEND_CWR) {
        r->flags |= WEIR_TCP_FLAG_CWR;
        c->ecn &= (uint8_t)~TCP_ECN_SEND_CWR;
    }
    return WEIR_IP_ECN_ECT0;
}

static int emit(weir_stack *s, tcp_conn *c, uint32_t src, uint32_t dst, weir_tcp_repr *r,
                bool retransmission)
{
    uint8_t tos = c ? c->tos : 0;
    tos |= ecn_mark(c, r, retransmission);
    return emit_for(s, c, NULL, tos, src, dst, r, retransmission);
}

static void base_repr(const tcp_conn *c, weir_tcp_repr *r)
{
    memset(r, 0, sizeof *r);
    r->src_port = c->tuple.local_port;
    r->dst_port = c->tuple.remote_port;
}

/* Urgent data we were given is not yet acknowledged (WEIR_TCP_SEND_URGENT): SND.UP is ahead of
 * SND.UNA (it follows SND.UNA otherwise, tcp_conn.h). */
static bool urgent_mode(const tcp_conn *c) { return seq_gt(c->snd_up, c->snd_una); }

/* RFC 9293 §3.8.5: "The method employs an urgent field that is carried in all segments
 * transmitted" — every segment (data, bare ACK, probe, retransmission) that starts before SND.UP
 * says URG, with the pointer as an offset from its SEG.SEQ to the octet after the urgent data
 * (MUST-62). The field has 16 bits; SND.UP further away than that is announced as 65535, and
 * the segments that follow move it on until it is exact (urgent data of any length, MUST-31).
 * Segments from SND.UP on carry no URG: "The absence of this flag indicates that there is no
 * urgent data outstanding." Not on a SYN: the peer is not synchronized to read one. */
static void set_urgent(const tcp_conn *c, weir_tcp_repr *r)
{
    if (!urgent_mode(c) || !seq_gt(c->snd_up, r->seq))
        return;
    uint32_t up = c->snd_up - r->seq;
    r->flags |= WEIR_TCP_FLAG_URG;
    r->urgent = (uint16_t)(up > 65535u ? 65535u : up);
}

/* Every segment but a RST carries our current window (recording the edge advertised), the
 * negotiated timestamps and SACK blocks, and, once we know the peer's ISN, an ACK (and the
 * urgent pointer, set_urgent). The window of a SYN is never scaled (RFC 7323 §2.2). */
static void fill_ack(weir_stack *s, tcp_conn *c, weir_tcp_repr *r)
{
    bool syn = r->flags & WEIR_TCP_FLAG_SYN;
    r->opt.bsd_layout = s->cfg.tcp.option_layout == WEIR_TCP_LAYOUT_BSD;
    if (c->state == WEIR_TCP_SYN_SENT) {
        /* With auto-tuning the scale offered is sized for the largest buffer, not the one we
         * start with, so the first scaled ACK may say less than the whole buffer: the SYN
         * offers what that ACK will (a whole number of units), or the edge would retract by
         * the rounding (SHLD-14). Otherwise the whole buffer, as the systems whose conformance
         * scripts we run do. */
        uint32_t wnd = c->rcv_auto ? tcp_rcv_window(c) : c->rcv_cap;
        r->window = (uint16_t)(wnd > 65535 ? 65535 : wnd);
        return;
    }
    r->flags |= WEIR_TCP_FLAG_ACK;
    r->ack = c->rcv_nxt;
    if (c->ecn & (syn ? TCP_ECN_OK : TCP_ECN_ECHO))
        r->flags |= WEIR_TCP_FLAG_ECE; /* RFC 3168: an ECN-setup SYN-ACK, or the ECN-Echo */
    uint32_t wnd = tcp_rcv_window(c);
    if (syn && wnd > 65535)
        wnd = 65535;
    r->window = (uint16_t)(syn ? wnd : wnd >> c->rcv_wscale);
    c->rcv_adv = c->rcv_nxt + wnd;
    if (c->quick_acks > 0 && c->rcv_nxt != c->last_ack_sent)
        c->quick_acks--; /* one quick ACK spent on new data */
    c->last_ack_sent = c->rcv_nxt;
    if (c->ts_on && !syn) {
        r->opt.has_timestamps = true;
        r->opt.ts_val = tcp_ts_now(s, c);
        r->opt.ts_ecr = c->ts_recent;
    }
    if (!syn && tcp_sack_blocks(c, &r->opt) > 0) {
        c->ooo->dsack_pending = false; /* a D-SACK is reported once */
        tcp_ooo_tidy(s, &c->ooo);
    }
    if (!syn)
        set_urgent(c, r);
    c->ack_now = false;
    c->ack_plain = false;
    c->rcv_unacked = 0;
    tcp_timer_stop(s, c, WEIR_TIMER_DELAYED_ACK);
}

static void sent_sequence_space(weir_stack *s, tcp_conn *c, uint32_t seq, uint32_t len)
{
    uint32_t end = seq + len;
    bool new_data = seq_gt(end, c->snd_max);
    if (new_data && !c->rtt_measuring) {
        /* Time one segment at a time; Karn's rule: never a retransmitted one (RFC 6298 §3). */
        c->rtt_measuring = true;
        c->rtt_seq = end;
        c->rtt_start = (uint32_t)s->now_us;
    }
    if (new_data) {
        c->snd_max = end;
        /* Data sent soon after data arrived looks like a reply: from now on our ACKs wait for
         * the next one rather than going out alone (quick-ACK mode is suspended). */
        if (c->data_seen &&
            (uint64_t)(tcp_now_ms(s) - c->last_data_rx_ms) * 1000u < s->cfg.tcp.delayed_ack_us)
            c->interactive = true;
    }
    tcp_retransmit_timer_on_send(s, c, new_data);
}

static void send_syn(weir_stack *s, tcp_conn *c)
{
    weir_tcp_repr r;
    base_repr(c, &r);
    r.flags = WEIR_TCP_FLAG_SYN;
    if (c->state == WEIR_TCP_SYN_SENT && s->cfg.tcp.ecn == WEIR_TCP_ECN_ON)
        r.flags |= WEIR_TCP_FLAG_ECE | WEIR_TCP_FLAG_CWR; /* RFC 3168 §6.1.1: ECN-setup SYN */
    r.seq = c->iss;
    tcp_syn_options(s, c, &r.opt);
    fill_ack(s, c, &r); /* SYN-ACK in SYN-RECEIVED (and when a simultaneous open resends) */
    bool retransmission = seq_gt(c->snd_max, c->iss);
    c->snd_nxt = c->iss + 1;
    if (retransmission)
        c->retransmits++;
    sent_sequence_space(s, c, c->iss, 1);
    emit(s, c, c->tuple.local_ip, c->tuple.remote_ip, &r, retransmission);
}

/* The largest payload of a data segment: the MSS (which already leaves room for timestamps)
 * less the SACK blocks our ACK would carry. */
static uint32_t payload_mss(const tcp_conn *c)
{
    return c->snd_mss - (uint32_t)tcp_sack_blocks(c, NULL);
}

/* What the peer's window still takes beyond SND.NXT, congestion window aside. */
static uint32_t peer_window_room(const tcp_conn *c)
{
    uint32_t limit = c->snd_una + c->snd_wnd;
    return seq_gt(limit, c->snd_nxt) ? limit - c->snd_nxt : 0;
}

/* Where the data we have sent ends (our FIN, if sent, follows it). */
static uint32_t sent_data_end(const tcp_conn *c) { return c->fin_sent ? c->fin_seq : c->snd_max; }

/* The application asked to hold short segments: the socket's cork, or this send's MORE. */
static bool corked(const tcp_conn *c) { return c->cork || c->send_more; }

/* Urgent bytes wait to be sent: SND.UP lies beyond SND.NXT. */
static bool urgent_unsent(const tcp_conn *c)
{
    return urgent_mode(c) && seq_gt(c->snd_up, c->snd_nxt);
}

/* Bytes to send in the next data segment, or 0 to wait (windows, cork, Nagle, SWS avoidance).
 * `began_idle`: nothing was unacknowledged when this tcp_output began. */
static uint32_t next_data_len(const weir_stack *s, const tcp_conn *c, bool began_idle, bool *fin)
{
    uint32_t end = tcp_data_end_seq(c);
    uint32_t avail = tcp_unsent_bytes(c);
    uint32_t wnd_room = peer_window_room(c);
    uint32_t room = cwnd_room(c);
    uint32_t usable = room < wnd_room ? room : wnd_room;
    uint32_t len = avail < usable ? avail : usable;
    uint32_t mss = payload_mss(c);
    if (len > mss)
        len = mss;
    /* FIN goes with (or after) the last byte; it needs no window of its own. */
    *fin = c->fin_queued && c->snd_nxt + len == end;
    if (len == 0)
        return 0;
    if (len < mss) {
        bool all_of_it = len == avail;
        /* nagle_whole_write: "unacknowledged data" is judged once per output, as BSD's
         * tcp_output does, so a write that finds the connection idle goes out whole, its short
         * tail included (Linux's Minshall variant, RFC 9293 Appendix A.3, sends it too). */
        bool idle = c->snd_nxt == c->snd_una || (began_idle && s->cfg.tcp.nagle_whole_write);
        /* SHLD-16 (§3.8.6): the peer shrank its window below data we sent (right edge at or
         * before SND.MAX); what it still covers is old data, resent at once up to the edge
         * (after an RTO's go-back-N), not held for SWS avoidance, which is about new data (as
         * BSD's tcp_output sends whenever SND.NXT < SND.MAX). */
        bool old_data_to_edge = len == wnd_room && seq_leq(c->snd_una + c->snd_wnd, c->snd_max);
        /* Sender SWS avoidance (MUST-38): a short segment only when it empties the buffer (and
         * Nagle agrees), or when it is at least half the largest window the peer offered. */
        if (!all_of_it && !old_data_to_edge && len < c->max_snd_wnd / 2)
            return 0;
        /* A FIN is never held, a push (NODELAY set) lets the queue go as it is, and so does
         * urgent data: it is there to "stimulate the receiving user" (§3.8.5), and Linux's
         * tcp_nagle_test exempts it too. */
        if (all_of_it && !*fin && !c->push_once && !urgent_unsent(c)) {
            /* Cork (WEIR_TCP_OPT_CORK, or WEIR_TCP_SEND_MORE for one call): the application
             * said more is coming, so a short tail waits even on an idle connection — for at
             * most WEIR_TCP_CORK_CEILING_US (maybe_arm_persist). RFC 9293 §3.7.4 lets a sender
             * hold data to fill segments; Nagle is the case below. */
            if (corked(c))
                return 0;
            /* Nagle (§3.7.4, SHLD-7): hold a short segment while data is unacknowledged. */
            if (!idle && !c->nodelay)
                return 0;
        }
    }
    return len;
}

/* A segment carrying `len` bytes of the send buffer from `seq` on. The payload pointer stays
 * NULL: emit() gathers the bytes from the ring straight into the packet (snd_mss fits the
 * interface MTU, so they fit). PSH marks the segment that empties the buffer (RFC 9293 §3.9.1:
 * the end of what the application handed over), unless the application said more follows
 * (WEIR_TCP_SEND_MORE), as Linux marks PSH only for a send without MSG_MORE. */
static void data_repr(const tcp_conn *c, uint32_t seq, uint32_t len, weir_tcp_repr *r)
{
    base_repr(c, r);
    r->seq = seq;
    if (len == 0)
        return;
    r->payload_len = len;
    if (seq + len == tcp_data_end_seq(c) && !c->more_tail)
        r->flags |= WEIR_TCP_FLAG_PSH;
}

/* Send again `len` bytes already sent, from `seq`, with our FIN when it follows them, without
 * moving SND.NXT. False when there is nothing to send. */
static bool resend(weir_stack *s, tcp_conn *c, uint32_t seq, uint32_t len)
{
    weir_tcp_repr r;
    data_repr(c, seq, len, &r);
    if (c->fin_sent && seq + len == c->fin_seq)
        r.flags |= WEIR_TCP_FLAG_FIN;
    if (len == 0 && !(r.flags & WEIR_TCP_FLAG_FIN))
        return false;
    fill_ack(s, c, &r);
    c->retransmits++;
    c->last_data_send_ms = tcp_now_ms(s);
    weir_count(s, WEIR_CTR_TCP_RETRANSMITS);
    tcp_sb_on_send(s, c, seq, len + !!(r.flags & WEIR_TCP_FLAG_FIN));
    emit(s, c, c->tuple.local_ip, c->tuple.remote_ip, &r, true);
    return true;
}

/* New data went out: the round's largest flight for slow start's test (tcp_input.c
 * cwnd_limited). A round ends once SND.UNA passes where it was when its largest flight was
 * recorded, as Linux's tcp_cwnd_validate keeps max_packets_out. */
static void note_round_flight(tcp_conn *c)
{
    uint32_t flight = c->snd_max - c->snd_una;
    if (seq_geq(c->snd_una, c->round_end) || flight > c->round_max_flight) {
        c->round_max_flight = flight;
        c->round_end = c->snd_nxt;
    }
}

/* Send `len` bytes from SND.NXT (and our FIN after them when `fin`). */
static void send_data_segment(weir_stack *s, tcp_conn *c, uint32_t len, bool fin)
{
    weir_tcp_repr r;
    data_repr(c, c->snd_nxt, len, &r);
    if (fin)
        r.flags |= WEIR_TCP_FLAG_FIN;
    fill_ack(s, c, &r);
    uint32_t seg_len = len + (fin ? 1 : 0);
    bool retransmission = seq_lt(c->snd_nxt, c->snd_max);
    if (retransmission) {
        c->retransmits++;
        weir_count(s, WEIR_CTR_TCP_RETRANSMITS);
    }
    if (fin) {
        c->fin_sent = true;
        c->fin_seq = c->snd_nxt + len;
        c->fin_alone = len == 0;
    }
    sent_sequence_space(s, c, c->snd_nxt, seg_len);
    tcp_sb_on_send(s, c, c->snd_nxt, seg_len);
    c->snd_nxt += seg_len;
    note_round_flight(c);
    c->last_data_send_ms = tcp_now_ms(s);
    c->output_timer = false; /* pace_after_send arms it again */
    tcp_timer_stop(s, c, WEIR_TIMER_PERSIST);
    emit(s, c, c->tuple.local_ip, c->tuple.remote_ip, &r, retransmission);
}

/* RFC 5681 §4.1: "a TCP SHOULD set cwnd to no more than RW before beginning transmission if the
 * TCP has not sent data in an interval exceeding the retransmission timeout" — the ACK clock has
 * drained, and the path may have changed, so a cwnd-sized burst would be a guess. RW = min(IW,
 * cwnd). Only with nothing in flight (a sender waiting on the peer's window or the ACKs is not
 * idle), and never before the first data (the window is the initial one then). */
static void restart_after_idle(weir_stack *s, tcp_conn *c)
{
    if (!s->cfg.tcp.slow_start_after_idle || c->last_data_send_ms == 0 ||
        c->snd_una != c->snd_max || tcp_unsent_bytes(c) == 0)
        return;
    uint64_t idle_us = (uint64_t)(tcp_now_ms(s) - c->last_data_send_ms) * 1000u;
    if (idle_us <= c->rto)
        return;
    c->cc_ops->on_idle_restart(&c->cc, tcp_initial_window(s, c->snd_mss), idle_us, s->now_us);
}

/* Whether the link our segments leave by takes a frame now (weir_tx_ready_fn: a NIC's ring, a
 * bounded queue). When it does not, the data stays in the send buffer rather than going to a
 * link that would drop it, as lwIP and smoltcp do with a full device: with data in flight, its
 * ACKs call tcp_output again; with none (or none an ACK will come for, after an RTO), nothing
 * would, so the persist timer becomes a short retry (output_timer; on_persist_timeout in
 * tcp_timer.c). */
static bool link_ready(weir_stack *s, const tcp_conn *c)
{
    uint32_t hop;
    if (!s->any_tx_ready || /* no interface can say busy: skip the route lookup */
        weir_netif_tx_ready(s, weir_ip_route_via(s, c->tuple.remote_ip, &hop)))
        return true;
    weir_count(s, WEIR_CTR_TCP_LINK_HELD);
    return false;
}

/* Whether an ACK is still to come for data in flight, to call tcp_output again: RFC 6675's pipe
 * on a SACK connection, else what lies between SND.UNA and SND.NXT (an RTO rewinds SND.NXT, and
 * marks a SACK flight lost: after one, no ACK is coming). */
static bool ack_will_come(const tcp_conn *c)
{
    return tcp_sb_active(c) ? tcp_sb_pipe(c) > 0 : c->snd_nxt != c->snd_una;
}

/* output_timer says what the persist timer is for only while it is armed: something else may
 * have stopped it (a window reopening stops the probe timer). */
static bool persist_armed(const tcp_conn *c)
{
    return tcp_timer_deadline(c, WEIR_TIMER_PERSIST) != UINT64_MAX;
}

static bool link_takes_segment(weir_stack *s, tcp_conn *c)
{
    if (link_ready(s, c))
        return true;
    if (!ack_will_come(c) && !(c->output_timer && persist_armed(c))) {
        c->output_timer = true;
        tcp_timer_set(s, c, WEIR_TIMER_PERSIST, s->now_us + WEIR_TCP_LINK_RETRY_US);
    }
    return false;
}

/* The same for a pure ACK: while the link is full, the ACK stays owed (ack_now) and goes with
 * the next segment we send, or when the delayed-ACK timer, brought forward to
 * WEIR_TCP_LINK_RETRY_US, fires. ACKs are cumulative, so under back-pressure they coalesce
 * instead of being built only for the link to drop them. */
static bool link_takes_ack(weir_stack *s, tcp_conn *c)
{
    if (link_ready(s, c))
        return true;
    uint64_t retry = s->now_us + WEIR_TCP_LINK_RETRY_US;
    if (tcp_timer_deadline(c, WEIR_TIMER_DELAYED_ACK) > retry)
        tcp_timer_set(s, c, WEIR_TIMER_DELAYED_ACK, retry);
    return false;
}

/* Pacing (WEIR_TCP_OPT_PACING): segments leave spaced by their share of the window per RTT
 * instead of as one burst — rate = cwnd / SRTT × 2 while the window is below half of ssthresh
 * (slow start doubles it each RTT, so the pace must keep ahead), × 1.2 after: Linux's internal
 * pacing (tcp_pacing_ss_ratio, tcp_pacing_ca_ratio). No RFC specifies it; RFC 9293 §3.8.2 and
 * RFC 5681 leave the sender free to send less than the window allows. The persist timer, free
 * while data is in flight, holds when the next segment may go (output_timer) and calls tcp_output
 * then (on_persist_timeout). Without an RTT sample there is no rate: no pacing. */
static bool pacing_wait(const weir_stack *s, const tcp_conn *c)
{
    return c->pacing && c->output_timer && persist_armed(c) &&
           tcp_timer_deadline(c, WEIR_TIMER_PERSIST) > s->now_us;
}

static void pace_after_send(weir_stack *s, tcp_conn *c, uint32_t len)
{
    if (!c->pacing || c->srtt == 0 || len == 0)
        return;
    uint64_t pct = c->cc.cwnd < c->cc.ssthresh / 2 ? 200 : 120;
    uint64_t gap_us = (uint64_t)len * c->srtt * 100u / ((uint64_t)c->cc.cwnd * pct + 1u);
    if (gap_us == 0)
        return; /* faster than the clock's µs: nothing to wait for */
    c->output_timer = true;
    tcp_timer_set(s, c, WEIR_TIMER_PERSIST, s->now_us + gap_us);
}

/* A data segment may go now: its paced time has come and the link takes it. */
static bool segment_may_go(weir_stack *s, tcp_conn *c)
{
    return !pacing_wait(s, c) && link_takes_segment(s, c);
}

/* RFC 6675 §4 NextSeg rule 1: a segment deemed lost goes before new data, when the congestion
 * window has room for it (PRR sets the window in recovery). */
static bool resend_lost(weir_stack *s, tcp_conn *c)
{
    uint32_t seq, len;
    if (!tcp_sb_next_lost(s, c, payload_mss(c), &seq, &len) || cwnd_room(c) < len ||
        !segment_may_go(s, c))
        return false;
    bool head = seq == c->snd_una;
    if (c->fin_sent && seq + len == c->fin_seq + 1)
        len--; /* the FIN is sent again after the data (resend adds it) */
    if (!resend(s, c, seq, len))
        return false;
    if (head)
        tcp_rto_restart(s, c);
    pace_after_send(s, c, len);
    return true;
}

/* RFC 6675 §4 NextSeg rule 3 (rack_loss_detection off): with nothing lost to resend and no new
 * data to send, a hole below the highest SACK goes again, within the window PRR allows. */
static bool resend_hole(weir_stack *s, tcp_conn *c)
{
    uint32_t seq, len;
    if (!tcp_sb_next_hole(s, c, payload_mss(c), &seq, &len) || cwnd_room(c) < len ||
        !segment_may_go(s, c) || !resend(s, c, seq, len))
        return false;
    pace_after_send(s, c, len);
    return true;
}

/* NextSeg rule 2: new data, as the windows, Nagle, cork, pacing and the link allow. False when
 * nothing more can go now. */
static bool send_new_data(weir_stack *s, tcp_conn *c, bool began_idle)
{
    bool fin;
    uint32_t len = next_data_len(s, c, began_idle, &fin);
    if ((len == 0 && !fin) || !segment_may_go(s, c))
        return false;
    send_data_segment(s, c, len, fin);
    pace_after_send(s, c, len);
    return !fin;
}

static void send_data(weir_stack *s, tcp_conn *c)
{
    bool began_idle = c->snd_max == c->snd_una;
    restart_after_idle(s, c);
    while (resend_lost(s, c))
        ;
    while (send_new_data(s, c, began_idle))
        ;
    while (resend_hole(s, c))
        ;
}

bool tcp_send_override(weir_stack *s, tcp_conn *c)
{
    uint32_t usable = peer_window_room(c);
    uint32_t len = tcp_unsent_bytes(c);
    if (usable == 0 || len == 0)
        return false;
    c->more_tail = false; /* waited long enough for more: the tail is pushed (PSH) */
    uint32_t mss = payload_mss(c);
    if (len > usable)
        len = usable;
    if (len > mss)
        len = mss;
    send_data_segment(s, c, len, false);
    return true;
}

/* Data waiting and nothing in flight, so no ACK will come to release it: either the window is
 * zero (MUST-36: probe it) or it is too small for sender SWS avoidance to use, which needs an
 * override timeout (MUST-38, rule 4), or a cork holds a short tail, which waits at most
 * WEIR_TCP_CORK_CEILING_US (Linux's ceiling: its probe timer sends the tail). The persist timer
 * does all three: when it fires, whatever the window takes goes. */
static void maybe_arm_persist(weir_stack *s, tcp_conn *c)
{
    if (tcp_unsent_bytes(c) == 0 || c->snd_nxt != c->snd_una ||
        tcp_timer_deadline(c, WEIR_TIMER_RETRANSMIT) != UINT64_MAX ||
        tcp_timer_deadline(c, WEIR_TIMER_PERSIST) != UINT64_MAX)
        return;
    uint64_t wait = tcp_persist_interval(s, c);
    if (corked(c) && peer_window_room(c) > 0)
        wait = WEIR_TCP_CORK_CEILING_US;
    c->output_timer = false; /* the timer is a probe (or the cork's ceiling) now */
    tcp_timer_set(s, c, WEIR_TIMER_PERSIST, s->now_us + wait);
}

void tcp_output(weir_stack *s, tcp_conn *c)
{
    switch (c->state) {
    case WEIR_TCP_CLOSED:
    case WEIR_TCP_LISTEN:
    case WEIR_TCP_TIME_WAIT:
        if (c->state == WEIR_TCP_TIME_WAIT && c->ack_now)
            tcp_send_ack(s, c);
        return;
    case WEIR_TCP_SYN_SENT:
    case WEIR_TCP_SYN_RECEIVED:
        if (c->snd_nxt == c->iss)
            send_syn(s, c);
        else if (c->ack_now)
            tcp_send_ack(s, c);
        return;
    default:
        break;
    }
    if (!tcp_syn_unacked(c)) {
        send_data(s, c);
    } else {
        /* A close in SYN-RECEIVED gets here with our SYN unacknowledged: resend it when a
         * timeout rewound it, and send the FIN right after it. */
        if (c->snd_nxt == c->iss)
            send_syn(s, c);
        if (c->fin_queued && !c->fin_sent && c->snd.len == 0 && c->snd_nxt == c->iss + 1)
            send_data(s, c);
    }
    maybe_arm_persist(s, c);
    if (c->ack_now)
        tcp_send_ack_or_hold(s, c);
}

/* RFC 9293 MUST-59: in an input burst, an ACK for in-order data waits for the burst's end, so
 * that one covers every segment of it. Not one that reports out-of-order data, a filled hole or
 * a duplicate (the sender counts those, RFC 5681 §4.2: ack_at_once), nor the answer to an
 * unacceptable segment. True when the ACK was left to wait (ack_now stays set: data sent before
 * the end carries it). */
static bool ack_waits_for_burst_end(weir_stack *s, tcp_conn *c)
{
    if (s->input_burst == 0 || s->ack_at_once || c->ack_plain || c->state < WEIR_TCP_ESTABLISHED)
        return false;
    for (uint32_t i = 0; i < s->acks_deferred; i++)
        if (s->ack_defer[i] == c)
            return true;
    if (s->acks_deferred == WEIR_INPUT_ACK_DEFER)
        return false; /* too many connections in one burst: this one ACKs at once */
    s->ack_defer[s->acks_deferred++] = c;
    return true;
}

void tcp_send_ack_or_hold(weir_stack *s, tcp_conn *c)
{
    if (ack_waits_for_burst_end(s, c) || !link_takes_ack(s, c))
        c->ack_now = true; /* owed: it goes later, or rides on the next segment */
    else
        tcp_send_ack(s, c);
}

void tcp_send_deferred_acks(weir_stack *s)
{
    /* Taken from the end: a record freed by its own ACK's failure leaves the list meanwhile. */
    while (s->acks_deferred > 0) {
        tcp_conn *c = s->ack_defer[--s->acks_deferred];
        if (c->ack_now)
            tcp_send_ack_or_hold(s, c);
    }
}

void tcp_forget_deferred_ack(weir_stack *s, tcp_conn *c)
{
    for (uint32_t i = 0; i < s->acks_deferred; i++)
        if (s->ack_defer[i] == c) {
            s->ack_defer[i] = s->ack_defer[--s->acks_deferred];
            return;
        }
}

/* Fast retransmit (RFC 5681 §3.2): resend the first unacknowledged segment now, whatever the
 * windows say, without disturbing snd_nxt. */
void tcp_retransmit_head(weir_stack *s, tcp_conn *c)
{
    if (tcp_syn_unacked(c)) {
        uint32_t saved = c->snd_nxt;
        c->snd_nxt = c->iss;
        send_syn(s, c);
        c->snd_nxt = seq_max(saved, c->snd_nxt);
        return;
    }
    /* Only what was sent before: a head shorter than one MSS (a partial ACK leaves one) must
     * not pull unsent bytes along, beyond SND.MAX, where the peer's ACK of them would be
     * "for data not yet sent" and dropped. */
    uint32_t end = sent_data_end(c);
    uint32_t len = seq_gt(end, c->snd_una) ? end - c->snd_una : 0;
    uint32_t mss = payload_mss(c);
    if (resend(s, c, c->snd_una, len < mss ? len : mss))
        tcp_rto_restart(s, c);
}

static void retransmit_last_segment(weir_stack *s, tcp_conn *c)
{
    uint32_t end = sent_data_end(c);
    uint32_t mss = payload_mss(c);
    uint32_t len = end - c->snd_una < mss ? end - c->snd_una : mss;
    if (c->fin_sent && c->fin_alone)
        len = 0; /* the last segment was the bare FIN */
    resend(s, c, end - len, len);
}

void tcp_send_probe_segment(weir_stack *s, tcp_conn *c)
{
    uint32_t usable = peer_window_room(c);
    uint32_t len = tcp_unsent_bytes(c);
    uint32_t mss = payload_mss(c);
    if (len > 0 && usable >= (len < mss ? len : mss) && c->snd_nxt == c->snd_max) {
        if (len > mss)
            len = mss;
        bool fin = c->fin_queued && c->snd_nxt + len == tcp_data_end_seq(c);
        send_data_segment(s, c, len, fin);
        return;
    }
    retransmit_last_segment(s, c);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> — except that after a timeout SND.NXT has been rewound to
 * SND.UNA for go-back-N, and an ACK carrying that old number would fail the peer's acceptability
 * test (it has received more) and be dropped with the news it carries; both sides rewound at once
 * would then deadlock. A segment without data or SYN/FIN uses the first never-sent number instead,
 * as BSD's tcp_output does. */
void tcp_send_ack(weir_stack *s, tcp_conn *c)
{
    weir_tcp_repr r;
    base_repr(c, &r);
    r.seq = c->snd_max;
    if (s->cfg.tcp.ack_repeats_fin && !c->ack_plain && c->fin_sent &&
        seq_leq(c->snd_una, c->fin_seq)) {
        r.flags = WEIR_TCP_FLAG_FIN; /* the BSD policy: the ACK retransmits our FIN */
        r.seq = c->fin_seq;
    }
    fill_ack(s, c, &r);
    r.flags |= WEIR_TCP_FLAG_ACK;
    emit(s, c, c->tuple.local_ip, c->tuple.remote_ip, &r, false);
}

/* A zero-window probe (§3.8.6.1, MUST-36): one byte of new data beyond the window. snd_nxt stays,
 * so the byte counts as sent only if the peer accepts it (its ACK then moves snd_nxt on).
 * §3.8.6.1 asks only that the probe make the peer report its window; with window_probe_bare_ack
 * it is Linux's (tcp_write_wakeup -> tcp_xmit_probe_skb): the keepalive's shape, SEG.SEQ =
 * SND.UNA-1 and no data, an old sequence number the peer must answer with an ACK carrying its
 * window (§3.10.7.4, first step), which then reopens the flow as any window update does. */
void tcp_send_window_probe(weir_stack *s, tcp_conn *c)
{
    weir_tcp_repr r;
    if (s->cfg.tcp.window_probe_bare_ack) {
        base_repr(c, &r);
        r.seq = c->snd_una - 1;
    } else {
        uint32_t len = tcp_unsent_bytes(c) > 0 ? 1 : 0;
        data_repr(c, c->snd_nxt, len, &r);
        c->snd_max = seq_max(c->snd_max, c->snd_nxt + len);
    }
    fill_ack(s, c, &r);
    weir_count(s, WEIR_CTR_TCP_PERSIST_PROBES);
    emit(s, c, c->tuple.local_ip, c->tuple.remote_ip, &r, false);
}

/* A keepalive probe (§3.8.4): SEG.SEQ = SND.NXT-1 with no data, which the peer must answer with
 * an ACK because it lies outside the window (§3.10.7.4, first step). */
void tcp_send_keepalive(weir_stack *s, tcp_conn *c)
{
    weir_tcp_repr r;
    base_repr(c, &r);
    r.seq = c->snd_una - 1;
    fill_ack(s, c, &r);
    weir_count(s, WEIR_CTR_TCP_KEEPALIVE_PROBES);
    emit(s, c, c->tuple.local_ip, c->tuple.remote_ip, &r, false);
}

/* <SEQ=SND.NXT><CTL=RST> (§3.10.5), with an ACK of RCV.NXT once the connection is established,
 * as Linux and the BSDs send it: the receiver validates a RST by its sequence number alone, and
 * the ACK tells it how far we got. A half-open record resets bare, as Linux's request sockets. */
void tcp_send_rst_for(weir_stack *s, tcp_conn *c)
{
    weir_tcp_repr r;
    base_repr(c, &r);
    r.seq = c->snd_max; /* SND.NXT, unrewound (see tcp_send_ack) */
    r.flags = WEIR_TCP_FLAG_RST;
    if (c->ts_on && c->state >= WEIR_TCP_ESTABLISHED) {
        /* RFC 7323 §4.2 leaves it open; Linux stamps its RSTs, and a peer checking PAWS on
         * RSTs (which §5.3 does not ask for) then still takes them. */
        r.opt.has_timestamps = true;
        r.opt.ts_val = tcp_ts_now(s, c);
        r.opt.ts_ecr = c->ts_recent;
    }
    if (c->state >= WEIR_TCP_ESTABLISHED) {
        r.flags |= WEIR_TCP_FLAG_ACK;
        r.ack = c->rcv_nxt;
    }
    emit(s, c, c->tuple.local_ip, c->tuple.remote_ip, &r, false);
}

void tcp_send_rst_reply(weir_stack *s, uint8_t tos, uint32_t src_ip, uint32_t dst_ip,
                        const weir_tcp_repr *seg)
{
    /* RFC 9293 §3.10.7.1: If the ACK bit is off, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>;
     * if it is on, <SEQ=SEG.ACK><CTL=RST>. Never in reply to a RST. */
    if (seg->flags & WEIR_TCP_FLAG_RST)
        return;
    weir_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.src_port = seg->dst_port;
    r.dst_port = seg->src_port;
    if (seg->flags & WEIR_TCP_FLAG_ACK) {
        r.seq = seg->ack;
        r.flags = WEIR_TCP_FLAG_RST;
    } else {
        uint32_t seg_len = (uint32_t)seg->payload_len + !!(seg->flags & WEIR_TCP_FLAG_SYN) +
                           !!(seg->flags & WEIR_TCP_FLAG_FIN);
        r.ack = seg->seq + seg_len;
        r.flags = WEIR_TCP_FLAG_RST | WEIR_TCP_FLAG_ACK;
    }
    emit_for(s, NULL, NULL, tos, dst_ip, src_ip, &r, false);
}

/* TIME-WAIT's only output (§3.10.7.4): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with the window the
 * connection last offered and, when negotiated, timestamps (our clock goes on: the offset is
 * the four-tuple's, tcp_ts_offset). */
void tcp_tw_send_ack(weir_stack *s, const tcp_tw *tw)
{
    weir_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.src_port = tw->tuple.local_port;
    r.dst_port = tw->tuple.remote_port;
    r.seq = tw->snd_nxt;
    r.ack = tw->rcv_nxt;
    r.flags = WEIR_TCP_FLAG_ACK;
    r.window = tw->window;
    r.opt.bsd_layout = s->cfg.tcp.option_layout == WEIR_TCP_LAYOUT_BSD;
    if (tw->flags & TCP_TW_TS_ON) {
        r.opt.has_timestamps = true;
        r.opt.ts_val = tcp_ts_clock(s, tcp_ts_offset(s, &tw->tuple));
        r.opt.ts_ecr = tw->ts_recent;
    }
    emit_for(s, NULL, tw, tw->tos, tw->tuple.local_ip, tw->tuple.remote_ip, &r, false);
}
