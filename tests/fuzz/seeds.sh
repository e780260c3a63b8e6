#!/usr/bin/env bash
# tests/fuzz/seeds.sh — seed inputs for the fuzz targets (docs/testing.md).
#
#   tests/fuzz/seeds.sh           real-record seeds into build/fuzz/real/NAME/
#                                 (make fuzz runs this), when the real records
#                                 are there (../shared/data/real or
#                                 $TLDRLAB_REAL_DATA); never committed
#   tests/fuzz/seeds.sh --corpus  remakes the committed corpus
#                                 tests/fuzz/corpus/NAME/ with bin/tldrlab from
#                                 the example data, the tiny world of
#                                 tests/fuzz/tiny-world.json and a tiny model,
#                                 plus a few hand-made inputs
#
# Seeds are kept small: libFuzzer mutates best what is short, and make test
# replays the committed corpus on every run.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=${TLDRLAB:-bin/tldrlab}

real_seeds() {
  local real=${TLDRLAB_REAL_DATA:-../shared/data/real} out=build/fuzz/real
  if [ ! -d "$real" ]; then
    echo "seeds: $real not found: no real-record seeds (set TLDRLAB_REAL_DATA)" >&2
    return 0
  fi
  rm -rf "$out"
  mkdir -p "$out/records_cmp"
  local f n=0
  # the first three records of each released file, and each of them alone
  for f in "$real"/*.json; do
    [ -f "$f" ] || continue
    local b; b=$(basename "$f" .json)
    head -n 3 "$f" >"$out/records_cmp/$b"
    for i in 1 2 3; do sed -n "${i}p" "$f" >"$out/records_cmp/$b.$i"; done
    n=$((n + 4))
  done
  echo "seeds: $n real-record seeds in $out/records_cmp (not for the repository)" >&2
}

corpus() {
  [ -x "$T" ] || { echo "seeds: $T not built (make)" >&2; exit 1; }
  local c=tests/fuzz/corpus tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  rm -rf "$c"
  mkdir -p "$c"/{records_cmp,records_axis,policy_meta,world_config,lexicon,world,samples,checkpoint,tokenizer,stage_meta,stage_log,rm_scores,curves_log}

  # ---- records: the example data set's first records, TL;DR and news
  "$T" example --posts 4 --articles 2 --workers 2 --quiet --out "$tmp/ex" >/dev/null
  local f
  for f in "$tmp"/ex/comparisons/*.json; do head -n 2 "$f" >"$c/records_cmp/example_$(basename "$f" .json)"; done
  for f in "$tmp"/ex/axis_evals/*.json; do head -n 2 "$f" >"$c/records_axis/example_$(basename "$f" .json)"; done
  # the optional fields absent or null, a "r/" subreddit, no info.id
  head -n 1 "$tmp"/ex/comparisons/tldr.json |
    sed -e 's/"id":"[^"]*",//' -e 's/"subreddit":"/"subreddit":"r\//' -e 's/"note":"[^"]*"/"note":null/g' >"$c/records_cmp/variants"

  # ---- the tiny world: its files bundled (world target), its config, summaries
  "$T" world generate --config tests/fuzz/tiny-world.json --out "$tmp/w" --quiet >/dev/null
  {
    for f in world.json facts.jsonl tldr/train.jsonl tldr/valid1.jsonl tldr/valid2.jsonl tldr/test.jsonl \
             news/train.jsonl news/test.jsonl; do
      echo "=== $f"
      cat "$tmp/w/$f"
    done
  } >"$c/world/tiny"
  cp tests/fuzz/tiny-world.json "$c/world_config/splits"
  /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["config"], indent=1))' \
    "$tmp/w/world.json" >"$c/world_config/every_setting"
  for k in ref lead3; do
    "$T" baseline "$k" --world "$tmp/w" --out "$tmp/$k.jsonl" >/dev/null
    head -n 3 "$tmp/$k.jsonl" >"$c/samples/$k"
  done

  # ---- the lexicon: the built-in one with only the smallest file of each
  # domain (the lexicon needs both), so that the seed stays small
  /usr/bin/python3 - "$tmp/w/lexicon.json" "$c/lexicon/small" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
size = lambda f: len(json.dumps(f))
d["files"] = [min((f for f in d["files"] if f["name"].startswith(p)), key=size) for p in ("tldr_", "news_")]
json.dump(d, open(sys.argv[2], "w"), separators=(",", ":"))
PY

  # ---- a tiny model: checkpoint, tokenizer, log
  "$T" lm-train --data "$tmp/w/tldr/train.jsonl" --out "$tmp/m" --layers 1 --channels 8 --heads 1 --context 8 \
    --vocab 260 --batch-size 1 --steps 2 --quiet >/dev/null
  cp "$tmp/m/model.ckpt" "$c/checkpoint/tiny"
  cp "$tmp/m/tokenizer.bin" "$c/tokenizer/tiny"
  cp "$tmp/m/log.csv" "$c/stage_log/lm_train"
  cp "$tmp/m/log.csv" "$c/curves_log/lm_train"

  # ---- hand-made: policy metadata, a stage's meta.json, reward-model scores
  cat >"$c/policy_meta/policies" <<'JSON'
{"policies": {"sup4_6b_ppo_rm4_6b_kl14": {"method": "rl", "params": 6.7e9, "kl": 14, "beta": 0.05,
  "temperature": null, "rm": "rm4_6b", "source": "sup4_6b", "trained_on": "tldr"},
  "lead3": {"method": "other", "params": null}, "sup4_bo16_rm4": {"n": 16, "top_p": 0.9}}}
JSON
  printf '{"ppo_0.01m": {"method": "rl", "kl": 2.5}}\n' >"$c/policy_meta/inner"
  cat >"$c/stage_meta/ppo" <<'JSON'
{
	"policies":	{
		"ppo_0.01m_rm_0.01m_kl0.05":	{
			"method":	"rl",
			"params":	10240,
			"beta":	0.05,
			"rm":	"rm_0.01m",
			"source":	"sup_0.01m",
			"trained_on":	"tldr"
		}
	}
}
JSON
  printf 'post_id,policy,rm_policy,rm_ref\nt3_a,sup4_6b,1.25,0.5\n"t3_b","sup4_6b_ppo_rm4_6b_kl14","-0.75",2e-1\n' >"$c/rm_scores/scores"
  # training logs as rm train and ppo write them (the curves figure reads all three)
  printf 'step,loss,accuracy,val_loss,val_accuracy,lr,grad_norm,pairs_per_s,elapsed_s\n1,0.70,0.5,,,1e-4,0.86,27,0.15\n2,0.71,0.25,0.72,0.17,9.8e-05,0.72,17,0.40\n' >"$c/curves_log/rm"
  printf 'iteration,episodes,rm_score,gold,kl,kl_k3,nonscore_reward,entropy,beta\n1,8,-0.75,0,0,0,-0,5.32,0.05\n2,16,-0.87,0,-0.016,0.0027,0.0008,5.3213,0.05\n' >"$c/curves_log/ppo"
  local n; n=$(find "$c" -type f | wc -l)
  echo "seeds: $n inputs in $c ($(du -sh "$c" | cut -f1))" >&2
}

case "${1:-}" in
  --corpus) corpus ;;
  "") real_seeds ;;
  -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "seeds.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
