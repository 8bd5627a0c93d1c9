/* test_tcp_demux.c — demultiplexing segments to connections (tcp_table.c): recently found
 * connections are cached in front of the hash table, and that cache must forget a record as
 * soon as it leaves the table — freed (an abort), closed while the application still holds it
 * (a RST), or replaced by a new incarnation of the same four-tuple. Under ASan a stale cache
 * entry is a use after free; in every build it would deliver the segment to the wrong record.
 * Hundreds of connections share the cache's entries and grow and shrink the bucket array. */
#include "harness.h"

#include <string.h>

/* The peer's segments to the scripted connection reach it: data in, its ACK out. */
static void data_is_acked(harness *h, uint32_t rseq, const char *text)
{
    size_t n = strlen(text);
    h_send(h, H_ACK | H_PSH, rseq, 1, H_WIN, text, n);
    h_expect(h, H_ACK, 1, rseq + (uint32_t)n, 0);
}

/* The connection the cache holds is aborted (freed); the peer's next segment for the same
 * four-tuple finds no connection: the listener answers the stray ACK with a RST. */
static void segment_after_the_cached_connection_is_freed_finds_none(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    data_is_acked(h, 1, "ab"); /* demux found it: now the cached connection */
    assert_int_equal(weir_tcp_abort(h->s, h->sock), 0);
    h->sock = -1;
    h_seg g;
    assert_true(h_pop(h, &g) && (g.flags & H_RST));
    assert_int_equal(h_stats(h).tcp_conns, 1); /* the listener only */
    h_send(h, H_ACK | H_PSH, 3, 1, H_WIN, "cd", 2);
    h_expect(h, H_RST, 1, 0, 0); /* <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.2) */
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h_finish(h);
}

/* A RST closes the connection while the application still holds the handle: the record lives on
 * (CLOSED, unhashed), and a later segment for its tuple must not reach it. */
static void segment_after_the_cached_connection_is_reset_finds_none(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    data_is_acked(h, 1, "ab");
    h_send(h, H_RST, 3, 0, 0, NULL, 0);
    h_expect_none(h);
    h_assert_state(h, WEIR_TCP_CLOSED);
    h_send(h, H_ACK | H_PSH, 3, 1, H_WIN, "cd", 2);
    h_expect(h, H_RST, 1, 0, 0);
    uint8_t buf[16];
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 2); /* "ab", never "cd" */
    assert_memory_equal(buf, "ab", 2);
    h_finish(h);
}

/* After the abort, a new SYN on the same four-tuple opens a new connection, and the segments
 * that follow go to it (not to the freed record the cache held). */
static void new_incarnation_of_the_cached_tuple_gets_its_segments(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    data_is_acked(h, 1, "ab");
    assert_int_equal(weir_tcp_abort(h->s, h->sock), 0);
    h->sock = -1;
    h_flush(h);
    h->irs += 100000; /* the new incarnation's ISN */
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g));
    assert_int_equal(g.flags, H_SYN | H_ACK);
    assert_int_equal(g.ack, h->irs + 1);
    h->iss = g.seq;
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_none(h);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    weir_endpoint peer;
    h->sock = weir_tcp_accept(h->s, h->lsock, &peer);
    assert_true(h->sock >= 0);
    data_is_acked(h, 1, "new");
    uint8_t buf[16];
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 3);
    assert_memory_equal(buf, "new", 3);
    h_finish(h);
}

/* Two connections from two peer ports, their segments interleaved: each reaches its own. */
static void interleaved_connections_each_get_their_own_segments(void **state)
{
    (void)state;
    harness *h = h_new();
    h_established_passive(h);
    int first = h->sock;
    uint32_t first_iss = h->iss;
    uint16_t first_port = h->pport;
    h->pport = (uint16_t)(first_port + 1);
    h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
    h_seg g;
    assert_true(h_pop(h, &g) && g.flags == (H_SYN | H_ACK));
    uint32_t second_iss = g.seq;
    h->iss = second_iss;
    h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
    h_expect_event(h, h->lsock, WEIR_EV_ACCEPTABLE);
    weir_endpoint peer;
    int second = weir_tcp_accept(h->s, h->lsock, &peer);
    assert_true(second >= 0);
    h_track(h, second);
    for (uint32_t i = 0; i < 4; i++) {
        h->pport = first_port;
        h->iss = first_iss;
        data_is_acked(h, 1 + i, "a");
        h->pport = (uint16_t)(first_port + 1);
        h->iss = second_iss;
        data_is_acked(h, 1 + 2 * i, "bb");
    }
    uint8_t buf[16];
    h->sock = first;
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 4);
    assert_memory_equal(buf, "aaaa", 4);
    h->sock = second;
    assert_int_equal(h_app_recv(h, buf, sizeof buf), 8);
    assert_memory_equal(buf, "bbbbbbbb", 8);
    h->sock = first;
    h_finish(h);
}

/* 300 connections: more than the demux cache has entries, so many share one; the bucket array
 * grows past its 16 entries as they are hashed; every segment still finds its own (the ACKs go
 * in reverse order, the RSTs in order), and once they are gone the array is back to its first
 * size (h_finish's memory check). */
static void the_table_grows_and_shrinks_with_the_connections(void **state)
{
    (void)state;
    enum { N = 300 };
    harness *h = h_new();
    h->lsock = weir_tcp_socket(h->s);
    assert_true(h->lsock >= 0);
    assert_int_equal(weir_tcp_bind(h->s, h->lsock, (weir_endpoint){H_LOCAL_IP, 81}), 0);
    assert_int_equal(weir_tcp_listen(h->s, h->lsock, N), 0);
    h->lport = 81;
    uint32_t iss[N];
    for (uint16_t i = 0; i < N; i++) {
        h->pport = (uint16_t)(H_PEER_PORT + i);
        h_send(h, H_SYN, 0, 0, H_WIN, NULL, 0);
        h_seg g;
        assert_true(h_pop(h, &g) && g.flags == (H_SYN | H_ACK));
        iss[i] = g.seq;
    }
    for (uint16_t i = N; i-- > 0;) { /* each ACK completes its own handshake */
        h->pport = (uint16_t)(H_PEER_PORT + i);
        h->iss = iss[i];
        h_send(h, H_ACK, 1, 1, H_WIN, NULL, 0);
        h_expect_none(h);
    }
    assert_int_equal(h_counter(h, WEIR_CTR_TCP_ESTABLISHED), N);
    assert_int_equal(h_stats(h).tcp_conns, N + 1);
    for (uint16_t i = 0; i < N; i++) {
        h->pport = (uint16_t)(H_PEER_PORT + i);
        h->iss = iss[i];
        h_send(h, H_RST, 1, 0, 0, NULL, 0);
        h_expect_none(h);
    }
    assert_int_equal(h_stats(h).tcp_conns, 1);
    h_clear_events(h);
    h_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(segment_after_the_cached_connection_is_freed_finds_none),
        H_TEST(segment_after_the_cached_connection_is_reset_finds_none),
        H_TEST(new_incarnation_of_the_cached_tuple_gets_its_segments),
        H_TEST(interleaved_connections_each_get_their_own_segments),
        H_TEST(the_table_grows_and_shrinks_with_the_connections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
