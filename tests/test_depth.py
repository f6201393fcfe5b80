"""cnnlib.depth.stack_gradients, checked by hand and by finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import conv2d, relu, sigmoid
from cnnlib.depth import stack_gradients
from reference import central_difference


def test_identity_stack_passes_the_gradient_unchanged():
    eye = np.eye(3).reshape(3, 3, 1, 1)
    got = stack_gradients(np.ones((2, 3, 4, 5)), [eye] * 4, "identity")
    np.testing.assert_array_equal(got, np.ones(4))


def test_scalar_sigmoid_chain_by_hand():
    # one channel, 1x1 kernels of weight 1, input 0: every pre-activation of
    # layer 1 is 0, so its derivative is sigmoid'(0) = 1/4; later layers see 1/2
    w = np.ones((1, 1, 1, 1))
    got = stack_gradients(np.zeros((1, 1, 1, 1)), [w, w], "sigmoid")
    s = 1 / (1 + np.exp(-0.5))
    assert got[1] == pytest.approx(s * (1 - s))                  # last layer: sigmoid'(1/2)
    assert got[0] == pytest.approx(s * (1 - s) * 0.25)           # times sigmoid'(0)


@pytest.mark.parametrize("activation, f", [("relu", relu), ("sigmoid", sigmoid)])
def test_input_gradient_matches_finite_differences(activation, f):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 5, 4))
    ws = [rng.standard_normal((3, 2, 3, 2)), rng.standard_normal((2, 3, 2, 3))]

    def loss(v):
        h = v
        for w in ws:
            h = f(conv2d(h, w, padding="same"))
        return h.sum()

    numeric = central_difference(loss, x)
    want = np.sqrt(np.mean(numeric ** 2))
    assert stack_gradients(x, ws, activation)[0] == pytest.approx(want, rel=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="stack_gradients: activation must be one of"):
        stack_gradients(np.ones((1, 1, 3, 3)), [np.ones((1, 1, 1, 1))], "softplus")
    with pytest.raises(ValueError, match="stack_gradients: weights must hold at least one"):
        stack_gradients(np.ones((1, 1, 3, 3)), [], "relu")
    with pytest.raises(ValueError, match=r"stack_gradients: x must be 4-D"):
        stack_gradients(np.ones((3, 3)), [np.ones((1, 1, 1, 1))], "relu")
