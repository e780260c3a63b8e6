#!/usr/bin/env bash
# tests/fuzz.sh — replays every fuzz target's committed inputs under
# ASan+UBSan: tests/fuzz/corpus/NAME/ (seeds and what the fuzzer kept) and
# tests/fuzz/findings/NAME/ (inputs that once crashed a reader). Each input
# is one test: it passes when the reader returns with no sanitizer report
# and no leak (tests/fuzz/replay.c); a finding listed in its folder's OPEN
# file (a known bug, not fixed yet) is skipped while it still fails. Prints
# "fuzz: N passed, N failed, N skipped". Needs build/fuzz/replay-NAME (make test builds them).
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c); name=${name#fuzz_}
  bin=build/fuzz/replay-$name
  dirs=()
  for d in tests/fuzz/corpus/$name tests/fuzz/findings/$name; do [ -d "$d" ] && dirs+=("$d"); done
  if [ ! -x "$bin" ]; then
    fail=$((fail + 1)); echo "FAIL fuzz $name"; echo "  expected $bin (make $bin), got no such program"; continue
  fi
  if [ ${#dirs[@]} = 0 ]; then
    skip=$((skip + 1)); echo "skip fuzz $name: no inputs in tests/fuzz/corpus/$name or tests/fuzz/findings/$name"; continue
  fi
  out=$("$bin" "${dirs[@]}"); rc=$?
  printf '%s\n' "$out" | grep -v '^replay '
  last=$(printf '%s\n' "$out" | tail -n 1)
  if [[ $last =~ ^replay\ [a-z_]+:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2])); skip=$((skip + BASH_REMATCH[3]))
    if [ "$rc" != 0 ] && [ "${BASH_REMATCH[2]}" = 0 ]; then
      fail=$((fail + 1)); echo "FAIL fuzz $name"; echo "  expected exit 0 with no failed input, got exit $rc"
    fi
  else
    fail=$((fail + 1)); echo "FAIL fuzz $name"; echo "  expected a last line 'replay $name: N passed, N failed, N skipped', got exit $rc and: $last"
  fi
done
echo "fuzz: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
