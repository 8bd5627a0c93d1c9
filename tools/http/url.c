/* url.c — URLs for `weir get` (RFC 3986: parsing, resolving a redirect's Location, §5.2) and the
 * mapping of a request target to a file path for `weir serve` (percent-decoding, then refusing
 * anything that could leave the served directory). Part of http.h; no I/O. */
#include "http.h"
#include "http_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- URLs ------------------------------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
url_fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* clang-analyzer 14 loses track of va_start() here and reports the list uninitialized. */
    if (err != NULL && cap > 0)
        vsnprintf(err, cap, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    return -1;
}

/* Length of "scheme" when `s` starts with scheme ":" (RFC 3986 §3.1), else 0. */
static size_t scheme_len(const char *s)
{
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    size_t i = 1;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
           (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return s[i] == ':' ? i : 0;
}

/* Dotted-quad IPv4 without leading zeros (which some parsers read as octal). */
static bool parse_ipv4(const char *s, uint32_t *out)
{
    uint32_t ip = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *s++ != '.')
            return false;
        const char *start = s;
        unsigned v = 0;
        for (; *s >= '0' && *s <= '9' && s - start < 4; s++)
            v = v * 10 + (unsigned)(*s - '0');
        size_t digits = (size_t)(s - start);
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && start[0] == '0'))
            return false;
        ip = ip << 8 | v;
    }
    *out = ip;
    return *s == '\0';
}

static bool all_digits_and_dots(const char *s)
{
    for (; *s != '\0'; s++)
        if (!((*s >= '0' && *s <= '9') || *s == '.'))
            return false;
    return true;
}

/* A host name: letters, digits, '-', '_', '.', labels of 1..63 bytes. Lower-cased in place. */
static bool valid_host_name(char *h)
{
    size_t label = 0;
    for (char *c = h; *c != '\0'; c++) {
        *c = lower(*c);
        if (*c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
            return false;
        if (++label > 63)
            return false;
    }
    return h[0] != '\0';
}

static int parse_authority(const char *a, size_t n, weir_http_url *out, char *err, size_t cap)
{
    if (memchr(a, '@', n) != NULL)
        return url_fail(err, cap, "user names and passwords in URLs are not supported");
    if (n > 0 && a[0] == '[')
        return url_fail(err, cap, "IPv6 addresses are not supported");
    const char *colon = memchr(a, ':', n);
    size_t host_len = colon != NULL ? (size_t)(colon - a) : n;
    if (host_len == 0)
        return url_fail(err, cap, "the URL has no host");
    if (host_len >= sizeof out->host)
        return url_fail(err, cap, "the host name is too long");
    copy_bounded(out->host, sizeof out->host, a, host_len);
    out->port = 80;
    if (colon != NULL) {
        const char *p = colon + 1;
        size_t plen = n - host_len - 1;
        unsigned long v = 0;
        if (plen == 0)
            return url_fail(err, cap, "empty port after ':'");
        for (size_t i = 0; i < plen; i++) {
            if (p[i] < '0' || p[i] > '9')
                return url_fail(err, cap, "bad port in '%s' (digits only)", out->host);
            if (v <= 65535)
                v = v * 10 + (unsigned long)(p[i] - '0');
        }
        if (v < 1 || v > 65535)
            return url_fail(err, cap, "port out of range (1-65535)");
        out->port = (uint16_t)v;
    }
    out->host_is_ipv4 = all_digits_and_dots(out->host);
    if (out->host_is_ipv4 && !parse_ipv4(out->host, &out->ipv4))
        return url_fail(err, cap, "bad IPv4 address '%s'", out->host);
    if (!out->host_is_ipv4 && !valid_host_name(out->host))
        return url_fail(err, cap, "bad host name '%s'", out->host);
    return 0;
}

/* Copy a path-and-query into `out`, percent-encoding spaces and non-ASCII bytes, refusing control
 * characters; a leading "/" is added when missing. Stops at '#'. */
static int copy_target(const char *s, size_t n, char *out, size_t cap, char *err, size_t errcap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (n == 0 || s[0] != '/')
        out[o++] = '/';
    for (size_t i = 0; i < n && s[i] != '#'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return url_fail(err, errcap, "the URL contains a control character");
        bool encode = c == ' ' || c >= 0x80;
        if (o + (encode ? 3 : 1) >= cap)
            return url_fail(err, errcap, "the URL path is too long");
        if (encode) {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return 0;
}

int weir_http_url_parse(const char *text, weir_http_url *out, char *err, size_t errcap)
{
    if (text == NULL || text[0] == '\0')
        return url_fail(err, errcap, "empty URL");
    size_t sl = scheme_len(text);
    char scheme[16];
    copy_bounded(scheme, sizeof scheme, text, sl);
    if (sl == 0)
        return url_fail(err, errcap, "'%s' is not a URL: it should start with http://", text);
    if (ieq(text, sl, "https"))
        return url_fail(err, errcap,
                        "https:// is not supported: weir speaks plain HTTP (use http://)");
    if (!ieq(text, sl, "http"))
        return url_fail(err, errcap, "unsupported scheme '%s': only http:// URLs are supported",
                        scheme);
    const char *a = text + sl + 1;
    if (a[0] != '/' || a[1] != '/')
        return url_fail(err, errcap, "expected // after http:");
    a += 2;
    size_t alen = strcspn(a, "/?#");
    weir_http_url u; /* `out` changes only on success: it may be a resolve's base */
    memset(&u, 0, sizeof u);
    if (parse_authority(a, alen, &u, err, errcap) < 0 ||
        copy_target(a + alen, strlen(a + alen), u.target, sizeof u.target, err, errcap) < 0)
        return -1;
    *out = u;
    return 0;
}

void weir_http_url_host_header(const weir_http_url *url, char *out, size_t cap)
{
    if (url->port == 80)
        snprintf(out, cap, "%s", url->host);
    else
        snprintf(out, cap, "%s:%u", url->host, (unsigned)url->port);
}

/* RFC 3986 §5.2.4 on a path starting with '/', in place: "." and ".." segments removed. */
static void remove_dot_segments(char *path)
{
    size_t starts[WEIR_HTTP_TARGET_MAX]; /* where each kept segment begins in the output */
    size_t depth = 0, o = 0, i = 0, n = strlen(path);
    char *out = path; /* output never runs ahead of input */
    while (i < n) {
        size_t seg = i + 1, end = seg;
        while (end < n && path[end] != '/')
            end++;
        size_t len = end - seg;
        bool last = end == n;
        if (len == 1 && path[seg] == '.') {
            if (last)
                out[o++] = '/';
        } else if (len == 2 && path[seg] == '.' && path[seg + 1] == '.') {
            if (depth > 0)
                o = starts[--depth];
            if (last)
                out[o++] = '/';
        } else {
            starts[depth++] = o;
            out[o++] = '/';
            memmove(out + o, path + seg, len);
            o += len;
        }
        i = end;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
}

int weir_http_url_resolve(const weir_http_url *base, const char *loc, weir_http_url *out, char *err,
                          size_t errcap)
{
    if (loc == NULL || loc[0] == '\0')
        return url_fail(err, errcap, "empty Location");
    if (scheme_len(loc) > 0)
        return weir_http_url_parse(loc, out, err, errcap);
    if (loc[0] == '/' && loc[1] == '/') {
        char abs[WEIR_HTTP_TARGET_MAX + 8];
        if (strlen(loc) + 6 > sizeof abs)
            return url_fail(err, errcap, "Location too long");
        snprintf(abs, sizeof abs, "http:%s", loc);
        return weir_http_url_parse(abs, out, err, errcap);
    }
    weir_http_url next = *base;
    char merged[WEIR_HTTP_TARGET_MAX];
    size_t base_path = strcspn(base->target, "?");
    size_t keep = 0; /* bytes of the base target that stay in front of the reference */
    if (loc[0] == '?') {
        keep = base_path;
    } else if (loc[0] != '/') { /* RFC 3986 §5.2.3: the base path up to its last '/' */
        keep = base_path;
        while (keep > 0 && base->target[keep - 1] != '/')
            keep--;
    }
    if (keep + strlen(loc) >= sizeof merged)
        return url_fail(err, errcap, "Location too long");
    memcpy(merged, base->target, keep);
    memcpy(merged + keep, loc, strlen(loc) + 1);
    if (copy_target(merged, strlen(merged), next.target, sizeof next.target, err, errcap) < 0)
        return -1;
    size_t q = strcspn(next.target, "?");
    char query[WEIR_HTTP_TARGET_MAX];
    snprintf(query, sizeof query, "%s", next.target + q);
    next.target[q] = '\0';
    remove_dot_segments(next.target);
    size_t plen = strlen(next.target);
    if (plen + strlen(query) >= sizeof next.target)
        return url_fail(err, errcap, "Location too long");
    memcpy(next.target + plen, query, strlen(query) + 1);
    *out = next;
    return 0;
}

/* ---- request-target to file path ------------------------------------------------------------- */

/* Percent-decode the path of `t` (up to '?' or '#') into out. Returns 0 or a status. */
static int decode_path(const char *t, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; t[i] != '\0' && t[i] != '?' && t[i] != '#'; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '%') {
            int hi = hex_value((unsigned char)t[i + 1]);
            int lo = hi < 0 ? -1 : hex_value((unsigned char)t[i + 2]);
            if (lo < 0)
                return 400; /* a bad escape */
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
            if (c == '\0')
                return 400; /* %00 would cut the file name short */
        }
        if (o + 1 >= cap)
            return 414;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int weir_http_target_to_path(const char *target, char *out, size_t cap, bool *dir_form)
{
    char decoded[WEIR_HTTP_TARGET_MAX] = {0}; /* zeroed: the analyzer cannot see strlen's bound */
    if (cap == 0)
        return 414;
    out[0] = '\0';
    const char *t = target;
    if (scheme_len(t) == 4 && ieq(t, 4, "http") && t[5] == '/' && t[6] == '/') {
        t += 7; /* absolute-form (RFC 9112 §3.2.2): the path starts after the authority */
        t += strcspn(t, "/?#");
        if (*t != '/')
            t = "/";
    }
    if (t[0] != '/')
        return 400;
    int st = decode_path(t, decoded, sizeof decoded);
    if (st != 0)
        return st;
    size_t n = strlen(decoded), o = 0;
    *dir_form = n > 0 && decoded[n - 1] == '/';
    /* Segments are judged after decoding, so %2e%2e and %2f cannot sneak a ".." past us. */
    for (size_t i = 0; i < n;) {
        size_t end = i;
        while (end < n && decoded[end] != '/')
            end++;
        size_t len = end - i;
        if (len == 2 && decoded[i] == '.' && decoded[i + 1] == '.')
            return 403;
        if (len > 0 && !(len == 1 && decoded[i] == '.')) {
            if (o + len + 2 > cap)
                return 414;
            if (o > 0)
                out[o++] = '/';
            memcpy(out + o, decoded + i, len);
            o += len;
            out[o] = '\0';
        }
        i = end + 1;
    }
    return 0;
}

