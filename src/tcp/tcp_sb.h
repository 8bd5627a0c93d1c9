/* tcp_sb.h — the sender's scoreboard: one record per segment in flight.
 *
 * RFC 6675 keeps SACK state per sequence number and RFC 8985 (RACK) needs the time each segment
 * was last sent; both fit in one record per transmitted segment, as Linux keeps them on its
 * retransmission queue. The records cover [base, end) without gaps, in sequence order, so a
 * segment's start is the previous record's end. The scoreboard is allocated on demand (the
 * first segment of a flight on a SACK connection), holds its first TCP_SB_INLINE records itself,
 * and is released whenever nothing is in flight: an idle connection holds no scoreboard memory,
 * only the few numbers of tcp_loss_hist.
 *
 * Each record not yet SACKed is in flight, LOST (waiting to be sent again) or RETRANS (sent
 * again after a loss, or as a tail loss probe); so the bytes in flight (RFC 6675 "pipe") are
 * simply end - base - sacked - lost. */
#ifndef WEIR_TCP_SB_H
#define WEIR_TCP_SB_H

#include <stdbool.h>
#include <stdint.h>

enum {
    TCP_SEG_SACKED = 1,  /* reported by a SACK block */
    TCP_SEG_LOST = 2,    /* deemed lost (RACK, or everything at an RTO); not sent again yet */
    TCP_SEG_RETRANS = 4, /* its latest transmission was a retransmission (RACK's ambiguity) */
    TCP_SEG_TWICE = 8,   /* sent again while not deemed lost (a hole, a loss probe): until it
                            is SACKed or deemed lost, two copies may be in flight */
};

typedef struct tcp_seg_rec {
    uint32_t end;     /* sequence number after the segment (its FIN included) */
    uint32_t xmit_us; /* when it was last sent: the stack clock's low 32 bits (wraps in 71 min) */
    uint8_t flags;
} tcp_seg_rec;

enum { TCP_SB_INLINE = 16 }; /* records held in the scoreboard itself before an array is needed */

/* What exists only while something is in flight on a SACK connection: allocated with the first
 * segment of a flight, freed once everything is acknowledged. */
typedef struct tcp_scoreboard {
    tcp_seg_rec *rec; /* rec[head .. head+count): inline_rec, or an array once that is full */
    uint32_t cap, head, count;
    uint32_t base, end;    /* the sequence space the records cover */
    uint32_t sacked, lost; /* bytes SACKed, bytes LOST (not yet sent again) */
    uint32_t twice;        /* bytes TWICE, neither SACKed nor LOST: counted twice in the pipe */
    uint32_t sacked_segs;  /* records SACKed (RACK's DupThresh test) */
    uint32_t lost_marks;   /* times a record was deemed lost (did this ACK find a new loss?) */
    uint32_t fack;         /* highest sequence number ACKed or SACKed (RACK.fack) */
    /* RACK (RFC 8985 §6.2): the most recently sent segment known delivered. Segments sent after
     * everything was acknowledged were all sent later, so a new flight may start without it. */
    uint32_t rack_xmit_us, rack_end, rack_rtt_us;
    bool rack_valid;
    /* PRR (RFC 6937), during fast recovery (which ends before the flight can). */
    uint32_t prr_delivered, prr_out, recover_fs;
    uint32_t bsd_cwnd; /* the window of fast recovery without PRR (bsd_recovery_update) */
    tcp_seg_rec inline_rec[TCP_SB_INLINE];
} tcp_scoreboard;

/* What loss recovery remembers from one flight to the next, kept in the connection (12 bytes). */
typedef struct tcp_loss_hist {
    uint32_t min_rtt_us;  /* smallest RTT seen (RACK.min_RTT), 0 = none yet */
    uint32_t dsack_round; /* SND.MAX when a D-SACK last widened the reordering window */
    uint8_t reo_wnd_mult, reo_wnd_persist; /* RFC 8985 §6.2 step 4 */
    bool reordering_seen : 1, dsack_round_open : 1;
} tcp_loss_hist;

#endif
