/* weir/udp.h — UDP sockets (RFC 768, RFC 1122 §4.1).
 *
 * Datagram sockets on the same handle table as TCP: non-blocking, readiness through
 * weir_stack_next_event() (WEIR_EV_READABLE when a datagram is queued, WEIR_EV_ERROR when an
 * ICMP error arrives for a connected socket). Addresses and ports are in host byte order. A
 * datagram for a port nobody has bound is answered with ICMP port unreachable. */
#ifndef WEIR_UDP_H
#define WEIR_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "weir/tcp.h" /* weir_endpoint */

#ifdef __cplusplus
extern "C" {
#endif

/* A new, unbound UDP socket: a handle >= 0 or a negative WEIR_E* code. */
int weir_udp_socket(weir_stack *s);
/* Choose the local address and port. Port 0 picks a random free ephemeral port; an address of 0
 * receives on every interface. WEIR_EADDRINUSE when another UDP socket has the port. */
int weir_udp_bind(weir_stack *s, int sock, weir_endpoint local);
/* Fix the peer: sends without a destination go there, only its datagrams are received, and ICMP
 * errors about it are reported (WEIR_ECONNREFUSED for port unreachable). Binds if needed. */
int weir_udp_connect(weir_stack *s, int sock, weir_endpoint remote);
/* Send one datagram (at most 65507 bytes, and what fits the interface MTU: no fragmentation).
 * `to` NULL means the connected peer. Binds an ephemeral port first if needed. Returns len or a
 * negative WEIR_E* code (a pending ICMP error is returned once, as with SO_ERROR). */
int weir_udp_sendto(weir_stack *s, int sock, const void *data, size_t len,
                    const weir_endpoint *to);
/* Take the oldest queued datagram: copies up to cap bytes (the rest of a longer datagram is
 * discarded) and returns the count; *from (may be NULL) gets the sender. WEIR_EAGAIN when none is
 * queued; a pending ICMP error is returned once. */
int weir_udp_recvfrom(weir_stack *s, int sock, void *buf, size_t cap, weir_endpoint *from);
/* The address and port the socket is bound to (port 0 if not yet). */
int weir_udp_local(weir_stack *s, int sock, weir_endpoint *out);
/* Release the socket and drop its queued datagrams. */
int weir_udp_close(weir_stack *s, int sock);

#ifdef __cplusplus
}
#endif
#endif
