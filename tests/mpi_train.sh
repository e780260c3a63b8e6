#!/usr/bin/env bash
# tests/mpi_train.sh — data-parallel training under mpirun (common/tlmpi.h):
# pretrain, sft and rm train on 2 ranks at a global batch B follow one
# rank at batch B step for step (the losses, held-out losses and gradient
# norms of log.csv to 1e-5 relative), also at a batch the ranks share
# unevenly and past a last batch too small for both; rank 0 alone writes
# and prints; --until then --resume on 2 ranks gives the run straight
# through; a SIGTERM to one rank stops both at the same step. Skipped, each
# test saying why, when bin/tldrlab has no MPI or mpirun is missing.
# Prints one line per test and "mpi_train: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"

TESTS=("pretrain: 2 ranks follow 1 rank at batch 4" "pretrain: rank 0 alone prints"
  "pretrain: 2 ranks follow 1 rank at batch 5 (3 rows and 2)"
  "pretrain: rank 1, started in an empty folder, writes nothing there"
  "pretrain --until 6 then --resume on 2 ranks = straight through"
  "sft: 2 ranks follow 1 rank at batch 4" "sft: rank 0 alone prints and writes meta.json"
  "sft: 2 ranks follow 1 rank past a last batch of 1 row"
  "sft --until 8 then --resume on 2 ranks = straight through"
  "sft --resume on 2 ranks: the checkpoint of straight through, byte for byte"
  "sft: a SIGTERM to rank 1 alone stops both ranks at one step"
  "sft --resume after the SIGTERM = straight through (steps 1-200)"
  "rm train: 2 ranks follow 1 rank at batch 8" "rm train: the reference bias and held-out numbers of meta.json"
  "rm train: 2 ranks follow 1 rank at batch 7 (4 pairs and 3)"
  "rm train --until 5 then --resume on 2 ranks = straight through")
mpi_or_skip mpi_train "${TESTS[@]}"

train_world "$tmp/w"
W="$tmp/w"
model=$TINY_MODEL
TOL=1e-5
# mpirun's -wdir below: the program by its absolute path
Tabs=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")

# agree A B COLS...: log.csv A (the reference: 1 rank, or straight
# through) and B have the same steps, and in each named column both cells
# are empty or |b - a| <= TOL |a|; says the first that differs, naming the
# runs by their folders
agree() {
  python3 - "$TOL" "$@" <<'PY'
import csv, os, sys
tol, a, b, cols = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
A, B = list(csv.DictReader(open(a))), list(csv.DictReader(open(b)))
na, nb = (os.path.basename(os.path.dirname(p)) for p in (a, b))
if [r["step"] for r in A] != [r["step"] for r in B] or not A:
    sys.exit(f"expected the steps {[r['step'] for r in A]} ({na}), got {[r['step'] for r in B]} ({nb})")
for ra, rb in zip(A, B):
    for c in cols:
        x, y = ra[c], rb[c]
        if (x == "") != (y == "") or (x != "" and abs(float(y) - float(x)) > tol * abs(float(x))):
            sys.exit(f"step {ra['step']}, {c}: expected {x!r} ({na}), got {y!r} ({nb}; tolerance {tol} relative)")
PY
}
# follows NAME A B COLS...: the last run (B's) exited 0 and agree A B COLS
follows() {
  local name=$1; shift
  if [ "$rc" != 0 ]; then bad "$name" "expected exit 0 and the log of $1" "got exit $rc"
  else check "$name" agree "$@"; fi
}
# meta_agree A B KEYS...: the numbers KEYS of meta.json A (1 rank) and B
# (2 ranks) agree to TOL relative
meta_agree() {
  python3 - "$TOL" "$@" <<'PY'
import json, sys
tol = float(sys.argv[1])
a, b = (next(iter(json.load(open(p))["policies"].values())) for p in sys.argv[2:4])
for k in sys.argv[4:]:
    if abs(b[k] - a[k]) > tol * abs(a[k]):
        sys.exit(f"{k}: expected {a[k]} (1 rank), got {b[k]} (2 ranks; tolerance {tol} relative)")
PY
}
# lines FILE: its lines, the progress line's carriage returns as line ends
lines() { tr '\r' '\n' <"$1" | grep -c .; }
# mpi_bg CMD...: CMD on 2 ranks in the background; $mp its subshell, $tmp/bg.err its stderr
mpi_bg() { mpirun_np 2 "$@" >"$tmp/bg.out" 2>"$tmp/bg.err" & mp=$!; }
# the pid of rank R of the background job's mpirun
rank_pid() {
  local m k
  m=$(pgrep -P "$mp" mpirun)
  for k in $(pgrep -P "$m"); do
    tr '\0' '\n' <"/proc/$k/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && echo "$k"
  done
}

# ---- pretrain ----
pt="pretrain --world $W $model --steps 12 --eval-every 3 --quiet"
$T $pt --batch-size 4 --out "$tmp/pt1" >"$tmp/pt1.out" 2>"$tmp/pt1.err"
run mpirun_np 2 $T $pt --batch-size 4 --out "$tmp/pt2"
follows "pretrain: 2 ranks follow 1 rank at batch 4" "$tmp/pt1/log.csv" "$tmp/pt2/log.csv" loss val_loss grad_norm
if [ "$(lines "$tmp/out")" = 1 ] && [ "$(lines "$tmp/err")" = 1 ] && [ "$(lines "$tmp/pt1.err")" = 1 ]; then
  ok "pretrain: rank 0 alone prints"
else bad "pretrain: rank 0 alone prints" "expected 1 line of stdout and 1 of stderr, as on 1 rank" "got $(lines "$tmp/out") and $(lines "$tmp/err")"; fi
$T $pt --batch-size 5 --out "$tmp/pt5" >/dev/null 2>&1
run mpirun_np 2 $T $pt --batch-size 5 --out "$tmp/pt5m"
follows "pretrain: 2 ranks follow 1 rank at batch 5 (3 rows and 2)" "$tmp/pt5/log.csv" "$tmp/pt5m/log.csv" loss val_loss grad_norm
# MPMD: rank 1 in an empty folder of its own and --out relative: whatever it wrote would land there
mkdir -p "$tmp/r0" "$tmp/r1"
short="pretrain --world $W $model --steps 2 --batch-size 4 --quiet --out pt"
run mpirun_np 1 -wdir "$tmp/r0" "$Tabs" $short : -np 1 -wdir "$tmp/r1" "$Tabs" $short
check "pretrain: rank 1, started in an empty folder, writes nothing there" test "$rc" = 0 -a -s "$tmp/r0/pt/meta.json" -a -z "$(ls -A "$tmp/r1")"
mpirun_np 2 $T $pt --batch-size 4 --out "$tmp/pt3" --until 6 >/dev/null 2>&1
run mpirun_np 2 $T $pt --batch-size 4 --out "$tmp/pt3" --resume
follows "pretrain --until 6 then --resume on 2 ranks = straight through" "$tmp/pt2/log.csv" "$tmp/pt3/log.csv" loss val_loss grad_norm

# ---- sft ----
sft="sft --world $W --from $tmp/pt1 --steps 12 --eval-every 4 --quiet"
$T $sft --batch-size 4 --out "$tmp/sft1" >"$tmp/sft1.out" 2>"$tmp/sft1.err"
run mpirun_np 2 $T $sft --batch-size 4 --out "$tmp/sft2"
follows "sft: 2 ranks follow 1 rank at batch 4" "$tmp/sft1/log.csv" "$tmp/sft2/log.csv" loss val_loss grad_norm
if [ "$(lines "$tmp/out")" = 1 ] && [ "$(lines "$tmp/err")" = 1 ] && [ -s "$tmp/sft2/meta.json" ] &&
   [ "$(ls "$tmp/sft2" | tr '\n' ' ')" = "$(ls "$tmp/sft1" | tr '\n' ' ')" ]; then
  ok "sft: rank 0 alone prints and writes meta.json"
else bad "sft: rank 0 alone prints and writes meta.json" "expected 1 line of stdout, 1 of stderr and the files of 1 rank: $(ls "$tmp/sft1" | tr '\n' ' ')" \
  "got $(lines "$tmp/out"), $(lines "$tmp/err") and $(ls "$tmp/sft2" | tr '\n' ' ')"; fi
# a batch that leaves 1 row at the end of the epoch: rank 1 has none then
n=$(grep -o '^sft: [0-9]* training examples' "$tmp/sft1.err" | cut -d' ' -f2)
b=""
for k in 5 7 3 6 4 8 9; do [ $((n % k)) = 1 ] && { b=$k; break; }; done
if [ -z "$b" ]; then
  bad "sft: 2 ranks follow 1 rank past a last batch of 1 row" "expected a batch from 3 to 9 that leaves 1 of the '$n' examples" "got none"
else
  steps=$(((n + b - 1) / b + 1))
  $T $sft --batch-size "$b" --steps "$steps" --out "$tmp/sftu1" >/dev/null 2>&1
  run mpirun_np 2 $T $sft --batch-size "$b" --steps "$steps" --out "$tmp/sftu2"
  follows "sft: 2 ranks follow 1 rank past a last batch of 1 row (batch $b of $n examples, $steps steps)" "$tmp/sftu1/log.csv" "$tmp/sftu2/log.csv" loss val_loss grad_norm
fi
mpirun_np 2 $T $sft --batch-size 4 --out "$tmp/sft3" --until 8 >/dev/null 2>&1
run mpirun_np 2 $T $sft --batch-size 4 --out "$tmp/sft3" --resume
follows "sft --until 8 then --resume on 2 ranks = straight through" "$tmp/sft2/log.csv" "$tmp/sft3/log.csv" loss val_loss grad_norm
# the same ranks in the same order sum alike: the very same bytes
if cmp -s "$tmp/sft2/model.ckpt" "$tmp/sft3/model.ckpt"; then ok "sft --resume on 2 ranks: the checkpoint of straight through, byte for byte"
else bad "sft --resume on 2 ranks: the checkpoint of straight through, byte for byte" "expected the same bytes" "got: $(cmp "$tmp/sft2/model.ckpt" "$tmp/sft3/model.ckpt" 2>&1)"; fi

# a SIGTERM to rank 1 alone: both ranks stop after the same step, rank 0 checkpoints
long="sft --world $W --from $tmp/pt1 --batch-size 4 --steps 200 --eval-every 50"
mpirun_np 2 $T $long --quiet --out "$tmp/sftA" >/dev/null 2>&1
mpi_bg $T $long --progress --out "$tmp/sftB"
for _ in $(seq 400); do grep -q "sft step [0-9]*/200" "$tmp/bg.err" 2>/dev/null && break; sleep 0.02; done
r1=$(rank_pid 1)
[ -n "$r1" ] && kill -TERM "$r1"
wait "$mp"; rc=$?
cp "$tmp/bg.err" "$tmp/err"
stopped=$(grep -o "stopped by signal 15 after step [0-9]*" "$tmp/err")
n=${stopped##* }
if [ -n "$r1" ] && [ "$rc" = 143 ] && [ "$(echo "$stopped" | grep -c .)" = 1 ] && [ -n "$n" ] &&
   [ -z "$(recount ckpt "$tmp/sftB/model.ckpt" step="$n" 2>&1)" ] && [ "$(tail -n +2 "$tmp/sftB/log.csv" | cut -d, -f1 | tr '\n' ' ')" = "$(seq 1 "$n" | tr '\n' ' ')" ]; then
  ok "sft: a SIGTERM to rank 1 alone stops both ranks at one step: exit 143, rank 0's checkpoint and log of steps 1-$n"
else bad "sft: a SIGTERM to rank 1 alone stops both ranks at one step" "expected exit 143, one 'stopped' line, a checkpoint and log rows to that step" \
  "got rank 1 pid '$r1', exit $rc, '$stopped'; $(recount ckpt "$tmp/sftB/model.ckpt" step="$n" 2>&1); log to step $(tail -1 "$tmp/sftB/log.csv" 2>&1 | cut -d, -f1)"; fi
run mpirun_np 2 $T $long --quiet --out "$tmp/sftB" --resume
follows "sft --resume after the SIGTERM = straight through (steps 1-200)" "$tmp/sftA/log.csv" "$tmp/sftB/log.csv" loss val_loss grad_norm

# ---- rm train ----
# comparisons of two baselines' summaries of the training posts (no sampling: quick)
for b in lead3 title; do $T baseline $b --world "$W" --split train --dataset tldr --out "$tmp/$b.jsonl" >/dev/null 2>&1; done
$T label compare --world "$W" --out "$tmp/cmp.json" "$tmp/lead3.jsonl" "$tmp/title.jsonl" --quiet >/dev/null 2>&1
rm_="rm train --world $W --from $tmp/sft1 --steps 10 --eval-every 5 --quiet"
cols="loss accuracy val_loss val_accuracy grad_norm"
$T $rm_ --batch-size 8 --out "$tmp/rm1" "$tmp/cmp.json" >/dev/null 2>&1
run mpirun_np 2 $T $rm_ --batch-size 8 --out "$tmp/rm2" "$tmp/cmp.json"
follows "rm train: 2 ranks follow 1 rank at batch 8" "$tmp/rm1/log.csv" "$tmp/rm2/log.csv" $cols
check "rm train: the reference bias and held-out numbers of meta.json (to $TOL)" meta_agree "$tmp/rm1/meta.json" "$tmp/rm2/meta.json" \
  reference_bias heldout_loss heldout_accuracy_labelers train_comparisons heldout_comparisons
$T $rm_ --batch-size 7 --out "$tmp/rm7" "$tmp/cmp.json" >/dev/null 2>&1
run mpirun_np 2 $T $rm_ --batch-size 7 --out "$tmp/rm7m" "$tmp/cmp.json"
follows "rm train: 2 ranks follow 1 rank at batch 7 (4 pairs and 3)" "$tmp/rm7/log.csv" "$tmp/rm7m/log.csv" $cols
mpirun_np 2 $T $rm_ --batch-size 8 --out "$tmp/rm3" --until 5 "$tmp/cmp.json" >/dev/null 2>&1
run mpirun_np 2 $T $rm_ --batch-size 8 --out "$tmp/rm3" --resume "$tmp/cmp.json"
follows "rm train --until 5 then --resume on 2 ranks = straight through" "$tmp/rm2/log.csv" "$tmp/rm3/log.csv" $cols

finish mpi_train
