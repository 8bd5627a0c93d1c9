/* trace_line.c — `--trace`: one tcpdump-like line per TCP segment weir sends or receives, plus a
 * line for each state change, timer and drop, so that a run over a real device can be read
 * afterwards without a capture:
 *
 *     0.000213 out 198.18.0.2:49152 > 198.18.0.1:5000 [S] seq 1834729 win 65535 len 0 <mss 1460>
 *     0.000391 in  198.18.0.1:5000 > 198.18.0.2:49152 [S.] seq 88120 ack 1834730 win 65160 len 0
 *     0.000402 out 198.18.0.2:49152 > 198.18.0.1:5000 [.] seq 1 ack 1 win 512 len 0
 *     0.000402 state SYN-SENT -> ESTABLISHED (SYN-ACK acceptable)
 *
 * As tcpdump does, SYN segments show absolute sequence numbers and the others numbers relative
 * to the connection's initial ones; the window is the raw 16-bit field. Time is seconds since the
 * setup. The lines go to stderr: stdout carries the data of tools like nc. */
#include <inttypes.h>
#include <stdio.h>

#include "netopts.h"

static void format_flags(uint8_t flags, char *out)
{
    static const struct {
        uint8_t bit;
        char c;
    } k_flags[] = {{WEIR_TH_SYN, 'S'}, {WEIR_TH_FIN, 'F'}, {WEIR_TH_RST, 'R'}, {WEIR_TH_PSH, 'P'},
                   {WEIR_TH_URG, 'U'}, {WEIR_TH_ECE, 'E'}, {WEIR_TH_CWR, 'W'}, {WEIR_TH_ACK, '.'}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(k_flags) / sizeof(k_flags[0]); i++)
        if (flags & k_flags[i].bit)
            out[n++] = k_flags[i].c;
    out[n] = '\0';
}

static void format_endpoint(uint32_t ip, uint16_t port, char *out, size_t cap)
{
    char a[16];
    weir_net_format_ipv4(ip, a);
    snprintf(out, cap, "%s:%u", a, (unsigned)port);
}

/* The SYN options, tcpdump's way: <mss 1460,sackOK,TS,wscale 7>. */
static void print_syn_options(FILE *out, const weir_segment_info *s)
{
    if (!s->has_mss && !s->sack_permitted && !s->has_timestamps && !s->has_wscale)
        return;
    const char *sep = "";
    fputs(" <", out);
    if (s->has_mss) {
        fprintf(out, "mss %u", (unsigned)s->mss);
        sep = ",";
    }
    if (s->sack_permitted) {
        fprintf(out, "%ssackOK", sep);
        sep = ",";
    }
    if (s->has_timestamps) {
        fprintf(out, "%sTS", sep);
        sep = ",";
    }
    if (s->has_wscale)
        fprintf(out, "%swscale %u", sep, (unsigned)s->wscale);
    fputc('>', out);
}

static void print_segment(FILE *out, double t, const weir_trace_event *ev)
{
    const weir_segment_info *s = &ev->seg;
    bool in = ev->kind == WEIR_TRACE_SEGMENT_IN;
    /* Relative to the sender's and the receiver's initial sequence numbers. */
    uint32_t seq_base = in ? ev->irs : ev->iss, ack_base = in ? ev->iss : ev->irs;
    if (s->flags & WEIR_TH_SYN)
        seq_base = ack_base = 0;
    char flags[9], src[24], dst[24];
    format_flags(s->flags, flags);
    format_endpoint(s->src_ip, s->src_port, src, sizeof(src));
    format_endpoint(s->dst_ip, s->dst_port, dst, sizeof(dst));
    fprintf(out, "%10.6f %-3s %s > %s [%s] seq %" PRIu32, t, in ? "in" : "out", src, dst, flags,
            s->seq - seq_base);
    if (s->flags & WEIR_TH_ACK)
        fprintf(out, " ack %" PRIu32, s->ack - ack_base);
    fprintf(out, " win %u len %" PRIu32, (unsigned)s->window, s->payload_len);
    if (s->flags & WEIR_TH_SYN)
        print_syn_options(out, s);
    for (unsigned i = 0; i < s->sack_count && i < 4; i++)
        fprintf(out, "%s%" PRIu32 "-%" PRIu32, i == 0 ? " sack " : ",", s->sack_left[i] - ack_base,
                s->sack_right[i] - ack_base);
    if (s->retransmission)
        fputs(" (retransmission)", out);
    fputc('\n', out);
}

void weir_net_trace_line(void *trace, const weir_trace_event *ev)
{
    const weir_net_trace *tr = trace;
    if (tr == NULL || tr->out == NULL || ev == NULL)
        return;
    double t = ev->now_us >= tr->start_us ? (double)(ev->now_us - tr->start_us) / 1e6 : 0.0;
    switch (ev->kind) {
    case WEIR_TRACE_SEGMENT_IN:
    case WEIR_TRACE_SEGMENT_OUT:
        print_segment(tr->out, t, ev);
        break;
    case WEIR_TRACE_STATE:
        fprintf(tr->out, "%10.6f state %s -> %s (%s)\n", t, weir_tcp_state_name(ev->old_state),
                weir_tcp_state_name(ev->new_state), ev->reason != NULL ? ev->reason : "");
        break;
    case WEIR_TRACE_TIMER:
        fprintf(tr->out, "%10.6f timer %s\n", t, weir_tcp_timer_name(ev->timer));
        break;
    case WEIR_TRACE_DROP:
        fprintf(tr->out, "%10.6f drop %s (%zu bytes)\n", t, ev->reason != NULL ? ev->reason : "?",
                ev->frame_len);
        break;
    case WEIR_TRACE_FRAME_IN:
    case WEIR_TRACE_FRAME_OUT:
        break; /* the segments say it better; --pcap keeps the frames */
    }
}
