/* strpool.h — string interning: each distinct string gets a dense id
 * 0, 1, 2, ... in order of first appearance. Used for policy names, post
 * ids, workers and batches so records stay small. */
#ifndef TL_STRPOOL_H
#define TL_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **strs;      /* (n) owned copies, indexed by id */
    size_t n, cap;
    uint32_t *slots;  /* (nslots) open-addressing table of id+1, 0 = empty */
    size_t nslots;
} StrPool;

void strpool_init(StrPool *p);
void strpool_free(StrPool *p);   /* accepts a zeroed or partly used pool */

/* Returns the id of s, adding a copy when new. */
uint32_t strpool_intern(StrPool *p, const char *s);

/* Returns the id of s, or -1 when s is not in the pool. */
long strpool_find(const StrPool *p, const char *s);

/* Returns the string with id (borrowed; valid until strpool_free). */
static inline const char *strpool_get(const StrPool *p, uint32_t id)
{
    return p->strs[id];
}

#endif
