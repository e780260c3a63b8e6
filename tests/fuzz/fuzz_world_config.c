/* fuzz_world_config.c — the world's --config JSON (world/world.c):
 * world_config_read over the defaults. */
#include "tests/fuzz/fuzz.h"
#include "world/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    WorldConfig c;
    TlError err;
    world_config_default(&c);
    fuzz_status(world_config_read(&c, fuzz_write("config.json", data, size), &err), &err);
    return 0;
}
