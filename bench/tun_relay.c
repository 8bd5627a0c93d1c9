/* tun_relay.c — the fair ceiling for anything that crosses a TUN device: two TUN devices in two
 * network namespaces, and this process copying every packet from one to the other, one blocking
 * read() and one write() per packet and direction (a thread each), which is what a userspace
 * stack on TUN also pays. bench/interop.sh runs the kernel's TCP across it and compares weir.
 *
 *   tun_relay NS_A DEV_A NS_B DEV_B
 *
 * Opens DEV_A inside /var/run/netns/NS_A and DEV_B inside NS_B (creating them), prints "ready"
 * and relays until killed. Addresses and routes are the script's business. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int open_tun_in(const char *ns, const char *dev)
{
    char path[256];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
        fprintf(stderr, "tun_relay: namespace %s: %s\n", ns, strerror(errno));
        return -1;
    }
    close(nsfd);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
        fprintf(stderr, "tun_relay: %s: %s\n", dev, strerror(errno));
        return -1;
    }
    return fd;
}

struct pipe_ends {
    int from, to;
};

static void *relay(void *arg)
{
    const struct pipe_ends *p = arg;
    static __thread char buf[65536];
    for (;;) {
        ssize_t n = read(p->from, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        if (write(p->to, buf, (size_t)n) < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EIO)
            return NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: tun_relay NS_A DEV_A NS_B DEV_B\n");
        return 2;
    }
    int a = open_tun_in(argv[1], argv[2]);
    int b = a < 0 ? -1 : open_tun_in(argv[3], argv[4]);
    if (a < 0 || b < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    struct pipe_ends ab = {a, b}, ba = {b, a};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, relay, &ab);
    pthread_create(&t2, NULL, relay, &ba);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    return 0;
}
