"""relu and relu_backward (torch.nn.functional.relu semantics)."""

from __future__ import annotations

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
