/* httpd.h — a static-file HTTP/1.1 server on a weir stack, for `weir serve`.
 *
 * The server is a struct the caller owns and drives: weir_httpd_handle_event() for each event the
 * stack reports (it says whether the event was one of the server's), weir_httpd_poll() after each
 * weir_stack_poll(), weir_httpd_next_deadline() to know when to come back. It never blocks, never
 * reads a clock of its own (it asks the stack for `now`) and keeps no globals.
 *
 * GET and HEAD of regular files under one directory; keep-alive and pipelining in order; files
 * are read a piece at a time, only as the connection's send buffer drains. Every request is
 * logged through the caller's callback when its response is finished (or cut short).
 *
 * Read first: RFC 9112 §9.3 (persistence), §9.6 (closing), RFC 9110 §15 (status codes),
 * §9.3.1-2 (GET, HEAD), §10.2.1 (Allow). */
#ifndef WEIR_TOOLS_HTTPD_H
#define WEIR_TOOLS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weir/stack.h"
#include "weir/tcp.h"

enum {
    WEIR_HTTPD_MAX_CLIENTS = 1024, /* the largest max_clients accepted */
};

/* One finished request (or a connection turned away), for the access log. Strings are valid
 * during the call only. */
typedef struct weir_httpd_log_entry {
    weir_endpoint client;
    const char *method; /* as sent, "-" when the request line could not be read */
    const char *target; /* as sent, "-" when unknown */
    int version;        /* 10 or 11, 0 when unknown */
    int status;
    uint64_t bytes;   /* body bytes handed to TCP */
    const char *note; /* why an error status was sent or the response cut short, or NULL */
} weir_httpd_log_entry;

typedef void (*weir_httpd_log_fn)(void *ctx, const weir_httpd_log_entry *e);

typedef struct weir_httpd_config {
    uint16_t port;            /* listening port (80) */
    const char *root;         /* the directory served; required */
    uint32_t max_clients;     /* connections served at once (64, at most WEIR_HTTPD_MAX_CLIENTS);
                                 one more is answered 503 and closed. The stack's handle table
                                 (max_sockets) bounds it too: past that, clients wait in the
                                 listen backlog until a handle comes free */
    int backlog;              /* listen backlog (32) */
    uint64_t idle_timeout_us; /* close a connection that makes no progress for this long (30 s;
                                 0: never) */
    bool date;                /* send a Date field (true; tests turn it off) */
    weir_httpd_log_fn log;    /* optional */
    void *log_ctx;
} weir_httpd_config;

void weir_httpd_config_init(weir_httpd_config *cfg);

typedef struct weir_httpd_conn weir_httpd_conn;

/* Caller-owned. Fields are private, except that the caller may read `requests`. */
typedef struct weir_httpd {
    weir_stack *stack;
    weir_httpd_config cfg;
    char *root; /* realpath of cfg.root */
    size_t root_len;
    int listener;            /* -1 when stopped */
    weir_httpd_conn **conns; /* cfg.max_clients slots, NULL when free */
    uint32_t active;
    uint8_t *scratch; /* file pieces pass through here on their way to weir_tcp_send */
    size_t scratch_len;
    uint64_t accept_retry_at; /* accept found no free handle: retry then (0: no retry due) */
    uint64_t requests;        /* responses finished, for the caller's statistics */
} weir_httpd;

/* Resolve the root, listen on cfg->port. Returns 0, WEIR_ENOENT when the root is not a readable
 * directory, WEIR_EINVAL for a bad config, WEIR_ENOMEM, or the stack's error (WEIR_EADDRINUSE). */
int weir_httpd_start(weir_httpd *h, weir_stack *s, const weir_httpd_config *cfg);
/* Handle one event from weir_stack_next_event(); false when the socket is not the server's. */
bool weir_httpd_handle_event(weir_httpd *h, const weir_event *ev);
/* Call after each weir_stack_poll(): idle timeouts, and work left over from a busy turn. */
void weir_httpd_poll(weir_httpd *h);
/* When weir_httpd_poll() next has something to do (UINT64_MAX: nothing until an event). */
uint64_t weir_httpd_next_deadline(const weir_httpd *h);
/* One access-log line: 10.0.0.1:49152 "GET /a.html HTTP/1.1" 200 5120 (note). Truncated to cap. */
void weir_httpd_format_log(const weir_httpd_log_entry *e, char *out, size_t cap);
/* Connections open now. */
uint32_t weir_httpd_clients(const weir_httpd *h);
/* Close the listener and every connection (idle ones gracefully, those mid-response with a
 * reset), release all memory. Safe to call twice. */
void weir_httpd_stop(weir_httpd *h);

#endif
