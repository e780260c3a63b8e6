#!/usr/bin/env bash
# scripts/plot-ppo.sh — PPO's training curves of a run: the reward model's
# score, the gold judge's score (evaluation only) and the KL from the
# supervised policy over iterations, one line per beta, moving averages of
# 5 iterations. Reads RUN/ppo_b*/log.csv; writes RUN/report/ppo_curves.png.
#
#   scripts/plot-ppo.sh RUN
set -eu
R=${1:?usage: scripts/plot-ppo.sh RUN}
mkdir -p "$R/report"
logs=$(ls -d "$R"/ppo_b*/log.csv)
plots() { # column title
  local sep=""
  for f in $logs; do
    b=$(basename "$(dirname "$f")"); b=${b#ppo_b}
    printf '%s"%s" using 1:(avg5($%s)) every ::1 with lines lw 2 title "beta %s"' "$sep" "$f" "$1" "$b"
    sep=", "
  done
}
gnuplot <<GP
set terminal pngcairo size 1500,450 font ",11"
set output "$R/report/ppo_curves.png"
set datafile separator ","
set key top left
set grid
# a moving average of 5 (reset at each file's header)
back1 = back2 = back3 = back4 = 0; n = 0
avg5(x) = (n = (column(1) == 1 ? 1 : n + 1), back4 = (n > 4 ? back3 : x), back3 = (n > 3 ? back2 : x), \
           back2 = (n > 2 ? back1 : x), back1 = (n > 1 ? b0 : x), b0 = x, (b0 + back1 + back2 + back3 + back4) / 5)
b0 = 0
set multiplot layout 1,3
set xlabel "iteration (64 episodes each)"
set title "reward model score of the rollouts"
plot $(plots 3)
set title "gold judge's score of the same rollouts"
set key bottom left
plot $(plots 4)
set key top left
set title "KL from the supervised policy (nats, k1, T=0.7)"
plot $(plots 5)
unset multiplot
GP
echo "wrote $R/report/ppo_curves.png" >&2
