/* test_fault.c — the seeded fault injector: exact behaviour at probabilities 0 and 1, rates over
 * many draws, config validation and reproducibility. Everything is seeded, so the statistical
 * checks are deterministic: a bound either always holds for these seeds or never does. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"

enum { DRAWS = 100000, DRAWS_PER_FRAME = 7 };

static weir_fault_config clean_config(void)
{
    weir_fault_config c;
    memset(&c, 0, sizeof(c));
    return c;
}

/* The reference outputs come from an independent implementation of splitmix64 seeding +
 * xoshiro256** (Blackman & Vigna's published algorithms). */
static void rng_matches_reference_outputs(void **state)
{
    (void)state;
    static const uint64_t seed0[] = {UINT64_C(0x99ec5f36cb75f2b4), UINT64_C(0xbf6e1f784956452a),
                                     UINT64_C(0x1a5f849d4933e6e0), UINT64_C(0x6aa594f1262d2d2c)};
    static const uint64_t seed42[] = {UINT64_C(0x15780b2e0c2ec716), UINT64_C(0x6104d9866d113a7e),
                                      UINT64_C(0xae17533239e499a1), UINT64_C(0xecb8ad4703b360a1)};
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 0);
    for (int i = 0; i < 4; i++)
        assert_true(weir_fault_rng_next(&r) == seed0[i]);
    weir_fault_rng_seed(&r, 42);
    for (int i = 0; i < 4; i++)
        assert_true(weir_fault_rng_next(&r) == seed42[i]);
}

static void rng_unit_is_in_half_open_interval(void **state)
{
    (void)state;
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 7);
    double sum = 0;
    for (int i = 0; i < DRAWS; i++) {
        double u = weir_fault_rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    /* Mean of U[0,1) has sd 1/sqrt(12 n) ~ 0.0009 here; 0.01 is > 10 sd. */
    assert_true(fabs(sum / DRAWS - 0.5) < 0.01);
}

static void probabilities_zero_never_fire(void **state)
{
    (void)state;
    weir_fault_config c = clean_config();
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 1);
    for (int i = 0; i < DRAWS; i++) {
        weir_fault_verdict v;
        weir_fault_decide(&c, &r, 60, &v);
        assert_false(v.drop);
        assert_int_equal(v.copies, 1);
        assert_false(v.corrupt);
        assert_false(v.reordered);
        assert_true(v.delay_us[0] == 0);
    }
}

static void probabilities_one_always_fire(void **state)
{
    (void)state;
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 2);
    weir_fault_config loss = clean_config();
    loss.loss = 1.0;
    weir_fault_config rest = clean_config();
    rest.duplicate = 1.0;
    rest.reorder = 1.0;
    rest.corrupt = 1.0;
    rest.delay_min_us = 10;
    rest.delay_max_us = 20;
    for (int i = 0; i < DRAWS / 10; i++) {
        weir_fault_verdict v;
        weir_fault_decide(&loss, &r, 60, &v);
        assert_true(v.drop);
        assert_int_equal(v.copies, 0);
        assert_false(v.corrupt);

        weir_fault_decide(&rest, &r, 60, &v);
        assert_false(v.drop);
        assert_int_equal(v.copies, 2);
        assert_true(v.reordered);
        /* The original is held back by the default 1 ms; the duplicate keeps its own delay. */
        assert_true(v.delay_us[0] >= 1010 && v.delay_us[0] <= 1020);
        assert_true(v.delay_us[1] >= 10 && v.delay_us[1] <= 20);
        assert_true(v.corrupt);
        assert_true(v.corrupt_bit < 60 * 8);
    }
}

static void reorder_delay_is_configurable(void **state)
{
    (void)state;
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 3);
    weir_fault_config c = clean_config();
    c.reorder = 1.0;
    c.reorder_delay_us = 5000;
    weir_fault_verdict v;
    weir_fault_decide(&c, &r, 40, &v);
    assert_true(v.reordered);
    assert_true(v.delay_us[0] == 5000);
}

static void empty_frame_is_never_corrupted(void **state)
{
    (void)state;
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 4);
    weir_fault_config c = clean_config();
    c.corrupt = 1.0;
    weir_fault_verdict v;
    weir_fault_decide(&c, &r, 0, &v);
    assert_false(v.corrupt);
    assert_int_equal(v.copies, 1);
}

/* |observed - expected| within 6 binomial standard deviations. */
static void assert_rate(uint64_t hits, uint64_t trials, double p, const char *what)
{
    double expected = p * (double)trials;
    double sd = sqrt((double)trials * p * (1.0 - p));
    double diff = fabs((double)hits - expected);
    if (diff > 6.0 * sd + 1.0)
        fail_msg("%s: %llu hits in %llu trials, expected %.0f +- %.0f", what,
                 (unsigned long long)hits, (unsigned long long)trials, expected, 6.0 * sd);
}

static void rates_match_probabilities_over_many_draws(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {1, 2, 3, 0xdeadbeef, UINT64_MAX};
    for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
        weir_fault_rng r;
        weir_fault_rng_seed(&r, seeds[s]);
        weir_fault_config c = clean_config();
        c.loss = 0.10;
        c.duplicate = 0.05;
        c.reorder = 0.20;
        c.corrupt = 0.01;
        c.delay_min_us = 100;
        c.delay_max_us = 300;
        uint64_t lost = 0, dup = 0, reord = 0, corrupt = 0, kept = 0;
        double delay_sum = 0;
        uint64_t delay_lo = UINT64_MAX, delay_hi = 0;
        for (int i = 0; i < DRAWS; i++) {
            weir_fault_verdict v;
            weir_fault_decide(&c, &r, 100, &v);
            if (v.drop) {
                lost++;
                continue;
            }
            kept++;
            dup += v.copies == 2;
            reord += v.reordered;
            corrupt += v.corrupt;
            /* Look at the duplicate's delay, which the reorder hold-back never touches. */
            if (v.copies == 2) {
                uint64_t d = v.delay_us[1];
                assert_true(d >= 100 && d <= 300);
                delay_sum += (double)d;
                delay_lo = d < delay_lo ? d : delay_lo;
                delay_hi = d > delay_hi ? d : delay_hi;
            }
            if (!v.reordered)
                assert_true(v.delay_us[0] >= 100 && v.delay_us[0] <= 300);
        }
        assert_rate(lost, DRAWS, 0.10, "loss");
        assert_rate(dup, kept, 0.05, "duplicate");
        assert_rate(reord, kept, 0.20, "reorder");
        assert_rate(corrupt, kept, 0.01, "corrupt");
        assert_true(dup > 0);
        double mean = delay_sum / (double)dup;
        assert_true(mean > 190.0 && mean < 210.0);
        assert_true(delay_lo <= 102 && delay_hi >= 298); /* both ends of the range are reached */
    }
}

static void corrupt_bits_cover_the_whole_frame(void **state)
{
    (void)state;
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 5);
    weir_fault_config c = clean_config();
    c.corrupt = 1.0;
    unsigned hits[32] = {0};
    for (int i = 0; i < DRAWS; i++) {
        weir_fault_verdict v;
        weir_fault_decide(&c, &r, 4, &v);
        assert_true(v.corrupt && v.corrupt_bit < 32);
        hits[v.corrupt_bit]++;
    }
    for (int b = 0; b < 32; b++)
        assert_rate(hits[b], DRAWS, 1.0 / 32.0, "corrupt bit position");
}

static void full_delay_range_does_not_overflow(void **state)
{
    (void)state;
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 6);
    weir_fault_config c = clean_config();
    c.delay_min_us = 0;
    c.delay_max_us = UINT64_MAX;
    c.reorder = 1.0;
    c.reorder_delay_us = UINT64_MAX;
    weir_fault_verdict v;
    weir_fault_decide(&c, &r, 10, &v);
    assert_true(v.delay_us[0] == UINT64_MAX); /* saturated, not wrapped */
    c.delay_min_us = c.delay_max_us = 77;
    c.reorder = 0;
    weir_fault_decide(&c, &r, 10, &v);
    assert_true(v.delay_us[0] == 77);
}

static void invalid_configs_are_rejected(void **state)
{
    (void)state;
    assert_false(weir_fault_config_valid(NULL));
    weir_fault_config c = clean_config();
    assert_true(weir_fault_config_valid(&c));
    double bad[] = {-0.01, 1.0000001, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int f = 0; f < 4; f++) {
            c = clean_config();
            double *fields[] = {&c.loss, &c.duplicate, &c.reorder, &c.corrupt};
            *fields[f] = bad[i];
            assert_false(weir_fault_config_valid(&c));
        }
    }
    c = clean_config();
    c.delay_min_us = 10;
    c.delay_max_us = 9;
    assert_false(weir_fault_config_valid(&c));
    c.delay_max_us = 10;
    assert_true(weir_fault_config_valid(&c));
}

static void misuse_yields_an_unimpaired_verdict(void **state)
{
    (void)state;
    weir_fault_rng r;
    weir_fault_rng_seed(&r, 8);
    weir_fault_config c = clean_config();
    c.loss = NAN;
    weir_fault_verdict v;
    weir_fault_decide(&c, &r, 10, &v);
    assert_false(v.drop);
    assert_int_equal(v.copies, 1);
    weir_fault_decide(NULL, &r, 10, &v);
    assert_int_equal(v.copies, 1);
    weir_fault_decide(&c, NULL, 10, &v);
    assert_int_equal(v.copies, 1);
    weir_fault_decide(&c, &r, 10, NULL); /* nothing to fill: no crash */
    weir_fault_rng_seed(NULL, 1);
    assert_true(weir_fault_rng_next(NULL) == 0);
}

static void same_seed_gives_same_decisions(void **state)
{
    (void)state;
    weir_fault_config c = clean_config();
    c.loss = 0.2;
    c.duplicate = 0.2;
    c.reorder = 0.2;
    c.corrupt = 0.2;
    c.delay_min_us = 0;
    c.delay_max_us = 1000;
    weir_fault_rng a, b, other;
    weir_fault_rng_seed(&a, 99);
    weir_fault_rng_seed(&b, 99);
    weir_fault_rng_seed(&other, 100);
    int differ = 0;
    for (int i = 0; i < DRAWS / 10; i++) {
        weir_fault_verdict va, vb, vo;
        size_t len = (size_t)(20 + i % 1480);
        weir_fault_decide(&c, &a, len, &va);
        weir_fault_decide(&c, &b, len, &vb);
        weir_fault_decide(&c, &other, len, &vo);
        assert_memory_equal(&va, &vb, sizeof(va));
        differ += memcmp(&va, &vo, sizeof(va)) != 0;
    }
    assert_true(differ > DRAWS / 20); /* another seed really is another run */
}

/* Each decision consumes exactly DRAWS_PER_FRAME values whatever the config, so switching one
 * impairment on never reshuffles the others. */
static void each_decision_draws_a_fixed_count(void **state)
{
    (void)state;
    weir_fault_config configs[3];
    configs[0] = clean_config();
    configs[1] = clean_config();
    configs[1].loss = 1.0;
    configs[2] = clean_config();
    configs[2].duplicate = configs[2].reorder = configs[2].corrupt = 1.0;
    configs[2].delay_max_us = 50;
    for (int k = 0; k < 3; k++) {
        weir_fault_rng r, ref;
        weir_fault_rng_seed(&r, 11);
        weir_fault_rng_seed(&ref, 11);
        weir_fault_verdict v;
        weir_fault_decide(&configs[k], &r, 64, &v);
        for (int i = 0; i < DRAWS_PER_FRAME; i++)
            (void)weir_fault_rng_next(&ref);
        assert_memory_equal(&r, &ref, sizeof(r));
    }
    /* So the loss pattern is the same with or without duplication on. */
    weir_fault_config l = clean_config(), ld = clean_config();
    l.loss = ld.loss = 0.3;
    ld.duplicate = 0.5;
    weir_fault_rng r1, r2;
    weir_fault_rng_seed(&r1, 12);
    weir_fault_rng_seed(&r2, 12);
    for (int i = 0; i < 1000; i++) {
        weir_fault_verdict v1, v2;
        weir_fault_decide(&l, &r1, 64, &v1);
        weir_fault_decide(&ld, &r2, 64, &v2);
        assert_int_equal(v1.drop, v2.drop);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rng_matches_reference_outputs),
        cmocka_unit_test(rng_unit_is_in_half_open_interval),
        cmocka_unit_test(probabilities_zero_never_fire),
        cmocka_unit_test(probabilities_one_always_fire),
        cmocka_unit_test(reorder_delay_is_configurable),
        cmocka_unit_test(empty_frame_is_never_corrupted),
        cmocka_unit_test(rates_match_probabilities_over_many_draws),
        cmocka_unit_test(corrupt_bits_cover_the_whole_frame),
        cmocka_unit_test(full_delay_range_does_not_overflow),
        cmocka_unit_test(invalid_configs_are_rejected),
        cmocka_unit_test(misuse_yields_an_unimpaired_verdict),
        cmocka_unit_test(same_seed_gives_same_decisions),
        cmocka_unit_test(each_decision_draws_a_fixed_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
