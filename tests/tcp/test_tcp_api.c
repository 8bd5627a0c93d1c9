/* test_tcp_api.c — misuse of the public TCP API returns an error code and changes nothing
 * (DESIGN.md §2, §6): bad and stale handles (WEIR_EBADF), calls in the wrong state (RFC 9293
 * §3.10.1-§3.10.6 "error: ..." replies), table and backlog limits. */
#include "harness.h"

static void stale_handle_is_ebadf_after_close_and_slot_reuse(void **state)
{
    (void)state;
    harness *h = h_new();
    int a = weir_tcp_socket(h->s);
    assert_true(a >= 0);
    assert_int_equal(weir_tcp_close(h->s, a), 0);
    int b = weir_tcp_socket(h->s); /* very likely the same slot, a new generation */
    assert_true(b >= 0);
    assert_int_not_equal(a, b);
    h_track(h, b);
    char buf[4];
    weir_tcp_info info;
    weir_endpoint ep = {H_LOCAL_IP, 1234};
    assert_int_equal(weir_tcp_bind(h->s, a, ep), WEIR_EBADF);
    assert_int_equal(weir_tcp_listen(h->s, a, 1), WEIR_EBADF);
    assert_int_equal(weir_tcp_connect(h->s, a, (weir_endpoint){H_PEER_IP, 80}), WEIR_EBADF);
    assert_int_equal(weir_tcp_accept(h->s, a, NULL), WEIR_EBADF);
    assert_int_equal(weir_tcp_send(h->s, a, "x", 1), WEIR_EBADF);
    assert_int_equal(weir_tcp_recv(h->s, a, buf, sizeof buf), WEIR_EBADF);
    assert_int_equal(weir_tcp_shutdown(h->s, a), WEIR_EBADF);
    assert_int_equal(weir_tcp_setopt(h->s, a, WEIR_TCP_OPT_NODELAY, 1), WEIR_EBADF);
    assert_int_equal(weir_tcp_get_info(h->s, a, &info), WEIR_EBADF);
    assert_int_equal(weir_tcp_close(h->s, a), WEIR_EBADF);
    assert_int_equal(weir_tcp_abort(h->s, a), WEIR_EBADF);
    /* ... and none of that touched the new socket. */
    assert_int_equal(weir_tcp_get_info(h->s, b, &info), 0);
    assert_int_equal(info.state, WEIR_TCP_CLOSED);
    assert_int_equal(info.local.port, 0);
    assert_int_equal(weir_tcp_bind(h->s, b, ep), 0);
    h_finish(h);
}

static void handle_of_a_finished_connection_is_ebadf_after_close(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_active(h);
    int old = h->sock;
    assert_int_equal(weir_tcp_abort(h->s, old), 0);
    h->sock = -1;
    h_flush(h);
    assert_int_equal(weir_tcp_send(h->s, old, "x", 1), WEIR_EBADF);
    assert_int_equal(weir_tcp_abort(h->s, old), WEIR_EBADF);
    h_finish(h);
}

static void garbage_handles_are_ebadf(void **state)
{
    (void)state;
    harness *h = h_new();
    weir_tcp_info info;
    const int bad[] = {-1, -12345, 0, 1, 0x7fffffff, 0x10000, 255, 0x0001ffff};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(weir_tcp_get_info(h->s, bad[i], &info), WEIR_EBADF);
        assert_int_equal(weir_tcp_send(h->s, bad[i], "x", 1), WEIR_EBADF);
        assert_int_equal(weir_tcp_close(h->s, bad[i]), WEIR_EBADF);
    }
    /* A NULL stack is EINVAL, not a crash. */
    assert_int_equal(weir_tcp_socket(NULL), WEIR_EINVAL);
    assert_int_equal(weir_tcp_close(NULL, 0), WEIR_EINVAL);
    assert_int_equal(weir_tcp_get_info(NULL, 0, &info), WEIR_EINVAL);
    h_finish(h);
}

static void send_and_recv_on_a_listening_socket_are_enotconn(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    char buf[4];
    assert_int_equal(weir_tcp_send(h->s, h->lsock, "x", 1), WEIR_ENOTCONN);
    assert_int_equal(weir_tcp_recv(h->s, h->lsock, buf, sizeof buf), WEIR_ENOTCONN);
    assert_int_equal(weir_tcp_shutdown(h->s, h->lsock), WEIR_ENOTCONN);
    assert_int_equal(weir_tcp_connect(h->s, h->lsock, (weir_endpoint){H_PEER_IP, 80}),
                     WEIR_EINVAL);
    assert_int_equal(weir_tcp_accept(h->s, h->lsock, NULL), WEIR_EAGAIN);
    h_expect_none(h);
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, h->lsock, &info), 0);
    assert_int_equal(info.state, WEIR_TCP_LISTEN);
    h_finish(h);
}

static void connect_twice_is_ealready_then_eisconn(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    weir_endpoint peer = {H_PEER_IP, H_PEER_PORT};
    assert_int_equal(weir_tcp_connect(h->s, h->sock, peer), WEIR_EALREADY);
    h_expect_none(h); /* no second SYN */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0);
    assert_int_equal(weir_tcp_connect(h->s, h->sock, peer), WEIR_EISCONN);
    assert_int_equal(weir_tcp_listen(h->s, h->sock, 1), WEIR_EINVAL);
    assert_int_equal(weir_tcp_accept(h->s, h->sock, NULL), WEIR_EINVAL);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

static void listen_without_bind_is_einval(void **state)
{
    (void)state;
    harness *h = h_new();
    int s = weir_tcp_socket(h->s);
    h_track(h, s);
    assert_int_equal(weir_tcp_listen(h->s, s, 5), WEIR_EINVAL);
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, s, &info), 0);
    assert_int_equal(info.state, WEIR_TCP_CLOSED);
    h_finish(h);
}

static void bind_errors(void **state)
{
    (void)state;
    harness *h = h_new();
    int a = weir_tcp_socket(h->s), b = weir_tcp_socket(h->s);
    h_track(h, a);
    h_track(h, b);
    assert_int_equal(weir_tcp_bind(h->s, a, (weir_endpoint){H_LOCAL_IP, 7000}), 0);
    assert_int_equal(weir_tcp_bind(h->s, a, (weir_endpoint){H_LOCAL_IP, 7001}), WEIR_EINVAL);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){H_LOCAL_IP, 7000}), WEIR_EADDRINUSE);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){0, 7000}), WEIR_EADDRINUSE);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){0x0a000063u, 7002}), WEIR_EINVAL);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){0, 0}), 0); /* ephemeral */
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, b, &info), 0);
    assert_true(info.local.port >= h->cfg.ephemeral_lo);
    h_finish(h);
}

static int no_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    fail_msg("nothing may leave by the second interface");
    return 0;
}

static void connect_to_bad_addresses_is_einval(void **state)
{
    (void)state;
    harness *h = h_new();
    int s = weir_tcp_socket(h->s);
    h_track(h, s);
    assert_int_equal(weir_tcp_connect(h->s, s, (weir_endpoint){0, 80}), WEIR_EINVAL);
    assert_int_equal(weir_tcp_connect(h->s, s, (weir_endpoint){H_PEER_IP, 0}), WEIR_EINVAL);
    assert_int_equal(weir_tcp_connect(h->s, s, (weir_endpoint){0xffffffffu, 80}), WEIR_EINVAL);
    assert_int_equal(weir_tcp_connect(h->s, s, (weir_endpoint){0xe0000001u, 80}), WEIR_EINVAL);
    /* MUST-46: every address that names no single host (RFC 1122 §3.2.1.3): our subnet's
     * directed broadcast, class E, the rest of 0/8, and loopback (no interface of ours is one). */
    const uint32_t bad[] = {0x0a0000ffu, 0xf0000001u, 0xfffffffeu, 0x00010203u, 0x7f000001u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(weir_tcp_connect(h->s, s, (weir_endpoint){bad[i], 80}), WEIR_EINVAL);
    /* The directed broadcast of another interface's subnet, whichever way the route goes. */
    weir_netif_config nc = {.name = "t1", .medium = WEIR_MEDIUM_IP, .mtu = H_MTU,
                            .ip = 0xc0a80701u, .prefix_len = 24, .transmit = no_transmit};
    assert_true(weir_netif_add(h->s, &nc) >= 0);
    assert_int_equal(weir_tcp_connect(h->s, s, (weir_endpoint){0xc0a807ffu, 80}), WEIR_EINVAL);
    h_expect_none(h);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_ACTIVE_OPENS), 0);
    /* Refusals leave the socket as it was: a host is still reachable. */
    assert_int_equal(weir_tcp_connect(h->s, s, (weir_endpoint){H_PEER_IP, 80}), 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN);
    h_finish(h);
}

static void calls_on_an_unconnected_socket(void **state)
{
    (void)state;
    harness *h = h_new();
    int s = weir_tcp_socket(h->s);
    h_track(h, s);
    char buf[4];
    assert_int_equal(weir_tcp_send(h->s, s, "x", 1), WEIR_ENOTCONN);
    assert_int_equal(weir_tcp_recv(h->s, s, buf, sizeof buf), WEIR_ENOTCONN);
    assert_int_equal(weir_tcp_shutdown(h->s, s), WEIR_ENOTCONN);
    assert_int_equal(weir_tcp_accept(h->s, s, NULL), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, s, (weir_tcp_option)99, 1), WEIR_EINVAL);
    /* Keepalive times: 1 s to WEIR_TCP_KEEP_MAX_S, as Linux takes them. */
    int v = 0;
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPIDLE, WEIR_TCP_KEEP_MAX_S), 0);
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_KEEPIDLE, &v), 0);
    assert_int_equal(v, WEIR_TCP_KEEP_MAX_S);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPIDLE, WEIR_TCP_KEEP_MAX_S + 1),
                     WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPINTVL, 0), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPINTVL, 65536), WEIR_EINVAL);
    assert_int_equal(weir_tcp_get_info(h->s, s, NULL), WEIR_EINVAL);
    assert_int_equal(weir_tcp_send(h->s, s, NULL, 5), WEIR_EINVAL);
    assert_int_equal(weir_tcp_recv(h->s, s, NULL, 5), WEIR_EINVAL);
    assert_int_equal(weir_tcp_recv(h->s, s, buf, 0), WEIR_EINVAL); /* 0 means end of stream */
    h_expect_none(h);
    h_finish(h);
}

/* Keepalive times per socket are whole seconds in Linux's range, read back as set; unset, they
 * are the stack's configuration. */
static void keepalive_times_are_seconds_in_linux_range(void **state)
{
    (void)state;
    harness *h = h_new();
    int s = weir_tcp_socket(h->s);
    h_track(h, s);
    int v = 0;
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_KEEPIDLE, &v), 0);
    assert_int_equal(v, (int)(h->cfg.tcp.keepalive_idle_us / 1000000u));
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPIDLE, 32767), 0);
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_KEEPIDLE, &v), 0);
    assert_int_equal(v, 32767);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPIDLE, 32768), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPINTVL, 0), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPINTVL, 40000), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, s, WEIR_TCP_OPT_KEEPINTVL, 5), 0);
    assert_int_equal(weir_tcp_getopt(h->s, s, WEIR_TCP_OPT_KEEPINTVL, &v), 0);
    assert_int_equal(v, 5);
    h_finish(h);
}

/* A listener closing frees its half-open children with a walk over the hash buckets; the table
 * shrinks as they go, which must wait until the walk is over. */
static void closing_a_listener_frees_many_children(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lsock = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_bind(h->s, h->lsock, (weir_endpoint){H_LOCAL_IP, H_LISTEN_PORT}), 0);
    assert_int_equal(weir_tcp_listen(h->s, h->lsock, 64), 0);
    h->lport = H_LISTEN_PORT;
    for (int i = 0; i < 40; i++) {
        h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
        h->pport++;
    }
    h_flush(h);
    assert_int_equal((int)h_stats(h).tcp_conns, 41);
    assert_int_equal(weir_tcp_close(h->s, h->lsock), 0);
    h->lsock = -1;
    h_flush(h);
    assert_int_equal((int)h_stats(h).tcp_conns, 0);
    assert_int_equal(weir_tcp_list(h->s, NULL, 0), 0);
    h_finish(h);
}

static void send_after_shutdown_is_epipe_and_after_reset_is_the_error(void **state)
{
    (void)state;
    harness *h = h_new();
    h_fin_wait_1(h);
    assert_int_equal(weir_tcp_send(h->s, h->sock, "x", 1), WEIR_EPIPE);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0); /* again: harmless, no 2nd FIN */
    h_expect_none(h);
    h_send(h, H_RST, 1, 0, 0, NULL, 0);
    h_assert_state(h, WEIR_TCP_CLOSED);
    assert_int_equal(weir_tcp_send(h->s, h->sock, "x", 1), WEIR_ECONNRESET);
    /* A failed connection is not reused. */
    assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){H_PEER_IP, 80}),
                     WEIR_EINVAL);
    h_expect_none(h);
    h_finish(h);
}

static void socket_table_full_is_enobufs(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.max_sockets = 4;
    h_start(h);
    for (int i = 0; i < 4; i++) {
        int s = weir_tcp_socket(h->s);
        assert_true(s >= 0);
        h_track(h, s);
    }
    assert_int_equal(weir_tcp_socket(h->s), WEIR_ENOBUFS);
    assert_int_equal(weir_tcp_close(h->s, h->extra[0]), 0);
    h->extra[0] = weir_tcp_socket(h->s);
    assert_true(h->extra[0] >= 0);
    h_finish(h);
}

/* Free slots are reused oldest-freed first: with 4 slots, a handle closed and reopened in a
 * loop visits every slot before its own comes back, and no handle ever repeats. */
static void freed_slots_are_reused_in_fifo_order(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.max_sockets = 4;
    h_start(h);
    int seen[16];
    for (int i = 0; i < 16; i++) {
        seen[i] = weir_tcp_socket(h->s);
        assert_true(seen[i] >= 0);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(seen[i], seen[j]);
        assert_int_equal(seen[i] & 0xff, i % 4); /* slot bits: 8, so the slot is the low byte */
        assert_int_equal(weir_tcp_close(h->s, seen[i]), 0);
    }
    h_finish(h);
}

/* More than 65535 sockets: the handle's slot field grows with max_sockets. */
static void handle_table_beyond_65535_sockets(void **state)
{
    (void)state;
    harness *h = h_new_config();
    enum { N = 70000 };
    h->cfg.max_sockets = N;
    h->cfg.max_connections = N;
    h_start(h);
    static int socks[N];
    for (int i = 0; i < N; i++) {
        socks[i] = weir_tcp_socket(h->s);
        assert_true(socks[i] >= 0);
    }
    assert_int_equal(weir_tcp_socket(h->s), WEIR_ENOBUFS);
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, socks[N - 1], &info), 0);
    assert_int_equal(weir_tcp_close(h->s, socks[N - 1]), 0);
    assert_int_equal(weir_tcp_get_info(h->s, socks[N - 1], &info), WEIR_EBADF);
    for (int i = 0; i < N - 1; i++)
        assert_int_equal(weir_tcp_close(h->s, socks[i]), 0);
    h_finish(h);
}

static void accept_with_handle_table_full_keeps_connection_queued(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.max_sockets = 2;
    h_start(h);
    h_syn_received(h);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    int filler = weir_tcp_socket(h->s);
    assert_true(filler >= 0);
    assert_int_equal(weir_tcp_accept(h->s, h->lsock, NULL), WEIR_ENOBUFS);
    assert_int_equal(weir_tcp_close(h->s, filler), 0);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_finish(h);
}

static void listen_backlog_full_drops_syn_silently(void **state)
{
    (void)state;
    harness *h = h_new();
    h->lsock = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_bind(h->s, h->lsock, (weir_endpoint){H_LOCAL_IP, H_LISTEN_PORT}), 0);
    assert_int_equal(weir_tcp_listen(h->s, h->lsock, 1), 0);
    h->lport = H_LISTEN_PORT;
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    h->pport++;
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0); /* the backlog of 1 is taken */
    h_expect_none(h);                       /* dropped, not refused: the peer will retry */
    assert_int_equal(h_dropped(h, WEIR_DROP_TCP_LISTEN_OVERFLOW), 1);
    assert_int_equal(h_stats(h).tcp_conns, 2);
    h_finish(h);
}

static void listen_twice_is_harmless(void **state)
{
    (void)state;
    harness *h = h_new();
    h_listen(h);
    assert_int_equal(weir_tcp_listen(h->s, h->lsock, 8), 0);
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h_finish(h);
}

static void send_space_says_what_send_would_take(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    uint32_t cap = h_info(h).send_space;
    assert_int_equal(cap, 65536); /* the default send buffer */
    h_app_send(h, 1000);
    assert_int_equal(h_info(h).send_space, cap - 1000);
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    assert_int_equal(h_info(h).send_space, 0); /* and send is EPIPE */
    assert_int_equal(weir_tcp_send(h->s, h->sock, "x", 1), WEIR_EPIPE);
    h_flush(h);
    h_finish(h);
}

/* weir_tcp_list walks every record once, wherever it lives: sockets on no chain (fresh, bound),
 * the listener chain, the hash buckets (an accepted connection, a half-open child), and the
 * record goes from the list when it is freed. */
static void list_sees_every_record_once(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h); /* the listener and an accepted connection */
    h->pport++;
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0); /* a half-open child, no handle */
    h_flush(h);
    int fresh = weir_tcp_socket(h->s);
    int bound = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_bind(h->s, bound, (weir_endpoint){H_LOCAL_IP, 4242}), 0);
    weir_tcp_conn_summary sum[8];
    int n = weir_tcp_list(h->s, sum, 8);
    assert_int_equal(n, 5);
    assert_int_equal((int)h_stats(h).tcp_conns, 5);
    int listeners = 0, established = 0, half_open = 0, closed = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) /* each record once */
            assert_false(sum[i].sock >= 0 && sum[i].sock == sum[j].sock);
        listeners += sum[i].state == WEIR_TCP_LISTEN && sum[i].sock == h->lsock;
        established += sum[i].state == WEIR_TCP_ESTABLISHED && sum[i].sock == h->sock;
        half_open += sum[i].state == WEIR_TCP_SYN_RECEIVED && sum[i].sock == -1;
        closed += sum[i].state == WEIR_TCP_CLOSED && (sum[i].sock == fresh || sum[i].sock == bound);
    }
    assert_int_equal(listeners, 1);
    assert_int_equal(established, 1);
    assert_int_equal(half_open, 1);
    assert_int_equal(closed, 2);
    assert_int_equal(weir_tcp_list(h->s, sum, 2), 5); /* the count, whatever fits */
    assert_int_equal(weir_tcp_close(h->s, fresh), 0);
    assert_int_equal(weir_tcp_list(h->s, NULL, 0), 4);
    /* Closing the listener takes its half-open child with it. */
    assert_int_equal(weir_tcp_close(h->s, h->lsock), 0);
    h->lsock = -1;
    h_flush(h);
    assert_int_equal(weir_tcp_list(h->s, sum, 8), 2);
    assert_int_equal(weir_tcp_close(h->s, bound), 0);
    h_flush(h);
    h_finish(h);
}

/* weir_stack_create() refuses a configuration it cannot honour: WEIR_EINVAL, nothing created. */
static void bad_tcp_configuration_is_einval(void **state)
{
    (void)state;
    harness *h = h_new_config();
    weir_stack *s = NULL;
    weir_stack_config cfg = h->cfg;
    cfg.tcp.rto_slop_us = cfg.tcp.rto_max_us + 1; /* a slop no RTO could carry */
    assert_int_equal(weir_stack_create(&cfg, &s), WEIR_EINVAL);
    assert_null(s);
    cfg = h->cfg;
    cfg.tcp.persist_min_us = 5000000;
    cfg.tcp.persist_max_us = 4000000; /* a floor above the ceiling */
    assert_int_equal(weir_stack_create(&cfg, &s), WEIR_EINVAL);
    assert_null(s);
    cfg = h->cfg;
    cfg.tcp.rto_slop_us = cfg.tcp.rto_max_us;
    cfg.tcp.persist_min_us = 5000000; /* no ceiling of its own: rto_max_us is it */
    assert_int_equal(weir_stack_create(&cfg, &s), 0);
    weir_stack_destroy(s);
    h_start(h);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(stale_handle_is_ebadf_after_close_and_slot_reuse),
        H_TEST(handle_of_a_finished_connection_is_ebadf_after_close),
        H_TEST(garbage_handles_are_ebadf),
        H_TEST(send_and_recv_on_a_listening_socket_are_enotconn),
        H_TEST(connect_twice_is_ealready_then_eisconn),
        H_TEST(listen_without_bind_is_einval),
        H_TEST(bind_errors),
        H_TEST(connect_to_bad_addresses_is_einval),
        H_TEST(calls_on_an_unconnected_socket),
        H_TEST(send_after_shutdown_is_epipe_and_after_reset_is_the_error),
        H_TEST(socket_table_full_is_enobufs),
        H_TEST(freed_slots_are_reused_in_fifo_order),
        H_TEST(handle_table_beyond_65535_sockets),
        H_TEST(accept_with_handle_table_full_keeps_connection_queued),
        H_TEST(listen_backlog_full_drops_syn_silently),
        H_TEST(listen_twice_is_harmless),
        H_TEST(list_sees_every_record_once),
        H_TEST(closing_a_listener_frees_many_children),
        H_TEST(keepalive_times_are_seconds_in_linux_range),
        H_TEST(send_space_says_what_send_would_take),
        H_TEST(bad_tcp_configuration_is_einval),
    };
    return cmocka_run_group_tests_name("tcp_api", tests, NULL, NULL);
}
