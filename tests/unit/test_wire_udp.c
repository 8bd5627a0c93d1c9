/* test_wire_udp.c — UDP parse/emit (RFC 768, RFC 1122 §4.1.3.4) against a real DNS query, and the
 * length and checksum rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_wire_fixtures.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define DGRAM (fx_udp_dns + FX_IP_HLEN)
#define DGRAM_LEN (sizeof(fx_udp_dns) - FX_IP_HLEN)

static void linux_dns_query_parses_to_expected_repr(void **state)
{
    (void)state;
    weir_udp_repr r;
    assert_int_equal(weir_udp_parse(DGRAM, DGRAM_LEN, FX_IP_A, FX_IP_B, true, &r), WEIR_WIRE_OK);
    assert_int_equal(r.src_port, 5353);
    assert_int_equal(r.dst_port, 53);
    assert_int_equal(r.payload_len, 29);
    assert_ptr_equal(r.payload, DGRAM + 8);
    assert_int_equal(weir_get16(r.payload), 0x1a2b); /* the DNS id */
}

static void linux_dns_query_emits_identical_bytes(void **state)
{
    (void)state;
    weir_udp_repr r;
    assert_int_equal(weir_udp_parse(DGRAM, DGRAM_LEN, FX_IP_A, FX_IP_B, true, &r), WEIR_WIRE_OK);
    uint8_t out[64];
    assert_int_equal(weir_udp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), (int)DGRAM_LEN);
    assert_memory_equal(out, DGRAM, DGRAM_LEN);
}

static void datagram_shorter_than_header_is_truncated(void **state)
{
    (void)state;
    weir_udp_repr r;
    for (size_t len = 0; len < WEIR_UDP_HEADER_LEN; len++)
        assert_int_equal(weir_udp_parse(DGRAM, len, FX_IP_A, FX_IP_B, false, &r),
                         WEIR_WIRE_TRUNCATED);
}

static void length_field_below_header_is_bad_length(void **state)
{
    (void)state;
    uint8_t buf[DGRAM_LEN];
    weir_udp_repr r;
    for (uint16_t l = 0; l < WEIR_UDP_HEADER_LEN; l++) {
        memcpy(buf, DGRAM, DGRAM_LEN);
        weir_put16(buf + 4, l);
        assert_int_equal(weir_udp_parse(buf, DGRAM_LEN, FX_IP_A, FX_IP_B, false, &r),
                         WEIR_WIRE_BAD_LENGTH);
    }
}

static void length_field_beyond_buffer_is_bad_length(void **state)
{
    (void)state;
    weir_udp_repr r;
    for (size_t len = WEIR_UDP_HEADER_LEN; len < DGRAM_LEN; len++)
        assert_int_equal(weir_udp_parse(DGRAM, len, FX_IP_A, FX_IP_B, false, &r),
                         WEIR_WIRE_BAD_LENGTH);
}

static void bytes_past_length_field_are_ignored(void **state)
{
    (void)state;
    uint8_t buf[DGRAM_LEN + 7];
    memcpy(buf, DGRAM, DGRAM_LEN);
    memset(buf + DGRAM_LEN, 0x77, 7);
    weir_udp_repr r;
    assert_int_equal(weir_udp_parse(buf, sizeof(buf), FX_IP_A, FX_IP_B, true, &r), WEIR_WIRE_OK);
    assert_int_equal(r.payload_len, 29);
}

static void corrupted_byte_is_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[DGRAM_LEN];
    weir_udp_repr r;
    for (size_t i = 0; i < DGRAM_LEN; i++) {
        if (i == 4 || i == 5)
            continue; /* the length field fails the length check first */
        memcpy(buf, DGRAM, DGRAM_LEN);
        buf[i] ^= 0x10;
        assert_int_equal(weir_udp_parse(buf, DGRAM_LEN, FX_IP_A, FX_IP_B, true, &r),
                         WEIR_WIRE_BAD_CHECKSUM);
        assert_int_equal(weir_udp_parse(buf, DGRAM_LEN, FX_IP_A, FX_IP_B, false, &r), WEIR_WIRE_OK);
    }
}

static void checksum_covers_the_pseudo_header(void **state)
{
    (void)state;
    weir_udp_repr r;
    assert_int_equal(weir_udp_parse(DGRAM, DGRAM_LEN, FX_IP_A + 1, FX_IP_B, true, &r),
                     WEIR_WIRE_BAD_CHECKSUM);
}

static void zero_checksum_means_none(void **state)
{
    (void)state;
    uint8_t buf[DGRAM_LEN];
    memcpy(buf, DGRAM, DGRAM_LEN);
    weir_put16(buf + 6, 0);
    weir_udp_repr r;
    assert_int_equal(weir_udp_parse(buf, DGRAM_LEN, FX_IP_A, FX_IP_B, true, &r), WEIR_WIRE_OK);
}

/* RFC 768: a computed checksum of zero is sent as 0xffff, which still verifies. */
static void computed_zero_checksum_is_sent_as_ffff(void **state)
{
    (void)state;
    uint8_t payload[2] = {0, 0};
    weir_udp_repr r = {.src_port = 1000, .dst_port = 2000, .payload = payload, .payload_len = 2};
    /* Choose the payload word that makes the whole sum 0xffff, i.e. a checksum of zero. */
    uint32_t sum = weir_cksum_pseudo_ipv4(FX_IP_A, FX_IP_B, WEIR_IP_PROTO_UDP, 10);
    uint8_t hdr[8];
    weir_put16(hdr, 1000);
    weir_put16(hdr + 2, 2000);
    weir_put16(hdr + 4, 10);
    weir_put16(hdr + 6, 0);
    uint16_t rest = (uint16_t)~weir_cksum_finish(weir_cksum_add(sum, hdr, 8));
    weir_put16(payload, (uint16_t)~rest);
    uint8_t out[10];
    assert_int_equal(weir_udp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 10);
    assert_int_equal(weir_get16(out + 6), 0xffff);
    weir_udp_repr back;
    assert_int_equal(weir_udp_parse(out, 10, FX_IP_A, FX_IP_B, true, &back), WEIR_WIRE_OK);
}

static void emit_with_any_short_cap_is_no_room_and_writes_nothing(void **state)
{
    (void)state;
    weir_udp_repr r;
    assert_int_equal(weir_udp_parse(DGRAM, DGRAM_LEN, FX_IP_A, FX_IP_B, true, &r), WEIR_WIRE_OK);
    uint8_t out[64];
    for (size_t cap = 0; cap < DGRAM_LEN; cap++) {
        fx_fill_canary(out, sizeof(out));
        assert_int_equal(weir_udp_emit(&r, FX_IP_A, FX_IP_B, out, cap), -WEIR_WIRE_NO_ROOM);
        assert_true(fx_canary_intact(out, 0, sizeof(out)));
    }
    fx_fill_canary(out, sizeof(out));
    assert_int_equal(weir_udp_emit(&r, FX_IP_A, FX_IP_B, out, DGRAM_LEN), (int)DGRAM_LEN);
    assert_true(fx_canary_intact(out, DGRAM_LEN, sizeof(out)));
}

static void emit_keeps_a_payload_already_in_place(void **state)
{
    (void)state;
    weir_udp_repr r;
    assert_int_equal(weir_udp_parse(DGRAM, DGRAM_LEN, FX_IP_A, FX_IP_B, true, &r), WEIR_WIRE_OK);
    uint8_t out[64];
    memcpy(out + 8, r.payload, r.payload_len);
    r.payload = out + 8;
    assert_int_equal(weir_udp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), (int)DGRAM_LEN);
    assert_memory_equal(out, DGRAM, DGRAM_LEN);
}

static void emit_with_payload_over_length_field_is_bad_repr(void **state)
{
    (void)state;
    static uint8_t big[0x10000];
    weir_udp_repr r = {.src_port = 1, .dst_port = 2, .payload = big, .payload_len = 0xffff - 7};
    assert_int_equal(weir_udp_emit(&r, FX_IP_A, FX_IP_B, big, sizeof(big)), -WEIR_WIRE_BAD_REPR);
    r.payload_len = 0xffff - 8;
    assert_int_equal(weir_udp_emit(&r, FX_IP_A, FX_IP_B, big, sizeof(big)), 0xffff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_dns_query_parses_to_expected_repr),
        cmocka_unit_test(linux_dns_query_emits_identical_bytes),
        cmocka_unit_test(datagram_shorter_than_header_is_truncated),
        cmocka_unit_test(length_field_below_header_is_bad_length),
        cmocka_unit_test(length_field_beyond_buffer_is_bad_length),
        cmocka_unit_test(bytes_past_length_field_are_ignored),
        cmocka_unit_test(corrupted_byte_is_bad_checksum),
        cmocka_unit_test(checksum_covers_the_pseudo_header),
        cmocka_unit_test(zero_checksum_means_none),
        cmocka_unit_test(computed_zero_checksum_is_sent_as_ffff),
        cmocka_unit_test(emit_with_any_short_cap_is_no_room_and_writes_nothing),
        cmocka_unit_test(emit_keeps_a_payload_already_in_place),
        cmocka_unit_test(emit_with_payload_over_length_field_is_bad_repr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
