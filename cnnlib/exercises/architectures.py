"""Self-checks for the exercises of *Architectures* (labels ``arch-ex-N``)."""

from __future__ import annotations

from functools import cache

from ..counting import conv2d_macs, conv2d_parameters
from ._core import Exercise, Mistake, register


def _stack_ratio(channels: int = 128) -> float:
    three = 3 * conv2d_parameters(channels, channels, 3, bias=False)
    return three / conv2d_parameters(channels, channels, 7, bias=False)


def _separable_ratio(k: int = 5, c_in: int = 128, c_out: int = 256, size: int = 14) -> float:
    standard = conv2d_macs(c_in, c_out, k, size)
    separable = (conv2d_macs(c_in, c_in, k, size, groups=c_in)
                 + conv2d_macs(c_in, c_out, 1, size))
    return separable / standard


@cache
def _resnet18_macs(side: int) -> int:
    from ..models import resnet18
    from ..models._init import deferred_init
    from ..summary import summary

    with deferred_init():                 # the summary needs shapes, not weights
        model = resnet18()
    return summary(model, (1, 3, side, side)).total_macs


def _mac_growth() -> float:
    return _resnet18_macs(320) / _resnet18_macs(224)


register(
    Exercise(
        "arch-ex-1", "Parameters of three stacked 3×3 convolutions divided by one 7×7's "
                     "(C channels in and out, no biases).",
        _stack_ratio, rtol=2e-3,
        hint="Three 3×3 layers have 3 · 9 · C² weights, one 7×7 has 49 · C²; C² cancels.",
        mistakes=(
            Mistake(lambda: 1 / _stack_ratio(),
                    "The ratio is upside down: the stack is the cheaper one, so its share "
                    "is below 1."),
            Mistake(lambda: _stack_ratio() / 3,
                    "That counts one 3×3 layer; the stack has three of them."),
            Mistake(lambda: 3 * 3 / 7,
                    "Count weights, not side lengths: a k×k kernel has k² of them."),
        ),
    ),
    Exercise(
        "arch-ex-2", "The MACs of a 5×5 depthwise-separable convolution with 256 outputs, "
                     "as a fraction of a standard 5×5's.",
        _separable_ratio, rtol=2e-3,
        hint="Depthwise k² C_in plus pointwise C_in C_out, over k² C_in C_out: 1/C_out + 1/k².",
        mistakes=(
            Mistake(lambda: _separable_ratio(k=3),
                    "That is the 3×3 ratio: this depthwise kernel is 5×5, so 1/k² = 1/25."),
            Mistake(lambda: _separable_ratio(c_out=128),
                    "The first term is 1/C_out with the 256 output channels, not the 128 "
                    "input ones."),
            Mistake(lambda: 1 / 25,
                    "That leaves out the pointwise 1×1 convolution, which adds 1/C_out."),
            Mistake(lambda: 1 / _separable_ratio(),
                    "That is the saving (standard over separable); the question asks for "
                    "the fraction, below 1."),
        ),
    ),
    Exercise(
        "arch-ex-3", "By what factor ResNet-18's MACs grow from 224×224 to 320×320 inputs.",
        _mac_growth, rtol=2e-3,
        hint="Every convolution does the same work at each position; count the positions.",
        mistakes=(
            Mistake(lambda: 320 / 224,
                    "The image grows in both directions: the positions grow by the square "
                    "of the side's ratio."),
            Mistake(lambda: 1.0,
                    "The parameters do not change, but the work does: each weight is used "
                    "at every position, and there are more positions."),
        ),
    ),
)
