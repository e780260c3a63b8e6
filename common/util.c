/* util.c — strict number parsing, hashing, text measures, paths. */
#include "common/util.h"
#include "common/err.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int util_parse_double(const char *s, double *out)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int util_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int util_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

uint64_t util_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Length in bytes of the whitespace character at s, or 0. Whitespace is
 * what Python's str.isspace() accepts, so counts match str.split(): ASCII
 * \t\n\v\f\r and space, \x1c-\x1f, U+0085, U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000. */
static size_t space_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f))
        return 1;
    if (c == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (c == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3; /* U+1680 */
    if (c == 0xE2 && s[1] == 0x80 && s[2] && ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 ||
                                               s[2] == 0xA9 || s[2] == 0xAF))
        return 3; /* U+2000-U+200A, U+2028, U+2029, U+202F */
    if (c == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3; /* U+205F */
    if (c == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3; /* U+3000 */
    return 0;
}

void util_text_measure(const char *str, TextMeasure *m)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t words = 0, chars = 0, trailing = 0; /* trailing: whitespace characters at the end */
    int in_word = 0, started = 0;
    uint64_t h = UTIL_FNV_INIT;
    while (*s) {
        unsigned c = *s;
        size_t k;
        /* ASCII fast path: one byte, whitespace or not. */
        if (c < 0x80) {
            int sp = c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
            k = 1;
            h = (h ^ c) * 0x100000001b3ULL;
            if (sp) {
                in_word = 0;
                if (started) {
                    chars++;
                    trailing++;
                }
            } else {
                words += !in_word;
                in_word = started = 1;
                chars++;
                trailing = 0;
            }
            s += k;
            continue;
        }
        k = space_len(s);
        if (k) {
            in_word = 0;
            if (started) {
                chars++;
                trailing++;
            }
        } else {
            words += !in_word;
            in_word = started = 1;
            trailing = 0;
            k = 1;
            if ((c & 0xC0) != 0x80)
                chars++;
        }
        for (size_t i = 0; i < k; i++)
            h = (h ^ s[i]) * 0x100000001b3ULL;
        s += k;
    }
    m->words = words;
    m->chars = chars - trailing;
    m->hash = h;
    m->bytes = (size_t)((const char *)s - str);
}

int util_mkdir_p(const char *dir)
{
    char *p = xstrdup(dir);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *q = '/';
    }
    int rc = 0;
    if (mkdir(p, 0777) != 0) {
        struct stat st;
        if (errno != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            if (errno == EEXIST)
                errno = ENOTDIR;
            rc = -1;
        }
    }
    free(p);
    return rc;
}

char *util_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = xmalloc(a + b + 2);
    memcpy(p, dir, a);
    size_t k = a;
    if (a > 0 && dir[a - 1] != '/')
        p[k++] = '/';
    memcpy(p + k, name, b + 1);
    return p;
}

double util_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void util_format_double(double v, char *buf, size_t cap)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void util_temp_template(char *buf, size_t cap, const char *prefix)
{
    int k = snprintf(buf, cap, "%s", prefix);
    size_t n = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
    for (int i = 0; i < 6 && n + 1 < cap; i++)
        buf[n++] = 'X'; /* six of them, for mkstemp to replace */
    buf[n] = '\0';
}

int util_in_csv_list(const char *list, const char *s)
{
    size_t n = strlen(s);
    const char *p = list;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && memcmp(p, s, n) == 0)
            return 1;
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

char *util_read_text(const char *path, size_t *len, size_t max_line, long *long_line)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return NULL;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0, bol = 0; /* bol: where the current line starts */
    long line = 1;
    int saved = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        for (const char *p = buf + n, *e = buf + n + got; (p = memchr(p, '\n', (size_t)(e - p))); p++) {
            if ((size_t)(p - buf) - bol > max_line)
                break;
            bol = (size_t)(p - buf) + 1;
            line++;
        }
        n += got;
        if (n - bol > max_line) {
            free(buf);
            buf = NULL;
            saved = EFBIG;
            if (long_line)
                *long_line = line;
            break;
        }
        if (n + 1 < cap) {
            if (ferror(fp)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (!saved)
        saved = errno;
    fclose(fp);
    if (!buf) {
        errno = saved ? saved : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *util_read_file(const char *path, size_t *len)
{
    return util_read_text(path, len, SIZE_MAX, NULL);
}

size_t util_utf8_clean(char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t r = 0, w = 0;
    while (r < n) {
        unsigned c = u[r];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && r + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (u[r + k] & 0xC0) == 0x80;
        if (ok && len > 1) { /* no overlong forms, surrogates or code points above U+10FFFF */
            unsigned cp = len == 2 ? ((c & 0x1F) << 6) | (u[r + 1] & 0x3F)
                        : len == 3 ? ((c & 0x0F) << 12) | ((u[r + 1] & 0x3F) << 6) | (u[r + 2] & 0x3F)
                                   : ((c & 0x07) << 18) | ((u[r + 1] & 0x3F) << 12) | ((u[r + 2] & 0x3F) << 6) |
                                         (u[r + 3] & 0x3F);
            ok = !(len == 2 && cp < 0x80) && !(len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) &&
                 !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF));
        }
        if (!ok) {
            r++; /* drop one byte and look again */
            continue;
        }
        memmove(s + w, s + r, len);
        w += len;
        r += len;
    }
    return w;
}

int util_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    int rc = 0, saved = 0;
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        char sub[4096];
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub &&
                util_remove_tree(sub) != 0 && rc == 0) {
                rc = -1;
                saved = errno;
            }
        closedir(d);
    }
    if (rmdir(path) != 0 && rc == 0)
        return -1;
    errno = rc ? saved : errno;
    return rc;
}
