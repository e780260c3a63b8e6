/* cmd_agreement.c — `tldrlab agreement`: labeler monitoring. */
#include "analysis/agreement.h"
#include "cli/cli.h"

#include <math.h>
#include <stdlib.h>

/* Every count is of labels but the label pairs (two workers' labels of one
 * pair): the headers say which, and each rate is the count agreeing over
 * the total beside it. */
static const TableCol AG_COLS[] = {
    {"worker", "worker", COL_STR, 0, 0},
    {"labels", "labels", COL_INT, 0, 0},
    {"on_shared_pairs", "labels on shared pairs", COL_INT, 0, 0},
    {"pair_agree", "label pairs agreeing", COL_INT, 0, 0},
    {"pair_total", "label pairs", COL_INT, 0, 0},
    {"agreement", "agreement", COL_NUM, 3, 0},
    {"majority_agree", "labels agreeing w/ majority", COL_INT, 0, 0},
    {"majority_total", "labels w/ a majority", COL_INT, 0, 0},
    {"majority_agreement", "majority agreement", COL_NUM, 3, 0},
    {"first_choice_rate", "chose first", COL_NUM, 3, 0},
    {"mean_confidence", "mean slider", COL_NUM, 2, 0},
    {"expert_agree", "labels agreeing w/ expert", COL_INT, 0, 0},
    {"expert_total", "labels w/ expert", COL_INT, 0, 0},
    {"expert_agreement", "expert agreement", COL_NUM, 3, 0},
};
#define AG_NCOLS_BASE 11

void analysis_agreement(CliOpts *o, const ComparisonSet *s, Output *out)
{
    AgreementResult res;
    long expert = -1;
    if (o->expert) {
        expert = strpool_find(&s->workers, o->expert);
        if (expert < 0)
            cli_usage_error(o, "--expert: no comparison in scope is labelled by worker '%s'", o->expert);
    }
    agreement_compute(s, o->level, (size_t)o->bootstrap, o->seed, expert, &res);

    Table *t = output_table(out, NULL, AG_COLS, o->expert ? sizeof AG_COLS / sizeof AG_COLS[0] : AG_NCOLS_BASE);
    for (size_t i = 0; i < res.nworkers; i++) {
        const WorkerAgreement *w = &res.workers[i];
        if (expert >= 0 && w->worker == (uint32_t)expert)
            continue; /* the standard itself: its labels are left out of every figure */
        table_row(t);
        table_str(t, strpool_get(&s->workers, w->worker));
        table_int(t, (long long)w->labels);
        table_int(t, (long long)w->on_shared);
        table_int(t, (long long)w->pair_agree);
        table_int(t, (long long)w->pair_total);
        table_num(t, w->pair_total ? (double)w->pair_agree / (double)w->pair_total : NAN);
        table_int(t, (long long)w->maj_agree);
        table_int(t, (long long)w->maj_total);
        table_num(t, w->maj_total ? (double)w->maj_agree / (double)w->maj_total : NAN);
        table_num(t, w->first_rate);
        table_num(t, w->mean_confidence);
        if (o->expert) {
            table_int(t, (long long)w->expert_agree);
            table_int(t, (long long)w->expert_total);
            table_num(t, w->expert_total ? (double)w->expert_agree / (double)w->expert_total : NAN);
        }
    }
    cJSON *doc = out->doc;
    cli_json_header(o, doc, &s->stats);
    cJSON_AddNumberToObject(doc, "level", o->level);
    cJSON_AddNumberToObject(doc, "bootstrap", (double)o->bootstrap);
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cJSON_AddRawToObject(doc, "seed", seed);
    cJSON_AddNumberToObject(doc, "comparisons", (double)s->n);
    cJSON_AddNumberToObject(doc, "pairs", (double)res.pairs);
    cJSON_AddNumberToObject(doc, "shared_pairs", (double)res.shared_pairs);
    cJSON_AddNumberToObject(doc, "label_pairs", (double)res.label_pairs);
    cJSON_AddNumberToObject(doc, "label_pairs_agree", (double)res.label_pairs_agree);
    cli_json_num(doc, "agreement", res.rate);
    cli_json_num(doc, "agreement_lo", res.lo);
    cli_json_num(doc, "agreement_hi", res.hi);
    char note[160];
    boot_status_text(res.boot_status, res.shared_pairs, "item", res.rate, note, sizeof note);
    if (note[0])
        cJSON_AddStringToObject(doc, "agreement_interval_note", note);
    cJSON_AddNumberToObject(doc, "self_pairs", (double)res.self_pairs);
    cJSON_AddNumberToObject(doc, "self_agree", (double)res.self_agree);
    if (o->expert) {
        cJSON *e = cJSON_AddObjectToObject(doc, "expert");
        cJSON_AddStringToObject(e, "worker", o->expert);
        cJSON_AddNumberToObject(e, "labels", (double)res.expert_labels);
        cJSON_AddNumberToObject(e, "pairs", (double)res.expert_pairs);
        cJSON_AddNumberToObject(e, "agree", (double)res.expert_agree);
        cJSON_AddNumberToObject(e, "total", (double)res.expert_total);
        cli_json_num(e, "agreement", res.expert_rate);
        cli_json_num(e, "agreement_lo", res.expert_lo);
        cli_json_num(e, "agreement_hi", res.expert_hi);
        boot_status_text(res.expert_boot_status, res.expert_items, "pair", res.expert_rate, note, sizeof note);
        if (note[0])
            cJSON_AddStringToObject(e, "agreement_interval_note", note);
    }
    cJSON_AddItemToObject(doc, "workers", table_to_json(t));

    output_md(out, "Labeler agreement: split %s, %zu comparisons by %zu workers, %zu distinct pairs\n\n",
           records_split_desc(&o->read), s->n, res.nworkers, res.pairs);
    cli_md_split_note(o, &s->stats, out);
    char why[160];
    if (res.label_pairs && res.boot_status != BOOT_OK) {
        boot_status_text(res.boot_status, res.shared_pairs, "item", res.rate, why, sizeof why);
        output_md(out, "inter-labeler agreement %.1f%% on %zu label pairs over %zu pairs labelled by two or more "
               "workers (no interval: %s)\n", 100 * res.rate, res.label_pairs, res.shared_pairs,
               why[0] ? why : "--bootstrap 0");
    } else if (res.label_pairs)
        output_md(out, "inter-labeler agreement %.1f%% (%g%% interval %.1f%% to %.1f%%, %ld bootstrap resamples of items) "
               "on %zu label pairs over %zu pairs labelled by two or more workers\n",
               100 * res.rate, 100 * o->level, 100 * res.lo, 100 * res.hi, o->bootstrap, res.label_pairs,
               res.shared_pairs);
    else
        output_md(out, "no pair was labelled by more than one worker: inter-labeler agreement cannot be measured\n");
    if (o->expert && res.expert_total) {
        char ci[200];
        if (res.expert_boot_status == BOOT_OK)
            snprintf(ci, sizeof ci, "%g%% interval %.1f%% to %.1f%%, resampling pairs", 100 * o->level,
                     100 * res.expert_lo, 100 * res.expert_hi);
        else {
            boot_status_text(res.expert_boot_status, res.expert_items, "pair", res.expert_rate, why, sizeof why);
            snprintf(ci, sizeof ci, "no interval: %s", why[0] ? why : "--bootstrap 0");
        }
        output_md(out, "agreement with the expert %s: %.1f%% (%s) of %zu "
                       "labels on %zu pairs it labelled; its own %zu labels are left out of the figures above\n",
                  o->expert, 100 * res.expert_rate, ci, res.expert_total, res.expert_pairs, res.expert_labels);
    } else if (o->expert)
        output_md(out, "the expert %s labelled no pair that another worker labelled\n", o->expert);
    if (res.self_pairs)
        output_md(out, "self-agreement: %zu of %zu pairs of labels given to the same item by the same worker agree\n",
               res.self_agree, res.self_pairs);
    /* Without a pair labelled twice (and no expert) every agreement column
     * is 0 or NA: the table stays in the CSV and JSON, not in the text. */
    if (res.label_pairs || (o->expert && res.expert_total)) {
        output_md(out, "\n");
        output_md_table(out, t);
    } else {
        output_md(out, "the per-worker table (labels, chose first, mean slider) is written only to the CSV and JSON outputs\n");
    }
    agreement_free(&res);
}

int cmd_agreement(CliOpts *o)
{
    return cli_run_comparisons(o, "agreement", 0, analysis_agreement);
}
