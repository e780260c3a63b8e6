#!/usr/bin/env bash
# scripts/train-pipeline.sh — the paper's four stages on a generated world,
# one command each (docs/training.md): pretrain, sft, samples of the
# supervised policy labelled by the simulated workers, the reward model,
# PPO at each beta, best-of-N, then greedy samples of every policy on valid2
# and news, judged by gold and scored by the reward model. Every stage
# resumes: a finished one (its meta.json exists) is skipped, a stopped one
# goes on from its checkpoint.
#
#   scripts/train-pipeline.sh WORLD RUN [BETA...]     (default betas 0.01 0.05 0.2)
#
# Sizes come from the environment: LAYERS CHANNELS HEADS CONTEXT,
# PRETRAIN_STEPS, SFT_STEPS, CMP_POSTS (posts with comparisons), PPO_ITERS,
# PPO_EPISODES, PPO_LR, BON_N; STOP_AFTER=rm stops after the reward model.
set -eu
if [ $# -lt 2 ]; then echo "usage: $0 WORLD RUN [BETA...]" >&2; exit 2; fi
W=$1 R=$2; shift 2
BETAS=${*:-0.01 0.05 0.2}
T=${TLDRLAB:-bin/tldrlab}
model="--layers ${LAYERS:-2} --channels ${CHANNELS:-128} --heads ${HEADS:-4} --context ${CONTEXT:-384}"
mkdir -p "$R/samples" "$R/comparisons"
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# stage NAME DIR CMD...: skip when DIR/meta.json exists, resume when DIR/model.ckpt does
stage() {
  local name=$1 dir=$2; shift 2
  if [ -f "$dir/meta.json" ]; then say "$name: done ($dir)"; return; fi
  local resume=""; [ -f "$dir/model.ckpt" ] && resume=--resume
  say "$name${resume:+ (resuming)}"
  "$@" $resume
}
stage pretrain "$R/pretrain" $T pretrain --world "$W" --out "$R/pretrain" $model \
  --steps "${PRETRAIN_STEPS:-1300}" --batch-size 12 --checkpoint-every 250
stage sft "$R/sft" $T sft --world "$W" --from "$R/pretrain" --out "$R/sft" ${SFT_STEPS:+--steps $SFT_STEPS} \
  --checkpoint-every 200
# comparisons: the supervised policy at T=0.7 against itself at T=1 and against the references
n=${CMP_POSTS:-8000}
for t in 0.7 1; do
  f="$R/samples/sup_train_t$t.jsonl"
  [ -s "$f" ] || { say "samples at T=$t"; $T sample --world "$W" --model "$R/sft" --split train --limit "$n" \
                   --temperature $t --seed "${#t}" --out "$f"; }
done
[ -s "$R/samples/ref_train.jsonl" ] || $T baseline ref --world "$W" --split train --dataset tldr --out "$R/samples/ref_train.jsonl"
head -n "$n" "$R/samples/ref_train.jsonl" >"$R/samples/ref_train_$n.jsonl"
[ -s "$R/comparisons/train_a.json" ] || $T label compare --world "$W" --batch-name train_a --out "$R/comparisons/train_a.json" \
  "$R/samples/sup_train_t0.7.jsonl" "$R/samples/sup_train_t1.jsonl"
[ -s "$R/comparisons/train_b.json" ] || $T label compare --world "$W" --batch-name train_b --seed 2 --out "$R/comparisons/train_b.json" \
  "$R/samples/sup_train_t0.7.jsonl" "$R/samples/ref_train_$n.jsonl"
stage "rm train" "$R/rm" $T rm train --world "$W" --from "$R/sft" --out "$R/rm" --checkpoint-every 200 \
  "$R/comparisons/train_a.json" "$R/comparisons/train_b.json"
if [ "${STOP_AFTER:-}" = rm ]; then say "stopping after the reward model (STOP_AFTER=rm)"; exit 0; fi
for b in $BETAS; do
  stage "ppo beta $b" "$R/ppo_b$b" $T ppo --world "$W" --from "$R/sft" --rm "$R/rm" --out "$R/ppo_b$b" --beta "$b" \
    --steps "${PPO_ITERS:-100}" --batch-size "${PPO_EPISODES:-64}" ${PPO_LR:+--lr $PPO_LR} --checkpoint-every 5
done
[ -f "$R/bon/meta.json" ] || { say "best-of-${BON_N:-16}"; $T bon --world "$W" --from "$R/sft" --rm "$R/rm" --n "${BON_N:-16}" --out "$R/bon"; }
# evaluation: greedy samples of every policy on valid2 and news
for p in pretrain sft $(for b in $BETAS; do echo ppo_b$b; done); do
  for d in tldr news; do
    f="$R/samples/${p}_$d.jsonl"
    [ -s "$f" ] || $T sample --world "$W" --model "$R/$p" --dataset $d --out "$f"
  done
done
$T baseline ref --world "$W" --out "$R/samples/ref_eval.jsonl"
$T world judge --world "$W" --summary "$R"/samples/*_tldr.jsonl "$R"/samples/*_news.jsonl "$R/bon/tldr_valid2.jsonl" \
  "$R/samples/ref_eval.jsonl" | tee "$R/gold.md"
$T rm score --world "$W" --rm "$R/rm" --out "$R/rm_scores.csv" "$R"/samples/*_tldr.jsonl "$R/bon/tldr_valid2.jsonl"

# the labelers compare every policy's greedy valid2 summaries with the references
pols="pretrain sft $(for b in $BETAS; do echo ppo_b$b; done)"
$T baseline ref --world "$W" --dataset tldr --out "$R/samples/ref_valid2.jsonl"
for p in $pols; do
  c="$R/comparisons/eval_$p.json"
  [ -s "$c" ] || $T label compare --world "$W" --labels 3 --batch-name "eval_$p" --seed 7 --out "$c" \
                   "$R/samples/${p}_tldr.jsonl" "$R/samples/ref_valid2.jsonl"
done
[ -s "$R/comparisons/eval_bon.json" ] || $T label compare --world "$W" --labels 3 --batch-name eval_bon --seed 7 \
  --out "$R/comparisons/eval_bon.json" "$R/bon/tldr_valid2.jsonl" "$R/samples/ref_valid2.jsonl"
# one --meta file for every policy of the run (each stage's meta.json, merged)
{
  echo '{"policies": {'
  first=1
  for d in $pols bon; do
    [ $first = 1 ] || echo ','
    first=0
    sed '1,2d' "$R/$d/meta.json" | sed '$d' | sed '$d'
  done
  echo '}}'
} >"$R/meta.json"
$T winrate --meta "$R/meta.json" --out "$R/report" "$R"/comparisons/eval_*.json | tee "$R/winrate.md"
$T plot overopt --meta "$R/meta.json" --rm-scores "$R/rm_scores.csv" --out "$R/report" "$R"/comparisons/eval_*.json
say "wrote $R/winrate.md and $R/report/overopt.png"
say "done: $R"
