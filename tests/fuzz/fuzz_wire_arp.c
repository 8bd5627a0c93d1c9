/* fuzz_wire_arp.c — ARP parse/emit round trip (src/wire/arp.c).
 *
 * Properties: parse never reads past the input; an accepted packet emits exactly 28 bytes equal
 * to its first 28 (ARP has no layout freedom) and parses back to the same fields; smaller buffers
 * are refused without a write. */
#include "fuzz_common.h"
#include "wire/arp.h"

static int emit_arp(const void *repr, uint8_t *buf, size_t cap)
{
    return weir_arp_emit(repr, buf, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_arp_repr r, back;
    weir_wire_status st = weir_arp_parse(data, size, &r);
    FUZZ_CHECK(weir_wire_status_name(st) != NULL);
    if (st != WEIR_WIRE_OK)
        return 0;
    uint8_t *out = fuzz_emit_exact(emit_arp, &r, WEIR_ARP_LEN);
    FUZZ_CHECK(memcmp(out, data, WEIR_ARP_LEN) == 0);
    FUZZ_CHECK(weir_arp_parse(out, WEIR_ARP_LEN, &back) == WEIR_WIRE_OK);
    FUZZ_CHECK(back.operation == r.operation);
    FUZZ_CHECK(memcmp(back.sender_mac, r.sender_mac, 6) == 0 && back.sender_ip == r.sender_ip);
    FUZZ_CHECK(memcmp(back.target_mac, r.target_mac, 6) == 0 && back.target_ip == r.target_ip);
    free(out);
    fuzz_check_short_caps(emit_arp, &r, WEIR_ARP_LEN);
    return 0;
}
