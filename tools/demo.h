/* demo.h — the pieces of `weir demo` shared by its files: the run's state (two stacks on one
 * in-memory link, the narrator, the two applications) and the applications' entry points
 * (demo_app.c). The driver loop and the command line are in demo.c. */
#ifndef WEIR_TOOLS_DEMO_H
#define WEIR_TOOLS_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "memlink.h"
#include "narrate.h"
#include "pcap_writer.h"
#include "weir/weir.h"

#define WEIR_DEMO_BROWSER_IP 0x0A000001u /* 10.0.0.1 */
#define WEIR_DEMO_SERVER_IP 0x0A000002u  /* 10.0.0.2 */
#define WEIR_DEMO_PORT 80u
#define WEIR_DEMO_SERVER_CLOSE_DELAY_US 100000u /* the server app "finishes its work" first */

enum {
    WEIR_DEMO_PAGE_CAP = 8192,
    WEIR_DEMO_RESPONSE_CAP = WEIR_DEMO_PAGE_CAP + 512,
    WEIR_DEMO_REQUEST_CAP = 512,
    WEIR_DEMO_RECV_CAP = 16384,
};

typedef struct weir_cli_demo weir_cli_demo;

/* One stack and its interface on the link (side 0: browser, end 0; side 1: server, end 1). */
typedef struct weir_cli_demo_side {
    weir_cli_demo *demo;
    int side;
    weir_stack *stack;
    int netif;
    weir_fault_rng rng; /* the stack's randomness */
} weir_cli_demo_side;

typedef struct weir_cli_browser {
    int sock;
    bool connected, finished, failed, bad_response, eof;
    int err;
    size_t req_sent;
    uint8_t buf[WEIR_DEMO_RECV_CAP]; /* the response as received */
    size_t len;
    bool header_done;
    size_t header_len, content_length;
} weir_cli_browser;

typedef struct weir_cli_server {
    int listener, conn;
    bool got_request, eof, closed, failed, partial_told;
    int err;
    char req[WEIR_DEMO_REQUEST_CAP];
    size_t req_len, resp_sent;
    uint64_t close_at; /* 0: no close scheduled */
} weir_cli_server;

typedef struct weir_cli_demo_opts {
    double loss, duplicate, corrupt;
    uint64_t seed;
    const char *pcap_path;
    bool quiet;
    weir_cli_lang lang;
} weir_cli_demo_opts;

struct weir_cli_demo {
    weir_cli_demo_opts opt;
    uint64_t now;
    weir_memlink *link;
    weir_cli_demo_side side[2];
    weir_cli_narrator narr;
    weir_pcap_writer *pcap;
    bool acted; /* an application called into a stack at this instant */
    char request[WEIR_DEMO_REQUEST_CAP];
    size_t request_len;
    uint8_t page[WEIR_DEMO_PAGE_CAP];
    size_t page_len;
    uint8_t response[WEIR_DEMO_RESPONSE_CAP];
    size_t response_len;
    weir_cli_browser browser;
    weir_cli_server server;
};

/* Build the request, the page and the response (deterministic). */
void weir_cli_demo_content(weir_cli_demo *d);
/* Open the server's listener and start the browser's connect. 0 or a negative WEIR_E* code. */
int weir_cli_demo_apps_start(weir_cli_demo *d);
/* Drain both stacks' events and let the applications react. */
void weir_cli_demo_apps_events(weir_cli_demo *d);
/* Run application work that is due at d->now (the server's delayed close). */
void weir_cli_demo_apps_timers(weir_cli_demo *d);
/* When the applications next need the clock; UINT64_MAX if never. */
uint64_t weir_cli_demo_apps_deadline(const weir_cli_demo *d);
/* Both applications are done (closed or failed). */
bool weir_cli_demo_apps_finished(const weir_cli_demo *d);
/* The page the browser received (the body after the headers); NULL and 0 if none. */
const uint8_t *weir_cli_demo_body(const weir_cli_demo *d, size_t *len);

#endif
