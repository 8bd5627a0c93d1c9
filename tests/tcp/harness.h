/* harness.h — engine tests: one stack under test, one fake peer, segments crafted by hand.
 *
 * Read RFC 9293 §3.3.2 (the state diagram) and §3.10.7 (segment arrives) first. The harness drives
 * the stack only through the public API (include/weir/) and builds the peer's segments with the
 * wire layer (src/wire), so every test reads like a packetdrill script:
 *
 *     harness *h = h_new();
 *     h_established_active(h);                       // a real handshake, segment by segment
 *     h_send(h, H_ACK | H_PSH, 1, 1, H_WIN, "abc", 3);  // peer -> stack
 *     h_expect_none(h);                              // the ACK is delayed ...
 *     h_advance(h, 40000);
 *     h_expect(h, H_ACK, 1, 4, 0);                   // ... 40 ms
 *     h_finish(h);                                   // leak check, then free
 *
 * Sequence numbers are RELATIVE, like tcpdump's: in segments the peer sends, seq counts from the
 * peer's ISN (h->irs) and ack from the stack's ISS (h->iss); in segments the stack sends, seq counts
 * from the ISS and ack from the peer's ISN. The harness learns the ISS from the stack's SYN or
 * SYN-ACK. The stack under test is 10.0.0.1/24 (MTU 1500); the peer is 10.0.0.2.
 *
 * The stack's clock is h->now (µs); h_advance() polls at later times. Failures print expected vs
 * got with flags as tcpdump writes them ("S." = SYN,ACK, "F." = FIN,ACK, "R" = RST, "." = ACK). */
#ifndef WEIR_TESTS_TCP_HARNESS_H
#define WEIR_TESTS_TCP_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "weir/weir.h"
#include "wire/tcp.h"

#define H_LOCAL_IP 0x0a000001u /* 10.0.0.1, the stack */
#define H_PEER_IP 0x0a000002u  /* 10.0.0.2, the fake peer */
#define H_LISTEN_PORT 80
#define H_PEER_PORT 40000
#define H_PEER_ISN 3000000000u /* above 2^31 on purpose: catches signed sequence compares */
#define H_WIN 65535
#define H_RTT 10000 /* µs between a segment and the peer's answer in the factories */
#define H_MTU 1500

/* Flags, as on the wire. PSH is ignored when comparing (the stack sets it on the last segment of
 * a write, which tests rarely care about). */
#define H_FIN WEIR_TH_FIN
#define H_SYN WEIR_TH_SYN
#define H_RST WEIR_TH_RST
#define H_PSH WEIR_TH_PSH
#define H_ACK WEIR_TH_ACK
#define H_URG WEIR_TH_URG

#define H_MAX_FRAMES 512
#define H_MAX_TRANS 1024
#define H_MAX_EVENTS 512
#define H_MAX_SOCKS 16

/* A segment the stack sent, parsed and checksum-verified. */
typedef struct h_seg {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;   /* absolute */
    uint32_t rseq, rack; /* relative: seq - iss, ack - irs */
    uint8_t flags;
    uint8_t tos; /* the IPv4 header's TOS byte (WEIR_TCP_OPT_TOS) */
    uint16_t window;
    uint16_t urgent; /* the urgent pointer field (meaningful with URG) */
    weir_tcp_options opt;
    uint8_t data[H_MTU];
    size_t len; /* payload bytes */
    uint64_t t; /* when it was transmitted */
} h_seg;

typedef struct h_trans {
    weir_tuple tuple;
    weir_tcp_state from, to;
    uint64_t t;
    const char *reason;
} h_trans;

typedef struct harness {
    weir_stack *s;
    weir_stack_config cfg; /* h_new_config() then edit, then h_start() */
    int netif;
    uint64_t now;
    uint64_t rng;

    /* Frames the stack transmitted, FIFO. */
    struct h_frame {
        uint8_t buf[H_MTU];
        size_t len;
        uint64_t t;
    } *frames;
    unsigned fhead, fcount;
    unsigned frames_lost; /* the queue overflowed */
    bool link_busy;       /* the interface's tx_ready says the link is full (back-pressure) */

    /* The connection the test is scripting. */
    uint32_t iss, irs;
    uint16_t lport, pport;
    uint16_t peer_mss; /* MSS option on the peer's SYN; 0 = none */
    bool peer_sack;    /* the peer's SYN offers SACK (SACK-permitted) */
    uint16_t peer_win; /* window on the peer's segments in the factories */
    uint8_t peer_tos;  /* TOS byte of the peer's packets (its low bits: ECN, CE = 3) */
    int sock;          /* its handle, or -1 */
    int lsock;         /* a listener's handle, or -1 */
    int extra[H_MAX_SOCKS]; /* more handles to abort at the end */
    unsigned nextra;

    /* From the trace hook. */
    h_trans trans[H_MAX_TRANS];
    unsigned ntrans;
    unsigned drops[WEIR_DROP_COUNT];

    /* Events drained from the stack and not yet claimed by a test. */
    weir_event events[H_MAX_EVENTS];
    unsigned nevents;

    uint64_t mem_baseline;
    h_seg last; /* the segment most recently popped */
} harness;

/* ---- life cycle ---- */
/* h_new_config: allocate, fill h->cfg with the defaults (RFC values; see stack.h); the test may
 * edit h->cfg before h_start(). h_new = both. */
harness *h_new_config(void);
void h_start(harness *h);
harness *h_new(void);
/* h_new without quick-ACK mode: the steady-state delayed-ACK policy from the first segment, for
 * tests about that policy itself. */
harness *h_new_delayed_acks(void);
/* Leak check and free: abort every handle the harness knows, run every timer out (at least
 * 2*MSL), then require tcp_conns == 0 and mem_in_use back at its value right after the stack and
 * its interface were created. */
#define h_finish(h) h_finish_at(__FILE__, __LINE__, (h))
void h_finish_at(const char *file, int line, harness *h);
/* cmocka teardown: frees a harness a failed test left behind. */
int h_teardown(void **state);
#define H_TEST(fn) cmocka_unit_test_teardown(fn, h_teardown)
/* Register a handle for h_finish to abort. */
void h_track(harness *h, int sock);

/* ---- peer -> stack ---- */
/* seq relative to h->irs, ack relative to h->iss. A SYN carries the MSS option h->peer_mss, and
 * SACK-permitted when h->peer_sack. */
void h_send(harness *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
            const void *payload, size_t len);
/* Absolute numbers, no options. */
void h_send_abs(harness *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                const void *payload, size_t len);
/* Anything: ports 0 are filled from h->pport/h->lport. */
void h_inject(harness *h, weir_tcp_repr *r);
/* h_inject from another source address than the peer's. */
void h_inject_from(harness *h, uint32_t src_ip, weir_tcp_repr *r);

/* ---- stack -> peer ---- */
/* Pop the next captured segment; false when there is none. */
bool h_pop(harness *h, h_seg *out);
/* Pop and check flags (PSH ignored), relative seq, relative ack (when ACK is expected) and payload
 * length. Returns the segment (also in h->last). */
#define h_expect(h, flags, seq, ack, len) h_expect_at(__FILE__, __LINE__, (h), (flags), (seq), (ack), (len))
const h_seg *h_expect_at(const char *file, int line, harness *h, uint8_t flags, uint32_t seq,
                         uint32_t ack, size_t len);
/* Same with absolute seq/ack (RSTs for no connection). */
#define h_expect_abs(h, flags, seq, ack, len) h_expect_abs_at(__FILE__, __LINE__, (h), (flags), (seq), (ack), (len))
const h_seg *h_expect_abs_at(const char *file, int line, harness *h, uint8_t flags, uint32_t seq,
                             uint32_t ack, size_t len);
#define h_expect_none(h) h_expect_none_at(__FILE__, __LINE__, (h))
void h_expect_none_at(const char *file, int line, harness *h);
unsigned h_pending(const harness *h); /* captured segments not yet popped */
void h_flush(harness *h);             /* forget them */
const char *h_flags_str(uint8_t flags, char buf[16]);

/* ---- time ---- */
void h_advance(harness *h, uint64_t us);    /* poll at now + us */
void h_advance_to(harness *h, uint64_t t);  /* poll at t (>= now) */
uint64_t h_deadline(const harness *h);      /* weir_stack_next_deadline */
/* Poll at the next deadline; returns it (fails the test if nothing is scheduled). */
#define h_run_to_deadline(h) h_run_to_deadline_at(__FILE__, __LINE__, (h))
uint64_t h_run_to_deadline_at(const char *file, int line, harness *h);

/* ---- state ---- */
/* The scripted connection's state: from weir_tcp_get_info while h->sock is a live handle,
 * otherwise from the trace hook (children before accept, connections after close). */
weir_tcp_state h_state(harness *h);
weir_tcp_state h_traced_state(const harness *h);
#define h_assert_state(h, st) h_assert_state_at(__FILE__, __LINE__, (h), (st))
void h_assert_state_at(const char *file, int line, harness *h, weir_tcp_state st);
/* Did the scripted connection take the edge from -> to (trace)? */
bool h_saw_edge(const harness *h, weir_tcp_state from, weir_tcp_state to);
weir_tcp_info h_info(harness *h);
weir_stats h_stats(const harness *h);
uint64_t h_counter(const harness *h, weir_counter c);
unsigned h_dropped(const harness *h, weir_drop_reason r); /* DROP trace events of this reason */

/* ---- events ---- */
void h_drain_events(harness *h);
/* Claim an event of this type for this handle (fails if absent); returns its err. */
#define h_expect_event(h, sock, type) h_expect_event_at(__FILE__, __LINE__, (h), (sock), (type))
int h_expect_event_at(const char *file, int line, harness *h, int sock, weir_event_type type);
#define h_expect_error(h, sock, err) h_expect_error_at(__FILE__, __LINE__, (h), (sock), (err))
void h_expect_error_at(const char *file, int line, harness *h, int sock, int err);
bool h_has_event(harness *h, int sock, weir_event_type type);
void h_clear_events(harness *h);

/* ---- the application ---- */
void h_pattern(uint8_t *buf, size_t len, uint32_t offset); /* deterministic bytes */
/* Send n pattern bytes on h->sock; asserts they were all accepted. */
void h_app_send(harness *h, size_t n);
/* Read everything readable on h->sock into buf (cap); returns the count (0 for EAGAIN). */
int h_app_recv(harness *h, void *buf, size_t cap);

/* ---- named starting states, each reached by real segments ---- */
/* Every factory leaves the captured queue and the event log empty. Active opens go from an
 * ephemeral port to the peer's H_PEER_PORT; passive ones from H_PEER_PORT to H_LISTEN_PORT. */
void h_listen(harness *h);               /* h->lsock listening on 10.0.0.1:80 */
void h_syn_sent(harness *h);             /* connect(): SYN captured, ISS learned */
void h_syn_received(harness *h);         /* listener + peer SYN in, SYN-ACK out (no handle yet) */
void h_established_active(harness *h);   /* SYN-SENT + SYN-ACK in, ACK out */
void h_established_passive(harness *h);  /* SYN-RECEIVED + ACK in, accepted: h->sock */
void h_fin_wait_1(harness *h);           /* active ESTABLISHED + shutdown(): FIN out */
void h_fin_wait_2(harness *h);           /* + ACK of the FIN in */
void h_close_wait(harness *h);           /* active ESTABLISHED + peer FIN in, ACK out */
void h_last_ack(harness *h);             /* CLOSE-WAIT + shutdown(): FIN out */
void h_closing(harness *h);              /* FIN-WAIT-1 + peer FIN (not acking ours) in */
void h_time_wait(harness *h);            /* FIN-WAIT-2 + peer FIN in, ACK out */
void h_time_wait_released(harness *h);   /* passive ESTABLISHED, close() (handle released)
                                            first, then the peer's FIN: TIME-WAIT */

#endif
