/* test_lint.c — the lexicon lint's rule that paraphrases keep facts: the
 * alternatives of a {a|b} group state the same concepts, proper nouns and
 * counts, and the forms of a relation are synonyms. A tiny lexicon is
 * written twice, clean and with known bad alternatives and forms; the
 * built-in lexicon must have none. */
#include "tests/unit/test.h"
#include "common/strbuf.h"
#include "world/lexicon.h"
#include "world/lint.h"
#include "world/world.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The pieces that differ between the clean and the bad tiny lexicon. */
typedef struct {
    const char *mother_forms;   /* role.mother "forms" and "keys" */
    const char *neighbor_forms; /* rel.neighbor "forms" */
    const char *texts_post;     /* rel.cheated.texts "post" */
    const char *friends_post;   /* rel.cheated.friends "post" */
    const char *flew_post;      /* community.reunion.flew "post" */
} TinyParts;

static const TinyParts CLEAN = {
    "\"mother of two\"",
    "\"neighbor\", \"next-door neighbor\"",
    /* sentence starts and weekdays are not proper nouns; the own key may be
     * in one alternative when it is also outside the group */
    "\"{Yesterday|On Friday} I saw flirty texts on $his phone. {Luckily|Thankfully} I took screenshots.\", "
    "\"I saw flirty texts {on $his phone|and more flirty texts}.\"",
    "\"My friends noticed it {too|as well}.\"",
    "\"$His $rel2 {flew in|travelled} all the way from Australia.\"",
};

static const TinyParts BAD = {
    "\"mother of two\", \"mother of three\"",
    "\"neighbor\", \"neighbor from Texas\"",
    "\"I saw flirty texts {on $his phone|about the cheating}.\"",
    "\"{Two|Three} of my friends noticed it.\"",
    "\"$His $rel2 {flew in|travelled} all the way from {Australia|Canada}.\"",
};

/* The problems BAD must give, one line each, in any order. */
static const char *const BAD_LINES[] = {
    "role.mother: forms \"mother of two\" and \"mother of three\" differ in cardinal numbers (two / three): forms "
    "are swapped freely, so they must be synonyms (make another concept)",
    "rel.neighbor: forms \"neighbor\" and \"neighbor from Texas\" differ in proper nouns (none / Texas): forms are "
    "swapped freely, so they must be synonyms (make another concept)",
    "rel.cheated.texts post[0]: alternatives {on $his phone|about the cheating} differ in concepts named by keys "
    "(none / rel.cheated): a paraphrase must not change a fact",
    "rel.cheated.friends post[0]: alternatives {Two|Three} differ in cardinal numbers (two / three): a paraphrase "
    "must not change a fact",
    "community.reunion.flew post[0]: alternatives {Australia|Canada} differ in proper nouns (Australia / Canada): a "
    "paraphrase must not change a fact",
};

/* Writes the tiny lexicon to t_tmpdir()/name and loads it; 0 or -1. */
static int tiny_lexicon(const char *name, const TinyParts *tp, Lexicon *lx)
{
    char dir[512], file[600];
    snprintf(dir, sizeof dir, "%s/%s", t_tmpdir(), name);
    if (mkdir(dir, 0700) != 0)
        return -1;
    StrBuf b;
    sb_init(&b);
    sb_printf(&b,
              "{\"relations\": ["
              "{\"group\": \"partner\", \"id\": \"rel.boyfriend\", \"gender\": \"M\", \"age\": [0, 4],"
              " \"forms\": [\"boyfriend\", \"bf\"], \"keys\": [\"boyfriend\", \"bf\"]},"
              /* an all-capital form is an abbreviation, not a proper noun */
              "{\"group\": \"friend\", \"id\": \"rel.bestfriend\", \"gender\": \"any\", \"age\": [-2, 2],"
              " \"forms\": [\"best friend\", \"BFF\"], \"keys\": [\"best friend\", \"bff\"]},"
              "{\"group\": \"home\", \"id\": \"rel.neighbor\", \"gender\": \"any\", \"age\": [-10, 25],"
              " \"forms\": [%s], \"keys\": [\"neighbor\"]},"
              "{\"group\": \"subject\", \"id\": \"role.nurse\", \"gender\": \"any\", \"age\": [24, 60],"
              " \"forms\": [\"nurse\"], \"keys\": [\"nurse\"]},"
              "{\"group\": \"subject\", \"id\": \"role.mother\", \"gender\": \"F\", \"age\": [25, 45],"
              " \"forms\": [%s], \"keys\": [%s]}],"
              /* a place's forms are all its names */
              "\"places\": {\"tldr\": [{\"id\": \"place.philadelphia\", \"forms\": [\"Philadelphia\", \"Philly\"]}],"
              " \"news\": [{\"id\": \"place.leeds\", \"forms\": [\"Leeds\"]}]},"
              "\"intros\": {\"partner\": [\"My $rel ($rage$rg) and I ($age$g) have been together for $dur.\"]},"
              "\"openers\": [\"Long time lurker, first time poster.\"],"
              "\"closers\": [\"Thanks for reading.\"],"
              "\"fillers\": [\"I don't even know how to feel right now.\"],"
              "\"news_fillers\": [\"Residents described the area as {close-knit|quiet and friendly}.\"],"
              "\"connectors\": {\"tldr\": [\"Also, \"], \"news\": [\"Reports said \"]},"
              "\"distractors\": {\"tldr\": [], \"news\": []},"
              "\"jokes\": [\"lol\"], \"sites\": [\"cnn\"]}\n",
              tp->neighbor_forms, tp->mother_forms, tp->mother_forms);
    snprintf(file, sizeof file, "%s/common.json", name);
    t_write(file, sb_str(&b));
    sb_clear(&b);
    sb_printf(&b,
              "{\"domain\": \"tldr\", \"sections\": [{\"name\": \"relationships\", \"weight\": 1,"
              " \"asks\": [{\"id\": \"rel.ask.breakup\", \"keys\": [\"break up\"], \"weight\": 1,"
              "  \"post\": [\"Should I break up with $him?\"], \"summary\": [\"should I break up with $him?\"]}],"
              " \"events\": [{\"id\": \"rel.cheated\", \"person\": \"partner\", \"keys\": [\"cheated\", \"cheating\"],"
              "  \"weight\": 1,"
              "  \"post\": [\"I found out that my $rel {cheated on me|has been cheating on me}.\"],"
              "  \"summary\": [\"my $rel cheated on me\"], \"title\": [\"My $rel cheated on me\"],"
              "  \"asks\": [\"rel.ask.breakup\"],"
              "  \"details\": ["
              "   {\"id\": \"rel.cheated.texts\", \"keys\": [\"flirty texts\"], \"weight\": [1, 2], \"value\": \"none\","
              "    \"post\": [%s], \"summary\": [\"I saw flirty texts from $him\"]},"
              "   {\"id\": \"rel.cheated.friends\", \"keys\": [\"friends noticed\"], \"weight\": [1, 2],"
              "    \"value\": \"none\", \"post\": [%s], \"summary\": [\"my friends noticed it\"]}]}]}]}\n",
              tp->texts_post, tp->friends_post);
    snprintf(file, sizeof file, "%s/tldr_tiny.json", name);
    t_write(file, sb_str(&b));
    sb_clear(&b);
    sb_printf(&b,
              "{\"domain\": \"news\", \"sections\": [{\"name\": \"community\", \"weight\": 1,"
              " \"events\": [{\"id\": \"community.reunion\", \"person\": \"subject\", \"keys\": [\"reunited\"],"
              "  \"weight\": 1, \"value\": \"place\","
              "  \"post\": [\"A $rage-year-old $rel from $place has been reunited with $his {beloved|much-loved} cat.\"],"
              "  \"summary\": [\"$rel, $rage, was reunited with $his cat\"], \"title\": [\"$rel reunited with cat\"],"
              "  \"details\": ["
              "   {\"id\": \"community.reunion.flew\", \"keys\": [\"all the way from\"], \"weight\": [1, 2],"
              "    \"value\": \"none\", \"with\": \"partner\", \"post\": [%s],"
              "    \"summary\": [\"$His $rel2 came all the way from Australia\"]},"
              "   {\"id\": \"community.reunion.microchip\", \"keys\": [\"microchip\"], \"weight\": [1, 2],"
              "    \"value\": \"none\","
              "    \"post\": [\"A vet {identified the cat from its microchip|scanned the cat's microchip}.\"],"
              "    \"summary\": [\"A vet found the microchip\"]}]}]}]}\n",
              tp->flew_post);
    snprintf(file, sizeof file, "%s/news_tiny.json", name);
    t_write(file, sb_str(&b));
    sb_free(&b);
    TlError err;
    if (lexicon_load_dir(lx, dir, &err) != 0) {
        printf("  %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Static lint of lx (no round trip); messages into msgs. */
static size_t lint_static(const Lexicon *lx, StrBuf *msgs)
{
    WorldConfig c;
    world_config_default(&c);
    return world_lint(lx, &c, 0, msgs);
}

void test_lint_alternatives_keep_facts(void)
{
    Lexicon lx;
    StrBuf msgs;
    sb_init(&msgs);
    CHECK_INT(tiny_lexicon("lint_clean", &CLEAN, &lx), 0, "the clean tiny lexicon loads");
    if (t_fails) {
        sb_free(&msgs);
        return;
    }
    size_t n = lint_static(&lx, &msgs);
    CHECK(n == 0, "clean tiny lexicon: expected 0 problems, got %zu:\n%s", n, sb_str(&msgs));
    lexicon_free(&lx);

    sb_clear(&msgs);
    CHECK_INT(tiny_lexicon("lint_bad", &BAD, &lx), 0, "the bad tiny lexicon loads");
    if (t_fails) {
        sb_free(&msgs);
        return;
    }
    n = lint_static(&lx, &msgs);
    size_t want = sizeof BAD_LINES / sizeof BAD_LINES[0];
    CHECK(n == want, "bad tiny lexicon: expected %zu problems, got %zu:\n%s", want, n, sb_str(&msgs));
    for (size_t k = 0; k < want; k++) {
        char line[512];
        snprintf(line, sizeof line, "%s\n", BAD_LINES[k]);
        CHECK(strstr(sb_str(&msgs), line) != NULL, "bad tiny lexicon: expected the problem\n      %s\n    got\n%s",
              BAD_LINES[k], sb_str(&msgs));
    }
    lexicon_free(&lx);
    sb_free(&msgs);
}

void test_lint_builtin_keeps_facts(void)
{
    Lexicon lx;
    TlError err;
    CHECK_INT(lexicon_load_builtin(&lx, &err), 0, "the built-in lexicon loads");
    if (t_fails) {
        printf("  %s\n", err.msg);
        return;
    }
    StrBuf msgs;
    sb_init(&msgs);
    size_t n = lint_static(&lx, &msgs);
    CHECK(n == 0, "built-in lexicon, static lint: expected 0 problems, got %zu:\n%.4000s", n, sb_str(&msgs));
    sb_free(&msgs);
    lexicon_free(&lx);
}
