/* bon.c — best-of-N (PAPER.md, step 5): N samples per prompt from the
 * supervised policy at temperature 0.7, the reward model's best kept. Its
 * KL from the supervised policy is log N - (N-1)/N nats. */
#include "train/stages.h"
#include "train/stage.h"
#include "common/atomic.h"
#include "common/rng.h"
#include "common/util.h"
#include "eval/generate.h"
#include "world/samples.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bon_run(const BonOpts *o)
{
    TlError err;
    World w;
    stage_open_world(&w, o->world_dir);
    StageModel pol, rm;
    if (stage_load(&pol, o->from_dir, 0, NULL, &err) != 0 || stage_load(&rm, o->rm_dir, 1, NULL, &err) != 0 ||
        stage_same_tokenizer(&pol, &rm, &err) != 0)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
    size_t *docs, nd = stage_docs_or_die(&w, o->dataset, o->split, o->limit, &docs);
    int N = o->n > 0 ? o->n : 16;
    double temp = o->temperature > 0 ? o->temperature : 0.7;
    char size[32], rsize[32], name[160];
    stage_size_token(pol.g.net.nparams, size, sizeof size);
    stage_size_token(rm.g.net.nparams, rsize, sizeof rsize);
    if (o->name)
        snprintf(name, sizeof name, "%s", o->name);
    else
        snprintf(name, sizeof name, "sup_%s_bo%d_rm_%s", size, N, rsize);
    Prompts pr;
    prompts_build(&pr, &pol, &w, docs, nd);
    /* rows per sampling call: whole prompts' worth of N samples, about 64 rows */
    int per = o->batch > 0 ? (int)o->batch : 64, k = per / N > 0 ? per / N : 1;
    GptSampler s = {(float)temp, 1.0f, 0, pol.tok.eos, pol.tok.pad, 0};
    gsl_rng *r = rng_alloc(o->seed);
    if (util_mkdir_p(o->out_path) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot create the directory: %s", o->out_path, strerror(errno));
    char fname[96];
    snprintf(fname, sizeof fname, "%s_%s.jsonl", o->dataset, o->split);
    char *path = util_path_join(o->out_path, fname);
    AtomicFile *af = atomic_open(path);
    size_t *idx = xmalloc((size_t)k * N * sizeof *idx);
    float *sc = xmalloc((size_t)k * N * sizeof *sc);
    StrBuf sb;
    sb_init(&sb);
    double best_sum = 0, all_sum = 0, t0 = util_now();
    size_t noeos = 0;
    for (size_t d0 = 0; d0 < nd; d0 += (size_t)k) {
        int nk = nd - d0 < (size_t)k ? (int)(nd - d0) : k;
        for (int i = 0; i < nk; i++)
            for (int j = 0; j < N; j++)
                idx[i * N + j] = d0 + (size_t)i;
        Episodes e;
        if (generate_batch(&pol.g, &pol.tok, &pr, idx, nk * N, &s, r, NULL, &e, NULL, &err) != 0)
            tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
        episodes_values(&rm.g, &e, 16, NULL, sc);
        for (int i = 0; i < nk; i++) {
            int best = -1;
            double bs = -INFINITY;
            for (int j = 0; j < N; j++) {
                int q = i * N + j;
                double v = e.eos[q] ? sc[q] : -1; /* a response that never ends: PPO's penalty */
                all_sum += v;
                if (v > bs) {
                    bs = v;
                    best = q;
                }
            }
            best_sum += bs;
            noeos += !e.eos[best];
            sb_clear(&sb);
            stage_decode(&pol.tok, e.tok + (size_t)best * e.W + e.P, e.rlen[best], &sb);
            samples_write(af->fp, &w, name, docs[d0 + (size_t)i], sb.s ? sb.s : "");
        }
        episodes_free(&e);
        stage_progress(o->progress, "bon", (long)(d0 + (size_t)nk), (long)nd, t0, name);
    }
    if (atomic_commit(af) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot write", path);
    cJSON *mj = cJSON_CreateObject();
    cJSON_AddStringToObject(mj, "method", "best-of-n");
    cJSON_AddNumberToObject(mj, "params", (double)pol.g.net.nparams);
    cJSON_AddNumberToObject(mj, "n", N);
    cJSON_AddNumberToObject(mj, "kl", bon_kl(N));
    cJSON_AddStringToObject(mj, "kl_measured_on", "the formula log N - (N-1)/N");
    cJSON_AddNumberToObject(mj, "temperature", temp);
    cJSON_AddNumberToObject(mj, "rm_score", best_sum / (double)nd);
    cJSON_AddNumberToObject(mj, "rm_score_of_all_samples", all_sum / ((double)nd * N));
    stage_meta_lineage(mj, size, rsize);
    stage_write_meta(o->out_path, name, mj);
    fprintf(stderr, "bon %s: %zu %s %s prompts x %d samples at T=%g in %.1f s; mean RM score of the best %.3f (of all "
                    "%.3f); KL %.3f nats (log N - (N-1)/N); %zu chosen without an end; wrote %s and meta.json\n",
            name, nd, o->dataset, o->split, N, temp, util_now() - t0, best_sum / (double)nd, all_sum / ((double)nd * N),
            bon_kl(N), noeos, path);
    sb_free(&sb);
    free(idx), free(sc), free(path), free(docs);
    rng_free(r);
    prompts_free(&pr);
    stage_free(&pol), stage_free(&rm);
    world_close(&w);
    return 0;
}
