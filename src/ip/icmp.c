/* icmp.c — ICMP for a host (RFC 792, RFC 1122 §3.2.2): echo replies, destination-unreachable
 * messages we send, and received errors routed to the socket whose packet they quote.
 *
 * Read RFC 1122 §3.2.2 (when an error must not be sent), RFC 1812 §4.3.2.8 (rate limiting),
 * RFC 9293 §3.9.2.2 with MUST-54, MUST-56 and SHLD-26 (what TCP does with an error) and RFC 5927
 * (why a quoted sequence number is checked before TCP believes one). */
#include <string.h>

#include "ip/ip.h"
#include "tcp/tcp_conn.h"

/* RFC 1812 §4.3.2.3: an error quotes as much of the offending packet as keeps the whole error
 * within 576 bytes. */
#define ICMP_ERROR_MAX 576u

/* ---- errors we receive ---- */

int weir_icmp_error_code(const weir_icmp_error *e, bool *hard)
{
    *hard = false;
    if (e->type != WEIR_ICMP_DEST_UNREACH)
        return WEIR_EHOSTUNREACH; /* time exceeded, parameter problem: soft */
    switch (e->code) {
    case WEIR_ICMP_UNREACH_NET:
        return WEIR_ENETUNREACH;
    case WEIR_ICMP_UNREACH_PROTOCOL:
    case WEIR_ICMP_UNREACH_PORT:
        *hard = true; /* RFC 1122 §4.2.3.9: codes 2 and 3 are hard errors */
        return WEIR_ECONNREFUSED;
    case WEIR_ICMP_UNREACH_NEEDFRAG:
        return WEIR_EMSGSIZE;
    default:
        return WEIR_EHOSTUNREACH; /* host, source route failed, prohibited: soft */
    }
}

/* The quoted packet must be one of ours with a whole transport header prefix (8 bytes, which is
 * all RFC 792 promises). The quoted header is not checksummed again: routers may have changed it
 * (TTL), and only its addresses and protocol are used. */
static bool read_quote(const weir_ipv4_repr *ip, const weir_icmp_repr *m, weir_icmp_error *e)
{
    const uint8_t *q = m->payload;
    if (m->payload_len < WEIR_IPV4_MIN_HEADER || (q[0] >> 4) != 4)
        return false;
    size_t ihl = (size_t)(q[0] & 0x0f) * 4;
    if (ihl < WEIR_IPV4_MIN_HEADER || m->payload_len < ihl + 8)
        return false;
    memset(e, 0, sizeof *e);
    e->type = m->type;
    e->code = m->code;
    e->mtu = m->type == WEIR_ICMP_DEST_UNREACH && m->code == WEIR_ICMP_UNREACH_NEEDFRAG ? m->mtu : 0;
    e->from = ip->src;
    e->protocol = q[9];
    e->src = weir_get32(q + 12);
    e->dst = weir_get32(q + 16);
    e->l4 = q + ihl;
    return true;
}

static void error_input(weir_stack *s, const weir_ipv4_repr *ip, const weir_icmp_repr *m,
                        const uint8_t *pkt, size_t len)
{
    weir_icmp_error e;
    if (!read_quote(ip, m, &e)) {
        weir_drop(s, WEIR_DROP_ICMP_ERROR_BAD_QUOTE, pkt, len);
        return;
    }
    /* MUST-54: "TCP MUST act on an ICMP error message passed up from the IP layer, directing it
     * to the connection that created the error" — so the quoted source must be us. */
    bool taken = false;
    if (weir_ip_is_local(s, e.src)) {
        if (e.protocol == WEIR_IP_PROTO_TCP)
            taken = tcp_icmp_error(s, &e);
        else
            taken = weir_dgram_icmp_error(s, &e);
    }
    if (!taken) {
        weir_drop(s, WEIR_DROP_ICMP_ERROR_UNMATCHED, pkt, len);
        return;
    }
    weir_count(s, WEIR_CTR_ICMP_ERRORS_IN);
}

/* Echo reply: same identifier, sequence and data (RFC 792; RFC 1122 §3.2.2.6 MUST). */
static void answer_echo(weir_stack *s, const weir_ipv4_repr *ip, const weir_icmp_repr *msg,
                        const uint8_t *pkt, size_t len)
{
    size_t cap;
    uint8_t *out = weir_ip_payload_buf(s, &cap);
    weir_icmp_repr reply = *msg;
    reply.type = WEIR_ICMP_ECHO_REPLY;
    reply.code = 0;
    int n = out ? weir_icmp_emit(&reply, out, cap) : -1;
    if (n < 0) {
        weir_drop(s, WEIR_DROP_ICMP_MALFORMED, pkt, len);
        return;
    }
    if (weir_ip_send(s, ip->dst, ip->src, WEIR_IP_PROTO_ICMP, (size_t)n) == 0)
        weir_count(s, WEIR_CTR_ICMP_ECHO_REPLIES);
}

void weir_icmp_input(weir_stack *s, const weir_ipv4_repr *ip, const uint8_t *pkt, size_t len)
{
    weir_icmp_repr msg;
    weir_wire_status st = weir_icmp_parse(ip->payload, ip->payload_len, true, &msg);
    if (st != WEIR_WIRE_OK) {
        weir_drop(s, st == WEIR_WIRE_BAD_CHECKSUM ? WEIR_DROP_ICMP_BAD_CHECKSUM
                                                  : WEIR_DROP_ICMP_MALFORMED,
                  pkt, len);
        return;
    }
    switch (msg.type) {
    case WEIR_ICMP_ECHO_REQUEST:
        answer_echo(s, ip, &msg, pkt, len);
        return;
    case WEIR_ICMP_ECHO_REPLY:
        if (!weir_ping_deliver(s, ip, &msg))
            weir_drop(s, WEIR_DROP_ICMP_UNHANDLED, pkt, len);
        return;
    case WEIR_ICMP_DEST_UNREACH:
    case WEIR_ICMP_TIME_EXCEEDED:
    case WEIR_ICMP_PARAM_PROBLEM:
        error_input(s, ip, &msg, pkt, len);
        return;
    default:
        weir_drop(s, WEIR_DROP_ICMP_UNHANDLED, pkt, len);
        return;
    }
}

/* ---- errors we send ---- */

/* RFC 1122 §3.2.2: "An ICMP error message MUST NOT be sent as the result of receiving: an ICMP
 * error message, a datagram destined to an IP broadcast or IP multicast address, a non-initial
 * fragment, or a datagram whose source address does not define a single host." */
static bool may_answer(const weir_stack *s, const weir_ipv4_repr *ip)
{
    /* IPv4 input has refused such sources already, knowing the interface (MUST-63); the same
     * predicate here keeps this rule whole for any caller. */
    if (ip->frag_offset != 0 || weir_ip_not_single_host(s, -1, ip->dst) ||
        weir_ip_not_single_host(s, -1, ip->src))
        return false;
    if (ip->protocol == WEIR_IP_PROTO_ICMP && ip->payload_len >= 1) {
        uint8_t t = ip->payload[0];
        if (t != WEIR_ICMP_ECHO_REQUEST && t != WEIR_ICMP_ECHO_REPLY && t != 13 && t != 14 &&
            t != 15 && t != 16 && t != 17 && t != 18)
            return false; /* an error, or a type we cannot tell is not one */
    }
    return true;
}

/* RFC 1812 §4.3.2.8: a token bucket, cfg.icmp_error_rate per second with bursts as large. */
static bool take_token(weir_stack *s)
{
    uint32_t rate = s->cfg.icmp_error_rate;
    if (rate == 0)
        return false;
    uint64_t period = 1000000u / rate;
    if (period == 0)
        period = 1;
    if (s->icmp_tokens_at == 0 || s->now_us < s->icmp_tokens_at) {
        s->icmp_tokens = rate;
        s->icmp_tokens_at = s->now_us;
    }
    uint64_t add = (s->now_us - s->icmp_tokens_at) / period;
    if (add > 0) {
        uint64_t t = s->icmp_tokens + add;
        s->icmp_tokens = (uint32_t)(t > rate ? rate : t);
        s->icmp_tokens_at += add * period;
    }
    if (s->icmp_tokens == 0)
        return false;
    s->icmp_tokens--;
    return true;
}

void weir_icmp_send_unreachable(weir_stack *s, uint8_t code, const weir_ipv4_repr *ip,
                                const uint8_t *pkt, size_t len)
{
    if (!may_answer(s, ip))
        return;
    if (!take_token(s)) {
        weir_count(s, WEIR_CTR_ICMP_RATE_LIMITED);
        return;
    }
    size_t quoted = ip->header_len + ip->payload_len;
    if (quoted > len)
        quoted = len;
    if (quoted > ICMP_ERROR_MAX - WEIR_IPV4_MIN_HEADER - WEIR_ICMP_HEADER_LEN)
        quoted = ICMP_ERROR_MAX - WEIR_IPV4_MIN_HEADER - WEIR_ICMP_HEADER_LEN;
    size_t cap;
    uint8_t *out = weir_ip_payload_buf(s, &cap);
    weir_icmp_repr m = {.type = WEIR_ICMP_DEST_UNREACH, .code = code, .payload = pkt,
                        .payload_len = quoted};
    int n = out ? weir_icmp_emit(&m, out, cap) : -1;
    if (n < 0)
        return;
    if (weir_ip_send(s, ip->dst, ip->src, WEIR_IP_PROTO_ICMP, (size_t)n) == 0)
        weir_count(s, WEIR_CTR_ICMP_UNREACH_SENT);
}
