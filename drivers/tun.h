/* tun.h — Linux TUN (layer 3: bare IP packets) and TAP (layer 2: Ethernet frames) devices.
 *
 * weir_tun_open() attaches to the device NAME through /dev/net/tun, creating it when it does not
 * exist (creating or configuring needs root or CAP_NET_ADMIN). A device this process created, or
 * one that has no IPv4 address yet, is configured for the kernel side: address/prefix, MTU, up.
 * A device that already has an address is used as it is, and weir_tun_get_info() says what it
 * found. The fd is non-blocking and close-on-exec.
 *
 * A device this process created is never made persistent, so the kernel deletes it — address,
 * routes and all — when its fd is closed: by weir_tun_close(), or by the process dying. A device
 * that existed before (`ip tuntap add`, persistent) stays.
 *
 * The frame functions work on any fd where one read() is one frame and one write() sends one
 * frame (a TUN/TAP fd, a SOCK_SEQPACKET socketpair in a test). TUN frames are IPv4 packets with
 * no packet-information header (IFF_NO_PI); TAP frames are Ethernet frames without the FCS. */
#ifndef WEIR_DRIVERS_TUN_H
#define WEIR_DRIVERS_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum weir_tun_mode {
    WEIR_TUN_MODE_TUN = 1, /* IFF_TUN: IP packets */
    WEIR_TUN_MODE_TAP = 2, /* IFF_TAP: Ethernet frames */
} weir_tun_mode;

typedef struct weir_tun_config {
    const char *name; /* interface name: 1 to 15 characters, no '/', ':', '%' or white space */
    weir_tun_mode mode;
    uint32_t host_ip;   /* the kernel side's address, host order; 0 = never configure it */
    uint8_t prefix_len; /* of host_ip's subnet, 1..32 */
    uint16_t mtu;       /* set when we configure the device; 0 = leave the kernel's */
} weir_tun_config;

/* What the device turned out to be, once open. */
typedef struct weir_tun_info {
    char name[16];
    weir_tun_mode mode;
    bool created;     /* this process created it: it disappears when the fd closes */
    bool configured;  /* this process gave it its address and MTU and brought it up */
    bool up;          /* IFF_UP after opening */
    uint32_t host_ip; /* the kernel side's IPv4 address, host order (0: none) */
    uint8_t prefix_len;
    uint16_t mtu;
    uint8_t host_mac[6]; /* TAP: the kernel side's MAC (SIOCGIFHWADDR); zero for TUN */
} weir_tun_info;

/* Why weir_tun_open failed, as one line a user can act on ("tun weir0: need root or ..."). */
typedef struct weir_tun_error {
    char msg[256];
} weir_tun_error;

typedef struct weir_tun weir_tun;

/* Open (or create) and, where needed, configure the device. NULL on failure with *err filled
 * (err may be NULL). */
weir_tun *weir_tun_open(const weir_tun_config *cfg, weir_tun_error *err);
/* Close the fd; a device this process created goes away with it. NULL is allowed. */
void weir_tun_close(weir_tun *t);
/* The device's fd, for poll() and the frame functions below. */
int weir_tun_fd(const weir_tun *t);
const weir_tun_info *weir_tun_get_info(const weir_tun *t);
/* Is `name` a name the kernel would accept for an interface? (Nothing is opened.) */
bool weir_tun_name_valid(const char *name);

/* Read one frame into buf. Returns its length (> 0), 0 when nothing is ready, or a negative errno
 * value (-EPIPE when the other end of a socketpair is gone, -EBADFD when the device was deleted).
 * A frame longer than cap is cut to cap bytes. */
int weir_tun_read(int fd, uint8_t *buf, size_t cap);
/* Read up to `max` frames: frame i goes to buf + i * stride, its length to lens[i]. Returns how
 * many were read (0 when nothing is ready), or a negative errno value when the first read fails;
 * an error after some frames ends the batch early (the next call meets it again). */
int weir_tun_read_batch(int fd, uint8_t *buf, size_t stride, size_t *lens, int max);
/* Write one frame. Returns 0 or a negative errno value (-EAGAIN: the device queue is full). */
int weir_tun_write(int fd, const uint8_t *frame, size_t len);

#endif
