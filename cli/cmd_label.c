/* cmd_label.c — `tldrlab label compare|rate`: the simulated workers write
 * comparisons and axis evals in the released format. */
#include "cli/cli.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/progress.h"
#include "common/rng.h"
#include "common/util.h"
#include "world/judge.h"
#include "world/labelers.h"
#include "world/samples.h"

#include <stdlib.h>
#include <string.h>

static void doc_info(const World *w, size_t k, RecInfo *info)
{
    memset(info, 0, sizeof *info);
    const Doc *d = &w->docs[k];
    info->id = d->id;
    info->title = w->title[k];
    if (d->domain == WD_TLDR) {
        info->post = w->body[k];
        info->subreddit = w->subreddit[k];
    } else {
        info->article = w->body[k];
        info->site = w->lx.sites[d->site];
    }
}

static void read_samples(CliOpts *o, const World *w, const char *path, SampleSet *ss)
{
    TlError err;
    if (samples_read(ss, w, path, &err) != 0)
        cli_input_error(&err);
    if (ss->n == 0)
        cli_usage_error(o, "%s holds no samples", path);
}

/* The pool: the world's, or the labelers section of --config (nothing
 * else of that file: the world stays as it was generated). */
static void load_pool(CliOpts *o, const World *w, WorldConfig *c, WorkerPool *pool)
{
    *c = w->cfg;
    TlError err;
    if (o->config_path) {
        WorldConfig f = w->cfg;
        if (world_config_read(&f, o->config_path, &err) != 0)
            cli_input_error(&err);
        c->workers = f.workers;
        memcpy(c->sharpness, f.sharpness, sizeof c->sharpness);
        memcpy(c->length_bias, f.length_bias, sizeof c->length_bias);
        memcpy(c->carelessness, f.carelessness, sizeof c->carelessness);
        memcpy(c->rating_noise, f.rating_noise, sizeof c->rating_noise);
        memcpy(c->confidence_cuts, f.confidence_cuts, sizeof c->confidence_cuts);
        c->shared_taste = f.shared_taste;
        c->labeler_seed = f.labeler_seed;
    }
    if ((size_t)o->labels > (size_t)c->workers)
        cli_usage_error(o, "--labels %ld is more than the %d workers in the pool", o->labels, c->workers);
    pool_init(pool, c);
}

static int label_compare(CliOpts *o, World *w, const WorldConfig *c, const WorkerPool *pool, Judge *j)
{
    if (o->nfiles != 3)
        cli_usage_error(o, "compare: expected two samples files, A and B (tldrlab label compare --world DIR "
                           "--out FILE A.jsonl B.jsonl)");
    SampleSet a, b;
    sampleset_init(&a);
    sampleset_init(&b);
    read_samples(o, w, o->files[1], &a);
    read_samples(o, w, o->files[2], &b);
    /* B's samples by document */
    size_t *head = xmalloc((w->ndocs + 1) * sizeof *head), *next = xmalloc((b.n + 1) * sizeof *next);
    for (size_t k = 0; k < w->ndocs; k++)
        head[k] = SIZE_MAX;
    for (size_t i = b.n; i-- > 0;) {
        next[i] = head[b.s[i].doc];
        head[b.s[i].doc] = i;
    }
    /* gold scores of every sample */
    double *ga = xmalloc((a.n + 1) * sizeof *ga), *gb = xmalloc((b.n + 1) * sizeof *gb);
#pragma omp parallel for schedule(dynamic, 256)
    for (size_t i = 0; i < a.n + b.n; i++) {
        JudgeScore s;
        if (i < a.n) {
            judge_score(j, a.s[i].doc, a.s[i].text, &s, NULL);
            ga[i] = s.overall;
        } else {
            judge_score(j, b.s[i - a.n].doc, b.s[i - a.n].text, &s, NULL);
            gb[i - a.n] = s.overall;
        }
    }
    gsl_rng *r = rng_alloc(o->seed);
    AtomicFile *af = cli_open_out_file(o);
    size_t pairs = 0, records = 0, gold = 0;
    size_t *who = xmalloc(((size_t)o->labels + 1) * sizeof *who);
    Progress pr;
    progress_start(&pr, "labelling pairs", (double)a.n, o->read.progress);
    for (size_t i = 0; i < a.n; i++) {
        const Sample *sa = &a.s[i];
        for (size_t q = head[sa->doc]; q != SIZE_MAX; q = next[q]) {
            const Sample *sb = &b.s[q];
            const char *pa = strpool_get(&a.policies, sa->policy), *pb = strpool_get(&b.policies, sb->policy);
            if (strcmp(pa, pb) == 0)
                continue;
            pairs++;
            CmpRecord rec;
            memset(&rec, 0, sizeof rec);
            doc_info(w, sa->doc, &rec.info);
            rec.batch = o->batch_name;
            rec.split = (Split)w->docs[sa->doc].split;
            pool_pick(pool, r, (size_t)o->labels, who);
            for (long k = 0; k <= o->labels; k++) {
                if (k == o->labels && !o->gold)
                    break;
                int flip = gsl_rng_uniform(r) < 0.5; /* the order shown */
                const Sample *s0 = flip ? sb : sa, *s1 = flip ? sa : sb;
                double ov[2] = {flip ? gb[q] : ga[i], flip ? ga[i] : gb[q]};
                double seen[2] = {ov[0] + c->shared_taste * labeler_taste(c, s0->text),
                                  ov[1] + c->shared_taste * labeler_taste(c, s1->text)};
                size_t words[2] = {util_count_words(s0->text), util_count_words(s1->text)};
                rec.summaries[0].text = s0->text;
                rec.summaries[0].policy = flip ? pb : pa;
                rec.summaries[1].text = s1->text;
                rec.summaries[1].policy = flip ? pa : pb;
                if (k < o->labels) {
                    const Worker *wk = &pool->w[who[k]];
                    rec.choice = labeler_compare(wk, c, r, seen, words, &rec.confidence);
                    rec.worker = wk->id;
                } else {
                    rec.choice = labeler_gold_choice(c, ov, &rec.confidence);
                    if (rec.choice < 0)
                        continue; /* a tie: the judge has no preference */
                    rec.worker = "gold";
                    gold++;
                }
                jsonl_write(af->fp, record_comparison_to_json(&rec));
                records++;
            }
        }
        progress_update(&pr, (double)(i + 1));
    }
    progress_finish(&pr);
    rng_free(r);
    free(who);
    free(head);
    free(next);
    free(ga);
    free(gb);
    sampleset_free(&a);
    sampleset_free(&b);
    if (pairs == 0) {
        atomic_abort(af);
        cli_usage_error(o, "compare: no sample of %s shares a document with a sample of another policy in %s",
                        o->files[1], o->files[2]);
    }
    if (atomic_commit(af) != 0)
        return TL_EXIT_RUNTIME;
    printf("wrote %zu comparisons of %zu pairs (%ld label%s each%s) to %s\n", records, pairs, o->labels,
           o->labels == 1 ? "" : "s", o->gold ? ", plus the gold judge's choice as worker gold" : "", o->out_dir);
    (void)gold;
    cli_check_stdout();
    return 0;
}

static int label_rate(CliOpts *o, World *w, const WorkerPool *pool, Judge *j)
{
    SampleSet ss;
    sampleset_init(&ss);
    for (int i = 1; i < o->nfiles; i++)
        read_samples(o, w, o->files[i], &ss);
    double *gold = xmalloc((ss.n + 1) * 4 * sizeof *gold);
#pragma omp parallel for schedule(dynamic, 256)
    for (size_t i = 0; i < ss.n; i++) {
        JudgeScore s;
        judge_score(j, ss.s[i].doc, ss.s[i].text, &s, NULL);
        gold[4 * i] = s.overall;
        gold[4 * i + 1] = s.accuracy;
        gold[4 * i + 2] = s.coverage;
        gold[4 * i + 3] = s.coherence;
    }
    gsl_rng *r = rng_alloc(o->seed);
    AtomicFile *af = cli_open_out_file(o);
    size_t *who = xmalloc((size_t)o->labels * sizeof *who);
    size_t records = 0;
    for (size_t i = 0; i < ss.n; i++) {
        AxisRecord rec;
        memset(&rec, 0, sizeof rec);
        doc_info(w, ss.s[i].doc, &rec.info);
        rec.summary.text = ss.s[i].text;
        rec.summary.policy = strpool_get(&ss.policies, ss.s[i].policy);
        rec.batch = o->batch_name;
        rec.split = (Split)w->docs[ss.s[i].doc].split;
        pool_pick(pool, r, (size_t)o->labels, who);
        for (long k = 0; k < o->labels; k++) {
            const Worker *wk = &pool->w[who[k]];
            labeler_rate(wk, r, &gold[4 * i], util_count_words(ss.s[i].text), rec.axes);
            rec.worker = wk->id;
            jsonl_write(af->fp, record_axis_to_json(&rec));
            records++;
        }
    }
    rng_free(r);
    free(who);
    free(gold);
    size_t n = ss.n;
    sampleset_free(&ss);
    if (atomic_commit(af) != 0)
        return TL_EXIT_RUNTIME;
    printf("wrote %zu axis evals of %zu samples to %s\n", records, n, o->out_dir);
    cli_check_stdout();
    return 0;
}

int cmd_label(CliOpts *o)
{
    const char *a = o->files[0];
    int compare = strcmp(a, "compare") == 0;
    if (!compare && strcmp(a, "rate") != 0)
        cli_usage_error(o, "unknown action '%s': expected compare or rate (see tldrlab label --help)", a);
    if (!o->out_dir)
        cli_usage_error(o, "--out FILE is required: where to write the records");
    if (o->gold && !compare)
        cli_usage_error(o, "--gold applies to compare only");
    if (o->labels == 0 && !o->gold)
        cli_usage_error(o, "--labels 0 writes no labeler's records: it is for compare --gold (the gold judge's "
                           "choices alone)");
    World w;
    cli_open_world(o, &w, 1);
    WorldConfig c;
    WorkerPool pool;
    load_pool(o, &w, &c, &pool);
    Judge j;
    judge_init(&j, &w);
    int rc = compare ? label_compare(o, &w, &c, &pool, &j) : label_rate(o, &w, &pool, &j);
    judge_free(&j);
    pool_free(&pool);
    world_close(&w);
    return rc;
}
