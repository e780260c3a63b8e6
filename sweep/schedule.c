/* schedule.c — the stage graph on several ranks, by the estimates: the
 * priorities the scheduler starts ready stages by, the schedule --dry-run
 * prints, and the critical path (sweep.h). */
#include "sweep/sweep.h"
#include "common/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sweep_stage_width(const Stage *s, int nranks)
{
    if (s->kind != STAGE_CMD)
        return 0;
    int r = s->ranks > 1 ? s->ranks : 1;
    return r < nranks ? r : (nranks > 0 ? nranks : 1);
}

double sweep_stage_seconds(const Stage *s, int nranks)
{
    int w = sweep_stage_width(s, nranks);
    return s->est_seconds / (w > 1 ? w : 1);
}

static double dur_of(const SweepPlan *p, const int *pending, const double *dur, int nranks, size_t i)
{
    if (!pending[i])
        return 0;
    return dur ? dur[i] : sweep_stage_seconds(&p->st[i], nranks);
}

/* The stages are in an order where each comes after its inputs, so one
 * pass from the end gives every stage the longest chain after it. */
void sweep_priorities(const SweepPlan *p, const int *pending, const double *dur, int nranks, double *prio)
{
    for (size_t i = 0; i < p->n; i++)
        prio[i] = dur_of(p, pending, dur, nranks, i);
    for (size_t i = p->n; i-- > 0;)
        for (int k = 0; k < p->st[i].ndeps; k++) {
            int d = p->st[i].deps[k];
            double v = dur_of(p, pending, dur, nranks, (size_t)d) + prio[i];
            if (v > prio[d])
                prio[d] = v;
        }
}

double sweep_schedule(const SweepPlan *p, const int *pending, const double *dur, int nranks, double *start, int *rank,
                      int *crit, int *ncrit)
{
    size_t n = p->n;
    if (nranks < 1)
        nranks = 1;
    double *prio = xmalloc((n + 1) * sizeof *prio), *end = xmalloc((n + 1) * sizeof *end);
    int *owner = xmalloc((size_t)nranks * sizeof *owner);
    int *state = xcalloc(n + 1, sizeof *state); /* 0 waiting, 1 running, 2 ended (or not run) */
    sweep_priorities(p, pending, dur, nranks, prio);
    for (int q = 0; q < nranks; q++)
        owner[q] = -1;
    for (size_t i = 0; i < n; i++) {
        if (start)
            start[i] = 0;
        if (rank)
            rank[i] = -1;
        end[i] = 0;
        state[i] = pending[i] ? 0 : 2;
    }
    /* As the runner does: at time t, the ready stage of highest priority
     * starts on the lowest free ranks, then the next, until one needs more
     * ranks than are free; then t moves to the next stage's end. */
    double t = 0;
    for (;;) {
        for (;;) {
            long best = -1;
            for (size_t i = 0; i < n; i++) {
                if (state[i] != 0)
                    continue;
                int ready = 1;
                for (int k = 0; k < p->st[i].ndeps && ready; k++)
                    ready = state[p->st[i].deps[k]] == 2;
                if (ready && (best < 0 || prio[i] > prio[best] + 1e-9))
                    best = (long)i;
            }
            if (best < 0)
                break;
            int w = sweep_stage_width(&p->st[best], nranks), nfree = 0;
            for (int q = 0; q < nranks; q++)
                nfree += owner[q] < 0;
            if (w > nfree)
                break;
            int first = -1;
            for (int q = 0, k = 0; q < nranks && k < w; q++)
                if (owner[q] < 0) {
                    owner[q] = (int)best, k++;
                    first = first < 0 ? q : first;
                }
            state[best] = 1;
            end[best] = t + dur_of(p, pending, dur, nranks, (size_t)best);
            if (start)
                start[best] = t;
            if (rank)
                rank[best] = first;
        }
        double next = INFINITY;
        for (size_t i = 0; i < n; i++)
            if (state[i] == 1)
                next = fmin(next, end[i]);
        if (isinf(next))
            break;
        t = next;
        for (size_t i = 0; i < n; i++)
            if (state[i] == 1 && end[i] <= t) {
                state[i] = 2;
                for (int q = 0; q < nranks; q++)
                    if (owner[q] == (int)i)
                        owner[q] = -1;
            }
    }
    double makespan = t;
    if (crit && ncrit) {
        /* from the stage of highest priority with no inputs to run, along
         * the successor whose priority carries it */
        *ncrit = 0;
        long cur = -1;
        for (size_t i = 0; i < n; i++)
            if (pending[i] && (cur < 0 || prio[i] > prio[cur] + 1e-9)) {
                int root = 1;
                for (int k = 0; k < p->st[i].ndeps && root; k++)
                    root = !pending[p->st[i].deps[k]];
                if (root)
                    cur = (long)i;
            }
        while (cur >= 0) {
            crit[(*ncrit)++] = (int)cur;
            double want = prio[cur] - dur_of(p, pending, dur, nranks, (size_t)cur);
            long next = -1;
            for (size_t j = (size_t)cur + 1; j < n && want > 1e-9; j++) {
                if (!pending[j])
                    continue;
                for (int k = 0; k < p->st[j].ndeps; k++)
                    if (p->st[j].deps[k] == cur && fabs(prio[j] - want) <= 1e-6 * fmax(1, want)) {
                        next = (long)j;
                        break;
                    }
                if (next >= 0)
                    break;
            }
            cur = next;
        }
    }
    free(prio), free(end), free(owner), free(state);
    return makespan;
}
