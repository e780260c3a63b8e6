/* config.c — the sweep config: read, checked key by key, defaults filled. */
#include "sweep/sweep.h"
#include "common/util.h"
#include "world/world.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Reading state: the source for messages and the first error. */
typedef struct {
    const JsonSrc *src;
    TlError *err;
    int bad;
} Rd;

static int fail(Rd *r, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(Rd *r, const char *path, const char *fmt, ...)
{
    if (r->bad)
        return -1;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_src_error(r->err, r->src, path, "%s", msg);
    r->bad = 1;
    return -1;
}

/* Refuses a key of obj (at path) that is not in known. */
static void known_keys(Rd *r, const cJSON *obj, const char *path, const char *const *known, size_t nk)
{
    for (const cJSON *v = obj ? obj->child : NULL; v && !r->bad; v = v->next) {
        size_t k = 0;
        while (k < nk && strcmp(v->string, known[k]) != 0)
            k++;
        if (k < nk)
            continue;
        char list[400] = "", full[160];
        for (k = 0; k < nk; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", known[k]);
        snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", v->string);
        fail(r, full, "unknown key (known here: %s)", list);
    }
}

/* The object at obj.key (NULL when absent); an error when it is not one. */
static const cJSON *section(Rd *r, const cJSON *obj, const char *key)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (s && !cJSON_IsObject(s)) {
        fail(r, key, "expected an object");
        return NULL;
    }
    return s;
}

static void path_of(char *buf, size_t cap, const char *sec, const char *key)
{
    snprintf(buf, cap, "%s%s%s", sec, *sec ? "." : "", key);
}

/* A whole number in [lo, hi] at sec.key, or def when absent. */
static long get_int(Rd *r, const cJSON *obj, const char *sec, const char *key, long lo, long hi, long def)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!v)
        return def;
    char p[160];
    path_of(p, sizeof p, sec, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < (double)lo ||
        v->valuedouble > (double)hi) {
        fail(r, p, "expected a whole number from %ld to %ld", lo, hi);
        return def;
    }
    return (long)v->valuedouble;
}

/* A number at sec.key with lo < x (lo_open) or lo <= x, and x <= hi. */
static double get_num(Rd *r, const cJSON *obj, const char *sec, const char *key, double lo, int lo_open, double hi,
                      double def)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!v)
        return def;
    char p[160];
    path_of(p, sizeof p, sec, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        fail(r, p, "expected a number");
        return def;
    }
    double x = v->valuedouble;
    if (lo_open ? !(x > lo) : !(x >= lo))
        fail(r, p, "must be %s %g", lo_open ? ">" : ">=", lo);
    else if (x > hi)
        fail(r, p, "must be <= %g", hi);
    return x;
}

/* A list of numbers (each as get_num checks it) at sec.key; *n = count.
 * whole: each a whole number. Absent: def[0..ndef). */
static void get_list(Rd *r, const cJSON *obj, const char *sec, const char *key, double lo, int lo_open, double hi,
                     int whole, double *out, int *n, const double *def, int ndef)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    char p[160];
    path_of(p, sizeof p, sec, key);
    if (!v) {
        if (ndef)
            memcpy(out, def, (size_t)ndef * sizeof *out);
        *n = ndef;
        return;
    }
    *n = 0;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > SWEEP_MAX_LIST) {
        fail(r, p, "expected a list of 1 to %d numbers", SWEEP_MAX_LIST);
        return;
    }
    int k = 0;
    for (const cJSON *x = v->child; x; x = x->next, k++) {
        char pi[180];
        snprintf(pi, sizeof pi, "%s[%d]", p, k);
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || (whole && x->valuedouble != floor(x->valuedouble))) {
            fail(r, pi, "expected a %s", whole ? "whole number" : "number");
            return;
        }
        double d = x->valuedouble;
        if (lo_open ? !(d > lo) : !(d >= lo)) {
            fail(r, pi, "must be %s %g", lo_open ? ">" : ">=", lo);
            return;
        }
        if (d > hi) {
            fail(r, pi, "must be <= %g", hi);
            return;
        }
        for (int j = 0; j < k; j++)
            if (out[j] == d) {
                fail(r, pi, "%g is in the list twice", d);
                return;
            }
        out[(*n)++] = d;
    }
}

static void get_str(Rd *r, const cJSON *obj, const char *sec, const char *key, char *out, size_t cap, int is_name)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (!v)
        return;
    char p[160];
    path_of(p, sizeof p, sec, key);
    if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) >= cap) {
        fail(r, p, "expected a non-empty string of at most %zu bytes", cap - 1);
        return;
    }
    if (is_name)
        for (const char *s = v->valuestring; *s; s++)
            if (!(((*s | 32) >= 'a' && (*s | 32) <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
                  *s == '.')) {
                fail(r, p, "expected letters, digits, '_', '-' or '.' (it names folders and policies), got '%s'",
                     v->valuestring);
                return;
            }
    snprintf(out, cap, "%s", v->valuestring);
}

static void read_train(Rd *r, const cJSON *root, const char *key, SweepTrain *t, long steps, long batch, double lr)
{
    const cJSON *s = section(r, root, key);
    static const char *const K[] = {"steps", "batch", "lr", "ranks"};
    known_keys(r, s, key, K, 4);
    t->steps = get_int(r, s, key, "steps", 1, 100000000, steps);
    t->batch = get_int(r, s, key, "batch", 1, 100000, batch);
    t->lr = get_num(r, s, key, "lr", 0, 1, 10, lr);
    t->ranks = get_int(r, s, key, "ranks", 1, 4096, 1);
}

static void read_sizes(Rd *r, const cJSON *root, SweepConfig *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "sizes");
    if (!v) {
        c->nsizes = 1;
        c->sizes[0] = (SweepSize){"s", 2, 64, 2};
        return;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > SWEEP_MAX_SIZES) {
        fail(r, "sizes", "expected a list of 1 to %d model sizes ({\"name\", \"L\", \"C\", \"NH\"})", SWEEP_MAX_SIZES);
        return;
    }
    static const char *const K[] = {"name", "L", "C", "NH"};
    int k = 0;
    for (const cJSON *s = v->child; s && !r->bad; s = s->next, k++) {
        char p[32];
        snprintf(p, sizeof p, "sizes[%d]", k);
        if (!cJSON_IsObject(s)) {
            fail(r, p, "expected an object {\"name\", \"L\", \"C\", \"NH\"}");
            return;
        }
        known_keys(r, s, p, K, 4);
        SweepSize *z = &c->sizes[k];
        snprintf(z->name, sizeof z->name, "s%d", k);
        get_str(r, s, p, "name", z->name, sizeof z->name, 1);
        z->L = get_int(r, s, p, "L", 1, 96, 2);
        z->C = get_int(r, s, p, "C", 8, 8192, 64);
        z->NH = get_int(r, s, p, "NH", 1, 1024, z->C / 32 > 0 ? z->C / 32 : 1);
        if (!r->bad && z->C % z->NH != 0) {
            char pn[48];
            snprintf(pn, sizeof pn, "%s.NH", p);
            fail(r, pn, "expected a divisor of C = %ld, got %ld", z->C, z->NH);
        }
        for (int j = 0; j < k && !r->bad; j++)
            if (strcmp(c->sizes[j].name, z->name) == 0) {
                char pn[48];
                snprintf(pn, sizeof pn, "%s.name", p);
                fail(r, pn, "the name '%s' is given to sizes[%d] too", z->name, j);
            }
    }
    c->nsizes = k;
}

int sweep_config_read(SweepConfig *c, const char *path, TlError *err)
{
    memset(c, 0, sizeof *c);
    c->path = xstrdup(path);
    if (json_file_read(&c->file, path, "sweep config", err) != 0)
        return -1;
    const cJSON *root = c->file.json;
    Rd r = {&c->file.src, err, 0};
    if (!cJSON_IsObject(root))
        return fail(&r, "", "expected a JSON object (configs/README.md lists its keys)");
    static const char *const K[] = {"name", "seed", "seeds", "world", "reference", "judge", "labelers", "tokenizer", "context",
                                    "sizes", "pretrain", "sft", "comparisons", "rm", "ppo", "bon", "eval", "report"};
    known_keys(&r, root, "", K, sizeof K / sizeof K[0]);
    snprintf(c->name, sizeof c->name, "sweep");
    get_str(&r, root, "", "name", c->name, sizeof c->name, 1);
    c->seed = (uint64_t)get_int(&r, root, "", "seed", 0, 2147483647L, 1);
    /* Training seeds: each an independent replicate of every trained
     * policy and its evaluation; default the one seed. */
    double seeds[SWEEP_MAX_LIST], def_seed = (double)c->seed;
    get_list(&r, root, "", "seeds", 0, 0, 2147483647.0, 1, seeds, &c->nseeds, &def_seed, 1);
    for (int k = 0; k < c->nseeds; k++)
        c->seeds[k] = (uint64_t)seeds[k];

    /* The world's sections, checked by the world's own reader, with this
     * file's lines in its messages. */
    c->world_run = cJSON_CreateObject();
    cJSON_AddNumberToObject(c->world_run, "seed", (double)c->seed);
    static const char *const WS[] = {"world", "reference", "judge", "labelers"};
    for (int k = 0; k < 4; k++) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, WS[k]);
        if (s)
            cJSON_AddItemToObject(c->world_run, WS[k], cJSON_Duplicate(s, 1));
    }
    if (!r.bad) {
        WorldConfig wc;
        world_config_default(&wc);
        const cJSON *wseed = cJSON_DetachItemFromObjectCaseSensitive(c->world_run, "seed");
        if (world_config_from_json(&wc, c->world_run, &c->file.src, err) != 0)
            r.bad = 1;
        cJSON_AddItemToObject(c->world_run, "seed", (cJSON *)wseed);
    }

    const cJSON *tok = section(&r, root, "tokenizer");
    static const char *const KT[] = {"vocab"};
    known_keys(&r, tok, "tokenizer", KT, 1);
    c->vocab = get_int(&r, tok, "tokenizer", "vocab", 258, 65536, 2048);
    c->context = get_int(&r, root, "", "context", 16, 65536, 256);
    read_sizes(&r, root, c);
    read_train(&r, root, "pretrain", &c->pretrain, 300, 8, 3e-3);
    read_train(&r, root, "sft", &c->sft, 200, 8, 1e-3);
    read_train(&r, root, "rm", &c->rm, 200, 8, 1e-4);

    const cJSON *cmp = section(&r, root, "comparisons");
    static const char *const KC[] = {"posts", "temperatures", "labels"};
    known_keys(&r, cmp, "comparisons", KC, 3);
    c->cmp_posts = get_int(&r, cmp, "comparisons", "posts", 1, 10000000, 400);
    c->cmp_labels = get_int(&r, cmp, "comparisons", "labels", 1, 100, 1);
    static const double TEMPS[] = {0.7, 1.0};
    get_list(&r, cmp, "comparisons", "temperatures", 0, 1, 10, 0, c->cmp_temps, &c->ncmp_temps, TEMPS, 2);

    const cJSON *ppo = section(&r, root, "ppo");
    static const char *const KP[] = {"betas", "kl_targets", "iterations", "episodes", "lr", "ranks"};
    known_keys(&r, ppo, "ppo", KP, 6);
    static const double BETAS[] = {0.01, 0.05, 0.2};
    get_list(&r, ppo, "ppo", "betas", 0, 1, 100, 0, c->betas, &c->nbetas, BETAS, 3);
    get_list(&r, ppo, "ppo", "kl_targets", 0, 1, 1000, 0, c->kl_targets, &c->nkl_targets, NULL, 0);
    c->ppo_iterations = get_int(&r, ppo, "ppo", "iterations", 1, 1000000, 20);
    c->ppo_episodes = get_int(&r, ppo, "ppo", "episodes", 1, 100000, 32);
    c->ppo_lr = get_num(&r, ppo, "ppo", "lr", 0, 1, 10, 3e-5);
    c->ppo_ranks = get_int(&r, ppo, "ppo", "ranks", 1, 4096, 1);

    const cJSON *bon = section(&r, root, "bon");
    static const char *const KB[] = {"n"};
    known_keys(&r, bon, "bon", KB, 1);
    static const double NS[] = {4, 16};
    double ns[SWEEP_MAX_LIST];
    get_list(&r, bon, "bon", "n", 1, 0, 4096, 1, ns, &c->nbon, NS, 2);
    for (int k = 0; k < c->nbon; k++)
        c->bon_n[k] = (long)ns[k];

    const cJSON *ev = section(&r, root, "eval");
    static const char *const KE[] = {"posts", "articles", "labels", "ratings"};
    known_keys(&r, ev, "eval", KE, 4);
    c->eval_posts = get_int(&r, ev, "eval", "posts", 1, 10000000, 100);
    c->eval_articles = get_int(&r, ev, "eval", "articles", 0, 10000000, 20);
    c->eval_labels = get_int(&r, ev, "eval", "labels", 1, 100, 3);
    c->eval_ratings = get_int(&r, ev, "eval", "ratings", 1, 100, 1);

    const cJSON *rep = section(&r, root, "report");
    static const char *const KR[] = {"title"};
    known_keys(&r, rep, "report", KR, 1);
    snprintf(c->title, sizeof c->title, "Sweep %s: pretrained, supervised, PPO and best-of-N policies", c->name);
    get_str(&r, rep, "report", "title", c->title, sizeof c->title, 0);
    return r.bad ? -1 : 0;
}

static cJSON *train_json(const SweepTrain *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "steps", (double)t->steps);
    cJSON_AddNumberToObject(o, "batch", (double)t->batch);
    cJSON_AddNumberToObject(o, "lr", t->lr);
    cJSON_AddNumberToObject(o, "ranks", (double)t->ranks);
    return o;
}

cJSON *sweep_config_resolved(const SweepConfig *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddNumberToObject(o, "seed", (double)c->seed);
    cJSON *sd = cJSON_AddArrayToObject(o, "seeds");
    for (int k = 0; k < c->nseeds; k++)
        cJSON_AddItemToArray(sd, cJSON_CreateNumber((double)c->seeds[k]));
    for (const cJSON *s = c->world_run->child; s; s = s->next)
        if (strcmp(s->string, "seed") != 0)
            cJSON_AddItemToObject(o, s->string, cJSON_Duplicate(s, 1));
    cJSON *t = cJSON_AddObjectToObject(o, "tokenizer");
    cJSON_AddNumberToObject(t, "vocab", (double)c->vocab);
    cJSON_AddNumberToObject(o, "context", (double)c->context);
    cJSON *sz = cJSON_AddArrayToObject(o, "sizes");
    for (int k = 0; k < c->nsizes; k++) {
        cJSON *z = cJSON_CreateObject();
        cJSON_AddStringToObject(z, "name", c->sizes[k].name);
        cJSON_AddNumberToObject(z, "L", (double)c->sizes[k].L);
        cJSON_AddNumberToObject(z, "C", (double)c->sizes[k].C);
        cJSON_AddNumberToObject(z, "NH", (double)c->sizes[k].NH);
        cJSON_AddItemToArray(sz, z);
    }
    cJSON_AddItemToObject(o, "pretrain", train_json(&c->pretrain));
    cJSON_AddItemToObject(o, "sft", train_json(&c->sft));
    cJSON *cm = cJSON_AddObjectToObject(o, "comparisons");
    cJSON_AddNumberToObject(cm, "posts", (double)c->cmp_posts);
    cJSON_AddItemToObject(cm, "temperatures", cJSON_CreateDoubleArray(c->cmp_temps, c->ncmp_temps));
    cJSON_AddNumberToObject(cm, "labels", (double)c->cmp_labels);
    cJSON_AddItemToObject(o, "rm", train_json(&c->rm));
    cJSON *pp = cJSON_AddObjectToObject(o, "ppo");
    cJSON_AddItemToObject(pp, "betas", cJSON_CreateDoubleArray(c->betas, c->nbetas));
    cJSON_AddItemToObject(pp, "kl_targets", cJSON_CreateDoubleArray(c->kl_targets, c->nkl_targets));
    cJSON_AddNumberToObject(pp, "iterations", (double)c->ppo_iterations);
    cJSON_AddNumberToObject(pp, "episodes", (double)c->ppo_episodes);
    cJSON_AddNumberToObject(pp, "lr", c->ppo_lr);
    cJSON_AddNumberToObject(pp, "ranks", (double)c->ppo_ranks);
    cJSON *bn = cJSON_AddObjectToObject(o, "bon");
    cJSON *ns = cJSON_AddArrayToObject(bn, "n");
    for (int k = 0; k < c->nbon; k++)
        cJSON_AddItemToArray(ns, cJSON_CreateNumber((double)c->bon_n[k]));
    cJSON *ev = cJSON_AddObjectToObject(o, "eval");
    cJSON_AddNumberToObject(ev, "posts", (double)c->eval_posts);
    cJSON_AddNumberToObject(ev, "articles", (double)c->eval_articles);
    cJSON_AddNumberToObject(ev, "labels", (double)c->eval_labels);
    cJSON_AddNumberToObject(ev, "ratings", (double)c->eval_ratings);
    cJSON *rp = cJSON_AddObjectToObject(o, "report");
    cJSON_AddStringToObject(rp, "title", c->title);
    return o;
}

void sweep_config_free(SweepConfig *c)
{
    json_file_free(&c->file);
    cJSON_Delete(c->world_run);
    free(c->path);
    memset(c, 0, sizeof *c);
}
