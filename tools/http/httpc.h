/* httpc.h — one HTTP/1.1 exchange on a weir stack, for `weir get`.
 *
 * The client connects to an IPv4 address and port, sends one GET (or HEAD) with the Host the
 * caller gives, and reads the response incrementally: the head first (handed to on_head, which
 * may refuse it), then the body, decoded from Content-Length, chunked or read-until-close framing,
 * to the caller's sink, with progress reports. A redirect (3xx with Location) ends the exchange
 * without reading its body; resolve `location` against the request URL with
 * weir_http_url_resolve() and start a new client (it may be another host: resolve its name
 * first). Like the server it is driven by the caller: weir_httpc_handle_event() for each event,
 * weir_httpc_poll() after each weir_stack_poll(), weir_httpc_next_deadline() for the timer.
 *
 * Failure is never silent: refused, reset and timed-out connections carry the stack's code and
 * weir_strerror()'s words; a malformed response or a body shorter than its Content-Length (or an
 * unfinished chunked body) is a failure, not a short success.
 *
 * Read first: RFC 9112 §6.3 (body length), §9.6 (tear-down), RFC 9110 §15.4 (redirects),
 * §10.2.2 (Location). */
#ifndef WEIR_TOOLS_HTTPC_H
#define WEIR_TOOLS_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "weir/stack.h"
#include "weir/tcp.h"

/* The head has arrived (status, framing, type). A negative return abandons the exchange. */
typedef int (*weir_httpc_head_fn)(void *ctx, const weir_http_response *resp);
/* Body bytes so far; `total` is the Content-Length, or UINT64_MAX when it is not known. */
typedef void (*weir_httpc_progress_fn)(void *ctx, uint64_t bytes, uint64_t total);

typedef struct weir_httpc_config {
    weir_endpoint server;       /* IPv4 address and port, host order */
    const char *host;           /* the Host field: "example.com" or "10.0.0.2:8080" (required) */
    const char *target;         /* "/path?query" (required) */
    bool head;                  /* send HEAD instead of GET */
    const char *user_agent;     /* NULL: "weir" */
    uint64_t timeout_us;        /* fail when nothing arrives for this long (0: the stack's own
                                   connection timeouts only) */
    weir_httpc_head_fn on_head; /* optional */
    weir_http_body_fn on_body;  /* optional: the body is dropped without it */
    weir_httpc_progress_fn on_progress; /* optional */
    void *ctx;                          /* for the three callbacks */
} weir_httpc_config;

typedef enum weir_httpc_phase {
    WEIR_HTTPC_CONNECTING = 0,
    WEIR_HTTPC_WAITING, /* connected, request (being) sent, waiting for the response */
    WEIR_HTTPC_BODY,    /* the head is in, the body is arriving */
    WEIR_HTTPC_DONE,    /* success: the whole response (or a redirect's head) arrived */
    WEIR_HTTPC_FAILED,  /* see err and message */
} weir_httpc_phase;

typedef struct weir_httpc {
    weir_httpc_phase phase;
    int err;           /* FAILED: the connection's WEIR_E* code, 0 for an HTTP-level failure */
    char message[224]; /* FAILED: one sentence saying what went wrong */
    bool redirect;     /* DONE on a 3xx with a Location: see parser.resp.location */
    weir_http_resp_parser parser; /* parser.resp: status, fields; parser.body_bytes */
    /* private */
    weir_stack *stack;
    weir_httpc_config cfg;
    int sock;
    bool head_seen, more_work;
    uint64_t last_active;
    size_t req_len, req_sent;
    char req[WEIR_HTTP_TARGET_MAX + WEIR_HTTP_HOST_MAX + 256];
} weir_httpc;

/* Open the connection and queue the request. Returns 0, or WEIR_EINVAL (a missing or unsafe host,
 * target or user agent: control characters, spaces in the target) or the stack's error. */
int weir_httpc_start(weir_httpc *c, weir_stack *s, const weir_httpc_config *cfg);
/* Handle one event from weir_stack_next_event(); false when the socket is not this client's. */
bool weir_httpc_handle_event(weir_httpc *c, const weir_event *ev);
/* Call after each weir_stack_poll(): the timeout, and work left over from a busy turn. */
void weir_httpc_poll(weir_httpc *c);
/* When weir_httpc_poll() next has something to do (UINT64_MAX: nothing until an event). */
uint64_t weir_httpc_next_deadline(const weir_httpc *c);
/* DONE or FAILED. */
bool weir_httpc_finished(const weir_httpc *c);
/* Release the connection: a reset if the exchange is still running. Safe to call twice. */
void weir_httpc_close(weir_httpc *c);

#endif
