/* run.c — runs a sweep's plan: keys, the manifest, resume, progress. */
#include "sweep/sweep.h"
#include "common/atomic.h"
#include "common/util.h"
#include "common/strbuf.h"
#include "train/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TLDRLAB_VERSION
#define TLDRLAB_VERSION "unknown"
#endif

/* ---- keys ---- */

static void compute_keys(SweepPlan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        Stage *s = &p->st[i];
        uint64_t h = util_fnv1a(UTIL_FNV_INIT, TLDRLAB_VERSION, strlen(TLDRLAB_VERSION) + 1);
        h = util_fnv1a(h, &s->kind, sizeof s->kind);
        h = util_fnv1a(h, s->out, strlen(s->out) + 1);
        for (int k = 0; k < s->argc; k++)
            h = util_fnv1a(h, s->argv[k], strlen(s->argv[k]) + 1);
        if (s->text)
            h = util_fnv1a(h, s->text, strlen(s->text));
        for (int k = 0; k < s->ndeps; k++)
            h = util_fnv1a(h, &p->st[s->deps[k]].key, sizeof(uint64_t));
        s->key = h;
    }
}

/* ---- the manifest ---- */

typedef struct {
    char status[16];    /* "done", "running", "stopped", "failed" */
    uint64_t key;
    double seconds;
    int known;
    char sum[20];       /* the output's checksum when done ("": not known) */
} Record;

/* 64-bit FNV-1a of a file's bytes, or of a folder's entries (names and
 * checksums, in name order, recursively): a stage's output, recorded in
 * the manifest so that a run's inputs can be told apart. 0 when absent. */
static uint64_t path_sum(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    uint64_t h = UTIL_FNV_INIT;
    if (S_ISDIR(st.st_mode)) {
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        for (int k = 0; k < n; k++) {
            const char *nm = ents[k]->d_name;
            if (strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
                char *sub = util_path_join(path, nm);
                uint64_t c = path_sum(sub);
                free(sub);
                h = util_fnv1a(h, nm, strlen(nm) + 1);
                h = util_fnv1a(h, &c, sizeof c);
            }
            free(ents[k]);
        }
        if (n >= 0)
            free(ents);
        return h;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        h = util_fnv1a(h, buf, got);
    fclose(fp);
    return h;
}

/* The value after flag (--seed, --steps) in a stage's command, or NULL. */
static const char *stage_arg(const Stage *s, const char *flag)
{
    for (int k = 0; k + 1 < s->argc; k++)
        if (strcmp(s->argv[k], flag) == 0)
            return s->argv[k + 1];
    return NULL;
}

static char *run_path(const SweepPlan *p, const char *rel)
{
    return util_path_join(p->dir, rel);
}

static void read_manifest(const SweepPlan *p, Record *rec)
{
    char *path = run_path(p, "manifest.json");
    size_t len = 0;
    char *text = util_read_file(path, &len);
    free(path);
    if (!text)
        return;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
    for (size_t i = 0; i < p->n; i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(stages, p->st[i].id);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(e, "key");
        const cJSON *sec = cJSON_GetObjectItemCaseSensitive(e, "seconds");
        const cJSON *sum = cJSON_GetObjectItemCaseSensitive(e, "checksum");
        if (!cJSON_IsString(st) || !cJSON_IsString(key))
            continue;
        if (cJSON_IsString(sum))
            snprintf(rec[i].sum, sizeof rec[i].sum, "%s", sum->valuestring);
        rec[i].known = 1;
        snprintf(rec[i].status, sizeof rec[i].status, "%s", st->valuestring);
        rec[i].key = strtoull(key->valuestring, NULL, 16);
        rec[i].seconds = cJSON_IsNumber(sec) ? sec->valuedouble : NAN;
    }
    cJSON_Delete(root);
}

static void write_manifest(const SweepPlan *p, const SweepConfig *c, const SweepRun *r, const Record *rec,
                           double started)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "format", 1);
    cJSON_AddStringToObject(root, "tldrlab_version", TLDRLAB_VERSION);
    cJSON_AddStringToObject(root, "commit", r->commit ? r->commit : "unknown");
    cJSON_AddStringToObject(root, "config", c->path);
    cJSON_AddStringToObject(root, "name", c->name);
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    cJSON_AddRawToObject(root, "seed", seed);
    cJSON_AddItemToObject(root, "resolved_config", sweep_config_resolved(c));
    cJSON_AddNumberToObject(root, "started", started);
    cJSON *stages = cJSON_AddObjectToObject(root, "stages");
    for (size_t i = 0; i < p->n; i++) {
        if (!rec[i].known)
            continue;
        const Stage *s = &p->st[i];
        cJSON *e = cJSON_AddObjectToObject(stages, s->id);
        cJSON_AddStringToObject(e, "status", rec[i].status);
        char key[24];
        snprintf(key, sizeof key, "%016llx", (unsigned long long)rec[i].key);
        cJSON_AddStringToObject(e, "key", key);
        if (!isnan(rec[i].seconds))
            cJSON_AddNumberToObject(e, "seconds", rec[i].seconds);
        cJSON_AddNumberToObject(e, "estimated_seconds", s->est_seconds);
        cJSON_AddStringToObject(e, "output", s->out);
        if (rec[i].sum[0])
            cJSON_AddStringToObject(e, "checksum", rec[i].sum);
        if (stage_arg(s, "--seed"))
            cJSON_AddNumberToObject(e, "seed", atof(stage_arg(s, "--seed")));
        cJSON *dj = cJSON_AddArrayToObject(e, "inputs");
        cJSON *ds = cJSON_AddObjectToObject(e, "input_checksums");
        for (int k = 0; k < s->ndeps; k++) {
            cJSON_AddItemToArray(dj, cJSON_CreateString(p->st[s->deps[k]].id));
            if (rec[s->deps[k]].sum[0])
                cJSON_AddStringToObject(ds, p->st[s->deps[k]].id, rec[s->deps[k]].sum);
        }
        if (s->argc) {
            cJSON *cmd = cJSON_AddArrayToObject(e, "command");
            for (int k = 0; k < s->argc; k++)
                cJSON_AddItemToArray(cmd, cJSON_CreateString(s->argv[k]));
        }
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    char *path = run_path(p, "manifest.json");
    atomic_write_string(path, text);
    free(path);
    free(text);
}

/* ---- outputs ---- */

static int exists(const SweepPlan *p, const char *rel)
{
    char *path = run_path(p, rel);
    struct stat st;
    int ok = stat(path, &st) == 0;
    free(path);
    return ok;
}

/* A training stage stopped midway: its folder holds a checkpoint. */
static int has_checkpoint(const SweepPlan *p, const Stage *s)
{
    char rel[600];
    snprintf(rel, sizeof rel, "%s/model.ckpt", s->out);
    return exists(p, rel);
}

static int write_text(const SweepPlan *p, const char *rel, const char *text)
{
    char *path = run_path(p, rel);
    atomic_write_string(path, text);
    free(path);
    return 0;
}

static int concat_csv(const SweepPlan *p, const Stage *s, TlError *err)
{
    StrBuf b;
    sb_init(&b);
    for (int k = 0; k < s->ndeps; k++) {
        char *path = run_path(p, p->st[s->deps[k]].out);
        size_t len = 0;
        char *text = util_read_file(path, &len);
        if (!text) {
            tlerr_set(err, "%s: cannot read: %s", path, strerror(errno));
            free(path);
            sb_free(&b);
            return -1;
        }
        const char *body = text;
        if (k > 0) { /* keep the first file's header only */
            const char *nl = strchr(text, '\n');
            body = nl ? nl + 1 : text + len;
        }
        sb_add(&b, body);
        free(text);
        free(path);
    }
    write_text(p, s->out, sb_str(&b));
    sb_free(&b);
    return 0;
}

static int merge_meta(const SweepPlan *p, const Stage *s, TlError *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *pols = cJSON_AddObjectToObject(root, "policies");
    for (int k = 0; k < s->ndeps; k++) {
        char *dir = run_path(p, p->st[s->deps[k]].out);
        char *path = util_path_join(dir, "meta.json");
        JsonFile f;
        if (json_file_read(&f, path, "stage's metadata", err) != 0) {
            json_file_free(&f);
            free(dir);
            free(path);
            cJSON_Delete(root);
            return -1;
        }
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
        for (const cJSON *e = in ? in->child : NULL; e; e = e->next)
            if (!cJSON_GetObjectItemCaseSensitive(pols, e->string))
                cJSON_AddItemToObject(pols, e->string, cJSON_Duplicate(e, 1));
        json_file_free(&f);
        free(dir);
        free(path);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    write_text(p, s->out, text);
    free(text);
    return 0;
}

/* ---- running a command ---- */

/* SIGINT or SIGTERM: set by the atomic writers' handler, which passes it
 * on to the running stage (a training stage checkpoints and exits
 * 128+sig); a second one, or SIGHUP, ends the sweep and stops the stage. */
static volatile sig_atomic_t stop_sig;

/* Runs self argv (+ --resume) in the run folder, stdout and stderr to
 * log. Prints a progress line while it runs. Returns the exit status
 * (128+sig for a signal). */
/* A training stage's own progress: the step (or PPO iteration) on the
 * last line of its log.csv, and its --steps; 0 when not known. */
static int train_step(const SweepPlan *p, const Stage *s, long *done, long *total)
{
    const char *steps = stage_arg(s, "--steps");
    *done = 0;
    *total = steps ? atol(steps) : 0;
    if (!s->resumable || *total <= 0)
        return 0;
    char rel[600];
    snprintf(rel, sizeof rel, "%s/log.csv", s->out);
    char *path = run_path(p, rel);
    size_t len = 0;
    char *text = util_read_file(path, &len);
    free(path);
    if (!text)
        return 0;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    char *line = strrchr(text, '\n');
    line = line ? line + 1 : text;
    char *end;
    long v = strtol(line, &end, 10);
    free(text);
    if (end == line || *end != ',' || v <= 0)
        return 0;
    *done = v;
    return 1;
}

/* ---- selection ---- */

static int matches(const char *list, const Stage *s)
{
    if (!list)
        return 0;
    char *l = xstrdup(list);
    int hit = 0;
    for (char *save = NULL, *t = strtok_r(l, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(t);
        hit = strcmp(t, s->group) == 0 || strcmp(t, s->id) == 0 || (strncmp(s->id, t, n) == 0 && s->id[n] == '/');
    }
    free(l);
    return hit;
}

/* ---- the run ---- */

enum { ACT_SKIP, ACT_RUN, ACT_RESUME, ACT_RERUN };
static const char *const ACT_NAME[] = {"done", "run", "resume", "rerun (its inputs changed)"};

/* ---- running the stages, on one rank or several ---- */

typedef struct {
    SweepPlan *p;
    const SweepConfig *c;
    const SweepRun *r;
    Record *rec;
    const int *act, *sel;
    double started;
    int tty, nranks;
    size_t to_run, started_n;
    char *dir;              /* the run folder, absolute: stages run elsewhere */
    char *logs;             /* dir/logs */
    int *state;             /* 0 waiting, 1 running, 2 ended (or not to run) */
    int *owner;             /* per rank: the stage running there, or -1 */
    double *t0, *prio, *tdone0;
    double *left;           /* per running stage: its seconds left, as the last progress line read them */
    long *done0;
    int *lead;              /* per stage: the rank it was started on */
    size_t *seq;            /* per stage: its number in the progress lines ([seq/to_run]) */
} Runner;

static double left_now(const Runner *u);

/* What running stage i has done: "step 900 of 3000, 1m00s, about 1m45s
 * left" from its log.csv, or "1m00s of about 2m45s"; u->left[i] gets its
 * seconds left. A training stage's pace is measured from the step it was
 * at when first seen here (a resumed one does not start at 0). */
static void stage_status(Runner *u, size_t i, char *out, size_t cap)
{
    const Stage *s = &u->p->st[i];
    double t = util_now(), expect = sweep_stage_seconds(s, u->nranks);
    char el[24], est[24], rest[24];
    long done, total;
    stage_fmt_secs(t - u->t0[i], el, sizeof el);
    stage_fmt_secs(expect, est, sizeof est);
    u->left[i] = fmax(expect - (t - u->t0[i]), 0);
    if (train_step(u->p, s, &done, &total)) {
        if (u->done0[i] < 0)
            u->done0[i] = done, u->tdone0[i] = t;
        if (done > u->done0[i] && t > u->tdone0[i])
            u->left[i] = (double)(total - done) * (t - u->tdone0[i]) / (double)(done - u->done0[i]);
        stage_fmt_secs(u->left[i], rest, sizeof rest);
        snprintf(out, cap, "%s: step %ld of %ld, %s, about %s left", s->id, done, total, el, rest);
    } else {
        snprintf(out, cap, "%s: %s of about %s", s->id, el, est);
    }
}

/* The next stage to start: its inputs ended, not started. One rank: the
 * first in plan order (the order a serial run always had); several: the
 * one with the longest chain after it. -1: none ready. */
static long next_ready(const Runner *u)
{
    long best = -1;
    for (size_t i = 0; i < u->p->n; i++) {
        if (u->state[i] != 0)
            continue;
        int ready = 1;
        for (int k = 0; k < u->p->st[i].ndeps && ready; k++)
            ready = u->state[u->p->st[i].deps[k]] == 2;
        if (!ready)
            continue;
        if (u->nranks == 1)
            return (long)i;
        if (best < 0 || u->prio[i] > u->prio[best] + 1e-9)
            best = (long)i;
    }
    return best;
}

/* The log file of stage s: logs/ID.log with '/' as '_', absolute. */
static char *stage_log(const Runner *u, const Stage *s)
{
    char lname[128];
    snprintf(lname, sizeof lname, "%s.log", s->id);
    for (char *q = lname; *q; q++)
        if (*q == '/')
            *q = '_';
    return util_path_join(u->logs, lname);
}

/* Marks stage i as running in the manifest, after clearing a stale output;
 * 0, or -1 with err. */
static int begin_stage(Runner *u, size_t i, int rank, TlError *err)
{
    const SweepPlan *p = u->p;
    const Stage *s = &p->st[i];
    u->started_n++;
    u->seq[i] = u->started_n;
    u->left[i] = sweep_stage_seconds(s, u->nranks);
    if (!u->r->quiet) {
        char est[24], where[64] = "";
        stage_fmt_secs(sweep_stage_seconds(s, u->nranks), est, sizeof est);
        int w = sweep_stage_width(s, u->nranks);
        if (u->nranks > 1 && w == 1)
            snprintf(where, sizeof where, " on rank %d", rank);
        else if (u->nranks > 1 && w > 1)
            snprintf(where, sizeof where, " on %d ranks from rank %d", w, rank);
        fprintf(stderr, "[%zu/%zu] %s: %s%s (about %s)\n", u->started_n, u->to_run, s->id,
                u->act[i] == ACT_RESUME  ? "resuming from its checkpoint"
                : u->act[i] == ACT_RERUN ? "rerunning"
                                         : "running",
                where, est);
    }
    char *outp = run_path(p, s->out);
    if (u->act[i] != ACT_RESUME && util_remove_tree(outp) != 0) {
        tlerr_set(err, "%s: cannot remove the stale output: %s", outp, strerror(errno));
        free(outp);
        return -1;
    }
    free(outp);
    Record *rc = &u->rec[i];
    rc->known = 1;
    rc->key = s->key;
    rc->seconds = NAN;
    snprintf(rc->status, sizeof rc->status, "running");
    rc->sum[0] = '\0';
    write_manifest(p, u->c, u->r, u->rec, u->started);
    /* the output's folder (a seed's, samples/eval/...): with several ranks
     * the stage that made it in a serial run may not have run yet */
    char *op = run_path(p, s->out), *slash = strrchr(op, '/');
    if (slash) {
        *slash = '\0';
        util_mkdir_p(op);
    }
    free(op);
    if (s->cwd[0]) { /* a seed's folder */
        char *cw = run_path(p, s->cwd);
        util_mkdir_p(cw);
        free(cw);
    }
    u->t0[i] = util_now();
    u->done0[i] = -1;
    u->state[i] = 1;
    return 0;
}

/* Stage i ended with status st: the manifest, the message; returns 0, or
 * the sweep's exit code when it failed or was stopped (err says why). */
static int end_stage(Runner *u, size_t i, int st, TlError *err)
{
    const SweepPlan *p = u->p;
    const Stage *s = &p->st[i];
    Record *rc = &u->rec[i];
    u->state[i] = 2;
    for (int q = 0; q < u->nranks; q++)
        if (u->owner[q] == (int)i)
            u->owner[q] = -1;
    rc->seconds = util_now() - u->t0[i];
    if (stop_sig && st != 0) { /* one that finished all the same is done */
        snprintf(rc->status, sizeof rc->status, "stopped");
        write_manifest(p, u->c, u->r, u->rec, u->started);
        tlerr_set(err, "stopped by signal %d during %s; run the same command again to resume", (int)stop_sig, s->id);
        return 128 + stop_sig;
    }
    if (st != 0 && s->kind == STAGE_CMD) {
        char *alp = stage_log(u, s);
        tlerr_set(err, "stage %s failed (exit %d); its output is in %s", s->id, st, alp);
        size_t len = 0;
        char *text = util_read_file(alp, &len);
        if (text && !u->r->quiet) { /* the last lines say why */
            const char *t = text + len;
            for (int nl = 0; t > text && nl < 12; t--)
                nl += t[-1] == '\n';
            fprintf(stderr, "%s", t);
        }
        free(text);
        free(alp);
    }
    snprintf(rc->status, sizeof rc->status, "%s", st == 0 ? "done" : "failed");
    rc->sum[0] = '\0';
    if (st == 0) {
        char *op = run_path(p, s->out);
        snprintf(rc->sum, sizeof rc->sum, "%016llx", (unsigned long long)path_sum(op));
        free(op);
    }
    write_manifest(p, u->c, u->r, u->rec, u->started);
    if (st != 0)
        return st > 0 && st < 126 ? 1 : st;
    if (!u->r->quiet) {
        char took[24], rest[24];
        stage_fmt_secs(rc->seconds, took, sizeof took);
        stage_fmt_secs(left_now(u), rest, sizeof rest);
        fprintf(stderr, "[%zu/%zu] %s: done in %s; sweep: about %s left\n", u->seq[i], u->to_run, s->id, took, rest);
    }
    return 0;
}

/* Rank 0's own steps: writing, concatenating, merging, findings. */
static int run_inline(Runner *u, size_t i, TlError *err)
{
    const SweepPlan *p = u->p;
    const Stage *s = &p->st[i];
    int st;
    if (s->kind == STAGE_WRITE) {
        st = write_text(p, s->out, s->text);
    } else {
        TlError e2;
        char *sd = run_path(p, s->cwd);
        st = (s->kind == STAGE_CONCAT     ? concat_csv(p, s, &e2)
              : s->kind == STAGE_FINDINGS ? sweep_findings(sd, &e2)
              : s->kind == STAGE_SEEDS    ? sweep_seeds(p->dir, s->text, &e2)
                                          : merge_meta(p, s, &e2)) != 0;
        free(sd);
        if (st)
            *err = e2;
    }
    return end_stage(u, i, st, err);
}

/* Starts stage i (a command) on the ranks in pick[0..w): here when the
 * first is rank 0, else on that rank; 0, or the exit code of a stage that
 * could not start. */
static int start_cmd(Runner *u, size_t i, const int *pick, int w, SweepJob *local, TlError *err)
{
    const SweepPlan *p = u->p;
    const Stage *s = &p->st[i];
    char *where = s->cwd[0] ? util_path_join(u->dir, s->cwd) : xstrdup(u->dir);
    char *log = stage_log(u, s);
    char **argv = xcalloc((size_t)s->argc + 3, sizeof *argv);
    argv[0] = (char *)u->r->self;
    memcpy(argv + 1, s->argv, (size_t)s->argc * sizeof *argv);
    int argc = s->argc + 1;
    if (u->act[i] == ACT_RESUME)
        argv[argc++] = (char *)"--resume";
    SweepTask t = {where, log, argv, argc, w, "", 0};
    sweep_task_hosts(&t, pick, w);
    int rc = 0;
    for (int k = 0; k < w; k++)
        u->owner[pick[k]] = (int)i;
    u->lead[i] = pick[0];
    if (pick[0] == 0) {
        if (sweep_job_start(local, &t) != 0)
            rc = end_stage(u, i, 126, err);
    } else {
        sweep_remote_start(pick[0], &t);
    }
    free(argv), free(log), free(where);
    return rc;
}

/* Seconds until the sweep ends: the schedule of what is left on the
 * job's ranks (on one, the sum), the running stages at what they have
 * left. */
static double left_now(const Runner *u)
{
    size_t n = u->p->n;
    int *pending = xmalloc(n * sizeof *pending);
    double *dur = xmalloc(n * sizeof *dur);
    for (size_t i = 0; i < n; i++) {
        pending[i] = u->state[i] != 2;
        dur[i] = u->state[i] == 1 ? u->left[i] : sweep_stage_seconds(&u->p->st[i], u->nranks);
    }
    double m = sweep_schedule(u->p, pending, dur, u->nranks, NULL, NULL, NULL, NULL);
    free(pending), free(dur);
    return m;
}

static void progress(Runner *u, double *last)
{
    double t = util_now();
    if (u->r->quiet || (u->tty ? t - *last < 1 : t - *last < 30))
        return;
    *last = t;
    StrBuf b;
    sb_init(&b);
    int nrun = 0;
    for (size_t i = 0; i < u->p->n; i++)
        if (u->state[i] == 1) {
            char line[256];
            stage_status(u, i, line, sizeof line);
            sb_printf(&b, "%s%s", nrun++ ? "; " : "", line);
        }
    if (!nrun) {
        sb_free(&b);
        return;
    }
    char tot[24];
    stage_fmt_secs(left_now(u), tot, sizeof tot);
    fprintf(stderr, u->tty ? "\r  %s; sweep: about %s left   " : "  %s; sweep: about %s left\n", sb_str(&b), tot);
    sb_free(&b);
}

static int run_stages(Runner *u, TlError *err)
{
    const SweepPlan *p = u->p;
    size_t n = p->n;
    int K = u->nranks;
    u->state = xcalloc(n, sizeof *u->state);
    u->owner = xmalloc((size_t)K * sizeof *u->owner);
    u->t0 = xcalloc(n, sizeof *u->t0);
    u->prio = xcalloc(n, sizeof *u->prio);
    u->done0 = xcalloc(n, sizeof *u->done0);
    u->tdone0 = xcalloc(n, sizeof *u->tdone0);
    u->left = xcalloc(n, sizeof *u->left);
    u->lead = xcalloc(n, sizeof *u->lead);
    u->seq = xcalloc(n, sizeof *u->seq);
    int *pending = xmalloc(n * sizeof *pending);
    for (size_t i = 0; i < n; i++) {
        pending[i] = u->act[i] > ACT_SKIP && u->sel[i];
        u->state[i] = pending[i] ? 0 : 2;
    }
    for (int q = 0; q < K; q++)
        u->owner[q] = -1;
    sweep_priorities(p, pending, NULL, K, u->prio);
    SweepJob local = {-1, NULL, 0};
    long local_stage = -1;
    int rc = 0, stop_sent = 0, *pick = xmalloc((size_t)K * sizeof *pick);
    double last = util_now();
    for (;;) {
        /* start what is ready, while ranks are free */
        while (rc == 0 && !stop_sig) {
            long i = next_ready(u);
            if (i < 0)
                break;
            const Stage *s = &p->st[i];
            int w = sweep_stage_width(s, K), nfree = 0;
            for (int q = 0; q < K && nfree < w; q++)
                if (u->owner[q] < 0)
                    pick[nfree++] = q;
            if (nfree < w)
                break; /* it waits for ranks; nothing of lower priority goes first */
            if (begin_stage(u, (size_t)i, w ? pick[0] : 0, err) != 0) {
                rc = 1;
                break;
            }
            if (s->kind != STAGE_CMD)
                rc = run_inline(u, (size_t)i, err);
            else {
                if (pick[0] == 0)
                    local_stage = i;
                rc = start_cmd(u, (size_t)i, pick, w, &local, err);
                if (u->state[i] == 2)
                    local_stage = -1;
            }
        }
        int running = 0;
        for (size_t i = 0; i < n; i++)
            running += u->state[i] == 1;
        if (!running)
            break;
        /* hear what ended */
        int heard = 0, st, rk;
        if (local_stage >= 0 && sweep_job_poll(&local, &st)) {
            int e = end_stage(u, (size_t)local_stage, st, err);
            rc = rc ? rc : e;
            local_stage = -1, heard = 1;
        }
        while (sweep_remote_poll(&rk, &st)) {
            int e = end_stage(u, (size_t)u->owner[rk], st, err);
            rc = rc ? rc : e;
            heard = 1;
        }
        if (stop_sig && !stop_sent) { /* the stages on other ranks stop too */
            for (size_t i = 0; i < n; i++)
                if (u->state[i] == 1 && u->lead[i] > 0)
                    sweep_remote_signal(u->lead[i], (int)stop_sig);
            stop_sent = 1;
        }
        if (!heard) {
            progress(u, &last);
            nanosleep(&(struct timespec){0, 100000000L}, NULL);
        }
    }
    if (stop_sig && rc == 0) { /* the stages running then all finished */
        tlerr_set(err, "stopped by signal %d; run the same command again to go on", (int)stop_sig);
        rc = 128 + stop_sig;
    }
    if (u->tty && !u->r->quiet)
        fprintf(stderr, "\r%*s\r", 100, "");
    free(pick), free(pending);
    free(u->state), free(u->owner), free(u->t0), free(u->prio), free(u->done0), free(u->tdone0), free(u->left), free(u->lead), free(u->seq);
    return rc;
}

/* --dry-run: the schedule on nranks ranks and the critical path. */
static void print_schedule(const SweepPlan *p, const int *act, const int *sel, int nranks)
{
    size_t n = p->n;
    int *pending = xmalloc(n * sizeof *pending), *rank = xmalloc(n * sizeof *rank), *crit = xmalloc(n * sizeof *crit);
    double *start = xmalloc(n * sizeof *start), serial = 0;
    for (size_t i = 0; i < n; i++) {
        pending[i] = act[i] > ACT_SKIP && sel[i];
        serial += pending[i] ? p->st[i].est_seconds : 0;
    }
    int ncrit = 0;
    double wall = sweep_schedule(p, pending, NULL, nranks, start, rank, crit, &ncrit);
    char w[24], s1[24], cl[24];
    stage_fmt_secs(wall, w, sizeof w);
    stage_fmt_secs(serial, s1, sizeof s1);
    double cp = 0;
    for (int k = 0; k < ncrit; k++)
        cp += sweep_stage_seconds(&p->st[crit[k]], nranks);
    stage_fmt_secs(cp, cl, sizeof cl);
    printf("\nOn %d rank%s: about %s of wall time for %s of stage time (%.2fx); the critical path, %d stages, "
           "takes %s:", nranks, nranks > 1 ? "s" : "", w, s1, wall > 0 ? serial / wall : 1.0, ncrit, cl);
    for (int k = 0; k < ncrit; k++)
        printf("%s%s", k ? " -> " : " ", p->st[crit[k]].id);
    printf("\n");
    if (nranks > 1) {
        printf("\n| start | end | ranks | stage |\n|--:|--:|:--|:--|\n");
        size_t *ord = xmalloc(n * sizeof *ord), m = 0;
        for (size_t i = 0; i < n; i++)
            if (pending[i])
                ord[m++] = i;
        for (size_t a = 1; a < m; a++) /* by start time, then plan order */
            for (size_t b = a; b > 0 && start[ord[b]] < start[ord[b - 1]]; b--) {
                size_t t = ord[b];
                ord[b] = ord[b - 1], ord[b - 1] = t;
            }
        for (size_t k = 0; k < m; k++) {
            const Stage *s = &p->st[ord[k]];
            char a[24], e[24], rk[32];
            int wd = sweep_stage_width(s, nranks);
            stage_fmt_secs(start[ord[k]], a, sizeof a);
            stage_fmt_secs(start[ord[k]] + sweep_stage_seconds(s, nranks), e, sizeof e);
            if (wd == 0)
                snprintf(rk, sizeof rk, "0 (itself)");
            else if (wd == 1)
                snprintf(rk, sizeof rk, "%d", rank[ord[k]]);
            else
                snprintf(rk, sizeof rk, "%d from %d", wd, rank[ord[k]]);
            printf("| %s | %s | %s | %s |\n", a, e, rk, s->id);
        }
        free(ord);
    }
    free(pending), free(rank), free(crit), free(start);
}

int sweep_run(SweepPlan *p, const SweepConfig *c, const SweepRun *r, TlError *err)
{
    int nranks = sweep_ranks();
    compute_keys(p);
    double spt[SWEEP_MAX_SIZES];
    sweep_estimate(p, c, spt);
    char speeds[400] = "", calib[600] = "";
    for (int k = 0; k < c->nsizes; k++)
        snprintf(speeds + strlen(speeds), sizeof speeds - strlen(speeds), "%s%s %.3g us/token", k ? ", " : "",
                 c->sizes[k].name, 1e6 * spt[k]);
    if (r->calibrate && sweep_calibrate(p, r->calibrate, calib, sizeof calib, err) != 0)
        return 2;
    if (util_mkdir_p(p->dir) != 0) {
        tlerr_set(err, "%s: cannot create the run folder: %s", p->dir, strerror(errno));
        return 1;
    }
    Record *rec = xcalloc(p->n, sizeof *rec);
    read_manifest(p, rec);
    int *act = xcalloc(p->n, sizeof *act), *sel = xmalloc(p->n * sizeof *sel);
    double total = 0;
    for (size_t i = 0; i < p->n; i++) {
        const Stage *s = &p->st[i];
        sel[i] = 1;
        int same = rec[i].known && rec[i].key == s->key;
        if (same && strcmp(rec[i].status, "done") == 0 && exists(p, s->out) && !matches(r->force, s))
            act[i] = ACT_SKIP;
        else if (same && s->resumable && has_checkpoint(p, s) && !matches(r->force, s))
            act[i] = ACT_RESUME;
        else
            act[i] = rec[i].known && !same ? ACT_RERUN : ACT_RUN;
        if (r->only && act[i] != ACT_SKIP && !matches(r->only, s))
            sel[i] = 0; /* not selected: stays as it is */
        if (act[i] > ACT_SKIP && sel[i])
            total += s->est_seconds;
    }
    /* --only: what it runs must not need a stage that is neither done nor selected. */
    for (size_t i = 0; i < p->n; i++)
        for (int k = 0; k < p->st[i].ndeps && act[i] > ACT_SKIP && sel[i]; k++) {
            int d = p->st[i].deps[k];
            if (act[d] != ACT_SKIP && !sel[d]) {
                tlerr_set(err, "--only: stage %s needs %s, which is not done; run it first (or without --only)",
                          p->st[i].id, p->st[d].id);
                free(rec);
                free(act);
                free(sel);
                return 2;
            }
        }
    char tot[24];
    stage_fmt_secs(total, tot, sizeof tot);
    if (r->dry_run) {
        printf("Sweep %s: %zu stages in %s (config %s)\n\n", c->name, p->n, p->dir, c->path);
        printf("| stage | action | estimate | command |\n|:--|:--|--:|:--|\n");
        for (size_t i = 0; i < p->n; i++) {
            const Stage *s = &p->st[i];
            char est[24];
            stage_fmt_secs(s->est_seconds, est, sizeof est);
            printf("| %s | %s | %s | ", s->id, sel[i] || act[i] == ACT_SKIP ? ACT_NAME[act[i]] : "not selected (--only)",
                   act[i] > ACT_SKIP && sel[i] ? est : "");
            if (s->kind == STAGE_CMD)
                for (int k = 0; k < s->argc; k++)
                    printf(strchr(s->argv[k], ' ') ? "%s'%s'" : "%s%s", k ? " " : "`tldrlab ", s->argv[k]);
            printf("%s |\n", s->kind == STAGE_CMD        ? "`"
                              : s->kind == STAGE_WRITE    ? "(written by sweep)"
                              : s->kind == STAGE_CONCAT   ? "(the inputs' CSV, concatenated)"
                              : s->kind == STAGE_FINDINGS ? "(the paper's claims checked: findings.md, findings.json)"
                              : s->kind == STAGE_SEEDS    ? "(every seed's numbers side by side, with intervals over seeds: seeds.md, .csv, .json)"
                                                          : "(the inputs' meta.json, merged)");
        }
        printf("\nEstimated time of what is left: %s, from the speed measured just now of a training step "
               "(forward and backward) per size: %s; sampling, PPO and best-of-N are counted in such steps "
               "(sweep/plan.c), each command adds about a second.\n", tot, speeds);
        if (calib[0])
            printf("Calibrated by %s, each group's estimates times its measured/estimated seconds there: %s.\n",
                   r->calibrate, calib);
        print_schedule(p, act, sel, r->ranks > 0 ? r->ranks : nranks);
        free(rec);
        free(act);
        free(sel);
        return 0;
    }
    atomic_graceful_stop(&stop_sig);
    int tty = isatty(STDERR_FILENO);
    double started = (double)time(NULL);
    char cwd[4096];
    Runner u = {.p = p, .c = c, .r = r, .rec = rec, .act = act, .sel = sel, .started = started, .tty = tty,
                .nranks = nranks};
    u.dir = p->dir[0] == '/' || !getcwd(cwd, sizeof cwd) ? xstrdup(p->dir) : util_path_join(cwd, p->dir);
    u.logs = util_path_join(u.dir, "logs");
    util_mkdir_p(u.logs);
    for (size_t i = 0; i < p->n; i++)
        u.to_run += act[i] > ACT_SKIP && sel[i];
    if (!r->quiet)
        fprintf(stderr, "sweep %s: %zu stages, %zu to run (about %s of stage time at %s), in %s%s\n", c->name, p->n,
                u.to_run, tot, speeds, p->dir, nranks > 1 ? ", on the job's ranks" : "");
    if (!r->quiet && nranks > 1) {
        char wall[24];
        int *pending = xmalloc(p->n * sizeof *pending);
        for (size_t i = 0; i < p->n; i++)
            pending[i] = act[i] > ACT_SKIP && sel[i];
        stage_fmt_secs(sweep_schedule(p, pending, NULL, nranks, NULL, NULL, NULL, NULL), wall, sizeof wall);
        fprintf(stderr, "sweep %s: %d ranks, about %s of wall time by the schedule (--dry-run shows it)\n", c->name,
                nranks, wall);
        free(pending);
    }
    int rc = run_stages(&u, err);
    if (rc == 0 && !r->quiet) {
        if (c->nseeds > 1)
            fprintf(stderr, "sweep %s: finished; the seeds side by side are in %s/seeds.md, each seed's report in "
                            "%s/seeds/SEED/report/report.html\n", c->name, p->dir, p->dir);
        else
            fprintf(stderr, "sweep %s: finished; the report is %s/report/report.html\n", c->name, p->dir);
    }
    free(u.logs);
    free(u.dir);
    free(rec);
    free(act);
    free(sel);
    return rc;
}
