/* ip_fixture.h — one stack with one interface (10.0.0.1/24), for the tests of the IPv4 layer.
 *
 * Frames the stack sends are captured in order (frames[0..count), `next` is the first not yet
 * looked at); frames from peers are built by the tests with the wire emitters and handed to
 * weir_netif_input at the fixture's time `now`. Randomness is a seeded splitmix64, so every run
 * draws the same ports, IDs and ISNs. */
#ifndef WEIR_TESTS_IP_FIXTURE_H
#define WEIR_TESTS_IP_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "weir/weir.h"

#define FX_LOCAL_IP 0x0a000001u
#define FX_MTU 1500
#define FX_MAX_FRAMES 512

typedef struct fixture {
    weir_stack *s;
    int netif;
    uint64_t rng, now;
    uint8_t frames[FX_MAX_FRAMES][FX_MTU + 14]; /* room for an Ethernet header */
    size_t lens[FX_MAX_FRAMES];
    unsigned count, next;
} fixture;

/* A fresh stack at time 1 s with an IP (TUN-like) interface, or an Ethernet one with `mac`. The
 * fixture is static: one per test at a time. */
fixture *fx_new(uint64_t seed);
fixture *fx_new_ethernet(uint64_t seed, const uint8_t mac[6]);
/* fx_new with checksum offload bits (WEIR_NETIF_CSUM_*) on the interface. */
fixture *fx_new_offload(uint64_t seed, unsigned csum_offload);
void fx_free(fixture *f);

uint64_t fx_drops(fixture *f, weir_drop_reason r);
uint64_t fx_counter(fixture *f, weir_counter c);
/* Drain the stack's events; true when one of `type` came for `sock` (its err in *err). */
bool fx_event(fixture *f, int sock, weir_event_type type, int *err);
/* An IPv4 packet from src to dst carrying payload[0..len) arrives on interface `netif`. */
void fx_inject_ip_on(fixture *f, int netif, uint32_t src, uint32_t dst, uint8_t proto,
                     const uint8_t *payload, size_t len);

#endif
