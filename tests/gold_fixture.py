#!/usr/bin/env python3
"""tests/gold_fixture.py OUT — a small hand-made experiment for the report's
gold-judge outputs (tests/gold.sh): two model sizes, each with a supervised
policy, PPO at four KLs and best-of-N at three N, compared with the
reference by labelers (OUT/cmp.jsonl) and by the gold judge
(OUT/gold.jsonl, plus five labeler records the report must ignore there),
with meta.json, rm_scores.csv and a judge.json whose penalties grow with KL.
The preferences are set here, so the test knows every expected number."""
import json, math, os, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
POSTS = 60
SIZES = {"a": 1_000_000, "b": 4_000_000}
PPO_KL = [0.5, 2, 6, 15]
BON_N = [2, 8, 32]


def lab_pref(kl):  # labelers: peak at KL 6 of the PPO series
    d = math.sqrt(kl)
    return 0.4 + 0.2 * d - 0.045 * d * d


def gold_pref(kl):  # gold: peak at KL 2
    d = math.sqrt(kl)
    return 0.45 + 0.2 * d - 0.06 * d * d


policies = {}  # name -> (meta, labelers' wins, gold wins)
for s, params in SIZES.items():
    policies["sup_" + s] = ({"method": "supervised", "params": params}, 0.30, 0.35)
    for kl in PPO_KL:
        policies["ppo_%s_kl%g" % (s, kl)] = ({"method": "rl", "params": params, "kl": kl, "rm": "rm_" + s},
                                            lab_pref(kl), gold_pref(kl))
    for n in BON_N:
        kl = math.log(n) - (n - 1) / n
        policies["bon_%s_n%d" % (s, n)] = ({"method": "best-of-n", "params": params, "kl": kl, "n": n,
                                            "rm": "rm_" + s}, lab_pref(kl) - 0.02, gold_pref(kl) - 0.02)


def record(post, pol, text, ref_text, wins, worker, batch):
    info = {"id": "t3_p%03d" % post, "post": "Post %d: a story about a cat, a dog and %d friends." % (post, post),
            "title": "Post %d" % post, "subreddit": "pets"}
    pair = [{"text": text, "policy": pol, "note": None}, {"text": ref_text, "policy": "ref", "note": None}]
    first = post % 2  # the order shown alternates
    if first:
        pair.reverse()
    choice = (0 if not first else 1) if wins else (1 if not first else 0)
    return {"info": info, "split": "valid2", "summaries": pair, "choice": choice, "worker": worker, "batch": batch,
            "extra": {"confidence": 7 if choice else 3}}


counts = {}
with open(os.path.join(out, "cmp.jsonl"), "w") as fc, open(os.path.join(out, "gold.jsonl"), "w") as fg:
    for name, (meta, lp, gp) in policies.items():
        lw, gw = round(lp * POSTS), round(gp * POSTS)
        counts[name] = {"labelers": lw, "gold": gw}
        for post in range(POSTS):
            # lengths vary with the post so that the length-controlled fit has something to fit
            text = " ".join(["cat"] * (8 + post % 7) + [name])
            ref = " ".join(["dog"] * (10 + post % 5))
            fc.write(json.dumps(record(post, name, text, ref, post < lw, "w%d" % (post % 4), "fixture")) + "\n")
            fg.write(json.dumps(record(post, name, text, ref, post < gw, "gold", "gold_fixture")) + "\n")
    for post in range(5):  # labeler records in the gold file: the report keeps only worker gold
        fg.write(json.dumps(record(post, "ppo_a_kl2", "cat cat", "dog dog", False, "w1", "gold_fixture")) + "\n")

json.dump({"policies": {k: v[0] for k, v in policies.items()}}, open(os.path.join(out, "meta.json"), "w"), indent=1)
json.dump(counts, open(os.path.join(out, "counts.json"), "w"), indent=1)

with open(os.path.join(out, "rm_scores.csv"), "w") as f:
    f.write("policy,post_id,rm_policy,rm_ref\n")
    for name, (meta, _, _) in policies.items():
        for post in range(10):
            f.write("%s,t3_p%03d,%.6f,%.6f\n" % (name, post, 0.3 * math.sqrt(meta.get("kl", 0)) + 0.01 * post, 0.2))

PEN = ["lost_length", "lost_invented", "lost_contradicted", "lost_repetition", "lost_truncation", "lost_incoherent"]
rows = []
for name, (meta, _, _) in list(policies.items()) + [("ref", ({}, 0, 0))]:
    kl = meta.get("kl", 0)
    lost = [0.01 * kl, 0.004 * kl, 0.002 * kl, 0.003 * kl, 0.001 * kl, 0.005 * kl]
    ceiling = 0.8 - 0.002 * kl
    row = {"dataset": "tldr", "policy": name, "n": POSTS, "overall": ceiling - sum(lost), "overall_se": 0.01,
           "accuracy": 0.9, "coverage": 0.6, "coherence": 0.8, "words": 12, "invented": 0.1, "contradicted": 0.0,
           "truncated": 0.0, "copied": 0.2, "ceiling": ceiling}
    row.update(dict(zip(PEN, lost)))
    rows.append(row)
json.dump({"samples": len(rows) * POSTS, "world": "fixture", "policies": rows},
          open(os.path.join(out, "judge.json"), "w"), indent=1)
