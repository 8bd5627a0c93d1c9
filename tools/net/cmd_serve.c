/* cmd_serve.c — `weir serve [--port N] [--dir DIR] [--count N]`: the static-file HTTP/1.1 server
 * of tools/http/httpd.h on weir's own address, on a TUN device.
 *
 * The loop's `after` callback hands every stack event to the server, then lets it do its timed
 * work (idle timeouts, work left over from a bounded turn). Each finished request is one line on
 * stdout (weir_httpd_format_log), flushed at once so that a pipe or a file sees it as it happens.
 *
 * Stopping. Ctrl-C or SIGTERM: weir_httpd_stop() closes idle connections with a FIN and resets
 * those in the middle of a response (the closes go out at once), then we exit 0. --count N:
 * after the N-th log line the server stops the same way, but the last responses may still sit in
 * the send buffers — so we keep the stack running (at most DRAIN_US) until every connection has
 * delivered its bytes and closed, and only then exit 0. */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../http/http.h"
#include "../http/httpd.h"
#include "net_commands.h"
#include "netopts.h"
#include "weir/err.h"

#define SERVE_DEFAULT_PORT 80
#define DRAIN_US (UINT64_C(10) * 1000000u) /* --count: time left for the last bytes and FINs */
#define SERVE_MAX_COUNT UINT64_C(1000000000)

typedef struct serve_state {
    weir_netopts opts;
    weir_net net;
    uint16_t port;
    const char *dir;
    uint64_t count; /* stop after this many requests; 0: until a signal */
    weir_httpd httpd;
    bool serving;
    uint64_t answered; /* log lines: finished, refused or cut-short requests */
    bool draining;
    uint64_t drain_until;
} serve_state;

void weir_cli_serve_usage(FILE *out)
{
    fprintf(out,
            "usage: weir serve [options]\n\n"
            "Serve the files under a directory over HTTP/1.1 (GET and HEAD, keep-alive) from\n"
            "weir's own address, on a TUN device, until Ctrl-C or SIGTERM. Each request is one\n"
            "line on stdout: CLIENT \"METHOD TARGET VERSION\" STATUS BODY-BYTES (NOTE).\n\n"
            "options:\n"
            "  --port N          listen on port N (default %d)\n"
            "  --dir DIR         the directory served (default: the current one); symbolic\n"
            "                    links that lead out of it are refused\n"
            "  --count N         stop after N requests have been answered, once their bytes\n"
            "                    are delivered (for scripts and tests)\n"
            "  -h, --help        show this help\n",
            SERVE_DEFAULT_PORT);
    weir_netopts_usage(out);
    fprintf(out, "\nWith -q the request log is not printed.\n"
                 "exit status: 0 stopped by Ctrl-C, SIGTERM or --count; 1 the server could not\n"
                 "             start (no directory, no device) or the device failed; 2 bad\n"
                 "             arguments\n"
                 "example: weir serve --dir /srv/files --port 8080\n"
                 "         (from the host: curl http://198.18.0.2:8080/file)\n");
}

/* ---- the server ---------------------------------------------------------------------------- */

/* httpd calls this from inside its event handling: count and print, nothing that touches it. */
static void log_line(void *ctx, const weir_httpd_log_entry *e)
{
    serve_state *s = ctx;
    s->answered++;
    if (s->opts.quiet)
        return;
    char line[WEIR_HTTP_TARGET_MAX + 256];
    weir_httpd_format_log(e, line, sizeof line);
    fprintf(stdout, "%s\n", line);
    fflush(stdout);
}

static void stop_serving(serve_state *s)
{
    if (!s->serving)
        return;
    weir_httpd_stop(&s->httpd);
    s->serving = false;
}

/* Every connection has sent all it had and closed: nothing but TIME-WAIT (or nothing) is left. */
static bool connections_settled(weir_stack *st)
{
    weir_tcp_conn_summary conns[16];
    int n = weir_tcp_list(st, conns, 16);
    if (n > 16)
        return false;
    for (int i = 0; i < n; i++)
        if (conns[i].state != WEIR_TCP_TIME_WAIT && conns[i].state != WEIR_TCP_CLOSED)
            return false;
    return true;
}

static void serve_after(void *ctx, weir_loop *loop, uint64_t now)
{
    serve_state *s = ctx;
    weir_event ev;
    while (weir_stack_next_event(s->net.stack, &ev))
        if (s->serving)
            weir_httpd_handle_event(&s->httpd, &ev); /* after the stop: closed handles only */
    if (s->serving)
        weir_httpd_poll(&s->httpd);
    if (s->serving && s->count != 0 && s->answered >= s->count) {
        stop_serving(s);
        s->draining = true;
        s->drain_until = now + DRAIN_US;
    }
    if (s->draining && (now >= s->drain_until || connections_settled(s->net.stack)))
        weir_loop_stop(loop);
    if (s->serving && weir_httpd_next_deadline(&s->httpd) <= weir_stack_now(s->net.stack))
        weir_loop_wake(loop); /* a connection stopped after a bounded turn: more is waiting */
}

static int start_server(serve_state *s)
{
    weir_httpd_config cfg;
    weir_httpd_config_init(&cfg);
    cfg.port = s->port;
    cfg.root = s->dir;
    cfg.log = log_line;
    cfg.log_ctx = s;
    int rc = weir_httpd_start(&s->httpd, s->net.stack, &cfg);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot serve %s on port %u: %s\n", s->opts.tool, s->dir,
                (unsigned)s->port,
                rc == WEIR_ENOENT ? "not a readable directory" : weir_strerror(rc));
        return WEIR_NET_EXIT_FAIL;
    }
    s->serving = true;
    if (!s->opts.quiet) {
        char ip[16], port[8] = "";
        weir_net_format_ipv4(s->opts.ip, ip);
        if (s->port != 80)
            snprintf(port, sizeof port, ":%u", (unsigned)s->port);
        fprintf(stderr, "%s: serving %s at http://%s%s/ (Ctrl-C stops)\n", s->opts.tool,
                s->httpd.root, ip, port);
    }
    return WEIR_NET_EXIT_OK;
}

/* ---- arguments ----------------------------------------------------------------------------- */

static bool parse_count(const char *v, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n < 1 || n > SERVE_MAX_COUNT)
        return false;
    *out = n;
    return true;
}

/* One of serve's own options at argv[*i]: 1 taken, 0 not ours, or minus an exit status. */
static int parse_own_option(serve_state *s, int argc, char **argv, int *i)
{
    weir_netopts *o = &s->opts;
    const char *v = NULL;
    weir_netopt_result r;
    if ((r = weir_net_opt_value(o, argc, argv, i, "--port", &v)) != WEIR_NETOPT_NO_MATCH) {
        if (r == WEIR_NETOPT_BAD || !weir_net_parse_port(v, &s->port))
            return -weir_netopts_usage_error(o, "--port wants a number from 1 to 65535");
        return 1;
    }
    if ((r = weir_net_opt_value(o, argc, argv, i, "--dir", &v)) != WEIR_NETOPT_NO_MATCH) {
        if (r == WEIR_NETOPT_BAD || v[0] == '\0')
            return -weir_netopts_usage_error(o, "--dir wants a directory");
        s->dir = v;
        return 1;
    }
    if ((r = weir_net_opt_value(o, argc, argv, i, "--count", &v)) != WEIR_NETOPT_NO_MATCH) {
        if (r == WEIR_NETOPT_BAD || !parse_count(v, &s->count))
            return -weir_netopts_usage_error(o, "--count wants a number from 1 to %" PRIu64,
                                             SERVE_MAX_COUNT);
        return 1;
    }
    return 0;
}

/* Returns -1 to go on, or an exit status (help, a usage error). */
static int parse_args(serve_state *s, int argc, char **argv)
{
    weir_netopts *o = &s->opts;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            weir_cli_serve_usage(stdout);
            return WEIR_NET_EXIT_OK;
        }
        int own = parse_own_option(s, argc, argv, &i);
        if (own < 0)
            return -own;
        if (own > 0)
            continue;
        weir_netopt_result r = weir_netopts_parse(o, argc, argv, &i);
        if (r == WEIR_NETOPT_BAD)
            return WEIR_NET_EXIT_USAGE;
        if (r == WEIR_NETOPT_NO_MATCH)
            return weir_netopts_usage_error(
                o, a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
    }
    return weir_netopts_finish(o) ? -1 : WEIR_NET_EXIT_USAGE;
}

/* Checked before the device is made, so that a typo costs no setup. */
static bool directory_usable(const serve_state *s)
{
    struct stat st;
    if (stat(s->dir, &st) != 0) {
        fprintf(stderr, "%s: --dir %s: %s\n", s->opts.tool, s->dir, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: --dir %s: not a directory\n", s->opts.tool, s->dir);
        return false;
    }
    return true;
}

/* ---- main ---------------------------------------------------------------------------------- */

static int run(serve_state *s)
{
    weir_loop_result r = weir_loop_run(s->net.loop);
    int status = WEIR_NET_EXIT_OK;
    if (r == WEIR_LOOP_FAILED) {
        fprintf(stderr, "%s: %s\n", s->opts.tool, weir_loop_error(s->net.loop));
        status = WEIR_NET_EXIT_FAIL;
    } else if (r == WEIR_LOOP_INTERRUPTED && s->opts.verbose > 0 && !s->opts.quiet) {
        fprintf(stderr, "%s: stopping on %s\n", s->opts.tool,
                weir_net_signal() == SIGINT ? "SIGINT" : "SIGTERM");
    }
    stop_serving(s); /* a signal or a device failure: the closes go out now */
    if (s->opts.verbose > 0 && !s->opts.quiet)
        fprintf(stderr, "%s: %" PRIu64 " requests answered\n", s->opts.tool, s->answered);
    return status;
}

int weir_cli_serve_main(int argc, char **argv)
{
    serve_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        fprintf(stderr, "weir serve: out of memory\n");
        return WEIR_NET_EXIT_FAIL;
    }
    weir_netopts_init(&s->opts, "weir serve");
    s->port = SERVE_DEFAULT_PORT;
    s->dir = ".";
    int status = parse_args(s, argc, argv);
    if (status < 0)
        status = directory_usable(s) ? -1 : WEIR_NET_EXIT_FAIL;
    if (status >= 0) { /* help, a usage error or no directory: no device was made */
        free(s);
        return status;
    }
    signal(SIGPIPE, SIG_IGN); /* a log reader that went away must not kill the server */
    weir_net_hooks hooks = {.after = serve_after, .ctx = s};
    status = weir_net_setup(&s->net, &s->opts, &hooks);
    if (status == WEIR_NET_EXIT_OK)
        status = start_server(s);
    if (status == WEIR_NET_EXIT_OK)
        status = run(s);
    stop_serving(s);
    weir_net_teardown(&s->net);
    free(s);
    return status;
}
