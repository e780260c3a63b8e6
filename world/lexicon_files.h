/* lexicon_files.h — the lexicon files compiled into the binary:
 * build/lexicon_data.c, made from the JSON files in world/lexicon by
 * scripts/embed-lexicon.sh. */
#ifndef TL_LEXICON_FILES_H
#define TL_LEXICON_FILES_H

#include <stddef.h>

typedef struct {
    const char *name;  /* file name, e.g. "common.json" */
    const char *text;  /* its bytes, NUL-terminated */
} EmbeddedFile;

extern const EmbeddedFile LEXICON_FILES[];
extern const size_t LEXICON_NFILES;

#endif
