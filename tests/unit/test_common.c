/* test_common.c — plumbing: number parsing, text measures, interning,
 * atomic files, tables, the JSON-lines reader. */
#include "tests/unit/test.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/strpool.h"
#include "common/table.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void test_parse_numbers(void)
{
    double d;
    long l;
    CHECK(util_parse_double("0.25", &d) == 0 && d == 0.25, "0.25 parses");
    CHECK(util_parse_double("1e-3", &d) == 0 && d == 1e-3, "1e-3 parses");
    CHECK(util_parse_double("", &d) != 0, "empty is rejected");
    CHECK(util_parse_double("0.5x", &d) != 0, "trailing junk is rejected");
    CHECK(util_parse_double(" 1", &d) != 0, "leading space is rejected");
    CHECK(util_parse_double("nan", &d) != 0, "NaN is rejected");
    CHECK(util_parse_double("inf", &d) != 0, "infinity is rejected");
    CHECK(util_parse_double("1e999", &d) != 0, "overflow is rejected");
    CHECK(util_parse_long("42", 0, 100, &l) == 0 && l == 42, "42 parses");
    CHECK(util_parse_long("101", 0, 100, &l) != 0, "out of range is rejected");
    CHECK(util_parse_long("4.5", 0, 100, &l) != 0, "a fraction is rejected");
    CHECK(util_parse_long("99999999999999999999", 0, 100, &l) != 0, "overflow is rejected");
    uint64_t u;
    CHECK(util_parse_u64("18446744073709551615", &u) == 0 && u == UINT64_MAX, "max u64 parses");
    CHECK(util_parse_u64("-1", &u) != 0, "negative seed is rejected");
}

void test_text_measures(void)
{
    CHECK_INT(util_count_words(""), 0, "words in \"\"");
    CHECK_INT(util_count_words("   "), 0, "words in spaces");
    CHECK_INT(util_count_words(" my gf and I\tbroke up\n"), 6, "words with tabs and newlines");
    /* NBSP (U+00A0) and U+2009 separate words, as in Python's str.split(). */
    CHECK_INT(util_count_words("a\xc2\xa0" "b\xe2\x80\x89" "c"), 3, "words split on NBSP and thin space");
    CHECK_INT(util_count_words("caf\xc3\xa9 ol\xc3\xa9"), 2, "accented words");
    CHECK_INT(util_count_chars("  caf\xc3\xa9  "), 4, "chars: trimmed, UTF-8 code points");
    CHECK_INT(util_count_chars("\xc2\xa0" "ab\xc2\xa0"), 2, "chars: NBSP trimmed at both ends");
    CHECK_INT(util_count_chars("a b"), 3, "chars: inner space counts");
    CHECK_INT(util_count_chars(""), 0, "chars in \"\"");
}

void test_strpool(void)
{
    StrPool p;
    strpool_init(&p);
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "worker%d", i);
        CHECK_INT(strpool_intern(&p, buf), i, "new string gets the next id");
    }
    CHECK_INT(strpool_intern(&p, "worker1234"), 1234, "existing string keeps its id");
    CHECK_INT(strpool_find(&p, "worker4999"), 4999, "find");
    CHECK_INT(strpool_find(&p, "nobody"), -1, "find of an absent string");
    CHECK_STR(strpool_get(&p, 77), "worker77", "get");
    strpool_free(&p);
}

static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

void test_atomic_files(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/atomic.txt", t_tmpdir());
    AtomicFile *af = atomic_open(path);
    fputs("hello\n", af->fp);
    struct stat st;
    CHECK(stat(path, &st) != 0, "the final name does not exist before commit");
    CHECK(atomic_commit(af) == 0, "commit succeeds");
    FILE *f = fopen(path, "r");
    char line[32] = "";
    CHECK(f && fgets(line, sizeof line, f), "committed file is readable");
    if (f)
        fclose(f);
    CHECK_STR(line, "hello\n", "committed content");

    char path2[512];
    snprintf(path2, sizeof path2, "%s/aborted.txt", t_tmpdir());
    af = atomic_open(path2);
    fputs("half", af->fp);
    atomic_abort(af);
    CHECK(stat(path2, &st) != 0, "an aborted file never appears");
    CHECK_INT(count_tmp_files(t_tmpdir()), 0, "temporary files left behind");

    /* a run killed while writing (no cleanup) left NAME.tmp.XXXXXX behind: the
     * next write of NAME removes it, and leaves other files alone */
    char stale[600], other[600];
    snprintf(stale, sizeof stale, "%s.tmp.a1B2c3", path);
    snprintf(other, sizeof other, "%s/keep.tmp.a1B2c3", t_tmpdir());
    FILE *g = fopen(stale, "w"), *h = fopen(other, "w");
    if (g)
        fclose(g);
    if (h)
        fclose(h);
    af = atomic_open(path);
    fputs("again\n", af->fp);
    CHECK(atomic_commit(af) == 0, "commit over a stale temporary");
    CHECK(stat(stale, &st) != 0, "the stale temporary of the same file is removed");
    CHECK(stat(other, &st) == 0, "another file's temporary is left alone");
    unlink(other);
}

static const TableCol COLS[] = {
    {"name", "name", COL_STR, 0, 0},
    {"n", "n", COL_INT, 0, 0},
    {"rate", "rate", COL_NUM, 3, 0},
    {"flag", "flag", COL_BOOL, 0, 0},
    {"md_only", "md only", COL_STR, 0, SHOW_MD},
};

static char *render(void (*fn)(const Table *, FILE *), const Table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(t, f);
    fclose(f);
    return buf;
}

void test_table_renderings(void)
{
    Table t;
    table_init(&t, COLS, 5);
    table_row(&t);
    table_str(&t, "a, \"quoted\" name");
    table_int(&t, 12);
    table_num(&t, 0.5);
    table_bool(&t, 1);
    table_str(&t, "x");
    table_row(&t);
    table_str(&t, "b");
    table_int(&t, 3);
    table_num(&t, NAN);
    table_bool(&t, 0);
    table_str(&t, "y");
    char *csv = render(table_write_csv, &t);
    CHECK_STR(csv, "name,n,rate,flag\n\"a, \"\"quoted\"\" name\",12,0.5,TRUE\n\"b\",3,,FALSE\n",
              "CSV: quoted strings, NA as an empty field, TRUE/FALSE, no md-only column");
    free(csv);
    char *md = render(table_write_markdown, &t);
    CHECK(strstr(md, "|    NA |") != NULL, "Markdown shows NA for a missing number:\n%s", md);
    CHECK(strstr(md, "md only") != NULL, "Markdown has the md-only column");
    free(md);
    cJSON *j = table_to_json(&t);
    char *js = cJSON_PrintUnformatted(j);
    CHECK_STR(js, "[{\"name\":\"a, \\\"quoted\\\" name\",\"n\":12,\"rate\":0.5,\"flag\":true},"
                  "{\"name\":\"b\",\"n\":3,\"rate\":null,\"flag\":false}]",
              "JSON: null for NA, booleans, no md-only key");
    free(js);
    cJSON_Delete(j);
    table_free(&t);
}

void test_jsonl_reader(void)
{
    const char *p = t_write("r.jsonl", "{\"a\":1}\n\n  \n{\"a\":2}\r\n{\"a\":\n{\"a\":4} x\n{\"a\":5}");
    JsonlReader r;
    TlError err;
    cJSON *j;
    CHECK(jsonl_open(&r, p, &err) == 0, "open");
    CHECK(jsonl_next(&r, &j, &err) == 1 && r.line == 1, "record on line 1");
    cJSON_Delete(j);
    CHECK(jsonl_next(&r, &j, &err) == 1 && r.line == 4, "blank lines are skipped and counted: line 4, got %ld", r.line);
    cJSON_Delete(j);
    CHECK(jsonl_next(&r, &j, &err) == -1, "truncated record is an error");
    char want[600];
    snprintf(want, sizeof want, "%s:5: a: at column 6: unexpected end: expected a value", p);
    CHECK_STR(err.msg, want, "truncated record message");
    CHECK(jsonl_next(&r, &j, &err) == -1, "trailing text is an error");
    snprintf(want, sizeof want, "%s:6: json: at column 9: text after the end of the JSON value", p);
    CHECK_STR(err.msg, want, "trailing text message");
    CHECK(jsonl_next(&r, &j, &err) == 1 && r.line == 7, "the reader goes on after an error; last line without newline");
    cJSON_Delete(j);
    CHECK(jsonl_next(&r, &j, &err) == 0, "end of file");
    jsonl_close(&r);
    const char *nul = "{\"p\":\"ref\\u0000x\"}";
    CHECK(jsonl_parse("f", 3, nul, strlen(nul), &err) == NULL, "\\u0000 is refused");
    CHECK_STR(err.msg, "f:3: p: at column 10: \\u0000 (a NUL character) in a string is not supported",
              "\\u0000 message");
    const char *esc = "{\"p\":\"a\\\\u0000\"}"; /* an escaped backslash, then the text u0000 */
    j = jsonl_parse("f", 4, esc, strlen(esc), &err);
    CHECK(j != NULL, "an escaped backslash before u0000 is fine");
    cJSON_Delete(j);
    CHECK(jsonl_open(&r, "/nonexistent/x.json", &err) == -1, "missing file");
    CHECK_STR(err.msg, "/nonexistent/x.json: cannot open: No such file or directory", "missing file message");
}

/* The strict check before cJSON (RFC 8259): each case is what cJSON alone
 * accepts or reads wrongly, or a near miss that must stay accepted. */
void test_json_check(void)
{
    static const struct {
        const char *text; /* NULL ends */
        const char *path; /* NULL: the text is valid */
        long line, col;
        const char *problem; /* a part of the message */
    } C[] = {
        {"{\"policy\":\"ref\\uZZZZ-evil\"}", "policy", 1, 15, "invalid escape '\\uZZZZ'"},
        {"{\"a\":\"\\u12\"}", "a", 1, 7, "invalid escape '\\u12'"},
        {"{\"a\":\"\\x41\"}", "a", 1, 7, "invalid escape '\\x'"},
        {"{\"a\":\"\\u0000\"}", "a", 1, 7, "\\u0000"},
        {"{\"a\":\"\\uD800x\"}", "a", 1, 7, "high surrogate"},
        {"{\"a\":\"\\uDC00\"}", "a", 1, 7, "low surrogate"},
        {"{\"a\":\"\\uD83D\\uDE00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}", NULL, 0, 0, NULL},
        {"{\"choice\": 00}", "choice", 1, 12, "leading zero"},
        {"{\"choice\": 01}", "choice", 1, 12, "leading zero"},
        {"{\"choice\": 1.}", "choice", 1, 12, "decimal point"},
        {"{\"choice\": -}", "choice", 1, 12, "minus sign"},
        {"{\"x\": 1e}", "x", 1, 7, "exponent"},
        {"{\"x\": +1}", "x", 1, 7, "got '+'"},
        {"{\"x\": .5}", "x", 1, 7, "got '.'"},
        {"[0, -0, 1.5, -2e10, 3E+2, 4e-1, 10]", NULL, 0, 0, NULL},
        {"{\"p\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", NULL, 0, 0, NULL},
        {"{\"p\":\"bad\xff\"}", "p", 1, 10, "invalid UTF-8"},
        {"{\"p\":\"cut\xc3\"}", "p", 1, 10, "invalid UTF-8"},
        {"{\"p\":\"over\xc0\xaf\"}", "p", 1, 11, "invalid UTF-8"},
        {"{\"p\":\"surr\xed\xa0\x80\"}", "p", 1, 11, "invalid UTF-8"},
        {"{\"p\":\"big\xf4\x90\x80\x80\"}", "p", 1, 10, "invalid UTF-8"},
        {"{\"p\":\"tab\there\"}", "p", 1, 10, "control character"},
        {"{\"a\":1,\n \"b\":{\"c\":[1,{\"d\":2,\"d\":3}]}}", "b.c[1].d", 2, 21, "duplicate key (first at line 2, column 15)"},
        {"{\"a\":1,\"\\u0061\":2}", "\\u0061", 1, 8, "duplicate key"},
        {"{\"a\":1,\"b\":2}", NULL, 0, 0, NULL},
        {"[{\"a\":1},{\"a\":2}]", NULL, 0, 0, NULL},
        {"{\"a\":1,}", "a", 1, 8, "expected a key"},
        {"[1,]", "[1]", 1, 4, "expected a value"},
        {"{\"a\" 1}", "a", 1, 6, "expected ':'"},
        {"{\"a\":1} x", "", 1, 9, "text after the end"},
        {"{\"a\":tru}", "a", 1, 6, "got 'tru}'"},
        {"{\"a\":[1 2]}", "a[0]", 1, 9, "expected ',' or ']'"},
        {"{\"a\":\"open", "a", 1, 6, "without its closing quote"},
        {"", "", 1, 1, "expected a value"},
        {" \t\r\n true \n", NULL, 0, 0, NULL},
        {"\x01{}", "", 1, 1, "byte 0x01"},
        {NULL, NULL, 0, 0, NULL},
    };
    for (int i = 0; C[i].text; i++) {
        JsonProblem p;
        int rc = json_check(C[i].text, strlen(C[i].text), &p);
        if (!C[i].path) {
            CHECK(rc == 0, "case %d %s: expected valid, got: %s: %s", i, C[i].text, p.path, p.problem);
            continue;
        }
        CHECK(rc == -1, "case %d %s: expected a problem, got none", i, C[i].text);
        if (rc != -1)
            continue;
        CHECK_STR(p.path, C[i].path, C[i].text);
        CHECK(p.line == C[i].line && p.col == C[i].col, "case %d %s: expected line %ld column %ld, got %ld, %ld", i,
              C[i].text, C[i].line, C[i].col, p.line, p.col);
        CHECK(strstr(p.problem, C[i].problem) != NULL, "case %d %s: expected a problem containing \"%s\", got \"%s\"",
              i, C[i].text, C[i].problem, p.problem);
    }
    /* a wide object (sorted at its end) and deep nesting */
    char wide[4096];
    size_t o = 0;
    o += (size_t)snprintf(wide + o, sizeof wide - o, "{");
    for (int k = 0; k < 100; k++)
        o += (size_t)snprintf(wide + o, sizeof wide - o, "%s\"k%d\":%d", k ? "," : "", k, k);
    snprintf(wide + o, sizeof wide - o, "}");
    JsonProblem p;
    CHECK(json_check(wide, strlen(wide), &p) == 0, "100 distinct keys: expected valid, got %s", p.problem);
    snprintf(wide + o, sizeof wide - o, ",\"k7\":0}");
    CHECK(json_check(wide, strlen(wide), &p) == -1 && strcmp(p.path, "k7") == 0 && strstr(p.problem, "duplicate key"),
          "a duplicate among 101 keys: expected path k7 and duplicate key, got %s: %s", p.path, p.problem);
    char deep[2 * JSON_MAX_DEPTH + 8];
    memset(deep, '[', JSON_MAX_DEPTH);
    memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    CHECK(json_check(deep, 2 * JSON_MAX_DEPTH, &p) == 0, "nesting %d deep: expected valid, got %s", JSON_MAX_DEPTH,
          p.problem);
    deep[0] = '[';
    memset(deep, '[', JSON_MAX_DEPTH + 1);
    memset(deep + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
    CHECK(json_check(deep, 2 * JSON_MAX_DEPTH + 2, &p) == -1 && strstr(p.problem, "nested deeper"),
          "nesting %d deep: expected refused, got %s", JSON_MAX_DEPTH + 1, p.problem);
    /* the readers run it: "ref\uZZZZ-evil" is refused, not read as "ref" */
    const char *evil = "{\"policy\": \"ref\\uZZZZ-evil\"}";
    TlError err;
    CHECK(jsonl_parse("f.jsonl", 7, evil, strlen(evil), &err) == NULL, "jsonl_parse refuses a bad escape");
    CHECK_STR(err.msg, "f.jsonl:7: policy: at column 16: invalid escape '\\uZZZZ' in a string (\\u takes four hex digits)",
              "jsonl_parse message");
    const char *doc = "{\n  \"a\": 1,\n  \"b\": 01\n}\n";
    CHECK(json_parse_text(doc, strlen(doc), "c.json", &err) == NULL, "json_parse_text refuses 01");
    CHECK_STR(err.msg, "c.json:3: b: at column 8: number '01': a leading zero (JSON numbers are 0 or start with 1-9)",
              "json_parse_text message");
}

void test_json_path_line(void)
{
    const char *t = "{\n"
                    "  \"seed\": 1,\n"
                    "  \"world\": {\n"
                    "    \"splits\": {\"tldr\": {\"train\": 5},\n"
                    "               \"news\": {}}\n"
                    "  },\n"
                    "  \"policies\": {\"sup4_t0.7\": {\n"
                    "     \"kl\": 3}, \"sup4_t0\": 1},\n"
                    "  \"list\": [1,\n"
                    "    {\"x\": [true,\n"
                    "      \"y\"]}]\n"
                    "}\n";
    static const struct {
        const char *path;
        long line;
    } C[] = {
        {"", 1}, {"seed", 2}, {"world", 3}, {"world.splits", 4}, {"world.splits.tldr.train", 4},
        {"world.splits.news", 5}, {"world.splits.news.test", 5}, {"world.missing", 3}, {"nothing.at.all", 1},
        {"policies.sup4_t0.7.kl", 8}, {"policies.sup4_t0", 8}, {"policies.sup4_t0.7", 7}, {"list[0]", 9},
        {"list[1].x[1]", 11}, {"list[5]", 9}, {"list[1].x", 10},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++)
        CHECK_INT(json_path_line(t, strlen(t), C[i].path), C[i].line, C[i].path);
}

/* A full disk: the error reported is the failed write's (ENOSPC from
 * /dev/full put under the temporary file), not a stale errno left by a
 * later call (world generate said "File exists"). */
void test_atomic_write_error(void)
{
    int full = open("/dev/full", O_WRONLY);
    if (full < 0)
        SKIP("no /dev/full");
    char path[600];
    snprintf(path, sizeof path, "%s/full.txt", t_tmpdir());
    for (int finish = 0; finish < 2; finish++) {
        AtomicFile *af = atomic_open(path);
        CHECK(dup2(full, af->fd) == af->fd, "dup2 /dev/full");
        for (int k = 0; k < 10000; k++)
            fputs("a line that will not fit\n", af->fp);
        CHECK(mkdir(t_tmpdir(), 0777) != 0 && errno == EEXIST, "a stale EEXIST, as util_mkdir_p leaves it");
        int rc;
        if (finish) {
            rc = atomic_finish(af);
        } else {
            rc = atomic_sync(af);
            int e = errno;
            atomic_abort(af);
            errno = e;
        }
        int e = errno;
        CHECK(rc == -1, "%s: expected -1 on a full disk, got %d", finish ? "atomic_finish" : "atomic_sync", rc);
        CHECK(e == ENOSPC, "%s: expected errno ENOSPC (%s), got %d (%s)", finish ? "atomic_finish" : "atomic_sync",
              strerror(ENOSPC), e, strerror(e));
        CHECK(access(path, F_OK) != 0, "nothing under the final name");
    }
    close(full);
}

/* Decoded BPE tokens can cut a character; what we print and write must be
 * valid UTF-8. */
void test_utf8_clean(void)
{
    static const struct {
        const char *in, *want;
    } C[] = {
        {"plain ascii", "plain ascii"},
        {"\xc2\xa3" "40 and caf\xc3\xa9", "\xc2\xa3" "40 and caf\xc3\xa9"}, /* whole characters kept */
        {"cost \xc2", "cost "},                                         /* cut after a lead byte */
        {"\xe2\x82 euro", " euro"},                                      /* a 3-byte sequence cut short */
        {"a\x80" "b", "ab"},                                             /* a stray continuation byte */
        {"\xc0\xaf", ""},                                                /* an overlong '/' */
        {"\xed\xa0\x80x", "x"},                                          /* a surrogate */
        {"\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"},                      /* 4 bytes, U+1F600 */
        {"\xf4\x90\x80\x80", ""},                                        /* above U+10FFFF */
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        char buf[64];
        size_t n = strlen(C[i].in);
        memcpy(buf, C[i].in, n);
        n = util_utf8_clean(buf, n);
        buf[n] = '\0';
        CHECK_STR(buf, C[i].want, "util_utf8_clean");
    }
}
