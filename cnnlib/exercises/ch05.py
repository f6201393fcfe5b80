"""Self-checks for the exercises of *One CNN block* (labels ``block-ex-N``).

Every answer is recomputed with cnnlib from the chapter's small inputs; the
recognised mistakes are recomputed the way the mistake makes them.
"""

from __future__ import annotations

import numpy as np

from ..activations import relu
from ..conv import conv2d, conv_output_size
from ..counting import conv2d_macs, conv2d_parameters
from ..pooling import avg_pool2d_backward, max_pool2d
from ._core import Exercise, Mistake, register

#: Numerical 1 of the chapter: the 5×5 input and the vertical-edge kernel.
X1 = np.array([[1, 2, 3, 0, 1],
               [4, 5, 6, 1, 2],
               [7, 8, 9, 0, 3],
               [2, 1, 0, 4, 5],
               [6, 3, 2, 1, 0]], dtype=float).reshape(1, 1, 5, 5)
EDGE = np.array([[1, 0, -1]] * 3, dtype=float).reshape(1, 1, 3, 3)
HORIZONTAL = EDGE.transpose(0, 1, 3, 2)


def _fm00(weight: np.ndarray) -> float:
    return float(conv2d(X1, weight)[0, 0, 0, 0])


def _block(bias: float) -> np.ndarray:
    fmap = relu(conv2d(X1, EDGE, bias=np.array([bias])))
    return max_pool2d(fmap, kernel_size=2, stride=1)[0, 0]


def _unseen() -> int:
    """Cells of the 3×3 map that get no gradient from a 2×2 stride-2 average pool."""
    grad = avg_pool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 3, 3)), 2, 2)
    return int((grad == 0).sum())


register(
    Exercise(
        "block-ex-1", "FM[0,0] of the horizontal-edge kernel (+1 top row, -1 bottom row) on "
                      "Numerical 1's input.",
        lambda: _fm00(HORIZONTAL),
        hint="Top row of the first 3×3 patch minus its bottom row.",
        mistakes=(
            Mistake(lambda: -_fm00(HORIZONTAL),
                    "The sign is reversed: the kernel adds the top row and subtracts the "
                    "bottom one, and cross-correlation does not flip it."),
            Mistake(lambda: _fm00(EDGE),
                    "That is the vertical-edge answer of Numerical 1: transpose the kernel."),
        ),
    ),
    Exercise(
        "block-ex-2a", "How many outputs a 2×2 max pool of stride 2 gives on the 3×3 ReLU "
                       "map.",
        lambda: conv_output_size(3, kernel_size=2, stride=2) ** 2,
        hint="o = floor((i - k) / s) + 1 along each axis; the outputs are o × o.",
        mistakes=(
            Mistake(lambda: conv_output_size(3, kernel_size=2, stride=1) ** 2,
                    "That is the count for stride 1 (or for rounding up): a window that "
                    "would stick out past the map is not used."),
        ),
    ),
    Exercise(
        "block-ex-2b", "How many of the 9 cells of the 3×3 map no window looks at.",
        lambda: _unseen(),
        hint="Find the one window's cells; the others are never looked at.",
        mistakes=(
            Mistake(lambda: 9 - _unseen() + 2,
                    "The corner cell lies in the last row and the last column: count it "
                    "once."),
            Mistake(lambda: 9 - _unseen(), "That is how many cells the window does see."),
        ),
    ),
    Exercise(
        "block-ex-3", "The pooled 2×2 output (an array) of Numerical 1 with a bias of -5.",
        lambda: _block(-5.0), kind="array",
        hint="Subtract 5 from every feature-map value, apply ReLU, then pool 2×2 with "
             "stride 1.",
        mistakes=(
            Mistake(lambda: _block(0.0), "The bias is missing: subtract 5 before the ReLU."),
            Mistake(lambda: _block(5.0),
                    "The bias is -5: it lowers every value, it does not raise it."),
        ),
    ),
    Exercise(
        "block-ex-4a", "Parameters of the third block's convolution (16 to 32 channels, 3×3).",
        lambda: conv2d_parameters(16, 32, 3),
        hint="C_out × (C_in × kh × kw + 1).",
        mistakes=(
            Mistake(lambda: conv2d_parameters(16, 32, 3, bias=False),
                    "Add the biases: one per output channel."),
            Mistake(lambda: conv2d_parameters(1, 32, 3),
                    "Each kernel spans all 16 input channels."),
            Mistake(lambda: conv2d_parameters(8, 32, 3),
                    "The third convolution reads the second block's 16 channels, not 8."),
        ),
    ),
    Exercise(
        "block-ex-4b", "Multiply-accumulates of the third block's convolution.",
        lambda: conv2d_macs(16, 32, 3, output_size=(150, 128)),
        hint="C_out × C_in × kh × kw × H_out × W_out; the convolution keeps its input's "
             "grid.",
        mistakes=(
            Mistake(lambda: conv2d_macs(16, 32, 3, output_size=(300, 256)),
                    "The second block's pool halved the grid: the third convolution works "
                    "on 150×128 positions."),
            Mistake(lambda: conv2d_macs(16, 32, 3, output_size=(75, 64)),
                    "The convolution runs before its pool: count its 150×128 outputs."),
        ),
    ),
)
