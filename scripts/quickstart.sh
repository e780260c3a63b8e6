#!/usr/bin/env bash
# The quickstart (`make run`): until the in-silico pipeline exists, generate
# the example data set in the released format, run every analysis on it,
# draw the figures and the report, and say where the outputs went.
set -euo pipefail
cd "$(dirname "$0")/.."
T=bin/tldrlab
out=results/quickstart
start=$(date +%s.%N)
rm -rf "$out.new"
mkdir -p "$out.new"
echo "== generating the example data set (released format, known truth)"
$T example --seed 20200902 --out "$out.new/data"
cmp="$out.new/data/comparisons/tldr.json"
news="$out.new/data/comparisons/news.json"
axis="$out.new/data/axis_evals/tldr.json $out.new/data/axis_evals/news.json"
a="$out.new/analysis"
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
$T agreement --out "$a/tldr" "$cmp"
echo
echo "== figures and the report (every analysis and figure together)"
# shellcheck disable=SC2086
$T report --quiet --out "$out.new/report" --comparisons "$cmp" "$news" --axis $axis >/dev/null
rm -rf "$out"
mv "$out.new" "$out"
end=$(date +%s.%N)
echo
echo "Outputs (CSV and JSON next to each table):"
find "$out/analysis" -type f | sort | sed 's/^/  /'
echo "Report: $out/report/report.html (self-contained; open it in a browser), $out/report/report.md,"
echo "        figures in $out/report/figures (PNG, SVG, CSV, gnuplot scripts), tables in $out/report/tables"
echo "Data: $out/data (truth.json holds the generating parameters)"
awk -v a="$start" -v b="$end" 'BEGIN { printf "quickstart finished in %.1f s\n", b - a }'
