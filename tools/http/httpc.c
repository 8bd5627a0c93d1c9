/* httpc.c — one HTTP/1.1 exchange on a weir stack (see httpc.h).
 *
 * connect -> send the request (it may be queued before the handshake completes, RFC 9293
 * §3.10.2) -> read: every received piece goes through the response parser, which stops once at
 * the end of the head so on_head (and the redirect check) run before any body byte reaches the
 * sink -> at the end of the message, or at the end of the stream for a close-delimited body, the
 * exchange is DONE and the connection is closed.
 *
 * The request says "Connection: close": this client never reuses a connection, and RFC 9112 §9.6
 * says such a client MUST say so. It still closes its side as soon as the message is complete
 * rather than waiting for the server's FIN, which a read-until-close body alone needs.
 *
 * Read first: RFC 9112 §3.2 (Host), §6.3 (body length and what "incomplete" means), §9.6. */
#include "httpc.h"

#include <stdio.h>
#include <string.h>

enum {
    RECV_PIECE = 16384, /* bytes taken from the stack per weir_tcp_recv */
    READ_ROUNDS = 64,   /* receive calls per turn; more continue from poll */
};

/* ---- ending ---------------------------------------------------------------------------------- */

/* The polite end: unread bytes (a redirect's body, anything after the response) are discarded
 * rather than answered with a reset, then FIN. */
static void release(weir_httpc *c, bool reset)
{
    if (c->sock < 0)
        return;
    if (reset) {
        weir_tcp_abort(c->stack, c->sock);
    } else {
        weir_tcp_shutdown_read(c->stack, c->sock);
        weir_tcp_close(c->stack, c->sock);
    }
    c->sock = -1;
}

static void succeed(weir_httpc *c)
{
    c->phase = WEIR_HTTPC_DONE;
    c->more_work = false;
    release(c, false);
}

/* `err`: the connection's WEIR_E* code, or 0 for an HTTP-level failure described by `what`. */
static void fail(weir_httpc *c, int err, const char *what)
{
    if (weir_httpc_finished(c))
        return;
    c->err = err;
    c->more_work = false;
    const weir_http_resp_parser *p = &c->parser;
    if (err != 0 && c->phase == WEIR_HTTPC_BODY)
        snprintf(c->message, sizeof c->message, "%s, after %llu body bytes", what,
                 (unsigned long long)p->body_bytes);
    else
        snprintf(c->message, sizeof c->message, "%s", what);
    c->phase = WEIR_HTTPC_FAILED;
    release(c, true); /* a reset: whatever the server still sends is of no use (no RST is sent
                         when the connection is already gone) */
}

/* ---- the request ----------------------------------------------------------------------------- */

/* Field values and the target go on the wire verbatim: no control characters (a CR or LF would
 * let a value inject fields), and no spaces in the target (they would split the request line). */
static bool safe_text(const char *s, bool allow_space)
{
    if (s == NULL || s[0] == '\0')
        return false;
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f || (ch == ' ' && !allow_space))
            return false;
    }
    return true;
}

static int build_request(weir_httpc *c, const weir_httpc_config *cfg)
{
    const char *ua = cfg->user_agent != NULL ? cfg->user_agent : "weir";
    if (!safe_text(cfg->host, false) || !safe_text(cfg->target, false) || !safe_text(ua, true))
        return WEIR_EINVAL;
    int n = snprintf(c->req, sizeof c->req,
                     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
                     "Connection: close\r\n\r\n",
                     cfg->head ? "HEAD" : "GET", cfg->target, cfg->host, ua);
    if (n < 0 || (size_t)n >= sizeof c->req)
        return WEIR_EINVAL;
    c->req_len = (size_t)n;
    return 0;
}

static void send_request(weir_httpc *c)
{
    while (c->sock >= 0 && c->req_sent < c->req_len) {
        int r = weir_tcp_send(c->stack, c->sock, c->req + c->req_sent, c->req_len - c->req_sent);
        if (r == WEIR_EAGAIN || r == 0)
            return;
        if (r < 0) {
            fail(c, r, weir_strerror(r));
            return;
        }
        c->req_sent += (size_t)r;
    }
}

/* ---- the response ---------------------------------------------------------------------------- */

static bool is_redirect(const weir_http_response *r)
{
    int s = r->status;
    return r->has_location && (s == 301 || s == 302 || s == 303 || s == 307 || s == 308);
}

/* The head is complete. Returns false when the exchange ended here. */
static bool head_arrived(weir_httpc *c)
{
    const weir_http_response *r = &c->parser.resp;
    c->head_seen = true;
    c->phase = WEIR_HTTPC_BODY;
    if (is_redirect(r)) { /* its body is for browsers without Location support: not ours */
        c->redirect = true;
        succeed(c);
        return false;
    }
    if (c->cfg.on_head != NULL && c->cfg.on_head(c->cfg.ctx, r) < 0) {
        fail(c, 0, "abandoned after the response head");
        return false;
    }
    return true;
}

static void report_progress(weir_httpc *c)
{
    if (c->cfg.on_progress == NULL || !c->head_seen)
        return;
    const weir_http_response *r = &c->parser.resp;
    uint64_t total = r->body == WEIR_HTTP_BODY_LENGTH ? r->content_length : UINT64_MAX;
    c->cfg.on_progress(c->cfg.ctx, c->parser.body_bytes, total);
}

static void parser_failed(weir_httpc *c)
{
    char what[sizeof c->message];
    snprintf(what, sizeof what, "malformed response: %s", c->parser.error);
    if (strcmp(c->parser.error, "the body could not be written") == 0)
        snprintf(what, sizeof what, "%s", c->parser.error);
    fail(c, 0, what);
}

/* Run received bytes through the parser. */
static void take(weir_httpc *c, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len && !weir_httpc_finished(c)) {
        off += weir_http_resp_feed(&c->parser, data + off, len - off, c->cfg.on_body, c->cfg.ctx);
        weir_http_state st = weir_http_resp_state(&c->parser);
        if (st == WEIR_HTTP_ERROR) {
            parser_failed(c);
            return;
        }
        if (!c->head_seen && st != WEIR_HTTP_MORE && !head_arrived(c))
            return;
        if (st == WEIR_HTTP_DONE) {
            report_progress(c);
            succeed(c); /* anything after the response is not ours */
            return;
        }
    }
    report_progress(c);
}

static void end_of_stream(weir_httpc *c)
{
    weir_http_state st = weir_http_resp_eof(&c->parser);
    if (st == WEIR_HTTP_ERROR) {
        fail(c, 0, c->parser.error);
        return;
    }
    if (!c->head_seen && !head_arrived(c))
        return;
    report_progress(c);
    succeed(c);
}

static void read_response(weir_httpc *c)
{
    uint8_t buf[RECV_PIECE];
    c->more_work = false;
    for (int round = 0; round < READ_ROUNDS; round++) {
        if (c->sock < 0 || weir_httpc_finished(c))
            return;
        int r = weir_tcp_recv(c->stack, c->sock, buf, sizeof buf);
        if (r == WEIR_EAGAIN)
            return;
        if (r < 0) {
            fail(c, r, weir_strerror(r));
            return;
        }
        c->last_active = weir_stack_now(c->stack);
        if (c->phase == WEIR_HTTPC_CONNECTING)
            c->phase = WEIR_HTTPC_WAITING;
        if (r == 0) {
            end_of_stream(c);
            return;
        }
        take(c, buf, (size_t)r);
    }
    c->more_work = true;
}

/* ---- the public entry points ----------------------------------------------------------------- */

int weir_httpc_start(weir_httpc *c, weir_stack *s, const weir_httpc_config *cfg)
{
    memset(c, 0, sizeof(*c));
    c->sock = -1;
    c->phase = WEIR_HTTPC_FAILED;
    if (s == NULL || cfg == NULL)
        return WEIR_EINVAL;
    c->stack = s;
    c->cfg = *cfg;
    c->cfg.host = c->cfg.target = c->cfg.user_agent = NULL; /* used once, below */
    int err = build_request(c, cfg);
    if (err < 0) {
        snprintf(c->message, sizeof c->message, "bad host, target or user agent");
        c->err = err;
        return err;
    }
    weir_http_resp_init(&c->parser, cfg->head);
    c->phase = WEIR_HTTPC_CONNECTING;
    c->last_active = weir_stack_now(s);
    int sock = weir_tcp_socket(s);
    err = sock < 0 ? sock : weir_tcp_connect(s, sock, cfg->server);
    if (err < 0) {
        if (sock >= 0)
            weir_tcp_close(s, sock);
        fail(c, err, weir_strerror(err));
        return err;
    }
    c->sock = sock;
    send_request(c); /* queued now, sent with the handshake's end */
    return 0;
}

bool weir_httpc_handle_event(weir_httpc *c, const weir_event *ev)
{
    if (c->sock < 0 || ev->sock != c->sock)
        return false;
    switch (ev->type) {
    case WEIR_EV_CONNECTED:
        c->phase = WEIR_HTTPC_WAITING;
        c->last_active = weir_stack_now(c->stack);
        send_request(c);
        break;
    case WEIR_EV_WRITABLE:
        send_request(c);
        break;
    case WEIR_EV_READABLE:
    case WEIR_EV_PEER_CLOSED:
        read_response(c);
        break;
    case WEIR_EV_ERROR:
        read_response(c); /* bytes that arrived before the reset still count */
        fail(c, ev->err, weir_strerror(ev->err));
        break;
    case WEIR_EV_CLOSED:
        read_response(c);
        if (!weir_httpc_finished(c))
            fail(c, WEIR_ECONNABORTED, "connection closed");
        break;
    default:
        break;
    }
    return true;
}

void weir_httpc_poll(weir_httpc *c)
{
    if (weir_httpc_finished(c))
        return;
    if (c->more_work)
        read_response(c);
    uint64_t now = weir_stack_now(c->stack);
    if (!weir_httpc_finished(c) && c->cfg.timeout_us != 0 &&
        now - c->last_active >= c->cfg.timeout_us) {
        char what[96];
        snprintf(what, sizeof what, "%s (nothing for %llu ms)", weir_strerror(WEIR_ETIMEDOUT),
                 (unsigned long long)(c->cfg.timeout_us / 1000));
        fail(c, WEIR_ETIMEDOUT, what);
    }
}

uint64_t weir_httpc_next_deadline(const weir_httpc *c)
{
    if (weir_httpc_finished(c))
        return UINT64_MAX;
    if (c->more_work)
        return weir_stack_now(c->stack);
    return c->cfg.timeout_us != 0 ? c->last_active + c->cfg.timeout_us : UINT64_MAX;
}

bool weir_httpc_finished(const weir_httpc *c)
{
    return c->phase == WEIR_HTTPC_DONE || c->phase == WEIR_HTTPC_FAILED;
}

void weir_httpc_close(weir_httpc *c)
{
    if (!weir_httpc_finished(c))
        fail(c, WEIR_ECONNABORTED, weir_strerror(WEIR_ECONNABORTED));
    release(c, true);
}
