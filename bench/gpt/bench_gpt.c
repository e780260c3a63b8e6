/* bench_gpt.c — the GPT engine's speed (make bench): training throughput in
 * tokens/s (forward + backward + AdamW) and GFLOP/s on the three
 * configurations, cblas_sgemm's own rate on this machine, and batched
 * sampling with the KV cache. Prints one JSON line per measurement.
 *
 *   bin/tldrlab-gptbench train L C NH T V B STEPS
 *   bin/tldrlab-gptbench sgemm N
 *   bin/tldrlab-gptbench sample L C NH T V PROMPTS PROMPT_LEN NEW
 *   bin/tldrlab-gptbench tokenizer FILE VOCAB   (BPE training and encoding time)
 *   bin/tldrlab-gptbench ppo L C NH T V EPISODES PROMPT NEW [ITERS]
 *       whole PPO iterations (train/ppo.c's ppo_iteration: rollout at T=0.7,
 *       reference/RM/value scoring, 4 epochs x 4 minibatches of policy and
 *       value updates) on random weights and random prompts of PROMPT
 *       tokens; no EOS can be drawn, so every response has NEW tokens (the
 *       peer, bench/ppo_peer.py, does the same work). One warm-up iteration,
 *       then the median of ITERS (default 3). */
#include "train/gpt.h"
#include "train/tokenizer.h"
#include "train/stage.h"
#include "train/stages.h"
#include "eval/generate.h"
#include "common/rng.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

static int arg(char **argv, int i)
{
    long v;
    if (util_parse_long(argv[i], 1, 100000000, &v) != 0) {
        fprintf(stderr, "bench_gpt: argument %d: expected a positive whole number, got '%s'\n", i, argv[i]);
        exit(2);
    }
    return (int)v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Matmul FLOPs per token of a training step: 6 per weight of every matrix
 * product (forward 2, backward 4), the LM head included; attention's two
 * T x T products per head at the same rate, counted in full (the BLAS
 * kernels compute the masked half too). */
static double train_flops_per_token(const GptConfig *c, int T)
{
    double C = c->C, L = c->L;
    double weights = L * 12 * C * C + (double)c->V * C;
    double attention = L * 2 * (double)T * C; /* QK^T and PV: T*C MACs per token each */
    return 6 * (weights + attention);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_gpt train L C NH T V B STEPS | sgemm N | sample L C NH T V PROMPTS PLEN NEW | "
                        "tokenizer FILE VOCAB | ppo L C NH T V EPISODES PROMPT NEW [ITERS]\n");
        return 2;
    }
    if (strcmp(argv[1], "sgemm") == 0 && argc == 3) {
        int n = arg(argv, 2);
        float *a = xcalloc((size_t)n * n, sizeof *a), *b = xcalloc((size_t)n * n, sizeof *b);
        float *c = xcalloc((size_t)n * n, sizeof *c);
        for (size_t i = 0; i < (size_t)n * n; i++)
            a[i] = (float)(i % 7) * 0.1f, b[i] = (float)(i % 5) * 0.1f;
        double best = 1e30;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = util_now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
            double t = util_now() - t0;
            best = t < best ? t : best;
        }
        printf("{\"mode\":\"sgemm\",\"n\":%d,\"gflops\":%.1f}\n", n, 2.0 * n * n * (double)n / best / 1e9);
        free(a), free(b), free(c);
        return 0;
    }
    if (strcmp(argv[1], "train") == 0 && argc == 9) {
        GptConfig c = {arg(argv, 2), arg(argv, 3), arg(argv, 4), arg(argv, 5), arg(argv, 6), 0};
        int B = arg(argv, 7), steps = arg(argv, 8), T = c.T;
        TlError err;
        const char *bad;
        if (gpt_config_check(&c, &bad, &err) != 0) {
            fprintf(stderr, "bench_gpt: model %s: %s\n", bad, err.msg);
            return 2;
        }
        Gpt g;
        gpt_init(&g, &c, 1);
        int32_t *in = xmalloc((size_t)B * T * sizeof *in), *tg = xmalloc((size_t)B * T * sizeof *tg);
        for (int i = 0; i < B * T; i++)
            in[i] = (i * 7919) % c.V, tg[i] = (i * 104729 + 3) % c.V;
        AdamW opt = {3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f};
        double *times = xmalloc((size_t)steps * sizeof *times);
        for (int s = -3; s < steps; s++) { /* 3 warm-up steps */
            double t0 = util_now();
            gpt_forward(&g, in, tg, NULL, NULL, B, T);
            gpt_zero_grad(&g);
            gpt_backward(&g, NULL);
            gpt_adamw_step(&g, &opt, 3e-4f);
            if (s >= 0)
                times[s] = util_now() - t0;
        }
        qsort(times, (size_t)steps, sizeof *times, cmp_double);
        double med = times[steps / 2], tok = (double)B * T;
        printf("{\"mode\":\"train\",\"L\":%d,\"C\":%d,\"NH\":%d,\"T\":%d,\"V\":%d,\"B\":%d,\"step_s\":%.5f,"
               "\"tokens_per_s\":%.0f,\"gflops\":%.1f}\n",
               c.L, c.C, c.NH, T, c.V, B, med, tok / med, train_flops_per_token(&c, T) * tok / med / 1e9);
        free(in), free(tg), free(times);
        gpt_free(&g);
        return 0;
    }
    if (strcmp(argv[1], "sample") == 0 && argc == 10) {
        GptConfig c = {arg(argv, 2), arg(argv, 3), arg(argv, 4), arg(argv, 5), arg(argv, 6), 0};
        int B = arg(argv, 7), P = arg(argv, 8), N = arg(argv, 9);
        Gpt g;
        gpt_init(&g, &c, 1);
        int32_t *prompts = xmalloc((size_t)B * P * sizeof *prompts), *out = xmalloc((size_t)B * N * sizeof *out);
        float *lp = xmalloc((size_t)B * N * sizeof *lp);
        int *len = xmalloc((size_t)B * sizeof *len);
        for (int i = 0; i < B * P; i++)
            prompts[i] = (i * 7919) % c.V;
        GptSampler s = {1.0f, 1.0f, 0, -1, 0, 0};
        double best = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            gsl_rng *r = rng_alloc(1);
            double t0 = util_now();
            TlError err;
            if (gpt_sample(&g, prompts, B, P, N, &s, r, out, lp, len, &err) != 0) {
                fprintf(stderr, "bench_gpt: %s\n", err.msg);
                return 2;
            }
            double t = util_now() - t0;
            best = t < best ? t : best;
            rng_free(r);
        }
        printf("{\"mode\":\"sample\",\"L\":%d,\"C\":%d,\"prompts\":%d,\"prompt_len\":%d,\"new\":%d,\"seconds\":%.4f,"
               "\"new_tokens_per_s\":%.0f}\n", c.L, c.C, B, P, N, best, (double)B * N / best);
        free(prompts), free(out), free(lp), free(len);
        gpt_free(&g);
        return 0;
    }
    if (strcmp(argv[1], "ppo") == 0 && (argc == 10 || argc == 11)) {
        GptConfig c = {arg(argv, 2), arg(argv, 3), arg(argv, 4), arg(argv, 5), arg(argv, 6), 0}, cs;
        int E = arg(argv, 7), P = arg(argv, 8), N = arg(argv, 9), iters = argc == 11 ? arg(argv, 10) : 3;
        if (N != STAGE_MAX_SUMMARY || P + N > c.T) {
            fprintf(stderr, "bench_gpt ppo: NEW must be %d (the stages' summary length) and PROMPT + NEW <= T\n",
                    STAGE_MAX_SUMMARY);
            return 2;
        }
        TlError cerr;
        const char *bad;
        if (gpt_config_check(&c, &bad, &cerr) != 0) {
            fprintf(stderr, "bench_gpt ppo: model %s: %s\n", bad, cerr.msg);
            return 2;
        }
        cs = c;
        cs.scalar_head = 1;
        Gpt pol, ref, val, rm;
        gpt_init(&pol, &c, 1);
        gpt_init(&ref, &c, 1);
        gpt_init(&rm, &cs, 2);
        gpt_init(&val, &cs, 2);
        Tokenizer tok;
        memset(&tok, 0, sizeof tok);
        tok.eos = -1; /* never drawn: every response runs to NEW tokens */
        tok.pad = c.V - 1;
        Prompts pr;
        memset(&pr, 0, sizeof pr);
        pr.p = xmalloc((size_t)E * sizeof *pr.p);
        pr.n = xmalloc((size_t)E * sizeof *pr.n);
        pr.count = (size_t)E;
        size_t *idx = xmalloc((size_t)E * sizeof *idx);
        gsl_rng *r = rng_alloc(7);
        for (int i = 0; i < E; i++) {
            pr.n[i] = P;
            pr.p[i] = xmalloc((size_t)P * sizeof *pr.p[i]);
            for (int k = 0; k < P; k++)
                pr.p[i][k] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)(c.V - 2));
            idx[i] = (size_t)i;
        }
        PpoCtx ctx = {&pol, &ref, &val, &rm, 1e-5f, 1e-5f, 1.0, 0.05, 0.7, -1.0, 0.2, 0.2, 1.0, 0.95, 4, 4, 16,
                      tok.eos, tok.pad, NULL, NULL};
        double *tot = xmalloc((size_t)iters * sizeof *tot), *ro = xmalloc((size_t)iters * sizeof *ro);
        double *sc = xmalloc((size_t)iters * sizeof *sc), *op = xmalloc((size_t)iters * sizeof *op);
        for (int it = -1; it < iters; it++) {
            PpoStats st;
            double t0 = util_now();
            if (ppo_iteration(&ctx, &pr, idx, E, &tok, r, &st) != 0) {
                fprintf(stderr, "bench_gpt ppo: %s\n", st.bad);
                return 1;
            }
            if (it >= 0) {
                tot[it] = util_now() - t0;
                ro[it] = st.rollout_s, sc[it] = st.score_s, op[it] = st.optimise_s;
            }
        }
        qsort(tot, (size_t)iters, sizeof *tot, cmp_double);
        qsort(ro, (size_t)iters, sizeof *ro, cmp_double);
        qsort(sc, (size_t)iters, sizeof *sc, cmp_double);
        qsort(op, (size_t)iters, sizeof *op, cmp_double);
        int m = iters / 2;
        printf("{\"bench\": \"ppo\", \"L\": %d, \"C\": %d, \"NH\": %d, \"T\": %d, \"V\": %d, \"episodes\": %d, "
               "\"prompt\": %d, \"new\": %d, \"iterations\": %d, \"threads\": %d, \"iteration_s\": %.4f, "
               "\"episodes_per_s\": %.3f, \"rollout_s\": %.4f, \"score_s\": %.4f, \"optimise_s\": %.4f}\n",
               c.L, c.C, c.NH, c.T, c.V, E, P, N, iters, gpt_max_threads(), tot[m], E / tot[m], ro[m], sc[m], op[m]);
        for (int i = 0; i < E; i++)
            free(pr.p[i]);
        free(pr.p), free(pr.n), free(idx), free(tot), free(ro), free(sc), free(op);
        rng_free(r);
        gpt_free(&pol), gpt_free(&ref), gpt_free(&val), gpt_free(&rm);
        return 0;
    }
    if (strcmp(argv[1], "tokenizer") == 0 && argc == 4) {
        size_t len;
        char *text = util_read_file(argv[2], &len);
        if (!text) {
            fprintf(stderr, "bench_gpt: %s: cannot read\n", argv[2]);
            return 2;
        }
        Tokenizer t;
        memset(&t, 0, sizeof t);
        TlError err;
        double t0 = util_now();
        if (tok_train(&t, (const unsigned char *)text, len, arg(argv, 3), &err) != 0) {
            fprintf(stderr, "bench_gpt: %s\n", err.msg);
            return 2;
        }
        double train_s = util_now() - t0;
        int32_t *ids = xmalloc((len + 1) * sizeof *ids);
        t0 = util_now();
        size_t n = tok_encode(&t, (const unsigned char *)text, len, ids, len + 1);
        double enc_s = util_now() - t0;
        printf("{\"mode\":\"tokenizer\",\"bytes\":%zu,\"vocab\":%d,\"train_s\":%.3f,\"encode_s\":%.3f,"
               "\"tokens\":%zu}\n", len, t.vocab_size, train_s, enc_s, n);
        free(ids);
        free(text);
        tok_free(&t);
        return 0;
    }
    fprintf(stderr, "bench_gpt: bad arguments (see the usage at the top of bench/gpt/bench_gpt.c)\n");
    return 2;
}
