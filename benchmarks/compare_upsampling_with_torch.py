"""By hand, with PyTorch installed: conv_transpose2d and interpolate against torch.

    python benchmarks/compare_upsampling_with_torch.py [configurations]

Draws random settings (batch, channels, groups, sizes, kernel, stride,
padding, output_padding, dilation; interpolation sizes, scale factors,
modes, align_corners), runs cnnlib and torch in float64 on the same arrays,
and compares the outputs and all gradients.  Prints the number of
configurations and mismatches; exits 1 on any mismatch.  Not part of the
test suite: the book's requirements do not include torch.
"""

from __future__ import annotations

import sys

import numpy as np
import torch
import torch.nn.functional as F

from cnnlib.conv_transpose import conv_transpose2d, conv_transpose2d_backward
from cnnlib.upsample import interpolate, interpolate_backward


def transpose_case(rng: np.random.Generator) -> bool:
    g = int(rng.integers(1, 4))
    cin, cout = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
    kh, kw = (int(v) for v in rng.integers(1, 5, 2))
    sh, sw = (int(v) for v in rng.integers(1, 4, 2))
    dh, dw = (int(v) for v in rng.integers(1, 3, 2))
    ph, pw = (int(v) for v in rng.integers(0, 3, 2))
    ah, aw = int(rng.integers(0, max(sh, dh))), int(rng.integers(0, max(sw, dw)))
    size = tuple(int(v) for v in rng.integers(1, 6, 2))
    x = rng.standard_normal((int(rng.integers(1, 3)), cin, *size))
    w = rng.standard_normal((cin, cout // g, kh, kw))
    b = rng.standard_normal(cout)
    kw_ = {"stride": (sh, sw), "padding": (ph, pw), "output_padding": (ah, aw), "groups": g,
           "dilation": (dh, dw)}
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    try:
        ref = F.conv_transpose2d(xt, wt, bt, **kw_)
    except RuntimeError:
        try:
            conv_transpose2d(x, w, b, **kw_)
        except ValueError:
            return True          # both refuse
        return False
    out = conv_transpose2d(x, w, b, **kw_)
    grad = rng.standard_normal(out.shape)
    ref.backward(torch.tensor(grad))
    gx, gw, gb = conv_transpose2d_backward(grad, x, w, **kw_)
    pairs = [(out, ref.detach()), (gx, xt.grad), (gw, wt.grad), (gb, bt.grad)]
    return all(a.shape == tuple(t.shape) and np.allclose(a, t.numpy(), rtol=1e-10, atol=1e-10)
               for a, t in pairs)


def interpolate_case(rng: np.random.Generator) -> bool:
    x = rng.standard_normal((int(rng.integers(1, 3)), int(rng.integers(1, 3)),
                             *(int(v) for v in rng.integers(1, 9, 2))))
    mode = str(rng.choice(["nearest", "bilinear"]))
    align = None if mode == "nearest" else bool(rng.integers(0, 2))
    if rng.random() < 0.5:
        size, scale = tuple(int(v) for v in rng.integers(1, 17, 2)), None
    else:
        size, scale = None, tuple(float(v) for v in rng.choice([0.5, 1.5, 2.0, 2.5, 3.0, 0.75], 2))
    xt = torch.tensor(x, requires_grad=True)
    try:
        ref = F.interpolate(xt, size=size, scale_factor=scale, mode=mode, align_corners=align)
    except RuntimeError:
        return True
    out = interpolate(x, size, scale, mode, align)
    grad = rng.standard_normal(out.shape)
    ref.backward(torch.tensor(grad))
    gx = interpolate_backward(grad, x, size, scale, mode, align)
    return (out.shape == tuple(ref.shape)
            and np.allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-10)
            and np.allclose(gx, xt.grad.numpy(), rtol=1e-10, atol=1e-10))


def main(n: int) -> int:
    rng = np.random.default_rng(2026)
    bad = {"conv_transpose2d": 0, "interpolate": 0}
    for _ in range(n):
        bad["conv_transpose2d"] += not transpose_case(rng)
        bad["interpolate"] += not interpolate_case(rng)
    for name, count in bad.items():
        print(f"{name}: {n} configurations, {count} mismatches")
    return int(any(bad.values()))


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 400))
