/* tcp_icmp.c — what an ICMP error does to a TCP connection (RFC 9293 §3.9.2.2, RFC 1122 §4.2.3.9,
 * RFC 5927, RFC 1191).
 *
 * The error quotes the first 8 bytes of our segment: ports and sequence number. It is believed
 * only when that sequence number is one we have sent and not yet had acknowledged (RFC 5927 §4.1),
 * which a blind attacker cannot easily guess. Then:
 * - fragmentation needed (RFC 1191): the path is narrower than our MSS; lower it and resend;
 * - a hard error (protocol or port unreachable) while the connection is being set up: abort it
 *   with that error at once, instead of waiting out every SYN retransmission (SHLD-26);
 * - anything else, and hard errors on an established connection (RFC 5927 §5.2: aborting those
 *   is what blind reset attacks exploit): a soft error, remembered and reported if the
 *   connection later times out (MUST-56: "TCP MUST NOT abort the connection" on a soft error). */
#include "ip/ip.h"
#include "tcp/tcp_conn.h"

/* The smallest MSS an ICMP message may push us down to: 576-byte datagrams, which every IPv4
 * path carries (RFC 791), less the headers. An error claiming less is likely forged (RFC 5927
 * §7.2). */
#define TCP_PMTU_MIN_MSS 536u

static void path_mtu_lowered(weir_stack *s, tcp_conn *c, uint16_t mtu)
{
    if (mtu < 68)
        return; /* no usable next-hop MTU (RFC 1191 §5 plateaus are not guessed) */
    uint32_t mss = (uint32_t)mtu - 40u;
    if (mss < TCP_PMTU_MIN_MSS)
        mss = TCP_PMTU_MIN_MSS;
    if (mss >= c->snd_mss)
        return;
    c->snd_mss = (uint16_t)mss;
    c->cc.mss = mss;
    weir_count(s, WEIR_CTR_TCP_PMTU_REDUCED);
    if (c->snd_una == c->snd_max)
        return;
    if (tcp_sb_has_flight(c)) {
        /* Every segment in flight was too big for the path (Linux's tcp_simple_retransmit):
         * send them all again in smaller pieces, the window unchanged — this was no congestion. */
        tcp_sb_mark_all_lost(c);
        tcp_output(s, c);
    } else {
        tcp_retransmit_head(s, c); /* the segment the router dropped, now in smaller pieces */
    }
}

bool tcp_icmp_error(weir_stack *s, const weir_icmp_error *e)
{
    weir_tuple t = {.local_ip = e->src,
                    .remote_ip = e->dst,
                    .local_port = weir_get16(e->l4),
                    .remote_port = weir_get16(e->l4 + 2)};
    tcp_conn *c = tcp_table_lookup(s, &t);
    if (!c || c->state == WEIR_TCP_LISTEN || c->state == WEIR_TCP_TIME_WAIT)
        return false;
    uint32_t seq = weir_get32(e->l4 + 4); /* the quoted segment's sequence number */
    if (!(seq_geq(seq, c->snd_una) && seq_lt(seq, c->snd_max)))
        return false; /* RFC 5927 §4.1: not a segment in flight */
    bool hard;
    int err = weir_icmp_error_code(e, &hard);
    if (e->type == WEIR_ICMP_DEST_UNREACH && e->code == WEIR_ICMP_UNREACH_NEEDFRAG) {
        path_mtu_lowered(s, c, e->mtu);
        return true;
    }
    if (hard && c->state < WEIR_TCP_ESTABLISHED) {
        tcp_fail(s, c, err, "ICMP: the destination refused the connection");
        tcp_conn_reap(s, c);
        return true;
    }
    /* MUST-56: never an abort; SHLD-25: the application hears of it now, and it becomes the
     * error if the connection later times out (RFC 1122 §4.2.3.9). */
    c->soft_error = err;
    tcp_soft_error(s, c, err);
    return true;
}
