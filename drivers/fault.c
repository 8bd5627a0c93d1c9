/* fault.c — the seeded fault injector behind every impaired link (see fault.h).
 *
 * The generator is xoshiro256** (Blackman & Vigna), seeded through splitmix64 so that any 64-bit
 * seed, 0 included, gives a well-mixed state. weir_fault_decide() draws a FIXED number of values
 * per frame, in a fixed order, whatever the configuration and whatever the outcome:
 *
 *   1 loss, 2 duplicate, 3 reorder, 4 corrupt, 5 corrupt bit, 6 delay of copy 0, 7 delay of copy 1
 *
 * so frame k's fate depends only on the seed, k and the frame lengths — turning one impairment on
 * or off never shifts the random stream of the others, and a failing seed stays a failing seed. */
#include "fault.h"

#include <string.h>

/* A reordered frame is held back this long when the config says 0. */
enum { FAULT_DEFAULT_REORDER_DELAY_US = 1000 };

static uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* splitmix64: expands one seed into the four state words; never yields the all-zero state that
 * xoshiro cannot leave. */
static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void weir_fault_rng_seed(weir_fault_rng *r, uint64_t seed)
{
    if (r == NULL)
        return;
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64_next(&sm);
}

uint64_t weir_fault_rng_next(weir_fault_rng *r)
{
    if (r == NULL)
        return 0;
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

double weir_fault_rng_unit(weir_fault_rng *r)
{
    /* The top 53 bits fill a double's mantissa exactly: uniform on [0, 1), never 1.0. */
    return (double)(weir_fault_rng_next(r) >> 11) * 0x1.0p-53;
}

/* `x` is a raw 64-bit draw; map it onto [0, n). The modulo bias is below n / 2^64, far under
 * anything a test could see, and it keeps one draw per value (no rejection loop that would make
 * the number of draws data-dependent). */
static uint64_t below(uint64_t x, uint64_t n) { return n == 0 ? 0 : x % n; }

static bool probability_valid(double p) { return p >= 0.0 && p <= 1.0; /* false for NaN too */ }

bool weir_fault_impairs(const weir_fault_config *cfg)
{
    return cfg->loss > 0 || cfg->duplicate > 0 || cfg->reorder > 0 || cfg->corrupt > 0 ||
           cfg->delay_max_us > 0;
}

bool weir_fault_config_valid(const weir_fault_config *cfg)
{
    if (cfg == NULL)
        return false;
    return probability_valid(cfg->loss) && probability_valid(cfg->duplicate) &&
           probability_valid(cfg->reorder) && probability_valid(cfg->corrupt) &&
           cfg->delay_min_us <= cfg->delay_max_us;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* Uniform in [min, max] from one raw draw. */
static uint64_t delay_from(uint64_t x, const weir_fault_config *cfg)
{
    uint64_t span = cfg->delay_max_us - cfg->delay_min_us;
    if (span == UINT64_MAX)
        return x;
    return cfg->delay_min_us + below(x, span + 1);
}

/* A NULL or invalid config (or rng) yields "deliver once, unchanged, at once": a misconfigured
 * injector must not silently eat traffic. Links validate their config up front, so this is only
 * reached through direct misuse. */
void weir_fault_decide(const weir_fault_config *cfg, weir_fault_rng *rng, size_t frame_len,
                       weir_fault_verdict *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    out->copies = 1;
    if (rng == NULL || !weir_fault_config_valid(cfg))
        return;

    /* All seven draws happen unconditionally; see the comment at the top of the file. A value is
     * hit when u < p, so p == 0 never hits and p == 1 always does (u is never 1.0). */
    double u_loss = weir_fault_rng_unit(rng);
    double u_dup = weir_fault_rng_unit(rng);
    double u_reorder = weir_fault_rng_unit(rng);
    double u_corrupt = weir_fault_rng_unit(rng);
    uint64_t x_bit = weir_fault_rng_next(rng);
    uint64_t x_delay0 = weir_fault_rng_next(rng);
    uint64_t x_delay1 = weir_fault_rng_next(rng);

    if (u_loss < cfg->loss) {
        out->drop = true;
        out->copies = 0;
        return;
    }
    out->copies = u_dup < cfg->duplicate ? 2 : 1;
    out->delay_us[0] = delay_from(x_delay0, cfg);
    if (out->copies == 2)
        out->delay_us[1] = delay_from(x_delay1, cfg); /* the duplicate travels on its own */
    if (u_reorder < cfg->reorder) {
        /* Only the original is held back, so a duplicate may overtake it — both are things a
         * real network does, and the receiver must cope with either. */
        uint64_t extra = cfg->reorder_delay_us ? cfg->reorder_delay_us
                                               : (uint64_t)FAULT_DEFAULT_REORDER_DELAY_US;
        out->reordered = true;
        out->delay_us[0] = sat_add(out->delay_us[0], extra);
    }
    /* An empty frame has no bit to flip. */
    if (u_corrupt < cfg->corrupt && frame_len > 0) {
        out->corrupt = true;
        out->corrupt_bit = (size_t)below(x_bit, (uint64_t)frame_len * 8u);
    }
}
