/* pkt_sys.h — socket-call emulation shared by pkt_sys.c (the calls) and pkt_sockopt.c
 * (constants, socket options, fcntl, tcp_info). Internal to tools/pkt. */
#ifndef WEIR_TOOLS_PKT_SYS_H
#define WEIR_TOOLS_PKT_SYS_H

#include "pkt_run.h"

/* Values of the symbolic constants scripts use (Linux numbering; only consistency matters). */
enum {
    PKT_O_RDWR = 2,
    PKT_O_NONBLOCK = 0x800,
    PKT_SOCK_NONBLOCK = 0x800,
    PKT_MSG_OOB = 0x1,
    PKT_MSG_PEEK = 0x2,
    PKT_MSG_DONTWAIT = 0x40,
    PKT_MSG_MORE = 0x8000,
    PKT_SHUT_RD = 0,
    PKT_SHUT_WR = 1,
    PKT_SHUT_RDWR = 2,
    PKT_F_GETFL = 3,
    PKT_F_SETFL = 4,
};

/* A call's outcome: done with ret (and errno name when ret < 0), or would block. */
typedef struct sysres {
    bool block;
    int64_t ret;
    const char *err;
} sysres;

/* Integer value of an argument: INT, a known WORD, a | b, or a one-element [list]. */
bool pkt_sys_eval(const pkt_expr *e, int64_t *v);
/* Sum of the iovec lengths of sendmsg/recvmsg/writev/readv. */
int64_t pkt_sys_iov_len(const pkt_syscall *sc);
/* The fd named by argument argi, or NULL. */
pkt_fd *pkt_sys_fd(pkt_runner *R, const pkt_syscall *sc, int argi);
/* errno name of a weir error; WEIR_ESTATE becomes state_err. */
const char *pkt_errno_name(int weir_err, const char *state_err);
/* fcntl, setsockopt, getsockopt (pkt_sockopt.c). */
sysres pkt_sys_option_call(pkt_runner *R, const pkt_syscall *sc, pkt_fd *f);
/* Per-socket settings inherited from sysctls changed after the stack was created. */
void pkt_sys_inherit(pkt_runner *R, pkt_fd *f);
/* Static check: can this call be emulated? false and a reason otherwise. */
bool pkt_sys_supported(const pkt_syscall *sc, char *why, size_t len);

#endif
