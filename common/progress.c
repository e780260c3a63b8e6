/* progress.c — a one-line progress meter with an ETA. */
#include "common/progress.h"
#include "common/util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int progress_default_enabled(void)
{
    return isatty(STDERR_FILENO);
}

void progress_start(Progress *p, const char *label, double total, int enabled)
{
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total;
    p->enabled = enabled;
    p->t0 = p->last = util_now();
}

static void fmt_secs(double s, char *buf, size_t cap)
{
    if (s < 60)
        snprintf(buf, cap, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

void progress_update(Progress *p, double done)
{
    if (!p->enabled)
        return;
    double now = util_now();
    if (now - p->last < 0.25)
        return;
    p->last = now;
    double el = now - p->t0;
    char eta[32] = "?", ela[32];
    fmt_secs(el, ela, sizeof ela);
    if (p->total > 0 && done > 0) {
        fmt_secs(el * (p->total - done) / done, eta, sizeof eta);
        fprintf(stderr, "\r%s: %3.0f%%  elapsed %s  ETA %s   ", p->label,
                100.0 * done / p->total, ela, eta);
    } else {
        fprintf(stderr, "\r%s: %.0f done  elapsed %s   ", p->label, done, ela);
    }
    p->drawn = 1;
}

void progress_finish(Progress *p)
{
    if (p->enabled && p->drawn)
        fprintf(stderr, "\r%*s\r", 70, "");
    p->drawn = 0;
}
