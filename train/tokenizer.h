/* tokenizer.h — a byte-level BPE tokenizer: trained on a text corpus,
 * encode/decode that round-trip exactly on any bytes, two special tokens
 * (EOS, PAD), saved with a magic number and a version.
 *
 * Token ids:
 *   0 .. 255                   the single bytes
 *   256 .. 256+n_merges-1      merge i makes id 256+i = merges[i][0] ++ merges[i][1]
 *   vocab_size-2               EOS (end of sequence), decodes to nothing
 *   vocab_size-1               PAD (padding), decodes to nothing
 * so vocab_size = 256 + n_merges + 2 always.
 *
 * Pre-tokenisation (training and encoding alike; merges never cross a chunk
 * boundary). Byte classes: letter = A-Z, a-z or any byte >= 0x80 (so UTF-8
 * words stay whole); digit = 0-9; space = ' ', \t, \n, \v, \f, \r; other =
 * every remaining byte (punctuation, control bytes, NUL). A chunk is
 *   - ' ' followed by a run of letters, or a run of letters;
 *   - a run of digits;
 *   - ' ' followed by a run of other bytes, or a run of other bytes;
 *   - a run of spaces; when such a run is longer than one byte, ends with
 *     ' ' and is followed by a letter or an other byte, that last ' ' is
 *     left to start the next chunk (GPT-2's \s+(?!\S)).
 * Every chunk is cut at TOK_MAX_CHUNK bytes, which bounds the work per chunk
 * on degenerate input (a megabyte of '=').
 *
 * File format (little-endian), version 1:
 *   8 bytes   magic "TLDRTOK\0"
 *   uint32    version = 1
 *   uint32    vocab_size (258 .. 65536)
 *   n_merges = vocab_size - 258 pairs of uint16 (left id, right id), merge
 *             order; merge i may only use ids < 256 + i
 *   nothing after (trailing bytes are refused).
 * tok_hash is FNV-1a 64 over the merge pairs exactly as stored (the file's
 * bytes from offset 16 to the end), so other tools can recompute it. */
#ifndef TL_TOKENIZER_H
#define TL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define TOK_MAGIC "TLDRTOK\0"
#define TOK_VERSION 1u
#define TOK_MIN_VOCAB 258
#define TOK_MAX_VOCAB 65536
#define TOK_MAX_CHUNK 256 /* bytes; longer runs are cut into pieces */

/* A trained tokenizer. Caller-owned: zero it (or leave it from tok_free)
 * before tok_train/tok_load, release it with tok_free. Read-only after
 * that, so several threads may encode/decode with one tokenizer. */
typedef struct {
    int vocab_size;         /* 256 + n_merges + 2 */
    int n_merges;
    int32_t eos, pad;       /* vocab_size-2, vocab_size-1 */
    uint16_t (*merges)[2];  /* (n_merges, 2): left, right of merge i */
    /* Derived tables, built by tok_train/tok_load: */
    uint32_t *rank_key;     /* (rank_cap) open-addressed pair -> merge map; */
    int32_t *rank_val;      /*   key (left<<16 | right), UINT32_MAX when empty */
    size_t rank_cap;        /*   a power of two */
    uint32_t *tok_off;      /* (vocab_size) offset of each token's bytes in tok_bytes */
    uint32_t *tok_len;      /* (vocab_size) length in bytes (0 for EOS, PAD) */
    unsigned char *tok_bytes;
} Tokenizer;

/* Trains byte-level BPE on text[0..len) to vocab_size ids (258 .. 65536,
 * including the 256 bytes, EOS and PAD). Distinct chunks are counted, then
 * the most frequent adjacent pair over all chunks (weighted by chunk count)
 * is merged, repeatedly; ties go to the smallest (left id, right id). Pair
 * counts are updated incrementally, only in the chunks that hold the merged
 * pair.
 * When the corpus runs out of pairs (every chunk already a single token)
 * before vocab_size is reached, training stops there and t->vocab_size is
 * smaller than asked: 258 + the merges learned (EOS and PAD stay the last
 * two ids). Callers size their models from t->vocab_size.
 * Returns 0, or -1 with err set (vocab_size out of range); t is then left
 * zeroed. */
int tok_train(Tokenizer *t, const unsigned char *text, size_t len, int vocab_size, TlError *err);

/* Encodes text[0..len) to ids: pre-tokenises, then within each chunk applies
 * merges by rank (lowest first; equal pairs left to right). Writes at most
 * cap ids to out (out may be NULL when cap is 0) and returns the number of
 * ids the whole text takes, which may exceed cap: call with cap 0 to size a
 * buffer. Adds no EOS: append t->eos yourself. */
size_t tok_encode(const Tokenizer *t, const unsigned char *text, size_t len, int32_t *out,
                  size_t cap);

/* Decodes ids to bytes. EOS, PAD and ids outside [0, vocab_size) decode to
 * nothing. Writes at most cap bytes (out may be NULL when cap is 0) and
 * returns the number of bytes the whole decoding takes. No NUL is added. */
size_t tok_decode(const Tokenizer *t, const int32_t *ids, size_t n, unsigned char *out,
                  size_t cap);

/* Writes t to path (format above) through atomic_open/atomic_commit.
 * Returns 0, or -1 with err set. */
int tok_save(const Tokenizer *t, const char *path, TlError *err);

/* Reads a tokenizer written by tok_save into t (zeroed or freed before).
 * Refuses, with a message that starts with the path, a file that cannot be
 * read, a wrong magic ("not a tldrlab tokenizer"), another version, a
 * vocab_size out of range, a truncated file, trailing bytes, or merges that
 * are inconsistent (an id not yet defined, a pair merged twice). Returns 0,
 * or -1 with err set and t left zeroed. */
int tok_load(Tokenizer *t, const char *path, TlError *err);

/* FNV-1a 64 of the merge table as stored in the file (see above); for
 * checkpoints to record which tokenizer they were trained with. */
uint64_t tok_hash(const Tokenizer *t);

/* Releases everything t holds and zeroes it; accepts a zeroed struct. */
void tok_free(Tokenizer *t);

/* Naive reference kernels, kept beside the fast ones (STYLE.md rule 10);
 * tests keep each pair in agreement. tok_train_naive recounts every pair
 * over every distinct chunk for each merge (slow: small corpora only);
 * tok_encode_naive rescans a chunk for its lowest-rank pair after each
 * merge. Same contracts as tok_train and tok_encode. */
int tok_train_naive(Tokenizer *t, const unsigned char *text, size_t len, int vocab_size,
                    TlError *err);
size_t tok_encode_naive(const Tokenizer *t, const unsigned char *text, size_t len, int32_t *out,
                        size_t cap);

#endif
