/* narrate_seg.c — what a segment means: the arrow, its numbers (relative and absolute), its
 * options, a one-line explanation picked from what the narrator knows of the connection (handshake
 * step, data, ACK of data, FIN and its ACK, duplicate, retransmission), what the link did to it,
 * and how the receiver took it. RFC 9293 §3.4 (sequence numbers) is the background to all of it:
 * SYN and FIN consume one number each, every data byte one, a bare ACK none. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "narrate_int.h"

enum { NOTE_THIRD_SEQ, NOTE_ACK_RULE, NOTE_FIN_MEANING, NOTE_LAST_SEQ, NOTE_NONE = -1 };

static const weir_cli_msg k_note_msg[] = {
    [NOTE_THIRD_SEQ] = WEIR_MSG_NOTE_THIRD_SEQ,
    [NOTE_ACK_RULE] = WEIR_MSG_NOTE_ACK_RULE,
    [NOTE_FIN_MEANING] = WEIR_MSG_NOTE_FIN_MEANING,
    [NOTE_LAST_SEQ] = WEIR_MSG_NOTE_LAST_SEQ,
};

/* Sequence comparisons modulo 2^32 (RFC 9293 §3.4). */
static bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

static bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

/* In-order data up to `end` arrived: move rcv_nxt, and over any island it now reaches. */
static void advance_rcv(weir_cli_track *me, uint32_t end)
{
    if (seq_gt(end, me->rcv_nxt))
        me->rcv_nxt = end;
    bool moved = true;
    while (moved) {
        moved = false;
        for (int i = 0; i < me->islands; i++) {
            if (seq_gt(me->island_lo[i], me->rcv_nxt))
                continue;
            if (seq_gt(me->island_hi[i], me->rcv_nxt))
                me->rcv_nxt = me->island_hi[i];
            me->islands--;
            me->island_lo[i] = me->island_lo[me->islands];
            me->island_hi[i] = me->island_hi[me->islands];
            moved = true;
            break;
        }
    }
}

static bool in_island(const weir_cli_track *me, uint32_t lo, uint32_t hi)
{
    for (int i = 0; i < me->islands; i++)
        if (seq_leq(me->island_lo[i], lo) && seq_leq(hi, me->island_hi[i]))
            return true;
    return false;
}

static void add_island(weir_cli_track *me, uint32_t lo, uint32_t hi)
{
    enum { MAX_ISLANDS = sizeof me->island_lo / sizeof me->island_lo[0] };
    if (me->islands < MAX_ISLANDS && !in_island(me, lo, hi)) {
        me->island_lo[me->islands] = lo;
        me->island_hi[me->islands] = hi;
        me->islands++;
    }
}

/* Count duplicate ACKs: the same ack again, on a segment that carries nothing. */
static void learn_ack_in(weir_cli_track *me, const weir_segment_info *g)
{
    if (!(g->flags & WEIR_TH_ACK))
        return;
    bool dup = me->ack_in_known && g->ack == me->last_ack_in && g->seg_len == 0;
    me->dup_acks_in = dup ? me->dup_acks_in + 1 : 0;
    me->last_ack_in = g->ack;
    me->ack_in_known = true;
}

/* The explanation chosen for one segment. */
typedef struct seg_story {
    weir_cli_msg msg;
    int extra; /* a second line (a weir_cli_msg), or -1 */
    int note;  /* NOTE_* to show once, or NOTE_NONE */
} seg_story;

void weir_cli_note_once(weir_cli_narrator *n, uint64_t now, int which, weir_cli_msg msg,
                        const weir_cli_vars *vars)
{
    if (which < 0 || (size_t)which >= sizeof n->note_shown / sizeof n->note_shown[0] ||
        n->note_shown[which])
        return;
    n->note_shown[which] = true;
    weir_cli_para_msg(n, now, "✎ ", WEIR_STYLE_NOTE, WEIR_STYLE_NOTE, msg, vars);
}

/* ---- numbers ------------------------------------------------------------------------------ */

static uint32_t rel_seq(const weir_cli_narrator *n, int sender, uint32_t seq)
{
    const weir_cli_track *t = &n->track[sender];
    return t->iss_known ? seq - t->iss : seq;
}

/* The window in bytes: the raw field, scaled once both SYNs carried a window scale (RFC 7323),
 * never in a SYN. */
static uint64_t window_bytes(const weir_cli_narrator *n, int side, const weir_segment_info *g)
{
    const weir_cli_track *me = &n->track[side];
    bool scaled = !(g->flags & WEIR_TH_SYN) && n->track[0].ws_sent && n->track[1].ws_sent;
    return scaled ? (uint64_t)g->window << me->ws : g->window;
}

static void seg_vars(const weir_cli_narrator *n, int side, const weir_segment_info *g,
                     weir_cli_vars *vs)
{
    const weir_cli_track *me = &n->track[side];
    uint32_t rseq = rel_seq(n, side, g->seq);
    weir_cli_vars_sides(n, vs, side);
    weir_cli_vars_u64(vs, "seq", rseq);
    weir_cli_vars_u64(vs, "ack", rel_seq(n, 1 - side, g->ack));
    weir_cli_vars_u64(vs, "abs", g->seq);
    weir_cli_vars_u64(vs, "len", g->payload_len);
    weir_cli_vars_u64(vs, "next", (uint32_t)(rseq + g->seg_len));
    weir_cli_vars_u64(vs, "from", rseq);
    weir_cli_vars_u64(vs, "to", (uint32_t)(rseq + (g->payload_len ? g->payload_len - 1 : 0)));
    weir_cli_vars_u64(vs, "win", window_bytes(n, side, g));
    if (me->last_data_valid) {
        weir_cli_vars_u64(vs, "pseq", rel_seq(n, 1 - side, me->last_data_seq));
        weir_cli_vars_u64(vs, "plen", me->last_data_len);
    }
}

/* ---- choosing the explanation -------------------------------------------------------------- */

static weir_cli_msg story_fin(weir_cli_track *me, const weir_segment_info *g, seg_story *st)
{
    if (!me->peer_fin_seen)
        return g->payload_len ? WEIR_MSG_SEG_FIN_FIRST_DATA : WEIR_MSG_SEG_FIN_FIRST;
    if (g->ack == me->peer_fin_seq + 1 && me->fin_acks_sent == 0) {
        me->fin_acks_sent++;
        st->note = NOTE_FIN_MEANING;
        return WEIR_MSG_SEG_FIN_ACK_COMBINED;
    }
    return WEIR_MSG_SEG_FIN_SECOND;
}

static weir_cli_msg story_data(weir_cli_track *me, int side, const weir_segment_info *g,
                               seg_story *st)
{
    if (me->active_opener && !me->handshake_done && (g->flags & WEIR_TH_ACK)) {
        me->handshake_done = true;
        st->note = NOTE_THIRD_SEQ;
        return WEIR_MSG_SEG_HANDSHAKE_DATA;
    }
    if ((g->flags & WEIR_TH_ACK) && me->ack_sent && seq_gt(g->ack, me->last_ack))
        st->extra = WEIR_MSG_SEG_DATA_PIGGYBACK;
    return side == WEIR_SIDE_BROWSER ? WEIR_MSG_SEG_DATA_REQUEST : WEIR_MSG_SEG_DATA_PAGE;
}

static weir_cli_msg story_ack_of_fin(weir_cli_track *me, weir_tcp_state state, seg_story *st)
{
    int prior = me->fin_acks_sent++;
    if (prior > 0)
        return me->fin_sent ? WEIR_MSG_SEG_LAST_ACK_AGAIN : WEIR_MSG_SEG_DUP_ACK;
    if (!me->fin_sent) {
        st->note = NOTE_FIN_MEANING;
        return WEIR_MSG_SEG_ACK_OF_FIN;
    }
    if (state == WEIR_TCP_CLOSING)
        return WEIR_MSG_SEG_ACK_SIMULTANEOUS;
    st->note = NOTE_LAST_SEQ;
    return WEIR_MSG_SEG_LAST_ACK;
}

static weir_cli_msg story_bare_ack(weir_cli_track *me, weir_tcp_state state,
                                   const weir_segment_info *g, seg_story *st)
{
    if (me->active_opener && !me->handshake_done) {
        me->handshake_done = true;
        st->note = NOTE_THIRD_SEQ;
        return WEIR_MSG_SEG_HANDSHAKE_ACK;
    }
    if (me->peer_fin_seen && g->ack == me->peer_fin_seq + 1)
        return story_ack_of_fin(me, state, st);
    if (me->ack_sent && g->ack == me->last_ack) {
        if (g->window != me->last_win && !me->ooo_pending)
            return WEIR_MSG_SEG_WINDOW_UPDATE;
        return WEIR_MSG_SEG_DUP_ACK;
    }
    if (!me->last_data_valid)
        return WEIR_MSG_SEG_OTHER;
    st->note = NOTE_ACK_RULE;
    if (g->ack == me->last_data_seq + me->last_data_len)
        return WEIR_MSG_SEG_ACK_DATA;
    return WEIR_MSG_SEG_ACK_CUMULATIVE;
}

static seg_story story_out(weir_cli_narrator *n, int side, const weir_trace_event *ev)
{
    weir_cli_track *me = &n->track[side];
    const weir_segment_info *g = &ev->seg;
    seg_story st = {WEIR_MSG_SEG_OTHER, -1, NOTE_NONE};
    if (g->flags & WEIR_TH_RST)
        st.msg = WEIR_MSG_SEG_RST;
    else if (g->flags & WEIR_TH_SYN)
        st.msg = (g->flags & WEIR_TH_ACK) ? WEIR_MSG_SEG_SYN_ACK : WEIR_MSG_SEG_SYN;
    else if (g->flags & WEIR_TH_FIN)
        st.msg = story_fin(me, g, &st);
    else if (g->payload_len > 0)
        st.msg = story_data(me, side, g, &st);
    else if (g->flags & WEIR_TH_ACK)
        st.msg = story_bare_ack(me, ev->new_state, g, &st);
    return st;
}

/* ---- what the sender learns by sending ------------------------------------------------------ */

static void learn_syn(weir_cli_track *me, const weir_segment_info *g)
{
    if (!(g->flags & WEIR_TH_SYN))
        return;
    if (!me->iss_known) {
        me->iss = g->seq;
        me->iss_known = true;
    }
    if (g->has_wscale) {
        me->ws_sent = true;
        me->ws = g->wscale;
    }
    if (!(g->flags & WEIR_TH_ACK))
        me->active_opener = true;
}

static void learn_sent(weir_cli_track *me, const weir_segment_info *g)
{
    if (g->flags & WEIR_TH_FIN) {
        me->fin_sent = true;
        me->fin_seq = g->seq + g->payload_len;
    }
    if (g->flags & WEIR_TH_ACK) {
        me->ack_sent = true;
        me->last_ack = g->ack;
        me->last_win = g->window;
        if (!me->rcv_known) {
            me->rcv_nxt = g->ack;
            me->rcv_known = true;
        }
        advance_rcv(me, g->ack); /* our ACK says what we hold, reassembled islands included */
    }
    me->ooo_pending = false;
    me->segs++;
    me->payload_bytes += g->payload_len;
    if (g->retransmission)
        me->retrans++;
}

/* ---- drawing a sent segment ----------------------------------------------------------------- */

static void seg_label(const weir_cli_narrator *n, const weir_segment_info *g, char *out, size_t cap)
{
    char flags[48], bytes[128] = "", re[128] = "";
    weir_cli_flags_str(g->flags, flags, sizeof flags);
    weir_cli_vars vs = {.count = 0};
    if (g->payload_len > 0) {
        char b[96];
        weir_cli_vars_u64(&vs, "n", g->payload_len);
        weir_cli_text_expand(n->lang, WEIR_MSG_ARROW_BYTES, &vs, b, sizeof b);
        snprintf(bytes, sizeof bytes, " · %s", b);
    }
    if (g->retransmission)
        snprintf(re, sizeof re, " · %s", weir_cli_text(n->lang, WEIR_MSG_ARROW_RETRANS));
    snprintf(out, cap, "%s%s%s", flags, bytes, re);
}

static void seg_numbers(weir_cli_narrator *n, int side, const weir_segment_info *g)
{
    char line[256], ack[64], win[64];
    uint32_t rseq = rel_seq(n, side, g->seq);
    if (g->flags & WEIR_TH_ACK)
        snprintf(ack, sizeof ack, "ack %" PRIu32 " (abs %" PRIu32 ")", rel_seq(n, 1 - side, g->ack),
                 g->ack);
    else
        snprintf(ack, sizeof ack, "ack —");
    uint64_t wb = window_bytes(n, side, g);
    if (wb != g->window)
        snprintf(win, sizeof win, "win %" PRIu64 " (%u×%u)", wb, (unsigned)g->window,
                 1u << n->track[side].ws);
    else
        snprintf(win, sizeof win, "win %u", (unsigned)g->window);
    snprintf(line, sizeof line, "seq %" PRIu32 " (abs %" PRIu32 ") · %s · %s · len %" PRIu32, rseq,
             g->seq, ack, win, g->payload_len);
    weir_cli_para(n, WEIR_CLI_NO_TIME, "", WEIR_STYLE_PLAIN, WEIR_STYLE_PLAIN, line);
}

static size_t opt_add(char *out, size_t cap, size_t len, const char *text)
{
    if (len >= cap)
        return len;
    int k = snprintf(out + len, cap - len, "%s%s", len ? " · " : "", text);
    return k < 0 ? len : len + (size_t)k;
}

static void seg_options(weir_cli_narrator *n, int side, const weir_segment_info *g)
{
    char opts[320] = "", item[96];
    size_t len = 0;
    if (g->has_mss) {
        snprintf(item, sizeof item, "MSS %u", (unsigned)g->mss);
        len = opt_add(opts, sizeof opts, len, item);
    }
    if (g->has_wscale) {
        snprintf(item, sizeof item, "wscale %u (×%u)", (unsigned)g->wscale, 1u << g->wscale);
        len = opt_add(opts, sizeof opts, len, item);
    }
    if (g->sack_permitted)
        len = opt_add(opts, sizeof opts, len, "SACK-perm");
    if (g->has_timestamps) {
        snprintf(item, sizeof item, "TS val %" PRIu32 " ecr %" PRIu32, g->ts_val, g->ts_ecr);
        len = opt_add(opts, sizeof opts, len, item);
    }
    for (unsigned i = 0; i < g->sack_count && i < 4; i++) {
        snprintf(item, sizeof item, "SACK %" PRIu32 "–%" PRIu32,
                 rel_seq(n, 1 - side, g->sack_left[i]), rel_seq(n, 1 - side, g->sack_right[i]));
        len = opt_add(opts, sizeof opts, len, item);
    }
    if (len == 0)
        return;
    char line[400];
    snprintf(line, sizeof line, "%s %s", weir_cli_text(n->lang, WEIR_MSG_LBL_OPTIONS), opts);
    weir_cli_para(n, WEIR_CLI_NO_TIME, "", WEIR_STYLE_PLAIN, WEIR_STYLE_DIM, line);
}

static void seg_fate(weir_cli_narrator *n, int side, const weir_cli_fate *f)
{
    if (f == NULL)
        return;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_sides(n, &vs, side);
    if (f->err != 0) {
        weir_cli_vars_str(&vs, "err", weir_strerror(f->err));
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "✕ ", WEIR_STYLE_BAD, WEIR_STYLE_BAD,
                          WEIR_MSG_FATE_REFUSED, &vs);
        return;
    }
    if (f->lost || f->queue_drop) {
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "✕ ", WEIR_STYLE_BAD, WEIR_STYLE_BAD,
                          f->lost ? WEIR_MSG_FATE_LOST : WEIR_MSG_FATE_QUEUE_DROP, &vs);
        return;
    }
    if (f->corrupt)
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "⚡ ", WEIR_STYLE_BAD, WEIR_STYLE_BAD,
                          WEIR_MSG_FATE_CORRUPT, &vs);
    if (f->duplicated)
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "⧉ ", WEIR_STYLE_BAD, WEIR_STYLE_BAD,
                          WEIR_MSG_FATE_DUP, &vs);
}

/* Why a segment is sent again: the timer, duplicate ACKs, or a repeated SYN. */
static weir_cli_msg retrans_reason(const weir_cli_track *me, const weir_segment_info *g,
                                   uint64_t now)
{
    if (me->rto_fired_us == now)
        return WEIR_MSG_SEG_RETRANS_TIMER;
    if (me->probe_fired_us == now)
        return WEIR_MSG_SEG_RETRANS_PROBE;
    if ((g->flags & WEIR_TH_SYN) && me->syn_in_us == now)
        return WEIR_MSG_SEG_RETRANS_SYN_AGAIN;
    if (me->dup_acks_in > 0)
        return WEIR_MSG_SEG_RETRANS_FAST;
    return WEIR_MSG_SEG_RETRANS_OTHER;
}

void weir_cli_seg_out(weir_cli_narrator *n, int side, const weir_trace_event *ev,
                      const weir_cli_fate *fate)
{
    const weir_segment_info *g = &ev->seg;
    weir_cli_track *me = &n->track[side];
    learn_syn(me, g);
    weir_cli_vars vs = {.count = 0};
    seg_vars(n, side, g, &vs);
    seg_story st = story_out(n, side, ev);

    char label[192];
    seg_label(n, g, label, sizeof label);
    bool broken = fate != NULL && (fate->lost || fate->queue_drop || fate->err != 0);
    weir_cli_arrow(n, ev->now_us, side, label, broken);
    seg_numbers(n, side, g);
    seg_options(n, side, g);
    if (g->retransmission)
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "↻ ", WEIR_STYLE_BAD, WEIR_STYLE_EXPLAIN,
                          retrans_reason(me, g, ev->now_us), &vs);
    weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "▸ ", weir_cli_side_style(side), WEIR_STYLE_EXPLAIN,
                      st.msg, &vs);
    if (st.extra >= 0)
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "▸ ", weir_cli_side_style(side), WEIR_STYLE_EXPLAIN,
                          (weir_cli_msg)st.extra, &vs);
    seg_fate(n, side, fate);
    if (st.note != NOTE_NONE)
        weir_cli_note_once(n, WEIR_CLI_NO_TIME, st.note, k_note_msg[st.note], &vs);
    learn_sent(me, g);
}

/* ---- a segment arrives --------------------------------------------------------------------- */

/* The state to show for the receiver: the event's, unless the stack had no full connection record
 * to report (a compact TIME-WAIT entry, say) and we know better. */
static weir_tcp_state arrival_state(const weir_cli_narrator *n, int side,
                                    const weir_trace_event *ev)
{
    const weir_cli_track *me = &n->track[side];
    if (ev->new_state == WEIR_TCP_CLOSED && me->conn_seen)
        return me->state;
    return ev->new_state;
}

static void arrival_line(weir_cli_narrator *n, int side, const weir_trace_event *ev)
{
    const weir_segment_info *g = &ev->seg;
    char flags[48], text[256], line[300];
    weir_cli_flags_str(g->flags, flags, sizeof flags);
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_sides(n, &vs, side);
    weir_cli_vars_str(&vs, "flags", flags);
    weir_cli_vars_u64(&vs, "seq", rel_seq(n, 1 - side, g->seq));
    weir_cli_vars_u64(&vs, "len", g->payload_len);
    if (g->flags & WEIR_TH_ACK)
        weir_cli_vars_u64(&vs, "ack", rel_seq(n, side, g->ack));
    else
        weir_cli_vars_str(&vs, "ack", "—");
    weir_cli_vars_str(&vs, "state", weir_tcp_state_name(arrival_state(n, side, ev)));
    weir_cli_text_expand(n->lang, WEIR_MSG_ARRIVE, &vs, text, sizeof text);
    snprintf(line, sizeof line, "✓ %s", text);
    weir_cli_side_line(n, ev->now_us, side, weir_cli_side_style(side), line);
}

/* Returns the explanation for an unusual arrival, or -1. Updates what `side` has received. */
static int learn_arrival(weir_cli_narrator *n, int side, const weir_trace_event *ev,
                         weir_cli_vars *vs)
{
    weir_cli_track *me = &n->track[side];
    const weir_segment_info *g = &ev->seg;
    learn_ack_in(me, g);
    if (g->flags & WEIR_TH_SYN) {
        me->syn_in_us = ev->now_us;
        me->rcv_nxt = g->seq + 1;
        me->rcv_known = true;
        return -1;
    }
    int story = -1;
    bool fin = (g->flags & WEIR_TH_FIN) != 0;
    if (fin && me->peer_fin_seen && g->seq + g->payload_len == me->peer_fin_seq &&
        me->fin_acks_sent > 0 && me->fin_sent) {
        story = WEIR_MSG_ARRIVE_FIN_AGAIN;
        me->ooo_pending = true;
    } else if (g->seg_len > 0 && me->rcv_known) {
        uint32_t end = g->seq + g->seg_len;
        if (seq_leq(end, me->rcv_nxt) || in_island(me, g->seq, end)) {
            story = WEIR_MSG_ARRIVE_OLD_DUP;
            me->ooo_pending = true;
        } else if (seq_gt(g->seq, me->rcv_nxt)) {
            weir_cli_vars_u64(vs, "exp", rel_seq(n, 1 - side, me->rcv_nxt));
            story = WEIR_MSG_ARRIVE_OUT_OF_ORDER;
            me->ooo_pending = true;
            add_island(me, g->seq, end);
        } else {
            advance_rcv(me, end);
            if (g->payload_len > 0) {
                me->last_data_valid = true;
                me->last_data_seq = g->seq;
                me->last_data_len = g->payload_len;
            }
        }
    }
    if (fin) {
        me->peer_fin_seen = true;
        me->peer_fin_seq = g->seq + g->payload_len;
    }
    return story;
}

void weir_cli_seg_in(weir_cli_narrator *n, int side, const weir_trace_event *ev)
{
    arrival_line(n, side, ev);
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_sides(n, &vs, side);
    int story = learn_arrival(n, side, ev, &vs);
    if (story >= 0)
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "▸ ", weir_cli_side_style(side), WEIR_STYLE_EXPLAIN,
                          (weir_cli_msg)story, &vs);
}
