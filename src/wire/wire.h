/* wire.h — what every parser and emitter in src/wire shares.
 *
 * The wire layer is pure: it turns bytes into plain host-order structs ("repr"s) and back, and
 * computes checksums. No state, no allocation, no includes of other layers. Every parse function
 * validates each length before it reads (it never reads past `len`); every emit function never
 * writes past `cap`. Fields are read through byte accessors, never by casting a packed struct.
 *
 * Guarantees callers may rely on (the unit tests and fuzz targets check them):
 * - a failed parse leaves *out untouched;
 * - a failed emit writes nothing at all, so a short buffer can simply be retried bigger;
 * - emitters that copy a payload do so first and with memmove, so the payload may already sit
 *   where it belongs in `buf` (built in place) or anywhere else in the same buffer. */
#ifndef WEIR_WIRE_H
#define WEIR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse results: 0 is success; each failure says which rule the bytes broke, so the caller can
 * count the drop by reason. Emitters return the number of bytes written, or -WEIR_WIRE_NO_ROOM /
 * -WEIR_WIRE_BAD_REPR. */
typedef enum weir_wire_status {
    WEIR_WIRE_OK = 0,
    WEIR_WIRE_TRUNCATED,      /* shorter than the header, or than a length field says */
    WEIR_WIRE_BAD_VERSION,    /* IPv4: version != 4 */
    WEIR_WIRE_BAD_HEADER_LEN, /* IHL < 5, TCP data offset < 5, header longer than the packet */
    WEIR_WIRE_BAD_LENGTH,     /* a total/length field disagrees with the buffer */
    WEIR_WIRE_BAD_CHECKSUM,
    WEIR_WIRE_BAD_OPTION,     /* an option length of 0/1, or running past the header */
    WEIR_WIRE_BAD_FIELD,      /* a field with a value the protocol forbids (ARP hw/proto sizes …) */
    WEIR_WIRE_NO_ROOM,        /* emit: the buffer is too small */
    WEIR_WIRE_BAD_REPR,       /* emit: the repr cannot be encoded (too many options …) */
} weir_wire_status;

const char *weir_wire_status_name(weir_wire_status st);

/* Big-endian byte accessors. */
static inline uint16_t weir_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t weir_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void weir_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void weir_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
