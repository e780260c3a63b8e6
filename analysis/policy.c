/* policy.c — released policy names -> metadata; --meta overrides. */
#include "analysis/policy.h"
#include "common/jsonl.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

static const char *const METHOD_NAMES[METHOD_N] = {
    "reference", "pretrained", "supervised", "rl", "best-of-n", "other"};

const char *method_name(Method m)
{
    return (unsigned)m < METHOD_N ? METHOD_NAMES[m] : "?";
}

int method_parse(const char *s)
{
    for (int i = 0; i < METHOD_N; i++)
        if (strcmp(s, METHOD_NAMES[i]) == 0)
            return i;
    return -1;
}

static void meta_clear(PolicyMeta *m)
{
    memset(m, 0, sizeof *m);
    m->method = METHOD_OTHER;
    m->params = m->kl = m->beta = m->temperature = m->top_p = m->n = NAN;
}

/* The parameter count of a size token, or NaN when tok is not one. */
static double size_token(const char *tok)
{
    if (strcmp(tok, "xl") == 0) return 1.3e9;
    if (strcmp(tok, "3b") == 0) return 2.7e9;
    if (strcmp(tok, "6b") == 0) return 6.7e9;
    if (strcmp(tok, "12b") == 0) return 12.9e9;
    /* tldrlab's own runs: the parameter count in millions, "0.41m", "3.2m" */
    size_t n = strlen(tok);
    if (n >= 2 && tok[n - 1] == 'm' && (isdigit((unsigned char)tok[0]) || tok[0] == '.')) {
        char buf[32];
        double v;
        if (n - 1 >= sizeof buf)
            return NAN;
        memcpy(buf, tok, n - 1);
        buf[n - 1] = '\0';
        for (const char *p = buf; *p; p++)
            if (!isdigit((unsigned char)*p) && *p != '.')
                return NAN;
        if (util_parse_double(buf, &v) == 0 && v > 0)
            return v * 1e6;
    }
    return NAN;
}

/* If tok is prefix followed by a number (".7", "0.7", "14"), stores it. */
static int num_token(const char *tok, const char *prefix, double *out)
{
    size_t n = strlen(prefix);
    if (strncmp(tok, prefix, n) != 0 || !tok[n])
        return 0;
    for (const char *p = tok + n; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return 0;
    return util_parse_double(tok + n, out) == 0;
}

/* Is tok prefix followed by digits only (e.g. "sup4", "rm3", "bo64")? */
static int tagged_int(const char *tok, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(tok, prefix, n) != 0 || !tok[n])
        return 0;
    for (const char *p = tok + n; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return 1;
}

#define MAX_TOKENS 16

/* Sampling and size tokens that may follow a model name. */
static void apply_common_tokens(char **tok, int n, PolicyMeta *m, int take_size)
{
    for (int i = 0; i < n; i++) {
        double v;
        if (num_token(tok[i], "t", &v))
            m->temperature = v;
        else if (num_token(tok[i], "p", &v))
            m->top_p = v;
        else if (take_size && !isnan(size_token(tok[i])))
            m->params = size_token(tok[i]);
    }
}

static void join(char **tok, int n, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < n && off < cap; i++) {
        int k = snprintf(out + off, cap - off, "%s%s", i ? "_" : "", tok[i]);
        if (k < 0)
            break;
        off += (size_t)k;
    }
}

/* Size and training data of a source policy such as "sup4_6b". */
static void source_info(char **tok, int n, PolicyMeta *m)
{
    m->params = 1.3e9;
    for (int i = 0; i < n; i++)
        if (!isnan(size_token(tok[i])))
            m->params = size_token(tok[i]);
    if (n > 0 && tagged_int(tok[0], "supcnndm"))
        snprintf(m->trained_on, sizeof m->trained_on, "cnndm");
    else if (n > 0 && (tagged_int(tok[0], "sup") || strcmp(tok[0], "sup") == 0))
        snprintf(m->trained_on, sizeof m->trained_on, "tldr");
}

/* The reward model named by tokens rmK[_size], or "rouge". */
static void reward_model(char **tok, int n, PolicyMeta *m)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(tok[i], "rouge") == 0) {
            snprintf(m->rm, sizeof m->rm, "rouge");
            return;
        }
    }
    for (int i = 0; i < n; i++) {
        if (tagged_int(tok[i], "rm") || strcmp(tok[i], "rm") == 0) {
            if (i + 1 < n && !isnan(size_token(tok[i + 1])))
                snprintf(m->rm, sizeof m->rm, "%s_%s", tok[i], tok[i + 1]);
            else
                snprintf(m->rm, sizeof m->rm, "%s", tok[i]);
            return;
        }
    }
}

void policy_parse_name(const char *name, PolicyMeta *m)
{
    meta_clear(m);
    if (strcmp(name, "ref") == 0 || strcmp(name, "reference") == 0) {
        m->method = METHOD_REFERENCE;
        return;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", name);
    char *tok[MAX_TOKENS];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, "_", &save); t && n < MAX_TOKENS;
         t = strtok_r(NULL, "_", &save))
        tok[n++] = t;
    if (n == 0)
        return;

    int i_ppo = -1, i_bo = -1;
    for (int i = 1; i < n; i++) {
        if (strcmp(tok[i], "ppo") == 0 && i_ppo < 0)
            i_ppo = i;
        if (tagged_int(tok[i], "bo") && i_bo < 0)
            i_bo = i;
    }
    if (i_ppo > 0) {
        m->method = METHOD_RL;
        join(tok, i_ppo, m->source, sizeof m->source);
        source_info(tok, i_ppo, m);
        reward_model(tok + i_ppo + 1, n - i_ppo - 1, m);
        for (int i = i_ppo + 1; i < n; i++) {
            double v;
            if (num_token(tok[i], "kl", &v))
                m->kl = v;
            else if (num_token(tok[i], "b", &v))
                m->beta = v;
        }
        apply_common_tokens(tok + i_ppo + 1, n - i_ppo - 1, m, 0);
        return;
    }
    if (i_bo > 0) {
        m->method = METHOD_BEST_OF_N;
        join(tok, i_bo, m->source, sizeof m->source);
        source_info(tok, i_bo, m);
        m->n = strtod(tok[i_bo] + 2, NULL);
        if (m->n >= 1)
            m->kl = log(m->n) - (m->n - 1) / m->n; /* PAPER.md: KL of best-of-N */
        reward_model(tok + i_bo + 1, n - i_bo - 1, m);
        apply_common_tokens(tok + i_bo + 1, n - i_bo - 1, m, 0);
        return;
    }
    if (strcmp(tok[0], "pretrain") == 0) {
        m->method = METHOD_PRETRAINED;
        m->params = 1.3e9;
        apply_common_tokens(tok + 1, n - 1, m, 1);
        return;
    }
    if (tagged_int(tok[0], "sup") || tagged_int(tok[0], "supcnndm") || strcmp(tok[0], "sup") == 0) {
        m->method = METHOD_SUPERVISED;
        source_info(tok, 1, m);
        apply_common_tokens(tok + 1, n - 1, m, 1);
        return;
    }
}

void policy_size_label(double params, char *buf, size_t cap)
{
    if (isnan(params))
        snprintf(buf, cap, "unknown");
    else if (params >= 1e9)
        snprintf(buf, cap, "%.3gB", params / 1e9);
    else if (params >= 1e6)
        snprintf(buf, cap, "%.3gM", params / 1e6);
    else if (params >= 1e3)
        snprintf(buf, cap, "%.3gK", params / 1e3);
    else
        snprintf(buf, cap, "%.3g", params);
}

/* ---- --meta files ---- */

/* Where a --meta file's entries are: its text and the path of the map in
 * it ("policies", or "" when the top level is the map). */
typedef struct {
    const char *path, *text, *base;
    size_t len;
} MetaSrc;

/* "file:line: policies.NAME[.FIELD]: problem", the line that of the key. */
static int meta_fail(TlError *err, const MetaSrc *m, const char *policy, const char *field, const char *problem)
{
    char fld[256], where[512];
    if (field)
        snprintf(fld, sizeof fld, "policies.%s.%s", policy, field);
    else
        snprintf(fld, sizeof fld, "policies.%s", policy);
    snprintf(where, sizeof where, "%s%s%s%s%s", m->base, *m->base ? "." : "", policy, field ? "." : "",
             field ? field : "");
    tlerr_input(err, m->path, json_path_line(m->text, m->len, where), fld, "%s", problem);
    return -1;
}

static int meta_number(const cJSON *o, const char *key, double *out, const MetaSrc *src,
                       const char *policy, TlError *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!j)
        return 0;
    if (cJSON_IsNull(j)) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
        return meta_fail(err, src, policy, key, "expected a finite number or null");
    *out = j->valuedouble;
    return 0;
}

static int meta_string(const cJSON *o, const char *key, char *out, size_t cap, const MetaSrc *src,
                       const char *policy, TlError *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!j)
        return 0;
    if (cJSON_IsNull(j)) {
        out[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(j))
        return meta_fail(err, src, policy, key, "expected a string or null");
    if (strlen(j->valuestring) >= cap)
        return meta_fail(err, src, policy, key, "too long");
    snprintf(out, cap, "%s", j->valuestring);
    return 0;
}

static int meta_entry(MetaEntry *e, const cJSON *o, const MetaSrc *src, TlError *err)
{
    const char *p = e->name;
    if (!cJSON_IsObject(o))
        return meta_fail(err, src, p, NULL, "expected an object of metadata");
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "method");
    if (j) {
        int k = cJSON_IsString(j) ? method_parse(j->valuestring) : -1;
        if (k < 0)
            return meta_fail(err, src, p, "method",
                             "expected one of reference, pretrained, supervised, rl, best-of-n, other");
        e->meta.method = (Method)k;
    }
    if (meta_number(o, "params", &e->meta.params, src, p, err) ||
        meta_number(o, "kl", &e->meta.kl, src, p, err) ||
        meta_number(o, "beta", &e->meta.beta, src, p, err) ||
        meta_number(o, "temperature", &e->meta.temperature, src, p, err) ||
        meta_number(o, "top_p", &e->meta.top_p, src, p, err) ||
        meta_number(o, "n", &e->meta.n, src, p, err) ||
        meta_string(o, "rm", e->meta.rm, sizeof e->meta.rm, src, p, err) ||
        meta_string(o, "source", e->meta.source, sizeof e->meta.source, src, p, err) ||
        meta_string(o, "trained_on", e->meta.trained_on, sizeof e->meta.trained_on, src, p, err))
        return -1;
    if (!isnan(e->meta.params) && e->meta.params <= 0)
        return meta_fail(err, src, p, "params", "must be positive");
    return 0;
}

int policy_meta_load(MetaMap *map, const char *path, TlError *err)
{
    memset(map, 0, sizeof *map);
    JsonFile f;
    int rc = -1;
    if (json_file_read(&f, path, "policy metadata", err) != 0) /* also refuses a policy or key given twice */
        goto done;
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(f.json, "policies");
    MetaSrc src = {path, f.text, pol ? "policies" : "", f.len};
    if (!pol)
        pol = f.json;
    if (!cJSON_IsObject(pol)) {
        tlerr_input(err, path, json_path_line(f.text, f.len, src.base), "policies",
                    "expected an object mapping policy names to metadata");
        goto done;
    }
    size_t n = (size_t)cJSON_GetArraySize(pol);
    map->entries = xcalloc(n, sizeof *map->entries);
    for (const cJSON *e = pol->child; e; e = e->next) {
        MetaEntry *me = &map->entries[map->n++];
        me->name = xstrdup(e->string);
        policy_parse_name(me->name, &me->meta);
        if (meta_entry(me, e, &src, err) != 0)
            goto done;
    }
    rc = 0;
done:
    if (rc != 0)
        policy_meta_free(map);
    json_file_free(&f);
    return rc;
}

void policy_meta_free(MetaMap *map)
{
    for (size_t i = 0; i < map->n; i++)
        free(map->entries[i].name);
    free(map->entries);
    memset(map, 0, sizeof *map);
}

void policy_meta_lookup(const MetaMap *map, const char *name, PolicyMeta *out)
{
    if (map)
        for (size_t i = 0; i < map->n; i++)
            if (strcmp(map->entries[i].name, name) == 0) {
                *out = map->entries[i].meta;
                return;
            }
    policy_parse_name(name, out);
}
