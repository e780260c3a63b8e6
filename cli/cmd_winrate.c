/* cmd_winrate.c — `tldrlab winrate`: win rates against the baseline with
 * Wilson and cluster-bootstrap intervals; --by groups; --pairwise matrix
 * and Bradley-Terry strengths. */
#include "analysis/lengthctl.h"
#include "analysis/stats.h"
#include "analysis/winrate.h"
#include "cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The columns after the group's: the same for every --by. */
#define WR_STATS_COLS                                                                                                \
    {"n", "n", COL_INT, 0, 0}, {"wins", "wins", COL_INT, 0, 0}, {"win_rate", "win rate", COL_NUM, 3, 0},             \
        {"se", "SE", COL_NUM, 3, 0}, {"wilson_lo", "Wilson lo", COL_NUM, 3, 0},                                      \
        {"wilson_hi", "Wilson hi", COL_NUM, 3, 0}, {"boot_lo", "boot lo", COL_NUM, 3, 0},                            \
        {"boot_hi", "boot hi", COL_NUM, 3, 0}, {"mean_log_len_ratio", "mean log len ratio", COL_NUM, 3, 0},          \
        {"posts", "posts", COL_INT, 0, 0}, {"boot_note", "boot note", COL_STR, 0, SHOW_DATA}

static const TableCol WR_COLS[] = {
    {"policy", "policy", COL_STR, 0, 0},
    {"method", "method", COL_STR, 0, 0},
    {"params", "params", COL_NUM, 0, SHOW_DATA},
    {"size", "size", COL_STR, 0, SHOW_MD},
    WR_STATS_COLS,
};
/* --by method: the method heads the row; --by size: the size label
 * ("unknown" for none) and the parameter count (NA for unknown). */
static const TableCol WR_METHOD_COLS[] = {{"method", "method", COL_STR, 0, 0}, WR_STATS_COLS};
static const TableCol WR_SIZE_COLS[] = {
    {"size", "size", COL_STR, 0, 0}, {"params", "params", COL_NUM, 0, SHOW_DATA}, WR_STATS_COLS};

static const TableCol PW_COLS[] = {
    {"policy", "policy", COL_STR, 0, 0},
    {"opponent", "opponent", COL_STR, 0, 0},
    {"wins", "wins", COL_INT, 0, 0},
    {"n", "n", COL_INT, 0, 0},
    {"win_rate", "win rate", COL_NUM, 3, 0},
};

static const TableCol BT_COLS[] = {
    {"policy", "policy", COL_STR, 0, 0},
    {"theta", "theta", COL_NUM, 3, 0},
    {"theta_se", "SE", COL_NUM, 3, 0},
    {"p_beats_baseline", "P(beats baseline)", COL_NUM, 3, 0},
    {"lo", "lo", COL_NUM, 3, 0},
    {"hi", "hi", COL_NUM, 3, 0},
    {"status", "status", COL_STR, 0, 0},
};

#define NCOLS(a) (sizeof a / sizeof a[0])

static GroupBy group_by(const CliOpts *o)
{
    if (!o->by || strcmp(o->by, "policy") == 0)
        return GROUP_POLICY;
    return strcmp(o->by, "method") == 0 ? GROUP_METHOD : GROUP_SIZE;
}

/* Fills t, initialised with the columns of by: per policy its name, method and
 * size; per group its label (and, by size, the parameter count). */
static void fill_table(const WinrateResult *res, GroupBy by, Table *t)
{
    for (size_t i = 0; i < res->n; i++) {
        const WinrateRow *r = &res->rows[i];
        char size[32];
        table_row(t);
        table_str(t, r->label);
        if (by == GROUP_POLICY)
            table_str(t, method_name(r->meta.method));
        if (by != GROUP_METHOD)
            table_num(t, r->meta.params);
        if (by == GROUP_POLICY) {
            policy_size_label(r->meta.params, size, sizeof size);
            table_str(t, isnan(r->meta.params) ? NULL : size);
        }
        table_int(t, (long long)r->n);
        table_int(t, (long long)r->wins);
        table_num(t, r->win_rate);
        table_num(t, r->se);
        table_num(t, r->wilson_lo);
        table_num(t, r->wilson_hi);
        table_num(t, r->boot_lo);
        table_num(t, r->boot_hi);
        table_num(t, r->mean_log_len_ratio);
        table_int(t, (long long)r->nposts);
        char note[160];
        boot_status_text(r->boot_status, r->nposts, "post", r->win_rate, note, sizeof note);
        table_str(t, note[0] ? note : NULL);
    }
}

/* One line per reason the bootstrap gave no interval, naming the rows. */
static void boot_notes(const WinrateResult *res, Output *out)
{
    char *done = xcalloc(res->n ? res->n : 1, 1);
    int first = 1;
    for (size_t i = 0; i < res->n; i++) {
        char note[160], other[160];
        boot_status_text(res->rows[i].boot_status, res->rows[i].nposts, "post", res->rows[i].win_rate, note,
                         sizeof note);
        if (done[i] || !note[0])
            continue;
        StrBuf b;
        sb_init(&b);
        for (size_t j = i; j < res->n; j++) {
            boot_status_text(res->rows[j].boot_status, res->rows[j].nposts, "post", res->rows[j].win_rate, other,
                             sizeof other);
            if (!done[j] && strcmp(note, other) == 0) {
                sb_printf(&b, "%s%s", b.len ? ", " : "", res->rows[j].label);
                done[j] = 1;
            }
        }
        output_md(out, "%sno bootstrap interval (%s): %s\n", first ? "\n" : "", note, b.s);
        first = 0;
        sb_free(&b);
    }
    free(done);
}

/* A policy's Bradley-Terry strength for ordering: theta, +-inf when
 * separated that way, NaN when not fitted (or separated either way). */
static double bt_key(const LcPolicy *lp)
{
    if (lp->status == LC_BASELINE || lp->status == LC_FITTED)
        return lp->theta;
    if (lp->status == LC_SEPARATED && lp->direction)
        return lp->direction > 0 ? INFINITY : -INFINITY;
    return NAN;
}

/* Whether policy p comes before policy q: the stronger first, those
 * without a strength last, ties by name. */
static int bt_before(const ComparisonSet *s, const LcResult *bt, size_t p, size_t q)
{
    double kp = bt_key(&bt->pol[p]), kq = bt_key(&bt->pol[q]);
    if (isnan(kp) != isnan(kq))
        return isnan(kq);
    if (!isnan(kp) && kp != kq)
        return kp > kq;
    return strcmp(strpool_get(&s->policies, (uint32_t)p), strpool_get(&s->policies, (uint32_t)q)) < 0;
}

/* Fills order (P) with the policies in the order of every pairwise output:
 * the baseline first, then the others by bt_before. */
static void pairwise_order(const ComparisonSet *s, const LcResult *bt, uint32_t base, size_t *order)
{
    size_t n = 0;
    order[n++] = base;
    for (size_t p = 0; p < s->policies.n; p++) {
        if (p == base)
            continue;
        size_t j = n++;
        for (; j > 1 && bt_before(s, bt, p, order[j - 1]); j--) /* insertion: P is small */
            order[j] = order[j - 1];
        order[j] = p;
    }
}

/* The policy x policy matrix (long form) and Bradley-Terry strengths, in
 * one order (pairwise_order) for the rows and the columns of each. */
static void pairwise(const CliOpts *o, const ComparisonSet *s, uint32_t base, Output *out)
{
    cJSON *doc = out->doc;
    size_t P = s->policies.n;
    LcResult bt_res;
    TlError err;
    if (lengthctl_fit(s, base, o->unit, 0, o->level, &bt_res, &err) != 0)
        cli_input_error(&err);
    size_t *order = xmalloc(P * sizeof *order);
    pairwise_order(s, &bt_res, base, order);
    size_t *wins = xmalloc(P * P * sizeof *wins);
    winrate_pairwise(s, wins);
    Table *pw = output_table(out, "pairwise", PW_COLS, NCOLS(PW_COLS));
    cJSON *jp = cJSON_AddObjectToObject(doc, "pairwise");
    cJSON *names = cJSON_AddArrayToObject(jp, "policies");
    cJSON *jw = cJSON_AddArrayToObject(jp, "wins");
    for (size_t a = 0; a < P; a++) {
        size_t i = order[a];
        cJSON_AddItemToArray(names, cJSON_CreateString(strpool_get(&s->policies, (uint32_t)i)));
        cJSON *row = cJSON_CreateArray();
        for (size_t b = 0; b < P; b++) {
            size_t j = order[b];
            cJSON_AddItemToArray(row, cJSON_CreateNumber((double)wins[i * P + j]));
            size_t n = wins[i * P + j] + wins[j * P + i];
            if (i == j || n == 0)
                continue;
            table_row(pw);
            table_str(pw, strpool_get(&s->policies, (uint32_t)i));
            table_str(pw, strpool_get(&s->policies, (uint32_t)j));
            table_int(pw, (long long)wins[i * P + j]);
            table_int(pw, (long long)n);
            table_num(pw, (double)wins[i * P + j] / (double)n);
        }
        cJSON_AddItemToArray(jw, row);
    }
    free(wins);

    Table *bt = output_table(out, "bradley_terry", BT_COLS, NCOLS(BT_COLS));
    for (size_t k = 0; k < P; k++) {
        const LcPolicy *lp = &bt_res.pol[order[k]];
        table_row(bt);
        table_str(bt, strpool_get(&s->policies, (uint32_t)order[k]));
        table_num(bt, lp->theta);
        table_num(bt, lp->theta_se);
        table_num(bt, lp->lc);
        table_num(bt, lp->lc_lo);
        table_num(bt, lp->lc_hi);
        table_str(bt, lc_status_text(lp));
    }
    cJSON *jb = table_to_json(bt);
    cJSON_AddItemToObject(doc, "bradley_terry", jb);
    lengthctl_free(&bt_res);
    free(order);
    output_md(out, "\nPairwise wins (how often policy beat opponent, over all comparisons of the two; policies "
                   "in the order of the Bradley-Terry strengths below, %s first, then the strongest):\n\n",
              o->baseline);
    output_md_table(out, pw);
    output_md(out, "\nBradley-Terry strengths (theta, %s = 0; strongest first):\n\n", o->baseline);
    output_md_table(out, bt);
}

/* --length-control: lengthctl's analysis on the same comparisons, read
 * once: its markdown after the win rates, its table as the "lengthctl"
 * table (winrate_lengthctl.csv), its document under "lengthctl". */
static void with_lengthctl(CliOpts *o, const ComparisonSet *s, Output *out)
{
    Output lc;
    output_init(&lc, "lengthctl");
    analysis_lengthctl(o, s, &lc);
    output_md(out, "\n%s", sb_str(&lc.md));
    cJSON_AddItemToObject(out->doc, "lengthctl", cJSON_Duplicate(lc.doc, 1));
    Table *t = output_table(out, "lengthctl", lc.tables[0].cols, lc.tables[0].ncols);
    table_free(t);
    *t = lc.tables[0]; /* moved, not copied */
    memset(&lc.tables[0], 0, sizeof lc.tables[0]);
    output_free(&lc);
}

void analysis_winrate(CliOpts *o, const ComparisonSet *s, Output *out)
{
    uint32_t base = cli_baseline(o, s);
    GroupBy by = group_by(o);
    WinrateOptions wo = {base, by, o->unit, (size_t)o->bootstrap, o->seed, o->level,
                         o->have_meta ? &o->meta : NULL, o->read.progress};
    WinrateResult res;
    winrate_compute(s, &wo, &res);
    if (res.n == 0 && !o->pairwise)
        cli_usage_error(o, "no comparisons against the baseline '%s' in scope; choose another with "
                        "--baseline NAME, or fit every comparison with tldrlab lengthctl", o->baseline);

    Table *t = by == GROUP_METHOD ? output_table(out, NULL, WR_METHOD_COLS, NCOLS(WR_METHOD_COLS))
               : by == GROUP_SIZE ? output_table(out, NULL, WR_SIZE_COLS, NCOLS(WR_SIZE_COLS))
                                  : output_table(out, NULL, WR_COLS, NCOLS(WR_COLS));
    fill_table(&res, by, t);
    cJSON *doc = out->doc;
    cli_json_header(o, doc, &s->stats);
    cJSON_AddStringToObject(doc, "baseline", o->baseline);
    cJSON_AddNumberToObject(doc, "bootstrap", (double)o->bootstrap);
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cJSON_AddRawToObject(doc, "seed", seed); /* exact: a double would round seeds above 2^53 */
    cJSON_AddNumberToObject(doc, "level", o->level);
    cJSON_AddStringToObject(doc, "length_unit", o->unit == LEN_WORDS ? "words" : "chars");
    cJSON_AddStringToObject(doc, "group_by", o->by ? o->by : "policy");
    cJSON_AddItemToObject(doc, "policies", table_to_json(t));
    output_md(out, "Win rates against %s: split %s, %zu comparisons in scope, %g%% intervals, "
              "%ld bootstrap resamples of posts (seed %llu)\n\n",
              o->baseline, records_split_desc(&o->read), s->n, 100 * o->level,
              o->bootstrap, (unsigned long long)o->seed);
    cli_md_split_note(o, &s->stats, out);
    output_md_table(out, t);
    boot_notes(&res, out);
    if (o->pairwise)
        pairwise(o, s, base, out);
    if (o->length_control)
        with_lengthctl(o, s, out);
    winrate_free(&res);
}

int cmd_winrate(CliOpts *o)
{
    return cli_run_comparisons(o, "winrate", 1, analysis_winrate);
}
