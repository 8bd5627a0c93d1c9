/* narrate.c — the narrator's queue and the events that are not segments: the trace hook (which
 * records, and writes frames to the capture), link fates, application lines, state changes, timers,
 * drops, and the header and summary around the story. Segments are told in narrate_seg.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "narrate_int.h"

typedef enum item_kind { ITEM_TRACE, ITEM_APP } item_kind;

struct weir_cli_narr_item {
    item_kind kind;
    int side;
    uint64_t now_us;
    weir_trace_event ev; /* pointers cleared: the bytes are gone after the callback */
    char reason[96];
    weir_cli_msg msg;
    weir_cli_vars vars;
};

void weir_cli_narr_init(weir_cli_narrator *n, FILE *out, bool color, weir_cli_lang lang,
                        uint64_t msl_us, uint16_t server_port)
{
    memset(n, 0, sizeof *n);
    n->term.out = out;
    n->term.color = color && out != NULL;
    n->lang = lang;
    n->msl_us = msl_us;
    n->server_port = server_port;
    snprintf(n->name[0], sizeof n->name[0], "%s", weir_cli_text(lang, WEIR_MSG_BROWSER));
    snprintf(n->name[1], sizeof n->name[1], "%s", weir_cli_text(lang, WEIR_MSG_SERVER));
    for (int i = 0; i < 2; i++) {
        n->hook[i].n = n;
        n->hook[i].side = i;
        n->track[i].rto_fired_us = UINT64_MAX;
        n->track[i].probe_fired_us = UINT64_MAX;
        n->track[i].syn_in_us = UINT64_MAX;
    }
}

void weir_cli_narr_free(weir_cli_narrator *n)
{
    free(n->items);
    free(n->fates[0]);
    free(n->fates[1]);
    n->items = NULL;
    n->fates[0] = n->fates[1] = NULL;
}

/* ---- the queue ------------------------------------------------------------------------------ */

static weir_cli_narr_item *push_item(weir_cli_narrator *n)
{
    if (n->item_count == n->item_cap) {
        size_t cap = n->item_cap ? n->item_cap * 2 : 64;
        weir_cli_narr_item *p = realloc(n->items, cap * sizeof *p);
        if (p == NULL) {
            n->out_of_memory = true;
            return NULL;
        }
        n->items = p;
        n->item_cap = cap;
    }
    weir_cli_narr_item *it = &n->items[n->item_count++];
    memset(it, 0, sizeof *it);
    return it;
}

static bool wanted(const weir_trace_event *ev)
{
    return ev->kind == WEIR_TRACE_SEGMENT_IN || ev->kind == WEIR_TRACE_SEGMENT_OUT ||
           ev->kind == WEIR_TRACE_STATE || ev->kind == WEIR_TRACE_TIMER ||
           ev->kind == WEIR_TRACE_DROP;
}

void weir_cli_narr_trace(void *ctx, const weir_trace_event *ev)
{
    weir_cli_narr_hook *h = ctx;
    weir_cli_narrator *n = h->n;
    if (ev->kind == WEIR_TRACE_FRAME_OUT && n->pcap != NULL)
        weir_pcap_write(n->pcap, ev->now_us, ev->frame, ev->frame_len);
    if (!wanted(ev))
        return;
    weir_cli_narr_item *it = push_item(n);
    if (it == NULL)
        return;
    it->kind = ITEM_TRACE;
    it->side = h->side;
    it->now_us = ev->now_us;
    it->ev = *ev;
    it->ev.frame = NULL;
    it->ev.frame_len = 0;
    it->ev.reason = NULL;
    if (ev->reason != NULL)
        snprintf(it->reason, sizeof it->reason, "%s", ev->reason);
}

/* Key of a TCP/IPv4 frame, to match it with its SEGMENT_OUT event. */
static void fate_key(weir_cli_fate *f, const uint8_t *p, size_t len)
{
    f->tcp = false;
    if (len < 20 || (p[0] >> 4) != 4 || p[9] != 6)
        return;
    size_t ihl = (size_t)(p[0] & 0x0F) * 4u, total = ((size_t)p[2] << 8) | p[3];
    if (ihl < 20 || total > len || total < ihl + 20)
        return;
    const uint8_t *t = p + ihl;
    size_t doff = (size_t)(t[12] >> 4) * 4u;
    if (doff < 20 || ihl + doff > total)
        return;
    f->seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
    f->ack = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 | t[11];
    f->flags = t[13];
    f->payload_len = (uint32_t)(total - ihl - doff);
    f->tcp = true;
}

void weir_cli_narr_fate(weir_cli_narrator *n, int side, const uint8_t *frame, size_t len,
                        weir_cli_fate fate)
{
    if (n->fate_count[side] == n->fate_cap[side]) {
        size_t cap = n->fate_cap[side] ? n->fate_cap[side] * 2 : 32;
        weir_cli_fate *p = realloc(n->fates[side], cap * sizeof *p);
        if (p == NULL) {
            n->out_of_memory = true;
            return;
        }
        n->fates[side] = p;
        n->fate_cap[side] = cap;
    }
    fate_key(&fate, frame, len);
    fate.claimed = false;
    n->fates[side][n->fate_count[side]++] = fate;
}

static const weir_cli_fate *claim_fate(weir_cli_narrator *n, int side, const weir_segment_info *g)
{
    for (size_t i = 0; i < n->fate_count[side]; i++) {
        weir_cli_fate *f = &n->fates[side][i];
        if (!f->claimed && f->tcp && f->seq == g->seq && f->ack == g->ack && f->flags == g->flags &&
            f->payload_len == g->payload_len) {
            f->claimed = true;
            return f;
        }
    }
    return NULL;
}

void weir_cli_narr_app(weir_cli_narrator *n, int side, uint64_t now_us, weir_cli_msg msg,
                       const weir_cli_vars *vars)
{
    weir_cli_narr_item *it = push_item(n);
    if (it == NULL)
        return;
    it->kind = ITEM_APP;
    it->side = side;
    it->now_us = now_us;
    it->msg = msg;
    if (vars != NULL)
        it->vars = *vars;
}

/* ---- state changes, timers, drops ----------------------------------------------------------- */

static bool is_listener_edge(const weir_trace_event *ev)
{
    return ev->new_state == WEIR_TCP_LISTEN ||
           (ev->old_state == WEIR_TCP_LISTEN && ev->new_state == WEIR_TCP_CLOSED &&
            ev->tuple.remote_port == 0);
}

static void track_state(weir_cli_track *t, const weir_trace_event *ev)
{
    enum { PATH_MAX_LEN = sizeof t->path / sizeof t->path[0] };
    if (t->path_len == 0)
        t->path[t->path_len++] = ev->old_state;
    if (t->path_len < PATH_MAX_LEN)
        t->path[t->path_len++] = ev->new_state;
    if (!is_listener_edge(ev)) {
        t->conn_seen = true;
        t->state = ev->new_state;
    }
}

static void show_state(weir_cli_narrator *n, const weir_cli_narr_item *it)
{
    const weir_trace_event *ev = &it->ev;
    weir_cli_track *t = &n->track[it->side];
    track_state(t, ev);
    char line[256];
    snprintf(line, sizeof line, "◆ %s %s → %s%s%s%s", n->name[it->side],
             weir_tcp_state_name(ev->old_state), weir_tcp_state_name(ev->new_state),
             it->reason[0] ? " (" : "", it->reason, it->reason[0] ? ")" : "");
    weir_cli_side_line(n, it->now_us, it->side, WEIR_STYLE_STATE, line);
    if ((int)ev->new_state < 0 || ev->new_state >= WEIR_TCP_STATE_COUNT ||
        t->meaning_shown[ev->new_state])
        return;
    t->meaning_shown[ev->new_state] = true;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_sides(n, &vs, it->side);
    weir_cli_vars_u64(&vs, "port", n->server_port);
    weir_cli_vars_u64(&vs, "tw", 2 * n->msl_us / 1000000);
    weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "▸ ", WEIR_STYLE_STATE, WEIR_STYLE_EXPLAIN,
                      weir_cli_state_msg(ev->new_state), &vs);
}

static weir_cli_msg timer_msg(weir_tcp_timer t)
{
    switch (t) {
    case WEIR_TIMER_RETRANSMIT:
        return WEIR_MSG_TIMER_RETRANSMIT;
    case WEIR_TIMER_LOSS_PROBE:
        return WEIR_MSG_TIMER_LOSS_PROBE;
    case WEIR_TIMER_TIME_WAIT:
        return WEIR_MSG_TIMER_TIME_WAIT;
    case WEIR_TIMER_DELAYED_ACK:
        return WEIR_MSG_TIMER_DELAYED_ACK;
    case WEIR_TIMER_PERSIST:
        return WEIR_MSG_TIMER_PERSIST;
    case WEIR_TIMER_KEEPALIVE:
        return WEIR_MSG_TIMER_KEEPALIVE;
    default:
        return WEIR_MSG_TIMER_OTHER;
    }
}

static void show_timer(weir_cli_narrator *n, const weir_cli_narr_item *it)
{
    if (it->ev.timer == WEIR_TIMER_RETRANSMIT)
        n->track[it->side].rto_fired_us = it->now_us;
    if (it->ev.timer == WEIR_TIMER_LOSS_PROBE)
        n->track[it->side].probe_fired_us = it->now_us;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_sides(n, &vs, it->side);
    weir_cli_vars_u64(&vs, "tw", 2 * n->msl_us / 1000000);
    weir_cli_vars_str(&vs, "timer", weir_tcp_timer_name(it->ev.timer));
    weir_cli_event_msg(n, it->now_us, "◷ ", WEIR_STYLE_TIMER, timer_msg(it->ev.timer), &vs);
}

/* Drops of frames that are not well-formed: what a flipped bit on the link leads to. */
static bool is_malformed_drop(weir_drop_reason r) { return r <= WEIR_DROP_TCP_BAD_FLAGS; }

static void show_drop(weir_cli_narrator *n, const weir_cli_narr_item *it)
{
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_sides(n, &vs, it->side);
    weir_cli_vars_str(&vs, "reason", weir_cli_drop_text(n->lang, it->ev.drop));
    char text[300], line[320];
    weir_cli_text_expand(n->lang, WEIR_MSG_DROP, &vs, text, sizeof text);
    snprintf(line, sizeof line, "✕ %s", text);
    weir_cli_side_line(n, it->now_us, it->side, WEIR_STYLE_BAD, line);
    if (is_malformed_drop(it->ev.drop))
        weir_cli_para_msg(n, WEIR_CLI_NO_TIME, "▸ ", WEIR_STYLE_BAD, WEIR_STYLE_EXPLAIN,
                          WEIR_MSG_DROP_CORRUPT, &vs);
}

static void show_app(weir_cli_narrator *n, const weir_cli_narr_item *it)
{
    weir_cli_vars vs = it->vars;
    weir_cli_vars_sides(n, &vs, it->side);
    weir_cli_event_msg(n, it->now_us, "» ", WEIR_STYLE_APP, it->msg, &vs);
}

static void show_item(weir_cli_narrator *n, const weir_cli_narr_item *it)
{
    if (it->kind == ITEM_APP) {
        show_app(n, it);
        return;
    }
    switch (it->ev.kind) {
    case WEIR_TRACE_SEGMENT_OUT:
        weir_cli_seg_out(n, it->side, &it->ev, claim_fate(n, it->side, &it->ev.seg));
        break;
    case WEIR_TRACE_SEGMENT_IN:
        weir_cli_seg_in(n, it->side, &it->ev);
        break;
    case WEIR_TRACE_STATE:
        show_state(n, it);
        break;
    case WEIR_TRACE_TIMER:
        show_timer(n, it);
        break;
    case WEIR_TRACE_DROP:
        show_drop(n, it);
        break;
    default:
        break;
    }
}

void weir_cli_narr_flush(weir_cli_narrator *n)
{
    for (size_t i = 0; i < n->item_count; i++)
        show_item(n, &n->items[i]);
    n->item_count = 0;
    n->fate_count[0] = n->fate_count[1] = 0;
    if (n->term.out != NULL)
        fflush(n->term.out);
}

bool weir_cli_narr_conn_closed(const weir_cli_narrator *n, int side)
{
    const weir_cli_track *t = &n->track[side];
    return !t->conn_seen || t->state == WEIR_TCP_CLOSED;
}

weir_tcp_state weir_cli_narr_conn_state(const weir_cli_narrator *n, int side)
{
    return n->track[side].state;
}

/* ---- header and summary --------------------------------------------------------------------- */

static void intro_para(weir_cli_narrator *n, weir_cli_style style, weir_cli_msg msg,
                       const weir_cli_vars *vs)
{
    char text[1024];
    weir_cli_text_expand(n->lang, msg, vs, text, sizeof text);
    weir_cli_put(&n->term, WEIR_STYLE_PLAIN, "  ");
    weir_cli_wrap(&n->term, style, 2, "  ", WEIR_CLI_PAGE_W, text);
}

static void percent(char *out, size_t cap, double p) { snprintf(out, cap, "%g%%", p * 100.0); }

static void column_titles(weir_cli_narrator *n)
{
    const weir_cli_term *t = &n->term;
    const char *time = weir_cli_text(n->lang, WEIR_MSG_COL_TIME);
    size_t tw = weir_cli_width(time);
    weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", tw < WEIR_CLI_TIME_W ? WEIR_CLI_TIME_W - tw : 0);
    weir_cli_put(t, WEIR_STYLE_DIM, time);
    weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", WEIR_CLI_GAP_W);
    weir_cli_put(t, WEIR_STYLE_LEFT, n->name[0]);
    size_t used = weir_cli_width(n->name[0]) + weir_cli_width(n->name[1]);
    weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", used < WEIR_CLI_BODY_W ? WEIR_CLI_BODY_W - used : 1);
    weir_cli_put(t, WEIR_STYLE_RIGHT, n->name[1]);
    weir_cli_newline(t);
    weir_cli_rule(n, NULL);
}

void weir_cli_narr_intro(weir_cli_narrator *n, const weir_cli_intro *in)
{
    weir_cli_vars vs = {.count = 0};
    char buf[32];
    weir_cli_vars_str(&vs, "bip", in->browser_addr);
    weir_cli_vars_str(&vs, "sip", in->server_addr);
    weir_cli_vars_u64(&vs, "delay", in->delay_ms);
    percent(buf, sizeof buf, in->loss);
    weir_cli_vars_str(&vs, "loss", buf);
    percent(buf, sizeof buf, in->duplicate);
    weir_cli_vars_str(&vs, "dup", buf);
    percent(buf, sizeof buf, in->corrupt);
    weir_cli_vars_str(&vs, "corrupt", buf);
    weir_cli_vars_u64(&vs, "seed", in->seed);
    weir_cli_vars_u64(&vs, "msl", n->msl_us / 1000000);
    weir_cli_vars_u64(&vs, "tw", 2 * n->msl_us / 1000000);

    weir_cli_rule(n, weir_cli_text(n->lang, WEIR_MSG_TITLE));
    intro_para(n, WEIR_STYLE_PLAIN, WEIR_MSG_INTRO_LINK, &vs);
    bool faults = in->loss > 0 || in->duplicate > 0 || in->corrupt > 0;
    intro_para(n, faults ? WEIR_STYLE_BAD : WEIR_STYLE_PLAIN,
               faults ? WEIR_MSG_INTRO_FAULTS : WEIR_MSG_INTRO_NO_FAULTS, &vs);
    intro_para(n, WEIR_STYLE_PLAIN, WEIR_MSG_INTRO_MSL, &vs);
    intro_para(n, WEIR_STYLE_DIM, WEIR_MSG_INTRO_REL, &vs);
    weir_cli_newline(&n->term);
    column_titles(n);
}

/* One "label   value" row of the summary, the value wrapped under itself. */
static void summary_row(weir_cli_narrator *n, size_t label_w, const char *label, const char *value)
{
    const weir_cli_term *t = &n->term;
    size_t w = weir_cli_width(label);
    weir_cli_put(t, WEIR_STYLE_PLAIN, "  ");
    weir_cli_put(t, WEIR_STYLE_BOLD, label);
    weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", label_w > w ? label_w - w + 2 : 2);
    char rest[64];
    size_t col = label_w + 4;
    memset(rest, ' ', col < sizeof rest ? col : sizeof rest - 1);
    rest[col < sizeof rest ? col : sizeof rest - 1] = '\0';
    weir_cli_wrap(t, WEIR_STYLE_PLAIN, col, rest, WEIR_CLI_PAGE_W, value);
}

static void path_str(const weir_cli_track *t, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < t->path_len && len < cap; i++) {
        int k =
            snprintf(out + len, cap - len, "%s%s", i ? " → " : "", weir_tcp_state_name(t->path[i]));
        if (k < 0)
            break;
        len += (size_t)k;
    }
}

typedef struct sum_row {
    char label[64];
    char value[512];
} sum_row;

static void row_msg(weir_cli_narrator *n, sum_row *r, weir_cli_msg label, weir_cli_msg value,
                    const weir_cli_vars *vs)
{
    weir_cli_text_expand(n->lang, label, vs, r->label, sizeof r->label);
    weir_cli_text_expand(n->lang, value, vs, r->value, sizeof r->value);
}

static size_t summary_rows(weir_cli_narrator *n, const weir_cli_summary *s, sum_row *rows)
{
    const weir_cli_track *b = &n->track[0], *v = &n->track[1];
    weir_cli_vars vs = {.count = 0};
    char ms[48];
    weir_cli_vars_u64(&vs, "b", b->segs);
    weir_cli_vars_u64(&vs, "s", v->segs);
    row_msg(n, &rows[0], WEIR_MSG_SUM_SEGMENTS_LBL, WEIR_MSG_SUM_SEGMENTS, &vs);
    weir_cli_vars_u64(&vs, "b", b->retrans);
    weir_cli_vars_u64(&vs, "s", v->retrans);
    row_msg(n, &rows[1], WEIR_MSG_SUM_RETRANS_LBL, WEIR_MSG_SUM_RETRANS, &vs);
    weir_cli_vars_u64(&vs, "sent", s->link.sent[0] + s->link.sent[1]);
    weir_cli_vars_u64(&vs, "lost",
                      s->link.lost[0] + s->link.lost[1] + s->link.queue_drops[0] +
                          s->link.queue_drops[1]);
    weir_cli_vars_u64(&vs, "corrupt", s->link.corrupted[0] + s->link.corrupted[1]);
    weir_cli_vars_u64(&vs, "dup", s->link.duplicated[0] + s->link.duplicated[1]);
    row_msg(n, &rows[2], WEIR_MSG_SUM_LINK_LBL, WEIR_MSG_SUM_LINK, &vs);
    weir_cli_vars_u64(&vs, "req", s->request_bytes);
    weir_cli_vars_u64(&vs, "resp", s->response_bytes);
    weir_cli_vars_u64(&vs, "page", s->page_bytes);
    weir_cli_vars_u64(&vs, "wire", b->payload_bytes + v->payload_bytes);
    row_msg(n, &rows[3], WEIR_MSG_SUM_BYTES_LBL, WEIR_MSG_SUM_BYTES, &vs);
    snprintf(ms, sizeof ms, "%" PRIu64 ".%03u", s->duration_us / 1000,
             (unsigned)(s->duration_us % 1000));
    weir_cli_vars_str(&vs, "ms", ms);
    weir_cli_vars_u64(&vs, "tw", 2 * n->msl_us / 1000000);
    row_msg(n, &rows[4], WEIR_MSG_SUM_TIME_LBL, WEIR_MSG_SUM_TIME, &vs);
    size_t count = 5;
    for (int side = 0; side < 2; side++, count++) {
        weir_cli_vars who = {.count = 0};
        weir_cli_vars_sides(n, &who, side);
        weir_cli_text_expand(n->lang, WEIR_MSG_SUM_STATES_LBL, &who, rows[count].label,
                             sizeof rows[count].label);
        path_str(&n->track[side], rows[count].value, sizeof rows[count].value);
    }
    if (s->pcap_path != NULL) {
        weir_cli_vars cap = {.count = 0};
        weir_cli_vars_str(&cap, "file", s->pcap_path);
        weir_cli_vars_u64(&cap, "n", s->pcap_frames);
        row_msg(n, &rows[count++], WEIR_MSG_SUM_PCAP_LBL, WEIR_MSG_SUM_PCAP, &cap);
    }
    return count;
}

void weir_cli_narr_summary(weir_cli_narrator *n, const weir_cli_summary *s)
{
    sum_row rows[8];
    size_t count = summary_rows(n, s, rows), label_w = 0;
    for (size_t i = 0; i < count; i++) {
        size_t w = weir_cli_width(rows[i].label);
        label_w = w > label_w ? w : label_w;
    }
    weir_cli_newline(&n->term);
    weir_cli_rule(n, weir_cli_text(n->lang, WEIR_MSG_SUM_TITLE));
    for (size_t i = 0; i < count; i++)
        summary_row(n, label_w, rows[i].label, rows[i].value);
    weir_cli_rule(n, NULL);
    if (n->term.out != NULL)
        fflush(n->term.out);
}
