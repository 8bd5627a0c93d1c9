/* test_tcp_timeouts.c — how long a connection waits before it gives up, and what it says on
 * the way: R1's soft error (RFC 9293 §3.8.3); in time rather than in counts: the user timeout
 * (§3.8.3 MUST-21, RFC 5482; WEIR_TCP_OPT_USER_TIMEOUT) over retransmissions, zero-window
 * probes and keepalive probes; the connection-establishment bound
 * (WEIR_TCP_OPT_CONNECT_TIMEOUT, FreeBSD's TCP_KEEPINIT) on SYN-SENT and SYN-RECEIVED; and the
 * timer slot those per-state timers share (keepalive, the FIN-WAIT-2 bound, the handshake bound). */
#include "harness.h"

enum { MS = 1000, S = 1000000 };

/* An active connection with `n` bytes sent and not acknowledged; *t0 is when they went. */
static harness *stalled_connection(uint32_t user_timeout_ms, uint8_t max_retries, uint64_t *t0)
{
    harness *h = h_new_config();
    h->cfg.tcp.max_retries = max_retries;
    h_start(h);
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_USER_TIMEOUT,
                                     (int)user_timeout_ms), 0);
    *t0 = h->now;
    h_app_send(h, 1000);
    h_expect(h, H_ACK, 1, 1, 1000);
    return h;
}

/* Run the retransmission timer until the connection ends; returns when it ended. Every
 * expiry before that resends the segment. */
static uint64_t run_until_closed(harness *h, unsigned *resent)
{
    *resent = 0;
    for (int guard = 0; guard < 64; guard++) {
        uint64_t t = h_run_to_deadline(h);
        if (h_traced_state(h) == WEIR_TCP_CLOSED)
            return t;
        h_expect(h, H_ACK, 1, 1, 1000);
        ++*resent;
    }
    fail_msg("the connection never gave up");
    return 0;
}

/* MUST-21: R2 in time. The stall began when the data went; the connection ends exactly the user
 * timeout later (the last backed-off timer is brought forward to that moment), with ETIMEDOUT. */
static void user_timeout_ends_a_stall_on_time(void **state)
{
    (void)state;
    uint64_t t0;
    harness *h = stalled_connection(5000, 15, &t0);
    uint32_t rto = h_info(h).rto_us;
    assert_int_equal(h_run_to_deadline(h), t0 + rto); /* the first expiry: resend */
    h_expect(h, H_ACK, 1, 1, 1000);
    unsigned resent;
    uint64_t end = run_until_closed(h, &resent);
    assert_int_equal(end, t0 + 5 * S);
    h_expect_none(h);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIMEOUT_DROPS), 1);
    /* rto, 2 rto, 4 rto, ... after the first: fewer than the count would have allowed. */
    assert_true(resent >= 2 && resent < 15);
    h_finish(h);
}

/* The user timeout replaces the count: with max_retries 2 the connection lives on past the
 * second retransmission, up to the timeout; with none set, the count ends it. */
static void user_timeout_replaces_the_retransmission_count(void **state)
{
    (void)state;
    uint64_t t0;
    harness *h = stalled_connection(30000, 2, &t0);
    unsigned resent;
    assert_int_equal(run_until_closed(h, &resent) - t0, 30 * S);
    assert_true(resent > 3);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);

    h = stalled_connection(0, 2, &t0);
    run_until_closed(h, &resent);
    assert_int_equal(resent, 2);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);
}

/* "Remain unacknowledged" (RFC 5482 §1): an ACK that moves SND.UNA ends the stall; the next one
 * is measured from there, so a slow but moving transfer is never cut off. */
static void user_timeout_restarts_when_an_ack_makes_progress(void **state)
{
    (void)state;
    uint64_t t0;
    harness *h = stalled_connection(3000, 15, &t0);
    h_app_send(h, 1000); /* a short segment: Nagle holds it behind the unacknowledged one */
    h_flush(h);
    h_advance_to(h, t0 + 2500 * MS);
    h_flush(h);
    h_send(h, H_ACK, 1, 1001, H_WIN, NULL, 0); /* the first 1000 bytes, 2.5 s late */
    h_flush(h);
    uint64_t progress = h->now;
    /* One late poll, past the first stall's end and this stall's first expiry (at progress +
     * the RTO): still open, and the stall is measured from the expiry's deadline, not from when
     * it was noticed. */
    h_advance_to(h, t0 + 3500 * MS);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_flush(h);
    for (int guard = 0; guard < 64 && h_traced_state(h) != WEIR_TCP_CLOSED; guard++) {
        h_run_to_deadline(h);
        h_flush(h);
    }
    h_assert_state(h, WEIR_TCP_CLOSED);
    /* The second stall began at the progress (the timer restarted there, RFC 6298 (5.3)). */
    assert_int_equal(h->now, progress + 3 * S);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);
}

/* Set during a stall, the timeout counts from the stall's start, not from the setting: set
 * 3 RTOs in, a timeout of 5 RTOs has run out by the expiry already armed at 7 RTOs (counted from
 * the setting, it would end at 8). */
static void user_timeout_set_during_a_stall_counts_from_its_start(void **state)
{
    (void)state;
    uint64_t t0;
    harness *h = stalled_connection(0, 15, &t0);
    uint32_t rto = h_info(h).rto_us;
    h_run_to_deadline(h); /* t0 + rto: first resend */
    h_run_to_deadline(h); /* t0 + 3 rto */
    h_flush(h);
    assert_int_equal(h->now, t0 + 3ull * rto);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_USER_TIMEOUT, 5 * (int)rto / MS),
                     0);
    assert_int_equal(h_run_to_deadline(h), t0 + 7ull * rto);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);
}

/* MUST-37: a peer that keeps answering zero-window probes keeps the connection open whatever
 * the user timeout; one that stops answering is given up the user timeout after the first
 * unanswered probe, whatever max_retries says. */
static void user_timeout_bounds_unanswered_window_probes_only(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.max_retries = 100;
    h_start(h);
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_USER_TIMEOUT, 10000), 0);
    h_app_send(h, 1000);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_send(h, H_ACK, 1, 1001, 0, NULL, 0); /* all acknowledged, window closed */
    h_app_send(h, 500);
    /* Answered probes, for 60 s: still open. */
    uint64_t start = h->now;
    while (h->now < start + 60 * S) {
        h_run_to_deadline(h);
        h_expect(h, H_ACK, 1001, 1, 1);
        h_send(h, H_ACK, 1, 1001, 0, NULL, 0);
    }
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    /* Now silence: the first unanswered probe starts the clock. */
    uint64_t first = h_run_to_deadline(h);
    h_expect(h, H_ACK, 1001, 1, 1);
    for (int guard = 0; guard < 64 && h_traced_state(h) != WEIR_TCP_CLOSED; guard++) {
        h_run_to_deadline(h);
        h_flush(h);
    }
    assert_int_equal(h->now, first + 10 * S);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);
}

/* MUST-37 when the window closes on data in flight: at the RTO nothing can go, and the persist
 * timer takes over (as BSD's tcp_output does), probing with the first unacknowledged byte. A peer
 * that answers every probe (its window still zero) keeps the connection open however many
 * timeouts max_retries would allow; once it goes silent, max_retries unanswered probes end it. */
static void zero_window_on_data_in_flight_stays_open_while_answered(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.max_retries = 3;
    h_start(h);
    h_established_active(h);
    h_app_send(h, 1000);
    h_expect(h, H_ACK, 1, 1, 1000);
    h_send(h, H_ACK, 1, 1, 0, NULL, 0); /* nothing acknowledged, window closed */
    unsigned answered = 0;
    for (int guard = 0; guard < 32 && answered < 10; guard++) {
        h_run_to_deadline(h);
        h_seg g;
        if (!h_pop(h, &g))
            continue; /* the RTO itself: nothing fits the window */
        assert_int_equal(g.rseq, 1);
        assert_int_equal(g.len, 1);
        h_expect_none(h);
        h_send(h, H_ACK, 1, 1, 0, NULL, 0); /* answered, still closed */
        answered++;
    }
    assert_int_equal(answered, 10);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    unsigned unanswered = 0;
    for (int guard = 0; guard < 16 && h_traced_state(h) != WEIR_TCP_CLOSED; guard++) {
        h_run_to_deadline(h);
        unanswered += h_pending(h);
        h_flush(h);
    }
    assert_int_equal(unanswered, 3);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);
}

/* RFC 9293 §3.8.3 (e), SHLD-9/10: when a segment goes for the R1-th time (r1_retries, 3), the
 * application gets WEIR_EV_SOFT_ERROR (ETIMEDOUT) and the connection goes on to R2. SHLD-20:
 * WEIR_TCP_OPT_SOFT_ERRORS 0 silences it (the counter still counts); r1_retries 0 has no R1. */
static unsigned resends_before_soft_error(uint8_t r1, int soft_errors)
{
    harness *h = h_new_config();
    h->cfg.tcp.r1_retries = r1;
    h_start(h);
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_SOFT_ERRORS, soft_errors), 0);
    int v = -1;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_SOFT_ERRORS, &v), 0);
    assert_int_equal(v, soft_errors);
    h_app_send(h, 1000);
    h_expect(h, H_ACK, 1, 1, 1000);
    unsigned resent = 0, at = 0;
    for (; resent < 6; resent++) {
        h_run_to_deadline(h);
        h_expect(h, H_ACK, 1, 1, 1000);
        h_drain_events(h);
        if (h_has_event(h, h->sock, WEIR_EV_SOFT_ERROR)) {
            assert_int_equal(h_expect_event(h, h->sock, WEIR_EV_SOFT_ERROR), WEIR_ETIMEDOUT);
            assert_int_equal(at, 0); /* once per stall */
            at = resent + 1;
        }
    }
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_R1_REACHED), r1 > 0 && r1 <= 6 ? 1 : 0);
    h_finish(h);
    return at;
}

static void r1_tells_the_application_once_and_goes_on(void **state)
{
    (void)state;
    assert_int_equal(resends_before_soft_error(3, 1), 3);
    assert_int_equal(resends_before_soft_error(5, 1), 5);
    assert_int_equal(resends_before_soft_error(3, 0), 0);
    assert_int_equal(resends_before_soft_error(0, 1), 0);
}

static harness *keepalive_harness(void)
{
    harness *h = h_new_config();
    h->cfg.tcp.keepalive_idle_us = 10 * S;
    h->cfg.tcp.keepalive_interval_us = 1 * S;
    h->cfg.tcp.keepalive_count = 9;
    h_start(h);
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_KEEPALIVE, 1), 0);
    return h;
}

/* With a user timeout, keepalive gives up once the peer has been silent that long (since the
 * last segment it sent), before keepalive_count probes (Linux's TCP_USER_TIMEOUT overrides it). */
static void user_timeout_ends_keepalive_before_the_count(void **state)
{
    (void)state;
    harness *h = keepalive_harness();
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_USER_TIMEOUT, 12500), 0);
    uint64_t last_heard = h->now;
    assert_int_equal(h_run_to_deadline(h), last_heard + 10 * S);
    h_expect(h, H_ACK, 0, 1, 0);
    assert_int_equal(h_run_to_deadline(h), last_heard + 11 * S);
    h_expect(h, H_ACK, 0, 1, 0);
    assert_int_equal(h_run_to_deadline(h), last_heard + 12 * S);
    h_expect(h, H_ACK, 0, 1, 0);
    /* The next probe would be at 13 s: the timer stops at 12.5 s instead. */
    assert_int_equal(h_run_to_deadline(h), last_heard + 12500 * MS);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);
}

/* §3.8.4: keep-alives probe an idle connection. With data unacknowledged the retransmission
 * timer watches the peer, and no keepalive goes (nor counts towards keepalive_count). */
static void keepalive_waits_while_data_is_outstanding(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.keepalive_idle_us = 2 * S;
    h->cfg.tcp.keepalive_interval_us = 1 * S;
    h->cfg.tcp.keepalive_count = 1;
    h->cfg.tcp.rto_max_us = 60 * S;
    h_start(h);
    h_established_active(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_KEEPALIVE, 1), 0);
    h_app_send(h, 1000);
    h_expect(h, H_ACK, 1, 1, 1000);
    uint64_t end = h->now + 20 * S;
    while (h->now < end) {
        h_run_to_deadline(h);
        h_seg g;
        while (h_pop(h, &g))
            assert_int_equal(g.len, 1000); /* retransmissions only, no bare keepalive */
    }
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_KEEPALIVE_PROBES), 0);
    h_finish(h);
}

/* The handshake bound: SYNs would go at 0, 1 and 3 s (RFC 6298 (5.5)); a bound of 2.5 s ends
 * SYN-SENT between the second and the third, with ETIMEDOUT. */
static void connect_timeout_ends_syn_sent(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.connect_timeout_us = 2500 * MS;
    h_start(h);
    h_syn_sent(h);
    uint64_t t0 = h->now;
    assert_int_equal(h_run_to_deadline(h), t0 + 1 * S);
    h_expect(h, H_SYN, 0, 0, 0);
    assert_int_equal(h_run_to_deadline(h), t0 + 2500 * MS);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIMEOUT_DROPS), 1);
    h_finish(h);
}

/* Whichever comes first: a bound longer than syn_retries' leaves the count to end it. */
static void connect_timeout_longer_than_the_syn_retries_leaves_them_to_decide(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.syn_retries = 1;
    h->cfg.tcp.connect_timeout_us = 60 * S;
    h_start(h);
    h_syn_sent(h);
    uint64_t t0 = h->now;
    assert_int_equal(h_run_to_deadline(h), t0 + 1 * S);
    h_expect(h, H_SYN, 0, 0, 0);
    assert_int_equal(h_run_to_deadline(h), t0 + 3 * S);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_expect_error(h, h->sock, WEIR_ETIMEDOUT);
    h_finish(h);
}

/* Once synchronized, the bound is gone: the shared slot now holds keepalive (here off). */
static void connect_timeout_stops_at_established(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.connect_timeout_us = 2 * S;
    h_start(h);
    h_established_active(h);
    assert_int_equal(h_deadline(h), UINT64_MAX);
    h_advance(h, 10 * S);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

/* A listener's bound goes to its children: one stuck in SYN-RECEIVED is dropped at the bound,
 * and the listener carries on. */
static void connect_timeout_is_inherited_and_ends_syn_received(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lsock = weir_tcp_socket(h->s);
    assert_true(h->lsock >= 0);
    assert_int_equal(weir_tcp_setopt(h->s, h->lsock, WEIR_TCP_OPT_CONNECT_TIMEOUT, 1500), 0);
    assert_int_equal(weir_tcp_bind(h->s, h->lsock, (weir_endpoint){H_LOCAL_IP, H_LISTEN_PORT}), 0);
    assert_int_equal(weir_tcp_listen(h->s, h->lsock, 4), 0);
    h->lport = H_LISTEN_PORT;
    h->pport = H_PEER_PORT;
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    h->iss = g.seq;
    uint64_t t0 = h->now;
    assert_int_equal(h_run_to_deadline(h), t0 + 1 * S);
    h_expect(h, H_SYN | H_ACK, 0, 1, 0);
    assert_int_equal(h_run_to_deadline(h), t0 + 1500 * MS);
    h_expect_none(h);
    assert_int_equal(h_stats(h).tcp_conns, 1); /* the listener alone */
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_TIMEOUT_DROPS), 1);
    h_finish(h);
}

/* Values: milliseconds, read back as set; negative ones refused; the handshake bound only
 * before connect/listen; the defaults from weir_tcp_config. */
static void timeout_options_validate_and_read_back(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.user_timeout_us = 7 * S;
    h->cfg.tcp.connect_timeout_us = 9 * S;
    h_start(h);
    int sock = weir_tcp_socket(h->s);
    h_track(h, sock);
    int v = -1;
    assert_int_equal(weir_tcp_getopt(h->s, sock, WEIR_TCP_OPT_USER_TIMEOUT, &v), 0);
    assert_int_equal(v, 7000);
    assert_int_equal(weir_tcp_getopt(h->s, sock, WEIR_TCP_OPT_CONNECT_TIMEOUT, &v), 0);
    assert_int_equal(v, 9000);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_USER_TIMEOUT, -1), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_CONNECT_TIMEOUT, -5), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_SOFT_ERRORS, 2), WEIR_EINVAL);
    assert_int_equal(weir_tcp_getopt(h->s, sock, WEIR_TCP_OPT_SOFT_ERRORS, &v), 0);
    assert_int_equal(v, 1); /* on by default (MUST-47) */
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_USER_TIMEOUT, 2147483647), 0);
    assert_int_equal(weir_tcp_getopt(h->s, sock, WEIR_TCP_OPT_USER_TIMEOUT, &v), 0);
    assert_int_equal(v, 2147483647);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_CONNECT_TIMEOUT, 0), 0);
    assert_int_equal(weir_tcp_connect(h->s, sock, (weir_endpoint){H_PEER_IP, H_PEER_PORT}), 0);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_CONNECT_TIMEOUT, 100), WEIR_ESTATE);
    assert_int_equal(weir_tcp_setopt(h->s, sock, WEIR_TCP_OPT_USER_TIMEOUT, 100), 0);
    h_flush(h);
    h_finish(h);

    /* A stack configured beyond the largest value is refused. */
    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.tcp.user_timeout_us = (WEIR_TCP_TIMEOUT_MAX_MS + 1ull) * 1000;
    weir_stack *s = NULL;
    assert_int_equal(weir_stack_create(&cfg, &s), WEIR_EINVAL);
}

/* The shared slot in FIN-WAIT-2 once the application closed: the FIN-WAIT-2 bound (2*MSL), and
 * a segment from the peer does not turn it back into keepalive. */
static void fin_wait_2_bound_replaces_keepalive(void **state)
{
    (void)state;
    harness *h = keepalive_harness();
    assert_int_equal(weir_tcp_close(h->s, h->sock), 0);
    h->sock = -1;
    h_expect(h, H_FIN | H_ACK, 1, 1, 0);
    h_send(h, H_ACK, 1, 2, H_WIN, NULL, 0);
    h_assert_state(h, WEIR_TCP_FIN_WAIT_2);
    uint64_t bound = h->now + 2 * h->cfg.tcp.msl_us;
    assert_int_equal(h_deadline(h), bound);
    h_advance(h, 5 * S);
    h_send(h, H_ACK, 1, 2, H_WIN, NULL, 0); /* a bare ACK: keepalive would restart here */
    assert_int_equal(h_deadline(h), bound);
    assert_int_equal(h_run_to_deadline(h), bound);
    h_expect_none(h); /* no keepalive probe ever went */
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(user_timeout_ends_a_stall_on_time),
        H_TEST(user_timeout_replaces_the_retransmission_count),
        H_TEST(user_timeout_restarts_when_an_ack_makes_progress),
        H_TEST(user_timeout_set_during_a_stall_counts_from_its_start),
        H_TEST(user_timeout_bounds_unanswered_window_probes_only),
        H_TEST(zero_window_on_data_in_flight_stays_open_while_answered),
        H_TEST(r1_tells_the_application_once_and_goes_on),
        H_TEST(user_timeout_ends_keepalive_before_the_count),
        H_TEST(keepalive_waits_while_data_is_outstanding),
        H_TEST(connect_timeout_ends_syn_sent),
        H_TEST(connect_timeout_longer_than_the_syn_retries_leaves_them_to_decide),
        H_TEST(connect_timeout_stops_at_established),
        H_TEST(connect_timeout_is_inherited_and_ends_syn_received),
        H_TEST(timeout_options_validate_and_read_back),
        H_TEST(fin_wait_2_bound_replaces_keepalive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

