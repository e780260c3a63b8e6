/* tlmpi.c — MPI when built with it (TLDRLAB_MPI) and started under
 * mpirun; a world of one rank otherwise (tlmpi.h). */
#include "common/tlmpi.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void tlmpi_share(size_t n, int r, int size, size_t *lo, size_t *hi)
{
    size_t k = (size_t)(size > 0 ? size : 1), q = n / k, rem = n % k, rr = (size_t)r;
    *lo = rr * q + (rr < rem ? rr : rem);
    *hi = *lo + q + (rr < rem);
}

void tlmpi_share_all(void *rows, size_t row_bytes, size_t n)
{
    int size = tlmpi_size();
    for (int r = 0; size > 1 && r < size; r++) {
        size_t lo, hi;
        tlmpi_share(n, r, size, &lo, &hi);
        tlmpi_bcast((char *)rows + lo * row_bytes, (hi - lo) * row_bytes, r);
    }
}

#ifdef TLDRLAB_MPI
#include <mpi.h>

static int active, rank_, size_ = 1;
static int agreed_rc; /* tlmpi_agree_exit's: an exit code that leaves no rank waiting */

/* Started by mpirun (OpenMPI sets OMPI_COMM_WORLD_SIZE, also in the
 * processes MPI_Comm_spawn starts), or by srun/another launcher (PMIx,
 * PMI). TLDRLAB_MPI=0 says no: the sweep sets it in the stages it forks,
 * which must not join their rank's job. */
static int launched(void)
{
    const char *no = getenv("TLDRLAB_MPI");
    if (no && strcmp(no, "0") == 0)
        return 0;
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

static void die_hook(int code)
{
    if (size_ > 1)
        MPI_Abort(MPI_COMM_WORLD, code ? code : 1);
    tlmpi_finalize(code ? code : 1); /* one rank: a plain exit (a sweep that spawned it hears the code) */
}

/* exit() from elsewhere (--help, a usage error): every rank takes the same
 * path, so MPI_Finalize is safe; a spawned stage reports a failure, since
 * its exit code is not known here. */
static void at_exit(void)
{
    MPI_Comm parent = MPI_COMM_NULL;
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin)
        MPI_Comm_get_parent(&parent);
    tlmpi_finalize(parent != MPI_COMM_NULL);
}

void tlmpi_init(int *argc, char ***argv)
{
    if (!launched())
        return;
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        tl_die(TL_EXIT_RUNTIME, "MPI_Init failed");
    active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    tl_exit_hook = die_hook;
    atexit(at_exit);
}

void tlmpi_finalize(int rc)
{
    if (!active)
        return;
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin)
        return;
    tl_exit_hook = NULL;
    /* Started by a sweep's MPI_Comm_spawn: rank 0 tells the sweep its exit
     * code, then both sides let go of the connection. */
    MPI_Comm parent;
    MPI_Comm_get_parent(&parent);
    if (parent != MPI_COMM_NULL) {
        int all = rc;
        MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (rank_ == 0)
            MPI_Send(&all, 1, MPI_INT, 0, 77, parent);
        MPI_Comm_disconnect(&parent);
    } else if (rc != 0 && size_ > 1 && rc != agreed_rc) {
        /* a rank that fails alone would leave the others waiting */
        MPI_Abort(MPI_COMM_WORLD, rc);
    }
    MPI_Finalize();
}

void tlmpi_agree_exit(int rc) { agreed_rc = rc; }
int tlmpi_built(void) { return 1; }
int tlmpi_rank(void) { return rank_; }
int tlmpi_size(void) { return size_; }

void tlmpi_sum_float(float *x, size_t n)
{
    /* in pieces: MPI counts are int */
    for (size_t off = 0; size_ > 1 && off < n; off += 1u << 28) {
        size_t k = n - off < (1u << 28) ? n - off : (1u << 28);
        MPI_Allreduce(MPI_IN_PLACE, x + off, (int)k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
}

void tlmpi_sum_double(double *x, size_t n)
{
    for (size_t off = 0; size_ > 1 && off < n; off += 1u << 27) {
        size_t k = n - off < (1u << 27) ? n - off : (1u << 27);
        MPI_Allreduce(MPI_IN_PLACE, x + off, (int)k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
}

long tlmpi_max_long(long v)
{
    long m = v;
    if (size_ > 1)
        MPI_Allreduce(&v, &m, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

double tlmpi_max_double(double v)
{
    double m = v;
    if (size_ > 1)
        MPI_Allreduce(&v, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

void tlmpi_bcast(void *buf, size_t bytes, int root)
{
    for (size_t off = 0; size_ > 1 && off < bytes; off += 1u << 30) {
        size_t k = bytes - off < (1u << 30) ? bytes - off : (1u << 30);
        MPI_Bcast((char *)buf + off, (int)k, MPI_BYTE, root, MPI_COMM_WORLD);
    }
}

void tlmpi_barrier(void)
{
    if (size_ <= 1)
        return;
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    for (int done = 0;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            break;
        nanosleep(&(struct timespec){0, 20000000L}, NULL);
    }
}

#else /* a world of one rank */

void tlmpi_init(int *argc, char ***argv) { (void)argc, (void)argv; }
void tlmpi_finalize(int rc) { (void)rc; }
void tlmpi_agree_exit(int rc) { (void)rc; }
int tlmpi_built(void) { return 0; }
int tlmpi_rank(void) { return 0; }
int tlmpi_size(void) { return 1; }
void tlmpi_sum_float(float *x, size_t n) { (void)x, (void)n; }
void tlmpi_sum_double(double *x, size_t n) { (void)x, (void)n; }
long tlmpi_max_long(long v) { return v; }
double tlmpi_max_double(double v) { return v; }
void tlmpi_bcast(void *buf, size_t bytes, int root) { (void)buf, (void)bytes, (void)root; }
void tlmpi_barrier(void) {}

#endif
