/* test_http_parse.c — the pure HTTP/1.1 pieces of tools/http/http.c: URLs and Location
 * resolution, the request parser (server side), the response parser with its body reader (client
 * side), the request-target to file-path mapping and the content-type table.
 *
 * Every parser case runs three ways — the whole input at once, one byte at a time, and split in
 * two at every position — and must give the same verdict, the same fields and the same body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

/* ---- URLs ------------------------------------------------------------------------------------ */

static void url_ok(const char *text, const char *host, uint16_t port, const char *target)
{
    weir_http_url u;
    char err[160] = "";
    if (weir_http_url_parse(text, &u, err, sizeof err) != 0)
        fail_msg("%s: refused: %s", text, err);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    assert_string_equal(u.target, target);
}

/* Refused, with a message containing `words`. */
static void url_bad(const char *text, const char *words)
{
    weir_http_url u;
    char err[160] = "";
    if (weir_http_url_parse(text, &u, err, sizeof err) == 0)
        fail_msg("%s: accepted", text);
    if (strstr(err, words) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", text, err, words);
}

static void urls_are_parsed(void **state)
{
    (void)state;
    url_ok("http://example.com", "example.com", 80, "/");
    url_ok("HTTP://Example.COM/", "example.com", 80, "/");
    url_ok("http://10.0.0.2:8080/a/b?x=1#frag", "10.0.0.2", 8080, "/a/b?x=1");
    url_ok("http://h?q=1", "h", 80, "/?q=1");
    url_ok("http://h:65535/", "h", 65535, "/");
    url_ok("http://h:1", "h", 1, "/");
    url_ok("http://my-host_1.example./x", "my-host_1.example.", 80, "/x");
    url_ok("http://h/a b/\xc3\xa9", "h", 80, "/a%20b/%C3%A9");
    weir_http_url u;
    assert_int_equal(weir_http_url_parse("http://192.168.1.20/", &u, NULL, 0), 0);
    assert_true(u.host_is_ipv4);
    assert_int_equal(u.ipv4, 0xC0A80114u);
    assert_int_equal(weir_http_url_parse("http://a.example/", &u, NULL, 0), 0);
    assert_false(u.host_is_ipv4);
}

static void bad_urls_are_refused_with_a_reason(void **state)
{
    (void)state;
    url_bad("https://example.com/", "https");
    url_bad("ftp://example.com/", "'ftp'");
    url_bad("example.com/index.html", "should start with http://");
    url_bad("", "empty");
    url_bad("http:/x", "//");
    url_bad("http://", "no host");
    url_bad("http://:80/", "no host");
    url_bad("http://h:/", "empty port");
    url_bad("http://h:0/", "out of range");
    url_bad("http://h:65536/", "out of range");
    url_bad("http://h:99999999999999999999/", "out of range");
    url_bad("http://h:8a/", "bad port");
    url_bad("http://user:pw@h/", "user names");
    url_bad("http://[::1]/", "IPv6");
    url_bad("http://256.1.1.1/", "bad IPv4");
    url_bad("http://1.2.3/", "bad IPv4");
    url_bad("http://01.2.3.4/", "bad IPv4");
    url_bad("http://1.2.3.4.5/", "bad IPv4");
    url_bad("http://bad!host/", "bad host name");
    url_bad("http://a..b/", "bad host name");
    url_bad("http://h/a\001b", "control character");
    char long_url[3000];
    memset(long_url, 'a', sizeof long_url - 1);
    long_url[sizeof long_url - 1] = '\0';
    memcpy(long_url, "http://h/", 9);
    url_bad(long_url, "too long");
}

static void resolve_ok(const char *location, const char *host, uint16_t port, const char *target)
{
    weir_http_url base, out;
    char err[160] = "";
    assert_int_equal(weir_http_url_parse("http://h:8080/a/b/c?q", &base, NULL, 0), 0);
    if (weir_http_url_resolve(&base, location, &out, err, sizeof err) != 0)
        fail_msg("%s: refused: %s", location, err);
    assert_string_equal(out.host, host);
    assert_int_equal(out.port, port);
    assert_string_equal(out.target, target);
}

static void locations_resolve_against_the_request_url(void **state)
{
    (void)state;
    resolve_ok("/x", "h", 8080, "/x");
    resolve_ok("d", "h", 8080, "/a/b/d");
    resolve_ok("../d?z", "h", 8080, "/a/d?z");
    resolve_ok("./", "h", 8080, "/a/b/");
    resolve_ok("../../../../x", "h", 8080, "/x");
    resolve_ok("?z=1", "h", 8080, "/a/b/c?z=1");
    resolve_ok("/p/./q/../r#top", "h", 8080, "/p/r");
    resolve_ok("//other.example/p", "other.example", 80, "/p");
    resolve_ok("http://10.1.2.3:81/new", "10.1.2.3", 81, "/new");
    weir_http_url base, out;
    char err[160] = "";
    assert_int_equal(weir_http_url_parse("http://h/", &base, NULL, 0), 0);
    assert_int_equal(weir_http_url_resolve(&base, "https://h/", &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "https"));
    assert_int_equal(weir_http_url_resolve(&base, "", &out, err, sizeof err), -1);
    /* in place, as a redirect loop does it */
    assert_int_equal(weir_http_url_parse("http://h:8080/a/b", &base, NULL, 0), 0);
    assert_int_equal(weir_http_url_resolve(&base, "c?d", &base, err, sizeof err), 0);
    assert_string_equal(base.target, "/a/c?d");
    assert_int_equal(weir_http_url_resolve(&base, "http://x.example/", &base, err, sizeof err), 0);
    assert_string_equal(base.host, "x.example");
    assert_int_equal(base.port, 80);
    assert_int_equal(weir_http_url_resolve(&base, "ftp://y/", &base, err, sizeof err), -1);
    assert_string_equal(base.host, "x.example");
}

static void host_header_names_the_port_only_when_not_80(void **state)
{
    (void)state;
    weir_http_url u;
    char hh[300];
    assert_int_equal(weir_http_url_parse("http://h.example/", &u, NULL, 0), 0);
    weir_http_url_host_header(&u, hh, sizeof hh);
    assert_string_equal(hh, "h.example");
    assert_int_equal(weir_http_url_parse("http://10.0.0.2:8080/", &u, NULL, 0), 0);
    weir_http_url_host_header(&u, hh, sizeof hh);
    assert_string_equal(hh, "10.0.0.2:8080");
}

/* ---- the request parser ---------------------------------------------------------------------- */

typedef struct req_result {
    weir_http_state state;
    int status;
    size_t used;
    weir_http_request req;
} req_result;

/* Feed `in` in pieces of `step` bytes (0: all at once), or split once at `split` when step is
 * SIZE_MAX. */
static req_result req_run(const char *in, size_t len, size_t step, size_t split)
{
    static weir_http_req_parser p;
    weir_http_req_init(&p);
    size_t off = 0;
    while (off < len && p.state == WEIR_HTTP_MORE) {
        size_t k = len - off;
        if (step == SIZE_MAX)
            k = off < split ? split - off : k;
        else if (step > 0 && k > step)
            k = step;
        off += weir_http_req_feed(&p, (const uint8_t *)in + off, k);
    }
    req_result r = {.state = p.state, .status = p.status, .used = off, .req = p.req};
    return r;
}

/* Field by field: struct padding is not comparable. */
static bool same_request(const weir_http_request *a, const weir_http_request *b)
{
    return a->method == b->method && strcmp(a->method_name, b->method_name) == 0 &&
           strcmp(a->target, b->target) == 0 && a->version == b->version &&
           a->keep_alive == b->keep_alive && a->has_host == b->has_host &&
           a->content_length == b->content_length;
}

static void req_same(const req_result *a, const req_result *b, const char *in, const char *how)
{
    if (a->state != b->state || a->status != b->status || a->used != b->used ||
        !same_request(&a->req, &b->req))
        fail_msg("request %.40s...: %s gives another result (state %d/%d status %d/%d)", in, how,
                 a->state, b->state, a->status, b->status);
}

/* Parse every way; all must agree. Returns the one-shot result. */
static req_result req_all_ways(const char *in, size_t len)
{
    req_result whole = req_run(in, len, 0, 0);
    req_result bytes = req_run(in, len, 1, 0);
    req_same(&whole, &bytes, in, "byte at a time");
    for (size_t split = 1; split < len && len < 600; split++) {
        req_result two = req_run(in, len, SIZE_MAX, split);
        req_same(&whole, &two, in, "a split");
    }
    return whole;
}

static void requests_parse_the_same_in_any_split(void **state)
{
    (void)state;
    const char in[] = "GET /docs/a%20b.html?x=1 HTTP/1.1\r\nHost: 10.0.0.2\r\n"
                      "User-Agent: t\r\nAccept:   */*  \r\nConnection: keep-alive\r\n\r\n";
    req_result r = req_all_ways(in, strlen(in));
    assert_int_equal(r.state, WEIR_HTTP_DONE);
    assert_int_equal(r.used, strlen(in));
    assert_int_equal(r.req.method, WEIR_HTTP_M_GET);
    assert_string_equal(r.req.method_name, "GET");
    assert_string_equal(r.req.target, "/docs/a%20b.html?x=1");
    assert_int_equal(r.req.version, 11);
    assert_true(r.req.keep_alive);
    assert_true(r.req.has_host);
}

static void connection_persistence_follows_version_and_connection(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool keep_alive;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, CLOSE\r\n\r\n", false},
        {"GET / HTTP/1.0\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false}, /* 1.0: one request */
        {"GET / HTTP/1.7\r\nHost: a\r\n\r\n", true},                 /* a later 1.x minor */
        {"\r\n\r\nGET / HTTP/1.1\nHost: a\n\n", true}, /* leading CRLFs, bare LF endings */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_result r = req_all_ways(cases[i].in, strlen(cases[i].in));
        if (r.state != WEIR_HTTP_DONE || r.req.keep_alive != cases[i].keep_alive)
            fail_msg("case %zu: state %d keep_alive %d", i, r.state, r.req.keep_alive);
    }
}

static void methods_are_case_sensitive_and_named(void **state)
{
    (void)state;
    req_result r = req_all_ways("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n", 29);
    assert_int_equal(r.req.method, WEIR_HTTP_M_HEAD);
    r = req_all_ways("get /x HTTP/1.1\r\nHost: a\r\n\r\n", 28);
    assert_int_equal(r.state, WEIR_HTTP_DONE);
    assert_int_equal(r.req.method, WEIR_HTTP_M_OTHER);
    r = req_all_ways("DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n", 31);
    assert_int_equal(r.req.method, WEIR_HTTP_M_OTHER);
    assert_string_equal(r.req.method_name, "DELETE");
}

static void malformed_requests_get_their_status(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int status;
    } cases[] = {
        {"GET /\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
        {"GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET / HTTP/1.a\r\nHost: a\r\n\r\n", 400},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
        {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET /a\177b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET /a\x80 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: a\001b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
         400},
        {"GET / HTTP/1.1\rHost: a\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400},
        {"\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        {"SOMEVERYLONGMETHODNAME / HTTP/1.1\r\nHost: a\r\n\r\n", 501},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_result r = req_all_ways(cases[i].in, strlen(cases[i].in));
        if (r.state != WEIR_HTTP_ERROR || r.status != cases[i].status)
            fail_msg("case %zu (%.30s): state %d status %d, expected %d", i, cases[i].in, r.state,
                     r.status, cases[i].status);
    }
    /* NUL in the request line (strlen would stop at it) */
    static const char nul[] = "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n";
    req_result r = req_all_ways(nul, sizeof nul - 1);
    assert_int_equal(r.state, WEIR_HTTP_ERROR);
    assert_int_equal(r.status, 400);
}

static void oversized_requests_are_refused(void **state)
{
    (void)state;
    static char in[20000];
    /* a target longer than WEIR_HTTP_TARGET_MAX: 414 */
    int n = snprintf(in, sizeof in, "GET /%03000d HTTP/1.1\r\nHost: a\r\n\r\n", 7);
    req_result r = req_all_ways(in, (size_t)n);
    assert_int_equal(r.status, 414);
    /* a request line longer than the line limit: 414 before the line even ends */
    memset(in, 'a', sizeof in);
    memcpy(in, "GET /", 5);
    r = req_run(in, sizeof in, 0, 0);
    assert_int_equal(r.state, WEIR_HTTP_ERROR);
    assert_int_equal(r.status, 414);
    /* fields beyond the head limit: 431 */
    size_t len = (size_t)snprintf(in, sizeof in, "GET / HTTP/1.1\r\nHost: a\r\n");
    while (len < 9000)
        len += (size_t)snprintf(in + len, sizeof in - len, "X-Filler: %060d\r\n", 1);
    len += (size_t)snprintf(in + len, sizeof in - len, "\r\n");
    r = req_all_ways(in, len);
    assert_int_equal(r.status, 431);
    /* too many (small) fields: 431 */
    len = (size_t)snprintf(in, sizeof in, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < WEIR_HTTP_MAX_FIELDS; i++)
        len += (size_t)snprintf(in + len, sizeof in - len, "X:%d\r\n", i % 10);
    len += (size_t)snprintf(in + len, sizeof in - len, "\r\n");
    r = req_all_ways(in, len);
    assert_int_equal(r.status, 431);
}

static void pipelined_requests_come_out_one_at_a_time_skipping_bodies(void **state)
{
    (void)state;
    const char in[] = "POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello=world"
                      "GET /two HTTP/1.1\r\nHost: a\r\n\r\n"
                      "HEAD /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    const char *expect[] = {"/form", "/two", "/three"};
    for (size_t step = 0; step <= 7; step++) { /* all at once, then pieces of 1..7 bytes */
        weir_http_req_parser p;
        weir_http_req_init(&p);
        size_t off = 0, len = strlen(in);
        int seen = 0;
        for (int guard = 0; guard < 10000 && off < len; guard++) {
            size_t k = step == 0 || len - off < step ? len - off : step;
            off += weir_http_req_feed(&p, (const uint8_t *)in + off, k);
            if (p.state == WEIR_HTTP_DONE) {
                assert_true(seen < 3);
                assert_string_equal(p.req.target, expect[seen]);
                seen++;
                weir_http_req_next(&p);
            }
            assert_int_not_equal(p.state, WEIR_HTTP_ERROR);
        }
        assert_int_equal(seen, 3);
    }
}

/* ---- the response parser --------------------------------------------------------------------- */

typedef struct resp_result {
    weir_http_state state;
    bool saw_head_stop; /* feed stopped with state HEAD before any body byte */
    size_t used;
    char error[160];
    weir_http_response resp;
    size_t body_len;
    uint8_t body[300000];
} resp_result;

typedef struct sink_buf {
    uint8_t *data;
    size_t len, cap;
    int fail_after; /* return -1 on this call (1-based); 0 never */
    int calls;
} sink_buf;

static int sink_append(void *ctx, const uint8_t *d, size_t n)
{
    sink_buf *s = ctx;
    if (s->fail_after != 0 && ++s->calls >= s->fail_after)
        return -1;
    if (s->len + n > s->cap)
        return -1;
    memcpy(s->data + s->len, d, n);
    s->len += n;
    return 0;
}

/* Feed in pieces as req_run does; eof: tell the parser the stream ended afterwards. */
static void resp_run(resp_result *r, const char *in, size_t len, size_t step, size_t split,
                     bool head, bool eof)
{
    static weir_http_resp_parser p;
    weir_http_resp_init(&p, head);
    sink_buf sink = {r->body, 0, sizeof r->body, 0, 0};
    size_t off = 0;
    r->saw_head_stop = false;
    for (int guard = 0; guard < 1000000 && off < len; guard++) {
        if (p.state == WEIR_HTTP_DONE || p.state == WEIR_HTTP_ERROR)
            break;
        size_t k = len - off;
        if (step == SIZE_MAX)
            k = off < split ? split - off : k;
        else if (step > 0 && k > step)
            k = step;
        size_t before = sink.len;
        off += weir_http_resp_feed(&p, (const uint8_t *)in + off, k, sink_append, &sink);
        if (p.state == WEIR_HTTP_HEAD && p.body_bytes == 0 && sink.len == before)
            r->saw_head_stop = true;
    }
    if (eof)
        weir_http_resp_eof(&p);
    r->state = p.state;
    r->used = off;
    snprintf(r->error, sizeof r->error, "%s", p.error != NULL ? p.error : "");
    r->resp = p.resp;
    r->body_len = sink.len;
    assert_int_equal(p.body_bytes, sink.len);
}

static bool same_response(const weir_http_response *a, const weir_http_response *b)
{
    return a->version == b->version && a->status == b->status &&
           strcmp(a->reason, b->reason) == 0 && a->has_content_length == b->has_content_length &&
           a->content_length == b->content_length && a->body == b->body &&
           a->keep_alive == b->keep_alive && a->has_location == b->has_location &&
           strcmp(a->location, b->location) == 0 && strcmp(a->content_type, b->content_type) == 0;
}

static void resp_same(const resp_result *a, const resp_result *b, const char *how)
{
    if (a->state != b->state || a->used != b->used || a->body_len != b->body_len ||
        memcmp(a->body, b->body, a->body_len) != 0 || !same_response(&a->resp, &b->resp) ||
        strcmp(a->error, b->error) != 0)
        fail_msg("response: %s gives another result (state %d/%d, body %zu/%zu, '%s'/'%s')", how,
                 a->state, b->state, a->body_len, b->body_len, a->error, b->error);
}

/* Parse every way; all must agree. The one-shot result is left in *out. */
static void resp_all_ways(resp_result *out, const char *in, size_t len, bool head, bool eof)
{
    static resp_result other;
    resp_run(out, in, len, 0, 0, head, eof);
    resp_run(&other, in, len, 1, 0, head, eof);
    resp_same(out, &other, "byte at a time");
    for (size_t split = 1; split < len && len < 2000; split++) {
        resp_run(&other, in, len, SIZE_MAX, split, head, eof);
        resp_same(out, &other, "a split");
    }
}

static resp_result g_r; /* large: kept off the C stack */

static void content_length_bodies_stop_at_their_end(void **state)
{
    (void)state;
    const char in[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5, 5\r\n"
                      "\r\nhelloHTTP/1.1 200 OK\r\n"; /* the next response must not be eaten */
    resp_all_ways(&g_r, in, strlen(in), false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_DONE);
    assert_int_equal(g_r.resp.status, 200);
    assert_string_equal(g_r.resp.reason, "OK");
    assert_int_equal(g_r.resp.body, WEIR_HTTP_BODY_LENGTH);
    assert_int_equal(g_r.resp.content_length, 5);
    assert_string_equal(g_r.resp.content_type, "text/plain");
    assert_true(g_r.resp.keep_alive);
    assert_int_equal(g_r.body_len, 5);
    assert_memory_equal(g_r.body, "hello", 5);
    assert_int_equal(g_r.used, strlen(in) - strlen("HTTP/1.1 200 OK\r\n"));
}

static void the_parser_pauses_after_the_head(void **state)
{
    (void)state;
    const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    weir_http_resp_parser *p = malloc(sizeof(*p));
    assert_non_null(p);
    weir_http_resp_init(p, false);
    uint8_t body[8];
    sink_buf sink = {body, 0, sizeof body, 0, 0};
    size_t used = weir_http_resp_feed(p, (const uint8_t *)in, strlen(in), sink_append, &sink);
    assert_int_equal(used, strlen(in) - 3);
    assert_int_equal(weir_http_resp_state(p), WEIR_HTTP_HEAD);
    assert_int_equal(sink.len, 0);
    used = weir_http_resp_feed(p, (const uint8_t *)in + used, 3, sink_append, &sink);
    assert_int_equal(used, 3);
    assert_int_equal(weir_http_resp_state(p), WEIR_HTTP_DONE);
    assert_memory_equal(body, "abc", 3);
    free(p);
}

static void chunked_bodies_with_extensions_and_trailers(void **state)
{
    (void)state;
    const char in[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
                      "5;name=val;q=\"quoted;\\\"x\"\r\nhello\r\n"
                      "0006 ; ext\r\n world\r\n"
                      "a\r\n0123456789\r\n"
                      "0;last\r\nTrailer-One: x\r\nTrailer-Two: y\r\n\r\n"
                      "NEXT";
    resp_all_ways(&g_r, in, strlen(in), false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_DONE);
    assert_int_equal(g_r.resp.body, WEIR_HTTP_BODY_CHUNKED);
    assert_true(g_r.saw_head_stop);
    assert_int_equal(g_r.body_len, 21);
    assert_memory_equal(g_r.body, "hello world0123456789", 21);
    assert_int_equal(g_r.used, strlen(in) - 4);
    /* LF-only line ends are accepted throughout (RFC 9112 §2.2) */
    const char lf[] = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n";
    resp_all_ways(&g_r, lf, strlen(lf), false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_DONE);
    assert_memory_equal(g_r.body, "abc", 3);
}

static void malformed_chunked_bodies_are_errors(void **state)
{
    (void)state;
    static const struct {
        const char *chunks;
        const char *why;
    } cases[] = {
        {"10000000000000000\r\n", "overflows"}, /* 2^64: one hex digit too many */
        {"FFFFFFFFFFFFFFFFF\r\n", "overflows"},
        {"5\r\nhelloX\r\n0\r\n\r\n", "missing CRLF"},
        {"5\r\nhello\rX0\r\n\r\n", "missing CRLF"},
        {"\r\n", "bad chunk size"},
        {"g\r\n", "bad chunk size"},
        {"-1\r\n", "bad chunk size"},
        {" 5\r\n", "bad chunk size"},
        {"0x5\r\n", "bad chunk extension"},
        {"5;\r\n", "bad chunk extension"},
        {"5;=x\r\n", "bad chunk extension"},
        {"5;a=\r\n", "bad chunk extension"},
        {"5;a=\"open\r\n", "bad chunk extension"},
        {"5 x\r\n", "bad chunk extension"},
        {"5\rx\r\n", "bare CR"},
        {"0\r\nNoColonHere\r\n\r\n", "malformed header field"},
        {"0\r\nX : y\r\n\r\n", "whitespace"},
    };
    static char in[8192];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s",
                         cases[i].chunks);
        resp_all_ways(&g_r, in, (size_t)n, false, false);
        if (g_r.state != WEIR_HTTP_ERROR || strstr(g_r.error, cases[i].why) == NULL)
            fail_msg("case %zu (%s): state %d error '%s'", i, cases[i].chunks, g_r.state,
                     g_r.error);
    }
    /* a chunk-size line with 5000 bytes of extensions */
    int n = snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5");
    while (n < 5100)
        n += snprintf(in + n, sizeof in - (size_t)n, ";e=v");
    n += snprintf(in + n, sizeof in - (size_t)n, "\r\nhello\r\n0\r\n\r\n");
    resp_run(&g_r, in, (size_t)n, 0, 0, false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_ERROR);
    assert_non_null(strstr(g_r.error, "too long"));
    /* the largest size that fits is accepted as a size (the body then never ends) */
    n = snprintf(in, sizeof in,
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab");
    resp_all_ways(&g_r, in, (size_t)n, false, true);
    assert_int_equal(g_r.state, WEIR_HTTP_ERROR);
    assert_non_null(strstr(g_r.error, "inside the chunked body"));
    assert_int_equal(g_r.body_len, 2);
}

static void close_delimited_bodies_end_at_eof(void **state)
{
    (void)state;
    const char in[] = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of this is the body";
    resp_all_ways(&g_r, in, strlen(in), false, true);
    assert_int_equal(g_r.state, WEIR_HTTP_DONE);
    assert_int_equal(g_r.resp.body, WEIR_HTTP_BODY_CLOSE);
    assert_false(g_r.resp.keep_alive);
    assert_int_equal(g_r.body_len, strlen("all of this is the body"));
    resp_run(&g_r, in, strlen(in), 0, 0, false, false);
    assert_int_not_equal(g_r.state, WEIR_HTTP_DONE); /* without the EOF it is not over */
}

static void cut_short_responses_are_errors_at_eof(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *why;
    } cases[] = {
        {"", "before a response"},
        {"HTTP/1.1 200 OK\r\nContent-Le", "inside the response head"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
         "shorter than Content-Length: 3 of 10"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "inside the chunked"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
         "inside the chunked"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: x\r\n",
         "inside the chunked"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        resp_all_ways(&g_r, cases[i].in, strlen(cases[i].in), false, true);
        if (g_r.state != WEIR_HTTP_ERROR || strstr(g_r.error, cases[i].why) == NULL)
            fail_msg("case %zu: state %d error '%s'", i, g_r.state, g_r.error);
    }
}

static void responses_without_bodies(void **state)
{
    (void)state;
    const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    resp_all_ways(&g_r, head, strlen(head), true, false); /* the answer to a HEAD */
    assert_int_equal(g_r.state, WEIR_HTTP_DONE);
    assert_int_equal(g_r.resp.body, WEIR_HTTP_BODY_NONE);
    assert_int_equal(g_r.resp.content_length, 100);
    assert_int_equal(g_r.body_len, 0);
    const char *none[] = {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"};
    for (size_t i = 0; i < 3; i++) {
        resp_all_ways(&g_r, none[i], strlen(none[i]), false, false);
        assert_int_equal(g_r.state, WEIR_HTTP_DONE);
        assert_int_equal(g_r.body_len, 0);
    }
}

static void interim_responses_are_skipped(void **state)
{
    (void)state;
    const char in[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    resp_all_ways(&g_r, in, strlen(in), false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_DONE);
    assert_int_equal(g_r.resp.status, 201);
    assert_memory_equal(g_r.body, "ok", 2);
    const char up[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n";
    resp_all_ways(&g_r, up, strlen(up), false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_ERROR);
}

static void redirects_carry_their_location(void **state)
{
    (void)state;
    const char in[] = "HTTP/1.1 302 Found\r\nLocation:  /new/place?x=1 \r\n"
                      "Content-Length: 0\r\n\r\n";
    resp_all_ways(&g_r, in, strlen(in), false, false);
    assert_int_equal(g_r.resp.status, 302);
    assert_true(g_r.resp.has_location);
    assert_string_equal(g_r.resp.location, "/new/place?x=1");
}

static void framing_and_persistence_fields(void **state)
{
    (void)state;
    /* Transfer-Encoding wins over Content-Length, and the connection is not reused */
    const char both[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n"
                        "\r\n2\r\nhi\r\n0\r\n\r\n";
    resp_all_ways(&g_r, both, strlen(both), false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_DONE);
    assert_int_equal(g_r.body_len, 2);
    assert_false(g_r.resp.keep_alive);
    const char close[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    resp_all_ways(&g_r, close, strlen(close), false, false);
    assert_false(g_r.resp.keep_alive);
    const char old_ka[] = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n";
    resp_all_ways(&g_r, old_ka, strlen(old_ka), false, false);
    assert_true(g_r.resp.keep_alive);
}

static void malformed_responses_are_errors(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *why;
    } cases[] = {
        {"HTTP/1.1 20 OK\r\n\r\n", "status"},
        {"HTTP/1.1 200OK\r\n\r\n", "status"},
        {"HTTP/1.1 099 Low\r\n\r\n", "status"},
        {"HTTP/1.1 600 High\r\n\r\n", "status"},
        {"HTTP/2 200 OK\r\n\r\n", "status line"},
        {"HTTP/2.0 200 OK\r\n\r\n", "status line"},
        {"ICY 200 OK\r\n\r\n", "status line"},
        {"\r\n", "empty status line"},
        {"HTTP/1.1 200 O\x01K\r\n\r\n", "reason"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", "Content-Length"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "Transfer-Encoding"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", "Transfer-Encoding"},
        {"HTTP/1.1 200 OK\r\nX: 1\r\n  folded\r\n\r\n", "folding"},
        {"HTTP/1.1 200 OK\r\nBad\r\n\r\n", "malformed header field"},
        {"HTTP/1.1 200 OK\rX: 1\r\n\r\n", "bare CR"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        resp_all_ways(&g_r, cases[i].in, strlen(cases[i].in), false, false);
        if (g_r.state != WEIR_HTTP_ERROR || strstr(g_r.error, cases[i].why) == NULL)
            fail_msg("case %zu (%.30s): state %d error '%s'", i, cases[i].in, g_r.state, g_r.error);
    }
    /* a head beyond the limit */
    static char big[WEIR_HTTP_RESP_HEAD_MAX + 4096];
    size_t len = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");
    while (len < WEIR_HTTP_RESP_HEAD_MAX + 100)
        len += (size_t)snprintf(big + len, sizeof big - len, "X-Fill: %0900d\r\n", 0);
    resp_run(&g_r, big, len, 0, 0, false, false);
    assert_int_equal(g_r.state, WEIR_HTTP_ERROR);
}

static void a_failing_sink_stops_the_parser(void **state)
{
    (void)state;
    const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd";
    weir_http_resp_parser *p = malloc(sizeof(*p));
    assert_non_null(p);
    weir_http_resp_init(p, false);
    uint8_t body[8];
    sink_buf sink = {body, 0, sizeof body, 1, 0};
    size_t off = weir_http_resp_feed(p, (const uint8_t *)in, strlen(in), sink_append, &sink);
    weir_http_resp_feed(p, (const uint8_t *)in + off, strlen(in) - off, sink_append, &sink);
    assert_int_equal(weir_http_resp_state(p), WEIR_HTTP_ERROR);
    assert_non_null(strstr(p->error, "could not be written"));
    free(p);
}

/* A long chunked body in random-sized chunks, parsed at every piece size from 1 to 97 bytes. */
static void long_chunked_bodies_survive_any_piece_size(void **state)
{
    (void)state;
    enum { BODY = 200000 };
    static char in[BODY + 100000];
    static uint8_t expect[BODY];
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < BODY; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        expect[i] = (uint8_t)x;
    }
    size_t len =
        (size_t)snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < BODY;) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t k = 1 + (size_t)(x % 5000);
        k = k > BODY - off ? BODY - off : k;
        len += (size_t)snprintf(in + len, sizeof in - len, "%zx\r\n", k);
        memcpy(in + len, expect + off, k);
        len += k;
        len += (size_t)snprintf(in + len, sizeof in - len, "\r\n");
        off += k;
    }
    len += (size_t)snprintf(in + len, sizeof in - len, "0\r\n\r\n");
    for (size_t step = 0; step < 98; step += step < 10 ? 1 : 29) {
        resp_run(&g_r, in, len, step, 0, false, false);
        assert_int_equal(g_r.state, WEIR_HTTP_DONE);
        assert_int_equal(g_r.used, len);
        assert_int_equal(g_r.body_len, BODY);
        assert_memory_equal(g_r.body, expect, BODY);
    }
}

/* ---- target to path -------------------------------------------------------------------------- */

static void path_ok(const char *target, const char *path, bool dir_form)
{
    char out[WEIR_HTTP_TARGET_MAX];
    bool d = !dir_form;
    int st = weir_http_target_to_path(target, out, sizeof out, &d);
    if (st != 0)
        fail_msg("%s: status %d", target, st);
    assert_string_equal(out, path);
    assert_int_equal(d, dir_form);
}

static void path_bad(const char *target, int status)
{
    char out[WEIR_HTTP_TARGET_MAX];
    bool d;
    int st = weir_http_target_to_path(target, out, sizeof out, &d);
    if (st != status)
        fail_msg("%s: status %d, expected %d", target, st, status);
}

static void targets_map_to_relative_paths(void **state)
{
    (void)state;
    path_ok("/", "", true);
    path_ok("/a/b.txt", "a/b.txt", false);
    path_ok("/a//b/./c", "a/b/c", false);
    path_ok("/a/", "a", true);
    path_ok("/a%20b/%C3%A9.txt", "a b/\xc3\xa9.txt", false);
    path_ok("/a?x=../../etc", "a", false);
    path_ok("/a%3Fb", "a?b", false);
    path_ok("/...", "...", false);
    path_ok("/..a/b..", "..a/b..", false);
    path_ok("http://example.com/x/y?q", "x/y", false);
    path_ok("http://example.com", "", true);
    path_ok("//etc/passwd", "etc/passwd", false); /* still under the root */
}

static void traversal_and_bad_escapes_are_refused(void **state)
{
    (void)state;
    path_bad("/../etc/passwd", 403);
    path_bad("/..", 403);
    path_bad("/a/../../etc", 403);
    path_bad("/a/../b", 403); /* even when it would stay inside: nobody needs it */
    path_bad("/%2e%2e/etc/passwd", 403);
    path_bad("/%2E%2E%2Fetc%2Fpasswd", 403);
    path_bad("/.%2e/x", 403);
    path_bad("/a/%2e%2e", 403);
    path_bad("/..%2f..%2fetc", 403);
    path_bad("/a%00b", 400);
    path_bad("/a%00", 400);
    path_bad("/%zz", 400);
    path_bad("/%4", 400);
    path_bad("/%", 400);
    path_bad("etc/passwd", 400);
    path_bad("*", 400);
    path_bad("", 400);
    char out[8];
    bool d;
    assert_int_equal(weir_http_target_to_path("/abcdefghij", out, sizeof out, &d), 414);
}

static void content_types_come_from_extensions(void **state)
{
    (void)state;
    assert_string_equal(weir_http_content_type("a/b.HTML"), "text/html; charset=utf-8");
    assert_string_equal(weir_http_content_type("/x/index.htm"), "text/html; charset=utf-8");
    assert_string_equal(weir_http_content_type("a.png"), "image/png");
    assert_string_equal(weir_http_content_type("a.tar.gz"), "application/gzip");
    assert_string_equal(weir_http_content_type("x"), "application/octet-stream");
    assert_string_equal(weir_http_content_type("dir.d/x"), "application/octet-stream");
    assert_string_equal(weir_http_content_type(".bashrc"), "application/octet-stream");
    assert_string_equal(weir_http_status_text(404), "Not Found");
    assert_string_equal(weir_http_status_text(299), "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(urls_are_parsed),
        cmocka_unit_test(bad_urls_are_refused_with_a_reason),
        cmocka_unit_test(locations_resolve_against_the_request_url),
        cmocka_unit_test(host_header_names_the_port_only_when_not_80),
        cmocka_unit_test(requests_parse_the_same_in_any_split),
        cmocka_unit_test(connection_persistence_follows_version_and_connection),
        cmocka_unit_test(methods_are_case_sensitive_and_named),
        cmocka_unit_test(malformed_requests_get_their_status),
        cmocka_unit_test(oversized_requests_are_refused),
        cmocka_unit_test(pipelined_requests_come_out_one_at_a_time_skipping_bodies),
        cmocka_unit_test(content_length_bodies_stop_at_their_end),
        cmocka_unit_test(the_parser_pauses_after_the_head),
        cmocka_unit_test(chunked_bodies_with_extensions_and_trailers),
        cmocka_unit_test(malformed_chunked_bodies_are_errors),
        cmocka_unit_test(close_delimited_bodies_end_at_eof),
        cmocka_unit_test(cut_short_responses_are_errors_at_eof),
        cmocka_unit_test(responses_without_bodies),
        cmocka_unit_test(interim_responses_are_skipped),
        cmocka_unit_test(redirects_carry_their_location),
        cmocka_unit_test(framing_and_persistence_fields),
        cmocka_unit_test(malformed_responses_are_errors),
        cmocka_unit_test(a_failing_sink_stops_the_parser),
        cmocka_unit_test(long_chunked_bodies_survive_any_piece_size),
        cmocka_unit_test(targets_map_to_relative_paths),
        cmocka_unit_test(traversal_and_bad_escapes_are_refused),
        cmocka_unit_test(content_types_come_from_extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
