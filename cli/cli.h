/* cli.h — command-line plumbing shared by the subcommands: one option
 * table, per-command help, loading inputs with the common filters, and
 * emitting results as Markdown, CSV or JSON (and files under --out). */
#ifndef TL_CLI_H
#define TL_CLI_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "analysis/curves.h"
#include "analysis/figures.h"
#include "analysis/lengthctl.h"
#include "analysis/policy.h"
#include "analysis/records.h"
#include "analysis/transfer.h"
#include "common/atomic.h"
#include "common/strbuf.h"
#include "common/table.h"

/* Options a command may accept (bit flags). */
enum {
    OPT_FILTERS = 1 << 0,   /* --split --batch --policy --worker --skip-invalid */
    OPT_META = 1 << 1,      /* --meta FILE */
    OPT_OUTPUT = 1 << 2,    /* --format */
    OPT_SEED = 1 << 3,      /* --seed */
    OPT_BASELINE = 1 << 4,  /* --baseline */
    OPT_BOOTSTRAP = 1 << 5, /* --bootstrap */
    OPT_BY = 1 << 6,        /* --by */
    OPT_PAIRWISE = 1 << 7,  /* --pairwise */
    OPT_LENUNIT = 1 << 8,   /* --length-unit */
    OPT_LEVEL = 1 << 9,     /* --level */
    OPT_LENCTL = 1 << 10,   /* --length-control */
    OPT_EXAMPLE = 1 << 11,  /* example generator options */
    OPT_PROGRESS = 1 << 12, /* --quiet --progress */
    OPT_OUT = 1 << 13,      /* --out */
    OPT_PLOT = 1 << 14,     /* --length-controlled --both */
    OPT_REPORT = 1 << 15,   /* --comparisons --axis --calibration --title --judge (report) */
    OPT_RMSCORES = 1 << 16, /* --rm-scores */
    OPT_WORLD = 1 << 17,    /* --config */
    OPT_WORLDDIR = 1 << 18, /* --world */
    OPT_LABEL = 1 << 19,    /* --labels --gold --batch-name */
    OPT_SUMMARY = 1 << 20,  /* --summary */
    OPT_SPLIT = 1 << 21,    /* --split --dataset alone (without the other filters) */
    OPT_EXPERT = 1 << 22,   /* --expert */
    OPT_LEXICON = 1 << 23,  /* --lexicon */
    OPT_LM = 1 << 24,       /* lm-train: --data, the model and training flags */
    OPT_SAMPLE = 1 << 25,   /* lm-sample: --model --prompt --max-new --temperature --top-p --greedy --samples */
    OPT_CKPT = 1 << 26,     /* --checkpoint --batch (lm-dump) */
    OPT_STAGE = 1 << 27,    /* training stages: --from --rm --beta ... and the shared training flags */
    OPT_GEN = 1 << 28,      /* sample, bon: --model/--from --temperature --name --batch-size */
    OPT_SWEEP = 1 << 29     /* sweep: --dry-run --only --force */
};

typedef enum { FMT_MD, FMT_CSV, FMT_JSON } OutFormat;

typedef struct {
    const char *cmd;         /* e.g. "winrate" */
    ReadOptions read;
    OutFormat format;
    int format_given;        /* --format was on the command line */
    const char *out_dir;
    const char *meta_path;
    MetaMap meta;
    int have_meta;
    const char *baseline;    /* default "ref" */
    int baseline_given;
    uint64_t seed;
    int seed_given;
    long bootstrap;
    const char *by;
    int pairwise;
    LengthUnit unit;
    double level;
    int length_control;
    /* plots */
    int length_controlled, both;
    const char *rm_path;
    RmScores rm;
    int have_rm;
    /* report */
    char *command_line;     /* argv as given, shell-quoted (owned) */
    char **cmp_files, **axis_files, **cal_files; /* report: --comparisons, --axis, --calibration */
    int ncmp_files, naxis_files, ncal_files;
    char **gold_files;                       /* report: --gold, the gold judge's comparisons */
    int ngold_files;
    const ComparisonSet *gold_set;           /* report: the --gold records of the dataset drawn (borrowed) */
    const OoJudge *oo_judge;                 /* report: --judge's penalties, for overopt (borrowed) */
    const char *title, *judge_path;          /* report: --title, --judge */
    const char *findings_path;               /* report: --findings */
    char **curve_dirs;                       /* report: --curves DIR... (policy folders) */
    int ncurve_dirs;
    CurveSet curves;                         /* read by cli_load_curves */
    /* the in-silico world */
    const char *config_path, *world_dir, *lexicon_dir, *batch_name, *expert;
    long labels;
    int gold, summary;
    /* language models (-1 / NaN: not given) */
    const char *data_path, *model_dir, *checkpoint, *prompt;
    long layers, channels, heads, context, vocab, batch, steps, warmup, ckpt_every, eval_every, max_new, nsamples, until;
    double lr, weight_decay, clip, temperature, top_p;
    int resume, greedy;
    /* training stages (-1 / NaN: not given) */
    const char *from_dir, *rm_dir, *name;
    double beta, kl_target, no_eos_penalty;
    long epochs, minibatches, bon_n, kl_samples, limit;
    /* sweep */
    int dry_run, quiet;     /* quiet: --quiet was given */
    const char *only, *force;
    long ranks;             /* sweep --dry-run --ranks K (0: the job's) */
    const char *calibrate;  /* sweep --calibrate RUN */
    /* example generator */
    long posts, comparisons, articles, workers;
    double dup_rate, length_coef;
    int no_axis;
    char **files;
    int nfiles;
    /* --out files written but not yet renamed into place (cli_emit) */
    AtomicFile *pending[16];
    int npending;
} CliOpts;

typedef struct {
    const char *name;
    const char *summary;     /* one line for `tldrlab --help` */
    unsigned opts;           /* OPT_* accepted */
    const char *usage;       /* "[options] FILE..." */
    const char *help;        /* the command's own text, before the options */
    int (*run)(CliOpts *o);
    int min_files;           /* positional arguments required */
    const char *out_help;    /* what --out means here, when not "also write CSV and JSON files" */
    const char *out_arg;     /* --out's metavariable when not DIR */
} Command;

/* Parses argv for cmd into o; prints help and exits 0 for --help, prints
 * a usage error and exits 2 for bad options. */
void cli_parse(const Command *cmd, int argc, char **argv, CliOpts *o);
void cli_free(CliOpts *o);

/* Prints an input error (file:line: field: problem) and exits 2. */
void cli_input_error(const TlError *err) __attribute__((noreturn));

/* Prints "tldrlab CMD: message" and exits 2. */
void cli_usage_error(const CliOpts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Loads comparisons/axis evals with the filters; exits 2 on bad input or
 * when nothing is in scope; reports skipped records on stderr. */
void cli_load_comparisons(CliOpts *o, ComparisonSet *s);
void cli_load_axis(CliOpts *o, AxisSet *s);

/* Exits 2 with a message when s mixes TL;DR and news comparisons (their
 * reference summaries are different baselines). */
/* The datasets present: bit d set for Domain d (3 = both). */
int cli_datasets_in(const ComparisonSet *s);
/* Section and figure titles per Domain: "TL;DR posts (tldr)", ... */
extern const char *const CLI_DATASET_TITLE[DOMAIN_N];

/* Looks up the baseline policy id in s; exits 2 with a helpful message
 * when it is not there. what: the analysis name for the message. */
uint32_t cli_baseline(const CliOpts *o, const ComparisonSet *s);

/* The policy shown in row k of a per-policy table: the baseline first, then
 * the others in order of first appearance. */
static inline size_t cli_baseline_first(size_t k, uint32_t baseline)
{
    return k == 0 ? baseline : k <= baseline ? k - 1 : k;
}

/* Adds the common header fields (split, filters, skipped) to a JSON doc. */
void cli_json_header(const CliOpts *o, cJSON *doc, const ReadStats *st);

/* Writes DIR/name.csv from t and DIR/name.json from doc (either may be
 * NULL) when --out was given, to temporary files that cli_emit renames into
 * place together with its own once all are complete. */
void cli_write_outputs(CliOpts *o, const char *name, const Table *t, const cJSON *doc);

/* Emits a command's result: with --format csv prints t, with --format
 * json prints doc (the caller prints Markdown itself); with --out writes
 * DIR/name.csv and DIR/name.json; then checks that stdout was written.
 * Extra tables go through cli_write_outputs before this call. */
void cli_emit(CliOpts *o, const char *name, const Table *t, const cJSON *doc);

/* Prints doc to stdout as formatted JSON. */
void cli_print_json(const cJSON *doc);

/* Exits 1 if writing stdout failed (e.g. disk full; a closed pipe ends
 * the process with SIGPIPE, as for any filter). */
void cli_check_stdout(void);

/* Adds a number or null (NaN) to a JSON object. */
void cli_json_num(cJSON *o, const char *key, double v);

/* What an analysis produces, kept apart from where it goes, so that the
 * commands print it and `report` collects it. tables[0] is the main table
 * (CSV on stdout with --format csv, NAME.csv under --out); the others are
 * written as NAME_SUFFIX.csv. */
#define OUTPUT_MAX_TABLES 4
typedef struct {
    const char *name;
    Table tables[OUTPUT_MAX_TABLES];
    const char *suffix[OUTPUT_MAX_TABLES];
    int ntables;
    cJSON *doc;     /* the JSON document (owned) */
    StrBuf md;      /* the Markdown rendering */
} Output;

/* A markdown line saying what the split filter left out, per dataset
 * (nothing when it left out none); CSV and JSON runs say it on stderr,
 * and the JSON header has it as left_out_by_split. */
void cli_md_split_note(const CliOpts *o, const ReadStats *st, Output *out);

void output_init(Output *out, const char *name);
void output_free(Output *out);
/* Adds a table (suffix NULL for the main one) and returns it, initialised. */
Table *output_table(Output *out, const char *suffix, const TableCol *cols, size_t ncols);
/* Appends text, or a table in Markdown, to the Markdown rendering. */
void output_md(Output *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void output_md_table(Output *out, const Table *t);

/* Prints out per --format and writes its files under --out. */
void cli_emit_output(CliOpts *o, Output *out);

/* Renames the pending --out files into place (see cli_write_outputs). */
void cli_emit_files(CliOpts *o);

/* Figures (cmd_plot.c): builds figure kind from the comparisons (fig1,
 * length, overopt) or axis evals (likert, transfer); returns 0, or -1 with
 * err saying why the data cannot support it. cli_write_figure writes it
 * under dir and returns 1 when gnuplot drew the images. */
int cli_build_figure(CliOpts *o, const char *kind, const ComparisonSet *cs, const AxisSet *as, Figure *f,
                     Table *table, TlError *err);
int cli_write_figure(const CliOpts *o, const char *dir, const Figure *f, int quiet);
/* Reads the training logs of the policy folders dirs[0..n) into o->curves
 * (plot curves, report --curves); exits 2 with "file:N: field: problem"
 * on a bad log.csv or meta.json. */
void cli_load_curves(CliOpts *o, char *const *dirs, int n);

/* world judge --summary's table (one row per dataset and policy) and its
 * Markdown: an intro line naming the samples and the world, then t. The
 * report reads the table back from judge.json. */
extern const TableCol CLI_JUDGE_COLS[];
extern const size_t CLI_JUDGE_NCOLS;
void cli_judge_summary_md(Output *out, const Table *t, size_t samples, const char *world);

/* The analyses behind the commands: they fill out from a loaded set, and
 * exit 2 with a message when the data cannot support them. */
void analysis_winrate(CliOpts *o, const ComparisonSet *s, Output *out);
void analysis_lengthctl(CliOpts *o, const ComparisonSet *s, Output *out);
void analysis_likert(CliOpts *o, const AxisSet *s, Output *out);
/* The news transfer table (cmd_likert.c): per policy, the axes with
 * intervals, length, share copied (copied, ncopied: by policy name, from
 * the gold judge; may be NULL) and overall at the reference's length.
 * copied_note says where copied comes from or why it is NA. */
void analysis_transfer(CliOpts *o, const AxisSet *s, const TransferCopied *copied, size_t ncopied,
                       const char *copied_note, Output *out);
void analysis_agreement(CliOpts *o, const ComparisonSet *s, Output *out);

/* A command on comparisons: load them (one dataset only when one_dataset,
 * as the reference summaries of TL;DR and news differ), run analysis into
 * an Output named name, emit it. Returns the exit code. */
int cli_run_comparisons(CliOpts *o, const char *name, int one_dataset,
                        void (*analysis)(CliOpts *, const ComparisonSet *, Output *));

/* Opens the world --world names (texts too when texts); exits 2 with a
 * message when it is missing or damaged. */
struct World;
void cli_open_world(CliOpts *o, struct World *w, int texts);

/* Opens --out as one output file (its folder is created when missing),
 * written atomically: commit with atomic_commit. */
AtomicFile *cli_open_out_file(const CliOpts *o);

/* The commands. */
int cmd_winrate(CliOpts *o);
int cmd_lengthctl(CliOpts *o);
int cmd_likert(CliOpts *o);
int cmd_agreement(CliOpts *o);
int cmd_example(CliOpts *o);
int cmd_plot(CliOpts *o);
int cmd_report(CliOpts *o);
int cmd_world(CliOpts *o);
int cmd_label(CliOpts *o);
int cmd_baseline(CliOpts *o);
int cmd_lm_train(CliOpts *o);
int cmd_lm_sample(CliOpts *o);
int cmd_pretrain(CliOpts *o);
int cmd_sft(CliOpts *o);
int cmd_rm(CliOpts *o);
int cmd_ppo(CliOpts *o);
int cmd_bon(CliOpts *o);
int cmd_sweep(CliOpts *o);
int cmd_sample(CliOpts *o);
int cmd_lm_dump(CliOpts *o);

#endif
