/* tcp_ports.c — the local-port map (tcp_ports.h): counts of holders per (address, port) and per
 * port, in an open-addressing table.
 *
 * Why a map and not a walk over the connections: bind() and connect()'s ephemeral choice asked
 * "is this port taken?" by visiting every record, which made opening a connection O(records)
 * (issue 5: a million connections). Local ports and addresses are chosen by this host, never
 * by a peer, so a plain multiplicative hash cannot be aimed at. */
#include "tcp/tcp_ports.h"

#define TCP_PORTS_ANY_IP UINT32_MAX /* key of a port's total: no interface has that address */
#define TCP_PORTS_MIN_SLOTS 16u

static uint32_t slot_of(const tcp_port_map *m, uint32_t ip, uint16_t port)
{
    uint32_t h = (ip * 0x9e3779b1u) ^ ((uint32_t)port * 0x85ebca6bu);
    h ^= h >> 15;
    return h & (m->nslots - 1);
}

static tcp_port_entry *find(const tcp_port_map *m, uint32_t ip, uint16_t port)
{
    if (m->nslots == 0)
        return NULL;
    for (uint32_t i = slot_of(m, ip, port);; i = (i + 1) & (m->nslots - 1)) {
        tcp_port_entry *e = &m->slots[i];
        if (!e->used)
            return NULL;
        if (e->ip == ip && e->port == port)
            return e;
    }
}

/* Place an entry known to be absent (the table has room). */
static tcp_port_entry *insert(tcp_port_map *m, uint32_t ip, uint16_t port)
{
    uint32_t i = slot_of(m, ip, port);
    while (m->slots[i].used)
        i = (i + 1) & (m->nslots - 1);
    m->slots[i] = (tcp_port_entry){.ip = ip, .port = port, .used = true};
    m->count++;
    return &m->slots[i];
}

static int grow(weir_stack *s, tcp_port_map *m)
{
    uint32_t n = m->nslots ? m->nslots * 2 : TCP_PORTS_MIN_SLOTS;
    tcp_port_entry *slots = weir_alloc(s, sizeof *slots * n);
    if (!slots)
        return WEIR_ENOMEM;
    tcp_port_map old = *m;
    *m = (tcp_port_map){.slots = slots, .nslots = n};
    for (uint32_t i = 0; i < old.nslots; i++) {
        if (!old.slots[i].used)
            continue;
        tcp_port_entry *e = insert(m, old.slots[i].ip, old.slots[i].port);
        e->holders = old.slots[i].holders;
        e->bound = old.slots[i].bound;
    }
    weir_free(s, old.slots, sizeof *old.slots * old.nslots);
    return 0;
}

/* Remove the entry at slot i, shifting later entries of its probe run back (no tombstones). */
static void remove_at(tcp_port_map *m, uint32_t i)
{
    uint32_t mask = m->nslots - 1;
    for (uint32_t j = (i + 1) & mask; m->slots[j].used; j = (j + 1) & mask) {
        uint32_t home = slot_of(m, m->slots[j].ip, m->slots[j].port);
        /* j may move to i when its home is not in the cyclic range (i, j]. */
        bool home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_between) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].used = false;
    m->count--;
}

void tcp_ports_destroy(weir_stack *s, tcp_port_map *m)
{
    weir_free(s, m->slots, sizeof *m->slots * m->nslots);
    *m = (tcp_port_map){0};
}

int tcp_ports_hold(weir_stack *s, tcp_port_map *m, uint32_t ip, uint16_t port, bool bound)
{
    /* Two entries may be new: make room for both before touching either. */
    while ((m->count + 2) * 4 > m->nslots * 3)
        if (grow(s, m) != 0)
            return WEIR_ENOMEM;
    const uint32_t keys[2] = {ip, TCP_PORTS_ANY_IP};
    for (int k = 0; k < 2; k++) {
        tcp_port_entry *e = find(m, keys[k], port);
        if (!e)
            e = insert(m, keys[k], port);
        e->holders++;
        e->bound += bound;
    }
    return 0;
}

void tcp_ports_release(weir_stack *s, tcp_port_map *m, uint32_t ip, uint16_t port, bool bound)
{
    const uint32_t keys[2] = {ip, TCP_PORTS_ANY_IP};
    for (int k = 0; k < 2; k++) {
        tcp_port_entry *e = find(m, keys[k], port);
        if (!e)
            continue; /* never held: nothing to undo */
        e->holders--;
        e->bound -= bound;
        if (e->holders == 0)
            remove_at(m, (uint32_t)(e - m->slots));
    }
    if (m->count == 0) /* nothing held: give the memory back */
        tcp_ports_destroy(s, m);
}

static uint32_t count_of(const tcp_port_map *m, uint32_t ip, uint16_t port, bool bound_only)
{
    const tcp_port_entry *e = find(m, ip, port);
    return !e ? 0 : bound_only ? e->bound : e->holders;
}

bool tcp_ports_taken(const tcp_port_map *m, uint32_t ip, uint16_t port, bool bound_only)
{
    if (ip == 0) /* the wildcard overlaps every address */
        return count_of(m, TCP_PORTS_ANY_IP, port, bound_only) > 0;
    return count_of(m, ip, port, bound_only) > 0 || count_of(m, 0, port, bound_only) > 0;
}
