"""By hand, with PyTorch installed: issue 11's functional fixes against torch.

    PYTHONPATH=. /path/to/venv-with-torch/bin/python benchmarks/compare_functional_with_torch.py

GELU forward and backward (float64 and float32, 200,000 values); adaptive
average pooling forward and backward over 9 shapes in two dtypes; ReLU and
ReLU6 gradients at NaN; float16 average pooling (bit for bit); a convolution
of an empty batch and its gradients; a convolution with no output channels
(both libraries refuse it).  Prints one line per comparison; asserts the
pooling tolerance.  Not part of the test suite: the book's requirements do
not include torch.
"""
import numpy as np
import torch
import torch.nn.functional as F

import cnnlib
from cnnlib.nn import functional as CF

rng = np.random.default_rng(0)
x = rng.normal(0, 3, 200000)
for dt in (np.float64, np.float32):
    xx = x.astype(dt)
    t = F.gelu(torch.from_numpy(xx)).numpy()
    c = cnnlib.gelu(xx)
    tg = torch.from_numpy(xx.copy()).requires_grad_()
    F.gelu(tg).backward(torch.ones_like(tg))
    cg = cnnlib.gelu_backward(np.ones_like(xx), xx)
    scale = np.abs(xx) + 1e-30
    print(f"gelu {np.dtype(dt).name}: max |diff|/(|x|) fwd {np.max(np.abs(c - t) / scale):.2e}, "
          f"bwd max |diff| {np.max(np.abs(cg - tg.grad.numpy())):.2e}")
worst, n = 0.0, 0
for h, w, oh, ow in [(5, 7, 3, 2), (10, 10, 4, 10), (7, 3, 7, 5), (13, 11, 1, 4), (9, 9, 1, 1),
                     (4, 5, 6, 9), (60, 51, 7, 7), (31, 17, 30, 16), (13, 13, 6, 6)]:
    for dt in (np.float64, np.float32):
        xx = rng.normal(size=(2, 3, h, w)).astype(dt)
        g = rng.normal(size=(2, 3, oh, ow)).astype(dt)
        tx = torch.from_numpy(xx.copy()).requires_grad_()
        ty = F.adaptive_avg_pool2d(tx, (oh, ow))
        ty.backward(torch.from_numpy(g))
        c = CF.adaptive_avg_pool2d(xx, (oh, ow))
        cg = CF.adaptive_avg_pool2d_backward(g, xx, (oh, ow))
        e = max(np.max(np.abs(c - ty.detach().numpy())), np.max(np.abs(cg - tx.grad.numpy())))
        tol = 1e-6 if dt == np.float32 else 1e-14
        assert e < tol, (h, w, oh, ow, dt, e)
        worst = max(worst, e / tol)
        n += 1
print(f"adaptive_avg_pool2d fwd+bwd: {n} cases equal torch (worst {worst:.2f} of tolerance "
      "1e-14 float64 / 1e-6 float32)")
# relu / relu6 backward at NaN
xs = torch.tensor([float("nan"), -1.0, 0.0, 2.0, 6.0, 7.0], dtype=torch.float64, requires_grad=True)
F.relu(xs).backward(torch.arange(1.0, 7.0, dtype=torch.float64))
print("relu_backward at NaN equal:", np.array_equal(
    cnnlib.relu_backward(np.arange(1.0, 7.0), xs.detach().numpy()), xs.grad.numpy()))
xs.grad = None
F.relu6(xs).backward(torch.arange(1.0, 7.0, dtype=torch.float64))
print("relu6_backward at NaN equal:", np.array_equal(
    cnnlib.relu6_backward(np.arange(1.0, 7.0), xs.detach().numpy()), xs.grad.numpy()))
# float16 average pooling
h = (rng.random((2, 3, 17, 16)) * 2000).astype(np.float16)
ok = all(np.array_equal(cnnlib.avg_pool2d(h, k, s, p),
                        F.avg_pool2d(torch.from_numpy(h), k, s, p).numpy())
         for k, s, p in [(8, 8, 0), (3, 2, 1), ((4, 2), (1, 3), (2, 1))])
print("avg_pool2d float16 bit-equal to torch:", ok,
      cnnlib.avg_pool2d(np.full((1, 1, 8, 8), 1e4, np.float16), 8).ravel())
# empty batch conv
xe, we = np.zeros((0, 2, 5, 5)), rng.normal(size=(4, 1, 3, 2))
tx = torch.zeros(0, 2, 5, 5, dtype=torch.float64, requires_grad=True)
tw = torch.from_numpy(we.copy()).requires_grad_()
tb = torch.ones(4, dtype=torch.float64, requires_grad=True)
ty = F.conv2d(tx, tw, tb, stride=(2, 1), padding=(1, 0), groups=2)
ty.sum().backward()
c = cnnlib.conv2d(xe, we, np.ones(4), stride=(2, 1), padding=(1, 0), groups=2)
gx, gw, gb = cnnlib.conv2d_backward(np.zeros(c.shape), xe, we, stride=(2, 1), padding=(1, 0),
                                    groups=2)
print("N=0 conv2d:", c.shape == tuple(ty.shape), gx.shape == tuple(tx.grad.shape),
      np.array_equal(gw, tw.grad.numpy()), np.array_equal(gb, tb.grad.numpy()))
try:
    F.conv2d(torch.ones(1, 2, 5, 5), torch.ones(0, 2, 3, 3))
except RuntimeError as e:
    print("C_out=0: torch raises:", str(e)[:70])
try:
    cnnlib.conv2d(np.ones((1, 2, 5, 5)), np.ones((0, 2, 3, 3)))
except ValueError as e:
    print("C_out=0: cnnlib raises:", e)
