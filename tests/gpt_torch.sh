#!/usr/bin/env bash
# tests/gpt_torch.sh — the GPT engine against an independent implementation:
# PyTorch (bench/gpt_model.py, checked by bench/gpt_crosscheck.py's own
# self-test against the model written out in numpy). A language model and a
# reward model (the scalar head that rm and ppo train) are trained a few
# steps through the command line, lm-dump writes each one's outputs, loss and
# gradients on a random batch with left padding, and gpt_crosscheck.py
# compares logits or values, the loss and every gradient tensor in float32
# and float64 (tolerance 1e-4 of each tensor's largest magnitude). A dump
# with one gradient corrupted must be caught. Without python3-torch
# (scripts/install-deps.sh --torch) every check is skipped, loudly.
# GPT_TORCH_PYTHON names another interpreter (default /usr/bin/python3, where
# Debian's python3-torch installs). Prints one line per test and
# "gpt_torch: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"
PY=${GPT_TORCH_PYTHON:-/usr/bin/python3}
CC=bench/gpt_crosscheck.py

if ! "$PY" -c 'import torch' >"$tmp/torch.err" 2>&1; then
  why="$PY cannot import torch ($(tail -1 "$tmp/torch.err" 2>/dev/null | head -c 200)); install python3-torch (scripts/install-deps.sh --torch)"
  echo "########################################################################"
  echo "# SKIPPED: the PyTorch cross-check of the GPT engine (LM and scalar head)"
  echo "########################################################################"
  skipped "PyTorch cross-check of the GPT engine, LM and scalar head" "$why"
  echo "skip: $why" >&2
  finish gpt_torch
  exit
fi

# the cross-check's self-test: the PyTorch model equals FORMAT.md written out in numpy, corruptions are caught
run "$PY" "$CC" --selftest --threads 1
if [ "$rc" = 0 ] && grep -q "selftest: all passed" "$tmp/out"; then ok "gpt_crosscheck.py --selftest"
else bad "gpt_crosscheck.py --selftest" "expected exit 0 and 'all passed', got exit $rc:" "$(grep -v '^  ' "$tmp/out" | grep -v ': ok$' | head -8)"; fi

# a trained language model and a reward model on a tiny world
cat >"$tmp/cfg.json" <<'JSON'
{"world": {"splits": {"tldr": {"train": 24, "valid1": 4, "valid2": 4, "test": 0}, "news": {"train": 0, "test": 0}}}}
JSON
W="$tmp/w"
$T world generate --config "$tmp/cfg.json" --out "$W" --quiet >/dev/null
expect "pretrain (L=2, C=16, NH=2, T=256)" 0 $T pretrain --world "$W" --out "$tmp/pt" --layers 2 --channels 16 --heads 2 \
  --context 256 --vocab 300 --batch-size 2 --steps 3 --quiet
expect "sft" 0 $T sft --world "$W" --from "$tmp/pt" --out "$tmp/sft" --batch-size 2 --steps 2 --quiet
for t in 0.7 1; do
  $T sample --world "$W" --model "$tmp/sft" --split train --temperature $t --seed 5 --out "$tmp/s$t.jsonl" --quiet 2>/dev/null
done
$T label compare --world "$W" --out "$tmp/cmp.json" "$tmp/s0.7.jsonl" "$tmp/s1.jsonl" --quiet >/dev/null 2>&1
expect "rm train" 0 $T rm train --world "$W" --from "$tmp/sft" --out "$tmp/rm" --batch-size 4 --steps 3 --quiet "$tmp/cmp.json"

# crosscheck NAME CKPT DUMPDIR: gpt_crosscheck.py agrees (exit 0), every tensor listed
crosscheck() {
  run "$PY" "$CC" --threads 1 "$2" "$3"
  local worst; worst=$(grep -o 'AGREE: worst rel [0-9.e+-]*' "$tmp/out")
  local n; n=$(grep -c '^  grad ' "$tmp/out")
  if [ "$rc" = 0 ] && [ -n "$worst" ] && [ "$n" = "$4" ]; then ok "$1 ($worst over the outputs, loss and $(($4 / 2)) gradient tensors, float32 and float64)"
  else bad "$1" "expected exit 0, AGREE and $4 gradient rows, got exit $rc and $n rows:" "$(grep -E 'FAIL|DISAGREE|Error|error' "$tmp/out" "$tmp/err" | head -8)"; fi
}
for m in sft rm; do
  expect "lm-dump of the $m model" 0 $T lm-dump --checkpoint "$tmp/$m/model.ckpt" --out "$tmp/d$m" --batch-size 3 --seed 7
done
if [ -s "$tmp/dsft/logits.bin" ] && [ -s "$tmp/drm/values.bin" ] && [ -s "$tmp/drm/dvalues.bin" ] && [ -s "$tmp/drm/start.bin" ]; then
  ok "lm-dump writes logits for an LM, values and their weights for a scalar head, and the rows' padding"
else bad "lm-dump's files" "$(ls "$tmp/dsft" "$tmp/drm")"; fi
crosscheck "LM head: logits, mean loss and gradients agree with PyTorch" "$tmp/sft/model.ckpt" "$tmp/dsft" 32
crosscheck "scalar head (reward model): values, sum(w * values) and gradients agree with PyTorch" "$tmp/rm/model.ckpt" "$tmp/drm" 36

# the check can fail: the reward model's dump with one fcw gradient off by 1% of that tensor's largest
cp -r "$tmp/drm" "$tmp/bad"
"$PY" - "$tmp/bad/grads.bin" "$tmp/rm/model.ckpt" <<'EOF'
import sys
sys.path.insert(0, "bench")
import numpy as np
from gpt_crosscheck import offsets, read_checkpoint
g = np.fromfile(sys.argv[1], dtype="<f4")
o, k = offsets(read_checkpoint(sys.argv[2])[0]["config"])["fcw"]
g[o + k // 3] += 0.01 * np.abs(g[o:o + k]).max()
g.tofile(sys.argv[1])
EOF
run "$PY" "$CC" --threads 1 "$tmp/rm/model.ckpt" "$tmp/bad"
flagged=$(grep 'FAIL$' "$tmp/out" | awk '{print $2}' | sort -u | tr '\n' ' ')
if [ "$rc" = 1 ] && grep -q '^DISAGREE' "$tmp/out" && [ "$flagged" = "fcw " ]; then ok "a dump with one fcw gradient off by 1% is caught (exit 1, fcw flagged)"
else bad "a corrupted dump is caught" "expected exit 1 and only fcw flagged, got exit $rc, flagged: $flagged"; fi

finish gpt_torch
