/* pkt_main.c — `weir pkt`: run packetdrill scripts against weir in virtual time.
 *
 *   weir pkt [--profile linux|freebsd|auto] [--strict|--relaxed|--both] [--json FILE]
 *            [--define NAME=VAL] [--ipv6 map|skip] [--tolerance-usecs N] [--expect-fail]
 *            [--parse-only] [-v] PATH...
 *
 * PATH is a .pkt file or a directory searched recursively (sorted). Exit status: 0 when nothing
 * failed, 1 when something did, 2 on bad arguments. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkt.h"
#include "pkt_cli.h"
#include "pkt_report.h"

void weir_cli_pkt_usage(FILE *out)
{
    fprintf(out,
            "usage: weir pkt [options] PATH...\n\n"
            "Run packetdrill (.pkt) scripts against weir, in this process, in virtual time.\n"
            "PATH is a script or a directory (searched recursively). Each script gets one line:\n"
            "PASS, PASS* (passed; the checks it could not make are listed), FAIL (first\n"
            "mismatch: line, expected vs got) or SKIP (the script needs something the\n"
            "interpreter cannot emulate, decided before running). Then a per-topic table and\n"
            "the line 'N passed, N failed, N skipped'.\n\n"
            "options:\n"
            "  --profile P     linux, freebsd or auto (default auto: from catalogue.csv, else\n"
            "                  from the path: freebsd/, gsoc-*, .../bsd/ are freebsd)\n"
            "  --strict        packetdrill's matching: option order and padding, window, PSH\n"
            "                  (default)\n"
            "  --relaxed       options as a set without NOP/EOL, PSH ignored, window checked\n"
            "                  only in wscale/zerowin scripts or when it is 0\n"
            "  --both          run every script both ways and report both columns\n"
            "  --json FILE     also write the results as JSON\n"
            "  --markdown FILE write the conformance report (per-topic table, failures by\n"
            "                  cause, skip reasons, every failure); implies --both\n"
            "  --define N=V    define a symbol (for #ifdef); STANDARD is always defined\n"
            "  --ipv6 map|skip run --ip_version=ipv6 scripts over IPv4 with the IPv6 MSS\n"
            "                  (default map; reported as PASS* when they pass) or skip them\n"
            "  --tolerance-usecs N  timing tolerance in microseconds, over the script's own\n"
            "                  (packetdrill's command line does the same). Default: the\n"
            "                  script's, or the one its collection's runner passes (gsoc-\n"
            "                  shivansh: 1 s); a pass that needs more than the script's own\n"
            "                  is PASS*, naming the line\n"
            "  --expect-fail   every script must FAIL (interpreter self-tests); exit 1 if not\n"
            "  --parse-only    only parse (and check %%{ }%% syntax); a parse error fails\n"
            "  -v              narrate each event\n"
            "  -h, --help      show this help\n\n"
            "exit status: 0 nothing failed, 1 something failed, 2 bad arguments\n"
            "example: weir pkt --both ../shared/packetdrill\n");
}

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

typedef struct args {
    pkt_profile profile;
    bool mode[2];
    const char *json;
    const char *markdown;
    pkt_defines defs;
    bool ipv6_map;
    int64_t tolerance_us;
    bool expect_fail;
    bool parse_only;
    bool verbose;
    int npaths;
    char **paths;
} args;

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "weir pkt: %s%s\n\n", what, arg);
    weir_cli_pkt_usage(stderr);
    return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, args *a)
{
    a->ipv6_map = true;
    a->defs.name[0] = "STANDARD";
    a->defs.value[0] = "1";
    a->defs.count = 1;
    a->paths = calloc((size_t)argc, sizeof *a->paths);
    if (a->paths == NULL)
        return EXIT_FAILED;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (s == NULL)
            break;
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            weir_cli_pkt_usage(stdout);
            return -1;
        } else if (strcmp(s, "--profile") == 0 && next) {
            i++;
            if (strcmp(next, "linux") == 0)
                a->profile = PKT_PROFILE_LINUX;
            else if (strcmp(next, "freebsd") == 0)
                a->profile = PKT_PROFILE_FREEBSD;
            else if (strcmp(next, "auto") == 0)
                a->profile = PKT_PROFILE_AUTO;
            else
                return usage_error("unknown profile: ", next);
        } else if (strcmp(s, "--strict") == 0) {
            a->mode[PKT_STRICT] = true;
        } else if (strcmp(s, "--relaxed") == 0) {
            a->mode[PKT_RELAXED] = true;
        } else if (strcmp(s, "--both") == 0) {
            a->mode[PKT_STRICT] = a->mode[PKT_RELAXED] = true;
        } else if (strcmp(s, "--json") == 0 && next) {
            a->json = argv[++i];
        } else if (strcmp(s, "--markdown") == 0 && next) {
            a->markdown = argv[++i];
            a->mode[PKT_STRICT] = a->mode[PKT_RELAXED] = true;
        } else if ((strcmp(s, "--define") == 0 || strcmp(s, "-D") == 0) && next) {
            i++;
            if (a->defs.count == 32)
                return usage_error("too many --define: ", next);
            char *eq = strchr(argv[i], '=');
            if (eq != NULL)
                *eq = 0;
            a->defs.name[a->defs.count] = argv[i];
            a->defs.value[a->defs.count++] = eq ? eq + 1 : "1";
        } else if (strcmp(s, "--ipv6") == 0 && next) {
            i++;
            if (strcmp(next, "map") != 0 && strcmp(next, "skip") != 0)
                return usage_error("--ipv6 takes map or skip, not ", next);
            a->ipv6_map = strcmp(next, "map") == 0;
        } else if (strcmp(s, "--tolerance-usecs") == 0 && next) {
            char *end;
            long long v = strtoll(argv[++i], &end, 10);
            if (*end != 0 || v <= 0 || v > 60000000)
                return usage_error("--tolerance-usecs takes 1..60000000, not ", next);
            a->tolerance_us = v;
        } else if (strcmp(s, "--expect-fail") == 0) {
            a->expect_fail = true;
        } else if (strcmp(s, "--parse-only") == 0) {
            a->parse_only = true;
        } else if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0) {
            a->verbose = true;
        } else if (s[0] == '-' && s[1] != 0) {
            return usage_error("unknown or incomplete option ", s);
        } else {
            a->paths[a->npaths++] = argv[i];
        }
    }
    if (a->npaths == 0)
        return usage_error("no script or directory given", "");
    if (!a->mode[PKT_STRICT] && !a->mode[PKT_RELAXED])
        a->mode[PKT_STRICT] = true;
    return 0;
}

/* ---- collecting scripts ---------------------------------------------------------------------- */

typedef struct list {
    char **v;
    int n, cap;
} list;

static void list_add(list *l, const char *s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 256;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (v == NULL)
            exit(2);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir, list *out, int depth)
{
    DIR *d = opendir(dir);
    if (d == NULL || depth > 32) {
        if (d)
            closedir(d);
        return;
    }
    list here = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        list_add(&here, path);
    }
    closedir(d);
    if (here.n > 1)
        qsort(here.v, (size_t)here.n, sizeof *here.v, cmp_str);
    for (int i = 0; i < here.n; i++) {
        struct stat st;
        size_t n = strlen(here.v[i]);
        if (stat(here.v[i], &st) == 0 && S_ISDIR(st.st_mode))
            walk(here.v[i], out, depth + 1);
        else if (n > 4 && strcmp(here.v[i] + n - 4, ".pkt") == 0)
            list_add(out, here.v[i]);
        free(here.v[i]);
    }
    free(here.v);
}

static bool collect(const args *a, list *scripts)
{
    for (int i = 0; i < a->npaths; i++) {
        struct stat st;
        if (stat(a->paths[i], &st) != 0) {
            fprintf(stderr, "weir pkt: %s: no such file or directory\n", a->paths[i]);
            return false;
        }
        if (S_ISDIR(st.st_mode)) {
            char dir[4096];
            snprintf(dir, sizeof dir, "%s", a->paths[i]);
            size_t n = strlen(dir);
            while (n > 1 && dir[n - 1] == '/')
                dir[--n] = 0;
            walk(dir, scripts, 0);
        } else {
            list_add(scripts, a->paths[i]);
        }
    }
    return true;
}

/* ---- running --------------------------------------------------------------------------------- */

/* "// expect-fail-line: N" in a self-test script: the line the failure must be reported at. */
static int expected_fail_line(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int n = 0;
    while (f != NULL && n == 0 && fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "expect-fail-line:");
        if (p != NULL)
            n = atoi(p + strlen("expect-fail-line:"));
    }
    if (f != NULL)
        fclose(f);
    return n;
}

static void invert_verdict(pkt_result *r, int want_line)
{
    if (r->verdict == PKT_FAIL && (want_line == 0 || r->line == want_line)) {
        r->verdict = PKT_PASS_SOFT;
        r->nsoft = 1;
        snprintf(r->soft[0], sizeof r->soft[0], "failed as expected at line %d", r->line);
    } else if (r->verdict == PKT_FAIL) {
        char was[sizeof r->msg];
        snprintf(was, sizeof was, "%s", r->msg);
        snprintf(r->msg, sizeof r->msg, "failed at line %d, expected at line %d: %.400s",
                 r->line, want_line, was);
    } else {
        snprintf(r->msg, sizeof r->msg, "expected this script to FAIL, it did not (%s)",
                 pkt_verdict_name(r->verdict));
        r->verdict = PKT_FAIL;
    }
}

static void run_one(const args *a, pkt_catalogue *cat, pkt_report *rep, const char *path)
{
    pkt_entry *e = pkt_report_add(rep, path);
    pkt_catalogue_find(cat, path);
    pkt_profile prof;
    pkt_catalogue_lookup(cat, path, e->topic, sizeof e->topic, &prof);
    e->profile = a->profile == PKT_PROFILE_AUTO ? prof : a->profile;
    for (int m = 0; m < 2; m++) {
        if (!rep->mode[m])
            continue;
        pkt_run_opts o = {.profile = e->profile,
                          .mode = (pkt_mode)m,
                          .topic = e->topic,
                          .verbose = a->verbose,
                          .ipv6_map = a->ipv6_map,
                          .tolerance_us = a->tolerance_us,
                          .log = stdout};
        if (a->verbose)
            printf("%s (%s, %s)\n", path, e->profile == PKT_PROFILE_FREEBSD ? "freebsd" : "linux",
                   m ? "relaxed" : "strict");
        pkt_run_file(path, &a->defs, a->parse_only ? NULL : &o, &e->res[m]);
        e->ran[m] = true;
    }
    if (a->expect_fail) {
        /* Self-test mode: a FAIL (at the line the script names) is what we want. */
        int want_line = expected_fail_line(path);
        for (int m = 0; m < 2; m++)
            if (rep->mode[m])
                invert_verdict(&e->res[m], want_line);
    }
    pkt_report_line(stdout, rep, e);
    fflush(stdout);
}

int weir_cli_pkt_main(int argc, char **argv)
{
    args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.paths);
        return rc < 0 ? EXIT_OK : rc;
    }
    list scripts = {0};
    if (!collect(&a, &scripts)) {
        free(a.paths);
        return EXIT_USAGE;
    }
    pkt_catalogue cat = {0};
    pkt_report rep = {.mode = {a.mode[0], a.mode[1]}};
    for (int i = 0; i < scripts.n; i++) {
        run_one(&a, &cat, &rep, scripts.v[i]);
        free(scripts.v[i]);
    }
    free(scripts.v);
    pkt_report_summary(stdout, &rep);
    int pass, fail, skip;
    pkt_report_counts(&rep, &pass, &fail, &skip);
    if (a.json != NULL && pkt_report_json(a.json, &rep) != 0)
        fprintf(stderr, "weir pkt: cannot write %s\n", a.json);
    if (a.markdown != NULL && pkt_report_markdown(a.markdown, &rep) != 0)
        fprintf(stderr, "weir pkt: cannot write %s\n", a.markdown);
    pkt_report_free(&rep);
    pkt_catalogue_free(&cat);
    free(a.paths);
    return fail ? EXIT_FAILED : EXIT_OK;
}
