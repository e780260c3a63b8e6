/* jsonl.h — a streaming JSON-lines reader on cJSON.
 *
 * Reads one line at a time (any length), skips blank lines, parses each with
 * cJSON and reports the 1-based line number, so that every error can name
 * file:line. Memory stays bounded by the longest line. */
#ifndef TL_JSONL_H
#define TL_JSONL_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/jsoncheck.h"

/* The longest line the readers take, in bytes: one line of a JSON-lines
 * file, of a JSON file, of a CSV or text input. A longer one (a file of
 * /dev/zero, a binary file) stops the reading with a message instead of
 * growing memory without end. The default, 64 MiB, is far above any real
 * record (the released ones are below 100 KiB); main sets it once from
 * $TLDRLAB_MAX_LINE, before any reading. */
#define TL_MAX_LINE_DEFAULT ((size_t)64 << 20)
void tl_set_max_line(size_t bytes);
size_t tl_max_line(void);

/* "FILE:LINE: line longer than N bytes (the limit; $TLDRLAB_MAX_LINE raises it)" */
void tl_line_too_long(TlError *err, const char *file, long line);

typedef struct {
    FILE *fp;
    char *name;     /* file name for messages; "<stdin>" for "-" */
    char *buf;      /* current line */
    size_t cap;
    char *rbuf;     /* read-ahead block */
    size_t rpos, rlen;
    int eof;
    long line;      /* line number of the last record returned */
    long long bytes_read;
    long long size; /* file size in bytes, -1 when unknown (pipes) */
    int is_stdin;
} JsonlReader;

/* Opens path ("-" = standard input). Returns 0, or -1 with err set to
 * "path: cannot open: reason". */
int jsonl_open(JsonlReader *r, const char *path, TlError *err);

/* Reads the next record. Returns 1 and sets *out (caller frees with
 * cJSON_Delete), 0 at end of file, or -1 with err set to
 * "file:line: json: problem" when the line is not valid JSON (the reader
 * stays usable: the next call reads the next line), or on a read error or
 * a line longer than tl_max_line() (then it is not). */
int jsonl_next(JsonlReader *r, cJSON **out, TlError *err);

/* A batch of raw lines for parallel parsing: blank lines are skipped;
 * each line is NUL-terminated in text, without its line ending. */
typedef struct {
    size_t start, size; /* offset and length in the batch's text */
    long line;          /* 1-based line number */
} JsonlLine;

typedef struct {
    char *text;
    size_t len, cap;
    JsonlLine *lines;   /* (n) */
    size_t n, cap_lines;
} JsonlBatch;

void jsonl_batch_init(JsonlBatch *b);
void jsonl_batch_free(JsonlBatch *b);

/* Reads the next non-blank lines into b (replacing its contents), at most
 * max_lines or about max_bytes. Returns the number of lines, 0 at end of
 * file, or -1 with err set on a read error or a line longer than
 * tl_max_line(). */
long jsonl_read_batch(JsonlReader *r, JsonlBatch *b, size_t max_lines, size_t max_bytes, TlError *err);

/* Parses one line of file (line number lineno) after json_check. Returns
 * the record (caller frees with cJSON_Delete), or NULL when it is not one
 * strict JSON value: then, if err is not NULL, err says "file:line: path:
 * at column C: problem" (path: where in the record, "json" at the top).
 *
 * Threads: json_check is thread-safe, but cJSON resets and sets a global
 * error record on every parse, so parallel calls race on that record.
 * Callers that parse in parallel pass err == NULL and parse a failed line
 * again alone to describe it; as the check has already refused anything
 * cJSON would fail on, cJSON's record is never read. */
cJSON *jsonl_parse(const char *file, long lineno, const char *text, size_t len, TlError *err);

/* Closes the file; accepts a zeroed reader. */
void jsonl_close(JsonlReader *r);

/* Writes j to fp as one line of JSON, then deletes j. Dies (exit 1) when
 * out of memory; write errors show on the stream (ferror, atomic_commit). */
void jsonl_write(FILE *fp, cJSON *j);

/* Parses a whole JSON text of len bytes (a file's contents) after
 * json_check. Returns the tree (caller frees with cJSON_Delete), or NULL
 * with err = "name:line: path: at column C: problem". */
cJSON *json_parse_text(const char *text, size_t len, const char *name, TlError *err);

/* A whole JSON file, read and checked (json_check) before cJSON parses
 * it; its text stays for messages that name a line (src). */
typedef struct {
    cJSON *json;  /* the tree (owned) */
    char *text;   /* the file's bytes, NUL-terminated (owned) */
    size_t len;
    JsonSrc src;  /* {name, text, len, ""}: for json_src_error */
} JsonFile;

/* Reads path (what: "config", "policy metadata"... for messages). Returns
 * 0, or -1 with err set: "path: cannot read the WHAT: reason", "path: is a
 * directory, expected the WHAT (a JSON file)", "path:line: line longer
 * than ...", or the check's "path:line: key.path: at column C: problem". The caller frees with
 * json_file_free, also after a failure. */
int json_file_read(JsonFile *f, const char *path, const char *what, TlError *err);
void json_file_free(JsonFile *f);

/* Formats p, found in a text whose first line is first_line of file, as
 * "file:line: path: at column C: problem" ("json" for the path at the top). */
void json_problem_error(TlError *err, const char *file, long first_line, const JsonProblem *p);

#endif
