/* pkt_expr.c — the %{ ... }% code events (README §2.5): every snippet of the public scripts is a
 * list of Python `assert <bool-expr> [, <message>]` statements over tcp_info fields. This is a
 * small evaluator for that subset over a name -> integer map, so no Python is needed.
 *
 * Statements are separated by newlines or ';', '#' starts a comment, '\' continues a line. The
 * message after the top-level ',' is never evaluated. Expression grammar (Python precedence):
 *   or   := and {'or' and}          and := not {'and' not}        not := 'not' not | cmp
 *   cmp  := bor {('=='|'!='|'<'|'<='|'>'|'>=') bor}   (chained, as in Python)
 *   bor  := bxor {'|' bxor}   bxor := band {'^' band}   band := shift {'&' shift}
 *   shift:= sum {('<<'|'>>') sum}   sum := term {('+'|'-') term}
 *   term := unary {('*'|'//'|'/'|'%') unary}   unary := ('-'|'+'|'~') unary | atom
 *   atom := INT | NAME | True | False | '(' or ')' */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

void pkt_namemap_set(pkt_namemap *m, const char *name, int64_t v)
{
    for (int i = 0; i < m->count; i++)
        if (strcmp(m->name[i], name) == 0) {
            m->value[i] = v;
            return;
        }
    if (m->count < 64) {
        m->name[m->count] = name;
        m->value[m->count] = v;
        m->count++;
    }
}

static bool namemap_get(const pkt_namemap *m, const char *name, size_t len, int64_t *v)
{
    for (int i = 0; m != NULL && i < m->count; i++)
        if (strlen(m->name[i]) == len && memcmp(m->name[i], name, len) == 0) {
            *v = m->value[i];
            return true;
        }
    return false;
}

typedef struct ev {
    const char *s; /* one statement's expression, NUL-terminated */
    size_t pos;
    const pkt_namemap *m;
    bool syntax;      /* a syntax error was seen */
    bool unknown;     /* an unknown name was used */
    char unknown_name[48];
    char seen[96]; /* "tcpi_x=V, ..." for every tcp_info field read, for the failure message */
} ev;

/* Remember what a tcp_info field read as, once per name, so a false assert can say it. */
static void note_value(ev *e, const char *name, size_t n, int64_t v)
{
    if (n < 5 || memcmp(name, "tcpi_", 5) != 0)
        return;
    char item[64];
    snprintf(item, sizeof item, "%.*s=", (int)n, name);
    size_t have = strlen(e->seen);
    for (const char *p = strstr(e->seen, item); p != NULL; p = strstr(p + 1, item))
        if (p == e->seen || p[-1] == ' ')
            return;
    snprintf(e->seen + have, sizeof e->seen - have, "%s%s%lld", have ? ", " : "", item,
             (long long)v);
}

static void skip_ws(ev *e)
{
    while (e->s[e->pos] == ' ' || e->s[e->pos] == '\t')
        e->pos++;
}

/* Consumes `op` when it is next (and, for words, not followed by a name character). */
static bool accept(ev *e, const char *op)
{
    skip_ws(e);
    size_t n = strlen(op);
    if (strncmp(e->s + e->pos, op, n) != 0)
        return false;
    char after = e->s[e->pos + n];
    if (isalpha((unsigned char)op[0]) && (isalnum((unsigned char)after) || after == '_'))
        return false;
    /* Do not read "<" out of "<=" or "<<", nor "=" out of "==", etc. */
    if (n == 1 && strchr("<>=!/*", op[0]) && (after == '=' || after == op[0]))
        return false;
    e->pos += n;
    return true;
}

static int64_t parse_or(ev *e);

static int64_t parse_atom(ev *e)
{
    skip_ws(e);
    const char *p = e->s + e->pos;
    if (accept(e, "(")) {
        int64_t v = parse_or(e);
        if (!accept(e, ")"))
            e->syntax = true;
        return v;
    }
    if (isdigit((unsigned char)*p)) {
        char *end;
        int64_t v = (int64_t)strtoll(p, &end, 0);
        e->pos += (size_t)(end - p);
        return v;
    }
    if (isalpha((unsigned char)*p) || *p == '_') {
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) || p[n] == '_')
            n++;
        e->pos += n;
        int64_t v = 0;
        if (n == 4 && memcmp(p, "True", 4) == 0)
            return 1;
        if (n == 5 && memcmp(p, "False", 5) == 0)
            return 0;
        if (namemap_get(e->m, p, n, &v)) {
            note_value(e, p, n, v);
        } else if (!e->unknown) {
            e->unknown = true;
            snprintf(e->unknown_name, sizeof e->unknown_name, "%.*s", (int)n, p);
        }
        return v;
    }
    e->syntax = true;
    return 0;
}

static int64_t parse_unary(ev *e)
{
    if (accept(e, "-"))
        return -parse_unary(e);
    if (accept(e, "+"))
        return parse_unary(e);
    if (accept(e, "~"))
        return ~parse_unary(e);
    return parse_atom(e);
}

static int64_t parse_term(ev *e)
{
    int64_t v = parse_unary(e);
    for (;;) {
        if (accept(e, "*")) {
            v *= parse_unary(e);
        } else if (accept(e, "//") || accept(e, "/")) {
            int64_t d = parse_unary(e);
            v = d ? v / d : 0;
        } else if (accept(e, "%")) {
            int64_t d = parse_unary(e);
            v = d ? v % d : 0;
        } else {
            return v;
        }
    }
}

static int64_t parse_sum(ev *e)
{
    int64_t v = parse_term(e);
    for (;;) {
        if (accept(e, "+"))
            v += parse_term(e);
        else if (accept(e, "-"))
            v -= parse_term(e);
        else
            return v;
    }
}

static int64_t parse_shift(ev *e)
{
    int64_t v = parse_sum(e);
    for (;;) {
        if (accept(e, "<<"))
            v = (int64_t)((uint64_t)v << (parse_sum(e) & 63));
        else if (accept(e, ">>"))
            v >>= parse_sum(e) & 63;
        else
            return v;
    }
}

static int64_t parse_band(ev *e)
{
    int64_t v = parse_shift(e);
    while (accept(e, "&"))
        v &= parse_shift(e);
    return v;
}

static int64_t parse_bxor(ev *e)
{
    int64_t v = parse_band(e);
    while (accept(e, "^"))
        v ^= parse_band(e);
    return v;
}

static int64_t parse_bor(ev *e)
{
    int64_t v = parse_bxor(e);
    while (accept(e, "|"))
        v |= parse_bxor(e);
    return v;
}

static bool compare_op(ev *e, int *op)
{
    static const char *const k_ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (int i = 0; i < 6; i++)
        if (accept(e, k_ops[i])) {
            *op = i;
            return true;
        }
    return false;
}

static int64_t parse_cmp(ev *e)
{
    int64_t left = parse_bor(e);
    int op;
    bool result = true, any = false;
    while (compare_op(e, &op)) {
        int64_t right = parse_bor(e);
        bool r = op == 0 ? left == right : op == 1 ? left != right : op == 2 ? left <= right
                 : op == 3 ? left >= right : op == 4 ? left < right : left > right;
        result = result && r;
        any = true;
        left = right;
    }
    return any ? result : left;
}

static int64_t parse_not(ev *e)
{
    if (accept(e, "not"))
        return !parse_not(e);
    return parse_cmp(e);
}

static int64_t parse_and(ev *e)
{
    int64_t v = parse_not(e);
    while (accept(e, "and")) {
        int64_t r = parse_not(e);
        v = v && r;
    }
    return v;
}

static int64_t parse_or(ev *e)
{
    int64_t v = parse_and(e);
    while (accept(e, "or")) {
        int64_t r = parse_and(e);
        v = v || r;
    }
    return v;
}

/* Cut the statement's expression at the first ',' outside parentheses and strings. */
static size_t expr_end(const char *s)
{
    int depth = 0;
    char quote = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (quote) {
            if (c == '\\' && s[i + 1])
                i++;
            else if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(' || c == '[') {
            depth++;
        } else if (c == ')' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 0) {
            return i;
        }
    }
    return strlen(s);
}

/* Split code into statements: returns the next one in buf, advancing *pos; false at the end. */
static bool next_statement(const char *code, size_t *pos, char *buf, size_t cap)
{
    size_t n = 0;
    char quote = 0;
    bool any = false;
    while (code[*pos]) {
        char c = code[(*pos)++];
        if (quote == 0 && c == '#') {
            while (code[*pos] && code[*pos] != '\n')
                (*pos)++;
            continue;
        }
        if (quote == 0 && c == '\\' && code[*pos] == '\n') {
            (*pos)++;
            c = ' ';
        } else if (quote == 0 && (c == '\n' || c == ';')) {
            if (any)
                break;
            continue;
        }
        if (c == '\'' || c == '"')
            quote = quote == c ? 0 : (quote ? quote : c);
        if (c != ' ' && c != '\t' && c != '\r')
            any = true;
        if (n + 1 < cap)
            buf[n++] = c == '\t' || c == '\r' ? ' ' : c;
    }
    buf[n] = 0;
    return any;
}

static pkt_assert_result eval_statement(char *stmt, const pkt_namemap *m, char *detail,
                                        size_t dlen)
{
    char *s = stmt;
    while (*s == ' ')
        s++;
    if (strncmp(s, "assert", 6) != 0 || (s[6] != ' ' && s[6] != '(')) {
        snprintf(detail, dlen, "not an assert statement: %.60s", s);
        return PKT_ASSERT_SYNTAX;
    }
    s += 6;
    s[expr_end(s)] = 0;
    ev e = {.s = s, .m = m};
    int64_t v = parse_or(&e);
    skip_ws(&e);
    if (e.syntax || e.s[e.pos] != 0) {
        snprintf(detail, dlen, "cannot evaluate: %.60s", s);
        return PKT_ASSERT_SYNTAX;
    }
    if (e.unknown) {
        snprintf(detail, dlen, "%s", e.unknown_name);
        return PKT_ASSERT_UNKNOWN;
    }
    if (!v) {
        while (*s == ' ')
            s++;
        if (e.seen[0])
            snprintf(detail, dlen, "assert %.70s (%s)", s, e.seen);
        else
            snprintf(detail, dlen, "assert %.70s", s);
        return PKT_ASSERT_FALSE;
    }
    return PKT_ASSERT_TRUE;
}

pkt_assert_result pkt_code_eval(const char *code, const pkt_namemap *m, char *detail,
                                size_t detail_len)
{
    char stmt[512];
    size_t pos = 0;
    pkt_assert_result worst = PKT_ASSERT_TRUE;
    detail[0] = 0;
    while (next_statement(code, &pos, stmt, sizeof stmt)) {
        char d[192];
        pkt_assert_result r = eval_statement(stmt, m, d, sizeof d);
        /* Order of badness: SYNTAX > FALSE > UNKNOWN > TRUE. */
        static const int k_rank[] = {0, 2, 1, 3};
        if (k_rank[r] > k_rank[worst]) {
            worst = r;
            snprintf(detail, detail_len, "%s", d);
        }
    }
    return worst;
}

bool pkt_expr_int(const char *text, int64_t *v)
{
    ev e = {.s = text};
    *v = parse_or(&e);
    skip_ws(&e);
    return !e.syntax && !e.unknown && e.s[e.pos] == 0;
}

bool pkt_code_syntax_ok(const char *code, char *err, size_t errlen)
{
    return pkt_code_eval(code, NULL, err, errlen) != PKT_ASSERT_SYNTAX;
}
