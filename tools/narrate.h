/* narrate.h — the narrated trace of `weir demo`: a consumer of the stacks' trace hook that draws
 * each segment as an arrow between the browser (left) and the server (right), says what it means,
 * what the link did with it and how the receiver took it, and marks every state change.
 *
 * Trace events arrive from deep inside the stacks, before the frame has even reached the link, so
 * the narrator queues them; the demo reports each transmitted frame's fate (lost, corrupted,
 * duplicated) as the link decides it, and calls weir_cli_narr_flush() after every call into a
 * stack, when each segment's fate is known. Side 0 is the browser, side 1 the server. */
#ifndef WEIR_TOOLS_NARRATE_H
#define WEIR_TOOLS_NARRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memlink.h"
#include "narrate_text.h"
#include "pcap_writer.h"
#include "term.h"
#include "weir/weir.h"

enum { WEIR_SIDE_BROWSER = 0, WEIR_SIDE_SERVER = 1 };

/* What the link did with one transmitted frame. */
typedef struct weir_cli_fate {
    bool tcp;                       /* the key below was parsed from a TCP/IPv4 frame */
    uint32_t seq, ack, payload_len; /* key matching the frame to its SEGMENT_OUT event */
    uint8_t flags;
    bool lost, queue_drop, corrupt, duplicated;
    int err; /* the link refused it (negative WEIR_E*), else 0 */
    bool claimed;
} weir_cli_fate;

/* Per side: what the narrator has learnt of that side's connection. */
typedef struct weir_cli_track {
    bool conn_seen;
    weir_tcp_state state;
    weir_tcp_state path[32]; /* states visited, in order */
    int path_len;
    bool meaning_shown[WEIR_TCP_STATE_COUNT];
    bool iss_known;
    uint32_t iss;
    bool active_opener, handshake_done;
    bool ws_sent;
    uint8_t ws;
    bool fin_sent;
    uint32_t fin_seq;
    bool peer_fin_seen;
    uint32_t peer_fin_seq;
    int fin_acks_sent;
    bool ack_sent;
    uint32_t last_ack;
    uint16_t last_win;
    bool ooo_pending; /* an old or out-of-order segment came in since our last ACK */
    bool rcv_known;
    uint32_t rcv_nxt; /* next byte expected from the peer, as far as we can tell */
    uint32_t island_lo[8], island_hi[8]; /* out-of-order ranges held beyond rcv_nxt */
    int islands;
    uint64_t syn_in_us; /* when a SYN last arrived (UINT64_MAX: never) */
    bool ack_in_known;
    uint32_t last_ack_in;
    int dup_acks_in; /* consecutive duplicate ACKs received */
    bool last_data_valid;
    uint32_t last_data_seq, last_data_len;
    uint64_t rto_fired_us; /* when our retransmission timer last fired (UINT64_MAX: never) */
    uint64_t probe_fired_us; /* ... as a tail loss probe (UINT64_MAX: never) */
    uint64_t segs, retrans, payload_bytes;
} weir_cli_track;

typedef struct weir_cli_narrator weir_cli_narrator;

/* The trace-hook context of one side (pass &n->hook[side] as trace_ctx). */
typedef struct weir_cli_narr_hook {
    weir_cli_narrator *n;
    int side;
} weir_cli_narr_hook;

typedef struct weir_cli_narr_item weir_cli_narr_item;

struct weir_cli_narrator {
    weir_cli_term term;
    weir_cli_lang lang;
    uint64_t msl_us;
    uint16_t server_port;
    char name[2][32];
    weir_cli_narr_hook hook[2];
    weir_cli_track track[2];
    weir_pcap_writer *pcap; /* frames as sent by either stack, or NULL */
    /* queued events, flushed in order */
    weir_cli_narr_item *items;
    size_t item_count, item_cap;
    weir_cli_fate *fates[2];
    size_t fate_count[2], fate_cap[2];
    bool out_of_memory;
    bool note_shown[4];
    uint64_t last_time_us; /* time of the last line printed, for the time column */
    bool any_line;
};

/* `out` NULL narrates nothing (but still tracks, for the summary and the end condition). */
void weir_cli_narr_init(weir_cli_narrator *n, FILE *out, bool color, weir_cli_lang lang,
                        uint64_t msl_us, uint16_t server_port);
void weir_cli_narr_free(weir_cli_narrator *n);

/* The weir_trace_fn for both stacks; ctx is &n->hook[side]. */
void weir_cli_narr_trace(void *ctx, const weir_trace_event *ev);
/* The link's decision for a frame `side` just transmitted. */
void weir_cli_narr_fate(weir_cli_narrator *n, int side, const uint8_t *frame, size_t len,
                        weir_cli_fate fate);
/* Something an application did, told at its place in the flow of events. */
void weir_cli_narr_app(weir_cli_narrator *n, int side, uint64_t now_us, weir_cli_msg msg,
                       const weir_cli_vars *vars);
/* Print everything queued. */
void weir_cli_narr_flush(weir_cli_narrator *n);

/* The header: what the demo is, the link, the MSL, how to read it, then the column titles. */
typedef struct weir_cli_intro {
    const char *browser_addr, *server_addr; /* "10.0.0.1", "10.0.0.2:80" */
    uint64_t delay_ms;
    double loss, duplicate, corrupt;
    uint64_t seed;
} weir_cli_intro;
void weir_cli_narr_intro(weir_cli_narrator *n, const weir_cli_intro *intro);

typedef struct weir_cli_summary {
    weir_memlink_stats link;
    uint64_t request_bytes, response_bytes, page_bytes;
    uint64_t duration_us;
    const char *pcap_path; /* NULL: no capture */
    uint64_t pcap_frames;
} weir_cli_summary;
void weir_cli_narr_summary(weir_cli_narrator *n, const weir_cli_summary *sum);

/* "who" and "peer" variables for a side, in the narrator's language. */
void weir_cli_vars_sides(const weir_cli_narrator *n, weir_cli_vars *vs, int side);

/* Whether `side` has no live connection (never had one, or it reached CLOSED). */
bool weir_cli_narr_conn_closed(const weir_cli_narrator *n, int side);
weir_tcp_state weir_cli_narr_conn_state(const weir_cli_narrator *n, int side);

#endif
