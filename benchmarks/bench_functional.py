"""GELU's erf and adaptive average pooling: the vectorised code against the loops it replaced.

    .venv/bin/python benchmarks/bench_functional.py
    PYTHONPATH=. /path/to/venv-with-torch/bin/python benchmarks/bench_functional.py

Until issue 11, ``gelu`` called ``math.erf`` once per element through
``np.vectorize``, and ``adaptive_avg_pool2d`` (with its backward) looped in
Python over the output cells.  The two "before" functions below are those
loops, kept here only as the baseline; the "after" is cnnlib as it is.  Each
pair runs alternately, and the script prints the median time of each and the
median of the per-pair ratios (seconds depend on the machine, ratios mostly
do not), with ``relu`` -- one NumPy pass -- as the floor for GELU, and
PyTorch's CPU time when ``torch`` is importable.  Both results are checked
equal (GELU within a few float64 roundings, pooling within 1e-12) before
anything is timed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import numpy as np

from cnnlib.activations import gelu, gelu_backward, relu
from cnnlib.nn.functional import adaptive_avg_pool2d, adaptive_avg_pool2d_backward, adaptive_bins

try:
    import torch
except ImportError:
    torch = None


# ---------------------------------------------------------------------- the old code
_erf_loop = np.vectorize(math.erf, otypes=[np.float64])


def gelu_before(x: np.ndarray) -> np.ndarray:
    return (x * (0.5 * (1 + _erf_loop(x / math.sqrt(2))))).astype(x.dtype, copy=False)


def adaptive_before(x: np.ndarray, oh: int, ow: int) -> np.ndarray:
    h, w = x.shape[2:]
    out = np.empty(x.shape[:2] + (oh, ow), dtype=x.dtype)
    for i, (hs, he) in enumerate(adaptive_bins(h, oh)):
        for j, (ws, we) in enumerate(adaptive_bins(w, ow)):
            out[:, :, i, j] = x[:, :, hs:he, ws:we].mean(axis=(2, 3))
    return out


def adaptive_backward_before(g: np.ndarray, x: np.ndarray, oh: int, ow: int) -> np.ndarray:
    h, w = x.shape[2:]
    grad_x = np.zeros(x.shape, dtype=np.result_type(g.dtype, x.dtype))
    for i, (hs, he) in enumerate(adaptive_bins(h, oh)):
        for j, (ws, we) in enumerate(adaptive_bins(w, ow)):
            grad_x[:, :, hs:he, ws:we] += g[:, :, i : i + 1, j : j + 1] / ((he - hs) * (we - ws))
    return grad_x


# ---------------------------------------------------------------------- timing
def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(label: str, before: Callable[[], object], after: Callable[[], object],
            repeats: int, extra: dict[str, Callable[[], object]] | None = None) -> None:
    """Median seconds of before and after (run alternately) and the median ratio."""
    t_before, t_after, ratios = [], [], []
    others: dict[str, list[float]] = {k: [] for k in (extra or {})}
    for _ in range(repeats):
        b, a = timed(before), timed(after)
        t_before.append(b)
        t_after.append(a)
        ratios.append(b / a)
        for k, f in (extra or {}).items():
            others[k].append(timed(f))
    line = (f"{label:<46} before {statistics.median(t_before):8.4f} s   after "
            f"{statistics.median(t_after):8.4f} s   speed-up {statistics.median(ratios):6.1f}x")
    for k, ts in others.items():
        line += f"   {k} {statistics.median(ts):.4f} s"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=["gelu", "adaptive"], help="time one of the two")
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    # GELU on 3.2 million values (the measurement), float64 and float32
    for dtype in (np.float64, np.float32) if args.only != "adaptive" else ():
        x = rng.normal(0, 2, 3_200_000).astype(dtype)
        np.testing.assert_allclose(gelu(x), gelu_before(x), rtol=1e-6 if dtype == np.float32
                                   else 1e-12, atol=1e-12)
        extra: dict[str, Callable[[], object]] = {"relu": lambda x=x: relu(x)}
        if torch is not None:
            tx = torch.from_numpy(x)
            extra["torch"] = lambda tx=tx: torch.nn.functional.gelu(tx)
        compare(f"gelu, 3.2M {np.dtype(dtype).name}", lambda x=x: gelu_before(x),
                lambda x=x: gelu(x), args.repeats, extra)
        g = np.ones_like(x)

        def grad_before(x=x, g=g):
            cdf = 0.5 * (1 + _erf_loop(x / math.sqrt(2)))
            return g * (cdf + x * np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi))

        compare(f"gelu_backward, 3.2M {np.dtype(dtype).name}", grad_before,
                lambda x=x, g=g: gelu_backward(g, x), args.repeats)

    # adaptive average pooling: many small cells, a few large ones, the classifier heads
    cases = [
        ((1, 3, 600, 512), (300, 256), "600x512 -> 300x256 (many small bins)"),
        ((1, 1, 600, 512), (599, 511), "600x512 -> 599x511 (overlapping bins)"),
        ((2, 16, 600, 512), (7, 7), "600x512 -> 7x7 (few large bins)"),
        ((32, 256, 13, 13), (6, 6), "AlexNet head 13x13 -> 6x6, N=32"),
        ((32, 512, 7, 7), (1, 1), "ResNet head 7x7 -> 1x1, N=32"),
    ]
    for shape, (oh, ow), label in cases if args.only != "gelu" else ():
        x = rng.normal(size=shape).astype(np.float32)
        g = rng.normal(size=shape[:2] + (oh, ow)).astype(np.float32)
        np.testing.assert_allclose(adaptive_avg_pool2d(x, (oh, ow)), adaptive_before(x, oh, ow),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(adaptive_avg_pool2d_backward(g, x, (oh, ow)),
                                   adaptive_backward_before(g, x, oh, ow), rtol=1e-5, atol=1e-6)
        extra = {}
        if torch is not None:
            tx = torch.from_numpy(x)
            extra["torch"] = lambda tx=tx, o=(oh, ow): torch.nn.functional.adaptive_avg_pool2d(
                tx, o)
        compare(f"adaptive_avg_pool2d {label}", lambda x=x, o=(oh, ow): adaptive_before(x, *o),
                lambda x=x, o=(oh, ow): adaptive_avg_pool2d(x, o), args.repeats, extra)
        compare("  ... backward", lambda g=g, x=x, o=(oh, ow): adaptive_backward_before(g, x, *o),
                lambda g=g, x=x, o=(oh, ow): adaptive_avg_pool2d_backward(g, x, o),
                max(1, args.repeats // 2))


if __name__ == "__main__":
    main()
