/* cmd_sweep.c — `tldrlab sweep CONFIG`: the whole experiment from one
 * config (sweep/sweep.h), resumable. */
#include "build/commit.h"
#include "cli/cli.h"
#include "common/tlmpi.h"
#include "sweep/sweep.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_sweep(CliOpts *o)
{
    SweepConfig c;
    TlError err;
    if (sweep_config_read(&c, o->files[0], &err) != 0) {
        sweep_config_free(&c);
        cli_input_error(&err);
    }
    char dir[PATH_MAX];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        snprintf(dir, sizeof dir, "results/%s", c.name);
    /* Stages run this very binary, from the run folder. */
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        tl_die(TL_EXIT_RUNTIME, "cannot find the tldrlab binary to run the stages with (/proc/self/exe)");
    self[n] = '\0';
    /* Under mpirun: every rank learns the others' hosts; ranks 1.. then
     * run what rank 0's scheduler sends them (sweep/exec.c). */
    if (sweep_ranks() > 1 && tlmpi_rank() > 0) {
        sweep_config_free(&c);
        return sweep_worker();
    }
    SweepPlan p;
    sweep_plan(&c, dir, &p);
    SweepRun r = {.self = self, .only = o->only, .force = o->force, .dry_run = o->dry_run, .quiet = o->quiet,
                  .config_path = o->files[0], .commit = TLDRLAB_COMMIT, .ranks = (int)o->ranks, .calibrate = o->calibrate};
    int rc = sweep_run(&p, &c, &r, &err);
    sweep_remote_quit(); /* the workers finish: rank 0's code keeps no one waiting */
    tlmpi_agree_exit(rc);
    if (rc != 0)
        fprintf(stderr, "tldrlab sweep: %s\n", err.msg);
    sweep_plan_free(&p);
    sweep_config_free(&c);
    return rc;
}
