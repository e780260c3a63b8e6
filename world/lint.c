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
            for (int q = 0; q < ka->ntok; q++)
                sb_printf(&k, "%s%s", q ? " " : "", strpool_get(&lx->tokens, ka->tok[q]));
            problem(&x, "key \"%s\" is also a key of %s", sb_str(&k), lx->c[kb->concept].id);
            sb_free(&k);
        }
    /* concepts */
    for (size_t i = 0; i < lx->nc; i++) {
        const Concept *c = &lx->c[i];
        if (c->kind == CK_RELATION || c->kind == CK_PLACE)
            continue;
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
