/* likert.c — Likert summaries and the length-controlled OLS. */
#include "analysis/likert.h"
#include "analysis/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multifit.h>

void likert_free(LikertResult *res)
{
    free(res->rows);
    memset(res, 0, sizeof *res);
}

void likert_compute(const AxisSet *s, double level, LikertResult *res)
{
    memset(res, 0, sizeof *res);
    size_t P = s->policies.n;
    double *x = xmalloc((s->n ? s->n : 1) * sizeof *x);
    size_t cap = 0;
    for (int dset = 0; dset < DOMAIN_N; dset++)
        for (size_t p = 0; p < P; p++)
            for (int a = 0; a < AXIS_N; a++) {
                size_t n = 0, hist[7] = {0};
                double chars = 0;
                for (size_t i = 0; i < s->n; i++) {
                    const AxisEval *e = &s->rows[i];
                    if (e->domain != dset || e->policy != p || !e->axes[a])
                        continue;
                    x[n++] = e->axes[a];
                    hist[e->axes[a] - 1]++;
                    chars += e->chars;
                }
                if (!n)
                    continue;
                GROW(res->rows, cap, res->n + 1);
                LikertRow *r = &res->rows[res->n++];
                memset(r, 0, sizeof *r);
                r->dataset = (Domain)dset;
                r->policy = (uint32_t)p;
                r->axis = (Axis)a;
                StatsSummary ss;
                stats_summary(x, n, level, &ss);
                r->n = n;
                r->mean = ss.mean;
                r->sd = ss.sd;
                r->se = ss.se;
                r->ci_lo = ss.lo;
                r->ci_hi = ss.hi;
                memcpy(r->hist, hist, sizeof hist);
                r->share_7 = (double)hist[6] / (double)n;
                r->share_le4 = (double)(hist[0] + hist[1] + hist[2] + hist[3]) / (double)n;
                r->mean_chars = chars / (double)n;
            }
    free(x);
}

void likert_lc_free(LikertLc *lc)
{
    free(lc->rows);
    memset(lc, 0, sizeof *lc);
}

int likert_length_control(const AxisSet *s, Domain dataset, uint32_t baseline, double level,
                          LikertLc *out, TlError *err)
{
    memset(out, 0, sizeof *out);
    out->dataset = dataset;
    out->baseline = baseline;
    size_t P = s->policies.n;
    /* Policies with overall ratings in this dataset; columns:
     * intercept, one indicator per non-baseline policy, chars. */
    size_t *cnt = xcalloc(P ? P : 1, sizeof *cnt);
    double *sum = xcalloc(P ? P : 1, sizeof *sum), *len = xcalloc(P ? P : 1, sizeof *len);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const AxisEval *e = &s->rows[i];
        if (e->domain != (int)dataset || !e->axes[AXIS_OVERALL])
            continue;
        cnt[e->policy]++;
        sum[e->policy] += e->axes[AXIS_OVERALL];
        len[e->policy] += e->chars;
        n++;
    }
    int rc = -1;
    long *colof = xmalloc((P ? P : 1) * sizeof *colof);
    size_t ncol = 1;
    for (size_t p = 0; p < P; p++)
        colof[p] = (cnt[p] && p != baseline) ? (long)ncol++ : -1;
    size_t lencol = ncol++;
    gsl_matrix *X = NULL, *cov = NULL;
    gsl_vector *y = NULL, *b = NULL;
    gsl_multifit_linear_workspace *ws = NULL;
    if (baseline >= P || !cnt[baseline]) {
        tlerr_set(err, "%s: no overall ratings of the baseline '%s'; choose one with --baseline",
                  domain_name(dataset), baseline < P ? strpool_get(&s->policies, baseline) : "?");
        goto done;
    }
    if (n <= ncol) {
        tlerr_set(err, "%s: %zu overall ratings are too few to fit %zu coefficients",
                  domain_name(dataset), n, ncol);
        goto done;
    }
    X = gsl_matrix_calloc(n, ncol);
    y = gsl_vector_alloc(n);
    b = gsl_vector_alloc(ncol);
    cov = gsl_matrix_alloc(ncol, ncol);
    ws = gsl_multifit_linear_alloc(n, ncol);
    if (!X || !y || !b || !cov || !ws)
        tl_die(TL_EXIT_RUNTIME, "out of memory for a %zu x %zu regression", n, ncol);
    size_t r = 0;
    for (size_t i = 0; i < s->n; i++) {
        const AxisEval *e = &s->rows[i];
        if (e->domain != (int)dataset || !e->axes[AXIS_OVERALL])
            continue;
        gsl_matrix_set(X, r, 0, 1.0);
        if (colof[e->policy] >= 0)
            gsl_matrix_set(X, r, (size_t)colof[e->policy], 1.0);
        gsl_matrix_set(X, r, lencol, e->chars);
        gsl_vector_set(y, r, e->axes[AXIS_OVERALL]);
        r++;
    }
    double chisq;
    if (gsl_multifit_linear(X, y, b, cov, &chisq, ws) != GSL_SUCCESS) {
        tlerr_set(err, "%s: the length-controlled regression failed", domain_name(dataset));
        goto done;
    }
    size_t rank = gsl_multifit_linear_rank(1e-10, ws);
    if (rank < ncol) {
        tlerr_set(err, "%s: policy and length are collinear (rank %zu of %zu); length control is not identified",
                  domain_name(dataset), rank, ncol);
        goto done;
    }
    out->n = n;
    out->df = (int)(n - ncol);
    out->sigma = sqrt(chisq / (double)out->df);
    double ybar = 0, tss = 0;
    for (size_t i = 0; i < n; i++)
        ybar += gsl_vector_get(y, i);
    ybar /= (double)n;
    for (size_t i = 0; i < n; i++)
        tss += pow(gsl_vector_get(y, i) - ybar, 2);
    out->r2 = tss > 0 ? 1.0 - chisq / tss : NAN;
    /* GSL's cov is (X'X)^-1 scaled by the residual variance chisq/(n-p). */
    double t = gsl_cdf_tdist_Pinv(1.0 - (1.0 - level) / 2.0, (double)out->df);
    double bl = gsl_vector_get(b, lencol), bl_se = sqrt(gsl_matrix_get(cov, lencol, lencol));
    out->per100 = 100.0 * bl;
    out->per100_se = 100.0 * bl_se;
    out->per100_lo = out->per100 - t * out->per100_se;
    out->per100_hi = out->per100 + t * out->per100_se;
    out->baseline_mean_chars = len[baseline] / (double)cnt[baseline];
    out->rows = xcalloc(P, sizeof *out->rows);
    double L = out->baseline_mean_chars;
    for (size_t p = 0; p < P; p++) {
        if (!cnt[p])
            continue;
        LikertLcRow *row = &out->rows[out->nrows++];
        row->policy = (uint32_t)p;
        row->n = cnt[p];
        row->raw_mean = sum[p] / (double)cnt[p];
        row->mean_chars = len[p] / (double)cnt[p];
        /* c = e_0 + e_p + L e_len; adjusted = c'b, var = c' cov c. */
        size_t idx[3] = {0, lencol, colof[p] >= 0 ? (size_t)colof[p] : SIZE_MAX};
        double cf[3] = {1.0, L, 1.0};
        size_t m = colof[p] >= 0 ? 3 : 2;
        double est = 0, var = 0;
        for (size_t a = 0; a < m; a++) {
            est += cf[a] * gsl_vector_get(b, idx[a]);
            for (size_t c = 0; c < m; c++)
                var += cf[a] * cf[c] * gsl_matrix_get(cov, idx[a], idx[c]);
        }
        row->adjusted = est;
        row->adjusted_se = sqrt(var);
        row->adjusted_lo = est - t * row->adjusted_se;
        row->adjusted_hi = est + t * row->adjusted_se;
    }
    rc = 0;
done:
    gsl_multifit_linear_free(ws);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(y);
    gsl_vector_free(b);
    free(colof);
    free(cnt);
    free(sum);
    free(len);
    return rc;
}
