/* opts.c — option parsing, input loading and output emission shared by
 * the subcommands. */
#include "cli/cli.h"
#include "common/atomic.h"
#include "common/progress.h"
#include "common/rng.h"
#include "common/strbuf.h"
#include "common/util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    O_SPLIT = 1000, O_BATCH, O_POLICY, O_WORKER, O_SKIP, O_META, O_FORMAT, O_OUT, O_SEED,
    O_BASELINE, O_BOOTSTRAP, O_BY, O_PAIRWISE, O_LENUNIT, O_LEVEL, O_LENCTL, O_POSTS,
    O_COMPARISONS, O_ARTICLES, O_WORKERS, O_DUP, O_LCOEF, O_NOAXIS, O_QUIET, O_PROGRESS, O_HELP,
    O_DATASET, O_LENCTLD, O_BOTH, O_RMSCORES, O_CONFIG, O_WORLD, O_LEXICON, O_LABELS, O_GOLD, O_BATCHNAME,
    O_SUMMARY, O_EXPERT, O_TITLE, O_JUDGE, O_FINDINGS, O_DATA, O_MODEL, O_CHECKPOINT, O_LAYERS, O_CHANNELS, O_HEADS, O_CONTEXT, O_VOCAB, O_BATCH_SIZE,
    O_STEPS, O_LR, O_WARMUP, O_WD, O_CLIP, O_RESUME, O_CKPT_EVERY, O_EVAL_EVERY, O_PROMPT, O_MAXNEW, O_TEMP, O_TOPP,
    O_GREEDY, O_NSAMPLES, O_UNTIL, O_FROM, O_RMDIR, O_NAME, O_BETA, O_KLTARGET, O_NOEOS, O_EPOCHS, O_MINIBATCHES,
    O_BON_N, O_KLSAMPLES, O_LIMIT, O_DRYRUN, O_ONLY, O_FORCE, O_RANKS, O_CALIBRATE
};

typedef struct {
    struct option opt;
    unsigned group;
    const char *arg;
    const char *help;
} OptSpec;

static const OptSpec SPECS[] = {
    {{"split", required_argument, 0, O_SPLIT}, OPT_FILTERS | OPT_SPLIT, "NAME",
     "train, valid, valid1, valid2, test or all (default valid2; news: valid2 or test)"},
    {{"dataset", required_argument, 0, O_DATASET}, OPT_FILTERS | OPT_SPLIT, "NAME",
     "tldr (info has a post) or news (an article); default: both"},
    {{"batch", required_argument, 0, O_BATCH}, OPT_FILTERS, "LIST", "keep these batches (comma-separated)"},
    {{"policy", required_argument, 0, O_POLICY}, OPT_FILTERS, "LIST",
     "keep records with a summary by one of these policies"},
    {{"worker", required_argument, 0, O_WORKER}, OPT_FILTERS, "LIST", "keep records by these workers"},
    {{"skip-invalid", no_argument, 0, O_SKIP}, OPT_FILTERS, NULL,
     "skip bad records (counted and reported) instead of stopping at the first"},
    {{"meta", required_argument, 0, O_META}, OPT_META, "FILE",
     "policy metadata JSON; overrides what the names say"},
    {{"baseline", required_argument, 0, O_BASELINE}, OPT_BASELINE, "NAME", "baseline policy (default ref)"},
    {{"bootstrap", required_argument, 0, O_BOOTSTRAP}, OPT_BOOTSTRAP, "B",
     "bootstrap resamples (default 10000; 0 = none)"},
    {{"by", required_argument, 0, O_BY}, OPT_BY, "KEY", "rows per policy (default), method or size"},
    {{"pairwise", no_argument, 0, O_PAIRWISE}, OPT_PAIRWISE, NULL,
     "also the policy x policy win matrix and Bradley-Terry strengths"},
    {{"length-unit", required_argument, 0, O_LENUNIT}, OPT_LENUNIT, "UNIT",
     "words (whitespace-separated, default) or chars"},
    {{"length-control", no_argument, 0, O_LENCTL}, OPT_LENCTL, NULL,
     "likert: also regress overall on policy + length in characters (Table 14);\n"
     "winrate: also fit lengthctl's model, reading the files once"},
    {{"length-controlled", no_argument, 0, O_LENCTLD}, OPT_PLOT, NULL,
     "fig1: plot sigma(theta) from the length-controlled model"},
    {{"both", no_argument, 0, O_BOTH}, OPT_PLOT, NULL, "fig1: raw and length-controlled side by side"},
    {{"title", required_argument, 0, O_TITLE}, OPT_REPORT, "TEXT",
     "the report's title: what it is about (default: its input files)"},
    {{"judge", required_argument, 0, O_JUDGE}, OPT_REPORT, "FILE",
     "a gold-judge section from FILE, the judge.json of world judge --summary --out"},
    {{"findings", required_argument, 0, O_FINDINGS}, OPT_REPORT, "FILE",
     "a markdown section (## Findings, as tldrlab sweep writes it) placed first"},
    {{"rm-scores", required_argument, 0, O_RMSCORES}, OPT_RMSCORES, "FILE",
     "overopt: CSV with columns policy, rm_policy, rm_ref (RM scores of a policy's summary and the reference's)"},
    {{"config", required_argument, 0, O_CONFIG}, OPT_WORLD, "FILE",
     "JSON config (its sections: see above; the world's in docs/world.md)"},
    {{"lexicon", required_argument, 0, O_LEXICON}, OPT_LEXICON, "DIR",
     "read the lexicon from DIR/*.json instead of the built-in one"},
    {{"world", required_argument, 0, O_WORLD}, OPT_WORLDDIR, "DIR", "the world (made by tldrlab world generate)"},
    {{"labels", required_argument, 0, O_LABELS}, OPT_LABEL, "K",
     "distinct workers per item (default 1; compare --gold: 0 for the gold judge's choices alone)"},
    {{"gold", no_argument, 0, O_GOLD}, OPT_LABEL, NULL,
     "compare: also write the gold judge's own choice, as worker \"gold\""},
    {{"batch-name", required_argument, 0, O_BATCHNAME}, OPT_LABEL, "NAME",
     "the batch written into each record (default world)"},
    {{"expert", required_argument, 0, O_EXPERT}, OPT_EXPERT, "WORKER",
     "a worker whose labels are the standard (e.g. gold): everyone's agreement with it"},
    {{"data", required_argument, 0, O_DATA}, OPT_LM, "FILE",
     "training text: a text file, or JSON lines whose text, post or article fields are documents"},
    {{"layers", required_argument, 0, O_LAYERS}, OPT_LM, "L", "transformer blocks (default 2)"},
    {{"channels", required_argument, 0, O_CHANNELS}, OPT_LM, "C", "channels (default 64)"},
    {{"heads", required_argument, 0, O_HEADS}, OPT_LM, "NH", "attention heads; C divisible by NH (default C/32, at least 1)"},
    {{"context", required_argument, 0, O_CONTEXT}, OPT_LM, "T", "context length in tokens (default 128)"},
    {{"vocab", required_argument, 0, O_VOCAB}, OPT_LM, "V",
     "BPE vocabulary, EOS and PAD included (default 4096; fewer when the corpus runs out of pairs)"},
    {{"batch-size", required_argument, 0, O_BATCH_SIZE}, OPT_LM | OPT_CKPT | OPT_STAGE | OPT_GEN, "B",
     "sequences per step (lm-train default 4096/T; lm-dump default 2)"},
    {{"steps", required_argument, 0, O_STEPS}, OPT_LM | OPT_STAGE, "N", "optimiser steps in all (default 200)"},
    {{"lr", required_argument, 0, O_LR}, OPT_LM | OPT_STAGE, "X", "peak learning rate (default 3e-3; cosine to a tenth)"},
    {{"warmup", required_argument, 0, O_WARMUP}, OPT_LM | OPT_STAGE, "N", "warm-up steps (default steps/20)"},
    {{"weight-decay", required_argument, 0, O_WD}, OPT_LM | OPT_STAGE, "X", "AdamW weight decay on matrices (default 0.1)"},
    {{"clip", required_argument, 0, O_CLIP}, OPT_LM | OPT_STAGE, "X", "global gradient-norm clip (default 1; 0 = none)"},
    {{"checkpoint-every", required_argument, 0, O_CKPT_EVERY}, OPT_LM | OPT_STAGE, "N",
     "write DIR/model.ckpt and log.csv every N steps (default: a tenth of the steps; ppo: 10 iterations)"},
    {{"eval-every", required_argument, 0, O_EVAL_EVERY}, OPT_LM | OPT_STAGE, "N",
     "held-out loss every N steps (default steps/10)"},
    {{"until", required_argument, 0, O_UNTIL}, OPT_LM | OPT_STAGE, "STEP",
     "stop after this step of the --steps schedule (a checkpoint is written; --resume goes on)"},
    {{"resume", no_argument, 0, O_RESUME}, OPT_LM | OPT_STAGE, NULL,
     "continue from DIR/model.ckpt: same data order, optimiser and random state"},
    {{"model", required_argument, 0, O_MODEL}, OPT_SAMPLE | OPT_GEN, "DIR", "a folder made by lm-train (model.ckpt, tokenizer.bin)"},
    {{"checkpoint", required_argument, 0, O_CHECKPOINT}, OPT_CKPT, "FILE", "a checkpoint (model.ckpt)"},
    {{"prompt", required_argument, 0, O_PROMPT}, OPT_SAMPLE, "TEXT", "the text to continue (default: start of a document)"},
    {{"max-new", required_argument, 0, O_MAXNEW}, OPT_SAMPLE, "N", "tokens to generate at most (default 64)"},
    {{"temperature", required_argument, 0, O_TEMP}, OPT_SAMPLE | OPT_GEN | OPT_STAGE, "X", "sampling temperature (default 1; 0 = greedy)"},
    {{"top-p", required_argument, 0, O_TOPP}, OPT_SAMPLE, "P", "nucleus sampling mass (default 1 = off)"},
    {{"greedy", no_argument, 0, O_GREEDY}, OPT_SAMPLE | OPT_GEN, NULL, "take the most likely token each time"},
    {{"samples", required_argument, 0, O_NSAMPLES}, OPT_SAMPLE, "N", "continuations to print (default 3)"},
    {{"from", required_argument, 0, O_FROM}, OPT_STAGE | OPT_GEN, "DIR",
     "the stage folder to start from (sft: the pretrained model; rm train, ppo, bon: the supervised one)"},
    {{"rm", required_argument, 0, O_RMDIR}, OPT_STAGE | OPT_GEN, "DIR", "the reward model's folder (tldrlab rm train)"},
    {{"name", required_argument, 0, O_NAME}, OPT_GEN, "NAME", "the policy name written into the samples"},
    {{"beta", required_argument, 0, O_BETA}, OPT_STAGE, "X", "ppo: KL coefficient (default 0.05; the start value with --kl-target)"},
    {{"kl-target", required_argument, 0, O_KLTARGET}, OPT_STAGE, "NATS",
     "ppo: adapt beta towards this KL per episode (Ziegler et al.; default: beta fixed)"},
    {{"no-eos-penalty", required_argument, 0, O_NOEOS}, OPT_STAGE, "X",
     "ppo: the score of a response that never ends (default -1)"},
    {{"epochs", required_argument, 0, O_EPOCHS}, OPT_STAGE, "N", "ppo: passes over each batch of rollouts (default 4)"},
    {{"minibatches", required_argument, 0, O_MINIBATCHES}, OPT_STAGE, "N", "ppo: minibatches per pass (default 4)"},
    {{"kl-samples", required_argument, 0, O_KLSAMPLES}, OPT_STAGE, "N",
     "ppo: valid2 prompts for the final KL measurement (default 1000)"},
    {{"limit", required_argument, 0, O_LIMIT}, OPT_GEN, "N", "only the first N documents of the split"},
    {{"n", required_argument, 0, O_BON_N}, OPT_GEN, "N", "bon: samples per prompt (default 16)"},
    {{"dry-run", no_argument, 0, O_DRYRUN}, OPT_SWEEP, NULL,
     "print the plan (each stage, what it would do, its estimated time) and stop"},
    {{"only", required_argument, 0, O_ONLY}, OPT_SWEEP, "LIST",
     "run only these stages or groups (comma-separated ids such as ppo/s/b0.05, or world, pretrain, sft, comparisons, rm, ppo, bon, eval, report)"},
    {{"force", required_argument, 0, O_FORCE}, OPT_SWEEP, "LIST", "rerun these stages or groups even when they are done"},
    {{"calibrate", required_argument, 0, O_CALIBRATE}, OPT_SWEEP, "RUN",
     "scale each group's estimates (pretrain, sft, rm, ppo, ...) by measured/estimated seconds of the finished run in folder RUN"},
    {{"ranks", required_argument, 0, O_RANKS}, OPT_SWEEP, "K",
     "with --dry-run: the schedule and its wall time on K ranks (default: the ranks of this mpirun job, or 1)"},
    {{"summary", no_argument, 0, O_SUMMARY}, OPT_SUMMARY, NULL,
     "judge: a table of means per dataset and policy instead of one line per sample"},
    {{"level", required_argument, 0, O_LEVEL}, OPT_LEVEL, "X", "interval level (default 0.95)"},
    {{"seed", required_argument, 0, O_SEED}, OPT_SEED, "N", "random seed (default 20200902)"},
    {{"posts", required_argument, 0, O_POSTS}, OPT_EXAMPLE, "N", "TL;DR posts (default 300)"},
    {{"comparisons", required_argument, 0, O_COMPARISONS}, OPT_EXAMPLE, "N",
     "about N TL;DR comparisons (sets the number of posts)"},
    {{"articles", required_argument, 0, O_ARTICLES}, OPT_EXAMPLE, "N", "news articles (default 80)"},
    {{"workers", required_argument, 0, O_WORKERS}, OPT_EXAMPLE, "N", "labelers (default 14)"},
    {{"dup-rate", required_argument, 0, O_DUP}, OPT_EXAMPLE, "X",
     "share of pairs labelled by a second worker (default 0.12)"},
    {{"length-coef", required_argument, 0, O_LCOEF}, OPT_EXAMPLE, "W",
     "labelers' true length preference per log length ratio (default 0.5)"},
    {{"no-axis", no_argument, 0, O_NOAXIS}, OPT_EXAMPLE, NULL, "do not write axis evals"},
    {{"format", required_argument, 0, O_FORMAT}, OPT_OUTPUT, "FMT", "md (default), csv or json on stdout"},
    {{"out", required_argument, 0, O_OUT}, OPT_OUT, "DIR", "also write CSV and JSON files into DIR"},
    {{"quiet", no_argument, 0, O_QUIET}, OPT_PROGRESS, NULL, "no progress display"},
    {{"progress", no_argument, 0, O_PROGRESS}, OPT_PROGRESS, NULL,
     "show progress even when stderr is not a terminal"},
    {{"help", no_argument, 0, O_HELP}, ~0u, NULL, "show this help"},
};
#define NSPECS (sizeof SPECS / sizeof SPECS[0])

static void print_help(const Command *c)
{
    printf("usage: tldrlab %s %s\n\n%s\n\noptions:\n", c->name, c->usage, c->help);
    for (size_t i = 0; i < NSPECS; i++) {
        const OptSpec *s = &SPECS[i];
        if (!(s->group & c->opts) && s->opt.val != O_HELP)
            continue;
        char left[64];
        const char *arg = s->opt.val == O_OUT && c->out_arg ? c->out_arg : s->arg;
        snprintf(left, sizeof left, "--%s%s%s", s->opt.name, arg ? " " : "", arg ? arg : "");
        const char *help = s->opt.val == O_OUT && c->out_help ? c->out_help : s->help;
        if (s->opt.val == O_SPLIT && !(c->opts & OPT_FILTERS))
            help = "train, valid1, valid2 or test (default: valid2 for TL;DR, test for news)";
        printf("  %-22s %s\n", left, help);
    }
}

void cli_usage_error(const CliOpts *o, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "tldrlab %s: ", o->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(TL_EXIT_INPUT);
}

void cli_input_error(const TlError *err)
{
    fflush(stdout);
    fprintf(stderr, "%s\n", err->msg);
    exit(TL_EXIT_INPUT);
}

/* Options whose text (not a path) goes into JSON outputs or matches JSON
 * strings: it must be valid UTF-8 like every string we read. */
static int text_option(int c)
{
    return c == O_BATCH || c == O_POLICY || c == O_WORKER || c == O_BASELINE || c == O_BATCHNAME ||
           c == O_EXPERT || c == O_NAME || c == O_PROMPT || c == O_TITLE;
}

static int utf8_valid(const char *v)
{
    size_t n = strlen(v);
    char *copy = xstrdup(v);
    int ok = util_utf8_clean(copy, n) == n;
    free(copy);
    return ok;
}

static long parse_count(const CliOpts *o, const char *name, const char *v, long min, long max)
{
    long x;
    if (util_parse_long(v, min, max, &x) != 0)
        cli_usage_error(o, "--%s: expected a whole number from %ld to %ld, got '%s'", name, min, max, v);
    return x;
}

static double parse_real(const CliOpts *o, const char *name, const char *v, double min, double max)
{
    double x;
    if (util_parse_double(v, &x) != 0 || x < min || x > max)
        cli_usage_error(o, "--%s: expected a number from %g to %g, got '%s'", name, min, max, v);
    return x;
}

/* report: --comparisons FILE..., --axis FILE..., --calibration FILE...
 * --curves DIR... and --gold FILE... each take every following argument
 * up to the next option. They are taken out of argv (which is compacted)
 * before getopt sees it; returns the new argc. */
static int take_file_lists(CliOpts *o, int argc, char **argv)
{
    enum { NLISTS = 5 };
    static const char *const FLAG[NLISTS] = {"--comparisons", "--axis", "--calibration", "--curves", "--gold"};
    char ***list[NLISTS] = {&o->cmp_files, &o->axis_files, &o->cal_files, &o->curve_dirs, &o->gold_files};
    int *count[NLISTS] = {&o->ncmp_files, &o->naxis_files, &o->ncal_files, &o->ncurve_dirs, &o->ngold_files};
    for (int k = 0; k < NLISTS; k++)
        *list[k] = xcalloc((size_t)argc, sizeof **list[k]);
    int out = 1;
    for (int i = 1; i < argc; i++) {
        int k = 0;
        while (k < NLISTS && strcmp(argv[i], FLAG[k]) != 0)
            k++;
        if (k == NLISTS) {
            argv[out++] = argv[i];
            continue;
        }
        int n0 = *count[k];
        while (i + 1 < argc && (argv[i + 1][0] != '-' || strcmp(argv[i + 1], "-") == 0))
            (*list[k])[(*count[k])++] = argv[++i];
        if (*count[k] == n0)
            cli_usage_error(o, "%s needs at least one %s", FLAG[k], k == 3 ? "folder" : "file");
    }
    argv[out] = NULL;
    return out;
}

void cli_parse(const Command *cmd, int argc, char **argv, CliOpts *o)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd->name;
    o->baseline = "ref";
    o->seed = RNG_DEFAULT_SEED;
    o->bootstrap = 10000;
    o->unit = LEN_WORDS;
    o->level = 0.95;
    o->read.progress = progress_default_enabled();
    o->posts = -1;
    o->comparisons = -1;
    o->articles = -1;
    o->workers = -1;
    o->dup_rate = -1;
    o->length_coef = NAN;
    o->labels = 1;
    o->batch_name = "world";
    o->layers = o->channels = o->heads = o->context = o->vocab = o->batch = o->steps = o->warmup = -1;
    o->ckpt_every = o->eval_every = o->max_new = o->nsamples = o->until = -1;
    o->lr = o->weight_decay = o->clip = o->temperature = o->top_p = NAN;
    o->beta = o->kl_target = o->no_eos_penalty = NAN;
    o->epochs = o->minibatches = o->bon_n = o->kl_samples = o->limit = -1;
    StrBuf line;
    sb_init(&line);
    sb_add(&line, "tldrlab");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != '\0';
        for (const char *c = a; *c; c++)
            plain &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                     strchr("-_./=,:+@%", *c) != NULL;
        sb_add(&line, " ");
        if (plain) {
            sb_add(&line, a);
        } else {
            sb_add(&line, "'");
            for (const char *c = a; *c; c++)
                sb_add(&line, *c == '\'' ? "'\\''" : (char[2]){*c, 0});
            sb_add(&line, "'");
        }
    }
    o->command_line = xstrdup(sb_str(&line));
    sb_free(&line);
    if (cmd->opts & OPT_REPORT)
        argc = take_file_lists(o, argc, argv);

    struct option longopts[NSPECS + 1];
    for (size_t i = 0; i < NSPECS; i++)
        longopts[i] = SPECS[i].opt;
    memset(&longopts[NSPECS], 0, sizeof longopts[0]);
    optind = 1;
    opterr = 0;
    int c, idx = -1;
    while ((c = getopt_long(argc, argv, ":h", longopts, &idx)) != -1) {
        if (c == ':')
            cli_usage_error(o, "option '%s' needs a value (see tldrlab %s --help)", argv[optind - 1], cmd->name);
        if (c == '?')
            cli_usage_error(o, "unknown option '%s' (see tldrlab %s --help)", argv[optind - 1], cmd->name);
        if (c == 'h' || c == O_HELP) {
            print_help(cmd);
            exit(0);
        }
        const OptSpec *s = NULL;
        for (size_t i = 0; i < NSPECS; i++)
            if (SPECS[i].opt.val == c)
                s = &SPECS[i];
        if (!s || !(s->group & cmd->opts))
            cli_usage_error(o, "option '--%s' does not apply to this command (see tldrlab %s --help)",
                            s ? s->opt.name : "?", cmd->name);
        if (text_option(c) && !utf8_valid(optarg))
            cli_usage_error(o, "--%s: expected valid UTF-8 (the value goes into JSON outputs)", s ? s->opt.name : "?");
        switch (c) {
        case O_SPLIT: o->read.split = optarg; break;
        case O_BATCH: o->read.batches = optarg; break;
        case O_DATASET:
            if (strcmp(optarg, "tldr") != 0 && strcmp(optarg, "news") != 0)
                cli_usage_error(o, "--dataset: expected tldr or news, got '%s'", optarg);
            o->read.dataset = optarg;
            break;
        case O_POLICY: o->read.policies = optarg; break;
        case O_WORKER: o->read.workers = optarg; break;
        case O_SKIP: o->read.skip_invalid = 1; break;
        case O_META: o->meta_path = optarg; break;
        case O_BASELINE:
            o->baseline = optarg;
            o->baseline_given = 1;
            break;
        case O_BOOTSTRAP:
            /* 0 = none; below 100 a percentile interval means little; above a
             * million the replicates alone take 8 MB per thread. */
            o->bootstrap = parse_count(o, "bootstrap", optarg, 0, 1000000);
            if (o->bootstrap > 0 && o->bootstrap < 100)
                cli_usage_error(o, "--bootstrap: use 0 (no bootstrap) or at least 100 resamples, got %ld", o->bootstrap);
            break;
        case O_BY:
            if (strcmp(optarg, "method") != 0 && strcmp(optarg, "size") != 0 && strcmp(optarg, "policy") != 0)
                cli_usage_error(o, "--by: expected method, size or policy, got '%s'", optarg);
            o->by = optarg;
            break;
        case O_PAIRWISE: o->pairwise = 1; break;
        case O_LENUNIT:
            if (strcmp(optarg, "words") == 0)
                o->unit = LEN_WORDS;
            else if (strcmp(optarg, "chars") == 0)
                o->unit = LEN_CHARS;
            else
                cli_usage_error(o, "--length-unit: expected words or chars, got '%s'", optarg);
            break;
        case O_LENCTL: o->length_control = 1; break;
        case O_LEVEL: o->level = parse_real(o, "level", optarg, 0.5, 0.999999); break;
        case O_SEED:
            if (util_parse_u64(optarg, &o->seed) != 0)
                cli_usage_error(o, "--seed: expected a non-negative whole number, got '%s'", optarg);
            o->seed_given = 1;
            break;
        case O_CONFIG: o->config_path = optarg; break;
        case O_WORLD: o->world_dir = optarg; break;
        case O_LEXICON: o->lexicon_dir = optarg; break;
        case O_LABELS: o->labels = parse_count(o, "labels", optarg, 0, 1000); break;
        case O_GOLD: o->gold = 1; break;
        case O_BATCHNAME:
            if (!*optarg)
                cli_usage_error(o, "--batch-name: expected a non-empty name");
            o->batch_name = optarg;
            break;
        case O_SUMMARY: o->summary = 1; break;
        case O_EXPERT: o->expert = optarg; break;
        case O_DATA: o->data_path = optarg; break;
        case O_MODEL: o->model_dir = optarg; break;
        case O_CHECKPOINT: o->checkpoint = optarg; break;
        case O_LAYERS: o->layers = parse_count(o, "layers", optarg, 1, 96); break;
        case O_CHANNELS: o->channels = parse_count(o, "channels", optarg, 1, 8192); break;
        case O_HEADS: o->heads = parse_count(o, "heads", optarg, 1, 1024); break;
        case O_CONTEXT: o->context = parse_count(o, "context", optarg, 2, 65536); break;
        case O_VOCAB: o->vocab = parse_count(o, "vocab", optarg, 258, 65536); break;
        case O_BATCH_SIZE: o->batch = parse_count(o, "batch-size", optarg, 1, 1000000); break;
        case O_STEPS: o->steps = parse_count(o, "steps", optarg, 1, 100000000); break;
        case O_LR: o->lr = parse_real(o, "lr", optarg, 0, 10); break;
        case O_WARMUP: o->warmup = parse_count(o, "warmup", optarg, 0, 100000000); break;
        case O_WD: o->weight_decay = parse_real(o, "weight-decay", optarg, 0, 10); break;
        case O_CLIP: o->clip = parse_real(o, "clip", optarg, 0, 1e6); break;
        case O_RESUME: o->resume = 1; break;
        case O_UNTIL: o->until = parse_count(o, "until", optarg, 1, 100000000); break;
        case O_CKPT_EVERY: o->ckpt_every = parse_count(o, "checkpoint-every", optarg, 1, 100000000); break;
        case O_EVAL_EVERY: o->eval_every = parse_count(o, "eval-every", optarg, 1, 100000000); break;
        case O_PROMPT: o->prompt = optarg; break;
        case O_MAXNEW: o->max_new = parse_count(o, "max-new", optarg, 1, 65536); break;
        case O_TEMP: o->temperature = parse_real(o, "temperature", optarg, 0, 100); break;
        case O_TOPP: o->top_p = parse_real(o, "top-p", optarg, 1e-6, 1); break;
        case O_GREEDY: o->greedy = 1; break;
        case O_FROM: o->from_dir = optarg; break;
        case O_RMDIR: o->rm_dir = optarg; break;
        case O_NAME:
            if (!*optarg || strpbrk(optarg, " \t\n\"\\/"))
                cli_usage_error(o, "--name: expected a policy name without spaces, quotes or slashes, got '%s'", optarg);
            o->name = optarg;
            break;
        case O_BETA: o->beta = parse_real(o, "beta", optarg, 0, 100); break;
        case O_KLTARGET: o->kl_target = parse_real(o, "kl-target", optarg, 1e-6, 1e6); break;
        case O_NOEOS: o->no_eos_penalty = parse_real(o, "no-eos-penalty", optarg, -1e6, 1e6); break;
        case O_EPOCHS: o->epochs = parse_count(o, "epochs", optarg, 1, 1000); break;
        case O_MINIBATCHES: o->minibatches = parse_count(o, "minibatches", optarg, 1, 100000); break;
        case O_DRYRUN: o->dry_run = 1; break;
        case O_ONLY: o->only = optarg; break;
        case O_FORCE: o->force = optarg; break;
        case O_CALIBRATE: o->calibrate = optarg; break;
        case O_RANKS: o->ranks = parse_count(o, "ranks", optarg, 1, 1000000); break;
        case O_LIMIT: o->limit = parse_count(o, "limit", optarg, 1, 100000000); break;
        case O_BON_N: o->bon_n = parse_count(o, "n", optarg, 1, 4096); break;
        case O_KLSAMPLES: o->kl_samples = parse_count(o, "kl-samples", optarg, 1, 10000000); break;
        case O_NSAMPLES: o->nsamples = parse_count(o, "samples", optarg, 1, 100000); break;
        case O_FORMAT:
            o->format_given = 1;
            if (strcmp(optarg, "md") == 0 || strcmp(optarg, "markdown") == 0)
                o->format = FMT_MD;
            else if (strcmp(optarg, "csv") == 0)
                o->format = FMT_CSV;
            else if (strcmp(optarg, "json") == 0)
                o->format = FMT_JSON;
            else
                cli_usage_error(o, "--format: expected md, csv or json, got '%s'", optarg);
            break;
        case O_OUT: o->out_dir = optarg; break;
        case O_POSTS: o->posts = parse_count(o, "posts", optarg, 1, 10000000); break;
        case O_COMPARISONS: o->comparisons = parse_count(o, "comparisons", optarg, 1, 100000000); break;
        case O_ARTICLES: o->articles = parse_count(o, "articles", optarg, 0, 10000000); break;
        case O_WORKERS: o->workers = parse_count(o, "workers", optarg, 2, 100000); break;
        case O_DUP: o->dup_rate = parse_real(o, "dup-rate", optarg, 0, 1); break;
        case O_LCOEF: o->length_coef = parse_real(o, "length-coef", optarg, -10, 10); break;
        case O_NOAXIS: o->no_axis = 1; break;
        case O_LENCTLD: o->length_controlled = 1; break;
        case O_BOTH: o->both = 1; break;
        case O_RMSCORES: o->rm_path = optarg; break;
        case O_TITLE: o->title = optarg; break;
        case O_JUDGE: o->judge_path = optarg; break;
        case O_FINDINGS: o->findings_path = optarg; break;
        case O_QUIET: o->read.progress = 0; o->quiet = 1; break;
        case O_PROGRESS: o->read.progress = 1; break;
        }
    }
    o->files = argv + optind;
    o->nfiles = argc - optind;
    if (o->nfiles < cmd->min_files)
        cli_usage_error(o, "no input files (usage: tldrlab %s %s)", cmd->name, cmd->usage);
    if (cmd->min_files == 0 && o->nfiles > 0)
        cli_usage_error(o, "unexpected argument '%s' (see tldrlab %s --help)", o->files[0], cmd->name);
    if (o->meta_path) {
        TlError err;
        if (policy_meta_load(&o->meta, o->meta_path, &err) != 0)
            cli_input_error(&err);
        o->have_meta = 1;
    }
    if (o->rm_path) {
        TlError err;
        if (rm_scores_load(&o->rm, o->rm_path, &err) != 0)
            cli_input_error(&err);
        o->have_rm = 1;
    }
}

void cli_free(CliOpts *o)
{
    if (o->have_meta)
        policy_meta_free(&o->meta);
    if (o->have_rm)
        rm_scores_free(&o->rm);
    free(o->cmp_files);
    free(o->axis_files);
    free(o->cal_files);
    free(o->curve_dirs);
    curves_free(&o->curves);
    free(o->gold_files);
    free(o->command_line);
}

/* "the split filter (valid2; news: valid2 or test) left out 500 records
 * (tldr: train 400; news: valid1 100)"; "" when it left out none. */
static void split_note(const CliOpts *o, const ReadStats *st, char *buf, size_t cap)
{
    char left[512];
    size_t n = records_split_left_out(st, left, sizeof left);
    buf[0] = '\0';
    if (n)
        snprintf(buf, cap, "the split filter (%s) left out %zu record%s (%s); --split all keeps them",
                 records_split_desc(&o->read), n, n == 1 ? "" : "s", left);
}

void cli_md_split_note(const CliOpts *o, const ReadStats *st, Output *out)
{
    char note[768];
    split_note(o, st, note, sizeof note);
    if (note[0])
        output_md(out, "Note: %s.\n\n", note);
}

static void report_skips(const CliOpts *o, const ReadStats *st)
{
    static char said[768]; /* a command that reads twice says it once */
    char note[768];
    split_note(o, st, note, sizeof note);
    if (note[0] && o->format != FMT_MD && strcmp(note, said) != 0) {
        fprintf(stderr, "tldrlab %s: note: %s\n", o->cmd, note);
        snprintf(said, sizeof said, "%s", note);
    }
    if (!st->skipped)
        return;
    fprintf(stderr, "tldrlab %s: skipped %zu invalid record%s (--skip-invalid); the first:\n", o->cmd,
            st->skipped, st->skipped == 1 ? "" : "s");
    for (size_t i = 0; i < st->nmsgs; i++)
        fprintf(stderr, "  %s\n", st->msgs[i]);
}

static void nothing_in_scope(const CliOpts *o, const ReadStats *st, const char *what, int axis)
{
    char splits[256];
    records_describe_splits(st, splits, sizeof splits);
    cli_usage_error(o, "no %s in scope (split %s%s%s%s%s%s%s%s%s); the files hold %zu valid records: %s",
                    what, records_split_desc(&o->read),
                    o->read.dataset ? ", dataset " : "", o->read.dataset ? o->read.dataset : "",
                    o->read.batches ? ", batch " : "", o->read.batches ? o->read.batches : "",
                    o->read.policies ? ", policy " : "", o->read.policies ? o->read.policies : "",
                    o->read.workers ? ", worker " : "", o->read.workers ? o->read.workers : "",
                    st->read, splits);
}

void cli_load_comparisons(CliOpts *o, ComparisonSet *s)
{
    TlError err;
    cmpset_init(s);
    if (cmpset_load(s, o->files, (size_t)o->nfiles, &o->read, &err) != 0) {
        if (strncmp(err.msg, "--", 2) == 0)
            cli_usage_error(o, "%s", err.msg);
        cli_input_error(&err);
    }
    report_skips(o, &s->stats);
    if (s->n == 0)
        nothing_in_scope(o, &s->stats, "comparisons", 0);
}

void cli_load_axis(CliOpts *o, AxisSet *s)
{
    TlError err;
    axisset_init(s);
    if (axisset_load(s, o->files, (size_t)o->nfiles, &o->read, &err) != 0) {
        if (strncmp(err.msg, "--", 2) == 0)
            cli_usage_error(o, "%s", err.msg);
        cli_input_error(&err);
    }
    report_skips(o, &s->stats);
    if (s->n == 0)
        nothing_in_scope(o, &s->stats, "axis evals", 1);
}

uint32_t cli_baseline(const CliOpts *o, const ComparisonSet *s)
{
    long b = strpool_find(&s->policies, o->baseline);
    if (b >= 0)
        return (uint32_t)b;
    /* Say which policies there are, most compared first. */
    size_t P = s->policies.n;
    size_t *cnt = xcalloc(P, sizeof *cnt);
    for (size_t i = 0; i < s->n; i++) {
        cnt[s->rows[i].policy[0]]++;
        if (s->rows[i].policy[1] != s->rows[i].policy[0])
            cnt[s->rows[i].policy[1]]++;
    }
    StrBuf sb;
    sb_init(&sb);
    for (size_t shown = 0; shown < P && shown < 8; shown++) {
        size_t best = 0;
        for (size_t p = 1; p < P; p++)
            if (cnt[p] > cnt[best])
                best = p;
        sb_printf(&sb, "%s%s (%zu)", shown ? ", " : "", strpool_get(&s->policies, (uint32_t)best), cnt[best]);
        cnt[best] = 0;
    }
    if (P > 8)
        sb_printf(&sb, ", and %zu more", P - 8);
    free(cnt);
    cli_usage_error(o, "the baseline '%s' is in no comparison in scope%s; choose one with --baseline NAME. "
                    "Policies in scope: %s", o->baseline,
                    strcmp(o->baseline, "ref") == 0 ? " (these records have no reference summaries)" : "",
                    sb_str(&sb));
}

void cli_json_num(cJSON *o, const char *key, double v)
{
    cJSON_AddItemToObject(o, key, table_json_num(v));
}

void cli_json_header(const CliOpts *o, cJSON *doc, const ReadStats *st)
{
    cJSON_AddStringToObject(doc, "split", records_split_desc(&o->read));
    if (o->read.dataset)
        cJSON_AddStringToObject(doc, "dataset", o->read.dataset);
    if (o->read.batches)
        cJSON_AddStringToObject(doc, "batch", o->read.batches);
    if (o->read.policies)
        cJSON_AddStringToObject(doc, "policy_filter", o->read.policies);
    if (o->read.workers)
        cJSON_AddStringToObject(doc, "worker_filter", o->read.workers);
    char left[512];
    if (records_split_left_out(st, left, sizeof left)) {
        cJSON *lo = cJSON_AddObjectToObject(doc, "left_out_by_split");
        for (int d = 0; d < DOMAIN_N; d++)
            for (int i = 0; i < SPLIT_N; i++)
                if (st->split_out[d][i]) {
                    cJSON *dj = cJSON_GetObjectItemCaseSensitive(lo, domain_name((Domain)d));
                    if (!dj)
                        dj = cJSON_AddObjectToObject(lo, domain_name((Domain)d));
                    cJSON_AddNumberToObject(dj, split_name((Split)i), (double)st->split_out[d][i]);
                }
    }
    cJSON_AddNumberToObject(doc, "records_read", (double)st->read);
    cJSON_AddNumberToObject(doc, "records_in_scope", (double)st->kept);
    cJSON_AddNumberToObject(doc, "skipped_invalid", (double)st->skipped);
    cJSON_AddStringToObject(doc, "tldrlab_version", TLDRLAB_VERSION);
}

void cli_print_json(const cJSON *doc)
{
    char *s = cJSON_Print(doc);
    if (!s)
        tl_die(TL_EXIT_RUNTIME, "out of memory printing JSON");
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
}

static AtomicFile *pending_open(CliOpts *o, const char *name, const char *ext)
{
    if (o->npending == (int)(sizeof o->pending / sizeof o->pending[0]))
        tl_die(TL_EXIT_RUNTIME, "internal error: too many output files");
    char fname[256];
    snprintf(fname, sizeof fname, "%s.%s", name, ext);
    char *p = util_path_join(o->out_dir, fname);
    AtomicFile *af = atomic_open(p);
    free(p);
    o->pending[o->npending++] = af;
    return af;
}

void cli_write_outputs(CliOpts *o, const char *name, const Table *t, const cJSON *doc)
{
    if (!o->out_dir)
        return;
    if (util_mkdir_p(o->out_dir) != 0)
        tl_die(TL_EXIT_RUNTIME, "%s: cannot create directory: %s", o->out_dir, strerror(errno));
    if (t)
        table_write_csv(t, pending_open(o, name, "csv")->fp);
    if (doc) {
        char *s = cJSON_Print(doc);
        if (!s)
            tl_die(TL_EXIT_RUNTIME, "out of memory printing JSON");
        AtomicFile *af = pending_open(o, name, "json");
        fputs(s, af->fp);
        fputc('\n', af->fp);
        free(s);
    }
}

/* Renames every pending output into place once all are complete and none
 * would land on a directory; then a failure leaves nothing renamed (only a
 * rename failing midway, which checks make unlikely, can leave a mix). On
 * failure the command exits 1. */
static void commit_outputs(CliOpts *o)
{
    int bad = 0;
    for (int i = 0; i < o->npending && !bad; i++)
        bad = atomic_sync(o->pending[i]) != 0;
    for (int i = 0; i < o->npending; i++) {
        if (bad)
            atomic_abort(o->pending[i]);
        else
            bad = atomic_commit(o->pending[i]) != 0;
    }
    o->npending = 0;
    if (bad)
        exit(TL_EXIT_RUNTIME);
}

void cli_emit(CliOpts *o, const char *name, const Table *t, const cJSON *doc)
{
    if (o->format == FMT_CSV)
        table_write_csv(t, stdout);
    else if (o->format == FMT_JSON)
        cli_print_json(doc);
    cli_write_outputs(o, name, t, doc);
    commit_outputs(o);
    cli_check_stdout();
}

void cli_emit_files(CliOpts *o)
{
    commit_outputs(o);
}

void output_init(Output *out, const char *name)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    out->doc = cJSON_CreateObject();
    sb_init(&out->md);
}

void output_free(Output *out)
{
    for (int i = 0; i < out->ntables; i++)
        table_free(&out->tables[i]);
    cJSON_Delete(out->doc);
    sb_free(&out->md);
    memset(out, 0, sizeof *out);
}

Table *output_table(Output *out, const char *suffix, const TableCol *cols, size_t ncols)
{
    if (out->ntables == OUTPUT_MAX_TABLES)
        tl_die(TL_EXIT_RUNTIME, "internal error: too many tables in one output");
    Table *t = &out->tables[out->ntables];
    out->suffix[out->ntables++] = suffix;
    table_init(t, cols, ncols);
    return t;
}

void output_md(Output *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&out->md, fmt, ap);
    va_end(ap);
}

void output_md_table(Output *out, const Table *t)
{
    char *buf = table_to_text(t, 0);
    sb_add(&out->md, buf);
    free(buf);
}

void cli_emit_output(CliOpts *o, Output *out)
{
    if (o->format == FMT_MD)
        fputs(sb_str(&out->md), stdout);
    for (int i = 1; i < out->ntables; i++) { /* each table in both formats */
        char name[128];
        snprintf(name, sizeof name, "%s_%s", out->name, out->suffix[i]);
        cJSON *rows = table_to_json(&out->tables[i]);
        cli_write_outputs(o, name, &out->tables[i], rows);
        cJSON_Delete(rows);
    }
    cli_emit(o, out->name, &out->tables[0], out->doc);
}

int cli_datasets_in(const ComparisonSet *s)
{
    int mask = 0;
    for (size_t i = 0; i < s->n && mask != 3; i++)
        mask |= 1 << s->rows[i].domain;
    return mask;
}

const char *const CLI_DATASET_TITLE[DOMAIN_N] = {"TL;DR posts (tldr)", "News articles (news)"};

/* A table with a leading dataset column and t's rows, for one CSV of both
 * datasets. cols: t's columns after the dataset column (caller's buffer
 * of t->ncols + 1). */
static void append_with_dataset(Table *all, TableCol *cols, const Table *t, const char *dataset)
{
    if (!all->cols) {
        cols[0] = (TableCol){"dataset", "dataset", COL_STR, 0, 0};
        memcpy(cols + 1, t->cols, t->ncols * sizeof *cols);
        table_init(all, cols, t->ncols + 1);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        table_row(all);
        table_str(all, dataset);
        for (size_t c = 0; c < t->ncols; c++) {
            const TableCell *x = table_cell(t, r, c);
            switch (t->cols[c].kind) {
            case COL_STR: table_str(all, x->set ? x->str : NULL); break;
            case COL_INT: if (x->set) table_int(all, (long long)x->num); else table_num(all, NAN); break;
            case COL_BOOL: if (x->set) table_bool(all, x->num != 0); else table_num(all, NAN); break;
            default: table_num(all, x->set ? x->num : NAN);
            }
        }
    }
}

/* --dataset not given and both datasets in scope: the analysis runs once
 * per dataset. Markdown: a section each; --out: NAME_tldr.* and
 * NAME_news.*; CSV on stdout: one table with a leading dataset column;
 * JSON on stdout: {"datasets": {"tldr": ..., "news": ...}}. */
static void run_per_dataset(CliOpts *o, const char *name,
                            void (*analysis)(CliOpts *, const ComparisonSet *, Output *))
{
    Table all = {0};
    TableCol *cols = NULL;
    cJSON *both = cJSON_CreateObject();
    cJSON *jd = cJSON_AddObjectToObject(both, "datasets");
    for (int d = 0; d < DOMAIN_N; d++) {
        o->read.dataset = domain_name((Domain)d);
        ComparisonSet s;
        cli_load_comparisons(o, &s);
        char oname[64];
        snprintf(oname, sizeof oname, "%s_%s", name, o->read.dataset);
        Output out;
        output_init(&out, oname);
        analysis(o, &s, &out);
        if (o->format == FMT_MD)
            printf("%s## %s\n\n%s", d ? "\n" : "", CLI_DATASET_TITLE[d], sb_str(&out.md));
        for (int i = 1; i < out.ntables; i++) { /* each table in both formats, as cli_emit_output */
            char tname[128];
            snprintf(tname, sizeof tname, "%s_%s", oname, out.suffix[i]);
            cJSON *rows = table_to_json(&out.tables[i]);
            cli_write_outputs(o, tname, &out.tables[i], rows);
            cJSON_Delete(rows);
        }
        cli_write_outputs(o, oname, &out.tables[0], out.doc);
        if (!cols)
            cols = xmalloc((out.tables[0].ncols + 1) * sizeof *cols);
        append_with_dataset(&all, cols, &out.tables[0], o->read.dataset);
        cJSON_AddItemToObject(jd, o->read.dataset, cJSON_Duplicate(out.doc, 1));
        output_free(&out);
        cmpset_free(&s);
    }
    o->read.dataset = NULL;
    if (o->format == FMT_CSV)
        table_write_csv(&all, stdout);
    else if (o->format == FMT_JSON)
        cli_print_json(both);
    commit_outputs(o);
    cli_check_stdout();
    table_free(&all);
    free(cols);
    cJSON_Delete(both);
}

int cli_run_comparisons(CliOpts *o, const char *name, int one_dataset,
                        void (*analysis)(CliOpts *, const ComparisonSet *, Output *))
{
    ComparisonSet s;
    cli_load_comparisons(o, &s);
    if (one_dataset && !o->read.dataset && cli_datasets_in(&s) == 3) {
        cmpset_free(&s);
        run_per_dataset(o, name, analysis);
        return 0;
    }
    Output out;
    output_init(&out, name);
    analysis(o, &s, &out);
    cli_emit_output(o, &out);
    output_free(&out);
    cmpset_free(&s);
    return 0;
}

void cli_check_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        tl_die(TL_EXIT_RUNTIME, "error writing standard output: %s", strerror(errno));
}

AtomicFile *cli_open_out_file(const CliOpts *o)
{
    return atomic_open_mkdir(o->out_dir);
}
