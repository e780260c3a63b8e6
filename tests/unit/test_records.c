/* test_records.c — the released-format readers: round trips, every
 * bad-input case with its exact message, filters and --skip-invalid. */
#include "tests/unit/test.h"
#include "analysis/records.h"
#include "common/jsonl.h"
#include "common/strbuf.h"

#include <stdlib.h>

#define INFO "\"info\":{\"id\":\"t3_x\",\"post\":\"p\",\"title\":\"t\",\"subreddit\":\"r/aww\"}"
#define SUMS "\"summaries\":[{\"text\":\" a b\",\"policy\":\"sup4\",\"note\":null}," \
             "{\"text\":\"\",\"policy\":\"ref\",\"note\":\"-\"}]"
#define REST "\"choice\":0,\"worker\":\"w1\",\"batch\":\"b1\",\"split\":\"valid2\",\"extra\":{\"confidence\":3}"
#define AXSUM "\"summary\":{\"text\":\" s\",\"policy\":\"ref\",\"note\":\"\"," \
              "\"axes\":{\"overall\":6,\"accuracy\":7,\"coverage\":null,\"coherence\":5}}"
#define AXREST "\"worker\":\"w1\",\"batch\":\"cnndm1\",\"split\":\"test\""

typedef struct {
    const char *json;
    const char *msg; /* expected error after "f.json:7: ", or NULL for valid */
} Case;

static const Case CMP_CASES[] = {
    {"{" INFO "," SUMS "," REST "}", NULL},
    {"[1,2]", "record: expected a JSON object, got an array"},
    {"{" SUMS "," REST "}", "info: missing"},
    {"{\"info\":{\"post\":\"p\",\"article\":\"a\"}," SUMS "," REST "}",
     "info: has both a post and an article; expected one"},
    {"{\"info\":{\"title\":\"t\"}," SUMS "," REST "}", "info: missing post (TL;DR) or article (news)"},
    {"{\"info\":{\"id\":5,\"post\":\"p\"}," SUMS "," REST "}", "info.id: expected a string, got a number"},
    {"{\"info\":{\"post\":[]}," SUMS "," REST "}", "info.post: expected a string, got an array"},
    {"{" INFO ",\"summaries\":[{\"text\":\"a\",\"policy\":\"x\"}]," REST "}",
     "summaries: expected 2 summaries, got 1"},
    {"{" INFO ",\"summaries\":{}," REST "}", "summaries: expected an array of two summaries, got an object"},
    {"{" INFO ",\"summaries\":[{\"text\":\"a\",\"policy\":\"x\"},\"b\"]," REST "}",
     "summaries[1]: expected an object, got a string"},
    {"{" INFO ",\"summaries\":[{\"text\":\"a\",\"policy\":\"x\"},{\"text\":\"b\",\"policy\":\"\"}]," REST "}",
     "summaries[1].policy: must not be empty"},
    {"{" INFO ",\"summaries\":[{\"text\":\"a\"},{\"text\":\"b\",\"policy\":\"y\"}]," REST "}",
     "summaries[0].policy: missing"},
    {"{" INFO ",\"summaries\":[{\"text\":null,\"policy\":\"x\"},{\"text\":\"b\",\"policy\":\"y\"}]," REST "}",
     "summaries[0].text: expected a string, got null"},
    {"{" INFO ",\"summaries\":[{\"text\":\"a\",\"policy\":\"x\",\"note\":3},{\"text\":\"b\",\"policy\":\"y\"}]," REST "}",
     "summaries[0].note: expected a string, got a number"},
    {"{" INFO "," SUMS ",\"choice\":2,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\"}",
     "choice: expected 0 or 1, got 2"},
    {"{" INFO "," SUMS ",\"choice\":\"1\",\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\"}",
     "choice: expected 0 or 1, got a string"},
    {"{" INFO "," SUMS ",\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\"}", "choice: missing"},
    {"{" INFO "," SUMS ",\"choice\":1,\"batch\":\"b\",\"split\":\"train\"}", "worker: missing"},
    {"{" INFO "," SUMS ",\"choice\":1,\"worker\":\"w\",\"split\":\"train\"}", "batch: missing"},
    {"{" INFO "," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"val\"}",
     "split: unknown split 'val'; expected train, valid, valid1, valid2 or test"},
    {"{" INFO "," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\",\"extra\":{\"confidence\":5}}",
     "extra.confidence: expected 1-4 or 6-9 (the released scale has no 5), got 5"},
    {"{" INFO "," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\",\"extra\":{\"confidence\":10}}",
     "extra.confidence: expected an integer 1-9, got 10"},
    {"{" INFO "," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\",\"extra\":{\"confidence\":6.5}}",
     "extra.confidence: expected an integer 1-9, got 6.5"},
    {"{" INFO "," SUMS ",\"choice\":0,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\",\"extra\":{\"confidence\":7}}",
     "extra.confidence: 7 leans to summaries[1] but choice is 0"},
    {"{" INFO "," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\",\"extra\":3}",
     "extra: expected an object, got a number"},
    {"{" INFO "," AXSUM "," AXREST "}",
     "summaries: missing (this looks like an axis-eval record; use tldrlab likert)"},
    {"{" INFO "," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"train\",\"choice\":0}",
     "choice: at column 214: duplicate key (first at column 162)"},
    {"{\"info\":{\"post\":\"p\",\"id\":\"a\",\"id\":\"b\"}," SUMS "," REST "}", "info.id: at column 30: duplicate key (first at column 21)"},
    {"{" INFO ",\"summaries\":[{\"text\":\"a\",\"policy\":\"x\",\"policy\":\"y\"},{\"text\":\"b\",\"policy\":\"y\"}]," REST "}",
     "summaries[0].policy: at column 104: duplicate key (first at column 91)"},
    /* Accepted oddities of real records. */
    {"{\"info\":{\"post\":\"p\",\"subreddit\":\"r/x\"}," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"valid1\"}", NULL},
    {"{\"info\":{\"id\":\"a\",\"article\":\"x\",\"site\":\"cnn\",\"title\":null}," SUMS ",\"choice\":1,\"worker\":\"w\",\"batch\":\"b\",\"split\":\"valid2\",\"extra\":{}}", NULL},
};

static const Case AXIS_CASES[] = {
    {"{\"info\":{\"id\":\"c\",\"site\":\"dailymail\",\"title\":\"t\",\"article\":\"a\"}," AXSUM "," AXREST "}", NULL},
    {"{" INFO ",\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"overall\":8}}," AXREST "}",
     "summary.axes.overall: expected an integer 1-7, got 8"},
    {"{" INFO ",\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"overall\":0}}," AXREST "}",
     "summary.axes.overall: expected an integer 1-7, got 0"},
    {"{" INFO ",\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"overall\":null}}," AXREST "}",
     "summary.axes: no axis rated (expected overall, accuracy, coverage or coherence, 1-7)"},
    {"{" INFO ",\"summary\":{\"text\":\"s\",\"policy\":\"ref\"}," AXREST "}", "summary.axes: missing"},
    {"{" INFO ",\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"coherence\":\"5\"}}," AXREST "}",
     "summary.axes.coherence: expected an integer 1-7, got a string"},
    {"{" INFO "," SUMS "," REST "}",
     "summary: missing (this looks like a comparison record; use winrate, lengthctl or agreement)"},
    {"{" INFO "," AXSUM ",\"worker\":\"w1\",\"batch\":\"x\",\"split\":\"dev\"}",
     "split: unknown split 'dev'; expected train, valid, valid1, valid2 or test"},
};

static void run_cases(const Case *cases, size_t n, int axis)
{
    for (size_t i = 0; i < n; i++) {
        TlError err = {""};
        /* through the reader's own parse: the strict check refuses what is not JSON, keys given twice among them */
        cJSON *j = jsonl_parse("f.json", 7, cases[i].json, strlen(cases[i].json), &err);
        CmpRecord c;
        AxisRecord a;
        int rc = !j ? -1
                    : axis ? record_parse_axis(j, "f.json", 7, &a, &err)
                           : record_parse_comparison(j, "f.json", 7, &c, &err);
        if (!cases[i].msg) {
            CHECK(rc == 0, "case %zu should be accepted, got: %s", i, err.msg);
        } else {
            char want[512];
            snprintf(want, sizeof want, "f.json:7: %s", cases[i].msg);
            CHECK(rc == -1, "case %zu should be rejected", i);
            CHECK_STR(err.msg, want, "error message");
        }
        cJSON_Delete(j);
    }
}

void test_reader_bad_comparisons(void)
{
    run_cases(CMP_CASES, sizeof CMP_CASES / sizeof CMP_CASES[0], 0);
}

void test_reader_bad_axis_evals(void)
{
    run_cases(AXIS_CASES, sizeof AXIS_CASES / sizeof AXIS_CASES[0], 1);
}

void test_reader_accepts_real_oddities(void)
{
    cJSON *j = cJSON_Parse(CMP_CASES[sizeof CMP_CASES / sizeof CMP_CASES[0] - 2].json);
    CmpRecord c;
    TlError err;
    CHECK(record_parse_comparison(j, "f", 1, &c, &err) == 0, "record without info.id: %s", err.msg);
    CHECK(c.info.id == NULL, "absent id is NULL");
    CHECK_STR(c.info.subreddit, "x", "\"r/x\" subreddit loses its r/");
    CHECK_STR(c.summaries[1].text, "", "empty summary text is kept");
    CHECK_STR(c.summaries[1].note, "-", "\"-\" note is kept as given");
    CHECK(c.summaries[0].note == NULL, "null note is NULL");
    CHECK_INT(c.confidence, 0, "no extra: no confidence");
    cJSON_Delete(j);
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_info(const RecInfo *a, const RecInfo *b)
{
    CHECK(same(a->id, b->id), "info.id round trip");
    CHECK(same(a->title, b->title), "info.title round trip");
    CHECK(same(a->post, b->post), "info.post round trip");
    CHECK(same(a->subreddit, b->subreddit), "info.subreddit round trip");
    CHECK(same(a->article, b->article), "info.article round trip");
    CHECK(same(a->site, b->site), "info.site round trip");
}

void test_reader_round_trip(void)
{
    RecInfo infos[3] = {
        {.id = "t3_abc", .title = "T \"q\"", .post = "line1\nline2 \xc3\xa9", .subreddit = "AskReddit"},
        {.title = "no id", .post = "p", .subreddit = NULL},
        {.id = "0123abcd", .title = "news", .article = "A.\n\nB.", .site = "dailymail"},
    };
    const char *notes[3] = {NULL, "", "-"};
    for (int k = 0; k < 3; k++) {
        CmpRecord in = {0}, out;
        in.info = infos[k];
        in.summaries[0] = (RecSummary){" first", "sup4_6b_ppo_rm4_6b_kl14", notes[k]};
        in.summaries[1] = (RecSummary){"", "ref", "a note\nwith lines"};
        in.choice = k % 2;
        in.confidence = k == 2 ? 0 : (k % 2 ? 8 : 2);
        in.worker = "w\xe2\x9c\x93";
        in.batch = "batch9";
        in.split = (Split)(k + 1);
        cJSON *j = record_comparison_to_json(&in);
        char *text = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        cJSON *back = cJSON_Parse(text);
        TlError err;
        CHECK(record_parse_comparison(back, "rt", 1, &out, &err) == 0, "round trip parses: %s", err.msg);
        check_info(&in.info, &out.info);
        for (int s = 0; s < 2; s++) {
            CHECK(same(in.summaries[s].text, out.summaries[s].text), "summary text round trip");
            CHECK(same(in.summaries[s].policy, out.summaries[s].policy), "policy round trip");
            CHECK(same(in.summaries[s].note, out.summaries[s].note), "note round trip");
        }
        CHECK_INT(out.choice, in.choice, "choice round trip");
        CHECK_INT(out.confidence, in.confidence, "confidence round trip");
        CHECK_STR(out.worker, in.worker, "worker round trip");
        CHECK_STR(out.batch, in.batch, "batch round trip");
        CHECK_INT(out.split, in.split, "split round trip");
        cJSON_Delete(back);
        free(text);

        AxisRecord ai = {0}, ao;
        ai.info = infos[k];
        ai.summary = (RecSummary){" s", "lead3", notes[k]};
        ai.axes[AXIS_OVERALL] = 7;
        ai.axes[AXIS_COVERAGE] = k + 1;
        ai.worker = "w";
        ai.batch = "cnndm1";
        ai.split = SPLIT_TEST;
        j = record_axis_to_json(&ai);
        text = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        back = cJSON_Parse(text);
        CHECK(record_parse_axis(back, "rt", 1, &ao, &err) == 0, "axis round trip parses: %s", err.msg);
        check_info(&ai.info, &ao.info);
        CHECK(same(ao.summary.note, ai.summary.note), "axis note round trip");
        for (int a = 0; a < AXIS_N; a++)
            CHECK_INT(ao.axes[a], ai.axes[a], "axis value round trip");
        CHECK_INT(ao.split, SPLIT_TEST, "axis split round trip");
        cJSON_Delete(back);
        free(text);
    }
}

static const char *cmp_line(StrBuf *b, const char *id, const char *pa, const char *pb, int choice,
                            const char *worker, const char *batch, const char *split)
{
    sb_clear(b);
    sb_printf(b, "{\"info\":{%s%s%s\"post\":\"post %s\"},\"summaries\":[{\"text\":\" one two three\",\"policy\":\"%s\"},"
                 "{\"text\":\"a\xc2\xa0" "b\",\"policy\":\"%s\"}],\"choice\":%d,\"worker\":\"%s\",\"batch\":\"%s\","
                 "\"split\":\"%s\"}\n",
              id ? "\"id\":\"" : "", id ? id : "", id ? "\"," : "", id ? id : "x", pa, pb, choice, worker, batch, split);
    return sb_str(b);
}

void test_loader_filters_and_skips(void)
{
    StrBuf all, b;
    sb_init(&all);
    sb_init(&b);
    sb_add(&all, cmp_line(&b, "p1", "sup4", "ref", 0, "w1", "b1", "valid2"));
    sb_add(&all, "\n");
    sb_add(&all, "{\"info\":{\"post\":\"x\"},\"summaries\":[],\"choice\":0}\n"); /* line 3: bad */
    sb_add(&all, cmp_line(&b, "p2", "ref", "sup4_6b", 1, "w2", "b2", "valid2"));
    sb_add(&all, cmp_line(&b, NULL, "sup4", "ref", 1, "w1", "b1", "valid1"));
    sb_add(&all, cmp_line(&b, NULL, "sup4", "ref", 1, "w3", "b1", "train"));
    const char *path = t_write("cmp.jsonl", sb_str(&all));
    char *files[1] = {(char *)path};

    ComparisonSet s;
    TlError err;
    ReadOptions opt = {0};
    cmpset_init(&s);
    CHECK(cmpset_load(&s, files, 1, &opt, &err) == -1, "strict mode stops at the bad record");
    char want[600];
    snprintf(want, sizeof want, "%s:3: summaries: expected 2 summaries, got 0", path);
    CHECK_STR(err.msg, want, "strict mode message names file, line and field");
    cmpset_free(&s);

    opt.skip_invalid = 1;
    cmpset_init(&s);
    CHECK(cmpset_load(&s, files, 1, &opt, &err) == 0, "--skip-invalid loads");
    CHECK_INT(s.stats.skipped, 1, "skipped records");
    CHECK_STR(s.stats.msgs[0], want, "the skip is reported with its message");
    CHECK_INT(s.stats.read, 4, "valid records read");
    CHECK_INT(s.n, 2, "records in the default split (valid2)");
    CHECK_INT(s.rows[1].line, 4, "line number of the kept record");
    CHECK_INT(s.rows[0].words[0], 3, "words of summary 0");
    CHECK_INT(s.rows[0].words[1], 2, "words of a summary with a NBSP");
    CHECK_INT(s.rows[0].chars[1], 3, "chars of a summary with a NBSP");
    CHECK_INT(s.stats.by_split[SPLIT_VALID1], 1, "valid1 records seen");
    cmpset_free(&s);

    opt.split = "all";
    cmpset_init(&s);
    cmpset_load(&s, files, 1, &opt, &err);
    CHECK_INT(s.n, 4, "--split all keeps every valid record");
    CHECK(strncmp(strpool_get(&s.posts, s.rows[2].post), "noid:", 5) == 0,
          "records without an id cluster on a hash of their text");
    CHECK_INT(s.rows[2].post, s.rows[3].post, "same text without id, same cluster");
    cmpset_free(&s);

    struct {
        const char *batches, *policies, *workers;
        size_t want;
    } f[] = {{"b1", NULL, NULL, 3}, {NULL, "sup4_6b", NULL, 1}, {NULL, NULL, "w1,w3", 3},
             {"b1,b2", "sup4,sup4_6b", "w2", 1}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        ReadOptions o = {.split = "all", .batches = f[i].batches, .policies = f[i].policies,
                         .workers = f[i].workers, .skip_invalid = 1};
        cmpset_init(&s);
        cmpset_load(&s, files, 1, &o, &err);
        CHECK_INT(s.n, f[i].want, "records kept by filter set");
        cmpset_free(&s);
    }
    opt.split = "dev";
    cmpset_init(&s);
    CHECK(cmpset_load(&s, files, 1, &opt, &err) == -1, "unknown --split is refused");
    CHECK_STR(err.msg, "--split: unknown split 'dev'; expected train, valid, valid1, valid2, test or all",
              "unknown split message");
    cmpset_free(&s);
    sb_free(&all);
    sb_free(&b);
}

void test_loader_axis_default_split(void)
{
    const char *p = t_write("ax.jsonl",
        "{\"info\":{\"post\":\"p\"},\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"overall\":5}},\"worker\":\"w\",\"batch\":\"b\",\"split\":\"valid2\"}\n"
        "{\"info\":{\"post\":\"p\"},\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"overall\":5}},\"worker\":\"w\",\"batch\":\"b\",\"split\":\"test\"}\n"
        "{\"info\":{\"article\":\"a\"},\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"overall\":5}},\"worker\":\"w\",\"batch\":\"b\",\"split\":\"test\"}\n"
        "{\"info\":{\"article\":\"a\"},\"summary\":{\"text\":\"s\",\"policy\":\"ref\",\"axes\":{\"overall\":5}},\"worker\":\"w\",\"batch\":\"b\",\"split\":\"valid2\"}\n");
    char *files[1] = {(char *)p};
    AxisSet s;
    TlError err;
    ReadOptions opt = {0};
    axisset_init(&s);
    CHECK(axisset_load(&s, files, 1, &opt, &err) == 0, "axis load: %s", err.msg);
    CHECK_INT(s.n, 3, "default split: valid2 for TL;DR, valid2 and test for news");
    CHECK_INT(s.rows[1].domain, DOMAIN_NEWS, "an article makes a news record");
    axisset_free(&s);
}
