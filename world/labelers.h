/* labelers.h — the simulated workers (DESIGN.md, "Labelers"): each has a
 * sharpness (how strongly gold quality moves the choice), a length bias
 * (positive on average: the paper's labelers liked longer summaries), a
 * carelessness (a share of random answers) and a rating noise. */
#ifndef TL_LABELERS_H
#define TL_LABELERS_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "world/world.h"

typedef struct {
    char id[32];
    double sharpness;    /* Bradley-Terry scale on the gold overall score */
    double length_bias;  /* utility per unit of log(words + 1) */
    double carelessness; /* probability of a random answer */
    double noise;        /* sd of a latent rating on [0, 1] */
} Worker;

typedef struct {
    Worker *w;
    size_t n;
} WorkerPool;

/* Draws the pool described by c (deterministic in c's labeler seed, or in
 * its world seed when that is 0). */
void pool_init(WorkerPool *p, const WorldConfig *c);
void pool_free(WorkerPool *p);

/* The taste all workers share and the gold judge lacks: a standard normal
 * drawn from the text and the pool's seed (labelers.seed, or the world's
 * seed when that is 0), the same for every worker. */
double labeler_taste(const WorldConfig *c, const char *text);

/* One comparison of summaries A and B with gold overall scores (plus the
 * shared taste, already added by the caller) and word counts: returns the index (0 = A, 1 = B) of the preferred summary and
 * sets *confidence on the released 1-9 slider (1-4 lean to A, 6-9 to B). */
int labeler_compare(const Worker *w, const WorldConfig *c, gsl_rng *r, const double overall[2],
                    const size_t words[2], int *confidence);

/* The gold judge's own choice (no noise): -1 for a tie. */
int labeler_gold_choice(const WorldConfig *c, const double overall[2], int *confidence);

/* 1-7 ratings of one summary on overall, accuracy, coverage, coherence
 * from its gold axes (each in [0, 1]). */
void labeler_rate(const Worker *w, gsl_rng *r, const double gold[4], size_t words, int axes[4]);

/* Picks k distinct workers (k <= pool size) into out. */
void pool_pick(const WorkerPool *p, gsl_rng *r, size_t k, size_t *out);

#endif
