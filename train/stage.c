/* stage.c — a stage's folder, prompts, logs and progress (stage.h). */
#include "train/stage.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/rng.h"
#include "common/tlmpi.h"
#include "common/util.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hash_hex(const Tokenizer *t, char *out)
{
    snprintf(out, 24, "%016llx", (unsigned long long)tok_hash(t));
}

int stage_load(StageModel *m, const char *dir, int want_scalar, gsl_rng *rng, TlError *err)
{
    memset(m, 0, sizeof *m);
    char *ckpt = util_path_join(dir, "model.ckpt"), *tokp = util_path_join(dir, "tokenizer.bin");
    int rc = -1;
    if (tok_load(&m->tok, tokp, err) != 0 || gpt_load(&m->g, ckpt, rng, &m->hdr, err) != 0)
        goto out;
    hash_hex(&m->tok, m->tokhash);
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(m->hdr, "tokenizer");
    if (m->g.net.c.V != m->tok.vocab_size || !cJSON_IsString(th) || strcmp(th->valuestring, m->tokhash) != 0) {
        tlerr_set(err, "%s was not trained with %s (tokenizer %s, vocabulary %d; the checkpoint wants %s, %d)", ckpt,
                  tokp, m->tokhash, m->tok.vocab_size, cJSON_IsString(th) ? th->valuestring : "?", m->g.net.c.V);
        goto out;
    }
    if (want_scalar >= 0 && m->g.net.c.scalar_head != want_scalar) {
        tlerr_set(err, "%s is %s; expected %s", ckpt, m->g.net.c.scalar_head ? "a reward or value model (a scalar head)" : "a language model",
                  want_scalar ? "a reward model (made by tldrlab rm train)" : "a language model (a policy)");
        goto out;
    }
    m->dir = xstrdup(dir);
    rc = 0;
out:
    if (rc != 0) {
        gpt_free(&m->g);
        tok_free(&m->tok);
        cJSON_Delete(m->hdr);
        memset(m, 0, sizeof *m);
    }
    free(ckpt);
    free(tokp);
    return rc;
}

void stage_free(StageModel *m)
{
    gpt_free(&m->g);
    tok_free(&m->tok);
    cJSON_Delete(m->hdr);
    free(m->dir);
    memset(m, 0, sizeof *m);
}

int stage_same_tokenizer(const StageModel *a, const StageModel *b, TlError *err)
{
    if (strcmp(a->tokhash, b->tokhash) == 0 && a->g.net.c.T == b->g.net.c.T)
        return 0;
    tlerr_set(err, "%s/tokenizer.bin (%s) and %s/tokenizer.bin (%s) differ, or the contexts (%d, %d) do: the stages "
                   "of one run share a tokenizer and a context",
              a->dir, a->tokhash, b->dir, b->tokhash, a->g.net.c.T, b->g.net.c.T);
    return -1;
}

void stage_save(const char *dir, const Gpt *g, const Tokenizer *tok, int with_optimizer, const gsl_rng *rng,
                const cJSON *extra)
{
    TlError err;
    if (util_mkdir_p(dir) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot create the directory: %s", dir, strerror(errno));
    char *tokp = util_path_join(dir, "tokenizer.bin"), *ckpt = util_path_join(dir, "model.ckpt");
    FILE *fp = fopen(tokp, "rb");
    if (fp)
        fclose(fp);
    else if (tok_save(tok, tokp, &err) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
    cJSON *x = extra ? cJSON_Duplicate(extra, 1) : cJSON_CreateObject();
    char h[24];
    hash_hex(tok, h);
    cJSON_DeleteItemFromObjectCaseSensitive(x, "tokenizer");
    cJSON_AddStringToObject(x, "tokenizer", h);
    if (gpt_save(g, ckpt, with_optimizer, rng, x, &err) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s", err.msg);
    cJSON_Delete(x);
    free(tokp);
    free(ckpt);
}

/* ---- prompts ---- */

void stage_prompt_text(const World *w, size_t doc, size_t keep, int tldr_suffix, StrBuf *out)
{
    const Doc *d = &w->docs[doc];
    const char *body = w->body[doc];
    size_t blen = strlen(body);
    if (keep < blen)
        blen = keep;
    if (d->domain == WD_TLDR)
        sb_printf(out, "SUBREDDIT: r/%s\n\nTITLE: %s\n\nPOST: ", w->subreddit[doc], w->title[doc]);
    else
        sb_printf(out, "TITLE: %s\n\nARTICLE: ", w->title[doc]);
    sb_addn(out, body, blen);
    while (out->len && (out->s[out->len - 1] == '\n' || out->s[out->len - 1] == ' '))
        out->s[--out->len] = '\0';
    if (tldr_suffix)
        sb_add(out, "\n\nTL;DR:");
}

static size_t encode_len(const Tokenizer *tok, const World *w, size_t doc, size_t keep, StrBuf *sb)
{
    sb_clear(sb);
    stage_prompt_text(w, doc, keep, 1, sb);
    return tok_encode(tok, (const unsigned char *)sb->s, sb->len, NULL, 0);
}

int stage_encode_prompt(const Tokenizer *tok, const World *w, size_t doc, int max, int32_t *out, int *cut)
{
    StrBuf sb;
    sb_init(&sb);
    const char *body = w->body[doc];
    size_t blen = strlen(body), keep = SIZE_MAX;
    *cut = 0;
    if (encode_len(tok, w, doc, keep, &sb) > (size_t)max) {
        *cut = 1;
        /* the last newline that fits, then the last space */
        for (int pass = 0; pass < 2 && keep == SIZE_MAX; pass++) {
            char sep = pass == 0 ? '\n' : ' ';
            /* binary search over the separators' positions (the token count grows with the cut) */
            size_t *pos = xmalloc((blen + 1) * sizeof *pos), np = 0;
            for (size_t i = 0; i < blen; i++)
                if (body[i] == sep)
                    pos[np++] = i;
            long lo = 0, hi = (long)np - 1, best = -1;
            while (lo <= hi) {
                long mid = (lo + hi) / 2;
                if (encode_len(tok, w, doc, pos[mid], &sb) <= (size_t)max) {
                    best = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            if (best >= 0)
                keep = pos[best];
            free(pos);
        }
        if (keep == SIZE_MAX) {
            if (encode_len(tok, w, doc, 0, &sb) > (size_t)max) {
                sb_free(&sb);
                return -1;
            }
            keep = 0;
        }
    }
    sb_clear(&sb);
    stage_prompt_text(w, doc, keep, 1, &sb);
    size_t n = tok_encode(tok, (const unsigned char *)sb.s, sb.len, out, (size_t)max);
    sb_free(&sb);
    return (int)n;
}

int stage_encode_summary(const Tokenizer *tok, const char *text, int32_t *out)
{
    /* the summary follows "TL;DR:" after a space, as the references do in the paper's data */
    StrBuf sb;
    sb_init(&sb);
    sb_add(&sb, " ");
    while (*text == ' ')
        text++;
    sb_add(&sb, text);
    size_t n = tok_encode(tok, (const unsigned char *)sb.s, sb.len, out, STAGE_MAX_SUMMARY);
    sb_free(&sb);
    if (n > STAGE_MAX_SUMMARY)
        return -1;
    out[n] = tok->eos;
    return (int)n + 1;
}

int stage_encode_summary_cut(const Tokenizer *tok, const char *text, int32_t *out, size_t *cut)
{
    int k = stage_encode_summary(tok, text, out);
    if (k >= 0)
        return k;
    StrBuf sb;
    sb_init(&sb);
    sb_add(&sb, " ");
    sb_add(&sb, text);
    tok_encode(tok, (const unsigned char *)sb.s, sb.len, out, STAGE_MAX_SUMMARY);
    sb_free(&sb);
    out[STAGE_MAX_SUMMARY] = tok->eos;
    if (cut)
        (*cut)++;
    return STAGE_MAX_SUMMARY + 1;
}

void stage_decode(const Tokenizer *tok, const int32_t *ids, int n, StrBuf *out)
{
    int k = 0;
    while (k < n && ids[k] != tok->eos && ids[k] != tok->pad)
        k++;
    size_t need = tok_decode(tok, ids, (size_t)k, NULL, 0);
    unsigned char *buf = xmalloc(need + 1);
    tok_decode(tok, ids, (size_t)k, buf, need);
    size_t a = 0, b = util_utf8_clean((char *)buf, need); /* a token boundary may cut a character */
    while (a < b && (buf[a] == ' ' || buf[a] == '\n' || buf[a] == '\t'))
        a++;
    while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\n' || buf[b - 1] == '\t'))
        b--;
    sb_addn(out, (const char *)buf + a, b - a);
    free(buf);
}

size_t stage_docs(const World *w, const char *dataset, const char *split, size_t **docs, TlError *err)
{
    int dom = strcmp(dataset, "tldr") == 0 ? WD_TLDR : strcmp(dataset, "news") == 0 ? WD_NEWS : -1;
    int sp = split_parse(split);
    if (dom < 0) {
        tlerr_set(err, "--dataset %s: expected tldr or news", dataset);
        return 0;
    }
    if (sp < 0 || sp == SPLIT_VALID) {
        tlerr_set(err, "--split %s: expected train, valid1, valid2 or test", split);
        return 0;
    }
    size_t n = 0;
    *docs = xmalloc((w->ndocs + 1) * sizeof **docs);
    for (size_t i = 0; i < w->ndocs; i++)
        if (w->docs[i].domain == dom && w->docs[i].split == sp)
            (*docs)[n++] = i;
    if (n == 0)
        tlerr_set(err, "%s: the world has no %s documents in split %s", w->dir, dataset, split);
    return n;
}

size_t stage_docs_or_die(const World *w, const char *dataset, const char *split, long limit, size_t **docs)
{
    TlError err;
    size_t n = stage_docs(w, dataset, split, docs, &err);
    if (!n)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
    return limit > 0 && (size_t)limit < n ? (size_t)limit : n;
}

void stage_open_world(World *w, const char *dir)
{
    TlError err;
    if (world_open(w, dir, &err) != 0 || world_load_texts(w, &err) != 0)
        tl_die(TL_EXIT_INPUT, "%s", err.msg);
}

void stage_epoch_order(uint64_t seed, uint64_t base, long epoch, size_t n, size_t *perm)
{
    gsl_rng *r = rng_alloc(rng_derive_seed(seed, base + (uint64_t)epoch));
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = gsl_rng_uniform_int(r, (unsigned long)i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    rng_free(r);
}

/* ---- logs ---- */

void stagelog_init(StageLog *l, const char *const *cols, int ncols)
{
    memset(l, 0, sizeof *l);
    l->cols = cols;
    l->ncols = ncols;
}

void stagelog_free(StageLog *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

void stagelog_add(StageLog *l, const double *row)
{
    GROW(l->v, l->cap, (l->n + 1) * (size_t)l->ncols);
    memcpy(l->v + l->n * (size_t)l->ncols, row, (size_t)l->ncols * sizeof *row);
    l->n++;
}

void stagelog_read(StageLog *l, const char *dir, double upto)
{
    char *p = util_path_join(dir, "log.csv");
    FILE *fp = fopen(p, "r");
    free(p);
    if (!fp)
        return;
    char *line = NULL; /* whole lines, however long: a row is never read as two */
    size_t cap = 0;
    if (getline(&line, &cap, fp) < 0) {
        free(line);
        fclose(fp);
        return;
    }
    double *row = xmalloc((size_t)l->ncols * sizeof *row);
    while (getline(&line, &cap, fp) >= 0) {
        char *q = line;
        int k = 0;
        for (; k < l->ncols; k++) {
            char *end;
            if (*q == ',' || *q == '\n' || *q == '\0') {
                row[k] = NAN;
                end = q;
            } else {
                row[k] = strtod(q, &end);
            }
            if (*end == ',')
                q = end + 1;
            else if (k < l->ncols - 1)
                break;
        }
        if (k >= l->ncols - 1 && !isnan(row[0]) && row[0] <= upto)
            stagelog_add(l, row);
    }
    free(line);
    free(row);
    fclose(fp);
}

void stagelog_write(const StageLog *l, const char *dir)
{
    char *p = util_path_join(dir, "log.csv");
    AtomicFile *af = atomic_open(p);
    for (int k = 0; k < l->ncols; k++)
        fprintf(af->fp, "%s%s", k ? "," : "", l->cols[k]);
    fputc('\n', af->fp);
    for (size_t i = 0; i < l->n; i++) {
        for (int k = 0; k < l->ncols; k++) {
            double x = l->v[i * (size_t)l->ncols + k];
            if (k)
                fputc(',', af->fp);
            if (isfinite(x))
                fprintf(af->fp, "%.7g", x);
        }
        fputc('\n', af->fp);
    }
    if (atomic_commit(af) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot write the training log", p);
    free(p);
}

/* ---- names, meta, progress ---- */

void stage_size_token(size_t params, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.2gm", (double)params / 1e6);
}

void stage_write_meta(const char *dir, const char *name, cJSON *fields)
{
    cJSON *root = cJSON_CreateObject(), *pol = cJSON_AddObjectToObject(root, "policies");
    cJSON_AddItemToObject(pol, name, fields);
    char *text = cJSON_Print(root), *p = util_path_join(dir, "meta.json");
    AtomicFile *af = atomic_open(p);
    fprintf(af->fp, "%s\n", text);
    if (atomic_commit(af) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot write", p);
    free(text);
    free(p);
    cJSON_Delete(root);
}

void stage_meta_lineage(cJSON *fields, const char *size, const char *rsize)
{
    char rm[64], src[64];
    snprintf(rm, sizeof rm, "rm_%s", rsize);
    snprintf(src, sizeof src, "sup_%s", size);
    cJSON_AddStringToObject(fields, "rm", rm);
    cJSON_AddStringToObject(fields, "source", src);
    cJSON_AddStringToObject(fields, "trained_on", "tldr");
}

char *stage_read_name(const char *dir, TlError *err)
{
    char *p = util_path_join(dir, "meta.json");
    JsonFile f;
    char *name = NULL;
    if (json_file_read(&f, p, "stage's metadata", err) == 0) {
        const cJSON *pol = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
        if (cJSON_IsObject(pol) && pol->child)
            name = xstrdup(pol->child->string);
        else
            json_src_error(err, &f.src, "policies", "no policy name there");
    }
    json_file_free(&f);
    free(p);
    return name;
}

volatile sig_atomic_t stage_stop;

void stage_catch_signals(void)
{
    atomic_graceful_stop(&stage_stop);
}

int stage_stopped(long stop, const char *what, const char *unit, long step, const char *dir)
{
    if (tlmpi_rank() == 0)
        fprintf(stderr,
                "\n%s: stopped by signal %ld after %s %ld; the checkpoint is %s/model.ckpt (--resume goes on)\n", what,
                stop, unit, step, dir);
    /* no rank leaves before rank 0's checkpoint is whole: one that exits
     * with this code first would have mpirun end the job */
    tlmpi_barrier();
    tlmpi_agree_exit(128 + (int)stop);
    return 128 + (int)stop;
}

int stage_stop_all(void)
{
    long s = tlmpi_max_long((long)stage_stop);
    if (s)
        stage_stop = (sig_atomic_t)s;
    return (int)s;
}

void stage_sum_grads(Gpt *g)
{
    tlmpi_sum_float(g->net.grads_mem, g->net.nparams);
}

int stage_checkpoint(const char *dir, const Gpt *g, const Tokenizer *tok, const gsl_rng *rng, const cJSON *extra,
                     const StageLog *log, const char *what, const char *unit, long step, long last, long stop)
{
    if (tlmpi_rank() == 0) {
        stage_save(dir, g, tok, 1, rng, extra);
        stagelog_write(log, dir);
    }
    return stop && step < last ? stage_stopped(stop, what, unit, step, dir) : 0;
}

/* ---- data parallelism ---- */

void stage_share(size_t n, size_t *lo, size_t *hi)
{
    tlmpi_share(n, tlmpi_rank(), tlmpi_size(), lo, hi);
}

long stage_sync_step(Gpt *g, double *sums, int n)
{
    stage_sum_grads(g);
    tlmpi_sum_double(sums, (size_t)n);
    return stage_stop_all();
}

void stage_fmt_secs(double s, char *buf, size_t cap)
{
    if (!(s >= 0) || s > 1e10)
        snprintf(buf, cap, "?");
    else if (s < 60)
        snprintf(buf, cap, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else if (s < 100 * 3600)
        snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else /* a cluster's sweep: hours are easier to read than days */
        snprintf(buf, cap, "%.0fh", s / 3600);
}

void stage_progress(int enabled, const char *what, long done, long total, double t0, const char *extra)
{
    if (!enabled)
        return;
    double el = util_now() - t0;
    char eta[32];
    stage_fmt_secs(done > 0 ? el / (double)done * (double)(total - done) : -1, eta, sizeof eta);
    fprintf(stderr, "\r%s %ld/%ld  %s  ETA %s   ", what, done, total, extra ? extra : "", eta);
    if (done >= total)
        fputc('\n', stderr);
}

void stage_whiten(double *x, size_t n)
{
    if (n < 2)
        return;
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    v /= (double)(n - 1);
    double s = 1 / sqrt(v + 1e-8);
    for (size_t i = 0; i < n; i++)
        x[i] = (x[i] - m) * s;
}

/* ---- episodes ---- */

static void episodes_alloc(Episodes *e, int B, int P, int R, int32_t pad, int32_t eos)
{
    memset(e, 0, sizeof *e);
    e->B = B, e->P = P, e->R = R, e->W = P + R;
    e->pad = pad;
    e->eos_id = eos;
    e->tok = xmalloc((size_t)B * e->W * sizeof *e->tok);
    e->tg = xmalloc((size_t)B * e->W * sizeof *e->tg);
    e->start = xcalloc((size_t)B, sizeof *e->start);
    e->rlen = xcalloc((size_t)B, sizeof *e->rlen);
    e->eos = xcalloc((size_t)B, sizeof *e->eos);
    for (size_t i = 0; i < (size_t)B * e->W; i++)
        e->tok[i] = e->tg[i] = e->pad;
}

void episodes_init(Episodes *e, int B, int P, int R, const Tokenizer *tok)
{
    episodes_alloc(e, B, P, R, tok->pad, tok->eos);
}

void episodes_free(Episodes *e)
{
    free(e->tok);
    free(e->tg);
    free(e->start);
    free(e->rlen);
    free(e->eos);
    memset(e, 0, sizeof *e);
}

static void episodes_targets(Episodes *e, int b)
{
    int32_t *t = e->tok + (size_t)b * e->W, *g = e->tg + (size_t)b * e->W;
    for (int i = 0; i + 1 < e->W; i++)
        g[i] = t[i + 1];
    g[e->W - 1] = e->pad;
}

void episodes_prompt(Episodes *e, int b, const int32_t *p, int n)
{
    assert(n >= 1 && n <= e->P);
    int32_t *t = e->tok + (size_t)b * e->W;
    e->start[b] = e->P - n;
    for (int i = 0; i < e->start[b]; i++)
        t[i] = e->pad;
    memcpy(t + e->start[b], p, (size_t)n * sizeof *p);
    episodes_targets(e, b);
}

void episodes_response(Episodes *e, int b, const int32_t *r, int n)
{
    int32_t *t = e->tok + (size_t)b * e->W + e->P;
    int k = 0;
    e->eos[b] = 0;
    for (; k < n && k < e->R; k++) {
        t[k] = r[k];
        if (r[k] == e->eos_id) {
            e->eos[b] = 1;
            k++;
            break;
        }
    }
    e->rlen[b] = k;
    for (int i = k; i < e->R; i++)
        t[i] = e->pad;
    episodes_targets(e, b);
}

void episodes_select(const Episodes *e, const int *rows, int n, Episodes *sub)
{
    episodes_alloc(sub, n, e->P, e->R, e->pad, e->eos_id);
    for (int i = 0; i < n; i++) {
        int b = rows[i];
        memcpy(sub->tok + (size_t)i * e->W, e->tok + (size_t)b * e->W, (size_t)e->W * sizeof *e->tok);
        memcpy(sub->tg + (size_t)i * e->W, e->tg + (size_t)b * e->W, (size_t)e->W * sizeof *e->tg);
        sub->start[i] = e->start[b];
        sub->rlen[i] = e->rlen[b];
        sub->eos[i] = e->eos[b];
    }
}

void episodes_logprobs(Gpt *g, const Episodes *e, float temperature, int chunk, float *lp, float *ent)
{
    int W = e->W;
    float *buf = xmalloc((size_t)chunk * W * sizeof *buf);
    for (int b0 = 0; b0 < e->B; b0 += chunk) {
        int n = e->B - b0 < chunk ? e->B - b0 : chunk;
        gpt_logprobs(g, e->tok + (size_t)b0 * W, e->tg + (size_t)b0 * W, e->start + b0, n, W, e->P - 1, temperature, buf);
#pragma omp parallel for schedule(static) if (ent != NULL)
        for (int i = 0; i < n; i++) {
            int b = b0 + i;
            for (int k = 0; k < e->R; k++) {
                int on = k < e->rlen[b];
                lp[(size_t)b * e->R + k] = on ? buf[(size_t)i * W + e->P - 1 + k] : 0;
                if (ent)
                    ent[(size_t)b * e->R + k] = on ? (float)gpt_entropy_at(g, i, e->P - 1 + k) : 0;
            }
        }
    }
    free(buf);
}

void episodes_values(Gpt *g, const Episodes *e, int chunk, float *v, float *last)
{
    int W = e->W;
    for (int b0 = 0; b0 < e->B; b0 += chunk) {
        int n = e->B - b0 < chunk ? e->B - b0 : chunk;
        gpt_forward(g, e->tok + (size_t)b0 * W, NULL, NULL, e->start + b0, n, W);
        const float *val = gpt_values(g);
        for (int i = 0; i < n; i++) {
            int b = b0 + i;
            if (v)
                for (int k = 0; k < e->R; k++)
                    v[(size_t)b * e->R + k] = k < e->rlen[b] ? val[(size_t)i * W + e->P - 1 + k] : 0;
            if (last)
                last[b] = val[(size_t)i * W + e->P - 1 + e->rlen[b]];
        }
    }
}
