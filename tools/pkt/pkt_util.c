/* pkt_util.c — the per-script arena and small helpers shared by the interpreter's modules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

struct pkt_arena_block {
    pkt_arena_block *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes */
};

enum { ARENA_BLOCK = 64 * 1024 };

void *pkt_alloc(pkt_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    pkt_arena_block *b = a->head;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (b == NULL) {
            fputs("weir pkt: out of memory\n", stderr);
            exit(2);
        }
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *pkt_strndup(pkt_arena *a, const char *s, size_t n)
{
    char *p = pkt_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void pkt_arena_free(pkt_arena *a)
{
    pkt_arena_block *b = a->head;
    while (b != NULL) {
        pkt_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void pkt_result_soft(pkt_result *r, const char *what)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%s", what);
    for (int i = 0; i < r->nsoft; i++)
        if (strcmp(r->soft[i], buf) == 0)
            return;
    if (r->nsoft < PKT_MAX_SOFT) {
        memcpy(r->soft[r->nsoft], buf, sizeof buf);
        r->nsoft++;
    }
    if (r->verdict == PKT_PASS)
        r->verdict = PKT_PASS_SOFT;
}

const char *pkt_verdict_name(pkt_verdict v)
{
    switch (v) {
    case PKT_PASS:
        return "PASS";
    case PKT_PASS_SOFT:
        return "PASS*";
    case PKT_FAIL:
        return "FAIL";
    case PKT_SKIP:
        return "SKIP";
    }
    return "?";
}
