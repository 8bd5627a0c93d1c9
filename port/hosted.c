/* hosted.c — glue for hosted builds: the default allocator over the C library.
 *
 * This is the only library file that calls malloc/free (DESIGN.md §1): a static or embedded
 * build passes its own weir_allocator and can leave this file out. */
#include <stdlib.h>

#include "port.h"

static void *libc_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void libc_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

const weir_allocator *weir_port_default_allocator(void)
{
    static const weir_allocator libc = {libc_alloc, libc_free, NULL};
    return &libc;
}
