/* cmd_get.c — `weir get URL [-o FILE] [-L] [--max-redirs N] [--timeout SEC]`: one HTTP/1.1 GET
 * over weir on a TUN device, the body to stdout or to FILE.
 *
 * One hop is: resolve the host (weir_dns_resolve at --dns, unless it is an IPv4 literal) ->
 * weir_httpc_start -> the head (on_head), the body (on_body, written as it arrives), progress
 * (on_progress) -> DONE or FAILED. A redirect ends the hop; with -L the Location is resolved
 * against the hop's URL (RFC 3986 §5.2) and the next hop starts, resolving its host again since
 * it may be another one. The client (tools/http/httpc.h) already refuses short bodies, malformed
 * responses and silence longer than --timeout, so "DONE with a 2xx" means the whole body.
 *
 * -o FILE writes to a temporary file in FILE's directory (so the rename cannot cross a file
 * system), synced and renamed over FILE only on success: a failed or interrupted download removes
 * the temporary file and never leaves a truncated FILE that looks complete.
 *
 * Writes to stdout or the file block the loop. That is safe: our receive window only reopens as
 * httpc reads, so while we wait the server is held back by flow control, and what is already in
 * flight (one window) waits in the device's queue.
 *
 * After the exchange we linger (at most LINGER_US) until our FIN has been acknowledged, so the
 * server sees a clean close instead of retransmitting its FIN into a device that is gone.
 *
 * Read first: tools/http/httpc.h, RFC 9110 §15.4 (redirects), RFC 9112 §6.3 (body length). */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../http/http.h"
#include "../http/httpc.h"
#include "net_commands.h"
#include "netopts.h"
#include "weir/dns.h"
#include "weir/err.h"

#define GET_DEFAULT_TIMEOUT_US (UINT64_C(60) * 1000000u)
#define GET_DEFAULT_MAX_REDIRS 10
#define GET_MAX_REDIRS_LIMIT 100
#define PROGRESS_PERIOD_US 100000u         /* redraw at most 10 times a second */
#define LINGER_US (UINT64_C(2) * 1000000u) /* wait this long at most for our FIN's ACK */
#define URL_TEXT_MAX (WEIR_HTTP_HOST_MAX + WEIR_HTTP_TARGET_MAX + 16)

/* The progress bar on stderr (only when it is a terminal, and not with -q). */
typedef struct progress {
    bool on;
    bool drawn;                   /* the line holds a bar: end it with a newline */
    uint64_t start_us;            /* when the body started */
    uint64_t last_us, last_bytes; /* at the last redraw */
    double rate;                  /* bytes per second, smoothed */
} progress;

typedef struct get_state {
    weir_netopts opts;
    weir_net net;
    const char *url_arg;
    const char *out_path; /* -o FILE; NULL: stdout */
    bool follow;          /* -L */
    int max_redirs;
    uint64_t timeout_us;
    weir_http_url url;           /* the current hop's URL */
    char url_text[URL_TEXT_MAX]; /* ... as text, for messages */
    int hops;                    /* redirects followed */
    int dns;                     /* lookup handle, -1 when none */
    weir_httpc client;
    bool client_on; /* `client` holds an exchange not yet looked at */
    char host_field[WEIR_HTTP_HOST_MAX + 8];
    int status_code;         /* the current hop's HTTP status */
    bool discard;            /* not a 2xx: the body is not the document */
    int out_fd;              /* stdout, or the temporary file */
    char tmp_path[PATH_MAX]; /* the temporary file; "" when writing to stdout */
    int write_errno;         /* a write to out_fd failed */
    uint64_t body_bytes, body_total;
    progress bar;
    uint64_t body_start_us;
    bool lingering;
    uint64_t linger_until;
    int status; /* exit status once decided, -1 before */
} get_state;

void weir_cli_get_usage(FILE *out)
{
    fprintf(out,
            "usage: weir get [options] URL\n\n"
            "One HTTP/1.1 GET from weir, on a TUN device: the body goes to stdout, or to FILE.\n"
            "URL is http://HOST[:PORT][/PATH]; HOST is an IPv4 address, or a name when --dns\n"
            "gives a name server (https is not supported). A progress bar is drawn on stderr\n"
            "when it is a terminal (not with -q).\n\n"
            "options:\n"
            "  -o, --output FILE  write the body to FILE: into a temporary file in the same\n"
            "                     directory, renamed to FILE only once the whole body arrived\n"
            "  -L, --location     follow redirects (301 302 303 307 308); each hop may be\n"
            "                     another host, resolved again\n"
            "  --max-redirs N     follow at most N redirects (default %d)\n"
            "  --timeout SEC      give up when nothing arrives for SEC seconds (default %d)\n"
            "  -h, --help         show this help\n",
            GET_DEFAULT_MAX_REDIRS, (int)(GET_DEFAULT_TIMEOUT_US / 1000000u));
    weir_netopts_usage(out);
    fprintf(out, "\nexit status: 0 a 2xx response with its whole body; 1 a network or protocol\n"
                 "             failure, a name that does not resolve, an HTTP status >= 400, or a\n"
                 "             redirect not followed; 2 bad arguments\n"
                 "examples: weir get http://198.18.0.1:8000/file.bin -o file.bin\n"
                 "          weir get -L --dns 198.18.0.1 http://files.example:8000/\n");
}

/* ---- messages and the end ------------------------------------------------------------------ */

/* Finish the progress line, so a message never lands in the middle of it. */
static void end_bar_line(get_state *g)
{
    if (g->bar.drawn)
        fputc('\n', stderr);
    g->bar.drawn = false;
}

static void say(get_state *g, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A -v line on stderr. */
static void say(get_state *g, const char *fmt, ...)
{
    if (g->opts.verbose == 0 || g->opts.quiet)
        return;
    end_bar_line(g);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", g->opts.tool);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void drop_temporary(get_state *g)
{
    if (g->tmp_path[0] == '\0')
        return;
    if (g->out_fd >= 0)
        close(g->out_fd);
    g->out_fd = -1;
    unlink(g->tmp_path);
    g->tmp_path[0] = '\0';
}

/* The outcome is decided: remember it and wait for the connection to close (see the header). */
static void finish(get_state *g, int status)
{
    if (g->status >= 0)
        return;
    g->status = status;
    if (status != WEIR_NET_EXIT_OK)
        drop_temporary(g);
    if (g->dns >= 0)
        weir_dns_close(g->net.stack, g->dns);
    g->dns = -1;
    g->lingering = true;
    g->linger_until = weir_loop_clock_us() + LINGER_US;
}

static void get_fail(get_state *g, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The one-line reason of exit status 1. */
static void get_fail(get_state *g, const char *fmt, ...)
{
    if (g->status >= 0)
        return;
    end_bar_line(g);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", g->opts.tool);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    finish(g, WEIR_NET_EXIT_FAIL);
}

/* ---- the progress bar ---------------------------------------------------------------------- */

static void format_size(double bytes, char *out, size_t cap)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (bytes >= 1000.0 && u < 4) {
        bytes /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%.0f B", bytes);
    else
        snprintf(out, cap, "%.*f %s", bytes < 10 ? 2 : bytes < 100 ? 1 : 0, bytes, units[u]);
}

static void format_duration(double secs, char *out, size_t cap)
{
    if (!(secs >= 0) || secs > 359999)
        snprintf(out, cap, "--:--");
    else if (secs >= 3600)
        snprintf(out, cap, "%d:%02d:%02d", (int)secs / 3600, (int)secs / 60 % 60, (int)secs % 60);
    else
        snprintf(out, cap, "%d:%02d", (int)secs / 60, (int)secs % 60);
}

static int terminal_columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

/* "[#####.....]" of `width` characters (brackets included) into out. */
static void format_bar(uint64_t bytes, uint64_t total, int width, char *out, size_t cap)
{
    int inner = width - 2;
    if (inner < 1 || (size_t)width + 1 > cap) {
        out[0] = '\0';
        return;
    }
    int full = total > 0 ? (int)((double)bytes / (double)total * inner) : 0;
    full = full > inner ? inner : full;
    out[0] = '[';
    for (int i = 0; i < inner; i++)
        out[1 + i] = i < full ? '#' : '.';
    out[inner + 1] = ']';
    out[inner + 2] = '\0';
}

/* bytes, total and percent when known, rate, ETA; one write, then "erase to end of line". */
static void draw_bar(get_state *g, uint64_t now)
{
    progress *p = &g->bar;
    char have[24], total[24], rate[24], eta[24], line[320], bar[64];
    double secs = (double)(now - p->start_us) / 1e6;
    format_size((double)g->body_bytes, have, sizeof have);
    format_size(p->rate, rate, sizeof rate);
    bool known = g->body_total != UINT64_MAX;
    int n;
    if (known) {
        format_size((double)g->body_total, total, sizeof total);
        uint64_t left = g->body_total > g->body_bytes ? g->body_total - g->body_bytes : 0;
        format_duration(p->rate > 0 ? (double)left / p->rate : -1, eta, sizeof eta);
        int pct = g->body_total > 0 ? (int)(g->body_bytes * 100 / g->body_total) : 100;
        n = snprintf(line, sizeof line, "%9s / %-9s %3d%% %10s/s  ETA %s", have, total, pct, rate,
                     eta);
        int room = terminal_columns() - 1 - n - 2;
        format_bar(g->body_bytes, g->body_total, room > 42 ? 42 : room, bar, sizeof bar);
        fprintf(stderr, "\r%s%s%s\033[K", bar, bar[0] != '\0' ? " " : "", line);
    } else {
        format_duration(secs, eta, sizeof eta);
        fprintf(stderr, "\r%9s %10s/s  %s\033[K", have, rate, eta);
    }
    p->drawn = true;
}

static void progress_update(get_state *g, bool force)
{
    progress *p = &g->bar;
    if (!p->on || g->discard)
        return;
    uint64_t now = weir_loop_clock_us();
    if (!force && p->drawn && now - p->last_us < PROGRESS_PERIOD_US)
        return;
    if (now > p->last_us) {
        /* The rate over the last period, smoothed so that the ETA does not jump about. */
        double inst = (double)(g->body_bytes - p->last_bytes) * 1e6 / (double)(now - p->last_us);
        p->rate = p->rate == 0 ? inst : 0.7 * p->rate + 0.3 * inst;
    }
    if (force) /* the final line shows the average over the whole body */
        p->rate = now > p->start_us ? (double)g->body_bytes * 1e6 / (double)(now - p->start_us) : 0;
    p->last_us = now;
    p->last_bytes = g->body_bytes;
    draw_bar(g, now);
}

/* ---- the output ---------------------------------------------------------------------------- */

/* Write all of it; a non-blocking stdout (shared with the shell) is waited for. */
static bool write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            poll(&pfd, 1, 1000);
        } else {
            if (n == 0)
                errno = EIO;
            return false;
        }
    }
    return true;
}

/* A temporary file next to FILE: ".FILE.weir-XXXXXX", with the permissions FILE would get. */
static bool open_output(get_state *g)
{
    if (g->out_path == NULL) {
        g->out_fd = STDOUT_FILENO;
        return true;
    }
    struct stat st;
    if (stat(g->out_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: %s: is a directory\n", g->opts.tool, g->out_path);
        return false;
    }
    const char *slash = strrchr(g->out_path, '/');
    int dir_len = slash != NULL ? (int)(slash - g->out_path) + 1 : 0;
    const char *base = slash != NULL ? slash + 1 : g->out_path;
    int n = snprintf(g->tmp_path, sizeof g->tmp_path, "%.*s.%s.weir-XXXXXX", dir_len, g->out_path,
                     base);
    if (n < 0 || (size_t)n >= sizeof g->tmp_path) {
        fprintf(stderr, "%s: %s: name too long\n", g->opts.tool, g->out_path);
        g->tmp_path[0] = '\0';
        return false;
    }
    g->out_fd = mkostemp(g->tmp_path, O_CLOEXEC);
    if (g->out_fd < 0) {
        fprintf(stderr, "%s: %s: cannot create a file there: %s\n", g->opts.tool, g->out_path,
                strerror(errno));
        g->tmp_path[0] = '\0';
        return false;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(g->out_fd, 0666 & ~mask); /* mkstemp's 0600 is not what a new FILE would get */
    return true;
}

/* The whole body is in: make it FILE. Synced first, so that after a crash FILE is either the
 * old one or the complete new one. */
static bool commit_output(get_state *g)
{
    if (g->tmp_path[0] == '\0')
        return true;
    const char *step = "write";
    bool ok = fsync(g->out_fd) == 0;
    if (close(g->out_fd) != 0 && ok) {
        ok = false;
        step = "close";
    }
    g->out_fd = -1;
    if (ok && rename(g->tmp_path, g->out_path) != 0) {
        ok = false;
        step = "rename";
    }
    if (!ok) {
        int e = errno;
        unlink(g->tmp_path);
        g->tmp_path[0] = '\0';
        get_fail(g, "%s: %s failed: %s", g->out_path, step, strerror(e));
        return false;
    }
    g->tmp_path[0] = '\0';
    return true;
}

/* ---- the client's callbacks ---------------------------------------------------------------- */

static int on_head(void *ctx, const weir_http_response *resp)
{
    get_state *g = ctx;
    g->status_code = resp->status;
    /* An error page is not the document: it is read (so the connection ends politely) and
     * dropped, and only the status is reported. */
    g->discard = resp->status < 200 || resp->status > 299;
    g->body_total = resp->body == WEIR_HTTP_BODY_LENGTH ? resp->content_length : UINT64_MAX;
    g->body_start_us = weir_loop_clock_us();
    g->bar.start_us = g->bar.last_us = g->body_start_us;
    return 0;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    get_state *g = ctx;
    if (g->discard)
        return 0;
    if (!write_all(g->out_fd, data, len)) {
        g->write_errno = errno;
        return -1; /* httpc fails the exchange: "the body could not be written" */
    }
    return 0;
}

static void on_progress(void *ctx, uint64_t bytes, uint64_t total)
{
    get_state *g = ctx;
    g->body_bytes = bytes;
    g->body_total = total;
    progress_update(g, false);
}

/* ---- one hop ------------------------------------------------------------------------------- */

static void update_url_text(get_state *g)
{
    char host[WEIR_HTTP_HOST_MAX + 8];
    weir_http_url_host_header(&g->url, host, sizeof host);
    snprintf(g->url_text, sizeof g->url_text, "http://%s%s", host, g->url.target);
}

static void start_request(get_state *g, uint32_t ip)
{
    weir_http_url_host_header(&g->url, g->host_field, sizeof g->host_field);
    g->status_code = 0;
    g->discard = false;
    g->body_bytes = 0;
    g->body_total = UINT64_MAX;
    weir_httpc_config cfg = {
        .server = {ip, g->url.port},
        .host = g->host_field,
        .target = g->url.target,
        .timeout_us = g->timeout_us,
        .on_head = on_head,
        .on_body = on_body,
        .on_progress = on_progress,
        .ctx = g,
    };
    char addr[16];
    weir_net_format_ipv4(ip, addr);
    say(g, "GET %s from %s:%u", g->url.target, addr, (unsigned)g->url.port);
    if (weir_httpc_start(&g->client, g->net.stack, &cfg) < 0) {
        get_fail(g, "%s: %s", g->url_text, g->client.message);
        return;
    }
    g->client_on = true;
}

static void start_hop(get_state *g)
{
    update_url_text(g);
    if (g->url.host_is_ipv4) {
        start_request(g, g->url.ipv4);
        return;
    }
    if (g->opts.dns == 0) { /* only after a redirect: the first URL was checked by parse_args */
        get_fail(g, "%s: '%s' is a name: give --dns ADDR to resolve names", g->url_text,
                 g->url.host);
        return;
    }
    char server[16];
    weir_net_format_ipv4(g->opts.dns, server);
    say(g, "resolving %s at %s", g->url.host, server);
    g->dns = weir_dns_resolve(g->net.stack, g->url.host, g->opts.dns);
    if (g->dns < 0) {
        int err = g->dns;
        g->dns = -1;
        get_fail(g, "cannot resolve '%s': %s", g->url.host, weir_strerror(err));
    }
}

static const char *dns_reason(int err, const weir_dns_answer *a)
{
    if (err == WEIR_ENOENT)
        return a->detail != NULL && strcmp(a->detail, "nxdomain") == 0 ? "no such name"
                                                                       : "the name has no address";
    if (err == WEIR_ETIMEDOUT)
        return "the name server did not answer";
    return weir_strerror(err);
}

static void take_answer(get_state *g)
{
    weir_dns_answer a;
    memset(&a, 0, sizeof a);
    int rc = weir_dns_get_answer(g->net.stack, g->dns, &a);
    if (rc == WEIR_EAGAIN)
        return;
    weir_dns_close(g->net.stack, g->dns);
    g->dns = -1;
    if (rc < 0) {
        char server[16];
        weir_net_format_ipv4(g->opts.dns, server);
        get_fail(g, "cannot resolve '%s': %s (%s, from --dns %s)", g->url.host, dns_reason(rc, &a),
                 a.detail != NULL ? a.detail : "?", server);
        return;
    }
    char addr[16];
    weir_net_format_ipv4(a.addrs[0], addr);
    bool alias = strcmp(a.canonical, g->url.host) != 0; /* a CNAME led elsewhere */
    say(g, "%s is %s%s%s", g->url.host, addr, alias ? ", alias of " : "", alias ? a.canonical : "");
    start_request(g, a.addrs[0]);
}

static void follow_redirect(get_state *g)
{
    const weir_http_response *r = &g->client.parser.resp;
    if (!g->follow) {
        get_fail(g, "%d %s: redirected to %s (-L follows redirects)", r->status, r->reason,
                 r->location);
        return;
    }
    if (g->hops >= g->max_redirs) {
        get_fail(g, "%s: too many redirects (%d; --max-redirs raises the limit)", g->url_text,
                 g->hops);
        return;
    }
    char err[160];
    if (weir_http_url_resolve(&g->url, r->location, &g->url, err, sizeof err) < 0) {
        get_fail(g, "%s: redirect to '%s': %s", g->url_text, r->location, err);
        return;
    }
    g->hops++;
    update_url_text(g);
    say(g, "redirected to %s", g->url_text);
    start_hop(g);
}

static void report_summary(get_state *g)
{
    double secs = (double)(weir_loop_clock_us() - g->body_start_us) / 1e6;
    double mbs = secs > 0 ? (double)g->body_bytes / secs / 1e6 : 0;
    say(g, "%d %s: %" PRIu64 " bytes in %.3f s (%.1f MB/s)", g->status_code,
        g->client.parser.resp.reason, g->body_bytes, secs, mbs);
}

/* The exchange has ended: a failure, a redirect, an error status or the document. */
static void exchange_ended(get_state *g)
{
    weir_httpc *c = &g->client;
    g->client_on = false;
    if (c->phase == WEIR_HTTPC_FAILED) {
        if (g->write_errno != 0)
            get_fail(g, "%s: %s", g->out_path != NULL ? g->out_path : "stdout",
                     strerror(g->write_errno));
        else
            get_fail(g, "%s: %s", g->url_text, c->message);
        return;
    }
    if (c->redirect) {
        follow_redirect(g);
        return;
    }
    if (g->discard) {
        get_fail(g, "%d %s", c->parser.resp.status, c->parser.resp.reason);
        return;
    }
    if (g->bar.on) {
        progress_update(g, true);
        end_bar_line(g);
    }
    if (commit_output(g)) {
        report_summary(g);
        finish(g, WEIR_NET_EXIT_OK);
    }
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* Our side of every connection is done: nothing but TIME-WAIT (or nothing) is left. */
static bool connections_settled(weir_stack *s)
{
    weir_tcp_conn_summary conns[8];
    int n = weir_tcp_list(s, conns, 8);
    if (n > 8)
        return false;
    for (int i = 0; i < n; i++)
        if (conns[i].state != WEIR_TCP_TIME_WAIT && conns[i].state != WEIR_TCP_CLOSED)
            return false;
    return true;
}

static void get_after(void *ctx, weir_loop *loop, uint64_t now)
{
    get_state *g = ctx;
    weir_event ev;
    while (weir_stack_next_event(g->net.stack, &ev)) {
        if (g->dns >= 0 && ev.sock == g->dns)
            take_answer(g);
        else if (g->client_on)
            weir_httpc_handle_event(&g->client, &ev);
    }
    if (g->client_on) {
        weir_httpc_poll(&g->client);
        if (weir_httpc_finished(&g->client))
            exchange_ended(g);
        else if (weir_httpc_next_deadline(&g->client) <= weir_stack_now(g->net.stack))
            weir_loop_wake(loop); /* it stopped reading after a bounded turn: more is waiting */
    }
    if (g->lingering && (now >= g->linger_until || connections_settled(g->net.stack)))
        weir_loop_stop(loop);
}

/* ---- arguments ----------------------------------------------------------------------------- */

static bool parse_seconds(const char *s, uint64_t *out_us)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0 && v <= 86400))
        return false;
    *out_us = (uint64_t)(v * 1e6 + 0.5);
    return true;
}

/* One of get's own options at argv[*i]: 1 taken, 0 not ours, or an exit status (+2: usage). */
static int parse_own_option(get_state *g, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = NULL;
    weir_netopts *o = &g->opts;
    if (strcmp(a, "-L") == 0 || strcmp(a, "--location") == 0) {
        g->follow = true;
        return 1;
    }
    weir_netopt_result r;
    if ((r = weir_net_opt_value(o, argc, argv, i, "-o", &v)) != WEIR_NETOPT_NO_MATCH ||
        (r = weir_net_opt_value(o, argc, argv, i, "--output", &v)) != WEIR_NETOPT_NO_MATCH) {
        if (r == WEIR_NETOPT_BAD)
            return -WEIR_NET_EXIT_USAGE;
        if (v[0] == '\0')
            return -weir_netopts_usage_error(o, "-o needs a file name");
        g->out_path = strcmp(v, "-") == 0 ? NULL : v;
        return 1;
    }
    if ((r = weir_net_opt_value(o, argc, argv, i, "--max-redirs", &v)) != WEIR_NETOPT_NO_MATCH) {
        if (r == WEIR_NETOPT_BAD)
            return -WEIR_NET_EXIT_USAGE;
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end == NULL || end == v || *end != '\0' || n < 0 || n > GET_MAX_REDIRS_LIMIT)
            return -weir_netopts_usage_error(o, "--max-redirs wants a number from 0 to %d",
                                             GET_MAX_REDIRS_LIMIT);
        g->max_redirs = (int)n;
        return 1;
    }
    if ((r = weir_net_opt_value(o, argc, argv, i, "--timeout", &v)) != WEIR_NETOPT_NO_MATCH) {
        if (r == WEIR_NETOPT_BAD || !parse_seconds(v, &g->timeout_us))
            return -weir_netopts_usage_error(o, "--timeout wants seconds, more than 0 and at "
                                                "most 86400");
        return 1;
    }
    return 0;
}

/* Returns -1 to go on, or an exit status (help, a usage error). */
static int parse_args(get_state *g, int argc, char **argv)
{
    weir_netopts *o = &g->opts;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            weir_cli_get_usage(stdout);
            return WEIR_NET_EXIT_OK;
        }
        int own = parse_own_option(g, argc, argv, &i);
        if (own < 0)
            return -own;
        if (own > 0)
            continue;
        weir_netopt_result r = weir_netopts_parse(o, argc, argv, &i);
        if (r == WEIR_NETOPT_BAD)
            return WEIR_NET_EXIT_USAGE;
        if (r == WEIR_NETOPT_TAKEN)
            continue;
        if (a[0] == '-' && a[1] != '\0')
            return weir_netopts_usage_error(o, "unknown option '%s'", a);
        if (g->url_arg != NULL)
            return weir_netopts_usage_error(o, "one URL only ('%s' is extra)", a);
        g->url_arg = a;
    }
    if (g->url_arg == NULL)
        return weir_netopts_usage_error(o, "which URL?");
    char err[160];
    if (weir_http_url_parse(g->url_arg, &g->url, err, sizeof err) < 0)
        return weir_netopts_usage_error(o, "URL '%s': %s", g->url_arg, err);
    if (!weir_netopts_finish(o))
        return WEIR_NET_EXIT_USAGE;
    if (!g->url.host_is_ipv4 && o->dns == 0)
        return weir_netopts_usage_error(o,
                                        "'%s' is a name: give --dns ADDR (a name server) to "
                                        "resolve it, or use an IPv4 address",
                                        g->url.host);
    return -1;
}

/* ---- main ---------------------------------------------------------------------------------- */

static int run(get_state *g)
{
    start_hop(g);
    weir_loop_result r = weir_loop_run(g->net.loop);
    switch (r) {
    case WEIR_LOOP_STOPPED:
    case WEIR_LOOP_TIME_LIMIT: /* no limit is set: --timeout is the client's */
        return g->status >= 0 ? g->status : WEIR_NET_EXIT_FAIL;
    case WEIR_LOOP_INTERRUPTED:
        end_bar_line(g);
        return g->status >= 0 ? g->status : 128 + weir_net_signal();
    case WEIR_LOOP_FAILED:
        break;
    }
    end_bar_line(g);
    fprintf(stderr, "%s: %s\n", g->opts.tool, weir_loop_error(g->net.loop));
    return WEIR_NET_EXIT_FAIL;
}

int weir_cli_get_main(int argc, char **argv)
{
    get_state *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        fprintf(stderr, "weir get: out of memory\n");
        return WEIR_NET_EXIT_FAIL;
    }
    weir_netopts_init(&g->opts, "weir get");
    g->max_redirs = GET_DEFAULT_MAX_REDIRS;
    g->timeout_us = GET_DEFAULT_TIMEOUT_US;
    g->dns = g->out_fd = -1;
    g->status = -1;
    int status = parse_args(g, argc, argv);
    if (status >= 0) {
        free(g);
        return status;
    }
    /* Not when the body itself goes to the terminal: the bar would be drawn over it. */
    g->bar.on =
        !g->opts.quiet && isatty(STDERR_FILENO) && (g->out_path != NULL || !isatty(STDOUT_FILENO));
    signal(SIGPIPE, SIG_IGN); /* a reader that went away is a write error to report */
    weir_net_hooks hooks = {.after = get_after, .ctx = g};
    status = weir_net_setup(&g->net, &g->opts, &hooks);
    if (status == WEIR_NET_EXIT_OK) { /* after the setup: its signal handlers cover the file */
        status = open_output(g) ? run(g) : WEIR_NET_EXIT_FAIL;
        if (g->client_on)
            weir_httpc_close(&g->client);
        if (g->dns >= 0)
            weir_dns_close(g->net.stack, g->dns);
    }
    if (status != WEIR_NET_EXIT_OK)
        drop_temporary(g);
    weir_net_teardown(&g->net);
    free(g);
    return status;
}
