"""Chapter 01's self-checks: right answers derived by hand, each mistake's hint."""

from __future__ import annotations

import pytest

from cnnlib.exercises import check, exercise

# Hand-derived: conv 3->32: 32(27+1) = 896; 32->32: 32(288+1) = 9,248;
# 32->64: 64(288+1) = 18,496; dense 64*8*8 = 4096 -> 128: 4096*128 + 128 = 524,416;
# 128 -> 10: 1,290.  Total 554,346.
TOTAL = 896 + 9_248 + 18_496 + 524_416 + 1_290
HAND = {
    "images-ex-1a": 554_346,
    "images-ex-2a": 2048 * 49 * 1000 + 1000,     # 100,353,000
    "images-ex-2b": 2048 * 1000 + 1000,          # 2,049,000
    "images-ex-3": 1,                            # stride 2: 2 input pixels = 1 output pixel
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_right_answers(key):
    assert exercise(key).answer() == HAND[key]
    assert check(key, HAND[key]).verdict == "right"


def test_fraction_of_the_largest_layer():
    assert TOTAL == 554_346
    assert check("images-ex-1b", 524_416 / TOTAL).verdict == "right"
    assert check("images-ex-1b", 0.946).verdict == "right"             # rounded as printed
    assert "not a percentage" in check("images-ex-1b", 94.6).message


def test_hints_name_the_mistake():
    no_bias = 864 + 9_216 + 18_432 + 524_288 + 1_280
    assert "biases" in check("images-ex-1a", no_bias).message
    one_pool_missing = TOTAL - 524_416 + (64 * 16 * 16 * 128 + 128)
    assert "halve 32×32 twice" in check("images-ex-1a", one_pool_missing).message
    assert "biases" in check("images-ex-2a", 100_352_000).message
    assert "after averaging" in check("images-ex-2a", 2_049_000).message
    assert "biases" in check("images-ex-2b", 2_048_000).message
    assert "divide the shift by the stride" in check("images-ex-3", 2).message
    assert check("images-ex-3", None).verdict == "missing"
