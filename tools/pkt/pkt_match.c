/* pkt_match.c — script packets on the wire (README §2.3): inbound ones built and injected,
 * outbound ones taken from the capture queue and compared with the script.
 *
 * Sequence space: the peer's numbers are the script's own (its ISN, usually 0, is used as is), so
 * inbound seq and outbound ack are never rewritten. Our side's numbers are offset by
 * seq_off = live ISN - script ISN, learned from each outbound SYN/SYN-ACK: inbound ack and SACK
 * blocks get + seq_off, outbound seq gets - seq_off. Timestamps: each outbound TS val is
 * remembered as script val -> live val, and inbound ACKs' TS ecr go through that table.
 *
 * Strict mode is packetdrill's: flags (PSH included), seq, ack, window when given, urgent
 * pointer, the option list kind by kind in order with NOP/EOL padding and the data offset.
 * Relaxed mode (--relaxed) compares options as a set ignoring NOP/EOL, ignores PSH, compares ack
 * only when the script sets the ACK flag, and checks the window only where it is the point:
 * scripts of the wscale and zerowin topics, and any expected window of 0 — never on a RST. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkt_run.h"

/* ---- rendering, for failure messages ------------------------------------------------------- */

static void flags_str(uint16_t f, char *b)
{
    static const char k_letters[] = "SFRPUEWA";
    static const uint16_t k_bits[] = {PKT_SYN, PKT_FIN, PKT_RST, PKT_PSH,
                                      PKT_URG, PKT_ECE, PKT_CWR, PKT_AE};
    char *p = b;
    for (int i = 0; i < 8; i++)
        if (f & k_bits[i])
            *p++ = k_letters[i];
    if (f & PKT_ACK)
        *p++ = '.';
    if (p == b)
        *p++ = '-';
    *p = 0;
}

static size_t opts_str(const pkt_opt *o, int n, char *b, size_t cap)
{
    size_t k = 0;
    k += (size_t)snprintf(b + k, cap - k, "<");
    for (int i = 0; i < n && k < cap; i++) {
        const char *sep = i ? "," : "";
        switch (o[i].kind) {
        case PO_NOP:
            k += (size_t)snprintf(b + k, cap - k, "%snop", sep);
            break;
        case PO_EOL:
            k += (size_t)snprintf(b + k, cap - k, "%seol", sep);
            break;
        case PO_MSS:
            k += (size_t)snprintf(b + k, cap - k, "%smss %" PRIu32, sep, o[i].val);
            break;
        case PO_WSCALE:
            k += (size_t)snprintf(b + k, cap - k, "%swscale %" PRIu32, sep, o[i].val);
            break;
        case PO_SACKOK:
            k += (size_t)snprintf(b + k, cap - k, "%ssackOK", sep);
            break;
        case PO_SACK:
            k += (size_t)snprintf(b + k, cap - k, "%ssack", sep);
            for (int j = 0; j < o[i].nblocks && k < cap; j++)
                k += (size_t)snprintf(b + k, cap - k, " %" PRIu32 ":%" PRIu32, o[i].left[j],
                                      o[i].right[j]);
            break;
        case PO_TS:
            k += (size_t)snprintf(b + k, cap - k, "%sTS val %" PRIu32 " ecr %" PRIu32, sep,
                                  o[i].val, o[i].ecr);
            break;
        default:
            k += (size_t)snprintf(b + k, cap - k, "%s%s", sep, o[i].name ? o[i].name : "?");
            break;
        }
    }
    if (k < cap)
        k += (size_t)snprintf(b + k, cap - k, ">");
    return k;
}

/* "S. 0:0(0) ack 1 win 65535 <mss 1460>" of a live segment, seq already in script space. */
static void seg_str(const pkt_seg *s, uint32_t seq, char *b, size_t cap)
{
    char f[12];
    flags_str(s->flags, f);
    int k = snprintf(b, cap, "%s %" PRIu32 ":%" PRIu32 "(%" PRIu32 ")", f, seq, seq + s->len,
                     s->len);
    if (k > 0 && (size_t)k < cap && (s->flags & PKT_ACK))
        k += snprintf(b + k, cap - (size_t)k, " ack %" PRIu32, s->ack);
    if (k > 0 && (size_t)k < cap)
        k += snprintf(b + k, cap - (size_t)k, " win %u", s->win);
    if (k > 0 && (size_t)k < cap && s->nopts) {
        b[k++] = ' ';
        opts_str(s->opts, s->nopts, b + k, cap - (size_t)k);
    }
}

/* ---- sequence and timestamp mapping -------------------------------------------------------- */

static void ts_remember(pkt_runner *R, uint32_t script_val, uint32_t live_val)
{
    for (int i = 0; i < R->nts; i++)
        if (R->ts_script[i] == script_val) {
            R->ts_live[i] = live_val;
            return;
        }
    if (R->nts < PKT_MAX_TS) {
        R->ts_script[R->nts] = script_val;
        R->ts_live[R->nts] = live_val;
        R->nts++;
    }
}

static uint32_t ts_map_ecr(const pkt_runner *R, uint32_t ecr)
{
    for (int i = R->nts - 1; i >= 0; i--)
        if (R->ts_script[i] == ecr)
            return R->ts_live[i];
    if (ecr == 0 || R->nts == 0)
        return ecr;
    /* A value never seen: rebase on the first one observed (packetdrill would reject it). */
    return ecr - R->ts_script[0] + R->ts_live[0];
}

static void set_passive_flow(pkt_runner *R)
{
    if (R->flow_known)
        return;
    R->flow_known = true;
    R->lport = PKT_LISTEN_PORT;
    R->rport = PKT_PEER_PORT;
}

/* ---- inbound ----------------------------------------------------------------------------- */

static void log_seg(const pkt_runner *R, int64_t t, const char *dir, const pkt_seg *s,
                    uint32_t seq)
{
    if (!R->o->verbose || R->o->log == NULL)
        return;
    char b[320];
    seg_str(s, seq, b, sizeof b);
    fprintf(R->o->log, "    %8.3f  %s %s\n", (double)t / 1e6, dir, b);
}

/* An inbound segment as the script wrote it: its ACK and SACK blocks back in the script's
 * numbering (the wire carries weir's ISN). */
static void log_inbound(const pkt_runner *R, const pkt_seg *seg)
{
    if (!R->o->verbose || R->o->log == NULL)
        return;
    pkt_seg s = *seg;
    uint32_t off = R->isn_known ? R->seq_off : 0;
    s.ack -= off;
    for (int i = 0; i < s.nopts; i++)
        for (int b = 0; s.opts[i].kind == PO_SACK && b < s.opts[i].nblocks; b++) {
            s.opts[i].left[b] -= off;
            s.opts[i].right[b] -= off;
        }
    log_seg(R, R->now, "<", &s, s.seq);
}

static void inject_one(pkt_runner *R, pkt_seg *seg)
{
    log_inbound(R, seg);
    uint8_t buf[70000];
    int n = pkt_wire_build(seg, buf, sizeof buf);
    if (n < 0) {
        pkt_fail(R, 0, "cannot build the inbound packet (options too long?)");
        return;
    }
    weir_netif_input(R->stack, R->netif, buf, (size_t)n, R->base_us + (uint64_t)R->now);
    pkt_after_input(R);
    pkt_log_tcp_state(R);
}

static void map_inbound_opts(pkt_runner *R, const pkt_packet *pk, pkt_seg *seg)
{
    seg->nopts = pk->nopts;
    for (int i = 0; i < pk->nopts; i++) {
        pkt_opt *o = &seg->opts[i];
        *o = pk->opts[i];
        if (o->kind == PO_SACK && R->isn_known)
            for (int b = 0; b < o->nblocks; b++) {
                o->left[b] += R->seq_off;
                o->right[b] += R->seq_off;
            }
        if (o->kind == PO_TS && (pk->flags & PKT_ACK))
            o->ecr = ts_map_ecr(R, o->ecr);
    }
}

/* The IP ECN field a script's [noecn] / [ect0] / [ect1] / [ce] names, or -1 for none. */
static int ecn_field(const char *ip_info)
{
    static const struct {
        const char *name;
        int value;
    } k_ecn[] = {{"noecn", 0}, {"ect1", 1}, {"ect0", 2}, {"ce", 3}};
    for (size_t i = 0; ip_info && i < sizeof k_ecn / sizeof k_ecn[0]; i++)
        if (strcmp(ip_info, k_ecn[i].name) == 0)
            return k_ecn[i].value;
    return -1;
}

/* Does the stack hold a connection record for the flow under test (in any state)? */
static bool flow_has_record(pkt_runner *R)
{
    if (!R->flow_known)
        return false;
    weir_tcp_conn_summary list[64];
    int n = weir_tcp_list(R->stack, list, 64);
    for (int i = 0; i < n && i < 64; i++)
        if (list[i].local.port == R->lport && list[i].remote.port == R->rport &&
            list[i].state != WEIR_TCP_LISTEN)
            return true;
    return false;
}

void pkt_inject(pkt_runner *R, const pkt_event *ev)
{
    const pkt_packet *pk = ev->pkt;
    if (!pkt_ensure_stack(R))
        return;
    if (!pk->has_win) {
        pkt_fail(R, ev->line, "an inbound packet must give its window (win N)");
        return;
    }
    /* A SYN that opens a new connection: our ISN is learned afresh from the SYN-ACK. A SYN that
     * meets an existing record (simultaneous open, a retransmission) keeps the ISN we know, so
     * every later SYN or SYN-ACK of ours is checked against it. */
    if ((pk->flags & PKT_SYN) && !(pk->flags & PKT_ACK) && !flow_has_record(R))
        R->isn_known = false;
    set_passive_flow(R);
    pkt_seg seg = {.src = PKT_REMOTE_IP, .dst = PKT_LOCAL_IP, .sport = R->rport,
                   .dport = R->lport, .seq = pk->seq, .flags = pk->flags,
                   .win = (uint16_t)pk->win, .urg = (uint16_t)pk->urg};
    int ecn = ecn_field(pk->ip_info);
    if (ecn > 0)
        seg.tos = (uint8_t)ecn;
    if (pk->has_ack)
        seg.ack = pk->ack + (R->isn_known ? R->seq_off : 0);
    map_inbound_opts(R, pk, &seg);
    if (pk->flags & PKT_SYN)
        R->peer_ts = false;
    for (int i = 0; i < pk->nopts && (pk->flags & PKT_SYN); i++) {
        if (pk->opts[i].kind == PO_MSS)
            R->peer_mss = (uint16_t)pk->opts[i].val;
        if (pk->opts[i].kind == PO_TS)
            R->peer_ts = true;
    }
    /* --mss=N: packetdrill hands the kernel a payload larger than N as one GSO packet, which
     * reaches TCP as one segment (GRO keeps it whole) and gets one answer: a D-SACK covering
     * every duplicate part of it, say. Injected whole, it meets weir the same way. */
    seg.len = pk->len;
    inject_one(R, &seg);
}

/* ---- outbound: the capture queue --------------------------------------------------------- */

static bool frame_of_flow(pkt_runner *R, const pkt_frame *f, pkt_seg *seg)
{
    if (pkt_wire_parse(f->buf, f->len, seg) == PKT_WIRE_NOT_TCP)
        return false;
    if (seg->src != PKT_LOCAL_IP)
        return false;
    if (!R->flow_known)
        return true;
    return seg->sport == R->lport && seg->dport == R->rport;
}

/* The oldest captured frame of the connection under test (others are dropped), or NULL. */
static const pkt_frame *head_frame(pkt_runner *R)
{
    while (R->qcount > 0) {
        const pkt_frame *f = &R->q[R->qhead];
        pkt_seg seg;
        if (frame_of_flow(R, f, &seg))
            return f;
        R->qhead = (R->qhead + 1) % R->qcap;
        R->qcount--;
    }
    return NULL;
}

static void pop_frame(pkt_runner *R)
{
    R->qhead = (R->qhead + 1) % R->qcap;
    R->qcount--;
}

/* Advance until a frame of the flow is queued or `limit` has passed. */
static const pkt_frame *wait_frame(pkt_runner *R, int64_t limit)
{
    for (;;) {
        const pkt_frame *f = head_frame(R);
        if (f != NULL || R->failed)
            return f;
        if (R->now >= limit)
            return NULL;
        uint64_t d = weir_stack_next_deadline(R->stack);
        int64_t ds = d == UINT64_MAX ? INT64_MAX : (int64_t)(d - R->base_us);
        if (ds <= R->now)
            ds = R->now + 1;
        pkt_advance(R, ds < limit ? ds : limit);
    }
}

/* ---- outbound: comparison ---------------------------------------------------------------- */

typedef struct cmp {
    pkt_runner *R;
    const pkt_event *ev;
    const pkt_packet *pk;
    pkt_seg live;
    uint32_t live_seq; /* in script space */
    bool strict;
    char expected[320], got[320];
} cmp;

static bool mismatch(cmp *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static bool mismatch(cmp *c, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    pkt_fail(c->R, c->ev->line, "%s; got > %s", what, c->got);
    return false;
}

static size_t opt_len(const pkt_opt *o)
{
    switch (o->kind) {
    case PO_EOL:
    case PO_NOP:
        return 1;
    case PO_MSS:
        return 4;
    case PO_WSCALE:
        return 3;
    case PO_SACKOK:
        return 2;
    case PO_SACK:
        return 2 + 8u * o->nblocks;
    case PO_TS:
        return 10;
    default:
        return 0;
    }
}

static bool same_opt_value(const pkt_opt *want, const pkt_opt *got, bool set_blocks)
{
    if (want->kind != got->kind)
        return false;
    if (want->kind == PO_MSS || want->kind == PO_WSCALE)
        return want->val == got->val;
    if (want->kind != PO_SACK)
        return true;
    if (want->nblocks != got->nblocks)
        return false;
    for (int i = 0; i < want->nblocks; i++) {
        bool found = false;
        for (int j = 0; j < got->nblocks; j++)
            if ((set_blocks || i == j) && want->left[i] == got->left[j] &&
                want->right[i] == got->right[j])
                found = true;
        if (!found)
            return false;
    }
    return true;
}

static bool check_ts_val(cmp *c, const pkt_opt *want, const pkt_opt *got)
{
    pkt_runner *R = c->R;
    if (R->ts_tick_us <= 0 || R->nts == 0)
        return true;
    /* --tcp_ts_tick_usecs: the val must have moved like the script's, in ticks, within the
     * timing tolerance. Rebased on the first value seen. */
    int64_t want_ticks = (int64_t)(want->val - R->ts_script[0]);
    int64_t got_ticks = (int64_t)(uint32_t)(got->val - R->ts_live[0]);
    int64_t diff = (want_ticks - got_ticks) * R->ts_tick_us;
    if (diff < 0)
        diff = -diff;
    if (diff > R->tol_us)
        return mismatch(c, "TS val: expected %" PRIu32 " (%" PRId64 " ticks after the first), "
                           "got %" PRId64 " ticks", want->val, want_ticks, got_ticks);
    return true;
}

static bool compare_opts_strict(cmp *c)
{
    const pkt_packet *pk = c->pk;
    const pkt_seg *l = &c->live;
    size_t want_bytes = 0;
    for (int i = 0; i < pk->nopts; i++)
        want_bytes += opt_len(&pk->opts[i]);
    want_bytes = (want_bytes + 3) / 4 * 4;
    char w[200];
    opts_str(pk->opts, pk->nopts, w, sizeof w);
    if (want_bytes != l->opt_bytes)
        return mismatch(c, "TCP options: expected %s (%zu bytes)", w, want_bytes);
    for (int i = 0; i < l->nopts; i++) {
        if (i >= pk->nopts) {
            if (l->opts[i].kind != PO_EOL)
                return mismatch(c, "TCP options: expected %s", w);
            continue;
        }
        if (!same_opt_value(&pk->opts[i], &l->opts[i], false))
            return mismatch(c, "TCP options: expected %s", w);
        if (pk->opts[i].kind == PO_TS && !check_ts_val(c, &pk->opts[i], &l->opts[i]))
            return false;
    }
    if (pk->nopts > l->nopts)
        return mismatch(c, "TCP options: expected %s", w);
    return true;
}

static bool compare_opts_relaxed(cmp *c)
{
    const pkt_packet *pk = c->pk;
    const pkt_seg *l = &c->live;
    char w[200];
    opts_str(pk->opts, pk->nopts, w, sizeof w);
    int want = 0, got = 0;
    for (int i = 0; i < pk->nopts; i++) {
        const pkt_opt *o = &pk->opts[i];
        if (o->kind == PO_NOP || o->kind == PO_EOL)
            continue;
        want++;
        const pkt_opt *m = pkt_seg_find_opt(l, o->kind);
        if (m == NULL || !same_opt_value(o, m, true))
            return mismatch(c, "TCP options (as a set): expected %s", w);
        if (o->kind == PO_TS && !check_ts_val(c, o, m))
            return false;
    }
    for (int i = 0; i < l->nopts; i++)
        if (l->opts[i].kind != PO_NOP && l->opts[i].kind != PO_EOL)
            got++;
    if (got != want)
        return mismatch(c, "TCP options (as a set): expected %s", w);
    return true;
}

static bool relaxed_checks_window(const cmp *c)
{
    const char *topic = c->R->o->topic;
    if (c->pk->flags & PKT_RST)
        return false;
    if (c->pk->win == 0)
        return true;
    return topic != NULL && (strcmp(topic, "wscale") == 0 || strcmp(topic, "zerowin") == 0);
}

static bool compare_fields(cmp *c)
{
    const pkt_packet *pk = c->pk;
    const pkt_seg *l = &c->live;
    uint16_t ignore = c->strict ? 0 : PKT_PSH;
    char wf[12], gf[12];
    flags_str(pk->flags, wf);
    flags_str(l->flags, gf);
    if ((pk->flags & ~ignore) != (l->flags & ~ignore))
        return mismatch(c, "flags: expected %s", wf);
    if (l->reserved != 0)
        return mismatch(c, "reserved header bits set (%u)", l->reserved);
    int ecn = ecn_field(pk->ip_info);
    if (ecn >= 0 && (l->tos & 3) != ecn)
        return mismatch(c, "IP ECN field: expected [%s], got %u", pk->ip_info, l->tos & 3u);
    if (!pk->seq_any && c->live_seq != pk->seq)
        return mismatch(c, "seq: expected %" PRIu32, pk->seq);
    if (l->len != pk->len)
        return mismatch(c, "payload length: expected %" PRIu32, pk->len);
    bool check_ack = c->strict ? true : (pk->flags & PKT_ACK) != 0;
    if (check_ack && l->ack != pk->ack)
        return mismatch(c, "ack: expected %" PRIu32, pk->ack);
    bool check_win = pk->has_win && (c->strict || relaxed_checks_window(c));
    if (check_win && l->win != pk->win)
        return mismatch(c, "window: expected %" PRIu32, pk->win);
    bool check_urg = c->strict || (pk->flags & PKT_URG) || pk->has_urg;
    if (check_urg && l->urg != pk->urg)
        return mismatch(c, "urgent pointer: expected %" PRIu32, pk->urg);
    if (l->payload_nonzero)
        return mismatch(c, "payload bytes are not the zeros the application wrote");
    if (pk->opts_mode == PKT_OPTS_ANY)
        return true;
    if (pk->opts_mode == PKT_OPTS_NONE) {
        bool any = false;
        for (int i = 0; i < l->nopts; i++)
            if (c->strict || (l->opts[i].kind != PO_NOP && l->opts[i].kind != PO_EOL))
                any = true;
        return any ? mismatch(c, "TCP options: expected none") : true;
    }
    return c->strict ? compare_opts_strict(c) : compare_opts_relaxed(c);
}

/* ---- outbound: coalescing (packetdrill's TSO emulation) ---------------------------------- */

static bool headers_agree(const pkt_seg *a, const pkt_seg *b)
{
    uint16_t mask = (uint16_t) ~(PKT_FIN | PKT_PSH | PKT_CWR);
    return (a->flags & mask) == (b->flags & mask) && a->ack == b->ack && a->win == b->win;
}

/* The script wants more payload than the first captured segment holds: merge the following
 * segments of the flow (equal lengths but the last, contiguous, same headers but seq/FIN/PSH/
 * CWR). Headers come from the last segment, seq and CWR from the first. */
static bool coalesce(cmp *c, int64_t limit)
{
    pkt_runner *R = c->R;
    pkt_seg first = c->live;
    uint32_t total = first.len, unit = first.len;
    while (total < c->pk->len && first.len > 0) {
        const pkt_frame *f = wait_frame(R, limit);
        if (f == NULL)
            return true; /* compare what we have: the length check reports it */
        pkt_seg next;
        if (pkt_wire_parse(f->buf, f->len, &next) != PKT_WIRE_OK)
            return true;
        if (next.seq != first.seq + total || !headers_agree(&first, &next) || next.len > unit ||
            (next.len < unit && total + next.len < c->pk->len) || next.len == 0)
            return true;
        pop_frame(R);
        total += next.len;
        next.seq = first.seq;
        next.flags = (uint16_t)((next.flags & ~PKT_CWR) | (first.flags & PKT_CWR));
        next.len = total;
        c->live = next;
        if (next.len < unit)
            break;
    }
    return true;
}

/* ---- outbound: the event ----------------------------------------------------------------- */

static void learn_from_syn(pkt_runner *R, const pkt_packet *pk, const pkt_seg *l)
{
    if (!(pk->flags & PKT_SYN) || !(l->flags & PKT_SYN))
        return;
    R->our_ts = pkt_seg_find_opt(l, PO_TS) != NULL;
    if (R->isn_known)
        return; /* learned from the connection's first SYN or SYN-ACK (README §2.3) */
    if (!pk->seq_any) {
        R->seq_off = l->seq - pk->seq;
        R->isn_known = true;
    } else {
        R->seq_off = l->seq;
        R->isn_known = true;
    }
}

void pkt_expect_outbound(pkt_runner *R, const pkt_event *ev, int64_t t, int64_t lo, int64_t hi,
                         bool any_time)
{
    const pkt_packet *pk = ev->pkt;
    if (!pkt_ensure_stack(R))
        return;
    int64_t tol_hi = pkt_tolerance(R, hi, R->last_actual_t);
    int64_t limit = any_time ? R->now + PKT_WAIT_CAP_US : hi + tol_hi;
    const pkt_frame *f = wait_frame(R, limit);
    if (R->failed)
        return;
    if (f == NULL) {
        pkt_fail(R, ev->line, "timed out waiting for an outbound packet (expected %s at "
                 "%.3f s); nothing was sent",
                 pk->flags & PKT_SYN ? "a SYN" : pk->flags & PKT_RST ? "a RST"
                 : pk->flags & PKT_FIN ? "a FIN" : pk->len ? "data" : "an ACK",
                 (double)t / 1e6);
        return;
    }
    cmp c = {.R = R, .ev = ev, .pk = pk, .strict = R->o->mode == PKT_STRICT};
    int64_t when = f->t;
    if (pkt_wire_parse(f->buf, f->len, &c.live) != PKT_WIRE_OK) {
        pkt_fail(R, ev->line, "the stack sent a malformed packet (bad checksum or header)");
        return;
    }
    pop_frame(R);
    if (!R->flow_known && (c.live.flags & PKT_SYN)) {
        R->flow_known = true;
        R->lport = c.live.sport;
        R->rport = c.live.dport;
    }
    if (pk->len > c.live.len && !pkt_script_has_option(R->s, "strict_segments"))
        coalesce(&c, limit);
    learn_from_syn(R, pk, &c.live);
    c.live_seq = c.live.seq - (R->isn_known ? R->seq_off : 0);
    seg_str(&c.live, c.live_seq, c.got, sizeof c.got);
    log_seg(R, when, ">", &c.live, c.live_seq);
    pkt_log_tcp_state(R);
    if (!compare_fields(&c))
        return;
    if (!any_time) {
        int64_t tol_lo = pkt_tolerance(R, lo, R->last_actual_t);
        if (when < lo - tol_lo || when > hi + tol_hi) {
            pkt_fail(R, ev->line, "timing: expected at %.3f s%s, sent at %.3f s (tolerance "
                     "%.3f s): > %s", (double)t / 1e6, lo != hi ? " (range)" : "",
                     (double)when / 1e6, (double)(when < lo ? tol_lo : tol_hi) / 1e6, c.got);
            return;
        }
        int64_t off = when < lo ? when - lo : when > hi ? when - hi : 0;
        pkt_note_harness_timing(R, ev->line, off, when < lo ? lo : hi, R->last_actual_t);
    }
    const pkt_opt *wts = NULL;
    for (int i = 0; i < pk->nopts; i++)
        if (pk->opts[i].kind == PO_TS)
            wts = &pk->opts[i];
    const pkt_opt *lts = pkt_seg_find_opt(&c.live, PO_TS);
    if (wts != NULL && lts != NULL)
        ts_remember(R, wts->val, lts->val);
    R->last_actual_t = when;
}
