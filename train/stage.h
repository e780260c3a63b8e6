/* stage.h — what the training stages share (DESIGN.md, "Models and
 * training"): a stage's folder (model.ckpt, tokenizer.bin, log.csv,
 * meta.json), the paper's prompt with its truncation rule, the training log
 * and the progress line.
 *
 * A stage folder DIR holds:
 *   DIR/model.ckpt     the model (train/FORMAT.md), with the optimiser and
 *                      random state while the stage can still resume
 *   DIR/tokenizer.bin  the tokenizer every stage of a run shares
 *   DIR/log.csv        one row per step or iteration
 *   DIR/meta.json      {"policies": {NAME: {...}}}: what --meta reads */
#ifndef TL_STAGE_H
#define TL_STAGE_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/strbuf.h"
#include "train/gpt.h"
#include "train/tokenizer.h"
#include "world/world.h"

/* Summaries are at most this many tokens, EOS excluded (the paper's 48). */
#define STAGE_MAX_SUMMARY 48

typedef struct {
    Tokenizer tok;
    Gpt g;
    cJSON *hdr;        /* the checkpoint's JSON header */
    char *dir;
    char tokhash[24];  /* tok_hash as 16 hex digits */
} StageModel;

/* Loads DIR/model.ckpt and DIR/tokenizer.bin and checks that the model was
 * trained with that tokenizer. want_scalar: 0 an LM, 1 a scalar head, -1
 * either; the message says which folder is the wrong kind. rng (may be
 * NULL) gets the saved random state. */
int stage_load(StageModel *m, const char *dir, int want_scalar, gsl_rng *rng, TlError *err);
void stage_free(StageModel *m);
/* 0 when a and b share a tokenizer, else -1 with a message naming both. */
int stage_same_tokenizer(const StageModel *a, const StageModel *b, TlError *err);

/* Writes DIR/model.ckpt (with the optimiser and rng when given) with the
 * header fields of extra plus "tokenizer", and DIR/tokenizer.bin when it is
 * not there yet. Exits with a message on failure. */
void stage_save(const char *dir, const Gpt *g, const Tokenizer *tok, int with_optimizer, const gsl_rng *rng,
                const cJSON *extra);

/* The prompt of document doc: TL;DR posts in the paper's format
 * "SUBREDDIT: r/{subreddit}\n\nTITLE: {title}\n\nPOST: {post}\n\nTL;DR:",
 * news as "TITLE: {title}\n\nARTICLE: {article}\n\nTL;DR:". keep: bytes of the
 * body kept (SIZE_MAX = all). tldr_suffix 0 leaves out "\n\nTL;DR:" (the
 * pretraining corpus). */
void stage_prompt_text(const World *w, size_t doc, size_t keep, int tldr_suffix, StrBuf *out);

/* Encodes doc's prompt into at most max tokens (out has room for max).
 * A body too long is cut at its last newline that fits (the paper's rule),
 * else at its last space that fits. Returns the token count (*cut = 1 when
 * the body was cut), or -1 when not even the empty body fits. */
int stage_encode_prompt(const Tokenizer *tok, const World *w, size_t doc, int max, int32_t *out, int *cut);

/* Encodes a summary text plus EOS into out (room for STAGE_MAX_SUMMARY + 1);
 * returns the token count with EOS, or -1 when the text is longer than
 * STAGE_MAX_SUMMARY tokens. */
int stage_encode_summary(const Tokenizer *tok, const char *text, int32_t *out);

/* stage_encode_summary for scoring any text: a text longer than
 * STAGE_MAX_SUMMARY tokens is cut there (EOS after it; *cut, when not NULL,
 * is incremented). Returns the token count with EOS. */
int stage_encode_summary_cut(const Tokenizer *tok, const char *text, int32_t *out, size_t *cut);

/* Decodes a response (stopping at EOS or PAD) into out, trimmed. */
void stage_decode(const Tokenizer *tok, const int32_t *ids, int n, StrBuf *out);

/* Opens the world with its texts; exits with the message on failure. */
void stage_open_world(World *w, const char *dir);

/* The order of n items in epoch `epoch` of a stage: a permutation drawn from
 * rng_derive_seed(seed, base + epoch), so a resumed run sees the same order. */
void stage_epoch_order(uint64_t seed, uint64_t base, long epoch, size_t n, size_t *perm);

/* The documents of a dataset ("tldr" or "news") and split; returns how
 * many, *docs (caller frees) their indices in w. */
size_t stage_docs(const World *w, const char *dataset, const char *split, size_t **docs, TlError *err);
/* stage_docs that exits with the message when there are none; limit > 0
 * keeps the first limit documents. */
size_t stage_docs_or_die(const World *w, const char *dataset, const char *split, long limit, size_t **docs);

/* A training log: rows of numbers under named columns; the first column is
 * the step. NaN is written as an empty field. */
typedef struct {
    const char *const *cols;
    int ncols;
    double *v;
    size_t n, cap;
} StageLog;

void stagelog_init(StageLog *l, const char *const *cols, int ncols);
void stagelog_free(StageLog *l);
void stagelog_add(StageLog *l, const double *row);
/* Reads DIR/log.csv back, keeping rows whose step is at most upto (resume). */
void stagelog_read(StageLog *l, const char *dir, double upto);
/* Writes DIR/log.csv (temporary file, renamed); exits on failure. */
void stagelog_write(const StageLog *l, const char *dir);

/* A size token for names in the released style: the parameter count in
 * millions with two significant digits, "0.41m", "3.2m". */
void stage_size_token(size_t params, char *buf, size_t cap);

/* Writes DIR/meta.json: {"policies": {name: fields}} (takes fields). */
void stage_write_meta(const char *dir, const char *name, cJSON *fields);
/* Adds "rm" (rm_<rsize>), "source" (sup_<size>) and "trained_on" (tldr) to
 * a policy's meta fields: a PPO or best-of-N policy's lineage. */
void stage_meta_lineage(cJSON *fields, const char *size, const char *rsize);
/* The policy name in DIR/meta.json (caller frees), or NULL with err set
 * (no file, bad JSON, no policy there). */
char *stage_read_name(const char *dir, TlError *err);

/* Set to the signal's number by the first SIGINT or SIGTERM once
 * stage_catch_signals has run: training loops check it after each step
 * (under several ranks through stage_sync_step, so that they all agree),
 * write their checkpoint and stop (stage_stopped says so). */
extern volatile sig_atomic_t stage_stop;
void stage_catch_signals(void);
/* Rank 0 prints where the run stopped (by signal stop) and how to go on;
 * every rank waits there for the others (rank 0's checkpoint is written by
 * then) and returns the exit code, 128 + stop (tlmpi_agree_exit). */
int stage_stopped(long stop, const char *what, const char *unit, long step, const char *dir);
/* Whether any MPI rank was asked to stop: a collective call (every rank
 * makes it once per step, so all checkpoint and stop at the same one).
 * Returns the largest stage_stop of the ranks (0: none) and sets this
 * rank's stage_stop to it when not 0. */
int stage_stop_all(void);

/* Sums g's gradients across the MPI ranks (none to sum in a world of one):
 * data-parallel training, after each rank's backward over its share of a
 * batch whose loss is normalised by the whole batch, before clipping. */
void stage_sum_grads(Gpt *g);

/* A checkpoint of a training stage: DIR/model.ckpt (with the optimiser and
 * rng) and DIR/log.csv, written by rank 0 alone (tlmpi.h); when stop (the
 * signal that asked this step to stop: stage_sync_step's, or stage_stop)
 * is set before step last, says so (stage_stopped) and returns its exit
 * code, else 0. */
int stage_checkpoint(const char *dir, const Gpt *g, const Tokenizer *tok, const gsl_rng *rng, const cJSON *extra,
                     const StageLog *log, const char *what, const char *unit, long step, long last, long stop);

/* Data-parallel training (tlmpi.h): every rank draws the whole batch,
 * works on its share of the rows and weights its loss and gradient by the
 * whole batch's count (of rows, tokens or pairs), so that the sums across
 * ranks are the one-rank numbers; every rank then clips and steps alike.
 * One rank: the share is everything and the sums cost nothing.
 *
 * stage_share: this rank's share [*lo, *hi) of n rows (tlmpi_share). */
void stage_share(size_t n, size_t *lo, size_t *hi);
/* After every rank's backward, at the same point of each step: sums g's
 * gradients and sums[0..n) (the step's loss terms) across ranks, and
 * returns the stop the ranks agree on: the largest stage_stop (0: go on).
 * The loop uses it, not stage_stop, for the rest of the step: a signal
 * that comes later reaches one rank only and counts at the next step. */
long stage_sync_step(Gpt *g, double *sums, int n);

/* A progress line on stderr when enabled: "what done/total  extra  ETA". */
void stage_progress(int enabled, const char *what, long done, long total, double t0, const char *extra);

/* Formats seconds as 42s, 3m05s or 1h02m. */
void stage_fmt_secs(double s, char *buf, size_t cap);

/* A batch of episodes: each row a left-padded prompt then a response,
 * right-padded: [PAD.. prompt | response PAD..], W = P + R tokens. The
 * response's token k sits at index P + k and is predicted at index
 * P - 1 + k; a reward or value model reads the response's last token. */
typedef struct {
    int B, P, R, W;
    int32_t *tok;     /* (B,W) */
    int32_t *tg;      /* (B,W) the next token at each index (PAD at the end) */
    int32_t *start;   /* (B) left padding */
    int *rlen;        /* (B) response tokens, EOS included when there is one */
    int *eos;         /* (B) 1 when the response ends with EOS */
    int32_t pad, eos_id;
} Episodes;

void episodes_init(Episodes *e, int B, int P, int R, const Tokenizer *tok);
void episodes_free(Episodes *e);
void episodes_prompt(Episodes *e, int b, const int32_t *p, int n);
/* The response (n tokens, cut after the first EOS); sets rlen, eos and
 * the targets of the row. */
void episodes_response(Episodes *e, int b, const int32_t *r, int n);
/* Copies rows (n of them) of e into sub (allocated by the call). */
void episodes_select(const Episodes *e, const int *rows, int n, Episodes *sub);

/* Log-probs (B,R) of each response token at the temperature, 0 past rlen;
 * ent (B,R) (may be NULL) the entropy at each. Forward passes of at most
 * chunk rows. */
void episodes_logprobs(Gpt *g, const Episodes *e, float temperature, int chunk, float *lp, float *ent);
/* A scalar head's values: v (B,R) (may be NULL) the value before each
 * response token (index P - 1 + k), last (B) (may be NULL) the value at the
 * response's last token (the reward model's score). */
void episodes_values(Gpt *g, const Episodes *e, int chunk, float *v, float *last);

/* Mean and standard deviation of x (n), and x whitened in place to mean 0,
 * sd 1 (PPO's advantages; sd from the n - 1 divisor, as TRL's masked_whiten
 * does, plus 1e-8). */
void stage_whiten(double *x, size_t n);

#endif
