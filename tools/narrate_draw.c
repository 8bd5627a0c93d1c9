/* narrate_draw.c — the narrator's drawing primitives: the time column, arrows between the two
 * lifelines, lines aligned on one side, wrapped paragraphs and rules (layout in narrate_int.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "narrate_int.h"

weir_cli_style weir_cli_side_style(int side)
{
    return side == WEIR_SIDE_BROWSER ? WEIR_STYLE_LEFT : WEIR_STYLE_RIGHT;
}

void weir_cli_time_col(weir_cli_narrator *n, uint64_t now)
{
    const weir_cli_term *t = &n->term;
    if (now == WEIR_CLI_NO_TIME || (n->any_line && now == n->last_time_us)) {
        weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", WEIR_CLI_TIME_W + WEIR_CLI_GAP_W);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%*" PRIu64 ".%03u", WEIR_CLI_TIME_W - 4, now / 1000,
             (unsigned)(now % 1000));
    weir_cli_put(t, WEIR_STYLE_DIM, buf);
    weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", WEIR_CLI_GAP_W);
    n->last_time_us = now;
    n->any_line = true;
}

/* Columns left for the arrow between "browser " and " server". */
static size_t arrow_span(const weir_cli_narrator *n)
{
    size_t names = weir_cli_width(n->name[0]) + weir_cli_width(n->name[1]) + 2;
    return names < WEIR_CLI_BODY_W ? WEIR_CLI_BODY_W - names : 8;
}

enum { ARROW_LEAD = 3 };

static void arrow_to_right(const weir_cli_term *t, weir_cli_style st, const char *lab, size_t tail,
                           bool broken)
{
    weir_cli_repeat(t, st, "─", ARROW_LEAD);
    weir_cli_put(t, st, lab);
    if (!broken) {
        weir_cli_repeat(t, st, "─", tail);
        weir_cli_put(t, st, "▶");
        return;
    }
    size_t k = tail / 2;
    weir_cli_repeat(t, st, "─", k);
    weir_cli_put(t, WEIR_STYLE_BAD, "✕");
    weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", tail - k);
}

static void arrow_to_left(const weir_cli_term *t, weir_cli_style st, const char *lab, size_t tail,
                          bool broken)
{
    if (!broken) {
        weir_cli_put(t, st, "◀");
        weir_cli_repeat(t, st, "─", tail);
    } else {
        size_t k = tail / 2;
        weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", tail - k);
        weir_cli_put(t, WEIR_STYLE_BAD, "✕");
        weir_cli_repeat(t, st, "─", k);
    }
    weir_cli_put(t, st, lab);
    weir_cli_repeat(t, st, "─", ARROW_LEAD);
}

void weir_cli_arrow(weir_cli_narrator *n, uint64_t now, int side, const char *label, bool broken)
{
    const weir_cli_term *t = &n->term;
    char lab[192];
    snprintf(lab, sizeof lab, " %s ", label);
    size_t span = arrow_span(n), lw = weir_cli_width(lab);
    size_t tail = span > ARROW_LEAD + lw + 2 ? span - ARROW_LEAD - lw - 1 : 1;
    weir_cli_style st = weir_cli_side_style(side);

    weir_cli_time_col(n, now);
    weir_cli_put(t, WEIR_STYLE_LEFT, n->name[0]);
    weir_cli_put(t, WEIR_STYLE_PLAIN, " ");
    if (side == WEIR_SIDE_BROWSER)
        arrow_to_right(t, st, lab, tail, broken);
    else
        arrow_to_left(t, st, lab, tail, broken);
    weir_cli_put(t, WEIR_STYLE_PLAIN, " ");
    weir_cli_put(t, WEIR_STYLE_RIGHT, n->name[1]);
    weir_cli_newline(t);
}

static void spaces(char *buf, size_t cap, size_t count)
{
    size_t k = count < cap - 1 ? count : cap - 1;
    memset(buf, ' ', k);
    buf[k] = '\0';
}

void weir_cli_side_line(weir_cli_narrator *n, uint64_t now, int side, weir_cli_style style,
                        const char *text)
{
    const weir_cli_term *t = &n->term;
    size_t w = weir_cli_width(text);
    weir_cli_time_col(n, now);
    if (side == WEIR_SIDE_SERVER && w <= WEIR_CLI_BODY_W) {
        weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", WEIR_CLI_BODY_W - w);
        weir_cli_put(t, style, text);
        weir_cli_newline(t);
        return;
    }
    char rest[64];
    spaces(rest, sizeof rest, WEIR_CLI_TIME_W + WEIR_CLI_GAP_W + 2);
    weir_cli_wrap(t, style, WEIR_CLI_TIME_W + WEIR_CLI_GAP_W, rest, WEIR_CLI_PAGE_W, text);
}

static void para_at(weir_cli_narrator *n, uint64_t now, size_t indent, const char *marker,
                    weir_cli_style mstyle, weir_cli_style tstyle, const char *text)
{
    const weir_cli_term *t = &n->term;
    weir_cli_time_col(n, now);
    weir_cli_repeat(t, WEIR_STYLE_PLAIN, " ", indent);
    weir_cli_put(t, mstyle, marker);
    size_t col = WEIR_CLI_TIME_W + WEIR_CLI_GAP_W + indent + weir_cli_width(marker);
    char rest[64];
    spaces(rest, sizeof rest, col);
    weir_cli_wrap(t, tstyle, col, rest, WEIR_CLI_PAGE_W, text);
}

void weir_cli_para(weir_cli_narrator *n, uint64_t now, const char *marker, weir_cli_style mstyle,
                   weir_cli_style tstyle, const char *text)
{
    para_at(n, now, WEIR_CLI_INDENT, marker, mstyle, tstyle, text);
}

void weir_cli_event_msg(weir_cli_narrator *n, uint64_t now, const char *marker,
                        weir_cli_style style, weir_cli_msg msg, const weir_cli_vars *vars)
{
    char text[1024];
    weir_cli_text_expand(n->lang, msg, vars, text, sizeof text);
    para_at(n, now, 0, marker, style, style, text);
}

void weir_cli_para_msg(weir_cli_narrator *n, uint64_t now, const char *marker,
                       weir_cli_style mstyle, weir_cli_style tstyle, weir_cli_msg msg,
                       const weir_cli_vars *vars)
{
    char text[1024];
    weir_cli_text_expand(n->lang, msg, vars, text, sizeof text);
    weir_cli_para(n, now, marker, mstyle, tstyle, text);
}

void weir_cli_rule(weir_cli_narrator *n, const char *title)
{
    const weir_cli_term *t = &n->term;
    size_t used = 0;
    weir_cli_put(t, WEIR_STYLE_DIM, "───");
    used += 3;
    if (title != NULL && title[0] != '\0') {
        weir_cli_put(t, WEIR_STYLE_PLAIN, " ");
        weir_cli_put(t, WEIR_STYLE_BOLD, title);
        weir_cli_put(t, WEIR_STYLE_PLAIN, " ");
        used += weir_cli_width(title) + 2;
    }
    if (used < WEIR_CLI_PAGE_W)
        weir_cli_repeat(t, WEIR_STYLE_DIM, "─", WEIR_CLI_PAGE_W - used);
    weir_cli_newline(t);
}

void weir_cli_vars_sides(const weir_cli_narrator *n, weir_cli_vars *vs, int side)
{
    weir_cli_vars_str(vs, "who", n->name[side]);
    weir_cli_vars_str(vs, "peer", n->name[1 - side]);
}

void weir_cli_flags_str(uint8_t flags, char *out, size_t cap)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } k_flags[] = {{WEIR_TH_FIN, "FIN"}, {WEIR_TH_SYN, "SYN"}, {WEIR_TH_RST, "RST"},
                   {WEIR_TH_PSH, "PSH"}, {WEIR_TH_ACK, "ACK"}, {WEIR_TH_URG, "URG"},
                   {WEIR_TH_ECE, "ECE"}, {WEIR_TH_CWR, "CWR"}};
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof k_flags / sizeof k_flags[0]; i++) {
        if (!(flags & k_flags[i].bit))
            continue;
        int k = snprintf(out + len, cap - len, "%s%s", len ? "," : "", k_flags[i].name);
        if (k < 0 || (size_t)k >= cap - len)
            return;
        len += (size_t)k;
    }
    if (len == 0)
        snprintf(out, cap, "-");
}
