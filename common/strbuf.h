/* strbuf.h — a growable string. */
#ifndef TL_STRBUF_H
#define TL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *s;     /* always NUL-terminated once anything was added */
    size_t len, cap;
} StrBuf;

void sb_init(StrBuf *b);
void sb_free(StrBuf *b);
void sb_clear(StrBuf *b);
void sb_add(StrBuf *b, const char *s);
void sb_addn(StrBuf *b, const char *s, size_t n);
void sb_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *b, const char *fmt, va_list ap);
/* The contents ("" when empty); borrowed. */
const char *sb_str(const StrBuf *b);

#endif
