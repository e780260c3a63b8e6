/* gpt.h — the GPT engine (DESIGN.md, "Models and training"): a GPT-2-style
 * decoder in fp32 with learned positions, pre-LayerNorm, GELU MLP, causal
 * self-attention and tied embeddings; an LM head or a scalar head; forward,
 * backward, AdamW, checkpoints and batched sampling with a KV cache.
 * train/FORMAT.md gives the checkpoint layout and the exact model. */
#ifndef TL_GPT_H
#define TL_GPT_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "common/err.h"

typedef struct {
    int L;            /* layers */
    int C;            /* channels */
    int NH;           /* heads (C % NH == 0) */
    int T;            /* context length */
    int V;            /* vocabulary */
    int scalar_head;  /* 1: a value per sequence (reward, value models); 0: the LM head */
} GptConfig;

#define GPT_NTENSORS 18

/* When non-zero, every matrix product uses the naive loops instead of
 * BLAS (tests keep the two in agreement). */
extern int gpt_naive_matmul;

/* OpenMP's thread count and the calling thread's number (1 and 0 without
 * OpenMP), for per-thread scratch. */
int gpt_max_threads(void);
int gpt_thread_num(void);

/* Fills sizes (floats per tensor, in checkpoint order) and returns the
 * total; the head tensors are 0 for an LM. */
size_t gpt_param_sizes(const GptConfig *c, size_t sizes[GPT_NTENSORS]);
const char *gpt_tensor_name(int i);
/* The tensor's shape as JSON-ready dims; returns the number of dims. */
int gpt_tensor_shape(const GptConfig *c, int i, int dims[3]);
/* Returns 0, or -1 with *field (when field is not NULL) the dimension at
 * fault ("L", "C", "NH", "T" or "V") and err what is wrong with it, for
 * the caller to place ("config.json:3: model.NH: ..."). */
int gpt_config_check(const GptConfig *c, const char **field, TlError *err);

#define REAL float
#define SFX(x) x##_f
#include "train/gpt_types.inc"
#undef REAL
#undef SFX

typedef struct {
    float lr, beta1, beta2, eps, weight_decay;
} AdamW;

typedef struct {
    Net_f net;          /* parameters, gradients, activations */
    float *m, *v;       /* AdamW moments (nparams each), allocated on first step */
    long step;          /* optimiser steps taken */
    float *kv;          /* sampling's key/value cache, kept between calls */
    size_t kv_cap;
} Gpt;

/* Allocates a model with parameters drawn from seed: N(0, 0.02) for the
 * matrices and embeddings, residual projections scaled by 1/sqrt(2L),
 * biases 0, LayerNorm weights 1. */
void gpt_init(Gpt *g, const GptConfig *c, uint64_t seed);
void gpt_free(Gpt *g);

/* Forward over inputs (B,T), T <= config T, ids below V (preconditions,
 * checked by assert). start (B; NULL = none): row b is left-padded by
 * start[b] tokens, which no other position attends to and which shift its
 * positions (a row alone without its padding gives the same numbers). LM:
 * with targets (B,T), the loss is the mean of -log p(target) over the
 * positions weighted by mask (B,T; NULL = every position), returned.
 * Scalar head: a value at every position, gpt_values(g) (B,T); returns NaN. */
double gpt_forward(Gpt *g, const int32_t *inputs, const int32_t *targets, const float *mask, const int32_t *start,
                   int B, int T);
/* LM forward that writes logp (B,T) = log softmax(logits / temperature)
 * [target] at positions from.. of each row (0 before: the LM head skips
 * them); gpt_backward(g, dlogp) may follow, with dlogp 0 before from. */
void gpt_logprobs(Gpt *g, const int32_t *inputs, const int32_t *targets, const int32_t *start, int B, int T,
                  int from, float temperature, float *logp);
/* The entropy (nats) of position (b, t)'s next-token distribution at the
 * last forward's temperature; needs a forward with targets just before. */
double gpt_entropy_at(const Gpt *g, int b, int t);
/* A scalar head's values of the last forward, (B,T). */
const float *gpt_values(const Gpt *g);
void gpt_zero_grad(Gpt *g);
/* Accumulates the gradients of the last forward. LM: d NULL = of its mean
 * masked loss; otherwise d (B,T) holds d objective / d log p(target) per
 * position (SFT: -mask/sum; PPO: the clipped ratio's weight; 0 = none).
 * Scalar head: d (B,T) = d objective / d value per position (the reward
 * model puts its weight at EOS, the value model at each response token). */
void gpt_backward(Gpt *g, const float *d);

/* A scalar-head model with lm's tokenizer, body and config (lm may itself
 * have a scalar head: then its head is copied too); a new head is drawn
 * from N(0, 1/(C+1)) (as N+ initialises the reward head) with bias 0. */
void gpt_init_scalar_from(Gpt *g, const Gpt *lm, uint64_t seed);
/* Copies src's parameters into g (the same config); optimiser state is reset. */
void gpt_copy_params(Gpt *g, const Gpt *src);

/* Scales the gradients so their global L2 norm is at most max_norm (no
 * clipping when max_norm <= 0); returns the norm before clipping. */
double gpt_clip_grad_norm(Gpt *g, double max_norm);
/* One AdamW step with learning rate lr (opt's lr is ignored): weight decay
 * on the matrices only (not biases, LayerNorms or embeddings). */
void gpt_adamw_step(Gpt *g, const AdamW *opt, float lr);
/* Linear warmup to lr_max over warmup steps, then cosine to lr_min at total. */
float gpt_lr(long step, long warmup, long total, float lr_max, float lr_min);

/* Checkpoints (train/FORMAT.md): written to a temporary file and renamed.
 * extra: a JSON object (may be NULL) merged into the header (step, seed,
 * tokenizer...). rng: saved when not NULL. Returns 0, or -1 with err. */
struct cJSON;
int gpt_save(const Gpt *g, const char *path, int with_optimizer, const gsl_rng *rng, const struct cJSON *extra,
             TlError *err);
/* Loads path into a new model; restores the optimiser state when present
 * and rng when both the file and rng have one; *header (may be NULL) gets
 * the JSON header (caller frees). Refuses another version or a truncated
 * file with a message naming the file. */
int gpt_load(Gpt *g, const char *path, gsl_rng *rng, struct cJSON **header, TlError *err);

/* Sampling. prompts (B,P) of ids below V, P >= 1, P + max_new <= config
 * T, left-padded by start[b] tokens (gpt_sample_ragged; start[b] < P);
 * returns 0, or -1 with err when an argument is out of range. It uses
 * the model's activations: sampling between a forward and its backward
 * spoils the backward. Per sequence: stops
 * after EOS (eos >= 0) or max_new tokens. out (B,max_new) gets the tokens
 * (pad after a sequence stops), logprobs (B,max_new) the model's log
 * probability of each (at temperature 1, as a full forward pass gives it),
 * len (B) how many were generated. temperature <= 0 or greedy: argmax;
 * top_p in (0,1]: nucleus sampling. lp_at_temperature: the log-probs of
 * logits / temperature instead (PPO's, as TRL and N+ compute them).
 * Deterministic in rng; a row's tokens do not depend on the other rows'
 * prompts or padding (its draws do: they come from one stream in row order;
 * gpt_sample_rows gives each row its own). */
typedef struct {
    float temperature, top_p;
    int greedy, eos, pad;
    int lp_at_temperature;
} GptSampler;
int gpt_sample(Gpt *g, const int32_t *prompts, int B, int P, int max_new, const GptSampler *s, gsl_rng *rng,
               int32_t *out, float *logprobs, int *len, TlError *err);
int gpt_sample_ragged(Gpt *g, const int32_t *prompts, const int32_t *start, int B, int P, int max_new,
                      const GptSampler *s, gsl_rng *rng, int32_t *out, float *logprobs, int *len, TlError *err);
/* gpt_sample_ragged with a generator per row: row b draws from rows[b]
 * alone (rows (B) may be NULL when s is greedy), so its tokens depend on
 * nothing else in the batch: PPO's rollouts, split across MPI ranks, are
 * the same on any number of ranks. */
int gpt_sample_rows(Gpt *g, const int32_t *prompts, const int32_t *start, int B, int P, int max_new,
                    const GptSampler *s, gsl_rng *const *rows, int32_t *out, float *logprobs, int *len, TlError *err);

#endif
