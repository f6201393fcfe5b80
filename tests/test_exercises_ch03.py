"""Chapter 03's self-checks: right answers derived by hand or independently, each hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from cnnlib.data import sample_photo
from cnnlib.exercises import check, exercise


def test_composed_kernel_by_hand():
    # 3 + 3 - 1 = 5, then 5 + 3 - 1 = 7; 7 x 7 = 49 weights
    assert exercise("relu-ex-1a").answer() == 7 and check("relu-ex-1a", 7).correct
    assert exercise("relu-ex-1b").answer() == 49 and check("relu-ex-1b", 49).correct
    assert "k - 1, not k" in check("relu-ex-1a", 9).message
    assert "two layers" in check("relu-ex-1a", 5).message
    assert "three 3×3 kernels" in check("relu-ex-1b", 27).message


@pytest.fixture(scope="module")
def sobel_bias():
    """An independent computation: grey photo normalised by hand, Sobel by explicit shifts."""
    g = sample_photo(gray=True).astype(float)
    g = (g - g.mean()) / g.std()
    k = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    h, w = g.shape
    resp = sum(k[a, b] * g[a:h - 2 + a, b:w - 2 + b] for a in range(3) for b in range(3))
    return -np.quantile(resp, 0.9), -np.quantile(resp, 0.1)


def test_bias_for_ten_percent(sobel_bias):
    right, ninety = sobel_bias
    assert check("relu-ex-2", right).verdict == "right"
    assert check("relu-ex-2", round(right, 4)).verdict == "right"
    assert "90th percentile" in check("relu-ex-2", ninety).message
    assert "sign" in check("relu-ex-2", -right).message


def test_gelu_minimum_from_scipy():
    # GELU'(x) = Phi(x) + x phi(x) = 0, solved by root finding.
    x_min = brentq(lambda x: norm.cdf(x) + x * norm.pdf(x), -2, -0.1)
    assert math.isclose(x_min, -0.7518, abs_tol=1e-4)
    assert check("relu-ex-4", x_min).verdict == "right"
    assert check("relu-ex-4", round(x_min, 3)).verdict == "right"
    assert "value" in check("relu-ex-4", -0.17).message
    assert "further left" in check("relu-ex-4", 0).message
