/* ppo.c — PPO against the reward model with a per-token KL penalty
 * (PAPER.md, step 4), as the N+ reproduction (Huang et al., 2024) and TRL
 * do it: rollouts at temperature 0.7 with log-probs of logits / 0.7;
 * reward at EOS = RM score, -1 for a response that never ends; per-token
 * penalty -beta (log pi - log pi_sft) (k1), the k3 estimator reported; a
 * separate value network initialised from the reward model; GAE (gamma 1,
 * lambda 0.95); advantages whitened, rewards not; ratio clip 0.2, value
 * clip 0.2; 4 epochs of 4 minibatches; fixed beta or the adaptive
 * controller of Ziegler et al. (2019). Data-parallel under mpirun
 * (common/tlmpi.h): the ranks split each iteration's rollouts and each
 * minibatch's episodes, share the scores and sum the gradients; rank 0
 * alone writes and prints (docs/training.md). */
#include "train/stages.h"
#include "train/stage.h"
#include "common/rng.h"
#include "common/tlmpi.h"
#include "common/util.h"
#include "eval/generate.h"
#include "world/judge.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ppo_gae(const double *rewards, const double *values, int n, double gamma, double lambda, double *adv,
             double *ret)
{
    double last = 0;
    for (int k = n - 1; k >= 0; k--) {
        double next = k + 1 < n ? values[k + 1] : 0;
        double delta = rewards[k] + gamma * next - values[k];
        last = delta + gamma * lambda * last;
        adv[k] = last;
    }
    for (int k = 0; k < n; k++)
        ret[k] = adv[k] + values[k];
}

double ppo_pg_loss(double lp, double lp_old, double adv, double eps, double *dlp, int *clipped)
{
    double r = exp(lp - lp_old), rc = r < 1 - eps ? 1 - eps : r > 1 + eps ? 1 + eps : r;
    double l1 = -adv * r, l2 = -adv * rc;
    *clipped = l2 > l1;
    *dlp = l1 >= l2 ? -adv * r : 0;
    return l1 >= l2 ? l1 : l2;
}

double ppo_value_loss(double v, double v_old, double ret, double eps, double *dv)
{
    double dc = v - v_old, vc = v_old + (dc < -eps ? -eps : dc > eps ? eps : dc);
    double a = (v - ret) * (v - ret), b = (vc - ret) * (vc - ret);
    if (a >= b) {
        *dv = v - ret;
        return 0.5 * a;
    }
    *dv = fabs(dc) < eps ? vc - ret : 0;
    return 0.5 * b;
}

double bon_kl(int n)
{
    return log((double)n) - (double)(n - 1) / (double)n;
}

static int bad(PpoStats *st, const char *what, double v)
{
    snprintf(st->bad, sizeof st->bad, "%s is %g", what, v);
    return -1;
}

/* 1 on every rank when x, a sum over the ranks, is not finite or beyond
 * limit on any of them: all ranks stop alike (MPI does not promise every
 * rank the same bits of a sum). */
static int bad_anywhere(double x, double limit)
{
    return (int)tlmpi_max_long(!isfinite(x) || fabs(x) > limit);
}

/* Generators for items lo..lo+k of a batch, item i's seeded from (seed,
 * i) alone: what it draws does not depend on which rank samples it, nor
 * with which other items. Free with rows_free(rows, k). */
static gsl_rng **rows_alloc(uint64_t seed, size_t lo, int k)
{
    gsl_rng **rows = xmalloc((size_t)k * sizeof *rows);
    for (int i = 0; i < k; i++)
        rows[i] = rng_alloc(rng_derive_seed(seed, lo + (size_t)i));
    return rows;
}

static void rows_free(gsl_rng **rows, int k)
{
    for (int i = 0; i < k; i++)
        rng_free(rows[i]);
    free(rows);
}

/* The iteration's rollouts of the prompts idx[0..n), the same on every
 * rank: each rank samples its share, episode i from its generator (seed,
 * i), and the responses are then shared; e (episodes_init'ed here) holds
 * them all. Returns 0, or -1 on every rank with err when a rank's sampler
 * refused. */
static int ppo_rollout(const PpoCtx *c, const Prompts *pr, const size_t *idx, int n, const Tokenizer *tok,
                       uint64_t seed, Episodes *e, TlError *err)
{
    GptSampler s = {(float)c->temperature, 1.0f, 0, c->eos, c->pad, 1};
    int R = STAGE_MAX_SUMMARY, P = 1;
    size_t lo, hi, row = (size_t)R + 1;
    tlmpi_share((size_t)n, tlmpi_rank(), tlmpi_size(), &lo, &hi);
    int k = (int)(hi - lo), failed = 0;
    int32_t *resp = xcalloc((size_t)n * row, sizeof *resp); /* per episode: its length, then its tokens */
    gsl_rng **rows = rows_alloc(seed, lo, k);
    Episodes mine;
    if (k > 0)
        failed = generate_batch(c->pol, tok, pr, idx + lo, k, &s, NULL, rows, &mine, NULL, err) != 0;
    if (k > 0 && !failed) {
        for (int i = 0; i < k; i++) {
            resp[(lo + (size_t)i) * row] = mine.rlen[i];
            memcpy(resp + (lo + (size_t)i) * row + 1, mine.tok + (size_t)i * mine.W + mine.P,
                   (size_t)mine.rlen[i] * sizeof *resp);
        }
        episodes_free(&mine);
    }
    rows_free(rows, k);
    if (tlmpi_max_long(failed)) {
        if (!failed)
            tlerr_set(err, "another rank's rollout failed");
        free(resp);
        return -1;
    }
    tlmpi_share_all(resp, row * sizeof *resp, (size_t)n);
    for (int i = 0; i < n; i++)
        P = pr->n[idx[i]] > P ? pr->n[idx[i]] : P;
    episodes_init(e, n, P, R, tok);
    for (int i = 0; i < n; i++) {
        episodes_prompt(e, i, pr->p[idx[i]], pr->n[idx[i]]);
        episodes_response(e, i, resp + (size_t)i * row + 1, resp[(size_t)i * row]);
    }
    free(resp);
    return 0;
}

/* This rank's share of e's episodes, copied into mine (episodes_free it);
 * returns how many, *lo the first. */
static int my_episodes(const Episodes *e, Episodes *mine, size_t *lo)
{
    size_t hi;
    tlmpi_share((size_t)e->B, tlmpi_rank(), tlmpi_size(), lo, &hi);
    int k = (int)(hi - *lo), *rows = xmalloc((size_t)k * sizeof *rows);
    for (int i = 0; i < k; i++)
        rows[i] = (int)*lo + i;
    episodes_select(e, rows, k, mine);
    free(rows);
    return k;
}

/* Scores e's episodes, each rank its share, then shares the scores: the
 * policy's log-probs lp_old and entropies ent, the reference's lp_ref, the
 * value model's v_old (B,R) and the reward model's score (B), on every
 * rank. */
static void ppo_score(const PpoCtx *c, const Episodes *e, float *lp_old, float *ent, float *lp_ref, float *v_old,
                      float *score)
{
    size_t lo, R = (size_t)e->R;
    Episodes mine;
    if (my_episodes(e, &mine, &lo) > 0) {
        episodes_logprobs(c->pol, &mine, (float)c->temperature, c->chunk, lp_old + lo * R, ent + lo * R);
        episodes_logprobs(c->ref, &mine, (float)c->temperature, c->chunk, lp_ref + lo * R, NULL);
        episodes_values(c->val, &mine, c->chunk, v_old + lo * R, NULL);
        episodes_values(c->rm, &mine, c->chunk, NULL, score + lo);
    }
    episodes_free(&mine);
    float *all[] = {lp_old, ent, lp_ref, v_old};
    for (int a = 0; a < 4; a++)
        tlmpi_share_all(all[a], R * sizeof *lp_old, (size_t)e->B);
    tlmpi_share_all(score, sizeof *score, (size_t)e->B);
}

/* The gold judge's mean overall score of e's responses (an evaluation
 * only), each rank judging its share. */
static double ppo_gold(const PpoCtx *c, const Tokenizer *tok, const Episodes *e, const size_t *idx)
{
    size_t lo, hi;
    tlmpi_share((size_t)e->B, tlmpi_rank(), tlmpi_size(), &lo, &hi);
    double gold = 0;
    StrBuf sb;
    sb_init(&sb);
    for (size_t b = lo; b < hi; b++) {
        JudgeScore js;
        sb_clear(&sb);
        stage_decode(tok, e->tok + b * e->W + e->P, e->rlen[b], &sb);
        judge_score(c->judge, c->docs[idx[b]], sb.s ? sb.s : "", &js, NULL);
        gold += js.overall;
    }
    sb_free(&sb);
    tlmpi_sum_double(&gold, 1);
    return gold / e->B;
}

/* What the updates of an iteration read (the batch's scores, (B,R)) and
 * what they add up over its minibatches. */
typedef struct {
    const float *lp_old, *v_old;
    const double *adv, *ret;
    AdamW opt, vopt;
    double ntok, nclip, sum_pg, sum_vf, sum_akl, count, ratio_max;
} PpoUpdate;

/* The KL-penalised rewards, GAE and whitened advantages adv, returns ret
 * (B,R) of the scored batch, and the batch's statistics in st; the same
 * on every rank (every rank holds every score). Returns 0, or -1 with
 * st->bad. */
static int ppo_advantages(const PpoCtx *c, const Episodes *e, const float *lp_old, const float *lp_ref,
                          const float *ent, const float *v_old, const float *score, double *adv, double *ret,
                          PpoStats *st)
{
    int n = e->B, R = e->R, rc = 0;
    size_t BR = (size_t)n * R, ntok = 0;
    double *rw = xmalloc((size_t)R * sizeof *rw), *vv = xmalloc((size_t)R * sizeof *vv);
    double *flat = xmalloc(BR * sizeof *flat);
    double sum_ret = 0, sum_ret2 = 0, sum_res = 0, sum_res2 = 0;
    for (int b = 0; b < n; b++) {
        double sc = e->eos[b] ? score[b] : c->no_eos_penalty, k1 = 0, k3 = 0;
        if (!isfinite(sc)) {
            rc = bad(st, "the reward model's score", sc);
            goto out;
        }
        int m = e->rlen[b];
        for (int k = 0; k < m; k++) {
            size_t i = (size_t)b * R + k;
            double d = (double)lp_old[i] - (double)lp_ref[i];
            if (!isfinite(d)) {
                rc = bad(st, "a log-prob of the policy or the reference", d);
                goto out;
            }
            k1 += d;
            k3 += exp(-d) - 1 + d;
            rw[k] = -c->beta * d;
            vv[k] = v_old[i];
            st->entropy += ent[i];
        }
        if (m > 0)
            rw[m - 1] += sc;
        ppo_gae(rw, vv, m, c->gamma, c->lambda, adv + (size_t)b * R, ret + (size_t)b * R);
        for (int k = 0; k < m; k++) {
            double rt = ret[(size_t)b * R + k], res = rt - vv[k];
            sum_ret += rt, sum_ret2 += rt * rt, sum_res += res, sum_res2 += res * res;
            flat[ntok++] = adv[(size_t)b * R + k];
        }
        st->rm_score += sc;
        st->kl_k1 += k1;
        st->kl_k3 += k3;
        st->resp_len += m;
        st->no_eos += !e->eos[b];
    }
    st->rm_score /= n, st->kl_k1 /= n, st->kl_k3 /= n, st->resp_len /= n, st->no_eos /= n;
    st->nonscore = -c->beta * st->kl_k1;
    st->entropy /= ntok ? (double)ntok : 1;
    {
        double N = (double)ntok, vr = sum_ret2 / N - (sum_ret / N) * (sum_ret / N);
        double vres = sum_res2 / N - (sum_res / N) * (sum_res / N);
        st->explained_var = vr > 0 ? 1 - vres / vr : NAN;
    }
    /* whiten the advantages over every response token of the batch */
    stage_whiten(flat, ntok);
    {
        size_t q = 0;
        for (int b = 0; b < n; b++)
            for (int k = 0; k < e->rlen[b]; k++)
                adv[(size_t)b * R + k] = flat[q++];
    }
out:
    free(rw), free(vv), free(flat);
    return rc;
}

/* g's gradients of d after its last forward over this rank's k rows (none
 * when k is 0), summed over the ranks and clipped to a global norm of clip;
 * returns the norm before clipping. */
static double backward_all(Gpt *g, const float *d, int k, double clip)
{
    gpt_zero_grad(g);
    if (k > 0)
        gpt_backward(g, d);
    stage_sum_grads(g);
    return gpt_clip_grad_norm(g, clip);
}

/* One minibatch's clipped policy update, then the value model's, on
 * episodes rows[0..mn) of e: each rank takes its share of the rows, the
 * losses are normalised by the minibatch's tokens on every rank, and the
 * gradients summed across ranks before clipping. Returns 0, or -1 (on
 * every rank) with st->bad. */
static int ppo_minibatch(PpoCtx *c, const Episodes *e, const int *rows, int mn, PpoUpdate *u, PpoStats *st)
{
    int R = e->R, W = e->W, rc = -1;
    size_t mtok = 0, a, b;
    for (int i = 0; i < mn; i++)
        mtok += (size_t)e->rlen[rows[i]];
    if (mtok == 0)
        return 0;
    tlmpi_share((size_t)mn, tlmpi_rank(), tlmpi_size(), &a, &b);
    int k = (int)(b - a);
    rows += a;
    Episodes sub;
    episodes_select(e, rows, k, &sub);
    float *lpn = xmalloc((size_t)k * W * sizeof *lpn), *d = xcalloc((size_t)k * W, sizeof *d);
    double part[3] = {0, 0, 0}; /* this rank's policy loss, approximate KL and clipped tokens */
    if (k > 0)
        gpt_logprobs(c->pol, sub.tok, sub.tg, sub.start, k, W, sub.P - 1, (float)c->temperature, lpn);
    for (int i = 0; i < k; i++) {
        for (int j = 0; j < sub.rlen[i]; j++) {
            size_t at = (size_t)i * W + sub.P - 1 + j, bi = (size_t)rows[i] * R + j;
            double dlp, lo = u->lp_old[bi], ln = lpn[at];
            int clipped;
            part[0] += ppo_pg_loss(ln, lo, u->adv[bi], c->cliprange, &dlp, &clipped);
            d[at] = (float)(dlp / (double)mtok);
            part[2] += clipped;
            part[1] += 0.5 * (ln - lo) * (ln - lo);
            double ratio = exp(ln - lo);
            u->ratio_max = ratio > u->ratio_max ? ratio : u->ratio_max;
        }
    }
    tlmpi_sum_double(part, 3);
    double pg = part[0] / (double)mtok;
    if (bad_anywhere(pg, 1e4)) {
        bad(st, "the policy loss", pg);
        goto out;
    }
    double gn = backward_all(c->pol, d, k, c->clip_grad);
    if (bad_anywhere(gn, INFINITY)) {
        bad(st, "the policy's gradient norm", gn);
        goto out;
    }
    st->grad_norm = gn > st->grad_norm ? gn : st->grad_norm;
    gpt_adamw_step(c->pol, &u->opt, c->lr);
    /* the value network */
    memset(d, 0, (size_t)k * W * sizeof *d);
    double vf = 0;
    if (k > 0) {
        gpt_forward(c->val, sub.tok, NULL, NULL, sub.start, k, W);
        const float *v = gpt_values(c->val);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < sub.rlen[i]; j++) {
                size_t at = (size_t)i * W + sub.P - 1 + j, bi = (size_t)rows[i] * R + j;
                double dv;
                vf += ppo_value_loss(v[at], u->v_old[bi], u->ret[bi], c->cliprange_value, &dv);
                d[at] = (float)(dv / (double)mtok);
            }
        }
    }
    tlmpi_sum_double(&vf, 1);
    vf /= (double)mtok;
    if (bad_anywhere(vf, 1e6)) {
        bad(st, "the value loss", vf);
        goto out;
    }
    backward_all(c->val, d, k, c->clip_grad);
    gpt_adamw_step(c->val, &u->vopt, c->vlr);
    u->ntok += (double)mtok;
    u->nclip += part[2];
    u->sum_pg += pg;
    u->sum_vf += vf;
    u->sum_akl += part[1] / (double)mtok;
    u->count++;
    rc = 0;
out:
    free(lpn), free(d);
    episodes_free(&sub);
    return rc;
}

/* epochs x minibatches of policy and value updates on the scored batch:
 * every rank draws the same order of the episodes from rng. */
static int ppo_update(PpoCtx *c, const Episodes *e, gsl_rng *rng, PpoUpdate *u, PpoStats *st)
{
    int n = e->B, *perm = xmalloc((size_t)n * sizeof *perm), mbs = (n + c->minibatches - 1) / c->minibatches;
    for (int ep = 0; ep < c->epochs; ep++) {
        for (int i = 0; i < n; i++)
            perm[i] = i;
        for (int i = n; i > 1; i--) {
            int j = (int)gsl_rng_uniform_int(rng, (unsigned long)i), t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        for (int m0 = 0; m0 < n; m0 += mbs)
            if (ppo_minibatch(c, e, perm + m0, n - m0 < mbs ? n - m0 : mbs, u, st) != 0) {
                free(perm);
                return -1;
            }
    }
    free(perm);
    st->clipfrac = u->ntok > 0 ? u->nclip / u->ntok : 0;
    st->pg_loss = u->count ? u->sum_pg / u->count : 0;
    st->vf_loss = u->count ? u->sum_vf / u->count : 0;
    st->approxkl = u->count ? u->sum_akl / u->count : 0;
    st->ratio_max = tlmpi_max_double(u->ratio_max);
    return 0;
}

int ppo_iteration(PpoCtx *c, const Prompts *pr, const size_t *idx, int n, const Tokenizer *tok, gsl_rng *rng,
                  PpoStats *st)
{
    memset(st, 0, sizeof *st);
    TlError err;
    double t0 = util_now();
    Episodes e;
    /* the rollouts' generators: one draw of rng, which every rank holds alike */
    if (ppo_rollout(c, pr, idx, n, tok, gsl_rng_get(rng), &e, &err) != 0) {
        snprintf(st->bad, sizeof st->bad, "the rollout failed (%.120s)", err.msg);
        return -1;
    }
    double t1 = util_now();
    size_t BR = (size_t)n * e.R;
    float *lp_old = xmalloc(BR * sizeof *lp_old), *lp_ref = xmalloc(BR * sizeof *lp_ref);
    float *ent = xmalloc(BR * sizeof *ent), *v_old = xmalloc(BR * sizeof *v_old), *score = xmalloc((size_t)n * sizeof *score);
    ppo_score(c, &e, lp_old, ent, lp_ref, v_old, score);
    double t2 = util_now();
    double *adv = xmalloc(BR * sizeof *adv), *ret = xmalloc(BR * sizeof *ret);
    int rc = ppo_advantages(c, &e, lp_old, lp_ref, ent, v_old, score, adv, ret, st);
    if (rc == 0) {
        st->gold = c->judge ? ppo_gold(c, tok, &e, idx) : NAN; /* evaluation only: nothing below reads it */
        PpoUpdate u = {lp_old, v_old, adv, ret, {c->lr, 0.9f, 0.999f, 1e-5f, 0}, {c->vlr, 0.9f, 0.999f, 1e-5f, 0},
                       0, 0, 0, 0, 0, 0, 0};
        rc = ppo_update(c, &e, rng, &u, st);
    }
    st->rollout_s = t1 - t0;
    st->score_s = t2 - t1;
    st->optimise_s = util_now() - t2;
    free(lp_old), free(lp_ref), free(ent), free(v_old), free(score);
    free(adv), free(ret);
    episodes_free(&e);
    return rc;
}

/* ---- the stage ---- */

static const char *const PPO_COLS[] = {"iteration", "episodes", "rm_score", "gold", "kl", "kl_k3", "nonscore_reward", "entropy",
                                       "clipfrac", "approxkl", "pg_loss", "value_loss", "explained_var", "resp_len",
                                       "no_eos", "beta", "lr", "rollout_s", "score_s", "optimise_s", "seconds",
                                       "elapsed_s"};
#define PPO_NCOLS 22

static double hdr_num(const cJSON *h, const char *k, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *hdr_str(const cJSON *h, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void load_or_die(StageModel *m, const char *dir, int scalar, gsl_rng *r)
{
    TlError err;
    if (stage_load(m, dir, scalar, r, &err) != 0)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
}

static void same_or_die(const StageModel *a, const StageModel *b)
{
    TlError err;
    if (stage_same_tokenizer(a, b, &err) != 0)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
}

static void drop_optimizer(Gpt *g)
{
    free(g->m);
    free(g->v);
    g->m = g->v = NULL;
    g->step = 0;
}

/* The measured KL from the supervised policy ref on the prompts vp (all
 * ranks; each samples and scores its share of them): the policy's own
 * samples at temperature 1, prompt i's from its generator (seed, i), sum
 * over tokens of log pi - log pi_sft; the reward model's score of them
 * (no_eos_penalty for a sample without EOS). out: the KL, the score and
 * the share without EOS, averaged over the prompts. */
static void ppo_measure(StageModel *pol, StageModel *ref, StageModel *rm, const Prompts *vp, uint64_t seed,
                        double no_eos_penalty, double out[3])
{
    GptSampler s1 = {1.0f, 1.0f, 0, pol->tok.eos, pol->tok.pad, 0};
    size_t lo, hi, *bi = xmalloc(64 * sizeof *bi);
    tlmpi_share(vp->count, tlmpi_rank(), tlmpi_size(), &lo, &hi);
    out[0] = out[1] = out[2] = 0;
    for (size_t b0 = lo; b0 < hi; b0 += 64) {
        int nb = hi - b0 < 64 ? (int)(hi - b0) : 64;
        for (int i = 0; i < nb; i++)
            bi[i] = b0 + (size_t)i;
        gsl_rng **rows = rows_alloc(seed, b0, nb);
        Episodes e;
        TlError err;
        if (generate_batch(&pol->g, &pol->tok, vp, bi, nb, &s1, NULL, rows, &e, NULL, &err) != 0)
            tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
        rows_free(rows, nb);
        float *a = xmalloc((size_t)nb * e.R * sizeof *a), *b = xmalloc((size_t)nb * e.R * sizeof *b);
        float *sc = xmalloc((size_t)nb * sizeof *sc);
        episodes_logprobs(&pol->g, &e, 1.0f, 16, a, NULL);
        episodes_logprobs(&ref->g, &e, 1.0f, 16, b, NULL);
        episodes_values(&rm->g, &e, 16, NULL, sc);
        for (int i = 0; i < nb; i++) {
            for (int k = 0; k < e.rlen[i]; k++)
                out[0] += (double)a[(size_t)i * e.R + k] - (double)b[(size_t)i * e.R + k];
            out[1] += e.eos[i] ? sc[i] : no_eos_penalty;
            out[2] += !e.eos[i];
        }
        free(a), free(b), free(sc);
        episodes_free(&e);
    }
    free(bi);
    tlmpi_sum_double(out, 3);
    for (int k = 0; k < 3; k++)
        out[k] /= (double)vp->count;
}

int ppo_run(const PpoOpts *po)
{
    const StageOpts *o = &po->s;
    int rank = tlmpi_rank(); /* rank 0 alone writes and prints */
    World w;
    stage_catch_signals();
    stage_open_world(&w, o->world_dir);
    gsl_rng *r = rng_alloc(o->seed);
    StageModel pol, val, ref, rm;
    char *valdir = util_path_join(o->out_dir, "value");
    const char *from = o->from_dir, *rmdir = po->rm_dir;
    long iter0 = 0;
    double beta = isnan(po->beta) ? 0.05 : po->beta;
    if (o->resume) {
        load_or_die(&pol, o->out_dir, 0, r);
        load_or_die(&val, valdir, 1, NULL);
        iter0 = (long)hdr_num(pol.hdr, "iteration", 0);
        if ((long)hdr_num(val.hdr, "iteration", -1) != iter0)
            tl_die(TL_EXIT_INPUT, "%s/model.ckpt is at iteration %ld but %s/model.ckpt at %ld: the run stopped between "
                                  "its two checkpoints; start it again", o->out_dir, iter0, valdir,
                   (long)hdr_num(val.hdr, "iteration", -1));
        beta = hdr_num(pol.hdr, "beta", beta);
        if (!from)
            from = hdr_str(pol.hdr, "from");
        if (!rmdir)
            rmdir = hdr_str(pol.hdr, "rm");
        if (!from || !rmdir)
            tl_die(TL_EXIT_INPUT, "%s/model.ckpt does not say its supervised model and reward model; give --from and --rm",
                   o->out_dir);
        load_or_die(&ref, from, 0, NULL);
        load_or_die(&rm, rmdir, 1, NULL);
    } else {
        if (!rmdir)
            tl_die(TL_EXIT_INPUT, "tldrlab ppo: --rm DIR is required (the reward model)");
        load_or_die(&pol, from, 0, NULL);
        load_or_die(&ref, from, 0, NULL);
        load_or_die(&rm, rmdir, 1, NULL);
        load_or_die(&val, rmdir, 1, NULL);
        drop_optimizer(&pol.g);
        drop_optimizer(&val.g);
    }
    same_or_die(&pol, &ref);
    same_or_die(&pol, &rm);
    same_or_die(&pol, &val);
    if (pol.g.net.nparams != ref.g.net.nparams)
        tl_die(TL_EXIT_INPUT, "%s and %s are models of different sizes; the policy starts from the supervised model",
               o->out_dir, from);
    size_t *docs, nd = stage_docs_or_die(&w, "tldr", "train", 0, &docs);
    Prompts pr;
    prompts_build(&pr, &pol, &w, docs, nd);
    Judge judge;
    judge_init(&judge, &w);
    int E = o->batch > 0 ? (int)o->batch : 64;
    long iters = o->steps > 0 ? o->steps : 100;
    long last = o->until > 0 && o->until < iters ? o->until : iters;
    PpoCtx c = {&pol.g, &ref.g, &val.g, &rm.g, isnan(o->lr) ? 1e-5f : (float)o->lr, isnan(o->lr) ? 1e-5f : (float)o->lr,
                isnan(o->clip) ? 1.0 : o->clip, beta, isnan(po->temperature) ? 0.7 : po->temperature,
                isnan(po->no_eos_penalty) ? -1.0 : po->no_eos_penalty, 0.2, 0.2, 1.0, 0.95,
                po->epochs > 0 ? (int)po->epochs : 4, po->minibatches > 0 ? (int)po->minibatches : 4, 16,
                pol.tok.eos, pol.tok.pad, &judge, docs};
    long ckpt_every = o->ckpt_every > 0 ? o->ckpt_every : 10;
    char size[32], rsize[32], name[160];
    stage_size_token(pol.g.net.nparams, size, sizeof size);
    stage_size_token(rm.g.net.nparams, rsize, sizeof rsize);
    if (po->kl_target > 0)
        snprintf(name, sizeof name, "sup_%s_ppo_rm_%s_b%g_target%g", size, rsize, isnan(po->beta) ? 0.05 : po->beta,
                 po->kl_target);
    else
        snprintf(name, sizeof name, "sup_%s_ppo_rm_%s_b%g", size, rsize, beta);
    if (rank == 0)
        fprintf(stderr, "ppo %s: %zu training prompts (%zu cut at a newline); %ld iterations of %d episodes, %d epochs "
                        "x %d minibatches; beta %g%s; lr %g; rollouts at T=%g\n",
                name, nd, pr.cut, iters, E, c.epochs, c.minibatches, beta, po->kl_target > 0 ? " (adaptive)" : "",
                c.lr, c.temperature);
    StageLog log;
    stagelog_init(&log, PPO_COLS, PPO_NCOLS);
    if (o->resume)
        stagelog_read(&log, o->out_dir, (double)iter0);
    double secs0 = log.n ? log.v[(log.n - 1) * PPO_NCOLS + PPO_NCOLS - 1] : 0, t0 = util_now();
    size_t *perm = xmalloc(nd * sizeof *perm), *idx = xmalloc((size_t)E * sizeof *idx);
    long cur_epoch = -1;
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    int rc = 0;
    for (long it = iter0; it < last && rc == 0; it++) {
        double ts = util_now();
        for (int i = 0; i < E; i++) {
            size_t pos = (size_t)it * (size_t)E + (size_t)i;
            long epoch = (long)(pos / nd);
            if (epoch != cur_epoch) {
                stage_epoch_order(o->seed, 3000, epoch, nd, perm);
                cur_epoch = epoch;
            }
            idx[i] = perm[pos % nd];
        }
        PpoStats st;
        if (ppo_iteration(&c, &pr, idx, E, &pol.tok, r, &st) != 0) {
            if (rank == 0)
                fprintf(stderr, "\nppo: iteration %ld: %s; stopping. The last good checkpoint (iteration %ld) is kept "
                                "in %s; the models in memory are not saved\n",
                        it + 1, st.bad, log.n ? (long)log.v[(log.n - 1) * PPO_NCOLS] : iter0, o->out_dir);
            rc = TL_EXIT_RUNTIME;
            break;
        }
        double row[PPO_NCOLS] = {(double)(it + 1), (double)(it + 1) * E, st.rm_score, st.gold, st.kl_k1, st.kl_k3, st.nonscore,
                                 st.entropy, st.clipfrac, st.approxkl, st.pg_loss, st.vf_loss, st.explained_var,
                                 st.resp_len, st.no_eos, c.beta, c.lr, st.rollout_s, st.score_s, st.optimise_s,
                                 util_now() - ts, secs0 + util_now() - t0};
        stagelog_add(&log, row);
        if (po->kl_target > 0) { /* Ziegler et al.: beta *= 1 + clip(KL/target - 1, +-0.2) * n / horizon */
            double e = st.kl_k1 / po->kl_target - 1;
            e = e < -0.2 ? -0.2 : e > 0.2 ? 0.2 : e;
            c.beta *= 1 + e * E / 10000.0;
        }
        char ex[160];
        snprintf(ex, sizeof ex, "rm %.3f  gold %.3f  kl %.2f  len %.1f", st.rm_score, st.gold, st.kl_k1, st.resp_len);
        stage_progress(o->progress && rank == 0, "ppo iteration", it + 1 - iter0, last - iter0, t0, ex);
        int stop = stage_stop_all(); /* every rank, every iteration: all stop at the same one */
        if ((it + 1) % ckpt_every == 0 || it + 1 == last || stop) {
            cJSON *extra = cJSON_CreateObject();
            cJSON_AddStringToObject(extra, "stage", "ppo");
            cJSON_AddStringToObject(extra, "seed", seed);
            cJSON_AddStringToObject(extra, "world", o->world_dir);
            cJSON_AddStringToObject(extra, "from", from);
            cJSON_AddStringToObject(extra, "rm", rmdir);
            cJSON_AddNumberToObject(extra, "iteration", (double)(it + 1));
            cJSON_AddNumberToObject(extra, "beta", c.beta);
            cJSON_AddNumberToObject(extra, "iterations", (double)iters);
            cJSON_AddNumberToObject(extra, "episodes_per_iteration", E);
            /* the value model first: a crash between the two leaves the policy behind, which resume detects */
            if (rank == 0)
                stage_save(valdir, &val.g, &val.tok, 1, NULL, extra);
            /* rank 0 writes; with stop, every rank waits for it and returns 128 + stop */
            rc = stage_checkpoint(o->out_dir, &pol.g, &pol.tok, r, extra, &log, "ppo", "iteration", it + 1, last, stop);
            cJSON_Delete(extra);
        }
    }
    if (rc != 0) {
        /* stopped: the message is out, the checkpoint (if any) kept */
    } else if (iter0 >= last) {
        if (rank == 0)
            fprintf(stderr, "ppo: %s is already at iteration %ld of %ld\n", o->out_dir, iter0, last);
    } else if (last < iters) {
        if (rank == 0)
            printf("ppo: iterations %ld-%ld of %ld in %.1f s; wrote %s (--resume goes on)\n", iter0 + 1, last,
                   iters, util_now() - t0, o->out_dir);
    } else {
        size_t *vd, nv = stage_docs_or_die(&w, "tldr", "valid2", po->kl_samples, &vd);
        Prompts vp;
        prompts_build(&vp, &pol, &w, vd, nv);
        double m[3]; /* the KL, RM score and share without EOS of the policy's samples */
        ppo_measure(&pol, &ref, &rm, &vp, rng_derive_seed(o->seed, 77), c.no_eos_penalty, m);
        double kl = m[0], rms = m[1];
        cJSON *mj = cJSON_CreateObject();
        cJSON_AddStringToObject(mj, "method", "rl");
        cJSON_AddNumberToObject(mj, "params", (double)pol.g.net.nparams);
        cJSON_AddNumberToObject(mj, "beta", isnan(po->beta) ? 0.05 : po->beta);
        if (po->kl_target > 0) {
            cJSON_AddNumberToObject(mj, "kl_target", po->kl_target);
            cJSON_AddNumberToObject(mj, "final_beta", c.beta);
        }
        cJSON_AddNumberToObject(mj, "kl", kl);
        cJSON_AddStringToObject(mj, "kl_measured_on",
                                "valid2 prompts: the policy's samples at temperature 1, sum of log pi - log pi_sft");
        cJSON_AddNumberToObject(mj, "kl_prompts", (double)nv);
        cJSON_AddNumberToObject(mj, "rm_score", rms);
        cJSON_AddNumberToObject(mj, "no_eos_share", m[2]);
        stage_meta_lineage(mj, size, rsize);
        cJSON_AddNumberToObject(mj, "iterations", (double)iters);
        cJSON_AddNumberToObject(mj, "episodes", (double)iters * E);
        if (rank == 0) {
            stage_write_meta(o->out_dir, name, mj);
            printf("ppo %s: %ld iterations in %.1f s; last iteration: RM score %.3f, KL %.2f nats; measured on %zu "
                   "valid2 prompts at T=1: KL %.2f nats, RM score %.3f; wrote %s\n",
                   name, last - iter0, util_now() - t0, log.v[(log.n - 1) * PPO_NCOLS + 2],
                   log.v[(log.n - 1) * PPO_NCOLS + 4], nv, kl, rms, o->out_dir);
        } else {
            cJSON_Delete(mj); /* rank 0 writes it */
        }
        free(vd);
        prompts_free(&vp);
    }
    stagelog_free(&log);
    judge_free(&judge);
    free(perm), free(idx), free(docs), free(valdir);
    prompts_free(&pr);
    stage_free(&pol), stage_free(&val), stage_free(&ref), stage_free(&rm);
    rng_free(r);
    world_close(&w);
    return rc;
}
