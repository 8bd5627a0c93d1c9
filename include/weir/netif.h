/* weir/netif.h — the driver interface.
 *
 * A driver (TUN, TAP, the in-memory link, a capture tap, a fault injector) joins a stack through one
 * interface record: the stack calls `transmit` with each outgoing frame, and the driver hands each
 * incoming frame to weir_netif_input(). Nothing else crosses this line. */
#ifndef WEIR_NETIF_H
#define WEIR_NETIF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct weir_stack weir_stack;

typedef enum weir_medium {
    WEIR_MEDIUM_IP = 1, /* frames are bare IPv4 packets (TUN, the in-memory link) */
} weir_medium;

/* Called by the stack for every outgoing frame. The bytes are valid only during the call.
 * Return 0, or a negative WEIR_E* code when the frame could not be queued (counted, and TCP's
 * retransmission covers the loss). Must not call back into the stack. */
typedef int (*weir_transmit_fn)(void *ctx, const uint8_t *frame, size_t len);

typedef struct weir_netif_config {
    const char *name;      /* for humans: "mem0", "tun0" (copied) */
    weir_medium medium;
    uint16_t mtu;          /* largest frame the driver carries (IP packet size for WEIR_MEDIUM_IP) */
    uint32_t ip;           /* our address on this interface, host order */
    uint8_t prefix_len;    /* on-link subnet */
    weir_transmit_fn transmit;
    void *transmit_ctx;
} weir_netif_config;

/* Attach an interface. Returns its index (>= 0) or a negative WEIR_E* code. */
int weir_netif_add(weir_stack *s, const weir_netif_config *cfg);

/* Hand one received frame to the stack; it is processed before the call returns (replies may be
 * transmitted from inside it). `now_us` is the current time, as for weir_stack_poll(). Bad frames
 * are counted drops, never errors: the return value is 0, or WEIR_EINVAL for API misuse. */
int weir_netif_input(weir_stack *s, int netif, const uint8_t *frame, size_t len, uint64_t now_us);

#ifdef __cplusplus
}
#endif
#endif
