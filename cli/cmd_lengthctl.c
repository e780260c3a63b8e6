/* cmd_lengthctl.c — `tldrlab lengthctl`: the Appendix F length-controlled
 * preference model over every comparison in scope. */
#include "analysis/lengthctl.h"
#include "cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const TableCol LC_COLS[] = {
    {"policy", "policy", COL_STR, 0, 0},
    {"method", "method", COL_STR, 0, 0},
    {"params", "params", COL_NUM, 0, SHOW_DATA},
    {"size", "size", COL_STR, 0, SHOW_MD},
    {"n", "n", COL_INT, 0, 0},
    {"n_vs_baseline", "n vs baseline", COL_INT, 0, 0},
    {"raw_win_rate", "raw win rate", COL_NUM, 3, 0},
    {"theta", "theta", COL_NUM, 3, 0},
    {"theta_se", "SE", COL_NUM, 3, 0},
    {"lc_win_rate", "LC win rate", COL_NUM, 3, 0},
    {"lc_lo", "LC lo", COL_NUM, 3, 0},
    {"lc_hi", "LC hi", COL_NUM, 3, 0},
    {"separated", "separated", COL_BOOL, 0, 0},
    {"status", "status", COL_STR, 0, 0},
};

void analysis_lengthctl(CliOpts *o, const ComparisonSet *s, Output *out)
{
    uint32_t base = cli_baseline(o, s);
    LcResult res;
    TlError err;
    if (lengthctl_fit(s, base, o->unit, 1, o->level, &res, &err) != 0)
        cli_input_error(&err);

    Table *tp = output_table(out, NULL, LC_COLS, sizeof LC_COLS / sizeof LC_COLS[0]);
    for (size_t k = 0; k < res.npol; k++) {
        size_t p = cli_baseline_first(k, base);
        const LcPolicy *lp = &res.pol[p];
        const char *name = strpool_get(&s->policies, (uint32_t)p);
        PolicyMeta m;
        policy_meta_lookup(o->have_meta ? &o->meta : NULL, name, &m);
        char size[32];
        policy_size_label(m.params, size, sizeof size);
        table_row(tp);
        table_str(tp, name);
        table_str(tp, method_name(m.method));
        table_num(tp, m.params);
        table_str(tp, isnan(m.params) ? NULL : size);
        table_int(tp, (long long)lp->n);
        table_int(tp, (long long)lp->n_base);
        table_num(tp, lp->raw_win_rate);
        table_num(tp, lp->theta);
        table_num(tp, lp->theta_se);
        table_num(tp, lp->lc);
        table_num(tp, lp->lc_lo);
        table_num(tp, lp->lc_hi);
        table_bool(tp, lp->status == LC_SEPARATED);
        table_str(tp, lc_status_text(lp));
    }

    cJSON *doc = out->doc;
    cli_json_header(o, doc, &s->stats);
    cJSON_AddStringToObject(doc, "baseline", o->baseline);
    cJSON_AddStringToObject(doc, "length_unit", o->unit == LEN_WORDS ? "words" : "chars");
    cJSON_AddNumberToObject(doc, "level", o->level);
    cJSON_AddNumberToObject(doc, "n", (double)res.n);
    cJSON_AddNumberToObject(doc, "n_used", (double)res.n_used);
    cJSON_AddNumberToObject(doc, "n_between_separated_groups", (double)res.n_between_components);
    cJSON_AddNumberToObject(doc, "n_not_connected", (double)res.n_not_connected);
    cli_json_num(doc, "loglik", res.loglik);
    cJSON_AddNumberToObject(doc, "iterations", res.iterations);
    cJSON_AddBoolToObject(doc, "converged", res.converged);
    cJSON *lc = cJSON_AddObjectToObject(doc, "length_coef");
    cli_json_num(lc, "estimate", res.w);
    cli_json_num(lc, "se", res.w_se);
    cli_json_num(lc, "z", res.w_z);
    cli_json_num(lc, "p", res.w_p);
    cJSON_AddStringToObject(lc, "status", lc_status_name(res.length_status));
    cJSON_AddItemToObject(doc, "policies", table_to_json(tp));

    output_md(out, "Length-controlled preference against %s: split %s, %zu comparisons (%zu in the fit), "
              "length in %s, %g%% intervals\n\n",
              o->baseline, records_split_desc(&o->read), res.n, res.n_used,
              o->unit == LEN_WORDS ? "words" : "characters", 100 * o->level);
    cli_md_split_note(o, &s->stats, out);
    if (res.n_used == 0)
        output_md(out, "no comparison between policies connected to %s is left to fit\n", o->baseline);
    else if (res.length_status == LC_FITTED)
        output_md(out, "length coefficient w = %.4f (SE %.4f, z = %.2f, p = %.3g) per unit of log((len_A+1)/(len_B+1))\n",
                  res.w, res.w_se, res.w_z, res.w_p);
    else
        output_md(out, "length coefficient w: %s\n", res.length_status == LC_SEPARATED
                  ? "separated (longer or shorter summaries always win): not estimable"
                  : "not identified (length is a function of policy identity here)");
    output_md(out, "log-likelihood %.4f, %d Newton iterations, %s\n\n", res.loglik, res.iterations,
              res.converged ? "converged" : "NOT converged");
    output_md_table(out, tp);
    if (res.n_between_components)
        output_md(out, "\n%zu comparisons between separated groups of policies were perfectly predicted "
                  "and left out of the finite fit.\n", res.n_between_components);
    if (res.n_not_connected)
        output_md(out, "\n%zu comparisons have no path of comparisons to %s and were not fitted.\n",
                  res.n_not_connected, o->baseline);
    lengthctl_free(&res);
}

int cmd_lengthctl(CliOpts *o)
{
    return cli_run_comparisons(o, "lengthctl", 1, analysis_lengthctl);
}
