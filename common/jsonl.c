/* jsonl.c — streaming JSON lines with line numbers. */
#include "common/jsonl.h"
#include "common/err.h"
#include "common/util.h"

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

void json_problem_error(TlError *err, const char *file, long first_line, const JsonProblem *p)
{
    tlerr_input(err, file, first_line + p->line - 1, *p->path ? p->path : "json", "at column %ld: %s", p->col,
                p->problem);
}

cJSON *jsonl_parse(const char *file, long lineno, const char *text, size_t len, TlError *err)
{
    JsonProblem p;
    if (json_check(text, len, &p) != 0) {
        if (err)
            json_problem_error(err, file, lineno, &p);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j && err) /* the text is valid: only memory can fail */
        tlerr_input(err, file, lineno, "json", "could not be parsed (out of memory?)");
    return j;
}

static size_t max_line = TL_MAX_LINE_DEFAULT;

void tl_set_max_line(size_t bytes)
{
    max_line = bytes;
}

size_t tl_max_line(void)
{
    return max_line;
}

void tl_line_too_long(TlError *err, const char *file, long line)
{
    tlerr_input(err, file, line, NULL, "line longer than %zu bytes (the limit; $TLDRLAB_MAX_LINE raises it)",
                max_line);
}

#define READ_BLOCK ((size_t)1 << 16)

/* Reads one line into r->buf without its '\n'; returns its length, -1 at
 * end of file, -2 on a read error or a line longer than max_line (err
 * set). Reads in blocks, so that memory stays bounded by the longest line
 * allowed, whatever the file. */
static ssize_t read_line(JsonlReader *r, TlError *err)
{
    size_t n = 0;
    int any = 0;
    for (;;) {
        if (r->rpos == r->rlen) {
            if (r->eof)
                break;
            if (!r->rbuf)
                r->rbuf = xmalloc(READ_BLOCK);
            errno = 0;
            size_t k = fread(r->rbuf, 1, READ_BLOCK, r->fp);
            if (k == 0) {
                if (ferror(r->fp)) {
                    tlerr_input(err, r->name, r->line + 1, NULL, "read error: %s", strerror(errno));
                    return -2;
                }
                r->eof = 1;
                break;
            }
            r->rpos = 0;
            r->rlen = k;
        }
        any = 1;
        const char *s = r->rbuf + r->rpos;
        size_t avail = r->rlen - r->rpos;
        const char *nl = memchr(s, '\n', avail);
        size_t take = nl ? (size_t)(nl - s) : avail;
        if (n + take > max_line) {
            tl_line_too_long(err, r->name, r->line + 1);
            return -2;
        }
        GROW(r->buf, r->cap, n + take + 1);
        memcpy(r->buf + n, s, take);
        n += take;
        r->rpos += take + (nl != NULL);
        r->bytes_read += (long long)(take + (nl != NULL));
        if (nl)
            break;
    }
    if (!any)
        return -1;
    r->buf[n] = '\0';
    return (ssize_t)n;
}

/* Reads the next non-blank line into r->buf; returns its length without
 * the line ending, or -1 at end of file, -2 on a read error or a line too
 * long. */
static ssize_t next_line(JsonlReader *r, TlError *err)
{
    for (;;) {
        ssize_t n = read_line(r, err);
        if (n < 0)
            return n;
        r->line++;
        size_t len = (size_t)n;
        while (len > 0 && (r->buf[len - 1] == '\r' || r->buf[len - 1] == ' ' || r->buf[len - 1] == '\t'))
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
    free(r->rbuf);
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

cJSON *json_parse_text(const char *text, size_t len, const char *name, TlError *err)
{
    return jsonl_parse(name, 1, text, len, err);
}

int json_file_read(JsonFile *f, const char *path, const char *what, TlError *err)
{
    memset(f, 0, sizeof *f);
    long long_line;
    f->text = util_read_text(path, &f->len, max_line, &long_line);
    if (!f->text) {
        if (errno == EFBIG)
            tl_line_too_long(err, path, long_line);
        else if (errno == EISDIR)
            tlerr_input(err, path, 0, NULL, "is a directory, expected the %s (a JSON file)", what);
        else
            tlerr_input(err, path, 0, NULL, "cannot read the %s: %s", what, strerror(errno));
        return -1;
    }
    f->json = json_parse_text(f->text, f->len, path, err);
    f->src = (JsonSrc){path, f->text, f->len, ""};
    return f->json ? 0 : -1;
}

void json_file_free(JsonFile *f)
{
    cJSON_Delete(f->json);
    free(f->text);
    memset(f, 0, sizeof *f);
}
