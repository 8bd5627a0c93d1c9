/* port.h — what the library needs from its platform. */
#ifndef WEIR_PORT_H
#define WEIR_PORT_H

#include "weir/stack.h"

/* The allocator used when weir_stack_config.allocator is NULL. */
const weir_allocator *weir_port_default_allocator(void);

#endif
