/* render.h — expanding the lexicon's templates: {a|b} alternatives taken
 * at a paraphrase rate, [optional] parts, $slots, then sentence-level
 * tidying (capitals, a/an, spacing). See world/lexicon/README.md. */
#ifndef TL_RENDER_H
#define TL_RENDER_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "common/strbuf.h"

typedef enum {
    S_AGE, S_G, S_REL, S_RAGE, S_RG, S_HE, S_HIM, S_HIS, S_HE_C, S_HIM_C, S_HIS_C,
    S_REL2, S_HE2, S_HIM2, S_HIS2, S_HE2_C, S_HIM2_C, S_HIS2_C, S_PLACE, S_DUR, S_MONEY, SLOT_N
} Slot;

typedef struct {
    const char *v[SLOT_N];  /* values; NULL renders as nothing (lint reports it) */
    int rel_age_once;       /* 1: the next $rel is followed by " ($rage$rg)", then 0 */
} Slots;

/* Slot index of a name ("rel", "He2"...), or -1. */
int render_slot(const char *name, size_t len);
const char *render_slot_name(Slot s);

/* Appends the expansion of tpl to out. para: the paraphrase rate (the
 * chance of a random alternative rather than the first). Returns 0, or -1
 * when tpl is malformed (unbalanced braces or brackets). */
int render_template(const char *tpl, Slots *s, gsl_rng *r, double para, StrBuf *out);

/* Calls fn(text, arg) for every rendering of tpl: each alternative of
 * every {a|b}, each optional [x] kept and dropped, every slot written as
 * slot_word between spaces; at most max renderings, in order. The text is
 * raw (not tidied). Returns how many were made. */
size_t render_each(const char *tpl, const char *slot_word, size_t max, void (*fn)(const char *text, void *arg),
                   void *arg);

/* The end of the group whose opener is just before p (p points just after
 * the '{' or '['): the matching closer, or NULL when the closer is not
 * close or the text is unbalanced. alts (may be NULL) receives the start of
 * each top-level '|'-separated alternative, at most cap; *nalts their count. */
const char *render_group_end(const char *p, char close, const char **alts, int *nalts, int cap);

/* Calls fn for each slot a template uses (for lint). */
void render_slots_used(const char *tpl, void (*fn)(int slot, const char *name, size_t len, void *arg), void *arg);

/* Checks a template's syntax; returns 0 or -1. */
int render_check(const char *tpl);

/* Sentence tidying, in place on text from byte start: capitalises the
 * first letter; fixes "a"/"an" before the next word; collapses doubled
 * spaces and removes spaces before , . ? ! ). */
void render_tidy(StrBuf *b, size_t start);

/* Capitalises the first letter at or after start. */
void render_capitalize(StrBuf *b, size_t start);

#endif
