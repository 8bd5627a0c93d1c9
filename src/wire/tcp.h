/* tcp.h — TCP header and options (RFC 9293 §3.1, §3.2; RFC 7323; RFC 2018).
 *
 * Options parsed: EOL, NOP, MSS (kind 2, len 4), window scale (3, 3), SACK-permitted (4, 2),
 * SACK (5, 2+8n), timestamps (8, 10); any other kind is skipped by its length. An option length of
 * 0 or 1, or one running past the header, makes the segment malformed (RFC 9293 MUST-7 asks us to
 * be robust: we drop such a segment instead of guessing). A known option with the wrong length is
 * also malformed. */
#ifndef WEIR_WIRE_TCP_H
#define WEIR_WIRE_TCP_H

#include "wire.h"

#define WEIR_TCP_HEADER_LEN 20
#define WEIR_TCP_MAX_HEADER_LEN 60
#define WEIR_TCP_MAX_SACK_BLOCKS 4

enum {
    WEIR_TCP_FLAG_FIN = 0x01,
    WEIR_TCP_FLAG_SYN = 0x02,
    WEIR_TCP_FLAG_RST = 0x04,
    WEIR_TCP_FLAG_PSH = 0x08,
    WEIR_TCP_FLAG_ACK = 0x10,
    WEIR_TCP_FLAG_URG = 0x20,
    WEIR_TCP_FLAG_ECE = 0x40,
    WEIR_TCP_FLAG_CWR = 0x80,
};

typedef struct weir_tcp_sack_block {
    uint32_t left, right;
} weir_tcp_sack_block;

typedef struct weir_tcp_options {
    bool has_mss;
    uint16_t mss;
    bool has_wscale;
    uint8_t wscale;          /* as sent; clamping to 14 is the engine's business */
    bool sack_permitted;
    bool has_timestamps;
    uint32_t ts_val, ts_ecr;
    uint8_t sack_count;      /* parse: blocks beyond 4 are malformed */
    weir_tcp_sack_block sack[WEIR_TCP_MAX_SACK_BLOCKS];
    bool bsd_layout;         /* emit only: FreeBSD's layout (see weir_tcp_header_len) */
} weir_tcp_options;

typedef struct weir_tcp_repr {
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;           /* WEIR_TCP_FLAG_* (the NS bit / reserved bits are ignored) */
    uint16_t window;         /* raw field, unscaled */
    uint16_t urgent;
    weir_tcp_options opt;
    const uint8_t *payload;  /* parse: points into the segment */
    size_t payload_len;
} weir_tcp_repr;

/* `len` is the IP payload length. Checks the data offset (>= 5, header within len), options, and
 * the checksum with the pseudo-header when verify_checksum. Failures, in the order checked:
 * TRUNCATED (len < 20), BAD_LENGTH (len > 65535), BAD_HEADER_LEN, BAD_CHECKSUM, BAD_OPTION.
 * Options are reported wherever they appear (window scale on a non-SYN too: ignoring it there,
 * RFC 7323 §2.2, is the engine's call); a repeated option overrides the earlier one. */
weir_wire_status weir_tcp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                                bool verify_checksum, weir_tcp_repr *out);
/* Header length (20 + options, padded to 4) that emit will write for this repr. A value above
 * WEIR_TCP_MAX_HEADER_LEN means emit will refuse the repr (-WEIR_WIRE_BAD_REPR): with MSS,
 * timestamps and window scale at most 2 SACK blocks fit, with timestamps alone 3. Option layout is
 * Linux's, so captures compare easily: MSS; SACK-permitted+timestamps as [SACKOK][TS], or
 * [NOP][NOP][TS], or [NOP][NOP][SACKOK]; [NOP][WS]; [NOP][NOP][SACK blocks]. With
 * opt.bsd_layout, FreeBSD's: [MSS][NOP][WS][SACKOK][TS] on a SYN ([NOP][NOP][TS] otherwise),
 * [NOP][NOP][SACK blocks], then EOL padding to the 4-byte boundary. */
size_t weir_tcp_header_len(const weir_tcp_repr *r);
/* Writes header, options and payload with the checksum. Returns the total length or -status
 * (options that do not fit in 40 bytes: -WEIR_WIRE_BAD_REPR). */
int weir_tcp_emit(const weir_tcp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                  size_t cap);
/* The same, leaving the checksum field 0 when !checksum (the interface computes it). */
int weir_tcp_emit_csum(const weir_tcp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                       size_t cap, bool checksum);

#endif
