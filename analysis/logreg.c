/* logreg.c — Newton/IRLS logistic regression, sparse and dense kernels. */
#include "analysis/logreg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

void logreg_design_init(LogregDesign *d, size_t p, size_t rows, size_t nnz)
{
    memset(d, 0, sizeof *d);
    d->p = p;
    d->cap_rows = rows + 1;
    d->cap_nnz = nnz ? nnz : 1;
    d->rowptr = xmalloc((d->cap_rows + 1) * sizeof *d->rowptr);
    d->y = xmalloc(d->cap_rows * sizeof *d->y);
    d->m = xmalloc(d->cap_rows * sizeof *d->m);
    d->col = xmalloc(d->cap_nnz * sizeof *d->col);
    d->val = xmalloc(d->cap_nnz * sizeof *d->val);
    d->rowptr[0] = 0;
}

void logreg_design_free(LogregDesign *d)
{
    free(d->rowptr);
    free(d->col);
    free(d->val);
    free(d->y);
    free(d->m);
    memset(d, 0, sizeof *d);
}

void logreg_design_add(LogregDesign *d, const uint32_t *cols, const double *vals, size_t k,
                       double y, double m)
{
    if (d->n + 1 >= d->cap_rows) {
        d->cap_rows *= 2;
        d->rowptr = xrealloc(d->rowptr, (d->cap_rows + 1) * sizeof *d->rowptr);
        d->y = xrealloc(d->y, d->cap_rows * sizeof *d->y);
        d->m = xrealloc(d->m, d->cap_rows * sizeof *d->m);
    }
    if (d->nnz + k > d->cap_nnz) {
        while (d->nnz + k > d->cap_nnz)
            d->cap_nnz *= 2;
        d->col = xrealloc(d->col, d->cap_nnz * sizeof *d->col);
        d->val = xrealloc(d->val, d->cap_nnz * sizeof *d->val);
    }
    for (size_t j = 0; j < k; j++) {
        d->col[d->nnz] = cols[j];
        d->val[d->nnz++] = vals[j];
    }
    d->y[d->n] = y;
    d->m[d->n++] = m;
    d->rowptr[d->n] = d->nnz;
}

void logreg_options_default(LogregOptions *o)
{
    o->max_iter = 100;
    o->tol = 1e-12;
}

void logreg_fit_init(LogregFit *f, size_t p)
{
    memset(f, 0, sizeof *f);
    f->p = p;
    f->beta = xcalloc(p, sizeof *f->beta);
    f->se = xcalloc(p, sizeof *f->se);
    f->cov = xcalloc(p > 0 ? p * p : 1, sizeof *f->cov);
    f->step = xcalloc(p, sizeof *f->step);
}

void logreg_fit_free(LogregFit *f)
{
    free(f->beta);
    free(f->se);
    free(f->cov);
    free(f->step);
    memset(f, 0, sizeof *f);
}

/* log(1 + exp(x)) without overflow. */
static double log1pexp(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/* What one pass over the rows gives at beta: the log-likelihood
 * sum_i [y_i eta_i - m_i log(1 + e^eta_i)], the score X'(y - m mu), the
 * information X' diag(m mu (1 - mu)) X, and how many rows sit at 0 or 1. */
typedef struct {
    double ll;
    gsl_vector *g;
    gsl_matrix *H;
    size_t extreme;
} Eval;

/* Sparse kernel: O(nnz * row width) per pass. */
static void eval_sparse(const LogregDesign *d, const double *beta, Eval *ev)
{
    gsl_vector_set_zero(ev->g);
    gsl_matrix_set_zero(ev->H);
    double *gd = ev->g->data, *Hd = ev->H->data, ll = 0;
    size_t tda = ev->H->tda, extreme = 0;
    for (size_t i = 0; i < d->n; i++) {
        size_t a0 = d->rowptr[i], a1 = d->rowptr[i + 1];
        double e = 0;
        for (size_t a = a0; a < a1; a++)
            e += d->val[a] * beta[d->col[a]];
        /* One exp serves mu and log(1 + e^eta) = max(eta, 0) + log(1 + t);
         * log(1 + t) rather than log1p(t): t <= 1, so the absolute error
         * stays below 1e-16 per row, and log is several times faster. */
        double t = exp(-fabs(e));
        double mu = e >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);
        double l1p = (e > 0 ? e : 0) + log(1.0 + t);
        ll += d->y[i] * e - d->m[i] * l1p;
        extreme += mu < 1e-10 || mu > 1 - 1e-10;
        double r = d->y[i] - d->m[i] * mu, wt = d->m[i] * mu * (1.0 - mu);
        for (size_t a = a0; a < a1; a++) {
            size_t ca = d->col[a];
            double va = d->val[a];
            gd[ca] += r * va;
            for (size_t b = a0; b < a1; b++)
                Hd[ca * tda + d->col[b]] += wt * va * d->val[b];
        }
    }
    ev->ll = ll;
    ev->extreme = extreme;
}

/* Dense reference kernel: X materialised, O(n p^2) per pass, the textbook
 * formulas with no shared subexpressions. */
static void eval_dense(const LogregDesign *d, const double *X, const double *beta, Eval *ev)
{
    size_t p = d->p;
    gsl_vector_set_zero(ev->g);
    gsl_matrix_set_zero(ev->H);
    ev->ll = 0;
    ev->extreme = 0;
    for (size_t i = 0; i < d->n; i++) {
        const double *x = X + i * p;
        double e = 0;
        for (size_t j = 0; j < p; j++)
            e += x[j] * beta[j];
        double mu = 1.0 / (1.0 + exp(-e));
        ev->ll += d->y[i] * e - d->m[i] * log1pexp(e);
        ev->extreme += mu < 1e-10 || mu > 1 - 1e-10;
        for (size_t j = 0; j < p; j++) {
            ev->g->data[j] += (d->y[i] - d->m[i] * mu) * x[j];
            for (size_t k = 0; k < p; k++)
                ev->H->data[j * ev->H->tda + k] += d->m[i] * mu * (1.0 - mu) * x[j] * x[k];
        }
    }
}

struct LogregWork {
    size_t p;
    Eval cur, trial;
    gsl_vector *d, *beta_try;
    gsl_matrix *chol;
};

LogregWork *logreg_work_alloc(size_t p)
{
    LogregWork *w = xcalloc(1, sizeof *w);
    size_t q = p ? p : 1;
    w->p = p;
    w->cur.g = gsl_vector_alloc(q);
    w->cur.H = gsl_matrix_alloc(q, q);
    w->trial.g = gsl_vector_alloc(q);
    w->trial.H = gsl_matrix_alloc(q, q);
    w->chol = gsl_matrix_alloc(q, q);
    w->d = gsl_vector_alloc(q);
    w->beta_try = gsl_vector_alloc(q);
    if (!w->cur.g || !w->cur.H || !w->trial.g || !w->trial.H || !w->chol || !w->d || !w->beta_try)
        tl_die(TL_EXIT_RUNTIME, "out of memory for a %zu-parameter logistic fit", p);
    return w;
}

void logreg_work_free(LogregWork *w)
{
    if (!w)
        return;
    gsl_vector_free(w->cur.g);
    gsl_matrix_free(w->cur.H);
    gsl_vector_free(w->trial.g);
    gsl_matrix_free(w->trial.H);
    gsl_matrix_free(w->chol);
    gsl_vector_free(w->d);
    gsl_vector_free(w->beta_try);
    free(w);
}

typedef struct {
    const LogregDesign *d;
    const double *X; /* dense copy for the reference kernel, or NULL */
} FitCtx;

static void eval_at(const FitCtx *c, const double *beta, Eval *ev)
{
    if (c->X)
        eval_dense(c->d, c->X, beta, ev);
    else
        eval_sparse(c->d, beta, ev);
}

/* Newton with step halving. One pass over the rows per iteration: the pass
 * at the accepted point also gives the next score and information, and at
 * the end the information for the covariance. */
static LogregStatus newton(const FitCtx *ctx, const LogregOptions *opt, LogregFit *fit, LogregWork *w)
{
    const LogregDesign *d = ctx->d;
    size_t p = d->p;
    double *beta = fit->beta;
    memset(beta, 0, p * sizeof *beta);
    memset(fit->step, 0, p * sizeof *fit->step);
    fit->converged = 0;
    fit->iterations = 0;
    fit->n_rows = d->n;
    eval_at(ctx, beta, &w->cur);
    LogregStatus status = LOGREG_NOT_CONVERGED;
    if (p == 0) {
        fit->loglik = w->cur.ll;
        fit->n_extreme = w->cur.extreme;
        fit->converged = 1;
        return LOGREG_OK;
    }
    for (int it = 1; it <= opt->max_iter; it++) {
        fit->iterations = it;
        gsl_matrix_memcpy(w->chol, w->cur.H);
        if (gsl_linalg_cholesky_decomp1(w->chol) != GSL_SUCCESS) {
            status = LOGREG_SINGULAR;
            break;
        }
        gsl_linalg_cholesky_solve(w->chol, w->cur.g, w->d);
        double t = 1.0;
        for (int h = 0; h < 50; h++) {
            for (size_t j = 0; j < p; j++)
                w->beta_try->data[j] = beta[j] + t * w->d->data[j];
            eval_at(ctx, w->beta_try->data, &w->trial);
            if (w->trial.ll >= w->cur.ll - 1e-12 * (fabs(w->cur.ll) + 1))
                break;
            t *= 0.5;
        }
        double max_step = 0, max_beta = 0;
        for (size_t j = 0; j < p; j++) {
            fit->step[j] = t * w->d->data[j];
            beta[j] = w->beta_try->data[j];
            max_step = fmax(max_step, fabs(fit->step[j]));
            max_beta = fmax(max_beta, fabs(beta[j]));
        }
        double dll = fabs(w->trial.ll - w->cur.ll);
        Eval tmp = w->cur; /* the trial point becomes the current one */
        w->cur = w->trial;
        w->trial = tmp;
        if (dll <= opt->tol * (fabs(w->cur.ll) + 1) && max_step <= sqrt(opt->tol) * (1 + max_beta)) {
            fit->converged = 1;
            status = LOGREG_OK;
            break;
        }
    }
    fit->loglik = w->cur.ll;
    fit->n_extreme = w->cur.extreme;
    /* Covariance = H^-1 at the final beta (w->cur holds H there). */
    gsl_matrix_memcpy(w->chol, w->cur.H);
    if (gsl_linalg_cholesky_decomp1(w->chol) != GSL_SUCCESS ||
        gsl_linalg_cholesky_invert(w->chol) != GSL_SUCCESS) {
        for (size_t j = 0; j < p * p; j++)
            fit->cov[j] = NAN;
        for (size_t j = 0; j < p; j++)
            fit->se[j] = NAN;
        return status == LOGREG_OK ? LOGREG_SINGULAR : status;
    }
    for (size_t j = 0; j < p; j++)
        for (size_t k = 0; k < p; k++)
            fit->cov[j * p + k] = gsl_matrix_get(w->chol, j, k);
    for (size_t j = 0; j < p; j++)
        fit->se[j] = sqrt(fit->cov[j * p + j]);
    return status;
}

LogregStatus logreg_fit(const LogregDesign *d, const LogregOptions *opt, LogregFit *fit, LogregWork *w)
{
    FitCtx ctx = {d, NULL};
    return newton(&ctx, opt, fit, w);
}

LogregStatus logreg_fit_dense(const LogregDesign *d, const LogregOptions *opt, LogregFit *fit)
{
    double *X = xcalloc(d->n > 0 && d->p > 0 ? d->n * d->p : 1, sizeof(double));
    for (size_t i = 0; i < d->n; i++)
        for (size_t k = d->rowptr[i]; k < d->rowptr[i + 1]; k++)
            X[i * d->p + d->col[k]] += d->val[k];
    FitCtx ctx = {d, X};
    LogregWork *w = logreg_work_alloc(d->p);
    LogregStatus st = newton(&ctx, opt, fit, w);
    logreg_work_free(w);
    free(X);
    return st;
}

size_t logreg_null_columns(const LogregDesign *d, uint8_t *nullmask)
{
    size_t p = d->p, flagged = 0;
    memset(nullmask, 0, p);
    if (p == 0)
        return 0;
    gsl_matrix *A = gsl_matrix_calloc(p, p), *V = gsl_matrix_alloc(p, p);
    gsl_vector *ev = gsl_vector_alloc(p);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(p);
    if (!A || !V || !ev || !ws)
        tl_die(TL_EXIT_RUNTIME, "out of memory for a %zu-parameter eigen decomposition", p);
    for (size_t i = 0; i < d->n; i++)
        for (size_t a = d->rowptr[i]; a < d->rowptr[i + 1]; a++)
            for (size_t b = d->rowptr[i]; b < d->rowptr[i + 1]; b++)
                A->data[d->col[a] * A->tda + d->col[b]] += d->m[i] * d->val[a] * d->val[b];
    gsl_eigen_symmv(A, ev, V, ws);
    double maxev = 0;
    for (size_t j = 0; j < p; j++)
        maxev = fmax(maxev, fabs(gsl_vector_get(ev, j)));
    for (size_t j = 0; j < p; j++) {
        if (gsl_vector_get(ev, j) > 1e-10 * maxev && maxev > 0)
            continue;
        for (size_t k = 0; k < p; k++)
            if (fabs(gsl_matrix_get(V, k, j)) > 1e-6 && !nullmask[k]) {
                nullmask[k] = 1;
                flagged++;
            }
    }
    gsl_eigen_symmv_free(ws);
    gsl_vector_free(ev);
    gsl_matrix_free(V);
    gsl_matrix_free(A);
    return flagged;
}
