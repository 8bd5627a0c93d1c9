/* fuzz_stack.c — the whole stack fed sequences of frames, through the public API only.
 *
 * One stack, one WEIR_MEDIUM_IP interface 10.0.0.1/24 (MTU 1500) whose transmit discards, a
 * listener on port 80 and an active open to 10.0.0.2:1234. The input is a list of frames, each
 * behind a 2-byte big-endian prefix:
 *
 *   bits 0-11  frame length (a prefix longer than what is left takes the rest)
 *   bit 12     before the frame, jump to the stack's next deadline (fire its timers)
 *   bit 13     fix the IPv4 header and TCP/UDP/ICMP checksums of the frame before feeding it
 *   bit 14     TCP to us: also set seq/ack from the last segment the stack sent on that
 *              connection (so the fuzzer can complete handshakes and ACK data), then fix sums;
 *              a destination port of 0 means "the connection the stack sent on last" (our
 *              active open's ephemeral port is not known in advance)
 *   bit 15     after the frame, close the newest accepted connection
 *
 * An input of odd length is fed as one input burst (weir_netif_input_begin/end around all of
 * it: ACKs for in-order data wait for its end). ECN is on (our SYN asks, a peer's is agreed
 * to), so the frames' ECN field and ECE/CWR flags reach RFC 3168's paths.
 *
 * Between frames the harness polls and drains events the way an application would: accept
 * everything acceptable, read everything readable, send a few bytes on each connection that
 * becomes connected or readable. The stack must never crash, hang, leak (ASan) or misbehave
 * (UBSan), whatever the frames say. Frames are fed from exact-size heap copies so that a read
 * past a frame's end is caught. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weir/weir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUR_IP 0x0a000001u
#define PEER_IP 0x0a000002u
#define MAX_ACCEPTED 16
#define MAX_EVENTS_PER_STEP 512
#define LEN_MASK 0x0fffu
#define FLAG_FIRE_TIMERS 0x1000u
#define FLAG_FIX_SUMS 0x2000u
#define FLAG_TRACK_SEQ 0x4000u
#define FLAG_CLOSE 0x8000u

/* What the last TCP segment the stack sent on a connection said: the peer's next expected
 * sequence number is its seq + length (SYN and FIN count one), and its ack is ours. */
typedef struct sent_seg {
    uint16_t local_port, remote_port;
    uint32_t next_seq;
    uint32_t ack;
    bool valid;
} sent_seg;

typedef struct harness {
    uint64_t rng;
    sent_seg sent[8];
    size_t sent_next;
    const sent_seg *last_sent;
    int accepted[MAX_ACCEPTED];
    size_t n_accepted;
} harness;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)(v >> 16));
    wr16(p + 2, (uint16_t)v);
}

/* A deterministic generator (splitmix64): same input, same ISNs, same run. */
static void fuzz_random(void *ctx, void *buf, size_t len)
{
    harness *h = ctx;
    uint8_t *out = buf;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (h->rng += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        out[i] = (uint8_t)((z ^ (z >> 31)) >> 56);
    }
}

/* The harness's own checksum, so that this target needs nothing below the public API. */
static uint16_t checksum(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += rd16(p + i);
    if (len % 2)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Where an IPv4 frame's transport part is, if the header holds together; 0 otherwise. */
static size_t transport_offset(const uint8_t *f, size_t len, size_t *tlen)
{
    if (len < 20 || (f[0] >> 4) != 4)
        return 0;
    size_t ihl = (size_t)(f[0] & 0x0f) * 4;
    size_t total = rd16(f + 2);
    if (ihl < 20 || total < ihl || total > len)
        return 0;
    *tlen = total - ihl;
    return ihl;
}

/* Remember what the stack sends, so that FLAG_TRACK_SEQ can answer it. */
static int record_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    harness *h = ctx;
    size_t tlen;
    size_t off = transport_offset(frame, len, &tlen);
    if (off == 0 || frame[9] != 6 || tlen < 20)
        return 0;
    const uint8_t *t = frame + off;
    size_t hlen = (size_t)(t[12] >> 4) * 4;
    if (hlen < 20 || hlen > tlen)
        return 0;
    uint8_t flags = t[13];
    uint32_t seg_len =
        (uint32_t)(tlen - hlen) + ((flags & 0x02) ? 1 : 0) + ((flags & 0x01) ? 1 : 0);
    uint16_t port = rd16(t), remote = rd16(t + 2);
    sent_seg *slot = NULL;
    for (size_t i = 0; i < 8; i++)
        if (h->sent[i].valid && h->sent[i].local_port == port && h->sent[i].remote_port == remote)
            slot = &h->sent[i];
    if (slot == NULL) {
        slot = &h->sent[h->sent_next];
        h->sent_next = (h->sent_next + 1) % 8;
    }
    slot->valid = true;
    slot->local_port = port;
    slot->remote_port = remote;
    slot->next_seq = rd32(t + 4) + seg_len;
    slot->ack = rd32(t + 8);
    h->last_sent = slot;
    return 0;
}

static void fix_frame(harness *h, uint8_t *f, size_t len, bool track_seq)
{
    size_t tlen;
    size_t off = transport_offset(f, len, &tlen);
    if (off == 0)
        return;
    uint8_t *t = f + off;
    uint8_t proto = f[9];
    if (track_seq && proto == 6 && tlen >= 20) {
        if (rd16(t + 2) == 0 && h->last_sent != NULL) {
            wr16(t, h->last_sent->remote_port);
            wr16(t + 2, h->last_sent->local_port);
        }
        for (size_t i = 0; i < 8; i++) {
            if (h->sent[i].valid && h->sent[i].local_port == rd16(t + 2) &&
                h->sent[i].remote_port == rd16(t)) {
                wr32(t + 4, h->sent[i].ack);
                wr32(t + 8, h->sent[i].next_seq);
            }
        }
    }
    wr16(f + 10, 0);
    wr16(f + 10, checksum(0, f, off));
    size_t sum_at = proto == 6 ? 16 : proto == 17 ? 6 : proto == 1 ? 2 : 0;
    if (sum_at == 0 || tlen < sum_at + 2)
        return;
    wr16(t + sum_at, 0);
    uint32_t pseudo = 0;
    if (proto != 1)
        pseudo = rd16(f + 12) + rd16(f + 14) + rd16(f + 16) + rd16(f + 18) + proto + (uint32_t)tlen;
    uint16_t c = checksum(pseudo, t, tlen);
    if (proto == 17 && c == 0)
        c = 0xffff;
    wr16(t + sum_at, c);
}

static void greet(weir_stack *s, int sock)
{
    static const char hello[] = "hello from weir";
    (void)weir_tcp_send(s, sock, hello, sizeof(hello) - 1);
    (void)weir_tcp_send_flags(s, sock, "!", 1, WEIR_TCP_SEND_URGENT); /* URG on the wire */
}

static void drain_readable(weir_stack *s, int sock)
{
    uint8_t buf[2048];
    for (int i = 0; i < 64; i++) {
        int n = weir_tcp_recv(s, sock, buf, sizeof(buf));
        if (n <= 0)
            break;
    }
}

static void accept_all(harness *h, weir_stack *s, int listener)
{
    for (int i = 0; i < 64; i++) {
        weir_endpoint peer;
        int c = weir_tcp_accept(s, listener, &peer);
        if (c < 0)
            break;
        if (h->n_accepted == MAX_ACCEPTED) {
            (void)weir_tcp_abort(s, c);
            continue;
        }
        h->accepted[h->n_accepted++] = c;
        greet(s, c);
    }
}

static void drain_events(harness *h, weir_stack *s, int listener)
{
    weir_event ev;
    for (int i = 0; i < MAX_EVENTS_PER_STEP && weir_stack_next_event(s, &ev); i++) {
        (void)weir_event_name(ev.type);
        switch (ev.type) {
        case WEIR_EV_ACCEPTABLE:
            accept_all(h, s, listener);
            break;
        case WEIR_EV_CONNECTED:
            greet(s, ev.sock);
            break;
        case WEIR_EV_URGENT: {
            weir_tcp_info info;
            if (weir_tcp_get_info(s, ev.sock, &info) == 0 && info.urgent_unread == 0)
                __builtin_trap(); /* the event means urgent data is pending */
            drain_readable(s, ev.sock);
            break;
        }
        case WEIR_EV_READABLE:
            drain_readable(s, ev.sock);
            break;
        case WEIR_EV_PEER_CLOSED:
            drain_readable(s, ev.sock);
            (void)weir_tcp_shutdown(s, ev.sock);
            break;
        case WEIR_EV_WRITABLE:
        case WEIR_EV_CLOSED:
        case WEIR_EV_ERROR:
        case WEIR_EV_SOFT_ERROR:
            break;
        }
    }
}

static void close_newest(harness *h, weir_stack *s)
{
    if (h->n_accepted == 0)
        return;
    (void)weir_tcp_close(s, h->accepted[--h->n_accepted]);
}

/* The loss-recovery variants, chosen by the input's length so that every corpus file keeps
 * its meaning: RACK with PRR (the default), RFC 6675's IsLost with PRR, and FACK with the
 * recovery FreeBSD had before PRR, persist bounds and no D-SACKs. */
static void choose_recovery(weir_tcp_config *t, size_t size)
{
    switch (size % 3) {
    case 1:
        t->rack_loss_detection = false;
        break;
    case 2:
        t->rack_loss_detection = false;
        t->fack_loss_detection = true;
        t->prr = false;
        t->dsack = false;
        t->persist_min_us = 5000000;
        t->persist_max_us = 60000000;
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness h;
    memset(&h, 0, sizeof(h));
    h.rng = 0x5eed;

    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.random = fuzz_random;
    cfg.tcp.ecn = WEIR_TCP_ECN_ON;
    choose_recovery(&cfg.tcp, size);
    cfg.random_ctx = &h;
    weir_stack *s = NULL;
    if (weir_stack_create(&cfg, &s) != 0)
        abort();

    weir_netif_config nc;
    memset(&nc, 0, sizeof(nc));
    nc.name = "fuzz0";
    nc.medium = WEIR_MEDIUM_IP;
    nc.mtu = 1500;
    nc.ip = OUR_IP;
    nc.prefix_len = 24;
    nc.transmit = record_transmit;
    nc.transmit_ctx = &h;
    int nif = weir_netif_add(s, &nc);
    if (nif < 0)
        abort();

    uint64_t now = 1000000;
    weir_stack_poll(s, now);
    int listener = weir_tcp_socket(s);
    if (listener < 0 || weir_tcp_bind(s, listener, (weir_endpoint){0, 80}) != 0 ||
        weir_tcp_listen(s, listener, 8) != 0)
        abort();
    int client = weir_tcp_socket(s);
    if (client < 0 || weir_tcp_connect(s, client, (weir_endpoint){PEER_IP, 1234}) != 0)
        abort();
    drain_events(&h, s, listener);

    bool burst = (size & 1) != 0;
    if (burst && weir_netif_input_begin(s) != 0)
        abort();
    while (size >= 2) {
        uint16_t prefix = rd16(data);
        data += 2;
        size -= 2;
        size_t len = prefix & LEN_MASK;
        if (len > size)
            len = size;
        if (prefix & FLAG_FIRE_TIMERS) {
            uint64_t deadline = weir_stack_next_deadline(s);
            if (deadline != UINT64_MAX && deadline > now)
                now = deadline;
            weir_stack_poll(s, now);
            drain_events(&h, s, listener);
        }
        uint8_t *frame = malloc(len > 0 ? len : 1);
        if (frame == NULL)
            abort();
        if (len > 0)
            memcpy(frame, data, len);
        if (prefix & (FLAG_FIX_SUMS | FLAG_TRACK_SEQ))
            fix_frame(&h, frame, len, (prefix & FLAG_TRACK_SEQ) != 0);
        (void)weir_netif_input(s, nif, frame, len, now);
        free(frame);
        data += len;
        size -= len;
        now += 1000; /* 1 ms between frames */
        weir_stack_poll(s, now);
        drain_events(&h, s, listener);
        if (prefix & FLAG_CLOSE)
            close_newest(&h, s);
    }
    if (burst && weir_netif_input_end(s) != 0)
        abort();

    /* Let every timer run out a few times: retransmissions, TIME-WAIT, keepalive. */
    for (int i = 0; i < 32; i++) {
        uint64_t deadline = weir_stack_next_deadline(s);
        if (deadline == UINT64_MAX)
            break;
        now = deadline > now ? deadline : now + 1;
        weir_stack_poll(s, now);
        drain_events(&h, s, listener);
    }
    weir_stats stats;
    weir_stats_get(s, &stats);
    weir_stack_destroy(s);
    return 0;
}
