/* tcp_state.c — the one writer of a connection's state.
 *
 * RFC 9293 §3.3.2, figure 5, as a table of legal edges. Every change goes through
 * tcp_set_state(), which checks the edge (an illegal one is an engine bug, never input), keeps
 * the connection table in step, and tells the trace hook old -> new and why. */
#include <assert.h>

#include "tcp/tcp_conn.h"

#define BIT(s) (1u << (s))

/* legal_next[from] = the set of states reachable in one step. */
static const uint16_t legal_next[WEIR_TCP_STATE_COUNT] = {
    /* passive OPEN; active OPEN */
    [WEIR_TCP_CLOSED] = BIT(WEIR_TCP_LISTEN) | BIT(WEIR_TCP_SYN_SENT),
    /* rcv SYN (a child record takes this edge); CLOSE */
    [WEIR_TCP_LISTEN] = BIT(WEIR_TCP_SYN_RECEIVED) | BIT(WEIR_TCP_CLOSED),
    /* rcv SYN (simultaneous open); rcv SYN,ACK; CLOSE, RST or timeout */
    [WEIR_TCP_SYN_SENT] =
        BIT(WEIR_TCP_SYN_RECEIVED) | BIT(WEIR_TCP_ESTABLISHED) | BIT(WEIR_TCP_CLOSED),
    /* rcv ACK of SYN; CLOSE; rcv FIN; RST or timeout (a passive child's "return to LISTEN" is
     * the listener carrying on while the child record closes) */
    [WEIR_TCP_SYN_RECEIVED] = BIT(WEIR_TCP_ESTABLISHED) | BIT(WEIR_TCP_FIN_WAIT_1) |
                              BIT(WEIR_TCP_CLOSE_WAIT) | BIT(WEIR_TCP_CLOSED),
    /* CLOSE; rcv FIN; RST, ABORT or timeout */
    [WEIR_TCP_ESTABLISHED] =
        BIT(WEIR_TCP_FIN_WAIT_1) | BIT(WEIR_TCP_CLOSE_WAIT) | BIT(WEIR_TCP_CLOSED),
    /* rcv ACK of FIN; rcv FIN; rcv FIN+ACK of FIN; RST/ABORT/timeout */
    [WEIR_TCP_FIN_WAIT_1] = BIT(WEIR_TCP_FIN_WAIT_2) | BIT(WEIR_TCP_CLOSING) |
                            BIT(WEIR_TCP_TIME_WAIT) | BIT(WEIR_TCP_CLOSED),
    /* rcv FIN; RST/ABORT/timeout */
    [WEIR_TCP_FIN_WAIT_2] = BIT(WEIR_TCP_TIME_WAIT) | BIT(WEIR_TCP_CLOSED),
    /* CLOSE; RST/ABORT/timeout */
    [WEIR_TCP_CLOSE_WAIT] = BIT(WEIR_TCP_LAST_ACK) | BIT(WEIR_TCP_CLOSED),
    /* rcv ACK of FIN; RST/ABORT/timeout */
    [WEIR_TCP_CLOSING] = BIT(WEIR_TCP_TIME_WAIT) | BIT(WEIR_TCP_CLOSED),
    /* rcv ACK of FIN; RST/ABORT/timeout */
    [WEIR_TCP_LAST_ACK] = BIT(WEIR_TCP_CLOSED),
    /* 2 MSL timeout (or ABORT) */
    [WEIR_TCP_TIME_WAIT] = BIT(WEIR_TCP_CLOSED),
};

bool tcp_state_edge_legal(weir_tcp_state from, weir_tcp_state to)
{
    if ((unsigned)from >= WEIR_TCP_STATE_COUNT || (unsigned)to >= WEIR_TCP_STATE_COUNT)
        return false;
    return (legal_next[from] & BIT(to)) != 0;
}

void tcp_set_state(weir_stack *s, tcp_conn *c, weir_tcp_state next, const char *why)
{
    weir_tcp_state prev = c->state;
    assert(tcp_state_edge_legal(prev, next) && "illegal TCP state transition");
    c->state = next;
    if (next == WEIR_TCP_CLOSED) {
        /* The record stays while the application holds a handle, but the tuple is free. */
        tcp_table_unhash(s, c);
        tcp_timers_stop_all(s, c);
    } else if (prev == WEIR_TCP_CLOSED || prev == WEIR_TCP_LISTEN) {
        tcp_table_hash(s, c);
    }
    if (next == WEIR_TCP_ESTABLISHED)
        weir_count(s, WEIR_CTR_TCP_ESTABLISHED);
    if (weir_tracing(s)) {
        weir_trace_event ev = {.kind = WEIR_TRACE_STATE,
                               .tuple = c->tuple,
                               .sock = c->handle,
                               .iss = c->iss,
                               .irs = c->irs,
                               .old_state = prev,
                               .new_state = next,
                               .reason = why};
        weir_trace_emit(s, &ev);
    }
}

void tcp_fail(weir_stack *s, tcp_conn *c, int err, const char *why)
{
    c->error = err;
    tcp_set_state(s, c, WEIR_TCP_CLOSED, why);
    weir_sock_notify(s, c->handle, WEIR_EV_ERROR, err);
}

void tcp_soft_error(weir_stack *s, tcp_conn *c, int err)
{
    if (!c->soft_errors_off)
        weir_sock_notify(s, c->handle, WEIR_EV_SOFT_ERROR, err);
}

void tcp_state_clone_listener(tcp_conn *child)
{
    /* RFC 9293 §3.10.7.2: the listening TCB itself moves to SYN-RECEIVED. With a backlog, a copy
     * of it does: the child starts as the listener's twin in LISTEN, so its first traced edge is
     * the textbook LISTEN -> SYN-RECEIVED. */
    assert(child->state == WEIR_TCP_CLOSED);
    child->state = WEIR_TCP_LISTEN;
}
