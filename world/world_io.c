/* world_io.c — a generated world on disk: writing it (world generate)
 * and opening it again for the judge, the labelers and the baselines. */
#include "world/world.h"
#include "build/commit.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/progress.h"
#include "common/rng.h"
#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const DOMAIN_DIRS[WD_N] = {"tldr", "news"};

/* Splits in file order for each domain. */
static const Split DOMAIN_SPLITS[WD_N][4] = {{SPLIT_TRAIN, SPLIT_VALID1, SPLIT_VALID2, SPLIT_TEST},
                                             {SPLIT_TRAIN, SPLIT_TEST, SPLIT_N, SPLIT_N}};

/* Post ids look like Reddit's ("t3_" and six base-36 digits): a bijection
 * of the document index mod 36^6, offset by the seed, so ids never repeat. */
static void tldr_id(uint64_t seed, size_t i, char *out, size_t cap)
{
    const uint64_t M = 2176782336ULL; /* 36^6 */
    uint64_t v = ((uint64_t)i * 1000003ULL + (seed % M)) % M;
    char d[7];
    for (int k = 5; k >= 0; k--) {
        d[k] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    }
    d[6] = '\0';
    snprintf(out, cap, "t3_%s", d);
}

/* News ids look like CNN/DM's 40 hex digits. */
static void news_id(uint64_t seed, size_t i, char *out, size_t cap)
{
    char buf[48];
    size_t o = 0;
    uint64_t h = rng_derive_seed(seed ^ 0x6e657773ULL, i);
    for (int part = 0; part < 3; part++) {
        h = rng_derive_seed(h, (uint64_t)part);
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%016llx", (unsigned long long)h);
    }
    buf[40] = '\0';
    snprintf(out, cap, "%s", buf);
}

typedef struct {
    AtomicFile *af;
} OutFile;

static AtomicFile *open_out(const char *dir, const char *sub, const char *name)
{
    char *d = sub ? util_path_join(dir, sub) : xstrdup(dir), *p = util_path_join(d, name);
    AtomicFile *af = atomic_open_mkdir(p);
    free(p);
    free(d);
    return af;
}

int world_generate(const WorldConfig *c, const Lexicon *lx, const char *dir, int progress, TlError *err)
{
    if (util_mkdir_p(dir) != 0) {
        tlerr_set(err, "%s: cannot create the directory: %s", dir, strerror(errno));
        return TL_EXIT_RUNTIME;
    }
    size_t total = 0;
    for (int dom = 0; dom < WD_N; dom++)
        for (int s = 0; s < SPLIT_N; s++)
            total += c->n[dom][s];
    AtomicFile *files[16];
    int nfiles = 0;
    AtomicFile *facts = open_out(dir, NULL, "facts.jsonl");
    files[nfiles++] = facts;
    gsl_rng *r = rng_alloc(c->seed);
    /* duplicate bodies are redrawn: an open-addressing set of 64-bit hashes */
    size_t nslots = 1;
    while (nslots < 2 * total + 16)
        nslots <<= 1;
    uint64_t *seen = xcalloc(nslots, sizeof *seen);
    Progress pr;
    progress_start(&pr, "generating the world", (double)total, progress);
    Doc d;
    DocText t;
    doctext_init(&t);
    size_t done = 0, redrawn = 0;
    size_t index[WD_N] = {0, 0};
    for (int dom = 0; dom < WD_N; dom++) {
        for (int q = 0; q < 4 && DOMAIN_SPLITS[dom][q] != SPLIT_N; q++) {
            Split sp = DOMAIN_SPLITS[dom][q];
            if (c->n[dom][sp] == 0)
                continue;
            char name[32];
            snprintf(name, sizeof name, "%s.jsonl", split_name(sp));
            AtomicFile *af = open_out(dir, DOMAIN_DIRS[dom], name);
            files[nfiles++] = af;
            for (size_t i = 0; i < c->n[dom][sp]; i++) {
                int tries = 0;
                for (;;) {
                    world_draw_doc(lx, c, r, dom, &d);
                    doctext_clear(&t);
                    world_render_doc(lx, c, r, &d, &t);
                    uint64_t h = util_fnv1a(UTIL_FNV_INIT, t.body.s, t.body.len) | 1;
                    size_t slot = (size_t)(h & (nslots - 1));
                    while (seen[slot] && seen[slot] != h)
                        slot = (slot + 1) & (nslots - 1);
                    if (!seen[slot]) {
                        seen[slot] = h;
                        break;
                    }
                    redrawn++;
                    if (++tries == 100) {
                        tlerr_set(err, "could not draw a post unlike the others after 100 tries: the lexicon "
                                       "is too small for %zu documents", total);
                        free(seen);
                        doctext_free(&t);
                        rng_free(r);
                        for (int k = 0; k < nfiles; k++)
                            atomic_abort(files[k]);
                        return TL_EXIT_INPUT;
                    }
                }
                d.split = (int8_t)sp;
                if (dom == WD_TLDR)
                    tldr_id(c->seed, index[dom]++, d.id, sizeof d.id);
                else
                    news_id(c->seed, index[dom]++, d.id, sizeof d.id);
                world_write_summary(lx, c, r, &d, AUTHOR_NOISY, &t.ref, &t);
                cJSON *j = cJSON_CreateObject();
                cJSON_AddStringToObject(j, "id", d.id);
                if (dom == WD_TLDR) {
                    cJSON_AddStringToObject(j, "subreddit", lx->sec[d.section].name);
                    cJSON_AddStringToObject(j, "title", sb_str(&t.title));
                    cJSON_AddStringToObject(j, "post", sb_str(&t.body));
                    cJSON_AddStringToObject(j, "summary", sb_str(&t.ref));
                } else {
                    cJSON_AddStringToObject(j, "site", lx->sites[d.site]);
                    cJSON_AddStringToObject(j, "title", sb_str(&t.title));
                    cJSON_AddStringToObject(j, "article", sb_str(&t.body));
                    cJSON_AddStringToObject(j, "highlights", sb_str(&t.ref));
                }
                jsonl_write(af->fp, j);
                jsonl_write(facts->fp, world_doc_to_json(lx, &d, t.tpl, t.ntpl));
                progress_update(&pr, (double)++done);
            }
        }
    }
    progress_finish(&pr);
    doctext_free(&t);
    free(seen);
    rng_free(r);

    AtomicFile *lxf = open_out(dir, NULL, "lexicon.json");
    files[nfiles++] = lxf;
    char *lxtext = lexicon_to_json(lx);
    fputs(lxtext, lxf->fp);
    fputc('\n', lxf->fp);
    free(lxtext);

    AtomicFile *wf = open_out(dir, NULL, "world.json");
    files[nfiles++] = wf;
    cJSON *w = cJSON_CreateObject();
    cJSON_AddNumberToObject(w, "format", WORLD_FORMAT);
    cJSON_AddStringToObject(w, "tldrlab", TLDRLAB_VERSION);
    cJSON_AddStringToObject(w, "commit", TLDRLAB_COMMIT);
    char hash[24];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)lx->hash);
    cJSON_AddStringToObject(w, "lexicon_hash", hash);
    cJSON *counts = cJSON_AddObjectToObject(w, "documents");
    for (int dom = 0; dom < WD_N; dom++) {
        cJSON *o = cJSON_AddObjectToObject(counts, DOMAIN_DIRS[dom]);
        for (int q = 0; q < 4 && DOMAIN_SPLITS[dom][q] != SPLIT_N; q++)
            cJSON_AddNumberToObject(o, split_name(DOMAIN_SPLITS[dom][q]), (double)c->n[dom][DOMAIN_SPLITS[dom][q]]);
    }
    cJSON_AddNumberToObject(w, "redrawn_duplicates", (double)redrawn);
    cJSON_AddNumberToObject(w, "templates", lx->ntemplates);
    cJSON_AddItemToObject(w, "config", world_config_to_json(c));
    char *ws = cJSON_Print(w);
    cJSON_Delete(w);
    fputs(ws, wf->fp);
    fputc('\n', wf->fp);
    free(ws);
    int bad = 0;
    for (int k = 0; k < nfiles && !bad; k++)
        bad = atomic_sync(files[k]) != 0;
    for (int k = 0; k < nfiles; k++) {
        if (bad)
            atomic_abort(files[k]);
        else if (atomic_commit(files[k]) != 0)
            bad = 1;
    }
    if (bad) {
        tlerr_set(err, "%s: could not write the world", dir);
        return TL_EXIT_RUNTIME;
    }
    /* no stale split file from an earlier world in the same folder */
    for (int dom = 0; dom < WD_N; dom++)
        for (int q = 0; q < 4 && DOMAIN_SPLITS[dom][q] != SPLIT_N; q++) {
            if (c->n[dom][DOMAIN_SPLITS[dom][q]] > 0)
                continue;
            char name[64];
            snprintf(name, sizeof name, "%s/%s.jsonl", DOMAIN_DIRS[dom], split_name(DOMAIN_SPLITS[dom][q]));
            char *p = util_path_join(dir, name);
            if (unlink(p) != 0 && errno != ENOENT) {
                tlerr_set(err, "%s: cannot remove this file of an earlier world: %s", p, strerror(errno));
                free(p);
                return TL_EXIT_RUNTIME;
            }
            free(p);
        }
    return 0;
}

/* ---- opening a world ---- */

int world_open(World *w, const char *dir, TlError *err)
{
    memset(w, 0, sizeof *w);
    strpool_init(&w->ids);
    w->dir = xstrdup(dir);
    char *p = util_path_join(dir, "world.json");
    FILE *probe = fopen(p, "r");
    if (!probe) {
        tlerr_set(err, "%s: not a world (no world.json: %s); make one with tldrlab world generate --out %s", dir,
                  strerror(errno), dir);
        goto fail;
    }
    fclose(probe);
    JsonFile wf;
    if (json_file_read(&wf, p, "world", err) != 0) {
        json_file_free(&wf);
        goto fail;
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(wf.json, "format");
    if (!cJSON_IsNumber(fmt) || fmt->valueint != WORLD_FORMAT) {
        json_src_error(err, &wf.src, "format", "expected world format %d; regenerate the world with this version",
                       WORLD_FORMAT);
        json_file_free(&wf);
        goto fail;
    }
    world_config_default(&w->cfg);
    JsonSrc cs = wf.src;
    cs.base = "config";
    if (world_config_from_json(&w->cfg, cJSON_GetObjectItemCaseSensitive(wf.json, "config"), &cs, err) != 0) {
        json_file_free(&wf);
        goto fail;
    }
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(wf.json, "lexicon_hash");
    char want[24];
    snprintf(want, sizeof want, "%s", cJSON_IsString(hash) ? hash->valuestring : "");
    json_file_free(&wf);
    free(p);
    p = util_path_join(dir, "lexicon.json");
    JsonFile lf;
    if (json_file_read(&lf, p, "world's lexicon", err) != 0) {
        json_file_free(&lf);
        goto fail;
    }
    cJSON *lj = lf.json;
    lf.json = NULL; /* the lexicon owns the tree */
    int lbad = lexicon_load_json(&w->lx, lj, &lf.src, err);
    json_file_free(&lf);
    if (lbad)
        goto fail;
    char have[24];
    snprintf(have, sizeof have, "%016llx", (unsigned long long)w->lx.hash);
    if (strcmp(have, want) != 0) {
        tlerr_input(err, p, 0, NULL, "the lexicon's hash %s is not the %s recorded in world.json: the world was "
                    "modified after it was generated", have, want);
        goto fail;
    }
    free(p);
    p = util_path_join(dir, "facts.jsonl");
    JsonlReader rd;
    if (jsonl_open(&rd, p, err) != 0)
        goto fail;
    size_t cap = 0;
    cJSON *j;
    int rc;
    while ((rc = jsonl_next(&rd, &j, err)) == 1) {
        GROW(w->docs, cap, w->ndocs + 1);
        Doc *d = &w->docs[w->ndocs];
        int bad = world_doc_from_json(&w->lx, j, d, rd.name, rd.line, err);
        cJSON_Delete(j);
        if (bad)
            break;
        if (strpool_find(&w->ids, d->id) >= 0) {
            tlerr_input(err, rd.name, rd.line, "id", "duplicate document id '%s'", d->id);
            bad = 1;
            break;
        }
        strpool_intern(&w->ids, d->id);
        w->ndocs++;
    }
    jsonl_close(&rd);
    if (rc != 0)
        goto fail;
    free(p);
    return 0;
fail:
    free(p);
    world_close(w);
    return -1;
}

long world_find(const World *w, const char *id)
{
    return strpool_find(&w->ids, id);
}

int world_load_texts(World *w, TlError *err)
{
    if (w->texts)
        return 0;
    w->title = xcalloc(w->ndocs + 1, sizeof *w->title);
    w->body = xcalloc(w->ndocs + 1, sizeof *w->body);
    w->ref = xcalloc(w->ndocs + 1, sizeof *w->ref);
    w->subreddit = xcalloc(w->ndocs + 1, sizeof *w->subreddit);
    w->texts = 1;
    for (int dom = 0; dom < WD_N; dom++) {
        for (int q = 0; q < 4 && DOMAIN_SPLITS[dom][q] != SPLIT_N; q++) {
            char name[64];
            snprintf(name, sizeof name, "%s/%s.jsonl", DOMAIN_DIRS[dom], split_name(DOMAIN_SPLITS[dom][q]));
            char *p = util_path_join(w->dir, name);
            FILE *probe = fopen(p, "r");
            if (!probe) {
                free(p);
                continue; /* a split of size 0 */
            }
            fclose(probe);
            JsonlReader rd;
            if (jsonl_open(&rd, p, err) != 0) {
                free(p);
                return -1;
            }
            cJSON *j;
            int rc;
            while ((rc = jsonl_next(&rd, &j, err)) == 1) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
                long k = cJSON_IsString(id) ? world_find(w, id->valuestring) : -1;
                const char *bk = dom == WD_TLDR ? "post" : "article", *rk = dom == WD_TLDR ? "summary" : "highlights";
                const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "title"), *b = cJSON_GetObjectItemCaseSensitive(j, bk),
                            *r = cJSON_GetObjectItemCaseSensitive(j, rk);
                if (k < 0 || !cJSON_IsString(t) || !cJSON_IsString(b) || !cJSON_IsString(r)) {
                    tlerr_input(err, rd.name, rd.line, k < 0 ? "id" : "title",
                                k < 0 ? "no such document in facts.jsonl" : "expected title, %s and %s strings", bk, rk);
                    cJSON_Delete(j);
                    rc = -1;
                    break;
                }
                free(w->title[k]);
                free(w->body[k]);
                free(w->ref[k]);
                w->title[k] = xstrdup(t->valuestring);
                w->body[k] = xstrdup(b->valuestring);
                w->ref[k] = xstrdup(r->valuestring);
                if (dom == WD_TLDR)
                    w->subreddit[k] = w->lx.sec[w->docs[k].section].name;
                cJSON_Delete(j);
            }
            jsonl_close(&rd);
            free(p);
            if (rc != 0)
                return -1;
        }
    }
    for (size_t k = 0; k < w->ndocs; k++)
        if (!w->body[k]) {
            tlerr_set(err, "%s: document %s is in facts.jsonl but in no %s/*.jsonl file", w->dir, w->docs[k].id,
                      DOMAIN_DIRS[w->docs[k].domain]);
            return -1;
        }
    return 0;
}

void world_close(World *w)
{
    if (!w)
        return;
    if (w->texts)
        for (size_t k = 0; k < w->ndocs; k++) {
            free(w->title[k]);
            free(w->body[k]);
            free(w->ref[k]);
        }
    free(w->title);
    free(w->body);
    free(w->ref);
    free(w->subreddit);
    free(w->docs);
    strpool_free(&w->ids);
    if (w->lx.json || w->lx.c)
        lexicon_free(&w->lx);
    free(w->dir);
    memset(w, 0, sizeof *w);
}
