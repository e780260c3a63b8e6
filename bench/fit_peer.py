#!/usr/bin/python3
"""fit_peer.py - the length-controlled logistic fit alone, in statsmodels.

    /usr/bin/python3 bench/fit_peer.py DESIGN.csv [REPEATS]

DESIGN.csv (written by bin/tldrlab-bench) has columns y, x and one +1/-1/0
column per policy other than the baseline. Reads it outside the timed
region, then times sm.Logit(y, X).fit(disp=0) (no intercept; statsmodels'
defaults: Newton, tol 1e-8) best of REPEATS (default 5) and prints one JSON
line with seconds per fit and the estimates.
"""
import json
import sys
import time

import pandas as pd
import statsmodels
import statsmodels.api as sm


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: fit_peer.py DESIGN.csv [REPEATS]")
    repeats = int(sys.argv[2]) if len(sys.argv) == 3 else 5
    d = pd.read_csv(sys.argv[1])
    y = d["y"]
    X = d.drop(columns="y")
    times, setup = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = sm.Logit(y, X).fit(disp=0)
        times.append(time.perf_counter() - t0)
    for _ in range(repeats):  # the model construction alone (data checks, rank)
        t0 = time.perf_counter()
        sm.Logit(y, X)
        setup.append(time.perf_counter() - t0)
    pol = [c for c in X.columns if c != "x"]
    print(json.dumps({
        "tool": "statsmodels", "version": statsmodels.__version__,
        "call": "sm.Logit(y, X).fit(disp=0)",
        "n": int(len(d)), "repeats": repeats,
        "fit_seconds": min(times), "fit_seconds_mean": sum(times) / len(times),
        "model_setup_seconds": min(setup),
        "iterations": int(res.mle_retvals["iterations"]),
        "converged": bool(res.mle_retvals["converged"]),
        "loglik": float(res.llf),
        "w": float(res.params["x"]), "w_se": float(res.bse["x"]),
        "theta": {p: float(res.params[p]) for p in pol},
        "theta_se": {p: float(res.bse[p]) for p in pol},
    }))


if __name__ == "__main__":
    main()
