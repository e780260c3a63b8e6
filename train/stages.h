/* stages.h — the training stages of the paper (PAPER.md, "The method"):
 * supervised fine-tuning, the reward model, PPO and best-of-N. Each runs
 * from a config, writes a stage folder (train/stage.h) and returns 0, or an
 * exit code after printing what went wrong. Progress and ETA go to stderr
 * when cfg->progress is set. */
#ifndef TL_STAGES_H
#define TL_STAGES_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "train/gpt.h"
#include "train/tokenizer.h"

/* Settings every training stage has; a value < 0 (NaN for reals) is "the
 * stage's default". */
typedef struct {
    const char *world_dir, *from_dir, *out_dir;
    uint64_t seed;
    long steps;        /* SFT, RM: optimiser steps (default one epoch); PPO: iterations */
    long until;        /* stop after this step/iteration (a checkpoint is written; resume goes on) */
    long batch;        /* SFT: sequences per step; RM: pairs per step; PPO: episodes per iteration */
    long warmup, ckpt_every, eval_every;
    double lr, weight_decay, clip;
    int resume, progress;
} StageOpts;

/* tldrlab sft: the pretrained LM (from_dir) fine-tuned on the world's
 * training posts and their references; the loss on the summary and EOS. */
int sft_run(const StageOpts *o);

/* tldrlab rm train: a scalar head on the supervised model (from_dir),
 * trained on comparison files (released format) by -log sigma(r_w - r_l);
 * then biased so that the training posts' references score mean 0. */
int rm_train_run(const StageOpts *o, char *const *files, int nfiles);

typedef struct {
    StageOpts s;
    const char *rm_dir;
    double beta;          /* fixed KL coefficient (default 0.05) */
    double kl_target;     /* > 0: adaptive controller towards this KL (nats per episode) */
    double temperature;   /* rollout temperature (default 0.7) */
    double no_eos_penalty;/* score of a response without EOS (default -1) */
    long epochs, minibatches; /* default 4 and 4 */
    long kl_samples;      /* valid2 prompts for the final KL measurement (default all) */
} PpoOpts;

/* tldrlab ppo: the policy (from the supervised model) against the reward
 * model with a per-token KL penalty; value model from the reward model. */
int ppo_run(const PpoOpts *o);

/* One PPO iteration on given models (ppo_run's loop; the benchmark's). */
struct Prompts;
typedef struct {
    Gpt *pol, *ref, *val, *rm;
    float lr, vlr;            /* policy and value learning rates */
    double clip_grad;         /* global-norm clip per network (0 = none) */
    double beta, temperature, no_eos_penalty, cliprange, cliprange_value, gamma, lambda;
    int epochs, minibatches, chunk; /* chunk: rows per scoring forward */
    int32_t eos, pad;
    /* evaluation only (may be NULL): the gold judge's mean overall score of
     * the rollouts, logged beside the RM's; docs maps prompts to documents */
    const struct Judge *judge;
    const size_t *docs;
} PpoCtx;

typedef struct {
    double rm_score, gold, kl_k1, kl_k3, nonscore, entropy, clipfrac, approxkl, pg_loss, vf_loss, explained_var, resp_len,
        no_eos, ratio_max, grad_norm;
    double rollout_s, score_s, optimise_s;
    char bad[160];            /* non-empty: what went wrong (NaN or exploding), no update was kept */
} PpoStats;

/* Rolls out the prompts idx[0..n) of pr at ctx->temperature, scores them
 * (policy, reference, value and reward models), computes the KL-penalised
 * rewards, GAE and whitened advantages, then runs epochs x minibatches of
 * clipped policy and value updates (AdamW). Returns 0, or -1 with st->bad
 * set when a quantity is not finite or explodes (the models may then hold a
 * partial update: reload the last checkpoint). Episode i is sampled from
 * its own generator, seeded from one draw of rng and i. Under MPI every
 * rank calls it alike (the same models, prompts and rng state): each
 * samples and scores its share of the episodes, the updates sum the
 * gradients across ranks, and every rank returns the same code and st. */
int ppo_iteration(PpoCtx *ctx, const struct Prompts *pr, const size_t *idx, int n, const Tokenizer *tok,
                  gsl_rng *rng, PpoStats *st);

/* One PPO update's arithmetic, exposed for the tests. */
/* GAE over one episode of n tokens (gamma, lambda): adv and ret (n). */
void ppo_gae(const double *rewards, const double *values, int n, double gamma, double lambda, double *adv,
             double *ret);
/* The clipped surrogate at one token: returns its loss max(-A r, -A
 * clip(r, 1-eps, 1+eps)) with r = exp(lp - lp_old), *dlp its derivative
 * in lp, *clipped 1 when the clipped branch is taken. */
double ppo_pg_loss(double lp, double lp_old, double adv, double eps, double *dlp, int *clipped);
/* The clipped value loss 0.5 max((v - ret)^2, (vclip - ret)^2) with vclip
 * = v_old + clip(v - v_old, -eps, eps); *dv its derivative in v. */
double ppo_value_loss(double v, double v_old, double ret, double eps, double *dv);
/* The reward model's loss on one pair, -log sigma(r_chosen - r_other)
 * (softplus, stable), with its derivatives in both scores. */
double rm_pair_loss(double r_chosen, double r_other, double *d_chosen, double *d_other);
/* Best-of-N's KL from the sampling policy: log N - (N - 1) / N. */
double bon_kl(int n);

typedef struct {
    const char *world_dir, *from_dir, *rm_dir, *out_path, *split, *dataset, *name;
    int n;                /* samples per prompt (default 16) */
    double temperature;   /* default 0.7 */
    long batch, limit;    /* limit > 0: the first documents of the split only */
    uint64_t seed;
    int progress;
} BonOpts;

/* tldrlab bon: N samples per prompt from the supervised policy, the reward
 * model's best written as a sample file; a meta.json beside it. */
int bon_run(const BonOpts *o);

#endif
