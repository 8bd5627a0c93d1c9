/* cmd_nc.c — `weir nc [-l] [HOST] PORT`: netcat over weir on a TUN or TAP device.
 *
 * Connect mode opens a connection to HOST:PORT; listen mode (-l) accepts one connection on PORT
 * at weir's own address. Then both directions are copied at once, at full speed:
 *
 *     stdin ──read──▶ in_buf ──weir_tcp_send──▶ the connection
 *     the connection ──weir_tcp_recv──▶ out_buf ──write──▶ stdout
 *
 * Back-pressure is a full buffer: stdin is not polled while in_buf still holds bytes the stack's
 * send buffer had no room for, and the connection is not read while out_buf still holds bytes
 * stdout did not take — so the stack's receive buffer fills and its window closes the peer.
 * stdin and stdout are made non-blocking for the run (and restored after) so that neither can
 * stall the loop that also carries the other direction and the TCP timers.
 *
 * At EOF on stdin we half-close (weir_tcp_shutdown) and keep reading until the peer closes. We
 * exit 0 once the peer's FIN has been read, everything was written to stdout and our own FIN has
 * been acknowledged (the connection is in TIME-WAIT or CLOSED), so no byte is lost by exiting. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netopts.h"

#define NC_BUF (64u * 1024u)
#define NC_PUMP_ROUNDS 16 /* buffer exchanges per loop iteration before the network gets a turn */

typedef struct nc_state {
    weir_netopts opts;
    weir_net net;
    bool listen;
    weir_endpoint remote; /* connect mode: HOST PORT */
    uint16_t port;        /* listen mode */
    int listener, sock;
    bool copying;
    int stdin_id, stdout_id; /* the loop's ids for fds 0 and 1 */
    int stdin_flags, stdout_flags;
    uint8_t in_buf[NC_BUF];
    size_t in_off, in_len;
    bool in_eof, shut_sent;
    uint8_t out_buf[NC_BUF];
    size_t out_off, out_len;
    bool conn_eof;
    int status;
    uint64_t bytes_sent, bytes_received, start_us;
    char peer[24];
} nc_state;

void weir_cli_nc_usage(FILE *out)
{
    fprintf(out,
            "usage: weir nc [options] HOST PORT     connect to HOST:PORT\n"
            "       weir nc [options] -l [HOST] PORT   accept one connection on PORT\n\n"
            "netcat over weir: copies stdin to the connection and the connection to stdout, both\n"
            "at once, over a TUN (or TAP) device that weir creates or finds. At the end of stdin\n"
            "the sending side is closed (half-close) and reading goes on until the peer closes.\n"
            "HOST is an IPv4 address for now. In listen mode HOST, if given, must be weir's own\n"
            "address (--ip).\n\n"
            "options:\n"
            "  -l                listen for one connection instead of connecting\n"
            "  -h, --help        show this help\n\n");
    weir_netopts_usage(out);
    fprintf(out, "\nexit status: 0 both directions completed; 1 network failure (refused, reset,\n"
                 "             timed out, device error); 2 bad arguments; 130/143 stopped by\n"
                 "             SIGINT/SIGTERM\n"
                 "examples: weir nc 198.18.0.1 5000 < file\n"
                 "          weir nc -l 7000 > copy         (from the host: nc 198.18.0.2 7000)\n"
                 "          weir nc --loss 2 --pcap nc.pcap -v 198.18.0.1 5000\n");
}

/* ---- ending -------------------------------------------------------------------------------- */

static void nc_finish(nc_state *nc, int status) /* stop the loop with this exit status */
{
    nc->status = status;
    weir_loop_stop(nc->net.loop);
}

static void nc_fail(nc_state *nc, const char *what, const char *why)
{
    fprintf(stderr, "%s: %s: %s\n", nc->opts.tool, what, why);
    nc_finish(nc, WEIR_NET_EXIT_FAIL);
}

static void nc_conn_error(nc_state *nc, int err) { nc_fail(nc, nc->peer, weir_strerror(err)); }

/* ---- stdin and stdout ---------------------------------------------------------------------- */

/* Non-blocking for the run; the flags belong to a file description the shell shares, so they
 * are put back by restore_stdio(). -1: not a usable fd. */
static int make_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    return flags;
}

static void restore_stdio(const nc_state *nc)
{
    if (nc->stdin_flags >= 0)
        fcntl(STDIN_FILENO, F_SETFL, nc->stdin_flags);
    if (nc->stdout_flags >= 0)
        fcntl(STDOUT_FILENO, F_SETFL, nc->stdout_flags);
}

/* Which fds the loop should watch now: stdin while there is room to read into and a connection
 * to send to; stdout while it has refused bytes. */
static void update_interest(nc_state *nc)
{
    bool want_in = nc->copying && !nc->in_eof && nc->in_len == 0;
    if (nc->stdin_id >= 0)
        weir_loop_set_fd_events(nc->net.loop, nc->stdin_id, want_in ? POLLIN : 0);
    if (nc->stdout_id >= 0)
        weir_loop_set_fd_events(nc->net.loop, nc->stdout_id, nc->out_len > 0 ? POLLOUT : 0);
}

/* Write out_buf to stdout. True if some bytes went. */
static bool flush_stdout(nc_state *nc)
{
    bool progress = false;
    while (nc->out_len > 0 && nc->status < 0) {
        ssize_t n = write(STDOUT_FILENO, nc->out_buf + nc->out_off, nc->out_len);
        if (n > 0) {
            nc->out_off += (size_t)n;
            nc->out_len -= (size_t)n;
            progress = true;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break; /* stdout is full: wait for POLLOUT, leave the data in the stack */
        } else {
            nc_fail(nc, "stdout", n < 0 ? strerror(errno) : "wrote nothing");
        }
    }
    if (nc->out_len == 0)
        nc->out_off = 0;
    return progress;
}

/* Read one chunk of stdin into the (empty) in_buf. */
static void read_stdin(nc_state *nc)
{
    if (nc->in_len > 0 || nc->in_eof)
        return;
    ssize_t n = read(STDIN_FILENO, nc->in_buf, sizeof(nc->in_buf));
    if (n > 0) {
        nc->in_off = 0;
        nc->in_len = (size_t)n;
    } else if (n == 0) {
        nc->in_eof = true;
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        nc_fail(nc, "stdin", strerror(errno));
    }
}

/* ---- the connection ------------------------------------------------------------------------ */

/* Give in_buf to the stack. True if it took some bytes. */
static bool flush_to_conn(nc_state *nc)
{
    bool progress = false;
    while (nc->in_len > 0 && nc->status < 0) {
        int rc = weir_tcp_send(nc->net.stack, nc->sock, nc->in_buf + nc->in_off, nc->in_len);
        if (rc == WEIR_EAGAIN)
            break; /* send buffer full: WRITABLE comes with the peer's ACKs */
        if (rc < 0) {
            nc_conn_error(nc, rc);
            break;
        }
        nc->in_off += (size_t)rc;
        nc->in_len -= (size_t)rc;
        nc->bytes_sent += (uint64_t)rc;
        progress = true;
    }
    /* stdin is done and every byte is in the stack: a FIN follows them. */
    if (nc->in_eof && nc->in_len == 0 && !nc->shut_sent && nc->status < 0) {
        int rc = weir_tcp_shutdown(nc->net.stack, nc->sock);
        nc->shut_sent = true;
        if (rc < 0 && rc != WEIR_ENOTCONN)
            nc_conn_error(nc, rc);
    }
    return progress;
}

/* Take received bytes into the (empty) out_buf. True if something came (data or the end). */
static bool fill_from_conn(nc_state *nc)
{
    if (nc->out_len > 0 || nc->conn_eof || nc->status >= 0)
        return false;
    int rc = weir_tcp_recv(nc->net.stack, nc->sock, nc->out_buf, sizeof(nc->out_buf));
    if (rc == WEIR_EAGAIN)
        return false;
    if (rc < 0) {
        nc_conn_error(nc, rc);
        return false;
    }
    if (rc == 0) {
        nc->conn_eof = true;
    } else {
        nc->out_off = 0;
        nc->out_len = (size_t)rc;
        nc->bytes_received += (uint64_t)rc;
    }
    return true;
}

/* Move bytes both ways until nothing moves, a bounded number of times: if there is still work
 * after that, the loop is told not to sleep, so input frames (the ACKs) get their turn. */
static void pump(nc_state *nc)
{
    if (!nc->copying)
        return;
    int round = 0;
    bool progress = true;
    while (progress && round++ < NC_PUMP_ROUNDS && nc->status < 0) {
        progress = flush_stdout(nc);
        progress |= fill_from_conn(nc);
        progress |= flush_to_conn(nc);
    }
    if (progress)
        weir_loop_wake(nc->net.loop);
    update_interest(nc);
}

/* Both directions are done when the peer's FIN was read and written out and our FIN was
 * acknowledged: TIME-WAIT (we closed first) or CLOSED (the peer did). */
static bool both_directions_done(nc_state *nc)
{
    if (!nc->copying || !nc->conn_eof || nc->out_len > 0 || !nc->shut_sent)
        return false;
    weir_tcp_info info;
    if (weir_tcp_get_info(nc->net.stack, nc->sock, &info) < 0)
        return true;
    return info.state == WEIR_TCP_TIME_WAIT || info.state == WEIR_TCP_CLOSED;
}

static void say(const nc_state *nc, const char *what, const char *who)
{
    if (nc->opts.verbose > 0)
        fprintf(stderr, "%s: %s %s\n", nc->opts.tool, what, who);
}

static void format_peer(nc_state *nc, weir_endpoint ep)
{
    char ip[16];
    weir_net_format_ipv4(ep.ip, ip);
    snprintf(nc->peer, sizeof(nc->peer), "%s:%u", ip, (unsigned)ep.port);
}

static void start_copying(nc_state *nc)
{
    nc->copying = true;
    nc->start_us = weir_loop_now(nc->net.loop);
    update_interest(nc);
}

static void accept_one(nc_state *nc)
{
    weir_endpoint peer;
    int s = weir_tcp_accept(nc->net.stack, nc->listener, &peer);
    if (s == WEIR_EAGAIN)
        return;
    if (s < 0) {
        nc_fail(nc, "accept", weir_strerror(s));
        return;
    }
    nc->sock = s;
    /* One connection, as nc -l: later SYNs are refused. */
    weir_tcp_close(nc->net.stack, nc->listener);
    nc->listener = -1;
    format_peer(nc, peer);
    say(nc, "connection from", nc->peer);
    start_copying(nc);
}

static void handle_event(nc_state *nc, const weir_event *ev)
{
    if (ev->sock == nc->listener && ev->type == WEIR_EV_ACCEPTABLE) {
        accept_one(nc);
    } else if (ev->sock == nc->sock && ev->type == WEIR_EV_CONNECTED) {
        say(nc, "connected to", nc->peer);
        start_copying(nc);
    } else if (ev->sock == nc->sock && ev->type == WEIR_EV_ERROR) {
        nc_conn_error(nc, ev->err);
    }
    /* READABLE, WRITABLE, PEER_CLOSED, CLOSED: pump() looks at every buffer each time anyway. */
}

/* The loop's `after` callback: events, then the copying, then "are we done?". */
static void nc_after(void *ctx, weir_loop *loop, uint64_t now_us)
{
    (void)loop;
    (void)now_us;
    nc_state *nc = ctx;
    weir_event ev;
    while (nc->status < 0 && weir_stack_next_event(nc->net.stack, &ev))
        handle_event(nc, &ev);
    if (nc->status < 0)
        pump(nc);
    if (nc->status < 0 && both_directions_done(nc))
        nc_finish(nc, WEIR_NET_EXIT_OK);
}

static void on_stdin(void *ctx, weir_loop *loop, int fd, short revents, uint64_t now_us)
{
    (void)loop, (void)fd, (void)revents, (void)now_us;
    nc_state *nc = ctx;
    read_stdin(nc);
    if (nc->status < 0)
        flush_to_conn(nc); /* at once: the stack sends while we wait for the next stdin chunk */
    update_interest(nc);
}

static void on_stdout(void *ctx, weir_loop *loop, int fd, short revents, uint64_t now_us)
{
    (void)loop, (void)fd, (void)revents, (void)now_us;
    nc_state *nc = ctx;
    flush_stdout(nc);
    update_interest(nc);
}

/* ---- opening ------------------------------------------------------------------------------- */

static int open_connection(nc_state *nc)
{
    weir_stack *s = nc->net.stack;
    int sock = weir_tcp_socket(s);
    if (sock < 0) {
        fprintf(stderr, "%s: socket: %s\n", nc->opts.tool, weir_strerror(sock));
        return WEIR_NET_EXIT_FAIL;
    }
    int rc;
    if (nc->listen) {
        nc->listener = sock;
        weir_endpoint local = {.ip = nc->opts.ip, .port = nc->port};
        rc = weir_tcp_bind(s, sock, local);
        if (rc == 0)
            rc = weir_tcp_listen(s, sock, 1);
        format_peer(nc, local);
        if (rc == 0)
            say(nc, "listening on", nc->peer);
    } else {
        nc->sock = sock;
        format_peer(nc, nc->remote);
        rc = weir_tcp_connect(s, sock, nc->remote);
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s: %s\n", nc->opts.tool, nc->peer, weir_strerror(rc));
        return WEIR_NET_EXIT_FAIL;
    }
    return WEIR_NET_EXIT_OK;
}

static bool watch_stdio(nc_state *nc)
{
    nc->stdin_flags = make_nonblocking(STDIN_FILENO);
    nc->stdout_flags = make_nonblocking(STDOUT_FILENO);
    if (nc->stdout_flags < 0) {
        fprintf(stderr, "%s: stdout is not open\n", nc->opts.tool);
        return false;
    }
    if (nc->stdin_flags < 0)
        nc->in_eof = true; /* no stdin: nothing to send */
    else
        nc->stdin_id = weir_loop_add_fd(nc->net.loop, STDIN_FILENO, 0, on_stdin, nc);
    nc->stdout_id = weir_loop_add_fd(nc->net.loop, STDOUT_FILENO, 0, on_stdout, nc);
    return true;
}

/* ---- arguments ----------------------------------------------------------------------------- */

static int take_positionals(nc_state *nc, int count, char **pos)
{
    weir_netopts *o = &nc->opts;
    int need_min = nc->listen ? 1 : 2;
    if (count < need_min)
        return weir_netopts_usage_error(o, nc->listen ? "-l needs a PORT" : "need HOST and PORT");
    if (count > 2)
        return weir_netopts_usage_error(o, "unexpected argument '%s'", pos[2]);
    const char *port = pos[count - 1];
    if (!weir_net_parse_port(port, nc->listen ? &nc->port : &nc->remote.port))
        return weir_netopts_usage_error(o, "PORT '%s': expected a number from 1 to 65535", port);
    if (count == 2 && !weir_net_parse_ipv4(pos[0], &nc->remote.ip))
        return weir_netopts_usage_error(o,
                                        "HOST '%s': expected an IPv4 address (name resolution "
                                        "is not available yet)",
                                        pos[0]);
    if (!nc->listen && nc->remote.ip == 0)
        return weir_netopts_usage_error(o, "HOST 0.0.0.0: give the address to connect to");
    if (nc->listen && count == 2 && nc->remote.ip != o->ip && nc->remote.ip != 0)
        return weir_netopts_usage_error(o,
                                        "-l %s: weir listens on its own address; set it with "
                                        "--ip",
                                        pos[0]);
    return WEIR_NET_EXIT_OK;
}

/* Returns -1 to go on, or an exit status (help, a usage error). */
static int parse_args(nc_state *nc, int argc, char **argv)
{
    char *pos[3];
    int npos = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            weir_cli_nc_usage(stdout);
            return WEIR_NET_EXIT_OK;
        }
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (!options_done && strcmp(a, "-l") == 0) {
            nc->listen = true;
        } else if (!options_done && a[0] == '-' && a[1] != '\0') {
            weir_netopt_result r = weir_netopts_parse(&nc->opts, argc, argv, &i);
            if (r == WEIR_NETOPT_BAD)
                return WEIR_NET_EXIT_USAGE;
            if (r == WEIR_NETOPT_NO_MATCH)
                return weir_netopts_usage_error(&nc->opts, "unknown option '%s'", a);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return weir_netopts_usage_error(&nc->opts, "unexpected argument '%s'", a);
        }
    }
    int rc = take_positionals(nc, npos, pos);
    if (rc != WEIR_NET_EXIT_OK)
        return rc;
    return weir_netopts_finish(&nc->opts) ? -1 : WEIR_NET_EXIT_USAGE;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void report_rate(const nc_state *nc)
{
    if (nc->opts.verbose == 0 || !nc->copying)
        return;
    double secs = (double)(weir_loop_clock_us() - nc->start_us) / 1e6;
    double mbit = secs > 0 ? (double)(nc->bytes_sent + nc->bytes_received) * 8 / secs / 1e6 : 0;
    fprintf(stderr,
            "%s: sent %" PRIu64 " bytes, received %" PRIu64 " bytes in %.3f s (%.1f Mbit/s)\n",
            nc->opts.tool, nc->bytes_sent, nc->bytes_received, secs, mbit);
}

static int run(nc_state *nc)
{
    weir_loop_result r = weir_loop_run(nc->net.loop);
    switch (r) {
    case WEIR_LOOP_STOPPED:
        return nc->status;
    case WEIR_LOOP_INTERRUPTED:
        return 128 + weir_net_signal();
    case WEIR_LOOP_TIME_LIMIT:
        return WEIR_NET_EXIT_FAIL; /* no limit is set; here for completeness */
    case WEIR_LOOP_FAILED:
        break;
    }
    fprintf(stderr, "%s: %s\n", nc->opts.tool, weir_loop_error(nc->net.loop));
    return WEIR_NET_EXIT_FAIL;
}

static void close_sockets(nc_state *nc, int status)
{
    /* A failed or interrupted run aborts, so the peer learns at once; a finished one is closed
     * already (TIME-WAIT or CLOSED) and close only releases the handle. */
    if (nc->sock >= 0 && status == WEIR_NET_EXIT_OK)
        weir_tcp_close(nc->net.stack, nc->sock);
    else if (nc->sock >= 0)
        weir_tcp_abort(nc->net.stack, nc->sock);
    if (nc->listener >= 0)
        weir_tcp_close(nc->net.stack, nc->listener);
}

int weir_cli_nc_main(int argc, char **argv)
{
    nc_state *nc = calloc(1, sizeof(*nc));
    if (nc == NULL) {
        fprintf(stderr, "weir nc: out of memory\n");
        return WEIR_NET_EXIT_FAIL;
    }
    weir_netopts_init(&nc->opts, "weir nc");
    nc->listener = nc->sock = nc->stdin_id = nc->stdout_id = -1;
    nc->stdin_flags = nc->stdout_flags = -1;
    nc->status = -1;
    int status = parse_args(nc, argc, argv);
    if (status >= 0) {
        free(nc);
        return status;
    }
    /* A reader that went away is an error to report (EPIPE), not a reason to die silently. */
    signal(SIGPIPE, SIG_IGN);
    weir_net_hooks hooks = {.after = nc_after, .ctx = nc};
    status = weir_net_setup(&nc->net, &nc->opts, &hooks);
    if (status == WEIR_NET_EXIT_OK)
        status = open_connection(nc);
    if (status == WEIR_NET_EXIT_OK && !watch_stdio(nc))
        status = WEIR_NET_EXIT_FAIL;
    if (status == WEIR_NET_EXIT_OK) {
        status = run(nc);
        report_rate(nc);
    }
    if (nc->net.stack != NULL)
        close_sockets(nc, status);
    restore_stdio(nc);
    weir_net_teardown(&nc->net);
    free(nc);
    return status;
}
