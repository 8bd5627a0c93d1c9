/* pkt.h — `weir pkt`: an interpreter for packetdrill's .pkt language that runs scripts against
 * weir in virtual time, in this process. Read ../shared/packetdrill/README.md (the language, its
 * semantics and the defaults the public scripts assume) before this file.
 *
 * The pieces, in the order a script goes through them:
 *   pkt_lex.c     text -> tokens (#ifdef handled first, line numbers kept)
 *   pkt_parse.c   tokens -> a script: options and a list of timed events (the AST below)
 *   pkt_caps.c    static capability check: SKIP with a reason, decided from the text only
 *   pkt_run.c     the executor: virtual clock, inject/capture, timing, blocking calls
 *   pkt_match.c   outbound segment checks: coalescing, seq/ack/TS mapping, flags, options
 *   pkt_wire.c    build and parse raw IPv4/TCP packets (own code: tools use the public API only)
 *   pkt_sys.c     the socket calls emulated over weir's API (fds, errnos, blocking)
 *   pkt_shell.c   the backquoted-shell allow-list: sysctl -> config, sockstat, tcpdrop, no-ops
 *   pkt_expr.c    %{ assert ... }% over a name -> integer map
 *   pkt_report.c  per-script lines, the per-topic table, the summary line, JSON
 *   pkt_main.c    the `weir pkt` command line
 * Nothing here is global: every run owns its state. */
#ifndef WEIR_TOOLS_PKT_H
#define WEIR_TOOLS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- memory: one arena per script, freed at once ------------------------------------------ */

typedef struct pkt_arena_block pkt_arena_block;
typedef struct pkt_arena {
    pkt_arena_block *head;
} pkt_arena;

void *pkt_alloc(pkt_arena *a, size_t n); /* zeroed; exits the process when memory runs out */
char *pkt_strndup(pkt_arena *a, const char *s, size_t n);
void pkt_arena_free(pkt_arena *a);

/* ---- tokens ---------------------------------------------------------------------------------- */

typedef enum pkt_tok_kind {
    TK_EOF = 0,
    TK_INT,      /* 12, -1, 0x02 */
    TK_FLOAT,    /* .1, 0.100 */
    TK_WORD,     /* [A-Za-z_][A-Za-z0-9_]* */
    TK_STRING,   /* "..." (text without quotes) */
    TK_SHELL,    /* `...` (text without backquotes) */
    TK_CODE,     /* %{ ... }% (text inside) */
    TK_ELLIPSIS, /* ... */
    TK_OPTION,   /* --name[=value] line (text after the dashes) */
    TK_PUNCT,    /* any other single character: ch */
} pkt_tok_kind;

typedef struct pkt_tok {
    pkt_tok_kind kind;
    int line;
    int64_t ival;
    double fval;
    const char *text; /* WORD, STRING, SHELL, CODE, OPTION: NUL-terminated copy */
    char ch;          /* PUNCT */
    bool space_before;
} pkt_tok;

typedef struct pkt_defines {
    const char *name[32];
    const char *value[32];
    int count;
} pkt_defines;

/* Tokenise `src` (after #ifdef processing with `defs`). Returns the token count (the last one is
 * TK_EOF), or -1 with a message in err. */
int pkt_lex(pkt_arena *a, const char *src, size_t len, const pkt_defines *defs, pkt_tok **out,
            char *err, size_t errlen);
bool pkt_defined(const pkt_defines *defs, const char *name);

/* ---- the script ------------------------------------------------------------------------------ */

typedef enum pkt_time_kind { PT_NONE = 0, PT_ABS, PT_REL, PT_ANY } pkt_time_kind;

typedef struct pkt_time {
    pkt_time_kind kind; /* PT_NONE: an untimed shell line (init/cleanup) */
    int64_t us;         /* start, µs (relative to the anchor when PT_REL) */
    bool range;         /* a~b: outbound packets only */
    int64_t end_us;     /* range end (same kind as the start) */
    bool blocking;      /* t...e on a syscall */
    int64_t block_end_us; /* e: gets the same base as the start */
} pkt_time;

typedef enum pkt_opt_kind {
    PO_EOL = 0,
    PO_NOP = 1,
    PO_MSS = 2,
    PO_WSCALE = 3,
    PO_SACKOK = 4,
    PO_SACK = 5,
    PO_TS = 8,
    PO_UNSUPPORTED = 256, /* FO, FOEXP, md5, ECN ...: parsed, then a static SKIP */
} pkt_opt_kind;

#define PKT_MAX_OPTS 20
#define PKT_MAX_SACK 4

typedef struct pkt_opt {
    pkt_opt_kind kind;
    uint32_t val;                 /* mss, wscale, TS val */
    uint32_t ecr;                 /* TS ecr */
    uint8_t nblocks;              /* sack */
    uint32_t left[PKT_MAX_SACK], right[PKT_MAX_SACK];
    const char *name;             /* PO_UNSUPPORTED: the option word */
} pkt_opt;

typedef enum pkt_opts_mode { PKT_OPTS_NONE = 0, PKT_OPTS_ANY, PKT_OPTS_LIST } pkt_opts_mode;

/* TCP header flag bits, as on the wire (FIN 0x01 ... CWR 0x80) and AE (0x100, the old NS bit). */
enum { PKT_FIN = 0x01, PKT_SYN = 0x02, PKT_RST = 0x04, PKT_PSH = 0x08, PKT_ACK = 0x10,
       PKT_URG = 0x20, PKT_ECE = 0x40, PKT_CWR = 0x80, PKT_AE = 0x100 };

typedef struct pkt_packet {
    bool inbound;   /* '<' */
    bool icmp;      /* '< icmp ...': parsed, always a static SKIP */
    const char *ip_info; /* "[noecn]" ... word inside the brackets, or NULL */
    uint16_t flags; /* PKT_* */
    bool seq_any;   /* "...(len)" */
    uint32_t seq;   /* start */
    uint32_t len;   /* payload bytes */
    bool has_ack, has_win, has_urg;
    uint32_t ack, win, urg;
    pkt_opts_mode opts_mode;
    int nopts;
    pkt_opt opts[PKT_MAX_OPTS];
} pkt_packet;

/* Syscall arguments: a small tree. */
typedef enum pkt_expr_kind {
    PE_INT,
    PE_WORD,     /* symbolic constant */
    PE_STRING,
    PE_ELLIPSIS,
    PE_OR,       /* a | b */
    PE_LIST,     /* [a, b] */
    PE_STRUCT,   /* {field, name=value, ...}: fields in kids, named ones have `name` */
    PE_CALL,     /* name(args): htons(80), msg_iov(1) */
} pkt_expr_kind;

typedef struct pkt_expr pkt_expr;
struct pkt_expr {
    pkt_expr_kind kind;
    int64_t ival;
    const char *text;  /* WORD / STRING / CALL name */
    const char *name;  /* a struct field's name (when written name=value) */
    pkt_expr *name_expr; /* a struct field's left side when it is not a plain word */
    int nkids;
    pkt_expr **kids;
};

typedef struct pkt_syscall {
    const char *name;
    int nargs;
    pkt_expr **args;
    pkt_expr *ret;       /* INT, WORD (fd name for socket/accept) or ELLIPSIS */
    const char *errno_name; /* "EINPROGRESS", or NULL */
} pkt_syscall;

typedef enum pkt_ev_kind { EV_PACKET, EV_SYSCALL, EV_SHELL, EV_CODE } pkt_ev_kind;

typedef struct pkt_event {
    pkt_ev_kind kind;
    int line;
    pkt_time time;
    pkt_packet *pkt;
    pkt_syscall *sys;
    const char *text; /* shell / code */
} pkt_event;

typedef struct pkt_script {
    const char *path;
    int nopts;
    const char *opt_name[32];
    const char *opt_value[32]; /* NULL when written without "=" */
    int nevents;
    pkt_event *events;
    bool branches_on_standard; /* has #ifdef/#ifndef STANDARD: its standard variant describes a
                                  stack without the system's own extensions (pkt_caps.c) */
} pkt_script;

/* Parse a whole file. Returns 0, or -1 with "line N: message" in err. */
int pkt_parse(pkt_arena *a, const char *path, const char *src, size_t len,
              const pkt_defines *defs, pkt_script *out, char *err, size_t errlen);
const char *pkt_script_option(const pkt_script *s, const char *name); /* value or NULL */
bool pkt_script_has_option(const pkt_script *s, const char *name);

/* ---- %{ }% ---------------------------------------------------------------------------------- */

typedef struct pkt_namemap {
    int count;
    const char *name[64];
    int64_t value[64];
} pkt_namemap;

void pkt_namemap_set(pkt_namemap *m, const char *name, int64_t v);

typedef enum pkt_assert_result {
    PKT_ASSERT_TRUE = 0,
    PKT_ASSERT_FALSE,   /* a known field compared false */
    PKT_ASSERT_UNKNOWN, /* names an unknown identifier: a soft skip */
    PKT_ASSERT_SYNTAX,  /* outside the subset: an interpreter bug */
} pkt_assert_result;

/* Run every `assert <expr>[, msg]` statement of a code block. Returns the worst result; `detail`
 * gets the failing statement (with the tcp_info fields it read: "(tcpi_snd_cwnd=12)") or the
 * unknown name. */
pkt_assert_result pkt_code_eval(const char *code, const pkt_namemap *m, char *detail,
                                size_t detail_len);
/* An integer expression ("32*1024*1024"), for $((...)) in shell lines. */
bool pkt_expr_int(const char *text, int64_t *v);
/* Check the syntax only (for the parse-every-script test). */
bool pkt_code_syntax_ok(const char *code, char *err, size_t errlen);

/* ---- profiles, modes, options of a run ------------------------------------------------------ */

typedef enum pkt_profile { PKT_PROFILE_AUTO = 0, PKT_PROFILE_LINUX, PKT_PROFILE_FREEBSD } pkt_profile;
typedef enum pkt_mode { PKT_STRICT = 0, PKT_RELAXED = 1 } pkt_mode;

typedef struct pkt_run_opts {
    pkt_profile profile; /* resolved: LINUX or FREEBSD */
    pkt_mode mode;
    const char *topic;   /* for the relaxed window rule; may be NULL */
    bool verbose;
    bool ipv6_map;       /* run --ip_version=ipv6 scripts over IPv4 with the IPv6 MSS */
    int64_t tolerance_us; /* --tolerance-usecs: overrides the script's, as packetdrill's command
                             line does (0: the script's, or its collection runner's) */
    FILE *log;           /* -v output */
} pkt_run_opts;

/* ---- verdicts -------------------------------------------------------------------------------- */

typedef enum pkt_verdict { PKT_PASS = 0, PKT_PASS_SOFT, PKT_FAIL, PKT_SKIP } pkt_verdict;

#define PKT_MAX_SOFT 8
/* In a PASS* note: a timing check that held only within a collection runner's tolerance (written
 * by pkt_note_harness_timing, listed by the conformance report). */
#define PKT_HARNESS_NOTE " only within "

typedef struct pkt_result {
    pkt_verdict verdict;
    int line;          /* FAIL: the script line of the first mismatch */
    char msg[512];     /* FAIL: expected vs got; SKIP: the reason */
    int nsoft;
    char soft[PKT_MAX_SOFT][96]; /* PASS*: what was not checked */
    uint64_t virtual_us; /* how much virtual time the run covered */
} pkt_result;

/* Note a check that could not be made: PASS becomes PASS*. */
void pkt_result_soft(pkt_result *r, const char *what);

/* Static capability check (pkt_caps.c): true and a reason when the script must be skipped. */
bool pkt_caps_check(const pkt_script *s, const pkt_run_opts *o, char *reason, size_t len);

/* Run one parsed script (pkt_run.c). */
void pkt_run_script(const pkt_script *s, const pkt_run_opts *o, pkt_result *r);

/* Parse + caps + run, from a file. */
void pkt_run_file(const char *path, const pkt_defines *defs, const pkt_run_opts *o,
                  pkt_result *r);

const char *pkt_verdict_name(pkt_verdict v); /* "PASS", "PASS*", "FAIL", "SKIP" */

#endif
