"""Self-checks for the exercises of *Images as tensors* (labels ``images-ex-N``)."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d, conv_output_size
from ..counting import conv2d_parameters, linear_parameters
from ..images import translate
from ._core import Exercise, Mistake, register


def _small_cnn(flat_side: int = 8, bias: bool = True) -> list[int]:
    """Parameters per layer of exercise 1's network (flattened map flat_side²×64)."""
    return [conv2d_parameters(3, 32, 3, bias=bias), conv2d_parameters(32, 32, 3, bias=bias),
            conv2d_parameters(32, 64, 3, bias=bias),
            linear_parameters(64 * flat_side * flat_side, 128, bias=bias),
            linear_parameters(128, 10, bias=bias)]


def _flat_side() -> int:
    # padding 1 keeps 32; two 2x2 poolings halve it twice
    side = conv_output_size(32, 3, padding=1)
    return conv_output_size(conv_output_size(side, 2, stride=2), 2, stride=2)


def _output_shift(shift: int, stride: int = 2) -> int:
    """The output shift k with conv(translate(x, s)) = translate(conv(x), k), found by trying."""
    x = np.random.default_rng(0).standard_normal((1, 1, 16, 16))
    w = np.random.default_rng(1).standard_normal((1, 1, 3, 3))
    base = conv2d(x, w, stride=stride, padding=1)
    moved = conv2d(translate(x, (0, shift)), w, stride=stride, padding=1)
    for k in range(shift + 1):
        if np.allclose((moved - translate(base, (0, k)))[..., 2:-2, 2:-2], 0, atol=1e-12):
            return k
    raise ValueError(f"_output_shift: no output shift matches an input shift of {shift}")


_POOL = ("The two poolings halve 32×32 twice: the dense layer reads 64 × 8 × 8 = 4,096 "
         "numbers.")

register(
    Exercise(
        "images-ex-1a", "The total number of parameters of the small CNN (biases included).",
        lambda: sum(_small_cnn(_flat_side())),
        hint="Add up every layer: a convolution has C_out (C_in k² + 1), a dense layer "
             "in × out + out, pooling none.",
        mistakes=(
            Mistake(lambda: sum(_small_cnn(_flat_side(), bias=False)),
                    "Add the biases: one per filter and one per dense unit."),
            Mistake(lambda: sum(_small_cnn(32)), _POOL),
            Mistake(lambda: sum(_small_cnn(16)), _POOL),
        ),
    ),
    Exercise(
        "images-ex-1b", "The fraction of all parameters held by the largest layer (e.g. 0.5).",
        lambda: max(_small_cnn(_flat_side())) / sum(_small_cnn(_flat_side())),
        hint="Find the largest layer, then divide its count by the total.",
        rtol=2e-3, close_rtol=0.01,
        mistakes=(
            Mistake(lambda: max(_small_cnn(_flat_side())) / sum(_small_cnn(_flat_side())) * 100,
                    "Give a fraction, not a percentage: 0.5, not 50."),
        ),
    ),
    Exercise(
        "images-ex-2a", "Parameters of a dense layer on the flattened (2048, 7, 7) tensor to "
                        "1,000 classes.",
        lambda: linear_parameters(2048 * 7 * 7, 1000),
        hint="The flattened tensor has 2048 × 7 × 7 inputs; add one bias per class.",
        rtol=0.0, atol=0.5,
        mistakes=(
            Mistake(lambda: linear_parameters(2048 * 7 * 7, 1000, bias=False),
                    "Add the biases: one per class."),
            Mistake(lambda: linear_parameters(2048, 1000),
                    "That is the layer after averaging; flattening keeps all 7 × 7 "
                    "positions."),
        ),
    ),
    Exercise(
        "images-ex-2b", "Parameters of the dense layer after global average pooling.",
        lambda: linear_parameters(2048, 1000),
        hint="Averaging leaves one number per channel: 2,048 inputs.",
        mistakes=(
            Mistake(lambda: linear_parameters(2048, 1000, bias=False),
                    "Add the biases: one per class."),
        ),
    ),
    Exercise(
        "images-ex-3", "By how many output pixels does the stride-2 output move when the "
                       "photo moves 2 pixels?",
        lambda: _output_shift(2),
        hint="At stride 2 one output pixel stands for two input pixels.",
        mistakes=(
            Mistake(lambda: 2, "The output has one value for every second input position: "
                               "divide the shift by the stride."),
            Mistake(lambda: 0, "It does move: a shift by a whole stride moves the output by "
                               "one position."),
        ),
    ),
)
