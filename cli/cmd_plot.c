/* cmd_plot.c — `tldrlab plot KIND`: one figure, as PNG and SVG drawn by
 * gnuplot, with its data (CSV) and the script that draws it. */
#include "analysis/figures.h"
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static const char *const KINDS[] = {"fig1", "length", "likert", "overopt", "transfer", "curves"};

static int needs_axis(const char *kind)
{
    return strcmp(kind, "likert") == 0 || strcmp(kind, "transfer") == 0;
}

/* Builds figure `kind` into f (and the transfer table into table[0];
 * overopt's gold drop and fits into table[0] and table[1]: table points to
 * two tables).
 * Returns 0, or -1 with err explaining why the data cannot support it. */
int cli_build_figure(CliOpts *o, const char *kind, const ComparisonSet *cs, const AxisSet *as, Figure *f,
                     Table *table, TlError *err)
{
    if (strcmp(kind, "curves") == 0) /* from the training logs, not the labels */
        return fig_curves(&o->curves, f, err);
    FigOptions fo = {0};
    fo.baseline_name = o->baseline;
    fo.meta = o->have_meta ? &o->meta : NULL;
    fo.unit = o->unit;
    fo.level = o->level;
    fo.fig1 = o->both ? FIG1_BOTH : o->length_controlled ? FIG1_LC : FIG1_RAW;
    fo.rm = o->have_rm ? &o->rm : NULL;
    fo.dataset = o->read.dataset;
    fo.gold = o->gold_set;
    fo.judge = o->oo_judge;
    if (needs_axis(kind)) {
        long b = strpool_find(&as->policies, o->baseline);
        fo.baseline = b >= 0 ? (uint32_t)b : UINT32_MAX;
        if (strcmp(kind, "likert") == 0)
            return fig_likert(as, &fo, f, err);
        return fig_transfer(as, &fo, f, table, err);
    }
    long b = strpool_find(&cs->policies, o->baseline);
    if (b < 0) {
        tlerr_set(err, "the baseline '%s' is in no comparison in scope; choose one with --baseline NAME", o->baseline);
        return -1;
    }
    fo.baseline = (uint32_t)b;
    if (strcmp(kind, "fig1") == 0)
        return fig_fig1(cs, &fo, f, err);
    if (strcmp(kind, "length") == 0)
        return fig_length(cs, &fo, f, err);
    return fig_overopt(cs, &fo, f, table, err);
}

void cli_load_curves(CliOpts *o, char *const *dirs, int n)
{
    curves_init(&o->curves);
    TlError err;
    for (int i = 0; i < n; i++)
        if (curves_add(&o->curves, dirs[i], &err) != 0)
            cli_input_error(&err);
}

/* Writes the figure under dir; unless quiet, prints its notes on stderr and,
 * when gnuplot is missing, a warning that says how to draw it. Returns 1
 * when images were drawn, 0 when gnuplot is missing. */
int cli_write_figure(const CliOpts *o, const char *dir, const Figure *f, int quiet)
{
    TlError err;
    int drawn;
    if (plot_write(dir, f, &drawn, &err) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
    for (const char *n = quiet ? "" : sb_str(&f->notes); *n;) {
        const char *e = strchr(n, '\n');
        size_t len = e ? (size_t)(e - n) : strlen(n);
        fprintf(stderr, "tldrlab %s: note: %.*s\n", o->cmd, (int)len, n);
        n += len + (e != NULL);
    }
    if (!drawn && !quiet)
        fprintf(stderr, "tldrlab %s: warning: gnuplot is not on the PATH, so %s/%s.png and .svg were not drawn; "
                        "the data and script are written: install gnuplot (scripts/install-deps.sh), then run "
                        "cd %s && gnuplot %s.gp\n", o->cmd, dir, f->kind, dir, f->kind);
    return drawn;
}

/* Puts prefix before every title of the script ("News articles (news): ..."). */
static void prefix_titles(Figure *f, const char *prefix)
{
    const char *key = "set title \"";
    StrBuf b;
    sb_init(&b);
    const char *p = sb_str(&f->body), *m;
    while ((m = strstr(p, key)) != NULL) {
        m += strlen(key);
        sb_addn(&b, p, (size_t)(m - p));
        sb_add(&b, prefix);
        sb_add(&b, ": ");
        p = m;
    }
    sb_add(&b, p);
    sb_free(&f->body);
    f->body = b;
}

/* Builds, writes and reports one figure named stem from the loaded data. */
static void plot_one(CliOpts *o, const char *kind, const char *stem, const char *title_prefix,
                     const ComparisonSet *cs, const AxisSet *as)
{
    Figure f;
    figure_init(&f, stem, 1000, 620);
    Table tables[2] = {{0}, {0}}, table = {0};
    TlError err;
    if (!needs_axis(kind) && strcmp(kind, "curves") != 0)
        cli_baseline(o, cs); /* exits 2 with the policies in scope when the baseline is missing */
    if (cli_build_figure(o, kind, cs, as, &f, tables, &err) != 0)
        cli_usage_error(o, "%s", err.msg);
    table = tables[0];
    table_free(&tables[1]);
    if (title_prefix)
        prefix_titles(&f, title_prefix);
    int drawn = cli_write_figure(o, o->out_dir, &f, 0);
    /* stdout holds only the transfer table (per --format); what was
     * written is said on stderr. */
    int transfer = strcmp(kind, "transfer") == 0;
    if (transfer) {
        if (o->format == FMT_MD) {
            table_write_markdown(&table, stdout);
        } else if (o->format == FMT_CSV) {
            table_write_csv(&table, stdout);
        } else {
            cJSON *j = table_to_json(&table);
            cli_print_json(j);
            cJSON_Delete(j);
        }
        cJSON *rows = table_to_json(&table);
        cli_write_outputs(o, "transfer_table", &table, rows);
        cJSON_Delete(rows);
    }
    cli_emit_files(o);
    fprintf(stderr, "tldrlab plot: wrote %s/%s.csv and %s.gp%s\n", o->out_dir, stem, stem,
            transfer ? ", transfer_table.csv and transfer_table.json" : "");
    if (drawn)
        fprintf(stderr, "tldrlab plot: drew %s/%s.png and %s.svg\n", o->out_dir, stem, stem);
    cli_check_stdout();
    table_free(&table);
    figure_free(&f);
}

static int axis_datasets_in(const AxisSet *s)
{
    int mask = 0;
    for (size_t i = 0; i < s->n && mask != 3; i++)
        mask |= 1 << s->rows[i].domain;
    return mask;
}

/* Loads what kind reads; returns the datasets present (bit d for Domain d). */
static int load(CliOpts *o, const char *kind, ComparisonSet *cs, AxisSet *as)
{
    if (needs_axis(kind)) {
        cli_load_axis(o, as);
        return axis_datasets_in(as);
    }
    cli_load_comparisons(o, cs);
    return cli_datasets_in(cs);
}

int cmd_plot(CliOpts *o)
{
    const char *kind = o->files[0];
    int known = 0;
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++)
        known |= strcmp(kind, KINDS[k]) == 0;
    if (!known)
        cli_usage_error(o, "unknown figure '%s'; expected fig1, length, likert, overopt, transfer or curves", kind);
    if (!o->out_dir)
        cli_usage_error(o, "--out DIR is required: where to write %s.png, .svg, .csv and .gp", kind);
    if (o->format_given && strcmp(kind, "transfer") != 0) /* only transfer prints a table */
        cli_usage_error(o, "--format applies to plot transfer only (its table on stdout); %s prints nothing on "
                           "stdout and writes %s.csv", kind, kind);
    o->files++;
    o->nfiles--;
    if (o->nfiles < 1)
        cli_usage_error(o, "no input files (usage: tldrlab plot KIND [options] --out DIR FILE...)");
    if (strcmp(kind, "curves") == 0) { /* FILE... are policy folders */
        cli_load_curves(o, o->files, o->nfiles);
        plot_one(o, kind, kind, NULL, NULL, NULL);
        return 0;
    }
    ComparisonSet cs = {0};
    AxisSet as = {0};
    int mask = load(o, kind, &cs, &as);
    /* Both datasets and no --dataset: a figure each (their references
     * differ), KIND_tldr and KIND_news. Transfer is news only. */
    if (!o->read.dataset && mask == 3 && strcmp(kind, "transfer") != 0) {
        cmpset_free(&cs);
        axisset_free(&as);
        for (int d = 0; d < DOMAIN_N; d++) {
            o->read.dataset = domain_name((Domain)d);
            char stem[64];
            snprintf(stem, sizeof stem, "%s_%s", kind, o->read.dataset);
            load(o, kind, &cs, &as);
            plot_one(o, kind, stem, CLI_DATASET_TITLE[d], &cs, &as);
            cmpset_free(&cs);
            axisset_free(&as);
        }
        o->read.dataset = NULL;
        return 0;
    }
    plot_one(o, kind, kind, NULL, &cs, &as);
    cmpset_free(&cs);
    axisset_free(&as);
    return 0;
}
