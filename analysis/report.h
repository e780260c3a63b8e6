/* report.h — turning a report's Markdown into one self-contained HTML page.
 *
 * The report is written as Markdown first (report.md); the HTML page is
 * converted from it, with every image file embedded as a data: URI, so the
 * page opens in any browser with nothing beside it. The converter handles
 * the Markdown tldrlab writes: # headings, pipe tables with an alignment
 * row, ![caption](path) image lines, ``` code blocks, "- " lists,
 * paragraphs and `code` spans. */
#ifndef TL_REPORT_H
#define TL_REPORT_H

#include <stddef.h>

#include "common/strbuf.h"

/* Appends the base64 encoding of n bytes to out. */
void report_base64(const unsigned char *data, size_t n, StrBuf *out);

/* Converts md to a complete HTML page titled title into html. Image paths
 * are read relative to base_dir; an image that cannot be read is replaced
 * by a note. Returns the number of images embedded. */
size_t report_markdown_to_html(const char *md, const char *base_dir, const char *title, StrBuf *html);

#endif
