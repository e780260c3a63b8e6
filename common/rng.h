/* rng.h — the one way tldrlab makes random numbers: an explicit GSL
 * generator (mt19937) seeded from --seed or the config. There is no global
 * RNG; callers pass the gsl_rng they were given (STYLE.md rule 5). */
#ifndef TL_RNG_H
#define TL_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#define RNG_DEFAULT_SEED 20200902UL /* the paper's arXiv date */

/* Returns a new mt19937 generator seeded from a 32-bit hash of seed (GSL's
 * mt19937 takes 32 bits); free with rng_free. */
gsl_rng *rng_alloc(uint64_t seed);

/* Frees r; accepts NULL. */
void rng_free(gsl_rng *r);

/* Derives an independent-looking seed for stream k from seed (splitmix64),
 * so that sub-tasks get their own generators without sharing state. */
uint64_t rng_derive_seed(uint64_t seed, uint64_t k);

#endif
