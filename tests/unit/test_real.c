/* test_real.c — the genuine released records in ../shared/data/real: every
 * file parses, and every analysis runs. Skipped when the folder is absent
 * (a failure when the run requires it: REAL_SKIP in test.h). */
#include "tests/unit/test.h"
#include "analysis/agreement.h"
#include "analysis/lengthctl.h"
#include "analysis/winrate.h"
#include "common/rng.h"

#include <stdlib.h>

void test_real_records_parse(void)
{
    const char *dir = t_real_dir();
    if (!dir)
        REAL_SKIP("real records not read");
    static const struct {
        const char *file;
        size_t n, valid2, empty, news;
    } want[] = {
        {"batch13.json", 1097, 832, 0, 0},
        {"batch18.json", 674, 554, 0, 0},
        {"batch0_cnndm.json", 437, 437, 12, 437},
        {"edit_b2_eval_test.json", 5, 4, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, want[i].file);
        char *files[1] = {path};
        ReadOptions opt = {.split = "all"};
        ComparisonSet s;
        TlError err;
        cmpset_init(&s);
        CHECK(cmpset_load(&s, files, 1, &opt, &err) == 0, "%s parses strictly: %s", want[i].file, err.msg);
        CHECK_INT(s.n, want[i].n, want[i].file);
        CHECK_INT(s.stats.by_split[SPLIT_VALID2], want[i].valid2, "valid2 records");
        size_t empty = 0, news = 0;
        for (size_t k = 0; k < s.n; k++) {
            empty += (s.rows[k].chars[0] == 0) + (s.rows[k].chars[1] == 0);
            news += s.rows[k].domain == DOMAIN_NEWS;
        }
        CHECK_INT(empty, want[i].empty, "empty summaries");
        CHECK_INT(news, want[i].news, "news records");
        if (strcmp(want[i].file, "batch13.json") == 0)
            CHECK(strpool_find(&s.policies, "ref") < 0, "batch13 has no ref");
        if (strcmp(want[i].file, "edit_b2_eval_test.json") == 0)
            CHECK(strncmp(strpool_get(&s.posts, s.rows[0].post), "noid:", 5) == 0, "records without info.id get a text key");
        cmpset_free(&s);
    }
}

void test_real_analyses_run(void)
{
    const char *dir = t_real_dir();
    if (!dir)
        REAL_SKIP("analyses not run on real records");
    const char *files_[] = {"batch13.json", "batch18.json", "batch0_cnndm.json", "edit_b2_eval_test.json"};
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files_[i]);
        char *files[1] = {path};
        ReadOptions opt = {0};
        ComparisonSet s;
        TlError err;
        cmpset_init(&s);
        CHECK(cmpset_load(&s, files, 1, &opt, &err) == 0, "%s: %s", files_[i], err.msg);
        long base = strpool_find(&s.policies, "ref");
        if (i == 0)
            base = strpool_find(&s.policies, "sup4_12b_t0.7"); /* batch13 has no ref */
        CHECK(base >= 0, "%s: a baseline", files_[i]);
        WinrateOptions wo = {(uint32_t)base, GROUP_POLICY, LEN_WORDS, 500, 1, 0.95, NULL, 0};
        WinrateResult wr;
        winrate_compute(&s, &wo, &wr);
        CHECK(wr.n >= 1, "%s: win rates computed", files_[i]);
        for (size_t k = 0; k < wr.n; k++)
            CHECK(wr.rows[k].win_rate >= 0 && wr.rows[k].win_rate <= 1 && wr.rows[k].wilson_lo <= wr.rows[k].wilson_hi,
                  "%s: sane win rate", files_[i]);
        winrate_free(&wr);
        LcResult lc;
        CHECK(lengthctl_fit(&s, (uint32_t)base, LEN_CHARS, 1, 0.95, &lc, &err) == 0, "%s: lengthctl", files_[i]);
        lengthctl_free(&lc);
        AgreementResult ag;
        agreement_compute(&s, 0.95, 1000, 1, -1, &ag);
        if (i == 2) {
            /* Independent Python count: 269 pairs, 168 cross-worker label pairs, 132 agree. */
            CHECK_INT(ag.pairs, 269, "batch0_cnndm distinct pairs");
            CHECK_INT(ag.label_pairs, 168, "batch0_cnndm label pairs");
            CHECK_INT(ag.label_pairs_agree, 132, "batch0_cnndm agreeing label pairs");
        }
        agreement_free(&ag);
        cmpset_free(&s);
    }
}
