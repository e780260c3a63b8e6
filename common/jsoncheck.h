/* jsoncheck.h — a strict RFC 8259 check run before cJSON on every JSON
 * text we read, and the key path -> line map behind file:line messages.
 *
 * cJSON is lenient where a reader of user data must not be: an invalid
 * \u escape becomes a NUL that silently cuts the string ("ref\uZZZZ-evil"
 * reads as "ref"), numbers such as 00, 01 and 1. are read, any byte is
 * copied into strings (invalid UTF-8 then reaches our JSON output), and
 * an object may hold a key twice (lookups see the first, loops the last).
 * json_check refuses each of these in one linear pass over the bytes, and
 * says where: the byte offset, line and column, and the key path. */
#ifndef TL_JSONCHECK_H
#define TL_JSONCHECK_H

#include <stddef.h>

#include "common/err.h"

/* Nesting deeper than this is refused (cJSON's own limit is 1000). */
#define JSON_MAX_DEPTH 512

typedef struct {
    size_t offset;     /* byte offset of the problem in the text */
    long line, col;    /* 1-based; col counts bytes from the line's start */
    char path[256];    /* key path of the value it is in ("summaries[1].policy"; "" at the top) */
    char problem[192]; /* what is wrong, without the place */
} JsonProblem;

/* Checks that text[0..len) is exactly one JSON value (RFC 8259) with only
 * JSON white space around it, and that: every escape is one of \" \\ \/
 * \b \f \n \r \t or \u and four hex digits, surrogates paired, never
 * \u0000 (cJSON would cut the string there); strings hold no raw control
 * character and are valid UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF); numbers follow the grammar (no 00, 01, 1., .5,
 * +1); no object holds a key twice (compared after unescaping); nesting is
 * at most JSON_MAX_DEPTH. Returns 0, or -1 with *p describing the first
 * problem. Thread-safe; allocates only for very deep or wide texts. */
int json_check(const char *text, size_t len, JsonProblem *p);

/* The 1-based line where the value at path starts in text, a text that
 * json_check accepts: for an object member, the line of its key. path is
 * keys joined by '.', array items as [i] ("world.splits.tldr",
 * "relations[3].forms", "policies.sup4_t0.7.kl": a key may hold dots; the
 * longest key that fits is taken). "" is the whole text. When path goes on
 * past what text holds (a missing key), the line of the deepest value that
 * exists. */
long json_path_line(const char *text, size_t len, const char *path);

/* Where a value being read came from, for messages. */
typedef struct {
    const char *name; /* the file name messages give */
    const char *text; /* its whole JSON text, or NULL (then messages give no line) */
    size_t len;
    const char *base; /* the path in text of the value being read; NULL or "" for the top */
} JsonSrc;

/* Formats "name:line: base.path: problem" into err; the line is that of
 * base.path in src->text (json_path_line), omitted when text is NULL. */
void json_src_error(TlError *err, const JsonSrc *src, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Joins base and path with '.' (either may be NULL or "") into buf. */
void json_path_join(char *buf, size_t cap, const char *base, const char *path);

#endif
