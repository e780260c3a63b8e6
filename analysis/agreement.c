/* agreement.c — inter-labeler agreement on repeated pairs. */
#include "analysis/agreement.h"
#include "analysis/bootstrap.h"
#include "analysis/stats.h"
#include "common/rng.h"
#include "common/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void agreement_free(AgreementResult *res)
{
    free(res->workers);
    memset(res, 0, sizeof *res);
}

typedef struct {
    uint64_t pair;   /* hash of post + unordered summaries */
    uint64_t chosen; /* hash of the chosen summary */
    uint32_t worker;
    uint32_t row;
} Label;

static uint64_t summary_key(const Comparison *c, int k)
{
    uint64_t h = util_fnv1a(UTIL_FNV_INIT, &c->policy[k], sizeof c->policy[k]);
    return util_fnv1a(h, &c->text_hash[k], sizeof c->text_hash[k]);
}

/* By pair, then worker, then row: each pair's labels are contiguous, with
 * each worker's labels of it together. */
static int cmp_label(const void *a, const void *b)
{
    const Label *x = a, *y = b;
    if (x->pair != y->pair)
        return x->pair < y->pair ? -1 : 1;
    if (x->worker != y->worker)
        return x->worker < y->worker ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_worker(const void *a, const void *b)
{
    const WorkerAgreement *x = a, *y = b;
    if (x->labels != y->labels)
        return x->labels > y->labels ? -1 : 1;
    return x->worker < y->worker ? -1 : x->worker > y->worker;
}

static size_t choose2(size_t n)
{
    return n * (n - (n > 0)) / 2;
}

static int cmp_pair(const void *a, const void *b)
{
    const Label *x = a, *y = b;
    if (x->pair != y->pair)
        return x->pair < y->pair ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* The expert's first label of pair, or NULL (elab sorted by pair, row). */
static const Label *expert_label(const Label *elab, size_t ne, uint64_t pair)
{
    size_t lo = 0, hi = ne;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (elab[mid].pair < pair)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ne && elab[lo].pair == pair ? &elab[lo] : NULL;
}

void agreement_compute(const ComparisonSet *s, double level, size_t bootstrap, uint64_t seed, long expert,
                       AgreementResult *res)
{
    memset(res, 0, sizeof *res);
    size_t W = s->workers.n, N = s->n;
    WorkerAgreement *wa = xcalloc(W ? W : 1, sizeof *wa);
    size_t *first = xcalloc(W ? W : 1, sizeof *first), *nconf = xcalloc(W ? W : 1, sizeof *nconf);
    double *sconf = xcalloc(W ? W : 1, sizeof *sconf);
    Label *lab = xmalloc((N ? N : 1) * sizeof *lab), *elab = xmalloc((N ? N : 1) * sizeof *elab);
    size_t NE = 0, NL = 0;
    for (size_t i = 0; i < N; i++) {
        const Comparison *c = &s->rows[i];
        uint64_t k0 = summary_key(c, 0), k1 = summary_key(c, 1);
        uint64_t lo = k0 < k1 ? k0 : k1, hi = k0 < k1 ? k1 : k0;
        uint64_t h = util_fnv1a(UTIL_FNV_INIT, &c->post, sizeof c->post);
        h = util_fnv1a(h, &lo, sizeof lo);
        h = util_fnv1a(h, &hi, sizeof hi);
        Label l = {h, c->choice == 0 ? k0 : k1, c->worker, (uint32_t)i};
        if (expert >= 0 && c->worker == (uint32_t)expert)
            elab[NE++] = l;
        else
            lab[NL++] = l;
        WorkerAgreement *w = &wa[c->worker];
        w->worker = c->worker;
        w->labels++;
        first[c->worker] += c->choice == 0;
        if (c->confidence) {
            nconf[c->worker]++;
            sconf[c->worker] += c->confidence;
        }
    }
    qsort(lab, NL, sizeof *lab, cmp_label);
    qsort(elab, NE, sizeof *elab, cmp_pair);
    res->expert_labels = NE;
    res->expert_rate = res->expert_lo = res->expert_hi = NAN;
    double *ew = xmalloc((NL ? NL : 1) * sizeof *ew), *en = xmalloc((NL ? NL : 1) * sizeof *en);
    size_t KE = 0;
    /* Per pair: m labels, n0 of them for the first label's choice; per
     * worker segment: nw labels, nw0 for that choice. Every count below is
     * a sum of binomial coefficients of these, so a pair costs O(m). */
    double *cw = xmalloc((N ? N : 1) * sizeof *cw), *cn = xmalloc((N ? N : 1) * sizeof *cn);
    size_t K = 0;
    N = NL;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j < N && lab[j].pair == lab[i].pair)
            j++;
        res->pairs++;
        const Label *ex = NE ? expert_label(elab, NE, lab[i].pair) : NULL;
        if (ex) {
            size_t agree = 0;
            for (size_t k = i; k < j; k++) {
                int a = lab[k].chosen == ex->chosen;
                agree += (size_t)a;
                wa[lab[k].worker].expert_agree += (size_t)a;
                wa[lab[k].worker].expert_total++;
            }
            res->expert_pairs++;
            res->expert_agree += agree;
            res->expert_total += j - i;
            ew[KE] = (double)agree;
            en[KE++] = (double)(j - i);
        }
        uint64_t c0 = lab[i].chosen;
        size_t m = j - i, n0 = 0;
        for (size_t k = i; k < j; k++)
            n0 += lab[k].chosen == c0;
        size_t n1 = m - n0, same_worker = 0, same_worker_agree = 0;
        for (size_t u = i; u < j;) {
            size_t v = u, w0 = 0;
            while (v < j && lab[v].worker == lab[u].worker)
                w0 += lab[v++].chosen == c0;
            size_t nw = v - u, w1 = nw - w0;
            same_worker += choose2(nw);
            same_worker_agree += choose2(w0) + choose2(w1);
            size_t others = m - nw;
            if (others) {
                WorkerAgreement *wk = &wa[lab[u].worker];
                size_t agree0 = n0 - w0, agree1 = n1 - w1; /* other workers' labels agreeing */
                wk->on_shared += nw;
                wk->pair_agree += w0 * agree0 + w1 * agree1;
                wk->pair_total += nw * others;
                if (2 * agree0 != others) { /* a strict majority of the others */
                    wk->maj_total += w0;
                    wk->maj_agree += 2 * agree0 > others ? w0 : 0;
                }
                if (2 * agree1 != others) {
                    wk->maj_total += w1;
                    wk->maj_agree += 2 * agree1 > others ? w1 : 0;
                }
            }
            u = v;
        }
        size_t cross = choose2(m) - same_worker;
        size_t cross_agree = choose2(n0) + choose2(n1) - same_worker_agree;
        res->self_pairs += same_worker;
        res->self_agree += same_worker_agree;
        res->label_pairs += cross;
        res->label_pairs_agree += cross_agree;
        if (cross) {
            res->shared_pairs++;
            cw[K] = (double)cross_agree;
            cn[K++] = (double)cross;
        }
        i = j;
    }
    res->rate = res->label_pairs ? (double)res->label_pairs_agree / (double)res->label_pairs : NAN;
    /* Label pairs of one item share its labels, so the interval resamples
     * items (pairs labelled by two or more workers), not label pairs. */
    res->lo = res->hi = NAN;
    res->boot_status = res->expert_boot_status = BOOT_NOT_RUN;
    res->expert_items = KE;
    if (K && bootstrap) {
        BootWork *bw = boot_work_alloc(K, bootstrap);
        gsl_rng *r = rng_alloc(seed);
        res->boot_status = boot_ratio_ci(cw, cn, K, bootstrap, level, BOOT_AUTO, r, bw, &res->lo, &res->hi);
        rng_free(r);
        boot_work_free(bw);
    }
    if (res->expert_total)
        res->expert_rate = (double)res->expert_agree / (double)res->expert_total;
    if (KE && bootstrap) {
        BootWork *bw = boot_work_alloc(KE, bootstrap);
        gsl_rng *r = rng_alloc(rng_derive_seed(seed, 1));
        res->expert_boot_status =
            boot_ratio_ci(ew, en, KE, bootstrap, level, BOOT_AUTO, r, bw, &res->expert_lo, &res->expert_hi);
        rng_free(r);
        boot_work_free(bw);
    }
    free(ew);
    free(en);
    free(elab);
    free(cw);
    free(cn);
    for (size_t w = 0; w < W; w++) {
        wa[w].first_rate = wa[w].labels ? (double)first[w] / (double)wa[w].labels : NAN;
        wa[w].mean_confidence = nconf[w] ? sconf[w] / (double)nconf[w] : NAN;
    }
    qsort(wa, W, sizeof *wa, cmp_worker);
    res->workers = wa;
    res->nworkers = W;
    free(lab);
    free(first);
    free(nconf);
    free(sconf);
}
