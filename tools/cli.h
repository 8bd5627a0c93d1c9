/* cli.h — the `weir` command line: each subcommand is one entry of the table in main.c, with a
 * run function (argv[0] is the subcommand's name; returns the exit status) and a usage printer. */
#ifndef WEIR_TOOLS_CLI_H
#define WEIR_TOOLS_CLI_H

#include <stdio.h>

/* Exit statuses shared by every subcommand. */
enum { WEIR_CLI_OK = 0, WEIR_CLI_FAIL = 1, WEIR_CLI_USAGE = 2 };

typedef struct weir_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
} weir_cli_command;

/* weir demo: a narrated HTTP request between two stacks in one process (demo.c). */
int weir_cli_demo_main(int argc, char **argv);
void weir_cli_demo_usage(FILE *out);

#endif
