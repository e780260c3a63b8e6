#!/usr/bin/env bash
# bench/run.sh — tldrlab against its Python and R peers (`make bench`).
#
#   bench/run.sh            (from anywhere; works in the repository root)
#
# 1. generates ~65k TL;DR comparisons with `tldrlab example`;
# 2. end to end: `tldrlab winrate --bootstrap 10000` + `tldrlab lengthctl`
#    (two commands, two reads), and `tldrlab winrate --length-control
#    --bootstrap 10000` (one command, one read), against `python3
#    bench/peer.py` (pandas + numpy + statsmodels, whole process:
#    interpreter start-up and imports included), each run REPS times,
#    interleaved; the best run counts (the median is reported too);
# 3. checks that the two agree (bench/report.py; exit 1 when they do not);
# 4. the logistic fit alone: bin/tldrlab-bench (lengthctl_fit, best of 20)
#    against statsmodels and R glm on the same design CSV (best of 5);
# 5. writes docs/benchmarks.md (temp file, then mv). Raw JSON stays in
#    bench/out/ (git-ignored).
#
# Environment: PYTHON (default /usr/bin/python3), RSCRIPT (Rscript), REPS (3),
# BOOTSTRAP (10000), COMPARISONS (65000).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and printf use '.' as the decimal point

cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
RS=${RSCRIPT:-Rscript}
REPS=${REPS:-3}
B=${BOOTSTRAP:-10000}
NCMP=${COMPARISONS:-65000}
OUT=bench/out
TL=bin/tldrlab
TLB=bin/tldrlab-bench

die() { echo "bench: $*" >&2; exit 1; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

# ---- prerequisites ----
[ -x "$TL" ] || die "$TL not built (run make bench, or make first)"
"$PY" -c 'import numpy, pandas, statsmodels' 2>/dev/null ||
  die "$PY cannot import numpy, pandas and statsmodels (scripts/install-deps.sh --bench)"
command -v "$RS" >/dev/null || die "$RS not found (scripts/install-deps.sh --bench installs r-base-core)"
if make -n "$TLB" >/dev/null 2>&1; then
  make --no-print-directory "$TLB" >&2
elif [ -x "$TLB" ]; then
  echo "bench: the Makefile has no rule for $TLB; using the one in bin/" >&2
else
  die "no $TLB and no Makefile rule to build it (see bench/bench_fit.c)"
fi

start=$(now)
mkdir -p "$OUT"
rm -rf "$OUT/data"
rm -f "$OUT"/*.json "$OUT"/*.tsv "$OUT"/*.csv

# ---- data ----
echo "bench: generating ~$NCMP comparisons" >&2
"$TL" example --comparisons "$NCMP" --no-axis --quiet --out "$OUT/data" >/dev/null
F=$OUT/data/comparisons/tldr.json
[ -s "$F" ] || die "tldrlab example wrote no $F"

# ---- end to end ----
T=$OUT/timings.tsv
printf 'run\twhat\tseconds\n' >"$T"
for r in $(seq 1 "$REPS"); do
  t0=$(now)
  "$TL" winrate --bootstrap "$B" --format json "$F" >"$OUT/winrate.json"
  t1=$(now)
  "$TL" lengthctl --format json "$F" >"$OUT/lengthctl.json"
  t2=$(now)
  "$PY" bench/peer.py "$F" --bootstrap "$B" --seed 1 >"$OUT/peer.$r.json"
  t3=$(now)
  "$TL" winrate --length-control --bootstrap "$B" --format json "$F" >"$OUT/winrate_lc.json"
  t4=$(now)
  wr=$(elapsed "$t0" "$t1") lc=$(elapsed "$t1" "$t2") pe=$(elapsed "$t2" "$t3") one=$(elapsed "$t3" "$t4")
  printf '%s\ttldrlab_winrate\t%s\n%s\ttldrlab_lengthctl\t%s\n%s\tpeer\t%s\n%s\ttldrlab_one\t%s\n' \
    "$r" "$wr" "$r" "$lc" "$r" "$pe" "$r" "$one" >>"$T"
  echo "bench: end to end run $r/$REPS: tldrlab ${wr}s + ${lc}s (one command ${one}s), peer ${pe}s" >&2
done

# ---- fit alone ----
echo "bench: logistic fit alone (tldrlab best of 20; statsmodels and R glm best of 5)" >&2
"$TLB" "$F" "$OUT/design.csv" 20 >"$OUT/fit_tldrlab.json"
"$PY" bench/fit_peer.py "$OUT/design.csv" 5 >"$OUT/fit_statsmodels.json"
"$RS" bench/fit_peer.R "$OUT/design.csv" 5 >"$OUT/fit_r.json"

# ---- agreement and the report ----
total=$(elapsed "$start" "$(now)")
"$PY" bench/report.py --out "$OUT" --data "$F" --tldrlab "$TL" --rscript "$RS" \
  --bootstrap "$B" --reps "$REPS" --harness-seconds "$total" --doc docs/benchmarks.md
