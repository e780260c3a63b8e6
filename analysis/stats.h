/* stats.h — small closed-form statistics (docs/methods.md gives formulas). */
#ifndef TL_STATS_H
#define TL_STATS_H

#include <stddef.h>

/* z such that P(Z <= z) = 1 - (1 - level)/2, e.g. 1.959964 for 0.95. */
double stats_z(double level);

/* Wilson score interval for wins out of n at the given level.
 * n = 0 gives NaN bounds. */
void stats_wilson(double wins, double n, double level, double *lo, double *hi);

/* Binomial standard error sqrt(p(1-p)/n); NaN for n = 0. */
double stats_binom_se(double wins, double n);

/* Two-sided p-value of a z statistic. */
double stats_p_two_sided(double z);

/* Logistic function and its derivative, overflow-safe. */
double stats_sigmoid(double x);

/* Mean, sample SD (n-1), SE and t interval of x[0..n-1]. Fields are NaN
 * where undefined (n < 2 for SD, SE and interval). */
typedef struct {
    size_t n;
    double mean, sd, se, lo, hi;
} StatsSummary;
void stats_summary(const double *x, size_t n, double level, StatsSummary *out);

#endif
