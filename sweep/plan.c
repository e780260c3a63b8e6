/* plan.c — the stage graph of a sweep config.
 *
 * Folders of a run (DIR):
 *   world_config.json, data/world/       the world and its config
 *   policies/NAME/                       pretrain_S, sup_S, rm_S, ppo_S_bB, bon_S_nN
 *   samples/                             training and evaluation samples
 *   comparisons/, axis_evals/            the labelers' records (released format);
 *                                        comparisons/gold_eval_*: the gold judge's
 *   rm_scores.csv, meta.json, judge/     RM scores, merged policy metadata, gold
 *   report/                              the report */
#include "sweep/sweep.h"
#include "common/strbuf.h"
#include "common/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXA 2048

typedef struct {
    char *a[MAXA];
    int n;
} Args;

static void arg(Args *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(Args *x, const char *fmt, ...)
{
    if (x->n >= MAXA - 1)
        tl_die(TL_EXIT_RUNTIME, "internal error: a stage with more than %d arguments", MAXA - 1);
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    x->a[x->n++] = xstrdup(buf);
}

/* Adds a stage; returns its index. deps end with -1. */
static int add(SweepPlan *p, StageKind kind, const char *group, const char *id, const char *out, Args *x,
               int resumable, double est, const int *deps)
{
    GROW(p->st, p->cap, p->n + 1);
    Stage *s = &p->st[p->n];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    snprintf(s->group, sizeof s->group, "%s", group);
    snprintf(s->id, sizeof s->id, "%s%s", p->prefix, id);
    size_t np = strlen(p->prefix);
    if (np) {
        snprintf(s->cwd, sizeof s->cwd, "%.*s", (int)(np - 1), p->prefix);
        s->out = util_path_join(s->cwd, out);
    } else
        s->out = xstrdup(out);
    s->resumable = resumable;
    s->est_seconds = est;
    s->size = -1;
    s->ranks = 1;
    if (x) {
        s->argv = xcalloc((size_t)x->n + 1, sizeof *s->argv);
        memcpy(s->argv, x->a, (size_t)x->n * sizeof *s->argv);
        s->argc = x->n;
        x->n = 0;
    }
    for (int k = 0; deps && deps[k] >= 0; k++) {
        if (s->ndeps == (int)(sizeof s->deps / sizeof s->deps[0]))
            tl_die(TL_EXIT_RUNTIME, "internal error: stage %s has too many inputs", id);
        s->deps[s->ndeps++] = deps[k];
    }
    return (int)p->n++;
}

/* Stage i's output relative to the folder it runs in (its cwd). */
static const char *rel(const SweepPlan *p, int i)
{
    const Stage *s = &p->st[i];
    size_t n = strlen(s->cwd);
    return n ? s->out + n + 1 : s->out;
}

/* Adds the samples files of stages st[0..n) as arguments (a best-of-N
 * stage's folder holds tldr_valid2.jsonl) and copies st into deps;
 * returns n. */
static int arg_samples(const SweepPlan *p, Args *x, const int *st, int n, int *deps)
{
    for (int k = 0; k < n; k++) {
        const Stage *s = &p->st[st[k]];
        if (strcmp(s->group, "bon") == 0)
            arg(x, "%s/tldr_valid2.jsonl", rel(p, st[k]));
        else
            arg(x, "%s", rel(p, st[k]));
        deps[k] = st[k];
    }
    return n;
}

/* The labelers' comparisons of samples stage sm (policy pname, dataset ds,
 * d = 1 for news) with the references of stage ref, and their 1-7 ratings
 * of it; both added to evals. */
static void eval_stages(SweepPlan *p, Args *x, const SweepConfig *c, const char *pname, const char *ds, int d, int sm,
                        int ref, int lab, int *evals, int *nevals)
{
    char bn[96], id[128], out[160];
    snprintf(bn, sizeof bn, "eval_%s_%s", pname, ds);
    snprintf(id, sizeof id, "eval/%s/%s/compare", pname, ds);
    snprintf(out, sizeof out, "comparisons/%s.json", bn);
    arg(x, "label"), arg(x, "compare"), arg(x, "--world"), arg(x, "data/world"), arg(x, "--batch-name"), arg(x, "%s", bn),
        arg(x, "--labels"), arg(x, "%ld", c->eval_labels), arg(x, "--seed"), arg(x, "%d", lab + 300 + d), arg(x, "--out"),
        arg(x, "%s", out), arg(x, "--quiet"), arg(x, "%s", rel(p, sm)), arg(x, "%s", rel(p, ref));
    evals[(*nevals)++] = add(p, STAGE_CMD, "eval", id, out, x, 0, 1, (int[]){sm, ref, -1});
    snprintf(id, sizeof id, "eval/%s/%s/rate", pname, ds);
    snprintf(out, sizeof out, "axis_evals/%s.json", bn);
    arg(x, "label"), arg(x, "rate"), arg(x, "--world"), arg(x, "data/world"), arg(x, "--batch-name"), arg(x, "%s", bn),
        arg(x, "--labels"), arg(x, "%ld", c->eval_ratings), arg(x, "--seed"), arg(x, "%d", lab + 400 + d), arg(x, "--out"), arg(x, "%s", out),
        arg(x, "--quiet"), arg(x, "%s", rel(p, sm));
    evals[(*nevals)++] = add(p, STAGE_CMD, "eval", id, out, x, 0, 1, (int[]){sm, -1});
}

/* The gold judge's own choices between the samples of stage sm (policy
 * pname, dataset ds, d = 1 for news) and the references of stage ref, in
 * the released format (label compare --gold --labels 0: worker "gold"
 * only; ties are left out). Added to golds, never to evals: the report
 * reads them with --gold, apart from the labelers' win rates. */
static void gold_stage(SweepPlan *p, Args *x, const char *pname, const char *ds, int d, const char *samples, int sm,
                       int ref, int *golds, int *ngolds)
{
    char bn[96], id[128], out[160];
    snprintf(bn, sizeof bn, "gold_eval_%s_%s", pname, ds);
    snprintf(id, sizeof id, "eval/%s/%s/gold", pname, ds);
    snprintf(out, sizeof out, "comparisons/%s.json", bn);
    arg(x, "label"), arg(x, "compare"), arg(x, "--world"), arg(x, "data/world"), arg(x, "--batch-name"), arg(x, "%s", bn),
        arg(x, "--labels"), arg(x, "0"), arg(x, "--gold"), arg(x, "--seed"), arg(x, "%d", 500 + d), arg(x, "--out"),
        arg(x, "%s", out), arg(x, "--quiet"), arg(x, "%s", samples), arg(x, "%s", rel(p, ref));
    golds[(*ngolds)++] = add(p, STAGE_CMD, "eval", id, out, x, 0, 1, (int[]){sm, ref, -1});
}

/* A stage's work in tokens through a forward and backward pass of its
 * model (sweep_estimate turns it into seconds): training is steps x batch
 * x T; sampling a prompt of up to T tokens and a summary with the KV
 * cache costs about half of that per document (forward only, about a
 * third of forward and backward, for the prompt and the new tokens); a
 * PPO iteration about 10 per episode (rollout, four scoring passes, four
 * epochs of policy and value updates); best-of-N's N samples and their
 * scoring about 0.6 per sample. */
#define SAMPLE_WORK 0.5
#define PPO_WORK 10.0
#define BON_WORK 0.6

static void set_work(SweepPlan *p, int i, int size, double tokens)
{
    p->st[i].size = size;
    p->st[i].work = tokens;
}

/* One seed's whole run, from the world to its report, in p->prefix:
 * training seeds from seed, the labelers' and samplers' seeds offset by
 * lab (0 for the first seed, so that a one-seed run's commands do not
 * depend on it). Returns the index of its report stage. */
static int plan_seed(const SweepConfig *c, SweepPlan *p, uint64_t seed, int lab)
{
    Args x = {{0}, 0};
    char id[96], out[512];
    const char *W = "data/world";
    const long T = c->context, V = c->vocab;

    /* The world. */
    int wcfg = add(p, STAGE_WRITE, "world", "world/config", "world_config.json", NULL, 0, 0, NULL);
    p->st[wcfg].text = cJSON_Print(c->world_run);
    arg(&x, "world"), arg(&x, "generate"), arg(&x, "--config"), arg(&x, "world_config.json"), arg(&x, "--out"),
        arg(&x, "%s", W), arg(&x, "--quiet");
    int world = add(p, STAGE_CMD, "world", "world", W, &x, 0, 5, (int[]){wcfg, -1});

    /* Baselines: references of the training and evaluation splits. */
    arg(&x, "baseline"), arg(&x, "ref"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--split"), arg(&x, "train"),
        arg(&x, "--dataset"), arg(&x, "tldr"), arg(&x, "--out"), arg(&x, "samples/ref_train.jsonl");
    int ref_train = add(p, STAGE_CMD, "baselines", "baselines/ref_train", "samples/ref_train.jsonl", &x, 0, 1,
                        (int[]){world, -1});
    arg(&x, "baseline"), arg(&x, "ref"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--dataset"), arg(&x, "tldr"),
        arg(&x, "--out"), arg(&x, "samples/eval/ref_tldr.jsonl");
    int ref_tldr = add(p, STAGE_CMD, "baselines", "baselines/ref_tldr", "samples/eval/ref_tldr.jsonl", &x, 0, 1,
                       (int[]){world, -1});
    int ref_news = -1;
    if (c->eval_articles > 0) {
        arg(&x, "baseline"), arg(&x, "ref"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--dataset"),
            arg(&x, "news"), arg(&x, "--out"), arg(&x, "samples/eval/ref_news.jsonl");
        ref_news = add(p, STAGE_CMD, "baselines", "baselines/ref_news", "samples/eval/ref_news.jsonl", &x, 0, 1,
                       (int[]){world, -1});
    }

    /* The references are rated on the four axes too: the baseline of the
     * Likert tables' length control. */
    int evals[256], nevals = 0;        /* comparisons and axis evals, for the report */
    for (int d = 0; d < (ref_news >= 0 ? 2 : 1); d++) {
        const char *ds = d ? "news" : "tldr";
        int ref = d ? ref_news : ref_tldr;
        snprintf(id, sizeof id, "eval/ref/%s/rate", ds);
        snprintf(out, sizeof out, "axis_evals/eval_ref_%s.json", ds);
        arg(&x, "label"), arg(&x, "rate"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--batch-name"),
            arg(&x, "eval_ref_%s", ds), arg(&x, "--labels"), arg(&x, "%ld", c->eval_ratings), arg(&x, "--seed"), arg(&x, "%d", lab + 400 + d),
            arg(&x, "--out"), arg(&x, "%s", out), arg(&x, "--quiet"), arg(&x, "%s", rel(p, ref));
        evals[nevals++] = add(p, STAGE_CMD, "eval", id, out, &x, 0, 1, (int[]){ref, -1});
    }

    /* Per size: the training stages, then every policy's evaluation. */
    int metas[128], nmetas = 0;        /* stages whose folder has a meta.json */
    int rmscores[SWEEP_MAX_SIZES], nrms = 0;
    int judged[256], njudged = 0;      /* samples judged by gold */
    int golds[256], ngolds = 0;        /* the gold judge's comparisons, for the report's --gold */
    /* Summaries without a model, evaluated as the policies are: the first
     * three sentences (lead-3) and the title, on both datasets. */
    static const char *const BASES[] = {"lead3", "title"};
    for (int b = 0; b < 2; b++)
        for (int d = 0; d < (ref_news >= 0 ? 2 : 1); d++) {
            const char *ds = d ? "news" : "tldr";
            snprintf(id, sizeof id, "baselines/%s_%s", BASES[b], ds);
            snprintf(out, sizeof out, "samples/eval/%s_%s.jsonl", BASES[b], ds);
            arg(&x, "baseline"), arg(&x, "%s", BASES[b]), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--dataset"),
                arg(&x, "%s", ds), arg(&x, "--out"), arg(&x, "%s", out);
            int sm = add(p, STAGE_CMD, "baselines", id, out, &x, 0, 1, (int[]){world, -1});
            judged[njudged++] = sm;
            eval_stages(p, &x, c, BASES[b], ds, d, sm, d ? ref_news : ref_tldr, lab, evals, &nevals);
            gold_stage(p, &x, BASES[b], ds, d, out, sm, d ? ref_news : ref_tldr, golds, &ngolds);
        }
    for (int si = 0; si < c->nsizes; si++) {
        const SweepSize *z = &c->sizes[si];
        const char *S = z->name;
        snprintf(id, sizeof id, "pretrain/%s", S);
        snprintf(out, sizeof out, "policies/pretrain_%s", S);
        arg(&x, "pretrain"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--out"), arg(&x, "%s", out);
        arg(&x, "--layers"), arg(&x, "%ld", z->L), arg(&x, "--channels"), arg(&x, "%ld", z->C), arg(&x, "--heads"),
            arg(&x, "%ld", z->NH), arg(&x, "--context"), arg(&x, "%ld", T), arg(&x, "--vocab"), arg(&x, "%ld", V);
        arg(&x, "--steps"), arg(&x, "%ld", c->pretrain.steps), arg(&x, "--batch-size"), arg(&x, "%ld", c->pretrain.batch),
            arg(&x, "--lr"), arg(&x, "%.15g", c->pretrain.lr), arg(&x, "--seed"), arg(&x, "%llu", (unsigned long long)seed),
            arg(&x, "--quiet");
        int pre = add(p, STAGE_CMD, "pretrain", id, out, &x, 1, 1, (int[]){world, -1});
        set_work(p, pre, si, (double)c->pretrain.steps * (double)c->pretrain.batch * (double)T);
        p->st[pre].ranks = (int)c->pretrain.ranks;
        metas[nmetas++] = pre;

        snprintf(id, sizeof id, "sft/%s", S);
        char sup[128];
        snprintf(sup, sizeof sup, "policies/sup_%s", S);
        arg(&x, "sft"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--from"), arg(&x, "policies/pretrain_%s", S),
            arg(&x, "--out"), arg(&x, "%s", sup), arg(&x, "--steps"), arg(&x, "%ld", c->sft.steps), arg(&x, "--batch-size"),
            arg(&x, "%ld", c->sft.batch), arg(&x, "--lr"), arg(&x, "%.15g", c->sft.lr), arg(&x, "--seed"),
            arg(&x, "%llu", (unsigned long long)seed + 1), arg(&x, "--quiet");
        int sft = add(p, STAGE_CMD, "sft", id, sup, &x, 1, 1, (int[]){pre, -1});
        set_work(p, sft, si, (double)(c->sft.steps) * (double)(c->sft.batch) * (double)(T));
        p->st[sft].ranks = (int)c->sft.ranks;
        metas[nmetas++] = sft;

        /* The labelers compare the supervised policy's samples at each
         * temperature with each other and with the references. */
        int smp[SWEEP_MAX_LIST + 1];
        for (int k = 0; k < c->ncmp_temps; k++) {
            snprintf(id, sizeof id, "comparisons/%s/sample_t%g", S, c->cmp_temps[k]);
            snprintf(out, sizeof out, "samples/sup_%s_train_t%g.jsonl", S, c->cmp_temps[k]);
            arg(&x, "sample"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--model"), arg(&x, "%s", sup),
                arg(&x, "--split"), arg(&x, "train"), arg(&x, "--dataset"), arg(&x, "tldr"), arg(&x, "--limit"),
                arg(&x, "%ld", c->cmp_posts), arg(&x, "--temperature"), arg(&x, "%g", c->cmp_temps[k]), arg(&x, "--seed"),
                arg(&x, "%d", lab + 100 + k), arg(&x, "--out"), arg(&x, "%s", out), arg(&x, "--quiet");
            smp[k] = add(p, STAGE_CMD, "comparisons", id, out, &x, 0, 1, (int[]){sft, -1});
            set_work(p, smp[k], si, SAMPLE_WORK * (double)c->cmp_posts * (double)T);
        }
        smp[c->ncmp_temps] = ref_train;
        int cmps[SWEEP_MAX_LIST * SWEEP_MAX_LIST], ncmps = 0;
        for (int a = 0; a <= c->ncmp_temps; a++)
            for (int b = a + 1; b <= c->ncmp_temps; b++) {
                char nb[64];
                snprintf(nb, sizeof nb, "train_%s_%d_%d", S, a, b);
                snprintf(id, sizeof id, "comparisons/%s/label_%d_%d", S, a, b);
                snprintf(out, sizeof out, "comparisons/%s.json", nb);
                arg(&x, "label"), arg(&x, "compare"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--batch-name"),
                    arg(&x, "%s", nb), arg(&x, "--labels"), arg(&x, "%ld", c->cmp_labels), arg(&x, "--seed"),
                    arg(&x, "%d", lab + 200 + a * 16 + b), arg(&x, "--out"), arg(&x, "%s", out), arg(&x, "--quiet");
                arg(&x, "%s", rel(p, smp[a])), arg(&x, "%s", rel(p, smp[b]));
                cmps[ncmps] = add(p, STAGE_CMD, "comparisons", id, out, &x, 0, 1, (int[]){smp[a], smp[b], -1});
                ncmps++;
            }

        snprintf(id, sizeof id, "rm/%s", S);
        char rm[128];
        snprintf(rm, sizeof rm, "policies/rm_%s", S);
        arg(&x, "rm"), arg(&x, "train"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--from"), arg(&x, "%s", sup),
            arg(&x, "--out"), arg(&x, "%s", rm), arg(&x, "--steps"), arg(&x, "%ld", c->rm.steps), arg(&x, "--batch-size"),
            arg(&x, "%ld", c->rm.batch), arg(&x, "--lr"), arg(&x, "%.15g", c->rm.lr), arg(&x, "--seed"),
            arg(&x, "%llu", (unsigned long long)seed + 2), arg(&x, "--quiet");
        int rdeps[SWEEP_MAX_LIST * SWEEP_MAX_LIST + 2], nr = 0;
        rdeps[nr++] = sft;
        for (int k = 0; k < ncmps; k++) {
            arg(&x, "%s", rel(p, cmps[k]));
            rdeps[nr++] = cmps[k];
        }
        rdeps[nr] = -1;
        int rmst = add(p, STAGE_CMD, "rm", id, rm, &x, 1, 1, rdeps);
        set_work(p, rmst, si, (double)(c->rm.steps) * (double)(c->rm.batch * 2) * (double)(T));
        p->st[rmst].ranks = (int)c->rm.ranks;
        metas[nmetas++] = rmst;

        /* The policies to evaluate: pretrained, supervised, PPO per beta. */
        int pol[2 + 2 * SWEEP_MAX_LIST], npol = 0;
        pol[npol++] = pre;
        pol[npol++] = sft;
        /* Fixed betas, then adaptive ones aiming at each KL target (from beta 0.05). */
        for (int k = 0; k < c->nbetas + c->nkl_targets; k++) {
            int fixed = k < c->nbetas;
            double v = fixed ? c->betas[k] : c->kl_targets[k - c->nbetas];
            snprintf(id, sizeof id, fixed ? "ppo/%s/b%g" : "ppo/%s/k%g", S, v);
            snprintf(out, sizeof out, fixed ? "policies/ppo_%s_b%g" : "policies/ppo_%s_k%g", S, v);
            arg(&x, "ppo"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--from"), arg(&x, "%s", sup), arg(&x, "--rm"),
                arg(&x, "%s", rm), arg(&x, "--out"), arg(&x, "%s", out), arg(&x, fixed ? "--beta" : "--kl-target"),
                arg(&x, "%g", v),
                arg(&x, "--steps"), arg(&x, "%ld", c->ppo_iterations), arg(&x, "--batch-size"),
                arg(&x, "%ld", c->ppo_episodes), arg(&x, "--lr"), arg(&x, "%.15g", c->ppo_lr), arg(&x, "--seed"),
                arg(&x, "%llu", (unsigned long long)seed + 3), arg(&x, "--quiet");
            /* an iteration: rollouts, four scorings, 4 epochs of policy and value updates */
            pol[npol] = add(p, STAGE_CMD, "ppo", id, out, &x, 1, 1, (int[]){sft, rmst, -1});
            set_work(p, pol[npol], si, PPO_WORK * (double)c->ppo_iterations * (double)c->ppo_episodes * (double)T);
            p->st[pol[npol]].ranks = (int)c->ppo_ranks;
            metas[nmetas++] = pol[npol++];
        }
        int scored[2 + 3 * SWEEP_MAX_LIST], nscored = 0;
        for (int k = 0; k < npol; k++) {
            const char *pdir = rel(p, pol[k]);
            const char *pname = strrchr(pdir, '/') + 1;
            for (int d = 0; d < (c->eval_articles > 0 ? 2 : 1); d++) {
                const char *ds = d ? "news" : "tldr";
                snprintf(id, sizeof id, "eval/%s/%s", pname, ds);
                snprintf(out, sizeof out, "samples/eval/%s_%s.jsonl", pname, ds);
                arg(&x, "sample"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--model"), arg(&x, "%s", pdir),
                    arg(&x, "--dataset"), arg(&x, "%s", ds), arg(&x, "--limit"),
                    arg(&x, "%ld", d ? c->eval_articles : c->eval_posts), arg(&x, "--out"), arg(&x, "%s", out),
                    arg(&x, "--quiet");
                int sm = add(p, STAGE_CMD, "eval", id, out, &x, 0, 1, (int[]){pol[k], -1});
                set_work(p, sm, si, SAMPLE_WORK * (double)(d ? c->eval_articles : c->eval_posts) * (double)T);
                judged[njudged++] = sm;
                if (!d)
                    scored[nscored++] = sm;
                eval_stages(p, &x, c, pname, ds, d, sm, d ? ref_news : ref_tldr, lab, evals, &nevals);
                gold_stage(p, &x, pname, ds, d, rel(p, sm), sm, d ? ref_news : ref_tldr, golds, &ngolds);
            }
        }
        /* Best-of-N: N samples per valid2 post, the reward model's best kept. */
        for (int k = 0; k < c->nbon; k++) {
            snprintf(id, sizeof id, "bon/%s/n%ld", S, c->bon_n[k]);
            snprintf(out, sizeof out, "policies/bon_%s_n%ld", S, c->bon_n[k]);
            arg(&x, "bon"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--from"), arg(&x, "%s", sup), arg(&x, "--rm"),
                arg(&x, "%s", rm), arg(&x, "--n"), arg(&x, "%ld", c->bon_n[k]), arg(&x, "--dataset"), arg(&x, "tldr"),
                arg(&x, "--limit"), arg(&x, "%ld", c->eval_posts), arg(&x, "--seed"),
                arg(&x, "%llu", (unsigned long long)seed + 4), arg(&x, "--out"), arg(&x, "%s", out), arg(&x, "--quiet");
            int bon = add(p, STAGE_CMD, "bon", id, out, &x, 0, 1, (int[]){sft, rmst, -1});
            set_work(p, bon, si, BON_WORK * (double)c->eval_posts * (double)c->bon_n[k] * (double)T);
            metas[nmetas++] = bon;
            char bs[600], bn[96];
            snprintf(bs, sizeof bs, "%s/tldr_valid2.jsonl", out);
            snprintf(bn, sizeof bn, "eval_bon_%s_n%ld_tldr", S, c->bon_n[k]);
            judged[njudged++] = bon;
            scored[nscored++] = bon;
            snprintf(id, sizeof id, "eval/bon_%s_n%ld/tldr/compare", S, c->bon_n[k]);
            snprintf(out, sizeof out, "comparisons/%s.json", bn);
            arg(&x, "label"), arg(&x, "compare"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--batch-name"),
                arg(&x, "%s", bn), arg(&x, "--labels"), arg(&x, "%ld", c->eval_labels), arg(&x, "--seed"), arg(&x, "%d", lab + 300),
                arg(&x, "--out"), arg(&x, "%s", out), arg(&x, "--quiet"), arg(&x, "%s", bs),
                arg(&x, "%s", rel(p, ref_tldr));
            evals[nevals++] = add(p, STAGE_CMD, "eval", id, out, &x, 0, 1, (int[]){bon, ref_tldr, -1});
            snprintf(bn, sizeof bn, "bon_%s_n%ld", S, c->bon_n[k]);
            gold_stage(p, &x, bn, "tldr", 0, bs, bon, ref_tldr, golds, &ngolds);
        }
        /* The reward model's scores of every evaluated TL;DR summary and its reference. */
        snprintf(id, sizeof id, "eval/rm_scores/%s", S);
        snprintf(out, sizeof out, "rm_scores_%s.csv", S);
        arg(&x, "rm"), arg(&x, "score"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--rm"), arg(&x, "%s", rm),
            arg(&x, "--out"), arg(&x, "%s", out);
        int sdeps[2 + 2 * SWEEP_MAX_LIST + 2], nsd = 0;
        sdeps[nsd++] = rmst;
        nsd += arg_samples(p, &x, scored, nscored, sdeps + nsd);
        sdeps[nsd] = -1;
        rmscores[nrms++] = add(p, STAGE_CMD, "eval", id, out, &x, 0, 2, sdeps);
    }

    /* Gold: the judge's scores of every evaluated sample and the references. */
    arg(&x, "world"), arg(&x, "judge"), arg(&x, "--world"), arg(&x, "%s", W), arg(&x, "--summary"), arg(&x, "--out"),
        arg(&x, "judge"), arg(&x, "--quiet");
    int jdeps[260], nj = arg_samples(p, &x, judged, njudged, jdeps);
    arg(&x, "%s", rel(p, ref_tldr));
    jdeps[nj++] = ref_tldr;
    if (ref_news >= 0) {
        arg(&x, "%s", rel(p, ref_news));
        jdeps[nj++] = ref_news;
    }
    jdeps[nj] = -1;
    int judge = add(p, STAGE_CMD, "eval", "eval/judge", "judge", &x, 0, 5, jdeps);

    /* One metadata file and one RM-scores file for the analyses. */
    metas[nmetas] = -1;
    int meta = add(p, STAGE_MERGE_META, "report", "report/meta", "meta.json", NULL, 0, 0, metas);
    rmscores[nrms] = -1;
    int rmcat = add(p, STAGE_CONCAT, "report", "report/rm_scores", "rm_scores.csv", NULL, 0, 0, rmscores);

    /* The paper's claims, checked on all of it. */
    int fdeps[520], nf = 0;
    for (int k = 0; k < nevals; k++)
        fdeps[nf++] = evals[k];
    for (int k = 0; k < ngolds; k++)
        fdeps[nf++] = golds[k];
    fdeps[nf++] = meta;
    fdeps[nf++] = rmcat;
    fdeps[nf++] = judge;
    fdeps[nf] = -1;
    int findings = add(p, STAGE_FINDINGS, "report", "report/findings", "findings.md", NULL, 0, 1, fdeps);

    arg(&x, "report"), arg(&x, "--out"), arg(&x, "report"), arg(&x, "--title"), arg(&x, "%s", c->title),
        arg(&x, "--meta"), arg(&x, "meta.json"), arg(&x, "--rm-scores"), arg(&x, "rm_scores.csv"), arg(&x, "--judge"),
        arg(&x, "judge/judge.json"), arg(&x, "--findings"), arg(&x, "findings.md"), arg(&x, "--quiet");
    int rdeps2[520], nr2 = 0;
    rdeps2[nr2++] = findings;
    arg(&x, "--comparisons");
    for (int k = 0; k < nevals; k++)
        if (strncmp(rel(p, evals[k]), "comparisons/", 12) == 0) {
            arg(&x, "%s", rel(p, evals[k]));
            rdeps2[nr2++] = evals[k];
        }
    arg(&x, "--axis");
    for (int k = 0; k < nevals; k++)
        if (strncmp(rel(p, evals[k]), "axis_evals/", 11) == 0) {
            arg(&x, "%s", rel(p, evals[k]));
            rdeps2[nr2++] = evals[k];
        }
    /* The training stages' logs: the curves (best-of-N trains nothing). */
    arg(&x, "--curves");
    for (int k = 0; k < nmetas; k++)
        if (strcmp(p->st[metas[k]].group, "bon") != 0) {
            arg(&x, "%s", rel(p, metas[k]));
            rdeps2[nr2++] = metas[k];
        }
    arg(&x, "--gold");
    for (int k = 0; k < ngolds; k++) {
        arg(&x, "%s", rel(p, golds[k]));
        rdeps2[nr2++] = golds[k];
    }
    /* The labelers against the gold judge on the same pairs: their
     * evaluation comparisons with the gold judge's (--expert gold). */
    arg(&x, "--calibration");
    for (int k = 0; k < nevals; k++)
        if (strncmp(rel(p, evals[k]), "comparisons/", 12) == 0)
            arg(&x, "%s", rel(p, evals[k]));
    for (int k = 0; k < ngolds; k++)
        arg(&x, "%s", rel(p, golds[k]));
    rdeps2[nr2++] = meta;
    rdeps2[nr2++] = rmcat;
    rdeps2[nr2++] = judge;
    rdeps2[nr2] = -1;
    return add(p, STAGE_CMD, "report", "report", "report", &x, 0, 10, rdeps2);
}

void sweep_plan(const SweepConfig *c, const char *dir, SweepPlan *p)
{
    memset(p, 0, sizeof *p);
    p->dir = xstrdup(dir);
    if (c->nseeds <= 1) {
        (void)plan_seed(c, p, c->nseeds ? c->seeds[0] : c->seed, 0);
        return;
    }
    /* Several seeds: each a whole run in seeds/SEED (the same world,
     * regenerated there), then their numbers side by side. */
    int deps[SWEEP_MAX_LIST + 1], nd = 0;
    StrBuf dirs;
    sb_init(&dirs);
    for (int j = 0; j < c->nseeds; j++) {
        snprintf(p->prefix, sizeof p->prefix, "seeds/%llu/", (unsigned long long)c->seeds[j]);
        deps[nd++] = plan_seed(c, p, c->seeds[j], 1000 * j);
        sb_printf(&dirs, "seeds/%llu\n", (unsigned long long)c->seeds[j]);
    }
    deps[nd] = -1;
    p->prefix[0] = '\0';
    int s = add(p, STAGE_SEEDS, "report", "seeds", "seeds.md", NULL, 0, 1, deps);
    p->st[s].text = xstrdup(sb_str(&dirs));
    sb_free(&dirs);
}

void sweep_plan_free(SweepPlan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        for (int k = 0; k < p->st[i].argc; k++)
            free(p->st[i].argv[k]);
        free(p->st[i].argv);
        free(p->st[i].out);
        free(p->st[i].text);
    }
    free(p->st);
    free(p->dir);
    memset(p, 0, sizeof *p);
}
