/* http.c — the pure pieces of HTTP/1.1 (see http.h): the request and response parsers and the
 * tables (URLs and request targets are url.c). No I/O, no allocation, no clock.
 *
 * Read first: RFC 9112 §2.2 (a recipient MAY take a bare LF as a line end; a bare CR is invalid),
 * §3 (request line), §4 (status line), §5 (fields: no space before the colon, no obs-fold), §6.3
 * (body length), §7.1 (chunked); RFC 9110 §8.6 (Content-Length lists); RFC 3986 §5.2.4 (dots).
 *
 * Both parsers work a byte at a time through the head (heads are small and this makes any split
 * of the input behave the same) and in bulk through bodies. Each completed line is checked and
 * forgotten; only the fields the tools need are kept. */
#include "http.h"
#include "http_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- characters ------------------------------------------------------------------------------ */

/* RFC 9110 §5.6.2: tchar. */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(unsigned char c) { return c == ' ' || c == '\t'; }

/* Control characters other than HTAB: never allowed in a field value (RFC 9110 §5.5). */
static bool is_bad_ctl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

/* ---- fields (RFC 9112 §5) -------------------------------------------------------------------- */

typedef struct field {
    const char *name, *value;
    size_t name_len, value_len;
} field;

/* Split "name: value" with its OWS trimmed. Returns NULL or what is wrong with the line. */
static const char *split_field(const char *line, size_t n, field *f)
{
    if (n > 0 && is_ows((unsigned char)line[0]))
        return "obsolete line folding in a header field";
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)line[i]))
        i++;
    if (i == n || i == 0)
        return "malformed header field";
    if (is_ows((unsigned char)line[i]))
        return "whitespace between a field name and its colon";
    if (line[i] != ':')
        return "bad character in a field name";
    f->name = line;
    f->name_len = i;
    size_t v = i + 1, end = n;
    while (v < end && is_ows((unsigned char)line[v]))
        v++;
    while (end > v && is_ows((unsigned char)line[end - 1]))
        end--;
    for (size_t k = v; k < end; k++)
        if (is_bad_ctl((unsigned char)line[k]))
            return "control character in a field value";
    f->value = line + v;
    f->value_len = end - v;
    return NULL;
}

/* Content-Length (RFC 9110 §8.6): digits, or a list of identical values. Returns false when the
 * value is malformed, overflows, or the list disagrees. */
static bool parse_content_length(const char *v, size_t n, uint64_t *out)
{
    bool have = false;
    uint64_t first = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && is_ows((unsigned char)v[i]))
            i++;
        uint64_t x = 0;
        size_t digits = 0;
        for (; i < n && v[i] >= '0' && v[i] <= '9'; i++, digits++) {
            if (x > (UINT64_MAX - 9) / 10)
                return false;
            x = x * 10 + (uint64_t)(v[i] - '0');
        }
        while (i < n && is_ows((unsigned char)v[i]))
            i++;
        if (digits == 0 || (i < n && v[i] != ','))
            return false;
        if (have && x != first)
            return false;
        first = x;
        have = true;
        if (i < n)
            i++; /* the comma */
    }
    *out = first;
    return have;
}

/* Calls `fn` for each element of a comma-separated list (RFC 9110 §5.6.1), OWS trimmed. */
static void for_each_element(const char *v, size_t n, void (*fn)(void *, const char *, size_t),
                             void *ctx)
{
    size_t i = 0;
    while (i <= n) {
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (start < end && is_ows((unsigned char)v[start]))
            start++;
        while (end > start && is_ows((unsigned char)v[end - 1]))
            end--;
        if (end > start)
            fn(ctx, v + start, end - start);
        i++;
    }
}

typedef struct conn_tokens {
    bool close, keep_alive;
} conn_tokens;

static void conn_token(void *ctx, const char *t, size_t n)
{
    conn_tokens *c = ctx;
    if (ieq(t, n, "close"))
        c->close = true;
    else if (ieq(t, n, "keep-alive"))
        c->keep_alive = true;
}

/* A line is complete at LF; a CR just before it is dropped and any other CR is a bare CR. */
static bool line_end(const char *line, size_t *n)
{
    if (*n > 0 && line[*n - 1] == '\r')
        (*n)--;
    return memchr(line, '\r', *n) == NULL;
}

/* ---- the request parser ---------------------------------------------------------------------- */

/* Returns false, so that a step can `return req_fail(...)`. */
static bool req_fail(weir_http_req_parser *p, int status, const char *why)
{
    p->state = WEIR_HTTP_ERROR;
    p->status = status;
    p->error = why;
    return false;
}

void weir_http_req_init(weir_http_req_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->state = WEIR_HTTP_MORE;
}

void weir_http_req_next(weir_http_req_parser *p)
{
    uint64_t skip = p->state == WEIR_HTTP_DONE ? p->req.content_length : 0;
    weir_http_req_init(p);
    p->skip = skip;
}

/* "HTTP/1.1" -> 11. Returns 0 when malformed, -1 for a major version other than 1. */
static int parse_version(const char *v, size_t n)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.')
        return 0;
    if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
        return 0;
    if (v[5] != '1')
        return -1;
    return v[7] == '0' ? 10 : 11; /* 1.2 and later minors are answered as 1.1 (RFC 9110 §2.5) */
}

/* RFC 9112 §3: method SP request-target SP HTTP-version. */
static bool parse_request_line(weir_http_req_parser *p, const char *line, size_t n)
{
    size_t m = 0;
    while (m < n && is_tchar((unsigned char)line[m]))
        m++;
    if (m == 0 || m == n || line[m] != ' ')
        return req_fail(p, 400, "malformed request line");
    if (m >= sizeof p->req.method_name)
        return req_fail(p, 501, "method not implemented");
    copy_bounded(p->req.method_name, sizeof p->req.method_name, line, m);
    size_t t = m + 1, te = t;
    while (te < n && line[te] != ' ') {
        unsigned char c = (unsigned char)line[te];
        if (c <= 0x20 || c >= 0x7f)
            return req_fail(p, 400, "bad character in the request target");
        te++;
    }
    if (te == t || te == n)
        return req_fail(p, 400, "malformed request line");
    if (te - t >= sizeof p->req.target)
        return req_fail(p, 414, "request target too long");
    copy_bounded(p->req.target, sizeof p->req.target, line + t, te - t);
    int version = parse_version(line + te + 1, n - te - 1);
    if (version == 0)
        return req_fail(p, 400, "malformed HTTP version");
    if (version < 0)
        return req_fail(p, 505, "only HTTP/1.x is supported");
    p->req.version = version;
    /* Methods are case-sensitive (RFC 9110 §9.1): "get" is some other method. */
    if (m == 3 && memcmp(line, "GET", 3) == 0)
        p->req.method = WEIR_HTTP_M_GET;
    else if (m == 4 && memcmp(line, "HEAD", 4) == 0)
        p->req.method = WEIR_HTTP_M_HEAD;
    else
        p->req.method = WEIR_HTTP_M_OTHER;
    p->in_fields = true;
    return true;
}

static bool parse_request_field(weir_http_req_parser *p, const char *line, size_t n)
{
    field f;
    const char *why = split_field(line, n, &f);
    if (why != NULL)
        return req_fail(p, 400, why);
    if (++p->fields > WEIR_HTTP_MAX_FIELDS)
        return req_fail(p, 431, "too many header fields");
    if (ieq(f.name, f.name_len, "host")) {
        if (p->saw_host)
            return req_fail(p, 400, "more than one Host field");
        p->saw_host = true;
    } else if (ieq(f.name, f.name_len, "content-length")) {
        uint64_t v;
        if (!parse_content_length(f.value, f.value_len, &v) ||
            (p->saw_cl && v != p->req.content_length))
            return req_fail(p, 400, "bad Content-Length");
        p->req.content_length = v;
        p->saw_cl = true;
    } else if (ieq(f.name, f.name_len, "transfer-encoding")) {
        p->saw_te = true;
    } else if (ieq(f.name, f.name_len, "connection")) {
        conn_tokens c = {p->conn_close, p->conn_keep_alive};
        for_each_element(f.value, f.value_len, conn_token, &c);
        p->conn_close = c.close;
        p->conn_keep_alive = c.keep_alive;
    }
    return true;
}

static bool finish_request_head(weir_http_req_parser *p)
{
    if (p->req.version == 11 && !p->saw_host)
        return req_fail(p, 400, "HTTP/1.1 request without Host"); /* RFC 9112 §3.2 */
    if (p->saw_te && p->saw_cl)
        return req_fail(p, 400, "both Transfer-Encoding and Content-Length"); /* §6.3 (3) */
    if (p->saw_te) /* §6.1: we take no request bodies, so no transfer coding either */
        return req_fail(p, 501, "request bodies with Transfer-Encoding are not supported");
    p->req.has_host = p->saw_host;
    p->req.keep_alive = p->req.version == 11 && !p->conn_close; /* HTTP/1.0: one request */
    p->state = WEIR_HTTP_DONE;
    return true;
}

static bool request_line_done(weir_http_req_parser *p)
{
    size_t n = p->line_len;
    p->line_len = 0;
    if (!line_end(p->line, &n))
        return req_fail(p, 400, "bare CR in the request head");
    if (!p->in_fields) {
        if (n == 0) { /* RFC 9112 §2.2: SHOULD ignore at least one empty line before it */
            if (++p->empty_lines > WEIR_HTTP_EMPTY_LINES_MAX)
                req_fail(p, 400, "too many empty lines before the request line");
            return true;
        }
        return parse_request_line(p, p->line, n);
    }
    if (n == 0)
        return finish_request_head(p);
    return parse_request_field(p, p->line, n);
}

size_t weir_http_req_feed(weir_http_req_parser *p, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len && p->state == WEIR_HTTP_MORE) {
        if (p->skip > 0) {
            size_t k = len - i < p->skip ? len - i : (size_t)p->skip;
            p->skip -= k;
            i += k;
            continue;
        }
        uint8_t b = data[i++];
        if (b == '\n') {
            request_line_done(p);
            continue;
        }
        if (++p->head_bytes > WEIR_HTTP_REQ_HEAD_MAX || p->line_len + 1 >= sizeof p->line) {
            if (p->in_fields)
                req_fail(p, 431, "request head too large");
            else
                req_fail(p, 414, "request line too long");
            continue;
        }
        p->line[p->line_len++] = (char)b;
    }
    return i;
}

/* ---- the response parser --------------------------------------------------------------------- */

enum resp_phase {
    P_STATUS,
    P_FIELDS,
    P_LENGTH,
    P_CHUNK_SIZE,
    P_CHUNK_DATA,
    P_CHUNK_END,    /* CRLF after chunk data: expecting CR or LF */
    P_CHUNK_END_LF, /* after its CR: expecting LF */
    P_TRAILERS,
    P_CLOSE,
    P_FINISHED,
};

/* Returns false, so that a step can `return resp_fail(...)`. */
static bool resp_fail(weir_http_resp_parser *p, const char *why)
{
    p->state = WEIR_HTTP_ERROR;
    p->error = why;
    return false;
}

void weir_http_resp_init(weir_http_resp_parser *p, bool head_request)
{
    memset(p, 0, sizeof(*p));
    p->state = WEIR_HTTP_MORE;
    p->phase = P_STATUS;
    p->head_request = head_request;
}

weir_http_state weir_http_resp_state(const weir_http_resp_parser *p) { return p->state; }

/* RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase]. The SP before an empty reason is
 * sometimes left out; we accept that. */
static bool parse_status_line(weir_http_resp_parser *p, const char *line, size_t n)
{
    int version = n >= 12 && line[8] == ' ' ? parse_version(line, 8) : 0;
    if (version <= 0)
        return resp_fail(p, "malformed status line (not HTTP/1.x)");
    int status = 0;
    for (size_t i = 9; i < 12; i++) {
        if (line[i] < '0' || line[i] > '9')
            return resp_fail(p, "malformed status code");
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599 || (n > 12 && line[12] != ' '))
        return resp_fail(p, "malformed status code");
    for (size_t i = 13; i < n; i++)
        if (is_bad_ctl((unsigned char)line[i]))
            return resp_fail(p, "control character in the reason phrase");
    p->resp.version = version;
    p->resp.status = status;
    p->resp.keep_alive = version == 11; /* until a Connection field says otherwise */
    if (n > 13)
        copy_bounded(p->resp.reason, sizeof p->resp.reason, line + 13, n - 13);
    p->phase = P_FIELDS;
    return true;
}

/* Transfer-Encoding (RFC 9112 §6.1): we decode chunked and nothing else, and chunked must be the
 * one and final coding. */
typedef struct te_codings {
    unsigned count, chunked_at;
    bool other;
} te_codings;

static void te_coding(void *ctx, const char *t, size_t n)
{
    te_codings *c = ctx;
    c->count++;
    if (ieq(t, n, "chunked"))
        c->chunked_at = c->count;
    else
        c->other = true;
}

static bool parse_response_field(weir_http_resp_parser *p, const char *line, size_t n)
{
    field f;
    const char *why = split_field(line, n, &f);
    if (why != NULL)
        return resp_fail(p, why);
    if (++p->fields > WEIR_HTTP_MAX_FIELDS)
        return resp_fail(p, "too many header fields");
    weir_http_response *r = &p->resp;
    if (ieq(f.name, f.name_len, "content-length")) {
        uint64_t v;
        if (!parse_content_length(f.value, f.value_len, &v) ||
            (p->saw_cl && v != r->content_length))
            return resp_fail(p, "bad or conflicting Content-Length");
        r->content_length = v;
        r->has_content_length = p->saw_cl = true;
    } else if (ieq(f.name, f.name_len, "transfer-encoding")) {
        te_codings c = {0, 0, false};
        for_each_element(f.value, f.value_len, te_coding, &c);
        if (c.other || p->saw_te || c.count != 1 || c.chunked_at != 1)
            return resp_fail(p, "unsupported Transfer-Encoding (only chunked is decoded)");
        p->saw_te = true;
    } else if (ieq(f.name, f.name_len, "location")) {
        if (f.value_len >= sizeof r->location)
            return resp_fail(p, "Location too long");
        copy_bounded(r->location, sizeof r->location, f.value, f.value_len);
        r->has_location = true;
    } else if (ieq(f.name, f.name_len, "content-type")) {
        copy_bounded(r->content_type, sizeof r->content_type, f.value, f.value_len);
    } else if (ieq(f.name, f.name_len, "connection")) {
        conn_tokens c = {false, false};
        for_each_element(f.value, f.value_len, conn_token, &c);
        r->keep_alive = r->version == 11 ? !c.close : c.keep_alive && !c.close;
    }
    return true;
}

/* RFC 9112 §6.3, in its order. */
static bool finish_response_head(weir_http_resp_parser *p)
{
    weir_http_response *r = &p->resp;
    int s = r->status;
    if (s >= 100 && s < 200) {
        if (s == 101)
            return resp_fail(p, "unexpected 101 Switching Protocols");
        weir_http_resp_init(p, p->head_request); /* interim response: the real one follows */
        return true;
    }
    p->head_bytes = 0;
    p->fields = 0;
    if (p->head_request || s == 204 || s == 304) {
        r->body = WEIR_HTTP_BODY_NONE;
    } else if (p->saw_te) {
        r->body = WEIR_HTTP_BODY_CHUNKED;
        if (p->saw_cl) /* §6.3 (3): a sign of smuggling; do not reuse the connection */
            r->keep_alive = false;
    } else if (p->saw_cl) {
        r->body = WEIR_HTTP_BODY_LENGTH;
    } else {
        r->body = WEIR_HTTP_BODY_CLOSE;
        r->keep_alive = false;
    }
    switch (r->body) {
    case WEIR_HTTP_BODY_NONE:
        p->phase = P_FINISHED;
        break;
    case WEIR_HTTP_BODY_LENGTH:
        p->left = r->content_length;
        p->phase = p->left == 0 ? P_FINISHED : P_LENGTH;
        break;
    case WEIR_HTTP_BODY_CHUNKED:
        p->phase = P_CHUNK_SIZE;
        break;
    case WEIR_HTTP_BODY_CLOSE:
        p->phase = P_CLOSE;
        break;
    }
    p->state = p->phase == P_FINISHED ? WEIR_HTTP_DONE : WEIR_HTTP_HEAD;
    return true;
}

/* chunk-ext (RFC 9112 §7.1.1): *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
 * Returns false when malformed. Extensions are understood by no one here and ignored. */
static bool skip_chunk_extensions(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && is_ows((unsigned char)s[i]))
            i++;
        if (i == n)
            return true;
        if (s[i++] != ';')
            return false;
        while (i < n && is_ows((unsigned char)s[i]))
            i++;
        size_t name = i;
        while (i < n && is_tchar((unsigned char)s[i]))
            i++;
        if (i == name)
            return false;
        while (i < n && is_ows((unsigned char)s[i]))
            i++;
        if (i == n || s[i] != '=')
            continue;
        i++;
        while (i < n && is_ows((unsigned char)s[i]))
            i++;
        if (i < n && s[i] == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\' && ++i == n)
                    return false;
            if (i++ == n)
                return false;
        } else {
            size_t val = i;
            while (i < n && is_tchar((unsigned char)s[i]))
                i++;
            if (i == val)
                return false;
        }
    }
}

static bool parse_chunk_size(weir_http_resp_parser *p, const char *line, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    for (; i < n && hex_value((unsigned char)line[i]) >= 0; i++) {
        if (size > (UINT64_MAX >> 4))
            return resp_fail(p, "chunk size overflows");
        size = size << 4 | (uint64_t)hex_value((unsigned char)line[i]);
    }
    if (i == 0)
        return resp_fail(p, "bad chunk size");
    if (!skip_chunk_extensions(line + i, n - i))
        return resp_fail(p, "bad chunk extension");
    if (size == 0) {
        p->phase = P_TRAILERS;
        return true;
    }
    p->left = size;
    p->phase = P_CHUNK_DATA;
    return true;
}

static bool parse_trailer(weir_http_resp_parser *p, const char *line, size_t n)
{
    if (n == 0) {
        p->phase = P_FINISHED;
        p->state = WEIR_HTTP_DONE;
        return true;
    }
    field f;
    const char *why = split_field(line, n, &f);
    if (why != NULL)
        return resp_fail(p, why);
    if (++p->fields > WEIR_HTTP_MAX_FIELDS)
        return resp_fail(p, "too many trailer fields");
    return true;
}

static bool response_line_done(weir_http_resp_parser *p)
{
    size_t n = p->line_len;
    p->line_len = 0;
    if (!line_end(p->line, &n))
        return resp_fail(p, "bare CR in the response");
    switch (p->phase) {
    case P_STATUS:
        if (n == 0)
            return resp_fail(p, "empty status line");
        return parse_status_line(p, p->line, n);
    case P_FIELDS:
        if (n == 0)
            return finish_response_head(p);
        return parse_response_field(p, p->line, n);
    case P_CHUNK_SIZE:
        return parse_chunk_size(p, p->line, n);
    default:
        return parse_trailer(p, p->line, n);
    }
}

/* One byte of a line-oriented phase. */
static bool response_line_byte(weir_http_resp_parser *p, uint8_t b)
{
    if (b == '\n')
        return response_line_done(p);
    size_t limit = p->phase == P_CHUNK_SIZE ? WEIR_HTTP_CHUNK_LINE_MAX : sizeof p->line;
    if (p->line_len + 1 >= limit)
        return resp_fail(p, p->phase == P_CHUNK_SIZE ? "chunk-size line too long"
                                                     : "response header line too long");
    if (p->phase != P_CHUNK_SIZE && ++p->head_bytes > WEIR_HTTP_RESP_HEAD_MAX)
        return resp_fail(p, "response head too large");
    p->line[p->line_len++] = (char)b;
    return true;
}

/* Body bytes for the sink; returns how many were used. */
static size_t response_body(weir_http_resp_parser *p, const uint8_t *d, size_t n,
                            weir_http_body_fn sink, void *ctx)
{
    size_t k = n;
    if (p->phase != P_CLOSE && p->left < k)
        k = (size_t)p->left;
    if (k > 0 && sink != NULL && sink(ctx, d, k) < 0) {
        resp_fail(p, "the body could not be written");
        return k;
    }
    p->body_bytes += k;
    if (p->phase == P_CLOSE)
        return k;
    p->left -= k;
    if (p->left == 0 && p->phase == P_LENGTH) {
        p->phase = P_FINISHED;
        p->state = WEIR_HTTP_DONE;
    } else if (p->left == 0) {
        p->phase = P_CHUNK_END;
    }
    return k;
}

static bool chunk_end_byte(weir_http_resp_parser *p, uint8_t b)
{
    if (p->phase == P_CHUNK_END && b == '\r') {
        p->phase = P_CHUNK_END_LF;
        return true;
    }
    if (b != '\n')
        return resp_fail(p, "missing CRLF after chunk data");
    p->phase = P_CHUNK_SIZE;
    return true;
}

size_t weir_http_resp_feed(weir_http_resp_parser *p, const uint8_t *data, size_t len,
                           weir_http_body_fn sink, void *ctx)
{
    size_t i = 0;
    while (i < len && (p->state == WEIR_HTTP_MORE || p->state == WEIR_HTTP_HEAD)) {
        switch (p->phase) {
        case P_LENGTH:
        case P_CHUNK_DATA:
        case P_CLOSE:
            i += response_body(p, data + i, len - i, sink, ctx);
            break;
        case P_CHUNK_END:
        case P_CHUNK_END_LF:
            chunk_end_byte(p, data[i++]);
            break;
        default: {
            bool in_head = p->phase == P_STATUS || p->phase == P_FIELDS;
            response_line_byte(p, data[i++]);
            if (in_head && p->state != WEIR_HTTP_MORE)
                return i; /* the head just completed: let the caller look before the body */
            break;
        }
        }
    }
    return i;
}

weir_http_state weir_http_resp_eof(weir_http_resp_parser *p)
{
    if (p->state == WEIR_HTTP_DONE || p->state == WEIR_HTTP_ERROR)
        return p->state;
    switch (p->phase) {
    case P_CLOSE:
        p->phase = P_FINISHED;
        p->state = WEIR_HTTP_DONE;
        return p->state;
    case P_STATUS:
    case P_FIELDS:
        if (p->phase == P_STATUS && p->line_len == 0)
            resp_fail(p, "connection closed before a response");
        else
            resp_fail(p, "connection closed inside the response head");
        return p->state;
    case P_LENGTH:
        snprintf(p->errbuf, sizeof p->errbuf,
                 "body shorter than Content-Length: %llu of %llu bytes",
                 (unsigned long long)p->body_bytes, (unsigned long long)p->resp.content_length);
        break;
    default:
        snprintf(p->errbuf, sizeof p->errbuf,
                 "connection closed inside the chunked body, after %llu bytes",
                 (unsigned long long)p->body_bytes);
        break;
    }
    resp_fail(p, p->errbuf);
    return p->state;
}

/* ---- tables ---------------------------------------------------------------------------------- */

const char *weir_http_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"csv", "text/csv; charset=utf-8"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"ico", "image/vnd.microsoft.icon"},
        {"webp", "image/webp"},
        {"pdf", "application/pdf"},
        {"wasm", "application/wasm"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
        {"tar", "application/x-tar"},
        {"mp4", "video/mp4"},
        {"pcap", "application/vnd.tcpdump.pcap"},
    };
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (dot != NULL && dot != base) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (ieq(dot + 1, strlen(dot + 1), types[i].ext))
                return types[i].type;
    }
    return "application/octet-stream";
}

const char *weir_http_status_text(int status)
{
    static const struct {
        int code;
        const char *text;
    } texts[] = {
        {200, "OK"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
        {505, "HTTP Version Not Supported"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i].code == status)
            return texts[i].text;
    return "Unknown";
}
