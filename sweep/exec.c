/* exec.c — where a sweep's stages run (sweep.h, "Ranks"): a child process
 * of this rank (fork and exec), a data-parallel stage's ranks started with
 * MPI_Comm_spawn, or another rank of an `mpirun` job, which a worker loop
 * there runs the same way. Without MPI (or one rank) only the first. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "sweep/sweep.h"
#include "common/atomic.h"
#include "common/util.h"
#include "common/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#include <sys/prctl.h>
#endif

#ifdef TLDRLAB_MPI
#include <mpi.h>
#endif

/* ---- a stage on this rank: fork and exec ---- */

/* The OpenMP threads of a stage when OMP_NUM_THREADS does not say: the
 * cores this rank is bound to when mpirun bound it to fewer than the
 * machine has, else the machine's cores shared among the job's ranks on
 * it (OMPI_COMM_WORLD_LOCAL_SIZE). 0: leave OpenMP's default (one rank). */
static int stage_threads(void)
{
    if (getenv("OMP_NUM_THREADS") || sweep_ranks() <= 1)
        return 0;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int bound = 0;
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        bound = CPU_COUNT(&set);
#endif
    if (bound > 0 && bound < online)
        return bound;
    const char *ls = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    long local = ls ? atol(ls) : 1;
    long t = online / (local > 0 ? local : 1);
    return t > 0 ? (int)t : 1;
}

static int fork_task(SweepJob *j, const SweepTask *t)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
#ifdef __linux__
        /* the stage stops (and checkpoints) when its rank dies: mpirun's
         * abort must not leave it running beside the rerun */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
        if (chdir(t->cwd) != 0)
            _exit(126);
        int fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        /* the stage is a process of its own, not a rank of this job */
        setenv("TLDRLAB_MPI", "0", 1);
        if (t->threads > 0) {
            char n[16];
            snprintf(n, sizeof n, "%d", t->threads);
            setenv("OMP_NUM_THREADS", n, 1);
        }
        execv(t->argv[0], t->argv);
        _exit(127);
    }
    j->pid = pid;
    atomic_child(pid);
    return 0;
}

/* ---- a data-parallel stage: MPI_Comm_spawn ---- */

#ifdef TLDRLAB_MPI
static void nap(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static char hostnames[4096]; /* every rank's host, comma-separated in rank order */

/* A word for sh -c, in single quotes. */
static void sh_quote(StrBuf *b, const char *s)
{
    sb_add(b, "'");
    for (; *s; s++)
        if (*s == '\'')
            sb_add(b, "'\\''");
        else
            sb_printf(b, "%c", *s);
    sb_add(b, "'");
}

/* Ranks r..: t->ranks processes of the stage on the hosts of the ranks
 * the scheduler gave it, through sh for the folder and the log. */
static int spawn_task(SweepJob *j, const SweepTask *t)
{
    StrBuf cmd;
    sb_init(&cmd);
    sb_add(&cmd, "cd ");
    sh_quote(&cmd, t->cwd);
    sb_add(&cmd, " && ");
    if (t->threads > 0)
        sb_printf(&cmd, "OMP_NUM_THREADS=%d ", t->threads);
    sb_add(&cmd, "exec");
    for (int k = 0; k < t->argc; k++) {
        sb_add(&cmd, " ");
        sh_quote(&cmd, t->argv[k]);
    }
    sb_add(&cmd, " >> ");
    sh_quote(&cmd, t->log);
    sb_add(&cmd, " 2>&1");
    /* the log starts empty, as a forked stage's does */
    int fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
        close(fd);
    MPI_Info info;
    MPI_Info_create(&info);
    /* the spawned ranks take the cores of the ranks set aside for them,
     * which wait without spinning */
    MPI_Info_set(info, "map_by", "slot:OVERSUBSCRIBE");
    if (t->hosts[0])
        MPI_Info_set(info, "host", (char *)t->hosts);
    char *args[] = {(char *)"-c", (char *)sb_str(&cmd), NULL};
    MPI_Comm inter;
    int *errs = xcalloc((size_t)t->ranks, sizeof *errs);
    int rc = MPI_Comm_spawn("/bin/sh", args, t->ranks, info, 0, MPI_COMM_SELF, &inter, errs);
    MPI_Info_free(&info);
    free(errs);
    sb_free(&cmd);
    if (rc != MPI_SUCCESS)
        return -1;
    j->inter = xmalloc(sizeof(MPI_Comm));
    *(MPI_Comm *)j->inter = inter;
    return 0;
}
#endif

int sweep_job_start(SweepJob *j, const SweepTask *tk)
{
    SweepTask tt = *tk, *t = &tt;
    t->threads = stage_threads();
    memset(j, 0, sizeof *j);
    j->pid = -1;
    j->t0 = util_now();
#ifdef TLDRLAB_MPI
    if (t->ranks > 1)
        return spawn_task(j, t);
#endif
    return fork_task(j, t);
}

int sweep_job_poll(SweepJob *j, int *status)
{
#ifdef TLDRLAB_MPI
    if (j->inter) {
        MPI_Comm *ic = j->inter;
        int flag = 0, rc = 0;
        MPI_Iprobe(0, 77, *ic, &flag, MPI_STATUS_IGNORE);
        if (!flag)
            return 0;
        MPI_Recv(&rc, 1, MPI_INT, 0, 77, *ic, MPI_STATUS_IGNORE);
        MPI_Comm_disconnect(ic);
        free(j->inter);
        j->inter = NULL;
        *status = rc;
        return 1;
    }
#endif
    int st = 0;
    pid_t w = waitpid(j->pid, &st, WNOHANG);
    if (w == 0 || (w < 0 && errno == EINTR))
        return 0;
    atomic_child(0);
    *status = w < 0                ? 126
              : WIFSIGNALED(st)    ? 128 + WTERMSIG(st)
              : WIFEXITED(st)      ? WEXITSTATUS(st)
                                   : 126;
    return 1;
}

void sweep_job_signal(SweepJob *j, int sig)
{
    if (j->pid > 0)
        kill(j->pid, sig);
}

/* ---- the ranks of an mpirun job ---- */

enum { TAG_TASK = 1, TAG_QUIT = 2, TAG_DONE = 3, TAG_STOP = 4 };

#ifdef TLDRLAB_MPI
static int world_size(void)
{
    int init = 0, fin = 0, n = 1;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin)
        MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

int sweep_ranks(void)
{
    static int gathered;
    int n = world_size();
    if (n > 1 && !gathered) {
        /* every rank's host, for placing a data-parallel stage */
        char name[MPI_MAX_PROCESSOR_NAME] = "", *all = xcalloc((size_t)n, MPI_MAX_PROCESSOR_NAME);
        int len = 0;
        MPI_Get_processor_name(name, &len);
        MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
        hostnames[0] = '\0';
        for (int k = 0; k < n; k++)
            snprintf(hostnames + strlen(hostnames), sizeof hostnames - strlen(hostnames), "%s%s", k ? "," : "",
                     all + (size_t)k * MPI_MAX_PROCESSOR_NAME);
        free(all);
        gathered = 1;
    }
    return n;
}

void sweep_task_hosts(SweepTask *t, const int *ranks, int n)
{
    t->hosts[0] = '\0';
    for (int k = 0; k < n; k++) {
        /* the ranks-th comma-separated name */
        const char *h = hostnames;
        for (int c = 0; c < ranks[k] && h; c++)
            h = strchr(h, ',') ? strchr(h, ',') + 1 : NULL;
        if (!h)
            continue;
        size_t len = strcspn(h, ",");
        snprintf(t->hosts + strlen(t->hosts), sizeof t->hosts - strlen(t->hosts), "%s%.*s", k ? "," : "", (int)len, h);
    }
}

/* A task as bytes: ranks, argc, then cwd, log, hosts and argv, each
 * NUL-terminated. */
static char *pack(const SweepTask *t, int *len)
{
    StrBuf b;
    sb_init(&b);
    sb_printf(&b, "%d %d", t->ranks, t->argc);
    sb_addn(&b, "", 1);
    sb_addn(&b, t->cwd, strlen(t->cwd) + 1);
    sb_addn(&b, t->log, strlen(t->log) + 1);
    sb_addn(&b, t->hosts, strlen(t->hosts) + 1);
    for (int k = 0; k < t->argc; k++)
        sb_addn(&b, t->argv[k], strlen(t->argv[k]) + 1);
    *len = (int)b.len;
    char *out = xmalloc(b.len);
    memcpy(out, b.s, b.len);
    sb_free(&b);
    return out;
}

/* unpack's result points into buf, which must outlive it */
static void unpack(char *buf, SweepTask *t)
{
    memset(t, 0, sizeof *t);
    sscanf(buf, "%d %d", &t->ranks, &t->argc);
    char *s = buf + strlen(buf) + 1;
    t->cwd = s, s += strlen(s) + 1;
    t->log = s, s += strlen(s) + 1;
    snprintf(t->hosts, sizeof t->hosts, "%s", s), s += strlen(s) + 1;
    t->argv = xcalloc((size_t)t->argc + 1, sizeof *t->argv);
    for (int k = 0; k < t->argc; k++)
        t->argv[k] = s, s += strlen(s) + 1;
}

void sweep_remote_start(int rank, const SweepTask *t)
{
    int len;
    char *buf = pack(t, &len);
    MPI_Send(buf, len, MPI_BYTE, rank, TAG_TASK, MPI_COMM_WORLD);
    free(buf);
}

int sweep_remote_poll(int *rank, int *status)
{
    int flag = 0;
    MPI_Status st;
    if (world_size() <= 1)
        return 0;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, MPI_COMM_WORLD, &flag, &st);
    if (!flag)
        return 0;
    MPI_Recv(status, 1, MPI_INT, st.MPI_SOURCE, TAG_DONE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    *rank = st.MPI_SOURCE;
    return 1;
}

void sweep_remote_signal(int rank, int sig)
{
    MPI_Send(&sig, 1, MPI_INT, rank, TAG_STOP, MPI_COMM_WORLD);
}

void sweep_remote_quit(void)
{
    int n = world_size(), z = 0;
    for (int k = 1; k < n; k++)
        MPI_Send(&z, 1, MPI_INT, k, TAG_QUIT, MPI_COMM_WORLD);
}

/* Waits (sleeping between polls) for a message from rank 0; its tag. */
static int await(MPI_Status *st)
{
    for (int flag = 0;;) {
        MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st);
        if (flag)
            return st->MPI_TAG;
        nap(50);
    }
}

int sweep_worker(void)
{
    /* mpirun's SIGTERM (or SIGINT) goes to the running stage, which
     * checkpoints; this rank then reports it and waits for rank 0 */
    static volatile sig_atomic_t stop;
    atomic_graceful_stop(&stop);
    for (;;) {
        MPI_Status st;
        int tag = await(&st), z;
        if (tag == TAG_QUIT || tag == TAG_STOP) {
            MPI_Recv(&z, 1, MPI_INT, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (tag == TAG_QUIT)
                return 0;
            continue; /* a stop for a stage that has already ended */
        }
        int len;
        MPI_Get_count(&st, MPI_BYTE, &len);
        char *buf = xmalloc((size_t)len + 1);
        MPI_Recv(buf, len, MPI_BYTE, 0, TAG_TASK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        buf[len] = '\0';
        SweepTask t;
        unpack(buf, &t);
        SweepJob j;
        int status = 126;
        if (sweep_job_start(&j, &t) == 0)
            while (!sweep_job_poll(&j, &status)) {
                int flag = 0, sig;
                MPI_Iprobe(0, TAG_STOP, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
                if (flag) { /* rank 0 was told to stop: so is the stage */
                    MPI_Recv(&sig, 1, MPI_INT, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    sweep_job_signal(&j, sig);
                }
                nap(100);
            }
        MPI_Send(&status, 1, MPI_INT, 0, TAG_DONE, MPI_COMM_WORLD);
        free(t.argv);
        free(buf);
    }
}

#else /* one rank */

int sweep_ranks(void) { return 1; }
void sweep_task_hosts(SweepTask *t, const int *ranks, int n) { (void)ranks, (void)n, t->hosts[0] = '\0'; }
void sweep_remote_start(int rank, const SweepTask *t) { (void)rank, (void)t; }
int sweep_remote_poll(int *rank, int *status) { (void)rank, (void)status; return 0; }
void sweep_remote_signal(int rank, int sig) { (void)rank, (void)sig; }
void sweep_remote_quit(void) {}
int sweep_worker(void) { return 0; }

#endif
