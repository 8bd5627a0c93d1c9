/* dns_query.h — what the stack core calls of the name lookups (dns_query.c). */
#ifndef WEIR_DNS_DNS_QUERY_H
#define WEIR_DNS_DNS_QUERY_H

#include <stdint.h>

#include "core/core.h"

/* Resend the queries whose retry time has come (weir_stack_poll). */
void weir_dns_timers(weir_stack *s);
uint64_t weir_dns_next_deadline(const weir_stack *s);
/* Abandon every lookup (stack destruction): before the datagram sockets go. */
void weir_dns_destroy_all(weir_stack *s);

#endif
