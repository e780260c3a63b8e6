/* bench_fit.c — `tldrlab-bench`: times the length-controlled fit alone.
 *
 *   bin/tldrlab-bench COMPARISONS.json DESIGN.csv [REPEATS]
 *
 * Loads the comparisons (split valid2, as the CLI's default), writes the
 * design of the length-controlled model as CSV for the Python and R peers
 * (y, x, then one column per policy other than the baseline "ref", in
 * policy-id order; the same orientation as lengthctl.c's build_design:
 * +1 when the policy wrote summaries[0], -1 when summaries[1], 0 when it
 * wrote both; x = log((words0+1)/(words1+1)); y = 1 when summaries[0] was
 * chosen), then times lengthctl_fit (words, level 0.95) best of REPEATS
 * (default 20) and prints one JSON line: seconds per fit and the estimates.
 * Exits 1 when any policy or the length term is not plainly fitted, since
 * the peers' designs would then differ from the fitted model. */
#include "analysis/lengthctl.h"
#include "analysis/records.h"
#include "common/err.h"
#include "common/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

static void write_design(const ComparisonSet *s, uint32_t base, const char *path)
{
    FILE *fp = xfopen(path, "w");
    size_t P = s->policies.n;
    fputs("y,x", fp);
    for (uint32_t p = 0; p < P; p++) {
        if (p == base)
            continue;
        /* Policy names in the released data have no commas or quotes;
         * quote anyway so that any name survives. */
        const char *name = strpool_get(&s->policies, p);
        fputs(",\"", fp);
        for (const char *c = name; *c; c++) {
            if (*c == '"')
                fputc('"', fp);
            fputc(*c, fp);
        }
        fputc('"', fp);
    }
    fputc('\n', fp);
    for (size_t i = 0; i < s->n; i++) {
        const Comparison *c = &s->rows[i];
        double x = log((lengthctl_len(c, 0, LEN_WORDS) + 1.0) / (lengthctl_len(c, 1, LEN_WORDS) + 1.0));
        fprintf(fp, "%d,%.17g", c->choice == 0 ? 1 : 0, x);
        for (uint32_t p = 0; p < P; p++) {
            if (p == base)
                continue;
            int v = 0;
            if (c->policy[0] != c->policy[1])
                v = c->policy[0] == p ? 1 : c->policy[1] == p ? -1 : 0;
            fputs(v == 1 ? ",1" : v == -1 ? ",-1" : ",0", fp);
        }
        fputc('\n', fp);
    }
    if (ferror(fp) || fclose(fp) != 0)
        tl_die(TL_EXIT_RUNTIME, "cannot write %s", path);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: tldrlab-bench COMPARISONS.json DESIGN.csv [REPEATS]\n");
        return TL_EXIT_INPUT;
    }
    long repeats = 20;
    if (argc == 4 && util_parse_long(argv[3], 1, 1000000, &repeats) != 0) {
        fprintf(stderr, "tldrlab-bench: REPEATS: expected a whole number >= 1, got '%s'\n", argv[3]);
        return TL_EXIT_INPUT;
    }
    tl_gsl_quiet();

    ComparisonSet s;
    cmpset_init(&s);
    ReadOptions ro;
    memset(&ro, 0, sizeof ro); /* split NULL = valid2 */
    TlError err;
    double t0 = util_now();
    if (cmpset_load(&s, &argv[1], 1, &ro, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return TL_EXIT_INPUT;
    }
    double load_s = util_now() - t0;
    long base = strpool_find(&s.policies, "ref");
    if (base < 0) {
        fprintf(stderr, "tldrlab-bench: no policy 'ref' among the %zu valid2 comparisons\n", s.n);
        return TL_EXIT_INPUT;
    }

    t0 = util_now();
    write_design(&s, (uint32_t)base, argv[2]);
    double design_s = util_now() - t0;

    LcResult res;
    double best = INFINITY, total = 0;
    for (long r = 0; r < repeats; r++) {
        if (r > 0)
            lengthctl_free(&res);
        double a = util_now();
        if (lengthctl_fit(&s, (uint32_t)base, LEN_WORDS, 1, 0.95, &res, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            return TL_EXIT_INPUT;
        }
        double dt = util_now() - a;
        total += dt;
        if (dt < best)
            best = dt;
    }

    int ok = res.converged && res.length_status == LC_FITTED;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "tool", "tldrlab");
    cJSON_AddStringToObject(doc, "version", TLDRLAB_VERSION);
    cJSON_AddNumberToObject(doc, "n", (double)s.n);
    cJSON_AddNumberToObject(doc, "repeats", (double)repeats);
    cJSON_AddNumberToObject(doc, "fit_seconds", best);
    cJSON_AddNumberToObject(doc, "fit_seconds_mean", total / (double)repeats);
    cJSON_AddNumberToObject(doc, "load_seconds", load_s);
    cJSON_AddNumberToObject(doc, "design_csv_seconds", design_s);
    cJSON_AddNumberToObject(doc, "iterations", res.iterations);
    cJSON_AddBoolToObject(doc, "converged", res.converged);
    cJSON_AddNumberToObject(doc, "loglik", res.loglik);
    cJSON_AddNumberToObject(doc, "w", res.w);
    cJSON_AddNumberToObject(doc, "w_se", res.w_se);
    cJSON *th = cJSON_AddObjectToObject(doc, "theta");
    cJSON *se = cJSON_AddObjectToObject(doc, "theta_se");
    for (uint32_t p = 0; p < res.npol; p++) {
        if (p == (uint32_t)base)
            continue;
        const LcPolicy *lp = &res.pol[p];
        if (lp->status != LC_FITTED) {
            ok = 0;
            fprintf(stderr, "tldrlab-bench: policy %s is %s\n", strpool_get(&s.policies, p),
                    lc_status_name(lp->status));
            continue;
        }
        cJSON_AddNumberToObject(th, strpool_get(&s.policies, p), lp->theta);
        cJSON_AddNumberToObject(se, strpool_get(&s.policies, p), lp->theta_se);
    }
    char *text = cJSON_PrintUnformatted(doc);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(doc);
    if (!ok)
        fprintf(stderr, "tldrlab-bench: the fit is not a plain finite fit (length %s, %s); "
                        "the peers' design would not match\n",
                lc_status_name(res.length_status), res.converged ? "converged" : "not converged");
    lengthctl_free(&res);
    cmpset_free(&s);
    return ok ? 0 : 1;
}
