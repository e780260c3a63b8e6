#!/usr/bin/env bash
# tests/lm.sh — the language-model commands end to end: lm-train on a small
# generated corpus, its files and log, exact resumption (a run stopped with
# --until and resumed gives the same log as a run straight through),
# lm-sample's determinism, lm-dump, and bad input. Prints one line per test
# and "lm: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"

cat >"$tmp/cfg.json" <<'JSON'
{"world": {"splits": {"tldr": {"train": 0, "valid1": 0, "valid2": 300, "test": 0}, "news": {"train": 0, "test": 0}}}}
JSON
$T world generate --config "$tmp/cfg.json" --out "$tmp/w" --quiet >/dev/null
data="$tmp/w/tldr/valid2.jsonl"
small="--layers 1 --channels 32 --heads 2 --context 32 --vocab 400 --batch-size 4 --steps 12 --eval-every 4 --quiet"

run $T lm-train --data "$data" --out "$tmp/a" $small
# the tokenizer: magic TLDRTOK, version 1, then the vocabulary size (400) as little-endian int32s
tokhead=$(od -An -c -N8 "$tmp/a/tokenizer.bin" | tr -d ' '; od -An -td4 -j8 -N8 "$tmp/a/tokenizer.bin" | tr -s ' ')
if [ "$rc" = 0 ] && [ "$tokhead" = 'TLDRTOK\0
 1 400' ]; then ok "lm-train: exit 0 and tokenizer.bin's header (TLDRTOK, version 1, 400 tokens)"
else bad "lm-train: exit 0 and tokenizer.bin's header" "expected exit 0 and TLDRTOK\\0, 1, 400" "got exit $rc and: $tokhead"; fi
if [ "$(head -1 "$tmp/a/log.csv")" = "step,loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s" ] &&
   [ "$(tail -n +2 "$tmp/a/log.csv" | cut -d, -f1 | tr '\n' ' ')" = "$(seq 1 12 | tr '\n' ' ')" ] &&
   [ "$(awk -F, 'NR > 1 && $3 != "" {printf "%s ", $1}' "$tmp/a/log.csv")" = "4 8 12 " ]; then ok "log.csv: a header and one row per step (1-12), held-out loss at 4, 8 and 12"
else bad "log.csv: a header and one row per step (1-12), held-out loss at 4, 8 and 12" "got: $(cut -d, -f1-3 "$tmp/a/log.csv" | tr '\n' ' ')"; fi
first=$(awk -F, 'NR==2{print $2}' "$tmp/a/log.csv"); last=$(awk -F, 'END{print $2}' "$tmp/a/log.csv")
in_range "the loss falls (last - first)" "$(awk -v a="$first" -v b="$last" 'BEGIN{print b-a}')" -100 -0.01
if head -c 8 "$tmp/a/model.ckpt" | cmp -s - <(printf 'TLDRGPT\0'); then ok "checkpoint magic"; else bad "checkpoint magic" "$(head -c 8 "$tmp/a/model.ckpt" | od -c | head -1)"; fi

# stopped at step 5 and resumed: the same losses as straight through (the
# held-out loss is also taken at the stop, so that column is left out)
run $T lm-train --data "$data" --out "$tmp/b" $small --until 5; rc1=$rc
run $T lm-train --data "$data" --out "$tmp/b" $small --resume
cut -d, -f1,2,4,5 "$tmp/a/log.csv" >"$tmp/la"; cut -d, -f1,2,4,5 "$tmp/b/log.csv" >"$tmp/lb"
if [ "$rc1$rc" = 00 ] && cmp -s "$tmp/la" "$tmp/lb" && cmp -s "$tmp/a/model.ckpt" "$tmp/b/model.ckpt"; then
  ok "resumed run: same losses and a byte-identical checkpoint"
else bad "resumed run: same losses and a byte-identical checkpoint" "exits $rc1, $rc (expected 0, 0)" "$(diff "$tmp/la" "$tmp/lb" | head -4)"; fi

# --resume alone takes the run's own settings from the checkpoint
run $T lm-train --data "$data" --out "$tmp/b2" $small --until 5; rc1=$rc
run $T lm-train --data "$data" --out "$tmp/b2" --resume --quiet
cut -d, -f1,2,4,5 "$tmp/b2/log.csv" >"$tmp/lb2"
if [ "$rc1$rc" = 00 ] && cmp -s "$tmp/la" "$tmp/lb2"; then ok "a bare resume continues the same run"
else bad "a bare resume continues the same run" "exits $rc1, $rc (expected 0, 0)" "$(diff "$tmp/la" "$tmp/lb2" | head -4)"; fi

# sampling
run $T lm-sample --model "$tmp/a" --prompt "My boyfriend" --max-new 12 --samples 2 --seed 3
cp "$tmp/out" "$tmp/s1"
run $T lm-sample --model "$tmp/a" --prompt "My boyfriend" --max-new 12 --samples 2 --seed 3
if [ "$rc" = 0 ] && cmp -s "$tmp/out" "$tmp/s1" && grep -q '^--- sample 2 (' "$tmp/out"; then ok "lm-sample: two samples, same seed, same text"
else bad "lm-sample: deterministic" "$(head -4 "$tmp/out")"; fi
run $T lm-sample --model "$tmp/a" --greedy --max-new 8 --samples 2
if [ "$rc" = 0 ] && [ "$(sed -n 2p "$tmp/out")" = "$(sed -n 4p "$tmp/out")" ]; then ok "greedy samples agree"
else bad "greedy samples agree" "$(head -4 "$tmp/out")"; fi

# lm-dump
run $T lm-dump --checkpoint "$tmp/a/model.ckpt" --out "$tmp/d" --batch-size 2
# decoded: 2 x 33 token ids of the 400-token vocabulary, not all one token; the loss printed is loss.txt's
toks=$(od -An -td4 -v "$tmp/d/tokens.bin" | awk '{for (i = 1; i <= NF; i++) {n++; if ($i < 0 || $i >= 400) bad++; seen[$i]++}}
  END {k = 0; for (t in seen) k++; printf "%d ids, %d outside 0-399, %s", n, bad + 0, (k > 1 ? "several distinct" : "one repeated")}')
loss=$(awk '{printf "%.6f", $1}' "$tmp/d/loss.txt" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$toks" = "66 ids, 0 outside 0-399, several distinct" ] && grep -qF "start.bin, logits.bin, loss.txt (loss $loss) and grads.bin for a batch of 2 x 32" "$tmp/out"; then
  ok "lm-dump: tokens.bin decodes to 2 x 33 ids of the vocabulary; the loss printed is loss.txt's ($loss)"
else bad "lm-dump: tokens.bin decodes to 2 x 33 ids of the vocabulary" "expected exit 0, 66 ids, 0 outside 0-399, several distinct, and loss.txt's value on stdout" "got exit $rc, $toks, loss.txt '$loss', stdout: $(cat "$tmp/out")"; fi

# --config: the model and training sections; flags win
printf '{"seed": 5, "model": {"L": 1, "C": 32, "NH": 2, "T": 32, "V": 400}, "train": {"batch": 4, "steps": 3}, "world": {}}' >"$tmp/lm.json"
run $T lm-train --data "$data" --out "$tmp/c" --config "$tmp/lm.json" --steps 2 --quiet
if [ "$rc" = 0 ] && grep -q "model L=1 C=32 NH=2 T=32, .* 2 steps of 4 x 32 tokens" "$tmp/err"; then ok "lm-train --config (flags win)"
else bad "lm-train --config (flags win)" "exit $rc"; fi
printf '{"train": {"stepz": 3}}' >"$tmp/lm2.json"
expect_err "lm-train --config: unknown setting" 2 "$tmp/lm2.json:1: train.stepz: unknown setting (known: batch, steps, lr, warmup, weight_decay, clip, checkpoint_every, eval_every)" $T lm-train --data "$data" --out "$tmp/c2" --config "$tmp/lm2.json" --quiet

# a checkpoint that cannot be written says why (a file-size limit stands in for a full disk)
run bash -c "trap '' XFSZ; ulimit -f 50; exec $T lm-train --data '$data' --out '$tmp/full' --layers 1 --channels 32 --heads 2 --context 32 --vocab 300 --batch-size 4 --steps 2 --quiet"
if [ "$rc" = 1 ] && grep -qF "$tmp/full/model.ckpt: cannot write the checkpoint: File too large" "$tmp/err"; then ok "lm-train: a checkpoint write error says why"
else bad "lm-train: a checkpoint write error says why" "expected exit 1 and $tmp/full/model.ckpt: cannot write the checkpoint: File too large"; fi

# a model and a tokenizer of different runs are refused
$T lm-train --data "$data" --out "$tmp/v3" --layers 1 --channels 32 --heads 2 --context 32 --vocab 300 --batch-size 4 --steps 2 --quiet >/dev/null 2>&1
mkdir -p "$tmp/mix" && cp "$tmp/a/model.ckpt" "$tmp/mix/" && cp "$tmp/v3/tokenizer.bin" "$tmp/mix/"
run $T lm-sample --model "$tmp/mix" --max-new 4 --samples 1
if [ "$rc" = 2 ] && grep -q "model.ckpt was not trained with $tmp/mix/tokenizer.bin" "$tmp/err"; then ok "mismatched tokenizer refused"
else bad "mismatched tokenizer refused" "exit $rc"; fi
# a failed run writes nothing
printf 'too short\n' >"$tmp/short.txt"
expect_err "a corpus too short: exit 2 and says why" 2 "tldrlab lm-train: $tmp/short.txt is too short: 4 tokens for a context of 32 (and a held-out part)" $T lm-train --data "$tmp/short.txt" --out "$tmp/none" $small
check "a corpus too short: nothing written" test ! -e "$tmp/none"

# bad input
expect_err "lm-train needs --data" 2 "tldrlab lm-train: --data FILE is required: the text to train on" $T lm-train --out "$tmp/x"
head -c 100 "$tmp/a/model.ckpt" >"$tmp/cut.ckpt"
run $T lm-dump --checkpoint "$tmp/cut.ckpt" --out "$tmp/d2"
if [ "$rc" = 2 ] && grep -q "$tmp/cut.ckpt: truncated checkpoint" "$tmp/err"; then ok "a truncated checkpoint is refused"
else bad "a truncated checkpoint is refused" "exit $rc"; fi
printf '{"post": 5}\n' >"$tmp/bad.jsonl"
expect_err "lm-train: bad JSON lines" 2 "$tmp/bad.jsonl:1: post: expected a string" $T lm-train --data "$tmp/bad.jsonl" --out "$tmp/x" --quiet
printf '{"model": {\n  "C": 64,\n  "NH": 7}}\n' >"$tmp/nh.json"
expect_err "lm-train --config: heads must divide channels (the file, line and key)" 2 "$tmp/nh.json:3: model.NH: expected a divisor of C = 64 (the heads split the channels), got 7" $T lm-train --data "$data" --out "$tmp/x" --config "$tmp/nh.json" --quiet
printf '{"modle": {"C": 64}}\n' >"$tmp/typo.json"
expect_err "lm-train --config: a misspelt section is refused" 2 "$tmp/typo.json:1: modle: unknown key (known: seed, world, reference, judge, labelers, model, train)" $T lm-train --data "$data" --out "$tmp/x" --config "$tmp/typo.json" --quiet
expect_err "lm-train: heads must divide channels" 2 "tldrlab lm-train: --heads: expected a divisor of C = 32 (the heads split the channels), got 3" $T lm-train --data "$data" --out "$tmp/x" --layers 1 --channels 32 --heads 3 --context 32 --vocab 400 --quiet

# an interrupted run keeps its work: periodic checkpoints and the log by default (kill -9 loses at
# most a tenth of the steps), and a first SIGINT checkpoints at once; --resume then ends where a run
# straight through does
long="--layers 1 --channels 32 --heads 2 --context 32 --vocab 400 --batch-size 4 --steps 200 --eval-every 50"
$T lm-train --data "$data" --out "$tmp/k0" $long --quiet >/dev/null 2>&1
for how in KILL INT; do
  $T lm-train --data "$data" --out "$tmp/k$how" $long --progress >/dev/null 2>"$tmp/k.err" &
  pid=$!
  for _ in $(seq 600); do grep -q "step [4-9][0-9]/200\|step 1[0-9][0-9]/200" "$tmp/k.err" 2>/dev/null && break; sleep 0.02; done
  kill -$how "$pid"; wait "$pid" 2>/dev/null; krc=$?
  rows=$(($(wc -l <"$tmp/k$how/log.csv" 2>/dev/null || echo 1) - 1))
  if [ -s "$tmp/k$how/model.ckpt" ] && [ "$rows" -ge 20 ] && { [ $how = KILL ] || { [ "$krc" = 130 ] && grep -q "stopped by signal 2 after step" "$tmp/k.err"; }; }; then
    ok "lm-train: after SIG$how at step 40 or later the checkpoint and $rows rows of log.csv are there (exit $krc)"
  else bad "lm-train: SIG$how keeps the work" "exit $krc, $rows log rows" "$(ls "$tmp/k$how" 2>&1)"; fi
  run $T lm-train --data "$data" --out "$tmp/k$how" --resume --quiet
  if [ "$rc" = 0 ] && cmp -s "$tmp/k0/model.ckpt" "$tmp/k$how/model.ckpt"; then ok "lm-train: resumed after SIG$how = straight through"
  else bad "lm-train: resumed after SIG$how = straight through" "exit $rc"; fi
done

finish lm
