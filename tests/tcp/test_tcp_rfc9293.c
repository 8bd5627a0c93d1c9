/* test_tcp_rfc9293.c — RFC 9293 Appendix B rows that had code and no test (docs/RFC9293.md):
 * ISN selection (§3.4.1), the MSS option only on SYNs (§3.7.1), a window the peer shrinks
 * (§3.8.6), RST and URG at a zero receive window (§3.4), a RST carrying data (§3.5.3) and the
 * local address of a connection on a multihomed host (§3.9.1.1). Each test cites its label.
 *
 * The multihoming tests give the stack a second interface, 10.0.1.1/24 ("B"), besides the
 * harness's 10.0.0.1/24 ("A"); the harness checks that segments go from 10.0.0.1 to 10.0.0.2,
 * so those tests read frames of either interface with their own parser. */
#include <string.h>

#include "harness.h"
#include "wire/ipv4.h"

/* ---- ISN selection (§3.4.1) ------------------------------------------------------------- */

/* The ISS of a connection from local_ip:lport to ip:port opened now: a new socket connects,
 * its ISS is read, and it is aborted in SYN-SENT, which frees the four-tuple at once. */
static uint32_t iss_of_connect(harness *h, uint32_t local_ip, uint16_t lport, uint32_t ip,
                               uint16_t port)
{
    int sock = weir_tcp_socket(h->s);
    assert_true(sock >= 0);
    assert_int_equal(weir_tcp_bind(h->s, sock, (weir_endpoint){local_ip, lport}), 0);
    assert_int_equal(weir_tcp_connect(h->s, sock, (weir_endpoint){ip, port}), 0);
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, sock, &info), 0);
    assert_int_equal(info.state, WEIR_TCP_SYN_SENT);
    assert_int_equal(weir_tcp_abort(h->s, sock), 0);
    h_flush(h);
    return info.iss;
}

/* MUST-8 (§3.4.1): the ISN generator is bound to a clock that ticks every 4 µs. The same
 * four-tuple opened again 1 s later starts 250000 higher, and 4 µs after that one higher: the
 * keyed part F is the same for the same tuple, so the whole difference is M, the clock. */
static void isn_advances_with_a_4us_clock(void **state)
{
    (void)state;
    harness *h = h_new();
    uint32_t iss1 = iss_of_connect(h, H_LOCAL_IP, 5000, H_PEER_IP, 80);
    h_advance(h, 1000000);
    uint32_t iss2 = iss_of_connect(h, H_LOCAL_IP, 5000, H_PEER_IP, 80);
    h_advance(h, 4);
    uint32_t iss3 = iss_of_connect(h, H_LOCAL_IP, 5000, H_PEER_IP, 80);
    assert_int_equal(iss2 - iss1, 1000000 / 4);
    assert_int_equal(iss3 - iss2, 1);
    h_finish(h);
}

/* A second interface, "B", 10.0.1.1/24: frames it transmits are kept here. */
#define B_LOCAL_IP 0x0a000101u /* 10.0.1.1 */
#define B_PEER_IP 0x0a000102u  /* 10.0.1.2 */
#define B_FRAMES 32
static struct {
    uint8_t buf[B_FRAMES][H_MTU];
    size_t len[B_FRAMES];
    unsigned head, count;
} b_link;

static int b_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    assert_true(b_link.count < B_FRAMES && len <= H_MTU);
    memcpy(b_link.buf[b_link.count], frame, len);
    b_link.len[b_link.count++] = len;
    return 0;
}

static int add_interface_b(harness *h)
{
    memset(&b_link, 0, sizeof b_link);
    weir_netif_config nc = {.name = "test1", .medium = WEIR_MEDIUM_IP, .mtu = H_MTU,
                            .ip = B_LOCAL_IP, .prefix_len = 24, .transmit = b_transmit};
    int n = weir_netif_add(h->s, &nc);
    assert_true(n >= 0 && n != h->netif);
    h->mem_baseline = h_stats(h).mem_in_use;
    return n;
}

/* SHLD-1 (§3.4.1): ISN = M + F(localip, localport, remoteip, remoteport, secretkey). At one
 * instant (M the same) the ISN changes when any one of the four changes. */
static void isn_depends_on_each_part_of_the_four_tuple(void **state)
{
    (void)state;
    harness *h = h_new();
    add_interface_b(h);
    uint32_t base = iss_of_connect(h, H_LOCAL_IP, 5000, H_PEER_IP, 80);
    uint32_t other[4] = {
        iss_of_connect(h, B_LOCAL_IP, 5000, H_PEER_IP, 80), /* local address */
        iss_of_connect(h, H_LOCAL_IP, 5001, H_PEER_IP, 80), /* local port */
        iss_of_connect(h, H_LOCAL_IP, 5002, 0x0a000003u, 80), /* remote address ... */
        iss_of_connect(h, H_LOCAL_IP, 5002, 0x0a000004u, 80), /* ... with the port fixed */
    };
    uint32_t port_a = iss_of_connect(h, H_LOCAL_IP, 5003, H_PEER_IP, 80);
    uint32_t port_b = iss_of_connect(h, H_LOCAL_IP, 5003, H_PEER_IP, 81); /* remote port */
    assert_int_not_equal(other[0], base);
    assert_int_not_equal(other[1], base);
    assert_int_not_equal(other[2], other[3]);
    assert_int_not_equal(port_a, port_b);
    h_finish(h);
}

/* The ISS a stack whose random callback starts from `seed` picks for 10.0.0.1:5000 ->
 * 10.0.0.2:80 at the harness's starting time. */
static uint32_t iss_with_seed(uint64_t seed)
{
    harness *h = h_new_config();
    h->rng = seed;
    h_start(h);
    uint32_t iss = iss_of_connect(h, H_LOCAL_IP, 5000, H_PEER_IP, 80);
    h_finish(h);
    return iss;
}

/* MUST-9 (§3.4.1): F must not be computable from the outside: its key is a secret the stack
 * draws from the embedder's random source. Same tuple, same instant: stacks with different
 * random sources choose different ISNs (same source: the same ISN, so the difference is the
 * secret and nothing else). */
static void isn_depends_on_a_secret_from_the_random_source(void **state)
{
    (void)state;
    uint32_t a = iss_with_seed(0x5eed5eed12345678ull);
    uint32_t again = iss_with_seed(0x5eed5eed12345678ull);
    uint32_t b = iss_with_seed(0x0123456789abcdefull);
    assert_int_equal(a, again);
    assert_int_not_equal(a, b);
}

/* ---- The MSS option (§3.7.1) --------------------------------------------------------------- */

static void assert_no_mss(const h_seg *g)
{
    assert_false(g->flags & H_SYN);
    assert_false(g->opt.has_mss);
}

/* MUST-65 (§3.7.1): the MSS option is sent only in SYN segments. The SYN-ACK has it; the ACKs,
 * data, FIN and RSTs that follow in a connection's life do not. */
static void mss_option_only_on_syn_segments(void **state)
{
    (void)state;
    harness *h = h_new();
    h_syn_received(h);
    assert_true(h->last.opt.has_mss);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);

    h_send(h, H_ACK | H_PSH, 1, 1, H_WIN, "abc", 3);
    assert_no_mss(h_expect(h, H_ACK, 1, 4, 0)); /* a pure ACK (quick-ACK mode) */
    h_app_send(h, 2000);
    assert_no_mss(h_expect(h, H_ACK, 1, 4, 1460)); /* data; Nagle holds the rest */
    h_send(h, H_ACK, 4, 1461, H_WIN, NULL, 0);
    assert_no_mss(h_expect(h, H_ACK, 1461, 4, 540));
    h_send(h, H_ACK, 4, 2001, H_WIN, NULL, 0);
    h_send(h, H_ACK, 1000000, 2001, H_WIN, "x", 1);
    assert_no_mss(h_expect(h, H_ACK, 2001, 4, 0)); /* the ACK of an unacceptable segment */
    assert_int_equal(weir_tcp_shutdown(h->s, h->sock), 0);
    assert_no_mss(h_expect(h, H_FIN | H_ACK, 2001, 4, 0));
    h_send(h, H_FIN | H_ACK, 4, 2002, H_WIN, NULL, 0);
    assert_no_mss(h_expect(h, H_ACK, 2002, 5, 0)); /* TIME-WAIT */
    h_expect_none(h);

    /* A RST for a port nobody listens on. */
    weir_tcp_repr r = {.dst_port = 81, .flags = H_ACK, .seq = 1, .ack = 2, .window = H_WIN};
    h_inject(h, &r);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_RST);
    assert_no_mss(&g);
    h_finish(h);
}

/* ---- A window the peer shrinks (§3.8.6) ----------------------------------------------------- */

/* ESTABLISHED (active) with a peer window of `win`, `sent` bytes written and sent in full
 * segments, and then an ACK of the first segment that moves the right edge back to 730 bytes
 * beyond it: SND.UNA = 1461, SND.WND = 730, so SND.UNA + SND.WND = 2191 lies below SND.NXT and
 * the usable window is negative. */
static harness *shrunk_window(uint16_t win, size_t sent)
{
    harness *h = h_new();
    h->peer_win = win;
    h_established_active(h);
    h_app_send(h, sent);
    for (uint32_t seq = 1; seq < 1u + win && seq < 1 + sent; seq += 1460)
        h_expect(h, H_ACK, seq, 1, 1460);
    h_expect_none(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 1461, 730, NULL, 0);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.snd_una - h->iss, 1461);
    assert_int_equal(info.snd_wnd, 730);
    return h;
}

/* SHLD-15, MUST-34 (§3.8.6): a sender must be robust against a window that shrinks, making the
 * usable window negative; it should send no new data then. Nothing goes — not on the ACK that
 * shrank it, not on a later write — until the window opens again; then the data follows from
 * SND.NXT, in order, as if nothing had happened. */
static void shrunk_window_sends_no_new_data(void **state)
{
    (void)state;
    harness *h = shrunk_window(2920, 5840);
    h_expect_none(h); /* the usable window is 2191 - 2921 < 0, not 2^32 - 730 */
    h_app_send(h, 100);
    h_expect_none(h);
    weir_tcp_info info = h_info(h);
    assert_int_equal(info.snd_nxt - h->iss, 2921);

    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 2921, 2920, NULL, 0); /* the window opens again */
    h_expect(h, H_ACK, 2921, 1, 1460);
    h_expect(h, H_ACK, 4381, 1, 1460);
    h_expect_none(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 5841, 2920, NULL, 0);
    h_expect(h, H_ACK | H_PSH, 5841, 1, 100);
    h_expect_none(h);
    h_finish(h);
}

/* SHLD-16 (§3.8.6): in a shrunk window the sender should retransmit the old unacknowledged data
 * between SND.UNA and SND.UNA+SND.WND normally: at the retransmission timeout, the 730 bytes
 * the window still covers go at once (sender SWS avoidance, which would hold a segment this
 * short, is for new data), and as the window moves on, the next old bytes follow. */
static void shrunk_window_old_data_within_it_is_retransmitted_at_the_rto(void **state)
{
    (void)state;
    harness *h = shrunk_window(2920, 5840);
    h_expect_none(h);
    uint64_t rto_at = h_run_to_deadline(h);
    const h_seg *g = h_expect(h, H_ACK, 1461, 1, 730); /* 1461..2191, not beyond */
    assert_int_equal(g->t, rto_at);
    assert_int_equal(h_info(h).backoff, 1);
    h_expect_none(h);

    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 2191, 730, NULL, 0); /* edge 2921: still only old data */
    h_expect(h, H_ACK, 2191, 1, 730);
    h_expect_none(h);
    h_advance(h, H_RTT);
    h_send(h, H_ACK, 1, 2921, 2920, NULL, 0);
    h_expect(h, H_ACK, 2921, 1, 1460); /* new data again (as much as the slow start allows) */
    h_finish(h);
}

/* MAY-7 (§3.8.6): the sender may also retransmit old data beyond SND.UNA+SND.WND. Fast
 * retransmit does: after three duplicate ACKs in the shrunk window it resends the whole first
 * segment, 1461..2921, past the edge at 2191 (as Linux does for the head of the queue). */
static void fast_retransmit_may_resend_beyond_a_shrunk_window(void **state)
{
    (void)state;
    harness *h = shrunk_window(7300, 7300);
    h_expect_none(h);
    h_send(h, H_ACK, 1, 1461, 730, NULL, 0);
    h_send(h, H_ACK, 1, 1461, 730, NULL, 0);
    h_expect_none(h);
    h_send(h, H_ACK, 1, 1461, 730, NULL, 0);
    h_expect(h, H_ACK, 1461, 1, 1460);
    h_expect_none(h);
    h_finish(h);
}

/* ---- RST with data, and at a zero receive window ------------------------------------------- */

static const char diagnostic[] = "connection reset: server shutting down";

/* SHLD-2 (§3.5.3): a RST may carry data ("diagnostic data that explains the cause"). Such a RST
 * at RCV.NXT resets the connection like a bare one; the text is not delivered. */
static void rst_carrying_data_resets_the_connection(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    h_send(h, H_RST | H_ACK, 1, 1, H_WIN, diagnostic, sizeof diagnostic - 1);
    h_expect_none(h);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    h_assert_state(h, WEIR_TCP_CLOSED);
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_RST_RECEIVED), 1);
    h_finish(h);
}

/* MUST-66 (§3.4): the RST and URG fields of every incoming segment are processed, even when the
 * receive window is zero. With RCV.WND = 0 no segment with text is acceptable (§3.10.7.4), but a
 * RST with text at RCV.NXT still resets the connection: its control is kept, its text lost. */
static void rst_with_data_at_a_zero_window_resets_the_connection(void **state)
{
    (void)state;
    harness *h = h_new_config();
    h->cfg.tcp.recv_buffer = 2920;
    h->cfg.tcp.quick_acks = 0;
    h_start(h);
    h_established_passive(h);
    static uint8_t fill[2920];
    h_send(h, H_ACK, 1, 1, H_WIN, fill, 1460);
    h_send(h, H_ACK, 1461, 1, H_WIN, fill + 1460, 1460);
    assert_int_equal(h_expect(h, H_ACK, 1, 2921, 0)->window, 0); /* the window is shut */
    h_send(h, H_RST | H_ACK, 2921, 1, H_WIN, diagnostic, sizeof diagnostic - 1);
    h_expect_none(h);
    h_expect_error(h, h->sock, WEIR_ECONNRESET);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_finish(h);
}

/* ---- The local address on a multihomed host (§3.9.1.1) ------------------------------------- */

/* A segment the stack sent on either interface, with the addresses it went between. */
typedef struct mh_seg {
    uint32_t src, dst;
    weir_tcp_repr tcp;
} mh_seg;

static void parse_frame(const uint8_t *buf, size_t len, mh_seg *out)
{
    weir_ipv4_repr ip;
    assert_int_equal(weir_ipv4_parse(buf, len, true, &ip), WEIR_WIRE_OK);
    assert_int_equal(ip.protocol, WEIR_IP_PROTO_TCP);
    out->src = ip.src;
    out->dst = ip.dst;
    assert_int_equal(weir_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, true, &out->tcp),
                     WEIR_WIRE_OK);
}

/* The next segment interface A (the harness's) sent. */
static mh_seg pop_a(harness *h)
{
    assert_true(h->fcount > 0);
    const struct h_frame *f = &h->frames[h->fhead];
    h->fhead = (h->fhead + 1) % H_MAX_FRAMES;
    h->fcount--;
    mh_seg g;
    parse_frame(f->buf, f->len, &g);
    return g;
}

/* The next segment interface B sent. */
static mh_seg pop_b(void)
{
    assert_true(b_link.head < b_link.count);
    mh_seg g;
    parse_frame(b_link.buf[b_link.head], b_link.len[b_link.head], &g);
    b_link.head++;
    return g;
}

static unsigned pending_b(void) { return b_link.count - b_link.head; }

/* Peer -> stack: a segment from src to dst arriving on interface `netif`. */
static void inject_on(harness *h, int netif, uint32_t src, uint32_t dst, weir_tcp_repr *r)
{
    static uint8_t frame[H_MTU];
    int n = weir_tcp_emit(r, src, dst, frame + WEIR_IPV4_MIN_HEADER,
                          sizeof frame - WEIR_IPV4_MIN_HEADER);
    assert_true(n > 0);
    weir_ipv4_repr ip = {.src = src, .dst = dst, .protocol = WEIR_IP_PROTO_TCP, .ttl = 64,
                         .ident = 1, .dont_fragment = true, .payload_len = (size_t)n};
    assert_int_equal(weir_ipv4_emit_header(&ip, frame, sizeof frame), WEIR_IPV4_MIN_HEADER);
    assert_int_equal(weir_netif_input(h->s, netif, frame, WEIR_IPV4_MIN_HEADER + (size_t)n,
                                      h->now),
                     0);
}

/* The peer's answer to a SYN: SYN,ACK from remote to local. */
static void inject_syn_ack(harness *h, int netif, uint32_t src, uint32_t dst, const mh_seg *syn)
{
    weir_tcp_repr r = {.src_port = syn->tcp.dst_port, .dst_port = syn->tcp.src_port,
                       .seq = H_PEER_ISN, .ack = syn->tcp.seq + 1, .flags = H_SYN | H_ACK,
                       .window = H_WIN};
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    inject_on(h, netif, src, dst, &r);
}

static void assert_segment(const mh_seg *g, uint32_t src, uint32_t dst, uint8_t flags)
{
    assert_int_equal(g->src, src);
    assert_int_equal(g->dst, dst);
    assert_int_equal(g->tcp.flags & ~H_PSH, flags);
}

static uint32_t local_ip_of(harness *h, int sock)
{
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(h->s, sock, &info), 0);
    return info.local.ip;
}

/* MUST-44 (§3.9.1.1): an active OPEN that names no local address on a multihomed host has IP
 * select one before the first SYN: the address of the interface the route to the peer leaves
 * by — 10.0.1.1 towards 10.0.1.2, 10.0.0.1 towards 10.0.0.2. */
static void connect_without_local_address_uses_the_routes_interface_address(void **state)
{
    (void)state;
    harness *h = h_new();
    add_interface_b(h);
    int to_b = weir_tcp_socket(h->s), to_a = weir_tcp_socket(h->s);
    h_track(h, to_b);
    h_track(h, to_a);

    assert_int_equal(weir_tcp_connect(h->s, to_b, (weir_endpoint){B_PEER_IP, 80}), 0);
    assert_int_equal(h_pending(h), 0);
    mh_seg g = pop_b();
    assert_segment(&g, B_LOCAL_IP, B_PEER_IP, H_SYN);
    assert_int_equal(local_ip_of(h, to_b), B_LOCAL_IP);

    assert_int_equal(weir_tcp_connect(h->s, to_a, (weir_endpoint){H_PEER_IP, 80}), 0);
    assert_int_equal(pending_b(), 0);
    g = pop_a(h);
    assert_segment(&g, H_LOCAL_IP, H_PEER_IP, H_SYN);
    assert_int_equal(local_ip_of(h, to_a), H_LOCAL_IP);
    h_finish(h);
}

/* MUST-43 (§3.9.1.1): OPEN takes an optional local IP address, and an active OPEN uses it. Bound
 * to 10.0.1.1 (interface B's), a connection to 10.0.0.2 — routed out of interface A — sends its
 * SYN, and after the SYN,ACK its ACK, from 10.0.1.1. */
static void connect_from_a_given_local_address_uses_it(void **state)
{
    (void)state;
    harness *h = h_new();
    add_interface_b(h);
    h->sock = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_bind(h->s, h->sock, (weir_endpoint){B_LOCAL_IP, 0}), 0);
    assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){H_PEER_IP, 80}), 0);
    mh_seg syn = pop_a(h);
    assert_segment(&syn, B_LOCAL_IP, H_PEER_IP, H_SYN);
    assert_int_equal(local_ip_of(h, h->sock), B_LOCAL_IP);

    inject_syn_ack(h, h->netif, H_PEER_IP, B_LOCAL_IP, &syn);
    mh_seg g = pop_a(h);
    assert_segment(&g, B_LOCAL_IP, H_PEER_IP, H_ACK);
    h_assert_state(h, WEIR_TCP_ESTABLISHED);
    assert_int_equal(pending_b(), 0);
    h_finish(h);
}

/* MUST-45 (§3.9.1.1), passive side: a listener bound to no address answers a SYN from the
 * address it was sent to, and the connection keeps that address: a SYN to 10.0.1.1 (interface
 * B) is answered from 10.0.1.1, and so is the data that follows; a SYN to 10.0.0.1, from
 * 10.0.0.1. */
static void passive_open_keeps_the_address_the_syn_was_sent_to(void **state)
{
    (void)state;
    harness *h = h_new();
    int b = add_interface_b(h);
    h->lsock = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_bind(h->s, h->lsock, (weir_endpoint){0, 80}), 0);
    assert_int_equal(weir_tcp_listen(h->s, h->lsock, 4), 0);

    weir_tcp_repr syn = {.src_port = 40000, .dst_port = 80, .seq = H_PEER_ISN, .flags = H_SYN,
                         .window = H_WIN};
    inject_on(h, b, B_PEER_IP, B_LOCAL_IP, &syn);
    mh_seg g = pop_b();
    assert_segment(&g, B_LOCAL_IP, B_PEER_IP, H_SYN | H_ACK);
    weir_tcp_repr ack = {.src_port = 40000, .dst_port = 80, .seq = H_PEER_ISN + 1,
                         .ack = g.tcp.seq + 1, .flags = H_ACK, .window = H_WIN};
    inject_on(h, b, B_PEER_IP, B_LOCAL_IP, &ack);
    h->sock = weir_tcp_accept(h->s, h->lsock, NULL);
    assert_true(h->sock >= 0);
    assert_int_equal(local_ip_of(h, h->sock), B_LOCAL_IP);
    assert_int_equal(weir_tcp_send(h->s, h->sock, "hello", 5), 5);
    g = pop_b();
    assert_segment(&g, B_LOCAL_IP, B_PEER_IP, H_ACK);
    assert_int_equal(g.tcp.payload_len, 5);

    syn.src_port = 40001;
    inject_on(h, h->netif, H_PEER_IP, H_LOCAL_IP, &syn);
    g = pop_a(h);
    assert_segment(&g, H_LOCAL_IP, H_PEER_IP, H_SYN | H_ACK);
    assert_int_equal(h_pending(h), 0);
    assert_int_equal(pending_b(), 0);
    h_finish(h);
}

/* MUST-45 (§3.9.1.1), active side: once a segment has been sent, the connection keeps using the
 * same local address. The route to 192.168.7.0/24 goes through 10.0.0.254 (interface A) when
 * the connection opens from 10.0.0.1; moved to 10.0.1.254 (interface B), the data leaves by B,
 * still from 10.0.0.1. */
static void established_connection_keeps_its_local_address_when_the_route_moves(void **state)
{
    (void)state;
    const uint32_t far = 0xc0a80707u; /* 192.168.7.7 */
    harness *h = h_new();
    add_interface_b(h);
    assert_int_equal(weir_route_add(h->s, 0xc0a80700u, 24, 0x0a0000feu), 0);
    h->sock = weir_tcp_socket(h->s);
    assert_int_equal(weir_tcp_connect(h->s, h->sock, (weir_endpoint){far, 80}), 0);
    mh_seg syn = pop_a(h);
    assert_segment(&syn, H_LOCAL_IP, far, H_SYN);
    inject_syn_ack(h, h->netif, far, H_LOCAL_IP, &syn);
    mh_seg g = pop_a(h);
    assert_segment(&g, H_LOCAL_IP, far, H_ACK);

    assert_int_equal(weir_route_add(h->s, 0xc0a80700u, 24, 0x0a0001feu), 0);
    assert_int_equal(weir_tcp_send(h->s, h->sock, "hello", 5), 5);
    assert_int_equal(h_pending(h), 0);
    g = pop_b();
    assert_segment(&g, H_LOCAL_IP, far, H_ACK);
    assert_int_equal(g.tcp.payload_len, 5);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(isn_advances_with_a_4us_clock),
        H_TEST(isn_depends_on_each_part_of_the_four_tuple),
        H_TEST(isn_depends_on_a_secret_from_the_random_source),
        H_TEST(mss_option_only_on_syn_segments),
        H_TEST(shrunk_window_sends_no_new_data),
        H_TEST(shrunk_window_old_data_within_it_is_retransmitted_at_the_rto),
        H_TEST(fast_retransmit_may_resend_beyond_a_shrunk_window),
        H_TEST(rst_carrying_data_resets_the_connection),
        H_TEST(rst_with_data_at_a_zero_window_resets_the_connection),
        H_TEST(connect_without_local_address_uses_the_routes_interface_address),
        H_TEST(connect_from_a_given_local_address_uses_it),
        H_TEST(passive_open_keeps_the_address_the_syn_was_sent_to),
        H_TEST(established_connection_keeps_its_local_address_when_the_route_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
