/* rng.c — explicit GSL random number generators. */
#include "common/rng.h"
#include "common/err.h"

gsl_rng *rng_alloc(uint64_t seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        tl_die(TL_EXIT_RUNTIME, "cannot allocate a random number generator");
    /* GSL seeds mt19937 from 32 bits, and maps 0 to its default 4357.
     * Hashing all 64 bits of the seed first keeps simple seeds (0, 1, 2^32)
     * apart; two seeds share a stream only with probability 2^-32. */
    gsl_rng_set(r, (unsigned long)(rng_derive_seed(seed, 0) & 0xffffffffUL));
    return r;
}

void rng_free(gsl_rng *r)
{
    if (r)
        gsl_rng_free(r);
}

uint64_t rng_derive_seed(uint64_t seed, uint64_t k)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (k + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
