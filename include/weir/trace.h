/* weir/trace.h — one hook that sees a stack's whole life.
 *
 * The embedder registers one callback; it receives typed events: frames in and out, TCP segments
 * parsed (in) or built (out), state changes with their reason, timers firing and drops with their
 * reason. The narrated demo, the pcap writer and the sequence diagrams are all consumers of this
 * hook. The callback runs synchronously inside the stack: it must not call back into it. */
#ifndef WEIR_TRACE_H
#define WEIR_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weir/stats.h"
#include "weir/tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TCP header flag bits, as on the wire. */
enum {
    WEIR_TH_FIN = 0x01,
    WEIR_TH_SYN = 0x02,
    WEIR_TH_RST = 0x04,
    WEIR_TH_PSH = 0x08,
    WEIR_TH_ACK = 0x10,
    WEIR_TH_URG = 0x20,
    WEIR_TH_ECE = 0x40,
    WEIR_TH_CWR = 0x80,
};

typedef enum weir_trace_kind {
    WEIR_TRACE_FRAME_IN,    /* an IP packet from a netif, before any parsing (an Ethernet
                               header, if any, removed: ARP frames are not traced) */
    WEIR_TRACE_FRAME_OUT,   /* an IP packet on its way to a netif (before any link header) */
    WEIR_TRACE_SEGMENT_IN,  /* a valid TCP segment about to be processed */
    WEIR_TRACE_SEGMENT_OUT, /* a TCP segment the stack sends */
    WEIR_TRACE_STATE,       /* a connection changed state */
    WEIR_TRACE_TIMER,       /* a connection timer fired */
    WEIR_TRACE_DROP,        /* a frame or segment was dropped */
} weir_trace_kind;

typedef enum weir_tcp_timer {
    WEIR_TIMER_RETRANSMIT,
    WEIR_TIMER_PERSIST,
    WEIR_TIMER_DELAYED_ACK,
    WEIR_TIMER_REORDER,    /* RACK: a segment's reordering window runs out (RFC 8985 §6.3) */
    WEIR_TIMER_KEEPALIVE,
    WEIR_TIMER_TIME_WAIT,  /* 2*MSL in TIME-WAIT */
    WEIR_TIMER_FIN_WAIT_2, /* bounds FIN-WAIT-2 once the application closed (peer never FINs) */
    WEIR_TIMER_CONNECT,    /* bounds SYN-SENT / SYN-RECEIVED (WEIR_TCP_OPT_CONNECT_TIMEOUT) */
    WEIR_TIMER_LOSS_PROBE, /* in trace events only: the retransmission timer fired as a tail
                              loss probe (RFC 8985 §7), not as the RTO */
    WEIR_TIMER_COUNT
} weir_tcp_timer;
const char *weir_tcp_timer_name(weir_tcp_timer t);

/* Four-tuple of a connection, from this stack's point of view. */
typedef struct weir_tuple {
    uint32_t local_ip, remote_ip;
    uint16_t local_port, remote_port;
} weir_tuple;

/* A TCP segment as a person reads it. */
typedef struct weir_segment_info {
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;   /* WEIR_TH_* */
    uint16_t window; /* the raw 16-bit field */
    uint16_t urgent;
    uint32_t payload_len;
    uint32_t seg_len; /* payload + SYN + FIN: sequence space consumed */
    bool has_mss, has_wscale, sack_permitted, has_timestamps;
    uint16_t mss;
    uint8_t wscale;
    uint32_t ts_val, ts_ecr;
    uint8_t sack_count;
    uint32_t sack_left[4], sack_right[4];
    bool retransmission; /* SEGMENT_OUT: this sequence range was sent before */
} weir_segment_info;

typedef struct weir_trace_event {
    weir_trace_kind kind;
    uint64_t now_us;
    int netif;            /* FRAME_*: interface index */
    const uint8_t *frame; /* FRAME_*, DROP: the bytes (valid during the callback only) */
    size_t frame_len;
    weir_segment_info seg; /* SEGMENT_* */
    weir_tuple tuple;      /* SEGMENT_*, STATE, TIMER */
    int sock;              /* the application's handle for the connection, or -1 */
    uint32_t iss, irs;     /* SEGMENT_*, STATE: the connection's initial sequence numbers
                              (irs is 0 until known) — for relative sequence numbers */
    weir_tcp_state old_state, new_state; /* STATE; SEGMENT_*: the state when processed/sent */
    const char *reason;                  /* STATE: why, in a few words; DROP: description */
    weir_tcp_timer timer;                /* TIMER */
    weir_drop_reason drop;               /* DROP */
} weir_trace_event;

typedef void (*weir_trace_fn)(void *ctx, const weir_trace_event *ev);

#ifdef __cplusplus
}
#endif
#endif
