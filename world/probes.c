/* probes.c — crafted summaries that test the gold judge (probes.h). */
#include "world/probes.h"
#include "world/render.h"
#include "common/util.h"

#include <string.h>

const char *probe_name(ProbeKind k)
{
    static const char *const N[PROBE_N] = {"probe_keylist",  "probe_ref_keylist",   "probe_ref_padded",
                                           "probe_ref_repeated", "probe_allfacts", "probe_allfacts_long",
                                           "probe_ref_numbers", "probe_ref_negated"};
    return k < PROBE_N ? N[k] : "probe_unknown";
}

/* The concept's first key phrase, as its tokens joined by spaces. */
static void first_key(const Lexicon *lx, int ci, StrBuf *out)
{
    for (size_t k = 0; k < lx->nkeys; k++) {
        if (lx->keys[k].concept != ci)
            continue;
        lexicon_key_text(lx, &lx->keys[k], out);
        return;
    }
}

static void list_item(StrBuf *out, int *first)
{
    if (!*first)
        sb_add(out, ", ");
    *first = 0;
}

/* Key phrases of every fact, the people and the place, then the ages,
 * durations and amounts, as a comma-separated list. */
static void keylist(const World *w, const Doc *d, StrBuf *out)
{
    const Lexicon *lx = &w->lx;
    int first = 1;
    for (int f = 0; f < d->nf; f++) {
        list_item(out, &first);
        first_key(lx, d->f[f].concept, out);
    }
    for (int p = 0; p < 2; p++)
        if (d->p[p].rel >= 0) {
            list_item(out, &first);
            sb_add(out, lx->c[d->p[p].rel].forms[d->p[p].form]);
        }
    if (d->place >= 0) {
        list_item(out, &first);
        sb_add(out, lx->c[d->place].forms[d->place_form]);
    }
    if (d->domain == WD_TLDR) {
        list_item(out, &first);
        sb_printf(out, "%d%c", d->nar_age, d->nar_g);
    }
    if (d->p[0].rel >= 0) {
        list_item(out, &first);
        sb_printf(out, "%d%c", d->p[0].age, d->p[0].gender);
    }
    if (d->dur_n > 0) {
        list_item(out, &first);
        world_format_dur(d->dur_n, d->dur_unit, 0, out);
    }
    for (int f = 0; f < d->nf; f++) {
        if (d->f[f].dur_n > 0) {
            list_item(out, &first);
            world_format_dur(d->f[f].dur_n, d->f[f].dur_unit, 0, out);
        }
        if (d->f[f].money > 0) {
            list_item(out, &first);
            world_format_money(d->f[f].money, d->currency, 0, out);
        }
    }
}

/* Appends sentence s, ending the text before it with a full stop if it
 * has no final mark. */
static void add_sentence(StrBuf *out, const char *s)
{
    char e = out->len ? out->s[out->len - 1] : 0;
    if (e && e != '.' && e != '?' && e != '!')
        sb_add(out, ".");
    if (out->len)
        sb_add(out, " ");
    sb_add(out, s);
}

void probe_write(const World *w, size_t doc, ProbeKind k, gsl_rng *r, StrBuf *out)
{
    const Doc *d = &w->docs[doc];
    const char *ref = w->ref[doc];
    sb_clear(out);
    switch (k) {
    case PROBE_KEYLIST:
        keylist(w, d, out);
        break;
    case PROBE_REF_KEYLIST:
        sb_add(out, ref);
        sb_add(out, " ");
        keylist(w, d, out);
        break;
    case PROBE_REF_PADDED: {
        sb_add(out, ref);
        const TplList *fill = d->domain == WD_TLDR ? &w->lx.fillers : &w->lx.news_fillers;
        Slots none;
        memset(&none, 0, sizeof none);
        StrBuf one;
        sb_init(&one);
        for (size_t i = 0; util_count_words(sb_str(out)) < 44 && i < fill->n; i++) {
            sb_clear(&one);
            render_template(fill->t[(i * 7 + doc) % fill->n], &none, r, 0.0, &one);
            render_tidy(&one, 0);
            add_sentence(out, sb_str(&one));
        }
        sb_free(&one);
        break;
    }
    case PROBE_REF_REPEATED:
        sb_add(out, ref);
        add_sentence(out, ref);
        break;
    case PROBE_ALLFACTS:
    case PROBE_ALLFACTS_LONG:
        world_write_summary(&w->lx, &w->cfg, r, d, k == PROBE_ALLFACTS ? AUTHOR_ALL : AUTHOR_ALL_LONG, out, NULL);
        break;
    case PROBE_REF_NUMBERS: {
        sb_add(out, ref);
        int age = d->domain == WD_TLDR ? d->nar_age : d->p[0].rel >= 0 ? d->p[0].age : 40;
        add_sentence(out, d->domain == WD_TLDR ? "I am" : "The age is");
        for (int a = age - 4; a <= age + 4; a++)
            sb_printf(out, " %d%s", a, a < age + 4 ? "," : ".");
        break;
    }
    case PROBE_REF_NEGATED: {
        sb_add(out, "It is not true that ");
        size_t at = out->len;
        sb_add(out, ref);
        /* lower the reference's first letter unless it is "I" or an acronym */
        if (out->s[at] >= 'A' && out->s[at] <= 'Z' && !(out->s[at + 1] >= 'A' && out->s[at + 1] <= 'Z') &&
            !(out->s[at] == 'I' && (out->s[at + 1] == ' ' || out->s[at + 1] == '\'')))
            out->s[at] = (char)(out->s[at] - 'A' + 'a');
        break;
    }
    case PROBE_N:
        break;
    }
}
