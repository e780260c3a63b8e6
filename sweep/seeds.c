/* seeds.c — a sweep of several seeds: every policy's numbers per seed,
 * their mean and t interval over seeds beside the interval over posts
 * (all seeds' comparisons pooled), and each claim's verdict per seed.
 *
 * Each seed folder is a whole single-seed run; this reads what its
 * report and findings wrote: report/tables/tldr_winrate.json (labelers'
 * wins against the reference), report/tables/tldr_lengthctl.json
 * (length-controlled σ(θ)), judge/judge.json (gold overall), meta.json
 * (KL from the supervised policy) and findings.json. */
#include "sweep/sweep.h"
#include "analysis/policy.h"
#include "analysis/stats.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/strbuf.h"
#include "common/table.h"
#include "common/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXSEEDS SWEEP_MAX_LIST
#define NCLAIMS 8

typedef struct {
    char *name, *method;
    double params;
    double win[MAXSEEDS], lc[MAXSEEDS], gold[MAXSEEDS], kl[MAXSEEDS];
    double wins[MAXSEEDS], n[MAXSEEDS];
} Row;

typedef struct {
    Row *r;
    size_t n, cap;
} Rows;

static Row *row_of(Rows *rs, const char *name, const char *method, double params)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].name, name) == 0)
            return &rs->r[i];
    GROW(rs->r, rs->cap, rs->n + 1);
    Row *r = &rs->r[rs->n++];
    memset(r, 0, sizeof *r);
    r->name = xstrdup(name);
    r->method = xstrdup(method ? method : "other");
    r->params = params;
    for (int k = 0; k < MAXSEEDS; k++)
        r->win[k] = r->lc[k] = r->gold[k] = r->kl[k] = r->wins[k] = r->n[k] = NAN;
    return r;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads dir/rel (a JSON object) into f; -1 with err when it is missing or bad. */
static int read_json(JsonFile *f, const char *dir, const char *rel, const char *what, TlError *err)
{
    char *path = util_path_join(dir, rel);
    int rc = json_file_read(f, path, what, err);
    free(path);
    return rc;
}

/* One seed's numbers into rows (column k). */
static int load_seed(const char *dir, int k, Rows *rs, char status[NCLAIMS][24], char text[NCLAIMS][200],
                     TlError *err)
{
    JsonFile f;
    if (read_json(&f, dir, "report/tables/tldr_winrate.json", "report's win-rate table", err) != 0)
        return json_file_free(&f), -1;
    const cJSON *pols = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
    for (const cJSON *e = pols ? pols->child : NULL; e; e = e->next) {
        const char *name = str(e, "policy");
        if (!name)
            continue;
        Row *r = row_of(rs, name, str(e, "method"), num(e, "params"));
        r->win[k] = num(e, "win_rate");
        r->wins[k] = num(e, "wins");
        r->n[k] = num(e, "n");
    }
    json_file_free(&f);

    TlError e2; /* the length-controlled fit and the judge are optional */
    if (read_json(&f, dir, "report/tables/tldr_lengthctl.json", "report's length-control table", &e2) == 0) {
        pols = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
        for (const cJSON *e = pols ? pols->child : NULL; e; e = e->next)
            if (str(e, "policy") && strcmp(str(e, "policy"), "ref") != 0)
                row_of(rs, str(e, "policy"), str(e, "method"), num(e, "params"))->lc[k] = num(e, "lc_win_rate");
    }
    json_file_free(&f);
    if (read_json(&f, dir, "judge/judge.json", "gold judge's summary", &e2) == 0) {
        pols = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
        for (const cJSON *e = pols ? pols->child : NULL; e; e = e->next)
            if (str(e, "policy") && str(e, "dataset") && strcmp(str(e, "dataset"), "tldr") == 0)
                for (size_t i = 0; i < rs->n; i++)
                    if (strcmp(rs->r[i].name, str(e, "policy")) == 0)
                        rs->r[i].gold[k] = num(e, "overall");
    }
    json_file_free(&f);
    if (read_json(&f, dir, "meta.json", "merged policy metadata", &e2) == 0) {
        pols = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
        for (size_t i = 0; i < rs->n; i++) {
            const cJSON *m = pols ? cJSON_GetObjectItemCaseSensitive(pols, rs->r[i].name) : NULL;
            if (m)
                rs->r[i].kl[k] = num(m, "kl");
        }
    }
    json_file_free(&f);

    if (read_json(&f, dir, "findings.json", "findings", err) != 0)
        return json_file_free(&f), -1;
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(f.json, "findings");
    for (const cJSON *e = fs ? fs->child : NULL; e; e = e->next) {
        int c = (int)num(e, "claim");
        if (c >= 1 && c <= NCLAIMS && str(e, "status")) {
            snprintf(status[c - 1], sizeof status[c - 1], "%s", str(e, "status"));
            if (str(e, "text"))
                snprintf(text[c - 1], sizeof text[c - 1], "%s", str(e, "text"));
        }
    }
    json_file_free(&f);
    return 0;
}

/* Rows in the report's order: the reference, baselines (method other),
 * then pretrained, supervised, rl, best-of-n. */
static double method_rank(const char *m)
{
    int k = method_parse(m);
    return k < 0 ? METHOD_N : k == METHOD_OTHER ? 0.5 : k;
}

static int row_cmp(const void *a, const void *b)
{
    const Row *x = a, *y = b;
    double d = method_rank(x->method) - method_rank(y->method);
    if (d != 0)
        return d < 0 ? -1 : 1;
    double px = isnan(x->params) ? -1 : x->params, py = isnan(y->params) ? -1 : y->params;
    if (px != py)
        return px < py ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The values of x[0..ns) that are numbers. */
static size_t present(const double *x, int ns, double *out)
{
    size_t n = 0;
    for (int k = 0; k < ns; k++)
        if (!isnan(x[k]))
            out[n++] = x[k];
    return n;
}

static const TableCol WIDE[] = {
    {"policy", "policy", COL_STR, 0, 0},
    {"method", "method", COL_STR, 0, 0},
    {"params", "params", COL_NUM, 0, 0},
    {"seeds", "seeds", COL_INT, 0, 0},
    {"win_rate_mean", "win rate: mean over seeds", COL_NUM, 3, 0},
    {"win_rate_sd", "SD over seeds", COL_NUM, 3, 0},
    {"seeds_lo", "95% t over seeds: lo", COL_NUM, 3, 0},
    {"seeds_hi", "hi", COL_NUM, 3, 0},
    {"pooled_n", "comparisons (all seeds)", COL_INT, 0, 0},
    {"pooled_win_rate", "pooled", COL_NUM, 3, 0},
    {"posts_lo", "95% Wilson over comparisons: lo", COL_NUM, 3, 0},
    {"posts_hi", "hi", COL_NUM, 3, 0},
    {"lc_mean", "length-controlled: mean", COL_NUM, 3, 0},
    {"lc_lo", "lo", COL_NUM, 3, 0},
    {"lc_hi", "hi", COL_NUM, 3, 0},
    {"gold_mean", "gold overall: mean", COL_NUM, 3, 0},
    {"gold_lo", "lo", COL_NUM, 3, 0},
    {"gold_hi", "hi", COL_NUM, 3, 0},
    {"kl_mean", "KL: mean", COL_NUM, 3, 0},
    {"per_seed", "win rate per seed", COL_STR, 0, 0},
};
static const TableCol LONG[] = {
    {"policy", "policy", COL_STR, 0, 0},  {"method", "method", COL_STR, 0, 0},
    {"params", "params", COL_NUM, 0, 0},  {"seed", "seed", COL_STR, 0, 0},
    {"n", "n", COL_INT, 0, 0},            {"wins", "wins", COL_NUM, 1, 0},
    {"win_rate", "win rate", COL_NUM, 3, 0}, {"lc_win_rate", "length-controlled", COL_NUM, 3, 0},
    {"gold_overall", "gold", COL_NUM, 3, 0}, {"kl", "KL", COL_NUM, 3, 0},
};

static void summary_cells(Table *t, const double *x, int ns, int with_sd)
{
    double v[MAXSEEDS];
    StatsSummary s;
    stats_summary(v, present(x, ns, v), 0.95, &s);
    table_num(t, s.n ? s.mean : NAN);
    if (with_sd)
        table_num(t, s.sd);
    table_num(t, s.lo);
    table_num(t, s.hi);
}

static void write_table_csv(const char *path, const Table *t)
{
    char *buf = table_to_text(t, 1);
    atomic_write_string(path, buf);
    free(buf);
}

int sweep_seeds(const char *dir, const char *seed_dirs, TlError *err)
{
    char *names[MAXSEEDS];
    int ns = 0;
    char *list = xstrdup(seed_dirs), *save = NULL;
    for (char *tok = strtok_r(list, "\n", &save); tok && ns < MAXSEEDS; tok = strtok_r(NULL, "\n", &save))
        names[ns++] = xstrdup(tok);
    free(list);
    Rows rs = {0};
    char status[MAXSEEDS][NCLAIMS][24], text[NCLAIMS][200];
    memset(status, 0, sizeof status);
    memset(text, 0, sizeof text);
    int rc = 0;
    for (int k = 0; k < ns && rc == 0; k++) {
        char *sd = util_path_join(dir, names[k]);
        rc = load_seed(sd, k, &rs, status[k], text, err);
        free(sd);
    }
    if (rc == 0 && rs.n == 0) {
        tlerr_set(err, "%s: the seeds' win-rate tables name no policy", dir);
        rc = -1;
    }
    if (rc != 0)
        goto done;
    qsort(rs.r, rs.n, sizeof *rs.r, row_cmp);

    const char *seed_of[MAXSEEDS];
    for (int k = 0; k < ns; k++) {
        const char *sl = strrchr(names[k], '/');
        seed_of[k] = sl ? sl + 1 : names[k];
    }
    Table w, l;
    table_init(&w, WIDE, sizeof WIDE / sizeof WIDE[0]);
    table_init(&l, LONG, sizeof LONG / sizeof LONG[0]);
    for (size_t i = 0; i < rs.n; i++) {
        const Row *r = &rs.r[i];
        if (strcmp(r->name, "ref") == 0)
            continue;
        double wins = 0, n = 0, v[MAXSEEDS];
        int nseen = (int)present(r->win, ns, v);
        StrBuf per;
        sb_init(&per);
        for (int k = 0; k < ns; k++) {
            if (!isnan(r->wins[k]) && !isnan(r->n[k]))
                wins += r->wins[k], n += r->n[k];
            sb_printf(&per, "%s%s: %s", k ? ", " : "", seed_of[k], isnan(r->win[k]) ? "NA" : "");
            if (!isnan(r->win[k]))
                sb_printf(&per, "%.3f", r->win[k]);
            table_row(&l);
            table_str(&l, r->name);
            table_str(&l, r->method);
            table_num(&l, r->params);
            table_str(&l, seed_of[k]);
            if (isnan(r->n[k]))
                table_str(&l, NULL);
            else
                table_int(&l, (long long)r->n[k]);
            table_num(&l, r->wins[k]);
            table_num(&l, r->win[k]);
            table_num(&l, r->lc[k]);
            table_num(&l, r->gold[k]);
            table_num(&l, r->kl[k]);
        }
        double lo, hi;
        stats_wilson(wins, n, 0.95, &lo, &hi);
        table_row(&w);
        table_str(&w, r->name);
        table_str(&w, r->method);
        table_num(&w, r->params);
        table_int(&w, nseen);
        summary_cells(&w, r->win, ns, 1);
        table_int(&w, (long long)n);
        table_num(&w, n > 0 ? wins / n : NAN);
        table_num(&w, lo);
        table_num(&w, hi);
        summary_cells(&w, r->lc, ns, 0);
        summary_cells(&w, r->gold, ns, 0);
        double kl[MAXSEEDS];
        StatsSummary s;
        stats_summary(kl, present(r->kl, ns, kl), 0.95, &s);
        table_num(&w, s.n ? s.mean : NAN);
        table_str(&w, sb_str(&per));
        sb_free(&per);
    }

    StrBuf md;
    sb_init(&md);
    sb_printf(&md, "## Seeds\n\n%d seeds, each a whole run from the world to its report (", ns);
    for (int k = 0; k < ns; k++)
        sb_printf(&md, "%s[%s](%s/report/report.html)", k ? ", " : "", names[k], names[k]);
    sb_printf(&md, "): the same world, independent training, sampling and labelers. Each policy's "
                "win rate against the reference on valid2 TL;DR posts: its mean over seeds with a 95%% t interval "
                "over seeds (the spread of training runs), and all seeds' comparisons pooled with a 95%% Wilson "
                "interval (the spread over posts and labels); then the length-controlled σ(θ) and the gold judge's "
                "overall score, each mean over seeds with its t interval.%s\n\n",
                ns == 2 ? " With two seeds the t interval is wide (t = 12.7 on one degree of freedom)." : "");
    char *t = table_to_text(&w, 0);
    sb_add(&md, t);
    free(t);
    sb_add(&md, "\nEach claim's verdict per seed (the findings of each seed's report):\n\n| # | claim |");
    for (int k = 0; k < ns; k++)
        sb_printf(&md, " seed %s |", seed_of[k]);
    sb_add(&md, " reproduced in |\n|--:|:--|");
    for (int k = 0; k <= ns; k++)
        sb_add(&md, ":--|");
    sb_add(&md, "\n");
    cJSON *root = cJSON_CreateObject();
    cJSON *sj = cJSON_AddArrayToObject(root, "seeds");
    for (int k = 0; k < ns; k++)
        cJSON_AddItemToArray(sj, cJSON_CreateString(names[k]));
    cJSON *cj = cJSON_AddArrayToObject(root, "claims");
    for (int c = 0; c < NCLAIMS; c++) {
        int rep = 0;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "claim", c + 1);
        cJSON_AddStringToObject(o, "text", text[c]);
        cJSON *st = cJSON_AddArrayToObject(o, "status");
        sb_printf(&md, "| %d | %s |", c + 1, text[c]);
        for (int k = 0; k < ns; k++) {
            const char *v = status[k][c][0] ? status[k][c] : "missing";
            rep += strcmp(v, "reproduced") == 0;
            sb_printf(&md, " %s |", v);
            cJSON_AddItemToArray(st, cJSON_CreateString(v));
        }
        sb_printf(&md, " %d of %d |\n", rep, ns);
        cJSON_AddNumberToObject(o, "reproduced_in", rep);
        cJSON_AddItemToArray(cj, o);
    }
    sb_add(&md, "\nData: `seeds.csv` (one row per policy), `seeds_long.csv` (one row per policy and seed), "
                "`seeds.json`.\n");
    cJSON_AddItemToObject(root, "policies", table_to_json(&w));
    cJSON_AddItemToObject(root, "per_seed", table_to_json(&l));

    char *p = util_path_join(dir, "seeds.csv");
    write_table_csv(p, &w);
    free(p);
    p = util_path_join(dir, "seeds_long.csv");
    write_table_csv(p, &l);
    free(p);
    char *js = cJSON_Print(root);
    p = util_path_join(dir, "seeds.json");
    atomic_write_string(p, js);
    free(p);
    free(js);
    cJSON_Delete(root);
    p = util_path_join(dir, "seeds.md");
    atomic_write_string(p, sb_str(&md));
    free(p);
    sb_free(&md);
    table_free(&w);
    table_free(&l);
done:
    for (size_t i = 0; i < rs.n; i++)
        free(rs.r[i].name), free(rs.r[i].method);
    free(rs.r);
    for (int k = 0; k < ns; k++)
        free(names[k]);
    return rc;
}
