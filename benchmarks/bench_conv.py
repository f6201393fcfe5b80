"""How fast is cnnlib's convolution? Ratios measured in one run on this machine.

    .venv/bin/python benchmarks/bench_conv.py

For three layer shapes (LeNet's second layer, a VGG block, ResNet's stem) it
times, in float32:

- ``conv2d`` (im2col + one matrix product) forward;
- the **floor**: a plain ``matmul`` of the same size, ``(C_out, C_in*kh*kw) @
  (C_in*kh*kw, N*H_out*W_out)``, on arrays that already exist -- no
  convolution can beat the matrix product it has to do;
- ``conv2d_backward`` (both gradients);
- ``conv2d_naive`` on one image (it is a Python loop: per image is enough);
- ``torch.nn.functional.conv2d`` forward and backward, if PyTorch is installed.

It prints ratios, not seconds: seconds depend on the machine, ratios mostly
do not.  Targets: forward within 1.5x of the floor, backward within 3x of
the forward.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from cnnlib import conv2d, conv2d_backward, conv2d_naive, conv_output_size

CASES = [
    # name, N, C_in, H, C_out, k, stride, padding
    ("LeNet conv2 (16x6x5x5 on 14x14)", 64, 6, 14, 16, 5, 1, 0),
    ("VGG block (64x64x3x3 on 56x56)", 8, 64, 56, 64, 3, 1, 1),
    ("ResNet stem (64x3x7x7/2 on 224x224)", 4, 3, 224, 64, 7, 2, 3),
]


def best_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median of ``repeat`` timings after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    # Same number of threads as NumPy's BLAS, so the ratio compares code, not cores.
    try:
        from threadpoolctl import threadpool_info

        blas = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
        torch.set_num_threads(min(blas) if blas else 1)
    except ImportError:
        torch.set_num_threads(1)
    return torch


def measure(name: str, n: int, c_in: int, h: int, c_out: int, k: int, s: int, p: int,
            torch, rng: np.random.Generator) -> str:
    """One table row: the ratios for one layer shape."""
    x = rng.standard_normal((n, c_in, h, h), dtype=np.float32)
    w = rng.standard_normal((c_out, c_in, k, k), dtype=np.float32)
    b = rng.standard_normal(c_out, dtype=np.float32)
    out = conv_output_size(h, k, s, p)
    grad = rng.standard_normal((n, c_out, out, out), dtype=np.float32)
    a = rng.standard_normal((c_out, c_in * k * k), dtype=np.float32)
    m = rng.standard_normal((c_in * k * k, n * out * out), dtype=np.float32)

    t_fwd = best_time(lambda: conv2d(x, w, b, s, p))
    t_floor = best_time(lambda: a @ m)
    t_bwd = best_time(lambda: conv2d_backward(grad, x, w, s, p))
    t_naive_one = best_time(lambda: conv2d_naive(x[:1], w, b, s, p), repeat=1)
    row = (f"{name:<38}{t_fwd / t_floor:>10.2f}{t_bwd / t_fwd:>9.2f}"
           f"{t_naive_one * n / t_fwd:>11.0f}")
    if torch:
        xt = torch.from_numpy(x).requires_grad_(True)
        wt = torch.from_numpy(w).requires_grad_(True)
        bt = torch.from_numpy(b).requires_grad_(True)
        gt = torch.from_numpy(grad)
        with torch.no_grad():
            t_torch = best_time(lambda: torch.nn.functional.conv2d(xt, wt, bt, s, p))

        def torch_backward():
            y = torch.nn.functional.conv2d(xt, wt, bt, s, p)
            torch.autograd.grad(y, (xt, wt, bt), gt)

        t_torch_bwd = best_time(torch_backward) - t_torch  # backward alone
        row += f"{t_fwd / t_torch:>11.2f}{t_bwd / max(t_torch_bwd, 1e-9):>11.2f}"
    return row


def main() -> None:
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    header = (f"{'layer':<38}{'fwd/floor':>10}{'bwd/fwd':>9}{'naive/fwd':>11}"
              + (f"{'fwd/torch':>11}{'bwd/torch':>11}" if torch else ""))
    print(header)
    print("-" * len(header))
    for case in CASES:
        print(measure(*case, torch, rng))
    print()
    print("fwd/floor: conv2d forward over a bare matmul of the same size (target <= 1.5)")
    print("bwd/fwd:   conv2d_backward over conv2d forward (target <= 3)")
    print("naive/fwd: conv2d_naive over conv2d, per batch (naive timed on one image)")
    if torch:
        print("x/torch:   cnnlib over PyTorch CPU, same shapes and dtype")
    else:
        print("(PyTorch not installed: no torch columns)")
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i['internal_api']} {i.get('version')} ({i.get('num_threads')} threads)"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        print("BLAS:", ", ".join(blas))
    except ImportError:
        pass


if __name__ == "__main__":
    main()
