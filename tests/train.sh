#!/usr/bin/env bash
# tests/train.sh — the training stages end to end on a small world and a
# tiny model: pretrain, sft, sample, label compare, rm train, rm score, ppo
# and bon; their files, logs and meta.json; resumption of SFT, the reward
# model and PPO byte-identical to a run straight through; bad stage inputs
# refused with a message naming the file. Prints one line per test and
# "train: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"

train_world "$tmp/w"
W="$tmp/w"
model=$TINY_MODEL
cfg='{"L":1,"C":32,"NH":2,"T":128,"V":400'
# the model's size, counted here (GPT-2's table, as llm.c's), and the name token it gives: 0.03m
P=$(recount gpt-params 1 32 128 400) PR=$(recount gpt-params 1 32 128 400 scalar)
S=$(awk -v p="$P" 'BEGIN {printf "%.2gm", p / 1e6}')
# steps S..E of a log.csv, one per line (its first column)
steps() { seq "$1" "$2" | tr '\n' ' '; }
col1() { tail -n +2 "$1" | cut -d, -f1 | tr '\n' ' '; }
# a log's columns without the timing ones (the same run gives the same values)
losses() { cut -d, -f"$2" "$1"; }
lastval() { awk -F, -v c="$2" 'END {print $c}' "$1"; }

run $T pretrain --world "$W" --out "$tmp/pt" $model --batch-size 4 --steps 30 --quiet
check "pretrain: exit 0 and log.csv: its header, steps 1-30" test "$rc" = 0 -a "$(head -1 "$tmp/pt/log.csv")" = "step,loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s" -a "$(col1 "$tmp/pt/log.csv")" = "$(steps 1 30)"
check "pretrain: meta.json: pretrain_$S, pretrained, $P parameters, the log's last held-out loss" recount meta "$tmp/pt/meta.json" "pretrain_$S" method='"pretrained"' params="$P" held_out_loss~"$(lastval "$tmp/pt/log.csv" 3)"
printf '{"model": {"L": 1, "C": 32, "NH": 2, "T": 96, "V": 400}}' > "$tmp/ptcfg.json"
run $T pretrain --world "$W" --out "$tmp/ptc" --config "$tmp/ptcfg.json" --batch-size 2 --steps 2 --quiet
check "pretrain --config: exit 0, model.T from the config, not the pretrain default (expected T 96, $(recount gpt-params 1 32 96 400) parameters)" \
  test "$rc" = 0 -a -z "$(recount ckpt "$tmp/ptc/model.ckpt" config='{"L":1,"C":32,"NH":2,"T":96,"V":400,"head":"lm"}' params="$(recount gpt-params 1 32 96 400)" 2>&1)"
check "pretrain: the checkpoint's header: its model, step 30, the world as its data" recount ckpt "$tmp/pt/model.ckpt" config="$cfg"',"head":"lm"}' params="$P" step=30 data="\"world:$W\""

# SFT: straight through, and stopped then resumed: byte-identical
sft="--world $W --from $tmp/pt --batch-size 4 --steps 6 --eval-every 3 --quiet"
run $T sft $sft --out "$tmp/sft"
check "sft: exit 0; meta.json: sup_$S, $P parameters, KL 0, the log's last held-out loss" test "$rc" = 0 -a -z "$(recount meta "$tmp/sft/meta.json" "sup_$S" params="$P" kl=0 trained_on='"tldr"' held_out_loss~"$(lastval "$tmp/sft/log.csv" 3)" 2>&1)"
# held-out loss at steps 3 and 6 (--eval-every 3)
if [ "$(head -1 "$tmp/sft/log.csv")" = "step,loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s" ] &&
   [ "$(col1 "$tmp/sft/log.csv")" = "$(steps 1 6)" ] && [ "$(awk -F, 'NR > 1 && $3 != "" {printf "%s ", $1}' "$tmp/sft/log.csv")" = "3 6 " ]; then
  ok "sft: log.csv, a header and a row per step, held-out loss at steps 3 and 6"
else bad "sft: log.csv, a header and a row per step, held-out loss at steps 3 and 6" "expected steps 1-6, val_loss at 3 and 6" "got: $(cut -d, -f1-3 "$tmp/sft/log.csv" | tr '\n' ' ')"; fi
if grep -q '"sup_[0-9.]*m"' "$tmp/sft/meta.json" && grep -q '"method":[[:space:]]*"supervised"' "$tmp/sft/meta.json"; then
  ok "sft: meta.json (sup_<size>, supervised)"; else bad "sft: meta.json" "$(cat "$tmp/sft/meta.json")"; fi
run $T sft $sft --out "$tmp/sft2" --until 3
check "sft --until 3: exit 0, the log to step 3 as straight through, the checkpoint at step 3" test "$rc" = 0 -a "$(losses "$tmp/sft2/log.csv" 1,2,4,5)" = "$(losses "$tmp/sft/log.csv" 1,2,4,5 | head -4)" -a -z "$(recount ckpt "$tmp/sft2/model.ckpt" step=3 2>&1)"
run $T sft $sft --out "$tmp/sft2" --resume
check "sft --resume: exit 0 and the losses of straight through" test "$rc" = 0 -a "$(losses "$tmp/sft2/log.csv" 1,2,4,5)" = "$(losses "$tmp/sft/log.csv" 1,2,4,5)"
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
n=${stopped##* }
if [ "$rc" = 143 ] && [ -n "$stopped" ] && [ -z "$(recount ckpt "$tmp/sftB/model.ckpt" step="$n" 2>&1)" ] && [ "$(col1 "$tmp/sftB/log.csv")" = "$(steps 1 "$n")" ]; then
  ok "sft: SIGTERM writes a checkpoint and the log of steps 1-$n, exit 143 ($stopped)"
else bad "sft: SIGTERM writes a checkpoint and the log" "expected exit 143, a checkpoint and log rows at the step stopped after ($stopped)" "got exit $rc; $(recount ckpt "$tmp/sftB/model.ckpt" step="$n" 2>&1); log steps $(col1 "$tmp/sftB/log.csv" | tail -c 40)" "$(tail -c 300 "$tmp/sig.err")"; fi
run $T sft $long --quiet --out "$tmp/sftB" --resume
check "sft --resume after SIGTERM: exit 0 and the losses of straight through (steps 1-300)" test "$rc" = 0 -a "$(losses "$tmp/sftB/log.csv" 1,2,4,5)" = "$(losses "$tmp/sftA/log.csv" 1,2,4,5)"
if cmp -s "$tmp/sftA/model.ckpt" "$tmp/sftB/model.ckpt" && ! ls "$tmp/sftB" | grep -q tmp; then
  ok "sft: stopped by a signal and resumed = straight through (byte-identical), no temporary files left"
else bad "sft: resumed after SIGTERM differs from straight through" "$(ls "$tmp/sftB")"; fi

# sampling: greedy is deterministic; a temperature names the policy _t<X>
run $T sample --world "$W" --model "$tmp/sft" --out "$tmp/g1.jsonl" --quiet
check "sample (greedy): exit 0, sup_$S's summary of each valid2 post, in order" test "$rc" = 0 -a -z "$(recount samples "$W" "sup_$S" "$tmp/g1.jsonl" --from tldr/valid2 2>&1)"
$T sample --world "$W" --model "$tmp/sft" --out "$tmp/g2.jsonl" --quiet 2>/dev/null
n=$(wc -l <"$tmp/g1.jsonl")
if [ "$n" = 24 ] && cmp -s "$tmp/g1.jsonl" "$tmp/g2.jsonl" && grep -q '"policy":"sup_[0-9.]*m"' "$tmp/g1.jsonl"; then
  ok "sample: one greedy summary per valid2 post, the same twice"
else bad "sample: greedy" "got $n lines" "$(head -2 "$tmp/g1.jsonl")"; fi
run $T sample --world "$W" --model "$tmp/sft" --dataset news --out "$tmp/news.jsonl" --quiet
check "sample news (transfer): exit 0, one per test article, in order" test "$rc" = 0 -a -z "$(recount samples "$W" "sup_$S" "$tmp/news.jsonl" --from news/test 2>&1)"
for t in 0.7 1; do
  $T sample --world "$W" --model "$tmp/sft" --split train --temperature $t --seed 5 --out "$tmp/s$t.jsonl" --quiet 2>/dev/null
done
check "sample --split train --temperature 0.7: policy sup_${S}_t0.7, a summary of each train post" recount samples "$W" "sup_${S}_t0.7" "$tmp/s0.7.jsonl" --from tldr/train
expect_first "world judge reads sampled summaries (all $(grep -c . "$tmp/g1.jsonl"))" "Gold judge on $(grep -c . "$tmp/g1.jsonl") samples (world $W); means per dataset and policy, each axis in [0, 1]. copied: share of words in 5-grams of the document; ceiling: overall without penalties; -length ... -incoherent: what each penalty took off overall (ceiling - their sum = overall)" $T world judge --world "$W" --summary "$tmp/g1.jsonl"

# comparisons of the two temperatures by the simulated labelers, then the reward model
run $T label compare --world "$W" --out "$tmp/cmp.json" "$tmp/s0.7.jsonl" "$tmp/s1.jsonl" --quiet
check "label compare: exit 0, each train post's two samples labelled once" test "$rc" = 0 -a -z "$(recount compare "$tmp/cmp.json" - "$tmp/s0.7.jsonl" "$tmp/s1.jsonl" 1 2>&1)"
rm_="--world $W --from $tmp/sft --batch-size 8 --steps 8 --eval-every 4 --quiet"
run $T rm train $rm_ --out "$tmp/rm" "$tmp/cmp.json"
# every comparison (one per train post) goes to training or held out
check "rm train: exit 0; meta.json: rm_$S, a reward model of $PR parameters, the $(grep -c . "$tmp/cmp.json") comparisons split into training and held out" test "$rc" = 0 -a -z "$(recount meta "$tmp/rm/meta.json" "rm_$S" method='"other"' kind='"reward model"' params="$PR" 2>&1)" -a \
  "$(python3 -c 'import json, sys; m = json.load(open(sys.argv[1]))["policies"]["rm_'"$S"'"]; print(m["train_comparisons"] + m["heldout_comparisons"])' "$tmp/rm/meta.json")" = "$(grep -c . "$tmp/cmp.json")"
# the labelers' held-out accuracy and loss are the log's last; no gold labels
# in cmp.json (no --gold), so no gold accuracy
check "rm train: meta.json reports held-out accuracy against the labelers (the log's last) and gold (none: no gold labels)" \
  recount meta "$tmp/rm/meta.json" "rm_$S" heldout_accuracy_labelers~"$(lastval "$tmp/rm/log.csv" 5)" heldout_loss~"$(lastval "$tmp/rm/log.csv" 4)" heldout_accuracy_gold=null heldout_gold_pairs=0
run $T rm train $rm_ --out "$tmp/rm2" --until 4 "$tmp/cmp.json"
check "rm train --until 4: exit 0, the log to step 4 as straight through" test "$rc" = 0 -a "$(losses "$tmp/rm2/log.csv" 1-6)" = "$(losses "$tmp/rm/log.csv" 1-6 | head -5)"
run $T rm train $rm_ --out "$tmp/rm2" --resume "$tmp/cmp.json"
check "rm train --resume: exit 0 and the log of straight through (but its timings)" test "$rc" = 0 -a "$(losses "$tmp/rm2/log.csv" 1-7)" = "$(losses "$tmp/rm/log.csv" 1-7)"
if cmp -s "$tmp/rm/model.ckpt" "$tmp/rm2/model.ckpt"; then ok "rm train: stopped and resumed = straight through (byte-identical)"
else bad "rm train: resumed checkpoint differs"; fi
run $T rm score --world "$W" --rm "$tmp/rm" --out "$tmp/rm.csv" "$tmp/g1.jsonl"
check "rm score: exit 0 and policy,post_id,rm_policy,rm_ref for each sample, in order, scores finite" test "$rc" = 0 -a -z "$(python3 -c '
import csv, json, math, sys
want = [(r["policy"], r["id"]) for r in map(json.loads, open(sys.argv[2]))]
rows = list(csv.reader(open(sys.argv[1])))
got = [tuple(r[:2]) for r in rows[1:]]
if rows[0] != ["policy", "post_id", "rm_policy", "rm_ref"] or got != want or not all(math.isfinite(float(x)) for r in rows[1:] for x in r[2:]):
    print("expected the header and", want[:2], "... got", rows[:3])' "$tmp/rm.csv" "$tmp/g1.jsonl")"
# the references of training posts score mean 0 after the bias: their mean over valid2 is near it
$T baseline ref --world "$W" --split train --dataset tldr --out "$tmp/reftrain.jsonl" >/dev/null 2>&1
$T rm score --world "$W" --rm "$tmp/rm" --out "$tmp/rmref.csv" "$tmp/reftrain.jsonl" --quiet 2>/dev/null
in_range "rm: references of training posts score mean 0" \
  "$(awk -F, 'NR>1{s+=$3;n++} END{printf "%.4f", s/n}' "$tmp/rmref.csv")" -0.0005 0.0005

# PPO: two iterations; the first one's KL is exactly 0; resume byte-identical
ppo="--world $W --from $tmp/sft --rm $tmp/rm --batch-size 8 --minibatches 2 --epochs 2 --steps 2 --kl-samples 8 --quiet"
run $T ppo $ppo --out "$tmp/ppo" --beta 0.1
h="iteration,episodes,rm_score,gold,kl,kl_k3,nonscore_reward,entropy,clipfrac,approxkl,pg_loss,value_loss,explained_var,resp_len,no_eos,beta,lr,rollout_s,score_s,optimise_s,seconds,elapsed_s"
# --steps 2 iterations of --batch-size 8 episodes
if [ "$rc" = 0 ] && [ "$(head -1 "$tmp/ppo/log.csv")" = "$h" ] && [ "$(tail -n +2 "$tmp/ppo/log.csv" | cut -d, -f1,2,16 | tr '\n' ' ')" = "1,8,0.1 2,16,0.1 " ]; then
  ok "ppo: exit 0; log.csv, a row per iteration (1, 2), 8 episodes each, beta 0.1"
else bad "ppo: exit 0; log.csv, a row per iteration (1, 2), 8 episodes each, beta 0.1" "expected rows iteration,episodes,beta: 1,8,0.1 2,16,0.1" "got exit $rc: $(cut -d, -f1,2,16 "$tmp/ppo/log.csv" | tr '\n' ' ')"; fi
k1=$(awk -F, 'NR==2{print $5}' "$tmp/ppo/log.csv")
if [ "$k1" = 0 ]; then ok "ppo: KL of the first iteration's rollouts is exactly 0"; else bad "ppo: first KL" "got '$k1'"; fi
if grep -q '"sup_[0-9.]*m_ppo_rm_[0-9.]*m_b0.1"' "$tmp/ppo/meta.json" && grep -q '"kl":' "$tmp/ppo/meta.json"; then
  ok "ppo: meta.json (sup_<size>_ppo_rm_<size>_b0.1, measured KL)"; else bad "ppo: meta.json" "$(cat "$tmp/ppo/meta.json")"; fi
run $T ppo $ppo --out "$tmp/ppo2" --beta 0.1 --until 1
check "ppo --until 1: exit 0, iteration 1 as straight through" test "$rc" = 0 -a "$(losses "$tmp/ppo2/log.csv" 1-17)" = "$(losses "$tmp/ppo/log.csv" 1-17 | head -2)"
run $T ppo $ppo --out "$tmp/ppo2" --beta 0.1 --resume
check "ppo --resume: exit 0 and the log of straight through (but its timings)" test "$rc" = 0 -a "$(losses "$tmp/ppo2/log.csv" 1-17)" = "$(losses "$tmp/ppo/log.csv" 1-17)"
if cmp -s "$tmp/ppo/model.ckpt" "$tmp/ppo2/model.ckpt" && cmp -s "$tmp/ppo/value/model.ckpt" "$tmp/ppo2/value/model.ckpt"; then
  ok "ppo: stopped and resumed = straight through (policy and value byte-identical)"
else bad "ppo: resumed checkpoints differ"; fi
run $T sample --world "$W" --model "$tmp/ppo" --out "$tmp/ppo.jsonl" --quiet
check "sample a PPO policy: exit 0, a summary of each valid2 post, the policy named by meta.json" test "$rc" = 0 -a -z "$(recount samples "$W" "sup_${S}_ppo_rm_${S}_b0.1" "$tmp/ppo.jsonl" --from tldr/valid2 2>&1)"
run $T ppo $ppo --out "$tmp/ppo3" --kl-target 2 --steps 1
check "ppo adaptive KL: exit 0, one iteration of 8 episodes" test "$rc" = 0 -a "$(tail -n +2 "$tmp/ppo3/log.csv" | cut -d, -f1,2)" = "1,8"
check "ppo --kl-target: meta.json records the target, the starting beta 0.05, one iteration" recount meta "$tmp/ppo3/meta.json" "sup_${S}_ppo_rm_${S}_b0.05_target2" kl_target=2 beta=0.05 iterations=1 episodes=8 method='"rl"' 

# best-of-N
run $T bon --world "$W" --from "$tmp/sft" --rm "$tmp/rm" --n 4 --out "$tmp/bon" --quiet
check "bon: exit 0, the best of 4 for each valid2 post, in order" test "$rc" = 0 -a -z "$(recount samples "$W" "sup_${S}_bo4_rm_${S}" "$tmp/bon/tldr_valid2.jsonl" --from tldr/valid2 2>&1)"
if [ "$(wc -l <"$tmp/bon/tldr_valid2.jsonl")" = 24 ] && grep -q '"sup_[0-9.]*m_bo4_rm_[0-9.]*m"' "$tmp/bon/meta.json" &&
   grep -q '"kl":[[:space:]]*0.636294361119890' "$tmp/bon/meta.json"; then
  ok "bon: one summary per post, meta.json with KL log 4 - 3/4"
else bad "bon: files" "$(cat "$tmp/bon/meta.json" 2>&1 | head -12)"; fi
$T baseline ref --world "$W" --out "$tmp/ref.jsonl" >/dev/null 2>&1
$T label compare --world "$W" --out "$tmp/cmp2.json" "$tmp/ppo.jsonl" "$tmp/ref.jsonl" --quiet >/dev/null 2>&1
run $T winrate --meta "$tmp/ppo/meta.json" --format csv --bootstrap 0 "$tmp/cmp2.json"
cp "$tmp/out" "$tmp/ppo_winrate.csv"
if [ "$rc" = 0 ] && [ "$(csv_get "$tmp/ppo_winrate.csv" policy "sup_${S}_ppo_rm_${S}_b0.1" method)" = rl ] && recount winrate "$tmp/ppo_winrate.csv" "$tmp/cmp2.json"; then
  ok "winrate places the PPO policy by its meta.json (method rl), n and wins as recounted"
else bad "winrate places the PPO policy by its meta.json (method rl), n and wins as recounted" "expected exit 0 and method rl" "got exit $rc: $(head -3 "$tmp/ppo_winrate.csv")"; fi

# bad stage input
run $T pretrain --world "$W" --out "$tmp/pt2" --layers 1 --channels 32 --heads 2 --context 128 --vocab 300 --batch-size 4 --steps 2 --quiet
check "pretrain with another tokenizer: exit 0, a model of 300 tokens" test "$rc" = 0 -a -z "$(recount ckpt "$tmp/pt2/model.ckpt" config='{"L":1,"C":32,"NH":2,"T":128,"V":300,"head":"lm"}' 2>&1)"
# the tokenizers' hashes as the checkpoints record them
expect_err "a stage with another tokenizer is refused, naming the files" 2 "tldrlab: $tmp/pt2/tokenizer.bin ($(recount ckpt "$tmp/pt2/model.ckpt" --get tokenizer)) and $tmp/rm/tokenizer.bin ($(recount ckpt "$tmp/rm/model.ckpt" --get tokenizer)) differ, or the contexts (128, 128) do: the stages of one run share a tokenizer and a context" \
  $T ppo --world "$W" --from "$tmp/pt2" --rm "$tmp/rm" --out "$tmp/bad" --steps 1 --quiet
run $T rm train --world "$W" --from "$tmp/rm" --out "$tmp/bad2" "$tmp/cmp.json" --quiet
if [ "$rc" = 2 ] && grep -q "$tmp/rm/model.ckpt is a reward or value model" "$tmp/err"; then ok "rm train from a reward model is refused"
else bad "rm train from a reward model" "exit $rc"; fi
head -3 "$tmp/cmp.json" | sed 's/"id": *"t3_[0-9a-z]*"/"id": "t3_zzzzzz"/; s/"id":"t3_[0-9a-z]*"/"id":"t3_zzzzzz"/' >"$tmp/cmpbad.json"
run $T rm train --world "$W" --from "$tmp/sft" --out "$tmp/bad3" "$tmp/cmpbad.json" --quiet
if [ "$rc" = 2 ] && grep -q "$tmp/cmpbad.json:1: info.id: 't3_zzzzzz' is not a document of the world" "$tmp/err"; then
  ok "rm train: a comparison of a post the world lacks is refused (file:line: field)"
else bad "rm train: unknown post" "exit $rc"; fi
$T baseline lead3 --world "$W" --dataset news --out "$tmp/lead3news.jsonl" >/dev/null 2>&1
$T label compare --world "$W" --out "$tmp/cmpnews.json" "$tmp/news.jsonl" "$tmp/lead3news.jsonl" --quiet >/dev/null 2>&1
run $T rm train --world "$W" --from "$tmp/sft" --out "$tmp/bad4" "$tmp/cmpnews.json" --quiet
if [ "$rc" = 2 ] && grep -q "is a news article; the reward model never sees news" "$tmp/err"; then ok "rm train: news comparisons are refused"
else bad "rm train: news refused" "exit $rc"; fi
: >"$tmp/empty.json"
expect_err "rm train: an empty comparisons file is refused" 2 "tldrlab: $tmp/empty.json: no comparisons of training posts to learn from" $T rm train --world "$W" --from "$tmp/sft" --out "$tmp/bad5" "$tmp/empty.json" --quiet
if [ ! -e "$tmp/bad" ] && [ ! -e "$tmp/bad3/model.ckpt" ]; then ok "refused stages write nothing"; else bad "refused stages write nothing" "$(ls "$tmp/bad" "$tmp/bad3" 2>&1)"; fi
expect_err "ppo needs --rm" 2 "tldrlab ppo: --rm DIR is required: the reward model to optimise against" $T ppo --world "$W" --from "$tmp/sft" --out "$tmp/x"

finish train
