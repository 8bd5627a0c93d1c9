/* pkt_sockopt.c — symbolic constants, fcntl, setsockopt/getsockopt and the tcp_info snapshot of
 * the %{ }% lines, over weir_tcp_setopt/getopt/get_info.
 *
 * Options with no weir equivalent (TCP_DEFER_ACCEPT, TCP_FASTOPEN, ...) are
 * refused by pkt_sys_supported(), so the script is skipped before it runs — never silently
 * accepted. Values the OS invents rather than the protocol (SO_RCVBUF as read back) follow the
 * profile: FreeBSD rounds the receive buffer up to a multiple of the MSS once the connection has
 * one, Linux reports twice what was set. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pkt_sys.h"

typedef struct symbol {
    const char *name;
    int64_t value;
} symbol;

static const symbol k_symbols[] = {
    {"AF_INET", 2}, {"AF_INET6", 10}, {"AF_UNSPEC", 0}, {"PF_INET", 2}, {"PF_INET6", 10},
    {"SOCK_STREAM", 1}, {"SOCK_DGRAM", 2}, {"SOCK_NONBLOCK", PKT_SOCK_NONBLOCK},
    {"IPPROTO_TCP", 6}, {"IPPROTO_IP", 0}, {"IPPROTO_UDP", 17}, {"SOL_SOCKET", 1},
    {"SOL_TCP", 6}, {"SOL_IP", 0}, {"O_RDONLY", 0}, {"O_WRONLY", 1}, {"O_RDWR", PKT_O_RDWR},
    {"O_NONBLOCK", PKT_O_NONBLOCK}, {"F_GETFL", PKT_F_GETFL}, {"F_SETFL", PKT_F_SETFL},
    {"MSG_OOB", PKT_MSG_OOB}, {"MSG_PEEK", PKT_MSG_PEEK}, {"MSG_DONTWAIT", PKT_MSG_DONTWAIT},
    {"MSG_MORE", PKT_MSG_MORE}, {"MSG_NOSIGNAL", 0x4000}, {"SHUT_RD", PKT_SHUT_RD},
    {"SHUT_WR", PKT_SHUT_WR},
    {"SHUT_RDWR", PKT_SHUT_RDWR}, {"NULL", 0},
    {"EPERM", EPERM}, {"ENOENT", ENOENT}, {"EINTR", EINTR}, {"EIO", EIO}, {"EBADF", EBADF},
    {"EAGAIN", EAGAIN}, {"EWOULDBLOCK", EAGAIN}, {"ENOMEM", ENOMEM}, {"EINVAL", EINVAL},
    {"EPIPE", EPIPE}, {"ENOTCONN", ENOTCONN}, {"EISCONN", EISCONN},
    {"ECONNREFUSED", ECONNREFUSED}, {"ECONNRESET", ECONNRESET}, {"ETIMEDOUT", ETIMEDOUT},
    {"EINPROGRESS", EINPROGRESS}, {"EALREADY", EALREADY}, {"EADDRINUSE", EADDRINUSE},
    {"ECONNABORTED", ECONNABORTED}, {"ENOBUFS", ENOBUFS}, {"EOPNOTSUPP", EOPNOTSUPP},
    {"ENETUNREACH", ENETUNREACH}, {"EHOSTUNREACH", EHOSTUNREACH}, {"EMSGSIZE", EMSGSIZE},
    {"ENOPROTOOPT", ENOPROTOOPT}, {"EMFILE", EMFILE},
};

static bool symbol_value(const char *name, int64_t *v)
{
    for (size_t i = 0; i < sizeof k_symbols / sizeof k_symbols[0]; i++)
        if (strcmp(k_symbols[i].name, name) == 0) {
            *v = k_symbols[i].value;
            return true;
        }
    return false;
}

bool pkt_sys_eval(const pkt_expr *e, int64_t *v)
{
    int64_t a, b;
    switch (e->kind) {
    case PE_INT:
        *v = e->ival;
        return true;
    case PE_WORD:
        return symbol_value(e->text, v);
    case PE_OR:
        if (!pkt_sys_eval(e->kids[0], &a) || !pkt_sys_eval(e->kids[1], &b))
            return false;
        *v = a | b;
        return true;
    case PE_LIST:
        return e->nkids == 1 && pkt_sys_eval(e->kids[0], v);
    default:
        return false;
    }
}

/* msg_iov(N)=[{..., len}, ...] inside a msghdr struct, or an iovec list argument. */
static int64_t iov_sum(const pkt_expr *list)
{
    int64_t sum = 0, v;
    for (int i = 0; list != NULL && i < list->nkids; i++) {
        const pkt_expr *io = list->kids[i];
        if (io->kind == PE_STRUCT && io->nkids == 2 && pkt_sys_eval(io->kids[1], &v))
            sum += v;
    }
    return sum;
}

int64_t pkt_sys_iov_len(const pkt_syscall *sc)
{
    for (int a = 1; a < sc->nargs; a++) {
        const pkt_expr *e = sc->args[a];
        if (e->kind == PE_LIST)
            return iov_sum(e);
        if (e->kind != PE_STRUCT)
            continue;
        for (int i = 0; i < e->nkids; i++) {
            const pkt_expr *k = e->kids[i];
            if (k->name_expr && k->name_expr->kind == PE_CALL &&
                strcmp(k->name_expr->text, "msg_iov") == 0 && k->kind == PE_LIST)
                return iov_sum(k);
        }
    }
    return 0;
}

/* ---- options ------------------------------------------------------------------------------ */

static const char *opt_name(const pkt_syscall *sc)
{
    return sc->nargs >= 3 && sc->args[2]->kind == PE_WORD ? sc->args[2]->text : "?";
}

static const char *const k_set_ok[] = {"SO_REUSEADDR", "SO_REUSEPORT", "SO_RCVBUF", "SO_SNDBUF",
                                       "SO_KEEPALIVE", "SO_LINGER", "TCP_NODELAY", "TCP_MAXSEG",
                                       "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_QUICKACK",
                                       "TCP_CORK", "TCP_USER_TIMEOUT", "TCP_KEEPINIT", "TCP_NOOPT",
                                       NULL};
static const char *const k_get_ok[] = {"SO_ERROR", "SO_RCVBUF", "SO_SNDBUF", "SO_KEEPALIVE",
                                       "SO_REUSEADDR", "TCP_NODELAY", "TCP_MAXSEG",
                                       "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT",
                                       "TCP_QUICKACK", "TCP_CORK", "TCP_USER_TIMEOUT",
                                       "TCP_KEEPINIT", "TCP_NOOPT", NULL};

static bool in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

/* SO_LINGER {onoff=N, linger=N}: only "off" and "abort on close" (linger 0) are emulated. */
static bool linger_value(const pkt_expr *e, bool *abort_on_close)
{
    int64_t onoff = -1, linger = -1;
    for (int i = 0; e->kind == PE_STRUCT && i < e->nkids; i++) {
        const pkt_expr *k = e->kids[i];
        if (k->name && strcmp(k->name, "onoff") == 0)
            pkt_sys_eval(k, &onoff);
        else if (k->name && strcmp(k->name, "linger") == 0)
            pkt_sys_eval(k, &linger);
    }
    if (onoff == 0 || (onoff == 1 && linger == 0)) {
        *abort_on_close = onoff == 1;
        return true;
    }
    return false;
}

static bool args_evaluate(const pkt_syscall *sc, int from, char *why, size_t len)
{
    int64_t v;
    for (int i = from; i < sc->nargs; i++) {
        const pkt_expr *e = sc->args[i];
        if (e->kind == PE_ELLIPSIS || e->kind == PE_STRUCT)
            continue;
        if (!pkt_sys_eval(e, &v)) {
            snprintf(why, len, "unsupported-argument:%s()", sc->name);
            return false;
        }
    }
    return true;
}

bool pkt_sys_supported(const pkt_syscall *sc, char *why, size_t len)
{
    static const char *const k_calls[] = {"socket", "bind", "listen", "accept", "connect",
                                          "close", "shutdown", "write", "send", "sendto",
                                          "sendmsg", "writev", "read", "recv", "recvfrom",
                                          "recvmsg", "readv", "fcntl", "setsockopt",
                                          "getsockopt", NULL};
    if (!in_list(sc->name, k_calls)) {
        snprintf(why, len, "unsupported-syscall:%s", sc->name);
        return false;
    }
    int64_t v;
    if (strcmp(sc->name, "socket") == 0 && sc->nargs >= 2 &&
        (!pkt_sys_eval(sc->args[1], &v) || (v & 0xf) != 1)) {
        snprintf(why, len, "unsupported-socket-type");
        return false;
    }
    if (strcmp(sc->name, "setsockopt") == 0) {
        const char *n = opt_name(sc);
        bool abort_on_close;
        if (!in_list(n, k_set_ok) ||
            (strcmp(n, "SO_LINGER") == 0 && !linger_value(sc->args[3], &abort_on_close))) {
            snprintf(why, len, "unsupported-sockopt:%s", n);
            return false;
        }
        return args_evaluate(sc, 3, why, len) || strcmp(n, "SO_LINGER") == 0;
    }
    if (strcmp(sc->name, "getsockopt") == 0 && !in_list(opt_name(sc), k_get_ok)) {
        snprintf(why, len, "unsupported-sockopt:%s", opt_name(sc));
        return false;
    }
    if (strcmp(sc->name, "fcntl") == 0 && sc->nargs >= 2 &&
        (!pkt_sys_eval(sc->args[1], &v) || (v != PKT_F_GETFL && v != PKT_F_SETFL))) {
        snprintf(why, len, "unsupported-fcntl");
        return false;
    }
    if (strcmp(sc->name, "getsockopt") == 0)
        return true; /* [value] may be an errno name, checked at run time */
    /* MSG_OOB sends urgent data (WEIR_TCP_SEND_URGENT); on a read it would take Linux's and
     * BSD's out-of-band byte out of the stream, which weir leaves in line (RFC 6093). */
    int flags_arg = strcmp(sc->name, "recv") == 0 || strcmp(sc->name, "recvfrom") == 0 ? 3
                    : strcmp(sc->name, "recvmsg") == 0                                   ? 2
                                                                                         : -1;
    if (flags_arg >= 0 && flags_arg < sc->nargs && pkt_sys_eval(sc->args[flags_arg], &v) &&
        (v & PKT_MSG_OOB)) {
        snprintf(why, len, "unsupported-flag:MSG_OOB(%s)", sc->name);
        return false;
    }
    return args_evaluate(sc, 1, why, len);
}

/* ---- fcntl / setsockopt / getsockopt ------------------------------------------------------ */

static sysres ok(int64_t v)
{
    return (sysres){.ret = v};
}

static sysres err(const char *e)
{
    return (sysres){.ret = -1, .err = e};
}

static sysres do_fcntl(const pkt_syscall *sc, pkt_fd *f)
{
    int64_t cmd = 0, arg = 0;
    pkt_sys_eval(sc->args[1], &cmd);
    if (cmd == PKT_F_GETFL)
        return ok(PKT_O_RDWR | (f->nonblock ? PKT_O_NONBLOCK : 0));
    if (sc->nargs >= 3)
        pkt_sys_eval(sc->args[2], &arg);
    f->nonblock = (arg & PKT_O_NONBLOCK) != 0;
    return ok(0);
}

static sysres setopt(pkt_runner *R, pkt_fd *f, weir_tcp_option o, int v)
{
    int rc = weir_tcp_setopt(R->stack, f->sock, o, v);
    if (rc == WEIR_ESTATE && (o == WEIR_TCP_OPT_SNDBUF || o == WEIR_TCP_OPT_RCVBUF)) {
        /* weir sizes buffers before connect/listen only; the OS would resize them now. */
        pkt_result_soft(R->r, o == WEIR_TCP_OPT_SNDBUF ? "SO_SNDBUF after open not applied"
                                                       : "SO_RCVBUF after open not applied");
        return ok(0);
    }
    return rc < 0 ? err(pkt_errno_name(rc, "EINVAL")) : ok(0);
}

static sysres do_setsockopt(pkt_runner *R, const pkt_syscall *sc, pkt_fd *f)
{
    const char *n = opt_name(sc);
    int64_t v = 0;
    if (strcmp(n, "SO_LINGER") == 0) {
        linger_value(sc->args[3], &f->linger_abort);
        return ok(0);
    }
    if (sc->nargs >= 4)
        pkt_sys_eval(sc->args[3], &v);
    if (strcmp(n, "SO_REUSEADDR") == 0) /* MUST-42's port sharing, as Linux and FreeBSD */
        return setopt(R, f, WEIR_TCP_OPT_REUSEADDR, v != 0);
    if (strcmp(n, "SO_REUSEPORT") == 0)
        return ok(0);
    if (strcmp(n, "SO_RCVBUF") == 0) {
        f->rcvbuf = (int)v;
        return setopt(R, f, WEIR_TCP_OPT_RCVBUF, (int)v);
    }
    if (strcmp(n, "SO_SNDBUF") == 0) {
        f->sndbuf = (int)v;
        return setopt(R, f, WEIR_TCP_OPT_SNDBUF, (int)v);
    }
    if (strcmp(n, "SO_KEEPALIVE") == 0)
        return setopt(R, f, WEIR_TCP_OPT_KEEPALIVE, v != 0);
    if (strcmp(n, "TCP_NODELAY") == 0)
        return setopt(R, f, WEIR_TCP_OPT_NODELAY, v != 0);
    if (strcmp(n, "TCP_MAXSEG") == 0)
        return setopt(R, f, WEIR_TCP_OPT_MAXSEG, (int)v);
    if (strcmp(n, "TCP_KEEPIDLE") == 0)
        return setopt(R, f, WEIR_TCP_OPT_KEEPIDLE, (int)v);
    if (strcmp(n, "TCP_KEEPINTVL") == 0)
        return setopt(R, f, WEIR_TCP_OPT_KEEPINTVL, (int)v);
    if (strcmp(n, "TCP_KEEPCNT") == 0)
        return setopt(R, f, WEIR_TCP_OPT_KEEPCNT, (int)v);
    if (strcmp(n, "TCP_QUICKACK") == 0)
        return setopt(R, f, WEIR_TCP_OPT_QUICKACK, v != 0);
    if (strcmp(n, "TCP_CORK") == 0) /* Linux takes any non-zero value as "on" */
        return setopt(R, f, WEIR_TCP_OPT_CORK, v != 0);
    if (strcmp(n, "TCP_USER_TIMEOUT") == 0) /* Linux: milliseconds */
        return setopt(R, f, WEIR_TCP_OPT_USER_TIMEOUT, v < 0 || v > INT32_MAX ? -1 : (int)v);
    if (strcmp(n, "TCP_KEEPINIT") == 0) /* FreeBSD: seconds */
        return setopt(R, f, WEIR_TCP_OPT_CONNECT_TIMEOUT,
                      v < 0 || v > INT32_MAX / 1000 ? -1 : (int)v * 1000);
    if (strcmp(n, "TCP_NOOPT") == 0) /* FreeBSD: any non-zero value sets TF_NOOPT */
        return setopt(R, f, WEIR_TCP_OPT_NOOPT, v != 0);
    return err("ENOPROTOOPT");
}

static int64_t round_up(int64_t v, int64_t unit)
{
    return unit > 0 && v > unit ? (v + unit - 1) / unit * unit : v;
}

static int64_t rcvbuf_value(pkt_runner *R, pkt_fd *f)
{
    bool synced = f->synced;
    if (R->o->profile == PKT_PROFILE_FREEBSD) {
        int64_t v = f->rcvbuf ? f->rcvbuf : (int64_t)R->recvspace;
        int64_t mss = R->mtu - 40;
        if (R->peer_mss > 0 && R->peer_mss < mss)
            mss = R->peer_mss;
        return synced ? round_up(v, mss) : v;
    }
    return f->rcvbuf ? 2 * (int64_t)f->rcvbuf : (int64_t)R->recvspace;
}

static int64_t sndbuf_value(const pkt_runner *R, const pkt_fd *f)
{
    if (R->o->profile == PKT_PROFILE_FREEBSD)
        return f->sndbuf ? f->sndbuf : (int64_t)R->sendspace;
    return f->sndbuf ? 2 * (int64_t)f->sndbuf : (int64_t)R->sendspace;
}

/* TCP_MAXSEG as each OS reports it: before the handshake Linux gives the value set (or 536)
 * and FreeBSD its default 536; after it, Linux the send MSS without options and FreeBSD the
 * negotiated MSS (timestamp bytes not subtracted). */
static bool maxseg_value(pkt_runner *R, pkt_fd *f, int64_t *v, const char **e)
{
    int iv = 0;
    weir_tcp_info info;
    bool have = weir_tcp_get_info(R->stack, f->sock, &info) == 0;
    bool freebsd = R->o->profile == PKT_PROFILE_FREEBSD;
    if (!f->synced || !have) {
        int rc = weir_tcp_getopt(R->stack, f->sock, WEIR_TCP_OPT_MAXSEG, &iv);
        if (rc < 0) {
            *e = pkt_errno_name(rc, "EINVAL");
            return false;
        }
        *v = freebsd ? 536 : iv;
        return true;
    }
    *v = info.snd_mss + (freebsd && R->peer_ts && R->our_ts ? 12 : 0);
    return true;
}

static bool getopt_value(pkt_runner *R, pkt_fd *f, const char *n, int64_t *v, const char **e)
{
    int iv = 0;
    *e = NULL;
    if (strcmp(n, "SO_ERROR") == 0) {
        int x = f->so_error;
        f->so_error = 0;
        *v = 0;
        if (x != 0)
            symbol_value(pkt_errno_name(x, "EINVAL"), v);
        return true;
    }
    if (strcmp(n, "SO_RCVBUF") == 0) {
        *v = rcvbuf_value(R, f);
        return true;
    }
    if (strcmp(n, "SO_SNDBUF") == 0) {
        *v = sndbuf_value(R, f);
        return true;
    }
    if (strcmp(n, "TCP_MAXSEG") == 0)
        return maxseg_value(R, f, v, e);
    static const struct {
        const char *name;
        weir_tcp_option opt;
        int64_t div;
    } k_map[] = {{"SO_KEEPALIVE", WEIR_TCP_OPT_KEEPALIVE, 1},
                 {"TCP_NODELAY", WEIR_TCP_OPT_NODELAY, 1},
                 {"SO_REUSEADDR", WEIR_TCP_OPT_REUSEADDR, 1},
                 {"TCP_KEEPIDLE", WEIR_TCP_OPT_KEEPIDLE, 1},
                 {"TCP_KEEPINTVL", WEIR_TCP_OPT_KEEPINTVL, 1},
                 {"TCP_KEEPCNT", WEIR_TCP_OPT_KEEPCNT, 1},
                 {"TCP_QUICKACK", WEIR_TCP_OPT_QUICKACK, 1},
                 {"TCP_CORK", WEIR_TCP_OPT_CORK, 1},
                 {"TCP_USER_TIMEOUT", WEIR_TCP_OPT_USER_TIMEOUT, 1},
                 {"TCP_KEEPINIT", WEIR_TCP_OPT_CONNECT_TIMEOUT, 1000},
                 {"TCP_NOOPT", WEIR_TCP_OPT_NOOPT, 1}};
    for (size_t i = 0; i < sizeof k_map / sizeof k_map[0]; i++)
        if (strcmp(n, k_map[i].name) == 0) {
            int rc = weir_tcp_getopt(R->stack, f->sock, k_map[i].opt, &iv);
            if (rc < 0) {
                *e = pkt_errno_name(rc, "EINVAL");
                return false;
            }
            *v = iv / k_map[i].div;
            return true;
        }
    *e = "ENOPROTOOPT";
    return false;
}

static sysres do_getsockopt(pkt_runner *R, const pkt_event *ev, pkt_fd *f)
{
    const pkt_syscall *sc = ev->sys;
    const char *n = opt_name(sc);
    int64_t got = 0, want;
    const char *e;
    if (!getopt_value(R, f, n, &got, &e))
        return err(e);
    const pkt_expr *val = sc->nargs >= 4 ? sc->args[3] : NULL;
    if (val == NULL || val->kind == PE_ELLIPSIS)
        return ok(0);
    if (!pkt_sys_eval(val, &want)) {
        pkt_fail(R, ev->line, "interpreter: cannot evaluate the expected %s value", n);
        return ok(0);
    }
    if (want != got)
        pkt_fail(R, ev->line, "getsockopt(%s): expected [%lld], got [%lld]", n, (long long)want,
                 (long long)got);
    return ok(0);
}

sysres pkt_sys_option_call(pkt_runner *R, const pkt_syscall *sc, pkt_fd *f)
{
    if (strcmp(sc->name, "fcntl") == 0)
        return do_fcntl(sc, f);
    if (strcmp(sc->name, "setsockopt") == 0)
        return do_setsockopt(R, sc, f);
    if (strcmp(sc->name, "getsockopt") == 0)
        return do_getsockopt(R, R->blk.ev, f);
    return err("ENOSYS");
}

void pkt_sys_inherit(pkt_runner *R, pkt_fd *f)
{
    const weir_tcp_config *now = &R->cur.tcp, *made = &R->cfg.tcp;
    if (now->keepalive_idle_us != made->keepalive_idle_us)
        weir_tcp_setopt(R->stack, f->sock, WEIR_TCP_OPT_KEEPIDLE,
                        (int)(now->keepalive_idle_us / 1000000u));
    if (now->keepalive_interval_us != made->keepalive_interval_us)
        weir_tcp_setopt(R->stack, f->sock, WEIR_TCP_OPT_KEEPINTVL,
                        (int)(now->keepalive_interval_us / 1000000u));
    if (now->keepalive_count != made->keepalive_count)
        weir_tcp_setopt(R->stack, f->sock, WEIR_TCP_OPT_KEEPCNT, now->keepalive_count);
    if (now->recv_buffer != made->recv_buffer)
        weir_tcp_setopt(R->stack, f->sock, WEIR_TCP_OPT_RCVBUF, (int)now->recv_buffer);
    if (now->send_buffer != made->send_buffer)
        weir_tcp_setopt(R->stack, f->sock, WEIR_TCP_OPT_SNDBUF, (int)now->send_buffer);
    if (now->connect_timeout_us != made->connect_timeout_us)
        weir_tcp_setopt(R->stack, f->sock, WEIR_TCP_OPT_CONNECT_TIMEOUT,
                        (int)(now->connect_timeout_us / 1000u));
    if (now->congestion_control != made->congestion_control)
        weir_tcp_setopt(R->stack, f->sock, WEIR_TCP_OPT_CONGESTION, (int)now->congestion_control);
}

/* ---- tcp_info for %{ }% ------------------------------------------------------------------- */

/* tcpi_state numbering: Linux's TCP_* values, or FreeBSD's TCPS_* (what its tcp_info
 * reports), so that scripts comparing against a literal number work in their profile. */
static int os_state(const pkt_runner *R, weir_tcp_state s)
{
    static const int k_linux[WEIR_TCP_STATE_COUNT] = {
        [WEIR_TCP_CLOSED] = 7,      [WEIR_TCP_LISTEN] = 10,    [WEIR_TCP_SYN_SENT] = 2,
        [WEIR_TCP_SYN_RECEIVED] = 3, [WEIR_TCP_ESTABLISHED] = 1, [WEIR_TCP_FIN_WAIT_1] = 4,
        [WEIR_TCP_FIN_WAIT_2] = 5,  [WEIR_TCP_CLOSE_WAIT] = 8, [WEIR_TCP_CLOSING] = 11,
        [WEIR_TCP_LAST_ACK] = 9,    [WEIR_TCP_TIME_WAIT] = 6};
    static const int k_freebsd[WEIR_TCP_STATE_COUNT] = {
        [WEIR_TCP_CLOSED] = 0,      [WEIR_TCP_LISTEN] = 1,     [WEIR_TCP_SYN_SENT] = 2,
        [WEIR_TCP_SYN_RECEIVED] = 3, [WEIR_TCP_ESTABLISHED] = 4, [WEIR_TCP_CLOSE_WAIT] = 5,
        [WEIR_TCP_FIN_WAIT_1] = 6,  [WEIR_TCP_CLOSING] = 7,    [WEIR_TCP_LAST_ACK] = 8,
        [WEIR_TCP_FIN_WAIT_2] = 9,  [WEIR_TCP_TIME_WAIT] = 10};
    if ((unsigned)s >= WEIR_TCP_STATE_COUNT)
        s = WEIR_TCP_CLOSED;
    return R->o->profile == PKT_PROFILE_FREEBSD ? k_freebsd[s] : k_linux[s];
}

static void add_constants(const pkt_runner *R, pkt_namemap *m)
{
    static const struct {
        const char *name;
        weir_tcp_state st;
    } k_states[] = {{"TCPI_ESTABLISHED", WEIR_TCP_ESTABLISHED}, {"TCPI_SYN_SENT", WEIR_TCP_SYN_SENT},
                    {"TCPI_SYN_RECEIVED", WEIR_TCP_SYN_RECEIVED},
                    {"TCPI_SYN_RECV", WEIR_TCP_SYN_RECEIVED},
                    {"TCPI_FIN_WAIT_1", WEIR_TCP_FIN_WAIT_1}, {"TCPI_FIN_WAIT_2", WEIR_TCP_FIN_WAIT_2},
                    {"TCPI_TIME_WAIT", WEIR_TCP_TIME_WAIT}, {"TCPI_CLOSED", WEIR_TCP_CLOSED},
                    {"TCPI_CLOSE_WAIT", WEIR_TCP_CLOSE_WAIT}, {"TCPI_LAST_ACK", WEIR_TCP_LAST_ACK},
                    {"TCPI_LISTEN", WEIR_TCP_LISTEN}, {"TCPI_CLOSING", WEIR_TCP_CLOSING}};
    for (size_t i = 0; i < sizeof k_states / sizeof k_states[0]; i++)
        pkt_namemap_set(m, k_states[i].name, os_state(R, k_states[i].st));
    static const symbol k_consts[] = {
        {"TCP_CA_Open", 0},      {"TCP_CA_Disorder", 1}, {"TCP_CA_CWR", 2},
        {"TCP_CA_Recovery", 3},  {"TCP_CA_Loss", 4},   {"TCPI_OPT_TIMESTAMPS", 1},
        {"TCPI_OPT_SACK", 2},    {"TCPI_OPT_WSCALE", 4}, {"TCPI_OPT_ECN", 8},
        {"TCPI_OPT_SYN_DATA", 32}};
    for (size_t i = 0; i < sizeof k_consts / sizeof k_consts[0]; i++)
        pkt_namemap_set(m, k_consts[i].name, k_consts[i].value);
}

/* The connection under test when no handle refers to it any more: its state from the list. */
static bool flow_state(pkt_runner *R, weir_tcp_state *st)
{
    weir_tcp_conn_summary list[64];
    int n = weir_tcp_list(R->stack, list, 64);
    for (int i = 0; i < n && i < 64; i++)
        if (list[i].local.port == R->lport && list[i].remote.port == R->rport) {
            *st = list[i].state;
            return true;
        }
    return false;
}

void pkt_sys_tcp_info(pkt_runner *R, pkt_namemap *m)
{
    add_constants(R, m);
    weir_tcp_info info;
    pkt_fd *f = R->sut_fd >= 0 && R->fds[R->sut_fd].used ? &R->fds[R->sut_fd] : NULL;
    if (f == NULL || weir_tcp_get_info(R->stack, f->sock, &info) != 0) {
        weir_tcp_state st = WEIR_TCP_CLOSED;
        flow_state(R, &st);
        pkt_namemap_set(m, "tcpi_state", os_state(R, st));
        return;
    }
    uint32_t mss = info.snd_mss ? info.snd_mss : 536;
    pkt_namemap_set(m, "tcpi_state", os_state(R, info.state));
    if (R->o->profile == PKT_PROFILE_FREEBSD) {
        /* FreeBSD's tcp_fill_info copies snd_cwnd and snd_ssthresh as they are: bytes (an
         * unset ssthresh is TCP_MAXWIN << TCP_MAX_WINSHIFT). */
        pkt_namemap_set(m, "tcpi_snd_cwnd", info.cwnd);
        pkt_namemap_set(m, "tcpi_snd_ssthresh",
                        info.ssthresh >= 0x3fffffff ? 65535 << 14 : info.ssthresh);
    } else {
        /* Linux counts both in packets (TCP_INFINITE_SSTHRESH when unset). */
        pkt_namemap_set(m, "tcpi_snd_cwnd", info.cwnd / mss);
        pkt_namemap_set(m, "tcpi_snd_ssthresh",
                        info.ssthresh >= 0x3fffffff ? 0x7fffffff : info.ssthresh / mss);
    }
    /* Linux's numbering, which weir_tcp_ca_state keeps (weir has no CWR state). */
    pkt_namemap_set(m, "tcpi_ca_state", info.ca_state);
    /* packets_out and sacked_out, in whole segments of the send MSS (after a timeout without
     * SACK weir rewinds SND.NXT, which Linux's packets_out does not). tcpi_lost, tcpi_retrans
     * and tcpi_reordering stay unknown: weir's `lost` drops a segment once it is resent, where
     * Linux's lost_out keeps it until it is acknowledged. */
    pkt_namemap_set(m, "tcpi_unacked", (info.snd_nxt - info.snd_una + mss - 1) / mss);
    pkt_namemap_set(m, "tcpi_sacked", (info.sacked + mss - 1) / mss);
    pkt_namemap_set(m, "tcpi_options", info.options);
    pkt_namemap_set(m, "tcpi_rto", info.rto_us);
    pkt_namemap_set(m, "tcpi_snd_mss", info.snd_mss);
    pkt_namemap_set(m, "tcpi_advmss", info.rcv_mss);
    pkt_namemap_set(m, "tcpi_backoff", info.backoff);
    pkt_namemap_set(m, "tcpi_total_retrans", (int64_t)info.retransmits);
    pkt_namemap_set(m, "tcpi_bytes_received", (int64_t)info.bytes_received);
    pkt_namemap_set(m, "tcpi_bytes_acked", (int64_t)info.bytes_sent);
    pkt_namemap_set(m, "tcpi_rtt", info.srtt_us);
    pkt_namemap_set(m, "tcpi_rttvar", info.rttvar_us);
}

/* -v: the congestion state after each packet, in bytes as weir keeps it (the tcpi_* fields
 * convert per profile), so a loss-recovery mismatch can be followed ACK by ACK. */
void pkt_log_tcp_state(const pkt_runner *R)
{
    weir_tcp_info info;
    const pkt_fd *f = R->sut_fd >= 0 && R->fds[R->sut_fd].used ? &R->fds[R->sut_fd] : NULL;
    if (!R->o->verbose || R->o->log == NULL || f == NULL ||
        weir_tcp_get_info(R->stack, f->sock, &info) != 0 || info.snd_mss == 0)
        return;
    static const char *const k_ca[] = {"open", "disorder", "cwr", "recovery", "loss"};
    const char *ca = (unsigned)info.ca_state < 5 ? k_ca[info.ca_state] : "?";
    char ssthresh[16];
    if (info.ssthresh >= 0x3fffffff)
        snprintf(ssthresh, sizeof ssthresh, "inf");
    else
        snprintf(ssthresh, sizeof ssthresh, "%u", (unsigned)info.ssthresh);
    fprintf(R->o->log,
            "              [cwnd %u ssthresh %s pipe %u sacked %u lost %u %s%s rto %.3f s, "
            "mss %u]\n",
            (unsigned)info.cwnd, ssthresh, (unsigned)info.in_flight, (unsigned)info.sacked,
            (unsigned)info.lost, ca, info.reordering_seen ? " reordering-seen" : "",
            (double)info.rto_us / 1e6, (unsigned)info.snd_mss);
}
