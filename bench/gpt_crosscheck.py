#!/usr/bin/python3
"""gpt_crosscheck.py - does PyTorch agree with tldrlab's GPT engine?

    /usr/bin/python3 bench/gpt_crosscheck.py CKPT DUMPDIR [--tol 1e-4]
    /usr/bin/python3 bench/gpt_crosscheck.py --selftest

CKPT is a tldrlab GPT checkpoint and DUMPDIR what `tldrlab lm-dump --checkpoint
CKPT --out DUMPDIR` wrote (both formats in train/FORMAT.md). The checkpoint is
parsed here (magic, version, JSON header, padding to 8, float32 tensors in
header order, optional AdamW moments and RNG state, trailer), loaded into the
PyTorch model of bench/gpt_model.py, once in float32 and once in float64; each
runs forward on tokens[:, :T] with the rows' left padding (start.bin; none when
the dump has no such file), and backward. A language model: the mean
cross-entropy against tokens[:, 1:]; logits, loss and every gradient tensor are
compared with the dump. A scalar head (reward, value model): the objective
sum(dvalues * values); values, objective and every gradient tensor are compared.

Per tensor it prints max|a-b| (abs), max|b| (the dump's scale) and
rel = max|a-b| / max|b|: the largest difference relative to the tensor's own
largest magnitude, the measure that stays meaningful for gradients, which
are often far below 1. The check fails (exit 1) when rel > --tol (1e-4) for
any tensor in either precision. rel is never below max|a-b| / max(1, max|b|),
so passing it passes that looser measure too (also printed, as "unit").

--selftest writes a small random checkpoint of each head with
write_checkpoint(), makes a dump with PyTorch in float64 (stored as float32,
like the C engine's output), checks PyTorch's logits or values against the
model written out in numpy (left padding included), that the comparison passes,
that a corrupted gradient, a truncated checkpoint and a wrong version are all
caught, and exits 0 when all is well.

Exit status: 0 agree, 1 disagree, 2 unreadable input.
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

MAGIC = b"TLDRGPT\0"
TRAILER = b"TLDREND\0"
VERSION = 1
READS = (1, 2)  # version 2 adds the tensors' checksum to the header (train/FORMAT.md)


class FormatError(Exception):
    pass


def tensor_shapes(cfg):
    from gpt_model import tensor_shapes as ts
    return ts(cfg)


# ---------------------------------------------------------------- checkpoint I/O

def read_checkpoint(path):
    """-> (header dict, {name: float32 ndarray}, extras dict). Raises FormatError."""
    with open(path, "rb") as f:
        data = f.read()
    n = len(data)
    if n < 16 or data[:8] != MAGIC:
        raise FormatError(f"{path}: not a tldrlab GPT checkpoint (bad magic)")
    version, hlen = struct.unpack_from("<II", data, 8)
    if version not in READS:
        raise FormatError(f"{path}: checkpoint version {version}, this script reads versions 1 and 2")
    if 16 + hlen > n:
        raise FormatError(f"{path}: truncated (JSON header of {hlen} bytes runs past the end)")
    try:
        hdr = json.loads(data[16:16 + hlen].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"{path}: bad JSON header: {e}")
    off = 16 + hlen
    pad = (-off) % 8
    if data[off:off + pad] != b"\0" * pad:
        raise FormatError(f"{path}: non-zero padding after the header")
    off += pad
    cfg = hdr.get("config") or {}
    for k in ("L", "C", "NH", "T", "V"):
        if not isinstance(cfg.get(k), int) or cfg[k] <= 0:
            raise FormatError(f"{path}: config.{k} missing or not a positive integer")
    if cfg["C"] % cfg["NH"]:
        raise FormatError(f"{path}: C={cfg['C']} is not a multiple of NH={cfg['NH']}")
    if cfg.get("head", "lm") not in ("lm", "scalar"):
        raise FormatError(f"{path}: unknown head {cfg.get('head')!r}")
    expect = tensor_shapes(cfg)
    listed = [(t.get("name"), tuple(t.get("shape", ()))) for t in hdr.get("tensors", [])]
    if listed != [(nm, tuple(s)) for nm, s in expect]:
        raise FormatError(f"{path}: tensors {listed} do not match FORMAT.md for config {cfg}: {expect}")
    nparams = sum(int(np.prod(s)) for _, s in expect)
    if hdr.get("params") != nparams:
        raise FormatError(f"{path}: header says {hdr.get('params')} parameters, the tensors hold {nparams}")
    nfloats = nparams * (3 if hdr.get("optimizer") else 1)
    end = off + 4 * nfloats
    if end > n:
        raise FormatError(f"{path}: truncated (tensors need {end} bytes, the file has {n})")
    flat = np.frombuffer(data, dtype="<f4", count=nfloats, offset=off)
    extras = {}
    if hdr.get("optimizer"):
        extras["m"] = flat[nparams:2 * nparams]
        extras["v"] = flat[2 * nparams:]
    off = end
    if hdr.get("rng"):
        if off + 4 > n:
            raise FormatError(f"{path}: truncated (no RNG state length)")
        (k,) = struct.unpack_from("<I", data, off)
        if off + 4 + k > n:
            raise FormatError(f"{path}: truncated (RNG state of {k} bytes runs past the end)")
        extras["rng"] = data[off + 4:off + 4 + k]
        off += 4 + k
    if data[off:off + 8] != TRAILER:
        raise FormatError(f"{path}: truncated or corrupt (no TLDREND trailer at byte {off})")
    if off + 8 != n:
        raise FormatError(f"{path}: {n - off - 8} unexpected bytes after the trailer")
    tensors, o = {}, 0
    for name, shape in expect:
        k = int(np.prod(shape))
        tensors[name] = flat[o:o + k].reshape(shape)
        o += k
    return hdr, tensors, extras


def write_checkpoint(path, cfg, tensors, m=None, v=None, rng=None, step=0, seed="1"):
    """Write a FORMAT.md version-1 checkpoint (temporary file, then rename).
    tensors: name -> array of the FORMAT.md shape; m, v: optional flat AdamW
    moments (params floats each); rng: optional bytes."""
    shapes = tensor_shapes(cfg)
    flat = np.concatenate([np.asarray(tensors[nm], dtype="<f4").reshape(-1) for nm, _ in shapes])
    for nm, s in shapes:
        assert tuple(np.shape(tensors[nm])) == tuple(s), f"{nm}: shape {np.shape(tensors[nm])}, expected {s}"
    hdr = {"format": 1, "config": dict(cfg, head=cfg.get("head", "lm")),
           "tensors": [{"name": nm, "shape": list(s)} for nm, s in shapes],
           "params": int(flat.size), "optimizer": m is not None, "rng": rng is not None,
           "step": step, "seed": seed, "tokenizer": None, "tldrlab": "selftest", "commit": None}
    hb = json.dumps(hdr).encode("utf-8")
    out = bytearray(MAGIC + struct.pack("<II", VERSION, len(hb)) + hb)
    out += b"\0" * ((-len(out)) % 8)
    out += flat.tobytes()
    if m is not None:
        out += np.asarray(m, dtype="<f4").tobytes() + np.asarray(v, dtype="<f4").tobytes()
    if rng is not None:
        out += struct.pack("<I", len(rng)) + bytes(rng)
    out += TRAILER
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, path)


def is_scalar(cfg):
    return cfg.get("head", "lm") == "scalar"


def read_dump(d, cfg, nparams):
    """-> dict: tokens (B, T+1) int64, start (B,) int64, out (LM: logits (B, T, V);
    scalar head: values (B, T)) float32, dvalues (B, T) float32 or None, loss
    float, grads flat float32."""
    def need(name):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            raise FormatError(f"{d}: no {name}")
        return p
    scalar = is_scalar(cfg)
    oname = "values.bin" if scalar else "logits.bin"
    tok = np.fromfile(need("tokens.bin"), dtype="<i4")
    lg = np.fromfile(need(oname), dtype="<f4")
    with open(need("loss.txt")) as f:
        loss = float(f.read().split()[0])
    gr = np.fromfile(need("grads.bin"), dtype="<f4")
    V = cfg["V"]
    per = 1 if scalar else V
    if lg.size % per:
        raise FormatError(f"{d}: {oname} holds {lg.size} floats, not a multiple of {per}")
    BT = lg.size // per
    B = tok.size - BT  # tokens hold B*(T+1), the outputs B*T*per
    if B <= 0 or BT % B or tok.size != B * (BT // B + 1):
        raise FormatError(f"{d}: tokens.bin ({tok.size} ints) and {oname} ({lg.size} floats) disagree")
    T = BT // B
    if T > cfg["T"]:
        raise FormatError(f"{d}: sequences of {T} tokens exceed the context T={cfg['T']}")
    if gr.size != nparams:
        raise FormatError(f"{d}: grads.bin holds {gr.size} floats, the model has {nparams} parameters")
    if tok.min() < 0 or tok.max() >= V:
        raise FormatError(f"{d}: token ids outside [0, {V})")
    start = np.zeros(B, dtype=np.int64)
    if os.path.exists(os.path.join(d, "start.bin")):
        start = np.fromfile(os.path.join(d, "start.bin"), dtype="<i4").astype(np.int64)
        if start.size != B or start.min() < 0 or start.max() >= T:
            raise FormatError(f"{d}: start.bin must hold {B} paddings in [0, {T})")
    dv = None
    if scalar:
        dv = np.fromfile(need("dvalues.bin"), dtype="<f4")
        if dv.size != B * T:
            raise FormatError(f"{d}: dvalues.bin holds {dv.size} floats, the values {B * T}")
        dv = dv.reshape(B, T)
    out = lg.reshape(B, T) if scalar else lg.reshape(B, T, V)
    return {"tokens": tok.reshape(B, T + 1).astype(np.int64), "start": start, "out": out, "dvalues": dv,
            "loss": loss, "grads": gr}


def write_dump(d, dump):
    """Writes a read_dump() dict as lm-dump would."""
    os.makedirs(d, exist_ok=True)
    np.asarray(dump["tokens"], dtype="<i4").tofile(os.path.join(d, "tokens.bin"))
    np.asarray(dump["start"], dtype="<i4").tofile(os.path.join(d, "start.bin"))
    scalar = dump["dvalues"] is not None
    np.asarray(dump["out"], dtype="<f4").tofile(os.path.join(d, "values.bin" if scalar else "logits.bin"))
    if scalar:
        np.asarray(dump["dvalues"], dtype="<f4").tofile(os.path.join(d, "dvalues.bin"))
    with open(os.path.join(d, "loss.txt"), "w") as f:
        f.write("%.9g\n" % dump["loss"])
    np.asarray(dump["grads"], dtype="<f4").tofile(os.path.join(d, "grads.bin"))


# ---------------------------------------------------------------- PyTorch side

def torch_pass(cfg, tensors, tokens, start, dvalues, dtype):
    """Forward + loss (LM) or objective sum(dvalues * values) (scalar head) +
    backward in PyTorch -> (logits or values ndarray, loss float, {name: grad ndarray})."""
    import torch
    from gpt_model import GPT
    torch.manual_seed(0)
    model = GPT(cfg).to(dtype)
    model.load_format({k: torch.from_numpy(np.array(v)).to(dtype) for k, v in tensors.items()})
    tok, st = torch.from_numpy(tokens), torch.from_numpy(start)
    if dvalues is None:
        out, loss = model(tok[:, :-1], tok[:, 1:], start=st)
    else:
        out = model.values(tok[:, :-1], start=st)
        loss = (torch.from_numpy(np.array(dvalues)).to(dtype) * out).sum()
    loss.backward()
    grads = {k: g.double().numpy() for k, g in model.export_format(grads=True).items()}
    return out.detach().double().numpy(), float(loss.item()), grads


def compare(cfg, tensors, dump, tol, dtypes=None, out=sys.stdout):
    """Print the per-tensor table for each precision; return the worst rel."""
    import torch
    dtypes = dtypes or [torch.float32, torch.float64]
    shapes = tensor_shapes(cfg)
    oname, lname = ("values", "objective") if is_scalar(cfg) else ("logits", "loss")
    tokens = dump["tokens"]
    ref = {oname: dump["out"].astype(np.float64), lname: np.array([dump["loss"]], dtype=np.float64)}
    o = 0
    for nm, s in shapes:
        k = int(np.prod(s))
        ref["grad " + nm] = dump["grads"][o:o + k].reshape(s).astype(np.float64)
        o += k
    worst_all = 0.0
    for dt in dtypes:
        lg, ls, gr = torch_pass(cfg, tensors, tokens, dump["start"], dump["dvalues"], dt)
        ours = {oname: lg, lname: np.array([ls])}
        ours.update({"grad " + k: v for k, v in gr.items()})
        name = str(dt).replace("torch.", "")
        print(f"PyTorch {name} vs dump (B={tokens.shape[0]}, T={tokens.shape[1] - 1}, "
              f"left padding {dump['start'].tolist()}; "
              f"rel = max|a-b| / max|b|, unit = max|a-b| / max(1, max|b|); tolerance {tol:g} on rel)", file=out)
        print(f"  {'tensor':<16} {'max|a-b|':>11} {'max|b|':>11} {'rel':>11} {'unit':>11}", file=out)
        worst, worst_at, gabs, gscale = 0.0, None, 0.0, 0.0
        for key, b in ref.items():
            a = ours[key]
            d = float(np.max(np.abs(a - b))) if b.size else 0.0
            scale = float(np.max(np.abs(b))) if b.size else 0.0
            if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                rel = math.inf
            elif scale > 0:
                rel = d / scale
            else:
                rel = 0.0 if d == 0 else math.inf
            unit = d / max(1.0, scale)
            flag = "" if rel <= tol else "  <-- FAIL"
            print(f"  {key:<16} {d:11.3e} {scale:11.3e} {rel:11.3e} {unit:11.3e}{flag}", file=out)
            gabs = max(gabs, d)
            if rel > worst:
                worst, worst_at = rel, key
        print(f"  {'overall':<16} {gabs:11.3e} {'':>11} {worst:11.3e}   (worst: {worst_at})", file=out)
        worst_all = max(worst_all, worst)
    return worst_all


def crosscheck(ckpt, dump, tol, out=sys.stdout):
    hdr, tensors, _ = read_checkpoint(ckpt)
    cfg = hdr["config"]
    nparams = hdr["params"]
    d = read_dump(dump, cfg, nparams)
    print(f"checkpoint {ckpt}: config {json.dumps(cfg)}, {nparams} parameters, step {hdr.get('step')}", file=out)
    worst = compare(cfg, tensors, d, tol, out=out)
    ok = worst <= tol
    print(f"{'AGREE' if ok else 'DISAGREE'}: worst rel {worst:.3e} (tolerance {tol:g})", file=out)
    return ok


# ---------------------------------------------------------------- self-test

def offsets(cfg):
    """name -> (offset, count) in the flat parameter (and gradient) vector."""
    out, o = {}, 0
    for nm, s in tensor_shapes(cfg):
        k = int(np.prod(s))
        out[nm] = (o, k)
        o += k
    return out


def random_tensors(cfg, seed):
    rng = np.random.default_rng(seed)
    t = {}
    for nm, s in tensor_shapes(cfg):
        if nm in ("ln1w", "ln2w", "lnfw"):
            t[nm] = 1.0 + 0.1 * rng.standard_normal(s)
        elif nm.endswith("b"):
            t[nm] = 0.05 * rng.standard_normal(s)
        else:
            t[nm] = 0.2 * rng.standard_normal(s)
    return {k: v.astype(np.float32) for k, v in t.items()}


def numpy_outputs(cfg, t, idx, start):
    """FORMAT.md's model written out directly in float64 numpy from the flat
    tensors, left padding included: logits (LM) or values (scalar head), an
    independent check of gpt_model.py's layout, loading and padding."""
    L, C, NH = cfg["L"], cfg["C"], cfg["NH"]
    hs = C // NH
    t = {k: v.astype(np.float64) for k, v in t.items()}

    def ln(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * w + b

    def gelu(x):
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))

    B, T = idx.shape
    x = np.zeros((B, T, C))
    mask = np.zeros((B, 1, T, T), dtype=bool)
    for b in range(B):
        for i in range(T):
            x[b, i] = t["wte"][idx[b, i]] + t["wpe"][max(i - start[b], 0)]
            mask[b, 0, i, min(start[b], i):i + 1] = True
    for l in range(L):
        h = ln(x, t["ln1w"][l], t["ln1b"][l])
        qkv = h @ t["qkvw"][l].T + t["qkvb"][l]
        q, k, v = (qkv[..., i * C:(i + 1) * C].reshape(B, T, NH, hs).transpose(0, 2, 1, 3) for i in range(3))
        a = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hs)
        a = np.where(mask, a, -np.inf)
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        y = (a @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + y @ t["attprojw"][l].T + t["attprojb"][l]
        h = ln(x, t["ln2w"][l], t["ln2b"][l])
        x = x + gelu(h @ t["fcw"][l].T + t["fcb"][l]) @ t["fcprojw"][l].T + t["fcprojb"][l]
    h = ln(x, t["lnfw"], t["lnfb"])
    return h @ t["headw"] + t["headb"][0] if is_scalar(cfg) else h @ t["wte"].T


def make_dump(ckpt, d, B, seed):
    """The dump lm-dump would write, computed by PyTorch in float64 and stored as float32."""
    import torch
    hdr, tensors, _ = read_checkpoint(ckpt)
    cfg = hdr["config"]
    rng = np.random.default_rng(seed)
    T = cfg["T"]
    tokens = rng.integers(0, cfg["V"], size=(B, T + 1))
    start = np.concatenate([[0], rng.integers(0, T // 2 + 1, size=B - 1)]).astype(np.int64)
    dv = rng.uniform(-1, 1, size=(B, T)).astype(np.float32) if is_scalar(cfg) else None
    lg, ls, gr = torch_pass(cfg, tensors, tokens, start, dv, torch.float64)
    flat = np.concatenate([gr[nm].reshape(-1) for nm, _ in tensor_shapes(cfg)])
    write_dump(d, {"tokens": tokens, "start": start, "out": lg, "dvalues": dv, "loss": ls, "grads": flat})


def selftest(tol):
    import io
    failures = []

    def check(what, cond):
        print(f"selftest: {what}: {'ok' if cond else 'FAILED'}")
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="gpt_crosscheck.") as tmp:
        for head in ("lm", "scalar"):
            cfg = {"L": 2, "C": 32, "NH": 4, "T": 16, "V": 64, "head": head}
            t = random_tensors(cfg, 7)
            n = sum(v.size for v in t.values())
            ck = os.path.join(tmp, f"{head}.ckpt")
            write_checkpoint(ck, cfg, t, m=np.zeros(n), v=np.ones(n), rng=b"\x01\x02\x03", step=5)
            hdr, back, ex = read_checkpoint(ck)
            check(f"{head}: round trip of parameters, moments and RNG state",
                  all(np.array_equal(back[k], t[k]) for k in t) and ex["rng"] == b"\x01\x02\x03"
                  and np.all(ex["v"] == 1) and hdr["step"] == 5)
            ck2 = os.path.join(tmp, f"{head}.plain.ckpt")
            write_checkpoint(ck2, cfg, t)
            check(f"{head}: checkpoint without optimiser or RNG state reads", read_checkpoint(ck2)[0]["optimizer"] is False)
            d = os.path.join(tmp, f"{head}.dump")
            make_dump(ck, d, B=3, seed=11)
            dd = read_dump(d, cfg, n)
            ref = numpy_outputs(cfg, t, dd["tokens"][:, :-1], dd["start"])
            dev = float(np.max(np.abs(dd["out"] - ref)) / np.max(np.abs(ref)))
            check(f"{head}: the PyTorch model's {'values' if head == 'scalar' else 'logits'} with left padding "
                  f"{dd['start'].tolist()} equal FORMAT.md written out in numpy (rel {dev:.1e})", dev < 1e-6)
            buf = io.StringIO()
            ok = crosscheck(ck, d, tol, out=buf)
            print(buf.getvalue(), end="")
            check(f"{head}: PyTorch float32 and float64 agree with a float64 dump", ok)

        # a corrupted gradient must fail: one element of one tensor off by 1% of that tensor's scale
        cfg = {"L": 2, "C": 32, "NH": 4, "T": 16, "V": 64, "head": "lm"}
        ck, d = os.path.join(tmp, "lm.ckpt"), os.path.join(tmp, "lm.dump")
        g = np.fromfile(os.path.join(d, "grads.bin"), dtype="<f4")
        offs = offsets(cfg)
        o, k = offs["attprojw"]
        bad = g.copy()
        bad[o + k // 2] += 0.01 * np.max(np.abs(g[o:o + k]))
        bad.tofile(os.path.join(d, "grads.bin"))
        buf = io.StringIO()
        ok = crosscheck(ck, d, tol, out=buf)
        flagged = [ln.split()[1] for ln in buf.getvalue().splitlines() if ln.endswith("FAIL")]
        check(f"a gradient corrupted by 1% of its tensor's scale is caught (flagged: {flagged})",
              not ok and set(flagged) == {"attprojw"})
        # a zero gradient for a small tensor (which max|a-b| / max(1, max|b|) would let through)
        g2 = g.copy()
        o, k = offs["wpe"]
        g2[o:o + k] = 0
        g2.tofile(os.path.join(d, "grads.bin"))
        check("a missing (all zero) wpe gradient is caught", not crosscheck(ck, d, tol, out=io.StringIO()))
        g.tofile(os.path.join(d, "grads.bin"))
        # a wrong loss and a wrong logit
        with open(os.path.join(d, "loss.txt"), "w") as f:
            f.write("%.9g\n" % (float(np.log(64)) + 1.0))
        check("a wrong loss is caught", not crosscheck(ck, d, tol, out=io.StringIO()))

        # truncated checkpoint, wrong version, bad magic are refused
        raw = open(ck, "rb").read()
        for what, blob in [("truncated checkpoint", raw[:-20]), ("checkpoint missing only its trailer", raw[:-8]),
                           ("wrong version", raw[:8] + struct.pack("<I", 3) + raw[12:]),
                           ("bad magic", b"XLDRGPT\0" + raw[8:]), ("trailing garbage", raw + b"\0")]:
            p = os.path.join(tmp, "bad.ckpt")
            open(p, "wb").write(blob)
            try:
                read_checkpoint(p)
                check(f"{what} refused", False)
            except FormatError as e:
                check(f"{what} refused ({str(e).split(': ', 1)[1]})", True)

    print(f"selftest: {'all passed' if not failures else 'FAILED: ' + '; '.join(failures)}")
    return not failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("checkpoint", nargs="?")
    ap.add_argument("dump", nargs="?")
    ap.add_argument("--tol", type=float, default=1e-4, help="tolerance on max|a-b| / max|b| per tensor (1e-4)")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    if a.selftest:
        sys.exit(0 if selftest(a.tol) else 1)
    if not (a.checkpoint and a.dump):
        ap.error("give CHECKPOINT and DUMPDIR, or --selftest")
    try:
        ok = crosscheck(a.checkpoint, a.dump, a.tol)
    except (FormatError, OSError) as e:
        print(f"gpt_crosscheck.py: {e}", file=sys.stderr)
        sys.exit(2)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
