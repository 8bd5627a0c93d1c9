/* pkt_run.h — the executor's state, shared by pkt_run.c (clock, events), pkt_match.c (outbound
 * checks), pkt_sys.c (socket calls) and pkt_shell.c (shell lines). Internal to tools/pkt. */
#ifndef WEIR_TOOLS_PKT_RUN_H
#define WEIR_TOOLS_PKT_RUN_H

#include "pkt.h"
#include "pkt_wire.h"
#include "weir/weir.h"

#define PKT_LOCAL_IP 0xc0a80001u  /* 192.168.0.1: weir */
#define PKT_REMOTE_IP 0xc0000201u /* 192.0.2.1: the script's peer */
#define PKT_LISTEN_PORT 8080
#define PKT_REMOTE_PORT 8080      /* connect() goes here */
#define PKT_PEER_PORT 41394       /* the peer's port for passive opens */
#define PKT_MAX_FDS 64
/* Bounds, in virtual time: a script's own timeline may run to a day (keepalive scripts wait out
 * hours); an open-ended wait (a blocked call, a `*` packet) gives up 20 minutes past now. */
#define PKT_SCRIPT_TIME_CAP_US (24LL * 3600 * 1000000)
#define PKT_WAIT_CAP_US (20LL * 60 * 1000000)
#define PKT_MAX_STEPS 2000000                 /* and after this many clock steps */
#define PKT_MAX_TS 512

typedef struct pkt_fd {
    bool used;
    int sock;          /* weir handle */
    bool nonblock;
    bool listener;
    bool bound;
    bool connecting;   /* connect() called, neither CONNECTED nor ERROR yet */
    bool connected;    /* WEIR_EV_CONNECTED seen, or accepted */
    bool shut_rd;
    bool linger_abort; /* SO_LINGER {1, 0}: close() aborts */
    int so_error;      /* pending error (negative WEIR_E*), read-and-clear by SO_ERROR */
    bool error_seen;   /* an error event arrived, even if already read */
    int rcvbuf, sndbuf; /* set by setsockopt, 0 = default */
    bool synced;        /* reached SYN-RECEIVED or later: FreeBSD has rounded SO_RCVBUF */
} pkt_fd;

typedef struct pkt_frame {
    int64_t t; /* script time it was transmitted */
    size_t len;
    uint8_t buf[1600];
} pkt_frame;

/* A blocking call in progress (a `t...e` syscall, or a plain one on a blocking socket). */
typedef struct pkt_pending {
    bool active;
    const pkt_event *ev;
    int fd;
    int64_t start;      /* script time it began */
    int64_t end;        /* expected return time (t...e) */
    bool timed;         /* has an expected end time */
    uint32_t want, done; /* bytes: write progress */
    bool finished;
    int64_t finished_at;
    int64_t ret;        /* result: >= 0, or -1 with err */
    const char *err_name; /* errno name when ret < 0 */
} pkt_pending;

typedef struct pkt_runner {
    const pkt_script *s;
    const pkt_run_opts *o;
    pkt_result *r;
    bool failed;

    weir_stack_config cfg; /* what the stack was created with */
    weir_stack_config cur; /* what the profile and the sysctls so far ask for */
    weir_stack *stack;
    int netif;
    uint16_t mtu;
    uint64_t base_us;   /* stack time at script time 0 */
    int64_t now;        /* script time, µs */
    uint64_t rng;
    int steps;

    /* Captured frames, FIFO. */
    pkt_frame *q;
    int qhead, qcount, qcap;

    /* The connection under test. */
    bool flow_known;
    uint16_t lport, rport;
    bool isn_known;
    uint32_t seq_off;   /* live local seq - script local seq */
    int sut_fd;         /* the script fd of the socket under test, or -1 */

    /* Timestamps: script val -> live val of outbound packets. */
    int nts;
    uint32_t ts_script[PKT_MAX_TS], ts_live[PKT_MAX_TS];
    int64_t ts_tick_us; /* --tcp_ts_tick_usecs, 0 = vals not checked */

    /* Timing. tol_us is the tolerance the run checks with; script_tol_us the script's own,
     * which differ when the collection's runner overrides it (harness_note says so). */
    int64_t tol_us, script_tol_us;
    double tol_pct;
    const char *harness_note;
    int64_t last_script_t; /* script time of the previous event */
    int64_t last_actual_t; /* when the previous event completed */
    bool last_inbound;

    pkt_fd fds[PKT_MAX_FDS];
    pkt_pending blk;

    /* Settings the shell lines changed before the stack was created. */
    uint32_t recvspace, sendspace; /* SO_RCVBUF/SO_SNDBUF as read back by default */
    bool insecure_rst, insecure_syn;
    bool recvbuf_auto;             /* net.inet.tcp.recvbuf_auto (the profiles: off) */
    uint32_t recvbuf_max;          /* net.inet.tcp.recvbuf_max */
    bool linux_defaults;           /* defaults.sh ran */
    uint16_t peer_mss;             /* MSS option of the peer's last SYN */
    bool peer_ts, our_ts;          /* TS option on the peer's last SYN / on ours */
    bool splitting;                /* injecting the first parts of a --mss split packet */

    /* Deferred %{ }% failure (reported after the packet exchange, as packetdrill does). */
    bool assert_failed;
    int assert_line;
    char assert_msg[256];
} pkt_runner;

/* pkt_run.c */
void pkt_fail(pkt_runner *R, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
bool pkt_ensure_stack(pkt_runner *R);
/* Before socket(): a stack with no sockets left is re-created when sysctls changed since. */
void pkt_refresh_stack(pkt_runner *R);
void pkt_advance(pkt_runner *R, int64_t t);
void pkt_poll_now(pkt_runner *R);
void pkt_drain_events(pkt_runner *R); /* events only */
void pkt_after_input(pkt_runner *R);  /* events, then retry the pending call */
bool pkt_wait_pending(pkt_runner *R, int64_t limit);
int64_t pkt_tolerance(const pkt_runner *R, int64_t expected, int64_t base);
/* A timing check at `line` passed `off` µs from `expected`: note it (PASS*) when only the
 * collection runner's tolerance let it pass. */
void pkt_note_harness_timing(pkt_runner *R, int line, int64_t off, int64_t expected, int64_t base);

/* pkt_match.c */
void pkt_inject(pkt_runner *R, const pkt_event *ev);
void pkt_expect_outbound(pkt_runner *R, const pkt_event *ev, int64_t t, int64_t lo, int64_t hi,
                         bool any_time);

/* pkt_sys.c */
void pkt_sys_call(pkt_runner *R, const pkt_event *ev, bool blocking, int64_t start, int64_t end);
bool pkt_sys_try_pending(pkt_runner *R);
void pkt_sys_finish_pending(pkt_runner *R);
void pkt_sys_on_event(pkt_runner *R, const weir_event *ev);
void pkt_sys_note_states(pkt_runner *R);
void pkt_sys_tcp_info(pkt_runner *R, pkt_namemap *m);
void pkt_log_tcp_state(const pkt_runner *R); /* -v: cwnd, pipe, SACK state now */

/* pkt_shell.c */
typedef enum pkt_shell_class {
    PKT_SHELL_NOOP,        /* restates a default, or no meaning for weir */
    PKT_SHELL_CONFIG,      /* a sysctl mapped to stack configuration */
    PKT_SHELL_QUERY,       /* sockstat ... | grep -c STATE | grep N */
    PKT_SHELL_DROP,        /* tcpdrop -s STATE */
    PKT_SHELL_UNSUPPORTED, /* static SKIP */
} pkt_shell_class;
pkt_shell_class pkt_shell_classify(const char *cmd, pkt_profile profile, char *why, size_t len);
void pkt_shell_run(pkt_runner *R, const pkt_event *ev);
void pkt_profile_config(pkt_runner *R);

#endif
