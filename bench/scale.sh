#!/usr/bin/env bash
# bench/scale.sh — two ranks against one on this machine's cores (`make
# bench` when bin/tldrlab has MPI; docs/scale-out.md):
#
# 1. a stage-parallel sweep: SCALE_CONFIG (default configs/quickstart.json)
#    run whole twice, as one process with OMP_NUM_THREADS=2 (the peer) and
#    as `mpirun -np 2 --bind-to core` with one thread per rank;
# 2. data-parallel training on that sweep's models: PPO (PPO_STEPS
#    iterations of the config's episodes) and SFT (SFT_STEPS steps), one
#    process with 2 threads against 2 ranks with 1 thread each, REPS times
#    interleaved, the best run counting; the largest relative difference
#    of their last log rows is reported (the thread counts differ, so
#    OpenBLAS may sum in another order: equal to rounding, not bitwise);
# 3. writes the section "Scale-out on OpenMPI" of docs/benchmarks.md (temp
#    file, then mv). Raw times in bench/out/scale/.
#
# Environment: SCALE_CONFIG, REPS (2), PPO_STEPS (6), SFT_STEPS (60).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
CONFIG=${SCALE_CONFIG:-configs/quickstart.json}
REPS=${REPS:-2}
PPO_STEPS=${PPO_STEPS:-6}
SFT_STEPS=${SFT_STEPS:-60}
OUT=bench/out/scale
T=$PWD/bin/tldrlab
if ! command -v mpirun >/dev/null 2>&1 || ! "$T" --version | grep -q '^mpi: yes'; then
  echo "bench/scale.sh: skipped: bin/tldrlab without MPI or no mpirun (scripts/install-deps.sh --mpi, then make)"
  exit 0
fi
root=""
[ "$(id -u)" = 0 ] && root=--allow-run-as-root
mpi2() { mpirun $root -np 2 --bind-to core -x OMP_NUM_THREADS=1 "$@"; }
rm -rf "$OUT"
mkdir -p "$OUT"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

echo "bench/scale.sh: the sweep $CONFIG on 1 rank x 2 threads ..."
t0=$(now)
OMP_NUM_THREADS=2 "$T" sweep "$CONFIG" --out "$OUT/one" --quiet
sweep1=$(secs "$t0" "$(now)")
echo "bench/scale.sh: the sweep $CONFIG on 2 ranks x 1 thread ..."
t0=$(now)
mpi2 "$T" sweep "$CONFIG" --out "$OUT/two" --quiet
sweep2=$(secs "$t0" "$(now)")
# byte-identical outputs (with one thread per stage on both sides they all
# are, tests/mpi.sh; here the thread counts differ)
nsame=0 nfiles=0 differ=""
for f in $(cd "$OUT/one" && find . -name '*.ckpt' -o -path './report/tables/*.csv' | sort); do
  nfiles=$((nfiles + 1))
  if cmp -s "$OUT/one/$f" "$OUT/two/$f"; then nsame=$((nsame + 1)); else differ="$differ ${f#./}"; fi
done
stage_total=$(python3 -c "import json,sys; print('%.0f' % sum(v.get('seconds', 0) for v in json.load(open(sys.argv[1]))['stages'].values()))" "$OUT/one/manifest.json")

# the command of a stage of the sweep, with the steps and output replaced
cmd_of() { # STAGE STEPS OUT
  python3 - "$OUT/one/manifest.json" "$1" "$2" "$3" <<'PY'
import json, shlex, sys
m, sid, steps, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cmd = json.load(open(m))['stages'][sid]['command']
cmd[cmd.index('--steps') + 1] = steps
cmd[cmd.index('--out') + 1] = out
print(' '.join(shlex.quote(c) for c in cmd if c != '--quiet'))
PY
}
size=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['resolved_config']['sizes'][0]['name'])" "$OUT/one/manifest.json")
beta=$(python3 -c "import json,sys; print('%g' % json.load(open(sys.argv[1]))['resolved_config']['ppo']['betas'][0])" "$OUT/one/manifest.json")
ppo=$(cmd_of "ppo/$size/b$beta" "$PPO_STEPS" OUT)
sft=$(cmd_of "sft/$size" "$SFT_STEPS" OUT)
best() { sort -n | head -1; }
lastrow() { tail -1 "$1" | cut -d, -f1-3; }
for job in ppo sft; do
  cmd=${!job}
  : >"$OUT/$job.one" >"$OUT/$job.two"
  for r in $(seq "$REPS"); do
    rm -rf "$OUT/one/$job.a" "$OUT/one/$job.b"
    t0=$(now)
    (cd "$OUT/one" && eval "OMP_NUM_THREADS=2 $T ${cmd/OUT/$job.a}" >/dev/null 2>&1)
    secs "$t0" "$(now)" >>"$OUT/$job.one"
    echo >>"$OUT/$job.one"
    t0=$(now)
    (cd "$OUT/one" && eval "mpi2 $T ${cmd/OUT/$job.b}" >/dev/null 2>&1)
    secs "$t0" "$(now)" >>"$OUT/$job.two"
    echo >>"$OUT/$job.two"
  done
  python3 - "$OUT/one/$job.a/log.csv" "$OUT/one/$job.b/log.csv" >"$OUT/$job.diff" <<'PY'
import csv, math, sys
a, b = (list(csv.DictReader(open(p)))[-1] for p in sys.argv[1:])
keys = [k for k in a if not k.endswith('_s') and k not in ('seconds', 'tokens_per_s', 'lr')]
worst = max(((abs(float(a[k]) - float(b[k])) / max(abs(float(a[k])), 1e-12), k) for k in keys
             if not math.isnan(float(a[k]))), default=(0, '-'))
print('%.1e (%s)' % worst)
PY
done
p1=$(best <"$OUT/ppo.one") p2=$(best <"$OUT/ppo.two") s1=$(best <"$OUT/sft.one") s2=$(best <"$OUT/sft.two")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cores=$(nproc)
model=$(python3 -c "import json,sys; z=json.load(open(sys.argv[1]))['resolved_config']; s=z['sizes'][0]; print('L%d C%d T%d V%d' % (s['L'], s['C'], z['context'], z['tokenizer']['vocab']))" "$OUT/one/manifest.json")
episodes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['resolved_config']['ppo']['episodes'])" "$OUT/one/manifest.json")
batch=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['resolved_config']['sft']['batch'])" "$OUT/one/manifest.json")
doc=docs/benchmarks.md
marker="## Scale-out on OpenMPI (issue 13)"
tmpf="$doc.tmp.$$"
{
  if grep -qF "$marker" "$doc"; then sed "/^$marker/,\$d" "$doc"; else cat "$doc"; echo; fi
  cat <<EOF
$marker

bench/scale.sh on this machine ($cores cores, $(date -u +%Y-%m-%d)): the same work as one
process with two OpenMP threads (the peer) and as \`mpirun -np 2 --bind-to core\`
with one thread per rank. Times are wall seconds; the ratio is the peer's time over
the two ranks' (above 1: two ranks are faster).

Of the two sweeps' checkpoints and report tables, $nsame of $nfiles are byte-identical
(differing: $(echo "$differ" | wc -w) files, $(echo "$differ" | tr ' ' '\n' | grep -c ckpt) of them checkpoints). The thread counts differ, 2 against 1,
and OpenBLAS's threaded products may then sum in another order (tldrlab's own loops
have no sum across threads); with the same threads per
stage every file is the same (tests/mpi.sh). Once the supervised model differs in
its last bits, PPO's sampled rollouts part ways, so everything after it differs as
two draws of the same experiment do. For the same reason the training pairs' last
log rows differ by at most $(cat "$OUT/ppo.diff") for PPO (sampled) and
$(cat "$OUT/sft.diff") for SFT, relative.

| work | 1 rank x 2 threads (s) | 2 ranks x 1 thread (s) | ratio |
|:--|--:|--:|--:|
| sweep \`$CONFIG\`, stage-parallel (stage time $stage_total s) | $sweep1 | $sweep2 | $(ratio "$sweep1" "$sweep2") |
| PPO, $PPO_STEPS iterations of $episodes episodes, data-parallel ($model), best of $REPS | $p1 | $p2 | $(ratio "$p1" "$p2") |
| SFT, $SFT_STEPS steps of $batch sequences, data-parallel ($model), best of $REPS | $s1 | $s2 | $(ratio "$s1" "$s2") |
EOF
} >"$tmpf"
mv "$tmpf" "$doc"
echo "bench/scale.sh: sweep $(ratio "$sweep1" "$sweep2")x, PPO $(ratio "$p1" "$p2")x, SFT $(ratio "$s1" "$s2")x (2 ranks x 1 thread against 1 x 2); wrote $doc"
