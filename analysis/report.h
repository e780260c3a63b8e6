/* report.h — turning a report's Markdown into one self-contained HTML page.
 *
 * The report is written as Markdown first (report.md); the HTML page is
 * converted from it, with every image file embedded as a data: URI, so the
 * page opens in any browser with nothing beside it. The converter handles
 * the Markdown tldrlab writes: # headings, pipe tables with an alignment
 * row, ![caption](path) image lines, ``` code blocks, "- " lists (with
 * "  - " items nested), paragraphs, `code` spans and [text](target)
 * links; headings get ids (report_slug). */
#ifndef TL_REPORT_H
#define TL_REPORT_H

#include <stddef.h>

#include "common/strbuf.h"
#include "common/strpool.h"

/* Heading anchors: the slug of a heading's text as GitHub makes it
 * (lower case; letters, digits, -, _ kept; spaces to -), with -1, -2 ...
 * for a repeat. report_toc and the HTML's heading ids share it, so that
 * the table of contents links work in both. */
typedef struct {
    StrPool seen;  /* every slug given so far, without its -N */
    size_t *count; /* (seen.n) times each was given */
    size_t cap;
} ReportSlugs;
void report_slugs_init(ReportSlugs *sl);
void report_slugs_free(ReportSlugs *sl);
void report_slug(ReportSlugs *sl, const char *text, size_t n, StrBuf *out);

/* Appends to toc a Markdown list that links every ## heading of md, and
 * under it (indented) every ### one, in order; code blocks are skipped. */
void report_toc(const char *md, StrBuf *toc);

/* Appends the base64 encoding of n bytes to out. */
void report_base64(const unsigned char *data, size_t n, StrBuf *out);

/* Converts md to a complete HTML page titled title into html. Image paths
 * are read relative to base_dir; an image that cannot be read is replaced
 * by a note. Returns the number of images embedded. */
size_t report_markdown_to_html(const char *md, const char *base_dir, const char *title, StrBuf *html);

#endif
