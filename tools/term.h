/* term.h — terminal output for the CLI: colour only when it helps (stdout is a terminal, NO_COLOR
 * unset), display widths of UTF-8 text (a CJK character takes two columns) and word wrapping that
 * works for English and Chinese alike. */
#ifndef WEIR_TOOLS_TERM_H
#define WEIR_TOOLS_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum weir_cli_style {
    WEIR_STYLE_PLAIN,
    WEIR_STYLE_DIM,     /* time stamps, rules, details of less interest */
    WEIR_STYLE_BOLD,    /* headings */
    WEIR_STYLE_LEFT,    /* the browser's side: its segments and its reactions */
    WEIR_STYLE_RIGHT,   /* the server's side */
    WEIR_STYLE_STATE,   /* state changes */
    WEIR_STYLE_EXPLAIN, /* the explanation under a segment */
    WEIR_STYLE_APP,     /* what the applications do */
    WEIR_STYLE_BAD,     /* loss, drops, retransmissions, failure */
    WEIR_STYLE_NOTE,    /* corrections of study notes */
    WEIR_STYLE_GOOD,    /* the verdict when all went well */
    WEIR_STYLE_TIMER,   /* timers firing */
    WEIR_STYLE_COUNT
} weir_cli_style;

typedef struct weir_cli_term {
    FILE *out; /* NULL: write nothing (--quiet) */
    bool color;
} weir_cli_term;

/* Colour for `f` unless NO_COLOR is set (to anything non-empty) or `f` is not a terminal. */
bool weir_cli_color_wanted(FILE *f);

/* Columns `s` takes on a terminal. */
size_t weir_cli_width(const char *s);
size_t weir_cli_width_n(const char *s, size_t bytes);

/* Write `s` in `style`. */
void weir_cli_put(const weir_cli_term *t, weir_cli_style style, const char *s);
/* Write `n` copies of `s` (a space, a box-drawing dash). */
void weir_cli_repeat(const weir_cli_term *t, weir_cli_style style, const char *s, size_t n);
void weir_cli_newline(const weir_cli_term *t);

/* Word-wrap `text` to `width` columns and end the line. The caller has already written `col`
 * columns of the first line; the following lines start with `rest` (written plain). Breaks at
 * spaces and between CJK characters, never before closing punctuation nor after opening
 * punctuation; a word longer than a line is kept whole. */
void weir_cli_wrap(const weir_cli_term *t, weir_cli_style style, size_t col, const char *rest,
                   size_t width, const char *text);

#endif
