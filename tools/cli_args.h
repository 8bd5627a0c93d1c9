/* cli_args.h — small, strict argument parsing for the subcommands: "--name VALUE" and
 * "--name=VALUE", probabilities and unsigned integers that reject anything but a whole number. */
#ifndef WEIR_TOOLS_CLI_ARGS_H
#define WEIR_TOOLS_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum weir_cli_opt_match {
    WEIR_OPT_NO_MATCH = 0, /* argv[*i] is not this option */
    WEIR_OPT_VALUE,        /* matched; *value set and *i moved past the value */
    WEIR_OPT_MISSING,      /* matched, but no value follows */
} weir_cli_opt_match;

/* Does argv[*i] name option `name` ("--loss")? Takes the value from "--loss=0.2" or the next
 * argument. */
weir_cli_opt_match weir_cli_opt_value(int argc, char **argv, int *i, const char *name,
                                      const char **value);
/* A number in [0, 1]: "0", "0.25", "1", "1e-1". No NaN, no trailing characters. */
bool weir_cli_parse_prob(const char *s, double *out);
/* A decimal integer in [0, 2^64): no sign, no trailing characters, no overflow. */
bool weir_cli_parse_u64(const char *s, uint64_t *out);

#endif
