#!/usr/bin/python3
"""report.py - the second half of bench/run.sh: checks that tldrlab and its
peers agree, then writes docs/benchmarks.md from the raw JSON in bench/out/.

Agreement (exit 1, and no report, when any check fails):
  * end to end, tldrlab winrate/lengthctl vs bench/peer.py: the same
    policies; n, wins, posts equal and win rates identical; SE, Wilson
    bounds and mean log length ratios within 1e-9; bootstrap bounds within
    0.01 (different random streams: Monte Carlo error only); w, thetas and
    their SEs within 1e-6 relative;
  * fit alone, bin/tldrlab-bench vs statsmodels and R glm: w and thetas
    within 1e-6 relative; SEs within 1e-4 relative (glm's SEs come from the
    weights of its last IRLS iterate, not the final estimate).
"""
import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys

import numpy
import pandas
import statsmodels

E2E_GOAL = 10.0
FIT_GOAL = 10.0
REL_TOL = 1e-6
SE_TOL_R = 1e-4
BOOT_TOL = 0.01


def load(path):
    with open(path) as f:
        return json.load(f)


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


class Checks:
    def __init__(self):
        self.failures = []
        self.notes = []

    def fail(self, msg):
        self.failures.append(msg)

    def max_rel(self, label, pairs, tol):
        worst, where = 0.0, None
        for name, a, b in pairs:
            if a is None or b is None:
                self.fail(f"{label}: {name}: missing ({a} vs {b})")
                continue
            r = rel(a, b) if a != b else 0.0
            if r > worst:
                worst, where = r, name
        if worst > tol:
            self.fail(f"{label}: max relative difference {worst:.3g} at {where} (tolerance {tol:g})")
        self.notes.append(f"{label}: max relative difference {worst:.2g}")
        return worst


def check_end_to_end(out, reps, c):
    wr = {r["policy"]: r for r in load(os.path.join(out, "winrate.json"))["policies"]}
    lcj = load(os.path.join(out, "lengthctl.json"))
    peers = [load(os.path.join(out, f"peer.{r}.json")) for r in range(1, reps + 1)]
    pe = peers[0]
    for k, other in enumerate(peers[1:], 2):
        if other["winrate"] != pe["winrate"] or other["lengthctl"] != pe["lengthctl"]:
            c.fail(f"peer: run {k} gave different results from run 1 with the same seed")
    pw = {r["policy"]: r for r in pe["winrate"]}
    if set(wr) != set(pw):
        c.fail(f"win rates: policies differ: tldrlab only {sorted(set(wr) - set(pw))}, "
               f"peer only {sorted(set(pw) - set(wr))}")
    common = [p for p in wr if p in pw]
    worst_boot, worst_det = 0.0, 0.0
    ulp_off = []
    for p in common:
        a, b = wr[p], pw[p]
        for k in ("n", "wins", "posts"):
            if a[k] != b[k]:
                c.fail(f"win rates: {p}: {k} {a[k]} (tldrlab) vs {b[k]} (peer)")
        # n and wins equal make the win rates the same double; tldrlab's JSON
        # (cJSON) may print it 1 ulp off, so allow 2 ulps in the transport.
        if a["win_rate"] != b["win_rate"]:
            if abs(a["win_rate"] - b["win_rate"]) > 2 * math.ulp(b["win_rate"]):
                c.fail(f"win rates: {p}: win rate {a['win_rate']!r} vs {b['win_rate']!r}: not identical")
            else:
                ulp_off.append(p)
        for k in ("se", "wilson_lo", "wilson_hi", "mean_log_len_ratio"):
            d = abs(a[k] - b[k])
            worst_det = max(worst_det, d)
            if d > 1e-9:
                c.fail(f"win rates: {p}: {k} {a[k]!r} vs {b[k]!r}")
        for k in ("boot_lo", "boot_hi"):
            d = abs(a[k] - b[k])
            worst_boot = max(worst_boot, d)
            if d > BOOT_TOL:
                c.fail(f"win rates: {p}: {k} {a[k]:.4f} vs {b[k]:.4f}: differ by more than {BOOT_TOL}")
    if ulp_off:
        c.notes.append(f"win rates: tldrlab's JSON prints {len(ulp_off)} win rate(s) 1 ulp off wins/n "
                       f"({', '.join(ulp_off)}): cJSON prints %.15g when that reads back within an "
                       "epsilon; n and wins are identical")
    c.notes.append(f"win rates: {len(common)} policies, n/wins/posts/win rate identical, "
                   f"SE/Wilson/length ratio max |diff| {worst_det:.2g}, "
                   f"bootstrap bounds max |diff| {worst_boot:.4f}")

    plc = pe["lengthctl"]
    tl_pol = {r["policy"]: r for r in lcj["policies"] if r["status"] != "baseline"}
    for p, r in tl_pol.items():
        if r["status"] != "fitted":
            c.fail(f"lengthctl: tldrlab reports {p} as {r['status']}; the peer fits every policy")
    if set(tl_pol) != set(plc["theta"]):
        c.fail("lengthctl: the policies differ between tldrlab and the peer")
    est = [("w", lcj["length_coef"]["estimate"], plc["w"])]
    est += [(p, tl_pol[p]["theta"], plc["theta"].get(p)) for p in tl_pol]
    se = [("w", lcj["length_coef"]["se"], plc["w_se"])]
    se += [(p, tl_pol[p]["theta_se"], plc["theta_se"].get(p)) for p in tl_pol]
    c.max_rel("lengthctl vs peer: w and thetas", est, REL_TOL)
    c.max_rel("lengthctl vs peer: SEs", se, REL_TOL)
    one = load(os.path.join(out, "winrate_lc.json"))
    if one.get("policies") != load(os.path.join(out, "winrate.json"))["policies"] or one.get("lengthctl", {}).get("policies") != lcj["policies"] \
            or one["lengthctl"].get("length_coef") != lcj["length_coef"]:
        c.fail("one command (winrate --length-control) differs from winrate + lengthctl")
    else:
        c.notes.append("one command: winrate --length-control gives exactly the tables of winrate and lengthctl")
    return wr, lcj, pe


def check_fit(out, c):
    ft = load(os.path.join(out, "fit_tldrlab.json"))
    fs = load(os.path.join(out, "fit_statsmodels.json"))
    fr = load(os.path.join(out, "fit_r.json"))
    for name, f in (("statsmodels", fs), ("R glm", fr)):
        if not f.get("converged"):
            c.fail(f"fit alone: {name} did not converge")
        if set(f["theta"]) != set(ft["theta"]):
            c.fail(f"fit alone: {name}'s coefficients are not tldrlab's policies")
        est = [("w", ft["w"], f["w"])] + [(p, t, f["theta"].get(p)) for p, t in ft["theta"].items()]
        se = [("w", ft["w_se"], f["w_se"])] + [(p, t, f["theta_se"].get(p)) for p, t in ft["theta_se"].items()]
        c.max_rel(f"fit alone, tldrlab vs {name}: w and thetas", est, REL_TOL)
        c.max_rel(f"fit alone, tldrlab vs {name}: SEs", se, REL_TOL if name == "statsmodels" else SE_TOL_R)
    return ft, fs, fr


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    osname = platform.system()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "mem": mem,
            "os": f"{osname}, kernel {platform.release()}"}


def cmd_out(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def fmt_s(x):
    return f"{x:.3f}" if x >= 0.1 else f"{x * 1000:.1f} ms"


def met(ratio, goal):
    return "**met**" if ratio >= goal else "**not met**"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--tldrlab", required=True)
    ap.add_argument("--rscript", default="Rscript")
    ap.add_argument("--bootstrap", type=int, required=True)
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--harness-seconds", type=float, default=float("nan"))
    ap.add_argument("--doc", required=True)
    a = ap.parse_args()

    c = Checks()
    wr, lcj, pe = check_end_to_end(a.out, a.reps, c)
    ft, fs, fr = check_fit(a.out, c)
    for n in c.notes:
        print(f"bench: {n}")
    if c.failures:
        for f in c.failures:
            print(f"bench: DISAGREEMENT: {f}", file=sys.stderr)
        print(f"bench: FAILED: tldrlab and its peers disagree ({len(c.failures)} problems); "
              f"{a.doc} not written", file=sys.stderr)
        sys.exit(1)
    print("bench: agreement OK: win rates identical, thetas and w within 1e-6 relative, "
          f"bootstrap bounds within {BOOT_TOL}; fit alone agrees with statsmodels and R glm")

    t = pandas.read_csv(os.path.join(a.out, "timings.tsv"), sep="\t")
    w = t.pivot(index="run", columns="what", values="seconds")
    w["tldrlab"] = w["tldrlab_winrate"] + w["tldrlab_lengthctl"]
    best_run = int(w["peer"].idxmin())
    tl_best, tl_med = w["tldrlab"].min(), w["tldrlab"].median()
    one_best, one_med = w["tldrlab_one"].min(), w["tldrlab_one"].median()
    pe_best, pe_med = w["peer"].min(), w["peer"].median()
    tl_best, tl_med, one_best, one_med = float(tl_best), float(tl_med), float(one_best), float(one_med)
    pe_best, pe_med = float(pe_best), float(pe_med)
    e2e_two = pe_best / tl_best
    e2e = pe_best / one_best
    pb = load(os.path.join(a.out, f"peer.{best_run}.json"))["seconds"]
    startup = pe_best - pb["total"]
    fit_sm = fs["fit_seconds"] / ft["fit_seconds"]
    fit_r = fr["fit_seconds"] / ft["fit_seconds"]

    m = machine()
    nrec = sum(1 for _ in open(a.data))
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = [
        ("tldrlab", cmd_out([a.tldrlab, "--version"]).removeprefix("tldrlab ")),
        ("compiler", cmd_out(["cc", "--version"])),
        ("GSL", cmd_out(["pkg-config", "--modversion", "gsl"])),
        ("Python", f"{platform.python_version()} ({sys.executable})"),
        ("numpy", numpy.__version__),
        ("pandas", pandas.__version__),
        ("statsmodels", statsmodels.__version__),
        ("R", cmd_out([a.rscript, "-e", "cat(R.version.string)"]).removeprefix("R version ")),
    ]
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    L = []
    L += ["# Benchmarks", "",
          "Generated by `make bench` (bench/run.sh, bench/report.py); do not edit by hand.", "",
          f"- date: {today}",
          f"- machine: {m['nproc']} CPUs available (nproc), {m['cpu']}, {m['mem']} RAM; {m['os']}",
          "- versions: " + "; ".join(f"{k} {v}" for k, v in versions),
          f"- threads: nothing pinned; OPENBLAS_NUM_THREADS {blas}. tldrlab parses records and runs "
          "the per-policy bootstraps on all available cores (OpenMP); "
          "numpy/statsmodels and R use the system BLAS with its default threads.",
          "", "## The work", "",
          f"The data: `tldrlab example --comparisons 65000 --no-axis` writes {nrec} TL;DR comparisons "
          f"in the released JSON-lines format ({os.path.getsize(a.data) / 1e6:.1f} MB); "
          f"{pe['records_in_scope']} are in split valid2 and in scope.", "",
          "Both sides read that file, keep valid2 and compute:", "",
          f"1. win rates against `ref` for {len(wr)} policies: n, wins, win rate, binomial SE, Wilson 95% "
          f"interval, a 95% percentile cluster-bootstrap interval with {a.bootstrap} resamples of posts, "
          "and the mean log length ratio (words);",
          "2. the length-controlled logistic model (paper, Appendix F) over all valid2 comparisons: "
          f"{len(ft['theta'])} policy strengths theta and the length coefficient w, with SEs.", "",
          "- **tldrlab, one command**: `tldrlab winrate --length-control --bootstrap 10000 --format json "
          "FILE` (one process, one read of the file, both analyses).",
          "- **tldrlab, two commands**: `tldrlab winrate --bootstrap 10000 --format json FILE` plus "
          "`tldrlab lengthctl --format json FILE` (two processes; each reads the file). Its bootstrap "
          "draws the multinomial counts of post types instead of resampling posts one by one, which gives "
          "the same distribution of replicates (docs/methods.md); the intervals agree within Monte Carlo "
          "error (below).",
          "- **peer**: `/usr/bin/python3 bench/peer.py FILE --bootstrap 10000` (json + pandas to read, "
          "pandas groupby, statsmodels Wilson interval, vectorised numpy bootstrap in chunks, "
          "`sm.Logit(y, X).fit()`), timed as a whole process: interpreter start-up and imports included.",
          "",
          f"Wall-clock seconds, each side run {a.reps} times, interleaved; the **best** run counts "
          "(the median is shown too). "
          "Ratio = peer / tldrlab.", "",
          "| | tldrlab | peer (Python) | ratio |", "|---|---:|---:|---:|",
          f"| end to end, one command, best | {one_best:.3f} | {pe_best:.3f} | {e2e:.1f}x |",
          f"| end to end, one command, median | {one_med:.3f} | {pe_med:.3f} | {pe_med / one_med:.1f}x |",
          f"| end to end, two commands, best | {tl_best:.3f} | {pe_best:.3f} | {e2e_two:.1f}x |",
          f"| end to end, two commands, median | {tl_med:.3f} | {pe_med:.3f} | {pe_med / tl_med:.1f}x |",
          "",
          "Where the time goes (best runs):", "",
          f"- tldrlab: winrate {w['tldrlab_winrate'].min():.3f} s, lengthctl {w['tldrlab_lengthctl'].min():.3f} s; "
          f"one load of the file (read, parse, validate, keep valid2) in bin/tldrlab-bench took "
          f"{ft['load_seconds']:.3f} s, most of each command; the fit itself takes {fmt_s(ft['fit_seconds'])}.",
          f"- peer (run {best_run}): start-up, imports and output {startup:.3f} s, read {pb['read']:.3f} s, "
          f"win rates + bootstrap {pb['winrate_bootstrap']:.3f} s, logit (design + fit) {pb['logit']:.3f} s.",
          "", "## The logistic fit alone", "",
          f"The same design ({ft['n']} rows: y, x, one +1/-1/0 column per non-ref policy), written to CSV by "
          "bin/tldrlab-bench and read by each peer outside the timed region.", "",
          "- **tldrlab**: `lengthctl_fit` (words, level 0.95): identification checks, design, Newton fit, "
          "SEs; best of 20.",
          "- **statsmodels**: `sm.Logit(y, X).fit(disp=0)` on the DataFrame; best of 5.",
          "- **R**: `glm(y ~ 0 + ., family = binomial, data = d)`; best of 5.", "",
          "| | seconds per fit | iterations | ratio to tldrlab |", "|---|---:|---:|---:|",
          f"| tldrlab lengthctl_fit | {ft['fit_seconds'] * 1000:.1f} ms | {ft['iterations']} | 1 |",
          f"| statsmodels Logit | {fs['fit_seconds'] * 1000:.1f} ms | {fs['iterations']} | {fit_sm:.1f}x |",
          f"| R glm | {fr['fit_seconds'] * 1000:.1f} ms | {fr['iterations']} | {fit_r:.1f}x |",
          "",
          f"Of statsmodels' time, {fs['model_setup_seconds'] * 1000:.1f} ms is `sm.Logit(y, X)` itself "
          "(data checks and the rank of X), the rest `.fit()`. tldrlab's time includes its "
          "identification checks (connectivity, separation, rank of X'X) and building the design.",
          "", "## Goals", "",
          "| goal | measured | |", "|---|---:|---|",
          f"| end to end >= {E2E_GOAL:.0f}x faster than the Python peer (one command) | {e2e:.1f}x | {met(e2e, E2E_GOAL)} |",
          f"| end to end >= {E2E_GOAL:.0f}x faster than the Python peer (two commands) | {e2e_two:.1f}x | {met(e2e_two, E2E_GOAL)} |",
          f"| fit alone >= {FIT_GOAL:.0f}x faster than statsmodels | {fit_sm:.1f}x | {met(fit_sm, FIT_GOAL)} |",
          f"| fit alone >= {FIT_GOAL:.0f}x faster than R glm | {fit_r:.1f}x | {met(fit_r, FIT_GOAL)} |",
          "", "## Agreement", "",
          "Checked on every run; the benchmark fails instead of writing this page when they disagree.", ""]
    L += [f"- {n}" for n in c.notes]
    L += ["- bootstrap intervals: the two sides use different random streams (GSL mt19937 with the "
          "multinomial 'typed' kernel vs numpy PCG64 uniform draws), so the bounds agree up to "
          f"Monte Carlo error; tolerance {BOOT_TOL}.", "",
          f"Raw results: bench/out/ (git-ignored). Whole harness: {a.harness_seconds:.0f} s.", ""]

    summary = {"date": today, "machine": m, "versions": dict(versions),
               "end_to_end": {"tldrlab_best": tl_best, "tldrlab_median": tl_med,
                              "one_command_best": one_best, "one_command_median": one_med,
                              "ratio_two_commands": e2e_two,
                              "peer_best": pe_best, "peer_median": pe_med, "ratio": e2e,
                              "goal": E2E_GOAL, "met": e2e >= E2E_GOAL},
               "fit_alone": {"tldrlab": ft["fit_seconds"], "statsmodels": fs["fit_seconds"],
                             "r_glm": fr["fit_seconds"], "ratio_statsmodels": fit_sm, "ratio_r": fit_r,
                             "goal": FIT_GOAL, "met_statsmodels": fit_sm >= FIT_GOAL,
                             "met_r": fit_r >= FIT_GOAL},
               "agreement": c.notes}
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")

    # The sections other benchmarks write (judge_bench.py, gpt_bench.py) are
    # kept, so that running this part alone does not erase them.
    tail = ""
    if os.path.exists(a.doc):
        old = open(a.doc).read()
        cut = [i for i in (old.find("\n## World judge"), old.find("\n## GPT engine")) if i >= 0]
        if cut:
            tail = old[min(cut):].lstrip("\n")
    tmp = f"{a.doc}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write("\n".join(L))
        if tail:
            f.write("\n" + tail)
    os.replace(tmp, a.doc)
    print(f"bench: end to end {e2e:.1f}x one command, {e2e_two:.1f}x two commands (tldrlab {one_best:.3f} s / "
          f"{tl_best:.3f} s, peer {pe_best:.3f} s, best of {a.reps}); "
          f"fit alone {fit_sm:.1f}x statsmodels, {fit_r:.1f}x R glm "
          f"(tldrlab {ft['fit_seconds'] * 1000:.1f} ms); wrote {a.doc}")


if __name__ == "__main__":
    main()
