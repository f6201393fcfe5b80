"""cnnlib.exercises: each check accepts the right answer and names the usual mistakes.

The right answers below are derived by hand, independently of the
recomputation the checker does; each mistake's hint must be what a reader
who makes that mistake sees.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from cnnlib import exercises as ex
from cnnlib.exercises import Exercise, Mistake, ch02, check, exercise

#: Hand-derived: o = floor((i + 2p - d(k-1) - 1)/s) + 1; parameters C_out (C_in k^2 + 1).
HAND = {
    "conv-ex-2a": 24,          # 28 - 5 + 1
    "conv-ex-2b": 14,          # floor((28 + 4 - 5)/2) + 1 = 13 + 1
    "conv-ex-2c": 2,           # 28 + 2p - 5 + 1 = 28
    "conv-ex-2d": 2,           # span 5: 28 + 2p - 5 + 1 = 28
    "conv-ex-4a": 896,         # 32 (3*9 + 1)
    "conv-ex-4b": 18_496,      # 64 (32*9 + 1)
    "conv-ex-4c": 18_432,      # 64 * 32 * 9
    "conv-ex-4d": 18_496,      # independent of the image size
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_right_answer_from_hand_derivation(key):
    assert exercise(key).answer() == HAND[key]
    assert check(key, HAND[key]).verdict == "right"


@pytest.mark.parametrize("key", ex.exercises())
def test_every_mistake_is_wrong_and_gets_its_own_hint(key):
    item = exercise(key)
    right = np.asarray(item.answer(), dtype=float)
    for mistake in item.mistakes:
        wrong = mistake.value()
        assert not np.allclose(np.asarray(wrong, dtype=float), right, rtol=item.rtol,
                               atol=item.atol), (key, mistake.hint)
        feedback = check(key, wrong)
        assert feedback.verdict == "wrong" and feedback.message == mistake.hint


def test_exercise_1_by_hand():
    # left column minus right column of each 3x3 window: (1+0+2)-(0+3+1) = -1,
    # (2+1+3)-(1+1+0) = 4, (0+3+1)-(1+0+2) = 1
    assert check("conv-ex-1", [-1, 4, 1]).correct
    assert "flipped kernel" in check("conv-ex-1", [1, -4, -1]).message
    assert "shape (3,)" in check("conv-ex-1", [[-1, 4, 1]]).message


def test_specific_hints_a_reader_sees():
    assert "both sides" in check("conv-ex-2b", 13).message      # padding counted once
    assert "+ 1" in check("conv-ex-2a", 23).message
    assert "image size does not enter" in check("conv-ex-4b", 18_496 * 256).message
    assert "Round the division down" in check("conv-ex-2b", 14.5).message


def test_missing_wrong_type_shape_and_close():
    assert check("conv-ex-2a", None).verdict == "missing"
    assert "28×28" in repr(check("conv-ex-2a", None))
    assert check("conv-ex-2a", "24").verdict == "wrong"
    assert "a single number" in check("conv-ex-2a", [24, 24]).message
    assert check("conv-ex-4b", 18_500).verdict == "close"
    assert check("conv-ex-4b", 20_000).message == exercise("conv-ex-4b").hint


def test_unknown_key_lists_the_chapters_exercises():
    with pytest.raises(KeyError, match="conv-ex-2a"):
        check("conv-ex-99", 1)


def test_feedback_renders_as_html_and_text():
    fb = check("conv-ex-2a", 24)
    assert fb.correct and repr(fb).startswith("✓ Right (conv-ex-2a)")
    assert 'role="status"' in fb._repr_html_() and "cnnlib-check-right" in fb._repr_html_()


def test_function_answers_are_called_on_probes():
    item = Exercise("test-ex-f", "a function", lambda: (lambda a: a * 2), kind="function",
                    probes=lambda: [(np.arange(3.0),), (np.ones((2, 2)),)], hint="double it")
    ex.register(item)
    try:
        assert check("test-ex-f", lambda a: a + a).verdict == "right"
        assert check("test-ex-f", lambda a: a).message == "double it"
        raised = check("test-ex-f", lambda a: a[5])
        assert "raised IndexError" in raised.message and "shape (3,)" in raised.details[0]
        assert check("test-ex-f", 3).verdict == "wrong"
    finally:
        ex._core._REGISTRY.pop("test-ex-f")


def test_registry_refuses_duplicates_and_bad_kinds():
    with pytest.raises(ValueError, match="registered twice"):
        ex.register(exercise("conv-ex-2a"))
    with pytest.raises(ValueError, match="kind must be"):
        Exercise("x", "q", lambda: 1, kind="text")
    assert isinstance(exercise("conv-ex-2b").mistakes[0], Mistake)


def test_solutions_are_recomputed_not_stored():
    # No multi-digit answer appears as a literal in the chapter's checker.
    source = inspect.getsource(ch02).replace("_", "")
    for value in {v for v in HAND.values() if v >= 100}:
        assert str(value) not in source
