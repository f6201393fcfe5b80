"""max_pool2d / MaxPool2d with ceil_mode=True: sizes by hand, a brute-force loop,
finite differences, summary, and PyTorch where it is installed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import cnnlib
from cnnlib import max_pool2d, max_pool2d_backward, nn
from cnnlib.gradcheck import numerical_gradient, relative_error


def brute_max_pool(x, k, s, p, d, out):
    """Each output is the max over the window's taps that land on real input."""
    n, c, h, w = x.shape
    y = np.full((n, c, *out), -np.inf)
    for i, j in itertools.product(range(out[0]), range(out[1])):
        for a, b in itertools.product(range(k[0]), range(k[1])):
            r, q = i * s[0] - p[0] + a * d[0], j * s[1] - p[1] + b * d[1]
            if 0 <= r < h and 0 <= q < w:
                y[:, :, i, j] = np.maximum(y[:, :, i, j], x[:, :, r, q])
    return y


def ceil_size(size, k, s, p, d):
    """PyTorch's rule, written out: ceil, then drop a window starting past input + pad."""
    n = int(np.ceil((size + 2 * p - d * (k - 1) - 1) / s)) + 1
    return n - 1 if (n - 1) * s >= size + p else n


def test_sizes_by_hand():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    # 5 wide, k = s = 2: floor gives 2 windows (0-1, 2-3), ceil keeps the partial 3rd (4)
    assert max_pool2d(x, 2).shape == (1, 1, 2, 2)
    y = max_pool2d(x, 2, ceil_mode=True)
    np.testing.assert_array_equal(y[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    # 4 wide, k = s = 2, padding 1: windows start at -1, 1, 3 -> 3 outputs (floor: 3 too)
    assert max_pool2d(np.zeros((1, 1, 4, 4)), 2, padding=1, ceil_mode=True).shape == (1, 1, 3, 3)
    # 5 wide, k = 2, s = 2, padding 1: a 4th window would start at 5 = input + pad: dropped
    assert max_pool2d(np.zeros((1, 1, 5, 5)), 2, padding=1, ceil_mode=True).shape == (1, 1, 3, 3)
    # a 1x1 input with a 2x2 kernel: floor has no window, ceil one (PyTorch: 1x1)
    np.testing.assert_array_equal(max_pool2d(np.full((1, 1, 1, 1), 7.0), 2, ceil_mode=True),
                                  np.full((1, 1, 1, 1), 7.0))


def test_the_partial_windows_gradient_goes_to_its_winner():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    g = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    # winners: 4 (window 0,0), 5 (0,1: column 2 alone), 7 (1,0: row 2), 8 (corner alone)
    expected = np.zeros((3, 3))
    expected[1, 1], expected[1, 2], expected[2, 1], expected[2, 2] = 1, 2, 3, 4
    np.testing.assert_array_equal(max_pool2d_backward(g, x, 2, ceil_mode=True)[0, 0], expected)


CASES = [((2, 2), (2, 2), (0, 0), (1, 1), (5, 7)), ((3, 2), (2, 3), (1, 1), (1, 1), (6, 8)),
         ((3, 3), (2, 2), (1, 0), (2, 1), (7, 6)), ((2, 3), (3, 2), (1, 1), (1, 2), (4, 9)),
         ((4, 2), (3, 1), (2, 1), (1, 1), (9, 5))]


@pytest.mark.parametrize("k,s,p,d,hw", CASES)
def test_matches_a_brute_force_loop_and_finite_differences(k, s, p, d, hw):
    rng = np.random.default_rng(0)
    x = (rng.permutation(2 * 2 * hw[0] * hw[1]) * 0.1).reshape(2, 2, *hw)   # no ties
    out = tuple(ceil_size(hw[i], k[i], s[i], p[i], d[i]) for i in range(2))
    y = max_pool2d(x, k, s, p, d, ceil_mode=True)
    assert y.shape == (2, 2, *out)
    np.testing.assert_array_equal(y, brute_max_pool(x, k, s, p, d, out))
    g = rng.standard_normal(y.shape)
    gx = max_pool2d_backward(g, x, k, s, p, d, ceil_mode=True)
    numeric = numerical_gradient(lambda v: max_pool2d(v, k, s, p, d, ceil_mode=True), x, g)
    assert relative_error(gx, numeric) < 1e-8


def test_module_and_summary_agree():
    pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
    assert repr(pool) == "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=True)"
    x = np.random.default_rng(1).standard_normal((1, 2, 8, 8))
    y = pool(x)
    assert y.shape == (1, 2, 4, 4)                   # floor would give 3x3
    assert cnnlib.summary(pool, x.shape).output_shape == y.shape
    assert pool.backward(np.ones_like(y)).shape == x.shape
    with pytest.raises(ValueError, match="return_indices must be False"):
        nn.MaxPool2d(2, return_indices=True)
    with pytest.raises(TypeError, match="ceil_mode must be a bool"):
        max_pool2d(x, 2, ceil_mode="yes")


@pytest.mark.parametrize("seed", range(40))
def test_matches_pytorch(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    k = tuple(int(v) for v in rng.integers(1, 5, size=2))
    s = tuple(int(v) for v in rng.integers(1, 4, size=2))
    p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
    d = tuple(int(v) for v in rng.integers(1, 3, size=2))
    hw = tuple(int(v) for v in rng.integers(1, 9, size=2))
    x = rng.standard_normal((2, 3, *hw))
    tx = torch.tensor(x, requires_grad=True)
    try:
        ty = torch.nn.functional.max_pool2d(tx, k, s, p, d, ceil_mode=True)
    except RuntimeError:
        with pytest.raises(ValueError):
            max_pool2d(x, k, s, p, d, ceil_mode=True)
        return
    y = max_pool2d(x, k, s, p, d, ceil_mode=True)
    np.testing.assert_array_equal(y, ty.detach().numpy())
    g = rng.standard_normal(y.shape)
    if np.isinf(y).any():
        # A dilated window can cover padding only (output -inf).  PyTorch 2.13's
        # CPU backward then writes its gradient outside the input plane (into
        # the next channel); cnnlib sends it nowhere.  Compare the rest.
        g = np.where(np.isinf(y), 0.0, g)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(max_pool2d_backward(g, x, k, s, p, d, ceil_mode=True),
                               tx.grad.numpy(), rtol=1e-12, atol=1e-15)
