/* logreg.h — logistic regression by Newton's method (IRLS) on GSL linear
 * algebra, for sparse designs: each comparison row has at most a few
 * non-zero features (+1 for policy A, -1 for policy B, the log length
 * ratio). Newton steps solve H d = g with a Cholesky factorisation of the
 * p x p Hessian, which is accumulated in O(nnz) per iteration.
 *
 * logreg_fit_dense is the naive reference kernel (dense X, O(n p^2)); a
 * test keeps the two in agreement. */
#ifndef TL_LOGREG_H
#define TL_LOGREG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Rows in compressed sparse row form. Row i stands for m[i] Bernoulli
 * trials with the same features, y[i] of them successes (m = 1 and
 * y in {0, 1} for one comparison); grouping identical rows this way leaves
 * the likelihood, estimates and SEs unchanged and makes the fit cheaper. */
typedef struct {
    size_t n, p;
    size_t *rowptr;     /* (n+1) */
    uint32_t *col;      /* (nnz) */
    double *val;        /* (nnz) */
    double *y;          /* (n) successes */
    double *m;          /* (n) trials */
    size_t nnz;
    size_t cap_rows, cap_nnz;
} LogregDesign;

/* An empty design with p columns, room for rows and nnz entries (it grows
 * past them if needed). */
void logreg_design_init(LogregDesign *d, size_t p, size_t rows, size_t nnz);
void logreg_design_free(LogregDesign *d);
/* Appends a row of m trials with y successes and k entries (cols < p,
 * distinct). */
void logreg_design_add(LogregDesign *d, const uint32_t *cols, const double *vals, size_t k,
                       double y, double m);

typedef struct {
    int max_iter;   /* default 100 */
    double tol;     /* convergence: |d loglik| <= tol (|loglik| + 1) and
                       max |step| <= sqrt(tol) (1 + max |beta|); default 1e-12 */
} LogregOptions;

void logreg_options_default(LogregOptions *o);

typedef enum {
    LOGREG_OK = 0,
    LOGREG_SINGULAR = 1,   /* Hessian not positive definite: not identified */
    LOGREG_NOT_CONVERGED = 2
} LogregStatus;

typedef struct {
    size_t p;
    double *beta;     /* (p) estimates */
    double *se;       /* (p) standard errors sqrt(diag(H^-1)) */
    double *cov;      /* (p, p) inverse Hessian at beta, row-major */
    double *step;     /* (p) last Newton step: the drift direction when not converged */
    double loglik;
    int iterations;
    int converged;
    size_t n_extreme; /* rows with fitted probability within 1e-10 of 0 or 1 */
    size_t n_rows;    /* rows of the design */
} LogregFit;

void logreg_fit_init(LogregFit *f, size_t p);
void logreg_fit_free(LogregFit *f);

typedef struct LogregWork LogregWork;
LogregWork *logreg_work_alloc(size_t p);
void logreg_work_free(LogregWork *w);

/* Fits beta maximising the log-likelihood. Returns a LogregStatus; fit is
 * filled as far as possible (se and cov NaN when singular). */
LogregStatus logreg_fit(const LogregDesign *d, const LogregOptions *opt, LogregFit *fit, LogregWork *w);

/* The same fit with dense X and an O(n p^2) Hessian: the reference kernel. */
LogregStatus logreg_fit_dense(const LogregDesign *d, const LogregOptions *opt, LogregFit *fit);

/* Eigen-decomposes X'X / n and returns in nullmask[j] = 1 the columns that
 * load on a (near) null direction, i.e. are not identified. Returns the
 * number of flagged columns. */
size_t logreg_null_columns(const LogregDesign *d, uint8_t *nullmask);

#endif
