#!/usr/bin/env python3
"""Flattens released-format fixtures into CSV for R, independently of tldrlab.

    python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref > /tmp/design.csv
    python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref chars > /tmp/design_chars.csv
    python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref none > /tmp/design_bt.csv
    python3 tests/reference/flatten.py axis tests/data/axis_tldr.jsonl tests/data/axis_news.jsonl > /tmp/axis.csv

cmp: the lengthctl design: y = 1 if summaries[0] was chosen, x = log((len0+1)/(len1+1))
     with len in words (the default: len(str.split())) or chars (len(str.strip()), Unicode
     code points), or no x column at all for unit "none" (Bradley-Terry, winrate --pairwise);
     then one column per non-baseline policy in order of first
     appearance: +1 if it wrote summaries[0], -1 if summaries[1], 0 otherwise (0 when both).
axis: one row per rating: dataset (tldr/news), split, policy, chars (len of the stripped text),
     overall, accuracy, coverage, coherence (NA when null).
"""
import csv, json, math, sys

LENGTH = {"words": lambda t: len(t.split()), "chars": lambda t: len(t.strip())}

def cmp(path, split, base, unit):
    rows, pols = [], []
    for line in open(path):
        if not line.strip():
            continue
        r = json.loads(line)
        if split != "all" and r["split"] != split:
            continue
        s = r["summaries"]
        for x in s:
            if x["policy"] != base and x["policy"] not in pols:
                pols.append(x["policy"])
        rows.append(r)
    w = csv.writer(sys.stdout)
    w.writerow(["y"] + (["x"] if unit != "none" else []) + pols)
    for r in rows:
        s = r["summaries"]
        a, b = s[0]["policy"], s[1]["policy"]
        x = []
        if unit != "none":
            n = LENGTH[unit]
            x = [repr(math.log((n(s[0]["text"]) + 1) / (n(s[1]["text"]) + 1)))]
        ind = []
        for p in pols:
            v = 0
            if a != b:
                v = (1 if a == p else 0) - (1 if b == p else 0)
            ind.append(v)
        w.writerow([1 if r["choice"] == 0 else 0] + x + ind)

def axis(paths):
    w = csv.writer(sys.stdout)
    w.writerow(["dataset", "split", "policy", "chars", "overall", "accuracy", "coverage", "coherence"])
    for path in paths:
        for line in open(path):
            if not line.strip():
                continue
            r = json.loads(line)
            ds = "tldr" if "post" in r["info"] else "news"
            s = r["summary"]
            ax = s["axes"]
            w.writerow([ds, r["split"], s["policy"], len(s["text"].strip())] +
                       ["NA" if ax.get(k) is None else ax[k] for k in
                        ("overall", "accuracy", "coverage", "coherence")])

if sys.argv[1] == "cmp":
    cmp(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else "words")
else:
    axis(sys.argv[2:])
