/* test_world.c — the in-silico world: tokeniser, templates, config, the
 * built-in lexicon's lint, facts round trip, the gold judge's orderings,
 * and the labelers. */
#include "tests/unit/test.h"
#include "common/rng.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "world/judge.h"
#include "world/labelers.h"
#include "world/lexicon.h"
#include "world/lint.h"
#include "world/probes.h"
#include "world/render.h"
#include "world/world.h"

#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <string.h>

typedef struct {
    char toks[32][32];
    int n;
} Toks;

static void collect(const char *t, size_t len, void *arg)
{
    Toks *x = arg;
    if (x->n < 32) {
        snprintf(x->toks[x->n], sizeof x->toks[0], "%.*s", (int)len, t);
        x->n++;
    }
}

static void joined(const char *text, char *out, size_t cap)
{
    Toks x = {0};
    lexicon_tokenize(text, collect, &x);
    out[0] = '\0';
    for (int i = 0; i < x.n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "|" : "", x.toks[i]);
}

void test_world_tokenize(void)
{
    char buf[512];
    joined("My (24F) bf's phone - don't ask!", buf, sizeof buf);
    CHECK_STR(buf, "my|24f|bf|s|phone|dont|ask|.", "apostrophes, possessive 's, punctuation, a boundary");
    joined("It cost $4,000, then $12k and \xC2\xA3" "300... Fine?!", buf, sizeof buf);
    CHECK_STR(buf, "it|cost|$4000|then|$12k|and|$300|.|fine|.", "money tokens ($ and pound), boundary runs");
    joined("co-worker\xE2\x80\x99s CAT", buf, sizeof buf);
    CHECK_STR(buf, "co|worker|s|cat", "hyphen splits, curly apostrophe, lowercase");
    joined("my fiance\xE2\x80\x94he \xE2\x80\x9C" "bf\xE2\x80\x9D\xC2\xA0" "for 1.5 years\xE2\x80\xA6", buf, sizeof buf);
    CHECK_STR(buf, "my|fiance|he|bf|for|1.5|years|.", "dashes, curly quotes, no-break space, decimals, ellipsis");
}

/* render_each collects every rendering, joined by '|'. */
static void each_collect(const char *text, void *arg)
{
    StrBuf *b = arg;
    sb_printf(b, "%s%s", b->len ? "|" : "", text);
}

void test_world_render(void)
{
    gsl_rng *r = rng_alloc(7);
    Slots s;
    memset(&s, 0, sizeof s);
    s.v[S_REL] = "boyfriend";
    s.v[S_RAGE] = "26";
    s.v[S_RG] = "M";
    s.v[S_HE] = "he";
    StrBuf b;
    sb_init(&b);
    /* every rendering: each alternative, optional parts kept then dropped, slots as a word */
    size_t ne = render_each("{my|our} $rel said [{very|so} ]{much|little}", "X", 100, each_collect, &b);
    CHECK(ne == 12 && strcmp(sb_str(&b), "my  X  said very much|my  X  said very little|my  X  said so much|"
                                        "my  X  said so little|my  X  said much|my  X  said little|"
                                        "our  X  said very much|our  X  said very little|our  X  said so much|"
                                        "our  X  said so little|our  X  said much|our  X  said little") == 0,
          "render_each: expected the 12 renderings in order, got %zu: %s", ne, sb_str(&b));
    sb_clear(&b);
    ne = render_each("{a|b|c} {d|e}", "X", 4, each_collect, &b);
    CHECK(ne == 4 && strcmp(sb_str(&b), "a d|a e|b d|b e") == 0, "render_each stops at max: got %zu: %s", ne,
          sb_str(&b));
    sb_clear(&b);
    CHECK_INT(render_template("{my|our} $rel said [really ]{nothing|little}", &s, r, 0.0, &b), 0, "renders");
    CHECK(strncmp(sb_str(&b), "my boyfriend said ", 18) == 0, "paraphrase rate 0 takes the first alternative, got '%s'",
          sb_str(&b));
    int seen_our = 0, seen_little = 0;
    for (int i = 0; i < 200; i++) {
        sb_clear(&b);
        render_template("{my|our} $rel said {nothing|little}", &s, r, 1.0, &b);
        seen_our |= strstr(sb_str(&b), "our") != NULL;
        seen_little |= strstr(sb_str(&b), "little") != NULL;
    }
    CHECK(seen_our && seen_little, "paraphrase rate 1 reaches every alternative");
    sb_clear(&b);
    s.rel_age_once = 1;
    render_template("my $rel and my $rel", &s, r, 0, &b);
    CHECK_STR(sb_str(&b), "my boyfriend (26M) and my boyfriend", "the age follows the first mention only");
    sb_clear(&b);
    s.rel_age_once = 1;
    render_template("my $rel's car", &s, r, 0, &b);
    CHECK_STR(sb_str(&b), "my boyfriend's car", "no age before a possessive");
    CHECK_INT(render_template("{a|b", &s, r, 0, &b), -1, "unbalanced braces are an error");
    CHECK_INT(render_check("a|b"), -1, "| outside braces is an error");
    CHECK_INT(render_check("{a|[b]}"), 0, "nested groups are fine");
    sb_clear(&b);
    sb_add(&b, "a apple and a 18-year-old , an cat ate a university pie");
    render_tidy(&b, 0);
    CHECK_STR(sb_str(&b), "an apple and an 18-year-old, a cat ate a university pie", "a/an and spacing");
    sb_free(&b);
    rng_free(r);
}

void test_world_config(void)
{
    WorldConfig c;
    world_config_default(&c);
    TlError err;
    const char *p = t_write("cfg.json", "{\"seed\": 5, \"world\": {\"splits\": {\"tldr\": {\"train\": 10}}, "
                                        "\"paraphrase\": 0.3}, \"train\": {\"ignored\": true}}");
    CHECK_INT(world_config_read(&c, p, &err), 0, "a good config reads");
    CHECK_INT(c.seed, 5, "seed");
    CHECK_INT(c.n[WD_TLDR][SPLIT_TRAIN], 10, "split size");
    CHECK_ABS(c.paraphrase, 0.3, 0, "paraphrase");
    p = t_write("cfg2.json", "{\"world\": {\"paraphrse\": 0.3}}");
    CHECK_INT(world_config_read(&c, p, &err), -1, "a misspelt setting is refused");
    CHECK(strstr(err.msg, "cfg2.json:1: world.paraphrse: unknown setting (known: splits,") != NULL, "message names it: %s", err.msg);
    p = t_write("cfg3.json", "{\n  \"world\": {\n    \"post_words\": [300, 100]}}");
    CHECK_INT(world_config_read(&c, p, &err), -1, "min > max is refused");
    CHECK(strstr(err.msg, "cfg3.json:3: world.post_words: expected [min, max] with min <= max") != NULL, "message: %s", err.msg);
    /* a misspelt section, a section or setting given twice */
    static const struct {
        const char *text, *msg;
    } BAD[] = {
        {"{\"seed\": 5,\n \"wrold\": {\"paraphrase\": 0.3}}",
         "cfg5.json:2: wrold: unknown key (known: seed, world, reference, judge, labelers, model, train)"},
        {"{\"world\": {\"paraphrase\": 0.3},\n \"world\": {\"paraphrase\": 0.9}}",
         "cfg5.json:2: world: at column 2: duplicate key (first at line 1, column 2)"},
        {"{\"world\": {\"paraphrase\": 0.3,\n \"paraphrase\": 0.9}}",
         "cfg5.json:2: world.paraphrase: at column 2: duplicate key (first at line 1, column 12)"},
        {"{\"world\": {\"splits\": {\"tldr\": {\n\"train\": 01}}}}",
         "cfg5.json:2: world.splits.tldr.train: at column 10: number '01': a leading zero (JSON numbers are 0 or start with 1-9)"},
        {"{\"labelers\": {\n  \"workers\": 1.5}}",
         "cfg5.json:2: labelers.workers: expected a whole number from 2 to 100000"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        p = t_write("cfg5.json", BAD[i].text);
        world_config_default(&c);
        CHECK_INT(world_config_read(&c, p, &err), -1, BAD[i].text);
        char want[600];
        snprintf(want, sizeof want, "%s/%s", t_tmpdir(), BAD[i].msg);
        CHECK_STR(err.msg, want, "config error message");
    }
    p = t_write("cfg4.json", "{\"labelers\": {\"workers\": 1.5}}");
    CHECK_INT(world_config_read(&c, p, &err), -1, "a fractional count is refused");
    /* the JSON form reads back to the same settings */
    world_config_default(&c);
    c.seed = 123456789012345ULL;
    cJSON *j0 = world_config_to_json(&c);
    char *txt = cJSON_PrintUnformatted(j0); /* through text, as world.json is */
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    cJSON_Delete(j0);
    WorldConfig d;
    world_config_default(&d);
    d.seed = 0;
    JsonSrc src = {"x", NULL, 0, NULL};
    int rc = world_config_from_json(&d, j, &src, &err);
    CHECK(rc == 0, "config JSON reads back: %s", rc ? err.msg : "");
    CHECK(memcmp(&c, &d, sizeof c) == 0, "config JSON round trip is exact");
    cJSON_Delete(j);
}

void test_world_lexicon_lint(void)
{
    Lexicon lx;
    TlError err;
    CHECK_INT(lexicon_load_builtin(&lx, &err), 0, "the built-in lexicon loads");
    if (t_fails) {
        printf("  %s\n", err.msg);
        return;
    }
    size_t sections[WD_N] = {0};
    for (size_t s = 0; s < lx.nsec; s++)
        sections[lx.sec[s].domain]++;
    CHECK(sections[WD_TLDR] >= 8, "at least 8 subreddits, got %zu", sections[WD_TLDR]);
    CHECK(sections[WD_NEWS] >= 3, "news desks, got %zu", sections[WD_NEWS]);
    WorldConfig c;
    world_config_default(&c);
    StrBuf msgs;
    sb_init(&msgs);
    size_t n = world_lint(&lx, &c, 100, &msgs);
    CHECK_INT(n, 0, "lint problems in the built-in lexicon");
    if (n)
        printf("%.2000s\n", sb_str(&msgs));
    sb_free(&msgs);
    /* the merged JSON loads again to the same lexicon */
    char *text = lexicon_to_json(&lx);
    Lexicon again;
    JsonSrc msrc = {"merged", text, strlen(text), ""};
    CHECK_INT(lexicon_load_json(&again, cJSON_Parse(text), &msrc, &err), 0, "merged lexicon loads");
    CHECK(again.hash == lx.hash && again.nc == lx.nc && again.nkeys == lx.nkeys, "same lexicon after a round trip");
    free(text);
    lexicon_free(&again);
    lexicon_free(&lx);
}

/* A small world on disk, opened with texts. */
static int small_world(World *w, const char *name)
{
    Lexicon lx;
    TlError err;
    if (lexicon_load_builtin(&lx, &err) != 0) {
        printf("  %s\n", err.msg);
        return -1;
    }
    WorldConfig c;
    world_config_default(&c);
    memset(c.n, 0, sizeof c.n);
    c.n[WD_TLDR][SPLIT_VALID2] = 300;
    c.n[WD_NEWS][SPLIT_TEST] = 200;
    c.lm_docs = 3000;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", t_tmpdir(), name);
    int rc = world_generate(&c, &lx, dir, 0, &err);
    lexicon_free(&lx);
    if (rc != 0 || world_open(w, dir, &err) != 0 || world_load_texts(w, &err) != 0) {
        printf("  %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* The small world every test below shares: generated, opened and judged
 * once (300 posts, 200 articles), freed at exit. NULL if it could not be
 * made. */
static World shared_w;
static Judge shared_j;
static int shared_state; /* 0: not made yet, 1: ready, -1: failed */

static void shared_free(void)
{
    judge_free(&shared_j);
    world_close(&shared_w);
}

static World *shared_world(Judge **j)
{
    if (shared_state == 0) {
        shared_state = small_world(&shared_w, "w_small") == 0 ? 1 : -1;
        if (shared_state == 1) {
            judge_init(&shared_j, &shared_w);
            atexit(shared_free);
        }
    }
    if (j)
        *j = &shared_j;
    return shared_state == 1 ? &shared_w : NULL;
}

void test_world_facts_round_trip(void)
{
    World *w = shared_world(NULL);
    if (!w) {
        CHECK(0, "could not make a world");
        return;
    }
    gsl_rng *r = rng_alloc(3);
    for (size_t k = 0; k < 50; k++) {
        const Doc *d = &w->docs[k * 7 % w->ndocs];
        cJSON *j0 = world_doc_to_json(&w->lx, d, NULL, 0);
        char *txt = cJSON_PrintUnformatted(j0); /* through text, as facts.jsonl is */
        cJSON *j = cJSON_Parse(txt);
        free(txt);
        cJSON_Delete(j0);
        Doc back;
        TlError err;
        int rc = world_doc_from_json(&w->lx, j, &back, "f", 1, &err);
        CHECK(rc == 0, "facts read back: %s", rc ? err.msg : "");
        CHECK(memcmp(d, &back, sizeof back) == 0, "doc %s: facts round trip exactly", d->id);
        cJSON_Delete(j);
    }
    rng_free(r);
}

static void text_shuffle(gsl_rng *r, const char *in, StrBuf *out)
{
    char *copy = xstrdup(in), *words[512];
    size_t n = 0;
    for (char *t = strtok(copy, " \n"); t && n < 512; t = strtok(NULL, " \n"))
        words[n++] = t;
    if (n > 1)
        gsl_ran_shuffle(r, words, n, sizeof words[0]);
    sb_clear(out);
    for (size_t i = 0; i < n; i++)
        sb_printf(out, "%s%s", i ? " " : "", words[i]);
    free(copy);
}

void test_world_judge_orders(void)
{
    Judge *j;
    World *w = shared_world(&j);
    if (!w) {
        CHECK(0, "could not make a world");
        return;
    }
    gsl_rng *r = rng_alloc(11);
    StrBuf t;
    sb_init(&t);
    size_t n = 0, beat_overall = 0, beat_cov = 0, acc_ge = 0, acc_gt = 0, inv_lower = 0, inv_n = 0;
    size_t age_con = 0, shuf_lower = 0, rep_lower = 0, cov_up = 0, cov_n = 0, self_clean = 0;
    for (size_t k = 0; k < w->ndocs; k++) {
        const Doc *d = &w->docs[k];
        size_t o = (k + 1) % w->ndocs; /* another document of the same dataset and another event */
        while (w->docs[o].domain != d->domain || w->docs[o].f[0].concept == d->f[0].concept)
            o = (o + 1) % w->ndocs;
        JudgeScore ref, other, s;
        judge_score(j, k, w->ref[k], &ref, NULL);
        judge_score(j, k, w->ref[o], &other, NULL);
        n++;
        beat_overall += ref.overall > other.overall;
        beat_cov += ref.coverage > other.coverage;
        acc_ge += ref.accuracy >= other.accuracy;
        acc_gt += ref.accuracy > other.accuracy;
        self_clean += ref.invented == 0 && ref.contradicted == 0;
        /* an invented fact: another document's reference appended */
        sb_clear(&t);
        sb_printf(&t, "%s Also, %s", w->ref[k], w->ref[o]);
        judge_score(j, k, sb_str(&t), &s, NULL);
        if (other.invented + other.contradicted > 0) {
            inv_n++;
            inv_lower += s.accuracy < ref.accuracy;
        }
        /* a wrong age */
        if (d->domain == WD_TLDR) {
            sb_clear(&t);
            int age = d->nar_age + 7;
            while (age == d->p[0].age || age == d->p[1].age)
                age++;
            sb_printf(&t, "%s I'm %d%c.", w->ref[k], age, d->nar_g);
            judge_score(j, k, sb_str(&t), &s, NULL);
            age_con += s.contradicted > ref.contradicted && s.accuracy < ref.accuracy;
        }
        /* shuffled and repeated */
        text_shuffle(r, w->ref[k], &t);
        judge_score(j, k, sb_str(&t), &s, NULL);
        shuf_lower += s.coherence < ref.coherence;
        sb_clear(&t);
        sb_printf(&t, "%s %s", w->ref[k], w->ref[k]);
        judge_score(j, k, sb_str(&t), &s, NULL);
        rep_lower += s.coherence < ref.coherence;
        /* true important facts added: the whole document after the reference */
        if (ref.coverage < 1) {
            sb_clear(&t);
            size_t rl = strlen(w->ref[k]);
            char last = rl ? w->ref[k][rl - 1] : '.';
            /* a sentence of its own: a reference without a final mark would
             * run on into the post's first sentence */
            sb_printf(&t, "%s%s %s", w->ref[k], last == '.' || last == '?' || last == '!' ? "" : ".", w->body[k]);
            judge_score(j, k, sb_str(&t), &s, NULL);
            cov_n++;
            int up = s.coverage > ref.coverage && s.invented == 0 && s.contradicted == 0;
            cov_up += up;
            if (!up && cov_n - cov_up <= 2) {
                cJSON *e1 = cJSON_CreateObject();
                judge_score(j, k, sb_str(&t), &s, e1);
                char *e = cJSON_PrintUnformatted(e1);
                printf("  doc %s: reference coverage %.3f, with the document %.3f, %d invented, %d contradicted: %s\n",
                       d->id, ref.coverage, s.coverage, s.invented, s.contradicted, e);
                free(e);
                cJSON_Delete(e1);
            }
        }
    }
    printf("  %zu documents: reference beats another post's on overall %zu, coverage %zu, accuracy >= %zu (> %zu);\n"
           "  invented lowers accuracy %zu/%zu; wrong age contradicted %zu; shuffled %zu, repeated %zu less coherent;\n"
           "  more true facts raise coverage %zu/%zu; references free of invented facts %zu\n",
           n, beat_overall, beat_cov, acc_ge, acc_gt, inv_lower, inv_n, age_con, shuf_lower, rep_lower, cov_up, cov_n,
           self_clean);
    CHECK(beat_overall >= n * 98 / 100, "the reference beats another post's reference on overall in >= 98%%: %zu/%zu",
          beat_overall, n);
    CHECK(beat_cov >= n * 98 / 100, "... on coverage in >= 98%%: %zu/%zu", beat_cov, n);
    CHECK(acc_ge == n, "... on accuracy never worse: %zu/%zu", acc_ge, n);
    CHECK(acc_gt >= n * 90 / 100, "... on accuracy strictly better in >= 90%%: %zu/%zu", acc_gt, n);
    CHECK(self_clean == n, "a document's own reference has no invented or contradicted fact: %zu/%zu", self_clean, n);
    CHECK(inv_lower == inv_n && inv_n > n / 2, "an invented fact lowers accuracy: %zu/%zu", inv_lower, inv_n);
    CHECK(age_con == 300, "a wrong age is contradicted and lowers accuracy: %zu/300", age_con);
    CHECK(shuf_lower >= n * 95 / 100, "a shuffled summary is less coherent in >= 95%%: %zu/%zu", shuf_lower, n);
    CHECK(rep_lower >= n * 95 / 100, "a repeated summary is less coherent in >= 95%%: %zu/%zu", rep_lower, n);
    CHECK(cov_up == cov_n, "adding the document's true facts raises coverage: %zu/%zu", cov_up, cov_n);
    /* explanations name the facts */
    cJSON *ex = cJSON_CreateObject();
    JudgeScore s;
    judge_score(j, 0, "My landlord kept my security deposit in Chicago.", &s, ex);
    char *e = cJSON_PrintUnformatted(ex);
    CHECK(strstr(e, "\"invented\":[") != NULL && (s.invented + s.contradicted) > 0,
          "an unrelated summary has invented facts: %s", e);
    free(e);
    cJSON_Delete(ex);
    judge_score(j, 0, "", &s, NULL);
    CHECK(s.overall == 0 && s.coherence == 0 && s.coverage == 0, "an empty summary scores 0");
    /* when, not how long: no duration to contradict */
    JudgeScore base;
    judge_score(j, 0, w->ref[0], &base, NULL);
    sb_clear(&t);
    sb_printf(&t, "%s One day I checked again, and a few weeks later, 2 weeks later, it took 1.5 years.", w->ref[0]);
    judge_score(j, 0, sb_str(&t), &s, NULL);
    CHECK_INT(s.contradicted, base.contradicted, "'one day', '2 weeks later' and '1.5 years' contradict nothing");
    sb_free(&t);
    rng_free(r);
}

/* |k/n - p| within 4.5 binomial SEs of the formula's p (a two-sided test at
 * about 7e-6 per check; the seed is fixed, so the outcome is too). */
static void check_binomial(size_t k, size_t n, double p, const char *what)
{
    double got = (double)k / (double)n, se = sqrt(p * (1 - p) / (double)n);
    CHECK(fabs(got - p) <= 4.5 * se, "%s: expected %.5f (formula), got %.5f (%zu of %zu; %.1f SE away, limit 4.5)",
          what, p, got, k, n, fabs(got - p) / se);
}

/* Expected values from the formulas of world/labelers.c evaluated in R
 * (Rscript tests/reference/labelers.R, the "sharp-only worker" lines). */
void test_world_labelers(void)
{
    WorldConfig c;
    world_config_default(&c);
    WorkerPool p;
    pool_init(&p, &c);
    CHECK_INT(p.n, c.workers, "pool size");
    /* length biases ~ N(length_bias[0], length_bias[1]): the pool mean
     * within 4.5 SE of the configured mean */
    double mean_lb = 0;
    for (size_t i = 0; i < p.n; i++)
        mean_lb += p.w[i].length_bias / (double)p.n;
    CHECK_ABS(mean_lb, c.length_bias[0], 4.5 * c.length_bias[1] / sqrt((double)p.n),
              "the pool's mean length bias vs the configured mean");
    gsl_rng *r = rng_alloc(5);
    Worker w = {"w", 15, 0, 0, 0.1};
    size_t better = 0, conf_ok = 0;
    for (int i = 0; i < 2000; i++) {
        double ov[2] = {0.8, 0.4};
        size_t words[2] = {20, 20};
        int conf = 0, ch = labeler_compare(&w, &c, r, ov, words, &conf);
        better += ch == 0;
        conf_ok += conf >= 1 && conf <= 9 && conf != 5 && (conf < 5) == (ch == 0);
    }
    check_binomial(better, 2000, 0.997527376843365, "a large gold gap decides: P(A) = plogis(15 * 0.4)");
    CHECK_INT(conf_ok, 2000, "confidence is 1-4 for summaries[0], 6-9 for summaries[1], never 5");
    /* a tiny gap is a coin flip */
    better = 0;
    for (int i = 0; i < 4000; i++) {
        double ov[2] = {0.6, 0.6};
        size_t words[2] = {20, 20};
        int conf;
        better += labeler_compare(&w, &c, r, ov, words, &conf) == 0;
    }
    check_binomial(better, 4000, 0.5, "equal summaries split evenly");
    /* ratings follow the gold axes */
    double lo = 0, hi = 0;
    for (int i = 0; i < 2000; i++) {
        int a[4], b[4];
        double g1[4] = {0.2, 0.2, 0.2, 0.2}, g2[4] = {0.8, 0.8, 0.8, 0.8};
        labeler_rate(&w, r, g1, 20, a);
        labeler_rate(&w, r, g2, 20, b);
        for (int k = 0; k < 4; k++)
            CHECK(a[k] >= 1 && a[k] <= 7 && b[k] >= 1 && b[k] <= 7, "ratings on 1-7");
        lo += a[0] / 2000.0;
        hi += b[0] / 2000.0;
    }
    /* mean overall rating 1.92307 for gold 0.2 and 6.07693 for 0.8 (SD
     * 0.7124 each: 4.5 SE of a mean of 2000 is 0.072) */
    CHECK_ABS(lo, 1.92306590008511, 4.5 * 0.712415299109012 / sqrt(2000.0), "mean overall rating, gold 0.2");
    CHECK_ABS(hi, 6.07693409991489, 4.5 * 0.712415299109017 / sqrt(2000.0), "mean overall rating, gold 0.8");
    int conf;
    double tie[2] = {0.5, 0.5};
    CHECK_INT(labeler_gold_choice(&c, tie, &conf), -1, "the gold judge has no choice on a tie");
    rng_free(r);
    pool_free(&p);
}

/* Choice and rating frequencies of a worker with every term switched on
 * (test_world_labelers' worker has no carelessness and no length bias),
 * against the formulas of world/labelers.c evaluated in R:
 *   Rscript tests/reference/labelers.R
 * 200000 comparisons per case give an SE of at most 0.0011 on a share:
 * dropping the careless coin flips moves the third case by 0.1, dropping
 * the length term moves the first by 0.3, and log(words) for
 * log(words + 1) moves it by 0.009 (8 SE). */
void test_world_labeler_formula(void)
{
    enum { N = 200000, NR = 100000 };
    WorldConfig c;
    world_config_default(&c);
    Worker w = {"w", 6, 1.5, 0.2, 0.1};
    static const struct {
        double gold[2];
        size_t words[2];
        double p_a;
        const char *what;
    } cases[] = {
        {{0.6, 0.6}, {40, 10}, 0.802390542715793, "P(A): equal gold, 40 vs 10 words"},
        {{0.7, 0.5}, {10, 40}, 0.352575352722087, "P(A): gold 0.7 vs 0.5, 10 vs 40 words"},
        {{0.9, 0.1}, {20, 20}, 0.893469943077472, "P(A): gold 0.9 vs 0.1, equal length (careless flips only)"},
    };
    gsl_rng *r = rng_alloc(17);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t a = 0;
        for (int k = 0; k < N; k++) {
            int conf;
            a += labeler_compare(&w, &c, r, cases[i].gold, cases[i].words, &conf) == 0;
        }
        check_binomial(a, N, cases[i].p_a, cases[i].what);
    }
    /* Ratings of a summary of 80 words with every gold axis at 0.5: overall
     * carries the length taste, accuracy does not. */
    static const double p_overall[7] = {0.00959463374826027, 0.0273365099825668, 0.153492224777802, 0.45214208534058,
                                        0.297082271808149,   0.0502999476692702, 0.010052326673371};
    static const double p_accuracy[7] = {0.00970008620686172, 0.0348807930624924, 0.21932759838858, 0.472183044684132,
                                         0.21932759838858,    0.0348807930624923, 0.00970008620686174};
    size_t hist[2][8] = {{0}};
    const double gold[4] = {0.5, 0.5, 0.5, 0.5};
    for (int k = 0; k < NR; k++) {
        int ax[4];
        labeler_rate(&w, r, gold, 80, ax);
        hist[0][ax[0] >= 1 && ax[0] <= 7 ? ax[0] : 0]++;
        hist[1][ax[1] >= 1 && ax[1] <= 7 ? ax[1] : 0]++;
    }
    CHECK(hist[0][0] == 0 && hist[1][0] == 0, "ratings off the 1-7 scale: %zu overall, %zu accuracy", hist[0][0],
          hist[1][0]);
    for (int v = 1; v <= 7; v++) {
        char what[80];
        snprintf(what, sizeof what, "share of overall ratings %d", v);
        check_binomial(hist[0][v], NR, p_overall[v - 1], what);
        snprintf(what, sizeof what, "share of accuracy ratings %d", v);
        check_binomial(hist[1][v], NR, p_accuracy[v - 1], what);
    }
    rng_free(r);
}

/* The crafted summaries of the issue "The gold judge rewards only what a
 * careful reader would": means over every document of a small world, per
 * dataset, against the reference. */
void test_world_judge_probes(void)
{
    Judge *j;
    World *w = shared_world(&j);
    if (!w) {
        CHECK(0, "could not make a world");
        return;
    }
    gsl_rng *r = rng_alloc(12);
    StrBuf t;
    sb_init(&t);
    double mean[WD_N][PROBE_N + 1] = {{0}}, pen[WD_N][PROBE_N][JP_N] = {{{0}}};
    size_t n[WD_N] = {0}, sums_ok = 0, total = 0;
    for (size_t k = 0; k < w->ndocs; k++) {
        int dom = w->docs[k].domain;
        JudgeScore s;
        judge_score(j, k, w->ref[k], &s, NULL);
        mean[dom][PROBE_N] += s.overall;
        for (int p = 0; p < PROBE_N; p++) {
            probe_write(w, k, (ProbeKind)p, r, &t);
            judge_score(j, k, sb_str(&t), &s, NULL);
            mean[dom][p] += s.overall;
            double sum = 0;
            for (int q = 0; q < JP_N; q++) {
                sum += s.pen[q];
                pen[dom][p][q] += s.pen[q];
            }
            total++;
            sums_ok += fabs(s.ceiling - sum - s.overall) < 1e-9 && s.overall <= s.ceiling + 1e-12;
        }
        n[dom]++;
    }
    CHECK(sums_ok == total, "ceiling - penalties = overall for every probe: %zu/%zu", sums_ok, total);
    for (int dom = 0; dom < WD_N; dom++) {
        const char *ds = dom == WD_TLDR ? "tldr" : "news";
        for (int p = 0; p <= PROBE_N; p++)
            mean[dom][p] /= (double)n[dom];
        for (int p = 0; p < PROBE_N; p++)
            for (int q = 0; q < JP_N; q++)
                pen[dom][p][q] /= (double)n[dom];
        double ref = mean[dom][PROBE_N];
        const double *m = mean[dom];
        printf("  %s (%zu documents): reference %.3f", ds, n[dom], ref);
        for (int p = 0; p < PROBE_N; p++)
            printf("%s %s %.3f", p % 3 == 2 ? "\n   " : ";", probe_name((ProbeKind)p), m[p]);
        printf("\n");
        CHECK(m[PROBE_KEYLIST] < ref - 0.2, "%s: a key-phrase list < reference - 0.2: %.3f vs %.3f", ds,
              m[PROBE_KEYLIST], ref - 0.2);
        CHECK(m[PROBE_REF_KEYLIST] <= ref, "%s: reference + list <= reference: %.3f vs %.3f", ds,
              m[PROBE_REF_KEYLIST], ref);
        CHECK(m[PROBE_REF_PADDED] < ref, "%s: padded to 44 words < reference: %.3f vs %.3f", ds,
              m[PROBE_REF_PADDED], ref);
        CHECK(m[PROBE_REF_REPEATED] < ref, "%s: repeated < reference: %.3f vs %.3f", ds, m[PROBE_REF_REPEATED], ref);
        CHECK(m[PROBE_ALLFACTS_LONG] < m[PROBE_ALLFACTS], "%s: every fact in longer wording < in short: %.3f vs %.3f",
              ds, m[PROBE_ALLFACTS_LONG], m[PROBE_ALLFACTS]);
        CHECK(m[PROBE_REF_NUMBERS] < ref, "%s: candidate numbers sprayed < reference: %.3f vs %.3f", ds,
              m[PROBE_REF_NUMBERS], ref);
        CHECK(m[PROBE_REF_NEGATED] < ref, "%s: negated < reference: %.3f vs %.3f", ds, m[PROBE_REF_NEGATED], ref);
        CHECK(m[PROBE_ALLFACTS] > ref + 0.1, "%s: every fact, fluently > reference + 0.1: %.3f vs %.3f", ds,
              m[PROBE_ALLFACTS], ref + 0.1);
        /* the decomposition names the right cause */
        CHECK(pen[dom][PROBE_KEYLIST][JP_INCOHERENT] > 0.1, "%s: the list loses most to incoherent clauses: %.3f", ds,
              pen[dom][PROBE_KEYLIST][JP_INCOHERENT]);
        CHECK(pen[dom][PROBE_REF_PADDED][JP_LENGTH] > 0.02, "%s: padding costs length: %.3f", ds,
              pen[dom][PROBE_REF_PADDED][JP_LENGTH]);
        CHECK(pen[dom][PROBE_REF_REPEATED][JP_REPETITION] > 0.2, "%s: repeating costs repetition: %.3f", ds,
              pen[dom][PROBE_REF_REPEATED][JP_REPETITION]);
        CHECK(pen[dom][PROBE_REF_NEGATED][JP_CONTRADICTED] > 0.1 && pen[dom][PROBE_REF_NUMBERS][JP_CONTRADICTED] > 0.1,
              "%s: negation and candidate numbers cost contradictions: %.3f, %.3f", ds,
              pen[dom][PROBE_REF_NEGATED][JP_CONTRADICTED], pen[dom][PROBE_REF_NUMBERS][JP_CONTRADICTED]);
    }
    /* numbers are facts; negation of a true fact contradicts it */
    size_t d0 = 0;
    while (w->docs[d0].domain != WD_TLDR)
        d0++;
    const Doc *d = &w->docs[d0];
    JudgeScore base, s;
    judge_score(j, d0, w->ref[d0], &base, NULL);
    int other = 97;
    while (other == d->nar_age || other == d->p[0].age || other == d->p[1].age || other == d->dur_n)
        other--;
    sb_clear(&t);
    sb_printf(&t, "%s. It cost %d.", w->ref[d0], other);
    judge_score(j, d0, sb_str(&t), &s, NULL);
    CHECK_INT(s.invented, base.invented + 1, "a bare number the document does not have is invented");
    sb_clear(&t);
    int alt = d->nar_age + 1, clash = 1; /* an age no one in the document has */
    while (clash) {
        clash = alt == d->p[0].age || alt == d->p[1].age || alt == d->dur_n;
        for (int f = 0; f < d->nf; f++)
            clash |= alt == d->f[f].dur_n || alt == d->f[f].money;
        alt += clash;
    }
    sb_printf(&t, "%s. I'm %d%c or %d%c.", w->ref[d0], d->nar_age, d->nar_g, alt, d->nar_g);
    judge_score(j, d0, sb_str(&t), &s, NULL);
    CHECK(s.contradicted == base.contradicted + 1, "two candidate ages for the narrator are one contradiction: "
          "expected %d, got %d in \"%s\"", base.contradicted + 1, s.contradicted, sb_str(&t));
    sb_free(&t);
    rng_free(r);
}

/* The labelers' length bias on pairs of equal gold quality: two drafts of
 * the reference author for the same document whose gold overall scores
 * differ by less than 0.03 but whose lengths differ by 3 words or more;
 * the longer should win about 55-65% of the time (the target). */
void test_world_labeler_length_bias(void)
{
    Judge *j;
    World *w = shared_world(&j);
    if (!w) {
        CHECK(0, "could not make a world");
        return;
    }
    WorkerPool pool;
    pool_init(&pool, &w->cfg);
    gsl_rng *r = rng_alloc(13);
    enum { DRAFTS = 8 };
    StrBuf t[DRAFTS];
    for (int k = 0; k < DRAFTS; k++)
        sb_init(&t[k]);
    size_t labels = 0, longer = 0, pairs = 0;
    for (size_t k = 0; k < w->ndocs; k++) {
        double ov[DRAFTS];
        size_t words[DRAFTS];
        for (int q = 0; q < DRAFTS; q++) {
            sb_clear(&t[q]);
            world_write_summary(&w->lx, &w->cfg, r, &w->docs[k], AUTHOR_NOISY, &t[q], NULL);
            JudgeScore s;
            judge_score(j, k, sb_str(&t[q]), &s, NULL);
            ov[q] = s.overall;
            words[q] = s.words;
        }
        for (int a = 0; a < DRAFTS; a++)
            for (int b = a + 1; b < DRAFTS; b++) {
                if (fabs(ov[a] - ov[b]) >= 0.03 || (words[a] > words[b] ? words[a] - words[b] : words[b] - words[a]) < 3)
                    continue;
                pairs++;
                double seen[2] = {ov[a] + w->cfg.shared_taste * labeler_taste(&w->cfg, sb_str(&t[a])),
                                  ov[b] + w->cfg.shared_taste * labeler_taste(&w->cfg, sb_str(&t[b]))};
                size_t wd[2] = {words[a], words[b]};
                for (int l = 0; l < 4; l++) {
                    size_t who;
                    pool_pick(&pool, r, 1, &who);
                    int conf, ch = labeler_compare(&pool.w[who], &w->cfg, r, seen, wd, &conf);
                    labels++;
                    longer += wd[ch] > wd[1 - ch];
                }
            }
    }
    double share = labels ? (double)longer / (double)labels : 0;
    printf("  %zu pairs of equal gold quality (within 0.03), %zu labels: the longer wins %.1f%%\n", pairs, labels,
           100 * share);
    CHECK(labels >= 2000, "enough labels on pairs of equal quality: %zu", labels);
    CHECK(share >= 0.55 && share <= 0.65, "the longer of two equal summaries wins 55-65%%: %.1f%%", 100 * share);
    for (int k = 0; k < DRAFTS; k++)
        sb_free(&t[k]);
    rng_free(r);
    pool_free(&pool);
}
