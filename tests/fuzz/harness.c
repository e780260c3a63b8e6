/* harness.c — the fuzz targets' scratch folder (see fuzz.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static char path[512];
static pid_t owner; /* the process that made dir: a forked child makes its own */

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag;
    if (f->level > 0)
        remove(p);
    return 0;
}

static void remove_dir(void)
{
    if (owner == getpid() && dir[0]) {
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        rmdir(dir);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz harness: %s: %s\n", what, strerror(errno));
    abort();
}

const char *fuzz_dir(void)
{
    if (owner != getpid()) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/tldrlab-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir))
            die(dir);
        owner = getpid();
        atexit(remove_dir);
    }
    return dir;
}

void fuzz_clear(void)
{
    nftw(fuzz_dir(), remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_write(const char *name, const void *data, size_t size)
{
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            die(path);
        *s = '/';
    }
    FILE *fp = fopen(path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0)
        die(path);
    return path;
}

int fuzz_status(int rc, const TlError *err)
{
    const char *v = getenv("FUZZ_VERBOSE");
    if (v && strcmp(v, "1") == 0)
        fprintf(stderr, "fuzz: %s%s\n", rc == 0 ? "accepted" : "rejected: ", rc == 0 ? "" : err->msg);
    return rc;
}
