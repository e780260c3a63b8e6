/* generate.c — sampling a policy on the world's documents, and scoring
 * summaries with a reward model (generate.h). */
#include "eval/generate.h"
#include "common/atomic.h"
#include "common/rng.h"
#include "common/util.h"
#include "world/samples.h"

#include <stdlib.h>
#include <string.h>

void prompts_build(Prompts *pr, const StageModel *m, const World *w, const size_t *docs, size_t n)
{
    memset(pr, 0, sizeof *pr);
    int maxp = m->g.net.c.T - STAGE_MAX_SUMMARY - 1;
    pr->p = xmalloc((n + 1) * sizeof *pr->p);
    pr->n = xmalloc((n + 1) * sizeof *pr->n);
    int32_t *buf = xmalloc((size_t)(maxp > 1 ? maxp : 1) * sizeof *buf);
    for (size_t i = 0; i < n; i++) {
        int cut = 0, k = maxp > 0 ? stage_encode_prompt(&m->tok, w, docs[i], maxp, buf, &cut) : -1;
        if (k < 1)
            tl_die(TL_EXIT_INPUT, "%s: document %s: the prompt does not fit the model's context of %d tokens with a "
                                  "summary of %d", m->dir, w->docs[docs[i]].id, m->g.net.c.T, STAGE_MAX_SUMMARY);
        pr->p[i] = xmalloc((size_t)k * sizeof *buf);
        memcpy(pr->p[i], buf, (size_t)k * sizeof *buf);
        pr->n[i] = k;
        pr->cut += (size_t)cut;
    }
    pr->count = n;
    free(buf);
}

void prompts_free(Prompts *pr)
{
    for (size_t i = 0; i < pr->count; i++)
        free(pr->p[i]);
    free(pr->p);
    free(pr->n);
    memset(pr, 0, sizeof *pr);
}

int generate_batch(Gpt *g, const Tokenizer *tok, const Prompts *pr, const size_t *idx, int n, const GptSampler *s,
                   gsl_rng *rng, gsl_rng *const *rows, Episodes *e, float *lp, TlError *err)
{
    int P = 1, R = STAGE_MAX_SUMMARY;
    for (int i = 0; i < n; i++)
        P = pr->n[idx[i]] > P ? pr->n[idx[i]] : P;
    episodes_init(e, n, P, R, tok);
    for (int i = 0; i < n; i++)
        episodes_prompt(e, i, pr->p[idx[i]], pr->n[idx[i]]);
    int32_t *prompts = xmalloc((size_t)n * P * sizeof *prompts), *out = xmalloc((size_t)n * R * sizeof *out);
    float *lpb = lp ? lp : xmalloc((size_t)n * R * sizeof *lpb);
    int *len = xmalloc((size_t)n * sizeof *len);
    for (int i = 0; i < n; i++)
        memcpy(prompts + (size_t)i * P, e->tok + (size_t)i * e->W, (size_t)P * sizeof *prompts);
    int rc = rows ? gpt_sample_rows(g, prompts, e->start, n, P, R, s, rows, out, lpb, len, err)
                  : gpt_sample_ragged(g, prompts, e->start, n, P, R, s, rng, out, lpb, len, err);
    if (rc == 0)
        for (int i = 0; i < n; i++)
            episodes_response(e, i, out + (size_t)i * R, len[i]);
    else
        episodes_free(e);
    free(prompts), free(out), free(len);
    if (!lp)
        free(lpb);
    return rc;
}

void rm_score_texts(StageModel *rm, const World *w, const size_t *docs, const char *const *texts, size_t n, int batch,
                    float *out, size_t *cut)
{
    Prompts pr;
    prompts_build(&pr, rm, w, docs, n);
    int32_t *sbuf = xmalloc((STAGE_MAX_SUMMARY + 1) * sizeof *sbuf);
    for (size_t b0 = 0; b0 < n; b0 += (size_t)batch) {
        int nb = n - b0 < (size_t)batch ? (int)(n - b0) : batch, P = 1;
        for (int i = 0; i < nb; i++)
            P = pr.n[b0 + i] > P ? pr.n[b0 + i] : P;
        Episodes e;
        episodes_init(&e, nb, P, STAGE_MAX_SUMMARY + 1, &rm->tok);
        for (int i = 0; i < nb; i++) {
            episodes_prompt(&e, i, pr.p[b0 + i], pr.n[b0 + i]);
            int k = stage_encode_summary_cut(&rm->tok, texts[b0 + i], sbuf, cut);
            episodes_response(&e, i, sbuf, k);
        }
        episodes_values(&rm->g, &e, nb, NULL, out + b0);
        episodes_free(&e);
    }
    free(sbuf);
    prompts_free(&pr);
}

int eval_sample(const SampleOpts *o)
{
    TlError err;
    World w;
    stage_open_world(&w, o->world_dir);
    StageModel m;
    if (stage_load(&m, o->model_dir, 0, NULL, &err) != 0)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
    size_t *docs, nd = stage_docs_or_die(&w, o->dataset, o->split, o->limit, &docs);
    char name[256];
    if (o->name) {
        snprintf(name, sizeof name, "%s", o->name);
    } else {
        char *base = stage_read_name(o->model_dir, &err);
        if (!base)
            tl_die(TL_EXIT_INPUT, "%s (give the policy a name with --name)", err.msg);
        if (o->temperature > 0)
            snprintf(name, sizeof name, "%s_t%g", base, o->temperature);
        else
            snprintf(name, sizeof name, "%s", base);
        free(base);
    }
    Prompts pr;
    prompts_build(&pr, &m, &w, docs, nd);
    int B = o->batch > 0 ? (int)o->batch : 64;
    GptSampler s = {(float)o->temperature, 1.0f, !(o->temperature > 0), m.tok.eos, m.tok.pad, 0};
    gsl_rng *r = rng_alloc(o->seed);
    AtomicFile *af = atomic_open(o->out_path);
    StrBuf sb;
    sb_init(&sb);
    size_t *idx = xmalloc((size_t)B * sizeof *idx), noeos = 0, words = 0;
    double t0 = util_now();
    for (size_t b0 = 0; b0 < nd; b0 += (size_t)B) {
        int nb = nd - b0 < (size_t)B ? (int)(nd - b0) : B;
        for (int i = 0; i < nb; i++)
            idx[i] = b0 + (size_t)i;
        Episodes e;
        if (generate_batch(&m.g, &m.tok, &pr, idx, nb, &s, r, NULL, &e, NULL, &err) != 0)
            tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
        for (int i = 0; i < nb; i++) {
            sb_clear(&sb);
            stage_decode(&m.tok, e.tok + (size_t)i * e.W + e.P, e.rlen[i], &sb);
            samples_write(af->fp, &w, name, docs[b0 + (size_t)i], sb.s ? sb.s : "");
            noeos += !e.eos[i];
            words += util_count_words(sb.s ? sb.s : "");
        }
        episodes_free(&e);
        stage_progress(o->progress, "sample", (long)(b0 + (size_t)nb), (long)nd, t0, name);
    }
    if (atomic_commit(af) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot write", o->out_path);
    fprintf(stderr, "sample: %zu summaries by %s of %s %s in %.1f s (%.1f words on average; %zu without an end, cut at "
                    "%d tokens; %zu prompts cut at a newline); wrote %s\n",
            nd, name, o->dataset, o->split, util_now() - t0, (double)words / (double)nd, noeos, STAGE_MAX_SUMMARY,
            pr.cut, o->out_path);
    sb_free(&sb);
    free(idx);
    free(docs);
    rng_free(r);
    prompts_free(&pr);
    stage_free(&m);
    world_close(&w);
    return 0;
}

int eval_rm_score(const char *world_dir, const char *rm_dir, const char *out_path, char *const *files, int nfiles,
                  int progress)
{
    TlError err;
    World w;
    stage_open_world(&w, world_dir);
    StageModel rm;
    if (stage_load(&rm, rm_dir, 1, NULL, &err) != 0)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
    SampleSet ss;
    sampleset_init(&ss);
    for (int f = 0; f < nfiles; f++)
        if (samples_read(&ss, &w, files[f], &err) != 0)
            tl_die(TL_EXIT_INPUT, "%s", err.msg);
    if (ss.n == 0)
        tl_die(TL_EXIT_INPUT, "%s: no samples", files[0]);
    /* the samples, then the reference of each document once */
    size_t n = ss.n, nref = 0;
    long *refslot = xmalloc(w.ndocs * sizeof *refslot);
    for (size_t i = 0; i < w.ndocs; i++)
        refslot[i] = -1;
    size_t *docs = xmalloc(2 * n * sizeof *docs);
    const char **texts = xmalloc(2 * n * sizeof *texts);
    for (size_t i = 0; i < n; i++) {
        docs[i] = ss.s[i].doc;
        texts[i] = ss.s[i].text;
    }
    for (size_t i = 0; i < n; i++)
        if (refslot[ss.s[i].doc] < 0) {
            refslot[ss.s[i].doc] = (long)(n + nref);
            docs[n + nref] = ss.s[i].doc;
            texts[n + nref] = w.ref[ss.s[i].doc];
            nref++;
        }
    float *sc = xmalloc((n + nref) * sizeof *sc);
    size_t cut = 0;
    double t0 = util_now();
    for (size_t b0 = 0; b0 < n + nref; b0 += 256) {
        size_t k = n + nref - b0 < 256 ? n + nref - b0 : 256;
        rm_score_texts(&rm, &w, docs + b0, texts + b0, k, 32, sc + b0, &cut);
        stage_progress(progress, "rm score", (long)(b0 + k), (long)(n + nref), t0, "");
    }
    AtomicFile *af = atomic_open(out_path);
    fputs("policy,post_id,rm_policy,rm_ref\n", af->fp);
    for (size_t i = 0; i < n; i++)
        fprintf(af->fp, "%s,%s,%.6f,%.6f\n", strpool_get(&ss.policies, ss.s[i].policy), w.docs[ss.s[i].doc].id,
                sc[i], sc[refslot[ss.s[i].doc]]);
    if (atomic_commit(af) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot write", out_path);
    fprintf(stderr, "rm score: %zu summaries and %zu references scored by %s in %.1f s (%zu cut at %d tokens); wrote %s\n",
            n, nref, rm_dir, util_now() - t0, cut, STAGE_MAX_SUMMARY, out_path);
    free(refslot), free(docs), free(texts), free(sc);
    sampleset_free(&ss);
    stage_free(&rm);
    world_close(&w);
    return 0;
}
