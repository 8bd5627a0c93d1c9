/* test_wire_checksum.c — the Internet checksum (RFC 1071), the pseudo-header, and RFC 1624's
 * incremental update, against a byte-by-byte reference and real packets. */
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

/* The obvious RFC 1071 loop: 16-bit big-endian words, odd byte padded, folded at the end. */
static uint16_t reference_checksum(uint32_t start, const uint8_t *p, size_t len)
{
    uint64_t sum = start;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len % 2)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* A small deterministic generator so the tests never depend on rand(). */
static uint32_t next_random(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void rfc1071_example_sums_to_ddf2(void **state)
{
    (void)state;
    /* RFC 1071 §3: the sum of these eight bytes is 0xddf2, so the checksum is 0x220d. */
    static const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(weir_cksum_finish(weir_cksum_add(0, bytes, sizeof(bytes))), 0x220d);
}

static void empty_buffer_checksum_is_ffff(void **state)
{
    (void)state;
    assert_int_equal(weir_cksum_finish(weir_cksum_add(0, NULL, 0)), 0xffff);
}

static void odd_length_pads_with_a_zero_byte(void **state)
{
    (void)state;
    static const uint8_t odd[] = {0x12, 0x34, 0x56};
    static const uint8_t padded[] = {0x12, 0x34, 0x56, 0x00};
    assert_int_equal(weir_cksum_finish(weir_cksum_add(0, odd, 3)),
                     weir_cksum_finish(weir_cksum_add(0, padded, 4)));
    assert_int_equal(weir_cksum_finish(weir_cksum_add(0, odd, 3)), (uint16_t)~0x6834);
}

static void matches_reference_for_every_length_and_alignment(void **state)
{
    (void)state;
    uint8_t buf[600];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)next_random(&x);
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len + off <= 520; len++)
            assert_int_equal(weir_cksum_finish(weir_cksum_add(0, buf + off, len)),
                             reference_checksum(0, buf + off, len));
}

/* The 64-bit loop, its tail and the final fold against the reference with a running sum carried
 * in (a pseudo-header's, up to 0xffffffff) and lengths around jumbo frames, at every alignment,
 * whole and in even pieces with an odd last one. */
static void matches_reference_with_running_sums_and_long_buffers(void **state)
{
    (void)state;
    enum { MAX = 9100 };
    uint8_t *buf = malloc(MAX + 8);
    assert_non_null(buf);
    uint32_t x = 777;
    for (size_t i = 0; i < MAX + 8; i++)
        buf[i] = (uint8_t)next_random(&x);
    static const uint32_t starts[] = {0, 1, 0xffff, 0x1fffe, 0x7fffffff, 0xfffffffe, 0xffffffff};
    for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
        for (size_t off = 0; off < 8; off++) {
            for (size_t len = 1400; len < MAX; len += 1 + next_random(&x) % 997) {
                const uint8_t *p = buf + off;
                uint16_t want = reference_checksum(starts[k], p, len);
                assert_int_equal(weir_cksum_finish(weir_cksum_add(starts[k], p, len)), want);
                size_t cut = (next_random(&x) % len) & ~(size_t)1;
                uint32_t sum = weir_cksum_add(starts[k], p, cut);
                assert_int_equal(weir_cksum_finish(weir_cksum_add(sum, p + cut, len - cut)), want);
            }
        }
    }
    free(buf);
}

/* Data whose words are all 0xffff or all 0: the sums where a wrong end-around carry shows. */
static void extreme_words_match_reference(void **state)
{
    (void)state;
    uint8_t ones[97], zeros[97];
    memset(ones, 0xff, sizeof(ones));
    memset(zeros, 0, sizeof(zeros));
    for (size_t len = 0; len <= sizeof(ones); len++) {
        assert_int_equal(weir_cksum_finish(weir_cksum_add(0, ones, len)),
                         reference_checksum(0, ones, len));
        assert_int_equal(weir_cksum_finish(weir_cksum_add(0xffffffffu, ones, len)),
                         reference_checksum(0xffffffffu, ones, len));
        assert_int_equal(weir_cksum_finish(weir_cksum_add(0, zeros, len)), 0xffff);
    }
}

static void all_ones_data_does_not_overflow(void **state)
{
    (void)state;
    size_t len = (size_t)4 << 20;
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    memset(buf, 0xff, len + 1);
    assert_int_equal(weir_cksum_finish(weir_cksum_add(0xffffffffu, buf, len + 1)),
                     reference_checksum(0xffffffffu, buf, len + 1));
    free(buf);
}

static void sum_in_even_pieces_equals_sum_of_whole(void **state)
{
    (void)state;
    const uint8_t *p = fx_icmp_echo;
    size_t len = sizeof(fx_icmp_echo);
    uint16_t whole = weir_cksum_finish(weir_cksum_add(0, p, len));
    for (size_t cut = 0; cut <= len; cut += 2) {
        uint32_t sum = weir_cksum_add(0, p, cut);
        sum = weir_cksum_add(sum, p + cut, len - cut);
        assert_int_equal(weir_cksum_finish(sum), whole);
    }
}

static void real_ipv4_header_verifies_to_zero(void **state)
{
    (void)state;
    assert_int_equal(weir_cksum_finish(weir_cksum_add(0, fx_tcp_syn, FX_IP_HLEN)), 0);
    assert_int_equal(weir_cksum_finish(weir_cksum_add(0, fx_icmp_unreach, FX_IP_HLEN)), 0);
}

static void real_tcp_segment_verifies_with_pseudo_header(void **state)
{
    (void)state;
    size_t len = sizeof(fx_tcp_data) - FX_IP_HLEN;
    uint32_t sum = weir_cksum_pseudo_ipv4(FX_IP_A, FX_IP_B, WEIR_IP_PROTO_TCP, (uint16_t)len);
    assert_int_equal(weir_cksum_finish(weir_cksum_add(sum, fx_tcp_data + FX_IP_HLEN, len)), 0);
}

static void pseudo_header_equals_its_bytes_summed(void **state)
{
    (void)state;
    static const uint8_t pseudo[] = {10, 0, 0, 1, 192, 168, 77, 254, 0, 17, 0xff, 0xf0};
    assert_int_equal(weir_cksum_finish(weir_cksum_pseudo_ipv4(0x0a000001, 0xc0a84dfe, 17, 0xfff0)),
                     reference_checksum(0, pseudo, sizeof(pseudo)));
}

static void rfc1624_example_gives_zero_not_minus_zero(void **state)
{
    (void)state;
    /* RFC 1624 §4: eqn. 3 gives 0x0000 where eqn. 2 would give 0xffff. */
    assert_int_equal(weir_cksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

/* Decrementing the TTL, as a router would, and rewriting an address, as a NAT would: the
 * incremental result equals a full recomputation. */
static void incremental_update_equals_recomputation(void **state)
{
    (void)state;
    uint8_t hdr[FX_IP_HLEN];
    memcpy(hdr, fx_tcp_syn, FX_IP_HLEN);
    for (int ttl = 64; ttl > 0; ttl--) {
        uint16_t old_word = weir_get16(hdr + 8);
        hdr[8] = (uint8_t)(ttl - 1);
        uint16_t cksum = weir_cksum_update16(weir_get16(hdr + 10), old_word, weir_get16(hdr + 8));
        weir_put16(hdr + 10, cksum);
        assert_int_equal(weir_cksum_finish(weir_cksum_add(0, hdr, FX_IP_HLEN)), 0);
    }
    uint32_t x = 99;
    for (int i = 0; i < 1000; i++) {
        uint32_t old_ip = weir_get32(hdr + 12), new_ip = next_random(&x);
        uint16_t cksum = weir_cksum_update32(weir_get16(hdr + 10), old_ip, new_ip);
        weir_put32(hdr + 12, new_ip);
        weir_put16(hdr + 10, 0);
        assert_int_equal(cksum, weir_cksum_finish(weir_cksum_add(0, hdr, FX_IP_HLEN)));
        weir_put16(hdr + 10, cksum);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc1071_example_sums_to_ddf2),
        cmocka_unit_test(empty_buffer_checksum_is_ffff),
        cmocka_unit_test(odd_length_pads_with_a_zero_byte),
        cmocka_unit_test(matches_reference_for_every_length_and_alignment),
        cmocka_unit_test(matches_reference_with_running_sums_and_long_buffers),
        cmocka_unit_test(extreme_words_match_reference),
        cmocka_unit_test(all_ones_data_does_not_overflow),
        cmocka_unit_test(sum_in_even_pieces_equals_sum_of_whole),
        cmocka_unit_test(real_ipv4_header_verifies_to_zero),
        cmocka_unit_test(real_tcp_segment_verifies_with_pseudo_header),
        cmocka_unit_test(pseudo_header_equals_its_bytes_summed),
        cmocka_unit_test(rfc1624_example_gives_zero_not_minus_zero),
        cmocka_unit_test(incremental_update_equals_recomputation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
