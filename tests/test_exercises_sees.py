"""cnnlib.exercises.sees: the self-checks of *What a trained CNN sees*.

Right answers are derived by hand below; each recognised mistake must get
its own hint.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.exercises import check, exercise, exercises

#: sees-ex-1: r = 3, then + (2 - 1) * 1 = 4 (jump 2), then + (3 - 1) * 2 = 8.
#: sees-ex-2: alpha = (mean G_0, mean G_1) = (4/4, -4/4) = (1, -1);
#:            ReLU(A_0 - A_1) = ReLU([[1, -2], [1, 0]]) = [[1, 0], [1, 0]].
#: sees-ex-3: 0.1 * ||(1, -2, 0.5, 3) - (-1, 1, 0.5, 1)||_1 = 0.1 * (2 + 3 + 0 + 2).
HAND = {
    "sees-ex-1": 8,
    "sees-ex-2": np.array([[1.0, 0.0], [1.0, 0.0]]),
    "sees-ex-3": 0.7,
}


def test_the_chapter_registers_its_exercises():
    assert exercises("sees-") == sorted(HAND)


@pytest.mark.parametrize("key", sorted(HAND))
def test_right_answer_from_hand_derivation(key):
    np.testing.assert_allclose(exercise(key).answer(), HAND[key], rtol=1e-12, atol=1e-12)
    assert check(key, HAND[key]).verdict == "right"


@pytest.mark.parametrize("key", sorted(HAND))
def test_every_mistake_is_wrong_and_gets_its_own_hint(key):
    item = exercise(key)
    assert item.mistakes
    hints = set()
    for mistake in item.mistakes:
        wrong = mistake.value()
        assert not np.allclose(np.asarray(wrong, dtype=float), HAND[key])
        feedback = check(key, wrong)
        assert feedback.verdict == "wrong" and feedback.message == mistake.hint
        hints.add(mistake.hint)
    assert len(hints) == len(item.mistakes)


def test_the_mistakes_a_reader_makes_by_hand():
    # Two 3x3 convolutions without the pooling: 3 + 2 = 5.
    assert "max-pooling" in check("sees-ex-1", 5).message
    # Pooling counted but its stride ignored: 3 + 1 + 2 = 6.
    assert "2 input pixels apart" in check("sees-ex-1", 6).message
    # No ReLU: A_0 - A_1 as it is.
    assert "ReLU" in check("sees-ex-2", [[1, -2], [1, 0]]).message
    # Sums instead of means: alpha = (4, -4).
    assert "mean" in check("sees-ex-2", [[4, 0], [4, 0]]).message
    # Position by position: ReLU(G_0 A_0 + G_1 A_1) = ReLU([[2, -2], [2, -1]]).
    assert "pool the gradient first" in check("sees-ex-2", [[2, 0], [2, 0]]).message
    # L2 norm: 0.1 * sqrt(4 + 9 + 0 + 4).
    assert "L1 norm" in check("sees-ex-3", 0.1 * np.sqrt(17)).message
    # Signed sum: 0.1 * (2 - 3 + 0 + 2).
    assert "absolute values" in check("sees-ex-3", 0.1).message


def test_missing_shape_and_other_wrong_answers():
    assert check("sees-ex-2", None).verdict == "missing"
    assert "shape (2, 2)" in check("sees-ex-2", [1, 0, 1, 0]).message
    assert check("sees-ex-3", 0.705).verdict == "close"
    assert check("sees-ex-3", 3.0).message == exercise("sees-ex-3").hint
