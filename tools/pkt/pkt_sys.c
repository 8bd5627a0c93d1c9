/* pkt_sys.c — the scripts' socket calls over weir's public API (README §2.4).
 *
 * Script fds are names: socket() and accept() bind the fd the script writes to a weir handle.
 * weir is non-blocking with readiness events; a blocking socket is emulated in virtual time: a
 * call that would block becomes the pending call (pkt_run.h) and is retried after every poll
 * until it completes. Errors come back as errno names (WEIR_E* mapped, EWOULDBLOCK == EAGAIN);
 * SO_ERROR is read-and-clear, and a read or write that returns the pending error clears it, as
 * both Linux and FreeBSD do. Socket options live in pkt_sockopt.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pkt_sys.h"

/* ---- values ----------------------------------------------------------------------------- */

const char *pkt_errno_name(int weir_err, const char *state_err)
{
    switch (weir_err) {
    case WEIR_EAGAIN:
        return "EAGAIN";
    case WEIR_EINVAL:
        return "EINVAL";
    case WEIR_ENOMEM:
        return "ENOMEM";
    case WEIR_EBADF:
        return "EBADF";
    case WEIR_EADDRINUSE:
        return "EADDRINUSE";
    case WEIR_EISCONN:
        return "EISCONN";
    case WEIR_ENOTCONN:
        return "ENOTCONN";
    case WEIR_ECONNREFUSED:
        return "ECONNREFUSED";
    case WEIR_ECONNRESET:
        return "ECONNRESET";
    case WEIR_ETIMEDOUT:
        return "ETIMEDOUT";
    case WEIR_EPIPE:
        return "EPIPE";
    case WEIR_ESTATE:
        return state_err;
    case WEIR_ENOBUFS:
        return "ENOBUFS";
    case WEIR_EOPNOTSUPP:
        return "EOPNOTSUPP";
    case WEIR_ENETUNREACH:
        return "ENETUNREACH";
    case WEIR_EALREADY:
        return "EALREADY";
    case WEIR_ECONNABORTED:
        return "ECONNABORTED";
    case WEIR_EHOSTUNREACH:
        return "EHOSTUNREACH";
    case WEIR_EMSGSIZE:
        return "EMSGSIZE";
    case WEIR_ENOENT:
        return "ENOENT";
    default:
        return "EIO";
    }
}

static const char *canonical_errno(const char *e)
{
    if (e != NULL && strcmp(e, "EWOULDBLOCK") == 0)
        return "EAGAIN";
    return e;
}

/* ---- fds ---------------------------------------------------------------------------------- */

pkt_fd *pkt_sys_fd(pkt_runner *R, const pkt_syscall *sc, int argi)
{
    int64_t v;
    if (argi >= sc->nargs || !pkt_sys_eval(sc->args[argi], &v) || v < 0 || v >= PKT_MAX_FDS ||
        !R->fds[v].used)
        return NULL;
    return &R->fds[v];
}

static int fd_index(const pkt_runner *R, const pkt_fd *f)
{
    return (int)(f - R->fds);
}

/* FreeBSD rounds the receive buffer to the MSS when the connection learns it (SYN seen). */
void pkt_sys_note_states(pkt_runner *R)
{
    for (int i = 0; i < PKT_MAX_FDS; i++) {
        pkt_fd *f = &R->fds[i];
        weir_tcp_info info;
        if (f->used && !f->synced && !f->listener &&
            weir_tcp_get_info(R->stack, f->sock, &info) == 0 &&
            info.state >= WEIR_TCP_SYN_RECEIVED)
            f->synced = true;
    }
}

void pkt_sys_on_event(pkt_runner *R, const weir_event *ev)
{
    for (int i = 0; i < PKT_MAX_FDS; i++) {
        pkt_fd *f = &R->fds[i];
        if (!f->used || f->sock != ev->sock)
            continue;
        if (ev->type == WEIR_EV_CONNECTED) {
            f->connected = true;
            f->connecting = false;
        } else if (ev->type == WEIR_EV_ERROR) {
            f->so_error = ev->err;
            f->error_seen = true;
            f->connecting = false;
        }
    }
}

static sysres done(int64_t ret)
{
    return (sysres){.ret = ret};
}

static sysres fail_err(const char *err)
{
    return (sysres){.ret = -1, .err = err};
}

static sysres would_block(void)
{
    return (sysres){.block = true};
}

/* A weir call's negative result as a syscall result; clears SO_ERROR when it is the one. */
static sysres weir_fail(pkt_fd *f, int rc, const char *state_err)
{
    if (f != NULL && f->so_error == rc)
        f->so_error = 0;
    return fail_err(pkt_errno_name(rc, state_err));
}

/* ---- the calls ---------------------------------------------------------------------------- */

static sysres sys_socket(pkt_runner *R, const pkt_syscall *sc)
{
    int64_t fdv;
    if (sc->ret->kind != PE_INT || (fdv = sc->ret->ival) < 0)
        return fail_err("EINVAL"); /* the script expects a failure: the compare reports it */
    if (fdv >= PKT_MAX_FDS || R->fds[fdv].used) {
        pkt_fail(R, 0, "socket(): fd %" PRId64 " is already in use or too large", fdv);
        return fail_err("EMFILE");
    }
    pkt_refresh_stack(R);
    if (R->stack == NULL)
        return fail_err("ENOMEM");
    int h = weir_tcp_socket(R->stack);
    if (h < 0)
        return weir_fail(NULL, h, "EINVAL");
    pkt_fd *f = &R->fds[fdv];
    memset(f, 0, sizeof *f);
    f->used = true;
    f->sock = h;
    pkt_sys_inherit(R, f);
    R->sut_fd = (int)fdv; /* until a connect() or accept() names another */
    int64_t type;
    if (sc->nargs >= 2 && pkt_sys_eval(sc->args[1], &type) && (type & PKT_SOCK_NONBLOCK))
        f->nonblock = true;
    return done(fdv);
}

static sysres sys_bind(pkt_runner *R, pkt_fd *f)
{
    weir_endpoint ep = {.ip = 0, .port = PKT_LISTEN_PORT};
    int rc = weir_tcp_bind(R->stack, f->sock, ep);
    if (rc < 0)
        return weir_fail(f, rc, "EINVAL");
    f->bound = true;
    return done(0);
}

static sysres sys_listen(pkt_runner *R, const pkt_syscall *sc, pkt_fd *f)
{
    int64_t backlog = 1;
    if (sc->nargs >= 2)
        pkt_sys_eval(sc->args[1], &backlog);
    if (!f->bound) {
        sysres b = sys_bind(R, f);
        if (b.ret < 0)
            return b;
    }
    if (backlog < 1)
        backlog = 1;
    int rc = weir_tcp_listen(R->stack, f->sock, (int)backlog);
    if (rc < 0)
        return weir_fail(f, rc, "EINVAL");
    f->listener = true;
    return done(0);
}

static sysres sys_accept(pkt_runner *R, const pkt_syscall *sc, pkt_fd *f)
{
    weir_endpoint peer;
    int h = weir_tcp_accept(R->stack, f->sock, &peer);
    if (h == WEIR_EAGAIN)
        return f->nonblock ? fail_err("EAGAIN") : would_block();
    if (h < 0)
        return weir_fail(f, h, "EINVAL");
    int64_t fdv = sc->ret->kind == PE_INT ? sc->ret->ival : -1;
    if (fdv < 0 || fdv >= PKT_MAX_FDS || R->fds[fdv].used) {
        /* The script expected an error; find a free fd so the mismatch is reported. */
        for (fdv = PKT_MAX_FDS - 1; fdv > 0 && R->fds[fdv].used; fdv--)
            ;
    }
    pkt_fd *n = &R->fds[fdv];
    memset(n, 0, sizeof *n);
    n->used = true;
    n->sock = h;
    n->connected = true;
    n->synced = true;
    R->sut_fd = (int)fdv;
    return done(fdv);
}

static sysres sys_connect(pkt_runner *R, pkt_fd *f, bool retry)
{
    if (!retry) {
        if (f->connected)
            return fail_err("EISCONN");
        if (f->connecting)
            return fail_err("EALREADY");
        if (f->error_seen && f->so_error != 0)
            return weir_fail(f, f->so_error, "EINVAL");
        weir_endpoint remote = {.ip = PKT_REMOTE_IP, .port = PKT_REMOTE_PORT};
        int rc = weir_tcp_connect(R->stack, f->sock, remote);
        if (rc < 0)
            return weir_fail(f, rc, "EINVAL");
        f->connecting = true;
        R->sut_fd = fd_index(R, f);
        weir_tcp_info info;
        if (weir_tcp_get_info(R->stack, f->sock, &info) == 0) {
            R->flow_known = true;
            R->lport = info.local.port;
            R->rport = info.remote.port;
            R->isn_known = false;
        }
        pkt_drain_events(R);
        if (f->nonblock)
            return fail_err("EINPROGRESS");
    }
    if (f->connected)
        return done(0);
    if (f->so_error != 0)
        return weir_fail(f, f->so_error, "EINVAL");
    return would_block();
}

static sysres sys_close(pkt_runner *R, pkt_fd *f)
{
    int rc = f->linger_abort ? weir_tcp_abort(R->stack, f->sock) : weir_tcp_close(R->stack, f->sock);
    f->used = false;
    pkt_drain_events(R);
    if (rc < 0 && rc != WEIR_EBADF)
        return fail_err(pkt_errno_name(rc, "EINVAL"));
    return done(0);
}

static sysres sys_shutdown(pkt_runner *R, const pkt_syscall *sc, pkt_fd *f)
{
    int64_t how = 1;
    if (sc->nargs >= 2)
        pkt_sys_eval(sc->args[1], &how);
    if (how == PKT_SHUT_WR || how == PKT_SHUT_RDWR) {
        int rc = weir_tcp_shutdown(R->stack, f->sock);
        if (rc < 0)
            return weir_fail(f, rc, "ENOTCONN");
    } else if (!f->connected) {
        return fail_err("ENOTCONN");
    }
    if (how == PKT_SHUT_RD || how == PKT_SHUT_RDWR) {
        weir_tcp_shutdown_read(R->stack, f->sock);
        f->shut_rd = true;
    }
    pkt_drain_events(R);
    return done(0);
}

static const uint8_t k_zeros[16384];

/* write/send/sendmsg; MSG_MORE becomes WEIR_TCP_SEND_MORE and MSG_OOB WEIR_TCP_SEND_URGENT on
 * every chunk of the call (so the urgent pointer ends where the call's data does, as Linux's). */
static sysres sys_write(pkt_runner *R, pkt_fd *f, bool nonblock, int flags)
{
    pkt_pending *b = &R->blk;
    while (b->done < b->want) {
        uint32_t n = b->want - b->done;
        if (n > sizeof k_zeros)
            n = sizeof k_zeros;
        int rc = weir_tcp_send_flags(R->stack, f->sock, k_zeros, n, flags);
        if (rc == WEIR_EAGAIN || rc == 0) {
            if (nonblock)
                return b->done > 0 ? done(b->done) : fail_err("EAGAIN");
            return would_block();
        }
        if (rc < 0) {
            if (b->done > 0)
                return done(b->done);
            return weir_fail(f, rc, "ENOTCONN");
        }
        b->done += (uint32_t)rc;
    }
    pkt_drain_events(R);
    return done(b->done);
}

static sysres sys_read(pkt_runner *R, pkt_fd *f, uint32_t cap, int64_t flags, bool nonblock)
{
    if (f->shut_rd)
        return done(0);
    uint8_t buf[65536];
    if (cap > sizeof buf)
        cap = sizeof buf;
    if (cap == 0)
        return done(0);
    int rc = (flags & PKT_MSG_PEEK) ? weir_tcp_peek(R->stack, f->sock, buf, cap)
                                    : weir_tcp_recv(R->stack, f->sock, buf, cap);
    if (rc == WEIR_EAGAIN)
        return nonblock || (flags & PKT_MSG_DONTWAIT) ? fail_err("EAGAIN") : would_block();
    if (rc < 0)
        return weir_fail(f, rc, "ENOTCONN");
    pkt_drain_events(R);
    return done(rc);
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static bool arg_int(const pkt_syscall *sc, int i, int64_t *v)
{
    return i < sc->nargs && pkt_sys_eval(sc->args[i], v);
}

/* Bytes a write-family call sends (its length argument or the iovec lengths). */
static uint32_t write_len(const pkt_syscall *sc)
{
    int64_t v = 0;
    if (strcmp(sc->name, "sendmsg") == 0 || strcmp(sc->name, "writev") == 0)
        return (uint32_t)pkt_sys_iov_len(sc);
    arg_int(sc, 2, &v);
    return (uint32_t)v;
}

static bool is_name(const pkt_syscall *sc, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(sc->name, *names) == 0)
            return true;
    return false;
}

static const char *const k_write_calls[] = {"write", "send", "sendto", "sendmsg", "writev", NULL};
static const char *const k_read_calls[] = {"read", "recv", "recvfrom", "recvmsg", "readv", NULL};

/* Run (or retry) a call. */
static sysres dispatch(pkt_runner *R, const pkt_event *ev, bool retry)
{
    const pkt_syscall *sc = ev->sys;
    if (strcmp(sc->name, "socket") == 0)
        return sys_socket(R, sc);
    pkt_fd *f = pkt_sys_fd(R, sc, 0);
    if (f == NULL)
        return fail_err("EBADF");
    bool nb = f->nonblock;
    if (strcmp(sc->name, "bind") == 0)
        return sys_bind(R, f);
    if (strcmp(sc->name, "listen") == 0)
        return sys_listen(R, sc, f);
    if (strcmp(sc->name, "accept") == 0)
        return sys_accept(R, sc, f);
    if (strcmp(sc->name, "connect") == 0)
        return sys_connect(R, f, retry);
    if (strcmp(sc->name, "close") == 0)
        return sys_close(R, f);
    if (strcmp(sc->name, "shutdown") == 0)
        return sys_shutdown(R, sc, f);
    if (is_name(sc, k_write_calls)) {
        if (!retry) {
            R->blk.want = write_len(sc);
            R->blk.done = 0;
        }
        int64_t flags = 0;
        if (strcmp(sc->name, "send") == 0 || strcmp(sc->name, "sendto") == 0)
            arg_int(sc, 3, &flags);
        if (strcmp(sc->name, "sendmsg") == 0)
            arg_int(sc, 2, &flags);
        int send_flags = ((flags & PKT_MSG_MORE) ? WEIR_TCP_SEND_MORE : 0) |
                         ((flags & PKT_MSG_OOB) ? WEIR_TCP_SEND_URGENT : 0);
        return sys_write(R, f, nb || (flags & PKT_MSG_DONTWAIT), send_flags);
    }
    if (is_name(sc, k_read_calls)) {
        int64_t cap = 0, flags = 0;
        if (strcmp(sc->name, "readv") == 0 || strcmp(sc->name, "recvmsg") == 0)
            cap = pkt_sys_iov_len(sc);
        else
            arg_int(sc, 2, &cap);
        if (strcmp(sc->name, "recv") == 0 || strcmp(sc->name, "recvfrom") == 0)
            arg_int(sc, 3, &flags);
        if (strcmp(sc->name, "recvmsg") == 0)
            arg_int(sc, 2, &flags);
        return sys_read(R, f, (uint32_t)cap, flags, nb);
    }
    return pkt_sys_option_call(R, sc, f);
}

/* Compare a finished call with the script: return value, errno, and the end time of a
 * blocking call. */
static void check_result(pkt_runner *R, const pkt_event *ev, sysres res)
{
    const pkt_syscall *sc = ev->sys;
    if (R->failed)
        return;
    if (sc->ret->kind == PE_ELLIPSIS)
        return;
    int64_t want;
    if (!pkt_sys_eval(sc->ret, &want)) {
        pkt_fail(R, ev->line, "interpreter: cannot evaluate the expected return value");
        return;
    }
    const char *we = canonical_errno(sc->errno_name), *ge = canonical_errno(res.err);
    if (want != res.ret || (want < 0 && we != NULL && (ge == NULL || strcmp(we, ge) != 0))) {
        char got[64];
        if (res.ret < 0)
            snprintf(got, sizeof got, "%" PRId64 " %s", res.ret, ge ? ge : "");
        else
            snprintf(got, sizeof got, "%" PRId64, res.ret);
        pkt_fail(R, ev->line, "%s(): expected %" PRId64 "%s%s, got %s", sc->name, want,
                 we ? " " : "", we ? we : "", got);
    }
}

static void check_end_time(pkt_runner *R, const pkt_pending *b)
{
    if (R->failed)
        return;
    int64_t tol = pkt_tolerance(R, b->end, b->start);
    int64_t d = b->finished_at - b->end;
    if (d < -tol || d > tol) {
        if (b->ev->time.blocking)
            pkt_fail(R, b->ev->line, "%s() returned at %.3f s, expected at %.3f s (tolerance "
                     "%.3f s)", b->ev->sys->name, (double)b->finished_at / 1e6,
                     (double)b->end / 1e6, (double)tol / 1e6);
        else
            pkt_fail(R, b->ev->line, "%s() blocked until %.3f s; the script expects it to "
                     "return at once (%.3f s)", b->ev->sys->name,
                     (double)b->finished_at / 1e6, (double)b->end / 1e6);
        return;
    }
    pkt_note_harness_timing(R, b->ev->line, d, b->end, b->start);
}

void pkt_sys_call(pkt_runner *R, const pkt_event *ev, bool blocking, int64_t start, int64_t end)
{
    pkt_pending *b = &R->blk;
    memset(b, 0, sizeof *b);
    b->ev = ev;
    b->start = start;
    b->end = end;
    b->timed = true;
    sysres res = dispatch(R, ev, false);
    if (res.block) {
        b->active = true;
        return;
    }
    b->finished_at = R->now;
    check_result(R, ev, res);
    if (blocking)
        check_end_time(R, b);
}

bool pkt_sys_try_pending(pkt_runner *R)
{
    pkt_pending *b = &R->blk;
    sysres res = dispatch(R, b->ev, true);
    if (res.block)
        return false;
    b->finished = true;
    b->finished_at = R->now;
    b->ret = res.ret;
    b->err_name = res.err;
    return true;
}

void pkt_sys_finish_pending(pkt_runner *R)
{
    pkt_pending *b = &R->blk;
    b->active = false;
    check_result(R, b->ev, (sysres){.ret = b->ret, .err = b->err_name});
    check_end_time(R, b);
}
