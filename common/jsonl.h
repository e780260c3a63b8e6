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

typedef struct {
    FILE *fp;
    char *name;     /* file name for messages; "<stdin>" for "-" */
    char *buf;      /* current line (getline buffer) */
    size_t cap;
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
 * stays usable: the next call reads the next line). */
int jsonl_next(JsonlReader *r, cJSON **out, TlError *err);

/* Closes the file; accepts a zeroed reader. */
void jsonl_close(JsonlReader *r);

#endif
