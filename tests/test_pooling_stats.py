"""cnnlib.pooling_stats: shifted crops and the measured shift sensitivity of pooling."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.pooling_stats import shift_sensitivity, shift_window


def spike(h, w, row, col):
    x = np.zeros((1, 1, h, w))
    x[0, 0, row, col] = 1.0
    return x


def test_shift_window_moves_content_right_and_down():
    x = np.arange(30.0).reshape(1, 1, 5, 6)
    base = shift_window(x, 0, 2, (1, 1))
    moved = shift_window(x, 2, 2, (1, 1))
    assert base.shape == moved.shape == (1, 1, 3, 4)
    # The pixel at base[i, j] reappears two rows down and two columns right.
    np.testing.assert_array_equal(moved[0, 0, 2:, 2:], base[0, 0, :1, :2])
    np.testing.assert_array_equal(shift_window(x, 1, 3, (1, 0))[0, 0], x[0, 0, 2:4, :])


def test_spike_within_and_across_windows():
    # A spike that lands in column 0 of the unshifted crop (the start of a
    # 2-wide window).  Shift 1 keeps it in the window, shift 2 moves it on.
    # By hand: two unit vectors at different places differ by sqrt(2).
    r = shift_sensitivity(spike(2, 8, 0, 3), 3, kernel_size=2)
    root2 = np.sqrt(2)
    np.testing.assert_allclose(r.changes["none"], [0, root2, root2, root2])
    np.testing.assert_allclose(r.changes["max"], [0, 0, root2, root2])
    np.testing.assert_allclose(r.changes["avg"], [0, 0, root2, root2])
    np.testing.assert_array_equal(r.shifts, [0, 1, 2, 3])
    assert r.kernel_size == (2, 2) and r.stride == (2, 2) and r.direction == (0, 1)


def test_average_and_max_differ_on_a_ramp():
    # Row [0, 1, 2, ..., 9] shifted right by one becomes [.., x-1, ..]: every
    # value drops by 1.  Brute force: compare pooled crops directly.
    x = np.tile(np.arange(10.0), (2, 1))[None, None]
    r = shift_sensitivity(x, 1, kernel_size=2)
    base = x[0, 0, :, 1:]            # crop for shift 0
    moved = x[0, 0, :, :9]           # crop for shift 1
    want_none = np.linalg.norm(moved - base) / np.linalg.norm(base)
    mx = lambda a: a[:, :8].reshape(2, 4, 2).max(axis=(0, 2))  # noqa: E731
    want_max = np.linalg.norm(mx(moved) - mx(base)) / np.linalg.norm(mx(base))
    np.testing.assert_allclose(r.changes["none"][1], want_none)
    np.testing.assert_allclose(r.changes["max"][1], want_max)


def test_overlapping_windows_and_modes_subset():
    x = np.random.default_rng(0).random((1, 2, 12, 12))
    r = shift_sensitivity(x, 4, kernel_size=3, stride=2, modes=("max",), direction=(1, 1))
    assert list(r.changes) == ["max"]
    assert r.changes["max"][0] == 0 and np.all(r.changes["max"][1:] > 0)
    assert "shift" in r.table() and len(r.table().splitlines()) == 6


def test_errors():
    x = spike(4, 4, 1, 1)
    with pytest.raises(ValueError, match="shift_sensitivity: modes must be drawn from"):
        shift_sensitivity(x, 1, modes=("median",))
    with pytest.raises(ValueError, match="zero everywhere"):
        shift_sensitivity(np.zeros((1, 1, 4, 4)), 1)
    with pytest.raises(ValueError, match="shift_window: shift must be at most max_shift=1"):
        shift_window(x, 2, 1)
    with pytest.raises(ValueError, match="shift_window: max_shift=4 leaves no pixels"):
        shift_window(x, 0, 4)
    with pytest.raises(ValueError, match="direction must be"):
        shift_window(x, 0, 1, (2, 0))
    with pytest.raises(ValueError, match="shift_sensitivity: x must be 4-D"):
        shift_sensitivity(np.ones((4, 4)), 1)
