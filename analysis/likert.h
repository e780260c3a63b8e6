/* likert.h — 1-7 Likert axis ratings (overall, accuracy, coverage,
 * coherence) aggregated per dataset x policy x axis, and the paper's
 * length-controlled overall score (Table 14): OLS of overall on policy
 * indicators and summary length in characters. */
#ifndef TL_LIKERT_H
#define TL_LIKERT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/records.h"

typedef struct {
    Domain dataset;
    uint32_t policy;
    Axis axis;
    size_t n;
    double mean, sd, se, ci_lo, ci_hi; /* sd with n-1; t interval */
    double share_7, share_le4;
    size_t hist[7];                    /* counts of 1..7 */
    double mean_chars;                 /* mean summary length in characters */
} LikertRow;

typedef struct {
    LikertRow *rows;
    size_t n;
} LikertResult;

/* Rows ordered by dataset, then policy (first appearance), then axis. */
void likert_compute(const AxisSet *s, double level, LikertResult *res);
void likert_free(LikertResult *res);

typedef struct {
    uint32_t policy;
    size_t n;
    double mean_chars, raw_mean;
    double adjusted, adjusted_se, adjusted_lo, adjusted_hi; /* at the baseline's mean length */
} LikertLcRow;

typedef struct {
    Domain dataset;
    uint32_t baseline;
    size_t n;                      /* ratings in the regression */
    double baseline_mean_chars;    /* length at which quality is read */
    double per100, per100_se, per100_lo, per100_hi; /* gain per 100 characters */
    double r2, sigma;
    int df;
    LikertLcRow *rows;
    size_t nrows;
} LikertLc;

/* Fits overall ~ policy + chars for one dataset, baseline = the reference
 * category. Returns 0; -1 with err set when the dataset has no overall
 * ratings of the baseline or too few ratings to fit. */
int likert_length_control(const AxisSet *s, Domain dataset, uint32_t baseline, double level,
                          LikertLc *out, TlError *err);
void likert_lc_free(LikertLc *lc);

#endif
