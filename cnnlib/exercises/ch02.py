"""Self-checks for the exercises of *Convolution* (labels ``conv-ex-N``)."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d, conv_output_size
from ..counting import conv2d_parameters
from ._core import Exercise, Mistake, register

_PLUS_ONE = "That is one too few: the output has a + 1 -- the first window counts too."

#: Exercise 1's 3×5 image and the vertical-edge kernel (its givens).
WIDE = np.array([[1, 2, 0, 1, 1], [0, 1, 3, 1, 0], [2, 3, 1, 0, 2]],
                dtype=float).reshape(1, 1, 3, 5)
EDGE = np.array([[1, 0, -1]] * 3, dtype=float).reshape(1, 1, 3, 3)

register(
    Exercise(
        "conv-ex-1", "The outputs of the vertical-edge kernel on the 3×5 image, as a list "
                     "[a, b, c].",
        lambda: conv2d(WIDE, EDGE)[0, 0, 0], kind="array",
        hint="Each output is the left column of its 3×3 window minus the right column.",
        mistakes=(
            Mistake(lambda: -conv2d(WIDE, EDGE)[0, 0, 0],
                    "The signs are reversed: that is the flipped kernel (textbook "
                    "convolution). Deep learning's convolution does not flip."),
        ),
    ),
    Exercise(
        "conv-ex-2a", "The output size of a 5×5 convolution on 28×28, no padding, stride 1.",
        lambda: conv_output_size(28, 5),
        hint="Use o = (i + 2p - k) / s + 1, rounded down.",
        mistakes=(
            Mistake(lambda: conv_output_size(28, 5) - 1, _PLUS_ONE),
            Mistake(lambda: 28, "Without padding the output shrinks: the kernel must fit "
                                "inside the image."),
        ),
    ),
    Exercise(
        "conv-ex-2b", "The output size with padding 2 and stride 2.",
        lambda: conv_output_size(28, 5, stride=2, padding=2),
        hint="Use o = floor((i + 2p - k) / s) + 1.",
        mistakes=(
            Mistake(lambda: conv_output_size(28, 5, stride=2, padding=1),
                    "Padding is added on both sides: 2p, not p."),
            Mistake(lambda: conv_output_size(28, 5, padding=2),
                    "That is the size at stride 1: the stride divides."),
            Mistake(lambda: (28 + 4 - 5) / 2 + 1,
                    "Round the division down: a window that would stick out is not used."),
        ),
    ),
    Exercise(
        "conv-ex-2c", "The padding (per side) that keeps 28×28 at stride 1 with a 5×5 kernel.",
        lambda: next(p for p in range(10) if conv_output_size(28, 5, padding=p) == 28),
        hint="At stride 1 the output is i + 2p - k + 1: solve for p.",
        mistakes=(
            Mistake(lambda: 4, "That is the total; padding is given per side."),
        ),
    ),
    Exercise(
        "conv-ex-2d", "The padding that keeps 28×28 for a 3×3 kernel with dilation 2.",
        lambda: next(p for p in range(10)
                     if conv_output_size(28, 3, padding=p, dilation=2) == 28),
        hint="A dilated kernel spans d(k - 1) + 1 pixels; pad half of span - 1 per side.",
        mistakes=(
            Mistake(lambda: 1, "That keeps the size of an undilated 3×3 kernel; dilation 2 "
                               "spreads its taps over 5 pixels."),
        ),
    ),
    Exercise(
        "conv-ex-4a", "Parameters of Conv2d(3, 32, kernel_size=3, padding=1).",
        lambda: conv2d_parameters(3, 32, 3),
        hint="Each of the C_out filters has C_in × kh × kw weights, plus one bias.",
        mistakes=(
            Mistake(lambda: conv2d_parameters(3, 32, 3, bias=False),
                    "Add the biases: one per output channel."),
            Mistake(lambda: 32 * 9 + 32, "Each filter spans all 3 input channels."),
        ),
    ),
    Exercise(
        "conv-ex-4b", "Parameters of Conv2d(32, 64, kernel_size=3, padding=1) on a 16×16 input.",
        lambda: conv2d_parameters(32, 64, 3),
        hint="C_out × (C_in × kh × kw + 1).",
        mistakes=(
            Mistake(lambda: conv2d_parameters(32, 64, 3, bias=False),
                    "Add the biases: one per output channel."),
            Mistake(lambda: conv2d_parameters(32, 64, 3) * 16 * 16,
                    "The image size does not enter: the same filters slide over every "
                    "position."),
        ),
    ),
    Exercise(
        "conv-ex-4c", "The same layer's parameters without biases.",
        lambda: conv2d_parameters(32, 64, 3, bias=False),
        hint="C_out × C_in × kh × kw.",
    ),
    Exercise(
        "conv-ex-4d", "The same layer's parameters if its input were 64×64.",
        lambda: conv2d_parameters(32, 64, 3),
        hint="What in the count depends on the image?",
        mistakes=(
            Mistake(lambda: conv2d_parameters(32, 64, 3) * 16,
                    "The image size does not enter: weight sharing means the same filters "
                    "at every position."),
        ),
    ),
)
