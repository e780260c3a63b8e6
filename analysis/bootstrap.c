/* bootstrap.c — naive and typed (multinomial) cluster-bootstrap kernels. */
#include "analysis/bootstrap.h"
#include "common/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

struct BootWork {
    size_t max_k, B;
    double *rep;        /* (B) replicate ratios */
    double *tw, *tn;    /* (max_k) type values */
    double *tp;         /* (max_k) type shares */
    unsigned int *cnt;  /* (max_k) multinomial counts */
    size_t *order;      /* (max_k) sort permutation */
};

BootWork *boot_work_alloc(size_t max_k, size_t B)
{
    BootWork *w = xcalloc(1, sizeof *w);
    w->max_k = max_k ? max_k : 1;
    w->B = B ? B : 1;
    w->rep = xmalloc(w->B * sizeof *w->rep);
    w->tw = xmalloc(w->max_k * sizeof *w->tw);
    w->tn = xmalloc(w->max_k * sizeof *w->tn);
    w->tp = xmalloc(w->max_k * sizeof *w->tp);
    w->cnt = xmalloc(w->max_k * sizeof *w->cnt);
    w->order = xmalloc(w->max_k * sizeof *w->order);
    return w;
}

void boot_work_free(BootWork *w)
{
    if (!w)
        return;
    free(w->rep);
    free(w->tw);
    free(w->tn);
    free(w->tp);
    free(w->cnt);
    free(w->order);
    free(w);
}

static void naive(const double *w, const double *n, size_t K, size_t B, gsl_rng *r, double *rep)
{
    for (size_t b = 0; b < B; b++) {
        double sw = 0, sn = 0;
        for (size_t k = 0; k < K; k++) {
            size_t j = gsl_rng_uniform_int(r, K);
            sw += w[j];
            sn += n[j];
        }
        rep[b] = sw / sn;
    }
}

/* Groups clusters into types of equal (w, n); returns T. Deterministic:
 * types come out sorted by (n, w). */
static size_t make_types(const double *w, const double *n, size_t K, BootWork *ws)
{
    /* Sort cluster indices by (n, w) with a key that is exact for the
     * integer counts used here: key = n * (max_w + 1) + w. */
    double maxw = 0;
    for (size_t k = 0; k < K; k++)
        maxw = fmax(maxw, w[k]);
    double *key = ws->tp; /* borrowed as scratch */
    for (size_t k = 0; k < K; k++)
        key[k] = n[k] * (maxw + 1) + w[k];
    gsl_sort_index(ws->order, key, 1, K);
    size_t T = 0;
    for (size_t i = 0; i < K; i++) {
        size_t k = ws->order[i];
        if (T == 0 || ws->tw[T - 1] != w[k] || ws->tn[T - 1] != n[k]) {
            ws->tw[T] = w[k];
            ws->tn[T] = n[k];
            ws->cnt[T] = 0;
            T++;
        }
        ws->cnt[T - 1]++;
    }
    for (size_t t = 0; t < T; t++)
        ws->tp[t] = (double)ws->cnt[t];
    return T;
}

static void typed(size_t K, size_t T, size_t B, gsl_rng *r, BootWork *ws, double *rep)
{
    for (size_t b = 0; b < B; b++) {
        gsl_ran_multinomial(r, T, (unsigned int)K, ws->tp, ws->cnt);
        double sw = 0, sn = 0;
        for (size_t t = 0; t < T; t++) {
            sw += ws->cnt[t] * ws->tw[t];
            sn += ws->cnt[t] * ws->tn[t];
        }
        rep[b] = sw / sn;
    }
}

/* Integer-valued cluster stats are needed for the typed kernel's exact
 * grouping; fractional ones fall back to naive. */
static int all_integer(const double *w, const double *n, size_t K)
{
    for (size_t k = 0; k < K; k++)
        if (w[k] != floor(w[k]) || n[k] != floor(n[k]))
            return 0;
    return 1;
}

BootKernel boot_ratio_replicates(const double *w, const double *n, size_t K, size_t B,
                                 BootKernel kernel, gsl_rng *r, BootWork *ws, double *rep)
{
    if (K > ws->max_k)
        tl_die(TL_EXIT_RUNTIME, "internal error: bootstrap workspace for %zu clusters, got %zu", ws->max_k, K);
    if (kernel == BOOT_NAIVE || (kernel == BOOT_AUTO && !all_integer(w, n, K))) {
        naive(w, n, K, B, r, rep);
        return BOOT_NAIVE;
    }
    size_t T = make_types(w, n, K, ws);
    /* A multinomial draw costs about T binomials; K uniform draws are
     * cheaper when types are nearly as many as clusters. */
    if (kernel == BOOT_AUTO && T * 8 > K) {
        naive(w, n, K, B, r, rep);
        return BOOT_NAIVE;
    }
    typed(K, T, B, r, ws, rep);
    return BOOT_TYPED;
}

BootStatus boot_ratio_ci(const double *w, const double *n, size_t K, size_t B, double level,
                         BootKernel kernel, gsl_rng *r, BootWork *ws, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (B < 2)
        return BOOT_NOT_RUN;
    if (K < BOOT_MIN_CLUSTERS)
        return BOOT_FEW_CLUSTERS;
    if (B > ws->B)
        tl_die(TL_EXIT_RUNTIME, "internal error: bootstrap workspace for %zu replicates, got %zu", ws->B, B);
    boot_ratio_replicates(w, n, K, B, kernel, r, ws, ws->rep);
    gsl_sort(ws->rep, 1, B);
    double a = (1.0 - level) / 2.0;
    *lo = gsl_stats_quantile_from_sorted_data(ws->rep, 1, B, a);
    *hi = gsl_stats_quantile_from_sorted_data(ws->rep, 1, B, 1.0 - a);
    if (*lo == *hi) {
        *lo = *hi = NAN;
        return BOOT_NO_SPREAD;
    }
    return BOOT_OK;
}

void boot_status_text(BootStatus st, size_t K, const char *unit, double value, char *buf, size_t cap)
{
    switch (st) {
    case BOOT_FEW_CLUSTERS:
        snprintf(buf, cap, "%zu %s%s; the bootstrap needs %d", K, unit, K == 1 ? "" : "s", BOOT_MIN_CLUSTERS);
        break;
    case BOOT_NO_SPREAD:
        snprintf(buf, cap, "the resamples of the %zu %ss give a zero-width interval at %.3f", K, unit, value);
        break;
    default:
        snprintf(buf, cap, "%s", "");
    }
}
