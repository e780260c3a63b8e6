/* gpt.c — the GPT engine in fp32: the layers of gpt_impl.inc through
 * cblas_sgemm, initialisation, AdamW, checkpoints and KV-cache sampling. */
#include "train/gpt.h"
#include "build/commit.h"
#include "common/atomic.h"
#include "common/jsoncheck.h"
#include "common/rng.h"
#include "common/util.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <cjson/cJSON.h>

int gpt_naive_matmul = 0;

#ifdef _OPENMP
#include <omp.h>
int gpt_max_threads(void) { return omp_get_max_threads(); }
int gpt_thread_num(void) { return omp_get_thread_num(); }
#else
int gpt_max_threads(void) { return 1; }
int gpt_thread_num(void) { return 0; }
#endif

static const char *const TENSOR_NAMES[GPT_NTENSORS] = {
    "wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb", "ln2w",
    "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb", "headw", "headb"};

const char *gpt_tensor_name(int i)
{
    return TENSOR_NAMES[i];
}

int gpt_tensor_shape(const GptConfig *c, int i, int dims[3])
{
    int L = c->L, C = c->C;
    switch (i) {
    case 0: dims[0] = c->V, dims[1] = C; return 2;
    case 1: dims[0] = c->T, dims[1] = C; return 2;
    case 4: dims[0] = L, dims[1] = 3 * C, dims[2] = C; return 3;
    case 5: dims[0] = L, dims[1] = 3 * C; return 2;
    case 6: dims[0] = L, dims[1] = C, dims[2] = C; return 3;
    case 10: dims[0] = L, dims[1] = 4 * C, dims[2] = C; return 3;
    case 11: dims[0] = L, dims[1] = 4 * C; return 2;
    case 12: dims[0] = L, dims[1] = C, dims[2] = 4 * C; return 3;
    case 14: case 15: dims[0] = C; return 1;
    case 16: dims[0] = c->scalar_head ? C : 0; return 1;
    case 17: dims[0] = c->scalar_head ? 1 : 0; return 1;
    default: dims[0] = L, dims[1] = C; return 2; /* ln1w ln1b attprojb ln2w ln2b fcprojb */
    }
}

size_t gpt_param_sizes(const GptConfig *c, size_t sizes[GPT_NTENSORS])
{
    size_t total = 0;
    for (int i = 0; i < GPT_NTENSORS; i++) {
        int d[3];
        int nd = gpt_tensor_shape(c, i, d);
        size_t n = 1;
        for (int k = 0; k < nd; k++)
            n *= (size_t)d[k];
        sizes[i] = n;
        total += n;
    }
    return total;
}

int gpt_config_check(const GptConfig *c, const char **field, TlError *err)
{
    static const struct {
        const char *name;
        size_t off;
        int lo, hi;
    } F[] = {{"L", offsetof(GptConfig, L), 1, 96},       {"C", offsetof(GptConfig, C), 1, 8192},
             {"NH", offsetof(GptConfig, NH), 1, 8192},   {"T", offsetof(GptConfig, T), 2, 65536},
             {"V", offsetof(GptConfig, V), 2, 1 << 20}};
    for (size_t k = 0; k < sizeof F / sizeof F[0]; k++) {
        int v = *(const int *)((const char *)c + F[k].off);
        if (v < F[k].lo || v > F[k].hi) {
            if (field)
                *field = F[k].name;
            tlerr_set(err, "expected %d to %d, got %d", F[k].lo, F[k].hi, v);
            return -1;
        }
    }
    if (c->C % c->NH != 0) {
        if (field)
            *field = "NH";
        tlerr_set(err, "expected a divisor of C = %d (the heads split the channels), got %d", c->C, c->NH);
        return -1;
    }
    return 0;
}

/* exp and tanh for the fp32 kernels: no calls and no branches, so that
 * the elementwise loops vectorise (at -O3, without `omp simd`: under it
 * the memcpy's locals become arrays and the loop stays scalar) (libm's expf and tanhf were a fifth of a
 * training step). Cody-Waite range reduction and Cephes' polynomial:
 * relative error below 2e-7 over the clamped range; tests compare the
 * kernels with the fp64 ones that use libm. */
static inline float vexpf(float x)
{
    x = x > -87.0f ? x : -87.0f; /* NaN becomes -87 too: no undefined conversion below */
    x = x < 88.0f ? x : 88.0f;
    /* n = round(x / ln 2) by the 1.5 * 2^23 trick: floorf does not vectorise
     * without -fno-trapping-math */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23; /* 2^n */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float vtanhf(float x)
{
    return 1.0f - 2.0f / (vexpf(2.0f * x) + 1.0f);
}

#define REAL float
#define SFX(x) x##_f
#define GEMM cblas_sgemm
#define EXP vexpf
#define TANH vtanhf
#define SQRT sqrtf
#include "train/gpt_impl.inc"
#undef GEMM
#undef EXP
#undef TANH
#undef SQRT
#undef SFX
#undef REAL

/* ---- the model ---- */

/* A normal draw (Box-Muller on the explicit generator): gsl_randist.h
 * would bring GSL's CBLAS declarations, which clash with OpenBLAS's. */
static double normal(gsl_rng *r, double sd)
{
    double u1 = gsl_rng_uniform_pos(r), u2 = gsl_rng_uniform(r);
    return sd * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

void gpt_init(Gpt *g, const GptConfig *c, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    net_init_f(&g->net, c);
    gsl_rng *r = rng_alloc(seed);
    Params_f *p = &g->net.p;
    size_t L = (size_t)c->L, C = (size_t)c->C;
    double resid = 0.02 / sqrt(2.0 * (double)c->L);
    struct {
        float *t;
        size_t n;
        double sd;
    } init[] = {{p->wte, (size_t)c->V * C, 0.02},  {p->wpe, (size_t)c->T * C, 0.02},
                  {p->qkvw, L * 3 * C * C, 0.02},    {p->attprojw, L * C * C, resid},
                  {p->fcw, L * 4 * C * C, 0.02},     {p->fcprojw, L * 4 * C * C, resid},
                  {p->headw, c->scalar_head ? C : 0, 0.02}};
    for (size_t k = 0; k < sizeof init / sizeof init[0]; k++)
        for (size_t i = 0; i < init[k].n; i++)
            init[k].t[i] = (float)normal(r, init[k].sd);
    for (size_t i = 0; i < L * C; i++)
        p->ln1w[i] = p->ln2w[i] = 1;
    for (size_t i = 0; i < C; i++)
        p->lnfw[i] = 1;
    rng_free(r);
}

void gpt_free(Gpt *g)
{
    net_free_f(&g->net);
    free(g->m);
    free(g->v);
    free(g->kv);
    memset(g, 0, sizeof *g);
}

double gpt_forward(Gpt *g, const int32_t *inputs, const int32_t *targets, const float *mask, const int32_t *start,
                   int B, int T)
{
    g->net.inv_temp = 1;
    net_forward_f(&g->net, inputs, targets, mask, start, B, T);
    return g->net.loss;
}

void gpt_logprobs(Gpt *g, const int32_t *inputs, const int32_t *targets, const int32_t *start, int B, int T,
                  int from, float temperature, float *logp)
{
    assert(!g->net.c.scalar_head && targets);
    g->net.inv_temp = temperature > 0 ? 1.0f / temperature : 1.0f;
    g->net.head_from = from;
    net_forward_f(&g->net, inputs, targets, NULL, start, B, T);
    g->net.head_from = 0;
    for (size_t i = 0; i < (size_t)B * T; i++)
        logp[i] = -g->net.a.losses[i];
}

double gpt_entropy_at(const Gpt *g, int b, int t)
{
    const Net_f *n = &g->net;
    assert(n->backward_ready && !n->c.scalar_head && b < n->curB && t < n->curT);
    assert(t >= n->cur_head_from);
    const float *p = n->a.probs + ((size_t)b * n->curT + t) * n->c.V;
    double h = 0;
    for (int v = 0; v < n->c.V; v++)
        if (p[v] > 0)
            h -= (double)p[v] * log((double)p[v]);
    return h;
}

const float *gpt_values(const Gpt *g)
{
    assert(g->net.c.scalar_head);
    return g->net.a.values;
}

void gpt_zero_grad(Gpt *g)
{
    net_zero_grad_f(&g->net);
}

void gpt_backward(Gpt *g, const float *d)
{
    assert(g->net.backward_ready && "gpt_backward needs a forward with targets (or a scalar head) just before");
    assert(d || !g->net.c.scalar_head);
    net_backward_f(&g->net, d);
    g->net.backward_ready = 0;
}

void gpt_init_scalar_from(Gpt *g, const Gpt *lm, uint64_t seed)
{
    GptConfig c = lm->net.c;
    c.scalar_head = 1;
    memset(g, 0, sizeof *g);
    net_init_f(&g->net, &c);
    /* the tensors up to lnfb are the body, in the same order in both */
    size_t body = 0;
    for (int i = 0; i < 16; i++)
        body += g->net.sizes[i];
    memcpy(g->net.params_mem, lm->net.params_mem, body * sizeof(float));
    if (lm->net.c.scalar_head) {
        memcpy(g->net.params_mem + body, lm->net.params_mem + body, (size_t)(c.C + 1) * sizeof(float));
        return;
    }
    gsl_rng *r = rng_alloc(seed);
    double sd = 1.0 / sqrt((double)c.C + 1);
    for (int i = 0; i < c.C; i++)
        g->net.p.headw[i] = (float)normal(r, sd);
    g->net.p.headb[0] = 0;
    rng_free(r);
}

void gpt_copy_params(Gpt *g, const Gpt *src)
{
    assert(g->net.nparams == src->net.nparams);
    memcpy(g->net.params_mem, src->net.params_mem, g->net.nparams * sizeof(float));
    free(g->m);
    free(g->v);
    g->m = g->v = NULL;
    g->step = 0;
}

double gpt_clip_grad_norm(Gpt *g, double max_norm)
{
    double ss = 0;
    const float *gr = g->net.grads_mem;
    for (size_t i = 0; i < g->net.nparams; i++)
        ss += (double)gr[i] * (double)gr[i];
    double norm = sqrt(ss);
    if (max_norm > 0 && norm > max_norm) {
        float s = (float)(max_norm / norm);
        for (size_t i = 0; i < g->net.nparams; i++)
            g->net.grads_mem[i] *= s;
    }
    return norm;
}

/* Weight decay applies to the matrices: qkvw, attprojw, fcw, fcprojw. */
static int decays(int tensor)
{
    return tensor == 4 || tensor == 6 || tensor == 10 || tensor == 12;
}

void gpt_adamw_step(Gpt *g, const AdamW *opt, float lr)
{
    Net_f *n = &g->net;
    if (!g->m) {
        g->m = xcalloc(n->nparams, sizeof *g->m);
        g->v = xcalloc(n->nparams, sizeof *g->v);
    }
    g->step++;
    float b1c = 1 - powf(opt->beta1, (float)g->step), b2c = 1 - powf(opt->beta2, (float)g->step);
    size_t off = 0;
    for (int t = 0; t < GPT_NTENSORS; t++) {
        float wd = decays(t) ? opt->weight_decay : 0;
        float *p = n->params_mem + off, *gr = n->grads_mem + off, *m = g->m + off, *v = g->v + off;
        size_t len = n->sizes[t];
#pragma omp parallel for if (len > 65536)
        for (size_t i = 0; i < len; i++) {
            m[i] = opt->beta1 * m[i] + (1 - opt->beta1) * gr[i];
            v[i] = opt->beta2 * v[i] + (1 - opt->beta2) * gr[i] * gr[i];
            float mh = m[i] / b1c, vh = v[i] / b2c;
            p[i] -= lr * (mh / (sqrtf(vh) + opt->eps) + wd * p[i]);
        }
        off += len;
    }
}

float gpt_lr(long step, long warmup, long total, float lr_max, float lr_min)
{
    if (warmup > 0 && step < warmup)
        return lr_max * (float)(step + 1) / (float)warmup;
    if (total <= warmup)
        return lr_max;
    double frac = (double)(step - warmup) / (double)(total - warmup);
    if (frac > 1)
        frac = 1;
    return lr_min + (lr_max - lr_min) * (float)(0.5 * (1 + cos(3.14159265358979323846 * frac)));
}

/* ---- checkpoints (train/FORMAT.md) ---- */

static const char MAGIC[8] = {'T', 'L', 'D', 'R', 'G', 'P', 'T', 0};
static const char TRAILER[8] = {'T', 'L', 'D', 'R', 'E', 'N', 'D', 0};
#define CKPT_VERSION 2u /* 2 adds the tensors' checksum; version 1 is still read */

static cJSON *config_json(const GptConfig *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "L", c->L);
    cJSON_AddNumberToObject(o, "C", c->C);
    cJSON_AddNumberToObject(o, "NH", c->NH);
    cJSON_AddNumberToObject(o, "T", c->T);
    cJSON_AddNumberToObject(o, "V", c->V);
    cJSON_AddStringToObject(o, "head", c->scalar_head ? "scalar" : "lm");
    return o;
}

int gpt_save(const Gpt *g, const char *path, int with_optimizer, const gsl_rng *rng, const cJSON *extra,
             TlError *err)
{
    const Net_f *n = &g->net;
    cJSON *h = cJSON_CreateObject();
    cJSON_AddNumberToObject(h, "format", CKPT_VERSION);
    cJSON_AddItemToObject(h, "config", config_json(&n->c));
    cJSON *ts = cJSON_AddArrayToObject(h, "tensors");
    for (int i = 0; i < GPT_NTENSORS; i++) {
        if (!n->sizes[i])
            continue;
        int d[3];
        int nd = gpt_tensor_shape(&n->c, i, d);
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "name", TENSOR_NAMES[i]);
        cJSON_AddItemToObject(t, "shape", cJSON_CreateIntArray(d, nd));
        cJSON_AddItemToArray(ts, t);
    }
    cJSON_AddNumberToObject(h, "params", (double)n->nparams);
    int opt = with_optimizer && g->m;
    cJSON_AddBoolToObject(h, "optimizer", opt);
    cJSON_AddBoolToObject(h, "rng", rng != NULL);
    cJSON_AddNumberToObject(h, "step", (double)g->step);
    cJSON_AddStringToObject(h, "tldrlab", TLDRLAB_VERSION);
    cJSON_AddStringToObject(h, "commit", TLDRLAB_COMMIT);
    {
        /* FNV-1a 64 of the tensor bytes: the parameters, then the moments */
        uint64_t sum = util_fnv1a(UTIL_FNV_INIT, n->params_mem, n->nparams * sizeof(float));
        if (opt) {
            sum = util_fnv1a(sum, g->m, n->nparams * sizeof(float));
            sum = util_fnv1a(sum, g->v, n->nparams * sizeof(float));
        }
        char hex[24];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)sum);
        cJSON_AddStringToObject(h, "checksum", hex);
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, extra) {
        cJSON_DeleteItemFromObjectCaseSensitive(h, x->string);
        cJSON_AddItemToObject(h, x->string, cJSON_Duplicate(x, 1));
    }
    char *text = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    if (!text)
        tl_die(TL_EXIT_RUNTIME, "out of memory printing a checkpoint header");
    AtomicFile *af = atomic_open(path);
    uint32_t ver = CKPT_VERSION, len = (uint32_t)strlen(text);
    fwrite(MAGIC, 1, 8, af->fp);
    fwrite(&ver, 4, 1, af->fp);
    fwrite(&len, 4, 1, af->fp);
    fwrite(text, 1, len, af->fp);
    free(text);
    static const char zeros[8] = {0};
    size_t at = 16 + (size_t)len;
    fwrite(zeros, 1, (8 - at % 8) % 8, af->fp);
    fwrite(n->params_mem, sizeof(float), n->nparams, af->fp);
    if (opt) {
        fwrite(g->m, sizeof(float), n->nparams, af->fp);
        fwrite(g->v, sizeof(float), n->nparams, af->fp);
    }
    if (rng) {
        uint32_t k = (uint32_t)gsl_rng_size(rng);
        fwrite(&k, 4, 1, af->fp);
        fwrite(gsl_rng_state(rng), 1, k, af->fp);
    }
    fwrite(TRAILER, 1, 8, af->fp);
    if (atomic_finish(af) != 0) { /* the first failed write's errno: "No space left on device" */
        tlerr_set(err, "%s: cannot write the checkpoint: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int json_int(const cJSON *o, const char *k, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 1e9)
        return -1;
    *out = (int)v->valuedouble;
    return 0;
}

/* The header's own keys beside the config: the format, the tensors' names
 * and shapes in file order, the parameter count, the optimizer and rng
 * flags and the step. Other keys (the stages' settings) are the writer's. */
static int check_header(const cJSON *h, const GptConfig *c, size_t np, uint32_t ver, const char *path, TlError *err)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(h, "format"), *t = cJSON_GetObjectItemCaseSensitive(h, "tensors");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(h, "params"), *st = cJSON_GetObjectItemCaseSensitive(h, "step");
    if (!cJSON_IsNumber(f) || f->valuedouble != ver) {
        tlerr_set(err, "%s: damaged checkpoint header: format: expected %u (the file's version)", path, ver);
        return -1;
    }
    if (!cJSON_IsNumber(p) || p->valuedouble != (double)np) {
        tlerr_set(err, "%s: damaged checkpoint header: params: expected %zu for its config", path, np);
        return -1;
    }
    static const char *const FLAGS[] = {"optimizer", "rng"};
    for (int k = 0; k < 2; k++)
        if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(h, FLAGS[k]))) {
            tlerr_set(err, "%s: damaged checkpoint header: %s: expected true or false", path, FLAGS[k]);
            return -1;
        }
    if (!cJSON_IsNumber(st) || st->valuedouble < 0 || st->valuedouble != floor(st->valuedouble) ||
        st->valuedouble > 1e15) {
        tlerr_set(err, "%s: damaged checkpoint header: step: expected a whole number from 0", path);
        return -1;
    }
    if (!cJSON_IsArray(t)) {
        tlerr_set(err, "%s: damaged checkpoint header: tensors: expected a list", path);
        return -1;
    }
    const cJSON *e = t->child;
    for (int i = 0; i < GPT_NTENSORS; i++) {
        int d[3], nd = gpt_tensor_shape(c, i, d);
        size_t n = 1;
        for (int k = 0; k < nd; k++)
            n *= (size_t)d[k];
        if (!n)
            continue; /* no head in an LM */
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name"), *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
        int ok = e && cJSON_IsString(name) && strcmp(name->valuestring, TENSOR_NAMES[i]) == 0 && cJSON_IsArray(shape) &&
                 cJSON_GetArraySize(shape) == nd;
        for (int k = 0; ok && k < nd; k++) {
            const cJSON *x = cJSON_GetArrayItem(shape, k);
            ok = cJSON_IsNumber(x) && x->valuedouble == d[k];
        }
        if (!ok) {
            tlerr_set(err, "%s: damaged checkpoint header: tensors[%d]: expected %s with the shape its config gives", path,
                      i, TENSOR_NAMES[i]);
            return -1;
        }
        e = e->next;
    }
    if (e) {
        tlerr_set(err, "%s: damaged checkpoint header: tensors: more entries than its config has tensors", path);
        return -1;
    }
    return 0;
}

int gpt_load(Gpt *g, const char *path, gsl_rng *rng, cJSON **header, TlError *err)
{
    memset(g, 0, sizeof *g);
    if (header)
        *header = NULL;
    size_t size;
    char *buf = util_read_file(path, &size);
    if (!buf) {
        tlerr_set(err, "%s: cannot read the checkpoint: %s", path, strerror(errno));
        return -1;
    }
    cJSON *h = NULL;
    int rc = -1;
    uint32_t ver, len;
    if (size < 16 || memcmp(buf, MAGIC, 8) != 0) {
        tlerr_set(err, "%s: not a tldrlab checkpoint (no TLDRGPT magic number)", path);
        goto done;
    }
    memcpy(&ver, buf + 8, 4);
    memcpy(&len, buf + 12, 4);
    if (ver != 1 && ver != CKPT_VERSION) {
        tlerr_set(err, "%s: checkpoint version %u; this build of tldrlab reads versions 1 and %u", path, ver,
                  CKPT_VERSION);
        goto done;
    }
    if (16 + (size_t)len > size) {
        tlerr_set(err, "%s: truncated checkpoint (the header alone needs %zu bytes, the file has %zu)", path,
                  16 + (size_t)len, size);
        goto done;
    }
    JsonProblem jp;
    if (json_check(buf + 16, len, &jp) != 0) {
        tlerr_set(err, "%s: damaged checkpoint header: %s: at byte %zu of the header: %s", path,
                  *jp.path ? jp.path : "json", jp.offset, jp.problem);
        goto done;
    }
    h = cJSON_ParseWithLength(buf + 16, len);
    GptConfig c = {0};
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(h, "config");
    const cJSON *head = cJSON_GetObjectItemCaseSensitive(cfg, "head");
    if (!cJSON_IsObject(cfg)) {
        tlerr_set(err, "%s: damaged checkpoint header: config: expected an object", path);
        goto done;
    }
    static const char *const DIMS[] = {"L", "C", "NH", "T", "V"};
    int *dims[] = {&c.L, &c.C, &c.NH, &c.T, &c.V};
    for (int k = 0; k < 5; k++)
        if (json_int(cfg, DIMS[k], dims[k])) {
            tlerr_set(err, "%s: damaged checkpoint header: config.%s: expected a whole number", path, DIMS[k]);
            goto done;
        }
    if (!cJSON_IsString(head) || (strcmp(head->valuestring, "lm") != 0 && strcmp(head->valuestring, "scalar") != 0)) {
        tlerr_set(err, "%s: damaged checkpoint header: config.head: expected \"lm\" or \"scalar\"", path);
        goto done;
    }
    c.scalar_head = strcmp(head->valuestring, "scalar") == 0;
    const char *bad;
    if (gpt_config_check(&c, &bad, err) != 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        tlerr_set(err, "%s: damaged checkpoint header: config.%s: %s", path, bad, why);
        goto done;
    }
    size_t sizes[GPT_NTENSORS], np = gpt_param_sizes(&c, sizes);
    if (check_header(h, &c, np, ver, path, err) != 0)
        goto done;
    int opt = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "optimizer"));
    int has_rng = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "rng"));
    size_t at = 16 + (size_t)len;
    at += (8 - at % 8) % 8;
    size_t need = at + np * 4 * (opt ? 3 : 1) + 8;
    if (size < need + (has_rng ? 4 : 0)) {
        tlerr_set(err, "%s: truncated checkpoint (%zu bytes; its header announces at least %zu)", path, size,
                  need + (has_rng ? 4 : 0));
        goto done;
    }
    uint32_t k = 0;
    if (has_rng) {
        memcpy(&k, buf + at + np * 4 * (opt ? 3 : 1), 4);
        need += 4 + k;
    }
    if (size != need || memcmp(buf + size - 8, TRAILER, 8) != 0) {
        tlerr_set(err, "%s: truncated or damaged checkpoint (%zu bytes, expected %zu ending in TLDREND)", path, size,
                  need);
        goto done;
    }
    if (ver >= 2) { /* the tensors' checksum, then every value finite */
        const cJSON *cs = cJSON_GetObjectItemCaseSensitive(h, "checksum");
        char hex[24];
        snprintf(hex, sizeof hex, "%016llx",
                 (unsigned long long)util_fnv1a(UTIL_FNV_INIT, buf + at, np * 4 * (opt ? 3 : 1)));
        if (!cJSON_IsString(cs) || strcmp(cs->valuestring, hex) != 0) {
            tlerr_set(err, "%s: damaged checkpoint: the tensors' checksum is %s, the header says %s", path, hex,
                      cJSON_IsString(cs) ? cs->valuestring : "nothing");
            goto done;
        }
    }
    for (size_t i = 0; i < np * (opt ? 3 : 1); i++) {
        float x;
        memcpy(&x, buf + at + i * 4, 4);
        if (!isfinite(x)) {
            size_t j = i % np, t = 0, off = 0;
            while (t + 1 < GPT_NTENSORS && j >= off + sizes[t])
                off += sizes[t++];
            tlerr_set(err, "%s: damaged checkpoint: %s value %zu of tensor %s is %g", path,
                      i < np ? "parameter" : i < 2 * np ? "first-moment" : "second-moment", j - off, TENSOR_NAMES[t],
                      (double)x);
            goto done;
        }
    }
    net_init_f(&g->net, &c);
    memcpy(g->net.params_mem, buf + at, np * 4);
    if (opt) {
        g->m = xmalloc(np * sizeof *g->m);
        g->v = xmalloc(np * sizeof *g->v);
        memcpy(g->m, buf + at + np * 4, np * 4);
        memcpy(g->v, buf + at + 2 * np * 4, np * 4);
    }
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(h, "step");
    g->step = cJSON_IsNumber(step) ? (long)step->valuedouble : 0;
    if (rng && has_rng) {
        if (k != gsl_rng_size(rng)) {
            tlerr_set(err, "%s: its random state has %u bytes, this generator %zu", path, k, gsl_rng_size(rng));
            gpt_free(g);
            goto done;
        }
        memcpy(gsl_rng_state(rng), buf + at + np * 4 * (opt ? 3 : 1) + 4, k);
    }
    rc = 0;
done:
    free(buf);
    if (rc == 0 && header)
        *header = h;
    else
        cJSON_Delete(h);
    return rc;
}

/* ---- sampling with a KV cache ---- */

/* a . b over n floats in 16 fixed lanes (the order is fixed, so the
 * result is deterministic; the lanes let the loop vectorise) */
static inline float dot_f(const float *restrict a, const float *restrict b, int n)
{
    float acc[16] = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++)
            acc[j] += a[i + j] * b[i + j];
    float s = 0;
    for (int j = 0; j < 16; j++)
        s += acc[j];
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* Draws from logits (V) per s with the uniform u; returns the token.
 * scratch: 2V floats. */
static int pick(const float *logits, int V, const GptSampler *s, double u, float *scratch)
{
    if (s->greedy || !(s->temperature > 1e-6f)) { /* a vanishing temperature is greedy */
        int best = 0;
        for (int i = 1; i < V; i++)
            if (logits[i] > logits[best])
                best = i;
        return best;
    }
    float *p = scratch, mx = logits[0];
    for (int i = 1; i < V; i++)
        mx = logits[i] > mx ? logits[i] : mx;
    float inv_t = 1.0f / s->temperature;
    for (int i = 0; i < V; i++)
        p[i] = vexpf((logits[i] - mx) * inv_t);
    double sum = 0;
    for (int i = 0; i < V; i++)
        sum += p[i];
    if (s->top_p > 0 && s->top_p < 1) {
        /* the smallest set of most likely tokens with mass >= top_p */
        int *idx = (int *)(scratch + V);
        for (int i = 0; i < V; i++)
            idx[i] = i;
        /* partial selection: repeatedly take the largest until the mass is reached */
        double mass = 0;
        int kept = 0;
        while (kept < V && mass < s->top_p * sum) {
            int best = kept;
            for (int i = kept + 1; i < V; i++)
                if (p[idx[i]] > p[idx[best]])
                    best = i;
            int t = idx[kept];
            idx[kept] = idx[best];
            idx[best] = t;
            mass += p[idx[kept]];
            kept++;
        }
        double x = u * mass, acc = 0;
        for (int i = 0; i < kept; i++) {
            acc += p[idx[i]];
            if (x < acc)
                return idx[i];
        }
        return idx[kept - 1];
    }
    double x = u * sum, acc = 0;
    for (int i = 0; i < V; i++) {
        acc += p[i];
        if (x < acc)
            return i;
    }
    return V - 1;
}

/* log softmax(logits * inv_t)[tok]; scratch: V floats. have_exp: scratch
 * already holds exp((logits - max) * inv_t) (pick left it there). */
static float log_softmax_at(const float *logits, int V, int tok, float inv_t, float *scratch, int have_exp)
{
    float mx = logits[0];
    for (int i = 1; i < V; i++)
        mx = logits[i] > mx ? logits[i] : mx;
    if (!have_exp)
        for (int i = 0; i < V; i++)
            scratch[i] = vexpf((logits[i] - mx) * inv_t);
    double sum = 0;
    for (int i = 0; i < V; i++)
        sum += scratch[i];
    return (float)((double)((logits[tok] - mx) * inv_t) - log(sum));
}

/* The sampler: row b's uniforms come from rows[b] when rows is given, else
 * from rng's one stream in row order. */
static int sample(Gpt *g, const int32_t *prompts, const int32_t *start, int B, int P, int max_new, const GptSampler *s,
                  gsl_rng *rng, gsl_rng *const *rows, int32_t *out, float *logprobs, int *len, TlError *err)
{
    Net_f *n = &g->net;
    const GptConfig *c = &n->c;
    if (B < 1 || P < 1 || max_new < 1 || P + max_new > c->T) {
        tlerr_set(err, "sampling %d prompts of %d tokens and %d new tokens does not fit the model's context of %d", B,
                  P, max_new, c->T);
        return -1;
    }
    for (size_t i = 0; i < (size_t)B * P; i++)
        if (prompts[i] < 0 || prompts[i] >= c->V) {
            tlerr_set(err, "prompt token %d is outside the model's vocabulary of %d", prompts[i], c->V);
            return -1;
        }
    for (int b = 0; start && b < B; b++)
        if (start[b] < 0 || start[b] >= P) {
            tlerr_set(err, "prompt %d: %d tokens of left padding in a prompt of %d leave no token", b, start[b], P);
            return -1;
        }
    int L = c->L, C = c->C, NH = c->NH, V = c->V, hs = C / NH, Tm = P + max_new;
    /* prefill: one forward over all but the last prompt token, as far as
     * the last layer's keys and values (nothing after them is needed); the
     * last prompt token then goes through the decoding step like any other */
    int P0 = P - 1;
    size_t cache_n = (size_t)L * B * Tm * C;
    if (g->kv_cap < 2 * cache_n) { /* kept between calls: no page faults on every batch */
        free(g->kv);
        g->kv = xmalloc(2 * cache_n * sizeof *g->kv);
        g->kv_cap = 2 * cache_n;
    }
    float *kc = g->kv, *vc = g->kv + cache_n;
    int32_t *head = xmalloc((size_t)B * (P0 > 0 ? P0 : 1) * sizeof *head);
    for (int b = 0; b < B && P0 > 0; b++)
        memcpy(head + (size_t)b * P0, prompts + (size_t)b * P, (size_t)P0 * sizeof *head);
    if (P0 > 0) {
        /* a row whose padding covers the whole head: its head positions are
         * padding, which the decoding steps never attend to */
        int32_t *st0 = NULL;
        if (start) {
            st0 = xmalloc((size_t)B * sizeof *st0);
            for (int b = 0; b < B; b++)
                st0[b] = start[b] < P0 ? start[b] : P0 - 1;
        }
        n->prefill = 1;
        net_forward_f(n, head, NULL, NULL, st0, B, P0);
        n->prefill = 0;
        free(st0);
    }
    free(head);
    for (int l = 0; l < L; l++)
        for (int b = 0; b < B; b++)
            for (int t = 0; t < P0; t++) {
                const float *q = n->a.qkv + (((size_t)l * B + b) * P0 + t) * 3 * C;
                for (int h = 0; h < NH; h++) { /* (L, B, NH, Tm, hs): a head's rows are contiguous */
                    size_t o = ((((size_t)l * B + b) * NH + h) * Tm + t) * hs;
                    memcpy(kc + o, q + C + h * hs, (size_t)hs * sizeof *kc);
                    memcpy(vc + o, q + 2 * C + h * hs, (size_t)hs * sizeof *vc);
                }
            }
    float *logits = xmalloc((size_t)B * V * sizeof *logits);
    /* per-step buffers for B rows */
    float *x = xmalloc((size_t)B * C * sizeof *x), *ln = xmalloc((size_t)B * C * sizeof *ln);
    float *mean = xmalloc((size_t)B * sizeof *mean), *rstd = xmalloc((size_t)B * sizeof *rstd);
    float *qkv = xmalloc((size_t)B * 3 * C * sizeof *qkv), *y = xmalloc((size_t)B * C * sizeof *y);
    float *proj = xmalloc((size_t)B * C * sizeof *proj), *fc = xmalloc((size_t)B * 4 * C * sizeof *fc);
    int nth = gpt_max_threads();
    float *fcg = xmalloc((size_t)B * 4 * C * sizeof *fcg), *att_all = xmalloc((size_t)nth * Tm * sizeof *att_all);
    float *scratch_all = xmalloc((size_t)nth * 2 * V * sizeof *scratch_all);
    double *u = xmalloc((size_t)B * sizeof *u);
    int32_t *tok = xmalloc((size_t)B * sizeof *tok);
    char *done = xcalloc((size_t)B, 1);
    int active = B;
    for (int b = 0; b < B; b++) {
        len[b] = 0;
        tok[b] = prompts[(size_t)b * P + P - 1];
    }
    /* step -1 feeds the last prompt token; step k >= 0 draws the k-th new
     * token and feeds it */
    for (int step = -1; step < max_new && active > 0; step++) {
        if (step >= 0) {
            /* the uniforms in sequence order (the same draws at any thread count),
             * then every row's pick in parallel */
            for (int b = 0; b < B; b++)
                u[b] = done[b] || s->greedy || !(s->temperature > 1e-6f) ? 0 : gsl_rng_uniform(rows ? rows[b] : rng);
#pragma omp parallel for schedule(static)
            for (int b = 0; b < B; b++) {
                const float *lg = logits + (size_t)b * V;
                float *scratch = scratch_all + (size_t)gpt_thread_num() * 2 * V;
                if (done[b]) {
                    out[(size_t)b * max_new + step] = s->pad;
                    logprobs[(size_t)b * max_new + step] = 0;
                    tok[b] = s->pad >= 0 ? s->pad : 0;
                    continue;
                }
                int t = pick(lg, V, s, u[b], scratch);
                out[(size_t)b * max_new + step] = t;
                /* without a nucleus, pick left exp((logits - max) / temperature) in scratch */
                int sampled = !s->greedy && s->temperature > 1e-6f, plain = !(s->top_p > 0 && s->top_p < 1);
                float inv_t = sampled && s->lp_at_temperature ? 1.0f / s->temperature : 1.0f;
                logprobs[(size_t)b * max_new + step] =
                    log_softmax_at(lg, V, t, inv_t, scratch,
                                   sampled && plain && (s->temperature == 1.0f || s->lp_at_temperature));
                tok[b] = t;
            }
            for (int b = 0; b < B; b++) {
                if (done[b])
                    continue;
                len[b] = step + 1;
                if (tok[b] == s->eos) {
                    done[b] = 1;
                    active--;
                }
            }
            if (step == max_new - 1 || active == 0)
                break;
        }
        /* one index for every row: the token at index P + step, position
         * P + step - start[b] */
        int pos = P + step;
        for (int b = 0; b < B; b++) {
            int rp = pos - (start ? start[b] : 0);
            for (int i = 0; i < C; i++)
                x[(size_t)b * C + i] = n->p.wte[(size_t)tok[b] * C + i] + n->p.wpe[(size_t)rp * C + i];
        }
        for (int l = 0; l < L; l++) {
            layernorm_forward_f(ln, mean, rstd, x, n->p.ln1w + (size_t)l * C, n->p.ln1b + (size_t)l * C, (size_t)B,
                                C);
            matmul_forward_f(qkv, ln, n->p.qkvw + (size_t)l * 3 * C * C, n->p.qkvb + (size_t)l * 3 * C, (size_t)B, C,
                             3 * C);
            for (int b = 0; b < B; b++) {
                for (int h = 0; h < NH; h++) {
                    size_t o = ((((size_t)l * B + b) * NH + h) * Tm + pos) * hs;
                    memcpy(kc + o, qkv + (size_t)b * 3 * C + C + h * hs, (size_t)hs * sizeof *kc);
                    memcpy(vc + o, qkv + (size_t)b * 3 * C + 2 * C + h * hs, (size_t)hs * sizeof *vc);
                }
            }
            float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for collapse(2) schedule(static)
            for (int b = 0; b < B; b++)
                for (int h = 0; h < NH; h++) {
                    float *att = att_all + (size_t)gpt_thread_num() * Tm;
                    const float *q = qkv + (size_t)b * 3 * C + h * hs;
                    const float *kb = kc + (((size_t)l * B + b) * NH + h) * Tm * hs;
                    const float *vb = vc + (((size_t)l * B + b) * NH + h) * Tm * hs;
                    /* scores = K q over the cached rows after the padding, then y = V^T p */
                    int lo = start ? start[b] : 0;
                    for (int t2 = lo; t2 <= pos; t2++)
                        att[t2] = dot_f(q, kb + (size_t)t2 * hs, hs) * scale;
                    float mx = att[lo], sum = 0;
                    for (int t2 = lo + 1; t2 <= pos; t2++)
                        mx = att[t2] > mx ? att[t2] : mx;
                    for (int t2 = lo; t2 <= pos; t2++)
                        att[t2] = vexpf(att[t2] - mx);
                    for (int t2 = lo; t2 <= pos; t2++)
                        sum += att[t2];
                    float *restrict yo = y + (size_t)b * C + h * hs, inv = 1 / sum;
                    for (int i = 0; i < hs; i++)
                        yo[i] = 0;
                    for (int t2 = lo; t2 <= pos; t2++) {
                        const float *restrict vr = vb + (size_t)t2 * hs;
                        float w = att[t2] * inv;
                        for (int i = 0; i < hs; i++)
                            yo[i] += w * vr[i];
                    }
                }
            matmul_forward_f(proj, y, n->p.attprojw + (size_t)l * C * C, n->p.attprojb + (size_t)l * C, (size_t)B, C,
                             C);
            for (size_t i = 0; i < (size_t)B * C; i++)
                x[i] += proj[i];
            layernorm_forward_f(ln, mean, rstd, x, n->p.ln2w + (size_t)l * C, n->p.ln2b + (size_t)l * C, (size_t)B,
                                C);
            matmul_forward_f(fc, ln, n->p.fcw + (size_t)l * 4 * C * C, n->p.fcb + (size_t)l * 4 * C, (size_t)B, C,
                             4 * C);
            gelu_forward_f(fcg, fc, (size_t)B * 4 * C);
            matmul_forward_f(proj, fcg, n->p.fcprojw + (size_t)l * 4 * C * C, n->p.fcprojb + (size_t)l * C,
                             (size_t)B, 4 * C, C);
            for (size_t i = 0; i < (size_t)B * C; i++)
                x[i] += proj[i];
        }
        layernorm_forward_f(ln, mean, rstd, x, n->p.lnfw, n->p.lnfb, (size_t)B, C);
        matmul_forward_f(logits, ln, n->p.wte, NULL, (size_t)B, C, V);
    }
    for (int b = 0; b < B; b++)
        for (int step = len[b]; step < max_new; step++) {
            out[(size_t)b * max_new + step] = s->pad;
            logprobs[(size_t)b * max_new + step] = 0;
        }
    free(logits);
    free(x);
    free(ln);
    free(mean);
    free(rstd);
    free(qkv);
    free(y);
    free(proj);
    free(fc);
    free(fcg);
    free(att_all);
    free(scratch_all);
    free(u);
    free(tok);
    free(done);
    return 0;
}

int gpt_sample(Gpt *g, const int32_t *prompts, int B, int P, int max_new, const GptSampler *s, gsl_rng *rng,
               int32_t *out, float *logprobs, int *len, TlError *err)
{
    return gpt_sample_ragged(g, prompts, NULL, B, P, max_new, s, rng, out, logprobs, len, err);
}

int gpt_sample_ragged(Gpt *g, const int32_t *prompts, const int32_t *start, int B, int P, int max_new,
                      const GptSampler *s, gsl_rng *rng, int32_t *out, float *logprobs, int *len, TlError *err)
{
    return sample(g, prompts, start, B, P, max_new, s, rng, NULL, out, logprobs, len, err);
}

int gpt_sample_rows(Gpt *g, const int32_t *prompts, const int32_t *start, int B, int P, int max_new,
                    const GptSampler *s, gsl_rng *const *rows, int32_t *out, float *logprobs, int *len, TlError *err)
{
    return sample(g, prompts, start, B, P, max_new, s, NULL, rows, out, logprobs, len, err);
}
