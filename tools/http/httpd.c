/* httpd.c — the static-file HTTP/1.1 server of `weir serve` (see httpd.h).
 *
 * Each connection is a small loop, pumped by events: answer the response in progress as far as
 * the send buffer allows; when none is in progress, parse the next request from what has been
 * received; when nothing is buffered, receive. While a response is being sent no more requests
 * are read, so pipelined requests are answered in order and a client that sends faster than it
 * reads is held back by its own receive window, not by our memory.
 *
 * Files are never read ahead of the network: a piece is read (pread at the body offset) only when
 * the connection's send buffer has room for it, and what weir_tcp_send does not take is read
 * again later. Paths are decoded and checked for ".." (http.c), then resolved with realpath and
 * refused unless they stay inside the served directory, so symbolic links cannot lead out.
 *
 * Read first: RFC 9112 §9.3 (persistence, pipelining), §9.6 (closing: half-close, then close,
 * so the client reads the last response before any reset), RFC 9110 §6.6.1 (Date), §15.5.6 (405
 * carries Allow), §9.3.2 (HEAD: the same fields as GET, no body). */
#define _DEFAULT_SOURCE /* realpath, pread, gmtime_r */
#include "httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

enum {
    IN_CAP = 4096,            /* received bytes waiting for the parser, per connection */
    HEAD_CAP = 2048 + 1024,   /* one response head (a Location may be a whole target long) */
    SCRATCH_CAP = 65536,      /* one file piece */
    PUMP_ROUNDS = 64,         /* steps of one connection per call; more continue from poll */
    ACCEPT_ROUNDS = 256,      /* accepts per ACCEPTABLE event; more continue from poll */
    ACCEPT_RETRY_US = 100000, /* retry an accept that found no free handle */
};
#define BODY_SKIP_MAX (UINT64_C(1) << 20) /* larger request bodies are not read: we close */

struct weir_httpd_conn {
    int sock;
    weir_endpoint peer;
    uint32_t sndbuf;      /* the connection's send buffer size */
    uint64_t last_active; /* stack time of the last progress, for the idle timeout */
    bool peer_eof;        /* the client will send no more */
    bool more_work;       /* PUMP_ROUNDS ran out: continue from poll */
    size_t in_len;
    uint8_t in[IN_CAP];
    weir_http_req_parser parser;
    /* the response in progress */
    bool responding, close_after;
    int status;
    const char *note;
    size_t head_len, head_sent;
    int fd;                      /* the file being sent, -1 when none */
    uint64_t body_off, body_len; /* file bytes sent (accepted by TCP) and to send */
    char head[HEAD_CAP];         /* status line, fields and, for error pages, the small body */
};

void weir_httpd_config_init(weir_httpd_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->port = 80;
    cfg->max_clients = 64;
    cfg->backlog = 32;
    cfg->idle_timeout_us = UINT64_C(30000000);
    cfg->date = true;
}

static uint64_t now_of(const weir_httpd *h) { return weir_stack_now(h->stack); }

/* A retry time for accept_all: now, but never 0, which means "none due". */
static uint64_t retry_now(const weir_httpd *h) { return now_of(h) != 0 ? now_of(h) : 1; }

/* ---- the access log -------------------------------------------------------------------------- */

static void log_request(weir_httpd *h, const weir_httpd_conn *c)
{
    if (h->cfg.log == NULL)
        return;
    const weir_http_request *r = &c->parser.req;
    weir_httpd_log_entry e = {
        .client = c->peer,
        .method = r->method_name[0] != '\0' ? r->method_name : "-",
        .target = r->target[0] != '\0' ? r->target : "-",
        .version = r->version,
        .status = c->status,
        .bytes = c->body_off,
        .note = c->note,
    };
    h->cfg.log(h->cfg.log_ctx, &e);
}

/* ---- connections ----------------------------------------------------------------------------- */

static weir_httpd_conn *find_conn(const weir_httpd *h, int sock)
{
    for (uint32_t i = 0; i < h->cfg.max_clients; i++)
        if (h->conns[i] != NULL && h->conns[i]->sock == sock)
            return h->conns[i];
    return NULL;
}

static void conn_free(weir_httpd *h, weir_httpd_conn *c)
{
    for (uint32_t i = 0; i < h->cfg.max_clients; i++) {
        if (h->conns[i] == c) {
            h->conns[i] = NULL;
            h->active--;
            if (h->accept_retry_at != 0) /* a handle came free: the waiting client may have it */
                h->accept_retry_at = retry_now(h);
            break;
        }
    }
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

/* The polite end: stop reading (so unread requests cannot turn our close into a reset, which
 * could destroy the last response in the client's receive buffer), then close; the stack still
 * delivers what is queued and sends FIN after it. */
static void conn_close(weir_httpd *h, weir_httpd_conn *c)
{
    weir_tcp_shutdown_read(h->stack, c->sock);
    weir_tcp_close(h->stack, c->sock);
    conn_free(h, c);
}

/* The connection failed or must be cut short: log what was in progress, release everything. */
static void conn_drop(weir_httpd *h, weir_httpd_conn *c, const char *why, bool reset)
{
    if (c->responding) {
        c->note = why;
        log_request(h, c);
    }
    if (reset)
        weir_tcp_abort(h->stack, c->sock);
    else
        weir_tcp_close(h->stack, c->sock); /* already CLOSED by the stack: releases the handle */
    conn_free(h, c);
}

/* ---- building responses ---------------------------------------------------------------------- */

/* RFC 9110 §5.6.7 IMF-fixdate, without the C library's locale-dependent names. */
static void format_date(char *out, size_t cap)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        out[0] = '\0';
        return;
    }
    snprintf(out, cap, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n", days[tm.tm_wday % 7],
             tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

/* Write the head into c->head: status line, our fields, `extra` (CRLF-terminated fields or "")
 * and, unless HEAD, `small_body`. Returns false when it does not fit. */
static bool build_head(weir_httpd *h, weir_httpd_conn *c, const char *ctype, uint64_t length,
                       const char *extra, const char *small_body)
{
    char date[64] = "";
    if (h->cfg.date)
        format_date(date, sizeof date);
    bool send_body = small_body != NULL && c->parser.req.method != WEIR_HTTP_M_HEAD;
    int n = snprintf(c->head, sizeof c->head,
                     "HTTP/1.1 %d %s\r\nServer: weir\r\n%sContent-Type: %s\r\n"
                     "Content-Length: %llu\r\n%s%s\r\n%s",
                     c->status, weir_http_status_text(c->status), date, ctype,
                     (unsigned long long)length, extra,
                     c->close_after ? "Connection: close\r\n" : "", send_body ? small_body : "");
    if (n < 0 || (size_t)n >= sizeof c->head)
        return false;
    c->head_len = (size_t)n;
    c->head_sent = 0;
    return true;
}

/* A status with a one-line text body ("404 Not Found\n"). */
static void error_response(weir_httpd *h, weir_httpd_conn *c, int status, const char *note,
                           const char *extra)
{
    char body[96];
    snprintf(body, sizeof body, "%d %s\n", status, weir_http_status_text(status));
    c->status = status;
    c->note = note;
    if (status == 400 || status >= 500)
        c->close_after = true; /* the framing of what follows cannot be trusted */
    if (!build_head(h, c, "text/plain; charset=utf-8", strlen(body), extra, body))
        build_head(h, c, "text/plain; charset=utf-8", strlen(body), "", body);
}

/* ---- finding the file ------------------------------------------------------------------------ */

typedef struct file_answer {
    int status; /* 200, or the error / redirect to send */
    const char *note;
    int fd;
    uint64_t size;
    char real[PATH_MAX]; /* the resolved file, for its content type */
} file_answer;

static bool inside_root(const weir_httpd *h, const char *real)
{
    if (h->root_len == 1) /* serving "/" itself */
        return true;
    return strncmp(real, h->root, h->root_len) == 0 &&
           (real[h->root_len] == '/' || real[h->root_len] == '\0');
}

static int status_for_errno(int e)
{
    switch (e) {
    case EACCES:
    case EPERM:
    case ELOOP:
        return 403;
    case ENAMETOOLONG:
        return 414;
    default:
        return 404;
    }
}

/* realpath, then the containment check: the only way a symbolic link is followed. */
static bool resolve_inside(const weir_httpd *h, const char *path, file_answer *a)
{
    if (realpath(path, a->real) == NULL) {
        a->status = status_for_errno(errno);
        a->note = a->status == 404 ? "no such file" : "not accessible";
        return false;
    }
    if (!inside_root(h, a->real)) {
        a->status = 403;
        a->note = "resolves outside the served directory";
        return false;
    }
    return true;
}

/* Open the file for the relative path `rel`; a directory gives its index.html. */
static void find_file(const weir_httpd *h, const char *rel, bool dir_form, file_answer *a)
{
    char path[PATH_MAX];
    struct stat st;
    a->fd = -1;
    a->status = 404;
    a->note = NULL;
    int n = snprintf(path, sizeof path, "%s/%s", h->root, rel);
    if (n < 0 || (size_t)n >= sizeof path) {
        a->status = 414;
        return;
    }
    if (!resolve_inside(h, path, a))
        return;
    if (stat(a->real, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!dir_form) { /* so that the index's relative links resolve inside the directory */
            a->status = 301;
            return;
        }
        n = snprintf(path, sizeof path, "%s/index.html", a->real);
        if (n < 0 || (size_t)n >= sizeof path) {
            a->status = 414;
            return;
        }
        if (!resolve_inside(h, path, a)) {
            if (a->status == 404)
                a->note = "directory without index.html";
            return;
        }
    }
    /* O_NONBLOCK: opening a FIFO someone left in the directory must not stall the loop; reads of
     * regular files ignore it. */
    a->fd = open(a->real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (a->fd < 0) {
        a->status = status_for_errno(errno);
        a->note = "cannot open";
        return;
    }
    if (fstat(a->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(a->fd);
        a->fd = -1;
        a->status = 404;
        a->note = "not a regular file";
        return;
    }
    a->size = (uint64_t)st.st_size;
    a->status = 200;
}

/* 301 to the same target with a '/' after its path. */
static void redirect_to_directory(weir_httpd *h, weir_httpd_conn *c)
{
    const char *t = c->parser.req.target;
    size_t path_len = strcspn(t, "?");
    char extra[WEIR_HTTP_TARGET_MAX + 32];
    snprintf(extra, sizeof extra, "Location: %.*s/%s\r\n", (int)path_len, t, t + path_len);
    error_response(h, c, 301, NULL, extra);
}

static void serve_request(weir_httpd *h, weir_httpd_conn *c)
{
    const weir_http_request *r = &c->parser.req;
    if (r->method == WEIR_HTTP_M_OTHER) {
        error_response(h, c, 405, "method not allowed", "Allow: GET, HEAD\r\n");
        return;
    }
    char rel[WEIR_HTTP_TARGET_MAX];
    bool dir_form = false;
    int st = weir_http_target_to_path(r->target, rel, sizeof rel, &dir_form);
    if (st != 0) {
        error_response(h, c, st, st == 403 ? "path traversal refused" : "bad target", "");
        return;
    }
    file_answer *a = malloc(sizeof(*a)); /* two PATH_MAX buffers: too much for small stacks */
    if (a == NULL) {
        error_response(h, c, 500, "out of memory", "");
        return;
    }
    find_file(h, rel, dir_form, a);
    if (a->status == 301) {
        redirect_to_directory(h, c);
    } else if (a->status != 200) {
        error_response(h, c, a->status, a->note, "");
    } else {
        c->status = 200;
        c->note = NULL;
        if (build_head(h, c, weir_http_content_type(a->real), a->size, "", NULL)) {
            c->fd = a->fd;
            c->body_len = r->method == WEIR_HTTP_M_HEAD ? 0 : a->size;
            a->fd = -1;
        } else {
            error_response(h, c, 500, "response head too large", "");
        }
    }
    if (a->fd >= 0)
        close(a->fd);
    free(a);
}

static void start_response(weir_httpd *h, weir_httpd_conn *c)
{
    const weir_http_request *r = &c->parser.req;
    c->responding = true;
    c->body_off = c->body_len = 0;
    c->close_after =
        c->parser.state == WEIR_HTTP_ERROR || !r->keep_alive || r->content_length > BODY_SKIP_MAX;
    if (c->parser.state == WEIR_HTTP_ERROR)
        error_response(h, c, c->parser.status, c->parser.error, "");
    else
        serve_request(h, c);
}

/* ---- sending --------------------------------------------------------------------------------- */

/* Free bytes in the send buffer: what weir_tcp_send would take now. */
static uint32_t send_room(const weir_httpd *h, const weir_httpd_conn *c)
{
    weir_tcp_info info;
    if (weir_tcp_get_info(h->stack, c->sock, &info) != 0 || info.send_queued >= c->sndbuf)
        return 0;
    return c->sndbuf - info.send_queued;
}

/* Returns 0 (sent what could be sent) or the connection's error. */
static int send_head(weir_httpd *h, weir_httpd_conn *c)
{
    while (c->head_sent < c->head_len) {
        int r =
            weir_tcp_send(h->stack, c->sock, c->head + c->head_sent, c->head_len - c->head_sent);
        if (r == WEIR_EAGAIN || r == 0)
            return 0;
        if (r < 0)
            return r;
        c->head_sent += (size_t)r;
        c->last_active = now_of(h);
    }
    return 0;
}

/* Move file bytes into the send buffer while it has room. Waiting until a quarter of the buffer
 * (or a whole scratch piece) is free keeps reads and sends large; the ACKs that free it bring
 * WEIR_EV_WRITABLE. Returns 0 or a negative code, with *why set when the file is at fault. */
static int send_file(weir_httpd *h, weir_httpd_conn *c, const char **why)
{
    uint64_t enough = c->sndbuf / 4 < h->scratch_len ? c->sndbuf / 4 : h->scratch_len;
    while (c->body_off < c->body_len) {
        uint64_t left = c->body_len - c->body_off;
        uint32_t room = send_room(h, c);
        uint64_t want = room < h->scratch_len ? room : h->scratch_len;
        want = want < left ? want : left;
        if (want == 0 || (want < enough && want < left))
            return 0;
        ssize_t got = pread(c->fd, h->scratch, (size_t)want, (off_t)c->body_off);
        if (got <= 0) {
            *why = "file shrank or became unreadable while being sent";
            return WEIR_ECONNABORTED;
        }
        int r = weir_tcp_send(h->stack, c->sock, h->scratch, (size_t)got);
        if (r == WEIR_EAGAIN || r == 0)
            return 0;
        if (r < 0)
            return r;
        c->body_off += (uint64_t)r; /* what was not taken is read again next time */
        c->last_active = now_of(h);
        if (r < got)
            return 0;
    }
    return 0;
}

static void finish_response(weir_httpd *h, weir_httpd_conn *c)
{
    h->requests++;
    log_request(h, c);
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->responding = false;
    if (c->close_after) {
        conn_close(h, c);
        return;
    }
    weir_http_req_next(&c->parser);
}

/* Returns false when the connection is gone. */
static bool continue_response(weir_httpd *h, weir_httpd_conn *c)
{
    const char *why = NULL;
    int r = send_head(h, c);
    if (r == 0 && c->head_sent == c->head_len)
        r = send_file(h, c, &why);
    if (r < 0) {
        conn_drop(h, c, why != NULL ? why : weir_strerror(r), true);
        return false;
    }
    if (c->head_sent < c->head_len || c->body_off < c->body_len)
        return true; /* waiting for WEIR_EV_WRITABLE */
    bool closing = c->close_after;
    finish_response(h, c);
    return !closing;
}

/* ---- receiving and the connection loop ------------------------------------------------------- */

static void feed_parser(weir_httpd_conn *c)
{
    size_t used = weir_http_req_feed(&c->parser, c->in, c->in_len);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
}

/* Returns false when the connection is gone. */
static bool receive_some(weir_httpd *h, weir_httpd_conn *c, bool *waiting)
{
    int r = weir_tcp_recv(h->stack, c->sock, c->in, sizeof c->in);
    if (r == WEIR_EAGAIN) {
        *waiting = true;
        return true;
    }
    if (r < 0) {
        conn_drop(h, c, weir_strerror(r), false);
        return false;
    }
    if (r == 0)
        c->peer_eof = true;
    c->in_len = (size_t)r;
    c->last_active = now_of(h);
    return true;
}

/* One bounded turn of the loop described at the top of the file. */
static void conn_pump(weir_httpd *h, weir_httpd_conn *c)
{
    c->more_work = false;
    for (int round = 0; round < PUMP_ROUNDS; round++) {
        bool waiting = false;
        if (c->responding) {
            if (!continue_response(h, c))
                return;
            if (c->responding)
                return;
        } else if (c->parser.state != WEIR_HTTP_MORE) {
            start_response(h, c);
        } else if (c->in_len > 0) {
            feed_parser(c);
        } else if (c->peer_eof) {
            conn_close(h, c); /* the client is done and nothing is left to answer */
            return;
        } else if (!receive_some(h, c, &waiting)) {
            return;
        }
        if (waiting)
            return;
    }
    c->more_work = true;
}

/* ---- accepting ------------------------------------------------------------------------------- */

/* Over the limit: a 503 and a polite close, so the client learns why rather than timing out. */
static void turn_away(weir_httpd *h, int sock, weir_endpoint peer)
{
    static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\nServer: weir\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\n"
                               "Retry-After: 1\r\nConnection: close\r\n\r\n"
                               "503 Service Unavailable\n";
    weir_tcp_shutdown_read(h->stack, sock);
    weir_tcp_send(h->stack, sock, resp, sizeof resp - 1);
    weir_tcp_close(h->stack, sock);
    if (h->cfg.log != NULL) {
        weir_httpd_log_entry e = {.client = peer,
                                  .method = "-",
                                  .target = "-",
                                  .status = 503,
                                  .note = "too many clients"};
        h->cfg.log(h->cfg.log_ctx, &e);
    }
}

static void adopt(weir_httpd *h, int sock, weir_endpoint peer)
{
    uint32_t slot = 0;
    while (slot < h->cfg.max_clients && h->conns[slot] != NULL)
        slot++;
    if (slot == h->cfg.max_clients) {
        turn_away(h, sock, peer);
        return;
    }
    weir_httpd_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        weir_tcp_abort(h->stack, sock);
        return;
    }
    int sndbuf = 0;
    weir_tcp_getopt(h->stack, sock, WEIR_TCP_OPT_SNDBUF, &sndbuf);
    c->sock = sock;
    c->peer = peer;
    c->sndbuf = sndbuf > 0 ? (uint32_t)sndbuf : 65536;
    c->fd = -1;
    c->last_active = now_of(h);
    weir_http_req_init(&c->parser);
    h->conns[slot] = c;
    h->active++;
    conn_pump(h, c); /* the request may already be waiting */
}

/* Take every connection waiting on the listener. When the stack has no handle left for one, it
 * stays queued and no new ACCEPTABLE will say so: retry when one of ours closes, or after
 * ACCEPT_RETRY_US (a handle someone else freed) — never in a busy loop. */
static void accept_all(weir_httpd *h)
{
    h->accept_retry_at = 0;
    for (int i = 0; i < ACCEPT_ROUNDS; i++) {
        weir_endpoint peer;
        int sock = weir_tcp_accept(h->stack, h->listener, &peer);
        if (sock == WEIR_EAGAIN)
            return;
        if (sock < 0) {
            h->accept_retry_at = now_of(h) + ACCEPT_RETRY_US;
            return;
        }
        adopt(h, sock, peer);
    }
    h->accept_retry_at = retry_now(h); /* a flood: the rest on the next poll */
}

/* ---- the public entry points ----------------------------------------------------------------- */

int weir_httpd_start(weir_httpd *h, weir_stack *s, const weir_httpd_config *cfg)
{
    memset(h, 0, sizeof(*h));
    h->listener = -1;
    if (s == NULL || cfg == NULL || cfg->root == NULL || cfg->max_clients == 0 ||
        cfg->max_clients > WEIR_HTTPD_MAX_CLIENTS || cfg->port == 0)
        return WEIR_EINVAL;
    h->stack = s;
    h->cfg = *cfg;
    h->cfg.backlog = cfg->backlog > 0 ? cfg->backlog : 32;
    struct stat st;
    h->root = realpath(cfg->root, NULL);
    if (h->root == NULL || stat(h->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        weir_httpd_stop(h);
        return WEIR_ENOENT;
    }
    h->root_len = strlen(h->root);
    h->cfg.root = h->root;
    h->conns = calloc(cfg->max_clients, sizeof(weir_httpd_conn *)); /* slots of pointers */
    h->scratch_len = SCRATCH_CAP;
    h->scratch = malloc(h->scratch_len);
    if (h->conns == NULL || h->scratch == NULL) {
        weir_httpd_stop(h);
        return WEIR_ENOMEM;
    }
    int sock = weir_tcp_socket(s);
    int err = sock < 0 ? sock : weir_tcp_bind(s, sock, (weir_endpoint){0, cfg->port});
    if (err == 0)
        err = weir_tcp_listen(s, sock, h->cfg.backlog);
    if (err < 0) {
        if (sock >= 0)
            weir_tcp_close(s, sock);
        weir_httpd_stop(h);
        return err;
    }
    h->listener = sock;
    return 0;
}

bool weir_httpd_handle_event(weir_httpd *h, const weir_event *ev)
{
    if (h->listener < 0)
        return false;
    if (ev->sock == h->listener) {
        if (ev->type == WEIR_EV_ACCEPTABLE)
            accept_all(h);
        return true;
    }
    weir_httpd_conn *c = find_conn(h, ev->sock);
    if (c == NULL)
        return false;
    switch (ev->type) {
    case WEIR_EV_ERROR:
        conn_drop(h, c, weir_strerror(ev->err), false);
        break;
    case WEIR_EV_CLOSED:
        conn_drop(h, c, "connection closed", false);
        break;
    default:
        conn_pump(h, c);
        break;
    }
    return true;
}

void weir_httpd_poll(weir_httpd *h)
{
    if (h->listener < 0)
        return;
    uint64_t now = now_of(h);
    if (h->accept_retry_at != 0 && now >= h->accept_retry_at)
        accept_all(h);
    for (uint32_t i = 0; i < h->cfg.max_clients; i++) {
        weir_httpd_conn *c = h->conns[i];
        if (c == NULL)
            continue;
        if (c->more_work) {
            conn_pump(h, c);
        } else if (h->cfg.idle_timeout_us != 0 && now - c->last_active >= h->cfg.idle_timeout_us) {
            if (c->responding) /* the client stopped reading: nothing polite is left */
                conn_drop(h, c, "idle timeout while sending", true);
            else
                conn_close(h, c);
        }
    }
}

uint64_t weir_httpd_next_deadline(const weir_httpd *h)
{
    if (h->listener < 0)
        return UINT64_MAX;
    uint64_t t = h->accept_retry_at != 0 ? h->accept_retry_at : UINT64_MAX;
    for (uint32_t i = 0; i < h->cfg.max_clients; i++) {
        const weir_httpd_conn *c = h->conns[i];
        if (c == NULL)
            continue;
        if (c->more_work)
            return now_of(h);
        if (h->cfg.idle_timeout_us != 0 && c->last_active + h->cfg.idle_timeout_us < t)
            t = c->last_active + h->cfg.idle_timeout_us;
    }
    return t;
}

uint32_t weir_httpd_clients(const weir_httpd *h) { return h->active; }

void weir_httpd_format_log(const weir_httpd_log_entry *e, char *out, size_t cap)
{
    uint32_t ip = e->client.ip;
    int n = snprintf(out, cap, "%u.%u.%u.%u:%u \"%s %s", (unsigned)(ip >> 24),
                     (unsigned)(ip >> 16 & 255), (unsigned)(ip >> 8 & 255), (unsigned)(ip & 255),
                     (unsigned)e->client.port, e->method, e->target);
    if (n < 0 || (size_t)n >= cap)
        return;
    size_t len = (size_t)n;
    if (e->version != 0)
        n = snprintf(out + len, cap - len, " HTTP/1.%d\" %d %llu", e->version % 10, e->status,
                     (unsigned long long)e->bytes);
    else
        n = snprintf(out + len, cap - len, "\" %d %llu", e->status, (unsigned long long)e->bytes);
    if (n < 0 || (size_t)n >= cap - len || e->note == NULL)
        return;
    len += (size_t)n;
    snprintf(out + len, cap - len, " (%s)", e->note);
}

void weir_httpd_stop(weir_httpd *h)
{
    if (h->conns != NULL) {
        for (uint32_t i = 0; i < h->cfg.max_clients; i++) {
            weir_httpd_conn *c = h->conns[i];
            if (c == NULL)
                continue;
            if (c->responding)
                conn_drop(h, c, "server stopped", true);
            else
                conn_close(h, c);
        }
    }
    if (h->listener >= 0)
        weir_tcp_close(h->stack, h->listener);
    h->listener = -1;
    free(h->conns);
    free(h->scratch);
    free(h->root);
    h->conns = NULL;
    h->scratch = NULL;
    h->root = NULL;
    h->active = 0;
}
