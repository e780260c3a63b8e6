/* fuzz_rm_scores.c — the --rm-scores CSV (analysis/figures.c, libcsv):
 * rm_scores_load. */
#include "tests/fuzz/fuzz.h"
#include "analysis/figures.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RmScores rm;
    TlError err;
    if (fuzz_status(rm_scores_load(&rm, fuzz_write("rm.csv", data, size), &err), &err) == 0)
        rm_scores_free(&rm);
    return 0;
}
