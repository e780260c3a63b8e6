/* tlmpi.h — the one place tldrlab talks to MPI (OpenMPI; docs/scale-out.md).
 *
 * Built with MPI (make MPI=1, the default when mpicc is found) the
 * functions below call MPI; without it, or when the process was not
 * started by mpirun/srun (or was told not to, TLDRLAB_MPI=0), they act as
 * a world of one rank and cost nothing. So every command runs the same way
 * under `mpirun -np 1` as alone, and a training command under `mpirun -np
 * K` is data-parallel: each rank takes its share of every batch
 * (tlmpi_share) and the gradients are summed across ranks
 * (tlmpi_sum_float) before the optimiser step, which every rank then takes
 * alike. Rank 0 alone writes files and prints progress.
 *
 * A process that exits through tl_die with more than one rank aborts the
 * whole job (MPI_Abort): the other ranks would otherwise wait for it
 * forever. A sweep started with `mpirun` reruns from its manifest. */
#ifndef TL_TLMPI_H
#define TL_TLMPI_H

#include <stddef.h>
#include <stdint.h>

/* Initialises MPI when this process was started as an MPI rank. Call once
 * at the start of main; tlmpi_finalize(rc) before returning rc. */
void tlmpi_init(int *argc, char ***argv);
void tlmpi_finalize(int rc);

/* The ranks finish on their own (a sweep's workers were told to quit):
 * tlmpi_finalize then ends normally whatever the exit code. Otherwise a
 * non-zero code with several ranks aborts the job, as one rank failing
 * alone would leave the others waiting in a collective. */
void tlmpi_independent(void);

/* Every rank will return rc, having decided so together (a graceful stop
 * at the same step, after rank 0's checkpoint and a barrier):
 * tlmpi_finalize(rc) then finalises MPI as after success instead of
 * aborting the job, and mpirun exits with rc. */
void tlmpi_agree_exit(int rc);

/* 1 when this build has MPI (whether or not this process runs under it). */
int tlmpi_built(void);
int tlmpi_rank(void);
int tlmpi_size(void);

/* The share of n items (a batch's rows) of rank r of size: [*lo, *hi),
 * contiguous, in rank order, sizes differing by at most one. */
void tlmpi_share(size_t n, int r, int size, size_t *lo, size_t *hi);

/* In-place sums across ranks (every rank gets the total). */
void tlmpi_sum_float(float *x, size_t n);
void tlmpi_sum_double(double *x, size_t n);
/* The largest of every rank's v. */
long tlmpi_max_long(long v);
/* Rank root's bytes to every rank. */
void tlmpi_bcast(void *buf, size_t bytes, int root);
/* Waits for every rank (sleeping, not spinning, between polls). */
void tlmpi_barrier(void);

#endif
