#!/usr/bin/python3
"""gpt_peer.py - the PyTorch CPU peer of tldrlab's GPT engine (issue 5, "Speed").

The model is bench/gpt_model.py: exactly the train/FORMAT.md architecture
(GPT-2 pre-LN, learned positions, tied embeddings, GELU tanh, LayerNorm eps
1e-5, fp32), written the way a PyTorch user would (nn.Linear, nn.LayerNorm,
nn.Embedding). Head size 32: NH = C/32 unless --NH is given.

One measurement, in this process (torch reads OpenMP settings at import, so
set OMP_WAIT_POLICY in the environment before running this):

  gpt_peer.py train  --L 2 --C 64 --NH 2 --T 128 --V 4096 [--B 32] --steps 20 --warmup 3 --threads 2
      forward + backward + torch.optim.AdamW step (lr 3e-4, weight decay 0.1
      on the Linear weight matrices only; betas 0.9/0.999, eps 1e-8) +
      zero_grad on uniform random tokens; B defaults to 4096 // T (about 4096
      tokens a step). tokens/s = B*T / median step time after the warmup steps.
  gpt_peer.py sample --L 4 --C 128 --NH 4 --T 256 --V 4096 --prompts 64 --prompt-len 200 --new 48 --threads 2
      batched generation with a hand-written KV cache: the prompts (uniform
      random tokens) are prefilled in one forward that fills a per-layer
      (B, NH, T, hs) k/v cache, then one token at a time reusing it; the LM
      head is applied to the last position only. Temperature-1 sampling
      (torch.multinomial on the softmax; --greedy for argmax), no EOS stop.
      new tokens/s = prompts*new / wall time of the whole generation
      (cache allocation + prefill + decoding), median of --repeat runs after
      one warm-up generation.

Either prints one JSON line. With --both, the mode instead runs in
subprocesses --reps times in each of two settings, interleaved: the
environment as is, and OMP_WAIT_POLICY=PASSIVE; it prints one JSON line with
the best run (the peer, as issue 5 defines it) and every run under "runs".

  gpt_peer.py all [--threads 2] [--reps 1]
      the three training configs (L2/C64/T128, L4/C128/T256, L6/C256/T256,
      V=4096, NH=C/32, B=4096//T) and the sampling benchmark, each --both;
      one JSON line each.

Use /usr/bin/python3 (Debian's python3-torch; scripts/install-deps.sh --bench).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

TRAIN_CONFIGS = [(2, 64, 128), (4, 128, 256), (6, 256, 256)]  # L, C, T; V=4096
V_BENCH = 4096
TOKENS_PER_STEP = 4096
HEAD_SIZE = 32


def wait_policy():
    return os.environ.get("OMP_WAIT_POLICY", "default")


def setup_torch(threads, seed):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    return torch


def run_train(a):
    torch = setup_torch(a.threads, a.seed)
    from gpt_model import GPT
    B = a.B or max(1, TOKENS_PER_STEP // a.T)
    cfg = {"L": a.L, "C": a.C, "NH": a.NH, "T": a.T, "V": a.V, "head": "lm"}
    model = GPT(cfg)
    model.train()
    opt = torch.optim.AdamW(model.decay_groups(0.1), lr=3e-4, betas=(0.9, 0.999), eps=1e-8)
    g = torch.Generator().manual_seed(a.seed)
    times, losses = [], []
    for step in range(a.warmup + a.steps):
        data = torch.randint(0, a.V, (B, a.T + 1), generator=g)
        x, y = data[:, :-1], data[:, 1:]
        t0 = time.perf_counter()
        _, loss = model(x, y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        losses.append(loss.item())
        if step >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    return {"mode": "train", "L": a.L, "C": a.C, "NH": a.NH, "T": a.T, "V": a.V, "B": B,
            "tokens_per_step": B * a.T, "steps": a.steps, "warmup": a.warmup, "threads": a.threads,
            "tokens_per_s": B * a.T / med, "step_s_median": med, "step_s_min": min(times),
            "loss_first": losses[0], "loss_last": losses[-1],
            "params": sum(p.numel() for p in model.parameters()),
            "omp_wait_policy": wait_policy(), "torch": torch.__version__}


def generate(torch, model, prompts, new, greedy, gen):
    """prompts (B, P) -> (B, P + new); KV cache per layer, prefill then one token at a time."""
    B, P = prompts.shape
    cfg = model.cfg
    Tmax, NH, hs = cfg["T"], cfg["NH"], cfg["C"] // cfg["NH"]
    assert P + new <= Tmax, "prompt + new tokens exceed the context T"
    caches = [(torch.empty(B, NH, Tmax, hs), torch.empty(B, NH, Tmax, hs)) for _ in model.blocks]
    out = torch.empty(B, P + new, dtype=torch.long)
    out[:, :P] = prompts
    idx, pos = prompts, 0
    for i in range(new):
        h = model.hidden(idx, caches, pos)[:, -1]          # (B, C), last position only
        logits = h @ model.wte.weight.t()                   # (B, V)
        if greedy:
            nxt = logits.argmax(-1)
        else:
            nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen).squeeze(-1)
        out[:, P + i] = nxt
        pos += idx.shape[1]
        idx = nxt.view(B, 1)
    return out


def run_sample(a):
    torch = setup_torch(a.threads, a.seed)
    from gpt_model import GPT
    cfg = {"L": a.L, "C": a.C, "NH": a.NH, "T": a.T, "V": a.V, "head": "lm"}
    model = GPT(cfg)
    model.eval()
    g = torch.Generator().manual_seed(a.seed)
    prompts = torch.randint(0, a.V, (a.prompts, a.prompt_len), generator=g)
    times = []
    with torch.inference_mode():
        for r in range(1 + a.repeat):
            t0 = time.perf_counter()
            out = generate(torch, model, prompts, a.new, a.greedy, g)
            dt = time.perf_counter() - t0
            if r > 0:
                times.append(dt)
    med = statistics.median(times)
    n = a.prompts * a.new
    return {"mode": "sample", "L": a.L, "C": a.C, "NH": a.NH, "T": a.T, "V": a.V,
            "prompts": a.prompts, "prompt_len": a.prompt_len, "new": a.new,
            "decoding": "greedy" if a.greedy else "temperature 1", "threads": a.threads,
            "new_tokens_per_s": n / med, "tokens_per_s": n / med, "seconds_median": med,
            "seconds_min": min(times), "repeat": a.repeat, "out_shape": list(out.shape),
            "omp_wait_policy": wait_policy(), "torch": torch.__version__}


def child_argv(a):
    argv = [a.mode, "--L", a.L, "--C", a.C, "--NH", a.NH, "--T", a.T, "--V", a.V,
            "--threads", a.threads, "--seed", a.seed]
    if a.mode == "train":
        argv += ["--steps", a.steps, "--warmup", a.warmup] + (["--B", a.B] if a.B else [])
    else:
        argv += ["--prompts", a.prompts, "--prompt-len", a.prompt_len, "--new", a.new,
                 "--repeat", a.repeat] + (["--greedy"] if a.greedy else [])
    return [sys.executable, os.path.abspath(__file__)] + [str(x) for x in argv]


def run_both(a):
    """The mode in subprocesses: env as is and OMP_WAIT_POLICY=PASSIVE, interleaved, --reps each."""
    settings = [("as is", dict(os.environ)), ("PASSIVE", dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))]
    runs = []
    for _ in range(a.reps):
        for label, env in settings:
            p = subprocess.run(child_argv(a), env=env, stdout=subprocess.PIPE, text=True)
            if p.returncode != 0:
                sys.exit(f"gpt_peer.py: {a.mode} run with OMP_WAIT_POLICY {label} failed ({p.returncode})")
            r = json.loads(p.stdout.strip().splitlines()[-1])
            r["setting"] = label
            runs.append(r)
            print(f"gpt_peer.py: {a.mode} L{a.L} C{a.C} T{a.T} OMP_WAIT_POLICY={r['omp_wait_policy']}: "
                  f"{r['tokens_per_s']:.0f} tokens/s", file=sys.stderr)
    best = dict(max(runs, key=lambda r: r["tokens_per_s"]))
    best["best_of"] = "environment as is and OMP_WAIT_POLICY=PASSIVE"
    best["runs"] = [{k: r[k] for k in ("setting", "omp_wait_policy", "tokens_per_s")} for r in runs]
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["train", "sample", "all"])
    ap.add_argument("--L", type=int, default=None)
    ap.add_argument("--C", type=int, default=None)
    ap.add_argument("--NH", type=int, default=None, help="default C/32 (head size 32)")
    ap.add_argument("--T", type=int, default=None)
    ap.add_argument("--V", type=int, default=V_BENCH)
    ap.add_argument("--B", type=int, default=None, help="train batch; default 4096 // T")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--prompt-len", type=int, default=200)
    ap.add_argument("--new", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=3, help="sample: timed generations after one warm-up")
    ap.add_argument("--greedy", action="store_true", help="sample: argmax instead of temperature 1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--both", action="store_true",
                    help="run in subprocesses with the environment as is and with OMP_WAIT_POLICY=PASSIVE; report the best")
    ap.add_argument("--reps", type=int, default=1, help="with --both/all: runs per setting")
    a = ap.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    if a.mode == "all":
        jobs = [("train", L, C, T) for L, C, T in TRAIN_CONFIGS] + [("sample", 4, 128, 256)]
        for mode, L, C, T in jobs:
            b = argparse.Namespace(**vars(a))
            b.mode, b.L, b.C, b.T, b.NH = mode, L, C, T, C // HEAD_SIZE
            print(json.dumps(run_both(b)), flush=True)
        return

    defaults = {"train": (2, 64, 128), "sample": (4, 128, 256)}[a.mode]
    a.L = a.L or defaults[0]
    a.C = a.C or defaults[1]
    a.T = a.T or defaults[2]
    a.NH = a.NH or max(1, a.C // HEAD_SIZE)
    if a.both:
        res = run_both(a)
    else:
        res = run_train(a) if a.mode == "train" else run_sample(a)
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
