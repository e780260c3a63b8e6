/* err.h — the two tiers of errors (STYLE.md rule 3).
 *
 * Plumbing (allocate, open, write) goes through checked wrappers that print
 * the source location and a hint, then exit 1. Library code never exits: it
 * fills a TlError and returns a status. User-input errors are formatted as
 *   file:line: field: problem
 * and make the command exit TL_EXIT_INPUT (2). */
#ifndef TL_ERR_H
#define TL_ERR_H

#include <stddef.h>
#include <stdio.h>

enum {
    TL_EXIT_OK = 0,
    TL_EXIT_RUNTIME = 1, /* I/O failure, out of memory, internal error */
    TL_EXIT_INPUT = 2    /* bad input data or bad usage */
};

/* One error message, already formatted for the user. */
typedef struct {
    char msg[1024];
} TlError;

/* Formats "file:line: field: problem" into err. line <= 0 omits the line
 * (for whole-file problems), field NULL omits the field. */
void tlerr_input(TlError *err, const char *file, long line, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Formats a free-form message into err. */
void tlerr_set(TlError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a message prefixed "tldrlab: " to stderr and exits with code. */
void tl_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* Called by tl_die with its code before it exits (may be NULL): under MPI,
 * common/tlmpi.c aborts the job there rather than leave the other ranks
 * waiting. */
extern void (*tl_exit_hook)(int code);

/* Checked plumbing. On failure they print "tldrlab: <src>:<line>: ..." with
 * a hint and exit 1; they never return NULL. */
void *tl_xmalloc(size_t n, const char *src, int line);
void *tl_xcalloc(size_t n, size_t size, const char *src, int line);
void *tl_xrealloc(void *p, size_t n, const char *src, int line);
char *tl_xstrdup(const char *s, const char *src, int line);
FILE *tl_xfopen(const char *path, const char *mode, const char *src, int line);

#define xmalloc(n) tl_xmalloc((n), __FILE__, __LINE__)
#define xcalloc(n, s) tl_xcalloc((n), (s), __FILE__, __LINE__)
#define xrealloc(p, n) tl_xrealloc((p), (n), __FILE__, __LINE__)
#define xstrdup(s) tl_xstrdup((s), __FILE__, __LINE__)
#define xfopen(p, m) tl_xfopen((p), (m), __FILE__, __LINE__)

/* Grows *buf (element size elem) so that it holds at least need elements;
 * *cap is updated. Doubling keeps appends amortised O(1). */
void tl_grow(void **buf, size_t *cap, size_t need, size_t elem, const char *src, int line);
#define GROW(buf, cap, need) \
    tl_grow((void **)&(buf), &(cap), (need), sizeof(*(buf)), __FILE__, __LINE__)

/* Turns GSL's aborting error handler off; call once at start-up. Every GSL
 * status is then checked by the caller. */
void tl_gsl_quiet(void);

#endif
