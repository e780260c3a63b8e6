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

cJSON *json_parse_text(const char *text, size_t len, const char *name, TlError *err)
{
    return jsonl_parse(name, 1, text, len, err);
}

int json_file_read(JsonFile *f, const char *path, const char *what, TlError *err)
{
    memset(f, 0, sizeof *f);
    f->text = util_read_file(path, &f->len);
    if (!f->text) {
        if (errno == EISDIR)
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
