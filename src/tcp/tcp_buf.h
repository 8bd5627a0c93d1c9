/* tcp_buf.h — the byte rings behind a connection's send and receive buffers, and the receive
 * reassembler that remembers which out-of-order ranges have arrived.
 *
 * Rings are allocated on first use, small (TCP_RING_MIN_CAP), grow by doubling up to the
 * connection's buffer size as data needs room, and are freed when drained, so an idle
 * connection holds no buffer memory (DESIGN.md §5) and a 100-byte exchange costs no 64 kB.
 * Out-of-order bytes are written straight into the receive ring at their place inside the
 * window; the reassembler only records the ranges, at most WEIR_TCP_OOO_RANGES, in a table that
 * exists only while some range is held. */
#ifndef WEIR_TCP_BUF_H
#define WEIR_TCP_BUF_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"

#define TCP_RING_MIN_CAP 2048u

typedef struct tcp_ring {
    uint8_t *buf;  /* NULL until first use */
    uint32_t cap;  /* bytes of storage now: grows up to the buffer size */
    uint32_t head; /* offset of the first byte */
    uint32_t len;  /* bytes held from head on */
    uint32_t last_cap; /* capacity when last freed: the next allocation starts there, so a
                          bulk transfer whose reader drains the ring does not grow it again
                          from 2 kB each time (fits the struct's padding) */
} tcp_ring;

/* Make sure offsets [0, need) from head have storage (need is capped at limit, the buffer size),
 * growing the ring if it is smaller. Returns 0 or WEIR_ENOMEM (the ring is unchanged). */
int tcp_ring_reserve(weir_stack *s, tcp_ring *r, uint32_t need, uint32_t limit);
/* Free the storage if the ring holds nothing. */
void tcp_ring_release_if_empty(weir_stack *s, tcp_ring *r);
void tcp_ring_free(weir_stack *s, tcp_ring *r);
/* Copy n bytes to/from offset `off` counted from head (wrapping). The caller checks bounds. */
void tcp_ring_write_at(tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n);
void tcp_ring_read_at(const tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n);
void tcp_ring_consume(tcp_ring *r, uint32_t n);
/* Append at the end; returns the bytes taken (bounded by the storage reserved). */
uint32_t tcp_ring_append(tcp_ring *r, const uint8_t *src, uint32_t n);

/* What the receiver holds beyond RCV.NXT: out-of-order ranges [left, right) in sequence space,
 * sorted and disjoint; a FIN that came beyond a hole; and a duplicate to report once as a D-SACK
 * (RFC 2883). A connection receiving in order has none of it (no table at all). */
typedef struct tcp_ooo {
    uint8_t count;
    bool fin_pending;   /* a FIN arrived beyond a hole: take it when the hole fills */
    bool dsack_pending; /* report [dsack_left, dsack_right) as a D-SACK */
    uint32_t fin_seq;
    uint32_t dsack_left, dsack_right;
    uint32_t left[WEIR_TCP_OOO_RANGES];
    uint32_t right[WEIR_TCP_OOO_RANGES];
    uint32_t stamp[WEIR_TCP_OOO_RANGES]; /* when each range last grew: SACK reports newest first */
    uint32_t clock;
} tcp_ooo;

/* Record [left, right). Returns false (nothing recorded) when it would need more ranges than the
 * table holds. */
bool tcp_ooo_add(tcp_ooo *o, uint32_t left, uint32_t right);

/* A connection holds its table on the heap only while it records something (an idle or
 * in-order connection has none: DESIGN.md §5). tcp_ooo_get allocates it (NULL: out of memory);
 * tcp_ooo_insert records a range, false when the table is full or memory ran out (nothing
 * recorded either way). tcp_ooo_merge is tcp_ooo_advance; it and tcp_ooo_tidy free the table
 * once it records nothing. */
tcp_ooo *tcp_ooo_get(weir_stack *s, tcp_ooo **o);
bool tcp_ooo_insert(weir_stack *s, tcp_ooo **o, uint32_t left, uint32_t right);
uint32_t tcp_ooo_merge(weir_stack *s, tcp_ooo **o, uint32_t rcv_nxt);
void tcp_ooo_tidy(weir_stack *s, tcp_ooo **o);
void tcp_ooo_free(weir_stack *s, tcp_ooo **o);
static inline unsigned tcp_ooo_count(const tcp_ooo *o) { return o ? o->count : 0; }
/* rcv_nxt moved to `rcv_nxt`: drop ranges now below it, and if a range starts at or before it,
 * merge: returns the new rcv_nxt (the end of the contiguous data). */
uint32_t tcp_ooo_advance(tcp_ooo *o, uint32_t rcv_nxt);
/* Indexes of the ranges, most recently grown first (RFC 2018 §4); returns how many (<= max). */
unsigned tcp_ooo_recent(const tcp_ooo *o, unsigned idx[], unsigned max);

#endif
