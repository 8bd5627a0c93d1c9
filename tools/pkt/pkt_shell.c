/* pkt_shell.c — backquoted shell lines (README §2.5, §4) and the profiles (§3.2, §3.3).
 *
 * A shell line is never given to a shell. It is split into words and matched against an
 * allow-list: the defaults scripts and restore scripts are no-ops (the profile already set the
 * stack up), `sysctl -w name=value` goes through a mapping table to the stack configuration,
 * `sockstat ... | grep ... | grep -c STATE | grep N` is emulated over weir_tcp_list() (a tiny
 * pipeline of sockstat, grep and awk '{print $N}' over generated sockstat lines), and
 * `tcpdrop -s STATE` aborts connections with weir_tcp_drop(). Anything else is classified
 * UNSUPPORTED, which pkt_caps.c turns into a static SKIP before the script runs. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_run.h"

#define MAX_WORDS 48

typedef struct words {
    int n;
    char w[MAX_WORDS][96];
} words;

/* Shell-like split: quotes group, '|' is its own word. */
static void split(const char *s, words *out)
{
    out->n = 0;
    while (*s && out->n < MAX_WORDS) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (!*s)
            break;
        char *w = out->w[out->n++];
        size_t k = 0;
        if (*s == '|') {
            w[k++] = *s++;
        } else {
            char q = 0;
            while (*s && (q || (*s != ' ' && *s != '\t' && *s != '\n' && *s != '|'))) {
                if (q == 0 && (*s == '\'' || *s == '"'))
                    q = *s;
                else if (q && *s == q)
                    q = 0;
                else if (k + 1 < sizeof out->w[0])
                    w[k++] = *s;
                s++;
            }
        }
        w[k] = 0;
    }
}

/* ---- sysctl mapping ------------------------------------------------------------------------ */

typedef enum sysctl_kind {
    SC_NOOP,       /* no meaning for weir (or restates the profile's default) */
    SC_NOOP_IF,    /* no-op when the value is `only`, unsupported otherwise */
    SC_BOOL_WS_TS, /* rfc1323 */
    SC_TCP_FLAG,   /* a weir_tcp_config bool (`flag`): on for any value but 0 */
    SC_RECVSPACE,
    SC_SENDSPACE,
    SC_MAXSOCKBUF,
    SC_INSECURE_RST,
    SC_INSECURE_SYN,
    SC_RTO_INITIAL_MS,
    SC_RTO_SLOP_MS,
    SC_DELACK_MS,
    SC_KEEPIDLE_MS,
    SC_KEEPINIT_MS,
    SC_KEEPINTVL_MS,
    SC_KEEPCNT,
    SC_LINUX_RMEM,
    SC_LINUX_WMEM,
    SC_SYN_RETRIES,
    SC_RTO_MAX_MS,
    SC_CONGESTION, /* reno or cubic: weir's two modules; anything else is unsupported */
    SC_EARLY_RETRANS,
    SC_TOLERATE_MISSING_TS,
    SC_ECN, /* 0 off, 1 ask and agree, 2 agree when asked: Linux's tcp_ecn, FreeBSD's ecn.enable */
    SC_RECVBUF_AUTO, /* FreeBSD's receive-buffer auto-tuning: on/off ... */
    SC_RECVBUF_MAX,  /* ... and its ceiling (recv_buffer_auto_max when on) */
} sysctl_kind;

typedef struct sysctl_entry {
    const char *name;
    sysctl_kind kind;
    const char *only; /* SC_NOOP_IF */
    size_t flag;      /* SC_TCP_FLAG: offsetof(weir_tcp_config, the bool) */
} sysctl_entry;

#define TCP_FLAG(field) SC_TCP_FLAG, NULL, offsetof(weir_tcp_config, field)

static const sysctl_entry k_sysctls[] = {
    /* FreeBSD */
    {"net.inet.tcp.rfc1323", SC_BOOL_WS_TS, NULL, 0},
    {"net.inet.tcp.sack.enable", TCP_FLAG(sack)},
    {"net.inet.tcp.do_prr", TCP_FLAG(prr)},
    {"net.inet.tcp.recvspace", SC_RECVSPACE, NULL, 0},
    {"net.inet.tcp.sendspace", SC_SENDSPACE, NULL, 0},
    {"kern.ipc.maxsockbuf", SC_MAXSOCKBUF, NULL, 0},
    {"net.inet.tcp.hostcache.purgenow", SC_NOOP, NULL, 0},
    {"net.inet.tcp.blackhole", SC_NOOP_IF, "0", 0},
    {"net.inet.tcp.ecn.enable", SC_ECN, NULL, 0},
    {"net.inet.tcp.insecure_rst", SC_INSECURE_RST, NULL, 0},
    {"net.inet.tcp.insecure_syn", SC_INSECURE_SYN, NULL, 0},
    {"net.inet.tcp.drop_synfin", TCP_FLAG(drop_synfin)},
    {"net.inet.tcp.recvbuf_auto", SC_RECVBUF_AUTO, NULL, 0},
    {"net.inet.tcp.recvbuf_max", SC_RECVBUF_MAX, NULL, 0},
    /* The step FreeBSD's auto-tuning grows the buffer by; weir's sizes it from what the
     * application reads per RTT and has no step: only FreeBSD's default runs. */
    {"net.inet.tcp.recvbuf_inc", SC_NOOP_IF, "16384", 0},
    {"net.inet.tcp.rexmit_initial", SC_RTO_INITIAL_MS, NULL, 0},
    {"net.inet.tcp.rexmit_slop", SC_RTO_SLOP_MS, NULL, 0},
    {"net.inet.tcp.rexmit_drop_options", SC_NOOP_IF, "0", 0},
    {"net.inet.tcp.tolerate_missing_ts", SC_TOLERATE_MISSING_TS, NULL, 0},
    {"net.inet.tcp.delacktime", SC_DELACK_MS, NULL, 0},
    {"net.inet.tcp.keepidle", SC_KEEPIDLE_MS, NULL, 0},
    {"net.inet.tcp.keepintvl", SC_KEEPINTVL_MS, NULL, 0},
    {"net.inet.tcp.keepcnt", SC_KEEPCNT, NULL, 0},
    {"net.inet.tcp.keepinit", SC_KEEPINIT_MS, NULL, 0},
    {"net.inet.tcp.syncookies", SC_NOOP, NULL, 0},
    {"net.inet.tcp.syncookies_only", SC_NOOP_IF, "0", 0},
    /* Linux */
    {"net.ipv4.tcp_rmem", SC_LINUX_RMEM, NULL, 0},
    {"net.ipv4.tcp_wmem", SC_LINUX_WMEM, NULL, 0},
    {"net.ipv4.tcp_timestamps", TCP_FLAG(timestamps)},
    {"net.ipv4.tcp_sack", TCP_FLAG(sack)},
    {"net.ipv4.tcp_window_scaling", TCP_FLAG(window_scale)},
    {"net.ipv4.tcp_syn_retries", SC_SYN_RETRIES, NULL, 0},
    {"net.ipv4.tcp_rto_max_ms", SC_RTO_MAX_MS, NULL, 0},
    {"net.ipv4.tcp_early_retrans", SC_EARLY_RETRANS, NULL, 0},
    {"net.ipv4.tcp_congestion_control", SC_CONGESTION, NULL, 0},
    {"net.ipv4.tcp_dsack", TCP_FLAG(dsack)},
    {"net.ipv4.tcp_fack", SC_NOOP, NULL, 0},
    {"net.ipv4.tcp_reordering", SC_NOOP_IF, "3", 0},
    {"net.ipv4.tcp_tso_win_divisor", SC_NOOP, NULL, 0},
    {"net.ipv4.tcp_min_tso_segs", SC_NOOP, NULL, 0},
    {"net.ipv4.tcp_ecn", SC_ECN, NULL, 0},
    {"net.ipv4.tcp_fastopen", SC_NOOP_IF, "0", 0},
    {"net.ipv4.tcp_slow_start_after_idle", TCP_FLAG(slow_start_after_idle)},
    {"net.ipv4.tcp_syncookies", SC_NOOP, NULL, 0},
    {"net.ipv4.tcp_mtu_probing", SC_NOOP_IF, "0", 0},
};

static const sysctl_entry *find_sysctl(const char *name)
{
    for (size_t i = 0; i < sizeof k_sysctls / sizeof k_sysctls[0]; i++)
        if (strcmp(k_sysctls[i].name, name) == 0)
            return &k_sysctls[i];
    return NULL;
}

/* Splits "name=value"; false when it is not an assignment. */
static bool assignment(const char *w, char *name, size_t nlen, const char **value)
{
    const char *eq = strchr(w, '=');
    if (eq == NULL || (size_t)(eq - w) >= nlen)
        return false;
    memcpy(name, w, (size_t)(eq - w));
    name[eq - w] = 0;
    *value = eq + 1;
    return true;
}

static bool classify_sysctl(const words *ws, char *why, size_t len)
{
    for (int i = 1; i < ws->n; i++) {
        if (ws->w[i][0] == '-')
            continue;
        char name[96];
        const char *value;
        if (!assignment(ws->w[i], name, sizeof name, &value)) {
            snprintf(why, len, "unsupported-shell:sysctl read");
            return false;
        }
        const sysctl_entry *e = find_sysctl(name);
        if (e == NULL || (e->kind == SC_NOOP_IF && strcmp(value, e->only) != 0) ||
            (e->kind == SC_CONGESTION && strcmp(value, "reno") != 0 &&
             strcmp(value, "cubic") != 0) ||
            (e->kind == SC_ECN && strcmp(value, "0") != 0 && strcmp(value, "1") != 0 &&
             strcmp(value, "2") != 0)) {
            snprintf(why, len, "unsupported-sysctl:%s=%s", name, value);
            return false;
        }
    }
    return true;
}

static uint32_t third_word(const char *v, int which)
{
    const char *p = v;
    for (int i = 0; i < which && p; i++) {
        p = strchr(p, ' ');
        while (p && *p == ' ')
            p++;
    }
    return p ? (uint32_t)strtoul(p, NULL, 10) : 0;
}

static uint32_t round_up(uint32_t v, uint32_t unit)
{
    return unit && v > unit ? (v + unit - 1) / unit * unit : v;
}

static void apply_sysctl(pkt_runner *R, const sysctl_entry *e, const char *value)
{
    weir_tcp_config *t = &R->cur.tcp;
    uint32_t v = (uint32_t)strtoul(value, NULL, 10);
    switch (e->kind) {
    case SC_NOOP:
    case SC_NOOP_IF:
        break;
    case SC_TCP_FLAG:
        *(bool *)((char *)t + e->flag) = v != 0;
        break;
    case SC_BOOL_WS_TS:
        t->window_scale = v == 1 || v == 2;
        t->timestamps = v == 1 || v == 3;
        break;
    case SC_RECVSPACE:
        R->recvspace = v;
        t->recv_buffer = round_up(v, (uint32_t)R->mtu - 40u);
        break;
    case SC_SENDSPACE:
        R->sendspace = v;
        t->send_buffer = v;
        break;
    case SC_MAXSOCKBUF:
        t->recv_buffer_max = v > (1u << 30) ? 1u << 30 : v; /* weir's limit; scale 14 either way */
        break;
    case SC_INSECURE_RST:
        R->insecure_rst = v != 0;
        t->rfc5961 = !(R->insecure_rst || R->insecure_syn);
        break;
    case SC_INSECURE_SYN:
        R->insecure_syn = v != 0;
        t->rfc5961 = !(R->insecure_rst || R->insecure_syn);
        break;
    case SC_RTO_INITIAL_MS:
        t->rto_initial_us = v * 1000;
        break;
    case SC_RTO_SLOP_MS:
        t->rto_slop_us = v * 1000;
        break;
    case SC_DELACK_MS:
        t->delayed_ack_us = v * 1000;
        break;
    case SC_KEEPIDLE_MS:
        t->keepalive_idle_us = v * 1000;
        break;
    case SC_KEEPINIT_MS:
        t->connect_timeout_us = v * 1000;
        break;
    case SC_KEEPINTVL_MS:
        t->keepalive_interval_us = v * 1000;
        break;
    case SC_KEEPCNT:
        t->keepalive_count = (uint8_t)v;
        break;
    case SC_LINUX_RMEM:
        R->recvspace = third_word(value, 1);
        t->recv_buffer = R->recvspace;
        t->recv_buffer_max = third_word(value, 2) > (1u << 30) ? 1u << 30 : third_word(value, 2);
        break;
    case SC_LINUX_WMEM:
        R->sendspace = third_word(value, 1);
        t->send_buffer = R->sendspace;
        break;
    case SC_SYN_RETRIES:
        t->syn_retries = (uint8_t)v;
        break;
    case SC_RTO_MAX_MS:
        t->rto_max_us = v * 1000;
        break;
    case SC_CONGESTION:
        t->congestion_control =
            strcmp(value, "reno") == 0 ? WEIR_TCP_CC_NEWRENO : WEIR_TCP_CC_CUBIC;
        break;
    case SC_TOLERATE_MISSING_TS:
        t->drop_missing_timestamps = v == 0;
        break;
    case SC_ECN: /* the same three values as weir_tcp_config.ecn */
        t->ecn = (uint8_t)v;
        break;
    case SC_RECVBUF_AUTO:
        R->recvbuf_auto = v != 0;
        break;
    case SC_RECVBUF_MAX:
        R->recvbuf_max = v;
        break;
    case SC_EARLY_RETRANS:
        /* Linux 3.5-4.10: 1 is RFC 5827 at once; 2 and 3 delay it by RTT/4 from the latest
         * ACK; 3 and 4 add tail loss probes (weir's default), 4 without early retransmit. */
        t->early_retransmit = v >= 1 && v <= 3;
        t->early_retransmit_delayed = v == 2 || v == 3;
        break;
    }
}

static void run_sysctl(pkt_runner *R, const words *ws)
{
    for (int i = 1; i < ws->n; i++) {
        char name[96];
        const char *value;
        if (ws->w[i][0] == '-' || !assignment(ws->w[i], name, sizeof name, &value))
            continue;
        const sysctl_entry *e = find_sysctl(name);
        if (e != NULL)
            apply_sysctl(R, e, value);
    }
    /* Without window scaling weir cannot offer more than 65535 bytes of buffer. */
    if (!R->cur.tcp.window_scale && R->cur.tcp.recv_buffer > 65535)
        R->cur.tcp.recv_buffer = 65535;
    /* recvbuf_auto and recvbuf_max become weir's auto-tuning limit, off when it could not grow
     * the buffer past its starting size (which recvspace may have just changed). */
    uint32_t auto_max = R->recvbuf_max > (1u << 30) ? 1u << 30 : R->recvbuf_max;
    R->cur.tcp.recv_buffer_auto_max =
        R->recvbuf_auto && auto_max > R->cur.tcp.recv_buffer ? auto_max : 0;
}

/* ---- sockstat / grep / awk / tcpdrop ------------------------------------------------------- */

static const char *bsd_state(weir_tcp_state s)
{
    static const char *const k_names[WEIR_TCP_STATE_COUNT] = {
        "CLOSED",     "LISTEN",     "SYN_SENT",   "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
        "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",    "LAST_ACK", "TIME_WAIT"};
    return (unsigned)s < WEIR_TCP_STATE_COUNT ? k_names[s] : "CLOSED";
}

typedef struct lines {
    int n;
    char l[80][160];
} lines;

static void add_line(lines *out, int fd, weir_endpoint l, weir_endpoint r, weir_tcp_state st)
{
    if (out->n == 80)
        return;
    snprintf(out->l[out->n++], sizeof out->l[0],
             "root packetdril 4242 %d tcp4 192.168.0.1:%u 192.0.2.1:%u %s", fd, l.port, r.port,
             bsd_state(st));
}

/* What `sockstat -s` would print: every script socket, then records no socket refers to. */
static void sockstat_lines(pkt_runner *R, lines *out, int port)
{
    out->n = 0;
    for (int i = 0; i < PKT_MAX_FDS; i++) {
        if (!R->fds[i].used)
            continue;
        weir_tcp_info info;
        weir_endpoint none = {0, 0};
        if (weir_tcp_get_info(R->stack, R->fds[i].sock, &info) != 0) {
            info.state = WEIR_TCP_CLOSED;
            info.local = none;
            info.remote = none;
        }
        if (port < 0 || info.local.port == port || info.remote.port == port)
            add_line(out, i, info.local, info.remote, info.state);
    }
    weir_tcp_conn_summary list[64];
    int n = weir_tcp_list(R->stack, list, 64);
    for (int i = 0; i < n && i < 64; i++) {
        if (list[i].sock >= 0)
            continue;
        if (port < 0 || list[i].local.port == port || list[i].remote.port == port)
            add_line(out, -1, list[i].local, list[i].remote, list[i].state);
    }
}

static int run_grep(lines *io, const words *ws, int from, int to)
{
    bool count = false, quiet = false, invert = false;
    const char *pat = NULL;
    for (int i = from + 1; i < to; i++) {
        if (strcmp(ws->w[i], "-c") == 0)
            count = true;
        else if (strcmp(ws->w[i], "-q") == 0)
            quiet = true;
        else if (strcmp(ws->w[i], "-v") == 0)
            invert = true;
        else
            pat = ws->w[i];
    }
    if (pat == NULL)
        return 2;
    lines out = {0};
    for (int i = 0; i < io->n; i++)
        if ((strstr(io->l[i], pat) != NULL) != invert)
            memcpy(out.l[out.n++], io->l[i], sizeof io->l[0]);
    int status = out.n > 0 ? 0 : 1;
    if (count) {
        io->n = 1;
        snprintf(io->l[0], sizeof io->l[0], "%d", out.n);
    } else if (quiet) {
        io->n = 0;
    } else {
        *io = out;
    }
    return status;
}

static int run_awk(lines *io, const words *ws, int from)
{
    int field = 0;
    if (from + 1 >= MAX_WORDS || sscanf(ws->w[from + 1], "{print $%d}", &field) != 1)
        return 2;
    for (int i = 0; i < io->n; i++) {
        char copy[160], *save = NULL, *tok = NULL;
        snprintf(copy, sizeof copy, "%s", io->l[i]);
        tok = strtok_r(copy, " ", &save);
        for (int f = 1; f < field && tok; f++)
            tok = strtok_r(NULL, " ", &save);
        snprintf(io->l[i], sizeof io->l[0], "%s", tok ? tok : "");
    }
    return 0;
}

static int sockstat_port(const words *ws, int to)
{
    for (int i = 1; i + 1 < to; i++)
        if (strcmp(ws->w[i], "-p") == 0)
            return atoi(ws->w[i + 1]);
    return -1;
}

/* Runs the emulated pipeline; returns its exit status (0 = success). */
static int run_pipeline(pkt_runner *R, const words *ws)
{
    lines *io = calloc(1, sizeof *io);
    if (io == NULL)
        return 2;
    int status = 0;
    for (int from = 0; from < ws->n;) {
        int to = from;
        while (to < ws->n && strcmp(ws->w[to], "|") != 0)
            to++;
        if (strcmp(ws->w[from], "sockstat") == 0)
            sockstat_lines(R, io, sockstat_port(ws, to));
        else if (strcmp(ws->w[from], "grep") == 0)
            status = run_grep(io, ws, from, to);
        else if (strcmp(ws->w[from], "awk") == 0)
            status = run_awk(io, ws, from);
        else
            status = 2;
        from = to + 1;
    }
    free(io);
    return status;
}

static bool pipeline_supported(const words *ws)
{
    for (int from = 0; from < ws->n;) {
        int to = from;
        while (to < ws->n && strcmp(ws->w[to], "|") != 0)
            to++;
        const char *c = ws->w[from];
        if (strcmp(c, "sockstat") != 0 && strcmp(c, "grep") != 0 && strcmp(c, "awk") != 0)
            return false;
        from = to + 1;
    }
    return true;
}

static void run_tcpdrop(pkt_runner *R, const words *ws)
{
    const char *state = ws->n >= 3 ? ws->w[2] : "";
    weir_tcp_conn_summary list[64];
    int n = weir_tcp_list(R->stack, list, 64);
    for (int i = 0; i < n && i < 64; i++)
        if (strcmp(bsd_state(list[i].state), state) == 0)
            weir_tcp_drop(R->stack, list[i].local, list[i].remote);
    pkt_drain_events(R);
}

/* ---- classification and execution ---------------------------------------------------------- */

static bool is_defaults_script(const char *w)
{
    size_t n = strlen(w);
    return (n >= 11 && strcmp(w + n - 11, "defaults.sh") == 0) ||
           strncmp(w, "/tmp/sysctl_restore_", 20) == 0;
}

/* One command of a shell line (lines may hold several, separated by newlines or ';'), with
 * $((arithmetic)) expanded. */
typedef struct commands {
    int n;
    char c[8][512];
} commands;

static void expand_arith(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    while (*in && k + 1 < cap) {
        const char *end;
        if (strncmp(in, "$((", 3) == 0 && (end = strstr(in + 3, "))")) != NULL) {
            char expr[128];
            int64_t v;
            snprintf(expr, sizeof expr, "%.*s", (int)(end - in - 3), in + 3);
            if (pkt_expr_int(expr, &v)) {
                k += (size_t)snprintf(out + k, cap - k, "%lld", (long long)v);
                in = end + 2;
                continue;
            }
        }
        out[k++] = *in++;
    }
    out[k < cap ? k : cap - 1] = 0;
}

static void split_commands(const char *text, commands *out)
{
    out->n = 0;
    char cur[512];
    size_t k = 0;
    char q = 0;
    for (const char *p = text;; p++) {
        if (q == 0 && p[0] == '\\' && p[1] == '\n') { /* a continued line */
            p++;
            if (k + 1 < sizeof cur)
                cur[k++] = ' ';
            continue;
        }
        bool end = *p == 0 || (q == 0 && (*p == '\n' || *p == ';'));
        if (end) {
            cur[k] = 0;
            bool blank = strspn(cur, " \t\r") == k;
            if (!blank && out->n < 8)
                expand_arith(cur, out->c[out->n++], sizeof out->c[0]);
            k = 0;
            if (*p == 0)
                break;
            continue;
        }
        if (q == 0 && (*p == '\'' || *p == '"'))
            q = *p;
        else if (q && *p == q)
            q = 0;
        if (k + 1 < sizeof cur)
            cur[k++] = *p;
    }
}

/* Google's set_sysctls.py /proc/sys/net/ipv4/NAME=VALUE ... is sysctl net.ipv4.NAME=VALUE ...:
 * rewritten so, it goes through the same mapping table. */
static void set_sysctls_as_sysctl(words *ws)
{
    size_t n = ws->n > 0 ? strlen(ws->w[0]) : 0;
    if (n < 14 || strcmp(ws->w[0] + n - 14, "set_sysctls.py") != 0)
        return;
    snprintf(ws->w[0], sizeof ws->w[0], "sysctl");
    for (int i = 1; i < ws->n; i++) {
        char *a = ws->w[i];
        if (strncmp(a, "/proc/sys/", 10) != 0)
            continue;
        memmove(a, a + 10, strlen(a + 10) + 1);
        for (char *c = a; *c && *c != '='; c++)
            if (*c == '/')
                *c = '.';
    }
}

static pkt_shell_class classify_one(const words *ws, const char *cmd, char *why, size_t len)
{
    if (ws->n == 0)
        return PKT_SHELL_NOOP;
    const char *c = ws->w[0];
    if (is_defaults_script(c))
        return PKT_SHELL_NOOP;
    if (strcmp(c, "sysctl") == 0)
        return classify_sysctl(ws, why, len) ? PKT_SHELL_CONFIG : PKT_SHELL_UNSUPPORTED;
    if (strcmp(c, "sockstat") == 0 && pipeline_supported(ws))
        return PKT_SHELL_QUERY;
    if (strcmp(c, "tcpdrop") == 0 && ws->n == 3 && strcmp(ws->w[1], "-s") == 0)
        return PKT_SHELL_DROP;
    if (strcmp(c, "tc") == 0 && strstr(cmd, "pfifo") != NULL)
        return PKT_SHELL_NOOP;
    snprintf(why, len, "unsupported-shell:%s", c);
    return PKT_SHELL_UNSUPPORTED;
}

pkt_shell_class pkt_shell_classify(const char *text, pkt_profile profile, char *why, size_t len)
{
    (void)profile;
    commands *cs = malloc(sizeof *cs);
    words *ws = malloc(sizeof *ws);
    pkt_shell_class worst = PKT_SHELL_NOOP;
    if (cs == NULL || ws == NULL) {
        snprintf(why, len, "out of memory");
        worst = PKT_SHELL_UNSUPPORTED;
    } else {
        split_commands(text, cs);
        for (int i = 0; i < cs->n && worst != PKT_SHELL_UNSUPPORTED; i++) {
            split(cs->c[i], ws);
            set_sysctls_as_sysctl(ws);
            pkt_shell_class k = classify_one(ws, cs->c[i], why, len);
            if (k != PKT_SHELL_NOOP)
                worst = k;
        }
    }
    free(cs);
    free(ws);
    return worst;
}

static void run_one(pkt_runner *R, const pkt_event *ev, const char *cmd, words *ws)
{
    char why[128];
    split(cmd, ws);
    set_sysctls_as_sysctl(ws);
    if (ws->n > 0 && is_defaults_script(ws->w[0]) && strstr(ws->w[0], "defaults.sh")) {
        R->linux_defaults = true;
        R->recvspace = 540000; /* tcp_rmem[1], tcp_wmem[1] of defaults.sh */
        R->sendspace = 262144;
        R->cur.tcp.recv_buffer_max = 15u * 1024 * 1024; /* tcp_rmem[2]: window scale 8 */
        R->cur.tcp.syn_retries = 5;
    }
    switch (classify_one(ws, cmd, why, sizeof why)) {
    case PKT_SHELL_NOOP:
        break;
    case PKT_SHELL_CONFIG:
        run_sysctl(R, ws);
        break;
    case PKT_SHELL_QUERY:
        if (pkt_ensure_stack(R) && run_pipeline(R, ws) != 0)
            pkt_fail(R, ev->line, "shell check failed: `%.200s`", cmd);
        break;
    case PKT_SHELL_DROP:
        if (pkt_ensure_stack(R))
            run_tcpdrop(R, ws);
        break;
    case PKT_SHELL_UNSUPPORTED:
        pkt_fail(R, ev->line, "interpreter: shell line not allowed (%s)", why);
        break;
    }
}

void pkt_shell_run(pkt_runner *R, const pkt_event *ev)
{
    commands *cs = malloc(sizeof *cs);
    words *ws = malloc(sizeof *ws);
    if (cs != NULL && ws != NULL) {
        split_commands(ev->text, cs);
        for (int i = 0; i < cs->n && !R->failed; i++)
            run_one(R, ev, cs->c[i], ws);
    }
    free(cs);
    free(ws);
}

/* ---- profiles -------------------------------------------------------------------------------- */

void pkt_profile_config(pkt_runner *R)
{
    weir_stack_config_init(&R->cur);
    weir_tcp_config *t = &R->cur.tcp;
    t->window_scale = t->timestamps = t->sack = true;
    t->rto_initial_us = 1000000;
    t->rto_min_us = 200000;
    t->rfc5961 = true;
    t->initial_window = 10;
    /* The scripts were written against fixed buffers (their windows are spelled out), and a
     * script runs too briefly for Linux's or FreeBSD's own auto-tuning to show: weir's is off,
     * and the buffer sizes and window-scale shifts below are the systems'. */
    t->recv_buffer_auto_max = 0;
    R->recvbuf_auto = false;
    R->recvbuf_max = 2097152; /* FreeBSD's net.inet.tcp.recvbuf_max, should a script turn it on */
    if (R->o->profile == PKT_PROFILE_FREEBSD) {
        R->recvspace = 65536;
        R->sendspace = 32768;
        t->option_layout = WEIR_TCP_LAYOUT_BSD;
        t->syn_ack_mss_clamp = true;
        t->recv_buffer = round_up(R->recvspace, (uint32_t)R->mtu - 40u);
        t->recv_buffer_max = 2097152; /* kern.ipc.maxsockbuf: window scale 6 */
        t->send_buffer = R->sendspace;
        t->delayed_ack_us = 100000;
        t->quick_acks = 0;                  /* no quick-ACK mode */
        t->time_syn_ack = false;            /* the syncache takes no RTT sample */
        t->tail_loss_probe = false;         /* the default stack has no TLP */
        t->rack_loss_detection = false;     /* nor RACK: tcp_sack.c's RFC 6675 IsLost */
        t->ack_every_second_segment = true; /* tcp_input's "every other segment" */
        t->ack_repeats_fin = true;          /* tcp_output resends an unacked FIN */
        t->rcv_window_is_buffer = true;     /* rcv_wnd is buffer space, beyond 65535 */
        t->round_rcv_buffer_to_mss = true;  /* tcp_mss(): roundup(sb_hiwat, mss) */
        t->window_update_quarter = true;    /* tcp_output's "adv >= sb_hiwat / 4" */
        t->rto_max_us = 64000000;
        t->rto_min_us = 30000;   /* tcp_rexmit_min */
        t->rto_slop_us = 200000; /* tcp_rexmit_slop */
        t->persist_min_us = 5000000;    /* tcp_persmin: TCPTV_PERSMIN */
        t->persist_max_us = 60000000;   /* tcp_persmax: TCPTV_PERSMAX */
        t->resend_full_segments = true; /* go-back-N and holes resent in t_maxseg pieces */
        t->syn_retries = 12;
        t->connect_timeout_us = 75000000; /* tcp_keepinit: TCPTV_KEEP_INIT */
        t->keepalive_interval_us = 75000000;
        t->keepalive_count = 8;
        t->msl_us = 30000000;
        /* The gsoc-* collections were written in 2016, on a FreeBSD 11 whose initial RTO was
         * 3 s, which sent no D-SACKs (the freebsd/ collection's newer one does), and whose
         * default congestion control was NewReno, with fast recovery before PRR. */
        if (strstr(R->s->path, "gsoc-") != NULL) {
            t->rto_initial_us = 3000000;
            t->dsack = false;
            t->congestion_control = WEIR_TCP_CC_NEWRENO;
            t->prr = false;
        }
    } else {
        R->recvspace = 131072;
        R->sendspace = 16384;
        t->option_layout = WEIR_TCP_LAYOUT_LINUX;
        t->recv_buffer = 540000;
        /* A stock kernel without defaults.sh (nplab, gvisor scripts) offers window scale 6;
         * defaults.sh raises tcp_rmem[2] to 15 MB, scale 8 (run_one). */
        t->recv_buffer_max = 3u * 1024 * 1024;
        t->send_buffer = 262144;
        t->delayed_ack_us = 40000;
        t->quick_acks = 16;       /* TCP_MAX_QUICKACKS */
        t->delay_fin_ack = true;  /* tcp_fin() enters pingpong mode */
        t->rto_max_us = 120000000; /* syn_retries: weir's, unless defaults.sh (5) */
        t->slow_start_after_idle = false; /* the scripts' defaults.sh sets it to 0 */
        t->slow_start_twice_flight = true; /* tcp_is_cwnd_limited */
        t->cwnd_credit_delivered = true;   /* tcp_cong_avoid(sk, ack, acked_sacked) */
        t->slow_start_whole_ack = true;    /* tcp_slow_start: cwnd + acked, no L */
        t->prr_ssrb_needs_progress = true; /* tcp_cwnd_reduction */
        /* nplab's Linux scripts come from packetdrill's 2013 release, written against a Linux
         * 3.x: before RACK (4.4), with FACK marking losses (tcp_fack=1, removed in 4.15), holes
         * below the highest SACK resent as "forward retransmissions" (RFC 6675's NextSeg rule
         * 3), and PRR-SSRB adding its segment on every ACK (RFC 6937 as published). */
        if (strstr(R->s->path, "nplab/") != NULL) {
            t->rack_loss_detection = false;
            t->fack_loss_detection = true;
            t->prr_ssrb_needs_progress = false;
        }
        t->sack_whole_segments = true;     /* tcp_match_skb_to_sack */
        t->window_probe_bare_ack = true;   /* tcp_write_wakeup -> tcp_xmit_probe_skb */
        t->rto_min_is_granularity = true;  /* tcp_set_rto: srtt + max(rto_min, mdev) */
        t->drop_missing_timestamps = false; /* tcp_validate_incoming takes them */
        t->msl_us = 30000000;
    }
    R->cfg = R->cur;
}
