"""Fuzz module reuse, weight sharing and interleaved forwards against PyTorch autograd.

Run by hand where PyTorch is installed (it is not a requirement of the book)::

    PYTHONPATH=. python benchmarks/fuzz_reuse_vs_torch.py --configs 400

Each configuration draws a random network from a small pool of layers that
keep the shape ``(N, C, H, W)`` -- so any layer may appear several times
(a reused activation, a convolution applied twice: shared weights) -- and
one of four patterns of calls:

* ``plain``: forward, loss, backward;
* ``interleaved``: forward, then up to two extra forward passes on other
  batches of the same size, then the loss of the *first* output and backward;
* ``chain``: the layers called one by one from outside any module, stray
  calls of random layers in between, and the backward chain written by hand;
* ``twice``: the whole network applied twice as two separate calls
  (``model(model(x))``), then the backward chain by hand.

The same network in float64 PyTorch (same weights, same reuse) gives the
reference: the loss, dL/dx, every parameter's gradient and BatchNorm's
running statistics must agree to 1e-9 (relative; 1e-13 absolute for the
gradients that are exactly zero).  A configuration the library refuses with
a RuntimeError (a layer called as a separate outermost call more than
``MAX_PENDING_GRAPHS`` times before its backward) is counted apart: an
error, never a wrong answer.  The script prints the
count of configurations and of mismatches and exits non-zero on any mismatch.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

import cnnlib
from cnnlib import nn

C, H, W = 3, 5, 4


def make_pool(rng: np.random.Generator) -> list[tuple[nn.Module, torch.nn.Module]]:
    """Pairs (cnnlib layer, torch layer) with equal weights, each keeping (N, C, H, W)."""
    pairs = []
    for _ in range(int(rng.integers(1, 4))):
        kh, kw = (int(k) for k in rng.choice([1, 3, 5], size=2))
        dh, dw = (int(d) for d in rng.integers(1, 3, size=2))
        pad = (dh * (kh - 1) // 2, dw * (kw - 1) // 2)
        bias = bool(rng.integers(0, 2))
        ours = nn.Conv2d(C, C, (kh, kw), padding=pad, dilation=(dh, dw), bias=bias).double()
        theirs = torch.nn.Conv2d(C, C, (kh, kw), padding=pad, dilation=(dh, dw),
                                 bias=bias).double()
        pairs.append((ours, theirs))
    kinds = [(nn.ReLU, torch.nn.ReLU), (nn.Tanh, torch.nn.Tanh), (nn.Sigmoid, torch.nn.Sigmoid),
             (nn.SiLU, torch.nn.SiLU), (nn.ReLU6, torch.nn.ReLU6)]
    for i in rng.choice(len(kinds), size=int(rng.integers(1, 3)), replace=False):
        pairs.append((kinds[i][0](), kinds[i][1]()))
    if rng.random() < 0.5:
        pairs.append((nn.BatchNorm2d(C).double(), torch.nn.BatchNorm2d(C).double()))
    if rng.random() < 0.3:
        pairs.append((nn.Identity(), torch.nn.Identity()))
    for ours, theirs in pairs:
        sd = ours.state_dict()
        for k, v in sd.items():
            if v.dtype.kind == "f":
                sd[k] = v + 0.1 * rng.standard_normal(v.shape)     # not the default init
        ours.load_state_dict(sd)
        theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items()})
    return pairs


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to 1e-9 relative, or to 1e-13 absolute: a conv bias just before
    training-mode BatchNorm has gradient exactly 0, which both compute as
    round-off of about 1e-16."""
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    return bool(np.abs(a - b).max(initial=0.0) <= 1e-9 * scale + 1e-13)


def _ours(pattern, rng, pool, ours_layers, model, head, flat, crit, x, y):
    """The pattern of calls in cnnlib; return (loss, dL/dx)."""
    if pattern == "plain":
        loss = crit(head(flat(model(x))), y)
        g = model.backward(flat.backward(head.backward(crit.backward())))
    elif pattern == "interleaved":
        logits = head(flat(model(x)))
        for _ in range(int(rng.integers(1, 3))):
            head(flat(model(rng.standard_normal(x.shape))))           # validation batches
        loss = crit(logits, y)
        g = model.backward(flat.backward(head.backward(crit.backward())))
    elif pattern == "chain":
        h = x
        for layer in ours_layers:
            h = layer(h)
            if rng.random() < 0.4:                                    # a stray call
                pool[int(rng.integers(0, len(pool)))][0](rng.standard_normal(x.shape))
        loss = crit(head(flat(h)), y)
        g = flat.backward(head.backward(crit.backward()))
        for layer in reversed(ours_layers):
            g = layer.backward(g)
    else:
        loss = crit(head(flat(model(model(x)))), y)
        g = model.backward(model.backward(flat.backward(head.backward(crit.backward()))))

    return loss, g


def run(seed: int) -> tuple[str, list[str]]:
    rng = np.random.default_rng(seed)
    cnnlib.manual_seed(seed)
    torch.manual_seed(seed)
    pool = make_pool(rng)
    order = [int(i) for i in rng.integers(0, len(pool), size=int(rng.integers(2, 9)))]
    ours_layers = [pool[i][0] for i in order]
    theirs_layers = [pool[i][1] for i in order]
    model = nn.Sequential(*ours_layers)
    tmodel = torch.nn.Sequential(*theirs_layers)
    n = int(rng.integers(2, 4))
    head, thead = nn.Linear(C * H * W, 4).double(), torch.nn.Linear(C * H * W, 4).double()
    thead.load_state_dict({k: torch.from_numpy(v) for k, v in head.state_dict().items()})
    flat, crit = nn.Flatten(), nn.CrossEntropyLoss()
    x = rng.standard_normal((n, C, H, W))
    y = rng.integers(0, 4, size=n)
    pattern = ["plain", "interleaved", "chain", "twice"][seed % 4]
    problems: list[str] = []

    # ------------------------------------------------------------- cnnlib
    try:
        loss, g = _ours(pattern, rng, pool, ours_layers, model, head, flat, crit, x, y)
    except RuntimeError as err:                 # refused: an error, never a wrong answer
        return f"seed {seed}: {pattern}, layers {order}", [f"refused: {err}"]

    # ------------------------------------------------------------- torch
    tx = torch.tensor(x, requires_grad=True)
    if pattern == "twice":
        tout = tmodel(tmodel(tx))
    else:
        tout = tmodel(tx)
    tloss = torch.nn.functional.cross_entropy(thead(tout.flatten(1)), torch.from_numpy(y))
    tloss.backward()

    if not np.isclose(loss, tloss.item(), rtol=1e-10, atol=0):
        problems.append(f"loss {loss} vs {tloss.item()}")
    if not close(g, tx.grad.numpy()):
        problems.append("dL/dx")
    theirs_params = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        if not close(p.grad, theirs_params[name].grad.numpy()):
            problems.append(f"grad {name}")
    for name, p in head.named_parameters():
        if not close(p.grad, dict(thead.named_parameters())[name].grad.numpy()):
            problems.append(f"grad head.{name}")
    if pattern in ("plain", "twice"):           # stray batches also move running statistics
        theirs_buffers = dict(tmodel.named_buffers())
        for name, b in model.named_buffers():
            if b.dtype.kind == "f" and not close(b, theirs_buffers[name].numpy()):
                problems.append(f"buffer {name}")
    label = f"seed {seed}: {pattern}, layers {order}"
    return label, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", type=int, default=400)
    parser.add_argument("--start", type=int, default=0)
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    mismatches = refused = 0
    counts: dict[str, int] = {}
    for seed in range(args.start, args.start + args.configs):
        label, problems = run(seed)
        kind = label.split(": ")[1].split(",")[0]
        counts[kind] = counts.get(kind, 0) + 1
        if problems and problems[0].startswith("refused"):
            refused += 1
            print(f"REFUSED {label}: {problems[0]}")
        elif problems:
            mismatches += 1
            print(f"MISMATCH {label}: {problems}")
    print(f"{args.configs} configurations ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
          f"{mismatches} mismatches, {refused} refused with an error")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
