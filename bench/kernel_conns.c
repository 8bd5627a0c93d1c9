/* kernel_conns.c — the kernel's side of benchmark 3: what an idle established socket costs.
 *
 *   kernel_conns [--n 10000] [--max-seconds 60]
 *
 * Opens --n loopback connections and reports how much kernel slab memory grew (/proc/meminfo
 * "Slab": the socket, its inode and dentry, the file, the hash entries) per socket — each
 * connection is two sockets, client and server. bench/run.sh runs it inside a network namespace
 * of its own with ip_local_port_range 1024..65535.
 *
 * A process may hold only RLIMIT_NOFILE descriptors, and raising the hard limit needs
 * CAP_SYS_RESOURCE, which a container often lacks: so the connections are spread over worker
 * processes, each with its own listener (port 8100 + worker) and at most half its descriptor
 * limit in connections. The workers are forked and ready before the first reading, so what a
 * process costs the kernel is not counted; only the sockets (and the descriptor table growing for
 * them) are. Slab is machine-wide: other activity during the run is noise, which is why N is
 * large. Prints a `result` line (bench_util.h). */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

enum { BASE_PORT = 8100, IN_FLIGHT = 256, MAX_WORKERS = 512 };
#define MAX_N UINT64_C(1000000)

/* One message from a worker to the parent, written whole (far below PIPE_BUF). */
typedef struct report {
    int kind; /* REPORT_READY or REPORT_DONE */
    int ok;
    uint64_t accepted;
} report;
enum { REPORT_READY = 1, REPORT_DONE = 2 };

/* The three pipes: workers wait on `go` to start and on `hold` to exit (both: EOF when the
 * parent closes its end); they write reports into `reports`. */
typedef struct pipes {
    int go[2], hold[2], reports[2];
} pipes;

typedef struct worker {
    uint64_t n, opened, accepted, failures;
    uint16_t port;
    int listener;
    int *fds; /* [2n] */
    uint64_t nfds;
} worker;

/* ---- a worker ------------------------------------------------------------------------------ */

static int make_listener(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4096) != 0) {
        perror("kernel_conns: listen");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* A non-blocking connect: loopback completes the handshake on its own. */
static void open_one(worker *w)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(w->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS)) {
        w->failures++;
        if (fd >= 0)
            close(fd);
        return;
    }
    w->fds[w->nfds++] = fd;
    w->opened++;
}

static void accept_some(worker *w)
{
    struct pollfd p = {.fd = w->listener, .events = POLLIN};
    if (poll(&p, 1, 10) <= 0)
        return;
    for (int i = 0; i < IN_FLIGHT * 2 && w->accepted < w->n; i++) {
        int fd = accept4(w->listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            return;
        w->fds[w->nfds++] = fd;
        w->accepted++;
    }
}

/* Open and accept w->n connections; each turn accepts or waits 10 ms, the wall clock bounds all. */
static bool worker_connect(worker *w, double max_seconds)
{
    uint64_t t0 = bench_now_ns();
    while (w->accepted < w->n) {
        if (bench_seconds(t0, bench_now_ns()) > max_seconds || w->failures > 100)
            return false;
        while (w->opened < w->n && w->opened - w->accepted < IN_FLIGHT && w->failures <= 100)
            open_one(w);
        accept_some(w);
    }
    return true;
}

static void send_report(int fd, int kind, int ok, uint64_t accepted)
{
    report rep = {.kind = kind, .ok = ok, .accepted = accepted};
    if (write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
        _exit(1);
}

static _Noreturn void worker_main(const pipes *p, uint16_t port, uint64_t n, double max_seconds)
{
    close(p->go[1]);
    close(p->hold[1]);
    close(p->reports[0]);
    worker w = {.n = n, .port = port, .fds = calloc(2 * n, sizeof(int))};
    w.listener = w.fds != NULL ? make_listener(port) : -1;
    send_report(p->reports[1], REPORT_READY, w.listener >= 0, 0);
    char c;
    while (read(p->go[0], &c, 1) > 0) { /* EOF: go */
    }
    bool ok = w.listener >= 0 && worker_connect(&w, max_seconds);
    send_report(p->reports[1], REPORT_DONE, ok, w.accepted);
    while (read(p->hold[0], &c, 1) > 0) { /* EOF: the parent has measured */
    }
    _exit(0);
}

/* ---- the parent ---------------------------------------------------------------------------- */

/* Collect `count` reports of `kind`; false on a worker failing, dying or the deadline passing. */
static bool collect(int fd, int kind, int count, double max_seconds, uint64_t *accepted)
{
    uint64_t t0 = bench_now_ns();
    bool ok = true;
    for (int got = 0; got < count;) {
        int left_ms = (int)((max_seconds - bench_seconds(t0, bench_now_ns())) * 1000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        report rep;
        if (left_ms <= 0 || poll(&p, 1, left_ms) <= 0 ||
            read(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep) || rep.kind != kind)
            return false;
        ok = ok && rep.ok;
        *accepted += rep.accepted;
        got++;
    }
    return ok;
}

/* Per worker: half the descriptor limit, less room for the listener and the pipes. */
static uint64_t per_worker(void)
{
    struct rlimit rl;
    uint64_t lim = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (uint64_t)rl.rlim_cur : 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max; /* the soft limit may always go up to the hard one */
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            lim = (uint64_t)rl.rlim_cur;
    }
    lim = lim > 1000000 ? 1000000 : lim;
    return lim > 256 ? (lim - 64) / 2 : 64;
}

int main(int argc, char **argv)
{
    uint64_t n = 10000;
    double max_seconds = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        bool ok = false;
        if (strcmp(argv[i], "--n") == 0)
            ok = bench_parse_count(argv[i + 1], &n) && n >= 1 && n <= MAX_N;
        else if (strcmp(argv[i], "--max-seconds") == 0)
            ok = bench_parse_double(argv[i + 1], &max_seconds) && max_seconds > 0;
        if (!ok)
            bench_usage("kernel_conns", "bad option or value: %s %s", argv[i], argv[i + 1]);
    }
    uint64_t share = per_worker();
    int workers = (int)((n + share - 1) / share);
    pipes p;
    if (workers > MAX_WORKERS || pipe(p.go) != 0 || pipe(p.hold) != 0 || pipe(p.reports) != 0) {
        fprintf(stderr, "kernel_conns: %d workers needed (at most %d) or no pipes\n", workers,
                MAX_WORKERS);
        return 1;
    }
    pid_t pids[MAX_WORKERS];
    for (int i = 0; i < workers; i++) {
        uint64_t mine = i + 1 < workers ? share : n - share * (uint64_t)(workers - 1);
        pids[i] = fork();
        if (pids[i] == 0)
            worker_main(&p, (uint16_t)(BASE_PORT + i), mine, max_seconds);
    }
    close(p.go[0]);
    close(p.hold[0]);
    close(p.reports[1]);
    uint64_t accepted = 0;
    bool ready = collect(p.reports[0], REPORT_READY, workers, 10, &accepted);
    long slab0 = bench_meminfo_kb("Slab");
    close(p.go[1]); /* go */
    bool ok = ready && collect(p.reports[0], REPORT_DONE, workers, max_seconds + 5, &accepted);
    usleep(500000); /* let deferred work of the last handshakes (RCU frees, timers) settle */
    long slab1 = bench_meminfo_kb("Slab");
    close(p.hold[1]); /* workers may exit now */
    for (int i = 0; i < workers; i++) {
        kill(pids[i], SIGTERM); /* a worker still connecting when we gave up */
        waitpid(pids[i], NULL, 0);
    }
    double per_socket = accepted ? (double)(slab1 - slab0) * 1024.0 / (2.0 * (double)accepted) : 0;
    if (!ok)
        fprintf(stderr, "kernel_conns: gave up at %" PRIu64 " of %" PRIu64 " connections\n",
                accepted, n);
    bench_result("name=kernel_conns ok=%d n=%" PRIu64 " reached=%" PRIu64 " workers=%d"
                 " slab_before_kb=%ld slab_after_kb=%ld bytes_per_socket=%.0f",
                 ok, n, accepted, workers, slab0, slab1, per_socket);
    return ok ? 0 : 1;
}
