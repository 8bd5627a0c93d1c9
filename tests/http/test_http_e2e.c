/* test_http_e2e.c — tools/http end to end: two weir stacks in this process joined by an in-memory
 * link (drivers/memlink), a client stack (10.0.0.1) running httpc and a server stack (10.0.0.2)
 * running httpd on a temporary directory, in virtual time.
 *
 * The served directory holds files of 0 B, 1 B, 100 kB and 5 MiB of pseudo-random bytes, a text
 * file, a directory with an index, one without, a symbolic link inside and two that lead out.
 * What httpc cannot be made to do (pipelining, malformed requests, silence) a raw TCP client
 * does; bodies httpd never sends (chunked, read-to-close, cut short, malformed) come from a fake
 * server written here on the same TCP API.
 *
 * Every run is bounded in loop turns and in virtual time, so a bug fails a test instead of
 * hanging it. The 5 MiB transfer prints its wall-clock rate. */
#define _DEFAULT_SOURCE /* mkdtemp, symlink, clock_gettime */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "http/http.h"
#include "http/httpc.h"
#include "http/httpd.h"
#include "memlink.h"
#include "weir/weir.h"

#define IP_CLIENT 0x0A000001u                    /* 10.0.0.1 */
#define IP_SERVER 0x0A000002u                    /* 10.0.0.2 */
#define TIME_LIMIT_US (UINT64_C(600) * 1000000u) /* virtual: 10 minutes */
#define BIG_FILE_SIZE ((size_t)5 * 1024 * 1024)

enum {
    HTTP_PORT = 80,
    FAKE_PORT = 8080,
    MAX_CLIENTS = 32,
    MAX_RAW = 6,
    MAX_LOG = 256,
    MAX_STEPS = 3000000,
    PUMP_ROUNDS = 256,
};

/* ---- the served directory -------------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t size;
} RANDOM_FILES[] = {
    {"empty.bin", 0}, {"one.bin", 1}, {"100k.bin", 100000}, {"5m.bin", BIG_FILE_SIZE}};
#define RANDOM_FILE_COUNT (sizeof RANDOM_FILES / sizeof RANDOM_FILES[0])

static char g_base[64];  /* the temporary directory */
static char g_root[128]; /* g_base/root: what httpd serves */

static void fill_random(uint64_t seed, uint8_t *buf, size_t len)
{
    uint64_t x = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)(x >> 24);
    }
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The whole file, for comparing with what arrived. */
static uint8_t *read_file(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_root, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int make_tree(void **state)
{
    (void)state;
    snprintf(g_base, sizeof g_base, "/tmp/weir-http-XXXXXX");
    if (mkdtemp(g_base) == NULL)
        return -1;
    snprintf(g_root, sizeof g_root, "%s/root", g_base);
    char path[256];
    if (mkdir(g_root, 0755) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/docs", g_root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/empty-dir", g_root);
    mkdir(path, 0755);
    uint8_t *buf = malloc(BIG_FILE_SIZE);
    if (buf == NULL)
        return -1;
    for (size_t i = 0; i < RANDOM_FILE_COUNT; i++) {
        fill_random(i + 1, buf, RANDOM_FILES[i].size);
        write_file(g_root, RANDOM_FILES[i].name, buf, RANDOM_FILES[i].size);
    }
    free(buf);
    write_file(g_root, "hello.txt", "hello, weir\n", 12);
    write_file(g_root, "docs/index.html", "<h1>docs</h1>\n", 14);
    write_file(g_base, "secret.txt", "TOP SECRET\n", 11);
    snprintf(path, sizeof path, "%s/inside", g_root);
    if (symlink("hello.txt", path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/escape", g_root);
    if (symlink("../secret.txt", path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/escape-dir", g_root);
    if (symlink("..", path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/fifo", g_root);
    if (mkfifo(path, 0644) != 0)
        return -1;
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    static const char *const names[] = {
        "empty.bin",       "one.bin", "100k.bin", "5m.bin",     "hello.txt",
        "docs/index.html", "inside",  "escape",   "escape-dir", "fifo"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_root, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/docs", g_root);
    rmdir(path);
    snprintf(path, sizeof path, "%s/empty-dir", g_root);
    rmdir(path);
    rmdir(g_root);
    snprintf(path, sizeof path, "%s/secret.txt", g_base);
    unlink(path);
    rmdir(g_base);
    return 0;
}

/* ---- what a client received ------------------------------------------------------------------ */

typedef struct body_sink {
    uint8_t *data;
    size_t len, cap;
    uint64_t progress_bytes, progress_total;
    unsigned progress_calls;
} body_sink;

static int sink_body(void *ctx, const uint8_t *d, size_t n)
{
    body_sink *s = ctx;
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n)
            cap *= 2;
        uint8_t *p = realloc(s->data, cap);
        if (p == NULL)
            return -1;
        s->data = p;
        s->cap = cap;
    }
    memcpy(s->data + s->len, d, n);
    s->len += n;
    return 0;
}

static void sink_progress(void *ctx, uint64_t bytes, uint64_t total)
{
    body_sink *s = ctx;
    assert_true(bytes >= s->progress_bytes); /* never goes backwards */
    s->progress_bytes = bytes;
    s->progress_total = total;
    s->progress_calls++;
}

/* ---- a raw client: pipelining, bad requests, silence ----------------------------------------- */

typedef struct raw_client {
    int sock;
    bool connected, eof;
    bool paused; /* does not read: the server must wait for it */
    int err;
    char out[8192];
    size_t out_len, out_sent;
    uint8_t *in;
    size_t in_len, in_cap;
} raw_client;

/* ---- a fake server: responses httpd never sends ---------------------------------------------- */

typedef struct fake_server {
    int listener, conn;
    char req[4096];
    size_t req_len;
    bool got_request;
    const uint8_t *resp; /* NULL: never answer */
    size_t resp_len, resp_sent;
    bool close_after; /* close once the response is sent (read-to-close bodies) */
} fake_server;

/* ---- the two stacks and the link ------------------------------------------------------------- */

typedef struct net net;

typedef struct link_end {
    net *n;
    int side;
} link_end;

typedef struct log_line {
    int status;
    uint64_t bytes;
    uint16_t port;
    char method[16], target[64];
    char text[160]; /* weir_httpd_format_log() */
} log_line;

struct net {
    weir_memlink *link;
    weir_stack *st[2]; /* 0: client 10.0.0.1, 1: server 10.0.0.2 */
    int netif[2];
    weir_fault_rng rng[2];
    link_end ends[2];
    uint64_t now;
    weir_httpd httpd;
    bool httpd_on;
    weir_httpc *clients[MAX_CLIENTS];
    body_sink sinks[MAX_CLIENTS];
    int nclients;
    raw_client raw[MAX_RAW];
    int nraw;
    fake_server fake;
    bool fake_on;
    log_line log[MAX_LOG];
    int nlog;
    uint32_t max_active;
    uint64_t stop_at; /* run_for: the clock stops here (0: no stop) */
    bool date;        /* httpd_on: send Date */
};

static void test_random(void *ctx, void *buf, size_t len)
{
    weir_fault_rng *r = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t x = weir_fault_rng_next(r);
        size_t k = len < sizeof x ? len : sizeof x;
        memcpy(p, &x, k);
        p += k;
        len -= k;
    }
}

static void deliver(void *ctx, const uint8_t *frame, size_t len, uint64_t now_us)
{
    link_end *e = ctx;
    weir_netif_input(e->n->st[e->side], e->n->netif[e->side], frame, len, now_us);
}

static void record_log(void *ctx, const weir_httpd_log_entry *e)
{
    net *n = ctx;
    assert_true(n->nlog < MAX_LOG);
    log_line *l = &n->log[n->nlog++];
    l->status = e->status;
    l->bytes = e->bytes;
    l->port = e->client.port;
    snprintf(l->method, sizeof l->method, "%s", e->method);
    snprintf(l->target, sizeof l->target, "%s", e->target);
    weir_httpd_format_log(e, l->text, sizeof l->text);
}

/* server_sockets: the server stack's handle table size (0: the default). */
static net *net_open_with(const weir_fault_config *fault, uint64_t seed, uint32_t server_sockets)
{
    net *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    weir_memlink_config lc;
    weir_memlink_config_init(&lc);
    for (int i = 0; i < 2; i++) {
        if (fault != NULL)
            lc.fault[i] = *fault;
        lc.fault[i].delay_min_us = lc.fault[i].delay_max_us = 1000; /* 1 ms each way */
    }
    lc.seed = seed;
    n->link = weir_memlink_create(&lc);
    assert_non_null(n->link);
    for (int i = 0; i < 2; i++) {
        weir_fault_rng_seed(&n->rng[i], seed * 2 + (uint64_t)i + 1);
        weir_stack_config cfg;
        weir_stack_config_init(&cfg);
        cfg.random = test_random;
        cfg.random_ctx = &n->rng[i];
        cfg.tcp.msl_us = 1000000; /* TIME-WAIT: 2 s of virtual time */
        if (i == 1 && server_sockets != 0)
            cfg.max_sockets = server_sockets;
        assert_int_equal(weir_stack_create(&cfg, &n->st[i]), 0);
        weir_netif_config nc = {
            .name = i == 0 ? "mem0" : "mem1",
            .medium = WEIR_MEDIUM_IP,
            .mtu = 1500,
            .ip = i == 0 ? IP_CLIENT : IP_SERVER,
            .prefix_len = 24,
            .transmit = weir_memlink_transmit_fn(),
            .transmit_ctx = weir_memlink_end(n->link, i),
        };
        n->netif[i] = weir_netif_add(n->st[i], &nc);
        assert_true(n->netif[i] >= 0);
        n->ends[i] = (link_end){n, i};
        weir_memlink_set_receiver(n->link, i, deliver, &n->ends[i]);
    }
    return n;
}

static net *net_open(const weir_fault_config *fault, uint64_t seed)
{
    return net_open_with(fault, seed, 0);
}

static void httpd_on(net *n, uint32_t max_clients, uint64_t idle_us)
{
    weir_httpd_config cfg;
    weir_httpd_config_init(&cfg);
    cfg.port = HTTP_PORT;
    cfg.root = g_root;
    cfg.date = n->date;
    cfg.log = record_log;
    cfg.log_ctx = n;
    if (max_clients != 0)
        cfg.max_clients = max_clients;
    if (idle_us != 0)
        cfg.idle_timeout_us = idle_us;
    assert_int_equal(weir_httpd_start(&n->httpd, n->st[1], &cfg), 0);
    n->httpd_on = true;
}

static void net_close(net *n)
{
    if (n->httpd_on)
        weir_httpd_stop(&n->httpd);
    for (int i = 0; i < n->nclients; i++) {
        weir_httpc_close(n->clients[i]);
        free(n->clients[i]);
        free(n->sinks[i].data);
    }
    for (int i = 0; i < n->nraw; i++)
        free(n->raw[i].in);
    for (int i = 0; i < 2; i++)
        weir_stack_destroy(n->st[i]);
    weir_memlink_destroy(n->link);
    free(n);
}

/* ---- the raw client's and the fake server's event handling ----------------------------------- */

static void raw_flush(net *n, raw_client *r)
{
    while (r->sock >= 0 && r->out_sent < r->out_len) {
        int k = weir_tcp_send(n->st[0], r->sock, r->out + r->out_sent, r->out_len - r->out_sent);
        if (k <= 0)
            return;
        r->out_sent += (size_t)k;
    }
}

static void raw_read(net *n, raw_client *r)
{
    for (int guard = 0; guard < 10000 && r->sock >= 0 && !r->eof && !r->paused; guard++) {
        if (r->in_cap - r->in_len < 16384) {
            r->in_cap = r->in_cap * 2 + 65536;
            r->in = realloc(r->in, r->in_cap);
            assert_non_null(r->in);
        }
        int k = weir_tcp_recv(n->st[0], r->sock, r->in + r->in_len, r->in_cap - r->in_len);
        if (k == WEIR_EAGAIN)
            return;
        if (k < 0) {
            r->err = k;
            return;
        }
        if (k == 0)
            r->eof = true;
        r->in_len += (size_t)k;
    }
}

static bool raw_event(net *n, const weir_event *ev)
{
    for (int i = 0; i < n->nraw; i++) {
        raw_client *r = &n->raw[i];
        if (r->sock < 0 || ev->sock != r->sock)
            continue;
        if (ev->type == WEIR_EV_CONNECTED)
            r->connected = true;
        if (ev->type == WEIR_EV_ERROR)
            r->err = ev->err;
        raw_flush(n, r);
        raw_read(n, r);
        return true;
    }
    return false;
}

static void fake_send(net *n, fake_server *f)
{
    while (f->conn >= 0 && f->got_request && f->resp != NULL && f->resp_sent < f->resp_len) {
        int k =
            weir_tcp_send(n->st[1], f->conn, f->resp + f->resp_sent, f->resp_len - f->resp_sent);
        if (k <= 0)
            return;
        f->resp_sent += (size_t)k;
    }
    if (f->conn >= 0 && f->resp != NULL && f->resp_sent == f->resp_len && f->close_after) {
        weir_tcp_shutdown_read(n->st[1], f->conn);
        weir_tcp_close(n->st[1], f->conn);
        f->conn = -1;
    }
}

static void fake_read(net *n, fake_server *f)
{
    char buf[2048];
    for (int guard = 0; guard < 1000 && f->conn >= 0; guard++) {
        int k = weir_tcp_recv(n->st[1], f->conn, buf, sizeof buf);
        if (k <= 0) {
            if (k == 0 || (k < 0 && k != WEIR_EAGAIN)) { /* the client is gone: so are we */
                weir_tcp_close(n->st[1], f->conn);
                f->conn = -1;
            }
            return;
        }
        size_t room = sizeof f->req - 1 - f->req_len;
        size_t take = (size_t)k < room ? (size_t)k : room;
        memcpy(f->req + f->req_len, buf, take);
        f->req_len += take;
        f->req[f->req_len] = '\0';
        if (strstr(f->req, "\r\n\r\n") != NULL)
            f->got_request = true;
    }
}

static void fake_event(net *n, const weir_event *ev)
{
    fake_server *f = &n->fake;
    if (ev->sock == f->listener && ev->type == WEIR_EV_ACCEPTABLE) {
        int c = weir_tcp_accept(n->st[1], f->listener, NULL);
        if (c >= 0 && f->conn < 0)
            f->conn = c;
        else if (c >= 0)
            weir_tcp_abort(n->st[1], c);
        fake_read(n, f);
        fake_send(n, f);
        return;
    }
    if (ev->sock != f->conn || f->conn < 0)
        return;
    if (ev->type == WEIR_EV_ERROR) {
        weir_tcp_close(n->st[1], f->conn);
        f->conn = -1;
        return;
    }
    fake_read(n, f);
    fake_send(n, f);
}

static void fake_on(net *n, const uint8_t *resp, size_t len, bool close_after)
{
    fake_server *f = &n->fake;
    memset(f, 0, sizeof(*f));
    f->conn = -1;
    f->resp = resp;
    f->resp_len = len;
    f->close_after = close_after;
    f->listener = weir_tcp_socket(n->st[1]);
    assert_true(f->listener >= 0);
    assert_int_equal(weir_tcp_bind(n->st[1], f->listener, (weir_endpoint){0, FAKE_PORT}), 0);
    assert_int_equal(weir_tcp_listen(n->st[1], f->listener, 4), 0);
    n->fake_on = true;
}

/* ---- the clock ------------------------------------------------------------------------------- */

static void dispatch_client_event(net *n, const weir_event *ev)
{
    for (int i = 0; i < n->nclients; i++)
        if (weir_httpc_handle_event(n->clients[i], ev))
            return;
    raw_event(n, ev);
}

static void dispatch_server_event(net *n, const weir_event *ev)
{
    if (n->httpd_on && weir_httpd_handle_event(&n->httpd, ev))
        return;
    if (n->fake_on)
        fake_event(n, ev);
}

/* Let the applications and the stacks exchange everything due at this instant. */
static void pump(net *n)
{
    for (int round = 0; round < PUMP_ROUNDS; round++) {
        bool any = false;
        weir_event ev;
        while (weir_stack_next_event(n->st[1], &ev)) {
            any = true;
            dispatch_server_event(n, &ev);
        }
        while (weir_stack_next_event(n->st[0], &ev)) {
            any = true;
            dispatch_client_event(n, &ev);
        }
        if (n->httpd_on) {
            weir_httpd_poll(&n->httpd);
            uint32_t active = weir_httpd_clients(&n->httpd);
            n->max_active = active > n->max_active ? active : n->max_active;
        }
        for (int i = 0; i < n->nclients; i++)
            weir_httpc_poll(n->clients[i]);
        if (!any)
            return;
        weir_stack_poll(n->st[0], n->now);
        weir_stack_poll(n->st[1], n->now);
    }
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static uint64_t next_time(const net *n)
{
    uint64_t t = weir_memlink_next_deadline(n->link);
    for (int i = 0; i < 2; i++)
        t = min64(t, weir_stack_next_deadline(n->st[i]));
    if (n->httpd_on)
        t = min64(t, weir_httpd_next_deadline(&n->httpd));
    for (int i = 0; i < n->nclients; i++)
        t = min64(t, weir_httpc_next_deadline(n->clients[i]));
    return n->stop_at != 0 ? min64(t, n->stop_at) : t;
}

static void advance(net *n, uint64_t t)
{
    n->now = t > n->now ? t : n->now;
    weir_memlink_set_time(n->link, n->now);
    weir_memlink_deliver(n->link, n->now);
    weir_stack_poll(n->st[0], n->now);
    weir_stack_poll(n->st[1], n->now);
}

typedef bool (*done_fn)(net *n, void *ctx);

/* Run until done() or the limits: false when the limits were hit. */
static bool run_until(net *n, done_fn done, void *ctx)
{
    for (int step = 0; step < MAX_STEPS; step++) {
        pump(n);
        if (done(n, ctx))
            return true;
        uint64_t t = next_time(n);
        if (t == UINT64_MAX || t > TIME_LIMIT_US)
            return false;
        advance(n, t);
    }
    return false;
}

static bool clients_finished(net *n, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < n->nclients; i++)
        if (!weir_httpc_finished(n->clients[i]))
            return false;
    return true;
}

/* Run `us` more microseconds of virtual time (to let connections close). */
static bool time_reached(net *n, void *ctx) { return n->now >= *(const uint64_t *)ctx; }

static void run_for(net *n, uint64_t us)
{
    uint64_t until = n->now + us;
    n->stop_at = until;
    run_until(n, time_reached, &until);
    n->stop_at = 0;
}

/* ---- starting clients ------------------------------------------------------------------------ */

static weir_httpc *client_start(net *n, uint16_t port, const char *target, bool head)
{
    assert_true(n->nclients < MAX_CLIENTS);
    int i = n->nclients++;
    weir_httpc *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    n->clients[i] = c;
    weir_httpc_config cfg = {
        .server = {IP_SERVER, port},
        .host = port == HTTP_PORT ? "10.0.0.2" : "10.0.0.2:8080",
        .target = target,
        .head = head,
        .timeout_us = UINT64_C(60000000),
        .on_body = sink_body,
        .on_progress = sink_progress,
        .ctx = &n->sinks[i],
    };
    assert_int_equal(weir_httpc_start(c, n->st[0], &cfg), 0);
    return c;
}

static body_sink *sink_of(net *n, const weir_httpc *c)
{
    for (int i = 0; i < n->nclients; i++)
        if (n->clients[i] == c)
            return &n->sinks[i];
    fail_msg("no such client");
    return NULL;
}

/* One GET (or HEAD) to completion. */
static weir_httpc *fetch(net *n, uint16_t port, const char *target, bool head)
{
    weir_httpc *c = client_start(n, port, target, head);
    if (!run_until(n, clients_finished, NULL))
        fail_msg("%s: did not finish (phase %d) by %llu us", target, c->phase,
                 (unsigned long long)n->now);
    return c;
}

static void expect_status(net *n, const char *target, int status)
{
    weir_httpc *c = fetch(n, HTTP_PORT, target, false);
    if (c->phase != WEIR_HTTPC_DONE || c->parser.resp.status != status)
        fail_msg("%s: phase %d status %d (%s), expected %d", target, c->phase,
                 c->parser.resp.status, c->message, status);
    body_sink *s = sink_of(n, c);
    for (size_t i = 0; i + 10 <= s->len; i++)
        assert_false(memcmp(s->data + i, "TOP SECRET", 10) == 0);
}

static raw_client *raw_start(net *n, const char *request)
{
    assert_true(n->nraw < MAX_RAW);
    raw_client *r = &n->raw[n->nraw++];
    memset(r, 0, sizeof(*r));
    r->sock = weir_tcp_socket(n->st[0]);
    assert_true(r->sock >= 0);
    assert_int_equal(weir_tcp_connect(n->st[0], r->sock, (weir_endpoint){IP_SERVER, HTTP_PORT}), 0);
    snprintf(r->out, sizeof r->out, "%s", request);
    r->out_len = strlen(r->out);
    raw_flush(n, r);
    return r;
}

static void raw_more(net *n, raw_client *r, const char *request)
{
    size_t k = strlen(request);
    assert_true(r->out_len + k < sizeof r->out);
    memcpy(r->out + r->out_len, request, k);
    r->out_len += k;
    raw_flush(n, r);
}

/* The responses in r->in, parsed one after the other. */
typedef struct parsed {
    int count;
    int status[8];
    size_t body_len[8];
    char body[8][64];
    bool complete; /* the last one parsed completely */
} parsed;

static int sink_small(void *ctx, const uint8_t *d, size_t n)
{
    char **dst = ctx;
    size_t have = strlen(*dst), room = 63 - have;
    size_t k = n < room ? n : room;
    memcpy(*dst + have, d, k);
    (*dst)[have + k] = '\0';
    return 0;
}

static parsed parse_responses(const raw_client *r, const bool *head)
{
    parsed p;
    memset(&p, 0, sizeof p);
    weir_http_resp_parser *rp = malloc(sizeof(*rp));
    assert_non_null(rp);
    size_t off = 0;
    p.complete = true;
    while (off < r->in_len && p.count < 8) {
        weir_http_resp_init(rp, head != NULL && head[p.count]);
        char *dst = p.body[p.count];
        for (int guard = 0; guard < 1000000 && off < r->in_len; guard++) {
            off += weir_http_resp_feed(rp, r->in + off, r->in_len - off, sink_small, &dst);
            if (rp->state == WEIR_HTTP_DONE || rp->state == WEIR_HTTP_ERROR)
                break;
        }
        if (rp->state != WEIR_HTTP_DONE) {
            p.complete = false;
            break;
        }
        p.status[p.count] = rp->resp.status;
        p.body_len[p.count] = (size_t)rp->body_bytes;
        p.count++;
    }
    free(rp);
    return p;
}

typedef struct want_responses {
    raw_client *r;
    int count;
} want_responses;

static bool raw_has_responses(net *n, void *ctx)
{
    (void)n;
    const want_responses *w = ctx;
    parsed p = parse_responses(w->r, NULL);
    return (p.count >= w->count && p.complete) || w->r->eof || w->r->err != 0;
}

static bool raw_eof(net *n, void *ctx)
{
    (void)n;
    const raw_client *r = ctx;
    return r->eof || r->err != 0;
}

static bool raw_contains(const raw_client *r, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= r->in_len; i++)
        if (memcmp(r->in + i, s, k) == 0)
            return true;
    return false;
}

/* ---- the tests ------------------------------------------------------------------------------- */

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_body(net *n, weir_httpc *c, const char *name)
{
    size_t len;
    uint8_t *want = read_file(name, &len);
    body_sink *s = sink_of(n, c);
    if (c->phase != WEIR_HTTPC_DONE)
        fail_msg("%s: failed: %s", name, c->message);
    assert_int_equal(c->parser.resp.status, 200);
    assert_int_equal(c->parser.resp.content_length, len);
    if (s->len != len || (len > 0 && memcmp(s->data, want, len) != 0))
        fail_msg("%s: %zu bytes arrived, %zu expected, or they differ", name, s->len, len);
    assert_int_equal(s->progress_bytes, len);
    assert_int_equal(s->progress_total, len);
    free(want);
}

static void files_arrive_byte_exact(void **state)
{
    (void)state;
    net *n = net_open(NULL, 1);
    httpd_on(n, 0, 0);
    for (size_t i = 0; i < RANDOM_FILE_COUNT; i++) {
        char target[64];
        snprintf(target, sizeof target, "/%s", RANDOM_FILES[i].name);
        double t0 = wall_seconds();
        uint64_t v0 = n->now;
        weir_httpc *c = fetch(n, HTTP_PORT, target, false);
        double dt = wall_seconds() - t0;
        check_body(n, c, RANDOM_FILES[i].name);
        assert_string_equal(c->parser.resp.content_type, "application/octet-stream");
        if (RANDOM_FILES[i].size == BIG_FILE_SIZE)
            print_message("5 MiB in %.3f s wall (%.1f MB/s), %.3f s virtual\n", dt,
                          (double)BIG_FILE_SIZE / dt / 1e6, (double)(n->now - v0) / 1e6);
    }
    run_for(n, 5000000);
    assert_int_equal(weir_httpd_clients(&n->httpd), 0);
    assert_int_equal(n->nlog, (int)RANDOM_FILE_COUNT);
    for (int i = 0; i < n->nlog; i++) {
        assert_int_equal(n->log[i].status, 200);
        assert_int_equal(n->log[i].bytes, RANDOM_FILES[i].size);
        assert_string_equal(n->log[i].method, "GET");
    }
    char line[160];
    snprintf(line, sizeof line, "10.0.0.1:%u \"GET /one.bin HTTP/1.1\" 200 1", n->log[1].port);
    assert_string_equal(n->log[1].text, line);
    weir_tcp_conn_summary conns[8];
    assert_int_equal(weir_tcp_list(n->st[0], conns, 8), 0); /* all closed, TIME-WAIT over */
    assert_int_equal(weir_tcp_list(n->st[1], conns, 8), 1); /* the listener */
    net_close(n);
}

static void text_types_and_head_without_body(void **state)
{
    (void)state;
    net *n = net_open(NULL, 2);
    httpd_on(n, 0, 0);
    weir_httpc *c = fetch(n, HTTP_PORT, "/hello.txt", false);
    check_body(n, c, "hello.txt");
    assert_string_equal(c->parser.resp.content_type, "text/plain; charset=utf-8");
    c = fetch(n, HTTP_PORT, "/100k.bin", true);
    assert_int_equal(c->phase, WEIR_HTTPC_DONE);
    assert_int_equal(c->parser.resp.status, 200);
    assert_int_equal(c->parser.resp.content_length, 100000);
    assert_int_equal(sink_of(n, c)->len, 0);
    c = fetch(n, HTTP_PORT, "/missing", true);
    assert_int_equal(c->parser.resp.status, 404);
    assert_int_equal(sink_of(n, c)->len, 0);
    /* the server sent no body either: a raw HEAD sees the head and nothing after it */
    raw_client *r = raw_start(n, "HEAD /100k.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert_true(run_until(n, raw_eof, r));
    bool head[1] = {true};
    parsed p = parse_responses(r, head);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.status[0], 200);
    assert_true(raw_contains(r, "Content-Length: 100000\r\n"));
    assert_true(raw_contains(r, "Server: weir\r\n"));
    assert_int_equal(r->in_len, (size_t)(strstr((char *)r->in, "\r\n\r\n") - (char *)r->in) + 4);
    net_close(n);
}

static void error_statuses_and_traversal(void **state)
{
    (void)state;
    net *n = net_open(NULL, 3);
    httpd_on(n, 0, 0);
    expect_status(n, "/missing.txt", 404);
    expect_status(n, "/../secret.txt", 403);
    expect_status(n, "/%2e%2e/secret.txt", 403);
    expect_status(n, "/docs/%2E%2E/%2e%2e/secret.txt", 403);
    expect_status(n, "/escape", 403);                /* a symlink out of the root */
    expect_status(n, "/escape-dir/secret.txt", 403); /* a directory symlink out of it */
    expect_status(n, "/a%00b", 400);
    expect_status(n, "/%zz", 400);
    expect_status(n, "/empty-dir/", 404);
    expect_status(n, "/docs/", 200);
    assert_memory_equal(sink_of(n, n->clients[n->nclients - 1])->data, "<h1>docs</h1>\n", 14);
    expect_status(n, "/inside", 200); /* a symlink that stays inside is fine */
    expect_status(n, "/fifo", 404);   /* not a regular file, and opening it must not block */
    assert_string_equal(n->log[n->nlog - 1].text + strcspn(n->log[n->nlog - 1].text, " "),
                        " \"GET /fifo HTTP/1.1\" 404 0 (not a regular file)");
    weir_httpc *c = fetch(n, HTTP_PORT, "/docs?x=1", false);
    assert_true(c->redirect);
    assert_int_equal(c->parser.resp.status, 301);
    assert_string_equal(c->parser.resp.location, "/docs/?x=1");
    /* 405 with Allow, and the connection stays usable */
    raw_client *r = raw_start(n, "DELETE /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 3"
                                 "\r\n\r\nabcGET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    want_responses w = {r, 2};
    assert_true(run_until(n, raw_has_responses, &w));
    parsed p = parse_responses(r, NULL);
    assert_int_equal(p.count, 2);
    assert_int_equal(p.status[0], 405);
    assert_int_equal(p.status[1], 200);
    assert_string_equal(p.body[1], "hello, weir\n");
    assert_true(raw_contains(r, "Allow: GET, HEAD\r\n"));
    assert_false(r->eof);
    /* 400 for garbage, and the server closes */
    r = raw_start(n, "GARBAGE\r\n\r\n");
    assert_true(run_until(n, raw_eof, r));
    p = parse_responses(r, NULL);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.status[0], 400);
    assert_true(raw_contains(r, "Connection: close\r\n"));
    /* 501 for a request body in a transfer coding */
    r = raw_start(n, "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    assert_true(run_until(n, raw_eof, r));
    p = parse_responses(r, NULL);
    assert_int_equal(p.status[0], 501);
    net_close(n);
}

static void twenty_concurrent_clients(void **state)
{
    (void)state;
    enum { CLIENTS = 20 };
    net *n = net_open(NULL, 4);
    httpd_on(n, 0, 0);
    for (int i = 0; i < CLIENTS; i++)
        client_start(n, HTTP_PORT, i % 5 == 4 ? "/hello.txt" : "/100k.bin", false);
    assert_true(run_until(n, clients_finished, NULL));
    for (int i = 0; i < CLIENTS; i++)
        check_body(n, n->clients[i], i % 5 == 4 ? "hello.txt" : "100k.bin");
    assert_true(n->max_active >= 16); /* they really were served at the same time */
    assert_true(n->max_active <= CLIENTS);
    assert_int_equal(n->nlog, CLIENTS);
    run_for(n, 5000000);
    assert_int_equal(weir_httpd_clients(&n->httpd), 0);
    net_close(n);
}

static void keep_alive_and_pipelining(void **state)
{
    (void)state;
    net *n = net_open(NULL, 5);
    n->date = true;
    httpd_on(n, 0, 0);
    /* two pipelined requests in one write, answered in order on one connection */
    raw_client *r = raw_start(n, "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n"
                                 "GET /one.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    want_responses w = {r, 2};
    assert_true(run_until(n, raw_has_responses, &w));
    parsed p = parse_responses(r, NULL);
    assert_int_equal(p.count, 2);
    assert_string_equal(p.body[0], "hello, weir\n");
    assert_int_equal(p.body_len[1], 1);
    assert_true(raw_contains(r, "\r\nDate: "));
    assert_true(raw_contains(r, " GMT\r\n"));
    run_for(n, 1000000);
    assert_false(r->eof); /* kept alive */
    /* a third request later on the same connection, asking to close */
    raw_more(n, r, "GET /empty.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert_true(run_until(n, raw_eof, r));
    p = parse_responses(r, NULL);
    assert_int_equal(p.count, 3);
    assert_int_equal(p.status[2], 200);
    assert_int_equal(p.body_len[2], 0);
    assert_int_equal(n->nlog, 3);
    assert_int_equal(n->log[0].port, n->log[2].port); /* one connection */
    assert_string_equal(n->log[2].target, "/empty.bin");
    /* HTTP/1.0: one request, then the server closes */
    r = raw_start(n, "GET /hello.txt HTTP/1.0\r\n\r\n");
    assert_true(run_until(n, raw_eof, r));
    p = parse_responses(r, NULL);
    assert_int_equal(p.count, 1);
    assert_string_equal(p.body[0], "hello, weir\n");
    /* requests pipelined behind "Connection: close" are dropped, without a reset that could
     * destroy the answer to the first */
    r = raw_start(n, "GET /100k.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                     "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_true(run_until(n, raw_eof, r));
    assert_int_equal(r->err, 0);
    p = parse_responses(r, NULL);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.body_len[0], 100000);
    /* a client that half-closes after its request still gets the answer */
    r = raw_start(n, "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(weir_tcp_shutdown(n->st[0], r->sock), 0);
    assert_true(run_until(n, raw_eof, r));
    p = parse_responses(r, NULL);
    assert_int_equal(p.count, 1);
    assert_string_equal(p.body[0], "hello, weir\n");
    net_close(n);
}

static void redirects_are_reported(void **state)
{
    (void)state;
    net *n = net_open(NULL, 6);
    static const char resp[] =
        "HTTP/1.1 302 Found\r\nLocation: /new/place?x=1\r\nContent-Length: 5\r\n\r\nmoved";
    fake_on(n, (const uint8_t *)resp, sizeof resp - 1, false);
    weir_httpc *c = fetch(n, FAKE_PORT, "/old/page", false);
    assert_int_equal(c->phase, WEIR_HTTPC_DONE);
    assert_true(c->redirect);
    assert_int_equal(c->parser.resp.status, 302);
    assert_int_equal(sink_of(n, c)->len, 0); /* a redirect's body is not the document */
    weir_http_url base, next;
    char err[160];
    assert_int_equal(weir_http_url_parse("http://10.0.0.2:8080/old/page", &base, err, sizeof err),
                     0);
    assert_int_equal(weir_http_url_resolve(&base, c->parser.resp.location, &next, err, sizeof err),
                     0);
    assert_string_equal(next.host, "10.0.0.2");
    assert_int_equal(next.port, 8080);
    assert_string_equal(next.target, "/new/place?x=1");
    assert_non_null(strstr(n->fake.req, "GET /old/page HTTP/1.1\r\nHost: 10.0.0.2:8080\r\n"));
    net_close(n);
}

/* A chunked body of random-sized chunks with extensions and a trailer section. */
static uint8_t *make_chunked(const uint8_t *body, size_t len, size_t *out_len)
{
    size_t cap = len + len / 2 + 4096, o = 0;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    o += (size_t)snprintf((char *)out, cap,
                          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n");
    uint64_t x = 12345;
    for (size_t off = 0; off < len;) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t k = 1 + (size_t)(x % 9000);
        k = k > len - off ? len - off : k;
        o += (size_t)snprintf((char *)out + o, cap - o, "%zX%s\r\n", k,
                              x % 3 == 0 ? ";ext=\"a;b\"" : "");
        memcpy(out + o, body + off, k);
        o += k;
        memcpy(out + o, "\r\n", 2);
        o += 2;
        off += k;
    }
    o += (size_t)snprintf((char *)out + o, cap - o, "0\r\nX-Checksum: none\r\n\r\n");
    *out_len = o;
    return out;
}

static void chunked_body_from_a_fake_server(void **state)
{
    (void)state;
    enum { LEN = 150000 };
    net *n = net_open(NULL, 7);
    uint8_t *body = malloc(LEN);
    assert_non_null(body);
    fill_random(77, body, LEN);
    size_t resp_len;
    uint8_t *resp = make_chunked(body, LEN, &resp_len);
    fake_on(n, resp, resp_len, false); /* keeps the connection open: the chunks say the end */
    weir_httpc *c = fetch(n, FAKE_PORT, "/chunked", false);
    assert_int_equal(c->phase, WEIR_HTTPC_DONE);
    assert_int_equal(c->parser.resp.body, WEIR_HTTP_BODY_CHUNKED);
    body_sink *s = sink_of(n, c);
    assert_int_equal(s->len, LEN);
    assert_memory_equal(s->data, body, LEN);
    assert_int_equal(s->progress_total, UINT64_MAX);
    free(body);
    free(resp);
    net_close(n);
}

static void read_to_close_body_from_a_fake_server(void **state)
{
    (void)state;
    enum { LEN = 120000 };
    net *n = net_open(NULL, 8);
    static const char head[] = "HTTP/1.0 200 OK\r\nContent-Type: application/x-thing\r\n\r\n";
    uint8_t *resp = malloc(sizeof head - 1 + LEN);
    assert_non_null(resp);
    memcpy(resp, head, sizeof head - 1);
    fill_random(88, resp + sizeof head - 1, LEN);
    fake_on(n, resp, sizeof head - 1 + LEN, true);
    weir_httpc *c = fetch(n, FAKE_PORT, "/stream", false);
    assert_int_equal(c->phase, WEIR_HTTPC_DONE);
    assert_int_equal(c->parser.resp.body, WEIR_HTTP_BODY_CLOSE);
    body_sink *s = sink_of(n, c);
    assert_int_equal(s->len, LEN);
    assert_memory_equal(s->data, resp + sizeof head - 1, LEN);
    free(resp);
    net_close(n);
}

static void a_short_body_is_a_failure(void **state)
{
    (void)state;
    net *n = net_open(NULL, 9);
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";
    fake_on(n, (const uint8_t *)resp, sizeof resp - 1, true);
    weir_httpc *c = fetch(n, FAKE_PORT, "/short", false);
    assert_int_equal(c->phase, WEIR_HTTPC_FAILED);
    assert_int_equal(c->err, 0);
    if (strstr(c->message, "shorter than Content-Length: 10 of 1000") == NULL)
        fail_msg("message: %s", c->message);
    net_close(n);
}

static void a_malformed_response_is_a_failure(void **state)
{
    (void)state;
    net *n = net_open(NULL, 10);
    static const char resp[] = "HTTP/1.1 2x0 OK\r\n\r\n";
    fake_on(n, (const uint8_t *)resp, sizeof resp - 1, false);
    weir_httpc *c = fetch(n, FAKE_PORT, "/bad", false);
    assert_int_equal(c->phase, WEIR_HTTPC_FAILED);
    if (strstr(c->message, "malformed response") == NULL)
        fail_msg("message: %s", c->message);
    net_close(n);
}

static void refused_and_silent_servers(void **state)
{
    (void)state;
    net *n = net_open(NULL, 11);
    weir_httpc *c = fetch(n, 81, "/", false); /* nobody listens on 81 */
    assert_int_equal(c->phase, WEIR_HTTPC_FAILED);
    assert_int_equal(c->err, WEIR_ECONNREFUSED);
    assert_string_equal(c->message, "connection refused");
    fake_on(n, NULL, 0, false); /* accepts, never answers */
    c = client_start(n, FAKE_PORT, "/", false);
    assert_true(run_until(n, clients_finished, NULL));
    assert_int_equal(c->phase, WEIR_HTTPC_FAILED);
    assert_int_equal(c->err, WEIR_ETIMEDOUT);
    assert_true(n->now >= 60000000);
    net_close(n);
}

static void too_many_clients_get_503(void **state)
{
    (void)state;
    net *n = net_open(NULL, 12);
    httpd_on(n, 2, 0);
    for (int i = 0; i < 5; i++)
        client_start(n, HTTP_PORT, "/100k.bin", false);
    assert_true(run_until(n, clients_finished, NULL));
    int ok = 0, busy = 0;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(n->clients[i]->phase, WEIR_HTTPC_DONE);
        ok += n->clients[i]->parser.resp.status == 200;
        busy += n->clients[i]->parser.resp.status == 503;
    }
    assert_true(ok >= 2);
    assert_true(busy >= 1);
    assert_int_equal(ok + busy, 5);
    assert_true(n->max_active <= 2);
    net_close(n);
}

/* The stack's handle table, not max_clients, runs out: the clients wait in the accept queue and
 * are taken as handles come free, without a busy loop (run_until would hit MAX_STEPS). */
static void accepts_wait_for_free_handles(void **state)
{
    (void)state;
    net *n = net_open_with(NULL, 18, 4); /* the listener and three connections */
    httpd_on(n, 0, 0);
    for (int i = 0; i < 8; i++)
        client_start(n, HTTP_PORT, "/100k.bin", false);
    assert_true(run_until(n, clients_finished, NULL));
    for (int i = 0; i < 8; i++)
        check_body(n, n->clients[i], "100k.bin");
    assert_true(n->max_active <= 3);
    net_close(n);
}

static void idle_connections_are_closed(void **state)
{
    (void)state;
    net *n = net_open(NULL, 13);
    httpd_on(n, 0, 2000000);
    raw_client *r = raw_start(n, "");
    assert_true(run_until(n, raw_eof, r));
    assert_true(n->now >= 2000000);
    assert_int_equal(r->in_len, 0);
    assert_int_equal(weir_httpd_clients(&n->httpd), 0);
    net_close(n);
}

/* A client that stops reading: the server must neither spin nor read the file ahead; the
 * connection sits at a zero window (the stack probes it) until the client reads again. */
static void a_slow_reader_holds_the_server_back(void **state)
{
    (void)state;
    net *n = net_open(NULL, 16);
    httpd_on(n, 0, 0);
    raw_client *r = raw_start(n, "GET /5m.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    r->paused = true;
    run_for(n, 20000000); /* 20 s of virtual time, reading nothing */
    weir_tcp_conn_summary conns[4];
    int count = weir_tcp_list(n->st[1], conns, 4);
    assert_int_equal(count, 2); /* the listener and the stalled connection */
    int sock = conns[0].state == WEIR_TCP_LISTEN ? conns[1].sock : conns[0].sock;
    weir_tcp_info info;
    assert_int_equal(weir_tcp_get_info(n->st[1], sock, &info), 0);
    /* What the client's window took, head included: its receive buffer, plus what an
     * auto-tuned window rounded to its scale may promise past it (tcp_rcv_window: at most an
     * eighth; a few percent here). */
    assert_true(info.bytes_sent <= 65535 + 65535 / 8 + 1000);
    assert_true(info.send_queued <= 65536); /* and one send buffer, no more */
    assert_int_equal(n->nlog, 0);
    r->paused = false;
    raw_read(n, r);
    assert_true(run_until(n, raw_eof, r));
    assert_int_equal(r->err, 0);
    size_t len;
    uint8_t *want = read_file("5m.bin", &len);
    const char *end = strstr((const char *)r->in, "\r\n\r\n");
    assert_non_null(end);
    size_t head = (size_t)(end - (const char *)r->in) + 4;
    assert_int_equal(r->in_len - head, len);
    assert_memory_equal(r->in + head, want, len);
    free(want);
    assert_int_equal(n->nlog, 1);
    assert_int_equal(n->log[0].bytes, len);
    net_close(n);
}

static void start_refuses_bad_roots_and_busy_ports(void **state)
{
    (void)state;
    net *n = net_open(NULL, 17);
    httpd_on(n, 0, 0);
    weir_httpd other;
    weir_httpd_config cfg;
    weir_httpd_config_init(&cfg);
    cfg.root = g_root;
    assert_int_equal(weir_httpd_start(&other, n->st[1], &cfg), WEIR_EADDRINUSE);
    weir_httpd_stop(&other);
    cfg.port = 8081;
    char path[256];
    snprintf(path, sizeof path, "%s/hello.txt", g_root); /* a file, not a directory */
    cfg.root = path;
    assert_int_equal(weir_httpd_start(&other, n->st[1], &cfg), WEIR_ENOENT);
    cfg.root = "/nonexistent/weir/root";
    assert_int_equal(weir_httpd_start(&other, n->st[1], &cfg), WEIR_ENOENT);
    cfg.root = g_root;
    cfg.max_clients = WEIR_HTTPD_MAX_CLIENTS + 1;
    assert_int_equal(weir_httpd_start(&other, n->st[1], &cfg), WEIR_EINVAL);
    weir_httpd_stop(&other);
    expect_status(n, "/hello.txt", 200); /* the first server is unharmed */
    net_close(n);
}

static bool some_body_arrived(net *n, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < n->nclients; i++)
        if (sink_of(n, n->clients[i])->len > 200000)
            return true;
    return false;
}

static void stop_closes_everything(void **state)
{
    (void)state;
    net *n = net_open(NULL, 14);
    httpd_on(n, 0, 0);
    for (int i = 0; i < 3; i++)
        client_start(n, HTTP_PORT, "/5m.bin", false);
    raw_client *idle = raw_start(n, "GET /one.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_true(run_until(n, some_body_arrived, NULL));
    weir_httpd_stop(&n->httpd);
    n->httpd_on = false;
    weir_httpd_stop(&n->httpd); /* twice is harmless */
    assert_true(run_until(n, clients_finished, NULL));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(n->clients[i]->phase, WEIR_HTTPC_FAILED);
        assert_int_equal(n->clients[i]->err, WEIR_ECONNRESET);
    }
    assert_true(run_until(n, raw_eof, idle));
    assert_int_equal(idle->err, 0); /* the idle keep-alive connection was closed politely */
    weir_httpc *c = fetch(n, HTTP_PORT, "/", false);
    assert_int_equal(c->err, WEIR_ECONNREFUSED);
    net_close(n);
}

static void lossy_link_still_delivers_byte_exact(void **state)
{
    (void)state;
    weir_fault_config fault = {
        .loss = 0.01, .duplicate = 0.01, .reorder = 0.01, .reorder_delay_us = 3000};
    net *n = net_open(&fault, 15);
    httpd_on(n, 0, 0);
    double t0 = wall_seconds();
    weir_httpc *big = client_start(n, HTTP_PORT, "/5m.bin", false);
    weir_httpc *small = client_start(n, HTTP_PORT, "/100k.bin", false);
    assert_true(run_until(n, clients_finished, NULL));
    check_body(n, big, "5m.bin");
    check_body(n, small, "100k.bin");
    weir_memlink_stats ls;
    weir_memlink_get_stats(n->link, &ls);
    print_message("lossy: 5 MiB + 100 kB in %.3f s wall, %.3f s virtual, %llu frames lost\n",
                  wall_seconds() - t0, (double)n->now / 1e6,
                  (unsigned long long)(ls.lost[0] + ls.lost[1]));
    assert_true(ls.lost[0] + ls.lost[1] > 0);
    net_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_arrive_byte_exact),
        cmocka_unit_test(text_types_and_head_without_body),
        cmocka_unit_test(error_statuses_and_traversal),
        cmocka_unit_test(twenty_concurrent_clients),
        cmocka_unit_test(keep_alive_and_pipelining),
        cmocka_unit_test(redirects_are_reported),
        cmocka_unit_test(chunked_body_from_a_fake_server),
        cmocka_unit_test(read_to_close_body_from_a_fake_server),
        cmocka_unit_test(a_short_body_is_a_failure),
        cmocka_unit_test(a_malformed_response_is_a_failure),
        cmocka_unit_test(refused_and_silent_servers),
        cmocka_unit_test(too_many_clients_get_503),
        cmocka_unit_test(accepts_wait_for_free_handles),
        cmocka_unit_test(idle_connections_are_closed),
        cmocka_unit_test(a_slow_reader_holds_the_server_back),
        cmocka_unit_test(start_refuses_bad_roots_and_busy_ports),
        cmocka_unit_test(stop_closes_everything),
        cmocka_unit_test(lossy_link_still_delivers_byte_exact),
    };
    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
