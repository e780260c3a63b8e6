/* samples.c — reading and writing tldrlab's summary samples. */
#include "world/samples.h"
#include "common/jsonl.h"

#include <stdlib.h>
#include <string.h>

void sampleset_init(SampleSet *ss)
{
    memset(ss, 0, sizeof *ss);
    strpool_init(&ss->policies);
}

void sampleset_free(SampleSet *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        free(ss->s[i].text);
    free(ss->s);
    strpool_free(&ss->policies);
    memset(ss, 0, sizeof *ss);
}

int samples_read(SampleSet *ss, const World *w, const char *path, TlError *err)
{
    JsonlReader rd;
    if (jsonl_open(&rd, path, err) != 0)
        return -1;
    cJSON *j;
    int rc;
    while ((rc = jsonl_next(&rd, &j, err)) == 1) {
        const char *file = rd.name;
        long line = rd.line;
        int bad = 1;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        const cJSON *pol = cJSON_GetObjectItemCaseSensitive(j, "policy");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(j, "text");
        const cJSON *split = cJSON_GetObjectItemCaseSensitive(j, "split");
        const cJSON *ds = cJSON_GetObjectItemCaseSensitive(j, "dataset");
        long k = -1;
        /* keys given twice were refused by jsonl_next's strict check; keys
         * other than these five are carried by other tools and ignored */
        if (!cJSON_IsObject(j))
            tlerr_input(err, file, line, "sample", "expected a JSON object, got %s",
                        cJSON_IsArray(j) ? "an array" : cJSON_IsString(j) ? "a string" : cJSON_IsNumber(j) ? "a number"
                        : cJSON_IsBool(j) ? "a boolean" : "null");
        else if (!cJSON_IsString(id))
            tlerr_input(err, file, line, "id", id ? "expected a string" : "missing");
        else if ((k = world_find(w, id->valuestring)) < 0)
            tlerr_input(err, file, line, "id", "no document '%s' in the world %s", id->valuestring, w->dir);
        else if (!cJSON_IsString(pol) || !*pol->valuestring)
            tlerr_input(err, file, line, "policy", pol ? "expected a non-empty string" : "missing");
        else if (!cJSON_IsString(text))
            tlerr_input(err, file, line, "text", text ? "expected a string" : "missing");
        else if (split && !cJSON_IsString(split))
            tlerr_input(err, file, line, "split", "expected a string (a split name)");
        else if (split && split_parse(split->valuestring) != w->docs[k].split)
            tlerr_input(err, file, line, "split", "'%s', but document %s is in %s", split->valuestring,
                        id->valuestring, split_name((Split)w->docs[k].split));
        else if (ds && !cJSON_IsString(ds))
            tlerr_input(err, file, line, "dataset", "expected a string (tldr or news)");
        else if (ds && strcmp(ds->valuestring, w->docs[k].domain == WD_TLDR ? "tldr" : "news") != 0)
            tlerr_input(err, file, line, "dataset", "'%s', but document %s is %s", ds->valuestring, id->valuestring,
                        w->docs[k].domain == WD_TLDR ? "tldr" : "news");
        else
            bad = 0;
        if (!bad) {
            GROW(ss->s, ss->cap, ss->n + 1);
            Sample *s = &ss->s[ss->n++];
            s->doc = (uint32_t)k;
            s->policy = strpool_intern(&ss->policies, pol->valuestring);
            s->text = xstrdup(text->valuestring);
        }
        cJSON_Delete(j);
        if (bad) {
            jsonl_close(&rd);
            return -1;
        }
    }
    jsonl_close(&rd);
    return rc;
}

void samples_write(FILE *fp, const World *w, const char *policy, size_t doc, const char *text)
{
    const Doc *d = &w->docs[doc];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", d->id);
    cJSON_AddStringToObject(j, "policy", policy);
    cJSON_AddStringToObject(j, "text", text);
    cJSON_AddStringToObject(j, "split", split_name((Split)d->split));
    cJSON_AddStringToObject(j, "dataset", d->domain == WD_TLDR ? "tldr" : "news");
    jsonl_write(fp, j);
}
