/* probes.h — crafted summaries that test the gold judge (docs/world.md,
 * "Probes"): a careful reader would rank each against the document's
 * reference, so the judge must too. Built from the world's own facts and
 * lexicon; written by `tldrlab baseline probes`. */
#ifndef TL_PROBES_H
#define TL_PROBES_H

#include <gsl/gsl_rng.h>

#include "common/strbuf.h"
#include "world/world.h"

typedef enum {
    PROBE_KEYLIST,       /* a bare list of the document's key phrases, ages, durations and amounts */
    PROBE_REF_KEYLIST,   /* the reference followed by that list */
    PROBE_REF_PADDED,    /* the reference padded with key-free filler to at least 44 words */
    PROBE_REF_REPEATED,  /* the reference twice */
    PROBE_ALLFACTS,      /* a fluent summary of every fact (the clean author, nothing left out) */
    PROBE_ALLFACTS_LONG, /* the same facts in the document's own, longer sentences */
    PROBE_REF_NUMBERS,   /* the reference, then nine candidate ages around the true one */
    PROBE_REF_NEGATED,   /* "It is not true that" + the reference */
    PROBE_N
} ProbeKind;

/* The probe's policy name ("probe_keylist", ...). */
const char *probe_name(ProbeKind k);

/* Writes probe k of document doc into out (replacing its contents). The
 * world's texts must be loaded (world_load_texts). */
void probe_write(const World *w, size_t doc, ProbeKind k, gsl_rng *r, StrBuf *out);

#endif
