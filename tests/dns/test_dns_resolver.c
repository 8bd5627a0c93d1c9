/* test_dns_resolver.c — the sans-IO stub resolver (src/dns/resolver.c) driven by fake time and a
 * fixed "random" value: literals, the query it sends, retries with doubling timeouts, the
 * timeout, which datagrams it believes and which it ignores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/resolver.h"
#include "dns_fixtures.h"
#include "wire/dns.h"

#define WWW "www.example.com"
#define SEC 1000000u
#define T0 5000000u /* an arbitrary start time: nothing may assume time starts at 0 */

/* ID 0x1a2b in the low half, port 49152 + 0x0123 in the high half. */
#define RANDOM ((uint32_t)0x0123u << 16 | FX_ID)
#define SRC_PORT (49152u + 0x0123u)

static void start(weir_dns_resolver *r, const weir_dns_resolver_config *cfg)
{
    weir_dns_resolver_init(r, cfg);
    assert_int_equal(weir_dns_resolver_start(r, WWW, FX_SERVER, T0, RANDOM), WEIR_DNS_PENDING);
}

static void expect_send(weir_dns_resolver *r, uint64_t now)
{
    weir_dns_datagram d;
    assert_true(weir_dns_resolver_next_send(r, now, &d));
    assert_int_equal(d.len, sizeof(fx_query_www));
    assert_memory_equal(d.data, fx_query_www, sizeof(fx_query_www));
    assert_int_equal(d.dst_ip, FX_SERVER);
    assert_int_equal(d.dst_port, 53);
    assert_int_equal(d.src_port, SRC_PORT);
}

static void expect_quiet(weir_dns_resolver *r, uint64_t now)
{
    weir_dns_datagram d;
    assert_false(weir_dns_resolver_next_send(r, now, &d));
}

static weir_dns_status deliver(weir_dns_resolver *r, const uint8_t *msg, size_t len, uint64_t now)
{
    return weir_dns_resolver_on_datagram(r, msg, len, FX_SERVER, 53, SRC_PORT, now);
}

static void literal_address_is_answered_without_a_query(void **state)
{
    (void)state;
    weir_dns_resolver r;
    weir_dns_resolver_init(&r, NULL);
    assert_int_equal(weir_dns_resolver_start(&r, "192.0.2.77", FX_SERVER, T0, RANDOM), WEIR_DNS_OK);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_OK);
    const weir_dns_result *res = weir_dns_resolver_result(&r);
    assert_int_equal(res->naddrs, 1);
    assert_int_equal(res->addrs[0], 0xc000024du);
    assert_string_equal(res->canonical_name, "192.0.2.77");
    assert_int_equal(weir_dns_resolver_deadline(&r), UINT64_MAX);
    expect_quiet(&r, T0);
    assert_int_equal(weir_dns_resolver_get_stats(&r)->sent, 0);
    assert_int_equal(weir_dns_resolver_src_port(&r), 0);

    assert_int_equal(weir_dns_resolver_start(&r, "0.0.0.0", FX_SERVER, T0, RANDOM), WEIR_DNS_OK);
    assert_int_equal(weir_dns_resolver_result(&r)->addrs[0], 0);
    assert_int_equal(weir_dns_resolver_start(&r, "255.255.255.255", FX_SERVER, T0, RANDOM),
                     WEIR_DNS_OK);
    assert_int_equal(weir_dns_resolver_result(&r)->addrs[0], 0xffffffffu);
}

/* Only the strict dotted quad is a literal; anything else that is a valid name is asked for. */
static void almost_literals_are_looked_up(void **state)
{
    (void)state;
    static const char *names[] = {"1.2.3",    "1.2.3.4.5",  "256.1.1.1", "01.2.3.4",
                                  "1.2.3.4.", "1.2.3.0004", "1.2.3.4a"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        weir_dns_resolver r;
        weir_dns_resolver_init(&r, NULL);
        assert_int_equal(weir_dns_resolver_start(&r, names[i], FX_SERVER, T0, RANDOM),
                         WEIR_DNS_PENDING);
    }
    weir_dns_resolver r;
    weir_dns_resolver_init(&r, NULL);
    assert_int_equal(weir_dns_resolver_start(&r, "1.2.3.-4", FX_SERVER, T0, RANDOM),
                     WEIR_DNS_PENDING); /* a hyphen is a name character */
    assert_int_equal(weir_dns_resolver_start(&r, "1.2.3. 4", FX_SERVER, T0, RANDOM),
                     WEIR_DNS_NAME_INVALID);
}

static void invalid_name_fails_to_start_and_stays_idle(void **state)
{
    (void)state;
    weir_dns_resolver r;
    weir_dns_resolver_init(&r, NULL);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_IDLE);
    assert_int_equal(weir_dns_resolver_start(&r, "a..b", FX_SERVER, T0, RANDOM),
                     WEIR_DNS_NAME_INVALID);
    assert_int_equal(weir_dns_resolver_start(&r, NULL, FX_SERVER, T0, RANDOM),
                     WEIR_DNS_NAME_INVALID);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_IDLE);
    assert_int_equal(weir_dns_resolver_deadline(&r), UINT64_MAX);
    expect_quiet(&r, T0 + 100 * (uint64_t)SEC);
}

static void id_and_source_port_come_from_the_random_value(void **state)
{
    (void)state;
    weir_dns_resolver r;
    weir_dns_resolver_init(&r, NULL);
    assert_int_equal(weir_dns_resolver_start(&r, WWW, FX_SERVER, T0, 0xffffbeefu),
                     WEIR_DNS_PENDING);
    assert_int_equal(weir_dns_resolver_src_port(&r), 65535);
    weir_dns_datagram d;
    assert_true(weir_dns_resolver_next_send(&r, T0, &d));
    assert_int_equal(weir_get16(d.data), 0xbeef);
    assert_int_equal(d.src_port, 65535);
    assert_int_equal(weir_dns_resolver_start(&r, WWW, FX_SERVER, T0, 0x40000000u),
                     WEIR_DNS_PENDING);
    assert_int_equal(weir_dns_resolver_src_port(&r), 49152);
    assert_true(weir_dns_resolver_next_send(&r, T0, &d));
    assert_int_equal(weir_get16(d.data), 0);
}

static void first_query_is_due_at_once(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_PENDING);
    assert_int_equal(weir_dns_resolver_deadline(&r), T0);
    assert_int_equal(weir_dns_resolver_src_port(&r), SRC_PORT);
    expect_send(&r, T0);
    assert_int_equal(weir_dns_resolver_deadline(&r), T0 + SEC);
    expect_quiet(&r, T0);
    expect_quiet(&r, T0 + SEC - 1);
}

/* 1 s, 2 s, 4 s: sends at 0, 1 and 3 s, gives up at 7 s. Every retry is the same query. */
static void retries_double_the_timeout_then_time_out(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    expect_quiet(&r, T0 + SEC - 1);
    expect_send(&r, T0 + SEC);
    assert_int_equal(weir_dns_resolver_deadline(&r), T0 + 3 * SEC);
    expect_quiet(&r, T0 + 3 * SEC - 1);
    expect_send(&r, T0 + 3 * SEC);
    assert_int_equal(weir_dns_resolver_deadline(&r), T0 + 7 * SEC);
    expect_quiet(&r, T0 + 7 * SEC - 1);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_PENDING);
    expect_quiet(&r, T0 + 7 * SEC);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_TIMEOUT);
    assert_int_equal(weir_dns_resolver_deadline(&r), UINT64_MAX);
    assert_int_equal(weir_dns_resolver_get_stats(&r)->sent, 3);
    /* An answer after the timeout is too late. */
    assert_int_equal(deliver(&r, fx_answer_plain, sizeof(fx_answer_plain), T0 + 8 * SEC),
                     WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_TIMEOUT);
}

/* The timeout runs from the moment a try actually goes out. */
static void late_caller_gets_the_full_timeout(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0 + 500);
    assert_int_equal(weir_dns_resolver_deadline(&r), T0 + 500 + SEC);
    expect_send(&r, T0 + 5 * SEC);
    assert_int_equal(weir_dns_resolver_deadline(&r), T0 + 7 * SEC);
}

static void configured_tries_and_timeout_are_honoured(void **state)
{
    (void)state;
    weir_dns_resolver r;
    weir_dns_resolver_config cfg = {.timeout_us = 250000, .tries = 2};
    start(&r, &cfg);
    expect_send(&r, T0);
    expect_quiet(&r, T0 + 249999);
    expect_send(&r, T0 + 250000);
    expect_quiet(&r, T0 + 749999);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_PENDING);
    expect_quiet(&r, T0 + 750000);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_TIMEOUT);

    /* Out-of-range values are clamped rather than trusted. */
    cfg.timeout_us = UINT64_MAX;
    cfg.tries = 200;
    start(&r, &cfg);
    int sends = 0;
    weir_dns_datagram d;
    for (uint64_t now = T0; weir_dns_resolver_status(&r) == WEIR_DNS_PENDING;
         now = weir_dns_resolver_deadline(&r))
        sends += weir_dns_resolver_next_send(&r, now, &d);
    assert_int_equal(sends, WEIR_DNS_RESOLVER_MAX_TRIES);
}

static void answer_ends_the_resolution(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    assert_int_equal(deliver(&r, fx_answer_compressed, sizeof(fx_answer_compressed), T0 + 20000),
                     WEIR_DNS_OK);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_OK);
    const weir_dns_result *res = weir_dns_resolver_result(&r);
    assert_int_equal(res->naddrs, 2);
    assert_int_equal(res->addrs[0], 0xc0000201u);
    assert_int_equal(res->addrs[1], 0xc0000202u);
    assert_int_equal(weir_dns_resolver_deadline(&r), UINT64_MAX);
    expect_quiet(&r, T0 + 100 * (uint64_t)SEC);
    /* A duplicate of the answer changes nothing. */
    assert_int_equal(deliver(&r, fx_answer_plain, sizeof(fx_answer_plain), T0 + 30000),
                     WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_resolver_result(&r)->naddrs, 2);
    assert_int_equal(weir_dns_resolver_get_stats(&r)->unexpected, 1);
}

/* The answer to the first try arrives after the second went out: same ID, still ours. */
static void answer_after_a_retry_is_accepted(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    expect_send(&r, T0 + SEC);
    assert_int_equal(
        deliver(&r, fx_answer_cname_chain, sizeof(fx_answer_cname_chain), T0 + SEC + 300000),
        WEIR_DNS_OK);
    assert_string_equal(weir_dns_resolver_result(&r)->canonical_name, "edge.example.net");
    assert_int_equal(weir_dns_resolver_get_stats(&r)->sent, 2);
}

/* Due to time out, but the caller had not yet told us: the answer is here, take it. */
static void answer_just_before_the_timeout_is_noticed_is_accepted(void **state)
{
    (void)state;
    weir_dns_resolver_config cfg = {.tries = 1};
    weir_dns_resolver r;
    start(&r, &cfg);
    expect_send(&r, T0);
    assert_int_equal(deliver(&r, fx_answer_plain, sizeof(fx_answer_plain), T0 + 2 * SEC),
                     WEIR_DNS_OK);
}

static void spoofed_answer_from_another_address_or_port_is_ignored(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    const uint8_t *m = fx_answer_plain;
    size_t n = sizeof(fx_answer_plain);
    assert_int_equal(weir_dns_resolver_on_datagram(&r, m, n, FX_SERVER + 1, 53, SRC_PORT, T0 + 1),
                     WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_resolver_on_datagram(&r, m, n, FX_SERVER, 5353, SRC_PORT, T0 + 2),
                     WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_resolver_on_datagram(&r, m, n, FX_SERVER, 53, SRC_PORT + 1, T0 + 3),
                     WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_PENDING);
    assert_int_equal(weir_dns_resolver_get_stats(&r)->wrong_endpoint, 3);
    /* The real one still gets through. */
    assert_int_equal(deliver(&r, fx_answer_compressed, sizeof(fx_answer_compressed), T0 + 4),
                     WEIR_DNS_OK);
    assert_int_equal(weir_dns_resolver_result(&r)->naddrs, 2);
}

/* From the right place but not the answer (another ID or question), or broken: either could be
 * forged by someone who cannot see the query, so neither ends the wait. */
static void mismatched_or_malformed_answers_are_ignored(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    uint8_t msg[sizeof(fx_answer_plain)];
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[1] ^= 1; /* another ID */
    assert_int_equal(deliver(&r, msg, sizeof(msg), T0 + 1), WEIR_DNS_MISMATCH);
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[13] = 'x'; /* xww.example.com */
    assert_int_equal(deliver(&r, msg, sizeof(msg), T0 + 2), WEIR_DNS_MISMATCH);
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[59] = 5; /* RDLENGTH 5 */
    assert_int_equal(deliver(&r, msg, sizeof(msg), T0 + 3), WEIR_DNS_MALFORMED);
    assert_int_equal(deliver(&r, msg, 5, T0 + 4), WEIR_DNS_MALFORMED);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_PENDING);
    const weir_dns_resolver_stats *st = weir_dns_resolver_get_stats(&r);
    assert_int_equal(st->mismatched, 2);
    assert_int_equal(st->malformed, 2);
    /* The timer is not disturbed: the retry is still due at 1 s. */
    assert_int_equal(weir_dns_resolver_deadline(&r), T0 + SEC);
    expect_send(&r, T0 + SEC);
    assert_int_equal(deliver(&r, fx_answer_plain, sizeof(fx_answer_plain), T0 + SEC + 1),
                     WEIR_DNS_OK);
}

static void datagram_before_the_first_send_is_unexpected(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    assert_int_equal(deliver(&r, fx_answer_plain, sizeof(fx_answer_plain), T0), WEIR_DNS_MISMATCH);
    assert_int_equal(weir_dns_resolver_get_stats(&r)->unexpected, 1);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_PENDING);
}

static void nxdomain_ends_the_resolution(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    assert_int_equal(deliver(&r, fx_answer_nxdomain, sizeof(fx_answer_nxdomain), T0 + 1),
                     WEIR_DNS_NXDOMAIN);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_NXDOMAIN);
    assert_int_equal(weir_dns_resolver_result(&r)->rcode, WEIR_DNS_RCODE_NXDOMAIN);
    assert_int_equal(weir_dns_resolver_deadline(&r), UINT64_MAX);
}

/* No TCP fallback: TC is the end, reported as such. */
static void truncated_answer_ends_with_truncated(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    uint8_t msg[sizeof(fx_answer_plain)];
    memcpy(msg, fx_answer_plain, sizeof(msg));
    msg[2] |= 0x02;
    assert_int_equal(deliver(&r, msg, sizeof(msg), T0 + 1), WEIR_DNS_TRUNCATED);
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_TRUNCATED);
    expect_quiet(&r, T0 + 10 * (uint64_t)SEC);
}

static void restart_abandons_the_old_query(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    expect_send(&r, T0);
    assert_int_equal(weir_dns_resolver_start(&r, "mail.example.com", FX_SERVER, T0 + 10, 0x7777u),
                     WEIR_DNS_PENDING);
    assert_int_equal(weir_dns_resolver_get_stats(&r)->sent, 0);
    weir_dns_datagram d;
    assert_true(weir_dns_resolver_next_send(&r, T0 + 10, &d));
    assert_int_equal(weir_get16(d.data), 0x7777);
    assert_int_equal(d.src_port, 49152);
    /* The answer to the old question is not an answer to the new one. */
    assert_int_equal(weir_dns_resolver_on_datagram(&r, fx_answer_plain, sizeof(fx_answer_plain),
                                                   FX_SERVER, 53, 49152, T0 + 11),
                     WEIR_DNS_MISMATCH);
}

/* Run the way resolver.h shows, with the answer coming after two losses. */
static void usage_loop_from_the_header_resolves(void **state)
{
    (void)state;
    weir_dns_resolver r;
    start(&r, NULL);
    uint64_t now = T0;
    int sent = 0;
    while (weir_dns_resolver_status(&r) == WEIR_DNS_PENDING) {
        weir_dns_datagram d;
        if (weir_dns_resolver_next_send(&r, now, &d))
            sent++;
        if (weir_dns_resolver_status(&r) != WEIR_DNS_PENDING)
            break;
        if (sent == 3)
            deliver(&r, fx_answer_plain, sizeof(fx_answer_plain), now + 1000);
        else
            now = weir_dns_resolver_deadline(&r);
    }
    assert_int_equal(weir_dns_resolver_status(&r), WEIR_DNS_OK);
    assert_int_equal(sent, 3);
    assert_int_equal(now, T0 + 3 * SEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_address_is_answered_without_a_query),
        cmocka_unit_test(almost_literals_are_looked_up),
        cmocka_unit_test(invalid_name_fails_to_start_and_stays_idle),
        cmocka_unit_test(id_and_source_port_come_from_the_random_value),
        cmocka_unit_test(first_query_is_due_at_once),
        cmocka_unit_test(retries_double_the_timeout_then_time_out),
        cmocka_unit_test(late_caller_gets_the_full_timeout),
        cmocka_unit_test(configured_tries_and_timeout_are_honoured),
        cmocka_unit_test(answer_ends_the_resolution),
        cmocka_unit_test(answer_after_a_retry_is_accepted),
        cmocka_unit_test(answer_just_before_the_timeout_is_noticed_is_accepted),
        cmocka_unit_test(spoofed_answer_from_another_address_or_port_is_ignored),
        cmocka_unit_test(mismatched_or_malformed_answers_are_ignored),
        cmocka_unit_test(datagram_before_the_first_send_is_unexpected),
        cmocka_unit_test(nxdomain_ends_the_resolution),
        cmocka_unit_test(truncated_answer_ends_with_truncated),
        cmocka_unit_test(restart_abandons_the_old_query),
        cmocka_unit_test(usage_loop_from_the_header_resolves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
