"""Self-checks for the exercises of *Pooling* (labels ``pool-ex-N``)."""

from __future__ import annotations

import numpy as np

from ..conv import conv_output_size
from ..pooling import (
    avg_pool2d,
    avg_pool2d_backward,
    global_avg_pool2d,
    max_pool2d,
    max_pool2d_backward,
)
from ._core import Exercise, Mistake, register

#: The chapter's second and third 4×4 maps (the exercises' givens).
FMAP_B = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [1, 2, 3, 0], [0, 1, 1, 4]],
                  dtype=float).reshape(1, 1, 4, 4)
FMAP_C = np.array([[1, 3, 8, 2], [4, 2, 1, 0], [5, 6, 7, 3], [1, 2, 4, 9]],
                  dtype=float).reshape(1, 1, 4, 4)
_ONES = np.ones((1, 1, 2, 2))

register(
    Exercise(
        "pool-ex-1a", "Output size of 3×3 max pooling, stride 2, on a 7×7 map, no padding.",
        lambda: conv_output_size(7, 3, stride=2),
        hint="Use floor((H + 2p - k) / s) + 1.",
        mistakes=(
            Mistake(lambda: conv_output_size(7, 3),
                    "That is stride 1: the stride divides the distance the window travels."),
            Mistake(lambda: conv_output_size(7, 3, stride=2) - 1,
                    "One too few: the + 1 counts the first window."),
            Mistake(lambda: conv_output_size(7, 3, stride=2, padding=1),
                    "That is with padding 1; this part has none."),
        ),
    ),
    Exercise(
        "pool-ex-1b", "The same with padding 1.",
        lambda: conv_output_size(7, 3, stride=2, padding=1),
        hint="Padding 1 adds a row on each side: H + 2p.",
        mistakes=(
            Mistake(lambda: conv_output_size(7, 3, stride=2),
                    "That ignores the padding: it adds one row at each end."),
        ),
    ),
    Exercise(
        "pool-ex-2a", "The 2×2 average-pooled second map, as a 2×2 array.",
        lambda: avg_pool2d(FMAP_B, 2)[0, 0], kind="array",
        hint="Each output is the mean of its 2×2 window: the window's sum divided by 4.",
        mistakes=(
            Mistake(lambda: max_pool2d(FMAP_B, 2)[0, 0],
                    "Those are the windows' maxima: average pooling keeps the mean."),
            Mistake(lambda: 4 * avg_pool2d(FMAP_B, 2)[0, 0],
                    "Those are the windows' sums: divide each by the 4 inputs."),
        ),
    ),
    Exercise(
        "pool-ex-2b", "The second map's global average.",
        lambda: float(global_avg_pool2d(FMAP_B)[0, 0]),
        hint="The mean of all 16 values, or of the four window means.",
        mistakes=(
            Mistake(lambda: float(FMAP_B.sum()), "That is the sum: divide by the 16 inputs."),
        ),
    ),
    Exercise(
        "pool-ex-3a", "dL/dx of 2×2 max pooling of the third map for dL/dy = 1, a 4×4 array.",
        lambda: max_pool2d_backward(_ONES, FMAP_C, 2)[0, 0], kind="array",
        hint="Each window's gradient goes to its largest input; the other three get 0.",
        mistakes=(
            Mistake(lambda: avg_pool2d_backward(_ONES, FMAP_C, 2)[0, 0],
                    "That is average pooling's routing: max pooling sends everything to the "
                    "winner."),
            Mistake(lambda: max_pool2d_backward(_ONES, FMAP_C, 2)[0, 0] * FMAP_C[0, 0],
                    "The winners receive the upstream gradient (1), not their own value."),
        ),
    ),
    Exercise(
        "pool-ex-3b", "dL/dx of 2×2 average pooling of the third map for dL/dy = 1.",
        lambda: avg_pool2d_backward(_ONES, FMAP_C, 2)[0, 0], kind="array",
        hint="Every input of a window receives 1/k² of the window's gradient.",
        mistakes=(
            Mistake(lambda: np.ones((4, 4)),
                    "Divide by the window's 4 inputs: each receives a quarter."),
        ),
    ),
)
