/* render.c — template expansion for the in-silico world. */
#include "world/render.h"

#include <string.h>

static const char *const SLOT_NAMES[SLOT_N] = {
    "age", "g", "rel", "rage", "rg", "he", "him", "his", "He", "Him", "His",
    "rel2", "he2", "him2", "his2", "He2", "Him2", "His2", "place", "dur", "money"};

int render_slot(const char *name, size_t len)
{
    for (int i = 0; i < SLOT_N; i++)
        if (strlen(SLOT_NAMES[i]) == len && memcmp(SLOT_NAMES[i], name, len) == 0)
            return i;
    return -1;
}

const char *render_slot_name(Slot s)
{
    return SLOT_NAMES[s];
}

static int is_name(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

const char *render_group_end(const char *p, char close, const char **alts, int *nalts, int cap)
{
    int depth = 0;
    if (alts) {
        alts[0] = p;
        *nalts = 1;
    }
    for (; *p; p++) {
        if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (depth == 0)
                return *p == close ? p : NULL;
            depth--;
        } else if (*p == '|' && depth == 0 && alts) {
            if (*nalts < cap)
                alts[(*nalts)++] = p + 1;
        }
    }
    return NULL;
}

/* Expands [p, end) into out. */
static int expand(const char *p, const char *end, Slots *s, gsl_rng *r, double para, StrBuf *out)
{
    while (p < end) {
        if (*p == '{') {
            const char *alts[32];
            int n = 0;
            const char *e = render_group_end(p + 1, '}', alts, &n, 32);
            if (!e || e > end)
                return -1;
            int k = 0;
            if (n > 1 && gsl_rng_uniform(r) < para)
                k = (int)gsl_rng_uniform_int(r, (unsigned long)n);
            const char *ae = k + 1 < n ? alts[k + 1] - 1 : e;
            if (expand(alts[k], ae, s, r, para, out) != 0)
                return -1;
            p = e + 1;
        } else if (*p == '[') {
            const char *e = render_group_end(p + 1, ']', NULL, NULL, 0);
            if (!e || e > end)
                return -1;
            if (gsl_rng_uniform(r) < 0.5 && expand(p + 1, e, s, r, para, out) != 0)
                return -1;
            p = e + 1;
        } else if (*p == '}' || *p == ']') {
            return -1;
        } else if (*p == '$' && p + 1 < end && is_name(p[1])) {
            const char *q = p + 1;
            while (q < end && is_name(*q))
                q++;
            int slot = render_slot(p + 1, (size_t)(q - p - 1));
            if (slot < 0) {
                sb_addn(out, p, (size_t)(q - p)); /* lint reports it */
            } else if (s->v[slot]) {
                sb_add(out, s->v[slot]);
                /* "bf (26M)", but never "dad (49M)'s": the age waits for a plainer mention */
                if (slot == S_REL && s->rel_age_once && s->v[S_RAGE] && s->v[S_RG] && !(q < end && *q == '\'')) {
                    sb_printf(out, " (%s%s)", s->v[S_RAGE], s->v[S_RG]);
                    s->rel_age_once = 0;
                }
            }
            p = q;
        } else {
            const char *q = p;
            while (q < end && *q != '{' && *q != '[' && *q != '$' && *q != '}' && *q != ']')
                q++;
            if (q == p) { /* a lone '$' */
                q++;
            }
            sb_addn(out, p, (size_t)(q - p));
            p = q;
        }
    }
    return 0;
}

/* ---- every rendering ---- */

typedef struct EachCont {
    const char *p, *end;          /* what follows the part being expanded */
    const struct EachCont *next;
} EachCont;

typedef struct {
    const char *slot_word;
    size_t max, n;
    void (*fn)(const char *text, void *arg);
    void *arg;
} EachCtx;

/* Expands [p, end) after what acc holds, then the continuations k. */
static void each(EachCtx *x, const char *p, const char *end, StrBuf *acc, const EachCont *k)
{
    while (x->n < x->max) {
        if (p >= end) {
            if (!k) {
                x->fn(sb_str(acc), x->arg);
                x->n++;
                return;
            }
            p = k->p, end = k->end, k = k->next;
            continue;
        }
        size_t mark = acc->len;
        if (*p == '{' || *p == '[') {
            const char *alts[32];
            int n = 0;
            const char *e = render_group_end(p + 1, *p == '{' ? '}' : ']', alts, &n, 32);
            if (!e || e > end)
                return;
            EachCont after = {e + 1, end, k};
            if (*p == '[') {
                each(x, p + 1, e, acc, &after); /* kept */
                acc->len = mark, acc->s[mark] = '\0';
                each(x, e + 1, end, acc, k);     /* dropped */
            } else {
                for (int a = 0; a < n; a++) {
                    each(x, alts[a], a + 1 < n ? alts[a + 1] - 1 : e, acc, &after);
                    acc->len = mark, acc->s[mark] = '\0';
                }
            }
            return;
        }
        if (*p == '$' && p + 1 < end && is_name(p[1])) {
            sb_printf(acc, " %s ", x->slot_word);
            for (p++; p < end && is_name(*p); p++)
                ;
            continue;
        }
        const char *q = p + 1;
        while (q < end && *q != '{' && *q != '[' && *q != '$')
            q++;
        sb_addn(acc, p, (size_t)(q - p));
        p = q;
    }
}

size_t render_each(const char *tpl, const char *slot_word, size_t max, void (*fn)(const char *text, void *arg),
                   void *arg)
{
    EachCtx x = {slot_word, max, 0, fn, arg};
    StrBuf acc;
    sb_init(&acc);
    sb_add(&acc, "");
    each(&x, tpl, tpl + strlen(tpl), &acc, NULL);
    sb_free(&acc);
    return x.n;
}

int render_template(const char *tpl, Slots *s, gsl_rng *r, double para, StrBuf *out)
{
    sb_add(out, "");
    return expand(tpl, tpl + strlen(tpl), s, r, para, out);
}

int render_check(const char *tpl)
{
    int depth = 0;
    char stack[64];
    for (const char *p = tpl; *p; p++) {
        if (*p == '{' || *p == '[') {
            if (depth == 64)
                return -1;
            stack[depth++] = *p;
        } else if (*p == '}' || *p == ']') {
            if (depth == 0 || stack[depth - 1] != (*p == '}' ? '{' : '['))
                return -1;
            depth--;
        } else if (*p == '|' && (depth == 0 || stack[depth - 1] != '{')) {
            return -1;
        }
    }
    return depth == 0 ? 0 : -1;
}

void render_slots_used(const char *tpl, void (*fn)(int slot, const char *name, size_t len, void *arg), void *arg)
{
    for (const char *p = tpl; *p; p++) {
        if (*p != '$' || !is_name(p[1]))
            continue;
        const char *q = p + 1;
        while (is_name(*q))
            q++;
        fn(render_slot(p + 1, (size_t)(q - p - 1)), p + 1, (size_t)(q - p - 1), arg);
        p = q - 1;
    }
}

void render_capitalize(StrBuf *b, size_t start)
{
    for (size_t i = start; i < b->len; i++) {
        char c = b->s[i];
        if (c >= 'a' && c <= 'z') {
            b->s[i] = (char)(c - 'a' + 'A');
            return;
        }
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            return;
    }
}

/* "an" before a vowel sound: vowels except u-as-you words, and numbers
 * read with a leading vowel (8, 11, 18, 80-89...). */
static int wants_an(const char *w)
{
    char c = w[0] | 0x20;
    if (w[0] >= '0' && w[0] <= '9') {
        size_t n = strspn(w, "0123456789");
        if (w[0] == '8')
            return 1;
        return n == 2 && w[0] == '1' && (w[1] == '1' || w[1] == '8');
    }
    if (strncmp(w, "hour", 4) == 0 || strncmp(w, "honest", 6) == 0)
        return 1;
    if (!strchr("aeiou", c))
        return 0;
    char low[8] = {0};
    for (int i = 0; i < 7 && is_name(w[i]); i++)
        low[i] = (char)(w[i] | 0x20);
    static const char *const YOU[] = {"uni", "use", "usu", "uti", "euro", "one", "once", "ufo"};
    for (size_t i = 0; i < sizeof YOU / sizeof YOU[0]; i++)
        if (strncmp(low, YOU[i], strlen(YOU[i])) == 0)
            return 0;
    return 1;
}

void render_tidy(StrBuf *b, size_t start)
{
    StrBuf o;
    sb_init(&o);
    const char *s = b->s + start;
    size_t n = b->len - start;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' && (o.len == 0 || o.s[o.len - 1] == ' ' || o.s[o.len - 1] == '\n'))
            continue; /* leading or doubled space */
        if ((c == ',' || c == '.' || c == '?' || c == '!' || c == ')' || c == ';' || c == ':') && o.len &&
            o.s[o.len - 1] == ' ')
            o.s[--o.len] = '\0';
        /* a / an: a standalone article followed by a word */
        int at_word = o.len == 0 || !is_name(o.s[o.len - 1]);
        if (at_word && (c == 'a' || c == 'A')) {
            size_t alen = (i + 1 < n && s[i + 1] == 'n' && i + 2 < n && s[i + 2] == ' ') ? 2 : (i + 1 < n && s[i + 1] == ' ') ? 1 : 0;
            if (alen) {
                const char *w = s + i + alen + 1;
                while (*w == ' ' || *w == '(' || *w == '"' || *w == '\'')
                    w++;
                int an = is_name(*w) && wants_an(w);
                sb_addn(&o, &c, 1);
                if (an)
                    sb_add(&o, "n");
                i += alen - 1; /* skip the original "n" if any */
                continue;
            }
        }
        sb_addn(&o, &c, 1);
    }
    while (o.len && o.s[o.len - 1] == ' ')
        o.s[--o.len] = '\0';
    b->len = start;
    b->s[start] = '\0';
    sb_add(b, sb_str(&o));
    sb_free(&o);
}
