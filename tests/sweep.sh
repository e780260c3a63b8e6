#!/usr/bin/env bash
# tests/sweep.sh — `tldrlab sweep` on tests/data/sweep_tiny.json: config
# validation, the plan, a whole run, resume after SIGKILL at a few points
# to the same report, and a changed config rerunning only what it changes.
# Prints "sweep: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"
CFG=tests/data/sweep_tiny.json
TA=$(cd "$(dirname "$T")" && pwd)/$(basename "$T") # stages run from the run folder

# ---- config validation: file:line: key.path: problem, exit 2, nothing run
bad_cfg() { # NAME MESSAGE JSON
  printf '%s\n' "$3" > "$tmp/bad.json"
  expect_err "config: $1" 2 "$tmp/bad.json:$2" $T sweep "$tmp/bad.json" --out "$tmp/never"
}
bad_cfg "an unknown key" '2: wrold: unknown key (known here: name, seed, seeds, world, reference, judge, labelers, tokenizer, context, sizes, pretrain, sft, comparisons, rm, ppo, bon, eval, report)' '{"name": "x",
 "wrold": {}}'
bad_cfg "a beta out of range" '3: ppo.betas[2]: must be > 0' '{"name": "x",
 "ppo": {"iterations": 2,
         "betas": [0.1, 0.2, -1]}}'
bad_cfg "a wrong type" '2: sft.steps: expected a whole number from 1 to 100000000' '{
 "sft": {"steps": "many"}}'
bad_cfg "a world setting, checked by the world's reader" '2: world.splits.tldr.train: expected a whole number of documents from 0 to 10000000' '{
 "world": {"splits": {"tldr": {"train": -5}}}}'
bad_cfg "heads that do not divide the channels" '2: sizes[0].NH: expected a divisor of C = 32, got 5' '{
 "sizes": [{"name": "a", "L": 1, "C": 32, "NH": 5}]}'
bad_cfg "a name that is not a folder name" '1: name: expected letters, digits, '"'"'_'"'"', '"'"'-'"'"' or '"'"'.'"'"' (it names folders and policies), got '"'"'a b'"'"'' '{"name": "a b"}'
check "config errors run nothing" test ! -e "$tmp/never"

# ---- the shipped configs are valid and plan (paper.json's report stage has hundreds of arguments)
for c in quickstart:86 small:174 paper:985; do
  run $T sweep "configs/${c%%:*}.json" --out "$tmp/dry_${c%%:*}" --dry-run
  check "configs/${c%%:*}.json: checked and planned, ${c#*:} stages (exit $rc; got $(grep '^| [a-z]' "$tmp/out" | grep -vc '^| stage |'))" \
    test "$rc" = 0 -a "$(grep '^| [a-z]' "$tmp/out" | grep -vc '^| stage |')" = "${c#*:}"
done

# ---- adaptive PPO runs (KL targets) and raters per summary
printf '{"ppo": {"betas": [0.1], "kl_targets": [2, 8]}, "eval": {"ratings": 2}}\n' > "$tmp/kt.json"
run $T sweep "$tmp/kt.json" --out "$tmp/kt" --dry-run
check "ppo.kl_targets: one adaptive PPO stage per target, after the fixed betas" \
  sh -c "grep -o '^| ppo/[^ ]* |' '$tmp/out' | tr -d '| ' | tr '\n' ' ' | grep -qx 'ppo/s/b0.1 ppo/s/k2 ppo/s/k8 ' && grep '| ppo/s/k8 |' '$tmp/out' | grep -q -- '--kl-target 8 '"
check "eval.ratings: workers per rating" sh -c "grep '| eval/sup_s/tldr/rate |' '$tmp/out' | grep -q -- '--labels 2 '"
bad_cfg "a KL target out of range" '1: ppo.kl_targets[0]: must be > 0' '{"ppo": {"kl_targets": [0]}}'
bad_cfg "repeated seeds" '1: seeds[1]: 2 is in the list twice' '{"seeds": [2, 2]}'

# ---- the plan
run $T sweep $CFG --out "$tmp/r1" --dry-run
check "dry run: every stage in the plan (expected 77 rows)" test "$(grep '^| [a-z]' "$tmp/out" | grep -vc '^| stage |')" = 77
check "dry run: stages in order (world before pretrain before sft before ppo before report)" \
  test "$(grep -o '^| [a-z/._0-9]* |' "$tmp/out" | tr -d '| ' | grep -v '^stage$' | grep -n -x -e world -e pretrain/xs -e sft/xs -e ppo/xs/b0.05 -e report | cut -d: -f1 | tr '\n' ' ')" = "2 24 25 32 77 "
check "dry run: a stage's command as tldrlab runs it" grep -qF '| ppo/xs/b0.2 | run | ' "$tmp/out"
check "dry run writes nothing" test ! -e "$tmp/r1/manifest.json"

# ---- a whole run
run $TA sweep $CFG --out "$tmp/r1" --quiet
check "sweep: exit 0 (got $rc)" test "$rc" = 0
check "sweep: the report" test -s "$tmp/r1/report/report.html" -a -s "$tmp/r1/report/tables/tldr_winrate.csv"
m=$tmp/r1/manifest.json
check "manifest: every stage done (expected 77)" test "$(grep -c '"status":[[:space:]]*"done"' "$m")" = 77
check "manifest: version, commit and the resolved config" python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert m['tldrlab_version'] and m['commit'] and m['resolved_config']['ppo']['episodes'] == 8 and m['resolved_config']['sft']['lr'] == 0.001" "$m"
check "manifest: each stage's output checksum, its inputs' checksums and its seed" python3 -c "
import json, sys
st = json.load(open(sys.argv[1]))['stages']
assert all(len(s.get('checksum', '')) == 16 for s in st.values()), [k for k, s in st.items() if 'checksum' not in s]
p = st['ppo/xs/b0.05']
assert p['seed'] == 10, p.get('seed')
assert p['input_checksums'] == {'sft/xs': st['sft/xs']['checksum'], 'rm/xs': st['rm/xs']['checksum']}, p['input_checksums']" "$m"
check "every policy evaluated against the references (lead-3, title, pretrained, supervised, 2 PPO, best-of-2 and -4)" \
  test "$(awk -F, 'NR > 1 {print $1}' "$tmp/r1/report/tables/tldr_winrate.csv" | sort | tr -d '"' | tr '\n' ' ')" = "lead3 pretrain_0.03m sup_0.03m sup_0.03m_bo2_rm_0.03m sup_0.03m_bo4_rm_0.03m sup_0.03m_ppo_rm_0.03m_b0.05 sup_0.03m_ppo_rm_0.03m_b0.2 title "
check "findings: the paper's eight claims, each with a result and its numbers" python3 -c "
import json, sys
f = json.load(open(sys.argv[1]))
assert [x['claim'] for x in f['findings']] == list(range(1, 9))
assert all(x['status'] in ('reproduced', 'not reproduced', 'not testable') and x['numbers'] for x in f['findings'])
assert f['reproduced'] + f['not_reproduced'] + f['not_testable'] == 8
# one size: the smallest-beats-largest claim cannot be tested; two PPO policies: no curve to peak
assert f['findings'][2]['status'] == 'not testable' and f['findings'][4]['status'] == 'not testable'" "$tmp/r1/findings.json"
check "report transfer: every news policy's copied is the sweep's gold judge's news value (judge/judge.json)" python3 -c "
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
judge = {r['policy']: r['copied'] for r in json.load(open(sys.argv[2]))['policies'] if r['dataset'] == 'news'}
assert [r['role'] for r in rows[:2]] == ['reference', 'lead-3'], 'expected reference and lead-3 first, got %s' % [r['role'] for r in rows[:2]]
for r in rows:
    got = None if r['copied'] == '' else float(r['copied'])
    assert got is not None and got == judge.get(r['policy']), '%s: expected copied %s, got %s' % (r['policy'], judge.get(r['policy']), got)" \
  "$tmp/r1/report/tables/transfer.csv" "$tmp/r1/judge/judge.json"
rr=$tmp/r1/report
check "report: a Training curves section with the curves figure" sh -c "grep -qx '## Training curves' '$rr/report.md' && grep -q '^!\[Training curves: .*\](figures/curves.png)\$' '$rr/report.md'"
check "report: the curves figure drawn (a PNG of 1500x1040)" python3 -c "
import struct, sys
d = open(sys.argv[1], 'rb').read(24)
assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n' and struct.unpack('>II', d[16:24]) == (1500, 1040), d" "$rr/figures/curves.png"
got=$(awk -F, 'NR > 1 {print $1 ":" $6}' "$rr/figures/curves.csv" | sort -u | tr '\n' ' ')
want="ppo:entropy ppo:kl ppo:rm_score pretrain:loss pretrain:val_loss rm:accuracy rm:val_accuracy sft:loss sft:val_loss "
if [ "$got" = "$want" ]; then ok "curves.csv: rows for every stage and metric"
else bad "curves.csv: rows for every stage and metric" "expected stage:metric pairs: $want" "got: $got"; fi
got=$(awk -F, 'NR > 1 {print $1 "," $2}' "$rr/tables/curves.csv" | tr -d '"' | tr '\n' ' ')
want="pretrain,pretrain_0.03m sft,sup_0.03m rm,rm_0.03m ppo,sup_0.03m_ppo_rm_0.03m_b0.05 ppo,sup_0.03m_ppo_rm_0.03m_b0.2 "
if [ "$got" = "$want" ]; then ok "report: a final-values row per training run"
else bad "report: a final-values row per training run" "expected: $want" "got: $got"; fi
check "report: PPO's final KL is its log's last kl (1e-6)" python3 -c "
import csv, sys
row = [r for r in csv.DictReader(open(sys.argv[1])) if r['policy'] == 'sup_0.03m_ppo_rm_0.03m_b0.2'][0]
log = list(csv.DictReader(open(sys.argv[2])))
assert abs(float(row['kl']) - float(log[-1]['kl'])) < 1e-6, (row['kl'], log[-1]['kl'])" "$rr/tables/curves.csv" "$tmp/r1/policies/ppo_xs_b0.2/log.csv"
# the gold judge's comparisons: one file per evaluated policy and dataset, worker gold only, given to the report with --gold
gold_files=$(cd "$tmp/r1" && ls comparisons/gold_eval_*.json | tr '\n' ' ')
eval_files=$(cd "$tmp/r1" && ls comparisons/eval_*.json | sed 's,/eval_,/gold_eval_,' | tr '\n' ' ')
check "gold comparisons: one per labelers' evaluation file (expected $eval_files, got $gold_files)" test "$gold_files" = "$eval_files"
check "gold comparisons: every record's worker is gold (got workers: $(cat "$tmp/r1"/comparisons/gold_eval_*.json | grep -o '"worker":"[^"]*"' | sort -u | tr '\n' ' '))" \
  test "$(cat "$tmp/r1"/comparisons/gold_eval_*.json | grep -o '"worker":"[^"]*"' | sort -u)" = '"worker":"gold"'
check "gold comparisons: not among the labelers' (no worker gold in the win-rate inputs of the report's --comparisons)" \
  test -z "$(grep -l '"worker":"gold"' "$tmp/r1"/comparisons/eval_*.json)"
check "report: the gold win rates, a table of their own" test -s "$tmp/r1/report/tables/tldr_gold_winrate.csv" -a -s "$tmp/r1/report/tables/news_gold_winrate.csv"
check "report: its command line passes every gold file with --gold" test "$(grep -o -- '--gold [^-]*' "$tmp/r1/report/report.md" | head -1 | wc -w)" = "$(( $(echo $gold_files | wc -w) + 1 ))"
check "findings: did each stage do its job (supervised above pretrained, PPO raising the RM's score), per size" python3 -c "
import json, sys
c = json.load(open(sys.argv[1]))['checks']
assert [x['check'] for x in c] == ['supervised above pretrained', 'PPO raised the reward model\'s score'], c
assert all(x['result'] in ('yes', 'no', 'not measured') and x['numbers'] for x in c), c
assert 'gold overall' in c[0]['numbers'] and 'overall (1-7)' in c[0]['numbers'] and 'win rate' in c[0]['numbers'], c[0]" "$tmp/r1/findings.json"
check "report: the labelers against the gold judge, on the evaluation pairs (--calibration, expert gold)" \
  sh -c "grep -qx '## Labelers against the gold judge' '$tmp/r1/report/report.md' && grep -q '^agreement with the expert gold: ' '$tmp/r1/report/report.md'"
check "findings: first in the report" sh -c "grep -n '^## ' '$tmp/r1/report/report.md' | head -2 | tail -1 | grep -q ':## Findings$'"
run $TA sweep $CFG --out "$tmp/r1"
check "again: nothing to run" grep -q "^sweep tiny: 77 stages, 0 to run" "$tmp/err"

# ---- SIGKILL at a few points, then the same command resumes to the same report
kill_when() { # PATTERN: start the sweep, SIGKILL it (and its stage) once the manifest matches
  $TA sweep $CFG --out "$tmp/r2" --quiet >/dev/null 2>&1 &
  local pid=$! i
  for i in $(seq 600); do
    grep -q "$1" "$tmp/r2/manifest.json" 2>/dev/null && break
    sleep 0.1
  done
  pkill -9 -P $pid 2>/dev/null; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
}
kill_when '"pretrain/xs":'
sleep 0.5
kill_when '"ppo/xs/b0.05":'
run $TA sweep $CFG --out "$tmp/r2" --quiet
check "killed twice, then resumed: exit 0 (got $rc)" test "$rc" = 0
same=1
for f in "$tmp"/r1/report/tables/*.csv; do
  cmp -s "$f" "$tmp/r2/report/tables/${f##*/}" || { same=0; echo "  differs: ${f##*/}"; }
done
check "killed twice, then resumed: the report's tables equal a straight run's" test "$same" = 1
check "killed twice, then resumed: the PPO checkpoint equals a straight run's" cmp -s "$tmp/r1/policies/ppo_xs_b0.2/model.ckpt" "$tmp/r2/policies/ppo_xs_b0.2/model.ckpt"

# ---- SIGTERM stops the running stage too, records it, and the same command resumes
$TA sweep $CFG --out "$tmp/r2" --quiet --force ppo >/dev/null 2>"$tmp/term_err" &
pid=$!
for i in $(seq 600); do
  tr -d '\n\t' < "$tmp/r2/manifest.json" 2>/dev/null | grep -q '"ppo/xs/b0.05":{"status":"running"' && break
  sleep 0.1
done
sleep 0.3
child=$(pgrep -P $pid | head -1) # the running stage
kill -TERM $pid; wait $pid; rc=$?
left=
if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then left=$child; fi
check "SIGTERM: the sweep exits 143 (got $rc)" test "$rc" = 143
check "SIGTERM: no stage left running (the stage was pid '${child}'; still running: '${left}')" test -n "$child" -a -z "$left"
check "SIGTERM: the manifest says stopped" python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
assert 'stopped' in [s['status'] for s in m['stages'].values()], [s['status'] for s in m['stages'].values()]" "$tmp/r2/manifest.json"
check "SIGTERM: the message says how to resume (got: $(tail -1 "$tmp/term_err"))" grep -q "run the same command again to resume" "$tmp/term_err"
run $TA sweep $CFG --out "$tmp/r2" --quiet
check "SIGTERM, then resumed: exit 0 (got $rc)" test "$rc" = 0
check "SIGTERM, then resumed: the PPO checkpoint equals a straight run's" cmp -s "$tmp/r1/policies/ppo_xs_b0.05/model.ckpt" "$tmp/r2/policies/ppo_xs_b0.05/model.ckpt"

# ---- several seeds: a whole run per seed, then every policy's numbers over seeds
python3 -c "
import json, sys
c = json.load(open(sys.argv[1]))
c.update(name='tiny2', seeds=[3, 5])
c['ppo']['betas'] = [0.2]; c['bon']['n'] = [2]; c['eval']['articles'] = 0
json.dump(c, open(sys.argv[2], 'w'))" $CFG "$tmp/seeds.json"
run $T sweep "$tmp/seeds.json" --out "$tmp/s2" --dry-run
ids=$(grep -o '^| [a-z][^ ]* |' "$tmp/out" | tr -d '| ' | grep -v '^stage$')
check "seeds: each seed's stages in seeds/SEED, the seeds' table last (got $(echo "$ids" | sed -n '1p;$p' | tr '\n' ' '))" \
  test "$(echo "$ids" | head -1)" = seeds/3/world/config -a "$(echo "$ids" | tail -1)" = seeds -a "$(echo "$ids" | grep -c '^seeds/5/ppo/xs/b0.2$')" = 1
check "seeds: each seed trains with its own seed (seed 3: ppo --seed 6; seed 5: --seed 8)" \
  sh -c "grep '| seeds/3/ppo/xs/b0.2 |' '$tmp/out' | grep -q -- '--seed 6 ' && grep '| seeds/5/ppo/xs/b0.2 |' '$tmp/out' | grep -q -- '--seed 8 '"
run $TA sweep "$tmp/seeds.json" --out "$tmp/s2" --quiet
check "seeds: exit 0 (got $rc)" test "$rc" = 0
check "seeds: a report per seed" test -s "$tmp/s2/seeds/3/report/report.html" -a -s "$tmp/s2/seeds/5/report/report.html"
check "seeds: seeds.md has the table over seeds and each claim's verdict per seed" \
  sh -c "grep -q '^## Seeds' '$tmp/s2/seeds.md' && test \$(grep -c ' of 2 |\$' '$tmp/s2/seeds.md') = 8"
check "seeds: the per-seed rows are each seed's report's numbers, the pooled row their sum" python3 -c "
import csv, json, sys
d = sys.argv[1]
long = list(csv.DictReader(open(d + '/seeds_long.csv')))
wide = {r['policy']: r for r in csv.DictReader(open(d + '/seeds.csv'))}
for s in ('3', '5'):
    t = {p['policy']: p for p in json.load(open(d + '/seeds/' + s + '/report/tables/tldr_winrate.json'))['policies']}
    for r in long:
        if r['seed'] == s:
            assert abs(float(r['win_rate']) - t[r['policy']]['win_rate']) < 1e-9, (s, r, t[r['policy']])
            assert int(r['n']) == t[r['policy']]['n'], (s, r)
sup = [r for r in long if r['policy'] == 'sup_0.03m']
assert len(sup) == 2, sup
w = wide['sup_0.03m']
assert int(w['pooled_n']) == sum(int(r['n']) for r in sup), (w, sup)
m = sum(float(r['win_rate']) for r in sup) / 2
assert abs(float(w['win_rate_mean']) - m) < 1e-9, (w['win_rate_mean'], m)
assert w['seeds'] == '2'" "$tmp/s2"

# ---- a changed config reruns only what it changes
sed 's/"betas": \[0.05, 0.2\]/"betas": [0.05, 0.3]/' $CFG > "$tmp/cfg_b.json"
run $T sweep "$tmp/cfg_b.json" --out "$tmp/r1" --dry-run
ran=$(grep -v '| done |' "$tmp/out" | grep -v '^| stage |' | grep -o '^| [a-z][^ ]* |' | tr -d '| ' | tr '\n' ' ')
check "a new beta: only its PPO stage, its evaluation and the report run (got: $ran)" \
  test "$ran" = "ppo/xs/b0.3 eval/ppo_xs_b0.3/tldr eval/ppo_xs_b0.3/tldr/compare eval/ppo_xs_b0.3/tldr/rate eval/ppo_xs_b0.3/tldr/gold eval/ppo_xs_b0.3/news eval/ppo_xs_b0.3/news/compare eval/ppo_xs_b0.3/news/rate eval/ppo_xs_b0.3/news/gold eval/rm_scores/xs eval/judge report/meta report/rm_scores report/findings report "
sed 's/"iterations": 2/"iterations": 3/' $CFG > "$tmp/cfg_i.json"
run $T sweep "$tmp/cfg_i.json" --out "$tmp/r1" --dry-run
check "more PPO iterations: every PPO stage reruns, training before it does not" \
  sh -c "grep -q '| ppo/xs/b0.05 | rerun (its inputs changed) |' '$tmp/out' && grep -q '| ppo/xs/b0.2 | rerun' '$tmp/out' && grep -q '| rm/xs | done |' '$tmp/out' && grep -q '| sft/xs | done |' '$tmp/out'"
run $T sweep $CFG --out "$tmp/r1" --dry-run --only report --force report
check "--force: a done stage reruns" grep -q '| report | run |' "$tmp/out"
expect_err "--only: a stage whose input is not done is refused" 2 "tldrlab sweep: --only: stage report/rm_scores needs eval/rm_scores/xs, which is not done; run it first (or without --only)" \
  $T sweep "$tmp/cfg_b.json" --out "$tmp/r1" --only ppo,report --dry-run

# ---- three PPO policies: claim 5 is testable and reads the gold judge's win rates against the reference
sed 's/"betas": \[0.05, 0.2\]/"betas": [0.05, 0.2, 0.3]/' $CFG > "$tmp/cfg_3.json"
run $TA sweep "$tmp/cfg_3.json" --out "$tmp/r1" --quiet
check "three betas: claim 5 tested on the gold win rates (exit $rc)" python3 -c "
import csv, json, sys
f = json.load(open(sys.argv[1]))['findings'][4]
gold = {r['policy']: float(r['win_rate']) for r in csv.DictReader(open(sys.argv[2]))}
assert f['status'] != 'not testable', f
assert '(gold: win rate against the reference)' in f['numbers'], f['numbers']
# the numbers are the gold table's, in KL order: each PPO policy's gold win rate appears
for p, w in gold.items():
    if '_ppo_' in p:
        assert 'gold %.3f' % w in f['numbers'], ('expected gold %.3f for %s in' % (w, p), f['numbers'])" "$tmp/r1/findings.json" "$tmp/r1/report/tables/tldr_gold_winrate.csv"

finish sweep
