/* util.h — small helpers: strict number parsing (STYLE.md rule 6), hashing,
 * text length measures, directories. */
#ifndef TL_UTIL_H
#define TL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parses a whole string as a finite double. Rejects empty input, trailing
 * junk, overflow, NaN and infinities. Returns 0 on success, -1 otherwise. */
int util_parse_double(const char *s, double *out);

/* Parses a whole string as a base-10 integer within [min, max]. Rejects
 * empty input, trailing junk and overflow. Returns 0 on success, -1 otherwise. */
int util_parse_long(const char *s, long min, long max, long *out);

/* Same for unsigned 64-bit values (seeds). */
int util_parse_u64(const char *s, uint64_t *out);

/* Keeps the valid UTF-8 of s[0..n) in place (drops stray continuation
 * bytes, overlong or surrogate forms and sequences cut short, as a BPE
 * token boundary can leave them); returns the new length. */
size_t util_utf8_clean(char *s, size_t n);

/* 64-bit FNV-1a hash of n bytes, chained from h (start with UTIL_FNV_INIT). */
#define UTIL_FNV_INIT 0xcbf29ce484222325ULL
uint64_t util_fnv1a(uint64_t h, const void *data, size_t n);


/* All of a summary text's measures in one pass: words and chars (as
 * util_count_words and util_count_chars below), its FNV-1a hash and its
 * length in bytes. */
typedef struct {
    size_t words, chars, bytes;
    uint64_t hash;
} TextMeasure;
void util_text_measure(const char *s, TextMeasure *m);

/* Words: runs of non-whitespace, whitespace as in Python's str.split() (so
 * NBSP separates words). Chars: UTF-8 code points after trimming leading
 * and trailing whitespace, as len(s.strip()). */
static inline size_t util_count_words(const char *s)
{
    TextMeasure m;
    util_text_measure(s, &m);
    return m.words;
}

static inline size_t util_count_chars(const char *s)
{
    TextMeasure m;
    util_text_measure(s, &m);
    return m.chars;
}

/* Creates dir and its parents (mode 0777 & ~umask). Returns 0 or -1 with
 * errno set. Existing directories are fine. */
int util_mkdir_p(const char *dir);

/* Removes path: a file, or a folder with everything in it (symbolic links
 * are removed, not followed). A missing path is fine. Returns 0, or -1
 * with errno set by the first removal that failed. */
int util_remove_tree(const char *path);

/* Joins dir and name with one '/'. The caller frees the result. */
char *util_path_join(const char *dir, const char *name);

/* Seconds on a monotonic clock, for progress displays and benchmarks only
 * (never for seeds). */
double util_now(void);

/* Formats a finite v in the fewest significant digits (15 to 17) that read
 * back as exactly v, e.g. 0.1 -> "0.1", 2418/4208 -> "0.5746197718631179".
 * buf holds at least 32 bytes. */
void util_format_double(double v, char *buf, size_t cap);

/* Writes prefix followed by the six X characters that mkstemp and mkdtemp
 * replace into buf. */
void util_temp_template(char *buf, size_t cap, const char *prefix);

/* Reads a whole file into a NUL-terminated buffer the caller frees; *len
 * (may be NULL) gets its size. Returns NULL with errno set on failure
 * (EISDIR for a directory). */
char *util_read_file(const char *path, size_t *len);

/* As util_read_file for a text: fails with errno EFBIG, and *long_line
 * (may be NULL) the 1-based number of the line, as soon as a line is
 * longer than max_line bytes, so that /dev/zero or a binary file cannot
 * grow memory without end. */
char *util_read_text(const char *path, size_t *len, size_t max_line, long *long_line);

/* Returns 1 when s is in the comma-separated list list, else 0. */
int util_in_csv_list(const char *list, const char *s);

#endif
