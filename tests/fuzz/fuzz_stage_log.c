/* fuzz_stage_log.c — a stage's log.csv, read back on --resume
 * (train/stage.c): stagelog_read with the columns lm-train and sft write. */
#include "tests/fuzz/fuzz.h"
#include "train/stage.h"

static const char *const COLS[] = {"step", "loss", "val_loss", "lr", "grad_norm", "tokens_per_s", "elapsed_s"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write("log.csv", data, size);
    StageLog l;
    stagelog_init(&l, COLS, (int)(sizeof COLS / sizeof COLS[0]));
    stagelog_read(&l, fuzz_dir(), 1e9);
    stagelog_free(&l);
    return 0;
}
