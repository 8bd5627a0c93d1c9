/* tcp_user.c — the user calls of RFC 9293 §3.10.1–§3.10.6 behind the public tcp.h API:
 * OPEN (listen, connect), SEND, RECEIVE, CLOSE, SHUTDOWN (half close), ABORT, STATUS (info).
 *
 * Every call validates its handle and the state first: misuse is an error code, never a crash. */
#include <string.h>

#include "tcp/tcp_conn.h"
#include "tcp/tcp_tw.h"
#include "wire/ipv4.h"

static int lookup(weir_stack *s, int sock, tcp_conn **out)
{
    if (!s)
        return WEIR_EINVAL;
    tcp_conn *c = weir_sock_conn(s, sock);
    if (!c)
        return WEIR_EBADF;
    *out = c;
    return 0;
}

int weir_tcp_socket(weir_stack *s)
{
    if (!s)
        return WEIR_EINVAL;
    tcp_conn *c = tcp_conn_new(s);
    if (!c)
        return WEIR_ENOBUFS;
    int h = weir_sock_alloc(s, c);
    if (h < 0) {
        tcp_conn_free(s, c);
        return h;
    }
    c->handle = h;
    return h;
}

int weir_tcp_bind(weir_stack *s, int sock, weir_endpoint local)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    if (c->state != WEIR_TCP_CLOSED || c->tuple.local_port != 0)
        return WEIR_EINVAL;
    if (local.ip != 0 && !weir_ip_is_local(s, local.ip))
        return WEIR_EINVAL;
    return tcp_table_bind_port(s, c, local.ip, local.port);
}

int weir_tcp_listen(weir_stack *s, int sock, int backlog)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    if (c->state != WEIR_TCP_CLOSED || c->tuple.local_port == 0 || c->error)
        return c->state == WEIR_TCP_LISTEN ? 0 : WEIR_EINVAL;
    if (backlog < 1)
        backlog = 1;
    if (backlog > WEIR_TCP_MAX_BACKLOG)
        backlog = WEIR_TCP_MAX_BACKLOG;
    /* Two sockets bound to one port with REUSEADDR: only one of them may listen on it. */
    if (tcp_table_other_listener(s, c, c->tuple.local_ip, c->tuple.local_port))
        return WEIR_EADDRINUSE;
    rc = tcp_table_listen(s, c, (uint16_t)backlog);
    if (rc)
        return rc;
    tcp_set_state(s, c, WEIR_TCP_LISTEN, "passive OPEN");
    return 0;
}

int weir_tcp_accept(weir_stack *s, int listener, weir_endpoint *peer)
{
    tcp_conn *l;
    int rc = lookup(s, listener, &l);
    if (rc)
        return rc;
    if (l->state != WEIR_TCP_LISTEN)
        return WEIR_EINVAL;
    tcp_listen_q *q = l->lq;
    tcp_conn *c = q->accept_head;
    if (!c)
        return WEIR_EAGAIN;
    int h = weir_sock_alloc(s, c);
    if (h < 0)
        return h; /* stays queued: the application can free a handle and try again */
    q->accept_head = c->accept_next;
    if (!q->accept_head)
        q->accept_tail = NULL;
    c->accept_next = NULL;
    c->listener = NULL;
    q->children--;
    c->handle = h;
    if (peer)
        *peer = (weir_endpoint){.ip = c->tuple.remote_ip, .port = c->tuple.remote_port};
    /* Tell the new handle what happened before it existed. */
    if (c->rcv.len > 0 || c->fin_received)
        weir_sock_notify(s, h, WEIR_EV_READABLE, 0);
    if (c->fin_received)
        weir_sock_notify(s, h, WEIR_EV_PEER_CLOSED, 0);
    weir_sock_notify(s, h, WEIR_EV_WRITABLE, 0);
    if (q->accept_head)
        weir_sock_notify(s, listener, WEIR_EV_ACCEPTABLE, 0);
    return h;
}

int weir_tcp_connect(weir_stack *s, int sock, weir_endpoint remote)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    if (c->state == WEIR_TCP_SYN_SENT || c->state == WEIR_TCP_SYN_RECEIVED)
        return WEIR_EALREADY;
    if (c->state != WEIR_TCP_CLOSED)
        return c->state == WEIR_TCP_LISTEN ? WEIR_EINVAL : WEIR_EISCONN;
    if (c->error || c->app_closed)
        return WEIR_EINVAL; /* a failed connection is not reused: open a new socket */
    /* MUST-46: "A TCP implementation MUST reject as an error a local OPEN call for an invalid
     * remote IP address (e.g., a broadcast or multicast address)": any address that names no
     * single host (RFC 1122 §3.2.1.3), judged on the interface the route would take. */
    int n = weir_ip_route(s, remote.ip);
    if (remote.port == 0 || weir_ip_not_single_host(s, n, remote.ip))
        return WEIR_EINVAL;
    if (n < 0)
        return WEIR_ENETUNREACH;
    weir_tuple t = c->tuple;
    if (t.local_ip == 0)
        t.local_ip = s->netifs[n].ip;
    t.remote_ip = remote.ip;
    t.remote_port = remote.port;
    bool isn_given;
    uint32_t isn;
    rc = tcp_table_connect_port(s, c, &t, &isn_given, &isn);
    if (rc)
        return rc;
    c->tuple = t;
    c->active_open = true;
    c->iss = isn_given ? isn : tcp_isn(s, &t);
    c->snd_una = c->snd_nxt = c->snd_max = c->snd_up = c->iss;
    c->snd_buf_seq = c->iss + 1;
    c->snd_mss = 536; /* until the peer says otherwise (MUST-15) */
    c->cc_ops->init(&c->cc, 536, 4u * 536);
    c->rcv_mss = tcp_syn_mss(c, tcp_our_mss(s, c));
    /* offered on the SYN */
    c->rcv_wscale = s->cfg.tcp.window_scale && !c->noopt ? tcp_wscale_for(s, c) : 0;
    c->ts_offset = tcp_ts_offset(s, &t);
    c->ts_first = tcp_ts_now(s, c);
    weir_count(s, WEIR_CTR_TCP_ACTIVE_OPENS);
    tcp_set_state(s, c, WEIR_TCP_SYN_SENT, "active OPEN: SYN sent");
    tcp_arm_connect_timeout(s, c);
    tcp_output(s, c);
    return 0;
}

/* A connection's error, reported once to each call that cannot proceed. */
static int conn_error_or(const tcp_conn *c, int otherwise)
{
    return c->error ? c->error : otherwise;
}

/* What weir_tcp_send would take now: the states it accepts data in (§3.10.2), before a FIN. */
static uint32_t send_space(const tcp_conn *c)
{
    bool open = c->state == WEIR_TCP_SYN_SENT || c->state == WEIR_TCP_SYN_RECEIVED ||
                c->state == WEIR_TCP_ESTABLISHED || c->state == WEIR_TCP_CLOSE_WAIT;
    return open && !c->fin_queued && c->snd.len < c->snd_cap ? c->snd_cap - c->snd.len : 0;
}

int weir_tcp_send(weir_stack *s, int sock, const void *data, size_t len)
{
    return weir_tcp_send_flags(s, sock, data, len, 0);
}

int weir_tcp_send_flags(weir_stack *s, int sock, const void *data, size_t len, int flags)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    bool urgent = (flags & WEIR_TCP_SEND_URGENT) != 0;
    if ((!data && len > 0) || (flags & ~(WEIR_TCP_SEND_MORE | WEIR_TCP_SEND_URGENT)) != 0 ||
        (urgent && len == 0)) /* §3.8.5: "the user must also send at least one data octet" */
        return WEIR_EINVAL;
    switch (c->state) {
    case WEIR_TCP_SYN_SENT:
    case WEIR_TCP_SYN_RECEIVED:
    case WEIR_TCP_ESTABLISHED:
    case WEIR_TCP_CLOSE_WAIT:
        break;
    case WEIR_TCP_CLOSED:
        return conn_error_or(c, WEIR_ENOTCONN);
    case WEIR_TCP_LISTEN:
        return WEIR_ENOTCONN;
    default:
        return WEIR_EPIPE; /* we already closed our sending side */
    }
    if (c->fin_queued)
        return WEIR_EPIPE;
    if (len == 0)
        return 0;
    uint32_t n = send_space(c);
    if (n == 0)
        return WEIR_EAGAIN;
    if (len < n)
        n = (uint32_t)len;
    if (tcp_ring_reserve(s, &c->snd, c->snd.len + n, c->snd_cap) != 0)
        return WEIR_ENOMEM;
    n = tcp_ring_append(&c->snd, data, n);
    /* New data ends a push (as Linux clears TCP_NAGLE_PUSH when it queues a new buffer), and a
     * MORE send holds its short tail for this call only: a later ACK or send decides afresh.
     * Urgent data is pushed, MORE or not (§3.9.1.2: a push enhances its timely delivery). */
    c->push_once = false;
    c->send_more = (flags & WEIR_TCP_SEND_MORE) != 0 && !urgent;
    c->more_tail = c->send_more;
    if (urgent)
        c->snd_up = tcp_data_end_seq(c); /* §3.10.2 SEND's "SND.UP <- SND.NXT", where the
                                            call's data ends (MUST-62) */
    uint32_t segs_out = c->segs_out;
    tcp_output(s, c);
    c->send_more = false;
    /* When no segment could go (a closed or small window), a bare ACK carries the pointer now,
     * as BSD's tcp_output sends one for a new SND.UP: the urgent indication is meant to reach
     * the peer even while flow control holds the data back. */
    if (urgent && c->segs_out == segs_out && c->state >= WEIR_TCP_ESTABLISHED)
        tcp_send_ack_or_hold(s, c);
    return (int)n;
}

/* Whether a window that grew by `grew` to `now` is worth announcing on its own. At least two
 * segments or half the buffer: the receiver side of SWS avoidance (MUST-39) asks for no less
 * than min(buffer/2, MSS). FreeBSD's tcp_output asks more of two segments, that they also be a
 * quarter of the buffer, unless the window is down to an eighth of it or the buffer holds at
 * most eight segments (window_update_quarter); fewer updates, the same RFC. */
static bool window_update_worth_it(const weir_stack *s, const tcp_conn *c, uint32_t grew,
                                   uint32_t now)
{
    if (2u * (uint64_t)grew >= c->rcv_cap)
        return true;
    if (!s->cfg.tcp.window_update_quarter)
        return grew >= 2u * c->rcv_mss;
    uint32_t mss = c->snd_mss ? c->snd_mss : c->rcv_mss; /* FreeBSD's t_maxseg */
    return grew >= 2u * mss &&
           (grew >= c->rcv_cap / 4 || now <= c->rcv_cap / 8 || c->rcv_cap <= 8u * mss);
}

/* After the application read, the window may have opened enough to be worth announcing, and
 * always when it had been closed. */
static void maybe_window_update(weir_stack *s, tcp_conn *c, uint32_t before)
{
    if (c->state < WEIR_TCP_ESTABLISHED || c->fin_received)
        return;
    uint32_t now = tcp_rcv_window(c);
    uint32_t grew = now > before ? now - before : 0;
    if (grew == 0)
        return;
    if (before == 0 || window_update_worth_it(s, c, grew, now))
        tcp_send_ack_or_hold(s, c);
}

uint32_t tcp_rcv_auto_max(const weir_stack *s, const tcp_conn *c)
{
    uint32_t max = c->rcv_auto ? s->cfg.tcp.recv_buffer_auto_max : 0;
    uint32_t window_max = (uint32_t)65535 << c->rcv_wscale; /* more could never be offered */
    return max < window_max ? max : window_max;
}

/* Receive-buffer auto-tuning, Linux's dynamic right-sizing (tcp_rcv_space_adjust). A sender
 * held back only by our window delivers one window per round trip; for it to go faster, the
 * window must hold what arrives in one RTT while the application is still reading what came
 * in the previous one: twice what the application reads per RTT. So, at the first read at
 * least one SRTT after the last look, the bytes read since then, scaled to one SRTT (a reader
 * that drains a full buffer once a second is slow, not fast), say what the buffer should be;
 * it grows to that, never past tcp_rcv_auto_max(), and never shrinks — the edge already
 * advertised must not move left (SHLD-14), and a buffer that stays large costs nothing while
 * it is empty. Only the limit grows: the ring still doubles as data needs room and is freed
 * when drained. The SRTT is the handshake's sample unless we send data too: a receiver-only
 * connection has no other, and the window-limited sender this is for keeps the path's queue
 * empty, so the handshake's RTT is the one that counts. */
static void rcv_space_adjust(weir_stack *s, tcp_conn *c, uint32_t read)
{
    uint32_t max = tcp_rcv_auto_max(s, c);
    if (max <= c->rcv_cap || c->srtt == 0 || c->state < WEIR_TCP_ESTABLISHED || c->fin_received)
        return;
    uint32_t now = (uint32_t)s->now_us;
    uint32_t elapsed = now - c->rcv_space_us; /* modulo 2^32: 71 minutes of µs */
    c->rcv_space_read =
        read > UINT32_MAX - c->rcv_space_read ? UINT32_MAX : c->rcv_space_read + read;
    if (elapsed < c->srtt)
        return;
    uint64_t want = (uint64_t)c->rcv_space_read * c->srtt / elapsed * 2u; /* no overflow */
    if (want > c->rcv_cap)
        c->rcv_cap = want < max ? (uint32_t)want : max;
    c->rcv_space_read = 0;
    c->rcv_space_us = now;
}

static int receive(weir_stack *s, int sock, void *buf, size_t cap, bool peek);

int weir_tcp_recv(weir_stack *s, int sock, void *buf, size_t cap)
{
    return receive(s, sock, buf, cap, false);
}

int weir_tcp_peek(weir_stack *s, int sock, void *buf, size_t cap)
{
    return receive(s, sock, buf, cap, true);
}

static int receive(weir_stack *s, int sock, void *buf, size_t cap, bool peek)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    if (!buf || cap == 0) /* 0 means end of stream: a zero-sized read could not be told apart */
        return WEIR_EINVAL;
    if (c->state == WEIR_TCP_LISTEN)
        return WEIR_ENOTCONN;
    if (c->rcv_shut)
        return 0;
    if (c->rcv.len > 0) {
        uint32_t before = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
        uint32_t n = c->rcv.len < cap ? c->rcv.len : (uint32_t)(cap > INT32_MAX ? INT32_MAX : cap);
        tcp_ring_read_at(&c->rcv, 0, buf, n);
        if (peek)
            return (int)n;
        tcp_ring_consume(&c->rcv, n);
        tcp_rcv_up_follow_read(c);
        if (tcp_ooo_count(c->ooo) == 0)
            tcp_ring_release_if_empty(s, &c->rcv);
        rcv_space_adjust(s, c, n);
        maybe_window_update(s, c, before);
        return (int)n;
    }
    if (c->fin_received)
        return 0; /* end of stream */
    if (c->error)
        return c->error;
    if (c->state == WEIR_TCP_CLOSED)
        return WEIR_ENOTCONN;
    return WEIR_EAGAIN;
}

/* Queue our FIN after the data (RFC 9293 §3.10.4 CLOSE, for the sending direction). */
static void close_send_side(weir_stack *s, tcp_conn *c)
{
    if (c->fin_queued)
        return;
    switch (c->state) {
    case WEIR_TCP_SYN_SENT:
        c->fin_queued = true; /* "queue for processing after entering ESTABLISHED" */
        return;
    case WEIR_TCP_SYN_RECEIVED:
    case WEIR_TCP_ESTABLISHED:
        c->fin_queued = true;
        tcp_set_state(s, c, WEIR_TCP_FIN_WAIT_1, "CLOSE: our FIN follows the queued data");
        break;
    case WEIR_TCP_CLOSE_WAIT:
        c->fin_queued = true;
        tcp_set_state(s, c, WEIR_TCP_LAST_ACK, "CLOSE after the peer's FIN: send ours");
        break;
    default:
        return;
    }
    tcp_output(s, c);
}

/* A handle of a connection that is (or is becoming) one: not CLOSED, not a listener. */
static int lookup_connection(weir_stack *s, int sock, tcp_conn **out)
{
    int rc = lookup(s, sock, out);
    if (rc)
        return rc;
    if ((*out)->state == WEIR_TCP_CLOSED || (*out)->state == WEIR_TCP_LISTEN)
        return conn_error_or(*out, WEIR_ENOTCONN);
    return 0;
}

int weir_tcp_shutdown(weir_stack *s, int sock)
{
    tcp_conn *c;
    int rc = lookup_connection(s, sock, &c);
    if (rc)
        return rc;
    close_send_side(s, c);
    return 0;
}

void tcp_discard_received(weir_stack *s, tcp_conn *c)
{
    tcp_ring_consume(&c->rcv, c->rcv.len);
    tcp_rcv_up_follow_read(c);
    if (tcp_ooo_count(c->ooo) == 0)
        tcp_ring_release_if_empty(s, &c->rcv);
}

int weir_tcp_shutdown_read(weir_stack *s, int sock)
{
    tcp_conn *c;
    int rc = lookup_connection(s, sock, &c);
    if (rc)
        return rc;
    c->rcv_shut = true;
    tcp_discard_received(s, c);
    return 0;
}

void tcp_on_established(weir_stack *s, tcp_conn *c)
{
    /* RFC 6298 (5.7): after a lost SYN or SYN-ACK, data starts with an RTO of 3 s unless a
     * sample was taken. */
    if (c->syn_retransmitted && c->srtt == 0 && c->rto < 3000000)
        c->rto = 3000000 > s->cfg.tcp.rto_max_us ? s->cfg.tcp.rto_max_us : 3000000;
    c->backoff = 0;
    c->rcv_space_us = (uint32_t)s->now_us; /* auto-tuning's first measurement starts */
    tcp_arm_keepalive(s, c);
    tcp_conn *l = tcp_child_listener(c);
    if (l) {
        tcp_listen_q *q = l->lq;
        if (q->accept_tail)
            q->accept_tail->accept_next = c;
        else
            q->accept_head = c;
        q->accept_tail = c;
        weir_sock_notify(s, l->handle, WEIR_EV_ACCEPTABLE, 0);
    } else {
        weir_sock_notify(s, c->handle, WEIR_EV_CONNECTED, 0);
        weir_sock_notify(s, c->handle, WEIR_EV_WRITABLE, 0);
    }
    if (c->fin_queued && c->state == WEIR_TCP_ESTABLISHED) {
        c->fin_queued = false; /* close_send_side sets it again with the state change */
        close_send_side(s, c);
    }
}

/* Reset every child of a listener that goes away (they were never accepted). */
static void reset_children(weir_stack *s, tcp_conn *l)
{
    for (tcp_conn *q = tcp_table_first(s); q; q = tcp_table_next(s, q))
        if (tcp_child_listener(q) == l && q->state >= WEIR_TCP_SYN_RECEIVED)
            tcp_send_rst_for(s, q);
}

static void detach(weir_stack *s, tcp_conn *c, int sock)
{
    weir_sock_release(s, sock);
    c->handle = -1;
    c->app_closed = true;
}

int weir_tcp_close(weir_stack *s, int sock)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    detach(s, c, sock);
    switch (c->state) {
    case WEIR_TCP_CLOSED:
        break;
    case WEIR_TCP_LISTEN:
        reset_children(s, c);
        tcp_set_state(s, c, WEIR_TCP_CLOSED, "CLOSE of a listening socket");
        break;
    case WEIR_TCP_SYN_SENT:
        tcp_set_state(s, c, WEIR_TCP_CLOSED, "CLOSE in SYN-SENT: nothing to tell the peer");
        break;
    default:
        if (c->rcv.len > 0 || tcp_ooo_count(c->ooo) > 0) {
            /* Unread data would be lost silently: reset instead, so the peer knows
             * (RFC 1122 §4.2.2.13, RFC 2525 §2.17). */
            if (c->state != WEIR_TCP_TIME_WAIT)
                tcp_send_rst_for(s, c);
            tcp_set_state(s, c, WEIR_TCP_CLOSED, "CLOSE with unread data: reset");
            break;
        }
        close_send_side(s, c);
        if (c->state == WEIR_TCP_FIN_WAIT_2)
            tcp_timer_set(s, c, WEIR_TIMER_FIN_WAIT_2, s->now_us + 2 * s->cfg.tcp.msl_us);
        break;
    }
    tcp_conn_reap(s, c);
    return 0;
}

int weir_tcp_abort(weir_stack *s, int sock)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    detach(s, c, sock);
    switch (c->state) {
    case WEIR_TCP_SYN_RECEIVED:
    case WEIR_TCP_ESTABLISHED:
    case WEIR_TCP_FIN_WAIT_1:
    case WEIR_TCP_FIN_WAIT_2:
    case WEIR_TCP_CLOSE_WAIT:
        /* §3.10.5: "Send a reset segment: <SEQ=SND.NXT><CTL=RST>". */
        tcp_send_rst_for(s, c);
        break;
    case WEIR_TCP_LISTEN:
        reset_children(s, c);
        break;
    default: /* CLOSED, SYN-SENT, CLOSING, LAST-ACK, TIME-WAIT: just delete the TCB */
        break;
    }
    if (c->state != WEIR_TCP_CLOSED)
        tcp_set_state(s, c, WEIR_TCP_CLOSED, "ABORT by the application");
    tcp_conn_reap(s, c);
    return 0;
}

/* Buffer sizes and the MSS shape the SYN and the buffers: they can change only before. */
static bool before_open(const tcp_conn *c) { return c->state == WEIR_TCP_CLOSED && !c->error; }

static void set_quick_ack(weir_stack *s, tcp_conn *c, bool on)
{
    if (on) {
        c->quick_acks = s->cfg.tcp.quick_acks > 0 ? s->cfg.tcp.quick_acks : 16;
        c->interactive = false;
        if (tcp_timer_deadline(c, WEIR_TIMER_DELAYED_ACK) != UINT64_MAX)
            tcp_send_ack(s, c);
    } else {
        /* As if data had just arrived, so only a later idle gap brings quick ACKs back. */
        c->quick_acks = 0;
        c->data_seen = true;
        c->last_data_rx_ms = tcp_now_ms(s);
    }
}

/* Switch modules: the window and threshold carry over, the new module's own state starts
 * afresh (as Linux's TCP_CONGESTION does). */
static int set_congestion_control(tcp_conn *c, int value)
{
    const tcp_cc_ops *ops = value >= 0 ? tcp_cc_find((weir_tcp_cc)value) : NULL;
    if (!ops)
        return WEIR_EINVAL;
    if (ops == c->cc_ops)
        return 0;
    tcp_cc_state old = c->cc;
    ops->init(&c->cc, old.mss, old.cwnd);
    c->cc.ssthresh = old.ssthresh;
    c->cc_ops = ops;
    return 0;
}

int weir_tcp_setopt(weir_stack *s, int sock, weir_tcp_option opt, int value)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    switch (opt) {
    case WEIR_TCP_OPT_NODELAY:
        c->nodelay = value != 0;
        c->push_once = c->nodelay; /* setting it pushes what is queued, corked or not */
        tcp_output(s, c);
        return 0;
    case WEIR_TCP_OPT_CORK:
        if (value != 0 && value != 1)
            return WEIR_EINVAL;
        c->cork = value == 1;
        if (!c->cork) {
            /* Uncorking sends the tail, still under Nagle unless NODELAY is on (Linux). */
            c->push_once = c->nodelay;
            tcp_output(s, c);
        }
        return 0;
    case WEIR_TCP_OPT_PACING:
        if (value != 0 && value != 1)
            return WEIR_EINVAL;
        c->pacing = value == 1;
        tcp_output(s, c); /* turned off: what waited for its time may go now */
        return 0;
    case WEIR_TCP_OPT_TOS:
        /* MUST-48, SHLD-21: any time; the next segment carries it. ECN bits: see tcp.h. */
        if (value < 0 || value > 255 || (value & WEIR_IP_ECN_MASK))
            return WEIR_EINVAL;
        c->tos = (uint8_t)value;
        return 0;
    case WEIR_TCP_OPT_KEEPALIVE:
        c->keepalive = value != 0;
        tcp_arm_keepalive(s, c);
        return 0;
    case WEIR_TCP_OPT_SNDBUF:
    case WEIR_TCP_OPT_RCVBUF:
        if (value < 1 || (opt == WEIR_TCP_OPT_RCVBUF && value > 65535 && !s->cfg.tcp.window_scale))
            return WEIR_EINVAL;
        if (!before_open(c) || c->snd.buf || c->rcv.buf)
            return WEIR_ESTATE;
        if (opt == WEIR_TCP_OPT_SNDBUF) {
            c->snd_cap = (uint32_t)value;
        } else {
            c->rcv_cap = (uint32_t)value;
            c->rcv_auto = false; /* the application chose: no auto-tuning, as Linux */
        }
        return 0;
    case WEIR_TCP_OPT_MAXSEG:
        if (value < 64 || value > 65535 - 40)
            return WEIR_EINVAL;
        if (!before_open(c))
            return WEIR_ESTATE;
        c->user_mss = (uint16_t)value;
        return 0;
    case WEIR_TCP_OPT_NOOPT:
        if (value != 0 && value != 1)
            return WEIR_EINVAL;
        if (!before_open(c))
            return WEIR_ESTATE;
        c->noopt = value == 1;
        return 0;
    case WEIR_TCP_OPT_KEEPIDLE:
    case WEIR_TCP_OPT_KEEPINTVL:
        if (value < 1 || value > WEIR_TCP_KEEP_MAX_S)
            return WEIR_EINVAL;
        if (opt == WEIR_TCP_OPT_KEEPIDLE)
            c->keepidle_s = (uint16_t)value;
        else
            c->keepintvl_s = (uint16_t)value;
        if (c->keepalive)
            tcp_arm_keepalive(s, c);
        return 0;
    case WEIR_TCP_OPT_KEEPCNT:
        if (value < 1 || value > 255)
            return WEIR_EINVAL;
        c->keepcnt = (uint8_t)value;
        return 0;
    case WEIR_TCP_OPT_REUSEADDR:
        if (value != 0 && value != 1)
            return WEIR_EINVAL;
        if (!before_open(c) || c->tuple.local_port != 0)
            return WEIR_ESTATE;
        c->reuse_addr = value == 1;
        return 0;
    case WEIR_TCP_OPT_SOFT_ERRORS:
        if (value != 0 && value != 1)
            return WEIR_EINVAL;
        c->soft_errors_off = value == 0;
        return 0;
    case WEIR_TCP_OPT_USER_TIMEOUT:
        if (value < 0) /* an int never exceeds WEIR_TCP_TIMEOUT_MAX_MS */
            return WEIR_EINVAL;
        /* Takes effect at the next expiry or probe; a stall under way counts from its start. */
        c->user_timeout_ms = (uint32_t)value;
        return 0;
    case WEIR_TCP_OPT_CONNECT_TIMEOUT:
        if (value < 0)
            return WEIR_EINVAL;
        if (!before_open(c))
            return WEIR_ESTATE;
        c->connect_timeout_ms = (uint32_t)value;
        return 0;
    case WEIR_TCP_OPT_QUICKACK:
        set_quick_ack(s, c, value != 0);
        return 0;
    case WEIR_TCP_OPT_CONGESTION:
        return set_congestion_control(c, value);
    }
    return WEIR_EINVAL;
}

int weir_tcp_getopt(weir_stack *s, int sock, weir_tcp_option opt, int *value)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    if (!value)
        return WEIR_EINVAL;
    switch (opt) {
    case WEIR_TCP_OPT_NODELAY:
        *value = c->nodelay;
        return 0;
    case WEIR_TCP_OPT_CORK:
        *value = c->cork;
        return 0;
    case WEIR_TCP_OPT_PACING:
        *value = c->pacing;
        return 0;
    case WEIR_TCP_OPT_NOOPT:
        *value = c->noopt;
        return 0;
    case WEIR_TCP_OPT_TOS:
        *value = c->tos;
        return 0;
    case WEIR_TCP_OPT_KEEPALIVE:
        *value = c->keepalive;
        return 0;
    case WEIR_TCP_OPT_SNDBUF:
        *value = (int)c->snd_cap;
        return 0;
    case WEIR_TCP_OPT_RCVBUF:
        *value = (int)c->rcv_cap;
        return 0;
    case WEIR_TCP_OPT_MAXSEG:
        *value = c->state >= WEIR_TCP_SYN_RECEIVED ? c->snd_mss : tcp_our_mss(s, c);
        return 0;
    case WEIR_TCP_OPT_KEEPIDLE:
        *value = (int)(tcp_keepidle_us(s, c) / 1000000u);
        return 0;
    case WEIR_TCP_OPT_KEEPINTVL:
        *value = (int)(tcp_keepintvl_us(s, c) / 1000000u);
        return 0;
    case WEIR_TCP_OPT_KEEPCNT:
        *value = c->keepcnt;
        return 0;
    case WEIR_TCP_OPT_REUSEADDR:
        *value = c->reuse_addr;
        return 0;
    case WEIR_TCP_OPT_SOFT_ERRORS:
        *value = !c->soft_errors_off;
        return 0;
    case WEIR_TCP_OPT_USER_TIMEOUT:
        *value = (int)c->user_timeout_ms;
        return 0;
    case WEIR_TCP_OPT_CONNECT_TIMEOUT:
        *value = (int)c->connect_timeout_ms;
        return 0;
    case WEIR_TCP_OPT_QUICKACK:
        *value = c->quick_acks > 0 && !c->interactive;
        return 0;
    case WEIR_TCP_OPT_CONGESTION:
        *value = c->cc_ops == &tcp_cc_newreno ? WEIR_TCP_CC_NEWRENO : WEIR_TCP_CC_CUBIC;
        return 0;
    }
    return WEIR_EINVAL;
}

static weir_tcp_conn_summary summary_of(const weir_tuple *t, weir_tcp_state state, int sock)
{
    return (weir_tcp_conn_summary){.local = {t->local_ip, t->local_port},
                                   .remote = {t->remote_ip, t->remote_port},
                                   .state = state,
                                   .sock = sock};
}

int weir_tcp_list(weir_stack *s, weir_tcp_conn_summary *out, int max)
{
    if (!s || max < 0 || (!out && max > 0))
        return WEIR_EINVAL;
    int n = 0;
    for (tcp_conn *c = tcp_table_first(s); c; c = tcp_table_next(s, c), n++)
        if (n < max)
            out[n] = summary_of(&c->tuple, c->state, c->handle);
    for (tcp_tw *tw = tcp_tw_oldest(s); tw; tw = tw->newer, n++) /* compact TIME-WAIT */
        if (n < max)
            out[n] = summary_of(&tw->tuple, WEIR_TCP_TIME_WAIT, -1);
    return n;
}

int weir_tcp_drop(weir_stack *s, weir_endpoint local, weir_endpoint remote)
{
    if (!s)
        return WEIR_EINVAL;
    weir_tuple t = {.local_ip = local.ip,
                    .remote_ip = remote.ip,
                    .local_port = local.port,
                    .remote_port = remote.port};
    tcp_tw *tw;
    tcp_conn *c = tcp_table_demux(s, &t, &tw);
    if (tw) {
        tcp_tw_free(s, tw); /* nothing to tell anyone: the connection was over */
        return 0;
    }
    if (!c || c->state == WEIR_TCP_LISTEN)
        return WEIR_ENOENT;
    if (c->state >= WEIR_TCP_SYN_RECEIVED && c->state != WEIR_TCP_TIME_WAIT)
        tcp_send_rst_for(s, c);
    tcp_fail(s, c, WEIR_ECONNABORTED, "dropped by the administrator");
    tcp_conn_reap(s, c);
    return 0;
}

static weir_tcp_ca_state ca_state(const tcp_conn *c)
{
    if (c->in_recovery)
        return WEIR_TCP_CA_RECOVERY;
    if (c->recover_after_rto && seq_lt(c->snd_una, c->recover))
        return WEIR_TCP_CA_LOSS;
    if (c->dupacks > 0 || tcp_sb_sacked(c) > 0)
        return WEIR_TCP_CA_DISORDER;
    return WEIR_TCP_CA_OPEN;
}

static void fill_recovery_info(const tcp_conn *c, weir_tcp_info *info)
{
    info->ca_state = ca_state(c);
    info->congestion_control =
        c->cc_ops == &tcp_cc_newreno ? WEIR_TCP_CC_NEWRENO : WEIR_TCP_CC_CUBIC;
    info->in_flight = tcp_in_flight(c);
    info->sacked = tcp_sb_sacked(c);
    info->lost = tcp_sb_lost(c);
    info->min_rtt_us = c->hist.min_rtt_us;
    info->reordering_seen = c->hist.reordering_seen;
    info->fast_recoveries = c->fast_recoveries;
    info->options =
        (c->ts_on ? WEIR_TCPI_OPT_TIMESTAMPS : 0u) | (c->sack_on ? WEIR_TCPI_OPT_SACK : 0u) |
        (c->ws_on ? WEIR_TCPI_OPT_WSCALE : 0u) |
        ((c->ecn & TCP_ECN_OK) && c->state >= WEIR_TCP_ESTABLISHED ? WEIR_TCPI_OPT_ECN : 0u);
    info->snd_wscale = c->snd_wscale;
    info->rcv_wscale = c->rcv_wscale;
}

int weir_tcp_get_info(weir_stack *s, int sock, weir_tcp_info *info)
{
    tcp_conn *c;
    int rc = lookup(s, sock, &c);
    if (rc)
        return rc;
    if (!info)
        return WEIR_EINVAL;
    memset(info, 0, sizeof *info);
    info->state = c->state;
    info->local = (weir_endpoint){c->tuple.local_ip, c->tuple.local_port};
    info->remote = (weir_endpoint){c->tuple.remote_ip, c->tuple.remote_port};
    info->iss = c->iss;
    info->irs = c->irs;
    info->snd_una = c->snd_una;
    info->snd_nxt = c->snd_nxt;
    info->snd_wnd = c->snd_wnd;
    info->rcv_nxt = c->rcv_nxt;
    info->rcv_wnd = c->state >= WEIR_TCP_SYN_RECEIVED ? tcp_rcv_window(c) : 0;
    info->snd_mss = c->snd_mss;
    info->rcv_mss = c->rcv_mss;
    info->srtt_us = c->srtt;
    info->rttvar_us = c->rttvar;
    info->rto_us = tcp_rto_timer(s, c);
    info->cwnd = c->cc.cwnd;
    info->ssthresh = c->cc.ssthresh;
    info->backoff = c->backoff;
    info->retransmits = c->retransmits;
    info->bytes_sent = c->bytes_acked;
    info->bytes_received = c->bytes_received;
    info->segs_in = c->segs_in;
    info->segs_out = c->segs_out;
    info->send_queued = c->snd.len;
    info->send_space = send_space(c);
    info->recv_queued = c->rcv.len;
    info->recv_buffer = c->rcv_cap;
    info->recv_buffer_alloc = c->rcv.buf ? c->rcv.cap : 0;
    info->error = c->error;
    uint32_t read = tcp_rcv_read_seq(c); /* MUST-33: how much urgent data remains to be read */
    info->urgent_unread = seq_gt(c->rcv_up, read) ? c->rcv_up - read : 0;
    fill_recovery_info(c, info);
    return 0;
}
