/* lexicon.c — loading the world's lexicon from JSON, the key index and
 * the tokeniser the judge shares. */
#include "world/lexicon.h"
#include "world/lexicon_files.h"
#include "common/jsonl.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


#define LEX_FORMAT 1

/* ---- loading context ---- */

typedef struct {
    Lexicon *lx;
    JsonSrc src;        /* where the part being read is (a file of a folder, or a part of W/lexicon.json) */
    char path[256];     /* current JSON path in that part, for messages */
    TlError *err;
    size_t ncap;
} Ld;

static int fail(Ld *d, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(Ld *d, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char where[400];
    json_path_join(where, sizeof where, d->path, field);
    json_src_error(d->err, &d->src, where, "%s", msg);
    return -1;
}

static char *lower_dup(const char *s)
{
    char *r = xstrdup(s);
    for (char *p = r; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return r;
}

/* Reads an array of strings (or one string) at key into *out. Missing is
 * fine when !required. */
static int get_strings(Ld *d, const cJSON *o, const char *key, int required, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!a) {
        if (required)
            return fail(d, key, "missing");
        return 0;
    }
    if (cJSON_IsString(a)) {
        *out = xmalloc(sizeof **out);
        (*out)[0] = xstrdup(a->valuestring);
        *n = 1;
        return 0;
    }
    if (!cJSON_IsArray(a))
        return fail(d, key, "expected an array of strings");
    size_t k = (size_t)cJSON_GetArraySize(a);
    *out = xcalloc(k ? k : 1, sizeof **out);
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsString(e) || !*e->valuestring) {
            int rc = fail(d, key, "expected non-empty strings, item %zu is not", *n);
            for (size_t q = 0; q < *n; q++)
                free((*out)[q]);
            free(*out);
            *out = NULL;
            *n = 0;
            return rc;
        }
        (*out)[(*n)++] = xstrdup(e->valuestring);
    }
    if (required && *n == 0) {
        free(*out);
        *out = NULL;
        return fail(d, key, "must not be empty");
    }
    return 0;
}

static int get_tpl(Ld *d, const cJSON *o, const char *key, int required, TplList *t)
{
    if (get_strings(d, o, key, required, &t->t, &t->n) != 0)
        return -1;
    t->tpl0 = d->lx->ntemplates;
    d->lx->ntemplates += (uint32_t)t->n;
    return 0;
}

static const char *get_str(Ld *d, const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || !*v->valuestring) {
        fail(d, key, v ? "expected a non-empty string" : "missing");
        return NULL;
    }
    return v->valuestring;
}

static int get_num(Ld *d, const cJSON *o, const char *key, double lo, double hi, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi)
        return fail(d, key, "expected a number from %g to %g", lo, hi);
    *out = v->valuedouble;
    return 0;
}

static int new_concept(Ld *d, const char *id, ConceptKind kind, int domain, int section)
{
    Lexicon *lx = d->lx;
    if (lexicon_find(lx, id) >= 0)
        return fail(d, "id", "duplicate id '%s'", id), -1;
    GROW(lx->c, d->ncap, lx->nc + 1);
    strpool_intern(&lx->ids, id); /* its id is lx->nc: ids are interned in concept order */
    Concept *c = &lx->c[lx->nc];
    memset(c, 0, sizeof *c);
    c->id = xstrdup(id);
    c->kind = kind;
    c->domain = domain;
    c->section = section;
    c->person_group = c->with_group = c->outcome = c->group = -1;
    c->gender = 'A';
    return (int)lx->nc++;
}

int lexicon_group(const Lexicon *lx, const char *name)
{
    for (int g = 0; g < lx->ngroups; g++)
        if (strcmp(lx->groups[g], name) == 0)
            return g;
    return -1;
}

int lexicon_find(const Lexicon *lx, const char *id)
{
    return (int)strpool_find(&lx->ids, id);
}

/* ---- keys ---- */

typedef struct {
    uint32_t *tok;
    int n, cap;
    StrPool *pool;
    int intern;      /* 1: add unknown tokens; 0: map them to UINT32_MAX */
} TokVec;

static void tok_push(const char *t, size_t len, void *arg)
{
    TokVec *v = arg;
    char buf[256];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, t, len);
    buf[len] = '\0';
    uint32_t id;
    if (v->intern) {
        id = strpool_intern(v->pool, buf);
    } else {
        long f = strpool_find(v->pool, buf);
        id = f < 0 ? UINT32_MAX : (uint32_t)f;
    }
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 32;
        v->tok = xrealloc(v->tok, (size_t)v->cap * sizeof *v->tok);
    }
    v->tok[v->n++] = id;
}

static int add_keys(Ld *d, int ci, const cJSON *o, const char *key)
{
    char **ks;
    size_t nk;
    if (get_strings(d, o, key, 1, &ks, &nk) != 0)
        return -1;
    Lexicon *lx = d->lx;
    for (size_t k = 0; k < nk; k++) {
        if (strpbrk(ks[k], "$0123456789{}[]|")) {
            int rc = fail(d, key, "key '%s' has a digit, a slot or template syntax; keys are plain words", ks[k]);
            for (size_t j = k; j < nk; j++)
                free(ks[j]);
            free(ks);
            return rc;
        }
        TokVec v = {NULL, 0, 0, &lx->tokens, 1};
        lexicon_tokenize(ks[k], tok_push, &v);
        if (v.n == 0) {
            free(v.tok);
            int rc = fail(d, key, "key '%s' has no letters or digits", ks[k]);
            for (size_t j = k; j < nk; j++)
                free(ks[j]);
            free(ks);
            return rc;
        }
        lx->keys = xrealloc(lx->keys, (lx->nkeys + 1) * sizeof *lx->keys);
        lx->keys[lx->nkeys++] = (Key){v.tok, v.n, ci};
        free(ks[k]);
    }
    free(ks);
    return 0;
}

static void index_keys(Lexicon *lx)
{
    size_t nt = lx->tokens.n;
    lx->by_first = xcalloc(nt ? nt : 1, sizeof *lx->by_first);
    lx->nby_first = xcalloc(nt ? nt : 1, sizeof *lx->nby_first);
    for (size_t k = 0; k < lx->nkeys; k++) {
        uint32_t t = lx->keys[k].tok[0];
        lx->by_first[t] = xrealloc(lx->by_first[t], (lx->nby_first[t] + 1) * sizeof **lx->by_first);
        lx->by_first[t][lx->nby_first[t]++] = (uint32_t)k;
    }
    /* longest key first (insertion sort: the lists are short) */
    for (size_t t = 0; t < nt; t++) {
        uint32_t *l = lx->by_first[t];
        for (size_t i = 1; i < lx->nby_first[t]; i++)
            for (size_t j = i; j > 0 && lx->keys[l[j]].ntok > lx->keys[l[j - 1]].ntok; j--) {
                uint32_t x = l[j];
                l[j] = l[j - 1];
                l[j - 1] = x;
            }
    }
}

/* ---- tokeniser ---- */

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Length of a typographic separator at s (dashes, curly double and single
 * opening quotes, ellipsis, no-break space), or 0. The closing single quote
 * U+2019 is an apostrophe, handled apart. */
static int utf8_separator(const unsigned char *s)
{
    if (s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && s[2] &&
        (s[2] == 0x90 || s[2] == 0x91 || s[2] == 0x92 || s[2] == 0x93 || s[2] == 0x94 || s[2] == 0x98 ||
         s[2] == 0x9C || s[2] == 0x9D || s[2] == 0xA6))
        return 3;
    return 0;
}

void lexicon_tokenize(const char *text, void (*fn)(const char *tok, size_t len, void *arg), void *arg)
{
    const unsigned char *s = (const unsigned char *)text;
    char buf[128];
    size_t n = 0;
    while (*s) {
        /* money: $ or £ (C2 A3) then a digit */
        int cur = (*s == '$') ? 1 : (s[0] == 0xC2 && s[1] == 0xA3) ? 2 : 0;
        if (cur && s[cur] >= '0' && s[cur] <= '9') {
            if (n) {
                fn(buf, n, arg);
                n = 0;
            }
            buf[n++] = '$';
            s += cur;
            while ((*s >= '0' && *s <= '9') || ((*s == ',' || *s == '.') && s[1] >= '0' && s[1] <= '9')) {
                if (*s != ',' && n < sizeof buf - 2)
                    buf[n++] = (char)*s;
                s++;
            }
            if ((*s == 'k' || *s == 'K' || *s == 'm' || *s == 'M') && !is_word_byte(s[1]))
                buf[n++] = (char)(*s++ | 0x20);
            fn(buf, n, arg);
            n = 0;
            continue;
        }
        /* apostrophes inside a word are dropped: ' and U+2019 (E2 80 99) */
        int apos = (*s == '\'') ? 1 : (s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0x99) ? 3 : 0;
        if (apos && n > 0 && is_word_byte(s[apos]) && s[apos] != 0xE2) {
            /* a possessive 's ends the word ("father of two's" keeps
             * "two"); other apostrophes vanish ("don't" -> "dont") */
            if ((s[apos] == 's' || s[apos] == 'S') && !is_word_byte(s[apos + 1])) {
                fn(buf, n, arg);
                n = 0;
            }
            s += apos;
            continue;
        }
        int sep = utf8_separator(s);
        if (sep) {
            if (n) {
                fn(buf, n, arg);
                n = 0;
            }
            if (s[0] == 0xE2 && s[2] == 0xA6) /* an ellipsis ends a sentence */
                fn(".", 1, arg);
            s += sep;
            continue;
        }
        /* a decimal point inside a number stays in it ("1.5") */
        if (*s == '.' && n > 0 && buf[n - 1] >= '0' && buf[n - 1] <= '9' && s[1] >= '0' && s[1] <= '9') {
            if (n < sizeof buf - 1)
                buf[n++] = '.';
            s++;
            continue;
        }
        if (!apos && is_word_byte(*s)) {
            if (n < sizeof buf - 1)
                buf[n++] = (char)((*s >= 'A' && *s <= 'Z') ? *s - 'A' + 'a' : *s);
            s++;
            continue;
        }
        if (n) {
            fn(buf, n, arg);
            n = 0;
        }
        /* a sentence boundary is a token of its own, so that neither a key
         * nor "6 years. Old posters" reads across it */
        if ((*s == '.' || *s == '?' || *s == '!') && !(s[1] >= '0' && s[1] <= '9')) {
            while (s[1] == '.' || s[1] == '?' || s[1] == '!')
                s++;
            fn(".", 1, arg);
        }
        s += apos ? (size_t)apos : 1;
    }
    if (n)
        fn(buf, n, arg);
}

void lexicon_key_text(const Lexicon *lx, const Key *k, StrBuf *out)
{
    for (int q = 0; q < k->ntok; q++)
        sb_printf(out, "%s%s", q ? " " : "", strpool_get(&lx->tokens, k->tok[q]));
}

uint32_t lexicon_token_id(const Lexicon *lx, const char *tok)
{
    long f = strpool_find(&lx->tokens, tok);
    return f < 0 ? UINT32_MAX : (uint32_t)f;
}

size_t lexicon_match(const Lexicon *lx, const char *text, int *out, size_t cap)
{
    TokVec v = {NULL, 0, 0, (StrPool *)&lx->tokens, 0};
    lexicon_tokenize(text, tok_push, &v);
    size_t n = lexicon_match_ids(lx, v.tok, (size_t)v.n, out, cap);
    free(v.tok);
    return n;
}

size_t lexicon_match_ids(const Lexicon *lx, const uint32_t *tok, size_t ntok, int *out, size_t cap)
{
    return lexicon_match_at(lx, tok, ntok, out, NULL, NULL, cap);
}

size_t lexicon_match_at(const Lexicon *lx, const uint32_t *tok, size_t ntok, int *out, int *at, int *len,
                        size_t cap)
{
    size_t found = 0;
    int n = (int)ntok;
    for (int i = 0; i < n;) {
        uint32_t t = tok[i];
        int adv = 1;
        if (t != UINT32_MAX) {
            for (size_t j = 0; j < lx->nby_first[t]; j++) {
                const Key *k = &lx->keys[lx->by_first[t][j]];
                if (k->ntok > n - i)
                    continue;
                int ok = 1;
                for (int q = 1; q < k->ntok && ok; q++)
                    ok = tok[i + q] == k->tok[q];
                if (ok) {
                    if (found < cap) {
                        out[found] = k->concept;
                        if (at)
                            at[found] = i;
                        if (len)
                            len[found] = k->ntok;
                    }
                    found++;
                    adv = k->ntok;
                    break;
                }
            }
        }
        i += adv;
    }
    return found < cap ? found : cap;
}

/* ---- parsing the merged document ---- */

static int set_path(Ld *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_path(Ld *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->path, sizeof d->path, fmt, ap);
    va_end(ap);
    return 0;
}

static int parse_weight_range(Ld *d, const cJSON *o, Concept *c)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "weight");
    if (cJSON_IsNumber(w) && w->valuedouble > 0 && w->valuedouble <= 10) {
        c->w_lo = c->w_hi = w->valuedouble;
        return 0;
    }
    if (cJSON_IsArray(w) && cJSON_GetArraySize(w) == 2) {
        const cJSON *a = cJSON_GetArrayItem(w, 0), *b = cJSON_GetArrayItem(w, 1);
        if (cJSON_IsNumber(a) && cJSON_IsNumber(b) && a->valuedouble > 0 && a->valuedouble <= b->valuedouble &&
            b->valuedouble <= 10) {
            c->w_lo = a->valuedouble;
            c->w_hi = b->valuedouble;
            return 0;
        }
    }
    return fail(d, "weight", "expected a number in (0, 10] or [lo, hi] with 0 < lo <= hi <= 10");
}

static int parse_value(Ld *d, const cJSON *o, Concept *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value");
    if (!v)
        return 0;
    const char *s = cJSON_IsString(v) ? v->valuestring : "";
    if (strcmp(s, "none") == 0)
        c->value = VAL_NONE;
    else if (strcmp(s, "dur") == 0)
        c->value = VAL_DUR;
    else if (strcmp(s, "money") == 0)
        c->value = VAL_MONEY;
    else if (strcmp(s, "place") == 0)
        c->value = VAL_PLACE;
    else
        return fail(d, "value", "expected none, dur, money or place");
    const cJSON *du = cJSON_GetObjectItemCaseSensitive(o, "dur");
    if (du) {
        static const char *const UNITS[] = {"", "day", "week", "month", "year"};
        const cJSON *u = cJSON_GetArrayItem(du, 0), *a = cJSON_GetArrayItem(du, 1), *b = cJSON_GetArrayItem(du, 2);
        int unit = 0;
        for (int k = 1; k <= 4 && cJSON_IsString(u); k++)
            if (strcmp(u->valuestring, UNITS[k]) == 0)
                unit = k;
        if (c->value != VAL_DUR || !cJSON_IsArray(du) || cJSON_GetArraySize(du) != 3 || !unit || !cJSON_IsNumber(a) ||
            !cJSON_IsNumber(b) || a->valueint < 1 || a->valueint > b->valueint || b->valueint > 1000)
            return fail(d, "dur", "expected [\"day\"|\"week\"|\"month\"|\"year\", lo, hi] with 1 <= lo <= hi <= 1000, "
                                  "on a concept with \"value\": \"dur\"");
        c->dur_unit = unit;
        c->dur_lo = a->valueint;
        c->dur_hi = b->valueint;
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "money");
    if (m) {
        const cJSON *a = cJSON_GetArrayItem(m, 0), *b = cJSON_GetArrayItem(m, 1);
        if (c->value != VAL_MONEY || !cJSON_IsArray(m) || cJSON_GetArraySize(m) != 2 || !cJSON_IsNumber(a) ||
            !cJSON_IsNumber(b) || a->valuedouble < 1 || a->valuedouble > b->valuedouble || b->valuedouble > 1e9)
            return fail(d, "money", "expected [lo, hi] with 1 <= lo <= hi <= 1e9, on a concept with \"value\": \"money\"");
        c->money_lo = a->valuedouble;
        c->money_hi = b->valuedouble;
    }
    return 0;
}

static int parse_group_ref(Ld *d, const cJSON *o, const char *key, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = -1;
    if (!v)
        return 0;
    if (!cJSON_IsString(v))
        return fail(d, key, "expected a relation group name");
    if (strcmp(v->valuestring, "none") == 0)
        return 0;
    *out = lexicon_group(d->lx, v->valuestring);
    if (*out < 0)
        return fail(d, key, "unknown relation group '%s'", v->valuestring);
    return 0;
}

/* A fact concept (detail, ask, outcome): id, keys, weight, value, with,
 * post (or news), summary. */
static int parse_fact(Ld *d, const cJSON *o, ConceptKind kind, int domain, int section)
{
    const char *id = get_str(d, o, "id");
    if (!id)
        return -1;
    int ci = new_concept(d, id, kind, domain, section);
    if (ci < 0)
        return -1;
    Concept *c = &d->lx->c[ci];
    const char *postkey = cJSON_GetObjectItemCaseSensitive(o, "post") ? "post" : "news";
    if (parse_weight_range(d, o, c) || parse_value(d, o, c) || parse_group_ref(d, o, "with", &c->with_group) ||
        get_tpl(d, o, postkey, 1, &c->post) || get_tpl(d, o, "summary", 1, &c->summary) || add_keys(d, ci, o, "keys"))
        return -1;
    return ci;
}

static int parse_relation(Ld *d, const cJSON *o)
{
    const char *id = get_str(d, o, "id"), *group = id ? get_str(d, o, "group") : NULL;
    if (!group)
        return -1;
    Lexicon *lx = d->lx;
    int g = lexicon_group(lx, group);
    if (g < 0) {
        if (lx->ngroups == LEX_MAX_GROUPS)
            return fail(d, "group", "too many relation groups (at most %d)", LEX_MAX_GROUPS);
        g = lx->ngroups++;
        lx->groups[g] = xstrdup(group);
    }
    int ci = new_concept(d, id, CK_RELATION, -1, -1);
    if (ci < 0)
        return -1;
    Concept *c = &lx->c[ci];
    c->group = g;
    const char *gender = get_str(d, o, "gender");
    if (!gender)
        return -1;
    if (strcmp(gender, "M") == 0 || strcmp(gender, "F") == 0)
        c->gender = gender[0];
    else if (strcmp(gender, "any") == 0)
        c->gender = 'A';
    else
        return fail(d, "gender", "expected M, F or any");
    const cJSON *age = cJSON_GetObjectItemCaseSensitive(o, "age");
    if (!cJSON_IsArray(age) || cJSON_GetArraySize(age) != 2 || !cJSON_IsNumber(cJSON_GetArrayItem(age, 0)) ||
        !cJSON_IsNumber(cJSON_GetArrayItem(age, 1)) ||
        cJSON_GetArrayItem(age, 0)->valueint > cJSON_GetArrayItem(age, 1)->valueint)
        return fail(d, "age", "expected [lo, hi] (years relative to the narrator; absolute for subjects)");
    c->age_lo = cJSON_GetArrayItem(age, 0)->valueint;
    c->age_hi = cJSON_GetArrayItem(age, 1)->valueint;
    if (get_strings(d, o, "forms", 1, &c->forms, &c->nforms) || add_keys(d, ci, o, "keys"))
        return -1;
    lx->group_members[g] = xrealloc(lx->group_members[g], (lx->group_n[g] + 1) * sizeof(int));
    lx->group_members[g][lx->group_n[g]++] = ci;
    return 0;
}

static int parse_places(Ld *d, const cJSON *places)
{
    for (int dom = 0; dom < WD_N; dom++) {
        const char *dn = dom == WD_TLDR ? "tldr" : "news";
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(places, dn);
        if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
            return set_path(d, "places"), fail(d, dn, "expected a non-empty array of places");
        int k = 0;
        const cJSON *p;
        cJSON_ArrayForEach(p, a) {
            set_path(d, "places.%s[%d]", dn, k++);
            const char *id = get_str(d, p, "id");
            if (!id)
                return -1;
            int ci = new_concept(d, id, CK_PLACE, dom, -1);
            if (ci < 0)
                return -1;
            Concept *c = &d->lx->c[ci];
            if (get_strings(d, p, "forms", 1, &c->forms, &c->nforms) != 0)
                return -1;
            for (size_t f = 0; f < c->nforms; f++) {
                cJSON *tmp = cJSON_CreateObject();
                cJSON *arr = cJSON_AddArrayToObject(tmp, "keys");
                char *low = lower_dup(c->forms[f]);
                cJSON_AddItemToArray(arr, cJSON_CreateString(low));
                free(low);
                int rc = add_keys(d, ci, tmp, "keys");
                cJSON_Delete(tmp);
                if (rc)
                    return -1;
            }
            d->lx->places[dom] = xrealloc(d->lx->places[dom], (d->lx->nplaces[dom] + 1) * sizeof(int));
            d->lx->places[dom][d->lx->nplaces[dom]++] = ci;
        }
    }
    return 0;
}

static int parse_common(Ld *d, const cJSON *c)
{
    Lexicon *lx = d->lx;
    const cJSON *rels = cJSON_GetObjectItemCaseSensitive(c, "relations");
    if (!cJSON_IsArray(rels))
        return set_path(d, "%s", ""), fail(d, "relations", "expected an array");
    int k = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rels) {
        set_path(d, "relations[%d]", k++);
        if (parse_relation(d, r) != 0)
            return -1;
    }
    lx->subject_group = lexicon_group(lx, "subject");
    set_path(d, "%s", "");
    const cJSON *places = cJSON_GetObjectItemCaseSensitive(c, "places");
    if (!cJSON_IsObject(places))
        return fail(d, "places", "expected an object with tldr and news");
    if (parse_places(d, places) != 0)
        return -1;
    set_path(d, "%s", "");
    const cJSON *intros = cJSON_GetObjectItemCaseSensitive(c, "intros");
    if (!cJSON_IsObject(intros))
        return fail(d, "intros", "expected an object of relation group -> sentences");
    const cJSON *it;
    cJSON_ArrayForEach(it, intros) {
        int g = strcmp(it->string, "none") == 0 ? lx->ngroups : lexicon_group(lx, it->string);
        set_path(d, "intros");
        if (g < 0)
            return fail(d, it->string, "unknown relation group");
        if (lx->intros[g].n) /* "none" and a group's own name, or a key twice: never overwrite (leak) */
            return fail(d, it->string, "sentences for this group given twice");
        if (get_tpl(d, intros, it->string, 1, &lx->intros[g]) != 0)
            return -1;
    }
    if (get_tpl(d, c, "openers", 1, &lx->openers) || get_tpl(d, c, "closers", 1, &lx->closers) ||
        get_tpl(d, c, "fillers", 1, &lx->fillers) || get_tpl(d, c, "news_fillers", 1, &lx->news_fillers))
        return -1;
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(c, "connectors");
    const cJSON *dis = cJSON_GetObjectItemCaseSensitive(c, "distractors");
    if (!cJSON_IsObject(conn) || !cJSON_IsObject(dis))
        return fail(d, conn ? "distractors" : "connectors", "expected an object with tldr and news");
    for (int dom = 0; dom < WD_N; dom++) {
        const char *dn = dom == WD_TLDR ? "tldr" : "news";
        set_path(d, "connectors");
        if (get_tpl(d, conn, dn, 1, &lx->connectors[dom]) != 0)
            return -1;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(dis, dn);
        if (!cJSON_IsArray(a))
            return set_path(d, "distractors"), fail(d, dn, "expected an array");
        k = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, a) {
            set_path(d, "distractors.%s[%d]", dn, k++);
            const char *id = get_str(d, x, "id");
            if (!id)
                return -1;
            int ci = new_concept(d, id, CK_DISTRACTOR, dom, -1);
            if (ci < 0)
                return -1;
            Concept *cc = &lx->c[ci];
            cc->w_lo = cc->w_hi = 0;
            if (get_tpl(d, x, "post", 1, &cc->post) || get_tpl(d, x, "summary", 1, &cc->summary) ||
                add_keys(d, ci, x, "keys"))
                return -1;
            lx->distractors[dom] = xrealloc(lx->distractors[dom], (lx->ndistractors[dom] + 1) * sizeof(int));
            lx->distractors[dom][lx->ndistractors[dom]++] = ci;
        }
    }
    set_path(d, "%s", "");
    if (get_strings(d, c, "jokes", 1, &lx->jokes, &lx->njokes) || get_strings(d, c, "sites", 1, &lx->sites, &lx->nsites))
        return -1;
    return 0;
}

static int parse_event(Ld *d, const cJSON *e, int dom, int si, const int *sec_asks, size_t nsec_asks,
                       const cJSON *sec_ask_json)
{
    Lexicon *lx = d->lx;
    const char *id = get_str(d, e, "id");
    if (!id)
        return -1;
    int ci = new_concept(d, id, CK_EVENT, dom, si);
    if (ci < 0)
        return -1;
    const char *postkey = cJSON_GetObjectItemCaseSensitive(e, "post") ? "post" : "news";
    if (parse_weight_range(d, e, &lx->c[ci]) || parse_value(d, e, &lx->c[ci]) ||
        parse_group_ref(d, e, "person", &lx->c[ci].person_group) || get_tpl(d, e, postkey, 1, &lx->c[ci].post) ||
        get_tpl(d, e, "summary", 1, &lx->c[ci].summary) || get_tpl(d, e, "title", 1, &lx->c[ci].title) ||
        add_keys(d, ci, e, "keys"))
        return -1;
    if (dom == WD_NEWS && lx->c[ci].person_group < 0)
        return fail(d, "person", "news events need a subject group (\"subject\")");
    char base[256];
    snprintf(base, sizeof base, "%s", d->path);
    /* asks: ids among the section's */
    const cJSON *asks = cJSON_GetObjectItemCaseSensitive(e, "asks");
    if (dom == WD_TLDR) {
        if (!cJSON_IsArray(asks) || cJSON_GetArraySize(asks) == 0)
            return fail(d, "asks", "TL;DR events need a non-empty array of ask ids");
        const cJSON *a;
        cJSON_ArrayForEach(a, asks) {
            int found = -1;
            for (size_t k = 0; k < nsec_asks && cJSON_IsString(a); k++)
                if (strcmp(lx->c[sec_asks[k]].id, a->valuestring) == 0)
                    found = sec_asks[k];
            if (found < 0)
                return fail(d, "asks", "'%s' is not an ask of this section",
                            cJSON_IsString(a) ? a->valuestring : "(not a string)");
            Concept *c = &lx->c[ci];
            c->asks = xrealloc(c->asks, (c->nasks + 1) * sizeof(int));
            c->asks[c->nasks++] = found;
        }
    }
    (void)sec_ask_json;
    const cJSON *oc = cJSON_GetObjectItemCaseSensitive(e, "outcome");
    if (oc) {
        set_path(d, "%s.outcome", base);
        int o = parse_fact(d, oc, CK_OUTCOME, dom, si);
        if (o < 0)
            return -1;
        lx->c[ci].outcome = o;
    }
    const cJSON *dets = cJSON_GetObjectItemCaseSensitive(e, "details");
    if (!cJSON_IsArray(dets) || cJSON_GetArraySize(dets) < 2)
        return set_path(d, "%s", base), fail(d, "details", "expected an array of at least 2 details");
    int k = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, dets) {
        set_path(d, "%s.details[%d]", base, k++);
        int di = parse_fact(d, x, CK_DETAIL, dom, si);
        if (di < 0)
            return -1;
        Concept *c = &lx->c[ci];
        c->details = xrealloc(c->details, (c->ndetails + 1) * sizeof(int));
        c->details[c->ndetails++] = di;
    }
    return ci;
}

static int parse_domain_file(Ld *d, const cJSON *f)
{
    Lexicon *lx = d->lx;
    set_path(d, "%s", "");
    const char *dn = get_str(d, f, "domain");
    if (!dn)
        return -1;
    int dom = strcmp(dn, "tldr") == 0 ? WD_TLDR : strcmp(dn, "news") == 0 ? WD_NEWS : -1;
    if (dom < 0)
        return fail(d, "domain", "expected tldr or news, got '%s'", dn);
    const cJSON *secs = cJSON_GetObjectItemCaseSensitive(f, "sections");
    if (!cJSON_IsArray(secs) || cJSON_GetArraySize(secs) == 0)
        return fail(d, "sections", "expected a non-empty array");
    int sk = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, secs) {
        set_path(d, "sections[%d]", sk++);
        const char *sname = get_str(d, s, "name");
        double w = 0;
        if (!sname || get_num(d, s, "weight", 1e-6, 1e6, &w) != 0)
            return -1;
        lx->sec = xrealloc(lx->sec, (lx->nsec + 1) * sizeof *lx->sec);
        int si = (int)lx->nsec++;
        Section *sec = &lx->sec[si];
        memset(sec, 0, sizeof *sec);
        sec->name = xstrdup(sname);
        sec->domain = dom;
        sec->weight = w;
        char base[256];
        snprintf(base, sizeof base, "%s", d->path);
        if (get_tpl(d, s, "fillers", 0, &lx->sec[si].fillers) != 0)
            return -1;
        sec = &lx->sec[si];
        int *asks = NULL;
        size_t nasks = 0;
        const cJSON *aj = cJSON_GetObjectItemCaseSensitive(s, "asks");
        if (aj && !cJSON_IsArray(aj))
            return fail(d, "asks", "expected an array");
        int k = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, aj) {
            set_path(d, "%s.asks[%d]", base, k++);
            int ai = parse_fact(d, a, CK_ASK, dom, si);
            if (ai < 0) {
                free(asks);
                return -1;
            }
            asks = xrealloc(asks, (nasks + 1) * sizeof *asks);
            asks[nasks++] = ai;
        }
        int *sdet = NULL;
        size_t nsdet = 0;
        const cJSON *dj = cJSON_GetObjectItemCaseSensitive(s, "details");
        k = 0;
        cJSON_ArrayForEach(a, dj) {
            set_path(d, "%s.details[%d]", base, k++);
            int di = parse_fact(d, a, CK_DETAIL, dom, si);
            if (di < 0) {
                free(asks);
                free(sdet);
                return -1;
            }
            sdet = xrealloc(sdet, (nsdet + 1) * sizeof *sdet);
            sdet[nsdet++] = di;
        }
        const cJSON *evs = cJSON_GetObjectItemCaseSensitive(s, "events");
        set_path(d, "%s", base);
        if (!cJSON_IsArray(evs) || cJSON_GetArraySize(evs) == 0) {
            free(asks);
            free(sdet);
            return fail(d, "events", "expected a non-empty array");
        }
        k = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, evs) {
            set_path(d, "%s.events[%d]", base, k++);
            int ei = parse_event(d, e, dom, si, asks, nasks, aj);
            if (ei < 0) {
                free(asks);
                free(sdet);
                return -1;
            }
            Concept *c = &lx->c[ei];
            c->details = xrealloc(c->details, (c->ndetails + nsdet) * sizeof(int));
            for (size_t q = 0; q < nsdet; q++)
                c->details[c->ndetails++] = sdet[q];
            sec = &lx->sec[si];
            sec->events = xrealloc(sec->events, (sec->nevents + 1) * sizeof(int));
            sec->events[sec->nevents++] = ei;
        }
        free(asks);
        free(sdet);
    }
    return 0;
}

/* Loads the merged document json (owned), whose text is src. Messages
 * name the parts' own files when parts is not NULL (parts[0] common.json,
 * then the domain files in the order of "files"), else places in src. */
static int load_merged(Lexicon *lx, cJSON *json, const JsonSrc *src, const JsonSrc *parts, TlError *err)
{
    memset(lx, 0, sizeof *lx);
    strpool_init(&lx->tokens);
    strpool_init(&lx->ids);
    lx->json = json;
    Ld d = {lx, *src, "", err, 0};
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(json, "format");
    if (!cJSON_IsNumber(fmt) || fmt->valueint != LEX_FORMAT) {
        json_src_error(err, src, "format", "expected lexicon format %d; this file is from another version of tldrlab",
                       LEX_FORMAT);
        goto fail;
    }
    const cJSON *common = cJSON_GetObjectItemCaseSensitive(json, "common");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(json, "files");
    if (!cJSON_IsObject(common) || !cJSON_IsArray(files)) {
        json_src_error(err, src, NULL, "expected an object with 'common' and 'files'");
        goto fail;
    }
    if (parts) {
        d.src = parts[0];
    } else {
        d.src = *src;
        d.src.base = "common";
    }
    if (parse_common(&d, common) != 0)
        goto fail;
    const cJSON *f;
    int k = 0;
    char base[48];
    cJSON_ArrayForEach(f, files) {
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(f, "name");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(f, "content");
        snprintf(base, sizeof base, "files[%d]", k);
        if (!cJSON_IsString(fn) || !cJSON_IsObject(content)) {
            json_src_error(err, src, base, "expected an object with name and content");
            goto fail;
        }
        if (parts) {
            d.src = parts[1 + k];
        } else {
            snprintf(base, sizeof base, "files[%d].content", k);
            d.src = *src;
            d.src.base = base;
        }
        if (parse_domain_file(&d, content) != 0)
            goto fail;
        k++;
    }
    for (int dom = 0; dom < WD_N; dom++) {
        int any = 0;
        for (size_t s = 0; s < lx->nsec; s++)
            any |= lx->sec[s].domain == dom;
        if (!any) {
            json_src_error(err, src, "files", "no %s sections: the lexicon needs both domains",
                           dom == WD_TLDR ? "tldr" : "news");
            goto fail;
        }
    }
    if (lx->subject_group < 0) {
        json_src_error(err, parts ? &parts[0] : src, parts ? "relations" : "common.relations",
                       "no relation has group \"subject\" (news subjects)");
        goto fail;
    }
    index_keys(lx);
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
        tl_die(TL_EXIT_RUNTIME, "out of memory printing the lexicon");
    lx->hash = util_fnv1a(UTIL_FNV_INIT, text, strlen(text));
    free(text);
    return 0;
fail:
    lexicon_free(lx);
    return -1;
}

int lexicon_load_json(Lexicon *lx, cJSON *json, const JsonSrc *src, TlError *err)
{
    return load_merged(lx, json, src, NULL, err);
}

/* Builds the merged document from (name, text) pairs, common.json and the
 * domain files in name order; dir prefixes the names in messages. */
static int merge(Lexicon *lx, const char *const *names, const char *const *texts, size_t n, const char *dir,
                 const char *where, TlError *err)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "format", LEX_FORMAT);
    cJSON *files = cJSON_CreateArray();
    JsonSrc *parts = xcalloc(n + 1, sizeof *parts); /* [0] common.json, then the domain files */
    char **paths = xcalloc(n + 1, sizeof *paths);
    size_t nparts = 1;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        paths[i] = util_path_join(dir, names[i]);
        size_t len = strlen(texts[i]);
        cJSON *j = json_parse_text(texts[i], len, paths[i], err);
        if (!j) {
            cJSON_Delete(files);
            cJSON_Delete(doc);
            goto done;
        }
        JsonSrc part = {paths[i], texts[i], len, ""};
        if (strcmp(names[i], "common.json") == 0) {
            cJSON_AddItemToObject(doc, "common", j);
            parts[0] = part;
        } else {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "name", names[i]);
            cJSON_AddItemToObject(f, "content", j);
            cJSON_AddItemToArray(files, f);
            parts[nparts++] = part;
        }
    }
    cJSON_AddItemToObject(doc, "files", files);
    if (!parts[0].name) {
        tlerr_input(err, where, 0, NULL, "no common.json");
        cJSON_Delete(doc);
        goto done;
    }
    JsonSrc whole = {where, NULL, 0, ""};
    rc = load_merged(lx, doc, &whole, parts, err);
done:
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(parts);
    return rc;
}

int lexicon_load_builtin(Lexicon *lx, TlError *err)
{
    const char **names = xcalloc(LEXICON_NFILES + 1, sizeof *names);
    const char **texts = xcalloc(LEXICON_NFILES + 1, sizeof *texts);
    for (size_t i = 0; i < LEXICON_NFILES; i++) {
        names[i] = LEXICON_FILES[i].name;
        texts[i] = LEXICON_FILES[i].text;
    }
    int rc = merge(lx, names, texts, LEXICON_NFILES, "world/lexicon", "built-in lexicon", err);
    free(names);
    free(texts);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lexicon_load_dir(Lexicon *lx, const char *dir, TlError *err)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        tlerr_set(err, "%s: cannot open the lexicon folder: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0 && de->d_name[0] != '.') {
            names = xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = xstrdup(de->d_name);
        }
    }
    closedir(dp);
    qsort(names, n, sizeof *names, cmp_str);
    char **texts = xcalloc(n + 1, sizeof *texts);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *p = util_path_join(dir, names[i]);
        long ll;
        texts[i] = util_read_text(p, NULL, tl_max_line(), &ll);
        if (!texts[i]) {
            if (errno == EFBIG)
                tl_line_too_long(err, p, ll);
            else
                tlerr_set(err, "%s: cannot read: %s", p, strerror(errno));
            rc = -1;
        }
        free(p);
    }
    if (rc == 0)
        rc = merge(lx, (const char *const *)names, (const char *const *)texts, n, dir, dir, err);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(texts[i]);
    }
    free(names);
    free(texts);
    return rc;
}

char *lexicon_to_json(const Lexicon *lx)
{
    char *s = cJSON_Print(lx->json); /* formatted: messages about W/lexicon.json name useful lines */
    if (!s)
        tl_die(TL_EXIT_RUNTIME, "out of memory printing the lexicon");
    return s;
}

static void tpl_free(TplList *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->t[i]);
    free(t->t);
}

void lexicon_free(Lexicon *lx)
{
    if (!lx)
        return;
    for (size_t i = 0; i < lx->nc; i++) {
        Concept *c = &lx->c[i];
        free(c->id);
        tpl_free(&c->post);
        tpl_free(&c->summary);
        tpl_free(&c->title);
        free(c->asks);
        free(c->details);
        for (size_t f = 0; f < c->nforms; f++)
            free(c->forms[f]);
        free(c->forms);
    }
    free(lx->c);
    for (size_t s = 0; s < lx->nsec; s++) {
        free(lx->sec[s].name);
        free(lx->sec[s].events);
        tpl_free(&lx->sec[s].fillers);
    }
    free(lx->sec);
    for (int g = 0; g < lx->ngroups; g++) {
        free(lx->groups[g]);
        free(lx->group_members[g]);
    }
    for (int g = 0; g <= LEX_MAX_GROUPS; g++)
        tpl_free(&lx->intros[g]);
    tpl_free(&lx->openers);
    tpl_free(&lx->closers);
    tpl_free(&lx->fillers);
    tpl_free(&lx->news_fillers);
    for (int dom = 0; dom < WD_N; dom++) {
        tpl_free(&lx->connectors[dom]);
        free(lx->places[dom]);
        free(lx->distractors[dom]);
    }
    for (size_t i = 0; i < lx->njokes; i++)
        free(lx->jokes[i]);
    free(lx->jokes);
    for (size_t i = 0; i < lx->nsites; i++)
        free(lx->sites[i]);
    free(lx->sites);
    for (size_t k = 0; k < lx->nkeys; k++)
        free(lx->keys[k].tok);
    free(lx->keys);
    if (lx->by_first)
        for (size_t t = 0; t < lx->tokens.n; t++)
            free(lx->by_first[t]);
    free(lx->by_first);
    free(lx->nby_first);
    strpool_free(&lx->tokens);
    strpool_free(&lx->ids);
    cJSON_Delete(lx->json);
    memset(lx, 0, sizeof *lx);
}
