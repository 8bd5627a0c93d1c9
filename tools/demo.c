/* demo.c — `weir demo`: two stacks, a browser (10.0.0.1) and a server (10.0.0.2), in this one
 * process on an in-memory link in virtual time. The browser fetches a page over HTTP/1.1; the
 * narrator (narrate.c) explains every segment, state change and timer; the run ends by comparing
 * the page received with the page sent.
 *
 * The clock is ours: each step jumps to the earliest of the stacks' deadlines, the link's next
 * delivery and the applications' own timer, so ten seconds of TIME-WAIT cost nothing. The loop is
 * bounded in virtual time and in iterations, so a bug can never hang it. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "demo.h"

#define DEMO_DELAY_US 10000u                      /* one-way link delay */
#define DEMO_MSL_US 5000000u                      /* 5 s: TIME-WAIT is 10 s of virtual time */
#define DEMO_TIME_LIMIT_US (10u * 60u * 1000000u) /* give up after 10 virtual minutes */
#define DEMO_MAX_STEPS 200000                     /* and after this many clock steps */
#define DEMO_PUMP_ROUNDS 64                       /* app <-> stack exchanges at one instant */

void weir_cli_demo_usage(FILE *out)
{
    fprintf(out,
            "usage: weir demo [options]\n\n"
            "Two TCP/IP stacks in this process, a browser (10.0.0.1) and a server (10.0.0.2),\n"
            "exchange one HTTP request over an in-memory link in virtual time. Every segment,\n"
            "state change and timer is drawn and explained as it happens, and the run ends by\n"
            "checking that the page arrived intact.\n\n"
            "options:\n"
            "  --loss P       lose each frame with probability P (0..1), both ways (default 0)\n"
            "  --dup P        duplicate each frame with probability P (0..1) (default 0)\n"
            "  --corrupt P    flip one bit of a frame with probability P (0..1) (default 0)\n"
            "  --seed N       seed for the link and both stacks (integer, default 1)\n"
            "  --pcap FILE    write every frame, as sent, to FILE (pcap, raw IPv4)\n"
            "  --lang en|zh   explain in English (default) or Chinese\n"
            "  -q, --quiet    print only the final verdict\n"
            "  -h, --help     show this help\n\n"
            "exit status: 0 the page arrived intact; 1 it did not (the reason on stderr);\n"
            "             2 bad arguments\n"
            "examples: weir demo | less -R      weir demo --loss 0.2 --seed 3\n"
            "          weir demo --lang zh      weir demo --pcap demo.pcap\n");
}

/* ---- arguments ------------------------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
bad_arg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "weir demo: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n\n");
    va_end(ap);
    weir_cli_demo_usage(stderr);
    return WEIR_CLI_USAGE;
}

typedef enum opt_id {
    OPT_LOSS,
    OPT_DUP,
    OPT_CORRUPT,
    OPT_SEED,
    OPT_PCAP,
    OPT_LANG,
    OPT_COUNT
} opt_id;

static const char *const k_opt_names[OPT_COUNT] = {
    [OPT_LOSS] = "--loss", [OPT_DUP] = "--dup",   [OPT_CORRUPT] = "--corrupt",
    [OPT_SEED] = "--seed", [OPT_PCAP] = "--pcap", [OPT_LANG] = "--lang",
};

/* Store the value of option `id`; false when it is not acceptable. */
static bool set_option(weir_cli_demo_opts *o, opt_id id, const char *v)
{
    switch (id) {
    case OPT_LOSS:
        return weir_cli_parse_prob(v, &o->loss);
    case OPT_DUP:
        return weir_cli_parse_prob(v, &o->duplicate);
    case OPT_CORRUPT:
        return weir_cli_parse_prob(v, &o->corrupt);
    case OPT_SEED:
        return weir_cli_parse_u64(v, &o->seed);
    case OPT_PCAP:
        o->pcap_path = v;
        return v[0] != '\0';
    case OPT_LANG:
        if (strcmp(v, "en") != 0 && strcmp(v, "zh") != 0)
            return false;
        o->lang = v[0] == 'z' ? WEIR_LANG_ZH : WEIR_LANG_EN;
        return true;
    default:
        return false;
    }
}

static const char *option_expects(opt_id id)
{
    switch (id) {
    case OPT_SEED:
        return "a non-negative integer";
    case OPT_PCAP:
        return "a file name";
    case OPT_LANG:
        return "en or zh";
    default:
        return "a probability between 0 and 1";
    }
}

/* One option with a value; returns WEIR_CLI_OK, WEIR_CLI_USAGE, or -1 when `arg` is not one. */
static int parse_valued(weir_cli_demo_opts *o, int argc, char **argv, int *i)
{
    for (int k = 0; k < OPT_COUNT; k++) {
        const char *v = NULL;
        weir_cli_opt_match m = weir_cli_opt_value(argc, argv, i, k_opt_names[k], &v);
        if (m == WEIR_OPT_NO_MATCH)
            continue;
        if (m == WEIR_OPT_MISSING)
            return bad_arg("option %s needs a value (%s)", k_opt_names[k],
                           option_expects((opt_id)k));
        if (!set_option(o, (opt_id)k, v))
            return bad_arg("%s '%s': expected %s", k_opt_names[k], v, option_expects((opt_id)k));
        return WEIR_CLI_OK;
    }
    return -1;
}

/* Returns WEIR_CLI_OK to run, WEIR_CLI_USAGE on a mistake, or -1 after printing the help. */
static int parse_args(weir_cli_demo_opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            weir_cli_demo_usage(stdout);
            return -1;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        int r = parse_valued(o, argc, argv, &i);
        if (r == WEIR_CLI_USAGE)
            return r;
        if (r < 0)
            return a[0] == '-' ? bad_arg("unknown option %s", a)
                               : bad_arg("unexpected argument '%s'", a);
    }
    return WEIR_CLI_OK;
}

/* ---- the link and the stacks ---------------------------------------------------------------- */

static void demo_random(void *ctx, void *buf, size_t len)
{
    weir_cli_demo_side *s = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t x = weir_fault_rng_next(&s->rng);
        size_t k = len < sizeof x ? len : sizeof x;
        memcpy(p, &x, k);
        p += k;
        len -= k;
    }
}

/* The stack's transmit: hand the frame to the link and tell the narrator what the link did. */
static int demo_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    weir_cli_demo_side *s = ctx;
    weir_cli_demo *d = s->demo;
    int e = s->side;
    weir_memlink_stats before, after;
    weir_memlink_get_stats(d->link, &before);
    int r = weir_memlink_transmit_fn()(weir_memlink_end(d->link, e), frame, len);
    weir_memlink_get_stats(d->link, &after);
    weir_cli_fate f = {
        .lost = after.lost[e] > before.lost[e],
        .queue_drop = after.queue_drops[e] > before.queue_drops[e],
        .corrupt = after.corrupted[e] > before.corrupted[e],
        .duplicated = after.duplicated[e] > before.duplicated[e],
        .err = r < 0 ? r : 0,
    };
    weir_cli_narr_fate(&d->narr, e, frame, len, f);
    return r;
}

static void demo_receive(void *ctx, const uint8_t *frame, size_t len, uint64_t now_us)
{
    weir_cli_demo_side *s = ctx;
    weir_netif_input(s->stack, s->netif, frame, len, now_us);
}

static int link_setup(weir_cli_demo *d)
{
    weir_memlink_config cfg;
    weir_memlink_config_init(&cfg);
    for (int i = 0; i < 2; i++) {
        cfg.fault[i].loss = d->opt.loss;
        cfg.fault[i].duplicate = d->opt.duplicate;
        cfg.fault[i].corrupt = d->opt.corrupt;
        cfg.fault[i].delay_min_us = cfg.fault[i].delay_max_us = DEMO_DELAY_US;
    }
    cfg.seed = d->opt.seed;
    d->link = weir_memlink_create(&cfg);
    return d->link != NULL ? 0 : WEIR_ENOMEM;
}

static int side_setup(weir_cli_demo *d, int side, uint32_t ip)
{
    weir_cli_demo_side *s = &d->side[side];
    s->demo = d;
    s->side = side;
    weir_fault_rng_seed(&s->rng, d->opt.seed ^ (UINT64_C(0xB5AD4ECEDA1CE2A9) + (uint64_t)side));
    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.random = demo_random;
    cfg.random_ctx = s;
    cfg.trace = weir_cli_narr_trace;
    cfg.trace_ctx = &d->narr.hook[side];
    cfg.tcp.msl_us = DEMO_MSL_US;
    int err = weir_stack_create(&cfg, &s->stack);
    if (err < 0)
        return err;
    weir_netif_config nc = {
        .name = side == WEIR_SIDE_BROWSER ? "mem0" : "mem1",
        .medium = WEIR_MEDIUM_IP,
        .mtu = 1500,
        .ip = ip,
        .prefix_len = 24,
        .transmit = demo_transmit,
        .transmit_ctx = s,
    };
    s->netif = weir_netif_add(s->stack, &nc);
    if (s->netif < 0)
        return s->netif;
    weir_memlink_set_receiver(d->link, side, demo_receive, s);
    return 0;
}

static void demo_teardown(weir_cli_demo *d)
{
    for (int i = 0; i < 2; i++)
        weir_stack_destroy(d->side[i].stack);
    weir_memlink_destroy(d->link);
    weir_cli_narr_free(&d->narr);
}

/* ---- the clock ------------------------------------------------------------------------------ */

static void poll_both(weir_cli_demo *d)
{
    for (int i = 0; i < 2; i++) {
        weir_stack_poll(d->side[i].stack, d->now);
        weir_cli_narr_flush(&d->narr);
    }
}

/* Let the applications and the stacks exchange everything due at this instant. */
static void pump(weir_cli_demo *d)
{
    for (int round = 0; round < DEMO_PUMP_ROUNDS; round++) {
        d->acted = false;
        weir_cli_demo_apps_events(d);
        weir_cli_demo_apps_timers(d);
        weir_cli_narr_flush(&d->narr);
        if (!d->acted)
            return;
        poll_both(d);
    }
}

static uint64_t next_time(const weir_cli_demo *d)
{
    uint64_t t = weir_memlink_next_deadline(d->link);
    for (int i = 0; i < 2; i++) {
        uint64_t s = weir_stack_next_deadline(d->side[i].stack);
        t = s < t ? s : t;
    }
    uint64_t a = weir_cli_demo_apps_deadline(d);
    return a < t ? a : t;
}

static void advance(weir_cli_demo *d, uint64_t t)
{
    d->now = t > d->now ? t : d->now;
    weir_memlink_set_time(d->link, d->now);
    weir_memlink_deliver(d->link, d->now);
    weir_cli_narr_flush(&d->narr);
    poll_both(d);
}

static bool run_finished(const weir_cli_demo *d)
{
    return weir_cli_demo_apps_finished(d) && weir_cli_narr_conn_closed(&d->narr, 0) &&
           weir_cli_narr_conn_closed(&d->narr, 1) &&
           weir_memlink_next_deadline(d->link) == UINT64_MAX;
}

typedef enum run_end { RUN_DONE, RUN_QUIET, RUN_TIMEOUT } run_end;

static run_end run_loop(weir_cli_demo *d)
{
    for (int step = 0; step < DEMO_MAX_STEPS; step++) {
        pump(d);
        if (run_finished(d))
            return RUN_DONE;
        uint64_t t = next_time(d);
        if (t == UINT64_MAX)
            return RUN_QUIET;
        if (t > DEMO_TIME_LIMIT_US)
            return RUN_TIMEOUT;
        advance(d, t);
    }
    return RUN_TIMEOUT;
}

/* ---- the verdict ---------------------------------------------------------------------------- */

typedef struct verdict {
    bool ok;
    weir_cli_msg reason;
    weir_cli_vars vars;
} verdict;

static bool page_verdict(const weir_cli_demo *d, verdict *v)
{
    const weir_cli_browser *b = &d->browser;
    size_t len = 0;
    const uint8_t *body = weir_cli_demo_body(d, &len);
    if (b->bad_response) {
        v->reason = WEIR_MSG_FAIL_BAD_RESPONSE;
        return false;
    }
    if (body == NULL || len < d->page_len || b->content_length != d->page_len) {
        v->reason = len > 0 ? WEIR_MSG_FAIL_EARLY_EOF : WEIR_MSG_FAIL_NO_PAGE;
        weir_cli_vars_u64(&v->vars, "n", len);
        weir_cli_vars_u64(&v->vars, "m", d->page_len);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (body[i] != d->page[i]) {
            v->reason = WEIR_MSG_FAIL_MISMATCH;
            weir_cli_vars_u64(&v->vars, "n", i);
            return false;
        }
    }
    return true;
}

static verdict judge(const weir_cli_demo *d, run_end end)
{
    verdict v = {.ok = false, .reason = WEIR_MSG_FAIL_NO_PAGE, .vars = {.count = 0}};
    weir_cli_vars_sides(&d->narr, &v.vars, WEIR_SIDE_BROWSER);
    if (d->browser.failed && d->browser.err != WEIR_ECONNABORTED) {
        v.reason = WEIR_MSG_FAIL_CONNECT;
        weir_cli_vars_str(&v.vars, "err", weir_strerror(d->browser.err));
        return v;
    }
    if (!page_verdict(d, &v)) {
        if (end == RUN_TIMEOUT && v.reason == WEIR_MSG_FAIL_NO_PAGE)
            v.reason = WEIR_MSG_FAIL_TIMEOUT;
        weir_cli_vars_u64(&v.vars, "limit", DEMO_TIME_LIMIT_US / 60000000u);
        return v;
    }
    if (d->server.failed) {
        v.reason = WEIR_MSG_FAIL_SERVER;
        weir_cli_vars_str(&v.vars, "err", weir_strerror(d->server.err));
        return v;
    }
    if (end != RUN_DONE) {
        int side = weir_cli_narr_conn_closed(&d->narr, 0) ? 1 : 0;
        v.reason = end == RUN_TIMEOUT ? WEIR_MSG_FAIL_CLOSE_TIMEOUT : WEIR_MSG_FAIL_STUCK;
        weir_cli_vars_u64(&v.vars, "limit", DEMO_TIME_LIMIT_US / 60000000u);
        weir_cli_vars_sides(&d->narr, &v.vars, side);
        weir_cli_vars_str(&v.vars, "state",
                          weir_tcp_state_name(weir_cli_narr_conn_state(&d->narr, side)));
        return v;
    }
    v.ok = true;
    weir_cli_vars_u64(&v.vars, "n", d->page_len);
    return v;
}

static int print_verdict(const weir_cli_demo *d, const verdict *v)
{
    char reason[512], line[600];
    if (v->ok) {
        weir_cli_text_expand(d->opt.lang, WEIR_MSG_VERDICT_OK, &v->vars, line, sizeof line);
        weir_cli_term t = {stdout, !d->opt.quiet && weir_cli_color_wanted(stdout)};
        weir_cli_put(&t, WEIR_STYLE_GOOD, line);
        weir_cli_newline(&t);
        return WEIR_CLI_OK;
    }
    weir_cli_text_expand(d->opt.lang, v->reason, &v->vars, reason, sizeof reason);
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_str(&vs, "reason", reason);
    weir_cli_text_expand(d->opt.lang, WEIR_MSG_VERDICT_FAIL, &vs, line, sizeof line);
    fflush(stdout);
    fprintf(stderr, "weir demo: %s\n", line);
    return WEIR_CLI_FAIL;
}

/* A failure before the run: one line on stderr, exit 1. */
static int setup_failed(const weir_cli_demo *d, weir_cli_msg msg, const char *err)
{
    char reason[512], line[600];
    weir_cli_vars vs = {.count = 0};
    weir_cli_vars_str(&vs, "err", err);
    weir_cli_text_expand(d->opt.lang, msg, &vs, reason, sizeof reason);
    weir_cli_vars_str(&vs, "reason", reason);
    weir_cli_text_expand(d->opt.lang, WEIR_MSG_VERDICT_FAIL, &vs, line, sizeof line);
    fprintf(stderr, "weir demo: %s\n", line);
    return WEIR_CLI_FAIL;
}

/* ---- putting it together -------------------------------------------------------------------- */

static void intro(weir_cli_demo *d)
{
    weir_cli_intro in = {
        .browser_addr = "10.0.0.1",
        .server_addr = "10.0.0.2:80",
        .delay_ms = DEMO_DELAY_US / 1000,
        .loss = d->opt.loss,
        .duplicate = d->opt.duplicate,
        .corrupt = d->opt.corrupt,
        .seed = d->opt.seed,
    };
    weir_cli_narr_intro(&d->narr, &in);
}

static bool finish_capture(weir_cli_demo *d, weir_cli_summary *sum)
{
    if (d->pcap == NULL)
        return true;
    sum->pcap_path = d->opt.pcap_path;
    sum->pcap_frames = weir_pcap_count(d->pcap);
    bool ok = weir_pcap_close(d->pcap);
    d->pcap = d->narr.pcap = NULL;
    return ok;
}

static int run_demo(weir_cli_demo *d)
{
    weir_cli_demo_content(d);
    intro(d);
    int err = link_setup(d);
    for (int i = 0; err == 0 && i < 2; i++)
        err = side_setup(d, i, i == 0 ? WEIR_DEMO_BROWSER_IP : WEIR_DEMO_SERVER_IP);
    if (err == 0)
        err = weir_cli_demo_apps_start(d);
    if (err < 0)
        return setup_failed(d, WEIR_MSG_FAIL_SETUP, weir_strerror(err));
    run_end end = run_loop(d);
    weir_cli_narr_flush(&d->narr);

    weir_cli_summary sum = {.request_bytes = d->request_len,
                            .response_bytes = d->response_len,
                            .page_bytes = d->page_len,
                            .duration_us = d->now};
    weir_memlink_get_stats(d->link, &sum.link);
    bool capture_ok = finish_capture(d, &sum);
    weir_cli_narr_summary(&d->narr, &sum);
    if (!capture_ok)
        return setup_failed(d, WEIR_MSG_FAIL_PCAP, d->opt.pcap_path);
    verdict v = judge(d, end);
    return print_verdict(d, &v);
}

int weir_cli_demo_main(int argc, char **argv)
{
    weir_cli_demo *d = calloc(1, sizeof *d);
    if (d == NULL) {
        fprintf(stderr, "weir demo: out of memory\n");
        return WEIR_CLI_FAIL;
    }
    d->opt.seed = 1;
    int r = parse_args(&d->opt, argc, argv);
    if (r != WEIR_CLI_OK) {
        free(d);
        return r < 0 ? WEIR_CLI_OK : r;
    }
    int bad_row = weir_cli_text_check();
    if (bad_row >= 0) {
        fprintf(stderr, "weir demo: internal error: narration row %d is missing or misplaced\n",
                bad_row);
        free(d);
        return WEIR_CLI_FAIL;
    }
    bool color = !d->opt.quiet && weir_cli_color_wanted(stdout);
    weir_cli_narr_init(&d->narr, d->opt.quiet ? NULL : stdout, color, d->opt.lang, DEMO_MSL_US,
                       WEIR_DEMO_PORT);
    if (d->opt.pcap_path != NULL) {
        weir_pcap_error perr;
        d->pcap = weir_pcap_open(d->opt.pcap_path, WEIR_PCAP_RAW_IP, 0, &perr);
        if (d->pcap == NULL) {
            r = setup_failed(d, WEIR_MSG_FAIL_PCAP, perr.msg);
            weir_cli_narr_free(&d->narr);
            free(d);
            return r;
        }
        d->narr.pcap = d->pcap;
    }
    r = run_demo(d);
    if (d->pcap != NULL)
        weir_pcap_close(d->pcap);
    demo_teardown(d);
    free(d);
    return r;
}
