/* fuzz_wire_eth.c — Ethernet II header parse/emit round trip (src/wire/ethernet.c).
 *
 * Properties: parse never reads past the input; an accepted frame's header emits as its own first
 * 14 bytes and, with the payload behind it, parses back to the same fields; smaller buffers are
 * refused without a write. */
#include "fuzz_common.h"
#include "wire/ethernet.h"

static int emit_eth(const void *repr, uint8_t *buf, size_t cap)
{
    return weir_eth_emit_header(repr, buf, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_eth_repr r, back;
    weir_wire_status st = weir_eth_parse(data, size, &r);
    FUZZ_CHECK(weir_wire_status_name(st) != NULL);
    if (st != WEIR_WIRE_OK)
        return 0;
    FUZZ_CHECK(r.payload == data + WEIR_ETH_HEADER_LEN);
    FUZZ_CHECK(r.payload_len == size - WEIR_ETH_HEADER_LEN);
    size_t total = WEIR_ETH_HEADER_LEN + r.payload_len;
    uint8_t *out = malloc(total);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(weir_eth_emit_header(&r, out, WEIR_ETH_HEADER_LEN) == WEIR_ETH_HEADER_LEN);
    FUZZ_CHECK(memcmp(out, data, WEIR_ETH_HEADER_LEN) == 0);
    if (r.payload_len > 0)
        memcpy(out + WEIR_ETH_HEADER_LEN, r.payload, r.payload_len);
    FUZZ_CHECK(weir_eth_parse(out, total, &back) == WEIR_WIRE_OK);
    FUZZ_CHECK(memcmp(back.dst, r.dst, 6) == 0 && memcmp(back.src, r.src, 6) == 0);
    FUZZ_CHECK(back.ethertype == r.ethertype);
    FUZZ_CHECK(fuzz_bytes_equal(back.payload, back.payload_len, r.payload, r.payload_len));
    free(out);
    fuzz_check_short_caps(emit_eth, &r, WEIR_ETH_HEADER_LEN);
    return 0;
}
