/* test.h — a tiny test framework. Every check that fails prints what it
 * expected and what it got, with file:line; a test fails when any of its
 * checks fails; the runner exits non-zero when any test failed. */
#ifndef TL_TEST_H
#define TL_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

extern int t_fails;      /* failed checks in the current test */
extern int t_skipped;    /* set by SKIP */

void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define CHECK(cond, ...)                                                                            \
    do {                                                                                            \
        if (!(cond))                                                                                \
            t_fail(__FILE__, __LINE__, __VA_ARGS__);                                                \
    } while (0)

/* |got - want| <= tol */
#define CHECK_ABS(got, want, tol, what)                                                             \
    do {                                                                                            \
        double g_ = (got), w_ = (want);                                                             \
        if (!(fabs(g_ - w_) <= (tol)))                                                              \
            t_fail(__FILE__, __LINE__, "%s: expected %.17g, got %.17g (abs tol %g)", (what), w_,   \
                   g_, (double)(tol));                                                              \
    } while (0)

/* |got - want| <= rtol * |want| (or <= rtol when want is 0) */
#define CHECK_REL(got, want, rtol, what)                                                            \
    do {                                                                                            \
        double g_ = (got), w_ = (want);                                                             \
        double s_ = fabs(w_) > 0 ? fabs(w_) : 1.0;                                                  \
        if (!(fabs(g_ - w_) <= (rtol) * s_))                                                        \
            t_fail(__FILE__, __LINE__, "%s: expected %.17g, got %.17g (rel tol %g)", (what), w_,   \
                   g_, (double)(rtol));                                                             \
    } while (0)

#define CHECK_INT(got, want, what)                                                                  \
    do {                                                                                            \
        long long g_ = (long long)(got), w_ = (long long)(want);                                    \
        if (g_ != w_)                                                                               \
            t_fail(__FILE__, __LINE__, "%s: expected %lld, got %lld", (what), w_, g_);              \
    } while (0)

#define CHECK_STR(got, want, what)                                                                  \
    do {                                                                                            \
        const char *g_ = (got), *w_ = (want);                                                       \
        if (!g_ || !w_ ? g_ != w_ : strcmp(g_, w_) != 0)                                            \
            t_fail(__FILE__, __LINE__, "%s:\n      expected \"%s\"\n      got      \"%s\"", (what), \
                   w_ ? w_ : "(null)", g_ ? g_ : "(null)");                                         \
    } while (0)

#define SKIP(...)                                                                                   \
    do {                                                                                            \
        printf("  skip: ");                                                                         \
        printf(__VA_ARGS__);                                                                        \
        printf("\n");                                                                               \
        t_skipped = 1;                                                                              \
        return;                                                                                     \
    } while (0)

/* Where the real released records live ($TLDRLAB_REAL_DATA, default
 * ../shared/data/real); t_real_dir is NULL when that folder is absent. */
const char *t_real_path(void);
const char *t_real_dir(void);
/* Why this run requires the real records, or NULL: TLDRLAB_REQUIRE_REAL=1
 * requires them and =0 does not; unset, CI set (not 0 or false) with
 * ../shared beside the clone does (tests/lib.sh's real_required). */
const char *t_real_required(void);

/* For a test whose real records are absent (t_real_dir() == NULL): a skip
 * saying what goes unchecked, or a failure when the run requires them. */
#define REAL_SKIP(what)                                                                             \
    do {                                                                                            \
        const char *why_ = t_real_required();                                                       \
        if (why_) {                                                                                 \
            t_fail(__FILE__, __LINE__, "expected the real records in %s (%s), got no such folder; %s", \
                   t_real_path(), why_, (what));                                                    \
            return;                                                                                 \
        }                                                                                           \
        SKIP("%s not found (set TLDRLAB_REAL_DATA; TLDRLAB_REQUIRE_REAL=1 fails instead); %s",      \
             t_real_path(), (what));                                                                \
    } while (0)

/* A fresh temporary directory for this test run (removed at exit). */
const char *t_tmpdir(void);

/* Writes text to a file named name in t_tmpdir(); returns its path (static buffer rotated). */
const char *t_write(const char *name, const char *text);

/* Every test's prototype. */
#define T(name) void name(void);
#include "tests/unit/list.h"
#undef T

#endif
