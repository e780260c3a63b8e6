/* test_train.c — the training stages' arithmetic: GAE against a hand
 * computation, whitening, best-of-N's KL, and a whole PPO iteration on tiny
 * random models (KL exactly 0 before the first update, the no-EOS penalty,
 * the policy moved by the update). */
#include "tests/unit/test.h"
#include "common/rng.h"
#include "common/util.h"
#include "eval/generate.h"
#include "train/stage.h"
#include "train/stages.h"

void test_train_gae(void)
{
    /* rewards 0, 0, 1 (the score at the last token), values 0.5, 0.6, 0.7,
     * gamma 1, lambda 0.95, by hand:
     *   delta2 = 1 + 0 - 0.7 = 0.3            adv2 = 0.3
     *   delta1 = 0 + 0.7 - 0.6 = 0.1          adv1 = 0.1 + 0.95 * 0.3 = 0.385
     *   delta0 = 0 + 0.6 - 0.5 = 0.1          adv0 = 0.1 + 0.95 * 0.385 = 0.46575
     * returns = adv + values = 0.96575, 0.985, 1.0 */
    double r[3] = {0, 0, 1}, v[3] = {0.5, 0.6, 0.7}, adv[3], ret[3];
    ppo_gae(r, v, 3, 1.0, 0.95, adv, ret);
    double want_adv[3] = {0.46575, 0.385, 0.3}, want_ret[3] = {0.96575, 0.985, 1.0};
    for (int k = 0; k < 3; k++) {
        CHECK_ABS(adv[k], want_adv[k], 1e-12, "GAE advantage");
        CHECK_ABS(ret[k], want_ret[k], 1e-12, "GAE return");
    }
    /* gamma 0.5, lambda 0: one-step TD errors */
    ppo_gae(r, v, 3, 0.5, 0.0, adv, ret);
    CHECK_ABS(adv[0], 0 + 0.5 * 0.6 - 0.5, 1e-12, "TD(0) advantage at 0");
    CHECK_ABS(adv[2], 1 - 0.7, 1e-12, "TD(0) advantage at the end");
}

void test_train_whiten(void)
{
    /* mean 2.5, unbiased variance 5/3 (TRL's masked_whiten), plus 1e-8 */
    double x[4] = {1, 2, 3, 4};
    stage_whiten(x, 4);
    double sd = sqrt(5.0 / 3.0 + 1e-8);
    CHECK_ABS(x[0], -1.5 / sd, 1e-12, "whitened first value");
    CHECK_ABS(x[3], 1.5 / sd, 1e-12, "whitened last value");
    CHECK_ABS(x[0] + x[1] + x[2] + x[3], 0, 1e-12, "whitened mean");
}

void test_train_bon_kl(void)
{
    /* PAPER.md: N=8 -> 1.204, 64 -> 3.175, 512 -> 5.240 nats */
    CHECK_ABS(bon_kl(8), 1.204, 5e-4, "best-of-8 KL");
    CHECK_ABS(bon_kl(64), 3.175, 5e-4, "best-of-64 KL");
    CHECK_ABS(bon_kl(512), 5.240, 5e-4, "best-of-512 KL");
    CHECK_ABS(bon_kl(1), 0, 0, "best-of-1 KL");
}

void test_train_losses(void)
{
    double d;
    int cl;
    /* positive advantage, ratio above 1 + eps: clipped, no gradient */
    double l = ppo_pg_loss(log(1.5), 0, 2.0, 0.2, &d, &cl);
    CHECK_ABS(l, -2.0 * 1.2, 1e-12, "clipped loss");
    CHECK(cl == 1 && d == 0, "a clipped token has no gradient (clipped %d, d %g)", cl, d);
    /* negative advantage, ratio above 1 + eps: the unclipped term is larger */
    l = ppo_pg_loss(log(1.5), 0, -2.0, 0.2, &d, &cl);
    CHECK_ABS(l, 3.0, 1e-12, "pessimistic unclipped loss");
    CHECK(cl == 0, "not clipped");
    CHECK_ABS(d, 3.0, 1e-12, "d loss / d log-prob = -A r");
    double dv;
    double vl = ppo_value_loss(1.0, 0.5, 0.0, 0.2, &dv); /* v moved 0.5 > 0.2; (1-0)^2 > (0.7-0)^2 */
    CHECK_ABS(vl, 0.5, 1e-12, "value loss takes the larger square");
    CHECK_ABS(dv, 1.0, 1e-12, "value gradient");
    double dw, dl;
    double rl = rm_pair_loss(1.0, 1.0, &dw, &dl);
    CHECK_ABS(rl, log(2.0), 1e-12, "reward model loss of a tie");
    CHECK_ABS(dw, -0.5, 1e-12, "d loss / d r_chosen at a tie");
    rl = rm_pair_loss(0, 800, &dw, &dl);
    CHECK_ABS(rl, 800, 1e-9, "reward model loss stays finite far out");
}

/* A whole PPO iteration on tiny random models; poison: 1 puts a NaN in the
 * reward model's bias. */
static int tiny_ppo_rc(int eos_reachable, int poison, PpoStats *st, double *moved);
static void tiny_ppo(int eos_reachable, PpoStats *st, double *moved)
{
    int rc = tiny_ppo_rc(eos_reachable, 0, st, moved);
    CHECK_INT(rc, 0, "a PPO iteration on tiny models");
}

static int tiny_ppo_rc(int eos_reachable, int poison, PpoStats *st, double *moved)
{
    GptConfig c = {1, 16, 2, 64, 30, 0}, cs = c;
    cs.scalar_head = 1;
    Gpt pol, ref, val, rm;
    gpt_init(&pol, &c, 3);
    gpt_init(&ref, &c, 3);
    gpt_init(&rm, &cs, 4);
    gpt_init(&val, &cs, 4);
    Tokenizer tok;
    memset(&tok, 0, sizeof tok);
    tok.eos = eos_reachable ? 28 : 30; /* 30: outside the vocabulary, so no response ends */
    tok.pad = 29;
    enum { N = 8 };
    Prompts pr;
    memset(&pr, 0, sizeof pr);
    pr.p = xmalloc(N * sizeof *pr.p);
    pr.n = xmalloc(N * sizeof *pr.n);
    pr.count = N;
    size_t idx[N];
    for (int i = 0; i < N; i++) {
        pr.n[i] = 3 + i % 4;
        pr.p[i] = xmalloc((size_t)pr.n[i] * sizeof *pr.p[i]);
        for (int k = 0; k < pr.n[i]; k++)
            pr.p[i][k] = (i * 5 + k * 3) % 28;
        idx[i] = (size_t)i;
    }
    PpoCtx ctx = {&pol, &ref, &val, &rm, 1e-3f, 1e-3f, 1.0, 0.1, 0.7, -1.0, 0.2, 0.2, 1.0, 0.95, 2, 2, 4,
                  tok.eos, tok.pad, NULL, NULL};
    gsl_rng *r = rng_alloc(9);
    float before = pol.net.params_mem[100];
    if (poison)
        rm.net.p.headb[0] = NAN;
    int rc = ppo_iteration(&ctx, &pr, idx, N, &tok, r, st);
    *moved = fabs((double)pol.net.params_mem[100] - before);
    rng_free(r);
    for (int i = 0; i < N; i++)
        free(pr.p[i]);
    free(pr.p), free(pr.n);
    gpt_free(&pol), gpt_free(&ref), gpt_free(&val), gpt_free(&rm);
    return rc;
}

void test_train_ppo_iteration(void)
{
    PpoStats st;
    double moved;
    tiny_ppo(1, &st, &moved);
    CHECK(st.kl_k1 == 0 && st.kl_k3 == 0, "KL before the first update (policy = supervised): expected exactly 0, got "
          "k1 %g, k3 %g", st.kl_k1, st.kl_k3);
    CHECK(moved > 0, "the update moved the policy");
    CHECK(isfinite(st.pg_loss) && isfinite(st.vf_loss) && st.approxkl > 0, "finite losses (pg %g, vf %g, approx KL %g)",
          st.pg_loss, st.vf_loss, st.approxkl);
    CHECK(st.entropy > 0 && st.resp_len > 0, "entropy %g and response length %g", st.entropy, st.resp_len);
    tiny_ppo(0, &st, &moved);
    CHECK(st.no_eos == 1, "no response can end: share without EOS expected 1, got %g", st.no_eos);
    CHECK_ABS(st.rm_score, -1.0, 0, "every score is the no-EOS penalty");
    CHECK_ABS(st.resp_len, STAGE_MAX_SUMMARY, 0, "responses run to the limit");
    /* a NaN stops the iteration before any update, saying which quantity */
    int rc = tiny_ppo_rc(1, 1, &st, &moved);
    CHECK(rc == -1 && strstr(st.bad, "the reward model's score is nan") && moved == 0,
          "a NaN score: expected -1, no update and a message naming the score; got %d, moved %g, '%s'", rc, moved,
          st.bad);
}

/* log.csv rows of any length are read whole (a 6000-byte number was read
 * as two rows by a 4096-byte buffer). */
void test_train_stagelog_long_row(void)
{
    StrBuf b;
    sb_init(&b);
    sb_add(&b, "step,loss,kl\n1,0.5");
    for (int i = 0; i < 6000; i++)
        sb_add(&b, "0");
    sb_add(&b, ",7\n2,0.25,8\n");
    const char *p = t_write("log.csv", sb_str(&b));
    char dir[512];
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(p, '/') - p), p);
    static const char *const cols[] = {"step", "loss", "kl"};
    StageLog l;
    stagelog_init(&l, cols, 3);
    stagelog_read(&l, dir, 1e9);
    CHECK(l.n == 2, "expected 2 rows, got %zu", l.n);
    if (l.n == 2)
        CHECK(l.v[0] == 1 && l.v[1] == 0.5 && l.v[2] == 7 && l.v[3] == 2,
              "expected rows (1, 0.5, 7) and (2, ...), got (%g, %g, %g) and (%g, ...)", l.v[0], l.v[1], l.v[2], l.v[3]);
    stagelog_free(&l);
    sb_free(&b);
}
