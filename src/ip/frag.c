/* frag.c — IPv4 reassembly (RFC 791 §3.2 "reassembly", RFC 1122 §3.3.2, RFC 815 for the idea of
 * tracking what is still missing).
 *
 * A datagram being reassembled holds one buffer of the largest size a datagram can have, plus a
 * bitmap of the 8-octet blocks received. At most cfg.frag_max_datagrams are in progress (every one
 * costs about 66 kB, so the bound is what keeps a fragment flood from exhausting memory); a
 * fragment of a new datagram when all are busy is a counted drop. A datagram not completed within
 * cfg.frag_timeout_us is discarded (RFC 1122: "MUST be able to discard ... after a timeout"). The
 * complete datagram is rebuilt with a fresh header and handed back to IPv4 input as if it had
 * arrived whole. */
#include <string.h>

#include "ip/ip.h"

#define FRAG_BLOCKS (WEIR_IPV4_MAX_DATAGRAM / 8 + 1)

typedef struct weir_frag {
    bool used;
    uint32_t src, dst;
    uint16_t ident;
    uint8_t protocol;
    int netif;
    uint32_t total;         /* payload length, known once the last fragment arrived; else 0 */
    bool have_last;
    uint64_t expires;
    uint8_t ttl;
    uint8_t blocks[FRAG_BLOCKS / 8 + 1]; /* bit per 8-octet block received */
    uint8_t data[WEIR_IPV4_MIN_HEADER + WEIR_IPV4_MAX_DATAGRAM]; /* header room, then payload */
} weir_frag;

static void release(weir_stack *s, int i)
{
    weir_free(s, s->frags[i], sizeof(weir_frag));
    s->frags[i] = NULL;
}

void weir_frag_destroy(weir_stack *s)
{
    for (int i = 0; i < WEIR_MAX_FRAG_DATAGRAMS; i++)
        if (s->frags[i])
            release(s, i);
}

static int find_or_claim(weir_stack *s, const weir_ipv4_repr *ip)
{
    int free_slot = -1;
    uint32_t limit = s->cfg.frag_max_datagrams;
    for (uint32_t i = 0; i < limit && i < WEIR_MAX_FRAG_DATAGRAMS; i++) {
        weir_frag *f = s->frags[i];
        if (!f) {
            if (free_slot < 0)
                free_slot = (int)i;
            continue;
        }
        if (f->src == ip->src && f->dst == ip->dst && f->ident == ip->ident &&
            f->protocol == ip->protocol)
            return (int)i;
    }
    if (free_slot < 0)
        return -1;
    weir_frag *f = weir_alloc(s, sizeof *f);
    if (!f)
        return -1;
    f->src = ip->src;
    f->dst = ip->dst;
    f->ident = ip->ident;
    f->protocol = ip->protocol;
    f->expires = s->now_us + s->cfg.frag_timeout_us;
    s->frags[free_slot] = f;
    return free_slot;
}

static void mark(weir_frag *f, uint32_t first_block, uint32_t end_block)
{
    for (uint32_t b = first_block; b < end_block; b++)
        f->blocks[b / 8] |= (uint8_t)(1u << (b % 8));
}

static bool complete(const weir_frag *f)
{
    if (!f->have_last)
        return false;
    uint32_t blocks = (f->total + 7) / 8;
    for (uint32_t b = 0; b < blocks; b++)
        if (!(f->blocks[b / 8] & (1u << (b % 8))))
            return false;
    return true;
}

void weir_frag_input(weir_stack *s, int netif, const weir_ipv4_repr *ip, const uint8_t *pkt,
                     size_t len)
{
    uint32_t off = ip->frag_offset, n = (uint32_t)ip->payload_len;
    /* RFC 791: every fragment but the last carries a multiple of 8 octets; nothing may reach
     * past the largest datagram. */
    if ((ip->more_fragments && (n == 0 || n % 8 != 0)) ||
        off + n > WEIR_IPV4_MAX_DATAGRAM - WEIR_IPV4_MIN_HEADER) {
        weir_drop(s, WEIR_DROP_IP_FRAG_INVALID, pkt, len);
        return;
    }
    int i = find_or_claim(s, ip);
    if (i < 0) {
        weir_drop(s, s->cfg.frag_max_datagrams ? WEIR_DROP_IP_FRAG_TABLE_FULL
                                               : WEIR_DROP_IP_FRAGMENT,
                  pkt, len);
        return;
    }
    weir_frag *f = s->frags[i];
    if (!ip->more_fragments) {
        if (f->have_last && f->total != off + n) {
            weir_drop(s, WEIR_DROP_IP_FRAG_INVALID, pkt, len); /* two different ends: give up */
            release(s, i);
            return;
        }
        f->have_last = true;
        f->total = off + n;
    }
    if (f->have_last && off + n > f->total) {
        weir_drop(s, WEIR_DROP_IP_FRAG_INVALID, pkt, len);
        release(s, i);
        return;
    }
    memcpy(f->data + WEIR_IPV4_MIN_HEADER + off, ip->payload, n);
    mark(f, off / 8, (off + n + 7) / 8);
    if (off == 0) {
        f->netif = netif;
        f->ttl = ip->ttl;
    }
    weir_count(s, WEIR_CTR_IP_FRAGMENTS_IN);
    if (!complete(f))
        return;
    /* A fresh header: the datagram as if it had never been cut (no MF, offset 0). */
    weir_ipv4_repr whole = {.src = f->src, .dst = f->dst, .protocol = f->protocol, .ttl = f->ttl,
                            .ident = f->ident, .payload_len = f->total};
    weir_ipv4_emit_header(&whole, f->data, WEIR_IPV4_MIN_HEADER);
    weir_count(s, WEIR_CTR_IP_REASSEMBLED);
    s->frags[i] = NULL; /* detached first: input may not see it again */
    weir_ip_input_reassembled(s, f->netif, f->data, WEIR_IPV4_MIN_HEADER + f->total);
    weir_free(s, f, sizeof *f);
}

/* Slots at or beyond cfg.frag_max_datagrams are never claimed (find_or_claim): every poll
 * walks only the configured ones (4 by default, not the 16 the table has room for). */
static int slots_in_use(const weir_stack *s)
{
    uint32_t limit = s->cfg.frag_max_datagrams;
    return limit < WEIR_MAX_FRAG_DATAGRAMS ? (int)limit : WEIR_MAX_FRAG_DATAGRAMS;
}

void weir_frag_timers(weir_stack *s)
{
    for (int i = 0; i < slots_in_use(s); i++) {
        if (s->frags[i] && s->frags[i]->expires <= s->now_us) {
            weir_drop(s, WEIR_DROP_IP_FRAG_TIMEOUT, NULL, 0);
            release(s, i);
        }
    }
}

uint64_t weir_frag_next_deadline(const weir_stack *s)
{
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < slots_in_use(s); i++)
        if (s->frags[i] && s->frags[i]->expires < next)
            next = s->frags[i]->expires;
    return next;
}
