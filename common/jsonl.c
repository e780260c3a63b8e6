/* jsonl.c — streaming JSON lines with line numbers. */
#define _GNU_SOURCE /* memmem */
#include "common/jsonl.h"
#include "common/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int jsonl_open(JsonlReader *r, const char *path, TlError *err)
{
    memset(r, 0, sizeof *r);
    r->size = -1;
    if (strcmp(path, "-") == 0) {
        r->fp = stdin;
        r->is_stdin = 1;
        r->name = xstrdup("<stdin>");
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        tlerr_input(err, path, 0, NULL, "is a directory, expected a JSON-lines file");
        return -1;
    }
    r->fp = fopen(path, "rb");
    if (!r->fp) {
        tlerr_input(err, path, 0, NULL, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode))
        r->size = (long long)st.st_size;
    r->name = xstrdup(path);
    return 0;
}

/* Describes where cJSON stopped, as a column and a short excerpt. */
static void parse_problem(const char *line, size_t len, size_t col0, char *out, size_t cap)
{
    const char *at = cJSON_GetErrorPtr();
    if (!at || at < line || at > line + len) {
        snprintf(out, cap, "invalid JSON");
        return;
    }
    size_t col = col0 + (size_t)(at - line) + 1;
    size_t left = (size_t)(line + len - at);
    if (left == 0)
        snprintf(out, cap, "invalid JSON: unexpected end of line at column %zu", col);
    else
        snprintf(out, cap, "invalid JSON at column %zu near '%.*s'", col, (int)(left < 12 ? left : 12), at);
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

cJSON *jsonl_parse(const char *file, long lineno, const char *text, size_t len, TlError *err)
{
    size_t start = 0;
    while (start < len && (text[start] == ' ' || text[start] == '\t'))
        start++;
    if (memchr(text + start, '\0', len - start)) {
        if (err)
            tlerr_input(err, file, lineno, "json", "line contains a NUL byte");
        return NULL;
    }
    /* cJSON decodes \u0000 into a NUL that silently ends the C string:
     * "ref\u0000x" would read as "ref". Refuse it (an escaped backslash
     * before the u does not count). */
    for (const char *q = text + start; (q = memmem(q, (size_t)(text + len - q), "\\u0000", 6)); q += 6) {
        size_t bs = 0;
        for (const char *b = q; b > text && b[-1] == '\\'; b--)
            bs++;
        if (bs % 2 == 0) {
            if (err)
                tlerr_input(err, file, lineno, "json",
                            "\\u0000 (a NUL character) in a string at column %zu is not supported",
                            (size_t)(q - text) + 1);
            return NULL;
        }
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text + start, len - start, &end, 0);
    if (!j) {
        if (err) {
            char why[96];
            parse_problem(text + start, len - start, start, why, sizeof why);
            tlerr_input(err, file, lineno, "json", "%s", why);
        }
        return NULL;
    }
    while (end && end < text + len && (*end == ' ' || *end == '\t'))
        end++;
    if (end && end < text + len) {
        cJSON_Delete(j);
        if (err)
            tlerr_input(err, file, lineno, "json",
                        "trailing text after the record at column %zu (one record per line)",
                        (size_t)(end - text) + 1);
        return NULL;
    }
    return j;
}

/* Reads the next non-blank line into r->buf; returns its length without
 * the line ending, or -1 at end of file, -2 on a read error. */
static ssize_t next_line(JsonlReader *r, TlError *err)
{
    for (;;) {
        errno = 0;
        ssize_t n = getline(&r->buf, &r->cap, r->fp);
        if (n < 0) {
            if (ferror(r->fp)) {
                tlerr_input(err, r->name, r->line + 1, NULL, "read error: %s", strerror(errno));
                return -2;
            }
            return -1;
        }
        r->line++;
        r->bytes_read += n;
        size_t len = (size_t)n;
        while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r' ||
                           r->buf[len - 1] == ' ' || r->buf[len - 1] == '\t'))
            len--;
        size_t k = 0;
        while (k < len && (r->buf[k] == ' ' || r->buf[k] == '\t'))
            k++;
        if (k < len)
            return (ssize_t)len;
    }
}

int jsonl_next(JsonlReader *r, cJSON **out, TlError *err)
{
    ssize_t len = next_line(r, err);
    if (len == -1)
        return 0;
    if (len < 0)
        return -1;
    *out = jsonl_parse(r->name, r->line, r->buf, (size_t)len, err);
    return *out ? 1 : -1;
}

void jsonl_batch_init(JsonlBatch *b)
{
    memset(b, 0, sizeof *b);
}

void jsonl_batch_free(JsonlBatch *b)
{
    free(b->text);
    free(b->lines);
    memset(b, 0, sizeof *b);
}

long jsonl_read_batch(JsonlReader *r, JsonlBatch *b, size_t max_lines, size_t max_bytes, TlError *err)
{
    b->n = 0;
    b->len = 0;
    while (b->n < max_lines && b->len < max_bytes) {
        ssize_t len = next_line(r, err);
        if (len == -2)
            return -1;
        if (len == -1)
            break;
        GROW(b->lines, b->cap_lines, b->n + 1);
        GROW(b->text, b->cap, b->len + (size_t)len + 1);
        memcpy(b->text + b->len, r->buf, (size_t)len);
        b->text[b->len + (size_t)len] = '\0';
        b->lines[b->n] = (JsonlLine){b->len, (size_t)len, r->line};
        b->len += (size_t)len + 1;
        b->n++;
    }
    return (long)b->n;
}

void jsonl_close(JsonlReader *r)
{
    if (r->fp && !r->is_stdin)
        fclose(r->fp);
    free(r->buf);
    free(r->name);
    memset(r, 0, sizeof *r);
}

void jsonl_write(FILE *fp, cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!s)
        tl_die(TL_EXIT_RUNTIME, "out of memory printing a JSON record");
    fputs(s, fp);
    fputc('\n', fp);
    free(s);
}

cJSON *json_parse_text(const char *text, const char *name, TlError *err)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(text, &end, 1);
    if (!j) {
        long line = 1;
        for (const char *p = text; end && p < end; p++)
            line += *p == '\n';
        tlerr_input(err, name, line, "json", "not valid JSON near here");
    }
    return j;
}
