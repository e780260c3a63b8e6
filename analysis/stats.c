/* stats.c — Wilson intervals, t intervals, normal quantiles via GSL. */
#include "analysis/stats.h"

#include <math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

double stats_z(double level)
{
    return gsl_cdf_ugaussian_Pinv(1.0 - (1.0 - level) / 2.0);
}

void stats_wilson(double wins, double n, double level, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = *hi = NAN;
        return;
    }
    double z = stats_z(level), z2 = z * z;
    double p = wins / n;
    double denom = 1.0 + z2 / n;
    double center = (p + z2 / (2.0 * n)) / denom;
    double half = z / denom * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
    *lo = fmax(0.0, center - half);
    *hi = fmin(1.0, center + half);
}

double stats_binom_se(double wins, double n)
{
    if (n <= 0)
        return NAN;
    double p = wins / n;
    return sqrt(p * (1.0 - p) / n);
}

double stats_p_two_sided(double z)
{
    return 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

double stats_sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

void stats_summary(const double *x, size_t n, double level, StatsSummary *out)
{
    out->n = n;
    out->mean = out->sd = out->se = out->lo = out->hi = NAN;
    if (n == 0)
        return;
    out->mean = gsl_stats_mean(x, 1, n);
    if (n < 2)
        return;
    out->sd = gsl_stats_sd_m(x, 1, n, out->mean);
    out->se = out->sd / sqrt((double)n);
    if (out->sd == 0)
        return; /* all equal: a t interval would be a point */
    double t = gsl_cdf_tdist_Pinv(1.0 - (1.0 - level) / 2.0, (double)(n - 1));
    out->lo = out->mean - t * out->se;
    out->hi = out->mean + t * out->se;
}
