/* cmd_world.c — `tldrlab world generate|stats|judge|lint`. */
#include "cli/cli.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/progress.h"
#include "common/util.h"
#include "world/judge.h"
#include "world/lint.h"
#include "world/samples.h"
#include "world/world.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The lexicon: --lexicon DIR or the built-in one. */
static void load_lexicon(CliOpts *o, Lexicon *lx)
{
    TlError err;
    int rc = o->lexicon_dir ? lexicon_load_dir(lx, o->lexicon_dir, &err) : lexicon_load_builtin(lx, &err);
    if (rc != 0)
        cli_input_error(&err);
}

/* The configuration: defaults, then --config FILE, then --seed. */
static void load_config(CliOpts *o, WorldConfig *c)
{
    world_config_default(c);
    TlError err;
    if (o->config_path && world_config_read(c, o->config_path, &err) != 0)
        cli_input_error(&err);
    if (o->seed_given)
        c->seed = o->seed;
}

void cli_open_world(CliOpts *o, World *w, int texts)
{
    if (!o->world_dir)
        cli_usage_error(o, "--world DIR is required (a world made by tldrlab world generate)");
    TlError err;
    if (world_open(w, o->world_dir, &err) != 0 || (texts && world_load_texts(w, &err) != 0))
        cli_input_error(&err);
}

static int world_cmd_generate(CliOpts *o)
{
    if (!o->out_dir)
        cli_usage_error(o, "generate: --out DIR is required: where to write the world");
    if (o->nfiles > 1)
        cli_usage_error(o, "generate: unexpected argument '%s'", o->files[1]);
    WorldConfig c;
    load_config(o, &c);
    Lexicon lx;
    load_lexicon(o, &lx);
    double t0 = util_now();
    TlError err;
    int rc = world_generate(&c, &lx, o->out_dir, o->read.progress, &err);
    lexicon_free(&lx);
    if (rc == TL_EXIT_INPUT)
        cli_usage_error(o, "%s", err.msg);
    if (rc != 0)
        tl_die(rc, "%s", err.msg);
    printf("wrote the world to %s/ in %.1f s: tldr train %zu, valid1 %zu, valid2 %zu, test %zu; "
           "news train %zu, test %zu (seed %llu)\n",
           o->out_dir, util_now() - t0, c.n[WD_TLDR][SPLIT_TRAIN], c.n[WD_TLDR][SPLIT_VALID1],
           c.n[WD_TLDR][SPLIT_VALID2], c.n[WD_TLDR][SPLIT_TEST], c.n[WD_NEWS][SPLIT_TRAIN], c.n[WD_NEWS][SPLIT_TEST],
           (unsigned long long)c.seed);
    cli_check_stdout();
    return 0;
}

static int world_cmd_lint(CliOpts *o)
{
    if (o->nfiles > 1)
        cli_usage_error(o, "lint: unexpected argument '%s'", o->files[1]);
    WorldConfig c;
    load_config(o, &c);
    Lexicon lx;
    load_lexicon(o, &lx);
    StrBuf msgs;
    sb_init(&msgs);
    size_t n = world_lint(&lx, &c, 300, &msgs);
    size_t events = 0, details = 0, asks = 0;
    for (size_t i = 0; i < lx.nc; i++) {
        events += lx.c[i].kind == CK_EVENT;
        details += lx.c[i].kind == CK_DETAIL;
        asks += lx.c[i].kind == CK_ASK || lx.c[i].kind == CK_OUTCOME;
    }
    fputs(sb_str(&msgs), stdout);
    printf("%s: %zu sections, %zu events, %zu details, %zu asks and outcomes, %zu keys, %u templates: %zu problem%s\n",
           o->lexicon_dir ? o->lexicon_dir : "built-in lexicon", lx.nsec, events, details, asks, lx.nkeys,
           lx.ntemplates, n, n == 1 ? "" : "s");
    sb_free(&msgs);
    lexicon_free(&lx);
    cli_check_stdout();
    return n ? TL_EXIT_INPUT : 0;
}

/* ---- stats ---- */

typedef struct {
    size_t *words; size_t n, cap;
} Lens;

static void lens_add(Lens *l, size_t w)
{
    GROW(l->words, l->cap, l->n + 1);
    l->words[l->n++] = w;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Distinct n-gram ratios over a set of texts: hashes of word n-grams. */
typedef struct {
    uint64_t *keys;
    size_t cap, n, total;
} NgramSet;

static void ngram_add(NgramSet *s, uint64_t h)
{
    h |= 1;
    if (2 * (s->n + 1) > s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 4096;
        uint64_t *nk = xcalloc(nc, sizeof *nk);
        for (size_t i = 0; i < s->cap; i++)
            if (s->keys[i]) {
                size_t j = (size_t)(s->keys[i] >> 7) & (nc - 1);
                while (nk[j])
                    j = (j + 1) & (nc - 1);
                nk[j] = s->keys[i];
            }
        free(s->keys);
        s->keys = nk;
        s->cap = nc;
    }
    size_t j = (size_t)(h >> 7) & (s->cap - 1);
    while (s->keys[j] && s->keys[j] != h)
        j = (j + 1) & (s->cap - 1);
    if (!s->keys[j]) {
        s->keys[j] = h;
        s->n++;
    }
    s->total++;
}

typedef struct {
    uint64_t w[4096];
    int n;
} WordHashes;

static void word_hash(const char *tok, size_t len, void *arg)
{
    WordHashes *wh = arg;
    if (len == 1 && tok[0] == '.')
        return; /* sentence boundaries are not words */
    if (wh->n < 4096)
        wh->w[wh->n++] = util_fnv1a(UTIL_FNV_INIT, tok, len);
}

static void ngrams_of(const char *text, NgramSet sets[4], NgramSet *vocab)
{
    static WordHashes wh;
    wh.n = 0;
    lexicon_tokenize(text, word_hash, &wh);
    for (int i = 0; i < wh.n; i++) {
        if (vocab)
            ngram_add(vocab, wh.w[i]);
        uint64_t h = 0;
        for (int k = 0; k < 4 && i + k < wh.n; k++) {
            h = (h ^ wh.w[i + k]) * 0x100000001B3ULL + (uint64_t)k;
            ngram_add(&sets[k], h);
        }
    }
}

static const TableCol STAT_COLS[] = {
    {"dataset", "dataset", COL_STR, 0, 0},
    {"split", "split", COL_STR, 0, 0},
    {"documents", "docs", COL_INT, 0, 0},
    {"words_mean", "words mean", COL_NUM, 1, 0},
    {"words_min", "min", COL_INT, 0, 0},
    {"words_median", "median", COL_INT, 0, 0},
    {"words_p90", "p90", COL_INT, 0, 0},
    {"words_max", "max", COL_INT, 0, 0},
    {"ref_words_mean", "ref words mean", COL_NUM, 1, 0},
    {"ref_words_min", "ref min", COL_INT, 0, 0},
    {"ref_words_max", "ref max", COL_INT, 0, 0},
    {"title_words_mean", "title words", COL_NUM, 1, 0},
    {"vocabulary", "vocabulary", COL_INT, 0, 0},
    {"distinct_1", "distinct-1", COL_NUM, 4, 0},
    {"distinct_2", "distinct-2", COL_NUM, 4, 0},
    {"distinct_3", "distinct-3", COL_NUM, 4, 0},
    {"distinct_4", "distinct-4", COL_NUM, 4, 0},
    {"ref_distinct_2", "ref distinct-2", COL_NUM, 4, 0},
    {"duplicates", "duplicate docs", COL_INT, 0, 0},
    {"ref_duplicates", "duplicate refs", COL_INT, 0, 0},
};

static const TableCol TPL_COLS[] = {
    {"templates", "kind", COL_STR, 0, 0},
    {"total", "templates", COL_INT, 0, 0},
    {"used", "used", COL_INT, 0, 0},
    {"coverage", "coverage", COL_NUM, 3, 0},
};

static size_t dup_count(const char *const *texts, size_t n)
{
    NgramSet s = {0};
    for (size_t i = 0; i < n; i++)
        ngram_add(&s, util_fnv1a(UTIL_FNV_INIT, texts[i], strlen(texts[i])));
    size_t d = s.total - s.n;
    free(s.keys);
    return d;
}

/* The template classes: each list's templates by index range. */
static void tpl_class(const Lexicon *lx, uint8_t *cls, int nclass_names, const char **names)
{
    (void)nclass_names;
    (void)names;
    memset(cls, 0, lx->ntemplates);
    for (size_t i = 0; i < lx->nc; i++) {
        const Concept *c = &lx->c[i];
        for (size_t k = 0; k < c->post.n; k++)
            cls[c->post.tpl0 + k] = c->kind == CK_DISTRACTOR ? 4 : 0;
        for (size_t k = 0; k < c->summary.n; k++)
            cls[c->summary.tpl0 + k] = 1;
        for (size_t k = 0; k < c->title.n; k++)
            cls[c->title.tpl0 + k] = 2;
    }
    for (int g = 0; g <= LEX_MAX_GROUPS; g++)
        for (size_t k = 0; k < lx->intros[g].n; k++)
            cls[lx->intros[g].tpl0 + k] = 3;
    const TplList *fill[] = {&lx->openers, &lx->closers, &lx->fillers, &lx->news_fillers, &lx->connectors[0],
                             &lx->connectors[1]};
    for (size_t f = 0; f < sizeof fill / sizeof fill[0]; f++)
        for (size_t k = 0; k < fill[f]->n; k++)
            cls[fill[f]->tpl0 + k] = 5;
    for (size_t s = 0; s < lx->nsec; s++)
        for (size_t k = 0; k < lx->sec[s].fillers.n; k++)
            cls[lx->sec[s].fillers.tpl0 + k] = 5;
}

static int world_cmd_stats(CliOpts *o)
{
    if (o->nfiles != 2)
        cli_usage_error(o, "stats: expected one world folder (tldrlab world stats DIR)");
    World w;
    TlError err;
    if (world_open(&w, o->files[1], &err) != 0 || world_load_texts(&w, &err) != 0)
        cli_input_error(&err);
    Output out;
    output_init(&out, "world_stats");
    Table *t = output_table(&out, NULL, STAT_COLS, sizeof STAT_COLS / sizeof STAT_COLS[0]);
    static const Split SPL[] = {SPLIT_TRAIN, SPLIT_VALID1, SPLIT_VALID2, SPLIT_TEST};
    for (int dom = 0; dom < WD_N; dom++) {
        for (int q = -1; q < 4; q++) { /* -1: all splits */
            Lens body = {0}, ref = {0};
            double title_words = 0;
            NgramSet ng[4] = {{0}}, rng2[4] = {{0}}, vocab = {0};
            const char **bodies = xcalloc(w.ndocs + 1, sizeof *bodies), **refs = xcalloc(w.ndocs + 1, sizeof *refs);
            size_t n = 0;
            for (size_t k = 0; k < w.ndocs; k++) {
                if (w.docs[k].domain != dom || (q >= 0 && w.docs[k].split != (int)SPL[q]))
                    continue;
                lens_add(&body, util_count_words(w.body[k]));
                lens_add(&ref, util_count_words(w.ref[k]));
                title_words += (double)util_count_words(w.title[k]);
                ngrams_of(w.body[k], ng, &vocab);
                ngrams_of(w.ref[k], rng2, NULL);
                bodies[n] = w.body[k];
                refs[n++] = w.ref[k];
            }
            if (n > 0) {
                qsort(body.words, body.n, sizeof *body.words, cmp_size);
                qsort(ref.words, ref.n, sizeof *ref.words, cmp_size);
                double bm = 0, rm = 0;
                for (size_t k = 0; k < n; k++)
                    bm += (double)body.words[k], rm += (double)ref.words[k];
                table_row(t);
                table_str(t, dom == WD_TLDR ? "tldr" : "news");
                table_str(t, q < 0 ? "all" : split_name(SPL[q]));
                table_int(t, (long long)n);
                table_num(t, bm / (double)n);
                table_int(t, (long long)body.words[0]);
                table_int(t, (long long)body.words[n / 2]);
                table_int(t, (long long)body.words[(size_t)(0.9 * (double)(n - 1))]);
                table_int(t, (long long)body.words[n - 1]);
                table_num(t, rm / (double)n);
                table_int(t, (long long)ref.words[0]);
                table_int(t, (long long)ref.words[n - 1]);
                table_num(t, title_words / (double)n);
                table_int(t, (long long)vocab.n);
                for (int k = 0; k < 4; k++)
                    table_num(t, ng[k].total ? (double)ng[k].n / (double)ng[k].total : NAN);
                table_num(t, rng2[1].total ? (double)rng2[1].n / (double)rng2[1].total : NAN);
                table_int(t, (long long)dup_count(bodies, n));
                table_int(t, (long long)dup_count(refs, n));
            }
            free(body.words);
            free(ref.words);
            for (int k = 0; k < 4; k++)
                free(ng[k].keys), free(rng2[k].keys);
            free(vocab.keys);
            free(bodies);
            free(refs);
            if (q < 0 && n == 0)
                break;
        }
    }
    /* template coverage, from the indices facts.jsonl records */
    uint8_t *cls = xmalloc(w.lx.ntemplates + 1);
    tpl_class(&w.lx, cls, 0, NULL);
    uint8_t *used = xcalloc(w.lx.ntemplates + 1, 1);
    char *fp = util_path_join(w.dir, "facts.jsonl");
    JsonlReader rd;
    if (jsonl_open(&rd, fp, &err) != 0)
        cli_input_error(&err);
    cJSON *j;
    int rc;
    while ((rc = jsonl_next(&rd, &j, &err)) == 1) {
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(j, "templates"), *x;
        cJSON_ArrayForEach(x, tp)
            if (cJSON_IsNumber(x) && x->valuedouble >= 0 && x->valuedouble < w.lx.ntemplates)
                used[(size_t)x->valuedouble] = 1;
        cJSON_Delete(j);
    }
    jsonl_close(&rd);
    free(fp);
    if (rc != 0)
        cli_input_error(&err);
    static const char *const CLS[] = {"post sentences", "summary clauses", "titles", "intros", "asides",
                                      "fillers and connectors"};
    Table *tt = output_table(&out, "templates", TPL_COLS, sizeof TPL_COLS / sizeof TPL_COLS[0]);
    size_t all_n = 0, all_u = 0;
    for (int k = 0; k < 6; k++) {
        size_t tot = 0, u = 0;
        for (uint32_t i = 0; i < w.lx.ntemplates; i++)
            if (cls[i] == k)
                tot++, u += used[i];
        all_n += tot;
        all_u += u;
        table_row(tt);
        table_str(tt, CLS[k]);
        table_int(tt, (long long)tot);
        table_int(tt, (long long)u);
        table_num(tt, tot ? (double)u / (double)tot : NAN);
    }
    table_row(tt);
    table_str(tt, "all");
    table_int(tt, (long long)all_n);
    table_int(tt, (long long)all_u);
    table_num(tt, all_n ? (double)all_u / (double)all_n : NAN);
    free(cls);
    free(used);

    cJSON_AddStringToObject(out.doc, "world", w.dir);
    cJSON_AddItemToObject(out.doc, "splits", table_to_json(t));
    cJSON_AddItemToObject(out.doc, "templates", table_to_json(tt));
    output_md(&out, "World %s: %zu documents\n\n", w.dir, w.ndocs);
    output_md_table(&out, t);
    output_md(&out, "\nTemplate coverage (templates used at least once by the documents, their references "
                    "and titles):\n\n");
    output_md_table(&out, tt);
    cli_emit_output(o, &out);
    output_free(&out);
    world_close(&w);
    return 0;
}

/* ---- judge ---- */

const TableCol CLI_JUDGE_COLS[] = {
    {"dataset", "dataset", COL_STR, 0, 0},
    {"policy", "policy", COL_STR, 0, 0},
    {"n", "n", COL_INT, 0, 0},
    {"overall", "overall", COL_NUM, 3, 0},
    {"overall_se", "SE", COL_NUM, 3, 0},
    {"accuracy", "accuracy", COL_NUM, 3, 0},
    {"coverage", "coverage", COL_NUM, 3, 0},
    {"coherence", "coherence", COL_NUM, 3, 0},
    {"words", "words", COL_NUM, 1, 0},
    {"invented", "invented/summary", COL_NUM, 3, 0},
    {"contradicted", "contradicted/summary", COL_NUM, 3, 0},
    {"truncated", "truncated", COL_NUM, 3, 0},
    {"copied", "copied", COL_NUM, 3, 0},
    {"ceiling", "ceiling", COL_NUM, 3, 0},
    {"lost_length", "-length", COL_NUM, 3, 0},
    {"lost_invented", "-invented", COL_NUM, 3, 0},
    {"lost_contradicted", "-contradicted", COL_NUM, 3, 0},
    {"lost_repetition", "-repetition", COL_NUM, 3, 0},
    {"lost_truncation", "-truncation", COL_NUM, 3, 0},
    {"lost_incoherent", "-incoherent", COL_NUM, 3, 0},
};
const size_t CLI_JUDGE_NCOLS = sizeof CLI_JUDGE_COLS / sizeof CLI_JUDGE_COLS[0];

void cli_judge_summary_md(Output *out, const Table *t, size_t samples, const char *world)
{
    output_md(out, "Gold judge on %zu samples (world %s); means per dataset and policy, each axis in [0, 1]. "
              "copied: share of words in 5-grams of the document; ceiling: overall without penalties; "
              "-length ... -incoherent: what each penalty took off overall (ceiling - their sum = overall)\n\n",
              samples, world);
    output_md_table(out, t);
}

static int world_cmd_judge(CliOpts *o)
{
    if (o->nfiles < 2)
        cli_usage_error(o, "judge: no samples files (tldrlab world judge --world DIR SAMPLES...)");
    World w;
    cli_open_world(o, &w, 1); /* the texts: the share copied from each document */
    SampleSet ss;
    sampleset_init(&ss);
    TlError err;
    for (int i = 1; i < o->nfiles; i++)
        if (samples_read(&ss, &w, o->files[i], &err) != 0)
            cli_input_error(&err);
    if (ss.n == 0)
        cli_usage_error(o, "judge: the samples files hold no samples");
    double t0 = util_now();
    Judge j;
    judge_init(&j, &w);
    JudgeScore *sc = xcalloc(ss.n, sizeof *sc);
    double *copied = xcalloc(ss.n, sizeof *copied); /* beside the score: judge_copied */
    cJSON **ex = o->summary ? NULL : xcalloc(ss.n, sizeof *ex);
    Progress pr;
    progress_start(&pr, "judging", (double)ss.n, o->read.progress);
#pragma omp parallel for schedule(dynamic, 256)
    for (size_t i = 0; i < ss.n; i++) {
        if (ex)
            ex[i] = cJSON_CreateObject();
        judge_score(&j, ss.s[i].doc, ss.s[i].text, &sc[i], ex ? ex[i] : NULL);
        copied[i] = judge_copied(&j, ss.s[i].doc, ss.s[i].text);
    }
    progress_finish(&pr);
    double secs = util_now() - t0;

    if (o->summary) {
        Output out;
        output_init(&out, "judge");
        Table *t = output_table(&out, NULL, CLI_JUDGE_COLS, CLI_JUDGE_NCOLS);
        for (int dom = 0; dom < WD_N; dom++)
            for (size_t p = 0; p < ss.policies.n; p++) {
                double n = 0, sum[10 + JP_N] = {0}, sq = 0;
                for (size_t i = 0; i < ss.n; i++) {
                    if (ss.s[i].policy != p || w.docs[ss.s[i].doc].domain != dom)
                        continue;
                    const JudgeScore *s = &sc[i];
                    n++;
                    sum[0] += s->overall, sq += s->overall * s->overall;
                    sum[1] += s->accuracy, sum[2] += s->coverage, sum[3] += s->coherence;
                    sum[4] += (double)s->words, sum[5] += s->invented, sum[6] += s->contradicted;
                    sum[7] += s->truncated;
                    sum[8] += isnan(copied[i]) ? 0 : copied[i];
                    sum[9] += s->ceiling;
                    for (int q = 0; q < JP_N; q++)
                        sum[10 + q] += s->pen[q];
                }
                if (n == 0)
                    continue;
                double mean = sum[0] / n, var = n > 1 ? (sq - n * mean * mean) / (n - 1) : NAN;
                table_row(t);
                table_str(t, dom == WD_TLDR ? "tldr" : "news");
                table_str(t, strpool_get(&ss.policies, (uint32_t)p));
                table_int(t, (long long)n);
                table_num(t, mean);
                table_num(t, n > 1 ? sqrt(fmax(var, 0) / n) : NAN);
                for (int k = 1; k < 10 + JP_N; k++)
                    table_num(t, sum[k] / n);
            }
        cJSON_AddStringToObject(out.doc, "world", w.dir);
        cJSON_AddNumberToObject(out.doc, "samples", (double)ss.n);
        cJSON_AddItemToObject(out.doc, "policies", table_to_json(t));
        cli_judge_summary_md(&out, t, ss.n, w.dir);
        cli_emit_output(o, &out);
        output_free(&out);
    } else {
        if (o->format_given && o->format == FMT_MD)
            cli_usage_error(o, "judge: --format md: one line per sample comes as JSON lines (the default) or "
                               "--format csv; --summary gives the Markdown table");
        AtomicFile *af = o->out_dir ? cli_open_out_file(o) : NULL;
        FILE *fp = af ? af->fp : stdout;
        if (o->format == FMT_CSV) {
            fputs("id,policy,split,dataset,overall,accuracy,coverage,coherence,words,invented,contradicted,"
                  "lm_nll,repetition,truncated,negated,coverage_keys,copied,ceiling", fp);
            for (int q = 0; q < JP_N; q++)
                fprintf(fp, ",lost_%s", judge_penalty_name(q));
            fputc('\n', fp);
        }
        for (size_t i = 0; i < ss.n; i++) {
            const Doc *d = &w.docs[ss.s[i].doc];
            const JudgeScore *s = &sc[i];
            const char *pol = strpool_get(&ss.policies, ss.s[i].policy);
            char num[8][40];
            double v[8] = {s->overall, s->accuracy, s->coverage, s->coherence, s->lm_nll, s->repetition};
            for (int k = 0; k < 6; k++)
                util_format_double(isnan(v[k]) ? 0 : v[k], num[k], sizeof num[k]);
            if (o->format == FMT_CSV) {
                csv_fwrite(fp, d->id, strlen(d->id));
                fputc(',', fp);
                csv_fwrite(fp, pol, strlen(pol));
                fprintf(fp, ",%s,%s,%s,%s,%s,%s,%zu,%d,%d,%s,%s,%d,%d", split_name((Split)d->split),
                        d->domain == WD_TLDR ? "tldr" : "news", num[0], num[1], num[2], num[3], s->words,
                        s->invented, s->contradicted, isnan(s->lm_nll) ? "" : num[4], num[5], s->truncated, s->negated);
                double extra[3 + JP_N] = {s->coverage_keys, copied[i], s->ceiling};
                for (int q = 0; q < JP_N; q++)
                    extra[3 + q] = s->pen[q];
                for (int q = 0; q < 3 + JP_N; q++) {
                    char b[40];
                    util_format_double(extra[q], b, sizeof b);
                    fprintf(fp, ",%s", isnan(extra[q]) ? "" : b);
                }
                fputc('\n', fp);
                cJSON_Delete(ex[i]);
            } else {
                cJSON *r = cJSON_CreateObject();
                cJSON_AddStringToObject(r, "id", d->id);
                cJSON_AddStringToObject(r, "policy", pol);
                cJSON_AddStringToObject(r, "split", split_name((Split)d->split));
                cJSON_AddStringToObject(r, "dataset", d->domain == WD_TLDR ? "tldr" : "news");
                static const char *const AX[] = {"overall", "accuracy", "coverage", "coherence"};
                for (int k = 0; k < 4; k++)
                    cJSON_AddRawToObject(r, AX[k], num[k]);
                cJSON_AddNumberToObject(r, "words", (double)s->words);
                cJSON_AddNumberToObject(r, "invented", s->invented);
                cJSON_AddNumberToObject(r, "contradicted", s->contradicted);
                if (isnan(s->lm_nll))
                    cJSON_AddNullToObject(r, "lm_nll");
                else
                    cJSON_AddRawToObject(r, "lm_nll", num[4]);
                cJSON_AddRawToObject(r, "repetition", num[5]);
                cJSON_AddBoolToObject(r, "truncated", s->truncated);
                cJSON_AddNumberToObject(r, "negated", s->negated);
                double extra[3] = {s->coverage_keys, copied[i], s->ceiling};
                static const char *const XN[] = {"coverage_keys", "copied", "ceiling"};
                for (int q = 0; q < 3; q++) {
                    char b[40];
                    util_format_double(extra[q], b, sizeof b);
                    if (isnan(extra[q]))
                        cJSON_AddNullToObject(r, XN[q]);
                    else
                        cJSON_AddRawToObject(r, XN[q], b);
                }
                cJSON *lost = cJSON_AddObjectToObject(r, "lost");
                for (int q = 0; q < JP_N; q++) {
                    char b[40];
                    util_format_double(s->pen[q], b, sizeof b);
                    cJSON_AddRawToObject(lost, judge_penalty_name(q), b);
                }
                cJSON_AddItemToObject(r, "facts", ex[i]);
                jsonl_write(fp, r);
            }
        }
        free(ex);
        if (af) {
            if (atomic_commit(af) != 0)
                return TL_EXIT_RUNTIME;
        } else {
            cli_check_stdout();
        }
    }
    if (o->read.progress || o->out_dir)
        fprintf(stderr, "tldrlab world judge: %zu samples judged in %.2f s\n", ss.n, secs);
    free(sc);
    free(copied);
    judge_free(&j);
    sampleset_free(&ss);
    world_close(&w);
    return 0;
}

int cmd_world(CliOpts *o)
{
    const char *a = o->files[0];
    if (strcmp(a, "generate") == 0)
        return world_cmd_generate(o);
    if (strcmp(a, "stats") == 0)
        return world_cmd_stats(o);
    if (strcmp(a, "judge") == 0)
        return world_cmd_judge(o);
    if (strcmp(a, "lint") == 0)
        return world_cmd_lint(o);
    cli_usage_error(o, "unknown action '%s': expected generate, stats, judge or lint (see tldrlab world --help)", a);
}
