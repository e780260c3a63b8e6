/* overopt.c — Gao et al.'s over-optimization fits and the gold drop's
 * decomposition (see overopt.h). */
#include "analysis/overopt.h"
#include "common/jsonl.h"
#include "common/util.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const OO_PENALTY_KEY[OO_NPEN] = {"lost_length", "lost_invented", "lost_contradicted",
                                             "lost_repetition", "lost_truncation", "lost_incoherent"};
const char *const OO_PENALTY_NAME[OO_NPEN] = {"length", "invented", "contradicted", "repetition", "truncation",
                                              "incoherent"};

/* The second regressor: R(d) = alpha d - beta g(d), g = d^2 (best-of-N)
 * or d log d (RL, 0 at d = 0). */
static double gao_g(GaoForm form, double d)
{
    if (form == GAO_BON)
        return d * d;
    return d > 0 ? d * log(d) : 0;
}

double gao_eval(GaoForm form, double alpha, double beta, double d)
{
    return alpha * d - beta * gao_g(form, d);
}

int gao_fit(GaoForm form, const double *kl, const double *y, size_t n, GaoFit *fit, TlError *err)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += kl[i] > 0 && isfinite(kl[i]) && isfinite(y[i]);
    memset(fit, 0, sizeof *fit);
    fit->form = form;
    fit->alpha = fit->beta = fit->alpha_se = fit->beta_se = fit->rss = NAN;
    if (m < 2) {
        tlerr_set(err, "a Gao fit needs 2 points of positive KL, got %zu", m);
        return -1;
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_matrix *X = gsl_matrix_alloc(m, 2), *cov = gsl_matrix_alloc(2, 2);
    gsl_vector *v = gsl_vector_alloc(m), *b = gsl_vector_alloc(2);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(m, 2);
    int rc = -1;
    if (!X || !cov || !v || !b || !ws) {
        tlerr_set(err, "out of memory for a Gao fit of %zu points", m);
        goto done;
    }
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(kl[i] > 0 && isfinite(kl[i]) && isfinite(y[i])))
            continue;
        double d = sqrt(kl[i]);
        gsl_matrix_set(X, r, 0, d);
        gsl_matrix_set(X, r, 1, -gao_g(form, d));
        gsl_vector_set(v, r, y[i]);
        r++;
    }
    double chisq;
    if (gsl_multifit_linear(X, v, b, cov, &chisq, ws) != GSL_SUCCESS ||
        gsl_multifit_linear_rank(1e-10, ws) < 2) {
        tlerr_set(err, "the Gao fit's design is singular (the KL values do not separate alpha from beta)");
        goto done;
    }
    fit->alpha = gsl_vector_get(b, 0);
    fit->beta = gsl_vector_get(b, 1);
    fit->rss = chisq;
    fit->n = m;
    /* GSL scales cov by chisq / (m - 2): undefined with 2 points. */
    if (m > 2) {
        fit->alpha_se = sqrt(gsl_matrix_get(cov, 0, 0));
        fit->beta_se = sqrt(gsl_matrix_get(cov, 1, 1));
    }
    rc = 0;
done:
    gsl_multifit_linear_free(ws);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(v);
    gsl_vector_free(b);
    gsl_set_error_handler(old);
    return rc;
}

static int num(const cJSON *row, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    if (cJSON_IsNull(v)) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return -1;
    *out = v->valuedouble;
    return 0;
}

int oo_judge_load(OoJudge *j, const char *path, TlError *err)
{
    memset(j, 0, sizeof *j);
    JsonFile f;
    int rc = -1;
    if (json_file_read(&f, path, "judge summary", err) != 0)
        goto done;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
    if (!cJSON_IsArray(rows)) {
        tlerr_input(err, path, 0, "policies", "missing or not an array (expected the judge.json of world judge "
                                              "--summary)");
        goto done;
    }
    j->rows = xcalloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof *j->rows);
    int i = 0;
    for (const cJSON *row = rows->child; row; row = row->next, i++) {
        char field[96];
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(row, "dataset");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(row, "policy");
        snprintf(field, sizeof field, "policies[%d]", i);
        if (!cJSON_IsString(d) || !cJSON_IsString(p)) {
            tlerr_input(err, path, 0, field, "expected an object with dataset and policy strings");
            goto done;
        }
        OoJudgeRow *o = &j->rows[j->n++];
        o->dataset = xstrdup(d->valuestring);
        o->policy = xstrdup(p->valuestring);
        const char *bad = num(row, "overall", &o->overall) ? "overall" : num(row, "ceiling", &o->ceiling) ? "ceiling"
                                                                                                          : NULL;
        for (int k = 0; k < OO_NPEN && !bad; k++)
            if (num(row, OO_PENALTY_KEY[k], &o->lost[k]) != 0)
                bad = OO_PENALTY_KEY[k];
        if (bad) {
            snprintf(field, sizeof field, "policies[%d].%s", i, bad);
            tlerr_input(err, path, 0, field, "expected a number or null");
            goto done;
        }
    }
    rc = 0;
done:
    json_file_free(&f);
    return rc;
}

void oo_judge_free(OoJudge *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->rows[i].dataset);
        free(j->rows[i].policy);
    }
    free(j->rows);
    memset(j, 0, sizeof *j);
}

const OoJudgeRow *oo_judge_find(const OoJudge *j, const char *dataset, const char *policy)
{
    for (size_t i = 0; j && i < j->n; i++)
        if (strcmp(j->rows[i].dataset, dataset) == 0 && strcmp(j->rows[i].policy, policy) == 0)
            return &j->rows[i];
    return NULL;
}

double oo_decompose(const OoJudgeRow *a, const OoJudgeRow *b, double parts[1 + OO_NPEN])
{
    parts[0] = a->ceiling - b->ceiling;
    for (int k = 0; k < OO_NPEN; k++)
        parts[1 + k] = b->lost[k] - a->lost[k];
    return a->overall - b->overall;
}
