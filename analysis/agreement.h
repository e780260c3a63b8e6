/* agreement.h — labeler monitoring (PAPER.md, "Agreement"): per-worker
 * counts, agreement between labelers on pairs labelled more than once, and
 * each worker's agreement with the majority of the other labels.
 *
 * A pair is the same post with the same two summaries (policy and text), in
 * either order. Two labels agree when they prefer the same summary. */
#ifndef TL_AGREEMENT_H
#define TL_AGREEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/bootstrap.h"
#include "analysis/records.h"

typedef struct {
    uint32_t worker;
    size_t labels;           /* comparisons labelled */
    size_t on_shared;        /* labels on pairs also labelled by another worker */
    size_t pair_agree, pair_total; /* agreement with each other worker's label */
    size_t maj_agree, maj_total;   /* agreement with the majority of the others (ties skipped) */
    size_t expert_agree, expert_total; /* agreement with the expert's label of the same pair */
    double first_rate;       /* share of choices for summaries[0]: position bias */
    double mean_confidence;  /* NaN when no confidences */
} WorkerAgreement;

typedef struct {
    size_t pairs;             /* distinct pairs */
    size_t shared_pairs;      /* pairs labelled by two or more workers */
    size_t label_pairs, label_pairs_agree; /* all cross-worker label pairs */
    double rate, lo, hi;      /* label_pairs_agree / label_pairs, and a cluster-bootstrap
                                 interval that resamples items (pairs), not label pairs */
    BootStatus boot_status;   /* BOOT_OK, or why lo and hi are NaN */
    size_t self_pairs, self_agree; /* pairs of labels of one item by the same worker */
    /* with an expert: the others' labels on pairs the expert labelled */
    size_t expert_labels, expert_pairs, expert_agree, expert_total;
    double expert_rate, expert_lo, expert_hi;
    BootStatus expert_boot_status;
    size_t expert_items;      /* pairs the expert and another worker labelled (the resampled units) */
    WorkerAgreement *workers; /* ordered by labels, descending */
    size_t nworkers;
} AgreementResult;

/* bootstrap: resamples for the interval (0 = none); seed: its generator.
 * expert: a worker id whose labels are the standard (the paper's
 * researchers; the in-silico world's gold judge), or -1. The expert's
 * labels are left out of the inter-labeler counts; every other label of a
 * pair the expert labelled is compared with the expert's (first) label,
 * per worker and overall, with a bootstrap interval over those pairs.
 * O(N log N) in the number of comparisons. */
void agreement_compute(const ComparisonSet *s, double level, size_t bootstrap, uint64_t seed, long expert,
                       AgreementResult *res);
void agreement_free(AgreementResult *res);

#endif
