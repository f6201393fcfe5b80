"""cnnlib.backprop: rot180, full_correlation, dilate_gradient, conv2d_input, conv2d_weight."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from cnnlib import conv2d_backward
from cnnlib.backprop import (
    conv2d_input,
    conv2d_weight,
    dilate_gradient,
    full_correlation,
    rot180,
)
from reference import central_difference, ref_conv2d, ref_conv2d_backward

# Seed 002's worked example: X (3x3), K (2x2), upstream gradient g (2x2).
X = np.array([[1.0, 2, 0], [0, 1, 3], [2, 1, 1]])
K = np.array([[1.0, 0], [0, -1]])
G = np.array([[1.0, 2], [0, -1]])


def test_rot180_by_hand():
    np.testing.assert_array_equal(rot180(K), [[-1, 0], [0, 1]])
    k = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(rot180(k), [[5, 4, 3], [2, 1, 0]])
    stack = np.arange(24.0).reshape(2, 3, 2, 2)
    assert rot180(stack)[1, 2, 0, 0] == stack[1, 2, 1, 1]
    np.testing.assert_array_equal(rot180(rot180(stack)), stack)


def test_rot180_keeps_float32_and_rejects_1d():
    assert rot180(np.ones((2, 2), np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="rot180: weight must have at least 2 dimensions"):
        rot180(np.ones(3))


def test_full_correlation_seed_002_input_gradient():
    # Hand derivation (seed 002, checked entry by entry): dL/dX = g(i,j) - g(i-1,j-1).
    want = [[1, 2, 0], [0, -2, -2], [0, 0, 1]]
    np.testing.assert_array_equal(full_correlation(G, rot180(K)), want)


def test_full_correlation_matches_scipy_on_non_square():
    rng = np.random.default_rng(1)
    x, k = rng.standard_normal((4, 6)), rng.standard_normal((2, 3))
    np.testing.assert_allclose(full_correlation(x, k), signal.correlate(x, k, mode="full"))
    assert full_correlation(x, k).shape == (5, 8)


def test_full_correlation_errors():
    with pytest.raises(ValueError, match="full_correlation: x must be 2-D"):
        full_correlation(np.ones((1, 2, 2)), K)
    with pytest.raises(TypeError, match="full_correlation: k must be"):
        full_correlation(X, "kernel")


def test_dilate_gradient_by_hand():
    g = np.array([[1.0, 2], [3, 4]])
    np.testing.assert_array_equal(dilate_gradient(g, (2, 3)),
                                  [[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 4]])
    np.testing.assert_array_equal(dilate_gradient(g, 1), g)
    batch = np.ones((2, 3, 2, 2))
    assert dilate_gradient(batch, 3).shape == (2, 3, 4, 4)
    assert dilate_gradient(batch, 3).sum() == batch.sum()


def test_dilate_gradient_errors():
    with pytest.raises(ValueError, match="dilate_gradient: stride must be positive"):
        dilate_gradient(np.ones((2, 2)), 0)
    with pytest.raises(ValueError, match="dilate_gradient: grad_out must have at least 2"):
        dilate_gradient(np.ones(3), 2)


def test_seed_002_by_the_formulas():
    x4, k4, g4 = X[None, None], K[None, None], G[None, None]
    np.testing.assert_array_equal(conv2d_input(x4.shape, k4, g4)[0, 0],
                                  [[1, 2, 0], [0, -2, -2], [0, 0, 1]])
    np.testing.assert_array_equal(conv2d_weight(x4, k4.shape, g4)[0, 0], [[4, -1], [1, 6]])


def test_strided_padded_example_by_hand():
    # x 3x3, kernel 2x2 of ones, stride 2, padding 1 -> output 2x2 windows that
    # do not overlap; each input pixel sits in exactly one window, so its
    # gradient is that window's upstream value.
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2))
    g = np.array([[[[1.0, 2], [3, 4]]]])
    want = [[1, 2, 2], [3, 4, 4], [3, 4, 4]]
    np.testing.assert_array_equal(conv2d_input(x.shape, w, g, stride=2, padding=1)[0, 0], want)


@st.composite
def conv_cases(draw):
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = max(1, dh * (kh - 1) + 1 - 2 * ph) + draw(st.integers(0, 4))
    w = max(1, dw * (kw - 1) + 1 - 2 * pw) + draw(st.integers(0, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((n, c_in, h, w))
    weight = rng.standard_normal((c_out, c_in, kh, kw))
    kw_args = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    out = ref_conv2d(x, weight, **kw_args)
    g = rng.standard_normal(out.shape)
    return x, weight, g, kw_args


@given(conv_cases())
def test_formulas_equal_reference_gradients(case):
    x, weight, g, kw = case
    ref_gx, ref_gw, _ = ref_conv2d_backward(g, x, weight, **kw)
    np.testing.assert_allclose(conv2d_input(x.shape, weight, g, **kw), ref_gx, atol=1e-10)
    np.testing.assert_allclose(conv2d_weight(x, weight.shape, g, **kw), ref_gw, atol=1e-10)
    gx, gw, _ = conv2d_backward(g, x, weight, **kw)
    np.testing.assert_allclose(conv2d_input(x.shape, weight, g, **kw), gx, atol=1e-10)
    np.testing.assert_allclose(conv2d_weight(x, weight.shape, g, **kw), gw, atol=1e-10)


def test_formulas_against_finite_differences():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 2, 6, 5))
    weight = rng.standard_normal((3, 2, 3, 2))
    kw = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    g = rng.standard_normal(ref_conv2d(x, weight, **kw).shape)

    def loss_x(v):
        return float(np.sum(ref_conv2d(v, weight, **kw) * g))

    def loss_w(v):
        return float(np.sum(ref_conv2d(x, v, **kw) * g))

    np.testing.assert_allclose(conv2d_input(x.shape, weight, g, **kw),
                               central_difference(loss_x, x), atol=1e-7)
    np.testing.assert_allclose(conv2d_weight(x, weight.shape, g, **kw),
                               central_difference(loss_w, weight), atol=1e-7)


def test_float32_stays_float32():
    x = np.ones((1, 1, 4, 4), np.float32)
    w = np.ones((1, 1, 2, 2), np.float32)
    g = np.ones((1, 1, 3, 3), np.float32)
    assert conv2d_input(x.shape, w, g).dtype == np.float32
    assert conv2d_weight(x, w.shape, g).dtype == np.float32


def test_formula_errors_name_the_argument():
    x4, k4, g4 = X[None, None], K[None, None], G[None, None]
    with pytest.raises(ValueError, match=r"conv2d_input: grad_output must have .* \(1, 1, 2, 2\)"):
        conv2d_input(x4.shape, k4, np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="conv2d_input: weight has 1 input channels"):
        conv2d_input((1, 2, 3, 3), k4, g4)
    with pytest.raises(ValueError, match="conv2d_input: input_size must be 4"):
        conv2d_input((3, 3), k4, g4)
    with pytest.raises(ValueError, match="conv2d_weight: input has 1 channels"):
        conv2d_weight(x4, (1, 2, 2, 2), g4)
    with pytest.raises(ValueError, match="conv2d_weight: kernel of size 4x4"):
        conv2d_weight(x4, (1, 1, 4, 4), g4)
