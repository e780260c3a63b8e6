/* labelers.c — simulated workers: Bradley-Terry choices with a 9-point
 * confidence, and ordinal 1-7 ratings. */
#include "world/labelers.h"
#include "common/rng.h"
#include "common/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

void pool_init(WorkerPool *p, const WorldConfig *c)
{
    p->n = (size_t)c->workers;
    p->w = xcalloc(p->n, sizeof *p->w);
    gsl_rng *r = rng_alloc(c->labeler_seed ? c->labeler_seed : rng_derive_seed(c->seed, 0x6c6162656cULL));
    static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < p->n; i++) {
        Worker *w = &p->w[i];
        for (int k = 0; k < 30; k++)
            w->id[k] = ALNUM[gsl_rng_uniform_int(r, sizeof ALNUM - 1)];
        w->id[30] = '\0';
        /* lognormal with the configured mean and sd */
        double m = c->sharpness[0], s = c->sharpness[1];
        double sig2 = log(1 + (s * s) / (m * m));
        w->sharpness = exp(log(m) - sig2 / 2 + sqrt(sig2) * gsl_ran_gaussian(r, 1));
        w->length_bias = c->length_bias[0] + c->length_bias[1] * gsl_ran_gaussian(r, 1);
        w->carelessness = c->carelessness[0] + (c->carelessness[1] - c->carelessness[0]) * gsl_rng_uniform(r);
        m = c->rating_noise[0], s = c->rating_noise[1];
        sig2 = m > 0 ? log(1 + (s * s) / (m * m)) : 0;
        w->noise = m > 0 ? exp(log(m) - sig2 / 2 + sqrt(sig2) * gsl_ran_gaussian(r, 1)) : 0;
    }
    rng_free(r);
}

void pool_free(WorkerPool *p)
{
    free(p->w);
    memset(p, 0, sizeof *p);
}

void pool_pick(const WorkerPool *p, gsl_rng *r, size_t k, size_t *out)
{
    for (size_t i = 0; i < k; i++) {
        size_t w;
        int dup;
        do {
            w = gsl_rng_uniform_int(r, p->n);
            dup = 0;
            for (size_t j = 0; j < i; j++)
                dup |= out[j] == w;
        } while (dup);
        out[i] = w;
    }
}

double labeler_taste(const WorldConfig *c, const char *text)
{
    uint64_t pool = c->labeler_seed ? c->labeler_seed : c->seed;
    uint64_t h = util_fnv1a(UTIL_FNV_INIT, text, strlen(text));
    uint64_t a = rng_derive_seed(h ^ pool, 1), b = rng_derive_seed(h ^ pool, 2);
    double u1 = ((double)(a >> 11) + 0.5) / 9007199254740992.0, u2 = (double)(b >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2); /* Box-Muller */
}

/* Slider steps from a utility gap: 1 (slight) to 4 (definitely). */
static int steps(const WorldConfig *c, double gap)
{
    int m = 1;
    for (int k = 0; k < 3; k++)
        m += gap > c->confidence_cuts[k];
    return m;
}

int labeler_compare(const Worker *w, const WorldConfig *c, gsl_rng *r, const double overall[2],
                    const size_t words[2], int *confidence)
{
    int choice, m;
    if (gsl_rng_uniform(r) < w->carelessness) {
        choice = gsl_rng_uniform(r) < 0.5 ? 0 : 1;
        m = 1 + (int)gsl_rng_uniform_int(r, 4);
    } else {
        double du = w->sharpness * (overall[0] - overall[1]) +
                    w->length_bias * (log((double)words[0] + 1) - log((double)words[1] + 1));
        double pa = 1 / (1 + exp(-du));
        choice = gsl_rng_uniform(r) < pa ? 0 : 1;
        /* confident when the gap is large and the choice follows it */
        int with_gap = (du >= 0) == (choice == 0);
        m = with_gap ? steps(c, fabs(du) + gsl_ran_gaussian(r, 0.4)) : (gsl_rng_uniform(r) < 0.7 ? 1 : 2);
    }
    *confidence = choice == 0 ? 5 - m : 5 + m;
    return choice;
}

int labeler_gold_choice(const WorldConfig *c, const double overall[2], int *confidence)
{
    double d = overall[0] - overall[1];
    if (d == 0)
        return -1;
    int choice = d > 0 ? 0 : 1;
    int m = steps(c, c->sharpness[0] * fabs(d));
    *confidence = choice == 0 ? 5 - m : 5 + m;
    return choice;
}

void labeler_rate(const Worker *w, gsl_rng *r, const double gold[4], size_t words, int axes[4])
{
    for (int a = 0; a < 4; a++) {
        if (gsl_rng_uniform(r) < w->carelessness) {
            int v = (int)lround(4 + gsl_ran_gaussian(r, 1.5));
            axes[a] = v < 1 ? 1 : v > 7 ? 7 : v;
            continue;
        }
        double x = gold[a] + gsl_ran_gaussian(r, w->noise);
        if (a == 0) /* overall: the same length taste as in comparisons, on the rating scale */
            x += 0.02 * w->length_bias * (log((double)words + 1) - log(26.0));
        /* ordinal thresholds k/7, k = 1..6 */
        int v = 1 + (int)floor(7 * x);
        axes[a] = v < 1 ? 1 : v > 7 ? 7 : v;
    }
}
