/* sft.c — supervised fine-tuning (PAPER.md, step 1): the pretrained LM on
 * whole examples, prompt + reference + EOS, the loss on the reference and
 * EOS only. */
#include "train/stages.h"
#include "train/stage.h"
#include "common/rng.h"
#include "common/tlmpi.h"
#include "common/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t *p, *s;  /* prompt, summary + EOS */
    int np, ns;
} Example;

/* Encodes the references of a split; skips (and counts) those longer than
 * STAGE_MAX_SUMMARY tokens. */
static size_t encode_examples(const StageModel *m, const World *w, const char *split, Example **out, size_t *toolong,
                              size_t *cut)
{
    size_t *docs, nd = stage_docs_or_die(w, "tldr", split, 0, &docs);
    int T = m->g.net.c.T, maxp = T - STAGE_MAX_SUMMARY - 1;
    Example *ex = xmalloc(nd * sizeof *ex);
    size_t n = 0;
    *toolong = *cut = 0;
    int32_t sbuf[STAGE_MAX_SUMMARY + 1], *pbuf = xmalloc((size_t)maxp * sizeof *pbuf);
    for (size_t i = 0; i < nd; i++) {
        int ns = stage_encode_summary(&m->tok, w->ref[docs[i]], sbuf), c;
        if (ns < 0) {
            (*toolong)++;
            continue;
        }
        int np = stage_encode_prompt(&m->tok, w, docs[i], maxp, pbuf, &c);
        if (np < 1) {
            (*toolong)++;
            continue;
        }
        *cut += (size_t)c;
        ex[n].np = np, ex[n].ns = ns;
        ex[n].p = xmalloc((size_t)np * sizeof *pbuf);
        ex[n].s = xmalloc((size_t)ns * sizeof *sbuf);
        memcpy(ex[n].p, pbuf, (size_t)np * sizeof *pbuf);
        memcpy(ex[n].s, sbuf, (size_t)ns * sizeof *sbuf);
        n++;
    }
    free(pbuf);
    free(docs);
    *out = ex;
    return n;
}

static void free_examples(Example *ex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ex[i].p);
        free(ex[i].s);
    }
    free(ex);
}

/* The episodes of examples idx[0..n): prompts left-padded, summaries as responses. */
static void pack(const StageModel *m, const Example *ex, const size_t *idx, int n, Episodes *e)
{
    int P = 1, R = 1;
    for (int i = 0; i < n; i++) {
        P = ex[idx[i]].np > P ? ex[idx[i]].np : P;
        R = ex[idx[i]].ns > R ? ex[idx[i]].ns : R;
    }
    episodes_init(e, n, P, R, &m->tok);
    for (int i = 0; i < n; i++) {
        episodes_prompt(e, i, ex[idx[i]].p, ex[idx[i]].np);
        episodes_response(e, i, ex[idx[i]].s, ex[idx[i]].ns);
    }
}

/* The summary tokens of the episodes (EOS included): what the loss is a
 * mean over. */
static double sft_tokens(const Episodes *e)
{
    double n = 0;
    for (int b = 0; b < e->B; b++)
        n += e->rlen[b];
    return n;
}

/* The loss of the episodes' summary tokens divided by ntok, the batch's
 * summary tokens: the mean per summary token when the episodes are the
 * whole batch, this rank's part of it when they are its share (the parts
 * sum to the mean). With grad, its gradient is accumulated. */
static double sft_loss(Gpt *g, const Episodes *e, double ntok, int grad)
{
    double sum = 0;
    if (e->B == 0) /* a rank without rows this step */
        return sum / ntok;
    size_t BW = (size_t)e->B * e->W;
    float *lp = xmalloc(BW * sizeof *lp), *d = xcalloc(BW, sizeof *d);
    gpt_logprobs(g, e->tok, e->tg, e->start, e->B, e->W, e->P - 1, 1.0f, lp);
    for (int b = 0; b < e->B; b++)
        for (int k = 0; k < e->rlen[b]; k++) {
            size_t i = (size_t)b * e->W + e->P - 1 + k;
            sum -= lp[i];
            d[i] = (float)(-1.0 / ntok);
        }
    if (grad)
        gpt_backward(g, d);
    free(lp);
    free(d);
    return sum / ntok;
}

/* The held-out loss per summary token: ve is this rank's share of the
 * held-out batch, vtok the batch's summary tokens. */
static double sft_heldout(Gpt *g, const Episodes *ve, double vtok)
{
    double loss = sft_loss(g, ve, vtok, 0);
    tlmpi_sum_double(&loss, 1);
    return loss;
}

/* One step's loss and gradient on this rank's share of the batch's
 * examples idx[0..nb), summed across ranks (stage_sync_step); *tokens gets
 * the batch's tokens, padding included. Returns the agreed stop. */
static long sft_step(StageModel *m, const Example *ex, const size_t *idx, int nb, double *loss, double *tokens)
{
    size_t lo, hi;
    stage_share((size_t)nb, &lo, &hi);
    Episodes e;
    pack(m, ex, idx + lo, (int)(hi - lo), &e);
    double count[2] = {sft_tokens(&e), (double)e.B * e.W};
    tlmpi_sum_double(count, 2);
    gpt_zero_grad(&m->g);
    *loss = sft_loss(&m->g, &e, count[0], 1);
    *tokens = count[1];
    episodes_free(&e);
    return stage_sync_step(&m->g, loss, 1);
}

static const char *const SFT_COLS[] = {"step", "loss", "val_loss", "lr", "grad_norm", "tokens_per_s", "elapsed_s"};

int sft_run(const StageOpts *o)
{
    TlError err;
    World w;
    stage_catch_signals();
    stage_open_world(&w, o->world_dir);
    StageModel m;
    gsl_rng *r = rng_alloc(o->seed);
    const char *src = o->resume ? o->out_dir : o->from_dir;
    if (stage_load(&m, src, 0, o->resume ? r : NULL, &err) != 0)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
    if (m.g.net.c.T < STAGE_MAX_SUMMARY + 32)
        tl_die(TL_EXIT_INPUT, "%s: the model's context of %d tokens leaves no room for a post and a summary of %d",
               src, m.g.net.c.T, STAGE_MAX_SUMMARY);
    if (!o->resume) {
        /* a fresh optimiser: the pretrained model's moments belong to another objective */
        free(m.g.m);
        free(m.g.v);
        m.g.m = m.g.v = NULL;
        m.g.step = 0;
    }
    size_t toolong, cut, vtoolong, vcut;
    Example *ex, *vex;
    size_t n = encode_examples(&m, &w, "train", &ex, &toolong, &cut);
    size_t nv = encode_examples(&m, &w, "valid1", &vex, &vtoolong, &vcut);
    if (n == 0)
        tl_die(TL_EXIT_INPUT, "%s: no training post has a reference of at most %d tokens", o->world_dir,
               STAGE_MAX_SUMMARY);
    int B = o->batch > 0 ? (int)o->batch : 16;
    long per_epoch = (long)((n + (size_t)B - 1) / (size_t)B);
    long steps = o->steps > 0 ? o->steps : per_epoch;
    float lr = isnan(o->lr) ? 5e-4f : (float)o->lr;
    long warmup = o->warmup >= 0 ? o->warmup : steps / 20;
    AdamW opt = {lr, 0.9f, 0.95f, 1e-8f, isnan(o->weight_decay) ? 0.0f : (float)o->weight_decay};
    double clip = isnan(o->clip) ? 1.0 : o->clip;
    long eval_every = o->eval_every > 0 ? o->eval_every : (steps / 10 > 0 ? steps / 10 : 1);
    long last = o->until > 0 && o->until < steps ? o->until : steps;
    int lead = tlmpi_rank() == 0; /* the rank that prints and writes */
    if (lead)
        fprintf(stderr, "sft: %zu training examples (%zu references longer than %d tokens left out, %zu posts cut at "
                        "a newline), %zu held out (valid1); %ld steps of %d (%.2f epochs) from %s\n",
                n, toolong, STAGE_MAX_SUMMARY, cut, nv, steps, B, (double)steps * B / (double)n, src);
    /* a fixed held-out batch (this rank's share of it) */
    size_t nvb = nv < 64 ? nv : 64, vlo, vhi, *vidx = xmalloc((nvb + 1) * sizeof *vidx);
    stage_share(nvb, &vlo, &vhi);
    for (size_t i = vlo; i < vhi; i++)
        vidx[i - vlo] = i;
    Episodes ve;
    pack(&m, vex, vidx, (int)(vhi - vlo), &ve);
    double vtok = sft_tokens(&ve);
    tlmpi_sum_double(&vtok, 1);
    size_t *perm = xmalloc(n * sizeof *perm);
    long cur_epoch = -1;
    StageLog log;
    stagelog_init(&log, SFT_COLS, 7);
    if (o->resume)
        stagelog_read(&log, o->out_dir, (double)m.g.step);
    double secs0 = log.n ? log.v[(log.n - 1) * 7 + 6] : 0, t0 = util_now();
    cJSON *extra = cJSON_CreateObject();
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cJSON_AddStringToObject(extra, "stage", "sft");
    cJSON_AddStringToObject(extra, "seed", seed);
    cJSON_AddStringToObject(extra, "world", o->world_dir);
    cJSON_AddStringToObject(extra, "from", o->resume ? "" : o->from_dir);
    cJSON *tr = cJSON_AddObjectToObject(extra, "train");
    cJSON_AddNumberToObject(tr, "batch", B);
    cJSON_AddNumberToObject(tr, "steps", (double)steps);
    cJSON_AddNumberToObject(tr, "lr", lr);
    cJSON_AddNumberToObject(tr, "warmup", (double)warmup);
    cJSON_AddNumberToObject(tr, "clip", clip);
    if (o->resume) { /* the saved "from" is kept */
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(m.hdr, "from");
        if (cJSON_IsString(f))
            cJSON_ReplaceItemInObjectCaseSensitive(extra, "from", cJSON_CreateString(f->valuestring));
    }
    long first = m.g.step;
    long ckpt_every = o->ckpt_every > 0 ? o->ckpt_every : (steps / 10 > 0 ? steps / 10 : 1);
    size_t *idx = xmalloc((size_t)B * sizeof *idx);
    int rc = 0;
    for (long s = m.g.step; s < last && rc == 0; s++) {
        double ts = util_now();
        long epoch = s / per_epoch, off = (s % per_epoch) * B;
        if (epoch != cur_epoch) {
            stage_epoch_order(o->seed, 1000, epoch, n, perm);
            cur_epoch = epoch;
        }
        int nb = 0;
        for (; nb < B && (size_t)(off + nb) < n; nb++)
            idx[nb] = perm[off + nb];
        double loss, tokens;
        long stop = sft_step(&m, ex, idx, nb, &loss, &tokens);
        if (!isfinite(loss)) {
            if (lead)
                fprintf(stderr, "\nsft: the loss is %g at step %ld; stopping (the last checkpoint, if any, is kept)\n",
                        loss, s + 1);
            rc = TL_EXIT_RUNTIME;
            break;
        }
        double norm = gpt_clip_grad_norm(&m.g, clip);
        float rate = gpt_lr(s, warmup, steps, lr, lr / 10);
        gpt_adamw_step(&m.g, &opt, rate);
        double row[7] = {(double)(s + 1), loss, NAN, rate, norm, tokens / (util_now() - ts), secs0 + util_now() - t0};
        if ((s + 1) % eval_every == 0 || s + 1 == last)
            row[2] = sft_heldout(&m.g, &ve, vtok);
        stagelog_add(&log, row);
        char extra_s[96];
        snprintf(extra_s, sizeof extra_s, "loss %.4f", loss);
        stage_progress(o->progress && lead, "sft step", s + 1 - first, last - first, t0, extra_s);
        if ((s + 1) % ckpt_every == 0 || s + 1 == last || stop)
            rc = stage_checkpoint(o->out_dir, &m.g, &m.tok, r, extra, &log, "sft", "step", s + 1, last, stop);
    }
    if (rc != 0 || !lead) {
        /* stopped (the message is out, the checkpoint if any kept), or not the rank that writes */
    } else if (first >= last) {
        fprintf(stderr, "sft: %s is already at step %ld of %ld\n", o->out_dir, first, last);
    } else {
        double vl = log.v[(log.n - 1) * 7 + 2];
        printf("sft: steps %ld-%ld of %ld in %.1f s: loss %.4f, held-out loss %.4f per summary token; wrote %s\n",
               first + 1, last, steps, util_now() - t0, log.v[(log.n - 1) * 7 + 1], vl, o->out_dir);
        if (last == steps) {
            char size[32], name[64];
            stage_size_token(m.g.net.nparams, size, sizeof size);
            snprintf(name, sizeof name, "sup_%s", size);
            cJSON *mj = cJSON_CreateObject();
            cJSON_AddStringToObject(mj, "method", "supervised");
            cJSON_AddNumberToObject(mj, "params", (double)m.g.net.nparams);
            cJSON_AddNumberToObject(mj, "kl", 0);
            cJSON_AddStringToObject(mj, "trained_on", "tldr");
            cJSON_AddNumberToObject(mj, "held_out_loss", vl);
            cJSON_AddNumberToObject(mj, "examples", (double)n);
            stage_write_meta(o->out_dir, name, mj);
        }
    }
    cJSON_Delete(extra);
    stagelog_free(&log);
    episodes_free(&ve);
    free(idx), free(perm), free(vidx);
    free_examples(ex, n);
    free_examples(vex, nv);
    stage_free(&m);
    rng_free(r);
    world_close(&w);
    return rc;
}
