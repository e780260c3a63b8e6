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

/* This rank will return rc and no rank is left waiting for it: every rank
 * stops at the same step (a graceful stop, after rank 0's checkpoint and a
 * barrier), or the others were told to finish (a sweep's workers).
 * tlmpi_finalize(rc) then finalises MPI as after success, and mpirun exits
 * with rc. Any other non-zero code with several ranks aborts the job, as
 * one rank failing alone would leave the others waiting in a collective. */
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
double tlmpi_max_double(double v);
/* rows holds n rows of row_bytes, each rank's share (tlmpi_share) filled
 * by that rank: afterwards every rank holds them all. */
void tlmpi_share_all(void *rows, size_t row_bytes, size_t n);
/* Rank root's bytes to every rank. */
void tlmpi_bcast(void *buf, size_t bytes, int root);
/* Waits for every rank (sleeping, not spinning, between polls). */
void tlmpi_barrier(void);

#endif
