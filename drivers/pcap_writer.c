/* pcap_writer.c — classic pcap files through libpcap (see pcap_writer.h).
 *
 * libpcap writes the file format (byte order, magic, version) so that every reader agrees with it;
 * we only open a "dead" handle of the right link type and feed records with virtual timestamps in
 * microseconds, the precision of the classic format. */
/* libpcap's headers use the BSD types (u_char, u_int); strict -std=c11 hides them in glibc. */
#define _DEFAULT_SOURCE

#include "pcap_writer.h"

#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/err.h"

struct weir_pcap_writer {
    pcap_t *dead;        /* holds the link type and snaplen; never captures */
    pcap_dumper_t *dump; /* the open file */
    uint32_t snaplen;
    uint64_t count;
};

/* Lets the compiler check the format strings of set_error(). */
#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void set_error(weir_pcap_error *err, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void set_error(weir_pcap_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

/* Our portable LINKTYPE_* number to this system's DLT_* value for pcap_open_dead(). */
static int link_to_dlt(weir_pcap_link link)
{
    switch (link) {
    case WEIR_PCAP_ETHERNET:
        return DLT_EN10MB;
    case WEIR_PCAP_RAW_IP:
        return DLT_RAW;
    }
    return -1;
}

weir_pcap_writer *weir_pcap_open(const char *path, weir_pcap_link link, uint32_t snaplen,
                                 weir_pcap_error *err)
{
    set_error(err, "no error");
    if (path == NULL || path[0] == '\0') {
        set_error(err, "pcap: no file name given");
        return NULL;
    }
    int dlt = link_to_dlt(link);
    if (dlt < 0) {
        set_error(err, "pcap %s: unsupported link type %d (use WEIR_PCAP_RAW_IP or ETHERNET)", path,
                  (int)link);
        return NULL;
    }
    if (snaplen == 0)
        snaplen = WEIR_PCAP_DEFAULT_SNAPLEN;
    if (snaplen > WEIR_PCAP_MAX_SNAPLEN) {
        set_error(err, "pcap %s: snaplen %u is above the maximum %u", path, (unsigned)snaplen,
                  (unsigned)WEIR_PCAP_MAX_SNAPLEN);
        return NULL;
    }
    weir_pcap_writer *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        set_error(err, "pcap %s: out of memory", path);
        return NULL;
    }
    w->snaplen = snaplen;
    w->dead = pcap_open_dead(dlt, (int)snaplen);
    if (w->dead == NULL) {
        set_error(err, "pcap %s: libpcap could not create a handle", path);
        free(w);
        return NULL;
    }
    w->dump = pcap_dump_open(w->dead, path);
    if (w->dump == NULL) {
        /* libpcap's message already names the file and the OS reason. */
        set_error(err, "pcap: cannot create capture file: %s", pcap_geterr(w->dead));
        pcap_close(w->dead);
        free(w);
        return NULL;
    }
    return w;
}

int weir_pcap_write(weir_pcap_writer *w, uint64_t ts_us, const uint8_t *frame, size_t len)
{
    if (w == NULL || (frame == NULL && len > 0) || len > UINT32_MAX)
        return WEIR_EINVAL;
    struct pcap_pkthdr hdr;
    memset(&hdr, 0, sizeof(hdr));
    hdr.ts.tv_sec = (time_t)(ts_us / 1000000u);
    hdr.ts.tv_usec = (long)(ts_us % 1000000u); /* always < 10^6: fits any tv_usec type */
    hdr.len = (bpf_u_int32)len;
    hdr.caplen = (bpf_u_int32)(len < w->snaplen ? len : w->snaplen);
    static const uint8_t empty[1] = {0};
    pcap_dump((u_char *)w->dump, &hdr, frame != NULL ? frame : empty);
    w->count++;
    return 0;
}

uint64_t weir_pcap_count(const weir_pcap_writer *w) { return w != NULL ? w->count : 0; }

bool weir_pcap_close(weir_pcap_writer *w)
{
    if (w == NULL)
        return false;
    /* pcap_dump() cannot report errors; the flush and the stdio error flag catch a full disk. */
    bool ok = pcap_dump_flush(w->dump) == 0;
    FILE *f = pcap_dump_file(w->dump);
    if (f != NULL && ferror(f))
        ok = false;
    pcap_dump_close(w->dump);
    pcap_close(w->dead);
    free(w);
    return ok;
}

void weir_pcap_trace(void *writer, const weir_trace_event *ev)
{
    if (writer == NULL || ev == NULL)
        return;
    if (ev->kind != WEIR_TRACE_FRAME_IN && ev->kind != WEIR_TRACE_FRAME_OUT)
        return;
    weir_pcap_write(writer, ev->now_us, ev->frame, ev->frame_len);
}
