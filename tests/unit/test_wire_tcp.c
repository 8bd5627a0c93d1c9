/* test_wire_tcp.c — TCP header and option parse/emit against real Linux segments, and every way a
 * header or an option can be malformed (RFC 9293 §3.1-3.2, RFC 7323, RFC 2018). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_wire_fixtures.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define SEG_OF(fx) ((fx) + FX_IP_HLEN)
#define SEG_LEN(fx) (sizeof(fx) - FX_IP_HLEN)

/* Source and destination of a fixture, from its IP header. */
static uint32_t fx_src(const uint8_t *pkt) { return weir_get32(pkt + 12); }

static uint32_t fx_dst(const uint8_t *pkt) { return weir_get32(pkt + 16); }

static weir_wire_status parse_fixture(const uint8_t *pkt, size_t len, weir_tcp_repr *r)
{
    return weir_tcp_parse(pkt + FX_IP_HLEN, len - FX_IP_HLEN, fx_src(pkt), fx_dst(pkt), true, r);
}

/* Emit `r` with the fixture's addresses and expect exactly the fixture's TCP bytes. */
static void assert_emits_fixture(const weir_tcp_repr *r, const uint8_t *pkt, size_t len)
{
    uint8_t out[256];
    size_t seg_len = len - FX_IP_HLEN;
    assert_int_equal(weir_tcp_header_len(r), seg_len - r->payload_len);
    int n = weir_tcp_emit(r, fx_src(pkt), fx_dst(pkt), out, sizeof(out));
    assert_int_equal(n, (int)seg_len);
    assert_memory_equal(out, pkt + FX_IP_HLEN, seg_len);
}

/* A segment 1234 -> 80 (A -> B), ACK, with the given option bytes (a multiple of 4) and a correct
 * checksum, so that a parse failure can only come from what the test broke on purpose. */
static size_t make_segment(uint8_t *buf, const uint8_t *opt, size_t optlen)
{
    size_t len = WEIR_TCP_HEADER_LEN + optlen;
    memset(buf, 0, len);
    weir_put16(buf, 1234);
    weir_put16(buf + 2, 80);
    weir_put32(buf + 4, 1);
    weir_put32(buf + 8, 2);
    buf[12] = (uint8_t)((len / 4) << 4);
    buf[13] = WEIR_TCP_FLAG_ACK;
    weir_put16(buf + 14, 1000);
    if (optlen > 0)
        memcpy(buf + WEIR_TCP_HEADER_LEN, opt, optlen);
    uint32_t sum = weir_cksum_pseudo_ipv4(FX_IP_A, FX_IP_B, WEIR_IP_PROTO_TCP, (uint16_t)len);
    weir_put16(buf + 16, weir_cksum_finish(weir_cksum_add(sum, buf, len)));
    return len;
}

static weir_wire_status parse_options(const uint8_t *opt, size_t optlen, weir_tcp_repr *r)
{
    uint8_t buf[WEIR_TCP_MAX_HEADER_LEN];
    size_t len = make_segment(buf, opt, optlen);
    return weir_tcp_parse(buf, len, FX_IP_A, FX_IP_B, true, r);
}

/* Field by field: struct padding is not ours to compare. */
static void assert_options_equal(const weir_tcp_options *a, const weir_tcp_options *b)
{
    assert_int_equal(a->has_mss, b->has_mss);
    assert_int_equal(a->mss, b->mss);
    assert_int_equal(a->has_wscale, b->has_wscale);
    assert_int_equal(a->wscale, b->wscale);
    assert_int_equal(a->sack_permitted, b->sack_permitted);
    assert_int_equal(a->has_timestamps, b->has_timestamps);
    assert_int_equal(a->ts_val, b->ts_val);
    assert_int_equal(a->ts_ecr, b->ts_ecr);
    assert_int_equal(a->sack_count, b->sack_count);
    for (size_t i = 0; i < a->sack_count && i < WEIR_TCP_MAX_SACK_BLOCKS; i++) {
        assert_int_equal(a->sack[i].left, b->sack[i].left);
        assert_int_equal(a->sack[i].right, b->sack[i].right);
    }
}

static weir_tcp_repr basic_repr(void)
{
    weir_tcp_repr r;
    memset(&r, 0, sizeof(r));
    r.src_port = 49152;
    r.dst_port = 80;
    r.seq = 0x01020304;
    r.ack = 0x05060708;
    r.flags = WEIR_TCP_FLAG_ACK;
    r.window = 512;
    return r;
}

/* --- real segments, both directions --- */

static void linux_syn_parses_to_expected_repr(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_syn, sizeof(fx_tcp_syn), &r), WEIR_WIRE_OK);
    assert_int_equal(r.src_port, 0xda14);
    assert_int_equal(r.dst_port, 80);
    assert_int_equal(r.seq, 0xb964ac72);
    assert_int_equal(r.ack, 0);
    assert_int_equal(r.flags, WEIR_TCP_FLAG_SYN);
    assert_int_equal(r.window, 64240);
    assert_int_equal(r.urgent, 0);
    assert_true(r.opt.has_mss);
    assert_int_equal(r.opt.mss, 1460);
    assert_true(r.opt.sack_permitted);
    assert_true(r.opt.has_timestamps);
    assert_int_equal(r.opt.ts_val, 0x5d17a240);
    assert_int_equal(r.opt.ts_ecr, 0);
    assert_true(r.opt.has_wscale);
    assert_int_equal(r.opt.wscale, 10);
    assert_int_equal(r.opt.sack_count, 0);
    assert_int_equal(r.payload_len, 0);
    assert_ptr_equal(r.payload, SEG_OF(fx_tcp_syn) + 40);
}

static void linux_syn_emits_identical_bytes(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_syn, sizeof(fx_tcp_syn), &r), WEIR_WIRE_OK);
    assert_emits_fixture(&r, fx_tcp_syn, sizeof(fx_tcp_syn));
}

static void syn_repr_built_by_hand_emits_linux_bytes(void **state)
{
    (void)state;
    weir_tcp_repr r;
    memset(&r, 0, sizeof(r));
    r.src_port = 0xda14;
    r.dst_port = 80;
    r.seq = 0xb964ac72;
    r.flags = WEIR_TCP_FLAG_SYN;
    r.window = 64240;
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    r.opt.sack_permitted = true;
    r.opt.has_timestamps = true;
    r.opt.ts_val = 0x5d17a240;
    r.opt.has_wscale = true;
    r.opt.wscale = 10;
    assert_emits_fixture(&r, fx_tcp_syn, sizeof(fx_tcp_syn));
}

static void synack_round_trips(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_synack, sizeof(fx_tcp_synack), &r), WEIR_WIRE_OK);
    assert_int_equal(r.flags, WEIR_TCP_FLAG_SYN | WEIR_TCP_FLAG_ACK);
    assert_int_equal(r.ack, 0xb964ac73);
    assert_int_equal(r.opt.ts_val, 0xabcdef01);
    assert_int_equal(r.opt.ts_ecr, 0x5d17a240);
    assert_int_equal(r.opt.wscale, 7);
    assert_emits_fixture(&r, fx_tcp_synack, sizeof(fx_tcp_synack));
}

static void linux_ack_with_timestamps_round_trips(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_ack, sizeof(fx_tcp_ack), &r), WEIR_WIRE_OK);
    assert_int_equal(r.flags, WEIR_TCP_FLAG_ACK);
    assert_int_equal(r.window, 63);
    assert_false(r.opt.has_mss);
    assert_false(r.opt.sack_permitted);
    assert_false(r.opt.has_wscale);
    assert_true(r.opt.has_timestamps);
    assert_int_equal(r.opt.ts_val, 0x5d17a241);
    assert_int_equal(r.opt.ts_ecr, 0xabcdef01);
    assert_emits_fixture(&r, fx_tcp_ack, sizeof(fx_tcp_ack));
}

static void linux_data_segment_round_trips_with_payload(void **state)
{
    (void)state;
    static const char http[] = "GET / HTTP/1.0\r\n\r\n";
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_data, sizeof(fx_tcp_data), &r), WEIR_WIRE_OK);
    assert_int_equal(r.flags, WEIR_TCP_FLAG_PSH | WEIR_TCP_FLAG_ACK);
    assert_int_equal(r.payload_len, sizeof(http) - 1);
    assert_memory_equal(r.payload, http, sizeof(http) - 1);
    assert_emits_fixture(&r, fx_tcp_data, sizeof(fx_tcp_data));
}

static void linux_dup_ack_with_sack_block_round_trips(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_sack, sizeof(fx_tcp_sack), &r), WEIR_WIRE_OK);
    assert_true(r.opt.has_timestamps);
    assert_int_equal(r.opt.sack_count, 1);
    assert_int_equal(r.opt.sack[0].left, 0x10000065);
    assert_int_equal(r.opt.sack[0].right, 0x10000097);
    assert_emits_fixture(&r, fx_tcp_sack, sizeof(fx_tcp_sack));
}

/* --- emit layout --- */

static void sack_permitted_without_timestamps_uses_nop_nop_sackok(void **state)
{
    (void)state;
    static const uint8_t want[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
    weir_tcp_repr r = basic_repr();
    r.flags = WEIR_TCP_FLAG_SYN;
    r.opt.has_mss = true;
    r.opt.mss = 1460;
    r.opt.sack_permitted = true;
    r.opt.has_wscale = true;
    r.opt.wscale = 7;
    uint8_t out[64];
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 32);
    assert_int_equal(out[12] >> 4, 8);
    assert_memory_equal(out + 20, want, sizeof(want));
    weir_tcp_repr back;
    assert_int_equal(weir_tcp_parse(out, 32, FX_IP_A, FX_IP_B, true, &back), WEIR_WIRE_OK);
    assert_options_equal(&back.opt, &r.opt);
}

static void sack_blocks_without_timestamps_use_nop_nop_sack(void **state)
{
    (void)state;
    static const uint8_t want[] = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40};
    weir_tcp_repr r = basic_repr();
    r.opt.sack_count = 2;
    r.opt.sack[0] = (weir_tcp_sack_block){10, 20};
    r.opt.sack[1] = (weir_tcp_sack_block){30, 40};
    uint8_t out[64];
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 40);
    assert_memory_equal(out + 20, want, sizeof(want));
}

/* FreeBSD's tcp_addoptions(): MSS, NOP+WS, SACKOK, TS back to back on a SYN. */
static void bsd_layout_syn_packs_options_in_freebsd_order(void **state)
{
    (void)state;
    static const uint8_t want[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 6, 4, 2,
                                   8, 10, 0, 0, 0, 100, 0, 0, 0, 0};
    weir_tcp_repr r = basic_repr();
    r.flags = WEIR_TCP_FLAG_SYN;
    r.opt = (weir_tcp_options){.has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 6,
                               .sack_permitted = true, .has_timestamps = true, .ts_val = 100,
                               .bsd_layout = true};
    uint8_t out[64];
    assert_int_equal(weir_tcp_header_len(&r), 40);
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 40);
    assert_memory_equal(out + 20, want, sizeof(want));
    weir_tcp_repr back;
    assert_int_equal(weir_tcp_parse(out, 40, FX_IP_A, FX_IP_B, true, &back), WEIR_WIRE_OK);
    assert_true(back.opt.has_wscale && back.opt.sack_permitted && back.opt.has_timestamps);
    assert_int_equal(back.opt.ts_val, 100);
}

/* The SYN-ACK FreeBSD sends to a peer that offered only MSS and SACK: EOL padding, not NOP. */
static void bsd_layout_pads_with_eol(void **state)
{
    (void)state;
    static const uint8_t want[] = {2, 4, 0x05, 0xb4, 4, 2, 0, 0};
    weir_tcp_repr r = basic_repr();
    r.flags = WEIR_TCP_FLAG_SYN | WEIR_TCP_FLAG_ACK;
    r.opt = (weir_tcp_options){.has_mss = true, .mss = 1460, .sack_permitted = true,
                               .bsd_layout = true};
    uint8_t out[64];
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 28);
    assert_memory_equal(out + 20, want, sizeof(want));
}

/* After the SYN, timestamps go as NOP NOP TS in both layouts. */
static void bsd_layout_data_timestamps_use_nop_nop(void **state)
{
    (void)state;
    static const uint8_t want[] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};
    weir_tcp_repr r = basic_repr();
    r.opt = (weir_tcp_options){.has_timestamps = true, .ts_val = 7, .ts_ecr = 9,
                               .bsd_layout = true};
    uint8_t out[64];
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 32);
    assert_memory_equal(out + 20, want, sizeof(want));
}

/* Every combination of options: header_len predicts emit exactly, emit fails only with BAD_REPR
 * and only when the options exceed 40 bytes, and what it writes parses back to the same options. */
static void header_len_matches_emit_for_every_option_combination(void **state)
{
    (void)state;
    int encodable = 0;
    for (unsigned mask = 0; mask < 16; mask++) {
        for (uint8_t sacks = 0; sacks <= WEIR_TCP_MAX_SACK_BLOCKS; sacks++) {
            weir_tcp_repr r = basic_repr();
            r.opt.has_mss = mask & 1;
            r.opt.mss = 536;
            r.opt.sack_permitted = (mask & 2) != 0;
            r.opt.has_timestamps = (mask & 4) != 0;
            r.opt.ts_val = 77;
            r.opt.ts_ecr = 88;
            r.opt.has_wscale = (mask & 8) != 0;
            r.opt.wscale = 14;
            r.opt.sack_count = sacks;
            for (uint8_t i = 0; i < sacks; i++)
                r.opt.sack[i] = (weir_tcp_sack_block){1000u * i, 1000u * i + 500};
            if (!r.opt.has_timestamps)
                r.opt.ts_val = r.opt.ts_ecr = 0;
            if (!r.opt.has_mss)
                r.opt.mss = 0;
            if (!r.opt.has_wscale)
                r.opt.wscale = 0;
            size_t hlen = weir_tcp_header_len(&r);
            assert_int_equal(hlen % 4, 0);
            uint8_t out[128];
            int n = weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out));
            if (hlen > WEIR_TCP_MAX_HEADER_LEN) {
                assert_int_equal(n, -WEIR_WIRE_BAD_REPR);
                continue;
            }
            encodable++;
            assert_int_equal(n, (int)hlen);
            weir_tcp_repr back;
            assert_int_equal(weir_tcp_parse(out, (size_t)n, FX_IP_A, FX_IP_B, true, &back),
                             WEIR_WIRE_OK);
            assert_options_equal(&back.opt, &r.opt);
        }
    }
    assert_true(encodable > 40);
}

static void timestamps_with_three_sack_blocks_fill_forty_bytes(void **state)
{
    (void)state;
    weir_tcp_repr r = basic_repr();
    r.opt.has_timestamps = true;
    r.opt.sack_count = 3;
    assert_int_equal(weir_tcp_header_len(&r), 60);
    uint8_t out[60];
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 60);
}

static void emit_with_options_over_forty_bytes_is_bad_repr(void **state)
{
    (void)state;
    uint8_t out[128];
    fx_fill_canary(out, sizeof(out));
    weir_tcp_repr r = basic_repr();
    r.opt.has_mss = true;
    r.opt.has_timestamps = true;
    r.opt.has_wscale = true;
    r.opt.sack_count = 3; /* 4 + 12 + 4 + 28 = 48 */
    assert_true(weir_tcp_header_len(&r) > WEIR_TCP_MAX_HEADER_LEN);
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), -WEIR_WIRE_BAD_REPR);
    assert_true(fx_canary_intact(out, 0, sizeof(out)));
}

static void emit_with_five_sack_blocks_is_bad_repr(void **state)
{
    (void)state;
    uint8_t out[128];
    weir_tcp_repr r = basic_repr();
    r.opt.sack_count = 5;
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), -WEIR_WIRE_BAD_REPR);
}

static void emit_with_payload_over_64k_is_bad_repr(void **state)
{
    (void)state;
    static uint8_t big[70000];
    uint8_t out[64];
    weir_tcp_repr r = basic_repr();
    r.payload = big;
    r.payload_len = 0xffff - 20 + 1;
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), -WEIR_WIRE_BAD_REPR);
}

/* Every capacity below the needed length fails with NO_ROOM and touches nothing at all. */
static void emit_with_any_short_cap_is_no_room_and_writes_nothing(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_data, sizeof(fx_tcp_data), &r), WEIR_WIRE_OK);
    size_t need = SEG_LEN(fx_tcp_data);
    uint8_t out[128];
    for (size_t cap = 0; cap < need; cap++) {
        fx_fill_canary(out, sizeof(out));
        assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, cap), -WEIR_WIRE_NO_ROOM);
        assert_true(fx_canary_intact(out, 0, sizeof(out)));
    }
    fx_fill_canary(out, sizeof(out));
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, need), (int)need);
    assert_true(fx_canary_intact(out, need, sizeof(out)));
}

/* The engine may copy data to buf + header_len first and emit the header around it. */
static void emit_keeps_a_payload_already_in_place(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(parse_fixture(fx_tcp_data, sizeof(fx_tcp_data), &r), WEIR_WIRE_OK);
    uint8_t out[128];
    size_t hlen = weir_tcp_header_len(&r);
    memcpy(out + hlen, r.payload, r.payload_len);
    r.payload = out + hlen;
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)),
                     (int)SEG_LEN(fx_tcp_data));
    assert_memory_equal(out, SEG_OF(fx_tcp_data), SEG_LEN(fx_tcp_data));
}

static void emit_writes_ece_cwr_and_urgent(void **state)
{
    (void)state;
    weir_tcp_repr r = basic_repr();
    r.flags = WEIR_TCP_FLAG_CWR | WEIR_TCP_FLAG_ECE | WEIR_TCP_FLAG_URG | WEIR_TCP_FLAG_ACK;
    r.urgent = 0x1234;
    uint8_t out[20];
    assert_int_equal(weir_tcp_emit(&r, FX_IP_A, FX_IP_B, out, sizeof(out)), 20);
    assert_int_equal(out[13], 0xf0);
    assert_int_equal(weir_get16(out + 18), 0x1234);
    weir_tcp_repr back;
    assert_int_equal(weir_tcp_parse(out, 20, FX_IP_A, FX_IP_B, true, &back), WEIR_WIRE_OK);
    assert_int_equal(back.flags, r.flags);
    assert_int_equal(back.urgent, 0x1234);
}

/* --- malformed headers --- */

static void segment_shorter_than_header_is_truncated(void **state)
{
    (void)state;
    weir_tcp_repr r;
    for (size_t len = 0; len < WEIR_TCP_HEADER_LEN; len++)
        assert_int_equal(weir_tcp_parse(SEG_OF(fx_tcp_ack), len, FX_IP_A, FX_IP_B, false, &r),
                         WEIR_WIRE_TRUNCATED);
}

static void data_offset_below_five_is_bad_header_len(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t len = make_segment(buf, NULL, 0);
    weir_tcp_repr r;
    for (uint8_t doff = 0; doff < 5; doff++) {
        buf[12] = (uint8_t)(doff << 4);
        assert_int_equal(weir_tcp_parse(buf, len, FX_IP_A, FX_IP_B, false, &r),
                         WEIR_WIRE_BAD_HEADER_LEN);
    }
}

static void data_offset_past_segment_is_bad_header_len(void **state)
{
    (void)state;
    weir_tcp_repr r;
    /* The SYN's header is 40 bytes: cut it anywhere from 20 to 39 and the options run off it. */
    for (size_t len = WEIR_TCP_HEADER_LEN; len < 40; len++)
        assert_int_equal(weir_tcp_parse(SEG_OF(fx_tcp_syn), len, FX_IP_A, FX_IP_B, false, &r),
                         WEIR_WIRE_BAD_HEADER_LEN);
}

static void segment_over_64k_is_bad_length(void **state)
{
    (void)state;
    uint8_t *buf = calloc(1, 0x10000);
    assert_non_null(buf);
    make_segment(buf, NULL, 0);
    weir_tcp_repr r;
    assert_int_equal(weir_tcp_parse(buf, 0x10000, FX_IP_A, FX_IP_B, false, &r),
                     WEIR_WIRE_BAD_LENGTH);
    free(buf);
}

static void corrupted_byte_is_bad_checksum(void **state)
{
    (void)state;
    uint8_t seg[sizeof(fx_tcp_data)];
    size_t len = SEG_LEN(fx_tcp_data);
    weir_tcp_repr r;
    for (size_t i = 0; i < len; i++) {
        memcpy(seg, SEG_OF(fx_tcp_data), len);
        seg[i] ^= 0x01;
        assert_int_equal(weir_tcp_parse(seg, len, FX_IP_A, FX_IP_B, true, &r),
                         WEIR_WIRE_BAD_CHECKSUM);
    }
}

static void bad_checksum_is_accepted_when_not_verified(void **state)
{
    (void)state;
    uint8_t seg[sizeof(fx_tcp_data)];
    size_t len = SEG_LEN(fx_tcp_data);
    memcpy(seg, SEG_OF(fx_tcp_data), len);
    seg[16] ^= 0xff;
    weir_tcp_repr r;
    assert_int_equal(weir_tcp_parse(seg, len, FX_IP_A, FX_IP_B, false, &r), WEIR_WIRE_OK);
}

static void checksum_covers_the_pseudo_header(void **state)
{
    (void)state;
    weir_tcp_repr r;
    assert_int_equal(
        weir_tcp_parse(SEG_OF(fx_tcp_ack), SEG_LEN(fx_tcp_ack), FX_IP_A, FX_IP_B + 1, true, &r),
        WEIR_WIRE_BAD_CHECKSUM);
}

static void ns_bit_is_ignored(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t len = make_segment(buf, NULL, 0);
    buf[12] |= 0x01;
    weir_tcp_repr r;
    assert_int_equal(weir_tcp_parse(buf, len, FX_IP_A, FX_IP_B, false, &r), WEIR_WIRE_OK);
    assert_int_equal(r.flags, WEIR_TCP_FLAG_ACK);
}

static void failed_parse_leaves_repr_untouched(void **state)
{
    (void)state;
    static const uint8_t opt[] = {2, 4, 0x05, 0xb4, 3, 0, 0, 0};
    weir_tcp_repr r, before;
    memset(&r, 0x5a, sizeof(r));
    memcpy(&before, &r, sizeof(r));
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
    assert_memory_equal(&r, &before, sizeof(r));
}

/* --- options --- */

static void option_length_zero_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {30, 0, 1, 1};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void option_length_one_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {30, 1, 1, 1};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void option_length_past_header_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 30, 4, 0};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void option_without_room_for_its_length_byte_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 1, 30};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void mss_option_with_wrong_length_is_malformed(void **state)
{
    (void)state;
    static const uint8_t short_mss[] = {2, 3, 5, 0};
    static const uint8_t long_mss[] = {2, 5, 5, 0xb4, 0, 1, 1, 1};
    weir_tcp_repr r;
    assert_int_equal(parse_options(short_mss, sizeof(short_mss), &r), WEIR_WIRE_BAD_OPTION);
    assert_int_equal(parse_options(long_mss, sizeof(long_mss), &r), WEIR_WIRE_BAD_OPTION);
}

static void window_scale_option_with_wrong_length_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {3, 4, 7, 0};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void sack_permitted_option_with_wrong_length_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {4, 3, 0, 1};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void timestamps_option_with_wrong_length_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 8, 8, 0, 0, 0, 1, 0, 0, 0, 0};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void sack_option_with_zero_blocks_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 5, 2};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void sack_option_with_a_partial_block_is_malformed(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 5, 14, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

/* Five blocks need 42 bytes, more than the 40 an option area has: malformed whichever rule
 * catches it first. */
static void sack_option_with_five_blocks_is_malformed(void **state)
{
    (void)state;
    uint8_t opt[40];
    memset(opt, 0, sizeof(opt));
    opt[0] = 5;
    opt[1] = 42;
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_BAD_OPTION);
}

static void sack_option_with_four_blocks_is_parsed(void **state)
{
    (void)state;
    uint8_t opt[36] = {1, 1, 5, 34};
    for (uint32_t i = 0; i < 8; i++)
        weir_put32(opt + 4 + 4 * i, 100 + i);
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_OK);
    assert_int_equal(r.opt.sack_count, 4);
    assert_int_equal(r.opt.sack[0].left, 100);
    assert_int_equal(r.opt.sack[3].right, 107);
}

static void eol_ends_option_parsing(void **state)
{
    (void)state;
    /* After EOL, even bytes that would be malformed options are padding. */
    static const uint8_t opt[] = {2, 4, 0x02, 0x18, 0, 2, 0, 1};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_OK);
    assert_true(r.opt.has_mss);
    assert_int_equal(r.opt.mss, 536);
}

static void unknown_option_is_skipped_by_its_length(void **state)
{
    (void)state;
    /* An MPTCP-like kind 30 of length 6 and an experimental kind 254 of length 4, around an MSS. */
    static const uint8_t opt[] = {30, 6, 1, 2, 3, 4, 2, 4, 0x05, 0xb4, 254, 4, 0xf9, 0x89, 1, 1};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_OK);
    assert_true(r.opt.has_mss);
    assert_int_equal(r.opt.mss, 1460);
    assert_false(r.opt.has_timestamps);
}

static void nops_alone_are_no_options(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 1, 1, 1, 1, 1, 1};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_OK);
    weir_tcp_options none;
    memset(&none, 0, sizeof(none));
    assert_options_equal(&r.opt, &none);
}

static void later_duplicate_option_overrides_earlier(void **state)
{
    (void)state;
    static const uint8_t opt[] = {2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_OK);
    assert_int_equal(r.opt.mss, 536);
}

static void options_in_non_syn_segments_are_still_reported(void **state)
{
    (void)state;
    /* RFC 7323 §2.2: window scale is only meaningful on SYN; deciding that is the engine's job. */
    static const uint8_t opt[] = {1, 3, 3, 9};
    weir_tcp_repr r;
    assert_int_equal(parse_options(opt, sizeof(opt), &r), WEIR_WIRE_OK);
    assert_true(r.opt.has_wscale);
    assert_int_equal(r.opt.wscale, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_syn_parses_to_expected_repr),
        cmocka_unit_test(bsd_layout_syn_packs_options_in_freebsd_order),
        cmocka_unit_test(bsd_layout_pads_with_eol),
        cmocka_unit_test(bsd_layout_data_timestamps_use_nop_nop),
        cmocka_unit_test(linux_syn_emits_identical_bytes),
        cmocka_unit_test(syn_repr_built_by_hand_emits_linux_bytes),
        cmocka_unit_test(synack_round_trips),
        cmocka_unit_test(linux_ack_with_timestamps_round_trips),
        cmocka_unit_test(linux_data_segment_round_trips_with_payload),
        cmocka_unit_test(linux_dup_ack_with_sack_block_round_trips),
        cmocka_unit_test(sack_permitted_without_timestamps_uses_nop_nop_sackok),
        cmocka_unit_test(sack_blocks_without_timestamps_use_nop_nop_sack),
        cmocka_unit_test(header_len_matches_emit_for_every_option_combination),
        cmocka_unit_test(timestamps_with_three_sack_blocks_fill_forty_bytes),
        cmocka_unit_test(emit_with_options_over_forty_bytes_is_bad_repr),
        cmocka_unit_test(emit_with_five_sack_blocks_is_bad_repr),
        cmocka_unit_test(emit_with_payload_over_64k_is_bad_repr),
        cmocka_unit_test(emit_with_any_short_cap_is_no_room_and_writes_nothing),
        cmocka_unit_test(emit_keeps_a_payload_already_in_place),
        cmocka_unit_test(emit_writes_ece_cwr_and_urgent),
        cmocka_unit_test(segment_shorter_than_header_is_truncated),
        cmocka_unit_test(data_offset_below_five_is_bad_header_len),
        cmocka_unit_test(data_offset_past_segment_is_bad_header_len),
        cmocka_unit_test(segment_over_64k_is_bad_length),
        cmocka_unit_test(corrupted_byte_is_bad_checksum),
        cmocka_unit_test(bad_checksum_is_accepted_when_not_verified),
        cmocka_unit_test(checksum_covers_the_pseudo_header),
        cmocka_unit_test(ns_bit_is_ignored),
        cmocka_unit_test(failed_parse_leaves_repr_untouched),
        cmocka_unit_test(option_length_zero_is_malformed),
        cmocka_unit_test(option_length_one_is_malformed),
        cmocka_unit_test(option_length_past_header_is_malformed),
        cmocka_unit_test(option_without_room_for_its_length_byte_is_malformed),
        cmocka_unit_test(mss_option_with_wrong_length_is_malformed),
        cmocka_unit_test(window_scale_option_with_wrong_length_is_malformed),
        cmocka_unit_test(sack_permitted_option_with_wrong_length_is_malformed),
        cmocka_unit_test(timestamps_option_with_wrong_length_is_malformed),
        cmocka_unit_test(sack_option_with_zero_blocks_is_malformed),
        cmocka_unit_test(sack_option_with_a_partial_block_is_malformed),
        cmocka_unit_test(sack_option_with_five_blocks_is_malformed),
        cmocka_unit_test(sack_option_with_four_blocks_is_parsed),
        cmocka_unit_test(eol_ends_option_parsing),
        cmocka_unit_test(unknown_option_is_skipped_by_its_length),
        cmocka_unit_test(nops_alone_are_no_options),
        cmocka_unit_test(later_duplicate_option_overrides_earlier),
        cmocka_unit_test(options_in_non_syn_segments_are_still_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
