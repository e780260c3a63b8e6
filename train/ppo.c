/* ppo.c — PPO against the reward model with a per-token KL penalty
 * (PAPER.md, step 4), as the N+ reproduction (Huang et al., 2024) and TRL
 * do it: rollouts at temperature 0.7 with log-probs of logits / 0.7;
 * reward at EOS = RM score, -1 for a response that never ends; per-token
 * penalty -beta (log pi - log pi_sft) (k1), the k3 estimator reported; a
 * separate value network initialised from the reward model; GAE (gamma 1,
 * lambda 0.95); advantages whitened, rewards not; ratio clip 0.2, value
 * clip 0.2; 4 epochs of 4 minibatches; fixed beta or the adaptive
 * controller of Ziegler et al. (2019). */
#include "train/stages.h"
#include "train/stage.h"
#include "common/rng.h"
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

int ppo_iteration(PpoCtx *c, const Prompts *pr, const size_t *idx, int n, const Tokenizer *tok, gsl_rng *rng,
                  PpoStats *st)
{
    memset(st, 0, sizeof *st);
    TlError err;
    double t0 = util_now();
    GptSampler s = {(float)c->temperature, 1.0f, 0, c->eos, c->pad, 1};
    Episodes e;
    if (generate_batch(c->pol, tok, pr, idx, n, &s, rng, NULL, &e, NULL, &err) != 0) {
        snprintf(st->bad, sizeof st->bad, "the rollout failed (%.120s)", err.msg);
        return -1;
    }
    double t1 = util_now();
    int R = e.R;
    size_t BR = (size_t)n * R;
    float *lp_old = xmalloc(BR * sizeof *lp_old), *lp_ref = xmalloc(BR * sizeof *lp_ref);
    float *ent = xmalloc(BR * sizeof *ent), *v_old = xmalloc(BR * sizeof *v_old), *score = xmalloc((size_t)n * sizeof *score);
    episodes_logprobs(c->pol, &e, (float)c->temperature, c->chunk, lp_old, ent);
    episodes_logprobs(c->ref, &e, (float)c->temperature, c->chunk, lp_ref, NULL);
    episodes_values(c->val, &e, c->chunk, v_old, NULL);
    episodes_values(c->rm, &e, c->chunk, NULL, score);
    double t2 = util_now();
    double *adv = xmalloc(BR * sizeof *adv), *ret = xmalloc(BR * sizeof *ret), *rw = xmalloc((size_t)R * sizeof *rw);
    double *vv = xmalloc((size_t)R * sizeof *vv), *flat = xmalloc(BR * sizeof *flat);
    size_t ntok = 0;
    double sum_ret = 0, sum_ret2 = 0, sum_res = 0, sum_res2 = 0;
    int rc = 0;
    for (int b = 0; b < n; b++) {
        double sc = e.eos[b] ? score[b] : c->no_eos_penalty, k1 = 0, k3 = 0;
        if (!isfinite(sc)) {
            rc = bad(st, "the reward model's score", sc);
            goto out;
        }
        int m = e.rlen[b];
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
        st->no_eos += !e.eos[b];
    }
    if (c->judge) { /* evaluation only: nothing below reads it */
        StrBuf sb;
        sb_init(&sb);
        for (int b = 0; b < n; b++) {
            JudgeScore js;
            sb_clear(&sb);
            stage_decode(tok, e.tok + (size_t)b * e.W + e.P, e.rlen[b], &sb);
            judge_score(c->judge, c->docs[idx[b]], sb.s ? sb.s : "", &js, NULL);
            st->gold += js.overall;
        }
        sb_free(&sb);
        st->gold /= n;
    } else {
        st->gold = NAN;
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
            for (int k = 0; k < e.rlen[b]; k++)
                adv[(size_t)b * R + k] = flat[q++];
    }
    /* epochs x minibatches of policy and value updates */
    AdamW opt = {c->lr, 0.9f, 0.999f, 1e-5f, 0};
    AdamW vopt = {c->vlr, 0.9f, 0.999f, 1e-5f, 0};
    int *perm = xmalloc((size_t)n * sizeof *perm), W = e.W;
    double npg = 0, nclip = 0, sum_pg = 0, sum_vf = 0, sum_akl = 0, ncount = 0;
    for (int ep = 0; ep < c->epochs; ep++) {
        for (int i = 0; i < n; i++)
            perm[i] = i;
        for (int i = n; i > 1; i--) {
            int j = (int)gsl_rng_uniform_int(rng, (unsigned long)i), t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        int mbs = (n + c->minibatches - 1) / c->minibatches;
        for (int m0 = 0; m0 < n; m0 += mbs) {
            int mn = n - m0 < mbs ? n - m0 : mbs;
            Episodes sub;
            episodes_select(&e, perm + m0, mn, &sub);
            size_t mtok = 0;
            for (int i = 0; i < mn; i++)
                mtok += (size_t)sub.rlen[i];
            if (mtok == 0) {
                episodes_free(&sub);
                continue;
            }
            float *lpn = xmalloc((size_t)mn * W * sizeof *lpn), *d = xcalloc((size_t)mn * W, sizeof *d);
            gpt_logprobs(c->pol, sub.tok, sub.tg, sub.start, mn, W, sub.P - 1, (float)c->temperature, lpn);
            double pg = 0, akl = 0;
            for (int i = 0; i < mn; i++) {
                int b = perm[m0 + i];
                for (int k = 0; k < sub.rlen[i]; k++) {
                    size_t at = (size_t)i * W + sub.P - 1 + k, bi = (size_t)b * R + k;
                    double dlp, lo = lp_old[bi], ln = lpn[at];
                    int clipped;
                    pg += ppo_pg_loss(ln, lo, adv[bi], c->cliprange, &dlp, &clipped);
                    d[at] = (float)(dlp / (double)mtok);
                    nclip += clipped;
                    akl += 0.5 * (ln - lo) * (ln - lo);
                    double ratio = exp(ln - lo);
                    st->ratio_max = ratio > st->ratio_max ? ratio : st->ratio_max;
                }
            }
            pg /= (double)mtok;
            if (!isfinite(pg) || fabs(pg) > 1e4) {
                free(lpn), free(d);
                episodes_free(&sub);
                rc = bad(st, "the policy loss", pg);
                goto out_perm;
            }
            gpt_zero_grad(c->pol);
            gpt_backward(c->pol, d);
            double gn = gpt_clip_grad_norm(c->pol, c->clip_grad);
            if (!isfinite(gn)) {
                free(lpn), free(d);
                episodes_free(&sub);
                rc = bad(st, "the policy's gradient norm", gn);
                goto out_perm;
            }
            st->grad_norm = gn > st->grad_norm ? gn : st->grad_norm;
            gpt_adamw_step(c->pol, &opt, c->lr);
            /* the value network */
            gpt_forward(c->val, sub.tok, NULL, NULL, sub.start, mn, W);
            const float *v = gpt_values(c->val);
            memset(d, 0, (size_t)mn * W * sizeof *d);
            double vf = 0;
            for (int i = 0; i < mn; i++) {
                int b = perm[m0 + i];
                for (int k = 0; k < sub.rlen[i]; k++) {
                    size_t at = (size_t)i * W + sub.P - 1 + k, bi = (size_t)b * R + k;
                    double dv;
                    vf += ppo_value_loss(v[at], v_old[bi], ret[bi], c->cliprange_value, &dv);
                    d[at] = (float)(dv / (double)mtok);
                }
            }
            vf /= (double)mtok;
            if (!isfinite(vf) || vf > 1e6) {
                free(lpn), free(d);
                episodes_free(&sub);
                rc = bad(st, "the value loss", vf);
                goto out_perm;
            }
            gpt_zero_grad(c->val);
            gpt_backward(c->val, d);
            gpt_clip_grad_norm(c->val, c->clip_grad);
            gpt_adamw_step(c->val, &vopt, c->vlr);
            npg += (double)mtok;
            sum_pg += pg;
            sum_vf += vf;
            sum_akl += akl / (double)mtok;
            ncount++;
            free(lpn), free(d);
            episodes_free(&sub);
        }
    }
    st->clipfrac = npg > 0 ? nclip / npg : 0;
    st->pg_loss = ncount ? sum_pg / ncount : 0;
    st->vf_loss = ncount ? sum_vf / ncount : 0;
    st->approxkl = ncount ? sum_akl / ncount : 0;
out_perm:
    free(perm);
out:
    st->rollout_s = t1 - t0;
    st->score_s = t2 - t1;
    st->optimise_s = util_now() - t2;
    free(lp_old), free(lp_ref), free(ent), free(v_old), free(score);
    free(adv), free(ret), free(rw), free(vv), free(flat);
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

int ppo_run(const PpoOpts *po)
{
    const StageOpts *o = &po->s;
    TlError err;
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
    fprintf(stderr, "ppo %s: %zu training prompts (%zu cut at a newline); %ld iterations of %d episodes, %d epochs x %d "
                    "minibatches; beta %g%s; lr %g; rollouts at T=%g\n",
            name, nd, pr.cut, iters, E, c.epochs, c.minibatches, beta, po->kl_target > 0 ? " (adaptive)" : "", c.lr,
            c.temperature);
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
            fprintf(stderr, "\nppo: iteration %ld: %s; stopping. The last good checkpoint (iteration %ld) is kept in "
                            "%s; the models in memory are not saved\n",
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
        stage_progress(o->progress, "ppo iteration", it + 1 - iter0, last - iter0, t0, ex);
        if ((it + 1) % ckpt_every == 0 || it + 1 == last || stage_stop) {
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
            stage_save(valdir, &val.g, &val.tok, 1, NULL, extra);
            rc = stage_checkpoint(o->out_dir, &pol.g, &pol.tok, r, extra, &log, "ppo", "iteration", it + 1, last);
            cJSON_Delete(extra);
        }
    }
    if (rc != 0) {
        /* stopped: the message is out, the checkpoint (if any) kept */
    } else if (iter0 >= last) {
        fprintf(stderr, "ppo: %s is already at iteration %ld of %ld\n", o->out_dir, iter0, last);
    } else if (last < iters) {
        printf("ppo: iterations %ld-%ld of %ld in %.1f s; wrote %s (--resume goes on)\n", iter0 + 1, last, iters,
               util_now() - t0, o->out_dir);
    } else {
        /* the measured KL from the supervised policy on valid2 prompts: the policy's own samples at temperature 1,
         * sum over tokens of log pi - log pi_sft, averaged over prompts; and the RM's mean score of them */
        size_t *vd, nv = stage_docs_or_die(&w, "tldr", "valid2", po->kl_samples, &vd);
        Prompts vp;
        prompts_build(&vp, &pol, &w, vd, nv);
        gsl_rng *kr = rng_alloc(rng_derive_seed(o->seed, 77));
        GptSampler s1 = {1.0f, 1.0f, 0, pol.tok.eos, pol.tok.pad, 0};
        double kl = 0, rms = 0, noeos = 0;
        size_t *bi = xmalloc(64 * sizeof *bi);
        for (size_t b0 = 0; b0 < nv; b0 += 64) {
            int nb = nv - b0 < 64 ? (int)(nv - b0) : 64;
            for (int i = 0; i < nb; i++)
                bi[i] = b0 + (size_t)i;
            Episodes e;
            if (generate_batch(&pol.g, &pol.tok, &vp, bi, nb, &s1, kr, NULL, &e, NULL, &err) != 0)
                tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
            float *a = xmalloc((size_t)nb * e.R * sizeof *a), *b = xmalloc((size_t)nb * e.R * sizeof *b);
            float *sc = xmalloc((size_t)nb * sizeof *sc);
            episodes_logprobs(&pol.g, &e, 1.0f, 16, a, NULL);
            episodes_logprobs(&ref.g, &e, 1.0f, 16, b, NULL);
            episodes_values(&rm.g, &e, 16, NULL, sc);
            for (int i = 0; i < nb; i++) {
                for (int k = 0; k < e.rlen[i]; k++)
                    kl += (double)a[(size_t)i * e.R + k] - (double)b[(size_t)i * e.R + k];
                rms += e.eos[i] ? sc[i] : c.no_eos_penalty;
                noeos += !e.eos[i];
            }
            free(a), free(b), free(sc);
            episodes_free(&e);
        }
        kl /= (double)nv;
        rms /= (double)nv;
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
        cJSON_AddNumberToObject(mj, "no_eos_share", noeos / (double)nv);
        stage_meta_lineage(mj, size, rsize);
        cJSON_AddNumberToObject(mj, "iterations", (double)iters);
        cJSON_AddNumberToObject(mj, "episodes", (double)iters * E);
        stage_write_meta(o->out_dir, name, mj);
        printf("ppo %s: %ld iterations in %.1f s; last iteration: RM score %.3f, KL %.2f nats; measured on %zu valid2 "
               "prompts at T=1: KL %.2f nats, RM score %.3f; wrote %s\n",
               name, last - iter0, util_now() - t0, log.v[(log.n - 1) * PPO_NCOLS + 2],
               log.v[(log.n - 1) * PPO_NCOLS + 4], nv, kl, rms, o->out_dir);
        free(bi), free(vd);
        rng_free(kr);
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
