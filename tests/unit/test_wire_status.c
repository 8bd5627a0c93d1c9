/* test_wire_status.c — every wire status has its own printable name (drop counters and traces
 * key on them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/wire.h"

static void every_status_has_a_distinct_name(void **state)
{
    (void)state;
    const char *names[WEIR_WIRE_BAD_REPR + 1];
    for (int st = WEIR_WIRE_OK; st <= WEIR_WIRE_BAD_REPR; st++) {
        names[st] = weir_wire_status_name((weir_wire_status)st);
        assert_non_null(names[st]);
        assert_string_not_equal(names[st], "unknown");
        for (int other = 0; other < st; other++)
            assert_string_not_equal(names[st], names[other]);
    }
    assert_string_equal(weir_wire_status_name(WEIR_WIRE_BAD_OPTION), "bad_option");
}

static void out_of_range_status_is_unknown(void **state)
{
    (void)state;
    assert_string_equal(weir_wire_status_name((weir_wire_status)(WEIR_WIRE_BAD_REPR + 1)),
                        "unknown");
    assert_string_equal(weir_wire_status_name((weir_wire_status)-1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_status_has_a_distinct_name),
        cmocka_unit_test(out_of_range_status_is_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
