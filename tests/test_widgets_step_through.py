"""The step-through widgets: each step's record, the output filling in, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.widgets import conv_step_through, pool_step_through

X = np.array([[1, 2, 3, 0, 1],
              [4, 5, 6, 1, 2],
              [7, 8, 9, 0, 3],
              [2, 1, 0, 4, 5],
              [6, 3, 2, 1, 0]])
EDGE = np.array([[1, 0, -1]] * 3)


def test_conv_steps_walk_row_major_and_match_the_hand_values():
    # Seed 000's numerical 1: left column minus right column of each 3x3 patch.
    widget = conv_step_through(X, EDGE)
    values = [widget.show(k).value for k in range(9)]
    assert values == [-6, 14, 12, -2, 9, 5, 4, 7, 3]
    assert (widget.show(4).row, widget.show(4).col) == (1, 1)


def test_output_fills_in_up_to_the_current_step():
    widget = conv_step_through(X, EDGE)
    widget.slider.value = 2              # the slider drives show()
    shown = widget.output_grid.image.get_array()
    assert shown.mask.ravel().tolist() == [False] * 3 + [True] * 6
    assert "= 12" in widget.text.value


def test_padding_shows_the_window_on_the_padded_input():
    widget = conv_step_through(X, EDGE, padding=1)
    first = widget.show(0)
    assert first.input_rows.tolist() == [-1, 0, 1]
    # The +1 column lies on padding (zeros) and the 0 column on x[:, 0]; the -1 column
    # covers x[0, 1] = 2 and x[1, 1] = 5 (its top cell is padding).
    assert first.value == -(2 + 5)


def test_pool_steps_take_each_windows_maximum():
    widget = pool_step_through(np.maximum(X, 0), 2, stride=2)
    assert [widget.show(k).value for k in range(4)] == [5, 6, 8, 9]


@pytest.mark.parametrize("step", [-1, 9])
def test_step_out_of_range_is_a_value_error(step):
    with pytest.raises(ValueError, match="step"):
        conv_step_through(X, EDGE).show(step)


def test_multichannel_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="one channel"):
        conv_step_through(np.zeros((1, 3, 5, 5)), EDGE)
    with pytest.raises(ValueError, match="mode"):
        pool_step_through(X, 2, mode="median")
