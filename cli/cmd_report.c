/* cmd_report.c — `tldrlab report`: every analysis and figure the inputs
 * support, as report.md, a self-contained report.html, and the CSV/JSON
 * files behind each table. */
#include "analysis/report.h"
#include "cli/cli.h"
#include "common/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The SHA-256 of a file from coreutils' sha256sum (run without a shell);
 * "unavailable" when it cannot be computed. */
static void file_sha256(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "unavailable");
    if (strcmp(path, "-") == 0)
        return;
    int fd[2];
    if (pipe(fd) != 0)
        return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return;
    }
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execlp("sha256sum", "sha256sum", "--", path, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char buf[128] = "";
    ssize_t n = read(fd[0], buf, 64);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n == 64 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        buf[64] = '\0';
        snprintf(out, cap, "%s", buf);
    }
}

/* Writes text to dir/name atomically (exits 1 on failure). */
static void write_text(const char *dir, const char *name, const char *text)
{
    char *p = util_path_join(dir, name);
    atomic_write_string(p, text);
    free(p);
}

/* Writes each of an Output's tables into dir in both formats, and lists
 * them in files: the main one as stem.csv and stem.json (the analysis's
 * JSON document), each other one as stem_suffix.csv and stem_suffix.json
 * (its rows as an array of objects). */
static void write_tables(const char *dir, const char *stem, const Output *out, StrBuf *files)
{
    for (int i = 0; i < out->ntables; i++) {
        char base[160], name[170];
        if (out->suffix[i])
            snprintf(base, sizeof base, "%s_%s", stem, out->suffix[i]);
        else
            snprintf(base, sizeof base, "%s", stem);
        snprintf(name, sizeof name, "%s.csv", base);
        char *p = util_path_join(dir, name);
        AtomicFile *af = atomic_open(p);
        table_write_csv(&out->tables[i], af->fp);
        if (atomic_commit(af) != 0)
            exit(TL_EXIT_RUNTIME);
        free(p);
        cJSON *rows = i ? table_to_json(&out->tables[i]) : NULL;
        char *js = cJSON_Print(i ? rows : out->doc);
        cJSON_Delete(rows);
        StrBuf b;
        sb_init(&b);
        sb_printf(&b, "%s\n", js);
        snprintf(name, sizeof name, "%s.json", base);
        write_text(dir, name, sb_str(&b));
        sb_free(&b);
        free(js);
        sb_printf(files, "- `tables/%s.csv`, `tables/%s.json`\n", base, base);
    }
}

typedef struct {
    CliOpts *o;
    const char *dir;      /* the report folder */
    StrBuf md, files;
    int figures, drawn;
    TransferCopied *copied; /* the gold judge's share copied per news policy (names owned), for the transfer table */
    size_t ncopied;
} Report;

/* Draws figure kind as figures/stem.png and adds it (or why it is missing)
 * to the report. */
static void add_figure(Report *r, CliOpts *o, const char *kind, const char *stem, const char *caption,
                       const ComparisonSet *cs, const AxisSet *as, Table *table)
{
    Figure f;
    figure_init(&f, stem, 1000, 620);
    TlError err;
    Table tmp[2] = {{0}, {0}};
    if (cli_build_figure(o, kind, cs, as, &f, table ? table : tmp, &err) != 0) {
        sb_printf(&r->md, "\nNo %s figure: %s.\n", kind, err.msg);
        figure_free(&f);
        table_free(&tmp[0]);
        table_free(&tmp[1]);
        return;
    }
    char *figdir = util_path_join(r->dir, "figures");
    int drawn = cli_write_figure(o, figdir, &f, 1); /* the notes go into the report */
    free(figdir);
    r->figures++;
    r->drawn += drawn;
    /* The caption says what the error bars are: the figures differ. */
    sb_printf(&r->md, "\n![%s%s%s](figures/%s.png)\n", caption, f.bars[0] ? "; error bars: " : "", f.bars, stem);
    for (const char *n = sb_str(&f.notes); *n;) {
        const char *e = strchr(n, '\n');
        size_t len = e ? (size_t)(e - n) : strlen(n);
        sb_printf(&r->md, "%s- %.*s\n", n == sb_str(&f.notes) ? "\n" : "", (int)len, n);
        n += len + (e != NULL);
    }
    sb_printf(&r->md, "\nData and script: `figures/%s.csv`, `figures/%s.gp` (redraw with `gnuplot %s.gp` in "
                      "`figures/`).\n", stem, stem, stem);
    if (drawn)
        sb_printf(&r->files, "- `figures/%s.png`, `figures/%s.svg`, `figures/%s.csv`, `figures/%s.gp`\n", stem,
                  stem, stem, stem);
    else
        sb_printf(&r->files, "- `figures/%s.csv`, `figures/%s.gp` (not drawn: no gnuplot)\n", stem, stem);
    figure_free(&f);
    table_free(&tmp[0]);
    table_free(&tmp[1]);
}

/* Appends an analysis's Markdown under the report's current heading,
 * writes its tables as tables/stem*.csv and .json, and frees it. */
static void add_output(Report *r, const char *stem, Output *out)
{
    sb_add(&r->md, "\n");
    sb_add(&r->md, sb_str(&out->md));
    char *tdir = util_path_join(r->dir, "tables");
    write_tables(tdir, stem, out, &r->files);
    free(tdir);
    output_free(out);
}

/* --gold: the gold judge's comparisons of dataset ds (worker gold only),
 * loaded into s; 0 when there are none in scope. */
static int load_gold(const Report *r, const char *ds, ComparisonSet *s)
{
    CliOpts o = *r->o;
    if (!o.ngold_files)
        return 0;
    o.read.dataset = ds;
    o.read.workers = "gold";
    o.files = o.gold_files;
    o.nfiles = o.ngold_files;
    o.pairwise = 0;
    cli_load_comparisons(&o, s);
    if (s->n)
        return 1;
    cmpset_free(s);
    return 0;
}

/* The gold judge's win rates against the baseline, from its own choices
 * (label compare --gold): a table apart from the labelers'. */
static void gold_winrate(Report *r, const CliOpts *o, const ComparisonSet *g, const char *ds)
{
    sb_add(&r->md, "\n### Gold judge's preference against the reference\n\nThe gold judge's own choice between "
                   "each summary and the reference of the same document (`label compare --gold`, worker `gold`; "
                   "ties, where it has no preference, are left out). Its records are kept out of the labelers' "
                   "tables above.\n");
    CliOpts go = *o;
    long b = strpool_find(&g->policies, o->baseline);
    if (b < 0) {
        sb_printf(&r->md, "\nNo gold comparison in scope names the baseline `%s`.\n", o->baseline);
        return;
    }
    Output out;
    output_init(&out, "winrate");
    analysis_winrate(&go, g, &out);
    char stem[64];
    snprintf(stem, sizeof stem, "%s_gold_winrate", ds);
    add_output(r, stem, &out);
}

/* Overopt's tables beside the figure: the gold drop by penalty and the Gao
 * fits (t[0] and t[1], handed over and freed here). */
static void overopt_tables(Report *r, Table t[2], const char *ds)
{
    static const char *const STEM[2] = {"overopt_gold_drop", "overopt_fits"};
    for (int k = 0; k < 2; k++) {
        if (!t[k].nrows) {
            if (k == 0)
                sb_add(&r->md, "\nNo gold drop table: it needs gold comparisons (--gold), the judge's summary "
                               "(--judge) and a series of three KL values or more.\n");
            table_free(&t[k]);
            continue;
        }
        Output out;
        output_init(&out, STEM[k]);
        Table *tt = output_table(&out, NULL, t[k].cols, t[k].ncols);
        *tt = t[k]; /* hand the table over */
        t[k] = (Table){0};
        if (k == 0)
            output_md(&out, "\nThe drop in the gold judge's overall score (0-1) from the policy the gold judge "
                            "prefers most (the gold peak) to the one of highest KL, per series; the columns after "
                            "the drop are its parts: what the ceiling (coverage and accuracy before penalties) "
                            "lost, then how much more each penalty took off. They sum to the drop.\n\n");
        else
            output_md(&out, "\nGao et al. (2022) fits in d = sqrt(KL): best-of-N R(d) = d(alpha - beta d), "
                            "PPO R(d) = d(alpha - beta log d), by least squares on the preference minus the "
                            "supervised policy's of the same size (not its logit), for series of three KL values "
                            "or more; the fit's peak is where R(d) is largest (NA when it has none within ten times the highest KL "
                            "measured).\n\n");
        output_md_table(&out, tt);
        cJSON_AddItemToObject(out.doc, "rows", table_to_json(tt));
        char stem[64];
        snprintf(stem, sizeof stem, "%s_%s", ds, STEM[k]);
        add_output(r, stem, &out);
    }
}

static void comparisons_section(Report *r, Domain d)
{
    CliOpts o = *r->o;
    o.read.dataset = domain_name(d);
    o.files = o.cmp_files;
    o.nfiles = o.ncmp_files;
    o.pairwise = 0;
    ComparisonSet s;
    cli_load_comparisons(&o, &s);
    const char *ds = domain_name(d);
    sb_printf(&r->md, "\n## %s comparisons\n", d == DOMAIN_TLDR ? "TL;DR" : "News");
    long base = strpool_find(&s.policies, o.baseline);
    size_t vs_base = 0;
    for (size_t i = 0; base >= 0 && i < s.n; i++)
        vs_base += (s.rows[i].policy[0] == (uint32_t)base) != (s.rows[i].policy[1] == (uint32_t)base);
    if (vs_base == 0) {
        sb_printf(&r->md, "\nNo comparison in scope sets the baseline `%s` against another policy, so win rates "
                          "against it cannot be computed; rerun with `--baseline NAME`.\n", o.baseline);
        cmpset_free(&s);
        return;
    }
    char stem[64];
    sb_add(&r->md, "\n### Win rates against the reference\n");
    Output out;
    output_init(&out, "winrate");
    analysis_winrate(&o, &s, &out);
    snprintf(stem, sizeof stem, "%s_winrate", ds);
    add_output(r, stem, &out);
    ComparisonSet gold;
    int have_gold = load_gold(r, ds, &gold);
    o.gold_set = have_gold ? &gold : NULL;
    o.both = 1;
    snprintf(stem, sizeof stem, "fig1-%s", ds);
    add_figure(r, &o, "fig1", stem, have_gold ? "Fraction preferred to the reference by model size (labelers: "
                                                "raw and length-controlled; the gold judge)"
                                              : "Fraction preferred to the reference by model size (raw and "
                                                "length-controlled)",
               &s, NULL, NULL);
    if (have_gold)
        gold_winrate(r, &o, &gold, ds);

    sb_add(&r->md, "\n### Length-controlled preference\n");
    output_init(&out, "lengthctl");
    analysis_lengthctl(&o, &s, &out);
    snprintf(stem, sizeof stem, "%s_lengthctl", ds);
    add_output(r, stem, &out);
    snprintf(stem, sizeof stem, "length-%s", ds);
    add_figure(r, &o, "length", stem, "Preference against the reference by relative length, with the fitted model",
               &s, NULL, NULL);

    sb_add(&r->md, "\n### Reward model over-optimization\n");
    snprintf(stem, sizeof stem, "overopt-%s", ds);
    Table oot[2] = {{0}, {0}};
    add_figure(r, &o, "overopt", stem, "Preference against the reference by KL from the supervised policy, one "
               "panel per model size", &s, NULL, oot);
    overopt_tables(r, oot, ds);
    if (have_gold)
        cmpset_free(&gold);
    cmpset_free(&s);
}

static void axis_section(Report *r)
{
    CliOpts o = *r->o;
    o.files = o.axis_files;
    o.nfiles = o.naxis_files;
    o.length_control = 1;
    AxisSet s;
    cli_load_axis(&o, &s);
    sb_add(&r->md, "\n## Likert ratings\n");
    Output out;
    output_init(&out, "likert");
    analysis_likert(&o, &s, &out);
    add_output(r, "likert", &out);
    size_t nd[DOMAIN_N] = {0};
    for (size_t i = 0; i < s.n; i++)
        nd[s.rows[i].domain]++;
    for (int d = 0; d < DOMAIN_N; d++) {
        if (!nd[d])
            continue;
        o.read.dataset = domain_name((Domain)d);
        char stem[64], cap[128];
        snprintf(stem, sizeof stem, "likert-%s", domain_name((Domain)d));
        snprintf(cap, sizeof cap, "Ratings per axis and distribution of overall scores (%s)",
                 d == DOMAIN_TLDR ? "TL;DR" : "news");
        add_figure(r, &o, "likert", stem, cap, NULL, &s, NULL);
    }
    if (nd[DOMAIN_NEWS]) {
        sb_add(&r->md, "\n### Transfer to news\n");
        add_figure(r, &o, "transfer", "transfer-news", "News: overall score against summary length per policy "
                   "(each policy's regression line: figures/transfer-news.csv)", NULL, &s, NULL);
        Output to;
        output_init(&to, "transfer");
        analysis_transfer(&o, &s, r->copied, r->ncopied,
                          o.judge_path ? "the gold judge's mean over the news summaries of each policy it judged "
                                         "(--judge), which may be more than the labelers rated"
                                       : "NA: the share copied comes from the gold judge's judge.json (--judge "
                                         "FILE, written by tldrlab world judge --summary); the axis evals alone "
                                         "are not enough, as the report keeps no summary texts",
                          &to);
        add_output(r, "transfer", &to);
    }
    axisset_free(&s);
}

/* --calibration: the labelers' agreement with the expert (the gold judge,
 * worker "gold" of label compare --gold, unless --expert names another)
 * on the comparisons it labelled too. */
static void calibration_section(Report *r)
{
    CliOpts o = *r->o;
    o.files = o.cal_files;
    o.nfiles = o.ncal_files;
    if (!o.expert)
        o.expert = "gold";
    ComparisonSet s;
    cli_load_comparisons(&o, &s);
    if (strcmp(o.expert, "gold") == 0)
        sb_add(&r->md, "\n## Labelers against the gold judge\n\nThe labelers' choices set against the gold "
                       "judge's own on the same pairs (the calibration comparisons, written by `label compare "
                       "--gold`): how often each agrees with the truth, and with each other.\n");
    else
        sb_printf(&r->md, "\n## Labelers against the expert %s\n", o.expert);
    Output out;
    output_init(&out, "calibration");
    analysis_agreement(&o, &s, &out);
    add_output(r, "calibration", &out);
    cmpset_free(&s);
}

/* Fills t (the judge's columns) from judge.json's "policies" rows, each
 * cell checked against its column's kind. Returns 0, or -1 with err. */
static int judge_rows(const char *path, const cJSON *rows, Table *t, TlError *err)
{
    int i = 0;
    for (const cJSON *row = rows->child; row; row = row->next, i++) {
        char field[96];
        snprintf(field, sizeof field, "policies[%d]", i);
        if (!cJSON_IsObject(row)) {
            tlerr_input(err, path, 0, field, "expected an object");
            return -1;
        }
        table_row(t);
        for (size_t k = 0; k < CLI_JUDGE_NCOLS; k++) {
            const TableCol *c = &CLI_JUDGE_COLS[k];
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, c->key);
            snprintf(field, sizeof field, "policies[%d].%s", i, c->key);
            if (c->kind == COL_STR ? !cJSON_IsString(v) : !(cJSON_IsNumber(v) || cJSON_IsNull(v))) {
                tlerr_input(err, path, 0, field, "%s", v ? (c->kind == COL_STR ? "expected a string"
                                                                                : "expected a number or null")
                                                          : "missing");
                return -1;
            }
            if (c->kind == COL_STR)
                table_str(t, v->valuestring);
            else
                table_num(t, cJSON_IsNull(v) ? NAN : v->valuedouble);
        }
    }
    return 0;
}

/* Keeps the judge table's news "copied" per policy for the transfer table. */
static void keep_news_copied(Report *r, const Table *t)
{
    size_t cd = 0, cp = 0, cc = 0;
    for (size_t k = 0; k < t->ncols; k++) {
        const char *key = t->cols[k].key;
        cd = strcmp(key, "dataset") == 0 ? k : cd;
        cp = strcmp(key, "policy") == 0 ? k : cp;
        cc = strcmp(key, "copied") == 0 ? k : cc;
    }
    r->copied = xcalloc(t->nrows ? t->nrows : 1, sizeof *r->copied);
    for (size_t i = 0; i < t->nrows; i++) {
        const TableCell *c = table_cell(t, i, cc);
        if (strcmp(table_cell(t, i, cd)->str, "news") == 0)
            r->copied[r->ncopied++] = (TransferCopied){xstrdup(table_cell(t, i, cp)->str), c->set ? c->num : NAN};
    }
}

/* --judge FILE: the gold judge's means per dataset and policy, read back
 * from the judge.json that world judge --summary --out writes. */
static void judge_section(Report *r)
{
    const char *path = r->o->judge_path;
    TlError err;
    char *text = util_read_file(path, NULL);
    if (!text) {
        tlerr_input(&err, path, 0, NULL, "cannot open: %s", strerror(errno));
        cli_input_error(&err);
    }
    cJSON *doc = cJSON_Parse(text);
    free(text);
    const cJSON *rows = doc ? cJSON_GetObjectItemCaseSensitive(doc, "policies") : NULL;
    const cJSON *samples = doc ? cJSON_GetObjectItemCaseSensitive(doc, "samples") : NULL;
    const cJSON *world = doc ? cJSON_GetObjectItemCaseSensitive(doc, "world") : NULL;
    if (!doc || !cJSON_IsArray(rows) || !cJSON_IsNumber(samples) || !cJSON_IsString(world)) {
        tlerr_input(&err, path, 0, NULL, "%s; expected the judge.json of tldrlab world judge --summary --out DIR",
                    !doc ? "not JSON" : "no policies, samples and world keys");
        cJSON_Delete(doc);
        cli_input_error(&err);
    }
    Output out;
    output_init(&out, "judge");
    Table *t = output_table(&out, NULL, CLI_JUDGE_COLS, CLI_JUDGE_NCOLS);
    if (judge_rows(path, rows, t, &err) != 0) {
        cJSON_Delete(doc);
        cli_input_error(&err);
    }
    keep_news_copied(r, t);
    sb_add(&r->md, "\n## Gold judge\n\nThe world's gold judge scores every summary against the facts it was "
                   "drawn from; these are the scores of the summaries the labelers saw.\n");
    cli_judge_summary_md(&out, t, (size_t)samples->valuedouble, world->valuestring);
    cJSON_Delete(out.doc);
    out.doc = doc; /* the file's document, as world judge wrote it */
    add_output(r, "judge", &out);
}

/* --curves DIR...: the training stages' curves and final values. */
static void curves_section(Report *r)
{
    sb_add(&r->md, "\n## Training curves\n\nEach training stage's log (`log.csv` in its policy folder): "
                   "the language models' loss per step, the reward model's accuracy against the labelers' "
                   "choices, and PPO's reward-model score, KL from the supervised policy and entropy per "
                   "iteration.\n");
    add_figure(r, r->o, "curves", "curves", "Training curves: pretraining and supervised loss and reward-model "
               "accuracy per size (train solid, validation dashed with points; colour per size); PPO's "
               "reward-model score, KL and entropy per iteration (colour per β, dash per size); train curves of "
               "100 rows or more smoothed by a centred moving average over 1% of their rows either side, raw "
               "values faint behind", NULL, NULL, NULL);
    Output out;
    output_init(&out, "curves");
    Table *t = output_table(&out, NULL, NULL, 0);
    curves_table(&r->o->curves, t);
    output_md(&out, "\nFinal values (train: the end of the drawn curve; validation: the last measured value):\n\n");
    output_md_table(&out, t);
    cJSON_AddItemToObject(out.doc, "runs", table_to_json(t));
    add_output(r, "curves", &out);
}

static void inputs_section(Report *r)
{
    CliOpts *o = r->o;
    sb_add(&r->md, "\n## Inputs\n\n| file | kind | sha256 |\n|:-----|:-----|:-------|\n");
    static const char *const KIND[5] = {"comparisons", "axis evals", "calibration comparisons", "gold-judge summary",
                                        "gold comparisons"};
    char **f[5] = {o->cmp_files, o->axis_files, o->cal_files, (char **)&o->judge_path, o->gold_files};
    int n[5] = {o->ncmp_files, o->naxis_files, o->ncal_files, o->judge_path != NULL, o->ngold_files};
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < n[k]; i++) {
            char sum[80];
            file_sha256(f[k][i], sum, sizeof sum);
            sb_printf(&r->md, "| `%s` | %s | `%s` |\n", f[k][i], KIND[k], sum);
        }
}

/* The title when --title is not given: what the inputs are. */
static void default_title(const CliOpts *o, StrBuf *t)
{
    sb_add(t, "Report on ");
    const char *what[4] = {o->ncmp_files ? "comparisons" : NULL, o->naxis_files ? "Likert ratings" : NULL,
                           o->ncal_files ? "labeler calibration" : NULL, o->judge_path ? "gold-judge scores" : NULL};
    int shown = 0, total = 0;
    for (int k = 0; k < 4; k++)
        total += what[k] != NULL;
    for (int k = 0; k < 4; k++)
        if (what[k]) {
            sb_printf(t, "%s%s", shown == 0 ? "" : shown == total - 1 ? " and " : ", ", what[k]);
            shown++;
        }
    if (!shown) {
        sb_add(t, "training curves");
        return;
    }
    const char *first = o->ncmp_files ? o->cmp_files[0] : o->naxis_files ? o->axis_files[0]
                        : o->ncal_files ? o->cal_files[0] : o->judge_path;
    const char *base = strrchr(first, '/');
    sb_printf(t, " (%s%s)", base ? base + 1 : first, o->ncmp_files + o->naxis_files + o->ncal_files +
                                                     (o->judge_path != NULL) > 1 ? ", ..." : "");
}

int cmd_report(CliOpts *o)
{
    if (!o->out_dir)
        cli_usage_error(o, "--out DIR is required: where to write report.md, report.html, figures/ and tables/");
    for (int i = 0; i < o->ncmp_files; i++)
        if (strcmp(o->cmp_files[i], "-") == 0)
            cli_usage_error(o, "--comparisons -: the report reads its comparisons once per dataset, so it "
                               "cannot take them from standard input; save them to a file");
    if (o->ngold_files && !o->ncmp_files)
        cli_usage_error(o, "--gold needs --comparisons: the gold judge's preference is reported beside the "
                           "labelers'");
    if (!o->ncmp_files && !o->naxis_files && !o->ncal_files && !o->judge_path && !o->ncurve_dirs)
        cli_usage_error(o, "no inputs: give --comparisons FILE... and/or --axis FILE... (or --calibration "
                           "FILE..., --judge FILE, --curves DIR...)");
    if (o->ncurve_dirs) /* read first: a bad log stops the report before anything is written */
        cli_load_curves(o, o->curve_dirs, o->ncurve_dirs);
    for (int i = 0; i < o->ncal_files; i++)
        if (strcmp(o->cal_files[i], "-") == 0)
            cli_usage_error(o, "--calibration -: give the calibration comparisons as a file");
    for (int i = 0; i < o->ngold_files; i++)
        if (strcmp(o->gold_files[i], "-") == 0)
            cli_usage_error(o, "--gold -: the report reads the gold comparisons once per dataset; give them as a file");
    /* The judge's penalties for overopt's gold drop; a file that is not a
     * judge summary is refused by the Gold judge section, with its message. */
    OoJudge pen = {0};
    TlError jerr;
    if (o->judge_path && oo_judge_load(&pen, o->judge_path, &jerr) == 0)
        o->oo_judge = &pen;
    Report r = {.o = o, .dir = o->out_dir};
    sb_init(&r.md);
    sb_init(&r.files);
    char *sub[2] = {util_path_join(o->out_dir, "figures"), util_path_join(o->out_dir, "tables")};
    for (int k = 0; k < 2; k++) {
        if (util_mkdir_p(sub[k]) != 0)
            tl_die(TL_EXIT_RUNTIME, "%s: cannot create directory: %s", sub[k], strerror(errno));
        free(sub[k]);
    }
    char when[64];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    StrBuf title;
    sb_init(&title);
    if (o->title)
        sb_add(&title, o->title);
    else
        default_title(o, &title);
    sb_printf(&r.md, "# %s\n\nGenerated by tldrlab %s on %s with:\n\n```\n%s\n```\n", sb_str(&title), TLDRLAB_VERSION,
              when, o->command_line);
    size_t head_len = r.md.len; /* the contents go here, once the sections are known */
    if (o->findings_path) { /* tldrlab sweep's findings, first */
        size_t len = 0;
        char *text = util_read_file(o->findings_path, &len);
        if (!text)
            tl_die(TL_EXIT_INPUT, "%s: cannot read the findings: %s", o->findings_path, strerror(errno));
        sb_printf(&r.md, "\n%s", text);
        free(text);
    }
    inputs_section(&r);
    if (o->ncmp_files) {
        /* Which datasets the comparisons hold: each gets its own section. */
        CliOpts all = *o;
        all.files = o->cmp_files;
        all.nfiles = o->ncmp_files;
        ComparisonSet s;
        cli_load_comparisons(&all, &s);
        size_t nd[DOMAIN_N] = {0};
        for (size_t i = 0; i < s.n; i++)
            nd[s.rows[i].domain]++;
        for (int d = 0; d < DOMAIN_N; d++)
            if (nd[d])
                comparisons_section(&r, (Domain)d);
        sb_add(&r.md, "\n## Labeler agreement\n");
        Output out;
        output_init(&out, "agreement");
        all.expert = NULL; /* --expert is the calibration's */
        analysis_agreement(&all, &s, &out);
        add_output(&r, "agreement", &out);
        cmpset_free(&s);
    }
    if (o->ncal_files)
        calibration_section(&r);
    if (o->judge_path)
        judge_section(&r);
    if (o->naxis_files)
        axis_section(&r);
    if (o->ncurve_dirs)
        curves_section(&r);
    sb_printf(&r.md, "\n## Files\n\nEverything below is relative to this report's folder.\n\n%s", sb_str(&r.files));
    if (r.drawn < r.figures) {
        fprintf(stderr, "tldrlab report: warning: gnuplot is not on the PATH, so the %d figures were not drawn; "
                        "their data and scripts are in %s/figures: install gnuplot (scripts/install-deps.sh), then "
                        "run gnuplot NAME.gp there for each\n", r.figures - r.drawn, o->out_dir);
        sb_printf(&r.md, "\nGnuplot was not on the PATH, so figures were not drawn; their data and scripts are in "
                         "`figures/`: install gnuplot, then run `gnuplot NAME.gp` there for each.\n");
    }

    StrBuf toc; /* the contents, after the header */
    sb_init(&toc);
    sb_add(&toc, "\n## Contents\n\n");
    report_toc(sb_str(&r.md) + head_len, &toc);
    StrBuf full;
    sb_init(&full);
    sb_addn(&full, r.md.s, head_len);
    sb_add(&full, sb_str(&toc));
    sb_add(&full, sb_str(&r.md) + head_len);
    sb_free(&toc);
    sb_free(&r.md);
    r.md = full;
    char *md_path = util_path_join(o->out_dir, "report.md");
    char *html_path = util_path_join(o->out_dir, "report.html");
    atomic_write_string(md_path, sb_str(&r.md));
    StrBuf html;
    sb_init(&html);
    size_t images = report_markdown_to_html(sb_str(&r.md), o->out_dir, sb_str(&title), &html);
    atomic_write_string(html_path, sb_str(&html));
    printf("wrote %s and %s (%zu figure%s embedded), with figures/ and tables/ beside them\n", md_path, html_path,
           images, images == 1 ? "" : "s");
    cli_check_stdout();
    sb_free(&html);
    free(md_path);
    free(html_path);
    sb_free(&r.md);
    sb_free(&r.files);
    sb_free(&title);
    for (size_t i = 0; i < r.ncopied; i++)
        free((char *)r.copied[i].policy);
    free(r.copied);
    o->oo_judge = NULL;
    oo_judge_free(&pen);
    return 0;
}
