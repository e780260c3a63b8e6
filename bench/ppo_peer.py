#!/usr/bin/python3
"""ppo_peer.py - the PyTorch peer of tldrlab's PPO iteration (train/ppo.c's
ppo_iteration, timed by `bin/tldrlab-gptbench ppo`).

Whole PPO iterations on random weights and random prompts, written the way
TRL and the N+ reproduction (Huang et al., 2024, vwxyzjn/summarize_from_
feedback_details) write them: plain PyTorch, torch.no_grad for the rollout
and the scoring, autograd for the updates. Four networks of one config
(bench/gpt_model.py, train/FORMAT.md): the policy and a frozen reference
(LM head, tied embeddings), a reward model and a value model (a scalar
head, C -> 1, on the final LayerNorm's output at every position; the value
model starts as a copy of the reward model, as in N+). One iteration on
EPISODES prompts of PROMPT tokens (uniform random ids below V - 2, one
length, no padding), the same prompts every iteration, as the C side:

1. rollout: NEW tokens per prompt from the policy at temperature 0.7
   (softmax of logits / 0.7, torch.multinomial), a hand-written KV cache
   (prefill, then one token at a time; the LM head on the last position
   only); no EOS is drawn or checked, so every response has NEW tokens;
2. scoring, forward chunks of 16 rows over query + response: the policy's
   and the reference's log-probs of the response tokens at temperature 0.7
   (log_softmax(logits / 0.7), gathered; the LM head only on the positions
   that predict a response token), the policy's entropy there (a statistic
   the C side also computes), the value model's values at those positions,
   the reward model's score at the last token;
3. rewards -beta (logp - ref_logp) per token (beta 0.05, k1), plus the
   score at the last token, which is -1 for a response without EOS (all of
   them here, as on the C side); GAE with gamma 1, lambda 0.95 (TRL's
   reversed loop), returns = advantages + values; advantages whitened over
   every response token (unbiased variance + 1e-8), rewards not;
4. 4 epochs, each a shuffle of the episodes into 4 minibatches; per
   minibatch the policy (forward over query + response, LM head on the
   response positions only, ratio exp(new - old), clipped surrogate with
   clip 0.2, mean over response tokens, backward, clip_grad_norm_ 1.0,
   AdamW lr 1e-5, betas 0.9/0.999, eps 1e-5, no weight decay), then the
   value model (clipped value loss 0.5 max((v - ret)^2, (vclip - ret)^2)
   with value clip 0.2, mean, backward, clip 1.0, its own AdamW). The two
   optimisers keep their state across iterations, as the C side's do.

  ppo_peer.py --L 4 --C 128 --NH 4 --T 256 --V 4096 --episodes 64 --prompt 192 --new 48 [--iters 3] [--threads 2]

One warm-up iteration, then ITERS timed ones; prints one JSON line with the
C side's fields (iteration_s, episodes_per_s = EPISODES / iteration_s,
rollout_s, score_s, optimise_s: medians, the upper one for an even count
as the C side takes it; optimise_s includes the rewards, GAE and
whitening, as on the C side) and, on stderr, each iteration's statistics
(the first minibatch's ratio must be 1: the policy has not moved since the
scoring). With --both, the run is repeated in subprocesses --reps times in
each of two settings, interleaved: the environment as is and
OMP_WAIT_POLICY=PASSIVE; it prints the best run (by episodes/s) with every
run under "runs", as bench/gpt_peer.py --both does.

Use /usr/bin/python3 (Debian's python3-torch; scripts/install-deps.sh --bench).
"""
import argparse
import copy
import json
import math
import os
import subprocess
import sys
import time

# the C side's constants (bench/gpt/bench_gpt.c's PpoCtx)
TEMPERATURE = 0.7
BETA = 0.05
NO_EOS_PENALTY = -1.0
CLIPRANGE = 0.2
CLIPRANGE_VALUE = 0.2
MAX_GRAD_NORM = 1.0
GAMMA = 1.0
LAM = 0.95
EPOCHS = 4
MINIBATCHES = 4
CHUNK = 16
LR = 1e-5
ADAM_EPS = 1e-5


def wait_policy():
    return os.environ.get("OMP_WAIT_POLICY", "default")


def upper_median(xs):
    """The median as the C side takes it: the upper middle of an even count."""
    return sorted(xs)[len(xs) // 2]


def generate(torch, model, queries, new, temperature, gen):
    """queries (B, P) -> query_responses (B, P + new): a per-layer (B, NH,
    P + new, hs) key/value cache filled by one prefill forward, then one
    token at a time; logits / temperature, softmax, multinomial."""
    B, P = queries.shape
    NH, hs = model.cfg["NH"], model.cfg["C"] // model.cfg["NH"]
    caches = [(torch.empty(B, NH, P + new, hs), torch.empty(B, NH, P + new, hs)) for _ in model.blocks]
    out = torch.empty(B, P + new, dtype=torch.long)
    out[:, :P] = queries
    idx, pos = queries, 0
    for i in range(new):
        h = model.hidden(idx, caches, pos)[:, -1]           # (B, C): the last position only
        logits = h @ model.wte.weight.t()                    # (B, V)
        probs = torch.softmax(logits / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=gen).squeeze(-1)
        out[:, P + i] = nxt
        pos += idx.shape[1]
        idx = nxt.view(B, 1)
    return out


def response_logits(F, model, query_responses, P, temperature):
    """Logits / temperature (B, R, V) at the positions P - 1 .. W - 2 that
    predict the response tokens: the hidden states are sliced before the
    LM head, so the prompt positions cost no head."""
    h = model.hidden(query_responses)[:, P - 1:-1]
    return F.linear(h, model.wte.weight) / temperature


def gather_logprobs(F, logits, responses):
    """log_softmax(logits) at the response tokens, (B, R), and the full
    log-softmax (B, R, V)."""
    all_lp = F.log_softmax(logits, dim=-1)
    return all_lp.gather(-1, responses.unsqueeze(-1)).squeeze(-1), all_lp


def scalar_values(model, query_responses):
    """A scalar-head model's value at every position, (B, W)."""
    return model.head(model.hidden(query_responses)).squeeze(-1)


class Peer:
    """The four networks, the two optimisers and the prompts; iterate() runs
    one PPO iteration and returns its timings and statistics."""

    def __init__(self, torch, a):
        from gpt_model import GPT
        self.torch = torch
        self.F = torch.nn.functional
        self.a = a
        cfg = {"L": a.L, "C": a.C, "NH": a.NH, "T": a.T, "V": a.V}
        self.policy = GPT(dict(cfg, head="lm"))
        self.policy.init_weights(seed=a.seed)
        self.ref = copy.deepcopy(self.policy).requires_grad_(False)
        self.reward = GPT(dict(cfg, head="scalar"))
        self.reward.init_weights(seed=a.seed + 1)
        self.reward.requires_grad_(False)
        self.value = copy.deepcopy(self.reward).requires_grad_(True)
        self.pol_opt = torch.optim.AdamW(self.policy.parameters(), lr=LR, betas=(0.9, 0.999), eps=ADAM_EPS,
                                         weight_decay=0.0)
        self.val_opt = torch.optim.AdamW(self.value.parameters(), lr=LR, betas=(0.9, 0.999), eps=ADAM_EPS,
                                         weight_decay=0.0)
        self.gen = torch.Generator().manual_seed(a.seed)
        self.queries = torch.randint(0, a.V - 2, (a.episodes, a.prompt), generator=self.gen)

    def score(self, query_responses):
        """Step 2: old log-probs, reference log-probs, entropy, values, scores."""
        torch, F, P = self.torch, self.F, self.a.prompt
        logprobs, ref_logprobs, entropy, values, scores = [], [], [], [], []
        with torch.no_grad():
            for i in range(0, query_responses.shape[0], CHUNK):
                qr = query_responses[i:i + CHUNK]
                resp = qr[:, P:]
                lp, all_lp = gather_logprobs(F, response_logits(F, self.policy, qr, P, TEMPERATURE), resp)
                logprobs.append(lp)
                entropy.append(-(all_lp.exp() * all_lp).sum(-1))
                del all_lp
                ref_lp, _ = gather_logprobs(F, response_logits(F, self.ref, qr, P, TEMPERATURE), resp)
                ref_logprobs.append(ref_lp)
                values.append(scalar_values(self.value, qr)[:, P - 1:-1])
                scores.append(scalar_values(self.reward, qr)[:, -1])
        return (torch.cat(logprobs), torch.cat(ref_logprobs), torch.cat(entropy), torch.cat(values),
                torch.cat(scores))

    def advantages(self, logprobs, ref_logprobs, values, scores, has_eos):
        """Step 3: per-token rewards, GAE, returns, whitened advantages."""
        torch = self.torch
        scores = torch.where(has_eos, scores, torch.full_like(scores, NO_EOS_PENALTY))
        kl = logprobs - ref_logprobs
        rewards = -BETA * kl
        rewards[:, -1] += scores  # every response has all NEW tokens: its last index is its end
        R = rewards.shape[1]
        lastgaelam = torch.zeros_like(scores)
        advantages_reversed = []
        for t in reversed(range(R)):
            nextvalues = values[:, t + 1] if t < R - 1 else 0.0
            delta = rewards[:, t] + GAMMA * nextvalues - values[:, t]
            lastgaelam = delta + GAMMA * LAM * lastgaelam
            advantages_reversed.append(lastgaelam)
        advantages = torch.stack(advantages_reversed[::-1], dim=1)
        returns = advantages + values
        advantages = (advantages - advantages.mean()) * torch.rsqrt(advantages.var(unbiased=True) + 1e-8)
        return advantages, returns, scores, kl

    def optimise(self, query_responses, logprobs, values, advantages, returns):
        """Step 4: epochs x minibatches of a policy update then a value update."""
        torch, F, P = self.torch, self.F, self.a.prompt
        E = query_responses.shape[0]
        mbs = (E + MINIBATCHES - 1) // MINIBATCHES
        st = {"clipfrac": [], "approxkl": [], "pg_loss": [], "vf_loss": [], "grad_norm": [], "first_ratio": None}
        for epoch in range(EPOCHS):
            perm = torch.randperm(E, generator=self.gen)
            for m0 in range(0, E, mbs):
                mb = perm[m0:m0 + mbs]
                qr = query_responses[mb]
                new_lp, _ = gather_logprobs(F, response_logits(F, self.policy, qr, P, TEMPERATURE), qr[:, P:])
                diff = new_lp - logprobs[mb]
                ratio = torch.exp(diff)
                pg_losses = -advantages[mb] * ratio
                pg_losses2 = -advantages[mb] * torch.clamp(ratio, 1.0 - CLIPRANGE, 1.0 + CLIPRANGE)
                pg_loss = torch.max(pg_losses, pg_losses2).mean()
                self.pol_opt.zero_grad(set_to_none=True)
                pg_loss.backward()
                gn = torch.nn.utils.clip_grad_norm_(self.policy.parameters(), MAX_GRAD_NORM)
                self.pol_opt.step()

                vpred = scalar_values(self.value, qr)[:, P - 1:-1]
                vpredclipped = torch.clamp(vpred, values[mb] - CLIPRANGE_VALUE, values[mb] + CLIPRANGE_VALUE)
                vf_losses1 = torch.square(vpred - returns[mb])
                vf_losses2 = torch.square(vpredclipped - returns[mb])
                vf_loss = 0.5 * torch.max(vf_losses1, vf_losses2).mean()
                self.val_opt.zero_grad(set_to_none=True)
                vf_loss.backward()
                torch.nn.utils.clip_grad_norm_(self.value.parameters(), MAX_GRAD_NORM)
                self.val_opt.step()

                with torch.no_grad():
                    if st["first_ratio"] is None:
                        st["first_ratio"] = (ratio - 1).abs().max()
                    st["clipfrac"].append((pg_losses2 > pg_losses).float().mean())
                    st["approxkl"].append(0.5 * (diff ** 2).mean())
                    st["pg_loss"].append(pg_loss.detach())
                    st["vf_loss"].append(vf_loss.detach())
                    st["grad_norm"].append(gn)
        out = {k: float(torch.stack(v).mean()) for k, v in st.items() if k not in ("first_ratio", "grad_norm")}
        out["grad_norm_max"] = float(torch.stack(st["grad_norm"]).max())
        out["first_ratio_dev"] = float(st["first_ratio"])
        return out

    def iterate(self):
        torch, a = self.torch, self.a
        t0 = time.perf_counter()
        with torch.no_grad():
            query_responses = generate(torch, self.policy, self.queries, a.new, TEMPERATURE, self.gen)
        t1 = time.perf_counter()
        logprobs, ref_logprobs, entropy, values, scores = self.score(query_responses)
        t2 = time.perf_counter()
        has_eos = torch.zeros(a.episodes, dtype=torch.bool)  # the benchmark's responses never end
        advantages, returns, scores, kl = self.advantages(logprobs, ref_logprobs, values, scores, has_eos)
        st = self.optimise(query_responses, logprobs, values, advantages, returns)
        t3 = time.perf_counter()
        st.update({"rm_score": float(scores.mean()), "kl": float(kl.sum(1).mean()),
                   "entropy": float(entropy.mean()), "value_mean": float(values.mean())})
        bad = [k for k, v in st.items() if not math.isfinite(v)]
        if bad:
            sys.exit(f"ppo_peer.py: non-finite {', '.join(bad)}: {st}")
        return {"iteration_s": t3 - t0, "rollout_s": t1 - t0, "score_s": t2 - t1, "optimise_s": t3 - t2}, st


def run(a):
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    peer = Peer(torch, a)
    times = []
    for it in range(-1, a.iters):  # -1: the warm-up iteration
        tm, st = peer.iterate()
        print(f"ppo_peer.py: iteration {it + 1}{' (warm-up)' if it < 0 else ''}: {tm['iteration_s']:.3f} s "
              f"(rollout {tm['rollout_s']:.3f}, score {tm['score_s']:.3f}, optimise {tm['optimise_s']:.3f}); "
              f"first minibatch |ratio - 1| <= {st['first_ratio_dev']:.2e}; rm {st['rm_score']:.3f}, "
              f"kl {st['kl']:.4f}, entropy {st['entropy']:.3f}, clipfrac {st['clipfrac']:.4f}, "
              f"approxkl {st['approxkl']:.2e}, pg_loss {st['pg_loss']:.4f}, vf_loss {st['vf_loss']:.4f}, "
              f"grad norm <= {st['grad_norm_max']:.3f}", file=sys.stderr)
        if it >= 0:
            times.append(tm)
    med = {k: upper_median([t[k] for t in times]) for k in times[0]}
    return {"bench": "ppo", "L": a.L, "C": a.C, "NH": a.NH, "T": a.T, "V": a.V, "episodes": a.episodes,
            "prompt": a.prompt, "new": a.new, "iterations": a.iters, "threads": torch.get_num_threads(),
            "iteration_s": med["iteration_s"], "episodes_per_s": a.episodes / med["iteration_s"],
            "rollout_s": med["rollout_s"], "score_s": med["score_s"], "optimise_s": med["optimise_s"],
            "last": st, "omp_wait_policy": wait_policy(), "torch": torch.__version__}


def child_argv(a):
    argv = ["--L", a.L, "--C", a.C, "--NH", a.NH, "--T", a.T, "--V", a.V, "--episodes", a.episodes,
            "--prompt", a.prompt, "--new", a.new, "--iters", a.iters, "--threads", a.threads, "--seed", a.seed]
    return [sys.executable, os.path.abspath(__file__)] + [str(x) for x in argv]


def run_both(a):
    """Subprocess runs in the environment as is and with OMP_WAIT_POLICY=PASSIVE, interleaved, --reps each."""
    settings = [("as is", dict(os.environ)), ("PASSIVE", dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))]
    runs = []
    for _ in range(a.reps):
        for label, env in settings:
            p = subprocess.run(child_argv(a), env=env, stdout=subprocess.PIPE, text=True)
            if p.returncode != 0:
                sys.exit(f"ppo_peer.py: run with OMP_WAIT_POLICY {label} failed ({p.returncode})")
            r = json.loads(p.stdout.strip().splitlines()[-1])
            r["setting"] = label
            runs.append(r)
            print(f"ppo_peer.py: OMP_WAIT_POLICY={r['omp_wait_policy']}: {r['episodes_per_s']:.2f} episodes/s",
                  file=sys.stderr)
    best = dict(max(runs, key=lambda r: r["episodes_per_s"]))
    best["best_of"] = "environment as is and OMP_WAIT_POLICY=PASSIVE"
    best["runs"] = [{k: r[k] for k in ("setting", "omp_wait_policy", "episodes_per_s", "rollout_s", "score_s",
                                        "optimise_s")} for r in runs]
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--L", type=int, default=4)
    ap.add_argument("--C", type=int, default=128)
    ap.add_argument("--NH", type=int, default=4)
    ap.add_argument("--T", type=int, default=256)
    ap.add_argument("--V", type=int, default=4096)
    ap.add_argument("--episodes", type=int, default=64)
    ap.add_argument("--prompt", type=int, default=192, help="prompt tokens per episode")
    ap.add_argument("--new", type=int, default=48, help="response tokens per episode")
    ap.add_argument("--iters", type=int, default=3, help="timed iterations after one warm-up")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--both", action="store_true",
                    help="run in subprocesses with the environment as is and with OMP_WAIT_POLICY=PASSIVE; report the best")
    ap.add_argument("--reps", type=int, default=1, help="with --both: runs per setting")
    a = ap.parse_args()
    for k in ("L", "C", "NH", "T", "V", "episodes", "prompt", "new", "iters", "threads", "reps"):
        if getattr(a, k) < 1:
            ap.error(f"--{k} must be a positive whole number, got {getattr(a, k)}")
    if a.C % a.NH:
        ap.error(f"--C ({a.C}) must be a multiple of --NH ({a.NH})")
    if a.prompt + a.new > a.T:
        ap.error(f"--prompt + --new ({a.prompt + a.new}) exceeds the context --T ({a.T})")
    if a.V < 3:
        ap.error("--V must be at least 3 (prompt ids are drawn below V - 2)")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    print(json.dumps(run_both(a) if a.both else run(a)), flush=True)


if __name__ == "__main__":
    main()
