/* jsonarena.c — per-thread bump arenas behind cJSON's allocation hooks. */
#include "common/jsonarena.h"
#include "common/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#define BLOCK (4u << 20)

typedef struct Block {
    struct Block *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes */
} Block;

struct JsonArena {
    Block *head; /* current block first */
};

static _Thread_local JsonArena *active;

static Block *block_new(size_t cap)
{
    Block *b = xmalloc(sizeof *b + cap);
    b->next = NULL;
    b->used = 0;
    b->cap = cap;
    return b;
}

static void *arena_alloc(JsonArena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    Block *b = a->head;
    if (b->used + n > b->cap) {
        b = block_new(n > BLOCK ? n : BLOCK);
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static int arena_owns(const JsonArena *a, const void *p)
{
    for (const Block *b = a->head; b; b = b->next)
        if ((const char *)p >= (const char *)b->data && (const char *)p < (const char *)b->data + b->cap)
            return 1;
    return 0;
}

static void *hook_malloc(size_t n)
{
    return active ? arena_alloc(active, n) : malloc(n);
}

static void hook_free(void *p)
{
    if (active && arena_owns(active, p))
        return; /* released with the arena */
    free(p);
}

void json_arena_install(void)
{
    static int installed;
    if (installed)
        return;
    installed = 1;
    cJSON_Hooks h = {hook_malloc, hook_free};
    cJSON_InitHooks(&h);
}

JsonArena *json_arena_new(void)
{
    json_arena_install();
    JsonArena *a = xmalloc(sizeof *a);
    a->head = block_new(BLOCK);
    return a;
}

void json_arena_free(JsonArena *a)
{
    if (!a)
        return;
    for (Block *b = a->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(a);
}

void json_arena_use(JsonArena *a)
{
    active = a;
}

void json_arena_reset(JsonArena *a)
{
    Block *b = a->head;
    while (b->next) { /* keep the oldest (first) block */
        Block *n = b->next;
        free(b);
        b = n;
    }
    b->used = 0;
    a->head = b;
}
