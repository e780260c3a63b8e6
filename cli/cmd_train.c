/* cmd_train.c — the training stages and the sampling of policies:
 * `tldrlab sft`, `rm train|score`, `ppo`, `bon` and `sample`. The work is
 * in train/ and eval/; this file maps options to their settings. */
#include "cli/cli.h"
#include "common/progress.h"
#include "eval/generate.h"
#include "train/stages.h"

#include <math.h>
#include <string.h>

static void stage_opts(CliOpts *o, StageOpts *s, int need_from)
{
    memset(s, 0, sizeof *s);
    if (!o->world_dir)
        cli_usage_error(o, "--world DIR is required (made by tldrlab world generate)");
    if (!o->out_dir)
        cli_usage_error(o, "--out DIR is required: the stage's folder");
    if (need_from && !o->from_dir && !o->resume)
        cli_usage_error(o, "--from DIR is required: the stage folder to start from");
    s->world_dir = o->world_dir;
    s->from_dir = o->from_dir;
    s->out_dir = o->out_dir;
    s->seed = o->seed;
    s->steps = o->steps;
    s->until = o->until;
    s->batch = o->batch;
    s->warmup = o->warmup;
    s->ckpt_every = o->ckpt_every;
    s->eval_every = o->eval_every;
    s->lr = o->lr;
    s->weight_decay = o->weight_decay;
    s->clip = o->clip;
    s->resume = o->resume;
    s->progress = o->read.progress;
}

int cmd_sft(CliOpts *o)
{
    StageOpts s;
    stage_opts(o, &s, 1);
    int rc = sft_run(&s);
    cli_check_stdout();
    return rc;
}

int cmd_sample(CliOpts *o)
{
    if (!o->world_dir || !o->model_dir || !o->out_dir)
        cli_usage_error(o, "--world DIR, --model DIR and --out FILE are required");
    SampleOpts s = {o->world_dir, o->model_dir, o->out_dir,
                    o->read.split ? o->read.split : (o->read.dataset && strcmp(o->read.dataset, "news") == 0 ? "test" : "valid2"),
                    o->read.dataset ? o->read.dataset : "tldr", o->name,
                    o->greedy || isnan(o->temperature) ? 0 : o->temperature, o->batch, o->limit, o->seed,
                    o->read.progress};
    int rc = eval_sample(&s);
    cli_check_stdout();
    return rc;
}

int cmd_rm(CliOpts *o)
{
    if (o->nfiles < 1 || (strcmp(o->files[0], "train") != 0 && strcmp(o->files[0], "score") != 0))
        cli_usage_error(o, "expected 'rm train' or 'rm score' (see tldrlab rm --help)");
    if (o->nfiles < 2)
        cli_usage_error(o, "rm %s needs input files: %s", o->files[0],
                        strcmp(o->files[0], "train") == 0 ? "comparisons in the released format (label compare)"
                                                          : "samples (tldrlab sample, baseline)");
    int rc;
    if (strcmp(o->files[0], "train") == 0) {
        StageOpts s;
        stage_opts(o, &s, 1);
        rc = rm_train_run(&s, o->files + 1, o->nfiles - 1);
    } else {
        if (!o->world_dir || !o->rm_dir || !o->out_dir)
            cli_usage_error(o, "rm score needs --world DIR, --rm DIR and --out FILE");
        rc = eval_rm_score(o->world_dir, o->rm_dir, o->out_dir, o->files + 1, o->nfiles - 1, o->read.progress);
    }
    cli_check_stdout();
    return rc;
}

int cmd_ppo(CliOpts *o)
{
    PpoOpts p;
    memset(&p, 0, sizeof p);
    stage_opts(o, &p.s, 1);
    if (!o->rm_dir && !o->resume)
        cli_usage_error(o, "--rm DIR is required: the reward model to optimise against");
    if (!isnan(o->kl_target) && !isnan(o->beta) && o->beta == 0)
        cli_usage_error(o, "--kl-target adapts beta multiplicatively; start it above 0 (--beta)");
    p.rm_dir = o->rm_dir;
    p.beta = o->beta;
    p.kl_target = isnan(o->kl_target) ? 0 : o->kl_target;
    p.temperature = o->temperature;
    p.no_eos_penalty = o->no_eos_penalty;
    p.epochs = o->epochs;
    p.minibatches = o->minibatches;
    p.kl_samples = o->kl_samples;
    int rc = ppo_run(&p);
    cli_check_stdout();
    return rc;
}

int cmd_bon(CliOpts *o)
{
    if (!o->world_dir || !o->from_dir || !o->rm_dir || !o->out_dir)
        cli_usage_error(o, "--world DIR, --from SFT, --rm DIR and --out DIR are required");
    BonOpts b = {o->world_dir, o->from_dir, o->rm_dir, o->out_dir,
                 o->read.split ? o->read.split : (o->read.dataset && strcmp(o->read.dataset, "news") == 0 ? "test" : "valid2"),
                 o->read.dataset ? o->read.dataset : "tldr", o->name, o->bon_n > 0 ? (int)o->bon_n : 16,
                 isnan(o->temperature) ? 0.7 : o->temperature, o->batch, o->limit, o->seed, o->read.progress};
    if (!(b.temperature > 0))
        cli_usage_error(o, "--temperature: best-of-N samples; expected a temperature above 0");
    int rc = bon_run(&b);
    cli_check_stdout();
    return rc;
}
