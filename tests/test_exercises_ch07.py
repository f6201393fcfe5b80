"""Chapter 07's self-checks: right answers derived by hand, each mistake gets its hint."""

from __future__ import annotations

import pytest

from cnnlib.exercises import check, exercise

HAND = {
    # g = ones: each weight's gradient is the sum of the 2x2 block it reads
    "backprop-ex-1a": [[1 + 2 + 0 + 1, 2 + 0 + 1 + 3], [0 + 1 + 2 + 1, 1 + 3 + 1 + 1]],
    # dL/dX(p, q) = g(p, q) - g(p-1, q-1), g = 1 on the 2x2 grid and 0 outside
    "backprop-ex-1b": [[1, 1, 0], [1, 0, -1], [0, -1, -1]],
    "backprop-ex-1c": 4,
    "backprop-ex-2": 5 + 5 - 1,   # row 4 and column 4
    "backprop-ex-5": [[0.5, 0.5], [0.5, 0.5]],
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_right_answers(key):
    assert check(key, HAND[key]).verdict in ("right", "close")
    assert check(key, HAND[key]).correct or key == "backprop-ex-5"


def test_finite_differences_answer_is_right_within_tolerance():
    # central differences give 0.5 up to ~1e-10
    assert check("backprop-ex-5", HAND["backprop-ex-5"]).verdict == "right"


@pytest.mark.parametrize("key", sorted(HAND))
def test_every_mistake_is_wrong_with_its_own_hint(key):
    for mistake in exercise(key).mistakes:
        feedback = check(key, mistake.value())
        assert feedback.verdict == "wrong" and feedback.message == mistake.hint


def test_hints_a_reader_sees():
    assert "no rotation" in check("backprop-ex-1a", [[6, 4], [6, 4]]).message
    assert "Rotate" in check("backprop-ex-1b", [[-1, -1, 0], [-1, 0, 1], [0, 1, 1]]).message
    assert "not its mean" in check("backprop-ex-1c", 1).message
    assert "count it once" in check("backprop-ex-2", 10).message
    assert "tie rule" in check("backprop-ex-5", [[1, 0], [0, 0]]).message
