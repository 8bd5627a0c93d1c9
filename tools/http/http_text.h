/* http_text.h — small text helpers shared by http.c and url.c (tools/http), static inline so
 * each file stays self-contained. */
#ifndef WEIR_TOOLS_HTTP_TEXT_H
#define WEIR_TOOLS_HTTP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static inline char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive comparison of the n bytes at `a` with the NUL-terminated `b`. */
static inline bool ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

static inline void copy_bounded(char *dst, size_t cap, const char *src, size_t n)
{
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

#endif
