/* main.c — `weir`, the command-line tool: dispatch to a subcommand from one table. A new
 * subcommand (get, serve, nc, ping, pkt) is one entry here plus its own file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "net/net_commands.h"
#include "net/netopts.h"
#include "pkt/pkt_cli.h"

static const weir_cli_command k_commands[] = {
    {"demo", "narrate one HTTP request between two stacks in this process (learn TCP)",
     weir_cli_demo_main, weir_cli_demo_usage},
    {"pkt", "run packetdrill scripts against weir in virtual time (conformance)",
     weir_cli_pkt_main, weir_cli_pkt_usage},
    {"nc", "netcat over weir on a TUN/TAP device: stdin to a connection, the connection to stdout",
     weir_cli_nc_main, weir_cli_nc_usage},
    {"ping", "ICMP echo from weir on a TUN/TAP device, with round-trip statistics",
     weir_cli_ping_main, weir_cli_ping_usage},
    {"get", "HTTP/1.1 GET over weir on a TUN device: a URL's body to stdout or a file",
     weir_cli_get_main, weir_cli_get_usage},
    {"serve", "a static-file HTTP/1.1 server on weir's address, one log line per request",
     weir_cli_serve_main, weir_cli_serve_usage},
};
enum { COMMAND_COUNT = sizeof k_commands / sizeof k_commands[0] };

static void usage(FILE *out)
{
    fprintf(out, "usage: weir <command> [options]\n"
                 "       weir help [command]\n\n"
                 "weir is an embeddable userspace TCP/IP stack; this tool drives it.\n\n"
                 "commands:\n");
    for (int i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s %s\n", k_commands[i].name, k_commands[i].summary);
    fprintf(out, "  %-8s %s\n", "help", "show this list, or a command's options");
    fprintf(out, "\nRun 'weir <command> --help' for a command's options.\n");
}

static const weir_cli_command *find_command(const char *name)
{
    for (int i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(k_commands[i].name, name) == 0)
            return &k_commands[i];
    return NULL;
}

static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return WEIR_CLI_OK;
    }
    const weir_cli_command *c = find_command(argv[2]);
    if (c == NULL || argc > 3) {
        fprintf(stderr, "weir help: unknown command '%s'\n\n", argv[2]);
        usage(stderr);
        return WEIR_CLI_USAGE;
    }
    c->usage(stdout);
    return WEIR_CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return WEIR_CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return help(argc, argv);
    const weir_cli_command *c = find_command(name);
    if (c == NULL) {
        fprintf(stderr, "weir: unknown command '%s'\n\n", name);
        usage(stderr);
        return WEIR_CLI_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
