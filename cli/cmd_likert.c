/* cmd_likert.c — `tldrlab likert`: 1-7 axis ratings per dataset x policy x
 * axis; --length-control adds the Table 14 regression. */
#include "analysis/likert.h"
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
