/* tcp_cc.h — congestion control as modules behind one small interface.
 *
 * The engine decides *when* a congestion event happens (an ACK of new data outside recovery, the
 * start and end of fast recovery, a retransmission timeout, a spurious-retransmission undo); a
 * module decides *how much* the window changes. Modules see only this state record, never a
 * connection, so they can be tested alone (tests/tcp/test_cc.c) and a new one needs no engine
 * change. Inside fast recovery the window is set by PRR (RFC 6937) in the engine; the module's
 * ssthresh is PRR's target.
 *
 * Modules: NewReno (RFC 5681 / RFC 6582 window arithmetic) and CUBIC (RFC 9438, the default).
 * All quantities are bytes and microseconds; no floating point (embedded targets). */
#ifndef WEIR_TCP_CC_H
#define WEIR_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/stack.h"

typedef struct tcp_cc_state {
    uint32_t cwnd;      /* congestion window, bytes */
    uint32_t ssthresh;  /* slow-start threshold, bytes (UINT32_MAX: none yet) */
    uint32_t mss;       /* SMSS, bytes */
    uint32_t ack_bytes; /* congestion avoidance: bytes acknowledged toward the next MSS */
    /* CUBIC (RFC 9438 §4): */
    uint32_t w_max;          /* cwnd just before the last reduction, bytes */
    uint32_t w_last_max;     /* w_max of the reduction before (fast convergence, §4.7) */
    uint32_t cwnd_epoch;     /* cwnd at the start of the current epoch, bytes */
    uint32_t k_us;           /* K: time for the cubic curve to reach w_max, µs */
    uint32_t w_est;          /* the Reno-friendly estimate W_est, bytes (§4.3) */
    /* cwnd just before the last reduction (RFC 9438 §4.1.2 cwnd_prior), 0 once an undo spent
     * it. The rest of the state before the reduction is the caller's to keep for an undo
     * (tcp_sack.c keeps a copy only while one is possible), so an idle connection does not
     * carry it. */
    uint32_t cwnd_prior;
    uint64_t epoch_start_us; /* when congestion avoidance started; 0 = no epoch */
} tcp_cc_state;

typedef struct tcp_cc_ops {
    const char *name;
    /* A new connection: cwnd = the initial window, ssthresh = none. */
    void (*init)(tcp_cc_state *cc, uint32_t mss, uint32_t initial_cwnd);
    /* New data acknowledged outside recovery. `cwnd_limited`: the sender was using its whole
     * window (RFC 7661 / RFC 9438 §5.8: an application-limited sender does not grow it). */
    void (*on_ack)(tcp_cc_state *cc, uint32_t acked, bool cwnd_limited, uint32_t srtt_us,
                   uint64_t now_us);
    /* Loss detected by ACKs (fast recovery begins): set ssthresh from `flight` (bytes in flight
     * when the loss was found); cwnd is left to PRR. */
    void (*on_loss)(tcp_cc_state *cc, uint32_t flight, uint64_t now_us);
    /* Fast recovery ended: cwnd = ssthresh; the next avoidance epoch starts now. */
    void (*on_recovery_end)(tcp_cc_state *cc, uint64_t now_us);
    /* Retransmission timeout: ssthresh from `flight`, cwnd = 1 MSS (RFC 5681 (4)). */
    void (*on_rto)(tcp_cc_state *cc, uint32_t flight, uint64_t now_us);
    /* The last reduction proved spurious (D-SACKs for every retransmission of the episode):
     * put back what it changed (RFC 8985 §9, RFC 9438 §4.9.2). `before` is the state as it was
     * just before the on_loss or on_rto call that made the reduction. */
    void (*on_undo)(tcp_cc_state *cc, const tcp_cc_state *before, uint64_t now_us);
    /* Data is about to be sent after `idle_us` without sending any, longer than the RTO, with
     * nothing in flight (RFC 5681 §4.1): cwnd to no more than the restart window `rw`, and the
     * module's clock must not count the idle time (RFC 9438 §5.8). */
    void (*on_idle_restart)(tcp_cc_state *cc, uint32_t rw, uint64_t idle_us, uint64_t now_us);
} tcp_cc_ops;

extern const tcp_cc_ops tcp_cc_newreno;
extern const tcp_cc_ops tcp_cc_cubic;

/* The module for a configuration value (NULL for an unknown one). */
const tcp_cc_ops *tcp_cc_find(weir_tcp_cc which);

/* Shared by the modules: note cwnd_prior at a reduction, and put cwnd/ssthresh/w_max back
 * from `before` when the reduction proves spurious (a D-SACK shows the retransmission was not
 * needed). */
void tcp_cc_save_prior(tcp_cc_state *cc);
void tcp_cc_undo(tcp_cc_state *cc, const tcp_cc_state *before);
/* RFC 5681 §4.1 restart: cwnd = min(cwnd, rw), remembering 3/4 of the old window in ssthresh so
 * that slow start regains it (RFC 2861 §3, as Linux's tcp_cwnd_restart). True if cwnd fell. */
bool tcp_cc_restart_window(tcp_cc_state *cc, uint32_t rw);
/* The engine's way to ops->on_ack. The modules' slow start adds at most L = 2*SMSS per ACK
 * (RFC 3465); with `whole_ack` (weir_tcp_config.slow_start_whole_ack) a stretch ACK is handed
 * over in pieces of L while the window is below ssthresh, so slow start adds every byte the ACK
 * acknowledges and what is left after reaching ssthresh goes to congestion avoidance, as Linux's
 * tcp_slow_start. */
void tcp_cc_on_ack(const tcp_cc_ops *ops, tcp_cc_state *cc, uint32_t acked, bool cwnd_limited,
                   uint32_t srtt_us, uint64_t now_us, bool whole_ack);

#endif
