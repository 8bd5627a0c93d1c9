/* narrate_int.h — shared between the narrator's files: the drawing primitives (narrate_draw.c)
 * and the segment narration (narrate_seg.c). Not for the rest of the CLI; use narrate.h. */
#ifndef WEIR_TOOLS_NARRATE_INT_H
#define WEIR_TOOLS_NARRATE_INT_H

#include "narrate.h"

/* The page layout: a time column, a gap, then the diagram body with the browser on the left and
 * the server on the right. Explanations are indented paragraphs inside the body. */
enum {
    WEIR_CLI_TIME_W = 10,
    WEIR_CLI_GAP_W = 2,
    WEIR_CLI_BODY_W = 84,
    WEIR_CLI_PAGE_W = WEIR_CLI_TIME_W + WEIR_CLI_GAP_W + WEIR_CLI_BODY_W,
    WEIR_CLI_INDENT = 4,
};
#define WEIR_CLI_NO_TIME UINT64_MAX

/* The style of a side's lines and arrows. */
weir_cli_style weir_cli_side_style(int side);

/* A segment sent, with what the link did to it (fate may be NULL: unknown). */
void weir_cli_arrow(weir_cli_narrator *n, uint64_t now, int side, const char *label, bool broken);
/* A short line on `side`'s lifeline: left-aligned for the browser, right-aligned for the server
 * (left when it would not fit). */
void weir_cli_side_line(weir_cli_narrator *n, uint64_t now, int side, weir_cli_style style,
                        const char *text);
/* An indented paragraph (an explanation or detail under an event): `marker` (may be "") then the
 * wrapped text, continuation lines aligned after the marker. */
void weir_cli_para(weir_cli_narrator *n, uint64_t now, const char *marker, weir_cli_style mstyle,
                   weir_cli_style tstyle, const char *text);
/* weir_cli_para with an expanded message. */
void weir_cli_para_msg(weir_cli_narrator *n, uint64_t now, const char *marker,
                       weir_cli_style mstyle, weir_cli_style tstyle, weir_cli_msg msg,
                       const weir_cli_vars *vars);
/* An event told in words (an application call, a timer): like weir_cli_para, not indented. */
void weir_cli_event_msg(weir_cli_narrator *n, uint64_t now, const char *marker,
                        weir_cli_style style, weir_cli_msg msg, const weir_cli_vars *vars);
/* A horizontal rule with an optional title. */
void weir_cli_rule(weir_cli_narrator *n, const char *title);
/* The time column alone (blank when `now` is the time of the previous line). */
void weir_cli_time_col(weir_cli_narrator *n, uint64_t now);

/* "SYN,ACK"-style flag names, Wireshark order. */
void weir_cli_flags_str(uint8_t flags, char *out, size_t cap);

/* Segment narration (narrate_seg.c). */
void weir_cli_seg_out(weir_cli_narrator *n, int side, const weir_trace_event *ev,
                      const weir_cli_fate *fate);
void weir_cli_seg_in(weir_cli_narrator *n, int side, const weir_trace_event *ev);
/* A note correcting study notes, once per run. */
void weir_cli_note_once(weir_cli_narrator *n, uint64_t now, int which, weir_cli_msg msg,
                        const weir_cli_vars *vars);

#endif
