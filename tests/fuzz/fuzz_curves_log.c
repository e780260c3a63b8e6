/* fuzz_curves_log.c — a training log read for the curves figure
 * (analysis/curves.c, libcsv): curves_add on a folder holding the input as
 * log.csv beside a supervised policy's meta.json (so that any of the
 * stages' headers is accepted), then the figure and table built from it. */
#include "tests/fuzz/fuzz.h"
#include "analysis/curves.h"

#include <string.h>

static const char META[] = "{\"policies\": {\"sup_1m\": {\"method\": \"supervised\", \"params\": 1e6}}}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write("stage/meta.json", META, strlen(META));
    fuzz_write("stage/log.csv", data, size);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/stage", fuzz_dir());
    CurveSet cs;
    curves_init(&cs);
    TlError err;
    if (fuzz_status(curves_add(&cs, dir, &err), &err) == 0 && cs.n) {
        Figure f;
        figure_init(&f, "curves", 1000, 600);
        if (fig_curves(&cs, &f, &err) == 0) {
            Table t;
            curves_table(&cs, &t);
            table_free(&t);
        }
        figure_free(&f);
    }
    curves_free(&cs);
    return 0;
}
