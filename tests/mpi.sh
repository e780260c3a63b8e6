#!/usr/bin/env bash
# tests/mpi.sh — a sweep across the ranks of an OpenMPI job
# (docs/scale-out.md): the same checkpoints and report tables from
# `mpirun -np 1` and `-np 2`; stages on both ranks; the schedule and the
# critical path of --dry-run; a rank killed with SIGKILL mid-sweep, then the
# same command resuming without redoing what finished; a stage given two
# ranks by the config running data-parallel. Skipped, with the reason, when
# bin/tldrlab was built without MPI or mpirun is missing. Prints one line
# per test and "mpi: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"
CFG=tests/data/sweep_mpi.json
TA=$(cd "$(dirname "$T")" && pwd)/$(basename "$T") # stages run from the run folder

# ---- without MPI too: the config's ranks and --ranks are checked
printf '{"sft": {"ranks": 0}}\n' > "$tmp/bad.json"
expect_err "config: ranks below 1" 2 "$tmp/bad.json:1: sft.ranks: expected a whole number from 1 to 4096" $T sweep "$tmp/bad.json" --out "$tmp/never"
run $T sweep $CFG --out "$tmp/dry" --dry-run --ranks 2
serial=$(grep -c '^| [a-z]' "$tmp/out")
check "--dry-run --ranks 2: the wall time on 2 ranks, shorter than the stage time, and the critical path from world/config to report" \
  python3 -c "
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r'^On 2 ranks: about (\S+) of wall time for (\S+) of stage time \(([0-9.]+)x\); the critical path, (\d+) stages, takes \S+: (.*)$', t, re.M)
assert m, 'no schedule line in: ' + t[-600:]
assert float(m.group(3)) > 1, m.group(0)
path = m.group(5).split(' -> ')
assert path[0] == 'world/config' and path[-1] == 'report' and 'sft/xs' in path and 'rm/xs' in path, path
rows = re.findall(r'^\| \d\S* \| \d\S* \| ([0-9a-z ()]+) \| (\S+) \|$', t, re.M)
assert {r[0] for r in rows} >= {'0', '1'}, 'stages on ranks 0 and 1 expected, got ' + str({r[0] for r in rows})
" "$tmp/out"
run $T sweep $CFG --out "$tmp/dry" --dry-run
check "--dry-run on one rank: the critical path, and no schedule table" sh -c "grep -q '^On 1 rank: ' '$tmp/out' && ! grep -q '^| start |' '$tmp/out'"

# --calibrate: a finished run's measured/estimated seconds per group scale the estimates
mkdir -p "$tmp/cal"
printf '{"stages": {"ppo/xs/b0.05": {"status": "done", "seconds": 30, "estimated_seconds": 10},
 "seeds/2/ppo/xs/b0.2": {"status": "done", "seconds": 10, "estimated_seconds": 10},
 "rm/xs": {"status": "running", "seconds": 1, "estimated_seconds": 100}}}\n' > "$tmp/cal/manifest.json"
run $T sweep $CFG --out "$tmp/dry" --dry-run --calibrate "$tmp/cal"
check "--calibrate: PPO's estimates times 2 (40 s measured of 20 s estimated, a seed's stages counted in their group), unfinished stages left out" \
  grep -qx "Calibrated by $tmp/cal, each group's estimates times its measured/estimated seconds there: ppo 2.00." "$tmp/out"
expect_err "--calibrate: a folder without a manifest" 2 "tldrlab sweep: $tmp/never/manifest.json: cannot read the sweep manifest: No such file or directory" \
  $T sweep $CFG --out "$tmp/dry" --dry-run --calibrate "$tmp/never"

mpi_or_skip mpi "-np 1 and -np 2: the same checkpoints and report tables" "-np 2: stages on both ranks" \
  "-np 2: the same stage checksums as -np 1" "--dry-run under mpirun: the job's ranks" \
  "a rank killed: mpirun ends the job" "a rank killed: the rerun resumes" "a rank killed: nothing finished is redone" \
  "a rank killed: the same tables after resuming" "data-parallel stages in a sweep"

# the checkpoints and the report's tables (the training logs and the HTML
# hold timings, which differ from run to run)
outputs() { (cd "$1" && find . -name '*.ckpt' -o -path './report/tables/*.csv' | sort); }
same_outputs() { # A B: prints the files that differ
  local f
  for f in $(outputs "$1"); do cmp -s "$1/$f" "$2/$f" || echo "$f"; done
  [ "$(outputs "$1" | wc -l)" -gt 10 ] || echo "(only $(outputs "$1" | wc -l) files in $1)"
}
# stage ids whose manifest checksums differ, leaving out the training stages and the report (timings)
sums_differ() {
  python3 - "$1/manifest.json" "$2/manifest.json" <<'PY'
import json, sys
a, b = (json.load(open(p))['stages'] for p in sys.argv[1:])
skip = ('pretrain/', 'sft/', 'rm/', 'ppo/')
print(' '.join(k for k in a if not k.startswith(skip) and k != 'report' and a[k].get('checksum') != b.get(k, {}).get('checksum')))
PY
}

mpirun_np 1 "$TA" sweep $CFG --out "$tmp/n1" --quiet >"$tmp/out" 2>"$tmp/err"
rc1=$?
mpirun_np 2 "$TA" sweep $CFG --out "$tmp/n2" >"$tmp/out" 2>"$tmp/err"
rc2=$?
diff=$(same_outputs "$tmp/n1" "$tmp/n2")
check "-np 1 and -np 2: the same checkpoints and report tables (exits $rc1 and $rc2; differing: ${diff:-none})" \
  test "$rc1" = 0 -a "$rc2" = 0 -a -z "$diff"
check "-np 2: stages on both ranks, and two at once" python3 -c "
import re, sys
t = open(sys.argv[1]).read()
ranks = set(re.findall(r'^\[\d+/\d+\] \S+: \w+ on rank (\d+)', t, re.M))
assert ranks == {'0', '1'}, 'ranks used: %s' % ranks
run, most = 0, 0
for line in t.splitlines():
    if re.match(r'^\[\d+/\d+\] \S+: (running|rerunning|resuming) on rank', line): run += 1
    elif re.match(r'^\[\d+/\d+\] \S+: done in', line) and run: run -= 1
    most = max(most, run)
assert most >= 2, 'at most %d stages at once' % most
" "$tmp/err"
d=$(sums_differ "$tmp/n1" "$tmp/n2")
check "-np 2: the same stage checksums as -np 1 in the manifest (differing: ${d:-none})" test -z "$d"
mpirun_np 2 "$TA" sweep $CFG --out "$tmp/dry2" --dry-run >"$tmp/out" 2>"$tmp/err"
check "--dry-run under mpirun -np 2: the schedule on the job's 2 ranks (exit $?)" grep -q '^On 2 ranks: ' "$tmp/out"

# ---- a rank dies: SIGKILL to rank 1 once some stages are done
rank_pid() { # RANK: the pid of that rank of the running sweep
  local p
  for p in $(pgrep -f "$TA sweep"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && echo "$p"
  done
}
ndone() { python3 -c "import json,sys; print(sum(v['status'] == 'done' for v in json.load(open(sys.argv[1]))['stages'].values()))" "$1" 2>/dev/null || echo 0; }
mpirun_np 2 "$TA" sweep $CFG --out "$tmp/k" >"$tmp/k.out" 2>&1 &
job=$!
for _ in $(seq 600); do [ "$(ndone "$tmp/k/manifest.json")" -ge 12 ] && break; sleep 0.1; done
victim=$(rank_pid 1)
[ -n "$victim" ] && kill -9 "$victim"
wait "$job"
krc=$?
# the stages the ranks were running stop too (they checkpoint on SIGTERM)
for _ in $(seq 300); do pgrep -f "$TA" >/dev/null || break; sleep 0.1; done
check "a rank killed: mpirun ends the job with a non-zero exit (rank 1 was pid ${victim:-not found}; exit $krc)" \
  test -n "$victim" -a "$krc" != 0
cp "$tmp/k/manifest.json" "$tmp/k.before.json"
mpirun_np 2 "$TA" sweep $CFG --out "$tmp/k" >"$tmp/out" 2>"$tmp/err"
rrc=$?
check "a rank killed: the same command resumes to the end (exit $rrc)" test "$rrc" = 0
check "a rank killed: nothing that finished is redone, nor changed" python3 -c "
import json, re, sys
before = json.load(open(sys.argv[1]))['stages']
after = json.load(open(sys.argv[2]))['stages']
ran = set(re.findall(r'^\[\d+/\d+\] (\S+): (?:running|rerunning|resuming)', open(sys.argv[3]).read(), re.M))
done = [k for k, v in before.items() if v['status'] == 'done']
assert len(done) >= 12, 'only %d stages were done before the kill' % len(done)
redone = [k for k in done if k in ran]
assert not redone, 'redone: %s' % redone
changed = [k for k in done if after[k]['checksum'] != before[k]['checksum']]
assert not changed, 'changed: %s' % changed
assert all(v['status'] == 'done' for v in after.values()), [k for k, v in after.items() if v['status'] != 'done']
" "$tmp/k.before.json" "$tmp/k/manifest.json" "$tmp/err"
diff=$(same_outputs "$tmp/n1" "$tmp/k")
check "a rank killed: the same checkpoints and tables after resuming as -np 1 (differing: ${diff:-none})" test -z "$diff"

# ---- stages the config gives two ranks run data-parallel (MPI_Comm_spawn)
sed 's/"sft": {"steps": 10, "batch": 4}/"sft": {"steps": 10, "batch": 4, "ranks": 2}/; s/"episodes": 8}/"episodes": 8, "ranks": 2}/' $CFG >"$tmp/dp.json"
mpirun_np 2 "$TA" sweep "$tmp/dp.json" --out "$tmp/dp" >"$tmp/out" 2>"$tmp/err"
dprc=$?
check "data-parallel stages in a sweep: sft and PPO on 2 ranks, their losses as -np 1's to 1e-5 (relative; for PPO's KL, a difference of log-probabilities, absolute below 1 nat) (exit $dprc)" python3 -c "
import csv, sys
err = open(sys.argv[1]).read()
for sid in ('sft/xs', 'ppo/xs/b0.05'):
    assert '%s: running on 2 ranks from rank 0' % sid in err or '%s: running on 2 ranks from rank 1' % sid in err, sid + ' not on 2 ranks'
for f, cols in (('policies/sup_xs/log.csv', ['loss', 'val_loss']), ('policies/ppo_xs_b0.05/log.csv', ['rm_score', 'kl'])):
    a = list(csv.DictReader(open(sys.argv[2] + '/' + f)))
    b = list(csv.DictReader(open(sys.argv[3] + '/' + f)))
    assert len(a) == len(b) > 0, (f, len(a), len(b))
    for ra, rb in zip(a, b):
        for c in cols:
            x, y = ra[c], rb[c]
            if x in ('', 'nan') and y in ('', 'nan'):
                continue
            x, y = float(x), float(y)
            scale = max(abs(x), 1.0 if c == 'kl' else 1e-12)
            assert abs(x - y) <= 1e-5 * scale, (f, c, ra['step' if 'step' in ra else list(ra)[0]], x, y)
" "$tmp/err" "$tmp/n1" "$tmp/dp"

finish mpi
