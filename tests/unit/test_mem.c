/* test_mem.c — the stack's memory accounting and its cache of freed blocks (src/core/stack.c):
 * a freed small block comes back for the next allocation of its size without the allocator, the
 * cache stays within WEIR_MEM_CACHE_BYTES and 4 kB blocks, stats.mem_in_use counts what is in
 * use (not what is kept), and destroying the stack gives everything back. Under AddressSanitizer
 * the cache is off by design: the same calls must then reach the allocator every time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

/* An allocator that counts what crosses it. */
typedef struct counting {
    unsigned allocs, frees;
    size_t bytes; /* held by the stack now */
} counting;

static void *count_alloc(void *ctx, size_t size)
{
    counting *c = ctx;
    c->allocs++;
    c->bytes += size;
    return malloc(size);
}

static void count_free(void *ctx, void *ptr, size_t size)
{
    counting *c = ctx;
    c->frees++;
    c->bytes -= size;
    free(ptr);
}

static void zero_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len);
}

static weir_stack *new_stack(counting *c, weir_allocator *a)
{
    *a = (weir_allocator){.alloc = count_alloc, .free = count_free, .ctx = c};
    weir_stack_config cfg;
    weir_stack_config_init(&cfg);
    cfg.random = zero_random;
    cfg.allocator = a;
    weir_stack *s = NULL;
    assert_int_equal(weir_stack_create(&cfg, &s), 0);
    return s;
}

/* Whether this build keeps freed blocks (as stack.c decides). */
#if defined(__has_feature)
#define TEST_HAS_FEATURE(x) __has_feature(x)
#else
#define TEST_HAS_FEATURE(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || TEST_HAS_FEATURE(address_sanitizer)
#define TEST_CACHING 0
#else
#define TEST_CACHING (WEIR_MEM_CACHE_BYTES > 0)
#endif

static bool caching(void) { return TEST_CACHING; }

static void a_freed_block_is_reused_for_its_size(void **state)
{
    (void)state;
    counting c = {0};
    weir_allocator a;
    weir_stack *s = new_stack(&c, &a);
    weir_stats st;
    weir_stats_get(s, &st);
    uint64_t in_use = st.mem_in_use;
    uint8_t *p = weir_alloc(s, 1000);
    assert_non_null(p);
    memset(p, 0xAB, 1000);
    unsigned allocs = c.allocs;
    weir_free(s, p, 1000);
    weir_stats_get(s, &st);
    assert_int_equal(st.mem_in_use, in_use); /* a kept block is not in use */
    uint8_t *q = weir_alloc(s, 1000);
    assert_non_null(q);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(q[i], 0); /* weir_alloc still zeroes */
    if (caching()) {
        assert_ptr_equal(q, p);
        assert_int_equal(c.allocs, allocs);
    } else {
        assert_int_equal(c.allocs, allocs + 1);
    }
    uint8_t *r = weir_alloc_uninit(s, 999); /* another size: from the allocator */
    assert_non_null(r);
    assert_int_equal(c.allocs, allocs + (caching() ? 1 : 2));
    weir_free(s, q, 1000);
    weir_free(s, r, 999);
    weir_stack_destroy(s);
    assert_int_equal(c.allocs, c.frees); /* destroy gave every kept block back */
    assert_int_equal(c.bytes, 0);
}

static void the_cache_is_bounded_in_bytes_and_block_size(void **state)
{
    (void)state;
    counting c = {0};
    weir_allocator a;
    weir_stack *s = new_stack(&c, &a);
    enum { N = 200, SIZE = 4096 };
    static void *blocks[N];
    for (int i = 0; i < N; i++)
        assert_non_null(blocks[i] = weir_alloc_uninit(s, SIZE));
    size_t held = c.bytes;
    for (int i = 0; i < N; i++)
        weir_free(s, blocks[i], SIZE);
    size_t kept = c.bytes - (held - (size_t)N * SIZE);
    assert_true(kept <= (caching() ? (size_t)WEIR_MEM_CACHE_BYTES : 0));
    weir_stats st;
    weir_stats_get(s, &st);
    assert_int_equal(st.mem_cached, kept); /* the stats say what is kept */
    if (caching())
        assert_true(kept > 0);
    void *big = weir_alloc_uninit(s, SIZE + 1); /* above the block limit: never kept */
    unsigned frees = c.frees;
    weir_free(s, big, SIZE + 1);
    assert_int_equal(c.frees, frees + 1);
    weir_stack_destroy(s);
    assert_int_equal(c.allocs, c.frees);
    assert_int_equal(c.bytes, 0);
}

static void bins_hold_a_few_sizes_and_an_empty_bin_takes_another(void **state)
{
    (void)state;
    counting c = {0};
    weir_allocator a;
    weir_stack *s = new_stack(&c, &a);
    enum { SIZES = WEIR_MEM_BINS + 4 };
    void *p[SIZES];
    for (int i = 0; i < SIZES; i++)
        assert_non_null(p[i] = weir_alloc(s, 100 + (size_t)i * 8));
    for (int i = 0; i < SIZES; i++)
        weir_free(s, p[i], 100 + (size_t)i * 8); /* more sizes than bins: the rest are freed */
    for (int i = 0; i < SIZES; i++) /* and everything is still allocatable, kept or not */
        assert_non_null(p[i] = weir_alloc(s, 100 + (size_t)i * 8));
    for (int i = 0; i < SIZES; i++)
        weir_free(s, p[i], 100 + (size_t)i * 8);
    weir_stack_destroy(s);
    assert_int_equal(c.allocs, c.frees);
    assert_int_equal(c.bytes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_freed_block_is_reused_for_its_size),
        cmocka_unit_test(the_cache_is_bounded_in_bytes_and_block_size),
        cmocka_unit_test(bins_hold_a_few_sizes_and_an_empty_bin_takes_another),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
