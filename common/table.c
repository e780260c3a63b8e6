/* table.c — Markdown, CSV (libcsv) and JSON renderings of a Table. */
#include "common/table.h"
#include "common/err.h"
#include "common/util.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void table_init(Table *t, const TableCol *cols, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
    t->cursor = ncols;
}

void table_free(Table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].str);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void table_row(Table *t)
{
    if (t->cursor != t->ncols)
        tl_die(TL_EXIT_RUNTIME, "internal error: table row has %zu of %zu cells", t->cursor, t->ncols);
    GROW(t->cells, t->cap, (t->nrows + 1) * t->ncols);
    memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof *t->cells);
    t->nrows++;
    t->cursor = 0;
}

static TableCell *next_cell(Table *t)
{
    if (t->nrows == 0 || t->cursor >= t->ncols)
        tl_die(TL_EXIT_RUNTIME, "internal error: too many cells in a table row");
    return &t->cells[(t->nrows - 1) * t->ncols + t->cursor++];
}

void table_str(Table *t, const char *s)
{
    TableCell *c = next_cell(t);
    if (s) {
        c->set = 1;
        c->str = xstrdup(s);
    }
}

void table_int(Table *t, long long v)
{
    TableCell *c = next_cell(t);
    c->set = 1;
    c->num = (double)v;
}

void table_bool(Table *t, int v)
{
    TableCell *c = next_cell(t);
    c->set = 1;
    c->num = v ? 1 : 0;
}

void table_num(Table *t, double v)
{
    TableCell *c = next_cell(t);
    if (!isnan(v)) {
        c->set = 1;
        c->num = v;
    }
}

const TableCell *table_cell(const Table *t, size_t row, size_t col)
{
    return &t->cells[row * t->ncols + col];
}

/* Markdown text of one cell into buf. */
static void md_cell(const Table *t, size_t i, size_t j, char *buf, size_t cap)
{
    const TableCell *c = table_cell(t, i, j);
    const TableCol *col = &t->cols[j];
    if (!c->set) {
        snprintf(buf, cap, "NA");
        return;
    }
    switch (col->kind) {
    case COL_STR:
        snprintf(buf, cap, "%s", c->str);
        for (char *p = buf; *p; p++)
            if (*p == '|' || *p == '\n')
                *p = '/';
        break;
    case COL_INT:
        snprintf(buf, cap, "%.0f", c->num);
        break;
    case COL_BOOL:
        snprintf(buf, cap, "%s", c->num != 0 ? "yes" : "no");
        break;
    case COL_NUM:
        if (isinf(c->num))
            snprintf(buf, cap, "%s", c->num > 0 ? "+inf" : "-inf");
        else if (c->num != 0 && (fabs(c->num) >= 1e7 || fabs(c->num) < pow(10, -col->digits)))
            snprintf(buf, cap, "%.*g", col->digits > 0 ? col->digits : 1, c->num);
        else
            snprintf(buf, cap, "%.*f", col->digits, c->num);
        break;
    }
}

void table_write_markdown(const Table *t, FILE *fp)
{
    size_t *w = xcalloc(t->ncols, sizeof *w);
    char buf[512];
    for (size_t j = 0; j < t->ncols; j++)
        w[j] = strlen(t->cols[j].label);
    for (size_t i = 0; i < t->nrows; i++)
        for (size_t j = 0; j < t->ncols; j++) {
            md_cell(t, i, j, buf, sizeof buf);
            size_t n = strlen(buf);
            if (n > w[j])
                w[j] = n;
        }
    fputc('|', fp);
    for (size_t j = 0; j < t->ncols; j++)
        if (t->cols[j].show != SHOW_DATA)
            fprintf(fp, " %-*s |", (int)w[j], t->cols[j].label);
    fputs("\n|", fp);
    for (size_t j = 0; j < t->ncols; j++) {
        if (t->cols[j].show == SHOW_DATA)
            continue;
        fputc(t->cols[j].kind == COL_STR ? ':' : '-', fp);
        for (size_t k = 0; k < w[j]; k++)
            fputc('-', fp);
        fputs(t->cols[j].kind == COL_STR ? "-|" : ":|", fp);
    }
    fputc('\n', fp);
    for (size_t i = 0; i < t->nrows; i++) {
        fputc('|', fp);
        for (size_t j = 0; j < t->ncols; j++) {
            if (t->cols[j].show == SHOW_DATA)
                continue;
            md_cell(t, i, j, buf, sizeof buf);
            if (t->cols[j].kind == COL_STR)
                fprintf(fp, " %-*s |", (int)w[j], buf);
            else
                fprintf(fp, " %*s |", (int)w[j], buf);
        }
        fputc('\n', fp);
    }
    free(w);
}

void table_format_csv_num(double v, char *buf, size_t cap)
{
    if (isnan(v))
        buf[0] = '\0';
    else if (isinf(v))
        snprintf(buf, cap, "%s", v > 0 ? "Inf" : "-Inf");
    else
        util_format_double(v, buf, cap);
}

cJSON *table_json_num(double v)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    char buf[32];
    util_format_double(v, buf, sizeof buf);
    return cJSON_CreateRaw(buf);
}

void table_write_csv(const Table *t, FILE *fp)
{
    char buf[64];
    int first = 1;
    for (size_t j = 0; j < t->ncols; j++) {
        if (t->cols[j].show == SHOW_MD)
            continue;
        if (!first)
            fputc(',', fp);
        first = 0;
        fputs(t->cols[j].key, fp);
    }
    fputc('\n', fp);
    for (size_t i = 0; i < t->nrows; i++) {
        first = 1;
        for (size_t j = 0; j < t->ncols; j++) {
            const TableCell *c = table_cell(t, i, j);
            if (t->cols[j].show == SHOW_MD)
                continue;
            if (!first)
                fputc(',', fp);
            first = 0;
            if (!c->set)
                continue;
            if (t->cols[j].kind == COL_STR) {
                csv_fwrite(fp, c->str, strlen(c->str));
            } else if (t->cols[j].kind == COL_BOOL) {
                fputs(c->num != 0 ? "TRUE" : "FALSE", fp);
            } else {
                table_format_csv_num(c->num, buf, sizeof buf);
                fputs(buf, fp);
            }
        }
        fputc('\n', fp);
    }
}

cJSON *table_to_json(const Table *t)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < t->nrows; i++) {
        cJSON *o = cJSON_CreateObject();
        for (size_t j = 0; j < t->ncols; j++) {
            const TableCell *c = table_cell(t, i, j);
            const char *k = t->cols[j].key;
            if (t->cols[j].show == SHOW_MD)
                continue;
            if (!c->set || (t->cols[j].kind != COL_STR && !isfinite(c->num)))
                cJSON_AddNullToObject(o, k);
            else if (t->cols[j].kind == COL_STR)
                cJSON_AddStringToObject(o, k, c->str);
            else if (t->cols[j].kind == COL_BOOL)
                cJSON_AddBoolToObject(o, k, c->num != 0);
            else
                cJSON_AddItemToObject(o, k, table_json_num(c->num));
        }
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

char *table_to_text(const Table *t, int csv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp)
        tl_die(TL_EXIT_RUNTIME, "out of memory");
    if (csv)
        table_write_csv(t, fp);
    else
        table_write_markdown(t, fp);
    fclose(fp);
    return buf;
}
