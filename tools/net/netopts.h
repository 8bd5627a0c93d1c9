/* netopts.h — what every network tool of `weir` shares (nc, get, serve, ping...): the common
 * options, and the setup that turns them into a running stack on a TUN/TAP device.
 *
 * A tool parses its own arguments and offers each one it does not know to weir_netopts_parse();
 * weir_netopts_finish() derives the defaults that depend on other options and checks the whole.
 * weir_net_setup() then builds the stack (randomness from getrandom()), opens or creates the
 * device, adds the interface, and wires the event loop (drivers/loop.h), the fault injector, the
 * capture file and the --trace printer; the tool calls weir_loop_run(net.loop) and, at the end,
 * weir_net_teardown(). Messages go to stderr, each starting with the tool's name. */
#ifndef WEIR_TOOLS_NET_NETOPTS_H
#define WEIR_TOOLS_NET_NETOPTS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loop.h"
#include "pcap_writer.h"
#include "tun.h"
#include "weir/stack.h"

/* Exit statuses: the same values as tools/cli.h (WEIR_CLI_OK, _FAIL, _USAGE). */
enum { WEIR_NET_EXIT_OK = 0, WEIR_NET_EXIT_FAIL = 1, WEIR_NET_EXIT_USAGE = 2 };

/* The defaults: the RFC 2544 benchmarking range, which is never routed on the Internet. */
#define WEIR_NET_DEFAULT_DEVICE "weir0"
#define WEIR_NET_DEFAULT_IP "198.18.0.2/24"
#define WEIR_NET_DEFAULT_MTU 1500

typedef struct weir_netopts {
    const char *tool;   /* "weir nc": starts every message */
    weir_tun_mode mode; /* --tun NAME (default) or --tap NAME */
    const char *device; /* WEIR_NET_DEFAULT_DEVICE */
    uint32_t ip;        /* --ip ADDR/PREFIX: weir's own address, host order */
    uint8_t prefix_len;
    uint32_t host_ip;      /* --host-ip ADDR: the kernel side (default: .1 of the subnet) */
    uint32_t gw;           /* --gw ADDR: default route (0: none on TUN, which needs none;
                              the kernel side on TAP) */
    uint32_t dns;          /* --dns ADDR: name server for tools that resolve (0 = none) */
    uint16_t mtu;          /* --mtu N, 68..65535 */
    const char *pcap_path; /* --pcap FILE */
    double loss, dup, reorder, corrupt; /* --loss P ...: percent, 0..100, each direction */
    uint64_t seed; /* --seed N: of the fault injector (default: random, shown by -v) */
    bool seed_given;
    bool trace;  /* --trace: one line per TCP segment on stderr */
    int verbose; /* -v (may repeat) */
    bool quiet;  /* -q */
    bool host_ip_given;
} weir_netopts;

/* The defaults above; `tool` names the command in messages ("weir nc"). */
void weir_netopts_init(weir_netopts *o, const char *tool);

typedef enum weir_netopt_result {
    WEIR_NETOPT_BAD = -1,     /* a common option with a bad value: the message is printed */
    WEIR_NETOPT_NO_MATCH = 0, /* not a common option: the tool's own, or unknown */
    WEIR_NETOPT_TAKEN = 1,    /* taken, with its value; *i points at the last argument used */
} weir_netopt_result;

/* Offer argv[*i] to the common options ("--mtu 9000" and "--mtu=9000" both work). */
weir_netopt_result weir_netopts_parse(weir_netopts *o, int argc, char **argv, int *i);
/* After the last argument: derive --host-ip, check that the addresses fit together. False after
 * printing the message. */
bool weir_netopts_finish(weir_netopts *o);
/* The common options' part of a usage text. */
void weir_netopts_usage(FILE *out);
/* Print "TOOL: MESSAGE" and "Try 'TOOL --help'." to stderr; returns WEIR_NET_EXIT_USAGE. */
int weir_netopts_usage_error(const weir_netopts *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Small parsers for the tools' own arguments. */
bool weir_net_parse_ipv4(const char *s, uint32_t *out); /* dotted quad, host order */
bool weir_net_parse_port(const char *s, uint16_t *out); /* 1..65535 */
void weir_net_format_ipv4(uint32_t ip, char out[16]);
/* Like tools/cli_args.h: does argv[*i] name `name`? Value from "--name=V" or the next argument. */
weir_netopt_result weir_net_opt_value(const weir_netopts *o, int argc, char **argv, int *i,
                                      const char *name, const char **value);

/* The --trace printer: a weir_trace_fn writing one line per TCP segment (and state change) to
 * `out`, times relative to `start_us` (trace_line.c). */
typedef struct weir_net_trace {
    FILE *out;
    uint64_t start_us;
} weir_net_trace;
void weir_net_trace_line(void *trace, const weir_trace_event *ev);

/* What a tool hands to the setup. */
typedef struct weir_net_hooks {
    weir_loop_after_fn after; /* the tool's work, once per loop iteration */
    void *ctx;                /* for `after` and `configure` */
    uint64_t time_limit_us;   /* of weir_loop_run(); 0 = none */
    /* Optional: change the stack configuration before the stack is created (buffer sizes...). */
    void (*configure)(void *ctx, weir_stack_config *cfg);
} weir_net_hooks;

/* Everything the setup built; the tool reads it, weir_net_teardown() frees it. */
typedef struct weir_net {
    const weir_netopts *opts;
    weir_stack *stack;
    weir_tun *tun;
    weir_loop *loop;
    weir_pcap_writer *pcap;
    int dev;   /* the loop's device index */
    int netif; /* the stack's interface index */
    uint64_t fault_seed;
    weir_net_trace trace;
} weir_net;

/* Build it all. Returns WEIR_NET_EXIT_OK, or WEIR_NET_EXIT_FAIL after printing one line (no
 * device, no permission, ...), with whatever was built already freed. Installs SIGINT/SIGTERM
 * handlers that make weir_loop_run() return WEIR_LOOP_INTERRUPTED. */
int weir_net_setup(weir_net *n, const weir_netopts *o, const weir_net_hooks *hooks);
/* Free everything (a device the tool created goes away); with -v, print the device counters. */
void weir_net_teardown(weir_net *n);
/* The signal that interrupted the loop (SIGINT, SIGTERM), 0 if none. */
int weir_net_signal(void);

/* weir nc: netcat over weir (cmd_nc.c). */
int weir_cli_nc_main(int argc, char **argv);
void weir_cli_nc_usage(FILE *out);

#endif
