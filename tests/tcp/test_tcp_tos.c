/* test_tcp_tos.c — the Differentiated Services field (RFC 9293 §3.9.1.9): the application sets
 * it (MUST-48, WEIR_TCP_OPT_TOS, default weir_tcp_config.tos), may change it at any time
 * (SHLD-21), and TCP hands it to IP unchanged on every segment the connection sends (SHLD-22):
 * the TOS byte of the IPv4 header of each captured frame (h_seg.tos). Its two ECN bits stay 0:
 * weir does not negotiate ECN (RFC 3168 §6.1.1 forbids ECT without it). */
#include "harness.h"

#define S 1000000ull

#define EF 0xb8   /* DSCP 46, Expedited Forwarding (RFC 3246) */
#define AF11 0x28 /* DSCP 10 (RFC 2597) */
#define CS1 0x20  /* DSCP 8, "lower effort" as often used */

static void tos_option_reads_back_and_refuses_ecn_bits(void **state)
{
    (void)state;
    harness *h = h_new();
    int s = weir_tcp_socket(h->s);
    h_track(h, s);
    int v = -1;
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_TOS, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_TOS, EF), 0);
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_TOS, &v), 0);
    assert_int_equal(v, EF);
    /* The ECN field (ECT(1), ECT(0), CE) and values beyond a byte are refused; EF stays. */
    const int bad[] = {1, 2, 3, EF | 1, EF | 3, -1, 256, 0x1fc};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_TOS, bad[i]), WEIR_EINVAL);
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_TOS, &v), 0);
    assert_int_equal(v, EF);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_TOS, 0xfc), 0); /* every DSCP bit */
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_TOS, 0), 0);
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_TOS, &v), 0);
    assert_int_equal(v, 0);
    h_finish(h);
}

/* The stack default: validated (ECN bits 0), and it marks a new socket's segments. */
static void config_tos_is_validated(void **state)
{
    (void)state;
    harness *h = h_new_config();
    weir_stack *s = NULL;
    for (unsigned ecn = 1; ecn <= 3; ecn++) {
        h->cfg.tcp.tos = (uint8_t)(EF | ecn);
        assert_int_equal(weir_stack_create(&h->cfg, &s), WEIR_EINVAL);
    }
    h->cfg.tcp.tos = 0xfc;
    assert_int_equal(weir_stack_create(&h->cfg, &s), 0);
    weir_stack_destroy(s);
    h->cfg.tcp.tos = 0;
    h_start(h);
    h_finish(h);
}

/* Without the option every segment carries 0, as before. */
static void default_tos_is_zero_on_every_segment(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    assert_int_equal(h->last.tos, 0);
    h_advance(h, H_RTT);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    assert_int_equal(h_expect(h, H_ACK, 1, 1, 0)->tos, 0);
    h_app_send(h, 100);
    assert_int_equal(h_expect(h, H_ACK, 1, 1, 100)->tos, 0);
    h_finish(h);
}

/* MUST-48 with the stack default: an active open's SYN, the handshake's ACK, data, its
 * retransmission, a keepalive, the FIN, and the RST of an abort. */
static void config_tos_marks_every_segment_of_an_active_open(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.tos = AF11;
    h_start(h);
    h_syn_sent(h);
    assert_int_equal(h->last.tos, AF11);
    int v = 0;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_TOS, &v), 0);
    assert_int_equal(v, AF11);
    h_advance(h, H_RTT);
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    assert_int_equal(h_expect(h, H_ACK, 1, 1, 0)->tos, AF11);
    h_clear_events(h);
    h_app_send(h, 100);
    assert_int_equal(h_expect(h, H_ACK, 1, 1, 100)->tos, AF11);
    h_run_to_deadline(h); /* the RTO */
    assert_int_equal(h_expect(h, H_ACK, 1, 1, 100)->tos, AF11);
    h_send(h, H_ACK, 1, 101, H_WIN, NULL, 0);
    h_expect_none(h);
    /* A keepalive probe, then the FIN and the RST of an abort. */
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_KEEPIDLE, 1), 0);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_KEEPALIVE, 1), 0);
    h_advance(h, 2 * S);
    assert_int_equal(h_expect(h, H_ACK, 100, 1, 0)->tos, AF11);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    assert_int_equal(h_expect(h, H_FIN | H_ACK, 101, 1, 0)->tos, AF11);
    assert_int_equal(weir_tcp_abort(h->s, h->sock), 0);
    h->sock = -1;
    assert_int_equal(h_expect(h, H_RST | H_ACK, 102, 1, 0)->tos, AF11);
    h_finish(h);
}

/* SHLD-21: changed in ESTABLISHED, the next segment carries the new value — data and pure ACKs
 * alike — and back to 0 again. */
static void tos_changes_during_the_connection(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    h_app_send(h, 10);
    assert_int_equal(h_expect(h, H_ACK, 1, 1, 10)->tos, 0);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_TOS, EF), 0);
    h_send(h, H_ACK, 1, 11, H_WIN, NULL, 0);
    h_app_send(h, 10);
    assert_int_equal(h_expect(h, H_ACK, 11, 1, 10)->tos, EF);
    h_send(h, H_ACK | H_PSH, 1, 21, H_WIN, "abc", 3); /* quick-ACK mode: ACKed at once */
    assert_int_equal(h_expect(h, H_ACK, 21, 4, 0)->tos, EF);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_TOS, 0), 0);
    h_app_send(h, 10);
    assert_int_equal(h_expect(h, H_ACK, 21, 4, 10)->tos, 0);
    h_finish(h);
}

/* A listener's value goes to its children: the SYN-ACK carries it, the accepted socket reads it,
 * and changing the child leaves the listener's alone. */
static void accepted_socket_inherits_the_listener_tos(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->lsock, WEIR_TCP_OPT_TOS, CS1), 0);
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_int_equal(g.tos, CS1);
    h->iss = g.seq;
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    int v = 0;
    assert_int_equal(weir_tcp_getopt(h->s, h->sock, WEIR_TCP_OPT_TOS, &v), 0);
    assert_int_equal(v, CS1);
    h_app_send(h, 5);
    assert_int_equal(h_expect(h, H_ACK, 1, 1, 5)->tos, CS1);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_TOS, EF), 0);
    assert_int_equal(weir_tcp_getopt(h->s, h->lsock, WEIR_TCP_OPT_TOS, &v), 0);
    assert_int_equal(v, CS1);
    h_finish(h);
}

/* RSTs: one a connection makes answering a segment (an unacceptable ACK in SYN-SENT) carries its
 * TOS; one for no connection at all carries 0, whatever the default. */
static void rst_tos_follows_the_connection_not_the_default(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.tos = AF11;
    h_start(h);
    h_syn_sent(h);
    assert_int_equal(weir_tcp_setopt(h->s, h->sock, WEIR_TCP_OPT_TOS, EF), 0);
    h_send(h, H_SYN | H_ACK, 0, 1000, H_WIN, NULL, 0); /* acknowledges nothing we sent */
    assert_int_equal(h_expect(h, H_RST, 1000, 0, 0)->tos, EF);
    h_assert_state(h, WEIR_TCP_SYN_SENT);
    /* A SYN to a port nobody listens on: the reply belongs to no connection. */
    h->lport = 81;
    h_send_abs(h, H_SYN, 1, 0, H_WIN, NULL, 0);
    assert_int_equal(h_expect_abs(h, H_RST | H_ACK, 0, 2, 0)->tos, 0);
    h_finish(h);
}

/* The compact TIME-WAIT record keeps the TOS for the ACKs it sends. */
static void time_wait_record_acks_with_the_connection_tos(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.tos = CS1;
    h_start(h);
    h_time_wait_released(h);
    assert_int_equal(h->last.tos, CS1);
    assert_int_equal(h_stats(h).tcp_time_wait, 1); /* compacted */
    h_send(h, H_FIN | H_ACK, 1, 2, H_WIN, NULL, 0); /* the peer's FIN again */
    assert_int_equal(h_expect(h, H_ACK, 2, 2, 0)->tos, CS1);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(tos_option_reads_back_and_refuses_ecn_bits),
        H_TEST(config_tos_is_validated),
        H_TEST(default_tos_is_zero_on_every_segment),
        H_TEST(config_tos_marks_every_segment_of_an_active_open),
        H_TEST(tos_changes_during_the_connection),
        H_TEST(accepted_socket_inherits_the_listener_tos),
        H_TEST(rst_tos_follows_the_connection_not_the_default),
        H_TEST(time_wait_record_acks_with_the_connection_tos),
    };
    return cmocka_run_group_tests_name("tcp_tos", tests, NULL, NULL);
}
