/* test_lengthctl.c — the logistic fit: sparse vs dense kernels, R's glm on
 * fixed data, and identification (separation, disconnection, collinearity). */
#include "tests/unit/test.h"
#include "analysis/lengthctl.h"
#include "analysis/logreg.h"
#include "common/rng.h"
#include "common/strbuf.h"

#include <stdlib.h>
#include <gsl/gsl_randist.h>

void test_logreg_sparse_matches_dense(void)
{
    gsl_rng *r = rng_alloc(3);
    /* Policies 0-5, policy 0 the baseline (no column): columns 0-4 for
     * policies 1-5, column 5 for the length term. */
    LogregDesign d;
    logreg_design_init(&d, 6, 16, 16); /* small, to exercise growth */
    double truth[6] = {0.0, -0.5, 1.0, 0.2, -1.2, 0.7}, wtrue = 0.4;
    for (int i = 0; i < 3000; i++) {
        uint32_t a = (uint32_t)gsl_rng_uniform_int(r, 6), b = (uint32_t)gsl_rng_uniform_int(r, 6);
        double x = gsl_ran_gaussian(r, 0.5);
        uint32_t cols[3];
        double vals[3];
        size_t k = 0;
        if (a != b && a > 0) {
            cols[k] = a - 1;
            vals[k++] = 1;
        }
        if (a != b && b > 0) {
            cols[k] = b - 1;
            vals[k++] = -1;
        }
        cols[k] = 5;
        vals[k++] = x;
        double eta = truth[a] - truth[b] + wtrue * x;
        double y = gsl_rng_uniform(r) < 1 / (1 + exp(-eta)) ? 1 : 0;
        logreg_design_add(&d, cols, vals, k, y, 1.0);
    }
    LogregOptions o;
    logreg_options_default(&o);
    LogregFit fs, fd;
    logreg_fit_init(&fs, 6);
    logreg_fit_init(&fd, 6);
    LogregWork *w = logreg_work_alloc(6);
    CHECK(logreg_fit(&d, &o, &fs, w) == LOGREG_OK, "sparse fit converges");
    CHECK(logreg_fit_dense(&d, &o, &fd) == LOGREG_OK, "dense fit converges");
    for (int j = 0; j < 6; j++) {
        CHECK_REL(fs.beta[j], fd.beta[j], 1e-10, "beta, sparse vs dense");
        CHECK_REL(fs.se[j], fd.se[j], 1e-10, "SE, sparse vs dense");
    }
    CHECK_REL(fs.loglik, fd.loglik, 1e-12, "log-likelihood, sparse vs dense");
    /* The score is zero at the optimum. */
    double g[6] = {0};
    for (size_t i = 0; i < d.n; i++) {
        double eta = 0;
        for (size_t k = d.rowptr[i]; k < d.rowptr[i + 1]; k++)
            eta += d.val[k] * fs.beta[d.col[k]];
        double mu = 1 / (1 + exp(-eta));
        for (size_t k = d.rowptr[i]; k < d.rowptr[i + 1]; k++)
            g[d.col[k]] += (d.y[i] - d.m[i] * mu) * d.val[k];
    }
    for (int j = 0; j < 6; j++)
        CHECK_ABS(g[j], 0, 1e-8, "score at the optimum");
    CHECK_ABS(fs.beta[5], wtrue, 4 * fs.se[5], "length coefficient within 4 SE of the truth");

    /* Binomial rows: each row twice as one row of 2 trials gives the
     * same estimates as the rows listed twice. */
    LogregDesign d2, d3;
    logreg_design_init(&d2, 6, d.n, d.nnz);
    logreg_design_init(&d3, 6, 2 * d.n, 2 * d.nnz);
    for (size_t i = 0; i < d.n; i++) {
        size_t a0 = d.rowptr[i], k = d.rowptr[i + 1] - a0;
        logreg_design_add(&d2, d.col + a0, d.val + a0, k, 2 * d.y[i], 2.0);
        logreg_design_add(&d3, d.col + a0, d.val + a0, k, d.y[i], 1.0);
        logreg_design_add(&d3, d.col + a0, d.val + a0, k, d.y[i], 1.0);
    }
    LogregFit f2, f3;
    logreg_fit_init(&f2, 6);
    logreg_fit_init(&f3, 6);
    logreg_fit(&d2, &o, &f2, w);
    logreg_fit(&d3, &o, &f3, w);
    for (int j = 0; j < 6; j++) {
        CHECK_REL(f2.beta[j], f3.beta[j], 1e-10, "beta, binomial rows vs repeated rows");
        CHECK_REL(f2.se[j], f3.se[j], 1e-10, "SE, binomial rows vs repeated rows");
    }
    CHECK_REL(f2.loglik, f3.loglik, 1e-12, "log-likelihood, binomial rows vs repeated rows");
    logreg_fit_free(&f2);
    logreg_fit_free(&f3);
    logreg_design_free(&d2);
    logreg_design_free(&d3);
    logreg_work_free(w);
    logreg_fit_free(&fs);
    logreg_fit_free(&fd);
    logreg_design_free(&d);
    rng_free(r);
}

static int load(const char *path, const char *split, ComparisonSet *s)
{
    char *files[1] = {(char *)path};
    ReadOptions opt = {.split = split};
    TlError err;
    cmpset_init(s);
    if (cmpset_load(s, files, 1, &opt, &err) != 0) {
        t_fail(__FILE__, __LINE__, "cannot load %s: %s", path, err.msg);
        return -1;
    }
    return 0;
}

typedef struct {
    const char *policy;
    double theta, se;
} Coef;

/* Compares a fit with R's glm values to 1e-6 relative: the length model in
 * the given unit, or with use_length = 0 the Bradley-Terry model (then w
 * and w_se are not used: the fit must report no length coefficient). */
static void check_against_r(const char *path, const char *base, LengthUnit unit, int use_length, double w,
                            double w_se, double loglik, const Coef *c, size_t nc)
{
    ComparisonSet s;
    if (load(path, NULL, &s) != 0)
        return;
    LcResult res;
    TlError err;
    long b = strpool_find(&s.policies, base);
    CHECK(b >= 0, "baseline %s present", base);
    CHECK(lengthctl_fit(&s, (uint32_t)b, unit, use_length, 0.95, &res, &err) == 0, "fit: %s", err.msg);
    CHECK(res.converged, "converged");
    if (use_length) {
        CHECK_REL(res.w, w, 1e-6, "w vs R glm");
        CHECK_REL(res.w_se, w_se, 1e-6, "SE of w vs R glm");
    } else {
        CHECK(isnan(res.w) && isnan(res.w_se), "Bradley-Terry: expected no length coefficient, got %g (SE %g)", res.w,
              res.w_se);
    }
    CHECK_REL(res.loglik, loglik, 1e-9, "log-likelihood vs R logLik");
    for (size_t i = 0; i < nc; i++) {
        long p = strpool_find(&s.policies, c[i].policy);
        CHECK(p >= 0, "policy %s present", c[i].policy);
        if (p < 0)
            continue;
        CHECK_INT(res.pol[p].status, LC_FITTED, c[i].policy);
        CHECK_REL(res.pol[p].theta, c[i].theta, 1e-6, c[i].policy);
        CHECK_REL(res.pol[p].theta_se, c[i].se, 1e-6, c[i].policy);
        /* The interval of sigma(theta) as R gives it from the link scale:
         * plogis(theta + c(-1, 1) * qnorm(0.975) * se). */
        double zq = 1.959963984540054;
        char what[160];
        snprintf(what, sizeof what, "%s: lc_lo = plogis(theta - z se)", c[i].policy);
        CHECK_REL(res.pol[p].lc_lo, 1 / (1 + exp(-(c[i].theta - zq * c[i].se))), 1e-6, what);
        snprintf(what, sizeof what, "%s: lc_hi = plogis(theta + z se)", c[i].policy);
        CHECK_REL(res.pol[p].lc_hi, 1 / (1 + exp(-(c[i].theta + zq * c[i].se))), 1e-6, what);
    }
    lengthctl_free(&res);
    cmpset_free(&s);
}

void test_lengthctl_matches_r_glm(void)
{
    /* python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref > /tmp/design.csv
     * Rscript tests/reference/lengthctl.R /tmp/design.csv */
    static const Coef c[] = {
        {"pretrain_xl", -1.36149764591482, 0.48058532987756},
        {"pretrain_3b", -1.1583272872698, 0.434845595738864},
        {"pretrain_6b", -0.958068051733616, 0.414545070031765},
        {"pretrain_12b", -0.903775585201303, 0.41543612075004},
        {"sup4", -0.320318547428326, 0.375175910516196},
        {"sup4_3b", -0.291953040758237, 0.391996494870798},
        {"sup4_6b", -0.442415146598461, 0.382327635950342},
        {"sup4_12b", -0.599641986844821, 0.390502161274484},
        {"sup4_ppo_rm4_kl9", 0.036418620514162, 0.397400492019389},
        {"sup4_3b_ppo_rm4_3b_kl11", 0.480847946410982, 0.441996863547591},
        {"sup4_6b_ppo_rm4_6b_kl14", 0.409995883825478, 0.386371801898283},
        {"sup4_12b_ppo_rm4_12b_kl13", 0.348873041946881, 0.452860614190236},
        {"sup4_bo16_rm4", 0.163112272735126, 0.410809635134629},
    };
    check_against_r("tests/data/cmp_tldr.jsonl", "ref", LEN_WORDS, 1, 0.91862551442111, 0.331218274943047,
                    -228.159812625788, c, sizeof c / sizeof c[0]);
}

/* --length-unit chars: the same model with x = log((chars_A + 1)/(chars_B + 1)),
 * chars = len(text.strip()) in Python (code points; every fixture summary
 * starts with a space, so a count that does not strip differs). */
void test_lengthctl_chars_matches_r_glm(void)
{
    /* python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref chars > /tmp/design_chars.csv
     * Rscript tests/reference/lengthctl.R /tmp/design_chars.csv */
    static const Coef c[] = {
        {"pretrain_xl", -1.35878201476843, 0.480628398189813},
        {"pretrain_3b", -1.14420851819802, 0.433559363590618},
        {"pretrain_6b", -0.966145869404816, 0.415504288588029},
        {"pretrain_12b", -0.910760977357037, 0.416081051078849},
        {"sup4", -0.312372552733326, 0.375060565806892},
        {"sup4_3b", -0.282864783130651, 0.39157468955775},
        {"sup4_6b", -0.439538918025673, 0.382601636217167},
        {"sup4_12b", -0.584372091158148, 0.389561276818411},
        {"sup4_ppo_rm4_kl9", 0.0335767839502391, 0.397295825626726},
        {"sup4_3b_ppo_rm4_3b_kl11", 0.486337312828238, 0.441501161412354},
        {"sup4_6b_ppo_rm4_6b_kl14", 0.413357225428932, 0.385999290675323},
        {"sup4_12b_ppo_rm4_12b_kl13", 0.353530719829377, 0.452440724967872},
        {"sup4_bo16_rm4", 0.165634809806711, 0.41089204063249},
    };
    check_against_r("tests/data/cmp_tldr.jsonl", "ref", LEN_CHARS, 1, 0.943798654878802, 0.337963146420972,
                    -228.101671527317, c, sizeof c / sizeof c[0]);
}

/* Bradley-Terry (winrate --pairwise): the model without the length term.
 * In the fixture every comparison is against ref, so theta is also
 * logit(wins/n) (sup4_12b_ppo_rm4_12b_kl13: 16 of 24, log 2). */
void test_bradley_terry_matches_r_glm(void)
{
    /* python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref none > /tmp/design_bt.csv
     * Rscript tests/reference/lengthctl.R /tmp/design_bt.csv */
    static const Coef c[] = {
        {"pretrain_xl", -1.15267950993839, 0.468292905790847},
        {"pretrain_3b", -0.916290731874155, 0.418330013267038},
        {"pretrain_6b", -0.54654370636807, 0.378867615212041},
        {"pretrain_12b", -0.587786664902119, 0.394405318873308},
        {"sup4", -0.243153543457366, 0.369557415487498},
        {"sup4_3b", -0.22314355131421, 0.387298334620742},
        {"sup4_6b", -0.337809438057103, 0.376354965067076},
        {"sup4_12b", -0.492476485097794, 0.382706998191366},
        {"sup4_ppo_rm4_kl9", 0.389676950274301, 0.373560505566495},
        {"sup4_3b_ppo_rm4_3b_kl11", 0.75377180237638, 0.428746462856272},
        {"sup4_6b_ppo_rm4_6b_kl14", 0.681084193101246, 0.371963715250036},
        {"sup4_12b_ppo_rm4_12b_kl13", 0.693147180559945, 0.433012701892219},
        {"sup4_bo16_rm4", 0.241162056816888, 0.40291148201269},
    };
    check_against_r("tests/data/cmp_tldr.jsonl", "ref", LEN_WORDS, 0, NAN, NAN, -232.087025767746, c,
                    sizeof c / sizeof c[0]);
}

void test_lengthctl_real_matches_r_glm(void)
{
    const char *dir = t_real_dir();
    if (!dir)
        REAL_SKIP("real-data fits not checked");
    char path[512];
    /* python3 tests/reference/flatten.py cmp .../batch0_cnndm.json valid2 ref > /tmp/d0.csv
     * Rscript tests/reference/lengthctl.R /tmp/d0.csv */
    static const Coef c0[] = {
        {"pretrain_6b_t.7", -0.466573934030105, 0.247776883365508},
        {"sup4_6b_ppo_rm4_6b_kl14", 0.546541186666778, 0.215506841006488},
        {"sup4_6b_t0.7", -0.867635302488192, 0.249639862826888},
    };
    snprintf(path, sizeof path, "%s/batch0_cnndm.json", dir);
    check_against_r(path, "ref", LEN_WORDS, 1, 0.736806433952717, 0.242240059278615, -245.035886492549, c0, 3);
    /* batch13 has no ref: fitted against sup4_12b_t0.7.
     * python3 tests/reference/flatten.py cmp .../batch13.json valid2 sup4_12b_t0.7 > /tmp/d13.csv */
    static const Coef c13[] = {{"sup4_ppo_rm4_t.7", 0.737006964976475, 0.113929297527765}};
    snprintf(path, sizeof path, "%s/batch13.json", dir);
    check_against_r(path, "sup4_12b_t0.7", LEN_WORDS, 1, 0.80878184443925, 0.348181574172675, -491.593880906655, c13, 1);
}

/* Test data: comparisons of (A, words A) vs (B, words B), choice. */
typedef struct {
    const char *a;
    int la;
    const char *b;
    int lb;
    int choice;
    int times;
} Row;

static void fit_rows(const Row *rows, size_t n, const char *base, ComparisonSet *s, LcResult *res)
{
    StrBuf b, txt[2];
    sb_init(&b);
    sb_init(&txt[0]);
    sb_init(&txt[1]);
    int post = 0;
    for (size_t i = 0; i < n; i++)
        for (int t = 0; t < rows[i].times; t++) {
            int len[2] = {rows[i].la, rows[i].lb};
            for (int k = 0; k < 2; k++) {
                sb_clear(&txt[k]);
                for (int w = 0; w < len[k]; w++)
                    sb_add(&txt[k], " w");
            }
            sb_printf(&b, "{\"info\":{\"id\":\"p%d\",\"post\":\"x\"},\"summaries\":[{\"text\":\"%s\",\"policy\":\"%s\"},"
                          "{\"text\":\"%s\",\"policy\":\"%s\"}],\"choice\":%d,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"valid2\"}\n",
                      post++, sb_str(&txt[0]), rows[i].a, sb_str(&txt[1]), rows[i].b, rows[i].choice);
        }
    const char *path = t_write("sep.jsonl", sb_str(&b));
    load(path, NULL, s);
    TlError err;
    long bl = strpool_find(&s->policies, base);
    if (lengthctl_fit(s, (uint32_t)bl, LEN_WORDS, 1, 0.95, res, &err) != 0)
        t_fail(__FILE__, __LINE__, "fit failed: %s", err.msg);
    sb_free(&b);
    sb_free(&txt[0]);
    sb_free(&txt[1]);
}

static const LcPolicy *pol(const ComparisonSet *s, const LcResult *r, const char *name)
{
    long p = strpool_find(&s->policies, name);
    return p >= 0 ? &r->pol[p] : NULL;
}

void test_lengthctl_separation(void)
{
    /* sup and rl mix with ref; "ace" beats everyone it meets; "dud" loses
     * to everyone; "iso" and "lone" only meet each other. */
    static const Row rows[] = {
        {"sup", 10, "ref", 10, 0, 6}, {"sup", 12, "ref", 10, 1, 9}, {"rl", 15, "ref", 10, 0, 12},
        {"rl", 9, "ref", 10, 1, 5},   {"sup", 10, "rl", 14, 0, 4},  {"sup", 11, "rl", 12, 1, 7},
        {"ace", 10, "ref", 12, 0, 5}, {"ace", 14, "sup", 10, 0, 3}, {"dud", 10, "ref", 9, 1, 4},
        {"rl", 11, "dud", 10, 0, 3},  {"iso", 10, "lone", 12, 0, 3}, {"iso", 13, "lone", 12, 1, 2},
    };
    ComparisonSet s;
    LcResult r;
    fit_rows(rows, sizeof rows / sizeof rows[0], "ref", &s, &r);
    const LcPolicy *ace = pol(&s, &r, "ace"), *dud = pol(&s, &r, "dud"), *iso = pol(&s, &r, "iso"),
                   *lone = pol(&s, &r, "lone"), *sup = pol(&s, &r, "sup");
    CHECK(ace && ace->status == LC_SEPARATED && ace->direction == 1, "ace: expected separated (+inf), got %s",
          ace ? lc_status_name(ace->status) : "?");
    CHECK(ace && isnan(ace->theta) && isnan(ace->theta_se), "ace: no huge number with a huge SE");
    CHECK(dud && dud->status == LC_SEPARATED && dud->direction == -1, "dud: expected separated (-inf)");
    CHECK(iso && iso->status == LC_NOT_CONNECTED, "iso: expected not connected");
    CHECK(lone && lone->status == LC_NOT_CONNECTED, "lone: expected not connected");
    CHECK(sup && sup->status == LC_FITTED && isfinite(sup->theta) && sup->theta_se < 2, "sup is fitted");
    CHECK_INT(r.n_between_components, 5 + 3 + 4 + 3, "comparisons across separated groups");
    CHECK_INT(r.n_not_connected, 5, "comparisons not connected to ref");
    CHECK(r.converged && r.length_status == LC_FITTED, "the finite part converges with a length term");
    lengthctl_free(&r);
    cmpset_free(&s);

    /* Longer always wins, in a strongly connected win graph: the length
     * term separates the data. */
    static const Row len_rows[] = {
        {"a", 20, "ref", 10, 0, 5}, {"a", 8, "ref", 12, 1, 5}, {"b", 15, "ref", 10, 0, 5},
        {"b", 9, "ref", 11, 1, 5},  {"a", 10, "b", 16, 1, 4},  {"a", 18, "b", 9, 0, 4},
    };
    fit_rows(len_rows, sizeof len_rows / sizeof len_rows[0], "ref", &s, &r);
    CHECK(r.length_status == LC_SEPARATED, "length: expected separated, got %s", lc_status_name(r.length_status));
    CHECK(isnan(r.w), "a separated length coefficient is not reported as a number");
    const LcPolicy *pa = pol(&s, &r, "a");
    CHECK(pa && pa->status == LC_SEPARATED && isnan(pa->theta),
          "complete separation: theta of a is not determined either");
    lengthctl_free(&r);
    cmpset_free(&s);

    /* Every summary of a policy has the same length: the length term is
     * a function of policy identity and is not identified. */
    static const Row const_rows[] = {
        {"a", 20, "ref", 10, 0, 7}, {"a", 20, "ref", 10, 1, 5}, {"b", 15, "ref", 10, 0, 3},
        {"b", 15, "ref", 10, 1, 6}, {"a", 20, "b", 15, 1, 4},  {"a", 20, "b", 15, 0, 4},
    };
    fit_rows(const_rows, sizeof const_rows / sizeof const_rows[0], "ref", &s, &r);
    CHECK(r.length_status == LC_NOT_IDENTIFIED, "length: expected not identified, got %s",
          lc_status_name(r.length_status));
    const LcPolicy *a = pol(&s, &r, "a");
    CHECK(a && a->status == LC_FITTED && isfinite(a->theta), "theta of a is still fitted without length");
    lengthctl_free(&r);
    cmpset_free(&s);
}
