/* weir/config.h — compile-time options: features and static table sizes only.
 *
 * Everything that does not change memory layout is a run-time setting (weir_stack_config). Each
 * option can be overridden with -D; bad combinations stop the build here, not at run time. */
#ifndef WEIR_CONFIG_H
#define WEIR_CONFIG_H

/* Interfaces one stack can carry. */
#ifndef WEIR_MAX_NETIFS
#define WEIR_MAX_NETIFS 4
#endif

/* Bytes of freed memory one stack keeps for reuse instead of handing each block back to the
 * allocator at once (blocks up to 4 kB: records, small rings; a few sizes). Connection churn
 * allocates and frees about ten such blocks per connection, and a general-purpose malloc spends
 * hundreds of instructions on each; the stack reuses them in tens. Held memory is at most
 * stats.mem_in_use plus this. 0 turns it off; AddressSanitizer builds always do, so that a use
 * after free stays visible. */
#ifndef WEIR_MEM_CACHE_BYTES
#define WEIR_MEM_CACHE_BYTES (256 * 1024)
#endif

/* Static routes one stack holds besides its connected subnets (weir_route_add). */
#ifndef WEIR_MAX_ROUTES
#define WEIR_MAX_ROUTES 16
#endif

/* Packets held per neighbour while its ARP reply is awaited; the oldest is dropped beyond. */
#ifndef WEIR_ARP_PENDING
#define WEIR_ARP_PENDING 4
#endif

/* IPv4 datagrams that can be in reassembly at once, at most (each holds a 64 kB buffer while it
 * lasts); the run-time bound is weir_stack_config.frag_max_datagrams. */
#ifndef WEIR_MAX_FRAG_DATAGRAMS
#define WEIR_MAX_FRAG_DATAGRAMS 16
#endif

/* Out-of-order data is kept inside the receive window; this bounds how many separate byte ranges
 * (holes + islands) the reassembler tracks per connection. Segments that would need more are
 * dropped and counted (TCP_OOO_FULL); the sender retransmits them. A window of 1000 segments on
 * a path losing 2% holds ~20 holes: with 8 ranges everything past the eighth was dropped, and a
 * sender without SACK had to resend runs of segments one RTT (or one RTO) each. 12 bytes a range
 * per connection. */
#ifndef WEIR_TCP_OOO_RANGES
#define WEIR_TCP_OOO_RANGES 32
#endif

/* Largest listen backlog accepted by weir_tcp_listen(). */
#ifndef WEIR_TCP_MAX_BACKLOG
#define WEIR_TCP_MAX_BACKLOG 1024
#endif

#if WEIR_MAX_NETIFS < 1 || WEIR_MAX_NETIFS > 64
#error "WEIR_MAX_NETIFS must be between 1 and 64"
#endif
#if WEIR_MAX_ROUTES < 1 || WEIR_ARP_PENDING < 1
#error "WEIR_MAX_ROUTES and WEIR_ARP_PENDING must be positive"
#endif
#if WEIR_TCP_OOO_RANGES < 1 || WEIR_TCP_OOO_RANGES > 64
#error "WEIR_TCP_OOO_RANGES must be between 1 and 64"
#endif
#if WEIR_TCP_MAX_BACKLOG < 1
#error "WEIR_TCP_MAX_BACKLOG must be positive"
#endif

#endif
