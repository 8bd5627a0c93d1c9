/* tcp_tw.h — TIME-WAIT as a compact record (tcp_tw.c).
 *
 * RFC 9293 §3.10.7.4 asks TIME-WAIT to do three things for 2*MSL: acknowledge a retransmitted FIN
 * (restarting the wait), answer anything else with an ACK, and keep the four-tuple from a new
 * incarnation that old duplicates could confuse. That needs a dozen numbers, not a full TCB: once
 * the application has let go of a connection in TIME-WAIT, the engine replaces the tcp_conn with
 * this 64-byte record (issue 5), so closed connections cost neither memory nor connection
 * records (max_connections does not count them; max_time_wait bounds them instead).
 *
 * Records are hashed by four-tuple like connections, and timed by a FIFO instead of the wheel:
 * every record waits the same 2*MSL, so the oldest is always the next to expire, and a restart
 * moves a record to the young end. Expiry times are kept as the low 32 bits of the deadline in µs
 * (exact; read relative to now, which works because 2*MSL is at most 20 minutes, well inside the
 * 35 minutes a signed 32-bit µs difference spans). Our TSval offset is a keyed hash of the four-tuple
 * (RFC 7323 §7.1, tcp_ts_offset), so the record needs no copy of it. */
#ifndef WEIR_TCP_TW_H
#define WEIR_TCP_TW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "wire/tcp.h"

enum {
    TCP_TW_TS_ON = 1,      /* timestamps were negotiated: ACKs carry them, PAWS applies */
    TCP_TW_PORT_HELD = 2,  /* holds its local port (tcp_ports.h) */
    TCP_TW_PORT_BOUND = 4, /* ... as bound by bind() */
};

typedef struct tcp_tw {
    struct tcp_tw *hash_next;     /* demultiplexing chain */
    struct tcp_tw *older, *newer; /* the expiry FIFO */
    weir_tuple tuple;
    uint32_t expires;             /* deadline in µs, low 32 bits */
    uint32_t snd_nxt, rcv_nxt;    /* our ACKs say <SEQ=SND.NXT><ACK=RCV.NXT> */
    uint32_t ts_recent;           /* the peer's latest TSval (RFC 7323 §4.3) */
    uint32_t iss, irs;            /* for the trace's relative sequence numbers */
    uint16_t window;              /* the window field our ACKs carry (already scaled) */
    uint8_t flags;                /* TCP_TW_* */
    uint8_t tos;                  /* the connection's TOS byte, for our ACKs (WEIR_TCP_OPT_TOS) */
} tcp_tw;

/* What tcp_tw_input decided. */
typedef enum tcp_tw_verdict {
    TCP_TW_CONSUMED,  /* answered or dropped: nothing more to do */
    TCP_TW_REOPEN,    /* an acceptable SYN (RFC 6191): the record is gone, hand the SYN to the
                         listener with the ISN given */
} tcp_tw_verdict;

/* The ISN of a new incarnation of the record's four-tuple: beyond anything the old one sent
 * (RFC 1122 §4.2.2.13 (1)), with a window's room, as Linux chooses it. */
static inline uint32_t tcp_tw_next_isn(const tcp_tw *tw) { return tw->snd_nxt + 65535 + 2; }

/* The trace event of a record (the caller sets kind and the rest). */
static inline weir_trace_event tcp_tw_trace_event(const tcp_tw *tw)
{
    return (weir_trace_event){.sock = -1,
                              .tuple = tw->tuple,
                              .iss = tw->iss,
                              .irs = tw->irs,
                              .old_state = WEIR_TCP_TIME_WAIT,
                              .new_state = WEIR_TCP_TIME_WAIT};
}

/* A segment for a TIME-WAIT record. */
tcp_tw_verdict tcp_tw_input(weir_stack *s, tcp_tw *tw, const weir_tcp_repr *seg,
                            const uint8_t *frame, size_t frame_len, uint32_t *isn);
/* A new deadline: the record moves to the young end of the FIFO. */
void tcp_tw_restart(weir_stack *s, tcp_tw *tw, uint64_t deadline_us);
/* Free the record (unhash, unlink, release its port). */
void tcp_tw_free(weir_stack *s, tcp_tw *tw);
/* The record's deadline in µs. */
uint64_t tcp_tw_deadline(const weir_stack *s, const tcp_tw *tw);
/* Expire what is due at s->now_us; the earliest expiry still to come (UINT64_MAX if none). */
void tcp_tw_expire(weir_stack *s);
uint64_t tcp_tw_next_deadline(const weir_stack *s);
/* Iteration, oldest first. */
tcp_tw *tcp_tw_oldest(const weir_stack *s);

#endif
