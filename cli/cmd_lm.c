/* cmd_lm.c — `tldrlab lm-train`, `lm-sample` and `lm-dump`: a language
 * model trained on a text or JSON-lines corpus with the GPT engine. */
#include "cli/cli.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/rng.h"
#include "common/tlmpi.h"
#include "common/util.h"
#include "train/gpt.h"
#include "train/stage.h"
#include "train/tokenizer.h"
#include "world/world.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the corpus ---- */

/* Documents of path: a JSON-lines file (.jsonl or .json, or a file that
 * is not .txt and starts with '{'; its text, post or article fields) or
 * plain text (one document). Appends the
 * documents to text, separated by NUL bytes; returns how many. */
static size_t read_corpus(CliOpts *o, const char *path, StrBuf *text)
{
    size_t len;
    long long_line;
    char *raw = util_read_text(path, &len, tl_max_line(), &long_line);
    if (!raw && errno == EFBIG) {
        TlError err;
        tl_line_too_long(&err, path, long_line);
        cli_input_error(&err);
    }
    if (!raw)
        tl_die(TL_EXIT_INPUT, "%s: cannot read the training data: %s", path, strerror(errno));
    const char *p = raw;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    size_t docs = 0, plen = strlen(path);
    int jsonl = (plen > 6 && strcmp(path + plen - 6, ".jsonl") == 0) || (plen > 5 && strcmp(path + plen - 5, ".json") == 0) ||
                ((plen <= 4 || strcmp(path + plen - 4, ".txt") != 0) && *p == '{');
    if (!jsonl) {
        sb_addn(text, raw, len);
        free(raw);
        return len ? 1 : 0;
    }
    free(raw);
    JsonlReader rd;
    TlError err;
    if (jsonl_open(&rd, path, &err) != 0)
        cli_input_error(&err);
    cJSON *j;
    int rc;
    static const char *const FIELDS[] = {"text", "post", "article"};
    while ((rc = jsonl_next(&rd, &j, &err)) == 1) {
        const cJSON *f = NULL;
        for (int k = 0; k < 3 && !f; k++) {
            f = cJSON_GetObjectItemCaseSensitive(j, FIELDS[k]);
            if (f && !cJSON_IsString(f)) {
                tlerr_input(&err, rd.name, rd.line, FIELDS[k], "expected a string");
                cJSON_Delete(j);
                jsonl_close(&rd);
                cli_input_error(&err);
            }
        }
        if (!f) {
            tlerr_input(&err, rd.name, rd.line, "text", "no text, post or article field");
            cJSON_Delete(j);
            jsonl_close(&rd);
            cli_input_error(&err);
        }
        sb_add(text, f->valuestring);
        sb_addn(text, "", 1); /* a NUL between documents */
        docs++;
        cJSON_Delete(j);
    }
    jsonl_close(&rd);
    if (rc != 0)
        cli_input_error(&err);
    (void)o;
    return docs;
}

/* Encodes NUL-separated documents, an EOS after each. */
static int32_t *encode_corpus(const Tokenizer *tok, const StrBuf *text, size_t *n)
{
    size_t cap = text->len + 16, used = 0;
    int32_t *ids = xmalloc(cap * sizeof *ids);
    size_t start = 0;
    for (size_t i = 0; i <= text->len; i++) {
        if (i < text->len && text->s[i] != '\0')
            continue;
        if (i > start || i < text->len) {
            size_t k = tok_encode(tok, (const unsigned char *)text->s + start, i - start, ids + used, cap - used - 1);
            used += k;
            ids[used++] = tok->eos;
        }
        start = i + 1;
    }
    *n = used;
    return ids;
}

/* ---- lm-train ---- */

typedef struct {
    long step;
    double loss, val, lr, norm, tps, secs;
} LogRow;

static void write_log(const char *dir, const LogRow *rows, size_t n)
{
    char *p = util_path_join(dir, "log.csv");
    AtomicFile *af = atomic_open(p);
    fputs("step,loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s\n", af->fp);
    for (size_t i = 0; i < n; i++) {
        char v[40];
        if (isnan(rows[i].val))
            v[0] = '\0';
        else
            snprintf(v, sizeof v, "%.6f", rows[i].val);
        fprintf(af->fp, "%ld,%.6f,%s,%.6g,%.6g,%.0f,%.3f\n", rows[i].step, rows[i].loss, v, rows[i].lr, rows[i].norm,
                rows[i].tps, rows[i].secs);
    }
    if (atomic_commit(af) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot write the training log", p);
    free(p);
}

static size_t read_log(const char *dir, LogRow **rows, long upto)
{
    char *p = util_path_join(dir, "log.csv");
    FILE *fp = fopen(p, "r");
    free(p);
    size_t n = 0, cap = 0;
    *rows = NULL;
    if (!fp)
        return 0;
    char line[512];
    if (!fgets(line, sizeof line, fp)) {
        fclose(fp);
        return 0;
    }
    while (fgets(line, sizeof line, fp)) {
        LogRow r = {0};
        r.val = NAN;
        char *q = line, *end;
        r.step = strtol(q, &end, 10);
        if (*end != ',' || r.step > upto)
            continue;
        r.loss = strtod(end + 1, &end);
        if (*end != ',')
            continue;
        if (end[1] != ',')
            r.val = strtod(end + 1, &end);
        else
            end++;
        if (*end != ',')
            continue;
        r.lr = strtod(end + 1, &end);
        r.norm = strtod(end + 1, &end);
        r.tps = strtod(end + 1, &end);
        r.secs = strtod(end + 1, &end);
        GROW(*rows, cap, n + 1);
        (*rows)[n++] = r;
    }
    fclose(fp);
    return n;
}

static void fill_batch(gsl_rng *r, const int32_t *ids, size_t lo, size_t hi, int B, int T, int32_t *in, int32_t *tg)
{
    for (int b = 0; b < B; b++) {
        size_t s = lo + (size_t)gsl_rng_uniform_int(r, (unsigned long)(hi - lo - (size_t)T));
        memcpy(in + (size_t)b * T, ids + s, (size_t)T * sizeof *in);
        memcpy(tg + (size_t)b * T, ids + s + 1, (size_t)T * sizeof *tg);
    }
}

/* This rank's part of the mean loss over the rows rows of in and tg
 * (rows,T): the mean over its share of the rows (tlmpi.h) weighted by the
 * share's size, *w; the parts sum across ranks to the mean over all rows
 * (one rank: w = 1, the mean itself). The forward is kept for
 * gpt_backward. */
static double lm_share_loss(Gpt *g, const int32_t *in, const int32_t *tg, int rows, int T, double *w)
{
    size_t lo, hi;
    stage_share((size_t)rows, &lo, &hi);
    *w = (double)(hi - lo) / rows;
    if (hi == lo)
        return 0;
    return gpt_forward(g, in + lo * (size_t)T, tg + lo * (size_t)T, NULL, NULL, (int)(hi - lo), T) * *w;
}

/* One training step's mean loss over the batch in, tg (B,T) (*loss) and
 * its gradient, each rank's share summed across ranks (stage_sync_step).
 * Returns the stop the ranks agree on. */
static long lm_step(Gpt *g, const int32_t *in, const int32_t *tg, int B, int T, double *loss)
{
    double w;
    gpt_zero_grad(g);
    *loss = lm_share_loss(g, in, tg, B, T, &w);
    if (w > 0)
        gpt_backward(g, NULL); /* of the mean over the share: weighted as the loss is */
    if (w > 0 && w != 1) {
        float wf = (float)w;
        for (size_t i = 0; i < g->net.nparams; i++)
            g->net.grads_mem[i] *= wf;
    }
    return stage_sync_step(g, loss, 1);
}

/* The mean loss over the held-out rows vin, vtg (VB,T), the ranks sharing them. */
static double lm_heldout(Gpt *g, const int32_t *vin, const int32_t *vtg, int VB, int T)
{
    double w, loss = lm_share_loss(g, vin, vtg, VB, T, &w);
    tlmpi_sum_double(&loss, 1);
    return loss;
}

/* Every rank trains the tokenizer from the same text (tok_train is
 * deterministic) rather than wait for rank 0's file; exits when one's
 * differs from rank 0's (a --data that is not the same file everywhere). */
static void lm_same_tokenizer(const Tokenizer *tok)
{
    uint64_t h = tok_hash(tok), h0 = h;
    tlmpi_bcast(&h0, sizeof h0, 0);
    if (h != h0)
        tl_die(TL_EXIT_INPUT, "rank %d's tokenizer (%016llx) differs from rank 0's (%016llx): every rank must read the "
                              "same training text", tlmpi_rank(), (unsigned long long)h, (unsigned long long)h0);
}

/* The model's shape from the flags (and what --config set), with the
 * defaults: L 2, C 64, NH C/32 (at least 1), T 128, V 4096. */
static GptConfig lm_model_config(const CliOpts *o)
{
    GptConfig c = {o->layers > 0 ? (int)o->layers : 2, o->channels > 0 ? (int)o->channels : 64, 0,
                   o->context > 0 ? (int)o->context : 128, o->vocab > 0 ? (int)o->vocab : 4096, 0};
    c.NH = o->heads > 0 ? (int)o->heads : (c.C / 32 > 0 ? c.C / 32 : 1);
    return c;
}

/* The flag of each model dimension, for messages. */
static const char *model_flag(const char *dim)
{
    static const char *const DIMS[][2] = {{"L", "layers"}, {"C", "channels"}, {"NH", "heads"}, {"T", "context"},
                                          {"V", "vocab"}};
    for (size_t k = 0; k < sizeof DIMS / sizeof DIMS[0]; k++)
        if (strcmp(DIMS[k][0], dim) == 0)
            return DIMS[k][1];
    return dim;
}

/* --config FILE: {"seed", "model": {L, C, NH, T, V}, "train": {batch, steps,
 * lr, warmup, weight_decay, clip, checkpoint_every, eval_every}}; the
 * world's sections (world, reference, judge, labelers) may be there too
 * and are not read here; any other key is an error, as is an unknown key
 * inside these two. Flags given on the command line win. Errors name
 * file:line: section.key. */
static void lm_config(CliOpts *o)
{
    TlError err;
    JsonFile f;
    if (json_file_read(&f, o->config_path, "config", &err) != 0)
        cli_input_error(&err);
    if (!cJSON_IsObject(f.json)) {
        json_src_error(&err, &f.src, NULL, "expected a JSON object");
        cli_input_error(&err);
    }
    if (world_config_check_sections(f.json, &f.src, &err) != 0)
        cli_input_error(&err);
    static const struct {
        const char *sec, *key;
        int real;
        double lo, hi;
        size_t off;
    } K[] = {
        {"model", "L", 0, 1, 96, offsetof(CliOpts, layers)},
        {"model", "C", 0, 1, 8192, offsetof(CliOpts, channels)},
        {"model", "NH", 0, 1, 1024, offsetof(CliOpts, heads)},
        {"model", "T", 0, 2, 65536, offsetof(CliOpts, context)},
        {"model", "V", 0, 258, 65536, offsetof(CliOpts, vocab)},
        {"train", "batch", 0, 1, 1000000, offsetof(CliOpts, batch)},
        {"train", "steps", 0, 1, 100000000, offsetof(CliOpts, steps)},
        {"train", "warmup", 0, 0, 100000000, offsetof(CliOpts, warmup)},
        {"train", "checkpoint_every", 0, 1, 100000000, offsetof(CliOpts, ckpt_every)},
        {"train", "eval_every", 0, 1, 100000000, offsetof(CliOpts, eval_every)},
        {"train", "lr", 1, 0, 10, offsetof(CliOpts, lr)},
        {"train", "weight_decay", 1, 0, 10, offsetof(CliOpts, weight_decay)},
        {"train", "clip", 1, 0, 1e6, offsetof(CliOpts, clip)},
    };
    static const char *const SECS[] = {"model", "train"};
    char from_config[5] = {0}; /* model dimensions L, C, NH, T, V this file set */
    for (int si = 0; si < 2; si++) {
        const cJSON *sec = cJSON_GetObjectItemCaseSensitive(f.json, SECS[si]), *v;
        if (sec && !cJSON_IsObject(sec)) {
            json_src_error(&err, &f.src, SECS[si], "expected an object");
            cli_input_error(&err);
        }
        cJSON_ArrayForEach(v, sec) {
            size_t k = 0, nk = sizeof K / sizeof K[0];
            while (k < nk && !(strcmp(K[k].sec, SECS[si]) == 0 && strcmp(K[k].key, v->string) == 0))
                k++;
            char field[96];
            snprintf(field, sizeof field, "%s.%s", SECS[si], v->string);
            if (k == nk) {
                json_src_error(&err, &f.src, field, "unknown setting (known: %s)",
                               si == 0 ? "L, C, NH, T, V"
                                       : "batch, steps, lr, warmup, weight_decay, clip, checkpoint_every, eval_every");
                cli_input_error(&err);
            }
            if (!cJSON_IsNumber(v) || v->valuedouble < K[k].lo || v->valuedouble > K[k].hi ||
                (!K[k].real && v->valuedouble != floor(v->valuedouble))) {
                json_src_error(&err, &f.src, field, "expected %s from %g to %g",
                               K[k].real ? "a number" : "a whole number", K[k].lo, K[k].hi);
                cli_input_error(&err);
            }
            char *base = (char *)o + K[k].off;
            if (K[k].real) {
                if (isnan(*(double *)base))
                    *(double *)base = v->valuedouble;
            } else if (*(long *)base < 0) { /* not given as a flag */
                *(long *)base = (long)v->valuedouble;
                if (si == 0)
                    from_config[k] = 1;
            }
        }
    }
    /* a shape the file gave that does not hold together (C = 64, NH = 7) is the file's error */
    GptConfig c = lm_model_config(o);
    const char *dim;
    static const char *const DIMS[] = {"L", "C", "NH", "T", "V"};
    if (gpt_config_check(&c, &dim, &err) != 0)
        for (int k = 0; k < 5; k++)
            if (from_config[k] && strcmp(DIMS[k], dim) == 0) {
                char field[16], why[sizeof err.msg];
                snprintf(field, sizeof field, "model.%s", dim);
                snprintf(why, sizeof why, "%s", err.msg);
                json_src_error(&err, &f.src, field, "%s", why);
                cli_input_error(&err);
            }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(f.json, "seed");
    if (seed && !o->seed_given) {
        uint64_t sv;
        if (cJSON_IsString(seed) ? util_parse_u64(seed->valuestring, &sv) != 0
                                 : !(cJSON_IsNumber(seed) && seed->valuedouble >= 0 &&
                                     seed->valuedouble < 9007199254740992.0 &&
                                     seed->valuedouble == floor(seed->valuedouble))) {
            json_src_error(&err, &f.src, "seed",
                           "expected a non-negative whole number below 2^53, or any 64-bit seed as a string of digits");
            cli_input_error(&err);
        }
        o->seed = cJSON_IsString(seed) ? sv : (uint64_t)seed->valuedouble;
    }
    json_file_free(&f);
}

/* The pretraining corpus: the world's training posts in the paper's
 * format and its training articles, without any TL;DR or highlight. */
static size_t world_corpus(CliOpts *o, StrBuf *text)
{
    World w;
    TlError err;
    if (world_open(&w, o->world_dir, &err) != 0 || world_load_texts(&w, &err) != 0)
        cli_input_error(&err);
    size_t n = 0;
    for (size_t i = 0; i < w.ndocs; i++) {
        if (w.docs[i].split != SPLIT_TRAIN)
            continue;
        stage_prompt_text(&w, i, SIZE_MAX, 0, text);
        sb_addn(text, "", 1);
        n++;
    }
    world_close(&w);
    return n;
}

static int lm_train(CliOpts *o, int pretrain);

int cmd_lm_train(CliOpts *o)
{
    return lm_train(o, 0);
}

int cmd_pretrain(CliOpts *o)
{
    if (!o->world_dir)
        cli_usage_error(o, "--world DIR is required: the world whose posts and articles to train on");
    return lm_train(o, 1);
}

static int lm_train(CliOpts *o, int pretrain)
{
    if (o->config_path)
        lm_config(o);
    if (pretrain && o->context < 0) /* after the config: its model.T wins over this default */
        o->context = 256;
    if (!pretrain && !o->data_path)
        cli_usage_error(o, "--data FILE is required: the text to train on");
    stage_catch_signals();
    if (!o->out_dir)
        cli_usage_error(o, "--out DIR is required: where to write the model");
    char *ckpt = util_path_join(o->out_dir, "model.ckpt"), *tokp = util_path_join(o->out_dir, "tokenizer.bin");
    TlError err;
    Tokenizer tok;
    memset(&tok, 0, sizeof tok);
    Gpt g;
    memset(&g, 0, sizeof g);
    cJSON *saved = NULL;
    gsl_rng *r = rng_alloc(o->seed);
    GptConfig c = lm_model_config(o);
    if (o->resume) {
        /* the model, its tokenizer and the run's settings come from DIR; a
         * flag given now overrides a setting (and the run is then no longer
         * the same as one straight through) */
        if (tok_load(&tok, tokp, &err) != 0 || gpt_load(&g, ckpt, r, &saved, &err) != 0)
            cli_input_error(&err);
        c = g.net.c;
        char hash[24];
        snprintf(hash, sizeof hash, "%016llx", (unsigned long long)tok_hash(&tok));
        const cJSON *th = cJSON_GetObjectItemCaseSensitive(saved, "tokenizer");
        if (c.V != tok.vocab_size || !cJSON_IsString(th) || strcmp(th->valuestring, hash) != 0)
            cli_usage_error(o, "%s was not trained with %s (tokenizer %s, vocabulary %d; the checkpoint wants %s, %d)",
                            ckpt, tokp, hash, tok.vocab_size, cJSON_IsString(th) ? th->valuestring : "?", c.V);
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(saved, "train"), *seed = cJSON_GetObjectItemCaseSensitive(saved, "seed");
#define SAVED(field, key)                                                                          \
    do {                                                                                           \
        const cJSON *v_ = cJSON_GetObjectItemCaseSensitive(tr, key);                              \
        if (cJSON_IsNumber(v_) && (o->field < 0 || isnan((double)o->field)))                       \
            o->field = v_->valuedouble;                                                            \
    } while (0)
        SAVED(batch, "batch");
        SAVED(steps, "steps");
        SAVED(warmup, "warmup");
        SAVED(lr, "lr");
        SAVED(weight_decay, "weight_decay");
        SAVED(clip, "clip");
        SAVED(eval_every, "eval_every");
#undef SAVED
        if (cJSON_IsString(seed) && !o->seed_given)
            util_parse_u64(seed->valuestring, &o->seed);
    }
    int B = o->batch > 0 ? (int)o->batch : (4096 / c.T > 0 ? 4096 / c.T : 1);
    long steps = o->steps > 0 ? o->steps : 200;
    float lr = isnan(o->lr) ? 3e-3f : (float)o->lr;
    long warmup = o->warmup >= 0 ? o->warmup : steps / 20;
    AdamW opt = {lr, 0.9f, 0.95f, 1e-8f, isnan(o->weight_decay) ? 0.1f : (float)o->weight_decay};
    double clip = isnan(o->clip) ? 1.0 : o->clip;
    long eval_every = o->eval_every > 0 ? o->eval_every : (steps / 10 > 0 ? steps / 10 : 1);
    /* the corpus, the tokenizer and every check before anything is written */
    StrBuf text;
    sb_init(&text);
    char data_name[4200];
    snprintf(data_name, sizeof data_name, pretrain ? "world:%s" : "%s", pretrain ? o->world_dir : o->data_path);
    size_t docs = pretrain ? world_corpus(o, &text) : read_corpus(o, o->data_path, &text);
    if (text.len == 0)
        cli_usage_error(o, "%s holds no text to train on", data_name);
    if (!o->resume) {
        const char *dim;
        if (gpt_config_check(&c, &dim, &err) != 0)
            cli_usage_error(o, "--%s: %s", model_flag(dim), err.msg);
        if (tok_train(&tok, (const unsigned char *)text.s, text.len, c.V, &err) != 0)
            cli_input_error(&err);
        c.V = tok.vocab_size;
    }
    lm_same_tokenizer(&tok);
    size_t ntok;
    int32_t *ids = encode_corpus(&tok, &text, &ntok);
    sb_free(&text);
    /* the last 5% (at least a few windows) is held out for the validation loss */
    size_t hold = ntok / 20;
    if (hold < (size_t)c.T * 2 + 2)
        hold = (size_t)c.T * 2 + 2;
    if (ntok < hold + (size_t)c.T + 2)
        cli_usage_error(o, "%s is too short: %zu tokens for a context of %d (and a held-out part)", data_name,
                        ntok, c.T);
    int lead = tlmpi_rank() == 0; /* the rank that prints and writes */
    if (!o->resume) {
        if (lead && util_mkdir_p(o->out_dir) != 0)
            tl_die(TL_EXIT_RUNTIME, "%s: cannot create the directory: %s", o->out_dir, strerror(errno));
        if (lead && tok_save(&tok, tokp, &err) != 0)
            tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
        gpt_init(&g, &c, rng_derive_seed(o->seed, 1));
        rng_free(r);
        r = rng_alloc(o->seed);
    }
    cJSON_Delete(saved);
    size_t train_end = ntok - hold;
    if (lead)
        fprintf(stderr, "lm-train: %zu documents, %zu tokens (%zu held out), vocabulary %d; model L=%d C=%d NH=%d "
                        "T=%d, %zu parameters; %ld steps of %d x %d tokens\n",
                docs, ntok, hold, c.V, c.L, c.C, c.NH, c.T, g.net.nparams, steps, B, c.T);
    int32_t *in = xmalloc((size_t)B * c.T * sizeof *in), *tg = xmalloc((size_t)B * c.T * sizeof *tg);
    /* a fixed validation batch from the held-out tail */
    int VB = 8;
    int32_t *vin = xmalloc((size_t)VB * c.T * sizeof *vin), *vtg = xmalloc((size_t)VB * c.T * sizeof *vtg);
    gsl_rng *vr = rng_alloc(rng_derive_seed(o->seed, 2));
    fill_batch(vr, ids, train_end, ntok, VB, c.T, vin, vtg);
    rng_free(vr);
    LogRow *rows = NULL;
    size_t nrows = o->resume ? read_log(o->out_dir, &rows, g.step) : 0, rcap = nrows;
    char hash[24];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)tok_hash(&tok));
    cJSON *extra = cJSON_CreateObject();
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cJSON_AddStringToObject(extra, "seed", seed);
    cJSON_AddStringToObject(extra, "tokenizer", hash);
    cJSON_AddStringToObject(extra, "data", data_name);
    cJSON *tr = cJSON_AddObjectToObject(extra, "train");
    cJSON_AddNumberToObject(tr, "batch", B);
    cJSON_AddNumberToObject(tr, "steps", (double)steps);
    cJSON_AddNumberToObject(tr, "lr", lr);
    cJSON_AddNumberToObject(tr, "warmup", (double)warmup);
    cJSON_AddNumberToObject(tr, "weight_decay", opt.weight_decay);
    cJSON_AddNumberToObject(tr, "clip", clip);
    int tty = o->read.progress && lead;
    double t0 = util_now(), secs0 = nrows ? rows[nrows - 1].secs : 0;
    long first = g.step, last = o->until > 0 && o->until < steps ? o->until : steps;
    /* periodic checkpoints (and the log with them) by default: an interrupted run keeps its work */
    long ckpt_every = o->ckpt_every > 0 ? o->ckpt_every : (steps / 10 > 0 ? steps / 10 : 1);
    int rc = 0;
    for (long s = g.step; s < last && rc == 0; s++) {
        double ts = util_now();
        fill_batch(r, ids, 0, train_end, B, c.T, in, tg); /* the whole batch on every rank: one random state */
        double loss;
        long stop = lm_step(&g, in, tg, B, c.T, &loss);
        if (!isfinite(loss)) {
            if (lead)
                fprintf(stderr,
                        "\nlm-train: the loss is %g at step %ld; stopping (the last checkpoint, if any, is kept)\n",
                        loss, s + 1);
            rc = TL_EXIT_RUNTIME;
            break;
        }
        double norm = gpt_clip_grad_norm(&g, clip);
        float rate = gpt_lr(s, warmup, steps, lr, lr / 10);
        gpt_adamw_step(&g, &opt, rate);
        double dt = util_now() - ts, tps = (double)B * c.T / dt;
        LogRow row = {s + 1, loss, NAN, rate, norm, tps, secs0 + util_now() - t0};
        if ((s + 1) % eval_every == 0 || s + 1 == last)
            row.val = lm_heldout(&g, vin, vtg, VB, c.T);
        GROW(rows, rcap, nrows + 1);
        rows[nrows++] = row;
        if (tty) {
            double done = (double)(s + 1 - first), eta = (util_now() - t0) / done * (double)(last - s - 1);
            char e[32];
            stage_fmt_secs(eta, e, sizeof e);
            char v[32] = "";
            if (!isnan(row.val))
                snprintf(v, sizeof v, "  held-out %.4f", row.val);
            fprintf(stderr, "\rstep %ld/%ld  loss %.4f%s  %.0f tok/s  ETA %s   ", s + 1, steps, loss, v, tps, e);
        }
        if ((s + 1) % ckpt_every == 0 || s + 1 == last || stop) {
            if (lead && gpt_save(&g, ckpt, 1, r, extra, &err) != 0)
                tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
            if (lead)
                write_log(o->out_dir, rows, nrows);
            if (stop && s + 1 < last)
                rc = stage_stopped(stop, pretrain ? "pretrain" : "lm-train", "step", s + 1, o->out_dir);
        }
    }
    if (tty && rc == 0)
        fprintf(stderr, "\n");
    if (rc == 0 && pretrain && last == steps && lead) {
        char size[32], name[64];
        stage_size_token(g.net.nparams, size, sizeof size);
        snprintf(name, sizeof name, "pretrain_%s", size);
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "method", "pretrained");
        cJSON_AddNumberToObject(m, "params", (double)g.net.nparams);
        cJSON_AddNumberToObject(m, "held_out_loss", rows[nrows - 1].val);
        stage_write_meta(o->out_dir, name, m);
    }
    if (rc != 0 || !lead)
        ; /* stopped (the message is out), or not the rank that prints */
    else if (first >= last)
        fprintf(stderr, "lm-train: %s is already at step %ld of %ld\n", ckpt, first, last);
    else
        printf("trained steps %ld-%ld of %ld in %.1f s: loss %.4f, held-out %.4f; wrote %s, %s and %s/log.csv\n",
               first + 1, last, steps, util_now() - t0, rows[nrows - 1].loss, rows[nrows - 1].val, ckpt, tokp,
               o->out_dir);
    cJSON_Delete(extra);
    free(rows);
    free(in), free(tg), free(vin), free(vtg), free(ids);
    free(ckpt), free(tokp);
    tok_free(&tok);
    gpt_free(&g);
    rng_free(r);
    cli_check_stdout();
    return rc;
}

/* ---- lm-sample ---- */

int cmd_lm_sample(CliOpts *o)
{
    if (!o->model_dir)
        cli_usage_error(o, "--model DIR is required (a folder made by lm-train)");
    char *ckpt = util_path_join(o->model_dir, "model.ckpt"), *tokp = util_path_join(o->model_dir, "tokenizer.bin");
    TlError err;
    Tokenizer tok;
    memset(&tok, 0, sizeof tok);
    Gpt g;
    cJSON *hdr = NULL;
    if (tok_load(&tok, tokp, &err) != 0 || gpt_load(&g, ckpt, NULL, &hdr, &err) != 0)
        cli_input_error(&err);
    if (g.net.c.scalar_head)
        cli_usage_error(o, "%s has a scalar head: it scores, it does not write", ckpt);
    char hash[24];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)tok_hash(&tok));
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(hdr, "tokenizer");
    if (g.net.c.V != tok.vocab_size || !cJSON_IsString(th) || strcmp(th->valuestring, hash) != 0)
        cli_usage_error(o, "%s was not trained with %s (tokenizer %s, vocabulary %d; the checkpoint wants %s, %d)",
                        ckpt, tokp, hash, tok.vocab_size, cJSON_IsString(th) ? th->valuestring : "?", g.net.c.V);
    cJSON_Delete(hdr);
    const char *prompt = o->prompt ? o->prompt : "";
    size_t plen = strlen(prompt);
    int32_t *pid = xmalloc((plen + 2) * sizeof *pid);
    size_t P = tok_encode(&tok, (const unsigned char *)prompt, plen, pid, plen + 1);
    if (P == 0)
        pid[P++] = tok.eos; /* no prompt: start as after a document */
    int N = o->max_new > 0 ? (int)o->max_new : 64, K = o->nsamples > 0 ? (int)o->nsamples : 3;
    if ((long)P + N > g.net.c.T) {
        if ((long)P >= g.net.c.T)
            cli_usage_error(o, "the prompt is %zu tokens; the model's context is %d", P, g.net.c.T);
        N = g.net.c.T - (int)P;
    }
    int32_t *prompts = xmalloc((size_t)K * P * sizeof *prompts), *out = xmalloc((size_t)K * N * sizeof *out);
    for (int k = 0; k < K; k++)
        memcpy(prompts + (size_t)k * P, pid, P * sizeof *pid);
    float *lp = xmalloc((size_t)K * N * sizeof *lp);
    int *len = xmalloc((size_t)K * sizeof *len);
    GptSampler s = {isnan(o->temperature) ? 1.0f : (float)o->temperature, isnan(o->top_p) ? 1.0f : (float)o->top_p,
                    o->greedy, tok.eos, tok.pad, 0};
    gsl_rng *r = rng_alloc(o->seed);
    if (gpt_sample(&g, prompts, K, (int)P, N, &s, r, out, lp, len, &err) != 0)
        cli_usage_error(o, "%s", err.msg);
    unsigned char *buf = xmalloc((size_t)N * 300 + 1);
    for (int k = 0; k < K; k++) {
        double sum = 0;
        for (int i = 0; i < len[k]; i++)
            sum += lp[(size_t)k * N + i];
        size_t nb = tok_decode(&tok, out + (size_t)k * N, (size_t)len[k], buf, (size_t)N * 300);
        nb = util_utf8_clean((char *)buf, nb); /* whole characters only */
        printf("--- sample %d (%d tokens, log-prob %.2f)\n%s%.*s\n", k + 1, len[k], sum, prompt, (int)nb, buf);
    }
    free(buf), free(prompts), free(out), free(lp), free(len), free(pid), free(ckpt), free(tokp);
    rng_free(r);
    tok_free(&tok);
    gpt_free(&g);
    cli_check_stdout();
    return 0;
}

/* ---- lm-dump: the numbers bench/gpt_crosscheck.py compares with PyTorch (train/FORMAT.md) ---- */

static void dump_file(const char *dir, const char *name, const void *data, size_t bytes)
{
    char *p = util_path_join(dir, name);
    AtomicFile *af = atomic_open(p);
    fwrite(data, 1, bytes, af->fp);
    if (atomic_commit(af) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot write", p);
    free(p);
}

int cmd_lm_dump(CliOpts *o)
{
    if (!o->checkpoint || !o->out_dir)
        cli_usage_error(o, "--checkpoint FILE and --out DIR are required");
    TlError err;
    Gpt g;
    if (gpt_load(&g, o->checkpoint, NULL, NULL, &err) != 0)
        cli_input_error(&err);
    if (util_mkdir_p(o->out_dir) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot create the directory: %s", o->out_dir, strerror(errno));
    int B = o->batch > 0 ? (int)o->batch : 2, T = g.net.c.T, V = g.net.c.V, scalar = g.net.c.scalar_head;
    gsl_rng *r = rng_alloc(o->seed);
    int32_t *tok = xmalloc((size_t)B * (T + 1) * sizeof *tok), *in = xmalloc((size_t)B * T * sizeof *in);
    int32_t *tg = xmalloc((size_t)B * T * sizeof *tg), *start = xmalloc((size_t)B * sizeof *start);
    float *w = xmalloc((size_t)B * T * sizeof *w);
    for (int i = 0; i < B * (T + 1); i++)
        tok[i] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)V);
    for (int b = 0; b < B; b++) {
        memcpy(in + (size_t)b * T, tok + (size_t)b * (T + 1), (size_t)T * sizeof *in);
        memcpy(tg + (size_t)b * T, tok + (size_t)b * (T + 1) + 1, (size_t)T * sizeof *tg);
        /* left padding as the stages batch prompts: none on row 0, up to half the context on the others */
        start[b] = b == 0 ? 0 : (int32_t)gsl_rng_uniform_int(r, (unsigned long)(T / 2 + 1));
    }
    for (int i = 0; i < B * T; i++) /* the scalar head's objective: sum of w * value */
        w[i] = (float)(2 * gsl_rng_uniform(r) - 1);
    double loss = gpt_forward(&g, in, scalar ? NULL : tg, NULL, start, B, T);
    dump_file(o->out_dir, "tokens.bin", tok, (size_t)B * (T + 1) * sizeof *tok);
    dump_file(o->out_dir, "start.bin", start, (size_t)B * sizeof *start);
    if (scalar) {
        const float *val = gpt_values(&g);
        loss = 0;
        for (int i = 0; i < B * T; i++)
            loss += (double)w[i] * val[i];
        dump_file(o->out_dir, "values.bin", val, (size_t)B * T * sizeof *val);
        dump_file(o->out_dir, "dvalues.bin", w, (size_t)B * T * sizeof *w);
    } else {
        dump_file(o->out_dir, "logits.bin", g.net.a.logits, (size_t)B * T * V * sizeof(float));
    }
    gpt_zero_grad(&g);
    gpt_backward(&g, scalar ? w : NULL);
    dump_file(o->out_dir, "grads.bin", g.net.grads_mem, g.net.nparams * sizeof(float));
    char lt[64];
    snprintf(lt, sizeof lt, "%.9g\n", loss);
    dump_file(o->out_dir, "loss.txt", lt, strlen(lt));
    printf("wrote tokens.bin, start.bin, %s, loss.txt (%s %.6f) and grads.bin for a batch of %d x %d to %s\n",
           scalar ? "values.bin, dvalues.bin" : "logits.bin", scalar ? "objective" : "loss", loss, B, T, o->out_dir);
    free(tok), free(in), free(tg), free(start), free(w);
    rng_free(r);
    gpt_free(&g);
    cli_check_stdout();
    return 0;
}
