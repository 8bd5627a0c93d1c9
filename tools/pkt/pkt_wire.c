/* pkt_wire.c — raw IPv4 + TCP packets for the interpreter (RFC 791 §3.1, RFC 9293 §3.1).
 *
 * The interpreter builds inbound packets exactly as a script writes them (options in the
 * script's order, its padding, its window) and parses outbound ones keeping the options in wire
 * order with every NOP and EOL byte, which strict matching compares kind by kind. The stack's
 * own wire layer normalises option layout, so this small independent codec is also a second
 * opinion on its checksums. */
#include <string.h>

#include "pkt_wire.h"

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint16_t tcp_checksum(uint32_t src, uint32_t dst, const uint8_t *tcp, size_t len)
{
    uint8_t pseudo[12];
    put32(pseudo, src);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint32_t)len);
    return fold(sum_bytes(sum_bytes(0, pseudo, sizeof pseudo), tcp, len));
}

/* Encode one option; returns its length, or 0 when it does not fit or cannot be sent. */
static size_t encode_opt(const pkt_opt *o, uint8_t *p, size_t room)
{
    size_t n;
    switch (o->kind) {
    case PO_EOL:
    case PO_NOP:
        n = 1;
        break;
    case PO_MSS:
        n = 4;
        break;
    case PO_WSCALE:
        n = 3;
        break;
    case PO_SACKOK:
        n = 2;
        break;
    case PO_SACK:
        n = 2 + 8u * o->nblocks;
        break;
    case PO_TS:
        n = 10;
        break;
    default:
        return 0;
    }
    if (n > room)
        return 0;
    p[0] = (uint8_t)o->kind;
    if (n > 1)
        p[1] = (uint8_t)n;
    if (o->kind == PO_MSS)
        put16(p + 2, o->val);
    else if (o->kind == PO_WSCALE)
        p[2] = (uint8_t)o->val;
    else if (o->kind == PO_TS) {
        put32(p + 2, o->val);
        put32(p + 6, o->ecr);
    } else if (o->kind == PO_SACK) {
        for (int i = 0; i < o->nblocks; i++) {
            put32(p + 2 + 8 * i, o->left[i]);
            put32(p + 6 + 8 * i, o->right[i]);
        }
    }
    return n;
}

int pkt_wire_build(const pkt_seg *s, uint8_t *buf, size_t cap)
{
    uint8_t opts[40];
    size_t olen = 0;
    for (int i = 0; i < s->nopts; i++) {
        size_t n = encode_opt(&s->opts[i], opts + olen, sizeof opts - olen);
        if (n == 0)
            return -1;
        olen += n;
    }
    while (olen % 4)
        opts[olen++] = 0;
    size_t thl = 20 + olen, total = 20 + thl + s->len;
    if (total > cap || total > 65535)
        return -1;
    uint8_t *ip = buf, *tcp = buf + 20;
    memset(buf, 0, 20 + thl);
    ip[0] = 0x45;
    ip[1] = s->tos;
    put16(ip + 2, (uint32_t)total);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, s->src);
    put32(ip + 16, s->dst);
    put16(ip + 10, fold(sum_bytes(0, ip, 20)));
    put16(tcp, s->sport);
    put16(tcp + 2, s->dport);
    put32(tcp + 4, s->seq);
    put32(tcp + 8, s->ack);
    tcp[12] = (uint8_t)((thl / 4) << 4 | ((s->flags & PKT_AE) ? 1 : 0));
    tcp[13] = (uint8_t)s->flags;
    put16(tcp + 14, s->win);
    put16(tcp + 18, s->urg);
    memcpy(tcp + 20, opts, olen);
    memset(tcp + thl, 0, s->len);
    put16(tcp + 16, tcp_checksum(s->src, s->dst, tcp, thl + s->len));
    return (int)total;
}

/* Walk the option bytes into s->opts, wire order, every NOP/EOL byte kept. */
static bool parse_opts(const uint8_t *p, size_t n, pkt_seg *s)
{
    size_t i = 0;
    s->nopts = 0;
    while (i < n) {
        if (s->nopts == PKT_MAX_OPTS)
            return false;
        pkt_opt *o = &s->opts[s->nopts++];
        memset(o, 0, sizeof *o);
        o->kind = (pkt_opt_kind)p[i];
        if (p[i] == PO_EOL || p[i] == PO_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= n || p[i + 1] < 2 || i + p[i + 1] > n)
            return false;
        size_t len = p[i + 1];
        const uint8_t *v = p + i + 2;
        if (p[i] == PO_MSS && len == 4) {
            o->val = get16(v);
        } else if (p[i] == PO_WSCALE && len == 3) {
            o->val = v[0];
        } else if (p[i] == PO_SACKOK && len == 2) {
            /* nothing */
        } else if (p[i] == PO_TS && len == 10) {
            o->val = get32(v);
            o->ecr = get32(v + 4);
        } else if (p[i] == PO_SACK && len >= 10 && (len - 2) % 8 == 0 &&
                   (len - 2) / 8 <= PKT_MAX_SACK) {
            o->nblocks = (uint8_t)((len - 2) / 8);
            for (int b = 0; b < o->nblocks; b++) {
                o->left[b] = get32(v + 8 * b);
                o->right[b] = get32(v + 8 * b + 4);
            }
        } else {
            o->kind = PO_UNSUPPORTED;
            o->val = p[i];
            o->name = "unknown";
        }
        i += len;
    }
    return true;
}

int pkt_wire_parse(const uint8_t *buf, size_t len, pkt_seg *s)
{
    memset(s, 0, sizeof *s);
    if (len < 20 || (buf[0] >> 4) != 4)
        return PKT_WIRE_NOT_IPV4;
    size_t ihl = (size_t)(buf[0] & 15) * 4, total = get16(buf + 2);
    if (ihl < 20 || total < ihl || total > len)
        return PKT_WIRE_BAD;
    if (fold(sum_bytes(0, buf, ihl)) != 0)
        return PKT_WIRE_BAD_CSUM;
    s->tos = buf[1];
    s->src = get32(buf + 12);
    s->dst = get32(buf + 16);
    if (buf[9] != 6)
        return PKT_WIRE_NOT_TCP;
    const uint8_t *tcp = buf + ihl;
    size_t tlen = total - ihl;
    if (tlen < 20)
        return PKT_WIRE_BAD;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    if (thl < 20 || thl > tlen)
        return PKT_WIRE_BAD;
    if (tcp_checksum(s->src, s->dst, tcp, tlen) != 0)
        return PKT_WIRE_BAD_CSUM;
    s->sport = get16(tcp);
    s->dport = get16(tcp + 2);
    s->seq = get32(tcp + 4);
    s->ack = get32(tcp + 8);
    s->flags = (uint16_t)(tcp[13] | ((tcp[12] & 1) ? PKT_AE : 0));
    s->reserved = (uint8_t)((tcp[12] >> 1) & 7);
    s->win = get16(tcp + 14);
    s->urg = get16(tcp + 18);
    s->opt_bytes = thl - 20;
    if (!parse_opts(tcp + 20, thl - 20, s))
        return PKT_WIRE_BAD;
    s->payload = tcp + thl;
    s->len = (uint32_t)(tlen - thl);
    s->payload_nonzero = false;
    for (size_t i = 0; i < s->len; i++)
        if (s->payload[i] != 0) {
            s->payload_nonzero = true;
            break;
        }
    return PKT_WIRE_OK;
}

const pkt_opt *pkt_seg_find_opt(const pkt_seg *s, pkt_opt_kind kind)
{
    for (int i = 0; i < s->nopts; i++)
        if (s->opts[i].kind == kind)
            return &s->opts[i];
    return NULL;
}
