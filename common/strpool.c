/* strpool.c — open-addressing string interning. */
#include "common/strpool.h"
#include "common/err.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

void strpool_init(StrPool *p)
{
    memset(p, 0, sizeof *p);
}

void strpool_free(StrPool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->strs[i]);
    free(p->strs);
    free(p->slots);
    memset(p, 0, sizeof *p);
}

static size_t slot_of(const StrPool *p, const char *s, size_t len)
{
    return (size_t)util_fnv1a(UTIL_FNV_INIT, s, len) & (p->nslots - 1);
}

static void rehash(StrPool *p)
{
    size_t ns = p->nslots ? p->nslots * 2 : 64;
    free(p->slots);
    p->slots = xcalloc(ns, sizeof *p->slots);
    p->nslots = ns;
    for (size_t id = 0; id < p->n; id++) {
        size_t h = slot_of(p, p->strs[id], strlen(p->strs[id]));
        while (p->slots[h])
            h = (h + 1) & (ns - 1);
        p->slots[h] = (uint32_t)id + 1;
    }
}

long strpool_find(const StrPool *p, const char *s)
{
    if (!p->nslots)
        return -1;
    size_t h = slot_of(p, s, strlen(s));
    while (p->slots[h]) {
        uint32_t id = p->slots[h] - 1;
        if (strcmp(p->strs[id], s) == 0)
            return (long)id;
        h = (h + 1) & (p->nslots - 1);
    }
    return -1;
}

uint32_t strpool_intern(StrPool *p, const char *s)
{
    long id = strpool_find(p, s);
    if (id >= 0)
        return (uint32_t)id;
    if ((p->n + 1) * 2 > p->nslots)
        rehash(p);
    GROW(p->strs, p->cap, p->n + 1);
    p->strs[p->n] = xstrdup(s);
    size_t h = slot_of(p, s, strlen(s));
    while (p->slots[h])
        h = (h + 1) & (p->nslots - 1);
    p->slots[h] = (uint32_t)p->n + 1;
    return (uint32_t)p->n++;
}
