/* jsoncheck.c — the strict RFC 8259 check (one pass, no tree) and the key
 * path -> line map. */
#include "common/jsoncheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- the check ---- */

#define NO_KEY SIZE_MAX
#define LINEAR_KEYS 32 /* wider objects are checked for duplicates by sorting, when they close */

typedef struct {
    char kind;        /* '{' or '[' */
    long index;       /* array: the current item */
    size_t key, klen; /* object: the current member's key, raw, inside its quotes (klen NO_KEY: none yet) */
    size_t keys0;     /* object: its first key in Ck.keys */
} Frame;

typedef struct {
    size_t off, len; /* a key's raw bytes inside its quotes */
} Span;

typedef struct {
    const unsigned char *s;
    size_t n;
    Frame *fr, fr_local[32];
    size_t nfr, capfr;
    Span *keys, keys_local[64];
    size_t nkeys, capkeys;
    JsonProblem *p;
} Ck;

static void build_path(const Ck *c, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t k = 0; k < c->nfr && o + 1 < cap; k++) {
        const Frame *f = &c->fr[k];
        int w;
        if (f->kind == '[')
            w = snprintf(out + o, cap - o, "[%ld]", f->index);
        else if (f->klen != NO_KEY)
            w = snprintf(out + o, cap - o, "%s%.*s", o ? "." : "", (int)(f->klen < 120 ? f->klen : 120),
                         (const char *)c->s + f->key);
        else
            w = 0;
        if (w < 0)
            break;
        o += (size_t)w < cap - o ? (size_t)w : cap - o - 1;
    }
}

static void line_col(const Ck *c, size_t off, long *line, long *col)
{
    size_t bol = 0;
    *line = 1;
    for (size_t i = 0; i < off && i < c->n; i++)
        if (c->s[i] == '\n') {
            ++*line;
            bol = i + 1;
        }
    *col = (long)(off - bol) + 1;
}

/* "line L, column C", or "column C" in a text of one line (a JSON-lines record). */
static void where(const Ck *c, size_t off, char *buf, size_t cap)
{
    long line, col;
    line_col(c, off, &line, &col);
    if (memchr(c->s, '\n', c->n))
        snprintf(buf, cap, "line %ld, column %ld", line, col);
    else
        snprintf(buf, cap, "column %ld", col);
}

static int fail(Ck *c, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(Ck *c, size_t off, const char *fmt, ...)
{
    JsonProblem *p = c->p;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->problem, sizeof p->problem, fmt, ap);
    va_end(ap);
    p->offset = off;
    line_col(c, off, &p->line, &p->col);
    build_path(c, p->path, sizeof p->path);
    return -1;
}

/* Up to 4 printable bytes at s, for messages (a quote only first). */
static void printable(const unsigned char *s, size_t n, char *out)
{
    size_t k = 0;
    while (k < 4 && k < n && s[k] >= 0x21 && s[k] < 0x7f && (k == 0 || s[k] != '"'))
        out[k] = (char)s[k], k++;
    out[k] = '\0';
}

static size_t ws(const Ck *c, size_t i)
{
    while (i < c->n && (c->s[i] == ' ' || c->s[i] == '\n' || c->s[i] == '\r' || c->s[i] == '\t'))
        i++;
    return i;
}

static long hex4(const unsigned char *s, size_t n)
{
    if (n < 4)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned h = s[k];
        int d = h >= '0' && h <= '9' ? (int)h - '0' : h >= 'a' && h <= 'f' ? (int)h - 'a' + 10
              : h >= 'A' && h <= 'F' ? (int)h - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Length of the valid UTF-8 sequence of 2-4 bytes at s, or 0 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* The first byte at or after i (i < n) that a string scan must look at: a
 * quote, a backslash, a control byte (< 0x20) or a non-ASCII one (>= 0x80);
 * n when none. Plain ASCII goes 16 bytes at a time with SSE2 (8 with the
 * portable word trick otherwise): the check must cost little beside cJSON
 * on 67 MB files of mostly short strings. */
static inline size_t next_special(const unsigned char *s, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* signed compare: bytes 0x80-0xFF are negative, so below 0x20 too */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
#else
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        /* (x - 1) & ~x & 0x80 per byte: exact as to whether some byte is 0 */
        if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) & high)
            break;
    }
#endif
    while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
        i++;
    return i;
}

/* A string at *pos (its opening quote); *pos moves past the closing one. */
static int scan_string(Ck *c, size_t *pos)
{
    const unsigned char *s = c->s;
    size_t i = *pos + 1, n = c->n;
    for (;;) {
        i = next_special(s, i, n);
        if (i >= n)
            return fail(c, *pos, "a string without its closing quote");
        unsigned ch = s[i];
        if (ch == '"') {
            *pos = i + 1;
            return 0;
        }
        if (ch == '\\') {
            unsigned e = i + 1 < n ? s[i + 1] : 0;
            if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                i += 2;
                continue;
            }
            char got[5];
            if (e != 'u') {
                printable(s + i + 1, i + 1 < n ? 1 : 0, got);
                return fail(c, i, "invalid escape '\\%s' in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                                  "and \\u with four hex digits)", got);
            }
            long u = hex4(s + i + 2, n - i - 2);
            if (u < 0) {
                printable(s + i + 2, n - i - 2, got);
                return fail(c, i, "invalid escape '\\u%s' in a string (\\u takes four hex digits)", got);
            }
            if (u == 0)
                return fail(c, i, "\\u0000 (a NUL character) in a string is not supported");
            if (u >= 0xDC00 && u <= 0xDFFF)
                return fail(c, i, "\\u%04lX in a string: a low surrogate without a high one before it", u);
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = i + 7 < n && s[i + 6] == '\\' && s[i + 7] == 'u' ? hex4(s + i + 8, n - i - 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(c, i, "\\u%04lX in a string: a high surrogate without a low one after it", u);
                i += 12;
                continue;
            }
            i += 6;
            continue;
        }
        if (ch < 0x20)
            return fail(c, i, "a control character (byte 0x%02X) in a string must be written as an escape", ch);
        size_t k = utf8_len(s + i, n - i);
        if (!k)
            return fail(c, i, "invalid UTF-8 in a string (byte 0x%02X)", ch);
        i += k;
    }
}

static int is_digit(const Ck *c, size_t i)
{
    return i < c->n && c->s[i] >= '0' && c->s[i] <= '9';
}

/* A number at *pos: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(Ck *c, size_t *pos)
{
    size_t i = *pos, n = c->n;
    char txt[24];
    size_t k = 0;
    while (k + 1 < sizeof txt && i + k < n && strchr("0123456789+-.eE", c->s[i + k]) && c->s[i + k])
        txt[k] = (char)c->s[i + k], k++;
    txt[k] = '\0';
    if (c->s[i] == '-')
        i++;
    if (!is_digit(c, i))
        return fail(c, *pos, "number '%s': a digit must follow the minus sign", txt);
    if (c->s[i] == '0') {
        i++;
        if (is_digit(c, i))
            return fail(c, *pos, "number '%s': a leading zero (JSON numbers are 0 or start with 1-9)", txt);
    } else {
        while (is_digit(c, i))
            i++;
    }
    if (i < n && c->s[i] == '.') {
        i++;
        if (!is_digit(c, i))
            return fail(c, *pos, "number '%s': a digit must follow the decimal point", txt);
        while (is_digit(c, i))
            i++;
    }
    if (i < n && (c->s[i] == 'e' || c->s[i] == 'E')) {
        i++;
        if (i < n && (c->s[i] == '+' || c->s[i] == '-'))
            i++;
        if (!is_digit(c, i))
            return fail(c, *pos, "number '%s': the exponent has no digits", txt);
        while (is_digit(c, i))
            i++;
    }
    *pos = i;
    return 0;
}

/* A key's text after unescaping (a key json_check accepted); out holds at
 * least n bytes (unescaping never lengthens). Returns its length. */
static size_t unescape(const unsigned char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = (char)s[i++];
            continue;
        }
        unsigned e = s[i + 1];
        if (e != 'u') {
            out[o++] = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : (char)e;
            i += 2;
            continue;
        }
        unsigned long u = (unsigned long)hex4(s + i + 2, 4);
        i += 6;
        if (u >= 0xD800 && u <= 0xDBFF) {
            u = 0x10000 + ((u - 0xD800) << 10) + ((unsigned long)hex4(s + i + 2, 4) - 0xDC00);
            i += 6;
        }
        if (u < 0x80) {
            out[o++] = (char)u;
        } else if (u < 0x800) {
            out[o++] = (char)(0xC0 | (u >> 6));
            out[o++] = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            out[o++] = (char)(0xE0 | (u >> 12));
            out[o++] = (char)(0x80 | ((u >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (u & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (u >> 18));
            out[o++] = (char)(0x80 | ((u >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((u >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (u & 0x3F));
        }
    }
    return o;
}

static int key_equal(const Ck *c, Span a, Span b)
{
    if (a.len == b.len && memcmp(c->s + a.off, c->s + b.off, a.len) == 0)
        return 1;
    if (!memchr(c->s + a.off, '\\', a.len) && !memchr(c->s + b.off, '\\', b.len))
        return 0;
    char *x = xmalloc(a.len + b.len + 2), *y = x + a.len + 1;
    size_t nx = unescape(c->s + a.off, a.len, x), ny = unescape(c->s + b.off, b.len, y);
    int eq = nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    return eq;
}

static void *grow_local(void *buf, void *local, size_t *cap, size_t elem)
{
    size_t nc = *cap * 2;
    void *nb;
    if (buf == local) {
        nb = xmalloc(nc * elem);
        memcpy(nb, buf, *cap * elem);
    } else {
        nb = xrealloc(buf, nc * elem);
    }
    *cap = nc;
    return nb;
}

/* A wide object's keys, unescaped, for sorting. */
typedef struct {
    const char *s;
    size_t len, off;
} KeyText;

static int keytext_cmp(const void *a, const void *b)
{
    const KeyText *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->s, y->s, m);
    if (r)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* Duplicates among the keys of a wide object (more than LINEAR_KEYS), when
 * it closes: sorted, so the cost stays n log n. */
static int check_wide_object(Ck *c, Frame *f)
{
    size_t n = c->nkeys - f->keys0, total = 0;
    for (size_t k = 0; k < n; k++)
        total += c->keys[f->keys0 + k].len;
    KeyText *kt = xmalloc(n * sizeof *kt);
    char *buf = xmalloc(total + 1), *w = buf;
    for (size_t k = 0; k < n; k++) {
        Span sp = c->keys[f->keys0 + k];
        kt[k].s = w;
        kt[k].len = unescape(c->s + sp.off, sp.len, w);
        kt[k].off = sp.off;
        w += kt[k].len;
    }
    qsort(kt, n, sizeof *kt, keytext_cmp);
    int rc = 0;
    for (size_t k = 1; k < n && rc == 0; k++)
        if (kt[k].len == kt[k - 1].len && memcmp(kt[k].s, kt[k - 1].s, kt[k].len) == 0) {
            for (size_t q = f->keys0; q < c->nkeys; q++)
                if (c->keys[q].off == kt[k].off) {
                    f->key = c->keys[q].off;
                    f->klen = c->keys[q].len;
                }
            char at[64];
            where(c, kt[k - 1].off - 1, at, sizeof at);
            rc = fail(c, kt[k].off - 1, "duplicate key (also at %s)", at);
        }
    free(buf);
    free(kt);
    return rc;
}

/* An object member's key and colon at *pos; *pos moves to its value. */
static int scan_key(Ck *c, size_t *pos)
{
    Frame *f = &c->fr[c->nfr - 1];
    size_t i = *pos;
    if (i >= c->n || c->s[i] != '"') {
        char got[5];
        printable(c->s + i, i < c->n ? 1 : 0, got);
        return i >= c->n ? fail(c, i, "unexpected end: expected a key in double quotes")
                         : fail(c, i, "expected a key in double quotes, got '%s'", got);
    }
    f->klen = NO_KEY; /* an error in the key is not in the member before it */
    if (scan_string(c, &i) != 0)
        return -1;
    Span k = {*pos + 1, i - *pos - 2};
    f->key = k.off;
    f->klen = k.len;
    size_t have = c->nkeys - f->keys0;
    if (have < LINEAR_KEYS)
        for (size_t q = f->keys0; q < c->nkeys; q++)
            if (key_equal(c, c->keys[q], k)) {
                char at[64];
                where(c, c->keys[q].off - 1, at, sizeof at);
                return fail(c, *pos, "duplicate key (first at %s)", at);
            }
    if (c->nkeys == c->capkeys)
        c->keys = grow_local(c->keys, c->keys_local, &c->capkeys, sizeof *c->keys);
    c->keys[c->nkeys++] = k;
    i = ws(c, i);
    if (i >= c->n || c->s[i] != ':')
        return fail(c, i, "expected ':' after the key");
    *pos = ws(c, i + 1);
    return 0;
}

static int push(Ck *c, char kind, size_t at)
{
    if (c->nfr == JSON_MAX_DEPTH)
        return fail(c, at, "nested deeper than %d levels", JSON_MAX_DEPTH);
    if (c->nfr == c->capfr)
        c->fr = grow_local(c->fr, c->fr_local, &c->capfr, sizeof *c->fr);
    c->fr[c->nfr++] = (Frame){kind, 0, 0, NO_KEY, c->nkeys};
    return 0;
}

int json_check(const char *text, size_t len, JsonProblem *p)
{
    Ck c;
    c.s = (const unsigned char *)text;
    c.n = len;
    c.fr = c.fr_local;
    c.capfr = sizeof c.fr_local / sizeof c.fr_local[0];
    c.nfr = 0;
    c.keys = c.keys_local;
    c.capkeys = sizeof c.keys_local / sizeof c.keys_local[0];
    c.nkeys = 0;
    c.p = p;
    const unsigned char *s = c.s;
    int rc = -1;
    size_t i = ws(&c, 0);
    for (;;) {
        /* a value starts at i */
        if (i >= len) {
            fail(&c, i, "unexpected end: expected a value");
            goto done;
        }
        switch (s[i]) {
        case '{':
        case '[':
            if (push(&c, (char)s[i], i) != 0)
                goto done;
            i = ws(&c, i + 1);
            if (i < len && s[i] == (c.fr[c.nfr - 1].kind == '{' ? '}' : ']')) {
                c.nfr--;
                i++;
                break;
            }
            if (c.fr[c.nfr - 1].kind == '{' && scan_key(&c, &i) != 0)
                goto done;
            continue;
        case '"':
            if (scan_string(&c, &i) != 0)
                goto done;
            break;
        case 't':
        case 'f':
        case 'n': {
            const char *lit = s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null";
            size_t k = strlen(lit);
            if (len - i < k || memcmp(s + i, lit, k) != 0) {
                char got[5];
                printable(s + i, len - i, got);
                fail(&c, i, "expected a value (string, number, object, array, true, false or null), got '%s'", got);
                goto done;
            }
            i += k;
            break;
        }
        default:
            if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
                if (scan_number(&c, &i) != 0)
                    goto done;
                break;
            }
            char got[5];
            printable(s + i, 1, got);
            if (*got)
                fail(&c, i, "expected a value (string, number, object, array, true, false or null), got '%s'", got);
            else
                fail(&c, i, "expected a value (string, number, object, array, true, false or null), got byte 0x%02X",
                     s[i]);
            goto done;
        }
        /* after a value: a comma, or the end of its container(s) */
        for (;;) {
            i = ws(&c, i);
            if (c.nfr == 0)
                goto end;
            Frame *f = &c.fr[c.nfr - 1];
            char close = f->kind == '{' ? '}' : ']';
            if (i >= len) {
                fail(&c, i, "unexpected end: expected ',' or '%c'", close);
                goto done;
            }
            if (s[i] == ',') {
                i = ws(&c, i + 1);
                if (f->kind == '[')
                    f->index++;
                else if (scan_key(&c, &i) != 0)
                    goto done;
                break;
            }
            if (s[i] != (unsigned char)close) {
                char got[5];
                printable(s + i, 1, got);
                if (*got)
                    fail(&c, i, "expected ',' or '%c' after a value, got '%s'", close, got);
                else
                    fail(&c, i, "expected ',' or '%c' after a value, got byte 0x%02X", close, s[i]);
                goto done;
            }
            if (f->kind == '{') {
                if (c.nkeys - f->keys0 > LINEAR_KEYS && check_wide_object(&c, f) != 0)
                    goto done;
                c.nkeys = f->keys0;
            }
            c.nfr--;
            i++;
        }
    }
end:
    if (i < len) {
        fail(&c, i, "text after the end of the JSON value");
        goto done;
    }
    rc = 0;
done:
    if (c.fr != c.fr_local)
        free(c.fr);
    if (c.keys != c.keys_local)
        free(c.keys);
    return rc;
}

/* ---- key path -> line ---- */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    return i;
}

static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i < n ? i + 1 : n;
}

static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == '"')
        return skip_string(s, n, i);
    if (i < n && (s[i] == '{' || s[i] == '[')) {
        long depth = 0;
        for (; i < n; i++) {
            if (s[i] == '"') {
                i = skip_string(s, n, i) - 1;
            } else if (s[i] == '{' || s[i] == '[') {
                depth++;
            } else if (s[i] == '}' || s[i] == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return n;
    }
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' && s[i] != '\r' &&
           s[i] != '\t')
        i++;
    return i;
}

long json_path_line(const char *text, size_t len, const char *path)
{
    const char *s = text;
    size_t n = len, i = skip_ws(s, n, 0), at = i;
    const char *p = path ? path : "";
    while (*p && i < n) {
        if (*p == '.') {
            p++;
            continue;
        }
        if (*p == '[') {
            char *end;
            long k = strtol(p + 1, &end, 10);
            if (*end != ']' || k < 0 || s[i] != '[')
                break;
            p = end + 1;
            i = skip_ws(s, n, i + 1);
            for (long q = 0; q < k && i < n && s[i] != ']'; q++) {
                i = skip_ws(s, n, skip_value(s, n, i));
                if (i < n && s[i] == ',')
                    i = skip_ws(s, n, i + 1);
            }
            if (i >= n || s[i] == ']')
                break;
            at = i;
            continue;
        }
        if (s[i] != '{')
            break;
        /* the member whose key is the longest prefix of p that ends a component */
        size_t plen = strlen(p), best = 0, best_key = 0, best_val = 0;
        i = skip_ws(s, n, i + 1);
        while (i < n && s[i] == '"') {
            size_t k0 = i, ke = skip_string(s, n, i);
            size_t raw = ke - k0 - 2;
            char small[256];
            const char *key = s + k0 + 1;
            size_t klen = raw;
            if (memchr(key, '\\', raw) && raw < sizeof small) {
                klen = unescape((const unsigned char *)key, raw, small);
                key = small;
            }
            if (klen > best && klen <= plen && memcmp(p, key, klen) == 0 &&
                (p[klen] == '\0' || p[klen] == '.' || p[klen] == '[')) {
                best = klen;
                best_key = k0;
                best_val = skip_ws(s, n, skip_ws(s, n, ke) + 1);
            }
            i = skip_ws(s, n, ke);
            i = skip_ws(s, n, i + 1); /* past ':' */
            i = skip_ws(s, n, skip_value(s, n, i));
            if (i < n && s[i] == ',')
                i = skip_ws(s, n, i + 1);
            else
                break;
        }
        if (!best)
            break;
        at = best_key;
        i = best_val;
        p += best;
    }
    long line = 1;
    for (size_t q = 0; q < at && q < n; q++)
        line += s[q] == '\n';
    return line;
}

void json_path_join(char *buf, size_t cap, const char *base, const char *path)
{
    base = base ? base : "";
    path = path ? path : "";
    snprintf(buf, cap, "%s%s%s", base, *base && *path && *path != '[' ? "." : "", path);
}

void json_src_error(TlError *err, const JsonSrc *src, const char *path, const char *fmt, ...)
{
    char full[400], msg[768];
    json_path_join(full, sizeof full, src->base, path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long line = src->text ? json_path_line(src->text, src->len, full) : 0;
    tlerr_input(err, src->name, line, *full ? full : NULL, "%s", msg);
}
