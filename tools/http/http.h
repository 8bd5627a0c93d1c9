/* http.h — the pure pieces of HTTP/1.1 that `weir get` and `weir serve` share: no sockets, no
 * files, no clock. URLs, an incremental request parser (server side), an incremental response
 * parser with its body reader (client side), the request-target to file-path mapping with its
 * traversal checks, content types and status texts.
 *
 * Read first: RFC 9112 §2.2 (message parsing, line endings), §3 (request line), §4 (status line),
 * §5 (field syntax), §6.3 (how long a body is), §7.1 (chunked); RFC 9110 §5.6.2 (tokens), §8.6
 * (Content-Length), §7.6.1 (Connection); RFC 3986 §3 and §5.2 (URLs, resolving a Location).
 *
 * The parsers take bytes in any split — one at a time or all at once gives the same result — and
 * keep only bounded state: every line, every field and the whole head have a size limit. */
#ifndef WEIR_TOOLS_HTTP_H
#define WEIR_TOOLS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    WEIR_HTTP_TARGET_MAX = 2048,     /* request-target / Location, bytes including the NUL */
    WEIR_HTTP_HOST_MAX = 256,        /* host name, bytes including the NUL */
    WEIR_HTTP_LINE_MAX = 8192,       /* one line of a head (and a chunk-size line) */
    WEIR_HTTP_REQ_HEAD_MAX = 8192,   /* a whole request head; more is 431 (414 for the line) */
    WEIR_HTTP_RESP_HEAD_MAX = 65536, /* a whole response head or trailer section */
    WEIR_HTTP_MAX_FIELDS = 100,      /* header fields in one head or trailer section */
    WEIR_HTTP_CHUNK_LINE_MAX = 4096, /* chunk-size line with its extensions */
    WEIR_HTTP_EMPTY_LINES_MAX = 4,   /* CRLFs tolerated before a request line (RFC 9112 §2.2) */
};

/* ---- URLs (RFC 3986 §3, restricted to http) -------------------------------------------------- */

typedef struct weir_http_url {
    char host[WEIR_HTTP_HOST_MAX]; /* lower-cased name or dotted IPv4 */
    bool host_is_ipv4;
    uint32_t ipv4;                     /* host order, when host_is_ipv4 */
    uint16_t port;                     /* 80 when the URL gives none */
    char target[WEIR_HTTP_TARGET_MAX]; /* path and query, "/" at least; no fragment */
} weir_http_url;

/* Parse "http://host[:port][/path][?query][#fragment]". Returns 0, or -1 with a sentence in `err`
 * (other schemes, https included, are refused by name; user info, IPv6 literals, bad ports and
 * bad characters are refused). Spaces and bytes above 0x7e in the path are percent-encoded. */
int weir_http_url_parse(const char *text, weir_http_url *out, char *err, size_t errcap);
/* Where a Location (absolute, scheme-relative, absolute path, relative path or query) leads from
 * the URL `base` (RFC 3986 §5.2). `out` may be `base`. Returns 0, or -1 with a sentence in `err`
 * (and `out` unchanged). */
int weir_http_url_resolve(const weir_http_url *base, const char *location, weir_http_url *out,
                          char *err, size_t errcap);
/* The Host field value for a URL: "host" or "host:port" when the port is not 80. */
void weir_http_url_host_header(const weir_http_url *url, char *out, size_t cap);

/* ---- the request parser (server side) -------------------------------------------------------- */

typedef enum weir_http_state {
    WEIR_HTTP_MORE = 0, /* needs more bytes */
    WEIR_HTTP_HEAD,     /* response parser only: the head is complete, the body is next */
    WEIR_HTTP_DONE,     /* the message is complete */
    WEIR_HTTP_ERROR,    /* malformed: see the parser's `status` / `error` */
} weir_http_state;

typedef enum weir_http_method {
    WEIR_HTTP_M_GET = 1,
    WEIR_HTTP_M_HEAD,
    WEIR_HTTP_M_OTHER, /* a syntactically valid method we do not serve */
} weir_http_method;

typedef struct weir_http_request {
    weir_http_method method;
    char method_name[16];              /* as sent (truncated), for the log */
    char target[WEIR_HTTP_TARGET_MAX]; /* the request-target as sent */
    int version;                       /* 10 or 11 */
    bool keep_alive;                   /* the connection may carry another request after this one */
    bool has_host;
    uint64_t content_length; /* body bytes after the head (the parser skips them) */
} weir_http_request;

typedef struct weir_http_req_parser {
    weir_http_request req; /* valid at WEIR_HTTP_DONE */
    int status;            /* at WEIR_HTTP_ERROR: the status to answer (400 414 431 501 505) */
    const char *error;     /* at WEIR_HTTP_ERROR: why, one short sentence */
    /* private */
    weir_http_state state;
    bool in_fields; /* the request line is done */
    size_t line_len, head_bytes;
    unsigned fields, empty_lines;
    bool saw_host, saw_cl, saw_te, conn_close, conn_keep_alive;
    uint64_t skip; /* body bytes of the previous request still to discard */
    char line[WEIR_HTTP_LINE_MAX];
} weir_http_req_parser;

void weir_http_req_init(weir_http_req_parser *p);
/* Take bytes; returns how many were used. Stops at the end of the head (DONE) or at an error, so
 * pipelined bytes that follow stay with the caller. */
size_t weir_http_req_feed(weir_http_req_parser *p, const uint8_t *data, size_t len);
/* After DONE: get ready for the next request on the connection. The body of the request just
 * parsed (Content-Length bytes) is skipped on the way. */
void weir_http_req_next(weir_http_req_parser *p);

/* ---- the response parser (client side) ------------------------------------------------------- */

typedef enum weir_http_body_kind {
    WEIR_HTTP_BODY_NONE = 0, /* HEAD, 1xx, 204, 304 */
    WEIR_HTTP_BODY_LENGTH,   /* Content-Length bytes */
    WEIR_HTTP_BODY_CHUNKED,  /* Transfer-Encoding: chunked */
    WEIR_HTTP_BODY_CLOSE,    /* until the server closes the connection */
} weir_http_body_kind;

typedef struct weir_http_response {
    int version; /* 10 or 11 */
    int status;
    char reason[64];
    bool has_content_length;
    uint64_t content_length;
    weir_http_body_kind body;
    bool keep_alive; /* the connection may carry another request after this response */
    bool has_location;
    char location[WEIR_HTTP_TARGET_MAX];
    char content_type[128];
} weir_http_response;

/* Receives body bytes as they are decoded; a negative return stops the parser with an error. */
typedef int (*weir_http_body_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct weir_http_resp_parser {
    weir_http_response resp; /* valid from WEIR_HTTP_HEAD on */
    uint64_t body_bytes;     /* body bytes handed to the sink so far */
    const char *error;       /* at WEIR_HTTP_ERROR: why */
    /* private */
    weir_http_state state;
    int phase;
    bool head_request, saw_cl, saw_te;
    size_t line_len, head_bytes;
    unsigned fields;
    uint64_t left; /* bytes left in the Content-Length body or the current chunk */
    char errbuf[160];
    char line[WEIR_HTTP_LINE_MAX];
} weir_http_resp_parser;

/* `head_request`: the request was HEAD, so the response has no body whatever its fields say. */
void weir_http_resp_init(weir_http_resp_parser *p, bool head_request);
/* Take bytes; returns how many were used. Stops once when the head is complete (state HEAD, no
 * body byte delivered yet), at the end of the message (DONE, the rest belongs to the next
 * response) and at an error. Body bytes go to `sink`. Interim 1xx responses are skipped. */
size_t weir_http_resp_feed(weir_http_resp_parser *p, const uint8_t *data, size_t len,
                           weir_http_body_fn sink, void *ctx);
/* The connection ended: DONE for a close-delimited body, ERROR for anything cut short (no head,
 * a body shorter than its Content-Length, an unfinished chunked body). */
weir_http_state weir_http_resp_eof(weir_http_resp_parser *p);
weir_http_state weir_http_resp_state(const weir_http_resp_parser *p);

/* ---- mapping a request-target to a file ------------------------------------------------------ */

/* Decode the path of an origin-form (or absolute-form) target into a path relative to the served
 * directory: "" for the root, "a/b.html" otherwise, never starting with '/', never containing a
 * "." or ".." segment. Returns 0, or the status to answer: 400 (bad escape, NUL byte, not a path),
 * 403 (a ".." segment after decoding), 414 (too long). `dir_form` tells whether the path ended
 * with '/'. */
int weir_http_target_to_path(const char *target, char *out, size_t cap, bool *dir_form);

/* "text/html; charset=utf-8" for "x.html"; application/octet-stream when unknown. */
const char *weir_http_content_type(const char *path);
/* "Not Found" for 404; "Unknown" for codes we never send. */
const char *weir_http_status_text(int status);

#endif
