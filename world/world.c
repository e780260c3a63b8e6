/* world.c — the in-silico world: configuration, drawing latent documents,
 * rendering posts, articles, titles and summaries, and the facts format. */
#include "world/world.h"
#include "world/render.h"
#include "common/jsonl.h"
#include "common/util.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

/* ---- configuration ---- */

void world_config_default(WorldConfig *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 20200902ULL;
    c->n[WD_TLDR][SPLIT_TRAIN] = 20000;
    c->n[WD_TLDR][SPLIT_VALID1] = 1000;
    c->n[WD_TLDR][SPLIT_VALID2] = 1000;
    c->n[WD_TLDR][SPLIT_TEST] = 1000;
    c->n[WD_NEWS][SPLIT_TRAIN] = 2000;
    c->n[WD_NEWS][SPLIT_TEST] = 500;
    c->post_words[0] = 80, c->post_words[1] = 250;
    c->article_words[0] = 320, c->article_words[1] = 640;
    c->distractors[0] = 1, c->distractors[1] = 3;
    c->details[0] = 2, c->details[1] = 6;
    c->article_details[0] = 3, c->article_details[1] = 7;
    c->paraphrase = 0.6;
    c->opener = 0.5, c->closer = 0.5;
    c->ref_event = 0.95, c->ref_ask = 0.7, c->ref_joke = 0.15, c->ref_drift = 0.12, c->ref_age = 0.4;
    c->ref_detail[0] = 0.15, c->ref_detail[1] = 0.5;
    c->ref_words[0] = 8, c->ref_words[1] = 40;
    c->highlights[0] = 2, c->highlights[1] = 4;
    c->w_coverage = 0.6, c->w_coherence = 0.4;
    c->invent_penalty = 0.5, c->contra_penalty = 1.0;
    c->length_start[WD_TLDR] = 30, c->length_start[WD_NEWS] = 45;
    c->length_scale = 8;
    c->length_cost = 0.01;
    c->fw_relation = 1.0, c->fw_person2 = 0.5, c->fw_narrator = 0.5, c->fw_age = 0.25;
    c->fw_place[WD_TLDR] = 0.5, c->fw_place[WD_NEWS] = 1.5;
    c->fw_duration = 0.3;
    c->lm_docs = 20000;
    c->workers = 40;
    /* calibrated on pairs of two draws of the reference author (docs/world.md) */
    c->sharpness[0] = 15.0, c->sharpness[1] = 4.5;
    c->length_bias[0] = 1.0, c->length_bias[1] = 0.5;
    c->carelessness[0] = 0.0, c->carelessness[1] = 0.12;
    c->rating_noise[0] = 0.10, c->rating_noise[1] = 0.03;
    c->shared_taste = 0.065;
    c->confidence_cuts[0] = 0.6, c->confidence_cuts[1] = 1.4, c->confidence_cuts[2] = 2.4;
}

typedef enum { CT_DBL, CT_INT, CT_SIZE, CT_U64 } CfgType;

typedef struct {
    const char *sec, *key;
    CfgType type;
    size_t off;
    int n;           /* 1: a scalar; 2-3: an array of n */
    double lo, hi;
} CfgItem;

#define F(field) offsetof(WorldConfig, field)
static const CfgItem CFG[] = {
    {"world", "post_words", CT_INT, F(post_words), 2, 5, 5000},
    {"world", "article_words", CT_INT, F(article_words), 2, 5, 20000},
    {"world", "distractors", CT_INT, F(distractors), 2, 0, DOC_MAX_DISTRACT},
    {"world", "details", CT_INT, F(details), 2, 1, DOC_MAX_FACTS - 2},
    {"world", "article_details", CT_INT, F(article_details), 2, 1, DOC_MAX_FACTS - 2},
    {"world", "paraphrase", CT_DBL, F(paraphrase), 1, 0, 1},
    {"world", "opener", CT_DBL, F(opener), 1, 0, 1},
    {"world", "closer", CT_DBL, F(closer), 1, 0, 1},
    {"reference", "event", CT_DBL, F(ref_event), 1, 0, 1},
    {"reference", "ask", CT_DBL, F(ref_ask), 1, 0, 1},
    {"reference", "joke", CT_DBL, F(ref_joke), 1, 0, 1},
    {"reference", "drift", CT_DBL, F(ref_drift), 1, 0, 1},
    {"reference", "age", CT_DBL, F(ref_age), 1, 0, 1},
    {"reference", "detail", CT_DBL, F(ref_detail), 2, 0, 1},
    {"reference", "words", CT_INT, F(ref_words), 2, 1, 1000},
    {"reference", "highlights", CT_INT, F(highlights), 2, 1, 10},
    {"judge", "coverage_weight", CT_DBL, F(w_coverage), 1, 0, 100},
    {"judge", "coherence_weight", CT_DBL, F(w_coherence), 1, 0, 100},
    {"judge", "invent_penalty", CT_DBL, F(invent_penalty), 1, 0, 100},
    {"judge", "contradict_penalty", CT_DBL, F(contra_penalty), 1, 0, 100},
    {"judge", "length_start", CT_DBL, F(length_start), 2, 0, 100000},
    {"judge", "length_scale", CT_DBL, F(length_scale), 1, 0.5, 1000},
    {"judge", "length_cost", CT_DBL, F(length_cost), 1, 0, 1},
    {"judge", "relation_weight", CT_DBL, F(fw_relation), 1, 0, 10},
    {"judge", "second_person_weight", CT_DBL, F(fw_person2), 1, 0, 10},
    {"judge", "narrator_weight", CT_DBL, F(fw_narrator), 1, 0, 10},
    {"judge", "age_weight", CT_DBL, F(fw_age), 1, 0, 10},
    {"judge", "place_weight", CT_DBL, F(fw_place), 2, 0, 10},
    {"judge", "duration_weight", CT_DBL, F(fw_duration), 1, 0, 10},
    {"judge", "lm_docs", CT_SIZE, F(lm_docs), 1, 100, 10000000},
    {"labelers", "workers", CT_INT, F(workers), 1, 2, 100000},
    {"labelers", "sharpness", CT_DBL, F(sharpness), 2, 0, 1000},
    {"labelers", "length_bias", CT_DBL, F(length_bias), 2, -100, 100},
    {"labelers", "carelessness", CT_DBL, F(carelessness), 2, 0, 1},
    {"labelers", "rating_noise", CT_DBL, F(rating_noise), 2, 0, 10},
    {"labelers", "shared_taste", CT_DBL, F(shared_taste), 1, 0, 10},
    {"labelers", "confidence_cuts", CT_DBL, F(confidence_cuts), 3, 0, 1000},
    {"labelers", "seed", CT_U64, F(labeler_seed), 1, 0, 0},
};
#undef F
#define NCFG (sizeof CFG / sizeof CFG[0])

static const char *const SPLIT_KEYS[WD_N][4] = {{"train", "valid1", "valid2", "test"}, {"train", "test", NULL, NULL}};

static int cfg_set(WorldConfig *c, const CfgItem *it, const cJSON *v, const JsonSrc *src, TlError *err)
{
    char field[96];
    snprintf(field, sizeof field, "%s.%s", it->sec, it->key);
    const cJSON *vals[3];
    if (it->n == 1) {
        vals[0] = v;
    } else {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != it->n) {
            json_src_error(err, src, field, "expected an array of %d numbers", it->n);
            return -1;
        }
        for (int k = 0; k < it->n; k++)
            vals[k] = cJSON_GetArrayItem(v, k);
    }
    for (int k = 0; k < it->n; k++) {
        const cJSON *x = vals[k];
        if (it->type == CT_U64) {
            uint64_t u;
            char buf[32];
            if (cJSON_IsString(x) && util_parse_u64(x->valuestring, &u) == 0) {
                *(uint64_t *)((char *)c + it->off) = u;
                continue;
            }
            if (cJSON_IsNumber(x) && x->valuedouble >= 0 && x->valuedouble < 9007199254740992.0 &&
                x->valuedouble == floor(x->valuedouble)) {
                snprintf(buf, sizeof buf, "%.0f", x->valuedouble);
                util_parse_u64(buf, &u);
                *(uint64_t *)((char *)c + it->off) = u;
                continue;
            }
            json_src_error(err, src, field,
                        "expected a non-negative whole number below 2^53, or any 64-bit seed as a string of digits");
            return -1;
        }
        if (!cJSON_IsNumber(x) || x->valuedouble < it->lo || x->valuedouble > it->hi ||
            (it->type != CT_DBL && x->valuedouble != floor(x->valuedouble))) {
            json_src_error(err, src, field, "expected %s from %g to %g",
                        it->type == CT_DBL ? "a number" : "a whole number", it->lo, it->hi);
            return -1;
        }
        if (it->type == CT_DBL)
            ((double *)((char *)c + it->off))[k] = x->valuedouble;
        else if (it->type == CT_INT)
            ((int *)((char *)c + it->off))[k] = (int)x->valuedouble;
        else
            ((size_t *)((char *)c + it->off))[k] = (size_t)x->valuedouble;
    }
    if (it->n >= 2 && it->type != CT_U64 && strcmp(it->key, "confidence_cuts") != 0 &&
        strcmp(it->key, "place_weight") != 0 && strcmp(it->key, "length_start") != 0 &&
        strcmp(it->key, "sharpness") != 0 && strcmp(it->key, "length_bias") != 0 &&
        strcmp(it->key, "rating_noise") != 0 && strcmp(it->key, "detail") != 0) {
        double a = it->type == CT_DBL ? ((double *)((char *)c + it->off))[0] : ((int *)((char *)c + it->off))[0];
        double b = it->type == CT_DBL ? ((double *)((char *)c + it->off))[1] : ((int *)((char *)c + it->off))[1];
        if (a > b) {
            json_src_error(err, src, field, "expected [min, max] with min <= max");
            return -1;
        }
    }
    return 0;
}

int world_config_from_json(WorldConfig *c, const cJSON *root, const JsonSrc *src, TlError *err)
{
    if (!cJSON_IsObject(root)) {
        json_src_error(err, src, NULL, "expected a JSON object");
        return -1;
    }
    if (world_config_check_sections(root, src, err) != 0)
        return -1;
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (seed) {
        CfgItem it = {"", "seed", CT_U64, offsetof(WorldConfig, seed), 1, 0, 0};
        if (cfg_set(c, &it, seed, src, err) != 0) {
            json_src_error(err, src, "seed",
                        "expected a non-negative whole number below 2^53, or any 64-bit seed as a string of digits");
            return -1;
        }
    }
    static const char *const SECS[] = {"world", "reference", "judge", "labelers"};
    for (size_t s = 0; s < 4; s++) {
        const cJSON *sec = cJSON_GetObjectItemCaseSensitive(root, SECS[s]);
        if (!sec)
            continue;
        if (!cJSON_IsObject(sec)) {
            json_src_error(err, src, SECS[s], "expected an object");
            return -1;
        }
        const cJSON *v;
        cJSON_ArrayForEach(v, sec) {
            if (s == 0 && strcmp(v->string, "splits") == 0) {
                if (!cJSON_IsObject(v)) {
                    json_src_error(err, src, "world.splits", "expected an object with tldr and news");
                    return -1;
                }
                const cJSON *dk;
                cJSON_ArrayForEach(dk, v) {
                    if (strcmp(dk->string, "tldr") != 0 && strcmp(dk->string, "news") != 0) {
                        char field[96];
                        snprintf(field, sizeof field, "world.splits.%s", dk->string);
                        json_src_error(err, src, field, "unknown dataset (known: tldr, news)");
                        return -1;
                    }
                }
                for (int dom = 0; dom < WD_N; dom++) {
                    const char *dn = dom == WD_TLDR ? "tldr" : "news";
                    const cJSON *o = cJSON_GetObjectItemCaseSensitive(v, dn);
                    if (!o)
                        continue;
                    if (!cJSON_IsObject(o)) {
                        char field[64];
                        snprintf(field, sizeof field, "world.splits.%s", dn);
                        json_src_error(err, src, field, "expected an object of split -> documents");
                        return -1;
                    }
                    const cJSON *x;
                    cJSON_ArrayForEach(x, o) {
                        int k = -1;
                        for (int q = 0; q < 4 && SPLIT_KEYS[dom][q]; q++)
                            if (strcmp(x->string, SPLIT_KEYS[dom][q]) == 0)
                                k = split_parse(x->string);
                        char field[64];
                        snprintf(field, sizeof field, "world.splits.%s.%s", dn, x->string);
                        if (k < 0) {
                            json_src_error(err, src, field, "unknown split (%s has %s)", dn,
                                        dom == WD_TLDR ? "train, valid1, valid2, test" : "train, test");
                            return -1;
                        }
                        if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 1e7 ||
                            x->valuedouble != floor(x->valuedouble)) {
                            json_src_error(err, src, field, "expected a whole number of documents from 0 to 10000000");
                            return -1;
                        }
                        c->n[dom][k] = (size_t)x->valuedouble;
                    }
                }
                continue;
            }
            const CfgItem *it = NULL;
            for (size_t i = 0; i < NCFG; i++)
                if (strcmp(CFG[i].sec, SECS[s]) == 0 && strcmp(CFG[i].key, v->string) == 0)
                    it = &CFG[i];
            if (!it) {
                char field[96], known[512] = "";
                snprintf(field, sizeof field, "%s.%s", SECS[s], v->string);
                for (size_t i = 0; i < NCFG; i++)
                    if (strcmp(CFG[i].sec, SECS[s]) == 0)
                        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", *known ? ", " : "",
                                 CFG[i].key);
                json_src_error(err, src, field, "unknown setting (known: %s%s)", s == 0 ? "splits, " : "", known);
                return -1;
            }
            if (cfg_set(c, it, v, src, err) != 0)
                return -1;
        }
    }
    if (c->sharpness[0] <= 0) {
        json_src_error(err, src, "labelers.sharpness", "the mean must be above 0 (it is lognormal)");
        return -1;
    }
    size_t total = 0;
    for (int dom = 0; dom < WD_N; dom++)
        for (int k = 0; k < SPLIT_N; k++)
            total += c->n[dom][k];
    if (total == 0) {
        json_src_error(err, src, "world.splits", "no documents: every split size is 0");
        return -1;
    }
    return 0;
}

int world_config_read(WorldConfig *c, const char *path, TlError *err)
{
    JsonFile f;
    int rc = json_file_read(&f, path, "config", err);
    if (rc == 0)
        rc = world_config_from_json(c, f.json, &f.src, err);
    json_file_free(&f);
    return rc;
}

/* Every section a run config may hold: the world's (read here) and the
 * language model's (cli/cmd_lm.c). One list, so that a misspelt section is
 * refused by every reader alike. */
static const char *const RUN_CONFIG_KEYS[] = {"seed", "world", "reference", "judge", "labelers", "model", "train"};

int world_config_check_sections(const cJSON *root, const JsonSrc *src, TlError *err)
{
    const size_t nk = sizeof RUN_CONFIG_KEYS / sizeof RUN_CONFIG_KEYS[0];
    for (const cJSON *v = root->child; v; v = v->next) {
        size_t k = 0;
        while (k < nk && strcmp(v->string, RUN_CONFIG_KEYS[k]) != 0)
            k++;
        if (k < nk)
            continue;
        char known[160] = "";
        for (k = 0; k < nk; k++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "", RUN_CONFIG_KEYS[k]);
        json_src_error(err, src, v->string, "unknown key (known: %s)", known);
        return -1;
    }
    return 0;
}

cJSON *world_config_to_json(const WorldConfig *c)
{
    cJSON *root = cJSON_CreateObject();
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)c->seed);
    cJSON_AddStringToObject(root, "seed", buf); /* a string: exact for any 64-bit seed */
    cJSON *w = cJSON_AddObjectToObject(root, "world");
    cJSON *splits = cJSON_AddObjectToObject(w, "splits");
    for (int dom = 0; dom < WD_N; dom++) {
        cJSON *o = cJSON_AddObjectToObject(splits, dom == WD_TLDR ? "tldr" : "news");
        for (int q = 0; q < 4 && SPLIT_KEYS[dom][q]; q++)
            cJSON_AddNumberToObject(o, SPLIT_KEYS[dom][q], (double)c->n[dom][split_parse(SPLIT_KEYS[dom][q])]);
    }
    static const char *const SECS[] = {"world", "reference", "judge", "labelers"};
    for (size_t s = 0; s < 4; s++) {
        cJSON *sec = s == 0 ? w : cJSON_AddObjectToObject(root, SECS[s]);
        for (size_t i = 0; i < NCFG; i++) {
            const CfgItem *it = &CFG[i];
            if (strcmp(it->sec, SECS[s]) != 0)
                continue;
            cJSON *vals[3];
            for (int k = 0; k < it->n; k++) {
                const char *p = (const char *)c + it->off;
                if (it->type == CT_U64) {
                    snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)p);
                    vals[k] = cJSON_CreateString(buf);
                } else if (it->type == CT_DBL) {
                    vals[k] = cJSON_CreateNumber(((const double *)p)[k]);
                } else if (it->type == CT_INT) {
                    vals[k] = cJSON_CreateNumber(((const int *)p)[k]);
                } else {
                    vals[k] = cJSON_CreateNumber((double)((const size_t *)p)[k]);
                }
            }
            if (it->n == 1) {
                cJSON_AddItemToObject(sec, it->key, vals[0]);
            } else {
                cJSON *a = cJSON_AddArrayToObject(sec, it->key);
                for (int k = 0; k < it->n; k++)
                    cJSON_AddItemToArray(a, vals[k]);
            }
        }
    }
    return root;
}

/* ---- drawing a document ---- */

static int uniform_int(gsl_rng *r, int lo, int hi)
{
    return hi <= lo ? lo : lo + (int)gsl_rng_uniform_int(r, (unsigned long)(hi - lo + 1));
}

static int intro_has_dur(const Lexicon *lx, int group)
{
    const TplList *t = &lx->intros[group < 0 ? lx->ngroups : group];
    if (t->n == 0)
        return 0;
    for (size_t i = 0; i < t->n; i++)
        if (!strstr(t->t[i], "$dur"))
            return 0;
    return 1;
}

/* A duration for concept c (NULL: the intro's), never more years than the
 * person has been an adult (age: the narrator's or the subject's). */
static void draw_dur(gsl_rng *r, const Concept *c, int age, int16_t *n, int8_t *unit)
{
    if (c && c->dur_unit) {
        *unit = (int8_t)c->dur_unit;
        *n = (int16_t)uniform_int(r, c->dur_lo, c->dur_hi);
    } else if (gsl_rng_uniform(r) < 0.6) {
        *unit = UNIT_YEAR;
        *n = (int16_t)uniform_int(r, 2, 12);
    } else {
        *unit = UNIT_MONTH;
        *n = (int16_t)uniform_int(r, 2, 11);
    }
    int cap = age > 18 ? age - 16 : 2;
    if (*unit == UNIT_YEAR && *n > cap)
        *n = (int16_t)cap;
}

static int64_t draw_money(gsl_rng *r, int domain, const Concept *c)
{
    double lo = log(c->money_lo > 0 ? c->money_lo : domain == WD_TLDR ? 150 : 500);
    double hi = log(c->money_hi > 0 ? c->money_hi : domain == WD_TLDR ? 40000 : 250000);
    double v = exp(lo + (hi - lo) * gsl_rng_uniform(r));
    double mag = pow(10, floor(log10(v)) - 1);
    return (int64_t)(floor(v / mag + 0.5) * mag);
}

static void draw_person(const Lexicon *lx, gsl_rng *r, int group, int nar_age, char nar_g, int exclude,
                        int absolute, DocPerson *p)
{
    int members[64], n = 0;
    char want = 0;
    const char *gname = lx->groups[group];
    if ((strcmp(gname, "partner") == 0 || strcmp(gname, "ex") == 0) && nar_g)
        want = gsl_rng_uniform(r) < 0.85 ? (nar_g == 'F' ? 'M' : 'F') : nar_g;
    for (size_t i = 0; i < lx->group_n[group] && n < 64; i++) {
        int ci = lx->group_members[group][i];
        if (ci == exclude)
            continue;
        if (want && lx->c[ci].gender != 'A' && lx->c[ci].gender != want)
            continue;
        members[n++] = ci;
    }
    if (n == 0) {
        for (size_t i = 0; i < lx->group_n[group] && n < 64; i++)
            if (lx->group_members[group][i] != exclude)
                members[n++] = lx->group_members[group][i];
    }
    if (n == 0) {
        p->rel = -1;
        return;
    }
    const Concept *c = &lx->c[members[gsl_rng_uniform_int(r, (unsigned long)n)]];
    p->rel = (int)(c - lx->c);
    p->form = c->nforms > 1 && gsl_rng_uniform(r) < 0.4 ? uniform_int(r, 1, (int)c->nforms - 1) : 0;
    p->age = absolute ? uniform_int(r, c->age_lo, c->age_hi) : nar_age + uniform_int(r, c->age_lo, c->age_hi);
    int floor_age = strcmp(gname, "partner") == 0 || strcmp(gname, "ex") == 0 ? 18 : 14;
    if (p->age < floor_age)
        p->age = floor_age;
    if (p->age > 95)
        p->age = 95;
    p->gender = c->gender != 'A' ? c->gender : gsl_rng_uniform(r) < 0.5 ? 'F' : 'M';
}

static int pick_section(const Lexicon *lx, gsl_rng *r, int domain)
{
    double total = 0;
    for (size_t s = 0; s < lx->nsec; s++)
        if (lx->sec[s].domain == domain)
            total += lx->sec[s].weight;
    double u = gsl_rng_uniform(r) * total;
    int last = -1;
    for (size_t s = 0; s < lx->nsec; s++) {
        if (lx->sec[s].domain != domain)
            continue;
        last = (int)s;
        u -= lx->sec[s].weight;
        if (u < 0)
            return (int)s;
    }
    return last;
}

void world_draw_doc(const Lexicon *lx, const WorldConfig *c, gsl_rng *r, int domain, Doc *d)
{
    memset(d, 0, sizeof *d);
    d->domain = (int8_t)domain;
    d->place = d->place_form = -1;
    d->p[0].rel = d->p[1].rel = -1;
    d->section = (int16_t)pick_section(lx, r, domain);
    const Section *sec = &lx->sec[d->section];
    int ev = sec->events[gsl_rng_uniform_int(r, sec->nevents)];
    const Concept *e = &lx->c[ev];
    d->f[0].concept = ev;
    d->f[0].weight = (float)(e->w_lo + (e->w_hi - e->w_lo) * gsl_rng_uniform(r));
    d->nf = 1;
    int want_place = domain == WD_NEWS || e->value == VAL_PLACE;
    if (domain == WD_TLDR) {
        d->nar_age = uniform_int(r, 18, 45);
        d->nar_g = gsl_rng_uniform(r) < 0.5 ? 'F' : 'M';
        if (e->person_group >= 0)
            draw_person(lx, r, e->person_group, d->nar_age, d->nar_g, -1, 0, &d->p[0]);
        if (intro_has_dur(lx, e->person_group)) {
            int younger = d->p[0].rel >= 0 && d->p[0].age < d->nar_age ? d->p[0].age : d->nar_age;
            draw_dur(r, NULL, younger, &d->dur_n, &d->dur_unit);
            if (e->person_group >= 0 && strcmp(lx->groups[e->person_group], "friend") == 0 &&
                d->dur_unit == UNIT_MONTH) {
                d->dur_unit = UNIT_YEAR; /* friends (childhood ones too) go back years */
                d->dur_n = (int16_t)(d->dur_n < younger - 16 ? d->dur_n : younger > 18 ? younger - 16 : 2);
            }
        }
    } else {
        draw_person(lx, r, e->person_group, 0, 0, -1, 1, &d->p[0]);
        d->site = (int)gsl_rng_uniform_int(r, lx->nsites);
    }
    d->currency = domain == WD_NEWS && strcmp(lx->sites[d->site], "dailymail") == 0 ? 'L' : '$';
    int age = domain == WD_TLDR ? d->nar_age : d->p[0].age;
    if (e->value == VAL_DUR)
        draw_dur(r, e, age, &d->f[0].dur_n, &d->f[0].dur_unit);
    if (e->value == VAL_MONEY)
        d->f[0].money = draw_money(r, domain, e);
    /* details, without replacement */
    int pool[64], np = 0;
    for (size_t i = 0; i < e->ndetails && np < 64; i++)
        pool[np++] = e->details[i];
    const int *dr = domain == WD_TLDR ? c->details : c->article_details;
    int want = uniform_int(r, dr[0], dr[1]);
    if (want > DOC_MAX_FACTS - 2)
        want = DOC_MAX_FACTS - 2;
    while (d->nf - 1 < want && np > 0) {
        int k = (int)gsl_rng_uniform_int(r, (unsigned long)np);
        int di = pool[k];
        pool[k] = pool[--np];
        const Concept *dc = &lx->c[di];
        if (dc->with_group >= 0) {
            if (d->p[1].rel < 0)
                draw_person(lx, r, dc->with_group, domain == WD_TLDR ? d->nar_age : d->p[0].age,
                            domain == WD_TLDR ? d->nar_g : 0, d->p[0].rel, 0, &d->p[1]);
            else if (lx->c[d->p[1].rel].group != dc->with_group)
                continue;
            if (d->p[1].rel < 0)
                continue;
        }
        DocFact *f = &d->f[d->nf++];
        f->concept = di;
        f->weight = (float)(dc->w_lo + (dc->w_hi - dc->w_lo) * gsl_rng_uniform(r));
        if (dc->value == VAL_DUR)
            draw_dur(r, dc, age, &f->dur_n, &f->dur_unit);
        else if (dc->value == VAL_MONEY)
            f->money = draw_money(r, domain, dc);
        else if (dc->value == VAL_PLACE)
            want_place = 1;
    }
    int closing = domain == WD_TLDR ? (e->nasks ? e->asks[gsl_rng_uniform_int(r, e->nasks)] : -1) : e->outcome;
    if (closing >= 0) {
        const Concept *a = &lx->c[closing];
        DocFact *f = &d->f[d->nf++];
        f->concept = closing;
        f->weight = (float)(a->w_lo + (a->w_hi - a->w_lo) * gsl_rng_uniform(r));
        if (a->value == VAL_DUR)
            draw_dur(r, a, age, &f->dur_n, &f->dur_unit);
        else if (a->value == VAL_MONEY)
            f->money = draw_money(r, domain, a);
        else if (a->value == VAL_PLACE)
            want_place = 1;
    }
    if (want_place) {
        d->place = lx->places[domain][gsl_rng_uniform_int(r, lx->nplaces[domain])];
        d->place_form = (int)gsl_rng_uniform_int(r, lx->c[d->place].nforms);
    }
    int nd = uniform_int(r, c->distractors[0], c->distractors[1]);
    if ((size_t)nd > lx->ndistractors[domain])
        nd = (int)lx->ndistractors[domain];
    int dpool[64], ndp = 0;
    for (size_t i = 0; i < lx->ndistractors[domain] && ndp < 64; i++)
        dpool[ndp++] = lx->distractors[domain][i];
    for (int k = 0; k < nd && ndp > 0; k++) {
        int q = (int)gsl_rng_uniform_int(r, (unsigned long)ndp);
        d->dis[d->ndis++] = dpool[q];
        dpool[q] = dpool[--ndp];
    }
}

/* ---- formatting values ---- */

static const char *const UNIT_NAMES[] = {"", "day", "week", "month", "year"};
const char *world_unit_name(int unit)
{
    return unit > 0 && unit <= UNIT_YEAR ? UNIT_NAMES[unit] : "";
}

static const char *const NUMBER_WORDS[] = {"zero", "one", "two", "three", "four", "five", "six",
                                           "seven", "eight", "nine", "ten", "eleven", "twelve"};

void world_format_dur(int n, int unit, int words, StrBuf *out)
{
    if (words && n >= 0 && n <= 12)
        sb_printf(out, "%s %s%s", NUMBER_WORDS[n], world_unit_name(unit), n == 1 ? "" : "s");
    else
        sb_printf(out, "%d %s%s", n, world_unit_name(unit), n == 1 ? "" : "s");
}

void world_format_money(int64_t v, char currency, int short_form, StrBuf *out)
{
    sb_add(out, currency == 'L' ? "\xC2\xA3" : "$");
    if (short_form && v >= 1000 && v % 1000 == 0) {
        sb_printf(out, "%lldk", (long long)(v / 1000));
        return;
    }
    char digits[32], grouped[48];
    snprintf(digits, sizeof digits, "%lld", (long long)v);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[o++] = ',';
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    sb_add(out, grouped);
}

/* ---- slots for one document ---- */

typedef struct {
    Slots s;
    char age[8], g[2], rage[8], rg[2], place[64];
    StrBuf dur, money;
} DocSlots;

static void pronouns(char g, const char **he, const char **him, const char **his, const char **He,
                     const char **Him, const char **His)
{
    int f = g == 'F';
    *he = f ? "she" : "he";
    *him = f ? "her" : "him";
    *his = f ? "her" : "his";
    *He = f ? "She" : "He";
    *Him = f ? "Her" : "Him";
    *His = f ? "Her" : "His";
}

static void slots_init(DocSlots *ds)
{
    memset(ds, 0, sizeof *ds);
    sb_init(&ds->dur);
    sb_init(&ds->money);
}

static void slots_free(DocSlots *ds)
{
    sb_free(&ds->dur);
    sb_free(&ds->money);
}

/* Sets the slots for doc d; fact f (may be NULL) supplies $dur and $money. */
static void slots_set(const Lexicon *lx, gsl_rng *r, const Doc *d, const DocFact *f, int intro, DocSlots *ds)
{
    Slots *s = &ds->s;
    memset(s->v, 0, sizeof s->v);
    s->rel_age_once = 0;
    if (d->domain == WD_TLDR) {
        snprintf(ds->age, sizeof ds->age, "%d", d->nar_age);
        ds->g[0] = d->nar_g;
        s->v[S_AGE] = ds->age;
        s->v[S_G] = ds->g;
    }
    for (int k = 0; k < 2; k++) {
        const DocPerson *p = &d->p[k];
        if (p->rel < 0)
            continue;
        const Concept *c = &lx->c[p->rel];
        int form = p->form;
        if (c->nforms > 1 && gsl_rng_uniform(r) < 0.2)
            form = (int)gsl_rng_uniform_int(r, c->nforms);
        int base = k == 0 ? 0 : S_HE2 - S_HE; /* the pronoun slots of the second person */
        s->v[k == 0 ? S_REL : S_REL2] = c->forms[form];
        pronouns(p->gender, &s->v[S_HE + base], &s->v[S_HIM + base], &s->v[S_HIS + base], &s->v[S_HE_C + base],
                 &s->v[S_HIM_C + base], &s->v[S_HIS_C + base]);
        if (k == 0) {
            snprintf(ds->rage, sizeof ds->rage, "%d", p->age);
            ds->rg[0] = p->gender;
            s->v[S_RAGE] = ds->rage;
            s->v[S_RG] = ds->rg;
        }
    }
    if (d->place >= 0) {
        snprintf(ds->place, sizeof ds->place, "%s", lx->c[d->place].forms[d->place_form]);
        s->v[S_PLACE] = ds->place;
    }
    sb_clear(&ds->dur);
    sb_clear(&ds->money);
    int dn = intro ? d->dur_n : f ? f->dur_n : 0, du = intro ? d->dur_unit : f ? f->dur_unit : 0;
    if (dn > 0) {
        world_format_dur(dn, du, gsl_rng_uniform(r) < 0.5, &ds->dur);
        s->v[S_DUR] = sb_str(&ds->dur);
    }
    if (f && f->money > 0) {
        world_format_money(f->money, d->currency, gsl_rng_uniform(r) < 0.4, &ds->money);
        s->v[S_MONEY] = sb_str(&ds->money);
    }
}

/* ---- text of a document ---- */

void doctext_init(DocText *t)
{
    memset(t, 0, sizeof *t);
    sb_init(&t->title);
    sb_init(&t->body);
    sb_init(&t->ref);
}

void doctext_free(DocText *t)
{
    sb_free(&t->title);
    sb_free(&t->body);
    sb_free(&t->ref);
    free(t->tpl);
    memset(t, 0, sizeof *t);
}

void doctext_clear(DocText *t)
{
    sb_clear(&t->title);
    sb_clear(&t->body);
    sb_clear(&t->ref);
    t->ntpl = 0;
}

static void note_tpl(DocText *t, uint32_t idx)
{
    if (!t)
        return;
    GROW(t->tpl, t->tplcap, t->ntpl + 1);
    t->tpl[t->ntpl++] = idx;
}

/* Renders one template of list (index k, or random when k < 0) as a
 * tidied sentence into out (replacing its contents). Returns the index. */
static size_t render_one(const TplList *list, long k, DocSlots *ds, gsl_rng *r, double para, DocText *sink,
                         StrBuf *out)
{
    sb_clear(out);
    size_t i = k >= 0 ? (size_t)k : gsl_rng_uniform_int(r, list->n);
    render_template(list->t[i], &ds->s, r, para, out);
    render_tidy(out, 0);
    note_tpl(sink, list->tpl0 + (uint32_t)i);
    return i;
}

typedef struct {
    char **s;
    size_t n, cap;
} Sentences;

static void sent_insert(Sentences *ss, size_t at, const char *text)
{
    GROW(ss->s, ss->cap, ss->n + 1);
    memmove(ss->s + at + 1, ss->s + at, (ss->n - at) * sizeof *ss->s);
    ss->s[at] = xstrdup(text);
    ss->n++;
}

static void sent_free(Sentences *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        free(ss->s[i]);
    free(ss->s);
}

/* Prefixes a connector: "Also, " + the sentence with its first letter
 * lowered, unless it starts with "I" or a non-letter. */
static void with_connector(const Lexicon *lx, int domain, gsl_rng *r, StrBuf *sent, DocText *sink)
{
    const char *s = sb_str(sent);
    if (!(s[0] >= 'A' && s[0] <= 'Z') || (s[0] == 'I' && (s[1] == ' ' || s[1] == '\'')))
        return;
    const TplList *cl = &lx->connectors[domain];
    size_t i = gsl_rng_uniform_int(r, cl->n);
    note_tpl(sink, cl->tpl0 + (uint32_t)i);
    StrBuf o;
    sb_init(&o);
    sb_add(&o, cl->t[i]);
    size_t at = o.len;
    sb_add(&o, s);
    if (o.s[at] >= 'A' && o.s[at] <= 'Z' && !(o.s[at + 1] >= 'A' && o.s[at + 1] <= 'Z'))
        o.s[at] = (char)(o.s[at] - 'A' + 'a');
    sb_clear(sent);
    sb_add(sent, sb_str(&o));
    sb_free(&o);
}

void world_render_doc(const Lexicon *lx, const WorldConfig *c, gsl_rng *r, const Doc *d, DocText *t)
{
    DocSlots ds;
    slots_init(&ds);
    StrBuf one;
    sb_init(&one);
    Sentences ss = {0};
    double para = c->paraphrase;
    const Concept *ev = &lx->c[d->f[0].concept];
    int tldr = d->domain == WD_TLDR;

    /* title */
    slots_set(lx, r, d, &d->f[0], 0, &ds);
    render_one(&ev->title, -1, &ds, r, para, t, &one);
    sb_clear(&t->title);
    sb_add(&t->title, sb_str(&one));

    size_t after_event; /* sentences that may be inserted at or after this index */
    uint32_t used[DOC_MAX_FACTS] = {0}; /* post templates used per fact */
    unsigned char used_fill[2][256] = {{0}}; /* fillers used: the domain's [0], the section's [1] */
    int closing = d->nf > 1 && (lx->c[d->f[d->nf - 1].concept].kind == CK_ASK ||
                                lx->c[d->f[d->nf - 1].concept].kind == CK_OUTCOME) ? d->nf - 1 : -1;
    int ndet_end = closing >= 0 ? closing : d->nf;
    if (tldr) {
        if (gsl_rng_uniform(r) < c->opener) {
            slots_set(lx, r, d, NULL, 0, &ds);
            render_one(&lx->openers, -1, &ds, r, para, t, &one);
            sent_insert(&ss, ss.n, sb_str(&one));
        }
        slots_set(lx, r, d, NULL, 1, &ds);
        int g = d->p[0].rel >= 0 ? lx->c[d->p[0].rel].group : lx->ngroups;
        if (lx->intros[g].n) {
            render_one(&lx->intros[g], -1, &ds, r, para, t, &one);
            sent_insert(&ss, ss.n, sb_str(&one));
        }
        if (d->ndis > 0) { /* background that leads nowhere */
            slots_set(lx, r, d, NULL, 0, &ds);
            render_one(&lx->c[d->dis[0]].post, -1, &ds, r, para, t, &one);
            sent_insert(&ss, ss.n, sb_str(&one));
        }
        slots_set(lx, r, d, &d->f[0], 0, &ds);
        render_one(&ev->post, -1, &ds, r, para, t, &one);
        sent_insert(&ss, ss.n, sb_str(&one));
        after_event = ss.n;
        /* details in random order */
        int order[DOC_MAX_FACTS], no = 0;
        for (int k = 1; k < ndet_end; k++)
            order[no++] = k;
        if (no > 1)
            gsl_ran_shuffle(r, order, (size_t)no, sizeof order[0]);
        for (int q = 0; q < no; q++) {
            const DocFact *f = &d->f[order[q]];
            slots_set(lx, r, d, f, 0, &ds);
            used[order[q]] |= 1u << (render_one(&lx->c[f->concept].post, -1, &ds, r, para, t, &one) & 31);
            if (q > 0 && gsl_rng_uniform(r) < 0.3)
                with_connector(lx, d->domain, r, &one, t);
            sent_insert(&ss, ss.n, sb_str(&one));
        }
    } else {
        /* lead: the event, then the two weightiest details */
        slots_set(lx, r, d, &d->f[0], 0, &ds);
        render_one(&ev->post, -1, &ds, r, para, t, &one);
        sent_insert(&ss, ss.n, sb_str(&one));
        int order[DOC_MAX_FACTS], no = 0;
        for (int k = 1; k < ndet_end; k++)
            order[no++] = k;
        for (int a = 0; a < no; a++) /* by weight, descending */
            for (int b = a + 1; b < no; b++)
                if (d->f[order[b]].weight > d->f[order[a]].weight) {
                    int tmp = order[a];
                    order[a] = order[b];
                    order[b] = tmp;
                }
        if (no > 3)
            gsl_ran_shuffle(r, order + 2, (size_t)(no - 2), sizeof order[0]);
        for (int q = 0; q < no; q++) {
            const DocFact *f = &d->f[order[q]];
            slots_set(lx, r, d, f, 0, &ds);
            used[order[q]] |= 1u << (render_one(&lx->c[f->concept].post, -1, &ds, r, para, t, &one) & 31);
            if (q >= 2 && gsl_rng_uniform(r) < 0.3)
                with_connector(lx, d->domain, r, &one, t);
            sent_insert(&ss, ss.n, sb_str(&one));
            if (q == 1) { /* a line of colour after the lead */
                slots_set(lx, r, d, NULL, 0, &ds);
                size_t i = render_one(&lx->news_fillers, -1, &ds, r, para, t, &one);
                if (i < 256)
                    used_fill[0][i] = 1;
                sent_insert(&ss, ss.n, sb_str(&one));
            }
        }
        after_event = no >= 2 ? 4 : ss.n;
    }
    /* remaining distractors anywhere after the event (TL;DR) or the lead */
    for (int k = tldr ? 1 : 0; k < d->ndis; k++) {
        slots_set(lx, r, d, NULL, 0, &ds);
        render_one(&lx->c[d->dis[k]].post, -1, &ds, r, para, t, &one);
        size_t at = after_event + gsl_rng_uniform_int(r, ss.n - after_event + 1);
        sent_insert(&ss, at, sb_str(&one));
    }
    size_t before_closing = ss.n;
    if (closing >= 0) {
        slots_set(lx, r, d, &d->f[closing], 0, &ds);
        render_one(&lx->c[d->f[closing].concept].post, -1, &ds, r, para, t, &one);
        sent_insert(&ss, ss.n, sb_str(&one));
    }
    if (tldr && gsl_rng_uniform(r) < c->closer) {
        slots_set(lx, r, d, NULL, 0, &ds);
        render_one(&lx->closers, -1, &ds, r, para, t, &one);
        sent_insert(&ss, ss.n, sb_str(&one));
    }
    /* pad to a target length with fillers and restatements of details */
    const int *range = tldr ? c->post_words : c->article_words;
    size_t target = (size_t)uniform_int(r, range[0], range[1]);
    size_t words = 0;
    for (size_t i = 0; i < ss.n; i++)
        words += util_count_words(ss.s[i]);
    const TplList *common_fill = tldr ? &lx->fillers : &lx->news_fillers, *sec_fill = &lx->sec[d->section].fillers;
    int tries = 0;
    while (words < target && tries++ < 120) {
        int restate = gsl_rng_uniform(r) < (tldr ? 0.5 : 0.6) && ndet_end > 1;
        if (restate) { /* a detail again, in words not used for it yet */
            int k = 1 + (int)gsl_rng_uniform_int(r, (unsigned long)(ndet_end - 1));
            const TplList *pl = &lx->c[d->f[k].concept].post;
            long fresh[32];
            int nfresh = 0;
            for (size_t i = 0; i < pl->n && i < 32; i++)
                if (!(used[k] & (1u << i)))
                    fresh[nfresh++] = (long)i;
            if (nfresh == 0)
                continue;
            slots_set(lx, r, d, &d->f[k], 0, &ds);
            used[k] |= 1u << render_one(pl, fresh[gsl_rng_uniform_int(r, (unsigned long)nfresh)], &ds, r, para, t, &one);
        } else { /* colour: the section's own when it has some, else the domain's */
            int own = sec_fill->n > 0 && gsl_rng_uniform(r) < 0.6;
            const TplList *fill = own ? sec_fill : common_fill;
            size_t i = gsl_rng_uniform_int(r, fill->n);
            if (i < 256 && used_fill[own][i])
                continue;
            if (i < 256)
                used_fill[own][i] = 1;
            slots_set(lx, r, d, NULL, 0, &ds);
            render_one(fill, (long)i, &ds, r, para, t, &one);
        }
        int dup = 0;
        for (size_t q = 0; q < ss.n && !dup; q++)
            dup = strcmp(ss.s[q], sb_str(&one)) == 0;
        if (dup)
            continue;
        size_t at = after_event + gsl_rng_uniform_int(r, before_closing - after_event + 1);
        sent_insert(&ss, at, sb_str(&one));
        before_closing++;
        words += util_count_words(sb_str(&one));
    }
    /* paragraphs of 2-4 sentences */
    sb_clear(&t->body);
    size_t para_left = (size_t)uniform_int(r, tldr ? 2 : 1, tldr ? 4 : 2);
    for (size_t i = 0; i < ss.n; i++) {
        if (i > 0) {
            if (para_left == 0) {
                sb_add(&t->body, "\n\n");
                para_left = (size_t)uniform_int(r, tldr ? 2 : 1, tldr ? 4 : 2);
            } else {
                sb_add(&t->body, " ");
            }
        }
        sb_add(&t->body, ss.s[i]);
        para_left--;
    }
    sent_free(&ss);
    sb_free(&one);
    slots_free(&ds);
}

/* ---- summary authors ---- */

/* A clause for fact f: its summary form, or, for news with probability
 * extractive, the article's own sentence without its final period
 * (highlights are often near-extractive). */
static void summary_clause(const Lexicon *lx, const Concept *cc, DocSlots *ds, gsl_rng *r, double para,
                           double extractive, DocText *sink, StrBuf *one)
{
    if (extractive > 0 && gsl_rng_uniform(r) < extractive) {
        render_one(&cc->post, -1, ds, r, para, sink, one);
        while (one->len && (one->s[one->len - 1] == '.' || one->s[one->len - 1] == ' '))
            one->s[--one->len] = '\0';
        return;
    }
    render_one(&cc->summary, -1, ds, r, para, sink, one);
    (void)lx;
}

static void add_clause(StrBuf *out, const char *clause, int first, int sentence_break)
{
    if (!first)
        sb_add(out, sentence_break ? ". " : ", ");
    size_t at = out->len;
    sb_add(out, clause);
    if (sentence_break || first)
        render_capitalize(out, at);
}

void world_write_summary(const Lexicon *lx, const WorldConfig *c, gsl_rng *r, const Doc *d, Author a,
                         StrBuf *out, DocText *sink)
{
    DocSlots ds;
    slots_init(&ds);
    StrBuf one;
    sb_init(&one);
    double para = c->paraphrase;
    int noisy = a == AUTHOR_NOISY, tldr = d->domain == WD_TLDR, every = a == AUTHOR_ALL || a == AUTHOR_ALL_LONG;
    double extractive = a == AUTHOR_ALL_LONG ? 1 : tldr ? 0 : noisy ? 0.3 : 0.5;
    int closing = d->nf > 1 && (lx->c[d->f[d->nf - 1].concept].kind == CK_ASK ||
                                lx->c[d->f[d->nf - 1].concept].kind == CK_OUTCOME) ? d->nf - 1 : -1;
    int ndet_end = closing >= 0 ? closing : d->nf;

    /* choose what to say */
    int keep[DOC_MAX_FACTS] = {0};
    keep[0] = noisy ? gsl_rng_uniform(r) < c->ref_event : 1;
    int ndet = 0;
    if (noisy) {
        for (int k = 1; k < ndet_end; k++) {
            double p = c->ref_detail[0] + c->ref_detail[1] * d->f[k].weight / 2.5;
            if (!tldr) /* the highlight writer does not rank by importance */
                p = c->ref_detail[0] + c->ref_detail[1] * 0.45;
            keep[k] = gsl_rng_uniform(r) < p;
            ndet += keep[k];
        }
    } else if (every) {
        for (int k = 1; k < ndet_end; k++)
            keep[k] = 1, ndet++;
    } else {
        int want = uniform_int(r, 2, 3);
        for (int q = 0; q < want; q++) { /* the weightiest details */
            int best = -1;
            for (int k = 1; k < ndet_end; k++)
                if (!keep[k] && (best < 0 || d->f[k].weight > d->f[best].weight))
                    best = k;
            if (best >= 0)
                keep[best] = 1, ndet++;
        }
    }
    int ask = closing >= 0 && (noisy ? gsl_rng_uniform(r) < (tldr ? c->ref_ask : c->ref_ask * 0.5)
                                     : tldr || every || gsl_rng_uniform(r) < 0.5);
    int drift = noisy && d->ndis > 0 && gsl_rng_uniform(r) < (tldr ? c->ref_drift : c->ref_drift * 2);
    int joke = noisy && tldr && gsl_rng_uniform(r) < c->ref_joke;
    if (!tldr && noisy) { /* 2-4 highlight sentences */
        int n = keep[0] + ndet + ask + drift;
        int lo = c->highlights[0], hi = c->highlights[1];
        while (n > hi) { /* drop random details first */
            int k = uniform_int(r, 1, ndet_end - 1);
            if (ndet_end > 1 && keep[k])
                keep[k] = 0, ndet--, n--;
            else if (drift)
                drift = 0, n--;
            else if (ask)
                ask = 0, n--;
        }
        for (int k = 1; n < lo && k < ndet_end; k++)
            if (!keep[k])
                keep[k] = 1, ndet++, n++;
        if (n < lo && !keep[0])
            keep[0] = 1, n++;
    }
    if (!keep[0] && ndet == 0 && !ask)
        keep[0] = 1;

    for (int pass = 0; pass < 8; pass++) {
        sb_clear(out);
        int first = 1;
        int order[DOC_MAX_FACTS], no = 0;
        for (int k = 1; k < ndet_end; k++)
            if (keep[k])
                order[no++] = k;
        if (noisy)
            if (no > 1)
            gsl_ran_shuffle(r, order, (size_t)no, sizeof order[0]);
        if (keep[0]) {
            slots_set(lx, r, d, &d->f[0], 0, &ds);
            ds.s.rel_age_once = tldr && gsl_rng_uniform(r) < (noisy ? c->ref_age : 0.5);
            summary_clause(lx, &lx->c[d->f[0].concept], &ds, r, para, extractive, sink, &one);
            add_clause(out, sb_str(&one), first, 0);
            first = 0;
        }
        for (int q = 0; q < no; q++) {
            const DocFact *f = &d->f[order[q]];
            slots_set(lx, r, d, f, 0, &ds);
            ds.s.rel_age_once = first && tldr && gsl_rng_uniform(r) < (noisy ? c->ref_age : 0.5);
            summary_clause(lx, &lx->c[f->concept], &ds, r, para, extractive, sink, &one);
            int brk = !tldr || a == AUTHOR_ALL_LONG || (q > 0 && gsl_rng_uniform(r) < 0.3);
            if (tldr && !first && !brk && q == no - 1 && gsl_rng_uniform(r) < 0.5) {
                sb_add(out, " and ");
                sb_add(out, sb_str(&one));
            } else {
                add_clause(out, sb_str(&one), first, brk);
            }
            first = 0;
        }
        if (drift) {
            slots_set(lx, r, d, NULL, 0, &ds);
            render_one(&lx->c[d->dis[0]].summary, -1, &ds, r, para, sink, &one);
            add_clause(out, sb_str(&one), first, !tldr);
            first = 0;
        }
        int ends_q = 0;
        if (ask) {
            slots_set(lx, r, d, &d->f[closing], 0, &ds);
            summary_clause(lx, &lx->c[d->f[closing].concept], &ds, r, para, extractive, sink, &one);
            add_clause(out, sb_str(&one), first, 1);
            first = 0;
            ends_q = out->len && out->s[out->len - 1] == '?';
        }
        if (joke) {
            size_t j = gsl_rng_uniform_int(r, lx->njokes);
            sb_add(out, ends_q ? " " : ", ");
            sb_add(out, lx->jokes[j]);
            ends_q = 0;
        }
        if (out->len && !ends_q && out->s[out->len - 1] != '.' &&
            (!noisy || !tldr || gsl_rng_uniform(r) < 0.6))
            sb_add(out, ".");
        render_tidy(out, 0);
        if (noisy && tldr && out->len && gsl_rng_uniform(r) < 0.25 && out->s[0] >= 'A' && out->s[0] <= 'Z' &&
            !(out->s[1] >= 'A' && out->s[1] <= 'Z') && !(out->s[0] == 'I' && (out->s[1] == ' ' || out->s[1] == '\'')))
            out->s[0] = (char)(out->s[0] - 'A' + 'a'); /* casual lower-case start */
        if (!tldr) { /* highlights: one sentence per line */
            for (size_t i = 0; i + 2 < out->len; i++)
                if ((out->s[i] == '.' || out->s[i] == '?') && out->s[i + 1] == ' ')
                    out->s[i + 1] = '\n';
        }
        size_t w = util_count_words(sb_str(out));
        if (!noisy || (w >= (size_t)c->ref_words[0] && w <= (size_t)c->ref_words[1]))
            break;
        if (w > (size_t)c->ref_words[1]) { /* drop the least important thing said */
            int worst = -1;
            for (int k = 1; k < ndet_end; k++)
                if (keep[k] && (worst < 0 || d->f[k].weight < d->f[worst].weight))
                    worst = k;
            if (joke)
                joke = 0;
            else if (drift)
                drift = 0;
            else if (worst >= 0 && ndet > 1)
                keep[worst] = 0, ndet--;
            else
                break;
        } else { /* too short: say one more thing */
            int add = -1;
            for (int k = 1; k < ndet_end && add < 0; k++)
                if (!keep[k])
                    add = k;
            if (add >= 0)
                keep[add] = 1, ndet++;
            else if (!ask && closing >= 0)
                ask = 1;
            else if (!keep[0])
                keep[0] = 1;
            else
                break;
        }
    }
    sb_free(&one);
    slots_free(&ds);
}

/* ---- facts as JSON ---- */

static void add_dur(cJSON *o, const char *key, int n, int unit)
{
    cJSON *x = cJSON_AddObjectToObject(o, key);
    cJSON_AddNumberToObject(x, "n", n);
    cJSON_AddStringToObject(x, "unit", world_unit_name(unit));
}

static const char *const KIND_NAMES[] = {"event", "detail", "ask", "outcome", "relation", "place", "distractor"};

cJSON *world_doc_to_json(const Lexicon *lx, const Doc *d, const uint32_t *tpl, size_t ntpl)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", d->id);
    cJSON_AddStringToObject(j, "dataset", d->domain == WD_TLDR ? "tldr" : "news");
    cJSON_AddStringToObject(j, "split", split_name((Split)d->split));
    cJSON_AddStringToObject(j, "section", lx->sec[d->section].name);
    if (d->domain == WD_TLDR) {
        cJSON *n = cJSON_AddObjectToObject(j, "narrator");
        cJSON_AddNumberToObject(n, "age", d->nar_age);
        cJSON_AddStringToObject(n, "gender", d->nar_g == 'F' ? "F" : "M");
    } else {
        cJSON_AddStringToObject(j, "site", lx->sites[d->site]);
    }
    cJSON *people = cJSON_AddArrayToObject(j, "people");
    for (int k = 0; k < 2; k++) {
        if (d->p[k].rel < 0)
            continue;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "relation", lx->c[d->p[k].rel].id);
        cJSON_AddStringToObject(p, "form", lx->c[d->p[k].rel].forms[d->p[k].form]);
        cJSON_AddNumberToObject(p, "age", d->p[k].age);
        cJSON_AddStringToObject(p, "gender", d->p[k].gender == 'F' ? "F" : "M");
        cJSON_AddItemToArray(people, p);
    }
    if (d->place >= 0) {
        cJSON_AddStringToObject(j, "place", lx->c[d->place].id);
        cJSON_AddStringToObject(j, "place_form", lx->c[d->place].forms[d->place_form]);
    }
    if (d->dur_n > 0)
        add_dur(j, "duration", d->dur_n, d->dur_unit);
    cJSON_AddStringToObject(j, "currency", d->currency == 'L' ? "GBP" : "USD");
    cJSON *facts = cJSON_AddArrayToObject(j, "facts");
    for (int k = 0; k < d->nf; k++) {
        const DocFact *f = &d->f[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "concept", lx->c[f->concept].id);
        cJSON_AddStringToObject(o, "kind", KIND_NAMES[lx->c[f->concept].kind]);
        char buf[32];
        util_format_double((double)f->weight, buf, sizeof buf);
        cJSON_AddRawToObject(o, "weight", buf);
        if (f->dur_n > 0)
            add_dur(o, "duration", f->dur_n, f->dur_unit);
        if (f->money > 0)
            cJSON_AddNumberToObject(o, "money", (double)f->money);
        cJSON_AddItemToArray(facts, o);
    }
    cJSON *dis = cJSON_AddArrayToObject(j, "distractors");
    for (int k = 0; k < d->ndis; k++)
        cJSON_AddItemToArray(dis, cJSON_CreateString(lx->c[d->dis[k]].id));
    if (tpl) {
        cJSON *t = cJSON_AddArrayToObject(j, "templates");
        for (size_t i = 0; i < ntpl; i++)
            cJSON_AddItemToArray(t, cJSON_CreateNumber(tpl[i]));
    }
    return j;
}

static int json_concept(const Lexicon *lx, const cJSON *v, int kind_mask, const char *file, long line,
                        const char *field, TlError *err)
{
    if (!cJSON_IsString(v)) {
        tlerr_input(err, file, line, field, "expected a concept id");
        return -1;
    }
    int ci = lexicon_find(lx, v->valuestring);
    if (ci < 0 || !((1 << lx->c[ci].kind) & kind_mask)) {
        tlerr_input(err, file, line, field, "'%s' is not a %s in this world's lexicon", v->valuestring,
                    kind_mask == (1 << CK_RELATION) ? "relation" : kind_mask == (1 << CK_PLACE) ? "place" : "fact");
        return -1;
    }
    return ci;
}

static int json_dur(const cJSON *o, int16_t *n, int8_t *unit, const char *file, long line, const char *field,
                    TlError *err)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "n"), *u = cJSON_GetObjectItemCaseSensitive(o, "unit");
    int k = 0;
    for (int q = 1; q <= UNIT_YEAR && cJSON_IsString(u); q++)
        if (strcmp(u->valuestring, UNIT_NAMES[q]) == 0)
            k = q;
    if (!cJSON_IsNumber(x) || x->valueint < 1 || x->valueint > 1000 || !k) {
        tlerr_input(err, file, line, field, "expected {\"n\": 1-1000, \"unit\": day|week|month|year}");
        return -1;
    }
    *n = (int16_t)x->valueint;
    *unit = (int8_t)k;
    return 0;
}

int world_doc_from_json(const Lexicon *lx, const cJSON *j, Doc *d, const char *file, long line, TlError *err)
{
    memset(d, 0, sizeof *d);
    d->place = d->place_form = -1;
    d->p[0].rel = d->p[1].rel = -1;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(j, "dataset");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(j, "split");
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(j, "section");
    if (!cJSON_IsString(id) || strlen(id->valuestring) >= sizeof d->id || !*id->valuestring) {
        tlerr_input(err, file, line, "id", "expected a string of 1-47 characters");
        return -1;
    }
    snprintf(d->id, sizeof d->id, "%s", id->valuestring);
    if (!cJSON_IsString(ds) || (strcmp(ds->valuestring, "tldr") != 0 && strcmp(ds->valuestring, "news") != 0)) {
        tlerr_input(err, file, line, "dataset", "expected tldr or news");
        return -1;
    }
    d->domain = strcmp(ds->valuestring, "tldr") == 0 ? WD_TLDR : WD_NEWS;
    int s = cJSON_IsString(sp) ? split_parse(sp->valuestring) : -1;
    if (s < 0) {
        tlerr_input(err, file, line, "split", "expected a split name");
        return -1;
    }
    d->split = (int8_t)s;
    d->section = -1;
    for (size_t k = 0; k < lx->nsec && cJSON_IsString(sec); k++)
        if (strcmp(lx->sec[k].name, sec->valuestring) == 0 && lx->sec[k].domain == d->domain)
            d->section = (int16_t)k;
    if (d->section < 0) {
        tlerr_input(err, file, line, "section", "not a section of this world's lexicon");
        return -1;
    }
    if (d->domain == WD_TLDR) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "narrator");
        const cJSON *age = cJSON_GetObjectItemCaseSensitive(n, "age"), *g = cJSON_GetObjectItemCaseSensitive(n, "gender");
        if (!cJSON_IsNumber(age) || !cJSON_IsString(g) || (strcmp(g->valuestring, "F") && strcmp(g->valuestring, "M"))) {
            tlerr_input(err, file, line, "narrator", "expected {\"age\": N, \"gender\": \"F\"|\"M\"}");
            return -1;
        }
        d->nar_age = age->valueint;
        d->nar_g = g->valuestring[0];
    } else {
        const cJSON *site = cJSON_GetObjectItemCaseSensitive(j, "site");
        d->site = -1;
        for (size_t k = 0; k < lx->nsites && cJSON_IsString(site); k++)
            if (strcmp(lx->sites[k], site->valuestring) == 0)
                d->site = (int)k;
        if (d->site < 0) {
            tlerr_input(err, file, line, "site", "not a site of this world's lexicon");
            return -1;
        }
    }
    const cJSON *people = cJSON_GetObjectItemCaseSensitive(j, "people"), *p;
    int k = 0;
    cJSON_ArrayForEach(p, people) {
        if (k == 2) {
            tlerr_input(err, file, line, "people", "at most two people");
            return -1;
        }
        int rel = json_concept(lx, cJSON_GetObjectItemCaseSensitive(p, "relation"), 1 << CK_RELATION, file, line,
                               "people.relation", err);
        if (rel < 0)
            return -1;
        const cJSON *form = cJSON_GetObjectItemCaseSensitive(p, "form"), *age = cJSON_GetObjectItemCaseSensitive(p, "age");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(p, "gender");
        d->p[k].rel = rel;
        d->p[k].form = -1;
        for (size_t f = 0; f < lx->c[rel].nforms && cJSON_IsString(form); f++)
            if (strcmp(lx->c[rel].forms[f], form->valuestring) == 0)
                d->p[k].form = (int)f;
        if (d->p[k].form < 0 || !cJSON_IsNumber(age) || !cJSON_IsString(g) ||
            (strcmp(g->valuestring, "F") && strcmp(g->valuestring, "M"))) {
            tlerr_input(err, file, line, "people", "expected relation, form, age and gender F|M");
            return -1;
        }
        d->p[k].age = age->valueint;
        d->p[k].gender = g->valuestring[0];
        k++;
    }
    const cJSON *place = cJSON_GetObjectItemCaseSensitive(j, "place");
    if (place) {
        d->place = json_concept(lx, place, 1 << CK_PLACE, file, line, "place", err);
        if (d->place < 0)
            return -1;
        const cJSON *pf = cJSON_GetObjectItemCaseSensitive(j, "place_form");
        d->place_form = 0;
        for (size_t f = 0; f < lx->c[d->place].nforms && cJSON_IsString(pf); f++)
            if (strcmp(lx->c[d->place].forms[f], pf->valuestring) == 0)
                d->place_form = (int)f;
    }
    const cJSON *dur = cJSON_GetObjectItemCaseSensitive(j, "duration");
    if (dur && json_dur(dur, &d->dur_n, &d->dur_unit, file, line, "duration", err) != 0)
        return -1;
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(j, "currency");
    d->currency = cJSON_IsString(cur) && strcmp(cur->valuestring, "GBP") == 0 ? 'L' : '$';
    const cJSON *facts = cJSON_GetObjectItemCaseSensitive(j, "facts"), *f;
    if (!cJSON_IsArray(facts) || cJSON_GetArraySize(facts) < 1 || cJSON_GetArraySize(facts) > DOC_MAX_FACTS) {
        tlerr_input(err, file, line, "facts", "expected an array of 1-%d facts", DOC_MAX_FACTS);
        return -1;
    }
    cJSON_ArrayForEach(f, facts) {
        DocFact *df = &d->f[d->nf];
        df->concept = json_concept(lx, cJSON_GetObjectItemCaseSensitive(f, "concept"),
                                   (1 << CK_EVENT) | (1 << CK_DETAIL) | (1 << CK_ASK) | (1 << CK_OUTCOME), file,
                                   line, "facts.concept", err);
        if (df->concept < 0)
            return -1;
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(f, "weight");
        if (!cJSON_IsNumber(w) || w->valuedouble < 0 || w->valuedouble > 10) {
            tlerr_input(err, file, line, "facts.weight", "expected a number from 0 to 10");
            return -1;
        }
        df->weight = (float)w->valuedouble;
        const cJSON *fd = cJSON_GetObjectItemCaseSensitive(f, "duration");
        if (fd && json_dur(fd, &df->dur_n, &df->dur_unit, file, line, "facts.duration", err) != 0)
            return -1;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(f, "money");
        if (m) {
            if (!cJSON_IsNumber(m) || m->valuedouble < 1 || m->valuedouble > 1e12) {
                tlerr_input(err, file, line, "facts.money", "expected a positive amount");
                return -1;
            }
            df->money = (int64_t)m->valuedouble;
        }
        d->nf++;
    }
    if (d->f[0].concept < 0 || lx->c[d->f[0].concept].kind != CK_EVENT) {
        tlerr_input(err, file, line, "facts", "the first fact must be the event");
        return -1;
    }
    const cJSON *dis = cJSON_GetObjectItemCaseSensitive(j, "distractors"), *x;
    cJSON_ArrayForEach(x, dis) {
        if (d->ndis == DOC_MAX_DISTRACT) {
            tlerr_input(err, file, line, "distractors", "at most %d", DOC_MAX_DISTRACT);
            return -1;
        }
        int ci = json_concept(lx, x, 1 << CK_DISTRACTOR, file, line, "distractors", err);
        if (ci < 0)
            return -1;
        d->dis[d->ndis++] = ci;
    }
    return 0;
}
