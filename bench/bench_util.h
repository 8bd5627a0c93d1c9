/* bench_util.h — what every benchmark program needs and weir does not provide: a monotonic clock,
 * the process's resident memory, /proc/meminfo fields, number parsing with K/M/G suffixes and the
 * one-line result format bench/run.sh reads.
 *
 * Result lines look like `result name=bulk gbps=12.34 bytes=2147483648 ...`: one line per program,
 * key=value pairs, so that the script can pick fields with awk and a human can read them too. */
#ifndef WEIR_BENCH_UTIL_H
#define WEIR_BENCH_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Lets the compiler check printf-style format strings. */
#if defined(__GNUC__)
#define BENCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BENCH_PRINTF(f, a)
#endif

/* Nanoseconds of CLOCK_MONOTONIC: wall time that never jumps. */
uint64_t bench_now_ns(void);

/* Seconds between two bench_now_ns() readings. */
double bench_seconds(uint64_t from_ns, uint64_t to_ns);

/* VmRSS of this process in kB, from /proc/self/status; -1 when unreadable. */
long bench_vmrss_kb(void);

/* A field of /proc/meminfo ("Slab", "MemAvailable") in kB; -1 when absent. */
long bench_meminfo_kb(const char *field);

/* "2G", "512M", "64k", "1000000": a byte or item count (binary suffixes, 2^10 steps). False on
 * garbage or overflow. */
bool bench_parse_count(const char *text, uint64_t *out);

/* A plain decimal number ("0.01", "5"). False on garbage. */
bool bench_parse_double(const char *text, double *out);

/* Print a `result ...` line (the format is the caller's key=value list) and flush, so the line
 * survives a later crash or timeout kill. */
void bench_result(const char *fmt, ...) BENCH_PRINTF(1, 2);

/* Exit with status 2 after printing "PROG: message" to stderr. */
_Noreturn void bench_usage(const char *prog, const char *fmt, ...) BENCH_PRINTF(2, 3);

#endif
