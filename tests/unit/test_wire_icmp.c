/* test_wire_icmp.c — ICMPv4 parse/emit (RFC 792, RFC 1191 §4) against real messages, and the
 * ways a message can be short or corrupt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_wire_fixtures.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

#define MSG_OF(fx) ((fx) + FX_IP_HLEN)
#define MSG_LEN(fx) (sizeof(fx) - FX_IP_HLEN)

static void assert_round_trip(const uint8_t *msg, size_t len)
{
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(msg, len, true, &r), WEIR_WIRE_OK);
    uint8_t out[256];
    assert_int_equal(weir_icmp_emit(&r, out, sizeof(out)), (int)len);
    assert_memory_equal(out, msg, len);
}

static void fix_checksum(uint8_t *msg, size_t len)
{
    weir_put16(msg + 2, 0);
    weir_put16(msg + 2, weir_cksum_finish(weir_cksum_add(0, msg, len)));
}

static void linux_echo_request_parses_and_round_trips(void **state)
{
    (void)state;
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(MSG_OF(fx_icmp_echo), MSG_LEN(fx_icmp_echo), true, &r),
                     WEIR_WIRE_OK);
    assert_int_equal(r.type, WEIR_ICMP_ECHO_REQUEST);
    assert_int_equal(r.code, 0);
    assert_int_equal(r.ident, 0x56a8);
    assert_int_equal(r.seq, 1);
    assert_int_equal(r.mtu, 0);
    assert_int_equal(r.payload_len, 40);
    assert_ptr_equal(r.payload, MSG_OF(fx_icmp_echo) + 8);
    assert_int_equal(r.payload[0], 0x10);
    assert_round_trip(MSG_OF(fx_icmp_echo), MSG_LEN(fx_icmp_echo));
}

static void echo_reply_built_from_request_verifies(void **state)
{
    (void)state;
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(MSG_OF(fx_icmp_echo), MSG_LEN(fx_icmp_echo), true, &r),
                     WEIR_WIRE_OK);
    r.type = WEIR_ICMP_ECHO_REPLY;
    uint8_t out[64];
    int n = weir_icmp_emit(&r, out, sizeof(out));
    assert_int_equal(n, 48);
    /* Only the type changed (8 -> 0), so the checksum moves by exactly 0x0800. */
    assert_int_equal(weir_get16(out + 2), weir_cksum_update16(0xe283, 0x0800, 0x0000));
    weir_icmp_repr back;
    assert_int_equal(weir_icmp_parse(out, (size_t)n, true, &back), WEIR_WIRE_OK);
    assert_int_equal(back.ident, 0x56a8);
}

static void linux_port_unreachable_parses_and_round_trips(void **state)
{
    (void)state;
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(MSG_OF(fx_icmp_unreach), MSG_LEN(fx_icmp_unreach), true, &r),
                     WEIR_WIRE_OK);
    assert_int_equal(r.type, WEIR_ICMP_DEST_UNREACH);
    assert_int_equal(r.code, WEIR_ICMP_UNREACH_PORT);
    assert_int_equal(r.mtu, 0);
    assert_int_equal(r.ident, 0);
    assert_int_equal(r.seq, 0);
    /* The quoted datagram: its IP header (20) and the whole UDP datagram (8 + "hi"). */
    assert_int_equal(r.payload_len, 30);
    assert_int_equal(r.payload[0], 0x45);
    assert_int_equal(weir_get16(r.payload + 20 + 2), 9);
    assert_round_trip(MSG_OF(fx_icmp_unreach), MSG_LEN(fx_icmp_unreach));
}

static void needfrag_carries_next_hop_mtu(void **state)
{
    (void)state;
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(MSG_OF(fx_icmp_needfrag), MSG_LEN(fx_icmp_needfrag), true, &r),
                     WEIR_WIRE_OK);
    assert_int_equal(r.type, WEIR_ICMP_DEST_UNREACH);
    assert_int_equal(r.code, WEIR_ICMP_UNREACH_NEEDFRAG);
    assert_int_equal(r.mtu, 1280);
    assert_int_equal(r.payload_len, 28);
    assert_round_trip(MSG_OF(fx_icmp_needfrag), MSG_LEN(fx_icmp_needfrag));
}

/* RFC 792: the second word of unreachable and time exceeded is unused. Whatever a sender put
 * there is ignored on parse, and we send zeros. */
static void unused_word_of_error_messages_is_ignored(void **state)
{
    (void)state;
    static const uint8_t types[][2] = {
        {WEIR_ICMP_DEST_UNREACH, WEIR_ICMP_UNREACH_HOST},
        {WEIR_ICMP_TIME_EXCEEDED, 0},
    };
    for (size_t i = 0; i < 2; i++) {
        uint8_t msg[16] = {types[i][0], types[i][1], 0, 0, 0xde, 0xad, 0xbe, 0xef, 0x45};
        fix_checksum(msg, sizeof(msg));
        weir_icmp_repr r;
        assert_int_equal(weir_icmp_parse(msg, sizeof(msg), true, &r), WEIR_WIRE_OK);
        assert_int_equal(r.ident, 0);
        assert_int_equal(r.seq, 0);
        assert_int_equal(r.mtu, 0);
        uint8_t out[16];
        assert_int_equal(weir_icmp_emit(&r, out, sizeof(out)), 16);
        assert_int_equal(weir_get32(out + 4), 0);
    }
}

/* Types we do not interpret (parameter problem's pointer, redirect's gateway) keep their second
 * word in ident:seq, so a round trip loses nothing. */
static void uninterpreted_word_survives_as_ident_and_seq(void **state)
{
    (void)state;
    uint8_t msg[12] = {WEIR_ICMP_PARAM_PROBLEM, 0, 0, 0, 12, 0, 0, 0, 0x45, 0, 0, 0};
    fix_checksum(msg, sizeof(msg));
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(msg, sizeof(msg), true, &r), WEIR_WIRE_OK);
    assert_int_equal(r.ident >> 8, 12); /* the pointer: byte 12 of the quoted header */
    assert_round_trip(msg, sizeof(msg));
}

static void odd_length_message_checksum_is_verified(void **state)
{
    (void)state;
    uint8_t msg[13] = {WEIR_ICMP_ECHO_REPLY, 0, 0, 0, 0, 1, 0, 2, 'h', 'e', 'l', 'l', 'o'};
    fix_checksum(msg, sizeof(msg));
    assert_round_trip(msg, sizeof(msg));
    msg[12] ^= 1;
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(msg, sizeof(msg), true, &r), WEIR_WIRE_BAD_CHECKSUM);
}

static void message_shorter_than_header_is_truncated(void **state)
{
    (void)state;
    weir_icmp_repr r;
    for (size_t len = 0; len < WEIR_ICMP_HEADER_LEN; len++)
        assert_int_equal(weir_icmp_parse(MSG_OF(fx_icmp_echo), len, false, &r),
                         WEIR_WIRE_TRUNCATED);
}

static void corrupted_byte_is_bad_checksum(void **state)
{
    (void)state;
    uint8_t msg[sizeof(fx_icmp_echo)];
    size_t len = MSG_LEN(fx_icmp_echo);
    weir_icmp_repr r;
    for (size_t i = 0; i < len; i++) {
        memcpy(msg, MSG_OF(fx_icmp_echo), len);
        msg[i] ^= 0x80;
        assert_int_equal(weir_icmp_parse(msg, len, true, &r), WEIR_WIRE_BAD_CHECKSUM);
        assert_int_equal(weir_icmp_parse(msg, len, false, &r), WEIR_WIRE_OK);
    }
}

static void emit_with_any_short_cap_is_no_room_and_writes_nothing(void **state)
{
    (void)state;
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(MSG_OF(fx_icmp_echo), MSG_LEN(fx_icmp_echo), true, &r),
                     WEIR_WIRE_OK);
    size_t need = MSG_LEN(fx_icmp_echo);
    uint8_t out[64];
    for (size_t cap = 0; cap < need; cap++) {
        fx_fill_canary(out, sizeof(out));
        assert_int_equal(weir_icmp_emit(&r, out, cap), -WEIR_WIRE_NO_ROOM);
        assert_true(fx_canary_intact(out, 0, sizeof(out)));
    }
    fx_fill_canary(out, sizeof(out));
    assert_int_equal(weir_icmp_emit(&r, out, need), (int)need);
    assert_true(fx_canary_intact(out, need, sizeof(out)));
}

static void emit_keeps_a_payload_already_in_place(void **state)
{
    (void)state;
    weir_icmp_repr r;
    assert_int_equal(weir_icmp_parse(MSG_OF(fx_icmp_echo), MSG_LEN(fx_icmp_echo), true, &r),
                     WEIR_WIRE_OK);
    uint8_t out[64];
    memcpy(out + 8, r.payload, r.payload_len);
    r.payload = out + 8;
    assert_int_equal(weir_icmp_emit(&r, out, sizeof(out)), (int)MSG_LEN(fx_icmp_echo));
    assert_memory_equal(out, MSG_OF(fx_icmp_echo), MSG_LEN(fx_icmp_echo));
}

static void emit_with_payload_over_64k_is_bad_repr(void **state)
{
    (void)state;
    static uint8_t big[0x10000];
    weir_icmp_repr r;
    memset(&r, 0, sizeof(r));
    r.type = WEIR_ICMP_ECHO_REQUEST;
    r.payload = big;
    r.payload_len = 0xffff - 8 + 1;
    assert_int_equal(weir_icmp_emit(&r, big, sizeof(big)), -WEIR_WIRE_BAD_REPR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_echo_request_parses_and_round_trips),
        cmocka_unit_test(echo_reply_built_from_request_verifies),
        cmocka_unit_test(linux_port_unreachable_parses_and_round_trips),
        cmocka_unit_test(needfrag_carries_next_hop_mtu),
        cmocka_unit_test(unused_word_of_error_messages_is_ignored),
        cmocka_unit_test(uninterpreted_word_survives_as_ident_and_seq),
        cmocka_unit_test(odd_length_message_checksum_is_verified),
        cmocka_unit_test(message_shorter_than_header_is_truncated),
        cmocka_unit_test(corrupted_byte_is_bad_checksum),
        cmocka_unit_test(emit_with_any_short_cap_is_no_room_and_writes_nothing),
        cmocka_unit_test(emit_keeps_a_payload_already_in_place),
        cmocka_unit_test(emit_with_payload_over_64k_is_bad_repr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
