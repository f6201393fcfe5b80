"""cnnlib.conv_arithmetic: kernel positions counted by sliding; Dumoulin & Visin's relationships.

Expected positions are hand-derived; the relationships are checked against
the output shapes of ``conv2d`` and against the SciPy-based reference
``out_size`` of ``reference.py``, which share no code with the formulas.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlib import conv2d, conv_output_size
from cnnlib.conv_arithmetic import RELATIONSHIPS, window_starts, window_taps
from reference import out_size


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((5, 3), [0, 1, 2]),                       # 5 - 3 + 1 = 3 positions
        ((5, 3, 1, 1), [0, 1, 2, 3, 4]),           # padding 1 keeps 5
        ((7, 3, 2), [0, 2, 4]),
        ((8, 3, 2), [0, 2, 4]),                    # a start at 6 would need cell 8
        ((7, 3, 1, 0, 2), [0, 1, 2]),              # span 2*(3-1)+1 = 5
        ((3, 4), []),                              # does not fit
        ((1, 1), [0]),
    ],
)
def test_window_starts_by_hand(args, expected):
    assert window_starts(*args).tolist() == expected


def test_window_taps_spread_by_dilation():
    # Starts 0 and 3 (stride 3), taps d = 2 apart: 0, 2, 4 and 3, 5, 7; padded length 9.
    assert window_taps(5, 3, stride=3, padding=2, dilation=2).tolist() == [[0, 2, 4],
                                                                          [3, 5, 7]]
    assert window_taps(3, 4).shape == (0, 4)


def test_bad_arguments_name_the_function():
    with pytest.raises(ValueError, match="window_starts: stride must be positive, got 0"):
        window_starts(5, 3, stride=0)
    with pytest.raises(ValueError, match="window_starts: padding must be >= 0"):
        window_starts(5, 3, padding=-1)
    with pytest.raises(TypeError, match="window_starts: size must be an int"):
        window_starts(5.0, 3)


@given(i=st.integers(1, 30), k=st.integers(1, 7), s=st.integers(1, 5), p=st.integers(0, 6),
       d=st.integers(1, 4))
def test_counting_positions_agrees_with_the_formula(i, k, s, p, d):
    taps = window_taps(i, k, s, p, d)
    if d * (k - 1) + 1 > i + 2 * p:
        assert len(taps) == 0
        with pytest.raises(ValueError):
            conv_output_size(i, k, s, p, d)
        return
    assert len(taps) == conv_output_size(i, k, s, p, d) == out_size(i, k, s, p, p, d)
    assert taps.min() == 0 and taps.max() < i + 2 * p
    assert np.all(np.diff(taps, axis=1) == d) and np.all(np.diff(taps[:, 0]) == s)


def test_relationships_are_numbered_as_in_the_guide():
    assert [r.number for r in RELATIONSHIPS] == [1, 2, 3, 4, 5, 6, 15]
    assert "dilated" in repr(RELATIONSHIPS[-1])


def test_every_relationship_matches_conv2d_on_every_setting_it_covers():
    covered = dict.fromkeys((r.number for r in RELATIONSHIPS), 0)
    for i, k, s, p, d in itertools.product(range(1, 10), range(1, 5), range(1, 4), range(0, 4),
                                           range(1, 3)):
        if d * (k - 1) + 1 > i + 2 * p:
            continue
        # Non-square on purpose: the height uses (i, k), the width a different setting.
        x = np.zeros((1, 1, i, i + 1))
        w = np.zeros((1, 1, k, 1))
        height = conv2d(x, w, stride=(s, 1), padding=(p, 0), dilation=(d, 1)).shape[2]
        for rel in RELATIONSHIPS:
            if rel.applies(i, k, s, p, d):
                covered[rel.number] += 1
                assert rel.output(i, k, s, p, d) == height, (rel, i, k, s, p, d)
    assert all(count > 0 for count in covered.values()), covered


def test_relationship_conditions():
    rel = {r.number: r for r in RELATIONSHIPS}
    assert rel[3].applies(9, 3, 1, 1, 1) and not rel[3].applies(9, 4, 1, 2, 1)   # k even
    assert rel[4].applies(9, 3, 1, 2, 1) and not rel[4].applies(9, 3, 1, 1, 1)
    assert not rel[6].applies(9, 3, 1, 1, 2)        # dilation needs relationship 15
    # Full padding grows the output: 9 + (3 - 1) = 11.
    assert rel[4].output(9, 3, 1, 2, 1) == 11
