/* curves.c — training curves: reading the stages' log.csv and meta.json,
 * the curves figure and the table of final values. */
#include "analysis/curves.h"
#include "analysis/policy.h"
#include "common/csvread.h"
#include "common/util.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const STAGE_NAME[CURVE_NSTAGES] = {"pretrain", "sft", "rm", "ppo"};
/* Per stage: the step column, then the kept columns (train first). */
static const char *const STAGE_COLS[CURVE_NSTAGES][1 + CURVE_MAXCOLS] = {
    {"step", "loss", "val_loss", NULL},
    {"step", "loss", "val_loss", NULL},
    {"step", "accuracy", "val_accuracy", NULL},
    {"iteration", "rm_score", "kl", "entropy"},
};
/* What a log of the stage has, for messages. */
static const char *const STAGE_HAS[CURVE_NSTAGES] = {
    "pretrain and sft logs have step, loss and val_loss", "pretrain and sft logs have step, loss and val_loss",
    "an rm train log has step, accuracy and val_accuracy", "a ppo log has iteration, rm_score, kl and entropy"};

const char *curve_stage_name(CurveStage s)
{
    return STAGE_NAME[s];
}

const char *curve_col_name(CurveStage s, int k)
{
    return k >= 0 && k < CURVE_MAXCOLS ? STAGE_COLS[s][1 + k] : NULL;
}

/* Whether column k of stage s is a training quantity (smoothed when drawn)
 * rather than a validation one. */
static int col_is_train(CurveStage s, int k)
{
    return s == CURVE_PPO || k == 0;
}

size_t curves_smooth_halfwidth(size_t n)
{
    return n / 100;
}

void curves_init(CurveSet *cs)
{
    memset(cs, 0, sizeof *cs);
    sb_init(&cs->notes);
}

static void run_free(CurveRun *r)
{
    free(r->dir);
    free(r->name);
    free(r->x);
    for (int k = 0; k < CURVE_MAXCOLS; k++)
        free(r->y[k]);
    memset(r, 0, sizeof *r);
}

void curves_free(CurveSet *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        run_free(&cs->runs[i]);
    free(cs->runs);
    sb_free(&cs->notes);
    memset(cs, 0, sizeof *cs);
}

/* ---- reading log.csv ---- */

typedef struct {
    const char *path;
    long rec;                    /* records completed (the header is 1) */
    int field;                   /* fields seen in the current record */
    char **hdr;                  /* (nhdr) the header's names */
    int nhdr;
    int lm;                      /* the header is a language model's (pretrain or sft) */
    CurveStage stage;            /* pretrain stands for both until meta.json says */
    int col[1 + CURVE_MAXCOLS];  /* header index of the step and kept columns; -1 none */
    double row[1 + CURVE_MAXCOLS];
    CurveRun *run;
    size_t cap;
    int bad;
    TlError *err;
} LogParse;

static void log_field(void *s, size_t len, void *data)
{
    LogParse *p = data;
    int f = p->field++;
    if (p->bad)
        return;
    char *v = xmalloc(len + 1);
    memcpy(v, s, len);
    v[len] = '\0';
    if (p->rec == 0) { /* the header */
        p->hdr = xrealloc(p->hdr, (size_t)(f + 1) * sizeof *p->hdr);
        p->hdr[f] = v;
        p->nhdr = f + 1;
        return;
    }
    for (int k = 0; k <= CURVE_MAXCOLS; k++) {
        if (p->col[k] != f)
            continue;
        const char *name = STAGE_COLS[p->stage][k];
        if (len == 0 && k > 0) {
            p->row[k] = NAN; /* not measured that row */
        } else if (util_parse_double(v, &p->row[k]) != 0) {
            tlerr_input(p->err, p->path, p->rec + 1, name, "expected %s, got '%s'",
                        k ? "a finite number or an empty field" : "a finite number", v);
            p->bad = 1;
        } else if (k == 0 && p->run->n > 0 && !(p->row[0] > p->run->x[p->run->n - 1])) {
            tlerr_input(p->err, p->path, p->rec + 1, name, "expected more than the previous row's %.15g, got '%s'",
                        p->run->x[p->run->n - 1], v);
            p->bad = 1;
        }
    }
    free(v);
}

/* The header: which stage the log is, and where its columns are. */
static void log_header(LogParse *p)
{
    int has[4];
    static const char *const KEY[4] = {"rm_score", "accuracy", "loss", "iteration"};
    for (int k = 0; k < 4; k++) {
        has[k] = 0;
        for (int j = 0; j < p->nhdr; j++)
            has[k] |= strcmp(p->hdr[j], KEY[k]) == 0;
    }
    if (has[0] || has[3])
        p->stage = CURVE_PPO;
    else if (has[1])
        p->stage = CURVE_RM;
    else if (has[2])
        p->stage = CURVE_PRETRAIN, p->lm = 1;
    else {
        tlerr_input(p->err, p->path, 1, "header",
                    "not a training log: expected the columns of pretrain or sft (step, loss, val_loss), rm train "
                    "(step, accuracy, val_accuracy) or ppo (iteration, rm_score, kl, entropy)");
        p->bad = 1;
        return;
    }
    for (int k = 0; k <= CURVE_MAXCOLS; k++) {
        const char *want = STAGE_COLS[p->stage][k];
        p->col[k] = -1;
        for (int j = 0; want && j < p->nhdr; j++)
            if (strcmp(p->hdr[j], want) == 0) {
                if (p->col[k] >= 0) {
                    tlerr_input(p->err, p->path, 1, want, "column named twice (fields %d and %d)", p->col[k] + 1,
                                j + 1);
                    p->bad = 1;
                    return;
                }
                p->col[k] = j;
            }
        if (want && p->col[k] < 0) {
            tlerr_input(p->err, p->path, 1, want, "missing column (%s)", STAGE_HAS[p->stage]);
            p->bad = 1;
            return;
        }
    }
}

static void log_record(int c, void *data)
{
    LogParse *p = data;
    (void)c;
    int nf = p->field;
    p->field = 0;
    if (p->bad)
        return;
    p->rec++;
    if (p->rec == 1) {
        log_header(p);
        return;
    }
    if (nf != p->nhdr) {
        tlerr_input(p->err, p->path, p->rec, NULL, "expected %d fields as in the header, got %d", p->nhdr, nf);
        p->bad = 1;
        return;
    }
    CurveRun *r = p->run;
    if (r->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        r->x = xrealloc(r->x, p->cap * sizeof *r->x);
        for (int k = 0; k < CURVE_MAXCOLS; k++)
            r->y[k] = xrealloc(r->y[k], p->cap * sizeof *r->y[k]);
    }
    r->x[r->n] = p->row[0];
    for (int k = 0; k < CURVE_MAXCOLS; k++)
        r->y[k][r->n] = p->col[1 + k] >= 0 ? p->row[1 + k] : NAN;
    r->n++;
}

/* Reads path into r (x, y, n and stage; pretrain for either language
 * model). Returns 0, or -1 with err. */
static int log_read(const char *path, CurveRun *r, int *lm, TlError *err)
{
    LogParse p = {.path = path, .run = r, .err = err};
    if (csvread_file(path, log_field, log_record, &p, &p.rec, &p.bad, err) != 0)
        p.bad = 1;
    for (int j = 0; j < p.nhdr; j++)
        free(p.hdr[j]);
    free(p.hdr);
    if (!p.bad && p.rec < 1) {
        tlerr_input(err, path, 0, NULL, "empty file (expected a training log's header)");
        p.bad = 1;
    }
    r->stage = p.stage;
    *lm = p.lm;
    return p.bad ? -1 : 0;
}

int curves_add(CurveSet *cs, const char *dir, TlError *err)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        tlerr_input(err, dir, 0, NULL, "%s", stat(dir, &st) != 0 ? strerror(errno)
                                                                  : "not a directory (expected a policy folder)");
        return -1;
    }
    char *log = util_path_join(dir, "log.csv"), *meta = util_path_join(dir, "meta.json");
    CurveRun r;
    memset(&r, 0, sizeof r);
    MetaMap mm = {0};
    int rc = -1, lm = 0;
    if (stat(log, &st) != 0 && errno == ENOENT) {
        sb_printf(&cs->notes, "%s: no log.csv (best-of-N and other policies that train nothing have none); "
                              "not drawn\n", dir);
        rc = 0;
        goto done;
    }
    if (policy_meta_load(&mm, meta, err) != 0)
        goto done;
    if (mm.n != 1) {
        tlerr_input(err, meta, 0, "policies", "expected one policy (a stage folder's), got %zu", mm.n);
        goto done;
    }
    if (log_read(log, &r, &lm, err) != 0)
        goto done;
    const PolicyMeta *m = &mm.entries[0].meta;
    if (lm) {
        if (m->method != METHOD_PRETRAINED && m->method != METHOD_SUPERVISED) {
            tlerr_input(err, meta, 0, "method", "'%s', but %s has a language model's columns (step, loss, "
                        "val_loss): expected pretrained or supervised", method_name(m->method), log);
            goto done;
        }
        r.stage = m->method == METHOD_PRETRAINED ? CURVE_PRETRAIN : CURVE_SFT;
    }
    if (r.n == 0) {
        sb_printf(&cs->notes, "%s: log.csv has no rows yet; not drawn\n", dir);
        rc = 0;
        goto done;
    }
    r.dir = xstrdup(dir);
    r.name = xstrdup(mm.entries[0].name);
    r.params = m->params;
    r.beta = r.stage == CURVE_PPO ? m->beta : NAN;
    policy_size_label(r.params, r.size, sizeof r.size);
    GROW(cs->runs, cs->cap, cs->n + 1);
    cs->runs[cs->n++] = r;
    memset(&r, 0, sizeof r);
    rc = 0;
done:
    run_free(&r);
    policy_meta_free(&mm);
    free(log);
    free(meta);
    return rc;
}

/* ---- the figure ---- */

/* A CSV string field through libcsv (quoted, quotes doubled). */
static void csv_quoted(StrBuf *b, const char *s)
{
    size_t len = strlen(s), need = csv_write(NULL, 0, s, len);
    char *buf = xmalloc(need + 1);
    csv_write(buf, need, s, len);
    sb_addn(b, buf, need);
    free(buf);
}

/* y[0..n) smoothed into out: the mean of the values measured within h rows
 * either side (a centred moving average); out is NaN where y is. */
static void smooth(const double *y, size_t n, size_t h, double *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = NAN;
        if (isnan(y[i]))
            continue;
        double s = 0;
        size_t m = 0;
        for (size_t j = i > h ? i - h : 0; j < n && j <= i + h; j++)
            if (!isnan(y[j])) {
                s += y[j];
                m++;
            }
        out[i] = s / (double)m;
    }
}

/* Runs in drawing order: stage, size, beta, then name. */
static int cmp_run(const void *a, const void *b)
{
    const CurveRun *x = *(const CurveRun *const *)a, *y = *(const CurveRun *const *)b;
    if (x->stage != y->stage)
        return (int)x->stage - (int)y->stage;
    if (x->params != y->params && !isnan(x->params) && !isnan(y->params))
        return x->params < y->params ? -1 : 1;
    if (x->beta != y->beta && !isnan(x->beta) && !isnan(y->beta))
        return x->beta < y->beta ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The runs of cs in drawing order (caller frees). */
static const CurveRun **runs_sorted(const CurveSet *cs)
{
    const CurveRun **ord = xmalloc((cs->n ? cs->n : 1) * sizeof *ord);
    for (size_t i = 0; i < cs->n; i++)
        ord[i] = &cs->runs[i];
    qsort(ord, cs->n, sizeof *ord, cmp_run);
    return ord;
}

/* The index of beta in the distinct values vals[0..*n), adding it (NaN
 * equals NaN). */
static int beta_index(double *vals, size_t *n, double v)
{
    size_t k = 0;
    while (k < *n && !(vals[k] == v || (isnan(vals[k]) && isnan(v))))
        k++;
    if (k == *n)
        vals[(*n)++] = v;
    return (int)k;
}

/* The index of a size label in labels[0..*n), adding it. Runs are grouped
 * by label, not parameter count: a reward model has a few parameters more
 * (its scalar head) than the policy of its size. */
static int size_index(const char **labels, size_t *n, const char *label)
{
    size_t k = 0;
    while (k < *n && strcmp(labels[k], label) != 0)
        k++;
    if (k == *n)
        labels[(*n)++] = label;
    return (int)k;
}

/* One panel: a stage and its columns, where it goes. */
typedef struct {
    CurveStage stage;
    int col;      /* -1: the train and validation columns (0 and 1); else one PPO column */
    const char *title, *ylabel, *xlabel;
} Panel;

static const Panel PANELS[6] = {
    {CURVE_PRETRAIN, -1, "Pretraining loss", "Loss (nats per token)", "Step"},
    {CURVE_SFT, -1, "Supervised fine-tuning loss", "Loss (nats per summary token)", "Step"},
    {CURVE_RM, -1, "Reward model accuracy (labelers' choices)", "Accuracy", "Step"},
    {CURVE_PPO, 0, "PPO: reward model score", "RM score (rollouts)", "PPO iteration"},
    {CURVE_PPO, 1, "PPO: KL from the supervised policy", "KL (nats per summary)", "PPO iteration"},
    {CURVE_PPO, 2, "PPO: policy entropy", "Entropy (nats per token)", "PPO iteration"},
};

/* Screen coordinates of a block of rows: the figure is H pixels high in
 * rows of Hr pixels; top and bottom are pixels from the top of row rw. */
static void margins(StrBuf *b, double left, double right, double H, double Hr, int rw, double top, double bottom)
{
    sb_printf(b, "set lmargin at screen %.4f\nset rmargin at screen %.4f\nset tmargin at screen %.4f\n"
                 "set bmargin at screen %.4f\n",
              left, right, 1 - (rw * Hr + top) / H, 1 - (rw * Hr + bottom) / H);
}

/* The legend of row rw, drawn alone across the figure below the row's
 * panels: what colours, dashes and line styles mean. */
static void legend(StrBuf *b, int ppo, const char **sizes, size_t nsizes, const int *ppo_size, const double *betas,
                   size_t nbetas, int smoothed, int have_rm, double H, double Hr, int rw)
{
    margins(b, 0.02, 0.98, H, Hr, rw, Hr - 62, Hr - 6);
    sb_add(b, "unset title\nunset xlabel\nunset ylabel\nunset border\nunset tics\nunset grid\n"
              "set xrange [0:1]\nset yrange [0:1]\n"
              "set key center center horizontal reverse Left samplen 3 spacing 1.2 width 2\n"
              "plot NaN notitle");
    for (size_t k = 0; k < (ppo ? nbetas : nsizes); k++) {
        char lab[64];
        if (ppo)
            snprintf(lab, sizeof lab, isnan(betas[k]) ? "beta unknown" : "beta = %g", betas[k]);
        else
            snprintf(lab, sizeof lab, "size %s", sizes[k]);
        sb_printf(b, ", \\\n    keyentry with lines lw 2 lc rgb \"%s\" title \"%s\"", plot_color((int)k), lab);
    }
    int nppo = 0;
    for (size_t k = 0; k < nsizes; k++)
        nppo += ppo_size[k];
    for (size_t k = 0, d = 0; ppo && nppo > 1 && k < nsizes; k++)
        if (ppo_size[k])
            sb_printf(b, ", \\\n    keyentry with lines lw 2 dt %zu lc rgb \"#333333\" title \"size %s\"", 1 + d++ % 5,
                      sizes[k]);
    if (!ppo)
        sb_add(b, ", \\\n    keyentry with lines lw 2 lc rgb \"#333333\" title \"train\", \\\n"
                  "    keyentry with linespoints lw 1.5 dt 2 pt 7 ps 0.6 lc rgb \"#333333\" title \"validation\"");
    if (!ppo && have_rm)
        sb_add(b, ", \\\n    keyentry with lines dt 3 lc rgb \"#777777\" title \"chance (accuracy 0.5)\"");
    if (smoothed)
        sb_add(b, ", \\\n    keyentry with lines lw 0.8 lc rgb \"#A0333333\" title \"raw, behind the smoothed train "
                  "curve\"");
    sb_add(b, "\nset border\nset tics\nset grid\nset autoscale\n");
}

int fig_curves(const CurveSet *cs, Figure *f, TlError *err)
{
    if (cs->n == 0) {
        tlerr_set(err, "no training log to draw (curves needs policy folders holding log.csv and meta.json)");
        return -1;
    }
    const CurveRun **ord = runs_sorted(cs);
    /* Sizes (colour in the first row, dash in PPO's), ascending as the
     * runs are; betas (colour in PPO's), ascending. */
    const char **sizes = xmalloc(cs->n * sizeof *sizes);
    double *betas = xmalloc(cs->n * sizeof *betas);
    int *ppo_size = xcalloc(cs->n, sizeof *ppo_size), *dash = xcalloc(cs->n, sizeof *dash);
    size_t nsizes = 0, nbetas = 0;
    int have[CURVE_NSTAGES] = {0};
    for (size_t i = 0; i < cs->n; i++) {
        have[ord[i]->stage] = 1;
        int si = size_index(sizes, &nsizes, ord[i]->size);
        if (ord[i]->stage == CURVE_PPO) {
            ppo_size[si] = 1;
            beta_index(betas, &nbetas, ord[i]->beta);
        }
    }
    for (size_t i = 1; i < nbetas; i++)
        for (size_t j = i; j > 0 && (isnan(betas[j - 1]) || betas[j - 1] > betas[j]); j--) {
            double t = betas[j];
            betas[j] = betas[j - 1];
            betas[j - 1] = t;
        }
    for (size_t k = 0, d = 0; k < nsizes; k++) /* PPO's dashes: 1, 2, ... over the sizes it has */
        dash[k] = ppo_size[k] ? (int)(1 + d++ % 5) : 1;
    /* The data: one block of rows per run and column, measured rows only;
     * run ord[i]'s column k is rows first[i][k] .. last[i][k] - 1. */
    size_t(*first)[CURVE_MAXCOLS] = xcalloc(cs->n, sizeof *first), (*last)[CURVE_MAXCOLS] = xcalloc(cs->n, sizeof *last);
    size_t row = 0, hmax = 0;
    sb_add(&f->csv, "stage,policy,size,params,beta,metric,kind,x,value,drawn\n");
    for (size_t i = 0; i < cs->n; i++) {
        const CurveRun *r = ord[i];
        double *sm = xmalloc(r->n * sizeof *sm);
        char ps[40], bs[40];
        table_format_csv_num(r->params, ps, sizeof ps);
        table_format_csv_num(r->beta, bs, sizeof bs);
        for (int k = 0; k < CURVE_MAXCOLS && curve_col_name(r->stage, k); k++) {
            size_t h = col_is_train(r->stage, k) ? curves_smooth_halfwidth(r->n) : 0;
            hmax = h > hmax ? h : hmax;
            smooth(r->y[k], r->n, h, sm);
            first[i][k] = row;
            for (size_t j = 0; j < r->n; j++) {
                if (isnan(r->y[k][j]))
                    continue;
                char xs[40], vs[40], ds[40];
                table_format_csv_num(r->x[j], xs, sizeof xs);
                table_format_csv_num(r->y[k][j], vs, sizeof vs);
                table_format_csv_num(sm[j], ds, sizeof ds);
                sb_printf(&f->csv, "%s,", STAGE_NAME[r->stage]);
                csv_quoted(&f->csv, r->name);
                sb_printf(&f->csv, ",%s,%s,%s,%s,%s,%s,%s,%s\n", r->size, ps, bs, curve_col_name(r->stage, k),
                          col_is_train(r->stage, k) ? "train" : "validation", xs, vs, ds);
                row++;
            }
            last[i][k] = row;
        }
        free(sm);
    }
    /* Layout: the training stages in the first row, PPO in the second,
     * up to three panels a row, each row's legend across the figure below
     * it. */
    int row1 = have[CURVE_PRETRAIN] || have[CURVE_SFT] || have[CURVE_RM], nrows = row1 + have[CURVE_PPO];
    f->width = 1500;
    f->height = nrows == 2 ? 1040 : 580;
    double H = f->height, Hr = H / nrows;
    StrBuf *b = &f->body;
    sb_add(b, "set multiplot\nset grid lc rgb \"#e0e0e0\"\nunset key\n");
    int in_row[2] = {0, 0};
    for (int p = 0; p < 6; p++) {
        const Panel *pa = &PANELS[p];
        if (!have[pa->stage])
            continue;
        int ppo = pa->stage == CURVE_PPO, rw = row1 && ppo, c = in_row[ppo]++;
        margins(b, (110 + c * 485) / 1500.0, (110 + c * 485 + 365) / 1500.0, H, Hr, rw, 38, Hr - 130);
        sb_printf(b, "set title \"%s\"\nset xlabel \"%s\"\nset ylabel \"%s\"\nplot ", pa->title, pa->xlabel,
                  pa->ylabel);
        int n = 0;
        if (pa->stage == CURVE_RM)
            sb_add(b, "0.5 with lines dt 3 lc rgb \"#777777\""), n++;
        for (size_t i = 0; i < cs->n; i++) {
            const CurveRun *r = ord[i];
            if (r->stage != pa->stage)
                continue;
            int si = size_index(sizes, &nsizes, r->size);
            const char *col = plot_color(ppo ? beta_index(betas, &nbetas, r->beta) : si);
            int dt = ppo ? dash[si] : 1;
            for (int k = 0; k < CURVE_MAXCOLS; k++) {
                if (!(pa->col < 0 ? k < 2 : k == pa->col) || first[i][k] == last[i][k])
                    continue;
                int train = col_is_train(r->stage, k);
                const char *sep = n++ ? ", \\\n    " : "\\\n    ";
                if (train && curves_smooth_halfwidth(r->n) > 0) { /* the raw values, faint, behind */
                    sb_printf(b, "%sdata skip 1 every ::%zu::%zu using 8:9 with lines lw 0.8 dt %d lc rgb \"#A0%s\"",
                              sep, first[i][k], last[i][k] - 1, dt, col + 1);
                    sep = ", \\\n    ";
                }
                if (train)
                    sb_printf(b, "%sdata skip 1 every ::%zu::%zu using 8:10 with lines lw 2 dt %d lc rgb \"%s\"", sep,
                              first[i][k], last[i][k] - 1, dt, col);
                else
                    sb_printf(b, "%sdata skip 1 every ::%zu::%zu using 8:9 with linespoints lw 1.5 dt 2 pt 7 ps 0.6 "
                                 "lc rgb \"%s\"",
                              sep, first[i][k], last[i][k] - 1, col);
            }
        }
        sb_add(b, "\n");
    }
    for (int rw = 0; rw < nrows; rw++) {
        int ppo = rw == 1 || !row1;
        legend(b, ppo, sizes, nsizes, ppo_size, betas, nbetas, hmax > 0, have[CURVE_RM], H, Hr, rw);
    }
    sb_add(b, "unset multiplot\n");
    if (hmax)
        sb_add(&f->notes, "train curves of 100 rows or more are drawn as a centred moving average over 1% of their "
                          "rows either side, the raw values faint behind (the CSV has both: value and drawn)\n");
    sb_add(&f->notes, sb_str(&cs->notes));
    for (int s = 0; s < CURVE_NSTAGES; s++)
        if (!have[s])
            sb_printf(&f->notes, "no %s log given: %s\n", STAGE_NAME[s],
                      s == CURVE_PPO ? "no PPO panels" : "its panel is left out");
    free(first);
    free(last);
    free(sizes);
    free(betas);
    free(ppo_size);
    free(dash);
    free(ord);
    return 0;
}

/* ---- final values ---- */

static const TableCol CURVE_COLS[] = {
    {"stage", "stage", COL_STR, 0, 0},
    {"policy", "policy", COL_STR, 0, 0},
    {"folder", "folder", COL_STR, 0, SHOW_DATA},
    {"size", "size", COL_STR, 0, 0},
    {"params", "params", COL_NUM, 0, SHOW_DATA},
    {"beta", "β", COL_NUM, 3, 0},
    {"last_step", "last step", COL_NUM, 0, 0},
    {"loss", "train loss", COL_NUM, 3, 0},
    {"val_loss", "val loss", COL_NUM, 3, 0},
    {"accuracy", "RM train acc.", COL_NUM, 3, 0},
    {"val_accuracy", "RM val acc.", COL_NUM, 3, 0},
    {"rm_score", "RM score", COL_NUM, 3, 0},
    {"kl", "KL (nats)", COL_NUM, 3, 0},
    {"entropy", "entropy", COL_NUM, 3, 0},
};
#define NCURVE_COLS (sizeof CURVE_COLS / sizeof CURVE_COLS[0])

void curves_table(const CurveSet *cs, Table *t)
{
    table_init(t, CURVE_COLS, NCURVE_COLS);
    const CurveRun **ord = runs_sorted(cs);
    for (size_t i = 0; i < cs->n; i++) {
        const CurveRun *r = ord[i];
        double v[7];
        for (int c = 0; c < 7; c++)
            v[c] = NAN;
        for (int k = 0; k < CURVE_MAXCOLS && curve_col_name(r->stage, k); k++) {
            int c = 0;
            while (strcmp(CURVE_COLS[7 + c].key, curve_col_name(r->stage, k)) != 0)
                c++;
            /* The end of the drawn curve: the mean over the last h + 1
             * measured values when smoothed, else the last measured one. */
            size_t h = col_is_train(r->stage, k) ? curves_smooth_halfwidth(r->n) : 0, m = 0;
            double s = 0;
            for (size_t j = r->n; j-- > 0 && m <= h;)
                if (!isnan(r->y[k][j])) {
                    s += r->y[k][j];
                    m++;
                }
            v[c] = m ? s / (double)m : NAN;
        }
        table_row(t);
        table_str(t, STAGE_NAME[r->stage]);
        table_str(t, r->name);
        table_str(t, r->dir);
        table_str(t, r->size);
        table_num(t, r->params);
        table_num(t, r->beta);
        table_num(t, r->x[r->n - 1]);
        for (int c = 0; c < 7; c++)
            table_num(t, v[c]);
    }
    free(ord);
}
