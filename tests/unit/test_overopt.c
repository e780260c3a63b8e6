/* test_overopt.c — Gao et al.'s over-optimization fits and the gold drop's
 * decomposition (analysis/overopt.h). */
#include "tests/unit/test.h"
#include "analysis/overopt.h"

#include <math.h>

/* A series drawn from known alpha, beta without noise: the fit recovers
 * them to rounding, in both forms. */
void test_gao_fit_recovers_known(void)
{
    const double kl[5] = {0.25, 1, 3, 9, 30};
    for (int form = GAO_BON; form <= GAO_RL; form++) {
        const double alpha = form == GAO_BON ? 0.21 : 0.13, beta = form == GAO_BON ? 0.034 : 0.072;
        double y[5];
        for (int i = 0; i < 5; i++)
            y[i] = gao_eval((GaoForm)form, alpha, beta, sqrt(kl[i]));
        GaoFit g;
        TlError err;
        CHECK(gao_fit((GaoForm)form, kl, y, 5, &g, &err) == 0, "form %d: expected a fit, got: %s", form, err.msg);
        CHECK_ABS(g.alpha, alpha, 1e-12, form == GAO_BON ? "best-of-N alpha" : "RL alpha");
        CHECK_ABS(g.beta, beta, 1e-12, form == GAO_BON ? "best-of-N beta" : "RL beta");
        CHECK_ABS(g.rss, 0, 1e-20, "residual sum of squares of an exact series");
        CHECK(g.n == 5, "expected 5 points used, got %zu", g.n);
    }
    /* R(0) = 0 (the supervised policy) and the RL form at d = 1 is alpha. */
    CHECK_ABS(gao_eval(GAO_RL, 0.3, 0.2, 0), 0, 0, "R(0), RL");
    CHECK_ABS(gao_eval(GAO_RL, 0.3, 0.2, 1), 0.3, 1e-15, "R(1), RL");
    CHECK_ABS(gao_eval(GAO_BON, 0.3, 0.2, 2), 2 * (0.3 - 0.4), 1e-15, "R(2), best-of-N");
}

/* A noisy series against R's lm without an intercept, computed outside the
 * project (R 4, tol 1e-10 relative):
 *   kl <- c(0.5, 1, 2, 4, 8, 16); y <- c(0.031, 0.052, 0.046, 0.061, 0.02, -0.045); d <- sqrt(kl)
 *   summary(lm(y ~ 0 + d + I(-d^2)))$coefficients        # best-of-N
 *   summary(lm(y ~ 0 + d + I(-d*log(d))))$coefficients   # RL
 * and sum(resid(.)^2). */
void test_gao_fit_matches_r_lm(void)
{
    const double kl[6] = {0.5, 1, 2, 4, 8, 16}, y[6] = {0.031, 0.052, 0.046, 0.061, 0.02, -0.045};
    GaoFit g;
    TlError err;
    CHECK(gao_fit(GAO_BON, kl, y, 6, &g, &err) == 0, "best-of-N: expected a fit, got: %s", err.msg);
    CHECK_REL(g.alpha, 0.063281111060033424, 1e-10, "best-of-N alpha");
    CHECK_REL(g.beta, 0.018781739070519256, 1e-10, "best-of-N beta");
    CHECK_REL(g.alpha_se, 0.0049551899020220096, 1e-8, "best-of-N SE(alpha)");
    CHECK_REL(g.beta_se, 0.0015054947655459437, 1e-8, "best-of-N SE(beta)");
    CHECK_REL(g.rss, 0.00028380444325550204, 1e-8, "best-of-N RSS");
    CHECK(gao_fit(GAO_RL, kl, y, 6, &g, &err) == 0, "RL: expected a fit, got: %s", err.msg);
    CHECK_REL(g.alpha, 0.052053050177067087, 1e-10, "RL alpha");
    CHECK_REL(g.beta, 0.044453604086657557, 1e-10, "RL beta");
    CHECK_REL(g.alpha_se, 0.0066224960607093866, 1e-8, "RL SE(alpha)");
    CHECK_REL(g.beta_se, 0.0057614248394183441, 1e-8, "RL SE(beta)");
    CHECK_REL(g.rss, 0.00071311081169853747, 1e-8, "RL RSS");
}

/* Too few points, a NaN left out, and a design that cannot separate the
 * two coefficients are refused with a message, never a fit. */
void test_gao_fit_refuses(void)
{
    GaoFit g;
    TlError err;
    const double kl1[2] = {1, NAN}, y1[2] = {0.1, 0.2};
    CHECK(gao_fit(GAO_BON, kl1, y1, 2, &g, &err) == -1, "expected -1 for one usable point");
    CHECK(strstr(err.msg, "needs 2 points") != NULL, "expected 'needs 2 points' in the message, got: %s", err.msg);
    CHECK(isnan(g.alpha), "expected alpha NaN after a refusal, got %g", g.alpha);
    const double kl2[3] = {1, 1, 1}, y2[3] = {0.1, 0.2, 0.3};
    CHECK(gao_fit(GAO_BON, kl2, y2, 3, &g, &err) == -1, "expected -1 for one KL value repeated");
    CHECK(strstr(err.msg, "singular") != NULL, "expected 'singular' in the message, got: %s", err.msg);
}

/* The parts of a gold drop sum to it: overall = ceiling - the penalties. */
void test_oo_decompose_sums(void)
{
    OoJudgeRow a = {NULL, NULL, 0, 0.71, {0.010, 0.020, 0.000, 0.003, 0.000, 0.011}};
    OoJudgeRow b = {NULL, NULL, 0, 0.66, {0.090, 0.070, 0.020, 0.041, 0.050, 0.060}};
    double sa = 0, sb = 0;
    for (int k = 0; k < OO_NPEN; k++) {
        sa += a.lost[k];
        sb += b.lost[k];
    }
    a.overall = a.ceiling - sa;
    b.overall = b.ceiling - sb;
    double parts[1 + OO_NPEN], sum = 0;
    double drop = oo_decompose(&a, &b, parts);
    for (int k = 0; k < 1 + OO_NPEN; k++)
        sum += parts[k];
    CHECK_ABS(drop, a.overall - b.overall, 1e-15, "the drop");
    CHECK_ABS(sum, drop, 1e-15, "the parts' sum");
    CHECK_ABS(parts[0], 0.05, 1e-15, "what the ceiling lost");
    CHECK_ABS(parts[1 + OO_LENGTH], 0.08, 1e-15, "the length penalty's part");
    CHECK_ABS(parts[1 + OO_TRUNCATION], 0.05, 1e-15, "the truncation penalty's part");
}
