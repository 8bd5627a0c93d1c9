/* test_wire_arp.c — ARP parse/emit (RFC 826) against a real Linux request and a padded reply, and
 * every field a packet may get wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_wire_fixtures.h"
#include "wire/arp.h"
#include "wire/ethernet.h"

#define REQ (fx_eth_arp_request + WEIR_ETH_HEADER_LEN)
#define REQ_LEN (sizeof(fx_eth_arp_request) - WEIR_ETH_HEADER_LEN)
#define REPLY (fx_eth_arp_reply + WEIR_ETH_HEADER_LEN)
#define REPLY_LEN (sizeof(fx_eth_arp_reply) - WEIR_ETH_HEADER_LEN)

static const uint8_t mac_01[6] = {0x02, 0, 0, 0, 0x01, 0x01};
static const uint8_t mac_02[6] = {0x02, 0, 0, 0, 0x01, 0x02};
static const uint8_t mac_zero[6] = {0};

static void linux_request_parses_to_expected_repr(void **state)
{
    (void)state;
    weir_arp_repr r;
    assert_int_equal(weir_arp_parse(REQ, REQ_LEN, &r), WEIR_WIRE_OK);
    assert_int_equal(r.operation, WEIR_ARP_REQUEST);
    assert_memory_equal(r.sender_mac, mac_01, 6);
    assert_int_equal(r.sender_ip, 0x0a000101);
    assert_memory_equal(r.target_mac, mac_zero, 6);
    assert_int_equal(r.target_ip, 0x0a000102);
}

static void linux_request_emits_identical_bytes(void **state)
{
    (void)state;
    weir_arp_repr r;
    assert_int_equal(weir_arp_parse(REQ, REQ_LEN, &r), WEIR_WIRE_OK);
    uint8_t out[WEIR_ARP_LEN];
    assert_int_equal(weir_arp_emit(&r, out, sizeof(out)), WEIR_ARP_LEN);
    assert_memory_equal(out, REQ, WEIR_ARP_LEN);
}

static void padded_reply_parses_and_emits_without_padding(void **state)
{
    (void)state;
    weir_arp_repr r;
    assert_int_equal(weir_arp_parse(REPLY, REPLY_LEN, &r), WEIR_WIRE_OK);
    assert_int_equal(r.operation, WEIR_ARP_REPLY);
    assert_memory_equal(r.sender_mac, mac_02, 6);
    assert_int_equal(r.sender_ip, 0x0a000102);
    assert_memory_equal(r.target_mac, mac_01, 6);
    assert_int_equal(r.target_ip, 0x0a000101);
    uint8_t out[WEIR_ARP_LEN];
    assert_int_equal(weir_arp_emit(&r, out, sizeof(out)), WEIR_ARP_LEN);
    assert_memory_equal(out, REPLY, WEIR_ARP_LEN);
}

static void packet_shorter_than_28_bytes_is_truncated(void **state)
{
    (void)state;
    weir_arp_repr r;
    for (size_t len = 0; len < WEIR_ARP_LEN; len++)
        assert_int_equal(weir_arp_parse(REQ, len, &r), WEIR_WIRE_TRUNCATED);
}

/* Change one byte of the request and expect BAD_FIELD. */
static void assert_bad_field(size_t at, uint8_t value)
{
    uint8_t buf[WEIR_ARP_LEN];
    memcpy(buf, REQ, WEIR_ARP_LEN);
    buf[at] = value;
    weir_arp_repr r;
    assert_int_equal(weir_arp_parse(buf, sizeof(buf), &r), WEIR_WIRE_BAD_FIELD);
}

static void hardware_type_other_than_ethernet_is_bad_field(void **state)
{
    (void)state;
    assert_bad_field(1, 6);    /* IEEE 802 */
    assert_bad_field(0, 0x01); /* 0x0101 */
}

static void protocol_type_other_than_ipv4_is_bad_field(void **state)
{
    (void)state;
    assert_bad_field(2, 0x86); /* 0x8600 */
    assert_bad_field(3, 0x06); /* 0x0806 */
}

static void address_sizes_other_than_6_and_4_are_bad_field(void **state)
{
    (void)state;
    assert_bad_field(4, 8);
    assert_bad_field(5, 16);
    assert_bad_field(4, 0);
    assert_bad_field(5, 0);
}

static void operation_other_than_request_or_reply_is_bad_field(void **state)
{
    (void)state;
    assert_bad_field(7, 0);
    assert_bad_field(7, 3); /* RARP request */
    assert_bad_field(6, 1); /* 0x0101 */
}

static void emit_with_unknown_operation_is_bad_repr(void **state)
{
    (void)state;
    weir_arp_repr r;
    memset(&r, 0, sizeof(r));
    r.operation = 3;
    uint8_t out[WEIR_ARP_LEN];
    assert_int_equal(weir_arp_emit(&r, out, sizeof(out)), -WEIR_WIRE_BAD_REPR);
}

static void emit_with_any_short_cap_is_no_room_and_writes_nothing(void **state)
{
    (void)state;
    weir_arp_repr r;
    assert_int_equal(weir_arp_parse(REQ, REQ_LEN, &r), WEIR_WIRE_OK);
    uint8_t out[64];
    for (size_t cap = 0; cap < WEIR_ARP_LEN; cap++) {
        fx_fill_canary(out, sizeof(out));
        assert_int_equal(weir_arp_emit(&r, out, cap), -WEIR_WIRE_NO_ROOM);
        assert_true(fx_canary_intact(out, 0, sizeof(out)));
    }
    fx_fill_canary(out, sizeof(out));
    assert_int_equal(weir_arp_emit(&r, out, WEIR_ARP_LEN), WEIR_ARP_LEN);
    assert_true(fx_canary_intact(out, WEIR_ARP_LEN, sizeof(out)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_request_parses_to_expected_repr),
        cmocka_unit_test(linux_request_emits_identical_bytes),
        cmocka_unit_test(padded_reply_parses_and_emits_without_padding),
        cmocka_unit_test(packet_shorter_than_28_bytes_is_truncated),
        cmocka_unit_test(hardware_type_other_than_ethernet_is_bad_field),
        cmocka_unit_test(protocol_type_other_than_ipv4_is_bad_field),
        cmocka_unit_test(address_sizes_other_than_6_and_4_are_bad_field),
        cmocka_unit_test(operation_other_than_request_or_reply_is_bad_field),
        cmocka_unit_test(emit_with_unknown_operation_is_bad_repr),
        cmocka_unit_test(emit_with_any_short_cap_is_no_room_and_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
