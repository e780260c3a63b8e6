/* lengthctl.c — identification checks and the Newton fit of the
 * length-controlled preference model. */
#include "analysis/lengthctl.h"
#include "analysis/graph.h"
#include "analysis/logreg.h"
#include "analysis/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *lc_status_name(LcStatus s)
{
    switch (s) {
    case LC_BASELINE: return "baseline";
    case LC_FITTED: return "fitted";
    case LC_SEPARATED: return "separated";
    case LC_NOT_CONNECTED: return "not connected";
    case LC_NOT_IDENTIFIED: return "not identified";
    }
    return "?";
}

const char *lc_status_text(const LcPolicy *lp)
{
    if (lp->status == LC_SEPARATED)
        return lp->direction > 0 ? "separated (+inf)" : lp->direction < 0 ? "separated (-inf)" : "separated";
    return lc_status_name(lp->status);
}

void lengthctl_free(LcResult *res)
{
    free(res->pol);
    memset(res, 0, sizeof *res);
}

/* A distinct row of the design: columns of A and B (UINT32_MAX = none)
 * and the two lengths, oriented canonically. */
typedef struct {
    uint32_t a, b, la, lb;
    double y, m;  /* successes (A preferred) and trials */
} RowKey;

static uint64_t row_hash(const RowKey *k)
{
    uint64_t h = ((uint64_t)k->a << 32 | k->b) * 0x9e3779b97f4a7c15ULL;
    h ^= ((uint64_t)k->la << 32 | k->lb) * 0xc2b2ae3d27d4eb4fULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* Open-addressing set of RowKeys in first-seen order. */
typedef struct {
    RowKey *rows;     /* (n) distinct rows */
    uint32_t *slots;  /* (cap) row index + 1, 0 = empty */
    size_t n, cap_rows, cap;
} RowSet;

static void rowset_add(RowSet *rs, const RowKey *k, double y)
{
    if (2 * (rs->n + 1) > rs->cap) { /* grow and rehash */
        size_t cap = rs->cap ? 2 * rs->cap : 4096;
        free(rs->slots);
        rs->slots = xcalloc(cap, sizeof *rs->slots);
        rs->cap = cap;
        for (size_t i = 0; i < rs->n; i++) {
            size_t h = (size_t)row_hash(&rs->rows[i]) & (cap - 1);
            while (rs->slots[h])
                h = (h + 1) & (cap - 1);
            rs->slots[h] = (uint32_t)i + 1;
        }
    }
    size_t h = (size_t)row_hash(k) & (rs->cap - 1);
    for (; rs->slots[h]; h = (h + 1) & (rs->cap - 1)) {
        RowKey *r = &rs->rows[rs->slots[h] - 1];
        if (r->a == k->a && r->b == k->b && r->la == k->la && r->lb == k->lb) {
            r->y += y;
            r->m += 1;
            return;
        }
    }
    GROW(rs->rows, rs->cap_rows, rs->n + 1);
    rs->rows[rs->n] = *k;
    rs->rows[rs->n].y = y;
    rs->rows[rs->n].m = 1;
    rs->slots[h] = (uint32_t)++rs->n;
}

/* Builds the design: column col[p] for policy p (UINT32_MAX = fixed at 0),
 * the length in column lcol when use_len. Rows with keep[i] = 0 are left
 * out. y = 1 when summary 0 was chosen. Comparisons with the same columns
 * and lengths become one binomial row (after orienting each so that A's
 * column is the smaller, which flips the length ratio and the outcome):
 * the likelihood is unchanged, and the fit runs on far fewer rows. */
static void build_design(const ComparisonSet *s, const uint8_t *keep, const uint32_t *col,
                         size_t ncols, int use_len, uint32_t lcol, LengthUnit u, LogregDesign *d)
{
    RowSet rs = {0};
    for (size_t i = 0; i < s->n; i++) {
        if (!keep[i])
            continue;
        const Comparison *c = &s->rows[i];
        RowKey k = {UINT32_MAX, UINT32_MAX, 0, 0, 0, 0};
        if (c->policy[0] != c->policy[1]) {
            k.a = col[c->policy[0]];
            k.b = col[c->policy[1]];
        }
        if (use_len) {
            k.la = (uint32_t)lengthctl_len(c, 0, u);
            k.lb = (uint32_t)lengthctl_len(c, 1, u);
        }
        double y = c->choice == 0 ? 1.0 : 0.0;
        if (k.a > k.b || (k.a == k.b && k.la < k.lb)) { /* canonical orientation */
            uint32_t t = k.a;
            k.a = k.b;
            k.b = t;
            t = k.la;
            k.la = k.lb;
            k.lb = t;
            y = 1.0 - y;
        }
        rowset_add(&rs, &k, y);
    }
    logreg_design_init(d, ncols, rs.n, 3 * rs.n);
    for (size_t r = 0; r < rs.n; r++) {
        const RowKey *k = &rs.rows[r];
        uint32_t cols[3];
        double vals[3];
        size_t n = 0;
        if (k->a != UINT32_MAX) {
            cols[n] = k->a;
            vals[n++] = 1.0;
        }
        if (k->b != UINT32_MAX && k->b != k->a) {
            cols[n] = k->b;
            vals[n++] = -1.0;
        }
        if (use_len) {
            cols[n] = lcol;
            vals[n++] = log(((double)k->la + 1.0) / ((double)k->lb + 1.0));
        }
        logreg_design_add(d, cols, vals, n, k->y, k->m);
    }
    free(rs.rows);
    free(rs.slots);
}

int lengthctl_fit(const ComparisonSet *s, uint32_t baseline, LengthUnit unit, int use_length,
                  double level, LcResult *res, TlError *err)
{
    memset(res, 0, sizeof *res);
    size_t P = s->policies.n, N = s->n;
    if (baseline >= P) {
        tlerr_set(err, "the baseline is not among the policies in scope");
        return -1;
    }
    res->baseline = baseline;
    res->use_length = use_length;
    res->unit = unit;
    res->n = N;
    res->npol = P;
    res->pol = xcalloc(P, sizeof *res->pol);
    res->w = res->w_se = res->w_z = res->w_p = NAN;
    res->length_status = LC_FITTED;

    /* Raw counts. */
    for (size_t i = 0; i < N; i++) {
        const Comparison *c = &s->rows[i];
        for (int k = 0; k < 2; k++) {
            uint32_t p = c->policy[k], q = c->policy[1 - k];
            if (k == 1 && p == q)
                break;
            res->pol[p].n++;
            if (q == baseline && p != baseline) {
                res->pol[p].n_base++;
                res->pol[p].wins_base += c->choice == k;
            }
        }
    }
    for (size_t p = 0; p < P; p++) {
        LcPolicy *lp = &res->pol[p];
        lp->raw_win_rate = lp->n_base ? (double)lp->wins_base / (double)lp->n_base : NAN;
        lp->theta = lp->theta_se = lp->lc = lp->lc_lo = lp->lc_hi = NAN;
    }

    /* Edges between distinct policies, one per (winner, loser) pair that
     * occurs: undirected for connectivity, winner -> loser for the win graph. */
    uint8_t *seen = xcalloc(P * P, 1);
    size_t maxe = P * P < N ? P * P : N;
    uint32_t *ea = xmalloc((maxe ? maxe : 1) * sizeof *ea), *eb = xmalloc((maxe ? maxe : 1) * sizeof *eb);
    size_t ne = 0;
    for (size_t i = 0; i < N; i++) {
        const Comparison *c = &s->rows[i];
        uint32_t win = c->policy[c->choice], lose = c->policy[1 - c->choice];
        if (win == lose || seen[win * P + lose])
            continue;
        seen[win * P + lose] = 1;
        ea[ne] = win;
        eb[ne++] = lose;
    }
    free(seen);
    uint32_t *comp = xmalloc(P * sizeof *comp), *scc = xmalloc(P * sizeof *scc);
    graph_components(P, ea, eb, ne, comp);
    /* Win edges among connected policies only. */
    size_t nw = 0;
    for (size_t e = 0; e < ne; e++)
        if (comp[ea[e]] == comp[baseline] && comp[eb[e]] == comp[baseline]) {
            ea[nw] = ea[e];
            eb[nw++] = eb[e];
        }
    graph_scc(P, ea, eb, nw, scc);
    uint8_t *below = xmalloc(P), *above = xmalloc(P);
    graph_reach(P, ea, eb, nw, baseline, below);  /* baseline beat them, transitively */
    graph_reach(P, eb, ea, nw, baseline, above);  /* they beat the baseline, transitively */

    /* Columns: policies in the baseline's component get one, except the
     * baseline and one anchor per other strongly connected component. */
    uint32_t *col = xmalloc(P * sizeof *col);
    uint8_t *anchored = xcalloc(P, 1); /* per SCC label */
    size_t ncols = 0;
    for (size_t p = 0; p < P; p++) {
        LcPolicy *lp = &res->pol[p];
        col[p] = UINT32_MAX;
        if (p == baseline) {
            lp->status = LC_BASELINE;
            lp->theta = 0;
            lp->lc = 0.5;
            anchored[scc[p]] = 1;
            continue;
        }
        if (comp[p] != comp[baseline]) {
            lp->status = LC_NOT_CONNECTED;
            continue;
        }
        if (scc[p] != scc[baseline]) {
            lp->status = LC_SEPARATED;
            lp->direction = above[p] && !below[p] ? 1 : below[p] && !above[p] ? -1 : 0;
        } else {
            lp->status = LC_FITTED;
        }
        if (!anchored[scc[p]] && scc[p] != scc[baseline]) {
            anchored[scc[p]] = 1; /* this SCC's reference point */
            continue;
        }
        col[p] = (uint32_t)ncols++;
    }
    /* Rows in the finite fit: both policies connected, same SCC. */
    uint8_t *keep = xcalloc(N ? N : 1, 1);
    for (size_t i = 0; i < N; i++) {
        const Comparison *c = &s->rows[i];
        uint32_t a = c->policy[0], b = c->policy[1];
        if (comp[a] != comp[baseline] || comp[b] != comp[baseline])
            res->n_not_connected++;
        else if (scc[a] != scc[b])
            res->n_between_components++;
        else
            keep[i] = 1;
    }
    res->n_used = N - res->n_not_connected - res->n_between_components;

    int use_len = use_length;
    LogregDesign d;
    build_design(s, keep, col, ncols + (use_len ? 1 : 0), use_len, (uint32_t)ncols, unit, &d);
    if (use_len) {
        uint8_t *nullmask = xmalloc(d.p ? d.p : 1);
        if (logreg_null_columns(&d, nullmask) && nullmask[ncols]) {
            /* Length is a function of policy identity here (e.g. constant
             * lengths within each policy): fit without it. */
            res->length_status = LC_NOT_IDENTIFIED;
            use_len = 0;
            logreg_design_free(&d);
            build_design(s, keep, col, ncols, 0, 0, unit, &d);
        }
        free(nullmask);
    }
    if (!use_length)
        res->length_status = LC_NOT_IDENTIFIED;

    LogregOptions opt;
    logreg_options_default(&opt);
    LogregFit fit;
    logreg_fit_init(&fit, d.p);
    LogregWork *ws = logreg_work_alloc(d.p);
    LogregStatus st = logreg_fit(&d, &opt, &fit, ws);
    res->loglik = fit.loglik;
    res->iterations = fit.iterations;
    res->converged = fit.converged;

    /* Separation through the length term: the fit drifts to infinity with
     * fitted probabilities at 0 or 1 (Newton then stops converging, or the
     * Hessian underflows to singular). The last step is the drift direction. */
    int drifting = st != LOGREG_OK && fit.n_extreme > 0;
    int complete = drifting && fit.n_extreme == fit.n_rows;
    if (st == LOGREG_SINGULAR && !drifting) {
        uint8_t *nullmask = xmalloc(d.p ? d.p : 1);
        logreg_null_columns(&d, nullmask);
        for (size_t p = 0; p < P; p++)
            if (col[p] != UINT32_MAX && nullmask[col[p]] && res->pol[p].status == LC_FITTED)
                res->pol[p].status = LC_NOT_IDENTIFIED;
        if (use_len && nullmask[ncols])
            res->length_status = LC_NOT_IDENTIFIED;
        free(nullmask);
    }
    double wstep = use_len ? fabs(fit.step[ncols]) : 0;
    if (drifting && use_len)
        res->length_status = LC_SEPARATED;

    if (use_len && res->length_status == LC_FITTED) {
        res->w = fit.beta[ncols];
        res->w_se = fit.se[ncols];
        res->w_z = res->w / res->w_se;
        res->w_p = stats_p_two_sided(res->w_z);
    }
    double z = stats_z(level);
    for (size_t p = 0; p < P; p++) {
        LcPolicy *lp = &res->pol[p];
        if (lp->status != LC_FITTED)
            continue;
        double step = fabs(fit.step[col[p]]);
        if (complete || (drifting && step > 1e-3 * fmax(wstep, 1e-12))) {
            /* Under complete separation every row is predicted perfectly
             * in the limit and no theta is determined. */
            lp->status = LC_SEPARATED;
            lp->direction = complete ? 0 : fit.step[col[p]] > 0 ? 1 : -1;
            continue;
        }
        lp->theta = fit.beta[col[p]];
        lp->theta_se = fit.se[col[p]];
        lp->lc = stats_sigmoid(lp->theta);
        /* The Wald interval on the logit scale, transformed (R's
         * plogis(predict(fit, type = "link") ± z se)): it stays inside
         * (0, 1) and is not symmetric around sigma(theta) near the ends. */
        lp->lc_lo = stats_sigmoid(lp->theta - z * lp->theta_se);
        lp->lc_hi = stats_sigmoid(lp->theta + z * lp->theta_se);
    }

    logreg_work_free(ws);
    logreg_fit_free(&fit);
    logreg_design_free(&d);
    free(keep);
    free(col);
    free(anchored);
    free(below);
    free(above);
    free(comp);
    free(scc);
    free(ea);
    free(eb);
    return 0;
}
