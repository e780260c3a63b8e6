/* figures.c — data and gnuplot commands for the paper's figures. */
#include "analysis/figures.h"
#include "common/csvread.h"
#include "analysis/likert.h"
#include "analysis/stats.h"
#include "analysis/transfer.h"
#include "analysis/winrate.h"
#include "common/util.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- small writers ---- */

/* A CSV string field through libcsv (always quoted, quotes doubled). */
static void csv_str(StrBuf *b, const char *s)
{
    size_t len = strlen(s), need = csv_write(NULL, 0, s, len);
    char *buf = xmalloc(need + 1);
    csv_write(buf, need, s, len);
    sb_addn(b, buf, need);
    free(buf);
}

/* A CSV number: shortest exact text, empty for NaN. */
static void csv_num(StrBuf *b, double v)
{
    char buf[40];
    table_format_csv_num(v, buf, sizeof buf);
    sb_add(b, buf);
}

/* Appends fields: 's' string, 'n' number (double), 'i' count (size_t); ends the row. */
static void csv_row(StrBuf *b, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    for (const char *t = types; *t; t++) {
        if (t != types)
            sb_add(b, ",");
        if (*t == 's')
            csv_str(b, va_arg(ap, const char *));
        else if (*t == 'n')
            csv_num(b, va_arg(ap, double));
        else
            sb_printf(b, "%zu", va_arg(ap, size_t));
    }
    va_end(ap);
    sb_add(b, "\n");
}

static const char *q(const char *s, char *buf, size_t cap)
{
    plot_quote(s, buf, cap);
    return buf;
}

/* Size tics for a log axis at the sizes present: set xtics ("1.3B" 1.3e9, ...). */
static void size_tics(StrBuf *b, const double *sizes, size_t n)
{
    sb_add(b, "set xtics (");
    for (size_t i = 0; i < n; i++) {
        char lab[32];
        policy_size_label(sizes[i], lab, sizeof lab);
        sb_printf(b, "%s\"%s\" %.6g", i ? ", " : "", lab, sizes[i]);
    }
    sb_add(b, ")\n");
}

static void policies_in_scope(const ComparisonSet *s, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t p = 0; p < s->policies.n && p < 8 && off < cap; p++) {
        int k = snprintf(buf + off, cap - off, "%s%s", p ? ", " : "", strpool_get(&s->policies, (uint32_t)p));
        off += k > 0 ? (size_t)k : 0;
    }
    if (s->policies.n > 8 && off < cap)
        snprintf(buf + off, cap - off, ", and %zu more", s->policies.n - 8);
}

/* The gold judge's win rates against the baseline, from its own
 * comparisons (label compare --gold; o->gold), into gwr: 1 when computed
 * (the caller frees gwr), 0 without gold records or when they lack the
 * baseline (a note says that the figure has no gold `what`). They are
 * never mixed into the labelers' win rates. */
static int gold_winrates(const FigOptions *o, const WinrateOptions *wo, Figure *f, const char *what,
                         WinrateResult *gwr)
{
    memset(gwr, 0, sizeof *gwr);
    if (!o->gold)
        return 0;
    long gb = strpool_find(&o->gold->policies, o->baseline_name);
    if (gb < 0) {
        sb_printf(&f->notes, "the gold comparisons hold no '%s': no gold %s\n", o->baseline_name, what);
        return 0;
    }
    WinrateOptions go = *wo;
    go.baseline = (uint32_t)gb;
    winrate_compute(o->gold, &go, gwr);
    return 1;
}

/* The row labelled label, or NULL (also for a NULL w). */
static const WinrateRow *wr_find(const WinrateResult *w, const char *label)
{
    for (size_t i = 0; w && i < w->n; i++)
        if (strcmp(w->rows[i].label, label) == 0)
            return &w->rows[i];
    return NULL;
}

/* ---- fig1 ---- */

/* fig1's series: the methods, with supervised models trained on CNN/DM
 * apart from those trained on TL;DR (the paper's Figure 4 shows both). */
enum { S_PRETRAINED, S_SUPERVISED, S_SUP_CNNDM, S_RL, S_BON, S_N };
static const char *const SERIES_LABEL[S_N] = {"pretrained", "supervised", "supervised on CNN/DM",
                                              "human feedback", "best-of-N"};
static const int SERIES_COLOR[S_N] = {4, 0, 5, 2, 3};

static int fig1_series(const PolicyMeta *m)
{
    switch (m->method) {
    case METHOD_PRETRAINED: return S_PRETRAINED;
    case METHOD_SUPERVISED: return strcmp(m->trained_on, "cnndm") == 0 ? S_SUP_CNNDM : S_SUPERVISED;
    case METHOD_RL: return S_RL;
    case METHOD_BEST_OF_N: return S_BON;
    default: return -1;
    }
}

typedef struct {
    const WinrateRow *row;
    const LcPolicy *lc;  /* NULL without the length-controlled fit */
    const WinrateRow *gold; /* the gold judge's row; NULL without --gold records of the policy */
    int series;
    int plotted;
} Fig1Point;

static int greedy(const PolicyMeta *m)
{
    return (isnan(m->temperature) || m->temperature == 0) && isnan(m->top_p);
}

/* Order: plotted first; within each group by series, size, then name. */
static int cmp_fig1(const void *a, const void *b)
{
    const Fig1Point *x = a, *y = b;
    if (x->plotted != y->plotted)
        return y->plotted - x->plotted;
    if (x->series != y->series)
        return x->series - y->series;
    if (x->row->meta.params != y->row->meta.params)
        return x->row->meta.params < y->row->meta.params ? -1 : 1;
    return strcmp(x->row->label, y->row->label);
}

/* fig1's y range: the plotted points (raw, length-controlled or both, one
 * scale for both panels) with their bars and the 0.5 line, padded and
 * rounded out to tenths within [0, 1], so that the series spread over the
 * frame rather than being squeezed into part of 0-1. */
/* A point's bars: the raw win rate ± 1 binomial SE; sigma(theta) at
 * theta ± 1 SE(theta), on the logit scale, so they stay inside (0, 1)
 * (NaN when the policy was not fitted). */
static void fig1_bars(const Fig1Point *p, double raw[2], double lc[3])
{
    raw[0] = p->row->win_rate - p->row->se;
    raw[1] = p->row->win_rate + p->row->se;
    lc[0] = lc[1] = lc[2] = NAN;
    if (p->lc && p->lc->status == LC_FITTED) {
        lc[0] = p->lc->lc;
        lc[1] = stats_sigmoid(p->lc->theta - p->lc->theta_se);
        lc[2] = stats_sigmoid(p->lc->theta + p->lc->theta_se);
    }
}

static void fig1_yrange(const Fig1Point *pts, size_t npts, Fig1Mode mode, double *lo, double *hi)
{
    double a = 0.5, z = 0.5;
    for (size_t i = 0; i < npts && pts[i].plotted; i++) {
        double raw[2], lc[3];
        fig1_bars(&pts[i], raw, lc);
        if (pts[i].gold) {
            a = fmin(a, pts[i].gold->win_rate - pts[i].gold->se);
            z = fmax(z, pts[i].gold->win_rate + pts[i].gold->se);
        }
        if (mode != FIG1_LC && !isnan(raw[0])) {
            a = fmin(a, raw[0]);
            z = fmax(z, raw[1]);
        }
        if (mode != FIG1_RAW && !isnan(lc[0])) {
            a = fmin(a, lc[1]);
            z = fmax(z, lc[2]);
        }
    }
    *lo = fmax(0, floor((a - 0.03) * 10) / 10);
    *hi = fmin(1, ceil((z + 0.03) * 10) / 10);
}

/* One panel of fig1: y and its bars' ends in columns ycol, lcol, lcol+1,
 * over [ylo, yhi]. */
static void fig1_panel(StrBuf *b, const char *title, int ycol, int lcol, const Fig1Point *pts, size_t npts,
                       const double *sizes, size_t nsizes, double ylo, double yhi)
{
    char t[256];
    sb_printf(b, "set title \"%s\"\n", q(title, t, sizeof t));
    sb_add(b, "set xlabel \"Model size (parameters)\"\n"
              "set ylabel \"Fraction preferred to the reference\"\n"
              "set logscale x\n");
    sb_printf(b, "set xrange [%.6g:%.6g]\n", sizes[0] / 1.6, sizes[nsizes - 1] * 1.6);
    size_tics(b, sizes, nsizes);
    sb_printf(b, "set yrange [%.2f:%.2f]\nset ytics %.2f,%.2f,%.2f\nset grid ytics lc rgb \"#e0e0e0\"\n", ylo, yhi, ylo,
              yhi - ylo > 0.45 ? 0.1 : 0.05, yhi);
    sb_add(b, "set key outside below center horizontal spacing 1.1\nset bmargin 7\n"
              "plot ");
    /* The 0.5 line is a legend entry rather than a label on the plot, so
     * that it never hides a point. */
    sb_add(b, "0.5 with lines dt 2 lw 1.5 lc rgb \"#777777\" title \"reference summaries\"");
    int first = 0, k = 0;
    for (size_t i = 0; i < npts;) {
        if (!pts[i].plotted)
            break;
        size_t j = i;
        while (j < npts && pts[j].plotted && pts[j].series == pts[i].series)
            j++;
        int sr = pts[i].series;
        k = SERIES_COLOR[sr];
        /* Series sit a little apart on x so that bars at one size do not hide each other. */
        double dodge = 1.0 + 0.025 * ((double)sr - 2.0);
        sb_printf(b, "%s\\\n    data skip 1 every ::%zu::%zu using ($4*%.3f):%d:%d:%d with yerrorlines "
                     "lc rgb \"%s\" pt 7 ps 1.1 lw 2 title \"%s\"",
                  first ? "" : ", ", i, j - 1, dodge, ycol, lcol, lcol + 1, plot_color(k), SERIES_LABEL[sr]);
        first = 0;
        i = j;
    }
    sb_add(b, "\n");
}

int fig_fig1(const ComparisonSet *s, const FigOptions *o, Figure *f, TlError *err)
{
    WinrateOptions wo = {o->baseline, GROUP_POLICY, o->unit, 0, 0, o->level, o->meta, 0};
    WinrateResult wr;
    winrate_compute(s, &wo, &wr);
    LcResult lc;
    int have_lc = 0;
    if (o->fig1 != FIG1_RAW) {
        if (lengthctl_fit(s, o->baseline, o->unit, 1, o->level, &lc, err) != 0) {
            winrate_free(&wr);
            return -1;
        }
        have_lc = 1;
    }
    /* The gold judge's preference: a panel of its own. */
    WinrateResult gwr;
    int have_gold = gold_winrates(o, &wo, f, "panel", &gwr);
    Fig1Point *pts = xcalloc(wr.n ? wr.n : 1, sizeof *pts);
    size_t npts = 0;
    StrBuf unknown;
    sb_init(&unknown);
    for (size_t i = 0; i < wr.n; i++) {
        const WinrateRow *r = &wr.rows[i];
        int sr = fig1_series(&r->meta);
        if (sr < 0 || isnan(r->meta.params)) {
            sb_printf(&unknown, "%s%s", unknown.len ? ", " : "", r->label);
            continue;
        }
        pts[npts].series = sr;
        pts[npts].row = r;
        pts[npts].lc = have_lc ? &lc.pol[r->policy] : NULL;
        const WinrateRow *g = have_gold ? wr_find(&gwr, r->label) : NULL;
        pts[npts].gold = g && g->n ? g : NULL;
        npts++;
    }
    /* One point per method and size: prefer greedy sampling (the paper
     * evaluates at T = 0), then the highest win rate (a sweep's best β or
     * N, as the paper chose its policies; the best of several is biased
     * upwards), then the most comparisons, then the name. */
    for (size_t i = 0; i < npts; i++) {
        int best = 1;
        for (size_t j = 0; j < npts && best; j++) {
            if (i == j || pts[j].series != pts[i].series ||
                pts[j].row->meta.params != pts[i].row->meta.params)
                continue;
            const WinrateRow *a = pts[i].row, *c = pts[j].row;
            int ga = greedy(&a->meta), gc = greedy(&c->meta);
            if (gc > ga ||
                (gc == ga && (c->win_rate > a->win_rate ||
                              (c->win_rate == a->win_rate &&
                               (c->n > a->n || (c->n == a->n && strcmp(c->label, a->label) < 0))))))
                best = 0;
        }
        pts[i].plotted = best;
    }
    qsort(pts, npts, sizeof *pts, cmp_fig1);
    size_t nplotted = 0;
    double sizes[64];
    size_t nsizes = 0;
    for (size_t i = 0; i < npts; i++) {
        if (!pts[i].plotted)
            continue;
        nplotted++;
        double v = pts[i].row->meta.params;
        size_t k = 0;
        while (k < nsizes && sizes[k] != v)
            k++;
        if (k == nsizes && nsizes < 64)
            sizes[nsizes++] = v;
    }
    int rc = 0;
    if (nplotted == 0) {
        char pol[512];
        policies_in_scope(s, pol, sizeof pol);
        tlerr_set(err, "fig1 needs policies of known size and method (pretrained, supervised, rl or best-of-n) "
                       "compared with '%s'; there are none in scope (policies: %s). Give sizes and methods "
                       "with --meta", o->baseline_name, pol);
        rc = -1;
        goto done;
    }
    for (size_t i = 1; i < nsizes; i++) /* ascending */
        for (size_t j = i; j > 0 && sizes[j - 1] > sizes[j]; j--) {
            double t = sizes[j];
            sizes[j] = sizes[j - 1];
            sizes[j - 1] = t;
        }
    sb_add(&f->csv, "series,method,policy,params,n,win_rate,se,lo,hi,lc_win_rate,theta,theta_se,lc_lo,lc_hi,plotted,"
                    "gold_n,gold_win_rate,gold_se,gold_lo,gold_hi\n");
    for (size_t i = 0; i < npts; i++) {
        const WinrateRow *r = pts[i].row;
        double raw[2], lcb[3];
        fig1_bars(&pts[i], raw, lcb);
        int fitted = !isnan(lcb[0]);
        const WinrateRow *g = pts[i].gold;
        csv_row(&f->csv, "sssninnnnnnnnninnnnn", SERIES_LABEL[pts[i].series], method_name(r->meta.method), r->label,
                r->meta.params, (size_t)r->n, r->win_rate, r->se, raw[0], raw[1], lcb[0],
                fitted ? pts[i].lc->theta : NAN, fitted ? pts[i].lc->theta_se : NAN, lcb[1], lcb[2],
                (size_t)pts[i].plotted, g ? (double)g->n : NAN, g ? g->win_rate : NAN, g ? g->se : NAN,
                g ? g->win_rate - g->se : NAN, g ? g->win_rate + g->se : NAN);
    }
    const char *raw_title = "Preference for the policy's summary over the reference (bars: ±1 SE)";
    const char *lc_title = "Length-controlled preference, σ(θ) (bars: σ(θ ± 1 SE))";
    snprintf(f->bars, sizeof f->bars, "%s", o->fig1 == FIG1_RAW ? "±1 SE (binomial)"
                                            : o->fig1 == FIG1_LC ? "σ(θ ± 1 SE), from the logit scale"
                                                                  : "±1 SE (binomial); σ(θ ± 1 SE) for σ(θ)");
    const char *gold_title = "Preferred by the gold judge (bars: ±1 SE)";
    int gold_panel = 0;
    for (size_t i = 0; i < npts; i++)
        gold_panel |= pts[i].plotted && pts[i].gold != NULL;
    if (have_gold && !gold_panel)
        sb_printf(&f->notes, "the gold comparisons name none of the drawn policies: no gold panel\n");
    double ylo, yhi;
    fig1_yrange(pts, npts, o->fig1, &ylo, &yhi);
    int panels = (o->fig1 == FIG1_BOTH ? 2 : 1) + gold_panel;
    if (panels > 1) {
        f->width = 700 * panels;
        sb_printf(&f->body, "set multiplot layout 1,%d\n", panels);
    }
    if (o->fig1 != FIG1_LC)
        fig1_panel(&f->body, raw_title, 6, 8, pts, npts, sizes, nsizes, ylo, yhi);
    if (o->fig1 != FIG1_RAW)
        fig1_panel(&f->body, lc_title, 10, 13, pts, npts, sizes, nsizes, ylo, yhi);
    if (gold_panel)
        fig1_panel(&f->body, gold_title, 17, 19, pts, npts, sizes, nsizes, ylo, yhi);
    if (panels > 1)
        sb_add(&f->body, "unset multiplot\n");
    if (gold_panel)
        snprintf(f->bars + strlen(f->bars), sizeof f->bars - strlen(f->bars), "; ±1 SE for gold");
    /* Notes: missing series, policies left out. */
    StrBuf missing;
    sb_init(&missing);
    for (int sr = 0; sr < S_N; sr++) {
        int seen = 0;
        for (size_t i = 0; i < npts; i++)
            seen |= pts[i].plotted && pts[i].series == sr;
        if (!seen && sr != S_SUP_CNNDM) /* CNN/DM models are an extra series, not an expected one */
            sb_printf(&missing, "%s%s", missing.len ? ", " : "", SERIES_LABEL[sr]);
    }
    if (missing.len)
        sb_printf(&f->notes, "no data for the series: %s\n", sb_str(&missing));
    sb_free(&missing);
    if (unknown.len)
        sb_printf(&f->notes, "not drawn (method or size unknown): %s\n", sb_str(&unknown));
    sb_clear(&unknown); /* reused: the policies not drawn, in one note */
    for (size_t i = 0; i < npts; i++)
        if (!pts[i].plotted)
            sb_printf(&unknown, "%s%s", unknown.len ? ", " : "", pts[i].row->label);
    if (unknown.len)
        sb_printf(&f->notes, "not drawn (another policy of the same series and size is: greedy first, then the highest "
                             "win rate, which favours the luckiest of several): %s\n",
                  sb_str(&unknown));
    if (have_lc)
        for (size_t i = 0; i < npts; i++)
            if (pts[i].plotted && pts[i].lc && pts[i].lc->status != LC_FITTED)
                sb_printf(&f->notes, "no length-controlled point for %s: %s\n", pts[i].row->label,
                          lc_status_text(pts[i].lc));
done:
    sb_free(&unknown);
    free(pts);
    if (have_lc)
        lengthctl_free(&lc);
    if (have_gold)
        winrate_free(&gwr);
    winrate_free(&wr);
    return rc;
}

/* ---- length ---- */

typedef struct {
    double x;
    int win;
} XY;

static int cmp_xy(const void *a, const void *b)
{
    double x = ((const XY *)a)->x, y = ((const XY *)b)->x;
    return x < y ? -1 : x > y;
}

int fig_length(const ComparisonSet *s, const FigOptions *o, Figure *f, TlError *err)
{
    size_t P = s->policies.n, maxp = o->max_policies ? o->max_policies : 6;
    size_t *cnt = xcalloc(P, sizeof *cnt);
    for (size_t i = 0; i < s->n; i++) {
        const Comparison *c = &s->rows[i];
        int kb = c->policy[0] == o->baseline ? 0 : c->policy[1] == o->baseline ? 1 : -1;
        if (kb >= 0 && c->policy[1 - kb] != o->baseline)
            cnt[c->policy[1 - kb]]++;
    }
    /* Up to maxp policies with at least 30 comparisons against the
     * baseline, taken round-robin over methods (RL, supervised, pretrained,
     * best-of-N, other) so that the figure contrasts them, the most
     * compared first within a method. */
    uint32_t *chosen = xmalloc((maxp ? maxp : 1) * sizeof *chosen);
    size_t nch = 0;
    size_t *left = xmalloc(P * sizeof *left);
    memcpy(left, cnt, P * sizeof *left);
    Method *meth = xmalloc(P * sizeof *meth);
    for (size_t p = 0; p < P; p++) {
        PolicyMeta m;
        policy_meta_lookup(o->meta, strpool_get(&s->policies, (uint32_t)p), &m);
        meth[p] = m.method;
    }
    const Method order[5] = {METHOD_RL, METHOD_SUPERVISED, METHOD_PRETRAINED, METHOD_BEST_OF_N, METHOD_OTHER};
    for (int progress = 1; progress && nch < maxp;) {
        progress = 0;
        for (int mi = 0; mi < 5 && nch < maxp; mi++) {
            size_t best = P;
            for (size_t p = 0; p < P; p++)
                if (meth[p] == order[mi] && left[p] >= 30 && (best == P || left[p] > left[best]))
                    best = p;
            if (best == P)
                continue;
            chosen[nch++] = (uint32_t)best;
            left[best] = 0;
            progress = 1;
        }
    }
    free(meth);
    int rc = 0;
    LcResult lc;
    int have_lc = 0;
    if (nch == 0) {
        tlerr_set(err, "length needs policies with at least 30 comparisons against '%s'; none in scope",
                  o->baseline_name);
        rc = -1;
        goto done;
    }
    if (lengthctl_fit(s, o->baseline, o->unit, 1, o->level, &lc, err) != 0) {
        rc = -1;
        goto done;
    }
    have_lc = 1;
    int curves = lc.length_status == LC_FITTED;
    if (!curves)
        sb_printf(&f->notes, "no fitted curves: the length coefficient is %s\n", lc_status_name(lc.length_status));
    XY *xy = xmalloc(s->n * sizeof *xy);
    sb_add(&f->csv, "policy,bin,n,log_len_ratio,win_rate,se,theta,w\n");
    size_t row = 0, *start = xmalloc(nch * sizeof *start), *end = xmalloc(nch * sizeof *end);
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t k = 0; k < nch; k++) {
        uint32_t p = chosen[k];
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++) {
            const Comparison *c = &s->rows[i];
            int kb = c->policy[0] == o->baseline ? 0 : c->policy[1] == o->baseline ? 1 : -1;
            if (kb < 0 || c->policy[1 - kb] != p)
                continue;
            xy[n].x = log((lengthctl_len(c, 1 - kb, o->unit) + 1) / (lengthctl_len(c, kb, o->unit) + 1));
            xy[n++].win = c->choice == 1 - kb;
        }
        qsort(xy, n, sizeof *xy, cmp_xy);
        size_t nb = n / 15 < 6 ? n / 15 : 6; /* about 15 or more per bin */
        if (nb < 2)
            nb = 2;
        start[k] = row;
        const LcPolicy *lp = &lc.pol[p];
        for (size_t bidx = 0; bidx < nb; bidx++) {
            size_t a = n * bidx / nb, z = n * (bidx + 1) / nb;
            double sx = 0, w = 0;
            for (size_t i = a; i < z; i++) {
                sx += xy[i].x;
                w += xy[i].win;
            }
            double m = (double)(z - a), rate = w / m;
            xmin = fmin(xmin, sx / m);
            xmax = fmax(xmax, sx / m);
            csv_row(&f->csv, "siinnnnn", strpool_get(&s->policies, p), (size_t)(bidx + 1), (size_t)(z - a),
                    sx / m, rate, sqrt(rate * (1 - rate) / m), lp->theta, lc.w);
            row++;
        }
        end[k] = row - 1;
        if (curves && lp->status != LC_FITTED && lp->status != LC_BASELINE)
            sb_printf(&f->notes, "no fitted curve for %s: %s\n", strpool_get(&s->policies, p), lc_status_text(lp));
    }
    StrBuf left_out; /* one note names every policy left out */
    sb_init(&left_out);
    for (size_t p = 0; p < P; p++) {
        int in = 0;
        for (size_t k = 0; k < nch; k++)
            in |= chosen[k] == p;
        if (!in && cnt[p])
            sb_printf(&left_out, "%s%s (%zu)", left_out.len ? ", " : "", strpool_get(&s->policies, (uint32_t)p),
                      cnt[p]);
    }
    if (left_out.len)
        sb_printf(&f->notes, "not drawn (at most %zu policies, at least 30 comparisons each; choose with --policy), "
                             "with their comparisons against %s: %s\n", maxp, o->baseline_name, sb_str(&left_out));
    sb_free(&left_out);
    double pad = fmax(0.05, 0.08 * (xmax - xmin));
    StrBuf *b = &f->body;
    char t[256];
    sb_printf(b, "set title \"Preference against the reference by relative length (%s; bars: ±1 SE)\"\n",
              o->unit == LEN_WORDS ? "words" : "characters");
    snprintf(f->bars, sizeof f->bars, "±1 SE (binomial, per bin)");
    sb_printf(b, "set xlabel \"Log length ratio, log((length + 1) / (reference length + 1)), %s\"\n",
              o->unit == LEN_WORDS ? "words" : "characters");
    sb_add(b, "set ylabel \"Fraction preferred to the reference\"\nset yrange [-0.02:1.02]\nset ytics 0,0.1,1\n"
              "set grid ytics lc rgb \"#e0e0e0\"\nset key outside right top\n");
    sb_printf(b, "set xrange [%.6g:%.6g]\n", xmin - pad, xmax + pad);
    sb_add(b, "set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lw 1.2 lc rgb \"#999999\"\n"
              "set arrow 2 from first 0, graph 0 to first 0, graph 1 nohead dt 3 lw 1 lc rgb \"#999999\"\n"
              "# The fitted model (Appendix F): P = 1/(1 + exp(-(theta + w x)))\n"
              "p(x, theta, w) = 1 / (1 + exp(-(theta + w * x)))\n");
    if (curves)
        sb_printf(b, "w = %.10g\n", lc.w);
    sb_add(b, "plot ");
    /* Up to six policies overlap here: each gets its own colour (the
     * Okabe-Ito ones furthest apart first), point shape and curve dash, so
     * that no two read alike, even in grey. */
    static const int COLOR[6] = {0, 1, 2, 3, 6, 4}, SHAPE[6] = {7, 5, 9, 11, 13, 15}, DASH[6] = {1, 2, 4, 5, 3, 1};
    for (size_t k = 0; k < nch; k++) {
        const char *name = strpool_get(&s->policies, chosen[k]);
        const char *col = plot_color(COLOR[k % 6]);
        sb_printf(b, "%s\\\n    data skip 1 every ::%zu::%zu using 4:5:6 with yerrorbars "
                     "lc rgb \"%s\" pt %d ps 1.2 title \"%s\"",
                  k ? ", " : "", start[k], end[k], col, SHAPE[k % 6], q(name, t, sizeof t));
        const LcPolicy *lp = &lc.pol[chosen[k]];
        if (curves && (lp->status == LC_FITTED || lp->status == LC_BASELINE))
            sb_printf(b, ", \\\n    p(x, %.10g, w) lc rgb \"%s\" lw 2 dt %d notitle", lp->theta, col, DASH[k % 6]);
    }
    sb_add(b, "\n");
    free(xy);
    free(start);
    free(end);
done:
    if (have_lc)
        lengthctl_free(&lc);
    free(left);
    free(chosen);
    free(cnt);
    return rc;
}

/* ---- likert ---- */

int fig_likert(const AxisSet *s, const FigOptions *o, Figure *f, TlError *err)
{
    int dset = -1;
    if (o->dataset)
        dset = strcmp(o->dataset, "news") == 0 ? DOMAIN_NEWS : DOMAIN_TLDR;
    size_t nd[DOMAIN_N] = {0};
    for (size_t i = 0; i < s->n; i++)
        nd[s->rows[i].domain]++;
    if (dset < 0)
        dset = nd[DOMAIN_TLDR] ? DOMAIN_TLDR : DOMAIN_NEWS;
    if (!nd[dset]) {
        tlerr_set(err, "likert: no %s axis evals in scope", domain_name((Domain)dset));
        return -1;
    }
    if (nd[DOMAIN_TLDR] && nd[DOMAIN_NEWS] && !o->dataset)
        sb_printf(&f->notes, "drawing the tldr ratings; the news ones too are in scope (--dataset news)\n");
    LikertResult res;
    likert_compute(s, o->level, &res);
    size_t P = s->policies.n, nrows = 0, last_len = 0;
    sb_add(&f->csv, "dataset,policy,n");
    for (int a = 0; a < AXIS_N; a++)
        sb_printf(&f->csv, ",%s_mean,%s_lo,%s_hi", axis_name((Axis)a), axis_name((Axis)a), axis_name((Axis)a));
    sb_add(&f->csv, ",share_1,share_2,share_3,share_4,share_5,share_6,share_7\n");
    for (size_t r = 0; r < P; r++) {
        /* The baseline (reference) first, then the others as they appear. */
        size_t p = o->baseline < P ? (r == 0 ? o->baseline : r <= o->baseline ? r - 1 : r) : r;
        const LikertRow *ax[AXIS_N] = {0};
        for (size_t i = 0; i < res.n; i++)
            if ((int)res.rows[i].dataset == dset && res.rows[i].policy == p)
                ax[res.rows[i].axis] = &res.rows[i];
        if (!ax[AXIS_OVERALL])
            continue;
        csv_str(&f->csv, domain_name((Domain)dset));
        sb_add(&f->csv, ",");
        csv_str(&f->csv, strpool_get(&s->policies, (uint32_t)p));
        last_len = strlen(strpool_get(&s->policies, (uint32_t)p));
        sb_printf(&f->csv, ",%zu", ax[AXIS_OVERALL]->n);
        for (int a = 0; a < AXIS_N; a++) {
            double v[3] = {NAN, NAN, NAN};
            if (ax[a]) {
                v[0] = ax[a]->mean;
                v[1] = ax[a]->ci_lo;
                v[2] = ax[a]->ci_hi;
            }
            for (int k = 0; k < 3; k++) {
                sb_add(&f->csv, ",");
                csv_num(&f->csv, v[k]);
            }
        }
        for (int k = 0; k < 7; k++) {
            sb_add(&f->csv, ",");
            csv_num(&f->csv, (double)ax[AXIS_OVERALL]->hist[k] / (double)ax[AXIS_OVERALL]->n);
        }
        sb_add(&f->csv, "\n");
        nrows++;
    }
    likert_free(&res);
    if (!nrows) {
        tlerr_set(err, "likert: no overall ratings in the %s axis evals", domain_name((Domain)dset));
        return -1;
    }
    f->width = nrows > 8 ? 1400 : 1100;
    f->height = 900;
    StrBuf *b = &f->body;
    /* The last tic label, rotated down to the right, reaches past the
     * plot by about 0.9 of its length in characters: room for it. */
    int rmar = (int)(0.9 * (double)last_len) - 2;
    sb_add(b, "set multiplot layout 2,1\n"
              "set style data histograms\n"
              "set style histogram errorbars gap 2 lw 1\n"
              "set style fill solid 0.85 border -1\n"
              "set boxwidth 0.9\n");
    sb_printf(b, "set title \"Ratings per axis (%s), mean with %g%% t interval\"\n",
              dset == DOMAIN_TLDR ? "TL;DR" : "news", 100 * o->level);
    snprintf(f->bars, sizeof f->bars, "%g%% t interval of the mean", 100 * o->level);
    sb_add(b, "set ylabel \"Mean rating (1-7)\"\nset yrange [1:7.6]\nset ytics 1\n"
              "set grid ytics lc rgb \"#e0e0e0\"\nset xtics rotate by -25 nomirror\n"
              "set key top center horizontal\n");
    if (rmar > 2)
        sb_printf(b, "set rmargin %d\n", rmar);
    sb_add(b, "plot ");
    /* A mean without an interval (one rating, or all equal: the CSV has
     * no bounds) is drawn without a bar rather than left out. */
    for (int a = 0; a < AXIS_N; a++) {
        int m = 4 + 3 * a, lo = m + 1, hi = m + 2;
        sb_printf(b, "%s\\\n    data skip 1 using %d:(valid(%d) ? $%d : $%d):(valid(%d) ? $%d : $%d)%s lc rgb \"%s\" "
                     "title \"%s\"",
                  a ? ", " : "", m, lo, lo, m, hi, hi, m, a == 0 ? ":xtic(2)" : "", plot_color(a), axis_name((Axis)a));
    }
    sb_add(b, "\nset title \"Distribution of overall scores\"\n"
              "set style histogram rowstacked\n"
              "set style fill solid 0.9 border rgb \"white\"\n"
              "set ylabel \"Share of ratings\"\nset yrange [0:1]\nset ytics 0.2\n"
              "set key outside right center vertical title \"score\"\n");
    if (rmar > 12)
        sb_printf(b, "set rmargin %d\n", rmar);
    sb_add(b, "plot ");
    static const char *const RAMP[7] = {"#b2182b", "#d6604d", "#f4a582", "#d9d9d9", "#92c5de", "#4393c3",
                                        "#2166ac"};
    for (int k = 0; k < 7; k++)
        sb_printf(b, "%s\\\n    data skip 1 using %d%s lc rgb \"%s\" title \"%d\"", k ? ", " : "",
                  4 + 3 * AXIS_N + k, k == 0 ? ":xtic(2)" : "", RAMP[k], k + 1);
    sb_add(b, "\nunset multiplot\n");
    return 0;
}

/* ---- overopt ---- */

/* A point of the figure. Series are (method, model size, reward model):
 * the paper's Figure 5 holds the size fixed, and a curve across sizes or
 * reward models would read as over-optimization where there is none.
 * Panels are model sizes. */
typedef struct {
    const WinrateRow *row;
    double kl, lo, hi;
    double rm_n, rm, rm_lo, rm_hi;
    double gn, gwins, gwin, glo, ghi; /* the gold judge's preference; NaN without --gold records */
    size_t series, panel;
} OoPoint;

static int cmp_params(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return a < b ? -1 : a > b;
}

static int same_series(const PolicyMeta *x, const PolicyMeta *y)
{
    return x->method == y->method && cmp_params(x->params, y->params) == 0 && strcmp(x->rm, y->rm) == 0;
}

/* Order: size (the panel), method, reward model, KL. */
static int cmp_oo(const void *a, const void *b)
{
    const OoPoint *x = a, *y = b;
    const PolicyMeta *p = &x->row->meta, *r = &y->row->meta;
    int c = cmp_params(p->params, r->params);
    if (c)
        return c;
    if (p->method != r->method)
        return (int)p->method - (int)r->method;
    if ((c = strcmp(p->rm, r->rm)) != 0)
        return c;
    return x->kl < y->kl ? -1 : x->kl > y->kl;
}

/* The RM's predicted preference of r's summaries over the references:
 * mean sigmoid(score difference) over posts, with a normal interval. */
static void oo_rm_pred(const RmScores *rm, const char *label, double level, OoPoint *pt)
{
    double sum = 0, sum2 = 0;
    size_t m = 0;
    for (size_t k = 0; k < rm->n; k++)
        if (strcmp(rm->policy[k], label) == 0) {
            double v = stats_sigmoid(rm->rm_policy[k] - rm->rm_ref[k]);
            sum += v;
            sum2 += v * v;
            m++;
        }
    pt->rm_n = (double)m;
    if (m) {
        pt->rm = sum / (double)m;
        if (m > 1) {
            double var = (sum2 - (double)m * pt->rm * pt->rm) / (double)(m - 1);
            double half = stats_z(level) * sqrt(fmax(var, 0) / (double)m);
            pt->rm_lo = pt->rm - half;
            pt->rm_hi = pt->rm + half;
        }
    }
}

/* A series' legend title: the method, and the size and reward model when
 * the figure has more than one of them. */
static void oo_series_title(const PolicyMeta *m, int many_sizes, int many_rms, char *buf, size_t cap)
{
    size_t off = (size_t)snprintf(buf, cap, "%s", m->method == METHOD_RL ? "PPO" : "best-of-N");
    if (many_sizes && off < cap) {
        char size[32];
        policy_size_label(m->params, size, sizeof size);
        off += (size_t)snprintf(buf + off, cap - off, " %s", size);
    }
    if (many_rms && off < cap)
        snprintf(buf + off, cap - off, ", %s", m->rm[0] ? m->rm : "RM unknown");
}

/* The preference sources of the figure: the labelers, the gold judge and
 * the reward model's prediction. */
enum { SRC_LABELERS, SRC_GOLD, SRC_RM, SRC_N };
static const char *const SRC_NAME[SRC_N] = {"labelers", "gold", "rm"};

static double oo_pref(const OoPoint *p, int src)
{
    return src == SRC_LABELERS ? p->row->win_rate : src == SRC_GOLD ? p->gwin : p->rm_n > 0 ? p->rm : NAN;
}

/* The supervised policy of a size: its preference per source (NaN when
 * unknown). The one with the most comparisons stands for the size. */
typedef struct {
    const char *name;
    double pref[SRC_N];
} OoSft;

static void oo_sft(const WinrateResult *wr, const WinrateResult *gwr, const FigOptions *o, double params, OoSft *s)
{
    const WinrateRow *b = NULL;
    for (size_t i = 0; i < wr->n; i++) {
        const WinrateRow *r = &wr->rows[i];
        if (r->meta.method == METHOD_SUPERVISED && cmp_params(r->meta.params, params) == 0 &&
            strcmp(r->meta.trained_on, "cnndm") != 0 && (!b || r->n > b->n))
            b = r;
    }
    s->name = b ? b->label : NULL;
    for (int k = 0; k < SRC_N; k++)
        s->pref[k] = NAN;
    if (!b)
        return;
    s->pref[SRC_LABELERS] = b->win_rate;
    const WinrateRow *g = wr_find(gwr, b->label);
    if (g)
        s->pref[SRC_GOLD] = g->win_rate;
    if (o->rm) {
        OoPoint t = {.rm = NAN};
        oo_rm_pred(o->rm, b->label, o->level, &t);
        s->pref[SRC_RM] = t.rm_n > 0 ? t.rm : NAN;
    }
}

/* The KL at which the fitted R(d) peaks (NaN when it has no interior
 * maximum): best-of-N d* = alpha / (2 beta); RL d* = exp(alpha/beta - 1). */
static double gao_peak_kl(const GaoFit *g)
{
    if (!(g->beta > 0))
        return NAN;
    double d = g->form == GAO_BON ? g->alpha / (2 * g->beta) : exp(g->alpha / g->beta - 1);
    return d > 0 ? d * d : NAN;
}

static const TableCol OO_DROP_COLS[] = {
    {"size", "size", COL_STR, 0, 0},
    {"method", "method", COL_STR, 0, 0},
    {"rm", "RM", COL_STR, 0, SHOW_DATA},
    {"peak_policy", "gold peak", COL_STR, 0, 0},
    {"peak_kl", "KL", COL_NUM, 3, 0},
    {"peak_gold_pref", "gold pref", COL_NUM, 3, 0},
    {"last_policy", "highest KL", COL_STR, 0, 0},
    {"last_kl", "KL ", COL_NUM, 3, 0},
    {"last_gold_pref", "gold pref ", COL_NUM, 3, 0},
    {"overall_peak", "overall at peak", COL_NUM, 3, 0},
    {"overall_last", "overall at highest KL", COL_NUM, 3, 0},
    {"drop", "drop", COL_NUM, 3, 0},
    {"ceiling", "ceiling (coverage, accuracy)", COL_NUM, 3, 0},
    {"length", "length", COL_NUM, 3, 0},
    {"invented", "invented", COL_NUM, 3, 0},
    {"contradicted", "contradicted", COL_NUM, 3, 0},
    {"repetition", "repetition", COL_NUM, 3, 0},
    {"truncation", "truncation", COL_NUM, 3, 0},
    {"incoherent", "incoherence", COL_NUM, 3, 0},
};

static const TableCol OO_FIT_COLS[] = {
    {"size", "size", COL_STR, 0, 0},
    {"method", "method", COL_STR, 0, 0},
    {"rm", "RM", COL_STR, 0, SHOW_DATA},
    {"source", "source", COL_STR, 0, 0},
    {"form", "R(d)", COL_STR, 0, 0},
    {"sft_policy", "supervised", COL_STR, 0, SHOW_DATA},
    {"sft_pref", "supervised pref", COL_NUM, 3, 0},
    {"n", "n", COL_INT, 0, 0},
    {"alpha", "alpha", COL_NUM, 4, 0},
    {"alpha_se", "SE", COL_NUM, 4, 0},
    {"beta", "beta", COL_NUM, 4, 0},
    {"beta_se", "SE ", COL_NUM, 4, 0},
    {"rss", "RSS", COL_NUM, 5, 0},
    {"fit_peak_kl", "fit's peak KL", COL_NUM, 3, 0},
};

#define FIT_TITLE "\\nlines: Gao et al. fits, solid to the labelers, dash-dot to gold"

int fig_overopt(const ComparisonSet *s, const FigOptions *o, Figure *f, Table *tables, TlError *err)
{
    WinrateOptions wo = {o->baseline, GROUP_POLICY, o->unit, 0, 0, o->level, o->meta, 0};
    WinrateResult wr, gwr;
    winrate_compute(s, &wo, &wr);
    int have_gold_set = gold_winrates(o, &wo, f, "curve", &gwr);
    table_init(&tables[0], OO_DROP_COLS, sizeof OO_DROP_COLS / sizeof OO_DROP_COLS[0]);
    table_init(&tables[1], OO_FIT_COLS, sizeof OO_FIT_COLS / sizeof OO_FIT_COLS[0]);
    const char *ds = o->dataset ? o->dataset : "tldr";
    OoPoint *pts = xcalloc(wr.n ? wr.n : 1, sizeof *pts);
    size_t *first = xcalloc(wr.n + 1, sizeof *first), *pfirst = xcalloc(wr.n + 1, sizeof *pfirst);
    size_t *peak = NULL, *gpeak = NULL;
    GaoFit *fits = NULL;
    OoSft *sft = NULL;
    size_t n = 0;
    StrBuf unknown;
    sb_init(&unknown);
    for (size_t i = 0; i < wr.n; i++) {
        const WinrateRow *r = &wr.rows[i];
        if (r->meta.method != METHOD_RL && r->meta.method != METHOD_BEST_OF_N)
            continue;
        if (isnan(r->meta.kl) || r->meta.kl <= 0) {
            sb_printf(&unknown, "%s%s", unknown.len ? ", " : "", r->label);
            continue;
        }
        OoPoint *pt = &pts[n++];
        pt->row = r;
        pt->kl = r->meta.kl;
        stats_wilson((double)r->wins, (double)r->n, o->level, &pt->lo, &pt->hi);
        pt->rm = pt->rm_lo = pt->rm_hi = NAN;
        if (o->rm)
            oo_rm_pred(o->rm, r->label, o->level, pt);
        pt->gn = pt->gwins = pt->gwin = pt->glo = pt->ghi = NAN;
        const WinrateRow *g = have_gold_set ? wr_find(&gwr, r->label) : NULL;
        if (g && g->n) {
            pt->gn = (double)g->n;
            pt->gwins = (double)g->wins;
            pt->gwin = g->win_rate;
            stats_wilson((double)g->wins, (double)g->n, o->level, &pt->glo, &pt->ghi);
        }
    }
    if (unknown.len)
        sb_printf(&f->notes, "not drawn (KL unknown; give it with --meta or a _klX name): %s\n", unknown.s);
    int rc = 0;
    if (n == 0) {
        tlerr_set(err, "overopt needs RL or best-of-N policies with a known KL from the supervised policy, compared "
                       "with '%s' (KL from --meta, or names like sup4_ppo_rm4_kl14 or sup4_bo16_rm4); none in scope",
                  o->baseline_name);
        rc = -1;
        goto done;
    }
    qsort(pts, n, sizeof *pts, cmp_oo);
    snprintf(f->bars, sizeof f->bars, "%g%% Wilson interval (labelers)", 100 * o->level);
    /* Series: runs of equal (method, size, reward model); first[k] is the
     * first point of series k, first[nser] = n. Panels: runs of equal
     * size; pfirst[j] is the first series of panel j. */
    size_t nser = 0, npan = 0;
    int many_rms = 0, have_gold = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !same_series(&pts[i].row->meta, &pts[i - 1].row->meta)) {
            if (i == 0 || cmp_params(pts[i].row->meta.params, pts[i - 1].row->meta.params) != 0)
                pfirst[npan++] = nser;
            first[nser++] = i;
        }
        pts[i].series = nser - 1;
        pts[i].panel = npan - 1;
        /* more than one reward model within a panel: the legend names them */
        many_rms |= strcmp(pts[i].row->meta.rm, pts[first[pfirst[npan - 1]]].row->meta.rm) != 0;
        have_gold |= !isnan(pts[i].gwin);
    }
    first[nser] = n;
    pfirst[npan] = nser;
    if (o->gold && !have_gold)
        sb_printf(&f->notes, "the gold comparisons name none of the drawn policies: no gold curve\n");
    /* Peaks only on a curve: three KL values or more; the labelers' and
     * the gold judge's apart. */
    peak = xmalloc(nser * sizeof *peak);
    gpeak = xmalloc(nser * sizeof *gpeak);
    size_t curves = 0;
    for (size_t k = 0; k < nser; k++) {
        peak[k] = gpeak[k] = n;
        if (first[k + 1] - first[k] < 3)
            continue;
        curves++;
        peak[k] = first[k];
        for (size_t i = first[k]; i < first[k + 1]; i++) {
            if (pts[i].row->win_rate > pts[peak[k]].row->win_rate)
                peak[k] = i;
            if (!isnan(pts[i].gwin) && (gpeak[k] == n || pts[i].gwin > pts[gpeak[k]].gwin))
                gpeak[k] = i;
        }
    }
    /* Gao et al.'s fits, per series of three points or more and source,
     * to the preference minus the supervised policy's of the same size. */
    fits = xcalloc(nser * SRC_N, sizeof *fits);
    sft = xcalloc(npan, sizeof *sft);
    for (size_t j = 0; j < npan; j++)
        oo_sft(&wr, have_gold_set ? &gwr : NULL, o, pts[first[pfirst[j]]].row->meta.params, &sft[j]);
    StrBuf nofit;
    sb_init(&nofit);
    double *kx = xmalloc(n * sizeof *kx), *yx = xmalloc(n * sizeof *yx);
    for (size_t k = 0; k < nser; k++) {
        const OoPoint *p0 = &pts[first[k]];
        const OoSft *sf = &sft[p0->panel];
        GaoForm form = p0->row->meta.method == METHOD_BEST_OF_N ? GAO_BON : GAO_RL;
        for (int src = 0; src < SRC_N; src++) {
            GaoFit *g = &fits[k * SRC_N + src];
            g->n = 0;
            g->alpha = g->beta = NAN;
            if (first[k + 1] - first[k] < 3)
                continue;
            size_t m = 0;
            for (size_t i = first[k]; i < first[k + 1]; i++) {
                kx[m] = pts[i].kl;
                yx[m++] = oo_pref(&pts[i], src) - sf->pref[src];
            }
            TlError e2;
            char title[160];
            oo_series_title(&p0->row->meta, 1, many_rms, title, sizeof title);
            if ((src == SRC_GOLD && !have_gold) || (src == SRC_RM && !o->rm))
                continue; /* no such curve: said once below */
            if (isnan(sf->pref[src])) {
                sb_printf(&nofit, "%s%s (%s: no supervised preference)", nofit.len ? ", " : "", title, SRC_NAME[src]);
                continue;
            }
            if (gao_fit(form, kx, yx, m, g, &e2) != 0) {
                sb_printf(&nofit, "%s%s (%s: %s)", nofit.len ? ", " : "", title, SRC_NAME[src], e2.msg);
                g->n = 0;
                continue;
            }
            char size[32];
            policy_size_label(p0->row->meta.params, size, sizeof size);
            Table *t = &tables[1];
            table_row(t);
            table_str(t, size);
            table_str(t, method_name(p0->row->meta.method));
            table_str(t, p0->row->meta.rm);
            table_str(t, SRC_NAME[src]);
            table_str(t, form == GAO_BON ? "d(alpha - beta d)" : "d(alpha - beta log d)");
            table_str(t, sf->name);
            table_num(t, sf->pref[src]);
            table_int(t, (long long)g->n);
            table_num(t, g->alpha);
            table_num(t, g->alpha_se);
            table_num(t, g->beta);
            table_num(t, g->beta_se);
            table_num(t, g->rss);
            /* the fit's peak, when it lies within ten times the KL measured */
            double pk = gao_peak_kl(g);
            table_num(t, pk <= 10 * pts[first[k + 1] - 1].kl ? pk : NAN);
        }
    }
    free(kx);
    free(yx);
    if (nofit.len)
        sb_printf(&f->notes, "no Gao fit for: %s\n", sb_str(&nofit));
    sb_free(&nofit);
    /* The gold drop per series: from the gold peak to the highest KL, in
     * the judge's overall score, by penalty. */
    if (o->judge && have_gold)
        for (size_t k = 0; k < nser; k++) {
            size_t a = gpeak[k], z = first[k + 1] - 1;
            if (a == n)
                continue;
            const OoJudgeRow *ja = oo_judge_find(o->judge, ds, pts[a].row->label),
                             *jz = oo_judge_find(o->judge, ds, pts[z].row->label);
            if (!ja || !jz) {
                sb_printf(&f->notes, "no gold drop for %s: the judge summary has no %s row for %s\n",
                          pts[a].row->label, ds, !ja ? pts[a].row->label : pts[z].row->label);
                continue;
            }
            double parts[1 + OO_NPEN];
            double drop = oo_decompose(ja, jz, parts);
            char size[32];
            policy_size_label(pts[a].row->meta.params, size, sizeof size);
            Table *t = &tables[0];
            table_row(t);
            table_str(t, size);
            table_str(t, method_name(pts[a].row->meta.method));
            table_str(t, pts[a].row->meta.rm);
            table_str(t, pts[a].row->label);
            table_num(t, pts[a].kl);
            table_num(t, pts[a].gwin);
            table_str(t, pts[z].row->label);
            table_num(t, pts[z].kl);
            table_num(t, pts[z].gwin);
            table_num(t, ja->overall);
            table_num(t, jz->overall);
            table_num(t, drop);
            for (int q = 0; q < 1 + OO_NPEN; q++)
                table_num(t, parts[q]);
        }
    double kmin = INFINITY, kmax = 0, ymin = 0.5, ymax = 0.5;
    int have_rm = 0;
    for (size_t i = 0; i < n; i++) {
        kmin = fmin(kmin, pts[i].kl);
        kmax = fmax(kmax, pts[i].kl);
        ymin = fmin(ymin, pts[i].lo);
        ymax = fmax(ymax, pts[i].hi);
        if (!isnan(pts[i].gwin)) {
            ymin = fmin(ymin, pts[i].gwin);
            ymax = fmax(ymax, pts[i].gwin);
        }
        if (pts[i].rm_n > 0) {
            have_rm = 1;
            ymin = fmin(ymin, isnan(pts[i].rm_lo) ? pts[i].rm : pts[i].rm_lo);
            ymax = fmax(ymax, isnan(pts[i].rm_hi) ? pts[i].rm : pts[i].rm_hi);
        }
    }
    if (o->rm && !have_rm)
        sb_printf(&f->notes, "the --rm-scores file names none of the drawn policies: no RM curve\n");
    if (curves == 0)
        sb_printf(&f->notes, "no series has three KL values or more: no curve, so no peak is marked and no fit made\n");
    sb_add(&f->csv, "policy,method,params,rm,series,kl,n,wins,win_rate,lo,hi,rm_n,rm_pred,rm_lo,rm_hi,peak,"
                    "gold_n,gold_wins,gold_win_rate,gold_lo,gold_hi,gold_peak,panel,d\n");
    for (size_t i = 0; i < n; i++) {
        const WinrateRow *r = pts[i].row;
        char title[160], size[32];
        oo_series_title(&r->meta, 1, 1, title, sizeof title);
        policy_size_label(r->meta.params, size, sizeof size);
        csv_row(&f->csv, "ssnssniinnninnninnnnnisn", r->label, method_name(r->meta.method), r->meta.params,
                r->meta.rm, title, pts[i].kl, (size_t)r->n, (size_t)r->wins, r->win_rate, pts[i].lo, pts[i].hi,
                (size_t)pts[i].rm_n, pts[i].rm, pts[i].rm_lo, pts[i].rm_hi, (size_t)(peak[pts[i].series] == i),
                pts[i].gn, pts[i].gwins, pts[i].gwin, pts[i].glo, pts[i].ghi, (size_t)(gpeak[pts[i].series] == i),
                size, sqrt(pts[i].kl));
    }
    /* One y range for all panels: the data and the 0.5 line, on a 0.1 grid within [0, 1]. */
    ymin = fmax(0, floor(ymin * 10 - 0.25) / 10);
    ymax = fmin(1, ceil(ymax * 10 + 0.25) / 10);
    double xlo = kmin / 1.8, xhi = kmax * 1.8;
    StrBuf *b = &f->body;
    char pct[16];
    snprintf(pct, sizeof pct, "%g%%", o->level * 100);
    size_t cols = npan <= 3 ? npan : (npan + 1) / 2, rows = (npan + cols - 1) / cols;
    size_t most = 0; /* the most series in a panel: the legend's height */
    for (size_t j = 0; j < npan; j++)
        most = pfirst[j + 1] - pfirst[j] > most ? pfirst[j + 1] - pfirst[j] : most;
    /* The legend, in two columns under each panel: the reference line,
     * then per series labelers, gold, RM and two peaks at most. */
    size_t key_rows = (1 + most * (3 + (size_t)have_gold + (size_t)have_rm) + 1) / 2;
    f->width = (int)(cols == 1 ? 1000 : 80 + 820 * cols);
    f->height = (int)(rows * (480 + 19 * key_rows));
    if (npan > 1)
        sb_printf(b, "set multiplot layout %zu,%zu title \"Reward model over-optimization, one panel per model "
                     "size (bars: %s Wilson intervals of the labelers' preference)\"\n",
                  rows, cols, pct);
    sb_add(b, "set xlabel \"KL from the supervised policy (nats)\"\n"
              "set ylabel \"Fraction preferred to the reference\"\n"
              "set logscale x\n");
    sb_printf(b, "set xrange [%.6g:%.6g]\n", xlo, xhi);
    sb_add(b, "set xtics (\"0.001\" 0.001, \"0.01\" 0.01, \"0.1\" 0.1, \"0.2\" 0.2, \"0.5\" 0.5, \"1\" 1, \"2\" 2, \"5\" 5, \"10\" 10, "
              "\"20\" 20, \"50\" 50, \"100\" 100, \"200\" 200, \"500\" 500, \"1000\" 1000)\nset mxtics 10\n");
    sb_printf(b, "set yrange [%.2f:%.2f]\nset ytics 0,0.1,1\nset grid ytics lc rgb \"#e0e0e0\"\n"
                 "set key outside below center horizontal maxcols 2 samplen 2 spacing 1.05 font \",9\"\nset bmargin %zu\n"
                 "set samples 200\n",
              ymin, ymax, 4 + key_rows);
    for (size_t j = 0; j < npan; j++) {
        const OoPoint *p0 = &pts[first[pfirst[j]]];
        char size[32];
        policy_size_label(p0->row->meta.params, size, sizeof size);
        if (npan > 1)
            sb_printf(b, "set title \"%s parameters%s\"\n", size, curves ? FIT_TITLE : "");
        else
            sb_printf(b, "set title \"Reward model over-optimization, %s (bars: %s Wilson intervals)%s\"\n", size,
                      pct, curves ? FIT_TITLE : "");
        sb_add(b, "plot 0.5 with lines dt 2 lw 1.2 lc rgb \"#777777\" title \"reference summaries\"");
        for (size_t k = pfirst[j]; k < pfirst[j + 1]; k++) {
            size_t a = first[k], z = first[k + 1] - 1;
            const PolicyMeta *m = &pts[a].row->meta;
            char title[160], qt[200];
            oo_series_title(m, 0, many_rms, title, sizeof title);
            q(title, qt, sizeof qt);
            const char *col = plot_color(!many_rms ? (m->method == METHOD_RL ? 2 : 3) : (int)(k - pfirst[j]));
            int pt = m->method == METHOD_RL ? 7 : 9;
            const GaoFit *fl = &fits[k * SRC_N + SRC_LABELERS], *fg = &fits[k * SRC_N + SRC_GOLD];
            /* A fitted source is drawn as points and its fitted curve; an
             * unfitted one as points joined by lines. */
            sb_printf(b, ", \\\n    data skip 1 every ::%zu::%zu using 6:9:10:11 with %s "
                         "lc rgb \"%s\" pt %d ps 1.1 lw 2 title \"%s, labelers\"",
                      a, z, fl->n ? "yerrorbars" : "yerrorlines", col, pt, qt);
            if (have_gold)
                sb_printf(b, ", \\\n    data skip 1 every ::%zu::%zu using 6:19 with %s "
                             "dt 4 lc rgb \"%s\" pt %d ps 1.3 lw 2 title \"%s, gold\"",
                          a, z, fg->n ? "points" : "linespoints", col, m->method == METHOD_RL ? 5 : 13, qt);
            if (have_rm)
                sb_printf(b, ", \\\n    data skip 1 every ::%zu::%zu using 6:13 with linespoints "
                             "dt 2 lc rgb \"%s\" pt %d ps 0.9 lw 1.5 title \"%s, RM prediction\"",
                          a, z, col, pt - 1, qt);
            for (int src = 0; src < 2; src++) {
                const GaoFit *g = src ? fg : fl;
                if (!g->n)
                    continue;
                double s0 = sft[pts[a].panel].pref[src];
                sb_printf(b, ", \\\n    [x=%.6g:%.6g] %.10g + %.10g*sqrt(x) - %.10g*%s lc rgb \"%s\" lw %s %snotitle",
                          pts[a].kl, pts[z].kl, s0, g->alpha, g->beta,
                          g->form == GAO_BON ? "x" : "sqrt(x)*log(sqrt(x))", col, src ? "1.5" : "2",
                          src ? "dt 4 " : "");
            }
        }
        /* The peaks: a ring round the labelers' and a square round gold's,
         * each named in the legend (a label on the plot would cover data). */
        for (size_t k = pfirst[j]; k < pfirst[j + 1]; k++)
            for (int src = 0; src < 2; src++) {
                size_t pk = src ? gpeak[k] : peak[k];
                if (pk == n)
                    continue;
                const OoPoint *p = &pts[pk];
                char lab[200], qlab[240], title[160];
                oo_series_title(&p->row->meta, 0, many_rms, title, sizeof title);
                snprintf(lab, sizeof lab, "%s %s peak: %.2f at %.3g nats", title, src ? "gold" : "labelers",
                         src ? p->gwin : p->row->win_rate, p->kl);
                sb_printf(b, ", \\\n    data skip 1 every ::%zu::%zu using 6:%d with points pt %d ps 3 lw 2 "
                             "lc rgb \"#000000\" title \"%s\"",
                          pk, pk, src ? 19 : 9, src ? 4 : 6, q(lab, qlab, sizeof qlab));
            }
        sb_add(b, "\n");
    }
    if (npan > 1)
        sb_add(b, "unset multiplot\n");
    if (!have_rm && !o->rm)
        sb_printf(&f->notes, "no reward-model curve (give one with --rm-scores FILE)\n");
    if (!o->gold)
        sb_printf(&f->notes, "no gold curve (give the gold judge's comparisons with --gold FILE...)\n");
done:
    sb_free(&unknown);
    free(peak);
    free(gpeak);
    free(fits);
    free(sft);
    free(first);
    free(pfirst);
    free(pts);
    winrate_free(&wr);
    if (have_gold_set)
        winrate_free(&gwr);
    return rc;
}
/* ---- transfer ---- */

typedef struct {
    double x, y;
} Pt;

static int cmp_pt(const void *a, const void *b)
{
    double x = ((const Pt *)a)->x, y = ((const Pt *)b)->x;
    return x < y ? -1 : x > y;
}

static const TableCol TR_COLS[] = {
    {"policy", "policy", COL_STR, 0, 0},
    {"role", "role", COL_STR, 0, 0},
    {"n", "n", COL_INT, 0, 0},
    {"mean_overall", "mean overall", COL_NUM, 2, 0},
    {"mean_chars", "mean chars", COL_NUM, 0, 0},
    {"slope_per100", "per 100 chars", COL_NUM, 2, 0},
    {"intercept", "intercept", COL_NUM, 2, 0},
};

int fig_transfer(const AxisSet *s, const FigOptions *o, Figure *f, Table *table, TlError *err)
{
    size_t P = s->policies.n;
    table_init(table, TR_COLS, sizeof TR_COLS / sizeof TR_COLS[0]);
    Pt *pt = xmalloc((s->n ? s->n : 1) * sizeof *pt);
    size_t *start = xcalloc(P, sizeof *start), *end = xcalloc(P, sizeof *end);
    int *drawn = xcalloc(P, sizeof *drawn);
    double *a0 = xcalloc(P, sizeof *a0), *b1 = xcalloc(P, sizeof *b1), *xlo = xcalloc(P, sizeof *xlo),
           *xhi = xcalloc(P, sizeof *xhi);
    size_t row = 0, ndrawn = 0;
    double xmin = INFINITY, xmax = -INFINITY;
    sb_add(&f->csv, "policy,role,bin,n,chars_mean,overall_mean,se,intercept,slope,x_min,x_max\n");
    for (size_t p = 0; p < P; p++) {
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++) {
            const AxisEval *e = &s->rows[i];
            if (e->domain == DOMAIN_NEWS && e->policy == p && e->axes[AXIS_OVERALL])
                pt[n++] = (Pt){(double)e->chars, (double)e->axes[AXIS_OVERALL]};
        }
        if (n == 0)
            continue;
        const char *name = strpool_get(&s->policies, (uint32_t)p);
        const char *role = transfer_role(o->baseline, (uint32_t)p, name);
        qsort(pt, n, sizeof *pt, cmp_pt);
        /* Simple regression of overall on length. */
        double mx = 0, my = 0, sxx = 0, sxy = 0;
        for (size_t i = 0; i < n; i++) {
            mx += pt[i].x;
            my += pt[i].y;
        }
        mx /= (double)n;
        my /= (double)n;
        for (size_t i = 0; i < n; i++) {
            sxx += (pt[i].x - mx) * (pt[i].x - mx);
            sxy += (pt[i].x - mx) * (pt[i].y - my);
        }
        double slope = n >= 3 && sxx > 0 ? sxy / sxx : NAN, icpt = my - (isnan(slope) ? 0 : slope) * mx;
        table_row(table);
        table_str(table, name);
        table_str(table, role);
        table_int(table, (long long)n);
        table_num(table, my);
        table_num(table, mx);
        table_num(table, 100 * slope);
        table_num(table, isnan(slope) ? NAN : icpt);
        size_t nb = n >= 40 ? 4 : n >= 12 ? 3 : 1;
        double bin_x[4], bin_y[4], bin_se[4];
        size_t bin_n[4];
        start[p] = row;
        for (size_t bi = 0; bi < nb; bi++) {
            size_t lo = n * bi / nb, hi = n * (bi + 1) / nb;
            double sx = 0, sy = 0, sy2 = 0, m = (double)(hi - lo);
            for (size_t i = lo; i < hi; i++) {
                sx += pt[i].x;
                sy += pt[i].y;
                sy2 += pt[i].y * pt[i].y;
            }
            double ym = sy / m, var = m > 1 ? (sy2 - m * ym * ym) / (m - 1) : NAN; /* SE NA for one rating */
            xmin = fmin(xmin, sx / m);
            xmax = fmax(xmax, sx / m);
            /* The regression line spans the binned lengths drawn. */
            if (bi == 0)
                xlo[p] = sx / m;
            xhi[p] = sx / m;
            bin_x[bi] = sx / m;
            bin_y[bi] = ym;
            bin_se[bi] = isnan(var) ? NAN : sqrt(fmax(var, 0) / m);
            bin_n[bi] = hi - lo;
        }
        /* Rows after the bins are known, so that x_min and x_max give the
         * span of the line drawn. */
        for (size_t bi = 0; bi < nb; bi++) {
            csv_row(&f->csv, "ssiinnnnnnn", name, role, (size_t)(bi + 1), bin_n[bi], bin_x[bi], bin_y[bi],
                    bin_se[bi], isnan(slope) ? NAN : icpt, slope, xlo[p], xhi[p]);
            row++;
        }
        end[p] = row - 1;
        drawn[p] = 1;
        ndrawn++;
        a0[p] = icpt;
        b1[p] = slope;
    }
    int rc = 0;
    if (!ndrawn) {
        tlerr_set(err, "transfer needs news axis evals (info with an article) with overall ratings; none in scope");
        rc = -1;
        goto done;
    }
    f->width = 1150;
    StrBuf *b = &f->body;
    char t[256];
    double pad = fmax(10, 0.06 * (xmax - xmin));
    snprintf(f->bars, sizeof f->bars, "±1 SE of the mean (per length bin)");
    sb_add(b, "set title \"News (CNN/DM-style): overall score against summary length (bars: ±1 SE)\"\n"
              "set xlabel \"Summary length (characters)\"\n"
              "set ylabel \"Overall score (1-7)\"\n"
              "set yrange [1:7]\nset ytics 1\nset grid ytics lc rgb \"#e0e0e0\"\n"
              "set key outside right top\n");
    sb_printf(b, "set xrange [%.6g:%.6g]\nplot ", fmax(0, xmin - pad), xmax + pad);
    int k = 0, firstp = 1;
    for (size_t p = 0; p < P; p++) {
        if (!drawn[p])
            continue;
        const char *name = strpool_get(&s->policies, (uint32_t)p);
        int is_ref = p == o->baseline, is_lead = strcmp(name, "lead3") == 0;
        const char *col = is_ref ? "#000000" : is_lead ? "#777777" : plot_color(k++);
        int ptype = is_ref ? 5 : is_lead ? 9 : 7;
        /* A bin of one rating has no SE (empty): draw its point without a bar. */
        sb_printf(b, "%s\\\n    data skip 1 every ::%zu::%zu using 5:6:(valid(7) ? $7 : 0) with yerrorbars lc rgb \"%s\" "
                     "pt %d ps %s title \"%s%s\"",
                  firstp ? "" : ", ", start[p], end[p], col, ptype, is_ref || is_lead ? "1.6" : "1.1",
                  q(name, t, sizeof t), is_ref ? " (reference)" : is_lead ? " (lead-3)" : "");
        firstp = 0;
        if (!isnan(b1[p]))
            sb_printf(b, ", \\\n    [x=%.6g:%.6g] %.10g + %.10g * x lc rgb \"%s\" lw 2 %snotitle", xlo[p],
                      xhi[p], a0[p], b1[p], col, is_ref || is_lead ? "dt 2 " : "");
    }
    sb_add(b, "\n");
done:
    free(pt);
    free(start);
    free(end);
    free(drawn);
    free(a0);
    free(b1);
    free(xlo);
    free(xhi);
    return rc;
}

/* ---- --rm-scores ---- */

typedef struct {
    RmScores *rm;
    const char *path;
    long line;      /* current record (1-based) */
    int field;
    int cols[3];    /* column index of policy, rm_policy, rm_ref */
    int ncols_seen;
    char *cur[16];  /* the current record's first fields */
    int bad;
    TlError *err;
} RmParse;

static void rm_field(void *s, size_t len, void *data)
{
    RmParse *p = data;
    if (p->field < 16) {
        free(p->cur[p->field]);
        p->cur[p->field] = xmalloc(len + 1);
        memcpy(p->cur[p->field], s, len);
        p->cur[p->field][len] = '\0';
    }
    p->field++;
}

static void rm_record(int c, void *data)
{
    RmParse *p = data;
    (void)c;
    p->line++;
    int nf = p->field;
    p->field = 0;
    if (p->bad)
        return;
    if (p->line == 1) { /* header */
        const char *want[3] = {"policy", "rm_policy", "rm_ref"};
        for (int k = 0; k < 3; k++) {
            p->cols[k] = -1;
            for (int j = 0; j < nf && j < 16; j++)
                if (strcmp(p->cur[j], want[k]) == 0)
                    p->cols[k] = j;
            if (p->cols[k] < 0) {
                tlerr_input(p->err, p->path, 1, want[k], "missing column (the header must name policy, rm_policy and rm_ref)");
                p->bad = 1;
                return;
            }
        }
        return;
    }
    const char *names[3] = {"policy", "rm_policy", "rm_ref"};
    double v[2];
    for (int k = 0; k < 3; k++) {
        if (p->cols[k] >= nf) {
            tlerr_input(p->err, p->path, p->line, names[k], "missing (the record has %d fields)", nf);
            p->bad = 1;
            return;
        }
        if (k > 0 && util_parse_double(p->cur[p->cols[k]], &v[k - 1]) != 0) {
            tlerr_input(p->err, p->path, p->line, names[k], "expected a finite number, got '%s'", p->cur[p->cols[k]]);
            p->bad = 1;
            return;
        }
    }
    RmScores *rm = p->rm;
    if (rm->n == rm->cap) {
        rm->cap = rm->cap ? 2 * rm->cap : 256;
        rm->policy = xrealloc(rm->policy, rm->cap * sizeof *rm->policy);
        rm->rm_policy = xrealloc(rm->rm_policy, rm->cap * sizeof *rm->rm_policy);
        rm->rm_ref = xrealloc(rm->rm_ref, rm->cap * sizeof *rm->rm_ref);
    }
    rm->policy[rm->n] = xstrdup(p->cur[p->cols[0]]);
    rm->rm_policy[rm->n] = v[0];
    rm->rm_ref[rm->n++] = v[1];
}

int rm_scores_load(RmScores *rm, const char *path, TlError *err)
{
    memset(rm, 0, sizeof *rm);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        tlerr_input(err, path, 0, NULL, "is a directory, expected a CSV file");
        return -1;
    }
    RmParse p = {.rm = rm, .path = path, .err = err};
    if (csvread_file(path, rm_field, rm_record, &p, &p.line, &p.bad, err) != 0)
        p.bad = 1;
    for (int k = 0; k < 16; k++)
        free(p.cur[k]);
    if (!p.bad && p.line < 1) {
        tlerr_input(err, path, 0, NULL, "empty file (expected a header naming policy, rm_policy and rm_ref)");
        p.bad = 1;
    }
    if (p.bad) {
        rm_scores_free(rm);
        return -1;
    }
    return 0;
}

void rm_scores_free(RmScores *rm)
{
    for (size_t i = 0; i < rm->n; i++)
        free(rm->policy[i]);
    free(rm->policy);
    free(rm->rm_policy);
    free(rm->rm_ref);
    memset(rm, 0, sizeof *rm);
}
