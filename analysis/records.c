/* records.c — strict streaming readers for released comparisons and axis
 * evals, their filters, and the writer used for round trips and generated
 * data. */
#include "analysis/records.h"
#include "common/jsonarena.h"
#include "common/jsonl.h"
#include "common/progress.h"
#include "common/util.h"

#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const SPLIT_NAMES[SPLIT_N] = {"train", "valid", "valid1", "valid2", "test"};
static const char *const DOMAIN_NAMES[DOMAIN_N] = {"tldr", "news"};
static const char *const AXIS_NAMES[AXIS_N] = {"overall", "accuracy", "coverage", "coherence"};

const char *split_name(Split s) { return (unsigned)s < SPLIT_N ? SPLIT_NAMES[s] : "?"; }
const char *domain_name(Domain d) { return (unsigned)d < DOMAIN_N ? DOMAIN_NAMES[d] : "?"; }
const char *axis_name(Axis a) { return (unsigned)a < AXIS_N ? AXIS_NAMES[a] : "?"; }

int split_parse(const char *s)
{
    for (int i = 0; i < SPLIT_N; i++)
        if (strcmp(s, SPLIT_NAMES[i]) == 0)
            return i;
    return -1;
}

/* ---- field access with path-aware messages ---- */

typedef struct {
    const char *file;
    long line;
    TlError *err;
} Where;

static const char *jtype(const cJSON *j)
{
    if (!j) return "nothing";
    if (cJSON_IsNull(j)) return "null";
    if (cJSON_IsBool(j)) return "a boolean";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsObject(j)) return "an object";
    return "an invalid value";
}

static int fail(const Where *w, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets w->err to "file:line: field: <fmt ...>" and returns -1. */
static int fail(const Where *w, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tlerr_input(w->err, w->file, w->line, field, "%s", msg);
    return -1;
}

/* A string member. required: absence (or null) is an error; nonempty: ""
 * is an error. *out is NULL when absent or null and not required. */
static int get_str(const cJSON *obj, const char *key, const char *path, int required,
                   int nonempty, const char **out, const Where *w)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!j || cJSON_IsNull(j)) {
        if (required)
            return fail(w, path, "%s", j ? "expected a string, got null" : "missing");
        return 0;
    }
    if (!cJSON_IsString(j))
        return fail(w, path, "expected a string, got %s", jtype(j));
    if (nonempty && j->valuestring[0] == '\0')
        return fail(w, path, "must not be empty");
    *out = j->valuestring;
    return 0;
}

/* An integer-valued number member in [lo, hi]; absent/null gives *out = 0
 * unless required. */
static int get_int(const cJSON *obj, const char *key, const char *path, int required,
                   int lo, int hi, int *out, const Where *w)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char got[64];
    *out = 0;
    if (!j || cJSON_IsNull(j)) {
        if (required)
            return fail(w, path, "%s", j ? "expected an integer, got null" : "missing");
        return 0;
    }
    if (!cJSON_IsNumber(j))
        return fail(w, path, "expected an integer %d-%d, got %s", lo, hi, jtype(j));
    double v = j->valuedouble;
    if (v != floor(v) || v < lo || v > hi) {
        snprintf(got, sizeof got, "%.17g", v);
        return fail(w, path, "expected an integer %d-%d, got %s", lo, hi, got);
    }
    *out = (int)v;
    return 0;
}

/* An object member; returns NULL when absent or null (an error when
 * required, reported through *bad). */
static const cJSON *get_obj(const cJSON *obj, const char *key, const char *path, int required,
                            const Where *w, int *bad)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    *bad = 0;
    if (!j || cJSON_IsNull(j)) {
        if (required) {
            fail(w, path, "%s", j ? "expected an object, got null" : "missing");
            *bad = 1;
        }
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        fail(w, path, "expected an object, got %s", jtype(j));
        *bad = 1;
        return NULL;
    }
    return j;
}

static int parse_info(const cJSON *rec, RecInfo *info, const Where *w)
{
    int bad;
    memset(info, 0, sizeof *info);
    const cJSON *o = get_obj(rec, "info", "info", 1, w, &bad);
    if (bad)
        return -1;
    if (get_str(o, "id", "info.id", 0, 0, &info->id, w) ||
        get_str(o, "title", "info.title", 0, 0, &info->title, w) ||
        get_str(o, "post", "info.post", 0, 0, &info->post, w) ||
        get_str(o, "article", "info.article", 0, 0, &info->article, w))
        return -1;
    if (info->post && info->article)
        return fail(w, "info", "has both a post and an article; expected one");
    if (!info->post && !info->article)
        return fail(w, "info", "missing post (TL;DR) or article (news)");
    if (info->post) {
        if (get_str(o, "subreddit", "info.subreddit", 0, 0, &info->subreddit, w))
            return -1;
        if (info->subreddit && strncmp(info->subreddit, "r/", 2) == 0)
            info->subreddit += 2;
    } else if (get_str(o, "site", "info.site", 0, 0, &info->site, w)) {
        return -1;
    }
    return 0;
}

/* Field paths of a summary, spelled out so that the hot path formats
 * nothing. */
typedef struct {
    const char *self, *text, *policy, *note;
} SummaryPaths;

static const SummaryPaths SUMMARY_PATHS[3] = {
    {"summaries[0]", "summaries[0].text", "summaries[0].policy", "summaries[0].note"},
    {"summaries[1]", "summaries[1].text", "summaries[1].policy", "summaries[1].note"},
    {"summary", "summary.text", "summary.policy", "summary.note"},
};

static int parse_summary(const cJSON *s, const SummaryPaths *p, RecSummary *out, const Where *w)
{
    if (!cJSON_IsObject(s))
        return fail(w, p->self, "expected an object, got %s", jtype(s));
    if (get_str(s, "text", p->text, 1, 0, &out->text, w) ||
        get_str(s, "policy", p->policy, 1, 1, &out->policy, w))
        return -1;
    return get_str(s, "note", p->note, 0, 0, &out->note, w);
}

static int parse_split(const cJSON *rec, Split *out, const Where *w)
{
    const char *s;
    if (get_str(rec, "split", "split", 1, 1, &s, w))
        return -1;
    int k = split_parse(s);
    if (k < 0)
        return fail(w, "split", "unknown split '%s'; expected train, valid, valid1, valid2 or test", s);
    *out = (Split)k;
    return 0;
}

int record_parse_comparison(const cJSON *json, const char *file, long line,
                            CmpRecord *rec, TlError *err)
{
    Where w = {file, line, err};
    memset(rec, 0, sizeof *rec);
    if (!cJSON_IsObject(json))
        return fail(&w, "record", "expected a JSON object, got %s", jtype(json));
    if (parse_info(json, &rec->info, &w))
        return -1;
    const cJSON *sums = cJSON_GetObjectItemCaseSensitive(json, "summaries");
    if (!sums) {
        if (cJSON_GetObjectItemCaseSensitive(json, "summary"))
            return fail(&w, "summaries", "missing (this looks like an axis-eval record; use tldrlab likert)");
        return fail(&w, "summaries", "missing");
    }
    if (!cJSON_IsArray(sums))
        return fail(&w, "summaries", "expected an array of two summaries, got %s", jtype(sums));
    int ns = cJSON_GetArraySize(sums);
    if (ns != 2)
        return fail(&w, "summaries", "expected 2 summaries, got %d", ns);
    if (parse_summary(sums->child, &SUMMARY_PATHS[0], &rec->summaries[0], &w) ||
        parse_summary(sums->child->next, &SUMMARY_PATHS[1], &rec->summaries[1], &w))
        return -1;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(json, "choice");
    if (!ch)
        return fail(&w, "choice", "missing");
    if (!cJSON_IsNumber(ch) || (ch->valuedouble != 0 && ch->valuedouble != 1)) {
        char got[64];
        if (cJSON_IsNumber(ch))
            snprintf(got, sizeof got, "%.17g", ch->valuedouble);
        else
            snprintf(got, sizeof got, "%s", jtype(ch));
        return fail(&w, "choice", "expected 0 or 1, got %s", got);
    }
    rec->choice = (int)ch->valuedouble;
    if (get_str(json, "worker", "worker", 1, 1, &rec->worker, &w) ||
        get_str(json, "batch", "batch", 1, 1, &rec->batch, &w) ||
        parse_split(json, &rec->split, &w))
        return -1;
    int bad;
    const cJSON *extra = get_obj(json, "extra", "extra", 0, &w, &bad);
    if (bad)
        return -1;
    if (extra) {
        if (get_int(extra, "confidence", "extra.confidence", 0, 1, 9, &rec->confidence, &w))
            return -1;
        /* The 9-point slider: 1-4 lean to summaries[0], 6-9 to summaries[1]. */
        if (rec->confidence == 5)
            return fail(&w, "extra.confidence", "expected 1-4 or 6-9 (the released scale has no 5), got 5");
        if (rec->confidence && (rec->confidence < 5) != (rec->choice == 0))
            return fail(&w, "extra.confidence", "%d leans to summaries[%d] but choice is %d",
                        rec->confidence, rec->confidence < 5 ? 0 : 1, rec->choice);
    }
    return 0;
}

int record_parse_axis(const cJSON *json, const char *file, long line,
                      AxisRecord *rec, TlError *err)
{
    Where w = {file, line, err};
    memset(rec, 0, sizeof *rec);
    if (!cJSON_IsObject(json))
        return fail(&w, "record", "expected a JSON object, got %s", jtype(json));
    if (parse_info(json, &rec->info, &w))
        return -1;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(json, "summary");
    if (!s) {
        if (cJSON_GetObjectItemCaseSensitive(json, "summaries"))
            return fail(&w, "summary", "missing (this looks like a comparison record; use winrate, lengthctl or agreement)");
        return fail(&w, "summary", "missing");
    }
    if (parse_summary(s, &SUMMARY_PATHS[2], &rec->summary, &w))
        return -1;
    int bad;
    const cJSON *axes = get_obj(s, "axes", "summary.axes", 1, &w, &bad);
    if (bad)
        return -1;
    int rated = 0;
    for (int a = 0; a < AXIS_N; a++) {
        char p[48];
        snprintf(p, sizeof p, "summary.axes.%s", AXIS_NAMES[a]);
        if (get_int(axes, AXIS_NAMES[a], p, 0, 1, 7, &rec->axes[a], &w))
            return -1;
        rated += rec->axes[a] != 0;
    }
    if (!rated)
        return fail(&w, "summary.axes", "no axis rated (expected overall, accuracy, coverage or coherence, 1-7)");
    if (get_str(json, "worker", "worker", 1, 1, &rec->worker, &w) ||
        get_str(json, "batch", "batch", 1, 1, &rec->batch, &w) ||
        parse_split(json, &rec->split, &w))
        return -1;
    return 0;
}

/* ---- writers ---- */

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *info_to_json(const RecInfo *in)
{
    cJSON *o = cJSON_CreateObject();
    if (in->id)
        cJSON_AddStringToObject(o, "id", in->id);
    if (in->post) {
        cJSON_AddStringToObject(o, "post", in->post);
        if (in->title)
            cJSON_AddStringToObject(o, "title", in->title);
        if (in->subreddit)
            cJSON_AddStringToObject(o, "subreddit", in->subreddit);
    } else {
        if (in->site)
            cJSON_AddStringToObject(o, "site", in->site);
        if (in->title)
            cJSON_AddStringToObject(o, "title", in->title);
        cJSON_AddStringToObject(o, "article", in->article ? in->article : "");
    }
    return o;
}

static cJSON *summary_to_json(const RecSummary *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", s->text);
    cJSON_AddStringToObject(o, "policy", s->policy);
    add_str_or_null(o, "note", s->note);
    return o;
}

cJSON *record_comparison_to_json(const CmpRecord *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "info", info_to_json(&r->info));
    cJSON_AddStringToObject(o, "split", split_name(r->split));
    cJSON *arr = cJSON_AddArrayToObject(o, "summaries");
    cJSON_AddItemToArray(arr, summary_to_json(&r->summaries[0]));
    cJSON_AddItemToArray(arr, summary_to_json(&r->summaries[1]));
    cJSON_AddNumberToObject(o, "choice", r->choice);
    cJSON_AddStringToObject(o, "worker", r->worker);
    cJSON_AddStringToObject(o, "batch", r->batch);
    cJSON *extra = cJSON_AddObjectToObject(o, "extra");
    if (r->confidence)
        cJSON_AddNumberToObject(extra, "confidence", r->confidence);
    return o;
}

cJSON *record_axis_to_json(const AxisRecord *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "info", info_to_json(&r->info));
    cJSON_AddStringToObject(o, "split", split_name(r->split));
    cJSON *s = summary_to_json(&r->summary);
    cJSON *axes = cJSON_AddObjectToObject(s, "axes");
    for (int a = 0; a < AXIS_N; a++) {
        if (r->axes[a])
            cJSON_AddNumberToObject(axes, AXIS_NAMES[a], r->axes[a]);
        else
            cJSON_AddNullToObject(axes, AXIS_NAMES[a]);
    }
    cJSON_AddItemToObject(o, "summary", s);
    cJSON_AddStringToObject(o, "worker", r->worker);
    cJSON_AddStringToObject(o, "batch", r->batch);
    return o;
}

/* ---- sets ---- */

void cmpset_init(ComparisonSet *s)
{
    memset(s, 0, sizeof *s);
}

void cmpset_free(ComparisonSet *s)
{
    free(s->rows);
    strpool_free(&s->posts);
    strpool_free(&s->policies);
    strpool_free(&s->workers);
    strpool_free(&s->batches);
    strpool_free(&s->files);
    memset(s, 0, sizeof *s);
}

void axisset_init(AxisSet *s)
{
    memset(s, 0, sizeof *s);
}

void axisset_free(AxisSet *s)
{
    free(s->rows);
    strpool_free(&s->posts);
    strpool_free(&s->policies);
    strpool_free(&s->workers);
    strpool_free(&s->batches);
    strpool_free(&s->files);
    memset(s, 0, sizeof *s);
}

/* The cluster key of a post: its id, or a hash of its title and text when
 * the record has none (real records sometimes lack info.id). */
static uint32_t intern_post(StrPool *posts, const RecInfo *in)
{
    if (in->id && in->id[0])
        return strpool_intern(posts, in->id);
    const char *text = in->post ? in->post : in->article;
    uint64_t h = util_fnv1a(UTIL_FNV_INIT, in->title ? in->title : "", in->title ? strlen(in->title) : 0);
    h = util_fnv1a(h, "\n", 1);
    h = util_fnv1a(h, text, strlen(text));
    char key[40];
    snprintf(key, sizeof key, "noid:%016llx", (unsigned long long)h);
    return strpool_intern(posts, key);
}

const char *records_split_desc(const ReadOptions *opt)
{
    return opt->split ? opt->split : "valid2; news: valid2 or test";
}

size_t records_split_left_out(const ReadStats *st, char *buf, size_t cap)
{
    size_t total = 0, off = 0;
    buf[0] = '\0';
    for (int d = 0; d < DOMAIN_N; d++) {
        int first = 1;
        for (int i = 0; i < SPLIT_N; i++) {
            size_t n = st->split_out[d][i];
            if (!n)
                continue;
            total += n;
            int k = first ? snprintf(buf + off, cap - off, "%s%s: %s %zu", off ? "; " : "", DOMAIN_NAMES[d],
                                     SPLIT_NAMES[i], n)
                          : snprintf(buf + off, cap - off, ", %s %zu", SPLIT_NAMES[i], n);
            first = 0;
            if (k > 0)
                off = off + (size_t)k < cap ? off + (size_t)k : cap - 1;
        }
    }
    return total;
}

/* Does a record in split sp from domain dom pass the split filter? The
 * default takes valid2, and for news test too (where the released news
 * evaluations and our baselines' news samples are). */
static int split_ok(const ReadOptions *opt, Split sp, Domain dom)
{
    if (!opt->split)
        return sp == SPLIT_VALID2 || (dom == DOMAIN_NEWS && sp == SPLIT_TEST);
    if (strcmp(opt->split, "all") == 0)
        return 1;
    return strcmp(opt->split, split_name(sp)) == 0;
}

void records_describe_splits(const ReadStats *st, char *buf, size_t cap)
{
    size_t off = 0;
    int first = 1;
    buf[0] = '\0';
    for (int i = 0; i < SPLIT_N && off < cap; i++) {
        if (!st->by_split[i])
            continue;
        int k = snprintf(buf + off, cap - off, "%s%s %zu", first ? "" : ", ", SPLIT_NAMES[i], st->by_split[i]);
        if (k < 0)
            break;
        off += (size_t)k;
        first = 0;
    }
    if (first)
        snprintf(buf, cap, "no valid records");
}

static void note_skip(ReadStats *st, const TlError *e)
{
    if (st->nmsgs < RECORDS_MAX_SKIP_MSGS)
        snprintf(st->msgs[st->nmsgs++], sizeof st->msgs[0], "%s", e->msg);
    st->skipped++;
}

/* One line of a batch, parsed in parallel and added in file order. */
typedef struct {
    cJSON *json;      /* NULL when the line is not valid JSON */
    char *errmsg;     /* the record's problem when json is valid but the record is not */
    union {
        CmpRecord c;
        AxisRecord a;
    } rec;
    TextMeasure m[2]; /* summary texts */
} Slot;

/* Validates a parsed line into slot (thread-safe). Returns 0 or -1. */
typedef int (*ParseFn)(Slot *slot, const char *file, long line, TlError *err);
/* Adds a valid record to the set (file order, single thread). */
typedef void (*AddFn)(void *set, const Slot *slot, uint32_t file_id, long line, const ReadOptions *opt);

#define BATCH_LINES 4096
#define BATCH_BYTES (16u << 20)

/* Handles the problem of slot i; returns -1 to stop (strict mode). */
static int bad_line(const JsonlReader *r, const JsonlBatch *b, size_t i, const Slot *slot,
                    const ReadOptions *opt, ReadStats *st, TlError *err)
{
    TlError e;
    if (slot->errmsg)
        snprintf(e.msg, sizeof e.msg, "%s", slot->errmsg);
    else /* re-parse alone for the position: cJSON's error state is global */
        jsonl_parse(r->name, b->lines[i].line, b->text + b->lines[i].start, b->lines[i].size, &e);
    if (!opt->skip_invalid) {
        *err = e;
        return -1;
    }
    note_skip(st, &e);
    return 0;
}

/* The common loop: read each file in batches of lines, parse and validate
 * them on all threads, then add the valid records in file order (so ids
 * and the first error reported do not depend on the thread count). */
static int load_files(void *set, StrPool *files, ReadStats *st, char *const *paths, size_t n,
                      const ReadOptions *opt, ParseFn parse, AddFn add, const char *what, TlError *err)
{
    JsonlBatch b;
    jsonl_batch_init(&b);
    Slot *slots = xcalloc(BATCH_LINES, sizeof *slots);
    int nthreads = 1;
#ifdef _OPENMP
    nthreads = omp_get_max_threads();
#endif
    JsonArena **arenas = xcalloc((size_t)nthreads, sizeof *arenas);
    for (int t = 0; t < nthreads; t++)
        arenas[t] = json_arena_new();
    int rc = 0;
    for (size_t f = 0; f < n && rc == 0; f++) {
        JsonlReader r;
        if (jsonl_open(&r, paths[f], err) != 0) {
            rc = -1;
            break;
        }
        uint32_t fid = strpool_intern(files, r.name);
        Progress pr;
        char label[160];
        snprintf(label, sizeof label, "reading %s %s", what, r.name);
        progress_start(&pr, label, (double)r.size, opt->progress && r.size > (1 << 24));
        long nl;
        while (rc == 0 && (nl = jsonl_read_batch(&r, &b, BATCH_LINES, BATCH_BYTES, err)) != 0) {
            if (nl < 0) {
                rc = -1;
                break;
            }
            /* Trees live in the parsing thread's arena until the batch is added. */
            #pragma omp parallel
            {
                int t = 0;
#ifdef _OPENMP
                t = omp_get_thread_num();
#endif
                json_arena_use(arenas[t]);
                #pragma omp for schedule(dynamic, 16)
                for (long i = 0; i < nl; i++) {
                    Slot *sl = &slots[i];
                    sl->errmsg = NULL;
                    const JsonlLine *l = &b.lines[i];
                    sl->json = jsonl_parse(r.name, l->line, b.text + l->start, l->size, NULL);
                    TlError e;
                    if (sl->json && parse(sl, r.name, l->line, &e) != 0)
                        sl->errmsg = xstrdup(e.msg);
                }
                json_arena_use(NULL);
            }
            for (long i = 0; i < nl && rc == 0; i++) {
                if (!slots[i].json || slots[i].errmsg)
                    rc = bad_line(&r, &b, (size_t)i, &slots[i], opt, st, err);
                else
                    add(set, &slots[i], fid, b.lines[i].line, opt);
            }
            for (long i = 0; i < nl; i++)
                free(slots[i].errmsg);
            for (int t = 0; t < nthreads; t++)
                json_arena_reset(arenas[t]);
            progress_update(&pr, (double)r.bytes_read);
        }
        progress_finish(&pr);
        jsonl_close(&r);
    }
    for (int t = 0; t < nthreads; t++)
        json_arena_free(arenas[t]);
    free(arenas);
    free(slots);
    jsonl_batch_free(&b);
    return rc;
}

static int dataset_ok(const ReadOptions *opt, Domain dom)
{
    return !opt->dataset || strcmp(opt->dataset, domain_name(dom)) == 0;
}

static int list_ok(const char *list, const char *s)
{
    return !list || util_in_csv_list(list, s);
}

static int parse_comparison_slot(Slot *sl, const char *file, long line, TlError *err)
{
    if (record_parse_comparison(sl->json, file, line, &sl->rec.c, err) != 0)
        return -1;
    util_text_measure(sl->rec.c.summaries[0].text, &sl->m[0]);
    util_text_measure(sl->rec.c.summaries[1].text, &sl->m[1]);
    return 0;
}

/* Counts a valid record and applies the dataset and split filters,
 * counting what the split filter leaves out. */
static int count_and_filter(const ReadOptions *opt, ReadStats *st, Split sp, Domain dom)
{
    st->read++;
    st->by_split[sp]++;
    if (!dataset_ok(opt, dom))
        return 0;
    if (!split_ok(opt, sp, dom)) {
        st->split_out[dom][sp]++;
        return 0;
    }
    return 1;
}

static void add_comparison(void *vs, const Slot *sl, uint32_t fid, long line, const ReadOptions *opt)
{
    ComparisonSet *s = vs;
    const CmpRecord *rec = &sl->rec.c;
    Domain dom = rec->info.post ? DOMAIN_TLDR : DOMAIN_NEWS;
    if (!count_and_filter(opt, &s->stats, (Split)rec->split, dom) || !list_ok(opt->batches, rec->batch) ||
        !list_ok(opt->workers, rec->worker))
        return;
    if (opt->policies && !util_in_csv_list(opt->policies, rec->summaries[0].policy) &&
        !util_in_csv_list(opt->policies, rec->summaries[1].policy))
        return;
    GROW(s->rows, s->cap, s->n + 1);
    Comparison *c = &s->rows[s->n++];
    memset(c, 0, sizeof *c);
    c->post = intern_post(&s->posts, &rec->info);
    for (int k = 0; k < 2; k++) {
        c->policy[k] = strpool_intern(&s->policies, rec->summaries[k].policy);
        c->words[k] = (uint32_t)sl->m[k].words;
        c->chars[k] = (uint32_t)sl->m[k].chars;
        c->text_hash[k] = sl->m[k].hash;
    }
    c->worker = strpool_intern(&s->workers, rec->worker);
    c->batch = strpool_intern(&s->batches, rec->batch);
    c->file = fid;
    c->line = (uint32_t)line;
    c->choice = (int8_t)rec->choice;
    c->confidence = (int8_t)rec->confidence;
    c->split = (int8_t)rec->split;
    c->domain = (int8_t)dom;
    s->stats.kept++;
}

static int parse_axis_slot(Slot *sl, const char *file, long line, TlError *err)
{
    if (record_parse_axis(sl->json, file, line, &sl->rec.a, err) != 0)
        return -1;
    util_text_measure(sl->rec.a.summary.text, &sl->m[0]);
    return 0;
}

static void add_axis(void *vs, const Slot *sl, uint32_t fid, long line, const ReadOptions *opt)
{
    AxisSet *s = vs;
    const AxisRecord *rec = &sl->rec.a;
    Domain dom = rec->info.post ? DOMAIN_TLDR : DOMAIN_NEWS;
    if (!count_and_filter(opt, &s->stats, (Split)rec->split, dom) || !list_ok(opt->batches, rec->batch) ||
        !list_ok(opt->workers, rec->worker) || !list_ok(opt->policies, rec->summary.policy))
        return;
    GROW(s->rows, s->cap, s->n + 1);
    AxisEval *a = &s->rows[s->n++];
    memset(a, 0, sizeof *a);
    a->post = intern_post(&s->posts, &rec->info);
    a->policy = strpool_intern(&s->policies, rec->summary.policy);
    a->worker = strpool_intern(&s->workers, rec->worker);
    a->batch = strpool_intern(&s->batches, rec->batch);
    a->file = fid;
    a->line = (uint32_t)line;
    a->words = (uint32_t)sl->m[0].words;
    a->chars = (uint32_t)sl->m[0].chars;
    for (int k = 0; k < AXIS_N; k++)
        a->axes[k] = (int8_t)rec->axes[k];
    a->split = (int8_t)rec->split;
    a->domain = (int8_t)dom;
    s->stats.kept++;
}

static int check_split_option(const ReadOptions *opt, TlError *err)
{
    if (opt->split && strcmp(opt->split, "all") != 0 && split_parse(opt->split) < 0) {
        tlerr_set(err, "--split: unknown split '%s'; expected train, valid, valid1, valid2, test or all",
                  opt->split);
        return -1;
    }
    return 0;
}

int cmpset_load(ComparisonSet *s, char *const *files, size_t nfiles,
                const ReadOptions *opt, TlError *err)
{
    if (check_split_option(opt, err))
        return -1;
    return load_files(s, &s->files, &s->stats, files, nfiles, opt, parse_comparison_slot, add_comparison,
                      "comparisons", err);
}

int axisset_load(AxisSet *s, char *const *files, size_t nfiles,
                 const ReadOptions *opt, TlError *err)
{
    if (check_split_option(opt, err))
        return -1;
    return load_files(s, &s->files, &s->stats, files, nfiles, opt, parse_axis_slot, add_axis,
                      "axis evals", err);
}
