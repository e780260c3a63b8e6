/* fuzz_samples.c — summary samples, as world judge, label and rm read them
 * (world/samples.c): samples_read against a tiny world. */
#include "tests/fuzz/world.inc"
#include "world/samples.h"

static World world;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_world_make(&world, "world");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SampleSet ss;
    TlError err;
    sampleset_init(&ss);
    fuzz_status(samples_read(&ss, &world, fuzz_write("samples.jsonl", data, size), &err), &err);
    sampleset_free(&ss);
    return 0;
}
