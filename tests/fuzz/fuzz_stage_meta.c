/* fuzz_stage_meta.c — a stage's meta.json (train/stage.c): stage_read_name,
 * which names the policy a training stage wrote. */
#include "tests/fuzz/fuzz.h"
#include "train/stage.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write("meta.json", data, size);
    TlError err = {.msg = "no policy name"};
    char *name = stage_read_name(fuzz_dir(), &err);
    fuzz_status(name ? 0 : -1, &err);
    free(name);
    return 0;
}
