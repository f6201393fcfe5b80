"""Self-checks for the exercises of *ReLU* (labels ``relu-ex-N``)."""

from __future__ import annotations

import numpy as np

from ..activations import gelu_backward
from ..compose import compose_kernels
from ..conv import conv2d
from ..data import sample_photo
from ..images import channel_stats, normalize
from ._core import Exercise, Mistake, register

_BLUR = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16
_SOBEL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)


def _three_layers() -> np.ndarray:
    return compose_kernels(compose_kernels(_BLUR, _BLUR), _SOBEL)


def _sobel_response() -> np.ndarray:
    """The chapter's Sobel unit on the normalised grey photo, (1, 1, 598, 510)."""
    grey = sample_photo(gray=True)[None, None]
    g = normalize(grey, *channel_stats(grey, channel_axis=1), channel_axis=1)
    return conv2d(g, _SOBEL.reshape(1, 1, 3, 3))


def _bias_firing(share: float) -> float:
    return float(-np.quantile(_sobel_response(), 1 - share))


def _gelu_minimum() -> float:
    grid = np.linspace(-4, 0, 40_001)
    slope = gelu_backward(np.ones_like(grid), grid)
    return float(grid[np.argmin(np.abs(slope))])


register(
    Exercise(
        "relu-ex-1a", "The side of the single kernel equivalent to blur, blur, Sobel.",
        lambda: _three_layers().shape[0],
        hint="Composing a k₁ kernel with a k₂ kernel gives k₁ + k₂ - 1.",
        mistakes=(
            Mistake(lambda: 9, "Each composition adds k - 1, not k: 3 + 3 - 1 = 5, then "
                               "5 + 3 - 1 = 7."),
            Mistake(lambda: 5, "That is two layers; there are three."),
        ),
    ),
    Exercise(
        "relu-ex-1b", "The number of weights of that single kernel.",
        lambda: _three_layers().size,
        hint="A square kernel of side k has k² weights.",
        mistakes=(
            Mistake(lambda: 27, "That is the three 3×3 kernels together; the one kernel is "
                                "larger."),
        ),
    ),
    Exercise(
        "relu-ex-2", "The bias that makes the Sobel unit fire at 10% of the positions.",
        lambda: _bias_firing(0.10),
        hint="The unit fires where response + b > 0: -b is the value 10% of the responses "
             "exceed.",
        rtol=2e-3, atol=1e-4, close_rtol=0.03,
        mistakes=(
            Mistake(lambda: _bias_firing(0.90),
                    "That bias lets the unit fire at 90% of the positions: use the 90th "
                    "percentile, not the 10th."),
            Mistake(lambda: -_bias_firing(0.10),
                    "Check the sign: to fire less often, the bias must push the response "
                    "down."),
        ),
    ),
    Exercise(
        "relu-ex-4", "The input x where GELU is smallest (to 3 decimals).",
        _gelu_minimum,
        hint="GELU is smallest where its derivative crosses zero.",
        rtol=1e-3, atol=1e-3, close_rtol=0.02,
        mistakes=(
            Mistake(lambda: 0.0, "At 0 GELU is 0 and rising; its minimum is further left."),
            Mistake(lambda: -0.17, "That is GELU's value at its minimum; give the input."),
        ),
    ),
)
