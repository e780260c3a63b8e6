#!/usr/bin/env bash
# The example (the first part of `make run`): generate the example data set in the
# released format, run every analysis on it, draw the figures and the
# report; then the in-silico world: generate it, judge the baselines, have
# the simulated labelers compare and rate them in the released format, and
# report on those records too. Says where the outputs went.
#
# Everything is written under its final name (results/example/...), so
# that the paths the reports and JSON files record stay true and their
# commands can be rerun; the previous run is kept aside as
# results/example.old until this one has finished, and put back if it
# fails.
set -euo pipefail
cd "$(dirname "$0")/.."
T=bin/tldrlab
out=results/example
start=$(date +%s.%N)
rm -rf "$out.old"
if [ -e "$out" ]; then mv "$out" "$out.old"; fi
restore() { rm -rf "$out"; if [ -e "$out.old" ]; then mv "$out.old" "$out"; fi; }
trap 'status=$?; if [ "$status" != 0 ]; then restore; echo "example failed; the previous results are back in $out" >&2; fi' EXIT
mkdir -p "$out"
echo "== generating the example data set (released format, known truth)"
$T example --seed 20200902 --out "$out/data"
cmp="$out/data/comparisons/tldr.json"
news="$out/data/comparisons/news.json"
axis="$out/data/axis_evals/tldr.json $out/data/axis_evals/news.json"
a="$out/analysis"
echo
echo "== win rates against the reference summaries (TL;DR, valid2)"
$T winrate --out "$a/tldr" "$cmp"
echo
echo "== the same, by method"
$T winrate --by method --bootstrap 2000 --out "$a/tldr_by_method" "$cmp"
echo
echo "== length-controlled preference (Appendix F)"
$T lengthctl --out "$a/tldr" "$cmp"
echo
echo "== news (CNN/DM-style) win rates"
$T winrate --out "$a/news" "$news"
echo
echo "== Likert axis ratings, with length control"
$T likert --length-control --out "$a/likert" $axis
echo
echo "== labeler agreement"
$T agreement --out "$a/tldr" "$cmp" | sed -n 1,8p
echo
echo "== figures and the report (every analysis and figure together)"
# shellcheck disable=SC2086
$T report --quiet --title "Example data set: simulated policies and labelers in the released format" \
  --out "$out/report" --comparisons "$cmp" "$news" --axis $axis >/dev/null

w="$out/world"
echo
echo "== the in-silico world: TL;DR-like posts and news articles with known facts"
$T world generate --quiet --out "$w"
$T world stats --out "$w/stats" "$w" | head -8
echo
echo "== baselines without a model, judged by the gold judge"
s="$out/samples"
mkdir -p "$s"
for k in ref lead3 title random-sentence; do
  $T baseline "$k" --world "$w" --out "$s/$k.jsonl" >/dev/null
done
$T baseline author --seed 1 --world "$w" --split train --out "$s/author1.jsonl" >/dev/null
$T baseline author --seed 2 --world "$w" --split train --out "$s/author2.jsonl" >/dev/null
$T world judge --world "$w" --summary --out "$w/judge" "$s/ref.jsonl" "$s/lead3.jsonl" "$s/title.jsonl" "$s/random-sentence.jsonl" 2>/dev/null
echo
echo "== simulated labelers: calibration on two drafts of the reference author (gold = the judge)"
r="$out/world_records"
$T label compare --world "$w" --labels 2 --gold --batch-name calibration --out "$r/comparisons/calibration.json" "$s/author1.jsonl" "$s/author2.jsonl"
$T agreement --split train --expert gold --out "$a/world_calibration" "$r/comparisons/calibration.json" | sed -n 1,4p
echo
echo "== labelers compare the baselines with the references and rate them (released format)"
for k in lead3 title random-sentence; do
  $T label compare --world "$w" --batch-name baselines --out "$r/comparisons/$k.json" "$s/$k.jsonl" "$s/ref.jsonl" >/dev/null
done
$T label rate --world "$w" --batch-name baselines --out "$r/axis_evals/baselines.json" "$s/ref.jsonl" "$s/lead3.jsonl" "$s/title.jsonl" >/dev/null
$T winrate --split all --dataset news --bootstrap 2000 --out "$a/world_news" "$r"/comparisons/{lead3,title,random-sentence}.json
echo
echo "== the report on the world's records"
$T report --quiet --split all --title "The in-silico world: baseline summaries judged by the gold judge and the simulated labelers" \
  --out "$out/world_report" --comparisons "$r"/comparisons/{lead3,title,random-sentence}.json \
  --axis "$r/axis_evals/baselines.json" --calibration "$r/comparisons/calibration.json" \
  --judge "$w/judge/judge.json" >/dev/null
rm -rf "$out.old"
end=$(date +%s.%N)
echo
echo "Outputs (CSV and JSON next to each table):"
find "$out/analysis" -type f | sort | sed 's/^/  /'
echo "Report: $out/report/report.html (self-contained; open it in a browser), $out/report/report.md,"
echo "        figures in $out/report/figures (PNG, SVG, CSV, gnuplot scripts), tables in $out/report/tables"
echo "Data: $out/data (truth.json holds the generating parameters)"
echo "World: $out/world (posts, articles, facts), samples in $out/samples, records in $out/world_records,"
echo "       its report in $out/world_report/report.html"
awk -v a="$start" -v b="$end" 'BEGIN { printf "example finished in %.1f s\n", b - a }'
