#!/usr/bin/env bash
# tests/mutants.sh — the mutation check: plants each bug of tests/mutants/
# in a scratch copy of the committed code, runs the test that exists to
# catch it, and reports which mutants the tests kill and which survive.
# Not part of `make test` (a build per mutant); see docs/testing.md.
#
#   tests/mutants.sh                 every mutant
#   tests/mutants.sh NAME...         these (tests/mutants/NAME.patch)
#   FULL=1 tests/mutants.sh          run `tests/run.sh` (every suite) per mutant
#
# A mutant is tests/mutants/NAME.patch: a unified diff against the
# repository root (git apply), after comment lines
#   # what: the bug it plants
#   # check: the command that must fail on it, run from the copy's root
#            (e.g. "bin/tldrlab-unit test_gpt_adamw_steps" or "tests/cli.sh")
# The check runs after `make` of bin/tldrlab, bin/tldrlab-unit and the fuzz
# replay drivers. A mutant is killed when the check exits non-zero, survives
# when it passes, and is void when the patch does not apply or the build
# fails (the patch needs updating). Exit status: 0 when every mutant was
# killed, 1 otherwise.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
names=("$@")
if [ ${#names[@]} = 0 ]; then
  for p in tests/mutants/*.patch; do n=${p##*/}; names+=("${n%.patch}"); done
fi
tmp=$(mktemp -d /tmp/tldrlab-mutants.XXXXXX)
cleanup() { git -C "$root" worktree remove --force "$tmp/src" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT
git worktree add --detach -q "$tmp/src" HEAD || { echo "mutants: cannot make a scratch copy"; exit 2; }
# The copy starts from the committed code; reuse this tree's objects only
# when they are of that code (a clean tree), else build from scratch.
if [ -z "$(git status --porcelain --untracked-files=no)" ] && [ -d build ]; then
  cp -a build bin "$tmp/src/" 2>/dev/null
  find "$tmp/src/build" "$tmp/src/bin" -type f -exec touch {} + 2>/dev/null
fi
cd "$tmp/src"
targets="bin/tldrlab bin/tldrlab-unit $(ls tests/fuzz/fuzz_*.c 2>/dev/null | sed 's|tests/fuzz/fuzz_\(.*\)\.c|build/fuzz/replay-\1|' | tr '\n' ' ')"
echo "mutants: building the unmutated copy"
make -s -j2 $targets >"$tmp/build.log" 2>&1 || { echo "mutants: the unmutated code does not build:"; tail -20 "$tmp/build.log"; exit 2; }
killed=0 survived=0 void=0
printf '\n| mutant | what | check | result | seconds |\n|---|---|---|---|---:|\n' >"$tmp/table"
for n in "${names[@]}"; do
  p=$root/tests/mutants/$n.patch
  what=$(sed -n 's/^# what: //p' "$p" 2>/dev/null | head -1)
  chk=$(sed -n 's/^# check: //p' "$p" 2>/dev/null | head -1)
  [ "${FULL:-}" = 1 ] && chk="tests/run.sh"
  t0=$(date +%s)
  if [ ! -f "$p" ] || [ -z "$chk" ]; then
    result="void (no patch or no check line)"; void=$((void + 1))
  elif ! git apply "$p" 2>"$tmp/apply.log"; then
    result="void (does not apply: $(head -1 "$tmp/apply.log"))"; void=$((void + 1))
  elif ! make -s -j2 $targets >"$tmp/build.log" 2>&1; then
    result="void (does not build)"; void=$((void + 1))
  else
    echo "mutants: $n: $chk"
    if bash -c "$chk" >"$tmp/check.log" 2>&1; then
      result="**SURVIVED**"; survived=$((survived + 1))
    else
      result="killed"; killed=$((killed + 1))
    fi
  fi
  git checkout -q -- . && git clean -qfd -- tests >/dev/null 2>&1
  printf '| %s | %s | `%s` | %s | %d |\n' "$n" "$what" "$chk" "$result" $(( $(date +%s) - t0 )) >>"$tmp/table"
done
cat "$tmp/table"
echo
echo "mutants: $killed killed, $survived survived, $void void"
[ "$survived" = 0 ] && [ "$void" = 0 ]
