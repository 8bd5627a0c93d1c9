/* test_wire_ethernet.c — Ethernet II header parse/emit against real frames, and 802.3 length
 * frames, which we refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_wire_fixtures.h"
#include "wire/ethernet.h"

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_01[6] = {0x02, 0, 0, 0, 0x01, 0x01};

static void linux_arp_frame_parses_to_expected_repr(void **state)
{
    (void)state;
    weir_eth_repr r;
    assert_int_equal(weir_eth_parse(fx_eth_arp_request, sizeof(fx_eth_arp_request), &r),
                     WEIR_WIRE_OK);
    assert_memory_equal(r.dst, broadcast, 6);
    assert_memory_equal(r.src, mac_01, 6);
    assert_int_equal(r.ethertype, WEIR_ETHERTYPE_ARP);
    assert_ptr_equal(r.payload, fx_eth_arp_request + 14);
    assert_int_equal(r.payload_len, 28);
}

static void real_headers_emit_identical_bytes(void **state)
{
    (void)state;
    const uint8_t *frames[] = {fx_eth_arp_request, fx_eth_arp_reply};
    const size_t lens[] = {sizeof(fx_eth_arp_request), sizeof(fx_eth_arp_reply)};
    for (size_t i = 0; i < 2; i++) {
        weir_eth_repr r;
        assert_int_equal(weir_eth_parse(frames[i], lens[i], &r), WEIR_WIRE_OK);
        uint8_t out[WEIR_ETH_HEADER_LEN];
        assert_int_equal(weir_eth_emit_header(&r, out, sizeof(out)), WEIR_ETH_HEADER_LEN);
        assert_memory_equal(out, frames[i], WEIR_ETH_HEADER_LEN);
    }
}

static void padding_is_part_of_the_payload(void **state)
{
    (void)state;
    /* The link layer cannot tell padding from data; ARP and IPv4 trim by their own lengths. */
    weir_eth_repr r;
    assert_int_equal(weir_eth_parse(fx_eth_arp_reply, sizeof(fx_eth_arp_reply), &r), WEIR_WIRE_OK);
    assert_int_equal(r.payload_len, 46);
}

static void header_only_frame_has_empty_payload(void **state)
{
    (void)state;
    weir_eth_repr r;
    assert_int_equal(weir_eth_parse(fx_eth_arp_request, WEIR_ETH_HEADER_LEN, &r), WEIR_WIRE_OK);
    assert_int_equal(r.payload_len, 0);
}

static void frame_shorter_than_header_is_truncated(void **state)
{
    (void)state;
    weir_eth_repr r;
    for (size_t len = 0; len < WEIR_ETH_HEADER_LEN; len++)
        assert_int_equal(weir_eth_parse(fx_eth_arp_request, len, &r), WEIR_WIRE_TRUNCATED);
}

static void ieee_802_3_length_field_is_bad_field(void **state)
{
    (void)state;
    uint8_t buf[sizeof(fx_eth_arp_reply)];
    memcpy(buf, fx_eth_arp_reply, sizeof(buf));
    weir_eth_repr r;
    static const uint16_t lengths[] = {0x0000, 0x002e, 0x05dc, 0x05ff};
    for (size_t i = 0; i < 4; i++) {
        weir_put16(buf + 12, lengths[i]);
        assert_int_equal(weir_eth_parse(buf, sizeof(buf), &r), WEIR_WIRE_BAD_FIELD);
    }
    weir_put16(buf + 12, 0x0600); /* the first EtherType value */
    assert_int_equal(weir_eth_parse(buf, sizeof(buf), &r), WEIR_WIRE_OK);
    assert_int_equal(r.ethertype, 0x0600);
}

static void emit_with_length_instead_of_ethertype_is_bad_repr(void **state)
{
    (void)state;
    weir_eth_repr r;
    memset(&r, 0, sizeof(r));
    r.ethertype = 0x05dc;
    uint8_t out[WEIR_ETH_HEADER_LEN];
    assert_int_equal(weir_eth_emit_header(&r, out, sizeof(out)), -WEIR_WIRE_BAD_REPR);
}

static void emit_with_any_short_cap_is_no_room_and_writes_nothing(void **state)
{
    (void)state;
    weir_eth_repr r;
    assert_int_equal(weir_eth_parse(fx_eth_arp_request, sizeof(fx_eth_arp_request), &r),
                     WEIR_WIRE_OK);
    uint8_t out[32];
    for (size_t cap = 0; cap < WEIR_ETH_HEADER_LEN; cap++) {
        fx_fill_canary(out, sizeof(out));
        assert_int_equal(weir_eth_emit_header(&r, out, cap), -WEIR_WIRE_NO_ROOM);
        assert_true(fx_canary_intact(out, 0, sizeof(out)));
    }
    fx_fill_canary(out, sizeof(out));
    assert_int_equal(weir_eth_emit_header(&r, out, WEIR_ETH_HEADER_LEN), WEIR_ETH_HEADER_LEN);
    assert_true(fx_canary_intact(out, WEIR_ETH_HEADER_LEN, sizeof(out)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_arp_frame_parses_to_expected_repr),
        cmocka_unit_test(real_headers_emit_identical_bytes),
        cmocka_unit_test(padding_is_part_of_the_payload),
        cmocka_unit_test(header_only_frame_has_empty_payload),
        cmocka_unit_test(frame_shorter_than_header_is_truncated),
        cmocka_unit_test(ieee_802_3_length_field_is_bad_field),
        cmocka_unit_test(emit_with_length_instead_of_ethertype_is_bad_repr),
        cmocka_unit_test(emit_with_any_short_cap_is_no_room_and_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
