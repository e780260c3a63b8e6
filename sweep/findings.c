/* findings.c — the paper's qualitative claims, each checked on a sweep's
 * evaluation records and said plainly: reproduced, not reproduced, or not
 * testable here (and why). Numbers are the labelers' win rates against
 * the reference on valid2 TL;DR posts (raw and length-controlled), the
 * gold judge's preference against the reference (its own comparisons,
 * comparisons/gold_eval_*) and mean overall score, the reward model's predicted
 * preference, and the 1-7 ratings; every one of them is in the report. */
#include "sweep/sweep.h"
#include "analysis/figures.h"
#include "analysis/lengthctl.h"
#include "analysis/likert.h"
#include "analysis/policy.h"
#include "analysis/stats.h"
#include "analysis/winrate.h"
#include "common/atomic.h"
#include "common/strbuf.h"
#include "common/util.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One evaluated policy of the TL;DR comparisons. */
typedef struct {
    const char *name;
    PolicyMeta m;
    double win, lo, hi;   /* labelers, raw, against ref; Wilson interval */
    double lc;            /* sigma(theta), NaN when not fitted */
    double gold;          /* the judge's mean overall score, NaN when absent */
    double gold_win;      /* the judge's win rate against ref (its comparisons), NaN when absent */
    double rm;            /* mean sigma(r_policy - r_ref), NaN without scores */
    double share7;        /* share of 7s on the overall axis (TL;DR), NaN without ratings */
    double overall;       /* the labelers' mean 1-7 overall rating (TL;DR), NaN without ratings */
    double news_adj;      /* news: overall adjusted to the reference's length, NaN without */
} Pol;

typedef struct {
    Pol *p;
    size_t n;
} Pols;

static int is(const Pol *p, Method m) { return p->m.method == m; }

/* Files in dir/sub whose name starts with prefix and ends with suffix. */
static size_t list_files(const char *dir, const char *sub, const char *prefix, const char *suffix, char ***out)
{
    char *d = util_path_join(dir, sub);
    DIR *dp = opendir(d);
    size_t n = 0, cap = 0;
    *out = NULL;
    struct dirent *e;
    while (dp && (e = readdir(dp)) != NULL) {
        size_t l = strlen(e->d_name), ls = strlen(suffix);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || l < ls || strcmp(e->d_name + l - ls, suffix) != 0)
            continue;
        GROW(*out, cap, n + 1);
        (*out)[n++] = util_path_join(d, e->d_name);
    }
    if (dp)
        closedir(dp);
    free(d);
    /* a stable order */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp((*out)[j - 1], (*out)[j]) > 0; j--) {
            char *t = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = t;
        }
    return n;
}

static void free_list(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

static Pol *find(Pols *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].name, name) == 0)
            return &ps->p[i];
    return NULL;
}

static void fmt(char *b, size_t cap, double x)
{
    if (isnan(x))
        snprintf(b, cap, "NA");
    else
        snprintf(b, cap, "%.3f", x);
}

typedef struct {
    StrBuf md;
    cJSON *arr;
    int reproduced, not_reproduced, untestable;
} Out;

static void finding(Out *o, int k, const char *claim, int status, const char *numbers)
{
    static const char *const S[] = {"not testable here", "**reproduced**", "**not reproduced**"};
    static const char *const J[] = {"not testable", "reproduced", "not reproduced"};
    sb_printf(&o->md, "| %d | %s | %s | %s |\n", k, claim, S[status], numbers);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "claim", k);
    cJSON_AddStringToObject(e, "text", claim);
    cJSON_AddStringToObject(e, "status", J[status]);
    cJSON_AddStringToObject(e, "numbers", numbers);
    cJSON_AddItemToArray(o->arr, e);
    if (status == 1)
        o->reproduced++;
    else if (status == 2)
        o->not_reproduced++;
    else
        o->untestable++;
}

/* The best (highest raw win rate) policy of method m and size params
 * (NaN: any size); NULL when none. */
static const Pol *best(const Pols *ps, Method m, double params)
{
    const Pol *b = NULL;
    for (size_t i = 0; i < ps->n; i++) {
        const Pol *p = &ps->p[i];
        if (is(p, m) && (isnan(params) || p->m.params == params) && (!b || p->win > b->win))
            b = p;
    }
    return b;
}

static void load_judge(const char *dir, Pols *ps)
{
    char *path = util_path_join(dir, "judge/judge.json");
    JsonFile f;
    TlError err;
    if (json_file_read(&f, path, "judge summary", &err) == 0) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
        for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next) {
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "dataset");
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "policy");
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(e, "overall");
            Pol *p = cJSON_IsString(n) ? find(ps, n->valuestring) : NULL;
            if (p && cJSON_IsString(d) && strcmp(d->valuestring, "tldr") == 0 && cJSON_IsNumber(o))
                p->gold = o->valuedouble;
        }
    }
    json_file_free(&f);
    free(path);
}

/* The gold judge's win rates against the reference, from the sweep's
 * comparisons/gold_eval_*_tldr.json (label compare --gold: worker gold). */
static void load_gold_win(const char *dir, Pols *ps, StrBuf *notes)
{
    char **files;
    size_t nf = list_files(dir, "comparisons", "gold_eval_", "_tldr.json", &files);
    ComparisonSet s;
    cmpset_init(&s);
    ReadOptions ro = {0};
    ro.workers = "gold";
    TlError err;
    if (nf && cmpset_load(&s, files, nf, &ro, &err) == 0) {
        long base = strpool_find(&s.policies, "ref");
        if (base >= 0) {
            WinrateOptions wo = {(uint32_t)base, GROUP_POLICY, LEN_WORDS, 0, 0, 0.95, NULL, 0};
            WinrateResult wr;
            winrate_compute(&s, &wo, &wr);
            for (size_t i = 0; i < wr.n; i++) {
                Pol *p = find(ps, wr.rows[i].label);
                if (p && wr.rows[i].n)
                    p->gold_win = wr.rows[i].win_rate;
            }
            winrate_free(&wr);
        }
    } else if (nf) {
        sb_printf(notes, "- gold comparisons: not read (%s)\n", err.msg);
    }
    cmpset_free(&s);
    free_list(files, nf);
}

static void load_rm(const char *dir, Pols *ps)
{
    char *path = util_path_join(dir, "rm_scores.csv");
    RmScores rm = {0};
    TlError err;
    if (rm_scores_load(&rm, path, &err) == 0)
        for (size_t i = 0; i < ps->n; i++) {
            double sum = 0;
            size_t m = 0;
            for (size_t k = 0; k < rm.n; k++)
                if (strcmp(rm.policy[k], ps->p[i].name) == 0) {
                    sum += stats_sigmoid(rm.rm_policy[k] - rm.rm_ref[k]);
                    m++;
                }
            ps->p[i].rm = m ? sum / (double)m : NAN;
        }
    rm_scores_free(&rm);
    free(path);
}

static void load_axis(const char *dir, Pols *ps, StrBuf *notes)
{
    char **files;
    size_t nf = list_files(dir, "axis_evals", "eval_", ".json", &files);
    AxisSet s;
    axisset_init(&s);
    ReadOptions ro = {0};
    TlError err;
    if (nf && axisset_load(&s, files, nf, &ro, &err) == 0) {
        LikertResult lr;
        likert_compute(&s, 0.95, &lr);
        for (size_t i = 0; i < lr.n; i++) {
            const LikertRow *r = &lr.rows[i];
            Pol *p = find(ps, strpool_get(&s.policies, r->policy));
            if (p && r->dataset == DOMAIN_TLDR && r->axis == AXIS_OVERALL)
                p->share7 = r->share_7, p->overall = r->mean;
        }
        likert_free(&lr);
        long base = strpool_find(&s.policies, "ref");
        LikertLc lc;
        if (base >= 0 && likert_length_control(&s, DOMAIN_NEWS, (uint32_t)base, 0.95, &lc, &err) == 0) {
            for (size_t k = 0; k < lc.nrows; k++) {
                Pol *p = find(ps, strpool_get(&s.policies, lc.rows[k].policy));
                if (p)
                    p->news_adj = lc.rows[k].adjusted;
            }
            likert_lc_free(&lc);
        } else {
            sb_printf(notes, "- news ratings: no length-controlled fit (%s)\n", base < 0 ? "no reference ratings" : err.msg);
        }
    }
    axisset_free(&s);
    free_list(files, nf);
}

/* Writes DIR/findings.md and DIR/findings.json from DIR's evaluation
 * records. Returns 0, or -1 with err set. */
int sweep_findings(const char *dir, TlError *err)
{
    char **files;
    size_t nf = list_files(dir, "comparisons", "eval_", "_tldr.json", &files);
    if (!nf) {
        tlerr_set(err, "%s/comparisons: no eval_*_tldr.json records to check the findings on", dir);
        free(files);
        return -1;
    }
    char *meta_path = util_path_join(dir, "meta.json");
    MetaMap meta = {0};
    int have_meta = policy_meta_load(&meta, meta_path, err) == 0;
    free(meta_path);
    if (!have_meta) {
        free_list(files, nf);
        return -1;
    }
    ComparisonSet s;
    cmpset_init(&s);
    ReadOptions ro = {0};
    if (cmpset_load(&s, files, nf, &ro, err) != 0) {
        free_list(files, nf);
        cmpset_free(&s);
        policy_meta_free(&meta);
        return -1;
    }
    free_list(files, nf);
    long base = strpool_find(&s.policies, "ref");
    Pols ps = {xcalloc(s.policies.n, sizeof(Pol)), 0};
    StrBuf notes;
    sb_init(&notes);
    if (base >= 0) {
        WinrateOptions wo = {(uint32_t)base, GROUP_POLICY, LEN_WORDS, 0, 0, 0.95, &meta, 0};
        WinrateResult wr;
        winrate_compute(&s, &wo, &wr);
        LcResult lr;
        TlError e2;
        int have_lc = lengthctl_fit(&s, (uint32_t)base, LEN_WORDS, 1, 0.95, &lr, &e2) == 0;
        for (size_t i = 0; i < wr.n; i++) {
            Pol *p = &ps.p[ps.n++];
            p->name = strpool_get(&s.policies, (uint32_t)wr.rows[i].policy);
            p->m = wr.rows[i].meta;
            p->win = wr.rows[i].win_rate;
            p->lo = wr.rows[i].wilson_lo;
            p->hi = wr.rows[i].wilson_hi;
            p->lc = have_lc && lr.pol[wr.rows[i].policy].status == LC_FITTED ? lr.pol[wr.rows[i].policy].lc : NAN;
            p->gold = p->gold_win = p->rm = p->share7 = p->news_adj = p->overall = NAN;
        }
        if (have_lc)
            lengthctl_free(&lr);
        winrate_free(&wr);
    }
    load_judge(dir, &ps);
    load_gold_win(dir, &ps, &notes);
    load_rm(dir, &ps);
    load_axis(dir, &ps, &notes);

    /* The sizes, ascending. */
    double sizes[SWEEP_MAX_SIZES];
    int ns = 0;
    for (size_t i = 0; i < ps.n; i++) {
        if (!is(&ps.p[i], METHOD_SUPERVISED) || isnan(ps.p[i].m.params))
            continue;
        int k = 0;
        while (k < ns && sizes[k] != ps.p[i].m.params)
            k++;
        if (k == ns && ns < SWEEP_MAX_SIZES)
            sizes[ns++] = ps.p[i].m.params;
    }
    for (int i = 1; i < ns; i++)
        for (int j = i; j > 0 && sizes[j - 1] > sizes[j]; j--) {
            double t = sizes[j];
            sizes[j] = sizes[j - 1];
            sizes[j - 1] = t;
        }

    Out o = {{0}, cJSON_CreateArray(), 0, 0, 0};
    sb_init(&o.md);
    sb_add(&o.md, "## Findings\n\nThe paper's claims, checked on this sweep's evaluation: the labelers' win rates "
                  "against the reference on valid2 TL;DR posts (raw, and length-controlled σ(θ)), the gold judge's "
                  "preference against the reference (its own comparisons; where the sweep has none, its mean overall "
                  "score), the reward model's predicted preference (mean σ(r − r_ref)), and the 1–7 "
                  "ratings. \"Best\" is the policy of a method with the highest raw win rate.\n\n"
                  "| # | claim | result | numbers |\n|--:|:--|:--|:--|\n");
    char b[1200], x1[16], x2[16], x3[16];

    /* (1) human feedback > supervised > pretrained at every size */
    {
        int ok = ns > 0, tested = 0;
        size_t off = 0;
        b[0] = '\0';
        for (int k = 0; k < ns; k++) {
            const Pol *h = best(&ps, METHOD_RL, sizes[k]), *su = best(&ps, METHOD_SUPERVISED, sizes[k]),
                      *pr = best(&ps, METHOD_PRETRAINED, sizes[k]);
            if (!h || !su || !pr)
                continue;
            tested++;
            ok &= h->win > su->win && su->win > pr->win;
            char sz[32];
            policy_size_label(sizes[k], sz, sizeof sz);
            fmt(x1, sizeof x1, h->win), fmt(x2, sizeof x2, su->win), fmt(x3, sizeof x3, pr->win);
            off += (size_t)snprintf(b + off, sizeof b - off, "%s%s: PPO %s, supervised %s, pretrained %s",
                                    off ? "; " : "", sz, x1, x2, x3);
        }
        finding(&o, 1, "Human feedback > supervised > pretrained at every size", tested ? (ok ? 1 : 2) : 0,
                tested ? b : "no size with all three methods evaluated");
    }
    /* (2) the best human-feedback policy is preferred to the reference more than half the time */
    {
        const Pol *h = best(&ps, METHOD_RL, NAN);
        if (h) {
            fmt(x1, sizeof x1, h->win), fmt(x2, sizeof x2, h->lo), fmt(x3, sizeof x3, h->hi);
            snprintf(b, sizeof b, "%s: %s (95%% Wilson %s to %s)%s", h->name, x1, x2, x3,
                     h->win > 0.5 && h->lo <= 0.5 ? "; the interval includes 0.5" : "");
        }
        finding(&o, 2, "The best human-feedback policy is preferred to the reference more than half the time",
                h ? (h->win > 0.5 ? 1 : 2) : 0, h ? b : "no PPO policy evaluated");
    }
    /* (3) the smallest human-feedback policy beats the largest supervised one */
    {
        const Pol *h = ns ? best(&ps, METHOD_RL, sizes[0]) : NULL, *su = ns ? best(&ps, METHOD_SUPERVISED, sizes[ns - 1]) : NULL;
        if (h && su) {
            fmt(x1, sizeof x1, h->win), fmt(x2, sizeof x2, su->win);
            snprintf(b, sizeof b, "smallest PPO %s %s; largest supervised %s %s", h->name, x1, su->name, x2);
        }
        finding(&o, 3, "The smallest human-feedback policy beats the largest supervised one",
                ns < 2 ? 0 : (h && su ? (h->win > su->win ? 1 : 2) : 0),
                ns < 2 ? "one model size: nothing to compare" : h && su ? b : "a size lacks PPO or supervised");
    }
    /* (4) length control lowers human feedback's win rate but keeps it above supervised */
    {
        const Pol *h = best(&ps, METHOD_RL, NAN), *su = best(&ps, METHOD_SUPERVISED, NAN);
        int t = h && su && !isnan(h->lc) && !isnan(su->lc);
        if (t) {
            fmt(x1, sizeof x1, h->win), fmt(x2, sizeof x2, h->lc), fmt(x3, sizeof x3, su->lc);
            snprintf(b, sizeof b, "PPO %s: raw %s, length-controlled %s; supervised length-controlled %s", h->name,
                     x1, x2, x3);
        }
        finding(&o, 4, "Length control lowers human feedback's win rate but keeps it above supervised",
                t ? (h->lc < h->win && h->lc > su->lc ? 1 : 2) : 0, t ? b : "no length-controlled fit of both");
    }
    /* (5) labelers and gold peak at an intermediate KL; the RM's prediction keeps rising */
    {
        int tested = 0, ok = 1;
        size_t off = 0;
        b[0] = '\0';
        for (int k = 0; k < ns; k++) {
            const Pol *r[SWEEP_MAX_LIST];
            int nr = 0;
            for (size_t i = 0; i < ps.n && nr < SWEEP_MAX_LIST; i++)
                if (is(&ps.p[i], METHOD_RL) && ps.p[i].m.params == sizes[k] && !isnan(ps.p[i].m.kl))
                    r[nr++] = &ps.p[i];
            if (nr < 3)
                continue;
            for (int i = 1; i < nr; i++) /* by KL */
                for (int j = i; j > 0 && r[j - 1]->m.kl > r[j]->m.kl; j--) {
                    const Pol *t = r[j];
                    r[j] = r[j - 1];
                    r[j - 1] = t;
                }
            /* Gold: its win rate against the reference when every policy
             * of the size has one (the sweep's gold comparisons), else its
             * mean overall score; the numbers say which. */
            int by_win = 1;
            for (int i = 0; i < nr; i++)
                by_win &= !isnan(r[i]->gold_win);
            double gv[SWEEP_MAX_LIST];
            for (int i = 0; i < nr; i++)
                gv[i] = by_win ? r[i]->gold_win : r[i]->gold;
            int pw = 0, pg = 0, rising = 1;
            for (int i = 1; i < nr; i++) {
                pw = r[i]->win > r[pw]->win ? i : pw;
                pg = !isnan(gv[i]) && (isnan(gv[pg]) || gv[i] > gv[pg]) ? i : pg;
                rising &= !(r[i]->rm < r[i - 1]->rm);
            }
            tested++;
            int inter = pw > 0 && pw < nr - 1 && pg > 0 && pg < nr - 1 && rising && !isnan(r[0]->rm);
            ok &= inter;
            char sz[32];
            policy_size_label(sizes[k], sz, sizeof sz);
            if (off < sizeof b)
                off += (size_t)snprintf(b + off, sizeof b - off, "%s%s (gold: %s): KL", off ? "; " : "", sz,
                                        by_win ? "win rate against the reference" : "mean overall score");
            for (int i = 0; i < nr && off < sizeof b; i++) {
                fmt(x1, sizeof x1, r[i]->win), fmt(x2, sizeof x2, gv[i]), fmt(x3, sizeof x3, r[i]->rm);
                off += (size_t)snprintf(b + off, sizeof b - off, " %.3g (labelers %s, gold %s, RM %s)", r[i]->m.kl,
                                        x1, x2, x3);
            }
        }
        finding(&o, 5,
                "Labeler and gold preference peak at an intermediate KL while the RM-predicted preference keeps rising",
                tested ? (ok ? 1 : 2) : 0, tested ? b : "no size with three or more PPO policies of known KL");
    }
    /* (6) best-of-N is competitive with PPO at low KL */
    {
        const Pol *bn = best(&ps, METHOD_BEST_OF_N, NAN), *lo = NULL;
        for (size_t i = 0; i < ps.n; i++)
            if (is(&ps.p[i], METHOD_RL) && !isnan(ps.p[i].m.kl) && (!lo || ps.p[i].m.kl < lo->m.kl))
                lo = &ps.p[i];
        int t = bn && lo;
        if (t) {
            fmt(x1, sizeof x1, bn->win), fmt(x2, sizeof x2, lo->win);
            snprintf(b, sizeof b, "best-of-N %s (KL %.3g) %s; PPO at the lowest KL, %s (KL %.3g), %s; within 0.05 "
                                  "counts as competitive",
                     bn->name, bn->m.kl, x1, lo->name, lo->m.kl, x2);
        }
        finding(&o, 6, "Best-of-N is competitive with PPO at low KL", t ? (bn->win >= lo->win - 0.05 ? 1 : 2) : 0,
                t ? b : "no best-of-N or no PPO policy of known KL");
    }
    /* (7) news: human feedback beats supervised at matched length; lead-3 is a strong baseline */
    {
        const Pol *h = NULL, *su = NULL, *l3 = find(&ps, "lead3");
        for (size_t i = 0; i < ps.n; i++) {
            const Pol *p = &ps.p[i];
            if (is(p, METHOD_RL) && !isnan(p->news_adj) && (!h || p->news_adj > h->news_adj))
                h = p;
            if (is(p, METHOD_SUPERVISED) && !isnan(p->news_adj) && (!su || p->news_adj > su->news_adj))
                su = p;
        }
        int t = h && su && l3 && !isnan(l3->news_adj);
        if (t) {
            fmt(x1, sizeof x1, h->news_adj), fmt(x2, sizeof x2, su->news_adj), fmt(x3, sizeof x3, l3->news_adj);
            snprintf(b, sizeof b, "overall (1-7) at the reference's length: PPO %s, supervised %s, lead-3 %s; "
                                  "\"strong\" counts as at least the supervised policy's",
                     x1, x2, x3);
        }
        finding(&o, 7, "On news, human feedback beats supervised at matched length, and lead-3 is a strong baseline",
                t ? (h->news_adj > su->news_adj && l3->news_adj >= su->news_adj ? 1 : 2) : 0,
                t ? b : "no length-controlled news ratings of PPO, supervised and lead-3");
    }
    /* (8) human feedback gets the most 7s on the overall axis */
    {
        const Pol *top = NULL;
        for (size_t i = 0; i < ps.n; i++)
            if (!isnan(ps.p[i].share7) && (!top || ps.p[i].share7 > top->share7))
                top = &ps.p[i];
        if (top) {
            fmt(x1, sizeof x1, top->share7);
            snprintf(b, sizeof b, "most 7s: %s (%s of its overall ratings)", top->name, x1);
        }
        if (top && top->share7 == 0)
            snprintf(b, sizeof b, "no policy got a 7 on the overall axis");
        finding(&o, 8, "Human feedback gets the most 7s on the overall axis",
                top ? (is(top, METHOD_RL) && top->share7 > 0 ? 1 : 2) : 0, top ? b : "no overall ratings");
    }
    sb_printf(&o.md, "\n%d reproduced, %d not reproduced, %d not testable here.\n", o.reproduced, o.not_reproduced,
              o.untestable);
    if (notes.len)
        sb_printf(&o.md, "\n%s", sb_str(&notes));

    /* Did the pipeline work at all? Per size: the supervised policy above
     * the pretrained one, and PPO raising the reward model's score. */
    cJSON *checks = cJSON_CreateArray();
    if (ns)
        sb_add(&o.md, "\nDid each stage do its job? Per size: supervised fine-tuning above the pretrained model "
                      "by the gold judge's mean overall score and the labelers' mean 1–7 overall rating (the win "
                      "rate against the reference is shown too, but cannot rank two policies that both lose "
                      "nearly every comparison: their few wins are the labelers' errors), and "
                      "PPO raising the reward model's score over the supervised policy (its predicted preference "
                      "against the reference, mean σ(r − r_ref), of the PPO policy with the highest one).\n\n"
                      "| size | check | result | numbers |\n|:--|:--|:--|:--|\n");
    for (int k = 0; k < ns; k++) {
        const Pol *su = best(&ps, METHOD_SUPERVISED, sizes[k]), *pr = best(&ps, METHOD_PRETRAINED, sizes[k]);
        const Pol *rl = NULL;
        for (size_t i = 0; i < ps.n; i++)
            if (is(&ps.p[i], METHOD_RL) && ps.p[i].m.params == sizes[k] && !isnan(ps.p[i].rm) &&
                (!rl || ps.p[i].rm > rl->rm))
                rl = &ps.p[i];
        char sz[32];
        policy_size_label(sizes[k], sz, sizeof sz);
        for (int c = 0; c < 2; c++) {
            int known, passed;
            if (c == 0) {
                known = su && pr && !isnan(su->gold) && !isnan(pr->gold) && !isnan(su->overall) &&
                        !isnan(pr->overall);
                passed = known && su->gold > pr->gold && su->overall > pr->overall;
                if (known) {
                    char g1[16], g2[16], o1[16], o2[16];
                    fmt(x1, sizeof x1, su->win), fmt(x2, sizeof x2, pr->win);
                    fmt(g1, sizeof g1, su->gold), fmt(g2, sizeof g2, pr->gold);
                    fmt(o1, sizeof o1, su->overall), fmt(o2, sizeof o2, pr->overall);
                    snprintf(b, sizeof b, "gold overall %s vs %s; labelers' overall (1-7) %s vs %s; win rate %s vs %s",
                             g1, g2, o1, o2, x1, x2);
                } else if (su && pr)
                    snprintf(b, sizeof b, "no gold scores or no overall ratings of both");
                else
                    snprintf(b, sizeof b, "no %s policy of this size", su ? "pretrained" : "supervised");
            } else {
                known = su && rl && !isnan(su->rm);
                passed = known && rl->rm > su->rm;
                if (known) {
                    fmt(x1, sizeof x1, rl->rm), fmt(x2, sizeof x2, su->rm);
                    snprintf(b, sizeof b, "%s %s vs supervised %s", rl->name, x1, x2);
                } else
                    snprintf(b, sizeof b, "no reward-model scores of a PPO and the supervised policy");
            }
            const char *what = c ? "PPO raised the reward model's score" : "supervised above pretrained";
            const char *res = !known ? "not measured" : passed ? "yes" : "**no**";
            sb_printf(&o.md, "| %s | %s | %s | %s |\n", sz, what, res, b);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "params", sizes[k]);
            cJSON_AddStringToObject(e, "check", what);
            cJSON_AddStringToObject(e, "result", !known ? "not measured" : passed ? "yes" : "no");
            cJSON_AddStringToObject(e, "numbers", b);
            cJSON_AddItemToArray(checks, e);
        }
    }
    char *md = util_path_join(dir, "findings.md"), *js = util_path_join(dir, "findings.json");
    atomic_write_string(md, sb_str(&o.md));
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "findings", o.arr);
    cJSON_AddNumberToObject(root, "reproduced", o.reproduced);
    cJSON_AddNumberToObject(root, "not_reproduced", o.not_reproduced);
    cJSON_AddNumberToObject(root, "not_testable", o.untestable);
    cJSON_AddItemToObject(root, "checks", checks);
    char *text = cJSON_Print(root);
    atomic_write_string(js, text);
    free(text);
    cJSON_Delete(root);
    free(md);
    free(js);
    sb_free(&o.md);
    sb_free(&notes);
    free(ps.p);
    cmpset_free(&s);
    policy_meta_free(&meta);
    return 0;
}
