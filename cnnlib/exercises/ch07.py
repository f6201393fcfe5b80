"""Self-checks for the exercises of *Backpropagation through convolution* (``backprop-ex-N``).

The answers are recomputed with :func:`cnnlib.conv2d_backward`,
:func:`cnnlib.numerical_gradient` and friends on the chapter's worked
example; the mistakes are the usual slips (a rotation too many, a mean for
a sum, the library's tie rule for the finite differences).
"""

from __future__ import annotations

import numpy as np

from ..backprop import full_correlation, rot180
from ..conv import conv2d_backward
from ..gradcheck import numerical_gradient
from ..pooling import max_pool2d, max_pool2d_backward
from ._core import Exercise, Mistake, register

#: The worked example of the chapter: a 3×3 input and a 2×2 kernel.
X = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]], dtype=float).reshape(1, 1, 3, 3)
K = np.array([[1, 0], [0, -1]], dtype=float).reshape(1, 1, 2, 2)
ONES = np.ones((1, 1, 2, 2))


def _grads(g: np.ndarray = ONES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gx, gk, gb = conv2d_backward(g, X, K)
    return gx[0, 0], gk[0, 0], gb


def _zero_gradient_pixels() -> int:
    """Pixels of a 5×5 input that a 2×2 stride-2 convolution never reads."""
    rng = np.random.default_rng(0)
    gx = conv2d_backward(rng.standard_normal((1, 1, 2, 2)), rng.standard_normal((1, 1, 5, 5)),
                         rng.standard_normal((1, 1, 2, 2)), stride=2)[0]
    return int((gx == 0).sum())


def _tie_differences() -> np.ndarray:
    zeros = np.zeros((1, 1, 2, 2))
    return numerical_gradient(lambda v: max_pool2d(v, 2), zeros)[0, 0]


register(
    Exercise(
        "backprop-ex-1a", "dL/dK (a 2×2 array) for the upstream gradient g = all ones.",
        lambda: _grads()[1], kind="array",
        hint="dL/dK(m, n) is the sum of g times the 2×2 block of X that offset (m, n) "
             "reads.",
        mistakes=(
            Mistake(lambda: rot180(_grads()[1]),
                    "The kernel gradient needs no rotation: dL/dK(m, n) = sum of "
                    "g(i, j) X(i + m, j + n)."),
        ),
    ),
    Exercise(
        "backprop-ex-1b", "dL/dX (a 3×3 array) for g = all ones.",
        lambda: _grads()[0], kind="array",
        hint="dL/dX is the full correlation of g with the kernel rotated by 180°.",
        mistakes=(
            Mistake(lambda: full_correlation(ONES[0, 0], K[0, 0]),
                    "Rotate the kernel by 180° before the full correlation (or use "
                    "g(p, q) - g(p-1, q-1))."),
        ),
    ),
    Exercise(
        "backprop-ex-1c", "dL/db for g = all ones.",
        lambda: float(_grads()[2][0]),
        hint="The bias is added to every output with weight 1.",
        mistakes=(
            Mistake(lambda: float(_grads()[2][0]) / ONES.size,
                    "The bias gradient is the sum of the upstream gradient, not its mean."),
        ),
    ),
    Exercise(
        "backprop-ex-2", "How many of the 25 input pixels always get zero gradient (5×5 "
                         "input, 2×2 kernel, stride 2).",
        _zero_gradient_pixels,
        hint="Which rows and columns do the windows at rows 0 and 2 (and columns 0 and 2) "
             "never reach?",
        mistakes=(
            Mistake(lambda: _zero_gradient_pixels() + 1,
                    "Pixel (4, 4) is in the last row and the last column: count it once."),
            Mistake(lambda: 0, "The windows cover rows 0-3 only: row 4 and column 4 are "
                               "never read."),
        ),
    ),
    Exercise(
        "backprop-ex-5", "What central differences report for the four inputs of a 2×2 max "
                         "pool holding four zeros (a 2×2 array, window gradient 1).",
        _tie_differences, kind="array",
        hint="Nudge one zero up by ε, then down by ε: how much does the maximum move each "
             "time?",
        mistakes=(
            Mistake(lambda: max_pool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)),
                                                2)[0, 0],
                    "That is what max_pool2d_backward returns (its tie rule); finite "
                    "differences see every tied input move the maximum."),
            Mistake(lambda: np.full((2, 2), 0.25),
                    "The gradient is not split: nudging any one zero up raises the maximum "
                    "by ε, down leaves it at 0, so each gets (ε - 0) / 2ε."),
        ),
    ),
)
