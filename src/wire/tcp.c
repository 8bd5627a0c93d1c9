/* tcp.c — TCP header and options, parse and emit.
 *
 * Read RFC 9293 §3.1 (header format, data offset, the checksum and its pseudo-header), §3.2
 * (option format: kind, length; EOL and NOP are single bytes) and MUST-7 (be robust against
 * illegal option lengths), RFC 7323 §2.2 and §3.2 (window scale, timestamps), RFC 2018 §2-3
 * (SACK-permitted, SACK blocks) and RFC 9293 §3.7.1 (MSS).
 *
 * Parsing reports every option it finds, wherever it appears; which options count on which
 * segments (window scale only on SYN, RFC 7323 §2.2) is the engine's decision. Emitting always
 * uses Linux's layout so that our captures line up with a kernel's byte for byte. */
#include "tcp.h"

#include <string.h>

#include "checksum.h"
#include "ipv4.h"

#define TCP_MAX_LEN 0xffff
#define TCP_MAX_OPTIONS_LEN (WEIR_TCP_MAX_HEADER_LEN - WEIR_TCP_HEADER_LEN)

enum {
    TCP_OPT_EOL = 0,
    TCP_OPT_NOP = 1,
    TCP_OPT_MSS = 2,
    TCP_OPT_WSCALE = 3,
    TCP_OPT_SACK_PERMITTED = 4,
    TCP_OPT_SACK = 5,
    TCP_OPT_TIMESTAMPS = 8,
};

enum {
    TCP_OPTLEN_MSS = 4,
    TCP_OPTLEN_WSCALE = 3,
    TCP_OPTLEN_SACK_PERMITTED = 2,
    TCP_OPTLEN_SACK_BASE = 2,
    TCP_OPTLEN_SACK_BLOCK = 8,
    TCP_OPTLEN_TIMESTAMPS = 10,
};

/* Decode one option of known kind whose length byte says `olen` (>= 2, within the header).
 * A known kind with the wrong length is malformed: guessing which bytes the sender meant would
 * let a middlebox's mangling turn into state in our TCB. */
static weir_wire_status parse_option(const uint8_t *p, uint8_t olen, weir_tcp_options *o)
{
    switch (p[0]) {
    case TCP_OPT_MSS:
        if (olen != TCP_OPTLEN_MSS)
            return WEIR_WIRE_BAD_OPTION;
        o->has_mss = true;
        o->mss = weir_get16(p + 2);
        return WEIR_WIRE_OK;
    case TCP_OPT_WSCALE:
        if (olen != TCP_OPTLEN_WSCALE)
            return WEIR_WIRE_BAD_OPTION;
        o->has_wscale = true;
        o->wscale = p[2];
        return WEIR_WIRE_OK;
    case TCP_OPT_SACK_PERMITTED:
        if (olen != TCP_OPTLEN_SACK_PERMITTED)
            return WEIR_WIRE_BAD_OPTION;
        o->sack_permitted = true;
        return WEIR_WIRE_OK;
    case TCP_OPT_SACK: {
        size_t blocks = (size_t)(olen - TCP_OPTLEN_SACK_BASE) / TCP_OPTLEN_SACK_BLOCK;
        if (olen < TCP_OPTLEN_SACK_BASE + TCP_OPTLEN_SACK_BLOCK ||
            (olen - TCP_OPTLEN_SACK_BASE) % TCP_OPTLEN_SACK_BLOCK != 0 ||
            blocks > WEIR_TCP_MAX_SACK_BLOCKS)
            return WEIR_WIRE_BAD_OPTION;
        o->sack_count = (uint8_t)blocks;
        for (size_t i = 0; i < blocks; i++) {
            const uint8_t *b = p + TCP_OPTLEN_SACK_BASE + i * TCP_OPTLEN_SACK_BLOCK;
            o->sack[i].left = weir_get32(b);
            o->sack[i].right = weir_get32(b + 4);
        }
        return WEIR_WIRE_OK;
    }
    case TCP_OPT_TIMESTAMPS:
        if (olen != TCP_OPTLEN_TIMESTAMPS)
            return WEIR_WIRE_BAD_OPTION;
        o->has_timestamps = true;
        o->ts_val = weir_get32(p + 2);
        o->ts_ecr = weir_get32(p + 6);
        return WEIR_WIRE_OK;
    default:
        return WEIR_WIRE_OK; /* unknown kind: skipped by its length (RFC 9293 MUST-6) */
    }
}

/* Walk the option bytes opt[0..len). A later duplicate of an option overwrites an earlier one. */
static weir_wire_status parse_options(const uint8_t *opt, size_t len, weir_tcp_options *o)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = opt[i];
        if (kind == TCP_OPT_EOL)
            break; /* the rest of the header is padding */
        if (kind == TCP_OPT_NOP) {
            i++;
            continue;
        }
        /* Every other kind has a length byte, which must itself be inside the header, and a
         * length that covers at least kind + length and stays inside the header. */
        if (len - i < 2)
            return WEIR_WIRE_BAD_OPTION;
        uint8_t olen = opt[i + 1];
        if (olen < 2 || olen > len - i)
            return WEIR_WIRE_BAD_OPTION;
        weir_wire_status st = parse_option(opt + i, olen, o);
        if (st != WEIR_WIRE_OK)
            return st;
        i += olen;
    }
    return WEIR_WIRE_OK;
}

weir_wire_status weir_tcp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                                bool verify_checksum, weir_tcp_repr *out)
{
    if (len < WEIR_TCP_HEADER_LEN)
        return WEIR_WIRE_TRUNCATED;
    /* The pseudo-header carries the segment length in 16 bits; no IPv4 payload is longer. */
    if (len > TCP_MAX_LEN)
        return WEIR_WIRE_BAD_LENGTH;
    size_t header_len = (size_t)(buf[12] >> 4) * 4;
    if (header_len < WEIR_TCP_HEADER_LEN || header_len > len)
        return WEIR_WIRE_BAD_HEADER_LEN;
    if (verify_checksum) {
        uint32_t sum = weir_cksum_pseudo_ipv4(src_ip, dst_ip, WEIR_IP_PROTO_TCP, (uint16_t)len);
        if (weir_cksum_finish(weir_cksum_add(sum, buf, len)) != 0)
            return WEIR_WIRE_BAD_CHECKSUM;
    }

    /* Build the result aside so that *out is only written for a segment we accept. */
    weir_tcp_repr r;
    memset(&r, 0, sizeof(r));
    weir_wire_status st =
        parse_options(buf + WEIR_TCP_HEADER_LEN, header_len - WEIR_TCP_HEADER_LEN, &r.opt);
    if (st != WEIR_WIRE_OK)
        return st;
    r.src_port = weir_get16(buf);
    r.dst_port = weir_get16(buf + 2);
    r.seq = weir_get32(buf + 4);
    r.ack = weir_get32(buf + 8);
    r.flags = buf[13]; /* the NS bit (low bit of byte 12, RFC 3540, historic) is ignored */
    r.window = weir_get16(buf + 14);
    r.urgent = weir_get16(buf + 18);
    r.payload = buf + header_len;
    r.payload_len = len - header_len;
    *out = r;
    return WEIR_WIRE_OK;
}

/* FreeBSD's tcp_addoptions() order: a SYN's options back to back, EOL padding at the end. */
static bool bsd_syn_options(const weir_tcp_options *o)
{
    return o->has_mss || o->has_wscale || o->sack_permitted;
}

static size_t bsd_options_len(const weir_tcp_options *o)
{
    size_t n = 0;
    if (o->has_mss)
        n += 4;
    if (o->has_wscale)
        n += 4; /* [NOP][WS 3] */
    if (o->sack_permitted)
        n += 2;
    if (o->has_timestamps)
        n += bsd_syn_options(o) ? 10 : 12;
    if (o->sack_count > 0)
        n += 4 + (size_t)o->sack_count * TCP_OPTLEN_SACK_BLOCK;
    return (n + 3) & ~(size_t)3;
}

/* Bytes of options emit writes, before the 40-byte limit is applied. Must mirror write_options. */
static size_t options_len(const weir_tcp_options *o)
{
    if (o->bsd_layout)
        return bsd_options_len(o);
    size_t n = 0;
    if (o->has_mss)
        n += 4; /* [MSS 4] */
    if (o->has_timestamps)
        n += 12; /* [SACKOK 2][TS 10] or [NOP][NOP][TS 10] */
    else if (o->sack_permitted)
        n += 4; /* [NOP][NOP][SACKOK 2] */
    if (o->has_wscale)
        n += 4; /* [NOP][WS 3] */
    if (o->sack_count > 0)
        n += 4 + (size_t)o->sack_count * TCP_OPTLEN_SACK_BLOCK; /* [NOP][NOP][SACK 2+8n] */
    return (n + 3) & ~(size_t)3;
}

size_t weir_tcp_header_len(const weir_tcp_repr *r)
{
    return WEIR_TCP_HEADER_LEN + options_len(&r->opt);
}

static uint8_t *put_nops(uint8_t *p, size_t n)
{
    memset(p, TCP_OPT_NOP, n);
    return p + n;
}

static uint8_t *put_timestamps(uint8_t *p, const weir_tcp_options *o)
{
    p[0] = TCP_OPT_TIMESTAMPS;
    p[1] = TCP_OPTLEN_TIMESTAMPS;
    weir_put32(p + 2, o->ts_val);
    weir_put32(p + 6, o->ts_ecr);
    return p + TCP_OPTLEN_TIMESTAMPS;
}

static uint8_t *put_sack_permitted(uint8_t *p)
{
    p[0] = TCP_OPT_SACK_PERMITTED;
    p[1] = TCP_OPTLEN_SACK_PERMITTED;
    return p + TCP_OPTLEN_SACK_PERMITTED;
}

static uint8_t *put_mss(uint8_t *p, uint16_t mss)
{
    p[0] = TCP_OPT_MSS;
    p[1] = TCP_OPTLEN_MSS;
    weir_put16(p + 2, mss);
    return p + TCP_OPTLEN_MSS;
}

static uint8_t *put_wscale(uint8_t *p, uint8_t shift)
{
    p = put_nops(p, 1);
    p[0] = TCP_OPT_WSCALE;
    p[1] = TCP_OPTLEN_WSCALE;
    p[2] = shift;
    return p + TCP_OPTLEN_WSCALE;
}

static uint8_t *put_sack_blocks(uint8_t *p, const weir_tcp_options *o)
{
    p = put_nops(p, 2);
    p[0] = TCP_OPT_SACK;
    p[1] = (uint8_t)(TCP_OPTLEN_SACK_BASE + o->sack_count * TCP_OPTLEN_SACK_BLOCK);
    p += TCP_OPTLEN_SACK_BASE;
    for (size_t i = 0; i < o->sack_count; i++) {
        weir_put32(p, o->sack[i].left);
        weir_put32(p + 4, o->sack[i].right);
        p += TCP_OPTLEN_SACK_BLOCK;
    }
    return p;
}

/* FreeBSD's layout (tcp_addoptions()): the SYN options back to back in the order MSS, window
 * scale, SACK-permitted, timestamps, then EOL padding. */
static void write_bsd_options(uint8_t *p, uint8_t *end, const weir_tcp_options *o)
{
    bool syn = bsd_syn_options(o);
    if (o->has_mss)
        p = put_mss(p, o->mss);
    if (o->has_wscale)
        p = put_wscale(p, o->wscale);
    if (o->sack_permitted)
        p = put_sack_permitted(p);
    if (o->has_timestamps) {
        if (!syn)
            p = put_nops(p, 2);
        p = put_timestamps(p, o);
    }
    if (o->sack_count > 0)
        p = put_sack_blocks(p, o);
    memset(p, TCP_OPT_EOL, (size_t)(end - p));
}

/* Linux's layout (tcp_options_write()): every multi-byte field lands 4-byte aligned, and NOPs
 * rather than EOL fill the gaps. The caller has checked that the result fits. */
static void write_options(uint8_t *p, uint8_t *end, const weir_tcp_options *o)
{
    if (o->bsd_layout) {
        write_bsd_options(p, end, o);
        return;
    }
    if (o->has_mss)
        p = put_mss(p, o->mss);
    if (o->sack_permitted && o->has_timestamps) {
        p = put_sack_permitted(p);
        p = put_timestamps(p, o);
    } else if (o->has_timestamps) {
        p = put_nops(p, 2);
        p = put_timestamps(p, o);
    } else if (o->sack_permitted) {
        p = put_nops(p, 2);
        p = put_sack_permitted(p);
    }
    if (o->has_wscale)
        p = put_wscale(p, o->wscale);
    if (o->sack_count > 0)
        p = put_sack_blocks(p, o);
    /* Zero (EOL) padding to the 4-byte boundary; Linux's layouts never need it. */
    memset(p, TCP_OPT_EOL, (size_t)(end - p));
}

int weir_tcp_emit(const weir_tcp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                  size_t cap)
{
    return weir_tcp_emit_csum(r, src_ip, dst_ip, buf, cap, true);
}

int weir_tcp_emit_csum(const weir_tcp_repr *r, uint32_t src_ip, uint32_t dst_ip, uint8_t *buf,
                       size_t cap, bool checksum)
{
    if (r->opt.sack_count > WEIR_TCP_MAX_SACK_BLOCKS)
        return -WEIR_WIRE_BAD_REPR;
    size_t header_len = weir_tcp_header_len(r);
    if (header_len > WEIR_TCP_MAX_HEADER_LEN || r->payload_len > TCP_MAX_LEN - header_len)
        return -WEIR_WIRE_BAD_REPR;
    size_t total = header_len + r->payload_len;
    if (cap < total)
        return -WEIR_WIRE_NO_ROOM;
    /* Payload first, with memmove: the engine may have copied it in place at buf + header_len,
     * and the header must not overwrite it before it moves. */
    if (r->payload_len > 0 && r->payload != buf + header_len)
        memmove(buf + header_len, r->payload, r->payload_len);
    weir_put16(buf, r->src_port);
    weir_put16(buf + 2, r->dst_port);
    weir_put32(buf + 4, r->seq);
    weir_put32(buf + 8, r->ack);
    buf[12] = (uint8_t)((header_len / 4) << 4);
    buf[13] = r->flags;
    weir_put16(buf + 14, r->window);
    weir_put16(buf + 16, 0);
    weir_put16(buf + 18, r->urgent);
    write_options(buf + WEIR_TCP_HEADER_LEN, buf + header_len, &r->opt);
    if (checksum) {
        uint32_t sum = weir_cksum_pseudo_ipv4(src_ip, dst_ip, WEIR_IP_PROTO_TCP, (uint16_t)total);
        weir_put16(buf + 16, weir_cksum_finish(weir_cksum_add(sum, buf, total)));
    }
    return (int)total;
}
