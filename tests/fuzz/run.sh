#!/usr/bin/env bash
# tests/fuzz/run.sh — runs the libFuzzer targets (make fuzz does this after
# building them; docs/testing.md).
#
#   tests/fuzz/run.sh [NAME...]    every target in tests/fuzz/fuzz_*.c, or these
#
# Each target runs for FUZZ_SECONDS (default 60) in libFuzzer's fork mode,
# one job, going on after a crash, a leak, a timeout (FUZZ_TIMEOUT seconds
# for one input, default 10) or running out of memory (2 GB). Inputs that
# find new code paths go to build/fuzz/work/NAME/ (not committed); crashes
# go to tests/fuzz/findings/NAME/ (crash-*, leak-*, timeout-*, oom-*), which
# make test replays from then on: commit the ones that are real findings.
# Seeds: tests/fuzz/corpus/NAME/ and, when tests/fuzz/seeds.sh made them,
# build/fuzz/real/NAME/. Extra libFuzzer flags: FUZZ_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not '$secs'" >&2; exit 2; }
if [ $# = 0 ]; then
  set -- $(for f in tests/fuzz/fuzz_*.c; do n=$(basename "$f" .c); echo "${n#fuzz_}"; done)
fi
status=0
for name in "$@"; do
  bin=build/fuzz/fuzz-$name
  [ -x "$bin" ] || { echo "fuzz: $bin not built (make $bin; clang: scripts/install-deps.sh --fuzz)" >&2; exit 2; }
  work=build/fuzz/work/$name found=tests/fuzz/findings/$name
  mkdir -p "$work" "$found"
  seeds=()
  for d in tests/fuzz/corpus/$name build/fuzz/real/$name; do [ -d "$d" ] && seeds+=("$d"); done
  before=$(ls "$found" | wc -l)
  echo "fuzz: $name for ${secs}s (log: build/fuzz/$name.log)" >&2
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$found/" ${FUZZ_FLAGS:-} "$work" "${seeds[@]}" >"build/fuzz/$name.log" 2>&1 || true
  after=$(ls "$found" | wc -l)
  cov=$(grep -o 'cov: [0-9]*' "build/fuzz/$name.log" | tail -n 1 || true)
  echo "fuzz: $name: ${cov:-no coverage line}, $(ls "$work" | wc -l) inputs in $work, $((after - before)) new in $found" >&2
  [ "$after" = "$before" ] || status=1
done
exit $status
