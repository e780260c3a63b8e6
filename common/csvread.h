/* csvread.h — reading a CSV file through libcsv, record by record, with
 * the readers' line cap (tl_max_line) and messages that name file:N, N
 * counting CSV records (a header is record 1).
 *
 * The caller's callbacks see each field and record as libcsv gives them
 * (CSV_APPEND_NULL: fields end in '\0'); they count the records they have
 * completed and raise a stop flag, with the error filled in, on the first
 * problem, and the reading stops there. */
#ifndef TL_CSVREAD_H
#define TL_CSVREAD_H

#include <stddef.h>

#include "common/err.h"

/* Reads the file at path through on_field and on_record (with data).
 * *records is the callbacks' count of completed records and *stop their
 * flag; both are read between blocks. Returns 0, or -1 when *stop was
 * raised (err as the callbacks set it) or with err "path:N: ..." when the
 * file cannot be opened or read, libcsv finds malformed CSV, or a record
 * runs past tl_max_line(). Empty files are the caller's to refuse. */
int csvread_file(const char *path, void (*on_field)(void *, size_t, void *), void (*on_record)(int, void *),
                 void *data, const long *records, const int *stop, TlError *err);

#endif
