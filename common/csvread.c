/* csvread.c — a CSV file through libcsv, in blocks, with the line cap. */
#include "common/csvread.h"
#include "common/jsonl.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int csvread_file(const char *path, void (*on_field)(void *, size_t, void *), void (*on_record)(int, void *),
                 void *data, const long *records, const int *stop, TlError *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        tlerr_input(err, path, 0, NULL, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct csv_parser cp;
    if (csv_init(&cp, CSV_APPEND_NULL) != 0) {
        fclose(fp);
        tlerr_set(err, "cannot start the CSV parser");
        return -1;
    }
    char buf[65536];
    size_t n, since = 0; /* bytes fed since a record last ended: the record being read, roughly */
    long last = 0;
    int bad = 0;
    while (!bad && !*stop && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (csv_parse(&cp, buf, n, on_field, on_record, data) != n && !*stop) {
            tlerr_input(err, path, *records + 1, "csv", "%s", csv_strerror(csv_error(&cp)));
            bad = 1;
        }
        since = *records == last ? since + n : n;
        last = *records;
        if (!bad && !*stop && since > tl_max_line() + sizeof buf) {
            tl_line_too_long(err, path, *records + 1);
            bad = 1;
        }
    }
    if (!bad && !*stop && ferror(fp)) {
        tlerr_input(err, path, *records + 1, NULL, "read error: %s", strerror(errno));
        bad = 1;
    }
    if (!bad && !*stop)
        csv_fini(&cp, on_field, on_record, data);
    csv_free(&cp);
    fclose(fp);
    return bad || *stop ? -1 : 0;
}
