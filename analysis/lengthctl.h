/* lengthctl.h — length-controlled preference (PAPER.md, Appendix F):
 *
 *   P(A preferred to B) = sigmoid(theta_A - theta_B + w * log((len_A+1)/(len_B+1)))
 *
 * with theta_baseline = 0, fitted by Newton/IRLS to every comparison in
 * scope. The length-controlled win rate of p is sigmoid(theta_p): the
 * preference over the baseline at equal length. With use_length = 0 this is
 * the Bradley-Terry model (used by winrate --pairwise).
 *
 * Identification is checked before fitting, never reported as a huge
 * number with a huge SE:
 *  - policies with no path of comparisons to the baseline: not connected;
 *  - the win graph (a -> b when a beat b) must be strongly connected for a
 *    finite maximum; policies outside the baseline's strongly connected
 *    component are separated (theta -> +inf or -inf); comparisons between
 *    components are perfectly predicted in the limit and leave the fit;
 *  - a length term collinear with policy identity is not identified;
 *  - separation that involves the length term shows as a fit that does not
 *    converge with fitted probabilities at 0 or 1, and is flagged. */
#ifndef TL_LENGTHCTL_H
#define TL_LENGTHCTL_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/records.h"

typedef enum { LEN_WORDS, LEN_CHARS } LengthUnit;

/* Length of summary k of comparison c in unit u. */
static inline double lengthctl_len(const Comparison *c, int k, LengthUnit u)
{
    return u == LEN_WORDS ? (double)c->words[k] : (double)c->chars[k];
}

typedef enum {
    LC_BASELINE,        /* theta fixed at 0 */
    LC_FITTED,
    LC_SEPARATED,       /* theta not finite: data separated */
    LC_NOT_CONNECTED,   /* no path of comparisons to the baseline: not fitted */
    LC_NOT_IDENTIFIED   /* collinear with other terms */
} LcStatus;

const char *lc_status_name(LcStatus s); /* "baseline", "fitted", "separated", ... */

typedef struct {
    LcStatus status;
    int direction;        /* for LC_SEPARATED: +1 (theta -> +inf), -1, 0 unknown */
    size_t n;             /* comparisons in scope that involve the policy */
    size_t n_base, wins_base; /* direct comparisons with the baseline, and wins */
    double raw_win_rate;  /* wins_base / n_base, NaN without direct comparisons */
    double theta, theta_se;
    double lc, lc_lo, lc_hi; /* sigmoid(theta), sigmoid(theta -/+ z theta_se) */
} LcPolicy;

typedef struct {
    uint32_t baseline;
    int use_length;
    LengthUnit unit;
    size_t n;             /* comparisons in scope */
    size_t n_used;        /* comparisons in the finite fit */
    size_t n_between_components; /* perfectly separated, left out of the fit */
    size_t n_not_connected;      /* comparisons not connected to the baseline */
    LcStatus length_status;      /* LC_FITTED, LC_SEPARATED or LC_NOT_IDENTIFIED */
    double w, w_se, w_z, w_p;
    double loglik;
    int iterations, converged;
    size_t npol;          /* = number of policies in the set */
    LcPolicy *pol;        /* (npol) indexed by policy id */
} LcResult;

/* A policy's status for tables: its name, with the direction for separated
 * policies ("separated (+inf)"). */
const char *lc_status_text(const LcPolicy *lp);

/* Fits the model to all comparisons in s. Returns 0, or -1 with err set
 * (the baseline is not in the data). level is the interval level (0.95). */
int lengthctl_fit(const ComparisonSet *s, uint32_t baseline, LengthUnit unit, int use_length,
                  double level, LcResult *res, TlError *err);
void lengthctl_free(LcResult *res);

#endif
