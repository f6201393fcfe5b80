"""cnnlib.compose: convolution as a matrix, two convolutions as one, the best single kernel.

Expected values: hand-composed kernels, scipy.signal.convolve2d (full mode)
as an independent composition, the naive loop conv2d_naive applied twice,
and, for fit_kernel, the least-squares optimality condition checked through
conv2d_backward (the gradient of the squared error vanishes at the fit).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from cnnlib import conv2d, conv2d_backward, conv2d_naive, corr2d, relu
from cnnlib.compose import compose_conv2d, compose_kernels, conv2d_matrix, fit_kernel, r_squared


# ------------------------------------------------------------ compose_kernels
def test_compose_kernels_by_hand():
    # four shifted copies of k1, one per tap of the 2x2 box k2, added up
    k1 = np.array([[1, 0], [0, -1]])
    k2 = np.ones((2, 2))
    want = np.array([[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_array_equal(compose_kernels(k1, k2), want)
    # box [1, 1] twice is the binomial [1, 2, 1]
    np.testing.assert_array_equal(compose_kernels([[1, 1]], [[1, 1]]), [[1, 2, 1]])


@pytest.mark.parametrize("s1, s2", [((3, 2), (2, 4)), ((1, 3), (3, 1)), ((2, 2), (1, 1))])
def test_compose_kernels_is_the_full_convolution(s1, s2):
    rng = np.random.default_rng(sum(s1) + 10 * sum(s2))
    k1, k2 = rng.standard_normal(s1), rng.standard_normal(s2)
    np.testing.assert_allclose(compose_kernels(k1, k2), signal.convolve2d(k1, k2, mode="full"))
    np.testing.assert_allclose(compose_kernels(k1, k2), compose_kernels(k2, k1))


@pytest.mark.parametrize("s1, s2", [((3, 2), (2, 4)), ((1, 3), (4, 1)), ((3, 3), (3, 3))])
def test_two_correlations_equal_one(s1, s2):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((9, 11))
    k1, k2 = rng.standard_normal(s1), rng.standard_normal(s2)
    np.testing.assert_allclose(corr2d(corr2d(x, k1), k2), corr2d(x, compose_kernels(k1, k2)),
                               rtol=1e-12, atol=1e-12)


def test_compose_kernels_errors():
    with pytest.raises(ValueError, match=r"compose_kernels: k2 must be 2-D with shape"):
        compose_kernels(np.ones((2, 2)), np.ones((1, 2, 2)))
    with pytest.raises(TypeError, match="compose_kernels: k1 must be a numpy.ndarray"):
        compose_kernels("k", np.ones((2, 2)))


# ------------------------------------------------------------- compose_conv2d
@pytest.mark.parametrize("biases", [True, False])
def test_two_conv_layers_equal_one(biases):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 8, 9))
    w1, w2 = rng.standard_normal((4, 3, 2, 3)), rng.standard_normal((5, 4, 3, 2))
    b1, b2 = (rng.standard_normal(4), rng.standard_normal(5)) if biases else (None, None)
    two = conv2d_naive(conv2d_naive(x, w1, b1), w2, b2)
    w, b = compose_conv2d(w1, w2, b1, b2)
    assert w.shape == (5, 3, 4, 4) and b.shape == (5,)
    np.testing.assert_allclose(conv2d_naive(x, w, b), two, rtol=1e-10, atol=1e-10)


def test_compose_conv2d_bias_by_hand():
    # first layer adds 1 everywhere; the second sums 2 taps of weight 1 and adds 0.5
    w, b = compose_conv2d(np.ones((1, 1, 1, 2)), np.ones((1, 1, 1, 2)), np.array([1.0]),
                          np.array([0.5]))
    np.testing.assert_array_equal(w, [[[[1.0, 2.0, 1.0]]]])
    np.testing.assert_array_equal(b, [2.5])


def test_compose_conv2d_errors():
    with pytest.raises(ValueError, match="compose_conv2d: weight2 must read the 4 channels"):
        compose_conv2d(np.ones((4, 3, 3, 3)), np.ones((2, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"compose_conv2d: bias1 must have shape \(4,\)"):
        compose_conv2d(np.ones((4, 3, 3, 3)), np.ones((2, 4, 3, 3)), bias1=np.ones(3))


def test_relu_between_breaks_the_composition():
    # relu(t) + relu(-t) = |t|: even in t, so no linear map reproduces it
    rng = np.random.default_rng(12)
    x = rng.standard_normal((1, 1, 10, 10))
    w1 = np.array([[[[1.0, -1.0]]], [[[-1.0, 1.0]]]])
    w2 = np.ones((1, 2, 1, 1))
    y = conv2d(relu(conv2d(x, w1)), w2)
    np.testing.assert_allclose(y[0, 0], np.abs(x[0, 0, :, :-1] - x[0, 0, :, 1:]))
    w, b = compose_conv2d(w1, w2)
    np.testing.assert_array_equal(w, np.zeros((1, 1, 1, 2)))   # without ReLU: nothing left
    assert np.abs(y - conv2d(x, w, b)).max() > 1


# -------------------------------------------------------------- conv2d_matrix
def test_conv2d_matrix_by_hand():
    m = conv2d_matrix(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), (2, 3))
    # two output pixels; each row holds the 4 weights on the 4 pixels its window covers
    want = np.array([[1, 2, 0, 3, 4, 0], [0, 1, 2, 0, 3, 4]])
    np.testing.assert_array_equal(m, want)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), ((2, 1), (1, 0), 1),
                                                       (1, (0, 2), (2, 1))])
def test_conv2d_matrix_times_x_is_the_convolution(stride, padding, dilation):
    rng = np.random.default_rng(13)
    weight = rng.standard_normal((3, 2, 2, 3))
    x = rng.standard_normal((2, 2, 6, 7))
    m = conv2d_matrix(weight, (6, 7), stride, padding, dilation)
    want = conv2d_naive(x, weight, None, stride, padding, dilation)
    for n in range(2):
        np.testing.assert_allclose(m @ x[n].ravel(), want[n].ravel(), rtol=1e-12, atol=1e-12)


def test_conv2d_matrix_rows_share_the_same_weights():
    k = np.array([[1.0, -2.0, 3.0], [4.0, -5.0, 6.0]])
    m = conv2d_matrix(k[None, None], (5, 6))
    for row in m:
        assert np.count_nonzero(row) == 6
        np.testing.assert_array_equal(row[row != 0], k.ravel())


def test_conv2d_matrix_refuses_huge_matrices():
    with pytest.raises(ValueError, match="conv2d_matrix: the matrix would be"):
        conv2d_matrix(np.ones((1, 1, 3, 3)), (200, 200))


# ---------------------------------------------------------------- fit_kernel
def test_fit_kernel_recovers_a_kernel_exactly():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((2, 2, 9, 8))
    weight = rng.standard_normal((3, 2, 3, 2))
    bias = np.array([0.5, -1.0, 2.0])
    w, b = fit_kernel(x, conv2d_naive(x, weight, bias), (3, 2))
    np.testing.assert_allclose(w, weight, atol=1e-10)
    np.testing.assert_allclose(b, bias, atol=1e-10)
    w0, b0 = fit_kernel(x, conv2d_naive(x, weight), (3, 2), bias=False)
    np.testing.assert_allclose(w0, weight, atol=1e-10)
    np.testing.assert_array_equal(b0, np.zeros(3))


def test_fit_kernel_is_a_least_squares_optimum():
    # at the optimum the gradient of sum((conv(x) - y)**2 / 2) with respect to
    # every weight and the bias is zero -- checked through conv2d_backward
    rng = np.random.default_rng(15)
    x = rng.standard_normal((1, 1, 12, 12))
    y = relu(conv2d(x, rng.standard_normal((1, 1, 3, 3))))
    w, b = fit_kernel(x, y, 3)
    residual = conv2d(x, w, b) - y
    assert np.abs(residual).max() > 0.1                     # relu's output is not linear
    _, grad_w, grad_b = conv2d_backward(residual, x, w)
    np.testing.assert_allclose(grad_w, 0, atol=1e-9)
    np.testing.assert_allclose(grad_b, 0, atol=1e-9)


def test_fit_kernel_errors():
    x = np.zeros((1, 1, 6, 6))
    with pytest.raises(ValueError, match=r"fit_kernel: y must have shape .* = \(1, 1, 4, 4\)"):
        fit_kernel(x, np.zeros((1, 1, 5, 5)), 3)
    with pytest.raises(TypeError, match="fit_kernel: bias must be True or False"):
        fit_kernel(x, np.zeros((1, 1, 4, 4)), 3, bias=None)


# ----------------------------------------------------------------- r_squared
def test_r_squared_by_hand():
    target = np.array([1.0, 2.0, 3.0, 6.0])            # mean 3, SST = 4 + 1 + 0 + 9 = 14
    prediction = np.array([1.0, 3.0, 3.0, 5.0])        # SSE = 0 + 1 + 0 + 1 = 2
    assert r_squared(prediction, target) == pytest.approx(1 - 2 / 14)
    assert r_squared(np.full(4, 3.0), target) == 0.0


def test_r_squared_errors():
    with pytest.raises(ValueError, match="r_squared: prediction must have target's shape"):
        r_squared(np.zeros(3), np.arange(4.0))
    with pytest.raises(ValueError, match="r_squared: target is constant"):
        r_squared(np.zeros(3), np.ones(3))
