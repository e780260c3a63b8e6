/* fuzz_tokenizer.c — tokenizer.bin (train/tokenizer.c): tok_load. */
#include "tests/fuzz/fuzz.h"
#include "train/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Tokenizer t;
    TlError err;
    if (fuzz_status(tok_load(&t, fuzz_write("tokenizer.bin", data, size), &err), &err) == 0)
        tok_free(&t);
    return 0;
}
