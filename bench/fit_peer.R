# fit_peer.R - the length-controlled logistic fit alone, in R's glm.
#
#   Rscript bench/fit_peer.R DESIGN.csv [REPEATS]
#
# DESIGN.csv (written by bin/tldrlab-bench) has columns y, x and one +1/-1/0
# column per policy other than the baseline. Reads it outside the timed
# region, then times glm(y ~ 0 + ., family = binomial, data = d) (IRLS,
# glm.control defaults: epsilon 1e-8) best of REPEATS (default 5) and prints
# one JSON line with seconds per fit and the estimates.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1 || length(args) > 2)
  stop("usage: Rscript fit_peer.R DESIGN.csv [REPEATS]")
repeats <- if (length(args) == 2) as.integer(args[2]) else 5L
d <- read.csv(args[1], check.names = FALSE)

times <- numeric(repeats)
for (r in seq_len(repeats)) {
  t0 <- Sys.time() # microsecond resolution (proc.time() has milliseconds)
  fit <- glm(y ~ 0 + ., family = binomial, data = d)
  times[r] <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
}

est <- coef(fit)
se <- sqrt(diag(vcov(fit)))
names(est) <- gsub("`", "", names(est))
names(se) <- names(est)
num <- function(v) if (is.na(v)) "null" else sprintf("%.17g", v)
str <- function(s) paste0("\"", gsub("\"", "\\\\\"", gsub("\\\\", "\\\\\\\\", s)), "\"")
obj <- function(v) paste0("{", paste0(str(names(v)), ":", vapply(v, num, ""), collapse = ","), "}")
pol <- setdiff(names(est), "x")
cat(paste0("{",
  "\"tool\":\"R glm\",\"version\":", str(paste(R.version$major, R.version$minor, sep = ".")),
  ",\"call\":\"glm(y ~ 0 + ., family = binomial, data = d)\"",
  ",\"n\":", nrow(d), ",\"repeats\":", length(times),
  ",\"fit_seconds\":", num(min(times)), ",\"fit_seconds_mean\":", num(mean(times)),
  ",\"iterations\":", fit$iter, ",\"converged\":", if (fit$converged) "true" else "false",
  ",\"loglik\":", num(as.numeric(logLik(fit))),
  ",\"w\":", num(est[["x"]]), ",\"w_se\":", num(se[["x"]]),
  ",\"theta\":", obj(est[pol]), ",\"theta_se\":", obj(se[pol]),
  "}\n"))
