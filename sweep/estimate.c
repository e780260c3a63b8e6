/* estimate.c — a stage's expected time from the engine's measured speed. */
#include "sweep/sweep.h"
#include "common/util.h"
#include "train/gpt.h"

#include <stdlib.h>
#include <time.h>

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
