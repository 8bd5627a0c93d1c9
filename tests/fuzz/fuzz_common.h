/* fuzz_common.h — what the wire round-trip fuzz targets share: a check that aborts (so libFuzzer
 * and the standalone replayer both report it), exact-size emit buffers (ASan then catches a write
 * one byte past `cap`), and the "every smaller capacity fails cleanly" property.
 *
 * Each target: parse -> if OK emit into a buffer of exactly the predicted size -> parse again ->
 * the two reprs must agree (field by field: emit canonicalizes layout, so bytes may differ). */
#ifndef WEIR_FUZZ_COMMON_H
#define WEIR_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAVE_ASAN 1
#endif
#endif
#ifdef FUZZ_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define FUZZ_CANARY 0xa5

/* An emitter with everything but the buffer bound in: returns bytes written or -status. */
typedef int (*fuzz_emit_fn)(const void *repr, uint8_t *buf, size_t cap);

/* Emit into a heap buffer of exactly `size` bytes and expect exactly `size` back. The caller
 * frees the result. */
static inline uint8_t *fuzz_emit_exact(fuzz_emit_fn emit, const void *repr, size_t size)
{
    uint8_t *buf = malloc(size);
    FUZZ_CHECK(buf != NULL);
    int n = emit(repr, buf, size);
    FUZZ_CHECK(n >= 0 && (size_t)n == size);
    return buf;
}

/* Every capacity below `size` must give -WEIR_WIRE_NO_ROOM and write nothing at all. Under ASan
 * the bytes from `cap` on are poisoned, so a stray write is caught at the instruction; otherwise
 * a canary is checked after each attempt (quadratic, fine for the replayer's small inputs). */
static inline void fuzz_check_short_caps(fuzz_emit_fn emit, const void *repr, size_t size)
{
    uint8_t *buf = malloc(size > 0 ? size : 1);
    FUZZ_CHECK(buf != NULL);
    memset(buf, FUZZ_CANARY, size);
    for (size_t cap = size; cap-- > 0;) {
#ifdef FUZZ_HAVE_ASAN
        ASAN_POISON_MEMORY_REGION(buf + cap, size - cap);
#endif
        FUZZ_CHECK(emit(repr, buf, cap) == -WEIR_WIRE_NO_ROOM);
#ifndef FUZZ_HAVE_ASAN
        for (size_t i = 0; i < size; i++)
            FUZZ_CHECK(buf[i] == FUZZ_CANARY);
#endif
    }
#ifdef FUZZ_HAVE_ASAN
    ASAN_UNPOISON_MEMORY_REGION(buf, size);
    for (size_t i = 0; i < size; i++)
        FUZZ_CHECK(buf[i] == FUZZ_CANARY);
#endif
    free(buf);
}

/* Payloads are compared by content: after a round trip they live in a different buffer. */
static inline int fuzz_bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

#endif
