/* pkt_lex.c — .pkt text to tokens (README §2.1 "Lexical rules").
 *
 * Whitespace, newlines included, has no meaning; comments are // and slash-star. `#ifdef NAME` …
 * [`#else` …] `#endif` lines (the nplab/FreeBSD dialect) keep or drop text by whether NAME is
 * defined; dropped lines become empty so that line numbers stay right. A line starting with `--`
 * is a command-line option (`--tolerance_usecs=10000`). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

bool pkt_defined(const pkt_defines *defs, const char *name)
{
    for (int i = 0; defs != NULL && i < defs->count; i++)
        if (strcmp(defs->name[i], name) == 0)
            return true;
    return false;
}

/* ---- #ifdef ---------------------------------------------------------------------------------- */

static bool directive(const char *line, size_t n, const char *word, char *arg, size_t argcap)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t wl = strlen(word);
    if (n - i < wl || memcmp(line + i, word, wl) != 0)
        return false;
    i += wl;
    if (i < n && !isspace((unsigned char)line[i]))
        return false;
    while (i < n && isspace((unsigned char)line[i]))
        i++;
    size_t k = 0;
    while (i < n && !isspace((unsigned char)line[i]) && k + 1 < argcap)
        arg[k++] = line[i++];
    arg[k] = 0;
    return true;
}

/* Returns a copy of src with #ifdef'd-out lines blanked, or NULL with err on a bad nesting. */
static char *preprocess(pkt_arena *a, const char *src, size_t len, const pkt_defines *defs,
                        char *err, size_t errlen)
{
    char *out = pkt_alloc(a, len + 1);
    bool keep[9] = {true};
    int depth = 0, line = 1;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && src[e] != '\n')
            e++;
        char arg[64];
        bool blank = true;
        if (directive(src + i, e - i, "#ifdef", arg, sizeof arg) ||
            directive(src + i, e - i, "#ifndef", arg, sizeof arg)) {
            if (depth == 8) {
                snprintf(err, errlen, "line %d: #ifdef nested too deep", line);
                return NULL;
            }
            bool neg = directive(src + i, e - i, "#ifndef", arg, sizeof arg);
            depth++;
            keep[depth] = keep[depth - 1] && (pkt_defined(defs, arg) != neg);
        } else if (directive(src + i, e - i, "#else", arg, sizeof arg)) {
            if (depth == 0) {
                snprintf(err, errlen, "line %d: #else without #ifdef", line);
                return NULL;
            }
            keep[depth] = keep[depth - 1] && !keep[depth];
        } else if (directive(src + i, e - i, "#endif", arg, sizeof arg)) {
            if (depth == 0) {
                snprintf(err, errlen, "line %d: #endif without #ifdef", line);
                return NULL;
            }
            depth--;
        } else {
            blank = !keep[depth];
        }
        if (!blank) {
            memcpy(out + o, src + i, e - i);
            o += e - i;
        }
        if (e < len)
            out[o++] = '\n';
        i = e + 1;
        line++;
    }
    if (depth != 0) {
        snprintf(err, errlen, "line %d: #ifdef without #endif", line);
        return NULL;
    }
    out[o] = 0;
    return out;
}

/* ---- tokens ---------------------------------------------------------------------------------- */

typedef struct lexer {
    pkt_arena *a;
    const char *s;
    size_t pos;
    int line;
    bool line_start; /* only whitespace since the last newline */
    pkt_tok *toks;
    int ntoks, cap;
    char *err;
    size_t errlen;
} lexer;

static pkt_tok *push(lexer *lx, pkt_tok_kind kind, bool space)
{
    if (lx->ntoks == lx->cap) {
        int cap = lx->cap ? lx->cap * 2 : 256;
        pkt_tok *t = pkt_alloc(lx->a, (size_t)cap * sizeof *t);
        if (lx->ntoks)
            memcpy(t, lx->toks, (size_t)lx->ntoks * sizeof *t);
        lx->toks = t;
        lx->cap = cap;
    }
    pkt_tok *t = &lx->toks[lx->ntoks++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = lx->line;
    t->space_before = space;
    return t;
}

static int fail(lexer *lx, const char *what)
{
    snprintf(lx->err, lx->errlen, "line %d: %s", lx->line, what);
    return -1;
}

static void count_lines(lexer *lx, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (lx->s[i] == '\n')
            lx->line++;
}

/* Text between `open` (already consumed) and the closing delimiter `close`. */
static int delimited(lexer *lx, pkt_tok_kind kind, const char *close, bool space, const char *what)
{
    const char *end = strstr(lx->s + lx->pos, close);
    if (end == NULL)
        return fail(lx, what);
    size_t e = (size_t)(end - lx->s);
    pkt_tok *t = push(lx, kind, space);
    t->text = pkt_strndup(lx->a, lx->s + lx->pos, e - lx->pos);
    count_lines(lx, lx->pos, e);
    lx->pos = e + strlen(close);
    return 0;
}

static int string_tok(lexer *lx, bool space)
{
    size_t i = lx->pos;
    while (lx->s[i] && lx->s[i] != '"') {
        if (lx->s[i] == '\\' && lx->s[i + 1])
            i++;
        i++;
    }
    if (!lx->s[i])
        return fail(lx, "unterminated string");
    pkt_tok *t = push(lx, TK_STRING, space);
    t->text = pkt_strndup(lx->a, lx->s + lx->pos, i - lx->pos);
    count_lines(lx, lx->pos, i);
    lx->pos = i + 1;
    return 0;
}

static void option_tok(lexer *lx, bool space)
{
    size_t e = lx->pos;
    while (lx->s[e] && lx->s[e] != '\n')
        e++;
    size_t t_end = e;
    while (t_end > lx->pos && isspace((unsigned char)lx->s[t_end - 1]))
        t_end--;
    pkt_tok *t = push(lx, TK_OPTION, space);
    t->text = pkt_strndup(lx->a, lx->s + lx->pos, t_end - lx->pos);
    lx->pos = e;
}

/* [-] digits [. digits] | [-] . digits | 0x hex */
static int number_tok(lexer *lx, bool space)
{
    const char *p = lx->s + lx->pos;
    const char *start = p;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    pkt_tok *t = push(lx, TK_INT, space);
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
        char *end;
        unsigned long long v = strtoull(p + 2, &end, 16);
        t->ival = neg ? -(int64_t)v : (int64_t)v;
        t->fval = (double)t->ival;
        lx->pos += (size_t)(end - start);
        return 0;
    }
    const char *q = p;
    while (isdigit((unsigned char)*q))
        q++;
    bool frac = q[0] == '.' && isdigit((unsigned char)q[1]);
    if (frac) {
        q++;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (isalpha((unsigned char)*q) || *q == '_')
        return fail(lx, "bad number");
    char buf[64];
    size_t n = (size_t)(q - start);
    if (n >= sizeof buf)
        return fail(lx, "number too long");
    memcpy(buf, start, n);
    buf[n] = 0;
    if (frac) {
        t->kind = TK_FLOAT;
        t->fval = strtod(buf, NULL);
    } else {
        t->ival = strtoll(buf, NULL, 10);
        t->fval = (double)t->ival;
    }
    lx->pos += n;
    return 0;
}

static bool starts_number(const char *p)
{
    if (*p == '-')
        p++;
    return isdigit((unsigned char)*p) || (p[0] == '.' && isdigit((unsigned char)p[1]));
}

static int next_token(lexer *lx, bool space)
{
    const char *p = lx->s + lx->pos;
    if (lx->line_start && p[0] == '-' && p[1] == '-') {
        lx->pos += 2;
        option_tok(lx, space);
        return 0;
    }
    lx->line_start = false;
    if (p[0] == '.' && p[1] == '.' && p[2] == '.') {
        push(lx, TK_ELLIPSIS, space);
        lx->pos += 3;
        return 0;
    }
    if (starts_number(p))
        return number_tok(lx, space);
    if (isalpha((unsigned char)*p) || *p == '_') {
        size_t e = lx->pos;
        while (isalnum((unsigned char)lx->s[e]) || lx->s[e] == '_')
            e++;
        pkt_tok *t = push(lx, TK_WORD, space);
        t->text = pkt_strndup(lx->a, p, e - lx->pos);
        lx->pos = e;
        return 0;
    }
    if (*p == '`') {
        lx->pos++;
        return delimited(lx, TK_SHELL, "`", space, "unterminated backquote");
    }
    if (p[0] == '%' && p[1] == '{') {
        lx->pos += 2;
        return delimited(lx, TK_CODE, "}%", space, "unterminated %{");
    }
    if (*p == '"') {
        lx->pos++;
        return string_tok(lx, space);
    }
    if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
        return fail(lx, "unexpected character");
    pkt_tok *t = push(lx, TK_PUNCT, space);
    t->ch = *p;
    lx->pos++;
    return 0;
}

/* Skips whitespace and comments; returns false at an unterminated comment. */
static bool skip_space(lexer *lx, bool *space)
{
    for (;;) {
        char c = lx->s[lx->pos];
        if (c == '\n') {
            lx->line++;
            lx->line_start = true;
            lx->pos++;
            *space = true;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->pos++;
            *space = true;
        } else if (c == '/' && lx->s[lx->pos + 1] == '/') {
            while (lx->s[lx->pos] && lx->s[lx->pos] != '\n')
                lx->pos++;
            *space = true;
        } else if (c == '/' && lx->s[lx->pos + 1] == '*') {
            const char *end = strstr(lx->s + lx->pos + 2, "*/");
            if (end == NULL)
                return false;
            size_t e = (size_t)(end - lx->s) + 2;
            count_lines(lx, lx->pos, e);
            lx->pos = e;
            *space = true;
        } else {
            return true;
        }
    }
}

int pkt_lex(pkt_arena *a, const char *src, size_t len, const pkt_defines *defs, pkt_tok **out,
            char *err, size_t errlen)
{
    char *text = preprocess(a, src, len, defs, err, errlen);
    if (text == NULL)
        return -1;
    lexer lx = {.a = a, .s = text, .line = 1, .line_start = true, .err = err, .errlen = errlen};
    for (;;) {
        bool space = lx.pos == 0;
        if (!skip_space(&lx, &space))
            return fail(&lx, "unterminated comment");
        if (lx.s[lx.pos] == 0)
            break;
        if (next_token(&lx, space) != 0)
            return -1;
    }
    push(&lx, TK_EOF, true);
    *out = lx.toks;
    return lx.ntoks;
}
