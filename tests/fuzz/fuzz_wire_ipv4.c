/* fuzz_wire_ipv4.c — IPv4 header parse/emit round trip (src/wire/ipv4.c).
 *
 * Properties: parse stays inside the input and inside total length; checksum verification only
 * turns OK into BAD_CHECKSUM; a parsed repr emits a 20-byte header (options dropped) that, with
 * the payload behind it, verifies and parses back to the same fields; smaller buffers are refused
 * without a write. */
#include "fuzz_common.h"
#include "wire/ipv4.h"

static int emit_ipv4(const void *repr, uint8_t *buf, size_t cap)
{
    return weir_ipv4_emit_header(repr, buf, cap);
}

static void check_same(const weir_ipv4_repr *a, const weir_ipv4_repr *b)
{
    FUZZ_CHECK(a->src == b->src && a->dst == b->dst);
    FUZZ_CHECK(a->protocol == b->protocol && a->ttl == b->ttl && a->tos == b->tos);
    FUZZ_CHECK(a->ident == b->ident);
    FUZZ_CHECK(a->dont_fragment == b->dont_fragment && a->more_fragments == b->more_fragments);
    FUZZ_CHECK(a->frag_offset == b->frag_offset);
    FUZZ_CHECK(fuzz_bytes_equal(a->payload, a->payload_len, b->payload, b->payload_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_ipv4_repr r, verified, back;
    weir_wire_status st = weir_ipv4_parse(data, size, false, &r);
    weir_wire_status stv = weir_ipv4_parse(data, size, true, &verified);
    FUZZ_CHECK(weir_wire_status_name(st) != NULL);
    FUZZ_CHECK(stv == st || (st == WEIR_WIRE_OK && stv == WEIR_WIRE_BAD_CHECKSUM));
    if (st != WEIR_WIRE_OK)
        return 0;
    FUZZ_CHECK(r.header_len >= WEIR_IPV4_MIN_HEADER && r.header_len <= 60);
    FUZZ_CHECK(r.payload == data + r.header_len && r.header_len + r.payload_len <= size);
    FUZZ_CHECK(r.frag_offset % 8 == 0);
    if (stv == WEIR_WIRE_OK)
        check_same(&r, &verified);

    size_t total = WEIR_IPV4_MIN_HEADER + r.payload_len;
    uint8_t *out = malloc(total);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(weir_ipv4_emit_header(&r, out, WEIR_IPV4_MIN_HEADER) == WEIR_IPV4_MIN_HEADER);
    if (r.payload_len > 0)
        memcpy(out + WEIR_IPV4_MIN_HEADER, r.payload, r.payload_len);
    FUZZ_CHECK(weir_ipv4_parse(out, total, true, &back) == WEIR_WIRE_OK);
    FUZZ_CHECK(back.header_len == WEIR_IPV4_MIN_HEADER);
    check_same(&r, &back);
    free(out);
    fuzz_check_short_caps(emit_ipv4, &r, WEIR_IPV4_MIN_HEADER);
    return 0;
}
