/* fuzz_policy_meta.c — the --meta JSON file (analysis/policy.c):
 * policy_meta_load, then a lookup of every entry and of a name it lacks. */
#include "tests/fuzz/fuzz.h"
#include "analysis/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MetaMap map;
    TlError err;
    if (fuzz_status(policy_meta_load(&map, fuzz_write("meta.json", data, size), &err), &err) == 0) {
        PolicyMeta m;
        for (size_t i = 0; i < map.n; i++)
            policy_meta_lookup(&map, map.entries[i].name, &m);
        policy_meta_lookup(&map, "sup4_6b_ppo_rm4_6b_kl14_t0.7", &m);
        policy_meta_free(&map);
    }
    return 0;
}
