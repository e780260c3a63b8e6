/* estimate.c — a stage's expected time from the engine's measured speed. */
#include "sweep/sweep.h"
#include "common/util.h"
#include "train/gpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonl.h"

/* Seconds per token of one training step (forward and backward) of a
 * model of size z, at B sequences of T tokens: the fastest of five after a
 * warm-up, since other work on the machine only ever slows a step down. */
static double measure(const SweepSize *z, long V, long T)
{
    GptConfig gc = {(int)z->L, (int)z->C, (int)z->NH, (int)T, (int)V, 0};
    Gpt g;
    gpt_init(&g, &gc, 1);
    const int B = 4;
    int32_t *in = xmalloc((size_t)B * (size_t)T * sizeof *in), *tg = xmalloc((size_t)B * (size_t)T * sizeof *tg);
    uint64_t x = 88172645463325252ULL;
    for (long i = 0; i < B * T; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        in[i] = (int32_t)(x % (uint64_t)V);
        tg[i] = (int32_t)((x >> 20) % (uint64_t)V);
    }
    double best = 0;
    for (int rep = 0; rep < 6; rep++) {
        double t0 = util_now();
        gpt_zero_grad(&g);
        gpt_forward(&g, in, tg, NULL, NULL, B, (int)T);
        gpt_backward(&g, NULL);
        double dt = util_now() - t0;
        if (rep == 1 || (rep > 1 && dt < best))
            best = dt;
    }
    double s = best / (double)(B * T);
    free(in);
    free(tg);
    gpt_free(&g);
    return s;
}

void sweep_estimate(SweepPlan *p, const SweepConfig *c, double *sec_per_token)
{
    for (int k = 0; k < c->nsizes; k++)
        sec_per_token[k] = measure(&c->sizes[k], c->vocab, c->context);
    for (size_t i = 0; i < p->n; i++)
        if (p->st[i].size >= 0)
            p->st[i].est_seconds += p->st[i].work * sec_per_token[p->st[i].size];
}

/* The group of a stage id: its first part after a seed's "seeds/N/". */
static void group_of(const char *id, char *out, size_t cap)
{
    if (strncmp(id, "seeds/", 6) == 0 && strchr(id + 6, '/'))
        id = strchr(id + 6, '/') + 1;
    snprintf(out, cap, "%.*s", (int)strcspn(id, "/"), id);
}

int sweep_calibrate(SweepPlan *p, const char *run_dir, char *note, size_t cap, TlError *err)
{
    char *path = util_path_join(run_dir, "manifest.json");
    JsonFile f;
    if (json_file_read(&f, path, "sweep manifest", err) != 0) {
        json_file_free(&f);
        free(path);
        return -1;
    }
    enum { MAXG = 32 };
    char names[MAXG][24];
    double meas[MAXG] = {0}, est[MAXG] = {0};
    int ng = 0;
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(f.json, "stages");
    for (const cJSON *e = stages ? stages->child : NULL; e; e = e->next) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
        const cJSON *sec = cJSON_GetObjectItemCaseSensitive(e, "seconds");
        const cJSON *es = cJSON_GetObjectItemCaseSensitive(e, "estimated_seconds");
        if (!cJSON_IsString(st) || strcmp(st->valuestring, "done") != 0 || !cJSON_IsNumber(sec) || !cJSON_IsNumber(es))
            continue;
        char g[24];
        group_of(e->string, g, sizeof g);
        int k = 0;
        while (k < ng && strcmp(names[k], g) != 0)
            k++;
        if (k == ng) {
            if (ng == MAXG)
                continue;
            snprintf(names[ng++], sizeof names[0], "%s", g);
        }
        meas[k] += sec->valuedouble;
        est[k] += es->valuedouble;
    }
    json_file_free(&f);
    if (ng == 0) {
        tlerr_set(err, "%s: no finished stage with its measured and estimated seconds to calibrate with", path);
        free(path);
        return -1;
    }
    free(path);
    note[0] = '\0';
    for (int k = 0; k < ng; k++)
        if (est[k] > 0)
            snprintf(note + strlen(note), cap - strlen(note), "%s%s %.2f", k ? ", " : "", names[k], meas[k] / est[k]);
    for (size_t i = 0; i < p->n; i++) {
        char g[24];
        group_of(p->st[i].id, g, sizeof g);
        for (int k = 0; k < ng; k++)
            if (strcmp(names[k], g) == 0 && est[k] > 0)
                p->st[i].est_seconds *= meas[k] / est[k];
    }
    return 0;
}
