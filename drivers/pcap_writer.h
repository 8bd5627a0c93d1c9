/* pcap_writer.h — write frames to a classic pcap file (readable by tcpdump, tshark, Wireshark).
 *
 * A thin layer over libpcap's dump-file writer so that drivers, the CLI and the tests can record
 * what crossed a link with timestamps from the VIRTUAL clock (the stack never reads a real one).
 * weir frames on WEIR_MEDIUM_IP interfaces are bare IPv4 packets: record them as WEIR_PCAP_RAW_IP.
 * Nothing here is global; each writer is one handle. */
#ifndef WEIR_DRIVERS_PCAP_WRITER_H
#define WEIR_DRIVERS_PCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weir/trace.h"

/* Link types, numbered as in the pcap file format (LINKTYPE_*), which is portable, unlike the DLT_*
 * values of some systems' headers. */
typedef enum weir_pcap_link {
    WEIR_PCAP_ETHERNET = 1, /* LINKTYPE_ETHERNET */
    WEIR_PCAP_RAW_IP = 101, /* LINKTYPE_RAW: each record is a bare IPv4 or IPv6 packet */
} weir_pcap_link;

/* Why weir_pcap_open failed, as a sentence naming the file. */
typedef struct weir_pcap_error {
    char msg[320];
} weir_pcap_error;

typedef struct weir_pcap_writer weir_pcap_writer;

/* Default and largest snapshot length: frames longer than snaplen are cut (the record keeps the
 * original length). 0 selects the default. */
#define WEIR_PCAP_DEFAULT_SNAPLEN 65535u
#define WEIR_PCAP_MAX_SNAPLEN 262144u

/* Create (truncate) `path` and write the file header. Returns NULL on failure and fills *err
 * (when err is not NULL): unknown link type, bad snaplen, or the OS error opening the file. */
weir_pcap_writer *weir_pcap_open(const char *path, weir_pcap_link link, uint32_t snaplen,
                                 weir_pcap_error *err);

/* Append one record stamped `ts_us` microseconds (virtual time). Returns 0, or WEIR_EINVAL for a
 * NULL writer, a NULL frame with len > 0, or len above 4 GiB. */
int weir_pcap_write(weir_pcap_writer *w, uint64_t ts_us, const uint8_t *frame, size_t len);

/* Frames written so far. */
uint64_t weir_pcap_count(const weir_pcap_writer *w);

/* Flush and close. Returns true when everything reached the file (false also for w == NULL). */
bool weir_pcap_close(weir_pcap_writer *w);

/* A weir_trace_fn: pass it with a writer as trace_ctx to record every frame one stack sends and
 * receives (WEIR_TRACE_FRAME_OUT and _IN), stamped with the event's time. Other events are ignored.
 * For two stacks on one link, trace only one of them, or each frame is recorded twice. */
void weir_pcap_trace(void *writer, const weir_trace_event *ev);

#endif
