/* weir/stats.h — stack-wide counters, BSD tcpstat style.
 *
 * Bad input is never an error: it is a drop, counted here by reason and reported to the trace hook.
 * Both tables are X-macros so the enum, the counter array and the printable names cannot drift. */
#ifndef WEIR_STATS_H
#define WEIR_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, "description") — why a frame or segment was dropped. */
#define WEIR_DROP_TABLE(X)                                                                         \
    X(FRAME_EMPTY, "empty frame")                                                                  \
    X(FRAME_TOO_BIG, "frame larger than any IPv4 datagram")                                        \
    X(BAD_NETIF, "frame from an unknown interface")                                                \
    X(ETH_TRUNCATED, "Ethernet frame shorter than its header")                                     \
    X(ETH_NOT_FOR_US, "Ethernet destination is not ours")                                          \
    X(ETH_UNKNOWN_TYPE, "unknown EtherType")                                                       \
    X(ARP_MALFORMED, "malformed ARP packet")                                                       \
    X(ARP_NOT_FOR_US, "ARP packet about another host")                                             \
    X(ARP_BAD_SENDER, "ARP sender claims our address or a group hardware address")                 \
    X(ARP_QUEUE_FULL, "packet dropped: too many waiting for the same ARP reply")                   \
    X(ARP_TABLE_FULL, "packet dropped: the neighbour table is full of pending entries")            \
    X(ARP_UNRESOLVED, "packet dropped: the next hop never answered ARP")                           \
    X(IP_NO_ROUTE, "packet for a destination with no route")                                       \
    X(IP_TRUNCATED, "IPv4 packet shorter than its header")                                         \
    X(IP_BAD_VERSION, "IP version is not 4")                                                       \
    X(IP_BAD_HEADER_LEN, "IPv4 header length out of range")                                        \
    X(IP_BAD_TOTAL_LEN, "IPv4 total length disagrees with the frame")                              \
    X(IP_BAD_CHECKSUM, "IPv4 header checksum wrong")                                               \
    X(IP_BAD_SOURCE, "IPv4 source is broadcast, multicast, reserved, loopback or ours")            \
    X(IP_NOT_FOR_US, "IPv4 destination is not ours")                                               \
    X(IP_FRAGMENT, "IPv4 fragment (reassembly disabled)")                                          \
    X(IP_FRAG_INVALID, "IPv4 fragment with a bad length or offset, or contradicting another")      \
    X(IP_FRAG_TABLE_FULL, "IPv4 fragment of a new datagram while reassembly is full")              \
    X(IP_FRAG_TIMEOUT, "IPv4 datagram not reassembled in time")                                    \
    X(IP_UNKNOWN_PROTOCOL, "unsupported IP protocol")                                              \
    X(ICMP_MALFORMED, "malformed ICMP message")                                                    \
    X(ICMP_BAD_CHECKSUM, "ICMP checksum wrong")                                                    \
    X(ICMP_UNHANDLED, "ICMP type not handled")                                                     \
    X(UDP_MALFORMED, "malformed UDP datagram")                                                     \
    X(UDP_BAD_CHECKSUM, "UDP checksum wrong")                                                      \
    X(UDP_NO_SOCKET, "UDP datagram for a closed port")                                             \
    X(UDP_RCVBUF_FULL, "UDP or ping socket receive queue full")                                    \
    X(ICMP_ERROR_UNMATCHED, "ICMP error quoting nothing of ours")                                  \
    X(ICMP_ERROR_BAD_QUOTE, "ICMP error with a short or invalid quoted header")                    \
    X(TCP_TRUNCATED, "TCP segment shorter than its header")                                        \
    X(TCP_BAD_HEADER_LEN, "TCP data offset out of range")                                          \
    X(TCP_BAD_CHECKSUM, "TCP checksum wrong")                                                      \
    X(TCP_BAD_OPTION, "malformed TCP option")                                                      \
    X(TCP_BAD_PORT, "TCP port zero")                                                               \
    X(TCP_BAD_FLAGS, "impossible TCP flag combination")                                            \
    X(TCP_NO_SOCKET, "TCP segment for a closed port")                                              \
    X(TCP_LISTEN_RST, "RST to a listening socket")                                                 \
    X(TCP_LISTEN_NO_SYN, "segment without SYN to a listening socket")                              \
    X(TCP_LISTEN_OVERFLOW, "listen backlog or table full")                                         \
    X(TCP_SYN_SENT_BAD_ACK, "unacceptable ACK in SYN-SENT")                                        \
    X(TCP_SYN_SENT_NO_SYN, "segment without SYN or RST in SYN-SENT")                               \
    X(TCP_RST_UNACCEPTABLE, "RST outside the window")                                              \
    X(TCP_RST_CHALLENGED, "in-window RST answered with a challenge ACK")                           \
    X(TCP_RST_TIME_WAIT, "RST in TIME-WAIT ignored (RFC 1337)")                                    \
    X(TCP_SYN_CHALLENGED, "SYN in a synchronized state answered with a challenge ACK")             \
    X(TCP_SEQ_UNACCEPTABLE, "segment outside the receive window")                                  \
    X(TCP_NO_ACK, "segment without ACK in a synchronized state")                                   \
    X(TCP_ACK_UNACCEPTABLE, "ACK outside the acceptable range")                                    \
    X(TCP_ACK_UNSENT, "ACK for data not yet sent")                                                 \
    X(TCP_DATA_AFTER_FIN, "data after the peer's FIN")                                             \
    X(TCP_DATA_AFTER_CLOSE, "data for a socket the application closed")                            \
    X(TCP_OOO_FULL, "out-of-order data beyond what can be held")                                   \
    X(TCP_PAWS, "segment with a timestamp older than the last one (PAWS, RFC 7323 §5)")            \
    X(TCP_NO_TSOPT, "segment without the timestamps the connection negotiated (RFC 7323 §3.2)")    \
    X(TCP_SYN_FIN, "segment with both SYN and FIN (drop_synfin)")

/* X(NAME, "description") — things that happened. */
#define WEIR_COUNTER_TABLE(X)                                                                      \
    X(FRAMES_IN, "frames received")                                                                \
    X(FRAMES_OUT, "frames sent")                                                                   \
    X(FRAMES_OUT_FAILED, "frames the driver refused")                                              \
    X(IP_PACKETS_IN, "IPv4 packets delivered")                                                     \
    X(IP_FRAGMENTS_IN, "IPv4 fragments taken for reassembly")                                      \
    X(IP_REASSEMBLED, "IPv4 datagrams reassembled")                                                \
    X(ICMP_ECHO_REPLIES, "ICMP echo replies sent")                                                 \
    X(ICMP_ECHO_REQUESTS, "ICMP echo requests sent")                                               \
    X(ARP_REQUESTS_SENT, "ARP requests sent")                                                      \
    X(ARP_REPLIES_SENT, "ARP replies sent")                                                        \
    X(ICMP_UNREACH_SENT, "ICMP destination-unreachable messages sent")                             \
    X(ICMP_RATE_LIMITED, "ICMP errors not sent because of the rate limit")                         \
    X(ICMP_ERRORS_IN, "ICMP errors delivered to a socket")                                         \
    X(UDP_DATAGRAMS_IN, "UDP datagrams delivered")                                                 \
    X(UDP_DATAGRAMS_OUT, "UDP datagrams sent")                                                     \
    X(TCP_PMTU_REDUCED, "MSS lowered by an ICMP fragmentation-needed message")                     \
    X(TCP_SEGMENTS_IN, "TCP segments processed")                                                   \
    X(TCP_SEGMENTS_OUT, "TCP segments sent")                                                       \
    X(TCP_ACTIVE_OPENS, "connections opened actively")                                             \
    X(TCP_PASSIVE_OPENS, "connections opened passively")                                           \
    X(TCP_ESTABLISHED, "connections that reached ESTABLISHED")                                     \
    X(TCP_RETRANSMITS, "segments retransmitted")                                                   \
    X(TCP_RTO_EXPIRED, "retransmission timeouts")                                                  \
    X(TCP_TLP_PROBES, "tail loss probes sent (RFC 8985)")                                          \
    X(TCP_TIMEOUT_DROPS, "connections ended by the retry limit")                                   \
    X(TCP_R1_REACHED, "segments resent r1_retries times (negative advice, a soft error)")          \
    X(TCP_ECN_CE_RECEIVED, "segments that arrived marked CE (congestion experienced)")             \
    X(TCP_ECN_REDUCTIONS, "windows reduced for an ECN-Echo (RFC 3168 §6.1.2)")                     \
    X(TCP_RST_SENT, "RST segments sent")                                                           \
    X(TCP_RST_RECEIVED, "RST segments that reset a connection")                                    \
    X(TCP_CHALLENGE_ACKS, "challenge ACKs sent (RFC 5961)")                                        \
    X(TCP_DUP_ACKS, "duplicate ACKs received")                                                     \
    X(TCP_PARTIAL_ACKS, "partial ACKs in fast recovery: the next hole resent (RFC 6582)")          \
    X(TCP_FAST_RECOVERIES, "fast recoveries entered")                                              \
    X(TCP_RACK_LOST, "segments RACK marked lost (RFC 8985)")                                       \
    X(TCP_SACK_LOST, "segments RFC 6675's IsLost marked lost (rack_loss_detection off)")           \
    X(TCP_REORDER_TIMEOUTS, "RACK reordering timers expired")                                      \
    X(TCP_DSACKS_RECEIVED, "D-SACK blocks received (RFC 2883)")                                    \
    X(TCP_SPURIOUS_UNDO, "window reductions undone: every retransmission was a duplicate")         \
    X(TCP_SACK_BLOCKS_IGNORED, "SACK blocks outside SND.UNA..SND.MAX or malformed")                \
    X(TCP_SCOREBOARD_NOMEM, "connections that fell back to NewReno: no memory for a scoreboard")   \
    X(TCP_OOO_SEGMENTS, "out-of-order segments held")                                              \
    X(TCP_DUP_SEGMENTS, "segments entirely old")                                                   \
    X(TCP_PERSIST_PROBES, "zero-window probes sent")                                               \
    X(TCP_LINK_HELD, "segments held back because the link was full (weir_tx_ready_fn)")            \
    X(TCP_KEEPALIVE_PROBES, "keepalive probes sent")                                               \
    X(TCP_DELAYED_ACKS, "delayed ACKs sent by their timer")                                        \
    X(TCP_TIME_WAIT_RESTARTS, "TIME-WAIT timers restarted by a retransmitted FIN")                 \
    X(TCP_TIME_WAIT_COMPACTED, "connections in TIME-WAIT replaced by a compact record")             \
    X(TCP_TIME_WAIT_EVICTED, "TIME-WAIT records ended early: max_time_wait reached")               \
    X(TCP_TIME_WAIT_REOPENED, "TIME-WAIT records ended by a new SYN (RFC 6191)")                   \
    X(TCP_TIME_WAIT_REUSED, "TIME-WAIT four-tuples taken by connect() (time_wait_reuse)")          \
    X(TCP_CONNS_FREED, "connection records freed")                                                 \
    X(TCP_LOST_RETRANSMITS, "NewReno recovery: a retransmission found lost, sent again")

typedef enum weir_drop_reason {
#define WEIR_DROP_ENUM(name, desc) WEIR_DROP_##name,
    WEIR_DROP_TABLE(WEIR_DROP_ENUM)
#undef WEIR_DROP_ENUM
        WEIR_DROP_COUNT
} weir_drop_reason;

typedef enum weir_counter {
#define WEIR_COUNTER_ENUM(name, desc) WEIR_CTR_##name,
    WEIR_COUNTER_TABLE(WEIR_COUNTER_ENUM)
#undef WEIR_COUNTER_ENUM
        WEIR_CTR_COUNT
} weir_counter;

typedef struct weir_stats {
    uint64_t drops[WEIR_DROP_COUNT];   /* indexed by weir_drop_reason */
    uint64_t counters[WEIR_CTR_COUNT]; /* indexed by weir_counter */
    uint64_t drops_total;
    /* Memory: bytes currently allocated through the stack's allocator, and the high-water mark. */
    uint64_t mem_in_use;
    uint64_t mem_high_water;
    /* Bytes the stack has freed but keeps for reuse (at most WEIR_MEM_CACHE_BYTES): still taken
     * from the allocator, not in use. mem_in_use + mem_cached is what the stack holds. */
    uint64_t mem_cached;
    uint32_t tcp_conns; /* connection records alive (any state but CLOSED) */
    uint32_t tcp_conns_high_water;
    uint32_t tcp_time_wait; /* compact TIME-WAIT records (not counted in tcp_conns) */
} weir_stats;

/* Short machine name ("TCP_BAD_CHECKSUM") and description; "?" for out-of-range values. */
const char *weir_drop_name(weir_drop_reason r);
const char *weir_drop_desc(weir_drop_reason r);
const char *weir_counter_name(weir_counter c);
const char *weir_counter_desc(weir_counter c);

#ifdef __cplusplus
}
#endif
#endif
