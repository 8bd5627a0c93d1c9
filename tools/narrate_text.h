/* narrate_text.h — every sentence the CLI narrates, in English and Chinese, by message id.
 *
 * The texts live in one table (narrate_text.c), one row per id holding both languages, so a
 * missing translation does not compile (-Wmissing-field-initializers) and a missing or misplaced
 * row fails weir_cli_text_check(), which `weir demo` runs before anything else. Texts are
 * templates:
 * "{name}" is replaced by the variable of that name, so each language orders the words its way. */
#ifndef WEIR_TOOLS_NARRATE_TEXT_H
#define WEIR_TOOLS_NARRATE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "weir/stats.h"
#include "weir/tcp.h"

typedef enum weir_cli_lang { WEIR_LANG_EN = 0, WEIR_LANG_ZH, WEIR_LANG_COUNT } weir_cli_lang;

typedef enum weir_cli_msg {
    /* the header */
    WEIR_MSG_TITLE,
    WEIR_MSG_INTRO_LINK,
    WEIR_MSG_INTRO_FAULTS,
    WEIR_MSG_INTRO_NO_FAULTS,
    WEIR_MSG_INTRO_MSL,
    WEIR_MSG_INTRO_REL,
    WEIR_MSG_COL_TIME,
    WEIR_MSG_BROWSER,
    WEIR_MSG_SERVER,
    /* the arrow and the lines under it */
    WEIR_MSG_ARROW_BYTES,
    WEIR_MSG_ARROW_RETRANS,
    WEIR_MSG_LBL_OPTIONS,
    WEIR_MSG_LBL_NONE,
    /* what a segment means */
    WEIR_MSG_SEG_SYN,
    WEIR_MSG_SEG_SYN_ACK,
    WEIR_MSG_SEG_HANDSHAKE_ACK,
    WEIR_MSG_SEG_HANDSHAKE_DATA,
    WEIR_MSG_SEG_DATA_REQUEST,
    WEIR_MSG_SEG_DATA_PAGE,
    WEIR_MSG_SEG_DATA_PIGGYBACK,
    WEIR_MSG_SEG_ACK_DATA,
    WEIR_MSG_SEG_ACK_CUMULATIVE,
    WEIR_MSG_SEG_DUP_ACK,
    WEIR_MSG_SEG_WINDOW_UPDATE,
    WEIR_MSG_SEG_FIN_FIRST,
    WEIR_MSG_SEG_FIN_FIRST_DATA,
    WEIR_MSG_SEG_ACK_OF_FIN,
    WEIR_MSG_SEG_FIN_SECOND,
    WEIR_MSG_SEG_FIN_ACK_COMBINED,
    WEIR_MSG_SEG_LAST_ACK,
    WEIR_MSG_SEG_LAST_ACK_AGAIN,
    WEIR_MSG_SEG_ACK_SIMULTANEOUS,
    WEIR_MSG_SEG_RST,
    WEIR_MSG_SEG_OTHER,
    WEIR_MSG_SEG_RETRANS_TIMER,
    WEIR_MSG_SEG_RETRANS_PROBE,
    WEIR_MSG_SEG_RETRANS_FAST,
    WEIR_MSG_SEG_RETRANS_SYN_AGAIN,
    WEIR_MSG_SEG_RETRANS_OTHER,
    /* what the link did with it */
    WEIR_MSG_FATE_LOST,
    WEIR_MSG_FATE_QUEUE_DROP,
    WEIR_MSG_FATE_CORRUPT,
    WEIR_MSG_FATE_DUP,
    WEIR_MSG_FATE_REFUSED,
    /* how the receiver took it */
    WEIR_MSG_ARRIVE,
    WEIR_MSG_ARRIVE_OLD_DUP,
    WEIR_MSG_ARRIVE_OUT_OF_ORDER,
    WEIR_MSG_ARRIVE_FIN_AGAIN,
    WEIR_MSG_DROP,
    WEIR_MSG_DROP_CORRUPT,
    /* what each state means (same order as weir_tcp_state) */
    WEIR_MSG_STATE_CLOSED,
    WEIR_MSG_STATE_LISTEN,
    WEIR_MSG_STATE_SYN_SENT,
    WEIR_MSG_STATE_SYN_RECEIVED,
    WEIR_MSG_STATE_ESTABLISHED,
    WEIR_MSG_STATE_FIN_WAIT_1,
    WEIR_MSG_STATE_FIN_WAIT_2,
    WEIR_MSG_STATE_CLOSE_WAIT,
    WEIR_MSG_STATE_CLOSING,
    WEIR_MSG_STATE_LAST_ACK,
    WEIR_MSG_STATE_TIME_WAIT,
    /* timers */
    WEIR_MSG_TIMER_RETRANSMIT,
    WEIR_MSG_TIMER_LOSS_PROBE,
    WEIR_MSG_TIMER_TIME_WAIT,
    WEIR_MSG_TIMER_DELAYED_ACK,
    WEIR_MSG_TIMER_PERSIST,
    WEIR_MSG_TIMER_KEEPALIVE,
    WEIR_MSG_TIMER_OTHER,
    /* the applications */
    WEIR_MSG_APP_LISTEN,
    WEIR_MSG_APP_CONNECT,
    WEIR_MSG_APP_CONNECTED,
    WEIR_MSG_APP_ACCEPT,
    WEIR_MSG_APP_REQUEST,
    WEIR_MSG_APP_PARTIAL,
    WEIR_MSG_APP_PAGE_DONE,
    WEIR_MSG_APP_EOF,
    WEIR_MSG_APP_CLOSE_LATER,
    WEIR_MSG_APP_CLOSE,
    WEIR_MSG_APP_ERROR,
    /* corrections of the learners' notes */
    WEIR_MSG_NOTE_THIRD_SEQ,
    WEIR_MSG_NOTE_ACK_RULE,
    WEIR_MSG_NOTE_FIN_MEANING,
    WEIR_MSG_NOTE_LAST_SEQ,
    /* the summary and the verdict */
    WEIR_MSG_SUM_TITLE,
    WEIR_MSG_SUM_SEGMENTS_LBL,
    WEIR_MSG_SUM_SEGMENTS,
    WEIR_MSG_SUM_RETRANS_LBL,
    WEIR_MSG_SUM_RETRANS,
    WEIR_MSG_SUM_LINK_LBL,
    WEIR_MSG_SUM_LINK,
    WEIR_MSG_SUM_BYTES_LBL,
    WEIR_MSG_SUM_BYTES,
    WEIR_MSG_SUM_TIME_LBL,
    WEIR_MSG_SUM_TIME,
    WEIR_MSG_SUM_STATES_LBL,
    WEIR_MSG_SUM_PCAP_LBL,
    WEIR_MSG_SUM_PCAP,
    WEIR_MSG_VERDICT_OK,
    WEIR_MSG_VERDICT_FAIL,
    WEIR_MSG_FAIL_TIMEOUT,
    WEIR_MSG_FAIL_STUCK,
    WEIR_MSG_FAIL_CLOSE_TIMEOUT,
    WEIR_MSG_FAIL_CONNECT,
    WEIR_MSG_FAIL_SERVER,
    WEIR_MSG_FAIL_EARLY_EOF,
    WEIR_MSG_FAIL_MISMATCH,
    WEIR_MSG_FAIL_BAD_RESPONSE,
    WEIR_MSG_FAIL_NO_PAGE,
    WEIR_MSG_FAIL_SETUP,
    WEIR_MSG_FAIL_PCAP,
    WEIR_MSG_COUNT
} weir_cli_msg;

/* Template variables: a few name/value pairs. Names are string literals. */
enum { WEIR_CLI_VARS_MAX = 16, WEIR_CLI_VAR_LEN = 192 };
typedef struct weir_cli_var {
    const char *name;
    char value[WEIR_CLI_VAR_LEN];
} weir_cli_var;
typedef struct weir_cli_vars {
    weir_cli_var v[WEIR_CLI_VARS_MAX];
    int count;
} weir_cli_vars;

void weir_cli_vars_str(weir_cli_vars *vs, const char *name, const char *value);
void weir_cli_vars_u64(weir_cli_vars *vs, const char *name, uint64_t value);

/* The raw template of `id` in `lang`. */
const char *weir_cli_text(weir_cli_lang lang, weir_cli_msg id);
/* The template with every "{name}" replaced (an unknown name stays as written). Always
 * NUL-terminates; the result is cut at cap - 1 bytes on a UTF-8 character boundary. */
void weir_cli_text_expand(weir_cli_lang lang, weir_cli_msg id, const weir_cli_vars *vs, char *out,
                          size_t cap);
/* A drop reason in `lang` (English: the library's own description). */
const char *weir_cli_drop_text(weir_cli_lang lang, weir_drop_reason r);
/* The message explaining state `s`. */
weir_cli_msg weir_cli_state_msg(weir_tcp_state s);

/* -1 when every row is in place with both languages non-empty, else the first bad id. */
int weir_cli_text_check(void);

#endif
