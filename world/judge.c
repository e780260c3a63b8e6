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
    char **words;      /* when collecting strings (training) */
    StrPool *pool;     /* intern (training) or find (scoring) */
    int intern;
} LmToks;

static void lm_push(LmToks *t, const char *w)
{
    uint32_t id;
    if (t->intern) {
        id = strpool_intern(t->pool, w);
    } else {
        long f = strpool_find(t->pool, w);
        id = f < 0 ? ID_UNK : (uint32_t)f;
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

static double lm_nll_ids(const CoherenceLM *lm, const uint32_t *id, size_t n)
{
    uint32_t u = ID_BOS, v = ID_BOS;
    double nll = 0;
    for (size_t i = 0; i <= n; i++) {
        uint32_t w = i < n ? id[i] : ID_EOS;
        nll -= log(lm_prob(lm, u, v, w));
        u = v;
        v = w;
    }
    return nll / (double)(n + 1);
}

double judge_lm_nll(const CoherenceLM *lm, const char *text, size_t *ntok)
{
    LmToks t = {0};
    t.pool = (StrPool *)&lm->vocab;
    lm_tokenize(text, &t);
    double h = lm_nll_ids(lm, t.id, t.n);
    if (ntok)
        *ntok = t.n;
    free(t.id);
    return h;
}

static void lm_build(CoherenceLM *lm, const World *w, int domain, uint64_t seed)
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
    LmToks t = {0};
    t.pool = &lm->vocab;
    t.intern = 1;
    size_t n = w->cfg.lm_docs;
    for (size_t i = 0; i < n; i++) {
        world_draw_doc(&w->lx, &w->cfg, r, domain, &d);
        sb_clear(&s);
        world_write_summary(&w->lx, &w->cfg, r, &d, AUTHOR_CLEAN, &s, NULL);
        t.n = 0;
        lm_tokenize(sb_str(&s), &t);
        lm_count(lm, t.id, t.n);
    }
    /* calibration on held-out clean summaries and their shuffled words */
    double good = 0, bad = 0;
    const size_t held = 500;
    for (size_t i = 0; i < held; i++) {
        world_draw_doc(&w->lx, &w->cfg, r, domain, &d);
        sb_clear(&s);
        world_write_summary(&w->lx, &w->cfg, r, &d, AUTHOR_CLEAN, &s, NULL);
        LmToks q = {0};
        q.pool = &lm->vocab;
        lm_tokenize(sb_str(&s), &q);
        good += lm_nll_ids(lm, q.id, q.n);
        if (q.n > 1) /* gsl_ran_shuffle needs n >= 1 */
            gsl_ran_shuffle(r, q.id, q.n, sizeof q.id[0]);
        bad += lm_nll_ids(lm, q.id, q.n);
        free(q.id);
    }
    lm->h_good = good / held;
    lm->h_bad = bad / held;
    free(t.id);
    sb_free(&s);
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

void judge_init(Judge *j, World *w)
{
    memset(j, 0, sizeof *j);
    j->w = w;
    for (int dom = 0; dom < WD_N; dom++)
        lm_build(&j->lm[dom], w, dom, rng_derive_seed(w->cfg.seed, 0x6a75646765ULL + (uint64_t)dom));
}

void judge_free(Judge *j)
{
    for (int dom = 0; dom < WD_N; dom++)
        lm_free(&j->lm[dom]);
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

typedef struct {
    int age[16]; char ag[16]; int nage;        /* age mentions; ag 0 when no gender given */
    int bare[16]; int nbare;                   /* other whole numbers ("a teacher, 34,") */
    int dur_n[16], dur_u[16]; int ndur;
    int64_t money[16]; int nmoney;
} Numbers;

static void find_numbers(const RawToks *r, Numbers *nb)
{
    memset(nb, 0, sizeof *nb);
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
            if (v > 0 && v < 1e15 && nb->nmoney < 16)
                nb->money[nb->nmoney++] = (int64_t)llround(v);
            continue;
        }
        /* 24yo */
        if (len == 4 && t[0] >= '1' && t[0] <= '9' && t[1] >= '0' && t[1] <= '9' && t[2] == 'y' && t[3] == 'o') {
            if (nb->nage < 16) {
                nb->age[nb->nage] = (t[0] - '0') * 10 + (t[1] - '0');
                nb->ag[nb->nage++] = 0;
            }
            continue;
        }
        /* 24f, 24m */
        if (len >= 2 && len <= 3 && t[0] >= '1' && t[0] <= '9' && (t[len - 1] == 'f' || t[len - 1] == 'm') &&
            t[1] >= '0' && t[1] <= '9' && (len == 2 || (t[1] >= '0' && t[1] <= '9'))) {
            if (len == 3 && nb->nage < 16) {
                nb->age[nb->nage] = (t[0] - '0') * 10 + (t[1] - '0');
                nb->ag[nb->nage++] = (char)(t[2] - 'a' + 'A');
            }
            continue;
        }
        long v = tok_number(t);
        if (v < 0)
            continue;
        const char *next = i + 1 < r->n ? r->t[i + 1] : "";
        const char *next2 = i + 2 < r->n ? r->t[i + 2] : "";
        int is_digits = t[0] >= '0' && t[0] <= '9';
        if (is_digits && v >= 10 && v <= 110 && (strcmp(next, "f") == 0 || strcmp(next, "m") == 0)) {
            if (nb->nage < 16) {
                nb->age[nb->nage] = (int)v;
                nb->ag[nb->nage++] = (char)(next[0] - 'a' + 'A');
            }
            i++;
            continue;
        }
        if ((tok_unit(next) == UNIT_YEAR && strcmp(next2, "old") == 0) || strcmp(next, "yo") == 0) {
            if (nb->nage < 16) {
                nb->age[nb->nage] = (int)v;
                nb->ag[nb->nage++] = 0;
            }
            i += strcmp(next, "yo") == 0 ? 1 : 2;
            continue;
        }
        int u = tok_unit(next);
        int not_a_fact = strcmp(next2, "ago") == 0 || strcmp(next2, "later") == 0 || strcmp(next2, "before") == 0 ||
                         strcmp(next2, "after") == 0 || strcmp(next2, "earlier") == 0 || strcmp(t, "one") == 0;
        if (u && not_a_fact) {
            i++; /* "one day", "a few weeks later": when, not how long */
        } else if (u && v > 0) {
            if (nb->ndur < 16) {
                nb->dur_n[nb->ndur] = (int)v;
                nb->dur_u[nb->ndur++] = u;
            }
            i++;
        } else if (!u && is_digits && nb->nbare < 16) {
            nb->bare[nb->nbare++] = (int)v;
        }
    }
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

void judge_score(const Judge *j, size_t di, const char *text, JudgeScore *s, cJSON *ex)
{
    const World *w = j->w;
    const Lexicon *lx = &w->lx;
    const WorldConfig *c = &w->cfg;
    const Doc *d = &w->docs[di];
    memset(s, 0, sizeof *s);
    s->words = util_count_words(text);
    if (ex) {
        cJSON_AddArrayToObject(ex, "covered");
        cJSON_AddArrayToObject(ex, "missed");
        cJSON_AddArrayToObject(ex, "invented");
        cJSON_AddArrayToObject(ex, "contradicted");
    }

    /* concepts named by their keys */
    static _Thread_local RawToks raw;
    static _Thread_local uint32_t rawid[MAX_TOK];
    raw.n = 0;
    lexicon_tokenize(text, raw_push, &raw); /* once, for the keys and the numbers */
    for (int i = 0; i < raw.n; i++)
        rawid[i] = lexicon_token_id(lx, raw.t[i]);
    int found[512];
    size_t nfound = lexicon_match_ids(lx, rawid, (size_t)raw.n, found, 512);
    Numbers nb;
    find_numbers(&raw, &nb);

    int fact_cov[DOC_MAX_FACTS] = {0};
    int p_cov[2] = {0, 0}, place_cov = 0, nar_cov = 0, age_cov = 0, dur_cov = 0;
    int seen_bad[512];
    size_t nbad = 0;
    for (size_t k = 0; k < nfound; k++) {
        int ci = found[k];
        const Concept *cc = &lx->c[ci];
        int ok = 0;
        for (int q = 0; q < d->nf; q++)
            if (d->f[q].concept == ci)
                fact_cov[q] = ok = 1;
        for (int q = 0; q < 2; q++)
            if (d->p[q].rel == ci)
                p_cov[q] = ok = 1;
        if (d->place == ci)
            place_cov = ok = 1;
        for (int q = 0; q < d->ndis; q++)
            ok |= d->dis[q] == ci;
        if (ok)
            continue;
        int dup = 0;
        for (size_t q = 0; q < nbad; q++)
            dup |= seen_bad[q] == ci;
        if (dup)
            continue;
        seen_bad[nbad++] = ci;
        if (cc->kind == CK_RELATION) {
            int clash = -1;
            for (int q = 0; q < 2; q++)
                if (d->p[q].rel >= 0 && lx->c[d->p[q].rel].group == cc->group)
                    clash = d->p[q].rel;
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
    /* numbers: ages, durations, amounts must be the document's */
    for (int k = 0; k < nb.nage; k++) {
        int a = nb.age[k];
        char g = nb.ag[k];
        int match = 0;
        if (d->domain == WD_TLDR && a == d->nar_age && (!g || g == d->nar_g))
            match = nar_cov = 1;
        for (int q = 0; q < 2 && !match; q++)
            if (d->p[q].rel >= 0 && a == d->p[q].age && (!g || g == d->p[q].gender)) {
                match = 1;
                if (q == 0)
                    age_cov = 1;
            }
        if (!match) {
            s->contradicted++;
            explain_add(ex, "contradicted", "age %d%c (not an age in the document)", a, g ? g : ' ');
        }
    }
    for (int k = 0; k < nb.nbare; k++) { /* a bare number is an age only when it is one */
        if (d->domain == WD_TLDR && nb.bare[k] == d->nar_age)
            nar_cov = 1;
        if (d->p[0].rel >= 0 && nb.bare[k] == d->p[0].age)
            age_cov = 1;
    }
    for (int k = 0; k < nb.ndur; k++) {
        int match = 0;
        if (d->dur_n > 0 && same_dur(nb.dur_n[k], nb.dur_u[k], d->dur_n, d->dur_unit))
            match = dur_cov = 1;
        for (int q = 0; q < d->nf && !match; q++)
            match = d->f[q].dur_n > 0 && same_dur(nb.dur_n[k], nb.dur_u[k], d->f[q].dur_n, d->f[q].dur_unit);
        if (!match) {
            s->contradicted++;
            explain_add(ex, "contradicted", "duration %d %s%s (not in the document)", nb.dur_n[k],
                        world_unit_name(nb.dur_u[k]), nb.dur_n[k] == 1 ? "" : "s");
        }
    }
    for (int k = 0; k < nb.nmoney; k++) {
        int match = 0;
        for (int q = 0; q < d->nf && !match; q++)
            match = d->f[q].money > 0 && d->f[q].money == nb.money[k];
        if (!match) {
            s->contradicted++;
            explain_add(ex, "contradicted", "amount %lld (not in the document)", (long long)nb.money[k]);
        }
    }

    /* coverage: importance-weighted recall */
    double have = 0, all = 0;
#define FACT(cov, wt, ...)                                      \
    do {                                                        \
        double w_ = (wt);                                       \
        all += w_;                                              \
        if (cov) {                                              \
            have += w_;                                         \
            explain_add(ex, "covered", __VA_ARGS__);            \
        } else {                                                \
            explain_add(ex, "missed", __VA_ARGS__);             \
        }                                                       \
    } while (0)
    for (int q = 0; q < d->nf; q++)
        FACT(fact_cov[q], d->f[q].weight, "%s", lx->c[d->f[q].concept].id);
    if (d->p[0].rel >= 0)
        FACT(p_cov[0], c->fw_relation, "%s", lx->c[d->p[0].rel].id);
    if (d->p[1].rel >= 0)
        FACT(p_cov[1], c->fw_person2, "%s", lx->c[d->p[1].rel].id);
    if (d->domain == WD_TLDR)
        FACT(nar_cov, c->fw_narrator, "narrator %d%c", d->nar_age, d->nar_g);
    if (d->p[0].rel >= 0)
        FACT(age_cov, c->fw_age, "age %d%c", d->p[0].age, d->p[0].gender);
    if (d->place >= 0)
        FACT(place_cov, c->fw_place[d->domain], "%s", lx->c[d->place].id);
    if (d->dur_n > 0)
        FACT(dur_cov, c->fw_duration, "duration %d %s%s", d->dur_n, world_unit_name(d->dur_unit),
             d->dur_n == 1 ? "" : "s");
#undef FACT
    s->coverage = all > 0 ? have / all : 0;
    s->accuracy = 1.0 / (1.0 + c->invent_penalty * s->invented + c->contra_penalty * s->contradicted);

    /* coherence: the n-gram model, then repetition and truncation */
    const CoherenceLM *lm = &j->lm[d->domain];
    LmToks t = {0};
    t.pool = (StrPool *)&lm->vocab;
    lm_tokenize(text, &t);
    if (t.n == 0) {
        s->coherence = 0;
        s->lm_nll = NAN;
    } else {
        s->lm_nll = lm_nll_ids(lm, t.id, t.n);
        double coh = (lm->h_bad - s->lm_nll) / (lm->h_bad - lm->h_good);
        coh = coh < 0 ? 0 : coh > 1 ? 1 : coh;
        /* repeated trigrams of the key tokens (sentence ends included) */
        size_t tri = 0, rep = 0;
        /* unknown words count as distinct: hash the raw tokens instead */
        uint64_t *seen = raw.n >= 3 ? xmalloc((size_t)raw.n * sizeof *seen) : NULL;
        size_t nraw = 0;
        for (int i = 0; i + 2 < raw.n; i++) {
            uint64_t h = util_fnv1a(UTIL_FNV_INIT, raw.t[i], strlen(raw.t[i]));
            h = util_fnv1a(h, " ", 1);
            h = util_fnv1a(h, raw.t[i + 1], strlen(raw.t[i + 1]));
            h = util_fnv1a(h, " ", 1);
            h = util_fnv1a(h, raw.t[i + 2], strlen(raw.t[i + 2]));
            int dup = 0;
            for (size_t q = 0; q < nraw && !dup; q++)
                dup = seen && seen[q] == h;
            tri++;
            rep += dup;
            seen[nraw++] = h;
        }
        free(seen);
        s->repetition = tri ? (double)rep / (double)tri : 0;
        coh *= 1.0 - fmin(1.0, 2.0 * s->repetition);
        /* truncation: the last word cannot end a summary */
        size_t last = t.n;
        while (last > 0) {
            const char *ws = strpool_get(&lm->vocab, t.id[last - 1]);
            if (strcmp(ws, ".") && strcmp(ws, "?") && strcmp(ws, "!"))
                break;
            last--;
        }
        const char *lastw = last > 0 && t.id[last - 1] != ID_UNK ? strpool_get(&lm->vocab, t.id[last - 1]) : "";
        s->truncated = last > 0 && is_dangling(lastw);
        if (s->truncated)
            coh *= 0.5;
        s->coherence = coh;
    }
    free(t.id);

    double wsum = c->w_coverage + c->w_coherence;
    double core = wsum > 0 ? (c->w_coverage * s->coverage + c->w_coherence * s->coherence) / wsum : 0;
    double over = s->words > (size_t)c->max_words[d->domain] ? (double)(s->words - (size_t)c->max_words[d->domain]) : 0;
    double o = s->accuracy * core - c->length_penalty * over;
    s->overall = o < 0 ? 0 : o > 1 ? 1 : o;
}
