/* test_wire_ipv4.c — IPv4 header parse/emit against real packets, and each rule of RFC 791 §3.1 /
 * RFC 1122 §3.2.1 a header can break. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_wire_fixtures.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"

/* Recompute the header checksum after a test edited a field, so that only the edit is wrong. */
static void fix_checksum(uint8_t *hdr)
{
    size_t hlen = (size_t)(hdr[0] & 0x0f) * 4;
    weir_put16(hdr + 10, 0);
    weir_put16(hdr + 10, weir_cksum_finish(weir_cksum_add(0, hdr, hlen)));
}

static void linux_syn_header_parses_to_expected_repr(void **state)
{
    (void)state;
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(fx_tcp_syn, sizeof(fx_tcp_syn), true, &r), WEIR_WIRE_OK);
    assert_int_equal(r.src, FX_IP_A);
    assert_int_equal(r.dst, FX_IP_B);
    assert_int_equal(r.protocol, WEIR_IP_PROTO_TCP);
    assert_int_equal(r.ttl, 64);
    assert_int_equal(r.tos, 0);
    assert_int_equal(r.ident, 0x613c);
    assert_true(r.dont_fragment);
    assert_false(r.more_fragments);
    assert_int_equal(r.frag_offset, 0);
    assert_int_equal(r.header_len, 20);
    assert_ptr_equal(r.payload, fx_tcp_syn + 20);
    assert_int_equal(r.payload_len, 40);
}

static void round_trip_gives_identical_header(const uint8_t *pkt, size_t len)
{
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(pkt, len, true, &r), WEIR_WIRE_OK);
    uint8_t out[FX_IP_HLEN];
    assert_int_equal(weir_ipv4_emit_header(&r, out, sizeof(out)), FX_IP_HLEN);
    assert_memory_equal(out, pkt, FX_IP_HLEN);
}

static void real_headers_emit_identical_bytes(void **state)
{
    (void)state;
    round_trip_gives_identical_header(fx_tcp_syn, sizeof(fx_tcp_syn));
    round_trip_gives_identical_header(fx_tcp_synack, sizeof(fx_tcp_synack));
    round_trip_gives_identical_header(fx_udp_dns, sizeof(fx_udp_dns));
    round_trip_gives_identical_header(fx_icmp_echo, sizeof(fx_icmp_echo));
    round_trip_gives_identical_header(fx_icmp_unreach, sizeof(fx_icmp_unreach));   /* TOS 0xc0 */
    round_trip_gives_identical_header(fx_icmp_needfrag, sizeof(fx_icmp_needfrag)); /* no DF */
}

static void options_are_skipped_by_header_length(void **state)
{
    (void)state;
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(fx_ipv4_opts_frag, sizeof(fx_ipv4_opts_frag), true, &r),
                     WEIR_WIRE_OK);
    assert_int_equal(r.header_len, 24);
    assert_ptr_equal(r.payload, fx_ipv4_opts_frag + 24);
    assert_int_equal(r.payload_len, 24);
    assert_int_equal(r.payload[0], 0x00);
    assert_int_equal(r.payload[23], 0x17);
}

static void fragment_fields_are_decoded(void **state)
{
    (void)state;
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(fx_ipv4_opts_frag, sizeof(fx_ipv4_opts_frag), true, &r),
                     WEIR_WIRE_OK);
    assert_false(r.dont_fragment);
    assert_true(r.more_fragments);
    assert_int_equal(r.frag_offset, 1480);
    assert_int_equal(r.ident, 0xbeef);
    assert_int_equal(r.ttl, 17);
    assert_int_equal(r.protocol, WEIR_IP_PROTO_UDP);
    assert_int_equal(r.src, 0xc0a8010a);
    assert_int_equal(r.dst, 0xc0a80114);
}

/* Emit never writes options: the header of an options packet comes back as IHL 5 with the same
 * fields, the same fragment word, and a checksum that verifies. */
static void emit_of_options_packet_drops_the_options(void **state)
{
    (void)state;
    weir_ipv4_repr r, back;
    assert_int_equal(weir_ipv4_parse(fx_ipv4_opts_frag, sizeof(fx_ipv4_opts_frag), true, &r),
                     WEIR_WIRE_OK);
    uint8_t out[20 + 24];
    assert_int_equal(weir_ipv4_emit_header(&r, out, sizeof(out)), 20);
    memcpy(out + 20, r.payload, r.payload_len);
    assert_int_equal(out[0], 0x45);
    assert_int_equal(weir_get16(out + 2), 44);
    assert_int_equal(weir_get16(out + 6), 0x2000 | (1480 / 8));
    assert_int_equal(weir_ipv4_parse(out, sizeof(out), true, &back), WEIR_WIRE_OK);
    assert_int_equal(back.header_len, 20);
    assert_int_equal(back.frag_offset, 1480);
    assert_true(back.more_fragments);
    assert_int_equal(back.payload_len, 24);
    assert_memory_equal(back.payload, r.payload, 24);
}

static void padding_past_total_length_is_ignored(void **state)
{
    (void)state;
    /* The ACK is 52 bytes; on Ethernet it would arrive padded to 46+ bytes of payload anyway,
     * here with 8 extra bytes of junk. */
    uint8_t buf[sizeof(fx_tcp_ack) + 8];
    memcpy(buf, fx_tcp_ack, sizeof(fx_tcp_ack));
    memset(buf + sizeof(fx_tcp_ack), 0xee, 8);
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), true, &r), WEIR_WIRE_OK);
    assert_int_equal(r.payload_len, sizeof(fx_tcp_ack) - 20);
}

static void packet_shorter_than_header_is_truncated(void **state)
{
    (void)state;
    weir_ipv4_repr r;
    for (size_t len = 0; len < WEIR_IPV4_MIN_HEADER; len++)
        assert_int_equal(weir_ipv4_parse(fx_tcp_syn, len, true, &r), WEIR_WIRE_TRUNCATED);
}

static void version_other_than_four_is_bad_version(void **state)
{
    (void)state;
    uint8_t buf[sizeof(fx_tcp_syn)];
    weir_ipv4_repr r;
    for (unsigned v = 0; v < 16; v++) {
        if (v == 4)
            continue;
        memcpy(buf, fx_tcp_syn, sizeof(buf));
        buf[0] = (uint8_t)(v << 4 | 5);
        fix_checksum(buf);
        assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), true, &r), WEIR_WIRE_BAD_VERSION);
    }
}

static void ihl_below_five_is_bad_header_len(void **state)
{
    (void)state;
    uint8_t buf[sizeof(fx_tcp_syn)];
    weir_ipv4_repr r;
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        memcpy(buf, fx_tcp_syn, sizeof(buf));
        buf[0] = (uint8_t)(0x40 | ihl);
        assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), false, &r), WEIR_WIRE_BAD_HEADER_LEN);
    }
}

static void ihl_past_the_packet_is_bad_header_len(void **state)
{
    (void)state;
    /* IHL 15 = 60 bytes of header in a 52-byte packet. */
    uint8_t buf[sizeof(fx_tcp_ack)];
    memcpy(buf, fx_tcp_ack, sizeof(buf));
    buf[0] = 0x4f;
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), false, &r), WEIR_WIRE_BAD_HEADER_LEN);
}

static void total_length_beyond_buffer_is_bad_length(void **state)
{
    (void)state;
    weir_ipv4_repr r;
    /* The SYN says 60 bytes: every shorter buffer that still holds the header is cut short. */
    for (size_t len = 20; len < sizeof(fx_tcp_syn); len++)
        assert_int_equal(weir_ipv4_parse(fx_tcp_syn, len, true, &r), WEIR_WIRE_BAD_LENGTH);
}

static void total_length_below_header_is_bad_length(void **state)
{
    (void)state;
    uint8_t buf[sizeof(fx_ipv4_opts_frag)];
    memcpy(buf, fx_ipv4_opts_frag, sizeof(buf));
    weir_put16(buf + 2, 20); /* header is 24 */
    fix_checksum(buf);
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), true, &r), WEIR_WIRE_BAD_LENGTH);
    weir_put16(buf + 2, 24); /* header only, no payload: fine */
    fix_checksum(buf);
    assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), true, &r), WEIR_WIRE_OK);
    assert_int_equal(r.payload_len, 0);
}

static void corrupted_header_is_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[sizeof(fx_ipv4_opts_frag)];
    weir_ipv4_repr r;
    /* Every bit of the header, options included, is covered. Flips of the length fields fail
     * earlier checks, so only count those that get as far as the checksum. */
    int checked = 0;
    for (size_t i = 0; i < 24; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(buf, fx_ipv4_opts_frag, sizeof(buf));
            buf[i] ^= (uint8_t)(1u << bit);
            weir_wire_status st = weir_ipv4_parse(buf, sizeof(buf), true, &r);
            assert_int_not_equal(st, WEIR_WIRE_OK);
            checked += st == WEIR_WIRE_BAD_CHECKSUM;
        }
    }
    assert_true(checked > 150);
}

static void bad_checksum_is_accepted_when_not_verified(void **state)
{
    (void)state;
    uint8_t buf[sizeof(fx_tcp_syn)];
    memcpy(buf, fx_tcp_syn, sizeof(buf));
    buf[10] ^= 0x55;
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), false, &r), WEIR_WIRE_OK);
    assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), true, &r), WEIR_WIRE_BAD_CHECKSUM);
}

static void reserved_flag_bit_is_ignored(void **state)
{
    (void)state;
    uint8_t buf[sizeof(fx_tcp_syn)];
    memcpy(buf, fx_tcp_syn, sizeof(buf));
    buf[6] |= 0x80;
    fix_checksum(buf);
    weir_ipv4_repr r;
    assert_int_equal(weir_ipv4_parse(buf, sizeof(buf), true, &r), WEIR_WIRE_OK);
    assert_true(r.dont_fragment);
    assert_int_equal(r.frag_offset, 0);
}

static weir_ipv4_repr sample_repr(void)
{
    weir_ipv4_repr r;
    memset(&r, 0, sizeof(r));
    r.src = FX_IP_A;
    r.dst = FX_IP_B;
    r.protocol = WEIR_IP_PROTO_TCP;
    r.ttl = 64;
    r.dont_fragment = true;
    r.payload_len = 40;
    return r;
}

static void emit_with_any_short_cap_is_no_room_and_writes_nothing(void **state)
{
    (void)state;
    weir_ipv4_repr r = sample_repr();
    uint8_t out[64];
    for (size_t cap = 0; cap < 20; cap++) {
        fx_fill_canary(out, sizeof(out));
        assert_int_equal(weir_ipv4_emit_header(&r, out, cap), -WEIR_WIRE_NO_ROOM);
        assert_true(fx_canary_intact(out, 0, sizeof(out)));
    }
    fx_fill_canary(out, sizeof(out));
    assert_int_equal(weir_ipv4_emit_header(&r, out, 20), 20);
    assert_true(fx_canary_intact(out, 20, sizeof(out)));
}

static void emit_total_length_is_header_plus_payload(void **state)
{
    (void)state;
    weir_ipv4_repr r = sample_repr();
    uint8_t out[20];
    r.payload_len = 0xffff - 20;
    assert_int_equal(weir_ipv4_emit_header(&r, out, sizeof(out)), 20);
    assert_int_equal(weir_get16(out + 2), 0xffff);
    r.payload_len = 0;
    assert_int_equal(weir_ipv4_emit_header(&r, out, sizeof(out)), 20);
    assert_int_equal(weir_get16(out + 2), 20);
}

static void emit_with_payload_over_64k_is_bad_repr(void **state)
{
    (void)state;
    weir_ipv4_repr r = sample_repr();
    uint8_t out[20];
    r.payload_len = 0xffff - 20 + 1;
    assert_int_equal(weir_ipv4_emit_header(&r, out, sizeof(out)), -WEIR_WIRE_BAD_REPR);
}

static void emit_with_unaligned_fragment_offset_is_bad_repr(void **state)
{
    (void)state;
    weir_ipv4_repr r = sample_repr();
    uint8_t out[20];
    r.frag_offset = 1481;
    assert_int_equal(weir_ipv4_emit_header(&r, out, sizeof(out)), -WEIR_WIRE_BAD_REPR);
    r.frag_offset = 65528; /* the largest: 8191 units */
    r.payload_len = 0;
    assert_int_equal(weir_ipv4_emit_header(&r, out, sizeof(out)), 20);
    assert_int_equal(weir_get16(out + 6) & 0x1fff, 8191);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_syn_header_parses_to_expected_repr),
        cmocka_unit_test(real_headers_emit_identical_bytes),
        cmocka_unit_test(options_are_skipped_by_header_length),
        cmocka_unit_test(fragment_fields_are_decoded),
        cmocka_unit_test(emit_of_options_packet_drops_the_options),
        cmocka_unit_test(padding_past_total_length_is_ignored),
        cmocka_unit_test(packet_shorter_than_header_is_truncated),
        cmocka_unit_test(version_other_than_four_is_bad_version),
        cmocka_unit_test(ihl_below_five_is_bad_header_len),
        cmocka_unit_test(ihl_past_the_packet_is_bad_header_len),
        cmocka_unit_test(total_length_beyond_buffer_is_bad_length),
        cmocka_unit_test(total_length_below_header_is_bad_length),
        cmocka_unit_test(corrupted_header_is_bad_checksum),
        cmocka_unit_test(bad_checksum_is_accepted_when_not_verified),
        cmocka_unit_test(reserved_flag_bit_is_ignored),
        cmocka_unit_test(emit_with_any_short_cap_is_no_room_and_writes_nothing),
        cmocka_unit_test(emit_total_length_is_header_plus_payload),
        cmocka_unit_test(emit_with_payload_over_64k_is_bad_repr),
        cmocka_unit_test(emit_with_unaligned_fragment_offset_is_bad_repr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
