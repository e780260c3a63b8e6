/* agreement.c — inter-labeler agreement on repeated pairs. */
#include "analysis/agreement.h"
#include "analysis/stats.h"
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

static int cmp_label(const void *a, const void *b)
{
    const Label *x = a, *y = b;
    if (x->pair != y->pair)
        return x->pair < y->pair ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_worker(const void *a, const void *b)
{
    const WorkerAgreement *x = a, *y = b;
    if (x->labels != y->labels)
        return x->labels > y->labels ? -1 : 1;
    return x->worker < y->worker ? -1 : x->worker > y->worker;
}

void agreement_compute(const ComparisonSet *s, double level, AgreementResult *res)
{
    memset(res, 0, sizeof *res);
    size_t W = s->workers.n, N = s->n;
    WorkerAgreement *wa = xcalloc(W ? W : 1, sizeof *wa);
    size_t *first = xcalloc(W ? W : 1, sizeof *first), *nconf = xcalloc(W ? W : 1, sizeof *nconf);
    double *sconf = xcalloc(W ? W : 1, sizeof *sconf);
    Label *lab = xmalloc((N ? N : 1) * sizeof *lab);
    for (size_t i = 0; i < N; i++) {
        const Comparison *c = &s->rows[i];
        uint64_t k0 = summary_key(c, 0), k1 = summary_key(c, 1);
        uint64_t lo = k0 < k1 ? k0 : k1, hi = k0 < k1 ? k1 : k0;
        uint64_t h = util_fnv1a(UTIL_FNV_INIT, &c->post, sizeof c->post);
        h = util_fnv1a(h, &lo, sizeof lo);
        h = util_fnv1a(h, &hi, sizeof hi);
        lab[i] = (Label){h, c->choice == 0 ? k0 : k1, c->worker, (uint32_t)i};
        WorkerAgreement *w = &wa[c->worker];
        w->worker = c->worker;
        w->labels++;
        first[c->worker] += c->choice == 0;
        if (c->confidence) {
            nconf[c->worker]++;
            sconf[c->worker] += c->confidence;
        }
    }
    qsort(lab, N, sizeof *lab, cmp_label);
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j < N && lab[j].pair == lab[i].pair)
            j++;
        res->pairs++;
        int shared = 0;
        for (size_t a = i; a < j; a++) {
            size_t agree = 0, total = 0;
            for (size_t b = i; b < j; b++) {
                if (a == b)
                    continue;
                int same = lab[a].chosen == lab[b].chosen;
                if (lab[a].worker == lab[b].worker) {
                    if (b > a) {
                        res->self_pairs++;
                        res->self_agree += same;
                    }
                    continue;
                }
                shared = 1;
                total++;
                agree += same;
                if (b > a) {
                    res->label_pairs++;
                    res->label_pairs_agree += same;
                }
            }
            WorkerAgreement *w = &wa[lab[a].worker];
            if (total) {
                w->on_shared++;
                w->pair_agree += agree;
                w->pair_total += total;
                if (2 * agree != total) { /* a strict majority of the others */
                    w->maj_total++;
                    w->maj_agree += 2 * agree > total;
                }
            }
        }
        res->shared_pairs += shared;
        i = j;
    }
    res->rate = res->label_pairs ? (double)res->label_pairs_agree / (double)res->label_pairs : NAN;
    stats_wilson((double)res->label_pairs_agree, (double)res->label_pairs, level, &res->lo, &res->hi);
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
