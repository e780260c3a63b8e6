/* atomic.c — temp file + rename, with cleanup of unfinished files at exit. */
#define _GNU_SOURCE /* fopencookie */
#include "common/atomic.h"
#include "common/err.h"
#include "common/util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static AtomicFile *open_files; /* files not yet committed, removed at exit */
static int cleanup_installed;
static volatile sig_atomic_t *graceful; /* atomic_graceful_stop's flag */

#define MAX_DIRS 8
static char *temp_dirs[MAX_DIRS];  /* registered temporary folders */
static volatile pid_t child;      /* a child to stop with us */

static void cleanup_at_exit(void)
{
    if (child > 0) {
        kill(child, SIGTERM);
        waitpid(child, NULL, 0);
        child = 0;
    }
    for (AtomicFile *a = open_files; a; a = a->next)
        unlink(a->tmp);
    for (int i = 0; i < MAX_DIRS; i++)
        if (temp_dirs[i])
            util_remove_tree(temp_dirs[i]);
}

static void cleanup_on_signal(int sig)
{
    if (graceful && !*graceful && sig != SIGHUP) {
        *graceful = sig; /* the first SIGINT or SIGTERM: the program stops at its next safe point */
        if (child > 0)
            kill(child, sig); /* and so does its child (a sweep's stage checkpoints) */
        return;
    }
    cleanup_at_exit();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_cleanup(void)
{
    if (cleanup_installed)
        return;
    cleanup_installed = 1;
    atexit(cleanup_at_exit);
    signal(SIGINT, cleanup_on_signal);
    signal(SIGTERM, cleanup_on_signal);
    signal(SIGHUP, cleanup_on_signal);
}

void atomic_dir_register(const char *dir)
{
    install_cleanup();
    for (int i = 0; i < MAX_DIRS; i++)
        if (!temp_dirs[i]) {
            temp_dirs[i] = xstrdup(dir);
            return;
        }
    tl_die(TL_EXIT_RUNTIME, "internal error: more than %d temporary folders", MAX_DIRS);
}

void atomic_dir_done(const char *dir)
{
    for (int i = 0; i < MAX_DIRS; i++)
        if (temp_dirs[i] && strcmp(temp_dirs[i], dir) == 0) {
            char *p = temp_dirs[i];
            temp_dirs[i] = NULL;
            free(p);
            return;
        }
}

void atomic_child(pid_t pid)
{
    install_cleanup();
    child = pid;
}

void atomic_graceful_stop(volatile sig_atomic_t *flag)
{
    install_cleanup();
    graceful = flag;
}

static void unregister(AtomicFile *af)
{
    for (AtomicFile **p = &open_files; *p; p = &(*p)->next)
        if (*p == af) {
            *p = af->next;
            return;
        }
}

/* Removes NAME.tmp.XXXXXX files that an earlier run writing path left
 * behind when it was killed (kill -9 or a crash: no cleanup ran). Only our
 * own naming, only for this path. */
static void remove_stale(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrdup(path) : xstrdup(".");
    if (slash)
        dir[slash - path > 0 ? slash - path : 1] = '\0';
    const char *base = slash ? slash + 1 : path;
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            const char *nm = e->d_name;
            if (strncmp(nm, base, bl) != 0 || strncmp(nm + bl, ".tmp.", 5) != 0 || strlen(nm + bl + 5) != 6)
                continue;
            int ours = 0; /* a temporary this process has open is not stale */
            for (AtomicFile *a = open_files; a; a = a->next) {
                const char *t = strrchr(a->tmp, '/');
                ours |= strcmp(t ? t + 1 : a->tmp, nm) == 0;
            }
            if (ours)
                continue;
            char *full = util_path_join(dir, nm);
            unlink(full);
            free(full);
        }
        closedir(d);
    }
    free(dir);
}

/* The stream's writes go through here, so that the first error's errno
 * is kept: stdio keeps only a flag, and errno is long gone (a later mkdir
 * leaves EEXIST there) when the caller checks. */
static ssize_t cookie_write(void *cookie, const char *buf, size_t n)
{
    AtomicFile *af = cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(af->fd, buf + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (!af->write_errno)
                af->write_errno = k < 0 ? errno : EIO;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)k;
    }
    return (ssize_t)n;
}

static int cookie_close(void *cookie)
{
    AtomicFile *af = cookie;
    return close(af->fd);
}

AtomicFile *atomic_open(const char *path)
{
    install_cleanup();
    remove_stale(path);
    AtomicFile *af = xcalloc(1, sizeof *af);
    size_t n = strlen(path);
    af->path = xstrdup(path);
    af->tmp = xmalloc(n + 12);
    char prefix[8] = ".tmp.";
    memcpy(af->tmp, path, n);
    util_temp_template(af->tmp + n, 12, prefix);
    int fd = mkstemp(af->tmp);
    if (fd < 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot create output file: %s", path, strerror(errno));
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask); /* mkstemp makes 0600; outputs get the usual mode */
    af->fd = fd;
    af->fp = fopencookie(af, "w", (cookie_io_functions_t){NULL, cookie_write, NULL, cookie_close});
    if (!af->fp) {
        close(fd);
        unlink(af->tmp);
        tl_die(TL_EXIT_RUNTIME, "%s: cannot open output file: %s", path, strerror(errno));
    }
    af->next = open_files;
    open_files = af;
    return af;
}

static void release(AtomicFile *af)
{
    unregister(af);
    free(af->path);
    free(af->tmp);
    free(af);
}

/* Flushes and syncs; returns 0 or the errno of the first failure (of any
 * write since atomic_open first). */
static int flush_sync(AtomicFile *af)
{
    int bad = ferror(af->fp) || fflush(af->fp) != 0;
    if (bad || af->write_errno)
        return af->write_errno ? af->write_errno : EIO;
    return fsync(af->fd) != 0 ? errno : 0;
}

int atomic_finish(AtomicFile *af)
{
    int err = flush_sync(af);
    if (fclose(af->fp) != 0 && !err)
        err = errno ? errno : EIO;
    if (!err && rename(af->tmp, af->path) != 0)
        err = errno;
    if (err)
        unlink(af->tmp);
    release(af);
    errno = err;
    return err ? -1 : 0;
}

int atomic_commit(AtomicFile *af)
{
    char *path = xstrdup(af->path);
    int rc = atomic_finish(af), err = errno;
    if (rc != 0)
        fprintf(stderr, "tldrlab: %s: cannot write output: %s\n", path, strerror(err));
    free(path);
    errno = err;
    return rc;
}

int atomic_sync(AtomicFile *af)
{
    int err = flush_sync(af);
    if (err) {
        fprintf(stderr, "tldrlab: %s: cannot write output: %s\n", af->path, strerror(err));
        errno = err;
        return -1;
    }
    struct stat st;
    if (stat(af->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "tldrlab: %s: cannot write output: it is a directory\n", af->path);
        errno = EISDIR;
        return -1;
    }
    return 0;
}

void atomic_abort(AtomicFile *af)
{
    if (!af)
        return;
    fclose(af->fp);
    unlink(af->tmp);
    release(af);
}

void atomic_write_string(const char *path, const char *text)
{
    AtomicFile *af = atomic_open(path);
    fputs(text, af->fp);
    if (atomic_commit(af) != 0)
        exit(TL_EXIT_RUNTIME);
}

AtomicFile *atomic_open_mkdir(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (util_mkdir_p(dir) != 0)
            tl_die(TL_EXIT_RUNTIME, "%s: cannot create the directory: %s", dir, strerror(errno));
    }
    free(dir);
    return atomic_open(path);
}
