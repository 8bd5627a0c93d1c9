/* cmd_ping.c — `weir ping HOST [-c N] [-i SEC] [-W SEC] [-s BYTES]`: ICMP echo over weir (RFC 792),
 * printed the way ping(8) prints it, with RTT statistics at the end.
 *
 * The requests go out of a ping socket (weir/ping.h): each carries the time it was sent in its
 * first 8 bytes, so a reply tells its own round-trip time, whatever order replies come in. A
 * timerfd paces the requests (the event loop sleeps until the stack's next deadline, which knows
 * nothing of our interval). HOST may be a name when --dns gives a server. Exit status: 0 when at
 * least one reply came, 1 when none did (or the name did not resolve), 2 for bad arguments. */
#define _GNU_SOURCE

#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "net_commands.h"
#include "netopts.h"
#include "weir/dns.h"
#include "weir/err.h"
#include "weir/ping.h"

#define PING_MAX_DATA 1472u /* fits a 1500-byte MTU: 1500 - 20 - 8 */

typedef struct ping_state {
    weir_netopts opts;
    weir_net net;
    const char *host;
    uint32_t dst;
    int count;            /* 0 = until interrupted */
    uint64_t interval_us; /* between requests */
    uint64_t wait_us;     /* for replies after the last request */
    size_t data_len;      /* bytes of echo data (>= 8: the timestamp) */
    int dns;              /* lookup handle while resolving, else -1 */
    int sock;             /* the ping socket */
    int timer_fd, timer_id;
    int sent, received, errors;
    double min_ms, max_ms, sum_ms, sum_sq_ms;
    uint64_t start_us, last_sent_us;
    bool done;
    int status;
} ping_state;

void weir_cli_ping_usage(FILE *out)
{
    fprintf(out,
            "usage: weir ping [options] HOST\n\n"
            "Send ICMP echo requests to HOST from weir, on a TUN device, and print each reply with\n"
            "its round-trip time, then the statistics. HOST is an IPv4 address, or a name when\n"
            "--dns gives a name server.\n\n"
            "options:\n"
            "  -c N            stop after N requests (default: until Ctrl-C)\n"
            "  -i SEC          seconds between requests (default 1, at least 0.01)\n"
            "  -W SEC          seconds to wait for replies after the last request (default 2)\n"
            "  -s BYTES        bytes of data in each request (default 56, 8..%u)\n",
            PING_MAX_DATA);
    weir_netopts_usage(out);
    fprintf(out, "\nexit status: 0 a reply came, 1 none did, 2 bad arguments\n"
                 "example: weir ping -c 3 198.18.0.1\n");
}

/* ---- arguments ---------------------------------------------------------------------------- */

static bool parse_seconds(const char *s, double lo, double hi, uint64_t *out_us)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= lo && v <= hi))
        return false;
    *out_us = (uint64_t)(v * 1e6 + 0.5);
    return true;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int parse_args(ping_state *p, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        weir_netopt_result r = weir_netopts_parse(&p->opts, argc, argv, &i);
        if (r == WEIR_NETOPT_BAD)
            return WEIR_NET_EXIT_USAGE;
        if (r == WEIR_NETOPT_TAKEN)
            continue;
        if ((r = weir_net_opt_value(&p->opts, argc, argv, &i, "-c", &v)) != WEIR_NETOPT_NO_MATCH) {
            long n;
            if (r == WEIR_NETOPT_BAD || !parse_long(v, 1, 1000000, &n))
                return weir_netopts_usage_error(&p->opts, "-c wants a count from 1 to 1000000");
            p->count = (int)n;
        } else if ((r = weir_net_opt_value(&p->opts, argc, argv, &i, "-i", &v)) !=
                   WEIR_NETOPT_NO_MATCH) {
            if (r == WEIR_NETOPT_BAD || !parse_seconds(v, 0.01, 3600, &p->interval_us))
                return weir_netopts_usage_error(&p->opts, "-i wants seconds from 0.01 to 3600");
        } else if ((r = weir_net_opt_value(&p->opts, argc, argv, &i, "-W", &v)) !=
                   WEIR_NETOPT_NO_MATCH) {
            if (r == WEIR_NETOPT_BAD || !parse_seconds(v, 0, 3600, &p->wait_us))
                return weir_netopts_usage_error(&p->opts, "-W wants seconds from 0 to 3600");
        } else if ((r = weir_net_opt_value(&p->opts, argc, argv, &i, "-s", &v)) !=
                   WEIR_NETOPT_NO_MATCH) {
            long n;
            if (r == WEIR_NETOPT_BAD || !parse_long(v, 8, PING_MAX_DATA, &n))
                return weir_netopts_usage_error(&p->opts, "-s wants 8 to %u bytes",
                                                PING_MAX_DATA);
            p->data_len = (size_t)n;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return weir_netopts_usage_error(&p->opts, "unknown option '%s'", argv[i]);
        } else if (p->host) {
            return weir_netopts_usage_error(&p->opts, "one HOST only ('%s' is extra)", argv[i]);
        } else {
            p->host = argv[i];
        }
    }
    if (!p->host)
        return weir_netopts_usage_error(&p->opts, "which HOST?");
    if (!weir_netopts_finish(&p->opts))
        return WEIR_NET_EXIT_USAGE;
    if (!weir_net_parse_ipv4(p->host, &p->dst) && p->opts.dns == 0)
        return weir_netopts_usage_error(&p->opts, "'%s' is not an IPv4 address (give --dns to "
                                                  "resolve names)", p->host);
    return WEIR_NET_EXIT_OK;
}

/* ---- the exchange -------------------------------------------------------------------------- */

static void finish(ping_state *p, int status)
{
    p->done = true;
    p->status = status;
    weir_loop_stop(p->net.loop);
}

static void arm_timer(ping_state *p, uint64_t first_us, uint64_t every_us)
{
    struct itimerspec its = {
        .it_value = {(time_t)(first_us / 1000000u), (long)(first_us % 1000000u) * 1000},
        .it_interval = {(time_t)(every_us / 1000000u), (long)(every_us % 1000000u) * 1000},
    };
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1; /* zero would disarm it */
    timerfd_settime(p->timer_fd, 0, &its, NULL);
}

static void send_request(ping_state *p, uint64_t now)
{
    uint8_t data[PING_MAX_DATA];
    for (size_t i = 8; i < p->data_len; i++)
        data[i] = (uint8_t)i; /* the pattern ping(8) uses */
    memcpy(data, &now, sizeof now);
    uint16_t seq = (uint16_t)(p->sent + 1);
    int rc = weir_ping_send(p->net.stack, p->sock, p->dst, seq, data, p->data_len);
    p->sent++;
    p->last_sent_us = now;
    if (rc < 0 && !p->opts.quiet)
        fprintf(stderr, "%s: icmp_seq=%u: %s\n", p->opts.tool, seq, weir_strerror(rc));
    if (p->count > 0 && p->sent >= p->count)
        arm_timer(p, p->wait_us, 0); /* the last one: now only wait */
}

static void on_timer(void *ctx, weir_loop *loop, int fd, short revents, uint64_t now)
{
    (void)loop;
    (void)revents;
    ping_state *p = ctx;
    uint64_t ticks;
    if (read(fd, &ticks, sizeof ticks) != (ssize_t)sizeof ticks || p->done || p->dns >= 0)
        return;
    if (p->count == 0 || p->sent < p->count)
        send_request(p, now);
    else
        finish(p, p->received > 0 ? WEIR_NET_EXIT_OK : WEIR_NET_EXIT_FAIL);
}

static void note_rtt(ping_state *p, double ms)
{
    if (p->received == 1 || ms < p->min_ms)
        p->min_ms = ms;
    if (ms > p->max_ms)
        p->max_ms = ms;
    p->sum_ms += ms;
    p->sum_sq_ms += ms * ms;
}

static void take_replies(ping_state *p, uint64_t now)
{
    for (;;) {
        weir_ping_reply r;
        uint8_t data[PING_MAX_DATA];
        int rc = weir_ping_recv(p->net.stack, p->sock, &r, data, sizeof data);
        if (rc == WEIR_EAGAIN)
            return;
        char from[16];
        if (rc < 0) {
            p->errors++;
            weir_net_format_ipv4(p->dst, from);
            if (!p->opts.quiet)
                printf("From %s: %s\n", from, weir_strerror(rc));
            continue;
        }
        uint64_t sent_at;
        if (r.len < sizeof sent_at)
            continue; /* not one of ours: too short to carry our timestamp */
        memcpy(&sent_at, data, sizeof sent_at);
        double ms = sent_at <= now ? (double)(now - sent_at) / 1000.0 : 0.0;
        p->received++;
        note_rtt(p, ms);
        weir_net_format_ipv4(r.from, from);
        if (!p->opts.quiet)
            printf("%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms\n", r.len + 8, from,
                   r.seq, r.ttl, ms);
    }
}

static void start_pinging(ping_state *p, uint64_t now)
{
    char to[16];
    weir_net_format_ipv4(p->dst, to);
    if (!p->opts.quiet)
        printf("PING %s (%s) %zu(%zu) bytes of data.\n", p->host, to, p->data_len,
               p->data_len + 28);
    fflush(stdout);
    p->start_us = now;
    arm_timer(p, 0, p->interval_us);
}

static void take_answer(ping_state *p, uint64_t now)
{
    weir_dns_answer a;
    int rc = weir_dns_get_answer(p->net.stack, p->dns, &a);
    if (rc == WEIR_EAGAIN)
        return;
    weir_dns_close(p->net.stack, p->dns);
    p->dns = -1;
    if (rc < 0) {
        fprintf(stderr, "%s: %s: %s (%s)\n", p->opts.tool, p->host, weir_strerror(rc),
                a.detail ? a.detail : "?");
        finish(p, WEIR_NET_EXIT_FAIL);
        return;
    }
    p->dst = a.addrs[0];
    start_pinging(p, now);
}

static void ping_after(void *ctx, weir_loop *loop, uint64_t now)
{
    (void)loop;
    ping_state *p = ctx;
    weir_event ev;
    while (weir_stack_next_event(p->net.stack, &ev)) {
        if (ev.sock == p->dns)
            take_answer(p, now);
        else if (ev.sock == p->sock)
            take_replies(p, now);
    }
    /* Every reply in: no need to wait out -W. */
    if (!p->done && p->count > 0 && p->sent >= p->count && p->received + p->errors >= p->count)
        finish(p, p->received > 0 ? WEIR_NET_EXIT_OK : WEIR_NET_EXIT_FAIL);
}

static void print_statistics(const ping_state *p, uint64_t now)
{
    char to[16];
    weir_net_format_ipv4(p->dst, to);
    int loss = p->sent ? (int)((p->sent - p->received) * 100 / p->sent) : 0;
    printf("\n--- %s ping statistics ---\n", p->host);
    printf("%d packets transmitted, %d received, %d%% packet loss, time %" PRIu64 "ms\n", p->sent,
           p->received, loss, p->start_us ? (now - p->start_us) / 1000u : 0);
    if (p->received > 0) {
        double avg = p->sum_ms / p->received;
        double var = p->sum_sq_ms / p->received - avg * avg;
        printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->min_ms, avg, p->max_ms,
               var > 0 ? sqrt(var) : 0.0);
    }
}

int weir_cli_ping_main(int argc, char **argv)
{
    ping_state *p = calloc(1, sizeof *p);
    if (!p) {
        fprintf(stderr, "weir ping: out of memory\n");
        return WEIR_NET_EXIT_FAIL;
    }
    weir_netopts_init(&p->opts, "weir ping");
    p->interval_us = 1000000;
    p->wait_us = 2000000;
    p->data_len = 56;
    p->dns = p->sock = p->timer_fd = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            weir_cli_ping_usage(stdout);
            free(p);
            return WEIR_NET_EXIT_OK;
        }
    }
    int status = parse_args(p, argc, argv);
    if (status != WEIR_NET_EXIT_OK) {
        free(p);
        return status;
    }
    weir_net_hooks hooks = {.after = ping_after, .ctx = p};
    status = weir_net_setup(&p->net, &p->opts, &hooks);
    if (status != WEIR_NET_EXIT_OK) {
        free(p);
        return status;
    }
    p->sock = weir_ping_socket(p->net.stack);
    p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->sock < 0 || p->timer_fd < 0) {
        fprintf(stderr, "%s: cannot set up: %s\n", p->opts.tool,
                p->sock < 0 ? weir_strerror(p->sock) : "timerfd");
        status = WEIR_NET_EXIT_FAIL;
    } else {
        p->timer_id = weir_loop_add_fd(p->net.loop, p->timer_fd, POLLIN, on_timer, p);
        uint64_t now = weir_loop_clock_us();
        if (p->dst == 0) { /* a name: parse_args took any literal address */
            p->dns = weir_dns_resolve(p->net.stack, p->host, p->opts.dns);
            if (p->dns < 0) {
                fprintf(stderr, "%s: %s: %s\n", p->opts.tool, p->host, weir_strerror(p->dns));
                p->done = true;
                p->status = WEIR_NET_EXIT_FAIL;
            }
        } else {
            start_pinging(p, now);
        }
        if (!p->done) {
            weir_loop_result r = weir_loop_run(p->net.loop);
            if (r == WEIR_LOOP_FAILED) {
                fprintf(stderr, "%s: %s\n", p->opts.tool, weir_loop_error(p->net.loop));
                p->status = WEIR_NET_EXIT_FAIL;
            } else if (r == WEIR_LOOP_INTERRUPTED) {
                p->status = p->received > 0 ? WEIR_NET_EXIT_OK : WEIR_NET_EXIT_FAIL;
            }
        }
        if (p->sent > 0 || p->dst != 0)
            print_statistics(p, weir_loop_clock_us());
        status = p->status;
    }
    if (p->timer_fd >= 0)
        close(p->timer_fd);
    weir_net_teardown(&p->net);
    free(p);
    return status;
}
