#!/usr/bin/env bash
# tests/mpi_ppo.sh — data-parallel PPO (`mpirun -np K tldrlab ppo`): on 2
# ranks the log's losses and statistics of every iteration, and the final
# measured KL, agree with one rank's at the same global batch (an even and
# an uneven split, a fixed and an adaptive beta); rank 0 alone writes and
# prints; --resume on 2 ranks after --until is byte-identical to a run
# straight through. Every test is skipped when MPI is not here (mpi_ready).
# Prints "mpi_ppo: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"

NAMES=("ppo on 2 ranks, 8 episodes: the losses and statistics of 1 rank"
  "ppo on 2 ranks, 5 episodes (3 + 2; a minibatch of one episode leaves rank 1 none): those of 1 rank"
  "ppo --kl-target on 2 ranks: the losses, statistics and adaptive beta of 1 rank"
  "ppo on 2 ranks: meta.json's measured KL, RM score and share without EOS as 1 rank's"
  "ppo on 2 ranks: rank 1 writes no byte and prints nothing"
  "ppo --until then --resume on 2 ranks = straight through on 2 ranks (log, policy and value byte-identical)")
mpi_or_skip mpi_ppo "${NAMES[@]}"

# a tiny pipeline for the inputs, as in tests/train.sh: pretrain, sft, samples, comparisons, reward model
cat >"$tmp/cfg.json" <<'JSON'
{"world": {"splits": {"tldr": {"train": 240, "valid1": 40, "valid2": 24, "test": 0}, "news": {"train": 16, "test": 8}}}}
JSON
W="$tmp/w"
$T world generate --config "$tmp/cfg.json" --out "$W" --quiet >/dev/null 2>&1
$T pretrain --world "$W" --out "$tmp/pt" --layers 1 --channels 32 --heads 2 --context 128 --vocab 400 \
  --batch-size 4 --steps 30 --quiet >/dev/null 2>&1
$T sft --world "$W" --from "$tmp/pt" --batch-size 4 --steps 6 --quiet --out "$tmp/sft" >/dev/null 2>&1
for t in 0.7 1; do
  $T sample --world "$W" --model "$tmp/sft" --split train --temperature $t --seed 5 --out "$tmp/s$t.jsonl" --quiet 2>/dev/null
done
$T label compare --world "$W" --out "$tmp/cmp.json" "$tmp/s0.7.jsonl" "$tmp/s1.jsonl" --quiet >/dev/null 2>&1
$T rm train --world "$W" --from "$tmp/sft" --batch-size 8 --steps 8 --quiet --out "$tmp/rm" "$tmp/cmp.json" >/dev/null 2>&1
if [ ! -f "$tmp/rm/model.ckpt" ]; then
  for n in "${NAMES[@]}"; do : >"$tmp/err"; bad "$n" "expected the pipeline to make $tmp/rm/model.ckpt, got none"; done
  finish mpi_ppo
  exit
fi

# lr 1e-3: the policy moves (KL ~1 nat), so the statistics are not rounding noise
ppo="--world $W --from $tmp/sft --rm $tmp/rm --epochs 2 --kl-samples 8 --lr 1e-3 --quiet"

# same_log A B: log.csv A and B have the same rows and columns, and every
# value but the timings agrees to 1e-5 relative. Two are small differences of
# terms of order 1 and are held to 1e-5 of max(|value|, 1), their terms'
# scale: pg_loss, a mean of -A r over tokens with A whitened (sd 1) and r
# near 1; explained_var, 1 - a ratio of variances near 1. (The ranks sum a
# gradient in another order: the models then differ in the last bits, and
# such a difference shows those bits magnified by 100 or more.)
same_log() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:3])
timing = {"rollout_s", "score_s", "optimise_s", "seconds", "elapsed_s"}
if not a or [list(r) for r in a] != [list(r) for r in b] or len(a) != len(b):
    sys.exit(f"expected the same rows and columns, got {len(a)} rows on 1 rank, {len(b)} on 2")
worst = (0.0, "")
for ra, rb in zip(a, b):
    for k in ra:
        if k in timing or ra[k] == rb[k]:
            continue
        if ra[k] == "" or rb[k] == "":
            sys.exit(f"iteration {ra['iteration']}, {k}: 1 rank {ra[k]!r}, 2 ranks {rb[k]!r}")
        x, y = float(ra[k]), float(rb[k])
        scale = max(abs(x), abs(y), 1.0 if k in ("pg_loss", "explained_var") else 0.0)
        rel = abs(x - y) / scale
        if rel > worst[0]:
            worst = (rel, f"iteration {ra['iteration']}, {k}: 1 rank {x!r}, 2 ranks {y!r}")
if worst[0] > 1e-5:
    sys.exit(f"expected agreement to 1e-5 relative, got {worst[0]:.2e} at {worst[1]}")
print(f"largest relative difference {worst[0]:.1e}" + (f" ({worst[1]})" if worst[1] else ""))
PY
}
# compare NAME OPTS...: ppo on 1 rank and on 2 ranks with OPTS, then their logs
compare() {
  local name=$1 d=$2; shift 2
  $T ppo $ppo "$@" --out "$tmp/$d.1" >/dev/null 2>"$tmp/err"
  local rc1=$?
  run mpirun_np 2 $T ppo $ppo "$@" --out "$tmp/$d.2"
  local got
  if [ "$rc1" = 0 ] && [ "$rc" = 0 ] && got=$(same_log "$tmp/$d.1/log.csv" "$tmp/$d.2/log.csv" 2>&1); then
    ok "$name: $got"
  else
    bad "$name" "expected exit 0 on 1 and 2 ranks and logs that agree to 1e-5 relative" "got exit $rc1 and $rc: $got"
  fi
}
compare "${NAMES[0]}" even --batch-size 8 --minibatches 2 --steps 3
compare "${NAMES[1]}" uneven --batch-size 5 --minibatches 4 --steps 3
compare "${NAMES[2]}" target --batch-size 8 --minibatches 2 --steps 3 --kl-target 0.5

got=$(python3 - "$tmp/even.1/meta.json" "$tmp/even.2/meta.json" <<'PY' 2>&1
import json, sys
a, b = ((m["policies"][next(iter(m["policies"]))]) for m in (json.load(open(p)) for p in sys.argv[1:3]))
for k in ("kl", "rm_score", "no_eos_share", "kl_prompts"):
    x, y = a[k], b[k]
    if abs(x - y) > 1e-5 * max(abs(x), abs(y)):
        sys.exit(f"{k}: 1 rank {x!r}, 2 ranks {y!r} (tolerance 1e-5 relative)")
print(f"KL {a['kl']:.6g} and {b['kl']:.6g} nats on {a['kl_prompts']} prompts")
PY
)
if [ $? = 0 ]; then ok "${NAMES[3]}: $got"; else bad "${NAMES[3]}" "expected the same measurement to 1e-5 relative" "got: $got"; fi

# rank 1 runs under `ulimit -f 0`, its output to a file: a byte written to any
# file (a checkpoint, the log, meta.json, stdout, stderr) kills it with
# SIGXFSZ and fails the job. TCP between the ranks: shared memory is a file.
one="$ppo --batch-size 8 --minibatches 2 --steps 2"
OMPI_MCA_btl=self,tcp run mpirun_np 1 $T ppo $one --out "$tmp/w0" : -np 1 \
  sh -c 'ulimit -f 0; exec "$@" >"$0" 2>&1' "$tmp/rank1.out" $T ppo $one --out "$tmp/w0"
if [ "$rc" = 0 ] && [ -f "$tmp/w0/meta.json" ] && [ -f "$tmp/w0/value/model.ckpt" ] && [ ! -s "$tmp/rank1.out" ] &&
   [ "$(grep -c '^ppo sup_' "$tmp/err")" = 1 ] && [ "$(grep -c '^ppo sup_' "$tmp/out")" = 1 ]; then
  ok "${NAMES[4]} (rank 0 wrote the folder and printed its lines once)"
else
  bad "${NAMES[4]}" "expected exit 0, the folder written, rank 1's output empty and one start and one end line" \
    "got exit $rc; $(ls "$tmp/w0" 2>&1 | tr '\n' ' '); rank 1 printed $(wc -c <"$tmp/rank1.out" 2>/dev/null) bytes; $(grep -c '^ppo sup_' "$tmp/err") start lines"
fi

# --until 2 then --resume, both on 2 ranks, against 2 ranks straight through (the even run)
run mpirun_np 2 $T ppo $ppo --batch-size 8 --minibatches 2 --steps 3 --until 2 --out "$tmp/res"
rc1=$rc
run mpirun_np 2 $T ppo $ppo --batch-size 8 --minibatches 2 --steps 3 --resume --out "$tmp/res"
if [ "$rc1" = 0 ] && [ "$rc" = 0 ] && cmp -s "$tmp/even.2/model.ckpt" "$tmp/res/model.ckpt" &&
   cmp -s "$tmp/even.2/value/model.ckpt" "$tmp/res/value/model.ckpt" &&
   [ "$(cut -d, -f1-17 "$tmp/even.2/log.csv")" = "$(cut -d, -f1-17 "$tmp/res/log.csv")" ]; then
  ok "${NAMES[5]}"
else
  bad "${NAMES[5]}" "expected exit 0 twice and the same log (but its timings) and checkpoints" \
    "got exit $rc1 then $rc; $(cmp "$tmp/even.2/model.ckpt" "$tmp/res/model.ckpt" 2>&1); $(diff <(cut -d, -f1-17 "$tmp/even.2/log.csv") <(cut -d, -f1-17 "$tmp/res/log.csv") | head -4)"
fi

finish mpi_ppo
