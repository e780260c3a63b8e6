/* transfer.c — the news transfer table: Likert axes, length, share copied
 * and quality at the reference's length, one row per policy. */
#include "analysis/transfer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *transfer_role(uint32_t baseline, uint32_t p, const char *name)
{
    if (p == baseline)
        return "reference";
    if (strcmp(name, "lead3") == 0)
        return "lead-3";
    if (strcmp(name, "title") == 0 || strcmp(name, "random-sentence") == 0 || strncmp(name, "author_s", 8) == 0)
        return "baseline";
    return "model";
}

void transfer_free(TransferResult *res)
{
    free(res->rows);
    likert_free(&res->likert);
    memset(res, 0, sizeof *res);
}

/* The sort key of a row: role rank, then (models) method and size. */
typedef struct {
    int rank, method;
    double params;  /* NaN sorts last */
    uint32_t policy; /* first appearance breaks ties */
    size_t row;
} RowKey;

static int role_rank(const char *role)
{
    return strcmp(role, "reference") == 0 ? 0 : strcmp(role, "lead-3") == 0 ? 1 : strcmp(role, "baseline") == 0 ? 2 : 3;
}

static int cmp_key(const void *a, const void *b)
{
    const RowKey *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    if (x->method != y->method)
        return x->method - y->method;
    if (isnan(x->params) != isnan(y->params))
        return isnan(x->params) ? 1 : -1;
    if (!isnan(x->params) && x->params != y->params)
        return x->params < y->params ? -1 : 1;
    return x->policy < y->policy ? -1 : x->policy > y->policy;
}

int transfer_compute(const AxisSet *s, uint32_t baseline, const MetaMap *meta, double level,
                     const TransferCopied *copied, size_t ncopied, TransferResult *res, TlError *lc_err,
                     TlError *err)
{
    memset(res, 0, sizeof *res);
    res->ref_chars = NAN;
    lc_err->msg[0] = '\0';
    size_t P = s->policies.n;
    likert_compute(s, level, &res->likert);
    /* Keep the news rows only: the interval notes are about these. */
    size_t kept = 0;
    for (size_t i = 0; i < res->likert.n; i++)
        if (res->likert.rows[i].dataset == DOMAIN_NEWS)
            res->likert.rows[kept++] = res->likert.rows[i];
    res->likert.n = kept;

    size_t *cnt = xcalloc(P ? P : 1, sizeof *cnt);
    double *chars = xcalloc(P ? P : 1, sizeof *chars), *words = xcalloc(P ? P : 1, sizeof *words);
    for (size_t i = 0; i < s->n; i++) {
        const AxisEval *e = &s->rows[i];
        if (e->domain != DOMAIN_NEWS || !e->axes[AXIS_OVERALL])
            continue;
        cnt[e->policy]++;
        chars[e->policy] += e->chars;
        words[e->policy] += e->words;
    }
    size_t np = 0;
    for (size_t p = 0; p < P; p++)
        np += cnt[p] > 0;
    int rc = -1;
    if (np == 0) {
        tlerr_set(err, "the transfer table needs news axis evals (info with an article) with overall ratings; "
                       "none in scope");
        goto done;
    }
    LikertLc lc = {0};
    int have_lc = likert_length_control(s, DOMAIN_NEWS, baseline, level, &lc, lc_err) == 0;
    if (have_lc)
        res->ref_chars = lc.baseline_mean_chars;

    TransferRow *rows = xcalloc(np, sizeof *rows);
    RowKey *key = xcalloc(np, sizeof *key);
    size_t k = 0;
    for (size_t p = 0; p < P; p++) {
        if (!cnt[p])
            continue;
        const char *name = strpool_get(&s->policies, (uint32_t)p);
        TransferRow *r = &rows[k];
        r->policy = (uint32_t)p;
        r->role = transfer_role(baseline, (uint32_t)p, name);
        r->mean_chars = chars[p] / (double)cnt[p];
        r->mean_words = words[p] / (double)cnt[p];
        for (int a = 0; a < AXIS_N; a++)
            r->mean[a] = r->lo[a] = r->hi[a] = NAN;
        for (size_t i = 0; i < res->likert.n; i++) {
            const LikertRow *l = &res->likert.rows[i];
            if (l->policy != p)
                continue;
            r->n[l->axis] = l->n;
            r->mean[l->axis] = l->mean;
            r->lo[l->axis] = l->ci_lo;
            r->hi[l->axis] = l->ci_hi;
        }
        r->copied = NAN;
        for (size_t c = 0; copied && c < ncopied; c++)
            if (strcmp(copied[c].policy, name) == 0)
                r->copied = copied[c].share;
        r->matched = r->matched_se = r->matched_lo = r->matched_hi = NAN;
        for (size_t c = 0; have_lc && c < lc.nrows; c++)
            if (lc.rows[c].policy == p) {
                r->matched = lc.rows[c].adjusted;
                r->matched_se = lc.rows[c].adjusted_se;
                r->matched_lo = lc.rows[c].adjusted_lo;
                r->matched_hi = lc.rows[c].adjusted_hi;
            }
        PolicyMeta m;
        policy_meta_lookup(meta, name, &m);
        r->method = m.method;
        r->params = m.params;
        key[k] = (RowKey){role_rank(r->role), (int)m.method, m.params, (uint32_t)p, k};
        k++;
    }
    qsort(key, np, sizeof *key, cmp_key);
    res->rows = xmalloc(np * sizeof *res->rows);
    for (size_t i = 0; i < np; i++)
        res->rows[i] = rows[key[i].row];
    res->n = np;
    free(rows);
    free(key);
    if (have_lc)
        likert_lc_free(&lc);
    rc = 0;
done:
    free(cnt);
    free(chars);
    free(words);
    return rc;
}
