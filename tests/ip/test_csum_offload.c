/* test_csum_offload.c — per-interface checksum offload (WEIR_NETIF_CSUM_*, weir/netif.h): with a
 * bit set the stack neither fills nor checks that checksum on the interface; without, a wrong
 * checksum is a counted drop. Frames from the peer 10.0.0.2 are built with the wire emitters and
 * then spoiled on purpose. */
#include <string.h>

#include "ip_fixture.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define PEER_IP 0x0a000002u

/* Offsets in an IPv4 packet with a 20-byte header. */
enum { IP_CKSUM = 10, TCP_CKSUM = 20 + 16, UDP_CKSUM = 20 + 6 };

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* An IPv4 packet from the peer around a transport payload, checksums correct. */
static size_t build_ip(uint8_t *pkt, uint8_t proto, const uint8_t *payload, size_t len)
{
    weir_ipv4_repr ip = {.src = PEER_IP, .dst = FX_LOCAL_IP, .protocol = proto, .ttl = 61,
                         .ident = 7, .payload_len = len};
    assert_int_equal(weir_ipv4_emit_header(&ip, pkt, 20), 20);
    memcpy(pkt + 20, payload, len);
    return 20 + len;
}

/* A SYN to port 80 with correct checksums. */
static size_t build_syn(uint8_t *pkt)
{
    uint8_t seg[64];
    weir_tcp_repr r = {.src_port = 40000, .dst_port = 80, .seq = 1000, .flags = WEIR_TCP_FLAG_SYN,
                       .window = 65535};
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    int n = weir_tcp_emit(&r, PEER_IP, FX_LOCAL_IP, seg, sizeof seg);
    assert_true(n > 0);
    return build_ip(pkt, WEIR_IP_PROTO_TCP, seg, (size_t)n);
}

static size_t build_udp(uint8_t *pkt, uint16_t dport, const char *text)
{
    uint8_t dgram[128];
    weir_udp_repr u = {.src_port = 4000, .dst_port = dport, .payload = (const uint8_t *)text,
                       .payload_len = strlen(text)};
    int n = weir_udp_emit(&u, PEER_IP, FX_LOCAL_IP, dgram, sizeof dgram);
    assert_true(n > 0);
    return build_ip(pkt, WEIR_IP_PROTO_UDP, dgram, (size_t)n);
}

static void spoil(uint8_t *pkt, size_t at) { pkt[at] ^= 0x5a; }

static int listen_on_80(fixture *f)
{
    int l = weir_tcp_socket(f->s);
    assert_true(l >= 0);
    assert_int_equal(weir_tcp_bind(f->s, l, (weir_endpoint){0, 80}), 0);
    assert_int_equal(weir_tcp_listen(f->s, l, 4), 0);
    return l;
}

static int udp_on(fixture *f, uint16_t port)
{
    int u = weir_udp_socket(f->s);
    assert_true(u >= 0);
    assert_int_equal(weir_udp_bind(f->s, u, (weir_endpoint){0, port}), 0);
    return u;
}

static void inject(fixture *f, const uint8_t *pkt, size_t len)
{
    assert_int_equal(weir_netif_input(f->s, f->netif, pkt, len, f->now), 0);
}

/* ---- off (the default): wrong checksums are counted drops ---------------------------------- */

static void without_offload_a_wrong_tcp_checksum_is_a_counted_drop(void **state)
{
    (void)state;
    fixture *f = fx_new(1);
    listen_on_80(f);
    uint8_t pkt[128];
    size_t len = build_syn(pkt);
    spoil(pkt, TCP_CKSUM);
    inject(f, pkt, len);
    assert_int_equal(fx_drops(f, WEIR_DROP_TCP_BAD_CHECKSUM), 1);
    assert_int_equal(f->count, 0); /* no SYN-ACK */
    fx_free(f);
}

static void without_offload_a_wrong_ip_or_udp_checksum_is_a_counted_drop(void **state)
{
    (void)state;
    fixture *f = fx_new(2);
    int u = udp_on(f, 5353);
    uint8_t pkt[256];
    size_t len = build_udp(pkt, 5353, "hello");
    spoil(pkt, UDP_CKSUM);
    inject(f, pkt, len);
    assert_int_equal(fx_drops(f, WEIR_DROP_UDP_BAD_CHECKSUM), 1);
    len = build_udp(pkt, 5353, "hello");
    spoil(pkt, IP_CKSUM);
    inject(f, pkt, len);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_CHECKSUM), 1);
    assert_false(fx_event(f, u, WEIR_EV_READABLE, NULL));
    fx_free(f);
}

static void without_offload_outgoing_checksums_are_filled(void **state)
{
    (void)state;
    fixture *f = fx_new(3);
    listen_on_80(f);
    uint8_t pkt[128];
    inject(f, pkt, build_syn(pkt));
    assert_int_equal(f->count, 1);
    weir_ipv4_repr ip;
    assert_int_equal(weir_ipv4_parse(f->frames[0], f->lens[0], true, &ip), WEIR_WIRE_OK);
    weir_tcp_repr seg;
    assert_int_equal(weir_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, true, &seg),
                     WEIR_WIRE_OK);
    assert_int_equal(seg.flags, WEIR_TCP_FLAG_SYN | WEIR_TCP_FLAG_ACK);
    assert_int_not_equal(get16(f->frames[0] + TCP_CKSUM), 0);
    fx_free(f);
}

/* ---- on: not checked, not filled --------------------------------------------------------- */

static void with_offload_a_wrong_tcp_checksum_is_accepted_and_ours_are_left_zero(void **state)
{
    (void)state;
    fixture *f = fx_new_offload(4, WEIR_NETIF_CSUM_ALL);
    listen_on_80(f);
    uint8_t pkt[128];
    size_t len = build_syn(pkt);
    spoil(pkt, TCP_CKSUM);
    spoil(pkt, IP_CKSUM);
    inject(f, pkt, len);
    weir_stats st;
    weir_stats_get(f->s, &st);
    assert_int_equal(st.drops_total, 0);
    assert_int_equal(f->count, 1); /* the SYN-ACK */
    const uint8_t *out = f->frames[0];
    assert_int_equal(get16(out + IP_CKSUM), 0);
    assert_int_equal(get16(out + TCP_CKSUM), 0);
    /* Everything else is a proper SYN-ACK: it parses when the checksums are not checked. */
    weir_ipv4_repr ip;
    assert_int_equal(weir_ipv4_parse(out, f->lens[0], false, &ip), WEIR_WIRE_OK);
    weir_tcp_repr seg;
    assert_int_equal(weir_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, false, &seg),
                     WEIR_WIRE_OK);
    assert_int_equal(seg.flags, WEIR_TCP_FLAG_SYN | WEIR_TCP_FLAG_ACK);
    assert_int_equal(seg.ack, 1001);
    fx_free(f);
}

static void with_offload_a_wrong_udp_checksum_is_delivered_and_replies_carry_zero(void **state)
{
    (void)state;
    fixture *f = fx_new_offload(5, WEIR_NETIF_CSUM_ALL);
    int u = udp_on(f, 5353);
    uint8_t pkt[256];
    size_t len = build_udp(pkt, 5353, "hello");
    spoil(pkt, UDP_CKSUM);
    inject(f, pkt, len);
    assert_true(fx_event(f, u, WEIR_EV_READABLE, NULL));
    char buf[16];
    weir_endpoint from;
    assert_int_equal(weir_udp_recvfrom(f->s, u, buf, sizeof buf, &from), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(weir_udp_sendto(f->s, u, "back", 4, &from), 4);
    assert_int_equal(f->count, 1);
    assert_int_equal(get16(f->frames[0] + IP_CKSUM), 0);
    assert_int_equal(get16(f->frames[0] + UDP_CKSUM), 0);
    fx_free(f);
}

/* Each bit stands alone: offloading TCP leaves the IPv4 header's checksum to the stack. */
static void offload_bits_are_independent(void **state)
{
    (void)state;
    fixture *f = fx_new_offload(6, WEIR_NETIF_CSUM_TCP);
    listen_on_80(f);
    uint8_t pkt[128];
    size_t len = build_syn(pkt);
    spoil(pkt, IP_CKSUM);
    inject(f, pkt, len);
    assert_int_equal(fx_drops(f, WEIR_DROP_IP_BAD_CHECKSUM), 1);
    len = build_syn(pkt);
    spoil(pkt, TCP_CKSUM);
    inject(f, pkt, len);
    assert_int_equal(f->count, 1);
    weir_ipv4_repr ip;
    assert_int_equal(weir_ipv4_parse(f->frames[0], f->lens[0], true, &ip), WEIR_WIRE_OK);
    assert_int_equal(get16(f->frames[0] + TCP_CKSUM), 0);
    fx_free(f);
}

static int discard(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

static void unknown_offload_bits_are_refused(void **state)
{
    (void)state;
    fixture *f = fx_new(7);
    weir_netif_config nc = {.name = "t1", .medium = WEIR_MEDIUM_IP, .mtu = 1500,
                            .ip = 0x0a000101u, .prefix_len = 24, .transmit = discard,
                            .csum_offload = WEIR_NETIF_CSUM_ALL + 1u};
    assert_int_equal(weir_netif_add(f->s, &nc), WEIR_EINVAL);
    nc.csum_offload = WEIR_NETIF_CSUM_ALL;
    assert_true(weir_netif_add(f->s, &nc) >= 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(without_offload_a_wrong_tcp_checksum_is_a_counted_drop),
        cmocka_unit_test(without_offload_a_wrong_ip_or_udp_checksum_is_a_counted_drop),
        cmocka_unit_test(without_offload_outgoing_checksums_are_filled),
        cmocka_unit_test(with_offload_a_wrong_tcp_checksum_is_accepted_and_ours_are_left_zero),
        cmocka_unit_test(with_offload_a_wrong_udp_checksum_is_delivered_and_replies_carry_zero),
        cmocka_unit_test(offload_bits_are_independent),
        cmocka_unit_test(unknown_offload_bits_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
