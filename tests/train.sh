#!/usr/bin/env bash
# tests/train.sh — the training stages end to end on a small world and a
# tiny model: pretrain, sft, sample, label compare, rm train, rm score, ppo
# and bon; their files, logs and meta.json; resumption of SFT, the reward
# model and PPO byte-identical to a run straight through; bad stage inputs
# refused with a message naming the file. Prints one line per test and
# "train: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"

cat >"$tmp/cfg.json" <<'JSON'
{"world": {"splits": {"tldr": {"train": 240, "valid1": 40, "valid2": 24, "test": 0}, "news": {"train": 16, "test": 8}}}}
JSON
$T world generate --config "$tmp/cfg.json" --out "$tmp/w" --quiet >/dev/null
W="$tmp/w"
model="--layers 1 --channels 32 --heads 2 --context 128 --vocab 400"

expect "pretrain" 0 $T pretrain --world "$W" --out "$tmp/pt" $model --batch-size 4 --steps 30 --quiet
if grep -q '"pretrain_[0-9.]*m"' "$tmp/pt/meta.json" 2>/dev/null; then ok "pretrain: meta.json names pretrain_<size>"
else bad "pretrain: meta.json names pretrain_<size>" "$(cat "$tmp/pt/meta.json" 2>&1 | head -5)"; fi
printf '{"model": {"L": 1, "C": 32, "NH": 2, "T": 96, "V": 400}}' > "$tmp/ptcfg.json"
expect "pretrain --config" 0 $T pretrain --world "$W" --out "$tmp/ptc" --config "$tmp/ptcfg.json" --batch-size 2 --steps 2 --quiet
check "pretrain --config: model.T from the config, not the pretrain default (expected T 96)" grep -q '"T":[[:space:]]*96' <(strings "$tmp/ptc/model.ckpt" | head -20)
if grep -q "world:$W" <(strings "$tmp/pt/model.ckpt" | head -20); then ok "pretrain: the checkpoint records the world as its data"
else bad "pretrain: the checkpoint records the world" "$(strings "$tmp/pt/model.ckpt" | head -3)"; fi

# SFT: straight through, and stopped then resumed: byte-identical
sft="--world $W --from $tmp/pt --batch-size 4 --steps 6 --eval-every 3 --quiet"
expect "sft" 0 $T sft $sft --out "$tmp/sft"
if [ "$(head -1 "$tmp/sft/log.csv")" = "step,loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s" ] &&
   [ "$(wc -l <"$tmp/sft/log.csv")" = 7 ]; then ok "sft: log.csv, a header and a row per step"
else bad "sft: log.csv" "$(head -3 "$tmp/sft/log.csv")"; fi
if grep -q '"sup_[0-9.]*m"' "$tmp/sft/meta.json" && grep -q '"method":[[:space:]]*"supervised"' "$tmp/sft/meta.json"; then
  ok "sft: meta.json (sup_<size>, supervised)"; else bad "sft: meta.json" "$(cat "$tmp/sft/meta.json")"; fi
expect "sft --until" 0 $T sft $sft --out "$tmp/sft2" --until 3
expect "sft --resume" 0 $T sft $sft --out "$tmp/sft2" --resume
if cmp -s "$tmp/sft/model.ckpt" "$tmp/sft2/model.ckpt"; then ok "sft: stopped and resumed = straight through (byte-identical checkpoint)"
else bad "sft: resumed checkpoint differs from straight through"; fi

# a SIGTERM stops training at the next step with a checkpoint and the log; --resume then finishes
# the same run as one straight through
long="--world $W --from $tmp/pt --batch-size 4 --steps 300 --eval-every 100"
$T sft $long --quiet --out "$tmp/sftA" >/dev/null 2>&1
$T sft $long --progress --out "$tmp/sftB" >/dev/null 2>"$tmp/sig.err" &
pid=$!
for _ in $(seq 400); do grep -q "sft step [0-9]*/300" "$tmp/sig.err" 2>/dev/null && break; sleep 0.02; done
kill -TERM "$pid"; wait "$pid"; rc=$?
stopped=$(grep -o "stopped by signal 15 after step [0-9]*" "$tmp/sig.err")
if [ "$rc" = 143 ] && [ -n "$stopped" ] && [ -s "$tmp/sftB/model.ckpt" ] && [ -s "$tmp/sftB/log.csv" ]; then
  ok "sft: SIGTERM writes a checkpoint and the log, exit 143 ($stopped)"
else bad "sft: SIGTERM writes a checkpoint" "exit $rc" "$(tail -c 300 "$tmp/sig.err")"; fi
expect "sft --resume after SIGTERM" 0 $T sft $long --quiet --out "$tmp/sftB" --resume
if cmp -s "$tmp/sftA/model.ckpt" "$tmp/sftB/model.ckpt" && ! ls "$tmp/sftB" | grep -q tmp; then
  ok "sft: stopped by a signal and resumed = straight through (byte-identical), no temporary files left"
else bad "sft: resumed after SIGTERM differs from straight through" "$(ls "$tmp/sftB")"; fi

# sampling: greedy is deterministic; a temperature names the policy _t<X>
expect "sample (greedy)" 0 $T sample --world "$W" --model "$tmp/sft" --out "$tmp/g1.jsonl" --quiet
$T sample --world "$W" --model "$tmp/sft" --out "$tmp/g2.jsonl" --quiet 2>/dev/null
n=$(wc -l <"$tmp/g1.jsonl")
if [ "$n" = 24 ] && cmp -s "$tmp/g1.jsonl" "$tmp/g2.jsonl" && grep -q '"policy":"sup_[0-9.]*m"' "$tmp/g1.jsonl"; then
  ok "sample: one greedy summary per valid2 post, the same twice"
else bad "sample: greedy" "got $n lines" "$(head -2 "$tmp/g1.jsonl")"; fi
expect "sample news (transfer)" 0 $T sample --world "$W" --model "$tmp/sft" --dataset news --out "$tmp/news.jsonl" --quiet
in_range "sample news: one per test article" "$(wc -l <"$tmp/news.jsonl")" 8 8
for t in 0.7 1; do
  $T sample --world "$W" --model "$tmp/sft" --split train --temperature $t --seed 5 --out "$tmp/s$t.jsonl" --quiet 2>/dev/null
done
if grep -q '"policy":"sup_[0-9.]*m_t0.7"' "$tmp/s0.7.jsonl"; then ok "sample --temperature 0.7: policy sup_<size>_t0.7"
else bad "sample --temperature: policy name" "$(head -1 "$tmp/s0.7.jsonl")"; fi
expect "world judge reads sampled summaries" 0 $T world judge --world "$W" --summary "$tmp/g1.jsonl"

# comparisons of the two temperatures by the simulated labelers, then the reward model
expect "label compare" 0 $T label compare --world "$W" --out "$tmp/cmp.json" "$tmp/s0.7.jsonl" "$tmp/s1.jsonl" --quiet
rm_="--world $W --from $tmp/sft --batch-size 8 --steps 8 --eval-every 4 --quiet"
expect "rm train" 0 $T rm train $rm_ --out "$tmp/rm" "$tmp/cmp.json"
if grep -q '"heldout_accuracy_labelers"' "$tmp/rm/meta.json" && grep -q '"heldout_accuracy_gold"' "$tmp/rm/meta.json"; then
  ok "rm train: meta.json reports held-out accuracy against the labelers and gold"
else bad "rm train: meta.json" "$(cat "$tmp/rm/meta.json")"; fi
expect "rm train --until" 0 $T rm train $rm_ --out "$tmp/rm2" --until 4 "$tmp/cmp.json"
expect "rm train --resume" 0 $T rm train $rm_ --out "$tmp/rm2" --resume "$tmp/cmp.json"
if cmp -s "$tmp/rm/model.ckpt" "$tmp/rm2/model.ckpt"; then ok "rm train: stopped and resumed = straight through (byte-identical)"
else bad "rm train: resumed checkpoint differs"; fi
expect "rm score" 0 $T rm score --world "$W" --rm "$tmp/rm" --out "$tmp/rm.csv" "$tmp/g1.jsonl"
if [ "$(head -1 "$tmp/rm.csv")" = "policy,post_id,rm_policy,rm_ref" ] && [ "$(wc -l <"$tmp/rm.csv")" = 25 ]; then
  ok "rm score: policy,post_id,rm_policy,rm_ref for each sample"; else bad "rm score: CSV" "$(head -3 "$tmp/rm.csv")"; fi
# the references of training posts score mean 0 after the bias: their mean over valid2 is near it
$T baseline ref --world "$W" --split train --dataset tldr --out "$tmp/reftrain.jsonl" 2>/dev/null
$T rm score --world "$W" --rm "$tmp/rm" --out "$tmp/rmref.csv" "$tmp/reftrain.jsonl" --quiet 2>/dev/null
in_range "rm: references of training posts score mean 0" \
  "$(awk -F, 'NR>1{s+=$3;n++} END{printf "%.4f", s/n}' "$tmp/rmref.csv")" -0.0005 0.0005

# PPO: two iterations; the first one's KL is exactly 0; resume byte-identical
ppo="--world $W --from $tmp/sft --rm $tmp/rm --batch-size 8 --minibatches 2 --epochs 2 --steps 2 --kl-samples 8 --quiet"
expect "ppo" 0 $T ppo $ppo --out "$tmp/ppo" --beta 0.1
h="iteration,episodes,rm_score,gold,kl,kl_k3,nonscore_reward,entropy,clipfrac,approxkl,pg_loss,value_loss,explained_var,resp_len,no_eos,beta,lr,rollout_s,score_s,optimise_s,seconds,elapsed_s"
if [ "$(head -1 "$tmp/ppo/log.csv")" = "$h" ] && [ "$(wc -l <"$tmp/ppo/log.csv")" = 3 ]; then ok "ppo: log.csv, a row per iteration"
else bad "ppo: log.csv" "$(head -2 "$tmp/ppo/log.csv")"; fi
k1=$(awk -F, 'NR==2{print $5}' "$tmp/ppo/log.csv")
if [ "$k1" = 0 ]; then ok "ppo: KL of the first iteration's rollouts is exactly 0"; else bad "ppo: first KL" "got '$k1'"; fi
if grep -q '"sup_[0-9.]*m_ppo_rm_[0-9.]*m_b0.1"' "$tmp/ppo/meta.json" && grep -q '"kl":' "$tmp/ppo/meta.json"; then
  ok "ppo: meta.json (sup_<size>_ppo_rm_<size>_b0.1, measured KL)"; else bad "ppo: meta.json" "$(cat "$tmp/ppo/meta.json")"; fi
expect "ppo --until 1" 0 $T ppo $ppo --out "$tmp/ppo2" --beta 0.1 --until 1
expect "ppo --resume" 0 $T ppo $ppo --out "$tmp/ppo2" --beta 0.1 --resume
if cmp -s "$tmp/ppo/model.ckpt" "$tmp/ppo2/model.ckpt" && cmp -s "$tmp/ppo/value/model.ckpt" "$tmp/ppo2/value/model.ckpt"; then
  ok "ppo: stopped and resumed = straight through (policy and value byte-identical)"
else bad "ppo: resumed checkpoints differ"; fi
expect "sample a PPO policy" 0 $T sample --world "$W" --model "$tmp/ppo" --out "$tmp/ppo.jsonl" --quiet
expect "ppo adaptive KL" 0 $T ppo $ppo --out "$tmp/ppo3" --kl-target 2 --steps 1
if grep -q '"kl_target"' "$tmp/ppo3/meta.json"; then ok "ppo --kl-target: meta.json records the target"; else bad "ppo --kl-target" "$(cat "$tmp/ppo3/meta.json")"; fi

# best-of-N
expect "bon" 0 $T bon --world "$W" --from "$tmp/sft" --rm "$tmp/rm" --n 4 --out "$tmp/bon" --quiet
if [ "$(wc -l <"$tmp/bon/tldr_valid2.jsonl")" = 24 ] && grep -q '"sup_[0-9.]*m_bo4_rm_[0-9.]*m"' "$tmp/bon/meta.json" &&
   grep -q '"kl":[[:space:]]*0.636294361119890' "$tmp/bon/meta.json"; then
  ok "bon: one summary per post, meta.json with KL log 4 - 3/4"
else bad "bon: files" "$(cat "$tmp/bon/meta.json" 2>&1 | head -12)"; fi
$T baseline ref --world "$W" --out "$tmp/ref.jsonl" 2>/dev/null
$T label compare --world "$W" --out "$tmp/cmp2.json" "$tmp/ppo.jsonl" "$tmp/ref.jsonl" --quiet 2>/dev/null
run $T winrate --meta "$tmp/ppo/meta.json" --format csv --bootstrap 0 "$tmp/cmp2.json"
if [ "$rc" = 0 ] && grep -q '_ppo_rm_[^,]*,"rl"' "$tmp/out"; then ok "winrate places the PPO policy by its meta.json (method rl)"
else bad "winrate --meta on a PPO policy" "exit $rc" "$(head -3 "$tmp/out")"; fi

# bad stage input
expect "pretrain with another tokenizer" 0 $T pretrain --world "$W" --out "$tmp/pt2" --layers 1 --channels 32 --heads 2 --context 128 --vocab 300 --batch-size 4 --steps 2 --quiet
run $T ppo --world "$W" --from "$tmp/pt2" --rm "$tmp/rm" --out "$tmp/bad" --steps 1 --quiet
if [ "$rc" = 2 ] && grep -q "$tmp/pt2/tokenizer.bin" "$tmp/err" && grep -q "differ" "$tmp/err"; then
  ok "a stage with another tokenizer is refused, naming the files"
else bad "another tokenizer refused" "exit $rc"; fi
run $T rm train --world "$W" --from "$tmp/rm" --out "$tmp/bad2" "$tmp/cmp.json" --quiet
if [ "$rc" = 2 ] && grep -q "$tmp/rm/model.ckpt is a reward or value model" "$tmp/err"; then ok "rm train from a reward model is refused"
else bad "rm train from a reward model" "exit $rc"; fi
head -3 "$tmp/cmp.json" | sed 's/"id": *"t3_[0-9a-z]*"/"id": "t3_zzzzzz"/; s/"id":"t3_[0-9a-z]*"/"id":"t3_zzzzzz"/' >"$tmp/cmpbad.json"
run $T rm train --world "$W" --from "$tmp/sft" --out "$tmp/bad3" "$tmp/cmpbad.json" --quiet
if [ "$rc" = 2 ] && grep -q "$tmp/cmpbad.json:1: info.id: 't3_zzzzzz' is not a document of the world" "$tmp/err"; then
  ok "rm train: a comparison of a post the world lacks is refused (file:line: field)"
else bad "rm train: unknown post" "exit $rc"; fi
$T baseline lead3 --world "$W" --dataset news --out "$tmp/lead3news.jsonl" 2>/dev/null
$T label compare --world "$W" --out "$tmp/cmpnews.json" "$tmp/news.jsonl" "$tmp/lead3news.jsonl" --quiet 2>/dev/null
run $T rm train --world "$W" --from "$tmp/sft" --out "$tmp/bad4" "$tmp/cmpnews.json" --quiet
if [ "$rc" = 2 ] && grep -q "is a news article; the reward model never sees news" "$tmp/err"; then ok "rm train: news comparisons are refused"
else bad "rm train: news refused" "exit $rc"; fi
: >"$tmp/empty.json"
run $T rm train --world "$W" --from "$tmp/sft" --out "$tmp/bad5" "$tmp/empty.json" --quiet
if [ "$rc" = 2 ] && grep -q "no comparisons" "$tmp/err"; then ok "rm train: an empty comparisons file is refused"
else bad "rm train: empty file" "exit $rc"; fi
if [ ! -e "$tmp/bad" ] && [ ! -e "$tmp/bad3/model.ckpt" ]; then ok "refused stages write nothing"; else bad "refused stages write nothing" "$(ls "$tmp/bad" "$tmp/bad3" 2>&1)"; fi
expect_err "ppo needs --rm" 2 "tldrlab ppo: --rm DIR is required: the reward model to optimise against" $T ppo --world "$W" --from "$tmp/sft" --out "$tmp/x"

finish train
