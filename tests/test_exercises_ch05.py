"""Chapter 05's self-checks: right answers derived by hand, each mistake gets its hint."""

from __future__ import annotations

import pytest

from cnnlib.exercises import check, exercise

#: By hand, from the chapter's Numerical 1 (x1, the vertical-edge kernel).
HAND = {
    "block-ex-1": (1 + 2 + 3) - (7 + 8 + 9),           # top row minus bottom row: -18
    "block-ex-2a": 1,                                 # floor((3 - 2)/2) + 1 = 1 per axis
    "block-ex-2b": 5,                                 # row 2 and column 2: 3 + 3 - 1
    "block-ex-3": [[9, 9], [4, 4]],                   # ReLU(FM - 5) = [[0,9,7],[0,4,0],[0,2,0]]
    "block-ex-4a": 32 * (16 * 9 + 1),                 # 4,640
    "block-ex-4b": 32 * 16 * 9 * 150 * 128,           # 88,473,600
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
    assert "sign is reversed" in check("block-ex-1", 18).message
    assert "vertical-edge" in check("block-ex-1", -6).message        # Numerical 1's FM[0,0]
    assert "stride 1" in check("block-ex-2a", 4).message
    assert "count it once" in check("block-ex-2b", 6).message
    assert "bias is missing" in check("block-ex-3", [[14, 14], [9, 9]]).message
    assert "biases" in check("block-ex-4a", 32 * 16 * 9).message
    assert "150×128" in check("block-ex-4b", 32 * 16 * 9 * 300 * 256).message
    assert check("block-ex-1", None).verdict == "missing"
