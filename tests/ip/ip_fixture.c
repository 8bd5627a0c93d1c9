/* ip_fixture.c — see ip_fixture.h. */
#include "ip_fixture.h"

#include <string.h>

#include "wire/ipv4.h"

static void fx_random(void *ctx, void *buf, size_t len)
{
    fixture *f = ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (f->rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        p[i] = (uint8_t)(z ^ (z >> 31));
    }
}

static int fx_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    fixture *f = ctx;
    assert_true(len <= sizeof f->frames[0]);
    assert_true(f->count < FX_MAX_FRAMES);
    memcpy(f->frames[f->count], frame, len);
    f->lens[f->count++] = len;
    return 0;
}

static fixture *start(uint64_t seed, weir_medium medium, const uint8_t mac[6],
                      unsigned csum_offload)
{
    static fixture fx;
    memset(&fx, 0, sizeof fx);
    fx.rng = seed;
    fx.now = 1000000;
    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.random = fx_random;
    cfg.random_ctx = &fx;
    assert_int_equal(weir_stack_create(&cfg, &fx.s), 0);
    weir_netif_config nc = {.name = "t0", .medium = medium, .mtu = FX_MTU, .ip = FX_LOCAL_IP,
                            .prefix_len = 24, .transmit = fx_transmit, .transmit_ctx = &fx,
                            .csum_offload = csum_offload};
    if (mac)
        memcpy(nc.mac, mac, 6);
    fx.netif = weir_netif_add(fx.s, &nc);
    assert_true(fx.netif >= 0);
    weir_stack_poll(fx.s, fx.now); /* the stack's clock starts at the fixture's */
    return &fx;
}

fixture *fx_new(uint64_t seed) { return start(seed, WEIR_MEDIUM_IP, NULL, 0); }

fixture *fx_new_ethernet(uint64_t seed, const uint8_t mac[6])
{
    return start(seed, WEIR_MEDIUM_ETHERNET, mac, 0);
}

fixture *fx_new_offload(uint64_t seed, unsigned csum_offload)
{
    return start(seed, WEIR_MEDIUM_IP, NULL, csum_offload);
}

void fx_free(fixture *f)
{
    weir_stack_destroy(f->s);
    f->s = NULL;
}

uint64_t fx_drops(fixture *f, weir_drop_reason r)
{
    weir_stats st;
    weir_stats_get(f->s, &st);
    return st.drops[r];
}

uint64_t fx_counter(fixture *f, weir_counter c)
{
    weir_stats st;
    weir_stats_get(f->s, &st);
    return st.counters[c];
}

bool fx_event(fixture *f, int sock, weir_event_type type, int *err)
{
    weir_event ev;
    bool seen = false;
    while (weir_stack_next_event(f->s, &ev)) {
        if (ev.sock == sock && ev.type == type) {
            seen = true;
            if (err)
                *err = ev.err;
        }
    }
    return seen;
}

void fx_inject_ip_on(fixture *f, int netif, uint32_t src, uint32_t dst, uint8_t proto,
                     const uint8_t *payload, size_t len)
{
    uint8_t pkt[FX_MTU];
    assert_true(len <= sizeof pkt - 20);
    weir_ipv4_repr ip = {.src = src, .dst = dst, .protocol = proto, .ttl = 61, .ident = 7,
                         .payload_len = len};
    assert_int_equal(weir_ipv4_emit_header(&ip, pkt, sizeof pkt), 20);
    memcpy(pkt + 20, payload, len);
    assert_int_equal(weir_netif_input(f->s, netif, pkt, 20 + len, f->now), 0);
}
