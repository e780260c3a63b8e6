/* test_common.c — plumbing: number parsing, text measures, interning,
 * atomic files, tables, the JSON-lines reader. */
#include "tests/unit/test.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/strpool.h"
#include "common/table.h"
#include "common/util.h"

#include <dirent.h>
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
    snprintf(want, sizeof want, "%s:5: json: invalid JSON at column 5 near ':'", p);
    CHECK_STR(err.msg, want, "truncated record message");
    CHECK(jsonl_next(&r, &j, &err) == -1, "trailing text is an error");
    snprintf(want, sizeof want, "%s:6: json: trailing text after the record at column 9 (one record per line)", p);
    CHECK_STR(err.msg, want, "trailing text message");
    CHECK(jsonl_next(&r, &j, &err) == 1 && r.line == 7, "the reader goes on after an error; last line without newline");
    cJSON_Delete(j);
    CHECK(jsonl_next(&r, &j, &err) == 0, "end of file");
    jsonl_close(&r);
    const char *nul = "{\"p\":\"ref\\u0000x\"}";
    CHECK(jsonl_parse("f", 3, nul, strlen(nul), &err) == NULL, "\\u0000 is refused");
    CHECK_STR(err.msg, "f:3: json: \\u0000 (a NUL character) in a string at column 10 is not supported",
              "\\u0000 message");
    const char *esc = "{\"p\":\"a\\\\u0000\"}"; /* an escaped backslash, then the text u0000 */
    j = jsonl_parse("f", 4, esc, strlen(esc), &err);
    CHECK(j != NULL, "an escaped backslash before u0000 is fine");
    cJSON_Delete(j);
    CHECK(jsonl_open(&r, "/nonexistent/x.json", &err) == -1, "missing file");
    CHECK_STR(err.msg, "/nonexistent/x.json: cannot open: No such file or directory", "missing file message");
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
