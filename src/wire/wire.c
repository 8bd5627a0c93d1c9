/* wire.c — names for the wire layer's parse/emit results, for drop counters and traces.
 *
 * Read wire.h first: what each status means is documented next to the enum. */
#include "wire.h"

const char *weir_wire_status_name(weir_wire_status st)
{
    /* A switch rather than a table indexed by `st`: an out-of-range value (a caller passing a
     * negated emit result by mistake) must not read past an array. */
    switch (st) {
    case WEIR_WIRE_OK:
        return "ok";
    case WEIR_WIRE_TRUNCATED:
        return "truncated";
    case WEIR_WIRE_BAD_VERSION:
        return "bad_version";
    case WEIR_WIRE_BAD_HEADER_LEN:
        return "bad_header_len";
    case WEIR_WIRE_BAD_LENGTH:
        return "bad_length";
    case WEIR_WIRE_BAD_CHECKSUM:
        return "bad_checksum";
    case WEIR_WIRE_BAD_OPTION:
        return "bad_option";
    case WEIR_WIRE_BAD_FIELD:
        return "bad_field";
    case WEIR_WIRE_NO_ROOM:
        return "no_room";
    case WEIR_WIRE_BAD_REPR:
        return "bad_repr";
    }
    return "unknown";
}
