/* main.c — `tldrlab`: git-style subcommands. */
#include "build/commit.h"
#include "cli/cli.h"
#include "common/tlmpi.h"
#include "common/jsonl.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const Command COMMANDS[] = {
    {"winrate", "win rates against the reference, Wilson and cluster-bootstrap intervals",
     OPT_FILTERS | OPT_META | OPT_OUTPUT | OPT_OUT | OPT_SEED | OPT_BASELINE | OPT_BOOTSTRAP | OPT_BY |
         OPT_PAIRWISE | OPT_LENUNIT | OPT_LEVEL | OPT_LENCTL | OPT_PROGRESS,
     "[options] FILE...",
     "Per policy, the share of comparisons in which its summary was preferred to the\n"
     "baseline's (the reference summary, `ref`, by default): n, wins, win rate, its\n"
     "binomial SE, a Wilson interval, and a cluster-bootstrap interval that resamples\n"
     "posts (not rows), plus the mean log length ratio log((len+1)/(len_baseline+1)).\n"
     "FILE... are comparison files in the released format (JSON lines; - for stdin).",
     cmd_winrate, 1, NULL, NULL},
    {"lengthctl", "length-controlled preference: logistic model on policy and log length ratio",
     OPT_FILTERS | OPT_META | OPT_OUTPUT | OPT_OUT | OPT_BASELINE | OPT_LENUNIT | OPT_LEVEL | OPT_PROGRESS,
     "[options] FILE...",
     "Fits P(A preferred to B) = sigmoid(theta_A - theta_B + w log((len_A+1)/(len_B+1)))\n"
     "to every comparison in scope (the paper's Appendix F), theta_baseline = 0, by\n"
     "Newton/IRLS. Reports w, and per policy theta with its SE and the length-controlled\n"
     "win rate sigmoid(theta) with its interval from the logit scale. Separated or unidentified\n"
     "policies are flagged, never reported as huge numbers.",
     cmd_lengthctl, 1, NULL, NULL},
    {"likert", "1-7 axis ratings per dataset x policy x axis; --length-control",
     OPT_FILTERS | OPT_OUTPUT | OPT_OUT | OPT_BASELINE | OPT_LEVEL | OPT_LENCTL | OPT_PROGRESS,
     "[options] FILE...",
     "Aggregates axis evals (overall, accuracy, coverage, coherence on 1-7) per dataset\n"
     "(tldr: info has a post; news: an article), policy and axis: n, mean, SD, SE,\n"
     "t interval, share of 7s, share <= 4 and the histogram. The default split is valid2\n"
     "for TL;DR, and valid2 or test for news (the released CNN/DM axis evals are test).",
     cmd_likert, 1, NULL, NULL},
    {"agreement", "labeler agreement on pairs labelled more than once; per-worker counts",
     OPT_FILTERS | OPT_OUTPUT | OPT_OUT | OPT_LEVEL | OPT_SEED | OPT_BOOTSTRAP | OPT_EXPERT | OPT_PROGRESS,
     "[options] FILE...",
     "Per worker: labels, agreement with other workers on the same pair, agreement with\n"
     "the majority of the other labels, position bias and mean confidence slider; and the\n"
     "overall inter-labeler agreement with a bootstrap interval that resamples items.\n"
     "--expert WORKER treats that worker's labels as the standard (the paper's\n"
     "researchers; the gold judge of tldrlab label compare --gold): they are left out of\n"
     "the inter-labeler figures, and every worker's agreement with them is reported.",
     cmd_agreement, 1, NULL, NULL},
    {"plot", "draw a figure (fig1, length, likert, overopt, transfer, curves) with gnuplot",
     OPT_FILTERS | OPT_META | OPT_OUTPUT | OPT_OUT | OPT_BASELINE | OPT_LENUNIT | OPT_LEVEL | OPT_PLOT |
         OPT_RMSCORES | OPT_PROGRESS,
     "KIND [options] --out DIR FILE...",
     "Draws one of the paper's figures from comparisons or axis evals as DIR/KIND.png\n"
     "(pngcairo) and DIR/KIND.svg, with its data DIR/KIND.csv and the gnuplot script\n"
     "DIR/KIND.gp that draws it (run it again with: cd DIR && gnuplot KIND.gp).\n"
     "KIND is one of:\n"
     "  fig1      fraction preferred to the reference vs model size, per method (Figure 1)\n"
     "  length    fraction preferred vs log length ratio, binned, with the fitted curves\n"
     "  likert    mean rating per axis with intervals, and the overall score distribution\n"
     "  overopt   preference vs KL from the supervised policy; PPO and best-of-N (Figure 5)\n"
     "  transfer  news: overall score vs summary length per policy (Fig. 4b), with a table\n"
     "  curves    training curves: loss, RM accuracy, PPO's RM score, KL and entropy\n"
     "fig1, length and overopt read comparisons; likert and transfer read axis evals;\n"
     "curves reads policy folders (log.csv and meta.json; one without log.csv is noted).\n"
     "Only transfer prints on stdout (its table, per --format); --format with another\n"
     "KIND is refused. Without gnuplot the data and script are still written.",
     cmd_plot, 2, "where to write KIND.png, .svg, .csv and .gp (required)", NULL},
    {"report", "every analysis and figure the inputs support, as report.md and report.html",
     OPT_FILTERS | OPT_META | OPT_OUT | OPT_SEED | OPT_BASELINE | OPT_BOOTSTRAP | OPT_LENUNIT | OPT_LEVEL |
         OPT_RMSCORES | OPT_REPORT | OPT_EXPERT | OPT_PROGRESS,
     "--out DIR [options] [--comparisons FILE...] [--axis FILE...] [--calibration FILE...]\n"
     "       [--gold FILE...] [--curves DIR...]",
     "Runs every analysis and figure the inputs support: for each dataset in the\n"
     "comparisons, win rates (with Figure 1), length-controlled preference (with the\n"
     "length figure) and the over-optimization curve, one panel per model size;\n"
     "labeler agreement; for the axis evals, Likert tables with length control, their\n"
     "figures and the news transfer figure and table (the four axes with intervals,\n"
     "length, share copied from --judge, quality at the reference's length).\n"
     "--calibration adds the labelers' agreement with an expert (--expert, default\n"
     "gold: label compare --gold) and --judge the gold judge's scores. --gold takes the\n"
     "gold judge's own comparisons with the reference (label compare --gold --labels 0;\n"
     "only worker gold is read): its win rates, kept apart from the labelers', a gold\n"
     "panel in Figure 1 and a gold curve in the over-optimization figure, whose drop\n"
     "from the gold peak is split by penalty when --judge is given too. --curves adds\n"
     "the training curves of policy folders (log.csv, meta.json; plot curves) and their\n"
     "final values. Writes DIR/report.md (a title, contents, then the sections), a\n"
     "self-contained DIR/report.html (figures embedded), DIR/figures/ (PNG, SVG, CSV,\n"
     "gnuplot scripts) and DIR/tables/ (CSV and JSON behind each table). --comparisons,\n"
     "--axis, --calibration, --gold and --curves each take the files (folders) after\n"
     "them.",
     cmd_report, 0, "where to write the report (required)", NULL},
    {"world", "the in-silico world: generate, stats, judge, lint",
     OPT_WORLD | OPT_LEXICON | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_OUTPUT | OPT_SUMMARY | OPT_PROGRESS,
     "ACTION [options] [FILE...]",
     "The in-silico world (docs/world.md): TL;DR-like posts and news articles drawn\n"
     "from latent facts, their references, and a gold judge. ACTION is one of:\n"
     "  generate --out DIR [--config FILE] [--seed S]\n"
     "            write DIR/tldr/{train,valid1,valid2,test}.jsonl (id, subreddit, title,\n"
     "            post, summary), DIR/news/{train,test}.jsonl (id, site, title, article,\n"
     "            highlights), DIR/facts.jsonl, DIR/world.json and DIR/lexicon.json\n"
     "  stats DIR  lengths, vocabulary, distinct n-grams, duplicates, template coverage\n"
     "  judge --world DIR SAMPLES...\n"
     "            score summaries ({\"id\",\"policy\",\"text\",\"split\",\"dataset\"} lines) on\n"
     "            accuracy, coverage, coherence and overall, with the facts covered,\n"
     "            missed, invented and contradicted; JSON lines (--format csv for CSV),\n"
     "            or --summary for means per policy\n"
     "  lint       check the lexicon (built-in, or --lexicon DIR)",
     cmd_world, 1, "generate: the world's folder (required); judge: a file for the scores (default stdout), or with --summary a folder for judge.csv and judge.json; stats: a folder for world_stats.csv and .json", "PATH"},
    {"label", "simulated labelers: compare pairs, rate summaries (released format)",
     OPT_WORLD | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_LABEL | OPT_PROGRESS,
     "compare|rate --world DIR --out FILE [options] FILE...",
     "The world's pool of simulated workers (docs/world.md, \"Labelers\") writes records\n"
     "in the released format.\n"
     "  compare A.jsonl B.jsonl  pairs every sample of A with every sample of B for the\n"
     "            same document (different policies), and writes comparisons: the choice\n"
     "            from a Bradley-Terry model of each worker's utilities, a 1-9 confidence\n"
     "            (no 5), the order of the two summaries at random\n"
     "  rate SAMPLES...  writes axis evals: 1-7 on overall, accuracy, coverage and\n"
     "            coherence, each gold axis through ordinal thresholds with the worker's noise\n"
     "The pool comes from the world's config (or --config FILE).",
     cmd_label, 2, "the records file to write (required)", "FILE"},
    {"baseline", "summaries without a model: ref, lead3, title, random-sentence, author, probes",
     OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_SPLIT,
     "ref|lead3|title|random-sentence|author|probes --world DIR --out FILE [--split S] [--dataset D]",
     "Writes samples ({\"id\",\"policy\",\"text\",\"split\",\"dataset\"} lines) for every\n"
     "document of a split: the human reference (ref), the first three sentences\n"
     "(lead3), the title (title), one sentence at random (random-sentence), or a fresh\n"
     "draw of the noisy reference author (author: policy author_sSEED). probes writes\n"
     "the gold judge's crafted summaries, one of each per document (policies probe_*:\n"
     "a bare key-phrase list, the reference plus that list, padded, repeated, with\n"
     "candidate numbers or negated, and every fact fluently or in the document's longer\n"
     "sentences; docs/world.md, \"Probes\"). The default split is valid2 for TL;DR and\n"
     "test for news; --dataset keeps one dataset.",
     cmd_baseline, 1, "the samples file to write (required)", "FILE"},
    {"lm-train", "train a GPT language model on text or JSON lines (BPE tokenizer included)",
     OPT_LM | OPT_WORLD | OPT_OUT | OPT_SEED | OPT_PROGRESS,
     "--data FILE --out DIR [--config FILE] [options]",
     "Trains a byte-level BPE tokenizer on FILE (DIR/tokenizer.bin), then a GPT (train/FORMAT.md)\n"
     "on random windows of the encoded corpus with AdamW, gradient clipping and a warm-up +\n"
     "cosine schedule. The last 5% of the tokens is held out for a validation loss. Writes\n"
     "DIR/model.ckpt (with the optimiser and random state, so --resume continues exactly)\n"
     "and DIR/log.csv (step, loss, val_loss, lr, grad_norm, tokens_per_s, elapsed_s); shows\n"
     "step, loss, tokens/s and the ETA on a terminal. --config FILE reads {\"seed\",\n"
     "\"model\": {L, C, NH, T, V}, \"train\": {batch, steps, lr, warmup, weight_decay, clip,\n"
     "checkpoint_every, eval_every}}; flags given on the command line win.",
     cmd_lm_train, 0, "where to write tokenizer.bin, model.ckpt and log.csv (required)", NULL},
    {"pretrain", "train the pretrained LM on the world's posts and articles (no TL;DRs)",
     OPT_LM | OPT_WORLD | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_PROGRESS,
     "--world W --out DIR [--config FILE] [options]",
     "lm-train on the world's training posts, in the paper's format without the TL;DR\n"
     "(\"SUBREDDIT: r/...\\n\\nTITLE: ...\\n\\nPOST: ...\"), and its training articles\n"
     "(\"TITLE: ...\\n\\nARTICLE: ...\"): no reference summary or highlight is seen. The\n"
     "context defaults to 256 tokens (a post and a 48-token summary). Writes what\n"
     "lm-train writes plus DIR/meta.json (policy pretrain_<size>, size in millions of\n"
     "parameters). --resume continues exactly.",
     cmd_pretrain, 0, "the stage folder to write (required)", NULL},
    {"sft", "supervised fine-tuning on the world's reference TL;DRs",
     OPT_STAGE | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_PROGRESS,
     "--world W --from PRETRAINED --out DIR [options]",
     "Fine-tunes the pretrained model on every training post of the world with its\n"
     "reference: prompt + reference + EOS, the loss on the reference and EOS only;\n"
     "a post too long for the context is cut at its last newline that fits, and a\n"
     "reference longer than 48 tokens is left out. News is never seen. Defaults: one\n"
     "epoch, batch 16, lr 5e-4 (warm-up steps/20, cosine to a tenth), clip 1, no\n"
     "weight decay. Writes DIR/model.ckpt, tokenizer.bin, log.csv (step, loss,\n"
     "val_loss on valid1, lr, grad_norm, tokens_per_s, elapsed_s) and meta.json\n"
     "(policy sup_<size>). --until STEP stops early; --resume continues exactly.",
     cmd_sft, 0, "the stage folder to write (required)", NULL},
    {"sample", "a policy's summaries of a split of the world (the world's sample format)",
     OPT_GEN | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_SPLIT | OPT_PROGRESS,
     "--world W --model DIR --out FILE [--temperature X] [--split S] [--dataset D]",
     "Writes one summary per document of the split ({\"id\",\"policy\",\"text\",\"split\",\n"
     "\"dataset\"} lines, what world judge, label compare and rm score read): greedy by\n"
     "default (the paper's evaluation), or sampled at --temperature. The policy name\n"
     "is DIR/meta.json's, with _t<X> for a temperature, or --name. The default split\n"
     "is valid2 for TL;DR and test for news.",
     cmd_sample, 0, "the samples file to write (required)", "FILE"},
    {"rm", "the reward model: train on comparisons, or score samples",
     OPT_STAGE | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_PROGRESS,
     "train --world W --from SFT --out DIR COMPARISONS... | score --world W --rm DIR --out FILE SAMPLES...",
     "rm train: the supervised model with a scalar head read at EOS (head drawn from\n"
     "N(0, 1/(C+1))), trained on comparisons in the released format (the labelers'\n"
     "choices; tldrlab label compare writes them) by -log sigma(r(chosen) - r(other)),\n"
     "one epoch by default (batch 16 pairs, lr 1e-4). Records of split train train it;\n"
     "the others are held out (without any, the pairs of one post in 20). Afterwards a\n"
     "bias makes the references of 2048 training posts score mean 0. It reports its\n"
     "held-out accuracy against the labelers and against the gold judge (used for\n"
     "nothing else). Writes DIR/model.ckpt, tokenizer.bin, log.csv (step, loss,\n"
     "accuracy, val_loss, val_accuracy, lr, grad_norm, pairs_per_s, elapsed_s) and\n"
     "meta.json. A post the world lacks or a news record is refused.\n"
     "rm score: CSV policy,post_id,rm_policy,rm_ref for every sample of the files and\n"
     "the reference of its post (what plot overopt --rm-scores reads).",
     cmd_rm, 1, "train: the stage folder to write; score: the CSV file to write", NULL},
    {"ppo", "PPO against a reward model with a per-token KL penalty towards the supervised policy",
     OPT_STAGE | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_PROGRESS,
     "--world W --from SFT --rm RM --out DIR [--beta X | --kl-target NATS] [options]",
     "The policy starts from the supervised model; each iteration rolls out --batch-size\n"
     "episodes (default 64) on the world's training posts at --temperature (0.7), scores\n"
     "them with the reward model at EOS (a response without EOS scores\n"
     "--no-eos-penalty, -1), subtracts beta (log pi - log pi_sft) per token (k1; k3\n"
     "reported), takes GAE (gamma 1, lambda 0.95) from a value network initialised\n"
     "from the reward model, whitens the advantages and runs --epochs (4) x\n"
     "--minibatches (4) of clipped (0.2) policy and value updates (AdamW, lr 1e-5).\n"
     "--steps is the number of iterations (default 100). Writes DIR/model.ckpt,\n"
     "DIR/value/, DIR/log.csv (one row per iteration: the RM score of the rollouts, the\n"
     "gold judge's score of the same rollouts, for evaluation only, the KL, entropy,\n"
     "clip fraction, losses, lengths, timings: docs/formats.md) and meta.json (policy\n"
     "sup_<size>_ppo_rm_<size>_b<beta>, with the KL measured on valid2 prompts at\n"
     "temperature 1). A NaN or exploding loss stops the run, the last checkpoint kept.",
     cmd_ppo, 0, "the stage folder to write (required)", NULL},
    {"bon", "best-of-N: N samples from the supervised policy, the reward model's best",
     OPT_GEN | OPT_WORLDDIR | OPT_OUT | OPT_SEED | OPT_SPLIT | OPT_PROGRESS,
     "--world W --from SFT --rm RM --out DIR [--n N] [--split S] [--dataset D]",
     "Samples --n (16) summaries per document of the split at --temperature (0.7) from the\n"
     "supervised policy and keeps the one the reward model scores highest (a summary\n"
     "without EOS scores -1). Writes DIR/<dataset>_<split>.jsonl (samples of policy\n"
     "sup_<size>_bo<N>_rm_<size>) and DIR/meta.json, whose KL is log N - (N-1)/N.",
     cmd_bon, 0, "the folder to write (required)", NULL},
    {"sweep", "the whole experiment from one config: world to report, resumable",
     OPT_SWEEP | OPT_OUT | OPT_PROGRESS,
     "CONFIG [--out DIR] [--dry-run [--ranks K]] [--only LIST] [--force LIST]",
     "Runs the experiment CONFIG describes (configs/README.md lists its keys): the world,\n"
     "then per model size pretrain, sft, the labelers' comparisons of the supervised\n"
     "policy's samples, the reward model, PPO for each beta and best-of-N for each N,\n"
     "then every policy's evaluation (greedy samples on valid2 posts and news articles,\n"
     "the labelers' comparisons with the references and 1-7 ratings, the gold judge,\n"
     "the reward model's scores) and the report. Each stage is a tldrlab command run\n"
     "in DIR (default results/NAME); DIR/manifest.json records each stage's status,\n"
     "key, timings and command, and DIR/logs/ its output. Running it again resumes:\n"
     "finished stages are skipped, a stopped training stage goes on from its\n"
     "checkpoint, and a changed config reruns the stages it changes and those after.\n"
     "With several seeds in the config, each seed is a whole run in DIR/seeds/SEED and\n"
     "DIR/seeds.md sets them side by side, with intervals over seeds.\n"
     "Under `mpirun -np K` (docs/scale-out.md) rank 0 schedules and every rank runs\n"
     "stages whose inputs are ready, each with its own OpenMP threads; a stage the\n"
     "config gives \"ranks\": R runs data-parallel on R ranks. --dry-run shows the\n"
     "schedule on K ranks and the critical path.",
     cmd_sweep, 1, "the run folder (default results/NAME, NAME from the config)", NULL},
    {"lm-sample", "print continuations from a model trained by lm-train",
     OPT_SAMPLE | OPT_SEED,
     "--model DIR [--prompt TEXT] [options]",
     "Samples continuations of --prompt (default: the start of a document) with the KV cache:\n"
     "temperature, nucleus (--top-p) or --greedy; each stops at the end-of-document token or\n"
     "--max-new tokens, and is printed with its length and log-probability.",
     cmd_lm_sample, 0, NULL, NULL},
    {"lm-dump", "a model's logits or values, loss and gradients on a random batch (for bench/gpt_crosscheck.py)",
     OPT_CKPT | OPT_OUT | OPT_SEED,
     "--checkpoint FILE --out DIR [--batch-size B]",
     "Writes DIR/tokens.bin (int32, B x (T+1)), DIR/start.bin (int32, B: each row's left\n"
     "padding, as the stages batch prompts), DIR/loss.txt and DIR/grads.bin (float32, every\n"
     "parameter in checkpoint order) for a batch of random tokens (train/FORMAT.md), so that\n"
     "another implementation can be checked against this one. An LM: DIR/logits.bin (float32,\n"
     "B x T x V) and the mean loss. A scalar head (reward, value model): DIR/values.bin\n"
     "(float32, B x T), DIR/dvalues.bin (float32, B x T, random weights w) and the\n"
     "objective sum(w * values) that the gradients are of.",
     cmd_lm_dump, 0, "where to write the dump (required)", NULL},
    {"example", "write an example data set in the released format, with known truth",
     OPT_OUT | OPT_SEED | OPT_EXAMPLE | OPT_PROGRESS,
     "--out DIR [options]",
     "Writes comparisons and axis evals in the released format for simulated policies\n"
     "with released-style names and known qualities, labelled by simulated workers,\n"
     "plus truth.json with the generating parameters.",
     cmd_example, 0, "where to write the data set (required)", NULL},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void usage(FILE *fp)
{
    fprintf(fp, "usage: tldrlab [--version] [--help] COMMAND [options] [FILE...]\n\n"
                "Experiments in learning to summarize from human feedback.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(fp, "\nRun 'tldrlab COMMAND --help' for a command's options. Docs: docs/usage.md\n");
}

/* $TLDRLAB_MAX_LINE: the longest line the readers take (common/jsonl.h),
 * in bytes, with an optional K, M or G (binary) suffix. */
static void read_max_line(void)
{
    const char *v = getenv("TLDRLAB_MAX_LINE");
    if (!v || !*v)
        return;
    char num[32];
    size_t n = strlen(v), shift = 0;
    if (n > 1 && strchr("KMG", v[n - 1])) {
        shift = v[n - 1] == 'K' ? 10 : v[n - 1] == 'M' ? 20 : 30;
        n--;
    }
    long x;
    snprintf(num, sizeof num, "%.*s", (int)(n < sizeof num ? n : sizeof num - 1), v);
    if (n >= sizeof num || util_parse_long(num, 1, 1L << 40, &x) != 0 || ((size_t)x << shift) < 1024 ||
        ((size_t)x << shift) > ((size_t)1 << 40))
        tl_die(TL_EXIT_INPUT, "TLDRLAB_MAX_LINE: expected bytes from 1024 to 2^40 (a K, M or G suffix allowed), got '%s'",
               v);
    tl_set_max_line((size_t)x << shift);
}

int main(int argc, char **argv)
{
    tl_gsl_quiet();
    read_max_line();
    tlmpi_init(&argc, &argv);
    if (argc < 2) {
        usage(stderr);
        return TL_EXIT_INPUT;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        if (argc > 2 && strcmp(argv[1], "help") == 0) {
            char *args[] = {argv[2], "--help", NULL};
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(argv[2], COMMANDS[i].name) == 0) {
                    CliOpts o;
                    cli_parse(&COMMANDS[i], 2, args, &o);
                }
        }
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("tldrlab %s (commit %s)\n", TLDRLAB_VERSION, TLDRLAB_COMMIT);
        printf("mpi: %s\n", tlmpi_built() ? "yes (mpirun -np K: docs/scale-out.md)" : "no (built without MPI)");
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], COMMANDS[i].name) != 0)
            continue;
        CliOpts o;
        cli_parse(&COMMANDS[i], argc - 1, argv + 1, &o);
        int rc = COMMANDS[i].run(&o);
        cli_free(&o);
        tlmpi_finalize(rc);
        return rc;
    }
    fprintf(stderr, "tldrlab: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return TL_EXIT_INPUT;
}
