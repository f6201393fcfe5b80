"""Chapter 06's self-checks: right answers derived by hand, each mistake gets its hint."""

from __future__ import annotations

import pytest

from cnnlib.exercises import check, exercise

HAND = {
    # r: 1 + 4*1 = 5, + 1*1 = 6, + 2*2 = 10, + 1*2 = 12; j = 2 * 2 = 4
    "rf-ex-1": (12, 4),
    "rf-ex-2a": 112,          # r = 1 + 2n >= 224 -> n = 112 (r = 225)
    # jumps 1,1,2,2,4,4,8,8,16,16,32: r = 3,5,9,13,21,29,45,61,93,125,189,253
    "rf-ex-2b": 12,
    "rf-ex-3": 2 * (4 + 8 + 16),  # 56
    "rf-ex-4": 7 * 7,         # 7 even offsets of 13 along each axis
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_right_answers(key):
    assert check(key, HAND[key]).verdict == "right"


@pytest.mark.parametrize("key", sorted(HAND))
def test_every_mistake_is_wrong_with_its_own_hint(key):
    for mistake in exercise(key).mistakes:
        feedback = check(key, mistake.value())
        assert feedback.verdict == "wrong" and feedback.message == mistake.hint


def test_hints_a_reader_sees():
    assert "times the jump" in check("rf-ex-1", (9, 4)).message   # 1 + 4 + 1 + 2 + 1
    assert "product of all strides" in check("rf-ex-1", (12, 2)).message
    assert "223" in check("rf-ex-2a", 111).message
    assert "2j, not j" in check("rf-ex-3", 28).message
    assert "holes" in check("rf-ex-4", 169).message
    assert "shape" in check("rf-ex-1", 12).message                # a tuple is expected
