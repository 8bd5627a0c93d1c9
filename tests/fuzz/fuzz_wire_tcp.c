/* fuzz_wire_tcp.c — TCP parse/emit round trip (src/wire/tcp.c).
 *
 * Properties: parse never reads past the input (ASan); checksum verification only ever turns OK
 * into BAD_CHECKSUM or a later failure into BAD_CHECKSUM; a parsed repr either emits in exactly
 * weir_tcp_header_len() + payload bytes or is refused as BAD_REPR precisely when its options
 * exceed 40 bytes; what we emit verifies its own checksum and parses back to the same values;
 * every smaller buffer is refused without a write. */
#include "fuzz_common.h"
#include "wire/tcp.h"

#define SRC_IP 0x0a000002u
#define DST_IP 0x0a000001u

static int emit_tcp(const void *repr, uint8_t *buf, size_t cap)
{
    return weir_tcp_emit(repr, SRC_IP, DST_IP, buf, cap);
}

static void check_same(const weir_tcp_repr *a, const weir_tcp_repr *b)
{
    FUZZ_CHECK(a->src_port == b->src_port && a->dst_port == b->dst_port);
    FUZZ_CHECK(a->seq == b->seq && a->ack == b->ack);
    FUZZ_CHECK(a->flags == b->flags && a->window == b->window && a->urgent == b->urgent);
    const weir_tcp_options *x = &a->opt, *y = &b->opt;
    FUZZ_CHECK(x->has_mss == y->has_mss && x->mss == y->mss);
    FUZZ_CHECK(x->has_wscale == y->has_wscale && x->wscale == y->wscale);
    FUZZ_CHECK(x->sack_permitted == y->sack_permitted);
    FUZZ_CHECK(x->has_timestamps == y->has_timestamps);
    FUZZ_CHECK(x->ts_val == y->ts_val && x->ts_ecr == y->ts_ecr);
    FUZZ_CHECK(x->sack_count == y->sack_count && x->sack_count <= WEIR_TCP_MAX_SACK_BLOCKS);
    for (size_t i = 0; i < x->sack_count; i++)
        FUZZ_CHECK(x->sack[i].left == y->sack[i].left && x->sack[i].right == y->sack[i].right);
    FUZZ_CHECK(fuzz_bytes_equal(a->payload, a->payload_len, b->payload, b->payload_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_tcp_repr r, verified, back;
    weir_wire_status st = weir_tcp_parse(data, size, SRC_IP, DST_IP, false, &r);
    weir_wire_status stv = weir_tcp_parse(data, size, SRC_IP, DST_IP, true, &verified);
    FUZZ_CHECK(weir_wire_status_name(st) != NULL);
    FUZZ_CHECK(stv == st || stv == WEIR_WIRE_BAD_CHECKSUM);
    if (st != WEIR_WIRE_OK)
        return 0;
    FUZZ_CHECK(r.payload >= data && r.payload + r.payload_len == data + size);
    if (stv == WEIR_WIRE_OK)
        check_same(&r, &verified);

    size_t hlen = weir_tcp_header_len(&r);
    FUZZ_CHECK(hlen >= WEIR_TCP_HEADER_LEN && hlen % 4 == 0);
    if (hlen > WEIR_TCP_MAX_HEADER_LEN) {
        /* Legal on the wire, not in our layout (e.g. MSS + TS + WS + 4 SACK blocks). */
        uint8_t scratch[WEIR_TCP_MAX_HEADER_LEN];
        FUZZ_CHECK(weir_tcp_emit(&r, SRC_IP, DST_IP, scratch, sizeof(scratch)) ==
                   -WEIR_WIRE_BAD_REPR);
        return 0;
    }
    size_t total = hlen + r.payload_len;
    if (total > 0xffff) {
        /* Our layout can be a few bytes longer than a tightly packed one: no room in 64 KiB. */
        uint8_t scratch[WEIR_TCP_MAX_HEADER_LEN];
        FUZZ_CHECK(weir_tcp_emit(&r, SRC_IP, DST_IP, scratch, sizeof(scratch)) ==
                   -WEIR_WIRE_BAD_REPR);
        return 0;
    }
    uint8_t *out = fuzz_emit_exact(emit_tcp, &r, total);
    FUZZ_CHECK(weir_tcp_parse(out, total, SRC_IP, DST_IP, true, &back) == WEIR_WIRE_OK);
    check_same(&r, &back);
    /* Emitting the re-parsed repr is a fixed point: same bytes again. */
    uint8_t *again = fuzz_emit_exact(emit_tcp, &back, total);
    FUZZ_CHECK(memcmp(out, again, total) == 0);
    free(again);
    free(out);
    fuzz_check_short_caps(emit_tcp, &r, total);
    return 0;
}
