/* test_policy.c — released policy names -> metadata, and --meta files. */
#include "tests/unit/test.h"
#include "analysis/policy.h"

typedef struct {
    const char *name;
    Method method;
    double params, kl, temperature, top_p, n;
    const char *rm, *source, *trained_on;
} NameCase;

#define U NAN
static const NameCase NAMES[] = {
    {"ref", METHOD_REFERENCE, U, U, U, U, U, "", "", ""},
    {"title", METHOD_OTHER, U, U, U, U, U, "", "", ""},
    {"lead3", METHOD_OTHER, U, U, U, U, U, "", "", ""},
    {"human_editor", METHOD_OTHER, U, U, U, U, U, "", "", ""},
    {"pretrain_xl", METHOD_PRETRAINED, 1.3e9, U, U, U, U, "", "", ""},
    {"pretrain_6b_t.7", METHOD_PRETRAINED, 6.7e9, U, 0.7, U, U, "", "", ""},
    {"pretrain_12b", METHOD_PRETRAINED, 12.9e9, U, U, U, U, "", "", ""},
    {"sup4", METHOD_SUPERVISED, 1.3e9, U, U, U, U, "", "", "tldr"},
    {"sup4_3b", METHOD_SUPERVISED, 2.7e9, U, U, U, U, "", "", "tldr"},
    {"sup4_12b_t0.7", METHOD_SUPERVISED, 12.9e9, U, 0.7, U, U, "", "", "tldr"},
    {"sup4_6b_p.95", METHOD_SUPERVISED, 6.7e9, U, U, 0.95, U, "", "", "tldr"},
    {"sup4_6b_t1", METHOD_SUPERVISED, 6.7e9, U, 1.0, U, U, "", "", "tldr"},
    {"sup4_ppo_rm3_kl10", METHOD_RL, 1.3e9, 10, U, U, U, "rm3", "sup4", "tldr"},
    {"sup4_6b_ppo_rm4_6b_kl14", METHOD_RL, 6.7e9, 14, U, U, U, "rm4_6b", "sup4_6b", "tldr"},
    {"sup4_ppo_rm4_t.7", METHOD_RL, 1.3e9, U, 0.7, U, U, "rm4", "sup4", "tldr"},
    {"sup4_bo64_rm3", METHOD_BEST_OF_N, 1.3e9, 3.1745080833596715 /* log 64 - 63/64 */, U, U, 64, "rm3", "sup4", "tldr"},
    {"sup4_xl_bo128_rm4", METHOD_BEST_OF_N, 1.3e9, 3.8598427639196169, U, U, 128, "rm4", "sup4_xl", "tldr"},
    {"sup4_6b_bo8_rm4_6b", METHOD_BEST_OF_N, 6.7e9, 1.2044415416798357, U, U, 8, "rm4_6b", "sup4_6b", "tldr"},
    {"sup4_bo16_rouge", METHOD_BEST_OF_N, 1.3e9, 1.8350887222397811, U, U, 16, "rouge", "sup4", "tldr"},
    {"supcnndm3_6b_t.3", METHOD_SUPERVISED, 6.7e9, U, 0.3, U, U, "", "", "cnndm"},
    {"t5_11b_cnndm", METHOD_OTHER, U, U, U, U, U, "", "", ""},
    /* tldrlab's own runs (train/stage.h): sizes in millions of parameters */
    {"pretrain_0.41m", METHOD_PRETRAINED, 0.41e6, U, U, U, U, "", "", ""},
    {"sup_0.41m", METHOD_SUPERVISED, 0.41e6, U, U, U, U, "", "", "tldr"},
    {"sup_3.2m_t0.7", METHOD_SUPERVISED, 3.2e6, U, 0.7, U, U, "", "", "tldr"},
    {"sup_0.41m_ppo_rm_0.41m_b0.05", METHOD_RL, 0.41e6, U, U, U, U, "rm_0.41m", "sup_0.41m", "tldr"},
    {"sup_0.41m_bo16_rm_0.41m", METHOD_BEST_OF_N, 0.41e6, 1.8350887222397811, U, U, 16, "rm_0.41m", "sup_0.41m",
     "tldr"},
};

static void check_num(double got, double want, const char *what, const char *name)
{
    if (isnan(want))
        CHECK(isnan(got), "%s of %s: expected unknown, got %g", what, name, got);
    else
        CHECK(fabs(got - want) <= 1e-12 * fabs(want), "%s of %s: expected %.17g, got %.17g", what, name, want, got);
}

void test_policy_names(void)
{
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        const NameCase *c = &NAMES[i];
        PolicyMeta m;
        policy_parse_name(c->name, &m);
        CHECK(m.method == c->method, "method of %s: expected %s, got %s", c->name, method_name(c->method),
              method_name(m.method));
        check_num(m.params, c->params, "params", c->name);
        check_num(m.kl, c->kl, "kl", c->name);
        check_num(m.temperature, c->temperature, "temperature", c->name);
        check_num(m.top_p, c->top_p, "top_p", c->name);
        check_num(m.n, c->n, "n", c->name);
        CHECK_STR(m.rm, c->rm, c->name);
        CHECK_STR(m.source, c->source, c->name);
        CHECK_STR(m.trained_on, c->trained_on, c->name);
    }
    /* PAPER.md: best-of-N KL, N = 8, 64, 512 -> 1.204, 3.175, 5.240 nats. */
    const char *bo[3] = {"sup4_bo8_rm3", "sup4_bo64_rm3", "sup4_bo512_rm3"};
    double want[3] = {1.204, 3.175, 5.240};
    for (int k = 0; k < 3; k++) {
        PolicyMeta m;
        policy_parse_name(bo[k], &m);
        CHECK_ABS(m.kl, want[k], 1e-3, bo[k]);
    }
    char b[32];
    policy_size_label(1.3e9, b, sizeof b);
    CHECK_STR(b, "1.3B", "size label 1.3e9");
    policy_size_label(12.9e9, b, sizeof b);
    CHECK_STR(b, "12.9B", "size label 12.9e9");
    policy_size_label(3.5e5, b, sizeof b);
    CHECK_STR(b, "350K", "size label 3.5e5");
    policy_size_label(NAN, b, sizeof b);
    CHECK_STR(b, "unknown", "size label NaN");
}

void test_policy_meta_file(void)
{
    const char *p = t_write("meta.json",
        "{\"policies\": {\n"
        "  \"sup_1.3m\": {\"method\": \"supervised\", \"params\": 1.3e6},\n"
        "  \"sup4_6b_ppo_rm4_6b_kl14\": {\"kl\": 13.2, \"beta\": 0.05, \"rm_score\": 1.5},\n"
        "  \"odd\": {\"temperature\": null}\n"
        "}}\n");
    MetaMap map;
    TlError err;
    CHECK(policy_meta_load(&map, p, &err) == 0, "meta loads: %s", err.msg);
    PolicyMeta m;
    policy_meta_lookup(&map, "sup_1.3m", &m);
    CHECK(m.method == METHOD_SUPERVISED, "method from the file");
    CHECK_REL(m.params, 1.3e6, 1e-15, "params from the file");
    policy_meta_lookup(&map, "sup4_6b_ppo_rm4_6b_kl14", &m);
    CHECK_REL(m.kl, 13.2, 1e-15, "kl from the file overrides the name's 14");
    CHECK_REL(m.beta, 0.05, 1e-15, "beta from the file");
    CHECK_REL(m.params, 6.7e9, 1e-15, "params still parsed from the name");
    CHECK_STR(m.rm, "rm4_6b", "rm still parsed from the name");
    policy_meta_lookup(&map, "sup4_3b", &m);
    CHECK(m.method == METHOD_SUPERVISED && m.params == 2.7e9, "names not in the file are parsed");
    policy_meta_free(&map);

    struct {
        const char *text, *msg;
    } bad[] = {
        {"{\"policies\": {\n \"a\": {\n  \"method\": \"ppo\"}}}", "meta.json:3: policies.a.method: expected one of reference, pretrained, supervised, rl, best-of-n, other"},
        {"{\"a\": {\"kl\": \"ten\"}}", "meta.json:1: policies.a.kl: expected a finite number or null"},
        {"{\"a\": {\"params\": 1e400}}", "meta.json:1: policies.a.params: expected a finite number or null"},
        {"{\"a\": {\n\"params\": -5}}", "meta.json:2: policies.a.params: must be positive"},
        {"{\"a\": 3}", "meta.json:1: policies.a: expected an object of metadata"},
        {"{\"policies\": [1]}", "meta.json:1: policies: expected an object mapping policy names to metadata"},
        {"{\n\"a\": {,}}", "meta.json:2: a: at column 7: expected a key in double quotes, got ','"},
        {"{\"a\": {\"kl\": 1}, \"a\": {}}", "meta.json:1: a: at column 18: duplicate key (first at column 2)"},
        {"{\"policies\": {\"a\": {\"kl\": 1,\n \"kl\": 2}}}",
         "meta.json:2: policies.a.kl: at column 2: duplicate key (first at line 1, column 21)"},
        {"{\"ref\\uZZZZ-evil\": {}}", "meta.json:1: json: at column 6: invalid escape '\\uZZZZ' in a string (\\u takes four hex digits)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *q = t_write("meta.json", bad[i].text);
        char want[600];
        snprintf(want, sizeof want, "%s/%s", t_tmpdir(), bad[i].msg);
        CHECK(policy_meta_load(&map, q, &err) == -1, "bad meta %zu is rejected", i);
        CHECK_STR(err.msg, want, "meta error message");
    }
    CHECK(policy_meta_load(&map, t_tmpdir(), &err) == -1, "a directory is rejected");
    char want[600];
    snprintf(want, sizeof want, "%s: is a directory, expected the policy metadata (a JSON file)", t_tmpdir());
    CHECK_STR(err.msg, want, "meta directory message");
}
