#!/usr/bin/python3
"""adamw_torch.py - expected values for test_gpt_adamw_matches_torch (tests/unit/test_gpt.c),
computed with PyTorch's own torch.optim.AdamW, independently of tldrlab.

    /usr/bin/python3 tests/reference/adamw_torch.py > /tmp/adamw_ref.h

prints the C table that the test holds (paste it over ADAMW_REF there).

The model is the scalar-head config {L 2, C 8, NH 2, T 6, V 11} in train/FORMAT.md's
tensor order, as one flat vector; every number below is rounded to float32 first (what
the C engine holds), then PyTorch runs in float64, so the table is the exact AdamW
result for those float32 inputs. The test's fp32 engine must agree within its
stated tolerances.

  parameters  p0[i]   = f32(0.5 sin(0.37 i + 0.1))
  gradients   g_k[i]  = f32(cos(0.23 i + 1.3 k) (1 + 0.5 sin(0.11 i k))), steps k = 1..5;
              times 1e-8 when i % 7 == 3 (there eps, 1e-8, is as large as sqrt(v^));
              0 at step 4 when i % 5 == 0 (only the moments move the parameter then)
  lr          f32 of 1e-2, 8e-3, 6e-3, 4e-3, 2e-3 at steps 1..5 (a schedule, set per step)
  AdamW       betas f32(0.9), f32(0.95), eps f32(1e-8), weight decay f32(0.1)
  decay       on qkvw, attprojw, fcw, fcprojw only: gpt.c's decays() - not on the
              embeddings (tied wte, wpe), biases, LayerNorms or the scalar head

For 3 elements of every tensor it prints the parameter after each of the 5 steps and
the two moments (exp_avg, exp_avg_sq: PyTorch keeps them without bias correction, as
gpt.c does) after step 5.
"""
import math

import numpy as np
import torch

L, C, NH, T, V = 2, 8, 2, 6, 11
SHAPES = [("wte", (V, C)), ("wpe", (T, C)), ("ln1w", (L, C)), ("ln1b", (L, C)),
          ("qkvw", (L, 3 * C, C)), ("qkvb", (L, 3 * C)), ("attprojw", (L, C, C)), ("attprojb", (L, C)),
          ("ln2w", (L, C)), ("ln2b", (L, C)), ("fcw", (L, 4 * C, C)), ("fcb", (L, 4 * C)),
          ("fcprojw", (L, C, 4 * C)), ("fcprojb", (L, C)), ("lnfw", (C,)), ("lnfb", (C,)),
          ("headw", (C,)), ("headb", (1,))]
DECAY = {"qkvw", "attprojw", "fcw", "fcprojw"}
STEPS = 5
LRS = [1e-2, 8e-3, 6e-3, 4e-3, 2e-3]


def f32(x):
    return np.float64(np.float32(x))


def grad(i, k):
    g = math.cos(0.23 * i + 1.3 * k) * (1 + 0.5 * math.sin(0.11 * i * k))
    if i % 7 == 3:
        g *= 1e-8
    if k == 4 and i % 5 == 0:
        g = 0.0
    return f32(g)


def main():
    sizes = [int(np.prod(s)) for _, s in SHAPES]
    offs = np.cumsum([0] + sizes)
    params = []
    for t, (name, _) in enumerate(SHAPES):
        p0 = [f32(0.5 * math.sin(0.37 * i + 0.1)) for i in range(offs[t], offs[t + 1])]
        params.append(torch.nn.Parameter(torch.tensor(p0, dtype=torch.float64)))
    wd = f32(0.1)
    groups = [{"params": [p for (n, _), p in zip(SHAPES, params) if n in DECAY], "weight_decay": wd},
              {"params": [p for (n, _), p in zip(SHAPES, params) if n not in DECAY], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=f32(LRS[0]), betas=(f32(0.9), f32(0.95)), eps=f32(1e-8))
    picks = []  # (tensor, index in tensor)
    for t, n in enumerate(sizes):
        for j in sorted({0, (13 * t + 5) % n, (29 * t + 11) % n, n - 1}):
            picks.append((t, j))
    history = {pk: [] for pk in picks}
    for k in range(1, STEPS + 1):
        for t, p in enumerate(params):
            p.grad = torch.tensor([grad(i, k) for i in range(offs[t], offs[t + 1])], dtype=torch.float64)
        for gr in opt.param_groups:
            gr["lr"] = f32(LRS[k - 1])
        opt.step()
        for t, j in picks:
            history[(t, j)].append(params[t].detach()[j].item())
    print("/* tests/reference/adamw_torch.py, torch %s: {tensor, index, p after steps 1..5, m, v after step 5} */"
          % torch.__version__)
    for t, j in picks:
        st = opt.state[params[t]]
        ps = ", ".join("%.10g" % x for x in history[(t, j)])
        print("    {%d, %d, {%s}, %.10g, %.10g}, /* %s */" % (t, j, ps, st["exp_avg"][j].item(),
                                                                st["exp_avg_sq"][j].item(), SHAPES[t][0]))


if __name__ == "__main__":
    main()
