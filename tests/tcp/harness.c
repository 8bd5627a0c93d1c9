/* harness.c — see harness.h. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ipv4.h"

static harness *current; /* for h_teardown after a failed test */

/* ------------------------------------------------------------------------------------------ */
/* Failure reporting with the caller's location. */

static void h_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void h_fail_at(const char *file, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error("%s:%d: %s\n", file, line, msg);
    _fail(file, line);
}

const char *h_flags_str(uint8_t flags, char buf[16])
{
    char *p = buf;
    if (flags & H_SYN)
        *p++ = 'S';
    if (flags & H_FIN)
        *p++ = 'F';
    if (flags & H_RST)
        *p++ = 'R';
    if (flags & H_PSH)
        *p++ = 'P';
    if (flags & H_URG)
        *p++ = 'U';
    if (flags & H_ACK)
        *p++ = '.';
    if (p == buf) {
        strcpy(buf, "none");
        return buf;
    }
    *p = 0;
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* Callbacks given to the stack. */

static void h_random(void *ctx, void *buf, size_t len)
{
    harness *h = ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        /* splitmix64 */
        uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        p[i] = (uint8_t)(z ^ (z >> 31));
    }
}

static int h_tx_ready(void *ctx)
{
    const harness *h = ctx;
    return !h->link_busy;
}

static int h_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    harness *h = ctx;
    if (h->fcount == H_MAX_FRAMES || len > H_MTU) {
        h->frames_lost++;
        return 0;
    }
    struct h_frame *f = &h->frames[(h->fhead + h->fcount) % H_MAX_FRAMES];
    memcpy(f->buf, frame, len);
    f->len = len;
    f->t = weir_stack_now(h->s);
    h->fcount++;
    return 0;
}

static void h_trace(void *ctx, const weir_trace_event *ev)
{
    harness *h = ctx;
    switch (ev->kind) {
    case WEIR_TRACE_STATE:
        if (h->ntrans < H_MAX_TRANS) {
            h->trans[h->ntrans++] = (h_trans){.tuple = ev->tuple, .from = ev->old_state,
                                              .to = ev->new_state, .t = ev->now_us,
                                              .reason = ev->reason};
        }
        break;
    case WEIR_TRACE_DROP:
        if ((unsigned)ev->drop < WEIR_DROP_COUNT)
            h->drops[ev->drop]++;
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Life cycle. */

harness *h_new_config(void)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->frames = calloc(H_MAX_FRAMES, sizeof *h->frames);
    assert_non_null(h->frames);
    h->rng = 0x5eed5eed12345678ull;
    h->netif = -1;
    h->sock = h->lsock = -1;
    h->irs = H_PEER_ISN;
    h->pport = H_PEER_PORT;
    h->peer_mss = 1460;
    h->peer_win = H_WIN;
    h->now = 1000000; /* start at 1 s: time 0 hides off-by-one deadline bugs */
    weir_stack_config_init(&h->cfg);
    h->cfg.random = h_random;
    h->cfg.random_ctx = h;
    h->cfg.trace = h_trace;
    h->cfg.trace_ctx = h;
    current = h;
    return h;
}

void h_start(harness *h)
{
    assert_null(h->s);
    int rc = weir_stack_create(&h->cfg, &h->s);
    if (rc != 0)
        fail_msg("weir_stack_create: %s", weir_err_name(rc));
    weir_netif_config nc = {.name = "test0", .medium = WEIR_MEDIUM_IP, .mtu = H_MTU,
                            .ip = H_LOCAL_IP, .prefix_len = 24, .transmit = h_transmit,
                            .transmit_ctx = h, .tx_ready = h_tx_ready};
    h->netif = weir_netif_add(h->s, &nc);
    assert_true(h->netif >= 0);
    weir_stack_poll(h->s, h->now);
    h->mem_baseline = h_stats(h).mem_in_use;
}

harness *h_new(void)
{
    harness *h = h_new_config();
    h_start(h);
    return h;
}

harness *h_new_delayed_acks(void)
{
    harness *h = h_new_config();
    h->cfg.tcp.quick_acks = 0;
    h_start(h);
    return h;
}

static void h_free(harness *h)
{
    if (!h)
        return;
    weir_stack_destroy(h->s);
    free(h->frames);
    free(h);
    if (current == h)
        current = NULL;
}

int h_teardown(void **state)
{
    (void)state;
    h_free(current);
    current = NULL;
    return 0;
}

void h_track(harness *h, int sock)
{
    assert_true(h->nextra < H_MAX_SOCKS);
    h->extra[h->nextra++] = sock;
}

void h_finish_at(const char *file, int line, harness *h)
{
    /* Let go of everything the application holds. Aborting an already closed handle returns
     * WEIR_EBADF, which is fine here. */
    if (h->sock >= 0)
        (void)weir_tcp_abort(h->s, h->sock);
    if (h->lsock >= 0)
        (void)weir_tcp_abort(h->s, h->lsock);
    for (unsigned i = 0; i < h->nextra; i++)
        (void)weir_tcp_abort(h->s, h->extra[i]);
    h->sock = h->lsock = -1;
    h->nextra = 0;
    /* Run every timer out: connections the application closed finish on their own (2*MSL,
     * retry limits). */
    uint64_t end = h->now + 2 * h->cfg.tcp.msl_us + 1;
    for (int guard = 0; guard < 100000; guard++) {
        h_flush(h);
        uint64_t d = weir_stack_next_deadline(h->s);
        if (d == UINT64_MAX)
            break;
        h_advance_to(h, d > h->now ? d : h->now);
    }
    if (h->now < end)
        h_advance_to(h, end);
    h_flush(h);
    h_drain_events(h);
    weir_stats st = h_stats(h);
    if (st.tcp_conns + st.tcp_time_wait != 0)
        h_fail_at(file, line, "leak check: %u connection and %u TIME-WAIT record(s) still alive "
                              "at t=%llu us (next deadline %llu)",
                  st.tcp_conns, st.tcp_time_wait, (unsigned long long)h->now,
                  (unsigned long long)weir_stack_next_deadline(h->s));
    if (st.mem_in_use != h->mem_baseline)
        h_fail_at(file, line, "leak check: mem_in_use %llu, baseline %llu",
                  (unsigned long long)st.mem_in_use, (unsigned long long)h->mem_baseline);
    h_free(h);
}

/* ------------------------------------------------------------------------------------------ */
/* Peer -> stack. */

void h_inject(harness *h, weir_tcp_repr *r) { h_inject_from(h, H_PEER_IP, r); }

void h_inject_from(harness *h, uint32_t src_ip, weir_tcp_repr *r)
{
    if (r->src_port == 0)
        r->src_port = h->pport;
    if (r->dst_port == 0)
        r->dst_port = h->lport;
    static uint8_t frame[WEIR_IPV4_MAX_DATAGRAM]; /* the peer may send more than our MTU */
    int n = weir_tcp_emit(r, src_ip, H_LOCAL_IP, frame + WEIR_IPV4_MIN_HEADER,
                          sizeof frame - WEIR_IPV4_MIN_HEADER);
    assert_true(n > 0);
    weir_ipv4_repr ip = {.src = src_ip, .dst = H_LOCAL_IP, .protocol = WEIR_IP_PROTO_TCP,
                         .tos = h->peer_tos, .ttl = 64, .ident = 1, .dont_fragment = true,
                         .payload_len = (size_t)n};
    assert_int_equal(weir_ipv4_emit_header(&ip, frame, sizeof frame), WEIR_IPV4_MIN_HEADER);
    int rc = weir_netif_input(h->s, h->netif, frame, WEIR_IPV4_MIN_HEADER + (size_t)n, h->now);
    assert_int_equal(rc, 0);
}

void h_send_abs(harness *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                const void *payload, size_t len)
{
    weir_tcp_repr r = {.flags = flags, .seq = seq, .ack = (flags & H_ACK) ? ack : 0,
                       .window = win, .payload = payload, .payload_len = len};
    h_inject(h, &r);
}

void h_send(harness *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
            const void *payload, size_t len)
{
    weir_tcp_repr r = {.flags = flags, .seq = h->irs + seq,
                       .ack = (flags & H_ACK) ? h->iss + ack : 0, .window = win,
                       .payload = payload, .payload_len = len};
    if ((flags & H_SYN) && h->peer_mss) {
        r.opt.has_mss = true;
        r.opt.mss = h->peer_mss;
    }
    r.opt.sack_permitted = (flags & H_SYN) && h->peer_sack;
    h_inject(h, &r);
}

/* ------------------------------------------------------------------------------------------ */
/* Stack -> peer. */

unsigned h_pending(const harness *h) { return h->fcount; }

void h_flush(harness *h)
{
    h->fhead = 0;
    h->fcount = 0;
}

bool h_pop(harness *h, h_seg *out)
{
    if (h->fcount == 0)
        return false;
    struct h_frame *f = &h->frames[h->fhead];
    h->fhead = (h->fhead + 1) % H_MAX_FRAMES;
    h->fcount--;
    weir_ipv4_repr ip;
    weir_wire_status st = weir_ipv4_parse(f->buf, f->len, true, &ip);
    if (st != WEIR_WIRE_OK)
        fail_msg("stack sent a bad IPv4 packet: %s", weir_wire_status_name(st));
    assert_int_equal(ip.protocol, WEIR_IP_PROTO_TCP);
    assert_int_equal(ip.src, H_LOCAL_IP);
    assert_int_equal(ip.dst, H_PEER_IP);
    weir_tcp_repr r;
    st = weir_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, true, &r);
    if (st != WEIR_WIRE_OK)
        fail_msg("stack sent a bad TCP segment: %s", weir_wire_status_name(st));
    memset(out, 0, sizeof *out);
    out->src = ip.src;
    out->dst = ip.dst;
    out->sport = r.src_port;
    out->dport = r.dst_port;
    out->seq = r.seq;
    out->ack = r.ack;
    out->rseq = r.seq - h->iss;
    out->rack = r.ack - h->irs;
    out->flags = r.flags;
    out->tos = ip.tos;
    out->window = r.window;
    out->urgent = r.urgent;
    out->opt = r.opt;
    out->len = r.payload_len;
    if (r.payload_len)
        memcpy(out->data, r.payload, r.payload_len);
    out->t = f->t;
    return true;
}

static const h_seg *expect_common(const char *file, int line, harness *h, bool relative,
                                  uint8_t flags, uint32_t seq, uint32_t ack, size_t len)
{
    char fe[16], fg[16];
    const char *kind = relative ? "relative" : "absolute";
    if (!h_pop(h, &h->last))
        h_fail_at(file, line, "expected [%s] seq=%u ack=%u len=%zu (%s), got nothing (t=%llu)",
                  h_flags_str(flags, fe), seq, ack, len, kind, (unsigned long long)h->now);
    const h_seg *g = &h->last;
    uint32_t gseq = relative ? g->rseq : g->seq;
    uint32_t gack = relative ? g->rack : g->ack;
    bool ok = (g->flags & ~H_PSH) == (flags & ~H_PSH) && gseq == seq && g->len == len &&
              (!(flags & H_ACK) || gack == ack);
    if (!ok)
        h_fail_at(file, line,
                  "expected [%s] seq=%u ack=%u len=%zu (%s)\n"
                  "     got [%s] seq=%u ack=%u len=%zu win=%u at t=%llu",
                  h_flags_str(flags, fe), seq, ack, len, kind, h_flags_str(g->flags, fg), gseq,
                  gack, g->len, g->window, (unsigned long long)g->t);
    return g;
}

const h_seg *h_expect_at(const char *file, int line, harness *h, uint8_t flags, uint32_t seq,
                         uint32_t ack, size_t len)
{
    return expect_common(file, line, h, true, flags, seq, ack, len);
}

const h_seg *h_expect_abs_at(const char *file, int line, harness *h, uint8_t flags, uint32_t seq,
                             uint32_t ack, size_t len)
{
    return expect_common(file, line, h, false, flags, seq, ack, len);
}

void h_expect_none_at(const char *file, int line, harness *h)
{
    h_seg g;
    if (h_pop(h, &g)) {
        char f[16];
        h_fail_at(file, line, "expected no segment, got [%s] seq=%u ack=%u len=%zu win=%u "
                              "at t=%llu (%u more queued)",
                  h_flags_str(g.flags, f), g.rseq, g.rack, g.len, g.window,
                  (unsigned long long)g.t, h->fcount);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Time. */

void h_advance_to(harness *h, uint64_t t)
{
    assert_true(t >= h->now);
    h->now = t;
    weir_stack_poll(h->s, t);
}

void h_advance(harness *h, uint64_t us) { h_advance_to(h, h->now + us); }

uint64_t h_deadline(const harness *h) { return weir_stack_next_deadline(h->s); }

uint64_t h_run_to_deadline_at(const char *file, int line, harness *h)
{
    uint64_t d = weir_stack_next_deadline(h->s);
    if (d == UINT64_MAX)
        h_fail_at(file, line, "no deadline scheduled (t=%llu)", (unsigned long long)h->now);
    h_advance_to(h, d > h->now ? d : h->now);
    return h->now;
}

/* ------------------------------------------------------------------------------------------ */
/* State. */

static bool is_scripted(const harness *h, const weir_tuple *t)
{
    return t->remote_ip == H_PEER_IP && t->remote_port == h->pport && t->local_port == h->lport;
}

weir_tcp_state h_traced_state(const harness *h)
{
    for (unsigned i = h->ntrans; i-- > 0;)
        if (is_scripted(h, &h->trans[i].tuple))
            return h->trans[i].to;
    return WEIR_TCP_CLOSED;
}

weir_tcp_state h_state(harness *h)
{
    weir_tcp_info info;
    if (h->sock >= 0 && weir_tcp_get_info(h->s, h->sock, &info) == 0)
        return info.state;
    return h_traced_state(h);
}

void h_assert_state_at(const char *file, int line, harness *h, weir_tcp_state st)
{
    weir_tcp_state got = h_state(h);
    if (got != st)
        h_fail_at(file, line, "expected state %s, got %s", weir_tcp_state_name(st),
                  weir_tcp_state_name(got));
}

bool h_saw_edge(const harness *h, weir_tcp_state from, weir_tcp_state to)
{
    for (unsigned i = 0; i < h->ntrans; i++)
        if (is_scripted(h, &h->trans[i].tuple) && h->trans[i].from == from &&
            h->trans[i].to == to)
            return true;
    return false;
}

weir_tcp_info h_info(harness *h)
{
    weir_tcp_info info;
    int rc = weir_tcp_get_info(h->s, h->sock, &info);
    if (rc != 0)
        fail_msg("weir_tcp_get_info(%d): %s", h->sock, weir_err_name(rc));
    return info;
}

weir_stats h_stats(const harness *h)
{
    weir_stats st;
    weir_stats_get(h->s, &st);
    return st;
}

uint64_t h_counter(const harness *h, weir_counter c) { return h_stats(h).counters[c]; }

unsigned h_dropped(const harness *h, weir_drop_reason r) { return h->drops[r]; }

/* ------------------------------------------------------------------------------------------ */
/* Events. */

void h_drain_events(harness *h)
{
    weir_event ev;
    while (weir_stack_next_event(h->s, &ev)) {
        if (h->nevents < H_MAX_EVENTS)
            h->events[h->nevents++] = ev;
    }
}

static int take_event(harness *h, int sock, weir_event_type type, bool *found)
{
    h_drain_events(h);
    for (unsigned i = 0; i < h->nevents; i++) {
        if (h->events[i].sock == sock && h->events[i].type == type) {
            int err = h->events[i].err;
            memmove(&h->events[i], &h->events[i + 1], (h->nevents - i - 1) * sizeof h->events[0]);
            h->nevents--;
            *found = true;
            return err;
        }
    }
    *found = false;
    return 0;
}

static void event_log(const harness *h, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < h->nevents && off + 64 < cap; i++)
        off += (size_t)snprintf(buf + off, cap - off, " %s(sock=%d,err=%s)",
                                weir_event_name(h->events[i].type), h->events[i].sock,
                                weir_err_name(h->events[i].err));
    if (h->nevents == 0)
        snprintf(buf, cap, " (none)");
}

int h_expect_event_at(const char *file, int line, harness *h, int sock, weir_event_type type)
{
    bool found;
    int err = take_event(h, sock, type, &found);
    if (!found) {
        char log[1024];
        event_log(h, log, sizeof log);
        h_fail_at(file, line, "expected event %s on sock %d; pending:%s", weir_event_name(type),
                  sock, log);
    }
    return err;
}

void h_expect_error_at(const char *file, int line, harness *h, int sock, int err)
{
    int got = h_expect_event_at(file, line, h, sock, WEIR_EV_ERROR);
    if (got != err)
        h_fail_at(file, line, "expected ERROR %s, got %s", weir_err_name(err), weir_err_name(got));
}

bool h_has_event(harness *h, int sock, weir_event_type type)
{
    h_drain_events(h);
    for (unsigned i = 0; i < h->nevents; i++)
        if (h->events[i].sock == sock && h->events[i].type == type)
            return true;
    return false;
}

void h_clear_events(harness *h)
{
    h_drain_events(h);
    h->nevents = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The application. */

void h_pattern(uint8_t *buf, size_t len, uint32_t offset)
{
    for (size_t i = 0; i < len; i++) {
        uint32_t k = offset + (uint32_t)i;
        buf[i] = (uint8_t)(k * 7u + (k >> 8) * 13u + 1u);
    }
}

void h_app_send(harness *h, size_t n)
{
    static uint8_t buf[1 << 17];
    assert_true(n <= sizeof buf);
    h_pattern(buf, n, 0);
    int rc = weir_tcp_send(h->s, h->sock, buf, n);
    if (rc != (int)n)
        fail_msg("weir_tcp_send(%zu) returned %d (%s)", n, rc, rc < 0 ? weir_err_name(rc) : "");
}

int h_app_recv(harness *h, void *buf, size_t cap)
{
    int rc = weir_tcp_recv(h->s, h->sock, buf, cap);
    if (rc == WEIR_EAGAIN)
        return 0;
    if (rc < 0)
        fail_msg("weir_tcp_recv: %s", weir_err_name(rc));
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Factories. */

void h_listen(harness *h)
{
    h->lsock = weir_tcp_socket(h->s);
    assert_true(h->lsock >= 0);
    assert_int_equal(weir_tcp_bind(h->s, h->lsock, (weir_endpoint){H_LOCAL_IP, H_LISTEN_PORT}), 0);
    assert_int_equal(weir_tcp_listen(h->s, h->lsock, 8), 0);
    h->lport = H_LISTEN_PORT;
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, h->lsock, &info), 0);
    assert_int_equal(info.state, WEIR_TCP_LISTEN);
}

void h_syn_received(harness *h)
{
    h_listen(h);
    h_send(h, H_SYN, 0, 0, h->peer_win, NULL, 0);
    h_seg g;
    if (!h_pop(h, &g))
        fail_msg("no SYN-ACK in reply to the peer's SYN");
    if (g.flags != (H_SYN | H_ACK) || g.ack != h->irs + 1 || g.len != 0)
        fail_msg("bad SYN-ACK: flags 0x%x ack %u (want %u)", g.flags, g.ack, h->irs + 1);
    h->iss = g.seq;
    h->last = g;
    h->last.rseq = 0;
    h->last.rack = 1;
    h_assert_state(h, WEIR_TCP_SYN_RECEIVED);
    h_clear_events(h);
}

void h_established_passive(harness *h)
{
    h_syn_received(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 1, h->peer_win, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    weir_endpoint peer;
    h->sock = weir_tcp_accept(h->s, h->lsock, &peer);
    assert_true(h->sock >= 0);
    assert_int_equal(peer.ip, H_PEER_IP);
    assert_int_equal(peer.port, h->pport);
    h_clear_events(h);
}

void h_syn_sent(harness *h)
{
    h->sock = weir_tcp_socket(h->s);
    assert_true(h->sock >= 0);
    assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){H_PEER_IP, h->pport}), 0);
    h_seg g;
    if (!h_pop(h, &g))
        fail_msg("connect() sent no SYN");
    if (g.flags != H_SYN || g.len != 0)
        fail_msg("connect() sent flags 0x%x len %zu, not a bare SYN", g.flags, g.len);
    h->iss = g.seq;
    h->lport = g.sport;
    h->last = g;
    h->last.rseq = 0;
    assert_int_equal(g.dport, h->pport);
    h_assert_state(h, WEIR_TCP_SYN_SENT);
    h_clear_events(h);
}

void h_established_active(harness *h)
{
    h_syn_sent(h);
    h_advance(h, H_RTT);
    h_send(h, H_SYN | H_ACK, 0, 1, h->peer_win, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_expect_event(h, h->sock, WEIR_EV_CONNECTED);
    h_clear_events(h);
}

void h_fin_wait_1(harness *h)
{
    h_established_active(h);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_1);
    h_clear_events(h);
}

void h_fin_wait_2(harness *h)
{
    h_fin_wait_1(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 2, h->peer_win, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_2);
    h_clear_events(h);
}

void h_close_wait(harness *h)
{
    h_established_active(h);
    h_send(h, H_FIN | H_ACK, 1, 1, h->peer_win, NULL, 0);
    h_expect(h, H_ACK, 1, 2, 0);
    h_assert_state(h, WEIR_TCP_CLOSE_WAIT);
    h_clear_events(h);
}

void h_last_ack(harness *h)
{
    h_close_wait(h);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    h_expect(h, H_FIN | H_ACK, 1, 2, 0);
    h_assert_state(h, WEIR_TCP_LAST_ACK);
    h_clear_events(h);
}

void h_closing(harness *h)
{
    h_fin_wait_1(h);
    h_send(h, H_FIN | H_ACK, 1, 1, h->peer_win, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    h_assert_state(h, WEIR_TCP_CLOSING);
    h_clear_events(h);
}

void h_time_wait_released(harness *h)
{
    h_established_passive(h);
    assert_int_equal(weir_tcp_close(h->s, h->sock), 0);
    h->sock = -1;
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_send(h, H_FIN | H_ACK, 1, 2, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
}

void h_time_wait(harness *h)
{
    h_fin_wait_2(h);
    h_send(h, H_FIN | H_ACK, 1, 2, h->peer_win, NULL, 0);
    h_expect(h, H_ACK, 2, 2, 0);
    h_assert_state(h, WEIR_TCP_TIME_WAIT);
    h_clear_events(h);
}
