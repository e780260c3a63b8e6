/* transfer.h — the news transfer table (PAPER.md, "CNN/DM transfer";
 * DESIGN.md, "Transfer"): per policy rated on news articles, the four
 * Likert axes with t intervals, mean length in characters and words, the
 * share of the summary copied from the article (given from outside: the
 * gold judge's), and overall quality at the reference's mean length from
 * the length-controlled regression of likert_length_control (Table 14).
 *
 * Rows are ordered by role: the reference, lead-3, the other baselines
 * without a model (title, random-sentence, author_sN), then the models by
 * method (pretrained, supervised, RL, best-of-N, other) and size, ties in
 * order of first appearance. */
#ifndef TL_TRANSFER_H
#define TL_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/likert.h"
#include "analysis/policy.h"
#include "analysis/records.h"

/* A policy's role: "reference" (the baseline), "lead-3" (lead3), "baseline"
 * (title, random-sentence, author_sN: summaries without a model) or
 * "model". name is the policy's name. */
const char *transfer_role(uint32_t baseline, uint32_t p, const char *name);

/* The share copied for one policy, from outside the axis evals (the gold
 * judge's news row for it); policy is borrowed. */
typedef struct {
    const char *policy;
    double share;
} TransferCopied;

typedef struct {
    uint32_t policy;                  /* id in the AxisSet's policies */
    const char *role;                 /* static, see transfer_role */
    Method method;                    /* from --meta or the name */
    double params;                    /* parameter count; NaN when unknown */
    size_t n[AXIS_N];                 /* ratings per axis */
    double mean[AXIS_N], lo[AXIS_N], hi[AXIS_N]; /* t interval; NaN when degenerate */
    double mean_chars, mean_words;    /* over the overall ratings' summaries */
    double copied;                    /* NaN when not given */
    double matched, matched_se, matched_lo, matched_hi; /* overall at ref length; NaN without length control */
} TransferRow;

typedef struct {
    TransferRow *rows;
    size_t n;
    double ref_chars;                 /* the length matched: the baseline's mean; NaN without length control */
    LikertResult likert;              /* the news rows behind the axis columns (for interval notes) */
} TransferResult;

/* Fills res from the news ratings of s with an overall score: the axis
 * columns are likert_compute's news rows (same t intervals as the Likert
 * tables), the matched column likert_length_control's adjusted overall for
 * the same policy (NaN, with lc_err set, when it cannot be fitted).
 * copied (ncopied entries, may be NULL) gives the share copied by policy
 * name; others get NaN. meta may be NULL. Returns 0, or -1 with err when
 * no policy has news overall ratings. The caller frees res with
 * transfer_free (also after a failure). */
int transfer_compute(const AxisSet *s, uint32_t baseline, const MetaMap *meta, double level,
                     const TransferCopied *copied, size_t ncopied, TransferResult *res, TlError *lc_err,
                     TlError *err);
void transfer_free(TransferResult *res);

#endif
