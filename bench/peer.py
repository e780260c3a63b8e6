#!/usr/bin/python3
"""peer.py - the benchmark peer: what tldrlab's `winrate` + `lengthctl` do,
written the way an analyst would with pandas, numpy and statsmodels.

    /usr/bin/python3 bench/peer.py FILE.json --bootstrap 10000 --seed 1 [--json OUT]

Work (split valid2 only):
  * win rates against "ref": per policy p compared with ref, n, wins, win
    rate, binomial SE, Wilson 95% interval, 95% percentile cluster-bootstrap
    interval resampling posts (info.id) with replacement, mean log length
    ratio log((words_p+1)/(words_ref+1)), words = len(text.split());
  * the length-controlled logistic model over all valid2 comparisons:
    y = [summaries[0] chosen], one +1/-1 column per non-ref policy, and
    x = log((words0+1)/(words1+1)); no intercept; sm.Logit(...).fit().

Prints the results and per-phase timings (time.perf_counter) as JSON on
stdout, or writes them to OUT with --json.
"""
import argparse
import json
import sys
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

BASELINE = "ref"
LEVEL = 0.95
CHUNK_DRAWS = 4_000_000  # cluster indices per bootstrap chunk (32 MB of int64)


def read(path):
    """JSON lines -> one row per valid2 comparison with the fields we use."""
    cols = {k: [] for k in ("post", "p0", "p1", "words0", "words1", "choice")}
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if r["split"] != "valid2":
                continue
            info, (s0, s1) = r["info"], r["summaries"]
            pid = info.get("id")
            if not pid:  # some released records lack info.id: cluster on the post itself
                pid = "noid:" + (info.get("title") or "") + "\n" + (info.get("post") or info.get("article") or "")
            cols["post"].append(pid)
            cols["p0"].append(s0["policy"])
            cols["p1"].append(s1["policy"])
            cols["words0"].append(len(s0["text"].split()))
            cols["words1"].append(len(s1["text"].split()))
            cols["choice"].append(r["choice"])
    df = pd.DataFrame(cols)
    df["choice"] = df["choice"].astype(np.int8)
    return df


def cluster_bootstrap(w, n, B, rng):
    """Percentile interval of sum(w*)/sum(n*) over B resamples of the K clusters."""
    K = len(w)
    lo_q, hi_q = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2
    reps = np.empty(B)
    step = max(1, CHUNK_DRAWS // K)
    for b0 in range(0, B, step):
        b1 = min(B, b0 + step)
        idx = rng.integers(0, K, size=(b1 - b0, K))
        reps[b0:b1] = w[idx].sum(axis=1) / n[idx].sum(axis=1)
    lo, hi = np.quantile(reps, [lo_q, hi_q])  # method="linear" = R type 7
    return float(lo), float(hi)


def winrates(df, B, seed):
    r0 = df["p0"].to_numpy() == BASELINE
    r1 = df["p1"].to_numpy() == BASELINE
    vs = df[r0 ^ r1]
    ref0 = (vs["p0"] == BASELINE).to_numpy()
    d = pd.DataFrame({
        "policy": np.where(ref0, vs["p1"], vs["p0"]),
        "post": vs["post"].to_numpy(),
        "win": (vs["choice"].to_numpy() == np.where(ref0, 1, 0)).astype(np.int64),
        "llr": np.where(ref0,
                        np.log((vs["words1"].to_numpy() + 1.0) / (vs["words0"].to_numpy() + 1.0)),
                        np.log((vs["words0"].to_numpy() + 1.0) / (vs["words1"].to_numpy() + 1.0))),
    })
    g = d.groupby("policy", sort=False).agg(n=("win", "size"), wins=("win", "sum"),
                                            mean_log_len_ratio=("llr", "mean"),
                                            posts=("post", "nunique"))
    g["win_rate"] = g["wins"] / g["n"]
    g["se"] = np.sqrt(g["win_rate"] * (1 - g["win_rate"]) / g["n"])
    g["wilson_lo"], g["wilson_hi"] = proportion_confint(g["wins"], g["n"], alpha=1 - LEVEL, method="wilson")

    per_post = d.groupby(["policy", "post"], sort=False)["win"].agg(["sum", "size"])
    rng = np.random.default_rng(seed)
    boot = {}
    for p, sub in per_post.groupby(level="policy", sort=False):
        boot[p] = cluster_bootstrap(sub["sum"].to_numpy(np.float64), sub["size"].to_numpy(np.float64), B, rng)
    g["boot_lo"] = [boot[p][0] for p in g.index]
    g["boot_hi"] = [boot[p][1] for p in g.index]
    cols = ["n", "wins", "win_rate", "se", "wilson_lo", "wilson_hi", "boot_lo", "boot_hi",
            "mean_log_len_ratio", "posts"]
    return [{"policy": p, **{c: (int(row[c]) if c in ("n", "wins", "posts") else float(row[c])) for c in cols}}
            for p, row in g.iterrows()]


def logit(df):
    codes, names = pd.factorize(pd.concat([df["p0"], df["p1"]], ignore_index=True))
    N = len(df)
    c0, c1 = codes[:N], codes[N:]
    X = np.zeros((N, len(names)))
    rows = np.arange(N)
    X[rows, c0] += 1.0
    X[rows, c1] -= 1.0  # same policy on both sides: +1 - 1 = 0
    X = pd.DataFrame(X, columns=names).drop(columns=[BASELINE])
    X.insert(0, "x", np.log((df["words0"].to_numpy() + 1.0) / (df["words1"].to_numpy() + 1.0)))
    y = (df["choice"].to_numpy() == 0).astype(np.float64)
    res = sm.Logit(y, X).fit(disp=0)
    pol = [c for c in X.columns if c != "x"]
    return {
        "n": int(N),
        "w": float(res.params["x"]), "w_se": float(res.bse["x"]),
        "theta": {p: float(res.params[p]) for p in pol},
        "theta_se": {p: float(res.bse[p]) for p in pol},
        "loglik": float(res.llf),
        "converged": bool(res.mle_retvals["converged"]),
        "iterations": int(res.mle_retvals["iterations"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--bootstrap", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", metavar="OUT")
    a = ap.parse_args()

    t = {}
    t0 = time.perf_counter()
    df = read(a.file)
    t1 = time.perf_counter()
    wr = winrates(df, a.bootstrap, a.seed)
    t2 = time.perf_counter()
    lc = logit(df)
    t3 = time.perf_counter()
    t["read"], t["winrate_bootstrap"], t["logit"], t["total"] = t1 - t0, t2 - t1, t3 - t2, t3 - t0
    out = {"tool": "peer.py", "split": "valid2", "records_in_scope": int(len(df)),
           "baseline": BASELINE, "bootstrap": a.bootstrap, "seed": a.seed, "level": LEVEL,
           "winrate": wr, "lengthctl": lc, "seconds": t}
    text = json.dumps(out, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
