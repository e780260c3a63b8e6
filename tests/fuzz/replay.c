/* replay.c — runs a fuzz target on saved inputs, without libFuzzer: the
 * driver make test uses (each target linked with it under ASan+UBSan).
 *
 *   replay-NAME [--timeout S] PATH...   PATH: an input file, or a folder of them
 *
 * Each input runs in a forked child, so that one crash, leak or hang fails
 * that input alone. A child passes when it exits 0: the sanitizers make it
 * exit non-zero (or abort) on a memory error, undefined behaviour or a leak,
 * libFuzzer's convention aside. Prints "ok   NAME: FILE" or "FAIL NAME:
 * FILE" with what was expected and what happened, the child's stderr, and
 * last "replay NAME: N passed, N failed, N skipped". Exit 0 when none
 * failed. With FUZZ_VERBOSE=1 a passing input's stderr is shown too
 * (fuzz_status).
 *
 * A folder may hold a file OPEN: one line per finding whose bug is known
 * and not fixed yet, "FILE reason". Such an input that still fails is
 * skipped with the reason; one that passes passes, with a note to take it
 * off the list. */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static const char *name = "fuzz";
static unsigned timeout_s = 60;
static int passed, failed, skipped;

/* Reads path whole; NULL on error (errno set). */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, n = 0, k;
    uint8_t *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n, fp)) > 0)
        if ((n += k) == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    int bad = ferror(fp);
    fclose(fp);
    if (bad || !buf) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* The child: one input, then a normal exit so that LeakSanitizer runs. */
static void child(const char *path, const char *errpath)
{
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
    size_t len = 0;
    uint8_t *data = slurp(path, &len);
    if (!data) {
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
        exit(3);
    }
    alarm(timeout_s);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    exit(0);
}

static void show_stderr(const char *errpath)
{
    FILE *fp = fopen(errpath, "r");
    if (!fp)
        return;
    char line[512];
    for (int n = 0; n < 40 && fgets(line, sizeof line, fp); n++)
        printf("    %s%s", line, strchr(line, '\n') ? "" : "\n");
    fclose(fp);
}

/* open: the OPEN line's reason when path is listed there, else NULL. */
static void replay_one(const char *path, const char *open)
{
    char errpath[512];
    snprintf(errpath, sizeof errpath, "%s/stderr.%ld", fuzz_dir(), (long)getpid());
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("replay: fork");
        exit(2);
    }
    if (pid == 0)
        child(path, errpath);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        passed++;
        printf("ok   %s: %s%s\n", name, path, open ? " (listed in OPEN, and passes now: take it off the list)" : "");
        if (getenv("FUZZ_VERBOSE")) /* fuzz_status's notes */
            show_stderr(errpath);
    } else if (open) {
        skipped++;
        printf("skip %s: %s: a known open bug: %s\n", name, path, open);
    } else {
        failed++;
        printf("FAIL %s: %s\n  expected: the reader returns and the process exits 0 (no sanitizer report, no leak)\n",
               name, path);
        if (WIFSIGNALED(st))
            printf("  got: killed by signal %d%s; its stderr:\n", WTERMSIG(st),
                   WTERMSIG(st) == SIGALRM ? " (still running after the timeout)" : "");
        else
            printf("  got: exit %d; its stderr:\n", WEXITSTATUS(st));
        show_stderr(errpath);
    }
    unlink(errpath);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The reason OPEN (text) gives for file, copied into why; NULL when it is
 * not listed. */
static const char *open_reason(const char *text, const char *file, char *why, size_t cap)
{
    size_t n = strlen(file);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, file, n) == 0 && (l[n] == ' ' || l[n] == '\t')) {
            const char *r = l + n + strspn(l + n, " \t"), *e = strchr(r, '\n');
            snprintf(why, cap, "%.*s", (int)(e ? (size_t)(e - r) : strlen(r)), r);
            return why;
        }
    return NULL;
}

/* A folder: its files in name order (no dot files, no README, no OPEN). */
static void replay_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("FAIL %s: %s\n  expected a readable folder of inputs, got: %s\n", name, dir, strerror(errno));
        failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL)
        if (de->d_name[0] != '.' && strcmp(de->d_name, "README.md") != 0 && strcmp(de->d_name, "OPEN") != 0) {
            char **nn = realloc(names, (n + 1) * sizeof *names);
            if (!nn || !(nn[n] = malloc(strlen(dir) + strlen(de->d_name) + 2))) {
                perror("replay");
                exit(2);
            }
            names = nn;
            sprintf(names[n++], "%s/%s", dir, de->d_name);
        }
    closedir(dp);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    char openpath[4096], why[512];
    snprintf(openpath, sizeof openpath, "%s/OPEN", dir);
    size_t olen;
    char *open = (char *)slurp(openpath, &olen);
    if (open) {
        char *t = realloc(open, olen + 1);
        if (!t) {
            perror("replay");
            exit(2);
        }
        open = t;
        open[olen] = '\0';
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            replay_one(names[i], open ? open_reason(open, names[i] + strlen(dir) + 1, why, sizeof why) : NULL);
        free(names[i]);
    }
    free(names);
    free(open);
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    name = slash ? slash + 1 : argv[0];
    if (strncmp(name, "replay-", 7) == 0)
        name += 7;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0) {
        char *end;
        long t = strtol(argv[i + 1], &end, 10);
        if (*end || t < 1 || t > 86400) {
            fprintf(stderr, "replay: --timeout takes whole seconds from 1 to 86400, not '%s'\n", argv[i + 1]);
            return 2;
        }
        timeout_s = (unsigned)t;
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: replay-NAME [--timeout SECONDS] INPUT-OR-FOLDER...\n");
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            replay_dir(argv[i]);
        else
            replay_one(argv[i], NULL);
    }
    printf("replay %s: %d passed, %d failed, %d skipped\n", name, passed, failed, skipped);
    return failed ? 1 : 0;
}
