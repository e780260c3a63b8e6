/* fuzz_checkpoint.c — model.ckpt (train/gpt.c, train/FORMAT.md): gpt_load
 * with a random state to restore and the header handed back. */
#include "tests/fuzz/fuzz.h"
#include "train/gpt.h"

#include <cjson/cJSON.h>
#include <gsl/gsl_rng.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    Gpt g;
    cJSON *hdr;
    TlError err;
    if (fuzz_status(gpt_load(&g, fuzz_write("model.ckpt", data, size), r, &hdr, &err), &err) == 0) {
        cJSON_Delete(hdr);
        gpt_free(&g);
    }
    gsl_rng_free(r);
    return 0;
}
