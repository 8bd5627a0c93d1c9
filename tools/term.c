/* term.c — colour, UTF-8 display width and word wrapping for the CLI's output (see term.h).
 *
 * Widths follow the East Asian Width property closely enough for our texts: CJK ideographs, kana,
 * Hangul and full-width forms take two columns; everything else we print (Latin, arrows, box
 * drawing, "·", "—", curly quotes) takes one, as in a terminal with a non-CJK locale. */
#define _POSIX_C_SOURCE 200809L /* fileno, isatty */

#include "term.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const k_style_on[WEIR_STYLE_COUNT] = {
    [WEIR_STYLE_PLAIN] = "",          [WEIR_STYLE_DIM] = "\x1b[2m",
    [WEIR_STYLE_BOLD] = "\x1b[1m",    [WEIR_STYLE_LEFT] = "\x1b[36m",
    [WEIR_STYLE_RIGHT] = "\x1b[32m",  [WEIR_STYLE_STATE] = "\x1b[1;33m",
    [WEIR_STYLE_EXPLAIN] = "",        [WEIR_STYLE_APP] = "\x1b[35m",
    [WEIR_STYLE_BAD] = "\x1b[1;31m",  [WEIR_STYLE_NOTE] = "\x1b[33m",
    [WEIR_STYLE_GOOD] = "\x1b[1;32m", [WEIR_STYLE_TIMER] = "\x1b[34m",
};
static const char k_style_off[] = "\x1b[0m";

bool weir_cli_color_wanted(FILE *f)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color != NULL && no_color[0] != '\0')
        return false;
    return f != NULL && isatty(fileno(f));
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

/* Decode one code point at s; *len gets its byte count (1 for a malformed byte). */
static uint32_t utf8_next(const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80 ? 1 : u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 1;
    uint32_t cp = n == 1 ? u[0] : n == 2 ? (u[0] & 0x1Fu) : n == 3 ? (u[0] & 0x0Fu) : (u[0] & 7u);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *len = 1;
            return u[0];
        }
        cp = (cp << 6) | (u[i] & 0x3Fu);
    }
    *len = n;
    return cp;
}

static bool is_wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
           (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t weir_cli_width_n(const char *s, size_t bytes)
{
    size_t w = 0, i = 0;
    while (i < bytes && s[i] != '\0') {
        size_t len;
        uint32_t cp = utf8_next(s + i, &len);
        w += is_wide(cp) ? 2 : 1;
        i += len;
    }
    return w;
}

size_t weir_cli_width(const char *s) { return weir_cli_width_n(s, strlen(s)); }

/* ---- writing -------------------------------------------------------------------------------- */

void weir_cli_put(const weir_cli_term *t, weir_cli_style style, const char *s)
{
    if (t->out == NULL)
        return;
    bool styled = t->color && style != WEIR_STYLE_PLAIN && k_style_on[style][0] != '\0';
    if (styled)
        fputs(k_style_on[style], t->out);
    fputs(s, t->out);
    if (styled)
        fputs(k_style_off, t->out);
}

void weir_cli_repeat(const weir_cli_term *t, weir_cli_style style, const char *s, size_t n)
{
    if (t->out == NULL)
        return;
    bool styled = t->color && style != WEIR_STYLE_PLAIN && k_style_on[style][0] != '\0';
    if (styled)
        fputs(k_style_on[style], t->out);
    for (size_t i = 0; i < n; i++)
        fputs(s, t->out);
    if (styled)
        fputs(k_style_off, t->out);
}

void weir_cli_newline(const weir_cli_term *t)
{
    if (t->out != NULL)
        fputc('\n', t->out);
}

/* ---- wrapping ------------------------------------------------------------------------------- */

/* Punctuation that must not start a line (it belongs to what comes before). */
static bool no_break_before(uint32_t cp)
{
    static const uint32_t k_closing[] = {0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF01,
                                         0xFF1F, 0xFF09, 0x300D, 0x300F, 0x300B, 0x3011,
                                         0x201D, 0x2019, 0x2014, 0x2026, ',',    '.',
                                         ';',    ':',    '!',    '?',    ')'};
    for (size_t i = 0; i < sizeof k_closing / sizeof k_closing[0]; i++)
        if (cp == k_closing[i])
            return true;
    return false;
}

/* Punctuation that must not end a line (it belongs to what follows). */
static bool no_break_after(uint32_t cp)
{
    return cp == 0xFF08 || cp == 0x300C || cp == 0x300E || cp == 0x300A || cp == 0x3010 ||
           cp == 0x201C || cp == 0x2018 || cp == '(';
}

/* Bytes of the unbreakable unit starting at s (s is not a space). */
static size_t unit_len(const char *s)
{
    size_t len;
    uint32_t prev = utf8_next(s, &len);
    size_t i = len;
    while (s[i] != '\0' && s[i] != ' ' && s[i] != '\n') {
        uint32_t cp = utf8_next(s + i, &len);
        bool cjk_edge = is_wide(prev) || is_wide(cp);
        if (cjk_edge && !no_break_before(cp) && !no_break_after(prev))
            break;
        prev = cp;
        i += len;
    }
    return i;
}

/* One output line being assembled, so that it is styled as a whole. */
typedef struct line_buf {
    char text[1024];
    size_t len;
} line_buf;

static void line_flush(const weir_cli_term *t, weir_cli_style style, line_buf *b)
{
    b->text[b->len] = '\0';
    if (b->len > 0)
        weir_cli_put(t, style, b->text);
    b->len = 0;
}

static void line_add(const weir_cli_term *t, weir_cli_style style, line_buf *b, const char *s,
                     size_t n)
{
    while (n > 0) {
        size_t room = sizeof b->text - 1 - b->len;
        if (room == 0) {
            line_flush(t, style, b);
            continue;
        }
        size_t take = n < room ? n : room;
        memcpy(b->text + b->len, s, take);
        b->len += take;
        s += take;
        n -= take;
    }
}

void weir_cli_wrap(const weir_cli_term *t, weir_cli_style style, size_t col, const char *rest,
                   size_t width, const char *text)
{
    size_t rest_w = weir_cli_width(rest);
    line_buf b = {.len = 0};
    bool line_empty = true, space = false;
    const char *p = text;
    while (*p != '\0') {
        if (*p == ' ' || *p == '\n') {
            space = true;
            p++;
            continue;
        }
        size_t n = unit_len(p);
        size_t w = weir_cli_width_n(p, n);
        if (!line_empty && col + (space ? 1 : 0) + w > width) {
            line_flush(t, style, &b);
            weir_cli_newline(t);
            weir_cli_put(t, WEIR_STYLE_PLAIN, rest);
            col = rest_w;
            line_empty = true;
        }
        if (space && !line_empty) {
            line_add(t, style, &b, " ", 1);
            col++;
        }
        line_add(t, style, &b, p, n);
        col += w;
        line_empty = false;
        space = false;
        p += n;
    }
    line_flush(t, style, &b);
    weir_cli_newline(t);
}
