# Expected percentile intervals of the cluster bootstrap for tests/unit/test_stats.c
# (test_bootstrap_matches_r_boot, test_winrate_fixture), with R's boot package.
#   python3 tests/reference/winrate_fixture.py tests/data/cmp_tldr.jsonl valid2 ref --csv > /tmp/wr.csv
#   Rscript tests/reference/bootstrap.R /tmp/wr.csv
# (R 4.2.2, r-cran-boot 1.3-28.1; about 15 minutes on a busy 2-core machine.)
#
# The statistic is the ratio sum(w)/sum(n) over resampled posts (clusters);
# the interval is quantile(t, c(0.025, 0.975), type = 7), the definition
# tldrlab uses (boot.ci(type = "perc") interpolates differently). Each
# reference interval is taken from REF = 1e6 replicates; the Monte Carlo SD
# of an interval from B replicates, the spread the test must allow, is
# measured from RUNS independent boots of B replicates.
suppressMessages(library(boot))
args <- commandArgs(trailingOnly = TRUE)
set.seed(20240614)
REF <- 1e6
RUNS <- 100
ratio <- function(d, i) sum(d$w[i]) / sum(d$n[i])
show <- function(name, d, B) {
  q <- function(R) quantile(boot(d, ratio, R = R)$t[, 1], c(0.025, 0.975), type = 7, names = FALSE)
  ref <- q(REF)
  runs <- replicate(RUNS, q(B))
  sdv <- apply(runs, 1, sd)
  cat(sprintf("%-26s K=%d ratio=%.15g lo=%.15g hi=%.15g  B=%d: MC sd lo=%.3g hi=%.3g\n", name, nrow(d),
              sum(d$w) / sum(d$n), ref[1], ref[2], B, sdv[1], sdv[2]))
}
# 1. 200 posts given as counts of (comparisons n, wins w): larger posts win
#    more, so the ratio (0.6159) differs from the mean of per-post rates (0.5725).
types <- data.frame(n = c(1, 1, 2, 2, 2, 3, 3, 3, 3), w = c(0, 1, 0, 1, 2, 0, 1, 2, 3),
                    count = c(30, 20, 15, 25, 20, 8, 15, 30, 37))
d <- types[rep(seq_len(nrow(types)), types$count), c("n", "w")]
show("types", d, 50000)
# 2. The fixture: per policy, the comparisons with ref grouped by post.
if (length(args) > 0) {
  wr <- read.csv(args[1], stringsAsFactors = FALSE)
  for (p in c("pretrain_6b", "sup4_12b")) {
    x <- wr[wr$policy == p, ]
    d <- aggregate(cbind(w = win, n = 1) ~ post, data = transform(x, n = 1), FUN = sum)
    show(p, d, 20000)
  }
}
