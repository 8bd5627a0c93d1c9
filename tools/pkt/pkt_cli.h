/* pkt_cli.h — the `weir pkt` subcommand's entry points, for the command table in tools/main.c. */
#ifndef WEIR_TOOLS_PKT_CLI_H
#define WEIR_TOOLS_PKT_CLI_H

#include <stdio.h>

/* weir pkt: run packetdrill scripts against weir in virtual time (pkt_main.c). */
int weir_cli_pkt_main(int argc, char **argv);
void weir_cli_pkt_usage(FILE *out);

#endif
