/* samples.h — tldrlab's own summary format, one JSON object per line:
 *   {"id": DOC, "policy": NAME, "text": SUMMARY, "split": S, "dataset": D}
 * split and dataset may be omitted (they are the document's); when given
 * they must be the document's. */
#ifndef TL_SAMPLES_H
#define TL_SAMPLES_H

#include <stddef.h>

#include "common/err.h"
#include "common/strpool.h"
#include "world/world.h"

typedef struct {
    uint32_t doc;      /* index in the world's docs */
    uint32_t policy;   /* id in SampleSet.policies */
    char *text;        /* owned */
} Sample;

typedef struct {
    Sample *s;
    size_t n, cap;
    StrPool policies;
} SampleSet;

void sampleset_init(SampleSet *ss);
void sampleset_free(SampleSet *ss);

/* Reads path ("-" = stdin) into ss, checking every record against w.
 * Returns 0, or -1 with err = "file:line: field: problem". */
int samples_read(SampleSet *ss, const World *w, const char *path, TlError *err);

/* Writes one sample as a JSON line. */
void samples_write(FILE *fp, const World *w, const char *policy, size_t doc, const char *text);

#endif
