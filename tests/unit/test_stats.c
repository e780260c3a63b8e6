/* test_stats.c — Wilson intervals, the cluster bootstrap (determinism,
 * kernel agreement, coverage), and win rates on the fixture. */
#include "tests/unit/test.h"
#include "analysis/bootstrap.h"
#include "analysis/stats.h"
#include "analysis/winrate.h"
#include "common/rng.h"

#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void test_wilson(void)
{
    /* Hand calculation for 7 wins of 20 at 95%:
     *   p = 0.35, z = 1.959963984540054, z^2 = 3.841458820694124
     *   denom  = 1 + z^2/n            = 1.1920729410347062
     *   center = (p + z^2/(2n))/denom = 0.37417300012792274
     *   half   = z/denom * sqrt(p(1-p)/n + z^2/(4n^2))
     *          = 1.6441731434185578 * sqrt(0.011375 + 0.0024009117629338) = 0.19298...
     * R: prop.test(7, 20, correct = FALSE)$conf.int = 0.181191824101082 0.567145723314764 */
    double lo, hi;
    stats_wilson(7, 20, 0.95, &lo, &hi);
    double z = 1.959963984540054, n = 20, p = 0.35;
    double denom = 1 + z * z / n, center = (p + z * z / (2 * n)) / denom;
    double half = z / denom * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    CHECK_REL(lo, center - half, 1e-12, "Wilson lo, hand calculation");
    CHECK_REL(hi, center + half, 1e-12, "Wilson hi, hand calculation");
    CHECK_REL(lo, 0.181191824101082, 1e-12, "Wilson lo vs R prop.test");
    CHECK_REL(hi, 0.567145723314764, 1e-12, "Wilson hi vs R prop.test");
    stats_wilson(0, 13, 0.95, &lo, &hi);
    CHECK_ABS(lo, 0, 1e-15, "Wilson lo for 0/13");
    CHECK_REL(hi, 0.228095372354198, 1e-12, "Wilson hi for 0/13 vs R");
    stats_wilson(0, 0, 0.95, &lo, &hi);
    CHECK(isnan(lo) && isnan(hi), "Wilson for n = 0 is undefined");
    CHECK_REL(stats_z(0.95), 1.959963984540054, 1e-14, "z for 95%");
    CHECK_ABS(stats_sigmoid(-1000), 0, 1e-300, "sigmoid(-1000)");
    CHECK_ABS(stats_sigmoid(1000), 1, 0, "sigmoid(1000)");
    CHECK_REL(stats_p_two_sided(1.959963984540054), 0.05, 1e-12, "two-sided p at z 1.96");
}

/* Clusters for the bootstrap tests: n in 1..3, w ~ Bin(n, p_k). */
static size_t make_clusters(gsl_rng *r, size_t K, double a, double b, double *w, double *n)
{
    for (size_t k = 0; k < K; k++) {
        n[k] = 1 + (double)gsl_rng_uniform_int(r, 3);
        w[k] = gsl_ran_binomial(r, gsl_ran_beta(r, a, b), (unsigned)n[k]);
    }
    return K;
}

void test_bootstrap_same_seed_same_result(void)
{
    double w[200], n[200];
    gsl_rng *g = rng_alloc(5);
    make_clusters(g, 200, 2, 2, w, n);
    rng_free(g);
    BootWork *ws = boot_work_alloc(200, 2000);
    double lo[3], hi[3];
    for (int k = 0; k < 3; k++) {
        gsl_rng *r = rng_alloc(k < 2 ? 42 : 43);
        boot_ratio_ci(w, n, 200, 2000, 0.95, BOOT_AUTO, r, ws, &lo[k], &hi[k]);
        rng_free(r);
    }
    CHECK(lo[0] == lo[1] && hi[0] == hi[1], "same seed: expected identical intervals, got [%.17g, %.17g] and [%.17g, %.17g]",
          lo[0], hi[0], lo[1], hi[1]);
    CHECK(lo[0] != lo[2] || hi[0] != hi[2], "another seed gives another interval");
    boot_work_free(ws);
}

/* The percentile interval against R's boot on fixed clusters: 200 posts
 * given as counts of (n comparisons, w wins), larger posts winning more,
 * so that the ratio sum(w)/sum(n) = 271/440 differs from the mean of the
 * posts' rates (0.5725).
 *   Rscript tests/reference/bootstrap.R       (the "types" line)
 * R: quantile(boot(d, ratio, R = 1e6)$t, c(0.025, 0.975), type = 7) =
 * [0.562780269058296, 0.667410714285714]. Tolerance: over 100 boots of
 * B = 50000 the bounds have Monte Carlo SDs 0.00035 and 0.00041; with the
 * reference's own error (SD * sqrt(50000/1e6)) 4 SDs are 0.0017, so 0.002.
 * Both kernels are held to it. */
void test_bootstrap_matches_r_boot(void)
{
    enum { K = 200, B = 50000 };
    static const struct {
        int n, w, count;
    } types[] = {{1, 0, 30}, {1, 1, 20}, {2, 0, 15}, {2, 1, 25}, {2, 2, 20},
                 {3, 0, 8},  {3, 1, 15}, {3, 2, 30}, {3, 3, 37}};
    double w[K], n[K];
    size_t k = 0;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        for (int i = 0; i < types[t].count; i++, k++) {
            n[k] = types[t].n;
            w[k] = types[t].w;
        }
    CHECK_INT(k, K, "posts");
    BootWork *ws = boot_work_alloc(K, B);
    static const BootKernel kernels[] = {BOOT_AUTO, BOOT_NAIVE};
    static const char *names[] = {"typed kernel (auto)", "naive kernel"};
    for (int i = 0; i < 2; i++) {
        gsl_rng *r = rng_alloc(14);
        double lo, hi;
        BootStatus st = boot_ratio_ci(w, n, K, B, 0.95, kernels[i], r, ws, &lo, &hi);
        CHECK_INT(st, BOOT_OK, names[i]);
        char what[80];
        snprintf(what, sizeof what, "%s: 2.5%% bound vs R boot", names[i]);
        CHECK_ABS(lo, 0.562780269058296, 0.002, what);
        snprintf(what, sizeof what, "%s: 97.5%% bound vs R boot", names[i]);
        CHECK_ABS(hi, 0.667410714285714, 0.002, what);
        rng_free(r);
    }
    boot_work_free(ws);
}

void test_bootstrap_kernels_agree(void)
{
    /* The typed (multinomial) kernel and the naive kernel draw replicates
     * from the same distribution. B = 40000 each; tolerances are about 5
     * Monte Carlo standard errors (quantile SE ~ 3e-4 here). */
    enum { K = 300, B = 40000 };
    static double w[K], n[K], rn[B], rt[B];
    gsl_rng *r = rng_alloc(9);
    make_clusters(r, K, 3, 2, w, n);
    BootWork *ws = boot_work_alloc(K, B);
    CHECK(boot_ratio_replicates(w, n, K, B, BOOT_NAIVE, r, ws, rn) == BOOT_NAIVE, "naive kernel used");
    CHECK(boot_ratio_replicates(w, n, K, B, BOOT_TYPED, r, ws, rt) == BOOT_TYPED, "typed kernel used");
    CHECK(boot_ratio_replicates(w, n, K, B, BOOT_AUTO, r, ws, rt) == BOOT_TYPED, "auto picks typed for 9 types in 300 clusters");
    boot_ratio_replicates(w, n, K, B, BOOT_TYPED, r, ws, rt);
    double mn = gsl_stats_mean(rn, 1, B), mt = gsl_stats_mean(rt, 1, B);
    double sn = gsl_stats_sd(rn, 1, B), st = gsl_stats_sd(rt, 1, B);
    CHECK_ABS(mt, mn, 5e-4, "replicate mean, typed vs naive");
    CHECK_REL(st, sn, 0.02, "replicate SD, typed vs naive");
    gsl_sort(rn, 1, B);
    gsl_sort(rt, 1, B);
    CHECK_ABS(gsl_stats_quantile_from_sorted_data(rt, 1, B, 0.025),
              gsl_stats_quantile_from_sorted_data(rn, 1, B, 0.025), 1.5e-3, "2.5% quantile, typed vs naive");
    CHECK_ABS(gsl_stats_quantile_from_sorted_data(rt, 1, B, 0.975),
              gsl_stats_quantile_from_sorted_data(rn, 1, B, 0.975), 1.5e-3, "97.5% quantile, typed vs naive");
    double sw = 0, sn_ = 0;
    for (int k = 0; k < K; k++) {
        sw += w[k];
        sn_ += n[k];
    }
    CHECK_ABS(mn, sw / sn_, 1e-3, "naive replicates centre on the estimate");
    boot_work_free(ws);
    rng_free(r);
}

/* Coverage of the true win rate 0.6 over 1000 simulated data sets, each
 * of K posts with 2-4 comparisons and a post-level win probability
 * p_k ~ Beta(0.9, 0.6) (mean 0.6). Comparisons of one post are strongly
 * correlated: the intra-post correlation is 1/(a + b + 1) = 0.4, and with
 * E[n^2]/E[n] = 29/9 the design effect is 1 + (29/9 - 1) * 0.4 = 1.89.
 * A bootstrap that resamples posts covers about 95%; one that resamples
 * comparisons gets the variance 1.89 times too small and covers about
 * P(|Z| < 1.96 / sqrt(1.89)) = 0.85. With 1000 data sets the Monte Carlo
 * SE of a coverage near 0.95 is 0.007 (near 0.85: 0.011), so the window
 * [0.925, 0.975] holds the post bootstrap with 3.5 SE to spare and lies 7
 * SE above a comparison bootstrap. The test also runs the comparison
 * bootstrap (every comparison its own cluster) on the same data and checks
 * that it falls below the window: the design has the power it claims. */
void test_bootstrap_coverage(void)
{
    enum { K = 150, NMAX = 4, REPS = 1000, B = 999 };
    double w[K], n[K], rw[K * NMAX], rn[K * NMAX];
    gsl_rng *r = rng_alloc(2020);
    BootWork *ws = boot_work_alloc(K * NMAX, B);
    int covered = 0, covered_rows = 0;
    for (int rep = 0; rep < REPS; rep++) {
        size_t nr = 0;
        for (size_t k = 0; k < K; k++) {
            n[k] = 2 + (double)gsl_rng_uniform_int(r, NMAX - 1);
            w[k] = gsl_ran_binomial(r, gsl_ran_beta(r, 0.9, 0.6), (unsigned)n[k]);
            for (int i = 0; i < (int)n[k]; i++, nr++) {
                rw[nr] = i < (int)w[k];
                rn[nr] = 1;
            }
        }
        double lo, hi;
        boot_ratio_ci(w, n, K, B, 0.95, BOOT_AUTO, r, ws, &lo, &hi);
        covered += lo <= 0.6 && 0.6 <= hi;
        boot_ratio_ci(rw, rn, nr, B, 0.95, BOOT_AUTO, r, ws, &lo, &hi);
        covered_rows += lo <= 0.6 && 0.6 <= hi;
    }
    double cov = (double)covered / REPS, cov_rows = (double)covered_rows / REPS;
    CHECK(cov >= 0.925 && cov <= 0.975, "coverage of the 95%% post-bootstrap interval: expected 0.925-0.975, got %.3f",
          cov);
    CHECK(cov_rows <= 0.90,
          "coverage of a bootstrap that resamples comparisons: expected about 0.85 (below 0.90), got %.3f", cov_rows);
    printf("  coverage: resampling posts %.3f, resampling comparisons %.3f\n", cov, cov_rows);
    boot_work_free(ws);
    rng_free(r);
}

static void load(const char *path, ComparisonSet *s)
{
    char *files[1] = {(char *)path};
    ReadOptions opt = {0};
    TlError err;
    cmpset_init(s);
    if (cmpset_load(s, files, 1, &opt, &err) != 0)
        t_fail(__FILE__, __LINE__, "cannot load %s: %s", path, err.msg);
}

/* No point printed as an interval: too few posts, or no spread. */
void test_bootstrap_degenerate(void)
{
    double w[12], n[12], lo, hi;
    for (int k = 0; k < 12; k++) {
        n[k] = 3;
        w[k] = k % 3;
    }
    BootWork *ws = boot_work_alloc(12, 1000);
    gsl_rng *r = rng_alloc(7);
    BootStatus st = boot_ratio_ci(w, n, 1, 1000, 0.95, BOOT_AUTO, r, ws, &lo, &hi);
    CHECK(st == BOOT_FEW_CLUSTERS && isnan(lo) && isnan(hi),
          "one post: expected no interval (few clusters), got status %d [%g, %g]", (int)st, lo, hi);
    st = boot_ratio_ci(w, n, 4, 1000, 0.95, BOOT_AUTO, r, ws, &lo, &hi);
    CHECK(st == BOOT_FEW_CLUSTERS, "four posts: expected no interval, got status %d", (int)st);
    st = boot_ratio_ci(w, n, 12, 1000, 0.95, BOOT_AUTO, r, ws, &lo, &hi);
    CHECK(st == BOOT_OK && lo < hi, "twelve posts: expected an interval, got status %d [%g, %g]", (int)st, lo, hi);
    for (int k = 0; k < 12; k++)
        w[k] = n[k];
    st = boot_ratio_ci(w, n, 12, 1000, 0.95, BOOT_AUTO, r, ws, &lo, &hi);
    CHECK(st == BOOT_NO_SPREAD && isnan(lo), "every post won: expected no interval (no spread), got status %d [%g, %g]",
          (int)st, lo, hi);
    st = boot_ratio_ci(w, n, 12, 1, 0.95, BOOT_AUTO, r, ws, &lo, &hi);
    CHECK(st == BOOT_NOT_RUN, "B = 1: expected not run, got status %d", (int)st);
    char buf[160];
    boot_status_text(BOOT_FEW_CLUSTERS, 1, "post", 0.5, buf, sizeof buf);
    CHECK_STR(buf, "1 post; the bootstrap needs 5", "few-clusters note");
    rng_free(r);
    boot_work_free(ws);
}

/* The row labelled label, or NULL after a failed check. */
static const WinrateRow *find_row(const WinrateResult *res, const char *label)
{
    for (size_t k = 0; k < res->n; k++)
        if (strcmp(res->rows[k].label, label) == 0)
            return &res->rows[k];
    t_fail(__FILE__, __LINE__, "expected a row for %s, got none", label);
    return NULL;
}

void test_winrate_fixture(void)
{
    /* Counts from an independent Python pass over the fixture (valid2,
     * one summary by ref): n, wins, mean log((words+1)/(words_ref+1)), posts.
     *   python3 tests/reference/winrate_fixture.py tests/data/cmp_tldr.jsonl valid2 ref */
    static const struct {
        const char *p;
        int n, wins;
        double llr;
        int posts;
    } want[] = {
        {"pretrain_xl", 25, 6, 0.19881780663302873, 24},
        {"sup4_6b", 25, 11, 0.09285449816683519, 24},
        {"sup4_ppo_rm4_kl9", 28, 17, 0.37231814183355183, 24},
        {"sup4_12b_ppo_rm4_12b_kl13", 24, 16, 0.38522739388623806, 24},
        {"sup4_bo16_rm4", 25, 14, 0.09346186353740733, 24},
    };
    ComparisonSet s;
    load("tests/data/cmp_tldr.jsonl", &s);
    uint32_t ref = (uint32_t)strpool_find(&s.policies, "ref");
    WinrateOptions o = {ref, GROUP_POLICY, LEN_WORDS, 20000, 1, 0.95, NULL, 0};
    WinrateResult res, res2;
    winrate_compute(&s, &o, &res);
    CHECK_INT(res.n, 13, "policies compared with ref");
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const WinrateRow *row = find_row(&res, want[i].p);
        if (!row)
            continue;
        CHECK_INT(row->n, want[i].n, want[i].p);
        CHECK_INT(row->wins, want[i].wins, want[i].p);
        CHECK_INT(row->nposts, want[i].posts, want[i].p);
        CHECK_REL(row->mean_log_len_ratio, want[i].llr, 1e-12, want[i].p);
        CHECK_REL(row->win_rate, (double)want[i].wins / want[i].n, 1e-15, want[i].p);
    }
    /* The post bootstrap against R's boot over the same posts (B = 20000):
     *   python3 tests/reference/winrate_fixture.py tests/data/cmp_tldr.jsonl valid2 ref --csv > /tmp/wr.csv
     *   Rscript tests/reference/bootstrap.R /tmp/wr.csv
     * reference: type-7 quantiles of 1e6 replicates; tolerance: 4 Monte
     * Carlo SDs of a bound from B = 20000 (measured over 100 boots in R:
     * pretrain_6b 0.0013, 0.0013; sup4_12b 0.0010, 0.0030), widened by the
     * reference's own error (x sqrt(1 + 20000/1e6)). Both policies have
     * posts with two comparisons (30 in 24, 29 in 24). */
    static const struct {
        const char *p;
        double lo, hi, tol_lo, tol_hi;
    } boot[] = {
        {"pretrain_6b", 0.193548387096774, 0.551724137931034, 0.0053, 0.0053},
        {"sup4_12b", 0.185185185185185, 0.575757575757576, 0.0040, 0.0120},
    };
    for (size_t i = 0; i < sizeof boot / sizeof boot[0]; i++) {
        const WinrateRow *row = find_row(&res, boot[i].p);
        if (!row)
            continue;
        char what[96];
        snprintf(what, sizeof what, "%s: 2.5%% bound of the post bootstrap vs R boot", boot[i].p);
        CHECK_ABS(row->boot_lo, boot[i].lo, boot[i].tol_lo, what);
        snprintf(what, sizeof what, "%s: 97.5%% bound of the post bootstrap vs R boot", boot[i].p);
        CHECK_ABS(row->boot_hi, boot[i].hi, boot[i].tol_hi, what);
    }
    /* Grouping by method sums the policies of each method. */
    o.by = GROUP_METHOD;
    winrate_compute(&s, &o, &res2);
    size_t total = 0, total2 = 0;
    for (size_t k = 0; k < res.n; k++)
        total += res.rows[k].n;
    for (size_t k = 0; k < res2.n; k++)
        total2 += res2.rows[k].n;
    CHECK_INT(res2.n, 4, "method groups: pretrained, supervised, rl, best-of-n");
    CHECK_INT(total2, total, "grouped rows cover the same comparisons");
    CHECK_STR(res2.rows[2].label, "rl", "third group");
    CHECK_INT(res2.rows[2].n, 28 + 25 + 28 + 24, "rl comparisons (kl9, 3b, 6b, 12b)");
    winrate_free(&res2);
    o.by = GROUP_SIZE;
    winrate_compute(&s, &o, &res2);
    CHECK_INT(res2.n, 4, "size groups");
    CHECK_STR(res2.rows[0].label, "1.3B", "smallest size first");
    CHECK_STR(res2.rows[3].label, "12.9B", "largest size last");
    winrate_free(&res2);

    winrate_free(&res);
    cmpset_free(&s);
}

/* The bootstrap runs rows in parallel, each with its own generator seeded
 * from --seed and the row's label: one thread or four, every interval is
 * the same to the last bit. The thread counts are forced (omp_set_num_threads,
 * dynamic adjustment off) and the team size is checked, so the comparison
 * means something whatever OMP_NUM_THREADS says and on any number of cores. */
void test_winrate_threads(void)
{
#ifndef _OPENMP
    SKIP("built without OpenMP: no thread counts to compare");
#else
    ComparisonSet s;
    load("tests/data/cmp_tldr.jsonl", &s);
    uint32_t ref = (uint32_t)strpool_find(&s.policies, "ref");
    WinrateOptions o = {ref, GROUP_POLICY, LEN_WORDS, 1000, 1, 0.95, NULL, 0};
    int threads = omp_get_max_threads(), dynamic = omp_get_dynamic();
    omp_set_dynamic(0);
    WinrateResult res[2];
    const int want[2] = {1, 4};
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(want[t]);
        int team = 0;
        #pragma omp parallel
        {
            #pragma omp single
            team = omp_get_num_threads();
        }
        CHECK_INT(team, want[t], "threads in a parallel region after omp_set_num_threads");
        winrate_compute(&s, &o, &res[t]);
    }
    omp_set_num_threads(threads);
    omp_set_dynamic(dynamic);
    CHECK_INT(res[1].n, res[0].n, "rows with 4 threads vs 1");
    for (size_t k = 0; k < res[0].n && k < res[1].n; k++)
        CHECK(res[0].rows[k].boot_lo == res[1].rows[k].boot_lo && res[0].rows[k].boot_hi == res[1].rows[k].boot_hi,
              "%s: bootstrap interval with 1 thread [%.17g, %.17g], expected the same with 4, got [%.17g, %.17g]",
              res[0].rows[k].label, res[0].rows[k].boot_lo, res[0].rows[k].boot_hi, res[1].rows[k].boot_lo,
              res[1].rows[k].boot_hi);
    winrate_free(&res[0]);
    winrate_free(&res[1]);
    cmpset_free(&s);
#endif
}
