/* winrate.c — per-policy and grouped win rates with Wilson and
 * cluster-bootstrap intervals. */
#include "analysis/winrate.h"
#include "analysis/bootstrap.h"
#include "analysis/stats.h"
#include "common/progress.h"
#include "common/rng.h"
#include "common/util.h"

#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdlib.h>
#include <string.h>

void winrate_free(WinrateResult *res)
{
    for (size_t i = 0; i < res->n; i++)
        free(res->rows[i].label);
    free(res->rows);
    memset(res, 0, sizeof *res);
}

typedef struct {
    uint32_t group, post;
    uint32_t win;
    uint32_t row;
} Obs;

static int cmp_obs(const void *a, const void *b)
{
    const Obs *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->post != y->post)
        return x->post < y->post ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

void winrate_compute(const ComparisonSet *s, const WinrateOptions *opt, WinrateResult *res)
{
    memset(res, 0, sizeof *res);
    size_t P = s->policies.n;
    PolicyMeta *meta = xcalloc(P ? P : 1, sizeof *meta);
    for (size_t p = 0; p < P; p++)
        policy_meta_lookup(opt->meta, strpool_get(&s->policies, (uint32_t)p), &meta[p]);

    /* Group ids per policy. Sizes: distinct parameter counts, ascending,
     * with unknown sizes last. */
    long *gid = xmalloc((P ? P : 1) * sizeof *gid);
    double *sizes = xmalloc((P + 1) * sizeof *sizes);
    size_t nsizes = 0;
    for (size_t p = 0; p < P; p++) {
        /* Method groups keep the method order; size groups are numbered
         * below by ascending size. */
        gid[p] = opt->by == GROUP_METHOD ? (long)meta[p].method : (long)p;
        if (opt->by == GROUP_SIZE) {
            double v = isnan(meta[p].params) ? INFINITY : meta[p].params;
            size_t k = 0;
            while (k < nsizes && sizes[k] != v)
                k++;
            if (k == nsizes)
                sizes[nsizes++] = v;
        }
    }
    if (opt->by == GROUP_SIZE) {
        for (size_t i = 1; i < nsizes; i++) /* insertion sort: few sizes */
            for (size_t j = i; j > 0 && sizes[j - 1] > sizes[j]; j--) {
                double t = sizes[j];
                sizes[j] = sizes[j - 1];
                sizes[j - 1] = t;
            }
        for (size_t p = 0; p < P; p++) {
            double v = isnan(meta[p].params) ? INFINITY : meta[p].params;
            for (size_t k = 0; k < nsizes; k++)
                if (sizes[k] == v)
                    gid[p] = (long)k;
        }
    }

    /* Observations: comparisons of a non-baseline policy with the baseline. */
    Obs *obs = xmalloc((s->n ? s->n : 1) * sizeof *obs);
    size_t nobs = 0;
    for (size_t i = 0; i < s->n; i++) {
        const Comparison *c = &s->rows[i];
        int kb = c->policy[0] == opt->baseline ? 0 : c->policy[1] == opt->baseline ? 1 : -1;
        if (kb < 0 || c->policy[1 - kb] == opt->baseline)
            continue;
        uint32_t p = c->policy[1 - kb];
        obs[nobs++] = (Obs){(uint32_t)gid[p], c->post, c->choice == 1 - kb, (uint32_t)i};
    }
    qsort(obs, nobs, sizeof *obs, cmp_obs);

    /* Rows in group order: policy groups in first-appearance order are the
     * policy ids; method and size groups in their natural order. */
    size_t ngroups = opt->by == GROUP_POLICY ? P : opt->by == GROUP_METHOD ? METHOD_N : nsizes;
    res->rows = xcalloc(ngroups ? ngroups : 1, sizeof *res->rows);
    double *cw = xmalloc((nobs ? nobs : 1) * sizeof *cw), *cn = xmalloc((nobs ? nobs : 1) * sizeof *cn);
    size_t *coff = xmalloc((ngroups + 1) * sizeof *coff); /* each row's clusters: cw[coff[r]..coff[r+1]) */
    size_t K = 0;

    /* Counts, closed-form intervals and the per-post clusters, row by row. */
    for (size_t i = 0; i < nobs;) {
        size_t j = i;
        uint32_t g = obs[i].group;
        while (j < nobs && obs[j].group == g)
            j++;
        coff[res->n] = K;
        WinrateRow *row = &res->rows[res->n++];
        row->policy = -1;
        double sum_llr = 0;
        for (size_t k = i; k < j; k++) {
            const Comparison *c = &s->rows[obs[k].row];
            int kp = c->policy[0] == opt->baseline ? 1 : 0;
            row->n++;
            row->wins += obs[k].win;
            sum_llr += log((lengthctl_len(c, kp, opt->unit) + 1.0) /
                           (lengthctl_len(c, 1 - kp, opt->unit) + 1.0));
            if (k == i || obs[k].post != obs[k - 1].post) {
                cw[K] = 0;
                cn[K] = 0;
                K++;
            }
            cw[K - 1] += obs[k].win;
            cn[K - 1] += 1;
        }
        row->nposts = K - coff[res->n - 1];
        row->win_rate = (double)row->wins / (double)row->n;
        row->se = stats_binom_se((double)row->wins, (double)row->n);
        stats_wilson((double)row->wins, (double)row->n, opt->level, &row->wilson_lo, &row->wilson_hi);
        row->mean_log_len_ratio = sum_llr / (double)row->n;
        row->boot_lo = row->boot_hi = NAN;
        row->boot_status = BOOT_NOT_RUN;
        switch (opt->by) {
        case GROUP_POLICY:
            row->policy = g;
            row->meta = meta[g];
            row->label = xstrdup(strpool_get(&s->policies, g));
            break;
        case GROUP_METHOD:
            row->meta.method = (Method)g;
            row->meta.params = NAN;
            row->label = xstrdup(method_name((Method)g));
            break;
        case GROUP_SIZE:
            row->meta.method = METHOD_OTHER;
            row->meta.params = isinf(sizes[g]) ? NAN : sizes[g];
            char size[32];
            policy_size_label(row->meta.params, size, sizeof size);
            row->label = xstrdup(size);
            break;
        }
        i = j;
    }
    coff[res->n] = K;

    /* The bootstraps, rows in parallel. Each row draws from its own
     * generator, seeded from --seed and the row's label, so its interval
     * depends neither on the thread count nor on the other rows. */
    if (opt->bootstrap) {
        Progress pr;
        progress_start(&pr, "bootstrap", (double)res->n, opt->progress && opt->bootstrap * nobs > 50000000ULL);
        #pragma omp parallel
        {
            BootWork *bw = boot_work_alloc(nobs ? nobs : 1, opt->bootstrap);
            #pragma omp for schedule(dynamic, 1)
            for (size_t ri = 0; ri < res->n; ri++) {
                WinrateRow *row = &res->rows[ri];
                uint64_t h = util_fnv1a(UTIL_FNV_INIT, row->label, strlen(row->label));
                gsl_rng *r = rng_alloc(rng_derive_seed(opt->seed, h));
                row->boot_status = boot_ratio_ci(cw + coff[ri], cn + coff[ri], coff[ri + 1] - coff[ri],
                                                 opt->bootstrap, opt->level, BOOT_AUTO, r, bw, &row->boot_lo,
                                                 &row->boot_hi);
                rng_free(r);
                #ifdef _OPENMP
                if (omp_get_thread_num() == 0)
                #endif
                    progress_update(&pr, (double)ri);
            }
            boot_work_free(bw);
        }
        progress_finish(&pr);
    }
    free(coff);
    free(cw);
    free(cn);
    free(obs);
    free(gid);
    free(sizes);
    free(meta);
}

void winrate_pairwise(const ComparisonSet *s, size_t *wins)
{
    size_t P = s->policies.n;
    memset(wins, 0, P * P * sizeof *wins);
    for (size_t i = 0; i < s->n; i++) {
        const Comparison *c = &s->rows[i];
        if (c->policy[0] == c->policy[1])
            continue;
        wins[c->policy[c->choice] * P + c->policy[1 - c->choice]]++;
    }
}
