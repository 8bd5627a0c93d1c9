/* tcp_timer.c — the timer events of RFC 9293 §3.10.8 and the RTO of RFC 6298.
 *
 * Each connection keeps one absolute deadline per timer; the stack asks for the earliest one
 * (weir_stack_next_deadline) and runs whatever is due when polled. Timers: retransmission
 * (RFC 6298 §5, with RFC 8985's tail loss probe), persist (zero-window probes, MUST-36), delayed
 * ACK (MUST-40: < 0.5 s), RACK's reordering timer, keepalive (§3.8.4), TIME-WAIT's 2*MSL (§3.10.8
 * "TIME-WAIT timeout"), a FIN-WAIT-2 bound for connections the application already closed, and
 * the connection-establishment bound (WEIR_TCP_OPT_CONNECT_TIMEOUT). Giving up (§3.8.3): R1's
 * soft error and negative advice, and R2 by count or, with a user timeout, in time (MUST-21). */
#include <assert.h>

#include "tcp/tcp_conn.h"
#include "tcp/tcp_tw.h"

/* The wheel holds one node per connection at its earliest deadline: kept exact at every change
 * so that weir_stack_next_deadline() is too. */
static void sync_wheel(weir_stack *s, tcp_conn *c)
{
    uint64_t d = tcp_conn_next_deadline(c);
    weir_wheel_node *n = &c->timer_node;
    if (weir_wheel_is_scheduled(n) ? weir_wheel_deadline(n) != d : d != UINT64_MAX)
        weir_wheel_schedule(tcp_table_wheel(s), n, d);
}

/* µs until the user timeout ends the current stall (0 once it has), UINT64_MAX without one. */
static uint64_t user_timeout_left_us(const weir_stack *s, const tcp_conn *c)
{
    if (c->user_timeout_ms == 0)
        return UINT64_MAX;
    uint32_t stalled = tcp_now_ms(s) - c->stall_since_ms;
    return stalled >= c->user_timeout_ms ? 0 : (uint64_t)(c->user_timeout_ms - stalled) * 1000;
}

/* The next probe's wait, brought forward to the moment the user timeout would end the stall. */
static uint64_t until_user_timeout(const weir_stack *s, const tcp_conn *c, uint64_t wait)
{
    uint64_t left = user_timeout_left_us(s, c);
    return left < wait ? left : wait;
}

/* Persist and keepalive probes: give up after `limit` unanswered ones, or, with a user timeout,
 * once the peer has been silent that long; the silence began `silent_before_ms` before the
 * first probe. Called as each probe is due. */
static bool probes_exhausted(weir_stack *s, tcp_conn *c, uint64_t due, uint8_t limit,
                             uint64_t silent_before_ms)
{
    if (c->probes == 0)
        c->stall_since_ms = tcp_ms(due) - (uint32_t)silent_before_ms;
    if (c->user_timeout_ms == 0)
        return c->probes >= limit;
    return c->probes > 0 && user_timeout_left_us(s, c) == 0;
}

static int slot_of(weir_tcp_timer t)
{
    return (int)t < TCP_TIMER_SHARED_SLOT ? (int)t : TCP_TIMER_SHARED_SLOT;
}

static weir_tcp_timer timer_in_slot(const tcp_conn *c, int slot)
{
    return slot < TCP_TIMER_SHARED_SLOT ? (weir_tcp_timer)slot : tcp_state_timer(c);
}

void tcp_timer_set(weir_stack *s, tcp_conn *c, weir_tcp_timer t, uint64_t deadline)
{
    int slot = slot_of(t);
    /* A state's own timer is set only in that state: else it would replace another's. */
    assert(timer_in_slot(c, slot) == t);
    if (c->timer[slot] == deadline)
        return; /* re-armed at the same instant: a burst sent in one event */
    c->timer[slot] = deadline;
    sync_wheel(s, c);
}

void tcp_timer_stop(weir_stack *s, tcp_conn *c, weir_tcp_timer t)
{
    if (tcp_timer_deadline(c, t) == UINT64_MAX)
        return; /* off, or the slot is another timer's in this state */
    c->timer[slot_of(t)] = UINT64_MAX;
    sync_wheel(s, c);
}

void tcp_timers_stop_all(weir_stack *s, tcp_conn *c)
{
    for (int i = 0; i < TCP_TIMER_SLOTS; i++)
        c->timer[i] = UINT64_MAX;
    weir_wheel_cancel(tcp_table_wheel(s), &c->timer_node);
}

uint64_t tcp_conn_next_deadline(const tcp_conn *c)
{
    uint64_t d = UINT64_MAX;
    for (int i = 0; i < TCP_TIMER_SLOTS; i++)
        if (c->timer[i] < d)
            d = c->timer[i];
    return d;
}

static uint32_t clamp_rto(const weir_stack *s, uint64_t rto)
{
    if (rto < s->cfg.tcp.rto_min_us)
        rto = s->cfg.tcp.rto_min_us; /* (2.4) */
    if (rto > s->cfg.tcp.rto_max_us)
        rto = s->cfg.tcp.rto_max_us; /* (2.5) */
    return (uint32_t)rto;
}

void tcp_rtt_sample(weir_stack *s, tcp_conn *c, uint32_t r, uint32_t samples)
{
    /* Karn's rule keeps samples below the (backed-off) RTO; one beyond the largest RTO can only
     * come from a clock the embedder started late (a send before the first poll): not an RTT. */
    if (r > s->cfg.tcp.rto_max_us)
        return;
    if (r == 0)
        r = 1;
    if (samples == 0)
        samples = 1;
    if (c->srtt == 0) {
        /* (2.2) first measurement: SRTT <- R, RTTVAR <- R/2 */
        c->srtt = r;
        c->rttvar = r / 2;
    } else {
        /* (2.3) RTTVAR <- (1 - beta') RTTVAR + beta' |SRTT - R'|, SRTT <- (1 - alpha') SRTT +
         * alpha' R', with beta = 1/4, alpha = 1/8 and RFC 7323 Appendix G's alpha' = alpha / n,
         * beta' = beta / n for n samples per window, so that many samples per RTT keep as much
         * path history as one would. n = 1 is RFC 6298's estimator exactly. */
        uint64_t n = samples;
        uint32_t delta = c->srtt > r ? c->srtt - r : r - c->srtt;
        c->rttvar = (uint32_t)(((4 * n - 1) * c->rttvar + delta) / (4 * n));
        c->srtt = (uint32_t)(((8 * n - 1) * c->srtt + r) / (8 * n));
    }
    /* (2.3) RTO <- SRTT + max(G, K*RTTVAR), K = 4; our clock granularity G is 1 µs, and (2.4)
     * then raises the sum to rto_min. With rto_min_is_granularity, rto_min takes G's place
     * instead, as Linux's tcp_set_rto does (SRTT + max(tcp_rto_min, mdev)): the RTO stays at
     * least rto_min above SRTT, so a steady path whose RTTVAR decays keeps a margin over its
     * RTT. Both are RFC 6298 timers: (2.3) names no particular G, and a longer RTO is the
     * conservative side ((2.4) itself rounds up to 1 s). A new RTO from a sample also ends any
     * backoff (RFC 6298 (5.7) backs off only "until" a sample arrives). */
    uint64_t var = 4ull * c->rttvar;
    uint64_t g = s->cfg.tcp.rto_min_is_granularity ? s->cfg.tcp.rto_min_us : 1;
    c->rto = clamp_rto(s, (uint64_t)c->srtt + (var > g ? var : g));
}

/* RFC 6298 leaves room above its RTO (a timer that fires later is conservative: (2.4) even
 * rounds it up to 1 s); rto_slop_us spends some of it as FreeBSD does, where TCPT_RANGESET adds
 * tcp_rexmit_slop to SRTT + 4*RTTVAR and to every backed-off value, but not to the initial RTO
 * or to the doubling (a second timeout waits 2*RTO + slop). */
uint32_t tcp_rto_timer(const weir_stack *s, const tcp_conn *c)
{
    const weir_tcp_config *t = &s->cfg.tcp;
    if (t->rto_slop_us == 0 || (c->srtt == 0 && c->rto == t->rto_initial_us))
        return c->rto; /* no sample, no backoff yet: the initial RTO as configured */
    uint64_t rto = (uint64_t)c->rto + t->rto_slop_us;
    return rto < t->rto_max_us ? (uint32_t)rto : t->rto_max_us;
}

void tcp_rto_restart(weir_stack *s, tcp_conn *c)
{
    c->tlp_armed = false;
    tcp_timer_set(s, c, WEIR_TIMER_RETRANSMIT, s->now_us + tcp_rto_timer(s, c));
}

/* RFC 8985 §7.2: a probe needs SACK (to tell what it repaired), an RTT estimate, the open
 * state (not in recovery, no backoff) and no probe already out. */
static bool tlp_allowed(const weir_stack *s, const tcp_conn *c)
{
    return s->cfg.tcp.tail_loss_probe && c->sack_on && c->srtt > 0 && !c->in_recovery &&
           !c->tlp_sent && c->backoff == 0 && c->state >= WEIR_TCP_ESTABLISHED &&
           c->state != WEIR_TCP_TIME_WAIT && c->snd_una != c->snd_max;
}

/* RFC 8985 §7.2: PTO = 2*SRTT, plus the worst-case delayed ACK (200 ms) when a single segment is
 * in flight (its ACK may be delayed), and never later than the RTO would fire. Linux adds 2 ms
 * otherwise, so that a probe does not race an ACK already on its way; so do we. */
static void arm_retransmit(weir_stack *s, tcp_conn *c, bool tlp)
{
    uint64_t wait = tcp_rto_timer(s, c);
    c->tlp_armed = false;
    if (tlp) {
        /* TLP_calc_PTO: "if the time at which an RTO would fire is sooner than the computed
         * time for the PTO, then the sender schedules a TLP to be sent at that RTO time". */
        uint64_t pto = 2ull * c->srtt + (c->snd_max - c->snd_una <= c->snd_mss ? 200000u : 2000u);
        if (pto < wait)
            wait = pto;
        c->tlp_armed = true;
    }
    /* A backed-off timer fires no later than the user timeout ends the stall (Linux's
     * tcp_clamp_rto_to_user_timeout), so the connection ends on time, not an RTO after. */
    if (c->backoff > 0 && !tcp_syn_unacked(c))
        wait = until_user_timeout(s, c, wait);
    /* One setting, not the RTO then the probe: this runs for every new segment. */
    tcp_timer_set(s, c, WEIR_TIMER_RETRANSMIT, s->now_us + wait);
}

void tcp_arm_retransmit(weir_stack *s, tcp_conn *c) { arm_retransmit(s, c, tlp_allowed(s, c)); }

void tcp_retransmit_timer_on_send(weir_stack *s, tcp_conn *c, bool new_data)
{
    /* RFC 6298 (5.1): start the timer when it is not running; a tail loss probe moves with
     * each new segment (RFC 8985 §7.2: the probe goes a PTO after the last transmission). */
    bool tlp = tlp_allowed(s, c);
    if (tcp_timer_deadline(c, WEIR_TIMER_RETRANSMIT) == UINT64_MAX || (new_data && tlp))
        arm_retransmit(s, c, tlp);
}

/* The backed-off RTO, within the configured bounds (BSD's TCPT_RANGESET over tcp_persmin and
 * tcp_persmax in tcp_setpersist). */
uint64_t tcp_persist_interval(const weir_stack *s, const tcp_conn *c)
{
    const weir_tcp_config *cfg = &s->cfg.tcp;
    uint64_t t = (uint64_t)c->rto << c->persist_shift; /* persist_shift stays <= 16 */
    uint64_t most = cfg->persist_max_us ? cfg->persist_max_us : cfg->rto_max_us;
    if (t < cfg->persist_min_us)
        t = cfg->persist_min_us;
    return t < most ? t : most;
}

void tcp_arm_keepalive(weir_stack *s, tcp_conn *c)
{
    if (tcp_state_timer(c) != WEIR_TIMER_KEEPALIVE)
        return; /* the slot bounds the handshake, FIN-WAIT-2 or TIME-WAIT instead */
    if (!c->keepalive) {
        tcp_timer_stop(s, c, WEIR_TIMER_KEEPALIVE);
        return;
    }
    c->probes = 0;
    tcp_timer_set(s, c, WEIR_TIMER_KEEPALIVE, s->now_us + tcp_keepidle_us(s, c));
}

void tcp_arm_connect_timeout(weir_stack *s, tcp_conn *c)
{
    if (c->connect_timeout_ms)
        tcp_timer_set(s, c, WEIR_TIMER_CONNECT, s->now_us + (uint64_t)c->connect_timeout_ms * 1000);
}

uint64_t tcp_keepidle_us(const weir_stack *s, const tcp_conn *c)
{
    return c->keepidle_s ? (uint64_t)c->keepidle_s * 1000000u : s->cfg.tcp.keepalive_idle_us;
}

uint64_t tcp_keepintvl_us(const weir_stack *s, const tcp_conn *c)
{
    return c->keepintvl_s ? (uint64_t)c->keepintvl_s * 1000000u
                          : s->cfg.tcp.keepalive_interval_us;
}

void tcp_arm_delayed_ack(weir_stack *s, tcp_conn *c)
{
    if (tcp_timer_deadline(c, WEIR_TIMER_DELAYED_ACK) == UINT64_MAX)
        tcp_timer_set(s, c, WEIR_TIMER_DELAYED_ACK, s->now_us + s->cfg.tcp.delayed_ack_us);
}

void tcp_enter_time_wait(weir_stack *s, tcp_conn *c, const char *why)
{
    if (c->state != WEIR_TCP_TIME_WAIT)
        tcp_set_state(s, c, WEIR_TCP_TIME_WAIT, why);
    /* §3.10.7.4: turn off the other timers, start (or restart) the 2 MSL timeout. */
    tcp_timers_stop_all(s, c);
    tcp_timer_set(s, c, WEIR_TIMER_TIME_WAIT, s->now_us + 2 * s->cfg.tcp.msl_us);
}

static void trace_timer(weir_stack *s, tcp_conn *c, weir_tcp_timer t)
{
    if (!weir_tracing(s))
        return;
    weir_trace_event ev = {.kind = WEIR_TRACE_TIMER,
                           .tuple = c->tuple,
                           .sock = c->handle,
                           .iss = c->iss,
                           .irs = c->irs,
                           .old_state = c->state,
                           .new_state = c->state,
                           .timer = t};
    weir_trace_emit(s, &ev);
}

/* End the connection: error to the application, then free the record if nothing holds it.
 * Returns true when the record is gone. */
static bool give_up(weir_stack *s, tcp_conn *c, const char *why)
{
    bool detached = c->handle < 0;
    weir_count(s, WEIR_CTR_TCP_TIMEOUT_DROPS);
    /* RFC 1122 §4.2.3.9: a soft ICMP error seen on the way says more than "timed out". */
    tcp_fail(s, c, c->soft_error ? c->soft_error : WEIR_ETIMEDOUT, why);
    tcp_conn_reap(s, c);
    return detached;
}

/* RFC 6298 §5 (5.4)-(5.6): retransmit the earliest unacknowledged segment, back off, restart.
 * RFC 5681 (4): after a timeout, ssthresh = max(FlightSize/2, 2*SMSS) and cwnd = 1 SMSS.
 * RFC 9293 MUST-20: give up after R2 (syn_retries / max_retries) with an error to the user. */
/* RFC 8985 §7.3: the ACKs stopped short of SND.MAX. Send one more segment (new data if there
 * is some, else the last one again) so that its ACK, with SACK, shows what is missing — or
 * repairs a lost tail outright; then the RTO guards. */
static void on_tail_loss_probe(weir_stack *s, tcp_conn *c)
{
    c->tlp_armed = false;
    c->tlp_sent = true;
    weir_count(s, WEIR_CTR_TCP_TLP_PROBES);
    tcp_send_probe_segment(s, c);
    tcp_rto_restart(s, c);
}

/* RFC 9293 §3.8.3 (a): R2 "might be measured in time units or as a count of retransmissions".
 * By count: syn_retries for SYNs, max_retries for data. In time, when the application set a
 * user timeout (MUST-21): the stall began one RTO before the first expiry — at the ACK that last
 * advanced SND.UNA, which restarted the timer (RFC 6298 (5.3)), or at the first transmission —
 * and the connection ends once it has lasted user_timeout_ms, never before one retransmission
 * (as Linux's retransmits_timed_out). Returns true when R2 is reached. */
static bool retransmission_r2_reached(weir_stack *s, tcp_conn *c, uint64_t due)
{
    if (tcp_syn_unacked(c))
        return c->backoff >= s->cfg.tcp.syn_retries;
    /* From the deadline, not from now: a late poll does not shorten the stall. Kept without a
     * user timeout too, as one may be set during the stall. */
    if (c->backoff == 0)
        c->stall_since_ms = tcp_ms(due) - tcp_rto_timer(s, c) / 1000;
    if (c->user_timeout_ms == 0)
        return c->backoff >= s->cfg.tcp.max_retries;
    return c->backoff > 0 && user_timeout_left_us(s, c) == 0;
}

/* RFC 9293 §3.8.3 (b): the same segment is about to go for the R1-th time. Negative advice to
 * IP, "to trigger dead-gateway diagnosis" (RFC 1122 §3.3.1.4): the next hop's ARP entry is
 * forgotten, so that the retransmission resolves it again and a dead gateway shows up as an
 * unanswered request instead of frames sent into the void. (e) SHLD-9: the application hears of
 * the delivery problem before R2; the ICMP soft error seen on the way says more, if any. */
static void on_r1_reached(weir_stack *s, tcp_conn *c)
{
    weir_count(s, WEIR_CTR_TCP_R1_REACHED);
    weir_ip_negative_advice(s, c->tuple.remote_ip);
    tcp_soft_error(s, c, c->soft_error ? c->soft_error : WEIR_ETIMEDOUT);
}

static bool on_retransmit_timeout(weir_stack *s, tcp_conn *c, uint64_t due)
{
    if (c->tlp_armed) {
        on_tail_loss_probe(s, c);
        return false;
    }
    weir_count(s, WEIR_CTR_TCP_RTO_EXPIRED);
    if (retransmission_r2_reached(s, c, due))
        return give_up(s, c,
                       c->user_timeout_ms && !tcp_syn_unacked(c)
                           ? "user timeout: data unacknowledged"
                           : "retransmission limit reached");
    if (c->backoff < UINT8_MAX) /* a user timeout of days backs off more times than this */
        c->backoff++;
    if (c->backoff == s->cfg.tcp.r1_retries)
        on_r1_reached(s, c);
    uint64_t rto = (uint64_t)c->rto * 2;
    c->rto = rto > s->cfg.tcp.rto_max_us ? s->cfg.tcp.rto_max_us : (uint32_t)rto;
    /* RFC 5681 (4): ssthresh is reduced when the segment "has not yet been resent by way of the
     * retransmission timer": the first timeout of a series only. And it is set to "no more than"
     * FlightSize / 2: a timeout during fast recovery ends the same congestion episode, whose
     * loss already reduced it (as Linux's tcp_enter_loss). Reducing again would take FlightSize
     * from SND.MAX, which a recovery stalled on a lost retransmission has pushed far beyond what
     * the path holds (every duplicate ACK inflated cwnd and sent a new segment), and slow start
     * would then run up to megabytes while go-back-N resends what the receiver already has. */
    if (c->backoff == 1 && !c->in_recovery)
        c->cc_ops->on_rto(&c->cc, tcp_flight_size(c), s->now_us);
    c->cc.cwnd = c->snd_mss;
    c->dupacks = 0;
    c->in_recovery = false;
    c->recover = c->snd_max; /* RFC 6582 §3.2 step 4 */
    c->recover_after_rto = true;
    c->rtt_measuring = false; /* Karn: the retransmission cannot be timed */
    if (tcp_syn_unacked(c))
        c->syn_retransmitted = true;
    if (!tcp_syn_unacked(c) && tcp_sb_has_flight(c)) {
        /* RFC 6675 §5.1: resend what was not SACKed, in order, as the window reopens. */
        tcp_sack_on_rto(s, c);
    } else {
        /* Go back to the first unacknowledged byte; the timer restarts when it is resent. */
        c->snd_nxt = c->snd_una;
    }
    tcp_output(s, c);
    /* Nothing could go: the peer closed its window on the data in flight. Then the persist timer
     * has taken over (tcp_output armed it, as BSD's tcp_output does): its probes start with the
     * first unacknowledged byte, and MUST-37 keeps the connection open for as long as they are
     * answered, which counting timeouts here would not. Only a FIN alone keeps this timer. */
    if (tcp_timer_deadline(c, WEIR_TIMER_RETRANSMIT) == UINT64_MAX &&
        tcp_timer_deadline(c, WEIR_TIMER_PERSIST) == UINT64_MAX && c->snd_una != c->snd_max)
        tcp_rto_restart(s, c);
    return false;
}

static bool on_persist_timeout(weir_stack *s, tcp_conn *c, uint64_t due)
{
    if (c->output_timer) {
        /* Not a window probe: a retry for data the link could not take, or the time the next
         * paced segment may go. */
        c->output_timer = false;
        tcp_output(s, c);
        return false;
    }
    if (tcp_send_override(s, c))
        return false; /* the retransmission timer now guards what went out */
    /* MUST-37: probes the peer answers (an acceptable ACK resets `probes`) keep it open for as
     * long as it likes; unanswered ones end it after max_retries, or after the user timeout. */
    if (probes_exhausted(s, c, due, s->cfg.tcp.max_retries, 0))
        return give_up(s, c,
                       c->user_timeout_ms ? "user timeout: zero-window probes unanswered"
                                          : "zero-window probes unanswered");
    if (c->probes < UINT8_MAX)
        c->probes++;
    if (c->persist_shift < 16)
        c->persist_shift++;
    tcp_send_window_probe(s, c);
    tcp_timer_set(s, c, WEIR_TIMER_PERSIST,
                  s->now_us + until_user_timeout(s, c, tcp_persist_interval(s, c)));
    return false;
}

static bool data_outstanding(const tcp_conn *c)
{
    return c->snd_una != c->snd_max || tcp_unsent_bytes(c) > 0 || (c->fin_queued && !c->fin_sent);
}

static bool on_keepalive_timeout(weir_stack *s, tcp_conn *c, uint64_t due)
{
    /* §3.8.4: keep-alives are for an idle connection; with data outstanding the retransmission
     * or persist timer watches the peer. Look again an idle time from now. */
    if (data_outstanding(c)) {
        tcp_timer_set(s, c, WEIR_TIMER_KEEPALIVE, s->now_us + tcp_keepidle_us(s, c));
        return false;
    }
    /* The silence began at the last segment received, an idle time before the first probe. */
    if (probes_exhausted(s, c, due, c->keepcnt, tcp_keepidle_us(s, c) / 1000))
        return give_up(s, c,
                       c->user_timeout_ms ? "user timeout: keepalive probes unanswered"
                                          : "keepalive probes unanswered");
    if (c->probes < UINT8_MAX)
        c->probes++;
    tcp_send_keepalive(s, c);
    tcp_timer_set(s, c, WEIR_TIMER_KEEPALIVE,
                  s->now_us + until_user_timeout(s, c, tcp_keepintvl_us(s, c)));
    return false;
}

/* A clean end in CLOSED. Returns true when the record is gone. */
static bool finish(weir_stack *s, tcp_conn *c, const char *why)
{
    bool detached = c->handle < 0;
    tcp_set_state(s, c, WEIR_TCP_CLOSED, why);
    weir_sock_notify(s, c->handle, WEIR_EV_CLOSED, 0);
    tcp_conn_reap(s, c);
    return detached;
}

/* Fire one timer. Returns true when the connection record was freed. */
static bool fire(weir_stack *s, tcp_conn *c, weir_tcp_timer t)
{
    uint64_t due = tcp_timer_deadline(c, t); /* may be earlier than now: a late poll */
    tcp_timer_stop(s, c, t);
    trace_timer(s, c, t == WEIR_TIMER_RETRANSMIT && c->tlp_armed ? WEIR_TIMER_LOSS_PROBE : t);
    switch (t) {
    case WEIR_TIMER_RETRANSMIT:
        return on_retransmit_timeout(s, c, due);
    case WEIR_TIMER_PERSIST:
        return on_persist_timeout(s, c, due);
    case WEIR_TIMER_DELAYED_ACK:
        weir_count(s, WEIR_CTR_TCP_DELAYED_ACKS);
        /* No reply came to carry this ACK: the exchange is not interactive after all. */
        c->interactive = false;
        tcp_send_ack_or_hold(s, c);
        return false;
    case WEIR_TIMER_KEEPALIVE:
        return on_keepalive_timeout(s, c, due);
    case WEIR_TIMER_TIME_WAIT:
        return finish(s, c, "2*MSL elapsed in TIME-WAIT");
    case WEIR_TIMER_FIN_WAIT_2:
        return finish(s, c, "FIN-WAIT-2 timeout: the peer never closed");
    case WEIR_TIMER_CONNECT:
        return give_up(s, c, "connection-establishment timeout");
    case WEIR_TIMER_REORDER:
        tcp_rack_timeout(s, c);
        return false;
    case WEIR_TIMER_LOSS_PROBE: /* the retransmission timer's, in trace events only */
    case WEIR_TIMER_COUNT:
        break;
    }
    return false;
}

static weir_tcp_timer earliest_due(const tcp_conn *c, uint64_t now)
{
    weir_tcp_timer due = WEIR_TIMER_COUNT;
    uint64_t when = UINT64_MAX;
    for (int i = 0; i < TCP_TIMER_SLOTS; i++) {
        if (c->timer[i] <= now && c->timer[i] < when) {
            when = c->timer[i];
            due = timer_in_slot(c, i);
        }
    }
    return due;
}

/* The wheel found a connection with a timer due (its node is off the wheel now). Several of
 * its timers may be due: earliest first. Bounded: each firing stops its timer or moves it into
 * the future. */
static void on_connection_due(void *ctx, weir_wheel_node *node)
{
    weir_stack *s = ctx;
    tcp_conn *c = WEIR_WHEEL_ENTRY(node, tcp_conn, timer_node);
    for (int guard = 0; guard < 2 * TCP_TIMER_SLOTS; guard++) {
        weir_tcp_timer t = earliest_due(c, s->now_us);
        if (t == WEIR_TIMER_COUNT)
            break;
        if (fire(s, c, t))
            return; /* the record is gone */
    }
    sync_wheel(s, c); /* the node left the wheel to fire: put back what is still set */
}

void tcp_timers_run(weir_stack *s)
{
    weir_wheel_advance(tcp_table_wheel(s), s->now_us, on_connection_due, s);
    tcp_tw_expire(s);
}
