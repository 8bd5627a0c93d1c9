/* cli_args.c — strict option and number parsing for the CLI (see cli_args.h). */
#include "cli_args.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

weir_cli_opt_match weir_cli_opt_value(int argc, char **argv, int *i, const char *name,
                                      const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return WEIR_OPT_NO_MATCH;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return WEIR_OPT_VALUE;
    }
    if (arg[n] != '\0')
        return WEIR_OPT_NO_MATCH;
    if (*i + 1 >= argc)
        return WEIR_OPT_MISSING;
    *i += 1;
    *value = argv[*i];
    return WEIR_OPT_VALUE;
}

bool weir_cli_parse_prob(const char *s, double *out)
{
    if (s == NULL || s[0] == '\0' || isspace((unsigned char)s[0]))
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0')
        return false;
    if (!(v >= 0.0 && v <= 1.0)) /* also false for NaN */
        return false;
    *out = v;
    return true;
}

bool weir_cli_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || s[0] == '\0')
        return false;
    for (const char *p = s; *p != '\0'; p++)
        if (*p < '0' || *p > '9')
            return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}
