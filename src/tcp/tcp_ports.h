/* tcp_ports.h — which local ports are taken, in O(1) per question (tcp_ports.c).
 *
 * A record "holds" its local port once the application bound it (weir_tcp_bind, explicit or
 * port 0) or connect() chose it, until the record is freed (TIME-WAIT included). Two counts are
 * kept per (local address, port), and per port over every address:
 *   - holders: bind() to that port fails with EADDRINUSE while any exists (an address overlaps
 *     when either side is the wildcard 0 or both are equal);
 *   - bound holders (bind() was called: listeners and sockets bound before connect): connect()'s
 *     ephemeral choice avoids their ports, but shares a port between connections to different
 *     peers (RFC 6056 §2.2: only the four-tuple must be unique).
 * Connections accepted from a listener hold nothing: the listener's port is what a new bind()
 * collides with, and once the listener is gone its port can be bound again while accepted
 * connections live on (what SO_REUSEADDR gives a restarted server elsewhere). */
#ifndef WEIR_TCP_PORTS_H
#define WEIR_TCP_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"

typedef struct tcp_port_entry {
    uint32_t ip; /* local address, 0 = wildcard, TCP_PORTS_ANY_IP = the per-port total */
    uint32_t holders, bound;
    uint16_t port;
    bool used;
} tcp_port_entry;

/* Open addressing with linear probing, at most 3/4 full; grows by doubling. */
typedef struct tcp_port_map {
    tcp_port_entry *slots;
    uint32_t nslots; /* power of two, or 0 before the first hold */
    uint32_t count;
} tcp_port_map;

void tcp_ports_destroy(weir_stack *s, tcp_port_map *m);
/* Count one more holder of (ip, port); bound: through bind(). 0 or WEIR_ENOMEM. */
int tcp_ports_hold(weir_stack *s, tcp_port_map *m, uint32_t ip, uint16_t port, bool bound);
/* One holder fewer; the table's memory goes when the last one does. */
void tcp_ports_release(weir_stack *s, tcp_port_map *m, uint32_t ip, uint16_t port, bool bound);
/* Is (ip, port) taken by a holder (bound_only: by a bound one) on an overlapping address? */
bool tcp_ports_taken(const tcp_port_map *m, uint32_t ip, uint16_t port, bool bound_only);

#endif
