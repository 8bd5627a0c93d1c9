/* pkt_doc.c — `weir pkt --markdown FILE`: the conformance report (docs/CONFORMANCE.md, written
 * by `make conformance`): the per-topic table for both modes, the failures grouped by cause with
 * an example each, every failing script with its first mismatch, and the skip reasons.
 *
 * Causes come from a small table of known mismatch patterns, each marked as a policy difference
 * (both behaviours are RFC-compliant: documented, not fixed), a missing feature, a stack bug, or
 * an interpreter limitation (the script's setup cannot be reproduced in process).
 * A failure no pattern explains is listed as "unclassified" — that is where to look first. The
 * output has no date or host in it, so two runs over the same tree give the same file. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_report.h"

typedef struct cause {
    int mode;         /* PKT_STRICT, PKT_RELAXED, or -1 for both */
    const char *path; /* substring of the script path ("a|b": either), or NULL */
    const char *msg;  /* substring of the first mismatch ("a|b": either; "" any) */
    const char *kind; /* policy / missing / stack / interpreter */
    const char *text;
} cause;

static const cause k_causes[] = {
    /* Loss recovery, congestion window, RTO, timestamps, zero window (fastrec, sack, cwnd, ts,
     * rto, zerowin): one row per script or family, ahead of the generic rows below, because a
     * script's first mismatch there is often a flag or timing difference with a specific cause.
     * Where a stack bug and a policy difference meet, the row names both, the bug first: the
     * bug decides the first mismatch, the policy what remains once it is fixed. */
    {-1, "fr-4pkt-fack-last-mss", "", "policy",
     "RACK reorder timer: weir fires at RACK.rtt + min_RTT/4 (RFC 8985 §6.2), 25 ms after the "
     "SACK; the script expects +40 ms, which fits a Linux built with HZ=250 (25 ms rounded up "
     "to 7 jiffies, plus TCP_TIMEOUT_MIN's 2: 36 ms), while sack-shift-sacked-7-*-fack in the "
     "same collection, the same situation (100 ms RTT, one later segment SACKed), expects "
     "+27 ms, which fits HZ=1000, and passes: no one clock gives both, so weir keeps RFC "
     "8985's time"},
    {-1, "mss-setsockopt-tcp_maxseg-client", "TCP options", "policy",
     "option layout: this gsoc script, adapted from a Linux one, expects Linux's SYN option "
     "order (<mss,sackOK,TS,nop,wscale>); the freebsd profile writes FreeBSD's"},
    /* Policy: both behaviours are RFC-compliant; the script encodes its system's choice. */
    {-1, NULL, "flags: expected P.", "policy",
     "PSH placement: Linux sets PSH on the last segment of each write(); weir on the segment that "
     "empties the send buffer (RFC 9293 §3.9.1 leaves it to the sender)"},
    {-1, "accept_ack_drop", "", "policy",
     "gVisor ACKs the peer's FIN in TIME-WAIT after 10 ms; weir at once (RFC 9293 §3.10.7.4)"},
    {-1, "close-read-data-fin", "", "policy",
     "delayed-ACK timing of the FreeBSD release these nplab scripts were written on (an ACK "
     "140 ms after the data, no RTT sample from the handshake): not a configurable constant"},

    {-1, "rcv-syn-ack-", "got > R", "policy",
     "a SYN,ACK to a listening socket: RFC 9293 §3.10.7.2 answers any ACK-bearing segment in "
     "LISTEN with a RST; FreeBSD's syncache answers it with a SYN,ACK"},
    {-1, "tcp_close_no_rst", "", "policy",
     "weir reports a retransmitted, already received segment with a D-SACK (RFC 2883); this "
     "Linux version does not (the script's own comment asks why)"},
    {-1, NULL, "window: expected", "policy",
     "window arithmetic: Linux rounds the offered window to its estimate of the peer's MSS and "
     "FreeBSD grows it on reads in its own steps; weir offers the free buffer (MUST-39 form "
     "of tcp_rcv_window)"},
    {-1, NULL, "timing: expected", "policy",
     "timer and ACK timing details of the script's system (delayed-ACK restart, RST timing)"},
};
enum { N_CAUSES = sizeof k_causes / sizeof k_causes[0] };

/* Does `text` contain one of the '|'-separated alternatives of `pattern` ("" always does)? */
static bool contains_any(const char *text, const char *pattern)
{
    for (;;) {
        const char *bar = strchr(pattern, '|');
        size_t n = bar ? (size_t)(bar - pattern) : strlen(pattern);
        char alt[128];
        snprintf(alt, sizeof alt, "%.*s", (int)n, pattern);
        if (strstr(text, alt) != NULL)
            return true;
        if (bar == NULL)
            return false;
        pattern = bar + 1;
    }
}

static int classify(const pkt_entry *e, int mode)
{
    const char *msg = e->res[mode].msg;
    for (int i = 0; i < N_CAUSES; i++) {
        const cause *c = &k_causes[i];
        if ((c->mode < 0 || c->mode == mode) &&
            (c->path == NULL || contains_any(e->path, c->path)) && contains_any(msg, c->msg))
            return i;
    }
    return -1;
}

/* A mismatch message with the digits taken out, for grouping. */
static void shape(const char *msg, char *out, size_t cap)
{
    size_t k = 0;
    for (const char *p = msg; *p && k + 1 < cap; p++) {
        if (*p >= '0' && *p <= '9') {
            if (k == 0 || out[k - 1] != 'N')
                out[k++] = 'N';
        } else if (strncmp(p, "; got", 5) == 0) {
            break;
        } else {
            out[k++] = *p;
        }
    }
    out[k] = 0;
}

static void md_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '<' || *s == '>')
            fprintf(f, "%s", *s == '<' ? "&lt;" : "&gt;");
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static void write_intro(FILE *f)
{
    fputs("# Conformance: weir against the public packetdrill scripts\n\n"
          "Written by `make conformance`: `weir pkt --profile auto --both --markdown "
          "docs/CONFORMANCE.md ../shared/packetdrill`. Do not edit by hand; rerun it.\n\n"
          "* **strict** is packetdrill's matching: flags including PSH, seq/ack, the window "
          "when the script gives one, urgent pointer, and TCP options kind by kind in order "
          "with their NOP/EOL padding.\n"
          "* **relaxed** compares options as a set without NOP/EOL, ignores PSH, compares "
          "ack only when the script sets the ACK flag, and checks the window only in the wscale "
          "and zerowin topics or when the script expects a zero window (never on a RST).\n"
          "* **Profiles**: `auto` takes linux or freebsd from catalogue.csv; the profile sets "
          "option layout, buffers and window scale, delayed ACK, RTO constants, RFC 5961, and "
          "how SO_RCVBUF/TCP_MAXSEG read back (tools/pkt/pkt_shell.c). Two collections "
          "were recorded on older systems and run as those: gsoc-* on FreeBSD 11 (initial RTO "
          "3 s, NewReno, fast recovery before PRR, no D-SACKs), nplab's Linux scripts on "
          "packetdrill's 2013 Linux (FACK, PRR as RFC 6937 published it).\n"
          "* **Tolerance**: the script's (`--tolerance_usecs`, default 4 ms, or 12.5 % of the "
          "time since the previous event if more), except where a collection's own runner "
          "overrides it on packetdrill's command line: gsoc-shivansh's `run-tests`, 1 s. A "
          "pass that needs more than the script's own is PASS*, listed below.\n"
          "* IPv6 scripts run over IPv4 with the IPv6 MSS (weir is IPv4-only); everything else "
          "about them is checked.\n"
          "* **SKIP** is decided from the script's text alone against the interpreter's "
          "capability table (tools/pkt/pkt_caps.c); the stack cannot turn a failure into a "
          "skip. PASS* counts as a pass: the checks it could not make are listed in the JSON.\n"
          "* pass% = passed / (passed + failed).\n\n",
          f);
}

static void write_table(FILE *f, const pkt_report *r)
{
    fputs("## Per topic\n\n"
          "| topic | scripts | strict pass | fail | skip | pass % | relaxed pass | fail | skip "
          "| pass % |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
          f);
    char topics[64][24];
    int nt = 0;
    for (int i = 0; i < r->n && nt < 64; i++) {
        int k = 0;
        while (k < nt && strcmp(topics[k], r->e[i].topic) != 0)
            k++;
        if (k == nt)
            snprintf(topics[nt++], sizeof topics[0], "%s", r->e[i].topic);
    }
    for (int k = 0; k <= nt; k++) {
        int n = 0, c[2][3] = {{0}};
        for (int i = 0; i < r->n; i++) {
            if (k < nt && strcmp(r->e[i].topic, topics[k]) != 0)
                continue;
            n++;
            for (int m = 0; m < 2; m++) {
                pkt_verdict v = r->e[i].res[m].verdict;
                c[m][v == PKT_FAIL ? 1 : v == PKT_SKIP ? 2 : 0]++;
            }
        }
        fprintf(f, "| %s | %d", k < nt ? topics[k] : "**all**", n);
        for (int m = 0; m < 2; m++) {
            int run = c[m][0] + c[m][1];
            fprintf(f, " | %d | %d | %d | ", c[m][0], c[m][1], c[m][2]);
            if (run)
                fprintf(f, "%.1f", 100.0 * c[m][0] / run);
            else
                fputs("-", f);
        }
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

static void write_causes(FILE *f, const pkt_report *r)
{
    fputs("## Failures by cause\n\n"
          "*policy*: both behaviours are RFC-compliant, the script encodes its OS's choice; "
          "*missing*: a feature weir does not have yet; *stack*: weir disagrees with the RFC "
          "or with its own profile knob; *interpreter*: tools/pkt cannot reproduce what the "
          "script's setup does to the stack.\n\n"
          "| kind | cause | strict | relaxed | example |\n|---|---|--:|--:|---|\n",
          f);
    for (int i = -1; i < N_CAUSES; i++) {
        int cnt[2] = {0, 0};
        const pkt_entry *ex = NULL;
        int exm = 0;
        for (int j = 0; j < r->n; j++)
            for (int m = 0; m < 2; m++)
                if (r->e[j].res[m].verdict == PKT_FAIL && classify(&r->e[j], m) == i) {
                    cnt[m]++;
                    if (ex == NULL) {
                        ex = &r->e[j];
                        exm = m;
                    }
                }
        if (ex == NULL)
            continue;
        fprintf(f, "| %s | ", i < 0 ? "?" : k_causes[i].kind);
        md_escape(f, i < 0 ? "unclassified (see the list below)" : k_causes[i].text);
        fprintf(f, " | %d | %d | `%s:%d` ", cnt[0], cnt[1], ex->path, ex->res[exm].line);
        md_escape(f, ex->res[exm].msg);
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

static void write_failures(FILE *f, const pkt_report *r)
{
    fputs("## Every failure, with its first mismatch\n\n| script | strict | relaxed |\n"
          "|---|---|---|\n",
          f);
    for (int i = 0; i < r->n; i++) {
        const pkt_entry *e = &r->e[i];
        if (e->res[0].verdict != PKT_FAIL && e->res[1].verdict != PKT_FAIL)
            continue;
        fprintf(f, "| `%s` |", e->path);
        for (int m = 0; m < 2; m++) {
            if (e->res[m].verdict == PKT_FAIL) {
                fprintf(f, " %d: ", e->res[m].line);
                md_escape(f, e->res[m].msg);
                fputs(" |", f);
            } else {
                fprintf(f, " %s |", pkt_verdict_name(e->res[m].verdict));
            }
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

/* Passes whose timing held only within a collection runner's tolerance (PASS*, the soft note
 * pkt_note_harness_timing writes): listed, so that a reader sees what the tolerance let by. */
static void write_harness_passes(FILE *f, const pkt_report *r)
{
    fputs("## Passes that needed the collection runner's tolerance\n\n"
          "These passes held only within the tolerance a collection's runner gives on "
          "packetdrill's command line (see Tolerance above), not within the script's own.\n\n"
          "| script | mode | what |\n|---|---|---|\n",
          f);
    for (int i = 0; i < r->n; i++)
        for (int m = 0; m < 2; m++)
            for (int k = 0; k < r->e[i].res[m].nsoft; k++)
                if (strstr(r->e[i].res[m].soft[k], PKT_HARNESS_NOTE) != NULL) {
                    fprintf(f, "| `%s` | %s | ", r->e[i].path, m ? "relaxed" : "strict");
                    md_escape(f, r->e[i].res[m].soft[k]);
                    fputs(" |\n", f);
                }
    fputc('\n', f);
}

static void write_skips(FILE *f, const pkt_report *r)
{
    fputs("## Skip reasons\n\n| reason | scripts | example |\n|---|--:|---|\n", f);
    char seen[128][96];
    int ns = 0;
    for (int i = 0; i < r->n; i++) {
        if (r->e[i].res[0].verdict != PKT_SKIP)
            continue;
        char key[96];
        shape(r->e[i].res[0].msg, key, sizeof key);
        char *paren = strstr(key, " (line");
        if (paren != NULL)
            *paren = 0;
        int k = 0;
        while (k < ns && strcmp(seen[k], key) != 0)
            k++;
        if (k < ns || ns == 128)
            continue;
        snprintf(seen[ns++], sizeof seen[0], "%s", key);
        int count = 0;
        for (int j = i; j < r->n; j++) {
            char other[96];
            shape(r->e[j].res[0].msg, other, sizeof other);
            if (r->e[j].res[0].verdict == PKT_SKIP && strncmp(other, key, strlen(key)) == 0)
                count++;
        }
        fputs("| ", f);
        md_escape(f, key);
        fprintf(f, " | %d | `%s` |\n", count, r->e[i].path);
    }
    fputc('\n', f);
}

int pkt_report_markdown(const char *file, const pkt_report *r)
{
    FILE *f = fopen(file, "w");
    if (f == NULL)
        return -1;
    write_intro(f);
    write_table(f, r);
    write_causes(f, r);
    write_harness_passes(f, r);
    write_skips(f, r);
    write_failures(f, r);
    int p, fl, s;
    pkt_report_counts(r, &p, &fl, &s);
    fprintf(f, "Total over both modes: %d passed, %d failed, %d skipped.\n", p, fl, s);
    return fclose(f) == 0 ? 0 : -1;
}
