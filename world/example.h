/* example.h — a small example data set in the released format, with a
 * known truth, until the full in-silico world exists (DESIGN.md, "The
 * in-silico world"). It writes what the released data holds:
 *
 *   DIR/comparisons/tldr.json   policy vs reference (and a few policy vs
 *                               policy) comparisons on TL;DR-like posts
 *   DIR/comparisons/news.json   policy vs reference on news articles
 *   DIR/axis_evals/tldr.json    1-7 ratings on four axes, TL;DR posts
 *   DIR/axis_evals/news.json    1-7 ratings, news articles (split test)
 *   DIR/truth.json              the generating parameters
 *
 * Policies carry released-style names (pretrain_6b, sup4_6b,
 * sup4_6b_ppo_rm4_6b_kl14, ...) with a true quality on the logit scale
 * against the reference at equal length, and a length distribution.
 * Simulated workers choose by a Bradley-Terry model of the summaries'
 * utilities plus a length preference w, with their own noise, length bias,
 * position bias and carelessness; a share of pairs is labelled twice. */
#ifndef TL_EXAMPLE_H
#define TL_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct {
    uint64_t seed;
    size_t posts;        /* TL;DR posts in valid2 (each compared for every policy) */
    size_t comparisons;  /* if > 0: choose posts to reach about this many comparisons */
    size_t articles;     /* news articles */
    size_t workers;      /* labelers in the pool */
    double dup_rate;     /* share of policy-vs-reference pairs labelled by a second worker */
    double length_coef;  /* true w: preference per unit log length ratio */
    int axis;            /* write axis evals */
    int progress;
    const char *out_dir;
} ExampleConfig;

void example_config_default(ExampleConfig *c);

/* Writes the data set under c->out_dir. Returns 0; TL_EXIT_INPUT with err
 * set for a bad configuration; TL_EXIT_RUNTIME when files cannot be
 * written. */
int example_generate(const ExampleConfig *c, TlError *err);

#endif
