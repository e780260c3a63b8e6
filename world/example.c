/* example.c — the example data set: TL;DR-like posts and news articles,
 * policies with released-style names and known qualities, simulated
 * labelers, all written as released-format JSON lines. */
#include "world/example.h"
#include "analysis/records.h"
#include "common/atomic.h"
#include "common/jsonl.h"
#include "common/progress.h"
#include "common/rng.h"
#include "common/strbuf.h"
#include "common/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_randist.h>

void example_config_default(ExampleConfig *c)
{
    memset(c, 0, sizeof *c);
    c->seed = RNG_DEFAULT_SEED;
    c->posts = 300;
    c->articles = 80;
    c->workers = 14;
    c->dup_rate = 0.12;
    c->length_coef = 0.5;
    c->axis = 1;
}

/* ---- policies and their true parameters ---- */

typedef struct {
    const char *name;
    double quality; /* logit scale, against the reference at equal length */
    double words;   /* mean summary length in words */
} ExPolicy;

/* TL;DR policies; the reference has quality 0 and REF_WORDS words. */
static const ExPolicy TLDR_POLICIES[] = {
    {"pretrain_xl", -1.70, 27}, {"pretrain_3b", -1.45, 27}, {"pretrain_6b", -1.25, 28},
    {"pretrain_12b", -1.10, 28}, {"sup4", -0.75, 22}, {"sup4_3b", -0.55, 22},
    {"sup4_6b", -0.42, 23}, {"sup4_12b", -0.35, 23}, {"sup4_ppo_rm4_kl9", 0.25, 29},
    {"sup4_3b_ppo_rm4_3b_kl11", 0.45, 30}, {"sup4_6b_ppo_rm4_6b_kl14", 0.60, 31},
    {"sup4_12b_ppo_rm4_12b_kl13", 0.68, 31}, {"sup4_bo16_rm4", -0.10, 24},
};
#define N_TLDR (sizeof TLDR_POLICIES / sizeof TLDR_POLICIES[0])
#define REF_WORDS 21.0
/* Spread of a summary's quality around its policy's: with the workers'
 * sensitivities this puts labeler-labeler agreement near the paper's 72-73%. */
#define SUMMARY_SD 1.3

/* News policies: quality on the 1-7 scale relative to the reference at
 * equal length; words = mean length. */
static const ExPolicy NEWS_POLICIES[] = {
    {"ref", 0.0, 42}, {"lead3", 0.15, 75}, {"supcnndm3_6b_t.3", 0.25, 55},
    {"t5_11b_cnndm", 0.30, 52}, {"sup4_6b_ppo_rm4_6b_kl14", 0.40, 38},
    {"sup4_6b", -0.55, 30}, {"pretrain_6b", -1.30, 36},
};
#define N_NEWS (sizeof NEWS_POLICIES / sizeof NEWS_POLICIES[0])

typedef struct {
    char id[32];
    double scale;   /* sensitivity to utility differences */
    double len_bias;
    double pos_bias;
    double careless;
    double rating_noise;
} Worker;

/* ---- text ---- */

static const char *const SUBREDDITS[] = {
    "relationships", "relationship_advice", "AskReddit", "tifu", "legaladvice",
    "personalfinance", "jobs", "dating_advice", "Advice", "offmychest", "Parenting", "college"};
static const char *const RELATIONS[] = {
    "boyfriend", "girlfriend", "roommate", "best friend", "mom", "dad", "sister",
    "brother", "boss", "coworker", "landlord", "neighbor"};
static const char *const EVENTS[] = {
    "borrowed money and never paid it back", "forgot my birthday again",
    "read my messages without asking", "wants to move across the country",
    "keeps inviting people over late at night", "lied about where they were last weekend",
    "told everyone a secret I shared", "asked me to cosign a loan",
    "started ignoring my texts", "took credit for my work", "wants to get a dog",
    "keeps eating my food"};
static const char *const DETAILS[] = {
    "we have known each other for %d years", "this has happened %d times now",
    "I work about %d hours a week", "we have lived together for %d months",
    "I brought it up once about %d weeks ago", "I spent around %d dollars on it"};
static const char *const FILLERS[] = {
    "I don't want to make a big deal out of it.", "Everyone I ask says I am overreacting.",
    "Money has been tight lately.", "I have never felt this way before.",
    "It is starting to affect my sleep.", "Honestly I am not sure what is normal here.",
    "I tried to let it go but it keeps bugging me.", "We used to be really close.",
    "Sorry for the long post, I am on mobile.", "Throwaway because they know my main."};
static const char *const ASKS[] = {
    "How do I bring this up without starting a fight?", "Am I overreacting?",
    "Should I end things?", "What are my options?", "How do I get my money back?",
    "What would you do?"};
static const char *const NAMES[] = {"Maria Lopez", "James Carter", "Aisha Khan", "Tom Becker",
                                    "Li Wei", "Sarah Novak", "Daniel Osei", "Emma Berg"};
static const char *const PLACES[] = {"Manchester", "Ohio", "Sydney", "Lyon", "Texas",
                                     "Glasgow", "Denver", "Cardiff"};
static const char *const NEWS_EVENTS[] = {
    "was rescued after three days trapped in a collapsed mine",
    "won a landmark court case against a national retailer",
    "opened a free clinic in a converted bus",
    "was arrested after a high-speed chase",
    "raised money for a hospital by running ten marathons",
    "discovered a rare fossil in a back garden"};

#define PICK(r, arr) arr[gsl_rng_uniform_int((r), sizeof arr / sizeof arr[0])]

typedef struct {
    const char *rel, *event, *ask, *sub;
    int age, other_age;
    char g, other_g;
    int nums[3];
    int det[3];
} Situation;

static void situation(gsl_rng *r, Situation *s)
{
    s->rel = PICK(r, RELATIONS);
    s->event = PICK(r, EVENTS);
    s->ask = PICK(r, ASKS);
    s->sub = PICK(r, SUBREDDITS);
    s->age = 16 + (int)gsl_rng_uniform_int(r, 30);
    s->other_age = s->age - 4 + (int)gsl_rng_uniform_int(r, 9);
    s->g = gsl_rng_uniform(r) < 0.5 ? 'F' : 'M';
    s->other_g = gsl_rng_uniform(r) < 0.5 ? 'F' : 'M';
    int det[sizeof DETAILS / sizeof DETAILS[0]];
    for (size_t k = 0; k < sizeof det / sizeof det[0]; k++)
        det[k] = (int)k;
    gsl_ran_shuffle(r, det, sizeof det / sizeof det[0], sizeof det[0]);
    for (int k = 0; k < 3; k++) {
        s->nums[k] = 2 + (int)gsl_rng_uniform_int(r, 11);
        s->det[k] = det[k]; /* three different details */
    }
}

static void post_text(gsl_rng *r, const Situation *s, StrBuf *title, StrBuf *post)
{
    sb_clear(title);
    sb_clear(post);
    sb_printf(title, "My (%d%c) %s (%d%c) %s", s->age, s->g, s->rel, s->other_age, s->other_g, s->event);
    sb_printf(post, "So my %s (%d%c) %s. ", s->rel, s->other_age, s->other_g, s->event);
    int nfill = 3 + (int)gsl_rng_uniform_int(r, 6);
    for (int k = 0; k < 3; k++) {
        char d[128];
        snprintf(d, sizeof d, DETAILS[s->det[k]], s->nums[k]);
        d[0] = (char)(d[0] == 'w' ? 'W' : d[0]);
        sb_printf(post, "%s. ", d);
        for (int f = 0; f < nfill / 3; f++)
            sb_printf(post, "%s ", PICK(r, FILLERS));
    }
    sb_printf(post, "\n\nI (%d%c) just don't know how to handle it. %s", s->age, s->g, s->ask);
}

/* Adds whole clauses from clauses[0..n-1] to out until it holds about
 * `words` words; a summary starts with a space, as released texts do. */
static void clauses_to_summary(const char *const *clauses, size_t n, double words, StrBuf *out)
{
    size_t target = (size_t)fmax(3.0, words), have = 0;
    sb_clear(out);
    for (size_t k = 0; k < n && have < target; k++) {
        const char *c = clauses[k];
        size_t w = util_count_words(c);
        if (have > 0 && have + w > target + target / 4)
            continue; /* a clause that overshoots: try a shorter one */
        char last = out->len ? out->s[out->len - 1] : '\0';
        if (!have)
            sb_add(out, " ");
        else if (last == '?' || last == '.')
            sb_add(out, " ");
        else
            sb_add(out, c[0] >= 'A' && c[0] <= 'Z' ? ". " : ", ");
        size_t at = out->len;
        sb_add(out, c);
        if (have && (last == '?' || last == '.') && out->s[at] >= 'a' && out->s[at] <= 'z')
            out->s[at] = (char)(out->s[at] - 'a' + 'A');
        have += w;
    }
    const char *t = sb_str(out);
    if (t[0] && t[strlen(t) - 1] != '?' && t[strlen(t) - 1] != '.')
        sb_add(out, ".");
}

/* A TL;DR of about `words` words: the gist, details in a random order, the ask. */
static void summary_text(gsl_rng *r, const Situation *s, double words, StrBuf *out)
{
    char gist[160], det[3][128], extra[160];
    snprintf(gist, sizeof gist, "my %s %s", s->rel, s->event);
    int order[3] = {0, 1, 2};
    gsl_ran_shuffle(r, order, 3, sizeof order[0]);
    for (int k = 0; k < 3; k++)
        snprintf(det[k], sizeof det[k], DETAILS[s->det[order[k]]], s->nums[order[k]]);
    snprintf(extra, sizeof extra, "%s", PICK(r, FILLERS));
    extra[strlen(extra) - 1] = '\0'; /* drop the full stop */
    const char *clauses[] = {gist, det[0], s->ask, det[1], extra, det[2]};
    clauses_to_summary(clauses, sizeof clauses / sizeof clauses[0], words, out);
}

typedef struct {
    const char *name, *place, *event, *site;
    int age, num;
} Story;

static void article_text(gsl_rng *r, const Story *st, StrBuf *title, StrBuf *art, StrBuf *lead3,
                         StrBuf *highlights)
{
    sb_clear(title);
    sb_clear(art);
    sb_clear(lead3);
    sb_clear(highlights);
    sb_printf(title, "%s, %d, %s", st->name, st->age, st->event);
    const char *sent[10];
    char buf[10][256];
    snprintf(buf[0], 256, "%s, %d, %s in %s on Tuesday.", st->name, st->age, st->event, st->place);
    snprintf(buf[1], 256, "Officials said about %d people had gathered by the afternoon.", st->num * 10);
    snprintf(buf[2], 256, "Friends described %s as quiet, determined and well liked.", st->name);
    snprintf(buf[3], 256, "Local councillors in %s praised the response of emergency services.", st->place);
    snprintf(buf[4], 256, "The story was first reported by a local newspaper.");
    snprintf(buf[5], 256, "A spokesman declined to comment further while inquiries continue.");
    snprintf(buf[6], 256, "Neighbours said the street had never seen anything like it.");
    snprintf(buf[7], 256, "It is the %d%s such case in the region this year.", st->num,
             st->num == 1 ? "st" : st->num == 2 ? "nd" : st->num == 3 ? "rd" : "th");
    snprintf(buf[8], 256, "%s thanked everyone who had helped along the way.", st->name);
    snprintf(buf[9], 256, "More details are expected to be released next week.");
    for (int k = 0; k < 10; k++)
        sent[k] = buf[k];
    gsl_ran_shuffle(r, sent + 3, 7, sizeof sent[0]); /* lead-heavy: the first three stay */
    for (int k = 0; k < 10; k++) {
        sb_printf(art, "%s%s", k ? "\n\n" : "", sent[k]);
        if (k < 3)
            sb_printf(lead3, "%s%s", k ? " " : " ", sent[k]);
    }
    sb_printf(highlights, " %s, %d, %s in %s.\n%s was praised by local councillors.\nAbout %d people gathered.",
              st->name, st->age, st->event, st->place, st->name, st->num * 10);
}

/* A news summary of about `words` words, in the lead's order. */
static void news_summary(gsl_rng *r, const Story *st, double words, StrBuf *out)
{
    char c[6][192];
    snprintf(c[0], sizeof c[0], "%s, %d, %s in %s", st->name, st->age, st->event, st->place);
    snprintf(c[1], sizeof c[1], "Officials said about %d people gathered", st->num * 10);
    snprintf(c[2], sizeof c[2], "Friends describe %s as determined and well liked", st->name);
    snprintf(c[3], sizeof c[3], "Councillors praised the emergency services");
    snprintf(c[4], sizeof c[4], "%s thanked everyone who helped", st->name);
    snprintf(c[5], sizeof c[5], "More details are expected next week");
    const char *clauses[6] = {c[0], c[1], c[2], c[3], c[4], c[5]};
    gsl_ran_shuffle(r, clauses + 1, 5, sizeof clauses[0]);
    clauses_to_summary(clauses, 6, words, out);
}

/* ---- labelers ---- */

static void random_id(gsl_rng *r, char *out, size_t len)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < len; i++)
        out[i] = A[gsl_rng_uniform_int(r, sizeof A - 1)];
    out[len] = '\0';
}

static void make_workers(gsl_rng *r, Worker *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        random_id(r, w[i].id, 30);
        w[i].scale = 1.0 + 0.5 * gsl_rng_uniform(r);
        w[i].len_bias = gsl_ran_gaussian(r, 0.15);
        w[i].pos_bias = gsl_ran_gaussian(r, 0.08);
        w[i].careless = 0.02 + 0.08 * gsl_rng_uniform(r);
        w[i].rating_noise = 0.5 + 0.4 * gsl_rng_uniform(r);
    }
}

/* A labeler's choice between summaries with utilities u0, u1 and word
 * counts l0, l1 (Bradley-Terry with length and position effects, and a
 * careless share of coin flips). Returns the choice; *conf gets the
 * 9-point slider position (1-4 for summaries[0], 6-9 for summaries[1]). */
static int label(gsl_rng *r, const Worker *w, double lcoef, double u0, double u1, double l0,
                 double l1, int *conf)
{
    double logit = w->scale * (u0 - u1) + (lcoef + w->len_bias) * log((l0 + 1) / (l1 + 1)) + w->pos_bias;
    double p0 = w->careless / 2 + (1 - w->careless) / (1 + exp(-logit));
    int choice = gsl_rng_uniform(r) < p0 ? 0 : 1;
    double strength = 1 + fabs(logit) * 1.4 + gsl_ran_gaussian(r, 0.7);
    int s = strength < 1 ? 1 : strength > 4 ? 4 : (int)strength;
    *conf = choice == 0 ? 5 - s : 5 + s;
    return choice;
}

static int likert_value(double x)
{
    long v = lround(x);
    return v < 1 ? 1 : v > 7 ? 7 : (int)v;
}

/* ---- output ---- */

typedef struct {
    AtomicFile *af;
    size_t n;
} Out;

static void out_open(Out *o, const char *dir, const char *sub, const char *name)
{
    char *d = util_path_join(dir, sub), *p = util_path_join(d, name);
    o->af = atomic_open_mkdir(p);
    o->n = 0;
    free(p);
    free(d);
}

static void out_json(Out *o, cJSON *j)
{
    jsonl_write(o->af->fp, j);
    o->n++;
}

static int out_close(Out *o)
{
    return atomic_commit(o->af);
}

static void write_cmp(Out *o, gsl_rng *r, const Worker *w, double lcoef, const RecInfo *info,
                      const char *batch, Split split, const char *text[2], const char *pol[2],
                      const double u[2], const double len[2])
{
    CmpRecord rec;
    memset(&rec, 0, sizeof rec);
    rec.info = *info;
    for (int k = 0; k < 2; k++) {
        rec.summaries[k].text = text[k];
        rec.summaries[k].policy = pol[k];
    }
    rec.choice = label(r, w, lcoef, u[0], u[1], len[0], len[1], &rec.confidence);
    rec.worker = w->id;
    rec.batch = batch;
    rec.split = split;
    out_json(o, record_comparison_to_json(&rec));
}

static double draw_words(gsl_rng *r, double mean)
{
    double v = mean * exp(gsl_ran_gaussian(r, 0.25) - 0.03);
    return v < 4 ? 4 : v;
}

/* The TL;DR part: comparisons and axis evals. */
static void gen_tldr(const ExampleConfig *c, gsl_rng *r, const Worker *workers, size_t nposts,
                     Out *cmp, Out *ax)
{
    StrBuf title, post, ref, sum[N_TLDR];
    sb_init(&title);
    sb_init(&post);
    sb_init(&ref);
    for (size_t k = 0; k < N_TLDR; k++)
        sb_init(&sum[k]);
    Progress pr;
    progress_start(&pr, "writing example comparisons", (double)nposts, c->progress);
    size_t n_axis_posts = nposts < 120 ? nposts : 120;
    for (size_t i = 0; i < nposts; i++) {
        Situation s;
        situation(r, &s);
        post_text(r, &s, &title, &post);
        char id[16];
        snprintf(id, sizeof id, "t3_");
        random_id(r, id + 3, 6);
        for (char *q = id + 3; *q; q++)
            *q = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
        RecInfo info = {.id = id, .title = sb_str(&title), .post = sb_str(&post), .subreddit = s.sub};
        Split split = gsl_rng_uniform(r) < 0.85 ? SPLIT_VALID2 : SPLIT_VALID1;
        char batch[32];
        snprintf(batch, sizeof batch, "example%zu", 1 + i * 4 / (nposts ? nposts : 1));

        double ref_words = draw_words(r, REF_WORDS);
        summary_text(r, &s, ref_words, &ref);
        double u_ref = gsl_ran_gaussian(r, SUMMARY_SD);
        double u[N_TLDR], words[N_TLDR];
        for (size_t k = 0; k < N_TLDR; k++) {
            words[k] = draw_words(r, TLDR_POLICIES[k].words);
            summary_text(r, &s, words[k], &sum[k]);
            u[k] = TLDR_POLICIES[k].quality + gsl_ran_gaussian(r, SUMMARY_SD);
            words[k] = (double)util_count_words(sb_str(&sum[k]));
        }
        ref_words = (double)util_count_words(sb_str(&ref));
        for (size_t k = 0; k < N_TLDR; k++) {
            int swap = gsl_rng_uniform(r) < 0.5;
            const char *text[2] = {sb_str(&sum[k]), sb_str(&ref)};
            const char *pol[2] = {TLDR_POLICIES[k].name, "ref"};
            double uu[2] = {u[k], u_ref}, ll[2] = {words[k], ref_words};
            if (swap) {
                const char *t = text[0]; text[0] = text[1]; text[1] = t;
                t = pol[0]; pol[0] = pol[1]; pol[1] = t;
                double x = uu[0]; uu[0] = uu[1]; uu[1] = x;
                x = ll[0]; ll[0] = ll[1]; ll[1] = x;
            }
            size_t w1 = gsl_rng_uniform_int(r, c->workers);
            write_cmp(cmp, r, &workers[w1], c->length_coef, &info, batch, split, text, pol, uu, ll);
            if (c->workers > 1 && gsl_rng_uniform(r) < c->dup_rate) {
                size_t w2 = (w1 + 1 + gsl_rng_uniform_int(r, c->workers - 1)) % c->workers;
                write_cmp(cmp, r, &workers[w2], c->length_coef, &info, batch, split, text, pol, uu, ll);
            }
        }
        /* A few policy-vs-policy comparisons, for the pairwise matrix. */
        if (gsl_rng_uniform(r) < 0.25) {
            size_t a = 6, b = 10; /* sup4_6b vs its PPO policy */
            if (gsl_rng_uniform(r) < 0.5) {
                a = 4;
                b = 8;
            }
            const char *text[2] = {sb_str(&sum[a]), sb_str(&sum[b])};
            const char *pol[2] = {TLDR_POLICIES[a].name, TLDR_POLICIES[b].name};
            double uu[2] = {u[a], u[b]}, ll[2] = {words[a], words[b]};
            write_cmp(cmp, r, &workers[gsl_rng_uniform_int(r, c->workers)], c->length_coef, &info,
                      batch, split, text, pol, uu, ll);
        }
        if (ax && i < n_axis_posts) {
            for (size_t k = 0; k <= N_TLDR; k++) {
                const Worker *w = &workers[gsl_rng_uniform_int(r, c->workers)];
                double uk = k < N_TLDR ? u[k] : u_ref;
                double lk = k < N_TLDR ? words[k] : ref_words;
                double base = 5.0 + 0.9 * uk + 0.45 * log((lk + 1) / (REF_WORDS + 1)) +
                              gsl_ran_gaussian(r, w->rating_noise);
                AxisRecord rec;
                memset(&rec, 0, sizeof rec);
                rec.info = info;
                rec.summary.text = k < N_TLDR ? sb_str(&sum[k]) : sb_str(&ref);
                rec.summary.policy = k < N_TLDR ? TLDR_POLICIES[k].name : "ref";
                rec.axes[AXIS_OVERALL] = likert_value(base);
                rec.axes[AXIS_ACCURACY] = likert_value(base + 0.5 + gsl_ran_gaussian(r, 0.7));
                rec.axes[AXIS_COVERAGE] = likert_value(base - 0.1 + gsl_ran_gaussian(r, 0.7));
                rec.axes[AXIS_COHERENCE] = likert_value(base + 0.8 + gsl_ran_gaussian(r, 0.6));
                rec.worker = w->id;
                rec.batch = "exampleaxis1";
                rec.split = split;
                out_json(ax, record_axis_to_json(&rec));
            }
        }
        progress_update(&pr, (double)(i + 1));
    }
    progress_finish(&pr);
    sb_free(&title);
    sb_free(&post);
    sb_free(&ref);
    for (size_t k = 0; k < N_TLDR; k++)
        sb_free(&sum[k]);
}

/* The news part: comparisons against the highlights and axis evals. */
static void gen_news(const ExampleConfig *c, gsl_rng *r, const Worker *workers, Out *cmp, Out *ax)
{
    StrBuf title, art, lead3, hl, sum[N_NEWS];
    sb_init(&title);
    sb_init(&art);
    sb_init(&lead3);
    sb_init(&hl);
    for (size_t k = 0; k < N_NEWS; k++)
        sb_init(&sum[k]);
    for (size_t i = 0; i < c->articles; i++) {
        Story st = {PICK(r, NAMES), PICK(r, PLACES), PICK(r, NEWS_EVENTS),
                    gsl_rng_uniform(r) < 0.5 ? "cnn" : "dailymail",
                    19 + (int)gsl_rng_uniform_int(r, 60), 2 + (int)gsl_rng_uniform_int(r, 9)};
        article_text(r, &st, &title, &art, &lead3, &hl);
        char id[48];
        for (int k = 0; k < 40; k++)
            id[k] = "0123456789abcdef"[gsl_rng_uniform_int(r, 16)];
        id[40] = '\0';
        RecInfo info = {.id = id, .title = sb_str(&title), .article = sb_str(&art), .site = st.site};
        double u[N_NEWS], chars[N_NEWS];
        for (size_t k = 0; k < N_NEWS; k++) {
            sb_clear(&sum[k]);
            if (k == 0)
                sb_add(&sum[k], sb_str(&hl));
            else if (strcmp(NEWS_POLICIES[k].name, "lead3") == 0)
                sb_add(&sum[k], sb_str(&lead3));
            else
                news_summary(r, &st, draw_words(r, NEWS_POLICIES[k].words), &sum[k]);
            chars[k] = (double)util_count_chars(sb_str(&sum[k]));
            u[k] = NEWS_POLICIES[k].quality + gsl_ran_gaussian(r, 0.6);
        }
        for (size_t k = 1; k < N_NEWS && cmp; k++) {
            if (strcmp(NEWS_POLICIES[k].name, "lead3") == 0 || strncmp(NEWS_POLICIES[k].name, "t5", 2) == 0)
                continue;
            const char *text[2] = {sb_str(&sum[k]), sb_str(&sum[0])};
            const char *pol[2] = {NEWS_POLICIES[k].name, "ref"};
            double uu[2] = {u[k], u[0]};
            double ll[2] = {(double)util_count_words(text[0]), (double)util_count_words(text[1])};
            write_cmp(cmp, r, &workers[gsl_rng_uniform_int(r, c->workers)], c->length_coef, &info,
                      "example_news", SPLIT_VALID2, text, pol, uu, ll);
        }
        for (size_t k = 0; k < N_NEWS && ax; k++) {
            const Worker *w = &workers[gsl_rng_uniform_int(r, c->workers)];
            /* Longer news summaries cover more: +0.5 per 100 characters. */
            double base = 4.6 + u[k] + 0.5 * (chars[k] - chars[0]) / 100.0 +
                          gsl_ran_gaussian(r, w->rating_noise);
            AxisRecord rec;
            memset(&rec, 0, sizeof rec);
            rec.info = info;
            rec.summary.text = sb_str(&sum[k]);
            rec.summary.policy = NEWS_POLICIES[k].name;
            rec.axes[AXIS_OVERALL] = likert_value(base);
            rec.axes[AXIS_ACCURACY] = likert_value(base + 0.6 + gsl_ran_gaussian(r, 0.7));
            rec.axes[AXIS_COVERAGE] = likert_value(base - 0.2 + gsl_ran_gaussian(r, 0.7));
            rec.axes[AXIS_COHERENCE] = likert_value(base + 0.7 + gsl_ran_gaussian(r, 0.6));
            rec.worker = w->id;
            rec.batch = "examplenews1";
            rec.split = SPLIT_TEST;
            out_json(ax, record_axis_to_json(&rec));
        }
    }
    sb_free(&title);
    sb_free(&art);
    sb_free(&lead3);
    sb_free(&hl);
    for (size_t k = 0; k < N_NEWS; k++)
        sb_free(&sum[k]);
}

static void write_truth(const ExampleConfig *c, size_t nposts, const Worker *w)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "generator", "tldrlab example " TLDRLAB_VERSION);
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    cJSON_AddRawToObject(root, "seed", seed); /* exact: a double would round seeds above 2^53 */
    cJSON_AddNumberToObject(root, "posts", (double)nposts);
    cJSON_AddNumberToObject(root, "articles", (double)c->articles);
    cJSON_AddNumberToObject(root, "length_coef", c->length_coef);
    cJSON_AddStringToObject(root, "note",
        "quality: true logit-scale preference over the reference at equal length for a noiseless "
        "labeler; simulated labelers scale it by their sensitivity and add coin flips, so fitted "
        "thetas are attenuated towards 0. news quality is on the 1-7 scale.");
    cJSON *tl = cJSON_AddObjectToObject(root, "tldr");
    cJSON *ref = cJSON_AddObjectToObject(tl, "ref");
    cJSON_AddNumberToObject(ref, "quality", 0);
    cJSON_AddNumberToObject(ref, "mean_words", REF_WORDS);
    for (size_t k = 0; k < N_TLDR; k++) {
        cJSON *o = cJSON_AddObjectToObject(tl, TLDR_POLICIES[k].name);
        cJSON_AddNumberToObject(o, "quality", TLDR_POLICIES[k].quality);
        cJSON_AddNumberToObject(o, "mean_words", TLDR_POLICIES[k].words);
    }
    cJSON *nw = cJSON_AddObjectToObject(root, "news");
    for (size_t k = 0; k < N_NEWS; k++) {
        cJSON *o = cJSON_AddObjectToObject(nw, NEWS_POLICIES[k].name);
        cJSON_AddNumberToObject(o, "quality", NEWS_POLICIES[k].quality);
        cJSON_AddNumberToObject(o, "mean_words", NEWS_POLICIES[k].words);
    }
    cJSON *wa = cJSON_AddArrayToObject(root, "workers");
    for (size_t i = 0; i < c->workers; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", w[i].id);
        cJSON_AddNumberToObject(o, "sensitivity", w[i].scale);
        cJSON_AddNumberToObject(o, "length_bias", w[i].len_bias);
        cJSON_AddNumberToObject(o, "position_bias", w[i].pos_bias);
        cJSON_AddNumberToObject(o, "careless", w[i].careless);
        cJSON_AddItemToArray(wa, o);
    }
    char *s = cJSON_Print(root);
    char *path = util_path_join(c->out_dir, "truth.json");
    StrBuf b;
    sb_init(&b);
    sb_printf(&b, "%s\n", s);
    atomic_write_string(path, sb_str(&b));
    sb_free(&b);
    free(path);
    free(s);
    cJSON_Delete(root);
}

int example_generate(const ExampleConfig *c, TlError *err)
{
    if (c->workers < 2) {
        tlerr_set(err, "--workers: need at least 2 workers, got %zu", c->workers);
        return TL_EXIT_INPUT;
    }
    if (c->dup_rate < 0 || c->dup_rate > 1) {
        tlerr_set(err, "--dup-rate: must be in [0, 1], got %g", c->dup_rate);
        return TL_EXIT_INPUT;
    }
    size_t nposts = c->posts;
    if (c->comparisons > 0) {
        /* Per post: one comparison per policy, dup_rate of them twice, and
         * a quarter of a policy-vs-policy comparison. */
        double per_post = (double)N_TLDR * (1 + c->dup_rate) + 0.25;
        nposts = (size_t)ceil((double)c->comparisons / per_post);
    }
    if (nposts == 0) {
        tlerr_set(err, "--posts: need at least 1 post");
        return TL_EXIT_INPUT;
    }
    if (util_mkdir_p(c->out_dir) != 0) {
        tlerr_set(err, "%s: cannot create directory: %s", c->out_dir, strerror(errno));
        return TL_EXIT_RUNTIME;
    }
    gsl_rng *r = rng_alloc(c->seed);
    Worker *workers = xcalloc(c->workers, sizeof *workers);
    make_workers(r, workers, c->workers);

    Out tc, nc, ta, na;
    out_open(&tc, c->out_dir, "comparisons", "tldr.json");
    if (c->axis)
        out_open(&ta, c->out_dir, "axis_evals", "tldr.json");
    gen_tldr(c, r, workers, nposts, &tc, c->axis ? &ta : NULL);
    out_open(&nc, c->out_dir, "comparisons", "news.json");
    if (c->axis)
        out_open(&na, c->out_dir, "axis_evals", "news.json");
    gen_news(c, r, workers, &nc, c->axis ? &na : NULL);
    /* All four files complete before any is renamed into place. */
    Out *outs[4] = {&tc, &nc, &ta, &na};
    int nout = c->axis ? 4 : 2, bad = 0;
    for (int i = 0; i < nout && !bad; i++)
        bad = atomic_sync(outs[i]->af) != 0;
    for (int i = 0; i < nout; i++) {
        if (bad)
            atomic_abort(outs[i]->af);
        else
            bad = out_close(outs[i]) != 0;
    }
    if (!bad)
        write_truth(c, nposts, workers);
    free(workers);
    rng_free(r);
    if (bad) {
        tlerr_set(err, "%s: could not write the example data", c->out_dir);
        return TL_EXIT_RUNTIME;
    }
    return 0;
}
