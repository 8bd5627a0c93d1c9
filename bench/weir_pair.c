/* weir_pair.c — two weir stacks over in-memory links (weir_pair.h). */
#include "weir_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_pair_config_init(bench_pair_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mtu = 1500;
    cfg->links = 1;
    cfg->queue_limit = 1024;
    cfg->seed = 1;
    weir_stack_config_init(&cfg->stack);
}

uint32_t bench_pair_ip(uint32_t link, int side)
{
    uint32_t net = (10u << 24) | ((64u + link / 256u) << 16) | ((link % 256u) << 8);
    return net | (side == BENCH_CLIENT ? 1u : 2u);
}

static void pair_random(void *ctx, void *buf, size_t len)
{
    weir_fault_rng *rng = ctx;
    uint8_t *out = buf;
    while (len > 0) {
        uint64_t x = weir_fault_rng_next(rng);
        size_t n = len < sizeof(x) ? len : sizeof(x);
        memcpy(out, &x, n);
        out += n;
        len -= n;
    }
}

/* ---- the attributed entry points ---------------------------------------------------------- */

/* Frames arriving at the client's / the server's interfaces. Bad frames are counted drops inside
 * the stack, never errors, so the return value carries nothing for a benchmark. */
BENCH_ATTRIBUTED static void pair_input_client(void *ctx, const uint8_t *frame, size_t len,
                                               uint64_t now_us)
{
    const bench_end *e = ctx;
    (void)weir_netif_input(e->stack, e->netif, frame, len, now_us);
}

BENCH_ATTRIBUTED static void pair_input_server(void *ctx, const uint8_t *frame, size_t len,
                                               uint64_t now_us)
{
    const bench_end *e = ctx;
    (void)weir_netif_input(e->stack, e->netif, frame, len, now_us);
}

/* What the link costs (a copy into a fresh frame and a heap push), per sending side. */
BENCH_ATTRIBUTED static int pair_tx_client(void *ctx, const uint8_t *frame, size_t len)
{
    return weir_memlink_transmit_fn()(ctx, frame, len);
}

BENCH_ATTRIBUTED static int pair_tx_server(void *ctx, const uint8_t *frame, size_t len)
{
    return weir_memlink_transmit_fn()(ctx, frame, len);
}

BENCH_ATTRIBUTED static void pair_poll_client(weir_stack *s, uint64_t now_us)
{
    weir_stack_poll(s, now_us);
}

BENCH_ATTRIBUTED static void pair_poll_server(weir_stack *s, uint64_t now_us)
{
    weir_stack_poll(s, now_us);
}

/* ---- setup -------------------------------------------------------------------------------- */

static int create_stack(bench_pair *p, const bench_pair_config *cfg, int side)
{
    weir_stack_config sc = cfg->stack;
    /* Different streams per side: the same ISN secret on both ends would be a strange network. */
    weir_fault_rng_seed(&p->rng[side], cfg->seed * 2u + (uint64_t)side + 0x5EEDu);
    sc.random = pair_random;
    sc.random_ctx = &p->rng[side];
    int rc = weir_stack_create(&sc, &p->stack[side]);
    if (rc != 0)
        fprintf(stderr, "bench: weir_stack_create: %s\n", weir_strerror(rc));
    return rc;
}

static int add_netif(bench_pair *p, const bench_pair_config *cfg, uint32_t link, int side)
{
    char name[16];
    snprintf(name, sizeof(name), "mem%u", (unsigned)link);
    weir_netif_config nc = {
        .name = name,
        .medium = WEIR_MEDIUM_IP,
        .mtu = cfg->mtu,
        .ip = bench_pair_ip(link, side),
        .prefix_len = 24,
        .transmit = side == BENCH_CLIENT ? pair_tx_client : pair_tx_server,
        .transmit_ctx = weir_memlink_end(p->link[link], side),
        .csum_offload = cfg->csum_offload,
        .tx_ready = cfg->tx_ring > 0 ? weir_memlink_tx_ready_fn() : NULL,
    };
    if (p->ring != NULL) {
        nc.transmit_ctx = weir_ringlink_end(p->ring, side);
        nc.transmit = weir_ringlink_transmit_fn();
        nc.tx_ready = weir_ringlink_tx_ready_fn();
    }
    bench_end *e = &p->end[link * 2u + (uint32_t)side];
    e->stack = p->stack[side];
    e->netif = weir_netif_add(p->stack[side], &nc);
    if (e->netif < 0) {
        fprintf(stderr, "bench: weir_netif_add: %s\n", weir_strerror(e->netif));
        return e->netif;
    }
    if (p->ring == NULL)
        weir_memlink_set_receiver(p->link[link], side,
                                  side == BENCH_CLIENT ? pair_input_client : pair_input_server, e);
    return 0;
}

/* The threaded pair's one link: a ring per direction, each stack on its own thread. */
static int create_ring(bench_pair *p, const bench_pair_config *cfg)
{
    p->ring = weir_ringlink_create(cfg->threaded_slots, cfg->mtu);
    if (p->ring == NULL) {
        fprintf(stderr, "bench: weir_ringlink_create failed (bad slots or out of memory)\n");
        return WEIR_ENOMEM;
    }
    int rc = add_netif(p, cfg, 0, BENCH_CLIENT);
    return rc != 0 ? rc : add_netif(p, cfg, 0, BENCH_SERVER);
}

uint32_t bench_pair_receive(bench_pair *p, int side, uint64_t now_us, uint32_t max)
{
    if (p->input_burst)
        (void)weir_netif_input_begin(p->stack[side]);
    uint32_t n = weir_ringlink_receive(p->ring, side,
                                       side == BENCH_CLIENT ? pair_input_client : pair_input_server,
                                       &p->end[side], now_us, max);
    if (p->input_burst)
        (void)weir_netif_input_end(p->stack[side]);
    return n;
}

static int create_link(bench_pair *p, const bench_pair_config *cfg, uint32_t link)
{
    weir_memlink_config lc;
    weir_memlink_config_init(&lc);
    lc.mtu = cfg->mtu;
    lc.queue_limit = cfg->queue_limit;
    lc.tx_ring = cfg->tx_ring;
    lc.fault[0] = cfg->fault;
    lc.fault[1] = cfg->fault;
    lc.seed = cfg->seed + link;
    p->link[link] = weir_memlink_create(&lc);
    if (p->link[link] == NULL) {
        fprintf(stderr, "bench: weir_memlink_create failed (bad config or out of memory)\n");
        return WEIR_ENOMEM;
    }
    int rc = add_netif(p, cfg, link, BENCH_CLIENT);
    return rc != 0 ? rc : add_netif(p, cfg, link, BENCH_SERVER);
}

int bench_pair_create(bench_pair *p, const bench_pair_config *cfg)
{
    memset(p, 0, sizeof(*p));
    if (cfg->links == 0 || cfg->links > BENCH_PAIR_MAX_LINKS)
        return WEIR_EINVAL;
    /* Checksum offload is a promise that the link delivers frames intact: a link that flips
     * bits would hand corrupted data to the application as good. */
    if (cfg->csum_offload != 0 && cfg->fault.corrupt > 0) {
        fprintf(stderr, "bench: checksum offload on a corrupting link refused\n");
        return WEIR_EINVAL;
    }
    p->input_burst = cfg->input_burst;
    bool threaded = cfg->threaded_slots != 0;
    if (threaded && (cfg->links != 1 || weir_fault_impairs(&cfg->fault))) {
        fprintf(stderr, "bench: a threaded pair has one link and no faults\n");
        return WEIR_EINVAL;
    }
    p->links = threaded ? 0 : cfg->links;
    p->link = calloc(cfg->links, sizeof(weir_memlink *));
    p->end = calloc((size_t)cfg->links * 2u, sizeof(*p->end));
    int rc = p->link != NULL && p->end != NULL ? 0 : WEIR_ENOMEM;
    for (int side = 0; side < 2 && rc == 0; side++)
        rc = create_stack(p, cfg, side);
    if (threaded && rc == 0)
        rc = create_ring(p, cfg);
    for (uint32_t i = 0; i < p->links && rc == 0; i++)
        rc = create_link(p, cfg, i);
    if (rc != 0)
        bench_pair_destroy(p);
    return rc;
}

void bench_pair_destroy(bench_pair *p)
{
    for (uint32_t i = 0; p->link != NULL && i < p->links; i++)
        weir_memlink_destroy(p->link[i]);
    weir_ringlink_destroy(p->ring);
    weir_stack_destroy(p->stack[0]);
    weir_stack_destroy(p->stack[1]);
    free(p->link);
    free(p->end);
    memset(p, 0, sizeof(*p));
}

/* ---- running ------------------------------------------------------------------------------ */

void bench_pair_set_time(bench_pair *p, uint64_t now_us)
{
    for (uint32_t i = 0; i < p->links; i++)
        weir_memlink_set_time(p->link[i], now_us);
}

void bench_pair_step(bench_pair *p, uint64_t now_us)
{
    bench_pair_set_time(p, now_us);
    for (int side = 0; p->input_burst && side < 2; side++)
        (void)weir_netif_input_begin(p->stack[side]);
    for (uint32_t i = 0; i < p->links; i++)
        weir_memlink_deliver(p->link[i], now_us);
    for (int side = 0; p->input_burst && side < 2; side++)
        (void)weir_netif_input_end(p->stack[side]);
    pair_poll_client(p->stack[BENCH_CLIENT], now_us);
    pair_poll_server(p->stack[BENCH_SERVER], now_us);
}

uint64_t bench_pair_next_deadline(const bench_pair *p)
{
    uint64_t next = weir_stack_next_deadline(p->stack[0]);
    uint64_t d = weir_stack_next_deadline(p->stack[1]);
    next = d < next ? d : next;
    for (uint32_t i = 0; i < p->links; i++) {
        d = weir_memlink_next_deadline(p->link[i]);
        next = d < next ? d : next;
    }
    return next;
}

bool bench_pair_links_busy(const bench_pair *p)
{
    for (uint32_t i = 0; i < p->links; i++)
        if (weir_memlink_next_deadline(p->link[i]) != UINT64_MAX)
            return true;
    return false;
}

void bench_pair_link_stats(const bench_pair *p, weir_memlink_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < p->links; i++) {
        weir_memlink_stats s;
        weir_memlink_get_stats(p->link[i], &s);
        for (int d = 0; d < 2; d++) {
            out->sent[d] += s.sent[d];
            out->delivered[d] += s.delivered[d];
            out->lost[d] += s.lost[d];
            out->duplicated[d] += s.duplicated[d];
            out->reordered[d] += s.reordered[d];
            out->corrupted[d] += s.corrupted[d];
            out->queue_drops[d] += s.queue_drops[d];
        }
    }
}

/* ---- one bulk transfer ---------------------------------------------------------------------- */

int bench_flow_listen(bench_flow *f, bench_pair *p, uint16_t port, uint64_t bytes)
{
    f->pair = p;
    f->bytes = bytes;
    f->client = f->server = -1;
    weir_stack *srv = p->stack[BENCH_SERVER];
    f->listener = weir_tcp_socket(srv);
    if (f->listener < 0)
        return f->listener;
    f->where = (weir_endpoint){.ip = bench_pair_ip(0, BENCH_SERVER), .port = port};
    int rc = f->before_listen ? f->before_listen(f->ctx, srv, f->listener) : 0;
    if (rc == 0)
        rc = weir_tcp_bind(srv, f->listener, f->where);
    return rc != 0 ? rc : weir_tcp_listen(srv, f->listener, 1);
}

int bench_flow_connect(bench_flow *f)
{
    weir_stack *cli = f->pair->stack[BENCH_CLIENT];
    f->client = weir_tcp_socket(cli);
    if (f->client < 0)
        return f->client;
    bench_pair_set_time(f->pair, f->now_us);
    return weir_tcp_connect(cli, f->client, f->where);
}

/* Each call takes at most the send buffer, so it ends. */
BENCH_ATTRIBUTED void bench_flow_send(bench_flow *f)
{
    weir_stack *s = f->pair->stack[BENCH_CLIENT];
    while (f->sent < f->bytes) {
        uint64_t left = f->bytes - f->sent;
        size_t n = left < BENCH_FLOW_CHUNK ? (size_t)left : BENCH_FLOW_CHUNK;
        if (f->fill)
            f->fill(f->chunk, n, f->sent);
        int rc = weir_tcp_send(s, f->client, f->chunk, n);
        if (rc == WEIR_EAGAIN || rc == 0)
            return;
        if (rc < 0) {
            f->error = rc;
            return;
        }
        f->sent += (uint64_t)rc;
    }
    if (!f->shut) {
        f->shut = true;
        int rc = weir_tcp_shutdown(s, f->client);
        if (rc < 0)
            f->error = rc;
    }
}

/* Bounded by the receive buffer: each turn takes at least one byte or stops. */
BENCH_ATTRIBUTED void bench_flow_recv(bench_flow *f)
{
    weir_stack *s = f->pair->stack[BENCH_SERVER];
    uint8_t buf[BENCH_FLOW_CHUNK];
    while (f->server >= 0 && !f->eof) {
        int rc = weir_tcp_recv(s, f->server, buf, sizeof buf);
        if (rc == WEIR_EAGAIN)
            return;
        if (rc < 0) {
            f->error = rc;
            return;
        }
        if (rc == 0) {
            f->eof = true;
            return;
        }
        if (f->on_read)
            f->on_read(f->ctx, buf, (size_t)rc, f->received);
        f->received += (uint64_t)rc;
        if (f->received == f->bytes)
            f->end_us = f->now_us;
    }
}

static void on_client_event(bench_flow *f, const weir_event *ev)
{
    if (ev->sock != f->client)
        return;
    if (ev->type == WEIR_EV_ERROR)
        f->error = ev->err;
    else if (ev->type == WEIR_EV_CONNECTED || ev->type == WEIR_EV_WRITABLE)
        bench_flow_send(f);
}

static void on_server_event(bench_flow *f, const weir_event *ev)
{
    if (ev->type == WEIR_EV_ACCEPTABLE && ev->sock == f->listener && f->server < 0) {
        int sock = weir_tcp_accept(f->pair->stack[BENCH_SERVER], f->listener, NULL);
        if (sock >= 0)
            f->server = sock;
        else if (sock != WEIR_EAGAIN)
            f->error = sock;
    } else if (ev->sock != f->server) {
        return;
    } else if (ev->type == WEIR_EV_ERROR) {
        f->error = ev->err;
        return;
    }
    bench_flow_recv(f);
}

void bench_flow_drain_side(bench_flow *f, int side, int max_events)
{
    weir_event ev;
    for (int n = 0; n < max_events && weir_stack_next_event(f->pair->stack[side], &ev); n++) {
        if (side == BENCH_CLIENT)
            on_client_event(f, &ev);
        else
            on_server_event(f, &ev);
    }
}

void bench_flow_drain(bench_flow *f, int max_events)
{
    bench_flow_drain_side(f, BENCH_CLIENT, max_events);
    bench_flow_drain_side(f, BENCH_SERVER, max_events);
}

const char *bench_flow_run(bench_flow *f, uint64_t max_turns, uint64_t limit_us)
{
    for (uint64_t turn = 0; turn < max_turns; turn++) {
        if (f->error != 0)
            return weir_err_name(f->error);
        if (f->eof)
            return NULL;
        uint64_t next = bench_pair_next_deadline(f->pair);
        if (next == UINT64_MAX)
            return "stalled: nothing scheduled";
        if (next > limit_us)
            return "time limit";
        f->now_us = next > f->now_us ? next : f->now_us;
        bench_pair_step(f->pair, f->now_us);
        bench_flow_drain(f, INT32_MAX);
    }
    return "loop turn limit";
}
