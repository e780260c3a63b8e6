/* err.c — error formatting and checked plumbing wrappers. */
#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

void tlerr_input(TlError *err, const char *file, long line, const char *field,
                 const char *fmt, ...)
{
    size_t off = 0, cap = sizeof err->msg;
    int k;
    if (line > 0)
        k = snprintf(err->msg, cap, "%s:%ld: ", file ? file : "<input>", line);
    else
        k = snprintf(err->msg, cap, "%s: ", file ? file : "<input>");
    off = k > 0 && (size_t)k < cap ? (size_t)k : cap - 1;
    if (field && off < cap) {
        k = snprintf(err->msg + off, cap - off, "%s: ", field);
        off += k > 0 && (size_t)k < cap - off ? (size_t)k : cap - off - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    if (off < cap)
        vsnprintf(err->msg + off, cap - off, fmt, ap);
    va_end(ap);
}

void tlerr_set(TlError *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void (*tl_exit_hook)(int code);

void tl_die(int code, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("tldrlab: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (tl_exit_hook)
        tl_exit_hook(code);
    exit(code);
}

static void oom(size_t n, const char *src, int line)
{
    tl_die(TL_EXIT_RUNTIME, "%s:%d: out of memory allocating %zu bytes "
           "(hint: narrow the input with --split/--batch/--policy)", src, line, n);
}

void *tl_xmalloc(size_t n, const char *src, int line)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n, src, line);
    return p;
}

void *tl_xcalloc(size_t n, size_t size, const char *src, int line)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size, src, line);
    return p;
}

void *tl_xrealloc(void *p, size_t n, const char *src, int line)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n, src, line);
    return q;
}

char *tl_xstrdup(const char *s, const char *src, int line)
{
    size_t n = strlen(s) + 1;
    char *p = tl_xmalloc(n, src, line);
    memcpy(p, s, n);
    return p;
}

FILE *tl_xfopen(const char *path, const char *mode, const char *src, int line)
{
    FILE *f = fopen(path, mode);
    if (!f)
        tl_die(mode[0] == 'r' ? TL_EXIT_INPUT : TL_EXIT_RUNTIME,
               "%s: cannot open for %s: %s", path, mode[0] == 'r' ? "reading" : "writing",
               strerror(errno));
    (void)src;
    (void)line;
    return f;
}

void tl_grow(void **buf, size_t *cap, size_t need, size_t elem, const char *src, int line)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    *buf = tl_xrealloc(*buf, c * elem, src, line);
    *cap = c;
}

void tl_gsl_quiet(void)
{
    gsl_set_error_handler_off();
}
