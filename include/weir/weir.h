/* weir/weir.h — everything an application needs. */
#ifndef WEIR_WEIR_H
#define WEIR_WEIR_H
#include "weir/config.h"
#include "weir/dns.h"
#include "weir/err.h"
#include "weir/netif.h"
#include "weir/ping.h"
#include "weir/stack.h"
#include "weir/stats.h"
#include "weir/tcp.h"
#include "weir/trace.h"
#include "weir/udp.h"
#endif
