#!/usr/bin/env bash
# tests/tour.sh — the README's tour runs as written, top to bottom, on a
# fresh copy of the project after the example (`make run` writes it first): the shell
# commands of the section "A tour" are taken from README.md and run in
# order in one shell (so that its variables carry over), in a scratch copy
# of the tracked files with this build's bin/tldrlab. The first command
# that fails is named with its exit code and stderr, and the rest are not
# run. Prints one line per command and "tour: N passed, N failed, N
# skipped".
set -u
. "$(dirname "$0")/lib.sh"
top=$PWD

# The tour: the first ```sh block after "## A tour", up to the next "## ".
awk '/^## A tour$/ {on = 1; next} on && /^## / {exit} on && /^```sh$/ {code = 1; next}
     code && /^```$/ {exit} code && NF {print}' README.md >"$tmp/tour.txt"
ncmd=$(wc -l <"$tmp/tour.txt")
if [ "$ncmd" -ge 20 ]; then ok "README: the tour has $ncmd commands"
else bad "README: the tour has its commands" "expected 20 or more lines in a \`\`\`sh block under '## A tour'" "got $ncmd"; fi

# A fresh copy: what git tracks (and untracked files it does not ignore),
# this build's binary, then the example (scripts/example.sh).
clone="$tmp/clone"
mkdir -p "$clone/bin"
git ls-files -co --exclude-standard -z | (cd "$top" && xargs -0 cp --parents -t "$clone" 2>/dev/null)
cp "$T" "$clone/bin/tldrlab"
t0=$(date +%s.%N)
run sh -c "cd '$clone' && scripts/example.sh"
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
if [ "$rc" = 0 ] && [ -s "$clone/results/example/data/comparisons/tldr.json" ]; then ok "the example (scripts/example.sh) on the fresh copy ($secs s)"
else bad "the example (scripts/example.sh) on the fresh copy" "expected exit 0 and results/example/data" "got exit $rc"; fi

# The example's outputs name the paths they are at, and a report's
# "Generated ... with" command reruns as recorded.
stale=$(grep -rlF "example.new" "$clone/results/example" 2>/dev/null | head -3)
if [ -z "$stale" ]; then ok "example: no output names a folder that is gone (example.new)"
else bad "example: no output names a folder that is gone" "expected no 'example.new' in results/example" "got it in: $stale"; fi
cmdline=$(awk '/^```$/ {n++; next} n == 1 {print; exit}' "$clone/results/example/world_report/report.md")
run sh -c "cd '$clone' && bin/$cmdline"
if [ "$rc" = 0 ] && [ "${cmdline#tldrlab report }" != "$cmdline" ]; then ok "example: the world report's recorded command reruns"
else bad "example: the world report's recorded command reruns" "expected exit 0 from: bin/$cmdline" "got exit $rc"; fi

# The commands, one at a time, in one shell, from the copy's top folder.
cd "$clone" || exit 1
n=0
while IFS= read -r line; do
  n=$((n + 1))
  t0=$(date +%s.%N)
  eval "$line" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  short=$(printf '%s' "$line" | sed 's/[[:space:]]*#.*//' | cut -c1-80)
  if [ "$rc" = 0 ]; then ok "tour $n ($secs s): $short"
  else bad "tour $n: $short" "the README's command failed with exit $rc: $line"; break; fi
done <"$tmp/tour.txt"
cd "$top" || exit 1

# An example run that fails puts the previous results back.
sum0=$(cd "$clone" && find results/example -type f | sort | xargs cat | cksum)
mv "$clone/bin/tldrlab" "$clone/bin/tldrlab.real"
printf '#!/bin/sh\necho "tldrlab: broken on purpose" >&2\nexit 1\n' >"$clone/bin/tldrlab"
chmod +x "$clone/bin/tldrlab"
run sh -c "cd '$clone' && scripts/example.sh"
sum1=$(cd "$clone" && find results/example -type f | sort | xargs cat | cksum)
if [ "$rc" != 0 ] && [ "$sum1" = "$sum0" ] && [ ! -e "$clone/results/example.old" ]; then
  ok "a failed example run puts the previous results back"
else bad "a failed example run puts the previous results back" "expected a non-zero exit and results/example as before" "got exit $rc; same files: $([ "$sum1" = "$sum0" ] && echo yes || echo no)"; fi
mv "$clone/bin/tldrlab.real" "$clone/bin/tldrlab"
finish tour
