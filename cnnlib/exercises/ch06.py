"""Self-checks for the exercises of *Receptive fields* (labels ``rf-ex-N``).

Each answer is recomputed with :func:`cnnlib.receptive_field` (or the
path-counting :func:`cnnlib.effective_receptive_field`); each mistake is the
recurrence run the wrong way.
"""

from __future__ import annotations

from ..receptive_field import effective_receptive_field, network_layers, receptive_field
from ._core import Exercise, Mistake, register

#: LeNet-style stack of rf-ex-1: conv 5×5, pool 2×2/2, conv 3×3, pool 2×2/2, no padding.
LENET = [(5, 1, 0), (2, 2, 0), (3, 1, 0), (2, 2, 0)]


def _size_jump(layers: list[tuple[int, int, int]]) -> tuple[int, int]:
    last = receptive_field(layers)[-1]
    return last.size, last.jump


def _without_jump(layers: list[tuple[int, int, int]]) -> tuple[int, int]:
    """The field if every layer added k - 1 (the jump forgotten)."""
    return 1 + sum(k - 1 for k, _, _ in layers), receptive_field(layers)[-1].jump


def _layers_to_cover(pattern: list[tuple[int, int, int]], target: int = 224) -> int:
    depth = 1
    while receptive_field((pattern * depth)[:depth])[-1].size < target:
        depth += 1
    return depth


def _dilated_reach() -> int:
    paths = effective_receptive_field([(3, 1, 2, 2)] * 3, 19, weights="ones",
                                      normalize=False)
    return int((paths > 0).sum())


register(
    Exercise(
        "rf-ex-1", "(size, jump) after the LeNet stack's last pool, e.g. (r, j).",
        lambda: _size_jump(LENET),
        hint="r_l = r_(l-1) + (k_l - 1) j_(l-1) and j_l = j_(l-1) s_l, layer by layer.",
        mistakes=(
            Mistake(lambda: _without_jump(LENET),
                    "Each layer adds (k - 1) times the jump so far, not k - 1: after the "
                    "first pool the jump is 2."),
            Mistake(lambda: (_size_jump(LENET)[0], 2),
                    "The jump is the product of all strides: 2 × 2."),
        ),
    ),
    Exercise(
        "rf-ex-2a", "Stacked 3×3 stride-1 layers needed before one unit sees 224 pixels.",
        lambda: _layers_to_cover([(3, 1, 1)]),
        hint="With stride 1, r = 1 + 2n: solve r >= 224.",
        mistakes=(
            Mistake(lambda: _layers_to_cover([(3, 1, 1)]) - 1,
                    "One short: that many layers see 223 pixels, one fewer than the image."),
            Mistake(lambda: 224, "Each 3×3 layer adds 2 pixels, not 1."),
        ),
    ),
    Exercise(
        "rf-ex-2b", "The same, with stride 2 in every second layer.",
        lambda: _layers_to_cover([(3, 1, 1), (3, 2, 1)]),
        hint="Run the recurrence: the jump doubles after every second layer.",
        mistakes=(
            Mistake(lambda: _layers_to_cover([(3, 2, 1), (3, 1, 1)]),
                    "The stride sits in the second layer of each pair, not the first."),
        ),
    ),
    Exercise(
        "rf-ex-3", "How many pixels more ResNet-50 v1's final field has than v1.5's.",
        lambda: (receptive_field(network_layers("resnet50v1"))[-1].size
                 - receptive_field(network_layers("resnet50"))[-1].size),
        hint="In each downsampling block entered at jump j, v1's 3×3 adds 4j and v1.5's 2j.",
        mistakes=(
            Mistake(lambda: 4 + 8 + 16,
                    "Each downsampling block gains 2j, not j: twice the sum of the jumps."),
            Mistake(lambda: 2 * (8 + 16 + 32),
                    "The blocks are entered at jumps 4, 8 and 16: the stride acts inside "
                    "the block."),
        ),
    ),
    Exercise(
        "rf-ex-4", "How many pixels of the 13×13 field of three dilation-2 layers reach the "
                   "unit.",
        _dilated_reach,
        hint="Count the offsets along one axis that the taps can reach, then square.",
        mistakes=(
            Mistake(lambda: 13 * 13, "Dilation leaves holes: only even offsets are reached."),
            Mistake(lambda: 13, "That is the field's side; the question asks for pixels of "
                                "the square."),
        ),
    ),
)
