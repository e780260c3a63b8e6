/* overopt.h — what the over-optimization figure computes beside its points:
 *
 *   Gao et al. (2022, "Scaling laws for reward model overoptimization")
 *   functional forms in d = sqrt(KL from the supervised policy):
 *     best-of-N  R(d) = d (alpha - beta d)
 *     RL         R(d) = d (alpha - beta log d)
 *   fitted by least squares (no intercept: R(0) = 0 at the supervised
 *   policy) to a preference minus the supervised policy's preference;
 *
 *   the gold judge's penalty columns per policy (judge.json of world judge
 *   --summary), and the decomposition of a drop in gold overall between two
 *   policies into the ceiling (coverage and accuracy before penalties) and
 *   each penalty: overall = ceiling - sum of the penalties, so the parts
 *   sum to the drop exactly. */
#ifndef TL_OVEROPT_H
#define TL_OVEROPT_H

#include <stddef.h>

#include "common/err.h"

typedef enum { GAO_BON, GAO_RL } GaoForm;

typedef struct {
    GaoForm form;
    double alpha, beta;        /* the coefficients */
    double alpha_se, beta_se;  /* from the residual variance; NaN with 2 points */
    double rss;                /* residual sum of squares */
    size_t n;
} GaoFit;

/* R(d) of the fitted form at d = sqrt(KL) >= 0 (R(0) = 0). */
double gao_eval(GaoForm form, double alpha, double beta, double d);

/* Fits form to (kl[i], y[i]), i < n, in d = sqrt(kl). Needs n >= 2 points
 * with kl > 0 and finite y, and a design of rank 2. Returns 0, or -1 with
 * err. Library code: never exits. */
int gao_fit(GaoForm form, const double *kl, const double *y, size_t n, GaoFit *fit, TlError *err);

/* The gold judge's penalties, in the order of judge.json's lost_* keys. */
enum { OO_LENGTH, OO_INVENTED, OO_CONTRADICTED, OO_REPETITION, OO_TRUNCATION, OO_INCOHERENT, OO_NPEN };
extern const char *const OO_PENALTY_KEY[OO_NPEN];  /* "lost_length", ... */
extern const char *const OO_PENALTY_NAME[OO_NPEN]; /* "length", ... */

typedef struct {
    char *dataset, *policy; /* owned */
    double overall, ceiling, lost[OO_NPEN];
} OoJudgeRow;

typedef struct {
    OoJudgeRow *rows;
    size_t n;
} OoJudge;

/* Reads judge.json's "policies" rows (dataset, policy, overall, ceiling,
 * lost_*). Returns 0, or -1 with err "path: field: problem"; the caller
 * frees with oo_judge_free, also after a failure. */
int oo_judge_load(OoJudge *j, const char *path, TlError *err);
void oo_judge_free(OoJudge *j);
/* The row of policy on dataset, or NULL. */
const OoJudgeRow *oo_judge_find(const OoJudge *j, const char *dataset, const char *policy);

/* The drop in gold overall from a to b (a->overall - b->overall) and its
 * parts: parts[0] what the ceiling lost (a->ceiling - b->ceiling), then
 * parts[1 + k] = b->lost[k] - a->lost[k] for each penalty k. The parts sum
 * to the drop (to rounding). Returns the drop. */
double oo_decompose(const OoJudgeRow *a, const OoJudgeRow *b, double parts[1 + OO_NPEN]);

#endif
