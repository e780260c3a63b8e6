/* policy.h — what a policy is: method, size and sampling settings, parsed
 * from the released naming scheme (PAPER.md, "Policy names") or given in a
 * --meta JSON file, which overrides the parse field by field.
 *
 * Names handled: ref (reference); title, lead3 and other baselines (method
 * "other", size unknown); pretrain_<size>[_t…],
 * supK[_<size>][_t…|_p…], …_ppo_rmK[_<size>][_klX][_t…],
 * …_bo<N>_rmK[_<size>][…] and …_bo<N>_rouge, supcnndmK…; any other name is
 * method "other" with unknown size too. Sizes: xl or none = 1.3B, 3b = 2.7B,
 * 6b = 6.7B, 12b = 12.9B. */
#ifndef TL_POLICY_H
#define TL_POLICY_H

#include "common/err.h"

typedef enum {
    METHOD_REFERENCE,
    METHOD_PRETRAINED,
    METHOD_SUPERVISED,
    METHOD_RL,
    METHOD_BEST_OF_N,
    METHOD_OTHER,
    METHOD_N
} Method;

const char *method_name(Method m);  /* "reference", "pretrained", ..., "best-of-n", "other" */
int method_parse(const char *s);    /* a Method or -1 */

/* Unknown numbers are NaN (written as null / NA). */
typedef struct {
    Method method;
    double params;       /* parameter count */
    double kl;           /* nats from the supervised policy: _klX, or log N - (N-1)/N for best-of-N */
    double beta;         /* KL coefficient (from --meta only) */
    double temperature;  /* _t…; NaN when the name does not say */
    double top_p;        /* _p… */
    double n;            /* best-of-N sample count */
    char rm[64];         /* reward model, e.g. "rm4_6b", "rouge"; "" when none */
    char source[96];     /* the policy it was derived from, e.g. "sup4_6b"; "" when none */
    char trained_on[16]; /* "tldr", "cnndm" or "" */
} PolicyMeta;

/* Parses a released policy name. Never fails: unknown names give "other". */
void policy_parse_name(const char *name, PolicyMeta *m);

/* Size label for a parameter count: "1.3B", "6.7B", "350M"; "unknown" for NaN. */
void policy_size_label(double params, char *buf, size_t cap);

/* Metadata overrides from --meta FILE.json:
 *   {"policies": {"NAME": {"method": "rl", "params": 1.3e9, "kl": 10.2, ...}}}
 * or the inner object alone. Known keys: method, params, kl, beta,
 * temperature, top_p, n, rm, source, trained_on; other keys are kept out
 * of the way (tldrlab's own runs add measured values). */
typedef struct {
    char *name;
    PolicyMeta meta;     /* parse of name, with the file's fields applied */
} MetaEntry;

typedef struct {
    MetaEntry *entries;
    size_t n;
} MetaMap;

/* Loads path into map. Returns 0, or -1 with err "path:line: field: problem". */
int policy_meta_load(MetaMap *map, const char *path, TlError *err);
void policy_meta_free(MetaMap *map);

/* Metadata for name: the --meta entry when there is one, else the parse.
 * map may be NULL. */
void policy_meta_lookup(const MetaMap *map, const char *name, PolicyMeta *out);

#endif
