/* weir/tcp.h — TCP sockets.
 *
 * Sockets are small integer handles (slot + generation), so a handle kept after close returns
 * WEIR_EBADF instead of reaching a reused slot. Every call is non-blocking; readiness arrives as
 * events from weir_stack_next_event() (see stack.h). Addresses and ports are in host byte order.
 * Read RFC 9293 §3.10 (event processing) for the semantics of each user call. */
#ifndef WEIR_TCP_H
#define WEIR_TCP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct weir_stack weir_stack;

/* RFC 9293 §3.3.2 states, in RFC order so that ranges mean something:
 * state >= WEIR_TCP_ESTABLISHED  <=>  the connection is synchronized. */
typedef enum weir_tcp_state {
    WEIR_TCP_CLOSED = 0,
    WEIR_TCP_LISTEN,
    WEIR_TCP_SYN_SENT,
    WEIR_TCP_SYN_RECEIVED,
    WEIR_TCP_ESTABLISHED,
    WEIR_TCP_FIN_WAIT_1,
    WEIR_TCP_FIN_WAIT_2,
    WEIR_TCP_CLOSE_WAIT,
    WEIR_TCP_CLOSING,
    WEIR_TCP_LAST_ACK,
    WEIR_TCP_TIME_WAIT,
    WEIR_TCP_STATE_COUNT
} weir_tcp_state;

/* "SYN-RECEIVED", spelled as in RFC 9293. */
const char *weir_tcp_state_name(weir_tcp_state s);

/* Congestion control modules (weir_tcp_config.congestion_control, WEIR_TCP_OPT_CONGESTION). */
typedef enum weir_tcp_cc {
    WEIR_TCP_CC_CUBIC = 0,   /* RFC 9438, the default (as Linux and FreeBSD 14) */
    WEIR_TCP_CC_NEWRENO = 1, /* RFC 5681 / RFC 6582 */
    WEIR_TCP_CC_COUNT
} weir_tcp_cc;

typedef struct weir_endpoint {
    uint32_t ip; /* IPv4 address, host order; 0 = any (bind only) */
    uint16_t port;
} weir_endpoint;

/* Open a new socket (CLOSED). Returns a handle >= 0 or a negative WEIR_E* code. */
int weir_tcp_socket(weir_stack *s);
/* Choose the local address/port. Port 0 picks an ephemeral port. */
int weir_tcp_bind(weir_stack *s, int sock, weir_endpoint local);
/* Passive open (RFC 9293 §3.10.1). backlog bounds connections waiting for accept, counting those
 * still in SYN-RECEIVED. */
int weir_tcp_listen(weir_stack *s, int sock, int backlog);
/* Take an established connection from a listener's accept queue: a new handle, or WEIR_EAGAIN.
 * WEIR_ENOBUFS when the handle table is full: the connection stays queued (the peer waits), and
 * no new WEIR_EV_ACCEPTABLE is raised for it — retry after closing a socket. */
int weir_tcp_accept(weir_stack *s, int listener, weir_endpoint *peer);
/* Active open: sends SYN. Completion is reported by WEIR_EV_CONNECTED or WEIR_EV_ERROR. */
int weir_tcp_connect(weir_stack *s, int sock, weir_endpoint remote);
/* Queue data for sending. Returns bytes accepted (may be fewer than len, 0 < len), WEIR_EAGAIN when
 * the send buffer is full, or an error. Data may be queued in SYN-SENT/SYN-RECEIVED (§3.10.2). */
int weir_tcp_send(weir_stack *s, int sock, const void *data, size_t len);
/* Flags of weir_tcp_send_flags. */
typedef enum weir_tcp_send_flag {
    /* More data follows (Linux's MSG_MORE): this call sends full segments only and holds a
     * short tail, as WEIR_TCP_OPT_CORK would, for this call only — a later send without the
     * flag, an ACK (under the socket's own Nagle setting), TCP_NODELAY, a FIN or the
     * 200 ms ceiling (WEIR_TCP_CORK_CEILING_US) sends it. */
    WEIR_TCP_SEND_MORE = 1,
    /* The data of this call is urgent (RFC 9293 §3.8.5, the SEND call's URGENT flag): the send
     * urgent pointer SND.UP moves to the end of the bytes the call accepted (MUST-62: it names
     * the octet after the urgent data), and every segment sent while SND.UP is ahead of its
     * sequence number carries URG and the pointer — capped at 65535 when SND.UP lies further
     * (urgent data of any length, MUST-31) — bare ACKs and probes included, so the peer learns
     * of it even while its window is closed (a bare ACK goes at once when no data can). The
     * data goes with PSH and is not held by Nagle, a cork or WEIR_TCP_SEND_MORE (the windows
     * still apply). It stays in the stream, in line as RFC 6093 advises: no byte is taken out
     * of band. With len 0: WEIR_EINVAL (an urgent indication needs at least one octet). RFC
     * 9293 SHLD-13: new applications should not use it; it is for the protocols that do
     * (Telnet's Synch, FTP's abort). */
    WEIR_TCP_SEND_URGENT = 2,
} weir_tcp_send_flag;
/* weir_tcp_send with flags (WEIR_TCP_SEND_*, or'ed); WEIR_EINVAL for an unknown flag. */
int weir_tcp_send_flags(weir_stack *s, int sock, const void *data, size_t len, int flags);
/* Take received bytes. Returns the count, 0 at end of stream (the peer's FIN and every byte before
 * it have been read), WEIR_EAGAIN when nothing is ready, or the connection's error. cap must be
 * at least 1 (WEIR_EINVAL otherwise). */
int weir_tcp_recv(weir_stack *s, int sock, void *buf, size_t cap);
/* Half-close: no more sending; a FIN follows the queued data. Receiving continues. */
int weir_tcp_shutdown(weir_stack *s, int sock);
/* No more receiving: bytes not yet read and every byte that arrives later are discarded (still
 * acknowledged, at once, since no reply from us will carry the ACK), and recv returns 0. Sending
 * is unaffected; close after it never resets the peer for unread data. */
int weir_tcp_shutdown_read(weir_stack *s, int sock);
/* Close and release the handle. Queued data is still delivered and the connection closes
 * gracefully — unless received data was left unread, in which case the peer is reset (RFC 1122
 * §4.2.2.13). The stack finishes the close on its own; the handle is invalid on return. */
int weir_tcp_close(weir_stack *s, int sock);
/* Abort (RFC 9293 §3.10.5): send RST if synchronized, drop everything, release the handle. */
int weir_tcp_abort(weir_stack *s, int sock);

/* Like weir_tcp_recv, but the bytes stay queued (MSG_PEEK). */
int weir_tcp_peek(weir_stack *s, int sock, void *buf, size_t cap);

typedef enum weir_tcp_option {
    WEIR_TCP_OPT_NODELAY = 1,     /* 1 disables Nagle's algorithm */
    WEIR_TCP_OPT_KEEPALIVE = 2,   /* 1 enables keepalive probes (RFC 9293 §3.8.4) */
    WEIR_TCP_OPT_SNDBUF = 3,      /* send buffer bytes; before connect/listen only */
    WEIR_TCP_OPT_RCVBUF = 4,      /* receive buffer bytes (the window offered; > 65535 needs
                                     window scaling); before connect/listen only. Setting it
                                     turns receive-buffer auto-tuning off for the socket (and
                                     an accepted socket inherits its listener's); reads back
                                     the size now, auto-tuning included */
    WEIR_TCP_OPT_MAXSEG = 5,      /* MSS to advertise (and largest to send); before the SYN */
    WEIR_TCP_OPT_KEEPIDLE = 6,    /* seconds idle before the first keepalive probe (1 to
                                     WEIR_TCP_KEEP_MAX_S) */
    WEIR_TCP_OPT_KEEPINTVL = 7,   /* seconds between keepalive probes (1 to WEIR_TCP_KEEP_MAX_S) */
    WEIR_TCP_OPT_KEEPCNT = 8,     /* unanswered probes before the connection is dropped */
    WEIR_TCP_OPT_CONGESTION = 10, /* a weir_tcp_cc: the congestion control module; any time
                                     (cwnd and ssthresh carry over, the module's own state
                                     starts afresh) */
    WEIR_TCP_OPT_QUICKACK = 9,    /* 1: ACK the next in-order segments at once (quick-ACK
                                     mode, and a pending ACK goes now); 0: delay ACKs from
                                     now on, until the data next resumes after an idle gap
                                     longer than the RTO. Reads 1 while in quick-ACK mode */
    WEIR_TCP_OPT_CORK = 11,       /* 1 (Linux's TCP_CORK): send full segments only, hold a short
                                     tail however idle the connection (Nagle holds one only while
                                     data is unacknowledged) — until 0 sends it (subject to Nagle
                                     unless NODELAY), NODELAY set to 1 pushes what is queued,
                                     a FIN goes, or it has waited WEIR_TCP_CORK_CEILING_US with
                                     nothing in flight. Values other than 0 and 1: WEIR_EINVAL.
                                     An accepted socket inherits its listener's */
    WEIR_TCP_OPT_PACING = 12,     /* 1: pace data segments instead of sending a window's worth
                                     at once: at cwnd / SRTT × 2 while in slow start (below
                                     half of ssthresh), × 1.2 after, Linux's internal pacing
                                     ratios; so a burst does not overflow a shallow queue on the
                                     path. Retransmissions by timer and probes are not paced.
                                     Default: weir_tcp_config.pacing. 0 or 1, else WEIR_EINVAL.
                                     An accepted socket inherits its listener's */
    WEIR_TCP_OPT_USER_TIMEOUT = 13, /* milliseconds (0 to WEIR_TCP_TIMEOUT_MAX_MS) that sent data
                                     may stay unacknowledged before the connection is aborted
                                     with WEIR_ETIMEDOUT: R2 measured in time, which RFC 9293
                                     §3.8.3 (MUST-21) lets the application set per connection
                                     (RFC 5482's user timeout, Linux's TCP_USER_TIMEOUT). It
                                     replaces the retransmission count (max_retries) and also
                                     bounds zero-window probes and keepalive probes that go
                                     unanswered (probes that are answered keep the connection
                                     open, MUST-37). It takes effect in the synchronized states;
                                     the retransmission timer is brought forward so that the
                                     connection ends on time. 0: max_retries decides. Default:
                                     weir_tcp_config.user_timeout_us. Any time; an accepted
                                     socket inherits its listener's */
    WEIR_TCP_OPT_CONNECT_TIMEOUT = 14, /* milliseconds (0 to WEIR_TCP_TIMEOUT_MAX_MS) that a
                                     connection may take to synchronize — from its first SYN or
                                     SYN-ACK until ESTABLISHED — before it is aborted with
                                     WEIR_ETIMEDOUT (FreeBSD's TCP_KEEPINIT). A bound in addition
                                     to syn_retries, whichever comes first; RFC 9293 MUST-23 asks
                                     the stack to try for 3 minutes and lets the application give
                                     up sooner. 0: syn_retries alone. Default:
                                     weir_tcp_config.connect_timeout_us. Before connect/listen
                                     only (WEIR_ESTATE after); an accepted socket inherits its
                                     listener's */
    WEIR_TCP_OPT_NOOPT = 15,      /* 1 (FreeBSD's TCP_NOOPT): our SYN or SYN-ACK carries no
                                     options at all — no MSS (the peer then sends at most 536
                                     bytes, RFC 9293 MUST-15), so neither window scaling,
                                     timestamps nor SACK is used, whatever the peer offers (each
                                     needs both SYNs). The peer's MSS still bounds what we send.
                                     Before connect/listen only (WEIR_ESTATE after); 0 or 1,
                                     else WEIR_EINVAL. An accepted socket inherits its
                                     listener's */
    WEIR_TCP_OPT_TOS = 16,        /* the IPv4 TOS byte, i.e. the Differentiated Services field
                                     (RFC 2474: DSCP << 2), of every segment the connection
                                     sends from now on — data, ACKs, SYNs, FINs, probes, RSTs
                                     and its TIME-WAIT ACKs (RFC 9293 §3.9.1.9: MUST-48,
                                     SHLD-21, SHLD-22; Linux's IP_TOS). 0 to 255, with the two
                                     low bits (the ECN field, RFC 3168) 0: they are TCP's, for ECN,
                                     and a segment must not claim ECN-capable transport unless
                                     ECN was negotiated; a value with them set is WEIR_EINVAL
                                     (Linux masks them off instead). Any time. Default:
                                     weir_tcp_config.tos. An accepted socket inherits its
                                     listener's. A RST for no connection carries 0 */
    WEIR_TCP_OPT_SOFT_ERRORS = 17, /* 1 (the default): raise WEIR_EV_SOFT_ERROR for this socket
                                     (ICMP soft errors, a segment resent r1_retries times); 0:
                                     not (RFC 9293 SHLD-20). The errors still count and an ICMP
                                     one still becomes the final error if the connection times
                                     out. Any time; 0 or 1, else WEIR_EINVAL; an accepted socket
                                     inherits its listener's */
    WEIR_TCP_OPT_REUSEADDR = 18,  /* 1 (SO_REUSEADDR): bind() may take a local port that
                                     connections hold (connecting, established or in TIME-WAIT,
                                     bound or not) as long as no listener has it, so that an
                                     application can LISTEN on the port of a connection being
                                     set up (RFC 9293 §3.9.1.1, MUST-42). listen() then refuses
                                     (WEIR_EADDRINUSE) a port another listener has. Before bind
                                     (WEIR_ESTATE after); 0 or 1, else WEIR_EINVAL */
} weir_tcp_option;
/* The largest WEIR_TCP_OPT_USER_TIMEOUT / CONNECT_TIMEOUT, as Linux's limit for TCP_USER_TIMEOUT
 * (INT_MAX ms, about 24.8 days): long enough to stand for "never" (MUST-21's "infinity"). */
#define WEIR_TCP_TIMEOUT_MAX_MS 2147483647u
/* The longest a short tail waits under WEIR_TCP_OPT_CORK or WEIR_TCP_SEND_MORE with nothing in
 * flight (Linux's ceiling, tcp(7)): then it goes as the persist timer's override would. */
#define WEIR_TCP_CORK_CEILING_US 200000
/* The largest WEIR_TCP_OPT_KEEPIDLE / KEEPINTVL, as Linux's MAX_TCP_KEEPIDLE (about 9 hours). */
#define WEIR_TCP_KEEP_MAX_S 32767

/* A connection whose data the link could not take (weir_tx_ready_fn said 0) and for which no ACK
 * will come to send it (nothing in flight, or all of it timed out) tries again this many µs
 * later; so does an ACK the link could not take. */
#define WEIR_TCP_LINK_RETRY_US 100
/* Set / read a per-socket option. WEIR_EINVAL for an unknown option or a bad value, WEIR_ESTATE
 * when the option can no longer change. */
int weir_tcp_setopt(weir_stack *s, int sock, weir_tcp_option opt, int value);
int weir_tcp_getopt(weir_stack *s, int sock, weir_tcp_option opt, int *value);

/* Every connection record of the stack, including those no handle refers to any more (closing,
 * TIME-WAIT): what `ss`/`sockstat` show. */
typedef struct weir_tcp_conn_summary {
    weir_endpoint local, remote;
    weir_tcp_state state;
    int sock; /* the handle, or -1 */
} weir_tcp_conn_summary;
/* Fills up to `max` entries; returns how many records exist (which may be more than max). */
int weir_tcp_list(weir_stack *s, weir_tcp_conn_summary *out, int max);
/* Abort the connection with this four-tuple (as tcpdrop does): RST if synchronized, then
 * gone. Returns 0, or WEIR_ENOENT when no such connection exists. */
int weir_tcp_drop(weir_stack *s, weir_endpoint local, weir_endpoint remote);

/* Where loss recovery stands, numbered as Linux's tcpi_ca_state. */
typedef enum weir_tcp_ca_state {
    WEIR_TCP_CA_OPEN = 0,     /* nothing missing */
    WEIR_TCP_CA_DISORDER = 1, /* SACKs or duplicate ACKs seen, no loss declared yet */
    WEIR_TCP_CA_RECOVERY = 3, /* fast recovery (RFC 6675 / RFC 6582, PRR) */
    WEIR_TCP_CA_LOSS = 4,     /* resending after a retransmission timeout */
} weir_tcp_ca_state;

/* Options the handshake agreed on (weir_tcp_info.options). */
enum {
    WEIR_TCPI_OPT_TIMESTAMPS = 1,
    WEIR_TCPI_OPT_SACK = 2,
    WEIR_TCPI_OPT_WSCALE = 4,
    WEIR_TCPI_OPT_ECN = 8, /* RFC 3168: ECT on our data, CE echoed with ECE */
};

/* Snapshot of one connection, comparable to Linux tcp_info. Times in microseconds. */
typedef struct weir_tcp_info {
    weir_tcp_state state;
    weir_endpoint local, remote;
    uint32_t iss, irs;
    uint32_t snd_una, snd_nxt, snd_wnd;
    uint32_t rcv_nxt, rcv_wnd;
    uint16_t snd_mss, rcv_mss;
    uint32_t srtt_us, rttvar_us, rto_us;
    uint32_t cwnd, ssthresh;
    uint32_t backoff;     /* consecutive retransmissions of the current segment */
    uint64_t retransmits; /* segments retransmitted over the connection's life */
    uint64_t bytes_sent;  /* bytes acknowledged by the peer */
    uint64_t bytes_received;
    uint64_t segs_in, segs_out;
    uint32_t send_queued; /* bytes in the send buffer (unsent + unacknowledged) */
    uint32_t send_space;  /* bytes weir_tcp_send would accept now (0 once the send side is
                             shut or the connection failed) */
    uint32_t recv_queued; /* bytes ready for weir_tcp_recv */
    int error;            /* pending connection error, 0 if none */
    /* Loss recovery and congestion control. */
    weir_tcp_ca_state ca_state;
    weir_tcp_cc congestion_control;
    uint32_t in_flight;       /* bytes in flight as the congestion window counts them (RFC 6675
                                 "pipe" with SACK: SACKed and lost bytes excluded, bytes resent
                                 while not deemed lost counted twice) */
    uint32_t sacked;          /* bytes above snd_una the peer reported with SACK */
    uint32_t lost;            /* bytes deemed lost and not yet sent again */
    uint32_t min_rtt_us;      /* smallest RTT seen by RACK (0 before the first) */
    uint32_t reordering_seen; /* 1 once RACK saw the path reorder (RFC 8985 §6.2 step 3) */
    uint64_t fast_recoveries; /* fast recoveries this connection entered */
    /* Negotiated options (WEIR_TCPI_OPT_*) and window-scale shifts. */
    uint32_t options;
    uint8_t snd_wscale, rcv_wscale;
    /* Receive buffer: its size now (recv_buffer, WEIR_TCP_OPT_RCVBUF's value, or what
     * auto-tuning grew it to: recv_buffer_auto_max in stack.h), and the ring storage allocated
     * now (0 while nothing waits to be read: buffers are taken on demand). */
    uint32_t recv_buffer, recv_buffer_alloc;
    /* Urgent data (RFC 9293 §3.8.5, MUST-33): bytes from the next one weir_tcp_recv returns up
     * to the peer's urgent pointer RCV.UP, 0 when none is pending. It shrinks as the
     * application reads, and may exceed recv_queued while the pointer is ahead of the data
     * received. WEIR_EV_URGENT (stack.h) says when it appears or grows. */
    uint32_t urgent_unread;
} weir_tcp_info;
int weir_tcp_get_info(weir_stack *s, int sock, weir_tcp_info *info);

#ifdef __cplusplus
}
#endif
#endif
