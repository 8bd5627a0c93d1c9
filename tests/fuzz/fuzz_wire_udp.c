/* fuzz_wire_udp.c — UDP parse/emit round trip (src/wire/udp.c).
 *
 * Properties: parse stays inside the length field; checksum verification only turns OK into
 * BAD_CHECKSUM; a parsed repr emits 8 + payload bytes that verify (a zero checksum is never
 * emitted) and parse back to the same ports and payload; smaller buffers are refused without a
 * write. */
#include "fuzz_common.h"
#include "wire/udp.h"

#define SRC_IP 0x0a000001u
#define DST_IP 0x0a000002u

static int emit_udp(const void *repr, uint8_t *buf, size_t cap)
{
    return weir_udp_emit(repr, SRC_IP, DST_IP, buf, cap);
}

static void check_same(const weir_udp_repr *a, const weir_udp_repr *b)
{
    FUZZ_CHECK(a->src_port == b->src_port && a->dst_port == b->dst_port);
    FUZZ_CHECK(fuzz_bytes_equal(a->payload, a->payload_len, b->payload, b->payload_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_udp_repr r, verified, back;
    weir_wire_status st = weir_udp_parse(data, size, SRC_IP, DST_IP, false, &r);
    weir_wire_status stv = weir_udp_parse(data, size, SRC_IP, DST_IP, true, &verified);
    FUZZ_CHECK(weir_wire_status_name(st) != NULL);
    FUZZ_CHECK(stv == st || (st == WEIR_WIRE_OK && stv == WEIR_WIRE_BAD_CHECKSUM));
    if (st != WEIR_WIRE_OK)
        return 0;
    FUZZ_CHECK(r.payload == data + WEIR_UDP_HEADER_LEN);
    FUZZ_CHECK(WEIR_UDP_HEADER_LEN + r.payload_len <= size);
    if (stv == WEIR_WIRE_OK)
        check_same(&r, &verified);

    size_t total = WEIR_UDP_HEADER_LEN + r.payload_len;
    uint8_t *out = fuzz_emit_exact(emit_udp, &r, total);
    FUZZ_CHECK(weir_get16(out + 6) != 0);
    FUZZ_CHECK(weir_udp_parse(out, total, SRC_IP, DST_IP, true, &back) == WEIR_WIRE_OK);
    check_same(&r, &back);
    free(out);
    fuzz_check_short_caps(emit_udp, &r, total);
    return 0;
}
