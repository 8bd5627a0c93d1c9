/* fault.h — a seeded fault injector for any link: loss, duplication, reordering, delay and bit
 * corruption, each a probability or a range. It decides; the link (memlink, or a real driver in a
 * later issue) carries out the decision. Same seed and same frame sequence => same decisions. */
#ifndef WEIR_DRIVERS_FAULT_H
#define WEIR_DRIVERS_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct weir_fault_config {
    double loss;              /* probability a frame is dropped, 0..1 */
    double duplicate;         /* probability a frame is delivered twice */
    double reorder;           /* probability a frame is held back by reorder_delay_us */
    double corrupt;           /* probability one random bit of the frame is flipped; never on a
                                 link whose interfaces declare checksum offload (weir/netif.h):
                                 the flipped bit would reach the application as good data */
    uint64_t delay_min_us;    /* one-way delay, drawn uniformly from [min, max] */
    uint64_t delay_max_us;
    uint64_t reorder_delay_us; /* extra delay of a reordered frame (default 1 ms when 0) */
} weir_fault_config;

/* A deterministic generator (xoshiro256** seeded with splitmix64). */
typedef struct weir_fault_rng {
    uint64_t s[4];
} weir_fault_rng;
void weir_fault_rng_seed(weir_fault_rng *r, uint64_t seed);
uint64_t weir_fault_rng_next(weir_fault_rng *r);
double weir_fault_rng_unit(weir_fault_rng *r); /* uniform in [0, 1) */

/* What to do with one frame. */
typedef struct weir_fault_verdict {
    bool drop;
    unsigned copies;          /* 1, or 2 when duplicated (0 when dropped) */
    uint64_t delay_us[2];     /* per copy */
    bool corrupt;             /* flip bit `corrupt_bit` of the first copy */
    size_t corrupt_bit;
    bool reordered;
} weir_fault_verdict;

/* Validates probabilities (0..1, not NaN) and the delay range. */
bool weir_fault_config_valid(const weir_fault_config *cfg);
/* Does `cfg` ever do anything to a frame? (No loss, duplicates, reordering, corruption or delay:
 * then every verdict is "one copy, at once".) */
bool weir_fault_impairs(const weir_fault_config *cfg);
void weir_fault_decide(const weir_fault_config *cfg, weir_fault_rng *rng, size_t frame_len,
                       weir_fault_verdict *out);

#endif
