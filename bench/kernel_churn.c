/* kernel_churn.c — the kernel's side of benchmark 2: connection churn over loopback.
 *
 *   kernel_churn [--conc 1] [--seconds 3] [--procs 2] [--port 8080] [--ports 4]
 *
 * The same cycle as weir_churn: connect → 100-byte request → 100-byte answer → the client closes
 * after reading the answer, the server closes on end of stream. Non-blocking sockets and
 * edge-triggered epoll, one loop per process. --procs 2 (the default) runs the server in a child
 * process, so the kernel's client and server can use both cores, as real ones would; --procs 1
 * puts both in one loop, one thread, as weir_churn runs both stacks.
 *
 * bench/run.sh runs this inside a network namespace of its own with net.ipv4.tcp_tw_reuse=1 and
 * ip_local_port_range 1024..65535: the client closes first and keeps its TIME-WAIT sockets, whose
 * ports tw_reuse hands out again once they are a second old. A connect() that finds no port is
 * counted and retried. --ports: the server listens on that many ports (--port and up) and the
 * client takes them in turn, as weir_churn does, so that one client address's four-tuples
 * towards one port (about 64 k per second under tw_reuse) are no ceiling for either stack.
 * Prints a `result` line (bench_util.h). */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

enum {
    MSG = 100,
    MAX_CONC = 1024,
    MAX_EVENTS = 256,
    MAX_FD = 65536, /* server state is indexed by descriptor; far above 2*MAX_CONC */
    MAX_PORTS = 64,
};

/* What an epoll entry is: the listener, a server connection (by fd) or a client slot. */
enum { TAG_LISTENER = 1, TAG_SERVER = 2, TAG_CLIENT = 3 };

static uint64_t tag(uint32_t kind, uint32_t index) { return (uint64_t)kind << 32 | index; }

typedef struct client_slot {
    int fd; /* -1: idle */
    bool sent;
    uint32_t got;
} client_slot;

typedef struct server_state {
    uint32_t got;
    bool replied;
} server_state;

typedef struct churn {
    int ep;
    int listener[MAX_PORTS];
    uint32_t ports, next_port; /* listeners; the one the next connect() goes to */
    struct sockaddr_in addr;   /* of the first listener */
    uint64_t conc;
    client_slot slots[MAX_CONC];
    server_state *server; /* [MAX_FD] */
    uint64_t cycles, errors, connect_failures;
    char request[MSG], reply[MSG];
} churn;

/* ---- the server --------------------------------------------------------------------------- */

static void server_accept(churn *c, uint32_t which)
{
    /* Edge-triggered: take every pending connection; the backlog bounds them. */
    for (int i = 0; i < 4096; i++) {
        int fd = accept4(c->listener[which], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (fd >= MAX_FD) {
            close(fd);
            c->errors++;
            continue;
        }
        c->server[fd] = (server_state){0};
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET,
                                 .data.u64 = tag(TAG_SERVER, (uint32_t)fd)};
        epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

static void server_read(churn *c, int fd)
{
    char buf[MSG];
    server_state *st = &c->server[fd];
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            close(fd); /* end of stream (or an error): the client is done */
            return;
        }
        st->got += (uint32_t)n;
        if (st->got >= MSG && !st->replied) {
            st->replied = true;
            if (send(fd, c->reply, MSG, MSG_NOSIGNAL) != MSG)
                c->errors++;
        }
    }
}

/* ---- the client --------------------------------------------------------------------------- */

static void client_open(churn *c, uint32_t i)
{
    client_slot *sl = &c->slots[i];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        c->connect_failures++;
        return;
    }
    struct sockaddr_in to = c->addr;
    to.sin_port = htons((uint16_t)(ntohs(c->addr.sin_port) + c->next_port));
    c->next_port = (c->next_port + 1) % c->ports;
    if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS) {
        c->connect_failures++; /* EADDRNOTAVAIL: every port is in TIME-WAIT younger than 1 s */
        close(fd);
        return;
    }
    *sl = (client_slot){.fd = fd};
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
                             .data.u64 = tag(TAG_CLIENT, i)};
    epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void client_finish(churn *c, uint32_t i, bool ok)
{
    close(c->slots[i].fd);
    c->slots[i].fd = -1;
    if (ok)
        c->cycles++;
    else
        c->errors++;
    client_open(c, i);
}

static void client_event(churn *c, uint32_t i, uint32_t events)
{
    client_slot *sl = &c->slots[i];
    if (sl->fd < 0)
        return;
    if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
        client_finish(c, i, false);
        return;
    }
    if (!sl->sent && (events & EPOLLOUT)) {
        sl->sent = true;
        if (send(sl->fd, c->request, MSG, MSG_NOSIGNAL) != MSG) {
            client_finish(c, i, false);
            return;
        }
    }
    char buf[MSG];
    for (int k = 0; k < 64 && sl->got < MSG; k++) {
        ssize_t n = read(sl->fd, buf, sizeof(buf));
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            client_finish(c, i, false);
            return;
        }
        sl->got += (uint32_t)n;
    }
    if (sl->got >= MSG)
        client_finish(c, i, true);
}

/* ---- the loops ---------------------------------------------------------------------------- */

static void dispatch(churn *c, const struct epoll_event *ev)
{
    uint32_t kind = (uint32_t)(ev->data.u64 >> 32), index = (uint32_t)ev->data.u64;
    if (kind == TAG_LISTENER)
        server_accept(c, index);
    else if (kind == TAG_SERVER)
        server_read(c, (int)index);
    else if (kind == TAG_CLIENT)
        client_event(c, index, ev->events);
}

/* Run the epoll loop for `seconds` of wall time (checked after every wait of at most 10 ms). */
static void run_loop(churn *c, double seconds)
{
    struct epoll_event evs[MAX_EVENTS];
    uint64_t t0 = bench_now_ns();
    while (bench_seconds(t0, bench_now_ns()) < seconds) {
        int n = epoll_wait(c->ep, evs, MAX_EVENTS, 10);
        for (int k = 0; k < n; k++)
            dispatch(c, &evs[k]);
        for (uint32_t i = 0; i < c->conc; i++)
            if (c->slots[i].fd < 0)
                client_open(c, i); /* after a failed connect: try again */
    }
}

static int make_listeners(churn *c, uint16_t port, uint32_t ports)
{
    c->addr = (struct sockaddr_in){
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    c->ports = ports;
    for (uint32_t k = 0; k < ports; k++) {
        struct sockaddr_in at = c->addr;
        at.sin_port = htons((uint16_t)(port + k));
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        c->listener[k] = fd;
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
            bind(fd, (struct sockaddr *)&at, sizeof(at)) != 0 || listen(fd, 4096) != 0) {
            perror("kernel_churn: listen");
            return -1;
        }
    }
    return 0;
}

static void add_listeners(churn *c)
{
    for (uint32_t k = 0; k < c->ports; k++) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = tag(TAG_LISTENER, k)};
        epoll_ctl(c->ep, EPOLL_CTL_ADD, c->listener[k], &ev);
    }
}

/* --procs 2: the server gets its own process and epoll; it ends with the parent's SIGTERM, or on
 * its own a few seconds after the parent should have finished. */
static pid_t fork_server(churn *c, double seconds)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    c->ep = epoll_create1(EPOLL_CLOEXEC);
    c->conc = 0;
    add_listeners(c);
    run_loop(c, seconds + 5);
    _exit(0);
}

static void parse(int argc, char **argv, uint64_t *conc, double *seconds, uint64_t *procs,
                  uint64_t *port, uint64_t *ports)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        bool ok = false;
        if (strcmp(a, "--conc") == 0)
            ok = bench_parse_count(v, conc) && *conc >= 1 && *conc <= MAX_CONC;
        else if (strcmp(a, "--seconds") == 0)
            ok = bench_parse_double(v, seconds) && *seconds > 0 && *seconds <= 600;
        else if (strcmp(a, "--procs") == 0)
            ok = bench_parse_count(v, procs) && (*procs == 1 || *procs == 2);
        else if (strcmp(a, "--port") == 0)
            ok = bench_parse_count(v, port) && *port > 0 && *port < 65536;
        else if (strcmp(a, "--ports") == 0)
            ok = bench_parse_count(v, ports) && *ports >= 1 && *ports <= MAX_PORTS;
        if (!ok)
            bench_usage("kernel_churn", "bad option or value: %s %s", a, v);
    }
    if (argc % 2 == 0)
        bench_usage("kernel_churn", "%s needs a value", argv[argc - 1]);
}

/* Run the measurement with the listener made; the server side forks off first for --procs 2. */
static void measure(churn *c, uint64_t conc, uint64_t procs, double seconds)
{
    memset(c->request, 'q', MSG);
    memset(c->reply, 'a', MSG);
    pid_t child = procs == 2 ? fork_server(c, seconds) : 0;
    c->ep = epoll_create1(EPOLL_CLOEXEC);
    if (procs == 1)
        add_listeners(c);
    c->conc = conc;
    for (uint32_t i = 0; i < conc; i++)
        c->slots[i].fd = -1;
    uint64_t t0 = bench_now_ns();
    run_loop(c, seconds);
    double secs = bench_seconds(t0, bench_now_ns());
    if (child > 0) {
        kill(child, SIGTERM);
        waitpid(child, NULL, 0);
    }
    bench_result("name=kernel_churn ok=1 conc=%" PRIu64 " procs=%" PRIu64 " cycles=%" PRIu64
                 " seconds=%.3f rate=%.0f errors=%" PRIu64 " connect_failures=%" PRIu64,
                 conc, procs, c->cycles, secs, secs > 0 ? (double)c->cycles / secs : 0.0, c->errors,
                 c->connect_failures);
}

int main(int argc, char **argv)
{
    uint64_t conc = 1, procs = 2, port = 8080, ports = 4;
    double seconds = 3;
    parse(argc, argv, &conc, &seconds, &procs, &port, &ports);
    if (port + ports > 65536)
        bench_usage("kernel_churn", "--port + --ports runs past 65535");
    churn *c = calloc(1, sizeof(*c));
    server_state *server = calloc(MAX_FD, sizeof(*server));
    int rc = 1;
    if (c != NULL && server != NULL && make_listeners(c, (uint16_t)port, (uint32_t)ports) == 0) {
        c->server = server;
        measure(c, conc, procs, seconds);
        rc = 0;
    }
    free(server);
    free(c);
    return rc;
}
