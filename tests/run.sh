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
bin/tldrlab-unit | tee -a "$log" || status=1
tests/fuzz.sh | tee -a "$log" || status=1
tests/cli.sh | tee -a "$log" || status=1
tests/world.sh | tee -a "$log" || status=1
tests/lm.sh | tee -a "$log" || status=1
tests/train.sh | tee -a "$log" || status=1
tests/tour.sh | tee -a "$log" || status=1
tests/gpt_torch.sh | tee -a "$log" || status=1
tests/sweep.sh | tee -a "$log" || status=1
tests/gold.sh | tee -a "$log" || status=1
sum() { awk -v k="$1" '/^(unit|fuzz|cli|world|lm|train|tour|gpt_torch|sweep|gold): /{for(i=1;i<=NF;i++) if($(i+1) ~ "^"k) s+=$i} END{print s+0}' "$log"; }
p=$(sum passed) f=$(sum failed) s=$(sum skipped)
if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; echo "a test program failed without reporting a count"; fi
echo "$s skipped"
echo "$p passed, $f failed"
[ "$f" = 0 ]
