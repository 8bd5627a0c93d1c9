/* tcp_conn.h — the transmission control block and the engine's internal interface.
 *
 * Read RFC 9293 §3.3.1 (the TCB variables, whose names the fields keep), §3.3.2 (the state
 * diagram), §3.10 (event processing). The engine's parts:
 *   tcp_state.c   the one writer of conn->state, with the table of legal edges
 *   tcp_input.c   SEGMENT ARRIVES, as a pipeline of the steps of §3.10.7
 *   tcp_output.c  what to send now: SYN, SYN-ACK, data, FIN, ACK, RST; RTT sampling
 *   tcp_timer.c   retransmission (RFC 6298), persist, delayed ACK, keepalive, 2*MSL
 *   tcp_user.c    OPEN, SEND, RECEIVE, CLOSE, ABORT, SHUTDOWN — the public tcp.h calls
 *   tcp_sack.c    loss recovery with SACK: scoreboard, RACK, PRR, undo (RFC 6675, 8985, 6937)
 *   tcp_newreno.c loss recovery without SACK: fast retransmit and NewReno (RFC 5681, 6582)
 *   tcp_table.c   connection records, demultiplexing, ports, ISNs (RFC 6528) */
#ifndef WEIR_TCP_CONN_H
#define WEIR_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "core/wheel.h"
#include "tcp/seq.h"
#include "tcp/tcp_buf.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_sb.h"
#include "wire/tcp.h"

typedef struct tcp_conn tcp_conn;

/* Timer storage slots: one per weir_tcp_timer up to WEIR_TIMER_REORDER, then one shared by the
 * timers that each belong to a state of their own (struct tcp_conn's `timer`). */
enum { TCP_TIMER_SHARED_SLOT = WEIR_TIMER_REORDER + 1, TCP_TIMER_SLOTS };

/* What only a listener needs, allocated by listen(). */
typedef struct tcp_listen_q {
    tcp_conn *accept_head, *accept_tail; /* established children, oldest first */
    uint16_t backlog;  /* most children at once */
    uint16_t children; /* children not yet accepted */
} tcp_listen_q;

struct tcp_conn {
    weir_tuple tuple; /* local/remote address and port */
    int handle;       /* the application's socket handle, -1 when it has let go */

    /* The state and the flags, as bit-fields: a million idle connections are what this struct
     * is sized for (issue 5: at most 512 bytes each, and 1M in under 1 GiB). The flags are
     * grouped by the section they belong to below. */
    weir_tcp_state state : 4; /* written only by tcp_set_state (tcp_state.c) */
    unsigned snd_wscale : 4;  /* shift of the peer's window field (RFC 7323; at most 14) */
    unsigned rcv_wscale : 4;  /* shift of ours (offered on our SYN) */
    bool in_table : 1;    /* hashed by tuple (synchronizing or synchronized) */
    bool active_open : 1; /* came from connect(), not from a listener */
    bool port_held : 1;   /* counted in the local-port map (tcp_ports.h) */
    bool port_bound : 1;  /* ... as bound by bind() */
    bool syn_retransmitted : 1; /* our SYN timed out: RFC 6298 (5.7) wants a 3 s RTO for data */
    bool ws_on : 1, ts_on : 1, sack_on : 1; /* options negotiated on the SYNs */
    bool fin_queued : 1;   /* the application closed its sending side: FIN after the data */
    bool fin_sent : 1;     /* ... and it went out, at fin_seq */
    bool fin_received : 1; /* the peer's FIN was processed: no more data will come */
    bool app_closed : 1;   /* weir_tcp_close() was called: the application reads no more */
    bool rtt_measuring : 1; /* a segment is being timed (rtt_seq, rtt_start) */
    bool tlp_armed : 1;     /* the retransmission timer is a tail loss probe (RFC 8985 §7) */
    bool tlp_sent : 1;      /* a probe is out: no other until an ACK moves SND.UNA */
    bool fin_alone : 1;     /* our FIN went in a segment of its own (the last one, then) */
    bool in_recovery : 1;
    bool recover_after_rto : 1; /* `recover` was set by an RTO (RFC 6582 §3.2 step 4) */
    bool sb_disabled : 1;       /* no memory for the scoreboard: NewReno recovery instead */
    bool rcv_shut : 1;    /* the application will not read again: discard what arrives */
    bool ack_now : 1;     /* send an ACK at the end of this event */
    bool ack_plain : 1;   /* ... a bare one (an answer to an unacceptable segment) */
    bool interactive : 1; /* we answer within the delayed-ACK time: let ACKs ride on data */
    bool data_seen : 1;   /* some in-order data has arrived */
    bool nodelay : 1, keepalive : 1; /* options the application set */
    bool cork : 1;      /* WEIR_TCP_OPT_CORK: hold a short tail even when idle */
    bool send_more : 1; /* set only during a weir_tcp_send_flags(WEIR_TCP_SEND_MORE) call */
    bool more_tail : 1; /* the last bytes queued came with WEIR_TCP_SEND_MORE: no PSH on them */
    bool push_once : 1; /* NODELAY (or uncorking with NODELAY) pushed the queue: cork and Nagle
                           do not hold it until the application queues more (Linux's
                           TCP_NAGLE_PUSH) */
    bool is_listener : 1; /* listen() gave it `lq` (the union below holds that, not a child's
                             links); hashed, it is on the listener chain, not in a bucket */
    bool rcv_auto : 1; /* receive-buffer auto-tuning is on: recv_buffer_auto_max > 0 and no
                          WEIR_TCP_OPT_RCVBUF */
    bool output_timer : 1; /* the persist timer is no window probe: when it fires, tcp_output
                              runs (a full link's WEIR_TCP_LINK_RETRY_US retry, or the time the
                              next paced segment may go) */
    bool pacing : 1;       /* WEIR_TCP_OPT_PACING */
    bool soft_errors_off : 1; /* WEIR_TCP_OPT_SOFT_ERRORS 0: no WEIR_EV_SOFT_ERROR */
    bool noopt : 1;        /* WEIR_TCP_OPT_NOOPT: our SYN carries no options, none negotiated */
    uint8_t keepcnt;    /* keepalive probes before the connection is dropped */
    int error : 8;      /* connection error for the application (WEIR_E*), 0 if none */

    /* Demultiplexing chain: a bucket of the four-tuple hash, or the listener chain. Every record
     * is on one of them or held by a handle, which is how the table iterates over them all. */
    tcp_conn *hash_next;

    /* Listener side: a listener's queue, or a child's links (children in SYN-RECEIVED or waiting
     * in the accept queue); a record is at most one of the two. Read `listener` through
     * tcp_child_listener(), which knows which. */
    union {
        struct tcp_listen_q *lq; /* is_listener */
        struct {
            tcp_conn *listener;    /* a child's listener, NULL once accepted */
            tcp_conn *accept_next; /* in its listener's accept queue */
        };
    };

    /* Send sequence space (RFC 9293 §3.3.1, figure 3). */
    uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2;
    uint32_t snd_max;     /* highest sequence number sent + 1 (snd_nxt rewinds on RTO) */
    uint32_t max_snd_wnd; /* largest window the peer offered (RFC 5961 §5) */
    uint16_t snd_mss;     /* payload per segment we send: min(peer MSS, our MTU) */
    uint16_t rcv_mss;     /* MSS we advertised */

    /* Receive sequence space. RCV.UP (rcv_up) is the peer's urgent pointer, kept at or ahead of
     * the next byte the application reads (tcp_input.c check_urg, tcp_user.c): urgent data is
     * pending while it is ahead. */
    uint32_t irs, rcv_nxt, rcv_up;
    uint32_t rcv_adv; /* right edge of the window last advertised */

    /* Options negotiated on the SYNs (RFC 7323, RFC 2018). */
    uint8_t backoff;        /* consecutive RTO expirations for the same data */
    uint8_t probes;         /* unanswered persist or keepalive probes */
    uint8_t persist_shift;  /* persist interval backoff: RTO << shift, reset when it opens */
    uint8_t dupacks;
    uint8_t quick_acks;     /* in-order segments still to be ACKed at once (quick-ACK mode) */
    int soft_error : 8;     /* the last ICMP soft error: reported instead of ETIMEDOUT */
    uint16_t user_mss;      /* WEIR_TCP_OPT_MAXSEG, 0 = from the route */
    uint32_t ts_recent;     /* the peer's TSval to echo (RFC 7323 §4.3) */
    uint32_t ts_recent_s;   /* when it was taken, in seconds (PAWS's 24-day rule) */
    uint32_t ts_offset;     /* random base of our TSval, per connection */
    uint32_t ts_first;      /* our TSval when the record began: no echo of ours is older */
    uint32_t last_ack_sent; /* RCV.NXT in our latest ACK (for ts_recent) */
    uint32_t recover;       /* snd_max when fast retransmit started, or at the last RTO */
    uint32_t fin_seq;       /* our FIN's sequence number, once sent (fin_sent) */

    /* Buffers. snd: bytes from snd_buf_seq on (unacknowledged, then unsent). */
    tcp_ring snd;
    uint32_t snd_buf_seq; /* sequence number of the first byte in snd */
    uint32_t snd_cap;     /* send buffer size */
    tcp_ring rcv;         /* readable bytes, then the window with out-of-order data */
    uint32_t rcv_cap;     /* receive buffer size: grows with auto-tuning, never shrinks */
    uint32_t rcv_unacked; /* in-order bytes received since our last ACK */
    /* Auto-tuning (tcp_user.c): bytes the application read since rcv_space_us, the low 32 bits
     * of the clock (µs) when that measurement began. */
    uint32_t rcv_space_read, rcv_space_us;
    tcp_ooo *ooo; /* out-of-order ranges, a FIN beyond a hole, a D-SACK to report: NULL when
                     none of them (tcp_buf.h) */

    /* Timers: absolute deadlines, UINT64_MAX when off; the stack's timer wheel holds the
     * earliest of them (tcp_timer.c). Retransmission, persist, delayed ACK and reordering have
     * a slot each; the four that belong to one state each share the last slot, as BSD's TT_KEEP
     * does: the connection-establishment bound (SYN-SENT, SYN-RECEIVED), keepalive
     * (synchronized), the FIN-WAIT-2 bound (once the application closed) and 2*MSL (TIME-WAIT).
     * Read and write them through tcp_timer_deadline / tcp_timer_set, which know the mapping. */
    uint64_t timer[TCP_TIMER_SLOTS];
    weir_wheel_node timer_node;

    /* RTT and RTO (RFC 6298), in microseconds. */
    uint32_t srtt, rttvar, rto;
    uint32_t rtt_seq;   /* the segment being timed ends before this sequence number */
    uint32_t rtt_start; /* when it was sent: the clock's low 32 bits (RTTs are far below 71 min) */
    uint32_t head_rexmit_us; /* NewReno recovery: when SND.UNA's segment was last sent again
                                (low 32 bits, compared with an SRTT) */
    /* When data last went out (RFC 5681 §4.1 idle; 0 = never) and when in-order data last
     * arrived (ACK policy): milliseconds, the clock's low 32 bits (tcp_now_ms), which wrap after
     * 49 days and are compared with an RTO or the delayed-ACK time. */
    uint32_t last_data_send_ms, last_data_rx_ms;

    /* Congestion control: the module (tcp_cc.h) and its state, cwnd and ssthresh included. */
    const tcp_cc_ops *cc_ops;
    tcp_cc_state cc;
    tcp_scoreboard *sb; /* SACK connections: segments in flight, RACK, PRR (tcp_sack.c);
                           NULL when nothing is in flight */
    tcp_loss_hist hist; /* what recovery remembers between flights */
    /* The largest flight (SND.MAX - SND.UNA after sending new data) of the round that ends when
     * SND.UNA reaches round_end: slow start's test with slow_start_twice_flight. */
    uint32_t round_end, round_max_flight;
    /* WEIR_TCP_OPT_KEEPIDLE / KEEPINTVL in seconds, as set (at most WEIR_TCP_KEEP_MAX_S); 0 =
     * the stack's configuration (tcp_keepidle_us / tcp_keepintvl_us read them). */
    uint16_t keepidle_s, keepintvl_s;
    struct tcp_undo *undo; /* what a D-SACK undo of the last reduction needs, allocated only
                              while one is possible (tcp_sack.c) */

    /* Statistics for weir_tcp_get_info (segment counts are 32-bit, as Linux's tcpi_segs_*). */
    uint64_t bytes_acked, bytes_received;
    uint32_t segs_in, segs_out, retransmits, fast_recoveries;

    /* R2 in time and the bound on synchronizing (WEIR_TCP_OPT_USER_TIMEOUT, _CONNECT_TIMEOUT),
     * in ms, 0 = off; and when the stall the user timeout measures began (ms, the clock's low
     * 32 bits): the last progress before the first retransmission timeout, the first unanswered
     * zero-window probe, or the last segment received before the first keepalive probe. */
    uint32_t user_timeout_ms, connect_timeout_ms, stall_since_ms;

    /* SND.UP (RFC 9293 §3.8.5): the octet after the last urgent one the application gave
     * (WEIR_TCP_SEND_URGENT). Urgent data is unacknowledged while it is ahead of SND.UNA; else
     * it follows SND.UNA (ISS before the SYN is acknowledged), so it cannot drift into the
     * window as sequence numbers wrap. In the record's tail padding, with the TOS byte below. */
    uint32_t snd_up;

    /* WEIR_TCP_OPT_TOS: the IPv4 TOS byte (Differentiated Services field, ECN bits 0) of every
     * segment this connection sends (RFC 9293 §3.9.1.9). In the tail padding: costs nothing. */
    uint8_t tos;
    bool reuse_addr; /* WEIR_TCP_OPT_REUSEADDR: bind() may share a port connections hold */
    /* ECN (RFC 3168; tcp_input.c ecn_input, tcp_output.c emit): TCP_ECN_* bits, and the
     * sequence number SND.UNA must reach before an ECN-Echo may reduce the window again (once
     * per window of data, §6.1.2). */
    uint8_t ecn;
    uint32_t ecn_high;
};

/* Our SYN is not acknowledged yet. SND.UNA == ISS alone does not say so: after 2^32 bytes SND.UNA
 * comes round to ISS again (and seq_gt(SND.UNA, ISS) turns false after 2^31), so a connection
 * with data acknowledged is past its SYN whatever the numbers say. */
static inline bool tcp_syn_unacked(const tcp_conn *c)
{
    return c->snd_una == c->iss && c->bytes_acked == 0;
}

/* An instant (or the clock) in milliseconds, the low 32 bits: what the record keeps of past
 * instants (the last data sent and received, when a stall began). */
static inline uint32_t tcp_ms(uint64_t us) { return (uint32_t)(us / 1000u); }
static inline uint32_t tcp_now_ms(const weir_stack *s) { return tcp_ms(s->now_us); }

static inline tcp_conn *tcp_child_listener(const tcp_conn *c)
{
    return c->is_listener ? NULL : c->listener;
}

/* tcp_conn.ecn bits. */
enum {
    TCP_ECN_OK = 1,       /* both SYNs agreed (RFC 3168 §6.1.1): our new data is ECT(0); in
                             SYN-RECEIVED, the peer's SYN asked and our SYN-ACK agrees */
    TCP_ECN_ECHO = 2,     /* CE arrived: our ACKs carry ECE until a CWR arrives (§6.1.3) */
    TCP_ECN_SEND_CWR = 4, /* we reduced for an ECE: the next new data carries CWR */
    TCP_ECN_REDUCED = 8   /* ... and no ECE reduces again until SND.UNA reaches ecn_high */
};

/* ---- tcp_table.c ---- */
int tcp_table_create(weir_stack *s);
void tcp_table_destroy(weir_stack *s);
tcp_conn *tcp_conn_new(weir_stack *s); /* CLOSED, not hashed; NULL when out of records/memory */
/* Free a record: unhash, unlink, release buffers. Children of a listener are freed too. */
void tcp_conn_free(weir_stack *s, tcp_conn *c);
/* Once no handle refers to it: free a CLOSED record, and replace one in TIME-WAIT with a compact
 * record (tcp_tw.h). Either way the caller must not touch c afterwards when c->handle < 0. */
void tcp_conn_reap(weir_stack *s, tcp_conn *c);
/* Replace c (TIME-WAIT, no handle) with a compact record; false (c kept) when out of memory. */
bool tcp_table_compact_time_wait(weir_stack *s, tcp_conn *c);
/* Our TSval offset for a four-tuple: a keyed hash, as RFC 7323 §7.1 recommends. */
uint32_t tcp_ts_offset(const weir_stack *s, const weir_tuple *t);
void tcp_table_hash(weir_stack *s, tcp_conn *c);
void tcp_table_unhash(weir_stack *s, tcp_conn *c);
tcp_conn *tcp_table_lookup(weir_stack *s, const weir_tuple *t);
/* Demultiplexing: the connection with tuple t, else NULL with *tw its TIME-WAIT record (or NULL). */
struct tcp_tw;
tcp_conn *tcp_table_demux(weir_stack *s, const weir_tuple *t, struct tcp_tw **tw);
tcp_conn *tcp_table_listener(weir_stack *s, uint32_t local_ip, uint16_t local_port);
/* bind(): take (local_ip, port), port 0 = an ephemeral one no one holds (tcp_ports.h). Sets
 * c's local address and port. 0, WEIR_EADDRINUSE or WEIR_ENOMEM. */
int tcp_table_bind_port(weir_stack *s, tcp_conn *c, uint32_t local_ip, uint16_t port);
/* A listener other than c on an address overlapping local_ip (either may be the wildcard) and
 * port, or NULL. */
tcp_conn *tcp_table_other_listener(weir_stack *s, const tcp_conn *c, uint32_t local_ip,
                                   uint16_t port);
/* connect(): t has both addresses and the remote port. A local port of 0 is chosen (RFC 6056
 * Algorithm 3) so that t is unique and no bound socket holds it; else t must be unique. When t
 * was a reusable TIME-WAIT record's (time_wait_reuse), *isn_given and *isn say the ISN. */
int tcp_table_connect_port(weir_stack *s, tcp_conn *c, weir_tuple *t, bool *isn_given,
                           uint32_t *isn);
uint32_t tcp_isn(weir_stack *s, const weir_tuple *t);
/* Iteration over every record: the listener chain, the hash buckets, then the records held
 * only by a handle. The record given to tcp_table_next must still exist. */
tcp_conn *tcp_table_first(const weir_stack *s);
tcp_conn *tcp_table_next(const weir_stack *s, const tcp_conn *c);
/* listen(): give c its queue. 0 or WEIR_ENOMEM. */
int tcp_table_listen(weir_stack *s, tcp_conn *c, uint16_t backlog);
weir_wheel *tcp_table_wheel(weir_stack *s);     /* the timers of every record */

/* ---- tcp_state.c ---- */
/* The one writer of c->state. Checks the edge against RFC 9293 §3.3.2 (an illegal edge is an
 * engine bug: assert) and tells the trace hook why. */
void tcp_set_state(weir_stack *s, tcp_conn *c, weir_tcp_state next, const char *why);
bool tcp_state_edge_legal(weir_tcp_state from, weir_tcp_state to);
/* A new child of a listener starts in LISTEN, as the listener's twin (no trace, no hashing). */
void tcp_state_clone_listener(tcp_conn *child);
/* Enter CLOSED because of an error: record it for the application, notify, stop timers. */
void tcp_fail(weir_stack *s, tcp_conn *c, int err, const char *why);
/* RFC 9293 §3.9.1.8 (MUST-47): tell the application of trouble the connection lives through
 * (WEIR_EV_SOFT_ERROR), unless it turned that off (SHLD-20). */
void tcp_soft_error(weir_stack *s, tcp_conn *c, int err);

/* ---- tcp_input.c ---- */
/* A TCP segment arrived in an IPv4 packet (checksum verified). */
void tcp_input(weir_stack *s, int netif, uint32_t src_ip, uint32_t dst_ip, const weir_tcp_repr *seg,
               const uint8_t *frame, size_t frame_len, uint8_t ip_ecn);

/* The options our SYN offers (a SYN-ACK offers only what the peer's SYN did), and what the
 * peer's SYN or SYN-ACK agreed to (tcp_input.c). */
void tcp_syn_options(const weir_stack *s, const tcp_conn *c, weir_tcp_options *o);
/* The window-scale shift our SYN offers (from the largest receive buffer). */
uint8_t tcp_wscale_for(const weir_stack *s, const tcp_conn *c);
/* The size auto-tuning may grow the receive buffer to (tcp_user.c): recv_buffer_auto_max, at
 * most the largest window the agreed scale can advertise; 0 when auto-tuning is off for c. */
uint32_t tcp_rcv_auto_max(const weir_stack *s, const tcp_conn *c);
/* Receive buffer not holding readable bytes (0 when an auto-tuned window was honoured past the
 * buffer, see tcp_rcv_window), and the room data may take: that, or the window advertised if it
 * reaches further. */
static inline uint32_t tcp_rcv_free(const tcp_conn *c)
{
    return c->rcv.len < c->rcv_cap ? c->rcv_cap - c->rcv.len : 0;
}
static inline uint32_t tcp_rcv_room(const tcp_conn *c)
{
    uint32_t advertised = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    uint32_t free_space = tcp_rcv_free(c);
    return advertised > free_space ? advertised : free_space;
}
/* The sequence number of the next byte weir_tcp_recv returns: the readable bytes end at RCV.NXT,
 * less the peer's FIN once it took a number. */
static inline uint32_t tcp_rcv_read_seq(const tcp_conn *c)
{
    return c->rcv_nxt - c->rcv.len - (c->fin_received ? 1u : 0u);
}
/* The application read (or threw away) bytes: RCV.UP is never left behind what it read, so that
 * "urgent data pending" (RCV.UP ahead of the read position) cannot turn true again as sequence
 * numbers wrap. */
static inline void tcp_rcv_up_follow_read(tcp_conn *c)
{
    uint32_t read = tcp_rcv_read_seq(c);
    if (seq_lt(c->rcv_up, read))
        c->rcv_up = read;
}
/* The initial window for this MSS (RFC 6928 / RFC 5681 (3.1)); also the restart window's IW. */
uint32_t tcp_initial_window(const weir_stack *s, uint32_t mss);
/* Our TSval clock now (1 ms ticks) plus an offset; tcp_ts_now: with the connection's offset. */
uint32_t tcp_ts_clock(const weir_stack *s, uint32_t offset);
uint32_t tcp_ts_now(const weir_stack *s, const tcp_conn *c);
/* Bytes of SACK option our next segment would carry, and filling them in. */
size_t tcp_sack_blocks(const tcp_conn *c, weir_tcp_options *o);
/* The MSS we advertise: the socket's MAXSEG, else the stack's, else the route's MTU - 40. */
uint16_t tcp_our_mss(const weir_stack *s, const tcp_conn *c);
/* The receive MSS our SYN or SYN-ACK states (`mss`), or without options (noopt) the 536 the
 * peer must then assume (RFC 9293 MUST-15). */
uint16_t tcp_syn_mss(const tcp_conn *c, uint16_t mss);

/* ---- tcp_output.c ---- */
/* Send whatever the connection may send now (SYN, data within the windows, FIN, pending ACK). */
void tcp_output(weir_stack *s, tcp_conn *c);
/* Send one bare ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> now. */
void tcp_send_ack(weir_stack *s, tcp_conn *c);
/* An ACK of the ACK clock (after input, a delayed ACK, a window update): sent now, or, while the
 * link is full (weir_tx_ready_fn), left owed to go with the next segment or a short retry. */
void tcp_send_ack_or_hold(weir_stack *s, tcp_conn *c);
/* The end of an input burst (weir_netif_input_end): the ACKs that waited for it. */
void tcp_send_deferred_acks(weir_stack *s);
/* A record going away leaves the list of those waiting. */
void tcp_forget_deferred_ack(weir_stack *s, tcp_conn *c);
/* Fast retransmit: resend the segment at snd_una now. */
void tcp_retransmit_head(weir_stack *s, tcp_conn *c);
/* Tail loss probe (RFC 8985 §7.3): one new segment when there is unsent data the peer's window
 * takes (the congestion window notwithstanding), else the last segment sent again. */
void tcp_send_probe_segment(weir_stack *s, tcp_conn *c);
/* The SWS override (MUST-38): send what the window allows now, however small. Returns false
 * when the window is zero (a probe is due instead). */
bool tcp_send_override(weir_stack *s, tcp_conn *c);
/* A zero-window probe and a keepalive probe. */
void tcp_send_window_probe(weir_stack *s, tcp_conn *c);
void tcp_send_keepalive(weir_stack *s, tcp_conn *c);
/* Send a RST for a connection: <SEQ=SND.NXT><CTL=RST> (abort). */
void tcp_send_rst_for(weir_stack *s, tcp_conn *c);
/* Reply to a segment (RFC 9293 §3.10.7.1): RST with seq/ack derived from the offending segment.
 * `tos`: 0 for a segment with no connection; a connection's TOS byte when the reply is made on
 * its behalf (an unacceptable ACK in SYN-SENT or SYN-RECEIVED, data after close). */
void tcp_send_rst_reply(weir_stack *s, uint8_t tos, uint32_t src_ip, uint32_t dst_ip,
                        const weir_tcp_repr *seg);
/* Offer of our receive window right now (unscaled, capped at 65535). */
uint32_t tcp_rcv_window(const tcp_conn *c);
uint32_t tcp_flight_size(const tcp_conn *c);
/* What the congestion window is compared with: the pipe on SACK connections, else the flight. */
uint32_t tcp_in_flight(const tcp_conn *c);
/* ssthresh after a loss (RFC 5681 (4)): max(FlightSize / 2, 2 * SMSS). */
uint32_t tcp_loss_ssthresh(const tcp_conn *c);
/* Unsent bytes queued after snd_nxt. */
uint32_t tcp_unsent_bytes(const tcp_conn *c);
/* The sequence number of the first byte after all queued data (where FIN goes). */
uint32_t tcp_data_end_seq(const tcp_conn *c);

/* ---- tcp_sack.c ---- */
/* Loss recovery on a SACK connection goes through the scoreboard (unless memory ran out). */
bool tcp_sb_active(const tcp_conn *c);
/* The scoreboard records a flight (so an RTO or PMTU drop can mark it lost). */
bool tcp_sb_has_flight(const tcp_conn *c);
/* Bytes SACKed and bytes deemed lost in the current flight (0 without a scoreboard). */
uint32_t tcp_sb_sacked(const tcp_conn *c);
uint32_t tcp_sb_lost(const tcp_conn *c);
/* `len` sequence numbers from `seq` went out (new, or sent again): record them. */
void tcp_sb_on_send(weir_stack *s, tcp_conn *c, uint32_t seq, uint32_t len);
/* Bytes in flight by RFC 6675's count: sent, not SACKed, not deemed lost (or sent again). */
uint32_t tcp_sb_pipe(const tcp_conn *c);
/* The next segment to send again: the lowest LOST one, at most `max_len` long. */
bool tcp_sb_next_lost(weir_stack *s, tcp_conn *c, uint32_t max_len, uint32_t *seq, uint32_t *len);
/* RFC 6675 NextSeg rule 3 (rack_loss_detection off, in recovery): the first hole not sent again
 * below the highest SACK, at most `max_len` long. */
bool tcp_sb_next_hole(weir_stack *s, tcp_conn *c, uint32_t max_len, uint32_t *seq,
                      uint32_t *len);
void tcp_sb_mark_all_lost(tcp_conn *c);
void tcp_sb_release(weir_stack *s, tcp_conn *c);
/* An acceptable ACK (SND.UNA already moved from prior_una): SACK blocks, RACK, PRR, recovery. */
void tcp_sack_on_ack(weir_stack *s, tcp_conn *c, const weir_tcp_repr *seg, uint32_t prior_una,
                     bool cwnd_limited, bool dup_ack);
void tcp_rack_timeout(weir_stack *s, tcp_conn *c);
void tcp_sack_on_rto(weir_stack *s, tcp_conn *c);
/* No undo of the last reduction any more: free the state kept for it. */
void tcp_sack_forget_undo(weir_stack *s, tcp_conn *c);

/* ---- tcp_newreno.c ---- */
/* An acceptable ACK on a connection without SACK, SND.UNA already moved from prior_una (and
 * SND.NXT was prior_nxt before it): `dup` when it is a duplicate ACK (RFC 5681 §2), `limited`
 * when the sender was using its window. */
void tcp_newreno_on_ack(weir_stack *s, tcp_conn *c, uint32_t prior_una, uint32_t prior_nxt,
                        bool dup, bool limited);

/* ---- tcp_icmp.c ---- */
struct weir_icmp_error;
/* An ICMP error quoting one of our segments. True when a connection took it. */
bool tcp_icmp_error(weir_stack *s, const struct weir_icmp_error *e);

/* ---- tcp_timer.c ---- */
/* Which timer the shared slot is in c's state: CONNECT, KEEPALIVE, FIN_WAIT_2 or TIME_WAIT. */
static inline weir_tcp_timer tcp_state_timer(const tcp_conn *c)
{
    if (c->state == WEIR_TCP_TIME_WAIT)
        return WEIR_TIMER_TIME_WAIT;
    if (c->state < WEIR_TCP_ESTABLISHED)
        return WEIR_TIMER_CONNECT;
    if (c->state == WEIR_TCP_FIN_WAIT_2 && c->app_closed)
        return WEIR_TIMER_FIN_WAIT_2;
    return WEIR_TIMER_KEEPALIVE;
}
/* The deadline of timer t, UINT64_MAX when it is off (or when c's state gives its slot to
 * another timer). Inline: the send path asks on every segment. */
static inline uint64_t tcp_timer_deadline(const tcp_conn *c, weir_tcp_timer t)
{
    if ((int)t < TCP_TIMER_SHARED_SLOT)
        return c->timer[t];
    return tcp_state_timer(c) == t ? c->timer[TCP_TIMER_SHARED_SLOT] : UINT64_MAX;
}
void tcp_timer_set(weir_stack *s, tcp_conn *c, weir_tcp_timer t, uint64_t deadline);
void tcp_timer_stop(weir_stack *s, tcp_conn *c, weir_tcp_timer t);
void tcp_timers_stop_all(weir_stack *s, tcp_conn *c);
uint64_t tcp_conn_next_deadline(const tcp_conn *c);
/* Run every timer of every connection due at s->now_us. */
void tcp_timers_run(weir_stack *s);
uint64_t tcp_next_deadline(const weir_stack *s);
/* RFC 6298: a new RTT sample (µs), one of `samples` expected per window (RFC 7323 Appendix G:
 * the gains are divided by it; 1 for the classic one-sample-per-RTT timing). */
void tcp_rtt_sample(weir_stack *s, tcp_conn *c, uint32_t rtt_us, uint32_t samples);
void tcp_rto_restart(weir_stack *s, tcp_conn *c);
/* The retransmission timeout the timer runs for: c->rto plus rto_slop_us once the RTO comes
 * from a sample or a backoff (the initial RTO is used as configured), at most rto_max_us. */
uint32_t tcp_rto_timer(const weir_stack *s, const tcp_conn *c);
/* Data is in flight: arm the retransmission timer as a tail loss probe when RFC 8985 §7.2
 * allows, else as the RTO. */
void tcp_arm_retransmit(weir_stack *s, tcp_conn *c);
/* A segment went out (new_data: beyond SND.MAX): start the timer if it is not running, and move
 * a tail loss probe with new data. */
void tcp_retransmit_timer_on_send(weir_stack *s, tcp_conn *c, bool new_data);
/* The persist timer's interval: RTO << persist_shift, at most rto_max (MUST-36). */
uint64_t tcp_persist_interval(const weir_stack *s, const tcp_conn *c);
void tcp_enter_time_wait(weir_stack *s, tcp_conn *c, const char *why);
void tcp_arm_keepalive(weir_stack *s, tcp_conn *c);
/* The first SYN or SYN-ACK went: start WEIR_TCP_OPT_CONNECT_TIMEOUT's bound, if set. */
void tcp_arm_connect_timeout(weir_stack *s, tcp_conn *c);
uint64_t tcp_keepidle_us(const weir_stack *s, const tcp_conn *c);
uint64_t tcp_keepintvl_us(const weir_stack *s, const tcp_conn *c);
void tcp_arm_delayed_ack(weir_stack *s, tcp_conn *c);

/* ---- tcp_user.c ---- */
/* Called when a connection becomes ESTABLISHED (both opens): notifies, runs a pending close. */
void tcp_on_established(weir_stack *s, tcp_conn *c);
/* Throw away the in-order bytes waiting to be read (after shutdown of the receive side). */
void tcp_discard_received(weir_stack *s, tcp_conn *c);

/* Trace helpers. */
void tcp_trace_segment(weir_stack *s, tcp_conn *c, weir_trace_kind kind, const weir_tcp_repr *r,
                       uint32_t src_ip, uint32_t dst_ip, bool retransmission);
struct tcp_tw;
void tcp_trace_tw_segment(weir_stack *s, const struct tcp_tw *tw, weir_trace_kind kind,
                          const weir_tcp_repr *r, uint32_t src_ip, uint32_t dst_ip);
/* The ACK a TIME-WAIT record sends (tcp_output.c). */
void tcp_tw_send_ack(weir_stack *s, const struct tcp_tw *tw);

#endif
