/* udp.h — UDP (RFC 768). */
#ifndef WEIR_WIRE_UDP_H
#define WEIR_WIRE_UDP_H

#include "wire.h"

#define WEIR_UDP_HEADER_LEN 8

typedef struct weir_udp_repr {
    uint16_t src_port, dst_port;
    const uint8_t *payload;
    size_t payload_len;
} weir_udp_repr;

/* `len` is the IP payload length. The UDP length field must be >= 8 and <= len
 * (WEIR_WIRE_BAD_LENGTH otherwise); bytes past it are ignored. A zero checksum means "none"
 * (RFC 768); otherwise it is verified with the pseudo-header when verify_checksum. */
weir_wire_status weir_udp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                                bool verify_checksum, weir_udp_repr *out);
/* Writes header + payload with the checksum (0 computed is sent as 0xffff). Returns length or
 * -status. */
int weir_udp_emit(const weir_udp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                  size_t cap);
/* The same, leaving the checksum field 0 when !checksum (the interface computes it). */
int weir_udp_emit_csum(const weir_udp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                       size_t cap, bool checksum);

#endif
