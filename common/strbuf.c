/* strbuf.c — growable strings. */
#include "common/strbuf.h"
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(StrBuf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
}

void sb_free(StrBuf *b)
{
    free(b->s);
    sb_init(b);
}

void sb_clear(StrBuf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void sb_addn(StrBuf *b, const char *s, size_t n)
{
    GROW(b->s, b->cap, b->len + n + 1);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_add(StrBuf *b, const char *s)
{
    sb_addn(b, s, strlen(s));
}

void sb_vprintf(StrBuf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return;
    GROW(b->s, b->cap, b->len + (size_t)n + 1);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sb_printf(StrBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *sb_str(const StrBuf *b)
{
    return b->s ? b->s : "";
}
