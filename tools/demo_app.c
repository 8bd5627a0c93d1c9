/* demo_app.c — the two applications of `weir demo`, written as any program on a non-blocking
 * socket API is: react to readiness events, never wait.
 *
 *   browser: connect; on CONNECTED send the GET (continuing on WRITABLE); read until the headers
 *            and Content-Length bytes of body are in; then close — it closes first.
 *   server:  listen; accept on ACCEPTABLE; read the request up to the blank line; send the response
 *            (send may take part of it: continue on WRITABLE); read on until end of stream (the
 *            browser's FIN); close a moment later, so that its ACK of the FIN and its own FIN
 *            travel separately and CLOSE-WAIT can be seen.
 *
 * Also builds the deterministic page the server sends. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

/* ---- content -------------------------------------------------------------------------------- */

static const char *const k_facts[] = {
    "TCP numbers every byte it sends; the first number is the initial sequence number (ISN).",
    "A SYN and a FIN each consume one sequence number, although they carry no data.",
    "ack is the next byte the receiver expects: seq + len of the data received.",
    "A bare ACK consumes no sequence number and is never acknowledged itself.",
    "The sender keeps data until it is acknowledged, and sends it again when a timer fires.",
    "The window says how many more bytes the receiver can take right now.",
    "Each direction is closed on its own: a FIN says no more data will follow.",
    "TIME-WAIT lasts two maximum segment lifetimes, so a lost last ACK can be repeated.",
};

static void append(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n >= cap)
        n = cap - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* About 5 KB of HTML: four full segments and a bit with a 1460-byte MSS. */
static size_t build_page(char *buf, size_t cap)
{
    enum { TARGET = 5000 };
    size_t len = 0;
    char line[256];
    buf[0] = '\0';
    append(buf, cap, &len,
           "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
           "<title>weir demo</title></head>\n<body>\n<h1>Hello from 10.0.0.2</h1>\n"
           "<p>This page crossed an in-memory link in several TCP segments.</p>\n<ol>\n");
    for (unsigned i = 1; len < TARGET; i++) {
        snprintf(line, sizeof line, "<li id=\"f%03u\">%s</li>\n", i,
                 k_facts[(i - 1) % (sizeof k_facts / sizeof k_facts[0])]);
        append(buf, cap, &len, line);
    }
    append(buf, cap, &len, "</ol>\n</body>\n</html>\n");
    return len;
}

void weir_cli_demo_content(weir_cli_demo *d)
{
    d->page_len = build_page((char *)d->page, sizeof d->page);
    int n = snprintf(d->request, sizeof d->request,
                     "GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: weir-demo\r\n"
                     "Accept: text/html\r\n\r\n");
    d->request_len = n > 0 ? (size_t)n : 0;
    char head[256];
    n = snprintf(head, sizeof head,
                 "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                 "Content-Length: %zu\r\nServer: weir-demo\r\n\r\n",
                 d->page_len);
    size_t hl = n > 0 ? (size_t)n : 0;
    memcpy(d->response, head, hl);
    memcpy(d->response + hl, d->page, d->page_len);
    d->response_len = hl + d->page_len;
}

/* ---- narration helpers ---------------------------------------------------------------------- */

static void tell(weir_cli_demo *d, int side, weir_cli_msg msg, const weir_cli_vars *vs)
{
    weir_cli_narr_app(&d->narr, side, d->now, msg, vs);
}

static void ip_str(uint32_t ip, char *out, size_t cap)
{
    snprintf(out, cap, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 255),
             (unsigned)(ip >> 8 & 255), (unsigned)(ip & 255));
}

/* ---- start ---------------------------------------------------------------------------------- */

static int server_start(weir_cli_demo *d)
{
    weir_stack *s = d->side[WEIR_SIDE_SERVER].stack;
    d->server.conn = -1;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_u64(&vs, "port", WEIR_DEMO_PORT);
    tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_LISTEN, &vs);
    int sock = weir_tcp_socket(s);
    if (sock < 0)
        return sock;
    d->server.listener = sock;
    int err = weir_tcp_bind(s, sock, (weir_endpoint){0, WEIR_DEMO_PORT});
    return err < 0 ? err : weir_tcp_listen(s, sock, 4);
}

static int browser_start(weir_cli_demo *d)
{
    weir_stack *s = d->side[WEIR_SIDE_BROWSER].stack;
    char ip[32];
    ip_str(WEIR_DEMO_SERVER_IP, ip, sizeof ip);
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_str(&vs, "ip", ip);
    weir_cli_vars_u64(&vs, "port", WEIR_DEMO_PORT);
    tell(d, WEIR_SIDE_BROWSER, WEIR_MSG_APP_CONNECT, &vs);
    int sock = weir_tcp_socket(s);
    d->browser.sock = sock;
    if (sock < 0)
        return sock;
    return weir_tcp_connect(s, sock, (weir_endpoint){WEIR_DEMO_SERVER_IP, WEIR_DEMO_PORT});
}

int weir_cli_demo_apps_start(weir_cli_demo *d)
{
    d->browser.sock = -1;
    d->server.listener = d->server.conn = -1;
    int err = server_start(d);
    if (err < 0)
        return err;
    d->acted = true;
    return browser_start(d);
}

/* ---- the browser ---------------------------------------------------------------------------- */

static void browser_fail(weir_cli_demo *d, int err)
{
    weir_cli_browser *b = &d->browser;
    b->failed = true;
    b->err = err;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_str(&vs, "err", weir_strerror(err));
    tell(d, WEIR_SIDE_BROWSER, WEIR_MSG_APP_ERROR, &vs);
    if (b->sock >= 0)
        weir_tcp_close(d->side[WEIR_SIDE_BROWSER].stack, b->sock);
    b->sock = -1;
    b->finished = true;
}

static void browser_send(weir_cli_demo *d)
{
    weir_cli_browser *b = &d->browser;
    while (b->sock >= 0 && b->req_sent < d->request_len) {
        int r = weir_tcp_send(d->side[WEIR_SIDE_BROWSER].stack, b->sock, d->request + b->req_sent,
                              d->request_len - b->req_sent);
        if (r == WEIR_EAGAIN || r == 0)
            return;
        if (r < 0) {
            browser_fail(d, r);
            return;
        }
        b->req_sent += (size_t)r;
        d->acted = true;
    }
}

/* Parse the status line and Content-Length once the blank line is in. */
static void browser_parse_head(weir_cli_browser *b)
{
    if (b->header_done)
        return;
    const char *p = (const char *)b->buf;
    const char *end = NULL;
    for (size_t i = 0; i + 4 <= b->len; i++) {
        if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
            end = p + i;
            break;
        }
    }
    if (end == NULL)
        return;
    b->header_done = true;
    b->header_len = (size_t)(end - p) + 4;
    char head[1024];
    size_t hl = b->header_len < sizeof head ? b->header_len : sizeof head - 1;
    memcpy(head, p, hl);
    head[hl] = '\0';
    const char *cl = strstr(head, "\r\nContent-Length: ");
    if (strncmp(head, "HTTP/1.1 200 ", 13) != 0 || cl == NULL) {
        b->bad_response = true;
        return;
    }
    b->content_length = (size_t)strtoul(cl + 18, NULL, 10);
    if (b->header_len + b->content_length > sizeof b->buf)
        b->bad_response = true;
}

static void browser_done(weir_cli_demo *d)
{
    weir_cli_browser *b = &d->browser;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_u64(&vs, "n", b->content_length);
    tell(d, WEIR_SIDE_BROWSER, WEIR_MSG_APP_PAGE_DONE, &vs);
    weir_tcp_close(d->side[WEIR_SIDE_BROWSER].stack, b->sock);
    b->sock = -1;
    b->finished = true;
    d->acted = true;
}

static bool browser_complete(const weir_cli_browser *b)
{
    return b->header_done && !b->bad_response && b->len >= b->header_len + b->content_length;
}

static void browser_read(weir_cli_demo *d)
{
    weir_cli_browser *b = &d->browser;
    weir_stack *s = d->side[WEIR_SIDE_BROWSER].stack;
    while (b->sock >= 0 && !b->eof && b->len < sizeof b->buf) {
        int r = weir_tcp_recv(s, b->sock, b->buf + b->len, sizeof b->buf - b->len);
        if (r == WEIR_EAGAIN)
            break;
        if (r < 0) {
            browser_fail(d, r);
            return;
        }
        if (r == 0)
            b->eof = true;
        b->len += (size_t)r;
        browser_parse_head(b);
    }
    if (b->sock < 0)
        return;
    if (browser_complete(b))
        browser_done(d);
    else if (b->eof || b->bad_response || b->len == sizeof b->buf)
        browser_fail(d, WEIR_ECONNABORTED);
}

static void browser_event(weir_cli_demo *d, const weir_event *ev)
{
    if (ev->sock != d->browser.sock || d->browser.sock < 0)
        return;
    switch (ev->type) {
    case WEIR_EV_CONNECTED: {
        d->browser.connected = true;
        weir_cli_vars vs = {.count = 0};
        weir_cli_vars_u64(&vs, "n", d->request_len);
        tell(d, WEIR_SIDE_BROWSER, WEIR_MSG_APP_CONNECTED, &vs);
        browser_send(d);
        break;
    }
    case WEIR_EV_WRITABLE:
        browser_send(d);
        break;
    case WEIR_EV_READABLE:
    case WEIR_EV_PEER_CLOSED:
        browser_read(d);
        break;
    case WEIR_EV_ERROR:
        browser_fail(d, ev->err);
        break;
    default:
        break;
    }
}

/* ---- the server ----------------------------------------------------------------------------- */

static void server_fail(weir_cli_demo *d, int err)
{
    weir_cli_server *sv = &d->server;
    sv->failed = true;
    sv->err = err;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_str(&vs, "err", weir_strerror(err));
    tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_ERROR, &vs);
    if (sv->conn >= 0)
        weir_tcp_close(d->side[WEIR_SIDE_SERVER].stack, sv->conn);
    sv->conn = -1;
    sv->closed = true;
}

static void server_maybe_close(weir_cli_demo *d)
{
    weir_cli_server *sv = &d->server;
    if (!sv->eof || sv->resp_sent < d->response_len || sv->close_at != 0 || sv->closed)
        return;
    sv->close_at = d->now + WEIR_DEMO_SERVER_CLOSE_DELAY_US;
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_u64(&vs, "ms", WEIR_DEMO_SERVER_CLOSE_DELAY_US / 1000);
    tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_CLOSE_LATER, &vs);
}

static void server_send(weir_cli_demo *d)
{
    weir_cli_server *sv = &d->server;
    while (sv->conn >= 0 && sv->got_request && sv->resp_sent < d->response_len) {
        size_t left = d->response_len - sv->resp_sent;
        int r = weir_tcp_send(d->side[WEIR_SIDE_SERVER].stack, sv->conn,
                              d->response + sv->resp_sent, left);
        if (r == WEIR_EAGAIN || r == 0)
            break;
        if (r < 0) {
            server_fail(d, r);
            return;
        }
        sv->resp_sent += (size_t)r;
        d->acted = true;
        if ((size_t)r < left && !sv->partial_told) {
            sv->partial_told = true;
            weir_cli_vars vs = {.count = 0};
            weir_cli_vars_u64(&vs, "n", (uint64_t)r);
            weir_cli_vars_u64(&vs, "m", left - (size_t)r);
            tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_PARTIAL, &vs);
        }
    }
    server_maybe_close(d);
}

static void server_got_request(weir_cli_demo *d)
{
    weir_cli_server *sv = &d->server;
    sv->got_request = true;
    char line[64];
    size_t k = strcspn(sv->req, "\r\n");
    snprintf(line, sizeof line, "%.*s", (int)(k < 60 ? k : 60), sv->req);
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_str(&vs, "line", line);
    weir_cli_vars_u64(&vs, "n", d->response_len);
    weir_cli_vars_u64(&vs, "m", d->page_len);
    tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_REQUEST, &vs);
    server_send(d);
}

/* Keep what fits of the request; once the blank line is in, answer. */
static void server_take(weir_cli_demo *d, const uint8_t *data, size_t n)
{
    weir_cli_server *sv = &d->server;
    if (sv->got_request)
        return;
    size_t room = sizeof sv->req - 1 - sv->req_len;
    size_t k = n < room ? n : room;
    memcpy(sv->req + sv->req_len, data, k);
    sv->req_len += k;
    sv->req[sv->req_len] = '\0';
    if (strstr(sv->req, "\r\n\r\n") != NULL || sv->req_len == sizeof sv->req - 1)
        server_got_request(d);
}

static void server_read(weir_cli_demo *d)
{
    weir_cli_server *sv = &d->server;
    uint8_t buf[2048];
    while (sv->conn >= 0 && !sv->eof) {
        int r = weir_tcp_recv(d->side[WEIR_SIDE_SERVER].stack, sv->conn, buf, sizeof buf);
        if (r == WEIR_EAGAIN)
            return;
        if (r < 0) {
            server_fail(d, r);
            return;
        }
        if (r == 0) {
            sv->eof = true;
            tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_EOF, NULL);
            server_maybe_close(d);
            return;
        }
        server_take(d, buf, (size_t)r);
    }
}

static void server_accept(weir_cli_demo *d)
{
    weir_cli_server *sv = &d->server;
    weir_stack *s = d->side[WEIR_SIDE_SERVER].stack;
    weir_endpoint peer;
    int c;
    while ((c = weir_tcp_accept(s, sv->listener, &peer)) >= 0) {
        d->acted = true;
        if (sv->conn >= 0) { /* one browser, one connection: anything else is turned away */
            weir_tcp_abort(s, c);
            continue;
        }
        sv->conn = c;
        char ip[32];
        ip_str(peer.ip, ip, sizeof ip);
        weir_cli_vars vs = {.count = 0};
        weir_cli_vars_str(&vs, "ip", ip);
        weir_cli_vars_u64(&vs, "port", peer.port);
        tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_ACCEPT, &vs);
        server_read(d); /* the request may already be waiting */
    }
}

static void server_event(weir_cli_demo *d, const weir_event *ev)
{
    weir_cli_server *sv = &d->server;
    if (ev->sock == sv->listener) {
        if (ev->type == WEIR_EV_ACCEPTABLE)
            server_accept(d);
        return;
    }
    if (ev->sock != sv->conn || sv->conn < 0)
        return;
    switch (ev->type) {
    case WEIR_EV_READABLE:
    case WEIR_EV_PEER_CLOSED:
        server_read(d);
        break;
    case WEIR_EV_WRITABLE:
        server_send(d);
        break;
    case WEIR_EV_ERROR:
        server_fail(d, ev->err);
        break;
    default:
        break;
    }
}

/* ---- the loop's entry points ---------------------------------------------------------------- */

void weir_cli_demo_apps_events(weir_cli_demo *d)
{
    weir_event ev;
    while (weir_stack_next_event(d->side[WEIR_SIDE_BROWSER].stack, &ev))
        browser_event(d, &ev);
    while (weir_stack_next_event(d->side[WEIR_SIDE_SERVER].stack, &ev))
        server_event(d, &ev);
}

void weir_cli_demo_apps_timers(weir_cli_demo *d)
{
    weir_cli_server *sv = &d->server;
    if (sv->close_at == 0 || d->now < sv->close_at || sv->closed)
        return;
    tell(d, WEIR_SIDE_SERVER, WEIR_MSG_APP_CLOSE, NULL);
    weir_tcp_close(d->side[WEIR_SIDE_SERVER].stack, sv->conn);
    sv->conn = -1;
    sv->closed = true;
    d->acted = true;
}

uint64_t weir_cli_demo_apps_deadline(const weir_cli_demo *d)
{
    const weir_cli_server *sv = &d->server;
    return sv->close_at != 0 && !sv->closed ? sv->close_at : UINT64_MAX;
}

bool weir_cli_demo_apps_finished(const weir_cli_demo *d)
{
    const weir_cli_server *sv = &d->server;
    bool server_done = sv->closed || sv->failed || d->browser.failed;
    return d->browser.finished && server_done;
}

const uint8_t *weir_cli_demo_body(const weir_cli_demo *d, size_t *len)
{
    const weir_cli_browser *b = &d->browser;
    if (!b->header_done || b->bad_response || b->len < b->header_len) {
        *len = 0;
        return NULL;
    }
    size_t body = b->len - b->header_len;
    *len = body < b->content_length ? body : b->content_length;
    return b->buf + b->header_len;
}
