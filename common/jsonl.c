/* jsonl.c — streaming JSON lines with line numbers. */
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

int jsonl_next(JsonlReader *r, cJSON **out, TlError *err)
{
    for (;;) {
        errno = 0;
        ssize_t n = getline(&r->buf, &r->cap, r->fp);
        if (n < 0) {
            if (ferror(r->fp)) {
                tlerr_input(err, r->name, r->line + 1, NULL, "read error: %s", strerror(errno));
                return -1;
            }
            return 0;
        }
        r->line++;
        r->bytes_read += n;
        size_t len = (size_t)n;
        while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r' ||
                           r->buf[len - 1] == ' ' || r->buf[len - 1] == '\t'))
            len--;
        size_t start = 0;
        while (start < len && (r->buf[start] == ' ' || r->buf[start] == '\t'))
            start++;
        if (start == len)
            continue; /* blank line */
        if (memchr(r->buf + start, '\0', len - start)) {
            tlerr_input(err, r->name, r->line, "json", "line contains a NUL byte");
            return -1;
        }
        const char *end = NULL;
        cJSON *j = cJSON_ParseWithLengthOpts(r->buf + start, len - start, &end, 0);
        if (!j) {
            char why[96];
            parse_problem(r->buf + start, len - start, start, why, sizeof why);
            tlerr_input(err, r->name, r->line, "json", "%s", why);
            return -1;
        }
        while (end && end < r->buf + len && (*end == ' ' || *end == '\t'))
            end++;
        if (end && end < r->buf + len) {
            cJSON_Delete(j);
            tlerr_input(err, r->name, r->line, "json",
                        "trailing text after the record at column %zu (one record per line)",
                        (size_t)(end - r->buf) + 1);
            return -1;
        }
        *out = j;
        return 1;
    }
}

void jsonl_close(JsonlReader *r)
{
    if (r->fp && !r->is_stdin)
        fclose(r->fp);
    free(r->buf);
    free(r->name);
    memset(r, 0, sizeof *r);
}
