"""cnnlib.nn.functional: vectorised adaptive pooling, batch norm on any (N, C, *) shape.

The references are the plain loops over output cells, written here from
PyTorch's bin rule (start = floor(i * in / out), end = ceil((i + 1) * in / out)),
not from cnnlib's code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib.nn import functional as F
from reference import central_difference


def loop_bins(in_size, out_size):
    return [(math.floor(i * in_size / out_size), math.ceil((i + 1) * in_size / out_size))
            for i in range(out_size)]


def loop_adaptive(x, oh, ow):
    h, w = x.shape[2:]
    out = np.empty(x.shape[:2] + (oh, ow))
    for i, (a, b) in enumerate(loop_bins(h, oh)):
        for j, (c, d) in enumerate(loop_bins(w, ow)):
            out[:, :, i, j] = x[:, :, a:b, c:d].sum(axis=(2, 3)) / ((b - a) * (d - c))
    return out


def loop_adaptive_backward(g, x, oh, ow):
    h, w = x.shape[2:]
    gx = np.zeros(x.shape)
    for i, (a, b) in enumerate(loop_bins(h, oh)):
        for j, (c, d) in enumerate(loop_bins(w, ow)):
            gx[:, :, a:b, c:d] += g[:, :, i : i + 1, j : j + 1] / ((b - a) * (d - c))
    return gx


SIZES = [(5, 7, 3, 2), (10, 10, 4, 10), (7, 3, 7, 5), (13, 11, 1, 4), (9, 9, 1, 1),
         (4, 5, 6, 9), (600, 512, 7, 7), (31, 17, 30, 16)]


@pytest.mark.parametrize("h, w, oh, ow", SIZES)
def test_adaptive_avg_pool2d_equals_the_loop_over_cells(h, w, oh, ow):
    rng = np.random.default_rng(h * w + oh)
    x = rng.normal(size=(2, 3, h, w))
    g = rng.normal(size=(2, 3, oh, ow))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (oh, ow)), loop_adaptive(x, oh, ow),
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(F.adaptive_avg_pool2d_backward(g, x, (oh, ow)),
                               loop_adaptive_backward(g, x, oh, ow), rtol=1e-13, atol=1e-15)


def test_adaptive_avg_pool2d_backward_is_the_forwards_adjoint_by_finite_differences():
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=(1, 2, 7, 5)), rng.normal(size=(1, 2, 3, 4))
    want = central_difference(lambda v: np.sum(F.adaptive_avg_pool2d(v, (3, 4)) * g), x)
    np.testing.assert_allclose(F.adaptive_avg_pool2d_backward(g, x, (3, 4)), want,
                               rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_adaptive_avg_pool2d_keeps_the_dtype(dtype):
    x = np.full((1, 1, 16, 16), 1e4, dtype=dtype)      # float16: sums of 1e4 overflow
    out = F.adaptive_avg_pool2d(x, (2, 3))
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 3), 1e4, dtype=dtype))


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5)])
def test_batch_norm_on_any_channel_first_shape(shape):
    # y = (x - mean) / sqrt(var + eps) * weight + bias, channel on axis 1
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    mean, var = rng.normal(size=3), rng.random(3) + 0.5
    weight, bias = rng.normal(size=3), rng.normal(size=3)
    b = (1, 3) + (1,) * (len(shape) - 2)
    want = (x - mean.reshape(b)) / np.sqrt(var.reshape(b) + 1e-5) * weight.reshape(b) \
        + bias.reshape(b)
    np.testing.assert_allclose(F.batch_norm(x, mean, var, weight, bias), want, rtol=1e-14)
    # training-mode backward against finite differences of the full map
    axes = (0, *range(2, len(shape)))

    def loss(v):
        m, s2 = v.mean(axis=axes), v.var(axis=axes)
        return np.sum(F.batch_norm(v, m, s2, weight, bias) * g)

    g = rng.normal(size=shape)
    gx, gw, gb = F.batch_norm_backward(g, x, x.mean(axis=axes), x.var(axis=axes), weight)
    np.testing.assert_allclose(gx, central_difference(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, g.sum(axis=axes), rtol=1e-14)


def test_softmax_on_one_row_with_axis_0():
    np.testing.assert_allclose(F.softmax(np.array([0.0, math.log(3.0)]), axis=0), [0.25, 0.75])
