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

static int run_cmd(const SweepPlan *p, const SweepRun *r, const Stage *s, int resume, const char *log, double left_after,
                   int tty)
{
    pid_t pid = fork();
    if (pid < 0)
        return 126;
    if (pid == 0) {
        if (chdir(p->dir) != 0 || (s->cwd[0] && chdir(s->cwd) != 0))
            _exit(126);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        char **argv = xcalloc((size_t)s->argc + 3, sizeof *argv);
        argv[0] = (char *)r->self;
        memcpy(argv + 1, s->argv, (size_t)s->argc * sizeof *argv);
        if (resume)
            argv[s->argc + 1] = (char *)"--resume";
        execv(r->self, argv);
        _exit(127);
    }
    atomic_child(pid);
    double t0 = util_now(), last = t0, tdone0 = t0;
    long done0 = -1;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            status = 126 << 8;
            break;
        }
        nanosleep(&(struct timespec){0, 200000000L}, NULL);
        double t = util_now();
        if (!r->quiet && (tty ? t - last >= 1 : t - last >= 30)) {
            char el[24], est[24], tot[24], rest[24];
            long done, total;
            stage_fmt_secs(t - t0, el, sizeof el);
            stage_fmt_secs(s->est_seconds, est, sizeof est);
            if (train_step(p, s, &done, &total)) {
                /* the stage's own pace since it started here (a resumed one began at done0) */
                if (done0 < 0)
                    done0 = done, tdone0 = t;
                double left = done > done0 && t > tdone0 ? (double)(total - done) * (t - tdone0) / (double)(done - done0)
                                                         : fmax(s->est_seconds - (t - t0), 0);
                stage_fmt_secs(left, rest, sizeof rest);
                stage_fmt_secs(left + left_after, tot, sizeof tot);
                fprintf(stderr, tty ? "\r  %s: step %ld of %ld, %s, about %s left; sweep: about %s left   "
                                    : "  %s: step %ld of %ld, %s, about %s left; sweep: about %s left\n",
                        s->id, done, total, el, rest, tot);
            } else {
                stage_fmt_secs(fmax(s->est_seconds - (t - t0), 0) + left_after, tot, sizeof tot);
                fprintf(stderr, tty ? "\r  %s: %s of about %s; sweep: about %s left   "
                                    : "  %s: %s of about %s; sweep: about %s left\n",
                        s->id, el, est, tot);
            }
            last = t;
        }
    }
    atomic_child(0);
    if (tty && !r->quiet)
        fprintf(stderr, "\r%*s\r", 100, "");
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 126;
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

int sweep_run(SweepPlan *p, const SweepConfig *c, const SweepRun *r, TlError *err)
{
    compute_keys(p);
    double spt[SWEEP_MAX_SIZES];
    sweep_estimate(p, c, spt);
    char speeds[400] = "";
    for (int k = 0; k < c->nsizes; k++)
        snprintf(speeds + strlen(speeds), sizeof speeds - strlen(speeds), "%s%s %.3g us/token", k ? ", " : "",
                 c->sizes[k].name, 1e6 * spt[k]);
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
        free(rec);
        free(act);
        free(sel);
        return 0;
    }
    char *logs = run_path(p, "logs");
    util_mkdir_p(logs);
    atomic_graceful_stop(&stop_sig);
    int tty = isatty(STDERR_FILENO);
    double started = (double)time(NULL), left = total;
    size_t to_run = 0, done_n = 0;
    for (size_t i = 0; i < p->n; i++)
        to_run += act[i] > ACT_SKIP && sel[i];
    if (!r->quiet)
        fprintf(stderr, "sweep %s: %zu stages, %zu to run (about %s at %s), in %s\n", c->name, p->n, to_run, tot, speeds,
                p->dir);
    int rc = 0;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        Stage *s = &p->st[i];
        if (act[i] <= ACT_SKIP || !sel[i])
            continue;
        done_n++;
        left -= s->est_seconds;
        if (!r->quiet) {
            char est[24];
            stage_fmt_secs(s->est_seconds, est, sizeof est);
            fprintf(stderr, "[%zu/%zu] %s: %s (about %s)\n", done_n, to_run, s->id,
                    act[i] == ACT_RESUME ? "resuming from its checkpoint" : act[i] == ACT_RERUN ? "rerunning" : "running",
                    est);
        }
        char *outp = run_path(p, s->out);
        if (act[i] != ACT_RESUME && util_remove_tree(outp) != 0) {
            tlerr_set(err, "%s: cannot remove the stale output: %s", outp, strerror(errno));
            free(outp);
            rc = 1;
            break;
        }
        free(outp);
        rec[i].known = 1;
        rec[i].key = s->key;
        rec[i].seconds = NAN;
        snprintf(rec[i].status, sizeof rec[i].status, "running");
        rec[i].sum[0] = '\0';
        write_manifest(p, c, r, rec, started);
        double t0 = util_now();
        int st = 0;
        if (s->cwd[0]) { /* a seed's folder */
            char *cw = run_path(p, s->cwd);
            util_mkdir_p(cw);
            free(cw);
        }
        if (s->kind == STAGE_CMD) {
            char lname[128], *lp;
            snprintf(lname, sizeof lname, "%s.log", s->id);
            for (char *q = lname; *q; q++)
                if (*q == '/')
                    *q = '_';
            lp = util_path_join(logs, lname);
            /* the child runs in the run folder: give it the log's absolute path */
            char cwd[4096];
            char *alp = lp[0] == '/' || !getcwd(cwd, sizeof cwd) ? xstrdup(lp) : util_path_join(cwd, lp);
            st = run_cmd(p, r, s, act[i] == ACT_RESUME, alp, left, tty);
            if (st != 0 && !stop_sig) {
                tlerr_set(err, "stage %s failed (exit %d); its output is in %s", s->id, st, lp);
                size_t len = 0;
                char *text = util_read_file(alp, &len);
                if (text && !r->quiet) { /* the last lines say why */
                    const char *t = text + len;
                    for (int nl = 0; t > text && nl < 12; t--)
                        nl += t[-1] == '\n';
                    fprintf(stderr, "%s", t);
                }
                free(text);
            }
            free(alp);
            free(lp);
        } else if (s->kind == STAGE_WRITE) {
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
        rec[i].seconds = util_now() - t0;
        if (stop_sig) {
            snprintf(rec[i].status, sizeof rec[i].status, "stopped");
            write_manifest(p, c, r, rec, started);
            tlerr_set(err, "stopped by signal %d during %s; run the same command again to resume", (int)stop_sig, s->id);
            rc = 128 + stop_sig;
            break;
        }
        snprintf(rec[i].status, sizeof rec[i].status, "%s", st == 0 ? "done" : "failed");
        rec[i].sum[0] = '\0';
        if (st == 0) {
            char *op = run_path(p, s->out);
            snprintf(rec[i].sum, sizeof rec[i].sum, "%016llx", (unsigned long long)path_sum(op));
            free(op);
        }
        write_manifest(p, c, r, rec, started);
        if (st != 0) {
            rc = st > 0 && st < 126 ? 1 : st;
            break;
        }
        if (!r->quiet) {
            char took[24], rest[24];
            stage_fmt_secs(rec[i].seconds, took, sizeof took);
            stage_fmt_secs(left, rest, sizeof rest);
            fprintf(stderr, "[%zu/%zu] %s: done in %s; sweep: about %s left\n", done_n, to_run, s->id, took, rest);
        }
    }
    if (rc == 0 && !r->quiet) {
        if (c->nseeds > 1)
            fprintf(stderr, "sweep %s: finished; the seeds side by side are in %s/seeds.md, each seed's report in "
                            "%s/seeds/SEED/report/report.html\n", c->name, p->dir, p->dir);
        else
            fprintf(stderr, "sweep %s: finished; the report is %s/report/report.html\n", c->name, p->dir);
    }
    free(logs);
    free(rec);
    free(act);
    free(sel);
    return rc;
}
