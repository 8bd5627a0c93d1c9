/* test_ip.c — the IPv4 layer as a host: UDP sockets (RFC 768, RFC 1122 §4.1), ICMP echo sockets,
 * destination-unreachable messages we send (RFC 1122 §3.2.2, RFC 1812 §4.3.2.8 rate limit) and
 * ICMP errors delivered to the socket whose packet they quote (RFC 9293 MUST-54, MUST-56,
 * SHLD-26, RFC 5927, RFC 1191), Source Quench ignored (MUST-55), SYNs to broadcast and multicast
 * addresses discarded (MUST-57).
 *
 * One stack with one interface (10.0.0.1/24); frames it sends are captured, frames from the
 * "peer" 10.0.0.2 are built with the wire emitters and handed to weir_netif_input. */
#include <string.h>

#include "ip_fixture.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define LOCAL_IP FX_LOCAL_IP
#define PEER_IP 0x0a000002u
#define MTU FX_MTU

/* The next captured frame, parsed as IPv4; fails when there is none. */
static weir_ipv4_repr fx_pop_ip(fixture *f)
{
    assert_true(f->next < f->count);
    weir_ipv4_repr ip;
    assert_int_equal(weir_ipv4_parse(f->frames[f->next], f->lens[f->next], true, &ip),
                     WEIR_WIRE_OK);
    f->next++;
    return ip;
}

static void fx_expect_none(fixture *f) { assert_int_equal(f->next, f->count); }

static void fx_inject_ip(fixture *f, uint32_t src, uint32_t dst, uint8_t proto,
                         const uint8_t *payload, size_t len)
{
    fx_inject_ip_on(f, f->netif, src, dst, proto, payload, len);
}

static void fx_inject_udp(fixture *f, uint32_t dst, uint16_t sport, uint16_t dport,
                          const char *text)
{
    uint8_t buf[MTU];
    weir_udp_repr u = {.src_port = sport, .dst_port = dport, .payload = (const uint8_t *)text,
                       .payload_len = strlen(text)};
    int n = weir_udp_emit(&u, PEER_IP, dst, buf, sizeof buf);
    assert_true(n > 0);
    fx_inject_ip(f, PEER_IP, dst, WEIR_IP_PROTO_UDP, buf, (size_t)n);
}

/* An ICMP error from the peer quoting `quoted` (an IP packet we sent). */
static void fx_inject_icmp_error(fixture *f, uint8_t type, uint8_t code, uint16_t mtu,
                                 const uint8_t *quoted, size_t qlen)
{
    uint8_t buf[MTU];
    weir_icmp_repr m = {.type = type, .code = code, .mtu = mtu, .payload = quoted,
                        .payload_len = qlen};
    int n = weir_icmp_emit(&m, buf, sizeof buf);
    assert_true(n > 0);
    fx_inject_ip(f, PEER_IP, LOCAL_IP, WEIR_IP_PROTO_ICMP, buf, (size_t)n);
}

/* ---- UDP ---------------------------------------------------------------------------------- */

static void udp_datagram_reaches_the_bound_socket(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int u = weir_udp_socket(f->s);
    assert_true(u >= 0);
    assert_int_equal(weir_udp_bind(f->s, u, (weir_endpoint){0, 5353}), 0);
    fx_inject_udp(f, LOCAL_IP, 4000, 5353, "hello");
    assert_true(fx_event(f, u, WEIR_EV_READABLE, NULL));
    char buf[16];
    weir_endpoint from;
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, &from), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(from.ip, PEER_IP);
    assert_int_equal(from.port, 4000);
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, &from), WEIR_EAGAIN);
    fx_expect_none(f);
    assert_int_equal(fx_counter(f, WEIR_CTR_UDP_DATAGRAMS_IN), 1);
    assert_int_equal(weir_udp_close(f->s, u), 0);
    assert_int_equal(weir_udp_close(f->s, u), WEIR_EBADF);
    fx_free(f);
}

static void udp_longer_datagram_is_truncated_to_the_buffer(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int u = weir_udp_socket(f->s);
    assert_int_equal(weir_udp_bind(f->s, u, (weir_endpoint){LOCAL_IP, 53}), 0);
    fx_inject_udp(f, LOCAL_IP, 4000, 53, "abcdefgh");
    fx_inject_udp(f, LOCAL_IP, 4000, 53, "second");
    char buf[4];
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, NULL), 4);
    assert_memory_equal(buf, "abcd", 4);
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, NULL), 4);
    assert_memory_equal(buf, "seco", 4); /* the rest of the first one was discarded */
    fx_free(f);
}

static void udp_to_a_closed_port_is_answered_with_port_unreachable(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    fx_inject_udp(f, LOCAL_IP, 4000, 9999, "anyone?");
    assert_int_equal(fx_drops(f, WEIR_DROP_UDP_NO_SOCKET), 1);
    weir_ipv4_repr ip = fx_pop_ip(f);
    assert_int_equal(ip.protocol, WEIR_IP_PROTO_ICMP);
    assert_int_equal(ip.src, LOCAL_IP);
    assert_int_equal(ip.dst, PEER_IP);
    weir_icmp_repr m;
    assert_int_equal(weir_icmp_parse(ip.payload, ip.payload_len, true, &m), WEIR_WIRE_OK);
    assert_int_equal(m.type, WEIR_ICMP_DEST_UNREACH);
    assert_int_equal(m.code, WEIR_ICMP_UNREACH_PORT);
    /* The whole offending datagram is quoted: 20 + 8 + 7 bytes. */
    assert_int_equal(m.payload_len, 35);
    weir_ipv4_repr q;
    assert_int_equal(weir_ipv4_parse(m.payload, m.payload_len, true, &q), WEIR_WIRE_OK);
    assert_int_equal(q.src, PEER_IP);
    fx_expect_none(f);
    fx_free(f);
}

static void no_icmp_error_about_a_broadcast_or_an_icmp_error(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    fx_inject_udp(f, 0x0a0000ffu, 4000, 9999, "to all"); /* the subnet's broadcast */
    fx_expect_none(f);
    /* An ICMP error for which nobody matches is dropped silently, never answered. */
    uint8_t quoted[28] = {0x45};
    fx_inject_icmp_error(f, WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_PORT, 0, quoted,
                         sizeof quoted);
    fx_expect_none(f);
    fx_free(f);
}

static void icmp_errors_are_rate_limited(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    for (int i = 0; i < 150; i++)
        fx_inject_udp(f, LOCAL_IP, 4000, 9999, "x");
    assert_int_equal(f->count, 100); /* a burst of cfg.icmp_error_rate */
    assert_int_equal(fx_counter(f, WEIR_CTR_ICMP_RATE_LIMITED), 50);
    f->now += 100000; /* 100 ms: ten more tokens */
    for (int i = 0; i < 20; i++)
        fx_inject_udp(f, LOCAL_IP, 4000, 9999, "x");
    assert_int_equal(f->count, 110);
    fx_free(f);
}

static void udp_sendto_emits_a_checksummed_datagram(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int u = weir_udp_socket(f->s);
    weir_endpoint to = {PEER_IP, 53};
    assert_int_equal(weir_udp_sendto(f->s, u, "query", 5, &to), 5);
    weir_endpoint local;
    assert_int_equal(weir_udp_local(f->s, u, &local), 0);
    assert_true(local.port >= 49152); /* bound to a random ephemeral port on first send */
    weir_ipv4_repr ip = fx_pop_ip(f);
    assert_int_equal(ip.protocol, WEIR_IP_PROTO_UDP);
    assert_int_equal(ip.src, LOCAL_IP);
    weir_udp_repr d;
    assert_int_equal(weir_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, true, &d),
                     WEIR_WIRE_OK);
    assert_int_equal(d.src_port, local.port);
    assert_int_equal(d.dst_port, 53);
    assert_memory_equal(d.payload, "query", 5);
    /* Too large for the MTU (we never fragment), and nowhere to go. */
    static uint8_t big[2000];
    assert_int_equal(weir_udp_sendto(f->s, u, big, sizeof big, &to), WEIR_EMSGSIZE);
    assert_int_equal(weir_udp_sendto(f->s, u, "x", 1, NULL), WEIR_ENOTCONN);
    fx_free(f);
}

static void udp_ports_conflict_and_ephemeral_ports_are_random(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int a = weir_udp_socket(f->s), b = weir_udp_socket(f->s);
    assert_int_equal(weir_udp_bind(f->s, a, (weir_endpoint){0, 7000}), 0);
    assert_int_equal(weir_udp_bind(f->s, b, (weir_endpoint){LOCAL_IP, 7000}), WEIR_EADDRINUSE);
    assert_int_equal(weir_udp_bind(f->s, b, (weir_endpoint){0x0b000001u, 7001}), WEIR_EINVAL);
    uint16_t ports[4];
    for (int i = 0; i < 4; i++) {
        int c = weir_udp_socket(f->s);
        assert_int_equal(weir_udp_bind(f->s, c, (weir_endpoint){0, 0}), 0);
        weir_endpoint e;
        weir_udp_local(f->s, c, &e);
        ports[i] = e.port;
    }
    /* Not a sequence: each draw is random (RFC 6056 §3.3.1). */
    assert_false(ports[1] == ports[0] + 1 && ports[2] == ports[1] + 1);
    /* A UDP handle is not a TCP socket. */
    assert_int_equal(weir_tcp_listen(f->s, a, 1), WEIR_EBADF);
    fx_free(f);
}

static void connected_udp_socket_filters_and_reports_port_unreachable(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int u = weir_udp_socket(f->s);
    assert_int_equal(weir_udp_connect(f->s, u, (weir_endpoint){PEER_IP, 53}), 0);
    weir_endpoint local;
    weir_udp_local(f->s, u, &local);
    fx_inject_udp(f, LOCAL_IP, 54, local.port, "other port"); /* not from the peer */
    char buf[32];
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, NULL), WEIR_EAGAIN);
    f->next = f->count; /* (the port unreachable we answered with) */
    assert_int_equal(weir_udp_sendto(f->s, u, "q", 1, NULL), 1);
    weir_ipv4_repr sent = fx_pop_ip(f);
    (void)sent;
    fx_inject_icmp_error(f, WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_PORT, 0,
                         f->frames[f->count - 1], 28);
    int err = 0;
    assert_true(fx_event(f, u, WEIR_EV_ERROR, &err));
    assert_int_equal(err, WEIR_ECONNREFUSED);
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, NULL), WEIR_ECONNREFUSED);
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, NULL), WEIR_EAGAIN);
    assert_int_equal(fx_counter(f, WEIR_CTR_ICMP_ERRORS_IN), 1);
    fx_free(f);
}

static void udp_receive_queue_is_bounded(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int u = weir_udp_socket(f->s);
    weir_udp_bind(f->s, u, (weir_endpoint){0, 5000});
    static char text[1001];
    memset(text, 'a', 1000);
    for (int i = 0; i < 70; i++)
        fx_inject_udp(f, LOCAL_IP, 4000, 5000, text);
    assert_int_equal(fx_counter(f, WEIR_CTR_UDP_DATAGRAMS_IN), 65); /* 65536 / 1000 */
    assert_int_equal(fx_drops(f, WEIR_DROP_UDP_RCVBUF_FULL), 5);
    fx_free(f); /* queued datagrams are freed with the stack (ASan checks) */
}

/* ---- ping sockets ------------------------------------------------------------------------- */

static void ping_socket_sends_a_request_and_takes_its_reply(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int p = weir_ping_socket(f->s);
    assert_true(p >= 0);
    int ident = weir_ping_ident(f->s, p);
    assert_true(ident > 0);
    assert_int_equal(weir_ping_send(f->s, p, PEER_IP, 7, "ping!", 5), 0);
    weir_ipv4_repr ip = fx_pop_ip(f);
    weir_icmp_repr m;
    assert_int_equal(weir_icmp_parse(ip.payload, ip.payload_len, true, &m), WEIR_WIRE_OK);
    assert_int_equal(m.type, WEIR_ICMP_ECHO_REQUEST);
    assert_int_equal(m.ident, ident);
    assert_int_equal(m.seq, 7);
    /* The peer answers; a reply with another identifier is not ours. */
    uint8_t buf[64];
    weir_icmp_repr r = {.type = WEIR_ICMP_ECHO_REPLY, .ident = (uint16_t)(ident + 1), .seq = 7,
                        .payload = (const uint8_t *)"ping!", .payload_len = 5};
    int n = weir_icmp_emit(&r, buf, sizeof buf);
    fx_inject_ip(f, PEER_IP, LOCAL_IP, WEIR_IP_PROTO_ICMP, buf, (size_t)n);
    assert_int_equal(fx_drops(f, WEIR_DROP_ICMP_UNHANDLED), 1);
    r.ident = (uint16_t)ident;
    n = weir_icmp_emit(&r, buf, sizeof buf);
    fx_inject_ip(f, PEER_IP, LOCAL_IP, WEIR_IP_PROTO_ICMP, buf, (size_t)n);
    assert_true(fx_event(f, p, WEIR_EV_READABLE, NULL));
    weir_ping_reply rep;
    char data[8];
    assert_int_equal(weir_ping_recv(f->s, p, &rep, data, sizeof data), 0);
    assert_int_equal(rep.from, PEER_IP);
    assert_int_equal(rep.seq, 7);
    assert_int_equal(rep.ttl, 61);
    assert_int_equal(rep.len, 5);
    assert_memory_equal(data, "ping!", 5);
    assert_int_equal(weir_ping_recv(f->s, p, &rep, data, sizeof data), WEIR_EAGAIN);
    assert_int_equal(weir_ping_close(f->s, p), 0);
    fx_free(f);
}

static void ping_to_an_unreachable_host_reports_the_error(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int p = weir_ping_socket(f->s);
    assert_int_equal(weir_ping_send(f->s, p, PEER_IP, 1, "x", 1), 0);
    fx_inject_icmp_error(f, WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_HOST, 0, f->frames[0], 28);
    int err = 0;
    assert_true(fx_event(f, p, WEIR_EV_ERROR, &err));
    assert_int_equal(err, WEIR_EHOSTUNREACH);
    weir_ping_reply rep;
    assert_int_equal(weir_ping_recv(f->s, p, &rep, NULL, 0), WEIR_EHOSTUNREACH);
    fx_free(f);
}

static void echo_request_to_us_is_answered(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    uint8_t buf[64];
    weir_icmp_repr r = {.type = WEIR_ICMP_ECHO_REQUEST, .ident = 9, .seq = 3,
                        .payload = (const uint8_t *)"abc", .payload_len = 3};
    int n = weir_icmp_emit(&r, buf, sizeof buf);
    fx_inject_ip(f, PEER_IP, LOCAL_IP, WEIR_IP_PROTO_ICMP, buf, (size_t)n);
    weir_ipv4_repr ip = fx_pop_ip(f);
    weir_icmp_repr m;
    assert_int_equal(weir_icmp_parse(ip.payload, ip.payload_len, true, &m), WEIR_WIRE_OK);
    assert_int_equal(m.type, WEIR_ICMP_ECHO_REPLY);
    assert_int_equal(m.ident, 9);
    assert_int_equal(m.seq, 3);
    fx_free(f);
}

static void unknown_protocol_is_answered_with_protocol_unreachable(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    uint8_t payload[8] = {0};
    fx_inject_ip(f, PEER_IP, LOCAL_IP, 132 /* SCTP */, payload, sizeof payload);
    weir_ipv4_repr ip = fx_pop_ip(f);
    weir_icmp_repr m;
    assert_int_equal(weir_icmp_parse(ip.payload, ip.payload_len, true, &m), WEIR_WIRE_OK);
    assert_int_equal(m.code, WEIR_ICMP_UNREACH_PROTOCOL);
    fx_free(f);
}

/* ---- ICMP errors and TCP ----------------------------------------------------------------- */

static int connect_to_peer(fixture *f, uint16_t port)
{
    int t = weir_tcp_socket(f->s);
    assert_int_equal(weir_tcp_connect(f->s, t, (weir_endpoint){PEER_IP, port}), 0);
    return t;
}

static void port_unreachable_aborts_a_connection_being_set_up(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int t = connect_to_peer(f, 80);
    assert_int_equal(f->count, 1); /* the SYN */
    fx_inject_icmp_error(f, WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_PORT, 0, f->frames[0], 28);
    int err = 0;
    assert_true(fx_event(f, t, WEIR_EV_ERROR, &err));
    assert_int_equal(err, WEIR_ECONNREFUSED);
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(f->s, t, &info), 0);
    assert_int_equal(info.state, WEIR_TCP_CLOSED);
    fx_free(f);
}

static void icmp_error_quoting_an_unsent_sequence_number_is_ignored(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int t = connect_to_peer(f, 80);
    uint8_t forged[28];
    memcpy(forged, f->frames[0], 28);
    forged[24] ^= 0x80; /* a sequence number far from our ISS: a blind guess (RFC 5927) */
    fx_inject_icmp_error(f, WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_PORT, 0, forged, 28);
    assert_int_equal(fx_drops(f, WEIR_DROP_ICMP_ERROR_UNMATCHED), 1);
    assert_false(fx_event(f, t, WEIR_EV_ERROR, NULL));
    fx_free(f);
}

static void soft_error_is_reported_when_the_connection_times_out(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int t = connect_to_peer(f, 80);
    fx_inject_icmp_error(f, WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_HOST, 0, f->frames[0], 28);
    weir_event ev;
    bool fatal = false, soft = false;
    while (weir_stack_next_event(f->s, &ev)) {
        fatal |= ev.sock == t && ev.type == WEIR_EV_ERROR;
        soft |= ev.sock == t && ev.type == WEIR_EV_SOFT_ERROR && ev.err == WEIR_EHOSTUNREACH;
    }
    assert_false(fatal); /* MUST-56: soft, not an abort */
    assert_true(soft);   /* SHLD-25: and the application hears of it at once */
    int err = 0;
    for (int i = 0; i < 20 && !fx_event(f, t, WEIR_EV_ERROR, &err); i++) {
        f->now = weir_stack_next_deadline(f->s);
        f->count = f->next = 0; /* the SYN retransmissions */
        weir_stack_poll(f->s, f->now);
    }
    assert_int_equal(err, WEIR_EHOSTUNREACH);
    fx_free(f);
}

static void fragmentation_needed_lowers_the_mss_and_resends(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int t = connect_to_peer(f, 80);
    weir_ipv4_repr syn = fx_pop_ip(f);
    weir_tcp_repr s1;
    assert_int_equal(weir_tcp_parse(syn.payload, syn.payload_len, syn.src, syn.dst, true, &s1),
                     WEIR_WIRE_OK);
    /* SYN-ACK with MSS 1460, then 3000 bytes from the application. */
    uint8_t seg[64];
    weir_tcp_repr sa = {.src_port = 80, .dst_port = s1.src_port, .seq = 5000,
                        .ack = s1.seq + 1, .flags = WEIR_TCP_FLAG_SYN | WEIR_TCP_FLAG_ACK,
                        .window = 65535};
    sa.opt.has_mss = true;
    sa.opt.mss = 1460;
    int n = weir_tcp_emit(&sa, PEER_IP, LOCAL_IP, seg, sizeof seg);
    fx_inject_ip(f, PEER_IP, LOCAL_IP, WEIR_IP_PROTO_TCP, seg, (size_t)n);
    static uint8_t data[3000];
    assert_int_equal(weir_tcp_send(f->s, t, data, sizeof data), 3000);
    f->next = f->count - 3; /* ACK of the SYN-ACK, 1460, 1460 ... */
    unsigned before = f->count;
    weir_ipv4_repr first = fx_pop_ip(f);
    (void)first;
    /* A router on the way carries only 1200-byte packets. */
    fx_inject_icmp_error(f, WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_NEEDFRAG, 1200,
                         f->frames[before - 2], 28);
    assert_int_equal(fx_counter(f, WEIR_CTR_TCP_PMTU_REDUCED), 1);
    weir_tcp_info info;
    weir_tcp_get_info(f->s, t, &info);
    assert_int_equal(info.snd_mss, 1160);
    f->next = before;
    weir_ipv4_repr again = fx_pop_ip(f);
    assert_int_equal(again.payload_len, 20 + 1160); /* resent at the new size */
    fx_free(f);
}

/* The events waiting for `sock`: whether an error and a soft error came (and its err). */
static void drain_events(fixture *f, int sock, bool *fatal, bool *soft, int *soft_err)
{
    weir_event ev;
    *fatal = *soft = false;
    while (weir_stack_next_event(f->s, &ev)) {
        *fatal |= ev.sock == sock && ev.type == WEIR_EV_ERROR;
        if (ev.sock == sock && ev.type == WEIR_EV_SOFT_ERROR) {
            *soft = true;
            *soft_err = ev.err;
        }
    }
}

static weir_tcp_state state_of(fixture *f, int sock)
{
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(f->s, sock, &info), 0);
    return info.state;
}

/* RFC 9293 MUST-55 (§3.9.2.2): TCP silently discards ICMP Source Quench (RFC 6633). One quoting
 * the SYN of a connection being set up changes nothing: no event, no state change, no answer;
 * it is a counted drop. */
static void source_quench_is_silently_discarded(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int t = connect_to_peer(f, 80);
    f->next = f->count; /* the SYN */
    fx_inject_icmp_error(f, 4 /* Source Quench */, 0, 0, f->frames[0], 28);
    bool fatal, soft;
    int err = 0;
    drain_events(f, t, &fatal, &soft, &err);
    assert_false(fatal);
    assert_false(soft);
    assert_int_equal(state_of(f, t), WEIR_TCP_SYN_SENT);
    assert_int_equal(fx_drops(f, WEIR_DROP_ICMP_UNHANDLED), 1);
    fx_expect_none(f);
    fx_free(f);
}

/* An ICMP soft error of `type` quoting the SYN of a connection being set up: the connection
 * hears of it (SHLD-25), so the message did reach it, and goes on in SYN-SENT. */
static void soft_icmp_error_does_not_abort(uint8_t type, uint8_t code)
{
    fixture *f = fx_new(42);
    int t = connect_to_peer(f, 80);
    f->next = f->count;
    fx_inject_icmp_error(f, type, code, 0, f->frames[0], 28);
    bool fatal, soft;
    int err = 0;
    drain_events(f, t, &fatal, &soft, &err);
    assert_false(fatal);
    assert_true(soft);
    assert_int_equal(err, WEIR_EHOSTUNREACH);
    assert_int_equal(state_of(f, t), WEIR_TCP_SYN_SENT);
    fx_expect_none(f);
    fx_free(f);
}

/* RFC 9293 MUST-56 (§3.9.2.2): Time Exceeded (codes 0 and 1) is a soft error; TCP must not abort
 * the connection — not even one being set up, where a hard error would end it. */
static void time_exceeded_does_not_abort_a_connection(void **state)
{
    (void)state;
    soft_icmp_error_does_not_abort(WEIR_ICMP_TIME_EXCEEDED, 0);
    soft_icmp_error_does_not_abort(WEIR_ICMP_TIME_EXCEEDED, 1);
}

/* RFC 9293 MUST-56 (§3.9.2.2): so is Parameter Problem. */
static void parameter_problem_does_not_abort_a_connection(void **state)
{
    (void)state;
    soft_icmp_error_does_not_abort(WEIR_ICMP_PARAM_PROBLEM, 0);
}

/* A SYN from the peer to `dst`, port 80. */
static void inject_syn(fixture *f, uint32_t dst)
{
    uint8_t seg[64];
    weir_tcp_repr syn = {.src_port = 40000, .dst_port = 80, .seq = 1000,
                         .flags = WEIR_TCP_FLAG_SYN, .window = 65535};
    int n = weir_tcp_emit(&syn, PEER_IP, dst, seg, sizeof seg);
    assert_true(n > 0);
    fx_inject_ip(f, PEER_IP, dst, WEIR_IP_PROTO_TCP, seg, (size_t)n);
}

/* RFC 9293 MUST-57 (§3.9.2.3): a SYN addressed to a broadcast or multicast address is silently
 * discarded: no SYN-ACK, no RST, no connection, even with a listener on every address. The same
 * SYN to our own address is answered. */
static void syn_to_a_broadcast_or_multicast_address_is_silently_discarded(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int l = weir_tcp_socket(f->s);
    assert_int_equal(weir_tcp_bind(f->s, l, (weir_endpoint){0, 80}), 0);
    assert_int_equal(weir_tcp_listen(f->s, l, 4), 0);
    const uint32_t to[] = {0x0a0000ffu /* the subnet's broadcast */, 0xffffffffu,
                           0xe0000001u /* 224.0.0.1 */, 0xefffffffu};
    for (unsigned i = 0; i < sizeof to / sizeof to[0]; i++)
        inject_syn(f, to[i]);
    fx_expect_none(f);
    weir_stats st;
    weir_stats_get(f->s, &st);
    assert_int_equal(st.tcp_conns, 1); /* the listener alone */
    assert_int_equal(fx_counter(f, WEIR_CTR_TCP_PASSIVE_OPENS), 0);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_NOT_FOR_US), 4);

    inject_syn(f, LOCAL_IP);
    weir_ipv4_repr ip = fx_pop_ip(f);
    weir_tcp_repr r;
    assert_int_equal(weir_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, true, &r),
                     WEIR_WIRE_OK);
    assert_int_equal(r.flags, WEIR_TCP_FLAG_SYN | WEIR_TCP_FLAG_ACK);
    fx_free(f);
}

/* ---- fragments ------------------------------------------------------------------------- */

/* Cut a UDP datagram to 5000 into fragments of `step` payload bytes (a multiple of 8) and inject
 * them in the order given by `order` (indexes), `count` of them. */
static void inject_fragments(fixture *f, uint16_t ident, const uint8_t *udp, size_t len,
                             size_t step, const int *order, int count)
{
    for (int k = 0; k < count; k++) {
        size_t off = (size_t)order[k] * step;
        size_t n = len - off < step ? len - off : step;
        uint8_t pkt[MTU];
        weir_ipv4_repr ip = {.src = PEER_IP, .dst = LOCAL_IP, .protocol = WEIR_IP_PROTO_UDP,
                             .ttl = 64, .ident = ident, .more_fragments = off + n < len,
                             .frag_offset = (uint16_t)off, .payload_len = n};
        assert_int_equal(weir_ipv4_emit_header(&ip, pkt, sizeof pkt), 20);
        memcpy(pkt + 20, udp + off, n);
        assert_int_equal(weir_netif_input(f->s, f->netif, pkt, 20 + n, f->now), 0);
    }
}

static size_t big_udp(uint8_t *buf, size_t payload)
{
    static uint8_t data[4000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    weir_udp_repr u = {.src_port = 4000, .dst_port = 5000, .payload = data, .payload_len = payload};
    int n = weir_udp_emit(&u, PEER_IP, LOCAL_IP, buf, 8 + payload);
    assert_int_equal(n, (int)(8 + payload));
    return (size_t)n;
}

static void fragmented_datagram_is_reassembled_in_any_order(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    int u = weir_udp_socket(f->s);
    weir_udp_bind(f->s, u, (weir_endpoint){0, 5000});
    static uint8_t udp[4008];
    size_t len = big_udp(udp, 3000);
    const int order[] = {2, 1, 1, 0}; /* the last first, and a duplicate */
    inject_fragments(f, 77, udp, len, 1024, order, 4);
    static uint8_t got[4000];
    assert_int_equal(weir_udp_recvfrom(f->s, u, got, sizeof got, NULL), 3000);
    assert_memory_equal(got, udp + 8, 3000);
    weir_stats st;
    weir_stats_get(f->s, &st);
    assert_int_equal(st.counters[WEIR_CTR_IP_REASSEMBLED], 1);
    assert_int_equal(weir_stack_next_deadline(f->s), UINT64_MAX); /* nothing left pending */
    fx_free(f);
}

static void incomplete_datagram_is_discarded_after_the_timeout(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    weir_stats st;
    weir_stats_get(f->s, &st);
    uint64_t mem = st.mem_in_use;
    static uint8_t udp[4008];
    size_t len = big_udp(udp, 3000);
    const int order[] = {0, 2};
    inject_fragments(f, 78, udp, len, 1024, order, 2);
    weir_stats_get(f->s, &st);
    assert_true(st.mem_in_use > mem);
    assert_int_equal(weir_stack_next_deadline(f->s), f->now + 30000000);
    f->now += 30000000;
    weir_stack_poll(f->s, f->now);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_FRAG_TIMEOUT), 1);
    weir_stats_get(f->s, &st);
    assert_int_equal(st.mem_in_use, mem);
    fx_free(f);
}

static void fragment_floods_are_bounded(void **state)
{
    (void)state;
    fixture *f = fx_new(42);
    static uint8_t udp[4008];
    size_t len = big_udp(udp, 3000);
    const int first[] = {0};
    for (uint16_t id = 1; id <= 6; id++)
        inject_fragments(f, id, udp, len, 1024, first, 1);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_FRAG_TABLE_FULL), 2); /* 4 in progress at most */
    /* A middle fragment whose length is not a multiple of 8, and one reaching past 65535. */
    inject_fragments(f, 9, udp, len, 1020, first, 1);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_FRAG_INVALID), 1);
    uint8_t pkt[64];
    weir_ipv4_repr ip = {.src = PEER_IP, .dst = LOCAL_IP, .protocol = WEIR_IP_PROTO_UDP,
                         .ttl = 64, .ident = 10, .more_fragments = true, .frag_offset = 65528,
                         .payload_len = 16};
    weir_ipv4_emit_header(&ip, pkt, sizeof pkt);
    assert_int_equal(weir_netif_input(f->s, f->netif, pkt, 36, f->now), 0);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_FRAG_INVALID), 2);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_datagram_reaches_the_bound_socket),
        cmocka_unit_test(udp_longer_datagram_is_truncated_to_the_buffer),
        cmocka_unit_test(udp_to_a_closed_port_is_answered_with_port_unreachable),
        cmocka_unit_test(no_icmp_error_about_a_broadcast_or_an_icmp_error),
        cmocka_unit_test(icmp_errors_are_rate_limited),
        cmocka_unit_test(udp_sendto_emits_a_checksummed_datagram),
        cmocka_unit_test(udp_ports_conflict_and_ephemeral_ports_are_random),
        cmocka_unit_test(connected_udp_socket_filters_and_reports_port_unreachable),
        cmocka_unit_test(udp_receive_queue_is_bounded),
        cmocka_unit_test(ping_socket_sends_a_request_and_takes_its_reply),
        cmocka_unit_test(ping_to_an_unreachable_host_reports_the_error),
        cmocka_unit_test(echo_request_to_us_is_answered),
        cmocka_unit_test(unknown_protocol_is_answered_with_protocol_unreachable),
        cmocka_unit_test(port_unreachable_aborts_a_connection_being_set_up),
        cmocka_unit_test(icmp_error_quoting_an_unsent_sequence_number_is_ignored),
        cmocka_unit_test(soft_error_is_reported_when_the_connection_times_out),
        cmocka_unit_test(fragmentation_needed_lowers_the_mss_and_resends),
        cmocka_unit_test(source_quench_is_silently_discarded),
        cmocka_unit_test(time_exceeded_does_not_abort_a_connection),
        cmocka_unit_test(parameter_problem_does_not_abort_a_connection),
        cmocka_unit_test(syn_to_a_broadcast_or_multicast_address_is_silently_discarded),
        cmocka_unit_test(fragmented_datagram_is_reassembled_in_any_order),
        cmocka_unit_test(incomplete_datagram_is_discarded_after_the_timeout),
        cmocka_unit_test(fragment_floods_are_bounded),
    };
    return cmocka_run_group_tests_name("ip", tests, NULL, NULL);
}
