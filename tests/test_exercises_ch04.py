"""Chapter 04's self-checks: right answers derived by hand, each mistake's hint."""

from __future__ import annotations

import numpy as np

from cnnlib.exercises import check


def test_output_sizes_by_hand():
    # floor((7 - 3)/2) + 1 = 3; floor((7 + 2 - 3)/2) + 1 = 4
    assert check("pool-ex-1a", 3).correct and check("pool-ex-1b", 4).correct
    assert "stride 1" in check("pool-ex-1a", 5).message
    assert "+ 1" in check("pool-ex-1a", 2).message
    assert "padding 1" in check("pool-ex-1a", 4).message
    assert "ignores the padding" in check("pool-ex-1b", 3).message


def test_average_pooling_by_hand():
    # window sums 15, 9, 4, 8 -> means; all 16 values sum to 36
    assert check("pool-ex-2a", [[3.75, 2.25], [1.0, 2.0]]).correct
    assert "maxima" in check("pool-ex-2a", [[6, 4], [2, 4]]).message
    assert "sums" in check("pool-ex-2a", [[15, 9], [4, 8]]).message
    assert check("pool-ex-2b", 36 / 16).correct
    assert "sum" in check("pool-ex-2b", 36).message
    assert "shape (2, 2)" in check("pool-ex-2a", [3.75, 2.25, 1, 2]).message


def test_gradient_routing_by_hand():
    # winners: 4 at (1, 0), 8 at (0, 2), 6 at (2, 1), 9 at (3, 3)
    want = np.zeros((4, 4))
    want[1, 0] = want[0, 2] = want[2, 1] = want[3, 3] = 1
    assert check("pool-ex-3a", want).correct
    assert "average pooling" in check("pool-ex-3a", np.full((4, 4), 0.25)).message
    values = want * np.array([[1, 3, 8, 2], [4, 2, 1, 0], [5, 6, 7, 3], [1, 2, 4, 9]])
    assert "not their own value" in check("pool-ex-3a", values).message
    assert check("pool-ex-3b", np.full((4, 4), 0.25)).correct
    assert "quarter" in check("pool-ex-3b", np.ones((4, 4))).message
