/* weir/ping.h — ICMP echo sockets (RFC 792), like Linux's unprivileged ping sockets.
 *
 * Each socket has its own echo identifier, chosen by the stack; replies carrying it are queued for
 * the socket (WEIR_EV_READABLE), and destination-unreachable or time-exceeded errors quoting one
 * of its requests are reported as WEIR_EV_ERROR (WEIR_EHOSTUNREACH, WEIR_ENETUNREACH,
 * WEIR_ECONNREFUSED; time exceeded is WEIR_EHOSTUNREACH). Echo *requests* to us are answered by the
 * stack itself, socket or not. */
#ifndef WEIR_PING_H
#define WEIR_PING_H

#include <stddef.h>
#include <stdint.h>

#include "weir/tcp.h" /* weir_stack */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct weir_ping_reply {
    uint32_t from;   /* the replying host, host order */
    uint16_t seq;    /* the sequence number echoed */
    uint8_t ttl;     /* TTL of the reply as it arrived */
    size_t len;      /* bytes of echoed data (before truncation to the caller's buffer) */
} weir_ping_reply;

/* A new echo socket: a handle >= 0 or a negative WEIR_E* code. */
int weir_ping_socket(weir_stack *s);
/* Send an echo request with this sequence number and data (at most what fits the MTU). */
int weir_ping_send(weir_stack *s, int sock, uint32_t dst, uint16_t seq, const void *data,
                   size_t len);
/* Take the oldest reply: copies up to cap bytes of its data into buf (may be NULL with cap 0).
 * Returns 0, WEIR_EAGAIN when none is queued, or a pending error (returned once). */
int weir_ping_recv(weir_stack *s, int sock, weir_ping_reply *reply, void *buf, size_t cap);
/* The echo identifier this socket uses. */
int weir_ping_ident(weir_stack *s, int sock);
int weir_ping_close(weir_stack *s, int sock);

#ifdef __cplusplus
}
#endif
#endif
