/* report.c — Markdown (tldrlab's subset) to a self-contained HTML page. */
#include "analysis/report.h"
#include "common/err.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_base64(const unsigned char *d, size_t n, StrBuf *out)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        q[0] = A[(v >> 18) & 63];
        q[1] = A[(v >> 12) & 63];
        q[2] = i + 1 < n ? A[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? A[v & 63] : '=';
        sb_addn(out, q, 4);
    }
}

/* Escapes text for HTML; with code_spans, `code` spans become <code> and
 * [text](target) links (outside code) become <a href="target">. */
static void html_text(const char *s, size_t n, int code_spans, StrBuf *out)
{
    int code = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '[' && code_spans && !code) {
            const char *mid = memchr(s + i, ']', n - i);
            const char *end = mid && (size_t)(mid - s) + 1 < n && mid[1] == '(' ? memchr(mid, ')', n - (size_t)(mid - s))
                                                                                : NULL;
            if (end && !memchr(s + i, '`', (size_t)(mid - s) - i) && !memchr(mid, ' ', (size_t)(end - mid))) {
                sb_add(out, "<a href=\"");
                html_text(mid + 2, (size_t)(end - mid - 2), 0, out);
                sb_add(out, "\">");
                html_text(s + i + 1, (size_t)(mid - s) - i - 1, 1, out);
                sb_add(out, "</a>");
                i = (size_t)(end - s);
                continue;
            }
        }
        if (c == '`' && code_spans) {
            sb_add(out, code ? "</code>" : "<code>");
            code = !code;
        } else if (c == '&') {
            sb_add(out, "&amp;");
        } else if (c == '<') {
            sb_add(out, "&lt;");
        } else if (c == '>') {
            sb_add(out, "&gt;");
        } else if (c == '"') {
            sb_add(out, "&quot;");
        } else {
            sb_addn(out, &c, 1);
        }
    }
    if (code)
        sb_add(out, "</code>");
}

static void inline_text(const char *s, size_t n, StrBuf *out)
{
    html_text(s, n, 1, out);
}

static void escape(const char *s, size_t n, StrBuf *out)
{
    html_text(s, n, 0, out);
}

typedef struct {
    const char *s;
    size_t n;
} Line;

void report_slugs_init(ReportSlugs *sl)
{
    memset(sl, 0, sizeof *sl);
    strpool_init(&sl->seen);
}

void report_slugs_free(ReportSlugs *sl)
{
    strpool_free(&sl->seen);
    free(sl->count);
    memset(sl, 0, sizeof *sl);
}

void report_slug(ReportSlugs *sl, const char *text, size_t n, StrBuf *out)
{
    StrBuf b;
    sb_init(&b);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c == ' ')
            c = '-';
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80)
            sb_addn(&b, (const char *)&c, 1);
    }
    uint32_t id = strpool_intern(&sl->seen, sb_str(&b));
    if (id >= sl->cap) {
        size_t old = sl->cap;
        GROW(sl->count, sl->cap, (size_t)id + 1);
        memset(sl->count + old, 0, (sl->cap - old) * sizeof *sl->count);
    }
    size_t seen = sl->count[id]++;
    sb_add(out, sb_str(&b));
    if (seen) /* as GitHub does: the second "x" is "x-1" */
        sb_printf(out, "-%zu", seen);
    sb_free(&b);
}

/* The level (2 or 3) of a "## " or "### " heading line, else 0. */
static int toc_level(const char *s, size_t n)
{
    if (n > 3 && strncmp(s, "## ", 3) == 0)
        return 2;
    if (n > 4 && strncmp(s, "### ", 4) == 0)
        return 3;
    return 0;
}

void report_toc(const char *md, StrBuf *toc)
{
    ReportSlugs sl;
    report_slugs_init(&sl);
    int code = 0;
    for (const char *p = md; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n >= 3 && strncmp(p, "```", 3) == 0)
            code = !code;
        int level = code ? 0 : toc_level(p, n);
        if (p[0] == '#' && !code) { /* every heading takes a slug, as in the HTML */
            size_t h = 0;
            while (h < n && p[h] == '#')
                h++;
            while (h < n && p[h] == ' ')
                h++;
            StrBuf slug;
            sb_init(&slug);
            report_slug(&sl, p + h, n - h, &slug);
            if (level)
                sb_printf(toc, "%s- [%.*s](#%s)\n", level == 3 ? "  " : "", (int)(n - h), p + h, sb_str(&slug));
            sb_free(&slug);
        }
        p += n + (e != NULL);
    }
    report_slugs_free(&sl);
}

/* Splits a table row "| a | b |" into trimmed cells. */
static size_t cells(Line l, Line *out, size_t max)
{
    size_t k = 0;
    const char *p = l.s, *e = l.s + l.n;
    if (p < e && *p == '|')
        p++;
    while (p < e && k < max) {
        const char *c = memchr(p, '|', (size_t)(e - p));
        const char *end = c ? c : e;
        const char *a = p, *b = end;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        if (c || a < b)
            out[k++] = (Line){a, (size_t)(b - a)};
        if (!c)
            break;
        p = c + 1;
    }
    return k;
}

static int embed_image(const char *base, const char *path, size_t plen, StrBuf *out)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%.*s", (int)plen, path);
    char *full = util_path_join(base, rel);
    FILE *fp = fopen(full, "rb");
    free(full);
    if (!fp)
        return -1;
    StrBuf data;
    sb_init(&data);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        sb_addn(&data, buf, n);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || data.len == 0) {
        sb_free(&data);
        return -1;
    }
    const char *mime = plen > 4 && strncmp(path + plen - 4, ".svg", 4) == 0 ? "image/svg+xml" : "image/png";
    sb_printf(out, "src=\"data:%s;base64,", mime);
    report_base64((const unsigned char *)data.s, data.len, out);
    sb_add(out, "\"");
    sb_free(&data);
    return 0;
}

static const char CSS[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1180px;margin:2em auto;"
    "padding:0 1.2em;color:#222;line-height:1.45}"
    "h1{font-size:1.7em;border-bottom:2px solid #ddd;padding-bottom:.2em}"
    "h2{font-size:1.35em;margin-top:2em;border-bottom:1px solid #eee}h3{font-size:1.1em;margin-top:1.6em}"
    /* Wide tables fit the page without a scroll bar that hides columns:
     * headers wrap (at any character when they must), cells are compact. */
    "table{border-collapse:collapse;margin:.8em 0;font-size:.8em;max-width:100%}"
    "th,td{border:1px solid #ddd;padding:.2em .35em}td{white-space:nowrap}"
    "th{background:#f5f5f5;vertical-align:bottom;font-weight:600;overflow-wrap:anywhere}"
    "tr:nth-child(even) td{background:#fafafa}td.r{text-align:right;font-variant-numeric:tabular-nums}"
    "figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}"
    "figcaption{font-size:.9em;color:#555}pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;"
    "word-break:break-all}"
    "code{background:#f3f3f3;padding:0 .2em}.note{color:#8a5a00}";

size_t report_markdown_to_html(const char *md, const char *base_dir, const char *title, StrBuf *html)
{
    sb_add(html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    escape(title, strlen(title), html);
    sb_printf(html, "</title>\n<style>%s</style>\n</head>\n<body>\n", CSS);
    size_t images = 0;
    ReportSlugs slugs; /* heading ids, as report_toc links them */
    report_slugs_init(&slugs);
    /* Split into lines. */
    size_t cap = 64, nl = 0;
    Line *L = xmalloc(cap * sizeof *L);
    for (const char *p = md; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        GROW(L, cap, nl + 1);
        L[nl++] = (Line){p, n};
        p += n + (e != NULL);
    }
    for (size_t i = 0; i < nl;) {
        Line l = L[i];
        if (l.n == 0) {
            i++;
            continue;
        }
        if (l.n >= 3 && strncmp(l.s, "```", 3) == 0) { /* code block */
            sb_add(html, "<pre><code>");
            for (i++; i < nl && !(L[i].n >= 3 && strncmp(L[i].s, "```", 3) == 0); i++) {
                escape(L[i].s, L[i].n, html);
                sb_add(html, "\n");
            }
            sb_add(html, "</code></pre>\n");
            i++;
            continue;
        }
        if (l.s[0] == '#') {
            size_t h = 0;
            while (h < l.n && l.s[h] == '#')
                h++;
            size_t a = h;
            while (a < l.n && l.s[a] == ' ')
                a++;
            sb_printf(html, "<h%zu id=\"", h);
            StrBuf slug;
            sb_init(&slug);
            report_slug(&slugs, l.s + a, l.n - a, &slug);
            escape(sb_str(&slug), slug.len, html);
            sb_free(&slug);
            sb_add(html, "\">");
            inline_text(l.s + a, l.n - a, html);
            sb_printf(html, "</h%zu>\n", h);
            i++;
            continue;
        }
        if (l.n > 4 && strncmp(l.s, "![", 2) == 0) { /* ![caption](path) */
            const char *cb = memchr(l.s, ']', l.n);
            const char *pb = cb && (size_t)(cb - l.s) + 1 < l.n && cb[1] == '(' ? cb + 2 : NULL;
            const char *pe = pb ? memchr(pb, ')', (size_t)(l.s + l.n - pb)) : NULL;
            if (pe) {
                sb_add(html, "<figure><img ");
                if (embed_image(base_dir, pb, (size_t)(pe - pb), html) == 0) {
                    sb_add(html, " alt=\"");
                    escape(l.s + 2, (size_t)(cb - l.s - 2), html);
                    sb_add(html, "\"><figcaption>");
                    inline_text(l.s + 2, (size_t)(cb - l.s - 2), html);
                    sb_add(html, "</figcaption></figure>\n");
                    images++;
                } else {
                    html->len -= strlen("<figure><img ");
                    html->s[html->len] = '\0';
                    sb_add(html, "<p class=\"note\">Figure not drawn: ");
                    escape(pb, (size_t)(pe - pb), html);
                    sb_add(html, " could not be read (was gnuplot on the PATH?).</p>\n");
                }
                i++;
                continue;
            }
        }
        if (l.s[0] == '|' && i + 1 < nl && L[i + 1].n > 1 && L[i + 1].s[0] == '|' &&
            strspn(L[i + 1].s, "|:- ") == L[i + 1].n) { /* table */
            Line head[64], align[64], row[64];
            size_t nh = cells(l, head, 64), na = cells(L[i + 1], align, 64);
            sb_add(html, "<table>\n<thead><tr>");
            for (size_t k = 0; k < nh; k++) {
                sb_add(html, "<th>");
                inline_text(head[k].s, head[k].n, html);
                sb_add(html, "</th>");
            }
            sb_add(html, "</tr></thead>\n<tbody>\n");
            for (i += 2; i < nl && L[i].n > 0 && L[i].s[0] == '|'; i++) {
                size_t nr = cells(L[i], row, 64);
                sb_add(html, "<tr>");
                for (size_t k = 0; k < nr; k++) {
                    int right = k < na && align[k].n > 0 && align[k].s[align[k].n - 1] == ':' && align[k].s[0] != ':';
                    sb_add(html, right ? "<td class=\"r\">" : "<td>");
                    inline_text(row[k].s, row[k].n, html);
                    sb_add(html, "</td>");
                }
                sb_add(html, "</tr>\n");
            }
            sb_add(html, "</tbody>\n</table>\n");
            continue;
        }
        if (l.n > 2 && strncmp(l.s, "- ", 2) == 0) { /* list; "  - " items nest in the one before */
            sb_add(html, "<ul>\n");
            int open = 0, sub = 0;
            for (; i < nl; i++) {
                int nested = L[i].n > 4 && strncmp(L[i].s, "  - ", 4) == 0;
                if (!nested && !(L[i].n > 2 && strncmp(L[i].s, "- ", 2) == 0))
                    break;
                if (!nested && sub) {
                    sb_add(html, "</ul>");
                    sub = 0;
                }
                if (!nested && open)
                    sb_add(html, "</li>\n");
                if (nested && !sub) {
                    sb_add(html, "\n<ul>\n");
                    sub = 1;
                }
                sb_add(html, "<li>");
                inline_text(L[i].s + (nested ? 4 : 2), L[i].n - (nested ? 4 : 2), html);
                if (nested)
                    sb_add(html, "</li>\n");
                open = !nested || open;
            }
            sb_add(html, sub ? "</ul></li>\n</ul>\n" : open ? "</li>\n</ul>\n" : "</ul>\n");
            continue;
        }
        /* A paragraph: lines up to a blank line or another block. */
        sb_add(html, "<p>");
        int first = 1;
        for (; i < nl && L[i].n > 0 && L[i].s[0] != '|' && L[i].s[0] != '#' && strncmp(L[i].s, "```", 3) != 0 &&
               strncmp(L[i].s, "![", 2) != 0 && strncmp(L[i].s, "- ", 2) != 0;
             i++) {
            if (!first)
                sb_add(html, "<br>\n");
            inline_text(L[i].s, L[i].n, html);
            first = 0;
        }
        sb_add(html, "</p>\n");
    }
    free(L);
    report_slugs_free(&slugs);
    /* A tiny self-check for tests and readers: how many images loaded, and
     * how many tables hide columns (past the window's right edge, or in a
     * scrolled box). */
    sb_add(html, "<script>window.addEventListener('load',function(){var m=document.images,k=0;"
                 "for(var i=0;i<m.length;i++)if(m[i].complete&&m[i].naturalWidth>0)k++;"
                 "document.body.setAttribute('data-images-loaded',k+'/'+m.length);"
                 "var t=document.getElementsByTagName('table'),w=0,W=document.documentElement.clientWidth;"
                 "for(var j=0;j<t.length;j++)if(t[j].getBoundingClientRect().right>W+1||t[j].scrollWidth>t[j].clientWidth+1)w++;"
                 "document.body.setAttribute('data-tables-cut',w+'/'+t.length);});</script>\n"
                 "</body>\n</html>\n");
    return images;
}
