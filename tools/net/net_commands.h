/* net_commands.h — the network tools' entry points for the command table in tools/main.c. Each
 * takes argv with argv[0] the subcommand's name and returns 0 / 1 / 2 (ok, failure, usage). */
#ifndef WEIR_TOOLS_NET_COMMANDS_H
#define WEIR_TOOLS_NET_COMMANDS_H

#include <stdio.h>

int weir_cli_ping_main(int argc, char **argv);
void weir_cli_ping_usage(FILE *out);
int weir_cli_get_main(int argc, char **argv);
void weir_cli_get_usage(FILE *out);
int weir_cli_serve_main(int argc, char **argv);
void weir_cli_serve_usage(FILE *out);

#endif
