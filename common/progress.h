/* progress.h — progress with an ETA on standard error, for long work.
 *
 * Shown only when enabled (by default: stderr is a terminal); redrawn at
 * most four times a second on one line, cleared when done. */
#ifndef TL_PROGRESS_H
#define TL_PROGRESS_H

typedef struct {
    char label[96];
    double total;   /* units of work, e.g. bytes or resamples; <= 0 unknown */
    double t0, last;
    int enabled;
    int drawn;
} Progress;

/* Returns 1 when progress should be shown by default (stderr is a tty). */
int progress_default_enabled(void);

void progress_start(Progress *p, const char *label, double total, int enabled);
void progress_update(Progress *p, double done);
void progress_finish(Progress *p);

#endif
