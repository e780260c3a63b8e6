/* records.h — readers (and a writer) for the released human-feedback data:
 * comparisons (comparisons/batchN.json) and axis evals (axis_evals/NAME.json),
 * in both info forms (post/subreddit for TL;DR, article/site for news).
 * See docs/formats.md.
 *
 * Reading is strict by default: the first bad record stops the load with
 * "file:line: field: problem". With skip_invalid, bad records are skipped,
 * counted and their first messages kept. Records are filtered on the fly
 * (split, batch, policy, worker) and stored compactly: texts are reduced to
 * their lengths and a hash, so 65k records need a few MB. */
#ifndef TL_RECORDS_H
#define TL_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/strpool.h"

typedef enum { SPLIT_TRAIN, SPLIT_VALID, SPLIT_VALID1, SPLIT_VALID2, SPLIT_TEST, SPLIT_N } Split;
typedef enum { DOMAIN_TLDR, DOMAIN_NEWS, DOMAIN_N } Domain;
typedef enum { AXIS_OVERALL, AXIS_ACCURACY, AXIS_COVERAGE, AXIS_COHERENCE, AXIS_N } Axis;

const char *split_name(Split s);
int split_parse(const char *s); /* returns a Split or -1 */
const char *domain_name(Domain d); /* "tldr" or "news" */
const char *axis_name(Axis a);

/* ---- full record views (strings borrowed from the cJSON tree) ---- */

typedef struct {
    const char *id;        /* NULL when the record has no info.id */
    const char *title;     /* NULL when absent */
    const char *post;      /* TL;DR form */
    const char *subreddit; /* TL;DR form, without a leading "r/"; NULL when absent */
    const char *article;   /* news form */
    const char *site;      /* news form; NULL when absent */
} RecInfo;

typedef struct {
    const char *text;   /* may be "" (real records have empty summaries) */
    const char *policy; /* non-empty */
    const char *note;   /* NULL for null or absent; "" and "-" are kept as given */
} RecSummary;

typedef struct {
    RecInfo info;
    RecSummary summaries[2];
    int choice;         /* 0 or 1: index of the preferred summary */
    const char *worker;
    const char *batch;
    Split split;
    int confidence;     /* 1-4 or 6-9; 0 when the record has none */
} CmpRecord;

typedef struct {
    RecInfo info;
    RecSummary summary;
    int axes[AXIS_N];   /* 1-7; 0 when that axis was not rated (null or absent) */
    const char *worker;
    const char *batch;
    Split split;
} AxisRecord;

/* Validates json as a comparison record and fills rec (borrowing strings
 * from json). On failure returns -1 with err = "file:line: field: problem".
 * json comes from jsonl_parse: its strict check has already refused keys
 * given twice, bad escapes, numbers and UTF-8. */
int record_parse_comparison(const cJSON *json, const char *file, long line,
                            CmpRecord *rec, TlError *err);
int record_parse_axis(const cJSON *json, const char *file, long line,
                      AxisRecord *rec, TlError *err);

/* Builds the released-format JSON of a record; caller frees with cJSON_Delete. */
cJSON *record_comparison_to_json(const CmpRecord *rec);
cJSON *record_axis_to_json(const AxisRecord *rec);

/* ---- compact stored records ---- */

typedef struct {
    uint32_t post;       /* id in posts: info.id, or "noid:<hex>" of title+text when absent */
    uint32_t policy[2];  /* ids in policies, summaries[0] and summaries[1] */
    uint32_t worker, batch;
    uint32_t words[2];   /* whitespace-separated words of each summary */
    uint32_t chars[2];   /* characters (code points) of each trimmed summary */
    uint64_t text_hash[2];
    uint32_t file, line; /* where the record came from */
    int8_t choice;       /* 0 or 1 */
    int8_t confidence;   /* 0 = not recorded */
    int8_t split;        /* Split */
    int8_t domain;       /* Domain */
} Comparison;

typedef struct {
    uint32_t post, policy, worker, batch, file, line;
    uint32_t words, chars;
    int8_t axes[AXIS_N]; /* 1-7, 0 = not rated */
    int8_t split, domain;
} AxisEval;

/* Filters and reading behaviour shared by every analysis command. */
typedef struct {
    const char *split;       /* split name, "all", or NULL for the default:
                                valid2 for TL;DR, valid2 or test for news
                                (comparisons and axis evals alike) */
    const char *batches;     /* comma-separated; NULL = all */
    const char *policies;    /* keep records with a summary by one of these */
    const char *workers;
    const char *dataset;     /* "tldr", "news", or NULL for both */
    int skip_invalid;
    int progress;            /* show progress on stderr */
} ReadOptions;

#define RECORDS_MAX_SKIP_MSGS 5

/* What was read, before and after filtering; shared by both sets. */
typedef struct {
    size_t read;                 /* valid records read */
    size_t kept;                 /* records that passed the filters */
    size_t by_split[SPLIT_N];    /* valid records per split, before filtering */
    size_t split_out[DOMAIN_N][SPLIT_N]; /* valid records the split filter left out */
    size_t skipped;              /* invalid records skipped (skip_invalid) */
    size_t nmsgs;
    char msgs[RECORDS_MAX_SKIP_MSGS][1024]; /* the first skip messages */
} ReadStats;

typedef struct {
    Comparison *rows;
    size_t n, cap;
    StrPool posts, policies, workers, batches, files;
    ReadStats stats;
} ComparisonSet;

typedef struct {
    AxisEval *rows;
    size_t n, cap;
    StrPool posts, policies, workers, batches, files;
    ReadStats stats;
} AxisSet;

void cmpset_init(ComparisonSet *s);
void cmpset_free(ComparisonSet *s);
void axisset_init(AxisSet *s);
void axisset_free(AxisSet *s);

/* Reads and filters the files into s (appending). Returns 0, or -1 with err
 * set (strict mode: the first bad record; any mode: a file that cannot be
 * opened). */
int cmpset_load(ComparisonSet *s, char *const *files, size_t nfiles,
                const ReadOptions *opt, TlError *err);
int axisset_load(AxisSet *s, char *const *files, size_t nfiles,
                 const ReadOptions *opt, TlError *err);

/* Describes the split filter for messages, e.g. "valid2", or the
 * default's "valid2; news: valid2 or test". */
const char *records_split_desc(const ReadOptions *opt);

/* What the split filter left out, per dataset: "tldr: train 400, valid1 50;
 * news: valid1 100"; "" when nothing. Returns the number of records. */
size_t records_split_left_out(const ReadStats *st, char *buf, size_t cap);

/* Writes "N records by split: ..." style summary of what was read, used
 * when nothing is in scope. */
void records_describe_splits(const ReadStats *st, char *buf, size_t cap);

#endif
