/* lexicon.h — everything the in-silico world can say: concepts (events,
 * details, asks, outcomes, relations, places, distractors) with the key
 * phrases that identify them in a summary, and the templates that render
 * them (world/lexicon/README.md).
 *
 * A lexicon is loaded from JSON: the files compiled into the binary, a
 * folder of files (--lexicon DIR) or the lexicon.json a world carries.
 * lexicon_to_json gives the merged form every world stores, so a world is
 * judged with the lexicon that made it. */
#ifndef TL_LEXICON_H
#define TL_LEXICON_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/jsoncheck.h"
#include "common/strbuf.h"
#include "common/strpool.h"

enum { WD_TLDR, WD_NEWS, WD_N }; /* domains, as Domain in analysis/records.h */

typedef enum { VAL_NONE, VAL_DUR, VAL_MONEY, VAL_PLACE } ValueKind;
typedef enum { CK_EVENT, CK_DETAIL, CK_ASK, CK_OUTCOME, CK_RELATION, CK_PLACE, CK_DISTRACTOR } ConceptKind;

/* A list of templates; each template has a global index (for coverage
 * statistics) tpl0 + k. */
typedef struct {
    char **t;
    size_t n;
    uint32_t tpl0;
} TplList;

typedef struct {
    char *id;
    ConceptKind kind;
    int domain;          /* WD_*, or -1 for relations */
    int section;         /* section index, -1 outside sections */
    double w_lo, w_hi;   /* importance range (events, asks, outcomes: w_lo == w_hi) */
    ValueKind value;
    double money_lo, money_hi; /* VAL_MONEY: the range amounts are drawn from (0: the domain's) */
    int dur_unit, dur_lo, dur_hi; /* VAL_DUR: unit (1 day .. 4 year) and range; unit 0: 2-12 years or 2-11 months */
    int person_group;    /* events: relation group of the main person, -1 = none */
    int with_group;      /* details: group of a second person, -1 = none */
    TplList post, summary, title;
    int *asks; size_t nasks;       /* events (tldr): ask concept indices */
    int *details; size_t ndetails; /* events: detail concepts (own, then the section's) */
    int outcome;                   /* events (news): outcome concept, -1 = none */
    /* relations and places */
    int group;           /* relation group */
    char gender;         /* 'M', 'F', or 'A' (any) */
    int age_lo, age_hi;  /* relations: age relative to the narrator (subjects: absolute) */
    char **forms; size_t nforms; /* surface forms ($rel, $place) */
} Concept;

typedef struct {
    char *name;
    int domain;
    double weight;
    int *events; size_t nevents;
    TplList fillers;   /* optional colour for padding, in the section's register */
} Section;

/* A key phrase: a token sequence that names concept. */
typedef struct {
    uint32_t *tok;  /* token ids in the lexicon's token pool */
    int ntok;
    int concept;
} Key;

#define LEX_MAX_GROUPS 16

typedef struct {
    Concept *c; size_t nc;
    Section *sec; size_t nsec;
    char *groups[LEX_MAX_GROUPS]; int ngroups;
    int *group_members[LEX_MAX_GROUPS]; size_t group_n[LEX_MAX_GROUPS];
    int subject_group;                 /* news subjects; -1 if absent */
    TplList intros[LEX_MAX_GROUPS + 1]; /* by group; [ngroups] = no person ("none") */
    TplList openers, closers, fillers, news_fillers, connectors[WD_N];
    int *places[WD_N]; size_t nplaces[WD_N];
    int *distractors[WD_N]; size_t ndistractors[WD_N];
    char **jokes; size_t njokes;
    char **sites; size_t nsites;
    uint32_t ntemplates;               /* templates with an index */
    /* keys: tokens interned in tokens; by_first[t] lists keys starting
     * with token t, longest first */
    StrPool tokens;
    StrPool ids;       /* concept ids: id k is concept k */
    Key *keys; size_t nkeys;
    uint32_t **by_first; size_t *nby_first;
    cJSON *json;       /* the merged lexicon (owned) */
    uint64_t hash;     /* FNV-1a of the merged JSON text */
} Lexicon;

/* Loaders. Each returns 0, or -1 with err = "file:line: path: problem":
 * DIR/NAME.json for a folder, world/lexicon/NAME.json (the sources compiled
 * in) for the built-in lexicon. */
int lexicon_load_builtin(Lexicon *lx, TlError *err);
int lexicon_load_dir(Lexicon *lx, const char *dir, TlError *err);
/* From a merged JSON document (as lexicon_to_json writes) whose text is
 * src (W/lexicon.json; src->text may be NULL: no lines); takes ownership
 * of json. Messages name src's file and the path in it
 * ("common.relations[3].age", "files[2].content.sections[0].name"). */
int lexicon_load_json(Lexicon *lx, cJSON *json, const JsonSrc *src, TlError *err);
void lexicon_free(Lexicon *lx);

/* The merged lexicon as JSON text; the caller frees it. */
char *lexicon_to_json(const Lexicon *lx);

/* Concept index by id, or -1 (a hash lookup). */
int lexicon_find(const Lexicon *lx, const char *id);
int lexicon_group(const Lexicon *lx, const char *name); /* -1 if unknown */

/* Tokenisation for key matching: lowercase letters and digits, apostrophes
 * dropped (a possessive 's is a token "s"), money tokens ("$4,000", "$12k",
 * "£300") kept whole, a run of . ? ! a token "." (a sentence boundary),
 * any other byte a separator. Calls fn(tok, len, arg) for each token. */
void lexicon_tokenize(const char *text, void (*fn)(const char *tok, size_t len, void *arg), void *arg);

/* Finds the concepts whose keys occur in text (leftmost-longest,
 * non-overlapping). Writes at most cap concept indices to out (duplicates
 * kept) and returns how many were found. */
size_t lexicon_match(const Lexicon *lx, const char *text, int *out, size_t cap);
/* The same on tokens already mapped by lexicon_token_id (UINT32_MAX for a
 * token no key uses), for callers that tokenise once for several uses. */
size_t lexicon_match_ids(const Lexicon *lx, const uint32_t *tok, size_t ntok, int *out, size_t cap);
/* The same, also giving each match's first token (at) and length in tokens
 * (len); either may be NULL. */
size_t lexicon_match_at(const Lexicon *lx, const uint32_t *tok, size_t ntok, int *out, int *at, int *len,
                        size_t cap);
uint32_t lexicon_token_id(const Lexicon *lx, const char *tok);

/* Appends key k as its tokens joined by spaces ("flirty texts"). */
void lexicon_key_text(const Lexicon *lx, const Key *k, StrBuf *out);

#endif
