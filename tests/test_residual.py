"""cnnlib.residual: plain and residual blocks, checked by hand and by finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib.residual import block_stack_gradients, block_weights


def forward_sum(x, weights, residual):
    """sum(h_L), written directly with SciPy's correlate (independent of cnnlib.conv)."""
    from scipy.signal import correlate

    def conv_same(h, w):
        n, c, hh, ww = h.shape
        out = np.zeros((n, w.shape[0], hh, ww))
        for i in range(n):
            for o in range(w.shape[0]):
                for k in range(c):
                    out[i, o] += correlate(h[i, k], w[o, k], mode="same")
        return out

    h = x
    for w1, w2 in weights:
        z = conv_same(np.maximum(conv_same(h, w1), 0), w2)
        h = np.maximum(h + z if residual else z, 0)
    return h.sum()


@pytest.mark.parametrize("residual", [False, True])
def test_first_block_gradient_matches_finite_differences(residual):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 5, 4))
    ws = [(rng.standard_normal((3, 3, 3, 3)) * 0.4, rng.standard_normal((3, 3, 3, 3)) * 0.4)
          for _ in range(3)]
    got = block_stack_gradients(x, ws, residual)
    eps = 1e-6
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        grad[idx] = (forward_sum(xp, ws, residual) - forward_sum(xm, ws, residual)) / (2 * eps)
    assert got[0] == pytest.approx(math.sqrt(np.mean(grad**2)), rel=1e-6)


def test_zero_weights_by_hand():
    zero = np.zeros((2, 2, 3, 3))
    x = np.ones((1, 2, 3, 3))
    # residual: every block is relu(h) of a positive h, the identity, so d sum / dh = 1
    np.testing.assert_array_equal(block_stack_gradients(x, [(zero, zero)] * 4, True), np.ones(4))
    # plain: every block outputs relu(0) = 0 whatever its input, so no gradient reaches it
    np.testing.assert_array_equal(block_stack_gradients(x, [(zero, zero)] * 4, False), np.zeros(4))


def test_one_by_one_scalar_chain_by_hand():
    # one channel, 1x1 kernels: a plain block multiplies a positive input by w1*w2,
    # a residual block by 1 + w1*w2; the gradient of the sum at the input of block l
    # is the product of the later blocks' factors.
    w1, w2 = np.full((1, 1, 1, 1), 0.5), np.full((1, 1, 1, 1), 0.4)
    x = np.ones((1, 1, 2, 2))
    plain = block_stack_gradients(x, [(w1, w2)] * 3, residual=False)
    res = block_stack_gradients(x, [(w1, w2)] * 3, residual=True)
    np.testing.assert_allclose(plain, [0.2**3, 0.2**2, 0.2])
    np.testing.assert_allclose(res, [1.2**3, 1.2**2, 1.2])


def test_block_weights_distributions():
    default = np.concatenate([w.ravel() for pair in block_weights(20, 8, seed=0) for w in pair])
    he = np.concatenate([w.ravel() for pair in block_weights(20, 8, "he", seed=0) for w in pair])
    fan_in = 9 * 8
    assert np.abs(default).max() <= 1 / math.sqrt(fan_in)
    assert default.var() == pytest.approx(1 / (3 * fan_in), rel=0.05)
    assert he.var() == pytest.approx(2 / fan_in, rel=0.05)
    a = block_weights(2, 3, seed=4)
    b = block_weights(2, 3, seed=4)
    assert all(np.array_equal(p, q) for pa, pb in zip(a, b, strict=True)
               for p, q in zip(pa, pb, strict=True))


def test_bad_input():
    w = np.zeros((2, 2, 3, 3))
    with pytest.raises(ValueError, match=r"block_stack_gradients: weights\[0\]\[1\] must have "
                                         r"shape \(2, 2, k, k\)"):
        block_stack_gradients(np.ones((1, 2, 4, 4)), [(w, np.zeros((3, 2, 3, 3)))], True)
    with pytest.raises(ValueError, match="at least one block"):
        block_stack_gradients(np.ones((1, 2, 4, 4)), [], True)
    with pytest.raises(TypeError, match="residual must be True or False"):
        block_stack_gradients(np.ones((1, 2, 4, 4)), [(w, w)], 1)
    with pytest.raises(ValueError, match="block_weights: init must be 'default' or 'he'"):
        block_weights(2, 2, init="xavier")
