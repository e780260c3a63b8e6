/* rm.c — the reward model (PAPER.md, step 3): the supervised model with a
 * scalar head read at EOS, trained on the labelers' comparisons (released
 * format) by -log sigma(r(chosen) - r(rejected)), then biased so that the
 * references of the training posts score mean 0. The gold judge is used
 * only to report accuracy against it, never to train. */
#include "train/stages.h"
#include "train/stage.h"
#include "analysis/records.h"
#include "common/jsonl.h"
#include "common/rng.h"
#include "common/tlmpi.h"
#include "common/util.h"
#include "eval/generate.h"
#include "world/judge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t doc;
    int32_t *s[2];   /* summaries + EOS */
    int ns[2];
    int choice;      /* the labeler's: 0 or 1 */
    int gold;        /* the gold judge's: 0, 1, or -1 for a tie */
    char *text[2];
} Pair;

typedef struct {
    Pair *p;
    size_t n, cap;
} Pairs;

/* Reads the comparison files: TL;DR records of the world's posts. Records
 * of split train go to tr, the others to va. Exits with file:line: field:
 * problem on a bad record, a post the world does not have, or news. */
static void read_pairs(const StageModel *m, const World *w, char *const *files, int nfiles, Pairs *tr, Pairs *va,
                       size_t *cut)
{
    int32_t buf[STAGE_MAX_SUMMARY + 1];
    for (int f = 0; f < nfiles; f++) {
        JsonlReader rd;
        TlError err;
        if (jsonl_open(&rd, files[f], &err) != 0)
            tl_die(TL_EXIT_INPUT, "%s", err.msg);
        cJSON *j;
        int rc;
        while ((rc = jsonl_next(&rd, &j, &err)) == 1) {
            CmpRecord rec;
            if (record_parse_comparison(j, rd.name, rd.line, &rec, &err) != 0)
                tl_die(TL_EXIT_INPUT, "%s", err.msg);
            if (!rec.info.id)
                tl_die(TL_EXIT_INPUT, "%s:%ld: info.id: missing (the reward model reads the post from the world)",
                       rd.name, rd.line);
            long d = world_find(w, rec.info.id);
            if (d < 0)
                tl_die(TL_EXIT_INPUT, "%s:%ld: info.id: '%s' is not a document of the world %s", rd.name, rd.line,
                       rec.info.id, w->dir);
            if (w->docs[d].domain != WD_TLDR)
                tl_die(TL_EXIT_INPUT, "%s:%ld: info.id: '%s' is a news article; the reward model never sees news (it "
                                      "is the transfer test)", rd.name, rd.line, rec.info.id);
            Pairs *dst = rec.split == SPLIT_TRAIN ? tr : va;
            GROW(dst->p, dst->cap, dst->n + 1);
            Pair *p = &dst->p[dst->n++];
            memset(p, 0, sizeof *p);
            p->doc = (size_t)d;
            p->choice = rec.choice;
            p->gold = -1;
            for (int k = 0; k < 2; k++) {
                p->ns[k] = stage_encode_summary_cut(&m->tok, rec.summaries[k].text, buf, cut);
                p->s[k] = xmalloc((size_t)p->ns[k] * sizeof *buf);
                memcpy(p->s[k], buf, (size_t)p->ns[k] * sizeof *buf);
                p->text[k] = xstrdup(rec.summaries[k].text);
            }
            cJSON_Delete(j);
        }
        jsonl_close(&rd);
        if (rc != 0)
            tl_die(TL_EXIT_INPUT, "%s", err.msg);
    }
}

static void free_pairs(Pairs *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        for (int k = 0; k < 2; k++) {
            free(ps->p[i].s[k]);
            free(ps->p[i].text[k]);
        }
    free(ps->p);
    memset(ps, 0, sizeof *ps);
}

/* Episodes of pairs idx[0..n): rows 2i (summary 0) and 2i+1 (summary 1). */
static void pack_pairs(const StageModel *m, const Prompts *pr, const Pairs *ps, const size_t *idx, int n, Episodes *e)
{
    int P = 1;
    for (int i = 0; i < n; i++)
        P = pr->n[idx[i]] > P ? pr->n[idx[i]] : P;
    episodes_init(e, 2 * n, P, STAGE_MAX_SUMMARY + 1, &m->tok);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            episodes_prompt(e, 2 * i + k, pr->p[idx[i]], pr->n[idx[i]]);
            episodes_response(e, 2 * i + k, ps->p[idx[i]].s[k], ps->p[idx[i]].ns[k]);
        }
}

/* Loss -log sigma(r_chosen - r_other) of the pairs idx[0..n), summed and
 * divided by per (the batch's pairs: n, or more when these are a rank's
 * share of it); with grad, its gradient is accumulated. *acc: pairs where
 * the chosen scores higher; r (2n, may be NULL) gets the scores. */
static double pair_loss(StageModel *m, const Prompts *pr, const Pairs *ps, const size_t *idx, int n, double per,
                        int grad, double *acc, float *r)
{
    Episodes e;
    pack_pairs(m, pr, ps, idx, n, &e);
    gpt_forward(&m->g, e.tok, NULL, NULL, e.start, e.B, e.W);
    const float *v = gpt_values(&m->g);
    float *d = grad ? xcalloc((size_t)e.B * e.W, sizeof *d) : NULL;
    double loss = 0;
    *acc = 0;
    for (int i = 0; i < n; i++) {
        int c = ps->p[idx[i]].choice;
        size_t iw = (size_t)(2 * i + c) * e.W + e.P - 1 + e.rlen[2 * i + c];
        size_t il = (size_t)(2 * i + 1 - c) * e.W + e.P - 1 + e.rlen[2 * i + 1 - c];
        double delta = (double)v[iw] - (double)v[il], dw, dl;
        loss += rm_pair_loss(v[iw], v[il], &dw, &dl);
        *acc += delta > 0;
        if (r) {
            r[2 * i + c] = v[iw];
            r[2 * i + 1 - c] = v[il];
        }
        if (d) {
            d[iw] = (float)(dw / per);
            d[il] = (float)(dl / per);
        }
    }
    if (d) {
        gpt_backward(&m->g, d);
        free(d);
    }
    episodes_free(&e);
    return loss / per;
}

double rm_pair_loss(double r_chosen, double r_other, double *d_chosen, double *d_other)
{
    double x = r_chosen - r_other, s = 1 / (1 + exp(x)); /* sigma(-x) */
    *d_chosen = -s;
    *d_other = s;
    /* -log sigma(x) = softplus(-x) */
    return x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x));
}

/* Held-out loss and accuracy against the labelers and against gold; each
 * rank scores its share of the pairs and the sums are shared. */
static void evaluate(StageModel *m, const Prompts *pr, const Pairs *va, double *loss, double *acc, double *gold_acc,
                     size_t *gold_n)
{
    size_t *idx = xmalloc(32 * sizeof *idx), lo, hi;
    float r[64];
    double sum[4] = {0}; /* loss, agreement with the labelers, with gold, pairs with a gold preference */
    stage_share(va->n, &lo, &hi);
    for (size_t b0 = lo; b0 < hi; b0 += 32) {
        int n = hi - b0 < 32 ? (int)(hi - b0) : 32;
        for (int i = 0; i < n; i++)
            idx[i] = b0 + (size_t)i;
        double a;
        sum[0] += pair_loss(m, pr, va, idx, n, n, 0, &a, r) * n;
        sum[1] += a;
        for (int i = 0; i < n; i++) {
            int g = va->p[b0 + (size_t)i].gold;
            if (g < 0)
                continue;
            sum[3]++;
            sum[2] += (r[2 * i + g] > r[2 * i + 1 - g]);
        }
    }
    tlmpi_sum_double(sum, 4);
    size_t gn = (size_t)sum[3];
    *loss = va->n ? sum[0] / (double)va->n : NAN;
    *acc = va->n ? sum[1] / (double)va->n : NAN;
    *gold_acc = gn ? sum[2] / (double)gn : NAN;
    *gold_n = gn;
    free(idx);
}

/* One step on this rank's share of the batch's pairs idx[0..nb): *loss
 * the batch's mean loss, *acc how many of its pairs the model orders as
 * the labelers did, both summed across ranks with the gradients
 * (stage_sync_step). Returns the agreed stop. */
static long rm_step(StageModel *m, const Prompts *pr, const Pairs *tr, const size_t *idx, int nb, double *loss,
                    double *acc)
{
    size_t lo, hi;
    stage_share((size_t)nb, &lo, &hi);
    double sum[2] = {0, 0};
    gpt_zero_grad(&m->g);
    if (hi > lo)
        sum[0] = pair_loss(m, pr, tr, idx + lo, (int)(hi - lo), nb, 1, &sum[1], NULL);
    long stop = stage_sync_step(&m->g, sum, 2);
    *loss = sum[0];
    *acc = sum[1];
    return stop;
}

/* The mean score of the references of (up to 2048) training posts: the
 * bias takes it off so that they score mean 0. Each rank scores its share;
 * *n gets how many in all. */
static double reference_mean(StageModel *m, const World *w, size_t *n)
{
    size_t *docs, nd = stage_docs_or_die(w, "tldr", "train", 2048, &docs), lo, hi;
    stage_share(nd, &lo, &hi);
    const char **texts = xmalloc((hi - lo + 1) * sizeof *texts);
    float *sc = xmalloc((hi - lo + 1) * sizeof *sc);
    for (size_t i = lo; i < hi; i++)
        texts[i - lo] = w->ref[docs[i]];
    rm_score_texts(m, w, docs + lo, texts, hi - lo, 32, sc, NULL);
    double sum = 0;
    for (size_t i = 0; i < hi - lo; i++)
        sum += sc[i];
    tlmpi_sum_double(&sum, 1);
    free(docs), free(texts), free(sc);
    *n = nd;
    return sum / (double)nd;
}

static const char *const RM_COLS[] = {"step", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "grad_norm",
                                      "pairs_per_s", "elapsed_s"};
#define RM_NCOLS 9

int rm_train_run(const StageOpts *o, char *const *files, int nfiles)
{
    TlError err;
    World w;
    stage_catch_signals();
    stage_open_world(&w, o->world_dir);
    gsl_rng *r = rng_alloc(o->seed);
    StageModel m;
    if (o->resume) {
        if (stage_load(&m, o->out_dir, 1, r, &err) != 0)
            tl_die(TL_EXIT_INPUT, "%s", err.msg);
    } else {
        StageModel sft;
        if (stage_load(&sft, o->from_dir, 0, NULL, &err) != 0)
            tl_die(TL_EXIT_INPUT, "%s", err.msg);
        m = sft;
        memset(&m.g, 0, sizeof m.g);
        gpt_init_scalar_from(&m.g, &sft.g, rng_derive_seed(o->seed, 7));
        gpt_free(&sft.g);
    }
    size_t cut = 0;
    Pairs tr = {0}, va = {0};
    read_pairs(&m, &w, files, nfiles, &tr, &va, &cut);
    if (va.n == 0) { /* no held-out split in the files: hold out the pairs of one post in 20 */
        Pairs keep = {0};
        for (size_t i = 0; i < tr.n; i++) {
            Pairs *dst = (util_fnv1a(UTIL_FNV_INIT, w.docs[tr.p[i].doc].id, strlen(w.docs[tr.p[i].doc].id)) % 20 == 0) ? &va : &keep;
            GROW(dst->p, dst->cap, dst->n + 1);
            dst->p[dst->n++] = tr.p[i];
        }
        free(tr.p);
        tr = keep;
    }
    if (tr.n == 0)
        tl_die(TL_EXIT_INPUT, "%s: no comparisons of training posts to learn from", files[0]);
    /* the gold judge's choices on the held-out pairs, to report against (never to train) */
    Judge j;
    judge_init(&j, &w);
    for (size_t i = 0; i < va.n; i++) {
        JudgeScore s0, s1;
        judge_score(&j, va.p[i].doc, va.p[i].text[0], &s0, NULL);
        judge_score(&j, va.p[i].doc, va.p[i].text[1], &s1, NULL);
        va.p[i].gold = s0.overall > s1.overall ? 0 : s1.overall > s0.overall ? 1 : -1;
    }
    judge_free(&j);
    size_t gold_n = 0;
    for (size_t i = 0; i < va.n; i++)
        gold_n += va.p[i].gold >= 0;
    /* prompts: one per pair */
    size_t *tdocs = xmalloc((tr.n + 1) * sizeof *tdocs), *vdocs = xmalloc((va.n + 1) * sizeof *vdocs);
    for (size_t i = 0; i < tr.n; i++)
        tdocs[i] = tr.p[i].doc;
    for (size_t i = 0; i < va.n; i++)
        vdocs[i] = va.p[i].doc;
    Prompts tpr, vpr;
    prompts_build(&tpr, &m, &w, tdocs, tr.n);
    prompts_build(&vpr, &m, &w, vdocs, va.n);
    int B = o->batch > 0 ? (int)o->batch : 16;
    long per_epoch = (long)((tr.n + (size_t)B - 1) / (size_t)B);
    long steps = o->steps > 0 ? o->steps : per_epoch;
    float lr = isnan(o->lr) ? 1e-4f : (float)o->lr;
    long warmup = o->warmup >= 0 ? o->warmup : steps / 20;
    AdamW opt = {lr, 0.9f, 0.95f, 1e-8f, isnan(o->weight_decay) ? 0.0f : (float)o->weight_decay};
    double clip = isnan(o->clip) ? 1.0 : o->clip;
    long eval_every = o->eval_every > 0 ? o->eval_every : (steps / 5 > 0 ? steps / 5 : 1);
    long last = o->until > 0 && o->until < steps ? o->until : steps;
    int lead = tlmpi_rank() == 0; /* the rank that prints and writes */
    if (lead)
        fprintf(stderr, "rm train: %zu training comparisons, %zu held out (%zu with a gold preference), %zu summaries "
                        "cut at %d tokens; %ld steps of %d pairs (%.2f epochs), lr %g\n",
                tr.n, va.n, gold_n, cut, STAGE_MAX_SUMMARY, steps, B, (double)steps * B / (double)tr.n, lr);
    size_t *perm = xmalloc(tr.n * sizeof *perm), *idx = xmalloc((size_t)B * sizeof *idx);
    long cur_epoch = -1;
    StageLog log;
    stagelog_init(&log, RM_COLS, RM_NCOLS);
    if (o->resume)
        stagelog_read(&log, o->out_dir, (double)m.g.step);
    double secs0 = log.n ? log.v[(log.n - 1) * RM_NCOLS + RM_NCOLS - 1] : 0, t0 = util_now();
    cJSON *extra = cJSON_CreateObject();
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cJSON_AddStringToObject(extra, "stage", "rm");
    cJSON_AddStringToObject(extra, "seed", seed);
    cJSON_AddStringToObject(extra, "world", o->world_dir);
    long first = m.g.step;
    long ckpt_every = o->ckpt_every > 0 ? o->ckpt_every : (steps / 10 > 0 ? steps / 10 : 1);
    int rc = 0;
    for (long s = m.g.step; s < last && rc == 0; s++) {
        double ts = util_now();
        long epoch = s / per_epoch, off = (s % per_epoch) * B;
        if (epoch != cur_epoch) {
            stage_epoch_order(o->seed, 2000, epoch, tr.n, perm);
            cur_epoch = epoch;
        }
        int nb = 0;
        for (; nb < B && (size_t)(off + nb) < tr.n; nb++)
            idx[nb] = perm[off + nb];
        double loss, acc;
        long stop = rm_step(&m, &tpr, &tr, idx, nb, &loss, &acc);
        if (!isfinite(loss)) {
            if (lead)
                fprintf(stderr,
                        "\nrm train: the loss is %g at step %ld; stopping (the last checkpoint, if any, is kept)\n",
                        loss, s + 1);
            rc = TL_EXIT_RUNTIME;
            break;
        }
        double norm = gpt_clip_grad_norm(&m.g, clip);
        float rate = gpt_lr(s, warmup, steps, lr, lr / 10);
        gpt_adamw_step(&m.g, &opt, rate);
        double row[RM_NCOLS] = {(double)(s + 1), loss, acc / nb, NAN, NAN, rate, norm, nb / (util_now() - ts),
                                secs0 + util_now() - t0};
        if ((s + 1) % eval_every == 0 || s + 1 == last) {
            double ga;
            size_t gn;
            evaluate(&m, &vpr, &va, &row[3], &row[4], &ga, &gn);
        }
        stagelog_add(&log, row);
        char ex[96];
        snprintf(ex, sizeof ex, "loss %.4f", loss);
        stage_progress(o->progress && lead, "rm train step", s + 1 - first, last - first, t0, ex);
        /* the last step's checkpoint comes after the bias, below */
        if (((s + 1) % ckpt_every == 0 || s + 1 == last || stop) && s + 1 < steps)
            rc = stage_checkpoint(o->out_dir, &m.g, &m.tok, r, extra, &log, "rm train", "step", s + 1, last, stop);
    }
    if (rc != 0) {
        /* stopped: the message is out, the checkpoint (if any) kept */
    } else if (first >= last) {
        if (lead)
            fprintf(stderr, "rm train: %s is already at step %ld of %ld\n", o->out_dir, first, last);
    } else if (last < steps) {
        if (lead)
            printf("rm train: steps %ld-%ld of %ld in %.1f s; wrote %s (--resume goes on)\n", first + 1, last, steps,
                   util_now() - t0, o->out_dir);
    } else {
        size_t nd;
        double mean = reference_mean(&m, &w, &nd);
        m.g.net.p.headb[0] -= (float)mean;
        double vl, vacc, gacc;
        size_t gn;
        evaluate(&m, &vpr, &va, &vl, &vacc, &gacc, &gn);
        if (lead) {
            cJSON_AddNumberToObject(extra, "bias", -mean);
            stage_save(o->out_dir, &m.g, &m.tok, 1, r, extra);
            stagelog_write(&log, o->out_dir);
            char size[32], name[64];
            stage_size_token(m.g.net.nparams, size, sizeof size);
            snprintf(name, sizeof name, "rm_%s", size);
            cJSON *mj = cJSON_CreateObject();
            cJSON_AddStringToObject(mj, "method", "other");
            cJSON_AddStringToObject(mj, "kind", "reward model");
            cJSON_AddNumberToObject(mj, "params", (double)m.g.net.nparams);
            cJSON_AddNumberToObject(mj, "train_comparisons", (double)tr.n);
            cJSON_AddNumberToObject(mj, "heldout_comparisons", (double)va.n);
            cJSON_AddNumberToObject(mj, "heldout_accuracy_labelers", vacc);
            cJSON_AddNumberToObject(mj, "heldout_accuracy_gold", gacc);
            cJSON_AddNumberToObject(mj, "heldout_gold_pairs", (double)gn);
            cJSON_AddNumberToObject(mj, "heldout_loss", vl);
            cJSON_AddNumberToObject(mj, "reference_bias", -mean);
            stage_write_meta(o->out_dir, name, mj);
            printf("rm train: %ld steps in %.1f s; held-out accuracy %.1f%% against the labelers (%zu comparisons), "
                   "%.1f%% against gold (%zu without a tie); bias %+.4f so that %zu references score mean 0; wrote %s\n",
                   last - first, util_now() - t0, 100 * vacc, va.n, 100 * gacc, gn, -mean, nd, o->out_dir);
        }
    }
    cJSON_Delete(extra);
    stagelog_free(&log);
    prompts_free(&tpr);
    prompts_free(&vpr);
    free(tdocs), free(vdocs), free(perm), free(idx);
    free_pairs(&tr);
    free_pairs(&va);
    stage_free(&m);
    rng_free(r);
    world_close(&w);
    return rc;
}

