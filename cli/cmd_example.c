/* cmd_example.c — `tldrlab example`: writes the example data set. */
#include "cli/cli.h"
#include "world/example.h"

#include <math.h>
#include <stdio.h>

int cmd_example(CliOpts *o)
{
    ExampleConfig c;
    example_config_default(&c);
    if (!o->out_dir)
        cli_usage_error(o, "--out DIR is required: where to write the data set");
    c.out_dir = o->out_dir;
    c.seed = o->seed;
    if (o->posts > 0)
        c.posts = (size_t)o->posts;
    if (o->comparisons > 0)
        c.comparisons = (size_t)o->comparisons;
    if (o->articles >= 0)
        c.articles = (size_t)o->articles;
    if (o->workers > 0)
        c.workers = (size_t)o->workers;
    if (o->dup_rate >= 0)
        c.dup_rate = o->dup_rate;
    if (!isnan(o->length_coef))
        c.length_coef = o->length_coef;
    c.axis = !o->no_axis;
    c.progress = o->read.progress;
    TlError err;
    int rc = example_generate(&c, &err);
    if (rc == TL_EXIT_INPUT)
        cli_usage_error(o, "%s", err.msg);
    if (rc != 0)
        tl_die(rc, "%s", err.msg);
    printf("wrote the example data set to %s/: comparisons/{tldr,news}.json%s, truth.json\n", o->out_dir,
           c.axis ? ", axis_evals/{tldr,news}.json" : "");
    cli_check_stdout();
    return 0;
}
