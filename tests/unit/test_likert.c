/* test_likert.c — Likert summaries and the length-controlled OLS against
 * R, and labeler agreement on a hand-made set. */
#include "tests/unit/test.h"
#include "analysis/agreement.h"
#include "analysis/likert.h"

#include <stdlib.h>

static void load_axis(AxisSet *s)
{
    char *files[2] = {"tests/data/axis_tldr.jsonl", "tests/data/axis_news.jsonl"};
    ReadOptions opt = {0};
    TlError err;
    axisset_init(s);
    if (axisset_load(s, files, 2, &opt, &err) != 0)
        t_fail(__FILE__, __LINE__, "cannot load the axis fixtures: %s", err.msg);
}

static const LikertRow *find_row(const LikertResult *res, const AxisSet *s, Domain d, const char *pol, Axis a)
{
    long p = strpool_find(&s->policies, pol);
    for (size_t i = 0; i < res->n; i++)
        if (res->rows[i].dataset == d && (long)res->rows[i].policy == p && res->rows[i].axis == a)
            return &res->rows[i];
    return NULL;
}

void test_likert_matches_r(void)
{
    /* python3 tests/reference/flatten.py axis tests/data/axis_tldr.jsonl tests/data/axis_news.jsonl > /tmp/axis.csv
     * Rscript tests/reference/likert.R /tmp/axis.csv  (mean, sd, sd/sqrt(n), t.test()$conf.int, mean(x==7), mean(x<=4)) */
    static const struct {
        Domain d;
        const char *pol;
        Axis a;
        int n;
        double mean, sd, se, lo, hi, s7, le4;
    } want[] = {
        {DOMAIN_TLDR, "ref", AXIS_OVERALL, 12, 4.91666666666667, 0.668557923421521, 0.192996048528136,
         4.49188522789991, 5.34144810543342, 0, 0.25},
        {DOMAIN_TLDR, "sup4_6b_ppo_rm4_6b_kl14", AXIS_ACCURACY, 12, 5.83333333333333, 0.834847109936722,
         0.240999601827074, 5.30289678612395, 6.36376988054272, 0.25, 0},
        {DOMAIN_TLDR, "pretrain_xl", AXIS_COHERENCE, 13, 4.46153846153846, 1.56073618395212, 0.432870333747029,
         3.5183950247881, 5.40468189828882, 0.153846153846154, 0.538461538461538},
        {DOMAIN_NEWS, "lead3", AXIS_COVERAGE, 12, 4.91666666666667, 1.16450015288132, 0.336162238368694,
         4.17677856863398, 5.65655476469935, 0.0833333333333333, 0.416666666666667},
        {DOMAIN_NEWS, "ref", AXIS_OVERALL, 12, 4.75, 0.866025403784439, 0.25, 4.19975370997709,
         5.30024629002291, 0, 0.333333333333333},
    };
    AxisSet s;
    load_axis(&s);
    LikertResult res;
    likert_compute(&s, 0.95, &res);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const LikertRow *r = find_row(&res, &s, want[i].d, want[i].pol, want[i].a);
        CHECK(r != NULL, "row %s %s", want[i].pol, axis_name(want[i].a));
        if (!r)
            continue;
        CHECK_INT(r->n, want[i].n, "n");
        CHECK_REL(r->mean, want[i].mean, 1e-12, "mean vs R");
        CHECK_REL(r->sd, want[i].sd, 1e-12, "sd vs R");
        CHECK_REL(r->se, want[i].se, 1e-12, "se vs R");
        CHECK_REL(r->ci_lo, want[i].lo, 1e-12, "t interval lo vs R t.test");
        CHECK_REL(r->ci_hi, want[i].hi, 1e-12, "t interval hi vs R t.test");
        CHECK_ABS(r->share_7, want[i].s7, 1e-12, "share of 7s vs R");
        CHECK_ABS(r->share_le4, want[i].le4, 1e-12, "share <= 4 vs R");
        size_t hn = 0;
        for (int k = 0; k < 7; k++)
            hn += r->hist[k];
        CHECK_INT(hn, r->n, "histogram sums to n");
    }
    likert_free(&res);

    /* lm(overall ~ policy + chars) with ref as the reference level;
     * predict(..., data.frame(policy = p, chars = mean ref chars), se.fit = TRUE). */
    static const struct {
        Domain d;
        double per100, per100_se, refmean, r2;
        const char *pol[3];
        double adj[3], adj_se[3];
    } lc[] = {
        {DOMAIN_NEWS, 0.572049471093925, 0.320814496128374, 145.083333333333, 0.478969426881318,
         {"ref", "lead3", "sup4_6b"}, {4.75, 4.61100635965613, 3.86672685436707},
         {0.231679752155091, 0.318224155341599, 0.316033490061373}},
        {DOMAIN_TLDR, 0.170769418927511, 0.235804345028561, 103.916666666667, 0.354175752318594,
         {"ref", "sup4_6b", "sup4_6b_ppo_rm4_6b_kl14"}, {4.91666666666667, 4.3856435555615, 5.77911404282385},
         {0.283484239225882, 0.286702616112241, 0.293203876640942}},
    };
    uint32_t ref = (uint32_t)strpool_find(&s.policies, "ref");
    for (size_t i = 0; i < 2; i++) {
        LikertLc out;
        TlError err;
        CHECK(likert_length_control(&s, lc[i].d, ref, 0.95, &out, &err) == 0, "length control: %s", err.msg);
        CHECK_REL(out.per100, lc[i].per100, 1e-10, "gain per 100 characters vs R lm");
        CHECK_REL(out.per100_se, lc[i].per100_se, 1e-10, "its SE vs R lm");
        CHECK_REL(out.baseline_mean_chars, lc[i].refmean, 1e-12, "reference mean length");
        CHECK_REL(out.r2, lc[i].r2, 1e-10, "R^2 vs R lm");
        for (int k = 0; k < 3; k++) {
            long p = strpool_find(&s.policies, lc[i].pol[k]);
            const LikertLcRow *row = NULL;
            for (size_t j = 0; j < out.nrows; j++)
                if ((long)out.rows[j].policy == p)
                    row = &out.rows[j];
            CHECK(row != NULL, "length-controlled row for %s", lc[i].pol[k]);
            if (!row)
                continue;
            CHECK_REL(row->adjusted, lc[i].adj[k], 1e-10, "overall at reference length vs R predict");
            CHECK_REL(row->adjusted_se, lc[i].adj_se[k], 1e-10, "its SE vs R predict(se.fit = TRUE)");
        }
        likert_lc_free(&out);
    }
    axisset_free(&s);
}

void test_agreement_hand_made(void)
{
    /* Pair P1: w1 and w2 prefer A, w3 prefers B. Pair P2 (summaries listed
     * in both orders): w1 prefers A, w2 prefers B. P3: w1 only. P4: w4
     * twice, agreeing with itself.
     * Cross-worker label pairs: P1 (w1,w2) agree, (w1,w3), (w2,w3) disagree;
     * P2 (w1,w2) disagree: 1 of 4 agree. */
#define C(id, ta, pa, tb, pb, ch, w)                                                                  \
    "{\"info\":{\"id\":\"" id "\",\"post\":\"x\"},\"summaries\":[{\"text\":\"" ta "\",\"policy\":\"" pa   \
    "\"},{\"text\":\"" tb "\",\"policy\":\"" pb "\"}],\"choice\":" #ch ",\"worker\":\"" w               \
    "\",\"batch\":\"b\",\"split\":\"valid2\"}\n"
    const char *p = t_write("agree.jsonl",
        C("P1", "a", "sup", "r", "ref", 0, "w1") C("P1", "a", "sup", "r", "ref", 0, "w2")
        C("P1", "r", "ref", "a", "sup", 0, "w3") C("P2", "b", "rl", "r2", "ref", 0, "w1")
        C("P2", "r2", "ref", "b", "rl", 0, "w2") C("P3", "c", "rl", "r3", "ref", 1, "w1")
        C("P4", "d", "rl", "r4", "ref", 1, "w4") C("P4", "d", "rl", "r4", "ref", 1, "w4"));
#undef C
    char *files[1] = {(char *)p};
    ComparisonSet s;
    ReadOptions opt = {0};
    TlError err;
    cmpset_init(&s);
    CHECK(cmpset_load(&s, files, 1, &opt, &err) == 0, "load: %s", err.msg);
    AgreementResult r;
    agreement_compute(&s, 0.95, 1000, 1, -1, &r);
    CHECK_INT(r.pairs, 4, "distinct pairs");
    CHECK_INT(r.shared_pairs, 2, "pairs labelled by two or more workers");
    CHECK_INT(r.label_pairs, 4, "cross-worker label pairs");
    CHECK_INT(r.label_pairs_agree, 1, "agreeing label pairs");
    CHECK_ABS(r.rate, 0.25, 1e-15, "agreement rate");
    CHECK_INT(r.self_pairs, 1, "same-worker repeats");
    CHECK_INT(r.self_agree, 1, "same-worker agreement");
    for (size_t i = 0; i < r.nworkers; i++) {
        const WorkerAgreement *w = &r.workers[i];
        const char *name = strpool_get(&s.workers, w->worker);
        if (strcmp(name, "w1") == 0) {
            CHECK_INT(w->labels, 3, "w1 labels");
            CHECK_INT(w->pair_total, 3, "w1 label pairs");
            CHECK_INT(w->pair_agree, 1, "w1 agreements");
            CHECK_INT(w->maj_total, 1, "w1 majority comparisons (P1 is a tie)");
            CHECK_INT(w->maj_agree, 0, "w1 majority agreements");
            CHECK_ABS(w->first_rate, 2.0 / 3, 1e-15, "w1 chose the first summary");
        } else if (strcmp(name, "w3") == 0) {
            CHECK_INT(w->maj_total, 1, "w3 majority comparisons");
            CHECK_INT(w->maj_agree, 0, "w3 disagrees with the majority");
        }
    }
    CHECK_STR(strpool_get(&s.workers, r.workers[0].worker), "w1", "workers sorted by labels");
    agreement_free(&r);
    /* w1 as the expert: its labels leave the inter-labeler counts (only
     * w2-w3 on P1 remains, disagreeing); the others' labels on P1 and P2
     * are compared with w1's: w2 agrees on P1, not on P2; w3 not on P1. */
    agreement_compute(&s, 0.95, 1000, 1, strpool_find(&s.workers, "w1"), &r);
    CHECK_INT(r.label_pairs, 1, "expert: inter-labeler label pairs without w1");
    CHECK_INT(r.label_pairs_agree, 0, "expert: w2 and w3 disagree on P1");
    CHECK_INT(r.expert_labels, 3, "expert's labels");
    CHECK_INT(r.expert_pairs, 2, "pairs the expert shares with others");
    CHECK_INT(r.expert_total, 3, "labels compared with the expert");
    CHECK_INT(r.expert_agree, 1, "labels agreeing with the expert");
    CHECK_ABS(r.expert_rate, 1.0 / 3, 1e-15, "agreement with the expert");
    for (size_t i = 0; i < r.nworkers; i++) {
        const WorkerAgreement *w = &r.workers[i];
        const char *name = strpool_get(&s.workers, w->worker);
        if (strcmp(name, "w2") == 0) {
            CHECK_INT(w->expert_total, 2, "w2 compared with the expert");
            CHECK_INT(w->expert_agree, 1, "w2 agrees with the expert once");
        } else if (strcmp(name, "w3") == 0) {
            CHECK_INT(w->expert_total, 1, "w3 compared with the expert");
            CHECK_INT(w->expert_agree, 0, "w3 disagrees with the expert");
        }
    }
    agreement_free(&r);
    cmpset_free(&s);
}
