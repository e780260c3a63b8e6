/* test_gpt.c — the GPT engine: every layer and the whole model (both
 * heads) against central finite differences in double precision; fp32
 * against fp64; naive against BLAS; AdamW, clipping and the schedule;
 * checkpoints (round trip, refusals, bit-identical resume); KV-cache
 * sampling against a full forward pass, and its draws against the tempered
 * and nucleus distributions (chi-squared); AdamW over five steps against
 * torch.optim.AdamW (tests/reference/adamw_torch.py). */
#include "tests/unit/test.h"
#include "train/gpt.h"
#include "train/stages.h"
#include "common/rng.h"
#include "common/util.h"

#include <assert.h>
#include <cblas.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the double-precision instance of the engine, the reference */
#define REAL double
#define SFX(x) x##_d
#define GEMM cblas_dgemm
#define EXP exp
#define TANH tanh
#define SQRT sqrt
#include "train/gpt_types.inc"
#include "train/gpt_impl.inc"
#undef GEMM
#undef EXP
#undef TANH
#undef SQRT
#undef SFX
#undef REAL

static double urand(gsl_rng *r)
{
    return 2 * gsl_rng_uniform(r) - 1;
}

/* max |a - b| / max(1e-3, |a|, |b|) over a finite-difference check */
typedef struct {
    double worst;
    size_t n;
} FdStat;

static void fd_note(FdStat *st, double analytic, double numeric)
{
    double scale = fmax(1e-3, fmax(fabs(analytic), fabs(numeric)));
    double e = fabs(analytic - numeric) / scale;
    if (e > st->worst)
        st->worst = e;
    st->n++;
}

#define FD_H 1e-6

/* ---- each layer ---- */

/* f = sum(out * R) for a layer; checks d f / d x for x in inputs. */
void test_gpt_layers_fd(void)
{
    gsl_rng *r = rng_alloc(1);
    int B = 2, T = 5, C = 8, NH = 2;
    size_t N = (size_t)B * T;
    /* layernorm */
    {
        double x[80], w[8], b[8], out[80], mean[10], rstd[10], R[80], dx[80] = {0}, dw[8] = {0}, db[8] = {0};
        for (int i = 0; i < 80; i++)
            x[i] = urand(r), R[i] = urand(r);
        for (int i = 0; i < 8; i++)
            w[i] = 1 + 0.3 * urand(r), b[i] = 0.1 * urand(r);
        layernorm_forward_d(out, mean, rstd, x, w, b, N, C);
        layernorm_backward_d(dx, dw, db, R, x, w, mean, rstd, N, C);
        FdStat st = {0};
        double *targets[3] = {x, w, b}, *grads[3] = {dx, dw, db};
        int lens[3] = {80, 8, 8};
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < lens[k]; i++) {
                double keep = targets[k][i], f[2];
                for (int s = 0; s < 2; s++) {
                    targets[k][i] = keep + (s ? -FD_H : FD_H);
                    layernorm_forward_d(out, mean, rstd, x, w, b, N, C);
                    f[s] = 0;
                    for (int q = 0; q < 80; q++)
                        f[s] += out[q] * R[q];
                }
                targets[k][i] = keep;
                fd_note(&st, grads[k][i], (f[0] - f[1]) / (2 * FD_H));
            }
        printf("  layernorm: %zu derivatives, worst relative error %.2e (tolerance 1e-6)\n", st.n, st.worst);
        CHECK(st.worst < 1e-6, "layernorm backward vs finite differences: %g", st.worst);
    }
    /* matmul, naive and BLAS */
    for (int naive = 0; naive < 2; naive++) {
        gpt_naive_matmul = naive;
        int OC = 6;
        double x[80], w[48], b[6], out[60], R[60], dx[80] = {0}, dw[48] = {0}, db[6] = {0};
        for (int i = 0; i < 80; i++)
            x[i] = urand(r);
        for (int i = 0; i < 48; i++)
            w[i] = urand(r);
        for (int i = 0; i < 6; i++)
            b[i] = urand(r);
        for (int i = 0; i < 60; i++)
            R[i] = urand(r);
        matmul_forward_d(out, x, w, b, N, C, OC);
        matmul_backward_d(dx, dw, db, R, x, w, N, C, OC);
        FdStat st = {0};
        double *targets[3] = {x, w, b}, *grads[3] = {dx, dw, db};
        int lens[3] = {80, 48, 6};
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < lens[k]; i++) {
                double keep = targets[k][i], f[2];
                for (int s = 0; s < 2; s++) {
                    targets[k][i] = keep + (s ? -FD_H : FD_H);
                    matmul_forward_d(out, x, w, b, N, C, OC);
                    f[s] = 0;
                    for (int q = 0; q < 60; q++)
                        f[s] += out[q] * R[q];
                }
                targets[k][i] = keep;
                fd_note(&st, grads[k][i], (f[0] - f[1]) / (2 * FD_H));
            }
        printf("  matmul (%s): %zu derivatives, worst relative error %.2e (tolerance 1e-6)\n",
               naive ? "naive" : "BLAS", st.n, st.worst);
        CHECK(st.worst < 1e-6, "matmul backward vs finite differences: %g", st.worst);
    }
    /* attention, naive and BLAS */
    for (int naive = 0; naive < 2; naive++) {
        gpt_naive_matmul = naive;
        double qkv[240], out[80], att[2 * 2 * 25], R[80], dqkv[240] = {0};
        double *scratch = xcalloc((size_t)gpt_max_threads() * 25, sizeof *scratch); /* T*T per thread */
        for (int i = 0; i < 240; i++)
            qkv[i] = urand(r);
        for (int i = 0; i < 80; i++)
            R[i] = urand(r);
        attention_forward_d(out, att, qkv, NULL, B, T, C, NH);
        attention_backward_d(dqkv, scratch, R, qkv, att, B, T, C, NH);
        FdStat st = {0};
        for (int i = 0; i < 240; i++) {
            double keep = qkv[i], f[2];
            for (int s = 0; s < 2; s++) {
                qkv[i] = keep + (s ? -FD_H : FD_H);
                attention_forward_d(out, att, qkv, NULL, B, T, C, NH);
                f[s] = 0;
                for (int q = 0; q < 80; q++)
                    f[s] += out[q] * R[q];
            }
            qkv[i] = keep;
            fd_note(&st, dqkv[i], (f[0] - f[1]) / (2 * FD_H));
        }
        free(scratch);
        printf("  attention (%s): %zu derivatives, worst relative error %.2e (tolerance 1e-6)\n",
               naive ? "naive" : "BLAS", st.n, st.worst);
        CHECK(st.worst < 1e-6, "attention backward vs finite differences: %g", st.worst);
    }
    gpt_naive_matmul = 0;
    /* GELU */
    {
        double x[40], out[40], R[40], dx[40] = {0};
        for (int i = 0; i < 40; i++)
            x[i] = 3 * urand(r), R[i] = urand(r);
        gelu_backward_d(dx, x, R, 40);
        FdStat st = {0};
        for (int i = 0; i < 40; i++) {
            double keep = x[i], f[2];
            for (int s = 0; s < 2; s++) {
                x[i] = keep + (s ? -FD_H : FD_H);
                gelu_forward_d(out, x, 40);
                f[s] = 0;
                for (int q = 0; q < 40; q++)
                    f[s] += out[q] * R[q];
            }
            x[i] = keep;
            fd_note(&st, dx[i], (f[0] - f[1]) / (2 * FD_H));
        }
        printf("  gelu: %zu derivatives, worst relative error %.2e (tolerance 1e-6)\n", st.n, st.worst);
        CHECK(st.worst < 1e-6, "gelu backward vs finite differences: %g", st.worst);
        /* the tanh form at a point: 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) */
        double one = 1.0, y;
        gelu_forward_d(&y, &one, 1);
        CHECK_ABS(y, 0.8411919906082768, 1e-15, "gelu(1), tanh approximation");
    }
    /* encoder */
    {
        int32_t inp[10] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
        int V = 10;
        double wte[80], wpe[40], out[80], R[80], dwte[80] = {0}, dwpe[40] = {0};
        for (int i = 0; i < 80; i++)
            wte[i] = urand(r), R[i] = urand(r);
        for (int i = 0; i < 40; i++)
            wpe[i] = urand(r);
        (void)V;
        encoder_forward_d(out, inp, NULL, wte, wpe, B, T, C);
        encoder_backward_d(dwte, dwpe, R, inp, NULL, B, T, C);
        FdStat st = {0};
        double *targets[2] = {wte, wpe}, *grads[2] = {dwte, dwpe};
        int lens[2] = {80, 40};
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < lens[k]; i++) {
                double keep = targets[k][i], f[2];
                for (int s = 0; s < 2; s++) {
                    targets[k][i] = keep + (s ? -FD_H : FD_H);
                    encoder_forward_d(out, inp, NULL, wte, wpe, B, T, C);
                    f[s] = 0;
                    for (int q = 0; q < 80; q++)
                        f[s] += out[q] * R[q];
                }
                targets[k][i] = keep;
                fd_note(&st, grads[k][i], (f[0] - f[1]) / (2 * FD_H));
            }
        printf("  encoder: %zu derivatives, worst relative error %.2e (tolerance 1e-6)\n", st.n, st.worst);
        CHECK(st.worst < 1e-6, "encoder backward vs finite differences: %g", st.worst);
    }
    rng_free(r);
}

/* ---- the whole model ---- */

static const GptConfig TINY = {2, 8, 2, 6, 11, 0};

/* A float model with non-trivial LayerNorm and bias values, and its
 * double copy. */
static void tiny_pair(const GptConfig *c, Gpt *g, Net_d *d, uint64_t seed)
{
    gpt_init(g, c, seed);
    gsl_rng *r = rng_alloc(seed + 1);
    for (size_t i = 0; i < g->net.nparams; i++)
        g->net.params_mem[i] += (float)(0.05 * urand(r)); /* biases and LN weights away from 0 and 1 */
    rng_free(r);
    net_init_d(d, c);
    for (size_t i = 0; i < g->net.nparams; i++)
        d->params_mem[i] = g->net.params_mem[i];
}

static void tiny_batch(const GptConfig *c, int B, int T, int32_t *in, int32_t *tg, float *maskf, double *maskd,
                       int32_t *start, uint64_t seed)
{
    gsl_rng *r = rng_alloc(seed);
    for (int i = 0; i < B * T; i++) {
        in[i] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)c->V);
        tg[i] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)c->V);
        maskf[i] = (float)(gsl_rng_uniform(r) < 0.7);
        maskd[i] = maskf[i];
    }
    maskf[0] = 1, maskd[0] = 1;
    for (int b = 0; b < B; b++)
        start[b] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)(T - 1));
    rng_free(r);
}

/* The three ways the stages use the engine: 0, an LM's mean masked loss
 * (pretraining, SFT); 1, a scalar head with a weight per position and left
 * padding (reward and value models); 2, an LM at temperature 0.7 with a
 * signed weight on each position's log-prob and left padding (PPO). */
static const char *const FD_MODE[] = {"LM mean loss", "scalar head", "LM per-token log-prob weights at T=0.7"};

static double fd_objective(Net_d *d, int mode, const double *w, int n)
{
    if (mode == 0)
        return d->loss;
    double f = 0;
    for (int i = 0; i < n; i++)
        f += w[i] * (mode == 1 ? d->a.values[i] : -d->a.losses[i]);
    return f;
}

/* d objective / d theta for every parameter of every tensor (at most 12
 * per tensor), against central differences of the double model. */
static void model_fd(int mode)
{
    GptConfig c = TINY;
    c.scalar_head = mode == 1;
    Gpt g;
    Net_d d;
    tiny_pair(&c, &g, &d, 7);
    int B = 2, T = 5;
    int32_t in[10], tg[10], start[2];
    float mf[10];
    double md[10], w[10];
    tiny_batch(&c, B, T, in, tg, mf, md, start, 9);
    for (int i = 0; i < B * T; i++)
        w[i] = md[i] * (0.3 + 0.2 * i) * (i % 3 == 1 ? -1 : 1);
    const int32_t *st = mode ? start : NULL;
    d.inv_temp = mode == 2 ? 1 / 0.7 : 1;
    net_forward_d(&d, in, mode == 1 ? NULL : tg, md, st, B, T);
    net_zero_grad_d(&d);
    net_backward_d(&d, mode ? w : NULL);
    gsl_rng *r = rng_alloc(3);
    FdStat worst = {0};
    size_t off = 0;
    for (int t = 0; t < GPT_NTENSORS; t++) {
        size_t len = d.sizes[t];
        FdStat stat = {0};
        for (int k = 0; k < 12 && len; k++) {
            size_t i = off + (len <= 12 ? (size_t)k % len : gsl_rng_uniform_int(r, (unsigned long)len));
            double keep = d.params_mem[i], f[2];
            for (int s = 0; s < 2; s++) {
                d.params_mem[i] = keep + (s ? -FD_H : FD_H);
                net_forward_d(&d, in, mode == 1 ? NULL : tg, md, st, B, T);
                f[s] = fd_objective(&d, mode, w, B * T);
            }
            d.params_mem[i] = keep;
            fd_note(&stat, d.grads_mem[i], (f[0] - f[1]) / (2 * FD_H));
        }
        if (len) {
            CHECK(stat.worst < 1e-5, "%s, tensor %s: gradient vs finite differences, worst relative error %g "
                  "(tolerance 1e-5)", FD_MODE[mode], gpt_tensor_name(t), stat.worst);
            if (stat.worst > worst.worst)
                worst.worst = stat.worst;
            worst.n += stat.n;
        }
        off += len;
    }
    printf("  %s: %zu parameter derivatives over every tensor, worst relative error %.2e (tolerance 1e-5)\n",
           FD_MODE[mode], worst.n, worst.worst);
    rng_free(r);
    net_free_d(&d);
    gpt_free(&g);
}

void test_gpt_model_fd(void)
{
    for (int mode = 0; mode < 3; mode++)
        model_fd(mode);
}

/* fp32 engine (BLAS and naive) against the fp64 reference */
void test_gpt_float_matches_double(void)
{
    for (int scalar = 0; scalar < 2; scalar++)
        for (int naive = 0; naive < 2; naive++) {
            GptConfig c = TINY;
            c.scalar_head = scalar;
            Gpt g;
            Net_d d;
            tiny_pair(&c, &g, &d, 11);
            int B = 2, T = 6;
            int32_t in[12], tg[12], pos[2];
            float mf[12], dvf[12];
            double md[12], dvd[12];
            tiny_batch(&c, B, T, in, tg, mf, md, pos, 5);
            for (int i = 0; i < 12; i++)
                dvf[i] = (float)(dvd[i] = i == 5 ? 0.5 : i == 9 ? 2.0 : 0);
            gpt_naive_matmul = naive;
            double lf = gpt_forward(&g, in, scalar ? NULL : tg, mf, scalar ? pos : NULL, B, T);
            gpt_zero_grad(&g);
            gpt_backward(&g, scalar ? dvf : NULL);
            gpt_naive_matmul = 0;
            net_forward_d(&d, in, scalar ? NULL : tg, md, scalar ? pos : NULL, B, T);
            net_zero_grad_d(&d);
            net_backward_d(&d, scalar ? dvd : NULL);
            double gmax = 0, err = 0;
            for (size_t i = 0; i < d.nparams; i++)
                gmax = fmax(gmax, fabs(d.grads_mem[i]));
            for (size_t i = 0; i < d.nparams; i++)
                err = fmax(err, fabs(g.net.grads_mem[i] - d.grads_mem[i]) / fmax(gmax, 1e-12));
            if (!scalar)
                CHECK_REL(lf, d.loss, 1e-6, "fp32 loss vs fp64");
            else
                CHECK_ABS(g.net.a.values[9], d.a.values[9], 1e-6, "fp32 value vs fp64");
            CHECK(err < 1e-5, "%s head (%s kernels): fp32 gradients vs fp64, max error / max gradient %g "
                  "(tolerance 1e-5)", scalar ? "scalar" : "LM", naive ? "naive" : "BLAS", err);
            net_free_d(&d);
            gpt_free(&g);
        }
}

/* The naive kernels and BLAS agree on a model of real size. */
void test_gpt_naive_matches_blas(void)
{
    GptConfig c = {2, 64, 4, 32, 97, 0};
    Gpt g;
    gpt_init(&g, &c, 2);
    int B = 3, T = 32;
    int32_t *in = xmalloc((size_t)B * T * sizeof *in), *tg = xmalloc((size_t)B * T * sizeof *tg);
    for (int i = 0; i < B * T; i++)
        in[i] = (i * 37) % c.V, tg[i] = (i * 11 + 5) % c.V;
    float *g1 = xmalloc(g.net.nparams * sizeof *g1);
    double loss[2];
    for (int naive = 0; naive < 2; naive++) {
        gpt_naive_matmul = naive;
        loss[naive] = gpt_forward(&g, in, tg, NULL, NULL, B, T);
        gpt_zero_grad(&g);
        gpt_backward(&g, NULL);
        if (!naive)
            memcpy(g1, g.net.grads_mem, g.net.nparams * sizeof *g1);
    }
    gpt_naive_matmul = 0;
    double gmax = 0, err = 0;
    for (size_t i = 0; i < g.net.nparams; i++)
        gmax = fmax(gmax, fabs(g1[i]));
    for (size_t i = 0; i < g.net.nparams; i++)
        err = fmax(err, fabs(g1[i] - g.net.grads_mem[i]) / gmax);
    CHECK_REL(loss[1], loss[0], 1e-6, "naive vs BLAS loss");
    CHECK(err < 1e-5, "naive vs BLAS gradients: max error / max gradient %g (tolerance 1e-5)", err);
    free(in);
    free(tg);
    free(g1);
    gpt_free(&g);
}

void test_gpt_optimizer(void)
{
    /* lr schedule */
    CHECK_ABS(gpt_lr(0, 10, 110, 1.0f, 0.1f), 0.1, 1e-7, "warmup step 0 = lr/10");
    CHECK_ABS(gpt_lr(9, 10, 110, 1.0f, 0.1f), 1.0, 1e-7, "end of warmup");
    CHECK_ABS(gpt_lr(60, 10, 110, 1.0f, 0.1f), 0.55, 1e-6, "cosine midpoint");
    CHECK_ABS(gpt_lr(110, 10, 110, 1.0f, 0.1f), 0.1, 1e-7, "cosine end");
    /* AdamW: one step by hand on two parameters of different tensors */
    GptConfig c = TINY;
    Gpt g;
    gpt_init(&g, &c, 1);
    float *qkvw = g.net.p.qkvw, *ln1b = g.net.p.ln1b;
    float p0 = qkvw[3], b0 = ln1b[2];
    gpt_zero_grad(&g);
    g.net.g.qkvw[3] = 0.5f;
    g.net.g.ln1b[2] = -2.0f;
    AdamW opt = {1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f};
    gpt_adamw_step(&g, &opt, 1e-2f);
    /* first step: mhat = g, vhat = g^2, update = lr (sign(g) + wd p) */
    CHECK_ABS(qkvw[3], p0 - 1e-2 * (0.5 / (0.5 + 1e-8) + 0.1 * p0), 1e-7, "AdamW step with weight decay (matrix)");
    CHECK_ABS(ln1b[2], b0 - 1e-2 * (-1.0), 1e-7, "AdamW step without weight decay (LayerNorm bias)");
    /* clipping */
    gpt_zero_grad(&g);
    g.net.grads_mem[0] = 3, g.net.grads_mem[1] = 4;
    double norm = gpt_clip_grad_norm(&g, 1.0);
    CHECK_ABS(norm, 5, 1e-12, "global norm before clipping");
    CHECK_ABS(g.net.grads_mem[0], 0.6, 1e-7, "clipped to norm 1");
    CHECK_ABS(g.net.grads_mem[1], 0.8, 1e-7, "clipped to norm 1");
    gpt_free(&g);
}

/* AdamW over five steps against PyTorch's torch.optim.AdamW: at step 1 the
 * bias-corrected moments equal the gradient whatever the betas, so only
 * later steps see whether the moments keep their history, whether the bias
 * correction follows the step count, where eps sits and which tensors get
 * weight decay. The inputs are formulas both sides evaluate (the reference
 * script states them); the schedule changes lr at every step. Expected values:
 *     /usr/bin/python3 tests/reference/adamw_torch.py
 * (PyTorch in float64 from the same float32 inputs). Tolerances: parameters
 * 1e-6 absolute (they are about 0.5 and move by up to lr = 1e-2 a step),
 * moments 1e-5 relative. */
static const struct {
    int tensor, index;
    double p[5], m, v;
} ADAMW_REF[] = {
    /* tests/reference/adamw_torch.py, torch 1.13.0a0: {tensor, index, p after steps 1..5, m, v after step 5} */
    {0, 0, {0.03991670758, 0.04396136619, 0.04817849165, 0.05051146569, 0.05055471947}, -0.006058339979, 0.1058569277}, /* wte */
    {0, 5, {0.4744798633, 0.4824621077, 0.4857168263, 0.4875173831, 0.4881114706}, -0.08589056959, 0.1127847025}, /* wte */
    {0, 11, {-0.4182389882, -0.4159405465, -0.4167967583, -0.4173709168, -0.4170430399}, -0.04974178156, 0.1241884087}, /* wte */
    {0, 87, {0.3876628575, 0.3912871858, 0.3927957441, 0.3926519283, 0.3925593128}, 3.383355503e-10, 1.390969497e-17}, /* wte */
    {1, 0, {0.4835496041, 0.4915524321, 0.4948620941, 0.4943011332, 0.4940724508}, 0.03783860615, 0.1477286737}, /* wpe */
    {1, 18, {0.4893728403, 0.4857187739, 0.4877053596, 0.4894838874, 0.4891030477}, 0.05854323608, 0.1275055951}, /* wpe */
    {1, 40, {-0.1749087217, -0.1827821687, -0.1869011308, -0.1875976217, -0.1877126278}, 0.01782119254, 0.1295661522}, /* wpe */
    {1, 47, {-0.116909379, -0.1198344667, -0.1177861214, -0.1166529475, -0.1165816886}, -0.01008082284, 0.107987647}, /* wpe */
    {2, 0, {0.07348707471, 0.07323837574, 0.07455722763, 0.07499330699, 0.07494963352}, 1.50658712e-10, 1.060780429e-17}, /* ln1w */
    {2, 5, {0.4637040886, 0.471699343, 0.4753126355, 0.4757846318, 0.4755795742}, 0.0247173922, 0.07839960723}, /* ln1w */
    {2, 15, {-0.2634545488, -0.2691015772, -0.273463407, -0.2750255742, -0.2747892918}, -0.04529345111, 0.1982751227}, /* ln1w */
    {3, 0, {-0.1135783722, -0.1197287681, -0.124189144, -0.1258220471, -0.1257010891}, -0.02191955501, 0.1771962109}, /* ln1b */
    {3, 2, {0.2433411687, 0.2363923492, 0.2325063886, 0.2313678839, 0.2312919549}, 0.01005870475, 0.09469540992}, /* ln1b */
    {3, 12, {-0.4446160691, -0.4436908496, -0.4425081784, -0.442379826, -0.4427204632}, 1.212879967e-09, 1.235316775e-17}, /* ln1b */
    {3, 15, {-0.3943248301, -0.3865585059, -0.3817175755, -0.3809836052, -0.381173128}, 0.01600106026, 0.03846226975}, /* ln1b */
    {4, 0, {-0.260325015, -0.2521300712, -0.2476521224, -0.2467939133, -0.2466682695}, -0.006624046291, 0.04068451212}, /* qkvw */
    {4, 57, {0.5071133451, 0.5142305497, 0.5165661796, 0.5178223448, 0.5184280604}, -0.05743175226, 0.03537762656}, /* qkvw */
    {4, 127, {0.3139754235, 0.3070664983, 0.3055992679, 0.3047672595, 0.3042279768}, 0.07357151883, 0.1276514378}, /* qkvw */
    {4, 383, {0.1255872088, 0.1327622255, 0.1363304479, 0.1369121261, 0.1368556987}, 0.004244994915, 0.1152583688}, /* qkvw */
    {5, 0, {-0.05802711679, -0.0504300906, -0.04769051219, -0.04730348131, -0.04720601841}, -0.01202637856, 0.08215824912}, /* qkvb */
    {5, 12, {0.4853891342, 0.4774031686, 0.4731683306, 0.4739458675, 0.4747188645}, -0.09400134787, 0.07979444642}, /* qkvb */
    {5, 22, {-0.4660341828, -0.4612817083, -0.4567486569, -0.4556124536, -0.455944755}, 0.06879407813, 0.2312586144}, /* qkvb */
    {5, 47, {0.4747372476, 0.4738142419, 0.4764616419, 0.4778868054, 0.4776389348}, 0.0413790867, 0.150373714}, /* qkvb */
    {6, 0, {0.3971935472, 0.3989694977, 0.4022250021, 0.403997533, 0.4038908111}, 0.003649953593, 0.1069758014}, /* attprojw */
    {6, 57, {-0.4695708136, -0.4630932343, -0.4579567733, -0.4568706791, -0.4570358722}, 0.03702209403, 0.1123517109}, /* attprojw */
    {6, 83, {0.4875580285, 0.4909920854, 0.4946768192, 0.4958385005, 0.4956877345}, 0.004719265362, 0.04513754235}, /* attprojw */
    {6, 127, {-0.4521677422, -0.4585732363, -0.4627503414, -0.4634732452, -0.4634575073}, 0.009720654856, 0.08609110124}, /* attprojw */
    {7, 0, {-0.3385511727, -0.3457936887, -0.349277431, -0.3491124949, -0.3488811664}, -0.0294261448, 0.08731092173}, /* attprojb */
    {7, 6, {0.4888524322, 0.4847127503, 0.4866376236, 0.4885228186, 0.4882422044}, 0.04327481214, 0.1283249424}, /* attprojb */
    {7, 15, {-0.4863657263, -0.4783749981, -0.4754088478, -0.4757181443, -0.4759318926}, 0.03216068961, 0.122153382}, /* attprojb */
    {8, 0, {-0.431015065, -0.4231933692, -0.4213646718, -0.422090273, -0.4223044292}, 0.03652014245, 0.1569147224}, /* ln2w */
    {8, 3, {0.024921026, 0.02996405988, 0.02878713226, 0.02737542255, 0.02731050782}, 0.01313165641, 0.2208068981}, /* ln2w */
    {8, 13, {-0.2874546143, -0.2950446574, -0.2987985704, -0.2991739958, -0.2993054019}, 0.02122845871, 0.140820538}, /* ln2w */
    {8, 15, {-0.4913383871, -0.4945924375, -0.4956569771, -0.4955049977, -0.495573787}, 2.634467917e-10, 1.713875091e-17}, /* ln2w */
    {9, 0, {-0.505944142, -0.5116492156, -0.5129494333, -0.5136687322, -0.5143272634}, 0.09956128564, 0.1233355805}, /* ln2b */
    {9, 10, {0.3969358, 0.4048940613, 0.4078701398, 0.409516549, 0.409983099}, -0.04930123882, 0.06025309364}, /* ln2b */
    {9, 15, {-0.4010439721, -0.398286059, -0.3991518629, -0.3996308379, -0.3993010812}, -0.03081941953, 0.04713263625}, /* ln2b */
    {10, 0, {-0.4756861465, -0.4760406167, -0.4780825568, -0.4795153349, -0.4793124109}, -0.01195470409, 0.06732869939}, /* fcw */
    {10, 135, {-0.4155197241, -0.4101549493, -0.4098352141, -0.4101830162, -0.4099218312}, -0.01728995629, 0.05025996751}, /* fcw */
    {10, 301, {0.2009509694, 0.2019924994, 0.1990522627, 0.1974505784, 0.1979718045}, -0.09062288965, 0.1409449719}, /* fcw */
    {10, 511, {-0.4611199412, -0.4535257246, -0.4487702106, -0.4485356245, -0.4486371155}, 0.03155582048, 0.1469776859}, /* fcw */
    {11, 0, {-0.3696000783, -0.3620660847, -0.3578574897, -0.3580607267, -0.3582614586}, 0.0361353558, 0.1748605003}, /* fcb */
    {11, 10, {0.1503553063, 0.1480444395, 0.145840591, 0.1449975186, 0.1448532804}, 5.054635722e-10, 1.145168437e-17}, /* fcb */
    {11, 20, {0.1159927157, 0.1121081751, 0.1129045505, 0.1138623342, 0.1133572115}, 0.05656405381, 0.06766240796}, /* fcb */
    {11, 63, {-0.2105249077, -0.2145489035, -0.2186924321, -0.2207263859, -0.2204700524}, -0.04756007586, 0.1857523935}, /* fcb */
    {12, 0, {-0.3575053194, -0.3622257941, -0.3665397303, -0.3684938098, -0.3683001775}, -0.02236571477, 0.1876480648}, /* fcprojw */
    {12, 161, {0.334266092, 0.3373468637, 0.3354148525, 0.334008125, 0.3341371527}, -0.03209374152, 0.1449256407}, /* fcprojw */
    {12, 359, {-0.4978108248, -0.5003459035, -0.5015247758, -0.501605486, -0.501529583}, 7.251403325e-11, 4.588352337e-18}, /* fcprojw */
    {12, 511, {-0.4823344098, -0.4743307965, -0.4703696849, -0.4701653093, -0.4701598211}, 0.01378658774, 0.130811853}, /* fcprojw */
    {13, 0, {-0.4799922613, -0.4721241669, -0.4692659462, -0.4693626998, -0.4692838403}, -0.01027119329, 0.09153637523}, /* fcprojb */
    {13, 4, {0.06469841093, 0.06533660896, 0.06201847013, 0.0599615945, 0.05973993157}, 0.03382202973, 0.1256242002}, /* fcprojb */
    {13, 14, {-0.3197178038, -0.3270658888, -0.3286760012, -0.3275754144, -0.3273390527}, -0.02594939143, 0.06503695405}, /* fcprojb */
    {13, 15, {-0.4347967217, -0.4370342546, -0.4374477443, -0.4371924489, -0.4372365513}, 1.348238087e-10, 5.498964109e-18}, /* fcprojb */
    {14, 0, {-0.5033908578, -0.5093048648, -0.5101193684, -0.5105699634, -0.5112726364}, 0.06293929781, 0.04329097863}, /* lnfw */
    {14, 1, {-0.4993025752, -0.5040979248, -0.5041558665, -0.5036506483, -0.5039502033}, 0.02767263415, 0.04604768726}, /* lnfw */
    {14, 3, {-0.3019681366, -0.3027615753, -0.3005241025, -0.2993424592, -0.2994369649}, 0.00972189035, 0.05710122322}, /* lnfw */
    {14, 7, {0.3877545684, 0.3944894187, 0.3994894226, 0.4000229719, 0.3996266975}, 0.07598494031, 0.1983915735}, /* lnfw */
    {15, 0, {0.4806449504, 0.4880301422, 0.4927771595, 0.4929718472, 0.4925897391}, 0.07614585333, 0.2142792917}, /* lnfb */
    {15, 6, {-0.1400694457, -0.1344387011, -0.1341465046, -0.1344486658, -0.1343595458}, -0.01418804269, 0.1367585938}, /* lnfb */
    {15, 7, {-0.3023855296, -0.2983393725, -0.2986137987, -0.2987656153, -0.2984716505}, -0.04437442466, 0.1229518458}, /* lnfb */
    {16, 0, {-0.4224216846, -0.4202082549, -0.4210934635, -0.421676125, -0.4213412683}, -0.0508696463, 0.1245258867}, /* headw */
    {16, 3, {-0.4071203679, -0.4112734769, -0.4148229254, -0.4154996369, -0.4148420746}, -0.1128405918, 0.1588974876}, /* headw */
    {16, 5, {-0.1321289779, -0.1398005504, -0.1448756094, -0.1447667201, -0.1441594634}, -0.09882823281, 0.1429149075}, /* headw */
    {16, 7, {0.2267435548, 0.2190796254, 0.2151884993, 0.2157615255, 0.2161523415}, -0.06799678735, 0.1633398938}, /* headw */
    {17, 0, {0.369978061, 0.3628213701, 0.360068874, 0.3607547987, 0.3610852644}, -0.05829330806, 0.1678977166}, /* headb */
};

/* f32(cos(0.23 i + 1.3 k) (1 + 0.5 sin(0.11 i k))), tiny when i % 7 == 3, 0 at step 4 when i % 5 == 0 */
static float adamw_grad(size_t i, int k)
{
    double g = cos(0.23 * (double)i + 1.3 * k) * (1 + 0.5 * sin(0.11 * (double)i * k));
    if (i % 7 == 3)
        g *= 1e-8;
    if (k == 4 && i % 5 == 0)
        g = 0;
    return (float)g;
}

void test_gpt_adamw_matches_torch(void)
{
    GptConfig c = {2, 8, 2, 6, 11, 1};
    Gpt g;
    gpt_init(&g, &c, 1);
    size_t np = g.net.nparams, off[GPT_NTENSORS + 1] = {0};
    for (int t = 0; t < GPT_NTENSORS; t++)
        off[t + 1] = off[t] + g.net.sizes[t];
    for (size_t i = 0; i < np; i++)
        g.net.params_mem[i] = (float)(0.5 * sin(0.37 * (double)i + 0.1));
    static const float LR[5] = {1e-2f, 8e-3f, 6e-3f, 4e-3f, 2e-3f};
    AdamW opt = {0, 0.9f, 0.95f, 1e-8f, 0.1f};
    size_t nref = sizeof ADAMW_REF / sizeof ADAMW_REF[0];
    double worst_p = 0, worst_mv = 0;
    for (int k = 1; k <= 5; k++) {
        for (size_t i = 0; i < np; i++)
            g.net.grads_mem[i] = adamw_grad(i, k);
        gpt_adamw_step(&g, &opt, LR[k - 1]);
        for (size_t r = 0; r < nref; r++) {
            size_t i = off[ADAMW_REF[r].tensor] + (size_t)ADAMW_REF[r].index;
            double got = g.net.params_mem[i], want = ADAMW_REF[r].p[k - 1];
            worst_p = fmax(worst_p, fabs(got - want));
            CHECK(fabs(got - want) <= 1e-6, "AdamW step %d, %s[%d]: expected %.10g (PyTorch), got %.10g (tolerance 1e-6)",
                  k, gpt_tensor_name(ADAMW_REF[r].tensor), ADAMW_REF[r].index, want, got);
        }
    }
    for (size_t r = 0; r < nref; r++) {
        size_t i = off[ADAMW_REF[r].tensor] + (size_t)ADAMW_REF[r].index;
        const char *name = gpt_tensor_name(ADAMW_REF[r].tensor);
        double mv[2][2] = {{g.m[i], ADAMW_REF[r].m}, {g.v[i], ADAMW_REF[r].v}};
        for (int q = 0; q < 2; q++) {
            double e = fabs(mv[q][0] - mv[q][1]) / fabs(mv[q][1]);
            worst_mv = fmax(worst_mv, e);
            CHECK(e <= 1e-5, "AdamW after 5 steps, %s[%d]: %s moment expected %.10g (PyTorch), got %.10g "
                  "(relative tolerance 1e-5)", name, ADAMW_REF[r].index, q ? "second" : "first", mv[q][1], mv[q][0]);
        }
    }
    CHECK_INT(g.step, 5, "optimiser steps counted");
    printf("  %zu parameters over 5 steps vs torch.optim.AdamW: worst |difference| %.2e (tolerance 1e-6); "
           "moments after step 5: worst relative difference %.2e (tolerance 1e-5)\n", nref, worst_p, worst_mv);
    gpt_free(&g);
}

/* K steps straight vs k steps, a checkpoint, then K - k steps */
static void train_steps(Gpt *g, gsl_rng *r, int steps, double *losses)
{
    const GptConfig *c = &g->net.c;
    int B = 2, T = c->T;
    int32_t in[2 * 16], tg[2 * 16];
    AdamW opt = {3e-3f, 0.9f, 0.95f, 1e-8f, 0.1f};
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < B * T; i++) {
            in[i] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)c->V);
            tg[i] = (in[i] + 1) % c->V;
        }
        losses[s] = gpt_forward(g, in, tg, NULL, NULL, B, T);
        gpt_zero_grad(g);
        gpt_backward(g, NULL);
        gpt_clip_grad_norm(g, 1.0);
        gpt_adamw_step(g, &opt, gpt_lr(g->step, 2, 8, 3e-3f, 3e-4f));
    }
}

/* Writes path2: the checkpoint at path with its header text changed by
 * edit (which returns the new text, malloc'ed), the header re-sized and
 * re-padded, the rest as it was. */
static void edit_header(const char *path, const char *path2, char *(*edit)(const char *h, size_t len, const void *arg),
                        const void *arg)
{
    size_t size;
    char *b = util_read_file(path, &size);
    uint32_t len;
    memcpy(&len, b + 12, 4);
    size_t at = 16 + len;
    at += (8 - at % 8) % 8;
    char *text = edit(b + 16, len, arg);
    uint32_t n2 = (uint32_t)strlen(text);
    FILE *f = fopen(path2, "wb");
    fwrite(b, 1, 12, f);
    fwrite(&n2, 4, 1, f);
    fwrite(text, 1, n2, f);
    static const char zeros[8] = {0};
    fwrite(zeros, 1, (8 - (16 + n2) % 8) % 8, f);
    fwrite(b + at, 1, size - at, f);
    fclose(f);
    free(text);
    free(b);
}

static char *replace_key(const char *hdr, size_t len, const void *arg)
{
    const char *const *kv = arg; /* key, value (JSON text) */
    cJSON *h = cJSON_ParseWithLength(hdr, len);
    cJSON_DeleteItemFromObjectCaseSensitive(h, kv[0]);
    cJSON_AddItemToObject(h, kv[0], cJSON_Parse(kv[1]));
    char *text = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    return text;
}

static char *replace_text(const char *hdr, size_t len, const void *arg)
{
    const char *const *ft = arg; /* from, to: raw text, for what cJSON would not write */
    char *text = xmalloc(len + strlen(ft[1]) + 1);
    memcpy(text, hdr, len);
    text[len] = '\0';
    char *at = strstr(text, ft[0]);
    if (at) {
        size_t a = strlen(ft[0]), b = strlen(ft[1]);
        memmove(at + b, at + a, strlen(at + a) + 1);
        memcpy(at, ft[1], b);
    }
    return text;
}

/* Writes path2: the checkpoint at path with one header key replaced by
 * value (JSON text). */
static void rewrite_header(const char *path, const char *path2, const char *key, const char *value)
{
    const char *kv[2] = {key, value};
    edit_header(path, path2, replace_key, kv);
}

void test_gpt_checkpoints(void)
{
    GptConfig c = {2, 16, 2, 16, 23, 0};
    Gpt a, b;
    gpt_init(&a, &c, 5);
    gsl_rng *ra = rng_alloc(77);
    double straight[8], resumed[8];
    train_steps(&a, ra, 8, straight);
    CHECK(straight[7] < straight[0], "the loss falls on a learnable task: %g -> %g", straight[0], straight[7]);
    gpt_free(&a);
    rng_free(ra);
    /* again: 3 steps, save, load into a fresh model and generator, 5 steps */
    gpt_init(&a, &c, 5);
    ra = rng_alloc(77);
    train_steps(&a, ra, 3, resumed);
    char path[512];
    snprintf(path, sizeof path, "%s/m.ckpt", t_tmpdir());
    TlError err;
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddStringToObject(extra, "tokenizer", "abc");
    CHECK_INT(gpt_save(&a, path, 1, ra, extra, &err), 0, "save");
    cJSON_Delete(extra);
    gsl_rng *rb = rng_alloc(1);
    cJSON *h = NULL;
    int rc = gpt_load(&b, path, rb, &h, &err);
    CHECK(rc == 0, "load: %s", rc ? err.msg : "");
    if (rc != 0)
        return;
    CHECK(memcmp(a.net.params_mem, b.net.params_mem, a.net.nparams * sizeof(float)) == 0, "parameters bit-identical");
    CHECK(b.m && memcmp(a.m, b.m, a.net.nparams * sizeof(float)) == 0, "AdamW moments restored");
    CHECK_INT(b.step, 3, "step restored");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(h, "tokenizer")->valuestring, "abc", "extra header fields kept");
    cJSON_Delete(h);
    train_steps(&b, rb, 5, resumed + 3);
    int same = 1;
    for (int s = 0; s < 8; s++)
        same &= straight[s] == resumed[s];
    CHECK(same, "resuming gives the same loss sequence bit for bit (step 8: %.9g vs %.9g)", straight[7], resumed[7]);
    gpt_free(&a);
    gpt_free(&b);
    rng_free(ra);
    rng_free(rb);
    /* refusals */
    size_t size;
    char *bytes = util_read_file(path, &size);
    char bad[512];
    snprintf(bad, sizeof bad, "%s/cut.ckpt", t_tmpdir());
    FILE *f = fopen(bad, "wb");
    fwrite(bytes, 1, size - 100, f);
    fclose(f);
    CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), -1, "a truncated checkpoint is refused");
    CHECK(strstr(err.msg, "truncated") && strstr(err.msg, bad), "message names the file and says truncated: %s",
          err.msg);
    /* one flipped bit in the tensors: the checksum refuses it */
    uint32_t hlen;
    memcpy(&hlen, bytes + 12, 4);
    size_t tensors = 16 + hlen + (8 - (16 + hlen) % 8) % 8;
    bytes[tensors + 1001] ^= 0x10;
    f = fopen(bad, "wb");
    fwrite(bytes, 1, size, f);
    fclose(f);
    CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), -1, "a flipped bit in the tensors is refused");
    CHECK(strstr(err.msg, bad) && strstr(err.msg, "damaged checkpoint: the tensors' checksum is"),
          "message names the file and the checksum: %s", err.msg);
    bytes[tensors + 1001] ^= 0x10;
    bytes[8] = 3; /* version 3 */
    f = fopen(bad, "wb");
    fwrite(bytes, 1, size, f);
    fclose(f);
    CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), -1, "another version is refused");
    char want[600];
    snprintf(want, sizeof want, "%s: checkpoint version 3; this build of tldrlab reads versions 1 and 2", bad);
    CHECK_STR(err.msg, want, "version message");
    bytes[8] = 2;
    bytes[0] = 'X';
    f = fopen(bad, "wb");
    fwrite(bytes, 1, size, f);
    fclose(f);
    CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), -1, "not a checkpoint");
    free(bytes);
    /* every key of the header that the reader relies on is checked */
    static const struct {
        const char *key, *value, *msg;
    } H[] = {
        {"params", "12", "params: expected"},
        {"step", "-1", "step: expected a whole number"},
        {"optimizer", "\"yes\"", "optimizer: expected true or false"},
        {"format", "1", "format: expected 2"},
        {"tensors", "[{\"name\": \"wte\", \"shape\": [23, 16]}]", "tensors[1]: expected wpe"},
        {"tensors", "[{\"name\": \"wte\", \"shape\": [23, 17]}]", "tensors[0]: expected wte"},
        {"config", "{\"L\": 2, \"C\": 16, \"NH\": -2, \"T\": 16, \"V\": 23, \"head\": \"lm\"}",
         "damaged checkpoint header: config.NH: expected 1 to 8192, got -2"},
        {"config", "{\"L\": 2, \"C\": 16, \"NH\": 3, \"T\": 16, \"V\": 23, \"head\": \"lm\"}",
         "damaged checkpoint header: config.NH: expected a divisor of C = 16 (the heads split the channels), got 3"},
        {"config", "{\"L\": 2, \"C\": 16, \"NH\": 2.5, \"T\": 16, \"V\": 23, \"head\": \"lm\"}",
         "damaged checkpoint header: config.NH: expected a whole number"},
    };
    for (size_t k = 0; k < sizeof H / sizeof H[0]; k++) {
        rewrite_header(path, bad, H[k].key, H[k].value);
        CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), -1, H[k].key);
        CHECK(strstr(err.msg, bad) && strstr(err.msg, H[k].msg), "header %s = %s: expected a message with '%s', got %s",
              H[k].key, H[k].value, H[k].msg, err.msg);
    }
    /* the header is strict JSON too: what cJSON alone would read */
    static const char *const RAW[][3] = {
        {"\"NH\":2", "\"NH\":02", "damaged checkpoint header: config.NH: at byte 40 of the header: number '02': a leading zero"},
        {"\"NH\":2", "\"NH\":2,\"NH\":-1", "damaged checkpoint header: config.NH: at byte 42 of the header: duplicate key"},
        {"\"head\":\"lm\"", "\"head\":\"lm\\uZZZZ\"", "damaged checkpoint header: config.head: at byte"},
    };
    for (size_t k = 0; k < sizeof RAW / sizeof RAW[0]; k++) {
        edit_header(path, bad, replace_text, RAW[k]);
        CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), -1, RAW[k][1]);
        CHECK(strstr(err.msg, bad) && strstr(err.msg, RAW[k][2]), "header %s: expected a message with '%s', got %s",
              RAW[k][1], RAW[k][2], err.msg);
    }
    rewrite_header(path, bad, "seed", "\"99\""); /* a stage's own key: the writer's business */
    CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), 0, "a changed stage key still loads");
    gpt_free(&b);
    /* a NaN weight saved with a correct checksum is still refused, naming the tensor */
    Gpt nanm;
    gpt_init(&nanm, &c, 5);
    nanm.net.p.qkvw[7] = NAN;
    CHECK_INT(gpt_save(&nanm, bad, 0, NULL, NULL, &err), 0, "save a model with a NaN");
    CHECK_INT(gpt_load(&b, bad, NULL, NULL, &err), -1, "a NaN weight is refused");
    CHECK(strstr(err.msg, "parameter value 7 of tensor qkvw is nan") != NULL, "NaN message names the tensor: %s", err.msg);
    gpt_free(&nanm);
}

void test_gpt_sampling(void)
{
    GptConfig c = {2, 32, 4, 40, 50, 0};
    Gpt g;
    gpt_init(&g, &c, 3);
    int B = 3, P = 7, N = 12;
    int32_t prompts[21];
    for (int i = 0; i < B * P; i++)
        prompts[i] = (i * 13 + 1) % c.V;
    int32_t out[36], out2[36];
    float lp[36], lp2[36];
    int len[3], len2[3];
    GptSampler s = {1.0f, 0.9f, 0, -1, 0, 0};
    TlError terr;
    gsl_rng *r = rng_alloc(42);
    gpt_sample(&g, prompts, B, P, N, &s, r, out, lp, len, &terr);
    rng_free(r);
    r = rng_alloc(42);
    gpt_sample(&g, prompts, B, P, N, &s, r, out2, lp2, len2, &terr);
    rng_free(r);
    CHECK(memcmp(out, out2, sizeof out) == 0 && memcmp(lp, lp2, sizeof lp) == 0, "same seed, same samples");
    /* the KV-cache log-probs equal a full forward pass over prompt + sample,
     * with a nucleus (top-p 0.9) and without (temperature 1: another path) */
    double worst = 0;
    for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
        GptSampler plain = {1.0f, 1.0f, 0, -1, 0, 0};
        r = rng_alloc(43);
        gpt_sample(&g, prompts, B, P, N, &plain, r, out, lp, len, &terr);
        rng_free(r);
    }
    for (int b = 0; b < B; b++) {
        CHECK_INT(len[b], N, "no EOS: every sequence runs to max_new");
        int32_t seq[40];
        memcpy(seq, prompts + b * P, (size_t)P * sizeof *seq);
        memcpy(seq + P, out + b * N, (size_t)N * sizeof *seq);
        gpt_forward(&g, seq, NULL, NULL, NULL, 1, P + N);
        for (int k = 0; k < N; k++) {
            const float *lg = g.net.a.logits + (size_t)(P - 1 + k) * c.V;
            double mx = lg[0], sum = 0;
            for (int v = 1; v < c.V; v++)
                mx = fmax(mx, lg[v]);
            for (int v = 0; v < c.V; v++)
                sum += exp(lg[v] - mx);
            double full = lg[seq[P + k]] - mx - log(sum);
            worst = fmax(worst, fabs(full - lp[b * N + k]));
        }
    }
    }
    printf("  KV-cache log-probs vs a full forward pass: max difference %.2e (tolerance 1e-4)\n", worst);
    CHECK(worst < 1e-4, "KV-cache log-probs vs full forward: %g", worst);
    /* greedy: the argmax of the full forward's logits */
    GptSampler gr = {0, 1, 1, -1, 0, 0};
    r = rng_alloc(1);
    gpt_sample(&g, prompts, 1, P, 5, &gr, r, out, lp, len, &terr);
    rng_free(r);
    int32_t seq[40];
    memcpy(seq, prompts, (size_t)P * sizeof *seq);
    memcpy(seq + P, out, 5 * sizeof *seq);
    gpt_forward(&g, seq, NULL, NULL, NULL, 1, P + 5);
    int ok = 1;
    for (int k = 0; k < 5; k++) {
        const float *lg = g.net.a.logits + (size_t)(P - 1 + k) * c.V;
        int best = 0;
        for (int v = 1; v < c.V; v++)
            if (lg[v] > lg[best])
                best = v;
        ok &= best == seq[P + k];
    }
    CHECK(ok, "greedy sampling takes the argmax");
    /* EOS: make the greedy first token the EOS; the sequence stops there */
    GptSampler ge = {0, 1, 1, out[0], 49, 0};
    r = rng_alloc(1);
    gpt_sample(&g, prompts, 1, P, 5, &ge, r, out2, lp2, len2, &terr);
    rng_free(r);
    CHECK_INT(len2[0], 1, "stops after EOS");
    CHECK_INT(out2[1], 49, "pad after EOS");
    /* a one-token prompt, after a forward of another shape */
    int32_t seq1[40] = {5};
    gpt_forward(&g, prompts, NULL, NULL, NULL, 3, 7);
    r = rng_alloc(5);
    CHECK_INT(gpt_sample(&g, seq1, 1, 1, 6, &s, r, out, lp, len, &terr), 0, "a one-token prompt");
    rng_free(r);
    memcpy(seq1 + 1, out, 6 * sizeof *seq1);
    gpt_forward(&g, seq1, NULL, NULL, NULL, 1, 7);
    double w1 = 0;
    for (int k = 0; k < 6; k++) {
        const float *lg = g.net.a.logits + (size_t)k * c.V;
        double mx = lg[0], sum = 0;
        for (int v = 1; v < c.V; v++)
            mx = fmax(mx, lg[v]);
        for (int v = 0; v < c.V; v++)
            sum += exp(lg[v] - mx);
        w1 = fmax(w1, fabs(lg[seq1[1 + k]] - mx - log(sum) - lp[k]));
    }
    CHECK(w1 < 1e-4, "one-token prompt: KV-cache log-probs vs full forward %g", w1);
    /* arguments out of range are refused, not read past */
    r = rng_alloc(5);
    CHECK_INT(gpt_sample(&g, seq1, 1, 0, 6, &s, r, out, lp, len, &terr), -1, "an empty prompt is refused");
    CHECK_INT(gpt_sample(&g, prompts, 1, P, c.T, &s, r, out, lp, len, &terr), -1, "past the context is refused");
    int32_t bad[1] = {c.V};
    CHECK_INT(gpt_sample(&g, bad, 1, 1, 2, &s, r, out, lp, len, &terr), -1, "a token outside the vocabulary is refused");
    rng_free(r);
    gpt_free(&g);
}

/* The distribution sampling draws from. A model whose blocks are zero and
 * whose final LayerNorm has weight 0 and bias e_0 gives every position the
 * logits wte[v][0], set here to fixed values (in shuffled order, so that the
 * most likely tokens are not the first ids); 10^4 rows of one prompt each
 * draw one token through gpt_sample. The counts are tested by Pearson's
 * chi-squared against softmax(logits / T) at T = 0.7, and with top-p 0.8
 * against the nucleus (the smallest set of most likely tokens whose tempered
 * mass reaches 0.8, 5 of the 12 tokens here, its tempered probabilities
 * renormalised), where a token outside the nucleus must never be drawn. The
 * threshold is the chi-squared quantile whose upper tail is 1e-6: a correct
 * sampler fails it once in a million seeds (the seed is fixed, so the test is
 * deterministic); sampling at temperature 1 instead of 0.7 gives a statistic
 * in the thousands. */
static void chi2_sampled(const GptSampler *s, const double *logit, int V, const int *support, int k,
                         const char *what)
{
    GptConfig c = {1, 8, 2, 4, V, 0};
    Gpt g;
    gpt_init(&g, &c, 1);
    size_t L = 1, C = 8;
    memset(g.net.p.qkvw, 0, L * 3 * C * C * sizeof(float));
    memset(g.net.p.attprojw, 0, L * C * C * sizeof(float));
    memset(g.net.p.fcw, 0, L * 4 * C * C * sizeof(float));
    memset(g.net.p.fcprojw, 0, L * 4 * C * C * sizeof(float));
    for (size_t i = 0; i < C; i++)
        g.net.p.lnfw[i] = 0, g.net.p.lnfb[i] = i == 0;
    for (int v = 0; v < V; v++)
        g.net.p.wte[(size_t)v * C] = (float)logit[v];
    enum { N = 10000 };
    int32_t *prompts = xcalloc(N, sizeof *prompts), *out = xmalloc(N * sizeof *out);
    float *lp = xmalloc(N * sizeof *lp);
    int *len = xmalloc(N * sizeof *len);
    TlError err;
    gsl_rng *r = rng_alloc(2024);
    CHECK_INT(gpt_sample(&g, prompts, N, 1, 1, s, r, out, lp, len, &err), 0, "sampling 10^4 rows");
    rng_free(r);
    /* the target: softmax(logits / T) over the support, renormalised */
    double p[64], z = 0, mx = logit[support[0]];
    for (int j = 1; j < k; j++)
        mx = fmax(mx, logit[support[j]]);
    for (int j = 0; j < k; j++)
        z += p[j] = exp((logit[support[j]] - mx) / s->temperature);
    long count[64] = {0}, outside = 0;
    for (int i = 0; i < N; i++) {
        int j = 0;
        while (j < k && support[j] != out[i])
            j++;
        if (j < k)
            count[j]++;
        else
            outside++;
    }
    CHECK(outside == 0, "%s: expected no token outside the %d allowed, got %ld draws outside", what, k, outside);
    double chi2 = 0, emin = N;
    for (int j = 0; j < k; j++) {
        double e = N * p[j] / z;
        emin = fmin(emin, e);
        chi2 += (count[j] - e) * (count[j] - e) / e;
    }
    CHECK(emin >= 5, "%s: the chi-squared approximation needs 5 expected draws per token, the least is %g", what, emin);
    double crit = gsl_cdf_chisq_Qinv(1e-6, k - 1);
    printf("  %s: chi-squared %.2f on %d degrees of freedom over %d draws (threshold %.2f, false alarm 1e-6)\n", what,
           chi2, k - 1, N, crit);
    CHECK(chi2 < crit, "%s: expected the draws' chi-squared against softmax(logits / %g) below %.2f (upper tail 1e-6, "
          "%d degrees of freedom), got %.2f", what, (double)s->temperature, crit, k - 1, chi2);
    free(prompts), free(out), free(lp), free(len);
    gpt_free(&g);
}

void test_gpt_sampling_distribution(void)
{
    enum { V = 12 };
    static const double LOGIT[V] = {0.2, -0.9, 1.2, -1.6, 0.0, 1.6, -0.3, 0.7, -1.2, 0.4, -0.6, 0.9};
    int all[V];
    for (int v = 0; v < V; v++)
        all[v] = v;
    GptSampler plain = {0.7f, 1.0f, 0, -1, 0, 0};
    chi2_sampled(&plain, LOGIT, V, all, V, "temperature 0.7");
    /* the nucleus of softmax(logits / 0.7) at top-p 0.8, found here by sorting */
    int order[V], k = 0;
    double z = 0, mass = 0;
    for (int v = 0; v < V; v++)
        order[v] = v, z += exp(LOGIT[v] / 0.7);
    for (int i = 0; i < V; i++)
        for (int j = i + 1; j < V; j++)
            if (LOGIT[order[j]] > LOGIT[order[i]]) {
                int t = order[i];
                order[i] = order[j], order[j] = t;
            }
    while (mass < 0.8)
        mass += exp(LOGIT[order[k++]] / 0.7) / z;
    CHECK_INT(k, 5, "tokens in the top-p 0.8 nucleus of these logits");
    GptSampler nucleus = {0.7f, 0.8f, 0, -1, 0, 0};
    chi2_sampled(&nucleus, LOGIT, V, order, k, "temperature 0.7, top-p 0.8 (5 tokens)");
}

/* Prompts of different lengths, left-padded into one batch: each row's
 * greedy tokens and log-probs equal those of sampling it alone; a padded
 * forward pass gives the row's log-probs at any temperature; sampled
 * log-probs at the sampling temperature equal the forward's at that
 * temperature. */
/* The ragged tests' model (V 50, PAD 49) and prompts: B = 4 rows of
 * P = 9 tokens holding prompts of plen tokens, left-padded by start. */
enum { RAG_B = 4, RAG_P = 9 };
static const int RAG_PLEN[RAG_B] = {9, 3, 6, 1};
static void ragged_setup(Gpt *g, int32_t *prompts, int32_t *start)
{
    GptConfig c = {2, 32, 4, 40, 50, 0};
    gpt_init(g, &c, 5);
    for (int b = 0; b < RAG_B; b++) {
        start[b] = RAG_P - RAG_PLEN[b];
        for (int t = 0; t < RAG_P; t++)
            prompts[b * RAG_P + t] = t < start[b] ? 49 : (b * 7 + t * 3 + 1) % 48;
    }
}

void test_gpt_ragged(void)
{
    Gpt g;
    enum { B = RAG_B, P = RAG_P, N = 10 };
    const int *plen = RAG_PLEN;
    int32_t prompts[B * P], start[B], out[B * N], out1[N];
    float lp[B * N], lp1[N];
    int len[B], len1[1];
    ragged_setup(&g, prompts, start);
    TlError terr;
    GptSampler gr = {0, 1, 1, -1, 49, 0};
    CHECK_INT(gpt_sample_ragged(&g, prompts, start, B, P, N, &gr, NULL, out, lp, len, &terr), 0, "ragged greedy");
    double worst = 0;
    int same = 1;
    for (int b = 0; b < B; b++) {
        gpt_sample(&g, prompts + b * P + start[b], 1, plen[b], N, &gr, NULL, out1, lp1, len1, &terr);
        same &= memcmp(out1, out + b * N, sizeof out1) == 0;
        for (int k = 0; k < N; k++)
            worst = fmax(worst, fabs(lp1[k] - lp[b * N + k]));
    }
    CHECK(same, "each padded row's greedy tokens equal those of the row sampled alone");
    CHECK(worst < 1e-5, "padded vs alone: log-probs differ by %g (tolerance 1e-5)", worst);
    printf("  ragged batch of prompts of 9, 3, 6 and 1 tokens: tokens equal, log-probs within %.1e of one by one\n",
           worst);
    /* temperature 0.7, log-probs at 0.7: a padded forward at 0.7 over prompt + response */
    GptSampler s7 = {0.7f, 1, 0, -1, 49, 1};
    gsl_rng *r = rng_alloc(8);
    gpt_sample_ragged(&g, prompts, start, B, P, N, &s7, r, out, lp, len, &terr);
    rng_free(r);
    int32_t seq[B * (P + N)], tg[B * (P + N)];
    float flp[B * (P + N)];
    for (int b = 0; b < B; b++)
        for (int t = 0; t < P + N; t++) {
            seq[b * (P + N) + t] = t < P ? prompts[b * P + t] : out[b * N + t - P];
            tg[b * (P + N) + t] = 0;
        }
    for (int b = 0; b < B; b++)
        for (int t = 0; t + 1 < P + N; t++)
            tg[b * (P + N) + t] = seq[b * (P + N) + t + 1];
    gpt_logprobs(&g, seq, tg, start, B, P + N, 0, 0.7f, flp);
    double w7 = 0;
    for (int b = 0; b < B; b++)
        for (int k = 0; k < N; k++)
            w7 = fmax(w7, fabs(flp[b * (P + N) + P - 1 + k] - lp[b * N + k]));
    CHECK(w7 < 1e-4, "log-probs at temperature 0.7: sampler vs padded forward differ by %g (tolerance 1e-4)", w7);
    /* the padded forward equals the unpadded forward of each row, at temperature 1 */
    double wf = 0;
    float one[P + N];
    for (int b = 0; b < B; b++) {
        int n = P + N - start[b];
        gpt_logprobs(&g, seq + b * (P + N) + start[b], tg + b * (P + N) + start[b], NULL, 1, n, 0, 1.0f, one);
        float padded[B * (P + N)];
        gpt_logprobs(&g, seq, tg, start, B, P + N, 0, 1.0f, padded);
        for (int t = 0; t + 1 < n; t++)
            wf = fmax(wf, fabs(one[t] - padded[b * (P + N) + start[b] + t]));
    }
    CHECK(wf < 1e-5, "padded forward vs each row alone: log-probs differ by %g (tolerance 1e-5)", wf);
    /* the LM head on the response only (from P - 1): the same log-probs there and
     * the same gradients of an objective that weighs only those positions */
    {
        size_t BT = (size_t)B * (P + N), np = g.net.nparams;
        float *lpa = xmalloc(BT * sizeof *lpa), *lpb = xmalloc(BT * sizeof *lpb), *d = xcalloc(BT, sizeof *d);
        float *ga = xmalloc(np * sizeof *ga);
        for (int b = 0; b < B; b++)
            for (int t = P - 1; t < P + N; t++)
                d[(size_t)b * (P + N) + t] = 0.1f * (float)((b + t) % 5) - 0.2f;
        gpt_logprobs(&g, seq, tg, start, B, P + N, 0, 0.7f, lpa);
        gpt_zero_grad(&g);
        gpt_backward(&g, d);
        memcpy(ga, g.net.grads_mem, np * sizeof *ga);
        gpt_logprobs(&g, seq, tg, start, B, P + N, P - 1, 0.7f, lpb);
        gpt_zero_grad(&g);
        gpt_backward(&g, d);
        double wl = 0, wg = 0, gm = 0;
        for (int b = 0; b < B; b++)
            for (int t = P - 1; t < P + N; t++)
                wl = fmax(wl, fabs(lpa[(size_t)b * (P + N) + t] - lpb[(size_t)b * (P + N) + t]));
        for (size_t i = 0; i < np; i++) {
            gm = fmax(gm, fabs(ga[i]));
            wg = fmax(wg, fabs(ga[i] - g.net.grads_mem[i]));
        }
        CHECK(wl < 1e-6 && wg <= 1e-5 * gm, "LM head from P-1 vs everywhere: log-probs differ by %g, gradients by %g "
              "(max gradient %g)", wl, wg, gm);
        free(lpa), free(lpb), free(d), free(ga);
    }
    int32_t badst[B] = {0, 0, 0, P};
    CHECK_INT(gpt_sample_ragged(&g, prompts, badst, B, P, N, &gr, NULL, out, lp, len, &terr), -1,
              "padding that covers a whole prompt is refused");
    gpt_free(&g);
}

/* A generator per row (gpt_sample_rows, PPO's rollouts split across MPI
 * ranks): a row's tokens at temperature 0.7 are the same sampled in a
 * ragged batch of four or in other batches (rows 0-1, then 2-3 with 3
 * first), given the same generator; and they come from that generator
 * alone: reseeding one row's changes no other row's tokens. */
void test_gpt_sample_rows(void)
{
    Gpt g;
    enum { B = RAG_B, P = RAG_P, N = 10 };
    const int *plen = RAG_PLEN;
    int32_t prompts[B * P], start[B], out[B * N], out2[B * N];
    float lp[B * N];
    int len[B];
    ragged_setup(&g, prompts, start);
    TlError terr;
    GptSampler s7 = {0.7f, 1, 0, -1, 49, 1};
    gsl_rng *rows[B];
    for (int b = 0; b < B; b++)
        rows[b] = rng_alloc(rng_derive_seed(11, (uint64_t)b));
    CHECK_INT(gpt_sample_rows(&g, prompts, start, B, P, N, &s7, rows, out, lp, len, &terr), 0, "four rows");
    /* rows 0-1 as a batch; rows 3 and 2 as another, row 3 first with its padding cut to its prompt's 6 tokens */
    int32_t p32[2 * 6], st32[2] = {6 - plen[3], 0}, o32[2 * N];
    for (int b = 0; b < B; b++)
        rng_free(rows[b]), rows[b] = rng_alloc(rng_derive_seed(11, (uint64_t)b));
    gpt_sample_rows(&g, prompts, start, 2, P, N, &s7, rows, out2, lp, len, &terr);
    for (int t = 0; t < 6; t++) {
        p32[t] = prompts[3 * P + P - 6 + t];
        p32[6 + t] = prompts[2 * P + P - 6 + t];
    }
    gsl_rng *r32[2] = {rows[3], rows[2]};
    gpt_sample_rows(&g, p32, st32, 2, 6, N, &s7, r32, o32, lp, len, &terr);
    memcpy(out2 + 3 * N, o32, N * sizeof *o32);
    memcpy(out2 + 2 * N, o32 + N, N * sizeof *o32);
    int same = memcmp(out, out2, sizeof out) == 0;
    CHECK(same, "each row's tokens are the same in a batch of four and in other batches with its generator");
    /* another generator for row 1: row 1's tokens change, the others' do not */
    for (int b = 0; b < B; b++)
        rng_free(rows[b]), rows[b] = rng_alloc(rng_derive_seed(b == 1 ? 12 : 11, (uint64_t)b));
    gpt_sample_rows(&g, prompts, start, B, P, N, &s7, rows, out2, lp, len, &terr);
    int others = 1;
    for (int b = 0; b < B; b++)
        others &= b == 1 || memcmp(out + b * N, out2 + b * N, N * sizeof *out) == 0;
    CHECK(others && memcmp(out + N, out2 + N, N * sizeof *out) != 0,
          "a row's generator changes its own tokens only (others unchanged: %d; row 1 changed: %d)", others,
          memcmp(out + N, out2 + N, N * sizeof *out) != 0);
    for (int b = 0; b < B; b++)
        rng_free(rows[b]);
    gpt_free(&g);
}

/* The stages' losses through the whole fp64 model, against finite
 * differences: PPO's clipped surrogate (tokens on both sides of the clip,
 * at temperature 0.7, with left padding) and the reward model's
 * -log sigma(r_chosen - r_other) read at each row's last token. */
void test_gpt_stage_losses_fd(void)
{
    for (int which = 0; which < 2; which++) {
        GptConfig c = TINY;
        c.scalar_head = which == 1;
        Gpt g;
        Net_d d;
        tiny_pair(&c, &g, &d, 21);
        int B = 2, T = 6;
        int32_t in[12], tg[12], start[2] = {0, 2};
        float mf[12];
        double md[12], lp_old[12], adv[12], grad[12];
        int32_t dummy[2];
        tiny_batch(&c, B, T, in, tg, mf, md, dummy, 13);
        d.inv_temp = 1 / 0.7;
        /* reference log-probs a little away from the current ones, so that some
         * tokens are clipped (|ratio - 1| > 0.2) and some are not */
        net_forward_d(&d, in, which ? NULL : tg, NULL, start, B, T);
        for (int i = 0; i < B * T; i++) {
            lp_old[i] = -d.a.losses[i] + (i % 4 == 0 ? 0.5 : i % 4 == 1 ? -0.4 : 0.05 * (i % 3));
            adv[i] = (i % 2 ? 1.0 : -0.7) * (1 + 0.1 * i);
        }
        int last[2] = {T - 1, T - 2}, chosen = 1;
#define OBJ(out)                                                                                                   \
    do {                                                                                                           \
        double f_ = 0;                                                                                             \
        if (which == 0) {                                                                                          \
            for (int q_ = 0; q_ < B * T; q_++) {                                                                   \
                grad[q_] = 0;                                                                                      \
                if (q_ % T < start[q_ / T])                                                                        \
                    continue;                                                                                      \
                double dl_;                                                                                        \
                int cl_;                                                                                           \
                f_ += ppo_pg_loss(-d.a.losses[q_], lp_old[q_], adv[q_], 0.2, &dl_, &cl_);                          \
                grad[q_] = dl_;                                                                                    \
            }                                                                                                      \
        } else {                                                                                                   \
            double dw_, do_;                                                                                       \
            f_ = rm_pair_loss(d.a.values[chosen * T + last[chosen]], d.a.values[(1 - chosen) * T + last[1 - chosen]], \
                              &dw_, &do_);                                                                         \
            for (int q_ = 0; q_ < B * T; q_++)                                                                     \
                grad[q_] = 0;                                                                                      \
            grad[chosen * T + last[chosen]] = dw_;                                                                 \
            grad[(1 - chosen) * T + last[1 - chosen]] = do_;                                                       \
        }                                                                                                          \
        out = f_;                                                                                                  \
    } while (0)
        double f0;
        net_forward_d(&d, in, which ? NULL : tg, NULL, start, B, T);
        OBJ(f0);
        int nclip = 0;
        for (int i = 0; i < B * T && which == 0; i++) {
            double dl;
            int cl;
            if (i % T >= start[i / T]) {
                ppo_pg_loss(-d.a.losses[i], lp_old[i], adv[i], 0.2, &dl, &cl);
                nclip += cl;
            }
        }
        net_zero_grad_d(&d);
        net_backward_d(&d, grad);
        FdStat st = {0};
        gsl_rng *r = rng_alloc(5);
        for (int k = 0; k < 60; k++) {
            size_t i = gsl_rng_uniform_int(r, (unsigned long)d.nparams);
            double keep = d.params_mem[i], f[2];
            for (int s = 0; s < 2; s++) {
                d.params_mem[i] = keep + (s ? -FD_H : FD_H);
                net_forward_d(&d, in, which ? NULL : tg, NULL, start, B, T);
                OBJ(f[s]);
            }
            d.params_mem[i] = keep;
            fd_note(&st, d.grads_mem[i], (f[0] - f[1]) / (2 * FD_H));
        }
#undef OBJ
        rng_free(r);
        if (which == 0)
            CHECK(nclip > 0 && nclip < B * T - 2, "the clipped objective's test needs clipped and unclipped tokens: %d "
                  "clipped", nclip);
        CHECK(st.worst < 1e-5, "%s: gradient vs finite differences, worst relative error %g (tolerance 1e-5)",
              which ? "reward model loss" : "PPO clipped objective", st.worst);
        printf("  %s: %zu derivatives, worst relative error %.2e (tolerance 1e-5)%s\n",
               which ? "reward model -log sigma(r_w - r_l)" : "PPO clipped surrogate at T=0.7", st.n, st.worst,
               which ? "" : " (clipped and unclipped tokens)");
        (void)f0;
        net_free_d(&d);
        gpt_free(&g);
    }
}
