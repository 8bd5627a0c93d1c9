/* test_pcap.c — the pcap writer: records read back through libpcap carry the same bytes, lengths
 * and virtual timestamps; bad arguments give clear errors; and, when tshark is installed, a real
 * dissector reads the file as IPv4 without complaint. */
#define _DEFAULT_SOURCE /* mkdtemp, popen and libpcap's BSD types under -std=c11 */

#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcap_writer.h"
#include "weir/err.h"

typedef struct tmp_dir {
    char dir[64];
    char file[128];
} tmp_dir;

static int tmp_setup(void **state)
{
    tmp_dir *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "/tmp/weir-test-pcap-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->file, sizeof(t->file), "%s/cap.pcap", t->dir);
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    tmp_dir *t = *state;
    unlink(t->file);
    rmdir(t->dir);
    free(t);
    return 0;
}

static uint16_t inet_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A well-formed IPv4 ICMP echo request 10.0.0.1 -> 10.0.0.2 with `payload` bytes of data, so a
 * dissector has nothing to warn about. Returns the frame length. */
static size_t make_ping(uint8_t *buf, size_t payload, uint16_t seq)
{
    size_t len = 20 + 8 + payload;
    memset(buf, 0, len);
    buf[0] = 0x45;
    put16(buf + 2, (uint16_t)len);
    put16(buf + 4, seq);
    buf[8] = 64;
    buf[9] = 1; /* ICMP */
    buf[12] = 10, buf[15] = 1;
    buf[16] = 10, buf[19] = 2;
    put16(buf + 10, inet_checksum(buf, 20));
    uint8_t *icmp = buf + 20;
    icmp[0] = 8; /* echo request */
    put16(icmp + 4, 0x1234);
    put16(icmp + 6, seq);
    for (size_t i = 0; i < payload; i++)
        icmp[8 + i] = (uint8_t)(i + seq);
    put16(icmp + 2, inet_checksum(icmp, 8 + payload));
    return len;
}

static void written_records_read_back_identically(void **state)
{
    tmp_dir *t = *state;
    weir_pcap_error err;
    weir_pcap_writer *w = weir_pcap_open(t->file, WEIR_PCAP_RAW_IP, 0, &err);
    assert_non_null(w);
    static const uint64_t ts[] = {0, 1500000, 3000007, UINT64_C(86400000000) + 999999};
    uint8_t frames[4][200];
    size_t lens[4];
    for (int i = 0; i < 4; i++) {
        lens[i] = make_ping(frames[i], (size_t)(i * 40), (uint16_t)i);
        assert_int_equal(weir_pcap_write(w, ts[i], frames[i], lens[i]), 0);
    }
    assert_true(weir_pcap_count(w) == 4);
    assert_true(weir_pcap_close(w));

    char ebuf[PCAP_ERRBUF_SIZE];
    pcap_t *r = pcap_open_offline(t->file, ebuf);
    if (r == NULL)
        fail_msg("pcap_open_offline: %s", ebuf);
    assert_int_equal(pcap_datalink(r), DLT_RAW);
    struct pcap_pkthdr *h;
    const u_char *data;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pcap_next_ex(r, &h, &data), 1);
        assert_int_equal(h->caplen, lens[i]);
        assert_int_equal(h->len, lens[i]);
        assert_memory_equal(data, frames[i], lens[i]);
        uint64_t got = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        assert_true(got == ts[i]);
    }
    assert_int_equal(pcap_next_ex(r, &h, &data), PCAP_ERROR_BREAK); /* end of file */
    pcap_close(r);
}

static void frames_longer_than_snaplen_are_cut(void **state)
{
    tmp_dir *t = *state;
    weir_pcap_writer *w = weir_pcap_open(t->file, WEIR_PCAP_RAW_IP, 40, NULL);
    assert_non_null(w);
    uint8_t frame[200];
    size_t len = make_ping(frame, 100, 1);
    assert_int_equal(weir_pcap_write(w, 5, frame, len), 0);
    assert_true(weir_pcap_close(w));
    char ebuf[PCAP_ERRBUF_SIZE];
    pcap_t *r = pcap_open_offline(t->file, ebuf);
    assert_non_null(r);
    struct pcap_pkthdr *h;
    const u_char *data;
    assert_int_equal(pcap_next_ex(r, &h, &data), 1);
    assert_int_equal(h->caplen, 40);
    assert_int_equal(h->len, len);
    assert_memory_equal(data, frame, 40);
    pcap_close(r);
}

static void bad_arguments_give_clear_errors(void **state)
{
    tmp_dir *t = *state;
    weir_pcap_error err;
    assert_null(weir_pcap_open("/nonexistent-weir-dir/x.pcap", WEIR_PCAP_RAW_IP, 0, &err));
    assert_non_null(strstr(err.msg, "/nonexistent-weir-dir/x.pcap"));
    assert_null(weir_pcap_open(t->file, (weir_pcap_link)999, 0, &err));
    assert_non_null(strstr(err.msg, "link type 999"));
    assert_null(weir_pcap_open(t->file, WEIR_PCAP_RAW_IP, WEIR_PCAP_MAX_SNAPLEN + 1, &err));
    assert_non_null(strstr(err.msg, "snaplen"));
    assert_null(weir_pcap_open(NULL, WEIR_PCAP_RAW_IP, 0, &err));
    assert_non_null(strstr(err.msg, "file name"));
    assert_null(weir_pcap_open("", WEIR_PCAP_RAW_IP, 0, NULL));

    weir_pcap_writer *w = weir_pcap_open(t->file, WEIR_PCAP_ETHERNET, 0, &err);
    assert_non_null(w);
    uint8_t b = 0;
    assert_int_equal(weir_pcap_write(NULL, 0, &b, 1), WEIR_EINVAL);
    assert_int_equal(weir_pcap_write(w, 0, NULL, 1), WEIR_EINVAL);
    assert_int_equal(weir_pcap_write(w, 0, NULL, 0), 0); /* an empty record is legal */
    assert_true(weir_pcap_count(NULL) == 0);
    assert_true(weir_pcap_close(w));
    assert_false(weir_pcap_close(NULL));
}

static void trace_hook_records_frames_only(void **state)
{
    tmp_dir *t = *state;
    weir_pcap_writer *w = weir_pcap_open(t->file, WEIR_PCAP_RAW_IP, 0, NULL);
    assert_non_null(w);
    uint8_t frame[100];
    size_t len = make_ping(frame, 10, 3);
    weir_trace_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.frame = frame;
    ev.frame_len = len;
    ev.now_us = 42;
    ev.kind = WEIR_TRACE_FRAME_OUT;
    weir_pcap_trace(w, &ev);
    ev.kind = WEIR_TRACE_STATE;
    weir_pcap_trace(w, &ev);
    ev.kind = WEIR_TRACE_FRAME_IN;
    weir_pcap_trace(w, &ev);
    weir_pcap_trace(NULL, &ev);
    weir_pcap_trace(w, NULL);
    assert_true(weir_pcap_count(w) == 2);
    assert_true(weir_pcap_close(w));
}

/* tshark is optional: when it is missing the check is skipped with a message, not failed. */
static void tshark_decodes_the_file_as_ipv4(void **state)
{
    tmp_dir *t = *state;
    if (system("command -v tshark >/dev/null 2>&1") != 0) {
        print_message("tshark not on PATH: skipping the dissector check\n");
        skip();
    }
    weir_pcap_writer *w = weir_pcap_open(t->file, WEIR_PCAP_RAW_IP, 0, NULL);
    assert_non_null(w);
    uint8_t frame[200];
    for (int i = 0; i < 3; i++) {
        size_t len = make_ping(frame, (size_t)(16 * i), (uint16_t)i);
        assert_int_equal(weir_pcap_write(w, (uint64_t)i * 1000, frame, len), 0);
    }
    assert_true(weir_pcap_close(w));

    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "tshark -n -r '%s' -o ip.check_checksum:TRUE -T fields -e ip.src -e ip.dst "
             "-e icmp.seq -e _ws.expert 2>&1",
             t->file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof(line), p) != NULL) {
        if (strncmp(line, "Running as user", 15) == 0)
            continue; /* tshark's warning about root, not about the file */
        print_message("tshark: %s", line);
        assert_non_null(strstr(line, "10.0.0.1\t10.0.0.2"));
        assert_null(strstr(line, "Expert")); /* _ws.expert: no warning, checksums verified */
        rows++;
    }
    int status = pclose(p);
    assert_int_equal(status, 0);
    assert_int_equal(rows, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(written_records_read_back_identically, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(frames_longer_than_snaplen_are_cut, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(bad_arguments_give_clear_errors, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(trace_hook_records_frames_only, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(tshark_decodes_the_file_as_ipv4, tmp_setup, tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
