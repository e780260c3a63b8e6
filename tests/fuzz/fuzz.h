/* fuzz.h — what the fuzz targets share (docs/testing.md).
 *
 * Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput for one
 * reader: it hands the input to the reader as a file (readers take paths)
 * and checks nothing but that the reader returns, frees what it allocated
 * and touches no memory it should not. The same file builds two ways:
 * with clang -fsanitize=fuzzer (make fuzz) and with replay.c's main under
 * ASan+UBSan with the usual compiler (make test replays the corpus). */
#ifndef TL_FUZZ_H
#define TL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: run once before the first input (a target that needs a world
 * makes it here). replay.c calls it when the target defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* This process's scratch folder (made on first use, removed at exit). */
const char *fuzz_dir(void);

/* Writes data to NAME under the scratch folder (making parent folders) and
 * returns its full path, valid until the next call. Dies on a write error:
 * that is the harness's failure, not the reader's. */
const char *fuzz_write(const char *name, const void *data, size_t size);

/* Empties the scratch folder (keeps the folder itself). */
void fuzz_clear(void);

/* Passes a reader's status through; with FUZZ_VERBOSE=1 in the environment
 * also says on stderr whether it accepted the input, and why not (to see
 * that the seeds are accepted: a corpus the reader rejects at once fuzzes
 * little beyond its first check). */
int fuzz_status(int rc, const TlError *err);

#endif
