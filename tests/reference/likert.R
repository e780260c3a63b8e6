# Expected values for tests/unit/test_likert.c.
#   python3 tests/reference/flatten.py axis tests/data/axis_tldr.jsonl tests/data/axis_news.jsonl > /tmp/axis.csv
#   Rscript tests/reference/likert.R /tmp/axis.csv
args <- commandArgs(trailingOnly = TRUE)
a <- read.csv(args[1], stringsAsFactors = FALSE)
a <- a[(a$dataset == "tldr" & a$split == "valid2") | (a$dataset == "news" & a$split == "test"), ]
show <- function(ds, pol, axis) {
  x <- a[a$dataset == ds & a$policy == pol, axis]
  x <- x[!is.na(x)]
  tt <- t.test(x)
  cat(sprintf("%s %s %s n=%d mean=%.15g sd=%.15g se=%.15g lo=%.15g hi=%.15g s7=%.15g le4=%.15g\n",
              ds, pol, axis, length(x), mean(x), sd(x), sd(x) / sqrt(length(x)),
              tt$conf.int[1], tt$conf.int[2], mean(x == 7), mean(x <= 4)))
}
show("tldr", "ref", "overall")
show("tldr", "sup4_6b_ppo_rm4_6b_kl14", "accuracy")
show("tldr", "pretrain_xl", "coherence")
show("news", "lead3", "coverage")
show("news", "ref", "overall")
# Length control (Table 14): overall ~ policy + chars, ref as the reference level.
for (ds in c("news", "tldr")) {
  d <- a[a$dataset == ds & !is.na(a$overall), ]
  d$policy <- relevel(factor(d$policy), ref = "ref")
  fit <- lm(overall ~ policy + chars, data = d)
  L <- mean(d$chars[d$policy == "ref"])
  cf <- summary(fit)$coefficients
  cat(sprintf("%s per100=%.15g per100_se=%.15g refmean=%.15g r2=%.15g\n", ds,
              100 * cf["chars", 1], 100 * cf["chars", 2], L, summary(fit)$r.squared))
  for (p in c("ref", "lead3", "sup4_6b", "sup4_6b_ppo_rm4_6b_kl14")) {
    if (!(p %in% levels(d$policy))) next
    pr <- predict(fit, newdata = data.frame(policy = p, chars = L), se.fit = TRUE)
    cat(sprintf("%s %s adjusted=%.15g se=%.15g\n", ds, p, pr$fit, pr$se.fit))
  }
}
# Wilson interval (score interval without continuity correction).
ci <- prop.test(7, 20, correct = FALSE)$conf.int
cat(sprintf("wilson 7/20 %.15g %.15g\n", ci[1], ci[2]))
ci <- prop.test(0, 13, correct = FALSE)$conf.int
cat(sprintf("wilson 0/13 %.15g %.15g\n", ci[1], ci[2]))
