# Expected values for tests/unit/test_lengthctl.c: the Appendix F model with R's glm.
#   python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref > /tmp/design.csv
#   Rscript tests/reference/lengthctl.R /tmp/design.csv
# The same with lengths in characters (--length-unit chars), and without the
# length term (Bradley-Terry, winrate --pairwise):
#   python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref chars > /tmp/design_chars.csv
#   Rscript tests/reference/lengthctl.R /tmp/design_chars.csv
#   python3 tests/reference/flatten.py cmp tests/data/cmp_tldr.jsonl valid2 ref none > /tmp/design_bt.csv
#   Rscript tests/reference/lengthctl.R /tmp/design_bt.csv
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], check.names = FALSE)
fit <- glm(y ~ 0 + ., family = binomial, data = d,
           control = glm.control(epsilon = 1e-14, maxit = 100))
# glm's standard errors come from the weights of the iterate before the last
# one; refit from the converged estimates so that they are taken at the MLE
# (the estimates do not move; the SEs change in the 8th digit on real data).
fit <- glm(y ~ 0 + ., family = binomial, data = d, start = coef(fit),
           control = glm.control(epsilon = 1e-16, maxit = 100))
s <- summary(fit)$coefficients
options(digits = 15)
cat(sprintf("%-28s %.15g %.15g\n", rownames(s), s[, 1], s[, 2]), sep = "")
cat(sprintf("loglik %.15g\n", as.numeric(logLik(fit))))
if ("x" %in% rownames(s)) cat(sprintf("p_x %.15g\n", s["x", 4]))
