"""The gradient-flow widget: one output-gradient cell, checked against independent sums."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import conv2d
from cnnlib.widgets import GradientFlow, gradient_flow

X5 = np.array([[-1, 0, 2, 3, -3],
               [3, 0, -1, 1, 1],
               [-2, -1, 2, 1, 0],
               [-1, 2, -1, -1, 3],
               [-2, -2, 1, 1, -3]], dtype=float)
K3 = np.array([[-2, -1, 2],
               [0, 1, -1],
               [-1, 1, 2]], dtype=float)


def by_hand(x, k, stride, padding, dilation, row, col):
    """dL/dX and dL/dK for g = one-hot at (row, col), by direct index arithmetic."""
    gx, gk = np.zeros_like(x), np.zeros_like(k)
    for a in range(k.shape[0]):
        for b in range(k.shape[1]):
            i = row * stride - padding + a * dilation
            j = col * stride - padding + b * dilation
            if 0 <= i < x.shape[0] and 0 <= j < x.shape[1]:
                gx[i, j] += k[a, b]           # output = sum x[i, j] k[a, b]
                gk[a, b] = x[i, j]
    return gx, gk


@pytest.mark.parametrize("setting", [(1, 0, 1, 2, 1), (2, 1, 1, 1, 1), (2, 1, 1, 0, 2),
                                     (1, 2, 2, 3, 0), (3, 2, 1, 1, 2)])
def test_gradients_match_index_arithmetic(setting):
    stride, padding, dilation, row, col = setting
    w = gradient_flow(X5, K3)
    w.update(stride, padding, dilation, row, col)
    gx, gk = by_hand(X5, K3, stride, padding, dilation, row, col)
    assert np.array_equal(w.grad_x, gx)
    assert np.array_equal(w.grad_w, gk)
    assert np.array_equal(w.step.patch[0], gk)          # dL/dK is explain_conv2d's patch
    assert (w.row.value, w.col.value, w.stride.value) == (row, col, stride)


def test_non_square_kernel_unequal_sizes():
    x = np.arange(20.0).reshape(4, 5)
    k = np.array([[1.0, -2.0]])
    w = gradient_flow(x, k, stride=2, cell=(1, 1))      # output 2x2
    gx, gk = by_hand(x, k, 2, 0, 1, 1, 1)
    assert np.array_equal(w.grad_x, gx) and np.array_equal(w.grad_w, gk)
    assert gk.tolist() == [[12.0, 13.0]]                 # x[2, 2], x[2, 3]


def test_cell_beyond_the_output_moves_to_the_last_one():
    w = gradient_flow(X5, K3)
    w.update(2, 0, 1, 8, 8)                 # output 2x2 at stride 2, no padding
    assert conv2d(X5[None, None], K3[None, None], stride=2).shape[2:] == (2, 2)
    assert (w.row.value, w.col.value) == (1, 1) and w.row.max == 1


def test_impossible_setting_shows_the_library_message():
    w = gradient_flow(np.ones((3, 3)), np.ones((3, 3)))
    ok = w._guarded(1, 0, 2, 0, 0)          # a 5-wide dilated kernel on a 3x3 input
    assert not ok and w.message.text.startswith("conv2d")
    assert w._guarded(1, 1, 1, 0, 0) and w.message.text == ""


def test_slider_moves_redraw_and_repr():
    w = gradient_flow(X5, K3, stride=2, padding=1, cell=(0, 1))
    before = w.image.value
    w.col.value = 2
    assert w.image.value != before and w.step.col == 2
    assert repr(w).startswith("<GradientFlow: output cell (0, 2), stride 2")
    assert isinstance(w, GradientFlow)
    assert "6</b> input pixels" in GradientFlow(X5, K3, 2, 1, 1, (0, 1)).readout.value


def test_bad_input():
    with pytest.raises(ValueError, match=r"gradient_flow: x must be one channel"):
        gradient_flow(np.ones((2, 3, 3)), K3)
