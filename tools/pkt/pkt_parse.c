/* pkt_parse.c — tokens to a script (README §2.1-2.5): option lines, an optional untimed init
 * shell line, timed events (packet, syscall, shell, code), an optional untimed cleanup line.
 *
 * Grammar, as implemented (whitespace and newlines have no meaning):
 *   event   := time action
 *   time    := '*' | ['+'] NUM ['~' ['+'] NUM] ['...' ['+'] NUM]
 *   action  := packet | syscall | SHELL | CODE
 *   packet  := ('<'|'>') ['[' WORD [HEX] ']'] flags seq {ack N | win N | urg N} [options]
 *            | ('<'|'>') 'icmp' ...            (kept for a static SKIP)
 *   flags   := WORD ['.'] | '.' | '-'          (WORD letters from "SFRPUEWA")
 *   seq     := N ':' N '(' N ')' | '...' '(' N ')'
 *   options := '<' '...' '>' | '<' opt {',' opt} '>'
 *   syscall := WORD '(' [expr {',' expr}] ')' '=' expr [ERRNO] [note]
 *   note    := '(' anything balanced ')'
 * The syscall argument grammar (expr) is in pkt_parse_expr below. */
#include <stdio.h>
#include <string.h>

#include "pkt.h"

typedef struct parser {
    pkt_arena *a;
    pkt_tok *t;
    int n, i;
    char *err;
    size_t errlen;
    bool failed;
} parser;

static const pkt_tok *peek(const parser *p, int k)
{
    int j = p->i + k;
    return &p->t[j < p->n ? j : p->n - 1];
}

static const pkt_tok *next(parser *p)
{
    const pkt_tok *t = peek(p, 0);
    if (p->i < p->n - 1)
        p->i++;
    return t;
}

static bool is_punct(const pkt_tok *t, char c)
{
    return t->kind == TK_PUNCT && t->ch == c;
}

static bool is_word(const pkt_tok *t, const char *w)
{
    return t->kind == TK_WORD && strcmp(t->text, w) == 0;
}

static bool is_number(const pkt_tok *t)
{
    return t->kind == TK_INT || t->kind == TK_FLOAT;
}

static bool error(parser *p, const pkt_tok *at, const char *what)
{
    if (!p->failed) {
        char got[48];
        switch (at->kind) {
        case TK_EOF:
            snprintf(got, sizeof got, "end of file");
            break;
        case TK_PUNCT:
            snprintf(got, sizeof got, "'%c'", at->ch);
            break;
        case TK_INT:
        case TK_FLOAT:
            snprintf(got, sizeof got, "number %g", at->fval);
            break;
        case TK_ELLIPSIS:
            snprintf(got, sizeof got, "'...'");
            break;
        default:
            snprintf(got, sizeof got, "'%.40s'", at->text ? at->text : "?");
            break;
        }
        /* At the end of the file, the line that was being read is the one to blame. */
        int line = at->kind == TK_EOF && p->i > 0 ? p->t[p->i - 1].line : at->line;
        snprintf(p->err, p->errlen, "line %d: %s (got %s)", line, what, got);
    }
    p->failed = true;
    return false;
}

static bool expect_punct(parser *p, char c)
{
    const pkt_tok *t = peek(p, 0);
    if (!is_punct(t, c)) {
        char what[32];
        snprintf(what, sizeof what, "expected '%c'", c);
        return error(p, t, what);
    }
    next(p);
    return true;
}

static bool expect_uint(parser *p, uint32_t *out)
{
    const pkt_tok *t = peek(p, 0);
    if (t->kind != TK_INT || t->ival < 0 || t->ival > 0xffffffffLL)
        return error(p, t, "expected an unsigned 32-bit integer");
    *out = (uint32_t)t->ival;
    next(p);
    return true;
}

/* ---- time ------------------------------------------------------------------------------------ */

static bool time_value(parser *p, bool *rel, int64_t *us)
{
    *rel = false;
    if (is_punct(peek(p, 0), '+')) {
        *rel = true;
        next(p);
    }
    const pkt_tok *t = peek(p, 0);
    if (!is_number(t) || t->fval < 0)
        return error(p, t, "expected a time");
    *us = (int64_t)(t->fval * 1e6 + 0.5);
    next(p);
    return true;
}

static bool parse_time(parser *p, pkt_time *tm)
{
    if (is_punct(peek(p, 0), '*')) {
        next(p);
        tm->kind = PT_ANY;
        return true;
    }
    bool rel;
    if (!time_value(p, &rel, &tm->us))
        return false;
    tm->kind = rel ? PT_REL : PT_ABS;
    if (is_punct(peek(p, 0), '~')) {
        const pkt_tok *at = next(p);
        bool rel2;
        if (!time_value(p, &rel2, &tm->end_us))
            return false;
        if (rel2 != rel)
            return error(p, at, "both ends of a time range must be absolute or relative");
        if (tm->end_us < tm->us)
            return error(p, at, "time range runs backwards");
        tm->range = true;
    }
    if (peek(p, 0)->kind == TK_ELLIPSIS) {
        next(p);
        bool rel2;
        if (!time_value(p, &rel2, &tm->block_end_us))
            return false;
        tm->blocking = true;
    }
    return true;
}

/* ---- packets --------------------------------------------------------------------------------- */

static bool parse_flags(parser *p, pkt_packet *pk)
{
    const pkt_tok *t = peek(p, 0);
    if (is_punct(t, '-')) {
        next(p);
        return true;
    }
    if (t->kind == TK_WORD) {
        for (const char *c = t->text; *c; c++) {
            static const char k_letters[] = "FSRPUEWA";
            static const uint16_t k_bits[] = {PKT_FIN, PKT_SYN, PKT_RST, PKT_PSH,
                                              PKT_URG, PKT_ECE, PKT_CWR, PKT_AE};
            const char *f = strchr(k_letters, *c);
            if (f == NULL)
                return error(p, t, "bad TCP flag letter");
            pk->flags |= k_bits[f - k_letters];
        }
        next(p);
        t = peek(p, 0);
        if (is_punct(t, '.') && !t->space_before) {
            pk->flags |= PKT_ACK;
            next(p);
        }
        return true;
    }
    if (is_punct(t, '.')) {
        pk->flags |= PKT_ACK;
        next(p);
        return true;
    }
    return error(p, t, "expected TCP flags");
}

static bool parse_seq(parser *p, pkt_packet *pk)
{
    const pkt_tok *at = peek(p, 0);
    uint32_t end = 0;
    if (at->kind == TK_ELLIPSIS) {
        next(p);
        pk->seq_any = true;
    } else if (!expect_uint(p, &pk->seq) || !expect_punct(p, ':') || !expect_uint(p, &end)) {
        return false;
    }
    if (!expect_punct(p, '(') || !expect_uint(p, &pk->len) || !expect_punct(p, ')'))
        return false;
    if (!pk->seq_any && end - pk->seq != pk->len)
        return error(p, at, "sequence range end must equal start + length");
    return true;
}

/* An option outside the subset: its word and everything up to ',' or '>'. */
static void unsupported_opt(parser *p, pkt_opt *o)
{
    o->kind = PO_UNSUPPORTED;
    o->name = peek(p, 0)->text;
    next(p);
    while (!is_punct(peek(p, 0), ',') && !is_punct(peek(p, 0), '>') &&
           peek(p, 0)->kind != TK_EOF)
        next(p);
}

static bool parse_sack_blocks(parser *p, pkt_opt *o)
{
    while (peek(p, 0)->kind == TK_INT) {
        if (o->nblocks == PKT_MAX_SACK)
            return error(p, peek(p, 0), "too many SACK blocks");
        if (!expect_uint(p, &o->left[o->nblocks]) || !expect_punct(p, ':') ||
            !expect_uint(p, &o->right[o->nblocks]))
            return false;
        o->nblocks++;
    }
    return true;
}

static bool parse_opt(parser *p, pkt_opt *o)
{
    const pkt_tok *t = peek(p, 0);
    if (t->kind != TK_WORD)
        return error(p, t, "expected a TCP option");
    if (is_word(t, "nop") || is_word(t, "NOP")) {
        o->kind = PO_NOP;
        next(p);
    } else if (is_word(t, "eol") || is_word(t, "EOL")) {
        o->kind = PO_EOL;
        next(p);
    } else if (is_word(t, "mss")) {
        o->kind = PO_MSS;
        next(p);
        return expect_uint(p, &o->val);
    } else if (is_word(t, "wscale")) {
        o->kind = PO_WSCALE;
        next(p);
        return expect_uint(p, &o->val);
    } else if (is_word(t, "sackOK")) {
        o->kind = PO_SACKOK;
        next(p);
    } else if (is_word(t, "sack")) {
        o->kind = PO_SACK;
        next(p);
        return parse_sack_blocks(p, o);
    } else if (is_word(t, "TS")) {
        o->kind = PO_TS;
        next(p);
        if (!is_word(peek(p, 0), "val"))
            return error(p, peek(p, 0), "expected 'val'");
        next(p);
        if (!expect_uint(p, &o->val))
            return false;
        if (!is_word(peek(p, 0), "ecr"))
            return error(p, peek(p, 0), "expected 'ecr'");
        next(p);
        return expect_uint(p, &o->ecr);
    } else {
        unsupported_opt(p, o);
    }
    return true;
}

static bool parse_options(parser *p, pkt_packet *pk)
{
    next(p); /* '<' */
    if (peek(p, 0)->kind == TK_ELLIPSIS) {
        next(p);
        pk->opts_mode = PKT_OPTS_ANY;
        return expect_punct(p, '>');
    }
    pk->opts_mode = PKT_OPTS_LIST;
    for (;;) {
        if (pk->nopts == PKT_MAX_OPTS)
            return error(p, peek(p, 0), "too many TCP options");
        if (!parse_opt(p, &pk->opts[pk->nopts++]))
            return false;
        if (is_punct(peek(p, 0), '>')) {
            next(p);
            return true;
        }
        if (!expect_punct(p, ','))
            return false;
    }
}

static bool parse_ip_info(parser *p, pkt_packet *pk)
{
    next(p); /* '[' */
    const pkt_tok *t = peek(p, 0);
    if (t->kind != TK_WORD)
        return error(p, t, "expected an IP field ([noecn], [ect0], [tos 0x..])");
    pk->ip_info = t->text;
    next(p);
    if (peek(p, 0)->kind == TK_INT)
        next(p);
    return expect_punct(p, ']');
}

static void skip_icmp(parser *p, pkt_packet *pk)
{
    /* '< icmp unreachable frag_needed mtu 1200 [1:1461(1460)]': everything up to the next
     * event's time. */
    pk->icmp = true;
    next(p);
    int line = peek(p, -1)->line;
    while (peek(p, 0)->kind != TK_EOF && peek(p, 0)->line == line)
        next(p);
}

static bool parse_packet(parser *p, pkt_event *ev)
{
    pkt_packet *pk = pkt_alloc(p->a, sizeof *pk);
    ev->kind = EV_PACKET;
    ev->pkt = pk;
    pk->inbound = is_punct(next(p), '<');
    if (is_word(peek(p, 0), "icmp")) {
        skip_icmp(p, pk);
        return true;
    }
    if (is_punct(peek(p, 0), '[') && !parse_ip_info(p, pk))
        return false;
    if (!parse_flags(p, pk) || !parse_seq(p, pk))
        return false;
    for (;;) {
        const pkt_tok *t = peek(p, 0);
        uint32_t *field = NULL;
        if (is_word(t, "ack")) {
            field = &pk->ack;
            pk->has_ack = true;
        } else if (is_word(t, "win")) {
            field = &pk->win;
            pk->has_win = true;
        } else if (is_word(t, "urg")) {
            field = &pk->urg;
            pk->has_urg = true;
        } else {
            break;
        }
        next(p);
        if (!expect_uint(p, field))
            return false;
    }
    if (is_punct(peek(p, 0), '<'))
        return parse_options(p, pk);
    return true;
}

/* ---- syscalls -------------------------------------------------------------------------------- */

static pkt_expr *parse_expr(parser *p);

static pkt_expr *new_expr(parser *p, pkt_expr_kind kind)
{
    pkt_expr *e = pkt_alloc(p->a, sizeof *e);
    e->kind = kind;
    return e;
}

/* A comma-separated list up to `close`; elements may be `name=value` when named is set. */
static bool parse_list(parser *p, pkt_expr *into, char close, bool named)
{
    pkt_expr *kids[64];
    int n = 0;
    if (is_punct(peek(p, 0), close)) {
        next(p);
        return true;
    }
    for (;;) {
        if (n == 64)
            return error(p, peek(p, 0), "argument list too long");
        pkt_expr *e = parse_expr(p);
        if (e == NULL)
            return false;
        if (named && is_punct(peek(p, 0), '=')) {
            next(p);
            pkt_expr *v = parse_expr(p);
            if (v == NULL)
                return false;
            if (e->kind == PE_WORD)
                v->name = e->text;
            else
                v->name_expr = e;
            e = v;
        }
        kids[n++] = e;
        if (is_punct(peek(p, 0), close)) {
            next(p);
            break;
        }
        if (!expect_punct(p, ','))
            return false;
    }
    into->nkids = n;
    into->kids = pkt_alloc(p->a, (size_t)n * sizeof(pkt_expr *));
    memcpy(into->kids, kids, (size_t)n * sizeof(pkt_expr *));
    return true;
}

static pkt_expr *parse_term(parser *p)
{
    const pkt_tok *t = next(p);
    pkt_expr *e;
    switch (t->kind) {
    case TK_INT:
        e = new_expr(p, PE_INT);
        e->ival = t->ival;
        return e;
    case TK_STRING:
        e = new_expr(p, PE_STRING);
        e->text = t->text;
        return e;
    case TK_ELLIPSIS:
        return new_expr(p, PE_ELLIPSIS);
    case TK_WORD:
        if (is_punct(peek(p, 0), '(') && !peek(p, 0)->space_before) {
            next(p);
            e = new_expr(p, PE_CALL);
            e->text = t->text;
            return parse_list(p, e, ')', false) ? e : NULL;
        }
        e = new_expr(p, PE_WORD);
        e->text = t->text;
        return e;
    case TK_PUNCT:
        if (t->ch == '[') {
            e = new_expr(p, PE_LIST);
            return parse_list(p, e, ']', false) ? e : NULL;
        }
        if (t->ch == '{') {
            e = new_expr(p, PE_STRUCT);
            return parse_list(p, e, '}', true) ? e : NULL;
        }
        break;
    default:
        break;
    }
    error(p, t, "expected a syscall argument");
    return NULL;
}

static pkt_expr *parse_expr(parser *p)
{
    pkt_expr *e = parse_term(p);
    while (e != NULL && is_punct(peek(p, 0), '|')) {
        next(p);
        pkt_expr *r = parse_term(p);
        if (r == NULL)
            return NULL;
        pkt_expr *o = new_expr(p, PE_OR);
        o->nkids = 2;
        o->kids = pkt_alloc(p->a, 2 * sizeof(pkt_expr *));
        o->kids[0] = e;
        o->kids[1] = r;
        e = o;
    }
    return e;
}

static bool skip_note(parser *p)
{
    int depth = 0;
    do {
        const pkt_tok *t = next(p);
        if (t->kind == TK_EOF)
            return error(p, t, "unterminated note");
        if (is_punct(t, '('))
            depth++;
        else if (is_punct(t, ')'))
            depth--;
    } while (depth > 0);
    return true;
}

static bool parse_syscall(parser *p, pkt_event *ev)
{
    pkt_syscall *sc = pkt_alloc(p->a, sizeof *sc);
    ev->kind = EV_SYSCALL;
    ev->sys = sc;
    sc->name = next(p)->text;
    pkt_expr args = {0};
    if (!expect_punct(p, '(') || !parse_list(p, &args, ')', false))
        return false;
    sc->nargs = args.nkids;
    sc->args = args.kids;
    if (!expect_punct(p, '='))
        return false;
    sc->ret = parse_expr(p);
    if (sc->ret == NULL)
        return false;
    const pkt_tok *t = peek(p, 0);
    if (t->kind == TK_WORD && t->text[0] == 'E') {
        sc->errno_name = t->text;
        next(p);
    }
    if (is_punct(peek(p, 0), '(') && !skip_note(p))
        return false;
    return true;
}

/* ---- script ---------------------------------------------------------------------------------- */

static bool parse_action(parser *p, pkt_event *ev)
{
    const pkt_tok *t = peek(p, 0);
    ev->line = t->line;
    if (is_punct(t, '<') || is_punct(t, '>'))
        return parse_packet(p, ev);
    if (t->kind == TK_SHELL || t->kind == TK_CODE) {
        ev->kind = t->kind == TK_SHELL ? EV_SHELL : EV_CODE;
        ev->text = t->text;
        next(p);
        return true;
    }
    if (t->kind == TK_WORD && is_punct(peek(p, 1), '('))
        return parse_syscall(p, ev);
    return error(p, t, "expected a packet, a syscall, a `shell` or a %{ code }% line");
}

static bool parse_event(parser *p, pkt_event *ev)
{
    const pkt_tok *t = peek(p, 0);
    ev->line = t->line;
    if (t->kind == TK_SHELL) { /* untimed: init or cleanup command */
        ev->kind = EV_SHELL;
        ev->time.kind = PT_NONE;
        ev->text = t->text;
        next(p);
        return true;
    }
    if (!parse_time(p, &ev->time))
        return false;
    if (!parse_action(p, ev))
        return false;
    if (ev->time.blocking && ev->kind != EV_SYSCALL)
        return error(p, t, "only a syscall may block (t...e)");
    if ((ev->time.kind == PT_ANY || ev->time.range) &&
        !(ev->kind == EV_PACKET && !ev->pkt->inbound))
        return error(p, t, "'*' and time ranges are for outbound packets only");
    return true;
}

static void add_option(parser *p, pkt_script *s, const char *text)
{
    if (s->nopts == 32)
        return;
    const char *eq = strchr(text, '=');
    if (eq == NULL) {
        s->opt_name[s->nopts] = text;
        s->opt_value[s->nopts] = NULL;
    } else {
        s->opt_name[s->nopts] = pkt_strndup(p->a, text, (size_t)(eq - text));
        s->opt_value[s->nopts] = eq + 1;
    }
    s->nopts++;
}

static bool mentions(const char *src, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(src + i, word, n) == 0)
            return true;
    return false;
}

int pkt_parse(pkt_arena *a, const char *path, const char *src, size_t len,
              const pkt_defines *defs, pkt_script *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    out->branches_on_standard =
        mentions(src, len, "#ifdef STANDARD") || mentions(src, len, "#ifndef STANDARD");
    pkt_tok *toks;
    int n = pkt_lex(a, src, len, defs, &toks, err, errlen);
    if (n < 0)
        return -1;
    parser p = {.a = a, .t = toks, .n = n, .err = err, .errlen = errlen};
    int cap = 64;
    out->events = pkt_alloc(a, (size_t)cap * sizeof *out->events);
    while (peek(&p, 0)->kind != TK_EOF) {
        if (peek(&p, 0)->kind == TK_OPTION) {
            add_option(&p, out, next(&p)->text);
            continue;
        }
        if (out->nevents == cap) {
            pkt_event *ev = pkt_alloc(a, (size_t)cap * 2 * sizeof *ev);
            memcpy(ev, out->events, (size_t)cap * sizeof *ev);
            out->events = ev;
            cap *= 2;
        }
        if (!parse_event(&p, &out->events[out->nevents++]))
            return -1;
    }
    return 0;
}

const char *pkt_script_option(const pkt_script *s, const char *name)
{
    for (int i = s->nopts - 1; i >= 0; i--)
        if (strcmp(s->opt_name[i], name) == 0)
            return s->opt_value[i] ? s->opt_value[i] : "";
    return NULL;
}

bool pkt_script_has_option(const pkt_script *s, const char *name)
{
    return pkt_script_option(s, name) != NULL;
}
