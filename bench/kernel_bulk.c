/* kernel_bulk.c — the kernel's side of benchmark 1: one bulk TCP transfer through Linux sockets.
 *
 *   kernel_bulk recv PORT [MAX_SECONDS]     listen, print "ready", take one connection, read it to
 *                                           the end, print a `result` line
 *   kernel_bulk send ADDR PORT BYTES        connect, write BYTES, close
 *
 * bench/run.sh runs the receiver in one network namespace and the sender in another, joined by a
 * veth pair. The figure is the receiver's: payload bytes read over the time from accept() to end
 * of stream, as weir_bulk counts from connect() to the last byte read (the handshake is
 * microseconds of a multi-second transfer). Socket buffers are the kernel's defaults with
 * autotuning (net.ipv4.tcp_rmem/tcp_wmem), as an application that sets nothing gets. */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

enum { CHUNK = 128 * 1024 };

static int listen_on(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1) != 0) {
        perror("kernel_bulk: listen");
        return -1;
    }
    return fd;
}

/* Read to the end or until max_seconds of wall time have passed (checked once per read, and a
 * 1 s receive timeout keeps a stuck sender from holding us). */
static int receive(uint16_t port, double max_seconds)
{
    int l = listen_on(port);
    if (l < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        perror("kernel_bulk: accept");
        return 1;
    }
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    static char buf[CHUNK];
    uint64_t t0 = bench_now_ns(), got = 0;
    const char *why = NULL;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0)
            break;
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
            why = strerror(errno);
            break;
        }
        got += n > 0 ? (uint64_t)n : 0;
        if (bench_seconds(t0, bench_now_ns()) > max_seconds) {
            why = "time limit";
            break;
        }
    }
    double secs = bench_seconds(t0, bench_now_ns());
    if (why != NULL)
        fprintf(stderr, "kernel_bulk: stopped after %" PRIu64 " bytes: %s\n", got, why);
    bench_result("name=kernel_bulk ok=%d bytes=%" PRIu64 " seconds=%.6f gbps=%.3f", why == NULL,
                 got, secs, secs > 0 ? (double)got * 8.0 / secs / 1e9 : 0.0);
    close(fd);
    close(l);
    return why == NULL ? 0 : 1;
}

static int send_all(const char *addr, uint16_t port, uint64_t bytes)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
        bench_usage("kernel_bulk", "bad IPv4 address %s", addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("kernel_bulk: connect");
        return 1;
    }
    static char buf[CHUNK];
    memset(buf, 'k', sizeof(buf));
    /* send() blocks until it took at least one byte or 5 s passed without progress (a receiver
     * that stopped reading), so this loop ends after at most `bytes` turns, bytes / CHUNK in
     * practice. MSG_NOSIGNAL: a receiver that went away is an error here, not SIGPIPE. */
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    for (uint64_t sent = 0; sent < bytes;) {
        size_t n = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            perror("kernel_bulk: write");
            return 1;
        }
        sent += (uint64_t)w;
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t port = 0, bytes = 0;
    double max_seconds = 60;
    if (argc >= 3 && strcmp(argv[1], "recv") == 0 && bench_parse_count(argv[2], &port) &&
        port > 0 && port < 65536 &&
        (argc == 3 || (argc == 4 && bench_parse_double(argv[3], &max_seconds))))
        return receive((uint16_t)port, max_seconds);
    if (argc == 5 && strcmp(argv[1], "send") == 0 && bench_parse_count(argv[3], &port) &&
        port > 0 && port < 65536 && bench_parse_count(argv[4], &bytes))
        return send_all(argv[2], (uint16_t)port, bytes);
    bench_usage("kernel_bulk", "usage: kernel_bulk recv PORT [MAX_SECONDS] | send ADDR PORT BYTES");
}
