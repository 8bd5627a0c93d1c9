/* test_arp.c — Ethernet links: ARP resolution with retries and a pending queue (RFC 826,
 * RFC 1122 §2.3.2), answering ARP for our address, Ethernet filtering, and routes through a
 * gateway.
 *
 * One stack on an Ethernet interface 10.0.0.1/24 (mac 02:00:00:00:00:01). The peer 10.0.0.2 has
 * mac 02:00:00:00:00:02; the gateway 10.0.0.254 has mac 02:00:00:00:00:fe. */
#include <string.h>

#include "ip_fixture.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define LOCAL_IP FX_LOCAL_IP
#define PEER_IP 0x0a000002u
#define GW_IP 0x0a0000feu
#define FAR_IP 0xc0a80005u /* 192.168.0.5: off-link */
#define MTU FX_MTU

static const uint8_t k_our_mac[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t k_peer_mac[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t k_gw_mac[6] = {2, 0, 0, 0, 0, 0xfe};
static const uint8_t k_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static weir_eth_repr fx_pop_eth(fixture *f)
{
    assert_true(f->next < f->count);
    weir_eth_repr eth;
    assert_int_equal(weir_eth_parse(f->frames[f->next], f->lens[f->next], &eth), WEIR_WIRE_OK);
    f->next++;
    return eth;
}

static weir_arp_repr fx_pop_arp(fixture *f, const uint8_t dst[6])
{
    weir_eth_repr eth = fx_pop_eth(f);
    assert_int_equal(eth.ethertype, WEIR_ETHERTYPE_ARP);
    assert_memory_equal(eth.dst, dst, 6);
    assert_memory_equal(eth.src, k_our_mac, 6);
    weir_arp_repr a;
    assert_int_equal(weir_arp_parse(eth.payload, eth.payload_len, &a), WEIR_WIRE_OK);
    return a;
}

static void fx_inject_eth(fixture *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
                          const uint8_t *payload, size_t len)
{
    uint8_t frame[MTU + 14];
    weir_eth_repr eth = {.ethertype = type};
    memcpy(eth.dst, dst, 6);
    memcpy(eth.src, src, 6);
    assert_int_equal(weir_eth_emit_header(&eth, frame, sizeof frame), 14);
    memcpy(frame + 14, payload, len);
    assert_int_equal(weir_netif_input(f->s, f->netif, frame, 14 + len, f->now), 0);
}

static void fx_inject_arp(fixture *f, uint16_t op, const uint8_t sender_mac[6], uint32_t sender_ip,
                          uint32_t target_ip, const uint8_t eth_dst[6])
{
    weir_arp_repr a = {.operation = op, .sender_ip = sender_ip, .target_ip = target_ip};
    memcpy(a.sender_mac, sender_mac, 6);
    if (op == WEIR_ARP_REPLY)
        memcpy(a.target_mac, k_our_mac, 6);
    uint8_t buf[WEIR_ARP_LEN];
    assert_int_equal(weir_arp_emit(&a, buf, sizeof buf), WEIR_ARP_LEN);
    fx_inject_eth(f, eth_dst, sender_mac, WEIR_ETHERTYPE_ARP, buf, sizeof buf);
}

static void send_udp(fixture *f, int u, uint32_t dst, const char *text)
{
    weir_endpoint to = {dst, 9};
    assert_int_equal(weir_udp_sendto(f->s, u, text, strlen(text), &to), (int)strlen(text));
}

/* ---- tests -------------------------------------------------------------------------------- */

static void first_packet_waits_for_arp_then_goes_to_the_learned_mac(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    int u = weir_udp_socket(f->s);
    send_udp(f, u, PEER_IP, "one");
    send_udp(f, u, PEER_IP, "two");
    weir_arp_repr req = fx_pop_arp(f, k_bcast); /* one request for both packets */
    assert_int_equal(req.operation, WEIR_ARP_REQUEST);
    assert_int_equal(req.sender_ip, LOCAL_IP);
    assert_memory_equal(req.sender_mac, k_our_mac, 6);
    assert_int_equal(req.target_ip, PEER_IP);
    assert_int_equal(f->count, 1);
    fx_inject_arp(f, WEIR_ARP_REPLY, k_peer_mac, PEER_IP, LOCAL_IP, k_our_mac);
    for (int i = 0; i < 2; i++) { /* both held packets, in order */
        weir_eth_repr eth = fx_pop_eth(f);
        assert_int_equal(eth.ethertype, WEIR_ETHERTYPE_IPV4);
        assert_memory_equal(eth.dst, k_peer_mac, 6);
        weir_ipv4_repr ip;
        assert_int_equal(weir_ipv4_parse(eth.payload, eth.payload_len, true, &ip), WEIR_WIRE_OK);
        assert_int_equal(ip.dst, PEER_IP);
        assert_memory_equal(ip.payload + 8, i == 0 ? "one" : "two", 3);
    }
    send_udp(f, u, PEER_IP, "three"); /* now straight out */
    weir_eth_repr eth = fx_pop_eth(f);
    assert_memory_equal(eth.dst, k_peer_mac, 6);
    assert_int_equal(f->next, f->count);
    fx_free(f);
}

static void unanswered_arp_is_retried_three_times_then_packets_dropped(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    int u = weir_udp_socket(f->s);
    for (int i = 0; i < 6; i++)
        send_udp(f, u, PEER_IP, "x");
    assert_int_equal(fx_drops(f, WEIR_DROP_ARP_QUEUE_FULL), 2); /* at most 4 wait */
    for (int i = 0; i < 3; i++) {
        weir_arp_repr req = fx_pop_arp(f, k_bcast);
        assert_int_equal(req.target_ip, PEER_IP);
        uint64_t d = weir_stack_next_deadline(f->s);
        assert_int_equal(d, f->now + 1000000);
        f->now = d;
        weir_stack_poll(f->s, f->now);
    }
    assert_int_equal(f->next, f->count); /* no fourth request */
    assert_int_equal(fx_drops(f, WEIR_DROP_ARP_UNRESOLVED), 4);
    assert_int_equal(weir_stack_next_deadline(f->s), UINT64_MAX);
    fx_free(f);
}

static void arp_request_for_our_address_is_answered_and_learned(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    fx_inject_arp(f, WEIR_ARP_REQUEST, k_peer_mac, PEER_IP, LOCAL_IP, k_bcast);
    weir_arp_repr rep = fx_pop_arp(f, k_peer_mac);
    assert_int_equal(rep.operation, WEIR_ARP_REPLY);
    assert_int_equal(rep.sender_ip, LOCAL_IP);
    assert_memory_equal(rep.sender_mac, k_our_mac, 6);
    assert_int_equal(rep.target_ip, PEER_IP);
    assert_memory_equal(rep.target_mac, k_peer_mac, 6);
    /* The asker was learned: no request of our own before sending to it. */
    int u = weir_udp_socket(f->s);
    send_udp(f, u, PEER_IP, "hi");
    weir_eth_repr eth = fx_pop_eth(f);
    assert_int_equal(eth.ethertype, WEIR_ETHERTYPE_IPV4);
    assert_memory_equal(eth.dst, k_peer_mac, 6);
    fx_free(f);
}

static void arp_for_another_host_is_not_learned(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    fx_inject_arp(f, WEIR_ARP_REQUEST, k_peer_mac, PEER_IP, 0x0a000003u, k_bcast);
    assert_int_equal(f->count, 0);
    assert_int_equal(fx_drops(f, WEIR_DROP_ARP_NOT_FOR_US), 1);
    int u = weir_udp_socket(f->s);
    send_udp(f, u, PEER_IP, "hi");
    assert_int_equal(fx_pop_arp(f, k_bcast).operation, WEIR_ARP_REQUEST);
    /* Someone claiming our own address is refused. */
    fx_inject_arp(f, WEIR_ARP_REPLY, k_peer_mac, LOCAL_IP, LOCAL_IP, k_our_mac);
    assert_int_equal(fx_drops(f, WEIR_DROP_ARP_BAD_SENDER), 1);
    fx_free(f);
}

static void learned_neighbour_expires(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    fx_inject_arp(f, WEIR_ARP_REQUEST, k_peer_mac, PEER_IP, LOCAL_IP, k_bcast);
    f->next = f->count;
    f->now += 61000000;
    weir_stack_poll(f->s, f->now);
    int u = weir_udp_socket(f->s);
    send_udp(f, u, PEER_IP, "hi");
    assert_int_equal(fx_pop_arp(f, k_bcast).operation, WEIR_ARP_REQUEST); /* asked again */
    fx_free(f);
}

static void frames_for_other_macs_and_types_are_dropped(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    uint8_t other[6] = {2, 0, 0, 0, 0, 9};
    uint8_t payload[28] = {0};
    fx_inject_eth(f, other, k_peer_mac, WEIR_ETHERTYPE_IPV4, payload, sizeof payload);
    assert_int_equal(fx_drops(f, WEIR_DROP_ETH_NOT_FOR_US), 1);
    fx_inject_eth(f, k_our_mac, k_peer_mac, 0x86dd, payload, sizeof payload);
    assert_int_equal(fx_drops(f, WEIR_DROP_ETH_UNKNOWN_TYPE), 1);
    uint8_t runt[10] = {0};
    assert_int_equal(weir_netif_input(f->s, f->netif, runt, sizeof runt, f->now), 0);
    assert_int_equal(fx_drops(f, WEIR_DROP_ETH_TRUNCATED), 1);
    fx_free(f);
}

static void echo_request_over_ethernet_is_answered_to_the_sender(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    fx_inject_arp(f, WEIR_ARP_REQUEST, k_peer_mac, PEER_IP, LOCAL_IP, k_bcast);
    f->next = f->count;
    uint8_t icmp[16], pkt[64];
    weir_icmp_repr r = {.type = WEIR_ICMP_ECHO_REQUEST, .ident = 1, .seq = 1,
                        .payload = (const uint8_t *)"abcdefgh", .payload_len = 8};
    int n = weir_icmp_emit(&r, icmp, sizeof icmp);
    weir_ipv4_repr ip = {.src = PEER_IP, .dst = LOCAL_IP, .protocol = WEIR_IP_PROTO_ICMP,
                         .ttl = 64, .payload_len = (size_t)n};
    weir_ipv4_emit_header(&ip, pkt, sizeof pkt);
    memcpy(pkt + 20, icmp, (size_t)n);
    fx_inject_eth(f, k_our_mac, k_peer_mac, WEIR_ETHERTYPE_IPV4, pkt, 20 + (size_t)n);
    weir_eth_repr eth = fx_pop_eth(f);
    assert_int_equal(eth.ethertype, WEIR_ETHERTYPE_IPV4);
    assert_memory_equal(eth.dst, k_peer_mac, 6);
    fx_free(f);
}

static void off_link_destination_goes_through_the_gateway(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    int u = weir_udp_socket(f->s);
    weir_endpoint to = {FAR_IP, 9};
    assert_int_equal(weir_udp_sendto(f->s, u, "x", 1, &to), WEIR_ENETUNREACH); /* no route */
    assert_int_equal(weir_route_add(f->s, 0, 0, 0x0b000001u), WEIR_ENETUNREACH); /* off-link */
    assert_int_equal(weir_route_add(f->s, 1, 0, GW_IP), WEIR_EINVAL); /* host bits set */
    assert_int_equal(weir_route_add(f->s, 0, 0, GW_IP), 0);
    send_udp(f, u, FAR_IP, "far");
    weir_arp_repr req = fx_pop_arp(f, k_bcast);
    assert_int_equal(req.target_ip, GW_IP); /* the gateway is resolved, not the destination */
    fx_inject_arp(f, WEIR_ARP_REPLY, k_gw_mac, GW_IP, LOCAL_IP, k_our_mac);
    weir_eth_repr eth = fx_pop_eth(f);
    assert_memory_equal(eth.dst, k_gw_mac, 6);
    weir_ipv4_repr ip;
    assert_int_equal(weir_ipv4_parse(eth.payload, eth.payload_len, true, &ip), WEIR_WIRE_OK);
    assert_int_equal(ip.dst, FAR_IP);
    /* A more specific route wins over the default. */
    assert_int_equal(weir_route_add(f->s, 0xc0a80000u, 16, PEER_IP), 0);
    send_udp(f, u, FAR_IP, "far");
    assert_int_equal(fx_pop_arp(f, k_bcast).target_ip, PEER_IP);
    assert_int_equal(weir_route_del(f->s, 0xc0a80000u, 16), 0);
    assert_int_equal(weir_route_del(f->s, 0xc0a80000u, 16), WEIR_ENOENT);
    fx_free(f);
}

static int count_frame(void *ctx, const uint8_t *frame, size_t len)
{
    (void)frame;
    (void)len;
    (*(int *)ctx)++;
    return 0;
}

/* Routing answers are cached per destination: every route added or deleted and every interface
 * added must change where the next packet goes. */
static void cached_routes_follow_route_and_interface_changes(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    fx_inject_arp(f, WEIR_ARP_REQUEST, k_peer_mac, PEER_IP, LOCAL_IP, k_bcast);
    fx_inject_arp(f, WEIR_ARP_REQUEST, k_gw_mac, GW_IP, LOCAL_IP, k_bcast);
    f->next = f->count; /* both neighbours known; skip our ARP replies */
    int u = weir_udp_socket(f->s);
    assert_int_equal(weir_route_add(f->s, 0, 0, GW_IP), 0);
    send_udp(f, u, FAR_IP, "a");
    assert_memory_equal(fx_pop_eth(f).dst, k_gw_mac, 6);
    send_udp(f, u, FAR_IP, "b"); /* the cached answer */
    assert_memory_equal(fx_pop_eth(f).dst, k_gw_mac, 6);
    assert_int_equal(weir_route_add(f->s, 0xc0a80000u, 16, PEER_IP), 0);
    send_udp(f, u, FAR_IP, "c");
    assert_memory_equal(fx_pop_eth(f).dst, k_peer_mac, 6);
    assert_int_equal(weir_route_del(f->s, 0xc0a80000u, 16), 0);
    send_udp(f, u, FAR_IP, "d");
    assert_memory_equal(fx_pop_eth(f).dst, k_gw_mac, 6);
    /* An interface on FAR_IP's subnet: it is on-link there now. */
    int sent = 0;
    weir_netif_config nc = {.name = "tun1", .medium = WEIR_MEDIUM_IP, .mtu = MTU,
                            .ip = 0xc0a80001u, .prefix_len = 24, .transmit = count_frame,
                            .transmit_ctx = &sent};
    assert_true(weir_netif_add(f->s, &nc) >= 0);
    unsigned before = f->count;
    send_udp(f, u, FAR_IP, "e");
    assert_int_equal(sent, 1);
    assert_int_equal(f->count, before);
    fx_free(f);
}

static int drop_frame(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

/* RFC 9293 §3.8.3 (b), RFC 1122 §3.3.1.4: when a segment is resent for the R1-th time (3), TCP
 * gives IP negative advice, and the next hop is resolved again: the third SYN retransmission
 * waits for an ARP answer instead of going to a MAC that may belong to a dead gateway. The
 * application hears of it (WEIR_EV_SOFT_ERROR, ETIMEDOUT) and the connection goes on. */
static void negative_advice_at_r1_resolves_the_next_hop_again(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    int t = weir_tcp_socket(f->s);
    assert_int_equal(weir_tcp_connect(f->s, t, (weir_endpoint){PEER_IP, 80}), 0);
    fx_pop_arp(f, k_bcast);
    fx_inject_arp(f, WEIR_ARP_REPLY, k_peer_mac, PEER_IP, LOCAL_IP, k_our_mac);
    assert_memory_equal(fx_pop_eth(f).dst, k_peer_mac, 6); /* the SYN */
    for (int resend = 1; resend <= 3; resend++) {
        f->now = weir_stack_next_deadline(f->s);
        weir_stack_poll(f->s, f->now);
        if (resend < 3) {
            assert_memory_equal(fx_pop_eth(f).dst, k_peer_mac, 6);
            assert_false(fx_event(f, t, WEIR_EV_SOFT_ERROR, NULL));
        }
    }
    weir_arp_repr req = fx_pop_arp(f, k_bcast); /* R1: who has the peer now? */
    assert_int_equal(req.target_ip, PEER_IP);
    assert_int_equal(f->next, f->count);
    int err = 0;
    assert_true(fx_event(f, t, WEIR_EV_SOFT_ERROR, &err));
    assert_int_equal(err, WEIR_ETIMEDOUT);
    assert_int_equal(fx_counter(f, WEIR_CTR_TCP_R1_REACHED), 1);
    fx_inject_arp(f, WEIR_ARP_REPLY, k_peer_mac, PEER_IP, LOCAL_IP, k_our_mac);
    assert_memory_equal(fx_pop_eth(f).dst, k_peer_mac, 6); /* the held SYN goes */
    weir_tcp_abort(f->s, t);
    fx_free(f);
}

static void ethernet_netif_needs_a_unicast_mac(void **state)
{
    (void)state;
    fixture *f = fx_new_ethernet(7, k_our_mac);
    weir_netif_config nc = {.name = "tap1", .medium = WEIR_MEDIUM_ETHERNET, .mtu = MTU,
                            .ip = 0x0a010001u, .prefix_len = 24, .transmit = drop_frame};
    assert_int_equal(weir_netif_add(f->s, &nc), WEIR_EINVAL); /* all zeros */
    nc.mac[0] = 1;
    assert_int_equal(weir_netif_add(f->s, &nc), WEIR_EINVAL); /* a group address */
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_packet_waits_for_arp_then_goes_to_the_learned_mac),
        cmocka_unit_test(unanswered_arp_is_retried_three_times_then_packets_dropped),
        cmocka_unit_test(arp_request_for_our_address_is_answered_and_learned),
        cmocka_unit_test(arp_for_another_host_is_not_learned),
        cmocka_unit_test(learned_neighbour_expires),
        cmocka_unit_test(frames_for_other_macs_and_types_are_dropped),
        cmocka_unit_test(echo_request_over_ethernet_is_answered_to_the_sender),
        cmocka_unit_test(off_link_destination_goes_through_the_gateway),
        cmocka_unit_test(cached_routes_follow_route_and_interface_changes),
        cmocka_unit_test(negative_advice_at_r1_resolves_the_next_hop_again),
        cmocka_unit_test(ethernet_netif_needs_a_unicast_mac),
    };
    return cmocka_run_group_tests_name("arp", tests, NULL, NULL);
}
