/* main.c — the unit-test runner. Lists every test, runs them in order,
 * prints one line each and a summary "unit: N passed, N failed, N skipped". */
#include "tests/unit/test.h"
#include "common/err.h"
#include "common/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int t_fails, t_skipped;

void t_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("  %s:%d: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    t_fails++;
}

static char tmpdir[256];

static void rm_tmpdir(void)
{
    if (tmpdir[0]) {
        if (util_remove_tree(tmpdir) != 0)
            fprintf(stderr, "could not remove %s: %s\n", tmpdir, strerror(errno));
    }
}

const char *t_tmpdir(void)
{
    if (!tmpdir[0]) {
        util_temp_template(tmpdir, sizeof tmpdir, "/tmp/tldrlab-unit.");
        if (!mkdtemp(tmpdir))
            tl_die(1, "cannot create a temporary directory");
        atexit(rm_tmpdir);
    }
    return tmpdir;
}

const char *t_write(const char *name, const char *text)
{
    static char paths[8][512];
    static int k;
    char *p = paths[k++ % 8];
    snprintf(p, 512, "%s/%s", t_tmpdir(), name);
    FILE *f = fopen(p, "w");
    if (!f)
        tl_die(1, "cannot write %s", p);
    fputs(text, f);
    fclose(f);
    return p;
}

const char *t_real_path(void)
{
    const char *d = getenv("TLDRLAB_REAL_DATA");
    return d ? d : "../shared/data/real";
}

const char *t_real_dir(void)
{
    const char *d = t_real_path();
    struct stat st;
    return stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

/* Why the run requires the real records, or NULL: the rule of tests/lib.sh's real_required. */
const char *t_real_required(void)
{
    const char *r = getenv("TLDRLAB_REQUIRE_REAL");
    if (r && *r)
        return strcmp(r, "0") == 0 ? NULL : "TLDRLAB_REQUIRE_REAL is set";
    const char *ci = getenv("CI");
    if (!ci || !*ci || strcmp(ci, "0") == 0 || strcmp(ci, "false") == 0)
        return NULL;
    struct stat st;
    return stat("../shared", &st) == 0 && S_ISDIR(st.st_mode) ? "CI is set and ../shared is beside the clone" : NULL;
}

typedef struct {
    const char *name;
    void (*fn)(void);
} TestCase;

static const TestCase TESTS[] = {
#define T(name) {#name, name},
#include "tests/unit/list.h"
#undef T
};

int main(int argc, char **argv)
{
    tl_gsl_quiet();
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++) {
        if (argc > 1 && !strstr(TESTS[i].name, argv[1]))
            continue;
        t_fails = 0;
        t_skipped = 0;
        printf("%s\n", TESTS[i].name);
        fflush(stdout);
        TESTS[i].fn();
        if (t_skipped && !t_fails) {
            printf("skip %s\n", TESTS[i].name);
            skipped++;
        } else if (t_fails) {
            printf("FAIL %s (%d failed check%s)\n", TESTS[i].name, t_fails, t_fails == 1 ? "" : "s");
            failed++;
        } else {
            printf("ok   %s\n", TESTS[i].name);
            passed++;
        }
        fflush(stdout);
    }
    printf("unit: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
