/* world.h — the in-silico world (DESIGN.md, "The in-silico world"):
 * configuration, latent documents (posts and news articles with their
 * facts), rendering them as text, the reference authors, and a generated
 * world's files on disk. Knows nothing of models. */
#ifndef TL_WORLD_H
#define TL_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "analysis/records.h"
#include "common/err.h"
#include "common/jsonl.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "world/lexicon.h"

#define WORLD_FORMAT 2

/* ---- configuration (docs/world.md lists every setting) ---- */

typedef struct {
    uint64_t seed;
    size_t n[WD_N][SPLIT_N];       /* documents per domain and split */
    int post_words[2];             /* target length range of a post */
    int article_words[2];          /* of a news article */
    int distractors[2];            /* irrelevant sentences per document */
    int details[2];                /* details per post */
    int article_details[2];        /* details per news article */
    double paraphrase;             /* chance of a paraphrase at each {a|b} */
    double opener, closer;         /* chance of an opening / closing line (posts) */
    /* the noisy reference author */
    double ref_event, ref_ask, ref_joke, ref_drift, ref_age;
    double ref_detail[2];          /* a detail is kept with prob a + b * weight / 2.5 */
    int ref_words[2];              /* 8-40 */
    int highlights[2];             /* news: sentences per highlight set */
    /* the judge */
    double w_coverage, w_coherence;
    double invent_penalty, contra_penalty;
    double length_start[WD_N];     /* words from which the length cost grows (posts, news) */
    double length_scale;           /* softness of the length cost, in words */
    double length_cost;            /* log of overall lost per word well past length_start */
    double fw_relation, fw_person2, fw_narrator, fw_age, fw_place[WD_N], fw_duration;
    size_t lm_docs;                /* clean summaries per domain for the coherence model */
    /* the labelers */
    int workers;
    double sharpness[2];           /* Bradley-Terry scale on overall: lognormal mean, sd */
    double length_bias[2];         /* per log length ratio: normal mean, sd */
    double carelessness[2];        /* share of random answers: uniform lo, hi */
    double rating_noise[2];        /* sd of the latent rating on [0, 1]: lognormal mean, sd */
    double shared_taste;           /* sd of a taste all workers share and the judge lacks, on the overall scale */
    double confidence_cuts[3];     /* utility gaps at which the slider moves a step */
    uint64_t labeler_seed;         /* 0: derived from seed */
} WorldConfig;

void world_config_default(WorldConfig *c);

/* Reads settings from a JSON config: a run config, whose top level may
 * hold "seed" and the sections "world", "reference", "judge", "labelers"
 * (read here) and "model", "train" (lm-train's). Any other key, at the top
 * or inside the world's sections, is an error. Returns 0 or -1 with err =
 * "file:line: section.key: problem". world_config_from_json reads root,
 * the value at src->base in src (world.json's "config"). */
int world_config_read(WorldConfig *c, const char *path, TlError *err);
int world_config_from_json(WorldConfig *c, const cJSON *root, const JsonSrc *src, TlError *err);

/* Refuses a key at the top of a run config (root, an object) that no
 * reader knows, naming it and the known ones. Returns 0 or -1. */
int world_config_check_sections(const cJSON *root, const JsonSrc *src, TlError *err);

/* The whole configuration as JSON (caller frees with cJSON_Delete). */
cJSON *world_config_to_json(const WorldConfig *c);

/* ---- latent documents ---- */

typedef enum { UNIT_NONE, UNIT_DAY, UNIT_WEEK, UNIT_MONTH, UNIT_YEAR } DurUnit;

typedef struct {
    int concept;        /* lexicon concept */
    float weight;       /* importance in this document */
    int16_t dur_n;      /* VAL_DUR: the duration */
    int8_t dur_unit;
    int64_t money;      /* VAL_MONEY: whole currency units */
} DocFact;

typedef struct {
    int rel;            /* relation concept, -1 = nobody */
    int form;           /* the surface form this document uses */
    int age;
    char gender;        /* 'M' or 'F' */
} DocPerson;

#define DOC_MAX_FACTS 10
#define DOC_MAX_DISTRACT 6

typedef struct {
    char id[48];
    int8_t domain, split;
    int16_t section;
    int nar_age;        /* TL;DR narrator */
    char nar_g;
    DocPerson p[2];     /* p[0]: the main person (TL;DR) or the subject (news); p[1]: a second person */
    int place, place_form; /* -1 = none */
    int16_t dur_n;      /* the intro's duration (how long they have known each other) */
    int8_t dur_unit;
    int site;           /* news: index in lexicon sites */
    char currency;      /* '$' or 'L' (pound) */
    DocFact f[DOC_MAX_FACTS]; /* f[0] the event, then details, then the ask or outcome */
    int nf;
    int dis[DOC_MAX_DISTRACT]; int ndis;
} Doc;

/* Draws a document's latent facts. */
void world_draw_doc(const Lexicon *lx, const WorldConfig *c, gsl_rng *r, int domain, Doc *d);

/* Text of a document. tpl (may be NULL) collects the template indices used. */
typedef struct {
    StrBuf title, body, ref;
    uint32_t *tpl; size_t ntpl, tplcap;
} DocText;

void doctext_init(DocText *t);
void doctext_free(DocText *t);
void doctext_clear(DocText *t);

/* Renders the post or article and its title into t->body and t->title. */
void world_render_doc(const Lexicon *lx, const WorldConfig *c, gsl_rng *r, const Doc *d, DocText *t);

/* Summary authors, appending to out:
 *  AUTHOR_NOISY: the reference author (TL;DR) or highlight writer (news):
 *    good but imperfect, 8-40 words;
 *  AUTHOR_CLEAN: a careful author that states the event, the most
 *    important details and the ask; the coherence model learns from it;
 *  AUTHOR_ALL: the clean author stating every fact (the judge's probes);
 *  AUTHOR_ALL_LONG: every fact in the document's own, longer sentences. */
typedef enum { AUTHOR_NOISY, AUTHOR_CLEAN, AUTHOR_ALL, AUTHOR_ALL_LONG } Author;
void world_write_summary(const Lexicon *lx, const WorldConfig *c, gsl_rng *r, const Doc *d, Author a,
                         StrBuf *out, DocText *tplsink);

/* Formats a duration or an amount as the documents do ("3 years", "$4,000"). */
void world_format_dur(int n, int unit, int words, StrBuf *out);
void world_format_money(int64_t v, char currency, int short_form, StrBuf *out);
const char *world_unit_name(int unit);

/* Facts as JSON (facts.jsonl records) and back. */
cJSON *world_doc_to_json(const Lexicon *lx, const Doc *d, const uint32_t *tpl, size_t ntpl);
int world_doc_from_json(const Lexicon *lx, const cJSON *j, Doc *d, const char *file, long line, TlError *err);

/* ---- a generated world on disk ----
 * DIR/world.json     format, seed, config, lexicon hash, counts, version
 * DIR/lexicon.json   the lexicon that made it
 * DIR/facts.jsonl    the latent facts of every document
 * DIR/tldr/{train,valid1,valid2,test}.jsonl, DIR/news/{train,test}.jsonl */

typedef struct World {
    char *dir;
    WorldConfig cfg;
    Lexicon lx;
    Doc *docs; size_t ndocs;
    StrPool ids;              /* document id -> index in docs */
    /* texts, when loaded (world_load_texts): */
    char **title, **body, **ref; /* (ndocs) */
    char **subreddit;         /* (ndocs) TL;DR only, borrowed from the lexicon's sections */
    int texts;
} World;

/* Generates a world into dir. progress: show a progress line. Returns 0,
 * or an exit code with err set. */
int world_generate(const WorldConfig *c, const Lexicon *lx, const char *dir, int progress, TlError *err);

/* Loads world.json, lexicon.json and facts.jsonl; texts with
 * world_load_texts. Returns 0 or -1 with err. */
int world_open(World *w, const char *dir, TlError *err);
int world_load_texts(World *w, TlError *err);
void world_close(World *w);

/* Document index by id, or -1. */
long world_find(const World *w, const char *id);

#endif
