#!/usr/bin/env python3
"""Win rates on the fixture, independently of tldrlab: the counts in
tests/unit/test_stats.c (test_winrate_fixture) and the per-comparison rows
that tests/reference/bootstrap.R resamples.

    python3 tests/reference/winrate_fixture.py tests/data/cmp_tldr.jsonl valid2 ref
    python3 tests/reference/winrate_fixture.py tests/data/cmp_tldr.jsonl valid2 ref --csv > /tmp/wr.csv

For every comparison in the split with exactly one summary by the baseline:
the other policy p, the post (info.id), win = 1 if p's summary was chosen,
llr = log((words_p + 1) / (words_base + 1)) with words = len(str.split()).
Printed per policy: n, wins, mean llr (repr), distinct posts.
"""
import csv, json, math, sys

path, split, base = sys.argv[1:4]
rows = []
for line in open(path):
    if not line.strip():
        continue
    r = json.loads(line)
    if r["split"] != split:
        continue
    s = r["summaries"]
    pol = [x["policy"] for x in s]
    if pol.count(base) != 1:
        continue
    kb = pol.index(base)
    kp = 1 - kb
    words = [len(x["text"].split()) for x in s]
    rows.append((pol[kp], r["info"]["id"], int(r["choice"] == kp), math.log((words[kp] + 1) / (words[kb] + 1))))
if "--csv" in sys.argv:
    w = csv.writer(sys.stdout)
    w.writerow(["policy", "post", "win", "llr"])
    for row in rows:
        w.writerow([row[0], row[1], row[2], repr(row[3])])
else:
    order = []
    for row in rows:
        if row[0] not in order:
            order.append(row[0])
    for p in order:
        mine = [row for row in rows if row[0] == p]
        print(p, len(mine), sum(row[2] for row in mine), repr(sum(row[3] for row in mine) / len(mine)),
              len(set(row[1] for row in mine)))
