"""Chapter 12 (Architectures)'s self-checks: right answers derived by hand, each mistake's hint."""

from __future__ import annotations

from cnnlib.exercises import check


def test_three_3x3_against_one_7x7_by_hand():
    # 3 * 9 C^2 / (49 C^2) = 27/49
    assert check("arch-ex-1", 27 / 49).correct
    assert check("arch-ex-1", 0.551).correct
    assert "upside down" in check("arch-ex-1", 49 / 27).message
    assert "one 3×3 layer" in check("arch-ex-1", 9 / 49).message
    assert "k²" in check("arch-ex-1", 9 / 7).message


def test_depthwise_separable_fraction_by_hand():
    # 1/C_out + 1/k^2 with C_out = 256, k = 5
    assert check("arch-ex-2", 1 / 256 + 1 / 25).correct
    assert check("arch-ex-2", 0.0439).correct
    assert "3×3 ratio" in check("arch-ex-2", 1 / 256 + 1 / 9).message
    assert "256 output" in check("arch-ex-2", 1 / 128 + 1 / 25).message
    assert "pointwise" in check("arch-ex-2", 1 / 25).message
    assert "saving" in check("arch-ex-2", 1 / (1 / 256 + 1 / 25)).message


def test_mac_growth_with_the_input_by_hand():
    # positions grow by (320/224)^2 = (10/7)^2 = 100/49; the head's MACs do not grow,
    # so the exact ratio is a little below, within the 0.2 % the check allows.
    assert check("arch-ex-3", 100 / 49).correct
    assert check("arch-ex-3", 2.04).correct
    assert "square" in check("arch-ex-3", 320 / 224).message
    assert "more positions" in check("arch-ex-3", 1).message
    assert not check("arch-ex-3", 4).correct
