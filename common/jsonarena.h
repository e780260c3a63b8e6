/* jsonarena.h — bump allocation for cJSON trees that are parsed in bulk.
 *
 * Reading 65k records spends a third of its time in malloc and free for
 * cJSON's nodes and strings. While an arena is active on a thread, cJSON
 * allocates from it; a tree parsed so is never freed node by node, the
 * whole arena is reset at once. Outside an active arena cJSON uses malloc
 * and free as usual, so other cJSON users are unaffected.
 *
 * Contract: a tree allocated in an arena must not be passed to cJSON_Delete
 * after the arena was ended; it dies with json_arena_reset. */
#ifndef TL_JSONARENA_H
#define TL_JSONARENA_H

#include <stddef.h>

typedef struct JsonArena JsonArena;

/* Installs cJSON's allocation hooks (idempotent; call before any cJSON use
 * that should be able to see an arena). */
void json_arena_install(void);

JsonArena *json_arena_new(void);
void json_arena_free(JsonArena *a); /* accepts NULL */

/* Makes a the calling thread's active arena (NULL: none). */
void json_arena_use(JsonArena *a);

/* Forgets everything allocated in a (keeps its first block for reuse). */
void json_arena_reset(JsonArena *a);

#endif
