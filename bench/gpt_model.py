"""gpt_model.py - the tldrlab GPT (train/FORMAT.md) in PyTorch, for the bench/
scripts gpt_peer.py (speed peer) and gpt_crosscheck.py (agreement check).

Importing this module imports torch: a caller that wants OMP_WAIT_POLICY (or
any other OpenMP setting) to take effect must set it before importing this.

Architecture (FORMAT.md): GPT-2 pre-LayerNorm blocks, learned positions, tied
embeddings (logits = h_final . wte^T), causal self-attention with scale
1/sqrt(C/NH), GELU MLP of width 4C with the tanh approximation, LayerNorm eps
1e-5, fp32 (or fp64 for the cross-check), optional scalar head
(value = h_final[b, pos] . headw + headb), optional left padding (FORMAT.md:
row b's first start[b] tokens are padding; the token at index t has position
max(t - start[b], 0) and attends to keys min(start[b], t)..t).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-5
GLOBAL = ("wte", "wpe", "lnfw", "lnfb", "headw", "headb")  # not stacked over layers


def tensor_shapes(cfg):
    """[(name, shape)] in FORMAT.md file order for a config dict (L, C, NH, T, V, head)."""
    L, C, T, V = cfg["L"], cfg["C"], cfg["T"], cfg["V"]
    out = [("wte", (V, C)), ("wpe", (T, C)),
           ("ln1w", (L, C)), ("ln1b", (L, C)),
           ("qkvw", (L, 3 * C, C)), ("qkvb", (L, 3 * C)),
           ("attprojw", (L, C, C)), ("attprojb", (L, C)),
           ("ln2w", (L, C)), ("ln2b", (L, C)),
           ("fcw", (L, 4 * C, C)), ("fcb", (L, 4 * C)),
           ("fcprojw", (L, C, 4 * C)), ("fcprojb", (L, C)),
           ("lnfw", (C,)), ("lnfb", (C,))]
    if cfg.get("head", "lm") == "scalar":
        out += [("headw", (C,)), ("headb", (1,))]
    return out


class Block(nn.Module):
    def __init__(self, C, NH, T):
        super().__init__()
        assert C % NH == 0, "C must be a multiple of NH"
        self.C, self.NH, self.hs = C, NH, C // NH
        self.ln1 = nn.LayerNorm(C, eps=LN_EPS)
        self.qkv = nn.Linear(C, 3 * C)
        self.attproj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C, eps=LN_EPS)
        self.fc = nn.Linear(C, 4 * C)
        self.fcproj = nn.Linear(4 * C, C)
        self.register_buffer("causal", torch.ones(T, T, dtype=torch.bool).tril(), persistent=False)

    def attn(self, x, cache=None, pos=0, mask=None):
        """x (B, t, C) at absolute positions pos..pos+t-1. With cache = (k, v),
        each (B, NH, Tmax, hs), writes this chunk's k and v into it and attends
        over cached positions 0..pos+t-1. mask (B, 1, t, t) bool, True where a
        query may attend (left padding), replaces the causal mask."""
        B, t, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, t, self.NH, self.hs).transpose(1, 2)
        k = k.view(B, t, self.NH, self.hs).transpose(1, 2)
        v = v.view(B, t, self.NH, self.hs).transpose(1, 2)
        if cache is not None:
            kc, vc = cache
            kc[:, :, pos:pos + t] = k
            vc[:, :, pos:pos + t] = v
            k, v = kc[:, :, :pos + t], vc[:, :, :pos + t]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hs))
        if mask is not None:
            att = att.masked_fill(~mask, float("-inf"))
        elif t > 1:  # one new token sees everything cached: no mask needed
            att = att.masked_fill(~self.causal[pos:pos + t, :pos + t], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, t, C)
        return self.attproj(y)

    def forward(self, x, cache=None, pos=0, mask=None):
        x = x + self.attn(self.ln1(x), cache, pos, mask)
        x = x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        L, C, NH, T, V = (cfg[k] for k in ("L", "C", "NH", "T", "V"))
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(T, C)
        self.blocks = nn.ModuleList(Block(C, NH, T) for _ in range(L))
        self.lnf = nn.LayerNorm(C, eps=LN_EPS)
        self.head = nn.Linear(C, 1) if cfg.get("head", "lm") == "scalar" else None
        self.init_weights()

    def init_weights(self, std=0.02, seed=None):
        """GPT-2 style: N(0, std) matrices and embeddings, zero biases, unit norms."""
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        for name, p in self.named_parameters():
            with torch.no_grad():
                if p.dim() >= 2:
                    p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype) * std)
                elif ".ln" in "." + name or name.startswith("lnf"):
                    p.fill_(1.0 if name.endswith("weight") else 0.0)
                else:
                    p.zero_()

    def hidden(self, idx, caches=None, pos=0, start=None):
        """The final LayerNorm's output (B, t, C); start (B,) int64: left padding."""
        t = idx.shape[1]
        if start is None:
            x = self.wte(idx) + self.wpe.weight[pos:pos + t]
            mask = None
        else:
            i = torch.arange(t)
            x = self.wte(idx) + self.wpe(torch.clamp(i[None, :] - start[:, None], min=0))
            lo = torch.minimum(start[:, None], i[None, :])  # (B, t): query t's first key
            mask = ((i[None, None, :] <= i[None, :, None]) & (i[None, None, :] >= lo[:, :, None]))[:, None]
        for k, blk in enumerate(self.blocks):
            x = blk(x, None if caches is None else caches[k], pos, mask)
        return self.lnf(x)

    def forward(self, idx, targets=None, start=None):
        """Logits (B, t, V) and, given targets (B, t), the mean cross-entropy."""
        logits = F.linear(self.hidden(idx, start=start), self.wte.weight)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss

    def value(self, idx, at):
        """Scalar head: h_final[b, at[b]] . headw + headb, shape (B,)."""
        h = self.hidden(idx)
        return self.head(h[torch.arange(h.shape[0]), at]).squeeze(-1)

    def values(self, idx, start=None):
        """Scalar head at every position, (B, t) (gpt_values)."""
        return self.head(self.hidden(idx, start=start)).squeeze(-1)

    # ---- FORMAT.md layout <-> modules ----
    def _views(self):
        """name -> list of module tensors whose stacking is the FORMAT.md tensor."""
        b = self.blocks
        out = {"wte": [self.wte.weight], "wpe": [self.wpe.weight],
               "ln1w": [x.ln1.weight for x in b], "ln1b": [x.ln1.bias for x in b],
               "qkvw": [x.qkv.weight for x in b], "qkvb": [x.qkv.bias for x in b],
               "attprojw": [x.attproj.weight for x in b], "attprojb": [x.attproj.bias for x in b],
               "ln2w": [x.ln2.weight for x in b], "ln2b": [x.ln2.bias for x in b],
               "fcw": [x.fc.weight for x in b], "fcb": [x.fc.bias for x in b],
               "fcprojw": [x.fcproj.weight for x in b], "fcprojb": [x.fcproj.bias for x in b],
               "lnfw": [self.lnf.weight], "lnfb": [self.lnf.bias]}
        if self.head is not None:
            out["headw"] = [self.head.weight]
            out["headb"] = [self.head.bias]
        return out

    def load_format(self, tensors):
        """tensors: name -> torch tensor of the FORMAT.md shape."""
        views = self._views()
        for name, shape in tensor_shapes(self.cfg):
            src = tensors[name]
            assert tuple(src.shape) == tuple(shape), f"{name}: shape {tuple(src.shape)}, expected {shape}"
            parts = views[name]
            with torch.no_grad():
                if name in GLOBAL:
                    parts[0].copy_(src.reshape(parts[0].shape))
                else:
                    for l, p in enumerate(parts):
                        p.copy_(src[l].reshape(p.shape))

    def export_format(self, grads=False):
        """name -> tensor in FORMAT.md shape: the parameters, or with grads=True
        their gradients (zeros where a parameter got none)."""
        out = {}
        views = self._views()
        for name, shape in tensor_shapes(self.cfg):
            parts = views[name]
            vals = []
            for p in parts:
                t = p.grad if grads else p
                vals.append(torch.zeros_like(p) if t is None else t.detach())
            if name in GLOBAL:
                out[name] = vals[0].reshape(shape)
            else:
                out[name] = torch.stack(vals).reshape(shape)
        return out

    def decay_groups(self, weight_decay):
        """AdamW groups as gpt.c's decays(): decay on the blocks' Linear weight
        matrices only (not on biases, LayerNorms, the embeddings or the scalar
        head, whose (1, C) weight is the vector headw in FORMAT.md)."""
        decay, rest = [], []
        for name, p in self.named_parameters():
            (decay if p.dim() == 2 and not name.startswith(("wte", "wpe", "head")) else rest).append(p)
        return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
