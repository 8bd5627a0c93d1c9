/* fuzz_wire_icmp.c — ICMP parse/emit round trip (src/wire/icmp.c), and the checksum itself
 * (src/wire/checksum.c) against a byte-by-byte RFC 1071 reference.
 *
 * Properties: checksum verification only turns OK into BAD_CHECKSUM; a parsed repr emits
 * 8 + payload bytes that verify and parse back to the same type, code, ident/seq/mtu and payload;
 * smaller buffers are refused without a write; weir_cksum_add over any input, whole or in even
 * pieces, folds to the reference value. */
#include "fuzz_common.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

static int emit_icmp(const void *repr, uint8_t *buf, size_t cap)
{
    return weir_icmp_emit(repr, buf, cap);
}

static void check_same(const weir_icmp_repr *a, const weir_icmp_repr *b)
{
    FUZZ_CHECK(a->type == b->type && a->code == b->code);
    FUZZ_CHECK(a->ident == b->ident && a->seq == b->seq && a->mtu == b->mtu);
    FUZZ_CHECK(fuzz_bytes_equal(a->payload, a->payload_len, b->payload, b->payload_len));
}

static uint16_t reference_checksum(const uint8_t *p, size_t len)
{
    uint64_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len % 2)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void check_checksum(const uint8_t *data, size_t size)
{
    uint16_t want = reference_checksum(data, size);
    FUZZ_CHECK(weir_cksum_finish(weir_cksum_add(0, data, size)) == want);
    /* Split at an even point chosen by the data itself. */
    size_t cut = size > 0 ? (size_t)(data[0] * 2u) % (size + 1) : 0;
    cut &= ~(size_t)1;
    uint32_t sum = weir_cksum_add(0, data, cut);
    FUZZ_CHECK(weir_cksum_finish(weir_cksum_add(sum, data + cut, size - cut)) == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_checksum(data, size);

    weir_icmp_repr r, verified, back;
    weir_wire_status st = weir_icmp_parse(data, size, false, &r);
    weir_wire_status stv = weir_icmp_parse(data, size, true, &verified);
    FUZZ_CHECK(weir_wire_status_name(st) != NULL);
    FUZZ_CHECK(stv == st || (st == WEIR_WIRE_OK && stv == WEIR_WIRE_BAD_CHECKSUM));
    if (st != WEIR_WIRE_OK)
        return 0;
    FUZZ_CHECK(r.payload == data + WEIR_ICMP_HEADER_LEN);
    FUZZ_CHECK(WEIR_ICMP_HEADER_LEN + r.payload_len == size);
    if (stv == WEIR_WIRE_OK)
        check_same(&r, &verified);
    /* Messages longer than 64 KiB parse (nothing in ICMP bounds them) but cannot be emitted. */
    if (r.payload_len > 0xffff - WEIR_ICMP_HEADER_LEN)
        return 0;

    size_t total = WEIR_ICMP_HEADER_LEN + r.payload_len;
    uint8_t *out = fuzz_emit_exact(emit_icmp, &r, total);
    FUZZ_CHECK(weir_icmp_parse(out, total, true, &back) == WEIR_WIRE_OK);
    check_same(&r, &back);
    free(out);
    fuzz_check_short_caps(emit_icmp, &r, total);
    return 0;
}
