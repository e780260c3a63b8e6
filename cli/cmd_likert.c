/* cmd_likert.c — `tldrlab likert`: 1-7 axis ratings per dataset x policy x
 * axis; --length-control adds the Table 14 regression. */
#include "analysis/likert.h"
#include "analysis/transfer.h"
#include "cli/cli.h"
#include "common/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const TableCol LK_COLS[] = {
    {"dataset", "dataset", COL_STR, 0, 0},
    {"policy", "policy", COL_STR, 0, 0},
    {"axis", "axis", COL_STR, 0, 0},
    {"n", "n", COL_INT, 0, 0},
    {"mean", "mean", COL_NUM, 3, 0},
    {"sd", "SD", COL_NUM, 3, 0},
    {"se", "SE", COL_NUM, 3, 0},
    {"ci_lo", "CI lo", COL_NUM, 3, 0},
    {"ci_hi", "CI hi", COL_NUM, 3, 0},
    {"share_7", "share 7", COL_NUM, 3, 0},
    {"share_le4", "share <=4", COL_NUM, 3, 0},
    {"hist", "hist 1..7", COL_STR, 0, SHOW_MD},
    {"hist_1", "1", COL_INT, 0, SHOW_DATA},
    {"hist_2", "2", COL_INT, 0, SHOW_DATA},
    {"hist_3", "3", COL_INT, 0, SHOW_DATA},
    {"hist_4", "4", COL_INT, 0, SHOW_DATA},
    {"hist_5", "5", COL_INT, 0, SHOW_DATA},
    {"hist_6", "6", COL_INT, 0, SHOW_DATA},
    {"hist_7", "7", COL_INT, 0, SHOW_DATA},
    {"mean_chars", "mean chars", COL_NUM, 1, 0},
};

static const TableCol LC_COLS[] = {
    {"dataset", "dataset", COL_STR, 0, 0},
    {"policy", "policy", COL_STR, 0, 0},
    {"n", "n", COL_INT, 0, 0},
    {"mean_chars", "mean chars", COL_NUM, 1, 0},
    {"raw_mean", "raw overall", COL_NUM, 3, 0},
    {"adjusted", "overall at baseline length", COL_NUM, 3, 0},
    {"adjusted_se", "SE", COL_NUM, 3, 0},
    {"adjusted_lo", "lo", COL_NUM, 3, 0},
    {"adjusted_hi", "hi", COL_NUM, 3, 0},
};

#define NCOLS(a) (sizeof a / sizeof a[0])

/* Moves hist_1..hist_7 of each JSON row into one array "hist". */
static void json_hist_arrays(cJSON *rows)
{
    for (cJSON *r = rows->child; r; r = r->next) {
        cJSON *h = cJSON_CreateArray();
        for (int k = 1; k <= 7; k++) {
            char key[8];
            snprintf(key, sizeof key, "hist_%d", k);
            cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(r, key);
            cJSON_AddItemToArray(h, v ? v : cJSON_CreateNumber(0));
        }
        cJSON_AddItemToObject(r, "hist", h);
    }
}

/* Says which rows have no t interval, and why, instead of leaving an NA
 * (or a point) unexplained: one rating, or ratings all equal. */
static void likert_interval_notes(const LikertResult *res, const AxisSet *s, Output *out)
{
    for (int why = 0; why < 2; why++) {
        StrBuf b;
        sb_init(&b);
        size_t k = 0;
        for (size_t i = 0; i < res->n; i++) {
            const LikertRow *r = &res->rows[i];
            if (r->n == 0 || !isnan(r->ci_lo) || (why == 0) != (r->n == 1))
                continue;
            if (k++ < 6)
                sb_printf(&b, "%s%s %s %s", b.len ? ", " : "", domain_name(r->dataset),
                          strpool_get(&s->policies, r->policy), axis_name(r->axis));
        }
        if (k > 6)
            sb_printf(&b, " and %zu more", k - 6);
        if (k)
            output_md(out, "\nno interval for %zu row%s (%s): %s\n", k, k == 1 ? "" : "s",
                      why == 0 ? "one rating" : "every rating equal, so the t interval would be a point", b.s);
        sb_free(&b);
    }
}

void analysis_likert(CliOpts *o, const AxisSet *s, Output *out)
{
    LikertResult res;
    likert_compute(s, o->level, &res);

    Table *t = output_table(out, NULL, LK_COLS, NCOLS(LK_COLS));
    for (size_t i = 0; i < res.n; i++) {
        const LikertRow *r = &res.rows[i];
        char hist[96];
        snprintf(hist, sizeof hist, "%zu/%zu/%zu/%zu/%zu/%zu/%zu", r->hist[0], r->hist[1], r->hist[2],
                 r->hist[3], r->hist[4], r->hist[5], r->hist[6]);
        table_row(t);
        table_str(t, domain_name(r->dataset));
        table_str(t, strpool_get(&s->policies, r->policy));
        table_str(t, axis_name(r->axis));
        table_int(t, (long long)r->n);
        table_num(t, r->mean);
        table_num(t, r->sd);
        table_num(t, r->se);
        table_num(t, r->ci_lo);
        table_num(t, r->ci_hi);
        table_num(t, r->share_7);
        table_num(t, r->share_le4);
        table_str(t, hist);
        for (int k = 0; k < 7; k++)
            table_int(t, (long long)r->hist[k]);
        table_num(t, r->mean_chars);
    }
    cJSON *doc = out->doc;
    cli_json_header(o, doc, &s->stats);
    cJSON_AddNumberToObject(doc, "level", o->level);
    cJSON *rows = table_to_json(t);
    json_hist_arrays(rows);
    cJSON_AddItemToObject(doc, "rows", rows);

    /* Length control per dataset present. */
    Table *lt = NULL;
    StrBuf notes;
    sb_init(&notes);
    if (o->length_control) {
        lt = output_table(out, "length_control", LC_COLS, NCOLS(LC_COLS));
        cJSON *jl = cJSON_AddArrayToObject(doc, "length_control");
        long base = strpool_find(&s->policies, o->baseline);
        for (int d = 0; d < DOMAIN_N; d++) {
            int present = 0;
            for (size_t i = 0; i < s->n && !present; i++)
                present = s->rows[i].domain == d && s->rows[i].axes[AXIS_OVERALL];
            if (!present)
                continue;
            LikertLc lc;
            TlError err;
            if (base < 0 || likert_length_control(s, (Domain)d, (uint32_t)base, o->level, &lc, &err) != 0) {
                if (base < 0)
                    tlerr_set(&err, "%s: no overall ratings of the baseline '%s'; choose one with --baseline",
                              domain_name((Domain)d), o->baseline);
                sb_printf(&notes, "length control, %s\n", err.msg);
                fprintf(stderr, "tldrlab likert: length control: %s\n", err.msg);
                continue;
            }
            cJSON *jd = cJSON_CreateObject();
            cJSON_AddStringToObject(jd, "dataset", domain_name((Domain)d));
            cJSON_AddStringToObject(jd, "baseline", o->baseline);
            cJSON_AddNumberToObject(jd, "n", (double)lc.n);
            cli_json_num(jd, "baseline_mean_chars", lc.baseline_mean_chars);
            cli_json_num(jd, "per100", lc.per100);
            cli_json_num(jd, "per100_se", lc.per100_se);
            cli_json_num(jd, "per100_lo", lc.per100_lo);
            cli_json_num(jd, "per100_hi", lc.per100_hi);
            cli_json_num(jd, "r2", lc.r2);
            cli_json_num(jd, "sigma", lc.sigma);
            cJSON *jr = cJSON_AddArrayToObject(jd, "policies");
            sb_printf(&notes, "%s: overall rises %.3f per 100 characters (SE %.3f, %g%% CI %.3f to %.3f); "
                      "quality read at the %s mean length of %.1f characters; R^2 %.3f, n %zu\n",
                      domain_name((Domain)d), lc.per100, lc.per100_se, 100 * o->level, lc.per100_lo,
                      lc.per100_hi, o->baseline, lc.baseline_mean_chars, lc.r2, lc.n);
            for (size_t k = 0; k < lc.nrows; k++) {
                const LikertLcRow *r = &lc.rows[k];
                table_row(lt);
                table_str(lt, domain_name((Domain)d));
                table_str(lt, strpool_get(&s->policies, r->policy));
                table_int(lt, (long long)r->n);
                table_num(lt, r->mean_chars);
                table_num(lt, r->raw_mean);
                table_num(lt, r->adjusted);
                table_num(lt, r->adjusted_se);
                table_num(lt, r->adjusted_lo);
                table_num(lt, r->adjusted_hi);
                cJSON *o2 = cJSON_CreateObject();
                cJSON_AddStringToObject(o2, "policy", strpool_get(&s->policies, r->policy));
                cJSON_AddNumberToObject(o2, "n", (double)r->n);
                cli_json_num(o2, "mean_chars", r->mean_chars);
                cli_json_num(o2, "raw_mean", r->raw_mean);
                cli_json_num(o2, "adjusted", r->adjusted);
                cli_json_num(o2, "adjusted_se", r->adjusted_se);
                cli_json_num(o2, "adjusted_lo", r->adjusted_lo);
                cli_json_num(o2, "adjusted_hi", r->adjusted_hi);
                cJSON_AddItemToArray(jr, o2);
            }
            cJSON_AddItemToArray(jl, jd);
            likert_lc_free(&lc);
        }
    }

    output_md(out, "Likert ratings (1-7): split %s, %zu ratings, %g%% t intervals\n\n",
              records_split_desc(&o->read), s->n, 100 * o->level);
    cli_md_split_note(o, &s->stats, out);
    output_md_table(out, t);
    likert_interval_notes(&res, s, out);
    if (lt) {
        output_md(out, "\nLength-controlled overall score (OLS of overall on policy + length in characters):\n\n%s\n",
                  sb_str(&notes));
        output_md_table(out, lt);
    }
    sb_free(&notes);
    likert_free(&res);
}

/* ---- the news transfer table (the report's "Transfer to news") ---- */

/* Markdown shows "mean [lo, hi]" per axis; CSV and JSON the three numbers. */
static const TableCol TRANSFER_COLS[] = {
    {"policy", "policy", COL_STR, 0, 0},
    {"role", "role", COL_STR, 0, 0},
    {"method", "method", COL_STR, 0, SHOW_DATA},
    {"size", "size", COL_STR, 0, 0},
    {"params", "params", COL_NUM, 0, SHOW_DATA},
    {"n", "n", COL_INT, 0, 0},
    {"overall", "overall", COL_STR, 0, SHOW_MD},
    {"overall_mean", "overall", COL_NUM, 3, SHOW_DATA},
    {"overall_lo", "lo", COL_NUM, 3, SHOW_DATA},
    {"overall_hi", "hi", COL_NUM, 3, SHOW_DATA},
    {"accuracy", "accuracy", COL_STR, 0, SHOW_MD},
    {"accuracy_mean", "accuracy", COL_NUM, 3, SHOW_DATA},
    {"accuracy_lo", "lo", COL_NUM, 3, SHOW_DATA},
    {"accuracy_hi", "hi", COL_NUM, 3, SHOW_DATA},
    {"coverage", "coverage", COL_STR, 0, SHOW_MD},
    {"coverage_mean", "coverage", COL_NUM, 3, SHOW_DATA},
    {"coverage_lo", "lo", COL_NUM, 3, SHOW_DATA},
    {"coverage_hi", "hi", COL_NUM, 3, SHOW_DATA},
    {"coherence", "coherence", COL_STR, 0, SHOW_MD},
    {"coherence_mean", "coherence", COL_NUM, 3, SHOW_DATA},
    {"coherence_lo", "lo", COL_NUM, 3, SHOW_DATA},
    {"coherence_hi", "hi", COL_NUM, 3, SHOW_DATA},
    {"mean_chars", "chars", COL_NUM, 1, 0},
    {"mean_words", "words", COL_NUM, 1, 0},
    {"copied", "copied", COL_NUM, 3, 0},
    {"matched", "overall at ref length", COL_STR, 0, SHOW_MD},
    {"matched_overall", "overall at ref length", COL_NUM, 3, SHOW_DATA},
    {"matched_se", "SE", COL_NUM, 3, SHOW_DATA},
    {"matched_lo", "lo", COL_NUM, 3, SHOW_DATA},
    {"matched_hi", "hi", COL_NUM, 3, SHOW_DATA},
};

/* "mean [lo, hi]", "mean [NA]" without an interval, "NA" without a mean. */
static void md_interval(char *buf, size_t cap, double mean, double lo, double hi)
{
    if (isnan(mean))
        snprintf(buf, cap, "NA");
    else if (isnan(lo) || isnan(hi))
        snprintf(buf, cap, "%.2f [NA]", mean);
    else
        snprintf(buf, cap, "%.2f [%.2f, %.2f]", mean, lo, hi);
}

void analysis_transfer(CliOpts *o, const AxisSet *s, const TransferCopied *copied, size_t ncopied,
                       const char *copied_note, Output *out)
{
    long base = strpool_find(&s->policies, o->baseline);
    TransferResult res;
    TlError lc_err, err;
    if (transfer_compute(s, base < 0 ? UINT32_MAX : (uint32_t)base, o->have_meta ? &o->meta : NULL, o->level,
                         copied, ncopied, &res, &lc_err, &err) != 0) {
        output_md(out, "\nNo transfer table: %s.\n", err.msg);
        transfer_free(&res);
        return;
    }
    if (base < 0)
        tlerr_set(&lc_err, "news: no overall ratings of the baseline '%s'; choose one with --baseline", o->baseline);
    Table *t = output_table(out, NULL, TRANSFER_COLS, NCOLS(TRANSFER_COLS));
    StrBuf uneven, unjudged;
    sb_init(&uneven);
    sb_init(&unjudged);
    for (size_t i = 0; i < res.n; i++) {
        const TransferRow *r = &res.rows[i];
        const char *name = strpool_get(&s->policies, r->policy);
        char size[32], cell[64];
        policy_size_label(r->params, size, sizeof size);
        table_row(t);
        table_str(t, name);
        table_str(t, r->role);
        table_str(t, method_name(r->method));
        table_str(t, isnan(r->params) ? NULL : size);
        table_num(t, r->params);
        table_int(t, (long long)r->n[AXIS_OVERALL]);
        for (int a = 0; a < AXIS_N; a++) {
            md_interval(cell, sizeof cell, r->mean[a], r->lo[a], r->hi[a]);
            table_str(t, cell);
            table_num(t, r->mean[a]);
            table_num(t, r->lo[a]);
            table_num(t, r->hi[a]);
            if (r->n[a] != r->n[AXIS_OVERALL])
                sb_printf(&uneven, "%s%s %s %zu", uneven.len ? ", " : "", name, axis_name((Axis)a), r->n[a]);
        }
        table_num(t, r->mean_chars);
        table_num(t, r->mean_words);
        table_num(t, r->copied);
        if (copied && isnan(r->copied))
            sb_printf(&unjudged, "%s%s", unjudged.len ? ", " : "", name);
        md_interval(cell, sizeof cell, r->matched, r->matched_lo, r->matched_hi);
        table_str(t, cell);
        table_num(t, r->matched);
        table_num(t, r->matched_se);
        table_num(t, r->matched_lo);
        table_num(t, r->matched_hi);
    }
    cJSON *doc = out->doc;
    cli_json_header(o, doc, &s->stats);
    cJSON_AddStringToObject(doc, "dataset", "news");
    cJSON_AddNumberToObject(doc, "level", o->level);
    cJSON_AddStringToObject(doc, "reference", o->baseline);
    cli_json_num(doc, "reference_mean_chars", res.ref_chars);
    cJSON_AddItemToObject(doc, "policies", table_to_json(t));

    output_md(out, "\nPer policy on news articles (split %s): n overall ratings; each axis's mean (1-7) with its "
              "%g%% t interval, as in the Likert tables; mean length of the rated summaries; copied, the share of "
              "the summary's words in 5-grams of the article; and overall at the reference's mean length",
              records_split_desc(&o->read), 100 * o->level);
    if (!isnan(res.ref_chars))
        output_md(out, " of %.1f characters (the Likert length control: OLS of overall on policy and length)",
                  res.ref_chars);
    output_md(out, ". Rows: the reference, lead-3, other baselines, then the models by method and size.\n\n");
    output_md_table(out, t);
    likert_interval_notes(&res.likert, s, out);
    if (uneven.len)
        output_md(out, "\nn counts the overall ratings; some axes have a different count: %s\n", uneven.s);
    if (copied_note)
        output_md(out, "\ncopied: %s\n", copied_note);
    if (unjudged.len)
        output_md(out, "\ncopied is NA for %s: no news row for %s in the gold judge's table\n", unjudged.s,
                  strchr(unjudged.s, ',') ? "them" : "it");
    if (isnan(res.ref_chars))
        output_md(out, "\noverall at ref length is NA: length control, %s\n", lc_err.msg);
    sb_free(&uneven);
    sb_free(&unjudged);
    transfer_free(&res);
}

int cmd_likert(CliOpts *o)
{
    AxisSet s;
    cli_load_axis(o, &s);
    Output out;
    output_init(&out, "likert");
    analysis_likert(o, &s, &out);
    cli_emit_output(o, &out);
    output_free(&out);
    axisset_free(&s);
    return 0;
}
