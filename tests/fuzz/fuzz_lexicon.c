/* fuzz_lexicon.c — a merged lexicon, as a world's lexicon.json holds it
 * (world/lexicon.c): json_parse_text, then lexicon_load_json. The folder
 * form (world generate --lexicon DIR) merges its files into the same
 * document before lexicon_load_json. */
#include "tests/fuzz/fuzz.h"
#include "common/jsonl.h"
#include "common/util.h"
#include "world/lexicon.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("lexicon.json", data, size);
    size_t len = 0;
    char *text = util_read_file(path, &len); /* NUL-terminated, as world_open reads it */
    TlError err;
    cJSON *j = text ? json_parse_text(text, len, path, &err) : NULL;
    Lexicon lx;
    JsonSrc src = {path, text, len, NULL};
    if (j && fuzz_status(lexicon_load_json(&lx, j, &src, &err), &err) == 0)
        lexicon_free(&lx);
    free(text);
    return 0;
}
