/* test_tcp_ports.c — local ports (tcp_ports.h): the map against a brute-force model, and what
 * bind() and connect() make of it: RFC 6056 §2.2 (an ephemeral port is shared between
 * connections to different peers, never by one four-tuple), ports of bound sockets kept out of
 * connect()'s choice, EADDRINUSE for an overlapping bind(). */
#include "harness.h"

#include <stdlib.h>

#include "tcp/tcp_ports.h"

/* ---- the map itself --------------------------------------------------------------------- */

enum { MODEL_IPS = 3, MODEL_PORTS = 40 };

typedef struct port_model {
    uint32_t holders[MODEL_IPS][MODEL_PORTS], bound[MODEL_IPS][MODEL_PORTS];
} port_model;

static const uint32_t k_model_ips[MODEL_IPS] = {0, 0x0a000001u, 0x0a000002u};

static bool model_taken(const port_model *m, int ip, int port, bool bound_only)
{
    for (int i = 0; i < MODEL_IPS; i++) {
        bool overlaps = ip == 0 || i == 0 || i == ip;
        uint32_t n = bound_only ? m->bound[i][port] : m->holders[i][port];
        if (overlaps && n > 0)
            return true;
    }
    return false;
}

/* Random holds and releases, including growth and backward-shift removal with colliding runs,
 * checked against the model after every step; everything released frees the table. */
static void port_map_matches_a_brute_force_model(void **state)
{
    (void)state;
    harness *h = h_new();
    tcp_port_map map = {0};
    port_model model = {0};
    srand(7);
    for (int step = 0; step < 20000; step++) {
        int ip = rand() % MODEL_IPS, port = rand() % MODEL_PORTS;
        bool bound = rand() % 3 == 0;
        bool release = rand() % 2 == 0 && (bound ? model.bound[ip][port] : model.holders[ip][port] -
                                                                               model.bound[ip][port]) > 0;
        if (release) {
            tcp_ports_release(h->s, &map, k_model_ips[ip], (uint16_t)(1000 + port), bound);
            model.holders[ip][port]--;
            model.bound[ip][port] -= bound;
        } else {
            assert_int_equal(tcp_ports_hold(h->s, &map, k_model_ips[ip], (uint16_t)(1000 + port), bound), 0);
            model.holders[ip][port]++;
            model.bound[ip][port] += bound;
        }
        int qip = rand() % MODEL_IPS, qport = rand() % MODEL_PORTS;
        for (int b = 0; b < 2; b++)
            assert_int_equal(tcp_ports_taken(&map, k_model_ips[qip], (uint16_t)(1000 + qport), b),
                             model_taken(&model, qip, qport, b));
    }
    for (int ip = 0; ip < MODEL_IPS; ip++)
        for (int port = 0; port < MODEL_PORTS; port++)
            for (; model.holders[ip][port] > 0; model.holders[ip][port]--) {
                bool bound = model.bound[ip][port] > 0;
                model.bound[ip][port] -= bound;
                tcp_ports_release(h->s, &map, k_model_ips[ip], (uint16_t)(1000 + port), bound);
            }
    assert_null(map.slots);
    assert_int_equal(map.count, 0);
    h_finish(h);
}

/* ---- through the API -------------------------------------------------------------------- */

static int connect_from(harness *h, uint32_t peer_ip, uint16_t peer_port)
{
    int s = weir_tcp_socket(h->s);
    assert_true(s >= 0);
    h_track(h, s);
    int rc = weir_tcp_connect(h->s, s, (weir_endpoint){peer_ip, peer_port});
    return rc == 0 ? s : rc;
}

static uint16_t local_port_of(harness *h, int sock)
{
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, sock, &info), 0);
    return info.local.port;
}

/* One ephemeral port: connections to three different peers all get it; a second connection to
 * one of them finds no four-tuple left. */
static void one_ephemeral_port_serves_different_peers(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.ephemeral_lo = h->cfg.ephemeral_hi = 50000;
    h_start(h);
    for (uint16_t i = 0; i < 3; i++) {
        int s = connect_from(h, H_PEER_IP, (uint16_t)(80 + i));
        assert_true(s >= 0);
        assert_int_equal(local_port_of(h, s), 50000);
    }
    assert_int_equal(connect_from(h, H_PEER_IP, 80), WEIR_EADDRINUSE);
    /* bind(port 0) needs a port no one holds. */
    int b = weir_tcp_socket(h->s);
    h_track(h, b);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){0, 0}), WEIR_EADDRINUSE);
    h_flush(h);
    h_finish(h);
}

/* A listener's port is not an ephemeral choice for connect(), and an outgoing connection's port
 * cannot be bound. */
static void bound_ports_are_kept_out_of_connect(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.ephemeral_lo = 50000;
    h->cfg.ephemeral_hi = 50001;
    h_start(h);
    int l = weir_tcp_socket(h->s);
    h_track(h, l);
    assert_int_equal(weir_tcp_bind(h->s, l, (weir_endpoint){0, 50000}), 0);
    assert_int_equal(weir_tcp_listen(h->s, l, 4), 0);
    for (uint16_t i = 0; i < 4; i++) {
        int s = connect_from(h, H_PEER_IP, (uint16_t)(80 + i));
        assert_true(s >= 0);
        assert_int_equal(local_port_of(h, s), 50001);
    }
    int b = weir_tcp_socket(h->s);
    h_track(h, b);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){H_LOCAL_IP, 50001}), WEIR_EADDRINUSE);
    h_flush(h);
    h_finish(h);
}

/* A socket bound to the wildcard address, then connected: the port stays taken (now on the
 * interface's address) until the socket goes, then it is free again. */
static void wildcard_bound_socket_keeps_its_port_through_connect(void **state)
{
    (void)state;
    harness *h = h_new();
    int a = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_bind(h->s, a, (weir_endpoint){0, 7000}), 0);
    assert_int_equal(weir_tcp_connect(h->s, a, (weir_endpoint){H_PEER_IP, 80}), 0);
    int b = weir_tcp_socket(h->s);
    h_track(h, b);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){H_LOCAL_IP, 7000}), WEIR_EADDRINUSE);
    assert_int_equal(weir_tcp_abort(h->s, a), 0);
    h_flush(h);
    assert_int_equal(weir_tcp_bind(h->s, b, (weir_endpoint){H_LOCAL_IP, 7000}), 0);
    h_flush(h);
    h_finish(h);
}

/* Accepted connections do not hold their listener's port: once the listener is closed a new one
 * can bind it while the accepted connection lives on. */
static void closed_listener_port_can_be_bound_again(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    assert_int_equal(weir_tcp_close(h->s, h->lsock), 0);
    h->lsock = -1;
    int l = weir_tcp_socket(h->s);
    h_track(h, l);
    assert_int_equal(weir_tcp_bind(h->s, l, (weir_endpoint){H_LOCAL_IP, H_LISTEN_PORT}), 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    h_flush(h);
    h_finish(h);
}

/* RFC 9293 §3.9.1.1 MUST-42: an application can LISTEN on a port while a connection from that
 * port is in SYN-SENT. With WEIR_TCP_OPT_REUSEADDR, bind() takes the port the connecting socket
 * holds; a SYN from another peer then reaches the listener while the SYN-ACK of the active open
 * reaches its connection. Without the option the port is taken, and a second listener on it is
 * refused either way. */
static void reuseaddr_lets_a_listener_share_the_port_of_a_connection_being_set_up(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_sent(h);
    uint16_t port = h->lport;
    int plain = weir_tcp_socket(h->s), l = weir_tcp_socket(h->s), l2 = weir_tcp_socket(h->s);
    h_track(h, plain);
    h_track(h, l);
    h_track(h, l2);
    assert_int_equal(weir_tcp_bind(h->s, plain, (weir_endpoint){0, port}), WEIR_EADDRINUSE);
    assert_int_equal(weir_tcp_setopt(h->s, l, WEIR_TCP_OPT_REUSEADDR, 2), WEIR_EINVAL);
    assert_int_equal(weir_tcp_setopt(h->s, l, WEIR_TCP_OPT_REUSEADDR, 1), 0);
    int v = 0;
    assert_int_equal(weir_tcp_getopt(h->s, l, WEIR_TCP_OPT_REUSEADDR, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(weir_tcp_bind(h->s, l, (weir_endpoint){0, port}), 0);
    assert_int_equal(weir_tcp_setopt(h->s, l, WEIR_TCP_OPT_REUSEADDR, 0), WEIR_ESTATE);
    /* A second socket with the option binds there too, while nobody listens; once one listens,
     * the other can neither listen nor a third bind. */
    assert_int_equal(weir_tcp_setopt(h->s, l2, WEIR_TCP_OPT_REUSEADDR, 1), 0);
    assert_int_equal(weir_tcp_bind(h->s, l2, (weir_endpoint){H_LOCAL_IP, port}), 0);
    assert_int_equal(weir_tcp_listen(h->s, l, 4), 0);
    assert_int_equal(weir_tcp_listen(h->s, l2, 4), WEIR_EADDRINUSE);
    int l3 = weir_tcp_socket(h->s);
    h_track(h, l3);
    assert_int_equal(weir_tcp_setopt(h->s, l3, WEIR_TCP_OPT_REUSEADDR, 1), 0);
    assert_int_equal(weir_tcp_bind(h->s, l3, (weir_endpoint){0, port}), WEIR_EADDRINUSE);
    /* The active open completes: its SYN-ACK goes to the connection, not to the listener. */
    h_send(h, H_SYN | H_ACK, 0, 1, H_WIN, NULL, 0);
    h_expect(h, H_ACK, 1, 1, 0);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    /* A SYN from another peer port reaches the listener. */
    uint16_t peer = h->pport;
    h->pport = (uint16_t)(peer + 1);
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_int_equal(g.sport, port);
    assert_int_equal(g.dport, h->pport);
    h->pport = peer;
    h_flush(h);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(port_map_matches_a_brute_force_model),
        H_TEST(one_ephemeral_port_serves_different_peers),
        H_TEST(bound_ports_are_kept_out_of_connect),
        H_TEST(wildcard_bound_socket_keeps_its_port_through_connect),
        H_TEST(closed_listener_port_can_be_bound_again),
        H_TEST(reuseaddr_lets_a_listener_share_the_port_of_a_connection_being_set_up),
    };
    return cmocka_run_group_tests_name("tcp_ports", tests, NULL, NULL);
}
