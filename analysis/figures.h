/* figures.h — the paper's figures from comparisons and axis evals:
 *
 *   fig1      fraction preferred to the reference against model size, one
 *             series per method, 1-SE bars, the 0.5 line (Figure 1); raw,
 *             length-controlled sigma(theta), or both side by side, and a
 *             panel of the gold judge's preference when gold comparisons
 *             are given; the y axis fits the points and bars
 *   length    fraction preferred to the reference against the log length
 *             ratio, binned per policy (1-SE bars), with the fitted logistic
 *             curves (Fig. 10b)
 *   likert    mean rating per axis with 95% intervals as grouped bars per
 *             policy (intervals at --level), and the distribution of overall
 *             scores per policy
 *   overopt   preference against the reference versus KL from the
 *             supervised policy (log scale), one panel per model size: one
 *             series per method and reward model, by the labelers (Wilson
 *             bars), by the gold judge and as the reward model predicts
 *             when given; on series of three points or more the labelers'
 *             and gold's peaks marked and Gao et al.'s forms fitted
 *             (analysis/overopt.h) and drawn (Figure 5)
 *   transfer  news: overall score against summary length per policy, with
 *             each policy's regression line; reference and lead-3 marked
 *             (Fig. 4b), and the table that goes beside it
 *
 * Each builder fills a Figure (data, gnuplot commands, notes, what its
 * error bars are) and returns
 * 0, or -1 with err explaining why the data cannot support the figure
 * (never an empty frame). */
#ifndef TL_FIGURES_H
#define TL_FIGURES_H

#include "analysis/lengthctl.h"
#include "analysis/overopt.h"
#include "analysis/plot.h"
#include "analysis/policy.h"
#include "analysis/records.h"
#include "common/table.h"

typedef enum { FIG1_RAW, FIG1_LC, FIG1_BOTH } Fig1Mode;

/* Reward-model scores of summaries: per row (a policy's summary of one
 * post), the RM's score of the policy's summary and of the reference's
 * (--rm-scores). */
typedef struct {
    char **policy;      /* (n) owned */
    double *rm_policy, *rm_ref;
    size_t n, cap;
} RmScores;

typedef struct {
    uint32_t baseline;
    const char *baseline_name;
    const MetaMap *meta;     /* may be NULL */
    LengthUnit unit;
    double level;
    Fig1Mode fig1;
    const RmScores *rm;      /* may be NULL */
    const char *dataset;     /* likert: "tldr", "news" or NULL (tldr when present) */
    size_t max_policies;     /* length: most policies drawn (default 6) */
    const ComparisonSet *gold; /* fig1, overopt: the gold judge's comparisons (worker gold); may be NULL */
    const OoJudge *judge;    /* overopt: the judge's penalties per policy, for the gold drop; may be NULL */
} FigOptions;

int fig_fig1(const ComparisonSet *s, const FigOptions *o, Figure *f, TlError *err);
int fig_length(const ComparisonSet *s, const FigOptions *o, Figure *f, TlError *err);
int fig_likert(const AxisSet *s, const FigOptions *o, Figure *f, TlError *err);
/* tables: two tables, initialised here (the caller frees both): [0] the
 * gold drop per series, from the gold peak to the highest KL, by penalty
 * (needs o->gold and o->judge); [1] the Gao fits' parameters. */
int fig_overopt(const ComparisonSet *s, const FigOptions *o, Figure *f, Table *tables, TlError *err);
/* table: the per-policy table printed beside the figure (initialised here;
 * the caller frees it). */
int fig_transfer(const AxisSet *s, const FigOptions *o, Figure *f, Table *table, TlError *err);

/* Reads a --rm-scores CSV: a header naming the columns policy, rm_policy
 * and rm_ref (others, such as a post id, are allowed and not used), then
 * one row per scored summary. Returns 0, or -1 with err "file:N: field:
 * problem" where N counts CSV records, the header being 1. */
int rm_scores_load(RmScores *rm, const char *path, TlError *err);
void rm_scores_free(RmScores *rm);

#endif
