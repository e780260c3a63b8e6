#!/usr/bin/env python3
"""Makes the small fixtures in tests/data from tldrlab's example generator.

Run from the project root (not part of `make test`; the fixtures are committed):
    bin/tldrlab example --posts 30 --articles 12 --workers 6 --seed 11 --out /tmp/tlfix --quiet
    python3 tests/reference/make_fixtures.py /tmp/tlfix

Post and article texts are shortened to keep the fixtures small; summaries,
policies, choices, workers and splits are kept as generated.
"""
import json, sys, os

src = sys.argv[1]
out = os.path.join(os.path.dirname(__file__), "..", "data")

def shorten(rec):
    info = rec["info"]
    for k in ("post", "article"):
        if k in info:
            info[k] = info[k][:80]
    return rec

for sub, name, dst in [("comparisons", "tldr.json", "cmp_tldr.jsonl"),
                       ("comparisons", "news.json", "cmp_news.jsonl"),
                       ("axis_evals", "tldr.json", "axis_tldr.jsonl"),
                       ("axis_evals", "news.json", "axis_news.jsonl")]:
    with open(os.path.join(src, sub, name)) as f, open(os.path.join(out, dst), "w") as g:
        n = 0
        for line in f:
            rec = shorten(json.loads(line))
            if sub == "axis_evals" and rec["info"].get("post") is not None and n >= 200:
                continue
            g.write(json.dumps(rec) + "\n")
            n += 1
        print(dst, n)
