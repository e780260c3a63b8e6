/* sweep.h — the config-driven experiment (`tldrlab sweep CONFIG`): the
 * config, validated before anything runs; the stage graph it implies; the
 * manifest that records each stage's status, and the runner that resumes.
 *
 * A stage is one tldrlab command (pretrain, sft, sample, label compare,
 * rm train, ppo, bon, world judge, report, ...) with its arguments, run as
 * a child process of the same binary, or a step the runner does itself
 * (writing a config file or merging the policies' meta.json). Its key is a
 * hash of its command, of the keys of the stages it depends on and of the
 * tldrlab version: a stage whose key is in the manifest as done, with its
 * outputs present, is skipped; a changed config changes the keys of the
 * stages it affects and of every stage after them, which then rerun. A
 * training stage stopped midway resumes from its checkpoint (--resume). */
#ifndef TL_SWEEP_H
#define TL_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/jsonl.h"

#define SWEEP_MAX_SIZES 8
#define SWEEP_MAX_LIST 16

typedef struct {
    char name[32];
    long L, C, NH;
} SweepSize;

typedef struct {
    long steps, batch;
    double lr;
    long ranks;            /* the ranks the stage may use (data-parallel under mpirun) */
} SweepTrain;

typedef struct {
    char *path;            /* the config file */
    JsonFile file;         /* its text and tree, for messages */
    char name[64];
    uint64_t seed;         /* the world's seed, and the default training seed */
    uint64_t seeds[SWEEP_MAX_LIST]; /* training seeds (replicates); default {seed} */
    int nseeds;
    cJSON *world_run;      /* {"seed", "world", "reference", "judge", "labelers"}: world generate's config */
    long vocab, context;
    SweepSize sizes[SWEEP_MAX_SIZES];
    int nsizes;
    SweepTrain pretrain, sft, rm;
    long cmp_posts, cmp_labels;
    double cmp_temps[SWEEP_MAX_LIST];
    int ncmp_temps;
    double betas[SWEEP_MAX_LIST];
    int nbetas;
    double kl_targets[SWEEP_MAX_LIST]; /* adaptive PPO runs (none by default) */
    int nkl_targets;
    long ppo_iterations, ppo_episodes;
    double ppo_lr;
    long ppo_ranks;
    long bon_n[SWEEP_MAX_LIST];
    int nbon;
    long eval_posts, eval_articles, eval_labels, eval_ratings;
    char title[160];
} SweepConfig;

/* Reads and validates path: every key known, of the right type and in
 * range (docs in configs/README.md). Returns 0, or -1 with err =
 * "path:line: key.path: problem". sweep_config_free accepts a config
 * that failed to read. */
int sweep_config_read(SweepConfig *c, const char *path, TlError *err);

/* The config with every default filled in (caller frees with cJSON_Delete). */
cJSON *sweep_config_resolved(const SweepConfig *c);
void sweep_config_free(SweepConfig *c);

/* STAGE_CMD runs argv; STAGE_WRITE writes text to out; STAGE_CONCAT
 * writes the CSV files of its inputs one after the other under the first
 * one's header; STAGE_MERGE_META merges its inputs' meta.json into one
 * {"policies": {...}}; STAGE_FINDINGS writes findings.md and .json
 * (sweep_findings); STAGE_SEEDS (several seeds) writes seeds.md, .csv and
 * .json over the seed folders listed in its text (sweep_seeds). */
typedef enum { STAGE_CMD, STAGE_WRITE, STAGE_CONCAT, STAGE_MERGE_META, STAGE_FINDINGS, STAGE_SEEDS } StageKind;

typedef struct {
    char id[96];           /* "pretrain/s", "ppo/s/b0.05" */
    char group[24];        /* "pretrain", "ppo", ... (for --only, --force) */
    StageKind kind;
    char **argv;           /* STAGE_CMD: tldrlab's arguments (argv[0] is the command), NULL-terminated */
    int argc;
    char *out;             /* the output (a folder or a file) relative to the run folder */
    char cwd[48];          /* STAGE_CMD: where it runs, relative to the run folder ("": there); a
                            * seed's stages run in seeds/SEED, and out starts with it */
    char *text;            /* STAGE_WRITE: the file's contents */
    int resumable;         /* a training stage: --resume when its checkpoint exists */
    int deps[512];
    int ndeps;
    double est_seconds;    /* the estimate: fixed seconds, plus work at the measured speed (sweep_estimate) */
    int size;              /* the model size (index in the config) the work runs on; -1: none */
    double work;           /* tokens through a forward and backward pass of that size's model */
    int ranks;             /* the ranks it may use: data-parallel when > 1 (config's "ranks"); 1 else */
    uint64_t key;
} Stage;

typedef struct {
    Stage *st;
    size_t n, cap;
    char *dir;             /* the run folder */
    char prefix[48];       /* while planning: the seed folder ("seeds/SEED/") of the stages added, or "" */
} SweepPlan;

/* Builds the stage graph of c, to run in dir, in an order where every
 * stage comes after the stages it depends on. */
void sweep_plan(const SweepConfig *c, const char *dir, SweepPlan *p);
void sweep_plan_free(SweepPlan *p);

/* The paper's eight qualitative claims checked on a run folder's
 * evaluation (comparisons/eval_*_tldr.json, axis_evals/, meta.json,
 * judge/judge.json, rm_scores.csv): DIR/findings.md (a "## Findings"
 * section) and DIR/findings.json. Returns 0, or -1 with err set. */
int sweep_findings(const char *dir, TlError *err);

/* Several seeds: every policy's win rate against the reference (raw and
 * length-controlled), gold score and RM-predicted preference per seed,
 * their mean and t interval over seeds; and each claim's verdict per
 * seed. seed_dirs: newline-separated folders under dir, each a complete
 * single-seed run with its findings.json. Writes dir/seeds.md (a "##
 * Seeds" section), seeds.csv and seeds.json. Returns 0 or -1 with err. */
int sweep_seeds(const char *dir, const char *seed_dirs, TlError *err);

/* Measures each size's seconds per token of a forward and backward pass
 * (one warm-up step, then two timed steps on random tokens) into
 * sec_per_token (c->nsizes), and adds work x that to each stage's
 * estimate. */
void sweep_estimate(SweepPlan *p, const SweepConfig *c, double *sec_per_token);

typedef struct {
    const char *self;      /* the tldrlab binary to run stages with */
    const char *only;      /* comma-separated stage ids or groups: run only these (others must be done) */
    const char *force;     /* comma-separated stage ids or groups: rerun even when done */
    int dry_run, quiet;
    const char *config_path;
    const char *commit;    /* git describe of the build, for the manifest */
    int ranks;             /* --dry-run: plan the schedule on this many ranks (0: the job's) */
    const char *calibrate; /* a finished run's folder: its measured/estimated seconds per group scale the estimates */
} SweepRun;

/* Runs (or with dry_run, prints) the plan, keeping DIR/manifest.json.
 * Returns 0, or the exit code of the first stage that failed (the
 * manifest says which; rerunning the same command resumes). */
int sweep_run(SweepPlan *p, const SweepConfig *c, const SweepRun *r, TlError *err);

/* Scales the estimate of every stage of p by the ratio of measured to
 * estimated seconds, summed over the stages of its group (pretrain, sft,
 * comparisons, rm, ppo, bon, eval, ...) that are done in the finished run
 * whose folder is run_dir; groups that run has not measured keep theirs.
 * Prints the ratios into note (cap bytes). Returns 0, or -1 with err. */
int sweep_calibrate(SweepPlan *p, const char *run_dir, char *note, size_t cap, TlError *err);

/* ---- Ranks (sweep/exec.c; docs/scale-out.md) ----
 * Under `mpirun -np K tldrlab sweep`, rank 0 runs the scheduler (sweep_run)
 * and ranks 1.. a worker loop (sweep_worker). A ready stage goes to a free
 * rank, which runs it as a child process with its own OpenMP threads; a
 * stage the config gives r > 1 ranks waits for r free ranks, the first of
 * which starts r processes of it with MPI_Comm_spawn on those ranks' hosts
 * (data-parallel), the others waiting idle. Without MPI: one rank. */
typedef struct {
    const char *cwd, *log; /* absolute: where it runs, where its output goes */
    char **argv;           /* argv[0] the binary; NULL-terminated */
    int argc, ranks;
    char hosts[1024];      /* ranks > 1: the hosts to spawn on, comma-separated ("": any) */
    int threads;           /* OMP_NUM_THREADS of the stage (0: as inherited); set where it runs */
} SweepTask;

typedef struct {
    pid_t pid;             /* a forked stage, or -1 */
    void *inter;           /* a spawned one's MPI intercommunicator */
    double t0;
} SweepJob;

/* The job's ranks (1 without MPI); the first call gathers their hosts. */
int sweep_ranks(void);
/* t->hosts from the ranks the scheduler chose. */
void sweep_task_hosts(SweepTask *t, const int *ranks, int n);
/* Starts t here (fork and exec, or spawn when t->ranks > 1); 0 or -1. */
int sweep_job_start(SweepJob *j, const SweepTask *t);
/* 1 when the job has ended, with *status its exit code (128 + signal). */
int sweep_job_poll(SweepJob *j, int *status);
void sweep_job_signal(SweepJob *j, int sig);
/* Rank 0's side of the workers: start a task on rank, hear of one that
 * ended (1, with the rank and status), pass a stop signal on, and let
 * every worker go. */
void sweep_remote_start(int rank, const SweepTask *t);
int sweep_remote_poll(int *rank, int *status);
void sweep_remote_signal(int rank, int sig);
void sweep_remote_quit(void);
/* Ranks 1..: runs what rank 0 sends until it says quit; returns 0. */
int sweep_worker(void);

/* The seconds stage i takes on nranks ranks: its estimate, divided by the
 * ranks it gets (min(ranks, nranks); ideal data-parallel scaling). */
double sweep_stage_seconds(const Stage *s, int nranks);
/* The ranks a stage takes: 0 for the steps rank 0 does itself (writing,
 * merging, findings), else min(ranks, nranks). */
int sweep_stage_width(const Stage *s, int nranks);
/* Each stage's priority on nranks ranks: its duration (dur, or NULL:
 * sweep_stage_seconds) plus the longest chain of stages after it
 * (pending[i] 0: done, takes no time). prio has p->n entries. */
void sweep_priorities(const SweepPlan *p, const int *pending, const double *dur, int nranks, double *prio);
/* The schedule of the stages still to run (pending[i] 1) on nranks ranks,
 * with durations dur (NULL: sweep_stage_seconds): list scheduling, the
 * ready stage of highest priority first, waiting for ranks when it needs
 * more than are free. Fills start[i] and rank[i] (its first rank, -1 for
 * rank 0's own steps and for stages not run; both may be NULL), returns
 * the makespan. crit (may be NULL) gets the critical path's stages in
 * order, *ncrit their count; its length is prio of its first stage. */
double sweep_schedule(const SweepPlan *p, const int *pending, const double *dur, int nranks, double *start, int *rank,
                      int *crit, int *ncrit);

#endif
