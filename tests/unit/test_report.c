/* test_report.c — pieces of figures and reports: base64, the Markdown to
 * HTML conversion, --rm-scores files, figure scripts. */
#include "tests/unit/test.h"
#include "analysis/figures.h"
#include "analysis/report.h"

#include <stdlib.h>

void test_report_base64(void)
{
    /* RFC 4648, section 10. */
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        StrBuf b;
        sb_init(&b);
        report_base64((const unsigned char *)in[i], strlen(in[i]), &b);
        CHECK_STR(sb_str(&b), out[i], in[i]);
        sb_free(&b);
    }
}

void test_report_markdown_to_html(void)
{
    const char *png = t_write("a.png", "PNGDATA");
    (void)png;
    const char *md = "# Title <x>\n\nA line with `code` & more\nsecond line\n\n"
                     "| policy | n |\n|:-------|--:|\n| a_b | 12 |\n\n"
                     "![Figure one](a.png)\n\n![Missing](nope.png)\n\n- item 1\n- item 2\n\n```\ncmd --x <y>\n```\n";
    StrBuf h;
    sb_init(&h);
    size_t images = report_markdown_to_html(md, t_tmpdir(), "T & t", &h);
    const char *s = sb_str(&h);
    CHECK_INT(images, 1, "images embedded");
    CHECK(strstr(s, "<title>T &amp; t</title>"), "escaped title");
    CHECK(strstr(s, "<h1 id=\"title-x\">Title &lt;x&gt;</h1>"), "escaped heading with its anchor:\n%s", s);
    CHECK(strstr(s, "<p>A line with <code>code</code> &amp; more<br>\nsecond line</p>"), "paragraph with code:\n%s", s);
    CHECK(strstr(s, "<th>policy</th><th>n</th>"), "table header");
    CHECK(strstr(s, "<td>a_b</td><td class=\"r\">12</td>"), "right-aligned number cell");
    CHECK(strstr(s, "src=\"data:image/png;base64,UE5HREFUQQ==\" alt=\"Figure one\""), "embedded image");
    CHECK(strstr(s, "Figure not drawn: nope.png could not be read"), "a missing image is explained");
    CHECK(strstr(s, "<li>item 2</li>"), "list");
    CHECK(strstr(s, "<pre><code>cmd --x &lt;y&gt;\n</code></pre>"), "code block");
    sb_free(&h);
}

/* The contents and the headings' ids: GitHub's slugs, a repeat gets -1,
 * the links and the nested list reach the HTML. */
void test_report_contents(void)
{
    const char *md = "# T\n\n## TL;DR comparisons\n\n### Win rates\n\n```\n## not a heading\n```\n\n"
                     "## News `x`\n\n### Win rates\n";
    StrBuf toc;
    sb_init(&toc);
    report_toc(md, &toc);
    CHECK_STR(sb_str(&toc),
              "- [TL;DR comparisons](#tldr-comparisons)\n  - [Win rates](#win-rates)\n"
              "- [News `x`](#news-x)\n  - [Win rates](#win-rates-1)\n",
              "contents");
    StrBuf full, h;
    sb_init(&full);
    sb_init(&h);
    sb_printf(&full, "%s\n%s", sb_str(&toc), md);
    report_markdown_to_html(sb_str(&full), t_tmpdir(), "T", &h);
    const char *s = sb_str(&h);
    CHECK(strstr(s, "<li><a href=\"#tldr-comparisons\">TL;DR comparisons</a>\n<ul>\n"
                    "<li><a href=\"#win-rates\">Win rates</a></li>\n</ul></li>\n"),
          "a nested list of links:\n%s", s);
    CHECK(strstr(s, "<h3 id=\"win-rates-1\">Win rates</h3>"), "the repeated heading's id");
    CHECK(strstr(s, "<h2 id=\"news-x\">News <code>x</code></h2>"), "a heading with code");
    sb_free(&toc);
    sb_free(&full);
    sb_free(&h);
}

void test_report_rm_scores(void)
{
    const char *p = t_write("rm.csv", "post_id,policy,rm_ref,rm_policy\r\n\"t3_a\",\"sup4, odd\",0.5,1.5\r\nt3_b,x,0,-2e-1\r\n");
    RmScores rm;
    TlError err;
    CHECK(rm_scores_load(&rm, p, &err) == 0, "load: %s", err.msg);
    CHECK_INT(rm.n, 2, "rows");
    CHECK_STR(rm.policy[0], "sup4, odd", "quoted policy with a comma");
    CHECK_ABS(rm.rm_policy[0], 1.5, 0, "rm_policy by header name");
    CHECK_ABS(rm.rm_ref[0], 0.5, 0, "rm_ref by header name");
    CHECK_ABS(rm.rm_policy[1], -0.2, 1e-15, "rm_policy row 2");
    rm_scores_free(&rm);
    struct {
        const char *text, *msg;
    } bad[] = {
        {"policy,rm_policy\nx,1\n", "rm.csv:1: rm_ref: missing column (the header must name policy, rm_policy and rm_ref)"},
        {"policy,rm_policy,rm_ref\nx,1\n", "rm.csv:2: rm_ref: missing (the record has 2 fields)"},
        {"policy,rm_policy,rm_ref\nx,1,nan\n", "rm.csv:2: rm_ref: expected a finite number, got 'nan'"},
        {"", "rm.csv: empty file (expected a header naming policy, rm_policy and rm_ref)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *q = t_write("rm.csv", bad[i].text);
        char want[600];
        snprintf(want, sizeof want, "%s/%s", t_tmpdir(), bad[i].msg);
        CHECK(rm_scores_load(&rm, q, &err) == -1, "bad rm scores %zu rejected", i);
        CHECK_STR(err.msg, want, "rm scores message");
    }
}

void test_report_figure_script(void)
{
    Figure f;
    figure_init(&f, "fig1-tldr", 800, 500);
    sb_add(&f.body, "plot data skip 1 using 1:2\n");
    char *s = plot_script(&f);
    CHECK(strstr(s, "data = \"fig1-tldr.csv\"\n"), "the script reads its own CSV:\n%s", s);
    CHECK(strstr(s, "set terminal pngcairo size 800,500"), "PNG terminal and size");
    CHECK(strstr(s, "set output \"fig1-tldr.svg\""), "SVG output");
    CHECK(strstr(s, "    plot data skip 1 using 1:2\n"), "the body runs inside the loop");
    free(s);
    figure_free(&f);
    char q[64];
    plot_quote("a\"b\\c", q, sizeof q);
    CHECK_STR(q, "a\\\"b\\\\c", "quoted for gnuplot");
}
