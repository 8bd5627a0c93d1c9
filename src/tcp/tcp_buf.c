/* tcp_buf.c — byte rings and the out-of-order range table (see tcp_buf.h). */
#include <string.h>

#include "tcp/seq.h"
#include "tcp/tcp_buf.h"

/* Capacity to grow to: double (so a transfer that keeps the ring full copies each byte about
 * once in all its growth), at least `need` and TCP_RING_MIN_CAP, at most `limit`. */
static uint32_t grown_cap(const tcp_ring *r, uint32_t need, uint32_t limit)
{
    uint64_t cap = r->cap                           ? 2u * (uint64_t)r->cap
                   : r->last_cap > TCP_RING_MIN_CAP ? r->last_cap
                                                    : TCP_RING_MIN_CAP;
    if (cap < need)
        cap = need;
    return cap < limit ? (uint32_t)cap : limit;
}

int tcp_ring_reserve(weir_stack *s, tcp_ring *r, uint32_t need, uint32_t limit)
{
    if (need > limit)
        need = limit;
    if (r->buf && r->cap >= need)
        return 0;
    uint32_t cap = grown_cap(r, need, limit);
    /* Not zeroed: only bytes that were written are ever read (tcp_ring_read_at's callers stay
     * within len, and out-of-order ranges are written before they are recorded). */
    uint8_t *buf = weir_alloc_uninit(s, cap);
    if (!buf)
        return WEIR_ENOMEM;
    if (r->buf) {
        /* Keep every offset from head valid, out-of-order bytes beyond len included. */
        tcp_ring_read_at(r, 0, buf, r->cap);
        weir_free(s, r->buf, r->cap);
    }
    r->buf = buf;
    r->cap = cap;
    r->head = 0;
    return 0;
}

void tcp_ring_free(weir_stack *s, tcp_ring *r)
{
    uint32_t last_cap = r->buf ? r->cap : r->last_cap;
    weir_free(s, r->buf, r->cap);
    memset(r, 0, sizeof *r);
    r->last_cap = last_cap;
}

void tcp_ring_release_if_empty(weir_stack *s, tcp_ring *r)
{
    if (r->buf && r->len == 0)
        tcp_ring_free(s, r);
}

void tcp_ring_write_at(tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n)
{
    uint32_t pos = (uint32_t)(((uint64_t)r->head + off) % r->cap);
    uint32_t first = n < r->cap - pos ? n : r->cap - pos;
    memcpy(r->buf + pos, src, first);
    memcpy(r->buf, src + first, n - first);
}

void tcp_ring_read_at(const tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
    uint32_t pos = (uint32_t)(((uint64_t)r->head + off) % r->cap);
    uint32_t first = n < r->cap - pos ? n : r->cap - pos;
    memcpy(dst, r->buf + pos, first);
    memcpy(dst + first, r->buf, n - first);
}

void tcp_ring_consume(tcp_ring *r, uint32_t n)
{
    /* head keeps moving even when len reaches 0: out-of-order bytes may already sit beyond the
     * readable part, at offsets counted from head. An unallocated ring has nothing to take. */
    if (n == 0)
        return;
    r->head = (uint32_t)(((uint64_t)r->head + n) % r->cap);
    r->len -= n;
}

uint32_t tcp_ring_append(tcp_ring *r, const uint8_t *src, uint32_t n)
{
    uint32_t room = r->cap - r->len;
    if (n > room)
        n = room;
    tcp_ring_write_at(r, r->len, src, n);
    r->len += n;
    return n;
}

static void ooo_remove(tcp_ooo *o, unsigned i)
{
    for (unsigned j = i + 1; j < o->count; j++) {
        o->left[j - 1] = o->left[j];
        o->right[j - 1] = o->right[j];
        o->stamp[j - 1] = o->stamp[j];
    }
    o->count--;
}

bool tcp_ooo_add(tcp_ooo *o, uint32_t left, uint32_t right)
{
    /* Find the first range that ends at or after `left`: everything before it is untouched. */
    unsigned i = 0;
    while (i < o->count && seq_lt(o->right[i], left))
        i++;
    if (i == o->count || seq_lt(right, o->left[i])) {
        /* Disjoint: insert a new range at i. */
        if (o->count == WEIR_TCP_OOO_RANGES)
            return false;
        for (unsigned j = o->count; j > i; j--) {
            o->left[j] = o->left[j - 1];
            o->right[j] = o->right[j - 1];
            o->stamp[j] = o->stamp[j - 1];
        }
        o->left[i] = left;
        o->right[i] = right;
        o->stamp[i] = ++o->clock;
        o->count++;
        return true;
    }
    /* Overlapping or adjacent: widen range i, then swallow the ranges it now reaches. */
    o->left[i] = seq_min(o->left[i], left);
    o->right[i] = seq_max(o->right[i], right);
    o->stamp[i] = ++o->clock;
    while (i + 1 < o->count && seq_geq(o->right[i], o->left[i + 1])) {
        o->right[i] = seq_max(o->right[i], o->right[i + 1]);
        ooo_remove(o, i + 1);
    }
    return true;
}

uint32_t tcp_ooo_advance(tcp_ooo *o, uint32_t rcv_nxt)
{
    while (o->count > 0 && seq_leq(o->left[0], rcv_nxt)) {
        rcv_nxt = seq_max(rcv_nxt, o->right[0]);
        ooo_remove(o, 0);
    }
    return rcv_nxt;
}

unsigned tcp_ooo_recent(const tcp_ooo *o, unsigned idx[], unsigned max)
{
    unsigned order[WEIR_TCP_OOO_RANGES];
    for (unsigned i = 0; i < o->count; i++) {
        /* Insertion sort by stamp, newest first: the table is tiny. */
        unsigned j = i;
        while (j > 0 && o->stamp[order[j - 1]] < o->stamp[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    unsigned n = o->count < max ? o->count : max;
    for (unsigned i = 0; i < n; i++)
        idx[i] = order[i];
    return n;
}

tcp_ooo *tcp_ooo_get(weir_stack *s, tcp_ooo **o)
{
    if (!*o)
        *o = weir_alloc(s, sizeof **o);
    return *o;
}

void tcp_ooo_tidy(weir_stack *s, tcp_ooo **o)
{
    if (*o && (*o)->count == 0 && !(*o)->fin_pending && !(*o)->dsack_pending)
        tcp_ooo_free(s, o);
}

bool tcp_ooo_insert(weir_stack *s, tcp_ooo **o, uint32_t left, uint32_t right)
{
    if (!tcp_ooo_get(s, o))
        return false;
    bool recorded = tcp_ooo_add(*o, left, right);
    tcp_ooo_tidy(s, o);
    return recorded;
}

uint32_t tcp_ooo_merge(weir_stack *s, tcp_ooo **o, uint32_t rcv_nxt)
{
    if (!*o)
        return rcv_nxt;
    rcv_nxt = tcp_ooo_advance(*o, rcv_nxt);
    tcp_ooo_tidy(s, o);
    return rcv_nxt;
}

void tcp_ooo_free(weir_stack *s, tcp_ooo **o)
{
    weir_free(s, *o, sizeof **o);
    *o = NULL;
}
