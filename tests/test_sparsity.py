"""cnnlib.sparsity: fraction of zeros and channels that never fire (hand counts and loops)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import conv2d, relu
from cnnlib.sparsity import dead_channels, sparsity


def test_sparsity_of_the_seed_feature_map_by_hand():
    # by hand: ReLU of [-6, 14, 12 / -2, 9, 5 / 4, 7, 3] has 2 zeros out of 9
    fm = np.array([[-6.0, 14, 12], [-2, 9, 5], [4, 7, 3]])
    assert sparsity(relu(fm)) == pytest.approx(2 / 9)
    assert sparsity(fm) == 0.0


def test_sparsity_per_channel_matches_a_loop():
    rng = np.random.default_rng(0)
    x = relu(rng.standard_normal((3, 4, 5, 6)))
    got = sparsity(x, axis=(0, 2, 3))
    assert got.shape == (4,)
    for c in range(4):
        count = sum(1 for v in x[:, c].ravel() if v == 0)
        assert got[c] == pytest.approx(count / (3 * 5 * 6))
    assert sparsity(x, axis=1).shape == (3, 5, 6)


def test_sparsity_tolerance_counts_round_off_as_zero():
    # By hand: |-1e-16| and |3e-17| are below 1e-9, 0.25 and -2 are not; 0 is zero.
    x = np.array([[0.0, -1e-16, 3e-17], [0.25, -2.0, 0.0]])
    assert sparsity(x) == pytest.approx(2 / 6)
    assert sparsity(x, atol=1e-9) == pytest.approx(4 / 6)
    np.testing.assert_allclose(sparsity(x, axis=1, atol=1e-9), [1.0, 1 / 3])
    assert sparsity(x, atol=0.25) == pytest.approx(5 / 6)     # |x| <= atol


def test_sparsity_errors():
    with pytest.raises(ValueError, match="sparsity: axis must hold axes of x"):
        sparsity(np.zeros((2, 2)), axis=2)
    with pytest.raises(ValueError, match="sparsity: x must not be empty"):
        sparsity(np.zeros((0, 3)))
    with pytest.raises(TypeError, match="sparsity: x must be a numpy.ndarray"):
        sparsity(3.0)
    for bad in (-1e-9, float("nan"), "0", True):
        with pytest.raises(ValueError, match="sparsity: atol must be a finite number >= 0"):
            sparsity(np.zeros(3), atol=bad)


def test_a_very_negative_bias_kills_a_channel():
    rng = np.random.default_rng(1)
    x = rng.random((2, 1, 8, 8))                      # inputs in [0, 1)
    weight = np.ones((3, 1, 3, 3))                    # each response is in [0, 9)
    bias = np.array([0.0, -4.5, -9.0])                # the last one can never be positive
    dead = dead_channels(relu(conv2d(x, weight, bias)))
    np.testing.assert_array_equal(dead, [False, False, True])


def test_dead_channels_needs_nchw():
    with pytest.raises(ValueError, match=r"dead_channels: x must be 4-D with shape \(N, C, H, W\)"):
        dead_channels(np.zeros((3, 4, 4)))
