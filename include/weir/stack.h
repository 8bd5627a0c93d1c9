/* weir/stack.h — a stack instance: create, feed with time, drain events, read counters.
 *
 * The stack never reads a clock, never sleeps and never starts a thread. The embedder calls
 * weir_stack_poll(stack, now) when weir_stack_next_deadline() says so (and after handing it
 * frames); the stack does everything due at `now` and queues readiness events for the application.
 * Randomness comes from the embedder's callback. Two stacks in one process share nothing. */
#ifndef WEIR_STACK_H
#define WEIR_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weir/err.h"
#include "weir/stats.h"
#include "weir/tcp.h"
#include "weir/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct weir_stack weir_stack;

/* Pluggable memory. `free` gets the size that was asked of `alloc`. */
typedef struct weir_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} weir_allocator;

/* Fill `buf` with `len` unpredictable bytes (getrandom in a hosted program, a seeded generator in
 * tests). Required. */
typedef void (*weir_random_fn)(void *ctx, void *buf, size_t len);

/* How SYN options are laid out on the wire. Both are valid TCP; they differ in order and padding,
 * and conformance scripts written on one system expect its layout byte for byte. */
typedef enum weir_tcp_option_layout {
    WEIR_TCP_LAYOUT_LINUX = 0, /* <mss,sackOK,TS,nop,wscale>; NOP padding */
    WEIR_TCP_LAYOUT_BSD = 1,   /* <mss,nop,wscale,sackOK,TS>; EOL padding at the end */
} weir_tcp_option_layout;

/* weir_tcp_config.ecn. */
enum { WEIR_TCP_ECN_OFF = 0, WEIR_TCP_ECN_ON = 1, WEIR_TCP_ECN_PASSIVE = 2 };

/* Run-time TCP settings. weir_stack_config_init() fills the defaults shown. */
typedef struct weir_tcp_config {
    uint32_t send_buffer;     /* bytes per connection (65536) */
    uint32_t recv_buffer;     /* bytes per connection, the largest window offered (65535; more
                                 than 65535 needs window_scale) */
    uint32_t recv_buffer_max; /* the largest receive buffer a connection may use; the window
                                 scale shift is chosen so that it fits (0 = recv_buffer) */
    /* Receive-buffer auto-tuning (4 MiB; 0 = off): a connection's buffer starts at recv_buffer
     * and, once per smoothed RTT, grows to twice what the application read in that time (so a
     * sender held back by our window can fill a long, fast path), up to this many bytes; it
     * never shrinks. Only the limit grows: memory is still taken as data waits and freed when
     * it is read. Must be 0 or between recv_buffer and 1 GiB. WEIR_TCP_OPT_RCVBUF turns it off
     * for that socket; without window scaling the buffer stops at 65535. Visible on the wire:
     * the SYN's window scale fits this too, so a default SYN offers wscale 7 (it offered 0
     * before auto-tuning) and a window of 65408 (511 units of 128) rather than 65535. */
    uint32_t recv_buffer_auto_max;
    bool window_scale; /* RFC 7323 §2: offer/accept window scaling (true) */
    bool timestamps;   /* RFC 7323 §3: offer/accept timestamps (true) */
    bool sack;         /* RFC 2018: offer/accept SACK, report SACK blocks (true) */
    bool dsack;        /* RFC 2883: with SACK, report data received twice as a D-SACK
                          block (true, as Linux's tcp_dsack=1; false: as FreeBSD did before
                          it had them). D-SACKs received are used either way */
    weir_tcp_option_layout option_layout; /* (WEIR_TCP_LAYOUT_LINUX) */
    weir_tcp_cc congestion_control;       /* the module new connections use (WEIR_TCP_CC_CUBIC) */
    uint8_t initial_window;               /* segments in the first flight; 0 = RFC 5681's 2-4 by MSS
                                             (10, RFC 6928) */
    uint16_t mss;                         /* MSS to advertise; 0 = from the interface MTU */
    bool syn_ack_mss_clamp; /* a SYN-ACK advertises at most the MSS of the peer's SYN, as the
                               FreeBSD of the gsoc-* conformance scripts does (false: our own) */
    uint32_t rto_initial_us;              /* RFC 6298 (2.1): 1 s */
    uint32_t rto_min_us;                  /* RFC 6298 (2.4) says 1 s; Linux and we use 200 ms */
    uint32_t rto_max_us;                  /* upper bound of the backed-off RTO (60 s) */
    uint32_t rto_slop_us;    /* added to every RTO computed from RTT samples or backed off, as
                                FreeBSD adds tcp_rexmit_slop (200 ms there) to its timer (0) */
    uint32_t persist_min_us; /* bounds of the persist timer (zero-window probes, MUST-36, and
                                the sender SWS override), which runs the backed-off RTO: at
                                least this long (0: no floor beyond the RTO's) ... */
    uint32_t persist_max_us; /* ... and at most this (0: rto_max_us). FreeBSD clamps it to 5 s
                                and 60 s (tcp_persmin, tcp_persmax), Linux only to its RTO cap */
    bool drop_missing_timestamps; /* RFC 7323 §3.2: once timestamps are negotiated, a non-RST
                                     segment without them is silently dropped (true, the
                                     RFC's SHOULD; FreeBSD's tolerate_missing_ts=0). false:
                                     it is processed, as Linux does */
    bool drop_synfin; /* silently drop every segment with both SYN and FIN set, in every state
                         and to closed ports (counted as WEIR_DROP_TCP_SYN_FIN), as FreeBSD's
                         net.inet.tcp.drop_synfin=1 does against stack fingerprinting. RFC 9293
                         §3.10.7.2 processes the FIN after the SYN; this is hardening, not the
                         RFC (false) */
    bool rto_min_is_granularity; /* rto_min_us stands for RFC 6298's clock granularity G:
                                    RTO = SRTT + max(rto_min, 4*RTTVAR), as Linux's
                                    tcp_set_rto (false: max(rto_min, SRTT + 4*RTTVAR), (2.4)) */
    bool window_probe_bare_ack;  /* a zero-window probe is a bare ACK with SEG.SEQ = SND.UNA-1,
                                    the keepalive's shape, as Linux's tcp_xmit_probe_skb (false:
                                    one byte of new data beyond the window) */
    uint8_t syn_retries;     /* SYN / SYN-ACK retransmissions before giving up (7: about 3 min
                                with the RTO cap, RFC 9293 MUST-20) */
    uint8_t max_retries;     /* data/FIN retransmissions before giving up (15, RFC 9293 MUST-20) */
    uint8_t r1_retries;      /* RFC 9293 §3.8.3's R1 (3, SHLD-10): once a segment has been resent
                                this many times, IP gets negative advice (the next hop's ARP entry
                                is forgotten, so it is resolved again: dead-gateway detection) and
                                the application a WEIR_EV_SOFT_ERROR; 0 = no R1 */
    uint64_t user_timeout_us;    /* WEIR_TCP_OPT_USER_TIMEOUT of new sockets: R2 in time instead of
                                    max_retries (0 = off; at most WEIR_TCP_TIMEOUT_MAX_MS ms) */
    uint64_t connect_timeout_us; /* WEIR_TCP_OPT_CONNECT_TIMEOUT of new sockets: a time bound on
                                    synchronizing, besides syn_retries (0 = off; at most
                                    WEIR_TCP_TIMEOUT_MAX_MS ms) */
    uint64_t msl_us;         /* maximum segment lifetime; TIME-WAIT lasts 2*MSL (30 s; at most
                                10 minutes) */
    uint32_t delayed_ack_us; /* delayed-ACK timer, 0 = ACK every segment at once (40 ms) */
    uint8_t quick_acks;      /* in-order segments ACKed at once when data starts to flow and
                                again after an idle gap longer than the RTO, so that the
                                peer's slow start is not held back by our delayed ACKs (16, as
                                Linux; 0 = off). Not while the connection is interactive */
    bool delay_fin_ack;      /* a FIN in ESTABLISHED is ACKed after the delayed-ACK time, in case
                                our own FIN can carry the ACK, as Linux (false: at once) */
    bool sack_whole_segments; /* a SACK block counts only for the segments it covers whole,
                                 as Linux (false: byte by byte, splitting a segment at the
                                 block's edge, RFC 6675) */
    bool early_retransmit;    /* RFC 5827 on SACK connections: with fewer than four segments
                                 out and nothing new to send, the first is resent as soon as
                                 all the others are SACKed, as Linux's tcp_early_retrans=1
                                 (false: RACK's reordering window decides, RFC 8985) */
    bool early_retransmit_delayed; /* with early_retransmit, the resend waits max(SRTT/4,
                                      2 ms) after the latest ACK, each ACK starting the wait
                                      again, against reordering (RFC 5827 Appendix A), as
                                      Linux's tcp_early_retrans=2 (false: at once) */
    bool resend_full_segments; /* lost data that follows lost data is resent in full-sized
                                  segments, joined across the segments it was first sent in,
                                  as FreeBSD's go-back-N and hole retransmissions do (false: as
                                  first sent, as Linux); RFC 1122 §4.2.2.15 allows this
                                  repacketizing */
    bool rack_loss_detection; /* SACK connections decide loss by send times, RFC 8985 RACK
                                 (true). false: by what the SACKs cover, RFC 6675 §4's IsLost
                                 (DupThresh SACKed segments, or more than (DupThresh - 1) * SMSS
                                 SACKed bytes, above a hole), with NextSeg's rule 3 resending
                                 holes below the highest SACK in recovery, as FreeBSD's default
                                 stack */
    bool fack_loss_detection; /* with rack_loss_detection off: a segment is lost once DupThresh
                                 segments, SACKed or not, lie between it and the highest
                                 SACKed one (FACK, Mathis and Mahdavi 1996; Linux's tcp_fack=1
                                 until 4.15) instead of DupThresh SACKed ones (false) */
    bool tail_loss_probe;    /* RFC 8985 §7 tail loss probes on SACK connections: when the
                                ACKs stop, resend the last segment after about 2*SRTT instead
                                of waiting for the RTO (true, as Linux; FreeBSD's default stack:
                                false) */
    bool slow_start_twice_flight; /* slow start grows cwnd while it is below twice the
                                     largest flight of the current round, as Linux's
                                     tcp_is_cwnd_limited (false: while the flight at the ACK
                                     is at least half of cwnd, RFC 7661 §4.3) */
    bool slow_start_whole_ack;    /* slow start adds every byte an ACK newly acknowledges, as
                                     Linux's tcp_slow_start (false: at most 2*SMSS per ACK,
                                     RFC 3465's L; RFC 5681 §3.1 RECOMMENDS min(N, SMSS)) */
    bool cwnd_credit_delivered;   /* an ACK grows cwnd by the bytes it newly delivers (SACKed
                                     or cumulatively acknowledged for the first time), as Linux
                                     (false: by how far SND.UNA moved, RFC 5681 §3.1) */
    bool prr;                     /* RFC 6937 Proportional Rate Reduction sets the window in
                                     fast recovery (true). false: FreeBSD's rule before it had
                                     PRR (net.inet.tcp.do_prr=0): one segment on entry, one more
                                     per duplicate ACK while the flight is below ssthresh, and
                                     what recovery has out plus one or two segments on a partial
                                     ACK */
    bool prr_ssrb_needs_progress; /* PRR below ssthresh adds its extra SMSS (RFC 6937 §3
                                     PRR-SSRB) only on ACKs that move SND.UNA and find no new
                                     loss, else bounds by what was delivered, as Linux (false:
                                     PRR-SSRB on every ACK) */
    bool slow_start_after_idle; /* RFC 5681 §4.1: after more than an RTO without sending data,
                                   cwnd restarts from min(IW, cwnd) (true, as Linux's and
                                   FreeBSD's defaults; the Linux conformance scripts set 0) */
    bool time_syn_ack;       /* a passive open takes its first RTT sample from the SYN-ACK and
                                the ACK that completes the handshake (true; FreeBSD's syncache
                                does not, so its first RTO is the initial one) */
    bool ack_every_second_segment; /* ACK every 2nd in-order segment whatever its size, as the
                                      BSDs do (false: every 2*MSS bytes, as Linux) */
    bool ack_repeats_fin; /* while our FIN is unacknowledged, each ACK we send repeats it, as
                             FreeBSD's tcp_output does (false: a bare ACK, as Linux) */
    bool window_update_quarter; /* after a read, announce the grown window only when it grew by
                                   2 segments and a quarter of the buffer (or the window is
                                   down to an eighth of it, or the buffer is at most 8 segments),
                                   or by half the buffer: FreeBSD's tcp_output (false: 2 segments
                                   or half the buffer) */
    bool round_rcv_buffer_to_mss; /* once the MSS is known, round the receive buffer up to whole
                                     segments, as FreeBSD's tcp_mss() does (false) */
    bool rcv_window_is_buffer;  /* the acceptability test takes the free receive buffer as RCV.WND,
                                   even past the largest window the header could advertise, as
                                   FreeBSD does (false: the window advertised, as Linux and
                                   RFC 5961 §3.2 would have it) */
    uint64_t keepalive_idle_us; /* idle time before the first keepalive probe (2 h) */
    uint64_t keepalive_interval_us; /* between probes (75 s) */
    uint8_t keepalive_count;        /* unanswered probes before the connection is dropped (9) */
    bool nagle;                     /* RFC 9293 §3.7.4 Nagle algorithm (true) */
    bool nagle_whole_write; /* Nagle judges "unacknowledged data" once per output: a write
                               that finds nothing unacknowledged goes out whole, its short
                               tail included, as BSD's tcp_output and Linux's Minshall variant
                               (RFC 9293 Appendix A.3) send it (true). false: §3.7.4 to the
                               letter, the tail waits for the ACK of the segments before it */
    bool pacing; /* new connections pace their data segments (WEIR_TCP_OPT_PACING) (false) */
    uint8_t tos; /* WEIR_TCP_OPT_TOS of new sockets: the Differentiated Services field of their
                    segments (0); the two ECN bits must be 0 */
    uint8_t ecn; /* Explicit Congestion Notification (RFC 3168): WEIR_TCP_ECN_OFF, _ON (ask for it
                    on our SYNs and agree when asked) or _PASSIVE (agree when a peer's SYN asks,
                    never ask: Linux's and FreeBSD's default, and ours) */
    bool rfc5961;         /* RFC 5961 challenge ACKs for RST/SYN and the ACK check (true) */
    bool time_wait_reuse; /* connect() may take the four-tuple of a TIME-WAIT record at least 1 s
                             old that used timestamps, as Linux's tcp_tw_reuse=1 (false) */
    uint32_t isn_tick_ns; /* ISN clock period; RFC 9293 §3.4.1 says 4 µs (4000) */
} weir_tcp_config;

typedef struct weir_stack_config {
    weir_random_fn random; /* required */
    void *random_ctx;
    const weir_allocator *allocator; /* NULL: the C library's malloc/free */
    weir_trace_fn trace;             /* optional */
    void *trace_ctx;
    uint32_t max_sockets;     /* size of the socket handle table (256; at most 2^24) */
    uint32_t max_connections; /* connection records of any kind, including those no handle
                                 refers to any more (1024) */
    uint32_t max_time_wait;   /* compact TIME-WAIT records kept; at the limit the oldest ends
                                 early (0: as many as max_connections) */
    uint16_t ephemeral_lo, ephemeral_hi; /* local port range for connect (49152..65535) */
    uint8_t ip_ttl;                      /* TTL of packets we send (64) */
    uint32_t dgram_recv_buffer;  /* bytes of datagrams a UDP or ping socket holds unread before it
                                    drops new ones (65536) */
    uint32_t frag_max_datagrams; /* IPv4 datagrams reassembled at once, each holding a 64 kB
                                    buffer while it lasts (4; 0 drops every fragment; at most
                                    WEIR_MAX_FRAG_DATAGRAMS) */
    uint64_t frag_timeout_us;    /* an incomplete datagram is discarded after this (30 s) */
    uint32_t arp_entries;        /* neighbours remembered on Ethernet interfaces (64) */
    uint32_t arp_reachable_us;   /* how long an ARP answer is trusted (60 s) */
    uint16_t icmp_error_rate;    /* ICMP errors we may send per second, in bursts of as many
                                    (RFC 1812 §4.3.2.8; 100) */
    weir_tcp_config tcp;
} weir_stack_config;

void weir_stack_config_init(weir_stack_config *cfg);

/* Create a stack. Returns 0 and sets *out, or WEIR_EINVAL (bad config) / WEIR_ENOMEM. */
int weir_stack_create(const weir_stack_config *cfg, weir_stack **out);
/* Free everything, open connections included (nothing is sent). NULL is allowed. */
void weir_stack_destroy(weir_stack *s);

/* Do everything due at `now_us` (timers). Time must not go backwards; an earlier value is
 * treated as the last one seen. */
void weir_stack_poll(weir_stack *s, uint64_t now_us);
/* When weir_stack_poll should next be called; UINT64_MAX when nothing is scheduled. */
uint64_t weir_stack_next_deadline(const weir_stack *s);
/* The latest time the stack has seen. */
uint64_t weir_stack_now(const weir_stack *s);

/* Readiness events. Events for one socket are coalesced, so the queue never grows beyond the
 * socket table. */
typedef enum weir_event_type {
    WEIR_EV_CONNECTED = 1, /* active open completed: ESTABLISHED */
    WEIR_EV_ACCEPTABLE,    /* a listener has a connection ready for weir_tcp_accept */
    WEIR_EV_READABLE,      /* data (or end of stream) ready for weir_tcp_recv */
    WEIR_EV_WRITABLE,      /* send buffer space became available */
    WEIR_EV_PEER_CLOSED,   /* the peer sent FIN: after the data already queued, recv returns 0 */
    WEIR_EV_CLOSED,        /* the connection reached CLOSED normally */
    WEIR_EV_ERROR,         /* the connection failed; `err` says why (refused, reset, timed out) */
    WEIR_EV_SOFT_ERROR,    /* trouble the connection lives through (RFC 9293 §3.9.1.8, MUST-47):
                              `err` is an ICMP soft error (WEIR_EHOSTUNREACH, WEIR_ENETUNREACH,
                              ...; SHLD-25) or WEIR_ETIMEDOUT when a segment has been resent
                              r1_retries times (§3.8.3 (e), SHLD-9). WEIR_TCP_OPT_SOFT_ERRORS 0
                              turns them off for a socket (SHLD-20) */
    WEIR_EV_URGENT,        /* the peer's urgent pointer appeared ahead of the data read, or
                              advanced (RFC 9293 §3.8.5, MUST-32): weir_tcp_info.urgent_unread
                              says how much is urgent. The data is in the stream; it is taken
                              with weir_tcp_recv. Delivered before READABLE */
} weir_event_type;
const char *weir_event_name(weir_event_type t);

typedef struct weir_event {
    weir_event_type type;
    int sock;
    int err; /* WEIR_EV_ERROR, WEIR_EV_SOFT_ERROR: negative WEIR_E* code */
} weir_event;

/* Take the next event. Returns true and fills *ev, or false when none is pending. */
bool weir_stack_next_event(weir_stack *s, weir_event *ev);

/* Copy out the counters. */
void weir_stats_get(const weir_stack *s, weir_stats *out);

#ifdef __cplusplus
}
#endif
#endif
