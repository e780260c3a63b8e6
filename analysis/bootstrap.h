/* bootstrap.h — cluster bootstrap of a ratio estimator sum(w)/sum(n).
 *
 * Clusters are posts: cluster k holds n[k] comparisons of which w[k] were
 * won. A replicate draws K clusters with replacement and takes the ratio of
 * the sums; the interval is the percentile interval of B replicates (R's
 * quantile type 7).
 *
 * Two kernels give replicates with the same distribution:
 *  - naive: K uniform draws per replicate, O(B*K);
 *  - typed: clusters with equal (w, n) are one type, and the counts of each
 *    type in a replicate are Multinomial(K, type shares), O(B*T) with T
 *    types. Equal in law to the naive kernel because the ratio depends on a
 *    replicate only through those counts (docs/methods.md).
 * boot_ratio_ci picks typed when T is small against K. Same seed, same
 * data -> same interval. */
#ifndef TL_BOOTSTRAP_H
#define TL_BOOTSTRAP_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

typedef struct BootWork BootWork;

/* Workspace for up to max_k clusters and B replicates. */
BootWork *boot_work_alloc(size_t max_k, size_t B);
void boot_work_free(BootWork *w); /* accepts NULL */

typedef enum { BOOT_AUTO, BOOT_NAIVE, BOOT_TYPED } BootKernel;

/* Replicates into rep[0..B-1] with the chosen kernel. Returns the kernel
 * used. K >= 1, every n[k] > 0. */
BootKernel boot_ratio_replicates(const double *w, const double *n, size_t K, size_t B,
                                 BootKernel kernel, gsl_rng *r, BootWork *ws, double *rep);

/* Fewer clusters than this give no interval: with K clusters a resample
 * takes at most C(2K-1, K) values (35 for K = 4), and one cluster gives a
 * zero-width "interval" whatever the data. */
#define BOOT_MIN_CLUSTERS 5

typedef enum {
    BOOT_OK,            /* an interval */
    BOOT_NOT_RUN,       /* B < 2 (--bootstrap 0) */
    BOOT_FEW_CLUSTERS,  /* K < BOOT_MIN_CLUSTERS */
    BOOT_NO_SPREAD      /* the percentile interval has zero width (e.g. all won) */
} BootStatus;

/* Percentile interval at level (e.g. 0.95) of the cluster bootstrap.
 * Returns BOOT_OK, or the reason there is no interval (lo = hi = NaN):
 * never a point printed as an interval. */
BootStatus boot_ratio_ci(const double *w, const double *n, size_t K, size_t B, double level,
                         BootKernel kernel, gsl_rng *r, BootWork *ws, double *lo, double *hi);

/* Why there is no interval, for notes: "1 post; the bootstrap needs 5" or
 * "the resamples of the 9 items give a zero-width interval at 1.000"; ""
 * for BOOT_OK and BOOT_NOT_RUN. unit names
 * the clusters ("post", "item"); value is the estimate. */
void boot_status_text(BootStatus st, size_t K, const char *unit, double value, char *buf, size_t cap);

#endif
