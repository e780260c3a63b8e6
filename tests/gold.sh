#!/usr/bin/env bash
# tests/gold.sh — the report's gold-judge outputs on a hand-made experiment
# (tests/gold_fixture.py: two model sizes, PPO at four KLs and best-of-N at
# three N, the labelers' and the gold judge's comparisons with the
# reference, RM scores and a judge summary, every preference set by the
# fixture): gold win rates apart from the labelers', Figure 1's gold panel,
# the over-optimization figure's panels, fits and gold drop. Prints
# "gold: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"

G=$tmp/gfx
python3 tests/gold_fixture.py "$G"
run $T report --out "$G/rep" --bootstrap 100 --comparisons "$G/cmp.jsonl" --gold "$G/gold.jsonl" \
  --meta "$G/meta.json" --rm-scores "$G/rm_scores.csv" --judge "$G/judge.json"
check "report --gold: exit 0" test "$rc" = 0
# col FILE COLUMN [POLICY]: a CSV column, one value per line (of POLICY's rows)
col() { python3 -c 'import csv, sys; print("\n".join(r[sys.argv[2]] for r in csv.DictReader(open(sys.argv[1])) if len(sys.argv) < 4 or r["policy"] == sys.argv[3]))' "$@"; }

# gold win rates: the fixture's counts, worker gold only, and never in the labelers' table
check "gold win rates: each policy's wins and n are the fixture's gold counts (n 60: its five labeler records left out)" python3 -c '
import csv, json, sys
want = json.load(open(sys.argv[1]))
got = {r["policy"]: (int(r["wins"]), int(r["n"])) for r in csv.DictReader(open(sys.argv[2]))}
exp = {p: (c["gold"], 60) for p, c in want.items()}
assert got == exp, "expected %s, got %s" % (exp, got)' "$G/counts.json" "$G/rep/tables/tldr_gold_winrate.csv"
check "labelers' win rates: the labelers' counts, no gold record among them" python3 -c '
import csv, json, sys
want = json.load(open(sys.argv[1]))
got = {r["policy"]: (int(r["wins"]), int(r["n"])) for r in csv.DictReader(open(sys.argv[2]))}
exp = {p: (c["labelers"], 60) for p, c in want.items()}
assert got == exp, "expected %s, got %s" % (exp, got)' "$G/counts.json" "$G/rep/tables/tldr_winrate.csv"
check "labeler agreement: worker gold is not among the labelers" test -z "$(grep -w '"gold"' "$G/rep/tables/agreement.csv")"

# Figure 1: a gold panel whose points are the gold win rates
check "fig1: three panels (raw, length-controlled, gold)" test "$(grep -c '^ *set multiplot layout 1,3$' "$G/rep/figures/fig1-tldr.gp") $(grep -c 'title "Preferred by the gold judge' "$G/rep/figures/fig1-tldr.gp")" = "1 1"
check "fig1: the gold columns hold every drawn policy's gold win rate (1e-12)" python3 -c '
import csv, json, sys
want = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
bad = [(r["policy"], r["gold_win_rate"]) for r in rows if abs(float(r["gold_win_rate"] or "nan") - want[r["policy"]]["gold"] / 60) > 1e-12]
assert rows and not bad, "expected gold_win_rate = gold wins / 60; got %s" % bad' "$G/counts.json" "$G/rep/figures/fig1-tldr.csv"

# over-optimization: one panel per size, gold and RM curves, peaks, fits
oo=$G/rep/figures/overopt-tldr
check "overopt: one panel per size (2 sizes: layout 1,2 and 2 plots)" test "$(grep -c '^ *set multiplot layout 1,2 ' "$oo.gp") $(grep -c '^ *plot ' "$oo.gp") $(col "$oo.csv" panel | sort -u | tr '\n' ' ')" = "1 2 1M 4M "
check "overopt: gold preference of ppo_a_kl2 is the fixture's (37/60)" test "$(col "$oo.csv" gold_win_rate ppo_a_kl2)" = "$(python3 -c 'print(repr(37/60))')"
check "overopt: the gold peak is at KL 2, the labelers' at KL 6 (PPO, both sizes)" test "$(python3 -c '
import csv, sys
r = [x for x in csv.DictReader(open(sys.argv[1])) if x["method"] == "rl"]
print(" ".join(x["policy"] for x in r if x["gold_peak"] == "1"), "/", " ".join(x["policy"] for x in r if x["peak"] == "1"))' "$oo.csv")" = "ppo_a_kl2 ppo_b_kl2 / ppo_a_kl6 ppo_b_kl6"
check "overopt: best-of-N's KL is log N - (N-1)/N (1e-12)" python3 -c '
import csv, math, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["method"] == "best-of-n":
        n = int(r["policy"].rsplit("_n", 1)[1]); want = math.log(n) - (n - 1) / n
        assert abs(float(r["kl"]) - want) < 1e-12, (r["policy"], want, r["kl"])' "$oo.csv"
check "overopt: a fitted curve per series for the labelers and gold (2 sizes x 2 methods x 2 = 8 lines)" test "$(grep -c '^ *\[x=[0-9.e+-]*:[0-9.e+-]*\] ' "$oo.gp")" = 8
# the fits: least squares on the preference minus the supervised policy's, recomputed here
check "overopt fits: alpha and beta are the least-squares fit of the plotted points (1e-9)" python3 -c '
import csv, math, sys
pts = list(csv.DictReader(open(sys.argv[1])))
sft = {"labelers": 18 / 60, "gold": 21 / 60}
fits = list(csv.DictReader(open(sys.argv[2])))
seen = 0
for f in fits:
    if f["source"] not in sft:
        continue
    rows = [r for r in pts if r["panel"] == f["size"] and r["method"] == f["method"]]
    col = "win_rate" if f["source"] == "labelers" else "gold_win_rate"
    d = [math.sqrt(float(r["kl"])) for r in rows]
    g = [x * x if f["method"] == "best-of-n" else x * math.log(x) for x in d]
    y = [float(r[col]) - sft[f["source"]] for r in rows]
    # normal equations of y = a d - b g
    sdd = sum(a * a for a in d); sgg = sum(a * a for a in g); sdg = sum(a * b for a, b in zip(d, g))
    sdy = sum(a * b for a, b in zip(d, y)); sgy = sum(a * b for a, b in zip(g, y))
    det = sdd * sgg - sdg * sdg
    a = (sgg * sdy - sdg * sgy) / det; b = (sdg * sdy - sdd * sgy) / det
    assert abs(float(f["alpha"]) - a) < 1e-9 and abs(float(f["beta"]) - b) < 1e-9, (f, a, b)
    seen += 1
assert seen == 8, "expected 8 labelers and gold fits, got %d" % seen' "$oo.csv" "$G/rep/tables/tldr_overopt_fits.csv"

# the gold drop, from the gold peak to the highest KL, by penalty
check "gold drop: the parts sum to the drop, and the drop is the judge's overall at the peak minus at the highest KL (1e-12)" python3 -c '
import csv, json, sys
judge = {r["policy"]: r for r in json.load(open(sys.argv[1]))["policies"]}
rows = list(csv.DictReader(open(sys.argv[2])))
parts = ["ceiling", "length", "invented", "contradicted", "repetition", "truncation", "incoherent"]
ppo = [r for r in rows if r["method"] == "rl"]
assert [(r["peak_policy"], r["last_policy"]) for r in ppo] == [("ppo_a_kl2", "ppo_a_kl15"), ("ppo_b_kl2", "ppo_b_kl15")], ppo
for r in rows:
    s = sum(float(r[p]) for p in parts)
    want = judge[r["peak_policy"]]["overall"] - judge[r["last_policy"]]["overall"]
    assert abs(s - float(r["drop"])) < 1e-12 and abs(float(r["drop"]) - want) < 1e-12, (r, s, want)
    assert abs(float(r["length"]) - (judge[r["last_policy"]]["lost_length"] - judge[r["peak_policy"]]["lost_length"])) < 1e-12, r' "$G/judge.json" "$G/rep/tables/tldr_overopt_gold_drop.csv"
check "gold drop: a table in report.md" grep -q '^| 1M   | rl        | ppo_a_kl2 ' "$G/rep/report.md"

# --gold's own errors
expect_err "--gold without --comparisons" 2 "tldrlab report: --gold needs --comparisons: the gold judge's preference is reported beside the labelers'" $T report --out "$G/r2" --gold "$G/gold.jsonl"
expect_err "label --labels 0 without --gold" 2 "tldrlab label: --labels 0 writes no labeler's records: it is for compare --gold (the gold judge's choices alone)" $T label compare --labels 0 --out "$G/x.json" a.jsonl b.jsonl

finish gold
