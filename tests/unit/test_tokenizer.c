/* test_tokenizer.c — the byte-level BPE tokenizer: merges worked out by
 * hand, the fast trainer and encoder against their naive references,
 * round trips on any bytes, EOS/PAD, the vocabulary size, the file format
 * and its refusals. */
#include "tests/unit/test.h"
#include "common/rng.h"
#include "train/tokenizer.h"

#include <stdlib.h>

/* A pseudo-English corpus of about n bytes: words from syllables, some
 * capitalised, numbers, punctuation, newlines and runs of spaces, drawn
 * from an explicit seed. The caller frees it. */
static unsigned char *make_corpus(size_t n, uint64_t seed)
{
    static const char *syl[] = {"th", "e", "an", "in", "re", "ing", "ou", "st", "a", "o",
                                "my", "gf", "ed", "ly", "er", "b", "k", "w", "caf\xc3\xa9", "x"};
    static const char *punct[] = {".", ",", "!", "?!", "\"", "'s", " (", ") ", ":", "--"};
    gsl_rng *r = rng_alloc(seed);
    unsigned char *s = malloc(n + 64);
    size_t at = 0;
    while (at < n) {
        unsigned long k = gsl_rng_uniform_int(r, 20);
        if (k == 0) {
            at += (size_t)snprintf((char *)s + at, 64, "%lu", gsl_rng_uniform_int(r, 5000));
        } else if (k == 1) {
            const char *p = punct[gsl_rng_uniform_int(r, 10)];
            memcpy(s + at, p, strlen(p));
            at += strlen(p);
        } else if (k == 2) {
            s[at++] = gsl_rng_uniform_int(r, 3) ? '\n' : '\t';
        } else {
            int nsyl = 1 + (int)gsl_rng_uniform_int(r, 3);
            for (int i = 0; i < nsyl; i++) {
                const char *p = syl[gsl_rng_uniform_int(r, 20)];
                memcpy(s + at, p, strlen(p));
                if (i == 0 && gsl_rng_uniform_int(r, 8) == 0 && s[at] >= 'a' && s[at] <= 'z')
                    s[at] = (unsigned char)(s[at] - 'a' + 'A');
                at += strlen(p);
            }
        }
        s[at++] = ' ';
        if (gsl_rng_uniform_int(r, 30) == 0)
            s[at++] = ' ';
    }
    rng_free(r);
    return s;
}

/* Encodes and decodes text[0..len) with both encoders; checks that they
 * agree, that the count-only call (cap 0) gives the same length, and that
 * decoding gives the bytes back exactly. */
static void check_round_trip(const Tokenizer *t, const unsigned char *text, size_t len,
                             const char *what)
{
    int32_t *ids = malloc((len + 1) * sizeof *ids), *ids2 = malloc((len + 1) * sizeof *ids2);
    unsigned char *back = malloc(len + 1);
    size_t n = tok_encode(t, text, len, ids, len + 1);
    CHECK(n <= len, "%s: %zu tokens for %zu bytes", what, n, len);
    CHECK_INT(tok_encode(t, text, len, NULL, 0), n, "token count with cap 0");
    size_t n2 = tok_encode_naive(t, text, len, ids2, len + 1);
    CHECK(n2 == n && memcmp(ids, ids2, n * sizeof *ids) == 0,
          "%s: fast and naive encoders disagree (%zu vs %zu tokens)", what, n, n2);
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= t->eos) {
            CHECK(0, "%s: id %d at %zu outside [0, %d)", what, ids[i], i, t->eos);
            break;
        }
    size_t m = tok_decode(t, ids, n, back, len + 1);
    CHECK(m == len && memcmp(back, text, len) == 0, "%s: decode(encode(x)) != x (%zu vs %zu bytes)",
          what, m, len);
    free(ids);
    free(ids2);
    free(back);
}

/* The merge i as "(left, right)". */
static void check_merge(const Tokenizer *t, int i, int left, int right)
{
    CHECK(i < t->n_merges && t->merges[i][0] == left && t->merges[i][1] == right,
          "merge %d: expected (%d, %d), got (%d, %d)", i, left, right,
          i < t->n_merges ? t->merges[i][0] : -1, i < t->n_merges ? t->merges[i][1] : -1);
}

/* "aaab aaab" is the chunks "aaab" and " aaab". By hand:
 *   counts (a,a)=4 (a,b)=2 (' ',a)=1                -> merge 0: (a, a) = 256
 *   words [256 a b], [' ' 256 a b]: (256,a)=2 (a,b)=2 (' ',256)=1
 *     tie at 2, smallest (left, right) is (97, 98)  -> merge 1: (a, b) = 257
 *   words [256 257], [' ' 256 257]: (256,257)=2     -> merge 2: (256, 257) = 258
 *   words [258], [' ' 258]                          -> merge 3: (' ', 258) = 259
 *   then no pairs are left: training stops at 4 merges, vocab 262. */
void test_tokenizer_hand_merges(void)
{
    Tokenizer t = {0};
    TlError err;
    const char *text = "aaab aaab";
    CHECK_INT(tok_train(&t, (const unsigned char *)text, strlen(text), 300, &err), 0, "train");
    CHECK_INT(t.n_merges, 4, "merges learned before the corpus runs out of pairs");
    CHECK_INT(t.vocab_size, 262, "vocab_size shrinks to 258 + merges");
    check_merge(&t, 0, 'a', 'a');
    check_merge(&t, 1, 'a', 'b');
    check_merge(&t, 2, 256, 257);
    check_merge(&t, 3, ' ', 258);
    CHECK_INT(t.eos, 260, "EOS is vocab_size - 2");
    CHECK_INT(t.pad, 261, "PAD is vocab_size - 1");
    int32_t ids[16];
    CHECK_INT(tok_encode(&t, (const unsigned char *)"aaab", 4, ids, 16), 1, "\"aaab\" is one token");
    CHECK_INT(ids[0], 258, "\"aaab\"");
    CHECK_INT(tok_encode(&t, (const unsigned char *)"aaaa", 4, ids, 16), 2, "\"aaaa\" tokens");
    CHECK(ids[0] == 256 && ids[1] == 256, "\"aaaa\": expected 256 256, got %d %d", ids[0], ids[1]);
    /* "aaa": (a, a) applies left to right, leaving [256, a]. */
    CHECK_INT(tok_encode(&t, (const unsigned char *)"aaa", 3, ids, 16), 2, "\"aaa\" tokens");
    CHECK(ids[0] == 256 && ids[1] == 'a', "\"aaa\": expected 256 97, got %d %d", ids[0], ids[1]);
    tok_free(&t);

    /* Merges never cross chunks: letters and digits alternate, so every
     * chunk is one byte and nothing is learned; a space joins the letters
     * after it but not before, so "a a a a" learns only (' ', a). */
    CHECK_INT(tok_train(&t, (const unsigned char *)"a1b2a1b2a1", 10, 300, &err), 0, "train");
    CHECK_INT(t.n_merges, 0, "merges over alternating letters and digits");
    CHECK_INT(t.vocab_size, 258, "vocab_size with no merges");
    tok_free(&t);
    CHECK_INT(tok_train(&t, (const unsigned char *)"a a a a", 7, 300, &err), 0, "train");
    CHECK_INT(t.n_merges, 1, "merges of \"a a a a\"");
    check_merge(&t, 0, ' ', 'a');
    tok_free(&t);
    /* A run of spaces keeps its last space for the next word: "x   y" is
     * "x", "  ", " y", so (' ', ' ') and (' ', y) tie at 1 and (' ', ' ')
     * (32, 32) comes first. */
    CHECK_INT(tok_train(&t, (const unsigned char *)"x   y", 5, 300, &err), 0, "train");
    CHECK_INT(t.n_merges, 2, "merges of \"x   y\"");
    check_merge(&t, 0, ' ', ' ');
    check_merge(&t, 1, ' ', 'y');
    tok_free(&t);
}

/* The incremental trainer learns exactly the merges of the naive one, on
 * text and on inputs full of overlapping runs ("aaaa", "abab"). */
void test_tokenizer_fast_matches_naive(void)
{
    size_t n = 12000;
    unsigned char *text = make_corpus(n, 7);
    const char *runs = "aaaa aaa abab ababab aaaaaaa bbbbbb abba aab aab aaab  \n\n\n ba ba bab "
                       "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz aaaaabbbbbaaaaa ====== ...... 1111 ";
    struct {
        const unsigned char *s;
        size_t len;
        int vocab;
        const char *what;
    } cases[] = {
        {text, n, 700, "pseudo-English"},
        {(const unsigned char *)runs, strlen(runs), 400, "runs"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        Tokenizer a = {0}, b = {0};
        TlError err;
        CHECK_INT(tok_train(&a, cases[c].s, cases[c].len, cases[c].vocab, &err), 0, "fast train");
        CHECK_INT(tok_train_naive(&b, cases[c].s, cases[c].len, cases[c].vocab, &err), 0,
                  "naive train");
        CHECK(a.n_merges == b.n_merges &&
                  memcmp(a.merges, b.merges, (size_t)a.n_merges * sizeof *a.merges) == 0,
              "%s: fast trainer learned %d merges, naive %d, or they differ", cases[c].what,
              a.n_merges, b.n_merges);
        check_round_trip(&a, cases[c].s, cases[c].len, cases[c].what);
        tok_free(&a);
        tok_free(&b);
    }
    free(text);
}

/* Round trips on text never seen in training, on random bytes (every byte
 * value, NUL, invalid UTF-8), on long runs cut at TOK_MAX_CHUNK, and on
 * the empty string; the fast and naive encoders agree on all of them. */
void test_tokenizer_round_trip(void)
{
    size_t n = 20000;
    unsigned char *train = make_corpus(n, 1), *unseen = make_corpus(n, 2);
    Tokenizer t = {0};
    TlError err;
    CHECK_INT(tok_train(&t, train, n, 1000, &err), 0, "train");
    check_round_trip(&t, train, n, "training text");
    check_round_trip(&t, unseen, n, "unseen text");
    int32_t ids[8];
    size_t fits = tok_encode(&t, train, n, ids, 8);
    CHECK(fits > 8, "a long text takes more than 8 tokens, got %zu", fits);

    gsl_rng *r = rng_alloc(3);
    size_t nb = 30000;
    unsigned char *bytes = malloc(nb);
    for (size_t i = 0; i < nb; i++)
        bytes[i] = (unsigned char)(i < 256 ? i : gsl_rng_uniform_int(r, 256));
    rng_free(r);
    check_round_trip(&t, bytes, nb, "random bytes");

    unsigned char *runs = malloc(3000);
    memset(runs, '=', 1000);
    memset(runs + 1000, ' ', 1000);
    memset(runs + 2000, 'a', 1000);
    check_round_trip(&t, runs, 3000, "1000-byte runs");
    check_round_trip(&t, (const unsigned char *)"", 0, "empty text");
    CHECK_INT(tok_encode(&t, (const unsigned char *)"", 0, NULL, 0), 0, "tokens of \"\"");

    /* A decode buffer that is too small gets a prefix and the full length. */
    int32_t hello[64];
    size_t k = tok_encode(&t, (const unsigned char *)"the caf\xc3\xa9", 9, hello, 64);
    unsigned char small[4];
    CHECK_INT(tok_decode(&t, hello, k, small, sizeof small), 9, "decoded length past cap");
    CHECK(memcmp(small, "the ", 4) == 0, "decode prefix: expected \"the \", got \"%.4s\"", small);
    tok_free(&t);
    free(train);
    free(unseen);
    free(bytes);
    free(runs);
}

/* EOS and PAD are the last two ids and decode to nothing; the vocabulary
 * reaches the size asked when the corpus has pairs enough; sizes out of
 * range are refused. */
void test_tokenizer_special_ids_and_vocab(void)
{
    size_t n = 20000;
    unsigned char *text = make_corpus(n, 4);
    Tokenizer t = {0};
    TlError err;
    CHECK_INT(tok_train(&t, text, n, 512, &err), 0, "train");
    CHECK_INT(t.vocab_size, 512, "vocab_size reached");
    CHECK_INT(t.n_merges, 512 - 258, "merges");
    CHECK_INT(t.eos, 510, "EOS id");
    CHECK_INT(t.pad, 511, "PAD id");
    int32_t ids[] = {t.eos, 'h', 'i', t.pad, t.pad, t.eos, -1, 512};
    unsigned char out[16];
    size_t m = tok_decode(&t, ids, sizeof ids / sizeof ids[0], out, sizeof out);
    CHECK(m == 2 && memcmp(out, "hi", 2) == 0, "EOS/PAD/out-of-range decode to nothing: got %zu bytes", m);
    tok_free(&t);
    CHECK_INT(tok_train(&t, text, n, 258, &err), 0, "train to the smallest vocab");
    CHECK_INT(t.n_merges, 0, "merges at vocab 258");
    CHECK_INT(t.eos, 256, "EOS id at vocab 258");
    tok_free(&t);
    CHECK_INT(tok_train(&t, text, n, 257, &err), -1, "vocab 257 is refused");
    CHECK_STR(err.msg, "tokenizer: vocab_size 257 out of range [258, 65536]", "message");
    CHECK_INT(tok_train(&t, text, n, 65537, &err), -1, "vocab 65537 is refused");
    tok_free(&t); /* a zeroed struct */
    free(text);
}

/* The same corpus gives the same merges and hash; another corpus another
 * hash. */
void test_tokenizer_deterministic(void)
{
    size_t n = 15000;
    unsigned char *text = make_corpus(n, 5), *other = make_corpus(n, 6);
    Tokenizer a = {0}, b = {0}, c = {0};
    TlError err;
    CHECK_INT(tok_train(&a, text, n, 600, &err), 0, "train a");
    CHECK_INT(tok_train(&b, text, n, 600, &err), 0, "train b");
    CHECK_INT(tok_train(&c, other, n, 600, &err), 0, "train c");
    CHECK(a.n_merges == b.n_merges &&
              memcmp(a.merges, b.merges, (size_t)a.n_merges * sizeof *a.merges) == 0,
          "two trainings on one corpus differ");
    CHECK(tok_hash(&a) == tok_hash(&b), "equal tokenizers, different hashes");
    CHECK(tok_hash(&a) != tok_hash(&c), "different corpora, equal hashes");
    tok_free(&a);
    tok_free(&b);
    tok_free(&c);
    free(text);
    free(other);
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(1 << 16);
    *n = f ? fread(b, 1, 1 << 16, f) : 0;
    if (f)
        fclose(f);
    return b;
}

/* Save and load give the same tokenizer; the file is the documented bytes;
 * a wrong magic, another version, a truncated file, trailing bytes and
 * inconsistent merges are refused with these exact messages. */
void test_tokenizer_save_load(void)
{
    size_t n = 10000;
    unsigned char *text = make_corpus(n, 8);
    Tokenizer t = {0}, u = {0};
    TlError err;
    CHECK_INT(tok_train(&t, text, n, 300, &err), 0, "train");
    char path[512], bad[512];
    snprintf(path, sizeof path, "%s/tok.bin", t_tmpdir());
    snprintf(bad, sizeof bad, "%s/bad.bin", t_tmpdir());
    CHECK_INT(tok_save(&t, path, &err), 0, "save");
    CHECK_INT(tok_load(&u, path, &err), 0, "load");
    CHECK_INT(u.vocab_size, t.vocab_size, "vocab_size after load");
    CHECK(u.n_merges == t.n_merges &&
              memcmp(u.merges, t.merges, (size_t)t.n_merges * sizeof *t.merges) == 0,
          "merges differ after load");
    CHECK(tok_hash(&u) == tok_hash(&t), "hash differs after load");
    check_round_trip(&u, text, n, "loaded tokenizer");
    tok_free(&u);

    size_t len;
    unsigned char *file = read_bytes(path, &len);
    CHECK_INT(len, 16 + 4 * 42, "file size: header + 42 merges of 2 uint16");
    CHECK(memcmp(file, "TLDRTOK\0\1\0\0\0\x2c\1\0\0", 16) == 0, "header bytes (magic, 1, 300)");
    CHECK(file[16] == t.merges[0][0] && file[17] == 0 && file[18] == t.merges[0][1] && file[19] == 0,
          "first merge stored as two uint16 little-endian");

    char want[1200];
    unsigned char *copy = malloc(len + 4);

    memcpy(copy, file, len);
    copy[3] = 'X';
    write_bytes(bad, copy, len);
    CHECK_INT(tok_load(&u, bad, &err), -1, "wrong magic is refused");
    snprintf(want, sizeof want, "%s: not a tldrlab tokenizer", bad);
    CHECK_STR(err.msg, want, "wrong magic message");
    CHECK(u.merges == NULL && u.vocab_size == 0, "a refused load leaves the struct zeroed");

    memcpy(copy, file, len);
    copy[8] = 2;
    write_bytes(bad, copy, len);
    CHECK_INT(tok_load(&u, bad, &err), -1, "version 2 is refused");
    snprintf(want, sizeof want, "%s: tokenizer version 2, this build reads version 1", bad);
    CHECK_STR(err.msg, want, "version message");

    write_bytes(bad, file, len - 3);
    CHECK_INT(tok_load(&u, bad, &err), -1, "truncated merges are refused");
    snprintf(want, sizeof want, "%s: truncated tokenizer file (%zu bytes, expected %zu)", bad,
             len - 3, len);
    CHECK_STR(err.msg, want, "truncated message");

    write_bytes(bad, file, 12);
    CHECK_INT(tok_load(&u, bad, &err), -1, "truncated header is refused");
    snprintf(want, sizeof want, "%s: truncated tokenizer file (12 bytes, expected at least 16)", bad);
    CHECK_STR(err.msg, want, "truncated header message");

    write_bytes(bad, file, 0);
    CHECK_INT(tok_load(&u, bad, &err), -1, "an empty file is refused");
    snprintf(want, sizeof want, "%s: truncated tokenizer file (0 bytes, expected at least 16)", bad);
    CHECK_STR(err.msg, want, "empty file message");

    memcpy(copy, file, len);
    memcpy(copy + len, "junk", 4);
    write_bytes(bad, copy, len + 4);
    CHECK_INT(tok_load(&u, bad, &err), -1, "trailing bytes are refused");
    snprintf(want, sizeof want, "%s: 4 trailing bytes after the merges (expected %zu bytes)", bad, len);
    CHECK_STR(err.msg, want, "trailing bytes message");

    memcpy(copy, file, len);
    copy[16 + 4 * 5] = 0x2c; /* merge 5's left id becomes 300 */
    copy[16 + 4 * 5 + 1] = 1;
    write_bytes(bad, copy, len);
    CHECK_INT(tok_load(&u, bad, &err), -1, "an undefined id is refused");
    snprintf(want, sizeof want,
             "%s: merge 5 (300, %d) uses an id not yet defined (merge 5 may only use ids below 261)",
             bad, t.merges[5][1]);
    CHECK_STR(err.msg, want, "undefined id message");

    memcpy(copy, file, len);
    memcpy(copy + 16 + 4 * 7, file + 16 + 4 * 2, 4); /* merge 7 repeats merge 2 */
    write_bytes(bad, copy, len);
    CHECK_INT(tok_load(&u, bad, &err), -1, "a repeated merge is refused");
    snprintf(want, sizeof want, "%s: merge 7 (%d, %d) repeats merge 2", bad, t.merges[2][0],
             t.merges[2][1]);
    CHECK_STR(err.msg, want, "repeated merge message");

    snprintf(want, sizeof want, "%s/absent.bin", t_tmpdir());
    CHECK_INT(tok_load(&u, want, &err), -1, "a missing file is refused");
    CHECK(strstr(err.msg, "absent.bin: cannot read: ") != NULL, "missing file message: got %s", err.msg);

    tok_free(&u);
    tok_free(&t);
    free(file);
    free(copy);
    free(text);
}
