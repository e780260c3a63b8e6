/* generate.h — a policy's summaries of the world's documents: prompts in
 * the paper's format, batches of ragged prompts through the KV-cache
 * sampler, responses decoded; and reward-model scores of any summaries.
 * The sampling and scoring that evaluation, best-of-N and PPO share. */
#ifndef TL_GENERATE_H
#define TL_GENERATE_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "train/gpt.h"
#include "train/stage.h"
#include "world/world.h"

/* Encoded prompts of documents (each cut to fit the context with room for
 * a summary); built once per command. */
typedef struct Prompts {
    int32_t **p;
    int *n;
    size_t count, cut;  /* prompts, of which cut at a newline */
} Prompts;

/* Encodes the prompts of docs (n) for model m; exits with a message when a
 * document cannot fit even with an empty body. */
void prompts_build(Prompts *pr, const StageModel *m, const World *w, const size_t *docs, size_t n);
void prompts_free(Prompts *pr);

/* Fills e (episodes_init'ed here) with the prompts of items idx[0..n) and
 * responses sampled by g with s (max STAGE_MAX_SUMMARY new tokens) from
 * rng, or, when rows (n) is not NULL, item i from rows[i] alone
 * (gpt_sample_rows); lp (n, STAGE_MAX_SUMMARY) may be NULL, else gets the
 * sampler's log-probs. */
int generate_batch(Gpt *g, const Tokenizer *tok, const Prompts *pr, const size_t *idx, int n, const GptSampler *s,
                   gsl_rng *rng, gsl_rng *const *rows, Episodes *e, float *lp, TlError *err);

/* Reward-model scores of (doc, summary text) pairs: prompt + " " + text +
 * EOS, the value at EOS. A summary longer than STAGE_MAX_SUMMARY tokens is
 * cut there (counted in *cut when cut is not NULL). */
void rm_score_texts(StageModel *rm, const World *w, const size_t *docs, const char *const *texts, size_t n, int batch,
                    float *out, size_t *cut);



/* tldrlab sample: a policy's summaries of every document of a split, in
 * the world's sample format, greedy (temperature 0, the default) or at a
 * temperature. */
typedef struct {
    const char *world_dir, *model_dir, *out_path, *split, *dataset, *name;
    double temperature;   /* 0 = greedy */
    long batch, limit;    /* limit > 0: the first documents of the split only */
    uint64_t seed;
    int progress;
} SampleOpts;
int eval_sample(const SampleOpts *o);

/* tldrlab rm score: every sample of the files scored by the reward model,
 * with the reference of the same document: CSV policy,post_id,rm_policy,
 * rm_ref (what plot overopt's --rm-scores reads). */
int eval_rm_score(const char *world_dir, const char *rm_dir, const char *out_path, char *const *files, int nfiles,
                  int progress);
#endif
