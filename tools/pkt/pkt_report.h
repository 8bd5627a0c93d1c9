/* pkt_report.h — results of a `weir pkt` run: per-script lines, the per-topic table, the summary
 * line, JSON; and catalogue.csv (topic and profile of each public script). */
#ifndef WEIR_TOOLS_PKT_REPORT_H
#define WEIR_TOOLS_PKT_REPORT_H

#include "pkt.h"

typedef struct pkt_cat_row {
    char *file;  /* path relative to the catalogue's directory */
    char topic[24];
    pkt_profile profile;
} pkt_cat_row;

typedef struct pkt_catalogue {
    char *dir; /* real path of the directory holding catalogue.csv, or NULL */
    int n;
    pkt_cat_row *rows;
} pkt_catalogue;

/* Finds catalogue.csv in the directory of `path` or above it and loads it (once). */
void pkt_catalogue_find(pkt_catalogue *c, const char *path);
/* Topic and profile of a script: from the catalogue, else from its directory and path. */
void pkt_catalogue_lookup(const pkt_catalogue *c, const char *path, char *topic, size_t tlen,
                          pkt_profile *profile);
void pkt_catalogue_free(pkt_catalogue *c);

typedef struct pkt_entry {
    char *path;
    char topic[24];
    pkt_profile profile;
    bool ran[2]; /* [PKT_STRICT], [PKT_RELAXED] */
    pkt_result res[2];
} pkt_entry;

typedef struct pkt_report {
    pkt_entry *e;
    int n, cap;
    bool mode[2];
} pkt_report;

pkt_entry *pkt_report_add(pkt_report *r, const char *path);
void pkt_report_line(FILE *out, const pkt_report *r, const pkt_entry *e);
/* The per-topic table and, last, "N passed, N failed, N skipped". */
void pkt_report_summary(FILE *out, const pkt_report *r);
int pkt_report_json(const char *file, const pkt_report *r);
/* docs/CONFORMANCE.md (pkt_doc.c); needs both modes. */
int pkt_report_markdown(const char *file, const pkt_report *r);
void pkt_report_counts(const pkt_report *r, int *pass, int *fail, int *skip);
void pkt_report_free(pkt_report *r);

#endif
