/* judge.c — the gold judge: fact extraction, the coherence n-gram model,
 * and the four axes (docs/world.md, "The gold judge"). */
#include "world/judge.h"
#include "world/render.h"
#include "common/rng.h"
#include "common/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

/* ---- a small open-addressing table: 64-bit key -> one or two counts ---- */

#define KEY_USED (1ULL << 63)

static size_t ht_slot(const uint64_t *keys, size_t cap, uint64_t key)
{
    key |= KEY_USED;
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    size_t i = (size_t)(h >> 20) & (cap - 1);
    while (keys[i] && keys[i] != key)
        i = (i + 1) & (cap - 1);
    return i;
}

/* Returns the slot of key, inserting it (counts 0) when absent; grows the
 * table (keys and the nv parallel value arrays) at half load. */
static size_t ht_insert(uint64_t **keys, uint32_t **v1, uint32_t **v2, size_t *cap, size_t *n, uint64_t key)
{
    if (2 * (*n + 1) > *cap) {
        size_t nc = *cap ? 2 * *cap : 1024;
        uint64_t *nk = xcalloc(nc, sizeof *nk);
        uint32_t *n1 = xcalloc(nc, sizeof *n1), *n2 = v2 ? xcalloc(nc, sizeof *n2) : NULL;
        for (size_t i = 0; i < *cap; i++) {
            if (!(*keys)[i])
                continue;
            size_t j = ht_slot(nk, nc, (*keys)[i] & ~KEY_USED);
            nk[j] = (*keys)[i];
            n1[j] = (*v1)[i];
            if (v2)
                n2[j] = (*v2)[i];
        }
        free(*keys);
        free(*v1);
        *keys = nk;
        *v1 = n1;
        if (v2) {
            free(*v2);
            *v2 = n2;
        }
        *cap = nc;
    }
    size_t i = ht_slot(*keys, *cap, key);
    if (!(*keys)[i]) {
        (*keys)[i] = key | KEY_USED;
        (*n)++;
    }
    return i;
}

static uint32_t ht_get(const uint64_t *keys, const uint32_t *v, size_t cap, uint64_t key)
{
    if (!cap)
        return 0;
    size_t i = ht_slot(keys, cap, key);
    return keys[i] ? v[i] : 0;
}

#define ID_UNK 0u
#define ID_BOS 1u
#define ID_EOS 2u

static uint64_t k2(uint32_t a, uint32_t b)
{
    return ((uint64_t)a << 21) | b;
}

static uint64_t k3(uint32_t a, uint32_t b, uint32_t c)
{
    return ((uint64_t)a << 42) | ((uint64_t)b << 21) | c;
}

/* ---- coherence-model tokens ---- */

typedef struct {
    uint32_t *id;
    size_t n, cap;
    StrPool *pool;     /* intern (training) or find (scoring) */
    int intern;
    const StrPool *pool2; /* when not NULL: id2 gets the same words' ids in it (one lexing, two models) */
    uint32_t *id2;
    size_t cap2;
} LmToks;

static uint32_t lm_find(const StrPool *pool, const char *w)
{
    long f = strpool_find(pool, w);
    return f < 0 ? ID_UNK : (uint32_t)f;
}

static void lm_push(LmToks *t, const char *w)
{
    uint32_t id = t->intern ? strpool_intern(t->pool, w) : lm_find(t->pool, w);
    if (t->pool2) {
        GROW(t->id2, t->cap2, t->n + 1);
        t->id2[t->n] = lm_find(t->pool2, w);
    }
    GROW(t->id, t->cap, t->n + 1);
    t->id[t->n++] = id;
}

/* Words lowercased (apostrophes dropped), numbers as <num>, ages like
 * "24f" as <age>, amounts as <money>, and . , ? ! as tokens. */
static void lm_tokenize(const char *text, LmToks *t)
{
    const unsigned char *s = (const unsigned char *)text;
    char buf[64];
    size_t n = 0;
    int digits = 0, letters = 0;
    for (;; s++) {
        unsigned char c = *s;
        if (c == 0xC2 && s[1] == 0xA3 && s[2] >= '0' && s[2] <= '9' && n == 0) {
            s++; /* £ then digits: a money token */
            buf[n++] = '$';
            continue;
        }
        if (c == 0xE2 && s[1] == 0x80 && s[2] == 0x99 && n > 0 && ((s[3] | 0x20) >= 'a' && (s[3] | 0x20) <= 'z')) {
            s += 2; /* a curly apostrophe inside a word, as ' */
            continue;
        }
        if (c == 0xC2 && s[1] == 0xA0) { /* no-break space */
            c = ' ';
            s += 1;
        } else if (c == 0xE2 && s[1] == 0x80 && s[2]) { /* dashes, quotes, ellipsis */
            c = ' ';
            s += 2;
        }
        int apos = c == '\'' && n > 0 && s[1] && ((s[1] | 0x20) >= 'a' && (s[1] | 0x20) <= 'z');
        int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
                   (c == '$' && n == 0 && s[1] >= '0' && s[1] <= '9');
        if (apos)
            continue;
        if (word) {
            if (n < sizeof buf - 1)
                buf[n++] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
            digits += c >= '0' && c <= '9';
            letters += (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            continue;
        }
        if (c == ',' && n > 0 && digits && s[1] >= '0' && s[1] <= '9')
            continue; /* 4,000 */
        if (n) {
            buf[n] = '\0';
            if (buf[0] == '$')
                lm_push(t, "<money>");
            else if (digits && letters == 0)
                lm_push(t, "<num>");
            else if (digits && letters == 1 && (buf[n - 1] == 'f' || buf[n - 1] == 'm'))
                lm_push(t, "<age>");
            else if (digits)
                lm_push(t, "<num>");
            else
                lm_push(t, buf);
            n = 0;
            digits = letters = 0;
        }
        if (c == '\0')
            break;
        if (c == '.' || c == ',' || c == '?' || c == '!') {
            char p[2] = {(char)c, 0};
            lm_push(t, p);
        }
    }
}

/* ---- the coherence model ---- */

static void lm_count(CoherenceLM *lm, const uint32_t *id, size_t n)
{
    /* <s> <s> w1 ... wn </s> */
    uint32_t u = ID_BOS, v = ID_BOS;
    for (size_t i = 0; i <= n; i++) {
        uint32_t w = i < n ? id[i] : ID_EOS;
        if (w >= lm->nuni) {
            size_t nn = lm->nuni ? lm->nuni : 1024;
            while (nn <= w)
                nn *= 2;
            lm->uni = xrealloc(lm->uni, nn * sizeof *lm->uni);
            lm->ctx1_total = xrealloc(lm->ctx1_total, nn * sizeof *lm->ctx1_total);
            lm->ctx1_types = xrealloc(lm->ctx1_types, nn * sizeof *lm->ctx1_types);
            memset(lm->uni + lm->nuni, 0, (nn - lm->nuni) * sizeof *lm->uni);
            memset(lm->ctx1_total + lm->nuni, 0, (nn - lm->nuni) * sizeof *lm->uni);
            memset(lm->ctx1_types + lm->nuni, 0, (nn - lm->nuni) * sizeof *lm->uni);
            lm->nuni = nn;
        }
        lm->uni[w]++;
        lm->total++;
        size_t b = ht_insert(&lm->bkeys, &lm->bvals, NULL, &lm->bcap, &lm->bn, k2(v, w));
        if (lm->bvals[b]++ == 0)
            lm->ctx1_types[v]++;
        lm->ctx1_total[v]++;
        size_t t = ht_insert(&lm->tkeys, &lm->tvals, NULL, &lm->tcap, &lm->tn, k3(u, v, w));
        int new_tri = lm->tvals[t]++ == 0;
        size_t c = ht_insert(&lm->c2keys, &lm->c2tot, &lm->c2typ, &lm->c2cap, &lm->c2n, k2(u, v));
        lm->c2tot[c]++;
        lm->c2typ[c] += new_tri;
        u = v;
        v = w;
    }
}

#define LM_D 0.75

static double lm_prob(const CoherenceLM *lm, uint32_t u, uint32_t v, uint32_t w)
{
    double V = (double)lm->vocab.n;
    double cw = w < lm->nuni ? lm->uni[w] : 0;
    double p1 = (cw + 1.0) / (lm->total + V + 1.0);
    double p2 = p1;
    double tot1 = v < lm->nuni ? lm->ctx1_total[v] : 0;
    if (tot1 > 0) {
        double c = ht_get(lm->bkeys, lm->bvals, lm->bcap, k2(v, w));
        p2 = fmax(c - LM_D, 0) / tot1 + LM_D * lm->ctx1_types[v] / tot1 * p1;
    }
    size_t s = lm->c2cap ? ht_slot(lm->c2keys, lm->c2cap, k2(u, v)) : 0;
    if (lm->c2cap && lm->c2keys[s]) {
        double tot = lm->c2tot[s], typ = lm->c2typ[s];
        double c = ht_get(lm->tkeys, lm->tvals, lm->tcap, k3(u, v, w));
        return fmax(c - LM_D, 0) / tot + LM_D * typ / tot * p2;
    }
    return p2;
}

/* Per-token NLL of the sequence <s> <s> id[0..n) </s>: nll[i] for token i,
 * nll[n] for </s>. Returns the mean over the n + 1. */
static double lm_nll_each(const CoherenceLM *lm, const uint32_t *id, size_t n, double *nll)
{
    uint32_t u = ID_BOS, v = ID_BOS;
    double sum = 0;
    for (size_t i = 0; i <= n; i++) {
        uint32_t w = i < n ? id[i] : ID_EOS;
        double h = -log(lm_prob(lm, u, v, w));
        if (nll)
            nll[i] = h;
        sum += h;
        u = v;
        v = w;
    }
    return sum / (double)(n + 1);
}

double judge_lm_nll(const CoherenceLM *lm, const char *text, size_t *ntok)
{
    LmToks t = {0};
    t.pool = (StrPool *)&lm->vocab;
    lm_tokenize(text, &t);
    double h = lm_nll_each(lm, t.id, t.n, NULL);
    if (ntok)
        *ntok = t.n;
    free(t.id);
    return h;
}

static void lm_calibrate_clauses(CoherenceLM *lm, char **texts, size_t n, gsl_rng *r);

/* One text of the kind a model learns: a clean summary of a fresh
 * document, or (docs) the document itself. */
static const char *lm_text(const World *w, gsl_rng *r, int domain, int docs, Doc *d, StrBuf *s, DocText *dt)
{
    world_draw_doc(&w->lx, &w->cfg, r, domain, d);
    if (docs) { /* the title, a line break, the body */
        doctext_clear(dt);
        world_render_doc(&w->lx, &w->cfg, r, d, dt);
        sb_clear(s);
        sb_add(s, sb_str(&dt->title));
        sb_add(s, "\n");
        sb_add(s, sb_str(&dt->body));
        return sb_str(s);
    }
    sb_clear(s);
    world_write_summary(&w->lx, &w->cfg, r, d, AUTHOR_CLEAN, s, NULL);
    return sb_str(s);
}

/* Trains lm on clean summaries of the domain (docs = 0: the coherence
 * model) or on its documents (docs = 1: what the world's own sentences read
 * like, for judging clauses copied from a document). */
static void lm_build(CoherenceLM *lm, const World *w, int domain, uint64_t seed, int docs)
{
    memset(lm, 0, sizeof *lm);
    strpool_init(&lm->vocab);
    strpool_intern(&lm->vocab, "<unk>");
    strpool_intern(&lm->vocab, "<s>");
    strpool_intern(&lm->vocab, "</s>");
    gsl_rng *r = rng_alloc(seed);
    Doc d;
    StrBuf s;
    sb_init(&s);
    DocText dt;
    doctext_init(&dt);
    LmToks t = {0};
    t.pool = &lm->vocab;
    t.intern = 1;
    /* documents are 7-17 times longer than summaries: fewer of them */
    size_t n = docs ? w->cfg.lm_docs / (domain == WD_TLDR ? 8 : 16) + 1 : w->cfg.lm_docs;
    for (size_t i = 0; i < n; i++) {
        const char *txt = lm_text(w, r, domain, docs, &d, &s, &dt);
        t.n = 0;
        lm_tokenize(txt, &t);
        lm_count(lm, t.id, t.n);
    }
    /* calibration on held-out texts and their shuffled words */
    double good = 0, bad = 0;
    const size_t held = docs ? 50 : 500;
    for (size_t i = 0; i < held; i++) {
        const char *txt = lm_text(w, r, domain, docs, &d, &s, &dt);
        LmToks q = {0};
        q.pool = &lm->vocab;
        lm_tokenize(txt, &q);
        good += lm_nll_each(lm, q.id, q.n, NULL);
        if (q.n > 1) /* gsl_ran_shuffle needs n >= 1 */
            gsl_ran_shuffle(r, q.id, q.n, sizeof q.id[0]);
        bad += lm_nll_each(lm, q.id, q.n, NULL);
        free(q.id);
    }
    lm->h_good = good / (double)held;
    lm->h_bad = bad / (double)held;
    /* clause calibration on other held-out texts */
    char *texts[500];
    for (size_t i = 0; i < held; i++)
        texts[i] = xstrdup(lm_text(w, r, domain, docs, &d, &s, &dt));
    lm_calibrate_clauses(lm, texts, held, r);
    for (size_t i = 0; i < held; i++)
        free(texts[i]);
    free(t.id);
    sb_free(&s);
    doctext_free(&dt);
    rng_free(r);
}

static void lm_free(CoherenceLM *lm)
{
    strpool_free(&lm->vocab);
    free(lm->uni);
    free(lm->ctx1_total);
    free(lm->ctx1_types);
    free(lm->bkeys);
    free(lm->bvals);
    free(lm->tkeys);
    free(lm->tvals);
    free(lm->c2keys);
    free(lm->c2tot);
    free(lm->c2typ);
    memset(lm, 0, sizeof *lm);
}

/* ---- clauses ----
 * A summary is read clause by clause: a clause ends at , ; : . ? ! or a
 * line break (a comma or point between digits is part of a number). Facts
 * earn coverage only inside clauses that read as the world's summary
 * language, negation is judged per clause, and the coherence model scores
 * each clause in its context. */

#define MAX_CLAUSES 256

typedef struct {
    int b[MAX_CLAUSES + 1]; /* byte offsets: clause k is [b[k], b[k+1]) */
    int n;
} Clauses;

static int is_digit_c(char c)
{
    return c >= '0' && c <= '9';
}

static void split_clauses(const char *text, Clauses *c)
{
    c->n = 0;
    c->b[0] = 0;
    int len = (int)strlen(text), start = 0;
    for (int i = 0; i < len; i++) {
        char ch = text[i];
        int end = ch == ';' || ch == ':' || ch == '?' || ch == '!' || ch == '\n';
        if (ch == ',' || ch == '.')
            end = !(i > 0 && is_digit_c(text[i - 1]) && is_digit_c(text[i + 1]));
        if (!end)
            continue;
        while (i + 1 < len && (text[i + 1] == '.' || text[i + 1] == '?' || text[i + 1] == '!'))
            i++;
        if (c->n < MAX_CLAUSES - 1) {
            c->n++;
            c->b[c->n] = i + 1;
            start = i + 1;
        }
    }
    if (start < len || c->n == 0) {
        c->n++;
        c->b[c->n] = len;
    }
}

/* The coherence model's tokens of text, clause by clause: t gets the
 * tokens, start[k] the first token of clause k (start[c->n] = t->n). */
static void lm_clause_tokens(const char *text, const Clauses *c, LmToks *t, int *start)
{
    char small[512];
    for (int k = 0; k < c->n; k++) {
        start[k] = (int)t->n;
        int len = c->b[k + 1] - c->b[k];
        char *buf = len < (int)sizeof small ? small : xmalloc((size_t)len + 1);
        memcpy(buf, text + c->b[k], (size_t)len);
        buf[len] = '\0';
        lm_tokenize(buf, t);
        if (buf != small)
            free(buf);
    }
    start[c->n] = (int)t->n;
}

/* Mean NLL of each clause's tokens in context (NAN for a clause without
 * tokens); the last clause also carries </s>. */
static void clause_nll(const double *nll, size_t ntok, const int *start, int nclauses, double *out)
{
    for (int k = 0; k < nclauses; k++) {
        int a = start[k], b = k == nclauses - 1 ? (int)ntok + 1 : start[k + 1];
        double sum = 0;
        for (int i = a; i < b; i++)
            sum += nll[i];
        out[k] = b > a ? sum / (b - a) : NAN;
    }
}

/* Clause qualities in [0, 1] from per-token NLLs: 1 at or below the
 * model's clause_good, 0 at or above its clause_bad. keep_max: q[k]
 * becomes the larger of its old value and this model's. */
static void clause_quality(const CoherenceLM *lm, const double *nll, size_t ntok, const int *start, int nclauses,
                           double *q, int keep_max)
{
    double cn[MAX_CLAUSES];
    if (ntok)
        clause_nll(nll, ntok, start, nclauses, cn);
    for (int k = 0; k < nclauses; k++) {
        double h = ntok ? cn[k] : NAN;
        double v = isnan(h) ? 0 : (lm->clause_bad - h) / (lm->clause_bad - lm->clause_good);
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        q[k] = keep_max && q[k] > v ? q[k] : v;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Clause thresholds from held-out clean summaries: quality 1 up to the
 * 90th percentile of clean clauses' NLL, 0 from the median of the same
 * clauses with their words shuffled. */
static void lm_calibrate_clauses(CoherenceLM *lm, char **texts, size_t n, gsl_rng *r)
{
    double *good = NULL, *bad = NULL;
    size_t ng = 0, nb = 0, gcap = 0, bcap = 0;
    Clauses c;
    int start[MAX_CLAUSES + 1];
    for (size_t i = 0; i < n; i++) {
        split_clauses(texts[i], &c);
        LmToks t = {0};
        t.pool = &lm->vocab;
        lm_clause_tokens(texts[i], &c, &t, start);
        double *nll = xmalloc((t.n + 1) * sizeof *nll), cn[MAX_CLAUSES];
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) /* shuffle within each clause, its final mark kept last */
                for (int k = 0; k < c.n; k++) {
                    int a = start[k], b = start[k + 1];
                    if (b - a > 2)
                        gsl_ran_shuffle(r, t.id + a, (size_t)(b - a - 1), sizeof t.id[0]);
                }
            lm_nll_each(lm, t.id, t.n, nll);
            clause_nll(nll, t.n, start, c.n, cn);
            for (int k = 0; k < c.n; k++) {
                if (isnan(cn[k]))
                    continue;
                if (pass == 0) {
                    GROW(good, gcap, ng + 1);
                    good[ng++] = cn[k];
                } else {
                    GROW(bad, bcap, nb + 1);
                    bad[nb++] = cn[k];
                }
            }
        }
        free(nll);
        free(t.id);
    }
    qsort(good, ng, sizeof *good, cmp_double);
    qsort(bad, nb, sizeof *bad, cmp_double);
    lm->clause_good = ng ? good[ng * 9 / 10] : 0;
    lm->clause_bad = nb ? bad[nb / 2] : 1;
    if (lm->clause_bad <= lm->clause_good + 0.1)
        lm->clause_bad = lm->clause_good + 0.1;
    free(good);
    free(bad);
}

/* ---- facts in a summary ---- */

#define MAX_TOK 4096

typedef struct {
    char t[MAX_TOK][24];
    int n;
} RawToks;

static void raw_push(const char *tok, size_t len, void *arg)
{
    RawToks *r = arg;
    if (r->n == MAX_TOK)
        return;
    if (len > 23)
        len = 23;
    memcpy(r->t[r->n], tok, len);
    r->t[r->n][len] = '\0';
    r->n++;
}

static const char *const NUM_WORDS[] = {"zero", "one", "two", "three", "four", "five", "six",
                                        "seven", "eight", "nine", "ten", "eleven", "twelve"};

/* A whole number token (digits or a number word up to twelve), else -1. */
static long tok_number(const char *t)
{
    if (t[0] >= '0' && t[0] <= '9') {
        long v = 0;
        for (const char *p = t; *p; p++) {
            if (*p < '0' || *p > '9' || v > 100000000)
                return -1;
            v = v * 10 + (*p - '0');
        }
        return v;
    }
    for (int k = 0; k <= 12; k++)
        if (strcmp(t, NUM_WORDS[k]) == 0)
            return k;
    return -1;
}

static int tok_unit(const char *t)
{
    static const char *const U[] = {"", "day", "week", "month", "year"};
    for (int k = 1; k <= UNIT_YEAR; k++) {
        size_t n = strlen(U[k]);
        if (strncmp(t, U[k], n) == 0 && (t[n] == '\0' || (t[n] == 's' && t[n + 1] == '\0')))
            return k;
    }
    return 0;
}

/* A number stated in a summary. */
typedef enum { NK_AGE, NK_BARE, NK_DUR, NK_MONEY } NumKind;

typedef struct {
    NumKind kind;
    int64_t v;      /* the age, the bare number, the duration's count, the amount */
    int unit;       /* NK_DUR */
    char g;         /* NK_AGE: 'F', 'M' or 0 when no gender is given */
    int at, end;    /* raw tokens [at, end) */
    int run;        /* NK_AGE, NK_BARE, NK_MONEY: index of its run of candidates */
} Num;

#define MAX_NUMS 64

typedef struct {
    Num n[MAX_NUMS];
    int nn;
} Numbers;

static void num_add(Numbers *nb, NumKind k, int64_t v, int unit, char g, int at, int end)
{
    if (nb->nn < MAX_NUMS)
        nb->n[nb->nn++] = (Num){k, v, unit, g, at, end, -1};
}

static void find_numbers(const RawToks *r, Numbers *nb)
{
    nb->nn = 0;
    for (int i = 0; i < r->n; i++) {
        const char *t = r->t[i];
        size_t len = strlen(t);
        if (t[0] == '$') { /* money */
            double v = strtod(t + 1, NULL);
            char last = t[len - 1];
            if (last == 'k')
                v *= 1000;
            else if (last == 'm')
                v *= 1000000;
            if (v > 0 && v < 1e15)
                num_add(nb, NK_MONEY, (int64_t)llround(v), 0, 0, i, i + 1);
            continue;
        }
        /* 24yo */
        if (len == 4 && t[0] >= '1' && t[0] <= '9' && t[1] >= '0' && t[1] <= '9' && t[2] == 'y' && t[3] == 'o') {
            num_add(nb, NK_AGE, (t[0] - '0') * 10 + (t[1] - '0'), 0, 0, i, i + 1);
            continue;
        }
        /* 24f, 24m */
        if (len >= 2 && len <= 3 && t[0] >= '1' && t[0] <= '9' && (t[len - 1] == 'f' || t[len - 1] == 'm') &&
            t[1] >= '0' && t[1] <= '9' && (len == 2 || (t[1] >= '0' && t[1] <= '9'))) {
            if (len == 3)
                num_add(nb, NK_AGE, (t[0] - '0') * 10 + (t[1] - '0'), 0, (char)(t[2] - 'a' + 'A'), i, i + 1);
            continue;
        }
        long v = tok_number(t);
        if (v < 0)
            continue;
        const char *next = i + 1 < r->n ? r->t[i + 1] : "";
        const char *next2 = i + 2 < r->n ? r->t[i + 2] : "";
        int is_digits = t[0] >= '0' && t[0] <= '9';
        if (is_digits && v >= 10 && v <= 110 && (strcmp(next, "f") == 0 || strcmp(next, "m") == 0)) {
            num_add(nb, NK_AGE, v, 0, (char)(next[0] - 'a' + 'A'), i, i + 2);
            i++;
            continue;
        }
        if ((tok_unit(next) == UNIT_YEAR && strcmp(next2, "old") == 0) || strcmp(next, "yo") == 0) {
            int skip = strcmp(next, "yo") == 0 ? 1 : 2;
            num_add(nb, NK_AGE, v, 0, 0, i, i + 1 + skip);
            i += skip;
            continue;
        }
        int u = tok_unit(next);
        int not_a_fact = strcmp(next2, "ago") == 0 || strcmp(next2, "later") == 0 || strcmp(next2, "before") == 0 ||
                         strcmp(next2, "after") == 0 || strcmp(next2, "earlier") == 0 || strcmp(t, "one") == 0;
        if (u && not_a_fact) {
            i++; /* "one day", "a few weeks later": when, not how long */
        } else if (u && v > 0) {
            num_add(nb, NK_DUR, v, u, 0, i, i + 2);
            i++;
        } else if (!u && is_digits) {
            num_add(nb, NK_BARE, v, 0, 0, i, i + 1);
        }
    }
    /* runs of candidates: ages, bare numbers or amounts next to each other,
     * or joined by "or", "to", "and" ("27, 28, 29", "27F or 28F") */
    int run = 0;
    for (int k = 0; k < nb->nn; k++) {
        Num *a = &nb->n[k];
        if (a->kind == NK_DUR)
            continue;
        if (k > 0 && nb->n[k - 1].kind != NK_DUR && (nb->n[k - 1].kind == NK_MONEY) == (a->kind == NK_MONEY)) {
            const Num *p = &nb->n[k - 1];
            int gap = a->at - p->end;
            int joined = gap == 0 || (gap == 1 && (strcmp(r->t[p->end], "or") == 0 || strcmp(r->t[p->end], "to") == 0 ||
                                                   strcmp(r->t[p->end], "and") == 0));
            if (joined) {
                a->run = p->run;
                continue;
            }
        }
        a->run = run++;
    }
}

/* ---- negation ---- */

static const char *const NEG_CUES[] = {
    "not", "never", "no", "nothing", "nobody", "none", "neither", "nor", "cannot", "dont", "doesnt", "didnt",
    "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "cant", "couldnt", "shouldnt", "havent", "hasnt",
    "hadnt", "aint", "false", "untrue", "maybe", "perhaps", "possibly", "supposedly", "allegedly", "unlikely"};

static int is_neg_cue(const Judge *j, const char *t)
{
    return strpool_find(&j->cues, t) >= 0;
}

/* Licences: a negation cue in a summary is licensed when the lexicon's own
 * sentences for a concept the summary's sentence names have that cue
 * next to the same word ("he never cleans", "won't return"), so only
 * negations the world itself writes pass. The pairs (cue, next word) and
 * (word before, cue) come from every rendering of a concept's templates;
 * a slot reads as a wildcard, a sentence's edge as "". */

#define SLOT_WORD "zzslotzz"
#define MAX_RENDERINGS 256

typedef struct {
    uint64_t *h;
    size_t n, cap;
} U64Vec;

static void u64_push(U64Vec *v, uint64_t h)
{
    GROW(v->h, v->cap, v->n + 1);
    v->h[v->n++] = h;
}

/* (cue, next) pairs; (prev, cue) pairs are marked apart by flipping the
 * lowest bit. */
static uint64_t cue_pair(const char *cue, const char *next)
{
    uint64_t h = util_fnv1a(UTIL_FNV_INIT, cue, strlen(cue));
    h = util_fnv1a(h, "|", 1);
    return util_fnv1a(h, next, strlen(next));
}

static uint64_t cue_pair_before(const char *prev, const char *cue)
{
    return cue_pair(prev, cue) ^ 1;
}

typedef struct {
    const Judge *j;
    U64Vec *pairs;
} LicenceCtx;

/* One rendering of a template: its cues with their neighbours. */
static void licence_rendering(const char *text, void *arg)
{
    LicenceCtx *x = arg;
    static RawToks v; /* judge_init runs on one thread */
    v.n = 0;
    lexicon_tokenize(text, raw_push, &v);
    for (int q = 0; q < v.n; q++)
        if (is_neg_cue(x->j, v.t[q])) {
            const char *nx = q + 1 < v.n && strcmp(v.t[q + 1], ".") ? v.t[q + 1] : "";
            const char *pv = q > 0 && strcmp(v.t[q - 1], ".") ? v.t[q - 1] : "";
            u64_push(x->pairs, cue_pair(v.t[q], nx));
            u64_push(x->pairs, cue_pair_before(pv, v.t[q]));
        }
}

static void licence_add_list(const Judge *j, const TplList *l, U64Vec *pairs)
{
    LicenceCtx x = {j, pairs};
    for (size_t i = 0; i < l->n; i++)
        render_each(l->t[i], SLOT_WORD, MAX_RENDERINGS, licence_rendering, &x);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int pair_has(const uint64_t *h, size_t n, uint64_t key)
{
    return n && bsearch(&key, h, n, sizeof *h, cmp_u64) != NULL;
}

/* Is a cue between the words prev and next licensed by concept ci's
 * sentences (the same word after it, or the same word before it)? */
static int cue_licensed(const Judge *j, int ci, const char *prev, const char *cue, const char *next)
{
    const uint64_t *h = j->licence[ci];
    size_t n = j->nlicence[ci];
    return pair_has(h, n, cue_pair(cue, next)) || pair_has(h, n, cue_pair(cue, SLOT_WORD)) ||
           pair_has(h, n, cue_pair_before(prev, cue)) || pair_has(h, n, cue_pair_before(SLOT_WORD, cue));
}

/* ---- scoring ---- */

static int is_dangling(const char *w)
{
    static const char *const D[] = {"the", "a", "an", "to", "of", "and", "or", "but", "my", "his",
                                    "their", "with", "for", "in", "on", "at", "that", "is", "was", "because",
                                    "so", "about", "from", "i", "he", "she", "we", "they", ",", "our", "your",
                                    "if", "when", "than", "as", "by", "has", "have", "had", "be", "been"};
    for (size_t i = 0; i < sizeof D / sizeof D[0]; i++)
        if (strcmp(w, D[i]) == 0)
            return 1;
    return 0;
}

static void explain_add(cJSON *ex, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void explain_add(cJSON *ex, const char *key, const char *fmt, ...)
{
    if (!ex)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON *a = cJSON_GetObjectItemCaseSensitive(ex, key);
    if (!a)
        a = cJSON_AddArrayToObject(ex, key);
    cJSON_AddItemToArray(a, cJSON_CreateString(buf));
}

static int same_dur(int n1, int u1, int n2, int u2)
{
    if (n1 == n2 && u1 == u2)
        return 1;
    /* 12 months = 1 year, 24 months = 2 years */
    if (u1 == UNIT_MONTH && u2 == UNIT_YEAR)
        return n1 == 12 * n2;
    if (u2 == UNIT_MONTH && u1 == UNIT_YEAR)
        return n2 == 12 * n1;
    return 0;
}

void judge_init(Judge *j, World *w)
{
    memset(j, 0, sizeof *j);
    j->w = w;
    for (int dom = 0; dom < WD_N; dom++) {
        lm_build(&j->lm[dom], w, dom, rng_derive_seed(w->cfg.seed, 0x6a75646765ULL + (uint64_t)dom), 0);
        lm_build(&j->doclm[dom], w, dom, rng_derive_seed(w->cfg.seed, 0x646f636c6dULL + (uint64_t)dom), 1);
    }
    strpool_init(&j->cues);
    for (size_t i = 0; i < sizeof NEG_CUES / sizeof NEG_CUES[0]; i++)
        strpool_intern(&j->cues, NEG_CUES[i]);
    const Lexicon *lx = &w->lx;
    j->licence = xcalloc(lx->nc ? lx->nc : 1, sizeof *j->licence);
    j->nlicence = xcalloc(lx->nc ? lx->nc : 1, sizeof *j->nlicence);
    for (size_t i = 0; i < lx->nc; i++) {
        U64Vec pairs = {0};
        licence_add_list(j, &lx->c[i].post, &pairs);
        licence_add_list(j, &lx->c[i].summary, &pairs);
        licence_add_list(j, &lx->c[i].title, &pairs);
        if (pairs.n)
            qsort(pairs.h, pairs.n, sizeof *pairs.h, cmp_u64);
        j->licence[i] = pairs.h;
        j->nlicence[i] = pairs.n;
    }
}

void judge_free(Judge *j)
{
    for (int dom = 0; dom < WD_N; dom++) {
        lm_free(&j->lm[dom]);
        lm_free(&j->doclm[dom]);
    }
    strpool_free(&j->cues);
    for (size_t i = 0; j->licence && i < j->w->lx.nc; i++)
        free(j->licence[i]);
    free(j->licence);
    free(j->nlicence);
    j->licence = NULL;
    j->nlicence = NULL;
}

const char *judge_penalty_name(int k)
{
    static const char *const N[JP_N] = {"length", "invented", "contradicted", "repetition", "truncation",
                                        "incoherent"};
    return k >= 0 && k < JP_N ? N[k] : "?";
}

/* The document's numbers: is v one of its ages, durations or amounts? */
static int doc_has_number(const Doc *d, int64_t v)
{
    if ((d->domain == WD_TLDR && v == d->nar_age) || v == d->dur_n)
        return 1;
    for (int q = 0; q < 2; q++)
        if (d->p[q].rel >= 0 && v == d->p[q].age)
            return 1;
    for (int q = 0; q < d->nf; q++)
        if ((d->f[q].dur_n > 0 && v == d->f[q].dur_n) || (d->f[q].money > 0 && v == d->f[q].money))
            return 1;
    return 0;
}

/* ---- copying ---- */

/* Share of the summary's words that lie inside a 5-gram of words found in
 * the document (sentence marks ignored). */
#define COPY_N 5

static void word_hash_push(const char *tok, size_t len, void *arg)
{
    if (len == 1 && tok[0] == '.')
        return;
    u64_push(arg, util_fnv1a(UTIL_FNV_INIT, tok, len));
}

/* The hash of the COPY_N word hashes from w (never 0), and its slot in an
 * open-addressing set of cap (a power of two) entries. */
static uint64_t gram_hash(const uint64_t *w)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    for (int q = 0; q < COPY_N; q++)
        h = (h ^ w[q]) * 0x100000001B3ULL;
    return h | 1;
}

static size_t gram_slot(const uint64_t *set, size_t cap, uint64_t h)
{
    size_t s = (size_t)(h >> 7) & (cap - 1);
    while (set[s] && set[s] != h)
        s = (s + 1) & (cap - 1);
    return s;
}

double judge_copied(const Judge *j, size_t doc, const char *text)
{
    const World *w = j->w;
    if (!w->texts || !w->body)
        return NAN;
    U64Vec dv = {0}, sv = {0};
    lexicon_tokenize(w->body[doc], word_hash_push, &dv);
    lexicon_tokenize(text, word_hash_push, &sv);
    double share = 0;
    if (sv.n > 0 && dv.n >= COPY_N) {
        size_t ng = dv.n - COPY_N + 1, cap = 1;
        while (cap < 2 * ng)
            cap *= 2;
        uint64_t *set = xcalloc(cap, sizeof *set);
        for (size_t i = 0; i < ng; i++) {
            uint64_t h = gram_hash(dv.h + i);
            set[gram_slot(set, cap, h)] = h;
        }
        unsigned char *in = xcalloc(sv.n, 1);
        for (size_t i = 0; i + COPY_N <= sv.n; i++) {
            uint64_t h = gram_hash(sv.h + i);
            if (set[gram_slot(set, cap, h)] == h)
                memset(in + i, 1, COPY_N);
        }
        size_t k = 0;
        for (size_t i = 0; i < sv.n; i++)
            k += in[i];
        share = (double)k / (double)sv.n;
        free(in);
        free(set);
    }
    free(dv.h);
    free(sv.h);
    return share;
}

/* ---- one summary, read ---- */

/* What judge_score reads from a summary before it scores anything. One per
 * thread (a few hundred kB), so scoring allocates only the model tokens. */
typedef struct {
    Clauses cl;
    RawToks raw;                     /* keys, numbers, cues, repetition */
    uint32_t rawid[MAX_TOK];         /* raw tokens as the lexicon's key token ids */
    int rstart[MAX_CLAUSES + 1];     /* first raw token of each clause */
    int clause_of[MAX_TOK + 1];      /* clause of each raw token */
    LmToks lt;                       /* the coherence model's tokens (id) and the document model's (id2) */
    int lstart[MAX_CLAUSES + 1];     /* first model token of each clause */
    double q[MAX_CLAUSES];           /* clause quality */
    int sent_of[MAX_CLAUSES];        /* sentence of each clause */
    int negated[MAX_CLAUSES];        /* by sentence */
    int found[512], at[512];         /* key matches: concept and first raw token */
    size_t nmatch;
} Reading;

/* Cuts text into clauses and tokenises each once for the keys and once for
 * both models; matches the keys over the whole text (a key may run across
 * a comma: "with my best friend, of all people"), each belonging to the
 * clause it starts in. */
static void read_tokens(const Judge *j, const Doc *d, const char *text, Reading *R)
{
    const Lexicon *lx = &j->w->lx;
    split_clauses(text, &R->cl);
    R->raw.n = 0;
    R->lt = (LmToks){.pool = (StrPool *)&j->lm[d->domain].vocab, .pool2 = &j->doclm[d->domain].vocab};
    char small[512];
    for (int k = 0; k < R->cl.n; k++) {
        int len = R->cl.b[k + 1] - R->cl.b[k];
        char *buf = len < (int)sizeof small ? small : xmalloc((size_t)len + 1);
        memcpy(buf, text + R->cl.b[k], (size_t)len);
        buf[len] = '\0';
        R->rstart[k] = R->raw.n;
        lexicon_tokenize(buf, raw_push, &R->raw);
        R->lstart[k] = (int)R->lt.n;
        lm_tokenize(buf, &R->lt);
        if (buf != small)
            free(buf);
        for (int i = R->rstart[k]; i < R->raw.n; i++)
            R->clause_of[i] = k;
    }
    R->rstart[R->cl.n] = R->raw.n;
    R->lstart[R->cl.n] = (int)R->lt.n;
    for (int i = 0; i < R->raw.n; i++)
        R->rawid[i] = lexicon_token_id(lx, R->raw.t[i]);
    R->nmatch = lexicon_match_at(lx, R->rawid, (size_t)R->raw.n, R->found, R->at, NULL, 512);
}

/* The coherence model on the whole summary (returns its mean NLL, NAN when
 * it has no tokens) and each clause's quality: the better of how it reads
 * as a summary and how it reads as a sentence of the document kind. */
static double read_quality(const Judge *j, const Doc *d, Reading *R)
{
    const LmToks *t = &R->lt;
    double *nll = xmalloc((t->n + 1) * sizeof *nll);
    double h = t->n ? lm_nll_each(&j->lm[d->domain], t->id, t->n, nll) : NAN;
    clause_quality(&j->lm[d->domain], nll, t->n, R->lstart, R->cl.n, R->q, 0);
    if (t->n)
        lm_nll_each(&j->doclm[d->domain], t->id2, t->n, nll);
    clause_quality(&j->doclm[d->domain], nll, t->n, R->lstart, R->cl.n, R->q, 1);
    free(nll);
    return h;
}

/* Index of concept ci among the document's facts (event, details, ask or
 * outcome), or -1. */
static int doc_fact(const Doc *d, int ci)
{
    for (int f = 0; f < d->nf; f++)
        if (d->f[f].concept == ci)
            return f;
    return -1;
}

static void explain_clause(cJSON *ex, const char *key, const char *what, const char *text, int from, int to)
{
    int len = to - from;
    explain_add(ex, key, "%s\"%.*s\"", what, len > 150 ? 150 : len, text + from);
}

/* Negation, per sentence: a cue (not, never, maybe...) that none of the
 * concepts the sentence names has next to the same word in its own
 * sentences, in a sentence that states one of the document's facts (a
 * person or place alone is not negated). Each negated sentence is one
 * contradiction. */
static void read_negation(const Judge *j, const Doc *d, const char *text, Reading *R, JudgeScore *s, cJSON *ex)
{
    const Clauses *cl = &R->cl;
    int nsent = 0;
    for (int k = 0; k < cl->n; k++) {
        R->sent_of[k] = nsent;
        char e = cl->b[k + 1] > cl->b[k] ? text[cl->b[k + 1] - 1] : 0;
        if (e == '.' || e == '?' || e == '!' || e == '\n' || k == cl->n - 1)
            nsent++;
    }
    for (int sn = 0, k0 = 0; sn < nsent; sn++) {
        int k1 = k0;
        while (k1 < cl->n && R->sent_of[k1] == sn)
            k1++;
        /* the matches of this sentence: [m0, m1) */
        size_t m0 = 0, m1;
        while (m0 < R->nmatch && R->clause_of[R->at[m0]] < k0)
            m0++;
        for (m1 = m0; m1 < R->nmatch && R->clause_of[R->at[m1]] < k1; m1++)
            ;
        int states_fact = 0, unlicensed = 0;
        for (size_t m = m0; m < m1; m++)
            states_fact |= doc_fact(d, R->found[m]) >= 0;
        for (int i = R->rstart[k0]; i < R->rstart[k1] && states_fact && !unlicensed; i++) {
            if (!is_neg_cue(j, R->raw.t[i]))
                continue;
            const char *nx = i + 1 < R->raw.n && strcmp(R->raw.t[i + 1], ".") ? R->raw.t[i + 1] : "";
            const char *pv = i > 0 && strcmp(R->raw.t[i - 1], ".") ? R->raw.t[i - 1] : "";
            int ok = 0;
            for (size_t m = m0; m < m1 && !ok; m++)
                ok = cue_licensed(j, R->found[m], pv, R->raw.t[i], nx);
            unlicensed = !ok;
        }
        R->negated[sn] = states_fact && unlicensed;
        if (R->negated[sn]) {
            s->contradicted++;
            s->negated++;
            explain_clause(ex, "contradicted", "negated or hedged: ", text, cl->b[k0], cl->b[k1]);
        }
        k0 = k1;
    }
}

/* The facts a summary can be credited with: the document's facts, then
 * its people, place, the narrator's and the main person's ages and the
 * intro's duration. credit is the best clause quality a fact is stated in,
 * named whether it is stated at all. */
enum { CR_P0 = DOC_MAX_FACTS, CR_P1, CR_PLACE, CR_NAR, CR_AGE, CR_DUR, CR_N };

typedef struct {
    double credit[CR_N];
    int named[CR_N];
} Credits;

static void credit(Credits *c, int slot, double q)
{
    c->named[slot] = 1;
    if (q > c->credit[slot])
        c->credit[slot] = q;
}

/* Keys, clause by clause: the document's facts, people and place earn the
 * clause's quality unless the sentence is negated; another concept is
 * invented, or contradicted when it clashes with the document's (another
 * relation of the same group, another place). */
static void read_keys(const Judge *j, const Doc *d, const char *text, const Reading *R, Credits *cr, JudgeScore *s,
                      cJSON *ex)
{
    const Lexicon *lx = &j->w->lx;
    int seen_bad[512];
    size_t nbad = 0, m = 0;
    for (int k = 0; k < R->cl.n; k++) {
        size_t m0 = m;
        while (m < R->nmatch && R->clause_of[R->at[m]] == k)
            m++;
        if (m == m0)
            continue;
        int negated = R->negated[R->sent_of[k]], states_fact = 0;
        for (size_t i = m0; i < m; i++) {
            int ci = R->found[i];
            states_fact |= doc_fact(d, ci) >= 0 || ci == d->p[0].rel || ci == d->p[1].rel || ci == d->place;
        }
        if (R->q[k] < 0.5 && states_fact && !negated) {
            char what[16];
            snprintf(what, sizeof what, "%.2f ", R->q[k]);
            explain_clause(ex, "incoherent", what, text, R->cl.b[k], R->cl.b[k + 1]);
        }
        for (size_t i = m0; i < m; i++) {
            int ci = R->found[i], f = doc_fact(d, ci), ok = 0;
            const Concept *cc = &lx->c[ci];
            if (f >= 0) {
                ok = 1;
                if (!negated)
                    credit(cr, f, R->q[k]);
            }
            for (int p = 0; p < 2; p++)
                if (d->p[p].rel == ci) {
                    ok = 1;
                    if (!negated)
                        credit(cr, CR_P0 + p, R->q[k]);
                }
            if (d->place == ci) {
                ok = 1;
                if (!negated)
                    credit(cr, CR_PLACE, R->q[k]);
            }
            for (int p = 0; p < d->ndis; p++)
                ok |= d->dis[p] == ci;
            if (ok)
                continue;
            int dup = 0;
            for (size_t p = 0; p < nbad; p++)
                dup |= seen_bad[p] == ci;
            if (dup || nbad == 512)
                continue;
            seen_bad[nbad++] = ci;
            if (cc->kind == CK_RELATION) {
                int clash = -1;
                for (int p = 0; p < 2; p++)
                    if (d->p[p].rel >= 0 && lx->c[d->p[p].rel].group == cc->group)
                        clash = d->p[p].rel;
                if (clash >= 0) {
                    s->contradicted++;
                    explain_add(ex, "contradicted", "relation %s (the document has %s)", cc->id, lx->c[clash].id);
                } else {
                    s->invented++;
                    explain_add(ex, "invented", "person %s (not in the document)", cc->id);
                }
            } else if (cc->kind == CK_PLACE) {
                if (d->place >= 0) {
                    s->contradicted++;
                    explain_add(ex, "contradicted", "place %s (the document has %s)", cc->id, lx->c[d->place].id);
                } else {
                    s->invented++;
                    explain_add(ex, "invented", "place %s (not in the document)", cc->id);
                }
            } else {
                s->invented++;
                explain_add(ex, "invented", "%s %s (not in the document)",
                            cc->kind == CK_DISTRACTOR ? "aside" : cc->kind == CK_EVENT ? "event" : "fact", cc->id);
            }
        }
    }
}

/* Numbers: ages, durations and amounts must be the document's; a bare
 * number the document does not have is invented; a run of candidates is a
 * hedge when they differ and one of them is not the document's ("27, 28,
 * 29", "27F or 28F": one contradiction), while a list of the document's
 * own numbers ("31F, 34M") is not. */
static void read_numbers(const Doc *d, const Reading *R, Credits *cr, JudgeScore *s, cJSON *ex)
{
    static _Thread_local Numbers nb;
    find_numbers(&R->raw, &nb);
    int hedge[MAX_NUMS] = {0};
    for (int k = 0; k < nb.nn; k++) {
        const Num *a = &nb.n[k];
        if (a->run < 0 || (k > 0 && nb.n[k - 1].run == a->run))
            continue;
        int distinct = 0, unsupported = 0;
        for (int m = k; m < nb.nn && nb.n[m].run == a->run; m++) {
            distinct |= nb.n[m].v != a->v || nb.n[m].g != a->g;
            unsupported |= !doc_has_number(d, nb.n[m].v);
        }
        hedge[a->run] = distinct && unsupported;
    }
    for (int k = 0; k < nb.nn; k++) {
        const Num *a = &nb.n[k];
        double q = R->q[R->clause_of[a->at]];
        if (a->run >= 0 && hedge[a->run]) {
            if (!(k > 0 && nb.n[k - 1].run == a->run)) { /* once, at the run's first number */
                s->contradicted++;
                explain_add(ex, "contradicted", "several candidates for one number, from %lld", (long long)a->v);
            }
            continue;
        }
        int match = 0;
        switch (a->kind) {
        case NK_AGE:
            if (d->domain == WD_TLDR && a->v == d->nar_age && (!a->g || a->g == d->nar_g)) {
                match = 1;
                credit(cr, CR_NAR, q);
            }
            for (int p = 0; p < 2 && !match; p++)
                if (d->p[p].rel >= 0 && a->v == d->p[p].age && (!a->g || a->g == d->p[p].gender)) {
                    match = 1;
                    if (p == 0)
                        credit(cr, CR_AGE, q);
                }
            if (!match) {
                s->contradicted++;
                explain_add(ex, "contradicted", "age %lld%c (not an age in the document)", (long long)a->v,
                            a->g ? a->g : ' ');
            }
            break;
        case NK_BARE:
            if (!doc_has_number(d, a->v)) {
                s->invented++;
                explain_add(ex, "invented", "number %lld (not in the document)", (long long)a->v);
                break;
            }
            if (d->domain == WD_TLDR && a->v == d->nar_age)
                credit(cr, CR_NAR, q);
            if (d->p[0].rel >= 0 && a->v == d->p[0].age)
                credit(cr, CR_AGE, q);
            break;
        case NK_DUR:
            if (d->dur_n > 0 && same_dur((int)a->v, a->unit, d->dur_n, d->dur_unit)) {
                match = 1;
                credit(cr, CR_DUR, q);
            }
            for (int f = 0; f < d->nf && !match; f++)
                match = d->f[f].dur_n > 0 && same_dur((int)a->v, a->unit, d->f[f].dur_n, d->f[f].dur_unit);
            if (!match) {
                s->contradicted++;
                explain_add(ex, "contradicted", "duration %lld %s%s (not in the document)", (long long)a->v,
                            world_unit_name(a->unit), a->v == 1 ? "" : "s");
            }
            break;
        case NK_MONEY:
            for (int f = 0; f < d->nf && !match; f++)
                match = d->f[f].money > 0 && d->f[f].money == a->v;
            if (!match) {
                s->contradicted++;
                explain_add(ex, "contradicted", "amount %lld (not in the document)", (long long)a->v);
            }
            break;
        }
    }
}

/* Coverage: importance-weighted recall, each fact credited with the
 * quality of the best clause that states it; coverage_keys credits every
 * named fact in full. */
static void score_coverage(const Judge *j, const Doc *d, const Credits *cr, JudgeScore *s, cJSON *ex)
{
    const Lexicon *lx = &j->w->lx;
    const WorldConfig *c = &j->w->cfg;
    double have = 0, have_keys = 0, all = 0;
#define FACT(slot, wt, ...)                                     \
    do {                                                        \
        double w_ = (wt);                                       \
        all += w_;                                              \
        have += w_ * cr->credit[slot];                          \
        have_keys += cr->named[slot] ? w_ : 0;                  \
        if (cr->credit[slot] >= 0.5)                            \
            explain_add(ex, "covered", __VA_ARGS__);            \
        else                                                    \
            explain_add(ex, "missed", __VA_ARGS__);             \
    } while (0)
    for (int f = 0; f < d->nf; f++)
        FACT(f, d->f[f].weight, "%s", lx->c[d->f[f].concept].id);
    if (d->p[0].rel >= 0)
        FACT(CR_P0, c->fw_relation, "%s", lx->c[d->p[0].rel].id);
    if (d->p[1].rel >= 0)
        FACT(CR_P1, c->fw_person2, "%s", lx->c[d->p[1].rel].id);
    if (d->domain == WD_TLDR)
        FACT(CR_NAR, c->fw_narrator, "narrator %d%c", d->nar_age, d->nar_g);
    if (d->p[0].rel >= 0)
        FACT(CR_AGE, c->fw_age, "age %d%c", d->p[0].age, d->p[0].gender);
    if (d->place >= 0)
        FACT(CR_PLACE, c->fw_place[d->domain], "%s", lx->c[d->place].id);
    if (d->dur_n > 0)
        FACT(CR_DUR, c->fw_duration, "duration %d %s%s", d->dur_n, world_unit_name(d->dur_unit),
             d->dur_n == 1 ? "" : "s");
#undef FACT
    s->coverage = all > 0 ? have / all : 0;
    s->coverage_keys = all > 0 ? have_keys / all : 0;
}

/* Share of repeated word trigrams (sentence ends included); unknown words
 * count as distinct, so the raw tokens are hashed. */
static double repetition(const RawToks *raw)
{
    if (raw->n < 3)
        return 0;
    uint64_t *seen = xmalloc((size_t)raw->n * sizeof *seen);
    size_t tri = 0, rep = 0;
    for (int i = 0; i + 2 < raw->n; i++) {
        uint64_t h = util_fnv1a(UTIL_FNV_INIT, raw->t[i], strlen(raw->t[i]));
        h = util_fnv1a(h, " ", 1);
        h = util_fnv1a(h, raw->t[i + 1], strlen(raw->t[i + 1]));
        h = util_fnv1a(h, " ", 1);
        h = util_fnv1a(h, raw->t[i + 2], strlen(raw->t[i + 2]));
        int dup = 0;
        for (size_t p = 0; p < tri && !dup; p++)
            dup = seen[p] == h;
        rep += dup;
        seen[tri++] = h;
    }
    free(seen);
    return (double)rep / (double)tri;
}

/* Does the summary end on a word that cannot end one ("the", "and", a
 * comma...), final marks aside? */
static int ends_dangling(const CoherenceLM *lm, const LmToks *t)
{
    size_t last = t->n;
    while (last > 0) {
        const char *ws = strpool_get(&lm->vocab, t->id[last - 1]);
        if (strcmp(ws, ".") && strcmp(ws, "?") && strcmp(ws, "!"))
            break;
        last--;
    }
    return last > 0 && t->id[last - 1] != ID_UNK && is_dangling(strpool_get(&lm->vocab, t->id[last - 1]));
}

/* The length factor: exp(-cost * scale * softplus((words - start) / scale)),
 * smooth and strictly falling, nearly 1 well below start and losing about
 * cost per word (in log) past it. */
static double length_factor(const WorldConfig *c, int domain, size_t words)
{
    double x = ((double)words - c->length_start[domain]) / c->length_scale;
    double sp = x > 30 ? x : log1p(exp(x));
    return exp(-c->length_cost * c->length_scale * sp);
}

void judge_score(const Judge *j, size_t di, const char *text, JudgeScore *s, cJSON *ex)
{
    const WorldConfig *c = &j->w->cfg;
    const Doc *d = &j->w->docs[di];
    const CoherenceLM *lm = &j->lm[d->domain];
    memset(s, 0, sizeof *s);
    s->words = util_count_words(text);
    if (ex) {
        cJSON_AddArrayToObject(ex, "covered");
        cJSON_AddArrayToObject(ex, "missed");
        cJSON_AddArrayToObject(ex, "invented");
        cJSON_AddArrayToObject(ex, "contradicted");
        cJSON_AddArrayToObject(ex, "incoherent");
    }
    static _Thread_local Reading R;
    read_tokens(j, d, text, &R);
    s->lm_nll = read_quality(j, d, &R);
    read_negation(j, d, text, &R, s, ex);
    Credits cr;
    memset(&cr, 0, sizeof cr);
    read_keys(j, d, text, &R, &cr, s, ex);
    read_numbers(d, &R, &cr, s, ex);
    score_coverage(j, d, &cr, s, ex);
    double f_inv = pow(1.0 + c->invent_penalty, -s->invented);
    double f_con = pow(1.0 + c->contra_penalty, -s->contradicted);
    s->accuracy = f_inv * f_con;

    /* coherence: the model's fluency F, then repetition and truncation */
    double fluency = 0, f_rep = 1, f_trunc = 1;
    if (R.lt.n > 0) {
        fluency = (lm->h_bad - s->lm_nll) / (lm->h_bad - lm->h_good);
        fluency = fluency < 0 ? 0 : fluency > 1 ? 1 : fluency;
        s->repetition = repetition(&R.raw);
        f_rep = 1.0 - fmin(1.0, 2.0 * s->repetition);
        s->truncated = ends_dangling(lm, &R.lt);
        f_trunc = s->truncated ? 0.5 : 1;
    }
    free(R.lt.id);
    free(R.lt.id2);
    s->coherence = fluency * f_rep * f_trunc;

    /* overall: a weighted geometric mean of coverage and coherence (no
     * amount of one makes up for none of the other), times accuracy and
     * the length factor. The ceiling is what the summary's named facts
     * and fluency would earn without any penalty. */
    double wsum = c->w_coverage + c->w_coherence;
    double a = wsum > 0 ? c->w_coverage / wsum : 0.5, b = 1 - a;
    double f_len = length_factor(c, d->domain, s->words);
    double f_incoh = s->coverage_keys > 0 ? pow(s->coverage / s->coverage_keys, a) : 1;
    s->ceiling = pow(s->coverage_keys, a) * pow(fluency, b);
    s->overall = s->accuracy * pow(s->coverage, a) * pow(s->coherence, b) * f_len;
    if (!(s->overall >= 0))
        s->overall = 0;
    /* the drop from the ceiling, shared among the penalties by their logs
     * (exact: the amounts sum to ceiling - overall) */
    double f[JP_N];
    f[JP_LENGTH] = f_len, f[JP_INVENTED] = f_inv, f[JP_CONTRADICTED] = f_con;
    f[JP_REPETITION] = pow(f_rep, b), f[JP_TRUNCATION] = pow(f_trunc, b), f[JP_INCOHERENT] = f_incoh;
    double drop = s->ceiling - s->overall;
    if (drop > 0) {
        int zeros = 0;
        double logsum = 0;
        for (int k = 0; k < JP_N; k++) {
            zeros += f[k] <= 0;
            logsum += f[k] > 0 ? log(f[k]) : 0;
        }
        for (int k = 0; k < JP_N; k++)
            s->pen[k] = zeros ? (f[k] <= 0 ? drop / zeros : 0) : logsum < 0 ? drop * log(f[k]) / logsum : 0;
    }
}
