/* netopts.c — the network tools' common options and their setup (see netopts.h).
 *
 * Parsing is strict: a number with trailing junk, an address with a fifth octet or a probability
 * of 101 % is a usage error (exit 2) with one line naming the option and what was expected. The
 * setup's failures (no /dev/net/tun, no permission, a busy device) are one line each (exit 1).
 *
 * The one piece of process-wide state is the number of the signal that asked us to stop: a signal
 * handler can reach nothing else. It lives here, in the tools, never in a driver or the stack. */
#define _GNU_SOURCE

#include "netopts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "weir/netif.h"

/* SIGINT/SIGTERM set this; the loop sees it through weir_loop_config.stop_flag. */
static volatile sig_atomic_t g_stop_signal;

/* ---- small parsers --------------------------------------------------------------------------- */

/* A decimal number in [0, max] without sign, spaces or trailing characters. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0')
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool weir_net_parse_ipv4(const char *s, uint32_t *out)
{
    if (s == NULL)
        return false;
    uint32_t ip = 0;
    for (int part = 0; part < 4; part++) {
        const char *p = s;
        uint32_t v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            v = v * 10 + (uint32_t)(*p++ - '0');
            digits++;
        }
        /* No leading zeros: "010" means 8 to inet_aton and 10 to people; refuse to guess. */
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[0] == '0'))
            return false;
        ip = ip << 8 | v;
        if (part < 3 && *p != '.')
            return false;
        s = part < 3 ? p + 1 : p;
    }
    if (*s != '\0')
        return false;
    *out = ip;
    return true;
}

bool weir_net_parse_port(const char *s, uint16_t *out)
{
    uint64_t v;
    if (!parse_uint(s, 65535, &v) || v == 0)
        return false;
    *out = (uint16_t)v;
    return true;
}

void weir_net_format_ipv4(uint32_t ip, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 0xff),
             (unsigned)(ip >> 8 & 0xff), (unsigned)(ip & 0xff));
}

/* "ADDR/PREFIX", or a bare ADDR meaning /24. */
static bool parse_cidr(const char *s, uint32_t *ip, uint8_t *prefix_len)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    uint64_t prefix = 24;
    if (slash != NULL && !parse_uint(slash + 1, 32, &prefix))
        return false;
    if (!weir_net_parse_ipv4(buf, ip))
        return false;
    *prefix_len = (uint8_t)prefix;
    return true;
}

/* A percentage 0..100, optionally written with a '%' sign: "2", "0.5", "2%". */
static bool parse_percent(const char *s, double *out)
{
    if (s == NULL || *s == '\0' || *s == ' ' || *s == '+' || *s == '-')
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s)
        return false;
    if (*end == '%')
        end++;
    if (*end != '\0' || !(v >= 0.0 && v <= 100.0)) /* also refuses NaN */
        return false;
    *out = v;
    return true;
}

static uint32_t prefix_mask(uint8_t prefix_len)
{
    return prefix_len == 0 ? 0 : UINT32_MAX << (32 - prefix_len);
}

/* ---- messages -------------------------------------------------------------------------------- */

int weir_netopts_usage_error(const weir_netopts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", o->tool);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", o->tool);
    return WEIR_NET_EXIT_USAGE;
}

static void fail(const weir_netopts *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fail(const weir_netopts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", o->tool);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void info(const weir_netopts *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void info(const weir_netopts *o, const char *fmt, ...)
{
    if (o->verbose == 0 || o->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", o->tool);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void weir_netopts_usage(FILE *out)
{
    fprintf(out,
            "network options:\n"
            "  --tun NAME        use (or create) TUN device NAME (default " WEIR_NET_DEFAULT_DEVICE
            ")\n"
            "  --tap NAME        use (or create) TAP device NAME (Ethernet)\n"
            "  --ip ADDR/PREFIX  weir's own address (default " WEIR_NET_DEFAULT_IP ")\n"
            "  --host-ip ADDR    the kernel side's address (default: .1 of that subnet)\n"
            "  --gw ADDR         router for other subnets (TAP default: the kernel side)\n"
            "  --dns ADDR        name server, for commands that resolve names\n"
            "  --mtu N           interface MTU, 68..65535 (default %d)\n"
            "  --pcap FILE       write every frame weir sends and receives to FILE\n"
            "  --loss P          drop P %% of the frames, each direction (0..100)\n"
            "  --dup P           duplicate P %% of the frames\n"
            "  --reorder P       hold back P %% of the frames by 1 ms\n"
            "  --corrupt P       flip one bit in P %% of the frames\n"
            "  --seed N          seed of the impairments above (default: random; -v shows it)\n"
            "  --trace           print one line per TCP segment on stderr\n"
            "  -v, --verbose     say what is set up and, at the end, the device counters\n"
            "  -q, --quiet       print nothing but errors\n"
            "A device the command creates (needs root or CAP_NET_ADMIN) is configured with\n"
            "--host-ip and --mtu and disappears when the command ends; an existing one that has\n"
            "an address is used as it is.\n",
            WEIR_NET_DEFAULT_MTU);
}

/* ---- parsing --------------------------------------------------------------------------------- */

void weir_netopts_init(weir_netopts *o, const char *tool)
{
    memset(o, 0, sizeof(*o));
    o->tool = tool != NULL ? tool : "weir";
    o->mode = WEIR_TUN_MODE_TUN;
    o->device = WEIR_NET_DEFAULT_DEVICE;
    parse_cidr(WEIR_NET_DEFAULT_IP, &o->ip, &o->prefix_len);
    o->mtu = WEIR_NET_DEFAULT_MTU;
}

weir_netopt_result weir_net_opt_value(const weir_netopts *o, int argc, char **argv, int *i,
                                      const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return WEIR_NETOPT_NO_MATCH;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return WEIR_NETOPT_TAKEN;
    }
    if (arg[n] != '\0')
        return WEIR_NETOPT_NO_MATCH;
    if (*i + 1 >= argc) {
        weir_netopts_usage_error(o, "%s needs a value", name);
        return WEIR_NETOPT_BAD;
    }
    *i += 1;
    *value = argv[*i];
    return WEIR_NETOPT_TAKEN;
}

static weir_netopt_result bad_value(const weir_netopts *o, const char *name, const char *value,
                                    const char *expected)
{
    weir_netopts_usage_error(o, "%s '%s': expected %s", name, value, expected);
    return WEIR_NETOPT_BAD;
}

static weir_netopt_result take_device(weir_netopts *o, weir_tun_mode mode, const char *name,
                                      const char *value)
{
    if (!weir_tun_name_valid(value))
        return bad_value(o, name, value,
                         "an interface name of 1 to 15 characters without '/', ':', '%' or spaces");
    o->mode = mode;
    o->device = value;
    return WEIR_NETOPT_TAKEN;
}

static weir_netopt_result take_address(weir_netopts *o, const char *name, const char *value,
                                       uint32_t *out)
{
    if (!weir_net_parse_ipv4(value, out) || *out == 0)
        return bad_value(o, name, value, "an IPv4 address such as 198.18.0.1");
    return WEIR_NETOPT_TAKEN;
}

static weir_netopt_result take_percent(weir_netopts *o, const char *name, const char *value,
                                       double *out)
{
    if (!parse_percent(value, out))
        return bad_value(o, name, value, "a percentage from 0 to 100, such as 2 or 0.5");
    return WEIR_NETOPT_TAKEN;
}

/* The options that take a value; `name` is the one that matched. */
static weir_netopt_result take_value(weir_netopts *o, const char *name, const char *v)
{
    uint64_t n;
    if (strcmp(name, "--tun") == 0)
        return take_device(o, WEIR_TUN_MODE_TUN, name, v);
    if (strcmp(name, "--tap") == 0)
        return take_device(o, WEIR_TUN_MODE_TAP, name, v);
    if (strcmp(name, "--ip") == 0) {
        if (!parse_cidr(v, &o->ip, &o->prefix_len) || o->ip == 0)
            return bad_value(o, name, v, "ADDR/PREFIX such as 198.18.0.2/24");
        return WEIR_NETOPT_TAKEN;
    }
    if (strcmp(name, "--host-ip") == 0) {
        o->host_ip_given = true;
        return take_address(o, name, v, &o->host_ip);
    }
    if (strcmp(name, "--gw") == 0)
        return take_address(o, name, v, &o->gw);
    if (strcmp(name, "--dns") == 0)
        return take_address(o, name, v, &o->dns);
    if (strcmp(name, "--mtu") == 0) {
        if (!parse_uint(v, 65535, &n) || n < 68)
            return bad_value(o, name, v, "a whole number from 68 to 65535");
        o->mtu = (uint16_t)n;
        return WEIR_NETOPT_TAKEN;
    }
    if (strcmp(name, "--pcap") == 0) {
        if (*v == '\0')
            return bad_value(o, name, v, "a file name");
        o->pcap_path = v;
        return WEIR_NETOPT_TAKEN;
    }
    if (strcmp(name, "--loss") == 0)
        return take_percent(o, name, v, &o->loss);
    if (strcmp(name, "--dup") == 0)
        return take_percent(o, name, v, &o->dup);
    if (strcmp(name, "--reorder") == 0)
        return take_percent(o, name, v, &o->reorder);
    if (strcmp(name, "--corrupt") == 0)
        return take_percent(o, name, v, &o->corrupt);
    /* --seed */
    if (!parse_uint(v, UINT64_MAX, &o->seed))
        return bad_value(o, name, v, "a whole number");
    o->seed_given = true;
    return WEIR_NETOPT_TAKEN;
}

static const char *const k_value_options[] = {
    "--tun",  "--tap",  "--ip",  "--host-ip", "--gw",      "--dns",  "--mtu",
    "--pcap", "--loss", "--dup", "--reorder", "--corrupt", "--seed",
};

weir_netopt_result weir_netopts_parse(weir_netopts *o, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--trace") == 0) {
        o->trace = true;
        return WEIR_NETOPT_TAKEN;
    }
    if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
        o->verbose++;
        return WEIR_NETOPT_TAKEN;
    }
    if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
        o->quiet = true;
        return WEIR_NETOPT_TAKEN;
    }
    size_t count = sizeof(k_value_options) / sizeof(k_value_options[0]);
    for (size_t k = 0; k < count; k++) {
        const char *value = NULL;
        weir_netopt_result r = weir_net_opt_value(o, argc, argv, i, k_value_options[k], &value);
        if (r == WEIR_NETOPT_TAKEN)
            return take_value(o, k_value_options[k], value);
        if (r == WEIR_NETOPT_BAD)
            return r;
    }
    return WEIR_NETOPT_NO_MATCH;
}

bool weir_netopts_finish(weir_netopts *o)
{
    char ip[16], host[16], gw[16], subnet[16];
    uint32_t mask = prefix_mask(o->prefix_len);
    uint32_t net = o->ip & mask;
    weir_net_format_ipv4(o->ip, ip);
    if (o->verbose > 0 && o->quiet) {
        weir_netopts_usage_error(o, "-v and -q contradict each other: give one");
        return false;
    }
    if (o->prefix_len < 1 || o->prefix_len > 31) {
        weir_netopts_usage_error(o,
                                 "--ip %s/%u: the prefix must be 1..31, so that the kernel "
                                 "side has an address in the subnet too",
                                 ip, (unsigned)o->prefix_len);
        return false;
    }
    if (!o->host_ip_given)
        o->host_ip = net | 1; /* .1 of the subnet */
    weir_net_format_ipv4(o->host_ip, host);
    if (o->host_ip == o->ip && o->host_ip_given) {
        weir_netopts_usage_error(o, "--host-ip %s is weir's own address (--ip)", host);
        return false;
    }
    if (o->host_ip == o->ip) {
        weir_netopts_usage_error(o,
                                 "the kernel side's default address %s (.1 of the subnet) is "
                                 "weir's own --ip: give --host-ip",
                                 host);
        return false;
    }
    weir_net_format_ipv4(net, subnet);
    if ((o->host_ip & mask) != net) {
        weir_netopts_usage_error(o, "--host-ip %s is not in weir's subnet %s/%u", host, subnet,
                                 (unsigned)o->prefix_len);
        return false;
    }
    if (o->gw != 0 && (o->gw & mask) != net) {
        weir_net_format_ipv4(o->gw, gw);
        weir_netopts_usage_error(o, "--gw %s is not in weir's subnet %s/%u", gw, subnet,
                                 (unsigned)o->prefix_len);
        return false;
    }
    return true;
}

/* ---- setup ----------------------------------------------------------------------------------- */

static void on_stop_signal(int sig) { g_stop_signal = sig; }

int weir_net_signal(void) { return (int)g_stop_signal; }

/* No SA_RESTART: the signal must interrupt poll() so that the loop sees the flag at once. */
static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The stack's randomness: the kernel's CSPRNG. getrandom() only fails before the pool is
 * initialised (it blocks instead) or when interrupted, so retrying is enough. */
static void random_bytes(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            n = 0; /* leaves the rest as it is: never reached on Linux >= 3.17 */
            len = 0;
        }
        p += n;
        len -= (size_t)n;
    }
}

static bool open_device(weir_net *n)
{
    const weir_netopts *o = n->opts;
    weir_tun_config tc = {.name = o->device,
                          .mode = o->mode,
                          .host_ip = o->host_ip,
                          .prefix_len = o->prefix_len,
                          .mtu = o->mtu};
    weir_tun_error err;
    n->tun = weir_tun_open(&tc, &err);
    if (n->tun == NULL) {
        fail(o, "%s", err.msg);
        return false;
    }
    const weir_tun_info *ti = weir_tun_get_info(n->tun);
    const char *kind = o->mode == WEIR_TUN_MODE_TAP ? "tap" : "tun";
    char host[16], ip[16];
    weir_net_format_ipv4(ti->host_ip, host);
    weir_net_format_ipv4(o->ip, ip);
    uint32_t mask = prefix_mask(o->prefix_len);
    if (!ti->configured && (ti->host_ip & mask) != (o->ip & mask)) {
        fail(o, "%s %s already has address %s, outside weir's --ip %s/%u: give --ip in its subnet",
             kind, ti->name, ti->host_ip != 0 ? host : "(none)", ip, (unsigned)o->prefix_len);
        return false;
    }
    if (ti->host_ip == o->ip) {
        fail(o, "%s %s: the kernel side already has weir's address %s: give another --ip", kind,
             ti->name, ip);
        return false;
    }
    if (!ti->up && !o->quiet)
        fail(o, "warning: %s %s is down (ip link set %s up)", kind, ti->name, ti->name);
    info(o, "%s %s (%s): weir %s/%u, kernel side %s, mtu %u", kind, ti->name,
         ti->created      ? "created"
         : ti->configured ? "configured"
                          : "as it was",
         ip, (unsigned)o->prefix_len, host, (unsigned)ti->mtu);
    return true;
}

/* The MTU weir sends with: ours, unless the device's is smaller. */
static uint16_t netif_mtu(const weir_net *n)
{
    uint16_t dev = weir_tun_get_info(n->tun)->mtu;
    return dev != 0 && dev < n->opts->mtu ? dev : n->opts->mtu;
}

/* weir's own MAC on a TAP device: random, locally administered (bit 1 of the first octet),
 * unicast (bit 0 clear), and not the kernel side's. */
static void choose_mac(const weir_tun_info *ti, uint8_t mac[6])
{
    for (int tries = 0; tries < 8; tries++) {
        random_bytes(NULL, mac, 6);
        mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
        if (memcmp(mac, ti->host_mac, 6) != 0)
            return;
    }
    mac[5] ^= 0x01; /* eight equal draws in a row: a broken generator; differ anyway */
}

/* THE place where a device becomes a weir interface. TUN frames are bare IP packets; TAP frames
 * are Ethernet, with weir's own MAC and ARP for the neighbours. The loop, the capture and the
 * faults carry either kind unchanged. */
static bool add_netif(weir_net *n)
{
    const weir_netopts *o = n->opts;
    const weir_tun_info *ti = weir_tun_get_info(n->tun);
    weir_netif_config nc = {.name = o->device,
                            .medium = WEIR_MEDIUM_IP,
                            .mtu = netif_mtu(n),
                            .ip = o->ip,
                            .prefix_len = o->prefix_len,
                            .transmit = weir_loop_transmit_fn(),
                            .transmit_ctx = weir_loop_device_ctx(n->loop, n->dev)};
    if (o->mode == WEIR_TUN_MODE_TAP) {
        nc.medium = WEIR_MEDIUM_ETHERNET;
        choose_mac(ti, nc.mac);
        info(o, "tap %s: weir's MAC %02x:%02x:%02x:%02x:%02x:%02x", ti->name, nc.mac[0], nc.mac[1],
             nc.mac[2], nc.mac[3], nc.mac[4], nc.mac[5]);
    }
    n->netif = weir_netif_add(n->stack, &nc);
    if (n->netif < 0) {
        fail(o, "%s: cannot add the interface: %s", o->device, weir_strerror(n->netif));
        return false;
    }
    weir_loop_bind_netif(n->loop, n->dev, n->netif);
    /* A TUN link reaches every address without a route; on a TAP link the kernel side is the
     * natural router unless --gw names another. */
    uint32_t gw = o->gw;
    if (gw == 0 && o->mode == WEIR_TUN_MODE_TAP)
        gw = ti->host_ip;
    if (gw != 0) {
        int rc = weir_route_add(n->stack, 0, 0, gw); /* the default route */
        if (rc < 0) {
            char gw_text[16];
            weir_net_format_ipv4(gw, gw_text);
            fail(o, "gateway %s: cannot add the default route: %s", gw_text, weir_strerror(rc));
            return false;
        }
    }
    return true;
}

static bool create_stack(weir_net *n, const weir_net_hooks *hooks)
{
    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.random = random_bytes;
    if (n->opts->trace) {
        n->trace.out = stderr;
        n->trace.start_us = weir_loop_clock_us();
        cfg.trace = weir_net_trace_line;
        cfg.trace_ctx = &n->trace;
    }
    if (hooks != NULL && hooks->configure != NULL)
        hooks->configure(hooks->ctx, &cfg);
    int rc = weir_stack_create(&cfg, &n->stack);
    if (rc < 0) {
        fail(n->opts, "cannot create the stack: %s", weir_strerror(rc));
        return false;
    }
    return true;
}

static bool open_capture(weir_net *n)
{
    const weir_netopts *o = n->opts;
    if (o->pcap_path == NULL)
        return true;
    weir_pcap_link link = o->mode == WEIR_TUN_MODE_TAP ? WEIR_PCAP_ETHERNET : WEIR_PCAP_RAW_IP;
    weir_pcap_error err;
    n->pcap = weir_pcap_open(o->pcap_path, link, 0, &err);
    if (n->pcap == NULL) {
        fail(o, "%s", err.msg);
        return false;
    }
    return true;
}

static weir_fault_config fault_from(const weir_netopts *o)
{
    weir_fault_config f;
    memset(&f, 0, sizeof(f));
    f.loss = o->loss / 100.0;
    f.duplicate = o->dup / 100.0;
    f.reorder = o->reorder / 100.0;
    f.corrupt = o->corrupt / 100.0;
    return f;
}

static bool create_loop(weir_net *n, const weir_net_hooks *hooks)
{
    const weir_netopts *o = n->opts;
    weir_loop_config lc = {
        .stack = n->stack, .stop_flag = &g_stop_signal, .log = stderr, .log_prefix = o->tool};
    if (hooks != NULL) {
        lc.after = hooks->after;
        lc.after_ctx = hooks->ctx;
        lc.time_limit_us = hooks->time_limit_us;
    }
    n->loop = weir_loop_create(&lc);
    if (n->loop == NULL) {
        fail(o, "cannot create the event loop: out of memory");
        return false;
    }
    if (o->seed_given)
        n->fault_seed = o->seed;
    else
        random_bytes(NULL, &n->fault_seed, sizeof(n->fault_seed));
    const weir_tun_info *ti = weir_tun_get_info(n->tun);
    uint16_t dev_mtu = ti->mtu > o->mtu ? ti->mtu : o->mtu;
    char name[40];
    snprintf(name, sizeof(name), "%s %s", o->mode == WEIR_TUN_MODE_TAP ? "tap" : "tun", ti->name);
    weir_loop_device_config dc;
    weir_loop_device_config_init(&dc);
    dc.fd = weir_tun_fd(n->tun);
    dc.name = name;
    /* Room for what the device may hand us: its MTU, an Ethernet header and a VLAN tag. */
    dc.max_frame = (size_t)dev_mtu + (o->mode == WEIR_TUN_MODE_TAP ? 18u : 0u);
    dc.fault_in = fault_from(o);
    dc.fault_out = dc.fault_in;
    dc.seed = n->fault_seed;
    dc.pcap = n->pcap;
    n->dev = weir_loop_add_device(n->loop, &dc);
    if (n->dev < 0) {
        fail(o, "cannot add %s to the event loop: %s", name, weir_strerror(n->dev));
        return false;
    }
    if (o->loss > 0 || o->dup > 0 || o->reorder > 0 || o->corrupt > 0)
        info(o,
             "impairments each way: loss %g%%, dup %g%%, reorder %g%%, corrupt %g%%; "
             "--seed %llu",
             o->loss, o->dup, o->reorder, o->corrupt, (unsigned long long)n->fault_seed);
    return true;
}

int weir_net_setup(weir_net *n, const weir_netopts *o, const weir_net_hooks *hooks)
{
    memset(n, 0, sizeof(*n));
    n->opts = o;
    n->dev = -1;
    n->netif = -1;
    install_signals();
    bool ok = create_stack(n, hooks) && open_device(n) && open_capture(n) &&
              create_loop(n, hooks) && add_netif(n);
    if (!ok) {
        weir_net_teardown(n);
        return WEIR_NET_EXIT_FAIL;
    }
    /* The stack's clock starts at 0 and only moves when it is given a time. The tool's first
     * calls (connect: the SYN's RTT sample, the ISN) come before the loop runs, so give it the
     * loop's clock now — or the first RTT sample would be the machine's uptime. */
    weir_stack_poll(n->stack, weir_loop_clock_us());
    return WEIR_NET_EXIT_OK;
}

static void print_counters(const weir_net *n)
{
    weir_loop_device_stats st;
    if (n->loop == NULL || n->netif < 0 || weir_loop_get_device_stats(n->loop, n->dev, &st) < 0)
        return;
    const weir_netopts *o = n->opts;
    info(o,
         "%s: in %llu frames (%llu bytes), out %llu frames (%llu bytes), %llu dropped on a "
         "full device queue, %llu write errors",
         o->device, (unsigned long long)st.frames_in, (unsigned long long)st.bytes_in,
         (unsigned long long)st.frames_out, (unsigned long long)st.bytes_out,
         (unsigned long long)st.tx_dropped, (unsigned long long)st.tx_errors);
    if (o->loss > 0 || o->dup > 0 || o->reorder > 0 || o->corrupt > 0)
        info(o,
             "impairments in/out: lost %llu/%llu, duplicated %llu/%llu, reordered %llu/%llu, "
             "corrupted %llu/%llu",
             (unsigned long long)st.lost[0], (unsigned long long)st.lost[1],
             (unsigned long long)st.duplicated[0], (unsigned long long)st.duplicated[1],
             (unsigned long long)st.reordered[0], (unsigned long long)st.reordered[1],
             (unsigned long long)st.corrupted[0], (unsigned long long)st.corrupted[1]);
}

void weir_net_teardown(weir_net *n)
{
    if (n == NULL || n->opts == NULL)
        return;
    print_counters(n);
    weir_loop_destroy(n->loop);
    weir_stack_destroy(n->stack);
    weir_tun_close(n->tun);
    if (n->pcap != NULL && !weir_pcap_close(n->pcap))
        fail(n->opts, "%s: the capture file is incomplete (disk full?)", n->opts->pcap_path);
    n->loop = NULL;
    n->stack = NULL;
    n->tun = NULL;
    n->pcap = NULL;
}
