/* fuzz_world.c — a world folder (world/world_io.c): world_open (world.json,
 * lexicon.json, facts.jsonl) and world_load_texts (tldr/ and news/ splits).
 *
 * The input bundles the folder's files: each starts at a line "=== NAME"
 * (NAME one of FILES below) and runs to the next such line; other lines
 * before the first are ignored. Without a lexicon.json section the
 * built-in lexicon is written, so that seeds need not carry its 300 kB and
 * the fuzzer spends its time on the world's own files. */
#include "tests/fuzz/world.inc"

#include <string.h>

static const char *const FILES[] = {"world.json", "lexicon.json", "facts.jsonl", "tldr/train.jsonl",
                                    "tldr/valid1.jsonl", "tldr/valid2.jsonl", "tldr/test.jsonl",
                                    "news/train.jsonl", "news/test.jsonl"};
#define NFILES (sizeof FILES / sizeof FILES[0])

static char *builtin; /* the built-in lexicon as a world's lexicon.json */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    Lexicon lx;
    TlError err;
    if (lexicon_load_builtin(&lx, &err) != 0)
        fuzz_world_die(&err);
    builtin = lexicon_to_json(&lx);
    lexicon_free(&lx);
    return 0;
}

/* The index in FILES of the section a line of n bytes starts, or -1. */
static int section(const char *line, size_t n)
{
    if (n < 4 || memcmp(line, "=== ", 4) != 0)
        return -1;
    for (size_t i = 0; i < NFILES; i++)
        if (n - 4 == strlen(FILES[i]) && memcmp(line + 4, FILES[i], n - 4) == 0)
            return (int)i;
    return -1;
}

static void write_section(int f, const char *text, size_t n)
{
    char name[64];
    snprintf(name, sizeof name, "world/%s", FILES[f]);
    fuzz_write(name, text, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!builtin)
        LLVMFuzzerInitialize(NULL, NULL);
    fuzz_clear();
    const char *s = (const char *)data;
    int cur = -1, have_lexicon = 0;
    size_t body = 0;
    for (size_t at = 0; at <= size;) {
        const char *nl = at < size ? memchr(s + at, '\n', size - at) : NULL;
        size_t end = nl ? (size_t)(nl - s) : size;
        int f = at < size ? section(s + at, end - at) : -1;
        if (f >= 0 || at == size) {
            if (cur >= 0)
                write_section(cur, s + body, at - body);
            cur = f;
            body = end + 1 < size ? end + 1 : size;
            have_lexicon |= f == 1;
        }
        if (at == size)
            break;
        at = end + 1 < size ? end + 1 : size;
    }
    if (!have_lexicon)
        write_section(1, builtin, strlen(builtin));
    char dir[512];
    snprintf(dir, sizeof dir, "%s/world", fuzz_dir());
    World w;
    TlError err;
    if (fuzz_status(world_open(&w, dir, &err), &err) == 0) {
        fuzz_status(world_load_texts(&w, &err), &err);
        world_close(&w);
    }
    return 0;
}
