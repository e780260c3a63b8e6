/* cmd_baseline.c — `tldrlab baseline KIND`: summaries without a model. */
#include "cli/cli.h"
#include "common/atomic.h"
#include "common/rng.h"
#include "world/probes.h"
#include "world/samples.h"
#include "world/world.h"

#include <stdlib.h>
#include <string.h>

/* Sentence spans of text: a sentence ends at . ? ! (and any closing
 * quotes) followed by whitespace, or at a blank line. Returns the count;
 * starts/ends get at most cap spans. */
static size_t sentences(const char *text, size_t *starts, size_t *ends, size_t cap)
{
    size_t n = 0, i = 0, len = strlen(text);
    while (i < len && n < cap) {
        while (i < len && (text[i] == ' ' || text[i] == '\n'))
            i++;
        if (i >= len)
            break;
        size_t s = i;
        while (i < len) {
            char ch = text[i];
            if (ch == '\n' && i + 1 < len && text[i + 1] == '\n')
                break;
            if (ch == '.' || ch == '?' || ch == '!') {
                size_t e = i + 1;
                while (e < len && (text[e] == '\'' || text[e] == '"' || text[e] == ')'))
                    e++;
                if (e >= len || text[e] == ' ' || text[e] == '\n') {
                    i = e;
                    break;
                }
            }
            i++;
        }
        size_t e = i;
        while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\n'))
            e--;
        if (e > s) {
            starts[n] = s;
            ends[n] = e;
            n++;
        }
    }
    return n;
}

int cmd_baseline(CliOpts *o)
{
    static const char *const KINDS[] = {"ref", "lead3", "title", "random-sentence", "author", "probes"};
    int kind = -1;
    for (int k = 0; k < 6; k++)
        if (strcmp(o->files[0], KINDS[k]) == 0)
            kind = k;
    if (kind < 0)
        cli_usage_error(o, "unknown baseline '%s': expected ref, lead3, title, random-sentence, author or probes",
                        o->files[0]);
    if (o->nfiles > 1)
        cli_usage_error(o, "unexpected argument '%s' (see tldrlab baseline --help)", o->files[1]);
    if (!o->out_dir)
        cli_usage_error(o, "--out FILE is required: where to write the samples");
    int split = -1;
    if (o->read.split) {
        split = split_parse(o->read.split);
        if (split < 0 || split == SPLIT_VALID)
            cli_usage_error(o, "--split: expected train, valid1, valid2 or test, got '%s'", o->read.split);
    }
    int only = o->read.dataset ? (strcmp(o->read.dataset, "tldr") == 0 ? WD_TLDR : WD_NEWS) : -1;
    World w;
    cli_open_world(o, &w, 1);
    char policy[64];
    if (kind == 4)
        snprintf(policy, sizeof policy, "author_s%llu", (unsigned long long)o->seed);
    else
        snprintf(policy, sizeof policy, "%s", KINDS[kind]);
    gsl_rng *r = rng_alloc(o->seed);
    AtomicFile *af = cli_open_out_file(o);
    size_t n = 0, *st = xmalloc(4096 * sizeof *st), *en = xmalloc(4096 * sizeof *en);
    StrBuf text;
    sb_init(&text);
    for (size_t k = 0; k < w.ndocs; k++) {
        const Doc *d = &w.docs[k];
        if (only >= 0 && d->domain != only)
            continue;
        int want = split >= 0 ? split : d->domain == WD_TLDR ? SPLIT_VALID2 : SPLIT_TEST;
        if (d->split != want)
            continue;
        sb_clear(&text);
        if (kind == 5) { /* the judge's probes: one sample of each per document */
            for (int p = 0; p < PROBE_N; p++) {
                probe_write(&w, k, (ProbeKind)p, r, &text);
                samples_write(af->fp, &w, probe_name((ProbeKind)p), k, sb_str(&text));
            }
            n++;
            continue;
        }
        if (kind == 0) {
            sb_add(&text, w.ref[k]);
        } else if (kind == 2) {
            sb_add(&text, w.title[k]);
        } else if (kind == 4) {
            world_write_summary(&w.lx, &w.cfg, r, d, AUTHOR_NOISY, &text, NULL);
        } else {
            size_t ns = sentences(w.body[k], st, en, 4096);
            if (ns == 0)
                continue;
            size_t from = kind == 1 ? 0 : gsl_rng_uniform_int(r, ns), to = kind == 1 ? (ns < 3 ? ns : 3) : from + 1;
            for (size_t q = from; q < to; q++) {
                if (q > from)
                    sb_add(&text, " ");
                sb_addn(&text, w.body[k] + st[q], en[q] - st[q]);
            }
        }
        samples_write(af->fp, &w, policy, k, sb_str(&text));
        n++;
    }
    sb_free(&text);
    free(st);
    free(en);
    rng_free(r);
    world_close(&w);
    if (n == 0) {
        atomic_abort(af);
        cli_usage_error(o, "no documents in split %s%s%s of the world", o->read.split ? o->read.split : "valid2/test",
                        only >= 0 ? " of dataset " : "", only >= 0 ? o->read.dataset : "");
    }
    if (atomic_commit(af) != 0)
        return TL_EXIT_RUNTIME;
    if (kind == 5)
        printf("wrote %d probes for each of %zu documents to %s\n", PROBE_N, n, o->out_dir);
    else
        printf("wrote %zu %s samples to %s\n", n, policy, o->out_dir);
    cli_check_stdout();
    return 0;
}
