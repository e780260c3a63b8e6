/* curves.h — training curves read back from the training stages' folders
 * (train/stage.h): each folder's log.csv (one row per step or PPO
 * iteration, docs/formats.md "Stage folders") and meta.json (the policy's
 * name, method, size and β).
 *
 * The stage of a folder is read from its log's columns: rm_score (PPO),
 * accuracy and val_accuracy (reward model), or loss and val_loss, which
 * meta.json's method splits into pretrained and supervised. A folder
 * without log.csv (best-of-N, which trains nothing) or with a log of no
 * rows is left out with a note; any other problem is an error naming the
 * file, the CSV record and the field.
 *
 * fig_curves draws the curves: pretraining and supervised loss (train and
 * validation) and reward-model accuracy per size; PPO's reward-model
 * score, KL and entropy per iteration, a colour per β and a dash per size.
 * curves_table gives each run's final values. */
#ifndef TL_CURVES_H
#define TL_CURVES_H

#include <stddef.h>

#include "analysis/plot.h"
#include "common/err.h"
#include "common/strbuf.h"
#include "common/table.h"

typedef enum { CURVE_PRETRAIN, CURVE_SFT, CURVE_RM, CURVE_PPO, CURVE_NSTAGES } CurveStage;

/* The log columns kept per run (CURVE_MAXCOLS at most): pretrain and sft
 * loss, val_loss; rm accuracy, val_accuracy; ppo rm_score, kl, entropy. */
#define CURVE_MAXCOLS 3

typedef struct {
    char *dir, *name;            /* the folder as given, the policy in its meta.json (owned) */
    CurveStage stage;
    double params, beta;         /* NaN when unknown; beta for PPO only */
    char size[32];               /* policy_size_label(params) */
    size_t n;                    /* rows of the log */
    double *x;                   /* (n) step or iteration */
    double *y[CURVE_MAXCOLS];    /* (n) per kept column; NaN where not measured */
} CurveRun;

typedef struct {
    CurveRun *runs;              /* (n), in the order added */
    size_t n, cap;
    StrBuf notes;                /* folders left out, one line each */
} CurveSet;

const char *curve_stage_name(CurveStage s);      /* "pretrain", "sft", "rm", "ppo" */
/* The kept column names of stage s (NULL past the last). */
const char *curve_col_name(CurveStage s, int k);

void curves_init(CurveSet *cs);
void curves_free(CurveSet *cs);   /* accepts a zeroed or initialised set */

/* Reads dir/meta.json and dir/log.csv into a new run of cs, or adds a note
 * when dir has no log.csv or its log has no rows. Returns 0, or -1 with err
 * "file:N: field: problem" (N counts CSV records, the header being 1;
 * meta.json's errors as policy_meta_load gives them); cs is unchanged on
 * error. */
int curves_add(CurveSet *cs, const char *dir, TlError *err);

/* The figure (f from figure_init(f, "curves", ...); its size is set
 * here). Returns 0, or -1 with err when no folder had a log. */
int fig_curves(const CurveSet *cs, Figure *f, TlError *err);

/* Each run's last values, one row per run (initialises t; the caller
 * frees it): a train column's value is the end of its drawn curve, the
 * last logged value or, when smoothed, the mean of the last values in the
 * window; a validation column's is its last measured value. */
void curves_table(const CurveSet *cs, Table *t);

/* The half-width of the centred moving average drawn over a train curve
 * of n rows: n / 100 (0 below 100 rows: drawn as logged). */
size_t curves_smooth_halfwidth(size_t n);

#endif
