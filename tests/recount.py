#!/usr/bin/env python3
"""tests/recount.py — values the shell suites check, recounted here from the
inputs in plain Python, apart from the C code under test (issue 14). Each
action exits 0 when the program's output agrees, else prints what it
expected and what it got and exits 1 (the heads print a line to compare).

  recount.py winrate CSV [--split S] [--baseline B] RECORDS...
      each policy's n and wins against B (default ref) in winrate's CSV
  recount.py agreement-head [--split S] RECORDS...
      prints "split S, N comparisons by W workers, P distinct pairs"
  recount.py workers CSV [--expert NAME] RECORDS...
      agreement's CSV: one row per worker but the expert, with its labels
  recount.py world DIR CONFIG
      a generated world: the files, the configured documents per split, a
      fact line per document, no id twice
  recount.py samples WORLD POLICY SAMPLES [--from D/S,...]
      samples of POLICY: one per document of D/S (default tldr/valid2,
      news/test: what baseline and sample read), in the world's order, and
      for the baselines ref, title, lead3 and random-sentence their texts
  recount.py probes WORLD SAMPLES
      the eight probes (docs/world.md, Probes) of every such document
  recount.py compare RECORDS JUDGED A B LABELS
      label compare: per document, A's and B's texts, LABELS workers, and
      with --gold (JUDGED not -) gold's choice the sample the judge's JSON
      lines score higher (none on a tie)
  recount.py rate WORLD AXIS SAMPLES...
      label rate: one axis eval per sample, the document as info, 1-7 on
      the four axes
  recount.py judge-csv CSV JSONL
      world judge's CSV holds the JSON lines' values, row for row
  recount.py gpt-params L C T V [scalar]
      prints GPT-2's parameter count (llm.c's table: V*C + T*C +
      L*(12*C*C + 13*C) + 2*C, and C + 1 for a scalar head)
  recount.py ckpt FILE [KEY=JSON...] [--get KEY]
      a checkpoint's header (TLDRGPT\0, version 2, length, JSON) decoded
      here: params the sum of its tensors' sizes, each KEY equal to JSON;
      --get prints one key's value
  recount.py meta FILE NAME [KEY=JSON | KEY~NUMBER...]
      a stage's meta.json: the one policy NAME, each KEY equal to JSON
      (~: within 1e-6 relative)

Splits as the analysis commands scope them: without --split, valid2, and
for news also test; all is every split; any other name that split alone."""
import csv
import json
import os
import sys
from collections import Counter, defaultdict

PROBES = ["probe_keylist", "probe_ref_keylist", "probe_ref_padded", "probe_ref_repeated",
          "probe_allfacts", "probe_allfacts_long", "probe_ref_numbers", "probe_ref_negated"]
AXES = ["overall", "accuracy", "coverage", "coherence"]


def fail(what, want, got):
    sys.exit(f"{what}: expected {want}, got {got}")


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dataset(rec):
    return "news" if "article" in rec["info"] else "tldr"


DEFAULT_SPLIT = "valid2; news: valid2 or test"  # no --split, as the programs say it


def in_scope(rec, split):
    if split == "all":
        return True
    if split == DEFAULT_SPLIT:
        return rec["split"] in (("valid2", "test") if dataset(rec) == "news" else ("valid2",))
    return rec["split"] == split


def options(args, **defaults):
    """--name VALUE pairs into a dict over defaults; the rest positional."""
    opts, rest = dict(defaults), []
    while args:
        a = args.pop(0)
        if a.startswith("--"):
            opts[a[2:]] = args.pop(0)
        else:
            rest.append(a)
    return opts, rest


def records(paths, split):
    return [r for p in paths for r in jsonl(p) if in_scope(r, split)]


def winrate(args):
    o, (table, *paths) = options(args, split=DEFAULT_SPLIT, baseline="ref")
    n, w = Counter(), Counter()
    for r in records(paths, o["split"]):
        p = [s["policy"] for s in r["summaries"]]
        if o["baseline"] not in p or p[0] == p[1]:
            continue
        other = 1 - p.index(o["baseline"])
        n[p[other]] += 1
        w[p[other]] += r["choice"] == other
    with open(table, newline="") as f:
        got = {x["policy"]: (int(x["n"]), int(x["wins"])) for x in csv.DictReader(f)}
    want = {k: (n[k], w[k]) for k in n}
    if got != want:
        fail("n and wins per policy", {k: want.get(k) for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)},
             {k: got.get(k) for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)})


def pair_key(r):
    """A post with the same two summaries in either order; a post without
    an id is known by its title and text (as analysis/records.c does)."""
    i = r["info"]
    post = i.get("id") or (i.get("title", ""), i.get("post") or i["article"])
    return (post, frozenset((s["policy"], s["text"]) for s in r["summaries"]))


def agreement_head(args):
    o, paths = options(args, split=DEFAULT_SPLIT)
    rs = records(paths, o["split"])
    print(f"split {o['split']}, {len(rs)} comparisons by {len({r['worker'] for r in rs})} workers, "
          f"{len({pair_key(r) for r in rs})} distinct pairs")


def workers(args):
    o, (table, *paths) = options(args, split=DEFAULT_SPLIT, expert="")
    labels = Counter(r["worker"] for r in records(paths, o["split"]) if r["worker"] != o["expert"])
    with open(table, newline="") as f:
        got = {x["worker"]: int(x["labels"]) for x in csv.DictReader(f)}
    if got != dict(labels):
        fail("a row per worker but the expert, with its labels",
             f"{len(labels)} workers {sorted(labels.items())[:3]}...", f"{len(got)} {sorted(got.items())[:3]}...")


def world(args):
    root, config = args
    splits = json.load(open(config))["world"]["splits"]
    want = sorted([f"{d}/{s}.jsonl" for d in splits for s in splits[d] if splits[d][s]] +
                  ["facts.jsonl", "world.json", "lexicon.json"])
    got = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
    if got != want:
        fail("the files", want, got)
    ids = []
    for d in splits:
        for s, k in splits[d].items():
            if k:
                docs = jsonl(f"{root}/{d}/{s}.jsonl")
                if len(docs) != k:
                    fail(f"{d}/{s}.jsonl", f"{k} documents", len(docs))
                ids += [x["id"] for x in docs]
    if len(set(ids)) != len(ids):
        fail("document ids", "no id twice", f"{len(ids) - len(set(ids))} repeated")
    facts = len(jsonl(f"{root}/facts.jsonl"))
    if facts != len(ids):
        fail("facts.jsonl", f"a line per document ({len(ids)})", facts)


def documents(root):
    """(dataset, split, document) of tldr valid2 then news test: what baseline reads by default."""
    return [(d, s, x) for d, s in (("tldr", "valid2"), ("news", "test")) for x in jsonl(f"{root}/{d}/{s}.jsonl")]


def gpt_params(args):
    L, C, T, V = (int(a) for a in args[:4])
    print(V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C + (C + 1 if args[4:] == ["scalar"] else 0))


def ckpt(args):
    o, (path, *want) = options(args, get="")
    with open(path, "rb") as f:
        magic, version, n = f.read(8), int.from_bytes(f.read(4), "little"), int.from_bytes(f.read(4), "little")
        if magic != b"TLDRGPT\0" or version != 2:
            fail(path, "TLDRGPT\\0 and version 2", (magic, version))
        head = json.loads(f.read(n))
    size = 0
    for t in head["tensors"]:
        k = 1
        for d in t["shape"]:
            k *= d
        size += k
    if head["params"] != size:
        fail(f"{path}: params", f"the tensors' {size}", head["params"])
    if o["get"]:
        print(head[o["get"]])
    for kv in want:
        k, v = kv.split("=", 1)
        if head.get(k) != json.loads(v):
            fail(f"{path}: {k}", v, json.dumps(head.get(k)))


def meta(args):
    path, name, *want = args
    pols = json.load(open(path))["policies"]
    if list(pols) != [name]:
        fail(f"{path}: the policies", [name], list(pols))
    for kv in want:
        k, op, v = kv.partition("~") if "~" in kv.split("=")[0] else kv.partition("=")
        got = pols[name].get(k)
        same = (isinstance(got, (int, float)) and abs(got - float(v)) <= 1e-6 * max(1, abs(float(v))) if op == "~"
                else got == json.loads(v))
        if not same:
            fail(f"{path}: {name}.{k}", v, json.dumps(got))


def words(t):
    return " ".join(t.split())


def samples(args):
    o, (root, kind, path) = options(args, **{"from": "tldr/valid2,news/test"})
    docs = [(d, s, x) for ds in o["from"].split(",") for d, s in [ds.split("/")]
            for x in jsonl(f"{root}/{d}/{s}.jsonl")]
    got = jsonl(path)
    if [(x["id"], kind, s, d) for d, s, x in docs] != [(r["id"], r["policy"], r["split"], r["dataset"]) for r in got]:
        fail(f"{kind}: id, policy, split and dataset", f"each of the {len(docs)} documents in order, policy {kind}",
             f"{len(got)} samples, the first {got[:1]}")
    for (d, s, x), r in zip(docs, got):
        body = x.get("post") or x["article"]
        if kind not in ("ref", "title", "lead3", "random-sentence"):
            if not isinstance(r["text"], str):
                fail(f"{kind}: the text of {x['id']}", "a string", r["text"])
            continue
        want = {"ref": lambda: r["text"] == (x["summary"] if d == "tldr" else x["highlights"]),
                "title": lambda: r["text"] == x["title"],
                "lead3": lambda: words(body).startswith(words(r["text"])),
                "random-sentence": lambda: r["text"] in body}[kind]
        if not want():
            fail(f"{kind}: the text of {x['id']}", {"ref": "the reference", "title": "the title",
                 "lead3": "the document's start", "random-sentence": "a sentence of the document"}[kind], r["text"])


def probes(args):
    root, path = args
    want = Counter((x["id"], p) for _, _, x in documents(root) for p in PROBES)
    got = Counter((r["id"], r["policy"]) for r in jsonl(path))
    if got != want:
        fail("the eight probes of each document, once", f"{len(want)} samples",
             f"{sum(got.values())}, differing in {len(set(got.items()) ^ set(want.items()))}")


def compare(args):
    path, judged, a, b, k = args
    score = {(r["id"], r["policy"]): r["overall"] for r in jsonl(judged)} if judged != "-" else {}
    text = {(r["id"], r["policy"]): r["text"] for s in (a, b) for r in jsonl(s)}
    pa, pb = jsonl(a)[0]["policy"], jsonl(b)[0]["policy"]
    labels, gold = defaultdict(list), {}
    for r in jsonl(path):
        i = r["info"]["id"]
        got = sorted((s["policy"], s["text"]) for s in r["summaries"])
        if got != sorted([(pa, text[(i, pa)]), (pb, text[(i, pb)])]) or r["choice"] not in (0, 1):
            fail(f"the record of {i}", f"{pa} and {pb} with their texts and a choice 0 or 1", r)
        if r["worker"] == "gold":
            gold[i] = r["summaries"][r["choice"]]["policy"]
        else:
            labels[i].append(r["worker"])
    ids = {i for i, _ in text}
    if judged == "-" and gold:
        fail("gold's choices", "none (no --gold)", len(gold))
    if set(labels) != ids or any(len(set(w)) != len(w) or len(w) != int(k) for w in labels.values()):
        fail("labels", f"{k} distinct workers on each of the {len(ids)} documents",
             Counter(len(set(w)) for w in labels.values()))
    for i in ids if judged != "-" else []:
        sa, sb = score[(i, pa)], score[(i, pb)]
        want = None if sa == sb else pa if sa > sb else pb
        if gold.get(i) != want:
            fail(f"gold's choice on {i} (judge overall {pa} {sa}, {pb} {sb})", want, gold.get(i))


def rate(args):
    root, path, *sample_files = args
    docs = {x["id"]: (s, x) for d in ("tldr", "news") for s in ("train", "valid1", "valid2", "test")
            if os.path.exists(f"{root}/{d}/{s}.jsonl") for x in jsonl(f"{root}/{d}/{s}.jsonl")}
    want = Counter((r["id"], r["policy"], r["text"]) for p in sample_files for r in jsonl(p))
    got = Counter()
    for r in jsonl(path):
        s = r["summary"]
        got[(r["info"]["id"], s["policy"], s["text"])] += 1
        split, doc = docs[r["info"]["id"]]
        if r["split"] != split or any(doc[k] != v for k, v in r["info"].items()) or len(r["info"]) != len(doc) - 1:
            fail(f"the info and split of {r['info']['id']}", "the world's document and split", (r["split"], list(r["info"])))
        if list(s["axes"]) != AXES or any(type(v) is not int or not 1 <= v <= 7 for v in s["axes"].values()):
            fail(f"the axes of {r['info']['id']} {s['policy']}", f"{AXES} each 1-7", s["axes"])
    if got != want:
        fail("one axis eval per sample", f"{sum(want.values())}", f"{sum(got.values())}, differing in {len(set(got.items()) ^ set(want.items()))}")


def judge_csv(args):
    table, path = args
    lines = jsonl(path)
    with open(table, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(lines):
        fail("rows", len(lines), len(rows))
    for n, (row, j) in enumerate(zip(rows, lines), 2):
        for k, c in row.items():
            v = j["lost"][k[5:]] if k.startswith("lost_") else j[k]
            same = c == str(v) if isinstance(v, str) else float(c) == float(v)
            if not same:
                fail(f"{table}:{n} {k}", v, c)


ACTIONS = {"winrate": winrate, "agreement-head": agreement_head, "workers": workers, "world": world,
           "samples": samples, "probes": probes, "compare": compare, "rate": rate, "judge-csv": judge_csv,
           "gpt-params": gpt_params, "ckpt": ckpt, "meta": meta}
if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ACTIONS:
        sys.exit("usage: recount.py " + "|".join(ACTIONS) + " ARGS... (see the header)")
    ACTIONS[sys.argv[1]](sys.argv[2:])
