/* table.h — one result table, three renderings.
 *
 * Analyses fill a Table row by row; the CLI prints it as an aligned Markdown
 * table (the default), as CSV (libcsv quoting; NA is an empty field, which
 * pandas and R read as missing) or as a JSON array of objects (NaN -> null).
 * Column keys are the CSV header and JSON keys; labels head the Markdown. */
#ifndef TL_TABLE_H
#define TL_TABLE_H

#include <stdio.h>
#include <cjson/cJSON.h>

typedef enum { COL_STR, COL_INT, COL_NUM, COL_BOOL } ColKind;

typedef struct {
    const char *key;   /* CSV header / JSON key, snake_case */
    const char *label; /* Markdown header */
    ColKind kind;
    int digits;        /* decimals shown in Markdown for COL_NUM */
    int show;          /* 0 = everywhere, SHOW_MD or SHOW_DATA (CSV and JSON) only */
} TableCol;

enum { SHOW_MD = 1, SHOW_DATA = 2 };

typedef struct {
    int set;      /* 0 = missing (NA) */
    double num;   /* COL_INT and COL_NUM */
    char *str;    /* COL_STR, owned */
} TableCell;

typedef struct {
    const TableCol *cols; /* borrowed, static in the caller */
    size_t ncols;
    TableCell *cells;     /* (nrows, ncols) row-major */
    size_t nrows, cap;
    size_t cursor;        /* next cell to fill in the current row */
} Table;

void table_init(Table *t, const TableCol *cols, size_t ncols);
void table_free(Table *t); /* accepts a zeroed table */

/* Starts a new row; cells are then filled left to right. */
void table_row(Table *t);
void table_str(Table *t, const char *s);   /* NULL = NA */
void table_int(Table *t, long long v);
void table_bool(Table *t, int v);         /* CSV TRUE/FALSE, JSON true/false */
void table_num(Table *t, double v);        /* NaN = NA */

/* Cell accessors for renderers and tests (row, col). */
const TableCell *table_cell(const Table *t, size_t row, size_t col);

void table_write_markdown(const Table *t, FILE *fp);
void table_write_csv(const Table *t, FILE *fp);
/* The table as Markdown (csv = 0) or CSV text; the caller frees it. */
char *table_to_text(const Table *t, int csv);

/* Returns a new JSON array of row objects; caller frees with cJSON_Delete.
 * Numbers are written so that they read back exactly (see table_json_num). */
cJSON *table_to_json(const Table *t);

/* A JSON number that reads back exactly (cJSON's own printing can be one
 * unit in the last place off); null for NaN and infinities. */
cJSON *table_json_num(double v);

/* Formats a number for CSV: the shortest text that reads back exactly;
 * "" for NaN. buf >= 32. */
void table_format_csv_num(double v, char *buf, size_t cap);

#endif
