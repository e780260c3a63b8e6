/* atomic.h — output files that appear whole or not at all.
 *
 * atomic_open creates "<path>.tmp.<6 random characters>" in the same directory; the caller
 * writes through ->fp; atomic_commit flushes, fsyncs and renames it into
 * place. atomic_abort, or the process exiting before commit (tl_die, a
 * signal), removes the temporary file, so a crash never leaves a
 * half-written output under the final name. */
#ifndef TL_ATOMIC_H
#define TL_ATOMIC_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct AtomicFile {
    FILE *fp;     /* writes go to fd; the first failure's errno is kept */
    int fd;
    int write_errno; /* errno of the first failed write, 0 when none */
    char *path;   /* final name */
    char *tmp;    /* temporary name */
    struct AtomicFile *next; /* registry of open files, for cleanup at exit */
} AtomicFile;

/* Opens a temporary file next to path. Dies (exit 1) with a message naming
 * path when the directory is not writable. */
AtomicFile *atomic_open(const char *path);

/* As atomic_open, after creating path's folder (and its parents) when
 * missing; dies (exit 1) naming the folder when it cannot. */
AtomicFile *atomic_open_mkdir(const char *path);

/* Flushes, syncs, closes and renames into place; frees af. Returns 0, or -1
 * with errno the cause (the first failed write's, not whatever errno held
 * by then) after printing a message naming the path and the cause (the
 * temporary is removed). */
int atomic_commit(AtomicFile *af);

/* atomic_commit without the message: the caller reports strerror(errno). */
int atomic_finish(AtomicFile *af);

/* Flushes and syncs the temporary file, keeping it open and unnamed.
 * Returns 0, or -1 with errno set after printing a message naming the path
 * and the cause. Lets a caller
 * with several outputs make sure all of them are complete before it
 * renames any (atomic_commit). */
int atomic_sync(AtomicFile *af);

/* Closes and removes the temporary file; frees af. Accepts NULL. */
void atomic_abort(AtomicFile *af);

/* Long work that can stop cleanly: after this call the first SIGINT or
 * SIGTERM only sets *flag to the signal number (the program checks it at
 * safe points, writes a checkpoint and exits); a second one, or SIGHUP,
 * removes unfinished outputs and ends the process as before. */
void atomic_graceful_stop(volatile sig_atomic_t *flag);

/* A temporary folder of ours (gnuplot's work folder): until
 * atomic_dir_done, exiting or SIGINT, SIGTERM or SIGHUP removes it with
 * the files in it. Up to 8 at a time. */
void atomic_dir_register(const char *dir);
void atomic_dir_done(const char *dir);

/* A child process (gnuplot, a sweep's stage) that those signals stop
 * too (with a graceful stop, the first SIGINT or SIGTERM is passed on to
 * it); 0 = none. */
void atomic_child(pid_t pid);

/* Writes a whole string to path atomically; dies on failure. */
void atomic_write_string(const char *path, const char *text);

#endif
