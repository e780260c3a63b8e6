/* tokenizer.c — byte-level BPE (see tokenizer.h for the contract and the
 * file format).
 *
 * Training follows Sennrich et al. (2016), "Neural Machine Translation of
 * Rare Words with Subword Units", section 3.1, on GPT-2-style chunks
 * (Radford et al. 2019, section 2.2): the corpus is cut into chunks, equal
 * chunks are counted once, and each merge step picks the most frequent
 * adjacent pair over the distinct chunks weighted by their counts. The fast
 * trainer keeps, for every pair, its count and a list of the chunks it
 * occurs in, plus a max-heap of (count, pair) with lazy invalidation, so a
 * merge touches only the chunks that hold the merged pair. */
#include "train/tokenizer.h"
#include "common/atomic.h"
#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY_KEY UINT32_MAX /* (65535, 65535) can never be a merge: 65535 is at most PAD */

static inline uint32_t pair_key(int32_t a, int32_t b)
{
    return (uint32_t)a << 16 | (uint32_t)b;
}

/* A well-mixed 32-bit hash of a pair key (murmur3's finaliser), for masks. */
static inline uint32_t key_hash(uint32_t k)
{
    k ^= k >> 16;
    k *= 0x85ebca6bu;
    k ^= k >> 13;
    k *= 0xc2b2ae35u;
    k ^= k >> 16;
    return k;
}

/* ---- pre-tokenisation ------------------------------------------------- */

enum { CL_LETTER, CL_DIGIT, CL_SPACE, CL_OTHER };

static inline int byte_class(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
        return CL_LETTER;
    if (c >= '0' && c <= '9')
        return CL_DIGIT;
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return CL_SPACE;
    return CL_OTHER;
}

/* Returns the end (exclusive) of the chunk that starts at s[i], i < len,
 * following the rules in tokenizer.h. Always > i. */
static size_t chunk_end(const unsigned char *s, size_t len, size_t i)
{
    size_t j = i;
    int c = byte_class(s[i]);
    if (s[i] == ' ' && i + 1 < len) {
        int nc = byte_class(s[i + 1]);
        if (nc == CL_LETTER || nc == CL_OTHER) {
            c = nc;
            j = i + 1;
        }
    }
    if (c == CL_SPACE) {
        while (j < len && byte_class(s[j]) == CL_SPACE)
            j++;
        if (j < len && j - i >= 2 && s[j - 1] == ' ') {
            int nc = byte_class(s[j]);
            if (nc == CL_LETTER || nc == CL_OTHER)
                j--; /* the last space starts the next word */
        }
    } else {
        while (j < len && byte_class(s[j]) == c)
            j++;
    }
    if (j - i > TOK_MAX_CHUNK)
        j = i + TOK_MAX_CHUNK;
    return j;
}

/* ---- distinct chunks ("words") ----------------------------------------- */

/* The distinct chunks of a corpus as token sequences that shrink as merges
 * are applied. Word w lives in ids[start[w] .. start[w] + len[w]). */
typedef struct {
    int32_t *ids;      /* (total bytes of the distinct chunks) */
    size_t *start;     /* (n) */
    int32_t *len;      /* (n) current length in tokens */
    int64_t *count;    /* (n) occurrences in the corpus */
    size_t n;
} Words;

static void words_free(Words *W)
{
    free(W->ids);
    free(W->start);
    free(W->len);
    free(W->count);
    memset(W, 0, sizeof *W);
}

/* Cuts text into chunks and counts the distinct ones with an open-addressed
 * hash map; words come out in order of first occurrence (deterministic). */
static void words_build(const unsigned char *text, size_t len, Words *W)
{
    size_t n = 0, cap = 0, scap = 1024, total = 0;
    size_t *off = NULL;
    uint32_t *clen = NULL;
    int64_t *cnt = NULL;
    uint64_t *hash = NULL;
    int32_t *slot = xmalloc(scap * sizeof *slot);
    for (size_t k = 0; k < scap; k++)
        slot[k] = -1;
    for (size_t i = 0; i < len;) {
        size_t e = chunk_end(text, len, i);
        size_t l = e - i;
        uint64_t h = util_fnv1a(UTIL_FNV_INIT, text + i, l);
        size_t k = (size_t)h & (scap - 1);
        while (slot[k] >= 0) {
            int32_t c = slot[k];
            if (hash[c] == h && clen[c] == l && memcmp(text + off[c], text + i, l) == 0)
                break;
            k = (k + 1) & (scap - 1);
        }
        if (slot[k] >= 0) {
            cnt[slot[k]]++;
        } else {
            if (n == cap) {
                cap = cap ? 2 * cap : 4096;
                off = xrealloc(off, cap * sizeof *off);
                clen = xrealloc(clen, cap * sizeof *clen);
                cnt = xrealloc(cnt, cap * sizeof *cnt);
                hash = xrealloc(hash, cap * sizeof *hash);
            }
            off[n] = i;
            clen[n] = (uint32_t)l;
            cnt[n] = 1;
            hash[n] = h;
            slot[k] = (int32_t)n++;
            total += l;
            if (2 * n > scap) { /* keep the load under one half */
                free(slot);
                scap *= 2;
                slot = xmalloc(scap * sizeof *slot);
                for (size_t q = 0; q < scap; q++)
                    slot[q] = -1;
                for (size_t c = 0; c < n; c++) {
                    size_t q = (size_t)hash[c] & (scap - 1);
                    while (slot[q] >= 0)
                        q = (q + 1) & (scap - 1);
                    slot[q] = (int32_t)c;
                }
            }
        }
        i = e;
    }
    free(slot);
    W->n = n;
    W->ids = xmalloc((total ? total : 1) * sizeof *W->ids);
    W->start = xmalloc((n ? n : 1) * sizeof *W->start);
    W->len = xmalloc((n ? n : 1) * sizeof *W->len);
    W->count = xmalloc((n ? n : 1) * sizeof *W->count);
    size_t at = 0;
    for (size_t w = 0; w < n; w++) {
        W->start[w] = at;
        W->len[w] = (int32_t)clen[w];
        W->count[w] = cnt[w];
        for (uint32_t q = 0; q < clen[w]; q++)
            W->ids[at++] = text[off[w] + q];
    }
    free(off);
    free(clen);
    free(cnt);
    free(hash);
}

/* ---- pair table (training) --------------------------------------------- */

/* Every pair ever seen: an open-addressed map key -> dense index, and per
 * pair its count, the head of its list of words (nodes below; may hold
 * words that no longer contain the pair, and repeats) and a stamp used to
 * collect the pairs a merge changed. Pairs are never removed. */
typedef struct {
    uint32_t *slot_key;  /* (scap) EMPTY_KEY when free */
    int32_t *slot_idx;   /* (scap) */
    size_t scap;
    uint32_t *key;       /* (n) */
    int64_t *count;      /* (n) weighted occurrences */
    int32_t *head;       /* (n) first node of the word list, -1 when none */
    int32_t *stamp;      /* (n) last merge that marked the pair dirty */
    size_t n, cap;
    int32_t *node_word, *node_next; /* word lists, one pool */
    size_t nn, ncap;
} PairTab;

static void pairtab_init(PairTab *P, size_t scap)
{
    memset(P, 0, sizeof *P);
    P->scap = scap;
    P->slot_key = xmalloc(scap * sizeof *P->slot_key);
    P->slot_idx = xmalloc(scap * sizeof *P->slot_idx);
    for (size_t k = 0; k < scap; k++)
        P->slot_key[k] = EMPTY_KEY;
}

static void pairtab_free(PairTab *P)
{
    free(P->slot_key);
    free(P->slot_idx);
    free(P->key);
    free(P->count);
    free(P->head);
    free(P->stamp);
    free(P->node_word);
    free(P->node_next);
    memset(P, 0, sizeof *P);
}

/* Returns the dense index of key, inserting it (count 0) when absent. */
static int32_t pairtab_get(PairTab *P, uint32_t key)
{
    size_t k = key_hash(key) & (P->scap - 1);
    while (P->slot_key[k] != EMPTY_KEY) {
        if (P->slot_key[k] == key)
            return P->slot_idx[k];
        k = (k + 1) & (P->scap - 1);
    }
    if (P->n == P->cap) {
        P->cap = P->cap ? 2 * P->cap : 4096;
        P->key = xrealloc(P->key, P->cap * sizeof *P->key);
        P->count = xrealloc(P->count, P->cap * sizeof *P->count);
        P->head = xrealloc(P->head, P->cap * sizeof *P->head);
        P->stamp = xrealloc(P->stamp, P->cap * sizeof *P->stamp);
    }
    int32_t i = (int32_t)P->n++;
    P->key[i] = key;
    P->count[i] = 0;
    P->head[i] = -1;
    P->stamp[i] = -1;
    P->slot_key[k] = key;
    P->slot_idx[k] = i;
    if (2 * P->n > P->scap) {
        free(P->slot_key);
        free(P->slot_idx);
        P->scap *= 2;
        P->slot_key = xmalloc(P->scap * sizeof *P->slot_key);
        P->slot_idx = xmalloc(P->scap * sizeof *P->slot_idx);
        for (size_t q = 0; q < P->scap; q++)
            P->slot_key[q] = EMPTY_KEY;
        for (size_t j = 0; j < P->n; j++) {
            size_t q = key_hash(P->key[j]) & (P->scap - 1);
            while (P->slot_key[q] != EMPTY_KEY)
                q = (q + 1) & (P->scap - 1);
            P->slot_key[q] = P->key[j];
            P->slot_idx[q] = (int32_t)j;
        }
    }
    return i;
}

/* Adds word w to pair i's list unless it is already at the head. */
static void pairtab_add_word(PairTab *P, int32_t i, int32_t w)
{
    if (P->head[i] >= 0 && P->node_word[P->head[i]] == w)
        return;
    if (P->nn == P->ncap) {
        P->ncap = P->ncap ? 2 * P->ncap : 1 << 16;
        P->node_word = xrealloc(P->node_word, P->ncap * sizeof *P->node_word);
        P->node_next = xrealloc(P->node_next, P->ncap * sizeof *P->node_next);
    }
    P->node_word[P->nn] = w;
    P->node_next[P->nn] = P->head[i];
    P->head[i] = (int32_t)P->nn++;
}

/* ---- max-heap of (count, pair), lazily invalidated ---------------------- */

typedef struct {
    int64_t count;
    uint32_t key;
} HeapEnt;

typedef struct {
    HeapEnt *e;
    size_t n, cap;
} Heap;

/* Higher count first; on equal counts the smaller (left, right), which is
 * the smaller key. */
static inline int heap_before(HeapEnt x, HeapEnt y)
{
    return x.count > y.count || (x.count == y.count && x.key < y.key);
}

static void heap_sift_down(Heap *H, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < H->n && heap_before(H->e[l], H->e[m]))
            m = l;
        if (r < H->n && heap_before(H->e[r], H->e[m]))
            m = r;
        if (m == i)
            return;
        HeapEnt tmp = H->e[i];
        H->e[i] = H->e[m];
        H->e[m] = tmp;
        i = m;
    }
}

static void heap_push(Heap *H, int64_t count, uint32_t key)
{
    GROW(H->e, H->cap, H->n + 1);
    size_t i = H->n++;
    HeapEnt x = {count, key};
    while (i > 0 && heap_before(x, H->e[(i - 1) / 2])) {
        H->e[i] = H->e[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    H->e[i] = x;
}

static HeapEnt heap_pop(Heap *H)
{
    HeapEnt top = H->e[0];
    H->e[0] = H->e[--H->n];
    heap_sift_down(H, 0);
    return top;
}

/* ---- the fast trainer --------------------------------------------------- */

typedef struct {
    PairTab P;
    int32_t *dirty;      /* pairs whose count changed in this merge */
    size_t ndirty, dcap;
    int32_t m;           /* the current merge, for stamps */
} TrainWs;

/* Adds delta to pair (a, b)'s count, marks it dirty, and when w >= 0 records
 * that word w holds it. */
static void pair_bump(TrainWs *ws, int32_t a, int32_t b, int64_t delta, int32_t w)
{
    PairTab *P = &ws->P;
    int32_t i = pairtab_get(P, pair_key(a, b));
    P->count[i] += delta;
    if (P->stamp[i] != ws->m) {
        P->stamp[i] = ws->m;
        GROW(ws->dirty, ws->dcap, ws->ndirty + 1);
        ws->dirty[ws->ndirty++] = i;
    }
    if (w >= 0)
        pairtab_add_word(P, i, w);
}

/* Replaces every (a, b) in word w by z, left to right, updating the counts
 * of the pairs around each replacement (the pattern of HuggingFace
 * tokenizers' Word::merge): the left neighbour is read after earlier
 * replacements in this word, so "a b a b" turns (b, a) into (z, z). */
static void word_merge(TrainWs *ws, Words *W, int32_t w, int32_t a, int32_t b, int32_t z)
{
    int32_t *ids = W->ids + W->start[w];
    int32_t n = W->len[w], out = 0;
    int64_t c = W->count[w];
    for (int32_t i = 0; i < n;) {
        if (i + 1 < n && ids[i] == a && ids[i + 1] == b) {
            if (out > 0) {
                pair_bump(ws, ids[out - 1], a, -c, -1);
                pair_bump(ws, ids[out - 1], z, c, w);
            }
            if (i + 2 < n) {
                pair_bump(ws, b, ids[i + 2], -c, -1);
                pair_bump(ws, z, ids[i + 2], c, w);
            }
            pair_bump(ws, a, b, -c, -1);
            ids[out++] = z;
            i += 2;
        } else {
            ids[out++] = ids[i++];
        }
    }
    W->len[w] = out;
}

/* Learns up to n_target merges into merges; returns how many it learned
 * (fewer when no word has two tokens left). */
static int bpe_fast(Words *W, int n_target, uint16_t (*merges)[2])
{
    TrainWs ws;
    memset(&ws, 0, sizeof ws);
    pairtab_init(&ws.P, 1 << 16);
    ws.m = -1;
    PairTab *P = &ws.P;
    for (size_t w = 0; w < W->n; w++) {
        const int32_t *ids = W->ids + W->start[w];
        for (int32_t j = 0; j + 1 < W->len[w]; j++) {
            int32_t i = pairtab_get(P, pair_key(ids[j], ids[j + 1]));
            P->count[i] += W->count[w];
            pairtab_add_word(P, i, (int32_t)w);
        }
    }
    Heap H = {0};
    GROW(H.e, H.cap, P->n + 1);
    for (size_t i = 0; i < P->n; i++)
        H.e[H.n++] = (HeapEnt){P->count[i], P->key[i]};
    for (size_t i = H.n / 2; i-- > 0;)
        heap_sift_down(&H, i);
    int32_t *wstamp = xmalloc((W->n ? W->n : 1) * sizeof *wstamp);
    for (size_t w = 0; w < W->n; w++)
        wstamp[w] = -1;

    int m = 0;
    for (; m < n_target; m++) {
        int32_t best = -1;
        while (H.n > 0) {
            HeapEnt top = heap_pop(&H);
            int32_t i = pairtab_get(P, top.key);
            if (P->count[i] == top.count && top.count > 0) {
                best = i;
                break;
            }
        }
        if (best < 0)
            break; /* every word is a single token */
        uint32_t key = P->key[best];
        int32_t a = (int32_t)(key >> 16), b = (int32_t)(key & 0xffff), z = 256 + m;
        merges[m][0] = (uint16_t)a;
        merges[m][1] = (uint16_t)b;
        ws.m = m;
        ws.ndirty = 0;
        /* node indices, not pointers: word_merge may grow the node pool. */
        for (int32_t nd = P->head[best]; nd >= 0; nd = P->node_next[nd]) {
            int32_t w = P->node_word[nd];
            if (wstamp[w] == m)
                continue;
            wstamp[w] = m;
            word_merge(&ws, W, w, a, b, z);
        }
        for (size_t d = 0; d < ws.ndirty; d++) {
            int32_t i = ws.dirty[d];
            if (P->count[i] > 0)
                heap_push(&H, P->count[i], P->key[i]);
        }
    }
    free(wstamp);
    free(H.e);
    free(ws.dirty);
    pairtab_free(P);
    return m;
}

/* ---- the naive trainer (reference) ------------------------------------- */

static int bpe_naive(Words *W, int n_target, uint16_t (*merges)[2])
{
    int m = 0;
    for (; m < n_target; m++) {
        PairTab P;
        pairtab_init(&P, 1 << 10);
        for (size_t w = 0; w < W->n; w++) {
            const int32_t *ids = W->ids + W->start[w];
            for (int32_t j = 0; j + 1 < W->len[w]; j++) {
                int32_t i = pairtab_get(&P, pair_key(ids[j], ids[j + 1])); /* may grow P.count */
                P.count[i] += W->count[w];
            }
        }
        int64_t best_count = 0;
        uint32_t best_key = 0;
        for (size_t i = 0; i < P.n; i++)
            if (P.count[i] > best_count || (P.count[i] == best_count && P.key[i] < best_key)) {
                best_count = P.count[i];
                best_key = P.key[i];
            }
        pairtab_free(&P);
        if (best_count == 0)
            break;
        int32_t a = (int32_t)(best_key >> 16), b = (int32_t)(best_key & 0xffff);
        merges[m][0] = (uint16_t)a;
        merges[m][1] = (uint16_t)b;
        for (size_t w = 0; w < W->n; w++) {
            int32_t *ids = W->ids + W->start[w];
            int32_t n = W->len[w], out = 0;
            for (int32_t i = 0; i < n;) {
                if (i + 1 < n && ids[i] == a && ids[i + 1] == b) {
                    ids[out++] = 256 + m;
                    i += 2;
                } else {
                    ids[out++] = ids[i++];
                }
            }
            W->len[w] = out;
        }
    }
    return m;
}

/* ---- derived tables ------------------------------------------------------ */

static inline int32_t rank_of(const Tokenizer *t, int32_t a, int32_t b)
{
    uint32_t key = pair_key(a, b);
    size_t mask = t->rank_cap - 1, k = key_hash(key) & mask;
    while (t->rank_key[k] != EMPTY_KEY) {
        if (t->rank_key[k] == key)
            return t->rank_val[k];
        k = (k + 1) & mask;
    }
    return -1;
}

/* Given t->vocab_size, n_merges and merges, checks that the merges are
 * consistent and builds the pair -> rank map and every token's bytes.
 * what names the source in messages (a path). Returns 0, or -1 with err set
 * (t keeps what it holds; the caller frees it). */
static int tok_build(Tokenizer *t, const char *what, TlError *err)
{
    int V = t->vocab_size, M = t->n_merges;
    t->eos = V - 2;
    t->pad = V - 1;
    t->rank_cap = 16;
    while (t->rank_cap < 2 * (size_t)M)
        t->rank_cap *= 2;
    t->rank_key = xmalloc(t->rank_cap * sizeof *t->rank_key);
    t->rank_val = xmalloc(t->rank_cap * sizeof *t->rank_val);
    for (size_t k = 0; k < t->rank_cap; k++)
        t->rank_key[k] = EMPTY_KEY;
    t->tok_off = xcalloc((size_t)V, sizeof *t->tok_off);
    t->tok_len = xcalloc((size_t)V, sizeof *t->tok_len);
    size_t total = 256, cap = 4096;
    t->tok_bytes = xmalloc(cap);
    for (int i = 0; i < 256; i++) {
        t->tok_off[i] = (uint32_t)i;
        t->tok_len[i] = 1;
        t->tok_bytes[i] = (unsigned char)i;
    }
    for (int i = 0; i < M; i++) {
        int32_t a = t->merges[i][0], b = t->merges[i][1];
        if (a >= 256 + i || b >= 256 + i) {
            tlerr_set(err, "%s: merge %d (%d, %d) uses an id not yet defined (merge %d may only use ids below %d)",
                      what, i, a, b, i, 256 + i);
            return -1;
        }
        uint32_t key = pair_key(a, b);
        size_t k = key_hash(key) & (t->rank_cap - 1);
        while (t->rank_key[k] != EMPTY_KEY && t->rank_key[k] != key)
            k = (k + 1) & (t->rank_cap - 1);
        if (t->rank_key[k] == key) {
            tlerr_set(err, "%s: merge %d (%d, %d) repeats merge %d", what, i, a, b, t->rank_val[k]);
            return -1;
        }
        t->rank_key[k] = key;
        t->rank_val[k] = i;
        uint32_t la = t->tok_len[a], lb = t->tok_len[b];
        if (la + lb > TOK_MAX_CHUNK) {
            tlerr_set(err, "%s: merge %d (%d, %d) makes a token of %u bytes, longer than a chunk (%d)",
                      what, i, a, b, la + lb, TOK_MAX_CHUNK);
            return -1;
        }
        if (total + la + lb > cap) {
            cap = 2 * (total + la + lb);
            t->tok_bytes = xrealloc(t->tok_bytes, cap);
        }
        t->tok_off[256 + i] = (uint32_t)total;
        t->tok_len[256 + i] = la + lb;
        memcpy(t->tok_bytes + total, t->tok_bytes + t->tok_off[a], la);
        memcpy(t->tok_bytes + total + la, t->tok_bytes + t->tok_off[b], lb);
        total += la + lb;
    }
    return 0; /* EOS and PAD keep length 0 from calloc */
}

void tok_free(Tokenizer *t)
{
    if (!t)
        return;
    free(t->merges);
    free(t->rank_key);
    free(t->rank_val);
    free(t->tok_off);
    free(t->tok_len);
    free(t->tok_bytes);
    memset(t, 0, sizeof *t);
}

/* ---- training ------------------------------------------------------------ */

static int train_with(Tokenizer *t, const unsigned char *text, size_t len, int vocab_size,
                      TlError *err, int (*bpe)(Words *, int, uint16_t (*)[2]))
{
    memset(t, 0, sizeof *t);
    if (vocab_size < TOK_MIN_VOCAB || vocab_size > TOK_MAX_VOCAB) {
        tlerr_set(err, "tokenizer: vocab_size %d out of range [%d, %d]", vocab_size,
                  TOK_MIN_VOCAB, TOK_MAX_VOCAB);
        return -1;
    }
    Words W;
    words_build(text, len, &W);
    int target = vocab_size - TOK_MIN_VOCAB;
    t->merges = xmalloc((size_t)(target ? target : 1) * sizeof *t->merges);
    t->n_merges = bpe(&W, target, t->merges);
    t->vocab_size = TOK_MIN_VOCAB + t->n_merges;
    words_free(&W);
    if (tok_build(t, "tokenizer", err) != 0) { /* cannot happen: merges come in order */
        tok_free(t);
        return -1;
    }
    return 0;
}

int tok_train(Tokenizer *t, const unsigned char *text, size_t len, int vocab_size, TlError *err)
{
    return train_with(t, text, len, vocab_size, err, bpe_fast);
}

int tok_train_naive(Tokenizer *t, const unsigned char *text, size_t len, int vocab_size,
                    TlError *err)
{
    return train_with(t, text, len, vocab_size, err, bpe_naive);
}

/* ---- encoding ------------------------------------------------------------ */

static inline void emit(int32_t *out, size_t cap, size_t *n, int32_t id)
{
    if (*n < cap)
        out[*n] = id;
    (*n)++;
}

/* Min-heap entry for encoding: the merge rank of the pair that starts at
 * node pos. Lower rank first, then the leftmost position. */
typedef struct {
    int32_t rank;
    int32_t pos;
} RankEnt;

static inline int rank_before(RankEnt x, RankEnt y)
{
    return x.rank < y.rank || (x.rank == y.rank && x.pos < y.pos);
}

static void rank_push(RankEnt *h, int *n, RankEnt x)
{
    int i = (*n)++;
    while (i > 0 && rank_before(x, h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = x;
}

static RankEnt rank_pop(RankEnt *h, int *n)
{
    RankEnt top = h[0], x = h[--(*n)];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        RankEnt best = x;
        if (l < *n && rank_before(h[l], best)) {
            m = l;
            best = h[l];
        }
        if (r < *n && rank_before(h[r], best))
            m = r;
        if (m == i)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
    return top;
}

/* Encodes one chunk (1 .. TOK_MAX_CHUNK bytes) with a doubly linked list of
 * tokens and a min-heap of candidate merges, O(n log n): entries are checked
 * when popped (the node may be gone or its pair changed). Every pair a merge
 * creates has a higher rank than the merge itself, so popping in (rank,
 * position) order applies merges by rank, equal pairs left to right. */
static void encode_chunk(const Tokenizer *t, const unsigned char *s, int n, int32_t *out,
                         size_t cap, size_t *nout)
{
    if (n == 1) {
        emit(out, cap, nout, s[0]);
        return;
    }
    int32_t tok[TOK_MAX_CHUNK];
    int16_t next[TOK_MAX_CHUNK], prev[TOK_MAX_CHUNK];
    RankEnt heap[3 * TOK_MAX_CHUNK];
    int nh = 0;
    for (int i = 0; i < n; i++) {
        tok[i] = s[i];
        next[i] = (int16_t)(i + 1 < n ? i + 1 : -1);
        prev[i] = (int16_t)(i - 1);
    }
    if (t->n_merges > 0)
        for (int i = 0; i + 1 < n; i++) {
            int32_t r = rank_of(t, tok[i], tok[i + 1]);
            if (r >= 0)
                rank_push(heap, &nh, (RankEnt){r, i});
        }
    while (nh > 0) {
        RankEnt e = rank_pop(heap, &nh);
        int p = e.pos;
        if (tok[p] < 0 || next[p] < 0 || rank_of(t, tok[p], tok[next[p]]) != e.rank)
            continue;
        int q = next[p];
        tok[p] = 256 + e.rank;
        tok[q] = -1;
        next[p] = next[q];
        if (next[q] >= 0)
            prev[next[q]] = (int16_t)p;
        if (prev[p] >= 0) {
            int32_t r = rank_of(t, tok[prev[p]], tok[p]);
            if (r >= 0)
                rank_push(heap, &nh, (RankEnt){r, prev[p]});
        }
        if (next[p] >= 0) {
            int32_t r = rank_of(t, tok[p], tok[next[p]]);
            if (r >= 0)
                rank_push(heap, &nh, (RankEnt){r, p});
        }
    }
    for (int i = 0; i >= 0; i = next[i])
        emit(out, cap, nout, tok[i]);
}

size_t tok_encode(const Tokenizer *t, const unsigned char *text, size_t len, int32_t *out,
                  size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t e = chunk_end(text, len, i);
        encode_chunk(t, text + i, (int)(e - i), out, cap, &n);
        i = e;
    }
    return n;
}

size_t tok_encode_naive(const Tokenizer *t, const unsigned char *text, size_t len, int32_t *out,
                        size_t cap)
{
    size_t n = 0;
    int32_t tok[TOK_MAX_CHUNK];
    for (size_t i = 0; i < len;) {
        size_t e = chunk_end(text, len, i);
        int m = (int)(e - i);
        for (int k = 0; k < m; k++)
            tok[k] = text[i + k];
        for (;;) {
            int32_t best = -1;
            for (int k = 0; k + 1 < m; k++) {
                int32_t r = rank_of(t, tok[k], tok[k + 1]);
                if (r >= 0 && (best < 0 || r < best))
                    best = r;
            }
            if (best < 0)
                break;
            int32_t a = t->merges[best][0], b = t->merges[best][1], o = 0;
            for (int k = 0; k < m;) {
                if (k + 1 < m && tok[k] == a && tok[k + 1] == b) {
                    tok[o++] = 256 + best;
                    k += 2;
                } else {
                    tok[o++] = tok[k++];
                }
            }
            m = o;
        }
        for (int k = 0; k < m; k++)
            emit(out, cap, &n, tok[k]);
        i = e;
    }
    return n;
}

/* ---- decoding ------------------------------------------------------------ */

size_t tok_decode(const Tokenizer *t, const int32_t *ids, size_t n, unsigned char *out,
                  size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        if (id < 0 || id >= t->vocab_size)
            continue;
        uint32_t l = t->tok_len[id];
        const unsigned char *src = t->tok_bytes + t->tok_off[id];
        if (len + l <= cap) {
            memcpy(out + len, src, l);
        } else if (len < cap) {
            memcpy(out + len, src, cap - len);
        }
        len += l;
    }
    return len;
}

/* ---- the file ------------------------------------------------------------ */

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The merge table as stored: (left, right) as uint16 little-endian each. */
static void merge_bytes(const Tokenizer *t, int i, unsigned char b[4])
{
    b[0] = (unsigned char)t->merges[i][0];
    b[1] = (unsigned char)(t->merges[i][0] >> 8);
    b[2] = (unsigned char)t->merges[i][1];
    b[3] = (unsigned char)(t->merges[i][1] >> 8);
}

uint64_t tok_hash(const Tokenizer *t)
{
    uint64_t h = UTIL_FNV_INIT;
    unsigned char b[4];
    for (int i = 0; i < t->n_merges; i++) {
        merge_bytes(t, i, b);
        h = util_fnv1a(h, b, 4);
    }
    return h;
}

int tok_save(const Tokenizer *t, const char *path, TlError *err)
{
    AtomicFile *af = atomic_open(path);
    unsigned char hdr[16];
    memcpy(hdr, TOK_MAGIC, 8);
    put_u32(hdr + 8, TOK_VERSION);
    put_u32(hdr + 12, (uint32_t)t->vocab_size);
    int ok = fwrite(hdr, 1, sizeof hdr, af->fp) == sizeof hdr;
    for (int i = 0; ok && i < t->n_merges; i++) {
        unsigned char b[4];
        merge_bytes(t, i, b);
        ok = fwrite(b, 1, 4, af->fp) == 4;
    }
    if (!ok) {
        tlerr_set(err, "%s: cannot write the tokenizer: %s", path, strerror(errno));
        atomic_abort(af);
        return -1;
    }
    if (atomic_commit(af) != 0) {
        tlerr_set(err, "%s: cannot write the tokenizer", path);
        return -1;
    }
    return 0;
}

int tok_load(Tokenizer *t, const char *path, TlError *err)
{
    memset(t, 0, sizeof *t);
    size_t len;
    unsigned char *buf = (unsigned char *)util_read_file(path, &len);
    if (!buf) {
        tlerr_set(err, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    int rc = -1;
    if (len < 8 ? memcmp(buf, TOK_MAGIC, len) != 0 : memcmp(buf, TOK_MAGIC, 8) != 0) {
        tlerr_set(err, "%s: not a tldrlab tokenizer", path);
        goto done;
    }
    if (len < 16) {
        tlerr_set(err, "%s: truncated tokenizer file (%zu bytes, expected at least 16)", path, len);
        goto done;
    }
    uint32_t version = get_u32(buf + 8), vocab = get_u32(buf + 12);
    if (version != TOK_VERSION) {
        tlerr_set(err, "%s: tokenizer version %u, this build reads version %u", path, version,
                  TOK_VERSION);
        goto done;
    }
    if (vocab < TOK_MIN_VOCAB || vocab > TOK_MAX_VOCAB) {
        tlerr_set(err, "%s: vocab_size %u out of range [%d, %d]", path, vocab, TOK_MIN_VOCAB,
                  TOK_MAX_VOCAB);
        goto done;
    }
    size_t M = vocab - TOK_MIN_VOCAB, want = 16 + 4 * M;
    if (len < want) {
        tlerr_set(err, "%s: truncated tokenizer file (%zu bytes, expected %zu)", path, len, want);
        goto done;
    }
    if (len > want) {
        tlerr_set(err, "%s: %zu trailing bytes after the merges (expected %zu bytes)", path,
                  len - want, want);
        goto done;
    }
    t->vocab_size = (int)vocab;
    t->n_merges = (int)M;
    t->merges = xmalloc((M ? M : 1) * sizeof *t->merges);
    for (size_t i = 0; i < M; i++) {
        const unsigned char *p = buf + 16 + 4 * i;
        t->merges[i][0] = (uint16_t)(p[0] | p[1] << 8);
        t->merges[i][1] = (uint16_t)(p[2] | p[3] << 8);
    }
    rc = tok_build(t, path, err);
done:
    free(buf);
    if (rc != 0)
        tok_free(t);
    return rc;
}
