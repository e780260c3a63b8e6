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
        npts++;
    }
    /* One point per method and size: prefer greedy sampling (the paper
     * evaluates at T = 0), then the most comparisons, then the name. */
    for (size_t i = 0; i < npts; i++) {
        int best = 1;
        for (size_t j = 0; j < npts && best; j++) {
            if (i == j || pts[j].series != pts[i].series ||
                pts[j].row->meta.params != pts[i].row->meta.params)
                continue;
            const WinrateRow *a = pts[i].row, *c = pts[j].row;
            int ga = greedy(&a->meta), gc = greedy(&c->meta);
            if (gc > ga || (gc == ga && (c->n > a->n || (c->n == a->n && strcmp(c->label, a->label) < 0))))
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
    sb_add(&f->csv, "series,method,policy,params,n,win_rate,se,lo,hi,lc_win_rate,theta,theta_se,lc_lo,lc_hi,plotted\n");
    for (size_t i = 0; i < npts; i++) {
        const WinrateRow *r = pts[i].row;
        double raw[2], lcb[3];
        fig1_bars(&pts[i], raw, lcb);
        int fitted = !isnan(lcb[0]);
        csv_row(&f->csv, "sssninnnnnnnnni", SERIES_LABEL[pts[i].series], method_name(r->meta.method), r->label,
                r->meta.params, (size_t)r->n, r->win_rate, r->se, raw[0], raw[1], lcb[0],
                fitted ? pts[i].lc->theta : NAN, fitted ? pts[i].lc->theta_se : NAN, lcb[1], lcb[2],
                (size_t)pts[i].plotted);
    }
    const char *raw_title = "Preference for the policy's summary over the reference (bars: ±1 SE)";
    const char *lc_title = "Length-controlled preference, σ(θ) (bars: σ(θ ± 1 SE))";
    snprintf(f->bars, sizeof f->bars, "%s", o->fig1 == FIG1_RAW ? "±1 SE (binomial)"
                                            : o->fig1 == FIG1_LC ? "σ(θ ± 1 SE), from the logit scale"
                                                                  : "±1 SE (binomial); σ(θ ± 1 SE) for σ(θ)");
    double ylo, yhi;
    fig1_yrange(pts, npts, o->fig1, &ylo, &yhi);
    if (o->fig1 == FIG1_BOTH) {
        f->width = 1400;
        sb_add(&f->body, "set multiplot layout 1,2\n");
        fig1_panel(&f->body, raw_title, 6, 8, pts, npts, sizes, nsizes, ylo, yhi);
        fig1_panel(&f->body, lc_title, 10, 13, pts, npts, sizes, nsizes, ylo, yhi);
        sb_add(&f->body, "unset multiplot\n");
    } else {
        int lcp = o->fig1 == FIG1_LC;
        fig1_panel(&f->body, lcp ? lc_title : raw_title, lcp ? 10 : 6, lcp ? 13 : 8, pts, npts, sizes, nsizes, ylo,
                   yhi);
    }
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
        sb_printf(&f->notes, "not drawn (another policy of the same series and size is): %s\n", sb_str(&unknown));
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
    size_t P = s->policies.n, nrows = 0;
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
              "set key top center horizontal\n"
              "plot ");
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
              "set key outside right center vertical title \"score\"\n"
              "plot ");
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
 * reward models would read as over-optimization where there is none. */
typedef struct {
    const WinrateRow *row;
    double kl, lo, hi;
    double rm_n, rm, rm_lo, rm_hi;
    size_t series;
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

static int cmp_oo(const void *a, const void *b)
{
    const OoPoint *x = a, *y = b;
    const PolicyMeta *p = &x->row->meta, *r = &y->row->meta;
    if (p->method != r->method)
        return (int)p->method - (int)r->method;
    int c = cmp_params(p->params, r->params);
    if (c)
        return c;
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

int fig_overopt(const ComparisonSet *s, const FigOptions *o, Figure *f, TlError *err)
{
    WinrateOptions wo = {o->baseline, GROUP_POLICY, o->unit, 0, 0, o->level, o->meta, 0};
    WinrateResult wr;
    winrate_compute(s, &wo, &wr);
    OoPoint *pts = xcalloc(wr.n ? wr.n : 1, sizeof *pts);
    size_t *first = xcalloc(wr.n + 1, sizeof *first), *peak = NULL;
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
    snprintf(f->bars, sizeof f->bars, "%g%% Wilson interval", 100 * o->level);
    /* Series: runs of equal (method, size, reward model); first[k] is the
     * first point of series k, first[nser] = n. */
    size_t nser = 0;
    int many_sizes = 0, many_rms = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !same_series(&pts[i].row->meta, &pts[i - 1].row->meta))
            first[nser++] = i;
        pts[i].series = nser - 1;
        many_sizes |= cmp_params(pts[i].row->meta.params, pts[0].row->meta.params) != 0;
        many_rms |= strcmp(pts[i].row->meta.rm, pts[0].row->meta.rm) != 0;
    }
    first[nser] = n;
    /* A peak only on a curve: three KL values or more. */
    peak = xmalloc(nser * sizeof *peak);
    size_t curves = 0;
    for (size_t k = 0; k < nser; k++) {
        peak[k] = n;
        if (first[k + 1] - first[k] < 3)
            continue;
        curves++;
        peak[k] = first[k];
        for (size_t i = first[k]; i < first[k + 1]; i++)
            if (pts[i].row->win_rate > pts[peak[k]].row->win_rate)
                peak[k] = i;
    }
    double kmin = INFINITY, kmax = 0, ymin = 0.5, ymax = 0.5;
    int have_rm = 0;
    for (size_t i = 0; i < n; i++) {
        kmin = fmin(kmin, pts[i].kl);
        kmax = fmax(kmax, pts[i].kl);
        ymin = fmin(ymin, pts[i].lo);
        ymax = fmax(ymax, pts[i].hi);
        if (pts[i].rm_n > 0) {
            have_rm = 1;
            ymin = fmin(ymin, isnan(pts[i].rm_lo) ? pts[i].rm : pts[i].rm_lo);
            ymax = fmax(ymax, isnan(pts[i].rm_hi) ? pts[i].rm : pts[i].rm_hi);
        }
    }
    if (o->rm && !have_rm)
        sb_printf(&f->notes, "the --rm-scores file names none of the drawn policies: no RM curve\n");
    if (curves == 0)
        sb_printf(&f->notes, "no series has three KL values or more: no curve, so no peak is marked\n");
    sb_add(&f->csv, "policy,method,params,rm,series,kl,n,wins,win_rate,lo,hi,rm_n,rm_pred,rm_lo,rm_hi,peak\n");
    for (size_t i = 0; i < n; i++) {
        const WinrateRow *r = pts[i].row;
        char title[160];
        oo_series_title(&r->meta, 1, 1, title, sizeof title);
        csv_row(&f->csv, "ssnssniinnninnni", r->label, method_name(r->meta.method), r->meta.params, r->meta.rm,
                title, pts[i].kl, (size_t)r->n, (size_t)r->wins, r->win_rate, pts[i].lo, pts[i].hi,
                (size_t)pts[i].rm_n, pts[i].rm, pts[i].rm_lo, pts[i].rm_hi, (size_t)(peak[pts[i].series] == i));
    }
    /* The y range fits the data and the 0.5 line, on a 0.1 grid within [0, 1]. */
    ymin = fmax(0, floor(ymin * 10 - 0.25) / 10);
    ymax = fmin(1, ceil(ymax * 10 + 0.25) / 10);
    double xlo = kmin / 1.8, xhi = kmax * 1.8;
    StrBuf *b = &f->body;
    char pct[16];
    snprintf(pct, sizeof pct, "%g%%", o->level * 100);
    sb_printf(b, "set title \"Reward model over-optimization (bars: %s Wilson intervals)\"\n"
                 "set xlabel \"KL from the supervised policy (nats)\"\n"
                 "set ylabel \"Fraction preferred to the reference\"\n"
                 "set logscale x\n",
              pct);
    sb_printf(b, "set xrange [%.6g:%.6g]\n", xlo, xhi);
    sb_add(b, "set xtics (\"0.1\" 0.1, \"0.2\" 0.2, \"0.5\" 0.5, \"1\" 1, \"2\" 2, \"5\" 5, \"10\" 10, \"20\" 20, "
              "\"50\" 50, \"100\" 100, \"200\" 200, \"500\" 500, \"1000\" 1000)\nset mxtics 10\n");
    sb_printf(b, "set yrange [%.2f:%.2f]\nset ytics 0,0.1,1\nset grid ytics lc rgb \"#e0e0e0\"\n"
                 "set key outside below center horizontal spacing 1.1\nset bmargin %zu\n"
                 "set samples 2\n",
              ymin, ymax, 5 + (nser * (have_rm ? 2 : 1) + 3) / 3);
    /* Peak labels inside the frame: left of the point in the right half,
     * below the bar near the top. */
    int tag = 2;
    for (size_t k = 0; k < nser; k++) {
        if (peak[k] == n)
            continue;
        const OoPoint *p = &pts[peak[k]];
        char lab[200], qlab[240], title[160];
        oo_series_title(&p->row->meta, many_sizes, many_rms, title, sizeof title);
        snprintf(lab, sizeof lab, "%s%speak: %.2f at %.3g nats", nser > 1 ? title : "", nser > 1 ? " " : "",
                 p->row->win_rate, p->kl);
        int right = log(p->kl / xlo) / log(xhi / xlo) > 0.5;
        int below = p->hi > ymax - 0.12 * (ymax - ymin);
        sb_printf(b, "set label %d \"%s\" at first %.6g, first %.6g offset %s,%s %s tc rgb \"#333333\"\n", tag++,
                  q(lab, qlab, sizeof qlab), p->kl, below ? p->lo : p->hi, right ? "-1.2" : "1.2",
                  below ? "-1.4" : "1.4", right ? "right" : "left");
    }
    sb_add(b, "plot 0.5 with lines dt 2 lw 1.2 lc rgb \"#777777\" title \"reference summaries\"");
    for (size_t k = 0; k < nser; k++) {
        size_t a = first[k], z = first[k + 1] - 1;
        const PolicyMeta *m = &pts[a].row->meta;
        char title[160], qt[200];
        oo_series_title(m, many_sizes, many_rms, title, sizeof title);
        q(title, qt, sizeof qt);
        const char *col = plot_color(nser == 1 || (!many_sizes && !many_rms) ? (m->method == METHOD_RL ? 2 : 3)
                                                                              : (int)k);
        int pt = m->method == METHOD_RL ? 7 : 9;
        sb_printf(b, ", \\\n    data skip 1 every ::%zu::%zu using 6:9:10:11 with yerrorlines "
                     "lc rgb \"%s\" pt %d ps 1.1 lw 2 title \"%s, labelers\"",
                  a, z, col, pt, qt);
        if (have_rm)
            sb_printf(b, ", \\\n    data skip 1 every ::%zu::%zu using 6:13 with linespoints "
                         "dt 2 lc rgb \"%s\" pt %d ps 0.9 lw 1.5 title \"%s, RM prediction\"",
                      a, z, col, pt - 1, qt);
    }
    for (size_t k = 0; k < nser; k++)
        if (peak[k] != n)
            sb_printf(b, ", \\\n    data skip 1 every ::%zu::%zu using 6:9 with points pt 6 ps 3 lw 2 "
                         "lc rgb \"#000000\" notitle",
                      peak[k], peak[k]);
    sb_add(b, "\n");
    if (!have_rm && !o->rm)
        sb_printf(&f->notes, "no reward-model curve (give one with --rm-scores FILE)\n");
done:
    sb_free(&unknown);
    free(peak);
    free(first);
    free(pts);
    winrate_free(&wr);
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
