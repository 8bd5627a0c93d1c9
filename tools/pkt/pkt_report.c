/* pkt_report.c — what `weir pkt` prints: one line per script (PASS, PASS* with the soft checks
 * that were not made, FAIL with the first mismatch, SKIP with the reason), a per-topic table,
 * and a last line "N passed, N failed, N skipped" (PASS* counts as passed; with --both every
 * script counts once per mode). Topics come from catalogue.csv when the scripts have one,
 * otherwise from the script's directory. */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_report.h"

/* ---- catalogue.csv --------------------------------------------------------------------------- */

/* One CSV field (RFC 4180 quoting) from *p into buf; advances *p past the comma. */
static void csv_field(const char **p, char *buf, size_t cap)
{
    const char *s = *p;
    size_t k = 0;
    if (*s == '"') {
        s++;
        while (*s && !(*s == '"' && s[1] != '"')) {
            if (*s == '"')
                s++;
            if (k + 1 < cap)
                buf[k++] = *s;
            s++;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ',' && *s != '\n' && *s != '\r') {
            if (k + 1 < cap)
                buf[k++] = *s;
            s++;
        }
    }
    buf[k] = 0;
    if (*s == ',')
        s++;
    *p = s;
}

static void load_catalogue(pkt_catalogue *c, const char *dir, FILE *f)
{
    char line[4096];
    int cap = 0;
    c->dir = strdup(dir);
    bool header = true;
    while (fgets(line, sizeof line, f) != NULL) {
        if (header) {
            header = false;
            continue;
        }
        char field[12][512];
        const char *p = line;
        for (int i = 0; i < 12; i++)
            csv_field(&p, field[i], sizeof field[i]);
        if (c->n == cap) {
            cap = cap ? cap * 2 : 256;
            pkt_cat_row *rows = realloc(c->rows, (size_t)cap * sizeof *rows);
            if (rows == NULL)
                return;
            c->rows = rows;
        }
        pkt_cat_row *r = &c->rows[c->n++];
        r->file = strdup(field[0]);
        snprintf(r->topic, sizeof r->topic, "%.23s", field[5]);
        r->profile = strcmp(field[8], "freebsd") == 0 ? PKT_PROFILE_FREEBSD : PKT_PROFILE_LINUX;
    }
}

void pkt_catalogue_find(pkt_catalogue *c, const char *path)
{
    if (c->dir != NULL)
        return;
    char real[PATH_MAX];
    if (realpath(path, real) == NULL)
        return;
    for (;;) {
        char *slash = strrchr(real, '/');
        if (slash == NULL)
            return;
        char candidate[PATH_MAX + 16];
        snprintf(candidate, sizeof candidate, "%.*s/catalogue.csv", (int)(slash - real), real);
        FILE *f = fopen(candidate, "r");
        if (f != NULL) {
            *slash = 0;
            load_catalogue(c, real[0] ? real : "/", f);
            fclose(f);
            return;
        }
        if (slash == real)
            return;
        *slash = 0;
    }
}

static pkt_profile profile_from_path(const char *p)
{
    if (strstr(p, "freebsd/") || strstr(p, "gsoc-") || strstr(p, "/bsd/") ||
        strstr(p, "_freebsd.pkt"))
        return PKT_PROFILE_FREEBSD;
    return PKT_PROFILE_LINUX;
}

void pkt_catalogue_lookup(const pkt_catalogue *c, const char *path, char *topic, size_t tlen,
                          pkt_profile *profile)
{
    char real[PATH_MAX];
    if (c->dir != NULL && realpath(path, real) != NULL) {
        size_t dl = strlen(c->dir);
        const char *rel = strncmp(real, c->dir, dl) == 0 && real[dl] == '/' ? real + dl + 1 : NULL;
        for (int i = 0; rel != NULL && i < c->n; i++)
            if (strcmp(c->rows[i].file, rel) == 0) {
                snprintf(topic, tlen, "%s", c->rows[i].topic);
                *profile = c->rows[i].profile;
                return;
            }
    }
    /* Not catalogued: the directory is the topic. */
    const char *slash = strrchr(path, '/');
    const char *start = path;
    size_t n = 0;
    if (slash != NULL) {
        const char *p = slash;
        while (p > path && p[-1] != '/')
            p--;
        start = p;
        n = (size_t)(slash - p);
    }
    snprintf(topic, tlen, "%.*s", n ? (int)n : 1, n ? start : ".");
    *profile = profile_from_path(path);
}

void pkt_catalogue_free(pkt_catalogue *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->rows[i].file);
    free(c->rows);
    free(c->dir);
    memset(c, 0, sizeof *c);
}

/* ---- results --------------------------------------------------------------------------------- */

pkt_entry *pkt_report_add(pkt_report *r, const char *path)
{
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 256;
        pkt_entry *e = realloc(r->e, (size_t)cap * sizeof *e);
        if (e == NULL) {
            fputs("weir pkt: out of memory\n", stderr);
            exit(2);
        }
        r->e = e;
        r->cap = cap;
    }
    pkt_entry *e = &r->e[r->n++];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    return e;
}

void pkt_report_free(pkt_report *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->e[i].path);
    free(r->e);
    memset(r, 0, sizeof *r);
}

static void detail(FILE *out, const pkt_result *res, const char *path, const char *mode)
{
    switch (res->verdict) {
    case PKT_PASS:
        break;
    case PKT_PASS_SOFT:
        fprintf(out, "  [%snot checked: ", mode);
        for (int i = 0; i < res->nsoft; i++)
            fprintf(out, "%s%s", i ? "; " : "", res->soft[i]);
        fprintf(out, "]");
        break;
    case PKT_FAIL:
        fprintf(out, "\n        %s%s:%d: %s", mode, path, res->line, res->msg);
        break;
    case PKT_SKIP:
        fprintf(out, "  (%s)", res->msg);
        break;
    }
}

void pkt_report_line(FILE *out, const pkt_report *r, const pkt_entry *e)
{
    if (r->mode[PKT_STRICT] && r->mode[PKT_RELAXED]) {
        fprintf(out, "%-5s %-5s %s", pkt_verdict_name(e->res[0].verdict),
                pkt_verdict_name(e->res[1].verdict), e->path);
        if (e->res[0].verdict == PKT_SKIP) {
            detail(out, &e->res[0], e->path, "");
        } else {
            detail(out, &e->res[0], e->path, "strict: ");
            detail(out, &e->res[1], e->path, "relaxed: ");
        }
    } else {
        const pkt_result *res = &e->res[r->mode[PKT_STRICT] ? PKT_STRICT : PKT_RELAXED];
        fprintf(out, "%-5s %s", pkt_verdict_name(res->verdict), e->path);
        detail(out, res, e->path, "");
    }
    fputc('\n', out);
}

typedef struct tally {
    char topic[24];
    int scripts;
    int pass[2], fail[2], skip[2];
} tally;

static void count(tally *t, const pkt_entry *e, const bool mode[2])
{
    t->scripts++;
    for (int m = 0; m < 2; m++) {
        if (!mode[m])
            continue;
        pkt_verdict v = e->res[m].verdict;
        if (v == PKT_PASS || v == PKT_PASS_SOFT)
            t->pass[m]++;
        else if (v == PKT_FAIL)
            t->fail[m]++;
        else
            t->skip[m]++;
    }
}

static void print_mode_cells(FILE *out, const tally *t, int m)
{
    int run = t->pass[m] + t->fail[m];
    if (run)
        fprintf(out, " %5d %5d %5d %6.1f%%", t->pass[m], t->fail[m], t->skip[m],
                100.0 * t->pass[m] / run);
    else
        fprintf(out, " %5d %5d %5d %7s", t->pass[m], t->fail[m], t->skip[m], "-");
}

void pkt_report_counts(const pkt_report *r, int *pass, int *fail, int *skip)
{
    tally all = {0};
    for (int i = 0; i < r->n; i++)
        count(&all, &r->e[i], r->mode);
    *pass = all.pass[0] + all.pass[1];
    *fail = all.fail[0] + all.fail[1];
    *skip = all.skip[0] + all.skip[1];
}

void pkt_report_summary(FILE *out, const pkt_report *r)
{
    tally *t = calloc((size_t)r->n + 1, sizeof *t);
    int nt = 0;
    tally all = {.topic = "all"};
    for (int i = 0; t != NULL && i < r->n; i++) {
        int k = 0;
        while (k < nt && strcmp(t[k].topic, r->e[i].topic) != 0)
            k++;
        if (k == nt)
            snprintf(t[nt++].topic, sizeof t[0].topic, "%s", r->e[i].topic);
        count(&t[k], &r->e[i], r->mode);
        count(&all, &r->e[i], r->mode);
    }
    fprintf(out, "\n%-16s %7s", "topic", "scripts");
    for (int m = 0; m < 2; m++)
        if (r->mode[m])
            fprintf(out, " | %-7s %4s %5s %5s %7s", m ? "relaxed" : "strict", "pass", "fail",
                    "skip", "pass%");
    fputc('\n', out);
    for (int k = 0; k <= nt && t != NULL; k++) {
        const tally *x = k < nt ? &t[k] : &all;
        fprintf(out, "%-16s %7d", x->topic, x->scripts);
        for (int m = 0; m < 2; m++)
            if (r->mode[m]) {
                fprintf(out, " | %-7s", "");
                print_mode_cells(out, x, m);
            }
        fputc('\n', out);
    }
    free(t);
    int p, f, s;
    pkt_report_counts(r, &p, &f, &s);
    if (r->mode[0] && r->mode[1])
        fprintf(out, "(pass%% = passed / (passed + failed); with --both each script counts "
                     "once per mode)\n");
    fprintf(out, "%d passed, %d failed, %d skipped\n", p, f, s);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_result(FILE *f, const pkt_result *res)
{
    fprintf(f, "{\"verdict\": \"%s\"", pkt_verdict_name(res->verdict));
    if (res->verdict == PKT_FAIL)
        fprintf(f, ", \"line\": %d", res->line);
    if (res->verdict == PKT_FAIL || res->verdict == PKT_SKIP) {
        fputs(", \"message\": ", f);
        json_string(f, res->msg);
    }
    if (res->nsoft) {
        fputs(", \"not_checked\": [", f);
        for (int i = 0; i < res->nsoft; i++) {
            if (i)
                fputs(", ", f);
            json_string(f, res->soft[i]);
        }
        fputc(']', f);
    }
    fprintf(f, ", \"virtual_seconds\": %.3f}", (double)res->virtual_us / 1e6);
}

int pkt_report_json(const char *file, const pkt_report *r)
{
    FILE *f = fopen(file, "w");
    if (f == NULL)
        return -1;
    fputs("{\n  \"results\": [\n", f);
    for (int i = 0; i < r->n; i++) {
        const pkt_entry *e = &r->e[i];
        fputs("    {\"path\": ", f);
        json_string(f, e->path);
        fputs(", \"topic\": ", f);
        json_string(f, e->topic);
        fprintf(f, ", \"profile\": \"%s\"",
                e->profile == PKT_PROFILE_FREEBSD ? "freebsd" : "linux");
        for (int m = 0; m < 2; m++)
            if (r->mode[m]) {
                fprintf(f, ", \"%s\": ", m ? "relaxed" : "strict");
                json_result(f, &e->res[m]);
            }
        fprintf(f, "}%s\n", i + 1 < r->n ? "," : "");
    }
    int p, fl, s;
    pkt_report_counts(r, &p, &fl, &s);
    fprintf(f, "  ],\n  \"passed\": %d, \"failed\": %d, \"skipped\": %d\n}\n", p, fl, s);
    return fclose(f) == 0 ? 0 : -1;
}
