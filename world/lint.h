/* lint.h — checks of a lexicon (tldrlab world lint): the rules of
 * world/lexicon/README.md, and a round trip through rendered documents
 * (a document judged against its own facts must show no invented or
 * contradicted fact). */
#ifndef TL_LINT_H
#define TL_LINT_H

#include <stddef.h>

#include "common/strbuf.h"
#include "world/world.h"

/* Appends one line per problem to msgs and returns the number of
 * problems. docs: rendered documents per domain for the round trip. */
size_t world_lint(const Lexicon *lx, const WorldConfig *c, size_t docs, StrBuf *msgs);

#endif
