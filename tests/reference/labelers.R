# Expected choice and rating frequencies for tests/unit/test_world.c
# (test_world_labeler_formula): the formulas of world/labelers.c for a worker
# with sharpness 6, length bias 1.5, carelessness 0.2 and rating noise 0.1.
#   Rscript tests/reference/labelers.R
# Choice (labeler_compare): with probability c a coin flip, else
#   P(A) = plogis(sharpness * (gold_A - gold_B) + bias * (log(words_A + 1) - log(words_B + 1))),
# so P(A) = c / 2 + (1 - c) * that.
# Rating (labeler_rate), per axis: with probability c, round(4 + 1.5 Z)
# clamped to 1..7 (half away from zero: cut points 1.5, 2.5, ..., 6.5), else
# 1 + floor(7 x) clamped, x = gold + noise Z (+ 0.02 * bias * (log(words + 1) - log(26))
# on overall only): cut points 1/7, ..., 6/7.
sharp <- 6; bias <- 1.5; care <- 0.2; noise <- 0.1
choice <- function(g, w) care / 2 + (1 - care) * plogis(sharp * (g[1] - g[2]) + bias * (log(w[1] + 1) - log(w[2] + 1)))
options(digits = 15)
cat(sprintf("choice equal gold, 40 vs 10 words  %.15g\n", choice(c(0.6, 0.6), c(40, 10))))
cat(sprintf("choice gold 0.7 vs 0.5, 10 vs 40   %.15g\n", choice(c(0.7, 0.5), c(10, 40))))
cat(sprintf("choice gold 0.9 vs 0.1, 20 vs 20   %.15g\n", choice(c(0.9, 0.1), c(20, 20))))
rating <- function(gold, shift) {
  careless <- diff(c(0, pnorm((c(1.5, 2.5, 3.5, 4.5, 5.5, 6.5) - 4) / 1.5), 1))
  careful <- diff(c(0, pnorm(((1:6) / 7 - gold - shift) / noise), 1))
  care * careless + (1 - care) * careful
}
shift <- 0.02 * bias * (log(80 + 1) - log(26))
cat("rating overall, gold 0.5, 80 words ", sprintf("%.15g", rating(0.5, shift)), "\n")
cat("rating accuracy, gold 0.5          ", sprintf("%.15g", rating(0.5, 0)), "\n")
# test_world_labelers: the worker with sharpness 15 and nothing else (noise 0.1):
# P(A) for gold 0.8 vs 0.4, and the mean and SD of the overall rating for gold 0.2 and 0.8.
cat(sprintf("sharp-only worker: P(A) gold 0.8 vs 0.4 %.15g\n", plogis(15 * 0.4)))
for (g in c(0.2, 0.8)) {
  p <- diff(c(0, pnorm(((1:6) / 7 - g) / 0.1), 1))
  m <- sum((1:7) * p)
  cat(sprintf("sharp-only worker: rating gold %.1f mean %.15g sd %.15g\n", g, m, sqrt(sum((1:7)^2 * p) - m^2)))
}
