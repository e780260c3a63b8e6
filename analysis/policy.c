/* policy.c — released policy names -> metadata; --meta overrides. */
#include "analysis/policy.h"
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

/* The 1-based line of the first `"key"` used as an object key at or after
 * from; 0 when not found. Locates errors in a JSON document that cJSON has
 * already parsed (cJSON keeps no positions). */
static const char *find_key(const char *from, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = strchr(from, '"'); p; p = strchr(p + 1, '"')) {
        if (strncmp(p + 1, key, n) == 0 && p[1 + n] == '"') {
            const char *q = p + n + 2;
            while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
                q++;
            if (*q == ':')
                return p;
        }
    }
    return NULL;
}

static long line_at(const char *text, const char *at)
{
    long line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

static long locate(const char *text, const char *policy, const char *field)
{
    const char *p = find_key(text, policy);
    if (!p)
        return 0;
    const char *f = field ? find_key(p, field) : NULL;
    return line_at(text, f ? f : p);
}

static char *slurp(const char *path, TlError *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tlerr_input(err, path, 0, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        tlerr_input(err, path, 0, NULL, "read error");
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int meta_fail(TlError *err, const char *path, const char *text, const char *policy,
                     const char *field, const char *problem)
{
    char fld[256];
    if (field)
        snprintf(fld, sizeof fld, "policies.%s.%s", policy, field);
    else
        snprintf(fld, sizeof fld, "policies.%s", policy);
    tlerr_input(err, path, locate(text, policy, field), fld, "%s", problem);
    return -1;
}

static int meta_number(const cJSON *o, const char *key, double *out, const char *path,
                       const char *text, const char *policy, TlError *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!j)
        return 0;
    if (cJSON_IsNull(j)) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
        return meta_fail(err, path, text, policy, key, "expected a finite number or null");
    *out = j->valuedouble;
    return 0;
}

static int meta_string(const cJSON *o, const char *key, char *out, size_t cap, const char *path,
                       const char *text, const char *policy, TlError *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!j)
        return 0;
    if (cJSON_IsNull(j)) {
        out[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(j))
        return meta_fail(err, path, text, policy, key, "expected a string or null");
    if (strlen(j->valuestring) >= cap)
        return meta_fail(err, path, text, policy, key, "too long");
    snprintf(out, cap, "%s", j->valuestring);
    return 0;
}

static int meta_entry(MetaEntry *e, const cJSON *o, const char *path, const char *text, TlError *err)
{
    const char *p = e->name;
    if (!cJSON_IsObject(o))
        return meta_fail(err, path, text, p, NULL, "expected an object of metadata");
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "method");
    if (j) {
        int k = cJSON_IsString(j) ? method_parse(j->valuestring) : -1;
        if (k < 0)
            return meta_fail(err, path, text, p, "method",
                             "expected one of reference, pretrained, supervised, rl, best-of-n, other");
        e->meta.method = (Method)k;
    }
    if (meta_number(o, "params", &e->meta.params, path, text, p, err) ||
        meta_number(o, "kl", &e->meta.kl, path, text, p, err) ||
        meta_number(o, "beta", &e->meta.beta, path, text, p, err) ||
        meta_number(o, "temperature", &e->meta.temperature, path, text, p, err) ||
        meta_number(o, "top_p", &e->meta.top_p, path, text, p, err) ||
        meta_number(o, "n", &e->meta.n, path, text, p, err) ||
        meta_string(o, "rm", e->meta.rm, sizeof e->meta.rm, path, text, p, err) ||
        meta_string(o, "source", e->meta.source, sizeof e->meta.source, path, text, p, err) ||
        meta_string(o, "trained_on", e->meta.trained_on, sizeof e->meta.trained_on, path, text, p, err))
        return -1;
    if (!isnan(e->meta.params) && e->meta.params <= 0)
        return meta_fail(err, path, text, p, "params", "must be positive");
    return 0;
}

int policy_meta_load(MetaMap *map, const char *path, TlError *err)
{
    memset(map, 0, sizeof *map);
    char *text = slurp(path, err);
    if (!text)
        return -1;
    cJSON *root = cJSON_Parse(text);
    int rc = -1;
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long line = at && at >= text && at <= text + strlen(text) ? line_at(text, at) : 0;
        tlerr_input(err, path, line, "json", "invalid JSON");
        goto done;
    }
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(root, "policies");
    if (!pol)
        pol = root;
    if (!cJSON_IsObject(pol)) {
        tlerr_input(err, path, 1, "policies", "expected an object mapping policy names to metadata");
        goto done;
    }
    size_t n = (size_t)cJSON_GetArraySize(pol);
    map->entries = xcalloc(n, sizeof *map->entries);
    for (const cJSON *e = pol->child; e; e = e->next) {
        for (const cJSON *f = pol->child; f != e; f = f->next)
            if (strcmp(f->string, e->string) == 0) {
                meta_fail(err, path, text, e->string, NULL, "policy listed twice");
                goto done;
            }
        for (const cJSON *a = e->child; a; a = a->next)
            for (const cJSON *b = a->next; b; b = b->next)
                if (a->string && b->string && strcmp(a->string, b->string) == 0) {
                    meta_fail(err, path, text, e->string, a->string, "duplicate key");
                    goto done;
                }
        MetaEntry *me = &map->entries[map->n++];
        me->name = xstrdup(e->string);
        policy_parse_name(me->name, &me->meta);
        if (meta_entry(me, e, path, text, err) != 0)
            goto done;
    }
    rc = 0;
done:
    if (rc != 0)
        policy_meta_free(map);
    cJSON_Delete(root);
    free(text);
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
