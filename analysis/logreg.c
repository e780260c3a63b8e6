/* logreg.c — Newton/IRLS logistic regression, sparse and dense kernels. */
#include "analysis/logreg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

void logreg_design_init(LogregDesign *d, size_t p)
{
    memset(d, 0, sizeof *d);
    d->p = p;
    GROW(d->rowptr, d->cap_rows, 1);
    d->rowptr[0] = 0;
}

void logreg_design_free(LogregDesign *d)
{
    free(d->rowptr);
    free(d->col);
    free(d->val);
    free(d->y);
    memset(d, 0, sizeof *d);
}

void logreg_design_add(LogregDesign *d, const uint32_t *cols, const double *vals, size_t k, double y)
{
    GROW(d->rowptr, d->cap_rows, d->n + 2);
    GROW(d->y, d->cap_y, d->n + 1);
    GROW(d->col, d->cap_col, d->nnz + k);
    GROW(d->val, d->cap_val, d->nnz + k);
    for (size_t j = 0; j < k; j++) {
        d->col[d->nnz] = cols[j];
        d->val[d->nnz++] = vals[j];
    }
    d->y[d->n++] = y;
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

struct LogregWork {
    size_t p;
    gsl_matrix *H;
    gsl_vector *g, *d, *beta_try;
};

LogregWork *logreg_work_alloc(size_t p)
{
    LogregWork *w = xcalloc(1, sizeof *w);
    size_t q = p ? p : 1;
    w->p = p;
    w->H = gsl_matrix_alloc(q, q);
    w->g = gsl_vector_alloc(q);
    w->d = gsl_vector_alloc(q);
    w->beta_try = gsl_vector_alloc(q);
    if (!w->H || !w->g || !w->d || !w->beta_try)
        tl_die(TL_EXIT_RUNTIME, "out of memory for a %zu-parameter logistic fit", p);
    return w;
}

void logreg_work_free(LogregWork *w)
{
    if (!w)
        return;
    gsl_matrix_free(w->H);
    gsl_vector_free(w->g);
    gsl_vector_free(w->d);
    gsl_vector_free(w->beta_try);
    free(w);
}

/* log(1 + exp(x)) without overflow. */
static double log1pexp(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double eta_row(const LogregDesign *d, size_t i, const double *beta)
{
    double e = 0;
    for (size_t k = d->rowptr[i]; k < d->rowptr[i + 1]; k++)
        e += d->val[k] * beta[d->col[k]];
    return e;
}

static double loglik(const LogregDesign *d, const double *beta)
{
    double ll = 0;
    for (size_t i = 0; i < d->n; i++) {
        double e = eta_row(d, i, beta);
        ll += d->y[i] * e - log1pexp(e);
    }
    return ll;
}

/* Gradient and Hessian (of the negative log-likelihood's curvature, i.e.
 * X'WX) at beta, sparse: O(nnz * row width). */
static void grad_hess_sparse(const LogregDesign *d, const double *beta, gsl_vector *g, gsl_matrix *H)
{
    gsl_vector_set_zero(g);
    gsl_matrix_set_zero(H);
    size_t p = d->p;
    double *gd = g->data, *Hd = H->data;
    size_t tda = H->tda;
    for (size_t i = 0; i < d->n; i++) {
        double e = eta_row(d, i, beta);
        double mu = 1.0 / (1.0 + exp(-e));
        double r = d->y[i] - mu, wt = mu * (1.0 - mu);
        for (size_t a = d->rowptr[i]; a < d->rowptr[i + 1]; a++) {
            size_t ca = d->col[a];
            double va = d->val[a];
            gd[ca] += r * va;
            for (size_t b = d->rowptr[i]; b < d->rowptr[i + 1]; b++)
                Hd[ca * tda + d->col[b]] += wt * va * d->val[b];
        }
    }
    (void)p;
}

/* Dense reference: X materialised, H = sum_i w_i x_i x_i' by full loops. */
static void grad_hess_dense(const double *X, const double *y, size_t n, size_t p,
                            const double *beta, gsl_vector *g, gsl_matrix *H)
{
    gsl_vector_set_zero(g);
    gsl_matrix_set_zero(H);
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        double e = 0;
        for (size_t j = 0; j < p; j++)
            e += x[j] * beta[j];
        double mu = 1.0 / (1.0 + exp(-e));
        for (size_t j = 0; j < p; j++) {
            g->data[j] += (y[i] - mu) * x[j];
            for (size_t k = 0; k < p; k++)
                H->data[j * H->tda + k] += mu * (1.0 - mu) * x[j] * x[k];
        }
    }
}

typedef void (*GradHessFn)(const void *ctx, const double *beta, gsl_vector *g, gsl_matrix *H);

typedef struct {
    const LogregDesign *d;
    double *X; /* dense copy, or NULL */
} FitCtx;

static void gh_sparse(const void *ctx, const double *beta, gsl_vector *g, gsl_matrix *H)
{
    const FitCtx *c = ctx;
    grad_hess_sparse(c->d, beta, g, H);
}

static void gh_dense(const void *ctx, const double *beta, gsl_vector *g, gsl_matrix *H)
{
    const FitCtx *c = ctx;
    grad_hess_dense(c->X, c->d->y, c->d->n, c->d->p, beta, g, H);
}

/* Newton with step halving; shared by both kernels, which differ only in
 * how gradient and Hessian are formed. */
static LogregStatus newton(const FitCtx *ctx, GradHessFn gh, const LogregOptions *opt,
                           LogregFit *fit, LogregWork *w)
{
    const LogregDesign *d = ctx->d;
    size_t p = d->p;
    double *beta = fit->beta;
    memset(beta, 0, p * sizeof *beta);
    memset(fit->step, 0, p * sizeof *fit->step);
    fit->converged = 0;
    fit->iterations = 0;
    double ll = loglik(d, beta);
    LogregStatus status = LOGREG_NOT_CONVERGED;
    if (p == 0) {
        fit->loglik = ll;
        fit->converged = 1;
        return LOGREG_OK;
    }
    for (int it = 1; it <= opt->max_iter; it++) {
        fit->iterations = it;
        gh(ctx, beta, w->g, w->H);
        if (gsl_linalg_cholesky_decomp1(w->H) != GSL_SUCCESS) {
            status = LOGREG_SINGULAR;
            break;
        }
        gsl_linalg_cholesky_solve(w->H, w->g, w->d);
        double t = 1.0, ll_new = ll;
        for (int h = 0; h < 50; h++) {
            for (size_t j = 0; j < p; j++)
                w->beta_try->data[j] = beta[j] + t * w->d->data[j];
            ll_new = loglik(d, w->beta_try->data);
            if (ll_new >= ll - 1e-12 * (fabs(ll) + 1))
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
        double dll = fabs(ll_new - ll);
        ll = ll_new;
        if (dll <= opt->tol * (fabs(ll) + 1) && max_step <= sqrt(opt->tol) * (1 + max_beta)) {
            fit->converged = 1;
            status = LOGREG_OK;
            break;
        }
    }
    fit->loglik = ll;
    fit->n_extreme = 0;
    for (size_t i = 0; i < d->n; i++) {
        double mu = 1.0 / (1.0 + exp(-eta_row(d, i, beta)));
        if (mu < 1e-10 || mu > 1 - 1e-10)
            fit->n_extreme++;
    }
    /* Covariance = H^-1 at the final beta. */
    gh(ctx, beta, w->g, w->H);
    if (gsl_linalg_cholesky_decomp1(w->H) != GSL_SUCCESS ||
        gsl_linalg_cholesky_invert(w->H) != GSL_SUCCESS) {
        for (size_t j = 0; j < p * p; j++)
            fit->cov[j] = NAN;
        for (size_t j = 0; j < p; j++)
            fit->se[j] = NAN;
        return status == LOGREG_OK ? LOGREG_SINGULAR : status;
    }
    for (size_t j = 0; j < p; j++)
        for (size_t k = 0; k < p; k++)
            fit->cov[j * p + k] = gsl_matrix_get(w->H, j, k);
    for (size_t j = 0; j < p; j++)
        fit->se[j] = sqrt(fit->cov[j * p + j]);
    return status;
}

LogregStatus logreg_fit(const LogregDesign *d, const LogregOptions *opt, LogregFit *fit, LogregWork *w)
{
    FitCtx ctx = {d, NULL};
    return newton(&ctx, gh_sparse, opt, fit, w);
}

LogregStatus logreg_fit_dense(const LogregDesign *d, const LogregOptions *opt, LogregFit *fit)
{
    FitCtx ctx = {d, xcalloc(d->n > 0 && d->p > 0 ? d->n * d->p : 1, sizeof(double))};
    for (size_t i = 0; i < d->n; i++)
        for (size_t k = d->rowptr[i]; k < d->rowptr[i + 1]; k++)
            ctx.X[i * d->p + d->col[k]] += d->val[k];
    LogregWork *w = logreg_work_alloc(d->p);
    LogregStatus st = newton(&ctx, gh_dense, opt, fit, w);
    logreg_work_free(w);
    free(ctx.X);
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
                A->data[d->col[a] * A->tda + d->col[b]] += d->val[a] * d->val[b];
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
