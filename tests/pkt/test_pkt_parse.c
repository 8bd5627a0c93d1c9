/* test_pkt_parse.c — the `weir pkt` front end: lexer, parser and the %{ }% evaluator, on small
 * fragments of the .pkt language (../shared/packetdrill/README.md §2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

static pkt_defines standard(void)
{
    pkt_defines d = {.count = 1};
    d.name[0] = "STANDARD";
    d.value[0] = "1";
    return d;
}

/* Parse `src`; returns 0 or -1 and keeps the arena for the caller to free. */
static int parse(pkt_arena *a, const char *src, pkt_script *s, char *err)
{
    pkt_defines d = standard();
    return pkt_parse(a, "test.pkt", src, strlen(src), &d, s, err, 256);
}

static void lexer_splits_blocking_times_and_seq_ranges(void **state)
{
    (void)state;
    pkt_arena a = {0};
    pkt_tok *t;
    char err[256];
    const char *src = "+.1...0.200 1:1001(1000) -1 0x02 S. `sh` %{ x }% \"s\"";
    int n = pkt_lex(&a, src, strlen(src), NULL, &t, err, sizeof err);
    assert_int_equal(n, 18);
    assert_true(t[0].kind == TK_PUNCT && t[0].ch == '+');
    assert_true(t[1].kind == TK_FLOAT && t[1].fval > 0.09 && t[1].fval < 0.11);
    assert_int_equal(t[2].kind, TK_ELLIPSIS);
    assert_int_equal(t[3].kind, TK_FLOAT);
    assert_true(t[4].kind == TK_INT && t[4].ival == 1);
    assert_true(t[5].kind == TK_PUNCT && t[5].ch == ':');
    assert_true(t[6].kind == TK_INT && t[6].ival == 1001);
    assert_true(t[10].kind == TK_INT && t[10].ival == -1);
    assert_true(t[11].kind == TK_INT && t[11].ival == 2);
    assert_true(t[12].kind == TK_WORD && strcmp(t[12].text, "S") == 0);
    assert_true(t[13].kind == TK_PUNCT && t[13].ch == '.' && !t[13].space_before);
    assert_true(t[14].kind == TK_SHELL && strcmp(t[14].text, "sh") == 0);
    assert_true(t[15].kind == TK_CODE && strcmp(t[15].text, " x ") == 0);
    assert_true(t[16].kind == TK_STRING && strcmp(t[16].text, "s") == 0);
    assert_int_equal(t[17].kind, TK_EOF);
    pkt_arena_free(&a);
}

static void lexer_drops_comments_and_keeps_line_numbers(void **state)
{
    (void)state;
    pkt_arena a = {0};
    pkt_tok *t;
    char err[256];
    const char *src = "// one\n/* two\n three */ x // four\n--tolerance_usecs=5\ny";
    int n = pkt_lex(&a, src, strlen(src), NULL, &t, err, sizeof err);
    assert_int_equal(n, 4);
    assert_true(t[0].kind == TK_WORD && t[0].line == 3);
    assert_true(t[1].kind == TK_OPTION && strcmp(t[1].text, "tolerance_usecs=5") == 0);
    assert_true(t[2].kind == TK_WORD && t[2].line == 5);
    pkt_arena_free(&a);
}

static void ifdef_keeps_the_standard_branch(void **state)
{
    (void)state;
    pkt_arena a = {0};
    pkt_script s;
    char err[256];
    const char *src = "0 close(3) = 0\n#ifdef STANDARD\n+0 close(4) = 0\n#endif\n"
                      "#ifdef FreeBSD\n+0 close(5) = 0\n#endif\n";
    assert_int_equal(parse(&a, src, &s, err), 0);
    assert_int_equal(s.nevents, 2);
    assert_int_equal(s.events[1].line, 3);
    assert_int_equal(s.events[1].sys->args[0]->ival, 4);
    pkt_arena_free(&a);
}

static void packet_lines_give_flags_seq_ack_win_and_options(void **state)
{
    (void)state;
    pkt_arena a = {0};
    pkt_script s;
    char err[256];
    const char *src =
        "0.1 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>\n"
        "+0 < P. 1:1001(1000) ack 1 win 257 <nop,nop,sack 1:2 3:4>\n"
        "* > F. 1:1(0) ack 2 <...>\n"
        "+0 > S. ...(0) ack 65537 win 65535 <mss 1460,eol,eol>\n"
        "+0 < [noecn] - 1:1001(1000) win 20000\n";
    assert_int_equal(parse(&a, src, &s, err), 0);
    assert_int_equal(s.nevents, 5);
    const pkt_packet *p = s.events[0].pkt;
    assert_false(p->inbound);
    assert_int_equal(p->flags, PKT_SYN | PKT_ACK);
    assert_true(p->has_ack && p->ack == 1 && p->has_win && p->win == 65535);
    assert_int_equal(p->opts_mode, PKT_OPTS_LIST);
    assert_int_equal(p->nopts, 5);
    assert_true(p->opts[0].kind == PO_MSS && p->opts[0].val == 1460);
    assert_true(p->opts[4].kind == PO_TS && p->opts[4].val == 100 && p->opts[4].ecr == 0);
    assert_int_equal(s.events[0].time.kind, PT_ABS);
    assert_int_equal(s.events[0].time.us, 100000);
    p = s.events[1].pkt;
    assert_true(p->inbound && p->flags == (PKT_PSH | PKT_ACK) && p->seq == 1 && p->len == 1000);
    assert_true(p->opts[2].kind == PO_SACK && p->opts[2].nblocks == 2 && p->opts[2].right[1] == 4);
    assert_int_equal(s.events[2].time.kind, PT_ANY);
    assert_int_equal(s.events[2].pkt->opts_mode, PKT_OPTS_ANY);
    assert_true(s.events[3].pkt->seq_any && s.events[3].pkt->ack == 65537);
    assert_int_equal(s.events[4].pkt->flags, 0);
    assert_string_equal(s.events[4].pkt->ip_info, "noecn");
    pkt_arena_free(&a);
}

static void time_ranges_and_blocking_calls(void **state)
{
    (void)state;
    pkt_arena a = {0};
    pkt_script s;
    char err[256];
    const char *src = "+.3~+.310 > . 1:1001(1000) ack 1\n+.1...0.200 connect(3, ..., ...) = 0\n";
    assert_int_equal(parse(&a, src, &s, err), 0);
    const pkt_time *t = &s.events[0].time;
    assert_true(t->kind == PT_REL && t->range && t->us == 300000 && t->end_us == 310000);
    t = &s.events[1].time;
    assert_true(t->kind == PT_REL && t->blocking && t->us == 100000 &&
                t->block_end_us == 200000);
    pkt_arena_free(&a);
}

static void syscalls_span_lines_with_structs_lists_and_notes(void **state)
{
    (void)state;
    pkt_arena a = {0};
    pkt_script s;
    char err[256];
    const char *src =
        "+0 sendmsg(4, {msg_name(...)=...,\n"
        "               msg_iov(3)=[{..., 100}, {..., 200}, {..., 195}],\n"
        "               msg_flags=0}, 0) = 495\n"
        "+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
        "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
        "+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n"
        "+0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)\n";
    assert_int_equal(parse(&a, src, &s, err), 0);
    assert_int_equal(s.nevents, 5);
    const pkt_syscall *sc = s.events[0].sys;
    assert_string_equal(sc->name, "sendmsg");
    assert_int_equal(sc->nargs, 3);
    assert_int_equal(sc->args[1]->kind, PE_STRUCT);
    assert_int_equal(sc->args[1]->nkids, 3);
    assert_int_equal(sc->ret->ival, 495);
    sc = s.events[1].sys;
    assert_string_equal(sc->args[3]->kids[1]->name, "linger");
    sc = s.events[2].sys;
    assert_int_equal(sc->ret->ival, -1);
    assert_string_equal(sc->errno_name, "EINPROGRESS");
    assert_int_equal(s.events[3].sys->args[2]->kind, PE_OR);
    assert_int_equal(s.events[4].sys->ret->ival, 2);
    assert_int_equal(s.events[4].line, 7);
    pkt_arena_free(&a);
}

static void unsupported_tcp_options_parse_for_a_static_skip(void **state)
{
    (void)state;
    pkt_arena a = {0};
    pkt_script s;
    char err[256];
    assert_int_equal(parse(&a, "0 < S 0:0(0) win 1 <mss 1460,FO TFO_COOKIE,nop>\n", &s, err), 0);
    assert_int_equal(s.events[0].pkt->opts[1].kind, PO_UNSUPPORTED);
    assert_string_equal(s.events[0].pkt->opts[1].name, "FO");
    assert_int_equal(s.events[0].pkt->opts[2].kind, PO_NOP);
    pkt_arena_free(&a);
}

static void grammar_errors_name_their_line(void **state)
{
    (void)state;
    static const char *const k_bad[] = {
        "0 > . 1:5(3) ack 1\n",              /* end != start + len */
        "0 close(3) = 0\n+.2~.3 > . 1:1(0)\n", /* range ends of different kinds */
        "0 close(3) = 0\n* < . 1:1(0) win 1\n", /* '*' on an inbound packet */
        "0 close(3) = 0\n+0 > P. 1:11(10) ack\n",
        "0 close(3 = 0\n",
        "0 `unterminated\n",
    };
    for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
        pkt_arena a = {0};
        pkt_script s;
        char err[256] = "";
        assert_int_equal(parse(&a, k_bad[i], &s, err), -1);
        assert_true(strncmp(err, "line ", 5) == 0);
        pkt_arena_free(&a);
    }
}

static void asserts_evaluate_over_a_name_map(void **state)
{
    (void)state;
    pkt_namemap m = {0};
    pkt_namemap_set(&m, "tcpi_snd_cwnd", 10);
    pkt_namemap_set(&m, "tcpi_options", 0x20);
    pkt_namemap_set(&m, "TCPI_OPT_SYN_DATA", 0x20);
    char d[160];
    assert_int_equal(pkt_code_eval(" assert tcpi_snd_cwnd == 10, 'cwnd=%d' % tcpi_snd_cwnd ",
                                   &m, d, sizeof d),
                     PKT_ASSERT_TRUE);
    assert_int_equal(pkt_code_eval("assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0", &m, d,
                                   sizeof d),
                     PKT_ASSERT_TRUE);
    assert_int_equal(pkt_code_eval("assert 5 < tcpi_snd_cwnd * 2 <= 20 and not 0", &m, d,
                                   sizeof d),
                     PKT_ASSERT_TRUE);
    assert_int_equal(pkt_code_eval("assert tcpi_snd_cwnd == 10; assert tcpi_snd_cwnd == 11",
                                   &m, d, sizeof d),
                     PKT_ASSERT_FALSE);
    assert_int_equal(pkt_code_eval("# note\nassert tcpi_snd_cwnd == \\\n 10\n", &m, d, sizeof d),
                     PKT_ASSERT_TRUE);
    assert_int_equal(pkt_code_eval("assert tcpi_lost == 0", &m, d, sizeof d),
                     PKT_ASSERT_UNKNOWN);
    assert_string_equal(d, "tcpi_lost");
    assert_int_equal(pkt_code_eval("x = 3", &m, d, sizeof d), PKT_ASSERT_SYNTAX);
    assert_int_equal(pkt_code_eval("assert (1 == 1", &m, d, sizeof d), PKT_ASSERT_SYNTAX);
    int64_t v;
    assert_true(pkt_expr_int("32*1024*1024", &v) && v == 33554432);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lexer_splits_blocking_times_and_seq_ranges),
        cmocka_unit_test(lexer_drops_comments_and_keeps_line_numbers),
        cmocka_unit_test(ifdef_keeps_the_standard_branch),
        cmocka_unit_test(packet_lines_give_flags_seq_ack_win_and_options),
        cmocka_unit_test(time_ranges_and_blocking_calls),
        cmocka_unit_test(syscalls_span_lines_with_structs_lists_and_notes),
        cmocka_unit_test(unsupported_tcp_options_parse_for_a_static_skip),
        cmocka_unit_test(grammar_errors_name_their_line),
        cmocka_unit_test(asserts_evaluate_over_a_name_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
