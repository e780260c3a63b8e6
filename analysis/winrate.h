/* winrate.h — win rates against a baseline (the reference summary by
 * default), per policy or per group of policies, with the binomial SE, a
 * Wilson interval and a cluster-bootstrap interval that resamples posts;
 * and the policy x policy win matrix. */
#ifndef TL_WINRATE_H
#define TL_WINRATE_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/bootstrap.h"
#include "analysis/lengthctl.h"
#include "analysis/policy.h"
#include "analysis/records.h"

typedef enum { GROUP_POLICY, GROUP_METHOD, GROUP_SIZE } GroupBy;

typedef struct {
    char *label;         /* policy name, method name or size label (owned) */
    long policy;         /* policy id for GROUP_POLICY, else -1 */
    PolicyMeta meta;     /* GROUP_POLICY: the policy's metadata; groups: method or params set */
    size_t n, wins, nposts;
    double win_rate, se, wilson_lo, wilson_hi, boot_lo, boot_hi;
    double mean_log_len_ratio; /* mean of log((len_p+1)/(len_baseline+1)) */
    BootStatus boot_status;    /* BOOT_OK, or why boot_lo/boot_hi are NaN */
} WinrateRow;

typedef struct {
    WinrateRow *rows;
    size_t n;
} WinrateResult;

typedef struct {
    uint32_t baseline;
    GroupBy by;
    LengthUnit unit;
    size_t bootstrap;    /* B; 0 = no bootstrap */
    uint64_t seed;       /* each row's bootstrap generator derives from it and the row's label */
    double level;        /* 0.95 */
    const MetaMap *meta; /* may be NULL */
    int progress;
} WinrateOptions;

/* Computes one row per policy (or group) that was compared with the
 * baseline, in the order of first appearance (groups: method order or
 * ascending size). Bootstraps run in parallel (OpenMP) with one generator
 * per row. */
void winrate_compute(const ComparisonSet *s, const WinrateOptions *opt, WinrateResult *res);
void winrate_free(WinrateResult *res);

/* Pairwise wins: wins[i*P + j] = times policy i beat policy j, over all
 * comparisons of distinct policies (P = number of policies). */
void winrate_pairwise(const ComparisonSet *s, size_t *wins);

#endif
