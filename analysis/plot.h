/* plot.h — figures drawn by gnuplot, called at run time.
 *
 * A figure is its data (KIND.csv) and a gnuplot script (KIND.gp) that reads
 * the CSV and draws KIND.png (pngcairo) and KIND.svg. The script runs on
 * its own from the output folder (`cd DIR && gnuplot KIND.gp`), so anyone
 * can restyle a figure with gnuplot alone. plot_write writes the CSV and
 * the script atomically, runs gnuplot in a temporary folder and renames the
 * images into place; without gnuplot the data and script are still written
 * and the caller says how to draw them. */
#ifndef TL_PLOT_H
#define TL_PLOT_H

#include "common/err.h"
#include "common/strbuf.h"

typedef struct {
    const char *kind; /* file stem: "fig1", "length", ... */
    StrBuf csv;       /* the data, with a header line */
    StrBuf body;      /* gnuplot commands that draw the figure (after the terminal is set) */
    StrBuf notes;     /* remarks for the user, one per line (series without data, ...) */
    int width, height;/* pixels */
    char bars[96];    /* what the error bars show ("±1 SE ..."), for captions; "" when none */
} Figure;

void figure_init(Figure *f, const char *kind, int width, int height);
void figure_free(Figure *f);

/* Okabe-Ito colours, safe for colour-blind readers; k wraps around. */
const char *plot_color(int k);

/* Escapes s for a double-quoted gnuplot string (quotes, backslashes, @ and
 * _ that enhanced text would interpret) into out. */
void plot_quote(const char *s, char *out, size_t cap);

/* 1 when a gnuplot program is on the PATH. */
int plot_have_gnuplot(void);

/* Writes DIR/KIND.csv and DIR/KIND.gp and, when gnuplot is available, draws
 * DIR/KIND.png and DIR/KIND.svg. *drawn tells whether images were made.
 * Returns 0, or -1 with err set when writing or gnuplot failed. */
int plot_write(const char *dir, const Figure *f, int *drawn, TlError *err);

/* The full script text of f (what KIND.gp holds); caller frees. */
char *plot_script(const Figure *f);

#endif
