"""A CNN from scratch: the self-checks, right answers derived by hand, each hint."""

from __future__ import annotations

import math

from cnnlib.exercises import check


def test_conv_layer_shape_and_parameters_by_hand():
    # 32 - 5 + 1 = 28 per side; 8 filters of 3 * 5 * 5 = 75 weights + 1 bias = 608
    assert check("scratch-ex-1a", (16, 8, 28, 28)).correct
    assert "i - k + 1" in check("scratch-ex-1a", (16, 8, 27, 27)).message
    assert "no padding" in check("scratch-ex-1a", (16, 8, 32, 32)).message
    assert "8 filters" in check("scratch-ex-1a", (16, 3, 28, 28)).message
    assert "shape (4,)" in check("scratch-ex-1a", 28).message
    assert check("scratch-ex-1b", 608).correct
    assert "biases" in check("scratch-ex-1b", 600).message
    assert "3 input channels" in check("scratch-ex-1b", 8 * 26).message
    assert "image size" in check("scratch-ex-1b", 608 * 28 * 28).message


def test_cross_entropy_by_hand():
    # p = softmax(1, 2, 3) = e^k / (e + e^2 + e^3); L = -log p_0 = log(1 + e + e^2)
    total = math.e + math.e**2 + math.e**3
    p = [math.e / total, math.e**2 / total, math.e**3 / total]
    loss = math.log(1 + math.e + math.e**2)
    assert abs(loss - 2.4076) < 1e-4
    assert check("scratch-ex-5a", loss).correct
    assert check("scratch-ex-5a", 2.4076).correct
    assert check("scratch-ex-5a", 2.41).verdict == "close"
    assert "sign" in check("scratch-ex-5a", -loss).message
    assert "base 10" in check("scratch-ex-5a", math.log10(1 + math.e + math.e**2)).message
    assert "class 2" in check("scratch-ex-5a", -math.log(p[2])).message
    assert "probability" in check("scratch-ex-5a", p[0]).message
    grad = [p[0] - 1, p[1], p[2]]
    assert check("scratch-ex-5b", grad).correct
    assert "reversed" in check("scratch-ex-5b", [-g for g in grad]).message
    assert "softmax alone" in check("scratch-ex-5b", p).message
    assert "target class, 0" in check("scratch-ex-5b", [p[0], p[1], p[2] - 1]).message


def test_momentum_distance_by_hand():
    # v: 2, 0.9 * 2 + 2 = 3.8, 0.9 * 3.8 + 2 = 5.42; distance 0.1 * (2 + 3.8 + 5.42)
    assert check("scratch-ex-6", 1.122).correct
    assert "plain SGD" in check("scratch-ex-6", 0.6).message
    # averaged: v = 0.2, 0.38, 0.542 -> 0.1 * 1.122
    assert "averages" in check("scratch-ex-6", 0.1122).message
    assert "third step alone" in check("scratch-ex-6", 0.542).message
    assert not check("scratch-ex-6", 2.0).correct
    assert check("scratch-ex-6", None).verdict == "missing"
