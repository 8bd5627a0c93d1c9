/* tcp_table.c — connection records: allocation, demultiplexing by four-tuple, listeners, local
 * ports, and initial sequence numbers.
 *
 * RFC 9293 §3.4.1 and RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a clock ticking every 4 µs, F a keyed hash (SipHash-2-4) with a secret drawn once per stack.
 *
 * Demultiplexing runs for every segment, so it is kept cheap without giving up its defence
 * against hash flooding (a peer choosing tuples that all land in one chain, making every lookup
 * a walk): buckets are chosen by SipHash-1-3 under a key of its own, derived from the stack's
 * secret. The peer never sees a bucket index, only, at best, how long a lookup took; SipHash-1-3
 * is the keyed hash Rust, CPython and Linux's hsiphash use against exactly this attack, and it
 * costs about a quarter of the generic SipHash-2-4 call it replaces (the ISN keeps 2-4: its
 * output is on the wire). In front of the table, a small direct-mapped cache of connections,
 * indexed by a plain fold of the tuple and checked by comparing the whole tuple, spares the hash
 * for most segments of established connections: a connection enters it when it is hashed or
 * found, and leaves it when it is unhashed, so the cache never points at a freed record. A peer
 * that makes tuples collide in the fold only makes them miss the cache and take the keyed path.
 *
 * The connections' bucket array follows the number of hashed connections (doubled above one per
 * bucket, shrunk below one per eight), between 16 buckets and the size max_connections calls
 * for: a stack allowed 262144 connections but holding 64 keeps its chains in a kilobyte the
 * cache holds, not in 2 MB where every segment's lookup is a miss. TIME-WAIT records, which
 * churn keeps by the hundred thousand, have a fixed array of that full size. */
#include <string.h>

#include "core/siphash.h"
#include "tcp/tcp_conn.h"
#include "tcp/tcp_ports.h"
#include "tcp/tcp_tw.h"

/* The memory budget of issue 5 on LP64: an idle connection's record (its buffers, out-of-order
 * table and scoreboard are allocated only while in use) stays within 472 bytes, so that with the
 * allocator's header it takes a 480-byte chunk and a million connections between two stacks fit
 * in 1 GiB; a compact TIME-WAIT record within 64. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(tcp_conn) <= 472, "tcp_conn outgrew its memory budget");
_Static_assert(sizeof(tcp_tw) <= 64, "tcp_tw outgrew its memory budget");
#endif

enum { TCP_TABLE_MIN_BUCKETS = 16, TCP_DEMUX_CACHE = 64 /* a power of two: 512 bytes */ };

struct tcp_table {
    tcp_conn **buckets;  /* hashed connections (not listeners) */
    uint32_t nbuckets;   /* power of two, TCP_TABLE_MIN_BUCKETS..max_buckets */
    uint32_t hashed;     /* connections in buckets */
    bool resize_held;    /* a walk over the buckets frees records: no resizing under it */
    uint32_t max_buckets; /* from max_connections; also the TIME-WAIT array's size */
    weir_sipkey bucket_key; /* SipHash-1-3 key of the buckets, derived from isn_secret */
    tcp_conn *recent[TCP_DEMUX_CACHE]; /* hashed records by demux_slot(), or NULL */
    tcp_conn *listeners; /* chained through hash_next */
    uint32_t count;
    weir_wheel timers; /* one node per record: its earliest deadline */
    tcp_port_map ports;
    /* TIME-WAIT records (tcp_tw.h): their own chains, same hash, and the expiry FIFO. */
    tcp_tw **tw_buckets; /* max_buckets entries, allocated with the first record */
    tcp_tw *tw_oldest, *tw_newest;
    uint32_t tw_count;
};

int tcp_table_create(weir_stack *s)
{
    uint32_t n = 16;
    while (n < s->cfg.max_connections && n < (1u << 20))
        n <<= 1;
    s->tcp = weir_alloc(s, sizeof *s->tcp);
    if (!s->tcp)
        return WEIR_ENOMEM;
    s->tcp->buckets = weir_alloc(s, sizeof(tcp_conn *) * TCP_TABLE_MIN_BUCKETS);
    if (!s->tcp->buckets) {
        weir_free(s, s->tcp, sizeof *s->tcp);
        s->tcp = NULL;
        return WEIR_ENOMEM;
    }
    s->tcp->nbuckets = TCP_TABLE_MIN_BUCKETS;
    s->tcp->max_buckets = n;
    /* The buckets' key: SipHash-2-4 of a constant under the secret (with its own tweak), so it
     * is as unpredictable as the secret and independent of every other use of it. */
    uint8_t key[16], bucket_key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(s->isn_secret[i] ^ 0x6b);
    for (uint8_t half = 0; half < 2; half++) {
        uint64_t k = weir_siphash24(key, &half, 1);
        memcpy(bucket_key + 8 * half, &k, 8);
    }
    weir_sipkey_init(&s->tcp->bucket_key, bucket_key);
    weir_wheel_init(&s->tcp->timers, 0);
    return 0;
}

weir_wheel *tcp_table_wheel(weir_stack *s) { return &s->tcp->timers; }

uint64_t tcp_next_deadline(const weir_stack *s)
{
    uint64_t wheel = weir_wheel_next_deadline(&s->tcp->timers), tw = tcp_tw_next_deadline(s);
    return wheel < tw ? wheel : tw;
}

static void conn_release(weir_stack *s, tcp_conn *c)
{
    weir_wheel_cancel(&s->tcp->timers, &c->timer_node);
    tcp_forget_deferred_ack(s, c);
    if (c->port_held)
        tcp_ports_release(s, &s->tcp->ports, c->tuple.local_ip, c->tuple.local_port, c->port_bound);
    tcp_ring_free(s, &c->snd);
    tcp_ring_free(s, &c->rcv);
    tcp_ooo_free(s, &c->ooo);
    tcp_sb_release(s, c);
    tcp_sack_forget_undo(s, c);
    if (c->is_listener)
        weir_free(s, c->lq, sizeof *c->lq);
    weir_free(s, c, sizeof *c);
}

/* The record behind handle slot `slot` if it is on no chain. */
static tcp_conn *unhashed_at(const weir_stack *s, uint32_t slot)
{
    const weir_sock_slot *e = &s->socks[slot];
    tcp_conn *c = e->used && e->kind == WEIR_SOCK_TCP ? e->obj : NULL;
    return c && !c->in_table ? c : NULL;
}

static void release_chain(weir_stack *s, tcp_conn *c)
{
    while (c) {
        tcp_conn *next = c->hash_next;
        conn_release(s, c);
        c = next;
    }
}

void tcp_table_destroy(weir_stack *s)
{
    /* Records held only by a handle first: every other one is on a chain. */
    for (uint32_t i = 0; i < s->cfg.max_sockets; i++) {
        tcp_conn *c = unhashed_at(s, i);
        if (c)
            conn_release(s, c);
    }
    release_chain(s, s->tcp->listeners);
    for (uint32_t b = 0; b < s->tcp->nbuckets; b++)
        release_chain(s, s->tcp->buckets[b]);
    while (s->tcp->tw_oldest)
        tcp_tw_free(s, s->tcp->tw_oldest);
    weir_free(s, s->tcp->tw_buckets, sizeof(tcp_tw *) * s->tcp->max_buckets);
    tcp_ports_destroy(s, &s->tcp->ports);
    weir_free(s, s->tcp->buckets, sizeof(tcp_conn *) * s->tcp->nbuckets);
    weir_free(s, s->tcp, sizeof *s->tcp);
    s->tcp = NULL;
}

static tcp_conn *first_in_buckets(const struct tcp_table *t, uint32_t b)
{
    for (; b < t->nbuckets; b++)
        if (t->buckets[b])
            return t->buckets[b];
    return NULL;
}

static tcp_conn *first_unhashed(const weir_stack *s, uint32_t slot)
{
    for (; slot < s->cfg.max_sockets; slot++) {
        tcp_conn *c = unhashed_at(s, slot);
        if (c)
            return c;
    }
    return NULL;
}

static uint32_t tuple_hash(const weir_stack *s, const weir_tuple *tu);
static uint32_t conn_bucket(const struct tcp_table *t, uint32_t hash);

tcp_conn *tcp_table_first(const weir_stack *s)
{
    const struct tcp_table *t = s->tcp;
    if (t->listeners)
        return t->listeners;
    tcp_conn *c = first_in_buckets(t, 0);
    return c ? c : first_unhashed(s, 0);
}

tcp_conn *tcp_table_next(const weir_stack *s, const tcp_conn *c)
{
    const struct tcp_table *t = s->tcp;
    if (!c->in_table)
        return first_unhashed(s, weir_sock_slot_index(s, c->handle) + 1);
    if (c->hash_next)
        return c->hash_next;
    tcp_conn *n =
        first_in_buckets(t, c->is_listener ? 0 : conn_bucket(t, tuple_hash(s, &c->tuple)) + 1);
    return n ? n : first_unhashed(s, 0);
}

int tcp_table_listen(weir_stack *s, tcp_conn *c, uint16_t backlog)
{
    if (!c->is_listener) {
        /* An accepted child (links all NULL) or a fresh socket: the union becomes the queue. */
        tcp_listen_q *lq = weir_alloc(s, sizeof *lq);
        if (!lq)
            return WEIR_ENOMEM;
        c->lq = lq;
        c->is_listener = true;
    }
    c->lq->backlog = backlog;
    return 0;
}

tcp_conn *tcp_conn_new(weir_stack *s)
{
    struct tcp_table *t = s->tcp;
    if (t->count >= s->cfg.max_connections)
        return NULL;
    tcp_conn *c = weir_alloc(s, sizeof *c);
    if (!c)
        return NULL;
    c->state = WEIR_TCP_CLOSED;
    c->handle = -1;
    for (int i = 0; i < TCP_TIMER_SLOTS; i++)
        c->timer[i] = UINT64_MAX;
    c->snd_cap = s->cfg.tcp.send_buffer;
    c->rcv_cap = s->cfg.tcp.recv_buffer;
    c->rcv_auto = s->cfg.tcp.recv_buffer_auto_max > 0;
    c->rto = s->cfg.tcp.rto_initial_us;
    c->nodelay = !s->cfg.tcp.nagle;
    c->pacing = s->cfg.tcp.pacing;
    c->tos = s->cfg.tcp.tos;
    c->keepcnt = s->cfg.tcp.keepalive_count;
    c->user_timeout_ms = (uint32_t)(s->cfg.tcp.user_timeout_us / 1000);
    c->connect_timeout_ms = (uint32_t)(s->cfg.tcp.connect_timeout_us / 1000);
    c->cc_ops = tcp_cc_find(s->cfg.tcp.congestion_control);
    c->hist.reo_wnd_mult = 1;
    t->count++;
    if (t->count > s->stats.tcp_conns_high_water)
        s->stats.tcp_conns_high_water = t->count;
    s->stats.tcp_conns = t->count;
    return c;
}

/* The four-tuple as the 12 bytes SipHash reads (padding-free, unlike the struct). */
static void tuple_key(const weir_tuple *t, uint8_t key[12])
{
    memcpy(key, &t->local_ip, 4);
    memcpy(key + 4, &t->remote_ip, 4);
    memcpy(key + 8, &t->local_port, 2);
    memcpy(key + 10, &t->remote_port, 2);
}

/* SipHash-1-3 of the tuple's 12 bytes under the buckets' key (see the top); the chains are
 * its low bits: conn_bucket() and tw_bucket(). */
static uint32_t tuple_hash(const weir_stack *s, const weir_tuple *tu)
{
    uint64_t head = (uint64_t)tu->local_ip | (uint64_t)tu->remote_ip << 32;
    uint32_t tail = (uint32_t)tu->local_port | (uint32_t)tu->remote_port << 16;
    return (uint32_t)weir_siphash13_12(&s->tcp->bucket_key, head, tail);
}

static uint32_t conn_bucket(const struct tcp_table *t, uint32_t hash)
{
    return hash & (t->nbuckets - 1);
}

static uint32_t tw_bucket(const struct tcp_table *t, uint32_t hash)
{
    return hash & (t->max_buckets - 1);
}

/* SipHash under the stack's secret with one byte flipped into every key byte: the ISN (RFC
 * 6528), the ephemeral-port offset (RFC 6056) and the TSval offset (RFC 7323 §7.1) each get
 * their own function F, and the buckets' key (tcp_table_create) its own. */
static uint32_t keyed_hash(const weir_stack *s, uint8_t tweak, const uint8_t *data, size_t len)
{
    uint8_t key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(s->isn_secret[i] ^ tweak);
    return (uint32_t)weir_siphash24(key, data, len);
}

static bool tuple_eq(const weir_tuple *a, const weir_tuple *b)
{
    return a->local_ip == b->local_ip && a->remote_ip == b->remote_ip &&
           a->local_port == b->local_port && a->remote_port == b->remote_port;
}

/* The demux cache's entry for a tuple: any cheap fold does (see the top). The ports vary most
 * between the connections of one peer, the remote address between peers. */
static tcp_conn **demux_slot(struct tcp_table *t, const weir_tuple *tu)
{
    uint32_t x = (uint32_t)tu->remote_port ^ (uint32_t)tu->local_port << 3 ^ tu->remote_ip ^
                 tu->remote_ip >> 16;
    return &t->recent[(x ^ x >> 6) & (TCP_DEMUX_CACHE - 1)];
}

/* Move every hashed connection to a bucket array of n entries. Out of memory, the old array
 * stays: chains grow longer, lookups stay right. */
static void conn_buckets_resize(weir_stack *s, uint32_t n)
{
    struct tcp_table *t = s->tcp;
    tcp_conn **fresh = weir_alloc(s, sizeof(tcp_conn *) * n);
    if (!fresh)
        return;
    uint32_t old_n = t->nbuckets;
    t->nbuckets = n;
    for (uint32_t i = 0; i < old_n; i++) {
        for (tcp_conn *c = t->buckets[i], *next; c; c = next) {
            next = c->hash_next;
            uint32_t b = conn_bucket(t, tuple_hash(s, &c->tuple));
            c->hash_next = fresh[b];
            fresh[b] = c;
        }
    }
    weir_free(s, t->buckets, sizeof(tcp_conn *) * old_n);
    t->buckets = fresh;
}

/* After a connection came or went: at most one per bucket on average, at least one per eight
 * (the gap keeps a count going up and down by one from resizing each time). */
static void conn_buckets_fit(weir_stack *s)
{
    struct tcp_table *t = s->tcp;
    if (t->resize_held)
        return;
    if (t->hashed > t->nbuckets && t->nbuckets < t->max_buckets) {
        conn_buckets_resize(s, t->nbuckets * 2);
    } else if (t->hashed < t->nbuckets / 8 && t->nbuckets > TCP_TABLE_MIN_BUCKETS) {
        uint32_t n = TCP_TABLE_MIN_BUCKETS;
        while (n < 2 * t->hashed)
            n <<= 1;
        conn_buckets_resize(s, n);
    }
}

void tcp_table_hash(weir_stack *s, tcp_conn *c)
{
    if (c->in_table)
        return;
    struct tcp_table *t = s->tcp;
    if (c->is_listener) { /* hashed by listen(), in LISTEN */
        c->hash_next = t->listeners;
        t->listeners = c;
    } else {
        uint32_t b = conn_bucket(t, tuple_hash(s, &c->tuple));
        c->hash_next = t->buckets[b];
        t->buckets[b] = c;
        t->hashed++;
        *demux_slot(t, &c->tuple) = c; /* its segments come next */
        conn_buckets_fit(s);
    }
    c->in_table = true;
}

static bool unlink_from(tcp_conn **head, tcp_conn *c)
{
    for (tcp_conn **p = head; *p; p = &(*p)->hash_next) {
        if (*p == c) {
            *p = c->hash_next;
            c->hash_next = NULL;
            return true;
        }
    }
    return false;
}

void tcp_table_unhash(weir_stack *s, tcp_conn *c)
{
    tcp_conn **cached = demux_slot(s->tcp, &c->tuple);
    if (*cached == c)
        *cached = NULL; /* before the record can be freed or take another tuple */
    if (!c->in_table)
        return;
    /* A listener is on the listener chain whatever state it has reached since. */
    struct tcp_table *t = s->tcp;
    if (c->is_listener) {
        unlink_from(&t->listeners, c);
    } else if (unlink_from(&t->buckets[conn_bucket(t, tuple_hash(s, &c->tuple))], c)) {
        t->hashed--;
        conn_buckets_fit(s);
    }
    c->in_table = false;
}

static tcp_conn *conn_in_bucket(const struct tcp_table *tab, uint32_t b, const weir_tuple *t)
{
    for (tcp_conn *c = tab->buckets[b]; c; c = c->hash_next)
        if (tuple_eq(&c->tuple, t))
            return c;
    return NULL;
}

tcp_conn *tcp_table_lookup(weir_stack *s, const weir_tuple *t)
{
    return conn_in_bucket(s->tcp, conn_bucket(s->tcp, tuple_hash(s, t)), t);
}

tcp_conn *tcp_table_listener(weir_stack *s, uint32_t local_ip, uint16_t local_port)
{
    tcp_conn *wildcard = NULL;
    for (tcp_conn *c = s->tcp->listeners; c; c = c->hash_next) {
        if (c->tuple.local_port != local_port)
            continue;
        if (c->tuple.local_ip == local_ip)
            return c;
        if (c->tuple.local_ip == 0)
            wildcard = c;
    }
    return wildcard;
}

/* RFC 6056 §3.3.3 (Algorithm 3, "simple hash-based"): the search for a free port starts at
 * an offset keyed by the destination, so successive connections to one peer get successive
 * ports while an observer cannot predict the port used towards another peer. For bind() there
 * is no destination and the offset is 0. */
static uint32_t ephemeral_offset(const weir_stack *s, uint32_t local_ip, uint32_t remote_ip,
                                 uint16_t remote_port)
{
    uint8_t key[10];
    memcpy(key, &local_ip, 4);
    memcpy(key + 4, &remote_ip, 4);
    memcpy(key + 8, &remote_port, 2);
    return keyed_hash(s, 0x36, key, sizeof key);
}

/* time_wait_reuse (Linux's tcp_tw_reuse=1): a TIME-WAIT record may give its four-tuple to a new
 * outgoing connection when it used timestamps and is at least a second old. Our TSval clock
 * for a four-tuple goes on across incarnations (tcp_ts_offset), so the peer's PAWS tells the
 * old incarnation's duplicates from the new one's segments (RFC 7323 §5 and Appendix B.2);
 * the new ISN is tcp_tw_next_isn(), as for a SYN that reopens a record (RFC 6191). */
static bool tw_reusable(const weir_stack *s, const tcp_tw *tw)
{
    uint64_t entered = tcp_tw_deadline(s, tw) - 2 * s->cfg.tcp.msl_us;
    return s->cfg.tcp.time_wait_reuse && (tw->flags & TCP_TW_TS_ON) &&
           s->now_us >= entered + 1000000u;
}

static tcp_tw *tw_in_bucket(const struct tcp_table *tab, uint32_t b, const weir_tuple *t);

/* Is four-tuple `t` free for connection `c`: no other record has it (a reusable TIME-WAIT record
 * aside, left in *tw for take_over_time_wait)? */
static bool tuple_free_for(weir_stack *s, const tcp_conn *c, const weir_tuple *t, tcp_tw **tw)
{
    tcp_conn *other = tcp_table_demux(s, t, tw);
    return (!other || other == c) && (!*tw || tw_reusable(s, *tw));
}

/* Could connection `c` take tuple `t` (its local port chosen by us)? No bound socket holds the
 * port and the four-tuple is free. */
static bool port_fits_connection(weir_stack *s, const tcp_conn *c, const weir_tuple *t,
                                 tcp_tw **tw)
{
    return !tcp_ports_taken(&s->tcp->ports, t->local_ip, t->local_port, true) &&
           tuple_free_for(s, c, t, tw);
}

/* Take the four-tuple over from the reusable TIME-WAIT record tuple_free_for found, if any:
 * *isn is then the ISN to use. */
static bool take_over_time_wait(weir_stack *s, tcp_tw *tw, uint32_t *isn)
{
    if (!tw)
        return false;
    *isn = tcp_tw_next_isn(tw);
    weir_count(s, WEIR_CTR_TCP_TIME_WAIT_REUSED);
    tcp_tw_free(s, tw);
    return true;
}

/* Try the range from the offset; `t` NULL: a port no one holds (bind), else one that fits t. */
static int pick_ephemeral(weir_stack *s, const tcp_conn *c, uint32_t local_ip, weir_tuple *t,
                          uint16_t *port, tcp_tw **tw)
{
    uint32_t lo = s->cfg.ephemeral_lo, span = (uint32_t)s->cfg.ephemeral_hi - lo + 1;
    uint32_t offset = t ? ephemeral_offset(s, local_ip, t->remote_ip, t->remote_port) : 0;
    for (uint32_t tries = 0; tries < span; tries++) {
        uint16_t p = (uint16_t)(lo + (s->next_ephemeral++ + offset) % span);
        if (t) {
            t->local_port = p;
            if (!port_fits_connection(s, c, t, tw))
                continue;
        } else if (tcp_ports_taken(&s->tcp->ports, local_ip, p, false)) {
            continue;
        }
        *port = p;
        return 0;
    }
    return WEIR_EADDRINUSE;
}

static int hold_port(weir_stack *s, tcp_conn *c, uint32_t ip, uint16_t port, bool bound)
{
    int rc = tcp_ports_hold(s, &s->tcp->ports, ip, port, bound);
    if (rc == 0) {
        c->port_held = true;
        c->port_bound = bound;
    }
    return rc;
}

/* A socket bound to the wildcard address connects: its hold moves to the address it now uses. */
static int rehold_port(weir_stack *s, tcp_conn *c, uint32_t local_ip)
{
    if (!c->port_held || c->tuple.local_ip == local_ip)
        return 0;
    int rc = tcp_ports_hold(s, &s->tcp->ports, local_ip, c->tuple.local_port, c->port_bound);
    if (rc == 0)
        tcp_ports_release(s, &s->tcp->ports, c->tuple.local_ip, c->tuple.local_port, c->port_bound);
    return rc;
}

tcp_conn *tcp_table_other_listener(weir_stack *s, const tcp_conn *c, uint32_t local_ip,
                                   uint16_t port)
{
    for (tcp_conn *l = s->tcp->listeners; l; l = l->hash_next)
        if (l != c && l->tuple.local_port == port &&
            (local_ip == 0 || l->tuple.local_ip == 0 || l->tuple.local_ip == local_ip))
            return l;
    return NULL;
}

int tcp_table_bind_port(weir_stack *s, tcp_conn *c, uint32_t local_ip, uint16_t port)
{
    if (port == 0) {
        int rc = pick_ephemeral(s, c, local_ip, NULL, &port, NULL);
        if (rc)
            return rc;
    } else if (c->reuse_addr ? tcp_table_other_listener(s, c, local_ip, port) != NULL
                             : tcp_ports_taken(&s->tcp->ports, local_ip, port, false)) {
        /* MUST-42: with REUSEADDR only a listener's port is refused; connections (SYN-SENT
         * among them) leave theirs to share, as their four-tuples stay unique. */
        return WEIR_EADDRINUSE;
    }
    int rc = hold_port(s, c, local_ip, port, true);
    if (rc)
        return rc;
    c->tuple.local_ip = local_ip;
    c->tuple.local_port = port;
    return 0;
}

int tcp_table_connect_port(weir_stack *s, tcp_conn *c, weir_tuple *t, bool *isn_given,
                           uint32_t *isn)
{
    *isn_given = false;
    if (t->local_port != 0) { /* bound before: only the four-tuple must be new */
        tcp_tw *tw;
        if (!tuple_free_for(s, c, t, &tw))
            return WEIR_EADDRINUSE;
        int rc = rehold_port(s, c, t->local_ip);
        if (rc == 0)
            *isn_given = take_over_time_wait(s, tw, isn);
        return rc;
    }
    uint16_t port;
    tcp_tw *tw = NULL;
    int rc = pick_ephemeral(s, c, t->local_ip, t, &port, &tw);
    if (rc) {
        t->local_port = 0;
        return rc;
    }
    t->local_port = port;
    rc = hold_port(s, c, t->local_ip, port, false);
    if (rc == 0)
        *isn_given = take_over_time_wait(s, tw, isn);
    return rc;
}

uint32_t tcp_isn(weir_stack *s, const weir_tuple *t)
{
    uint8_t key[12];
    tuple_key(t, key);
    uint64_t ticks = s->now_us * 1000u / s->cfg.tcp.isn_tick_ns;
    return (uint32_t)ticks + keyed_hash(s, 0x5c, key, sizeof key);
}

uint32_t tcp_ts_offset(const weir_stack *s, const weir_tuple *t)
{
    uint8_t key[12];
    tuple_key(t, key);
    return keyed_hash(s, 0xa5, key, sizeof key);
}

/* ---- TIME-WAIT records ---------------------------------------------------------------------- */

static tcp_tw *tw_in_bucket(const struct tcp_table *tab, uint32_t b, const weir_tuple *t)
{
    if (tab->tw_count == 0)
        return NULL;
    for (tcp_tw *tw = tab->tw_buckets[b]; tw; tw = tw->hash_next)
        if (tuple_eq(&tw->tuple, t))
            return tw;
    return NULL;
}


tcp_conn *tcp_table_demux(weir_stack *s, const weir_tuple *t, tcp_tw **tw)
{
    struct tcp_table *tab = s->tcp;
    tcp_conn **cached = demux_slot(tab, t);
    tcp_conn *c = *cached; /* hashed, hence not freed: unhash clears it */
    if (c && tuple_eq(&c->tuple, t)) {
        *tw = NULL; /* a tuple has a connection or a TIME-WAIT record, never both */
        return c;
    }
    uint32_t h = tuple_hash(s, t); /* one hash for both tables */
    c = conn_in_bucket(tab, conn_bucket(tab, h), t);
    if (c)
        *cached = c;
    *tw = c ? NULL : tw_in_bucket(tab, tw_bucket(tab, h), t);
    return c;
}

tcp_tw *tcp_tw_oldest(const weir_stack *s) { return s->tcp->tw_oldest; }

static void tw_fifo_unlink(struct tcp_table *t, tcp_tw *tw)
{
    if (tw->older)
        tw->older->newer = tw->newer;
    else
        t->tw_oldest = tw->newer;
    if (tw->newer)
        tw->newer->older = tw->older;
    else
        t->tw_newest = tw->older;
    tw->older = tw->newer = NULL;
}

static void tw_fifo_push(struct tcp_table *t, tcp_tw *tw)
{
    tw->older = t->tw_newest;
    tw->newer = NULL;
    if (t->tw_newest)
        t->tw_newest->newer = tw;
    else
        t->tw_oldest = tw;
    t->tw_newest = tw;
}

void tcp_tw_restart(weir_stack *s, tcp_tw *tw, uint64_t deadline_us)
{
    tw->expires = (uint32_t)deadline_us;
    tw_fifo_unlink(s->tcp, tw);
    tw_fifo_push(s->tcp, tw); /* every record waits as long: the FIFO stays in expiry order */
}

void tcp_tw_free(weir_stack *s, tcp_tw *tw)
{
    struct tcp_table *t = s->tcp;
    for (tcp_tw **p = &t->tw_buckets[tw_bucket(t, tuple_hash(s, &tw->tuple))]; *p;
         p = &(*p)->hash_next) {
        if (*p == tw) {
            *p = tw->hash_next;
            break;
        }
    }
    tw_fifo_unlink(t, tw);
    if (tw->flags & TCP_TW_PORT_HELD)
        tcp_ports_release(s, &t->ports, tw->tuple.local_ip, tw->tuple.local_port,
                          tw->flags & TCP_TW_PORT_BOUND);
    t->tw_count--;
    s->stats.tcp_time_wait = t->tw_count;
    weir_free(s, tw, sizeof *tw);
    if (t->tw_count == 0) { /* none left: the chains go too, as the port map's table does */
        weir_free(s, t->tw_buckets, sizeof(tcp_tw *) * t->max_buckets);
        t->tw_buckets = NULL;
    }
}

static uint32_t time_wait_limit(const weir_stack *s)
{
    return s->cfg.max_time_wait ? s->cfg.max_time_wait : s->cfg.max_connections;
}

/* Room for one more record: at the limit the oldest goes early (it is the nearest to its end;
 * the alternative, no TIME-WAIT at all for the new one, protects less). */
static bool tw_make_room(weir_stack *s)
{
    struct tcp_table *t = s->tcp;
    if (t->tw_count >= time_wait_limit(s) && t->tw_oldest) {
        weir_count(s, WEIR_CTR_TCP_TIME_WAIT_EVICTED);
        tcp_tw_free(s, t->tw_oldest); /* may free the chains: allocated again below */
    }
    if (!t->tw_buckets)
        t->tw_buckets = weir_alloc(s, sizeof(tcp_tw *) * t->max_buckets);
    return t->tw_buckets != NULL;
}

bool tcp_table_compact_time_wait(weir_stack *s, tcp_conn *c)
{
    if (!tw_make_room(s))
        return false;
    tcp_tw *tw = weir_alloc(s, sizeof *tw);
    if (!tw)
        return false; /* the full record stays: it works the same, only bigger */
    tw->tuple = c->tuple;
    tw->expires = (uint32_t)tcp_timer_deadline(c, WEIR_TIMER_TIME_WAIT);
    tw->snd_nxt = c->snd_max;
    tw->rcv_nxt = c->rcv_nxt;
    tw->ts_recent = c->ts_recent;
    tw->iss = c->iss;
    tw->irs = c->irs;
    tw->window = (uint16_t)(tcp_rcv_window(c) >> c->rcv_wscale);
    tw->tos = c->tos;
    tw->flags = (uint8_t)((c->ts_on ? TCP_TW_TS_ON : 0) | (c->port_held ? TCP_TW_PORT_HELD : 0) |
                          (c->port_bound ? TCP_TW_PORT_BOUND : 0));
    c->port_held = false; /* the record holds the port now */
    struct tcp_table *t = s->tcp;
    uint32_t b = tw_bucket(t, tuple_hash(s, &tw->tuple));
    tw->hash_next = t->tw_buckets[b];
    t->tw_buckets[b] = tw;
    tw_fifo_push(t, tw);
    t->tw_count++;
    s->stats.tcp_time_wait = t->tw_count;
    weir_count(s, WEIR_CTR_TCP_TIME_WAIT_COMPACTED);
    tcp_conn_free(s, c);
    return true;
}

static void accept_queue_remove(tcp_listen_q *lq, tcp_conn *c)
{
    tcp_conn *prev = NULL;
    for (tcp_conn *q = lq->accept_head; q; prev = q, q = q->accept_next) {
        if (q != c)
            continue;
        if (prev)
            prev->accept_next = q->accept_next;
        else
            lq->accept_head = q->accept_next;
        if (lq->accept_tail == q)
            lq->accept_tail = prev;
        q->accept_next = NULL;
        return;
    }
}

/* A listener going away takes its unaccepted children with it. They are all hashed (a child
 * is hashed from SYN-RECEIVED on and has no handle until accepted), so only the buckets are
 * walked, and only by a listener that has children: freeing any other record stays O(1). */
static void free_children(weir_stack *s, tcp_conn *l)
{
    struct tcp_table *t = s->tcp;
    bool held = t->resize_held; /* a child frees no children, but stay safe if nested */
    t->resize_held = true;
    for (uint32_t b = 0; b < t->nbuckets && l->lq->children > 0; b++) {
        tcp_conn *q = t->buckets[b];
        while (q) {
            tcp_conn *next = q->hash_next;
            if (tcp_child_listener(q) == l) {
                q->listener = NULL;
                l->lq->children--;
                tcp_conn_free(s, q);
                next = t->buckets[b]; /* the chain changed under us: restart it */
            }
            q = next;
        }
    }
    t->resize_held = held;
    conn_buckets_fit(s);
}

void tcp_conn_free(weir_stack *s, tcp_conn *c)
{
    struct tcp_table *t = s->tcp;
    tcp_conn *l = tcp_child_listener(c);
    if (l) {
        accept_queue_remove(l->lq, c);
        l->lq->children--;
        c->listener = NULL;
    }
    if (c->is_listener && c->lq->children > 0)
        free_children(s, c);
    tcp_table_unhash(s, c);
    t->count--;
    s->stats.tcp_conns = t->count;
    weir_count(s, WEIR_CTR_TCP_CONNS_FREED);
    conn_release(s, c);
}

void tcp_conn_reap(weir_stack *s, tcp_conn *c)
{
    if (c->handle >= 0)
        return;
    if (c->state == WEIR_TCP_CLOSED)
        tcp_conn_free(s, c);
    else if (c->state == WEIR_TCP_TIME_WAIT && !c->ack_now)
        tcp_table_compact_time_wait(s, c);
}
