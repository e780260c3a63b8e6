#!/usr/bin/env bash
# tests/run.sh — runs every test: the unit tests and the fuzz targets'
# committed inputs (built with AddressSanitizer and UBSan), the
# command-line tests, the README's tour and the GPT engine's cross-check
# against PyTorch (skipped, and counted so, without python3-torch), on
# $TLDRLAB (default bin/tldrlab; make test-debug sets bin/tldrlab-debug).
# The last line reads "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
set -o pipefail # a suite that dies counts, not only tee's exit status
missing=0
suite() { # NAME COMMAND...: runs a suite; one that prints no "NAME: N passed" line is a failure
  local name=$1
  shift
  "$@" | tee -a "$log" || status=1
  if ! grep -q "^$name: " "$log"; then
    echo "$name: the suite stopped without reporting its count (expected a line '$name: N passed, N failed')"
    missing=$((missing + 1))
  fi
}
suite unit bin/tldrlab-unit
suite fuzz tests/fuzz.sh
suite cli tests/cli.sh
suite world tests/world.sh
suite lm tests/lm.sh
suite train tests/train.sh
suite mpi_train tests/mpi_train.sh
suite tour tests/tour.sh
suite gpt_torch tests/gpt_torch.sh
suite sweep tests/sweep.sh
suite gold tests/gold.sh
suite mpi tests/mpi.sh
suite mpi_ppo tests/mpi_ppo.sh
sum() { awk -v k="$1" '/^(unit|fuzz|cli|world|lm|train|mpi_train|tour|gpt_torch|sweep|gold|mpi|mpi_ppo): /{for(i=1;i<=NF;i++) if($(i+1) ~ "^"k) s+=$i} END{print s+0}' "$log"; }
p=$(sum passed) f=$(( $(sum failed) + missing )) s=$(sum skipped)
if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; echo "a test program failed without reporting a count"; fi
echo "$s skipped"
echo "$p passed, $f failed"
[ "$f" = 0 ]
