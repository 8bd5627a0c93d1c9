/* tun.c — Linux TUN/TAP devices through /dev/net/tun (see tun.h).
 *
 * Opening is three steps: find out whether the interface exists (so that we know whether we are
 * creating it), attach with TUNSETIFF, then read the kernel side's settings and — for a device we
 * created or one without an IPv4 address — set them with the classic interface ioctls on an
 * AF_INET datagram socket. See the kernel's Documentation/networking/tuntap.rst and netdevice(7).
 *
 * Every failure becomes one sentence naming the device and, where there is one, what to do. */
#define _GNU_SOURCE

#include "tun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum { TUN_NAME_MAX = IFNAMSIZ - 1 }; /* 15 characters and the NUL */

struct weir_tun {
    int fd;
    weir_tun_info info;
};

/* Lets the compiler check the format strings of set_error(). */
#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void set_error(weir_tun_error *err, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void set_error(weir_tun_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

static const char *mode_word(weir_tun_mode mode)
{
    return mode == WEIR_TUN_MODE_TAP ? "tap" : "tun";
}

/* The kernel's dev_valid_name(), plus '%': a name with "%d" asks the kernel to pick a number, and
 * the tools need to know the name they configure. */
bool weir_tun_name_valid(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > TUN_NAME_MAX)
        return false;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (const char *p = name; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c == ':' || c == '%' || c <= ' ' || c >= 0x7f)
            return false;
    }
    return true;
}

/* ---- the ioctl socket ------------------------------------------------------------------------ */

static void ifreq_for(struct ifreq *ifr, const char *name)
{
    memset(ifr, 0, sizeof(*ifr));
    memcpy(ifr->ifr_name, name, strlen(name) + 1); /* checked: at most IFNAMSIZ - 1 + 1 bytes */
}

static void set_sin(struct sockaddr *sa, uint32_t ip)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(ip);
    memcpy(sa, &sin, sizeof(sin));
}

static uint32_t get_sin(const struct sockaddr *sa)
{
    struct sockaddr_in sin;
    memcpy(&sin, sa, sizeof(sin));
    return ntohl(sin.sin_addr.s_addr);
}

static uint32_t prefix_mask(uint8_t prefix_len)
{
    return prefix_len == 0 ? 0 : UINT32_MAX << (32 - prefix_len);
}

static uint8_t mask_prefix(uint32_t mask)
{
    uint8_t n = 0;
    while (n < 32 && (mask & (UINT32_C(0x80000000) >> n)) != 0)
        n++;
    return n;
}

/* "198.18.0.1/24" for messages. */
static void format_cidr(char *out, size_t cap, uint32_t ip, uint8_t prefix_len)
{
    snprintf(out, cap, "%u.%u.%u.%u/%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 0xff),
             (unsigned)(ip >> 8 & 0xff), (unsigned)(ip & 0xff), (unsigned)prefix_len);
}

static bool permission_error(int e) { return e == EPERM || e == EACCES; }

/* ---- opening --------------------------------------------------------------------------------- */

static bool config_valid(const weir_tun_config *cfg, weir_tun_error *err)
{
    if (cfg == NULL) {
        set_error(err, "tun: no configuration given");
        return false;
    }
    if (cfg->mode != WEIR_TUN_MODE_TUN && cfg->mode != WEIR_TUN_MODE_TAP) {
        set_error(err, "tun: unknown mode %d (TUN or TAP)", (int)cfg->mode);
        return false;
    }
    if (!weir_tun_name_valid(cfg->name)) {
        set_error(err,
                  "%s '%s': bad interface name (1 to %d characters, no '/', ':', '%%' or spaces)",
                  mode_word(cfg->mode), cfg->name ? cfg->name : "", TUN_NAME_MAX);
        return false;
    }
    if (cfg->host_ip != 0 && (cfg->prefix_len < 1 || cfg->prefix_len > 32)) {
        set_error(err, "%s %s: bad prefix length %u (1..32)", mode_word(cfg->mode), cfg->name,
                  (unsigned)cfg->prefix_len);
        return false;
    }
    if (cfg->mtu != 0 && cfg->mtu < 68) {
        set_error(err, "%s %s: MTU %u is below IPv4's minimum of 68", mode_word(cfg->mode),
                  cfg->name, (unsigned)cfg->mtu);
        return false;
    }
    return true;
}

static int open_clone_device(const weir_tun_config *cfg, weir_tun_error *err)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    const char *what = mode_word(cfg->mode);
    if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
        set_error(err, "%s %s: no /dev/net/tun: load the tun module or run where TUN is available",
                  what, cfg->name);
    else if (permission_error(errno))
        set_error(err, "%s %s: cannot open /dev/net/tun: need root or CAP_NET_ADMIN", what,
                  cfg->name);
    else
        set_error(err, "%s %s: cannot open /dev/net/tun: %s", what, cfg->name, strerror(errno));
    return -1;
}

/* Does an interface of this name exist (of any kind)? */
static bool interface_exists(int sock, const char *name)
{
    struct ifreq ifr;
    ifreq_for(&ifr, name);
    return ioctl(sock, SIOCGIFINDEX, &ifr) == 0;
}

static bool attach(int fd, const weir_tun_config *cfg, bool existed, weir_tun_error *err)
{
    struct ifreq ifr;
    ifreq_for(&ifr, cfg->name);
    ifr.ifr_flags = (short)((cfg->mode == WEIR_TUN_MODE_TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
    if (ioctl(fd, TUNSETIFF, &ifr) == 0)
        return true;
    const char *what = mode_word(cfg->mode);
    int e = errno;
    if (permission_error(e))
        set_error(err, "%s %s: cannot %s the device: need root or CAP_NET_ADMIN", what, cfg->name,
                  existed ? "attach to" : "create");
    else if (e == EINVAL && existed)
        set_error(err, "%s %s: an interface with this name exists and is not a %s device", what,
                  cfg->name, cfg->mode == WEIR_TUN_MODE_TAP ? "TAP" : "TUN");
    else if (e == EBUSY)
        set_error(err, "%s %s: the device is in use by another process", what, cfg->name);
    else
        set_error(err, "%s %s: TUNSETIFF failed: %s", what, cfg->name, strerror(e));
    return false;
}

/* Read what the kernel side has now: flags, MTU, address (if any), MAC (TAP). */
static bool read_settings(int sock, weir_tun *t, weir_tun_error *err)
{
    weir_tun_info *info = &t->info;
    struct ifreq ifr;
    ifreq_for(&ifr, info->name);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) {
        set_error(err, "%s %s: cannot read the interface flags: %s", mode_word(info->mode),
                  info->name, strerror(errno));
        return false;
    }
    info->up = (ifr.ifr_flags & IFF_UP) != 0;
    ifreq_for(&ifr, info->name);
    if (ioctl(sock, SIOCGIFMTU, &ifr) == 0)
        info->mtu = ifr.ifr_mtu > 0 && ifr.ifr_mtu <= UINT16_MAX ? (uint16_t)ifr.ifr_mtu : 0;
    info->host_ip = 0;
    info->prefix_len = 0;
    ifreq_for(&ifr, info->name);
    if (ioctl(sock, SIOCGIFADDR, &ifr) == 0) {
        info->host_ip = get_sin(&ifr.ifr_addr);
        ifreq_for(&ifr, info->name);
        if (ioctl(sock, SIOCGIFNETMASK, &ifr) == 0)
            info->prefix_len = mask_prefix(get_sin(&ifr.ifr_netmask));
    }
    if (info->mode == WEIR_TUN_MODE_TAP) {
        ifreq_for(&ifr, info->name);
        if (ioctl(sock, SIOCGIFHWADDR, &ifr) != 0) {
            set_error(err, "tap %s: cannot read the MAC address: %s", info->name, strerror(errno));
            return false;
        }
        memcpy(info->host_mac, ifr.ifr_hwaddr.sa_data, sizeof(info->host_mac));
    }
    return true;
}

static bool set_ioctl(int sock, unsigned long req, struct ifreq *ifr, const weir_tun *t,
                      const char *what, weir_tun_error *err)
{
    if (ioctl(sock, req, ifr) == 0)
        return true;
    int e = errno;
    set_error(err, "%s %s: cannot set %s: %s", mode_word(t->info.mode), t->info.name, what,
              permission_error(e) ? "need root or CAP_NET_ADMIN" : strerror(e));
    return false;
}

/* MTU, then address and netmask (SIOCSIFADDR alone would give a classful mask), then up. */
static bool configure(int sock, weir_tun *t, const weir_tun_config *cfg, weir_tun_error *err)
{
    struct ifreq ifr;
    if (cfg->mtu != 0) {
        ifreq_for(&ifr, t->info.name);
        ifr.ifr_mtu = cfg->mtu;
        if (!set_ioctl(sock, SIOCSIFMTU, &ifr, t, "the MTU", err))
            return false;
    }
    char cidr[32];
    format_cidr(cidr, sizeof(cidr), cfg->host_ip, cfg->prefix_len);
    char what[64];
    snprintf(what, sizeof(what), "address %s", cidr);
    ifreq_for(&ifr, t->info.name);
    set_sin(&ifr.ifr_addr, cfg->host_ip);
    if (!set_ioctl(sock, SIOCSIFADDR, &ifr, t, what, err))
        return false;
    ifreq_for(&ifr, t->info.name);
    set_sin(&ifr.ifr_netmask, prefix_mask(cfg->prefix_len));
    if (!set_ioctl(sock, SIOCSIFNETMASK, &ifr, t, what, err))
        return false;
    ifreq_for(&ifr, t->info.name);
    if (!set_ioctl(sock, SIOCGIFFLAGS, &ifr, t, "the interface up (flags)", err))
        return false;
    ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (!set_ioctl(sock, SIOCSIFFLAGS, &ifr, t, "the interface up", err))
        return false;
    t->info.configured = true;
    return true;
}

static bool settle(int sock, weir_tun *t, const weir_tun_config *cfg, weir_tun_error *err)
{
    if (!read_settings(sock, t, err))
        return false;
    bool wants_address = t->info.created || t->info.host_ip == 0;
    if (cfg->host_ip == 0 || !wants_address)
        return true; /* used as it is */
    return configure(sock, t, cfg, err) && read_settings(sock, t, err);
}

weir_tun *weir_tun_open(const weir_tun_config *cfg, weir_tun_error *err)
{
    set_error(err, "no error");
    if (!config_valid(cfg, err))
        return NULL;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        set_error(err, "%s %s: cannot open a socket for interface ioctls: %s", mode_word(cfg->mode),
                  cfg->name, strerror(errno));
        return NULL;
    }
    weir_tun *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        set_error(err, "%s %s: out of memory", mode_word(cfg->mode), cfg->name);
        close(sock);
        return NULL;
    }
    memcpy(t->info.name, cfg->name, strlen(cfg->name) + 1);
    t->info.mode = cfg->mode;
    bool existed = interface_exists(sock, cfg->name);
    t->fd = open_clone_device(cfg, err);
    bool ok = t->fd >= 0 && attach(t->fd, cfg, existed, err);
    t->info.created = ok && !existed;
    ok = ok && settle(sock, t, cfg, err);
    close(sock);
    if (!ok) {
        weir_tun_close(t); /* a device we just created goes away again */
        return NULL;
    }
    return t;
}

void weir_tun_close(weir_tun *t)
{
    if (t == NULL)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

int weir_tun_fd(const weir_tun *t) { return t != NULL ? t->fd : -1; }

const weir_tun_info *weir_tun_get_info(const weir_tun *t) { return t != NULL ? &t->info : NULL; }

/* ---- frames ---------------------------------------------------------------------------------- */

int weir_tun_read(int fd, uint8_t *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return -EINVAL;
    if (cap > INT32_MAX)
        cap = INT32_MAX;
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n > 0)
            return (int)n;
        if (n == 0)
            return -EPIPE; /* a socketpair's other end closed; a TUN fd never reads 0 */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return -errno;
    }
}

int weir_tun_read_batch(int fd, uint8_t *buf, size_t stride, size_t *lens, int max)
{
    if (buf == NULL || lens == NULL || stride == 0 || max < 0)
        return -EINVAL;
    int count = 0;
    while (count < max) {
        int n = weir_tun_read(fd, buf + (size_t)count * stride, stride);
        if (n < 0)
            return count > 0 ? count : n;
        if (n == 0)
            break;
        lens[count++] = (size_t)n;
    }
    return count;
}

int weir_tun_write(int fd, const uint8_t *frame, size_t len)
{
    if (frame == NULL || len == 0)
        return -EINVAL;
    for (;;) {
        ssize_t n = write(fd, frame, len);
        if (n >= 0)
            return 0; /* a TUN/TAP or packet fd takes the whole frame or nothing */
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}
