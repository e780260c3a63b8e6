/* lint.c — tldrlab world lint: static checks of the lexicon's concepts and
 * templates, then rendered documents judged against their own facts. */
#include "world/lint.h"
#include "world/judge.h"
#include "world/render.h"
#include "common/rng.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND[] = {"event", "detail", "ask", "outcome", "relation", "place", "aside"};

typedef struct {
    const Lexicon *lx;
    StrBuf *msgs;
    size_t problems;
    const char *owner;   /* concept id or list name, for messages */
    unsigned allowed;    /* bit per slot */
} LintCtx;

static void problem(LintCtx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(LintCtx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_printf(x->msgs, "%s: ", x->owner);
    sb_vprintf(x->msgs, fmt, ap);
    sb_add(x->msgs, "\n");
    va_end(ap);
    x->problems++;
}

static void check_slot(int slot, const char *name, size_t len, void *arg)
{
    LintCtx *x = arg;
    if (slot < 0)
        problem(x, "unknown slot $%.*s", (int)len, name);
    else if (!(x->allowed & (1u << slot)))
        problem(x, "slot $%.*s is not available here", (int)len, name);
}

static unsigned slots_mask(int first, int last)
{
    unsigned m = 0;
    for (int s = first; s <= last; s++)
        m |= 1u << s;
    return m;
}

/* ---- paraphrases keep facts ----
 *
 * An article restates its details, and a news highlight may be rendered
 * again from the article's own templates with fresh choices, so every
 * alternative of a {a|b} group must state the same facts: the same
 * concepts (by their keys), the same proper nouns and the same cardinal
 * numbers. Otherwise "flew in from Australia" in the article meets "flew in
 * from Canada" in its highlight. Likewise the forms of a relation, which
 * the renderer swaps freely (slots_set in world.c). */

#define FACTS_CAP 24
#define WORD_CAP 32

/* What one alternative (or one form) states. Sets, kept sorted and unique. */
typedef struct {
    int concept[FACTS_CAP];
    size_t nconcept;
    char name[FACTS_CAP][WORD_CAP];   /* proper nouns */
    size_t nname;
    char number[FACTS_CAP][WORD_CAP]; /* cardinal number words */
    size_t nnumber;
} Facts;

/* Adds the word w (len bytes) to a sorted set; lower: lowercased ("Two"
 * at the start of a sentence is the count "two"). */
static void facts_add_word(char set[][WORD_CAP], size_t *n, const char *w, size_t len, int lower)
{
    char b[WORD_CAP];
    snprintf(b, sizeof b, "%.*s", (int)len, w);
    for (char *q = b; lower && *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    size_t k = 0;
    while (k < *n && strcmp(set[k], b) < 0)
        k++;
    if ((k < *n && strcmp(set[k], b) == 0) || *n == FACTS_CAP)
        return;
    memmove(set[k + 1], set[k], (*n - k) * sizeof set[0]);
    memcpy(set[k], b, sizeof b);
    (*n)++;
}

static void facts_add_concept(Facts *f, int ci)
{
    size_t k = 0;
    while (k < f->nconcept && f->concept[k] < ci)
        k++;
    if ((k < f->nconcept && f->concept[k] == ci) || f->nconcept == FACTS_CAP)
        return;
    memmove(&f->concept[k + 1], &f->concept[k], (f->nconcept - k) * sizeof f->concept[0]);
    f->concept[k] = ci;
    f->nconcept++;
}

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(char c) { return is_upper(c) || is_lower(c); }
static int is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

/* Cardinal number words: "mother of two" is not "mother of three".
 * Vaguer words (few, several, dozens, once) are colour, not a count. */
static int is_cardinal(const char *w, size_t len)
{
    static const char *const N[] = {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                                    "eleven", "twelve", "dozen", "hundred", "thousand"};
    char b[WORD_CAP];
    if (len >= sizeof b)
        return 0;
    for (size_t i = 0; i < len; i++)
        b[i] = (char)(is_upper(w[i]) ? w[i] - 'A' + 'a' : w[i]);
    b[len] = '\0';
    for (size_t i = 0; i < sizeof N / sizeof N[0]; i++)
        if (strcmp(b, N[i]) == 0)
            return 1;
    return 0;
}

/* Capitalised words that never name a fact: the narrator, and weekdays
 * ("on Tuesday" for "yesterday" is timing colour, not a fact a summary
 * states). */
static int is_plain_capital(const char *w, size_t len)
{
    static const char *const P[] = {"I", "I'm", "I've", "I'd", "I'll", "Monday", "Tuesday", "Wednesday",
                                    "Thursday", "Friday", "Saturday", "Sunday"};
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++)
        if (strlen(P[i]) == len && memcmp(P[i], w, len) == 0)
            return 1;
    return 0;
}

/* The '{' or '[' that opens the group around p (p just after it or inside
 * it), or of the closer at p-1's level: scans back from p-1. NULL if none. */
static const char *group_open(const char *tpl, const char *p)
{
    int depth = 0;
    while (p > tpl) {
        char c = *--p;
        if (c == '}' || c == ']')
            depth++;
        else if ((c == '{' || c == '[') && depth-- == 0)
            return p;
    }
    return NULL;
}

/* The closer matching the opener at p (p points at '{' or '['), with the
 * starts of its top-level alternatives in alts (at most cap). NULL when
 * unbalanced (render_check reports that). */
static const char *group_close(const char *p, const char **alts, int *nalts, int cap)
{
    return render_group_end(p + 1, *p == '{' ? '}' : ']', alts, nalts, cap);
}

/* 1 when the text at p may begin a sentence in some rendering: at the start
 * of the template, after . ? ! : or an opening quote, looking through
 * spaces, openers, alternatives that may come before it and optional parts
 * that may be dropped. A capital there says nothing about a proper noun. */
static int may_start_sentence(const char *tpl, const char *p)
{
    while (p > tpl) {
        char c = p[-1];
        if (c == ' ' || c == '(' || c == '{' || c == '[') {
            p--;
        } else if (c == '.' || c == '?' || c == '!' || c == ':' || c == '"' || c == '\'') {
            return 1;
        } else if (c == '|') { /* first word of an alternative: what precedes the group */
            p = group_open(tpl, p - 1);
            if (!p)
                return 1;
        } else if (c == ']') { /* the optional part's end, or what precedes it when dropped */
            if (may_start_sentence(tpl, p - 1))
                return 1;
            p = group_open(tpl, p - 1);
            if (!p)
                return 1;
        } else if (c == '}') { /* the end of any of the group's alternatives */
            const char *o = group_open(tpl, p - 1), *alts[32];
            int n;
            if (!o || !group_close(o, alts, &n, 32))
                return 1;
            for (int k = 0; k < n; k++)
                if (may_start_sentence(tpl, k + 1 < n ? alts[k + 1] - 1 : p - 1))
                    return 1;
            return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Collects the facts of [p, end) of tpl: nested groups by their first
 * alternative (each group is checked on its own), optional parts kept,
 * slots left out (a slot's value is the same in every alternative, and a
 * pronoun for "my $rel" changes no fact). text receives the plain text for
 * key matching. */
static void facts_walk(const char *tpl, const char *p, const char *end, StrBuf *text, Facts *f)
{
    while (p < end) {
        if (*p == '{' || *p == '[') {
            const char *alts[32];
            int n;
            const char *e = group_close(p, alts, &n, 32);
            if (!e || e > end)
                return;
            facts_walk(tpl, alts[0], n > 1 ? alts[1] - 1 : e, text, f);
            p = e + 1;
        } else if (*p == '$' && p + 1 < end && is_alnum(p[1])) {
            for (p++; p < end && is_alnum(*p); p++)
                ;
            sb_add(text, " ");
        } else if (is_alpha(*p)) {
            const char *w = p;
            while (p < end && (is_alpha(*p) || (*p == '\'' && p + 1 < end && is_alpha(p[1]))))
                p++;
            size_t len = (size_t)(p - w);
            sb_addn(text, w, len);
            if (is_cardinal(w, len))
                facts_add_word(f->number, &f->nnumber, w, len, 1);
            else if (is_upper(*w) && !is_plain_capital(w, len) && !may_start_sentence(tpl, w))
                facts_add_word(f->name, &f->nname, w, len, 0);
        } else {
            sb_addn(text, p, 1);
            p++;
        }
    }
}

static int words_equal(const char (*a)[WORD_CAP], size_t na, const char (*b)[WORD_CAP], size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t k = 0; k < na; k++)
        if (strcmp(a[k], b[k]) != 0)
            return 0;
    return 1;
}

/* Appends " (a, b / none / c)": what each alternative states. */
static void facts_list(const Lexicon *lx, const Facts *f, int n, int which, StrBuf *out)
{
    sb_add(out, " (");
    for (int k = 0; k < n; k++) {
        size_t m = which == 0 ? f[k].nconcept : which == 1 ? f[k].nname : f[k].nnumber;
        sb_add(out, k ? " / " : "");
        if (m == 0)
            sb_add(out, "none");
        for (size_t q = 0; q < m; q++)
            sb_printf(out, "%s%s", q ? ", " : "",
                      which == 0 ? lx->c[f[k].concept[q]].id : which == 1 ? f[k].name[q] : f[k].number[q]);
    }
    sb_add(out, ")");
}

/* Reports what differs among n fact sets (names: whether proper nouns
 * count); returns 1 when something does. head: the start of the message. */
static int facts_differ(LintCtx *x, const Facts *f, int n, int names, const char *head, const char *tail)
{
    int diff[3] = {0, 0, 0};
    for (int k = 1; k < n; k++) {
        diff[0] |= f[k].nconcept != f[0].nconcept ||
                   memcmp(f[k].concept, f[0].concept, f[0].nconcept * sizeof f[0].concept[0]) != 0;
        diff[1] |= names && !words_equal(f[k].name, f[k].nname, f[0].name, f[0].nname);
        diff[2] |= !words_equal(f[k].number, f[k].nnumber, f[0].number, f[0].nnumber);
    }
    if (!diff[0] && !diff[1] && !diff[2])
        return 0;
    static const char *const WHAT[] = {"concepts named by keys", "proper nouns", "cardinal numbers"};
    StrBuf m;
    sb_init(&m);
    int said = 0;
    for (int w = 0; w < 3; w++) {
        if (!diff[w])
            continue;
        sb_printf(&m, "%s%s", said++ ? " and in " : "", WHAT[w]);
        facts_list(x->lx, f, n, w, &m);
    }
    problem(x, "%s differ in %s: %s", head, sb_str(&m), tail);
    sb_free(&m);
    return 1;
}

/* Checks every {a|b} group of tpl. own: the template's concept (-1: none);
 * it may be named in some alternatives only when the template also names it
 * outside the group (then saying it twice changes nothing). */
static void check_alternatives(LintCtx *x, const char *tpl, int own)
{
    StrBuf text, head;
    sb_init(&text);
    sb_init(&head);
    for (const char *g = tpl; *g; g++) {
        if (*g != '{')
            continue;
        const char *alts[32];
        int n;
        const char *e = group_close(g, alts, &n, 32);
        if (!e || n < 2)
            continue;
        /* is own named outside this group? */
        int own_outside = 0;
        if (own >= 0) {
            StrBuf rest;
            sb_init(&rest);
            sb_addn(&rest, tpl, (size_t)(g - tpl));
            sb_add(&rest, e + 1);
            Facts f;
            memset(&f, 0, sizeof f);
            sb_clear(&text);
            facts_walk(sb_str(&rest), sb_str(&rest), sb_str(&rest) + rest.len, &text, &f);
            int found[64];
            size_t nf = lexicon_match(x->lx, sb_str(&text), found, 64);
            for (size_t k = 0; k < nf; k++)
                own_outside |= found[k] == own;
            sb_free(&rest);
        }
        Facts f[32];
        for (int k = 0; k < n; k++) {
            memset(&f[k], 0, sizeof f[k]);
            sb_clear(&text);
            facts_walk(tpl, alts[k], k + 1 < n ? alts[k + 1] - 1 : e, &text, &f[k]);
            int found[64];
            size_t nf = lexicon_match(x->lx, sb_str(&text), found, 64);
            for (size_t q = 0; q < nf; q++)
                if (!(found[q] == own && own_outside))
                    facts_add_concept(&f[k], found[q]);
        }
        sb_clear(&head);
        sb_printf(&head, "alternatives %.*s", (int)(e + 1 - g), g);
        facts_differ(x, f, n, 1, sb_str(&head), "a paraphrase must not change a fact");
    }
    sb_free(&text);
    sb_free(&head);
}

/* The forms of a relation or place are swapped freely, so they must not
 * differ in a count ("mother of two" / "of three"). Relations must not
 * differ in proper nouns either; an all-capital form ("MIL", "BFF", "GP") is
 * an abbreviation of the plain words, not a name, so only mixed-case words
 * count. A place's forms are all names of the place ("Philadelphia",
 * "Philly"), so for places only counts are compared. */
static void check_forms(LintCtx *x, const Concept *c)
{
    if (c->nforms < 2)
        return;
    Facts f[2];
    StrBuf head;
    sb_init(&head);
    for (size_t i = 0; i < c->nforms; i++) {
        Facts *fi = &f[i == 0 ? 0 : 1];
        memset(fi, 0, sizeof *fi);
        for (const char *p = c->forms[i]; *p;) {
            if (!is_alpha(*p)) {
                p++;
                continue;
            }
            const char *w = p;
            int lower = 0;
            while (is_alpha(*p) || (*p == '\'' && is_alpha(p[1])))
                lower |= is_lower(*p++);
            size_t len = (size_t)(p - w);
            if (is_cardinal(w, len))
                facts_add_word(fi->number, &fi->nnumber, w, len, 1);
            else if (is_upper(*w) && lower)
                facts_add_word(fi->name, &fi->nname, w, len, 0);
        }
        if (i == 0)
            continue;
        sb_clear(&head);
        sb_printf(&head, "forms \"%s\" and \"%s\"", c->forms[0], c->forms[i]);
        facts_differ(x, f, 2, c->kind == CK_RELATION, sb_str(&head),
                     "forms are swapped freely, so they must be synonyms (make another concept)");
    }
    sb_free(&head);
}

/* Checks one template list: syntax, slots, digits; then renders each
 * template several times and checks the concepts its keys name. own: the
 * concept that may be named (-1: none), and must be when require; also
 * allowed: the slot values' concepts and the family's (an event's keys in
 * the sentences of its own details). */
static void check_list(LintCtx *x, const TplList *t, const char *what, int own, int require, const int *family,
                       size_t nfamily, const Doc *doc, gsl_rng *r)
{
    const Lexicon *lx = x->lx;
    StrBuf out;
    sb_init(&out);
    for (size_t i = 0; i < t->n; i++) {
        const char *tpl = t->t[i];
        char where[256];
        snprintf(where, sizeof where, "%s %s[%zu]", x->owner, what, i);
        const char *saved = x->owner;
        x->owner = where;
        if (render_check(tpl) != 0) {
            problem(x, "unbalanced {} or [] (or a | outside braces): %s", tpl);
            x->owner = saved;
            continue;
        }
        int digit = 0; /* outside slot names ($rel2) */
        for (const char *p = tpl; *p; p++) {
            if (*p == '$')
                while (p[1] && ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= '0' && p[1] <= '9')))
                    p++;
            else if (*p >= '0' && *p <= '9')
                digit = 1;
        }
        if (digit)
            problem(x, "has a digit; numbers come only from slots: %s", tpl);
        render_slots_used(tpl, check_slot, x);
        check_alternatives(x, tpl, own);
        /* the slot values a document gives */
        Slots s;
        memset(&s, 0, sizeof s);
        static const char *const V[SLOT_N] = {"24", "F", NULL, "26", "M", "he", "him", "his", "He", "Him", "His",
                                              NULL, "she", "her", "her", "She", "Her", "Her", NULL,
                                              "3 years", "$4,000"};
        for (int k = 0; k < SLOT_N; k++)
            s.v[k] = V[k];
        s.v[S_REL] = doc->p[0].rel >= 0 ? lx->c[doc->p[0].rel].forms[0] : "partner";
        s.v[S_REL2] = doc->p[1].rel >= 0 ? lx->c[doc->p[1].rel].forms[0] : "friend";
        s.v[S_PLACE] = doc->place >= 0 ? lx->c[doc->place].forms[0] : "Springfield";
        for (int rep = 0; rep < 16; rep++) {
            sb_clear(&out);
            render_template(tpl, &s, r, rep == 0 ? 0.0 : 1.0, &out);
            int found[64];
            size_t n = lexicon_match(lx, sb_str(&out), found, 64);
            int has_own = 0;
            for (size_t k = 0; k < n; k++) {
                int ci = found[k];
                if (ci == own) {
                    has_own = 1;
                    continue;
                }
                if (ci == doc->p[0].rel || ci == doc->p[1].rel || ci == doc->place)
                    continue;
                int fam = 0;
                for (size_t q = 0; q < nfamily; q++)
                    fam |= family[q] == ci;
                if (fam)
                    continue;
                problem(x, "names %s %s (by one of its keys) in \"%s\"", KIND[lx->c[ci].kind], lx->c[ci].id,
                        sb_str(&out));
                rep = 16;
                break;
            }
            if (require && !has_own && rep < 16) {
                problem(x, "none of its keys appears in \"%s\"", sb_str(&out));
                break;
            }
        }
        x->owner = saved;
    }
    sb_free(&out);
}

/* A document for the slot values of concept ci: main person of the
 * event's group, a second person, a place. */
static void lint_doc(const Lexicon *lx, int domain, int person_group, int with_group, Doc *d)
{
    memset(d, 0, sizeof *d);
    d->domain = (int8_t)domain;
    d->p[0].rel = person_group >= 0 && lx->group_n[person_group] ? lx->group_members[person_group][0] : -1;
    d->p[1].rel = with_group >= 0 && lx->group_n[with_group] ? lx->group_members[with_group][0] : -1;
    if (d->p[1].rel == d->p[0].rel && with_group >= 0 && lx->group_n[with_group] > 1)
        d->p[1].rel = lx->group_members[with_group][1];
    d->place = lx->nplaces[domain] ? lx->places[domain][0] : -1;
}

static size_t static_checks(const Lexicon *lx, StrBuf *msgs)
{
    LintCtx x = {lx, msgs, 0, "", 0};
    gsl_rng *r = rng_alloc(1);
    /* keys: one concept per token sequence */
    for (size_t a = 0; a < lx->nkeys; a++)
        for (size_t b = a + 1; b < lx->nkeys; b++) {
            const Key *ka = &lx->keys[a], *kb = &lx->keys[b];
            if (ka->ntok != kb->ntok || ka->concept == kb->concept ||
                memcmp(ka->tok, kb->tok, (size_t)ka->ntok * sizeof *ka->tok) != 0)
                continue;
            x.owner = lx->c[ka->concept].id;
            StrBuf k;
            sb_init(&k);
            lexicon_key_text(lx, ka, &k);
            problem(&x, "key \"%s\" is also a key of %s", sb_str(&k), lx->c[kb->concept].id);
            sb_free(&k);
        }
    /* concepts */
    for (size_t i = 0; i < lx->nc; i++) {
        const Concept *c = &lx->c[i];
        if (c->kind == CK_RELATION || c->kind == CK_PLACE) {
            x.owner = c->id;
            check_forms(&x, c);
            continue;
        }
        x.owner = c->id;
        int event = c->kind == CK_EVENT ? (int)i : -1;
        /* the event a fact belongs to gives the person and place */
        int pg = -1, wg = c->with_group, place_ok = c->value == VAL_PLACE || c->domain == WD_NEWS;
        int family[DOC_MAX_FACTS * 8];
        size_t nfamily = 0, users = 0;
        if (event >= 0) {
            pg = c->person_group;
        } else if (c->kind != CK_DISTRACTOR) {
            int any = 0, all_place = 1, all_person = 1;
            for (size_t e = 0; e < lx->nc; e++) {
                const Concept *ev = &lx->c[e];
                if (ev->kind != CK_EVENT)
                    continue;
                int uses = 0;
                for (size_t q = 0; q < ev->ndetails; q++)
                    uses |= ev->details[q] == (int)i;
                for (size_t q = 0; q < ev->nasks; q++)
                    uses |= ev->asks[q] == (int)i;
                uses |= ev->outcome == (int)i;
                if (!uses)
                    continue;
                users++;
                if (!any) {
                    pg = ev->person_group;
                    family[nfamily++] = (int)e;
                }
                any = 1;
                all_place &= ev->value == VAL_PLACE;
                all_person &= ev->person_group >= 0;
            }
            if (!any && c->kind != CK_DETAIL)
                problem(&x, "no event uses this %s", KIND[c->kind]);
            place_ok |= any && all_place;
            if (!all_person)
                pg = -1;
            if (users != 1) /* a shared detail may not name any one event */
                nfamily = 0;
        }
        unsigned allowed = 0;
        if (c->domain == WD_TLDR)
            allowed |= 1u << S_AGE | 1u << S_G;
        if (pg >= 0 || (c->domain == WD_NEWS && c->kind != CK_DISTRACTOR))
            allowed |= slots_mask(S_REL, S_HIS_C);
        if (wg >= 0)
            allowed |= slots_mask(S_REL2, S_HIS2_C);
        if (place_ok)
            allowed |= 1u << S_PLACE;
        if (c->value == VAL_DUR)
            allowed |= 1u << S_DUR;
        if (c->value == VAL_MONEY)
            allowed |= 1u << S_MONEY;
        x.allowed = allowed;
        Doc d;
        lint_doc(lx, c->domain, c->domain == WD_NEWS ? lx->subject_group : pg, wg, &d);
        check_list(&x, &c->post, "post", (int)i, 1, family, nfamily, &d, r);
        check_list(&x, &c->summary, "summary", (int)i, 1, family, nfamily, &d, r);
        if (event >= 0)
            check_list(&x, &c->title, "title", (int)i, 0, family, nfamily, &d, r);
    }
    /* shared text: no keys but those of the slot values */
    struct {
        const TplList *t;
        const char *name;
        int domain;
    } lists[] = {{&lx->openers, "openers", WD_TLDR}, {&lx->closers, "closers", WD_TLDR},
                 {&lx->fillers, "fillers", WD_TLDR}, {&lx->news_fillers, "news_fillers", WD_NEWS},
                 {&lx->connectors[WD_TLDR], "connectors.tldr", WD_TLDR},
                 {&lx->connectors[WD_NEWS], "connectors.news", WD_NEWS}};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        x.owner = lists[k].name;
        x.allowed = lists[k].domain == WD_TLDR ? (1u << S_AGE | 1u << S_G) : 0;
        Doc d;
        lint_doc(lx, lists[k].domain, -1, -1, &d);
        check_list(&x, lists[k].t, "", -1, 0, NULL, 0, &d, r);
    }
    for (size_t k = 0; k < lx->nsec; k++) {
        char name[128];
        snprintf(name, sizeof name, "sections.%s.fillers", lx->sec[k].name);
        x.owner = name;
        x.allowed = lx->sec[k].domain == WD_TLDR ? (1u << S_AGE | 1u << S_G) : 0;
        Doc d;
        lint_doc(lx, lx->sec[k].domain, -1, -1, &d);
        check_list(&x, &lx->sec[k].fillers, "", -1, 0, NULL, 0, &d, r);
    }
    for (int g = 0; g <= lx->ngroups; g++) {
        if (!lx->intros[g].n)
            continue;
        char name[64];
        snprintf(name, sizeof name, "intros.%s", g < lx->ngroups ? lx->groups[g] : "none");
        x.owner = name;
        x.allowed = 1u << S_AGE | 1u << S_G | 1u << S_DUR | (g < lx->ngroups ? slots_mask(S_REL, S_HIS_C) : 0);
        Doc d;
        lint_doc(lx, WD_TLDR, g < lx->ngroups ? g : -1, -1, &d);
        check_list(&x, &lx->intros[g], "", -1, 0, NULL, 0, &d, r);
    }
    rng_free(r);
    return x.problems;
}

size_t world_lint(const Lexicon *lx, const WorldConfig *c, size_t docs, StrBuf *msgs)
{
    size_t problems = static_checks(lx, msgs);
    if (docs == 0)
        return problems;
    /* round trip: render documents and summaries, judge them against
     * their own facts */
    World w;
    memset(&w, 0, sizeof w);
    w.cfg = *c;
    w.cfg.lm_docs = 200;
    w.lx = *lx;
    w.ndocs = 2 * docs;
    w.docs = xcalloc(w.ndocs, sizeof *w.docs);
    char **texts = xcalloc(3 * w.ndocs, sizeof *texts);
    gsl_rng *r = rng_alloc(c->seed);
    DocText t;
    doctext_init(&t);
    for (size_t i = 0; i < w.ndocs; i++) {
        world_draw_doc(lx, c, r, i < docs ? WD_TLDR : WD_NEWS, &w.docs[i]);
        doctext_clear(&t);
        world_render_doc(lx, c, r, &w.docs[i], &t);
        world_write_summary(lx, c, r, &w.docs[i], AUTHOR_NOISY, &t.ref, NULL);
        texts[3 * i] = xstrdup(sb_str(&t.body));
        texts[3 * i + 1] = xstrdup(sb_str(&t.ref));
        sb_clear(&t.ref);
        world_write_summary(lx, c, r, &w.docs[i], AUTHOR_CLEAN, &t.ref, NULL);
        texts[3 * i + 2] = xstrdup(sb_str(&t.ref));
    }
    doctext_free(&t);
    rng_free(r);
    Judge j;
    judge_init(&j, &w);
    static const char *const WHAT[] = {"document", "reference", "clean summary"};
    size_t reported = 0;
    for (size_t i = 0; i < 3 * w.ndocs; i++) {
        JudgeScore s;
        cJSON *ex = cJSON_CreateObject();
        judge_score(&j, i / 3, texts[i], &s, ex);
        if (s.invented || s.contradicted) {
            problems++;
            if (reported++ < 40) {
                char *e = cJSON_PrintUnformatted(ex);
                const Doc *d = &w.docs[i / 3];
                sb_printf(msgs, "round trip: a %s of a %s document (event %s) is judged against its own facts as %s\n"
                                "  text: %s\n",
                          WHAT[i % 3], d->domain == WD_TLDR ? "tldr" : "news", lx->c[d->f[0].concept].id, e,
                          texts[i]);
                free(e);
            }
        }
        cJSON_Delete(ex);
    }
    if (reported > 40)
        sb_printf(msgs, "round trip: %zu more documents with the same kind of problem\n", reported - 40);
    judge_free(&j);
    for (size_t i = 0; i < 3 * w.ndocs; i++)
        free(texts[i]);
    free(texts);
    free(w.docs);
    return problems;
}
