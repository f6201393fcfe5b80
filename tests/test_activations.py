"""relu and relu_backward (torch.nn.functional.relu semantics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnnlib
from cnnlib import gradcheck, relu, relu_backward
from reference import central_difference


def test_relu_hand_example():
    # negatives and zero become 0, positives pass unchanged
    x = np.array([[[[-6.0, 14, 12], [-2, 9, 5], [0, -0.5, 3]]]])
    np.testing.assert_array_equal(relu(x), [[[[0, 14, 12], [0, 9, 5], [0, 0, 3]]]])


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4, 5)])
def test_relu_any_shape(shape):
    # relu is element-wise: it follows the layers that use it (2-D after Linear, 4-D after Conv).
    x = np.random.default_rng(0).standard_normal(shape)
    got = relu(x)
    assert got.shape == shape
    np.testing.assert_array_equal(got, np.where(x > 0, x, 0.0))


def test_relu_dtypes():
    assert relu(np.array([-1.0, 2.0], np.float32)).dtype == np.float32
    assert relu(np.array([-1.0, 2.0])).dtype == np.float64
    got = relu(np.array([-3, 0, 4]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [0.0, 0.0, 4.0])


def test_relu_does_not_modify_its_input():
    x = np.array([-1.0, 2.0, -3.0])
    relu(x)
    np.testing.assert_array_equal(x, [-1.0, 2.0, -3.0])


def test_relu_backward_hand_example():
    # gradient passes where x > 0, is 0 where x < 0 AND where x == 0 (as PyTorch)
    x = np.array([-2.0, 0.0, 3.0, 1e-12, -1e-12])
    g = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    np.testing.assert_array_equal(relu_backward(g, x), [0, 0, 30, 40, 0])


def test_relu_backward_at_zero_is_zero():
    x = np.zeros((1, 2, 3, 3))
    np.testing.assert_array_equal(relu_backward(np.ones_like(x), x), np.zeros_like(x))
    np.testing.assert_array_equal(relu_backward(np.ones(2), np.array([-0.0, 0.0])), [0.0, 0.0])


@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(4,), (2, 3), (1, 2, 3, 4)]))
def test_relu_backward_matches_finite_differences(seed, shape):
    rng = np.random.default_rng(seed)
    # keep every value at least 0.01 away from the kink at 0
    x = rng.choice([-1.0, 1.0], size=shape) * (0.01 + rng.random(shape))
    g = rng.standard_normal(shape)
    fd = central_difference(lambda t: float(np.sum(relu(t) * g)), x)
    np.testing.assert_allclose(relu_backward(g, x), fd, rtol=1e-7, atol=1e-9)


def test_relu_backward_dtypes():
    x32 = np.array([-1.0, 2.0], np.float32)
    assert relu_backward(np.ones(2, np.float32), x32).dtype == np.float32
    got = relu_backward(np.array([5, 6]), np.array([-1, 1]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [0.0, 6.0])


def test_relu_backward_does_not_modify_inputs():
    x = np.array([-1.0, 2.0])
    g = np.array([3.0, 4.0])
    relu_backward(g, x)
    np.testing.assert_array_equal(x, [-1.0, 2.0])
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_relu_backward_passes_cnnlib_gradcheck():
    x = np.array([[-1.5, 0.3, 2.0], [0.7, -0.2, -3.0]])
    results = gradcheck(relu, lambda g, x: (relu_backward(g, x),), {"x": x})
    assert all(r.passed for r in results), [str(r) for r in results]


# --------------------------------------------------------------------------
# The other activations the ReLU chapter compares: values and gradients
# --------------------------------------------------------------------------

SMOOTH = [
    ("leaky_relu", lambda x: cnnlib.leaky_relu(x, 0.1),
     lambda g, x: cnnlib.leaky_relu_backward(g, x, 0.1)),
    ("sigmoid", cnnlib.sigmoid, cnnlib.sigmoid_backward),
    ("tanh", cnnlib.tanh, cnnlib.tanh_backward),
    ("gelu", cnnlib.gelu, cnnlib.gelu_backward),
]


@pytest.mark.parametrize(("name", "forward", "backward"), SMOOTH, ids=[s[0] for s in SMOOTH])
def test_activation_backward_matches_finite_differences(name, forward, backward):
    # Points away from 0 so leaky ReLU's kink is not straddled by the difference.
    x = np.array([-3.1, -1.2, -0.4, 0.3, 0.9, 2.7])
    g = np.array([0.5, -1.0, 2.0, 1.5, -0.3, 1.0])
    eps = 1e-6
    numeric = np.array([
        np.sum((forward(x + eps * e) - forward(x - eps * e)) * g) / (2 * eps)
        for e in np.eye(x.size)
    ])
    np.testing.assert_allclose(backward(g, x), numeric, rtol=1e-6, atol=1e-9)


def test_activation_hand_values():
    # leaky: slope 0.1 below zero; sigmoid(0) = 1/2; tanh(0) = 0.
    np.testing.assert_array_equal(cnnlib.leaky_relu(np.array([-2.0, 0.0, 3.0]), 0.1),
                                  [-0.2, 0.0, 3.0])
    assert cnnlib.sigmoid(np.array([0.0]))[0] == 0.5
    assert cnnlib.tanh(np.array([0.0]))[0] == 0.0
    # The sigmoid's slope s(1 - s) peaks at 1/4, at x = 0.
    assert cnnlib.sigmoid_backward(np.ones(1), np.zeros(1))[0] == 0.25


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        out = cnnlib.sigmoid(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_gelu_against_scipy_normal_cdf():
    # GELU(x) = x * Phi(x), with Phi from SciPy as an independent reference.
    from scipy.special import ndtr

    x = np.linspace(-4, 4, 33)
    np.testing.assert_allclose(cnnlib.gelu(x), x * ndtr(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_keep_float_dtype(dtype):
    x = np.linspace(-2, 2, 5).astype(dtype)
    for _, forward, backward in SMOOTH:
        assert forward(x).dtype == dtype
        assert backward(np.ones_like(x), x).dtype == dtype


# --------------------------------------------------------------------------
# NaN through ReLU's gradient; GELU's vectorised erf (issue 11)
# --------------------------------------------------------------------------


def test_relu_backward_passes_the_gradient_at_nan():
    # PyTorch's threshold_backward zeroes the gradient where x <= 0 and passes
    # it elsewhere; NaN <= 0 is false, so at NaN the gradient passes through.
    x = np.array([np.nan, -1.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu_backward(np.array([1.0, 2.0, 3.0, 4.0]), x),
                                  [1.0, 0.0, 0.0, 4.0])


def test_relu6_backward_passes_the_gradient_at_nan():
    # hardtanh_backward: zero where x <= 0 or x >= 6, the gradient elsewhere (NaN too).
    x = np.array([np.nan, -1.0, 0.0, 3.0, 6.0, 7.0])
    np.testing.assert_array_equal(cnnlib.relu6_backward(np.ones(6), x),
                                  [1.0, 0.0, 0.0, 1.0, 0.0, 0.0])


def _math_erf(z):
    return np.array([math.erf(v) for v in np.ravel(z)]).reshape(np.shape(z))


def test_erf_matches_math_erf_in_float64():
    from cnnlib.activations import _erf

    rng = np.random.default_rng(0)
    # every region: near 0, each Taylor centre's edges, the tail, beyond 6
    z = np.concatenate([rng.normal(0, 2, 20000), rng.uniform(-7, 7, 20000),
                        np.linspace(-1e-3, 1e-3, 2001), np.arange(-200, 201) / 32 + 1 / 64,
                        [1e-300, 5e-324, 5.999, 6.0, 6.01, 30.0]])
    want = _math_erf(z)
    got = _erf(z)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(_erf(np.array([np.inf, -np.inf, 0.0])), [1.0, -1.0, 0.0])
    assert np.isnan(_erf(np.array([np.nan]))[0])
    assert np.signbit(_erf(np.array([-0.0]))[0])


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-15), (np.float32, 1e-7)])
def test_gelu_matches_the_math_erf_formula(dtype, rtol):
    x = np.random.default_rng(1).normal(0, 3, (3, 1000)).astype(dtype)
    xs = x.astype(np.float64)
    # x * Phi(x) with Phi from math.erf, computed in float64 (z = x / sqrt 2 in
    # x's own dtype, as gelu does)
    z = (x / math.sqrt(2)).astype(np.float64)
    want = xs * 0.5 * (1 + _math_erf(z))
    got = cnnlib.gelu(x).astype(np.float64)
    assert cnnlib.gelu(x).dtype == dtype
    # For x << 0, 1 + erf(z) cancels: an erf within one float64 rounding
    # (2**-53) of math.erf may then differ by |x| * 2**-53 in absolute terms.
    slack = np.abs(xs) * 2.0**-53
    assert np.all(np.abs(got - want) <= rtol * np.abs(want) + slack)
    pdf = np.exp(-0.5 * xs**2) / math.sqrt(2 * math.pi)
    grad = cnnlib.gelu_backward(np.ones_like(x), x).astype(np.float64)
    cdf = 0.5 * (1 + _math_erf(z))
    # Phi(x) + x phi(x) cancels for x < 0: allow a few roundings of each term
    # (exp(-x**2 / 2) in x's dtype is off by up to x**2/2 roundings), and one
    # float64 rounding of erf inside 1 + erf.
    slack = 4 * np.finfo(dtype).eps * (cdf + np.abs(xs) * pdf * (1 + xs**2)) + 2.0**-53
    assert np.all(np.abs(grad - (cdf + xs * pdf)) <= slack)
