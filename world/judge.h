/* judge.h — the gold judge: scores any summary of any document of a world
 * on accuracy, coverage, coherence and overall, each in [0, 1], with the
 * fact-level explanation (docs/world.md gives every formula).
 *
 * Deterministic: the coherence model is trained on clean summaries the
 * world's own generator writes under a seed derived from the world's. */
#ifndef TL_JUDGE_H
#define TL_JUDGE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "world/world.h"

/* An n-gram model of well-formed summaries (trigram, interpolated absolute
 * discounting), one per domain. */
typedef struct {
    StrPool vocab;
    uint32_t *uni; size_t nuni;        /* counts by word id; id 0 = <unk>, 1 = <s>, 2 = </s> */
    uint32_t *ctx1_total, *ctx1_types; /* per first word: continuations and distinct ones */
    uint64_t *bkeys; uint32_t *bvals; size_t bcap, bn;   /* bigram counts */
    uint64_t *tkeys; uint32_t *tvals; size_t tcap, tn;   /* trigram counts */
    uint64_t *c2keys; uint32_t *c2tot, *c2typ; size_t c2cap, c2n; /* trigram contexts */
    double total;
    double h_good, h_bad;              /* calibration: mean NLL per token of clean / shuffled texts (only the
                                        * summary model's are used: the coherence axis) */
    double clause_good, clause_bad;    /* clause NLL: 90th percentile of clean clauses, median of shuffled ones */
} CoherenceLM;

typedef struct Judge {
    World *w;                          /* borrowed */
    CoherenceLM lm[WD_N];              /* clean summaries: the coherence axis and clause quality */
    CoherenceLM doclm[WD_N];           /* documents: clause quality of copied sentences */
    StrPool cues;                      /* negation and hedging cue words */
    uint64_t **licence;                /* (nc) sorted hashes of (negation cue, next word) in a concept's sentences */
    size_t *nlicence;                  /* (nc) */
} Judge;

/* What took overall down from its ceiling (docs/world.md, "The gold judge"). */
enum { JP_LENGTH, JP_INVENTED, JP_CONTRADICTED, JP_REPETITION, JP_TRUNCATION, JP_INCOHERENT, JP_N };

typedef struct {
    double overall, accuracy, coverage, coherence;
    double lm_nll;      /* mean negative log-likelihood per token under the coherence model */
    double repetition;  /* share of repeated word trigrams */
    int truncated;      /* ends on a word that cannot end a summary */
    size_t words;
    int invented, contradicted;
    int negated;        /* clauses that negate or hedge a true fact (counted in contradicted) */
    double coverage_keys; /* coverage with every key credited wherever it stands */
    double ceiling;     /* overall without any penalty: coverage_keys^a * lm coherence^b */
    double pen[JP_N];   /* the amount each penalty took off overall; ceiling - sum = overall */
} JudgeScore;

/* Names of the penalties, as columns: "length", "invented", ... */
const char *judge_penalty_name(int k);

/* Builds the coherence models for w (a fraction of a second per domain). */
void judge_init(Judge *j, World *w);
void judge_free(Judge *j);

/* Scores text as a summary of document doc (an index in w->docs). When
 * explain is not NULL, adds "covered", "missed", "invented",
 * "contradicted" and "incoherent" arrays to it. Thread-safe. */
void judge_score(const Judge *j, size_t doc, const char *text, JudgeScore *s, cJSON *explain);

/* Share of text's words inside a run of 5 words found in document doc
 * (sentence marks ignored): how much a summary copies. NAN when the
 * world's texts are not loaded (world_load_texts). Thread-safe. */
double judge_copied(const Judge *j, size_t doc, const char *text);

/* Mean NLL per token of text under lm (exposed for tests). */
double judge_lm_nll(const CoherenceLM *lm, const char *text, size_t *ntok);

#endif
